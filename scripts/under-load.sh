#!/usr/bin/env bash
# under-load.sh runs a command beside CPU-bound busy loops, as on a busy CI
# runner, and samples the load average while it runs:
#
#   scripts/under-load.sh [-n LOOPS] [-o DIR] -- COMMAND [ARG...]
#
# LOOPS (default 4) busy loops run beside the command; on 2 cores, four give
# a load near 6-9, the load at which real-server tests once failed and two
# loops did not show it. The command's output goes to DIR/out.txt, a sample
# of /proc/loadavg every 30 s to DIR/load.txt (DIR defaults to a new
# temporary directory, printed at the start). At the end it prints the
# command's exit status, its wall time and the 1-minute load's mean, median
# and maximum, and exits with the command's status.
set -uo pipefail

loops=4
dir=""
while (($#)); do
	case "$1" in
	-n)
		loops="$2"
		shift 2
		;;
	-o)
		dir="$2"
		shift 2
		;;
	--)
		shift
		break
		;;
	*)
		echo "under-load.sh: unknown flag $1 (usage: under-load.sh [-n LOOPS] [-o DIR] -- COMMAND [ARG...])" >&2
		exit 2
		;;
	esac
done
if (($# == 0)); then
	echo "under-load.sh: no command (usage: under-load.sh [-n LOOPS] [-o DIR] -- COMMAND [ARG...])" >&2
	exit 2
fi
if ! [[ "$loops" =~ ^[0-9]+$ ]]; then
	echo "under-load.sh: -n $loops is not a number of loops" >&2
	exit 2
fi
[[ -n "$dir" ]] || dir="$(mktemp -d)"
mkdir -p "$dir" || exit 2
echo "under-load.sh: $loops busy loops; output in $dir/out.txt, load in $dir/load.txt"

pids=()
cleanup() {
	((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
}
trap cleanup EXIT
for ((i = 0; i < loops; i++)); do
	(while :; do :; done) &
	pids+=($!)
done
(while :; do
	echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/load.txt"
	sleep 30
done) &
pids+=($!)

start=$SECONDS
"$@" >"$dir/out.txt" 2>&1
status=$?
took=$((SECONDS - start))
cleanup
pids=()
summary="$(cut -d' ' -f2 "$dir/load.txt" | sort -n | awk '
	{ v[++n] = $1; sum += $1 }
	END {
		if (n == 0) { print "no load sample"; exit }
		med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		printf "1-minute load over %d samples: mean %.2f, median %.2f, max %.2f", n, sum / n, med, v[n]
	}')"
echo "under-load.sh: exit $status in ${took}s; $summary"
exit "$status"
