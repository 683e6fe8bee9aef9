#!/usr/bin/env bats
# Isolators: capabilities, no-new-privileges, OOM score and cgroup limits, seen by the app.
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# The appc default set: AUDIT_WRITE CHOWN DAC_OVERRIDE FSETID FOWNER KILL MKNOD NET_RAW
# NET_BIND_SERVICE SETUID SETGID SETPCAP SETFCAP SYS_CHROOT.
DEFAULT_CAPS=00000000a80425fb

iso() {
	printf '{"exec": ["/bin/probe", "caps", "oom", "cgroup"], "isolators": %s%s}' "$1" "${2:+, $2}"
}

@test "an app with no isolator gets the appc default capability set, not all of the caller's" {
	pod_json "$(iso '[]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value CapBnd)" = $DEFAULT_CAPS ]
	[ "$(probe_value CapPrm)" = $DEFAULT_CAPS ]
	[ "$(probe_value CapEff)" = $DEFAULT_CAPS ]
	[ "$(probe_value CapInh)" = $DEFAULT_CAPS ]
	[ "$(probe_value CapAmb)" = 0000000000000000 ]
	[ "$(probe_value NoNewPrivs)" = 0 ]
}

@test "a non-root app gets no capabilities by default, and the default bounding set" {
	pod_json "$(iso '[]' '"user": "1000", "group": "1000"')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value CapBnd)" = $DEFAULT_CAPS ]
	[ "$(probe_value CapPrm)" = 0000000000000000 ]
	[ "$(probe_value CapEff)" = 0000000000000000 ]
	[ "$(probe_value CapInh)" = 0000000000000000 ]
	[ "$(probe_value CapAmb)" = 0000000000000000 ]
}

@test "capabilities-retain-set gives a root app exactly that set" {
	pod_json "$(iso '[{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"]}}]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value CapBnd)" = 0000000000000401 ]
	[ "$(probe_value CapPrm)" = 0000000000000401 ]
	[ "$(probe_value CapEff)" = 0000000000000401 ]
}

@test "capabilities-remove-set takes capabilities from the default set" {
	pod_json "$(iso '[{"name": "os/linux/capabilities-remove-set", "value": {"set": ["CAP_NET_RAW", "CAP_SYS_CHROOT"]}}]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value CapBnd)" = 00000000a80005fb ]
	[ "$(probe_value CapEff)" = 00000000a80005fb ]
}

@test "--disable-capabilities-restriction keeps the caller's capabilities" {
	pod_json "$(iso '[]')"
	prepare
	run_pod --disable-capabilities-restriction
	[ "$status" -eq 0 ]
	[ "$(probe_value CapBnd)" = "$(awk '/^CapBnd/ {print $2}' /proc/self/status)" ]
	[ "$(probe_value CapEff)" = "$(awk '/^CapEff/ {print $2}' /proc/self/status)" ]
}

@test "a non-root app with a retained CAP_NET_BIND_SERVICE binds port 80, and cannot without it" {
	pod_json "$(printf '{"exec": ["/bin/probe", "bind:80", "caps"], "user": "1000", "group": "1000", "isolators": %s}' \
		'[{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_NET_BIND_SERVICE"]}}]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = bind:80=ok ]
	[ "$(probe_value CapAmb)" = 0000000000000400 ]
	[ "$(probe_value CapEff)" = 0000000000000400 ]

	pod_json '{"exec": ["/bin/probe", "bind:80"], "user": "1000", "group": "1000"}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bind:80=Permission denied" ]
}

@test "no-new-privileges keeps a setuid binary from raising privileges" {
	pod_json '{"exec": ["/bin/probe-suid", "ids", "caps"], "user": "1000", "group": "1000",
	           "isolators": [{"name": "os/linux/no-new-privileges", "value": true}]}'
	prepare
	cp "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/bin/probe" "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/bin/probe-suid"
	chmod 4755 "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/bin/probe-suid"
	run_pod
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "uid=1000 gid=1000 euid=1000 "* ]]
	[ "$(probe_value NoNewPrivs)" = 1 ]

	# The same binary without the isolator does become root (within the bounding set). Not
	# under a seccomp filter, though: rkt gives a filtered non-root app no_new_privs.
	pod_json '{"exec": ["/bin/probe-suid", "ids", "caps"], "user": "1000", "group": "1000"}'
	prepare
	cp "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/bin/probe" "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/bin/probe-suid"
	chmod 4755 "$POD/stage1/rootfs/opt/stage2/busybox/rootfs/bin/probe-suid"
	run_pod --disable-seccomp
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "uid=1000 gid=1000 euid=0 "* ]]
	[ "$(probe_value CapEff)" = $DEFAULT_CAPS ]
}

@test "oom-score-adj is the app's" {
	pod_json "$(iso '[{"name": "os/linux/oom-score-adj", "value": 100}]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value oom_score_adj)" = 100 ]
}

@test "the leader keeps its own oom_score_adj while it starts a non-root app with one" {
	# Until its execve the app's process shares the leader's memory (spawn.c), which an
	# oom_score_adj written there can reach; the leader puts its own back.
	pod_json "$(iso '[{"name": "os/linux/oom-score-adj", "value": 300}]' '"user": "1000", "group": "1000", "exec": ["/bin/sh", "-c", "probe oom; sleep 60"]')"
	prepare
	start_pod
	wait_ready
	wait_output oom_score_adj=300
	local leader
	leader=$(leader_pid "$POD")
	[ -n "$leader" ]
	[ "$(cat "/proc/$leader/oom_score_adj")" = "$(cat /proc/self/oom_score_adj)" ]
	"$STAGE0" stop --dir "$DATA" "$UUID" >/dev/null
	wait_exit
}

@test "the app runs in the pod's cgroup in the hierarchies of its limits and the v2 tree, with its limits written there" {
	pod_json "$(iso '[{"name": "resource/memory", "value": {"request": "64M", "limit": "64M"}},
	                 {"name": "resource/cpu", "value": {"request": "250m", "limit": "250m"}},
	                 {"name": "os/linux/cpu-shares", "value": 512}]' '"exec": ["/bin/sh", "-c", "probe cgroup; sleep 60"]')"
	prepare
	start_pod
	wait_ready
	for i in $(seq 1 100); do
		grep -q "^cgroup=0::.*/stage1-c-$UUID\$" "$DATA/out" && break
		sleep 0.05
	done
	grep -q "^cgroup=0::.*/stage1-c-$UUID\$" "$DATA/out"
	local mem cpu
	# The pod's cgroup in the memory and cpu hierarchies (its limits) and in the v2 tree
	# (where stop and gc find every process; with no limit there, the app is in the pod's
	# cgroup itself): only the cgroups the pod needs are made.
	grep -q "^cgroup=[0-9]*:memory:.*/stage1-c-$UUID\$" "$DATA/out"
	grep -Eq "^cgroup=[0-9]*:([a-z,]*,)?cpu(,[a-z,]*)?:.*/stage1-c-$UUID\$" "$DATA/out"
	[ "$(grep '^cgroup=' "$DATA/out" | grep -c "stage1-c-$UUID")" -eq 3 ]
	mem=$(find /sys/fs/cgroup/memory -type d -name "stage1-c-$UUID" | head -n1)
	cpu=$(find /sys/fs/cgroup/cpu -type d -name "stage1-c-$UUID" | head -n1)
	[ "$(cat "$mem/memory.limit_in_bytes")" = 64000000 ]
	[ "$(cat "$cpu/cpu.cfs_quota_us")" = 25000 ]
	[ "$(cat "$cpu/cpu.cfs_period_us")" = 100000 ]
	[ "$(cat "$cpu/cpu.shares")" = 512 ]
	grep -qx "$(cat "$POD/pid")" "$mem/cgroup.procs"
	# subcgroup, as rkt's API service reads it: no leading slash, under name=systemd.
	[ -f "$POD/subcgroup" ]
	[[ $(cat "$POD/subcgroup") != /* ]]
	[[ $(cat "$POD/subcgroup") == *"stage1-c-$UUID" ]]
	# The pod's /sys/fs/cgroup is read-only: a process of the app cannot move itself out.
	run "$STAGE0" enter --dir "$DATA" "$UUID" busybox /bin/sh -c 'echo $$ > /sys/fs/cgroup/memory/cgroup.procs'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	grep -qx "$(cat "$POD/pid")" "$mem/cgroup.procs"
}

@test "a memory hog is stopped by the memory limit" {
	pod_json "$(iso '[{"name": "resource/memory", "value": {"limit": "32Mi"}}]' '"exec": ["/bin/probe", "alloc:256"]')"
	prepare
	run_pod
	[ "$status" -eq 137 ]
	[[ $output != *alloc=256* ]]
	[ "$(cat "$POD/stage1/rootfs/rkt/status/busybox")" = 137 ]
}

@test "the pod's cgroups are gone after gc" {
	pod_json "$(iso '[{"name": "resource/memory", "value": {"limit": "64Mi"}}]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ -n "$(pod_cgroups "$UUID")" ]
	gc_pod
	[ -z "$(pod_cgroups "$UUID")" ]
}

@test "both capability sets at once are refused" {
	pod_json "$(iso '[{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_CHOWN"]}},
	                 {"name": "os/linux/capabilities-remove-set", "value": {"set": ["CAP_KILL"]}}]')"
	prepare
	run_pod
	assert_one_line_error 'mutually exclusive'
	[ -z "$(pod_cgroups "$UUID")" ]
}

@test "an unknown capability is refused, naming it" {
	pod_json "$(iso '[{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_FLY"]}}]')"
	prepare
	run_pod
	assert_one_line_error 'unknown capability "CAP_FLY"'
}

@test "an out-of-range oom-score-adj is refused" {
	pod_json "$(iso '[{"name": "os/linux/oom-score-adj", "value": 1001}]')"
	prepare
	run_pod
	assert_one_line_error 'os/linux/oom-score-adj: 1001 is out of range'
}

@test "a malformed memory quantity is refused" {
	pod_json "$(iso '[{"name": "resource/memory", "value": {"limit": "64K"}}]')"
	prepare
	run_pod
	assert_one_line_error 'resource/memory: limit'
	[ -z "$(pod_cgroups "$UUID")" ]
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "a seccomp isolator is applied, and --disable-seccomp runs the app without a filter" {
	# More in seccomp.bats.
	pod_json "$(iso '[{"name": "os/linux/seccomp-retain-set", "value": {"set": ["@rkt/default-whitelist"], "errno": ""}}]' \
		'"exec": ["/bin/probe", "seccomp"]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 2 ]
	prepare
	run_pod --disable-seccomp
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 0 ]
}

@test "an isolator stage1-c does not apply gets one warning line" {
	pod_json "$(iso '[{"name": "resource/network-bandwidth", "value": {"default": true, "limit": "1G"}}]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$stderr" = "run: warning: isolator resource/network-bandwidth is not applied by stage1-c" ]
}
