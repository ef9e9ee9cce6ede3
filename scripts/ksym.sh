#!/bin/bash
# Maps kernel addresses (an L1's rip from state_at_stop, a soft-lockup
# report's) to symbol+offset in the Debian kernel that get-kernel.sh
# fetched. Debian ships no System.map (its package holds a placeholder), so
# the symbols come from that kernel's own /proc/kallsyms, read once in the
# testbed booted with nokaslr and cached as KERNEL_DIR/kallsyms.
# The addresses map only where the kernel ran at its link address: an L1
# booted from vmlinux (PVH entry, the tests' and paper.sh's way) is, since
# KASLR lives in the bzImage's decompressor; one booted from the bzImage
# is not (add nokaslr to its command line).
#   usage: scripts/ksym.sh [--kallsyms FILE] ADDR...
#   prints one line per address: ADDR SYMBOL+0xOFF, or ADDR ? when no
#   text symbol is at or below it within 1 MiB (so the words of a vCPU's
#   stack_words can be given as they are: the data among them show ?)
set -eu
tree=$(cd "$(dirname "$0")/.." && pwd)
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
ks=""
if [ "${1:-}" = --kallsyms ]; then
	[ $# -ge 2 ] || { echo "ksym: --kallsyms needs a file" >&2; exit 2; }
	ks=$2
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: scripts/ksym.sh [--kallsyms FILE] ADDR..." >&2; exit 2; }
for a in "$@"; do
	[[ $a =~ ^(0x)?[0-9a-fA-F]{1,16}$ ]] || { echo "ksym: '$a' is not a hexadecimal address" >&2; exit 2; }
done
if [ -z "$ks" ]; then
	ks=$kdir/kallsyms
	if [ ! -s "$ks" ]; then
		[ -e "$kdir/bzImage" ] || { echo "ksym: no kernel in $kdir (scripts/get-kernel.sh)" >&2; exit 1; }
		out=$(mktemp -d)
		trap 'rm -rf "$out"' EXIT
		echo "ksym: reading the kernel's symbols in the testbed (once; cached as $ks)" >&2
		TESTBED_APPEND='quiet nokaslr' bash "$tree/tests/testbed/testbed.sh" --quiet --timeout 300 \
			--files /bin/cp --out "$out" -- /bin/cp /proc/kallsyms /out/kallsyms >&2 ||
			{ echo "ksym: the testbed could not read /proc/kallsyms" >&2; exit 1; }
		grep -q ' T _text$' "$out/kallsyms" ||
			{ echo "ksym: the kallsyms read in the testbed has no _text (addresses hidden?)" >&2; exit 1; }
		cp "$out/kallsyms" "$ks"
	fi
fi
[ -r "$ks" ] && [ -f "$ks" ] || { echo "ksym: cannot read $ks" >&2; exit 1; }
# Addresses as 16 lowercase hex digits compare as strings in numeric
# order, which keeps this to awk without arbitrary-width arithmetic.
norm() { local h=${1#0x}; h=${h,,}; printf '%016s' "$h" | tr ' ' 0; }
for a in "$@"; do
	n=$(norm "$a")
	hit=$(awk -v want="$n" '
		length($1) == 16 && $2 ~ /^[tTwW]$/ && $1 <= want && $1 > best { best = $1; name = $3 }
		END { if (best != "") print best, name }' "$ks")
	off=$(( ${hit:+16#$n - 16#${hit%% *}} ))
	# no text symbol at or below it, or one so far below that the address
	# is not in it (a stack word that is data, past the last symbol)
	if [ -z "$hit" ] || [ "$off" -gt $((1 << 20)) ]; then
		echo "$a ?"
	else
		printf '%s %s+0x%x\n' "$a" "${hit#* }" "$off"
	fi
done
