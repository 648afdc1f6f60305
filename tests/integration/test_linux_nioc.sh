#!/usr/bin/env bash
# Objective: Network I/O Control and traffic marking as Linux sees them on
# the wire. vmknetd's uplink vmnic0 (af_packet on a veth) is set to 300
# Mbit/s and scheduled; unmodified iperf3 clients under vmkrun send TCP to
# Linux iperf3 servers on well-known ports, so each flow has its class
# (vMotion 8000, NFS 2049, iSCSI 3260, faultToleranceLogging 8100), and
# nftables counters in Linux's namespace count what arrived per port:
#   1. three classes saturating the uplink get what their shares give
#      (100:50:25), each within 5%;
#   2. a limited class (vMotion, 60 Mbit/s) stays within 5% of its limit
#      while another class takes the rest;
#   3. a reservation holds: faultToleranceLogging with 1 share and 120
#      Mbit/s reserved keeps them while vMotion (100 shares) floods;
#   4. marking: vMotion's DSCP 26 in the IPv4 header, management's CoS 5
#      as a priority tag (VLAN 0) on the untagged port group when asked,
#      and CoS 5 in the VLAN 20 tag of a tagged port group, read by tshark;
#   5. after a vmknetd restart the settings (NIOC on, shares, limits,
#      marking, the uplink's speed) are back and the marking is on the wire.
# Rates are frame bytes (IP bytes plus 14 per packet) over a 4 s window
# after the flows settled. 300 Mbit/s, not the issue's example 2,000:
# on this 2-core machine vmknetd's worker, the iperf3 pairs and Linux's
# side share two cores, and the point is the shares, not the rate.
# Needs root, iproute2, ethtool, iperf3, nftables, tshark, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "a network namespace, an af_packet uplink, nftables in it"
need ip ethtool iperf3 nft tshark python3 ss
VMKR_NAME=linux-nioc
. tests/integration/lib/vmkrun.sh
vmkr_up
SPEED=300

echo "== NIOC on, vmnic0 at $SPEED Mbit/s"
ok network nic set -n vmnic0 --speed "$SPEED"
ok network nioc set -e true
lx nft add table inet nioc
lx nft add chain inet nioc in '{ type filter hook input priority 0; }'
for p in 8000 2049 3260 8100; do
	lx nft add rule inet nioc in tcp dport "$p" counter
done

# snap FILE: the namespace's nft counters into FILE.json, the times (s)
# just before and after the reading in FILE (nft is quick; parsing waits).
snap() {
	local t0 t1
	t0=$(date +%s.%N)
	lx nft -j list chain inet nioc in >"$1.json"
	t1=$(date +%s.%N)
	echo "$t0 $t1" >"$1"
}

# flows PORT...: an iperf3 server per port on Linux, a client per port
# under vmkrun, all at once, for 10 s; prints "PORT MBITS" per port, the
# frame rate over about seconds 4..8, timed by the readings themselves.
flows() {
	local p pids=()
	for p in "$@"; do
		bg "iperf-s-$p" lx timeout 30 iperf3 -s -1 -p "$p"
	done
	for p in "$@"; do
		wait_port "$ns" "$p"
	done
	for p in "$@"; do
		timeout 40 "$VMKRUN" --control "$sock" -- iperf3 -c 192.0.2.2 -p "$p" -t 10 \
			>"$tmp/iperf-c-$p.log" 2>&1 &
		pids+=($!)
		bg_pids+=($!)
	done
	sleep 4
	snap "$tmp/snap-a"
	sleep 4
	snap "$tmp/snap-b"
	for p in "${pids[@]}"; do
		wait "$p" || { cat "$tmp"/iperf-c-*.log; fail "an iperf3 client failed"; }
	done
	python3 - "$tmp/snap-a" "$tmp/snap-b" "$@" <<'EOF'
import json, sys
def parse(f):
    t0, t1 = map(float, open(f).read().split())
    c = {}
    for r in json.load(open(f + ".json"))["nftables"]:
        r = r.get("rule")
        if not r:
            continue
        port = cnt = None
        for e in r["expr"]:
            if "match" in e:
                port = str(e["match"]["right"])
            if "counter" in e:
                cnt = e["counter"]
        c[port] = (cnt["packets"], cnt["bytes"])
    return (t0 + t1) / 2, c
(ta, a), (tb, b) = parse(sys.argv[1]), parse(sys.argv[2])
for p in sys.argv[3:]:
    pk = b[p][0] - a[p][0]
    by = b[p][1] - a[p][1] + 14 * pk
    print(p, "%.2f" % (by * 8 / (tb - ta) / 1e6))
EOF
}

# near NAME GOT WANT PCT
near() {
	python3 -c "import sys; g, w, p = $2, $3, $4; sys.exit(0 if abs(g - w) <= w * p / 100 else 1)" ||
		fail "$1: $2 Mbit/s, expected $3 +-$4%"
	echo "   $1: $2 Mbit/s (expected $3 +-$4%)"
}
rate() { awk -v p="$1" '$1 == p { print $2 }' "$tmp/rates"; }

echo "== 1. shares 100:50:25 (vMotion, NFS, iSCSI)"
ok network nioc class set -t vMotion --shares high
ok network nioc class set -t NFS --shares normal
ok network nioc class set -t iSCSI --shares low
flows 8000 2049 3260 | tee "$tmp/rates"
total=$(python3 -c "print($(rate 8000) + $(rate 2049) + $(rate 3260))")
near total "$total" "$SPEED" 5
near vMotion "$(rate 8000)" "$(python3 -c "print($SPEED * 100 / 175)")" 5
near NFS "$(rate 2049)" "$(python3 -c "print($SPEED * 50 / 175)")" 5
near iSCSI "$(rate 3260)" "$(python3 -c "print($SPEED * 25 / 175)")" 5

echo "== 2. vMotion limited to 60 Mbit/s, NFS takes the rest"
ok network nioc class set -t vMotion --limit 60
flows 8000 2049 | tee "$tmp/rates"
near vMotion "$(rate 8000)" 60 5
near NFS "$(rate 2049)" $((SPEED - 60)) 5
ok network nioc class set -t vMotion --limit -1

echo "== 3. faultToleranceLogging: 1 share, 120 Mbit/s reserved, against vMotion"
ok network nioc class set -t faultToleranceLogging --shares 1 --reservation 120
flows 8100 8000 | tee "$tmp/rates"
ft=$(rate 8100)
python3 -c "import sys; sys.exit(0 if $ft >= 120 * 0.95 else 1)" ||
	fail "faultToleranceLogging got $ft Mbit/s, below its 120 reserved"
echo "   faultToleranceLogging: $ft Mbit/s (>= 114)"
near total "$(python3 -c "print($ft + $(rate 8000))")" "$SPEED" 5

echo "== 4. marking on the wire"
ok network nioc class set -t vMotion --dscp 26
ok network nioc class set -t management --cos 5 --priority-tag true
ok network vswitch standard portgroup add -p Tagged20 -v vSwitch0
ok network vswitch standard portgroup set -p Tagged20 --vlan-id 20
ok network ip interface add -i vmk1 -p Tagged20
ok network ip interface ipv4 set -i vmk1 -I 198.51.100.10 -N 255.255.255.0 -t static
# marking_seen FILTER FIELDS CMD...: what tshark on Linux's veth reads of
# the first frames that match FILTER while CMD runs.
marking_seen() {
	local filter=$1 fields=$2
	shift 2
	rm -f "$tmp/cap.txt"
	lx timeout 15 tshark -i "$peer" -c 3 -f "$filter" -T fields $fields >"$tmp/cap.txt" 2>/dev/null &
	local tp=$!
	sleep 2
	"$@" >/dev/null 2>&1 || true
	wait "$tp" || true
	cat "$tmp/cap.txt"
}
bg iperf-dscp lx timeout 20 iperf3 -s -1 -p 8000
wait_port "$ns" 8000
marking_seen "tcp dst port 8000" "-e ip.dsfield.dscp" \
	timeout 10 "$VMKRUN" --control "$sock" -- iperf3 -c 192.0.2.2 -p 8000 -t 1 | tee "$tmp/dscp"
grep -qx 26 "$tmp/dscp" || fail "vMotion's frames do not carry DSCP 26"
marking_seen "vlan 0" "-e vlan.id -e vlan.priority" \
	"$BUILD/bin/vmkping" --control "$sock" -I vmk0 -c 2 192.0.2.2 | tee "$tmp/prio"
grep -q "^0	5$" "$tmp/prio" || fail "management's frames have no priority tag with CoS 5"
marking_seen "vlan 20" "-e vlan.id -e vlan.priority" \
	"$BUILD/bin/vmkping" --control "$sock" -I vmk1 -c 2 198.51.100.2 | tee "$tmp/tag20"
grep -q "^20	5$" "$tmp/tag20" || fail "frames of the VLAN 20 port group do not carry CoS 5"

echo "== 5. a restart keeps NIOC and the marking"
stop
start
json network nioc get | json_check '
u = d["Uplinks"][0]
assert d["Enabled"] is True and u["Speed"] == 300 and u["Scheduled"] is True, d'
json network nioc class list | json_check '
c = {r["Class"]: r for r in d}
assert c["vMotion"]["Shares"] == 100 and c["vMotion"]["DSCP"] == 26, c["vMotion"]
assert c["faultToleranceLogging"]["Reservation"] == 120, c["faultToleranceLogging"]
assert c["management"]["CoS"] == 5 and c["management"]["PriorityTag"] is True, c["management"]
assert c["iSCSI"]["Shares"] == 25, c["iSCSI"]'
lx ping -c 1 -W 5 192.0.2.10 >/dev/null || fail "Linux cannot reach vmk0 after the restart"
bg iperf-dscp2 lx timeout 20 iperf3 -s -1 -p 8000
wait_port "$ns" 8000
marking_seen "tcp dst port 8000" "-e ip.dsfield.dscp" \
	timeout 10 "$VMKRUN" --control "$sock" -- iperf3 -c 192.0.2.2 -p 8000 -t 1 | tee "$tmp/dscp2"
grep -qx 26 "$tmp/dscp2" || fail "after the restart, vMotion's frames do not carry DSCP 26"
echo "PASS"
