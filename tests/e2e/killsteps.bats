#!/usr/bin/env bats
# run, enter and stop killed at each of their system calls in turn, from the outside (strace
# injects the SIGKILL): whatever the moment, gc must leave no mount, cgroup or process of the
# pod, and the mount namespace must be as it was. Each step runs in a mount namespace of its
# own (tests/e2e/killstep through tests/e2e/mountns); a failing step is reported with the
# system call it was killed at, and the test goes on to the end so that the report is complete.
# Static entrypoints only (not run with the sanitizer ones: hundreds of steps each).

load helpers

KILLSTEP=$REPO/tests/e2e/killstep
MOUNTNS=$REPO/tests/e2e/mountns
# The host volume's source: outside the data dir, so the namespace check covers it; killstep
# makes it, with a tmpfs on sub/, in each step's namespace.
HOST_VOLUME=/dev/shm/stage1-c-killstep-volume

setup() {
	common_setup
	command -v strace >/dev/null || skip "no strace"
	local ep
	for ep in enter stop gc; do
		[ -x "$STAGE1_BIN/$ep" ] || skip "no $ep entrypoint in $STAGE1_BIN"
	done
}

teardown() {
	common_teardown
}

# template APP_JSON [VOLUMES_JSON] [RUNTIME_APP_EXTRA_JSON]: prepare a pod as pod_json describes
# it and set it aside (TEMPLATE) for the steps to copy, each under a UUID of its own.
template() {
	pod_json "$@"
	prepare_template
}

# prepare_template: prepare $POD_JSON and set it aside as TEMPLATE, unmounted as rkt prepare
# leaves a pod (each step's run-prepared mounts its own overlays).
prepare_template() {
	prepare
	"$STAGE0" unmount-below "$POD"
	mkdir -p "$DATA/templates"
	TEMPLATE=$DATA/templates/$UUID
	mv "$POD" "$TEMPLATE"
}

# template_pod2: the same for a pod of two apps of the busybox image sharing an empty volume.
template_pod2() {
	jq -n '
	def app($n): {name: $n,
	  image: {name: "example.com/busybox", id: "auto",
	          labels: [{name: "os", value: "linux"}, {name: "arch", value: "amd64"}]},
	  app: {exec: ["/bin/true"], user: "0", group: "0"},
	  mounts: [{volume: "shared", path: "/shared"}]};
	{acVersion: "1.30.0", acKind: "PodManifest", apps: [app("a"), app("b")],
	 volumes: [{name: "shared", kind: "empty"}], isolators: null,
	 annotations: [{name: "coreos.com/rkt/stage1/mutable", value: "false"}], ports: []}' >"$POD_JSON"
	prepare_template
}

template_sum() {
	(cd "$TEMPLATE" && find . -type f -exec sha256sum {} + | sort | sha256sum)
}

# kill_every_step ENTRYPOINT: trace an untouched ENTRYPOINT (run, enter, stop, stop-force) of
# the TEMPLATE pod, then kill it at its 1st, 2nd, ... Nth system call, one step each, running
# KILLSTEP_JOBS steps at once (default: the number of CPUs). Each step's namespace gets the host
# volume's source when USE_HOST_VOLUME is set; USE_READY_LINE: the line the app prints once all
# its processes run (killstep's KILLSTEP_READY_LINE). Prints a report of the failing steps and
# returns 1 if there is any.
kill_every_step() {
	local entry=$1 dir=$DATA/steps-$1-${TEMPLATE##*/} out rc start=$SECONDS
	mkdir -p "$dir"
	rc=0
	out=$(KILLSTEP_HOST_VOLUME=${USE_HOST_VOLUME:-} KILLSTEP_READY_LINE=${USE_READY_LINE:-} "$MOUNTNS" "$KILLSTEP" "$entry" "$TEMPLATE" "$DATA" "trace=$dir/trace" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		printf 'the untouched %s failed:\n%s\n' "$entry" "$out"
		return 1
	fi
	# One step per system call of the trace: NAME:N (its Nth call of NAME), TAB, the call. The
	# first, stage0's execve of the entrypoint, is counted but not a step: strace cannot stop
	# the process on it (and a process killed there would never have been the entrypoint).
	awk 'match($0, /^[a-z_0-9]+\(/) {
		name = substr($0, 1, RLENGTH - 1)
		n[name]++
		if (NR > 1)
			printf "%s:%d\t%s\n", name, n[name], substr($0, 1, 110)
	}' "$dir/trace" >"$dir/steps"
	local total i=0 spec call jobs=${KILLSTEP_JOBS:-$(nproc)} sum
	total=$(wc -l <"$dir/steps")
	[ "$total" -gt 0 ] || {
		echo "no system call in the trace of the untouched $entry"
		return 1
	}
	# The steps' pods are hard links of the template's files: none may be written in place.
	sum=$(template_sum)
	while IFS=$'\t' read -r spec call; do
		i=$((i + 1))
		(
			rc=0
			KILLSTEP_HOST_VOLUME=${USE_HOST_VOLUME:-} KILLSTEP_READY_LINE=${USE_READY_LINE:-} "$MOUNTNS" "$KILLSTEP" "$entry" "$TEMPLATE" "$DATA" "$spec" \
				>"$dir/$i" 2>&1 </dev/null || rc=$?
			echo "$rc" >"$dir/$i.rc"
		) &
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n || true
		done
	done <"$dir/steps"
	wait

	local killed=0 completed=0 failed=() outcome lines
	if [ "$(template_sum)" != "$sum" ]; then
		echo "a step wrote into a file of the pod in place (its hard link in the template changed):"
		echo "the steps after it ran with another pod than the untouched $entry"
		failed+=(template)
	fi
	i=0
	while IFS=$'\t' read -r spec call; do
		i=$((i + 1))
		outcome=""
		read -r outcome <"$dir/$i" || true
		if [ "$(cat "$dir/$i.rc")" != 0 ]; then
			failed+=("$i:${spec%:*}#${spec##*:}")
			printf '\nstep %d/%d, %s with SIGKILL at call #%s of %s (%s): %s\n' \
				"$i" "$total" "$entry" "${spec##*:}" "${spec%:*}" "$call" "${outcome:-no report}"
			lines=$(wc -l <"$dir/$i")
			sed '1d; s/^/  /' "$dir/$i" | head -n 40
			[ "$lines" -le 41 ] || echo "  ... ($((lines - 41)) more lines)"
		elif [ "$outcome" = completed ]; then
			completed=$((completed + 1))
		else
			killed=$((killed + 1))
		fi
	done <"$dir/steps"
	local summary
	summary=$(printf '%s: %d steps in %d s: %d killed, %d completed (their system call never came), %d failed' \
		"$entry" "$total" "$((SECONDS - start))" "$killed" "$completed" "${#failed[@]}")
	printf '\n%s%s\n' "$summary" "${failed[*]:+ (step:call#N: ${failed[*]})}"
	echo "# $summary" >&3
	[ "${#failed[@]}" -eq 0 ]
}

@test "run killed at any of its system calls leaves no mount, cgroup or process once gc has run" {
	local failed=0
	template '{"exec": ["/bin/true"]}'
	kill_every_step run || failed=1
	# Volumes (an empty one, and a recursive read-only host one with a submount) and a
	# memory limit: more mounts and cgroup files to be killed in the middle of.
	template '{"exec": ["/bin/true"], "isolators": [{"name": "resource/memory", "value": {"limit": "64Mi"}}]}' \
		"[{\"name\": \"scratch\", \"kind\": \"empty\"},
		  {\"name\": \"data\", \"kind\": \"host\", \"source\": \"$HOST_VOLUME\", \"recursive\": true, \"readOnly\": true}]" \
		'{"mounts": [{"volume": "scratch", "path": "/scratch"}, {"volume": "data", "path": "/data"}]}'
	USE_HOST_VOLUME=$HOST_VOLUME kill_every_step run || failed=1
	# Two apps: two roots, two apps' cgroups and records, the per-app locks.
	template_pod2
	kill_every_step run || failed=1
	[ "$failed" -eq 0 ]
}

@test "enter killed at any of its system calls leaves the pod running and no process of its own, and nothing once gc has run" {
	template '{"exec": ["/bin/sleep", "600"]}'
	kill_every_step enter
}

@test "stop killed at any of its system calls leaves the pod stoppable, and nothing once gc has run" {
	local failed=0
	template '{"exec": ["/bin/sleep", "600"]}'
	kill_every_step stop || failed=1
	# --force with a daemon that left the app's process group, and a post-stop handler that
	# waits for stop's turn on the pod's record.
	# "up" once the daemon is sleep itself, not a shell still forking it: killstep takes the
	# pod's processes when it reads that line.
	template '{"exec": ["/bin/sh", "-c", "setsid sleep 600 & until [ \"$(head -c 5 /proc/$!/cmdline)\" = sleep ]; do :; done; echo up; exec sleep 600"],
	           "eventHandlers": [{"name": "post-stop", "exec": ["/bin/true"]}]}'
	USE_READY_LINE=up kill_every_step stop-force || failed=1
	[ "$failed" -eq 0 ]
}
