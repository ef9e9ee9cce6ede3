#!/bin/bash
# The long fuzzing runs (docs/fuzzing.md): each harness of tests/fuzz/
# under libFuzzer for a while, over a copy of its seed corpus, and one
# line per harness: executions, libFuzzer's final coverage (cov: edges,
# ft: features), the corpus it grew and whether it found anything. The
# unit suite's fuzz-NAME tests are the short runs of the same harnesses.
#
#   bench/fuzz.sh [-t SECONDS] [-b BUILD] [-o OUTDIR] [-s SEED] [HARNESS...]
#
#   -t  seconds per harness (default 60)
#   -b  the libFuzzer build (default build-fuzz): set up here when it has
#       no build.ninja, as CC=clang meson setup BUILD -Dfuzz=true
#       -Dsanitize=true, and only the harnesses are compiled
#   -o  where each harness's log, grown corpus and crash-* files go
#       (default BUILD/fuzz-out/NAME; the corpus copy is made anew)
#   -s  libFuzzer's -seed (default 1; 0: libFuzzer picks one)
#   HARNESS: size, l2spec, ... (default: every tests/fuzz/fuzz_*.c)
#
# Needs clang and its libFuzzer runtime (Debian: clang and
# libclang-rt-NN-dev for clang NN). Exit status: 0 nothing found, 1 a
# harness crashed or failed a check (its input is in OUTDIR/NAME), 2 bad
# usage or no libFuzzer.
set -eu
fuzz_max_len() { case "$1" in virtio) echo 20480 ;; channel) echo 70000 ;; *) echo 4096 ;; esac; }
cd "$(dirname "$0")/.."

secs=60 build=build-fuzz out="" seed=1
usage() {
	sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
while getopts "t:b:o:s:h" opt; do
	case $opt in
	t) secs=$OPTARG ;;
	b) build=$OPTARG ;;
	o) out=$OPTARG ;;
	s) seed=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $secs in '' | *[!0-9]* | 0) echo "fuzz.sh: -t wants whole seconds, not '$secs'" >&2; exit 2 ;; esac
case $seed in '' | *[!0-9]*) echo "fuzz.sh: -s wants a number, not '$seed'" >&2; exit 2 ;; esac
out=${out:-$build/fuzz-out}

if [ $# -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		n=${f#tests/fuzz/fuzz_}
		set -- "$@" "${n%.c}"
	done
fi
for h in "$@"; do
	[ -f "tests/fuzz/fuzz_$h.c" ] || { echo "fuzz.sh: no harness tests/fuzz/fuzz_$h.c" >&2; exit 2; }
done

command -v clang >/dev/null || {
	echo "fuzz.sh: no clang (Debian: apt-get install clang libclang-rt-dev, or libclang-rt-NN-dev for clang NN)" >&2
	exit 2
}
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)
[ -f "$rt" ] || {
	echo "fuzz.sh: clang has no libFuzzer runtime ($rt): install libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev" >&2
	exit 2
}
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Dsanitize=true >/dev/null
elif ! grep -q -e "-fsanitize=fuzzer" "$build/build.ninja"; then
	echo "fuzz.sh: $build is not a -Dfuzz=true build" >&2
	exit 2
fi
# ninja by output path: it regenerates the build first when meson.build
# changed (a new harness), where meson compile would not know the target
targets=()
for h in "$@"; do targets+=("tests/fuzz/fuzz_$h"); done
ninja -C "$build" "${targets[@]}" >/dev/null || { ninja -C "$build" "${targets[@]}"; exit 2; }

found=0
for h in "$@"; do
	dir=$out/$h
	rm -rf "$dir"
	mkdir -p "$dir/corpus"
	cp tests/fuzz/corpus/"$h"/* "$dir/corpus/"
	set +e
	# -max_len covers the largest seed: a bzImage's setup sectors, and
	# for the two harnesses whose input starts with guest memory that
	# memory and a script after it (fuzz_virtio 16 KiB, fuzz_channel
	# 64 KiB: shorter, the script would never run);
	# -timeout: an input that takes 10 s is a finding too
	"$build/tests/fuzz/fuzz_$h" -max_total_time="$secs" -seed="$seed" -max_len="$(fuzz_max_len "$h")" \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$dir/" \
		"$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	set -e
	# the last status line ("#N ... cov: C ft: F corp: K/...") and the stats
	last=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	crashes=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o \
		-name 'leak-*' -o -name 'oom-*' \) | wc -l)
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		found=1
		verdict="FOUND (exit $rc, $crashes inputs in $dir)"
	else
		verdict="nothing found"
	fi
	printf 'fuzz_%s: %s execs in %s s (%s/s), cov %s, ft %s, corpus %s: %s\n' "$h" \
		"${execs:-?}" "$secs" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$verdict"
done
exit "$found"
