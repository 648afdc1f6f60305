#!/usr/bin/env bash
# Objective: the host firewall filters what Linux sends to a service on a
# vmknic and what the host's own programs send out, as an ESXi host's does
# (issue 16, point 5). Linux in a namespace reaches vmk0 (192.0.2.10)
# through an af_packet uplink; an echo service (a one-process Python server
# under vmkrun: socat's fork does not carry a vmknet socket into its child)
# listens on vmk0's TCP 80, the webAccess ruleset's port. Cases:
#   1. firewall off: Linux reaches the service;
#   2. on (default action DROP): webAccess (enabled by default) lets Linux
#      in, counted on the ruleset; disabled: refused, counted as a drop of
#      the default action and of the ruleset; vmk0 still answers ARP;
#   3. allowed list: only 198.51.100.0/24 -> Linux (192.0.2.2) refused;
#      192.0.2.2 added -> reached;
#   4. an established connection survives a change of the list that still
#      allows it, and is cut by one that does not;
#   5. outbound with DROP: a program under vmkrun connecting to Linux's TCP
#      443 fails with "Operation not permitted" while httpClient is off, and
#      works (replies included) once it is on (not 80: faultTolerance opens
#      outbound TCP 80, as on ESXi);
#   6. restart on the saved file: the firewall, its rulesets and lists are
#      back, and filter as before.
# Needs root, iproute2, ethtool, socat; the namespace is always deleted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "a network namespace and an af_packet uplink"
need ip ethtool socat python3
VMKR_NAME=vmkfirewall
. tests/integration/lib/vmkrun.sh

# reach: one line through Linux -> vmk0:80 comes back.
reach() {
	local got
	got=$(echo "hello $1" | lx timeout 4 socat -T 2 - TCP:192.0.2.10:80,connect-timeout=2 2>/dev/null) ||
		true
	[ "$got" = "hello $1" ]
}
must_reach() { reach "$1" || fail "$1: Linux cannot reach vmk0:80"; echo "reached: $1"; }
must_not_reach() { ! reach "$1" || fail "$1: Linux reached vmk0:80"; echo "refused: $1"; }

# ruleset_field NAME KEY: a field of `ruleset list -r NAME` (json).
ruleset_field() {
	json network firewall ruleset list -r "$1" |
		python3 -c "import json,sys; d=json.load(sys.stdin); r=d[0] if isinstance(d,list) else d; print(r['$2'])"
}
# fw_stat KEY: a host-wide firewall counter (json).
fw_stat() {
	json network firewall stats get |
		python3 -c "import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d['$1'])"
}

# One process for every connection (selectors over vmknet's epoll).
cat >"$tmp/echo80.py" <<'EOF'
import selectors, socket
sel = selectors.DefaultSelector()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 80))
srv.listen(16)
srv.setblocking(False)
sel.register(srv, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is srv:
            c, _ = srv.accept()
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            data = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if data:
            s.sendall(data)
        else:
            sel.unregister(s)
            s.close()
EOF

listener() {
	bg echo80 timeout 300 "$VMKRUN" --control "$sock" -- python3 "$tmp/echo80.py"
	wait_port root 80
}

vmkr_up
listener
# The listener in the connection list, with esxcli's CC Algo and its
# traffic class (port 80 is no well-known class port; vmk0 has no tags).
json network ip connection list -t tcp | json_check "r=[c for c in d if c['LocalAddress'].endswith(':80') and c['State']=='LISTEN']; assert r and r[0]['CCAlgo'] in ('newreno','cubic') and r[0]['TrafficClass']=='management', d"

echo "== 1. firewall off"
ok network firewall get
must_reach off

echo "== 2. on, DROP, webAccess on then off"
ok network firewall set --enabled true
ok network firewall get | tee "$tmp/get"
grep -Eiq 'Enabled: *true' "$tmp/get" || fail "firewall get does not say enabled"
grep -Eiq 'Default Action: *DROP' "$tmp/get" || fail "default action is not DROP"
must_reach webAccess-on
a0=$(ruleset_field webAccess Allowed)
[ "$a0" -gt 0 ] || fail "webAccess counted no packet allowed ($a0)"
ok network firewall ruleset set -r webAccess --enabled false
d0=$(fw_stat DefaultDroppedInbound)
must_not_reach webAccess-off
d1=$(fw_stat DefaultDroppedInbound)
[ "$d1" -gt "$d0" ] || fail "no inbound drop counted ($d0 -> $d1)"
[ "$(ruleset_field webAccess Dropped)" -gt 0 ] || fail "webAccess counted no drop"
lx ip neigh flush dev "$peer"
lx ping -c 1 -W 2 192.0.2.10 >/dev/null || fail "ICMP/ARP to vmk0 failed with the firewall on"
lx ip neigh show dev "$peer" | grep -q '192.0.2.10 .*lladdr' || fail "vmk0 did not answer ARP"

echo "== 3. allowed list"
ok network firewall ruleset set -r webAccess --enabled true --allowed-all false
ok network firewall ruleset allowedip add -r webAccess -i 198.51.100.0/24
ok network firewall ruleset allowedip list -r webAccess
must_not_reach not-in-list
ok network firewall ruleset allowedip add -r webAccess -i 192.0.2.2
must_reach in-list

echo "== 4. an established connection and list changes"
mkfifo "$tmp/to_vmk"
lx socat -T 30 - TCP:192.0.2.10:80 <"$tmp/to_vmk" >"$tmp/from_vmk" 2>"$tmp/long.err" &
long=$!
bg_pids+=("$long")
exec 7>"$tmp/to_vmk"
line() {
	echo "$1" >&7
	for _ in $(seq 1 30); do
		grep -qx "$1" "$tmp/from_vmk" && return 0
		sleep 0.1
	done
	return 1
}
line one || fail "the long connection did not echo"
ok network firewall ruleset allowedip add -r webAccess -i 203.0.113.0/24
line two || fail "a list that still allows Linux cut the connection"
ok network firewall ruleset allowedip remove -r webAccess -i 192.0.2.2
! line three || fail "a list without Linux kept the connection"
echo "established: kept while allowed, cut once not"
exec 7>&-
kill "$long" 2>/dev/null || true
ok network firewall ruleset allowedip add -r webAccess -i 192.0.2.2

echo "== 5. outbound with DROP: httpClient"
bg lx443 lx timeout 120 socat TCP-LISTEN:443,reuseaddr,fork EXEC:/bin/cat
wait_port "$ns" 443
rc=0
echo out | timeout 10 "$VMKRUN" --control "$sock" -- socat -T 2 - TCP:192.0.2.2:443 \
	>"$tmp/out1" 2>"$tmp/err1" || rc=$?
cat "$tmp/err1"
[ "$rc" -ne 0 ] || fail "an outbound connect passed with httpClient off"
grep -qi 'not permitted' "$tmp/err1" || fail "the refused connect did not say EPERM"
ok network firewall ruleset set -r httpClient --enabled true
got=$(echo out | timeout 10 "$VMKRUN" --control "$sock" -- socat -T 2 - TCP:192.0.2.2:443) ||
	fail "outbound with httpClient on failed"
[ "$got" = out ] || fail "outbound reply lost: '$got'"
echo "outbound: refused with EPERM, then passed with its reply"

echo "== 6. restart keeps the firewall"
ok network firewall ruleset allowedip remove -r webAccess -i 192.0.2.2
stop
start
listener
ok network firewall get | tee "$tmp/get2"
grep -Eiq 'Enabled: *true' "$tmp/get2" || fail "restart lost the enabled firewall"
ok network firewall ruleset allowedip list -r webAccess | tee "$tmp/al"
grep -q '198.51.100.0/24' "$tmp/al" || fail "restart lost the allowed list"
[ "$(ruleset_field httpClient Enabled)" = True ] || [ "$(ruleset_field httpClient Enabled)" = true ] ||
	fail "restart lost httpClient's state"
must_not_reach after-restart
ok network firewall ruleset allowedip add -r webAccess -i 192.0.2.0/24
must_reach after-restart-allowed
echo "PASS"
