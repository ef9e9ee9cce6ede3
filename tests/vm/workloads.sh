#!/bin/bash
# Every workload in a flat VM gives the native checksum, under both guest
# paging policies and both page sizes; two VMs run concurrently; the OS
# share (resident=) is resident at L0 and leaves the checksum alone; a
# footprint that cannot fit is refused by the guest with a clear message.
set -eu
. "$(dirname "$0")/lib.sh"
need_kvm
need_jq
nl=$1
gk=$2
native=$3
fp=${NESTLAB_TEST_FOOTPRINT:-4M}

vm_checksum() { # name cmdline [nestlab options...]
	local name=$1 cmd=$2
	shift 2
	run_status timeout 300 "$nl" run --kernel "$gk" --mem 64M --timeout 240 \
		--cmdline "$cmd" --json "$tmp/$name.json" "$@"
	if [ "$st" != 0 ]; then
		echo "   nestlab exited $st: $(tail -n 3 "$tmp/err")" >&2
		echo "exit-$st"
		return
	fi
	jq -r .result.checksum "$tmp/$name.json"
}

for w in mcf bzip2 gobmk hmmer ptrchase touch; do
	cmd="workload=$w footprint=$fp iters=1 seed=7"
	want=$("$native" "$cmd" | sed -n 's/^checksum=\(0x[0-9a-f]*\).*/\1/p')
	[ -n "$want" ] || { bad "$w: native run gave no checksum"; continue; }
	got=$(vm_checksum "$w-demand" "$cmd")
	expect_eq "$w in VM (demand, 4K) checksum" "$got" "$want"
	if [ "$got" = "$want" ]; then
		expect_eq "$w demand faults > 0" \
			"$(jq '.result.page_faults > 0' "$tmp/$w-demand.json")" true
		expect_eq "$w workload time measured" \
			"$(jq '.time.workload_ns > 0 and .result.cycles > 0' "$tmp/$w-demand.json")" true
	fi
done

cmd="workload=ptrchase footprint=$fp iters=2 seed=3"
want=$("$native" "$cmd" | sed -n 's/^checksum=\(0x[0-9a-f]*\).*/\1/p')
got=$(vm_checksum pb4k "$cmd" --guest-paging prebuilt)
expect_eq "ptrchase prebuilt 4K" "$got" "$want"
expect_eq "prebuilt takes no demand faults" "$(jq .result.page_faults "$tmp/pb4k.json")" 0
got=$(vm_checksum pb2m "$cmd" --guest-paging prebuilt --guest-page-size 2M)
expect_eq "ptrchase prebuilt 2M" "$got" "$want"
got=$(vm_checksum dm2m "$cmd" --guest-page-size 2M)
expect_eq "ptrchase demand 2M" "$got" "$want"
expect_eq "2M demand faults <= arena/2M" \
	"$(jq '.result.page_faults <= (.result.footprint / 2097152 + 1)' "$tmp/dm2m.json")" true

# Two VMs at once, as the paper's two hypervisor VMs.
a="workload=mcf footprint=$fp iters=1 seed=11"
b="workload=touch footprint=$fp iters=2 seed=12"
wa=$("$native" "$a" | sed -n 's/^checksum=\(0x[0-9a-f]*\).*/\1/p')
wb=$("$native" "$b" | sed -n 's/^checksum=\(0x[0-9a-f]*\).*/\1/p')
set +e
"$nl" run --kernel "$gk" --mem 64M --timeout 240 --cmdline "$a" --json "$tmp/c1.json" 2>"$tmp/c1.err" &
p1=$!
"$nl" run --kernel "$gk" --mem 64M --timeout 240 --cmdline "$b" --json "$tmp/c2.json" 2>"$tmp/c2.err" &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
set -e
expect_eq "concurrent VM 1 status" "$s1" 0
expect_eq "concurrent VM 2 status" "$s2" 0
expect_eq "concurrent VM 1 checksum" "$(jq -r .result.checksum "$tmp/c1.json")" "$wa"
expect_eq "concurrent VM 2 checksum" "$(jq -r .result.checksum "$tmp/c2.json")" "$wb"

# The OS share (resident=, docs/guest-kernel.md): half of a 64M VM
# written at boot is resident at L0, the workload's checksum is the same,
# and a share that leaves the workload no room, or above 90%, is refused.
cmd="workload=ptrchase footprint=$fp iters=1 seed=7"
want=$(vm_checksum r0 "$cmd")
expect_eq "resident=0: a checksum to compare with ($want)" "$([[ $want == 0x* ]] && echo yes)" yes
got=$(vm_checksum r50 "$cmd resident=50")
expect_eq "resident=50: the workload's checksum unchanged" "$got" "$want"
r0=$(jq .process.guest_rss_kb "$tmp/r0.json" 2>/dev/null)
r50=$(jq .process.guest_rss_kb "$tmp/r50.json" 2>/dev/null)
expect_eq "resident=50: about 32 MiB (31 at least) more of the guest resident at L0 ($r0 -> $r50 KiB)" \
	"$(jq -n --argjson a "${r0:-0}" --argjson b "${r50:-0}" '$b - $a >= 31744')" true
run_status timeout 120 "$nl" run --kernel "$gk" --mem 64M --timeout 60 \
	--cmdline "workload=touch footprint=40M resident=50" --json "$tmp/rbig.json"
expect_eq "resident=50 beside a 40M footprint in 64M: status" "$st" 1
expect_eq "  refused, naming the share" \
	"$(jq -r '.guest.abort.message | test("resident share 32M")' "$tmp/rbig.json")" true
run_status timeout 120 "$nl" run --kernel "$gk" --mem 64M --timeout 60 \
	--cmdline "workload=touch footprint=4M resident=95" --json "$tmp/r95.json"
expect_eq "resident=95: bad command line, status" "$st" 2

# Memory given back (release=1, docs/abi.md "Giving memory back"): touch
# writes all of its 32M arena; given back after the result, it is no
# longer resident at L0 when the run ends, the checksum is the same, and a
# value other than 0 or 1 is refused before boot.
cmd="workload=touch footprint=32M iters=1 seed=3"
want=$(vm_checksum rel0 "$cmd")
got=$(vm_checksum rel1 "$cmd release=1")
expect_eq "release=1: the workload's checksum unchanged" "$got" "$want"
expect_eq "release=0: nothing given back" "$(jq -c .guest.given_back "$tmp/rel0.json" 2>/dev/null)" \
	'{"records":0,"bytes":0,"resident_bytes":0}'
expect_eq "release=1: the 32M arena given back, all of it resident until then" \
	"$(jq -c .guest.given_back "$tmp/rel1.json" 2>/dev/null)" \
	'{"records":1,"bytes":33554432,"resident_bytes":33554432}'
expect_eq "release=1: no bad records" "$(jq .guest.bad_records "$tmp/rel1.json" 2>/dev/null)" 0
g0=$(jq .process.guest_rss_kb "$tmp/rel0.json" 2>/dev/null)
g1=$(jq .process.guest_rss_kb "$tmp/rel1.json" 2>/dev/null)
expect_eq "release=1: about 32 MiB (31 at least) less of the guest resident at L0 ($g0 -> $g1 KiB)" \
	"$(jq -n --argjson a "${g0:-0}" --argjson b "${g1:-0}" '$a - $b >= 31744')" true
run_status timeout 120 "$nl" run --kernel "$gk" --mem 64M --timeout 60 \
	--cmdline "$cmd release=2" --json "$tmp/rel2.json"
expect_eq "release=2: bad command line, status" "$st" 2

# A footprint larger than the guest's memory: refused inside the guest.
run_status timeout 120 "$nl" run --kernel "$gk" --mem 16M --timeout 60 \
	--cmdline "workload=touch footprint=64M" --json "$tmp/big.json"
expect_eq "oversized footprint status" "$st" 1
expect_eq "oversized footprint reported" "$(jq '.guest.abort != null' "$tmp/big.json")" true
finish
