# Helpers for bench/*.sh (bash).
median() { # numbers on stdin -> median
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
		if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
die() { echo "bench: $*" >&2; exit 1; }
# L1's kernel in a get-kernel.sh directory: the uncompressed vmlinux when
# there is one (it boots without the decompressor), else the bzImage.
l1_kernel() { if [ -s "$1/vmlinux" ]; then echo "$1/vmlinux"; else echo "$1/bzImage"; fi; }
