#!/usr/bin/env bash
# Objective: vmktop shows what the switch is doing. With vmknetd forwarding
# (a worker lcore) and an uplink whose device generates frames (net_null's
# rx returns frames endlessly), batch mode (-b -n, esxtop -b's CSV) parses
# in a script: a header column per port and counter, one row per sample,
# and the uplink's receive rate is above zero; the interactive view has
# esxtop's columns; bad usage exits 2 and an unreachable daemon 1. The same
# counters are published through DPDK telemetry (/vmknet/ports and
# /vmknet/port on the telemetry socket) and grow between two reads.
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=vmktop-test
VMKD_LCORES=0-1
VMKD_NO_SHCONF=0
VMKD_EAL_ARGS=(--vdev net_null0)
. tests/integration/lib/vmknetd.sh
cfg=$tmp/config.json
sock=$tmp/vmknetd.sock

start
# One port only: the default's vmk0 goes, so vmnic0 is port 16777216.
cli network ip interface remove -i vmk0
cli network vswitch standard uplink add -u vmnic0 -v vSwitch0

echo "== batch mode"
"$BUILD/bin/vmktop" --control "$sock" -b -n 2 -d 0.5 | tee "$tmp/batch.csv"
python3 - "$tmp/batch.csv" <<'PY' || fail "batch CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert len(rows) == 3, rows
head = rows[0]
assert head[0] == "(PDH-CSV 4.0) (UTC)(0)", head[0]
assert len(head) == 1 + 6, head          # one port (vmnic0), six counters
col = [i for i, h in enumerate(head) if h.endswith("Network Port(vSwitch0:16777216:vmnic0)\\Packets Received/sec")]
assert col, head
for r in rows[1:]:
    assert len(r) == len(head), r
    assert float(r[col[0]]) > 0, r
    assert 0 <= float(r[col[0] + 3]) <= 100, r   # % Received Packets Dropped
print("batch CSV ok: vmnic0 receives", rows[2][col[0]], "packets/s")
PY

echo "== interactive view"
"$BUILD/bin/vmktop" --control "$sock" -n 1 -d 0.2 >"$tmp/screen"
grep -q 'PORT-ID USED-BY  *TEAM-PNIC  *DNAME  *PKTTX/s  *MbTX/s  *PKTRX/s  *MbRX/s  *%DRPTX  *%DRPRX' "$tmp/screen" \
	|| fail "screen header: $(cat "$tmp/screen")"
grep -q '16777216 vmnic0  *vmnic0  *vSwitch0 ' "$tmp/screen" || fail "vmnic0 row"

echo "== usage and errors"
rc=0; "$BUILD/bin/vmktop" -d 0 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "bad delay: exit $rc"
rc=0; "$BUILD/bin/vmktop" --control "$tmp/nope.sock" -b -n 1 >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'cannot reach vmknetd' "$tmp/err" || fail "unreachable: exit $rc"

echo "== DPDK telemetry"
python3 - "/var/run/dpdk/$prefix/dpdk_telemetry.v2" <<'PY' || fail "telemetry"
import json, socket, sys, time
def call(cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    json.loads(s.recv(16384))          # the greeting
    s.send(cmd.encode())
    r = json.loads(s.recv(1 << 20))
    s.close()
    return r
a = call("/vmknet/ports")["/vmknet/ports"]
assert "vSwitch0/vmnic0" in a and len(a["vSwitch0/vmnic0"]) == 6, a
time.sleep(0.3)
b = call("/vmknet/ports")["/vmknet/ports"]
assert b["vSwitch0/vmnic0"][0] > a["vSwitch0/vmnic0"][0], (a, b)
one = call("/vmknet/port,vSwitch0/vmnic0")["/vmknet/port"]
assert one["rx_packets"] >= b["vSwitch0/vmnic0"][0] and "rx_drop_malformed" in one, one
print("telemetry ok:", b)
PY
stop
echo "test_vmktop: all checks passed"
