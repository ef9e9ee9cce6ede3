#!/bin/bash
# get-kernel.sh: a Linux kernel and the modules an L1 (or the testbed) needs.
#
#   scripts/get-kernel.sh [DESTDIR]                      Debian's linux-image-amd64
#   scripts/get-kernel.sh --from BZIMAGE MODDIR [DESTDIR] your own kernel and modules
#
# DESTDIR (default build/kernel) then holds:
#   bzImage        the kernel
#   vmlinux        the same kernel uncompressed (scripts/extract-vmlinux.sh), an ELF
#                  file that nestlab boots without running the decompressor
#   version        its release (the name of its lib/modules directory), one line
#   modules/       the .ko files (uncompressed) for $MODULES and everything they depend on
#   modules.order  those file names, one a line, each after all of its dependencies
#   modules.dep    "file.ko: dep.ko ..." with every dependency (transitive), in load order
#   builtin        modules of $MODULES (or dependencies) built into the kernel, one a line
#   package        (Debian only) "name version" of the unpacked package
#   root/          (Debian only) the package unpacked with dpkg -x; nothing is installed
#
# Dependencies come from each module's own .modinfo section (its depends= field);
# Debian's package ships no modules.dep, and no depmod is needed. Compressed
# modules (.ko.xz, .ko.zst, .ko.gz) are decompressed so that finit_module can load
# them without in-kernel decompression.
# Idempotent: the download is skipped when DESTDIR already holds the package version
# apt would fetch. MODULES (environment) overrides the module list.
set -eu
export LC_ALL=C

MODULES=${MODULES:-"kvm kvm_amd kvm_intel irqbypass ccp zram virtio_mmio virtio_blk"}
prog=get-kernel
die() { echo "$prog: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }

from_bz="" from_mod=""
if [ "${1:-}" = "--from" ]; then
	[ $# -ge 3 ] || die "usage: $0 --from BZIMAGE MODDIR [DESTDIR]"
	from_bz=$2 from_mod=$3
	shift 3
fi
case "${1:-}" in -h | --help)
	sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac
[ $# -le 1 ] || die "usage: $0 [--from BZIMAGE MODDIR] [DESTDIR]"
DEST=${1:-build/kernel}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)

for t in objcopy; do
	command -v $t >/dev/null || die "needs '$t' (Debian package binutils)"
done

if [ -n "$from_bz" ]; then
	# --- the user's own kernel ---
	[ -f "$from_bz" ] || die "no kernel file $from_bz"
	[ -d "$from_mod" ] || die "no module directory $from_mod (expected like /lib/modules/\$(uname -r))"
	moddir=$(cd "$from_mod" && pwd)
	krel=$(basename "$moddir")
	rm -f "$DEST/package"
	cp -f "$from_bz" "$DEST/bzImage.new" && mv -f "$DEST/bzImage.new" "$DEST/bzImage"
else
	# --- Debian's current linux-image-amd64 ---
	command -v apt-get >/dev/null && command -v apt-cache >/dev/null && command -v dpkg >/dev/null ||
		die "needs apt-get, apt-cache and dpkg (a Debian system); or use --from BZIMAGE MODDIR"
	meta=${KERNEL_PACKAGE:-linux-image-amd64}
	resolve() { # the versioned linux-image package the meta package depends on
		apt-cache show --no-all-versions "$meta" 2>/dev/null |
			sed -n 's/^Depends: //p' | tr ',|' '\n\n' |
			sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1
	}
	pkg=$(resolve)
	if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
		note "apt knows no $meta; running apt-get update"
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(resolve)
	fi
	[ -n "$pkg" ] || die "apt knows no package $meta (or it depends on no linux-image-*): run apt-get update, or use --from BZIMAGE MODDIR"
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	[ -n "$ver" ] || die "apt knows no package $pkg (needed by $meta)"
	if [ -f "$DEST/package" ] && [ "$(cat "$DEST/package")" = "$pkg $ver" ] && [ -d "$DEST/root/lib/modules" ]; then
		note "$pkg $ver already unpacked in $DEST"
	else
		note "downloading $pkg $ver"
		rm -rf "$DEST/debs" "$DEST/root" "$DEST/package"
		mkdir -p "$DEST/debs"
		(cd "$DEST/debs" && apt-get download "$pkg=$ver" 2>&1) |
			grep -vE 'unsandboxed|^Get:|^Fetched' >&2 || true
		deb=$(ls "$DEST"/debs/"$pkg"_*.deb 2>/dev/null | head -1)
		[ -n "$deb" ] || die "apt-get download $pkg=$ver failed (no network, or no such package in apt's sources)"
		dpkg -x "$deb" "$DEST/root.new" || die "dpkg -x $deb failed"
		mv "$DEST/root.new" "$DEST/root"
		rm -rf "$DEST/debs"
		echo "$pkg $ver" >"$DEST/package"
	fi
	krel=$(ls "$DEST/root/lib/modules" | head -1)
	[ -n "$krel" ] || die "$pkg has no lib/modules directory"
	moddir=$DEST/root/lib/modules/$krel
	bz=$DEST/root/boot/vmlinuz-$krel
	[ -f "$bz" ] || die "$pkg has no boot/vmlinuz-$krel"
	ln -sfn "root/boot/vmlinuz-$krel" "$DEST/bzImage"
fi
echo "$krel" >"$DEST/version"

# --- the same kernel uncompressed: nestlab boots it without the decompressor ---
if [ ! -s "$DEST/vmlinux" ] || [ "$DEST/bzImage" -nt "$DEST/vmlinux" ]; then
	rm -f "$DEST/vmlinux"
	bash "$(dirname "$0")/extract-vmlinux.sh" "$DEST/bzImage" "$DEST/vmlinux" ||
		note "no vmlinux: L1 boots from the bzImage (slower to start)"
fi

# --- modules: index every module file of the tree by its module name ---
declare -A file_of
while IFS= read -r f; do
	b=${f##*/}
	b=${b%.ko*}
	file_of[${b//-/_}]=$f
done < <(find "$moddir" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' | sort)
[ ${#file_of[@]} -gt 0 ] || die "no modules (*.ko*) under $moddir"
declare -A builtin_of
if [ -f "$moddir/modules.builtin" ]; then
	while IFS= read -r f; do
		b=${f##*/}
		b=${b%.ko}
		builtin_of[${b//-/_}]=1
	done <"$moddir/modules.builtin"
fi

rm -rf "$DEST/modules.new"
mkdir -p "$DEST/modules.new"
out=$DEST/modules.new

# uncompressed copy of module NAME in $out; prints its file name
fetch_module() {
	local src=${file_of[$1]} base
	base=${src##*/}
	case "$src" in
	*.ko.xz) base=${base%.xz}; xz -dc "$src" >"$out/$base" || die "cannot decompress $src (needs xz-utils)" ;;
	*.ko.zst) base=${base%.zst}; zstd -qdc "$src" >"$out/$base" || die "cannot decompress $src (needs zstd)" ;;
	*.ko.gz) base=${base%.gz}; gzip -dc "$src" >"$out/$base" || die "cannot decompress $src" ;;
	*) cp -f "$src" "$out/$base" ;;
	esac
	echo "$base"
}
# the depends= field of a module file's .modinfo section
depends_of() {
	objcopy -O binary --only-section=.modinfo "$1" /dev/stdout 2>/dev/null |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

declare -A state fname deps_of
order=() builtins=()
visit() { # depth-first, dependencies first
	local m=${1//-/_} d all=""
	case "${state[$m]:-}" in
	done) return ;;
	active) die "dependency cycle through module $m" ;;
	esac
	if [ -z "${file_of[$m]:-}" ]; then
		if [ -n "${builtin_of[$m]:-}" ]; then
			state[$m]=done
			builtins+=("$m")
			return
		fi
		die "no module $m in $moddir (and it is not built in)"
	fi
	state[$m]=active
	fname[$m]=$(fetch_module "$m")
	for d in $(depends_of "$out/${fname[$m]}"); do
		visit "$d"
		d=${d//-/_}
		[ -n "${fname[$d]:-}" ] && all="$all ${deps_of[$d]} ${fname[$d]}"
	done
	# dependencies in load order, each once
	deps_of[$m]=$(for x in $all; do echo "$x"; done | awk '!seen[$0]++' | tr '\n' ' ')
	state[$m]=done
	order+=("$m")
}
for m in $MODULES; do visit "$m"; done

{ for m in "${order[@]}"; do echo "${fname[$m]}"; done; } >"$DEST/modules.order"
{ for m in "${order[@]}"; do echo "${fname[$m]}: ${deps_of[$m]}" | sed 's/ *$//'; done; } >"$DEST/modules.dep"
{ for m in "${builtins[@]}"; do echo "$m"; done; } >"$DEST/builtin"
rm -rf "$DEST/modules"
mv "$out" "$DEST/modules"
note "$krel in $DEST: bzImage$([ -s "$DEST/vmlinux" ] && echo ", vmlinux"), $(wc -l <"$DEST/modules.order") modules ($(tr '\n' ' ' <"$DEST/modules.order" | sed 's/ $//'))"
