# shellcheck shell=bash
# Checks on what a run produced (bash, sourced; needs jq and awk): result
# documents (docs/results.md) and bench/paper.sh's measured.tsv, CSV and
# report.md. Each check prints what is wrong, one line per problem, and
# returns 1, or prints nothing and returns 0. They hold no test counters:
# the caller says ok/bad. tests/vm/test_checks.sh feeds them broken
# documents to show that each one can fail.

# binary_stats_expected KERNEL_RELEASE: true when that kernel has
# KVM_CAP_BINARY_STATS_FD (KVM_GET_STATS_FD arrived in Linux 5.14).
binary_stats_expected() {
	local re='^([0-9]+)\.([0-9]+)'
	[[ $1 =~ $re ]] || return 1
	local a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]}
	[ "$a" -gt 5 ] || { [ "$a" = 5 ] && [ "$b" -ge 14 ]; }
}

# vcpu_stats_problems JSON NCPUS [JQ_PATH]: the per-vCPU statistics of a
# nestlab-run/1 document (at JQ_PATH inside JSON, default the document
# itself): exactly NCPUS vCPU entries with ids 0..NCPUS-1, each of which
# ran (kvm_run_calls > 0), and, where the host kernel that ran it
# (.host.kernel) has binary statistics, non-empty all-numeric KVM
# statistics for the VM and for every vCPU, with KVM's own exit counter
# (where it has one) above 0. Statistics that are there are checked the
# same way whatever the kernel.
vcpu_stats_problems() {
	local f=$1 n=$2 path=${3:-.} kern need=false
	kern=$(jq -r "$path | .host.kernel // empty" "$f" 2>/dev/null) ||
		{ echo "$f: not a JSON document"; return 1; }
	binary_stats_expected "$kern" && need=true
	local p
	p=$(jq -r --argjson n "$n" --argjson need "$need" --arg kern "$kern" "$path"' |
		def stats($s; $w):
			if ($s | type) == "object" then
				if ($s | length) == 0 then "\($w): empty KVM statistics"
				else ([$s | to_entries[] | select(.value | type != "number") | .key]) as $x |
					if ($x | length) > 0 then "\($w): statistics that are not numbers: \($x | join(","))"
					else empty end
				end
			elif $s == null then
				if $need then "\($w): no KVM statistics (null) from a \($kern) host, which has KVM_GET_STATS_FD"
				else empty end
			else "\($w): KVM statistics are a \($s | type)" end;
		if type != "object" then "no document"
		elif (.kvm_stats | type) != "object" then "no kvm_stats object"
		elif (.kvm_stats.vcpus | type) != "array" then "kvm_stats.vcpus is not an array"
		else .kvm_stats as $k |
			(if ($k.vcpus | length) != $n then
				"kvm_stats.vcpus has \($k.vcpus | length) entries, the run had \($n) vCPUs" else empty end),
			(if .config.cpus != $n then "config.cpus is \(.config.cpus), the run had \($n)" else empty end),
			(if [$k.vcpus[] | .id] != [range(0; $k.vcpus | length)] then
				"vCPU ids are \([$k.vcpus[] | .id]), not 0..\(($k.vcpus | length) - 1)" else empty end),
			stats($k.vm; "VM"),
			($k.vcpus[] | "vCPU \(.id)" as $w |
				(if (.kvm_run_calls | type) != "number" or .kvm_run_calls < 1 then
					"\($w): kvm_run_calls is \(.kvm_run_calls)" else empty end),
				stats(.stats; $w),
				(if (.stats | type) == "object" and (.stats | has("exits")) and
				    ((.stats.exits | type) != "number" or .stats.exits < 1) then
					"\($w): KVM counted \(.stats.exits) exits for a vCPU that ran" else empty end)),
			(if ($k.vm | type) == "object" and ([$k.vcpus[] | select(.stats == null)] | length) > 0 then
				"VM statistics present but vCPU statistics null" else empty end)
		end' "$f" 2>&1) || { echo "$f: jq failed: $p"; return 1; }
	[ -z "$p" ] && return 0
	echo "$p"
	return 1
}

# checksum_problem NAME VALUE: VALUE is a workload checksum (0x + 16 hex
# digits), not empty, null or an error.
checksum_problem() {
	[[ $2 =~ ^0x[0-9a-f]{16}$ ]] && return 0
	echo "$1: '$2' is not a checksum"
	return 1
}

# --- bench/paper.sh's output ---

# number_positive X: X is a decimal number (as jq or printf print one) > 0
number_positive() {
	[[ $1 =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] && awk -v x="$1" 'BEGIN { exit !(x + 0 > 0) }'
}

# run_times_problems MEASURED_TSV N: N data lines, one per run, each with
# a time (column 6) that is a number above 0 and status (column 7) 0.
run_times_problems() {
	local f=$1 want=$2 n=0 p="" id time status
	[ -f "$f" ] || { echo "$f: missing"; return 1; }
	while IFS=$'\t' read -r id _ _ _ _ time status _; do
		n=$((n + 1))
		number_positive "$time" || p+="$id: time '$time' is not a number above 0"$'\n'
		[ "$status" = 0 ] || p+="$id: status '$status', not 0"$'\n'
	done < <(tail -n +2 "$f")
	[ "$n" = "$want" ] || p+="$f: $n runs, not $want"$'\n'
	[ -z "$p" ] && return 0
	printf '%s' "$p"
	return 1
}

# fig3_gaps MEASURED_TSV [CONFIG] [WORKLOAD]: the nested (CONFIG, default
# shadow) over flat slowdown of WORKLOAD (default mcf) computed here from
# the runs' times, as the report defines it (median nested time / median
# flat time - 1, at the same VM size, in %, 2 decimals): one line
# "VM_MEM_BYTES PCT" per size with both, then "average PCT". Nothing
# (status 1) when no size has both.
fig3_gaps() {
	awk -F'\t' -v cfg="${2:-shadow}" -v wl="${3:-mcf}" '
		function median(key,   n, i, j, t, v) {
			n = split(times[key], v, " ")
			for (i = 2; i <= n; i++)          # insertion sort, n is small
				for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
			return n % 2 ? v[(n + 1) / 2] + 0 : (v[n / 2] + v[n / 2 + 1]) / 2
		}
		NR > 1 && $3 == wl && $7 == 0 && ($2 == "flat" || $2 == cfg) && $6 ~ /^[0-9.eE+-]+$/ {
			times[$2 SUBSEP $4] = times[$2 SUBSEP $4] " " $6
			if ($2 == "flat" && !($4 in seen)) { seen[$4] = 1; size[++ns] = $4 }
		}
		END {
			for (s = 1; s <= ns; s++) {
				f = "flat" SUBSEP size[s]; c = cfg SUBSEP size[s]
				if (!(c in times)) continue
				a = median(f); b = median(c)
				if (a <= 0) continue
				v = (b / a - 1) * 100
				printf "%s %.2f\n", size[s], v
				sum += v; k++
			}
			if (!k) exit 1
			printf "average %.2f\n", sum / k
		}' "$1"
}

# csv_medians_problems CSV MEASURED_TSV: every point of the CSV with runs
# holds the median (3 decimals) of that point's times in measured.tsv, and
# every point measured there has a CSV row with a median.
csv_medians_problems() {
	local p
	p=$(awk -F'\t' 'NR > 1 && $7 == 0 { print $2 "\t" $4 "\t" $6 }' "$2" | sort -k1,1 -k2,2n -k3,3g |
		awk -F'\t' -v csv="$1" '
		{ k = $1 SUBSEP $2; v[k, ++n[k]] = $3 }
		END {
			# columns by the names in the header: the CSV gains columns over time
			while ((getline line < csv) > 0) {
				nc = split(line, c, ",")
				if (++ln == 1) {
					for (i = 1; i <= nc; i++) col[c[i]] = i
					if (!("config" in col) || !("vm_mem_bytes" in col) || !("median_s" in col)) {
						print csv ": no config, vm_mem_bytes or median_s column"; exit
					}
					ci = col["config"]; si = col["vm_mem_bytes"]; mi = col["median_s"]
					continue
				}
				k = c[ci] SUBSEP c[si]
				if (!(k in n)) { if (c[mi] != "") printf "CSV %s %s: median %s with no runs\n", c[ci], c[si], c[mi]; continue }
				m = n[k] % 2 ? v[k, (n[k] + 1) / 2] : (v[k, n[k] / 2] + v[k, n[k] / 2 + 1]) / 2
				want = sprintf("%.3f", m)
				if (c[mi] != want) printf "CSV %s %s: median \"%s\", the runs give %s\n", c[ci], c[si], c[mi], want
				done[k] = 1
			}
			if (ln < 1) print csv ": missing or empty"
			for (k in n) if (!(k in done)) { split(k, x, SUBSEP); printf "no CSV row for %s %s\n", x[1], x[2] }
		}')
	[ -z "$p" ] && return 0
	echo "$p"
	return 1
}

# report_gap_problems REPORT MEASURED_TSV [CONFIG] [WORKLOAD]: the
# slowdowns fig3_gaps computes from the runs (each size's and their
# average) are in the report, as "N.NN%".
report_gap_problems() {
	local r=$1 gaps p="" what v
	[ -s "$r" ] || { echo "$r: missing or empty"; return 1; }
	gaps=$(fig3_gaps "$2" "${3:-shadow}" "${4:-mcf}") ||
		{ echo "no size has both flat and ${3:-shadow} times: no slowdown to check"; return 1; }
	while read -r what v; do
		grep -qF -- "$v%" "$r" || p+="the measured slowdown ($what: $v%) is not in $r"$'\n'
	done <<<"$gaps"
	[ -z "$p" ] && return 0
	printf '%s' "$p"
	return 1
}

# The line report.md gives the testbed's runs (bench/expt_report.c), and
# the one it gives hardware's.
REPORT_EMULATED_YES='- Emulated: **yes**, the testbed (QEMU TCG standing in for nested-capable hardware): these times describe emulation, not hardware.'
REPORT_EMULATED_NO='- Emulated: no, hardware virtualization.'

# report_emulated_problem REPORT yes|no: the report says exactly that.
report_emulated_problem() {
	local want=$REPORT_EMULATED_NO
	[ "$2" = yes ] && want=$REPORT_EMULATED_YES
	grep -qxF -- "$want" "$1" 2>/dev/null && return 0
	echo "$1 lacks the line '$want' (it has: $(grep -i 'emulated' "$1" 2>/dev/null | head -2 | tr '\n' ' '))"
	return 1
}
