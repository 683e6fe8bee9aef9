#!/usr/bin/env bats
# appc's ACE validator: its main and sidekick apps run as one pod through the test stage0,
# sharing an empty volume, with --mds-token and our metadata service (tests/ace/mds) on
# 127.0.0.1:18112, as rkt's own functional test runs them with `rkt run --mds-register`.
# Needs Go and appc's sources (scripts/deps.sh: golang-go, golang-github-appc-spec-dev);
# tests/ace/build.sh builds the validator, the service and the two images into $BUILD/ace
# (once: later runs reuse them). What the validator checks: tests/ace/README.md.
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

ACE=$BUILD/ace
MDS_ADDR=127.0.0.1:18112

setup_file() {
	local rc=0 err
	err=$("$REPO/tests/ace/build.sh" "$ACE" 2>&1) || rc=$?
	# Skipped (by setup) only where Go or appc's sources are not installed (scripts/deps.sh
	# installs them); any other failure to build fails the suite.
	export ACE_SKIP=""
	if [ "$rc" -eq 2 ]; then
		ACE_SKIP=$err
	elif [ "$rc" -ne 0 ]; then
		printf '%s\n' "$err" >&2
		return 1
	fi
}

setup() {
	# common_setup without its busybox image: this suite brings its own.
	[ -z "$ACE_SKIP" ] || skip "$ACE_SKIP"
	DATA=$(mktemp -d /tmp/stage1-c-e2e.XXXXXX)
	POD_JSON=$DATA/pod.json
	[ -x "$STAGE1_BIN/run" ] || skip "no run entrypoint in $STAGE1_BIN"
	ns_check_begin
	MDS_PID=""
	TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
}

teardown() {
	stop_mds
	common_teardown
}

# start_mds: our metadata service for the pod under $DATA, in the background (its log in
# $DATA/mds.log); returns once it listens. teardown stops it, whatever the test did.
start_mds() {
	local _
	rm -f "$DATA/mds.ready"
	# Started from this shell (its parent-death signal is tied to it), fd 3 closed so bats
	# does not wait for it.
	"$ACE/ace-mds" -token "$TOKEN" -data "$DATA" -listen "$MDS_ADDR" -ready "$DATA/mds.ready" \
		-lifetime 5m >"$DATA/mds.log" 2>&1 3>&- &
	MDS_PID=$!
	for _ in $(seq 1 200); do
		[ -s "$DATA/mds.ready" ] && return 0
		kill -0 "$MDS_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "the metadata service did not start: $(cat "$DATA/mds.log")" >&2
	return 1
}

stop_mds() {
	[ -n "${MDS_PID:-}" ] || return 0
	kill -TERM "$MDS_PID" 2>/dev/null || true
	wait "$MDS_PID" 2>/dev/null || true
	MDS_PID=""
}

# ace_pod_json: $POD_JSON, the ACE test's pod as rkt writes it for
# `rkt run --volume database,kind=empty ace-validator-main.aci ace-validator-sidekick.aci`
# (each app's app section copied from its image), with a pod annotation and app annotations
# (one overriding an annotation of the main image, for the metadata service's merge).
ace_pod_json() {
	local main side
	main=$(tar -xzOf "$ACE/ace-validator-main.aci" manifest)
	side=$(tar -xzOf "$ACE/ace-validator-sidekick.aci" manifest)
	jq -n --argjson main "$main" --argjson side "$side" '
	def app($m; $name; $annots):
	  {name: $name, image: {name: $m.name, id: "auto", labels: $m.labels}, app: $m.app,
	   readOnlyRootFS: false, annotations: $annots};
	{acVersion: "0.8.11", acKind: "PodManifest",
	 apps: [app($main; "ace-validator-main";
	            [{name: "lorem", value: "dolor"}, {name: "example.com/ace-app", value: "main"}]),
	        app($side; "ace-validator-sidekick";
	            [{name: "example.com/ace-app", value: "sidekick"}])],
	 volumes: [{name: "database", kind: "empty", readOnly: false, mode: "0755", uid: 0, gid: 0}],
	 isolators: null,
	 annotations: [{name: "coreos.com/rkt/stage1/mutable", value: "false"},
	               {name: "example.com/ace-pod", value: "ace"}],
	 ports: []}' >"$POD_JSON"
}

# show_run: what the pod printed and what the metadata service saw (bats shows it on failure).
show_run() {
	{
		echo "--- status $status; stdout:"
		printf '%s\n' "$output"
		echo "--- stderr:"
		printf '%s\n' "${stderr:-}"
		echo "--- metadata service:"
		cat "$DATA/mds.log" 2>/dev/null || true
	} >&2
}

# line_no TEXT: the number of the only line of $output that is TEXT (fails otherwise).
line_no() {
	local n
	n=$(printf '%s\n' "$output" | grep -nxF -- "$1" | cut -d: -f1)
	if [ -z "$n" ] || [ "$(printf '%s\n' "$n" | wc -l)" -ne 1 ]; then
		echo "not exactly one line \"$1\" in the pod's output" >&2
		return 1
	fi
	echo "$n"
}

@test "appc's ACE validator passes: main and sidekick in one pod, pre-start and post-stop in order" {
	ace_pod_json
	start_mds
	# The validator waits at most 5 s for its peer; a stage1 that never ends the pod fails here.
	run --separate-stderr env STAGE0_UUID_FILE="$DATA/uuid" timeout -k 5 120 \
		"$STAGE0" run --dir "$DATA" --stage1 "$STAGE1_BIN" \
		--image "$ACE/ace-validator-main.aci" --image "$ACE/ace-validator-sidekick.aci" \
		--pod "$POD_JSON" --flags "--mds-token=$TOKEN"
	show_run
	[ "$status" -eq 0 ]
	local pre main side post
	pre=$(line_no "prestart OK")
	main=$(line_no "main OK")
	side=$(line_no "sidekick OK")
	post=$(line_no "poststop OK")
	[ "$pre" -lt "$main" ]
	[ "$main" -lt "$post" ]
	[ "$side" -gt 0 ]
	[[ $output != *FAIL* ]]
	# Every app's status, and the marker files the handlers and main left in main's rootfs.
	UUID=$(cat "$DATA/uuid")
	POD=$DATA/pods/run/$UUID
	run pod_status
	[[ $output == *"state=exited"* ]]
	[[ $output == *"app-ace-validator-main=0"* ]]
	[[ $output == *"app-ace-validator-sidekick=0"* ]]
	local root=$POD/stage1/rootfs/opt/stage2/ace-validator-main/rootfs
	[ -f "$root/prestart" ]
	[ -f "$root/main" ]
	[ -f "$root/poststop" ]
	# The validator asked our service, with the pod's token, and got what it wanted.
	grep -qF "GET /$TOKEN/acMetadata/v1/pod/manifest - 200" "$DATA/mds.log"
	grep -qF "POST /$TOKEN/acMetadata/v1/pod/hmac/verify - 200" "$DATA/mds.log"
	local other
	other=$(grep -v -e ' - 200$' -e 'serving on' "$DATA/mds.log" || true)
	[ -z "$other" ]
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "without --mds-token the apps get no AC_METADATA_URL: main fails, run exits with its status" {
	ace_pod_json
	run --separate-stderr env STAGE0_UUID_FILE="$DATA/uuid" timeout -k 5 120 \
		"$STAGE0" run --dir "$DATA" --stage1 "$STAGE1_BIN" \
		--image "$ACE/ace-validator-main.aci" --image "$ACE/ace-validator-sidekick.aci" \
		--pod "$POD_JSON"
	show_run
	[ "$status" -eq 1 ]
	[ "$(line_no "main FAIL")" -gt 0 ]
	[[ $stderr == *"==> AC_METADATA_URL is not set"* ]]
	# Nothing else of main's checks failed, and its handlers ran around it.
	[ "$(printf '%s\n' "$stderr" | grep -c '^==> ')" -eq 1 ]
	[ "$(line_no "prestart OK")" -lt "$(line_no "main FAIL")" ]
	[ "$(line_no "main FAIL")" -lt "$(line_no "poststop OK")" ]
	UUID=$(cat "$DATA/uuid")
	POD=$DATA/pods/run/$UUID
	run pod_status
	[[ $output == *"app-ace-validator-main=1"* ]]
}
