#!/bin/sh
# Install what building and testing stage1-c needs on Debian 12 (run as root; idempotent).
set -eu
pkgs="build-essential musl-tools libjansson-dev libcap-dev libarchive-dev libcmocka-dev
      nettle-dev busybox-static bats jq appc-spec gnupg util-linux bsdutils strace
      libseccomp-dev clang libclang-rt-14-dev"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
