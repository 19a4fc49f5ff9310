#!/usr/bin/env bash
# fuzz.sh runs every fuzz target in the module, one after another, for
# FUZZTIME each (default 10s; the nightly job sets 5m). Targets are found with
# `go test -list`, so a new Fuzz function is picked up without editing this
# file. New failing inputs land in the package's testdata/fuzz/<Target>/, where
# plain `go test` replays them from then on.
#
# FUZZMINIMIZETIME (default 3s) caps how long the fuzzer minimizes each new
# input. Go's default, 60s, is spent mostly re-parsing large seed files (the
# recorded histories), which left short passes with almost no fuzzing.
#
#   scripts/fuzz.sh [packages...]      (default ./...)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime="${FUZZTIME:-10s}"
minimizetime="${FUZZMINIMIZETIME:-3s}"
pkgs=("$@")
((${#pkgs[@]})) || pkgs=(./...)

# go test -list prints each package's matching names, then the package's
# "ok <import path> <time>" line; pair every name with that path.
failed=()
if ! listing="$(go test -run='^$' -list='^Fuzz' "${pkgs[@]}" 2>&1)"; then
	# A package that does not build has no targets to list; say so, and
	# still fuzz the packages that do.
	grep -v -E '^(Fuzz|ok|\?)' <<<"$listing" || true
	failed+=("(listing)")
fi
targets="$(awk '/^Fuzz/ { names[n++] = $1; next }
	$1 == "ok" { for (i = 0; i < n; i++) print $2, names[i]; n = 0 }' <<<"$listing")"

if [[ -z "$targets" ]]; then
	echo "fuzz: no fuzz targets in ${pkgs[*]}"
fi

while read -r pkg name; do
	[[ -n "$name" ]] || continue
	echo "fuzz: $name in $pkg for $fuzztime"
	if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" -fuzzminimizetime="$minimizetime" "$pkg"; then
		failed+=("$pkg $name")
		echo "fuzz: $name failed; the input is under $pkg's testdata/fuzz/$name/, rerun it with:"
		echo "  go test -run='^${name}\$' $pkg"
	fi
done <<<"$targets"

if ((${#failed[@]})); then
	printf "fuzz: failed: %s\n" "${failed[@]}"
	exit 1
fi
