#!/usr/bin/env bash
# Objective: `vmkcli network diag` troubleshoots a VMkernel interface
# against Linux in network namespaces. Topology: vmknetd's vmnic0 is an
# af_packet uplink on a veth to namespace r1 (192.0.2.2, a router), r1
# routes to r2 (198.51.100.2, a router), r2 to the target t
# (203.0.113.2); vmk0 is 192.0.2.10/24 with r1 as the default gateway.
# Cases: diag ping counts replies and loss with esxcli's Trace/Summary in
# the table, json (parsed by python3's json.tool), csv, keyvalue and xml
# forms, a router's Time Exceeded as a Trace record; bad requests (unknown
# vmknic or netstack, bad host, count 0, size too big, bad wait) are
# refused cleanly; traceroute lists r1, r2, t in order, "*" past a
# blackhole, !H (and the end) at an unreachable route; diag check passes on
# the healthy path in table and json, refuses hosts that are not a peer,
# and names the first broken step with its fix for: adapter disabled,
# wrong netmask, no default route, a gateway that does not answer ARP,
# the uplink taken down, VLAN 20 on the port group with Linux untagged,
# shaping that drops the adapter's frames, MTU 9000 on vmk0 with 1500 on
# the path (r1 -> r2), the host firewall dropping what the check sends
# (iSCSI's ruleset off, then on with 203.0.113.2 not in its allowed list,
# then the icmp ruleset off), and a VM (testpmd on a guest port) whose
# frames forged-transmit rejection drops.
# Needs root, iproute2 and dpdk-testpmd; the namespaces, veth pairs and
# testpmd are always removed.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "network namespaces and an af_packet uplink"
need ip python3 dpdk-testpmd
r1=vmkdr1$$
r2=vmkdr2$$
t=vmkdt$$
veth=vkd$$a
del_netns() {
	ip netns del "$r1" 2>/dev/null || true
	ip netns del "$r2" 2>/dev/null || true
	ip netns del "$t" 2>/dev/null || true
	ip link del "$veth" 2>/dev/null || true
	[ -z "${tpid:-}" ] || kill "$tpid" 2>/dev/null || true
}
VMKD_NAME=vmkcli-diag-test
VMKD_LCORES=0-1
VMKD_MEM=512
VMKD_EAL_ARGS=(--vdev "net_af_packet0,iface=$veth,framesz=10240,blocksz=20480")
VMKD_DAEMON_ARGS=(--mbuf-size 10368)
VMKD_CLEANUP_HOOK=del_netns
. tests/integration/lib/vmknetd.sh
nx() { local n=$1; shift; ip netns exec "$n" "$@"; }

# run WANT_RC ARGS...: vmkcli ARGS..., output in $tmp/out and $tmp/err.
run() {
	local want=$1 rc=0
	shift
	cli "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	echo "\$ vmkcli $* -> $rc"; cat "$tmp/out" "$tmp/err"
	[ "$rc" -eq "$want" ] || fail "vmkcli $*: exit $rc, want $want"
}

# has LINE...: each LINE is a whole line of $tmp/out.
has() {
	local l
	for l in "$@"; do grep -qxF -- "$l" "$tmp/out" || fail "no line '$l'"; done
}

echo "== Linux: r1 (192.0.2.2) -> r2 (198.51.100.2) -> t (203.0.113.2)"
for n in "$r1" "$r2" "$t"; do ip netns add "$n"; nx "$n" ip link set lo up; done
ip link add "$veth" type veth peer name r1a netns "$r1"
ip link set "$veth" up
nx "$r1" ip link add r1b type veth peer name r2a netns "$r2"
nx "$r2" ip link add r2b type veth peer name ta netns "$t"
nx "$r1" ip addr add 192.0.2.2/24 dev r1a
nx "$r1" ip addr add 198.51.100.1/24 dev r1b
nx "$r2" ip addr add 198.51.100.2/24 dev r2a
nx "$r2" ip addr add 203.0.113.1/24 dev r2b
nx "$t" ip addr add 203.0.113.2/24 dev ta
nx "$r1" ip link set r1a up; nx "$r1" ip link set r1b up
nx "$r2" ip link set r2a up; nx "$r2" ip link set r2b up
nx "$t" ip link set ta up
nx "$r1" ip route add 203.0.113.0/24 via 198.51.100.2
nx "$r2" ip route add default via 198.51.100.1
nx "$t" ip route add default via 203.0.113.1
for n in "$r1" "$r2"; do
	nx "$n" sysctl -qw net.ipv4.ip_forward=1
	nx "$n" sysctl -qw net.ipv4.icmp_ratelimit=0   # every probe gets its error
done

echo "== vmknetd: vmk0 192.0.2.10/24 on vmnic0, default gateway r1"
start
ok network vswitch standard uplink add -u vmnic0 -v vSwitch0
ok network ip route ipv4 add -n default -g 192.0.2.2

echo "== diag ping: the gateway, then the target two routers away"
run 0 network diag ping -H 192.0.2.2 -I vmk0 -c 3 -i 0.2
has '   Trace:' '         Host: 192.0.2.2' '         ICMP Seq: 3' '         TTL: 64' \
	'         Dup: false' '   Summary:' '         Host Addr: 192.0.2.2' '         Transmitted: 3' \
	'         Received: 3' '         Duplicated: 0' '         Packet Lost: 0'
[ "$(grep -c '^         Received Bytes: 64$' "$tmp/out")" -eq 3 ] || fail "three 64-byte replies"
grep -q '^         Round-trip Time (us): [0-9][0-9]*$' "$tmp/out" || fail "round-trip time"
grep -q '^         Round-trip Max (us): [1-9][0-9]*$' "$tmp/out" || fail "Round-trip Max"
run 0 --formatter=json network diag ping --host 203.0.113.2 --interface vmk0 --count 2 \
	--interval 0.1 --wait 2 --size 1000 --df --ttl 10
python3 -m json.tool "$tmp/out" >/dev/null || fail "json does not parse"
json_check 'assert d["Summary"]["Transmitted"] == 2 and d["Summary"]["Received"] == 2, d
assert d["Summary"]["HostAddr"] == "203.0.113.2" and d["Summary"]["PacketLost"] == 0
assert [x["ICMPSeq"] for x in d["Trace"]] == [1, 2]
assert all(x["ReceivedBytes"] == 1008 and x["TTL"] == 62 and x["Host"] == "203.0.113.2" for x in d["Trace"])' <"$tmp/out"
run 0 --formatter=json network diag ping -H 203.0.113.2 -c 1 -W 2 -t 1
json_check 'assert d["Summary"]["Received"] == 0 and d["Summary"]["PacketLost"] == 100
assert d["Trace"][0]["Host"] == "192.0.2.2" and d["Trace"][0]["Detail"] == "Time to live exceeded", d' <"$tmp/out"
run 0 network diag ping -H 192.0.2.99 -c 2 -i 0.1 -W 0.3
grep -q '^         Packet Lost: 100$' "$tmp/out" || fail "100% loss to a silent address"
grep -q 'Received Bytes' "$tmp/out" && fail "a trace record for a timeout"
run 0 --formatter=csv network diag ping -H 192.0.2.2 -c 2 -i 0.1
head -n 1 "$tmp/out" | grep -q '^Trace.ReceivedBytes,Trace.Host,Trace.ICMPSeq,.*Summary.HostAddr,Summary.Transmitted' || fail "csv header"
grep -q '^"64,64","192.0.2.2,192.0.2.2","1,2",' "$tmp/out" || fail "csv row"
run 0 --formatter=keyvalue network diag ping -H 192.0.2.2 -c 1
grep -q '^Ping.Summary.Received.string=1$' "$tmp/out" || fail "keyvalue"
run 0 --formatter=xml network diag ping -H 192.0.2.2 -c 1
python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$tmp/out" || fail "xml does not parse"
grep -q '<field name="Trace">' "$tmp/out" && grep -q '<list type="structure">' "$tmp/out" || fail "xml trace list"

echo "== diag ping: bad requests are refused"
refused 1 'no VMkernel interface named "vmk9"' network diag ping -H 192.0.2.2 -I vmk9
refused 1 'host' network diag ping -H not-an-address
refused 1 'count 0 is out of range' network diag ping -H 192.0.2.2 -c 0
refused 1 'size 70000 is out of range' network diag ping -H 192.0.2.2 -s 70000
refused 1 'wait "x" must be' network diag ping -H 192.0.2.2 -W x
refused 1 'no netstack named "nope"' network diag ping -H 192.0.2.2 -N nope
refused 2 'missing required parameter -H|--host' network diag ping -c 1
run 0 network diag ping -H 192.0.2.2 -s 8972 -d -c 1
grep -q 'Packet Lost: 100' "$tmp/out" || fail "an oversized DF ping was not lost"

# (r2 drops or refuses before it looks at the TTL, so hop 2 is the one.)
echo "== traceroute: r1, r2, the target; '*' from a blackhole at r2, !H from an unreachable route"
run 0 network diag traceroute -H 203.0.113.2 -I vmk0
grep -q '^Hop  Host  *Round-trip Times  *Detail$' "$tmp/out" || fail "traceroute header"
[ "$(sed -n '3,$p' "$tmp/out" | awk '{print $1 " " $2}' | tr '\n' ' ')" = "1 192.0.2.2 2 198.51.100.2 3 203.0.113.2 " ] \
	|| fail "hops are not r1, r2, t"
grep -q '^  3  203.0.113.2  *[0-9.]* ms, [0-9.]* ms, [0-9.]* ms  *destination$' "$tmp/out" || fail "hop 3 line"
run 0 --formatter=json network diag traceroute -H 203.0.113.2 -q 1 -m 2
json_check 'assert [(h["Hop"], h["Host"]) for h in d] == [(1, ["192.0.2.2"]), (2, ["198.51.100.2"])], d
assert len(d[1]["RoundtripTimes"]) == 1 and d[1]["Detail"] == ""' <"$tmp/out"
nx "$r2" ip route add blackhole 203.0.113.0/25
run 0 network diag traceroute -H 203.0.113.2 -m 4 -W 0.5
grep -q '^  1  192.0.2.2  ' "$tmp/out" || fail "hop 1 before the blackhole"
grep -q '^  4  *\*, \*, \*' "$tmp/out" || fail "no '*' past the blackhole"
nx "$r2" ip route replace unreachable 203.0.113.0/25
# Linux rate-limits its ICMP errors per source (a token a second, shared
# by time-exceeded and unreachable answers): a run whose probes found no
# token is tried again, three times at most, a second apart.
for try in 1 2 3; do
	run 0 network diag traceroute -H 203.0.113.2 -m 4 -W 0.5
	grep -q '^  2  198.51.100.2  *[0-9.]* ms !H.*unreachable (!H)$' "$tmp/out" && break
	[ "$try" -lt 3 ] || fail "no !H from r2 in 3 runs"
	sleep 1
done
[ "$(wc -l <"$tmp/out")" -eq 4 ] || fail "traceroute goes on after !H"
nx "$r2" ip route del 203.0.113.0/25
refused 1 'max TTL 65 is out of range' network diag traceroute -H 203.0.113.2 -m 65
refused 1 'no VMkernel interface named "vmk7"' network diag traceroute -H 203.0.113.2 -I vmk7

# fault HOST STEP FIX: diag check to HOST exits 1 and names STEP first,
# with FIX (a fixed string) in its fix; the output is kept in the log.
fault() {
	local host=$1 step=$2 fix=$3
	shift 3
	run 1 network diag check -I vmk0 -H "$host" "$@"
	grep -q "^result  *FAIL  *first failed step  *$step: " "$tmp/out" || fail "first failure is not $step"
	grep '^result ' "$tmp/out" | grep -qF -- "$fix" || fail "fix for $step lacks '$fix'"
	[ "$(grep -c '  FAIL  ' "$tmp/out")" -ge 2 ] || fail "no FAIL row besides the result"
}

echo "== diag check: the healthy path, every form"
run 0 network diag check -I vmk0 -H 203.0.113.2 -p 22
for s in adapter 'portgroup VLAN' uplinks route firewall 'ARP next hop' 'echo host' \
	'path MTU' 'port drops' result; do
	grep -q "^$s  *ok  " "$tmp/out" || fail "step $s is not ok"
done
grep -q '^firewall  *ok  *the host firewall is disabled' "$tmp/out" || fail "firewall row"
grep -q '^route  *ok  *203.0.113.2: vmk0 via 192.0.2.2 (default route 0.0.0.0/0), next hop 192.0.2.2' "$tmp/out" || fail "route evidence"
run 0 --formatter=json network diag check -I vmk0 -H 192.0.2.2
json_check 'assert [r["Step"] for r in d][:4] == ["adapter", "port drops", "portgroup VLAN", "uplinks"], d
assert d[-1] == {"Step": "result", "Verdict": "ok", "Evidence": "every step passed", "Fix": ""}, d[-1]
assert "on-link" in d[4]["Evidence"]' <"$tmp/out"
python3 -m json.tool "$tmp/out" >/dev/null || fail "json does not parse"
refused 1 'no VMkernel interface named "vmk5"' network diag ping -H 192.0.2.2 -I vmk5
refused 1 'no netstack named "nope"' network diag check -I vmk0 -H 192.0.2.2 -N nope
ok network ip netstack add -N second
refused 1 'vmk0 is in netstack defaultTcpipStack, not second' network diag check -I vmk0 -H 192.0.2.2 -N second
refused 1 'port 0 is out of range' network diag check -I vmk0 -H 192.0.2.2 -p 0
refused 2 'missing required parameter -I|--interface' network diag check -H 192.0.2.2
run 1 network diag check -I vmk3 -H 192.0.2.2
grep -q '^adapter  *FAIL  *no VMkernel interface named vmk3' "$tmp/out" || fail "missing adapter"

echo "== diag check: hosts that are not a peer are refused"
refused 1 '192.0.2.10 is vmk0.s own address' network diag check -I vmk0 -H 192.0.2.10
refused 1 '192.0.2.255 is the broadcast address of vmk0.s subnet' network diag check -I vmk0 -H 192.0.2.255
for h in 0.0.0.0 255.255.255.255 224.0.0.1 127.0.0.1; do
	refused 1 "host $h is not a unicast address" network diag check -I vmk0 -H "$h"
done
run 0 network diag ping -H 192.0.2.2 -c 1

echo "== diag check: adapter disabled"
ok network ip interface set -i vmk0 -e false
fault 203.0.113.2 adapter 'vmkcli network ip interface set -i vmk0 -e true'
ok network ip interface set -i vmk0 -e true

echo "== diag check: wrong netmask (/29: Linux's 192.0.2.2 is off the segment)"
ok network ip route ipv4 remove -n default
ok network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.248
fault 192.0.2.2 route 'vmkcli network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.0'
ok network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.0

echo "== diag check: no default route"
fault 203.0.113.2 route 'vmkcli network ip route ipv4 add -n default -g GATEWAY -N defaultTcpipStack'
ok network ip route ipv4 add -n default -g 192.0.2.2

echo "== diag check: the gateway does not answer ARP"
ok network ip route ipv4 add -n default -g 192.0.2.3 --replace
fault 203.0.113.2 'ARP next hop' 'the gateway 192.0.2.3 does not answer on VLAN 0'
ok network ip route ipv4 add -n default -g 192.0.2.2 --replace

echo "== diag check: uplink link down"
ok network nic down -n vmnic0
fault 203.0.113.2 uplinks 'vmkcli network nic up -n vmnic0'
grep -q '^uplinks  *FAIL  *active: vmnic0 (down: taken down by nic down)' "$tmp/out" || fail "uplink evidence"
ok network nic up -n vmnic0
sleep 0.5

echo "== diag check: VLAN 20 on the port group, Linux untagged"
ok network vswitch standard portgroup set -p "Management Network" -v 20
nx "$r1" ping -q -i 0.2 -c 25 192.0.2.10 >/dev/null 2>&1 &
lxping=$!
fault 192.0.2.2 'portgroup VLAN' 'vmkcli network vswitch standard portgroup set -p "Management Network" -v PEER_VLAN'
wait "$lxping" || true
ok network vswitch standard portgroup set -p "Management Network" -v 0

# The 1500 link is r1 -> r2: r1 says "fragmentation needed". (A frame above
# the MTU of a veth's peer, as r1a at 1500 would be, makes this kernel drop
# every later frame of vmknetd's af_packet uplink: see the known bugs.)
echo "== diag check: the port group's shaping drops the adapter's frames"
ok network vswitch standard portgroup policy shaping set -p "Management Network" -e true -k 1 -t 1 -b 2
cli network diag ping -H 192.0.2.2 -c 1 -s 3000 >/dev/null   # empties the bucket
fault 192.0.2.2 'port drops' 'vmkcli network vswitch standard portgroup policy shaping set -p "Management Network" -e false'
grep -q '^port drops  *FAIL  *vmk0 rx shaped [0-9]* (+[1-9][0-9]* during this check)' "$tmp/out" || fail "shaped evidence"
ok network vswitch standard portgroup policy shaping set -p "Management Network" -e false

echo "== diag check: MTU 9000 on vmk0, 1500 on the path (r1 -> r2)"
ip link set "$veth" mtu 9000
nx "$r1" ip link set r1a mtu 9000
ok network vswitch standard set -v vSwitch0 -m 9000
ok network ip interface set -i vmk0 -m 9000
fault 203.0.113.2 'path MTU' 'vmkcli network ip interface set -i vmk0 -m 1500'
grep -q 'router 192.0.2.2 sent fragmentation needed, next-hop MTU 1500; the largest that came back is 1472 bytes: path MTU 1500' "$tmp/out" || fail "path MTU evidence"
ok network ip interface set -i vmk0 -m 1500
run 0 network diag check -I vmk0 -H 203.0.113.2

echo "== diag check: the host firewall drops what the check sends"
ok network firewall set --enabled true
run 0 network diag check -I vmk0 -H 203.0.113.2
grep -q '^firewall  *ok  *outbound ICMP type 8 to 203.0.113.2: passed by ruleset icmp' "$tmp/out" ||
	fail "firewall row with icmp allowed"
fault 203.0.113.2 firewall 'vmkcli network firewall ruleset set -r iSCSI --enabled true' -p 3260
grep -q '^firewall  *FAIL  *outbound TCP port 3260 to 203.0.113.2: dropped by the default action DROP (ruleset iSCSI has the rule but is disabled)' \
	"$tmp/out" || fail "firewall evidence"
ok network firewall ruleset set -r iSCSI --enabled true --allowed-all false
ok network firewall ruleset allowedip add -r iSCSI -i 198.51.100.0/24
fault 203.0.113.2 firewall 'vmkcli network firewall ruleset allowedip add -r iSCSI -i 203.0.113.2' -p 3260
ok network firewall ruleset set -r icmp --enabled false
fault 203.0.113.2 firewall 'vmkcli network firewall ruleset set -r icmp --enabled true'
ok network firewall set --enabled false
run 0 network diag check -I vmk0 -H 203.0.113.2 -p 3260

# testpmd is the VM: its virtio-user MAC is not the one its port was given,
# so every frame it sends is a forged transmit.
echo "== diag check: a VM whose frames forged transmits reject"
M1=02:0c:29:00:01:01 M3=02:0c:29:00:09:09
ok network vm port add -n g1.eth0 -p "VM Network" -s "$tmp/g1.sock" -m "$M1"
ok network vswitch standard portgroup policy security set -p "VM Network" -f false
mkfifo "$tmp/testpmd.in"
timeout 120 dpdk-testpmd -l 0-1 --no-pci --no-huge --no-shconf -m 512 \
	--file-prefix="$VMKD_NAME-testpmd-$$" --log-level='*:warning' \
	--vdev "net_virtio_user0,path=$tmp/g1.sock,server=1,queues=1,queue_size=256,mac=$M3" \
	-- -i --total-num-mbufs=4096 <"$tmp/testpmd.in" >"$tmp/testpmd.log" 2>&1 &
tpid=$!
exec 7>"$tmp/testpmd.in"
for _ in $(seq 1 150); do
	json network vm port list -n g1.eth0 | grep -q '"Link":"Up"' && break
	sleep 0.2
done
json network vm port list -n g1.eth0 | grep -q '"Link":"Up"' || { cat "$tmp/testpmd.log"; fail "the VM's link did not come up"; }
echo "set fwd txonly" >&7
echo "start" >&7
sleep 1
fault 192.0.2.50 'port drops' 'g1.eth0 (port group "VM Network") sends from a MAC that is not its port'
grep -q '^port drops  *FAIL  *.*g1.eth0 rx security [0-9]* (+[1-9][0-9]* during this check)' "$tmp/out" || fail "forged evidence"
echo "stop" >&7
echo "quit" >&7
exec 7>&-
wait "$tpid" || true
tpid=

stop
echo "test_vmkcli_diag: all checks passed"
