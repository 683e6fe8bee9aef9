#!/usr/bin/env bats
# A hostile image, volume or handler, on a host laid out as systemd lays it out: stage1-c must
# leave the host as it found it and keep the app in its root. Each case is an attack that
# worked on an earlier stage1-c (or on another stage1); the namespace check of helpers.bash
# (mount table, /dev, /dev/shm, sysctls, a canary file) runs after every test as well.
# Also run with the sanitizer entrypoints (scripts/run-tests.sh).

load helpers

setup() {
	common_setup
	ROOT=
	MARKER=stage1-c-hostile-$$-$RANDOM
}

teardown() {
	[ -n "${EMPTY_SOURCE_MNT:-}" ] && umount "$EMPTY_SOURCE_MNT" 2>/dev/null
	[ -n "${SAVED_DOMAINNAME:-}" ] && printf '%s\n' "$SAVED_DOMAINNAME" >/proc/sys/kernel/domainname
	rm -rf "/${MARKER:?}" "/dev/shm/${MARKER:?}" "/dev/${MARKER:?}"
	common_teardown
}

# prepare, and ROOT: the app's rootfs, to be made hostile before the pod runs.
prepare_hostile() {
	prepare
	ROOT=$POD/stage1/rootfs/opt/stage2/busybox/rootfs
}

# What rkt's stage0 writes for --dns: the file resolv=stage0 copies.
stage0_resolv_conf() {
	mkdir -p "$POD/stage1/rootfs/etc"
	echo "nameserver 192.0.2.1" >"$POD/stage1/rootfs/etc/rkt-resolv.conf"
}

enter_pod() {
	run --separate-stderr "$STAGE0" enter --dir "$DATA" "$UUID" busybox "$@"
}

# --- the working directory ------------------------------------------------------------------

@test "an app that swaps its working directory for a magic link cannot send enter to the host's root" {
	# A root app without CAP_SYS_CHROOT owns / and replaces /w by a link to its leader's root.
	pod_json '{"exec": ["/bin/sh", "-c", "mv /w /w.old && ln -s /proc/$PPID/root /w && echo swapped; exec sleep 60"],
	           "workingDirectory": "/w",
	           "isolators": [{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_KILL"]}}]}'
	prepare_hostile
	mkdir "$ROOT/w"
	start_pod
	wait_output swapped
	enter_pod /bin/sh -c "touch $MARKER; ls"
	[ ! -e "/$MARKER" ]
	[ "$status" -eq 254 ]
	[[ $stderr == "enter: working directory \"/w\""* ]]
}

@test "a working directory with a newline cannot forge a line of the record, and enter still runs in it" {
	# run records the working directory for enter; a newline in it must not start a line of
	# another section (here a mount gc would detach), and enter must get the path back whole.
	pod_json '{"exec": ["/bin/sh", "-c", "echo up; exec sleep 60"],
	           "workingDirectory": "/w\nmounts stage1/rootfs"}'
	prepare_hostile
	mkdir -p "$ROOT/w"$'\n'"mounts stage1/rootfs"
	start_pod
	wait_output up
	[ "$(grep -c '^mounts ' "$POD/stage1-c.record")" -eq 1 ]
	enter_pod /bin/probe cwd
	[ "$status" -eq 0 ]
	[ "$output" = "cwd=/w"$'\n'"mounts stage1/rootfs" ]
	"$STAGE0" stop --dir "$DATA" "$UUID" >/dev/null
	wait_exit
}

@test "a uid-1000 app that swaps its working directory cannot send enter to the host's root" {
	pod_json '{"exec": ["/bin/sh", "-c", "mv /home/app/w /home/app/w.old && ln -s /proc/$PPID/root /home/app/w && echo swapped; exec sleep 60"],
	           "user": "1000", "group": "1000", "workingDirectory": "/home/app/w"}'
	prepare_hostile
	mkdir -p "$ROOT/home/app/w"
	chown -R 1000:1000 "$ROOT/home/app"
	start_pod
	wait_output swapped
	enter_pod /bin/sh -c "touch $MARKER; ls"
	[ ! -e "/$MARKER" ]
	[ "$status" -eq 254 ]
}

@test "a pre-start handler that swaps the working directory does not move the app out of its root" {
	pod_json '{"exec": ["/bin/sh", "-c", "touch '"$MARKER"'; pwd -P"],
	           "workingDirectory": "/w",
	           "eventHandlers": [{"name": "pre-start", "exec": ["/bin/sh", "-c", "mv /w /w.old && ln -s /proc/$PPID/root /w"]}],
	           "isolators": [{"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_KILL"]}}]}'
	prepare_hostile
	mkdir "$ROOT/w"
	run_pod
	[ ! -e "/$MARKER" ]
	[ "$status" -eq 0 ]
	[ -e "$ROOT/w.old/$MARKER" ]
	[ "$output" = /w.old ]
}

# --- mount targets ---------------------------------------------------------------------------

@test "a mount path ending in .. is refused, leaving the namespace as it was" {
	pod_json '{"exec": ["/bin/true"]}' '[{"name": "root", "kind": "host", "source": "/", "recursive": true}]' \
		'{"mounts": [{"volume": "root", "path": "/v/sub/.."}]}'
	prepare_hostile
	run_pod
	assert_one_line_error 'ends in ".."'
	[ "$(mounts_under "$POD/")" -eq 0 ]
}

@test "a volume cannot be mounted on the app's root itself" {
	local path
	for path in / /. /up/.. /link; do
		pod_json '{"exec": ["/bin/true"]}' "[{\"name\": \"v\", \"kind\": \"host\", \"source\": \"$DATA\"}]" \
			"{\"mounts\": [{\"volume\": \"v\", \"path\": \"$path\"}]}"
		prepare_hostile
		mkdir "$ROOT/up"
		ln -s / "$ROOT/link"
		run_pod
		if [ "$path" = /up/.. ]; then
			assert_one_line_error 'ends in ".."'
		else
			assert_one_line_error "is the app's root"
		fi
		[ "$(mounts_under "$POD/")" -eq 0 ]
	done
}

@test "a read-only volume whose contents hold symlinks cannot turn read-only onto the wrong path" {
	mkdir -p "$DATA/vol"
	ln -s /tmp "$DATA/vol/link"
	pod_json '{"exec": ["/bin/probe", "write:/tmp/x", "write:/ro/y"]}' \
		"[{\"name\": \"ro\", \"kind\": \"host\", \"source\": \"$DATA/vol\", \"readOnly\": true}]" \
		'{"mounts": [{"volume": "ro", "path": "/ro"}]}'
	prepare_hostile
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "write:/tmp/x=ok" ]
	[ "${lines[1]}" = "write:/ro/y=Read-only file system" ]
	[ ! -e "$DATA/vol/y" ]
}

@test "mount targets through dangling symlinks are created inside the rootfs" {
	mkdir -p "$DATA/vol"
	echo marker >"$DATA/vol/marker"
	pod_json '{"exec": ["/bin/probe", "read:/a/dangling/x/y/z/marker", "read:/missing/x/y/z/marker", "read:/b/dangling/x/marker", "read:/missing2/x/marker"]}' \
		"[{\"name\": \"abs\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}, {\"name\": \"rel\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}]" \
		'{"mounts": [{"volume": "abs", "path": "/a/dangling/x/y/z"}, {"volume": "rel", "path": "/b/dangling/x"}]}'
	prepare_hostile
	mkdir "$ROOT/a" "$ROOT/b"
	ln -s /missing "$ROOT/a/dangling"
	ln -s ../missing2 "$ROOT/b/dangling"
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "read:/a/dangling/x/y/z/marker=7:marker|" ]
	[ "${lines[1]}" = "read:/missing/x/y/z/marker=7:marker|" ]
	[ "${lines[2]}" = "read:/b/dangling/x/marker=7:marker|" ]
	[ "${lines[3]}" = "read:/missing2/x/marker=7:marker|" ]
	[ -d "$ROOT/missing/x/y/z" ]
	[ -d "$ROOT/missing2/x" ]
}

@test "a symlink loop or a magic link as a mount target fails with one line" {
	local target
	for target in /loop/x /magic/x; do
		pod_json '{"exec": ["/bin/true"]}' "[{\"name\": \"v\", \"kind\": \"host\", \"source\": \"$DATA\"}]" \
			"{\"mounts\": [{\"volume\": \"v\", \"path\": \"$target\"}]}"
		prepare_hostile
		ln -s /loop "$ROOT/loop"
		ln -s /proc/self/root "$ROOT/magic"
		run_pod
		assert_one_line_error "$target"
		[ "$(mounts_under "$POD/")" -eq 0 ]
	done
}

# --- writes that an image aims at the host ---------------------------------------------------

@test "an image whose /etc is a link into /dev/shm gets no hosts file written there" {
	pod_json '{"exec": ["/bin/true"]}'
	prepare_hostile
	rm -rf "$ROOT/etc"
	ln -s "/dev/shm/$MARKER" "$ROOT/etc"
	mkdir "/dev/shm/$MARKER"
	run_pod
	[ "$status" -eq 0 ]
	[ ! -e "/dev/shm/$MARKER/hosts" ]
	rmdir "/dev/shm/$MARKER"
}

@test "resolv=stage0 refuses to rewrite a host file an image's resolv.conf points at" {
	echo precious >"/dev/shm/$MARKER"
	pod_json '{"exec": ["/bin/true"]}'
	prepare_hostile
	stage0_resolv_conf
	ln -sf "/dev/shm/$MARKER" "$ROOT/etc/resolv.conf"
	run_pod --dns-conf-mode=resolv=stage0
	assert_one_line_error "is on a host file system"
	[ "$(cat "/dev/shm/$MARKER")" = precious ]
}

@test "with --disable-paths an image cannot write a host sysctl through a DNS file" {
	SAVED_DOMAINNAME=$(cat /proc/sys/kernel/domainname)
	pod_json '{"exec": ["/bin/true"]}'
	prepare_hostile
	stage0_resolv_conf
	ln -sf /proc/sys/kernel/domainname "$ROOT/etc/resolv.conf"
	run_pod --disable-paths --dns-conf-mode=resolv=stage0
	assert_one_line_error "is on a host file system"
	[ "$(cat /proc/sys/kernel/domainname)" = "$SAVED_DOMAINNAME" ]
}

@test "a mount target below /dev that the host lacks is refused, not created in the host's /dev" {
	pod_json '{"exec": ["/bin/true"]}' "[{\"name\": \"v\", \"kind\": \"host\", \"source\": \"$DATA\"}]" \
		"{\"mounts\": [{\"volume\": \"v\", \"path\": \"/dev/$MARKER/x\"}]}"
	prepare_hostile
	run_pod
	assert_one_line_error "would be created on a host file system"
	[ ! -e "/dev/$MARKER" ]
}

@test "a mount target that the host has below /dev is mounted on the app's copy only" {
	pod_json '{"exec": ["/bin/probe", "read:/dev/shm/marker"]}' "[{\"name\": \"v\", \"kind\": \"host\", \"source\": \"$DATA/vol\"}]" \
		'{"mounts": [{"volume": "v", "path": "/dev/shm"}]}'
	mkdir "$DATA/vol"
	echo marker >"$DATA/vol/marker"
	prepare_hostile
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "read:/dev/shm/marker=7:marker|" ]
	[ ! -e /dev/shm/marker ] || [ "$(cat /dev/shm/marker)" != marker ]
}

@test "a FIFO where run writes a DNS file fails at once instead of hanging" {
	pod_json '{"exec": ["/bin/true"]}'
	prepare_hostile
	stage0_resolv_conf
	rm -f "$ROOT/etc/resolv.conf"
	mkfifo "$ROOT/etc/resolv.conf"
	run timeout 10 "$STAGE0" run-prepared --dir "$DATA" --dns-conf-mode=resolv=stage0 "$UUID"
	[ "$status" -eq 254 ]
	[[ $output == *"not a regular file"* ]]
}

# --- the host's mount table ------------------------------------------------------------------

@test "a recursive volume of a tree with shared submounts leaves them mounted after gc" {
	pod_json '{"exec": ["/bin/probe", "exists:/hostdev/pts/ptmx"]}' \
		'[{"name": "dev", "kind": "host", "source": "/dev", "recursive": true}]' \
		'{"mounts": [{"volume": "dev", "path": "/hostdev"}]}'
	prepare_hostile
	local before
	before=$(awk '$5 ~ "^/dev" {print $5}' /proc/self/mountinfo | sort)
	run_pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "exists:/hostdev/pts/ptmx=yes" ]
	gc_pod
	[ "$(awk '$5 ~ "^/dev" {print $5}' /proc/self/mountinfo | sort)" = "$before" ]
}

@test "a host mount with an empty source field does not stop pods" {
	[ "$(uname -m)" = x86_64 ] || skip "the mount(2) call below is numbered for x86_64"
	EMPTY_SOURCE_MNT=$DATA/empty-source
	mkdir "$EMPTY_SOURCE_MNT"
	# mount(2) with source "", as Go programs call it: mountinfo shows two spaces in a row.
	perl -e 'my ($s, $t, $f) = ("", $ARGV[0], "tmpfs"); syscall(165, $s, $t, $f, 0, 0) == 0 or die "mount: $!\n"' \
		"$EMPTY_SOURCE_MNT"
	grep -q ' - tmpfs  ' /proc/self/mountinfo
	pod_json '{"exec": ["/bin/true"]}' '' '{}'
	prepare_hostile
	run_pod
	[ "$status" -eq 0 ]
	umount "$EMPTY_SOURCE_MNT"
	EMPTY_SOURCE_MNT=
}

@test "in a pod of two apps, one app's handler cannot swap the other's mount target in a shared volume" {
	# Every app's root is built before any handler or app runs: a's pre-start finds b's
	# mount target in the shared volume already a mount point, and cannot make it a link
	# to the host's root.
	local a b
	a=$(jq -n --arg m "$MARKER" '{exec: ["/bin/true"], user: "0", group: "0",
	  eventHandlers: [{name: "pre-start", exec: ["/bin/sh", "-c",
	    "rm -rf /shared/inner 2>/dev/null; ln -s / /shared/inner 2>/dev/null; echo swap-tried"]}],
	  mountPoints: [{name: "shared", path: "/shared"}]}')
	b=$(jq -n --arg m "$MARKER" '{exec: ["/bin/sh", "-c", "echo x > /shared/inner/\($m); echo b-wrote"],
	  user: "0", group: "0",
	  mountPoints: [{name: "shared", path: "/shared"}, {name: "inner", path: "/shared/inner"}]}')
	jq -n --argjson a "$a" --argjson b "$b" '
	def app($n; $app): {name: $n, image: {name: "example.com/busybox", id: "auto", labels: []}, app: $app};
	{acVersion: "1.30.0", acKind: "PodManifest", apps: [app("a"; $a), app("b"; $b)],
	 volumes: [{name: "shared", kind: "empty"}, {name: "inner", kind: "empty"}], isolators: null,
	 annotations: [], ports: []}' >"$POD_JSON"
	prepare
	run_pod
	[ "$status" -eq 0 ]
	[[ $output == *b-wrote* ]]
	[ -f "$POD/stage1-c/volumes/inner/$MARKER" ]
	[ ! -e "/$MARKER" ]
}
