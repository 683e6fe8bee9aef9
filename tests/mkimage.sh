#!/bin/bash
# Build the app image (ACI) used by the tests and the README demo: Debian's busybox-static,
# the test probe, and an /etc/passwd and /etc/group of its own.
# usage: tests/mkimage.sh OUT.aci PROBE [NAME]
set -euo pipefail
out=$1
probe=$2
name=${3:-example.com/busybox}
busybox=/bin/busybox
if [ ! -x "$busybox" ]; then
	echo "mkimage: $busybox is missing (Debian package busybox-static)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/rootfs
mkdir -p "$root"/{bin,etc,root,home/app,var}
cp "$busybox" "$root/bin/busybox"
for a in sh id ls cat echo sleep env pwd stat mkdir touch grep head wc true false kill ps \
	readlink realpath test mount awk setsid nohup; do
	ln -s busybox "$root/bin/$a"
done
cp "$probe" "$root/bin/probe"
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
staff:x:50:app
app:x:1000:
nogroup:x:65534:
GROUP
cat >"$tmp/manifest" <<MANIFEST
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"$name","labels":[{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}],"app":{"exec":["/bin/sh","-c","echo hello-from-stage2; id"],"user":"0","group":"0"}}
MANIFEST
chmod 0755 "$root" "$root"/*
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp" -czf "$out" manifest rootfs
