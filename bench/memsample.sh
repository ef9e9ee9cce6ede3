#!/bin/bash
# What memory over time costs (issue 11's benchmark): the same flat VM run
# with --mem-sample 250 (the default) and with --mem-sample 0, alternating,
# REPS times each, in one testbed boot (or straight on this host when it
# has /dev/kvm: WHERE=direct); the ratio of the medians of the workload's
# time and of the run's wall time. Target: under 2% slower.
# usage: bench/memsample.sh BUILD_DIR OUT_DIR [REPS] [WORKLOAD:FOOTPRINT:ITERS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
. "$here/lib.sh"
[ $# -ge 2 ] || die "usage: bench/memsample.sh BUILD_DIR OUT_DIR [REPS] [WORKLOAD:FOOTPRINT:ITERS]"
build=$(cd "$1" && pwd)
out=$2
reps=${3:-5}
spec=${4:-ptrchase:32M:4}
IFS=: read -r wl fp it <<<"$spec"
command -v jq >/dev/null || die "jq is missing"
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
cd "$tree" || exit 1
w=$(mktemp -d "$tree/build/memsample-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT
rel=${w#"$tree"/}
cp "$build/vmm/nestlab" "$build/guest-kernel/guest-kernel" "$w/"
# inside the testbed: bash builtins only
cat >"$w/runs.sh" <<EOF
d=\$1 o=\$2
for ((r = 1; r <= $reps; r++)); do
	for ms in 250 0; do
		"\$d/nestlab" run --kernel "\$d/guest-kernel" --mem $(( ${fp%M} + ${fp%M} / 8 + 64 ))M --quiet \\
			--mem-sample \$ms --cmdline "workload=$wl footprint=$fp iters=$it" \\
			--json "\$o/r\$r-ms\$ms.json" >/dev/null 2>&1
		echo \$? >"\$o/r\$r-ms\$ms.rc"
	done
done
EOF
if [ "${WHERE:-testbed}" = direct ]; then
	bash "$w/runs.sh" "$w" "$out/runs"
else
	testbed --quiet --mem 1G --timeout 1500 --build "$build" \
		--files "$rel /bin/bash" --out "$out/runs" -- /bin/bash "$rel/runs.sh" "/work/$rel" /out \
		>"$out/testbed.log" 2>&1 || die "the testbed run failed (exit $?): $(tail -3 "$out/testbed.log")"
fi
med() { # ms jq-expression
	for ((r = 1; r <= reps; r++)); do jq -r "$2" "$out/runs/r$r-ms$1.json"; done | median
}
for ms in 250 0; do
	for ((r = 1; r <= reps; r++)); do
		[ "$(cat "$out/runs/r$r-ms$ms.rc")" = 0 ] || die "run r$r --mem-sample $ms failed"
	done
done
wl_on=$(med 250 '.time.workload_ns / 1e9') wl_off=$(med 0 '.time.workload_ns / 1e9')
wa_on=$(med 250 '.time.wall_ns / 1e9') wa_off=$(med 0 '.time.wall_ns / 1e9')
n_on=$(med 250 '.memory_series.samples | length')
{
	echo "# memory sampling cost, $wl $fp x$it, $reps reps each, alternating, ${WHERE:-testbed} ($(date -u +%F))"
	echo "workload_s sampled $wl_on, not sampled $wl_off, ratio $(ratio "$wl_on" "$wl_off")"
	echo "wall_s     sampled $wa_on, not sampled $wa_off, ratio $(ratio "$wa_on" "$wa_off")"
	echo "samples per sampled run (median): $n_on"
} | tee "$out/summary.txt"
