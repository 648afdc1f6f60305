#!/usr/bin/env bash
# Objective: a vmknetd that crashes says where. SIGSEGV sent to a running
# daemon makes it write "fatal signal 11 (SEGV)", the lcore and a backtrace
# of its frames to its log, then die of SIGSEGV (exit status 139, as
# without the report); the configuration it saved is unchanged, and a new
# vmknetd starts on it, over the control socket the dead one left behind.
# Sanitizer builds keep the sanitizer's report instead (skipped there).
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=vmknetd-crash
VMKD_EAL_ARGS=(--vdev net_null0)
. tests/integration/lib/vmknetd.sh
if ldd "$DAEMON" 2>/dev/null | grep -Eq 'lib(a|t)san'; then
	echo "SKIP: a sanitizer build: the sanitizer reports crashes itself"
	exit 77
fi
start
ok network vswitch standard add -v vSwitch9
cp "$cfg" "$tmp/saved.json"
kill -SEGV "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 139 ] || fail "vmknetd exited $rc on SIGSEGV, not 139 (killed by it)"
grep -q '^vmknetd: fatal signal 11 (SEGV), address 0x[0-9a-f]*, lcore [0-9a-z]*; backtrace:$' "$log" ||
	fail "no crash report line in the log"
frames=$(sed -n '/; backtrace:$/,$p' "$log" | grep -c '\[0x[0-9a-f]*\]$' || true)
[ "$frames" -ge 3 ] || fail "the backtrace has $frames frames"
sed -n '/; backtrace:$/,$p' "$log" | grep -q 'vmknetd(' || fail "no frame of vmknetd itself"
cmp -s "$cfg" "$tmp/saved.json" || fail "the saved configuration changed"
start
cli network vswitch standard list | grep -q '^vSwitch9$' || fail "vSwitch9 lost across the crash"
stop
echo "test_vmknetd_crash_report: all checks passed"
