#!/bin/bash
# Flat VM against native, same machine, same run: each workload at one
# footprint, native and in a nestlab VM alternately, REPS times; the ratio
# of medians per workload, with the guest's fault counts and nestlab's own
# memory and start-up time beside them.
# usage: bench/flat.sh BUILD_DIR OUT_DIR [FOOTPRINT] [REPS] [PAGING] [PAGE_SIZE]
# PAGING is guest-kernel's policy (demand|prebuilt), PAGE_SIZE 4K|2M.
set -eu
here=$(dirname "$0")
. "$here/lib.sh"
build=$1
out=$2
fp=${3:-256M}
reps=${4:-3}
paging=${5:-demand}
psize=${6:-4K}
workloads=${WORKLOADS:-"mcf bzip2 gobmk hmmer ptrchase touch"}
nl=$build/vmm/nestlab
gk=$build/guest-kernel/guest-kernel
native=$build/workloads/nestlab-workload
mkdir -p "$out"
fpb=$(numfmt --from=iec "$fp")
mem=$(( (fpb + fpb / 8 + (64 << 20)) >> 20 ))M
tag=$paging-$psize
csv="$out/flat-$tag.csv"
echo "workload,rep,footprint,native_s,vm_s,vm_wall_s,guest_faults,fault_s,first_insn_us,vmm_rss_kb,checksum_native,checksum_vm" >"$csv"
# Iterations per workload: enough work that each is CPU- or memory-bound
# as its SPEC counterpart, not bound by the first touch of its arena.
iters_of() {
	case $1 in
	gobmk) echo "${GOBMK_ITERS:-10}" ;;
	ptrchase) echo 2 ;;
	*) echo 1 ;;
	esac
}
for w in $workloads; do
	cmd="workload=$w footprint=$fp iters=$(iters_of "$w") seed=1"
	for i in $(seq "$reps"); do
		line=$("$native" "$cmd") || die "native $w failed"
		ns=$(sed -n 's/.*seconds=\([0-9.e+-]*\).*/\1/p' <<<"$line")
		nc=$(sed -n 's/.*checksum=\(0x[0-9a-f]*\).*/\1/p' <<<"$line")
		j="$out/flat-$tag-$w-$i.json"
		"$nl" run --kernel "$gk" --mem "$mem" --cmdline "$cmd" --guest-paging "$paging" \
			--guest-page-size "$psize" \
			--quiet --json "$j" || die "nestlab $w failed (see $j)"
		jq -r --arg w "$w" --arg i "$i" --arg fp "$fp" --arg ns "$ns" --arg nc "$nc" \
			'[$w, $i, $fp, $ns, .time.workload_ns / 1e9, .time.wall_ns / 1e9,
			  .result.page_faults,
			  (if .host.tsc_khz > 0 then .result.fault_cycles / (.host.tsc_khz * 1000) else 0 end),
			  .time.process_to_first_insn_ns / 1000, .process.vmm_rss_kb, $nc, .result.checksum] | @csv' \
			"$j" | tr -d '"' >>"$csv"
	done
done
echo "flat VM / native at footprint $fp, guest paging $paging with $psize pages, median of $reps:"
printf "  %-9s %10s %10s %7s %9s %9s\n" workload native_s vm_s ratio faults fault_s
for w in $workloads; do
	rows=$(grep "^$w," "$csv")
	n=$(cut -d, -f4 <<<"$rows" | median)
	v=$(cut -d, -f5 <<<"$rows" | median)
	f=$(cut -d, -f7 <<<"$rows" | median)
	fs=$(cut -d, -f8 <<<"$rows" | median)
	same=$(awk -F, '$11 != $12 { bad = 1 } END { print bad ? "CHECKSUM MISMATCH" : "" }' <<<"$rows")
	printf "  %-9s %10.3f %10.3f %7s %9s %9.3f %s\n" "$w" "$n" "$v" "$(ratio "$v" "$n")" "$f" "$fs" "$same"
done
echo "  nestlab resident memory (median): $(cut -d, -f10 "$csv" | tail -n +2 | median) KiB; process start to first guest instruction: $(cut -d, -f9 "$csv" | tail -n +2 | median) us"
