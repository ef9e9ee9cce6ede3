#!/bin/bash
# A picture of a trace-event timeline (nestlab nested --timeline,
# docs/exit-multiplication.md): one row per track (level and vCPU), each
# slice a box coloured by level, over the window of the timeline that
# holds the most reflected L2 exits (or the one asked for), so that one
# L2 exit's round trip through L1 and L0 can be read off it.
# usage: bench/timeline_png.sh TIMELINE.json OUT.png [START_US WIDTH_US]
#   default: around a typical L2-exit slice (the median one of the
#   commonest reason), four times its length
set -eu
[ $# -eq 2 ] || [ $# -eq 4 ] || { echo "usage: $0 TIMELINE.json OUT.png [START_US WIDTH_US]" >&2; exit 2; }
tl=$1 png=$2
command -v jq >/dev/null || { echo "timeline_png: jq is missing" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "timeline_png: gnuplot is missing" >&2; exit 1; }
jq -e '.traceEvents | type == "array"' "$tl" >/dev/null 2>&1 ||
	{ echo "timeline_png: $tl is not a trace-event timeline" >&2; exit 1; }
if [ $# -eq 4 ]; then
	start=$3 width=$4
else
	# the interval slices are on pid 4 ("L1 handling L2 exits"): a typical
	# one, of the median length among those of the commonest L2 reason,
	# with room for the L2 running before and after it
	read -r start width < <(jq -r '[.traceEvents[] | select(.ph == "X" and .pid == 4)] |
		if length == 0 then "0 200" else (group_by(.name) | max_by(length) | sort_by(.dur) |
		.[length / 2 | floor] | "\(.ts - .dur) \([.dur * 4, 10] | max)") end' "$tl")
fi
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
# rows: one per (pid, tid) track, named from the metadata events
jq -r --argjson s "$start" --argjson w "$width" '
	([.traceEvents[] | select(.ph == "M" and .name == "process_name") | {key: (.pid | tostring), value: .args.name}] | from_entries) as $pn |
	[.traceEvents[] | select(.ph == "X" and (.ts + .dur) >= $s and .ts <= ($s + $w))] as $x |
	([$x[] | [.pid, .tid]] | unique) as $rows |
	$x[] | . as $e | ($rows | index([[$e.pid, $e.tid]])) as $r |
	[([.ts, $s] | max) - $s, ([.ts + .dur, $s + $w] | min) - $s, $r, .pid,
	 (($pn[.pid | tostring] // "pid \(.pid)") + " " + (.tid | tostring)), .name] | @tsv' "$tl" >"$d/slices.tsv"
[ -s "$d/slices.tsv" ] || { echo "timeline_png: no slice in [$start, $start + $width] us" >&2; exit 1; }
awk -F'\t' '!seen[$3]++ { printf "%s \"%s\"\n", $3, $5 }' "$d/slices.tsv" | sort -n >"$d/rows"
ytics=$(awk '{ $1 = $1; r = $1; $1 = ""; sub(/^ /, ""); printf "%s%s %s", (NR > 1 ? ", " : ""), $0, r }' "$d/rows")
nrows=$(wc -l <"$d/rows")
gnuplot <<GP
set terminal pngcairo size 1400,$((160 + 60 * nrows)) font ",10"
set output "$png"
set title "nestlab timeline: $(basename "$tl"), ${width} us from ${start} us (L0's trace clock)" noenhanced
set xlabel "us"
set yrange [-0.6:$nrows - 0.4]
set xrange [0:$width]
set ytics ($ytics) noenhanced
set grid xtics
set style fill solid 0.8 border lc rgb "black"
set key outside right
set datafile separator "\t"
plot "$d/slices.tsv" using ((\$1 + \$2) / 2):3:((\$2 - \$1) / 2):(0.35):(\$4 == 1 ? 0xd62728 : \$4 == 2 ? 0x1f77b4 : \$4 == 3 ? 0x2ca02c : 0xff7f0e) with boxxyerror lc rgb variable notitle, \
	"$d/slices.tsv" using ((\$1 + \$2) / 2):(\$3 + 0.45):((\$2 - \$1) > $width / 40 && (\$4 == 1 || \$4 == 4) ? stringcolumn(6) : "") with labels font ",8" noenhanced notitle, \
	NaN with boxes lc rgb "#d62728" title "L0 handling an exit", \
	NaN with boxes lc rgb "#1f77b4" title "L1 running", \
	NaN with boxes lc rgb "#2ca02c" title "L2 running", \
	NaN with boxes lc rgb "#ff7f0e" title "L1 handling an L2 exit"
GP
echo "timeline_png: $png"
