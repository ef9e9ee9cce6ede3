# Runs inside the testbed (tests/testbed/test_l2linux.sh): one flat
# `nestlab run` of the Linux L2 (Debian's kernel, the L2 initramfs) per
# scenario, each writing /out/NAME.json, NAME.out (stdout and stderr) and
# NAME.rc. Bash builtins only: the testbed has no coreutils.
#   usage: bash l2linux_runs.sh DIR NAME=WORDS...   (DIR holds nestlab,
#          bzImage, l2.cpio; WORDS are the nl2.* words, ';' between them)
d=$1
shift
base="console=ttyS0 quiet panic=-1 pci=off"
for s in "$@"; do
	name=${s%%=*}
	words=${s#*=}
	echo "l2linux_runs: $name"
	"$d/nestlab" run --kernel "$d/bzImage" --initrd "$d/l2.cpio" --mem 256M \
		--timeout 300 --cmdline "$base ${words//;/ }" --json "/out/$name.json" \
		>"/out/$name.out" 2>&1
	echo $? >"/out/$name.rc"
done
