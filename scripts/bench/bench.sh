#!/bin/bash
# The benchmark behind `make bench` (issue 13): what stage1-c's own work costs, against the floor
# of any fly stage1, measured alternately in one run on the same machine. Not a test: no figure
# fails it.
#
# Every launch->app figure is the time from a launcher's clock just before it execs an entrypoint
# the way rkt's stage0 does (scripts/bench/launch.c: pod directory as working directory, the
# locked pod fd, rkt's argv and environment) to the first thing the app's main does
# (scripts/bench/stamp.c). Pods are rendered by the test stage0 as rkt 1.30 renders them (tree
# store, overlays mounted in this namespace; BENCH_NO_OVERLAY=1: plain copies), not timed.
# The baseline is a stage1 of its own whose run is scripts/bench/baseline.c: it binds the volume
# into the app's rootfs, chroots and execs the app, and nothing else. Each round launches the
# baseline, then the volume pod without isolators, then the volume pod with all isolators, each
# pod collected at once; the whole is done with the data dir on a tmpfs, then on the disk.
# enter is measured after those rounds, into sleeping pods, each enter after one more baseline
# pod: its ratio is to the baseline of its own rounds.
#
# Environment: BUILD (build dir), BENCH_RUNS (30 rounds per data dir), BENCH_ENTER_RUNS
# (BENCH_RUNS), BENCH_STOP_RUNS (10), BENCH_DEBUG_RUNS (15: runs with --debug for the phase
# breakdown), BENCH_SCALE_SEQ (100), BENCH_SCALE_PAR (20), BENCH_MEM_RUNS (5: peak memory, under
# ptrace), BENCH_DISK_DIR (/var/tmp: the on-disk data dir's parent), BENCH_DISK=0 (tmpfs only),
# BENCH_NO_OVERLAY=1, BENCH_ACI (the stage1 image, for its size), BENCH_BEFORE (the bin
# directory of another build, an earlier commit's: its run, gc and enter join every round, so
# that a change is measured against what it changed in the same run).
# Output: a table on stdout; $BUILD/bench/results.csv (the table), samples.csv (every sample).
# Needs root. Runs in a mount namespace of its own (tests/e2e/mountns, / rshared as on a systemd
# host) and cleans up every pod, mount, cgroup and process it made, also on Ctrl-C.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -z "${BENCH_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || {
		echo "bench: needs root (it mounts and chroots)" >&2
		exit 1
	}
	BENCH_IN_NS=1 exec "$REPO/tests/e2e/mountns" "$0" "$@"
fi

BUILD=${BUILD:-$REPO/build}
BIN=$BUILD/bin
OUT=$BUILD/bench
STAGE0=$REPO/tests/stage0/stage0
LAUNCH=$OUT/launch
RUNS=${BENCH_RUNS:-30}
ENTER_RUNS=${BENCH_ENTER_RUNS:-$RUNS}
STOP_RUNS=${BENCH_STOP_RUNS:-10}
DEBUG_RUNS=${BENCH_DEBUG_RUNS:-15}
SCALE_SEQ=${BENCH_SCALE_SEQ:-100}
SCALE_PAR=${BENCH_SCALE_PAR:-20}
MEM_RUNS=${BENCH_MEM_RUNS:-5}
BENCH_ACI=${BENCH_ACI:-$REPO/stage1-c.aci}
JOBS=$(nproc)
APP='stage1-c-bench' # the app's name in every pod
export STAGE0_NO_OVERLAY=${BENCH_NO_OVERLAY:-0}

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

for f in launch stamp baseline; do
	[ -x "$OUT/$f" ] || die "$OUT/$f is missing (make bench builds it)"
done
for ep in run enter gc stop; do
	[ -x "$BIN/$ep" ] || die "$BIN/$ep is missing (make bench builds it)"
done
for c in jq tar flock; do
	command -v "$c" >/dev/null || die "$c is required"
done
for n in "$RUNS" "$ENTER_RUNS" "$STOP_RUNS" "$DEBUG_RUNS" "$SCALE_SEQ" "$SCALE_PAR" "$MEM_RUNS"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "repetition counts must be positive integers"
done

# ---------------------------------------------------------------------------------------------
# Cleanup: whatever happens, no pod, mount, cgroup, process or directory of ours stays.

WORK="" # holds both data dirs, the images and the samples
BG_PIDS=()

leader_pid() { # the pod leader's PID, from stage1-c's record (empty when there is none)
	sed -n 's/^leader \([0-9]*\) .*/\1/p' "$1/stage1-c.record" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "$WORK" ] && [ -d "$WORK" ] || exit "$rc"
	local data pod p
	for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for data in "$WORK"/data-*; do
		for pod in "$data"/pods/run/*; do
			[ -d "$pod" ] || continue
			for p in $(cat "$pod/pid" 2>/dev/null) $(leader_pid "$pod"); do
				kill -TERM "$p" 2>/dev/null || true
			done
			flock -x -w 5 "$pod" true 2>/dev/null && continue
			for p in $(cat "$pod/pid" 2>/dev/null) $(leader_pid "$pod"); do
				kill -KILL "$p" 2>/dev/null || true
			done
			flock -x -w 5 "$pod" true 2>/dev/null || true
		done
	done
	wait 2>/dev/null || true
	for data in "$WORK"/data-*; do
		for pod in "$data"/pods/run/* "$data"/pods/exited-garbage/*; do
			[ -d "$pod" ] || continue
			"$STAGE0" gc --dir "$data" "${pod##*/}" >/dev/null 2>&1 || true
		done
	done
	if [ -s "$WORK/uuids" ]; then
		local cg
		while read -r cg; do
			if grep -qxF "${cg##*/stage1-c-}" "$WORK/uuids"; then
				find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
			fi
		done < <(find /sys/fs/cgroup -type d -name 'stage1-c-*' -prune 2>/dev/null)
	fi
	for data in "$WORK"/data-*; do
		"$STAGE0" unmount-below "$data" 2>/dev/null || true # the tmpfs one's tmpfs too
	done
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WORK=$(mktemp -d "${BENCH_DISK_DIR:-/var/tmp}/stage1-c-bench.XXXXXX")
mkdir -p "$OUT" "$WORK/s"
: >"$WORK/uuids"
SAMPLES=$OUT/samples.csv
echo "metric,index,value,unit" >"$SAMPLES"

# Entrypoints are copied once: a rebuild during the benchmark does not change what it measures.
mkdir -p "$WORK/stage1" "$WORK/stage1-baseline"
for ep in run enter gc stop; do cp "$BIN/$ep" "$WORK/stage1/$ep"; done
cp "$OUT/baseline" "$WORK/stage1-baseline/run"
BEFORE=${BENCH_BEFORE:-}
if [ -n "$BEFORE" ]; then
	mkdir -p "$WORK/stage1-before"
	for ep in run enter gc stop; do
		[ -x "$BEFORE/$ep" ] || die "BENCH_BEFORE=$BEFORE has no $ep"
		cp "$BEFORE/$ep" "$WORK/stage1-before/$ep"
	done
fi

# The bench image: the static stamp as /stamp, the volume's mount point, and the directories an
# image usually has (so that neither stage1 creates them).
img=$WORK/image
mkdir -p "$img/rootfs/dev" "$img/rootfs/proc" "$img/rootfs/sys" "$img/rootfs/tmp" \
	"$img/rootfs/etc" "$img/rootfs/data"
echo "127.0.0.1 localhost" >"$img/rootfs/etc/hosts"
cp "$OUT/stamp" "$img/rootfs/stamp"
cat >"$img/manifest" <<'MANIFEST'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/stage1-c-bench","labels":[{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}],"app":{"exec":["/stamp"],"user":"0","group":"0"}}
MANIFEST
IMAGE=$WORK/bench.aci
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$img" -czf "$IMAGE" manifest rootfs

# pod_json FILE APP_JSON VOLUME_SOURCE: one app with the host volume VOLUME_SOURCE on /data.
pod_json() {
	jq -n --arg name "$APP" --argjson app "$2" --arg src "$3" '
	{acVersion: "1.30.0", acKind: "PodManifest",
	 apps: [{name: $name,
	         image: {name: "example.com/stage1-c-bench", id: "auto",
	                 labels: [{name: "os", value: "linux"}, {name: "arch", value: "amd64"}]},
	         app: ({user: "0", group: "0"} + $app),
	         mounts: [{volume: "data", path: "/data"}]}],
	 volumes: [{name: "data", kind: "host", source: $src}], isolators: null,
	 annotations: [{name: "coreos.com/rkt/stage1/mutable", value: "false"}], ports: []}' >"$1"
}
ISOLATORS='[
	{"name": "resource/memory", "value": {"limit": "256Mi"}},
	{"name": "resource/cpu", "value": {"limit": "500m"}},
	{"name": "os/linux/cpu-shares", "value": 512},
	{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"]}},
	{"name": "os/linux/no-new-privileges", "value": true},
	{"name": "os/linux/oom-score-adj", "value": 100},
	{"name": "os/linux/seccomp-remove-set", "value": {"set": ["mount", "umount2", "reboot"]}}]'

# setup_data KIND: the data dir DATA (tmpfs: a tmpfs of its own; disk: the work dir's file
# system) with its volume and the pod manifests.
setup_data() {
	DATA=$WORK/data-$1
	mkdir -p "$DATA"
	[ "$1" = tmpfs ] && mount -t tmpfs -o mode=0700 stage1-c-bench "$DATA"
	mkdir -p "$DATA/vol"
	VOLUME=$DATA/vol
	pod_json "$DATA/volume.json" '{"exec": ["/stamp"]}' "$VOLUME"
	pod_json "$DATA/isolators.json" "{\"exec\": [\"/stamp\"], \"isolators\": $ISOLATORS}" "$VOLUME"
	pod_json "$DATA/sleep.json" '{"exec": ["/stamp", "--pause"]}' "$VOLUME"
}

# prepare_pods LIST MANIFEST STAGE1 N: N pods (in parallel), their UUIDs in LIST.
prepare_pods() {
	local list=$1 manifest=$2 stage1=$3 n=$4
	: >"$list"
	seq "$n" | xargs -P "$JOBS" -I{} "$STAGE0" prepare --dir "$DATA" --stage1 "$stage1" \
		--image "$IMAGE" --pod "$manifest" >>"$list"
	[ "$(wc -l <"$list")" -ge "$n" ] || die "preparing pods failed"
	cat "$list" >>"$WORK/uuids"
	sync # write-back of the new pods does not land in the measurements
}

# ---------------------------------------------------------------------------------------------
# Measuring. A report line of launch is "t0=NS end=NS status=CODE maxrss_kb=KB hwm_kb=KB".

R_T0=0 R_END=0 R_STATUS=0 R_RSS=0 R_HWM=0
read_report() {
	local a b c d e
	read -r a b c d e <"$1"
	R_T0=${a#t0=} R_END=${b#end=} R_STATUS=${c#status=} R_RSS=${d#maxrss_kb=} R_HWM=${e#hwm_kb=}
}

declare -A FAILED=()
declare -A COUNT=()
sample() { # METRIC VALUE UNIT
	local i=$((${COUNT[$1]:-0} + 1))
	COUNT[$1]=$i
	echo "$2" >>"$WORK/s/$1"
	echo "$1,$i,$2,$3" >>"$SAMPLES"
}
fail() { # METRIC FILE-WITH-STDERR
	[ -n "${FAILED[$1]:-}" ] && return 0
	FAILED[$1]=$(grep -m1 . "$2" 2>/dev/null || echo "exit status $R_STATUS")
	say "$1 failed: ${FAILED[$1]}"
}

# launch_stamp METRIC DIR [--lock] [--hwm] -- PROG ARGS: one launch -> stamp interval (or, with
# --hwm, the peak RSS under ptrace).
launch_stamp() {
	local metric=$1 dir=$2 opts=()
	shift 2
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	BASELINE_VOLUME=$VOLUME:/data "$LAUNCH" "${opts[@]}" --stdin-null --report "$WORK/rep" \
		-C "$dir" -- "$@" >"$WORK/out" 2>"$WORK/err" || true
	read_report "$WORK/rep"
	local stamp
	stamp=$(head -n1 "$WORK/out")
	if [ "$R_STATUS" != 0 ] || ! [[ $stamp =~ ^[0-9]+$ ]]; then
		fail "$metric" "$WORK/err"
		return 1
	fi
	if [[ " ${opts[*]} " == *" --hwm "* ]]; then
		sample "$metric" "$R_HWM" KB
	else
		sample "$metric" $((stamp - R_T0)) ns
	fi
}

# run_pod METRIC UUID [RUNFLAGS...]: launch the pod's run as rkt does.
run_pod() {
	local metric=$1 uuid=$2 pod=$DATA/pods/run/$2
	shift 2
	launch_stamp "$metric" "$pod" --lock "${HWM[@]}" -- "$pod/stage1/rootfs/run" --net=default \
		--local-config=/etc/rkt "$@" "$uuid"
}
HWM=()

# gc_pod METRIC UUID: as rkt gc: to exited-garbage, stage1's gc (timed, when METRIC is not
# empty), then stage0's unmounting and removal.
gc_pod() {
	local metric=$1 uuid=$2 pod=$DATA/pods/run/$2
	mkdir -p "$DATA/pods/exited-garbage"
	[ -d "$pod" ] && mv "$pod" "$DATA/pods/exited-garbage/$uuid"
	pod=$DATA/pods/exited-garbage/$uuid
	if [ -n "$metric" ] && [ -x "$pod/stage1/rootfs/gc" ]; then
		"$LAUNCH" --stdin-null --stdout-null --report "$WORK/rep" -C "$pod" -- \
			"$pod/stage1/rootfs/gc" --local-config /etc/rkt "$uuid" 2>"$WORK/err" || true
		read_report "$WORK/rep"
		if [ "$R_STATUS" = 0 ]; then
			sample "$metric" $((R_END - R_T0)) ns
		else
			fail "$metric" "$WORK/err"
		fi
	fi
	"$STAGE0" gc --dir "$DATA" "$uuid" >/dev/null 2>"$WORK/err" || fail "stage0-gc" "$WORK/err"
}

# start_sleeper UUID: run the pod in the background until its app (stamp --pause) runs.
SLEEPER_PID=0
start_sleeper() {
	local uuid=$1 pod=$DATA/pods/run/$1 i
	"$LAUNCH" --lock --stdin-null --report "$WORK/sleep.rep" -C "$pod" -- \
		"$pod/stage1/rootfs/run" --net=default --local-config=/etc/rkt "$uuid" \
		>"$WORK/sleep.out" 2>"$WORK/sleep.err" &
	SLEEPER_PID=$!
	BG_PIDS+=("$SLEEPER_PID")
	for i in $(seq 500); do
		if [ -s "$WORK/sleep.out" ] && [ -s "$pod/pid" ] &&
			[ "$(readlink "$pod/stage1/rootfs/rkt/supervisor-status" 2>/dev/null)" = ready ]; then
			return 0
		fi
		kill -0 "$SLEEPER_PID" 2>/dev/null || break
		sleep 0.01
	done
	fail sleeper "$WORK/sleep.err"
	return 1
}

# ---------------------------------------------------------------------------------------------
# One data dir: the alternating rounds, enter and stop, the phase breakdown.

# round_pod I LIST METRIC GC_METRIC: the I-th pod of $WORK/list.LIST, run, then collected.
round_pod() {
	local uuid
	uuid=$(sed -n "${1}p" "$WORK/list.$2")
	run_pod "$3" "$uuid" || true
	gc_pod "$4" "$uuid"
}

measure() {
	local kind=$1 i uuid tree
	setup_data "$kind"
	say "$kind: preparing $((RUNS * 3)) pods"
	prepare_pods "$WORK/list.base" "$DATA/volume.json" "$WORK/stage1-baseline" "$RUNS"
	prepare_pods "$WORK/list.vol" "$DATA/volume.json" "$WORK/stage1" "$RUNS"
	prepare_pods "$WORK/list.iso" "$DATA/isolators.json" "$WORK/stage1" "$RUNS"
	if [ -n "$BEFORE" ]; then
		prepare_pods "$WORK/list.bvol" "$DATA/volume.json" "$WORK/stage1-before" "$RUNS"
		prepare_pods "$WORK/list.biso" "$DATA/isolators.json" "$WORK/stage1-before" "$RUNS"
	fi
	say "$kind: $RUNS rounds of baseline, volume pod, volume pod with all isolators${BEFORE:+, both again with $BEFORE}"
	for i in $(seq "$RUNS"); do
		round_pod "$i" base "$kind.baseline" ""
		round_pod "$i" vol "$kind.volume" "$kind.gc"
		round_pod "$i" iso "$kind.isolators" "$kind.gc.isolators"
		[ -n "$BEFORE" ] || continue
		round_pod "$i" bvol "$kind.before.volume" "$kind.before.gc"
		round_pod "$i" biso "$kind.before.isolators" "$kind.before.gc.isolators"
	done

	say "$kind: enter, stop: $STOP_RUNS sleeping pods, $ENTER_RUNS enters, each after a baseline pod${BEFORE:+ and one of $BEFORE}"
	prepare_pods "$WORK/list.sleep" "$DATA/sleep.json" "$WORK/stage1" "$STOP_RUNS"
	# The floor again, one pod before each enter: an enter's ratio is to the floor of its own
	# rounds, minutes after the run rounds (the VM drifts that much).
	prepare_pods "$WORK/list.ebase" "$DATA/volume.json" "$WORK/stage1-baseline" "$ENTER_RUNS"
	local per_pod=$(((ENTER_RUNS + STOP_RUNS - 1) / STOP_RUNS)) entered=0 pod app_pid
	while read -r uuid; do
		pod=$DATA/pods/run/$uuid
		if start_sleeper "$uuid"; then
			app_pid=$(tr -d '\n' <"$pod/pid")
			read -r tree <"$pod/stage1TreeStoreID"
			for _ in $(seq "$per_pod"); do
				[ "$entered" -lt "$ENTER_RUNS" ] || break
				entered=$((entered + 1))
				round_pod "$entered" ebase "$kind.baseline.enter" ""
				# As rkt: enter from the tree store, without the lock.
				launch_stamp "$kind.enter" "$pod" -- "$DATA/cas/tree/$tree/rootfs/enter" \
					--pid="$app_pid" --appname="$APP" -- /stamp || true
				[ -z "$BEFORE" ] || launch_stamp "$kind.before.enter" "$pod" -- \
					"$WORK/stage1-before/enter" --pid="$app_pid" --appname="$APP" \
					-- /stamp || true
			done
			"$LAUNCH" --stdin-null --report "$WORK/rep" -C "$pod" -- \
				"$pod/stage1/rootfs/stop" "$uuid" >/dev/null 2>"$WORK/err" || true
			read_report "$WORK/rep"
			if [ "$R_STATUS" = 0 ]; then
				sample "$kind.stop" $((R_END - R_T0)) ns
			else
				fail "$kind.stop" "$WORK/err"
				kill -TERM "$app_pid" 2>/dev/null || true
			fi
		else
			kill -TERM "$SLEEPER_PID" 2>/dev/null || true
		fi
		wait "$SLEEPER_PID" 2>/dev/null || true
		gc_pod "" "$uuid"
	done <"$WORK/list.sleep"

	say "$kind: $DEBUG_RUNS runs of each pod with --debug (phases)"
	local cfg line
	for cfg in volume isolators; do
		prepare_pods "$WORK/list.debug" "$DATA/$cfg.json" "$WORK/stage1" "$DEBUG_RUNS"
		while read -r uuid; do
			run_pod "$kind.$cfg.debug" "$uuid" --debug || true
			line=$(grep -m1 'phases (us):' "$WORK/err" || true)
			# "phases (us): manifests N, cgroups N, mounts N, spawn N, ..., total N"
			if [ -n "$line" ]; then
				line=${line#*phases (us): }
				local part name value
				IFS=, read -r -a parts <<<"$line"
				for part in "${parts[@]}"; do
					read -r name value <<<"$part"
					[[ $value =~ ^[0-9]+$ ]] && sample "$kind.$cfg.phase.$name" $((value * 1000)) ns
				done
			fi
			gc_pod "" "$uuid"
		done <"$WORK/list.debug"
	done
}

# ---------------------------------------------------------------------------------------------
START=$(date +%s)
KINDS=(tmpfs)
[ "${BENCH_DISK:-1}" = 0 ] || KINDS+=(disk)
for kind in "${KINDS[@]}"; do
	measure "$kind"
done

# On the tmpfs data dir: peak memory, then scale.
DATA=$WORK/data-tmpfs
VOLUME=$DATA/vol
say "peak memory: $MEM_RUNS launches of each"
HWM=(--hwm)
for cfg in volume isolators; do
	prepare_pods "$WORK/list.mem" "$DATA/$cfg.json" "$WORK/stage1" "$MEM_RUNS"
	while read -r uuid; do
		run_pod "hwm.$cfg" "$uuid" || true
		gc_pod "" "$uuid"
	done <"$WORK/list.mem"
done
prepare_pods "$WORK/list.mem" "$DATA/volume.json" "$WORK/stage1-baseline" "$MEM_RUNS"
while read -r uuid; do
	run_pod hwm.baseline "$uuid" || true
	gc_pod "" "$uuid"
done <"$WORK/list.mem"
HWM=()
prepare_pods "$WORK/list.sleep" "$DATA/sleep.json" "$WORK/stage1" 1
uuid=$(head -n1 "$WORK/list.sleep")
pod=$DATA/pods/run/$uuid
if start_sleeper "$uuid"; then
	leader=$(leader_pid "$pod")
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/${leader:-0}/status" 2>/dev/null || true)
	[ -n "$rss" ] && sample leader.vmrss "$rss" KB
	read -r tree <"$pod/stage1TreeStoreID"
	for _ in $(seq "$MEM_RUNS"); do
		launch_stamp hwm.enter "$pod" --hwm -- "$DATA/cas/tree/$tree/rootfs/enter" \
			--pid="$(tr -d '\n' <"$pod/pid")" --appname="$APP" -- /stamp || true
	done
	kill -TERM "$(tr -d '\n' <"$pod/pid")" 2>/dev/null || true
fi
wait "$SLEEPER_PID" 2>/dev/null || true
gc_pod "" "$uuid"

say "scale: $SCALE_SEQ volume pods one after another"
prepare_pods "$WORK/list.seq" "$DATA/volume.json" "$WORK/stage1" "$SCALE_SEQ"
mounts_before=$(wc -l </proc/self/mountinfo)
while read -r uuid; do
	run_pod scale.seq "$uuid" || true
done <"$WORK/list.seq"
count_cgroups() { # of the benchmark's pods
	find /sys/fs/cgroup -maxdepth 8 -type d -name 'stage1-c-*' 2>/dev/null |
		sed 's|.*/stage1-c-||' | grep -cxFf "$WORK/uuids" || true
}
# The pods' own overlays were mounted when they were prepared: what stage1 left is the growth.
seq_mounts_growth=$(($(wc -l </proc/self/mountinfo) - mounts_before))
seq_cgroups_before_gc=$(count_cgroups)
while read -r uuid; do
	gc_pod gc.scale "$uuid"
done <"$WORK/list.seq"
seq_cgroups_after_gc=$(count_cgroups)

say "scale: $SCALE_PAR volume pods at once"
prepare_pods "$WORK/list.par" "$DATA/volume.json" "$WORK/stage1" "$SCALE_PAR"
par_pids=()
k=0
while read -r uuid; do
	k=$((k + 1))
	pod=$DATA/pods/run/$uuid
	"$LAUNCH" --lock --stdin-null --report "$WORK/par.$k.rep" -C "$pod" -- \
		"$pod/stage1/rootfs/run" --net=default --local-config=/etc/rkt "$uuid" \
		>"$WORK/par.$k.out" 2>"$WORK/par.$k.err" &
	par_pids+=($!)
	BG_PIDS+=($!)
done <"$WORK/list.par"
for p in "${par_pids[@]}"; do wait "$p" 2>/dev/null || true; done
for k in $(seq "$SCALE_PAR"); do
	read_report "$WORK/par.$k.rep"
	stamp=$(head -n1 "$WORK/par.$k.out" 2>/dev/null || true)
	if [ "$R_STATUS" = 0 ] && [[ $stamp =~ ^[0-9]+$ ]]; then
		sample scale.par $((stamp - R_T0)) ns
	else
		fail scale.par "$WORK/par.$k.err"
	fi
done
while read -r uuid; do
	gc_pod gc.scale.par "$uuid"
done <"$WORK/list.par"

left_mounts=0
for kind in "${KINDS[@]}"; do
	n=$(grep -c " $WORK/data-$kind/" /proc/self/mountinfo || true)
	left_mounts=$((left_mounts + n))
done
left_cgroups=$(count_cgroups)
ELAPSED=$(($(date +%s) - START))

# ---------------------------------------------------------------------------------------------
# Report.

stats() { # FILE -> "n median p10 p90 max" (nearest-rank percentiles; empty when no samples)
	[ -s "$1" ] || return 0
	sort -n "$1" | awk '{ v[NR] = $1 }
	function rank(p,   i) { i = int(p * NR + 0.999999); return v[i < 1 ? 1 : i] }
	END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	      printf "%d %.0f %.0f %.0f %.0f\n", NR, m, rank(0.1), rank(0.9), v[NR] }'
}
median_of() {
	local s
	s=$(stats "$1")
	[ -z "$s" ] || echo "$s" | cut -d' ' -f2
}

ROWS=$WORK/rows # section|label|unit|n|median|p10|p90|max|ratio (or the reason there is none)
: >"$ROWS"
row() { # SECTION METRIC LABEL UNIT [REFERENCE_MEDIAN]
	local s n med p10 p90 max ratio=""
	s=$(stats "$WORK/s/$2")
	if [ -z "$s" ]; then
		echo "$1|$3|$4|0|||||${FAILED[$2]:+failed: ${FAILED[$2]}}" >>"$ROWS"
		return 0
	fi
	read -r n med p10 p90 max <<<"$s"
	[ -n "${5:-}" ] && [ "$5" -gt 0 ] && ratio=x$(awk -v a="$med" -v b="$5" 'BEGIN { printf "%.2f", a / b }')
	echo "$1|$3|$4|$n|$med|$p10|$p90|$max|$ratio" >>"$ROWS"
}

for kind in "${KINDS[@]}"; do
	base=$(median_of "$WORK/s/$kind.baseline")
	S="launch -> app, data dir on $kind ($(findmnt -no FSTYPE -T "$WORK/data-$kind" 2>/dev/null || echo '?'))"
	row "$S" "$kind.baseline" "baseline: bind the volume, chroot, exec" ns "$base"
	row "$S" "$kind.volume" "run, volume pod, no isolators" ns "$base"
	row "$S" "$kind.isolators" "run, volume pod, all isolators" ns "$base"
	if [ -n "$BEFORE" ]; then
		row "$S" "$kind.before.volume" "before: run, volume pod, no isolators" ns "$base"
		row "$S" "$kind.before.isolators" "before: run, volume pod, all isolators" ns "$base"
	fi
	base=$(median_of "$WORK/s/$kind.baseline.enter")
	row "$S" "$kind.baseline.enter" "baseline again, in the enter rounds" ns "$base"
	row "$S" "$kind.enter" "enter (into a running pod)" ns "$base"
	[ -z "$BEFORE" ] || row "$S" "$kind.before.enter" "before: enter" ns "$base"
	S="stop and gc on $kind, per pod"
	row "$S" "$kind.stop" "stop (until it returns)" ns
	row "$S" "$kind.gc" "gc (stage1's), volume pod" ns
	row "$S" "$kind.gc.isolators" "gc (stage1's), all isolators" ns
	if [ -n "$BEFORE" ]; then
		row "$S" "$kind.before.gc" "before: gc (stage1's), volume pod" ns
		row "$S" "$kind.before.gc.isolators" "before: gc (stage1's), all isolators" ns
	fi
	for cfg in volume isolators; do
		S="run --debug phases on $kind, $cfg pod"
		for ph in manifests cgroups mounts spawn exec total; do
			[ -s "$WORK/s/$kind.$cfg.phase.$ph" ] || continue
			row "$S" "$kind.$cfg.phase.$ph" "  $ph" ns
		done
		row "$S" "$kind.$cfg.debug" "  launch -> app with --debug" ns
	done
done
base_hwm=$(median_of "$WORK/s/hwm.baseline")
S="peak memory (VmHWM over the process's images)"
row "$S" hwm.baseline "baseline" KB "$base_hwm"
row "$S" hwm.volume "run, volume pod" KB "$base_hwm"
row "$S" hwm.isolators "run, all isolators" KB "$base_hwm"
row "$S" hwm.enter "enter, then the command" KB "$base_hwm"
row "$S" leader.vmrss "run leader while the app runs (VmRSS)" KB "$base_hwm"
S="scale (tmpfs data dir)"
base=$(median_of "$WORK/s/tmpfs.baseline")
head -n 10 "$WORK/s/scale.seq" >"$WORK/s/scale.seq.first10" 2>/dev/null || true
tail -n 10 "$WORK/s/scale.seq" >"$WORK/s/scale.seq.last10" 2>/dev/null || true
row "$S" scale.seq "$SCALE_SEQ pods in a row" ns "$base"
row "$S" scale.seq.first10 "  first 10" ns "$base"
row "$S" scale.seq.last10 "  last 10 (ratio: to first 10)" ns "$(median_of "$WORK/s/scale.seq.first10")"
row "$S" gc.scale "  gc (stage1's) per pod, collected at the end" ns
row "$S" scale.par "$SCALE_PAR pods at once" ns "$base"
row "$S" gc.scale.par "  gc (stage1's) per pod" ns

fmt() { # VALUE UNIT -> µs (ns input) or as is
	[ -n "$1" ] || return 0
	if [ "$2" = ns ]; then awk -v v="$1" 'BEGIN { printf "%.0f", v / 1000 }'; else echo "$1"; fi
}
{
	printf 'stage1-c benchmark  %s  %s, %s CPUs, kernel %s, pods rendered %s\n' \
		"$(date -u +%FT%TZ)" "$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')" \
		"$JOBS" "$(uname -r)" "$([ "$STAGE0_NO_OVERLAY" = 1 ] && echo 'as copies' || echo 'with overlays')"
	printf 'rounds %s per data dir, enters %s, stops %s, --debug runs %s; times in µs, memory in KB; ratio = median / baseline median\n' \
		"$RUNS" "$ENTER_RUNS" "$STOP_RUNS" "$DEBUG_RUNS"
	[ -z "$BEFORE" ] || printf 'before: the entrypoints of %s, in the same rounds\n' "$BEFORE"
	prev=""
	while IFS='|' read -r section label unit n med p10 p90 max ratio; do
		if [ "$section" != "$prev" ]; then
			printf '\n%-48s %8s %8s %8s %8s %7s\n' "$section" median p10 p90 max ratio
			prev=$section
		fi
		if [ "$n" = 0 ]; then
			printf '  %-46s %s\n' "$label" "${ratio:-n/a}"
			continue
		fi
		printf '  %-46s %8s %8s %8s %8s %7s\n' "$label" "$(fmt "$med" "$unit")" \
			"$(fmt "$p10" "$unit")" "$(fmt "$p90" "$unit")" "$(fmt "$max" "$unit")" "$ratio"
	done <"$ROWS"
	printf '\n%-48s %8s\n' sizes bytes
	for ep in run enter gc stop; do printf '  %-46s %8s\n' "$ep" "$(stat -c %s "$BIN/$ep")"; done
	printf '  %-46s %8s\n' "$OUT/baseline (the floor's run)" "$(stat -c %s "$OUT/baseline")"
	if [ -f "$BENCH_ACI" ]; then
		printf '  %-46s %8s\n' "${BENCH_ACI##*/}" "$(stat -c %s "$BENCH_ACI")"
	fi
	printf '\nleftovers\n'
	printf '  %-46s %s\n' "mount table growth over $SCALE_SEQ runs, before gc" "$seq_mounts_growth"
	printf '  %-46s %s\n' "cgroup dirs after $SCALE_SEQ runs, before gc" "$seq_cgroups_before_gc"
	printf '  %-46s %s\n' "cgroup dirs after their gc" "$seq_cgroups_after_gc"
	printf '  %-46s %s\n' "mounts under the data dirs, at the end" "$left_mounts"
	printf '  %-46s %s\n' "cgroup dirs of the pods, at the end" "$left_cgroups"
	for m in "${!FAILED[@]}"; do printf '  %-46s %s\n' "failed: $m" "${FAILED[$m]}"; done
	printf '\n%s s in all; samples in %s\n' "$ELAPSED" "$SAMPLES"
} | tee "$WORK/table"
{
	echo "section,label,unit,n,median,p10,p90,max,ratio"
	while IFS='|' read -r section label unit n med p10 p90 max ratio; do
		printf '"%s","%s",%s,%s,%s,%s,%s,%s,"%s"\n' "$section" "$label" "$unit" "$n" "$med" \
			"$p10" "$p90" "$max" "$ratio"
	done <"$ROWS"
} >"$OUT/results.csv"
