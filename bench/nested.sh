#!/bin/bash
# L2 against flat, and shadow against nested paging (issue 4's benchmark):
# for ptrchase and touch at one footprint, the workload's time as a flat VM
# at L0 and as an L2 in each L1->L2 paging mode, all in one testbed boot,
# alternating, with the exit and fault counts that explain the ratios.
# The testbed is QEMU TCG: these ratios describe emulated hardware.
# usage: bench/nested.sh BUILD_DIR OUT_DIR [REPS] [SPEC...]
#   SPEC: WORKLOAD:FOOTPRINT:MEM:ITERS (default ptrchase:16M:32M:4 touch:32M:48M:1)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build=$(cd "$1" && pwd)
out=$2
reps=${3:-3}
shift $(($# < 3 ? $# : 3))
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(ptrchase:16M:32M:4 touch:32M:48M:1)
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
[ -e "$kdir/bzImage" ] || die "no kernel in $kdir (scripts/get-kernel.sh)"
[ -f "$build/l1-shim/l1-initramfs.cpio" ] || die "no $build/l1-shim/l1-initramfs.cpio (meson setup --reconfigure after scripts/get-kernel.sh)"
command -v jq >/dev/null || die "jq is missing"
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
cd "$tree"
bench_workdir nested-bench
cp "$build/vmm/nestlab" "$build/guest-kernel/guest-kernel" "$w/"
cp -L "$(l1_kernel "$kdir")" "$w/l1-kernel"
cp "$build/l1-shim/l1-initramfs.cpio" "$w/l1.cpio"
cp "$here/nested_inner.sh" "$w/"
t0=$(date +%s)
# timed runs: nothing traced
testbed --quiet --mem 3G --timeout 2400 \
	--files "$rel /bin/bash" --out "$out/runs" -- \
	/bin/bash "$rel/nested_inner.sh" "/work/$rel" "$reps" time "${specs[@]}" >"$out/testbed.log" 2>&1 ||
	die "the testbed run failed (exit $?): $(tail -3 "$out/testbed.log")"
t1=$(date +%s)
# one more pass, traced at L1 (per L2), to explain; with L0_TRACE=1 at L0
# too (per process), which the emulated testbed pays for dearly: reading
# L0's trace took longer than 15 min for this pass
mkdir -p "$out/trace"
l0t=()
[ "${L0_TRACE:-0}" = 1 ] && l0t=(--trace-exits)
testbed --quiet --mem 3G --timeout 2400 "${l0t[@]}" \
	--files "$rel /bin/bash" --out "$out/trace" -- \
	/bin/bash "$rel/nested_inner.sh" "/work/$rel" 1 trace "${specs[@]}" >"$out/testbed-trace.log" 2>&1 ||
	echo "bench: the traced pass failed (exit $?): $(tail -3 "$out/testbed-trace.log")" >&2

# workload time: ring 3, from guest-kernel's begin/end marks as the VMM at
# the level that ran it timestamps them (L0 for flat, L1 for L2)
wns() { jq -r "$1" "$2" 2>/dev/null; }
{
	echo "# nestlab nested benchmark, $(date -u +%F), testbed (QEMU TCG, emulation: not hardware), $reps reps, median"
	printf '%-9s %-5s %9s %9s %9s %8s %8s %8s | %9s %9s %9s %9s | %9s %9s\n' workload fp flat_s shadow_s nested_s sh/flat ne/flat sh/ne \
		l2_faults sh_pfguest sh_l1exits ne_l1exits sh_l0exits ne_l0exits
	for spec in "${specs[@]}"; do
		IFS=: read -r wl fp mem it <<<"$spec"
		med() { # mode jq-expression -> median over reps
			for ((r = 1; r <= reps; r++)); do
				f=$out/runs/$1-$wl-$r.json
				[ -f "$f" ] && wns "$2" "$f"
			done | grep -E '^[0-9.]+$' | median
		}
		fl=$(med flat '.time.workload_ns / 1e9')
		sh=$(med shadow '.l1.l2[0].result.time.workload_ns / 1e9')
		ne=$(med nested '.l1.l2[0].result.time.workload_ns / 1e9')
		pfl2=$(med shadow '.l1.l2[0].result.result.page_faults')
		pfg=$(med shadow '[.l1.l2[0].result.kvm_stats.vcpus[].stats.pf_guest] | add')
		sx=$(med shadow '[.l1.l2[0].result.kvm_stats.vcpus[].stats.exits] | add')
		nx=$(med nested '[.l1.l2[0].result.kvm_stats.vcpus[].stats.exits] | add')
		s0=$(med shadow '[.l0_view.kvm_stats.vcpus[].stats.exits] | add')
		n0=$(med nested '[.l0_view.kvm_stats.vcpus[].stats.exits] | add')
		printf '%-9s %-5s %9.3f %9.3f %9.3f %8s %8s %8s | %9s %9s %9s %9s | %9s %9s\n' "$wl" "$fp" "$fl" "$sh" "$ne" \
			"$(ratio "$sh" "$fl")" "$(ratio "$ne" "$fl")" "$(ratio "$sh" "$ne")" "$pfl2" "$pfg" "$sx" "$nx" "$s0" "$n0"
	done
	echo
	echo "flat_s/shadow_s/nested_s: workload seconds (ring 3); l2_faults: guest-kernel demand faults in L2;"
	echo "sh_pfguest: L2 page faults L1's KVM intercepted (shadow); *_l1exits: L2 exits handled by L1's KVM;"
	echo "*_l0exits: L0's KVM exits for L1's vCPUs over the whole L1 run (boot included). Timed runs took $((t1 - t0)) s."
	echo
	echo "L1's exit table for the L2 in each mode (the traced pass; top reasons, count and handling time):"
	for spec in "${specs[@]}"; do
		wl=${spec%%:*}
		for mode in shadow nested; do
			f=$out/trace/$mode-$wl-trace.json
			[ -f "$f" ] || continue
			printf '  %-9s %-6s %s\n' "$wl" "$mode" "$(jq -r '.l1.l2[0].exit_trace.events.kvm_exit // {} | to_entries | sort_by(-.value.count) | .[:6] | map("\(.key) \(.value.count) (\((.value.total_ns / 1e6 * 10 | floor) / 10) ms)") | join(", ")' "$f" 2>/dev/null)"
		done
	done
} | tee "$out/report.txt"
if [ -f "$out/trace/l0-trace.json" ]; then
	{
		echo
		echo "L0's view of each L1 in the traced pass (testbed --trace-exits; one nestlab process per run, in run order):"
		jq -r '.processes // .p // [] | map(select(.comm == "nestlab")) | sort_by(.tgid) | .[] |
			"  tgid \(.tgid): exits \(.exits); nested vmenter npt on/off \(.events.kvm_nested_vmenter.npt_on // 0)/\(.events.kvm_nested_vmenter.npt_off // 0); top: \(.events.kvm_exit // {} | to_entries | sort_by(-.value.count) | .[:4] | map("\(.key) \(.value.count)") | join(", "))"' \
			"$out/trace/l0-trace.json"
	} | tee -a "$out/report.txt"
fi
