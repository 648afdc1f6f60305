#!/usr/bin/env bash
# Objective: `vmkcli network nioc class list` shows the nine traffic classes
# with NIOC's names and their marking (none by default), and `network nioc
# class stats get -n vmnic0` counts what the uplink sent by class: vmk0's
# pings to Linux (over an af_packet uplink on a veth) are management until
# vmk0 carries the VMotion tag, then vMotion; the classes add up to the
# NIC's own counter of sent packets; an unknown NIC is refused.
# Then the settings: `network nioc set -e`, `network nioc class set` (shares,
# reservation, limit, DSCP, CoS, priority tag; only the options given
# change) and `network nic set -S` round-trip through get/list and the saved
# file; every bad value is refused, named in the error, with the daemon's
# state and the saved file byte for byte as they were (also when one option
# of several is bad); a restarted vmknetd runs the same marking, NIOC state,
# class settings and speed; a hand-edited bad "nioc" section is refused
# with its path.
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

echo "== nioc get/set"
ok network nioc get
json network nioc get | json_check "
assert d['Enabled'] is False, d
assert [u['Name'] for u in d['Uplinks']] == ['vmnic0'], d"
ok network nioc set -e true
json network nioc get | json_check "assert d['Enabled'] is True, d"
python3 -c "import json; assert json.load(open('$cfg'))['nioc']['enabled'] is True" ||
	fail "nioc.enabled not saved"

# cls CLASS: that class's row of `nioc class list`, as JSON.
cls() {
	json network nioc class list |
		python3 -c "import json,sys; print(json.dumps([c for c in json.load(sys.stdin) if c['Class'] == '$1'][0], sort_keys=True))"
}
expect_cls() {   # expect_cls CLASS PYTHON-DICT
	cls "$1" | json_check "want = $2
assert all(d[k] == v for k, v in want.items()), (d, want)"
}

echo "== class set: every option, then only some"
ok network nioc class set -t vmotion --shares high --reservation 100 --limit 500 --dscp 26 --cos 4
expect_cls vMotion "{'Shares': 100, 'SharesLevel': 'high', 'Reservation': 100, 'Limit': 500,
	'DSCP': 26, 'CoS': 4, 'PriorityTag': False}"
ok network nioc class set -t vMotion --shares 80
expect_cls vMotion "{'Shares': 80, 'SharesLevel': 'custom', 'Reservation': 100, 'Limit': 500,
	'DSCP': 26, 'CoS': 4}"
ok network nioc class set -t vMotion -s low -l -1 -p true
expect_cls vMotion "{'Shares': 25, 'SharesLevel': 'low', 'Limit': -1, 'CoS': 4, 'PriorityTag': True}"
ok network nioc class set --traffic-class faultToleranceLogging --shares normal --dscp 46 --cos 6
expect_cls faultToleranceLogging "{'Shares': 50, 'SharesLevel': 'normal', 'DSCP': 46, 'CoS': 6}"
ok network nioc class list
expect_cls management "{'Shares': 50, 'Reservation': 0, 'Limit': -1, 'DSCP': -1, 'CoS': -1}"
expect_cls virtualMachine "{'Shares': 100, 'SharesLevel': 'high'}"
python3 - "$cfg" <<'PY' || fail "saved nioc section"
import json, sys
c = json.load(open(sys.argv[1]))['nioc']['classes']
assert c['vMotion'] == {'shares': 25, 'reservationMbps': 100, 'limitMbps': -1, 'dscp': 26,
                        'cos': 4, 'priorityTag': True}, c['vMotion']
assert c['faultToleranceLogging']['dscp'] == 46 and c['faultToleranceLogging']['cos'] == 6, c
assert len(c) == 9, c
PY

echo "== nic set -S: the speed NIOC uses"
ok network nic set -n vmnic0 -S 2000
json network nic get -n vmnic0 | json_check "assert d['Speed'] == 2000, d"
json network nic list | json_check "assert [n['Speed'] for n in d if n['Name'] == 'vmnic0'] == [2000], d"
json network nioc get | json_check "
u = d['Uplinks'][0]
assert u['Speed'] == 2000 and u['Capacity'] == 2000 and u['Scheduled'] is True, u"
python3 -c "import json; assert json.load(open('$cfg'))['nioc']['uplinks'] == {'vmnic0': {'speedMbps': 2000}}" ||
	fail "nioc.uplinks not saved"

echo "== bad values: refused, named, nothing changed"
state() { json network nioc class list; json network nioc get; json network nic get -n vmnic0 | grep -v -i 'packets\|bytes'; }
before=$(state)
refused 1 'dscp 64' network nioc class set -t vMotion --dscp 64
refused 1 'cos 8' network nioc class set -t vMotion --cos 8
refused 1 'cos -2' network nioc class set -t vMotion --cos -2
refused 1 'nothing to set for vMotion' network nioc class set -t vMotion
refused 1 'shares 0' network nioc class set -t vMotion --shares 0
refused 1 'shares 101' network nioc class set -t vMotion --shares 101
refused 1 'shares lots' network nioc class set -t vMotion --shares lots
refused 1 'limit 0' network nioc class set -t vMotion --limit 0
refused 1 'reservation -5' network nioc class set -t vMotion --reservation -5
refused 1 'vMotion.limitMbps: 50 is below the reservation' network nioc class set -t vMotion --limit 50
refused 1 'no traffic class "bogus"' network nioc class set -t bogus --shares high
# one bad option among good ones: none of them is applied
refused 1 'dscp 99' network nioc class set -t vMotion --shares high --reservation 10 --dscp 99
refused 1 'NFS.priorityTag' network nioc class set -t NFS --priority-tag true
refused 1 'virtualMachine.dscp' network nioc class set -t virtualMachine --dscp 10 --cos 1
refused 1 'reservations total 1600 Mbit/s, more than 75% of vmnic0' \
	network nioc class set -t iSCSI --reservation 1500 --shares high
refused 1 'reservations total 100 Mbit/s, more than 75% of vmnic0' network nic set -n vmnic0 -S 100
refused 1 'speed 400001 is out of range' network nic set -n vmnic0 -S 400001
refused 1 'no NIC named "vmnic9"' network nic set -n vmnic9 -S 1000
refused 2 'expected a boolean' network nioc set -e maybe
after=$(state)
[ "$before" = "$after" ] || fail "a refused change changed the daemon: $before / $after"

echo "== restart keeps marking, NIOC and the speed"
saved=$(sha256sum <"$cfg")
stop
start
[ "$saved" = "$(sha256sum <"$cfg")" ] || fail "the restart rewrote the file"
after=$(state)
[ "$before" = "$after" ] || fail "the restarted daemon runs other settings: $before / $after"
json network nioc get | json_check "
assert d['Enabled'] is True and d['Uplinks'][0]['Speed'] == 2000, d"
expect_cls vMotion "{'Shares': 25, 'Reservation': 100, 'DSCP': 26, 'CoS': 4, 'PriorityTag': True}"

echo "== back to the defaults"
ok network nic set -n vmnic0 --speed 0
json network nioc get | json_check "assert d['Uplinks'][0]['Speed'] == 0, d"
python3 -c "import json; assert json.load(open('$cfg'))['nioc']['uplinks'] == {}" ||
	fail "speed 0 left in the file"
# The device's own speed (af_packet: 10000) is checked when the change is
# applied: refused by the library, with the uplink named; the DSCP given
# with it is not applied either.
before=$(state)
refused 1 'reservations total 7501 Mbit/s, more than 75% of vmnic0' \
	network nioc class set -t iSCSI --reservation 7401 --dscp 10
[ "$before" = "$(state)" ] || fail "a change the library refused changed the daemon"
ok network nioc set --enabled false
ok network nioc class set -t vMotion --shares normal --reservation 0 --limit -1 --dscp -1 --cos -1 --priority-tag false
expect_cls vMotion "{'Shares': 50, 'Reservation': 0, 'Limit': -1, 'DSCP': -1, 'CoS': -1, 'PriorityTag': False}"
stop

echo "== a bad nioc section in the file is refused with its path"
python3 - "$cfg" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['nioc']['classes']['vMotion']['dscp'] = 70
json.dump(d, open(sys.argv[1], 'w'), indent=2)
PY
refused_file 'nioc.classes.vMotion.dscp: 70 is out of range'
echo "PASS"
