#!/bin/bash
# nestlab stat on the fixture documents (tests/unit/fixtures/stat): what it
# prints, its JSON through jq, its CSV's shape, and bad input: one line on
# stderr, exit status 2, nothing on stdout, no hang. No /dev/kvm needed.
set -eu
. "$(dirname "$0")/lib.sh"
need_jq
nl=$1
fx=$2

# expect_ok WHAT ARGS...: exit 0, output on stdout, every line <= 100 columns
expect_ok() {
	local what=$1; shift
	run_status "$nl" stat "$@"
	local long
	long=$(awk 'length > 100' "$tmp/out" | wc -l)
	if [ "$st" = 0 ] && [ -s "$tmp/out" ] && [ "$long" = 0 ]; then
		ok "$what: exit 0, $(wc -l <"$tmp/out") lines"
	else
		bad "$what: exit $st, $long lines over 100 columns: $(head -c 300 "$tmp/err")"
	fi
}

# expect_usage WHAT ARGS...: exit 2, one line 'nestlab: stat: ...', no stdout
expect_usage() {
	local what=$1; shift
	run_status timeout 10 "$nl" stat "$@"
	local lines
	lines=$(wc -l <"$tmp/err")
	if [ "$st" = 2 ] && [ "$lines" = 1 ] && grep -q '^nestlab: stat: ' "$tmp/err" && ! [ -s "$tmp/out" ]; then
		ok "$what: exit 2, '$(cat "$tmp/err")'"
	else
		bad "$what: exit $st, $lines lines: $(head -c 300 "$tmp/err")"
	fi
}

for d in run-exit.json run-smp4.json flat-128M.json nested-shadow-80M.json nested-trace.json dir; do
	expect_ok "text $d" "$fx/$d"
done
expect_ok "diff" "$fx/nested-shadow-80M.json" "$fx/nested-trace.json"
expect_ok "diff of a directory against a document" "$fx/dir" "$fx/nested-trace.json"
expect_ok "--sort time --level l0" --sort time --level l0 "$fx/nested-trace.json"
grep -q '^Exit multiplication' "$tmp/out" && ok "the multiplication table is there" ||
	bad "no multiplication table"
grep -q '\[l1\]' "$tmp/out" && bad "--level l0 printed an l1 section" || ok "--level l0: only l0"

# the directory: one note on stderr for the file that is no document
run_status "$nl" stat "$fx/dir"
if [ "$st" = 0 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
   grep -q '^nestlab: stat: note: skipped .*notadoc.json' "$tmp/err"; then
	ok "directory: notadoc.json skipped with one note"
else
	bad "directory: exit $st, stderr: $(head -c 300 "$tmp/err")"
fi
grep -q '2 documents' "$tmp/out" && ok "directory: says 2 documents" || bad "directory: count"

# JSON: valid for jq, single and diff
for args in "$fx/nested-trace.json" "$fx/run-smp4.json $fx/flat-128M.json" "$fx/dir $fx/nested-trace.json"; do
	# shellcheck disable=SC2086
	run_status "$nl" stat --json $args
	if [ "$st" = 0 ] && jq -e '.schema == "nestlab-stat/1"' "$tmp/out" >/dev/null; then
		ok "--json $args: jq reads it ($(jq '[.sections[].tables[]] | length' "$tmp/out") tables)"
	else
		bad "--json $args: exit $st, jq: $(jq . "$tmp/out" 2>&1 | head -c 200)"
	fi
done
"$nl" stat --json "$fx/nested-trace.json" >"$tmp/j.json"
expect_eq "json: L1's trace of L2[0], samples" \
	"$(jq '.sections[] | select(.id == "l1.l2[0]") | .tables[] | select(.id == "trace.kvm_exit") | .samples' "$tmp/j.json")" 5564
expect_eq "json: samples_pct adds to 100" \
	"$(jq '[.sections[] | select(.id == "l0_trace") | .tables[] | select(.id == "kvm_exit") | .rows[].samples_pct] | add | . * 1000 | round / 1000' "$tmp/j.json")" 100
expect_eq "json: multiplication PF excp, L0 exits p99" \
	"$(jq '.sections[].tables[] | select(.kind == "multiplication") | .rows[] | select(.name == "PF excp") | .l0_exits.p99' "$tmp/j.json")" 41
"$nl" stat --json "$fx/nested-shadow-80M.json" "$fx/nested-trace.json" >"$tmp/d.json"
expect_eq "json diff: checksums equal" "$(jq '[.vms[].checksum_equal] | map(tostring) | join(",")' -r "$tmp/d.json")" "null,true,true"
expect_eq "json diff: a row only in B has a null ratio" \
	"$(jq '.sections[] | select(.id == "l1.l2[0]") | .tables[] | select(.id == "trace.kvm_exit") | .rows[0].ratio.samples' "$tmp/d.json")" null

# CSV: every table starts with its header, every row has its header's fields
run_status "$nl" stat --csv "$fx/nested-trace.json"
if [ "$st" = 0 ] && awk -F, 'BEGIN { RS = ""; bad = 0 }
	{ n = split($0, l, "\n"); if (l[1] !~ /^section,/) bad = 1
	  c = split(l[1], h, ","); for (i = 2; i <= n; i++) {
		s = l[i]; gsub(/"[^"]*"/, "q", s)
		if (split(s, f, ",") != c) bad = 1 } }
	END { exit bad }' "$tmp/out"; then
	ok "--csv: $(grep -c '^section,' "$tmp/out") tables, rows as wide as their headers"
else
	bad "--csv: exit $st, or a row not as wide as its header"
fi

# help
run_status "$nl" stat --help
[ "$st" = 0 ] && grep -q '^usage: nestlab stat' "$tmp/out" && ok "stat --help" || bad "stat --help: exit $st"
run_status "$nl" help
grep -q 'nestlab stat' "$tmp/out" && ok "nestlab help names stat" || bad "nestlab help: no stat"

# bad input
mkdir "$tmp/empty"
mkfifo "$tmp/fifo.json"
truncate -s 65M "$tmp/huge.json"
expect_usage "no document"
expect_usage "missing file" "$tmp/nope.json"
expect_usage "directory without documents" "$fx/bad"
expect_usage "empty directory" "$tmp/empty"
expect_usage "invalid JSON" "$fx/bad/truncated.json"
expect_usage "unknown schema" "$fx/bad/unknown-schema.json"
expect_usage "not an object" "$fx/bad/array.json"
expect_usage "FIFO" "$tmp/fifo.json"
expect_usage "huge file" "$tmp/huge.json"
expect_usage "missing second document" "$fx/run-exit.json" "$tmp/nope.json"
expect_usage "three documents" "$fx/run-exit.json" "$fx/run-exit.json" "$fx/run-exit.json"
expect_usage "unknown option" --frob "$fx/run-exit.json"
expect_usage "--sort without a value" "$fx/run-exit.json" --sort
expect_usage "bad --sort" --sort size "$fx/run-exit.json"
expect_usage "bad --level" --level l9 "$fx/run-exit.json"
expect_usage "--json with --csv" --json --csv "$fx/run-exit.json"
finish
