#!/usr/bin/env bash
# Runs every test: the CUnit binaries (unit, then integration), the scenario
# scripts, and the exported-symbol check. Prints each test's result, then one
# closing line "N passed, N failed". Exit status 0 only when nothing failed.
# Logs: $BUILD/test-logs/.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
pass=0
fail=0
failed=()

run_cunit() {
	local bin=$1 name log summary
	name=$(basename "$bin")
	log=$LOGS/$name.log
	timeout -k 10 600 "$bin" >"$log" 2>&1
	local rc=$?
	grep -E '^(Suite:|  Test:|    [0-9]+\. )' "$log"
	summary=$(awk '$1 == "tests" && NF == 6 { print $4, $5 }' "$log" | tail -n 1)
	if [ -z "$summary" ]; then
		echo "  $name: no CUnit summary (exit $rc); see $log"
		tail -n 20 "$log" | sed 's/^/    | /'
		fail=$((fail + 1))
		failed+=("$name")
		return
	fi
	set -- $summary
	pass=$((pass + $1))
	fail=$((fail + $2))
	if [ "$2" -ne 0 ] || [ "$rc" -ne 0 ]; then
		failed+=("$name")
		[ "$2" -eq 0 ] && { fail=$((fail + 1)); echo "  $name: exit $rc; see $log"; }
	fi
}

run_script() {
	local script=$1 name log
	name=$(basename "$script" .sh)
	log=$LOGS/$name.log
	if BUILD=$BUILD timeout -k 10 900 bash "$script" >"$log" 2>&1; then
		echo "  Script: $name ...passed"
		pass=$((pass + 1))
	else
		echo "  Script: $name ...FAILED (see $log)"
		tail -n 30 "$log" | sed 's/^/    | /'
		fail=$((fail + 1))
		failed+=("$name")
	fi
}

for t in "$BUILD"/tests/unit/test_* "$BUILD"/tests/integration/test_*; do
	[ -x "$t" ] && run_cunit "$t"
done
for s in tests/integration/test_*.sh; do
	[ -f "$s" ] && run_script "$s"
done
if tests/check_symbols.sh "$BUILD/lib/libvmknet.a" "$BUILD/lib/libvmknet.so" >"$LOGS/symbols.log" 2>&1; then
	echo "  Check: library exports only vmk_ symbols ...passed"
	pass=$((pass + 1))
else
	echo "  Check: library exports only vmk_ symbols ...FAILED"
	sed 's/^/    | /' "$LOGS/symbols.log"
	fail=$((fail + 1))
	failed+=("symbols")
fi

[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
