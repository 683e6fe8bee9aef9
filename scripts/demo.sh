#!/bin/bash
# Run a sample pod through stage1-c the way rkt does (tests/stage0/stage0 plays rkt's part),
# then show what `rkt status` would, and collect the pod.
# Env: BUILD (build dir), STAGE1 (the stage1 image or a directory of entrypoints).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
if [ -z "${STAGE1:-}" ]; then
	STAGE1=$BUILD/bin
	[ -f stage1-c.aci ] && STAGE1=stage1-c.aci
fi
stage0=tests/stage0/stage0
data=$(mktemp -d /tmp/stage1-c-demo.XXXXXX)
trap 'GNUPGHOME=$data/gnupg gpgconf --kill all 2>/dev/null; "$stage0" unmount-below "$data"; rm -rf "$data"' EXIT

# What rkt trust + rkt run do with a signed stage1: verify the detached signature against the
# trusted key before using the image.
if [ -f "$STAGE1" ] && [ -f "$STAGE1.asc" ]; then
	key=${STAGE1%.aci}-pubkey.asc
	echo "== rkt trust --prefix=example.org/stage1-c $key; verifying $STAGE1.asc"
	mkdir -m 0700 "$data/gnupg"
	if [ -f "$key" ]; then
		GNUPGHOME=$data/gnupg gpg --batch --quiet --import "$key" 2>/dev/null
	else
		echo "(no $key: verifying against the caller's keyring)"
		cp -a "${GNUPGHOME:-$HOME/.gnupg}/." "$data/gnupg/" 2>/dev/null || true
	fi
	GNUPGHOME=$data/gnupg gpg --batch --verify "$STAGE1.asc" "$STAGE1"
fi

echo "== rkt run --stage1-path=$STAGE1 (stage0 emulated, data dir $data)"
uuid=$("$stage0" prepare --dir "$data" --stage1 "$STAGE1" --image "$BUILD/tests/busybox.aci" \
	--exec /bin/sh -c 'echo "hello from a stage1-c pod: $(id)"; echo "cwd=$(pwd) AC_APP_NAME=$AC_APP_NAME"; exit 3')
rc=0
"$stage0" run-prepared --dir "$data" "$uuid" || rc=$?
echo "== rkt run exited with $rc"
echo "== rkt status $uuid"
"$stage0" status --dir "$data" "$uuid"
"$stage0" gc --dir "$data" "$uuid"
echo "== collected; mounts left under $data: $(grep -c " $data" /proc/self/mountinfo || true)"
[ "$rc" -eq 3 ]
