#!/usr/bin/env bash
# Objective: `vmkcli network nioc class list` shows the nine traffic classes
# with NIOC's names and their marking (none by default), and `network nioc
# class stats get -n vmnic0` counts what the uplink sent by class: vmk0's
# pings to Linux (over an af_packet uplink on a veth) are management until
# vmk0 carries the VMotion tag, then vMotion; the classes add up to the
# NIC's own counter of sent packets; an unknown NIC is refused.
# Needs root and iproute2; the namespace and veth pair are always deleted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "a network namespace and an af_packet uplink"
need ip python3
ns=vmknioc$$
veth=vnc$$a
peer=vnc$$b
del_netns() {
	ip netns del "$ns" 2>/dev/null || true
	ip link del "$veth" 2>/dev/null || true
}
VMKD_NAME=vmkcli-nioc-test
VMKD_LCORES=0-1
VMKD_MEM=512
VMKD_EAL_ARGS=(--vdev "net_af_packet0,iface=$veth")
VMKD_CLEANUP_HOOK=del_netns
. tests/integration/lib/vmknetd.sh
PING=$BUILD/bin/vmkping
cfg=$tmp/config.json
sock=$tmp/vmknetd.sock

ip netns add "$ns"
ip link add "$veth" type veth peer name "$peer" netns "$ns"
ip link set "$veth" up
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip link set "$peer" up
ip netns exec "$ns" ip addr add 192.0.2.2/24 dev "$peer"

start
ok network vswitch standard uplink add -u vmnic0 -v vSwitch0

echo "== class list"
ok network nioc class list
json network nioc class list | json_check "
names = [c['Class'] for c in d]
assert names == ['management', 'vMotion', 'vSphereProvisioning', 'faultToleranceLogging',
                 'iSCSI', 'NFS', 'vSAN', 'vSphereReplication', 'virtualMachine'], names
assert all(c['DSCP'] == -1 and c['CoS'] == -1 and not c['PriorityTag'] for c in d), d"

# sent CLASS: packets vmnic0 sent of that class.
sent() {
	json network nioc class stats get -n vmnic0 |
		python3 -c "import json,sys; print({c['Class']: c['PacketsSent'] for c in json.load(sys.stdin)}['$1'])"
}
pings() {
	"$PING" --control "$sock" -I vmk0 -c 3 -i 0.2 -W 2 192.0.2.2 >"$tmp/ping" ||
		{ cat "$tmp/ping"; fail "vmkping"; }
}

echo "== untagged vmk0: management"
m0=$(sent management)
pings
m1=$(sent management)
echo "management: $m0 -> $m1"
[ $((m1 - m0)) -ge 3 ] || fail "three echo requests not counted as management"
[ "$(sent vMotion)" -eq 0 ] || fail "vMotion counted without a vMotion frame"

echo "== vmk0 tagged VMotion: vMotion"
ok network ip interface tag add -i vmk0 -t VMotion
v0=$(sent vMotion)
pings
v1=$(sent vMotion)
echo "vMotion: $v0 -> $v1"
[ $((v1 - v0)) -ge 3 ] || fail "echo requests of a VMotion adapter not counted as vMotion"
ok network nioc class stats get -n vmnic0

echo "== classes add up to the NIC's packets sent"
total=$(json network nioc class stats get -n vmnic0 |
	python3 -c "import json,sys; print(sum(c['PacketsSent'] for c in json.load(sys.stdin)))")
nic=$(json network nic stats get -n vmnic0 | python3 -c "import json,sys; print(json.load(sys.stdin)['Packetssent'])")
echo "classes $total, NIC $nic"
[ "$total" -eq "$nic" ] || fail "class counters ($total) differ from the NIC's ($nic)"

refused 1 'no NIC named "vmnic9"' network nioc class stats get -n vmnic9
stop
echo "PASS"
