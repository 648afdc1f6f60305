#!/usr/bin/env bash
# Objective: guest ports (a VM's virtio-net over vhost-user) through vmkcli
# against a running vmknetd, end to end. `network vm port add|remove|list`
# and `network vm list` work with short and long options, in table, json,
# csv and keyvalue form; a relative socket path is made absolute; a server
# port creates its socket and a client port does not; the ports count in
# their port groups and show in vmktop; every documented error is refused
# with the reason, exit status 1 or 2, and leaves the file as it was; the
# saved document survives a restart unchanged, and a SIGKILL (the stale
# server socket is replaced); a document without guest ports still loads,
# one whose guest port has no MAC gets a generated one, saved; a corrupt
# guest entry is refused and the file kept. Last, real guests: dpdk-testpmd
# with two virtio-user devices (one listening for a client-mode port, one
# connecting to a server-mode port) brings both links up, a burst from one
# guest reaches the other through the switch (pktcap at the receiving
# guest's port, testpmd's counters, port.stats), and the links go down when
# the guests go away.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(cd "${BUILD:-build}" && pwd)
VMKD_NAME=vmkcli-guest
VMKD_EAL_ARGS=(--vdev net_null0)
VMKD_STOP_CHECK_SOCK=1
VMKD_LOG_TAIL=60
. tests/integration/lib/vmknetd.sh
mkdir -p "$tmp/etc" "$tmp/vm"
vm=$tmp/vm
P="network vm port"
# Port field FIELD of guest port NAME, from the json list.
field() { json $P list -n "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['$2'])"; }
# The json port list without Port IDs (slots are handed out again on a restart).
portless() { python3 -c 'import json,sys; d=json.load(sys.stdin); [p.pop("PortID") for p in d]; print(json.dumps(d))'; }
start

echo "== add: short and long options, a relative socket path"
(cd "$vm" && "$CLI" --control "$sock" $P add -n vm1.eth0 -p "VM Network" -s vm1.eth0.sock) \
	|| fail "add with a relative socket path"
ok $P add --name=vm1.eth1 --portgroup-name "VM Network" --vswitch-name vSwitch0 \
	--socket "$vm/vm1.eth1.sock" --server --mac-address 02:0c:29:00:00:11 --queues 2
ok $P add -n vm2.eth0 -p "Management Network" -s "$vm/vm2.eth0.sock" -q4 -m 02:0c:29:00:00:21
[ "$(field vm1.eth0 Socket)" = "$vm/vm1.eth0.sock" ] || fail "relative socket path not made absolute"
[ -S "$vm/vm1.eth1.sock" ] || fail "server mode did not create its socket"
[ ! -e "$vm/vm1.eth0.sock" ] || fail "client mode created a socket"

echo "== port list, table"
ok $P list | tee "$tmp/out"
python3 - "$tmp/out" "$vm" <<'PY' || fail "port list table"
import re, sys
text, vm = open(sys.argv[1]).read(), sys.argv[2]
blocks = text.strip().split("\n\n")
assert len(blocks) == 3, blocks
b = blocks[1].splitlines()
assert b[0] == "vm1.eth1", b
want = ["   Name: vm1.eth1", "   vSwitch: vSwitch0", "   Portgroup: VM Network",
        "   MAC Address: 02:0c:29:00:00:11", "   Socket: %s/vm1.eth1.sock" % vm,
        "   Mode: server", "   Queues: 2", "   Link: Down"]
for w in want:
    assert w in b, (w, b)
assert re.search(r"^   Port ID: 1677721[0-9]$", blocks[1], re.M), blocks[1]
assert re.search(r"^   MAC Address: 02:0c:29(:[0-9a-f]{2}){3}$", blocks[0], re.M), blocks[0]
assert "   Mode: client" in blocks[0] and "   Queues: 1" in blocks[0], blocks[0]
PY

echo "== port list, json; by port and by VM"
json $P list -n vm1 | tee "$tmp/out"
json_check "assert [p['Name'] for p in d]==['vm1.eth0','vm1.eth1'], d; assert set(d[0])=={'Name','PortID','vSwitch','Portgroup','MACAddress','Socket','Mode','Queues','Link'}, d[0]" <"$tmp/out"
json $P list --name vm2.eth0 | json_check "assert len(d)==1 and d[0]['Queues']==4 and d[0]['Mode']=='client' and d[0]['Portgroup']=='Management Network' and d[0]['Link']=='Down', d"
gen=$(field vm1.eth0 MACAddress)

echo "== the configuration file holds them"
json_check "g=d['guest_ports']; assert [x['name'] for x in g]==['vm1.eth0','vm1.eth1','vm2.eth0'], g; assert g[1]=={'name':'vm1.eth1','vswitch':'vSwitch0','portgroup':'VM Network','socket':'$vm/vm1.eth1.sock','mode':'server','queues':2,'mac':'02:0c:29:00:00:11'}, g[1]; assert g[0]['mac']=='$gen' and g[0]['mode']=='client', g[0]" <"$cfg"

echo "== vm list: table, json, csv, keyvalue"
ok network vm list | tee "$tmp/out"
diff -u <(printf 'Name  Num Ports  Networks\n----  ---------  ------------------\nvm1           2  VM Network\nvm2           1  Management Network\n') "$tmp/out" \
	|| fail "vm list table"
json network vm list | json_check "assert d==[{'Name':'vm1','NumPorts':2,'Networks':['VM Network']},{'Name':'vm2','NumPorts':1,'Networks':['Management Network']}], d"
ok --formatter=csv network vm list | head -n 2 | diff -u <(printf 'Name,NumPorts,Networks\nvm1,2,VM Network\n') - || fail "vm list csv"
ok --formatter=keyvalue network vm list | grep -qx 'VM.NumPorts.integer=2' || fail "vm list keyvalue"
ok --formatter=keyvalue $P list -n vm2.eth0 | grep -qx 'VMPort.Mode.string=client' || fail "port list keyvalue"

echo "== guest ports count in their port groups and show in vmktop"
ok network vswitch standard portgroup list | grep -q '^VM Network  *vSwitch0  *2  *0$' || fail "Active Clients of VM Network"
id=$(field vm1.eth1 PortID)
"$BUILD/bin/vmktop" --control "$sock" -n 1 -d 0.2 | awk -v id="$id" '$1 == id && $2 == "vm1.eth1" && $4 == "vSwitch0" { ok = 1 } END { exit !ok }' \
	|| fail "vmktop does not show vm1.eth1 as PORT-ID $id"
"$BUILD/bin/pktcap" --control "$sock" --switchport "$id" --dir both -t 1 -o "$tmp/idle.pcap" \
	| grep -q 'pktcap: 0 frames written' || fail "pktcap at a guest port"

echo "== help"
ok network vm | grep -q '^  port  ' || fail "network vm namespace help"
ok network vm port --help | grep -q '^  add  ' || fail "network vm port help"
ok $P add --help | grep -q -- '-s|--socket=<path>' || fail "port add help"

echo "== every documented error"
refused 2 'missing required parameter -n|--name' $P add -p "VM Network" -s "$vm/x.sock"
refused 2 'missing required parameter -p|--portgroup-name' $P add -n vm3.eth0 -s "$vm/x.sock"
refused 2 'missing required parameter -s|--socket' $P add -n vm3.eth0 -p "VM Network"
refused 2 'missing required parameter -n|--name' $P remove
refused 2 'invalid value "two" for --queues: expected an integer' $P add -n vm3.eth0 -p "VM Network" -s "$vm/x.sock" -q two
refused 2 'option --server takes no value' $P add -n vm3.eth0 -p "VM Network" -s "$vm/x.sock" --server=yes
refused 2 'unknown option or argument "-w"' $P list -w 5
refused 2 'unknown command or namespace: network vm port set' $P set -n vm1.eth0
refused 1 'a guest port named "vm1.eth0" already exists (on vSwitch0, port group VM Network)' $P add -n vm1.eth0 -p "VM Network" -s "$vm/x.sock"
refused 1 "socket $vm/vm1.eth1.sock is already used by guest port vm1.eth1" $P add -n vm3.eth0 -p "VM Network" -s "$vm/vm1.eth1.sock"
refused 1 'no port group named "nope"' $P add -n vm3.eth0 -p nope -s "$vm/x.sock"
refused 1 'port group "VM Network" is on vSwitch0, not on vSwitch9' $P add -n vm3.eth0 -p "VM Network" -v vSwitch9 -s "$vm/x.sock"
refused 1 'number of queue pairs 17 is out of range: use 1..16' $P add -n vm3.eth0 -p "VM Network" -s "$vm/x.sock" -q 17
refused 1 'number of queue pairs 0 is out of range: use 1..16' $P add -n vm3.eth0 -p "VM Network" -s "$vm/x.sock" -q 0
refused 1 'MAC address "02:0c:29:zz:00:01" is not xx:xx:xx:xx:xx:xx' $P add -n vm3.eth0 -p "VM Network" -s "$vm/x.sock" -m 02:0c:29:zz:00:01
refused 1 'MAC address 01:00:5e:00:00:01 is a multicast address' $P add -n vm3.eth0 -p "VM Network" -s "$vm/x.sock" -m 01:00:5e:00:00:01
refused 1 'guest port vm1.eth1 already has this MAC address' $P add -n vm3.eth0 -p "VM Network" -s "$vm/x.sock" -m 02:0c:29:00:00:11
vmk0mac=$(json network ip interface list | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["MACAddress"])')
refused 1 'vmknic vmk0 already has this MAC address' $P add -n vm3.eth0 -p "VM Network" -s "$vm/x.sock" -m "$vmk0mac"
refused 1 'socket path is 1[0-9][0-9] bytes long: a Unix socket path holds at most 107' $P add -n vm3.eth0 -p "VM Network" -s "/$(printf 'a%.0s' $(seq 1 120))"
refused 1 '"vmnic0" is the name of a physical NIC' $P add -n vmnic0 -p "VM Network" -s "$vm/x.sock"
refused 1 '"vmk5" is the name of a vmknic' $P add -n vmk5 -p "VM Network" -s "$vm/x.sock"
refused 1 'guest port name "a-name-that-is-longer-than-31-bytes" must be 1..31 bytes long' $P add -n a-name-that-is-longer-than-31-bytes -p "VM Network" -s "$vm/x.sock"
refused 1 "cannot add guest port vm3.eth0 on vSwitch0: No such file or directory (the socket's directory does not exist); nothing was changed" $P add -n vm3.eth0 -p "VM Network" -s "$vm/nodir/x.sock" --server
: >"$vm/plain.file"
refused 1 'a file that is not a socket is at that path: remove it or choose another path' $P add -n vm3.eth0 -p "VM Network" -s "$vm/plain.file" --server
[ -f "$vm/plain.file" ] || fail "a file that is not a socket was removed"
refused 1 'another program listens on that socket' $P add -n vm3.eth0 -p "VM Network" -s "$sock" --server
[ -S "$sock" ] || fail "the control socket was taken away"
# A guest port takes no DPDK ethdev (its data path is vmknet's own), so a
# host has far more of them than ethdevs (32 in Debian's DPDK): 64 come and go.
n=0
while [ "$n" -lt 64 ] && cli $P add -n "e$n.eth0" -p "VM Network" -s "$vm/e$n.sock" --server >/dev/null 2>&1; do
	n=$((n + 1))
done
[ "$n" -eq 64 ] || fail "only $n of 64 guest ports could be added"
[ -S "$vm/e63.sock" ] || fail "the 64th guest port does not listen"
json $P list | json_check "assert len(d) == 67, len(d)"
for i in $(seq 0 $((n - 1))); do ok $P remove -n "e$i.eth0"; done
[ ! -e "$vm/e0.sock" ] || fail "a removed server port left its socket"
refused 1 'no guest port named "vm9.eth0" (see' $P remove -n vm9.eth0
refused 1 'no guest port or VM named "vm9" (see' $P list -n vm9
refused 1 'guest_ports\[0\] (vm1.eth0).portgroup: no port group named "VM Network" on vSwitch0' network vswitch standard portgroup remove -p "VM Network" -v vSwitch0
ok network vswitch standard add -v vSwitch1 -P 8
ok network vswitch standard portgroup add -p Small -v vSwitch1
for i in 1 2 3 4 5 6 7 8; do ok $P add -n "s$i.eth0" -p Small -s "$vm/s$i.sock"; done
refused 1 'vswitches\[1\] (vSwitch1).ports: 0 uplinks, 0 vmknics and 9 guest ports do not fit in 8 ports' $P add -n s9.eth0 -p Small -s "$vm/s9.sock"
for i in 1 2 3 4 5 6 7 8; do ok $P remove -n "s$i.eth0"; done
ok network vswitch standard remove -v vSwitch1
json $P list | json_check "assert [p['Name'] for p in d]==['vm1.eth0','vm1.eth1','vm2.eth0'], d"

echo "== remove"
ok $P add -n vm3.eth0 -p "VM Network" -s "$vm/vm3.sock" --server
[ -S "$vm/vm3.sock" ] || fail "vm3's socket"
ok $P remove -n vm3.eth0
[ ! -e "$vm/vm3.sock" ] || fail "a removed server port left its socket"
json_check "assert [x['name'] for x in d['guest_ports']]==['vm1.eth0','vm1.eth1','vm2.eth0'], d" <"$cfg"

echo "== a restart keeps the same document and ports; so does SIGKILL"
cp "$cfg" "$tmp/before.json"
json $P list | portless >"$tmp/before.list"
stop
[ ! -e "$vm/vm1.eth1.sock" ] || fail "a stopped vmknetd left its server socket"
start
cmp "$tmp/before.json" "$cfg" || fail "a restart rewrote the document"
json $P list | portless \
	| cmp "$tmp/before.list" - || fail "guest ports differ after a restart"
[ -S "$vm/vm1.eth1.sock" ] || fail "server socket not back after a restart"
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; pid=
[ -S "$vm/vm1.eth1.sock" ] || fail "expected a stale server socket after SIGKILL"
start
cmp "$tmp/before.json" "$cfg" || fail "SIGKILL and restart changed the document"
[ "$(field vm1.eth1 Mode)" = server ] || fail "vm1.eth1 after SIGKILL"
stop

echo "== documents: without guest ports, a guest without a MAC, corrupt entries"
good=$(cat "$cfg")
echo "$good" | python3 -c 'import json,sys; d=json.load(sys.stdin); del d["guest_ports"]; print(json.dumps(d))' >"$cfg"
start
json $P list | json_check "assert d==[], d"
json network vm list | json_check "assert d==[], d"
stop
echo "$good" | python3 -c 'import json,sys; d=json.load(sys.stdin); del d["guest_ports"][2]["mac"]; print(json.dumps(d))' >"$cfg"
start
json_check "m=d['guest_ports'][2]['mac']; assert m.startswith('02:0c:29:') and m!='02:0c:29:00:00:21', m" <"$cfg"
[ "$(field vm2.eth0 MACAddress)" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["guest_ports"][2]["mac"])' "$cfg")" ] \
	|| fail "the generated MAC is not the one saved"
stop
edit() { echo "$good" | python3 -c "import json,sys; d=json.load(sys.stdin); g=d['guest_ports']; $1; print(json.dumps(d))" >"$cfg"; }
edit 'g[0]["queues"]=99'
refused_file 'guest_ports\[0\] (vm1.eth0).queues: 99 is out of range 1..16'
edit 'g[1]["mode"]="listen"'
refused_file 'guest_ports\[1\] (vm1.eth1).mode: expected "client" or "server", got listen'
edit 'g[1]["socket"]=g[0]["socket"]'
refused_file "guest_ports\[1\] (vm1.eth1).socket: $vm/vm1.eth0.sock is already the socket of vm1.eth0"
edit 'g[2]["portgroup"]="nope"'
refused_file 'guest_ports\[2\] (vm2.eth0).portgroup: no port group named "nope" on vSwitch0'
edit 'g[0]["socket"]="relative.sock"'
refused_file 'guest_ports\[0\] (vm1.eth0).socket: "relative.sock" must be an absolute path'
echo "$good" >"$cfg"

echo "== real guests: links up, frames through the switch, links down"
VMKD_LCORES=0-1
start
M1=02:0c:29:00:01:01 M2=02:0c:29:00:02:01
ok $P add -n g1.eth0 -p "VM Network" -s "$vm/g1.sock" -m "$M1"
ok $P add -n g2.eth0 -p "VM Network" -s "$vm/g2.sock" -m "$M2" --server
mkfifo "$tmp/testpmd.in"
# g1's VM listens (the port is a client); g2's connects (the port is a server).
timeout 120 dpdk-testpmd -l 0-1 --no-pci --no-huge --no-shconf -m 512 \
	--file-prefix="$VMKD_NAME-testpmd-$$" --log-level='*:warning' \
	--vdev "net_virtio_user0,path=$vm/g1.sock,server=1,queues=1,queue_size=256,mac=$M1" \
	--vdev "net_virtio_user1,path=$vm/g2.sock,server=0,queues=1,queue_size=256,mac=$M2" \
	-- -i --total-num-mbufs=4096 <"$tmp/testpmd.in" >"$tmp/testpmd.log" 2>&1 &
tpid=$!
exec 7>"$tmp/testpmd.in"
links_up() { json $P list | python3 -c 'import json,sys; print(sum(p["Link"] == "Up" for p in json.load(sys.stdin) if p["Name"].startswith("g")))'; }
for _ in $(seq 1 150); do [ "$(links_up)" = 2 ] && break; sleep 0.2; done
[ "$(links_up)" = 2 ] || { cat "$tmp/testpmd.log"; fail "the guests' links did not come up"; }
ok $P list -n g1 | grep -qx '   Link: Up' || fail "g1.eth0 link in the table"
g2id=$(field g2.eth0 PortID)
echo "set fwd rxonly" >&7
"$BUILD/bin/pktcap" --control "$sock" --switchport "$g2id" --dir out --mac "$M1" -c 5 -t 20 \
	-o "$tmp/g2.pcap" >"$tmp/pktcap.out" 2>&1 &
pkpid=$!
# A burst from both guests, again until the capture has its frames.
for _ in $(seq 1 60); do
	kill -0 "$pkpid" 2>/dev/null || break
	echo "stop" >&7
	echo "start tx_first" >&7
	sleep 0.5
done
wait "$pkpid" || fail "pktcap at g2.eth0: $(cat "$tmp/pktcap.out")"
grep -q 'pktcap: 5 frames written' "$tmp/pktcap.out" || fail "pktcap: $(cat "$tmp/pktcap.out")"
[ "$(tshark -r "$tmp/g2.pcap" -T fields -e eth.src 2>/dev/null | sort -u)" = "$M1" ] \
	|| fail "frames at g2.eth0 are not g1's"
echo "stop" >&7
echo "show port stats all" >&7
echo '{"op":"port.stats"}' | socat - "UNIX-CONNECT:$sock" \
	| json_check "p={x['used_by']:x for x in d['result']['ports']}; assert p['g1.eth0']['kind']=='vhost' and p['g1.eth0']['rx_packets']>=32 and p['g2.eth0']['tx_packets']>=32, p"
echo "quit" >&7
exec 7>&-
wait "$tpid" || fail "testpmd exited with $?: $(tail -n 20 "$tmp/testpmd.log")"
# testpmd's port 1 (g2) received what the switch flooded from g1.
awk '/NIC statistics for port 1/ { on = 1 } on && /RX-packets:/ { print $2; exit }' "$tmp/testpmd.log" \
	| { read -r n; [ "${n:-0}" -ge 32 ] || fail "g2 received ${n:-nothing} in testpmd"; }
for _ in $(seq 1 50); do [ "$(links_up)" = 0 ] && break; sleep 0.2; done
[ "$(links_up)" = 0 ] || fail "links stayed up after the guests went away"
stop
echo "test_vmkcli_guest: all checks passed"
