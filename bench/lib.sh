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
# The testbed (QEMU TCG with SVM, docs/testbed.md) where this host has no
# nested virtualization: the one way bench/ reaches test infrastructure.
# It stays under tests/testbed/ with the programs it boots, which the
# tests build and use first; benchmarks only run it.
bench_tree=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
testbed() { bash "$bench_tree/tests/testbed/testbed.sh" "$@"; }
# A work directory under build/ (inside the tree, so the testbed can take
# files from it by their path relative to the tree): sets w (its path) and
# rel (the same relative to the tree), removed when the script exits.
bench_workdir() {
	w=$(mktemp -d "$bench_tree/build/$1.XXXXXX") || die "cannot make a work directory under $bench_tree/build"
	trap 'rm -rf "$w"' EXIT
	rel=${w#"$bench_tree"/}
}
# nestlab stat's exit-multiplication table of one nested document (a run
# with --trace-l0), for reports: the section and the block after it.
#   usage: stat_multiplication NESTLAB DOC
stat_multiplication() {
	"$1" stat "$2" 2>&1 | awk '/[Mm]ultiplication/ { on = 1 } on && /^$/ { n++ } on && n < 2 { print }'
}
