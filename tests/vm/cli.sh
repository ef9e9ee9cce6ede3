#!/bin/bash
# Bad input to `nestlab run`: one line on stderr, exit status 2, no crash.
set -eu
. "$(dirname "$0")/lib.sh"
nl=$1
g=$2

expect_usage() {
	local what=$1; shift
	run_status "$nl" "$@"
	local lines
	lines=$(wc -l <"$tmp/err")
	if [ "$st" = 2 ] && [ "$lines" = 1 ]; then
		ok "$what: exit 2, '$(cat "$tmp/err")'"
	else
		bad "$what: exit $st, $lines lines: $(head -c 300 "$tmp/err")"
	fi
}

printf 'not an elf' >"$tmp/text"
head -c 100 "$g/g_exit" >"$tmp/trunc"
: >"$tmp/empty"
expect_usage "no arguments"
expect_usage "unknown command" frobnicate
expect_usage "unknown option" run --kernel "$g/g_exit" --mem 16M --frob
expect_usage "missing --mem" run --kernel "$g/g_exit"
expect_usage "zero --mem" run --kernel "$g/g_exit" --mem 0
expect_usage "malformed --mem" run --kernel "$g/g_exit" --mem 12X
expect_usage "absurd --mem" run --kernel "$g/g_exit" --mem 900T
expect_usage "missing kernel" run --kernel "$tmp/nope" --mem 16M
expect_usage "directory kernel" run --kernel "$tmp" --mem 16M
expect_usage "non-ELF kernel" run --kernel "$tmp/text" --mem 16M
expect_usage "empty kernel" run --kernel "$tmp/empty" --mem 16M
expect_usage "truncated kernel" run --kernel "$tmp/trunc" --mem 16M
expect_usage "unknown workload" run --kernel "$g/g_exit" --mem 16M --cmdline "workload=nosuch footprint=1M"
expect_usage "bad footprint" run --kernel "$g/g_exit" --mem 16M --cmdline "workload=touch footprint=-1"
expect_usage "unknown workload key" run --kernel "$g/g_exit" --mem 16M --cmdline "workload=touch footprint=1M colour=red"
expect_usage "bad --cpus" run --kernel "$g/g_exit" --mem 16M --cpus 0
# Linux kernels: a bzImage whose boot protocol is too old, and, when
# Debian's kernel has been fetched (scripts/get-kernel.sh), a truncated one,
# an initrd that cannot fit and a command line longer than the kernel takes.
head -c 4096 /dev/zero >"$tmp/old.bz"
printf '\x55\xaa' | dd of="$tmp/old.bz" bs=1 seek=510 conv=notrunc status=none
printf 'HdrS\x00\x02' | dd of="$tmp/old.bz" bs=1 seek=514 conv=notrunc status=none
expect_usage "bzImage protocol 2.00" run --kernel "$tmp/old.bz" --mem 64M
grep -q 'protocol' "$tmp/err" && ok "old protocol named" || bad "old protocol: $(cat "$tmp/err")"
bz=${NESTLAB_KERNEL_DIR:-$(dirname "$0")/../../build/kernel}/bzImage
if [ -e "$bz" ]; then
	head -c 1048576 "$bz" >"$tmp/trunc.bz"
	expect_usage "truncated bzImage" run --kernel "$tmp/trunc.bz" --mem 256M
	head -c $((120 << 20)) /dev/zero >"$tmp/big.initrd"
	expect_usage "initrd that does not fit" run --kernel "$bz" --initrd "$tmp/big.initrd" --mem 128M
	expect_usage "command line too long" run --kernel "$bz" --mem 256M --cmdline "$(head -c 3000 /dev/zero | tr '\0' x)"
	expect_usage "--initrd with an ELF guest" run --kernel "$g/g_exit" --initrd "$tmp/big.initrd" --mem 16M
	# --disk: a regular file of whole sectors, for a Linux guest; refused
	# before KVM is asked, and a FIFO without hanging
	mkfifo "$tmp/disk.fifo"
	printf x >"$tmp/disk.odd"
	head -c 4096 /dev/zero >"$tmp/disk.ok"
	expect_usage "--disk FIFO" run --kernel "$bz" --mem 256M --disk "$tmp/disk.fifo"
	grep -q "not a regular file" "$tmp/err" && ok "--disk FIFO named" || bad "--disk FIFO: $(cat "$tmp/err")"
	expect_usage "--disk directory" run --kernel "$bz" --mem 256M --disk "$tmp"
	expect_usage "--disk of 1 byte" run --kernel "$bz" --mem 256M --disk "$tmp/disk.odd"
	grep -q "multiple of 512" "$tmp/err" && ok "--disk odd size named" || bad "--disk odd size: $(cat "$tmp/err")"
	expect_usage "--disk missing" run --kernel "$bz" --mem 256M --disk "$tmp/disk.none"
	expect_usage "--disk with an ELF guest" run --kernel "$g/g_exit" --mem 16M --disk "$tmp/disk.ok"
	grep -q "no virtio driver" "$tmp/err" && ok "--disk with guest-kernel refused as such" || bad "--disk ELF: $(cat "$tmp/err")"
else
	echo "skip - no Debian kernel for the bzImage checks"
fi
run_status "$nl" --help
expect_eq "--help status" "$st" 0
finish
