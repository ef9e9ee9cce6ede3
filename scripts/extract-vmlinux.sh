#!/bin/bash
# extract-vmlinux.sh: the uncompressed vmlinux ELF inside an x86 bzImage.
#
#   scripts/extract-vmlinux.sh BZIMAGE OUT
#
# The setup header says where the compressed kernel lies (payload_offset at
# 0x248 and payload_length at 0x24c, counted from the protected-mode kernel,
# which starts after setup_sects + 1 sectors); its first bytes say how it
# was compressed (xz, gzip, zstd, lz4, lzma, bzip2). The result must be an
# ELF file, or nothing is written. nestlab boots it without the
# decompressor (docs/linux-boot.md, "vmlinux"). Exit 0, or 1 with a message.
set -eu
prog=extract-vmlinux
die() { echo "$prog: $*" >&2; exit 1; }
[ $# = 2 ] || die "usage: $0 BZIMAGE OUT"
bz=$1 out=$2
[ -f "$bz" ] || die "no file $bz"
u8() { od -An -j "$2" -N1 -tu1 "$1" | tr -d ' '; }
u32() { od -An -j "$2" -N4 -tu4 "$1" | tr -d ' '; }
[ "$(od -An -j $((0x202)) -N4 -c "$bz" | tr -d ' ')" = HdrS ] || die "$bz: not a bzImage (no HdrS at 0x202)"
setup=$(u8 "$bz" $((0x1f1)))
[ "${setup:-0}" = 0 ] && setup=4
off=$(u32 "$bz" $((0x248)))
len=$(u32 "$bz" $((0x24c)))
[ -n "$off" ] && [ -n "$len" ] && [ "$len" -gt 0 ] || die "$bz: no payload in the setup header (boot protocol before 2.08?)"
off=$(((setup + 1) * 512 + off))
magic=$(od -An -j "$off" -N6 -tx1 "$bz" | tr -d ' \n')
case "$magic" in
fd377a585a00*) dec="xz -dc" ;;
1f8b*) dec="gzip -dc" ;;
28b52ffd*) dec="zstd -qdc" ;;
02214c18*) dec="lz4 -dc" ;;
5d0000*) dec="lzma -dc" ;;
425a68*) dec="bzip2 -dc" ;;
*) die "$bz: payload compressed in an unknown format (magic $magic)" ;;
esac
command -v "${dec%% *}" >/dev/null || die "needs ${dec%% *} to decompress $bz"
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
# Decompressors may complain about trailing bytes (the size field some
# formats append): the ELF check below is what counts.
tail -c +$((off + 1)) "$bz" | head -c "$len" | $dec >"$tmp" 2>/dev/null || true
[ "$(head -c4 "$tmp" 2>/dev/null)" = $'\x7fELF' ] || die "$bz: the payload did not decompress to an ELF file"
mv -f "$tmp" "$out"
