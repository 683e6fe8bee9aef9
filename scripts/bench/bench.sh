#!/bin/bash
# The benchmark behind `make bench` (issue 6): what stage1-c's own work costs, measured against
# a bare chroot-and-exec in the same run, on the same machine. Not a test: no figure fails it.
#
# Every launch->app figure is the time from a launcher's clock just before it execs an
# entrypoint the way rkt does (scripts/bench/launch.c) to the first thing the app's main does
# (scripts/bench/stamp.c); the baseline is launch -> scripts/bench/baseline.c (chroot + exec) ->
# the same app in the same rootfs. Pods are prepared with tests/stage0/stage0 (not timed).
#
# Environment: BUILD (build dir), BENCH_RUNS (50), BENCH_ENTER_RUNS (BENCH_RUNS),
# BENCH_STOP_RUNS (20), BENCH_SCALE_SEQ (100), BENCH_SCALE_PAR (20), BENCH_MEM_RUNS (5: peak
# memory launches, under ptrace), BENCH_STRACE=1 (also save strace -c -f summaries of run and
# enter), BENCH_TMPDIR (where the pods live, /tmp), BENCH_TMPFS=1 (on a tmpfs of their own),
# BENCH_ACI (the stage1 image, for its size).
# Output: a table on stdout; $BUILD/bench/results.json, results.csv (the table), samples.csv
# (every sample). Needs root. Cleans up every pod, mount, cgroup and process it made, also on
# Ctrl-C.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
BIN=$BUILD/bin
OUT=$BUILD/bench
STAGE0=$REPO/tests/stage0/stage0
LAUNCH=$OUT/launch
RUNS=${BENCH_RUNS:-50}
ENTER_RUNS=${BENCH_ENTER_RUNS:-$RUNS}
STOP_RUNS=${BENCH_STOP_RUNS:-20}
SCALE_SEQ=${BENCH_SCALE_SEQ:-100}
SCALE_PAR=${BENCH_SCALE_PAR:-20}
MEM_RUNS=${BENCH_MEM_RUNS:-5}
BENCH_ACI=${BENCH_ACI:-$REPO/stage1-c.aci}
JOBS=$(nproc)
APP='stage1-c-bench' # the app's name in every pod

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (it mounts and chroots)"
for f in launch stamp baseline; do
	[ -x "$OUT/$f" ] || die "$OUT/$f is missing (make bench builds it)"
done
[ -x "$BIN/run" ] || die "$BIN/run is missing (make bench builds it)"
for c in jq tar flock; do
	command -v "$c" >/dev/null || die "$c is required"
done
for n in "$RUNS" "$ENTER_RUNS" "$STOP_RUNS" "$SCALE_SEQ" "$SCALE_PAR" "$MEM_RUNS"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "repetition counts must be positive integers"
done

# ---------------------------------------------------------------------------------------------
# Cleanup: whatever happens, no pod, mount, cgroup, process or directory of ours stays.

DATA=""
BG_PIDS=()

leader_pid() { # the pod leader's PID, from stage1-c's record (empty when there is none)
	sed -n 's/^leader \([0-9]*\) .*/\1/p' "$1/stage1-c.record" 2>/dev/null || true
}

pod_pids() { # the app and the leader of a pod, when recorded
	local pod=$1
	[ -f "$pod/pid" ] && tr -d '\n' <"$pod/pid" && echo
	leader_pid "$pod"
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "$DATA" ] && [ -d "$DATA" ] || exit "$rc"
	local pod p
	for pod in "$DATA"/pods/run/*; do
		[ -d "$pod" ] || continue
		for p in $(pod_pids "$pod" | head -n1); do kill -TERM "$p" 2>/dev/null || true; done
	done
	for p in "${BG_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
	done
	for pod in "$DATA"/pods/run/*; do
		[ -d "$pod" ] || continue
		flock -x -w 5 "$pod" true 2>/dev/null && continue
		for p in $(pod_pids "$pod"); do kill -KILL "$p" 2>/dev/null || true; done
		flock -x -w 5 "$pod" true 2>/dev/null || true
	done
	wait 2>/dev/null || true
	for pod in "$DATA"/pods/run/* "$DATA"/pods/exited-garbage/*; do
		[ -d "$pod" ] || continue
		"$STAGE0" gc --dir "$DATA" "${pod##*/}" >/dev/null 2>&1 || true
	done
	if [ -s "$DATA/uuids" ]; then
		local cg
		while read -r cg; do
			if grep -qxF "${cg##*/stage1-c-}" "$DATA/uuids"; then
				find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
			fi
		done < <(find /sys/fs/cgroup -type d -name 'stage1-c-*' -prune 2>/dev/null)
	fi
	"$STAGE0" unmount-below "$DATA" 2>/dev/null || true # with BENCH_TMPFS, $DATA too
	rm -rf "$DATA"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DATA=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/stage1-c-bench.XXXXXX")
# On a tmpfs of its own, file creation costs do not depend on the host file system's state
# (ext4 without a journal, for one, scans past every inode deleted in the last 30 s).
if [ "${BENCH_TMPFS:-0}" = 1 ]; then
	mount -t tmpfs -o mode=0700 stage1-c-bench "$DATA"
fi
mkdir -p "$OUT" "$DATA/s" "$DATA/vol/rw" "$DATA/vol/ro"
: >"$DATA/uuids"
SAMPLES=$OUT/samples.csv
echo "metric,index,value,unit" >"$SAMPLES"

# Entrypoints are copied once: a rebuild during the benchmark does not change what it measures.
# stage1 is the product; stage1-sealless has run and enter without the sealed re-exec.
mkdir -p "$DATA/stage1" "$DATA/stage1-sealless"
for ep in run enter gc stop; do
	[ -x "$BIN/$ep" ] || continue
	cp "$BIN/$ep" "$DATA/stage1/$ep"
	if [ -x "$OUT/sealless/$ep" ]; then
		cp "$OUT/sealless/$ep" "$DATA/stage1-sealless/$ep"
	else
		cp "$BIN/$ep" "$DATA/stage1-sealless/$ep"
	fi
done
has_ep() { [ -x "$DATA/stage1/$1" ]; }

# Does a binary re-execute itself from a memfd? (strace: only to label the sealless variant.)
sealless_ok() {
	local ep=$1
	[ -x "$OUT/sealless/$ep" ] || return 1
	command -v strace >/dev/null || return 0
	! strace -f -qq -e trace=memfd_create "$DATA/stage1-sealless/$ep" --help 2>&1 >/dev/null |
		grep -q memfd_create
}
SEALLESS_RUN=0 SEALLESS_ENTER=0
sealless_ok run && SEALLESS_RUN=1
has_ep enter && sealless_ok enter && SEALLESS_ENTER=1

# ---------------------------------------------------------------------------------------------
# The bench image: the static stamp as /stamp, and the directories an image usually has.

img=$DATA/image
mkdir -p "$img/rootfs/dev" "$img/rootfs/proc" "$img/rootfs/sys" "$img/rootfs/tmp" "$img/rootfs/etc"
cp "$OUT/stamp" "$img/rootfs/stamp"
cat >"$img/manifest" <<'MANIFEST'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/stage1-c-bench","labels":[{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}],"app":{"exec":["/stamp"],"user":"0","group":"0"}}
MANIFEST
IMAGE=$DATA/bench.aci
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$img" -czf "$IMAGE" manifest rootfs

# pod_json FILE APP_JSON [VOLUMES_JSON] [RUNTIME_APP_EXTRA_JSON], as tests/e2e/helpers.bash.
pod_json() {
	local out=$1 app=$2 vols=${3:-null} extra=${4:-'{}'}
	jq -n --arg name "$APP" --argjson app "$app" --argjson vols "$vols" --argjson extra "$extra" '
	{acVersion: "1.30.0", acKind: "PodManifest",
	 apps: [({name: $name,
	          image: {name: "example.com/stage1-c-bench", id: "auto",
	                  labels: [{name: "os", value: "linux"}, {name: "arch", value: "amd64"}]},
	          app: ({user: "0", group: "0"} + $app)} + $extra)],
	 volumes: $vols, isolators: null,
	 annotations: [{name: "coreos.com/rkt/stage1/mutable", value: "false"}], ports: []}' >"$out"
}
pod_json "$DATA/none.json" '{"exec": ["/stamp"]}'
pod_json "$DATA/volumes.json" '{"exec": ["/stamp"]}' "$(jq -nc --arg rw "$DATA/vol/rw" --arg ro "$DATA/vol/ro" '
	[{name: "rw", kind: "host", source: $rw},
	 {name: "ro", kind: "host", source: $ro, readOnly: true},
	 {name: "scratch", kind: "empty"}]')" \
	'{"mounts": [{"volume": "rw", "path": "/data"}, {"volume": "ro", "path": "/ro"}, {"volume": "scratch", "path": "/scratch"}]}'
pod_json "$DATA/isolators.json" '{"exec": ["/stamp"], "isolators": [
	{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"]}},
	{"name": "os/linux/no-new-privileges", "value": true},
	{"name": "os/linux/oom-score-adj", "value": 100},
	{"name": "resource/memory", "value": {"limit": "256Mi"}},
	{"name": "resource/cpu", "value": {"limit": "500m"}},
	{"name": "os/linux/cpu-shares", "value": 512}]}'
pod_json "$DATA/sleep.json" '{"exec": ["/stamp", "--pause"]}'

# prepare_pods LIST MANIFEST STAGE1 N: N pods (in parallel), their UUIDs appended to LIST.
prepare_pods() {
	local list=$1 manifest=$2 stage1=$3 n=$4
	seq "$n" | xargs -P "$JOBS" -I{} "$STAGE0" prepare --dir "$DATA" --stage1 "$stage1" \
		--image "$IMAGE" --pod "$manifest" >>"$list"
	[ "$(wc -l <"$list")" -ge "$n" ] || die "preparing pods failed"
	cat "$list" >>"$DATA/uuids"
	sync # write-back of the new pods does not land in the measurements
}

# ---------------------------------------------------------------------------------------------
# Measuring. A report line of launch is "t0=NS end=NS status=CODE maxrss_kb=KB".

R_T0=0 R_END=0 R_STATUS=0 R_RSS=0 R_HWM=0
read_report() {
	local a b c d e
	read -r a b c d e <"$1"
	R_T0=${a#t0=} R_END=${b#end=} R_STATUS=${c#status=} R_RSS=${d#maxrss_kb=} R_HWM=${e#hwm_kb=}
}

declare -A FAILED=()
declare -A COUNT=()
# sample METRIC VALUE UNIT
sample() {
	local i=$((${COUNT[$1]:-0} + 1))
	COUNT[$1]=$i
	echo "$2" >>"$DATA/s/$1"
	echo "$1,$i,$2,$3" >>"$SAMPLES"
}
fail() { # METRIC FILE-WITH-STDERR
	[ -n "${FAILED[$1]:-}" ] && return 0
	FAILED[$1]=$(grep -m1 . "$2" 2>/dev/null || echo "exit status $R_STATUS")
	say "$1 failed: ${FAILED[$1]}"
}

# launch_stamp METRIC DIR [--lock] -- PROG ARGS: one launch -> stamp interval.
launch_stamp() {
	local metric=$1 dir=$2
	shift 2
	local lock=()
	[ "$1" = --lock ] && lock=(--lock) && shift
	shift # --
	"$LAUNCH" "${lock[@]}" --stdin-null --report "$DATA/rep" -C "$dir" -- "$@" \
		>"$DATA/out" 2>"$DATA/err" || true
	read_report "$DATA/rep"
	local stamp
	stamp=$(head -n1 "$DATA/out")
	if [ "$R_STATUS" != 0 ] || ! [[ $stamp =~ ^[0-9]+$ ]]; then
		fail "$metric" "$DATA/err"
		return 1
	fi
	sample "$metric" $((stamp - R_T0)) ns
	sample "$metric.total" $((R_END - R_T0)) ns
	sample "$metric.maxrss" "$R_RSS" KB # kept in samples.csv only: see launch.c
}

# launch_hwm METRIC DIR [--lock] -- PROG ARGS: the peak RSS of one launch (under ptrace, so
# not timed), the largest VmHWM of the process over its images.
launch_hwm() {
	local metric=$1 dir=$2
	shift 2
	local lock=()
	[ "$1" = --lock ] && lock=(--lock) && shift
	shift # --
	"$LAUNCH" --hwm "${lock[@]}" --stdin-null --report "$DATA/rep" -C "$dir" -- "$@" \
		>"$DATA/out" 2>"$DATA/err" || true
	read_report "$DATA/rep"
	if [ "$R_STATUS" != 0 ] || [ "$R_HWM" = 0 ]; then
		fail "$metric" "$DATA/err"
		return 1
	fi
	sample "$metric" "$R_HWM" KB
}

run_pod() { # METRIC UUID
	local pod=$DATA/pods/run/$2
	launch_stamp "$1" "$pod" --lock -- "$pod/stage1/rootfs/run" --net=default \
		--local-config=/etc/rkt "$2"
}

# gc_pod METRIC UUID: as rkt gc: to exited-garbage, stage1's gc timed, then the rest (stage0).
gc_pod() {
	local metric=$1 uuid=$2 pod=$DATA/pods/run/$2
	mkdir -p "$DATA/pods/exited-garbage"
	if [ -d "$pod" ]; then
		mv "$pod" "$DATA/pods/exited-garbage/$uuid"
	fi
	pod=$DATA/pods/exited-garbage/$uuid
	if has_ep gc && [ -x "$pod/stage1/rootfs/gc" ]; then
		"$LAUNCH" --stdin-null --stdout-null --report "$DATA/rep" -C "$pod" -- \
			"$pod/stage1/rootfs/gc" --local-config /etc/rkt "$uuid" 2>"$DATA/err" || true
		read_report "$DATA/rep"
		if [ "$R_STATUS" = 0 ]; then
			sample "$metric" $((R_END - R_T0)) ns
		else
			fail "$metric" "$DATA/err"
		fi
	fi
	"$STAGE0" gc --dir "$DATA" "$uuid" >/dev/null 2>"$DATA/err" || fail "stage0-gc" "$DATA/err"
}

# start_sleeper UUID: run the pod in the background until its app (stamp --pause) is running.
SLEEPER_PID=0
start_sleeper() {
	local uuid=$1 pod=$DATA/pods/run/$1 i
	"$LAUNCH" --lock --stdin-null --report "$DATA/sleep.rep" -C "$pod" -- \
		"$pod/stage1/rootfs/run" --net=default --local-config=/etc/rkt "$uuid" \
		>"$DATA/sleep.out" 2>"$DATA/sleep.err" &
	SLEEPER_PID=$!
	BG_PIDS+=("$SLEEPER_PID")
	for i in $(seq 500); do
		if [ -s "$DATA/sleep.out" ] && [ -s "$pod/pid" ] &&
			[ "$(readlink "$pod/stage1/rootfs/rkt/supervisor-status" 2>/dev/null)" = ready ]; then
			return 0
		fi
		kill -0 "$SLEEPER_PID" 2>/dev/null || break
		sleep 0.01
	done
	fail sleeper "$DATA/sleep.err"
	return 1
}

end_sleeper() { # wait for the background pod to end; sets R_* from its report
	wait "$SLEEPER_PID" 2>/dev/null || true
	read_report "$DATA/sleep.rep"
}

# ---------------------------------------------------------------------------------------------
# Statistics: nearest-rank percentiles over a file of numbers.

# stats FILE -> "n median p10 p90 min max" (empty when there are no samples)
stats() {
	[ -s "$1" ] || return 0
	sort -n "$1" | awk '{ v[NR] = $1 }
	function rank(p,   i) { i = int(p * NR + 0.999999); return v[i < 1 ? 1 : i] }
	END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	      printf "%d %.0f %.0f %.0f %.0f %.0f\n", NR, m, rank(0.1), rank(0.9), v[1], v[NR] }'
}

median_of() { # FILE -> median (empty when none)
	local s
	s=$(stats "$1")
	[ -n "$s" ] && echo "$s" | cut -d' ' -f2
	return 0
}

# ---------------------------------------------------------------------------------------------
START=$(date +%s)
CONFIGS=(none volumes isolators)
declare -A CFG_LABEL=([none]="run, no isolators" [volumes]="run, 2 host + 1 empty volume"
	[isolators]="run, all isolators" [sealless]="run, no isolators, no sealed re-exec")
MAIN=("${CONFIGS[@]}")
[ "$SEALLESS_RUN" = 1 ] && MAIN+=(sealless)

say "preparing $((RUNS * ${#MAIN[@]} + 1)) pods for the launch -> app figures"
for cfg in "${MAIN[@]}"; do
	: >"$DATA/list.$cfg"
	if [ "$cfg" = sealless ]; then
		prepare_pods "$DATA/list.$cfg" "$DATA/none.json" "$DATA/stage1-sealless" "$RUNS"
	else
		prepare_pods "$DATA/list.$cfg" "$DATA/$cfg.json" "$DATA/stage1" "$RUNS"
	fi
done
: >"$DATA/list.base"
prepare_pods "$DATA/list.base" "$DATA/none.json" "$DATA/stage1" 1
BASE_POD=$DATA/pods/run/$(head -n1 "$DATA/list.base")
BASE_ROOTFS=stage1/rootfs/opt/stage2/$APP/rootfs

# Interleaved, so that every configuration sees the same machine: calibration (one exec of the
# stamp), baseline, then each configuration's next pod, which is collected at once.
say "launch -> app: $RUNS rounds of ${#MAIN[@]} configurations and the baseline"
for i in $(seq "$RUNS"); do
	launch_stamp exec "$BASE_POD" -- "$BASE_POD/$BASE_ROOTFS/stamp" || true
	launch_stamp baseline "$BASE_POD" --lock -- "$OUT/baseline" "$BASE_ROOTFS" /stamp || true
	for cfg in "${MAIN[@]}"; do
		uuid=$(sed -n "${i}p" "$DATA/list.$cfg")
		run_pod "run.$cfg" "$uuid" || true
		gc_pod "gc.$cfg" "$uuid"
	done
done

# Peak memory: a few more launches under ptrace (VmHWM before every exec and at exit).
say "peak memory: $MEM_RUNS launches of each"
for cfg in "${MAIN[@]}"; do
	: >"$DATA/list.mem"
	if [ "$cfg" = sealless ]; then
		prepare_pods "$DATA/list.mem" "$DATA/none.json" "$DATA/stage1-sealless" "$MEM_RUNS"
	else
		prepare_pods "$DATA/list.mem" "$DATA/$cfg.json" "$DATA/stage1" "$MEM_RUNS"
	fi
	while read -r uuid; do
		pod=$DATA/pods/run/$uuid
		launch_hwm "run.$cfg.hwm" "$pod" --lock -- "$pod/stage1/rootfs/run" --net=default \
			--local-config=/etc/rkt "$uuid" || true
		gc_pod gc.mem "$uuid"
	done <"$DATA/list.mem"
done
for _ in $(seq "$MEM_RUNS"); do
	launch_hwm baseline.hwm "$BASE_POD" --lock -- "$OUT/baseline" "$BASE_ROOTFS" /stamp || true
done

# Pods whose app sleeps: the leader's memory while it runs, enter into it, then stop it.
say "enter, stop: $STOP_RUNS sleeping pods, $ENTER_RUNS enters"
: >"$DATA/list.sleep"
prepare_pods "$DATA/list.sleep" "$DATA/sleep.json" "$DATA/stage1" "$STOP_RUNS"
enters_per_pod=$(((ENTER_RUNS + STOP_RUNS - 1) / STOP_RUNS))
entered=0
while read -r uuid; do
	pod=$DATA/pods/run/$uuid
	start_sleeper "$uuid" || {
		kill -TERM "$SLEEPER_PID" 2>/dev/null || true
		end_sleeper
		gc_pod gc.sleep "$uuid"
		continue
	}
	leader=$(leader_pid "$pod")
	[ -n "$leader" ] || leader=$(pgrep -P "$SLEEPER_PID" | head -n1)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$leader/status" 2>/dev/null || true)
	[ -n "$rss" ] && sample run.vmrss "$rss" KB
	shm=$(awk '/^RssShmem:/ { print $2 }' "/proc/$leader/status" 2>/dev/null || true)
	[ -n "$shm" ] && sample run.rssshmem "$shm" KB
	app_pid=$(tr -d '\n' <"$pod/pid")
	if has_ep enter; then
		for _ in $(seq "$enters_per_pod"); do
			[ "$entered" -lt "$ENTER_RUNS" ] || break
			entered=$((entered + 1))
			launch_stamp enter "$pod" -- "$pod/stage1/rootfs/enter" --pid="$app_pid" \
				--appname="$APP" -- /stamp || true
			[ "$SEALLESS_ENTER" = 1 ] || continue
			launch_stamp enter.sealless "$pod" -- "$DATA/stage1-sealless/enter" \
				--pid="$app_pid" --appname="$APP" -- /stamp || true
		done
		if [ "${COUNT[enter.hwm]:-0}" -lt "$MEM_RUNS" ]; then
			launch_hwm enter.hwm "$pod" -- "$pod/stage1/rootfs/enter" --pid="$app_pid" \
				--appname="$APP" -- /stamp || true
			[ "$SEALLESS_ENTER" = 1 ] && { launch_hwm enter.sealless.hwm "$pod" -- \
				"$DATA/stage1-sealless/enter" --pid="$app_pid" --appname="$APP" -- /stamp ||
				true; }
		fi
	fi
	if has_ep stop; then
		"$LAUNCH" --stdin-null --report "$DATA/rep" -C "$pod" -- "$pod/stage1/rootfs/stop" \
			"$uuid" >/dev/null 2>"$DATA/err" || true
		read_report "$DATA/rep"
		stop_t0=$R_T0 stop_status=$R_STATUS
		if [ "$stop_status" = 0 ]; then
			sample stop $((R_END - R_T0)) ns
		else
			fail stop "$DATA/err"
			kill -TERM "$app_pid" 2>/dev/null || true
		fi
		end_sleeper
		[ "$stop_status" != 0 ] || sample stop.exit $((R_END - stop_t0)) ns
	else
		kill -TERM "$app_pid" 2>/dev/null || true
		end_sleeper
	fi
	gc_pod gc.sleep "$uuid"
done <"$DATA/list.sleep"

# Scale: pods one after another, none collected until the end, then all at once.
say "scale: $SCALE_SEQ pods one after another"
: >"$DATA/list.seq"
prepare_pods "$DATA/list.seq" "$DATA/none.json" "$DATA/stage1" "$SCALE_SEQ"
mounts_before=$(wc -l </proc/self/mountinfo)
while read -r uuid; do
	run_pod scale.seq "$uuid" || true
done <"$DATA/list.seq"
count_cgroups() { # of the benchmark's pods
	find /sys/fs/cgroup -maxdepth 8 -type d -name 'stage1-c-*' 2>/dev/null |
		sed 's|.*/stage1-c-||' | grep -cxFf "$DATA/uuids" || true
}
seq_mounts_left=$(grep -c " $DATA/" /proc/self/mountinfo || true)
seq_mounts_growth=$(($(wc -l </proc/self/mountinfo) - mounts_before))
seq_cgroups_before_gc=$(count_cgroups)
while read -r uuid; do
	gc_pod gc.scale "$uuid"
done <"$DATA/list.seq"
seq_cgroups_after_gc=$(count_cgroups)

say "scale: $SCALE_PAR pods at once"
: >"$DATA/list.par"
prepare_pods "$DATA/list.par" "$DATA/none.json" "$DATA/stage1" "$SCALE_PAR"
par_pids=()
k=0
while read -r uuid; do
	k=$((k + 1))
	pod=$DATA/pods/run/$uuid
	"$LAUNCH" --lock --stdin-null --report "$DATA/par.$k.rep" -C "$pod" -- \
		"$pod/stage1/rootfs/run" --net=default --local-config=/etc/rkt "$uuid" \
		>"$DATA/par.$k.out" 2>"$DATA/par.$k.err" &
	par_pids+=($!)
	BG_PIDS+=($!)
done <"$DATA/list.par"
for p in "${par_pids[@]}"; do wait "$p" 2>/dev/null || true; done
for k in $(seq "$SCALE_PAR"); do
	read_report "$DATA/par.$k.rep"
	stamp=$(head -n1 "$DATA/par.$k.out" 2>/dev/null || true)
	if [ "$R_STATUS" = 0 ] && [[ $stamp =~ ^[0-9]+$ ]]; then
		sample scale.par $((stamp - R_T0)) ns
	else
		fail scale.par "$DATA/par.$k.err"
	fi
done
while read -r uuid; do
	gc_pod gc.scale.par "$uuid"
done <"$DATA/list.par"

if [ "${BENCH_STRACE:-0}" = 1 ] && command -v strace >/dev/null; then
	say "strace -c -f of run (each configuration) and enter"
	for cfg in "${CONFIGS[@]}"; do
		: >"$DATA/list.strace"
		prepare_pods "$DATA/list.strace" "$DATA/$cfg.json" "$DATA/stage1" 1
		uuid=$(head -n1 "$DATA/list.strace")
		pod=$DATA/pods/run/$uuid
		"$LAUNCH" --lock --stdin-null --report "$DATA/rep" -C "$pod" -- "$(command -v strace)" \
			-f -c -o "$OUT/strace-run-$cfg.txt" "$pod/stage1/rootfs/run" --net=default \
			--local-config=/etc/rkt "$uuid" >/dev/null 2>&1 || true
		gc_pod gc.strace "$uuid"
	done
	if has_ep enter; then
		: >"$DATA/list.strace"
		prepare_pods "$DATA/list.strace" "$DATA/sleep.json" "$DATA/stage1" 1
		uuid=$(head -n1 "$DATA/list.strace")
		pod=$DATA/pods/run/$uuid
		if start_sleeper "$uuid"; then
			"$LAUNCH" --stdin-null --report "$DATA/rep" -C "$pod" -- "$(command -v strace)" \
				-f -c -o "$OUT/strace-enter.txt" "$pod/stage1/rootfs/enter" \
				--pid="$(tr -d '\n' <"$pod/pid")" --appname="$APP" -- /stamp \
				>/dev/null 2>&1 || true
			kill -TERM "$(tr -d '\n' <"$pod/pid")" 2>/dev/null || true
		fi
		end_sleeper
		gc_pod gc.strace "$uuid"
	fi
fi

# Leftovers: nothing of the benchmark's pods may remain once they are collected.
left_mounts=$(grep -c " $DATA/" /proc/self/mountinfo || true)
left_cgroups=$(count_cgroups)
left_procs=$({ find /proc/[0-9]*/root /proc/[0-9]*/cwd -maxdepth 0 -lname "$DATA/pods/*" \
	2>/dev/null || true; } | cut -d/ -f3 | sort -u | wc -l)
ELAPSED=$(($(date +%s) - START))
FSTYPE=$(findmnt -no FSTYPE -T "$DATA" 2>/dev/null || stat -f -c %T "$DATA")

# ---------------------------------------------------------------------------------------------
# Report: the table (stdout), results.csv (its rows) and results.json.

ROWS=$DATA/rows # section|metric|label|unit|n|median|p10|p90|min|max|ratio
: >"$ROWS"
BASE_MED=$(median_of "$DATA/s/baseline")
BASE_TOTAL=$(median_of "$DATA/s/baseline.total")
BASE_HWM=$(median_of "$DATA/s/baseline.hwm")

# row SECTION METRIC LABEL UNIT [REFERENCE_MEDIAN [DEPENDS_ON]]: a row from the samples of
# METRIC; without samples, the failure of METRIC, of its stem or of DEPENDS_ON, or n/a.
row() {
	local section=$1 metric=$2 label=$3 unit=$4 ref=${5:-}
	local s n med p10 p90 min max ratio=""
	s=$(stats "$DATA/s/$metric")
	if [ -z "$s" ]; then
		local why=n/a m
		for m in "$metric" "${metric%.*}" "${6:-}"; do
			[ -n "$m" ] && [ -n "${FAILED[$m]:-}" ] && why="failed: ${FAILED[$m]}" && break
		done
		echo "$section|$metric|$label|$unit|0||||||$why" >>"$ROWS"
		return 0
	fi
	read -r n med p10 p90 min max <<<"$s"
	[ -n "$ref" ] && [ "$ref" -gt 0 ] && ratio=$(awk -v a="$med" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
	echo "$section|$metric|$label|$unit|$n|$med|$p10|$p90|$min|$max|$ratio" >>"$ROWS"
}

S1="launch -> app's first instruction"
row "$S1" exec "exec of the static app alone" ns "$BASE_MED"
row "$S1" baseline "baseline: chroot + exec" ns "$BASE_MED"
for cfg in "${MAIN[@]}"; do row "$S1" "run.$cfg" "${CFG_LABEL[$cfg]}" ns "$BASE_MED"; done
row "$S1" enter "enter (into a running pod)" ns "$BASE_MED" sleeper
[ "$SEALLESS_ENTER" = 1 ] && row "$S1" enter.sealless "enter, no sealed re-exec" ns "$BASE_MED" sleeper
S2="launch -> exit (app exits at once)"
row "$S2" baseline.total "baseline" ns "$BASE_TOTAL"
for cfg in "${MAIN[@]}"; do row "$S2" "run.$cfg.total" "${CFG_LABEL[$cfg]}" ns "$BASE_TOTAL"; done
S3="stop and gc, wall time per pod"
row "$S3" stop "stop (until it returns)" ns "" sleeper
row "$S3" stop.exit "stop -> pod leader exited" ns "" sleeper
for cfg in "${CONFIGS[@]}"; do row "$S3" "gc.$cfg" "gc, pod of: ${CFG_LABEL[$cfg]#run, }" ns; done
S4="peak memory (VmHWM over the process's images)"
row "$S4" baseline.hwm "baseline: chroot + exec, then the app" KB "$BASE_HWM"
for cfg in "${MAIN[@]}"; do row "$S4" "run.$cfg.hwm" "${CFG_LABEL[$cfg]}" KB "$BASE_HWM"; done
row "$S4" run.vmrss "run leader while the app runs (VmRSS)" KB "$BASE_HWM" sleeper
row "$S4" run.rssshmem "  of which memfd/shmem, unshared (RssShmem)" KB "$BASE_HWM" sleeper
row "$S4" enter.hwm "enter, then the command" KB "$BASE_HWM" sleeper
[ "$SEALLESS_ENTER" = 1 ] && row "$S4" enter.sealless.hwm "enter, no sealed re-exec" KB "$BASE_HWM" sleeper
S5="scale"
head -n 10 "$DATA/s/scale.seq" >"$DATA/s/scale.seq.first10" 2>/dev/null || true
tail -n 10 "$DATA/s/scale.seq" >"$DATA/s/scale.seq.last10" 2>/dev/null || true
FIRST10=$(median_of "$DATA/s/scale.seq.first10")
row "$S5" scale.seq "$SCALE_SEQ pods in a row: all" ns "$BASE_MED"
row "$S5" scale.seq.first10 "$SCALE_SEQ pods in a row: first 10 (ratio: to baseline)" ns "$BASE_MED" scale.seq
row "$S5" scale.seq.last10 "$SCALE_SEQ pods in a row: last 10 (ratio: to first 10)" ns "$FIRST10" scale.seq
row "$S5" gc.scale "$SCALE_SEQ pods in a row: gc per pod" ns
row "$S5" scale.par "$SCALE_PAR pods at once" ns "$BASE_MED"
row "$S5" gc.scale.par "$SCALE_PAR pods at once: gc per pod" ns

# Sizes
SIZES=$DATA/sizes
: >"$SIZES"
for ep in run enter gc stop; do
	if [ -f "$BIN/$ep" ]; then
		echo "$ep|$(stat -c %s "$BIN/$ep")" >>"$SIZES"
	else
		echo "$ep|" >>"$SIZES"
	fi
done
if [ -f "$BENCH_ACI" ]; then
	echo "${BENCH_ACI##*/}|$(stat -c %s "$BENCH_ACI")" >>"$SIZES"
else
	echo "${BENCH_ACI##*/}|" >>"$SIZES"
fi

fmt() { # VALUE UNIT -> human (µs with ns input)
	[ -n "$1" ] || return 0
	if [ "$2" = ns ]; then
		awk -v v="$1" 'BEGIN { printf "%.0f", v / 1000 }'
	else
		echo "$1"
	fi
}

{
	printf 'stage1-c benchmark  %s  %s, %s CPUs, kernel %s, pods on %s\n' "$(date -u +%FT%TZ)" \
		"$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')" "$JOBS" \
		"$(uname -r)" "$FSTYPE"
	printf 'runs %s, enters %s, stops %s, scale %s+%s; times in µs, memory in KB; ratio = median / reference median\n' \
		"$RUNS" "$ENTER_RUNS" "$STOP_RUNS" "$SCALE_SEQ" "$SCALE_PAR"
	prev=""
	while IFS='|' read -r section metric label unit n med p10 p90 min max ratio; do
		if [ "$section" != "$prev" ]; then
			printf '\n%-52s %8s %8s %8s %8s %7s\n' "$section" median p10 p90 max ratio
			prev=$section
		fi
		if [ "$n" = 0 ]; then
			printf '  %-50s %s\n' "$label" "$ratio"
			continue
		fi
		printf '  %-50s %8s %8s %8s %8s %7s\n' "$label" "$(fmt "$med" "$unit")" \
			"$(fmt "$p10" "$unit")" "$(fmt "$p90" "$unit")" "$(fmt "$max" "$unit")" \
			"${ratio:+x$ratio}"
	done <"$ROWS"
	printf '\n%-52s %8s\n' "sizes" bytes
	while IFS='|' read -r name size; do
		printf '  %-50s %8s\n' "$name" "${size:-n/a}"
	done <"$SIZES"
	printf '\nleftovers (after collecting every pod)\n'
	printf '  %-50s %s\n' "mounts under the data dir after $SCALE_SEQ runs, before gc" "$seq_mounts_left (mount table grew by $seq_mounts_growth)"
	printf '  %-50s %s\n' "stage1-c-* cgroup dirs after $SCALE_SEQ runs, before gc" "$seq_cgroups_before_gc"
	printf '  %-50s %s\n' "stage1-c-* cgroup dirs after their gc" "$seq_cgroups_after_gc"
	printf '  %-50s %s\n' "mounts under the data dir, at the end" "$left_mounts"
	printf '  %-50s %s\n' "stage1-c-* cgroup dirs of the pods, at the end" "$left_cgroups"
	printf '  %-50s %s\n' "processes rooted in the data dir, at the end" "$left_procs"
	for m in "${!FAILED[@]}"; do
		printf '  %-50s %s\n' "failed: $m" "${FAILED[$m]}"
	done
	printf '\n%s s in all; results in %s/results.{json,csv}, samples in %s\n' "$ELAPSED" "$OUT" "$SAMPLES"
} | tee "$DATA/table"

{
	echo "section,metric,label,unit,n,median,p10,p90,min,max,ratio"
	while IFS='|' read -r section metric label unit n med p10 p90 min max ratio; do
		printf '"%s",%s,"%s",%s,%s,%s,%s,%s,%s,%s,"%s"\n' "$section" "$metric" "$label" "$unit" \
			"$n" "$med" "$p10" "$p90" "$min" "$max" "$ratio"
	done <"$ROWS"
} >"$OUT/results.csv"

failed_json=$(for m in "${!FAILED[@]}"; do jq -nc --arg m "$m" --arg e "${FAILED[$m]}" '{($m): $e}'; done |
	jq -sc 'add // {}')
jq -n --rawfile rows "$ROWS" --rawfile sizes "$SIZES" --argjson failed "$failed_json" \
	--arg date "$(date -u +%FT%TZ)" --arg rev "$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')" \
	--arg kernel "$(uname -r)" --arg fs "$FSTYPE" --argjson cpus "$JOBS" --argjson runs "$RUNS" \
	--argjson enter_runs "$ENTER_RUNS" --argjson stop_runs "$STOP_RUNS" \
	--argjson scale_seq "$SCALE_SEQ" --argjson scale_par "$SCALE_PAR" \
	--argjson seq_mounts_left "$seq_mounts_left" --argjson seq_mounts_growth "$seq_mounts_growth" \
	--argjson seq_cgroups_before_gc "$seq_cgroups_before_gc" \
	--argjson seq_cgroups_after_gc "$seq_cgroups_after_gc" \
	--argjson left_mounts "$left_mounts" --argjson left_cgroups "$left_cgroups" \
	--argjson left_procs "$left_procs" --argjson elapsed "$ELAPSED" '
	def num: if . == "" then null else tonumber end;
	{date: $date, revision: $rev, kernel: $kernel, pod_fs: $fs, cpus: $cpus, elapsed_s: $elapsed,
	 counts: {runs: $runs, enter_runs: $enter_runs, stop_runs: $stop_runs,
	          scale_sequential: $scale_seq, scale_concurrent: $scale_par},
	 results: [$rows | split("\n")[] | select(. != "") | split("|") |
	   {section: .[0], metric: .[1], label: .[2], unit: .[3], n: (.[4] | tonumber),
	    median: (.[5] | num), p10: (.[6] | num), p90: (.[7] | num), min: (.[8] | num),
	    max: (.[9] | num),
	    ratio: (.[10] | if . == "" or (test("^[0-9.]+$") | not) then null else tonumber end),
	    note: (.[10] | if test("^[0-9.]*$") then null else . end)}],
	 sizes: [$sizes | split("\n")[] | select(. != "") | split("|") |
	   {file: .[0], bytes: (.[1] | num)}],
	 leftovers: {mounts_after_sequential_runs: $seq_mounts_left,
	             mount_table_growth_after_sequential_runs: $seq_mounts_growth,
	             cgroups_after_sequential_runs: $seq_cgroups_before_gc,
	             cgroups_after_their_gc: $seq_cgroups_after_gc,
	             mounts: $left_mounts, cgroups: $left_cgroups, processes: $left_procs},
	 failed: $failed}' >"$OUT/results.json"
