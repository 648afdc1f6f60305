#!/usr/bin/env bash
# Objective: `vmkcli network nic get|down|up` behave as esxcli's. nic get
# prints ESXi's fields in ESXi's order (and in json and a well-formed xml
# with Driver Info nested); nic down takes an uplink's link down for
# teaming as if its cable were pulled: vSwitch0 teams vmnic0 (active) and
# vmnic1 (standby), each an af_packet uplink on a veth to its own Linux
# namespace, the two namespaces holding the same address and MAC, so the
# namespace that answers vmkping shows which uplink the team uses: vmnic0
# before, vmnic1 after `nic down -n vmnic0` (Link Status Down in nic list
# and nic get), vmnic0 again after `nic up` (failback); a NIC taken down
# stays down when it leaves its vSwitch and comes back; nic down is not
# saved (the file is unchanged, a restart brings the NIC up); unknown NICs
# are refused. Also: `network ip neighbor remove --neighbor-addr A -v 4`
# (and -a, --address) removes a learned neighbour; -v 6 is refused.
# Needs root and iproute2; the namespaces and veth pairs are always deleted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "network namespaces and af_packet uplinks"
need ip python3
nsa=vnica$$
nsb=vnicb$$
va=vna$$a
vb=vnb$$a
del_netns() {
	ip netns del "$nsa" 2>/dev/null || true
	ip netns del "$nsb" 2>/dev/null || true
	ip link del "$va" 2>/dev/null || true
	ip link del "$vb" 2>/dev/null || true
}
VMKD_NAME=vmkcli-nic-test
VMKD_LCORES=0-1
VMKD_MEM=512
VMKD_EAL_ARGS=(--vdev "net_af_packet0,iface=$va" --vdev "net_af_packet1,iface=$vb")
VMKD_CLEANUP_HOOK=del_netns
. tests/integration/lib/vmknetd.sh
PING=$BUILD/bin/vmkping
mkdir -p "$tmp/etc"

# One Linux host per uplink, both 192.0.2.2 with one MAC.
for side in a b; do
	ns=vnic$side$$
	ip netns add "$ns"
	ip link add "vn$side$$a" type veth peer name "vn$side$$b" netns "$ns"
	ip link set "vn$side$$a" up
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" ip link set "vn$side$$b" address 02:00:00:00:19:02
	ip netns exec "$ns" ip link set "vn$side$$b" up
	ip netns exec "$ns" ip addr add 192.0.2.2/24 dev "vn$side$$b"
done

# Echo requests a namespace has answered so far.
echos() {
	ip netns exec "$1" awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 } else print $c }' /proc/net/snmp
}
# ping_via NS: three pings from vmk0 are all answered, by NS alone.
ping_via() {
	local a0 b0 a1 b1
	a0=$(echos "$nsa"); b0=$(echos "$nsb")
	"$PING" --control "$sock" -I vmk0 -c 3 -i 0.2 -W 2 192.0.2.2 | tee "$tmp/ping"
	grep -q '^3 packets transmitted, 3 packets received' "$tmp/ping" || fail "ping lost packets"
	a1=$(echos "$nsa"); b1=$(echos "$nsb")
	echo "answered: $nsa $((a1 - a0)), $nsb $((b1 - b0))"
	if [ "$1" = "$nsa" ]; then
		[ $((a1 - a0)) -eq 3 ] && [ $((b1 - b0)) -eq 0 ] || fail "not via vmnic0 alone"
	else
		[ $((b1 - b0)) -eq 3 ] && [ $((a1 - a0)) -eq 0 ] || fail "not via vmnic1 alone"
	fi
}
# link_is NIC STATE: nic list and nic get agree on the link status.
link_is() {
	local nic=$1 want=$2
	for _ in $(seq 1 50); do
		json network nic list | python3 -c "import json,sys; d={n['Name']:n for n in json.load(sys.stdin)}; sys.exit(d['$nic']['LinkStatus']!='$want')" && break
		sleep 0.05
	done
	json network nic list | json_check "d={n['Name']:n for n in d}; assert d['$nic']['LinkStatus']=='$want', d"
	json network nic get -n "$nic" | json_check "assert d['LinkStatus']=='$want' and d['LinkDetected']==('$want'=='Up'), d"
}

start
ok network vswitch standard uplink add -u vmnic0 -v vSwitch0
ok network vswitch standard uplink add -u vmnic1 -v vSwitch0
ok network vswitch standard policy failover set -v vSwitch0 -a vmnic0 -s vmnic1 -b true
ok network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.0

echo "== nic get: ESXi's fields in ESXi's order, then vmknet's"
ok network nic get -n vmnic0 | tee "$tmp/out"
sed 's/:.*//' "$tmp/out" >"$tmp/fields"
cat >"$tmp/want" <<'EOF'
   Advertised Auto Negotiation
   Advertised Link Modes
   Auto Negotiation
   Cable Type
   Current Message Level
   Driver Info
         Bus Info
         Driver
         Firmware Version
         Version
   Link Detected
   Link Status
   Name
   PHYAddress
   Pause Autonegotiate
   Pause RX
   Pause TX
   Supported Ports
   Supports Auto Negotiation
   Supports Pause
   Supports Wakeon
   Transceiver
   Virtual Address
   Wakeon
   Admin Status
   MAC Address
   MTU
   Speed
   Duplex
   Beacon Status
EOF
diff "$tmp/want" "$tmp/fields" || fail "nic get fields"
grep -q '^   Name: vmnic0$' "$tmp/out" || fail "nic get Name"
grep -q '^         Driver: net_af_packet$' "$tmp/out" || fail "nic get Driver Info"
grep -q '^   Link Status: Up$' "$tmp/out" || fail "nic get Link Status"
json network nic get -n vmnic0 | json_check "assert d['DriverInfo']['Driver']=='net_af_packet' and d['Name']=='vmnic0' and d['LinkDetected'] is True and d['VirtualAddress']==d['MACAddress'], d"
cli --formatter=xml network nic get -n vmnic0 | python3 -c '
import sys, xml.dom.minidom as m
doc = m.parseString(sys.stdin.read())
s = doc.documentElement.getElementsByTagName("root")[0].getElementsByTagName("structure")[0]
assert s.getAttribute("typeName") == "NICInfo", s.getAttribute("typeName")
names = [f.getAttribute("name") for f in s.childNodes if f.nodeType == 1]
assert names[:6] == ["AdvertisedAutoNegotiation", "AdvertisedLinkModes", "AutoNegotiation", "CableType", "CurrentMessageLevel", "DriverInfo"], names
' || fail "nic get xml"
refused 1 'no NIC named "vmnic9"' network nic get -n vmnic9
refused 2 'missing required parameter -n|--nic-name' network nic get

echo "== vmnic0 active: its namespace answers"
ping_via "$nsa"

echo "== neighbor remove as esxcli spells it: --neighbor-addr A -v 4"
json network ip neighbor list | json_check "assert [n for n in d if n['Neighbor']=='192.0.2.2'], d"
ok network ip neighbor remove --neighbor-addr 192.0.2.2 -v 4
json network ip neighbor list | json_check "assert not [n for n in d if n['Neighbor']=='192.0.2.2'], d"
refused 1 'IP version "6" is not supported: use 4' network ip neighbor remove --neighbor-addr 192.0.2.2 --version 6
ping_via "$nsa"
ok network ip neighbor remove -a 192.0.2.2 --version=4
ping_via "$nsa"
ok network ip neighbor remove --address 192.0.2.2

echo "== nic down vmnic0: the team fails over to vmnic1; nothing is saved"
sum=$(md5sum <"$cfg")
ok network nic down -n vmnic0
link_is vmnic0 Down
json network nic list | json_check "d={n['Name']:n for n in d}; assert d['vmnic0']['AdminStatus']=='Down' and d['vmnic1']['LinkStatus']=='Up', d"
ping_via "$nsb"
[ "$(md5sum <"$cfg")" = "$sum" ] || fail "nic down changed the configuration file"

echo "== nic up vmnic0: failback"
ok network nic up -n vmnic0
link_is vmnic0 Up
ping_via "$nsa"

echo "== a NIC taken down stays down out of its vSwitch and back"
ok network nic down --nic-name vmnic0
link_is vmnic0 Down
ok network vswitch standard uplink remove -u vmnic0 -v vSwitch0
ok network vswitch standard uplink add -u vmnic0 -v vSwitch0
ok network vswitch standard policy failover set -v vSwitch0 -a vmnic0 -s vmnic1
link_is vmnic0 Down
ping_via "$nsb"
refused 1 'no NIC named "vmnic9"' network nic down -n vmnic9
refused 1 'no NIC named "vmnic9"' network nic up -n vmnic9

echo "== a restart: nic down was not kept (as on ESXi)"
stop
start
link_is vmnic0 Up
ping_via "$nsa"
stop
echo "test_vmkcli_nic: all checks passed"
