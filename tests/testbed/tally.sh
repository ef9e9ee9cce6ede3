# shellcheck shell=bash
# The testbed tests' counters (sourced by tests/testbed/test_*.sh): ok and
# bad print one line each and count it; check compares an expected value
# with what a run gave, and an empty expected value (a reference that could
# not be had) fails rather than matching an empty result; tally prints the
# runner's last line, "N passed, N failed", and returns 1 if any failed.
fails=0 checks=0
ok() { checks=$((checks + 1)); echo "ok   - $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL - $*"; }
check() { # name expected actual
	if [ -z "$2" ]; then
		bad "$1: nothing to compare with (empty reference; got '$3')"
	elif [ "$2" = "$3" ]; then
		ok "$1 = $2"
	else
		bad "$1: expected '$2', got '$3'"
	fi
}
tally() {
	echo "$((checks - fails)) passed, $fails failed"
	[ "$fails" = 0 ]
}
