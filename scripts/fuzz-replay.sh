#!/bin/bash
# Run each libFuzzer harness (BUILD_DIR/fuzz/bin/fuzz_NAME, mk/fuzz.mk) once over every file of
# its seed corpus (tests/fuzz/corpus/NAME/): the crashes, leaks and timeouts found so far stay
# fixed. Prints TAP: the plan, then one line per harness; exits non-zero on any failure. Where
# clang or its libFuzzer runtime is missing, every harness is a SKIP.
# Usage: scripts/fuzz-replay.sh BUILD_DIR
set -uo pipefail
[ $# -eq 1 ] || {
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
}
build=$(cd "$1" 2>/dev/null && pwd) || build=$1
cd "$(dirname "$0")/.." || exit 2

names=()
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=${src#tests/fuzz/fuzz_}
	names+=("${name%.c}")
done

have_libfuzzer() {
	local dir
	dir=$(${FUZZ_CC:-clang} -print-runtime-dir 2>/dev/null) || return 1
	compgen -G "$dir/libclang_rt.fuzzer*.a" >/dev/null
}
skip=
have_libfuzzer || skip="clang with libFuzzer not installed"

# Output, and the input libFuzzer saves on a failure (else it writes into the current directory).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
echo "1..${#names[@]}"
n=0
failed=0
for name in "${names[@]}"; do
	n=$((n + 1))
	bin=$build/fuzz/bin/fuzz_$name
	if [ -n "$skip" ] && [ ! -x "$bin" ]; then
		echo "ok $n - fuzz replay $name # SKIP $skip"
		continue
	fi
	inputs=()
	for f in "tests/fuzz/corpus/$name"/*; do
		[ -f "$f" ] && inputs+=("$f")
	done
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz replay $name (not built: make fuzz-build)"
		failed=$((failed + 1))
	elif [ ${#inputs[@]} -eq 0 ]; then
		echo "not ok $n - fuzz replay $name (no seed corpus in tests/fuzz/corpus/$name)"
		failed=$((failed + 1))
	elif ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$tmp/" "${inputs[@]}" >"$out" 2>&1; then
		echo "ok $n - fuzz replay $name (${#inputs[@]} inputs)"
	else
		echo "not ok $n - fuzz replay $name (${#inputs[@]} inputs)"
		# What failed, as TAP diagnostics: the input, the check or the sanitizer's report.
		grep -E '^(Running: |==[0-9]+==|SUMMARY|.*check failed|.*runtime error)' "$out" |
			tail -n 20 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
