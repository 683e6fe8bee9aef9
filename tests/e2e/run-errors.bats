#!/usr/bin/env bats
# run: bad input gets one line, exit 254, and leaves nothing behind.
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

setup() {
	common_setup
	pod_json '{"exec": ["/bin/true"]}'
	prepare
}

teardown() {
	common_teardown
}

@test "a malformed pod manifest is refused" {
	echo '{"acKind": "PodManifest", "acVersion": "1.30.0", "apps": [' >"$POD/pod"
	run_pod
	assert_one_line_error 'pod manifest: invalid JSON'
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "a missing pod manifest is refused" {
	rm "$POD/pod"
	run_pod
	assert_one_line_error 'reading the pod manifest: no such file or directory'
}

@test "a pod manifest with an invalid app name is refused naming the field" {
	jq '.apps[0].name = "Bad_Name"' "$POD/pod" >"$POD/pod.new" && mv "$POD/pod.new" "$POD/pod"
	run_pod
	assert_one_line_error 'apps[0].name: invalid app name "Bad_Name"'
}

@test "an app of several without its image manifest is refused naming the app" {
	jq '.apps += [.apps[0] | .name = "second"]' "$POD/pod" >"$POD/pod.new" && mv "$POD/pod.new" "$POD/pod"
	run_pod
	assert_one_line_error 'app "second": reading the image manifest appsinfo/second/manifest: no such file or directory'
}

@test "a pod without apps is refused" {
	jq '.apps = []' "$POD/pod" >"$POD/pod.new" && mv "$POD/pod.new" "$POD/pod"
	run_pod
	assert_one_line_error 'pod manifest: no apps'
}

@test "a missing app rootfs is refused" {
	local root=$POD/stage1/rootfs/opt/stage2/busybox/rootfs
	# Rendered as an overlay, the rootfs is a mount point: stage0 would mount it again.
	if mountpoint -q "$root"; then
		umount "$root"
		rm -f "$POD/overlay-prepared"
	fi
	rm -rf "$root"
	run_pod
	assert_one_line_error 'app rootfs stage1/rootfs/opt/stage2/busybox/rootfs: no such file or directory'
}

@test "an unknown flag is refused" {
	run_pod --no-such-flag
	assert_one_line_error 'flag provided but not defined: -no-such-flag'
}

@test "--private-users is refused rather than ignored" {
	run_pod --private-users=100000:65536
	assert_one_line_error '--private-users'
}

@test "a --net other than default or host is refused" {
	run_pod --net=mynet
	assert_one_line_error '--net=mynet'
}

@test "--ipc=private is refused" {
	run_pod --ipc=private
	assert_one_line_error '--ipc=private'
}

@test "an invalid --dns-conf-mode is refused" {
	run_pod --dns-conf-mode=resolv=bogus
	assert_one_line_error 'invalid value "bogus" for resolv'
}

@test "--hostname runs the pod with one warning line" {
	run_pod --hostname=myhost
	[ "$status" -eq 0 ]
	[ "$stderr" = "run: warning: --hostname=myhost is ignored: a fly pod shares the host's hostname" ]
}

@test "a UUID that is not this pod's is refused" {
	run --separate-stderr bash -c "cd '$POD' && RKT_LOCK_FD= '$POD/stage1/rootfs/run' 01234567-89ab-cdef-0123-456789abcdef"
	assert_one_line_error 'does not match the pod directory'
}

@test "a host volume whose source is missing is refused, leaving no mount" {
	pod_json '{"exec": ["/bin/true"]}' '[{"name": "data", "kind": "host", "source": "/nonexistent/source"}]' \
		'{"mounts": [{"volume": "data", "path": "/data"}]}'
	prepare
	run_pod
	assert_one_line_error 'volume "data": source /nonexistent/source: no such file or directory'
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "a dangling symlink as a file mount target is followed inside the rootfs, never to the host" {
	echo volume-file >"$DATA/file"
	pod_json '{"exec": ["/bin/probe", "read:/victim"]}' "[{\"name\": \"data\", \"kind\": \"host\", \"source\": \"$DATA/file\"}]" \
		'{"mounts": [{"volume": "data", "path": "/victim"}]}'
	prepare
	ln -s /nonexistent-host-file "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/victim"
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = "read:/victim=12:volume-file|" ]
	[ ! -e /nonexistent-host-file ]
	[ -f "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/nonexistent-host-file" ]
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "--help prints the flags and exits 0" {
	run "$STAGE1_BIN/run" --help
	[ "$status" -eq 0 ]
	[[ $output == *"--dns-conf-mode"* ]]
}
