# What a pod must leave as it was in the mount namespace it ran in (sourced by helpers.bash and
# killstep): the mount table, the names in /dev and /dev/shm, a few kernel settings, and a
# canary file outside the pod. A test takes the state before its pods and compares after.
# (Bash builtins only, but for one stat: killstep takes this state twice in each of hundreds
# of steps.)

# mounts_below DIR: the mountinfo lines of the mounts at or below DIR (none: no output).
mounts_below() {
	local id parent dev root mp rest
	while read -r id parent dev root mp rest; do
		if [ "$mp" = "$1" ] || [[ $mp == "$1"/* ]]; then
			echo "$id $parent $dev $root $mp $rest"
		fi
	done </proc/self/mountinfo
}

# ns_canary_create: a file outside any pod, with random content; prints its path.
ns_canary_create() {
	local f
	f=$(mktemp /dev/shm/stage1-c-canary.XXXXXX)
	echo "$SRANDOM$SRANDOM$SRANDOM$SRANDOM" >"$f"
	echo "$f"
}

# ns_state_get EXCLUDE_DIR [CANARY]: sets NS_STATE to this namespace's state, one item a line.
# Mounts: mount point, root, fstype, source, mount options, superblock options and propagation
# (peer groups), in the table's order; mount IDs and parents left out, and the mounts at or
# below EXCLUDE_DIR (the test's data dir, where pods mount). Then the names in /dev and
# /dev/shm, kernel settings a fly pod shares with the host, and the canary's content and mtime.
ns_state_get() {
	local exclude=$1 canary=${2:-} line head tail rest mp prop d f k v globs=""
	local -a fields
	NS_STATE="# mounts"
	while IFS= read -r line; do
		# "ID PARENT DEV ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS",
		# single spaces (a source may be empty); a space in a name is written \040.
		head=${line%% - *}
		tail=${line#* - }
		read -r -a fields <<<"$head"
		mp=${fields[4]}
		if [ -n "$exclude" ] && { [ "$mp" = "$exclude" ] || [[ $mp == "$exclude"/* ]]; }; then
			continue
		fi
		prop=${fields[*]:6}
		rest=${tail#* }
		NS_STATE+=$'\n'"$mp ${fields[3]} ${tail%% *} ${rest%% *} ${fields[5]} ${rest#* } ${prop:-private}"
	done </proc/self/mountinfo
	[[ :$BASHOPTS: == *:dotglob:* ]] || globs+=" dotglob"
	[[ :$BASHOPTS: == *:nullglob:* ]] || globs+=" nullglob"
	# shellcheck disable=SC2086
	[ -z "$globs" ] || shopt -s $globs
	for d in /dev /dev/shm; do
		NS_STATE+=$'\n'"# ls $d"
		for f in "$d"/*; do
			NS_STATE+=$'\n'"${f##*/}"
		done
	done
	# shellcheck disable=SC2086
	[ -z "$globs" ] || shopt -u $globs
	NS_STATE+=$'\n'"# sysctls"
	for k in kernel/hostname kernel/domainname kernel/core_pattern kernel/modprobe vm/panic_on_oom; do
		[ -e "/proc/sys/$k" ] || continue
		v=""
		read -r v <"/proc/sys/$k" || true
		NS_STATE+=$'\n'"$k=$v"
	done
	if [ -n "$canary" ]; then
		NS_STATE+=$'\n'"# canary"
		if [ -f "$canary" ]; then
			v=""
			read -r v <"$canary" || true
			NS_STATE+=$'\n'"$canary content=$v mtime=$(stat -c %y "$canary")"
		else
			NS_STATE+=$'\n'"$canary missing"
		fi
	fi
}

# ns_state EXCLUDE_DIR [CANARY]: prints what ns_state_get gets.
ns_state() {
	ns_state_get "$@"
	printf '%s\n' "$NS_STATE"
}

# ns_diff BEFORE EXCLUDE_DIR [CANARY]: compare the state now with BEFORE (ns_state's output);
# prints a unified diff and returns 1 when they differ.
ns_diff() {
	local before=$1
	ns_state_get "$2" "${3:-}"
	[ "$NS_STATE" != "$before" ] || return 0
	diff -u --label "namespace before" --label "namespace after" \
		<(printf '%s\n' "$before") <(printf '%s\n' "$NS_STATE") || true
	return 1
}
