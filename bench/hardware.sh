#!/bin/bash
# The hardware report (issue 15, docs/doctor.md "The hardware report"): on
# a host whose own KVM offers SVM/VMX to guests, one command runs the flat
# benchmark against native, the exit round trip, a traced nested run in
# each L1->L2 paging mode and figures 3 and 4 of the paper (3 repetitions),
# and writes results/hardware-DATE/report.md, labelled HARDWARE.
# usage: bench/hardware.sh [--out DIR] [--scale S] [--dry-run] [--help]
#   --out DIR   the report directory (default results/hardware-DATE); run
#               again with the same DIR to resume: steps that passed are
#               kept, fig3/fig4 run only what is missing (bench/paper.sh)
#   --scale S   fig3/fig4's scale instead of the planned one (1/N or a
#               decimal; more than 1/64 runs past 10 minutes)
#   --dry-run   the checks, then the plan (every step and its command line)
#   NESTLAB     (environment) the nestlab whose doctor decides; default
#               build/vmm/nestlab (the tests point it at a fake)
# It refuses, with one line "hardware: ..." and exit status 1, before any
# step when nestlab doctor says nested runs cannot run on this host itself
# (no /dev/kvm, no permission, kvm_pvm, nested=0, no SVM/VMX offered), when
# memory is short, or when packages are missing and it is not root. Bad
# usage: exit 2. It reads the KVM modules' parameters into the report and
# never changes them: the host's settings are what is measured.
set -u
tree=$(cd "$(dirname "$0")/.." && pwd)

# The budget (ten minutes on a current 16-core machine): each step's limit
# in seconds, 595 in all without the package install, which only a host
# missing packages needs. fig3/fig4's limits are for scale 1/64 and grow
# with the scale. Estimates: nothing here has run on hardware yet.
LIM_DEPS=240 LIM_KERNEL=60 LIM_BUILD=90 LIM_FLAT=75 LIM_PORTRT=25
LIM_NESTED=45 LIM_FIG3=105 LIM_FIG4=150
MIN_AVAIL_MIB=2048  # the smallest plan (scale 1/64) peaks near 0.8 GiB; the rest is the build's and the page cache's
REPS=3
FLAT_FP=16M         # the flat benchmark's footprint: 6 workloads x 3 reps x (native + VM) in its limit
RUN_LIMIT=60        # one fig3/fig4 run's own watchdog (paper.sh RUN_TIMEOUT): a stuck run costs a minute, not the step

refuse() { echo "hardware: $*" >&2; exit 1; }
usage_err() { echo "hardware: $* (try --help)" >&2; exit 2; }

out="" scale_opt="" dry=0
while [ $# -gt 0 ]; do
	case "$1" in
	--out) [ $# -ge 2 ] || usage_err "--out needs a directory"; out=$2; shift 2 ;;
	--scale) [ $# -ge 2 ] || usage_err "--scale needs a value"; scale_opt=$2; shift 2 ;;
	--dry-run) dry=1; shift ;;
	-h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) usage_err "unknown argument '$1'" ;;
	esac
done
if [ -n "$scale_opt" ]; then
	[[ $scale_opt =~ ^(1/[1-9][0-9]{0,3}|0?\.[0-9]{0,5}[1-9]|1)$ ]] || usage_err "--scale '$scale_opt' is not 1/N, a decimal in (0,1) or 1"
fi
# relative to where the user stands, before the cd below
[ -n "$out" ] && case "$out" in /*) ;; *) out=$PWD/$out ;; esac
nl=${NESTLAB:-}
[ -n "$nl" ] && case "$nl" in /*) ;; *) nl=$PWD/$nl ;; esac
cd "$tree" || refuse "cannot enter $tree"
build=build
nlb=$build/vmm/nestlab

# ---- the checks: nothing below runs a step until they pass ----

# nestlab doctor decides what this host can run (docs/doctor.md); asking it
# needs a built nestlab. A fresh checkout gets one here, nestlab alone in
# build/ (nothing outside the tree changes), unless the tools to build it
# are missing: installing packages waits until the doctor has said yes.
if [ -n "$nl" ]; then
	if [ ! -f "$nl" ] || [ ! -x "$nl" ]; then refuse "NESTLAB=$nl is not an executable nestlab"; fi
elif nl=$nlb && [ ! -x "$nl" ]; then
	[ "$dry" = 0 ] || refuse "no nestlab at $nl to ask its doctor: build it (meson setup build && meson compile -C build vmm/nestlab), or set NESTLAB"
	for c in meson ninja cc; do
		command -v "$c" >/dev/null ||
			refuse "no nestlab at $nl, and no $c to build it: run 'bash scripts/install-deps.sh' as root, then this again"
	done
	echo "hardware: building nestlab ($nl) so that its doctor can answer" >&2
	blog=$(mktemp)
	if ! { [ -f "$build/build.ninja" ] || meson setup "$build"; } >"$blog" 2>&1 ||
		! meson compile -C "$build" vmm/nestlab >>"$blog" 2>&1; then
		refuse "cannot build nestlab to ask its doctor: $(grep -m1 -iE 'error|not found' "$blog" || tail -1 "$blog") (root: bash scripts/install-deps.sh)"
	fi
	rm -f "$blog"
fi
doc=$("$nl" doctor 2>&1)
dst=$?
case "$dst" in 0 | 1) ;; *) refuse "nestlab doctor failed (exit $dst): $(tail -1 <<<"$doc")" ;; esac

# doctor's lines: "  ITEM<spaces>VERDICT<spaces>WHY" (vmm/host/doctor.c,
# doctor_print); prints "VERDICT<tab>WHY", VERDICT can|testbed|cannot
doctor_item() {
	local line rest v
	line=$(grep -m1 -E "^  $1  +(can run here|needs the testbed|cannot) " <<<"$doc") || return 1
	rest=${line#"  $1"}
	rest=${rest#"${rest%%[! ]*}"}
	case "$rest" in
	"can run here "*) v=can rest=${rest#can run here} ;;
	"needs the testbed "*) v=testbed rest=${rest#needs the testbed} ;;
	"cannot "*) v=cannot rest=${rest#cannot} ;;
	*) return 1 ;;
	esac
	printf '%s\t%s\n' "$v" "${rest#"${rest%%[! ]*}"}"
}
host_line() { sed -n "s/^  $1  *//p" <<<"$doc" | head -1; }
if ! IFS=$'\t' read -r run_v run_why < <(doctor_item run) ||
	! IFS=$'\t' read -r sh_v sh_why < <(doctor_item "nested --paging shadow") ||
	! IFS=$'\t' read -r ne_v ne_why < <(doctor_item "nested --paging nested"); then
	refuse "cannot read nestlab doctor's answer (exit $dst; is $nl a nestlab?)"
fi
if [ "$dst" = 1 ]; then
	# doctor's own one-line reason: the flat item's when /dev/kvm is the
	# problem, else the nested item's (kvm_pvm, nested=0, no SVM/VMX)
	why=$sh_why
	[ "$run_v" = can ] || why=$run_why
	refuse "this host cannot run nested guests itself: $why (nestlab doctor, exit 1)"
fi
if [ "$run_v" != can ] || [ "$sh_v" != can ]; then
	refuse "nestlab doctor exited 0 but says: run: $run_why; nested --paging shadow: $sh_why"
fi

# memory: doctor's "memory  N MiB, M MiB available"
read -r mem_total mem_avail < <(host_line memory | sed -n 's/^\([0-9]*\) MiB, \([0-9]*\) MiB available.*/\1 \2/p')
[ -n "${mem_avail:-}" ] || refuse "cannot read the memory line of nestlab doctor's answer"
[ "$mem_avail" -ge "$MIN_AVAIL_MIB" ] ||
	refuse "too little memory: $mem_avail MiB available of $mem_total, the smallest plan needs $MIN_AVAIL_MIB"
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || refuse "1 CPU: fig3 runs two VMs at once and L1 has 2 vCPUs; at least 2 CPUs are needed"

# packages: the build, the kernel and the figures need these; installing
# them needs root (scripts/install-deps.sh)
missing=""
for c in meson ninja cc pkg-config jq gnuplot objcopy cpio xz timeout; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
deps=0
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || refuse "missing$missing, and not root to install them: run as root, or install them (scripts/install-deps.sh)"
	deps=1
fi

# ---- the plan, sized from memory and CPUs ----

# the largest fig3/fig4 run is fig3's flat pair: two 9 GB VMs, scaled;
# it may take half of the available memory, with 512 MiB beside it for
# nestlab, L1's own kernel and zram
need_mib() { awk -v s="$1" 'BEGIN { split(s, p, "/"); v = (2 in p) ? p[1] / p[2] : s; printf "%d", 18432 * v + 512 + 0.5 }'; }
budget=$((mem_avail / 2))
mem_scale=""
for n in 1 2 4 8 16 32 64; do
	[ "$(need_mib "1/$n")" -le "$budget" ] && { mem_scale=1/$n; break; }
done
[ "$mem_scale" = 1/1 ] && mem_scale=1
# time, not memory, holds a 16-core, 64 GiB host at 1/64: mcf, the
# slowest benchmark, takes about 3 s at 1/64 and doubles with the scale
if [ -n "$scale_opt" ]; then
	scale=$scale_opt
	[ "$(need_mib "$scale")" -le "$budget" ] ||
		refuse "--scale $scale needs about $(need_mib "$scale") MiB, more than half of the $mem_avail MiB available"
	scale_why="--scale $scale (memory allows up to ${mem_scale:-1/64})"
else
	scale=1/64
	scale_why="memory allows up to $mem_scale; the 10-minute budget holds it at 1/64"
fi
k=$(awk -v s="$scale" 'BEGIN { split(s, p, "/"); v = (2 in p) ? p[1] / p[2] : s; k = v * 64; print (k <= 1) ? 1 : int(k) + (k > int(k)) }')
# with fewer than 4 CPUs two VMs and L1's two vCPUs share them with L0's
# own work: each run is slower, so one point fewer keeps the budget
sizes=5G,8G,9G
[ "$ncpu" -ge 4 ] || sizes=5G,8G
paper_opts="--where direct --scale $scale --reps $REPS --sizes $sizes"

out=${out:-$tree/results/hardware-$(date +%Y%m%d-%H%M%S)}
q() { printf '%q' "$1"; }
O=$(q "$out")

# steps: name, limit, command line (run by bash in the tree), or a skip reason
names=() limits=() cmds=() skips=()
step() { names+=("$1"); limits+=("$2"); cmds+=("$3"); skips+=("${4:-}"); }
[ "$deps" = 1 ] && step deps "$LIM_DEPS" "bash scripts/install-deps.sh"
step kernel "$LIM_KERNEL" "bash scripts/get-kernel.sh build/kernel"
step build "$LIM_BUILD" "{ if [ -f build/build.ninja ]; then meson setup --reconfigure build; else meson setup build; fi; } && meson compile -C build"
step flat "$LIM_FLAT" "bash bench/flat.sh build $O/flat $FLAT_FP $REPS"
step portrt "$LIM_PORTRT" "bash bench/portrt.sh build $O/portrt 7"
# two small L2s (nested.sh's pair: a pointer chase and a first touch of
# every page), L1's KVM tracing their exits
l2s="--l2 workload=ptrchase,footprint=16M,mem=32M,iters=4 --l2 workload=touch,footprint=32M,mem=48M"
nested_cmd() { # paging
	echo "mkdir -p $O/nested && k=build/kernel/vmlinux && { [ -s \$k ] || k=build/kernel/bzImage; } &&" \
		"$nlb nested --kernel \$k --initrd build/l1-shim/l1-initramfs.cpio --l1-mem 512M --l1-cpus 2" \
		"--paging $1 --trace-exits --timeout $((LIM_NESTED - 5)) $l2s --json $O/nested/$1.json"
}
step nested-shadow "$LIM_NESTED" "$(nested_cmd shadow)"
ne_skip=""
[ "$ne_v" = can ] || ne_skip="nestlab doctor: $ne_why"
step nested-nested "$LIM_NESTED" "$(nested_cmd nested)" "$ne_skip"
step fig3 $((LIM_FIG3 * k)) "RUN_TIMEOUT=$RUN_LIMIT bash bench/paper.sh $paper_opts --out $O/fig3 fig3"
step fig4 $((LIM_FIG4 * k)) "RUN_TIMEOUT=$RUN_LIMIT bash bench/paper.sh $paper_opts --out $O/fig4 fig4"

plan() {
	local i total=0
	for i in "${!names[@]}"; do [ -n "${skips[$i]}" ] || total=$((total + limits[i])); done
	echo "hardware: the plan for this host"
	echo "  host    $(host_line CPU | sed 's/ (svm .*//'); kernel $(host_line kernel); $ncpu CPUs; $mem_avail MiB available of $mem_total"
	echo "  KVM     $(host_line 'KVM module'); offers $(host_line 'offered to guests') to guests"
	echo "  figures fig3 and fig4 at scale $scale ($scale_why), $REPS repetitions, sizes $sizes"
	echo "  report  $out/report.md"
	echo "  steps   (limit in seconds; $total in all)"
	for i in "${!names[@]}"; do
		if [ -n "${skips[$i]}" ]; then
			printf '  %2d %-14s skipped: %s\n' $((i + 1)) "${names[$i]}" "${skips[$i]}"
		else
			printf '  %2d %-14s %4d  %s\n' $((i + 1)) "${names[$i]}" "${limits[$i]}" "${cmds[$i]}"
		fi
	done
}
if [ "$dry" = 1 ]; then
	plan
	echo "hardware: dry run: nothing was run"
	exit 0
fi

# ---- the run ----

mkdir -p "$out/logs" || refuse "cannot make $out"
out=$(cd "$out" && pwd)
plan | tee "$out/plan.txt"
# what the host is, as it was when the steps started: read, never written
{
	echo "$doc"
} >"$out/doctor.txt"
{
	for f in /sys/module/kvm*/parameters/*; do
		[ -f "$f" ] || continue
		m=${f#/sys/module/}
		printf '%s\t%s\t%s\n' "${m%%/*}" "${f##*/}" "$(cat "$f" 2>/dev/null || echo '(unreadable)')"
	done
} >"$out/kvm-parameters.tsv"

# a step's line in steps.tsv: name, status, wall seconds, limit; a step
# that passed in an earlier run into the same --out is kept, not rerun
steps_tsv=$out/steps.tsv
touch "$steps_tsv"
declare -A st_status st_wall
while IFS=$'\t' read -r n s w _; do
	[ "$s" = ok ] && st_status[$n]=$s st_wall[$n]=$w
done <"$steps_tsv"

tpid=""
# Ctrl-C reaches only this script's process group; timeout runs each step
# in a group of its own, so it is told here, and takes the step down
trap '[ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null; echo "hardware: interrupted" >&2; exit 130' INT TERM
run_step() { # index
	local i=$1 n=${names[$1]} t0 rc s
	if [ -n "${skips[$i]}" ]; then
		st_status[$n]="skipped: ${skips[$i]}" st_wall[$n]=0
	elif [ "${st_status[$n]:-}" = ok ]; then
		echo "hardware: [$n] passed in an earlier run into $out: kept"
		return
	else
		echo "hardware: [$n] (limit ${limits[$i]} s) ${cmds[$i]}"
		t0=$(date +%s)
		timeout --kill-after=10 "${limits[$i]}" bash -c "set -o pipefail; ${cmds[$i]}" \
			>"$out/logs/$n.log" 2>&1 </dev/null &
		tpid=$!
		wait "$tpid"
		rc=$?
		tpid=""
		case "$rc" in
		0) s=ok ;;
		124 | 137) s="timeout (limit ${limits[$i]} s)" ;;
		*) s="failed (exit $rc)" ;;
		esac
		st_status[$n]=$s st_wall[$n]=$(($(date +%s) - t0))
	fi
	echo "hardware: [$n] ${st_status[$n]}, ${st_wall[$n]} s"
	local j
	for j in "${!names[@]}"; do
		[ -n "${st_status[${names[$j]}]:-}" ] &&
			printf '%s\t%s\t%s\t%s\n' "${names[$j]}" "${st_status[${names[$j]}]}" "${st_wall[${names[$j]}]}" "${limits[$j]}"
	done >"$steps_tsv"
}

# L1's exit table per L2 from a nestlab-nested/1 document (--trace-exits:
# .l1.l2[].exit_trace, docs/exit-tracing.md), as Markdown
exit_tables() {
	jq -r '
	def r1: (. * 10 | round) / 10;
	(if .l1_error then "L1 error: \(.l1_error)\n" else empty end),
	(if .l1.trace_error then "trace error: \(.l1.trace_error)\n" else empty end),
	"L0: \([.l0_view.kvm_stats.vcpus[]?.stats.exits] | add // "no") exits for L1 (whole run, boot included)\n",
	((.l1.l2 // [])[] |
		"L2 \(.index) (`\(.spec)`): exit status \(.exit_status), workload \(((.result.time.workload_ns // 0) / 1e6 | round) / 1000) s, \(.exit_trace.exits // "no") exits traced, \(.exit_trace.lost_events // 0) events lost\n",
		"| exit reason | count | total ms | mean us |", "|---|---:|---:|---:|",
		((.exit_trace.events.kvm_exit // {}) | to_entries | sort_by(-.value.count) | .[:12][] |
			"| \(.key) | \(.value.count) | \(.value.total_ns / 1e6 | r1) | \(if .value.count > 0 then .value.total_ns / .value.count / 1e3 | r1 else 0 end) |"),
		"")' "$1"
}

text_or_why() { # step text: the text as a block, or why there is none
	if [ -n "$2" ]; then
		echo '```'
		echo "$2"
		echo '```'
	else
		echo "No result: ${st_status[$1]:-not run} (logs/$1.log)."
	fi
}

md_step_table() {
	local i n c
	echo "| step | status | wall s | limit s | command |"
	echo "|---|---|---:|---:|---|"
	for i in "${!names[@]}"; do
		n=${names[$i]}
		c=${cmds[$i]}
		printf '| %s | %s | %s | %s | <code>%s</code> |\n' "$n" "${st_status[$n]:-not run}" "${st_wall[$n]:--}" \
			"${limits[$i]}" "${c//|/\\|}"
	done
}

# report.md, written again after every step, so that a run stopped half
# way still leaves one
report() {
	local r=$out/report.md.part commit dirty e m
	commit=$(git -C "$tree" rev-parse HEAD 2>/dev/null || echo unknown)
	dirty=$(git -C "$tree" status --porcelain 2>/dev/null | grep -c . || true)
	{
		echo "# HARDWARE: nestlab on this host's own VMX/SVM"
		echo
		echo "**HARDWARE.** Every number below was measured on this host's KVM, not in the QEMU"
		echo "testbed (no emulation). $(date -u +%FT%TZ), by \`bash bench/hardware.sh\`."
		echo
		echo "## The host"
		echo
		echo "| | |"
		echo "|---|---|"
		echo "| CPU model (/proc/cpuinfo) | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) |"
		echo "| vendor | $(sed -n 's/^vendor_id[[:space:]]*: //p' /proc/cpuinfo | head -1) |"
		echo "| CPUs | $ncpu |"
		echo "| kernel (uname -r) | $(uname -r) |"
		echo "| memory | $(host_line memory) |"
		echo "| KVM module | $(host_line 'KVM module'); offered to guests: $(host_line 'offered to guests') |"
		echo "| nestlab | $("$nlb" --version 2>/dev/null || "$nl" --version 2>/dev/null || echo unknown) |"
		echo "| git commit | $commit$([ "${dirty:-0}" -gt 0 ] && echo " with $dirty uncommitted changes") |"
		echo "| plan | fig3 and fig4 at scale $scale ($scale_why), $REPS repetitions, sizes $sizes; flat benchmark at $FLAT_FP |"
		echo
		echo "## KVM module parameters (read, never changed)"
		echo
		echo "| module | parameter | value |"
		echo "|---|---|---|"
		awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$out/kvm-parameters.tsv"
		echo
		echo "## Steps"
		echo
		md_step_table
		echo
		echo "Each step's output: \`logs/STEP.log\`; the plan: [plan.txt](plan.txt); nestlab doctor: [doctor.txt](doctor.txt)."
		echo
		echo "## Flat VM against native (bench/flat.sh, [flat/](flat/))"
		echo
		text_or_why flat "$(sed -n '/^flat VM \/ native/,$p' "$out/logs/flat.log" 2>/dev/null)"
		echo
		echo "## Exit round trip (bench/portrt.sh, [portrt/](portrt/))"
		echo
		text_or_why portrt "$(grep '^port exit round trip' "$out/logs/portrt.log" 2>/dev/null)"
		for m in shadow nested; do
			echo
			echo "## Nested run, L1->L2 paging $m: L1's exit table per L2 ([nested/$m.json](nested/$m.json))"
			echo
			if [ -s "$out/nested/$m.json" ]; then
				exit_tables "$out/nested/$m.json" 2>&1
			else
				echo "No document: ${st_status[nested-$m]:-not run} (logs/nested-$m.log)."
			fi
		done
		for e in fig3 fig4; do
			echo
			echo "## $e ([$e/report.md]($e/report.md))"
			echo
			if [ -s "$out/$e/$e.md" ]; then
				# its links are relative to $e/
				sed -E "s#\]\(([^):/]+\.(png|svg|csv|gp|md))\)#](${e}/\1)#g; s/^#/###/" "$out/$e/$e.md"
			else
				echo "No summary: ${st_status[$e]:-not run} (logs/$e.log; run again with --out $out to finish it)."
			fi
		done
		echo
		echo "## nestlab doctor"
		echo
		echo '```'
		echo "$doc"
		echo '```'
	} >"$r" && mv "$r" "$out/report.md"
}

t_all=$(date +%s)
for i in "${!names[@]}"; do
	run_step "$i"
	report
done
bad=0
for n in "${names[@]}"; do
	case "${st_status[$n]}" in ok | skipped*) ;; *) bad=$((bad + 1)) ;; esac
done
echo "hardware: $((${#names[@]} - bad)) of ${#names[@]} steps ok or skipped, $bad not, in $(($(date +%s) - t_all)) s; report: $out/report.md"
[ "$bad" = 0 ]
