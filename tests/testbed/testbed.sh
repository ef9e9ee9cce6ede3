#!/bin/bash
# testbed.sh: run a command on an emulated nested-capable host (see docs/testbed.md).
#
#   tests/testbed/testbed.sh [options] -- COMMAND [ARGS...]
#
# Boots a Debian kernel in QEMU TCG with -cpu max (AMD SVM with nested paging),
# loads kvm_amd with nested=1 and npt=0|1 (L0's paging mode), runs COMMAND there
# in /work, prints its stdout and stderr, copies what it wrote under /out into
# --out DIR, and exits with COMMAND's exit status. Test infrastructure only:
# nestlab never uses QEMU.
#
# options:
#   --cpu amd|intel    the emulated host: amd (QEMU TCG, -cpu max: SVM, the default) or
#                      intel (bochs, a Core i7 Haswell: VMX with EPT); also TESTBED_CPU
#   --npt 0|1          L0's paging mode: kvm_amd npt=0 (shadow) or 1 (NPT) (default 1)
#   --ept 0|1          the same for --cpu intel: kvm_intel ept=0 or 1
#   --mem SIZE         testbed memory, QEMU syntax (default 2G)
#   --cpus N           testbed CPUs (default 2)
#   --timeout SEC      stop QEMU after SEC seconds (default 600); exit 124. The
#                      command itself is killed inside 20 s earlier (SEC/2 when
#                      SEC <= 40), so what it printed and wrote still comes back
#   --files 'A B ...'  files or directories to put into the testbed: a relative
#                      path P (relative to the current directory) appears as
#                      /work/P, an absolute path at the same path. The shared
#                      libraries of dynamic executables (ldd) come along.
#   --out DIR          copy /out/* back into DIR, plus DIR/testbed.info
#   --kvm-hold         /init holds a VM with one vCPU from before COMMAND to the end,
#                      so L0's KVM flips its static keys once (docs/testbed.md);
#                      also TESTBED_KVM_HOLD=1
#   --catch-shutdown   keep L0's last KVM events (tracefs's ring buffer) and stop
#                      them at the first shutdown exit (a vCPU's triple fault),
#                      before KVM resets the vCPU: /out/l0-shutdown.trace, and
#                      testbed.info shutdown_caught=1 (docs/testbed.md); also
#                      TESTBED_CATCH_SHUTDOWN=1
#   --trace-exits      trace L0's KVM while COMMAND runs (tracefs, l1-shim/tracefs.c)
#                      and write /out/l0-trace.json: exits by reason with counts
#                      and handling time, nested events, per process (find
#                      nestlab's L1 by its comm); see docs/exit-tracing.md
#   --boot pvh|bzimage|auto
#                      how QEMU starts the kernel: pvh boots the uncompressed vmlinux
#                      taken out of the bzImage (cached in build/testbed) at its PVH
#                      entry point, skipping emulated firmware and decompression
#                      (about 4 s less); bzimage boots the bzImage itself; auto (the
#                      default) is pvh when the kernel has a PVH entry, else bzimage
#   --kernel-dir DIR   kernel and modules as scripts/get-kernel.sh lays them out
#                      (default $NESTLAB_KERNEL_DIR or build/kernel of this tree)
#   --build DIR        the meson build directory whose tests/testbed/init and
#                      kvmcheck the testbed runs (default $NESTLAB_BUILD, which
#                      meson test sets, or build/ of this tree)
#   --verbose, -v      show the testbed's console (and the command's output) live on stderr
#   --quiet, -q        no timing summary on stderr
#   --keep             keep the work directory (initramfs, console log, results)
# Inside: /testbed/kvmcheck (on PATH as kvmcheck) checks that /dev/kvm runs a VM.
# Paths in --files cannot contain spaces. Environment: QEMU (the emulator to run),
# TESTBED_APPEND (kernel parameters instead of "quiet"), TESTBED_BUILD (where
# the vmlinux is cached; default build/testbed), NESTLAB_BUILD (see --build),
# TESTBED_STALL (seconds, default 60: while the command runs, /init writes a
# line to the console every 5 s; a console silent this long means the
# emulated machine froze, and QEMU is stopped then rather than at --timeout).
#
# exit status: COMMAND's; 77 when QEMU, the kernel or the built programs are missing
# (tests skip); 124 on --timeout or a frozen machine (TESTBED_STALL); 123 when the testbed's own kernel panicked
# or its emulated machine triple-faulted (both known emulator flakes);
# 125 when the testbed itself failed otherwise (modules refused, no
# /dev/kvm, no svm/npt, QEMU died, no results).
set -u
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
prog=testbed

npt=1 mem="" cpus="" tmo=600 boot=auto files="" outdir="" verbose=0 quiet=0 keep=0 trace=0 bld=""
hold=${TESTBED_KVM_HOLD:-0}
vendor=${TESTBED_CPU:-amd}
catch=${TESTBED_CATCH_SHUTDOWN:-0}
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
die() { echo "$prog: $*" >&2; exit 125; }
skip() { echo "$prog: SKIP: $*" >&2; exit 77; }
need() { [ $# -ge 2 ] || { echo "$prog: $1 needs a value" >&2; exit 2; }; }

while [ $# -gt 0 ]; do
	case "$1" in
	--npt | --ept) need "$@"; npt=$2; shift 2 ;;
	--cpu) need "$@"; vendor=$2; shift 2 ;;
	--mem) need "$@"; mem=$2; shift 2 ;;
	--cpus) need "$@"; cpus=$2; shift 2 ;;
	--timeout) need "$@"; tmo=$2; shift 2 ;;
	--files) need "$@"; files="$files $2"; shift 2 ;;
	--out) need "$@"; outdir=$2; shift 2 ;;
	--trace-exits) trace=1; shift ;;
	--kvm-hold) hold=1; shift ;;
	--catch-shutdown) catch=1; shift ;;
	--kernel-dir) need "$@"; kdir=$2; shift 2 ;;
	--build) need "$@"; bld=$2; shift 2 ;;
	--boot) need "$@"; boot=$2; shift 2 ;;
	-v | --verbose) verbose=1; shift ;;
	-q | --quiet) quiet=1; shift ;;
	--keep) keep=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "$prog: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "$prog: no command (usage: $0 [options] -- COMMAND [ARGS...])" >&2; exit 2; }
case "$npt" in 0 | 1) ;; *) echo "$prog: --npt/--ept must be 0 or 1" >&2; exit 2 ;; esac
case "$vendor" in amd | intel) ;; *) echo "$prog: --cpu (TESTBED_CPU) must be amd or intel, not '$vendor'" >&2; exit 2 ;; esac
# an emulated Intel host is bochs: one CPU and 1 GiB are what a test needs,
# and each costs it (docs/testbed.md, the Intel testbed)
[ -n "$mem" ] || { [ "$vendor" = intel ] && mem=1G || mem=2G; }
[ -n "$cpus" ] || { [ "$vendor" = intel ] && cpus=1 || cpus=2; }
case "$boot" in pvh | bzimage | auto) ;; *) echo "$prog: --boot must be pvh, bzimage or auto" >&2; exit 2 ;; esac
case "$cpus" in '' | *[!0-9]*) echo "$prog: --cpus must be a number" >&2; exit 2 ;; esac
case "$tmo" in '' | *[!0-9]*) echo "$prog: --timeout must be whole seconds" >&2; exit 2 ;; esac
stall=${TESTBED_STALL:-60}
case "$stall" in '' | *[!0-9]* | 0) echo "$prog: TESTBED_STALL must be whole seconds above 0, not '$stall'" >&2; exit 2 ;; esac
case "$hold" in 0 | 1) ;; *) echo "$prog: TESTBED_KVM_HOLD must be 0 or 1, not '$hold'" >&2; exit 2 ;; esac
case "$catch" in 0 | 1) ;; *) echo "$prog: TESTBED_CATCH_SHUTDOWN must be 0 or 1, not '$catch'" >&2; exit 2 ;; esac

# --- what the testbed needs ---
qemu=${QEMU:-qemu-system-x86_64}
bochs=${BOCHS:-bochs}
bxshare=${BXSHARE:-/usr/share/bochs}
if [ "$vendor" = amd ]; then
	command -v "$qemu" >/dev/null ||
		skip "no $qemu (Debian package qemu-system-x86)"
else
	command -v "$bochs" >/dev/null || skip "no $bochs (Debian package bochs)"
	[ -f "$bxshare/BIOS-bochs-latest" ] && [ -f "$bxshare/VGABIOS-lgpl-latest" ] ||
		skip "no bochs BIOS in $bxshare (Debian packages bochsbios, vgabios)"
	[ -f /usr/lib/ISOLINUX/isolinux.bin ] && [ -f /usr/lib/syslinux/modules/bios/ldlinux.c32 ] ||
		skip "no isolinux to boot bochs from a CD (Debian packages isolinux, syslinux-common)"
	command -v xorriso >/dev/null || skip "no xorriso to make the CD (Debian package xorriso)"
	case "$mem" in *[Gg]) mib=$((${mem%[Gg]} * 1024)) ;; *[Mm]) mib=${mem%[Mm]} ;; *) mib=$mem ;; esac
	[[ $mib =~ ^[0-9]+$ ]] && [ "$mib" -ge 256 ] || { echo "$prog: --mem '$mem': 256M or more, as NNNM or NG" >&2; exit 2; }
	[ "$cpus" = 1 ] || { echo "$prog: --cpu intel: bochs runs one CPU here (--cpus 1)" >&2; exit 2; }
fi
for t in cpio timeout; do
	command -v $t >/dev/null || skip "no $t (Debian packages cpio, coreutils)"
done
[ -e "$kdir/bzImage" ] && [ -f "$kdir/modules.dep" ] ||
	skip "no kernel in $kdir (run scripts/get-kernel.sh, or set --kernel-dir / NESTLAB_KERNEL_DIR)"
kdir=$(cd "$kdir" && pwd)

# init and kvmcheck: static, built by meson (tests/testbed/meson.build);
# init carries the exit tracer (l1-shim/tracefs.c, lib/ktrace_*.c) and the JSON writer (lib/json.c)
bld=${bld:-${NESTLAB_BUILD:-$tree/build}}
for p in init kvmcheck; do
	[ -x "$bld/tests/testbed/$p" ] ||
		skip "no $bld/tests/testbed/$p: build it (meson compile -C $bld) or name the build directory (--build DIR, NESTLAB_BUILD)"
	[ "$here/$p.c" -nt "$bld/tests/testbed/$p" ] &&
		echo "$prog: warning: $bld/tests/testbed/$p is older than $here/$p.c (meson compile -C $bld)" >&2
done
bld=$(cd "$bld" && pwd)
# the vmlinux taken out of the bzImage is cached here
bdir=${TESTBED_BUILD:-$tree/build/testbed}
mkdir -p "$bdir" || die "cannot create $bdir"

# the kernel QEMU boots: the bzImage, or the vmlinux inside it (ELF, PVH entry)
vmlinux_of() { # bzImage -> cached vmlinux path on stdout, or nothing
	local bz=$1 key out
	key=$(stat -L -c '%s-%Y' "$bz") || return
	out=$bdir/vmlinux-$(cat "$kdir/version" 2>/dev/null || echo unknown)-$key
	if [ ! -s "$out" ]; then
		bash "$tree/scripts/extract-vmlinux.sh" "$bz" "$out" 2>/dev/null || return
	fi
	# PVH entry: an ELF note of type XEN_ELFNOTE_PHYS32_ENTRY (18)
	command -v readelf >/dev/null && readelf -n "$out" 2>/dev/null | grep -q '(0x00000012)' || return
	echo "$out"
}
kernel=$kdir/bzImage
# bochs has no -kernel: it boots the bzImage from a CD (isolinux)
[ "$vendor" = intel ] && boot=bzimage
if [ "$boot" != bzimage ]; then
	v=$(vmlinux_of "$kdir/bzImage")
	if [ -n "$v" ]; then
		kernel=$v boot=pvh
	elif [ "$boot" = pvh ]; then
		die "--boot pvh: no vmlinux with a PVH entry point could be taken out of $kdir/bzImage"
	else
		boot=bzimage
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nestlab-testbed.XXXXXX") || die "mktemp failed"
qpid="" wdpid=""
cleanup() {
	[ -n "$wdpid" ] && kill "$wdpid" 2>/dev/null
	# QEMU (its timeout(1), which passes the signal on) while it still runs
	[ -z "$qpid" ] && [ -s "$work/qemu.pid" ] && [ ! -e "$work/qemu.rc" ] &&
		qpid=$(cat "$work/qemu.pid")
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null
		sleep 1
		kill -KILL "$qpid" 2>/dev/null
	fi
	if [ "$keep" = 1 ]; then
		echo "$prog: work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'echo "$prog: interrupted" >&2; exit 130' INT TERM HUP

# --- the initramfs ---
st=$work/root
mkdir -p "$st"/{proc,sys,dev,tmp,work,out,testbed/modules} "$st/usr/bin" || die "cannot stage $st"
ln -s usr/bin "$st/bin"
cp "$bld/tests/testbed/init" "$st/init"
cp "$bld/tests/testbed/kvmcheck" "$st/testbed/kvmcheck"

# kvm_amd (kvm_intel) and what it needs, with modules.dep: /init loads them
# in the order lib/modload.c gives (the one l1-shim uses; lib/moddep.h says why)
amd=$(sed -n "s/^\(kvm[-_]$vendor\.ko\):/\1:/p" "$kdir/modules.dep")
[ -n "$amd" ] || skip "$kdir/modules.dep has no kvm-$vendor.ko (run scripts/get-kernel.sh)"
cp "$kdir/modules.dep" "$st/testbed/modules/" || die "cannot copy $kdir/modules.dep"
for m in ${amd#*:} ${amd%%:*}; do
	cp "$kdir/modules/$m" "$st/testbed/modules/" || die "missing module $kdir/modules/$m"
done
{
	echo "npt=$npt"
	echo "vendor=$vendor"
	echo "verbose=$verbose"
	echo "trace_exits=$trace"
	echo "kvm_hold=$hold"
	echo "catch_shutdown=$catch"
	# the command's own deadline, inside, so that its output still comes back
	echo "cmd_timeout=$((tmo > 40 ? tmo - 20 : tmo / 2))"
} >"$st/testbed/config"
printf '%s\0' "$@" >"$st/testbed/argv"

add_libs() { # ELF file: its shared libraries and interpreter, at the same paths
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		[ -e "$st$lib" ] && continue
		mkdir -p "$st$(dirname "$lib")"
		cp -L "$lib" "$st$lib" || die "cannot copy $lib (needed by $1)"
	done
}
for f in $files; do
	[ -e "$f" ] || die "--files: no such file: $f"
	case "/$f/" in */../*) die "--files: use a path without '..' (or an absolute one): $f" ;; esac
	case "$f" in
	/*) dst=$st$f ;;
	*) dst=$st/work/${f#./} ;;
	esac
	mkdir -p "$(dirname "$dst")"
	cp -a "$f" "$dst" || die "cannot copy $f"
	while IFS= read -r -d '' x; do
		[ "$(head -c4 "$x" 2>/dev/null)" = $'\x7fELF' ] && add_libs "$x"
	done < <(find "$dst" -type f -perm -u+x -print0)
done
(cd "$st" && find . -mindepth 1 | sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
	>"$work/initrd.cpio" || die "cpio failed"

# --- run ---
: >"$work/results.cpio"
t0=${EPOCHREALTIME/./}
since() { # seconds since QEMU start, 3 decimals
	local d=$((${EPOCHREALTIME/./} - t0))
	printf '%d.%03d' $((d / 1000000)) $((d % 1000000 / 1000))
}
stamp() { # console lines, prefixed with seconds since QEMU start
	local line t
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line//$'\r'/}
		t=$(since)
		printf '%s\t%s\n' "$t" "$line"
		[ "$verbose" = 1 ] && printf '[%8s] %s\n' "$t" "$line" >&2
	done
}
append="console=ttyS0 ${TESTBED_APPEND:-quiet} panic=-1"
# The Intel host: bochs boots the bzImage and the initramfs from a CD
# through isolinux, COM1 to a file that tail(1) follows into the same
# console log, COM2 to the results file, as QEMU's; its built-in debugger
# (Debian builds it in) is told to continue at once; a triple fault of
# the emulated machine ends it (reset_on_triple_fault=0) with a panic
# line in its log.
bochs_prepare() {
	local iso=$work/iso
	mkdir -p "$iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
	cp -L "$kernel" "$iso/vmlinuz"
	mv "$work/initrd.cpio" "$iso/initrd"
	printf 'default linux\nprompt 0\ntimeout 0\nlabel linux\n  kernel /vmlinuz\n  append initrd=/initrd %s\n' \
		"$append" >"$iso/isolinux/isolinux.cfg"
	xorriso -as mkisofs -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table "$iso" 2>"$work/xorriso.err" ||
		die "xorriso failed: $(tail -1 "$work/xorriso.err")"
	rm -rf "$iso"
	cat >"$work/bochsrc" <<-EOF
	megs: $mib
	cpu: model=corei7_haswell_4770, count=1, ips=${TESTBED_BOCHS_IPS:-50000000}, reset_on_triple_fault=0
	romimage: file=$bxshare/BIOS-bochs-latest
	vgaromimage: file=$bxshare/VGABIOS-lgpl-latest
	ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
	boot: cdrom
	com1: enabled=1, mode=file, dev=$work/com1.txt
	com2: enabled=1, mode=file, dev=$work/results.cpio
	display_library: rfb, options="timeout=0"
	log: $work/bochs.log
	panic: action=fatal
	error: action=report
	info: action=ignore
	debug: action=ignore
	clock: sync=none, time0=local
	EOF
	echo c >"$work/bochs.rc"
	: >"$work/com1.txt"
}
if [ "$vendor" = amd ]; then
	{
		timeout --foreground -k 10 "$tmo" "$qemu" \
			-accel tcg -cpu max -m "$mem" -smp "$cpus" \
			-nodefaults -nographic -no-reboot \
			-d cpu_reset -D "$work/qemu-reset.log" \
			-kernel "$kernel" -initrd "$work/initrd.cpio" \
			-append "$append" \
			-serial mon:stdio -serial "file:$work/results.cpio" \
			</dev/null 2>&1 &
		echo $! >"$work/qemu.pid"
		wait $!
		echo $? >"$work/qemu.rc"
	} | stamp >"$work/console.log" &
	qpipe=$!
else
	bochs_prepare
	{
		# without MALLOC_PERTURB_ (meson test sets it): bochs 2.7 reads a
		# buffer it never filled and glibc's fortify check aborts it
		timeout --foreground -k 10 "$tmo" env -u MALLOC_PERTURB_ "$bochs" -q -f "$work/bochsrc" -rc "$work/bochs.rc" \
			</dev/null >"$work/bochs.out" 2>&1 &
		bpid=$!
		echo $bpid >"$work/qemu.pid"
		tail -n +1 -F --pid="$bpid" "$work/com1.txt" 2>/dev/null | stamp >"$work/console.log"
		wait $bpid
		echo $? >"$work/qemu.rc"
	} &
	qpipe=$!
fi
# The freeze watchdog: between "command start" and "command done" /init
# writes a heartbeat every 5 s (init.c, HEARTBEAT_S), so no new heartbeat
# for $stall s is a machine that stopped, not a command that is busy. The
# heartbeats are counted, not the console's last write: a testbed kernel
# whose CPUs are all stuck still prints its soft-lockup reports every
# 28 s (seen 2026-12-06: 500 s of them until --timeout).
watchdog() {
	local pid age started=0 beats=0 n last
	while [ ! -e "$work/qemu.rc" ]; do
		sleep 5
		[ "$started" = 1 ] || grep -q 'testbed: command start at' "$work/console.log" || continue
		[ "$started" = 1 ] || last=$(date +%s)
		started=1
		grep -q 'testbed: command done at' "$work/console.log" && return
		n=$(grep -c 'testbed: alive at' "$work/console.log")
		[ "$n" = "$beats" ] || { beats=$n; last=$(date +%s); }
		age=$(($(date +%s) - last))
		[ "$age" -ge "$stall" ] || continue
		echo "$age" >"$work/stalled"
		pid=$(cat "$work/qemu.pid")
		kill -TERM "$pid" 2>/dev/null
		sleep 10
		pkill -KILL -P "$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
		return
	done
}
watchdog &
wdpid=$!
wait $qpipe
kill "$wdpid" 2>/dev/null
wait "$wdpid" 2>/dev/null
wdpid=""
t_total=$(since)
qrc=$(cat "$work/qemu.rc" 2>/dev/null || echo 125)

# Where each emulated CPU stood when L0's kernel triple-faulted: QEMU logs
# every CPU's state under -d cpu_reset as it resets them, after the line
# "Triple fault". A vmlinux boot (PVH) runs at the kernel's link address,
# so with get-kernel.sh's cached kallsyms (scripts/ksym.sh) the RIPs
# name their functions.
tf_state() {
	local l cpu="" rip rsp cr2 sym addrs=()
	while IFS= read -r l; do
		case "$l" in
		"CPU Reset (CPU "*) cpu=${l#CPU Reset (CPU }; cpu=${cpu%)} ;;
		RIP=*) rip=${l#RIP=}; rip=${rip%% *} ;;
		*RSP=*) rsp=${l##*RSP=}; rsp=${rsp%% *} ;;
		CR0=*) cr2=${l#*CR2=}; cr2=${cr2%% *}
			sym=""
			[ -s "$kdir/kallsyms" ] && [ "$kernel" != "$kdir/bzImage" ] &&
				sym=$(bash "$tree/scripts/ksym.sh" --kallsyms "$kdir/kallsyms" "0x$rip" 2>/dev/null | cut -d' ' -f2)
			echo "$prog: CPU $cpu at the triple fault: RIP 0x$rip${sym:+ ($sym)} RSP 0x$rsp CR2 0x$cr2"
			addrs+=("$rip") ;;
		esac
	done < <(sed -n '/^Triple fault/,$p' "$work/qemu-reset.log" 2>/dev/null)
	if [ "$vendor" = intel ]; then
		grep -m1 'exception with no resolution' "$work/bochs.log" | sed "s/^/$prog: bochs: /"
	elif [ ${#addrs[@]} = 0 ]; then
		echo "$prog: (QEMU logged no CPU state after the triple fault)"
	fi
}

tail_console() {
	echo "$prog: last console lines (all of them: --keep, then $work/console.log):" >&2
	# of each stretch of heartbeats only its last line: when it stopped
	cut -f2- "$work/console.log" | awk '/^testbed: alive at / { a = $0; next }
		{ if (a != "") print a; a = ""; print } END { if (a != "") print a }' |
		tail -n 25 | sed 's/^/  | /' >&2
}
if [ -e "$work/stalled" ]; then
	echo "$prog: the testbed froze: no heartbeat from its /init for $(cat "$work/stalled") s while the command ran (TESTBED_STALL=$stall); stopped at ${t_total} s" >&2
	tail_console
	exit 124
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "$prog: timed out after $tmo s (--timeout)" >&2
	tail_console
	exit 124
fi

res=$work/res
mkdir -p "$res"
(cd "$res" && cpio -id --quiet --no-absolute-filenames) <"$work/results.cpio" 2>"$work/cpio.err"
crc=$?
# The testbed's own kernel crashing (it reboots at once, panic=-1, and QEMU
# stops: no results) is told apart from other testbed failures, because it
# is one of the emulator's known flakes (docs/testbed.md) that tests retry.
# A guest's panic message that the command printed (shown on this console
# with --verbose) does not count: then the results came back.
if [ ! -f "$res/testbed/status" ] && cut -f2- "$work/console.log" |
	grep -Eq '^\[ *[0-9]+\.[0-9]+\] Kernel panic - not syncing'; then
	echo "$prog: the testbed's kernel crashed (QEMU exit status $qrc)" >&2
	tail_console
	exit 123
fi
# A triple fault of the testbed's own kernel resets the emulated machine
# without a word on the console, and -no-reboot makes QEMU exit 0. TCG
# logs it under -d cpu_reset; a triple fault inside an SVM guest (an L1)
# is a shutdown intercept instead and does not appear there, so the line
# means L0's kernel itself faulted: the emulator's flake, tried again.
if [ ! -f "$res/testbed/status" ] && { grep -q '^Triple fault' "$work/qemu-reset.log" 2>/dev/null ||
	grep -q 'exception with no resolution' "$work/bochs.log" 2>/dev/null; }; then
	echo "$prog: the testbed's emulated machine triple-faulted and reset (QEMU exit status $qrc)" >&2
	tf_state >&2
	tail_console
	exit 123
fi
if [ ! -f "$res/testbed/status" ]; then
	echo "$prog: the testbed failed: no results came back (QEMU exit status $qrc)" >&2
	tail_console
	exit 125
fi
if [ "$crc" != 0 ] || grep -q . "$work/cpio.err"; then
	echo "$prog: the testbed failed: the result stream is incomplete ($(head -1 "$work/cpio.err"))" >&2
	tail_console
	exit 125
fi
status=$(cat "$res/testbed/status")

at() { # seconds since QEMU start when the console showed PATTERN
	grep -m1 -F "$1" "$work/console.log" | cut -f1
}
t_init=$(at 'testbed: init at')
t_kvm=$(at 'testbed: kvm ready at')
t_cmd0=$(at 'testbed: command start at')
t_cmd1=$(at 'testbed: command done at')
{
	cat "$res/testbed/info"
	echo "npt_requested=$npt"
	echo "qemu_mem=$mem"
	echo "qemu_cpus=$cpus"
	echo "boot=$boot"
	echo "host_t_init=$t_init"
	echo "host_t_kvm_ready=$t_kvm"
	echo "host_t_command_start=$t_cmd0"
	echo "host_t_command_done=$t_cmd1"
	echo "host_t_total=$t_total"
	echo "status=$status"
	echo "emulated=$([ "$vendor" = intel ] && echo "bochs corei7_haswell_4770" || echo qemu-tcg)"
} >"$work/testbed.info"

case "$status" in
l0-error*)
	echo "$prog: L0 failure: ${status#l0-error }" >&2
	tail_console
	exit 125
	;;
esac

cat "$res/testbed/stdout"
cat "$res/testbed/stderr" >&2
case "$status" in timeout*)
	echo "$prog: the command timed out after ${status#timeout } s inside the testbed (--timeout $tmo)" >&2
	;;
esac
if [ -n "$outdir" ]; then
	mkdir -p "$outdir" || die "cannot create $outdir"
	[ -d "$res/out" ] && cp -a "$res/out/." "$outdir/"
	cp "$work/testbed.info" "$outdir/testbed.info"
fi
if [ "$quiet" = 0 ]; then
	kern=$(sed -n 's/^kernel=//p' "$res/testbed/info")
	tc=$(sed -n 's/^t_command=//p' "$res/testbed/info")
	if [ "$vendor" = intel ]; then
		machine="ept=$npt, $kern (bzimage from a CD), $mib MiB, 1 CPU (bochs, Core i7-4770: emulation, not hardware)"
	else
		machine="npt=$npt, $kern ($boot), -m $mem -smp $cpus (QEMU TCG: emulation, not hardware)"
	fi
	echo "$prog: $machine:" \
		"/init at ${t_init:-?} s, /dev/kvm ready at ${t_kvm:-?} s, command ${tc:-?} s," \
		"total ${t_total} s; status $status" >&2
fi
case "$status" in timeout*) exit 124 ;; '' | *[!0-9]*) die "bad status '$status' from the testbed" ;; esac
exit "$status"
