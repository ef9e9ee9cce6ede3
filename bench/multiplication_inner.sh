# Runs inside the testbed for bench/multiplication.sh: each workload as
# the only L2 of a 1-vCPU L1 in each L1->L2 paging mode, untraced and then
# with L0 traced (--trace-l0, and its timeline), alternating, so the
# tracing's cost is measured side by side. Writes /out/MODE-WORKLOAD-TAG.json
# (TAG plain or traced) and MODE-WORKLOAD-timeline.json; MODE-WORKLOAD-TAG.retried
# when a first try failed.
# Bash builtins only (the testbed has no coreutils).
#   usage: bash multiplication_inner.sh DIR TIMELINE_MAX SPEC...   SPEC: WORKLOAD:FOOTPRINT:MEM:ITERS
d=$1 tlmax=$2
shift 2
for spec in "$@"; do
	IFS=: read -r wl fp mem it <<<"$spec"
	for mode in shadow nested; do
		for tag in plain traced; do
			tr=()
			[ "$tag" = traced ] && tr=(--trace-l0 --timeline "/out/$mode-$wl-timeline.json"
				--timeline-max-events "$tlmax")
			# a run whose L1 died (the testbed's known flakes: an L1
			# triple fault, a stall) is run once more, and said so
			for try in 1 2; do
				echo "multiplication_inner: $wl $mode $tag (try $try)"
				"$d/nestlab" nested --kernel "$d/l1-kernel" --initrd "$d/l1.cpio" \
					--l1-mem 256M --l1-cpus 1 --paging "$mode" "${tr[@]}" --quiet \
					--l2 "workload=$wl,footprint=$fp,mem=$mem,iters=$it" \
					--json "/out/$mode-$wl-$tag.json" >/dev/null 2>"/out/$mode-$wl-$tag.err"
				rc=$?
				echo "multiplication_inner: $wl $mode $tag exit $rc"
				[ "$rc" = 0 ] && break
				[ "$try" = 1 ] && printf 'exit %s: %s\n' "$rc" "$(<"/out/$mode-$wl-$tag.err")" >"/out/$mode-$wl-$tag.retried"
			done
		done
	done
done
