#!/bin/bash
# nestlab's Intel path on an emulated Intel host (testbed.sh --cpu intel:
# bochs, a Core i7 Haswell with VMX and EPT; docs/testbed.md, the Intel
# testbed). Two boots, L0's kvm_intel with nested=1 and ept=1, then ept=0.
# In each: `nestlab doctor` says what this host can run; a flat
# guest-kernel VM gives the native checksum, and its document names
# kvm_intel and the paging L0 uses; and `nestlab nested` runs one small
# L2 (ptrchase) with the native checksum: with ept=1 in both L1->L2
# modes, with ept=0 shadow on shadow. Shadow mode must show L1's
# kvm_intel with ept=0, no "ept" in L1's CPU flags (nestlab filters VMX's
# capability MSRs) and L2 page faults handled by L1 (pf_guest); nested
# mode the opposite.
# usage: test_intel.sh NESTLAB GUEST_KERNEL NATIVE_WORKLOAD L1_INITRAMFS ;
# exit 0 pass, 1 fail, 77 skip (no bochs, BIOS, isolinux or xorriso; no
# kernel or L1 initramfs)
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
[ $# = 4 ] || { echo "usage: $0 NESTLAB GUEST_KERNEL NATIVE_WORKLOAD L1_INITRAMFS"; exit 2; }
nl=$(abs "$1") gk=$(abs "$2") native=$(abs "$3")
[ -n "$4" ] && [ -f "$4" ] || { echo "SKIP: no L1 initramfs (scripts/get-kernel.sh, then meson setup --reconfigure)"; exit 77; }
l1rd=$(abs "$4")
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
[ -e "$kdir/bzImage" ] || { echo "SKIP: no kernel in $kdir (scripts/get-kernel.sh)"; exit 77; }
. "$tree/tests/vm/checks.sh"
. "$here/tally.sh"
. "$here/tbtry.sh"
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }

cd "$tree" || exit 1
w=$(mktemp -d "$tree/build/intel.XXXXXX")
trap 'rm -rf "$w"' EXIT
rel=${w#"$tree"/}
mkdir -p "$w/in"
cp "$nl" "$w/in/nestlab"
cp "$gk" "$w/in/guest-kernel"
if [ -s "$kdir/vmlinux" ]; then cp "$kdir/vmlinux" "$w/in/l1-kernel"; else cp -L "$kdir/bzImage" "$w/in/l1-kernel"; fi
cp "$l1rd" "$w/in/l1.cpio"
spec="workload=ptrchase footprint=4M iters=2"
sum=$("$native" $spec | sed -n 's/^checksum=\(0x[0-9a-f]*\).*/\1/p')
p=$(checksum_problem "native ptrchase" "$sum") && ok "native ptrchase checksum $sum" || bad "$p"
sum4=$("$native" workload=ptrchase footprint=4M | sed -n 's/^checksum=\(0x[0-9a-f]*\).*/\1/p')
p=$(checksum_problem "native ptrchase 4M" "$sum4") && ok "native ptrchase 4M checksum $sum4" || bad "$p"
# inside: the doctor, then the flat run (the testbed has no shell: bash
# comes with --files)
d=/work/$rel/in

for ept in 1 0; do
	o=$w/out$ept
	t0=$(date +%s)
	tb_try 2 "$w/tb$ept.log" --quiet --cpu intel --ept $ept --timeout 900 --files "$rel/in /bin/bash" \
		--out "$o" -- /bin/bash -c "$d/nestlab doctor >/out/doctor.txt 2>&1; echo \$? >/out/doctor.rc;
		for m in $([ $ept = 1 ] && echo shadow nested || echo shadow); do
			$d/nestlab nested --kernel $d/l1-kernel --initrd $d/l1.cpio --l1-mem 256M --l1-cpus 1 \\
				--paging \$m --l2 workload=ptrchase,footprint=4M,mem=16M --json /out/\$m.json \\
				--timeout 400 >/out/\$m.out 2>&1
			echo \$? >/out/\$m.rc
		done
		$d/nestlab run --kernel $d/guest-kernel --mem 64M --cmdline '$spec' --json /out/flat.json --timeout 600"
	st=$?
	[ "$st" = 77 ] && { cat "$w/tb$ept.log"; echo "SKIP: the Intel testbed cannot run here"; exit 77; }
	check "ept=$ept: the flat run's exit status" 0 "$st"
	[ "$st" = 0 ] || tail -15 "$w/tb$ept.log" | sed 's/^/  | /'
	echo "note - ept=$ept: one Intel testbed boot and run took $(($(date +%s) - t0)) s"
	i=$o/testbed.info
	val() { sed -n "s/^$1=//p" "$i" 2>/dev/null; }
	check "ept=$ept: the emulated CPU is Intel's" intel "$(val vendor)"
	check "ept=$ept: L0's CPU has VMX and EPT" "1 1" "$(val cpu_vmx) $(val cpu_ept)"
	check "ept=$ept: kvm_intel nested=1, ept as asked" "Y $ept" "$(val kvm_intel_nested) $(val kvm_intel_ept)"
	j() { jq -r "$1" "$o/flat.json" 2>/dev/null; }
	check "ept=$ept: checksum is the native one" "$sum" "$(j .result.checksum)"
	check "ept=$ept: the document names L0's KVM" "kvm_intel $([ $ept = 1 ] && echo ept || echo shadow)" \
		"$(j '"\(.host.kvm_module) \(.host.paging)"')"
	check "ept=$ept: doctor: nested runs possible (exit 0)" 0 "$(cat "$o/doctor.rc" 2>/dev/null)"
	for want in "run:can run here" "nested --paging shadow:can run here" \
		"nested --paging nested:$([ $ept = 1 ] && echo "can run here" || echo "cannot")"; do
		item=${want%%:*} verdict=${want#*:}
		got=$(grep -F "  $item  " "$o/doctor.txt" 2>/dev/null | head -1)
		[[ $got == *"$verdict"* ]] && ok "ept=$ept: doctor: $item: $verdict" || bad "ept=$ept: doctor: $item: '$got', not '$verdict'"
	done
	sed "s/^/     doctor ept=$ept | /" "$o/doctor.txt" 2>/dev/null | grep -E "vendor|module|run|nested|shadow"
	for m in $([ $ept = 1 ] && echo shadow nested || echo shadow); do
		n() { jq -r "$1" "$o/$m.json" 2>/dev/null; }
		what="ept=$ept, L1->L2 $m$([ $ept = 0 ] && echo " (shadow on shadow)")"
		check "$what: nestlab nested exit status" 0 "$(cat "$o/$m.rc" 2>/dev/null)"
		[ "$(cat "$o/$m.rc" 2>/dev/null)" = 0 ] || tail -5 "$o/$m.out" 2>/dev/null | sed 's/^/  | /'
		check "$what: L2 checksum is the native one" "$sum4" "$(n '.l1.l2[0].result.result.checksum')"
		check "$what: L1's kvm_intel: ept asked and read back, mode in effect" \
			"nested=1 ept=$([ $m = nested ] && echo 1 || echo 0) $([ $m = nested ] && echo Y || echo N) $m" \
			"$(n '.l1.kvm | "\(.params_requested) \(.tdp) \(.paging_in_effect)"')"
		check "$what: L1's CPU: VMX, and EPT only for nested paging" \
			"GenuineIntel true $([ $m = nested ] && echo true || echo false)" \
			"$(n '.l1.cpu | "\(.vendor) \(.vmx) \(.ept)"')"
		pf=$(n '.l1.l2[0].result.kvm_stats.vcpus[0].stats.pf_guest // 0')
		if [ $m = shadow ]; then
			[ "${pf:-0}" -gt 0 ] 2>/dev/null && ok "$what: L1 handled $pf of the L2's page faults (pf_guest)" ||
				bad "$what: no pf_guest in L1's KVM for the L2 ($pf)"
		else
			check "$what: L1 handled none of the L2's page faults (pf_guest)" 0 "$pf"
		fi
		echo "note - $what: L1 ran $(n '.l1.wall_ns / 1e9 | . * 10 | round / 10') s, the L2's workload $(n '.l1.l2[0].result.time.workload_ns / 1e6 | round') ms"
	done
	echo "note - ept=$ept: the workload took $(j '.time.workload_ns / 1e6 | round') ms, $(j '.kvm_stats.vm.remote_tlb_flush // "?"') remote TLB flushes"
done
tally
