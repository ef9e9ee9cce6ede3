#!/bin/bash
# Installs what nestlab needs to build, test and plot, from Debian's
# packages. Idempotent; does nothing when everything is present.
set -eu
# The last line is the testbed's (tests/testbed): QEMU as a stand-in for
# nested-capable hardware, cpio for initramfs images, xz for kernel modules.
pkgs="build-essential meson ninja-build pkg-config libelf-dev linux-libc-dev
      libcmocka-dev jq gnuplot-nox
      qemu-system-x86 cpio xz-utils"
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
