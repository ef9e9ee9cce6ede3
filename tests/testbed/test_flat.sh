#!/bin/bash
# The flat VM suites (tests/vm/core.sh, and workloads.sh unless told not
# to) inside the testbed, on its SVM-backed /dev/kvm: on a machine with no
# /dev/kvm (docs: DESIGN, "the machines") this is where they run, instead
# of skipping. Each suite must exit 0 with its "N passed, 0 failed" line
# and N > 0; a suite that skipped (77) or stopped early fails here.
# usage: test_flat.sh NESTLAB GUESTS_DIR [GUEST_KERNEL NATIVE_WORKLOAD]
#   GUESTS_DIR holds g_exit, g_smp, ... (tests/guests); with GUEST_KERNEL and
#   NATIVE_WORKLOAD, workloads.sh runs too (footprint NESTLAB_TEST_FOOTPRINT,
#   default 4M). NESTLAB_TEST_KEEP=DIR keeps the suites' documents and logs.
# exit 0 pass, 1 fail, 77 skip (no QEMU or kernel for the testbed)
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
[ $# = 2 ] || [ $# = 4 ] || { echo "usage: $0 NESTLAB GUESTS_DIR [GUEST_KERNEL NATIVE_WORKLOAD]"; exit 2; }
nl=$(abs "$1") gdir=$(cd "$2" && pwd)
gk="" native=""
[ $# = 4 ] && gk=$(abs "$3") native=$(abs "$4")
. "$here/tally.sh"
. "$here/tbtry.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }

cd "$tree"
mkdir -p "$tree/build"
w=$(mktemp -d "$tree/build/flat.XXXXXX")
trap '[ -n "${NESTLAB_TEST_KEEP:-}" ] && mkdir -p "$NESTLAB_TEST_KEEP" && cp -a "$w/out/." "$NESTLAB_TEST_KEEP/"; rm -rf "$w"' EXIT
rel=${w#"$tree"/}
in=$w/in
mkdir -p "$in/bin" "$w/out"
cp "$nl" "$in/nestlab"
for g in exit loop badport badrec nop triple hlt smp; do
	cp "$gdir/g_$g" "$in/" || { echo "FAIL - no $gdir/g_$g"; exit 1; }
done
cp "$tree"/tests/vm/{lib.sh,checks.sh,core.sh,workloads.sh} "$in/"
suites=core
if [ -n "$gk" ]; then
	cp "$gk" "$in/guest-kernel"
	cp "$native" "$in/nestlab-workload"
	suites="core workloads"
fi
# The testbed has no coreutils: the programs the suites call, by their
# own names (cp -L: /usr/bin/awk is a link to an alternative); testbed.sh
# brings their shared libraries.
for t in bash jq mktemp mkdir rm cp grep date awk timeout cat dirname sed tail head wc sleep sort tr; do
	p=$(command -v $t) || { echo "SKIP: $t missing"; exit 77; }
	cp -L "$p" "$in/bin/$t"
done
d=/work/$rel/in
fp=${NESTLAB_TEST_FOOTPRINT:-4M}
# shellcheck disable=SC2016
inner='export PATH='$d'/bin:$PATH NESTLAB_TEST_FOOTPRINT='$fp'
d='$d'
$d/nestlab doctor >/out/doctor.txt 2>&1
echo $? >/out/doctor.rc
for s in '$suites'; do
	t0=$EPOCHREALTIME
	case $s in
	core) NESTLAB_TEST_KEEP=/out/core bash $d/core.sh $d/nestlab $d >/out/core.log 2>&1 ;;
	workloads) NESTLAB_TEST_KEEP=/out/workloads bash $d/workloads.sh $d/nestlab $d/guest-kernel $d/nestlab-workload >/out/workloads.log 2>&1 ;;
	esac
	echo $? >/out/$s.rc
	echo "$s $t0 $EPOCHREALTIME" >>/out/times
done'

# The testbed's own flakes are tried again (tbtry.sh).
t0=$(date +%s)
tb_try 2 "$w/testbed.log" --quiet --mem 2G --timeout 840 --files "$rel/in" --out "$w/out" -- \
	"$d/bin/bash" -c "$inner"
st=$?
[ "$st" = 77 ] && { cat "$w/testbed.log"; echo "SKIP: the testbed cannot run here"; exit 77; }
[ "$st" = 0 ] && ok "testbed run: exit 0 ($(($(date +%s) - t0)) s)" ||
	{ bad "testbed run: exit $st"; tail -20 "$w/testbed.log" | sed 's/^/  | /'; }

# nestlab doctor on the testbed's real KVM (docs/doctor.md): its L0 is
# kvm_amd with nested=1 and npt=1, so everything but shadow-on-shadow
# (which needs L0 itself on shadow paging) can run here; inside, there is
# no QEMU for a testbed of its own
check "doctor in the testbed: exit status (nested runs possible)" 0 "$(cat "$w/out/doctor.rc" 2>/dev/null)"
for want in "run:can run here" "nested --paging shadow:can run here" \
	"nested --paging nested:can run here" "shadow-on-shadow:here L0 uses TDP"; do
	item=${want%%:*} verdict=${want#*:}
	got=$(grep -F "  $item  " "$w/out/doctor.txt" 2>/dev/null | head -1)
	[[ $got == *"$verdict"* ]] && ok "doctor: $item: $verdict" || bad "doctor: $item: '$got', not '$verdict'"
done
grep -q "offered to guests SVM" "$w/out/doctor.txt" 2>/dev/null && ok "doctor: KVM offers SVM to guests" ||
	bad "doctor: SVM not seen as offered: $(grep 'offered' "$w/out/doctor.txt" 2>/dev/null)"
sed 's/^/     doctor | /' "$w/out/doctor.txt" 2>/dev/null | grep -E "run|nested|shadow|tracing|module"

# The shutdown catcher (testbed.sh --catch-shutdown, docs/testbed.md): a
# flat guest that triple-faults (g_triple: ud2 with an empty IDT) stops
# L0's trace at its shutdown exit, which still has the faulting rip, the
# ud2, although KVM reset the vCPU before nestlab heard of it.
ud2=$(objdump -d "$in/g_triple" 2>/dev/null | sed -n 's/^ *\([0-9a-f]*\):.*ud2.*/\1/p' | head -1)
mkdir -p "$w/sd"
tb_try 2 "$w/sd.log" --quiet --mem 1G --timeout 120 --catch-shutdown --files "$rel/in" --out "$w/sd" -- \
	"$d/nestlab" run --kernel "$d/g_triple" --mem 16M --timeout 30
st=$?
check "catcher: the triple-faulting guest's exit status" 1 "$st"
check "catcher: testbed.info says a shutdown stopped the trace" 1 \
	"$(sed -n 's/^shutdown_caught=//p' "$w/sd/testbed.info" 2>/dev/null)"
sd=$(grep -m1 "kvm_exit: .*reason shutdown" "$w/sd/l0-shutdown.trace" 2>/dev/null)
if [ -n "$ud2" ] && [[ $sd == *"rip 0x$ud2 "* ]]; then
	ok "catcher: L0's last kvm_exit is the shutdown at the guest's ud2 (rip 0x$ud2)"
else
	bad "catcher: no shutdown exit at the ud2 (0x${ud2:-?}) in L0's trace: '${sd:-none}'"
fi
grep -q "kvm_inj_exception" "$w/sd/l0-shutdown.trace" 2>/dev/null &&
	ok "catcher: the exceptions KVM injected on the way are in the trace" ||
	echo "note - catcher: no kvm_inj_exception before the shutdown"

for s in $suites; do
	log=$w/out/$s.log rc=$(cat "$w/out/$s.rc" 2>/dev/null)
	if [ -f "$log" ]; then
		sed "s/^/  $s | /" "$log"
	fi
	took=$(awk -v s="$s" '$1 == s { printf "%.1f", $3 - $2 }' "$w/out/times" 2>/dev/null)
	last=$(tail -n 1 "$log" 2>/dev/null)
	if [ "$rc" = 0 ] && [[ $last =~ ^([0-9]+)\ passed,\ 0\ failed$ ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
		ok "$s.sh in the testbed: $last (${took:-?} s)"
	else
		bad "$s.sh in the testbed: exit status '${rc:-none}', last line '$last'"
	fi
done
tally
