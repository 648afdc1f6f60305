#!/usr/bin/env bash
# Objective: the switch forwards right while the control plane changes it
# under a running worker, with no data race ThreadSanitizer can see. Builds
# tests/stress/vswitch_stress.c and the vswitch and common layers with
# clang -fsanitize=thread (make tsan-stress: build-tsan/, incremental) and
# runs it with halt_on_error=1 and tests/tsan.supp (DPDK frames only; empty
# today). Passes only when TSan reported nothing and every check of the stress
# test passed (frames delivered inside their VLAN and never back to their
# port, the switch's counters equal to what went in and came out, exact
# unicast to a registered MAC after the churn, pools whole). A missing
# clang-14 or TSan runtime (libclang-rt-14-dev) is a failure ("make deps"),
# never a skip. About 15 s from a clean build-tsan/ on 2 cores, 3 s once
# built. The caller holds the DPDK lock (make test is run under it).
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib/need.sh
fail() { echo "FAIL: $*"; exit 1; }
TSA_CC=${TSA_CC:-clang-14}
need "$TSA_CC" make
echo 'int main(void) { return 0; }' | "$TSA_CC" -x c -fsanitize=thread - -o /dev/null 2>/dev/null ||
	fail "$TSA_CC cannot link a -fsanitize=thread binary (libclang-rt-14-dev): run 'make deps'"
log=build-tsan/vswitch_stress.log
rm -f "$log"
start=${EPOCHREALTIME/./}
out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -j2 tsan-stress \
	TSA_CC="$TSA_CC" 2>&1)
rc=$?
ms=$(((${EPOCHREALTIME/./} - start) / 1000))
[ -f "$log" ] || { echo "$out" | tail -n 30; fail "make tsan-stress did not run the stress test"; }
if grep -q 'ThreadSanitizer' "$log"; then
	sed -n '/WARNING: ThreadSanitizer/,/^SUMMARY/p' "$log" | head -n 80
	fail "ThreadSanitizer reported a race (above; the whole log: $log)"
fi
[ "$rc" -eq 0 ] || { tail -n 30 "$log"; fail "the stress test failed (make tsan-stress: $rc)"; }
grep -qE '^ +asserts( +[0-9]+){3} +0 ' "$log" && grep -qE '^ +tests +1 +1 +1 +0 ' "$log" ||
	{ tail -n 20 "$log"; fail "the stress test's checks did not all pass"; }
echo "check_tsan_stress: no race, $(awk '$1 == "asserts" { print $3 }' "$log") checks passed, build and run in $ms ms"
