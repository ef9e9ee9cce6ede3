#!/bin/bash
# `nestlab-expt measure` and `l1-outcome` against what bench/paper.sh's jq
# programs wrote before them (kept here, verbatim, as the reference).
# jq wrote the first 12 columns; the guest counters after them (expt.h,
# EXPT_C_ZAPPED..) came later and are checked by test_expt.c.
#  1. Without jq: the lines a testbed paper run's jq wrote
#     (tests/vm/fixtures/paper-measured.tsv) from its documents
#     (bench/fixtures), byte for byte; summarize takes what measure writes,
#     numbers in jq's forms included; bench/paper_run.sh's flat join
#     (nestlab-flat/1) reads as it should; bad files are refused (exit 2,
#     one line).
#  2. With jq: the same line as the jq program for those documents and for
#     variants of them made with jq (failed VMs, an L1 that sent nothing,
#     counters a host lacks, odd numbers). Where jq stopped with an error,
#     measure refuses too (exit 2, one line); the documents nestlab does
#     not write, which measure refuses where jq still printed something,
#     are listed apart (stricter).
# usage: test_measure.sh PATH/nestlab-expt ; exit 0 pass, 1 fail, 77 no jq
#   (after part 1 passed)
set -u
expt=$1
fx=$(cd "$(dirname "$0")/fixtures" && pwd)
tree=$(cd "$fx/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0

# ---- 1. without jq ----

# the document of a paper-measured.tsv line: its config and size
doc_of() { # config run_id
	local size=${2%-r*}
	size=${size##*-}
	if [ "$1" = flat ]; then echo "$fx/flat-$size.json"; else echo "$fx/nested-$1-$size.json"; fi
}
ref=$tree/tests/vm/fixtures/paper-measured.tsv
while IFS=$'\t' read -r id config wl mem rep _; do
	[ "$id" = run_id ] && continue
	n=$((n + 1))
	want=$(grep "^$id	" <"$ref")
	# the columns jq wrote; the guest counters after them are test_expt.c's
	got=$("$expt" measure "$id" "$config" "$wl" "$mem" "$rep" 0 "$(doc_of "$config" "$id")" 2>&1 | cut -f1-12)
	if [ "$got" = "$want" ]; then
		echo "ok: $id as the testbed run's jq wrote it"
	else
		echo "FAIL: $id: measure wrote [$got], jq wrote [$want]"; fail=1
	fi
done <"$ref"

# summarize reads measure's lines, in every form jq gives a number
sed 's/^name .*/name tinyfig3/' "$tree/bench/experiments/fig3.expt" >"$tmp/tinyfig3.expt"
{
	head -1 "$ref"
	tail -n +2 "$ref" | while IFS=$'\t' read -r id config wl mem rep _; do
		"$expt" measure "$id" "$config" "$wl" "$mem" "$rep" 0 "$(doc_of "$config" "$id")"
		# the same run as rep 2, with a tiny time and huge counters
		sed 's/"workload_ns": [0-9][0-9]*/"workload_ns": 3/; s/"exits": [0-9][0-9]*/"exits": 4e17/' \
			"$(doc_of "$config" "$id")" >"$tmp/odd.json"
		"$expt" measure "${id%-r1}-r2" "$config" "$wl" "$mem" 2 0 "$tmp/odd.json"
	done
} >"$tmp/measured.tsv"
n=$((n + 1)) out=
if grep -q '	3e-09	0	.*e+1[78]	' "$tmp/measured.tsv" &&
	out=$("$expt" summarize "$tmp/tinyfig3.expt" "$tmp/measured.tsv" "$tmp/sum" --scale 1/64 \
		--sizes 5G,8G 2>&1) &&
	[[ $out = *"8 runs passed, 0 failed, 0 lines skipped"* ]] && grep -q ',0.000,' "$tmp/sum/tinyfig3.csv"; then
	echo "ok: summarize takes measure's lines (3e-09 s, 8e+17 exits): ${out%%;*}"
else
	echo "FAIL: summarize on measure's lines: $out"; cat "$tmp/measured.tsv"; fail=1
fi

# bench/paper_run.sh's flat join (nestlab-flat/1) read by measure, with a
# stand-in nestlab that writes tests/vm/fixtures/run-exit.json (7 exits)
# as each VM's document, or, for VM 1 when NO_VM1 is set, nothing
mkdir -p "$tmp/stage"
cat >"$tmp/stage/nestlab" <<EOS
#!/bin/bash
while [ \$# -gt 0 ]; do [ "\$1" = --json ] && j=\$2; shift; done
[ -n "\${NO_VM1:-}" ] && [ "\${j%.vm1.json}" != "\$j" ] && exit 1
cp "$tree/tests/vm/fixtures/run-exit.json" "\$j"
EOS
chmod +x "$tmp/stage/nestlab"
flat_run() { # NO_VM1 -> the run's measured line
	NO_VM1=$1 bash "$tree/bench/paper_run.sh" "$tmp/stage" "$tmp/stage/run" flat mcf 83886080 0 0 1 1 2 0 10
	"$expt" measure x-r1 flat mcf 83886080 1 "$(<"$tmp/stage/run.rc")" "$tmp/stage/run.json"
}
n=$((n + 1))
if [ "$(flat_run '')" = "x-r1	flat	mcf	83886080	1	0	0	-	-	14	-	-	-	56	-	-	-	-" ]; then
	echo "ok: paper_run.sh's flat join of 2 VMs, as measure reads it"
else
	echo "FAIL: paper_run.sh's flat join: $(flat_run '' 2>&1)"; fail=1
fi
# run again, VM 1 writing nothing: its earlier document must not count
n=$((n + 1))
if [ "$(flat_run 1)" = "x-r1	flat	mcf	83886080	1	0	1	-	-	7	-	-	-	28	-	-	-	-" ]; then
	echo "ok: a VM without a document is null in the join, not its earlier attempt's"
else
	echo "FAIL: paper_run.sh again without VM 1's document: $(flat_run 1 2>&1)"; fail=1
fi

# bad_file WHAT ARGS...: measure or l1-outcome exits 2 with one line, nothing on stdout
bad_file() {
	local what=$1
	shift
	n=$((n + 1))
	timeout 10 "$expt" "$@" >"$tmp/c.out" 2>"$tmp/c.err" </dev/null
	local cst=$?
	if [ "$cst" = 2 ] && [ ! -s "$tmp/c.out" ] && [ "$(wc -l <"$tmp/c.err")" = 1 ]; then
		echo "ok: $what refused: $(cat "$tmp/c.err")"
	else
		echo "FAIL: $what: exit $cst, $(wc -l <"$tmp/c.out") lines out, stderr: $(cat "$tmp/c.err")"; fail=1
	fi
}
m=(measure x-r1 flat mcf 1 1 0)
truncate -s 65M "$tmp/huge.json"
bad_file "a 65 MiB document" "${m[@]}" "$tmp/huge.json"
mkfifo "$tmp/fifo.json"
bad_file "a FIFO" "${m[@]}" "$tmp/fifo.json"
bad_file "a FIFO (l1-outcome)" l1-outcome "$tmp/fifo.json"
bad_file "a directory" "${m[@]}" "$tmp"
bad_file "a missing file" "${m[@]}" "$tmp/none.json"
bad_file "/dev/zero" "${m[@]}" /dev/zero
: >"$tmp/empty.json"
bad_file "an empty file" "${m[@]}" "$tmp/empty.json"
bad_file "a run document as flat" "${m[@]}" "$tree/tests/vm/fixtures/run-exit.json"
bad_file "a nested document as flat" "${m[@]}" "$fx/nested-shadow-80M.json"
bad_file "a flat document as shadow" measure x-r1 shadow mcf 1 1 0 "$fx/flat-80M.json"

if ! command -v jq >/dev/null; then
	echo "$n cases; SKIP: jq missing, the comparison with jq (part 2) not run"
	[ "$fail" = 0 ] && exit 77
	exit 1
fi

# ---- 2. against jq ----

# bench/paper.sh's tsv_line before nestlab-expt measure (commit 97dfd15)
tsv_line() { # id config workload vm_mem rep json rc
	local id=$1 config=$2 wl=$3 mem=$4 rep=$5 j=$6 rc=$7
	if [ "$config" = flat ]; then
		jq -r --arg id "$id" --arg c "$config" --arg w "$wl" --arg m "$mem" --arg r "$rep" --arg rc "$rc" '
			[.vms[] | select(. != null)] as $v |
			[$id, $c, $w, $m, $r,
			 (if ($v | length) > 0 then ($v | map(.time.workload_ns) | add / length / 1e9) else "-" end),
			 (if $rc == "0" and ($v | length) == (.vms | length) and
			     all($v[]; .outcome == "exited" and .guest.exit_status == 0) then 0 else 1 end),
			 "-", "-", ([$v[].kvm_stats.vcpus[].stats.exits] | add // "-"), "-", "-"] | @tsv' "$j"
	else
		jq -r --arg id "$id" --arg c "$config" --arg w "$wl" --arg m "$mem" --arg r "$rep" --arg rc "$rc" '
			[(.l1.l2 // [])[] | .result | select(. != null)] as $v |
			[$id, $c, $w, $m, $r,
			 (if ($v | length) > 0 then ($v | map(.time.workload_ns) | add / length / 1e9) else "-" end),
			 (if $rc == "0" and ($v | length) > 0 then 0 else 1 end),
			 ([$v[].kvm_stats.vcpus[].stats.pf_guest] | add // "-"),
			 ([$v[].kvm_stats.vcpus[].stats.exits] | add // "-"),
			 ([.l0_view.kvm_stats.vcpus[].stats.exits] | add // "-"),
			 # pages to the swap device and into zswap (where L1 had it on)
			 (if .l1.vmstat_delta.zswpout then (.l1.vmstat_delta.pswpout // 0) + .l1.vmstat_delta.zswpout
			  else .l1.vmstat_delta.pswpout // 0 end),
			 (.l1.vmstat_delta.pgmajfault // 0)] | @tsv' "$j"
	fi
}

# same CONFIG DOC RC: both write the same line
same() {
	local config=$1 doc=$2 rc=$3 id=fig3-x-r2
	n=$((n + 1))
	tsv_line "$id" "$config" mcf 83886080 2 "$doc" "$rc" >"$tmp/jq.out" 2>"$tmp/jq.err"
	local jst=$?
	"$expt" measure "$id" "$config" mcf 83886080 2 "$rc" "$doc" >"$tmp/c.out" 2>"$tmp/c.err"
	local cst=$?
	if [ "$jst" != 0 ] || [ ! -s "$tmp/jq.out" ]; then
		echo "FAIL: jq made no line for $doc (the case is meant to have one)"; fail=1; return
	fi
	# jq's 12 columns; the guest counters after them are test_expt.c's
	if [ "$cst" = 0 ] && cut -f1-12 "$tmp/c.out" | cmp -s "$tmp/jq.out" -; then
		echo "ok: $(basename "$doc") rc $rc: $(cat "$tmp/c.out")"
	else
		echo "FAIL: $(basename "$doc") rc $rc (exit $cst: $(cat "$tmp/c.err"))"
		diff "$tmp/jq.out" "$tmp/c.out"; fail=1
	fi
}

# refused CONFIG DOC: jq stopped with an error; measure exits 2 with one line
refused() {
	local config=$1 doc=$2
	n=$((n + 1))
	tsv_line x "$config" mcf 1 1 "$doc" 0 >"$tmp/jq.out" 2>/dev/null && [ -s "$tmp/jq.out" ] &&
		{ echo "FAIL: jq made a line for $doc"; fail=1; return; }
	"$expt" measure x-r1 "$config" mcf 1 1 0 "$doc" >"$tmp/c.out" 2>"$tmp/c.err"
	local cst=$?
	if [ "$cst" = 2 ] && [ ! -s "$tmp/c.out" ] && [ "$(wc -l <"$tmp/c.err")" = 1 ]; then
		echo "ok: refused $(basename "$doc"): $(cat "$tmp/c.err")"
	else
		echo "FAIL: $(basename "$doc"): exit $cst, $(wc -l <"$tmp/c.out") lines out"; fail=1
	fi
}

# stricter CONFIG DOC: a document nestlab does not write, where jq still
# printed a line (text for a counter, an object's values taken as a list,
# a run document without its schema, an empty field for inf - inf):
# measure refuses it, exit 2 with one line
stricter() {
	local config=$1 doc=$2
	n=$((n + 1))
	if ! tsv_line x "$config" mcf 1 1 "$doc" 0 >"$tmp/jq.out" 2>/dev/null || [ ! -s "$tmp/jq.out" ]; then
		echo "FAIL: jq made no line for $doc (the case is meant to have one)"; fail=1; return
	fi
	"$expt" measure x-r1 "$config" mcf 1 1 0 "$doc" >"$tmp/c.out" 2>"$tmp/c.err"
	local cst=$?
	if [ "$cst" = 2 ] && [ ! -s "$tmp/c.out" ] && [ "$(wc -l <"$tmp/c.err")" = 1 ]; then
		echo "ok: refused $(basename "$doc") (jq: $(cut -f6- "$tmp/jq.out" | tr '\t' ' ')): $(cat "$tmp/c.err")"
	else
		echo "FAIL: $(basename "$doc"): exit $cst, $(wc -l <"$tmp/c.out") lines out"; fail=1
	fi
}

# l1_same DOC: l1-outcome prints what paper.sh's jq printed (nothing when
# jq failed: paper.sh threw its errors away)
l1_same() {
	n=$((n + 1))
	local want got
	want=$(jq -r '.l0_view.outcome // empty' "$1" 2>/dev/null || true)
	got=$("$expt" l1-outcome "$1" 2>/dev/null || true)
	if [ "$got" = "$want" ]; then
		echo "ok: l1-outcome $(basename "$1"): '$got'"
	else
		echo "FAIL: l1-outcome $(basename "$1"): '$got', jq '$want'"; fail=1
	fi
}

v() { # NAME SRC JQ-FILTER: a variant of SRC
	jq "$3" "$2" >"$tmp/$1.json" || { echo "FAIL: making $1"; exit 1; }
	echo "$tmp/$1.json"
}

flat=$fx/flat-80M.json nested=$fx/nested-shadow-80M.json
for f in "$fx"/flat-*.json; do same flat "$f" 0; done
for f in "$fx"/nested-*.json; do same shadow "$f" 0; done
same flat "$flat" 1
same shadow "$nested" 137
same flat "$(v vm-null "$flat" '.vms[1] = null')" 0
same flat "$(v vms-null "$flat" '.vms |= map(null)')" 0
same flat "$(v stats-null "$flat" '.vms[0].kvm_stats.vcpus[0].stats = null')" 0
same flat "$(v stats-allnull "$flat" '.vms[].kvm_stats.vcpus[].stats = null')" 0
same flat "$(v no-exits "$flat" '.vms[0].kvm_stats.vcpus[0].stats |= del(.exits)')" 0
same flat "$(v exit1 "$flat" '.vms[1].guest.exit_status = 1')" 0
same flat "$(v timeout "$flat" '.vms[0].outcome = "timeout"')" 0
same flat "$(v no-guest "$flat" '.vms[0] |= del(.guest)')" 0
same flat "$(v wns-null "$flat" '.vms[0].time.workload_ns = null')" 0
same flat "$(v wns-big "$flat" '.vms[0].time.workload_ns = 123456789012345678 | .vms[1].time.workload_ns = 1')" 0
same flat "$(v wns-tiny "$flat" '.vms[].time.workload_ns = 3')" 0
same flat "$(v wns-zero "$flat" '.vms[].time.workload_ns = 0')" 0
same flat "$(v exits-big "$flat" '.vms[].kvm_stats.vcpus[].stats.exits = 4e17')" 0
same flat "$(v exits-neg "$flat" '.vms[0].kvm_stats.vcpus[0].stats.exits = -7')" 0
same flat "$(v dup-key "$flat" '.' | xargs sed -i 's/"schema": "nestlab-flat\/1"/"schema": "x", "schema": "nestlab-flat\/1"/'; echo "$tmp/dup-key.json")" 0
# the tests' flat documents, wrapped as bench/paper_run.sh wraps them
tests=$(cd "$fx/../../tests/vm/fixtures" && pwd)
printf '{"schema": "nestlab-flat/1", "vms": [%s,%s,null]}\n' "$(<"$tests/run-exit.json")" \
	"$(<"$tests/run-smp4.json")" >"$tmp/wrapped.json"
same flat "$tmp/wrapped.json" 0
same shadow "$(v l1-null "$nested" '.l1 = null')" 0
same shadow "$(v l2-result-null "$nested" '.l1.l2[0].result = null')" 0
same shadow "$(v l2-results-null "$nested" '.l1.l2[].result = null')" 0
same shadow "$(v l2-empty "$nested" '.l1.l2 = []')" 0
same shadow "$(v l2-null "$nested" '.l1.l2 = null')" 0
same shadow "$(v l2-entry-null "$nested" '.l1.l2[1] = null')" 0
same shadow "$(v no-vmstat "$nested" '.l1 |= del(.vmstat_delta)')" 0
same shadow "$(v swapped "$nested" '.l1.vmstat_delta.pswpout = 12345 | .l1.vmstat_delta.pgmajfault = 0.5')" 0
same shadow "$(v zswapped "$nested" '.l1.vmstat_delta.pswpout = 12 | .l1.vmstat_delta.zswpout = 30000')" 0
same shadow "$(v zswapped-only "$nested" '.l1.vmstat_delta |= del(.pswpout) | .l1.vmstat_delta.zswpout = 7')" 0
same shadow "$(v l2-stats-null "$nested" '.l1.l2[].result.kvm_stats.vcpus[].stats = null')" 0
same shadow "$(v l0-stats-null "$nested" '.l0_view.kvm_stats.vcpus[].stats = null')" 0
same shadow "$(v no-pf "$nested" '.l1.l2[0].result.kvm_stats.vcpus[].stats |= del(.pf_guest)')" 0
same nested "$nested" 0
same sos "$nested" 0

# jq's and/all() stop at the first false: what follows is not looked at
same flat "$(v guest-num-rc1 "$flat" '.vms[0].guest = 5')" 1
same flat "$(v guest-num-after "$flat" '.vms[0].outcome = "timeout" | .vms[1].guest = 5')" 0
same flat "$(v guest-num-failed "$flat" '.vms[0].guest.exit_status = 1 | .vms[1].guest = 5')" 0
same flat "$(v guest-num-noexit "$flat" '.vms[0].outcome = "panic" | .vms[0].guest = 5')" 0
same flat "$(v status-text "$flat" '.vms[0].guest.exit_status = "0"')" 0
same flat "$(v outcome-num "$flat" '.vms[0].outcome = 5')" 0
same flat "$(v wns-neg "$flat" '.vms[].time.workload_ns = -5')" 0
same shadow "$(v l2-false "$nested" '.l1.l2 = false')" 0
same shadow "$(v vmstat-false "$nested" '.l1.vmstat_delta.pswpout = false')" 0
# numbers as jq 1.6 prints them (JSON jq itself cannot write: sed)
num() { # NAME SED-SCRIPT: a variant of the flat document, its line compared
	sed "$2" "$flat" >"$tmp/$1.json"
	same flat "$tmp/$1.json" 0
}
num n-inf 's/"exits": 7388,/"exits": 1e400,/'
num n-huge 's/"exits": 7388,/"exits": 12345678901234567890,/'
num n-E 's/"exits": 7388,/"exits": 1E2,/'
num n-frac 's/"exits": 7388,/"exits": 0.1,/; s/"exits": 7416,/"exits": 0.2,/'
num n-neg0 's/"exits": 7388,/"exits": -0,/; s/"exits": 7416,/"exits": -0.0,/'
num n-1e17 's/"exits": 7388,/"exits": 1e17,/; s/"exits": 7416,/"exits": 0,/'
num n-1e16 's/"exits": 7388,/"exits": 1e16,/; s/"exits": 7416,/"exits": 0,/'
num n-123e15 's/"exits": 7388,/"exits": 123e15,/; s/"exits": 7416,/"exits": 0,/'
num n-denormal 's/"exits": 7388,/"exits": 1e-320,/; s/"exits": 7416,/"exits": 0,/'
num n-1e-5 's/"exits": 7388,/"exits": 0.00001234,/; s/"exits": 7416,/"exits": 0,/'
num n-1e-4 's/"exits": 7388,/"exits": 0.0001234,/; s/"exits": 7416,/"exits": 0,/'
num n-1e300 's/"exits": 7388,/"exits": 1.5e300,/; s/"exits": 7416,/"exits": 0,/'
num n-wns-inf '0,/"workload_ns": [0-9]*/s//"workload_ns": 1e400/'
num n-wns-under '0,/"workload_ns": [0-9]*/s//"workload_ns": 1e-400/'
num n-wns-long '0,/"workload_ns": [0-9]*/s//"workload_ns": 4140219140.000000000000001/'

refused flat "$(v no-vms "$flat" 'del(.vms)')"
refused flat "$(v vms-num "$flat" '.vms = 5')"
refused flat "$(v vm-num "$flat" '.vms[0] = 5')"
refused flat "$(v vm-false "$flat" '.vms[0] = false')"
refused flat "$(v vms-nostats "$flat" '.vms[0] |= del(.kvm_stats)')"
refused flat "$(v vcpu-num "$flat" '.vms[0].kvm_stats.vcpus[0] = 5')"
refused flat "$(v guest-num "$flat" '.vms[0].guest = 5')"
refused flat "$(v wns-allnull "$flat" '.vms[].time.workload_ns = null')"
refused flat "$(v wns-text "$flat" '.vms[0].time.workload_ns = "5"')"
refused flat "$(v wns-false "$flat" '.vms[0].time.workload_ns = false')"
refused flat "$(v time-num "$flat" '.vms[0].time = 5')"
refused flat "$(v exits-mixed "$flat" '.vms[0].kvm_stats.vcpus[0].stats.exits = "a"')"
refused flat "$(v exits-true "$flat" '.vms[].kvm_stats.vcpus[].stats.exits = true')"
refused flat "$(v exits-false "$flat" '.vms[0].kvm_stats.vcpus[0].stats.exits = false')"
refused flat "$(v exits-obj "$flat" '.vms[0].kvm_stats.vcpus[0].stats.exits = {}')"
refused flat "$(v root-list "$flat" '[.]')"
refused shadow "$(v no-l0 "$nested" 'del(.l0_view)')"
refused shadow "$(v l0-num "$nested" '.l0_view = 5')"
refused shadow "$(v l0-novcpus "$nested" '.l0_view.kvm_stats = null')"
refused shadow "$(v l1-num "$nested" '.l1 = 5')"
refused shadow "$(v l1-false "$nested" '.l1 = false')"
refused shadow "$(v l2-num "$nested" '.l1.l2 = 5')"
refused shadow "$(v l2-true "$nested" '.l1.l2 = true')"
refused shadow "$(v l2-result-num "$nested" '.l1.l2[0].result = 5')"
refused shadow "$(v l2-wns-null "$nested" '.l1.l2[].result.time.workload_ns = null')"
refused shadow "$(v l2-nostats "$nested" '.l1.l2[0].result |= del(.kvm_stats)')"
refused shadow "$(v vmstat-num "$nested" '.l1.vmstat_delta = 5')"
refused shadow "$(v vmstat-obj "$nested" '.l1.vmstat_delta.pswpout = {}')"
printf '{"schema": "nestlab-flat/1", "vms": [' >"$tmp/truncated.json"
refused flat "$tmp/truncated.json"
echo "not json" >"$tmp/text.json"
refused flat "$tmp/text.json"

stricter flat "$(v exits-text "$flat" '.vms[].kvm_stats.vcpus[].stats.exits = "a"')"
stricter flat "$(v vms-object "$flat" '.vms = {"a": .vms[0], "b": .vms[1]}')"
stricter flat "$(v vcpus-object "$flat" '.vms[0].kvm_stats.vcpus = {"a": .vms[0].kvm_stats.vcpus[0]}')"
stricter flat "$(v vm-noschema "$flat" '.vms[0] |= del(.schema)')"
sed 's/"exits": 7388,/"exits": 1e400,/; s/"exits": 7416,/"exits": -1e400,/' "$flat" >"$tmp/exits-nan.json"
stricter flat "$tmp/exits-nan.json"
stricter shadow "$(v l2-object "$nested" '.l1.l2 = {"a": .l1.l2[0]}')"
stricter shadow "$(v l2-noschema "$nested" '.l1.l2[0].result |= del(.schema)')"
stricter shadow "$(v l0-noschema "$nested" '.l0_view |= del(.schema)')"
stricter shadow "$(v vmstat-text "$nested" '.l1.vmstat_delta.pswpout = "x"')"
stricter shadow "$(v vmstat-true "$nested" '.l1.vmstat_delta.pswpout = true')"

for f in "$fx"/*.json "$tmp/l1-null.json" "$tmp/no-l0.json" "$tmp/text.json"; do l1_same "$f"; done
l1_same "$(v l1-triple "$nested" '.l0_view.outcome = "triple-fault"')"
l1_same "$(v l1-no-outcome "$nested" '.l0_view |= del(.outcome)')"

echo "$n cases"
exit $fail
