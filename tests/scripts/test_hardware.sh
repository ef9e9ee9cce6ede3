#!/bin/bash
# bench/hardware.sh's checks on fixture hosts: a fake nestlab (NESTLAB)
# whose doctor prints a recorded answer (fixtures/hardware/*.txt, in
# vmm/host/doctor.c's format) and a fake nproc. Each host that cannot is
# refused before anything runs, with one line and exit status 1; a capable
# host's --dry-run prints a plan naming every step and exits 0, running
# nothing. And the script never writes the KVM modules' parameters. No
# /dev/kvm needed.
set -u
tree=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/testbed/tally.sh
. "$tree/tests/testbed/tally.sh"
fx=$tree/tests/scripts/fixtures/hardware
hw=$tree/bench/hardware.sh
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/bin"
# the fake nestlab: doctor prints $FAKE_DOCTOR and exits as its last line
# says; every call is logged, so that a dry run can be seen to run nothing
cat >"$t/bin/nestlab" <<'SH'
#!/bin/bash
echo "$*" >>"$FAKE_LOG"
case "${1:-}" in
doctor)
	cat "$FAKE_DOCTOR"
	[ -n "${FAKE_STATUS:-}" ] && exit "$FAKE_STATUS"
	tail -1 "$FAKE_DOCTOR" | grep -q '(exit status 0)' && exit 0
	exit 1 ;;
--version) echo "nestlab 0.1.0 (fake)" ;;
*) echo "fake nestlab: $*" >&2; exit 2 ;;
esac
SH
chmod +x "$t/bin/nestlab"
# a 16-CPU host; the packages the plan needs, where this machine lacks
# them, stand in as stubs (a dry run calls none of them)
# shellcheck disable=SC2016 # the stub's own expansion
printf '#!/bin/sh\necho "${FAKE_NPROC:-16}"\n' >"$t/bin/nproc"
chmod +x "$t/bin/nproc"
for c in meson ninja cc pkg-config jq gnuplot objcopy cpio xz timeout; do
	command -v "$c" >/dev/null || { printf '#!/bin/sh\nexit 0\n' >"$t/bin/$c"; chmod +x "$t/bin/$c"; }
done
export FAKE_LOG=$t/calls NESTLAB=$t/bin/nestlab PATH=$t/bin:$PATH

hwrun() { # fixture args... -> sets st, o (stdout and stderr)
	local f=$1
	shift
	: >"$FAKE_LOG"
	o=$(FAKE_DOCTOR=$fx/$f.txt bash "$hw" --out "$t/report" "$@" 2>&1)
	st=$?
}
refused() { # name fixture expected-line-start [args...]: exit 1, one line
	local name=$1 f=$2 want=$3
	shift 3
	hwrun "$f" "$@"
	check "$name: exit status" 1 "$st"
	check "$name: one line" 1 "$(grep -c . <<<"$o")"
	case "$o" in
	"hardware: $want"*) ok "$name: says '$o'" ;;
	*) bad "$name: expected 'hardware: $want...', got '$o'" ;;
	esac
	check "$name: nothing made" no "$([ -e "$t/report" ] && echo yes || echo no)"
	check "$name: nestlab asked only its doctor" doctor "$(sort -u "$FAKE_LOG" | tr '\n' ' ' | sed 's/ $//')"
}

# each refusal prints doctor's own one-line reason
refused "no /dev/kvm" no-kvm \
	"this host cannot run nested guests itself: no /dev/kvm (no KVM module loaded, or virtualization off in firmware)"
refused "kvm_pvm" kvm-pvm \
	"this host cannot run nested guests itself: kvm_pvm is a software hypervisor: it offers no SVM or VMX to guests"
refused "Intel, nested=0" intel-nested0 \
	"this host cannot run nested guests itself: kvm_intel has nested=0"
refused "no permission on /dev/kvm" no-permission \
	"this host cannot run nested guests itself: /dev/kvm: permission denied (join the 'kvm' group, or run as root)"
refused "too little memory" amd-small "too little memory: 1536 MiB available"
refused "--dry-run does not skip the checks" no-kvm "this host cannot run nested guests itself: no /dev/kvm" --dry-run
sed 's/64216 MiB, 61820 MiB available/16384 MiB, 12000 MiB available/' "$fx/amd-capable.txt" >"$t/amd-16g.txt"
hwrun_abs() { : >"$FAKE_LOG"; o=$(FAKE_DOCTOR=$1 bash "$hw" --out "$t/report" "${@:2}" 2>&1); st=$?; }
hwrun_abs "$t/amd-16g.txt" --dry-run --scale 1/2
check "--scale past the memory: exit status" 1 "$st"
check "--scale past the memory: the line" "hardware: --scale 1/2 needs about 9728 MiB" "${o%%, more than*}"

# doctor that fails, or says what no nestlab says
FAKE_STATUS=3 hwrun amd-capable --dry-run
check "doctor fails: exit status" 1 "$st"
check "doctor fails: the line" "hardware: nestlab doctor failed (exit 3)" "${o%%)*})"
printf 'hello\n(exit status 0)\n' >"$t/garbage.txt"
hwrun_abs "$t/garbage.txt" --dry-run
check "doctor unreadable: exit status" 1 "$st"
check "doctor unreadable: the line" "hardware: cannot read nestlab doctor's answer" "${o%% (*}"
o=$(NESTLAB=$t/none bash "$hw" --dry-run 2>&1)
check "NESTLAB not there: exit status and line" "1 hardware: NESTLAB=$t/none is not an executable nestlab" "$? $o"

# bad usage: exit 2
hwrun amd-capable --bogus
check "unknown option: exit status" 2 "$st"
hwrun amd-capable --scale 2
check "--scale 2: exit status" 2 "$st"
hwrun amd-capable --help
check "--help: exit status" 0 "$st"
check "--help: usage" 1 "$(grep -c '^usage: bench/hardware.sh' <<<"$o")"

# a capable AMD host, 16 CPUs, 64 GiB: the plan
hwrun amd-capable --dry-run
check "capable host, --dry-run: exit status" 0 "$st"
printf '%s\n' "$o" | sed 's/^/    /'
for s in kernel build flat portrt nested-shadow nested-nested fig3 fig4; do
	check "plan names step $s" 1 "$(grep -cE "^ +[0-9]+ $s +[0-9]+  " <<<"$o")"
done
check "plan: the flat benchmark" 1 "$(grep -c 'bash bench/flat.sh build ' <<<"$o")"
check "plan: the exit round trip" 1 "$(grep -c 'bash bench/portrt.sh build ' <<<"$o")"
for m in shadow nested; do
	check "plan: traced nested run, $m paging" 1 "$(grep -c -- "nested .*--paging $m --trace-exits .*--l2 .*--l2 " <<<"$o")"
done
for e in fig3 fig4; do
	check "plan: $e, 3 repetitions at 1/64" 1 \
		"$(grep -c -- "bench/paper.sh --where direct --scale 1/64 --reps 3 --sizes 5G,8G,9G --out .* $e\$" <<<"$o")"
done
check "plan: the scale and why" 1 "$(grep -c 'scale 1/64 (memory allows up to 1; the 10-minute budget' <<<"$o")"
check "plan: within ten minutes" 1 "$(grep -cE 'limit in seconds; (5[0-9][0-9]|600) in all' <<<"$o")"
check "plan: no package step (all present)" 0 "$(grep -cE '^ +[0-9]+ deps ' <<<"$o")"
check "dry run: nothing made" no "$([ -e "$t/report" ] && echo yes || echo no)"
check "dry run: nestlab asked only its doctor" doctor "$(sort -u "$FAKE_LOG" | tr '\n' ' ' | sed 's/ $//')"
FAKE_NPROC=1 hwrun amd-capable --dry-run
check "1 CPU: refused" "1 hardware: 1 CPU" "$st ${o%%: fig3*}"
FAKE_NPROC=2 hwrun amd-capable --dry-run
check "2 CPUs: two sizes" 2 "$(grep -c -- '--sizes 5G,8G --out' <<<"$o")"
hwrun amd-capable --dry-run --scale 1/32
check "--scale 1/32: fig4's limit doubles" 1 "$(grep -cE '^ +[0-9]+ fig4 +300  ' <<<"$o")"

# L0 without NPT: nested paging skipped with doctor's reason, the rest planned
hwrun amd-npt0 --dry-run
check "npt=0: exit status" 0 "$st"
check "npt=0: nested-nested skipped, doctor's reason" 1 \
	"$(grep -cE "^ +[0-9]+ nested-nested +skipped: nestlab doctor: L1's nested paging needs L0's npt=1" <<<"$o")"
check "npt=0: nested-shadow planned" 1 "$(grep -cE '^ +[0-9]+ nested-shadow +[0-9]+  ' <<<"$o")"

# never a write to the KVM modules' parameters, never a module (re)load
code=$(grep -vE '^[[:space:]]*#' "$hw")
check "no module loading or unloading" 0 "$(grep -cE '(^|[^a-z_])(modprobe|rmmod|insmod)([^a-z_]|$)' <<<"$code")"
check "no redirection, tee, cp, mv, dd or sysctl onto /sys" 0 \
	"$(grep -cE '(>|tee|cp|mv|dd|sysctl|install)[^|;]*/sys/' <<<"$code")"
# shellcheck disable=SC2016 # a literal $f
check "the parameter files only read" 0 "$(grep -cE '>[[:space:]]*"?\$f([^a-z_]|$)' <<<"$code")"
check "/sys/module named only where read" 2 "$(grep -c '/sys/module' <<<"$code")"
tally
