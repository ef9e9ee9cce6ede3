#!/bin/bash
# test_mkinitramfs.sh TOOL [L1_INITRAMFS]: nestlab-mkinitramfs end to end,
# checked with Debian's cpio(1): same inputs give the same bytes, cpio -t
# lists what was packed, cpio -i extracts the same contents and modes, every
# error exits 2 (1 for I/O) and leaves no OUT. With L1_INITRAMFS (meson's
# l1_initramfs_path, may be empty) also checks L1's archive lists what
# docs/initramfs.md says it holds.
set -u
export LC_ALL=C
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
tool=$(abs "$1")	# meson gives it relative to the build directory
l1=${2:-}
[ -z "$l1" ] || l1=$(abs "$l1")
[ -x "$tool" ] || { echo "FAIL: no tool $1"; exit 1; }
command -v cpio >/dev/null || { echo "SKIP: no cpio(1) (Debian package cpio)"; exit 77; }

T=$(mktemp -d)
trap 'chmod -R u+w "$T"; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# ---- inputs: a fake kernel dir and some files ----
K=$T/kernel
mkdir -p "$K/modules" "$T/src"
cat >"$K/modules.dep" <<'EOF'
irqbypass.ko:
kvm.ko: irqbypass.ko
ccp.ko:
kvm-amd.ko: irqbypass.ko kvm.ko ccp.ko
kvm-intel.ko: irqbypass.ko kvm.ko
zsmalloc.ko:
zram.ko: zsmalloc.ko
virtio_ring.ko:
virtio.ko: virtio_ring.ko
virtio_mmio.ko: virtio_ring.ko virtio.ko
virtio_blk.ko: virtio_ring.ko virtio.ko
unused.ko:
EOF
echo 6.1.0-test-amd64 >"$K/version"
for m in irqbypass kvm ccp kvm-amd kvm-intel zsmalloc zram virtio_ring virtio virtio_mmio virtio_blk unused; do
	head -c $((1000 + ${#m} * 37)) /dev/urandom >"$K/modules/$m.ko"
done
printf '#!/bin/sh\necho init\n' >"$T/src/init"
chmod 0700 "$T/src/init"
head -c 4099 /dev/urandom >"$T/src/blob"
chmod 0600 "$T/src/blob"
printf 'x' >"$T/src/one"

args=(--file /init="$T/src/init" --file /bin/blob="$T/src/blob"
	--file /etc/one="$T/src/one":0640 --dir /dev --dir /proc
	--modules "$K" kvm-amd,zram)
# the same inputs, given in another order, with other file times
args_r=(--modules "$K" zram,kvm_amd --dir /proc --file /etc/one="$T/src/one":640
	--file /bin/blob="$T/src/blob" --dir /dev --file /init="$T/src/init")

run() { # run OUT ARGS...: the tool must succeed
	local out=$1
	shift
	if ! "$tool" -o "$out" "$@" 2>"$T/err"; then
		fail "tool failed: $(cat "$T/err")"
		return 1
	fi
}

# ---- reproducible ----
run "$T/a.cpio" "${args[@]}"
touch -d '2001-02-03 04:05:06' "$T/src/init" "$T/src/blob" "$K/modules/kvm.ko"
cd "$T" && run "$T/b.cpio" "${args_r[@]}"
if cmp -s "$T/a.cpio" "$T/b.cpio"; then
	ok "same inputs, same bytes ($(stat -c %s "$T/a.cpio") bytes)"
else
	fail "two runs on the same inputs differ"
fi
[ $(($(stat -c %s "$T/a.cpio") % 4)) = 0 ] || fail "archive length not a multiple of 4"
# --l1-modules: the list of lib/moddep.h, the same bytes as naming it
run "$T/l1a.cpio" --dir /dev --l1-modules "$K"
run "$T/l1b.cpio" --dir /dev --modules "$K" kvm-amd,kvm-intel,zram,virtio_mmio,virtio_blk
if cmp -s "$T/l1a.cpio" "$T/l1b.cpio"; then
	ok "--l1-modules packs kvm-amd,kvm-intel,zram,virtio_mmio,virtio_blk"
else
	fail "--l1-modules differs from --modules KDIR kvm-amd,kvm-intel,zram,virtio_mmio,virtio_blk"
fi
if SOURCE_DATE_EPOCH=1700000000 run "$T/e.cpio" "${args[@]}"; then
	list=$(TZ=UTC cpio -itv --quiet <"$T/e.cpio")
	if [ "$(echo "$list" | wc -l)" = 17 ] &&
		[ "$(echo "$list" | grep -c ' Nov 14  2023 ')" = 17 ]; then
		ok "SOURCE_DATE_EPOCH sets every mtime"
	else
		fail "SOURCE_DATE_EPOCH: $(echo "$list" | head -3)"
	fi
fi

# ---- cpio -t lists what was packed, in order ----
expect="bin
bin/blob
dev
etc
etc/one
init
lib
lib/modules
lib/modules/ccp.ko
lib/modules/irqbypass.ko
lib/modules/kvm-amd.ko
lib/modules/kvm.ko
lib/modules/modules.dep
lib/modules/version
lib/modules/zram.ko
lib/modules/zsmalloc.ko
proc"
got=$(cpio -it --quiet <"$T/a.cpio" 2>"$T/err")
if [ "$got" = "$expect" ] && [ ! -s "$T/err" ]; then
	ok "cpio -t lists the packed entries, sorted"
else
	fail "cpio -t listed: $(echo $got) (stderr: $(cat "$T/err"))"
fi
if cpio -itv --quiet <"$T/a.cpio" | awk '$3 != "root" || $4 != "root" { bad = 1 } END { exit bad }'; then
	ok "owner root:root everywhere"
else
	fail "owners: $(cpio -itv --quiet <"$T/a.cpio" | head -3)"
fi

# ---- cpio -i extracts the same contents and modes ----
X=$T/x
mkdir "$X"
if (cd "$X" && umask 022 && cpio -idm --quiet <"$T/a.cpio" 2>"$T/err"); then
	for p in init:src/init bin/blob:src/blob etc/one:src/one; do
		cmp -s "$X/${p%%:*}" "$T/${p#*:}" || fail "extracted ${p%%:*} differs from ${p#*:}"
	done
	for m in irqbypass kvm ccp kvm-amd zsmalloc zram; do
		cmp -s "$X/lib/modules/$m.ko" "$K/modules/$m.ko" || fail "extracted $m.ko differs"
	done
	cmp -s "$X/lib/modules/version" "$K/version" || fail "extracted version differs"
	modes=$(cd "$X" && stat -c '%n %a' init bin/blob etc/one dev lib/modules lib/modules/kvm.ko | tr '\n' ' ')
	[ "$modes" = "init 755 bin/blob 644 etc/one 640 dev 755 lib/modules 755 lib/modules/kvm.ko 644 " ] ||
		fail "modes: $modes"
	dep=$(cat "$X/lib/modules/modules.dep")
	[ "$dep" = "irqbypass.ko:
kvm.ko: irqbypass.ko
ccp.ko:
kvm-amd.ko: irqbypass.ko kvm.ko ccp.ko
zsmalloc.ko:
zram.ko: zsmalloc.ko" ] || fail "packed modules.dep: $dep"
	[ "$(stat -c %Y "$X/init")" = 0 ] || fail "mtime of init: $(stat -c %Y "$X/init")"
	[ $fails = 0 ] && ok "cpio -i extracts identical contents, modes, modules.dep, mtime 0"
else
	fail "cpio -i: $(cat "$T/err")"
fi

# ---- concatenation: a second archive adds and replaces files ----
printf 'override\n' >"$T/src/over"
run "$T/extra.cpio" --file /etc/one="$T/src/over" --file /extra/new="$T/src/over"
cat "$T/a.cpio" "$T/extra.cpio" >"$T/cat.cpio"
Y=$T/y
mkdir "$Y"
# cpio(1) stops at the first trailer where Linux reads on: unpack the two
# parts in turn, the second from where the first ends (a multiple of 4).
alen=$(stat -c %s "$T/a.cpio")
if (cd "$Y" && cpio -id --quiet 2>/dev/null) <"$T/cat.cpio" &&
	tail -c +$((alen + 1)) "$T/cat.cpio" | (cd "$Y" && cpio -idu --quiet 2>/dev/null) &&
	cmp -s "$Y/etc/one" "$T/src/over" && cmp -s "$Y/extra/new" "$T/src/over" &&
	cmp -s "$Y/bin/blob" "$T/src/blob"; then
	ok "concatenated archives unpack in order"
else
	fail "concatenation"
fi

# ---- errors: one line, status 2 (1 for I/O), no OUT left ----
expect_err() { # STATUS PATTERN ARGS...
	local want=$1 pat=$2
	shift 2
	rm -f "$T/bad.cpio"
	"$tool" -o "$T/bad.cpio" "$@" 2>"$T/err" >/dev/null
	local st=$?
	local lines
	lines=$(wc -l <"$T/err")
	if [ $st != "$want" ] || [ "$lines" != 1 ] || ! grep -q -- "$pat" "$T/err"; then
		fail "$* -> status $st (want $want), stderr: $(cat "$T/err")"
	elif ls "$T" | grep -q '^bad\.cpio'; then
		fail "$* left $(ls "$T" | grep '^bad\.cpio')"
	else
		ok "error: $(cat "$T/err")"
	fi
}
expect_err 2 "No such file" --file /x="$T/src/missing"
expect_err 2 "not an absolute path" --file x="$T/src/one"
expect_err 2 "contains '..'" --file /a/../x="$T/src/one"
expect_err 2 "contains '..'" --dir /..
expect_err 2 "given twice" --file /x="$T/src/one" --file //x="$T/src/blob"
expect_err 2 "which is a file" --file /x="$T/src/one" --dir /x/y
expect_err 2 "unknown module 'kvm-foo'" --modules "$K" kvm,kvm-foo
expect_err 2 "modules.dep: No such file" --modules "$T/src" kvm
expect_err 2 "not a regular file" --file /x="$T/src"
expect_err 2 "expected DEST=SRC" --file /x
expect_err 2 "needs two arguments" --modules "$K"
expect_err 2 "needs an argument" --l1-modules
expect_err 2 "given twice" --l1-modules "$K" --modules "$K" kvm
expect_err 2 "unexpected argument" --frobnicate
SOURCE_DATE_EPOCH=yesterday expect_err 2 "SOURCE_DATE_EPOCH" --dir /x
# a cycle
C=$T/cyc
mkdir -p "$C/modules"
printf 'a.ko: b.ko\nb.ko: a.ko\n' >"$C/modules.dep"
touch "$C/modules/a.ko" "$C/modules/b.ko"
expect_err 2 "dependency cycle in modules.dep: a.ko -> b.ko -> a.ko" --modules "$C" a
# a module file missing, one only compressed, a modules.dep it cannot read
printf 'a.ko:\nb.ko:\n' >"$C/modules.dep"
rm "$C/modules/a.ko"
expect_err 2 "modules/a.ko (for /lib/modules/a.ko): No such file" --modules "$C" a
touch "$C/modules/a.ko.zst"
expect_err 2 "only .*a.ko.zst exists: compressed modules are not supported" --modules "$C" a
if [ "$(id -u)" != 0 ]; then
	chmod 000 "$C/modules.dep"
	expect_err 2 "modules.dep: Permission denied" --modules "$C" b
	chmod 644 "$C/modules.dep"
fi
# I/O: the output directory does not exist, or the disk is full
expect_err_io() {
	"$tool" -o "$1" --file /x="$T/src/one" 2>"$T/err"
	local st=$?
	if [ $st = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -e "$1" ]; then
		ok "I/O error: $(cat "$T/err")"
	else
		fail "-o $1 -> status $st (want 1), stderr: $(cat "$T/err")"
	fi
}
expect_err_io "$T/no/such/dir/out.cpio"
# a write error: a file size limit of 1 KiB, SIGXFSZ ignored (write gets EFBIG)
(
	trap '' XFSZ
	ulimit -f 1
	exec "$tool" -o "$T/big.cpio" --file /blob="$T/src/blob" 2>"$T/err"
)
st=$?
if [ $st = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ -z "$(ls "$T" | grep '^big\.cpio')" ]; then
	ok "write error: $(cat "$T/err")"
else
	fail "write error -> status $st (want 1), stderr: $(cat "$T/err"), left: $(ls "$T" | grep '^big')"
fi
# an existing OUT survives a failed run untouched
cp "$T/a.cpio" "$T/keep.cpio"
"$tool" -o "$T/keep.cpio" --file /x="$T/src/missing" 2>/dev/null
if [ $? = 2 ] && cmp -s "$T/a.cpio" "$T/keep.cpio" && [ -z "$(ls "$T" | grep 'keep\.cpio\.')" ]; then
	ok "a failed run leaves the old OUT as it was"
else
	fail "a failed run touched OUT"
fi

# ---- L1's archive, as meson built it ----
if [ -n "$l1" ]; then
	got=$(cpio -it --quiet <"$l1" 2>&1)
	for p in init bin/nestlab guest-kernel dev proc sys tmp run \
		lib/modules/irqbypass.ko lib/modules/kvm.ko lib/modules/ccp.ko \
		lib/modules/kvm-amd.ko lib/modules/kvm-intel.ko lib/modules/zram.ko \
		lib/modules/virtio_mmio.ko lib/modules/virtio_blk.ko lib/modules/modules.dep; do
		echo "$got" | grep -qx "$p" || fail "$l1 lacks $p"
	done
	cpio -itv --quiet <"$l1" 2>/dev/null | grep -q '^-rwxr-xr-x .* init$' || fail "$l1: /init is not 0755"
	[ $fails = 0 ] && ok "$l1 holds /init, /bin/nestlab, /guest-kernel, the modules"
fi

echo "$fails failed"
[ $fails = 0 ]
