#!/bin/bash
# scripts/ksym.sh against a small kallsyms of known layout: text symbols
# found at, inside and past their start, data and absolute symbols never
# chosen, and bad input refused with exit 2. No testbed needed.
set -u
tree=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/testbed/tally.sh
. "$tree/tests/testbed/tally.sh"
k=$(mktemp)
trap 'rm -f "$k"' EXIT
cat >"$k" <<'KS'
0000000000000000 A fixed_percpu_data
ffffffff81000000 T _text
ffffffff81000000 T _stext
ffffffff81170350 T smp_call_function_many_cond
ffffffff81170600 t generic_exec_single
ffffffff81200000 D some_data
ffffffff81a523d0 T __schedule
ffffffffc0a00000 t svm_vcpu_run	[kvm_amd]
KS
ks() { bash "$tree/scripts/ksym.sh" --kallsyms "$k" "$@" 2>&1; }
check "a symbol's own address" "0xffffffff81170350 smp_call_function_many_cond+0x0" "$(ks 0xffffffff81170350)"
check "inside a symbol (csd_lock_wait's pause loop)" "ffffffff81170441 smp_call_function_many_cond+0xf1" "$(ks ffffffff81170441)"
check "upper case, past a data symbol: the text symbol before it" \
	"0xFFFFFFFF81200010 generic_exec_single+0x8fa10" "$(ks 0xFFFFFFFF81200010)"
check "a module's symbol" "0xffffffffc0a00010 svm_vcpu_run+0x10" "$(ks 0xffffffffc0a00010)"
check "far past the last symbol (a data word)" "0xffffffffffff0000 ?" "$(ks 0xffffffffffff0000)"
check "below every text symbol" "0x1000 ?" "$(ks 0x1000)"
check "several at once" 2 "$(ks ffffffff81a5267b 0xffffffff81000001 | grep -c '+0x')"
for bad in zz 0x 0x1234567890abcdef0 "" "1 2"; do
	out=$(ks "$bad")
	st=$?
	check "refused: '$bad' (exit)" 2 "$st"
done
out=$(bash "$tree/scripts/ksym.sh" 2>&1)
check "no address: usage, exit 2" "2 usage" "$? ${out%%:*}"
out=$(bash "$tree/scripts/ksym.sh" --kallsyms /nonexistent/k 0x1 2>&1)
check "an unreadable kallsyms: exit 1" "1" "$?"
out=$(bash "$tree/scripts/ksym.sh" --kallsyms /tmp 0x1 2>&1)
check "a directory as kallsyms: exit 1" "1" "$?"
tally
