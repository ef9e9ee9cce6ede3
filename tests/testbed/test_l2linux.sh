#!/bin/bash
# The Linux L2 (docs/guest-linux.md) as a flat VM in the testbed: Debian's
# kernel with the L2 initramfs, whose /init (l2init) runs bzip2, GNU Go,
# HMMER 2 and mcf (nestlab's static solver) on seeded inputs and sends a
# nestlab-l2/1 document that nestlab
# embeds in its nestlab-run/1. Checks, for each program, that the VM's
# checksum equals the native one (l2init --native over the same packed
# tree, on this host; mcf's also equals nestlab-workload's, the solver
# guest-kernel runs), that the document says what ran; and that the ways
# a Linux L2 fails are told apart: the program failing (a document with
# ok false, exit status 1), bad nl2.* words (the guest and nestlab exit 2, and why), and
# /init dying (a kernel panic, no document, the run's own reason).
# usage: test_l2linux.sh NESTLAB L2INIT L2_INITRAMFS WORKLOAD
#   WORKLOAD: the static nestlab-workload packed in the initramfs
#   the programs' tree: NESTLAB_PROGRAMS_DIR (default build/programs)/root
# exit 0 pass, 1 fail, 77 skip
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
[ $# -eq 4 ] || { echo "usage: $0 NESTLAB L2INIT L2_INITRAMFS WORKLOAD"; exit 2; }
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
root=${NESTLAB_PROGRAMS_DIR:-$tree/build/programs}/root
[ -n "$3" ] && [ -f "$3" ] || { echo "SKIP: no L2 initramfs (scripts/get-programs.sh, then meson setup --reconfigure)"; exit 77; }
[ -d "$root" ] || { echo "SKIP: no programs tree $root (scripts/get-programs.sh)"; exit 77; }
[ -e "$kdir/bzImage" ] || { echo "SKIP: no kernel in $kdir (scripts/get-kernel.sh)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
nl=$(abs "$1") l2init=$(abs "$2") rd=$(abs "$3") own=$(abs "$4") root=$(cd "$root" && pwd)
. "$tree/tests/vm/checks.sh"
. "$here/tally.sh"
. "$here/tbtry.sh"

cd "$tree"
w=$(mktemp -d "$tree/build/l2linux.XXXXXX")
trap 'rm -rf "$w"' EXIT
rel=${w#"$tree"/}
mkdir -p "$w/in" "$w/out" "$w/native"
cp "$nl" "$w/in/nestlab"
cp -L "$kdir/bzImage" "$w/in/bzImage"
cp "$rd" "$w/in/l2.cpio"
cp "$here/l2linux_runs.sh" "$w/in/"

# name:words (';' between words); sizes small enough for TCG, each program's
# every step still run
good="hmmer:nl2.program=hmmer;nl2.size=1M bzip2:nl2.program=bzip2;nl2.size=4M gnugo:nl2.program=gnugo;nl2.size=8M"
good="$good mcf:nl2.program=mcf;nl2.size=16M"
for g in $good; do
	name=${g%%:*} words=${g#*:}
	# shellcheck disable=SC2086
	"$l2init" --native "$root" --workload "$own" --json "$w/native/$name.json" ${words//;/ } \
		>"$w/native/$name.log" 2>&1 || { bad "native $name failed: $(tail -1 "$w/native/$name.log")"; continue; }
	sum=$(jq -r .checksum "$w/native/$name.json")
	p=$(checksum_problem "native $name" "$sum") && ok "native $name checksum $sum" || bad "$p"
done
# the solver is guest-kernel's: its checksum is nestlab-workload's
wsum=$("$own" 'workload=mcf footprint=16M' 2>/dev/null | sed -n 's/^checksum=\(0x[0-9a-f]*\) .*/\1/p')
check "native mcf checksum is nestlab-workload's" "$wsum" "$(jq -r .checksum "$w/native/mcf.json" 2>/dev/null)"

runs=""
for g in $good; do runs="$runs ${g%%:*}=${g#*:}"; done
runs="$runs fail=nl2.program=bzip2;nl2.size=1M;nl2.fail=exit"
runs="$runs badword=nl2.program=bzip2;nl2.size=lots"
runs="$runs panic=nl2.program=bzip2;nl2.size=1M;nl2.fail=panic"
# The testbed's own flakes are tried again (tbtry.sh).
# shellcheck disable=SC2086
tb_try 2 "$w/testbed.log" --quiet --mem 2G --timeout 900 --files "$rel/in /bin/bash" \
	--out "$w/out" -- /bin/bash "$rel/in/l2linux_runs.sh" "/work/$rel/in" $runs
st=$?
[ "$st" = 77 ] && { cat "$w/testbed.log"; echo "SKIP: the testbed cannot run here"; exit 77; }
check "testbed run" 0 "$st"
[ "$st" = 0 ] || tail -20 "$w/testbed.log" | sed 's/^/  | /'

j() { jq -r "$2" "$w/out/$1.json" 2>/dev/null; }
n() { jq -r "$2" "$w/native/$1.json" 2>/dev/null; }
for g in $good; do
	name=${g%%:*}
	check "$name: nestlab exit status" 0 "$(cat "$w/out/$name.rc" 2>/dev/null)"
	[ -f "$w/out/$name.json" ] || { bad "$name: no document"; tail -5 "$w/out/$name.out" 2>/dev/null; continue; }
	check "$name: outcome" exited "$(j $name .outcome)"
	check "$name: guest exit status" 0 "$(j $name .guest.exit_status)"
	check "$name: the L2's document is embedded" nestlab-l2/1 "$(j $name .guest_document.schema)"
	check "$name: it ran in the VM" vm "$(j $name .guest_document.where)"
	check "$name: program" "$name" "$(j $name .guest_document.program)"
	check "$name: input size" "$(n $name .params.size)" "$(j $name .guest_document.params.size)"
	check "$name: its checks passed" true "$(j $name .guest_document.ok)"
	check "$name: steps run" "$(n $name '.steps | length')" "$(j $name '.guest_document.steps | length')"
	check "$name: checksum is the native one" "$(n $name .checksum)" "$(j $name .guest_document.checksum)"
	t=$(j $name .guest_document.time.workload_ns)
	[ "${t:-0}" -gt 0 ] 2>/dev/null && ok "$name: workload took $t ns by the L2's clock" || bad "$name: no workload time ($t)"
	pf=$(j $name .guest_document.vmstat_delta.pgfault)
	[ "${pf:-0}" -gt 0 ] 2>/dev/null && ok "$name: the L2's vmstat delta (pgfault $pf)" || bad "$name: no vmstat delta ($pf)"
	mt=$(j $name .guest_document.meminfo_end.MemTotal)
	[ "${mt:-0}" -gt 0 ] 2>/dev/null && ok "$name: the L2's meminfo (MemTotal $mt)" || bad "$name: no meminfo ($mt)"
done

check "fail: nestlab exit status" 1 "$(cat "$w/out/fail.rc" 2>/dev/null)"
check "fail: guest exit status" 1 "$(j fail .guest.exit_status)"
check "fail: the document says it failed" false "$(j fail .guest_document.ok)"
check "fail: and why" "asked to fail (nl2.fail=exit)" "$(j fail .guest_document.error)"

# bad words are bad input, refused by the guest: nestlab exits 2 (docs/cli.md)
check "badword: nestlab exit status" 2 "$(cat "$w/out/badword.rc" 2>/dev/null)"
check "badword: guest exit status (bad nl2.* words)" 2 "$(j badword .guest.exit_status)"
case "$(j badword .guest_document.error)" in
*nl2.size*lots*) ok "badword: the error names the word" ;;
*) bad "badword: error '$(j badword .guest_document.error)'" ;;
esac

check "panic: nestlab exit status" 1 "$(cat "$w/out/panic.rc" 2>/dev/null)"
check "panic: outcome" panic "$(j panic .outcome)"
check "panic: no document" null "$(j panic .guest_document)"
check "panic: and why" "the guest sent no document" "$(j panic .guest_document_error)"

tally
