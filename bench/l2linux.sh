#!/bin/bash
# Does an L2's memory size matter once the L2 is a Linux guest? (issue 10's
# benchmark): figure 4's shape with Linux L2s. Two identical Linux L2s run
# one program at once in one L1 (zram swap on, nested paging), for each L2
# memory size in turn, all in one testbed boot; printed per size: the L2s'
# boot and workload time by their own clocks and their wall time in L1, the
# L2 kernel's own counters (major faults, page cache, OOM kills) beside L1's
# (swap-outs, major faults, memory left), when L1 first swapped (seconds
# into L2 0's run, from its memory_series) and the most any L2 had resident
# in L1. Defaults: bzip2 on 13M, L2s of
# 80M, 112M and 144M in a 192M L1: the paper's 850M bzip2 and its 5, 7 and
# 9 GB L2s in an 8 GB L1 scaled by 1/64, plus the 64 MiB L1 allowance
# docs/experiments.md gives nested runs. Nested paging only: shadow paging
# for a Linux L2 cannot run in the testbed (docs/guest-linux.md).
# The testbed is QEMU TCG: times describe emulated hardware.
# usage: bench/l2linux.sh BUILD_DIR OUT_DIR [PROGRAM:FOOTPRINT [L1_MEM [L2_MEM...]]]
#   SUMMARY_ONLY=1: only summarize the runs already in OUT_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
. "$here/lib.sh"
[ $# -ge 2 ] || die "usage: bench/l2linux.sh BUILD_DIR OUT_DIR [PROGRAM:FOOTPRINT [L1_MEM [L2_MEM...]]]"
build=$(cd "$1" && pwd)
out=$2
spec=${3:-bzip2:13M}
l1mem=${4:-192M}
shift $(($# < 4 ? $# : 4))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(80M 112M 144M)
prog=${spec%%:*} fp=${spec#*:}
case "$prog" in bzip2 | gnugo | hmmer) ;; *) die "program '$prog': bzip2, gnugo or hmmer" ;; esac
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
rd=$build/guest-linux/l1-initramfs-linux.cpio
[ -f "$rd" ] || die "no $rd (scripts/get-kernel.sh and scripts/get-programs.sh, then meson setup --reconfigure)"
command -v jq >/dev/null || die "jq is missing"
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
cd "$tree" || exit 1
bench_workdir l2linux-bench
cp "$build/vmm/nestlab" "$w/"
cp -L "$(l1_kernel "$kdir")" "$w/l1-kernel"
cp "$rd" "$w/l1-linux.cpio"
# the runs, inside the testbed: bash builtins only
{
	echo 'd=$1; shift'
	echo 'for m in "$@"; do'
	echo "	\"\$d/nestlab\" nested --kernel \"\$d/l1-kernel\" --initrd \"\$d/l1-linux.cpio\" --l1-mem $l1mem --l1-cpus 2 \\"
	echo "		--paging nested --l1-swap $l1mem --timeout 1500 --l2-timeout 1200 \\"
	echo "		--l2 guest=linux,workload=$prog,footprint=$fp,mem=\$m,count=2 --json /out/\$m.json >/out/\$m.out 2>&1"
	echo '	echo $? >/out/$m.rc'
	echo 'done'
} >"$w/runs.sh"
t0=$(date +%s)
# SUMMARY_ONLY=1: summarize OUT_DIR's runs again, running nothing
if [ "${SUMMARY_ONLY:-0}" != 1 ]; then
	testbed --quiet --mem 3G --timeout 3000 --build "$build" \
		--files "$rel /bin/bash" --out "$out/runs" -- /bin/bash "$rel/runs.sh" "/work/$rel" "${sizes[@]}" \
		>"$out/testbed.log" 2>&1 || die "the testbed run failed (exit $?): $(tail -3 "$out/testbed.log")"
fi
t1=$(date +%s)

q() { jq -r "$1" "$out/runs/$2.json" 2>/dev/null || echo '?'; }
# mean over the L2s that sent a document, in seconds (ns fields) or as is
l2s() { q "[.l1.l2[].result.guest_document.$1 // empty] | if length > 0 then add / length $2 else \"-\" end" "$3"; }
{
	echo "# Linux L2s, $prog footprint $fp, 2 L2s in a $l1mem L1 (zram swap $l1mem, nested paging), $(date -u +%F)"
	echo "# testbed (QEMU TCG: emulation, not hardware), one run per size, $((t1 - t0)) s in all; L2 figures are means over the L2s that sent a document"
	printf '%-6s %3s %7s %7s %8s %8s %8s %9s %6s | %8s %8s %9s %9s %8s\n' l2_mem rc boot_s work_s l1wall_s l2majflt l2cache_M l2oomkill ok \
		l1swpout l1majflt l1avail_M swap_at_s l2rss_M
	for m in "${sizes[@]}"; do
		printf '%-6s %3s %7s %7s %8s %8s %8s %9s %6s | %8s %8s %9s %9s %8s\n' "$m" \
			"$(cat "$out/runs/$m.rc" 2>/dev/null || echo '?')" \
			"$(l2s time.boot_to_init_ns '/ 1e9 | . * 100 | round / 100' "$m")" \
			"$(l2s time.workload_ns '/ 1e9 | . * 100 | round / 100' "$m")" \
			"$(q '[.l1.l2[].wall_ns] | add / length / 1e9 | . * 10 | round / 10' "$m")" \
			"$(l2s 'vmstat_delta.pgmajfault // 0' '' "$m")" \
			"$(l2s page_cache_end_bytes '/ 1048576 | round' "$m")" \
			"$(q '[.l1.l2[].result.guest_document.vmstat_delta.oom_kill // 0] | add' "$m")" \
			"$(q '[.l1.l2[].result.guest_document.ok] | map(tostring) | join(",")' "$m")" \
			"$(q '.l1.vmstat_delta.pswpout // 0' "$m")" \
			"$(q '.l1.vmstat_delta.pgmajfault // 0' "$m")" \
			"$(q '.l1.memory.mem_available_end // .l1.meminfo_end.MemAvailable // 0 | . / 1048576 | round' "$m")" \
			"$(q '[.l1.l2[0].result.memory_series.samples // [] | .[0][6] as $a | .[] | select(.[6] > $a) | .[0]] | if length > 0 then .[0] / 1000 else "-" end' "$m")" \
			"$(q '[.l1.l2[].result.memory_series.samples // [] | map(.[1]) | max // 0] | max / 1024 | round' "$m")"
	done
} | tee "$out/summary.txt"
