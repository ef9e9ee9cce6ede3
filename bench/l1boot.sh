#!/bin/bash
# Time to L1's /init and to its poweroff, nestlab against QEMU (-enable-kvm
# -kernel -initrd, same kernel, initrd, memory, vCPUs and command line), in
# turns, in the same testbed boot (tests/testbed: QEMU TCG with SVM stands in
# for nested-capable hardware, so these are emulated timings). Four ways:
#   nestlab-vmlinux  nestlab booting the uncompressed vmlinux (as L1 runs do)
#   nestlab-bzimage  nestlab booting the bzImage (the kernel decompresses itself)
#   qemu-bzimage     QEMU booting the bzImage through SeaBIOS (the issue's baseline)
#   qemu-pvh         QEMU booting the same vmlinux at its PVH entry
# The L1 /init is tests/testbed/l1init.c: it reports the CPU, loads kvm_amd,
# opens /dev/kvm and powers off. Also the peak resident memory of each VMM
# process (guest included) and nestlab's own share (its run document).
# usage: bench/l1boot.sh BUILD_DIR OUT_DIR [ROUNDS]
# environment: L1BOOT_CMDLINE (default: the line nestlab nested gives L1)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build=$1
out=$2
rounds=${3:-3}
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 is missing"
[ -e "$kdir/bzImage" ] || die "no kernel in $kdir (scripts/get-kernel.sh)"
[ -s "$kdir/vmlinux" ] || die "no $kdir/vmlinux (scripts/get-kernel.sh extracts it)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$tree"
bench_workdir l1boot-bench
mkdir -p "$w/root/proc" "$w/root/sys" "$w/root/dev" "$w/root/modules"
cp "$build/tests/testbed/l1init" "$w/root/init" || die "no $build/tests/testbed/l1init (meson compile -C $build)"
cp "$build/tests/testbed/l1race" "$w/l1race" || die "no $build/tests/testbed/l1race (meson compile -C $build)"
for m in irqbypass kvm ccp kvm-amd; do cp "$kdir/modules/$m.ko" "$w/root/modules/"; done
printf 'irqbypass.ko\nkvm.ko\nccp.ko\nkvm-amd.ko\n' >"$w/root/modules.load"
(cd "$w/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$w/initrd"
cp -L "$kdir/bzImage" "$w/bzImage"
cp "$kdir/vmlinux" "$w/vmlinux"
cp "$build/vmm/nestlab" "$w/nestlab"
# What nestlab nested puts first on L1's command line (vmm/nested.c).
cmd=${L1BOOT_CMDLINE:-console=ttyS0 quiet panic=-1 pci=off}
ways=(nestlab-vmlinux nestlab-bzimage qemu-bzimage qemu-pvh)
way_args() { # way round -> the command line
	case $1 in
	nestlab-*)
		local k=vmlinux
		[ "$1" = nestlab-bzimage ] && k=bzImage
		printf '%s\n' "./$rel/nestlab" run --kernel "$rel/$k" --initrd "$rel/initrd" \
			--mem 256M --cpus 2 --cmdline "$cmd" --timeout 300 --quiet --json "/out/$1-$2.json" ;;
	qemu-*)
		local k=bzImage
		[ "$1" = qemu-pvh ] && k=vmlinux
		printf '%s\n' "$qemu" -enable-kvm -cpu host -m 256M -smp 2 -kernel "$rel/$k" \
			-initrd "$rel/initrd" -append "$cmd" -nographic -nodefaults -serial stdio -no-reboot ;;
	esac
}
args=() order=()
for r in $(seq "$rounds"); do
	for wy in "${ways[@]}"; do
		mapfile -t a < <(way_args "$wy" "$r")
		args+=("${a[@]}" :::)
		order+=("$wy")
	done
done
unset 'args[${#args[@]}-1]'
testbed --quiet --timeout 590 --out "$out/runs" \
	--files "$rel $qemu /usr/share/qemu /usr/share/seabios" -- \
	"./$rel/l1race" "L1INIT cpus" "${args[@]}" >"$out/l1boot.txt" 2>&1 ||
	die "testbed run failed: $(tail -3 "$out/l1boot.txt")"
echo "way,to_init_s,to_exit_s,status,maxrss_kb" >"$out/l1boot.csv"
grep '^l1race' "$out/l1boot.txt" | while read -r _ n f t s m; do
	echo "${order[$n]},${f#first=},${t#total=},${s#status=},${m#maxrss_kb=}"
done >>"$out/l1boot.csv"
col() { awk -F, -v w="$1" -v c="$2" '$1 == w && $4 == 0 { print $c }' "$out/l1boot.csv" | median; }
declare -A fi te rss
for wy in "${ways[@]}"; do
	fi[$wy]=$(col "$wy" 2) te[$wy]=$(col "$wy" 3) rss[$wy]=$(col "$wy" 5)
done
vmm=$(cat "$out"/runs/nestlab-vmlinux-*.json 2>/dev/null | sed -n 's/.*"vmm_rss_kb": \([0-9]*\).*/\1/p' | median)
guest=$(cat "$out"/runs/nestlab-vmlinux-*.json 2>/dev/null | sed -n 's/.*"guest_rss_kb": \([0-9]*\).*/\1/p' | median)
failed=$(awk -F, 'NR > 1 && $4 != 0' "$out/l1boot.csv" | wc -l)
{
	echo "L1 boot in the testbed (QEMU TCG: emulation, not hardware), 256M, 2 vCPUs, \"$cmd\", median of $rounds ($failed failed runs left out):"
	printf '%-16s %10s %12s %14s\n' way "to /init s" "to exit s" "peak RSS MiB"
	for wy in "${ways[@]}"; do
		printf '%-16s %10s %12s %14s\n' "$wy" "${fi[$wy]}" "${te[$wy]}" \
			"$(awk -v k="${rss[$wy]}" 'BEGIN { printf "%.1f", k / 1024 }')"
	done
	echo "to /init, nestlab-vmlinux / qemu-bzimage: $(ratio "${fi[nestlab-vmlinux]}" "${fi[qemu-bzimage]}") (target <= 0.5)"
	echo "to /init, nestlab-bzimage / qemu-bzimage: $(ratio "${fi[nestlab-bzimage]}" "${fi[qemu-bzimage]}")"
	echo "to /init, nestlab-vmlinux / qemu-pvh:     $(ratio "${fi[nestlab-vmlinux]}" "${fi[qemu-pvh]}")"
	echo "to exit,  nestlab-vmlinux / qemu-bzimage: $(ratio "${te[nestlab-vmlinux]}" "${te[qemu-bzimage]}")"
	echo "nestlab's own resident memory: ${vmm:-?} KiB beside the guest's ${guest:-?} KiB (nestlab-vmlinux, run documents)"
} | tee "$out/summary.txt"
