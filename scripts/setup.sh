#!/usr/bin/env bash
# setup.sh installs everything the test suite needs on a fresh Debian machine
# (or a GitHub Ubuntu runner), and does nothing when it is all there already:
#
#   - the pinned Temporal CLI, staticcheck and actionlint, built with
#     `go install` into ./.tools/bin (or $TOOLS_BIN);
#   - Chromium, for the HTML timeline test, and shellcheck, which actionlint
#     runs on workflow steps and test.sh runs on the scripts, from the
#     distribution's packages.
#
# Run it as root, or as a user with password-less sudo; without either it
# says what to install and goes on. The timeline test (cmd/simrun
# TestTimelineInBrowser) then fails, saying how to install Chromium, and
# test.sh's shellcheck gate fails in CI (CI=true) and is skipped elsewhere.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${TOOLS_BIN:-$root/.tools/bin}"

# Pinned so that CI runs the same linters every day; staticcheck 2026.2
# (v0.8.x) is the first release line that understands Go 1.26.
readonly staticcheck_version=v0.8.2
readonly actionlint_version=v1.7.12

# go_tool installs package pkg (of module mod) at version ver into $bin,
# unless the binary there was already built from that module version.
go_tool() {
	local name="$1" mod="$2" pkg="$3" ver="$4"
	local have
	have="$(go version -m "$bin/$name" 2>/dev/null | awk -v m="$mod" '$1 == "mod" && $2 == m { print $3 }')" || true
	if [[ "$have" == "$ver" ]]; then
		return
	fi
	echo "setup: installing $pkg@$ver into $bin" >&2
	mkdir -p "$bin"
	GOBIN="$bin" go install "$pkg@$ver" >&2
}

# as_root runs a command as root: directly when we are root, through
# password-less sudo otherwise; it fails when neither is possible.
as_root() {
	if [[ "$(id -u)" == 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo "$@"
	else
		return 1
	fi
}

have_chromium() {
	# cmd/simrun's timeline test runs /usr/bin/chromium, where Debian puts it.
	[[ -x /usr/bin/chromium ]]
}

system_packages() {
	local want=()
	have_chromium || want+=(chromium)
	command -v shellcheck >/dev/null || want+=(shellcheck)
	if ((${#want[@]} == 0)); then
		return
	fi
	if ! command -v apt-get >/dev/null; then
		echo "setup: no apt-get here; install ${want[*]} by hand (until then the tests that need them fail)" >&2
		return
	fi
	echo "setup: installing ${want[*]} with apt-get" >&2
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 ||
		! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >&2; then
		echo "setup: could not install ${want[*]} (need root or password-less sudo); until then the tests that need them fail" >&2
	fi
}

system_packages
go_tool staticcheck honnef.co/go/tools honnef.co/go/tools/cmd/staticcheck "$staticcheck_version"
go_tool actionlint github.com/rhysd/actionlint github.com/rhysd/actionlint/cmd/actionlint "$actionlint_version"
"$root/scripts/install-temporal-cli.sh" >/dev/null
