#!/usr/bin/env bash
# Objective: a vmknic set `-t dhcp` leases its address from a real DHCP
# server (Debian's dnsmasq in a Linux namespace, reached through an
# af_packet uplink) as RFC 2131 says and ESXi behaves (issue 19, point 2):
#   1. DISCOVER/OFFER/REQUEST/ACK with vmk1's MAC; `ipv4 get` shows the
#      address, netmask and router with Address Type DHCP; `route ipv4
#      list` has the router as the one default route (Source DHCP);
#   2. the single-default-gateway rule: a configured default gateway wins
#      (one default route, MANUAL), and DHCP's comes back when it goes;
#   3. renewal at T1 (4 s here: dnsmasq's options 58/59) unicast to the
#      server; rebinding at T2 (broadcast) when the server drops unicast
#      requests (nftables in the namespace); both seen on the wire;
#   4. malformed and foreign replies (short, bad cookie, option overflow,
#      wrong xid, wrong MAC) are counted drops and change nothing;
#   5. a NAK (the server restarted with another range) restarts the client,
#      which leases a new address;
#   6. -P true: the DHCP DNS servers appear in `ipv4 get`;
#   7. the saved file records -t dhcp, never the lease; after a restart of
#      vmknetd the client runs again and leases the address;
#   8. DHCPRELEASE when the interface is set static and when it is
#      removed (dnsmasq logs both), and DHCP's default route goes with it;
#   9. wrong arguments are refused with a reason, the file unchanged.
# Lease expiry (2 minutes at least with dnsmasq) is driven in virtual time
# by tests/unit/test_dhcp.c. Needs root, iproute2, dnsmasq, nft, tcpdump,
# tshark; every process and the namespace are removed whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "a network namespace and an af_packet uplink"
need ip ethtool dnsmasq nft tcpdump tshark python3
VMKR_NAME=vmkdhcp
. tests/integration/lib/vmkrun.sh

dnsmasq_pid=
dns_log=$tmp/dnsmasq.log
# On failure, what the server saw, before the harness removes it all.
dhcp_cleanup() {
	[ -s "$dns_log" ] && { echo "--- dnsmasq log (last lines)"; tail -n 40 "$dns_log"; }
	[ -s "$tmp/dnsmasq.out" ] && cat "$tmp/dnsmasq.out"
	[ -s "$tmp/dhcp.pcap" ] && { echo "--- on the wire"; tshark -r "$tmp/dhcp.pcap" 2>/dev/null | tail -n 20; }
	[ -n "$pid" ] && cli network ip netstack get -N defaultTcpipStack 2>/dev/null
	vmkr_cleanup
}
VMKD_CLEANUP_HOOK=dhcp_cleanup
# dnsmasq_start FIRST LAST: serve 198.51.100.FIRST-LAST on Linux's side.
dnsmasq_start() {
	: >"$tmp/leases"
	# ip netns exec execs dnsmasq: $! is the server itself.
	ip netns exec "$ns" dnsmasq --no-daemon --conf-file=/dev/null --user=root --port=0 \
		--interface="$peer" --dhcp-authoritative --no-ping \
		--dhcp-range="198.51.100.$1,198.51.100.$2,255.255.255.0,2m" \
		--dhcp-option=option:router,198.51.100.1 \
		--dhcp-option=option:dns-server,198.51.100.53,198.51.100.54 \
		--dhcp-option=option:T1,4 --dhcp-option=option:T2,8 \
		--dhcp-leasefile="$tmp/leases" --log-dhcp --log-facility="$dns_log" \
		>>"$tmp/dnsmasq.out" 2>&1 &
	dnsmasq_pid=$!
	bg_pids+=("$dnsmasq_pid")
	sleep 0.5
	kill -0 "$dnsmasq_pid" 2>/dev/null || { cat "$tmp/dnsmasq.out"; fail "dnsmasq did not start"; }
}
dnsmasq_stop() {
	kill -TERM "$dnsmasq_pid" 2>/dev/null || true
	wait "$dnsmasq_pid" 2>/dev/null || true
	dnsmasq_pid=
}

# dfield KEY: a field of vmk1's `ipv4 dhcp get` (json).
dfield() {
	json network ip interface ipv4 dhcp get -i vmk1 |
		python3 -c "import json,sys; d=json.load(sys.stdin); print(d[0]['$1'])"
}
# ifield KEY: a field of vmk1's `ipv4 get` (json).
ifield() {
	json network ip interface ipv4 get -i vmk1 |
		python3 -c "import json,sys; d=json.load(sys.stdin); print(d[0]['$1'])"
}
# wait_for SECONDS WHAT CMD...: until CMD succeeds (wall-clock seconds).
wait_for() {
	local secs=$1 what=$2 until=$((SECONDS + $1))
	shift 2
	while [ "$SECONDS" -lt "$until" ]; do
		"$@" && return 0
		sleep 0.2
	done
	cli network ip interface ipv4 dhcp get -i vmk1 || true
	cli network ip netstack get -N defaultTcpipStack || true
	fail "$what: not within $secs s"
}
bound() { [ "$(dfield State)" = BOUND ] && [ "$(ifield IPv4Address)" != 0.0.0.0 ]; }
field_ge() { [ "$(dfield "$1")" -ge "$2" ]; }
dns_logged() { grep -qiF "$1" "$dns_log"; }
default_routes() {
	json network ip route ipv4 list |
		python3 -c "import json,sys; d=json.load(sys.stdin); print(' '.join(r['Gateway'] + '/' + r['Source'] for r in d if r['Network'] == 'default'))"
}

vmkr_up
lx ip addr add 198.51.100.1/24 dev "$peer"
bg cap ip netns exec "$ns" tcpdump -i "$peer" -U -n -w "$tmp/dhcp.pcap" udp port 67 or udp port 68
cap_pid=$bgpid
dnsmasq_start 50 60
ok network ip interface add -i vmk1 -p "VM Network"
mac=$(json network ip interface list | python3 -c "import json,sys; print([i for i in json.load(sys.stdin) if i['Name']=='vmk1'][0]['MACAddress'])")
echo "vmk1 MAC $mac"

echo "== 1. lease"
ok network ip interface ipv4 set -i vmk1 -t dhcp
wait_for 15 "vmk1 bound" bound
cli network ip interface ipv4 get -i vmk1
cli network ip interface ipv4 dhcp get -i vmk1
addr=$(ifield IPv4Address)
case $addr in 198.51.100.5[0-9]|198.51.100.60) ;; *) fail "leased $addr, not from the range" ;; esac
[ "$(ifield IPv4Netmask)" = 255.255.255.0 ] || fail "netmask $(ifield IPv4Netmask)"
[ "$(ifield AddressType)" = DHCP ] || fail "address type $(ifield AddressType)"
[ "$(ifield Gateway)" = 198.51.100.1 ] || fail "gateway $(ifield Gateway)"
[ "$(ifield DHCPDNS)" = False ] || fail "DHCP DNS without -P true"
[ -z "$(ifield DNSServers)" ] || fail "DNS servers recorded without -P true"
[ "$(dfield Server)" = 198.51.100.1 ] || fail "server $(dfield Server)"
[ "$(dfield RenewalTime)" = 4 ] && [ "$(dfield RebindingTime)" = 8 ] || fail "T1/T2 not taken"
grep -qiF "DHCPACK($peer) $addr $mac" "$dns_log" || fail "dnsmasq did not ACK $addr to $mac"
lx ping -c 1 -W 3 "$addr" >/dev/null || fail "Linux cannot ping the leased $addr"
[ "$(default_routes)" = "198.51.100.1/DHCP" ] || fail "default routes: $(default_routes)"
cli network ip route ipv4 list
echo "leased $addr"

echo "== 2. a configured default gateway wins; never two default routes"
ok network ip route ipv4 add -n default -g 192.0.2.2
[ "$(default_routes)" = "192.0.2.2/MANUAL" ] || fail "with a configured gateway: $(default_routes)"
[ "$(dfield RouterInUse)" = False ] || fail "DHCP router still in use"
ok network ip route ipv4 remove -n default -g 192.0.2.2
[ "$(default_routes)" = "198.51.100.1/DHCP" ] || fail "DHCP's gateway did not come back: $(default_routes)"

echo "== 3. renewal at T1 (unicast), rebinding at T2 (broadcast)"
# Steps 1 and 2 may outlast T1 (4 s): wait for the next renewal, not the first.
acks=$(dfield Acks)
renewals=$(dfield Renewals)
wait_for 8 "renewal at T1" field_ge Renewals $((renewals + 1))
wait_for 3 "ACK of the renewal" field_ge Acks $((acks + 1))
[ "$(ifield IPv4Address)" = "$addr" ] || fail "renewal changed the address"
lx nft add table inet vmkdhcp
lx nft add chain inet vmkdhcp in '{ type filter hook input priority 0; }'
lx nft add rule inet vmkdhcp in ip daddr 198.51.100.1 udp dport 67 drop
rebinds=$(dfield Rebinds)
wait_for 14 "rebinding at T2" field_ge Rebinds $((rebinds + 1))
wait_for 3 "bound again after rebinding" bound
[ "$(ifield IPv4Address)" = "$addr" ] || fail "rebinding changed the address"
lx nft delete table inet vmkdhcp
cli network ip interface ipv4 dhcp get -i vmk1

echo "== 4. malformed and foreign replies are counted drops"
# Raw frames from Linux's side: dnsmasq keeps running (and port 67).
lx python3 tests/integration/lib/dhcp_inject.py "$peer" "$mac"
sleep 1
dropped=$(dfield Dropped)
echo "dropped: $dropped"
for r in short:1 magic:1 option:1 xid:1 chaddr:1; do
	case " $dropped " in *" $r "*) ;; *) fail "no drop $r counted: $dropped" ;; esac
done
[ "$(ifield IPv4Address)" = "$addr" ] || fail "a bad message changed the address"
case $(dfield State) in BOUND|RENEWING|REBINDING) ;; *) fail "a bad message lost the lease" ;; esac
kill -0 "$pid" || fail "vmknetd died"

echo "== 5. a NAK restarts the client"
dnsmasq_stop
dnsmasq_start 70 80
naks=$(dfield Naks)
wait_for 12 "NAK of the renewal" field_ge Naks $((naks + 1))
wait_for 12 "a new lease after the NAK" bound
addr2=$(ifield IPv4Address)
case $addr2 in 198.51.100.7[0-9]|198.51.100.80) ;; *) fail "after the NAK: $addr2" ;; esac
echo "new lease $addr2"

echo "== 6. -P true records the DHCP DNS servers"
ok network ip interface ipv4 set -i vmk1 -t dhcp -P true
wait_for 15 "bound with peer DNS" bound
[ "$(ifield DHCPDNS)" = True ] || fail "DHCP DNS not shown"
[ "$(ifield DNSServers)" = "198.51.100.53, 198.51.100.54" ] || fail "DNS servers: $(ifield DNSServers)"
cli network ip interface ipv4 get -i vmk1
addr3=$(ifield IPv4Address)

echo "== 7. the file records -t dhcp, not the lease; a restart leases again"
python3 - "$cfg" <<'EOF' || fail "saved ipv4 of vmk1 is not {type: dhcp, peer_dns: true}"
import json, sys
n = [n for n in json.load(open(sys.argv[1]))["vmknics"] if n["name"] == "vmk1"][0]
assert n["ipv4"] == {"type": "dhcp", "peer_dns": True}, n["ipv4"]
EOF
! grep -q "$addr3" "$cfg" || fail "the leased address is in the file"
stop
start 0-1
wait_for 15 "bound after the restart" bound
[ "$(ifield IPv4Address)" = "$addr3" ] || fail "after the restart: $(ifield IPv4Address), not $addr3"
[ "$(ifield DNSServers)" = "198.51.100.53, 198.51.100.54" ] || fail "peer DNS after restart"

echo "== 8. DHCPRELEASE when set static, and when removed"
ok network ip interface ipv4 set -i vmk1 -I 198.51.100.99 -N 255.255.255.0 -t static
wait_for 3 "DHCPRELEASE on -t static" dns_logged "DHCPRELEASE($peer) $addr3 $mac"
[ "$(ifield AddressType)" = STATIC ] && [ "$(ifield IPv4Address)" = 198.51.100.99 ] ||
	fail "not static after -t static"
[ "$(default_routes)" = "" ] || fail "DHCP's default route outlived the lease: $(default_routes)"
ok network ip interface ipv4 set -i vmk1 -t dhcp
wait_for 15 "bound again" bound
addr4=$(ifield IPv4Address)
ok network ip interface remove -i vmk1
wait_for 3 "DHCPRELEASE on remove" dns_logged "DHCPRELEASE($peer) $addr4 $mac"
[ "$(default_routes)" = "" ] || fail "DHCP's default route outlived vmk1: $(default_routes)"

echo "== 9. wrong arguments"
ok network ip interface add -i vmk1 -p "VM Network"
refused 1 '-t dhcp leases' network ip interface ipv4 set -i vmk1 -t dhcp -I 198.51.100.5
refused 1 'applies to -t dhcp only' network ip interface ipv4 set -i vmk1 -I 198.51.100.5 -N 255.255.255.0 -P true
refused 1 'type "bootp" is not supported' network ip interface ipv4 set -i vmk1 -t bootp
refused 2 '' network ip interface ipv4 set -i vmk1 -t dhcp -P maybe
refused 1 'is not set -t dhcp' network ip interface ipv4 dhcp get -i vmk0

echo "== on the wire"
kill -INT "$cap_pid" 2>/dev/null || true
sleep 0.5
tshark -r "$tmp/dhcp.pcap" -T fields -e ip.src -e ip.dst -e dhcp.option.dhcp -e dhcp.ip.client \
	-e eth.src >"$tmp/wire" 2>/dev/null || fail "tshark cannot read the capture"
sort "$tmp/wire" | uniq -c
# A REQUEST (type 3) unicast from the lease to the server: the renewal.
grep -qP "^$addr\t198\.51\.100\.1\t3\t$addr\t$mac" "$tmp/wire" || fail "no unicast renewal on the wire"
# A REQUEST broadcast with ciaddr set: the rebinding.
grep -qP "^$addr\t255\.255\.255\.255\t3\t$addr\t$mac" "$tmp/wire" || fail "no broadcast rebinding on the wire"
# DISCOVER from 0.0.0.0 with vmk1's MAC.
grep -qP "^0\.0\.0\.0\t255\.255\.255\.255\t1\t0\.0\.0\.0\t$mac" "$tmp/wire" || fail "no DISCOVER on the wire"
echo "PASS: DHCP lease, renewal, rebinding, NAK, peer DNS, release, restart"
