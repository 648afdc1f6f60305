#!/usr/bin/env bash
# Objective: tests/run.sh cannot report success for tests that did not run.
# It runs on a set of small test binaries and scripts built here, each of
# which goes wrong in one way, and checks what the runner says of each:
#   all tests pass                       -> passed, exit 0
#   a suite's set-up fails (returns -1)  -> failed, "set-up", its tests failed
#   a suite's cleanup fails              -> failed, "cleanup"
#   the binary crashes after one test    -> failed, "signal 6 after 1 of 3"
#   the binary hangs                     -> (not built: the 600 s limit is
#                                          timeout(1)'s; "timed out" is the
#                                          words for its exit 124/137)
#   main returns before its run          -> failed, "no tests registered or run"
#   a declared skip (th_skip)            -> skipped with its reason; exit 0,
#                                           but exit 1 with TESTS_FAIL_ON_SKIP=1
#   a script exits 77 / 1 / 0            -> skipped / failed / passed
# and that the closing line counts them: "tests: P passed, F failed, S skipped".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
fail() { echo "FAIL: $*"; exit 1; }
harness=$BUILD/obj/tests/support/harness.o
runner_o=$BUILD/obj/tests/support/cunit_run.o
lib=$BUILD/lib/libvmknet.a   # the public archive: harness.o needs only vmk_eal_*
[ -f "$harness" ] && [ -f "$runner_o" ] && [ -f "$lib" ] || fail "build first (make): $harness, $runner_o, $lib"
# A sanitizer build's objects need the same runtime at link time.
san=()
nm "$harness" 2>/dev/null | grep -q __asan_init && san=(-fsanitize=address,undefined)
tmp=$(mktemp -d /tmp/vmk-check-runner.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/build/tests/unit" "$tmp/tests/integration"

# fake NAME BODY: a CUnit binary whose main is BODY (with the helpers below).
fake() {
	cat >"$tmp/$1.c" <<EOF
#include <signal.h>
#include <CUnit/CUnit.h>
#include "support/harness.h"
static void ok(void) { CU_ASSERT(1); }
static void crash(void) { raise(SIGABRT); }   /* not SEGV: ASan would catch that */
static int good(void) { return 0; }
static int bad(void) { return -1; }
int main(void)
{
	CU_pSuite s;
	(void)good; (void)bad; (void)crash; (void)s;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	$2
}
EOF
	cc "${san[@]}" -std=gnu11 -Itests -Iinclude $(pkg-config --cflags libdpdk cunit) "$tmp/$1.c" -o "$tmp/build/tests/unit/$1" \
		"$harness" "$runner_o" "$lib" $(pkg-config --libs libdpdk libpcap libcjson cunit) -lrte_net_ring -lpthread -lm ||
		fail "cannot build $1"
}
three='CU_add_test(s, "a", ok); CU_add_test(s, "b", ok); CU_add_test(s, "c", ok);'
fake test_fake_pass "s = CU_add_suite(\"pass\", good, good); $three return th_run_suites();"
fake test_fake_setup "s = CU_add_suite(\"setup\", bad, good); $three return th_run_suites();"
fake test_fake_cleanup "s = CU_add_suite(\"cleanup\", good, bad); $three return th_run_suites();"
fake test_fake_crash "s = CU_add_suite(\"crash\", good, good); CU_add_test(s, \"a\", ok); CU_add_test(s, \"b\", crash); CU_add_test(s, \"c\", ok); return th_run_suites();"
fake test_fake_early "s = CU_add_suite(\"early\", good, good); $three return 1;"
fake test_fake_skip "s = CU_add_suite(\"skip\", good, good); $three return th_skip(\"needs a unicorn: install one\");"
printf '#!/bin/sh\necho "SKIP: needs root: run as root"\nexit 77\n' >"$tmp/tests/integration/test_fake_s77.sh"
printf '#!/bin/sh\necho "FAIL: broken"\nexit 1\n' >"$tmp/tests/integration/test_fake_s1.sh"
printf '#!/bin/sh\necho "all good"\nexit 0\n' >"$tmp/tests/integration/test_fake_s0.sh"

# runner EXPECTED_RC OUT [ENV...]: run tests/run.sh on the fakes.
runner() {
	local want=$1 out=$2 rc=0
	shift 2
	env -u TESTS_FAIL_ON_SKIP -u TESTS_STOP_ON_FAIL BUILD="$tmp/build" TESTS_DIR="$tmp/tests" TESTS_ONLY='^test_fake_' "$@" tests/run.sh >"$out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$out"; fail "run.sh $*: exit $rc, want $want"; }
}
has() { grep -qE -- "$2" "$1" || { cat "$1"; fail "run.sh's output lacks /$2/"; }; }

runner 1 "$tmp/all"
has "$tmp/all" 'test_fake_setup: FAILED: .*suite set-up'
has "$tmp/all" 'test_fake_cleanup: FAILED: .*suite cleanup'
has "$tmp/all" 'test_fake_crash: FAILED: killed by signal 6 .* after 1 of 3 tests'
has "$tmp/all" 'test_fake_early: FAILED: no tests registered or run'
has "$tmp/all" 'test_fake_skip: SKIPPED: needs a unicorn: install one'
has "$tmp/all" 'Script: test_fake_s77 \.\.\.SKIPPED: needs root: run as root'
has "$tmp/all" 'Script: test_fake_s1 \.\.\.FAILED'
has "$tmp/all" 'Script: test_fake_s0 \.\.\.passed'
# pass: 3 (pass) + 3 (cleanup: its tests passed) + 1 (crash) + 1 (s0) = 8
# fail: 3 (setup) + 1 (cleanup) + 2 (crash) + 1 (early) + 1 (s1) = 8
# skip: 3 (skip) + 1 (s77) = 4; registered: 3 x 5 + 1 (early: it never
# said) + 3 scripts = 19; run: 3 + 0 + 3 + 1 (the crash's first) + 2 scripts
has "$tmp/all" '^registered 19, run 9$'
has "$tmp/all" '^tests: 8 passed, 8 failed, 4 skipped$'
[ "$(tail -n 1 "$tmp/all")" = "tests: 8 passed, 8 failed, 4 skipped" ] || fail "closing line is not last"

runner 0 "$tmp/ok" TESTS_ONLY='^test_fake_(pass|skip|s0|s77)$'
has "$tmp/ok" '^tests: 4 passed, 0 failed, 4 skipped$'
runner 1 "$tmp/strict" TESTS_ONLY='^test_fake_(pass|skip|s0|s77)$' TESTS_FAIL_ON_SKIP=1
has "$tmp/strict" 'skips are failures here'
runner 1 "$tmp/stop" TESTS_ONLY='^test_fake_(pass|setup|s0)$' TESTS_STOP_ON_FAIL=1
grep -q 'test_fake_s0' "$tmp/stop" && { cat "$tmp/stop"; fail "TESTS_STOP_ON_FAIL=1 ran on after a failure"; }
has "$tmp/stop" '^failed: test_fake_setup'
echo "check_runner: set-up, cleanup, crash, early exit, skips and stop-on-fail are all counted"
