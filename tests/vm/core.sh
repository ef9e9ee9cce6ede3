#!/bin/bash
# VMM core on /dev/kvm with hand-written guests: exit paths, the channel's
# checks against a misbehaving guest, the watchdog, SMP start, JSON.
set -eu
. "$(dirname "$0")/lib.sh"
need_kvm
need_jq
nl=$1
g=$2

run_status "$nl" run --kernel "$g/g_exit" --mem 16M --json "$tmp/exit.json"
expect_eq "g_exit status" "$st" 0
expect_eq "g_exit outcome" "$(jq -r .outcome "$tmp/exit.json")" exited
expect_eq "g_exit log records" "$(jq -r .guest.log_records "$tmp/exit.json")" 1
expect_eq "g_exit schema" "$(jq -r .schema "$tmp/exit.json")" nestlab-run/1
grep -q 'guest\[0\]: hello world' "$tmp/err" && ok "guest log line on stderr" || bad "no guest log line"
expect_eq "g_exit boot mark" "$(jq '.time.start_to_first_insn_ns > 0' "$tmp/exit.json")" true
expect_eq "g_exit IO exits counted" "$(jq '.exits.by_reason.IO.count' "$tmp/exit.json")" 3
# the seccomp filter, read back from the kernel (docs/security.md): on once
# the guest ran, except in the sanitizer build; off with --no-seccomp
want=2
[ "${NESTLAB_SANITIZED:-0}" = 1 ] && want=0
expect_eq "g_exit ran under the seccomp filter" "$(jq .confinement.seccomp_mode "$tmp/exit.json")" $want
run_status "$nl" run --kernel "$g/g_exit" --mem 16M --no-seccomp --json "$tmp/exit-nosec.json"
expect_eq "g_exit --no-seccomp status" "$st" 0
expect_eq "g_exit --no-seccomp: no filter" "$(jq .confinement.seccomp_mode "$tmp/exit-nosec.json")" 0
expect_eq "g_exit --no-seccomp: as asked" "$(jq .confinement.seccomp_requested "$tmp/exit-nosec.json")" false
expect_vcpu_stats "g_exit per-vCPU stats" "$tmp/exit.json" 1

run_status "$nl" run --kernel "$g/g_badport" --mem 16M --json "$tmp/bp.json"
expect_eq "g_badport status" "$st" 0
expect_eq "g_badport unknown_io" "$(jq .guest.unknown_io "$tmp/bp.json")" 2
expect_eq "g_badport bad channel access" "$(jq .guest.bad_records "$tmp/bp.json")" 1
grep -q 'unhandled port 0x1234' "$tmp/err" && ok "unknown port reported" || bad "unknown port not reported"

run_status "$nl" run --kernel "$g/g_badrec" --mem 16M --json "$tmp/br.json"
expect_eq "g_badrec status" "$st" 0
expect_eq "g_badrec bad records" "$(jq .guest.bad_records "$tmp/br.json")" 7
expect_eq "g_badrec good record still read" "$(jq .guest.log_records "$tmp/br.json")" 1
grep -q 'outside guest memory' "$tmp/err" && ok "bad address reported" || bad "bad address not reported"

run_status "$nl" run --kernel "$g/g_triple" --mem 16M --json "$tmp/tf.json"
expect_eq "g_triple status" "$st" 1
case "$(jq -r .outcome "$tmp/tf.json")" in
triple-fault|kvm-internal-error) ok "g_triple outcome $(jq -r .outcome "$tmp/tf.json")" ;;
*) bad "g_triple outcome $(jq -r .outcome "$tmp/tf.json")" ;;
esac

run_status "$nl" run --kernel "$g/g_hlt" --mem 16M --json "$tmp/h.json"
expect_eq "g_hlt status" "$st" 1
expect_eq "g_hlt outcome" "$(jq -r .outcome "$tmp/h.json")" halted

start=$(date +%s)
run_status timeout 30 "$nl" run --kernel "$g/g_loop" --mem 16M --timeout 2 --json "$tmp/l.json"
took=$(( $(date +%s) - start ))
expect_eq "g_loop watchdog status" "$st" 3
expect_eq "g_loop outcome" "$(jq -r .outcome "$tmp/l.json")" timeout
[ "$took" -le 10 ] && ok "watchdog ended it in ${took}s" || bad "watchdog took ${took}s"
# where the vCPU stood at the stop (docs/results.md): in g_loop's
# pause/jmp loop, just after _start at 0x100000, running, no guest of its own
expect_eq "g_loop: its state at the stop captured" "$(jq -r '.state_at_stop[0].captured' "$tmp/l.json")" true
expect_eq "g_loop: stopped in its loop (rip 0x100000..0x10003f)" \
	"$(jq -r '.state_at_stop[0].rip | test("^0x00000000001000[0-3][0-9a-f]$")' "$tmp/l.json")" true
expect_eq "g_loop: stopped runnable" "$(jq -r '.state_at_stop[0].mp_state' "$tmp/l.json")" runnable
expect_eq "g_loop: not in a guest of its own" "$(jq -r '.state_at_stop[0].in_guest_mode | . == false or . == null' "$tmp/l.json")" true
grep -Eq "nestlab: vCPU 0 at the stop: rip 0x1000[0-3][0-9a-f] " "$tmp/err" && ok "g_loop: the stop's vCPU state on stderr" ||
	bad "g_loop: no vCPU state on stderr: $(tail -n 2 "$tmp/err")"
# the words at its rsp, read through the page tables nestlab gave it
# (core/gva.c): the two g_loop pushed, last first
expect_eq "g_loop: its stack's words at the stop" \
	"$(jq -r '.state_at_stop[0].stack_words[0:2] | join(" ")' "$tmp/l.json")" \
	"0xffffffff81a5267b 0x5741544b4e4f4c47"
# the last second before the stop (stopstate.c): the spinning vCPU still
# ran there, exiting to KVM (pause loop, host interrupts) but never to
# nestlab, which tells it from a vCPU that was not run at all
expect_eq "g_loop: its last window spans the second before the stop" \
	"$(jq -r '.state_at_stop[0].last_window.seconds | . >= 0.9 and . < 2' "$tmp/l.json")" true
expect_eq "g_loop: no KVM_RUN returned in its last window" \
	"$(jq -r '.state_at_stop[0].last_window.kvm_run_calls' "$tmp/l.json")" 0
if [ "$(jq -r '.kvm_stats.vcpus[0].stats != null' "$tmp/l.json")" = true ]; then
	expect_eq "g_loop: it kept exiting to KVM in its last window" \
		"$(jq -r '.state_at_stop[0].last_window.kvm.exits > 0' "$tmp/l.json")" true
	expect_eq "g_loop: only counters that moved are listed" \
		"$(jq -r '[.state_at_stop[0].last_window.kvm[]] | all(. > 0)' "$tmp/l.json")" true
fi
grep -Eq "nestlab: vCPU 0 in the last 1\.[0-9] s: 0 KVM_RUN returns" "$tmp/err" && ok "g_loop: its last window on stderr" ||
	bad "g_loop: no last window on stderr: $(tail -n 2 "$tmp/err")"
expect_eq "g_hlt: no state at the stop (not stopped by the watchdog)" "$(jq -r '.state_at_stop' "$tmp/h.json")" null

run_status timeout 60 "$nl" run --kernel "$g/g_smp" --mem 16M --cpus 4 --timeout 30 --json "$tmp/smp.json"
expect_eq "g_smp status" "$st" 0
expect_eq "g_smp parked" "$(jq .guest.parked_vcpus "$tmp/smp.json")" 3
expect_vcpu_stats "g_smp per-vCPU stats" "$tmp/smp.json" 4

# Overcommit: more guest memory than the host has is allowed, warned, recorded.
avail=$(awk '/MemAvailable/ { print int($2 / 1048576) + 2 }' /proc/meminfo)
if [ "$avail" -le 64 ]; then
	run_status "$nl" run --kernel "$g/g_exit" --mem "${avail}G" --json "$tmp/oc.json"
	expect_eq "overcommitted run status" "$st" 0
	grep -q 'overcommits' "$tmp/err" && ok "overcommit warned" || bad "no overcommit warning"
	expect_eq "overcommit ratio > 1" "$(jq '.memory.overcommit_ratio > 1' "$tmp/oc.json")" true
	# ... but populating it cannot work: a clean refusal, not the OOM killer.
	run_status "$nl" run --kernel "$g/g_exit" --mem "${avail}G" --prefault
	expect_eq "overcommitted --prefault status" "$st" 4
	grep -q 'cannot be populated' "$tmp/err" && ok "overcommitted --prefault refused" ||
		bad "overcommitted --prefault: $(cat "$tmp/err")"
fi
# Guest memory above 4 GiB: the identity map and bootinfo cover it.
run_status "$nl" run --kernel "$g/g_exit" --mem 5G --json "$tmp/5g.json"
expect_eq "5G guest status" "$st" 0
expect_eq "5G guest memory" "$(jq .config.mem_bytes "$tmp/5g.json")" 5368709120
# --prefault populates memory up front and says so in the result.
run_status "$nl" run --kernel "$g/g_exit" --mem 64M --prefault --json "$tmp/pf.json"
expect_eq "prefault status" "$st" 0
expect_eq "prefault recorded" "$(jq .config.prefault "$tmp/pf.json")" true

finish
