#!/usr/bin/env bash
# Objective: `vmkcli network ip netstack set` changes a netstack's TCP
# settings (-c|--ccalgo, --rto-min-ms) end to end: the running netstack takes
# them (`netstack get` reads them back from the host, in table and json
# form), they are saved in the netstack's object of the configuration file
# (absent while defaults), an unknown algorithm or an out-of-range timeout is
# refused (exit 1, the reason on stderr, the file byte for byte unchanged),
# and a restart applies them again from the file.
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=vmkcli-ns-test
VMKD_EAL_ARGS=(--vdev net_null0)
. tests/integration/lib/vmknetd.sh

mkdir -p "$tmp/etc"

echo "== defaults: newreno, 200 ms, nothing in the file"
start
ok network ip netstack get -N defaultTcpipStack | tee "$tmp/out"
grep -q '^   Congestion Control Algorithm: newreno$' "$tmp/out" || fail "default ccalgo"
grep -q '^   TCP Minimum RTO (ms): 200$' "$tmp/out" || fail "default rto"
json_check "assert all('tcp' not in n for n in d['netstacks']), d['netstacks']" <"$cfg"

echo "== set on a custom and a built-in netstack"
ok network ip netstack add -N storage
ok network ip netstack set -N storage -c newreno --rto-min-ms 50
ok network ip netstack set --netstack vmotion --rto-min-ms=300
ok network ip netstack set -N vmotion --ccalgo newreno
ok network ip netstack get -N storage | tee "$tmp/out"
grep -q '^   Congestion Control Algorithm: newreno$' "$tmp/out" || fail "storage ccalgo"
grep -q '^   TCP Minimum RTO (ms): 50$' "$tmp/out" || fail "storage rto"
json network ip netstack get -N vmotion | json_check "assert d['CongestionControlAlgorithm']=='newreno' and d['TCPMinimumRTOms']==300, d"
json network ip netstack get -N defaultTcpipStack | json_check "assert d['TCPMinimumRTOms']==200, d"
json_check "s={n['name']:n for n in d['netstacks']}; assert s['storage']['tcp']=={'congestion_control':'newreno','rto_min_ms':50} and s['vmotion']['tcp']=={'congestion_control':'newreno','rto_min_ms':300} and 'tcp' not in s['defaultTcpipStack'], s" <"$cfg"
ok network ip netstack set -N storage -c cubic
json network ip netstack get -N storage | json_check "assert d['CongestionControlAlgorithm']=='cubic' and d['TCPMinimumRTOms']==50, d"
json_check "s={n['name']:n for n in d['netstacks']}; assert s['storage']['tcp']=={'congestion_control':'cubic','rto_min_ms':50}, s" <"$cfg"
ok network ip netstack set -N storage -c newreno

echo "== refusals leave the file as it was"
refused 1 'unknown congestion control algorithm "vegas"' network ip netstack set -N storage -c vegas
refused 1 'unknown congestion control algorithm' network ip netstack set -N storage --ccalgo ""
refused 1 'out of range: use 1..1000' network ip netstack set -N storage --rto-min-ms 0
refused 1 'out of range: use 1..1000' network ip netstack set -N storage --rto-min-ms 5000
refused 1 'nothing to set' network ip netstack set -N storage
refused 1 'no netstack named "nope"' network ip netstack set -N nope -c newreno
refused 2 'missing required parameter -N|--netstack' network ip netstack set -c newreno
ok network ip netstack get -N storage | grep -q '^   TCP Minimum RTO (ms): 50$' || fail "refusal changed storage"

echo "== restart applies the settings from the file"
stop
start
json network ip netstack get -N storage | json_check "assert d['CongestionControlAlgorithm']=='newreno' and d['TCPMinimumRTOms']==50, d"
json network ip netstack get -N vmotion | json_check "assert d['TCPMinimumRTOms']==300, d"
json network ip netstack get -N defaultTcpipStack | json_check "assert d['TCPMinimumRTOms']==200, d"
stop

echo "== an unknown algorithm in the file is refused, naming the field"
good=$(cat "$cfg")
echo "$good" | python3 -c 'import json,sys; d=json.load(sys.stdin); [n.update(tcp={"congestion_control":"vegas"}) for n in d["netstacks"] if n["name"]=="storage"]; print(json.dumps(d))' >"$cfg"
sum=$(sha256sum <"$cfg"); rc=0
timeout 60 "$DAEMON" -l 0 --no-pci --no-huge --no-shconf -m 256 --file-prefix="vmkcli-ns-test-$$-bad" \
	--log-level='*:warning' -- --config "$cfg" --control "$sock" >"$tmp/refuse.log" 2>&1 || rc=$?
cat "$tmp/refuse.log"
[ "$rc" -eq 1 ] || fail "vmknetd accepted a bad file (exit $rc)"
grep -q 'netstacks\[3\] (storage).tcp.congestion_control: unknown algorithm "vegas"' "$tmp/refuse.log" || fail "refusal does not name the field"
[ "$sum" = "$(sha256sum <"$cfg")" ] || fail "a refused file was modified"
echo "test_vmkcli_netstack: all checks passed"
