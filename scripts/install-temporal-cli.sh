#!/usr/bin/env bash
# install-temporal-cli.sh installs the pinned Temporal CLI into the project's
# tool directory (./.tools/bin, or $TOOLS_BIN) and prints its path on stdout.
#
#   TEMPORAL_CLI="$(scripts/install-temporal-cli.sh)"
#
# The CLI is built from source with `go install`; docs/architecture.md ("The
# replay corpus") says why this pin (newer releases, such as v1.9.1, do not
# install that way). It stays out of the root go.mod so that importing
# temporalsim does not pull in the server's dependency graph. When the binary is already there at the pinned version the
# script only prints the path.
set -euo pipefail

readonly module=github.com/temporalio/cli
readonly version=v1.5.1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${TOOLS_BIN:-$root/.tools/bin}"
exe="$bin/temporal"

# installed_version prints the module version a Go binary was built from, or
# nothing when the file is missing or not a Go binary.
installed_version() {
	[[ -x "$1" ]] || return 0
	go version -m "$1" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

if [[ "$(installed_version "$exe")" != "$version" ]]; then
	mkdir -p "$bin"
	echo "installing $module/cmd/temporal@$version into $bin (a cold build takes several minutes)" >&2
	GOBIN="$bin" go install "$module/cmd/temporal@$version" >&2
	got="$(installed_version "$exe")"
	if [[ "$got" != "$version" ]]; then
		echo "install-temporal-cli: $exe reports version '${got:-none}', want $version" >&2
		exit 1
	fi
fi
echo "$exe"
