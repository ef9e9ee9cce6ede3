# Runs inside the testbed for bench/nested.sh: each workload as a flat VM
# at L0, then as the only L2 of an L1 in shadow and in nested paging,
# alternating, REPS times. Writes /out/MODE-WORKLOAD-REP.json. With TAG
# "trace", L1 traces its KVM's exits per L2 (files MODE-WORKLOAD-trace.json);
# tracing costs time, so timed runs are never traced.
# Bash builtins only (the testbed has no coreutils).
#   usage: bash nested_inner.sh DIR REPS time|trace SPEC...   SPEC: WORKLOAD:FOOTPRINT:MEM:ITERS
d=$1 reps=$2 tag=$3
shift 3
tr=()
[ "$tag" = trace ] && tr=(--trace-exits)
for ((r = 1; r <= reps; r++)); do
	for spec in "$@"; do
		IFS=: read -r wl fp mem it <<<"$spec"
		n=$r
		[ "$tag" = trace ] && n=trace
		echo "nested_inner: rep $r $wl flat"
		"$d/nestlab" run --kernel "$d/guest-kernel" --mem "$mem" --quiet \
			--cmdline "workload=$wl footprint=$fp iters=$it" \
			--json "/out/flat-$wl-$n.json" >/dev/null 2>"/out/flat-$wl-$n.err"
		for mode in shadow nested; do
			echo "nested_inner: rep $r $wl $mode"
			"$d/nestlab" nested --kernel "$d/l1-kernel" --initrd "$d/l1.cpio" \
				--l1-mem 256M --l1-cpus 1 --paging "$mode" "${tr[@]}" --quiet \
				--l2 "workload=$wl,footprint=$fp,mem=$mem,iters=$it" \
				--json "/out/$mode-$wl-$n.json" >/dev/null 2>"/out/$mode-$wl-$n.err"
		done
	done
done
