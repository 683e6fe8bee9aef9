#!/usr/bin/env bats
# The packed stage1-c.aci (not the build tree) through the test stage0: run, enter, stop, gc.

load helpers

setup() {
	DATA=$(mktemp -d /tmp/stage1-c-e2e.XXXXXX)
	POD_JSON=$DATA/pod.json
	IMAGE=$REPO/stage1-c.aci
	[ -f "$IMAGE" ] || skip "no $IMAGE (make builds it)"
	[ -f "$APP_ACI" ] || skip "no app image $APP_ACI"
	STAGE1_BIN=$IMAGE
	ns_check_begin
}

teardown() {
	common_teardown
}

@test "a pod runs from the packed image, is entered, stopped and collected" {
	pod_json '{"exec": ["/bin/sleep", "60"], "isolators": [{"name": "resource/memory", "value": {"limit": "64Mi"}}]}'
	prepare
	# What stage0 rendered is the image's own tree: the annotated entrypoints, the flavor.
	[ "$(readlink "$POD/stage1/rootfs/flavor")" = fly ]
	[ -x "$POD/stage1/rootfs/enter" ]
	start_pod
	wait_ready
	run "$STAGE0" enter --dir "$DATA" "$UUID" busybox /bin/probe ids caps
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "uid=0 gid=0 "* ]]
	[[ $output == *"CapBnd=00000000a80425fb"* ]]
	run "$STAGE0" stop --dir "$DATA" "$UUID"
	[ "$status" -eq 0 ]
	wait_exit
	[ "$EXIT_CODE" -eq 143 ]
	run pod_status
	[[ $output == *"app-busybox=143"* ]]
	gc_pod
	[ ! -d "$POD" ]
	[ -z "$(pod_cgroups "$UUID")" ]
	[ "$(mounts_under "$DATA/")" -eq 0 ]
}

@test "the packed image passes actool's validation" {
	command -v actool >/dev/null || skip "no actool (Debian package appc-spec)"
	run actool validate "$IMAGE"
	[ "$status" -eq 0 ]
}
