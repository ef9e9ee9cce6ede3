# One run of the paper reproduction (bench/paper.sh), on the host or inside
# the testbed. Bash builtins only: the testbed has no coreutils.
#   usage: bash paper_run.sh DIR OUT CONFIG WORKLOAD VM_MEM L1_MEM L1_CPUS FOOTPRINT ITERS VMS L1_SWAP TIMEOUT [GUEST [RESIDENT [L1_KSM [L1_ZSWAP [L0_TRACE]]]]]
# DIR holds nestlab, guest-kernel, l1-kernel (vmlinux or bzImage), l1.cpio,
# and for GUEST linux l2-kernel (a bzImage), l2.cpio (the L2 initramfs) and
# l1-linux.cpio (L1's initramfs carrying both). CONFIG: flat (VMS VMs
# straight on this host, at once), shadow | nested | sos (VMS L2s in one L1;
# sos is shadow in L1 on a shadow-paging L0). GUEST: kernel (guest-kernel,
# the default) or linux (docs/guest-linux.md: WORKLOAD's program, gobmk
# being GNU Go). RESIDENT: guest-kernel's OS share, per cent (resident=,
# docs/guest-kernel.md; 0, the default, is none). L1_KSM: KSM in L1 with that
# pages_to_scan (nestlab nested --l1-ksm; 0, the default, leaves it off).
# L1_ZSWAP: 1 puts zswap in front of L1's zram (--l1-zswap). L0_TRACE: 1
# traces L0's KVM in a nested run (--trace-l0: the exit multiplication). Writes OUT.json and OUT.rc: a flat run's OUT.json is the
# VMs' documents joined as nestlab-flat/1 (docs/experiments.md), a nested
# run's nestlab's nestlab-nested/1.
d=$1 out=$2 config=$3 wl=$4 mem=$5 l1mem=$6 l1cpus=$7 fp=$8 iters=$9 vms=${10} swap=${11} tmo=${12:-600}
guest=${13:-kernel} res=${14:-0} ksm=${15:-0} zswap=${16:-0} l0trace=${17:-0}
case "$guest" in
kernel)
	rw="" rs=""
	[ "$res" != 0 ] && rw=" resident=$res" rs=",resident=$res"
	vm=(--kernel "$d/guest-kernel" --cmdline "workload=$wl footprint=$fp iters=$iters$rw")
	l1rd=$d/l1.cpio l2=(--l2 "workload=$wl,footprint=$fp,mem=$mem,iters=$iters,count=$vms$rs") ;;
linux)
	prog=$wl
	[ "$wl" = gobmk ] && prog=gnugo
	# the words l2spec gives a nested Linux L2 (docs/guest-linux.md), so a
	# flat VM runs exactly what an L2 does
	vm=(--kernel "$d/l2-kernel" --initrd "$d/l2.cpio" --cmdline
		"console=ttyS0 quiet panic=-1 pci=off nl2.program=$prog nl2.size=$fp nl2.iters=$iters nl2.seed=1 nl2.fail=none")
	l1rd=$d/l1-linux.cpio
	l2=(--l2 "guest=linux,workload=$prog,footprint=$fp,mem=$mem,iters=$iters,count=$vms") ;;
*) echo "paper_run: GUEST is kernel or linux, not '$guest'" >&2; echo 2 >"$out.rc"; exit 2 ;;
esac
if [ "$config" = flat ]; then
	pids=()
	for ((i = 0; i < vms; i++)); do
		# an earlier attempt's document would stand in for a VM that writes
		# none; emptied (no rm here), it reads as none below
		: >"$out.vm$i.json"
		"$d/nestlab" run "${vm[@]}" --mem "$mem" --quiet --timeout "$tmo" \
			--json "$out.vm$i.json" >/dev/null 2>"$out.vm$i.err" &
		pids+=($!)
	done
	rc=0
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	{
		printf '{"schema": "nestlab-flat/1", "vms": ['
		for ((i = 0; i < vms; i++)); do
			((i)) && printf ','
			if [ -s "$out.vm$i.json" ]; then printf '%s' "$(<"$out.vm$i.json")"; else printf 'null'; fi
		done
		printf ']}\n'
	} >"$out.json"
	echo "$rc" >"$out.rc"
	exit 0
fi
paging=$config
[ "$config" = sos ] && paging=shadow
sw=()
[ "$swap" != 0 ] && sw=(--l1-swap "$swap")
[ "$ksm" != 0 ] && sw+=(--l1-ksm "$ksm")
[ "$zswap" = 1 ] && [ "$swap" != 0 ] && sw+=(--l1-zswap)
[ "$l0trace" = 1 ] && sw+=(--trace-l0)
"$d/nestlab" nested --kernel "$d/l1-kernel" --initrd "$l1rd" --l1-mem "$l1mem" \
	--l1-cpus "$l1cpus" --paging "$paging" "${sw[@]}" --quiet --timeout "$tmo" \
	"${l2[@]}" --json "$out.json" >"$out.out" 2>&1
echo $? >"$out.rc"
