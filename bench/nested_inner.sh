# Runs inside the testbed for bench/nested.sh: each workload as a flat VM
# at L0, then as the only L2 of an L1 in shadow and in nested paging,
# alternating, REPS times. Writes /out/MODE-WORKLOAD-REP.json.
# Bash builtins only (the testbed has no coreutils).
#   usage: bash nested_inner.sh DIR REPS SPEC...   SPEC: WORKLOAD:FOOTPRINT:MEM:ITERS
d=$1 reps=$2
shift 2
for ((r = 1; r <= reps; r++)); do
	for spec in "$@"; do
		IFS=: read -r wl fp mem it <<<"$spec"
		echo "nested_inner: rep $r $wl flat"
		"$d/nestlab" run --kernel "$d/guest-kernel" --mem "$mem" --quiet \
			--cmdline "workload=$wl footprint=$fp iters=$it" \
			--json "/out/flat-$wl-$r.json" >/dev/null 2>"/out/flat-$wl-$r.err"
		for mode in shadow nested; do
			echo "nested_inner: rep $r $wl $mode"
			"$d/nestlab" nested --kernel "$d/bzImage" --initrd "$d/l1.cpio" \
				--l1-mem 256M --l1-cpus 1 --paging "$mode" --trace-exits --quiet \
				--l2 "workload=$wl,footprint=$fp,mem=$mem,iters=$it" \
				--json "/out/$mode-$wl-$r.json" >/dev/null 2>"/out/$mode-$wl-$r.err"
		done
	done
done
