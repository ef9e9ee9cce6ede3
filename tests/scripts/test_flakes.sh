#!/bin/bash
# bench/flakes_inner.sh's classify, on outputs shaped like real ones (the
# lines come from testbed-nested's logs and l1-shim's source): each way a
# nestlab or QEMU run of L1 can end gets its own outcome. No testbed needed.
set -u
tree=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/testbed/tally.sh
. "$tree/tests/testbed/tally.sh"
# shellcheck source=bench/flakes_inner.sh
. "$tree/bench/flakes_inner.sh" /nonexistent 0 0 shadow 1
f=$(mktemp)
trap 'rm -f "$f"' EXIT
l2ok='l1-shim: L2 0 mcf: nestlab exit 0, 5.429 s
l1-shim: L2 1 ptrchase: nestlab exit 0, 4.115 s'
is() { # name expected vmm rc output
	printf '%s\n' "$5" >"$f"
	check "$1" "$2" "$(classify "$3" "$4" "$f")"
}
is "nestlab: both L2s passed, document sent" ok nestlab 0 "$l2ok
l1-shim: document sent to L0 (20144 bytes); exit status 0
nestlab: nested: L1 sent its document (20144 bytes), exit status 0"
is "nestlab: L1's last console line cut short, nestlab has the document" ok nestlab 0 "$l2ok
nestlab: exited: guest exited with status 0; wall 6.260 s; 17018 userspace exits (17018 io)
nestlab: nested: L1 sent its document (16476 bytes), exit status 0
l1-shim"
is "nestlab: an L2 failed" l2-failed nestlab 1 "l1-shim: L2 0 mcf: nestlab exit 1, 0.323 s
l1-shim: L2 1 ptrchase: nestlab exit 0, 3.003 s
l1-shim: document sent to L0 (14755 bytes); exit status 1"
is "nestlab: L1's vCPU triple-faulted" l1-triple-fault nestlab 1 "l1-shim: 2 L2 VMs running (nested paging)
nestlab: triple-fault: vCPU 1 shut down (rip 0xfff0 cs 0xf000)
nestlab: nested: no result from L1: the guest sent no document"
is "nestlab: watchdog stop" stall nestlab 3 "l1-shim: nestlab L1 /init
nestlab: timeout: watchdog: guest still running after 180 s
nestlab: vCPU 0 at the stop: rip 0xffffffff81170441 cs 0x10 rflags 0x202 cr3 0x6c0e000, runnable
nestlab: nested: no result from L1: the guest sent no document"
is "nestlab: L1's kernel panicked" l1-panic nestlab 1 "[    3.1] Kernel panic - not syncing: Attempted to kill init!
nestlab: nested: no result from L1: the guest sent no document"
is "nestlab: anything else keeps its exit status" other-rc5 nestlab 5 "nestlab: seccomp: a call the filter forbids"
is "qemu: both L2s passed, document on the console" ok qemu 0 "$l2ok
l1-shim: no nestlab document port; the document follows on the console
{\"schema\":\"nestlab-l1/1\"}"
is "qemu: document on the console but QEMU killed after it" ok qemu 124 "$l2ok
l1-shim: x; the document follows on the console"
is "qemu: one L2 did not pass" l2-failed qemu 0 "l1-shim: L2 0 mcf: nestlab exit 0, 5.4 s
l1-shim: x; the document follows on the console"
is "qemu: QEMU ended with no document (-no-reboot: a reset)" l1-reset qemu 0 "l1-shim: 2 L2 VMs running (shadow paging)"
is "qemu: killed by timeout, no document" stall qemu 124 "l1-shim: nestlab L1 /init
l1-shim: 2 L2 VMs running (shadow paging)"
is "qemu: killed by timeout in L1's boot" l1-boot-stall qemu 124 "[    1.69] ACPI Error: Aborting method \\_SB.LNKD._STA due to previous error (AE_ERROR)"
is "nestlab: watchdog stop before l1-shim" l1-boot-stall nestlab 3 "nestlab: timeout: watchdog: guest still running after 150 s"
is "qemu: L1's kernel panicked" l1-panic qemu 0 "Kernel panic - not syncing: Fatal exception"
# the swapdisk L1 has two L2s too (count=2)
(
	. "$tree/bench/flakes_inner.sh" /nonexistent 0 0 nested 1 0 swapdisk
	printf '%s\n' "l1-shim: L2 0 touch: nestlab exit 0, 80.9 s" "l1-shim: L2 1 touch: nestlab exit 0, 81.1 s" \
		"l1-shim: document sent to L0 (57597 bytes); exit status 0" >"$f"
	echo "$nl2 $l1mem ${l1opt[*]} $(classify nestlab 0 "$f")"
) >"$f.sd"
check "swapdisk L1: two L2s, 160M, swap on the disk, a passing run is ok" \
	"2 160M --l1-swap 256M --l1-swap-device disk ok" "$(<"$f.sd")"
rm -f "$f.sd"
# a run's last 8 lines go to the console, one flakes-tail line each
printf '%s\n' 1 2 3 4 5 6 7 8 9 "10"$'\r' >"$f"
check "run_tail: the last 8 lines, tagged, carriage returns dropped" \
	"$(printf 'flakes-tail\tp-vmm\t%s\n' 3 4 5 6 7 8 9 10)" "$(run_tail p-vmm "$f")"
# bench/flakes.sh refuses an L1 it does not know before it needs a kernel
out=$(bash "$tree/bench/flakes.sh" "$tree" /nonexistent/out 2 shadow 1 100 0 big 2>&1)
check "flakes.sh: unknown L1: exit status" 2 "$?"
check "flakes.sh: unknown L1: the message" "bench: L1 'big' is not small or swapdisk" "$out"
tally
