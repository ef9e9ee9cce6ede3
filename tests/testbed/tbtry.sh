# shellcheck shell=bash
# Running the testbed with its known flakes tried again (sourced by
# tests/testbed/test_*.sh). The emulated machine sometimes freezes
# (testbed.sh exit 124) or its own kernel crashes or triple-faults (exit
# 123): neither says
# anything about nestlab (docs/testbed.md, "Known problems"), so such a run
# is run once more, at most TRIES times in all, and each flake is reported
# as a note with the testbed's last lines, so that a rising rate shows.
# A test can name more flakes: tb_flake_extra, if defined, is called
# after a run that testbed.sh did not count as a flake, and prints a
# reason (and returns 0) when the run was one; it sees $tb_st.
#   usage: tb_try TRIES LOG testbed.sh-options... -- COMMAND...
#   returns testbed.sh's exit status of the last try (also in tb_st), and
#   in tb_why the flake that ended the last try, empty when none did (so
#   non-empty after the last try means every try was a flake); LOG holds
#   its output, LOG.tryN the output of each earlier try. The --out
#   directory is emptied before each try.
tb_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tb_try() {
	local tries=$1 log=$2 try why out="" a prev=""
	shift 2
	for a in "$@"; do
		[ "$a" = -- ] && break
		[ "$prev" = --out ] && out=$a
		prev=$a
	done
	for ((try = 1; ; try++)); do
		# no result of an earlier try may be read as this one's
		[ -n "$out" ] && rm -rf "${out:?}" && mkdir -p "$out"
		bash "$tb_here/testbed.sh" "$@" >"$log" 2>&1
		tb_st=$?
		case "$tb_st" in
		124) why="the testbed froze" ;;
		123) why="the testbed's kernel crashed or its machine reset" ;;
		*) why=$(declare -F tb_flake_extra >/dev/null && tb_flake_extra) || why="" ;;
		esac
		tb_why=$why
		[ -n "$why" ] && [ "$try" -lt "$tries" ] || return "$tb_st"
		echo "note - $why (try $try, exit $tb_st); running it again. Its last lines:" >&2
		grep -v '^ok \|^FAIL ' "$log" | tail -8 | sed 's/^/  | /' >&2
		mv "$log" "$log.try$try"
	done
}

# The scenarios tests/testbed/nested_runs.sh ran once more after an L1
# triple fault or a watchdog stop without L1's document (OUTDIR/NAME.retried), each as a note: shown, not hidden.
#   usage: tb_retried_notes OUTDIR
tb_retried_notes() {
	local f
	for f in "$1"/*.retried; do
		[ -e "$f" ] || continue
		echo "note - $(basename "$f" .retried): $(cat "$f"); run once more (the first try: $(basename "$f" .retried).try1.out)" >&2
	done
}
