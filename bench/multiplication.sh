#!/bin/bash
# What one L2 exit costs at L0 (issue 13's benchmark): for each workload,
# one L2 in a 1-vCPU L1, in each L1->L2 paging mode, run untraced and then
# with L0's KVM traced (nestlab nested --trace-l0), in one testbed boot.
# Writes OUT/multiplication.md: per mode and workload the exit multiplication
# by L2 exit reason (nestlab stat's table), the L2's wall time traced
# against untraced (the tracing's cost, a ratio of two runs side by side),
# and a picture of each timeline's busiest window (bench/timeline_png.sh).
# The testbed is QEMU TCG: counts are KVM's, times are emulation's.
# usage: bench/multiplication.sh BUILD_DIR OUT_DIR [SPEC...]
#   SPEC: WORKLOAD:FOOTPRINT:MEM:ITERS (default ptrchase:8M:32M:2 touch:16M:32M:1)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
. "$here/lib.sh"
[ $# -ge 2 ] || die "usage: bench/multiplication.sh BUILD_DIR OUT_DIR [SPEC...]"
build=$(cd "$1" && pwd)
out=$2
shift 2
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(ptrchase:8M:32M:2 touch:16M:32M:1)
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
[ -e "$kdir/bzImage" ] || die "no kernel in $kdir (scripts/get-kernel.sh)"
[ -f "$build/l1-shim/l1-initramfs.cpio" ] || die "no $build/l1-shim/l1-initramfs.cpio"
command -v jq >/dev/null || die "jq is missing"
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
cd "$tree"
bench_workdir mult-bench
cp "$build/vmm/nestlab" "$w/"
cp -L "$(l1_kernel "$kdir")" "$w/l1-kernel"
cp "$build/l1-shim/l1-initramfs.cpio" "$w/l1.cpio"
cp "$here/multiplication_inner.sh" "$w/"
t0=$(date +%s)
# REPORT_ONLY=1: write the report again from the runs already in OUT/runs
if [ "${REPORT_ONLY:-0}" != 1 ]; then
	testbed --quiet --kvm-hold --mem 3G --timeout 2400 --files "$rel /bin/bash" --out "$out/runs" -- \
		/bin/bash "$rel/multiplication_inner.sh" "/work/$rel" "${TIMELINE_MAX:-100000}" "${specs[@]}" \
		>"$out/testbed.log" 2>&1 || die "the testbed run failed (exit $?): $(tail -3 "$out/testbed.log")"
fi
t1=$(date +%s)

j() { jq -r "$2" "$1" 2>/dev/null || true; }
{
	echo "# Exit multiplication, $(date -u +%F), testbed (QEMU TCG: emulation, not hardware), $((t1 - t0)) s"
	echo
	echo "One L2 in a 1-vCPU L1 of 256M. \`traced/plain\`: the L2's wall time (its nestlab in L1)"
	echo "with L0 traced against without, the two runs side by side in one boot."
	echo
	for f in "$out"/runs/*.retried; do
		[ -e "$f" ] && echo "Run again after a failure (the testbed's flakes, docs/testbed.md): $(basename "$f" .retried): $(cat "$f")" && echo
	done
	echo "| workload | mode | L2 exits reflected | L0 exits in them | L0 exits for L1 | plain s | traced s | traced/plain |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for spec in "${specs[@]}"; do
		IFS=: read -r wl _ <<<"$spec"
		for mode in shadow nested; do
			p=$out/runs/$mode-$wl-plain.json t=$out/runs/$mode-$wl-traced.json
			m='.l0_trace.multiplication'
			ps=$(j "$p" '.l1.l2[0].result.time.wall_ns / 1e9 // empty') ts=$(j "$t" '.l1.l2[0].result.time.wall_ns / 1e9 // empty')
			echo "| $wl | $mode | $(j "$t" "$m.l2_exits_reflected") | $(j "$t" "$m.l0_exits_in_intervals") | $(j "$t" "$m.l0_exits_total") | ${ps:-?} | ${ts:-?} | $(ratio "${ts:-0}" "${ps:-0}") |"
		done
	done
	for spec in "${specs[@]}"; do
		IFS=: read -r wl _ <<<"$spec"
		for mode in shadow nested; do
			t=$out/runs/$mode-$wl-traced.json
			echo
			echo "## $wl, $mode paging"
			echo
			echo '```'
			stat_multiplication "$build/vmm/nestlab" "$t"
			echo '```'
			tl=$out/runs/$mode-$wl-timeline.json
			if [ -s "$tl" ] && bash "$here/timeline_png.sh" "$tl" "$out/$mode-$wl-timeline.png" 2>"$out/$mode-$wl-timeline.err"; then
				echo
				echo "![timeline]($mode-$wl-timeline.png)"
			fi
		done
	done
} >"$out/multiplication.md"
echo "bench: $out/multiplication.md"
