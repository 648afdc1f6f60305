#!/usr/bin/env bash
# Runs every test: the CUnit binaries (unit, then integration), the scenario
# scripts, and the repository checks (tests/check_*.sh). Counts what should
# have run, not only what failed:
#
#   CUnit binary  prints "harness: registered R" before its run and
#                 "harness: registered R run N passed P failed F setup-failed S
#                 cleanup-failed C" after it (tests/support/harness.c). It
#                 fails when a test failed, a suite's set-up or cleanup failed,
#                 fewer than R tests ran, it crashed or timed out, or it exited
#                 non-zero; every registered test that did not pass counts as
#                 failed. Exit 77 after "harness: skipped: WHY" is a declared
#                 skip: its tests count as skipped, with the reason.
#   script        one test: exit 0 passed, 77 skipped (its last "SKIP: WHY"
#                 line is the reason), anything else failed.
#
# Prints each test's result, the failures with the tail of their logs, then
# "registered R, run N" and the closing line "tests: N passed, N failed,
# N skipped". Exit status 0 only when nothing failed (and, with
# TESTS_FAIL_ON_SKIP=1, as .ci/run sets, nothing was skipped).
#
# Environment:
#   BUILD               build directory (default build)
#   TESTS_STOP_ON_FAIL  1: stop after the first test that fails (make
#                       test-mutants uses it)
#   TESTS_FAIL_ON_SKIP  1: a skipped test fails the run
#   TESTS_ONLY          a regular expression: run only the tests whose name
#                       matches (for quick checks; the summary says so)
#   TESTS_DIR           where the scripts are (default tests: its
#                       integration/test_*.sh and check_*.sh)
# Logs: $BUILD/test-logs/.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
STOP_ON_FAIL=${TESTS_STOP_ON_FAIL:-0}
FAIL_ON_SKIP=${TESTS_FAIL_ON_SKIP:-0}
ONLY=${TESTS_ONLY:-}
DIR=${TESTS_DIR:-tests}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
registered=0
ran=0
pass=0
fail=0
skip=0
failed=()
skipped=()

# why RC: the way a process that exited with RC ended, in words.
why() {
	case $1 in
	124 | 137) echo "timed out" ;;
	77) echo "declared a skip" ;;
	*) if [ "$1" -gt 128 ]; then echo "killed by signal $(($1 - 128)) ($(kill -l $(($1 - 128)) 2>/dev/null))"; else echo "exit $1"; fi ;;
	esac
}

# failed_test NAME REASON LOG: record a failure and show the log's tail.
failed_test() {
	echo "  $1: FAILED: $2; see $3"
	tail -n 30 "$3" | sed 's/^/    | /'
	failed+=("$1 ($2)")
}

stop_if_failed() {
	if [ "$STOP_ON_FAIL" = 1 ] && [ ${#failed[@]} -gt 0 ]; then
		summary
		exit 1
	fi
}

selected() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

run_cunit() {
	local bin=$1 name log rc r n p f s c counts
	name=$(basename "$bin")
	selected "$name" || return 0
	log=$LOGS/$name.log
	timeout -k 10 600 "$bin" >"$log" 2>&1
	rc=$?
	grep -E '^(Suite:|  Test:|    [0-9]+\. |harness: )' "$log" | sed '$a\'

	r=$(awk '$1 == "harness:" && $2 == "registered" && NF == 3 { print $3; exit }' "$log")
	counts=$(awk '$1 == "harness:" && $2 == "registered" && NF == 13 { print $3, $5, $7, $9, $11, $13 }' "$log" | tail -n 1)
	if [ "$rc" -eq 77 ] && grep -q '^harness: skipped: ' "$log"; then
		n=${r:-1}
		[ "$n" -gt 0 ] || n=1
		skip=$((skip + n))
		registered=$((registered + n))
		skipped+=("$name ($(sed -n 's/^harness: skipped: //p' "$log" | head -n 1))")
		echo "  $name: SKIPPED: $(sed -n 's/^harness: skipped: //p' "$log" | head -n 1)"
		return
	fi
	if [ -z "$r" ]; then
		# It never reached its run: set-up before the registry failed.
		registered=$((registered + 1))
		fail=$((fail + 1))
		failed_test "$name" "no tests registered or run ($(why $rc))" "$log"
		return
	fi
	registered=$((registered + r))
	if [ -z "$counts" ]; then
		# Died during its run: what passed counts, the rest failed.
		p=$(grep -c '\.\.\.passed$' "$log")
		ran=$((ran + p))
		pass=$((pass + p))
		fail=$((fail + r - p))
		[ "$r" -gt "$p" ] || fail=$((fail + 1))
		failed_test "$name" "$(why $rc) after $p of $r tests" "$log"
		return
	fi
	set -- $counts
	n=$2 p=$3 f=$4 s=$5 c=$6
	ran=$((ran + n))
	pass=$((pass + p))
	fail=$((fail + r - p))
	if [ "$f" -ne 0 ] || [ "$s" -ne 0 ] || [ "$c" -ne 0 ] || [ "$n" -lt "$r" ] || [ "$rc" -ne 0 ]; then
		local reason=()
		[ "$f" -ne 0 ] && reason+=("$f failed")
		[ "$s" -ne 0 ] && reason+=("$s suite set-up(s) failed")
		[ "$c" -ne 0 ] && reason+=("$c suite cleanup(s) failed")
		[ "$n" -lt "$r" ] && reason+=("$((r - n)) of $r registered tests did not run")
		[ "$rc" -ne 0 ] && reason+=("$(why $rc)")
		# a cleanup failure or bad exit with every test passed is still a failure
		[ "$p" -eq "$r" ] && fail=$((fail + 1))
		local words
		words=$(printf '%s; ' "${reason[@]}")
		failed_test "$name" "${words%; }" "$log"
	fi
}

run_script() {
	local script=$1 name log rc
	name=$(basename "$script" .sh)
	selected "$name" || return 0
	log=$LOGS/$name.log
	registered=$((registered + 1))
	BUILD=$BUILD timeout -k 10 900 bash "$script" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "  Script: $name ...passed"
		ran=$((ran + 1))
		pass=$((pass + 1))
	elif [ "$rc" -eq 77 ]; then
		local reason
		reason=$(sed -n 's/^SKIP: //p' "$log" | tail -n 1)
		echo "  Script: $name ...SKIPPED: ${reason:-no reason given}"
		skip=$((skip + 1))
		skipped+=("$name (${reason:-no reason given})")
	else
		echo "  Script: $name ...FAILED"
		ran=$((ran + 1))
		fail=$((fail + 1))
		failed_test "$name" "$(why $rc)" "$log"
	fi
}

summary() {
	echo
	[ -n "$ONLY" ] && echo "only the tests matching '$ONLY' were run"
	[ ${#skipped[@]} -gt 0 ] && printf 'skipped: %s\n' "${skipped[@]}"
	[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
	if [ "$FAIL_ON_SKIP" = 1 ] && [ "$skip" -gt 0 ]; then
		echo "skips are failures here (TESTS_FAIL_ON_SKIP=1): install what is missing with 'make deps', run as root"
	fi
	echo "registered $registered, run $ran"
	echo "tests: $pass passed, $fail failed, $skip skipped"
}

for t in "$BUILD"/tests/unit/test_* "$BUILD"/tests/integration/test_*; do
	[ -x "$t" ] || continue
	run_cunit "$t"
	stop_if_failed
done
for s in "$DIR"/integration/test_*.sh "$DIR"/check_*.sh; do
	[ -f "$s" ] || continue
	run_script "$s"
	stop_if_failed
done

summary
[ "$fail" -eq 0 ] || exit 1
[ "$FAIL_ON_SKIP" = 1 ] && [ "$skip" -gt 0 ] && exit 1
exit 0
