#!/bin/bash
# Nested runs end to end (docs/nested.md): `nestlab nested` at L0 in the
# testbed boots Debian's kernel as L1 with l1-shim as /init, which runs two
# L2 guest-kernel VMs at once. Checks, for each L1->L2 paging mode, that the
# L2 checksums equal the native ones, that the mode asked for is the mode
# that ran (L1's CPU model and kvm_amd's npt), that L1's KVM counters
# differ between the modes where they should, and that exit tracing
# returns tables; that an overcommitted L1 (L2s 1.5x its memory) finishes
# on zram swap with the swap recorded, and on a virtio disk with what L1
# swapped out counted at L0 too; that an L2 that crashes is reported
# while the other's result is kept; and, on a host whose KVM offers no
# SVM/VMX (like the development machines), that a nested run is refused.
# usage: test_nested.sh NESTLAB L1_INITRAMFS MKINITRAMFS G_TRIPLE NATIVE_WORKLOAD
# exit 0 pass, 1 fail, 77 skip
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
[ $# -eq 5 ] || { echo "usage: $0 NESTLAB L1_INITRAMFS MKINITRAMFS G_TRIPLE NATIVE"; exit 2; }
nl=$(abs "$1") rd=$2 mk=$(abs "$3") triple=$(abs "$4") native=$(abs "$5")
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
. "$here/tally.sh"
. "$here/tbtry.sh"
. "$tree/tests/vm/checks.sh"
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }

# --- on this host: refused cleanly when KVM offers no SVM/VMX ---
if grep -qE '^flags.* (svm|vmx)( |$)' /proc/cpuinfo; then
	echo "note - this host's CPU has SVM/VMX: the refusal check needs one without"
elif [ -e /dev/kvm ]; then
	# a regular file as initrd: /dev/null is refused before KVM is asked
	ird=$(mktemp)
	echo x >"$ird"
	out=$("$nl" nested --kernel "$kdir/bzImage" --initrd "$ird" --l1-mem 256M \
		--paging shadow --l2 workload=mcf,footprint=8M --json /tmp/nested-refused.$$.json 2>&1)
	rc=$?
	rm -f "$ird"
	check "nested run on a host without SVM/VMX: exit status" 4 "$rc"
	case "$out" in
	*"offers no SVM/VMX"*testbed*) ok "the refusal says why and points to the testbed" ;;
	*) bad "refusal message: $out" ;;
	esac
	[ -e /tmp/nested-refused.$$.json ] && bad "a refused run wrote a document" || ok "a refused run writes no document"
	rm -f /tmp/nested-refused.$$.json
fi

[ -n "$rd" ] && [ -f "$rd" ] || { echo "SKIP: no L1 initramfs (scripts/get-kernel.sh, then meson setup --reconfigure)"; exit 77; }
[ -e "$kdir/bzImage" ] || { echo "SKIP: no kernel in $kdir"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; exit 77; }

cd "$tree"
w=$(mktemp -d "$tree/build/nested.XXXXXX")
trap 'rm -rf "$w"' EXIT
rel=${w#"$tree"/}
mkdir -p "$w/in" "$w/out"
cp "$nl" "$w/in/nestlab"
# L1 boots the uncompressed vmlinux when get-kernel.sh made one (faster).
if [ -s "$kdir/vmlinux" ]; then cp "$kdir/vmlinux" "$w/in/l1-kernel"; else cp -L "$kdir/bzImage" "$w/in/l1-kernel"; fi
cp "$rd" "$w/in/l1.cpio"
cp "$here/nested_runs.sh" "$w/in/"
"$mk" -o "$w/extra.cpio" --file "/l2/triple=$triple" || { echo "FAIL - cannot build the crash initramfs"; exit 1; }
cat "$w/in/l1.cpio" "$w/extra.cpio" >"$w/in/l1-crash.cpio"

native_sum() { "$native" "$1" | sed -n 's/^checksum=\(0x[0-9a-f]*\).*/\1/p'; }
mcf8=$(native_sum "workload=mcf footprint=8M")
pc8x2=$(native_sum "workload=ptrchase footprint=8M iters=2")
pc8=$(native_sum "workload=ptrchase footprint=8M")
touch64=$(native_sum "workload=touch footprint=64M")
pc16x8=$(native_sum "workload=ptrchase footprint=16M iters=8")
for v in mcf8 pc8x2 pc8 touch64 pc16x8; do
	p=$(checksum_problem "native $v" "${!v}") && ok "native $v checksum ${!v}" || bad "$p"
done

# One testbed boot runs every scenario (each boots its own L1). The
# testbed's own flakes are tried again (tbtry.sh), up to 3 times: on
# 2026-12-06 4 of 6 boots ended with its own kernel's panic in
# __schedule, and on 2026-12-07 three in a row (123). --kvm-hold: the
# testbed's /init holds a VM for the boot, so L0's KVM does not rewrite
# __schedule's static key as each L1 comes and goes (docs/testbed.md,
# known problems).
tb_try 3 "$w/testbed.log" --quiet --kvm-hold --mem 3G --timeout 1500 --files "$rel/in /bin/bash" \
	--out "$w/out" -- /bin/bash "$rel/in/nested_runs.sh" "/work/$rel/in" \
	shadow nested overcommit zswap swapdisk ksm crash
st=$?
[ "$st" = 77 ] && { cat "$w/testbed.log"; echo "SKIP: the testbed cannot run here"; exit 77; }
check "testbed run" 0 "$st"
[ "$st" = 0 ] || tail -20 "$w/testbed.log" | sed 's/^/  | /'
tb_retried_notes "$w/out"

j() { jq -r "$2" "$w/out/$1.json" 2>/dev/null; }
oc=overcommit
for mode in shadow nested; do
	f=$w/out/$mode.json
	check "$mode: nestlab exit status" 0 "$(cat "$w/out/$mode.rc" 2>/dev/null)"
	[ -f "$f" ] || { bad "$mode: no document"; tail -5 "$w/out/$mode.out" 2>/dev/null; continue; }
	check "$mode: schema" nestlab-nested/1 "$(j $mode .schema)"
	check "$mode: L1 document came back" nestlab-l1/1 "$(j $mode .l1.schema)"
	check "$mode: L1 paging in effect" "$mode" "$(j $mode .l1.kvm.paging_in_effect)"
	check "$mode: L1's CPU model offers NPT" "$([ $mode = nested ] && echo true || echo false)" "$(j $mode .l1.cpu.npt)"
	check "$mode: L1 sees SVM" true "$(j $mode .l1.cpu.svm)"
	check "$mode: L1 errors" 0 "$(j $mode '.l1.errors | length')"
	check "$mode: l1-shim's held VM (--l1-kvm-hold in nested mode only)" \
		"$([ $mode = nested ] && echo "true vm and vcpu 0" || echo "false null")" \
		"$(j $mode '.l1.kvm | "\(.hold_requested) \(.hold)"')"
	check "$mode: mcf L2 checksum is the native one" "$mcf8" "$(j $mode '.l1.l2[0].result.result.checksum')"
	check "$mode: ptrchase L2 checksum is the native one" "$pc8x2" "$(j $mode '.l1.l2[1].result.result.checksum')"
	check "$mode: both L2 exited 0" "0 0" "$(j $mode '[.l1.l2[].exit_status] | map(tostring) | join(" ")')"
	# release=1 (nested mode only): the L2's nestlab in L1 dropped mcf's
	# arena from L1's memory
	rel="1 8388608"
	[ $mode = shadow ] && rel="0 0"
	check "$mode: the mcf L2 gave back (records, bytes) in L1" "$rel" \
		"$(j $mode '.l1.l2[0].result.guest.given_back | "\(.records) \(.bytes)"')"
	[ $mode = nested ] && check "$mode: of it, resident in L1 until then: more than none, at most all" true \
		"$(j $mode '.l1.l2[0].result.guest.given_back | .resident_bytes > 0 and .resident_bytes <= .bytes')"
	check "$mode: the ptrchase L2 (no release) gave nothing back" 0 \
		"$(j $mode '.l1.l2[1].result.guest.given_back.records')"
	# the KVM statistics each level kept: L1's for each L2 (1 vCPU), L0's for L1 (2)
	for i in 0 1; do
		p=$(vcpu_stats_problems "$f" 1 ".l1.l2[$i].result") && ok "$mode: L2 $i's per-vCPU KVM statistics from L1" ||
			bad "$mode: L2 $i's statistics: $(echo "$p" | tr '\n' ';')"
	done
	p=$(vcpu_stats_problems "$f" 2 .l0_view) && ok "$mode: L1's per-vCPU KVM statistics from L0" ||
		bad "$mode: L0's statistics for L1: $(echo "$p" | tr '\n' ';')"
	# L1's own KVM counters for its L2s: guest page faults are intercepted
	# (and handled by L1's shadow MMU) only under shadow paging
	pfg=$(j $mode '[.l1.l2[].result.kvm_stats.vcpus[].stats.pf_guest] | add')
	echo "     $mode: L1 KVM pf_guest over both L2s: $pfg; pf_fixed: $(j $mode '[.l1.l2[].result.kvm_stats.vcpus[].stats.pf_fixed] | add')"
	if [ $mode = shadow ]; then
		[ "${pfg:-0}" -gt 0 ] 2>/dev/null && ok "shadow: L1 intercepts L2 page faults (pf_guest $pfg)" || bad "shadow: pf_guest '$pfg'"
	else
		check "nested: L1 intercepts no L2 page faults (pf_guest)" 0 "$pfg"
	fi
	n=$(j $mode '[.l1.l2[0].exit_trace.events.kvm_exit // {} | .[].count] | add // 0')
	[ "${n:-0}" -gt 0 ] 2>/dev/null && ok "$mode: L1 traced $n exits of L2 0" || bad "$mode: no traced exits for L2 0 ($(j $mode '.l1.trace_error'))"
	check "$mode: L0's view of L1 is there" exited "$(j $mode .l0_view.outcome)"
	# L0's own trace (--trace-l0, docs/exit-multiplication.md): the L0 exits
	# attributed to L2 exits are some of L0's exits for L1, never more
	m=".l0_trace.multiplication"
	check "$mode: L0 traced, without error" "true null" "$(j $mode '"\(.l0_trace.exits.exits > 0) \(.l0_trace.error)"')"
	check "$mode: L0 exits inside L2-exit intervals <= L0's exits for L1" true \
		"$(j $mode "$m.l0_exits_in_intervals > 0 and $m.l0_exits_in_intervals <= $m.l0_exits_total and $m.l0_exits_total == .l0_trace.exits.exits")"
	check "$mode: every L2 exit L0 reflected is closed, cut or dropped" true \
		"$(j $mode "$m | .l2_exits_reflected == .intervals_closed + .intervals_unclosed + .intervals_dropped_lost")"
	echo "     $mode: multiplication: $(j $mode "[$m.by_reason[:4][] | \"\(.reason) x\(.count): \(.l0_exits.mean * 100 | round / 100) L0 exits, \(.l0_ns.mean / 1000 | round) us L0, \(.l1_ns.mean / 1000 | round) us L1\"] | join(\"; \")")"
	tl=$w/out/$mode-timeline.json
	check "$mode: the timeline parses, with slices on L0, L1 and L2 tracks" "true true true" \
		"$(jq -r '[.traceEvents[] | select(.ph == "X") | .pid] as $p | "\($p | index(1) != null) \($p | index(2) != null) \($p | index(3) != null)"' "$tl" 2>/dev/null)"
	n=$(jq -r '[.traceEvents[] | select(.ph == "X" and (.name | startswith("userspace: ")))] | length' "$tl" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] 2>/dev/null && ok "$mode: the timeline shows L0's nestlab in userspace ($n slices)" ||
		bad "$mode: no userspace slice in the timeline ('$n')"
	check "$mode: the timeline says what it dropped" true \
		"$(jq -r '.otherData | .events_written > 0 and .events_dropped >= 0 and .max_events == 200000' "$tl" 2>/dev/null)"
done
# What L2 page faults cost at L0 (docs/exit-multiplication.md). Per
# reflected exit the two modes are close, and on 2026-12-07 nested was the
# dearer (6.3 L0 exits per npf against 5.2 per #PF for ptrchase: L1's
# writes to its NPT fault in L0's shadow of it). But shadow reflects about
# two exits per L2 fault and nested one, and nested's other npf L0 fixes
# alone; so per L2 demand fault, counting the reflected exit itself, the
# exits L0 handled alone and every L0 exit inside the intervals, shadow
# costs L0 more. That is what is checked; the per-exit means are shown.
pfcost() { # mode -> L0 exits per L2 demand fault
	j "$1" '(.l0_trace.multiplication) as $m | ([.l1.l2[].result.result.page_faults // 0] | add) as $f |
		([$m.by_reason[] | select(.reason == "PF excp" or .reason == "EXCEPTION_NMI" or
			.reason == "npf" or .reason == "EPT_VIOLATION") | .count * (1 + .l0_exits.mean)] | add // 0) as $r |
		(($m.handled_by_l0_alone.npf // 0) + ($m.handled_by_l0_alone.EPT_VIOLATION // 0)) as $a |
		if $f > 0 then (($r + $a) / $f * 100 | round / 100) else 0 end'
}
pfmean() { # mode -> L0 exits per reflected L2 page-fault exit
	j "$1" '[.l0_trace.multiplication.by_reason[] | select(.reason == "PF excp" or .reason == "EXCEPTION_NMI" or
		.reason == "npf" or .reason == "EPT_VIOLATION")][0].l0_exits.mean // 0 | . * 100 | round / 100'
}
pf_s=$(pfcost shadow) pf_n=$(pfcost nested)
echo "     L0 exits per reflected L2 page-fault exit: shadow $(pfmean shadow), nested $(pfmean nested)"
awk -v s="$pf_s" -v n="$pf_n" 'BEGIN { exit !(s > n && n > 0) }' &&
	ok "L0 exits per L2 demand fault: shadow $pf_s > nested $pf_n" ||
	bad "L0 exits per L2 demand fault: shadow '$pf_s', nested '$pf_n' (expected shadow > nested > 0)"

check "overcommit: nestlab exit status" 0 "$(cat "$w/out/$oc.rc" 2>/dev/null)"
check "overcommit: L2 memory / L1 memory" 1.5 "$(j $oc .overcommit.l2_sum_over_l1_mem)"
check "overcommit: zram swap on in L1" true "$(j $oc .l1.memory.swap_on)"
po=$(j $oc '.l1.vmstat_delta.pswpout // 0')
[ "${po:-0}" -gt 0 ] 2>/dev/null && ok "overcommit: L1 swapped out $po pages" || bad "overcommit: no swap-out recorded ($po)"
check "overcommit: two L2s" 2 "$(j $oc '.l1.l2 | length')"
for i in 0 1; do
	check "overcommit: L2 $i touch checksum is the native one" "$touch64" "$(j $oc ".l1.l2[$i].result.result.checksum")"
done
grep -q "warning: the L2 VMs' memory" "$w/out/$oc.out" && ok "overcommit: L0 warned" || bad "overcommit: no warning"
# memory over time (docs/results.md): each L2's nestlab in L1 sampled its L2
# against L1, in time order, and L1's swap-outs show up in the series
for i in 0 1; do
	ms=".l1.l2[$i].result.memory_series"
	n=$(j $oc "$ms.samples | length")
	[ "${n:-0}" -ge 3 ] 2>/dev/null && ok "overcommit: L2 $i's memory over time in L1 ($n samples)" || bad "overcommit: L2 $i: $n samples"
	check "overcommit: L2 $i's samples in time order" true "$(j $oc "[$ms.samples[][0]] | . == sort and length == (unique | length)")"
	check "overcommit: L2 $i's series: L1's swap-outs rise during the run" true \
		"$(j $oc "[$ms.samples[][6]] | .[-1] > .[0]")"
	check "overcommit: L2 $i's series: its memory resident in L1 grew" true \
		"$(j $oc "[$ms.samples[][1]] | max > .[0]")"
done
n=$(j $oc '.l0_view.memory_series.samples | length')
[ "${n:-0}" -ge 3 ] 2>/dev/null && ok "overcommit: L1's memory over time at L0 ($n samples)" || bad "overcommit: L1 at L0: $n samples"

# zswap in L1 (docs/nested.md): asked, read back as the kernel has it, and
# the pages L1 swapped out went through it, with both L2 results kept.
zs=zswap
check "zswap: nestlab exit status" 0 "$(cat "$w/out/$zs.rc" 2>/dev/null)"
check "zswap: asked, and on in L1 (read back)" "true Y" \
	"$(j $zs '.l1.memory_techniques | "\(.zswap_requested) \(.zswap_enabled)"')"
check "zswap: L1 kernel's compressor and pool" "lzo zbud" \
	"$(j $zs '.l1.memory_techniques | "\(.zswap_compressor) \(.zswap_zpool)"')"
zo=$(j $zs '.l1.vmstat_delta.zswpout // 0')
[ "${zo:-0}" -gt 0 ] 2>/dev/null && ok "zswap: L1 stored $zo pages in zswap (zswpout; pswpout $(j $zs '.l1.vmstat_delta.pswpout // 0'))" ||
	bad "zswap: no page went to zswap (zswpout '$zo')"
for i in 0 1; do
	check "zswap: L2 $i touch checksum is the native one" "$touch64" "$(j $zs ".l1.l2[$i].result.result.checksum")"
done
# L1's swap on the virtio disk (--l1-swap-device disk): L1 swaps to
# /dev/vda, and what L0's nestlab wrote to the disk's file is what L1
# swapped out (its pages, plus the swap header), read back likewise.
sd=swapdisk
# With a 1-vCPU L1 (nested_runs.sh says why) every check must hold: both
# L2s finish with the native checksum, and L1 swapped.
check "swapdisk: L1's document came back" nestlab-l1/1 "$(j $sd .l1.schema)"
check "swapdisk: nestlab exit status" 0 "$(cat "$w/out/$sd.rc" 2>/dev/null)"
check "swapdisk: L1 swaps on the virtio disk (read back from /proc/swaps)" "disk /dev/vda true" \
	"$(j $sd '.l1.memory | "\(.swap_device_requested) \(.swap_device) \(.swap_on)"')"
check "swapdisk: L0's disk: a temporary file of --l1-swap's size, driver up, no errors" \
	"true 268435456 true 0 0 0" \
	"$(j $sd '.l0_view.disk | "\(.temporary) \(.bytes) \(.driver_ok) \(.guest_errors) \(.io_errors) \(.requests.bad)"')"
po=$(j $sd '.l1.vmstat_delta.pswpout // 0') pi=$(j $sd '.l1.vmstat_delta.pswpin // 0')
bw=$(j $sd '.l0_view.disk.bytes_written // 0') br=$(j $sd '.l0_view.disk.bytes_read // 0')
[ "${po:-0}" -gt 0 ] 2>/dev/null && ok "swapdisk: L1 swapped ($po pages out)" ||
	bad "swapdisk: L1 swapped nothing out ('$po')"
[ "$bw" -ge $((po * 4096)) ] 2>/dev/null &&
	ok "swapdisk: L1 swapped out $po pages and L0 wrote $bw bytes to the disk (>= $((po * 4096)))" ||
	bad "swapdisk: pswpout $po against $bw bytes written at L0"
[ "$br" -ge $((pi * 4096)) ] 2>/dev/null && ok "swapdisk: L1 swapped in $pi pages and L0 read $br bytes (>= $((pi * 4096)))" ||
	bad "swapdisk: pswpin $pi against $br bytes read at L0"
for i in 0 1; do
	check "swapdisk: L2 $i exit status" 0 "$(j $sd ".l1.l2[$i].exit_status")"
	check "swapdisk: L2 $i touch checksum is the native one" "$touch64" "$(j $sd ".l1.l2[$i].result.result.checksum")"
done
check "overcommit (zram): no disk at L0, L1 swaps on zram" "null /dev/zram0" \
	"$(j $oc '"\(.l0_view.disk) \(.l1.memory.swap_device)"')"
check "overcommit (no zswap): zswap left off in L1" "false N" \
	"$(j $oc '.l1.memory_techniques | "\(.zswap_requested) \(.zswap_enabled)"')"

# KSM and THP in L1 (docs/nested.md): asked, read back, and seen working.
# A failed first run is said, with its L2s' errors, and its retry checked.
ks=ksm
if [ "$(cat "$w/out/ksm.rc" 2>/dev/null)" != 0 ] && [ -e "$w/out/ksm-retry.rc" ]; then
	echo "note - ksm: the first run failed (exit $(cat "$w/out/ksm.rc")); its L2s said:" >&2
	j ksm '.l1.l2[] | "  | L2 \(.index): exit \(.exit_status) \(.result.outcome // "-"): \(.result.message // .stderr_tail // "")"' >&2
	ks=ksm-retry
fi
check "ksm: nestlab exit status" 0 "$(cat "$w/out/$ks.rc" 2>/dev/null)"
check "ksm: L1's ksmd runs" 1 "$(j $ks .l1.memory_techniques.ksm_run)"
check "ksm: L1's pages_to_scan" 4000 "$(j $ks .l1.memory_techniques.ksm_pages_to_scan)"
check "ksm: L1's THP mode" never "$(j $ks .l1.memory_techniques.thp_enabled)"
for i in 0 1; do
	check "ksm: L2 $i's memory marked mergeable in L1" true "$(j $ks ".l1.l2[$i].result.memory_techniques.ksm_mergeable")"
	check "ksm: L2 $i's nestlab asked for no huge pages" off "$(j $ks ".l1.l2[$i].result.memory_techniques.thp_asked")"
	check "ksm: L2 $i's checksum is the native one" "$pc16x8" "$(j $ks ".l1.l2[$i].result.result.checksum")"
done
sh=$(j $ks '[.l1.l2[].result.memory_series.samples[][9]] | max')
[ "${sh:-0}" -gt 0 ] 2>/dev/null && ok "ksm: L1 merged the identical L2s' pages (pages_sharing up to $sh)" ||
	bad "ksm: pages_sharing stayed '$sh' (end: $(j $ks .l1.memory_techniques.ksm_pages_sharing_end))"
check "ksm: no huge page allocated in L1 while the L2s ran (thp_fault_alloc)" 0 \
	"$(j $ks '[.l1.l2[].result.memory_series.samples | .[-1][8] - .[0][8]] | max')"
# the control: THP always in L1 (the nested scenario), the L2s' memory
# madvised for huge pages by their nestlab, so L1 allocates some
check "nested: L1's THP mode as asked" always "$(j nested .l1.memory_techniques.thp_enabled)"
ta=$(j nested '[.l1.l2[].result.memory_series.samples | .[-1][8] - .[0][8]] | max')
[ "${ta:-0}" -gt 0 ] 2>/dev/null && ok "nested: with THP on, L1 allocated huge pages while its L2s ran ($ta)" ||
	bad "nested: THP always in L1 but thp_fault_alloc rose by '$ta'"

check "crash: nestlab exit status (an L2 failed)" 1 "$(cat "$w/out/crash.rc" 2>/dev/null)"
check "crash: L2 0 outcome" triple-fault "$(j crash '.l1.l2[0].result.outcome')"
check "crash: L2 0 nestlab exit status" 1 "$(j crash '.l1.l2[0].exit_status')"
check "crash: L2 1 still exited 0" 0 "$(j crash '.l1.l2[1].exit_status')"
check "crash: L2 1 checksum kept" "$pc8" "$(j crash '.l1.l2[1].result.result.checksum')"

if [ "$fails" != 0 ]; then
	for f in "$w"/out/*.out; do
		echo "--- $(basename "$f")"
		tail -15 "$f"
	done
fi
tally
