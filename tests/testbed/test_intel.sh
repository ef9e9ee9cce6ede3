#!/bin/bash
# nestlab's Intel path on an emulated Intel host (testbed.sh --cpu intel:
# bochs, a Core i7 Haswell with VMX and EPT; docs/testbed.md, the Intel
# testbed): L0 loads kvm_intel with nested=1 and ept=1, then ept=0, and in
# each a flat guest-kernel VM must give the native checksum, its document
# must name kvm_intel and the paging L0 uses, and `nestlab doctor` says
# what this host can run.
# usage: test_intel.sh NESTLAB GUEST_KERNEL NATIVE_WORKLOAD ; exit 0 pass,
# 1 fail, 77 skip (no bochs, BIOS, isolinux or xorriso; no kernel)
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
[ $# = 3 ] || { echo "usage: $0 NESTLAB GUEST_KERNEL NATIVE_WORKLOAD"; exit 2; }
nl=$(abs "$1") gk=$(abs "$2") native=$(abs "$3")
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
spec="workload=ptrchase footprint=4M iters=2"
sum=$("$native" $spec | sed -n 's/^checksum=\(0x[0-9a-f]*\).*/\1/p')
p=$(checksum_problem "native ptrchase" "$sum") && ok "native ptrchase checksum $sum" || bad "$p"
# inside: the doctor, then the flat run (the testbed has no shell: bash
# comes with --files)
d=/work/$rel/in

for ept in 1 0; do
	o=$w/out$ept
	t0=$(date +%s)
	tb_try 2 "$w/tb$ept.log" --quiet --cpu intel --ept $ept --timeout 900 --files "$rel/in /bin/bash" \
		--out "$o" -- /bin/bash -c "$d/nestlab doctor >/out/doctor.txt 2>&1; echo \$? >/out/doctor.rc;
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
	echo "note - ept=$ept: the workload took $(j '.time.workload_ns / 1e6 | round') ms, $(j '.kvm_stats.vm.remote_tlb_flush // "?"') remote TLB flushes"
done
tally
