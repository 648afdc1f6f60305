#!/usr/bin/env bash
# Objective: vmkping asks a running vmknetd to ping and prints ping's shape
# ("PING host (addr): N data bytes", a line per reply, statistics, min/avg/
# max), exiting 0 only when replies came. Cases: two vmknics of vmknetd on
# one port group (vmk0 in defaultTcpipStack, vmk1 in a custom netstack)
# ping each other across the vSwitch; vmknetd reaches a Linux host in a
# network namespace through a net_af_packet uplink on a veth pair, and
# Linux pings vmk0; each side appears in the other's neighbour table;
# `-s 8972 -d` fails cleanly at MTU 1500 (exit 1, no reply line) and, with
# the vSwitch, vmk0 and Linux at MTU 9000, succeeds both ways (the uplink's
# af_packet frames and vmknetd's packet buffers are sized for jumbo frames);
# a silent address times out (exit 1, 100% loss); -c 120 runs in batches
# with icmp_seq 1..120 and statistics over all; SIGINT prints the
# statistics so far (lines printed as batches return); -t sets the
# requests' TTL (through Linux as a router to a second namespace: TTL 1
# gets "Time to live exceeded" from the router, TTL 2 a reply); -v adds each
# outcome's details; -D pings vmk0's gateway and the netstack's default
# gateway with a line each (100% loss for a silent one, a message when
# there is none); bad requests are refused (exit 2).
# Needs root and iproute2; the namespaces and veth pairs are always deleted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "a network namespace and an af_packet uplink"
need ip ping
ns=vmkping$$
ns2=vmkping2$$
veth=vkp$$a
peer=vkp$$b
veth2=vkq$$a
peer2=vkq$$b
# Runs in cleanup, after vmknetd has stopped: the namespaces and veths go.
del_netns() {
	ip netns del "$ns" 2>/dev/null || true
	ip netns del "$ns2" 2>/dev/null || true
	ip link del "$veth" 2>/dev/null || true
	ip link del "$veth2" 2>/dev/null || true
}
VMKD_NAME=vmkping-test
VMKD_LCORES=0-1
VMKD_MEM=512
VMKD_EAL_ARGS=(--vdev "net_af_packet0,iface=$veth,framesz=10240,blocksz=20480")
VMKD_DAEMON_ARGS=(--mbuf-size 10368)
VMKD_CLEANUP_HOOK=del_netns
. tests/integration/lib/vmknetd.sh
PING=$BUILD/bin/vmkping
cfg=$tmp/config.json
sock=$tmp/vmknetd.sock
lx() { ip netns exec "$ns" "$@"; }

# vping WANT_RC ARGS...: run vmkping, keep its output in $tmp/out.
vping() {
	local want=$1 rc=0
	shift
	"$PING" --control "$sock" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	echo "\$ vmkping $* -> $rc"; cat "$tmp/out" "$tmp/err"
	[ "$rc" -eq "$want" ] || fail "vmkping $*: exit $rc, want $want"
}

echo "== Linux peer: namespace $ns, veth $veth <-> $peer"
ip netns add "$ns"
ip netns add "$ns2"
ip link add "$veth" type veth peer name "$peer" netns "$ns"
ip link set "$veth" up
lx ip link set lo up
lx ip link set "$peer" up
lx ip addr add 192.0.2.2/24 dev "$peer"

echo "== vmknetd with a worker and the veth as vmnic0"
start
ok network vswitch standard uplink add -u vmnic0 -v vSwitch0
ok network ip netstack add -N second
ok network ip interface add -i vmk1 -p "Management Network" -N second
ok network ip interface ipv4 set -i vmk1 -I 192.0.2.11 -N 255.255.255.0
ok network ip interface list

echo "== two vmknics across the vSwitch"
vping 0 -I vmk0 -c 3 -i 0.2 192.0.2.11
grep -q '^PING 192.0.2.11 (192.0.2.11): 56 data bytes$' "$tmp/out" || fail "PING line"
[ "$(grep -c '^64 bytes from 192.0.2.11: icmp_seq=[123] ttl=64 time=[0-9.]* ms$' "$tmp/out")" -eq 3 ] \
	|| fail "three reply lines"
grep -q '^--- 192.0.2.11 ping statistics ---$' "$tmp/out" || fail "statistics title"
grep -q '^3 packets transmitted, 3 packets received, 0% packet loss$' "$tmp/out" || fail "counts"
grep -q '^round-trip min/avg/max = [0-9.]*/[0-9.]*/[0-9.]* ms$' "$tmp/out" || fail "rtt line"
vping 0 -S second -c 2 -i 0.2 -s 1000 192.0.2.10
grep -q '^1008 bytes from 192.0.2.10: icmp_seq=1 ' "$tmp/out" || fail "size 1000 reply"

echo "== vmknetd and Linux ping each other"
vping 0 -I vmk0 -c 3 -i 0.2 -W 2 192.0.2.2
grep -q '^3 packets transmitted, 3 packets received, 0% packet loss$' "$tmp/out" || fail "ping Linux"
lx ping -c 3 -i 0.2 -W 2 192.0.2.10 || fail "Linux cannot ping vmk0"
lx ping -c 2 -i 0.2 -W 2 192.0.2.11 || fail "Linux cannot ping vmk1"
lx ip neigh show 192.0.2.10 | tee "$tmp/neigh"
grep -qi "$("$CLI" --control "$sock" --formatter=json network ip interface list | python3 -c 'import json,sys; print([n["MACAddress"] for n in json.load(sys.stdin) if n["Name"]=="vmk0"][0])')" "$tmp/neigh" \
	|| fail "vmk0's MAC is not in Linux's neighbour table"
ok network ip neighbor list -N defaultTcpipStack | tee "$tmp/out"
grep -q "^192.0.2.2  *$(lx cat /sys/class/net/$peer/address)  *vmk0 " "$tmp/out" || fail "Linux not in vmknet's neighbours"

echo "== DF at MTU 1500 fails cleanly; a silent address times out"
vping 1 -I vmk0 -c 1 -s 8972 -d 192.0.2.2
grep -q '^PING 192.0.2.2 (192.0.2.2): 8972 data bytes$' "$tmp/out" || fail "PING line for 8972"
grep -q 'Message too long' "$tmp/out" || fail "no 'Message too long'"
grep -q 'bytes from' "$tmp/out" && fail "a reply to an oversized DF ping"
grep -q '^1 packets transmitted, 0 packets received, 100% packet loss$' "$tmp/out" || fail "DF counts"
vping 0 -I vmk0 -c 1 -s 1472 -d 192.0.2.2

echo "== jumbo frames: -s 8972 -d at MTU 9000 on both sides"
ip link set "$veth" mtu 9000
lx ip link set "$peer" mtu 9000
ok network vswitch standard set -v vSwitch0 -m 9000
ok network ip interface set -i vmk0 -m 9000
vping 0 -I vmk0 -c 2 -i 0.2 -s 8972 -d 192.0.2.2
[ "$(grep -c '^8980 bytes from 192.0.2.2: icmp_seq=[12] ' "$tmp/out")" -eq 2 ] || fail "two 8980-byte replies"
lx ping -c 2 -i 0.2 -W 2 -M do -s 8972 192.0.2.10 || fail "Linux's DF 8972 ping to vmk0 failed"
vping 1 -I vmk0 -c 1 -s 8973 -d 192.0.2.2
grep -q 'Message too long' "$tmp/out" || fail "no 'Message too long' above MTU 9000"
ok network ip interface set -i vmk0 -m 1500
vping 1 -I vmk0 -c 1 -s 8972 -d 192.0.2.2
grep -q 'Message too long' "$tmp/out" || fail "no 'Message too long' back at MTU 1500"
vping 1 -I vmk0 -c 2 -i 0.2 -W 0.5 192.0.2.99
grep -q '^Request timeout for icmp_seq 1$' "$tmp/out" || fail "timeout line"
grep -q '100% packet loss$' "$tmp/out" || fail "100% loss"

echo "== -c above 100: batches, statistics over all"
vping 0 -I vmk0 -c 120 -i 0.01 192.0.2.11
[ "$(grep -c '^64 bytes from 192.0.2.11: icmp_seq=[0-9]* ttl=64 ' "$tmp/out")" -eq 120 ] || fail "120 reply lines"
[ "$(grep -o 'icmp_seq=[0-9]*' "$tmp/out" | cut -d= -f2 | tr '\n' ' ')" = "$(seq 1 120 | tr '\n' ' ')" ] || fail "icmp_seq 1..120 in order"
grep -q '^120 packets transmitted, 120 packets received, 0% packet loss$' "$tmp/out" || fail "120 counts"

echo "== Ctrl-C prints the statistics so far"
"$PING" --control "$sock" -I vmk0 -c 1000 -i 0.2 192.0.2.11 >"$tmp/out" 2>&1 &
bg=$!
for _ in $(seq 1 100); do [ "$(grep -c 'bytes from' "$tmp/out")" -ge 3 ] && break; sleep 0.05; done
[ "$(grep -c 'bytes from' "$tmp/out")" -ge 3 ] || fail "no reply lines before Ctrl-C (not printed as they come)"
kill -INT "$bg"
rc=0; wait "$bg" || rc=$?
cat "$tmp/out"
[ "$rc" -eq 0 ] || fail "vmkping after SIGINT: exit $rc"
n=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received, 0% packet loss$/\1 \2/p' "$tmp/out")
[ -n "$n" ] && [ "${n% *}" = "${n#* }" ] && [ "${n% *}" -ge 3 ] && [ "${n% *}" -lt 100 ] || fail "statistics after SIGINT: '$n'"
[ "$(grep -c 'bytes from' "$tmp/out")" -eq "${n% *}" ] || fail "reply lines and count differ"

echo "== -t TTL: Linux routes to a second namespace; TTL 1 expires at the router"
ip link add "$veth2" type veth peer name "$peer2" netns "$ns2"
ip link set "$veth2" netns "$ns"
lx ip link set "$veth2" up
lx ip addr add 198.51.100.1/24 dev "$veth2"
lx sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$ns2" ip link set lo up
ip netns exec "$ns2" ip link set "$peer2" up
ip netns exec "$ns2" ip addr add 198.51.100.2/24 dev "$peer2"
ip netns exec "$ns2" ip route add default via 198.51.100.1
ok network ip route ipv4 add -n 198.51.100.0/24 -g 192.0.2.2
vping 0 -I vmk0 -c 1 -W 2 198.51.100.2
grep -q '^64 bytes from 198.51.100.2: icmp_seq=1 ttl=63 ' "$tmp/out" || fail "two hops: reply ttl 63"
vping 1 -I vmk0 -c 1 -W 2 -t 1 198.51.100.2
grep -q '^From 192.0.2.2 icmp_seq=1 Time to live exceeded$' "$tmp/out" || fail "TTL 1: time exceeded from the router"
sleep 1.1   # Linux sends one time-exceeded a second
vping 0 -I vmk0 -c 1 -W 2 -t 2 198.51.100.2
grep -q '^64 bytes from 198.51.100.2: icmp_seq=1 ttl=63 ' "$tmp/out" || fail "TTL 2 reaches the second hop"
vping 2 -t 0 192.0.2.2
vping 0 -4 -I vmk0 -c 1 192.0.2.2
vping 2 -6 192.0.2.2
grep -q 'IPv6 is not supported' "$tmp/err" || fail "-6 error"
vping 2 -t 256 192.0.2.2

echo "== -v: each outcome with its details"
vping 0 -v -I vmk0 -c 2 -i 0.2 -t 9 -d 192.0.2.2
grep -q '^vmkping: requests 1-2 of 2 to vmknetd$' "$tmp/out" || fail "-v batch line"
[ "$(grep -c '^64 bytes from 192.0.2.2: icmp_seq=[12] ttl=64 time=[0-9.]* ms (56 data bytes, sent with ttl 9 and DF, rtt [0-9]* us)$' "$tmp/out")" -eq 2 ] \
	|| fail "-v reply lines"
vping 1 -v -I vmk0 -c 1 -W 0.3 192.0.2.99
grep -q '^Request timeout for icmp_seq 1 (errno 110: ' "$tmp/out" || fail "-v timeout line"

echo "== -D: the netstack's gateways, a line each"
ok network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.0 -g 192.0.2.2
ok network ip route ipv4 add -n default -g 192.0.2.2 --replace
vping 0 -D -c 2 -i 0.2
grep -q '^vmkping: TCP/IP stack debug mode: the gateways of netstack defaultTcpipStack$' "$tmp/out" || fail "-D title"
grep -q '^vmk0 gateway 192.0.2.2: 2 packets transmitted, 2 packets received, 0% packet loss$' "$tmp/out" || fail "-D vmk0's gateway"
grep -q '^defaultTcpipStack default gateway 192.0.2.2: 2 packets transmitted, 2 packets received, 0% packet loss$' "$tmp/out" || fail "-D default gateway"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "-D: a line per gateway"
vping 1 -D -S second
grep -q '^vmkping: netstack second has no gateway configured$' "$tmp/out" || fail "-D without gateways"
ok network ip route ipv4 add -n default -g 192.0.2.99 -N second
vping 1 -D -S second -c 1 -W 0.3
grep -q '^second default gateway 192.0.2.99: 1 packets transmitted, 0 packets received, 100% packet loss$' "$tmp/out" || fail "-D silent gateway"
vping 0 -D -I vmk0 -c 1
grep -q '^vmk0 gateway 192.0.2.2: 1 packets' "$tmp/out" || fail "-D -I vmk0"
vping 2 -D 192.0.2.2
ok network ip route ipv4 remove -n default -N second

echo "== bad requests"
vping 2 -I vmk9 192.0.2.2
grep -q 'no VMkernel interface named "vmk9"' "$tmp/err" || fail "vmk9 error"
vping 2 -c 0 192.0.2.2
vping 2 no-such-host.invalid
vping 2 -S nope 192.0.2.2
"$PING" --control "$tmp/none.sock" 192.0.2.2 >/dev/null 2>&1 && fail "vmkping without vmknetd succeeded"

stop
echo "test_vmkping: all checks passed"
