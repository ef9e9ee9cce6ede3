# shellcheck shell=bash
# Runs inside the testbed for bench/flakes.sh: the same L1 (Debian's kernel
# with l1-shim) and the same two L2s, booted PAIRS times by nestlab and
# PAIRS times by QEMU as L1's VMM, alternating (which of the two goes first
# alternates too), each run classified by how it ended. Appends one line
# per run to /out/flakes.tsv (and to the console): pair, vmm, outcome,
# seconds; keeps each run's
# output as /out/PAIR-VMM.out (QEMU: L1's console and QEMU's reset log).
# Bash builtins only but the programs DIR brings (the testbed has no
# coreutils).
#   usage: bash flakes_inner.sh DIR FIRST PAIRS MODE LIMIT HOLD L1
#   DIR holds nestlab, l1-kernel, l1.cpio, timeout (and truncate for
#   swapdisk); MODE is L1's paging (shadow|nested); LIMIT each run's
#   watchdog in seconds; HOLD 1 for --l1-kvm-hold (QEMU's L1 gets it
#   too, on the command line), or alt: no QEMU, nestlab without the hold
#   against nestlab with it ("nestlab-hold"), alternating; L1 small (testbed-nested's
#   small L1 and L2s, the default) or swapdisk (its swapdisk scenario with
#   two L1 vCPUs: L1 swaps on a virtio disk, nestlab's or QEMU's).
# Under testbed.sh --catch-shutdown, L0's trace a run's triple fault
# stopped is kept as /out/NAME.l0shutdown, and the catcher re-armed.
d=$1 first=$2 pairs=$3 mode=$4 limit=$5 hold=${6:-0} l1=${7:-small}
# shellcheck disable=SC2054 # the commas are inside each L2 spec
case "$l1" in
swapdisk)
	# 1.5x overcommit on a 256M swap disk; QEMU's disk is virtio-mmio on
	# its microvm machine (L1's initramfs has virtio_mmio, not virtio_pci)
	l1mem=160M l1opt=(--l1-swap 256M --l1-swap-device disk)
	l2s=(--l2 workload=touch,footprint=64M,mem=120M,count=2) ;;
*)
	l1mem=256M l1opt=()
	l2s=(--l2 workload=mcf,footprint=8M,mem=32M --l2 workload=ptrchase,footprint=8M,mem=32M,iters=2) ;;
esac
nl2=2
hopt=()
[ "$hold" = 1 ] && hopt=(--l1-kvm-hold)
arms=(nestlab qemu)
[ "$hold" = alt ] && arms=(nestlab nestlab-hold)
tr=/sys/kernel/tracing
armed=0
if [ -r $tr/events/kvm/kvm_exit/trigger ]; then
	while IFS= read -r l; do case "$l" in traceoff*) armed=1 ;; esac; done <$tr/events/kvm/kvm_exit/trigger
fi
catch_begin() { [ $armed = 1 ] || return 0; : >$tr/trace; echo 1 >$tr/tracing_on; }
catch_end() { # name: a stopped buffer is this run's triple fault
	local on=1
	[ $armed = 1 ] || return 0
	read -r on <$tr/tracing_on
	[ "$on" = 0 ] || return 0
	printf '%s\n' "$(<$tr/trace)" >"/out/$1.l0shutdown"
	echo "flakes_inner: $1: a shutdown exit stopped L0's trace: /out/$1.l0shutdown"
}
# nestlab hides NPT from a shadow-paging L1 (docs/nested.md); so does QEMU
cpu=host
[ "$mode" = shadow ] && cpu=host,-npt

# how a run ended, from its output: ok (L1's document with every L2 at
# exit 0), l2-failed, l1-triple-fault, l1-panic, stall (the watchdog, once
# l1-shim ran), l1-boot-stall (the watchdog, L1's kernel never reached
# l1-shim), l1-reset (QEMU) or other
classify() { # vmm rc file
	local vmm=$1 rc=$2 f=$3 l tf=0 panic=0 doc=0 l2ok=0 shim=0
	while IFS= read -r l; do
		case "$l" in
		*"nestlab: triple-fault: "*) tf=1 ;;
		*"Kernel panic - not syncing"*) panic=1 ;;
		*"l1-shim: L2 "*": nestlab exit 0, "*) l2ok=$((l2ok + 1)) ;;
		*"l1-shim: nestlab L1 /init"*) shim=1 ;;
		# (L1's own last console line may be cut short when it exits)
		*"nestlab: nested: L1 sent its document"* | *"l1-shim: document sent to L0"* | \
			*"the document follows on the console"*) doc=1 ;;
		esac
	done <"$f"
	if [ "$doc" = 1 ]; then
		[ "$l2ok" = "$nl2" ] && echo ok || echo l2-failed
	elif [ "$tf" = 1 ]; then
		echo l1-triple-fault
	elif [ "$panic" = 1 ]; then
		echo l1-panic
	elif { [ "${vmm%-hold}" = nestlab ] && [ "$rc" = 3 ]; } || { [ "$vmm" = qemu ] && [ "$rc" = 124 ]; }; then
		# L1's kernel never reached l1-shim, or L1 stopped later
		[ "$shim" = 1 ] && echo stall || echo l1-boot-stall
	elif [ "$vmm" = qemu ]; then
		# -no-reboot: QEMU ends at the first reset, which without a
		# panic on the console is a vCPU's shutdown (triple fault); its
		# -d cpu_reset log holds the registers
		echo l1-reset
	else
		echo "other-rc$rc"
	fi
}

run_nestlab() { # name
	TMPDIR=/tmp "$d/nestlab" nested --kernel "$d/l1-kernel" --initrd "$d/l1.cpio" --l1-mem "$l1mem" \
		--l1-cpus 2 --paging "$mode" --timeout "$limit" "${l2s[@]}" "${l1opt[@]}" "${hopt[@]}" \
		--json "/out/$1.json" >"/out/$1.out" 2>&1
}

run_nestlab-hold() { # name
	local saved=("${hopt[@]}") rc
	hopt=(--l1-kvm-hold)
	run_nestlab "$1"
	rc=$?
	hopt=("${saved[@]}")
	return $rc
}

# shellcheck disable=SC2054 # QEMU's commas
run_qemu() { # name
	local rc machine=(-machine pc,accel=kvm) disk=()
	if [ "$l1" = swapdisk ]; then
		# acpi=on: the disk reaches L1 as an ACPI device (LNRO0005), as
		# nestlab's does; l1-shim loads virtio_mmio without parameters,
		# so the virtio_mmio.device= QEMU adds to the command line is
		# not used
		# (a fresh, sparse file each run; no rm in the testbed)
		"$d/truncate" -s 0 /tmp/flakes-swap.img && "$d/truncate" -s 256M /tmp/flakes-swap.img || return 125
		machine=(-machine microvm,accel=kvm,acpi=on)
		disk=(-drive id=swap,file=/tmp/flakes-swap.img,format=raw,if=none -device virtio-blk-device,drive=swap)
	fi
	"$d/timeout" -k 5 "$limit" qemu-system-x86_64 -nodefaults -no-user-config \
		"${machine[@]}" -cpu "$cpu" -smp 2 -m "$l1mem" "${disk[@]}" \
		-kernel "$d/l1-kernel" -initrd "$d/l1.cpio" -append "$cmdline" \
		-display none -monitor none -serial "file:/out/$1.console" -no-reboot \
		-d cpu_reset -D "/out/$1.qemu.log" >"/out/$1.qemu.out" 2>&1
	rc=$?
	[ "$l1" = swapdisk ] && "$d/truncate" -s 0 /tmp/flakes-swap.img
	# the console and QEMU's own words, in one file for classify
	{
		[ -f "/out/$1.console" ] && printf '%s\n' "$(<"/out/$1.console")"
		printf '%s\n' "$(<"/out/$1.qemu.out")"
	} >"/out/$1.out"
	return $rc
}

run_tail() { # name file: its last 8 lines, as flakes-tail lines
	local l last=()
	while IFS= read -r l; do
		last+=("$l")
		[ ${#last[@]} -gt 8 ] && last=("${last[@]:1}")
	done <"$2"
	for l in "${last[@]}"; do printf 'flakes-tail\t%s\t%s\n' "$1" "${l//$'\r'/}"; done
}

# sourced (tests/scripts/test_flakes.sh tries classify): nothing runs
(return 0 2>/dev/null) && return 0
# QEMU boots the L1 nestlab boots: its command line is nestlab's
cmdline=$("$d/nestlab" nested --kernel "$d/l1-kernel" --initrd "$d/l1.cpio" --l1-mem "$l1mem" \
	--l1-cpus 2 --paging "$mode" "${l2s[@]}" "${l1opt[@]}" "${hopt[@]}" --print-cmdline) || {
	echo "flakes_inner: nestlab nested --print-cmdline failed" >&2
	exit 1
}
for ((p = first; p < first + pairs; p++)); do
	order=("${arms[@]}")
	[ $((p % 2)) = 1 ] && order=("${arms[1]}" "${arms[0]}")
	for vmm in "${order[@]}"; do
		name=$p-$vmm
		echo "flakes_inner: pair $p $vmm"
		t0=$EPOCHREALTIME
		catch_begin
		"run_$vmm" "$name"
		rc=$?
		catch_end "$name"
		t1=$EPOCHREALTIME
		us=$((${t1/./} - ${t0/./}))
		line=$(printf '%s\t%s\t%s\t%d.%03d' "$p" "$vmm" "$(classify "$vmm" "$rc" "/out/$name.out")" \
			$((us / 1000000)) $((us % 1000000 / 1000)))
		printf '%s\n' "$line" >>/out/flakes.tsv
		# and on the console, which survives a freeze of the testbed
		# that loses /out (bench/flakes.sh reads it back from there)
		printf 'flakes-result\t%s\n' "$line" >/dev/console
		# with the run's last lines, for a boot whose /out is lost
		run_tail "$name" "/out/$name.out" >/dev/console
	done
done
