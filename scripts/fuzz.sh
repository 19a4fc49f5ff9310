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
#   scripts/fuzz.sh --selftest          (checks the race filter below)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime="${FUZZTIME:-10s}"
minimizetime="${FUZZMINIMIZETIME:-3s}"
pkgs=("$@")
((${#pkgs[@]})) || pkgs=(./...)

# inputs lists the saved inputs of a target (none if it has no directory).
inputs() {
	ls "$1" 2>/dev/null || true
}

# deadline_race tells whether the output file $2 of fuzzing target $1
# failed only with a bare "context deadline exceeded" under the target's
# FAIL line: no other failure, panic or failing input.
deadline_race() {
	awk -v head="--- FAIL: $1 (" '
		index($0, head) == 1 { getline next_line; if (next_line ~ /^[ \t]+context deadline exceeded$/) race = 1; else other = 1; next }
		/^--- FAIL/ || /^panic:/ || /Failing input written/ { other = 1 }
		END { exit !(race && !other) }' "$2"
}

# selftest shows deadline_race telling the race from real failures, on
# outputs shaped as go test prints them. Every run checks it first.
selftest() {
	local f status=0
	f="$(mktemp)"
	check() { # want name output
		printf '%b' "$3" >"$f"
		local got=no
		deadline_race "$2" "$f" && got=yes
		if [[ "$got" != "$1" ]]; then
			echo "fuzz selftest: deadline_race said $got, want $1, for:"
			cat "$f"
			status=1
		fi
	}
	check yes FuzzA 'fuzz: elapsed: 10s\n--- FAIL: FuzzA (10.10s)\n    context deadline exceeded\nFAIL\nexit status 1\n'
	check no FuzzA 'fuzz: elapsed: 3s\n--- FAIL: FuzzA (3.02s)\n    --- FAIL: FuzzA (0.00s)\n        a_test.go:9: bad plan\n    Failing input written to testdata/fuzz/FuzzA/1f2e\nFAIL\n'
	check no FuzzA '--- FAIL: FuzzA (10.10s)\n    context deadline exceeded\n    Failing input written to testdata/fuzz/FuzzA/1f2e\nFAIL\n'
	check no FuzzA 'panic: boom\nFAIL\n'
	check no FuzzA '--- FAIL: FuzzB (10.10s)\n    context deadline exceeded\n'
	rm -f "$f"
	return "$status"
}

if ! selftest; then
	echo "fuzz: the filter for Go's fuzztime race is broken; nothing was fuzzed"
	exit 1
fi
if [[ "${pkgs[0]}" == --selftest ]]; then
	echo "fuzz selftest: ok"
	exit 0
fi

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

# Go 1.26's fuzz coordinator can report a bare "context deadline exceeded"
# as a failure when -fuzztime ends while a worker is between inputs
# (go.dev/issue/75804, fixed in Go 1.27): no input fails and none is
# written. A run that fails that way, and only that way, with no new input
# saved, is reported as that race and does not fail the gate; any other
# failure, or a new saved input, does.
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
while read -r pkg name; do
	[[ -n "$name" ]] || continue
	echo "fuzz: $name in $pkg for $fuzztime"
	dir="$(go list -f '{{.Dir}}' "$pkg")/testdata/fuzz/$name"
	before="$(inputs "$dir")"
	if go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" -fuzzminimizetime="$minimizetime" "$pkg" 2>&1 | tee "$out"; then
		continue
	fi
	if [[ "$(inputs "$dir")" == "$before" ]] && deadline_race "$name" "$out"; then
		echo "fuzz: $name ended with Go's fuzztime race (go.dev/issue/75804): no input failed and none was saved"
		continue
	fi
	failed+=("$pkg $name")
	echo "fuzz: $name failed; the input is under $pkg's testdata/fuzz/$name/, rerun it with:"
	echo "  go test -run='^${name}\$' $pkg"
done <<<"$targets"

if ((${#failed[@]})); then
	printf "fuzz: failed: %s\n" "${failed[@]}"
	exit 1
fi
