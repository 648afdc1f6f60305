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
# a silent address times out (exit 1, 100% loss); bad requests are refused
# (exit 2).
# Needs root and iproute2; the namespace and veth pair are always deleted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "a network namespace and an af_packet uplink"
need ip ping
ns=vmkping$$
veth=vkp$$a
peer=vkp$$b
# Runs in cleanup, after vmknetd has stopped: the namespace and veth go.
del_netns() {
	ip netns del "$ns" 2>/dev/null || true
	ip link del "$veth" 2>/dev/null || true
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

echo "== bad requests"
vping 2 -I vmk9 192.0.2.2
grep -q 'no VMkernel interface named "vmk9"' "$tmp/err" || fail "vmk9 error"
vping 2 -c 100 -i 1 192.0.2.2
grep -q 'lower the count' "$tmp/err" || fail "bounded ping error"
vping 2 -c 0 192.0.2.2
vping 2 no-such-host.invalid
vping 2 -S nope 192.0.2.2
"$PING" --control "$tmp/none.sock" 192.0.2.2 >/dev/null 2>&1 && fail "vmkping without vmknetd succeeded"

stop
echo "test_vmkping: all checks passed"
