# Shared helpers for the VM tests (bash). Each test script sources this,
# counts checks, and exits 0 / 1, or 77 when /dev/kvm cannot be used.
fails=0
checks=0
tmp=$(mktemp -d /tmp/nestlab-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

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

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1: got '$2', want '$3'"; fi
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
