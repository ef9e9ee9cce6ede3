#!/bin/bash
# Linux L2s in a nested run (docs/guest-linux.md, docs/nested.md): `nestlab
# nested` in the testbed boots Debian's kernel as L1 with l1-shim, which
# boots Debian's kernel again as each L2 with the L2 initramfs
# (l1-initramfs-linux.cpio carries both under /l2). Checks, with nested
# paging for L1->L2, that bzip2's and HMMER 2's checksums inside the L2s
# equal l2init --native's on this host, that nested paging ran, that the
# L2's own document (its clock, vmstat) came back through two levels, that
# L1 intercepted none of the L2s' page faults (pf_guest 0); and that an L2
# whose /init dies (fail=panic) is reported as a panic while the other
# L2s' results are kept. Prints each L2's time in L1 and by its own clock
# (no timing is checked here). Shadow paging for Linux L2s is not run in
# the testbed: L0 refuses a bzImage L2's entry once its decompressor turns
# paging off, and a vmlinux L2 had not booted after 600 s of TCG
# (docs/guest-linux.md, "Linux L2s in a nested run").
# usage: test_nested_linux.sh NESTLAB L1_INITRAMFS_LINUX L2INIT
#   the programs' tree: NESTLAB_PROGRAMS_DIR (default build/programs)/root
# exit 0 pass, 1 fail, 77 skip
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
[ $# -eq 3 ] || { echo "usage: $0 NESTLAB L1_INITRAMFS_LINUX L2INIT"; exit 2; }
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
root=${NESTLAB_PROGRAMS_DIR:-$tree/build/programs}/root
[ -n "$2" ] && [ -f "$2" ] || { echo "SKIP: no L1 initramfs with a Linux L2 (scripts/get-kernel.sh and scripts/get-programs.sh, then meson setup --reconfigure)"; exit 77; }
[ -d "$root" ] || { echo "SKIP: no programs tree $root (scripts/get-programs.sh)"; exit 77; }
[ -e "$kdir/bzImage" ] || { echo "SKIP: no kernel in $kdir (scripts/get-kernel.sh)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
nl=$(abs "$1") rd=$(abs "$2") l2init=$(abs "$3") root=$(cd "$root" && pwd)
. "$tree/tests/vm/checks.sh"
. "$here/tally.sh"
. "$here/tbtry.sh"

cd "$tree" || exit 1
w=$(mktemp -d "$tree/build/nestedlinux.XXXXXX")
trap 'rm -rf "$w"' EXIT
rel=${w#"$tree"/}
mkdir -p "$w/in" "$w/out" "$w/native"
cp "$nl" "$w/in/nestlab"
if [ -s "$kdir/vmlinux" ]; then cp "$kdir/vmlinux" "$w/in/l1-kernel"; else cp -L "$kdir/bzImage" "$w/in/l1-kernel"; fi
cp "$rd" "$w/in/l1-linux.cpio"
cp "$here/nested_runs.sh" "$w/in/"

# the L2s nested_runs.sh starts, as l2init's words (the spec's defaults:
# iters 1, seed 1)
for g in bzip2:2M hmmer:1M; do
	p=${g%%:*} size=${g#*:}
	"$l2init" --native "$root" --json "$w/native/$p.json" nl2.program="$p" \
		nl2.size="$size" nl2.iters=1 nl2.seed=1 >"$w/native/$p.log" 2>&1 ||
		{ bad "native $p failed: $(tail -1 "$w/native/$p.log")"; continue; }
	sum=$(jq -r .checksum "$w/native/$p.json")
	pr=$(checksum_problem "native $p" "$sum") && ok "native $p checksum $sum" || bad "$pr"
done
n() { jq -r "$2" "$w/native/$1.json" 2>/dev/null; }

# The testbed's own flakes are tried again (tbtry.sh), and so is a run whose
# L1 sent no document: an L1 dying under L2s (a triple fault, or its kernel
# crashing) is a known flake of the emulated SVM (docs/testbed.md); once on
# CI the L1 of this run ended so. Three tries: on 2026-12-06 one run of this
# test met two flakes, the testbed's machine reset and then L1's triple fault.
# The same shutdown may hit an L2 (seen 2026-12-06: L2 0's vCPU reported at
# the reset vector, rip 0xfff0 cs 0xf000, as KVM leaves a vCPU it reset on
# a shutdown intercept): one of the two L2s meant to pass that ended so is
# that flake too, tried again and reported.
tb_flake_extra() {
	local f=$w/out/linux-nested.json m
	[ "$tb_st" = 0 ] && [ -s "$f" ] || return 1
	if [ "$(jq -r '.l1 | type' "$f" 2>/dev/null)" = object ]; then
		m=$(jq -r '[.l1.l2[0:2][] | .result | select(.outcome? == "triple-fault") | .message
			| select(test("rip 0xfff0 .*cs 0xf000"))] | first // empty' "$f" 2>/dev/null)
		[ -n "$m" ] || return 1
		echo "an L2 meant to pass triple-faulted at the reset vector ($m)"
		return 0
	fi
	echo "L1 sent no document (its outcome: $(jq -r '.l0_view.outcome // "none"' "$f" 2>/dev/null);" \
		"nestlab's last line: $(tail -1 "$w/out/linux-nested.out" 2>/dev/null))"
}
# --kvm-hold: as testbed-nested (test_nested.sh says why)
tb_try 3 "$w/testbed.log" --quiet --kvm-hold --mem 3G --timeout 1500 --files "$rel/in /bin/bash" \
	--out "$w/out" -- /bin/bash "$rel/in/nested_runs.sh" "/work/$rel/in" linux-nested
st=$?
[ "$st" = 77 ] && { cat "$w/testbed.log"; echo "SKIP: the testbed cannot run here"; exit 77; }
# Every try ended in one of the testbed's flakes: since 2026-12-06 an L1
# running two or three Linux L2s has its vCPU 1 triple-fault about 10 s
# into the L2s' boot in most tries (11 of 12 that day; docs/testbed.md, known
# problems). That says nothing about the checks below, which did not run:
# a skip that says so, not a pass and not a failure of nestlab's.
if [ -n "$tb_why" ]; then
	echo "SKIP: all 3 tries ended in the testbed's known flakes (the last: $tb_why, exit $st); see docs/testbed.md, known problems"
	exit 77
fi
check "testbed run" 0 "$st"
[ "$st" = 0 ] || tail -20 "$w/testbed.log" | sed 's/^/  | /'
tb_retried_notes "$w/out"

j() { jq -r "$2" "$w/out/$1.json" 2>/dev/null; }
s=linux-nested
check "$s: nestlab exit status (the panicking L2 fails the run)" 1 "$(cat "$w/out/$s.rc" 2>/dev/null)"
if [ "$(j $s '.l1 | type')" = object ]; then
	check "$s: L1 paging in effect" nested "$(j $s .l1.kvm.paging_in_effect)"
	check "$s: L1 errors" 0 "$(j $s '.l1.errors | length')"
	check "$s: three L2s" 3 "$(j $s '.l1.l2 | length')"
	i=0
	for p in bzip2 hmmer; do
		l2=".l1.l2[$i].result"
		check "$s: L2 $i nestlab exit status" 0 "$(j $s ".l1.l2[$i].exit_status")"
		check "$s: L2 $i outcome" exited "$(j $s "$l2.outcome")"
		check "$s: L2 $i document" nestlab-l2/1 "$(j $s "$l2.guest_document.schema")"
		check "$s: L2 $i program" $p "$(j $s "$l2.guest_document.program")"
		check "$s: L2 $i checks passed" true "$(j $s "$l2.guest_document.ok")"
		check "$s: L2 $i $p checksum is the native one" "$(n $p .checksum)" "$(j $s "$l2.guest_document.checksum")"
		pf=$(j $s "$l2.guest_document.vmstat_delta.pgfault")
		[ "${pf:-0}" -gt 0 ] 2>/dev/null && ok "$s: L2 $i's own vmstat delta (pgfault $pf)" || bad "$s: L2 $i: no vmstat delta ($pf)"
		echo "     $s: L2 $i $p: $(j $s ".l1.l2[$i].wall_ns") ns in L1, workload $(j $s "$l2.guest_document.time.workload_ns") ns by its own clock"
		i=$((i + 1))
	done
	check "$s: L1 intercepts none of the Linux L2s' page faults (pf_guest)" 0 \
		"$(j $s '[.l1.l2[0,1].result.kvm_stats.vcpus[].stats.pf_guest] | add')"
else
	bad "$s: no L1 document (L1's outcome: $(j $s '.l0_view.outcome // "none"'))"
	tail -5 "$w/out/$s.out" 2>/dev/null
fi

check "panic: L2 2 nestlab exit status" 1 "$(j $s '.l1.l2[2].exit_status')"
check "panic: L2 2 outcome" panic "$(j $s '.l1.l2[2].result.outcome')"
check "panic: L2 2 sent no document" "the guest sent no document" "$(j $s '.l1.l2[2].result.guest_document_error')"

if [ "$fails" != 0 ]; then
	for f in "$w"/out/*.out; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f")"
		tail -15 "$f"
	done
fi
tally
