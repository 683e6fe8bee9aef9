# Shared helpers for the end-to-end suites: each test gets its own rkt data dir, starts real
# pods through the test stage0, and must leave no mount, cgroup or process behind, and the
# mount namespace as it found it (scripts/run-tests.sh runs each suite in a namespace of its
# own through tests/e2e/mountns, with / shared as on a systemd host).

bats_require_minimum_version 1.5.0

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
STAGE0=$REPO/tests/stage0/stage0
STAGE1_BIN=${STAGE1_BIN:-$BUILD/bin}
APP_ACI=$BUILD/tests/busybox.aci

# shellcheck source=tests/e2e/nscheck.bash
. "$REPO/tests/e2e/nscheck.bash"

common_setup() {
	DATA=$(mktemp -d /tmp/stage1-c-e2e.XXXXXX)
	POD_JSON=$DATA/pod.json
	[ -x "$STAGE1_BIN/run" ] || skip "no run entrypoint in $STAGE1_BIN"
	[ -f "$APP_ACI" ] || skip "no app image $APP_ACI (make check builds it)"
	ns_check_begin
}

# ns_check_begin: the namespace's state before the test's pods (a canary file outside DATA
# included); common_teardown compares.
ns_check_begin() {
	CANARY=$(ns_canary_create)
	ns_state_get "$DATA" "$CANARY"
	NS_BEFORE=$NS_STATE
}

# Stop what a test left running, fail the test if any mount is left under its data dir, before
# or after gc, or any cgroup, or if the namespace changed; then remove everything.
common_teardown() {
	local failed=0
	if [ -n "${DATA:-}" ] && [ -d "$DATA" ]; then
		common_teardown_pods || failed=1
	fi
	if [ -n "${NS_BEFORE:-}" ]; then
		ns_diff "$NS_BEFORE" "${DATA:-}" "$CANARY" >&2 || {
			echo "teardown: the mount namespace changed (above: - before the test, + after)" >&2
			failed=1
		}
		rm -f "$CANARY"
	fi
	return "$failed"
}

common_teardown_pods() {
	local pod leader app p
	for pod in "$DATA"/pods/*/*; do
		[ -d "$pod" ] || continue
		leader=$(leader_pid "$pod")
		app=$(cat "$pod/pid" 2>/dev/null || true)
		for p in $app $leader; do
			kill -TERM "$p" 2>/dev/null || true
		done
		flock -x -w 5 "$pod" true 2>/dev/null || {
			kill -KILL ${leader:-} ${app:-} 2>/dev/null || true
		}
	done
	local left failed=0
	# The overlays stage0 rendered the pods with stay until gc, as rkt's do.
	left=$(stage1_mounts_below "$DATA")
	if [ "${EXPECT_LEFTOVER_MOUNTS:-0}" = 0 ] && [ -n "$left" ]; then
		printf '%s\n' "$left" >&2
		echo "teardown: mount(s) left under $DATA" >&2
		failed=1
	fi
	# rkt gc for every pod the test left: stage1's gc removes the pod's cgroups.
	local uuids=()
	for pod in "$DATA"/pods/run/* "$DATA"/pods/exited-garbage/*; do
		[ -d "$pod" ] || continue
		uuids+=("${pod##*/}")
		"$STAGE0" gc --dir "$DATA" "${pod##*/}" 2>/dev/null || true
	done
	local u cg
	for u in "${uuids[@]}"; do
		cg=$(pod_cgroups "$u")
		[ -z "$cg" ] && continue
		echo "teardown: cgroups left: $cg" >&2
		failed=1
		find /sys/fs/cgroup -depth -type d -path "*stage1-c-$u*" -exec rmdir {} \; 2>/dev/null || true
	done
	# What gc (stage1's, then stage0's unmounting) left.
	left=$(mounts_below "$DATA")
	if [ -n "$left" ]; then
		printf '%s\n' "$left" >&2
		echo "teardown: mount(s) left under $DATA after gc" >&2
		failed=1
	fi
	"$STAGE0" unmount-below "$DATA" 2>/dev/null || true
	left=$(mounts_below "$DATA")
	if [ -n "$left" ]; then
		# Deleting through a mount could delete the host's files: $DATA stays.
		echo "teardown: mounts that cannot be unmounted under $DATA; not deleting it" >&2
		return 1
	fi
	rm -rf "$DATA"
	return "$failed"
}

# leader_pid POD: the pod leader's PID from stage1-c's record (empty when there is none).
leader_pid() {
	sed -n 's/^leader \([0-9]*\) .*/\1/p' "$1/stage1-c.record" 2>/dev/null || true
}

# pod_json APP_JSON [VOLUMES_JSON] [RUNTIME_APP_EXTRA_JSON]: write $POD_JSON for one app named
# "busybox" whose app section is {user: "0", group: "0"} + APP_JSON.
pod_json() {
	local app=$1 vols=${2:-null} extra=${3:-'{}'}
	jq -n --argjson app "$app" --argjson vols "$vols" --argjson extra "$extra" '
	{acVersion: "1.30.0", acKind: "PodManifest",
	 apps: [({name: "busybox",
	          image: {name: "example.com/busybox", id: "auto",
	                  labels: [{name: "os", value: "linux"}, {name: "arch", value: "amd64"}]},
	          app: ({user: "0", group: "0"} + $app)} + $extra)],
	 volumes: $vols, isolators: null,
	 annotations: [{name: "coreos.com/rkt/stage1/mutable", value: "false"}], ports: []}' >"$POD_JSON"
}

# prepare: render the pod of $POD_JSON; sets UUID and POD (its directory).
prepare() {
	UUID=$("$STAGE0" prepare --dir "$DATA" --stage1 "$STAGE1_BIN" --image "$APP_ACI" --pod "$POD_JSON")
	POD=$DATA/pods/run/$UUID
}

# run_pod [RUNFLAGS...]: run the prepared pod in the foreground (bats "run").
run_pod() {
	run --separate-stderr "$STAGE0" run-prepared --dir "$DATA" "$@" "$UUID"
}

# start_pod [RUNFLAGS...]: run the prepared pod in the background; output in $DATA/out, $DATA/err.
start_pod() {
	"$STAGE0" run-prepared --dir "$DATA" "$@" "$UUID" >"$DATA/out" 2>"$DATA/err" &
	LEADER=$!
}

# wait_ready: until rkt status --wait-ready would return (supervisor-status -> ready).
wait_ready() {
	local i
	for i in $(seq 1 100); do
		[ "$(readlink "$POD/stage1/rootfs/rkt/supervisor-status" 2>/dev/null)" = ready ] && return 0
		sleep 0.05
	done
	echo "pod $UUID never became ready; stderr: $(cat "$DATA/err" 2>/dev/null)" >&2
	return 1
}

# wait_output TEXT: until the background pod printed a line TEXT.
wait_output() {
	local i
	for i in $(seq 1 100); do
		grep -qx -- "$1" "$DATA/out" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no line \"$1\" in the pod's output: $(cat "$DATA/out")" >&2
	return 1
}

# wait_exit: until the background leader is gone; sets EXIT_CODE.
wait_exit() {
	local rc=0
	wait "$LEADER" || rc=$?
	EXIT_CODE=$rc
}

pod_status() {
	"$STAGE0" status --dir "$DATA" "$UUID"
}

# mounts_under PREFIX: how many mounts stage1 has at or below PREFIX (a path, or a path and
# "/"), not counting the overlays the test stage0 rendered the pods with.
mounts_under() {
	local n=0 line
	while IFS= read -r line; do
		[ -n "$line" ] && n=$((n + 1))
	done < <(stage1_mounts_below "${1%/}")
	echo "$n"
}

# stage1_mounts_below DIR: mounts_below DIR (nscheck.bash) without stage0's own overlays: an
# overlay mounted at a pod's stage1/rootfs or at an app's rootfs below it, and not stacked on
# another mount at the same point (run's bind of the app's rootfs onto itself is, and counts).
stage1_mounts_below() {
	local id parent dev root mp rest fstype
	local -A point_of=()
	local lines=()
	while read -r id parent dev root mp rest; do
		point_of[$id]=$mp
		if [ "$mp" = "$1" ] || [[ $mp == "$1"/* ]]; then
			lines+=("$id $parent $dev $root $mp $rest")
		fi
	done </proc/self/mountinfo
	local l
	for l in "${lines[@]}"; do
		read -r id parent dev root mp rest <<<"$l"
		fstype=${rest#* - }
		fstype=${fstype%% *}
		if [ "$fstype" = overlay ] && [ "${point_of[$parent]:-}" != "$mp" ] &&
			[[ $mp == */pods/*/stage1/rootfs || $mp == */pods/*/stage1/rootfs/opt/stage2/*/rootfs ]]; then
			continue
		fi
		echo "$l"
	done
}

# assert_one_line_error TEXT: stderr is exactly one line, prefixed "run:", containing TEXT.
assert_one_line_error() {
	[ "$status" -eq 254 ] || {
		echo "status $status, expected 254; stderr: $stderr" >&2
		return 1
	}
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ] || {
		echo "stderr is not one line: $stderr" >&2
		return 1
	}
	[[ $stderr == run:* ]] || {
		echo "stderr lacks the run: prefix: $stderr" >&2
		return 1
	}
	[[ $stderr == *"$1"* ]] || {
		echo "stderr does not mention \"$1\": $stderr" >&2
		return 1
	}
}

# The cgroup directories of a pod, in every hierarchy (empty when none).
pod_cgroups() {
	find /sys/fs/cgroup -maxdepth 8 -type d -name "stage1-c-$1" 2>/dev/null || true
}

# gc_pod: what rkt gc does with the exited pod (calls stage1's gc, unmounts, deletes).
gc_pod() {
	"$STAGE0" gc --dir "$DATA" "$UUID"
}

# The value of KEY=... in the probe output held in $output.
probe_value() {
	printf '%s\n' "$output" | sed -n "s/^$1=//p" | head -n1
}

# assert_dead PID: within 2.5 s the process is gone, or a zombie that only its reaper keeps.
assert_dead() {
	local i st
	for i in $(seq 1 50); do
		st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
		[[ $st == Z* ]] && return 0
		sleep 0.05
	done
	echo "process $1 is still alive ($st): $(ps -o args= -p "$1")" >&2
	return 1
}
