#!/usr/bin/env bats
# run: real pods started through the test stage0, checked from the outside.
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

@test "the image's app runs and the pod exits 0 with its status recorded" {
	pod_json '{"exec": ["/bin/sh", "-c", "echo hello-from-stage2"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = hello-from-stage2 ]
	run pod_status
	[[ $output == *"state=exited"* ]]
	[[ $output == *"app-busybox=0"* ]]
	[ "$(cat "$POD/stage1/rootfs/rkt/status/busybox")" = 0 ]
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "rkt run's exit code and the status file are the app's exit code" {
	pod_json '{"exec": ["/bin/probe", "exit:7"]}'
	prepare
	run_pod
	[ "$status" -eq 7 ]
	[ "$(cat "$POD/stage1/rootfs/rkt/status/busybox")" = 7 ]
}

@test "an app killed by a signal exits 128+signal" {
	pod_json '{"exec": ["/bin/probe", "kill:9"]}'
	prepare
	run_pod
	[ "$status" -eq 137 ]
	[ "$(cat "$POD/stage1/rootfs/rkt/status/busybox")" = 137 ]
}

@test "the app runs with the numeric user, group and supplementary groups of its manifest" {
	pod_json '{"exec": ["/bin/probe", "ids"], "user": "1000", "group": "1000", "supplementaryGIDs": [10, 20, 1000]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	# The kernel keeps supplementary groups sorted.
	[ "$output" = "uid=1000 gid=1000 euid=1000 egid=1000 groups=10,20,1000" ]
}

@test "user and group names are looked up in the image's own passwd and group files" {
	pod_json '{"exec": ["/bin/probe", "ids"], "user": "app", "group": "staff"}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = "uid=1000 gid=50 euid=1000 egid=50 groups=50" ]
}

@test "a user given as a path is the owner of that file inside the image" {
	pod_json '{"exec": ["/bin/probe", "ids"], "user": "/home/app", "group": "/home/app"}'
	prepare
	chown 1234:4321 "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/home/app"
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = "uid=1234 gid=4321 euid=1234 egid=4321 groups=4321" ]
}

@test "an unknown user name fails with one line and exit 254, leaving no mount" {
	pod_json '{"exec": ["/bin/probe", "ids"], "user": "nosuchuser", "group": "0"}'
	prepare
	run_pod
	assert_one_line_error 'user "nosuchuser" not found'
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "the app's environment is its manifest's plus the defaults, with nothing from the host" {
	pod_json '{"exec": ["/bin/probe", "env"], "environment": [{"name": "FOO", "value": "bar"}, {"name": "HOME", "value": "/home/app"}]}'
	prepare
	HOST_SECRET=leak run_pod
	[ "$status" -eq 0 ]
	[[ $output == *"env=FOO=bar"* ]]
	[[ $output == *"env=HOME=/home/app"* ]]
	[[ $output != *"env=HOME=/root"* ]]
	[[ $output == *"env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"* ]]
	[[ $output == *"env=AC_APP_NAME=busybox"* ]]
	[[ $output == *"env=container=rkt"* ]]
	[[ $output == *"env=SHELL=/bin/sh"* ]]
	[[ $output != *HOST_SECRET* ]]
	[[ $output != *RKT_LOCK_FD* ]]
	grep -qx 'FOO=bar' "$POD/stage1/rootfs/rkt/env/busybox"
}

@test "the app starts in its working directory" {
	pod_json '{"exec": ["/bin/probe", "cwd"], "workingDirectory": "/home/app"}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = cwd=/home/app ]
}

@test "a missing working directory fails with one line and exit 254" {
	pod_json '{"exec": ["/bin/probe", "cwd"], "workingDirectory": "/nonexistent"}'
	prepare
	run_pod
	assert_one_line_error 'working directory "/nonexistent"'
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "a missing executable fails with rkt's message and exit 254" {
	pod_json '{"exec": ["/bin/nonexistent"]}'
	prepare
	run_pod
	assert_one_line_error "can't execute \"/bin/nonexistent\": no such file or directory"
	[ "$(mounts_under "$POD/")" -eq 0 ]
	run pod_status
	[[ $output != *pid=* ]]
}

@test "exec[0] without a slash is searched in the app's PATH inside its rootfs" {
	pod_json '{"exec": ["probe", "cwd"], "environment": [{"name": "PATH", "value": "/nowhere:/bin"}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = cwd=/ ]
}

@test "the app gets stdin as rkt run got it" {
	pod_json '{"exec": ["/bin/cat"]}'
	prepare
	run bash -c "echo piped-in | '$STAGE0' run-prepared --dir '$DATA' '$UUID'"
	[ "$status" -eq 0 ]
	[ "$output" = piped-in ]
}

@test "the app holds no descriptor but 0, 1 and 2: not the pod lock" {
	pod_json '{"exec": ["/bin/probe", "fds"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = fds=0,1,2 ]
}

@test "a host volume is mounted read-write" {
	mkdir "$DATA/vol"
	echo from-host >"$DATA/vol/in"
	pod_json '{"exec": ["/bin/sh", "-c", "cat /data/in && echo from-app > /data/out"]}' \
		"[{\"name\": \"data\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}]" \
		'{"mounts": [{"volume": "data", "path": "/data"}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	[ "$(cat "$DATA/vol/out")" = from-app ]
}

@test "a read-only host volume is really read-only" {
	mkdir "$DATA/vol"
	echo from-host >"$DATA/vol/in"
	pod_json '{"exec": ["/bin/probe", "read:/data/in", "write:/data/out"]}' \
		"[{\"name\": \"data\", \"kind\": \"host\", \"source\": \"$DATA/vol\", \"readOnly\": true}]" \
		'{"mounts": [{"volume": "data", "path": "/data"}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[[ $output == *"read:/data/in=10:from-host|"* ]]
	[[ $output == *"write:/data/out=Read-only file system"* ]]
	[ ! -e "$DATA/vol/out" ]
}

@test "an image mountPoint takes a volume's place and lends it its readOnly" {
	mkdir "$DATA/vol"
	pod_json '{"exec": ["/bin/probe", "write:/mp/out"], "mountPoints": [{"name": "data", "path": "/mp", "readOnly": true}]}' \
		"[{\"name\": \"data\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}]"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = "write:/mp/out=Read-only file system" ]
}

@test "a mountPoint without a volume fails with one line and exit 254" {
	pod_json '{"exec": ["/bin/true"], "mountPoints": [{"name": "data", "path": "/mp"}]}'
	prepare
	run_pod
	assert_one_line_error 'missing volume for mountpoint "data"'
}

@test "an empty volume is a fresh directory with the volume's mode and owner" {
	pod_json '{"exec": ["/bin/sh", "-c", "stat -c %a:%u:%g /scratch; ls -A /scratch | wc -l; echo x > /scratch/f && echo written"]}' \
		'[{"name": "scratch", "kind": "empty", "mode": "0750", "uid": 1000, "gid": 50}]' \
		'{"mounts": [{"volume": "scratch", "path": "/scratch"}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 750:1000:50 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = written ]
}

@test "a host volume is recursive only when asked" {
	mkdir -p "$DATA/vol/sub"
	mount -t tmpfs tmpfs "$DATA/vol/sub"
	echo marker >"$DATA/vol/sub/marker"
	pod_json '{"exec": ["/bin/probe", "exists:/flat/sub/marker", "exists:/deep/sub/marker"]}' \
		"[{\"name\": \"flat\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}, {\"name\": \"deep\", \"kind\": \"host\", \"source\": \"$DATA/vol\", \"recursive\": true, \"readOnly\": true}]" \
		'{"mounts": [{"volume": "flat", "path": "/flat"}, {"volume": "deep", "path": "/deep"}]}'
	prepare
	run_pod
	umount "$DATA/vol/sub"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "exists:/flat/sub/marker=No such file or directory" ]
	[ "${lines[1]}" = "exists:/deep/sub/marker=yes" ]
}

@test "a recursive read-only volume is read-only in its submounts too" {
	mkdir -p "$DATA/vol/sub"
	mount -t tmpfs tmpfs "$DATA/vol/sub"
	pod_json '{"exec": ["/bin/probe", "write:/deep/sub/x"]}' \
		"[{\"name\": \"deep\", \"kind\": \"host\", \"source\": \"$DATA/vol\", \"recursive\": true, \"readOnly\": true}]" \
		'{"mounts": [{"volume": "deep", "path": "/deep"}]}'
	prepare
	run_pod
	umount "$DATA/vol/sub"
	[ "$status" -eq 0 ]
	[ "$output" = "write:/deep/sub/x=Read-only file system" ]
}

@test "the app has /proc, /dev and a fresh writable /tmp" {
	pod_json '{"exec": ["/bin/sh", "-c", "probe exists:/proc/self/status exists:/dev/null write:/tmp/x; stat -c %a /tmp; awk '\''$5 == \"/tmp\" {print $9}'\'' /proc/self/mountinfo"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "exists:/proc/self/status=yes" ]
	[ "${lines[1]}" = "exists:/dev/null=yes" ]
	[ "${lines[2]}" = "write:/tmp/x=ok" ]
	[ "${lines[3]}" = 1777 ]
	[ "${lines[4]}" = tmpfs ]
}

@test "/sys and /proc/sys are read-only and kernel files are masked by default" {
	pod_json '{"exec": ["/bin/sh", "-c", "probe write:/proc/sys/vm/drop_caches read:/proc/kallsyms; awk '\''$5 == \"/sys\" || $5 == \"/sys/fs/cgroup\" {split($6, o, \",\"); print $5 \"=\" o[1]}'\'' /proc/self/mountinfo"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "write:/proc/sys/vm/drop_caches=Read-only file system" ]
	[ "${lines[1]}" = "read:/proc/kallsyms=0:" ]
	[[ $output == *"/sys=ro"* ]]
	if grep -q ' /sys/fs/cgroup ' /proc/self/mountinfo; then
		[[ $output == *"/sys/fs/cgroup=ro"* ]]
		[[ $output != *"=rw"* ]]
	fi
}

@test "--disable-paths leaves /sys writable and /proc unmasked" {
	pod_json '{"exec": ["/bin/sh", "-c", "awk '\''$5 == \"/sys\" {split($6, o, \",\"); print $5 \"=\" o[1]}'\'' /proc/self/mountinfo; head -c 1 /proc/kallsyms | wc -c"]}'
	prepare
	run_pod --disable-paths
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/sys=rw" ]
	[ "${lines[1]}" = 1 ]
}

@test "the pid file names the app, whose root is its rootfs, once it runs" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	local pid
	pid=$(cat "$POD/pid")
	[ "$(readlink "/proc/$pid/root")" = "$POD/stage1/rootfs/opt/stage2/busybox/rootfs" ]
	[ "$(readlink "/proc/$pid/exe")" = "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/bin/busybox" ]
	run pod_status
	[[ $output == *"state=running"* ]]
	[[ $output == *"pid=$pid"* ]]
	# The leader by PID and identity: its pidfd's inode (Linux 6.9+), else its start time.
	read -r lpid lid < <(sed -n 's/^leader //p' "$POD/stage1-c.record")
	[ "$lpid" -eq "$LEADER" ]
	if [[ $lid == pidfs:* ]]; then
		[[ $lid =~ ^pidfs:[1-9][0-9]*$ ]] || false
	else
		local stat
		stat=$(<"/proc/$LEADER/stat")
		read -ra f <<<"${stat##*) }"
		[ "$lid" = "${f[19]}" ]
	fi
	kill -TERM "$LEADER"
	wait_exit
	[ "$EXIT_CODE" -eq 143 ]
	run pod_status
	[[ $output == *"state=exited"* ]]
	[[ $output == *"app-busybox=143"* ]]
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "signals sent to rkt run reach the app exactly once each" {
	pod_json '{"exec": ["/bin/probe", "wait-signal"]}'
	prepare
	start_pod
	wait_output ready
	kill -USR1 "$LEADER"
	wait_output signal=10
	kill -HUP "$LEADER"
	wait_output signal=1
	kill -USR2 "$LEADER"
	wait_output signal=12
	kill -TERM "$LEADER"
	wait_exit
	[ "$EXIT_CODE" -eq 0 ]
	[ "$(grep -c '^signal=' "$DATA/out")" -eq 4 ]
	[ "$(tail -n1 "$DATA/out")" = signal=15 ]
}

@test "Ctrl-C on the terminal reaches the app once, not twice" {
	command -v script >/dev/null || skip "no script(1)"
	pod_json '{"exec": ["/bin/probe", "wait-signal"]}'
	prepare
	# script(1) gives the pod a pty; the ^C it is fed becomes SIGINT for the foreground group.
	(
		for i in $(seq 1 100); do
			[ "$(readlink "$POD/stage1/rootfs/rkt/supervisor-status")" = ready ] && break
			sleep 0.05
		done
		sleep 0.3
		printf '\003'
		sleep 0.5
		leader=$(leader_pid "$POD")
		kill -TERM "$leader"
		# Until the pod is gone: script(1) must not see its input end before the app's last
		# line (a loaded machine takes its time).
		for i in $(seq 1 200); do
			kill -0 "$leader" 2>/dev/null || break
			sleep 0.05
		done
		sleep 0.2
	) | script -qefc "'$STAGE0' run-prepared --dir '$DATA' '$UUID'" /dev/null >"$DATA/out" 2>&1 || true
	tr -d '\r' <"$DATA/out" >"$DATA/out.clean"
	grep -qx ready "$DATA/out.clean"
	[ "$(grep -c 'signal=2$' "$DATA/out.clean")" -eq 1 ]
	grep -qx signal=15 "$DATA/out.clean"
}

@test "an interactive shell in a pty works" {
	command -v script >/dev/null || skip "no script(1)"
	pod_json '{"exec": ["/bin/sh", "-i"]}'
	prepare
	run bash -c "(sleep 0.5; printf 'echo inter\"active\"; exit 5\n'; sleep 1) | script -qefc \"'$STAGE0' run-prepared --dir '$DATA' --interactive '$UUID'\" /dev/null"
	[ "$status" -eq 5 ]
	[[ $output == *interactive* ]]
}

@test "the app dies with its leader" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	local pid
	pid=$(cat "$POD/pid")
	kill -KILL "$LEADER"
	wait_exit || true
	assert_dead "$pid"
	# A leader killed outright cannot unmount: rkt gc does it, as the test stage0 does here.
	"$STAGE0" gc --dir "$DATA" "$UUID"
	[ "$(mounts_under "$DATA/")" -eq 0 ]
}

@test "a symlink in the image cannot aim a volume at the host's /etc" {
	mkdir "$DATA/vol"
	echo marker >"$DATA/vol/marker"
	pod_json '{"exec": ["/bin/probe", "read:/data/marker", "read:/etc/marker", "read:/rel/marker"]}' \
		"[{\"name\": \"data\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}, {\"name\": \"rel\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}]" \
		'{"mounts": [{"volume": "data", "path": "/data"}, {"volume": "rel", "path": "/rel"}]}'
	prepare
	local root=$POD/stage1/rootfs/opt/stage2/busybox/rootfs
	ln -s /etc "$root/data"
	ln -s ../../../../../../../../../../etc "$root/rel"
	local before
	before=$(grep -c ' /etc' /proc/self/mountinfo || true)
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "read:/data/marker=7:marker|" ]
	[ "${lines[1]}" = "read:/etc/marker=7:marker|" ]
	[ "$(grep -c ' /etc' /proc/self/mountinfo || true)" -eq "$before" ]
	[ ! -e /etc/marker ]
}

@test "resolv=host binds the host's resolv.conf read-only" {
	[ -f /etc/resolv.conf ] || skip "the host has no /etc/resolv.conf"
	pod_json '{"exec": ["/bin/sh", "-c", "cat /etc/resolv.conf; probe write:/etc/resolv.conf"]}'
	prepare
	run_pod --dns-conf-mode=resolv=host,hosts=default
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "write:/etc/resolv.conf=Read-only file system" ]
	[ "$(printf '%s\n' "${lines[@]:0:${#lines[@]}-1}")" = "$(grep . /etc/resolv.conf)" ]
}

@test "resolv=stage0 copies stage0's resolv.conf and hosts=stage0 binds its hosts file read-only" {
	pod_json '{"exec": ["/bin/sh", "-c", "cat /etc/resolv.conf /etc/hosts; probe write:/etc/hosts"]}'
	prepare
	mkdir -p "$POD/stage1/rootfs/etc"
	echo "nameserver 192.0.2.53" >"$POD/stage1/rootfs/etc/rkt-resolv.conf"
	echo "192.0.2.1 stage0-host" >"$POD/stage1/rootfs/etc/rkt-hosts"
	run_pod --dns-conf-mode resolv=stage0,hosts=stage0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nameserver 192.0.2.53" ]
	[ "${lines[1]}" = "192.0.2.1 stage0-host" ]
	[ "${lines[2]}" = "write:/etc/hosts=Read-only file system" ]
}

@test "hosts=default writes a localhost /etc/hosts only where the image has none" {
	pod_json '{"exec": ["/bin/cat", "/etc/hosts"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = "127.0.0.1 localhost localdomain" ]

	prepare
	echo "10.0.0.1 own" >"$POD/stage1/rootfs/opt/stage2/busybox/rootfs/etc/hosts"
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = "10.0.0.1 own" ]
}

@test "readOnlyRootFS makes the root read-only but not /tmp or volumes" {
	mkdir "$DATA/vol"
	pod_json '{"exec": ["/bin/probe", "write:/newfile", "write:/tmp/x", "write:/data/x"]}' \
		"[{\"name\": \"data\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}]" \
		'{"readOnlyRootFS": true, "mounts": [{"volume": "data", "path": "/data"}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "write:/newfile=Read-only file system" ]
	[ "${lines[1]}" = "write:/tmp/x=ok" ]
	[ "${lines[2]}" = "write:/data/x=ok" ]
}

@test "pre-start runs as the app's user before the app, post-stop after it" {
	mkdir "$DATA/vol"
	chmod 777 "$DATA/vol"
	pod_json '{"exec": ["/bin/sh", "-c", "echo app >> /data/log"], "user": "1000", "group": "1000",
	           "eventHandlers": [{"name": "pre-start", "exec": ["/bin/sh", "-c", "echo pre $(id -u) >> /data/log"]},
	                             {"name": "post-stop", "exec": ["/bin/sh", "-c", "echo post >> /data/log"]}]}' \
		"[{\"name\": \"data\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}]" \
		'{"mounts": [{"volume": "data", "path": "/data"}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(cat "$DATA/vol/log")" = "$(printf 'pre 1000\napp\npost')" ]
}

@test "a failing pre-start handler stops the pod with exit 254" {
	pod_json '{"exec": ["/bin/true"], "eventHandlers": [{"name": "pre-start", "exec": ["/bin/false"]}]}'
	prepare
	run_pod
	assert_one_line_error 'pre-start handler "/bin/false" exited with status 1'
	[ ! -e "$POD/pid" ]
}

@test "a pre-start handler that fails leaving a daemon takes it and the pod's cgroups with it" {
	mkdir "$DATA/vol"
	pod_json '{"exec": ["/bin/true"], "eventHandlers": [{"name": "pre-start",
		"exec": ["/bin/sh", "-c", "setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $! >/data/daemon; exit 3"]}]}' \
		"[{\"name\": \"data\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}]" \
		'{"mounts": [{"volume": "data", "path": "/data"}]}'
	prepare
	run_pod
	assert_one_line_error 'pre-start handler "/bin/sh" exited with status 3'
	local daemon
	daemon=$(cat "$DATA/vol/daemon")
	[ -n "$daemon" ]
	assert_dead "$daemon"
	[ -z "$(pod_cgroups "$UUID")" ]
}

@test "the host's mount propagation is left as it was" {
	local before after
	before=$(awk '$5 == "/" || $5 == "/dev" || $5 == "/proc" || $5 == "/sys" {print $5, $7}' /proc/self/mountinfo)
	pod_json '{"exec": ["/bin/true"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	after=$(awk '$5 == "/" || $5 == "/dev" || $5 == "/proc" || $5 == "/sys" {print $5, $7}' /proc/self/mountinfo)
	[ "$before" = "$after" ]
}
