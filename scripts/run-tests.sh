#!/bin/bash
# Run every test: the unit tests (plain and under ASan/UBSan), then the end-to-end bats suites,
# each suite in a mount namespace of its own with / shared, as on a systemd host
# (tests/e2e/mountns): a stage1 that damages the mount table damages that namespace, fails the
# test, and leaves the machine's alone. Prints each runner's TAP and ends with one line
# "N passed, N failed, N skipped" over every test that ran.
#
# The end-to-end passes, chosen for what each finds against what it costs on a 2-core VM:
#   [bin]             every suite, static entrypoints, pods rendered as rkt 1.30 renders them by
#                     default (overlays of the tree store, mounted in the caller's namespace);
#   [bin,no-overlay]  every suite but killsteps, static entrypoints, pods rendered as plain
#                     copies (rkt --no-overlay): the app's rootfs is then no mount point of its
#                     own, and writes land on the data dir's file system;
#   [san/bin]         the pod suites with the ASan/UBSan entrypoints, overlays only: the
#                     sanitizers look at stage1's code, which runs the same on both renderings.
# killsteps (2.5-4.5 min alone: hundreds of pods killed at each system call) runs once, on
# overlays, where run's base mount stacks on a mount stage0 made and gc must tell them apart.
# Env: BUILD (absolute build dir; default ./build), E2E=0 to skip end-to-end suites,
# E2E_PASSES (default "bin bin,no-overlay san/bin") to run some of them.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build}
export BUILD
passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Count TAP lines of one runner's output; a runner that dies without its plan counts as a failure.
count() {
	local name=$1 rc=$2 ok notok skip
	ok=$(grep -cE '^ok ' "$log")
	skip=$(grep -ciE '^ok .*# skip' "$log")
	notok=$(grep -cE '^not ok ' "$log")
	passed=$((passed + ok - skip))
	skipped=$((skipped + skip))
	failed=$((failed + notok))
	if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
		echo "# $name exited with status $rc without a failing test: counted as one failure"
		failed=$((failed + 1))
	fi
}

run_unit() {
	local t
	for t in "$@"; do
		[ -x "$t" ] || continue
		echo "# ${t#"$BUILD"/}"
		CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 "$t" >"$log" 2>&1
		local rc=$?
		cat "$log"
		count "$t" "$rc"
	done
}

run_unit "$BUILD"/tests/test_*
run_unit "$BUILD"/san/tests/test_*

# Every fuzz harness once over its seed corpus (mk/fuzz.mk): what fuzzing found stays fixed.
echo "# fuzz corpus replay"
scripts/fuzz-replay.sh "$BUILD" >"$log" 2>&1
rc=$?
cat "$log"
count "fuzz replay" "$rc"

if [ "${E2E:-1}" != 0 ]; then
	all_suites=(tests/e2e/*.bats)
	mapfile -t pod_suites < <(grep -l '^# Also run with the sanitizer entrypoints' tests/e2e/*.bats)
	for pass in ${E2E_PASSES:-bin bin,no-overlay san/bin}; do
		variant=${pass%%,*}
		no_overlay=0
		[[ $pass == *,no-overlay ]] && no_overlay=1
		case $pass in
		bin) suites=("${all_suites[@]}") ;;
		bin,no-overlay)
			suites=()
			for suite in "${all_suites[@]}"; do
				[ "$suite" = tests/e2e/killsteps.bats ] || suites+=("$suite")
			done
			;;
		san/bin) suites=("${pod_suites[@]}") ;;
		*)
			echo "# unknown end-to-end pass $pass: counted as one failure"
			failed=$((failed + 1))
			continue
			;;
		esac
		for suite in "${suites[@]}"; do
			echo "# end-to-end [$pass]: $suite"
			STAGE0_NO_OVERLAY=$no_overlay STAGE1_BIN=$BUILD/$variant \
				tests/e2e/mountns bats --tap "$suite" >"$log" 2>&1
			rc=$?
			sed "s|^\(not \)\{0,1\}ok [0-9]* |&[$pass] |" "$log"
			count "bats $suite ($pass)" "$rc"
		done
	done
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
