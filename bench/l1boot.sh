#!/bin/bash
# Time to L1's /init and to its poweroff, nestlab against QEMU (-enable-kvm
# -kernel -initrd, same kernel, initrd, memory and vCPUs), alternately, in
# the same testbed boot (tests/testbed: QEMU TCG with SVM stands in for
# nested-capable hardware, so these are emulated timings). The L1 /init is
# tests/testbed/l1init.c: it reports the CPU, loads kvm_amd, opens /dev/kvm
# and powers off.
# usage: bench/l1boot.sh BUILD_DIR OUT_DIR [ROUNDS]
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
mkdir -p "$out"
cd "$tree"
w=$(mktemp -d "$tree/build/l1boot-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT
rel=${w#"$tree"/}
mkdir -p "$w/root/proc" "$w/root/sys" "$w/root/dev" "$w/root/modules"
gcc -static -O2 -o "$w/root/init" tests/testbed/l1init.c
gcc -static -O2 -o "$w/l1race" tests/testbed/l1race.c
for m in irqbypass kvm ccp kvm-amd; do cp "$kdir/modules/$m.ko" "$w/root/modules/"; done
printf 'irqbypass.ko\nkvm.ko\nccp.ko\nkvm-amd.ko\n' >"$w/root/modules.load"
(cd "$w/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$w/initrd"
cp -L "$kdir/bzImage" "$w/bzImage"
cp "$build/vmm/nestlab" "$w/nestlab"
# The same kernel command line for both (L1BOOT_CMDLINE; default: console only).
cmd=${L1BOOT_CMDLINE:-console=ttyS0}
nl=("./$rel/nestlab" run --kernel "$rel/bzImage" --initrd "$rel/initrd" --mem 256M --cpus 2
    --cmdline "$cmd" --timeout 300 --quiet)
qe=("$qemu" -enable-kvm -cpu host -m 256M -smp 2 -kernel "$rel/bzImage" -initrd "$rel/initrd"
    -append "$cmd" -nographic -nodefaults -serial stdio -no-reboot)
args=()
for _ in $(seq "$rounds"); do args+=("${nl[@]}" ::: "${qe[@]}" :::); done
unset 'args[${#args[@]}-1]'
bash tests/testbed/testbed.sh --quiet --timeout 590 \
	--files "$rel $qemu /usr/share/qemu /usr/share/seabios" -- \
	"./$rel/l1race" "L1INIT cpus" "${args[@]}" >"$out/l1boot.txt" 2>&1 || die "testbed run failed: $(tail -3 "$out/l1boot.txt")"
grep '^l1race' "$out/l1boot.txt" | awk '{ split($3, f, "="); split($4, t, "="); print ($2 % 2 ? "qemu" : "nestlab") "," f[2] "," t[2] }' >"$out/l1boot.csv"
nf=$(grep ^nestlab "$out/l1boot.csv" | cut -d, -f2 | median)
qf=$(grep ^qemu "$out/l1boot.csv" | cut -d, -f2 | median)
nt=$(grep ^nestlab "$out/l1boot.csv" | cut -d, -f3 | median)
qt=$(grep ^qemu "$out/l1boot.csv" | cut -d, -f3 | median)
echo "L1 boot in the testbed (emulation), median of $rounds: to /init nestlab $nf s, QEMU $qf s, ratio $(ratio "$nf" "$qf") (target <= 0.5); to poweroff nestlab $nt s, QEMU $qt s, ratio $(ratio "$nt" "$qt")"
