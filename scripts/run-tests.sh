#!/bin/bash
# Run every test: the unit tests (plain and under ASan/UBSan), then the end-to-end bats suites
# (with the product's static entrypoints, then with the sanitizer builds), each suite in a mount
# namespace of its own with / shared, as on a systemd host (tests/e2e/mountns): a stage1 that
# damages the mount table damages that namespace, fails the test, and leaves the machine's
# alone. Prints each runner's TAP and ends with one line "N passed, N failed" over every test
# that ran.
# Env: BUILD (absolute build dir; default ./build), E2E=0 to skip end-to-end suites.
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
	# Every suite with the product's static entrypoints; the pod suites (those that start pods
	# through helpers.bash) once more with the ASan/UBSan entrypoints.
	all_suites=(tests/e2e/*.bats)
	mapfile -t pod_suites < <(grep -l '^# Also run with the sanitizer entrypoints' tests/e2e/*.bats)
	for variant in bin san/bin; do
		suites=("${all_suites[@]}")
		[ "$variant" = san/bin ] && suites=("${pod_suites[@]}")
		for suite in "${suites[@]}"; do
			echo "# end-to-end with $variant: $suite"
			STAGE1_BIN=$BUILD/$variant tests/e2e/mountns bats --tap "$suite" >"$log" 2>&1
			rc=$?
			sed "s|^\(not \)\{0,1\}ok [0-9]* |&[$variant] |" "$log"
			count "bats $suite ($variant)" "$rc"
		done
	done
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
