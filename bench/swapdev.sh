#!/bin/bash
# Where an overcommitted L1 swaps, and what it costs (issue 11): the same
# nested run with L1's swap on zram and on the virtio disk L0's nestlab
# backs with a file (--l1-swap-device disk), alternating in one testbed
# boot, PAIRS times. The run is testbed-nested's swapdisk one: two
# guest-kernel L2s touching 64M each in a 160M L1 (1.5x), nested paging.
# Printed per run: the L2s' mean workload time and L1's wall time, L1's
# swap-outs and swap-ins (pages), L0's view of the disk (bytes written and
# read, requests, time in the file's I/O), and L1's MemAvailable at the end.
# The testbed is QEMU TCG: times describe emulated hardware; compare the
# two devices only within one run of this script.
# usage: bench/swapdev.sh BUILD_DIR OUT_DIR [PAIRS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
. "$here/lib.sh"
[ $# -ge 2 ] || die "usage: bench/swapdev.sh BUILD_DIR OUT_DIR [PAIRS]"
build=$(cd "$1" && pwd)
out=$2
pairs=${3:-2}
case "$pairs" in '' | *[!0-9]* | 0) die "PAIRS: a whole number from 1, not '$pairs'" ;; esac
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
rd=$build/l1-shim/l1-initramfs.cpio
[ -f "$rd" ] || die "no $rd (scripts/get-kernel.sh, then meson setup --reconfigure)"
command -v jq >/dev/null || die "jq is missing"
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
cd "$tree" || exit 1
bench_workdir swapdev-bench
cp "$build/vmm/nestlab" "$w/"
cp -L "$(l1_kernel "$kdir")" "$w/l1-kernel"
cp "$rd" "$w/l1.cpio"
# the runs, inside the testbed: bash builtins only; the disk's file in
# the testbed's tmpfs, as L0's page cache would hold it
{
	echo 'd=$1 pairs=$2'
	echo 'for ((p = 1; p <= pairs; p++)); do for dev in zram disk; do'
	echo '	TMPDIR=/tmp "$d/nestlab" nested --kernel "$d/l1-kernel" --initrd "$d/l1.cpio" \'
	echo '		--l1-mem 160M --l1-cpus 2 --paging nested --l1-swap 256M --l1-swap-device $dev \'
	echo '		--timeout 300 --l2 workload=touch,footprint=64M,mem=120M,count=2 \'
	echo '		--json /out/$dev-$p.json >/out/$dev-$p.out 2>&1'
	echo '	echo $? >/out/$dev-$p.rc'
	echo 'done; done'
} >"$w/runs.sh"
t0=$(date +%s)
testbed --quiet --mem 3G --timeout $((400 * 2 * pairs + 120)) --build "$build" \
	--files "$rel /bin/bash" --out "$out/runs" -- /bin/bash "$rel/runs.sh" "/work/$rel" "$pairs" \
	>"$out/testbed.log" 2>&1 || echo "bench: the testbed run ended with exit $? (the runs it finished are below)" >&2
t1=$(date +%s)

q() { jq -r "$1" "$out/runs/$2.json" 2>/dev/null || echo '?'; }
{
	echo "# L1 swap on zram against a virtio disk: 2 touch L2s of 120M (64M touched) in a 160M L1, nested paging, $(date -u +%F)"
	echo "# testbed (QEMU TCG: emulation, not hardware), $pairs pair(s) alternating, $((t1 - t0)) s in all"
	printf '%-8s %3s %7s %8s %9s %9s %11s %11s %9s %8s %9s\n' run rc work_s l1wall_s pswpout pswpin \
		disk_wr_MiB disk_rd_MiB requests io_s avail_M
	for ((p = 1; p <= pairs; p++)); do
		for dev in zram disk; do
			r=$dev-$p
			printf '%-8s %3s %7s %8s %9s %9s %11s %11s %9s %8s %9s\n' "$r" \
				"$(cat "$out/runs/$r.rc" 2>/dev/null || echo '?')" \
				"$(q '[.l1.l2[].result.time.workload_ns] | add / length / 1e9 | . * 100 | round / 100' "$r")" \
				"$(q '.l1.wall_ns / 1e9 | . * 10 | round / 10' "$r")" \
				"$(q '.l1.vmstat_delta.pswpout // 0' "$r")" \
				"$(q '.l1.vmstat_delta.pswpin // 0' "$r")" \
				"$(q '.l0_view.disk // {} | .bytes_written // 0 | . / 1048576 | . * 10 | round / 10' "$r")" \
				"$(q '.l0_view.disk // {} | .bytes_read // 0 | . / 1048576 | . * 10 | round / 10' "$r")" \
				"$(q '.l0_view.disk // {} | (.requests.read // 0) + (.requests.write // 0)' "$r")" \
				"$(q '.l0_view.disk // {} | .io_seconds // 0 | . * 1000 | round / 1000' "$r")" \
				"$(q '.l1.memory.mem_available_end / 1048576 | round' "$r")"
		done
	done
} | tee "$out/summary.txt"
