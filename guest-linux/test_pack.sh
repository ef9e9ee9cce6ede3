#!/bin/bash
# The Linux L2's initramfs (pack.sh, docs/guest-linux.md): /init, every
# program at its guest path with nestlab's static nestlab-workload, and
# for every ELF in it its interpreter and every DT_NEEDED library present
# in the archive itself (read with readelf from the archive's copy, not
# the host's); packing again gives the same bytes; pack.sh refuses a
# workload that is not static and a tree that is missing (exit 2).
# usage: test_pack.sh PACK_SH MKINITRAMFS ROOT L2INIT WORKLOAD CPIO
#   exit 0 pass, 1 fail, 77 skip (no cpio or readelf)
set -u
[ $# = 6 ] || { echo "usage: $0 PACK_SH MKINITRAMFS ROOT L2INIT WORKLOAD CPIO"; exit 2; }
pack=$1 mk=$2 root=$3 init=$4 wl=$5 rd=$6
for t in cpio readelf cmp; do command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
. "$(dirname "$0")/../tests/testbed/tally.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && mkdir x && cd x && cpio -id --quiet --no-absolute-filenames) <"$rd" ||
	{ bad "the archive unpacks"; tally; exit 1; }
x=$tmp/x
for f in init bin/bzip2 usr/games/gnugo usr/bin/hmm2build usr/bin/hmm2calibrate \
	usr/bin/hmm2search usr/bin/nestlab-workload; do
	[ -f "$x/$f" ] && [ -x "$x/$f" ] && ok "/$f is there, executable" || bad "/$f missing or not executable"
done
cmp -s "$x/usr/bin/nestlab-workload" "$wl" && ok "nestlab-workload is meson's static build" ||
	bad "nestlab-workload differs from $wl"

# every ELF's needs, met inside the archive
elves=0 unmet=""
while IFS= read -r f; do
	head -c 4 "$f" | grep -q ELF || continue
	elves=$((elves + 1))
	interp=$(readelf -lW "$f" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -z "$interp" ] || [ -e "$x$interp" ] || unmet="$unmet ${f#"$x"}:$interp"
	for lib in $(readelf -dW "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=0
		for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /lib /usr/lib; do
			[ -e "$x$d/$lib" ] && found=1 && break
		done
		[ $found = 1 ] || unmet="$unmet ${f#"$x"}:$lib"
	done
done < <(find "$x" -type f)
[ "$elves" -ge 8 ] && ok "$elves ELF files looked at" || bad "only $elves ELF files in the archive"
[ -z "$unmet" ] && ok "every interpreter and DT_NEEDED library is in the archive" ||
	bad "not in the archive:$unmet"
for f in init usr/bin/nestlab-workload; do
	readelf -lW "$x/$f" | grep -q 'program interpreter' && bad "/$f is not static" || ok "/$f is static"
done

# the same inputs, the same bytes
bash "$pack" "$mk" "$root" "$init" "$wl" "$tmp/again.cpio" 2>"$tmp/err" &&
	cmp -s "$rd" "$tmp/again.cpio" && ok "packing again gives the same bytes" ||
	bad "packing again differs or failed: $(head -1 "$tmp/err")"

# bad input: one line, exit 2
bash "$pack" "$mk" "$root" "$init" "$(command -v bash)" "$tmp/bad.cpio" 2>"$tmp/err"
st=$?
check "a dynamic workload: exit status" 2 "$st"
grep -q "is not static" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] && ok "it says so in one line" ||
	bad "its message: $(cat "$tmp/err")"
bash "$pack" "$mk" "$tmp/no-such-root" "$init" "$wl" "$tmp/bad.cpio" 2>"$tmp/err"
check "a missing tree: exit status" 2 "$?"
[ ! -e "$tmp/bad.cpio" ] && ok "no archive written for bad input" || bad "an archive was written for bad input"
tally
