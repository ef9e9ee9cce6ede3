#!/bin/bash
# The unit suite's short run of one harness in the libFuzzer build
# (-Dfuzz=true): RUNS executions from seed 1 over CORPUS_DIR, which stays
# as it is (what libFuzzer adds goes to a scratch directory, removed; a crash is
# kept in the current directory).
#   libfuzzer_run.sh HARNESS CORPUS_DIR RUNS
set -eu
[ $# -eq 3 ] || { echo "usage: $0 HARNESS CORPUS_DIR RUNS" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# room for guest memory and a script after it (bench/fuzz.sh says why)
case "$1" in *fuzz_virtio) ml=20480 ;; *fuzz_channel) ml=70000 ;; *) ml=4096 ;; esac
"$1" -runs="$3" -seed=1 -max_len="$ml" -artifact_prefix="$PWD/" \
	"$scratch" "$2" 2>&1 | tail -n 5
exit "${PIPESTATUS[0]}"
