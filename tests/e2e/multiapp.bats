#!/usr/bin/env bats
# Pods of several apps (docs/interface.md §2): each app in its own root with its own user,
# environment, cgroups and handlers; shared volumes; the pod's life as in rkt's coreos flavor;
# enter picking an app; the metadata URL.
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# pod2 APP_A APP_B [VOLUMES] [MOUNTS_A] [MOUNTS_B]: $POD_JSON with apps "a" and "b" of the busybox
# image, each app section {user: "0", group: "0"} + APP_X, and runtime mounts MOUNTS_X.
pod2() {
	jq -n --argjson a "$1" --argjson b "$2" --argjson vols "${3:-null}" \
		--argjson ma "${4:-[]}" --argjson mb "${5:-[]}" '
	def app($n; $app; $m): {name: $n,
	  image: {name: "example.com/busybox", id: "auto",
	          labels: [{name: "os", value: "linux"}, {name: "arch", value: "amd64"}]},
	  app: ({user: "0", group: "0"} + $app), mounts: $m};
	{acVersion: "1.30.0", acKind: "PodManifest",
	 apps: [app("a"; $a; $ma), app("b"; $b; $mb)],
	 volumes: $vols, isolators: null,
	 annotations: [{name: "coreos.com/rkt/stage1/mutable", value: "false"}], ports: []}' >"$POD_JSON"
}

SHARED='[{"name": "shared", "kind": "empty"}]'
AT_SHARED='[{"volume": "shared", "path": "/shared"}]'

@test "two apps run in roots of their own, with their own user, environment and working directory" {
	pod2 '{"exec": ["/bin/sh", "-c", "echo mark-a > /mark; probe ids cwd env"],
	       "environment": [{"name": "WHO", "value": "a"}]}' \
	     '{"exec": ["/bin/sh", "-c", "sleep 0.3; [ -e /mark ] || echo no-mark; probe ids cwd env"],
	       "user": "1000", "group": "1000", "workingDirectory": "/home/app",
	       "environment": [{"name": "WHO", "value": "b"}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[[ $output == *"uid=0 gid=0"* ]]
	[[ $output == *"uid=1000 gid=1000"* ]]
	[[ $output == *"cwd=/"$'\n'* ]]
	[[ $output == *"cwd=/home/app"* ]]
	[[ $output == *"env=WHO=a"* ]]
	[[ $output == *"env=WHO=b"* ]]
	[[ $output == *"env=AC_APP_NAME=a"* ]]
	[[ $output == *"env=AC_APP_NAME=b"* ]]
	# b's root is not a's: a's file is not there.
	[[ $output == *no-mark* ]]
	[ "$(cat "$POD/stage1/rootfs/opt/stage2/a/rootfs/mark")" = mark-a ]
	run pod_status
	[[ $output == *"app-a=0"* ]]
	[[ $output == *"app-b=0"* ]]
}

@test "an empty volume mounted by two apps is one directory; read-only per mount point" {
	pod2 '{"exec": ["/bin/sh", "-c", "echo from-a > /shared/f"],
	       "mountPoints": [{"name": "shared", "path": "/shared"}]}' \
	     '{"exec": ["/bin/sh", "-c", "for i in $(seq 100); do [ -s /shared/f ] && break; sleep 0.05; done; cat /shared/f; probe write:/shared/g"],
	       "mountPoints": [{"name": "shared", "path": "/shared", "readOnly": true}]}' "$SHARED"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[[ $output == *"from-a"* ]]
	[[ $output == *"write:/shared/g=Read-only file system"* ]]
}

@test "an app that exits 0 leaves the others running; the pod exits 0 when all have" {
	pod2 '{"exec": ["/bin/true"]}' '{"exec": ["/bin/sh", "-c", "sleep 0.5; echo b-done"]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$output" = b-done ]
	run pod_status
	[[ $output == *"app-a=0"* && $output == *"app-b=0"* ]]
}

@test "once the app the pid file names has exited, it names another, and rkt enter still works" {
	pod2 '{"exec": ["/bin/sh", "-c", "sleep 0.2"]}' '{"exec": ["/bin/sh", "-c", "echo up-b; exec sleep 60"]}'
	prepare
	start_pod
	wait_ready
	wait_output up-b
	local first i
	first=$(cat "$POD/pid")
	for i in $(seq 100); do
		[ "$(cat "$POD/pid")" != "$first" ] && break
		sleep 0.05
	done
	[ "$(cat "$POD/pid")" != "$first" ]
	run pod_status
	[[ $output == *"app-a=0"* ]]
	run --separate-stderr "$STAGE0" enter --dir "$DATA" "$UUID" b /bin/sh -c 'echo $AC_APP_NAME'
	[ "$status" -eq 0 ]
	[ "$output" = b ]
	"$STAGE0" stop --dir "$DATA" "$UUID"
	wait_exit
	[ "$EXIT_CODE" -eq 143 ]
}

@test "an app that fails stops the others with SIGTERM and its status is the pod's" {
	pod2 '{"exec": ["/bin/sh", "-c", "sleep 0.3; exit 3"]}' '{"exec": ["/bin/sleep", "60"]}'
	prepare
	SECONDS=0
	run_pod
	[ "$status" -eq 3 ]
	[ "$SECONDS" -lt 10 ]
	run pod_status
	[[ $output == *"app-a=3"* ]]
	[[ $output == *"app-b=143"* ]]
}

@test "an app that ignores SIGTERM gets SIGKILL after the grace period" {
	pod2 '{"exec": ["/bin/sh", "-c", "sleep 0.3; exit 5"]}' \
	     '{"exec": ["/bin/sh", "-c", "trap \"\" TERM; while :; do sleep 1; done"]}'
	prepare
	SECONDS=0
	run_pod
	[ "$status" -eq 5 ]
	[ "$SECONDS" -ge 9 ]
	run pod_status
	[[ $output == *"app-b=137"* ]]
}

@test "a signal sent to run reaches every app once" {
	local sh app
	sh=$(cat <<'SH'
n=0
trap 'n=$((n+1)); echo $AC_APP_NAME $n >> /shared/hup' HUP
trap 'exit 0' TERM
echo up-$AC_APP_NAME
while :; do sleep 0.1; done
SH
	)
	app=$(jq -n --arg sh "$sh" '{exec: ["/bin/sh", "-c", $sh], mountPoints: [{name: "shared", path: "/shared"}]}')
	pod2 "$app" "$app" "$SHARED"
	prepare
	start_pod
	wait_ready
	wait_output up-a
	wait_output up-b
	kill -HUP "$LEADER"
	sleep 0.5
	kill -TERM "$LEADER"
	wait_exit
	[ "$EXIT_CODE" -eq 0 ]
	run sort "$POD/stage1-c/volumes/shared/hup"
	[ "$output" = $'a 1\nb 1' ]
}

@test "stop stops every app; stop --force kills every app's processes, daemons included" {
	pod2 '{"exec": ["/bin/sleep", "60"]}' '{"exec": ["/bin/sleep", "60"]}'
	prepare
	start_pod
	wait_ready
	"$STAGE0" stop --dir "$DATA" "$UUID"
	wait_exit
	[ "$EXIT_CODE" -eq 143 ]
	run pod_status
	[[ $output == *"app-a=143"* && $output == *"app-b=143"* ]]
	gc_pod

	pod2 '{"exec": ["/bin/sh", "-c", "trap \"\" TERM; sleep 60 & echo $! > /tmp/daemon; echo up-a; wait"]}' \
	     '{"exec": ["/bin/sh", "-c", "trap \"\" TERM; sleep 60 & echo $! > /tmp/daemon; echo up-b; wait"]}'
	prepare
	start_pod
	wait_ready
	wait_output up-a
	wait_output up-b
	local da db
	da=$(cat "$POD/stage1/rootfs/opt/stage2/a/rootfs/tmp/daemon")
	db=$(cat "$POD/stage1/rootfs/opt/stage2/b/rootfs/tmp/daemon")
	kill -0 "$da" "$db"
	"$STAGE0" stop --dir "$DATA" --force "$UUID"
	wait_exit
	[ "$EXIT_CODE" -eq 137 ]
	run pod_status
	[[ $output == *"app-a=137"* && $output == *"app-b=137"* ]]
	local cg
	for cg in $(pod_cgroups "$UUID"); do
		[ -z "$(find "$cg" -name cgroup.procs -path '*stage1-c*' ! -path '*/leader/*' -exec cat {} +)" ]
	done
	assert_dead "$da"
	assert_dead "$db"
}

@test "enter picks the app rkt names, confines the command like it, and passes TERM" {
	pod2 '{"exec": ["/bin/sh", "-c", "echo up; exec sleep 60"], "user": "1000", "group": "1000"}' \
	     '{"exec": ["/bin/sh", "-c", "echo in-b > /whoami; exec sleep 60"],
	       "isolators": [{"name": "resource/memory", "value": {"limit": "64Mi"}}]}'
	prepare
	start_pod
	wait_ready
	run --separate-stderr env TERM=xterm-test "$STAGE0" enter --dir "$DATA" "$UUID" b /bin/sh -c 'cat /whoami; probe ids env cgroup'
	[ "$status" -eq 0 ]
	[[ $output == *"in-b"* ]]
	[[ $output == *"uid=0 gid=0"* ]]
	[[ $output == *"env=AC_APP_NAME=b"* ]]
	[[ $output == *"env=TERM=xterm-test"* ]]
	[[ $output == *"stage1-c-$UUID/app-b"* ]]
	run --separate-stderr "$STAGE0" enter --dir "$DATA" "$UUID" a /bin/sh -c '[ -e /whoami ] || echo no-whoami; probe ids'
	[ "$status" -eq 0 ]
	[[ $output == *"uid=1000 gid=1000"* ]]
	[[ $output == *no-whoami* ]]
	run --separate-stderr "$STAGE0" enter --dir "$DATA" "$UUID" c /bin/true
	[ "$status" -eq 254 ]
	[ "$stderr" = 'enter: app "c" is not in the pod' ]
	# rkt passes the pod's pid file; a PID that is no process of the pod is refused.
	run --separate-stderr bash -c "cd '$POD' && '$POD/stage1/rootfs/enter' --pid=$$ --appname=b -- /bin/true"
	[ "$status" -eq 254 ]
	[ "$stderr" = "enter: process $$ is not app \"b\" of this pod" ]
}

@test "each app has cgroups of its own below the pod's, with its own limits" {
	pod2 '{"exec": ["/bin/sh", "-c", "probe cgroup; cat /proc/self/cgroup > /tmp/cg; exec sleep 60"],
	       "isolators": [{"name": "resource/memory", "value": {"limit": "32Mi"}}]}' \
	     '{"exec": ["/bin/sh", "-c", "probe cgroup; exec sleep 60"]}'
	prepare
	start_pod
	wait_ready
	local cg
	for cg in $(pod_cgroups "$UUID"); do
		[ -d "$cg/app-a" ]
		[ -d "$cg/app-b" ]
		[ ! -d "$cg/app" ]
	done
	# a's memory limit is a's alone.
	local mem
	mem=$(find /sys/fs/cgroup -path "*stage1-c-$UUID/app-a/memory.limit_in_bytes" -o -path "*stage1-c-$UUID/app-a/memory.max" | head -n1)
	[ "$(cat "$mem")" = 33554432 ]
	local memb=${mem/app-a/app-b}
	[ "$(cat "$memb")" != 33554432 ]
	"$STAGE0" stop --dir "$DATA" "$UUID"
	wait_exit
}

@test "each app's handlers run in order, in its root: pre-starts before its start, post-stop after its exit" {
	local hs='[{"name": "pre-start", "exec": ["/bin/sh", "-c", "echo pre-$AC_APP_NAME >> /shared/log"]},
	           {"name": "post-stop", "exec": ["/bin/sh", "-c", "echo post-$AC_APP_NAME >> /shared/log"]}]'
	pod2 "{\"exec\": [\"/bin/sh\", \"-c\", \"echo run-a >> /shared/log\"], \"eventHandlers\": $hs,
	       \"mountPoints\": [{\"name\": \"shared\", \"path\": \"/shared\"}]}" \
	     "{\"exec\": [\"/bin/sh\", \"-c\", \"sleep 0.5; echo run-b >> /shared/log\"], \"eventHandlers\": $hs,
	       \"mountPoints\": [{\"name\": \"shared\", \"path\": \"/shared\"}]}" "$SHARED"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	local log
	log=$(cat "$POD/stage1-c/volumes/shared/log")
	# a's pre-start, then a; b's pre-start after a's; each post-stop after its app.
	[ "$(grep -n . <<<"$log" | tr '\n' ' ')" != "" ]
	[[ $(sed -n 1p <<<"$log") == pre-a ]]
	[[ $(grep -n pre-b <<<"$log" | cut -d: -f1) -gt 1 ]]
	[[ $(grep -n post-a <<<"$log" | cut -d: -f1) -gt $(grep -n run-a <<<"$log" | cut -d: -f1) ]]
	[[ $(grep -n post-b <<<"$log" | cut -d: -f1) -gt $(grep -n run-b <<<"$log" | cut -d: -f1) ]]
	[ "$(sed -n '$p' <<<"$log")" = post-b ]
}

@test "--mds-token gives every app AC_METADATA_URL; none without it; a bad token is refused" {
	pod2 '{"exec": ["/bin/sh", "-c", "echo a=$AC_METADATA_URL"]}' '{"exec": ["/bin/sh", "-c", "sleep 0.2; echo b=$AC_METADATA_URL"]}'
	prepare
	run_pod --mds-token=tok-123
	[ "$status" -eq 0 ]
	[[ $output == *"a=http://127.0.0.1:18112/tok-123"* ]]
	[[ $output == *"b=http://127.0.0.1:18112/tok-123"* ]]
	gc_pod
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[[ $output == *"a="$'\n'* ]]
	gc_pod
	prepare
	run_pod "--mds-token=a/../b"
	assert_one_line_error "--mds-token=a/../b: not a metadata service token"
}

@test "an app that cannot start fails the pod: the apps started are killed, nothing is left" {
	pod2 '{"exec": ["/bin/sleep", "60"]}' '{"exec": ["/nonexistent"]}'
	prepare
	run_pod
	assert_one_line_error 'app "b"'
	[ -z "$(pod_cgroups "$UUID")" ]
	[ "$(mounts_under "$POD/")" -eq 0 ]
	[ ! -e "$POD/pid" ] || ! kill -0 "$(cat "$POD/pid")" 2>/dev/null
}
