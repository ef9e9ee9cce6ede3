#!/bin/bash
# Bad input to `nestlab run`: one line on stderr, exit status 2, no crash.
set -eu
. "$(dirname "$0")/lib.sh"
nl=$1
g=$2

expect_usage() {
	local what=$1; shift
	run_status "$nl" "$@"
	local lines
	lines=$(wc -l <"$tmp/err")
	if [ "$st" = 2 ] && [ "$lines" = 1 ]; then
		ok "$what: exit 2, '$(cat "$tmp/err")'"
	else
		bad "$what: exit $st, $lines lines: $(head -c 300 "$tmp/err")"
	fi
}

printf 'not an elf' >"$tmp/text"
head -c 100 "$g/g_exit" >"$tmp/trunc"
: >"$tmp/empty"
expect_usage "no arguments"
expect_usage "unknown command" frobnicate
expect_usage "unknown option" run --kernel "$g/g_exit" --mem 16M --frob
expect_usage "missing --mem" run --kernel "$g/g_exit"
expect_usage "zero --mem" run --kernel "$g/g_exit" --mem 0
expect_usage "malformed --mem" run --kernel "$g/g_exit" --mem 12X
expect_usage "absurd --mem" run --kernel "$g/g_exit" --mem 900T
expect_usage "missing kernel" run --kernel "$tmp/nope" --mem 16M
expect_usage "directory kernel" run --kernel "$tmp" --mem 16M
expect_usage "non-ELF kernel" run --kernel "$tmp/text" --mem 16M
expect_usage "empty kernel" run --kernel "$tmp/empty" --mem 16M
expect_usage "truncated kernel" run --kernel "$tmp/trunc" --mem 16M
expect_usage "unknown workload" run --kernel "$g/g_exit" --mem 16M --cmdline "workload=nosuch footprint=1M"
expect_usage "bad footprint" run --kernel "$g/g_exit" --mem 16M --cmdline "workload=touch footprint=-1"
expect_usage "unknown workload key" run --kernel "$g/g_exit" --mem 16M --cmdline "workload=touch footprint=1M colour=red"
expect_usage "bad --cpus" run --kernel "$g/g_exit" --mem 16M --cpus 0
run_status "$nl" --help
expect_eq "--help status" "$st" 0
finish
