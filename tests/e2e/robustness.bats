#!/usr/bin/env bats
# The pod's life under careless or hostile use: stragglers, racing stops, an app that changes
# its own root, gc in another mount namespace, image files that would hang or flood run.
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

setup() {
	common_setup
	OVERLAY=
}

teardown() {
	[ -n "${OVERLAY:-}" ] && umount "$OVERLAY" 2>/dev/null
	common_teardown
}

# PIDs of the processes whose command line contains TEXT (no pgrep: procps may be absent).
pids_running() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -- "$1" && { f=${f#/proc/}; echo "${f%/cmdline}"; }
	done
	return 0
}

@test "what a post-stop handler leaves running is killed before run exits" {
	local tag=$((700000 + RANDOM))
	pod_json '{"exec": ["/bin/true"],
	           "eventHandlers": [{"name": "post-stop", "exec": ["/bin/sh", "-c", "sleep '"$tag"' </dev/null >/tmp/straggler 2>&1 & sleep 0.2; echo left"]}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	local p
	for p in $(pids_running "sleep $tag"); do
		assert_dead "$p"
	done
}

@test "stop --force racing the app's exit never kills the post-stop handler" {
	local i delay
	# Around the app's exit (0.3 s after it starts): before it, at it, and while the handler
	# runs.
	for i in 0 1 2 3 4 5 6 7; do
		delay=0.$((28 + 3 * i))
		pod_json '{"exec": ["/bin/sh", "-c", "sleep 0.3; exit 3"],
		           "eventHandlers": [{"name": "post-stop", "exec": ["/bin/sh", "-c", "sleep 0.2; echo ran"]}]}'
		prepare
		start_pod
		sleep "$delay"
		"$STAGE0" stop --dir "$DATA" --force "$UUID" || true
		wait_exit
		if grep -q "post-stop" "$DATA/err"; then
			echo "try $i (stop after ${delay}s): $(cat "$DATA/err")" >&2
			return 1
		fi
		grep -qx ran "$DATA/out"
		run pod_status
		[[ $output == *"app-busybox=3"* || $output == *"app-busybox=137"* ]]
		[ "$(printf '%s\n' "$output" | grep -c '^app-')" -eq 1 ]
	done
}

@test "stop reaches an app that changed its own root" {
	pod_json '{"exec": ["/bin/busybox", "chroot", "/var/jail", "/bin/busybox", "sh", "-c", "echo jailed; exec /bin/busybox sleep 60"]}'
	prepare
	local root=$POD/stage1/rootfs/opt/stage2/busybox/rootfs
	mkdir -p "$root/var/jail/bin"
	cp "$root/bin/busybox" "$root/var/jail/bin/"
	start_pod
	wait_output jailed
	run "$STAGE0" stop --dir "$DATA" "$UUID"
	[ "$status" -eq 0 ]
	wait_exit
	[ "$EXIT_CODE" -eq 143 ]
	run pod_status
	[[ $output == *"app-busybox=143"* ]]
}

@test "gc leaves alone a mount on the app's rootfs that run did not make (another namespace)" {
	pod_json '{"exec": ["/bin/true"]}'
	prepare
	local root=$POD/stage1/rootfs/opt/stage2/busybox/rootfs
	# An overlay on the rootfs here, as rkt makes; the pod runs in a mount namespace of its own.
	mkdir "$DATA/lower" "$DATA/upper" "$DATA/work"
	cp -a "$root/." "$DATA/lower/"
	mount -t overlay overlay -o "lowerdir=$DATA/lower,upperdir=$DATA/upper,workdir=$DATA/work" "$root"
	OVERLAY=$root
	run unshare -m "$STAGE0" run-prepared --dir "$DATA" "$UUID"
	[ "$status" -eq 0 ]
	run bash -c "cd '$POD' && '$STAGE1_BIN/gc' --local-config /etc/rkt '$UUID'"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	awk -v d="$root" '$5 == d && $9 == "overlay"' /proc/self/mountinfo | grep -q .
	umount "$root"
	OVERLAY=
}

@test "gc of a pod whose mounts are gone (after a reboot) exits 0 and touches nothing" {
	pod_json '{"exec": ["/bin/true"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	local before
	before=$(wc -l </proc/self/mountinfo)
	run bash -c "cd '$POD' && '$STAGE1_BIN/gc' --local-config /etc/rkt '$UUID' && '$STAGE1_BIN/gc' --local-config /etc/rkt '$UUID'"
	[ "$status" -eq 0 ]
	[ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
}

@test "a FIFO at the image's /etc/passwd fails the pod at once with one line" {
	pod_json '{"exec": ["/bin/true"], "user": "app", "group": "0"}'
	prepare
	local root=$POD/stage1/rootfs/opt/stage2/busybox/rootfs
	rm -f "$root/etc/passwd"
	mkfifo "$root/etc/passwd"
	run --separate-stderr timeout 10 "$STAGE0" run-prepared --dir "$DATA" "$UUID"
	assert_one_line_error "the app's /etc/passwd is not a regular file"
}

@test "an image's /etc/group pointing at a device is refused, not read" {
	pod_json '{"exec": ["/bin/true"], "user": "0", "group": "app"}'
	prepare
	local root=$POD/stage1/rootfs/opt/stage2/busybox/rootfs
	rm -f "$root/etc/group"
	mknod "$root/zero" c 1 5
	ln -s /zero "$root/etc/group"
	run --separate-stderr timeout 10 "$STAGE0" run-prepared --dir "$DATA" "$UUID"
	assert_one_line_error "the app's /etc/group is not a regular file"
}

@test "the leader keeps no cgroup descriptor once the app has joined" {
	pod_json '{"exec": ["/bin/sh", "-c", "echo up; exec sleep 60"],
	           "isolators": [{"name": "resource/memory", "value": {"limit": "64Mi"}}]}'
	prepare
	start_pod
	wait_output up
	local leader fds
	leader=$(leader_pid "$POD")
	[ -n "$leader" ]
	fds=$(ls -l "/proc/$leader/fd" | grep -c '/sys/fs/cgroup' || true)
	[ "$fds" -eq 0 ]
}

@test "the pod leader's file is the pod's own copy, and busy while the pod runs" {
	# run is not re-executed from a sealed copy (enter is): rkt execs it from the pod's own
	# stage1 rootfs (an overlay's upper directory or a per-pod copy takes any write), no pod
	# ever runs it again, and while the leader runs the kernel refuses writes (ETXTBSY).
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	local shared before
	shared=$(sha256sum <"$STAGE1_BIN/run")
	before=$(sha256sum <"$POD/stage1/rootfs/run")
	[ "$(readlink -f "/proc/$LEADER/exe")" = "$(readlink -f "$POD/stage1/rootfs/run")" ]
	run bash -c "printf x >> /proc/$LEADER/exe"
	[ "$status" -ne 0 ]
	[[ $output == *"busy"* ]]
	[ "$(sha256sum <"$POD/stage1/rootfs/run")" = "$before" ]
	[ "$(sha256sum <"$STAGE1_BIN/run")" = "$shared" ]
	# What every pod of the image shares: rkt's tree store (the overlay's lower directory).
	local tree=$DATA/cas/tree/$(cat "$POD/stage1TreeStoreID")/rootfs/run
	[ ! -f "$tree" ] || [ "$(sha256sum <"$tree")" = "$shared" ]
}
