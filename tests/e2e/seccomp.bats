#!/usr/bin/env bats
# Seccomp isolators with rkt's named groups: what the app, its handlers and enter's commands can
# call, seen from inside the pod (probe sys:NAME makes one call and prints its errno).
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

SIGSYS_STATUS=159 # 128 + SIGSYS: a call the filter kills for

# seccomp_app ISOLATOR_NAME SET_JSON [ERRNO] [APP_JSON_EXTRA]: an app with one seccomp isolator.
seccomp_app() {
	local value
	value=$(jq -nc --argjson set "$2" --arg errno "${3:-}" \
		'{set: $set} + (if $errno == "" then {} else {errno: $errno} end)')
	printf '{"isolators": [{"name": "os/linux/seccomp-%s", "value": %s}]%s}' "$1" "$value" "${4:+, $4}"
}

probe_app() {
	jq -nc --argjson app "$1" --args '$app + {exec: (["/bin/probe"] + $ARGS.positional)}' "${@:2}"
}

enter() {
	run --separate-stderr "$STAGE0" enter --dir "$DATA" "$UUID" "$@"
}

@test "without an isolator the app runs under rkt's default whitelist, and a call outside it kills it" {
	pod_json "$(probe_app '{}' seccomp sys:getpid sys:socket sys:unshare sys:getpid)"
	prepare
	run_pod
	[ "$status" -eq $SIGSYS_STATUS ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value Seccomp_filters)" = 1 ]
	[ "$(probe_value sys:getpid)" = ok ]
	[ "$(probe_value sys:socket)" = ok ]
	[[ $output != *sys:unshare* ]]
	[ "$(cat "$POD/stage1/rootfs/rkt/status/busybox")" = $SIGSYS_STATUS ]
}

@test "calls newer than rkt's lists fail with ENOSYS, so that libc falls back" {
	pod_json "$(probe_app '{}' sys:rseq sys:clone3 sys:getpid)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value sys:rseq)" = ENOSYS ]
	[ "$(probe_value sys:clone3)" = ENOSYS ]
	[ "$(probe_value sys:getpid)" = ok ]
}

@test "a retain-set's errno is what a blocked call returns" {
	pod_json "$(probe_app "$(seccomp_app retain-set '["@rkt/default-whitelist"]' EPERM)" \
		seccomp sys:unshare sys:mount sys:umount2 sys:getpid)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value sys:unshare)" = EPERM ]
	[ "$(probe_value sys:mount)" = EPERM ]
	[ "$(probe_value sys:umount2)" = EPERM ]
	[ "$(probe_value sys:getpid)" = ok ]
}

@test "a retain-set can allow what the default blocks" {
	pod_json "$(probe_app "$(seccomp_app retain-set '["@rkt/default-whitelist", "unshare"]' ENOSYS)" \
		sys:unshare sys:umount2)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value sys:unshare)" = ok ]
	[ "$(probe_value sys:umount2)" = ENOSYS ]
}

@test "a remove-set blocks only its calls" {
	pod_json "$(probe_app "$(seccomp_app remove-set '["unshare", "socket"]' ENOSYS)" \
		seccomp sys:unshare sys:socket sys:mount sys:rseq)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value sys:unshare)" = ENOSYS ]
	[ "$(probe_value sys:socket)" = ENOSYS ]
	# Not in the set: it reaches the kernel, which has its own answer.
	[ -n "$(probe_value sys:mount)" ]
	[ "$(probe_value sys:mount)" != ENOSYS ]
	[ "$(probe_value sys:rseq)" != ENOSYS ]
}

@test "a remove-set without errno kills the app at its first blocked call" {
	pod_json "$(probe_app "$(seccomp_app remove-set '["@rkt/default-blacklist"]')" \
		sys:getpid sys:socket sys:mount sys:getpid)"
	prepare
	run_pod
	[ "$status" -eq $SIGSYS_STATUS ]
	[ "$(probe_value sys:getpid)" = ok ]
	[ "$(probe_value sys:socket)" = ok ]
	[[ $output != *sys:mount* ]]
}

# What busybox sh needs to run builtins, without fork, clone or vfork.
SHELL_CALLS='["arch_prctl", "brk", "close", "dup2", "fcntl", "fstat", "getcwd", "getpid",
	"getppid", "getrandom", "getuid", "geteuid", "ioctl", "lseek", "mprotect", "newfstatat",
	"openat", "poll", "prctl", "prlimit64", "read", "readlink", "rt_sigaction",
	"rt_sigprocmask", "set_robust_list", "set_tid_address", "sigaltstack", "uname", "write"]'

@test "a retain-set of a few calls kills a shell that steps outside it" {
	pod_json "$(seccomp_app retain-set "$SHELL_CALLS" '' \
		'"exec": ["/bin/sh", "-c", "echo inside; /bin/true; echo outside"]')"
	prepare
	run_pod
	[ "$status" -eq $SIGSYS_STATUS ]
	[ "$output" = inside ]

	# With an errno the fork fails instead, and the shell says so.
	pod_json "$(seccomp_app retain-set "$SHELL_CALLS" EPERM \
		'"exec": ["/bin/sh", "-c", "echo inside; /bin/true; echo outside"]')"
	prepare
	run_pod
	[ "$status" -eq 2 ]
	[ "$output" = inside ]
	[[ $stderr == *"can't fork: Operation not permitted"* ]]
}

@test "@appc.io/all in a retain-set and --disable-seccomp mean no filter" {
	pod_json "$(probe_app "$(seccomp_app retain-set '["@appc.io/all"]')" seccomp sys:unshare)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 0 ]
	[ "$(probe_value sys:unshare)" = ok ]

	pod_json "$(probe_app "$(seccomp_app retain-set '["read"]')" seccomp caps sys:unshare)"
	prepare
	run_pod --disable-seccomp
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 0 ]
	[ "$(probe_value sys:unshare)" = ok ]
	[ "$(probe_value NoNewPrivs)" = 0 ]
}

@test "@appc.io/empty in a remove-set is the default whitelist, with the isolator's errno" {
	pod_json "$(probe_app "$(seccomp_app remove-set '["@appc.io/empty"]' EACCES)" \
		seccomp sys:unshare sys:getpid)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value sys:unshare)" = EACCES ]
	[ "$(probe_value sys:getpid)" = ok ]
}

# The appc default set: AUDIT_WRITE CHOWN DAC_OVERRIDE FSETID FOWNER KILL MKNOD NET_RAW
# NET_BIND_SERVICE SETUID SETGID SETPCAP SETFCAP SYS_CHROOT (no SYS_ADMIN).
DEFAULT_CAPS=00000000a80425fb

@test "a filtered non-root app gets no_new_privs; a root app neither that nor CAP_SYS_ADMIN" {
	pod_json "$(probe_app '{"user": "1000", "group": "1000"}' seccomp caps)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value NoNewPrivs)" = 1 ]

	# Root keeps CAP_SYS_ADMIN until the filter is loaded, and execve drops it.
	pod_json "$(probe_app '{}' seccomp caps)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value NoNewPrivs)" = 0 ]
	[ "$(probe_value CapEff)" = $DEFAULT_CAPS ]
	[ "$(probe_value CapPrm)" = $DEFAULT_CAPS ]
	[ "$(probe_value CapBnd)" = $DEFAULT_CAPS ]

	# So does a root app with a capability retain-set.
	pod_json '{"exec": ["/bin/probe", "seccomp", "caps", "sys:unshare"],
	           "isolators": [{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_CHOWN"]}},
	                         {"name": "os/linux/seccomp-retain-set", "value": {"set": ["@rkt/default-whitelist"], "errno": "EPERM"}}]}'
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value NoNewPrivs)" = 0 ]
	[ "$(probe_value CapEff)" = 0000000000000001 ]
	[ "$(probe_value sys:unshare)" = EPERM ]
}

@test "the app's /proc/PID/status shows the filter, and enter's command gets the same" {
	pod_json "$(seccomp_app retain-set '["@rkt/default-whitelist"]' EPERM \
		'"exec": ["/bin/sh", "-c", "echo up; exec sleep 60"]')"
	prepare
	start_pod
	wait_output up
	grep -qx 'Seccomp:[[:space:]]*2' "/proc/$(cat "$POD/pid")/status"
	enter busybox /bin/probe seccomp sys:unshare sys:getpid
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value Seccomp_filters)" = 1 ]
	[ "$(probe_value sys:unshare)" = EPERM ]
	[ "$(probe_value sys:getpid)" = ok ]
	# A process the entered command leaves running is filtered too.
	enter busybox /bin/sh -c 'sleep 30 & echo $!'
	[ "$status" -eq 0 ]
	local bg=$output
	[ -n "$bg" ]
	grep -qx 'Seccomp:[[:space:]]*2' "/proc/$bg/status"
	kill "$bg" 2>/dev/null || true
}

@test "enter's command is killed where the app would be" {
	pod_json '{"exec": ["/bin/sh", "-c", "echo up; exec sleep 60"], "user": "1000", "group": "1000"}'
	prepare
	start_pod
	wait_output up
	enter busybox /bin/probe seccomp caps sys:getpid sys:unshare
	[ "$status" -eq $SIGSYS_STATUS ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value NoNewPrivs)" = 1 ]
	[ "$(probe_value sys:getpid)" = ok ]
	[[ $output != *sys:unshare* ]]
}

@test "enter into a pod run with --disable-seccomp is not filtered either" {
	pod_json '{"exec": ["/bin/sh", "-c", "echo up; exec sleep 60"]}'
	prepare
	start_pod --disable-seccomp
	wait_output up
	grep -qx 'Seccomp:[[:space:]]*0' "/proc/$(cat "$POD/pid")/status"
	enter busybox /bin/probe seccomp sys:unshare
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 0 ]
	[ "$(probe_value sys:unshare)" = ok ]
}

@test "event handlers run under the app's filter" {
	pod_json "$(seccomp_app retain-set '["@rkt/default-whitelist"]' EPERM \
		'"exec": ["/bin/probe", "seccomp"],
		 "eventHandlers": [{"name": "pre-start", "exec": ["/bin/probe", "sys:unshare"]},
		                   {"name": "post-stop", "exec": ["/bin/probe", "sys:mount"]}]')"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value sys:unshare)" = EPERM ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value sys:mount)" = EPERM ]
}

@test "systemd's groups are refused with one line" {
	pod_json "$(probe_app "$(seccomp_app retain-set '["@rkt/default-whitelist", "@systemd/clock"]')" seccomp)"
	prepare
	run_pod
	assert_one_line_error '@systemd/clock is one of systemd'"'"'s groups'
	[ -z "$(pod_cgroups "$UUID")" ]
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "unknown calls, groups and errno names are refused, naming them" {
	pod_json "$(probe_app "$(seccomp_app remove-set '["mount", "mountt"]')" seccomp)"
	prepare
	run_pod
	assert_one_line_error 'unknown system call "mountt"'

	pod_json "$(probe_app "$(seccomp_app remove-set '["@rkt/default-greylist"]')" seccomp)"
	prepare
	run_pod
	assert_one_line_error 'unknown seccomp group "@rkt/default-greylist"'

	pod_json "$(probe_app "$(seccomp_app remove-set '["mount"]' EFROB)" seccomp)"
	prepare
	run_pod
	assert_one_line_error 'unknown errno "EFROB"'

	# A call of another architecture's is not an error: it is skipped.
	pod_json "$(probe_app "$(seccomp_app remove-set '["chown32", "vm86"]' EPERM)" seccomp sys:getpid)"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[ "$(probe_value sys:getpid)" = ok ]
}

@test "two seccomp isolators are refused" {
	pod_json '{"exec": ["/bin/probe", "seccomp"],
	           "isolators": [{"name": "os/linux/seccomp-retain-set", "value": {"set": ["@rkt/default-whitelist"]}},
	                         {"name": "os/linux/seccomp-remove-set", "value": {"set": ["mount"]}}]}'
	prepare
	run_pod
	assert_one_line_error 'at most one seccomp isolator'
	# rkt run --insecure-options=seccomp does not look at them.
	prepare
	run_pod --disable-seccomp
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 0 ]
}
