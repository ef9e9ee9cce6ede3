#!/bin/bash
# The test command (README): installs dependencies, builds nestlab twice
# (plain, and host code under ASan+UBSan), runs every suite, and ends with
# one line: "N passed, N failed, N skipped".
set -eu
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Debian's kernel for the testbed (and as L1); without it those tests skip.
bash scripts/get-kernel.sh build/kernel >/dev/null ||
	echo "tests: no Debian kernel could be fetched: the testbed tests will skip" >&2
# Debian's bzip2, GNU Go and HMMER 2 for the Linux L2 (guest-linux/).
bash scripts/get-programs.sh build/programs >/dev/null ||
	echo "tests: Debian's L2 programs could not be fetched: the Linux L2 tests will skip" >&2

setup() { # dir [meson options]
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	meson compile -C "$dir" >/dev/null || { meson compile -C "$dir"; exit 1; }
}

setup build
setup build-san -Dsanitize=true

set +e
meson test -C build --print-errorlogs --num-processes 2
# Under the sanitizers: every unit test and the VMM-core VM tests.
meson test -C build-san --print-errorlogs --suite unit --suite vmcore
set -e

count() { # result-regex
	cat build/meson-logs/testlog.json build-san/meson-logs/testlog.json |
		jq -r .result | grep -cE "$1" || true
}
passed=$(count '^(OK|EXPECTEDFAIL)$')
failed=$(count '^(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)$')
skipped=$(count '^SKIP$')
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
