#!/bin/bash
# Installs what nestlab needs to build, test and plot, from Debian's
# packages. Idempotent; does nothing when everything is present.
set -eu
# The last two lines are the testbeds' (tests/testbed): QEMU as a stand-in
# for nested-capable AMD hardware, cpio for initramfs images, xz for kernel
# modules; bochs for Intel hardware (bochs-term: the light way to meet its
# need of a display library), booted from a CD that isolinux and
# xorriso make (docs/testbed.md, the Intel testbed).
pkgs="build-essential meson ninja-build pkg-config libelf-dev linux-libc-dev
      libcmocka-dev jq gnuplot-nox
      qemu-system-x86 cpio xz-utils
      bochs bochs-term bochsbios vgabios isolinux syslinux-common xorriso"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
