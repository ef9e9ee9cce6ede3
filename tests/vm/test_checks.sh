#!/bin/bash
# The checks of tests/vm/checks.sh (used by core.sh, test_nested.sh,
# test_paper.sh) against real documents and against broken copies of them:
# each check passes the real one and fails each broken one, with the
# reason. Needs neither /dev/kvm nor the testbed: only bash, jq and awk.
# The fixtures (tests/vm/fixtures) are real outputs: run-exit.json and
# run-smp4.json from core.sh in the testbed (Linux 6.1, kvm_amd), the
# paper-* files from test_paper.sh's tiny figure 3 (testbed, emulated).
# usage: test_checks.sh ; exit 0 pass, 1 fail
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
need_jq
fx=$here/fixtures

# passes NAME CMD...: the check passes and prints nothing
passes() {
	local what=$1 out s=0
	shift
	out=$("$@" 2>&1) || s=$?
	if [ "$s" = 0 ] && [ -z "$out" ]; then ok "$what: passes"; else bad "$what: status $s: $out"; fi
}
# fails NAME PATTERN CMD...: the check fails (status 1) and says PATTERN (ERE)
fails() {
	local what=$1 pat=$2 out s=0
	shift 2
	out=$("$@" 2>&1) || s=$?
	if [ "$s" = 1 ] && grep -qE -- "$pat" <<<"$out"; then
		ok "$what: fails: $(head -n 1 <<<"$out")"
	else
		bad "$what: status $s (want 1 and /$pat/): $out"
	fi
}
# broken NAME JQ_FILTER SOURCE: a copy of SOURCE changed by JQ_FILTER, at $tmp/NAME.json
broken() { jq "$2" "$3" >"$tmp/$1.json"; }

# --- per-vCPU KVM statistics (core.sh) ---
ex=$fx/run-exit.json smp=$fx/run-smp4.json
passes "g_exit document, 1 vCPU" vcpu_stats_problems "$ex" 1
passes "g_smp document, 4 vCPUs" vcpu_stats_problems "$smp" 4
fails "g_smp document said to have 1 vCPU" '4 entries, the run had 1' vcpu_stats_problems "$smp" 1
broken nostats '.kvm_stats.vcpus[0].stats = null' "$ex"
# what core.sh checked before: the array's length, 1 whatever the statistics
expect_eq "old check on the statistics-less document (would pass)" "$(jq '.kvm_stats.vcpus | length' "$tmp/nostats.json")" 1
fails "vCPU statistics null on Linux 6.1" 'vCPU 0: no KVM statistics \(null\)' vcpu_stats_problems "$tmp/nostats.json" 1
broken empty '.kvm_stats.vcpus[0].stats = {}' "$ex"
fails "vCPU statistics empty" 'vCPU 0: empty KVM statistics' vcpu_stats_problems "$tmp/empty.json" 1
broken vmnull '.kvm_stats.vm = null' "$ex"
fails "VM statistics null on Linux 6.1" 'VM: no KVM statistics' vcpu_stats_problems "$tmp/vmnull.json" 1
broken str '.kvm_stats.vcpus[0].stats.exits = "8"' "$ex"
fails "a statistic that is not a number" 'not numbers: exits' vcpu_stats_problems "$tmp/str.json" 1
broken noexits '.kvm_stats.vcpus[0].stats.exits = 0' "$ex"
fails "KVM counted no exits" 'KVM counted 0 exits' vcpu_stats_problems "$tmp/noexits.json" 1
broken norun '.kvm_stats.vcpus[0].kvm_run_calls = 0' "$ex"
fails "a vCPU that never ran" 'kvm_run_calls is 0' vcpu_stats_problems "$tmp/norun.json" 1
broken nokvm 'del(.kvm_stats)' "$ex"
fails "no kvm_stats" 'no kvm_stats object' vcpu_stats_problems "$tmp/nokvm.json" 1
broken drop3 'del(.kvm_stats.vcpus[3])' "$smp"
fails "g_smp with a vCPU's entry gone" '3 entries, the run had 4' vcpu_stats_problems "$tmp/drop3.json" 4
broken null2 '.kvm_stats.vcpus[2].stats = null' "$smp"
fails "g_smp with vCPU 2's statistics null" 'vCPU 2: no KVM statistics' vcpu_stats_problems "$tmp/null2.json" 4
broken ids '.kvm_stats.vcpus[1].id = 0' "$smp"
fails "g_smp with vCPU ids 0,0,2,3" 'vCPU ids are \[0,0,2,3\]' vcpu_stats_problems "$tmp/ids.json" 4
broken cpus '.config.cpus = 2' "$smp"
fails "g_smp whose config says 2 vCPUs" 'config.cpus is 2' vcpu_stats_problems "$tmp/cpus.json" 4
# before Linux 5.14 there are no binary statistics: null is right there
broken old '.host.kernel = "5.10.0-28-amd64" | .kvm_stats.vm = null | .kvm_stats.vcpus[].stats = null' "$ex"
passes "null statistics from a 5.10 host" vcpu_stats_problems "$tmp/old.json" 1
broken oldvm '.host.kernel = "5.10.0-28-amd64" | .kvm_stats.vcpus[].stats = null' "$ex"
fails "VM statistics but null vCPU statistics, 5.10 host" 'VM statistics present but vCPU statistics null' \
	vcpu_stats_problems "$tmp/oldvm.json" 1
printf 'not json' >"$tmp/text.json"
fails "not a JSON document" 'not a JSON document' vcpu_stats_problems "$tmp/text.json" 1
fails "no document at all" 'not a JSON document' vcpu_stats_problems "$tmp/none.json" 1
# inside a nested document (test_nested.sh: .l1.l2[i].result)
jq '{l1: {l2: [{result: .}]}}' "$ex" >"$tmp/nested.json"
passes "a run document inside a nested one" vcpu_stats_problems "$tmp/nested.json" 1 '.l1.l2[0].result'
fails "a missing L2 result inside a nested one" 'no document' vcpu_stats_problems "$tmp/nested.json" 1 '.l1.l2[1].result'
expect_eq "binary statistics on 6.1" "$(binary_stats_expected 6.1.0-57-amd64 && echo y || echo n)" y
expect_eq "binary statistics on 5.14" "$(binary_stats_expected 5.14.0 && echo y || echo n)" y
expect_eq "no binary statistics on 5.13" "$(binary_stats_expected 5.13.19 && echo y || echo n)" n
expect_eq "no binary statistics on 4.19" "$(binary_stats_expected 4.19.0 && echo y || echo n)" n

# --- checksums (test_nested.sh) ---
passes "a real checksum (mcf, 4M, seed 7)" checksum_problem mcf 0x83f0cd0e4f12da7f
fails "an empty native checksum" "is not a checksum" checksum_problem native ""
fails "a null checksum" "is not a checksum" checksum_problem L2 null

# --- expect_eq itself: an empty reference fails ---
out=$( (fails=0 checks=0; expect_eq "empty = empty" "" ""; echo "fails=$fails") )
grep -q 'fails=1' <<<"$out" && ok "expect_eq with an empty reference fails: $(head -1 <<<"$out")" ||
	bad "expect_eq '' '' passed: $out"

# --- bench/paper.sh's output (test_paper.sh) ---
tsv=$fx/paper-measured.tsv csv=$fx/paper-tinyfig3.csv rep=$fx/paper-report.md
passes "measured.tsv, 4 runs" run_times_problems "$tsv" 4
fails "measured.tsv said to have 5 runs" '4 runs, not 5' run_times_problems "$tsv" 5
awk -F'\t' -v OFS='\t' 'NR == 3 { $6 = "-"; $7 = 1 } 1' "$tsv" >"$tmp/dash.tsv"
fails "a failed run's time '-'" "time '-' is not a number" run_times_problems "$tmp/dash.tsv" 4
awk -F'\t' -v OFS='\t' 'NR == 2 { $6 = "0.0" } 1' "$tsv" >"$tmp/zero.tsv"
fails "a time of 0.0" "time '0.0' is not a number above 0" run_times_problems "$tmp/zero.tsv" 4
awk -F'\t' -v OFS='\t' 'NR == 4 { $7 = 1 } 1' "$tsv" >"$tmp/st.tsv"
fails "a run with status 1" "status '1', not 0" run_times_problems "$tmp/st.tsv" 4
head -n 3 "$tsv" >"$tmp/short.tsv"
fails "two runs missing" '2 runs, not 4' run_times_problems "$tmp/short.tsv" 4
fails "no measured.tsv" 'missing' run_times_problems "$tmp/none.tsv" 4

passes "CSV medians are the runs' times" csv_medians_problems "$csv" "$tsv"
sed 's/^flat,mcf,1,83886080,80,5.00,1,4.215,/flat,mcf,1,83886080,80,5.00,1,4.216,/' "$csv" >"$tmp/med.csv"
fails "a CSV median off by 1 ms" 'CSV flat 83886080: median "4.216", the runs give 4.215' csv_medians_problems "$tmp/med.csv" "$tsv"
sed 's/^\(shadow,mcf,1,134217728,128,8.00,\)1,22.342,/\10,,/' "$csv" >"$tmp/blank.csv"
fails "a CSV median left blank" 'CSV shadow 134217728: median ""' csv_medians_problems "$tmp/blank.csv" "$tsv"
grep -v '^shadow,mcf,1,83886080' "$csv" >"$tmp/row.csv"
fails "a CSV row missing" 'no CSV row for shadow 83886080' csv_medians_problems "$tmp/row.csv" "$tsv"
# the columns are found by name: a CSV from before the vms column still reads
cut -d, -f3 --complement "$csv" >"$tmp/novms.csv"
passes "a CSV without the vms column (columns by name)" csv_medians_problems "$tmp/novms.csv" "$tsv"
sed '1s/median_s/med/' "$csv" >"$tmp/nomed.csv"
fails "a CSV with no median_s column" 'no config, vm_mem_bytes or median_s column' csv_medians_problems "$tmp/nomed.csv" "$tsv"

expect_eq "slowdown computed from the runs" "$(fig3_gaps "$tsv" | tr '\n' ' ')" "134217728 230.09 83886080 348.68 average 289.38 "
passes "report.md holds the measured slowdown" report_gap_problems "$rep" "$tsv" shadow mcf
# a report with the paper's figure where ours should be (what the old grep for 11.9% accepted)
sed 's/289\.38%/11.9%/; s/230\.09%/8.04%/g; s/348\.68%/11.9%/' "$rep" >"$tmp/paperonly.md"
grep -q '11.9%' "$tmp/paperonly.md" && ok "the old check's string is in the paper-only report (it would pass)" ||
	bad "fixture: no 11.9% in the paper-only report"
fails "a report with only the paper's figures" 'measured slowdown \(134217728: 230.09%\) is not in' \
	report_gap_problems "$tmp/paperonly.md" "$tsv" shadow mcf
awk -F'\t' -v OFS='\t' '$2 == "shadow" { $6 = "-"; $7 = 1 } 1' "$tsv" >"$tmp/nonested.tsv"
fails "no nested run finished" 'no size has both flat and shadow times' report_gap_problems "$rep" "$tmp/nonested.tsv" shadow mcf
awk -F'\t' -v OFS='\t' 'NR == 2 { $6 = "7.5" } 1' "$tsv" >"$tmp/other.tsv"
fails "the report's slowdown is not what the runs give" 'is not in' report_gap_problems "$rep" "$tmp/other.tsv"
fails "no report" 'missing or empty' report_gap_problems "$tmp/none.md" "$tsv"

passes "report.md says emulated: yes" report_emulated_problem "$rep" yes
fails "report.md said to be from hardware" 'lacks the line .- Emulated: no' report_emulated_problem "$rep" no
sed 's/^- Emulated: .*/- Emulated: not stated./' "$rep" >"$tmp/notstated.md"
grep -qi 'emulat' "$tmp/notstated.md" && ok "the old check's 'emulat' is in 'Emulated: not stated' (it would pass)" ||
	bad "fixture: no 'emulat' in the not-stated report"
fails "report.md with 'Emulated: not stated'" 'lacks the line' report_emulated_problem "$tmp/notstated.md" yes
finish
