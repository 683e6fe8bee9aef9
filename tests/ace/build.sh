#!/bin/bash
# Build what the ACE test (tests/e2e/ace.bats) needs, into OUT (default $BUILD/ace, BUILD
# defaulting to the repo's build/):
#   OUT/ace-validator                 appc's ACE validator, static, from Debian's
#                                     golang-github-appc-spec-dev (its ace/ sources)
#   OUT/ace-mds                       our metadata service (tests/ace/mds), static
#   OUT/ace-validator-{main,sidekick}.aci  the two images of appc's ACE test
# Offline: GOPATH mode over Debian's /usr/share/gocode tree, the Go build cache in OUT. What
# is up to date is not rebuilt. Exits 2, with one line on stderr, when Go or the appc sources
# are missing (scripts/deps.sh installs golang-go and golang-github-appc-spec-dev).
# usage: tests/ace/build.sh [OUT]       (GO: the go command, default go)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-${BUILD:-$repo/build}/ace}
gocode=/usr/share/gocode
src=$gocode/src/github.com/appc/spec/ace
go=${GO:-go}

if ! command -v "$go" >/dev/null 2>&1; then
	echo "ace/build.sh: no go compiler (Debian package golang-go)" >&2
	exit 2
fi
if [ ! -f "$src/validator.go" ]; then
	echo "ace/build.sh: no $src (Debian package golang-github-appc-spec-dev)" >&2
	exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# newer TARGET SOURCES...: true when TARGET is missing or older than one of SOURCES.
newer() {
	local t=$1 s
	shift
	[ -e "$t" ] || return 0
	for s in "$@"; do
		[ "$s" -nt "$t" ] && return 0
	done
	return 1
}

# gobuild OUT PACKAGE|FILE...: a static, stripped binary; GOPATH mode, nothing fetched.
gobuild() {
	local bin=$1
	shift
	env GO111MODULE=off GOPATH="$gocode" GOFLAGS= GOPROXY=off GOENV=off CGO_ENABLED=0 \
		GOCACHE="$out/.gocache" GOTMPDIR= \
		"$go" build -trimpath -ldflags "-s -w" -o "$bin.tmp" "$@"
	mv "$bin.tmp" "$bin"
}

# The validator: a package of the gocode tree (it imports github.com/appc/spec/schema...).
mapfile -t vsrc < <(find "$gocode/src/github.com/appc/spec/ace" "$gocode/src/github.com/appc/spec/schema" -name '*.go')
if newer "$out/ace-validator" "${vsrc[@]}"; then
	echo "ace/build.sh: building the ACE validator (go, a minute on a cold cache)" >&2
	gobuild "$out/ace-validator" github.com/appc/spec/ace
fi
if newer "$out/ace-mds" "$here/mds/mds.go"; then
	gobuild "$out/ace-mds" "$here/mds/mds.go"
fi

# The appc arch label of Go's GOARCH (appc: types/labels.go, ValidOSArch).
goarch=$(env GO111MODULE=off GOENV=off "$go" env GOARCH)
case $goarch in
amd64) arch=amd64 ;;
arm64) arch=aarch64 ;;
386) arch=i386 ;;
arm) arch=armv7l ;;
*) arch=$goarch ;;
esac

# The two images as appc's ace/build_aci packs them (the validator at /ace-validator,
# /opt/acvalidator), the manifests' placeholders filled in, plus the /db mount point.
for typ in main sidekick; do
	aci=$out/ace-validator-$typ.aci
	tmpl=$here/image_manifest_$typ.json.in
	newer "$aci" "$out/ace-validator" "$tmpl" "${BASH_SOURCE[0]}" || continue
	tmp=$(mktemp -d)
	mkdir -p "$tmp/rootfs/opt/acvalidator" "$tmp/rootfs/db"
	cp "$out/ace-validator" "$tmp/rootfs/ace-validator"
	sed -e "s/@ACI_OS@/linux/g" -e "s/@ACI_ARCH@/$arch/g" "$tmpl" >"$tmp/manifest"
	if grep -q '@[A-Z_]*@' "$tmp/manifest"; then
		echo "ace/build.sh: placeholder left in $tmpl" >&2
		rm -rf "$tmp"
		exit 1
	fi
	chmod 0755 "$tmp/rootfs" "$tmp/rootfs/opt" "$tmp/rootfs/opt/acvalidator" "$tmp/rootfs/db"
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp" \
		-czf "$aci.tmp" manifest rootfs
	rm -rf "$tmp"
	mv "$aci.tmp" "$aci"
done
