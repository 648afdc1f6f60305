#!/usr/bin/env bash
# Objective: beacon probing as ESXi's (`policy failover set -f beacon`)
# finds a path that silently drops frames while its link stays up, which
# link-status detection cannot. vSwitch0 has three af_packet uplinks, each
# on a veth whose peer is a port of one Linux bridge (br0, 198.51.100.2) in a
# namespace; vmk0 (198.51.100.10, "Management Network", explicit order vmnic0,
# vmnic1, standby vmnic2) pings br0. Setting the bridge port of vmnic0 to
# "disabled" drops every frame both ways and leaves the link up: within
# threshold x interval + 1 s (4 s) pings are answered again, through
# vmnic1; nic list shows vmnic0 Link Up but Beacon Status failed, vswitch
# list names it; when the port forwards again its beacons return, it is ok
# and the team fails back to it. Also: the Beacon fields of vswitch list
# (Enabled, Interval, Threshold, Required By), -f beacon|link on the
# vSwitch and on a port group, --beacon-interval/--beacon-threshold saved
# and refused out of range, beacons counted per NIC, a malformed beacon
# counted as a drop, and probing stops with -f link. With two uplinks and
# one path cut neither can be blamed: both are "ambiguous", none is failed
# (vmknet does not do ESXi's shotgun), the team stays where link status
# puts it. Needs root and iproute2 (bridge); the namespace and veths are
# always deleted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "network namespaces and af_packet uplinks"
need ip bridge python3
ns=vbcn$$
del_netns() {
	ip netns del "$ns" 2>/dev/null || true
	for i in 0 1 2; do ip link del "vbc$$u$i" 2>/dev/null || true; done
}
VMKD_NAME=vmkcli-beacon-test
VMKD_LCORES=0-1
VMKD_MEM=512
VMKD_EAL_ARGS=()
for i in 0 1 2; do VMKD_EAL_ARGS+=(--vdev "net_af_packet$i,iface=vbc$$u$i"); done
VMKD_CLEANUP_HOOK=del_netns
. tests/integration/lib/vmknetd.sh
PING=$BUILD/bin/vmkping
mkdir -p "$tmp/etc"

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip link add br0 type bridge
for i in 0 1 2; do
	ip link add "vbc$$u$i" type veth peer name "vbp$i" netns "$ns"
	# The host side is vmknet's alone: no ARP answers from this host's stack.
	ip link set "vbc$$u$i" arp off
	ip link set "vbc$$u$i" up
	ip netns exec "$ns" ip link set "vbp$i" master br0
	ip netns exec "$ns" ip link set "vbp$i" up
done
ip netns exec "$ns" ip link set br0 up
ip netns exec "$ns" ip addr add 198.51.100.2/24 dev br0

# Frames the bridge received from uplink N's veth.
from_uplink() { ip netns exec "$ns" cat "/sys/class/net/vbp$1/statistics/rx_packets"; }
# ping_via N: ten pings from vmk0 are all answered, and they went out of vmnicN.
ping_via() {
	local before=() after=() i
	for i in 0 1 2; do before[i]=$(from_uplink "$i"); done
	"$PING" --control "$sock" -I vmk0 -c 10 -i 0.1 -W 2 198.51.100.2 >"$tmp/ping" ||
		{ cat "$tmp/ping"; fail "ping through vmnic$1"; }
	grep -q "^10 packets transmitted, 10 packets received" "$tmp/ping" || { cat "$tmp/ping"; fail "ping lost packets"; }
	for i in 0 1 2; do after[i]=$(from_uplink "$i"); done
	echo "frames into br0: vmnic0 $((after[0] - before[0])) vmnic1 $((after[1] - before[1])) vmnic2 $((after[2] - before[2]))"
	for i in 0 1 2; do
		if [ "$i" = "$1" ]; then
			[ $((after[i] - before[i])) -ge 10 ] || fail "pings did not leave by vmnic$1"
		else
			# Beacons only (one a second, and the odd gratuitous ARP).
			[ $((after[i] - before[i])) -le 4 ] || fail "pings left by vmnic$i, not vmnic$1"
		fi
	done
}
# beacon_is NIC STATE [SECONDS]: nic list says so within SECONDS (default 5).
beacon_is() {
	local n=$(( ${3:-5} * 10 ))
	for _ in $(seq 1 "$n"); do
		json network nic list | python3 -c "import json,sys; d={n['Name']:n for n in json.load(sys.stdin)}; sys.exit(d['$1']['BeaconStatus']!='$2')" && return 0
		sleep 0.1
	done
	json network nic list | json_check "d={n['Name']:n for n in d}; assert d['$1']['BeaconStatus']=='$2', d"
}

start
for i in 0 1 2; do ok network vswitch standard uplink add -u "vmnic$i" -v vSwitch0; done
ok network vswitch standard policy failover set -v vSwitch0 -l explicit -a vmnic0,vmnic1 -s vmnic2
ok network ip interface ipv4 set -i vmk0 -I 198.51.100.10 -N 255.255.255.0

echo "== link detection: no beacons, ESXi's fields for a vSwitch without them"
json network vswitch standard list | json_check "v=d[0]; assert v['BeaconEnabled'] is False and v['BeaconInterval']==1 and v['BeaconThreshold']==3 and v['BeaconRequiredBy']==[] and v['BeaconFailedUplinks']==[], v"
json network nic list | json_check "assert all(n['BeaconStatus']=='off' for n in d), d"
sleep 1.2
json network nic stats get -n vmnic0 | json_check "assert d['Beaconssent']==0, d"

echo "== -f beacon on the port group"
ok network vswitch standard portgroup policy failover set -p "Management Network" -f beacon
json network vswitch standard portgroup policy failover get -p "Management Network" | json_check "assert d['NetworkFailureDetection']=='beacon' and d['OverrideVswitchNetworkFailureDetection'] is True and d['ActiveAdapters']==['vmnic0','vmnic1'] and d['StandbyAdapters']==['vmnic2'], d"
json network vswitch standard policy failover get -v vSwitch0 | json_check "assert d['NetworkFailureDetection']=='link', d"
ok network vswitch standard list | tee "$tmp/out"
grep -q '^   Beacon Enabled: true$' "$tmp/out" && grep -q '^   Beacon Required By: Management Network$' "$tmp/out" \
	|| fail "vswitch list beacon fields"
python3 -c "import json,sys; c=json.load(open('$cfg')); t=[p for p in c['vswitches'][0]['portgroups'] if p['name']=='Management Network'][0]['policy']['teaming']; assert t['failure_detection']=='beacon', t" \
	|| fail "failure detection not saved"
for i in 0 1 2; do beacon_is "vmnic$i" ok; done
ping_via 0

echo "== beacons are counted per NIC"
sleep 2
json network nic stats get -n vmnic1 | tee "$tmp/stats" | json_check "assert d['Beaconssent']>=2 and d['Beaconsreceived']>=2 and d['Beaconsheardbyotheruplinks']>=2 and d['Malformedbeacons']==0 and d['Foreignbeacons']==0, d"

echo "== a malformed beacon is a counted drop"
drops0=$(json network nic stats get -n vmnic0 | python3 -c "import json,sys; print(json.load(sys.stdin)['Malformedbeacons'])")
ip netns exec "$ns" python3 -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('br0', 0))
s.send(b'\xff' * 6 + b'\x02\x00\x00\x00\x19\x99' + b'\x89\x22' + b'XXXX' + bytes(42))
"
for _ in $(seq 1 20); do
	drops=$(json network nic stats get -n vmnic0 | python3 -c "import json,sys; print(json.load(sys.stdin)['Malformedbeacons'])")
	[ "$drops" -gt "$drops0" ] && break
	sleep 0.1
done
[ "$drops" -eq $((drops0 + 1)) ] || fail "malformed beacon: $drops0 -> $drops"

echo "== vmnic0's path drops everything, its link stays up"
ip netns exec "$ns" bridge link set dev vbp0 state 0
t0=$(date +%s.%N)
answered=
for _ in $(seq 1 60); do
	if "$PING" --control "$sock" -I vmk0 -c 1 -W 0.2 198.51.100.2 >/dev/null 2>&1; then
		answered=$(date +%s.%N)
		break
	fi
	sleep 0.05
done
[ -n "$answered" ] || fail "pings never resumed"
took=$(python3 -c "print(round($answered - $t0, 2))")
echo "pings answered again after ${took} s"
python3 -c "import sys; sys.exit(not ($took <= 3 * 1 + 1 + 0.5))" || fail "failover took ${took} s (threshold 3 x 1 s + 1 s)"
beacon_is vmnic0 failed 1
json network nic list | json_check "d={n['Name']:n for n in d}; assert d['vmnic0']['LinkStatus']=='Up' and d['vmnic1']['BeaconStatus']=='ok' and d['vmnic2']['BeaconStatus']=='ok', d"
json network vswitch standard list | json_check "assert d[0]['BeaconFailedUplinks']==['vmnic0'], d"
ok network nic list
ping_via 1

echo "== the path heals: beacons return, failback to vmnic0"
ip netns exec "$ns" bridge link set dev vbp0 state 3
beacon_is vmnic0 ok 3
json network vswitch standard list | json_check "assert d[0]['BeaconFailedUplinks']==[], d"
sleep 0.5
ping_via 0

echo "== two uplinks, one path cut: neither is blamed (no shotgun: the link-status choice stays)"
ok network vswitch standard uplink remove -u vmnic2 -v vSwitch0
json network vswitch standard portgroup policy failover get -p "Management Network" | json_check "assert d['ActiveAdapters']==['vmnic0','vmnic1'] and d['StandbyAdapters']==[], d"
ip netns exec "$ns" bridge link set dev vbp0 state 0
beacon_is vmnic0 ambiguous 4
beacon_is vmnic1 ambiguous 1
sleep 3.5        # past the threshold: still nobody failed
json network nic list | json_check "d={n['Name']:n for n in d}; assert d['vmnic0']['BeaconStatus']=='ambiguous' and d['vmnic1']['BeaconStatus']=='ambiguous', d"
json network vswitch standard list | json_check "assert d[0]['BeaconFailedUplinks']==[], d"
if "$PING" --control "$sock" -I vmk0 -c 2 -i 0.2 -W 0.5 198.51.100.2 >/dev/null 2>&1; then
	fail "pings answered: the team left vmnic0 on an ambiguous verdict"
fi
ip netns exec "$ns" bridge link set dev vbp0 state 3
beacon_is vmnic0 ok 3
beacon_is vmnic1 ok 1
ok network vswitch standard uplink add -u vmnic2 -v vSwitch0

echo "== beacon interval and threshold: set, saved, refused out of range"
ok network vswitch standard set -v vSwitch0 --beacon-interval 2 --beacon-threshold 2
json network vswitch standard list | json_check "assert d[0]['BeaconInterval']==2 and d[0]['BeaconThreshold']==2, d"
python3 -c "import json; b=json.load(open('$cfg'))['vswitches'][0]['beacon']; assert b=={'interval_sec':2,'threshold':2}, b" \
	|| fail "beacon settings not saved"
refused 1 'beacon interval' network vswitch standard set -v vSwitch0 --beacon-interval 0
refused 1 'beacon threshold' network vswitch standard set -v vSwitch0 --beacon-threshold 61
refused 1 'invalid failure detection "arp"' network vswitch standard policy failover set -v vSwitch0 -f arp

echo "== -f beacon on the vSwitch; -f link on both stops the beacons"
ok network vswitch standard policy failover set -v vSwitch0 -f beacon
json network vswitch standard list | json_check "assert d[0]['BeaconRequiredBy'][0]=='vSwitch0' and 'Management Network' in d[0]['BeaconRequiredBy'], d"
ok network vswitch standard portgroup policy failover set -p "Management Network" -f link
ok network vswitch standard policy failover set -v vSwitch0 -f link
json network vswitch standard list | json_check "assert d[0]['BeaconEnabled'] is False and d[0]['BeaconRequiredBy']==[], d"
beacon_is vmnic0 off 5
s0=$(json network nic stats get -n vmnic0 | python3 -c "import json,sys; print(json.load(sys.stdin)['Beaconssent'])")
sleep 2.5
s1=$(json network nic stats get -n vmnic0 | python3 -c "import json,sys; print(json.load(sys.stdin)['Beaconssent'])")
[ "$s0" = "$s1" ] || fail "beacons still sent after -f link ($s0 -> $s1)"

echo "== a restart keeps the settings"
ok network vswitch standard portgroup policy failover set -p "Management Network" -f beacon
stop
start
json network vswitch standard list | json_check "assert d[0]['BeaconEnabled'] is True and d[0]['BeaconInterval']==2 and d[0]['BeaconThreshold']==2, d"
stop
echo "test_vmkcli_beacon: all checks passed"
