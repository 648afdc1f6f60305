#!/usr/bin/env bash
# Objective: vmkcli's `network ip` tree drives a running vmknetd end to end.
# The built-in default has vmk0 (Management Network, 192.0.2.10/24, tagged
# Management); every interface, ipv4, tag, route, netstack, neighbor and
# connection command works in table and json form (csv and keyvalue too);
# every documented error exits non-zero with the reason on stderr and leaves
# the saved file byte for byte as it was; the one-default-gateway rule names
# the first gateway; and a restart (SIGTERM, and SIGKILL right after a
# change) comes back with the same adapters (MACs included), netstacks and
# routes.
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=vmkcli-ip-test
VMKD_EAL_ARGS=(--vdev net_null0)
. tests/integration/lib/vmknetd.sh

mkdir -p "$tmp/etc"

echo "== built-in default: vmk0 on Management Network"
start
ok network ip interface list | tee "$tmp/out"
grep -q '^vmk0$' "$tmp/out" && grep -q '^   Portgroup: Management Network$' "$tmp/out" \
	&& grep -q '^   Netstack Instance: defaultTcpipStack$' "$tmp/out" \
	&& grep -q '^   Enabled: true$' "$tmp/out" && grep -q '^   MTU: 1500$' "$tmp/out" \
	&& grep -q '^   MAC Address: [0-9a-f:]\{17\}$' "$tmp/out" || fail "vmk0 block"
ok network ip interface ipv4 get | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^Name  IPv4 Address  IPv4 Netmask   IPv4 Broadcast  Address Type  Gateway  DHCP DNS  DNS Servers$' || fail "ipv4 header"
grep -q '^vmk0  192.0.2.10    255.255.255.0  192.0.2.255     STATIC        0.0.0.0  false     $' "$tmp/out" || fail "vmk0 ipv4 row"
ok network ip interface tag get -i vmk0 | grep -q '^   Tags: Management$' || fail "vmk0 tag"
mac0=$(json network ip interface list | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["MACAddress"])')
json_check "n=d['vmknics'][0]; assert n['name']=='vmk0' and n['mac']=='$mac0' and n['ipv4']['address']=='192.0.2.10' and n['tags']==['Management'], n" <"$cfg"

echo "== help"
cli network ip | grep -q '^  interface ' || fail "network ip help"
cli network ip interface --help | grep -q '^  ipv4 ' || fail "interface help"
cli network ip interface add --help | grep -q -- '-p|--portgroup-name' || fail "add help"

echo "== every command"
ok network vswitch standard add -v vSwitch1 -m 9000
ok network vswitch standard portgroup add -p vMotion -v vSwitch1
ok network vswitch standard portgroup set -p vMotion --vlan-id 20
ok network vswitch standard portgroup add -p Storage -v vSwitch1
ok network ip netstack add -N storage
ok network ip netstack add --netstack=scratch
ok network ip netstack remove -N scratch
ok network ip interface add -i vmk1 -p vMotion -N vmotion -m 9000
ok network ip interface add --portgroup-name Storage --vswitch-name vSwitch1 --netstack storage --mac-address 02:00:00:00:00:42
ok network ip interface add -p "VM Network"
ok network ip interface remove --interface-name vmk3
ok network ip interface set -i vmk2 -m 8000
ok network ip interface set -i vmk2 --enabled false
ok network ip interface set -i vmk2 -e true
ok network ip interface ipv4 set -i vmk1 -I 198.51.100.1 -N 255.255.255.0 -t static
ok network ip interface ipv4 set --interface-name vmk2 --ipv4 203.0.113.5 --netmask 255.255.255.0 --gateway 203.0.113.1
ok network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.0 -g 192.0.2.1
ok network ip interface tag add -i vmk1 -t VMotion
ok network ip interface tag add --interface-name vmk2 --tagname faultToleranceLogging
ok network ip interface tag add -i vmk2 -t VSAN
ok network ip interface tag remove -i vmk2 -t VSAN
ok network ip route ipv4 add -n default -g 192.0.2.1
ok network ip route ipv4 add -n 198.18.0.0/15 -g 192.0.2.254
ok network ip route ipv4 add --network 198.18.0.0/15 --gateway 192.0.2.253 --replace
ok network ip route ipv4 add -n default -g 198.51.100.254 -N vmotion
ok network ip route ipv4 add -n 198.18.0.0/24 -g 203.0.113.254 -N storage
ok network ip route ipv4 remove -n 198.18.0.0/24 -N storage
ok network ip route ipv4 add -n default -g 192.0.2.2 --replace
ok network ip route ipv4 add -n 203.0.113.128/25 -g 192.0.2.254
ok network ip route ipv4 remove --network 203.0.113.128/25 --gateway 192.0.2.254

ok network ip interface list | tee "$tmp/out"
grep -q '^vmk2$' "$tmp/out" && grep -q '^   MAC Address: 02:00:00:00:00:42$' "$tmp/out" \
	&& grep -q '^   MTU: 8000$' "$tmp/out" && grep -q '^   Netstack Instance: storage$' "$tmp/out" || fail "vmk2 block"
json network ip interface list | tee "$tmp/out"
json_check "r={n['Name']:n for n in d}; assert sorted(r)==['vmk0','vmk1','vmk2'], r; assert r['vmk1']=={'Name':'vmk1','MACAddress':r['vmk1']['MACAddress'],'Enabled':True,'Portset':'vSwitch1','Portgroup':'vMotion','NetstackInstance':'vmotion','VDSName':'N/A','VDSUUID':'N/A','VDSPort':'N/A','VDSConnection':-1,'OpaqueNetworkID':'N/A','OpaqueNetworkType':'N/A','ExternalID':'N/A','MTU':9000,'TSOMSS':65535,'RXDispQueueSize':1,'PortID':r['vmk1']['PortID']}, r['vmk1']; assert list(r['vmk1'])==['Name','MACAddress','Enabled','Portset','Portgroup','NetstackInstance','VDSName','VDSUUID','VDSPort','VDSConnection','OpaqueNetworkID','OpaqueNetworkType','ExternalID','MTU','TSOMSS','RXDispQueueSize','PortID'], list(r['vmk1'])" <"$tmp/out"
cp "$tmp/out" "$tmp/ifaces"
ok network ip interface list | grep -q '^   TSO MSS: 65535$' || fail "TSO MSS line"
# Port ID is host-wide: the one vmktop (port.stats) shows for the same port,
# and pktcap --switchport takes it.
python3 - "$sock" "$tmp/ifaces" <<'EOF' || fail "Port ID is not vmktop's"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"op": "port.stats"}\n')
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
top = {p["used_by"]: p["port_id"] for p in json.loads(data)["result"]["ports"]}
ifs = {n["Name"]: n["PortID"] for n in json.load(open(sys.argv[2]))}
for name, pid in ifs.items():
    assert top[name] == pid, (name, pid, top)
assert len(set(ifs.values())) == len(ifs), ifs
assert ifs["vmk1"] >> 24 == 2 and ifs["vmk0"] >> 24 == 1, ifs
EOF
vmk1_port=$(python3 -c 'import json,sys; print([n["PortID"] for n in json.load(open(sys.argv[1])) if n["Name"]=="vmk1"][0])' "$tmp/ifaces")
"$BUILD/bin/pktcap" --control "$sock" --switchport "$vmk1_port" -t 1 -o "$tmp/vmk1.pcap" || fail "pktcap --switchport $vmk1_port (vmk1's Port ID)"
ok network ip interface ipv4 get -i vmk2 | grep -q '^vmk2  203.0.113.5   255.255.255.0  203.0.113.255   STATIC        203.0.113.1  false     $' || fail "vmk2 ipv4"
json network ip interface ipv4 get | json_check "r={n['Name']:n for n in d}; assert r['vmk0']['Gateway']=='192.0.2.1' and r['vmk1']['IPv4Address']=='198.51.100.1' and r['vmk1']['AddressType']=='STATIC', r"
ok --formatter=csv network ip interface ipv4 get | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^Name,IPv4Address,IPv4Netmask,IPv4Broadcast,AddressType,Gateway,DHCPDNS,DNSServers$' || fail "csv header"
grep -q '^vmk1,198.51.100.1,255.255.255.0,198.51.100.255,STATIC,0.0.0.0,false,$' "$tmp/out" || fail "csv row"
ok --formatter=keyvalue network ip interface tag get -i vmk2 | grep -q '^Tags.Tags.string\[\]=faultToleranceLogging$' || fail "keyvalue tags"
json network ip interface tag get -i vmk1 | json_check "assert d=={'Tags':['VMotion']}, d"
ok network ip route ipv4 list | tee "$tmp/out"
head -n 1 "$tmp/out" | grep -q '^Network  *Netmask  *Gateway  *Interface  *Source$' || fail "route header"
grep -q '^default  *0.0.0.0  *192.0.2.2  *vmk0  *MANUAL$' "$tmp/out" || fail "default route row"
grep -q '^198.18.0.0  *255.254.0.0  *192.0.2.253  *vmk0  *MANUAL$' "$tmp/out" || fail "static route row"
grep -q '^192.0.2.0  *255.255.255.0  *0.0.0.0  *vmk0  *Local$' "$tmp/out" || fail "connected route row"
json network ip route ipv4 list -N vmotion | json_check "assert {'Network':'default','Netmask':'0.0.0.0','Gateway':'198.51.100.254','Interface':'vmk1','Source':'MANUAL'} in d and len(d)==2, d"
ok network ip netstack list | tee "$tmp/out"
grep -q '^storage$' "$tmp/out" && grep -q '^   Key: storage$' "$tmp/out" || fail "netstack list"
json network ip netstack list | json_check "assert [n['Name'] for n in d]==['defaultTcpipStack','vmotion','vSphereProvisioning','storage'], d"
ok network ip netstack get -N storage | grep -q '^   Interfaces: vmk2$' || fail "netstack get"
json network ip netstack get --netstack vmotion | json_check "assert d['DefaultGateway']=='198.51.100.254' and d['Interfaces']==['vmk1'] and d['Type']=='built-in', d"
ok network ip neighbor list | head -n 1 | grep -q '^Neighbor  Mac Address  Vmknic  Expiry  State  Type  Netstack$' || fail "neighbor header"
json network ip neighbor list -N storage | json_check "assert d==[], d"
ok network ip connection list | head -n 1 | grep -q '^Proto  Recv Q  Send Q  Local Address  Foreign Address  State  World ID  CC Algo  World Name  Traffic Class  Netstack$' || fail "connection header"
json network ip connection list -t udp | json_check "assert isinstance(d, list), d"
json_check "s={n['name']:n for n in d['netstacks']}; assert s['defaultTcpipStack']['default_gateway']=='192.0.2.2' and s['defaultTcpipStack']['routes']==[{'network':'198.18.0.0/15','gateway':'192.0.2.253'}] and 'storage' in s and 'scratch' not in s, s; v={n['name']:n for n in d['vmknics']}; assert v['vmk2']['mac']=='02:00:00:00:00:42' and v['vmk2']['tags']==['faultToleranceLogging'] and v['vmk2']['ipv4']['gateway']=='203.0.113.1' and v['vmk1']['mtu']==9000, v" <"$cfg"

echo "== every documented error"
refused 1 'already has the default gateway 192.0.2.2' network ip route ipv4 add -n default -g 192.0.2.3
refused 1 'already has a route to 198.18.0.0/15 via 192.0.2.253' network ip route ipv4 add -n 198.18.0.0/15 -g 192.0.2.9
refused 1 'has host bits set: use 198.51.100.0/24' network ip route ipv4 add -n 198.51.100.7/24 -g 192.0.2.1
refused 1 'is not "default" or a.b.c.d/len' network ip route ipv4 add -n nowhere -g 192.0.2.1
refused 1 'gateway "x" is not an IPv4 address' network ip route ipv4 add -n default -g x --replace
refused 1 'no netstack named "nope"' network ip route ipv4 add -n default -g 192.0.2.1 -N nope
refused 1 'has no static route to 198.51.100.0/24' network ip route ipv4 remove -n 198.51.100.0/24
refused 1 'has no default gateway' network ip route ipv4 remove -n default -N storage
refused 1 'already exists' network ip interface add -i vmk1 -p vMotion
refused 1 'no port group named "nope"' network ip interface add -p nope
refused 1 'is on vSwitch1, not on vSwitch0' network ip interface add -p vMotion -v vSwitch0
refused 1 'no netstack named "nope"' network ip interface add -p vMotion -N nope
refused 1 'mtu: 9000 is above the MTU 1500 of vSwitch vSwitch0' network ip interface add -p "VM Network" -m 9000
refused 1 'MTU 100 is out of range' network ip interface add -p "VM Network" -m 100
refused 1 'is not xx:xx:xx:xx:xx:xx' network ip interface add -p "VM Network" -M zz
refused 1 'already has this MAC address' network ip interface add -p "VM Network" -M 02:00:00:00:00:42
refused 1 'is not vmkN' network ip interface add -i eth0 -p "VM Network"
refused 1 'no VMkernel interface named "vmk9"' network ip interface remove -i vmk9
refused 1 'nothing to set' network ip interface set -i vmk1
refused 1 'mtu: 9000 is above the MTU 1500' network ip interface set -i vmk0 -m 9000
refused 2 'expected a boolean' network ip interface set -i vmk0 -e maybe
ok network ip interface add -i vmk5 -p "VM Network"
refused 1 'is already the address of vmk0 in netstack defaultTcpipStack' network ip interface ipv4 set -i vmk5 -I 192.0.2.10 -N 255.255.255.0
refused 1 'not a usable host address' network ip interface ipv4 set -i vmk5 -I 192.0.2.255 -N 255.255.255.0
refused 1 'not a usable netmask' network ip interface ipv4 set -i vmk5 -I 192.0.2.20 -N 255.0.255.0
refused 1 'needs both -I|--ipv4 and -N|--netmask' network ip interface ipv4 set -i vmk5 -I 192.0.2.20
refused 1 '-t none removes the address' network ip interface ipv4 set -i vmk5 -t none -I 192.0.2.20
refused 1 'type "bootp" is not supported' network ip interface ipv4 set -i vmk5 -t bootp
refused 1 '-t dhcp leases the address' network ip interface ipv4 set -i vmk5 -t dhcp -I 192.0.2.20 -N 255.255.255.0
refused 1 'already carries faultToleranceLogging' network ip interface tag add -i vmk0 -t faultToleranceLogging
refused 1 'carries only the VMotion tag' network ip interface tag add -i vmk1 -t Management
refused 1 'unknown tag "Bogus"' network ip interface tag add -i vmk0 -t Bogus
refused 1 'no VMkernel interface named "vmk9"' network ip interface tag get -i vmk9
refused 1 'a netstack named "storage" already exists' network ip netstack add -N storage
refused 1 'is built in and cannot be removed' network ip netstack remove -N vmotion
refused 1 'still holds vmk2' network ip netstack remove -N storage
refused 1 'no netstack named "nope"' network ip netstack get -N nope
refused 1 'no neighbor 192.0.2.77' network ip neighbor remove -a 192.0.2.77
refused 1 'IP version "6" is not supported' network ip neighbor remove -a 192.0.2.77 -v 6
refused 1 'connection type "sctp"' network ip connection list -t sctp
refused 1 'vmknics\[0\] (vmk0).portgroup: no port group named "Management Network"' network vswitch standard portgroup remove -p "Management Network" -v vSwitch0
refused 1 'mtu: 9000 is above the MTU 1500 of vSwitch vSwitch1' network vswitch standard set -v vSwitch1 -m 1500
refused 2 'missing required parameter -p|--portgroup-name' network ip interface add
refused 2 'missing required parameter -n|--network' network ip route ipv4 add -g 192.0.2.1
refused 2 'missing required parameter -a|--neighbor-addr' network ip neighbor remove
refused 1 'no neighbor 192.0.2.77' network ip neighbor remove --neighbor-addr 192.0.2.77 -v 4
refused 1 'no neighbor 192.0.2.77' network ip neighbor remove --address=192.0.2.77
ok network ip interface ipv4 set -i vmk5 -t none
ok network ip interface remove -i vmk5

echo "== restart keeps adapters, netstacks and routes"
for c in "network ip interface list" "network ip interface ipv4 get" "network ip route ipv4 list" \
	 "network ip route ipv4 list -N vmotion" "network ip netstack list"; do
	json $c >"$tmp/before.$(echo $c | tr ' ' _)"
done
stop
start
for c in "network ip interface list" "network ip interface ipv4 get" "network ip route ipv4 list" \
	 "network ip route ipv4 list -N vmotion" "network ip netstack list"; do
	json $c | cmp - "$tmp/before.$(echo $c | tr ' ' _)" || fail "$c differs after restart"
done
ok network ip interface tag get -i vmk2 | grep -q '^   Tags: faultToleranceLogging$' || fail "tags after restart"

echo "== SIGKILL right after a change loses nothing"
ok network ip interface ipv4 set -i vmk1 -I 198.51.100.9 -N 255.255.255.0
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; pid=
start
ok network ip interface ipv4 get -i vmk1 | grep -q '^vmk1  198.51.100.9 ' || fail "change lost by SIGKILL"
stop

echo "== an invalid adapter in the file is refused and kept"
good=$(cat "$cfg")
echo "$good" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["vmknics"][0]["mtu"]=9000; print(json.dumps(d))' >"$cfg"
sum=$(sha256sum <"$cfg"); rc=0
timeout 60 "$DAEMON" -l 0 --no-pci --no-huge --no-shconf -m 256 --file-prefix="vmkcli-ip-test-$$-bad" \
	--log-level='*:warning' -- --config "$cfg" --control "$sock" >"$tmp/refuse.log" 2>&1 || rc=$?
cat "$tmp/refuse.log"
[ "$rc" -eq 1 ] || fail "vmknetd accepted a bad file (exit $rc)"
grep -q 'vmknics\[0\] (vmk0).mtu: 9000 is above the MTU 1500 of vSwitch vSwitch0' "$tmp/refuse.log" || fail "refusal does not name the field"
[ "$sum" = "$(sha256sum <"$cfg")" ] || fail "a refused file was modified"
echo "test_vmkcli_ip: all checks passed"
