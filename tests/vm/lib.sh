# Shared helpers for the VM tests (bash). Each test script sources this,
# counts checks, and exits 0 / 1, or 77 when /dev/kvm cannot be used.
fails=0
checks=0
tmp=$(mktemp -d /tmp/nestlab-test.XXXXXX)
# NESTLAB_TEST_KEEP=DIR: the run's documents are copied there (for fixtures)
trap '[ -n "${NESTLAB_TEST_KEEP:-}" ] && mkdir -p "$NESTLAB_TEST_KEEP" && cp "$tmp"/*.json "$NESTLAB_TEST_KEEP/" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

need_kvm() {
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo "SKIP: /dev/kvm is not usable here"
		exit 77
	fi
}

need_jq() {
	command -v jq >/dev/null || { echo "FAIL: jq is required (apt-get install jq)"; exit 1; }
}

ok() { checks=$((checks + 1)); echo "ok   - $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL - $*"; }

# expect_eq WHAT GOT WANT: an empty WANT (a reference that could not be
# had, such as a native checksum) fails, rather than match an empty GOT
expect_eq() {
	if [ -z "$3" ]; then
		bad "$1: nothing to compare with (empty reference; got '$2')"
	elif [ "$2" = "$3" ]; then
		ok "$1 = $3"
	else
		bad "$1: got '$2', want '$3'"
	fi
}

# expect_vcpu_stats WHAT JSON NCPUS: the per-vCPU statistics are there
# (checks.sh, vcpu_stats_problems)
expect_vcpu_stats() {
	local p
	if p=$(vcpu_stats_problems "$2" "$3"); then
		ok "$1: $3 vCPU(s), each with KVM statistics ($(jq -r '[.kvm_stats.vcpus[].stats | length] | map(tostring) | join(",")' "$2") counters)"
	else
		bad "$1: $(echo "$p" | tr '\n' ';')"
	fi
}

# run_status: runs "$@", leaves exit status in $st, stderr in $tmp/err
run_status() {
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	set -e
}

finish() {
	echo "$((checks - fails)) passed, $fails failed"
	[ "$fails" -eq 0 ]
}
