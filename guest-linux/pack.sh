#!/bin/bash
# pack.sh: the Linux L2's initramfs (docs/guest-linux.md): l2init as /init,
# the programs at their Debian paths, and every shared library and ELF
# interpreter they need, found by reading each ELF's own DT_NEEDED and
# PT_INTERP (readelf), never the host's ldd, and resolved inside ROOT only;
# and nestlab's static nestlab-workload (mcf) at /usr/bin/nestlab-workload.
#   usage: pack.sh MKINITRAMFS ROOT L2INIT WORKLOAD OUT
# ROOT is scripts/get-programs.sh's root/. Exit 2: bad input (a library no
# directory of ROOT holds, a link that leaves ROOT or loops); 1: I/O.
set -eu
export LC_ALL=C
prog=pack
die() { echo "$prog: $*" >&2; exit 2; }
[ $# = 5 ] || die "usage: $0 MKINITRAMFS ROOT L2INIT WORKLOAD OUT"
mk=$1 root=$2 init=$3 wl=$4 out=$5
[ -d "$root" ] || die "no program tree $root (scripts/get-programs.sh)"
command -v readelf >/dev/null || die "needs readelf (Debian package binutils)"
# it must need nothing from ROOT: no interpreter, no libraries
readelf -lW "$wl" 2>/dev/null | grep -q 'program interpreter' && die "$wl is not static"
readelf -dW "$wl" 2>/dev/null | grep -q '(NEEDED)' && die "$wl is not static"
programs="/bin/bzip2 /usr/games/gnugo /usr/bin/hmm2build /usr/bin/hmm2calibrate /usr/bin/hmm2search"
libdirs="/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /lib /usr/lib"

# real GUESTPATH: the file a guest path names, following links inside ROOT
real() {
	local p=$1 n=0 l
	while [ -L "$root$p" ]; do
		n=$((n + 1))
		[ $n -le 16 ] || die "$p: too many links (a loop?)"
		l=$(readlink "$root$p")
		case $l in /*) p=$l ;; *) p=$(dirname "$p")/$l ;; esac
		p=$(realpath -m -s "/$p")   # lexical: .. cannot climb out of /
	done
	[ -f "$root$p" ] || die "$1: not a file in $root"
	echo "$p"
}

declare -A have=()
files=() queue=($programs)
while [ ${#queue[@]} -gt 0 ]; do
	g=${queue[0]}
	queue=("${queue[@]:1}")
	[ -z "${have[$g]:-}" ] || continue
	have[$g]=1
	r=$(real "$g")
	files+=("$g=$root$r")
	interp=$(readelf -lW "$root$r" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -z "$interp" ] || queue+=("$interp")
	for lib in $(readelf -dW "$root$r" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=""
		for d in $libdirs; do
			if [ -e "$root$d/$lib" ] || [ -L "$root$d/$lib" ]; then found=$d/$lib; break; fi
		done
		[ -n "$found" ] || die "$g needs $lib, which no library directory of $root holds"
		queue+=("$found")
	done
done
args=()
while IFS= read -r f; do args+=(--file "$f"); done < <(printf '%s\n' "${files[@]}" | sort)
exec "$mk" -o "$out" --file "/init=$init:0755" --file "/usr/bin/nestlab-workload=$wl:0755" "${args[@]}" \
	--dir /dev --dir /proc --dir /sys --dir /tmp --dir /run
