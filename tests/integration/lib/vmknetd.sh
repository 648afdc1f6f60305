# Shared harness for the integration scripts that drive a running vmknetd.
# Sourced, never run: it lives outside tests/run.sh's test_*.sh glob.
#
# Usage, from a script that has already done `set -euo pipefail` and
# `cd "$(dirname "$0")/../.."` (the repository root):
#
#   VMKD_NAME=vmkcli-test                   # required, see below
#   VMKD_EAL_ARGS=(--vdev net_null0)        # optional settings, see below
#   . tests/integration/lib/vmknetd.sh
#
# Settings (set before sourcing; VMKD_LCORES, VMKD_MEM, VMKD_EAL_ARGS and
# VMKD_NO_SHCONF are read by each start, so they may also change later):
#   VMKD_NAME           names the temporary directory (/tmp/$VMKD_NAME.XXXXXX)
#                       and the EAL --file-prefix ($VMKD_NAME-$$-$runs).
#   VMKD_LCORES         default lcore list for start (default 0).
#   VMKD_MEM            EAL -m, in MB (default 256).
#   VMKD_NO_SHCONF      1 (default) passes --no-shconf; 0 leaves it out (for
#                       scripts that read DPDK telemetry).
#   VMKD_EAL_ARGS       array of extra EAL arguments, e.g. the --vdev list.
#   VMKD_DAEMON_ARGS    array of extra vmknetd options (after --config and
#                       --control), e.g. (--mbuf-size 10368).
#   VMKD_STOP_CHECK_SOCK 1: stop also fails when the control socket is left
#                       behind after SIGTERM (default 0).
#   VMKD_LOG_TAIL       empty (default): cleanup always prints the whole
#                       vmknetd log; N: it prints the last N lines, and only
#                       when the script fails.
#   VMKD_CLEANUP_HOOK   name of a function cleanup calls after stopping
#                       vmknetd and before removing $tmp (e.g. to delete a
#                       network namespace); its failures are ignored.
#
# Variables it sets (a script may reassign cfg, sock and log before start):
#   BUILD (default build), DAEMON, CLI: the build and its binaries.
#   tmp: the temporary directory, removed on exit.
#   cfg=$tmp/etc/config.json  sock=$tmp/run/vmknetd.sock  log=$tmp/vmknetd.log
#   pid: the running vmknetd, empty when none.  runs: how many starts so far.
#   prefix: the EAL --file-prefix of the last start.
#
# Functions:
#   fail MSG...        print "FAIL: MSG" on stderr and exit 1.
#   start [LCORES]     start vmknetd in the background (log appended to $log)
#                      and wait until it answers `network nic list`; fails if
#                      it exits meanwhile or does not answer within 20 s.
#   stop               SIGTERM vmknetd, wait, fail unless it exited 0 (and,
#                      with VMKD_STOP_CHECK_SOCK=1, if $sock is left behind).
#   cli ARGS...        vmkcli --control $sock ARGS...
#   ok ARGS...         cli ARGS..., which must succeed.
#   json ARGS...       cli --formatter=json ARGS...
#   json_check EXPR    run the Python statements EXPR with d = the JSON
#                      document on stdin; fail if they raise.
#   refused STATUS PATTERN ARGS...
#                      cli ARGS... must exit STATUS with PATTERN on stderr,
#                      print nothing on stdout and leave $cfg byte for byte
#                      unchanged. Uses $tmp/out and $tmp/err.
#   refused_file PATTERN
#                      vmknetd, started on $cfg (with VMKD_EAL_ARGS and
#                      VMKD_DAEMON_ARGS), must refuse it: exit 1 with PATTERN
#                      in its output, the file byte for byte unchanged, no
#                      control socket. Uses $tmp/refuse.log.
#   cleanup            the EXIT trap: stops a vmknetd still running, runs
#                      VMKD_CLEANUP_HOOK, prints the log, removes $tmp.

: "${VMKD_NAME:?set VMKD_NAME before sourcing tests/integration/lib/vmknetd.sh}"
: "${VMKD_LCORES:=0}" "${VMKD_MEM:=256}" "${VMKD_NO_SHCONF:=1}"
: "${VMKD_STOP_CHECK_SOCK:=0}" "${VMKD_LOG_TAIL:=}" "${VMKD_CLEANUP_HOOK:=}"
[ -n "${VMKD_EAL_ARGS+x}" ] || VMKD_EAL_ARGS=()
[ -n "${VMKD_DAEMON_ARGS+x}" ] || VMKD_DAEMON_ARGS=()

BUILD=${BUILD:-build}
DAEMON=$BUILD/bin/vmknetd
CLI=$BUILD/bin/vmkcli
tmp=$(mktemp -d "/tmp/$VMKD_NAME.XXXXXX")
cfg=$tmp/etc/config.json
sock=$tmp/run/vmknetd.sock
log=$tmp/vmknetd.log
pid=
runs=0
prefix=

cleanup() {
	local rc=$?
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "$VMKD_CLEANUP_HOOK" ]; then
		"$VMKD_CLEANUP_HOOK" || true
	fi
	if [ -z "$VMKD_LOG_TAIL" ]; then
		[ -f "$log" ] && { echo "--- vmknetd log"; cat "$log"; }
	elif [ "$rc" -ne 0 ] && [ -f "$log" ]; then
		echo "--- vmknetd log (last lines)"
		tail -n "$VMKD_LOG_TAIL" "$log"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# start [lcores]: start vmknetd in the background and wait until it answers.
start() {
	local lcores=${1:-$VMKD_LCORES} shconf=()
	[ "$VMKD_NO_SHCONF" = 1 ] && shconf=(--no-shconf)
	runs=$((runs + 1))
	prefix="$VMKD_NAME-$$-$runs"
	"$DAEMON" -l "$lcores" --no-pci --no-huge "${shconf[@]}" -m "$VMKD_MEM" \
		--file-prefix="$prefix" --log-level='*:warning' \
		"${VMKD_EAL_ARGS[@]}" -- --config "$cfg" --control "$sock" \
		"${VMKD_DAEMON_ARGS[@]}" >>"$log" 2>&1 &
	pid=$!
	for _ in $(seq 1 200); do
		"$CLI" --control "$sock" network nic list >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || fail "vmknetd exited during start"
		sleep 0.1
	done
	fail "vmknetd did not answer within 20 s"
}

stop() {
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	pid=
	[ "$rc" -eq 0 ] || fail "vmknetd exited with $rc on SIGTERM"
	if [ "$VMKD_STOP_CHECK_SOCK" = 1 ]; then
		[ ! -e "$sock" ] || fail "socket left behind after SIGTERM"
	fi
}

cli() { "$CLI" --control "$sock" "$@"; }

# ok CMD...: must succeed.
ok() { cli "$@" || fail "vmkcli $* failed"; }

json() { cli --formatter=json "$@"; }

json_check() { python3 -c "import json,sys; d=json.load(sys.stdin); $1" || fail "json check: $1"; }

# refused STATUS PATTERN CMD...: must fail with STATUS and PATTERN on stderr,
# print nothing on stdout, and leave the saved file untouched.
refused() {
	local want=$1 pattern=$2 rc=0 before after
	shift 2
	before=$(sha256sum "$cfg")
	cli "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	after=$(sha256sum "$cfg")
	[ "$rc" -eq "$want" ] || fail "vmkcli $*: exit $rc, want $want ($(cat "$tmp/err"))"
	grep -q -- "$pattern" "$tmp/err" || fail "vmkcli $*: stderr lacks '$pattern': $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "vmkcli $*: printed on stdout: $(cat "$tmp/out")"
	[ "$before" = "$after" ] || fail "vmkcli $*: a refused change modified the file"
	echo "refused as expected: vmkcli $* -> $(head -n 1 "$tmp/err")"
}

refused_file() {
	local pattern=$1 sum rc=0
	sum=$(sha256sum <"$cfg")
	runs=$((runs + 1))
	timeout 60 "$DAEMON" -l 0 --no-pci --no-huge --no-shconf -m "$VMKD_MEM" \
		--file-prefix="$VMKD_NAME-$$-$runs" --log-level='*:warning' "${VMKD_EAL_ARGS[@]}" \
		-- --config "$cfg" --control "$sock" "${VMKD_DAEMON_ARGS[@]}" \
		>"$tmp/refuse.log" 2>&1 || rc=$?
	cat "$tmp/refuse.log"
	[ "$rc" -eq 1 ] || fail "vmknetd accepted a bad file (exit $rc)"
	grep -q -- "$pattern" "$tmp/refuse.log" || fail "refusal does not name the problem: $pattern"
	[ "$sum" = "$(sha256sum <"$cfg")" ] || fail "a refused file was modified"
	[ ! -e "$sock" ] || fail "socket created for a refused file"
}
