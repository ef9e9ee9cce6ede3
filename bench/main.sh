#!/bin/bash
# The main job (README): installs dependencies, builds, and runs the flat
# experiment at a small default scale: every workload natively and in a
# flat VM, the exit round trip, and nestlab's own footprint. Results land
# in results/ (CSV, every run's JSON, and report.txt).
# Until the nested stack exists this is the flat half of the paper's
# comparison; later this becomes the full reproduction.
# usage: bench/main.sh [FOOTPRINT] [REPS]
set -eu
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null || { meson compile -C build; exit 1; }
out=results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
fp=${1:-64M}
reps=${2:-3}
{
	echo "nestlab main job, $(date -u +%FT%TZ), host $(uname -r), $(nproc) CPUs"
	echo "L0 KVM: $(ls /sys/module | grep -E '^kvm_(intel|amd|pvm)$' | tr '\n' ' ')"
	bash bench/flat.sh build "$out" "$fp" "$reps" demand
	bash bench/portrt.sh build "$out" 5
} 2>&1 | tee "$out/report.txt"
echo "results in $out"
