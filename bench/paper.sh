#!/bin/bash
# The paper reproduction (docs/experiments.md): expands each experiment
# description (bench/experiments/*.expt) into runs with nestlab-expt, runs
# every one that is not done yet (so an interrupted reproduction resumes
# where it stopped), straight on this host when its KVM offers SVM/VMX to
# guests, else each run in a fresh testbed boot (QEMU TCG: emulation), then
# writes CSV, plots and report.md with nestlab-expt.
# usage: bench/paper.sh [--scale S] [--reps N] [--sizes 5G,8G,...] [--modes LIST]
#                       [--guest kernel|linux] [--out DIR] [--build DIR]
#                       [--where direct|testbed] [--trace-l0] [EXPERIMENT...]
# --trace-l0: nested runs trace L0 (exit multiplication in the report; slower)
# EXPERIMENT: fig3 fig4 modes (default: fig3 modes; modes holds fig4's sweep in every mode)
# --guest: every VM guest-kernel (the descriptions' default) or Linux running
# the benchmark's program (docs/guest-linux.md; bzip2, gobmk, hmmer only)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
. "$here/lib.sh"
L1_ALLOWANCE_MIB=${L1_ALLOWANCE_MIB:-64}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}     # seconds one run may take
scale=1/32 reps=1 sizes="" modes="" guest="" out="" build=$tree/build where=auto l0trace=0
exps=()
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--modes) modes=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--where) where=$2; shift 2 ;;
	--trace-l0) l0trace=1; shift ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) exps+=("$1"); shift ;;
	esac
done
[ ${#exps[@]} -gt 0 ] || exps=(fig3 modes)
expt_file() { # NAME (bench/experiments/NAME.expt) or a path to a .expt file
	case "$1" in
	*/* | *.expt) echo "$1" ;;
	*) echo "$here/experiments/$1.expt" ;;
	esac
}
out=${out:-$tree/results/paper-$(date +%Y%m%d-%H%M%S)}
build=$(cd "$build" && pwd)
expt=$build/bench/nestlab-expt
kdir=${NESTLAB_KERNEL_DIR:-$tree/build/kernel}
for f in "$expt" "$build/vmm/nestlab" "$build/guest-kernel/guest-kernel" \
	"$build/l1-shim/l1-initramfs.cpio" "$kdir/bzImage"; do
	[ -e "$f" ] || die "missing $f (meson compile -C build, scripts/get-kernel.sh, meson setup --reconfigure build)"
done
if [ "$where" = auto ]; then
	where=testbed
	grep -qwE 'svm|vmx' /proc/cpuinfo && [ -w /dev/kvm ] && where=direct
fi
case "$where" in direct | testbed) ;; *) die "--where must be direct or testbed" ;; esac
case "$guest" in "" | kernel | linux) ;; *) die "--guest must be kernel or linux" ;; esac

mkdir -p "$out/runs"
out=$(cd "$out" && pwd)

stage=$(mktemp -d "$tree/build/paper-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp "$build/vmm/nestlab" "$build/guest-kernel/guest-kernel" "$here/paper_run.sh" "$stage/"
cp -L "$(l1_kernel "$kdir")" "$stage/l1-kernel"
cp "$build/l1-shim/l1-initramfs.cpio" "$stage/l1.cpio"
rel=${stage#"$tree"/}   # testbed.sh takes --files relative to the current directory
cd "$tree"

opts=(--scale "$scale" --reps "$reps")
[ -n "$sizes" ] && opts+=(--sizes "$sizes")
[ -n "$guest" ] && opts+=(--guest "$guest")
# --modes applies to each experiment as far as its description has them
emodes() { # experiment -> its modes among --modes, comma-separated
	local have m r=""
	have=" $(sed -n 's/#.*//; s/^modes[[:space:]]\{1,\}//p' "$(expt_file "$1")") "
	[ "$have" = "  " ] && have=" shadow "
	for m in ${modes//,/ }; do
		case "$have" in *" $m "*) r=${r:+$r,}$m ;; esac
	done
	echo "$r"
}
eopts() { # experiment -> its plan/summarize options
	local m
	echo "${opts[@]}"
	if [ -n "$modes" ]; then
		m=$(emodes "$1")
		[ -n "$m" ] && echo "--modes $m"
	fi
}
plan=$out/plan.tsv
: >"$plan"
run_exps=()
for e in "${exps[@]}"; do
	f=$(expt_file "$e")
	[ -f "$f" ] || die "no experiment '$e' ($here/experiments/*.expt, or a path to a .expt file)"
	if [ -n "$modes" ] && [ -z "$(emodes "$e")" ]; then
		echo "paper: $e has none of the modes $modes: skipped"
		continue
	fi
	# shellcheck disable=SC2046
	"$expt" plan "$f" $(eopts "$e") | tail -n +2 >>"$plan" || die "nestlab-expt plan $f failed"
	run_exps+=("$e")
done
exps=("${run_exps[@]}")
total=$(wc -l <"$plan")
# Linux VMs (--guest linux, or a description's guest linux) need the L2
# image: Debian's kernel, the L2 initramfs, and L1's initramfs with both
l2part_mib=0
if cut -f13 "$plan" | grep -qx linux; then
	l1linux=$build/guest-linux/l1-initramfs-linux.cpio
	for f in "$build/guest-linux/l2-initramfs.cpio" "$l1linux"; do
		[ -e "$f" ] || die "missing $f (scripts/get-programs.sh, then meson setup --reconfigure build)"
	done
	cp -L "$kdir/bzImage" "$stage/l2-kernel"
	cp "$build/guest-linux/l2-initramfs.cpio" "$stage/l2.cpio"
	cp "$l1linux" "$stage/l1-linux.cpio"
	# what L1's rootfs holds for its Linux L2s (their kernel and
	# initramfs: the paper's L2 images lay on L1's disk, ours in its RAM)
	l2part_mib=$((($(stat -c %s "$l1linux") - $(stat -c %s "$stage/l1.cpio")) / 1048576 + 1))
fi
if [ "$where" = direct ]; then
	host="$(uname -r) on $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), L0 $(ls /sys/module | grep -E '^kvm_(amd|intel)$')"
	emulated=no
else
	host="testbed: QEMU TCG -cpu max (AMD SVM+NPT emulated) on $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
	emulated=yes
fi
{
	echo "nestlab paper reproduction, $(date -u +%FT%TZ)"
	echo "where: $where ($host)"
	echo "scale $scale, reps $reps, guest ${guest:-as each description says}, experiments ${exps[*]}, $total runs; results in $out"
} | tee "$out/run.log"
# run-notes.tsv: every run tried again or skipped, with why, for the
# report (nestlab-expt report shows each one)
notes=$out/run-notes.tsv
touch "$notes"
note() { # id retried|skipped why
	[ "$2" = skipped ] && grep -qF "$1	skipped	" "$notes" && return
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$notes"
}

# measured.tsv: the columns nestlab-expt summarize reads (docs/experiments.md);
# each run's line comes from its document with nestlab-expt measure
measured_ok() { # FILE ID: exactly one whole line, for ID, of 12, 17 or 18 columns
	local first n
	[ "$(wc -l <"$1")" = 1 ] || return 1
	IFS=$'\t' read -r first _ <"$1" || return 1
	[ "$first" = "$2" ] || return 1
	n=$(awk -F'\t' '{ print NF }' "$1")
	case "$n" in 12 | 17 | 18) return 0 ;; esac
	return 1
}
t_start=$(date +%s) done_now=0 k=0
while IFS=$'\t' read -r id _exp config wl mem hmem l1mem l1cpus fp iters vms rep g res ksm zswap; do
	k=$((k + 1))
	r=$out/runs/$id
	# done in an earlier, interrupted run; a line cut off or not this run's
	# (a file damaged after the fact: paper.sh itself renames whole lines
	# into place) is run again
	if [ -e "$r.tsv" ]; then
		measured_ok "$r.tsv" "$id" && continue
		echo "[$k/$total] $id: its measured line is damaged: run again" | tee -a "$out/run.log"
		note "$id" retried "its measured line was damaged (run again on resume)"
		rm -f "$r.tsv"
	fi
	if [ "$config" = sos ] && [ "$where" = direct ]; then
		# shadow-on-shadow needs L0 itself on shadow paging: only the
		# testbed lets us choose L0's mode, so it is not run here
		echo "[$k/$total] $id: skipped (sos needs the testbed's L0 with npt=0)" | tee -a "$out/run.log"
		note "$id" skipped "sos needs the testbed's L0 with npt=0"
		continue
	fi
	if [ "$g" = linux ] && [ "$where" = testbed ] && [ "$config" != flat ] && [ "$config" != nested ]; then
		# docs/guest-linux.md: the testbed's L0 refuses a shadow-paged
		# Linux L2's entry once its decompressor turns paging off
		echo "[$k/$total] $id: skipped (a Linux L2 under shadow paging does not run in the testbed)" |
			tee -a "$out/run.log"
		note "$id" skipped "a Linux L2 under shadow paging does not run in the testbed (docs/guest-linux.md)"
		continue
	fi
	t0=$(date +%s)
	# L1's own kernel and initramfs take about 50 MiB whatever the scale
	# (a few % of the paper's 8 GB L1, half of a 1/64-scale one): L1 gets
	# that on top of its scaled memory, so that the scaled L2s meet the
	# same pressure as the paper's (docs/experiments.md)
	l1mem=$((l1mem + L1_ALLOWANCE_MIB * 1048576))
	[ "$g" = linux ] && l1mem=$((l1mem + l2part_mib * 1048576))
	swap=$((l1mem / 2))                # zram in L1: overcommit degrades instead of killing L2s
	if [ "$where" = direct ]; then
		bash "$stage/paper_run.sh" "$stage" "$r" "$config" "$wl" "$mem" "$l1mem" "$l1cpus" \
			"$fp" "$iters" "$vms" "$swap" "$RUN_TIMEOUT" "$g" "$res" "$ksm" "$zswap" "$l0trace" || true
	else
		npt=1
		[ "$config" = sos ] && npt=0
		# the testbed host: the paper's host memory (scaled) plus room for
		# its own kernel and staged files, so that L0 itself does not swap
		tbmem=$(((hmem > l1mem ? hmem : l1mem) / 1048576 + 384))M
		# a run that outlives RUN_TIMEOUT is stopped by nestlab's own
		# watchdog (its document still comes back). Run once more, and
		# said so in the log: a testbed that froze (exit 124) or whose
		# kernel crashed (123), and an L1 that died itself, by a triple
		# fault of one of its vCPUs or at the watchdog: all are the
		# testbed's known flakes (docs/testbed.md); a second failure is
		# recorded as it is.
		for try in 1 2; do
			rm -rf "$r.tb"
			mkdir -p "$r.tb"
			testbed --quiet --npt "$npt" --mem "$tbmem" \
				--timeout $((RUN_TIMEOUT + 60)) --files "$rel /bin/bash" --out "$r.tb" -- \
				/bin/bash "$rel/paper_run.sh" "/work/$rel" "/out/run" "$config" "$wl" "$mem" \
				"$l1mem" "$l1cpus" "$fp" "$iters" "$vms" "$swap" "$RUN_TIMEOUT" "$g" "$res" "$ksm" "$zswap" "$l0trace" >"$r.testbed.log" 2>&1 &&
				st=0 || st=$?
			[ "$st" = 0 ] || echo "  testbed exit $st (see $r.testbed.log)"
			l1=$("$expt" l1-outcome "$r.tb/run.json" 2>/dev/null || true)
			case "$st/$l1" in
			124/*) why="the testbed froze" ;;
			123/*) why="the testbed's kernel crashed" ;;
			*/triple-fault) why="an L1 vCPU triple-faulted" ;;
			*/timeout) why="L1 outlived the watchdog" ;;
			*) break ;;
			esac
			[ "$try" = 1 ] || break
			echo "  $id: $why (kept as $r.try1.*); running it once more" | tee -a "$out/run.log"
			note "$id" retried "$why"
			cp "$r.testbed.log" "$r.try1.testbed.log"
			cp "$r.tb/run.json" "$r.try1.json" 2>/dev/null || true
		done
		for x in json rc out; do [ -f "$r.tb/run.$x" ] && cp "$r.tb/run.$x" "$r.$x"; done
		cp "$r.tb/testbed.info" "$r.testbed.info" 2>/dev/null || true
		rm -rf "$r.tb"
	fi
	rc=$(cat "$r.rc" 2>/dev/null || echo 1)
	if [ -s "$r.json" ] && line=$("$expt" measure "$id" "$config" "$wl" "$mem" "$rep" "$rc" "$r.json") &&
		[ -n "$line" ]; then
		# renamed into place whole: a kill here leaves the old state
		echo "$line" >"$r.tsv.part" && mv "$r.tsv.part" "$r.tsv"
	else
		echo "  $id: no result (exit $rc); it will be run again next time"
	fi
	t1=$(date +%s)
	done_now=$((done_now + 1))
	left=$(((t1 - t_start) * (total - k) / done_now))
	printf '[%d/%d] %-40s %4d s  workload %s s  status %s   elapsed %dm%02ds, about %dm%02ds left\n' \
		"$k" "$total" "$id" $((t1 - t0)) "$(cut -f6 "$r.tsv" 2>/dev/null || echo -)" \
		"$(cut -f7 "$r.tsv" 2>/dev/null || echo -)" $(((t1 - t_start) / 60)) $(((t1 - t_start) % 60)) \
		$((left / 60)) $((left % 60)) | tee -a "$out/run.log"
done <"$plan"
# wall time over every invocation that worked on this output directory
wall=$(($(date +%s) - t_start + $(cat "$out/wall_s" 2>/dev/null || echo 0)))
echo "$wall" >"$out/wall_s"

{
	printf 'run_id\tconfig\tworkload\tvm_mem\trep\ttime_s\tstatus\tl1_pf_guest\tl1_exits\tl0_exits\tswap_out\tmajor_faults'
	printf '\tl1_shadow_zapped\tguest_rss_kb\tguest_major_faults\tguest_page_cache_kb\tguest_boot_s'
	printf '\tl1_ksm_sharing\n'
	cat "$out"/runs/*.tsv 2>/dev/null
} >"$out/measured.tsv.part" && mv "$out/measured.tsv.part" "$out/measured.tsv"
for e in "${exps[@]}"; do
	# shellcheck disable=SC2046
	"$expt" summarize "$(expt_file "$e")" "$out/measured.tsv" "$out" --host "$host" \
		--emulated "$emulated" $(eopts "$e") || echo "paper: summarize $e failed" >&2
done
names=()
for e in "${exps[@]}"; do names+=("$(basename "$e" .expt)"); done
"$expt" report "$out" "${names[@]}" --wall "$wall" || echo "paper: report failed" >&2
# Every nested run that traced L0 (--trace-l0): what each L2 exit cost at
# L0, as nestlab stat reads it from the run's document
traced=()
for f in "$out"/runs/*.json; do
	case "$f" in *.try*.json) continue ;; esac
	jq -e '.l0_trace.multiplication.by_reason | length > 0' "$f" >/dev/null 2>&1 && traced+=("$f")
done
if [ ${#traced[@]} -gt 0 ] && [ -f "$out/report.md" ]; then
	{
		echo
		echo "## Exit multiplication (runs that traced L0)"
		echo
		echo "For each L2 exit L0 reflected to L1, the L0 exits L1's handling of it caused and"
		echo "the time it took at L0 and in L1, by L2 exit reason ([exit-multiplication.md]"
		echo "(../../docs/exit-multiplication.md)). Tracing costs time: these runs' times are not"
		echo "comparable with untraced ones."
		for f in "${traced[@]}"; do
			echo
			echo "### $(basename "$f" .json)"
			echo
			echo '```'
			stat_multiplication "$build/vmm/nestlab" "$f"
			echo '```'
		done
	} >>"$out/report.md"
fi
echo "paper: $(grep -c . "$out/measured.tsv") lines measured in ${wall} s; report: $out/report.md" | tee -a "$out/run.log"
