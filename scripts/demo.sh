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
trap '"$stage0" unmount-below "$data"; rm -rf "$data"' EXIT

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
