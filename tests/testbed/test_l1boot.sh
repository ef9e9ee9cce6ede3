#!/bin/bash
# nestlab boots an unmodified Linux (Debian's bzImage, and the vmlinux
# inside it) as L1 inside the testbed: L1's kernel log shows the boot MSRs,
# ACPI, no TSC-deadline timer and no i8042; L1 sees the CPUs and the SVM/NPT flags nestlab gives it (NPT
# hidden with --hide-tdp), loads kvm and kvm_amd and opens /dev/kvm, reads
# a line typed into nestlab's stdin (COM1's input), uses a virtio disk
# (--disk), powers off or reboots,
# and nestlab exits 0; a kernel that panics makes it exit 1.
# usage: test_l1boot.sh NESTLAB ; exit 0 pass, 1 fail, 77 skip
# l1init and l1feed come from the meson build directory $NESTLAB_BUILD
# (meson test sets it; default build/ of this tree), tests/testbed/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
nl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
bld=${NESTLAB_BUILD:-$tree/build}
. "$here/tally.sh"
. "$here/tbtry.sh"
[ -e "$kdir/bzImage" ] || { echo "SKIP: no kernel in $kdir (scripts/get-kernel.sh)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; exit 77; }
command -v cpio >/dev/null || { echo "SKIP: cpio missing"; exit 77; }
for p in l1init l1feed; do
	[ -x "$bld/tests/testbed/$p" ] ||
		{ echo "SKIP: no $bld/tests/testbed/$p (meson compile -C $bld, or set NESTLAB_BUILD)"; exit 77; }
done
bld=$(cd "$bld" && pwd)

cd "$tree"
w=$(mktemp -d "$tree/build/l1boot.XXXXXX")
trap 'rm -rf "$w" ${v:+"$v"}' EXIT
rel=${w#"$tree"/}
mkdir -p "$w/root/proc" "$w/root/sys" "$w/root/dev" "$w/root/modules" "$w/empty"
cp "$bld/tests/testbed/l1init" "$w/root/init" || { echo "FAIL - cannot copy l1init"; exit 1; }
cp "$bld/tests/testbed/l1feed" "$w/l1feed" || { echo "FAIL - cannot copy l1feed"; exit 1; }
# kvm-amd after what it needs, as its modules.dep line lists them (in load
# order: lib/moddep.h says why)
amd=$(sed -n 's/^\(kvm[-_]amd\.ko\):/\1:/p' "$kdir/modules.dep")
[ -n "$amd" ] || { echo "SKIP: $kdir/modules.dep has no kvm-amd.ko"; exit 77; }
for m in ${amd#*:} ${amd%%:*}; do
	cp "$kdir/modules/$m" "$w/root/modules/" || { echo "FAIL - missing module $kdir/modules/$m"; exit 1; }
	echo "$m"
done >"$w/root/modules.load"
# and the virtio drivers, for the --disk boot below (virtio_blk after what
# virtio_mmio needs; both need only virtio and virtio_ring)
vm=$(sed -n 's/^\(virtio_mmio\.ko\):/\1:/p' "$kdir/modules.dep")
[ -n "$vm" ] || { echo "SKIP: $kdir/modules.dep has no virtio_mmio.ko (scripts/get-kernel.sh)"; exit 77; }
for m in ${vm#*:} ${vm%%:*} virtio_blk.ko; do
	cp "$kdir/modules/$m" "$w/root/modules/" || { echo "FAIL - missing module $kdir/modules/$m"; exit 1; }
	echo "$m"
done >>"$w/root/modules.load"
(cd "$w/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$w/initrd"
# an 8 MiB disk whose first bytes L1 reads back
head -c $((8 << 20)) /dev/zero >"$w/disk"
printf 'NESTLABDISKHEAD!' | dd of="$w/disk" conv=notrunc status=none
(cd "$w/empty" && echo . | cpio -o -H newc --quiet) >"$w/noinit"
cp -L "$kdir/bzImage" "$w/bzImage"
cp "$nl" "$w/nestlab"
# The uncompressed vmlinux (get-kernel.sh), kept apart: only the boot that
# uses it carries its 65 MB into the testbed.
vml="" v=""
if [ -s "$kdir/vmlinux" ]; then
	v=$(mktemp -d "$tree/build/l1boot-vmlinux.XXXXXX")
	cp "$kdir/vmlinux" "$v/vmlinux"
	vml=${v#"$tree"/}/vmlinux
fi

# One testbed run of nestlab. The emulated testbed itself freezes in about
# 1 boot of 100, and its kernel sometimes crashes (docs/testbed.md): the
# testbed's failures, not nestlab's, so such a run is tried again (tbtry.sh).
# With --feed TEXT nestlab runs under l1feed, which types TEXT into its
# stdin once L1's /init (l1init=echo) says it listens.
# kfile (variable): the kernel to boot instead of the bzImage.
tb_nestlab() { # outfile cmdline [--feed TEXT] [nestlab options...]
	local out=$1 cmd=$2 pre=()
	shift 2
	if [ "${1:-}" = --feed ]; then
		pre=("./$rel/l1feed" "L1INIT ready-for-input" "$2")
		shift 2
	fi
	tb_try 3 "$out" --quiet --timeout 150 --files "$rel ${kfile:-}" -- "${pre[@]}" \
		"./$rel/nestlab" run --kernel "${kfile:-$rel/bzImage}" --mem 256M --cmdline "$cmd" \
		--timeout 110 "$@"
	echo "$?"
}

boot() { # name initrd [nestlab options...]
	local name=$1 rd=$2
	shift 2
	tb_nestlab "$w/$name.out" "console=ttyS0 panic=-1 quiet" --initrd "$rel/$rd" "$@"
}

# The 2-vCPU boot takes the vmlinux when there is one (the bzImage boots
# below), and prints L1's kernel log: what nestlab set up without firmware
# shows there.
if [ -n "$vml" ]; then
	st=$(kfile=$vml tb_nestlab "$w/l1.out" "console=ttyS0 panic=-1 quiet l1init=dmesg" \
		--initrd "$rel/initrd" --cpus 2)
	[ "$st" = 0 ] && ok "L1 boots from vmlinux and powers off: nestlab exit 0" || bad "L1 vmlinux boot: exit $st: $(tail -3 "$w/l1.out")"
	grep -q "x86/PAT: Configuration \[0-7\]: WB  WC" "$w/l1.out" && ! grep -q "MTRRs disabled" "$w/l1.out" &&
		ok "L1 finds MTRRs on and sets up PAT (boot MSRs)" || bad "L1 PAT: $(grep -E 'PAT|MTRR' "$w/l1.out" | head -2)"
	! grep -q "TSC deadline timer available" "$w/l1.out" && grep -q "L1INIT kmsg" "$w/l1.out" &&
		ok "L1 is offered no TSC-deadline timer (only with --tsc-deadline)" || bad "L1: TSC-deadline timer offered, or no kernel log"
	grep -q "Using ACPI (MADT) for SMP configuration" "$w/l1.out" && ! grep -q "ACPI Error" "$w/l1.out" &&
		ok "L1 takes its CPUs from nestlab's ACPI tables, without ACPI errors" || bad "L1 ACPI: $(grep -E 'ACPI (Error|Warning)|MADT' "$w/l1.out" | head -2)"
	grep -q "i8042: PNP: No PS/2 controller found" "$w/l1.out" && ! grep -q "Probing ports directly" "$w/l1.out" &&
		ok "L1 does not probe for an i8042 (the FADT says there is none)" || bad "L1 i8042: $(grep i8042 "$w/l1.out" | tail -1)"
	grep -q "nestlab: poweroff: guest powered off (ACPI S5)" "$w/l1.out" && ok "L1's poweroff arrives through ACPI (S5)" || bad "L1 poweroff: $(grep 'nestlab:' "$w/l1.out" | tail -1)"
else
	echo "note - no $kdir/vmlinux: the 2-vCPU boot uses the bzImage"
	st=$(boot l1 initrd --cpus 2)
	[ "$st" = 0 ] && ok "L1 boots and powers off: nestlab exit 0" || bad "L1 boot: exit $st: $(tail -3 "$w/l1.out")"
fi
grep -q "L1INIT cpus=2 svm=1 npt=1" "$w/l1.out" && ok "L1 sees 2 CPUs, SVM and NPT" || bad "L1 CPU view: $(grep L1INIT "$w/l1.out" | head -1)"
grep -q "L1INIT modules_failed=0" "$w/l1.out" && ok "L1 loads kvm and kvm_amd" || bad "L1 modules: $(grep L1INIT "$w/l1.out" | tr '\n' ' ')"
grep -q "L1INIT kvm_api=12 kvm_amd_npt=Y" "$w/l1.out" && ok "L1 opens /dev/kvm, kvm_amd uses NPT" || bad "L1 /dev/kvm: $(grep 'kvm_api' "$w/l1.out")"

# This boot also types a line into nestlab's stdin, sent only after L1's
# /init says it listens (the 8250 driver clears the FIFOs when it opens the
# port), and L1 reports what it read. The tty echoes the line too, hence
# the exact match on the report. It boots with acpi=off: the MP table
# describes the machine and the poweroff can only halt.
text=nestlab-stdin-$$-$RANDOM
st=$(tb_nestlab "$w/hidden.out" "console=ttyS0 panic=-1 quiet l1init=echo acpi=off" --feed "$text" \
	--initrd "$rel/initrd" --cpus 1 --hide-tdp)
[ "$st" = 0 ] && ok "L1 with NPT hidden: exit 0" || bad "L1 --hide-tdp: exit $st"
grep -q "L1INIT cpus=1 svm=1 npt=0" "$w/hidden.out" && ok "--hide-tdp hides NPT, keeps SVM" || bad "--hide-tdp view: $(grep L1INIT "$w/hidden.out" | head -1)"
grep -q "kvm_amd_npt=N" "$w/hidden.out" && ok "L1's kvm_amd falls back to shadow paging" || bad "L1 kvm_amd npt: $(grep kvm_api "$w/hidden.out")"
tr -d '\r' <"$w/hidden.out" | grep -qx "L1INIT stdin=$text" && ok "L1 reads the line typed into nestlab's stdin" ||
	bad "L1 stdin: $(tr -d '\r' <"$w/hidden.out" | grep -e 'L1INIT \(stdin\|ready\)' -e l1feed | tr '\n' ' ')"
grep -q "nestlab: poweroff: guest powered off;" "$w/hidden.out" && ok "with acpi=off the halted L1 counts as powered off" ||
	bad "acpi=off poweroff: $(grep 'nestlab:' "$w/hidden.out" | tail -1)"

# A virtio disk (--disk): L1's virtio_mmio finds it in the DSDT,
# virtio_blk makes it /dev/vda; L1 reads the file's first bytes, writes
# and reads back (O_DIRECT) both ends; nestlab counts the requests.
st=$(tb_nestlab "$w/disk.out" "console=ttyS0 panic=-1 quiet l1init=disk" \
	--initrd "$rel/initrd" --cpus 1 --disk "$rel/disk")
[ "$st" = 0 ] && ok "L1 with --disk: exit 0" || bad "L1 --disk: exit $st: $(tail -2 "$w/disk.out")"
grep -q "L1INIT disk sectors=16384 first=NESTLABDISKHEAD! rw=ok" "$w/disk.out" &&
	ok "L1 finds the disk as /dev/vda (16384 sectors), reads the file's head, writes and reads back both ends" ||
	bad "L1 disk: $(grep -e 'L1INIT disk' -e virtio "$w/disk.out" | tr '\n' ' ')"
dl=$(grep "^nestlab: disk: " "$w/disk.out")
case "$dl" in
"nestlab: disk: "*" reads"*", 2 writes (0 MiB), "*" flushes"*) ok "nestlab counted L1's requests: ${dl#nestlab: disk: }" ;;
*) bad "nestlab's disk line: '$dl'" ;;
esac

# Reboot: Linux resets through the i8042 (no ACPI); nestlab ends with 0.
st=$(tb_nestlab "$w/reboot.out" "console=ttyS0 panic=-1 quiet l1init=reboot" \
	--initrd "$rel/initrd" --cpus 1)
[ "$st" = 0 ] && ok "L1 reboot: nestlab exit 0" || bad "L1 reboot: exit $st: $(tail -2 "$w/reboot.out")"
grep -q "nestlab: reboot: guest" "$w/reboot.out" && ok "reboot reported" || bad "reboot not reported: $(tail -2 "$w/reboot.out")"

st=$(boot panic noinit --cpus 1)
[ "$st" = 1 ] && ok "kernel panic: nestlab exit 1" || bad "panic: exit $st"
grep -q "nestlab: panic: guest kernel panic" "$w/panic.out" && ok "panic reported" || bad "panic not reported: $(tail -2 "$w/panic.out")"

tally
