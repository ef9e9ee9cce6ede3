#!/bin/bash
# Whose are the testbed's flakes (issue 12, item 5)? The same L1 and L2s,
# booted alternately by nestlab and by QEMU as L1's VMM, in the same
# testbed: a failure mode that comes with both VMMs at the same rate is
# L0's KVM's or the emulator's, one that comes only with nestlab is
# nestlab's. L1 is the one testbed-nested boots (Debian's kernel, l1-shim,
# two guest-kernel L2s: mcf and ptrchase at 8M), with the command line
# `nestlab nested --print-cmdline` gives, so the only difference is L1's
# VMM (and with it L1's CPU model, firmware and devices: QEMU's pc machine
# with SeaBIOS against nestlab's direct boot).
# The testbed boots several times (PER_BOOT pairs each), so one crash of
# its own machine loses only that boot's runs; each lost boot is counted.
# usage: bench/flakes.sh BUILD_DIR OUT_DIR [PAIRS [MODE [PER_BOOT [LIMIT [HOLD [L1]]]]]]
#   PAIRS nestlab+QEMU run pairs in all (default 10), MODE L1's paging
#   (shadow, the default, or nested), PER_BOOT pairs per testbed boot
#   (default 5), LIMIT each run's watchdog in seconds (default 180), HOLD
#   1 to give L1 `--l1-kvm-hold` in both arms (default 0), or alt for no
#   QEMU arm: nestlab without the hold against nestlab with it, alternating.
#   L1 small (the default: the L1 and L2s above) or swapdisk:
#   testbed-nested's swapdisk scenario with two L1 vCPUs (a 160M L1, two
#   touch L2s of 120M, 64M touched each, swap on a 256M virtio disk:
#   nestlab's, or a virtio-mmio disk on QEMU's microvm machine), the
#   control for that scenario's L2 failures (docs/testbed.md).
#   With TESTBED_CATCH_SHUTDOWN=1 (testbed.sh --catch-shutdown) each run
#   that ends in a triple fault leaves L0's last KVM events, stopped at the
#   shutdown exit, as boot-N/PAIR-VMM.l0shutdown (docs/testbed.md).
#   Writes OUT_DIR/flakes.tsv (boot, pair, vmm, outcome, seconds),
#   OUT_DIR/boots.tsv (boot, testbed exit status, runs it brought back),
#   OUT_DIR/summary.txt, and each run's output under OUT_DIR/boot-N/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
. "$here/lib.sh"
[ $# -ge 2 ] || { echo "usage: bench/flakes.sh BUILD_DIR OUT_DIR [PAIRS [MODE [PER_BOOT [LIMIT [HOLD [L1]]]]]]" >&2; exit 2; }
build=$(cd "$1" && pwd) || die "no build directory $1"
out=$2 pairs=${3:-10} mode=${4:-shadow} per=${5:-5} limit=${6:-180} hold=${7:-0} l1=${8:-small}
for v in pairs per limit; do
	[[ ${!v} =~ ^[1-9][0-9]{0,3}$ ]] || { echo "bench: $v '${!v}' is not a whole number 1..9999" >&2; exit 2; }
done
case "$mode" in shadow | nested) ;; *) echo "bench: MODE '$mode' is not shadow or nested" >&2; exit 2 ;; esac
case "$hold" in 0 | alt | 1) ;; *) echo "bench: HOLD '$hold' is not 0, 1 or alt" >&2; exit 2 ;; esac
case "$l1" in small | swapdisk) ;; *) echo "bench: L1 '$l1' is not small or swapdisk" >&2; exit 2 ;; esac
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
[ -e "$kdir/bzImage" ] || die "no kernel in $kdir (scripts/get-kernel.sh)"
[ -f "$build/l1-shim/l1-initramfs.cpio" ] || die "no $build/l1-shim/l1-initramfs.cpio (meson setup --reconfigure after scripts/get-kernel.sh)"
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 is missing (it is L1's VMM in the control runs)"
tmo=$(command -v timeout) || die "timeout (coreutils) is missing"
for dir in /usr/share/qemu /usr/share/seabios; do
	[ -d "$dir" ] || die "$dir is missing (QEMU's firmware: SeaBIOS and the PVH option ROM)"
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$tree"
bench_workdir flakes
cp "$build/vmm/nestlab" "$w/"
cp -L "$(l1_kernel "$kdir")" "$w/l1-kernel"
cp "$build/l1-shim/l1-initramfs.cpio" "$w/l1.cpio"
cp "$tmo" "$w/timeout"
if [ "$l1" = swapdisk ]; then
	trc=$(command -v truncate) || die "truncate (coreutils) is missing (it makes QEMU's swap disk)"
	cp "$trc" "$w/truncate"
fi
cp "$here/flakes_inner.sh" "$w/"
printf 'boot\tpair\tvmm\toutcome\tseconds\n' >"$out/flakes.tsv"
printf 'boot\ttestbed_exit\truns\n' >"$out/boots.tsv"
# TAG's lines on the console of the boot just kept (flakes_inner.sh's)
console() { cut -f2- "$kept/console.log" | sed -n "s/^$1\t//p" | tr -d '\r'; }
boot=0
for ((first = 0; first < pairs; first += per)); do
	n=$((pairs - first < per ? pairs - first : per))
	boot=$((boot + 1))
	mkdir -p "$out/boot-$boot"
	echo "flakes: boot $boot: pairs $first..$((first + n - 1)) ($mode paging in L1, $l1 L1)" >&2
	st=0
	testbed --quiet --keep --mem 3G --timeout $((n * 2 * (limit + 15) + 120)) \
		--files "$rel /bin/bash $qemu /usr/share/qemu /usr/share/seabios" --out "$out/boot-$boot" -- \
		/bin/bash "$rel/flakes_inner.sh" "/work/$rel" "$first" "$n" "$mode" "$limit" "$hold" "$l1" \
		>"$out/boot-$boot/testbed.log" 2>&1 || st=$?
	# a testbed that froze or crashed brings no /out back, but the runs it
	# finished are on its console (kept by --keep, then removed)
	kept=$(sed -n 's/^testbed: work directory kept: //p' "$out/boot-$boot/testbed.log" | tail -n 1)
	if [ -n "$kept" ] && [ -f "$kept/console.log" ]; then
		if [ ! -f "$out/boot-$boot/flakes.tsv" ]; then
			console flakes-result >"$out/boot-$boot/flakes.tsv"
			[ -s "$out/boot-$boot/flakes.tsv" ] || rm -f "$out/boot-$boot/flakes.tsv"
		fi
		# and each run's last lines (flakes_inner.sh), kept whatever came back
		console flakes-tail >"$out/boot-$boot/tails.tsv"
	fi
	case "$kept" in */nestlab-testbed.*) rm -rf "$kept" ;; esac
	got=0
	if [ -f "$out/boot-$boot/flakes.tsv" ]; then
		got=$(wc -l <"$out/boot-$boot/flakes.tsv")
		sed "s/^/$boot\t/" "$out/boot-$boot/flakes.tsv" >>"$out/flakes.tsv"
	fi
	printf '%s\t%s\t%s\n' "$boot" "$st" "$got" >>"$out/boots.tsv"
	[ "$st" = 0 ] || echo "flakes: boot $boot: the testbed exited $st, with $got of $((2 * n)) runs" >&2
done

# the rates, per VMM and outcome, with the boots that brought nothing back
awk -F'\t' -v mode="$mode" -v hold="$hold" -v l1="$l1" '
	FNR == 1 { next }
	FILENAME ~ /boots.tsv$/ { boots++; if ($2 != 0) bad++; next }
	{ runs[$3]++; n[$3 "\t" $4]++; outc[$4] = 1 }
	END {
		printf "flakes: %s L1, %s paging%s, %d testbed boots (%d ended badly)\n", l1, mode,
			hold == 1 ? " with --l1-kvm-hold" : hold == "alt" ? ", nestlab without and with --l1-kvm-hold" : "", boots, bad
		for (v in runs) {
			printf "%-8s %4d runs:", v, runs[v]
			for (o in outc)
				if (n[v "\t" o])
					printf "  %s %d (%.1f%%)", o, n[v "\t" o], 100 * n[v "\t" o] / runs[v]
			printf "\n"
		}
	}' "$out/boots.tsv" "$out/flakes.tsv" | tee "$out/summary.txt"
caught=$(find "$out" -name '*.l0shutdown' | sort)
[ -z "$caught" ] || printf 'flakes: L0 caught %d shutdown exit(s) before KVM reset the vCPU: %s\n' \
	"$(echo "$caught" | wc -l)" "$(echo "$caught" | tr '\n' ' ')" | tee -a "$out/summary.txt"
