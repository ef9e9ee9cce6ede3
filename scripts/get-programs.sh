#!/bin/bash
# get-programs.sh: the real programs SPEC CPU2006 took its benchmarks from, for
# the Linux L2 guest (docs/guest-linux.md): Debian's bzip2, gnugo and hmmer2,
# and the Debian library packages their ELF files need.
#
#   scripts/get-programs.sh [DESTDIR]        (default build/programs)
#
# DESTDIR then holds:
#   root/      every package unpacked with dpkg -x; nothing is installed
#   packages   "name version" of each unpacked package, one a line, sorted
#
# Which library packages: those that provide a shared library (DT_NEEDED) or
# the ELF interpreter (PT_INTERP) that an ELF file of the programs, or of a
# library already taken, needs and root/ does not hold yet. They are looked for
# among the Depends and Pre-Depends of the packages taken so far that are in
# Debian's section "libs"; a candidate is downloaded, and kept only when its
# file list holds a library still missing. A library no candidate provides is
# an error naming the ELF file and the library. (Both this check and
# guest-linux/pack.sh, which packs the closure into the L2 initramfs, resolve
# names in the standard library directories of root/ only; none of these
# programs has a RUNPATH.)
# Idempotent: the download is skipped when DESTDIR already holds the package
# versions apt would fetch. PROGRAMS (environment) overrides the program list.
set -eu
export LC_ALL=C

PROGRAMS=${PROGRAMS:-"bzip2 gnugo hmmer2"}
prog=get-programs
die() { echo "$prog: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }

case "${1:-}" in -h | --help)
	sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
-*) echo "$prog: unknown option '$1' (--help)" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "$prog: usage: $0 [DESTDIR]" >&2; exit 2; }
DEST=${1:-build/programs}

for t in apt-get apt-cache dpkg dpkg-deb readelf; do
	command -v $t >/dev/null || die "needs '$t' (apt and dpkg: a Debian system; readelf: binutils)"
done
# The L2 runs x86-64 Linux; a foreign host would need multiarch apt sources.
arch=$(dpkg --print-architecture)
[ "$arch" = amd64 ] || die "the L2's programs are amd64; this host's dpkg architecture is $arch"
mkdir -p "$DEST" || die "cannot create $DEST"
DEST=$(cd "$DEST" && pwd)

version_of() { # the version apt would fetch, or nothing
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -1
}
section_of() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Section: //p' | head -1
}
depends_of() { # every package named in Depends and Pre-Depends, alternatives too
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^\(Pre-\)\{0,1\}Depends: //p' | tr ',|' '\n\n' |
		sed -e 's/(.*)//' -e 's/\[.*\]//' -e 's/:.*//' -e 's/ //g' | sed '/^$/d'
}

# ---- idempotence: every recorded package still at the version apt would fetch ----
up_to_date() {
	local p
	[ -f "$DEST/packages" ] && [ -d "$DEST/root" ] || return 1
	# one apt-cache call for all of them: "name version" as apt would fetch
	# shellcheck disable=SC2046
	apt-cache show --no-all-versions $(cut -d' ' -f1 "$DEST/packages") 2>/dev/null |
		awk '/^Package: / { p = $2 } /^Version: / { print p, $2 }' | sort >"$DEST/packages.apt" ||
		true
	cmp -s "$DEST/packages" "$DEST/packages.apt" || { rm -f "$DEST/packages.apt"; return 1; }
	rm -f "$DEST/packages.apt"
	for p in $PROGRAMS; do
		grep -q "^$p " "$DEST/packages" || return 1
	done
}
if [ -z "$(version_of "${PROGRAMS%% *}")" ] && [ "$(id -u)" = 0 ]; then
	note "apt knows no ${PROGRAMS%% *}; running apt-get update"
	apt-get update -qq >/dev/null 2>&1 || true
fi
if up_to_date; then
	note "$(wc -l <"$DEST/packages") packages already unpacked in $DEST"
	exit 0
fi

# ---- work in DEST/*.new, moved into place only when complete ----
work=$DEST/root.new debs=$DEST/debs
rm -rf "$work" "$debs"
mkdir -p "$work" "$debs"
trap 'rm -rf "$work" "$debs"' EXIT

declare -A taken ver_of examined
download() { # PKG...: into $debs; dies naming the first that did not come
	local p v args=()
	for p in "$@"; do
		v=$(version_of "$p")
		[ -n "$v" ] || die "apt knows no package $p: run apt-get update, or check apt's sources"
		ver_of[$p]=$v
		args+=("$p=$v")
	done
	(cd "$debs" && apt-get download "${args[@]}" 2>&1) |
		grep -vE 'unsandboxed|^Get:|^Fetched' >&2 || true
	for p in "$@"; do
		deb_of "$p" >/dev/null ||
			die "apt-get download $p=${ver_of[$p]} failed (no network, or no such package in apt's sources)"
	done
}
deb_of() { # the downloaded .deb of PKG (apt escapes ':' in versions as %3a)
	local f
	f=$(ls "$debs/$1"_*.deb 2>/dev/null | head -1)
	[ -n "$f" ] && echo "$f"
}
take() { # PKG: unpack it into root.new
	local deb
	deb=$(deb_of "$1")
	dpkg -x "$deb" "$work" || die "dpkg -x $deb failed"
	taken[$1]=${ver_of[$1]}
}

# GUESTPATH resolved in root.new (symlinks followed, absolute targets inside
# root.new, at most 40 of them); prints the host path of a regular file.
in_root() {
	local g=$1 n=0 t
	while [ -L "$work$g" ]; do
		n=$((n + 1))
		[ $n -le 40 ] || return 1
		t=$(readlink "$work$g")
		case "$t" in
		/*) g=$t ;;
		*) g=${g%/*}/$t ;;
		esac
	done
	[ -f "$work$g" ] && echo "$work$g"
}
LIBDIRS="/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /lib /usr/lib"
find_lib() { # NAME: host path of the library the loader would find, or nothing
	local d
	for d in $LIBDIRS; do
		in_root "$d/$1" && return 0
	done
	return 1
}
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# Missing libraries of the closure, "NAME ELF" a line (ELF: who needs it);
# starts from the ELF files the program packages ship.
declare -a roots=()
missing() {
	local -A seen=()
	local -a queue=("${roots[@]}")
	local f n h interp
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		[ -z "${seen[$f]:-}" ] || continue
		seen[$f]=1
		interp=$(readelf -lW "$f" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
		if [ -n "$interp" ]; then
			if h=$(in_root "$interp"); then queue+=("$h"); else echo "$interp ${f#"$work"}"; fi
		fi
		for n in $(readelf -dW "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			if h=$(find_lib "$n"); then queue+=("$h"); else echo "$n ${f#"$work"}"; fi
		done
	done | sort -u
}

# ---- the programs ----
# shellcheck disable=SC2086
download $PROGRAMS
for p in $PROGRAMS; do
	take "$p"
	examined[$p]=1
	# its regular files that are ELF: where the closure starts
	while read -r path; do
		path=${path#.}
		is_elf "$work$path" && roots+=("$work$path")
	done < <(dpkg-deb -c "$(deb_of "$p")" | awk '$1 ~ /^-/ { print $6 }')
done
[ ${#roots[@]} -gt 0 ] || die "the packages $PROGRAMS hold no ELF file"

# ---- library packages, until nothing is missing ----
while :; do
	miss=$(missing)
	[ -n "$miss" ] || break
	cands=()
	for p in "${!taken[@]}"; do
		for d in $(depends_of "$p"); do
			[ -z "${examined[$d]:-}" ] || continue
			examined[$d]=1
			[ "$(section_of "$d")" = libs ] && cands+=("$d")
		done
	done
	if [ ${#cands[@]} -eq 0 ]; then
		read -r lib who <<<"$(echo "$miss" | head -1)"
		die "$who needs $lib, which no library package the fetched packages depend on provides"
	fi
	download "${cands[@]}"
	for p in "${cands[@]}"; do
		deb=$(deb_of "$p")
		files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|.*/||')
		keep=""
		while read -r lib _; do
			if grep -qxF "${lib##*/}" <<<"$files"; then keep=1; fi
		done <<<"$miss"
		# kept or not, its dependencies are candidates only through packages taken
		if [ -n "$keep" ]; then take "$p"; fi
		rm -f "$deb"
	done
done

for p in "${!taken[@]}"; do echo "$p ${taken[$p]}"; done | sort >"$DEST/packages.new"
rm -rf "$DEST/root"
mv "$work" "$DEST/root"
mv "$DEST/packages.new" "$DEST/packages"
note "$(wc -l <"$DEST/packages") packages in $DEST: $(cut -d' ' -f1 "$DEST/packages" | tr '\n' ' ' | sed 's/ $//')"
