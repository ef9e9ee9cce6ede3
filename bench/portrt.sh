#!/bin/bash
# Exit round trip: a no-op guest->VMM port exit through nestlab, against
# the same guest under the minimal raw KVM_RUN loop (bench/portrt.c).
# Alternates the two, REPS times each, and reports the ratio of medians.
# usage: bench/portrt.sh BUILD_DIR OUT_DIR [REPS]
set -eu
here=$(dirname "$0")
. "$here/lib.sh"
build=$1
out=$2
reps=${3:-7}
mkdir -p "$out"
csv="$out/portrt.csv"
echo "rep,nestlab_ns_per_exit,raw_ns_per_exit" >"$csv"
for i in $(seq "$reps"); do
	"$build/vmm/nestlab" run --kernel "$build/tests/g_nop" --mem 16M --quiet \
		--json "$out/portrt-$i.json" || die "nestlab run failed"
	n=$(jq '.time.workload_ns / .guest.nop_exits' "$out/portrt-$i.json")
	r=$("$build/bench/portrt" "$build/tests/g_nop" | sed -n 's/.*ns_per_exit=//p')
	echo "$i,$n,$r" >>"$csv"
done
nm=$(tail -n +2 "$csv" | cut -d, -f2 | median)
rm_=$(tail -n +2 "$csv" | cut -d, -f3 | median)
echo "port exit round trip: nestlab $nm ns, raw KVM_RUN loop $rm_ ns, ratio $(ratio "$nm" "$rm_") (target <= 1.10)"
