#!/bin/sh
# Install what building and testing stage1-c needs on Debian 12 (run as root; idempotent).
# Go and appc's Go sources are for the ACE validator test (tests/e2e/ace.bats), which is
# skipped, with its reason, where they cannot be installed.
set -eu
pkgs="build-essential musl-tools libjansson-dev libcap-dev libarchive-dev libcmocka-dev
      nettle-dev busybox-static bats jq appc-spec gnupg util-linux bsdutils strace
      libseccomp-dev clang libclang-rt-14-dev"
optional="golang-go golang-github-appc-spec-dev"

# missing PKG...: prints those not installed.
missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf ' %s' "$p"
	done
}

# shellcheck disable=SC2086
need=$(missing $pkgs)
# shellcheck disable=SC2086
want=$(missing $optional)
[ -z "$need$want" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$need" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
if [ -n "$want" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $want >/dev/null ||
		echo "deps.sh: could not install$want: tests/e2e/ace.bats will be skipped" >&2
fi
