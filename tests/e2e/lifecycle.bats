#!/usr/bin/env bats
# enter, stop and gc on running and exited pods, through the test stage0 as rkt calls them.
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

setup() {
	common_setup
	[ -x "$STAGE1_BIN/enter" ] || skip "no enter entrypoint in $STAGE1_BIN"
}

teardown() {
	common_teardown
}

ISOLATED='{"exec": ["/bin/sh", "-c", "probe ids caps oom cgroup > /tmp/app-view; echo up; exec sleep 60"],
           "user": "1000", "group": "1000", "supplementaryGIDs": [50],
           "environment": [{"name": "FOO", "value": "bar baz"}], "workingDirectory": "/home/app",
           "isolators": [{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_NET_BIND_SERVICE"]}},
                         {"name": "os/linux/no-new-privileges", "value": true},
                         {"name": "os/linux/oom-score-adj", "value": 200},
                         {"name": "resource/memory", "value": {"limit": "64Mi"}}]}'

enter() {
	run --separate-stderr "$STAGE0" enter --dir "$DATA" "$UUID" "$@"
}

@test "enter runs a command as the app, with the app's ids, capabilities, OOM score and cgroups" {
	pod_json "$ISOLATED"
	prepare
	start_pod
	wait_output up
	enter busybox /bin/probe ids caps oom cgroup
	[ "$status" -eq 0 ]
	local app_view
	# The pod's mounts live in the host's mount namespace: its /tmp is readable from here.
	app_view=$(cat "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/tmp/app-view")
	[ -n "$app_view" ]
	[ "$output" = "$app_view" ]
	[[ $output == *"uid=1000 gid=1000 euid=1000 egid=1000 groups=50,1000"* ]]
	[[ $output == *"CapAmb=0000000000000400"* ]]
	[[ $output == *"NoNewPrivs=1"* ]]
	[[ $output == *"oom_score_adj=200"* ]]
	# In the v2 tree, the pod's cgroup itself where the memory limit went to a v1 hierarchy, its
	# app leaf where it went to v2.
	local leaf=/app
	[ -d /sys/fs/cgroup/memory ] && leaf=
	grep -q "^cgroup=0::.*/stage1-c-$UUID$leaf\$" <<<"$output"
}

@test "enter runs as the ids run gave the app, whatever the app wrote to its /etc/passwd since" {
	# The image's user "app" is 1000; then the name is made to mean root, as a root process
	# of the pod could do.
	pod_json '{"exec": ["/bin/sh", "-c", "echo up; exec sleep 60"], "user": "app", "group": "app"}'
	prepare
	start_pod
	wait_output up
	local root=$POD/stage1/rootfs/opt/stage2/busybox/rootfs
	printf 'app:x:0:0::/:/bin/sh\n' >"$root/etc/passwd"
	printf 'app:x:0:\n' >"$root/etc/group"
	enter busybox /bin/probe ids
	[ "$status" -eq 0 ]
	[[ $output == *"uid=1000 gid=1000 euid=1000 egid=1000 groups=1000"* ]]
}

@test "enter passes a signal sent to it on to the command, and the command dies with enter" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	local cmd='trap "exit 7" TERM; echo $$ >/tmp/enter-cmd; sleep 60 & wait'
	"$STAGE0" enter --dir "$DATA" "$UUID" busybox /bin/sh -c "$cmd" >"$DATA/enter.out" 2>&1 &
	local enter=$! i
	for i in $(seq 1 100); do [ -s "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/tmp/enter-cmd" ] && break; sleep 0.05; done
	kill -TERM "$enter"
	local rc=0
	wait "$enter" || rc=$?
	[ "$rc" -eq 7 ]

	rm -f "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/tmp/enter-cmd"
	"$STAGE0" enter --dir "$DATA" "$UUID" busybox /bin/sh -c "$cmd" >"$DATA/enter.out" 2>&1 &
	enter=$!
	for i in $(seq 1 100); do [ -s "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/tmp/enter-cmd" ] && break; sleep 0.05; done
	local shell
	shell=$(cat "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/tmp/enter-cmd")
	[ -n "$shell" ]
	kill -KILL "$enter"
	wait "$enter" || true
	assert_dead "$shell"
}

@test "enter gives the app's environment and working directory, and no host descriptor" {
	pod_json "$ISOLATED"
	prepare
	start_pod
	wait_output up
	HOST_ONLY=1 enter busybox /bin/probe env cwd fds
	[ "$status" -eq 0 ]
	[[ $output == *"env=FOO=bar baz"* ]]
	[[ $output == *"env=AC_APP_NAME=busybox"* ]]
	[[ $output != *HOST_ONLY* ]]
	[[ $output == *"cwd=/home/app"* ]]
	[[ $output == *"fds=0,1,2"* ]]
}

@test "enter exits with the command's exit code and passes stdin through" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	run bash -c "echo through | '$STAGE0' enter --dir '$DATA' '$UUID' busybox /bin/sh -c 'cat; exit 9'"
	[ "$status" -eq 9 ]
	[ "$output" = through ]
}

@test "enter refuses a PID that is not the pod's app" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	run --separate-stderr bash -c "cd '$POD' && '$POD/stage1/rootfs/enter' --pid=$$ --appname=busybox -- /bin/true"
	[ "$status" -eq 254 ]
	[[ $stderr == "enter: process $$ is not app \"busybox\" of this pod" ]]
	run --separate-stderr bash -c "cd '$POD' && '$POD/stage1/rootfs/enter' --pid=999999999 --appname=busybox -- /bin/true"
	[ "$status" -eq 254 ]
	[[ $stderr == "enter: --pid=999999999 is not a process id" || $stderr == "enter: process 999999999 does not exist" ]]
}

@test "enter refuses an app that is not in the pod, and a missing command" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	enter other /bin/true
	[ "$status" -eq 254 ]
	[ "$stderr" = 'enter: app "other" is not in the pod' ]
	enter busybox /bin/nonexistent
	[ "$status" -eq 254 ]
	[ "$stderr" = 'enter: can'"'"'t execute "/bin/nonexistent": no such file or directory' ]
	run --separate-stderr bash -c "cd '$POD' && '$POD/stage1/rootfs/enter' --pid=$(cat "$POD/pid") --appname=busybox --"
	[ "$status" -eq 254 ]
	[ "$stderr" = "enter: missing command" ]
}

@test "enter joins only the pod's app cgroups, whatever the record says" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	local rec=$POD/stage1-c.record leader_procs
	cp "$rec" "$DATA/record"
	leader_procs=$(sed -n 's|^app-cgroups \(.*/stage1-c-[^/]*\)\(/app\)\?/cgroup.procs$|\1/leader/cgroup.procs|p; s|^app-cgroups \(.*\)/tasks$|\1/leader/tasks|p' "$rec" | head -n1)
	[ -n "$leader_procs" ]
	for bad in /sys/fs/cgroup/memory/tasks "$leader_procs" /etc/passwd; do
		{ grep -v '^app-cgroups ' "$DATA/record"; printf 'app-cgroups %s\n' "$bad"; } >"$rec"
		enter busybox /bin/true
		[ "$status" -eq 254 ]
		[ "$stderr" = "enter: app-cgroups record: bad entry \"$bad\"" ]
	done
}

# The hashes of enter's files: the one every pod of the image shares (rkt runs enter from its
# tree store; the test stage0 too, where it has one) and the pod's own copy.
enter_files() {
	local tree=$DATA/cas/tree/$(cat "$POD/stage1TreeStoreID")/rootfs/enter
	[ -f "$tree" ] || tree=$POD/stage1/rootfs/enter
	sha256sum <"$tree"
	sha256sum <"$POD/stage1/rootfs/enter"
}

@test "a #!/proc/self/exe command through enter cannot reach enter's file on the host" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	local root=$POD/stage1/rootfs/opt/stage2/busybox/rootfs before
	printf '#!/proc/self/exe\n' >"$root/bin/evil"
	chmod 755 "$root/bin/evil"
	start_pod
	wait_ready
	before=$(enter_files)
	enter busybox /bin/evil
	# The kernel ran /proc/self/exe, which is enter's read-only bind of itself (or sealed
	# copy): it fails on its arguments, and the files on the host are untouched.
	[ "$status" -eq 254 ]
	[[ $stderr == enter:* ]]
	[ "$(enter_files)" = "$before" ]
}

@test "the file an enter process runs can never be written, even through a descriptor kept for later" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	local up=$POD/stage1/rootfs/opt/stage2/busybox/rootfs/tmp/enter-up before kept i
	before=$(enter_files)
	"$STAGE0" enter --dir "$DATA" "$UUID" busybox /bin/sh -c 'touch /tmp/enter-up; exec sleep 60' \
		>/dev/null 2>&1 &
	local enter=$!
	for i in $(seq 1 100); do [ -e "$up" ] && break; sleep 0.05; done
	[ -e "$up" ]
	# What an app's process could do with enter's /proc/PID/exe: keep it, and open it for
	# writing once enter has exited (the kernel refuses writes only while a file runs).
	exec {kept}<"/proc/$enter/exe"
	kill -KILL "$enter"
	wait "$enter" || true
	run bash -c "printf x >>/proc/self/fd/$kept"
	exec {kept}<&-
	[ "$status" -ne 0 ]
	# A read-only mount (EROFS); before Linux 6.8 (no statmount) a sealed memfd copy (EPERM).
	local want="Read-only file system"
	[ "$(printf '%s\n' 6.8 "$(uname -r)" | sort -V | head -n1)" = 6.8 ] ||
		want="Operation not permitted"
	[[ $output == *"$want"* ]]
	[ "$(enter_files)" = "$before" ]
}

@test "stop sends SIGTERM to a sleeping app and the status records 143" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	run "$STAGE0" stop --dir "$DATA" "$UUID"
	[ "$status" -eq 0 ]
	wait_exit
	[ "$EXIT_CODE" -eq 143 ]
	run pod_status
	[[ $output == *"app-busybox=143"* ]]
}

@test "stop --force kills every process of the pod, a setsid daemon included" {
	pod_json '{"exec": ["/bin/sh", "-c", "setsid sleep 600 & echo daemon=$!; exec sleep 600"],
	           "eventHandlers": [{"name": "post-stop", "exec": ["/bin/true"]}]}'
	prepare
	start_pod
	wait_ready
	for i in $(seq 1 50); do grep -q '^daemon=' "$DATA/out" && break; sleep 0.05; done
	local daemon
	daemon=$(sed -n 's/^daemon=//p' "$DATA/out")
	[ -n "$daemon" ]
	kill -0 "$daemon"
	run "$STAGE0" stop --dir "$DATA" --force "$UUID"
	[ "$status" -eq 0 ]
	wait_exit
	[ "$EXIT_CODE" -eq 137 ]
	[ "$(cat "$POD/stage1/rootfs/rkt/status/busybox")" = 137 ]
	assert_dead "$daemon"
	# The post-stop handler still runs, in the app's cgroups, after they were killed.
	if grep -q post-stop "$DATA/err"; then
		cat "$DATA/err" >&2
		return 1
	fi
	local cg
	for cg in $(pod_cgroups "$UUID"); do
		[ -z "$(find "$cg" -name cgroup.procs -path '*stage1-c*' ! -path '*/leader/*' -exec cat {} +)" ]
	done
}

@test "stop on an exited pod exits 0 quietly" {
	pod_json '{"exec": ["/bin/true"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	run --separate-stderr bash -c "cd '$POD' && '$POD/stage1/rootfs/stop' '$UUID' </dev/null"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "stop reaches the apps through the leader the record names, whatever the pid file says" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	# The pid file is rkt's, and the app's to overwrite (a root app can reach it through a
	# volume of the pod directory): stop goes by the record's leader and its start time.
	sleep 60 &
	local other=$!
	echo "$other" >"$POD/pid"
	run bash -c "cd '$POD' && '$POD/stage1/rootfs/stop' '$UUID' </dev/null"
	[ "$status" -eq 0 ]
	wait_exit
	[ "$EXIT_CODE" -eq 143 ]
	kill -0 "$other"
	kill "$other"
}

@test "gc after a normal exit leaves no mount and no cgroup, and a second gc is harmless" {
	pod_json '{"exec": ["/bin/true"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	(cd "$POD" && "$POD/stage1/rootfs/gc" --local-config /etc/rkt "$UUID")
	(cd "$POD" && "$POD/stage1/rootfs/gc" --local-config /etc/rkt "$UUID")
	[ "$(mounts_under "$POD/")" -eq 0 ]
	[ -z "$(pod_cgroups "$UUID")" ]
	gc_pod
	[ ! -d "$POD" ]
}

@test "gc after stop --force leaves nothing" {
	pod_json '{"exec": ["/bin/sh", "-c", "setsid sleep 600 & exec sleep 600"]}'
	prepare
	start_pod
	wait_ready
	"$STAGE0" stop --dir "$DATA" --force "$UUID"
	wait_exit
	gc_pod
	[ "$(mounts_under "$DATA/")" -eq 0 ]
	[ -z "$(pod_cgroups "$UUID")" ]
}

# A run killed at any other moment: killsteps.bats.
@test "gc does not need the pod to stay where run saw it" {
	pod_json '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	kill -KILL "$LEADER"
	wait_exit
	[ "$EXIT_CODE" -eq 137 ]
	mkdir -p "$DATA/pods/exited-garbage"
	mv "$POD" "$DATA/pods/exited-garbage/$UUID"
	local moved=$DATA/pods/exited-garbage/$UUID
	(cd "$moved" && "$moved/stage1/rootfs/gc" --local-config /etc/rkt "$UUID")
	[ "$(mounts_under "$moved/")" -eq 0 ]
	[ -z "$(pod_cgroups "$UUID")" ]
}
