#!/bin/bash
# The main job (README): installs dependencies, fetches Debian's kernel,
# builds, and reproduces the paper (docs/experiments.md) at a small default
# scale: figure 3 (two flat VMs against two L2s in one L1, mcf) and figure
# 4's sweep in both L1->L2 paging modes (shadow, the paper's, and nested
# NPT/EPT, which it could not run), at the paper's 5, 8 and 9 GB points
# scaled by 1/64. On a host without nested virtualization every run goes
# through the testbed (QEMU TCG: emulation). Results: results/paper-*/
# (every run's JSON, CSV, PNG/SVG plots, report.md).
# usage: bench/main.sh [bench/paper.sh options...]   e.g. --scale 1/16 --reps 3
#   defaults: --scale 1/64 --reps 1 --sizes 5G,8G,9G --modes shadow,nested fig3 modes
set -eu
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/get-kernel.sh build/kernel >/dev/null
if [ -f build/build.ninja ]; then
	meson setup --reconfigure build >/dev/null   # picks up the kernel for the L1 initramfs
else
	meson setup build >/dev/null
fi
meson compile -C build >/dev/null || { meson compile -C build; exit 1; }
[ $# -gt 0 ] || set -- --scale 1/64 --reps 1 --sizes 5G,8G,9G --modes shadow,nested fig3 modes
exec bash bench/paper.sh "$@"
