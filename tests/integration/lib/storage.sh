# Shared harness for the storage scripts: a storage adapter bound to its own
# VLAN and netstack, and Linux behind an access port. Sourced, never run.
#
# Usage, from a script that did `set -euo pipefail`, `cd` to the repository
# root, sourced tests/integration/lib/need.sh and called need_root:
#
#   VMKR_NAME=vmkrun-iscsi
#   . tests/integration/lib/storage.sh
#   storage_up
#
# What storage_up builds (all removed on exit, whatever happens):
#
#   vmknetd: vmnic0 = net_af_packet on $veth
#     vSwitch0: "Management Network" (VLAN 0): vmk0 192.0.2.10/24, defaultTcpipStack
#               "Storage" (VLAN 30):           vmk2 198.51.100.10/24, netstack storage
#   $veth <-> $swa   ($swa in namespace $sw, the physical switch: tagged side)
#   $sw: vmk-impair --access-vlan 30 $swa $swb   (the access port: pops VLAN 30
#        toward $swb, pushes it toward $swa, drops every other frame)
#   $swb <-> $peer   ($peer in namespace $ns: Linux, 198.51.100.2/24, untagged)
#
# So Linux is reachable only through VLAN 30: a frame vmknet sends untagged
# (vmk0's) or on another VLAN never reaches it (the relay counts it in
# a_to_b.vlan_dropped).
#
# Functions, besides vmkrun.sh's (lx, bg, wait_port, conns, sha, ...):
#   sw CMD...          run CMD in the switch's namespace
#   phase WORDS        print a step's heading with the seconds since the start
#   relay_stop         stop the access port; its counters (JSON) in $tmp/relay.json
#   relay_check MIN [untagged]
#                      after relay_stop: only VLAN 30 passed, at least MIN frames
#                      forwarded toward Linux (and, with "untagged", vmk0's
#                      untagged frames seen and dropped)
#   tagged_capture_start / tagged_capture_stop
#                      tcpdump on $swa (the tagged side) into $tmp/tagged.pcap
# Variables: SRUN (below), sw, swa, swb, vmk2_mac, STORAGE_IP (198.51.100.2), VMK2_IP, IMPAIR.

. tests/integration/lib/vmkrun.sh
sw=${VMKR_NAME:0:4}sw$$
swa=vs$$a
swb=vs$$b
STORAGE_IP=198.51.100.2
VMK2_IP=198.51.100.10
IMPAIR=$BUILD/tests/support/vmk-impair
[ -x "$IMPAIR" ] || fail "$IMPAIR not built"
relay_pid=
cap_pid=

storage_cleanup() {
	vmkr_cleanup
	ip netns pids "$sw" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
	ip netns del "$sw" 2>/dev/null || true
}
VMKD_CLEANUP_HOOK=storage_cleanup

sw() { ip netns exec "$sw" "$@"; }
t0=$SECONDS
# phase WORDS: a step's heading, with the seconds since the start.
phase() { echo "== [$((SECONDS - t0))s] $*"; }
# A command line's start: "${SRUN[@]}" PROGRAM... runs PROGRAM under
# vmkrun --vmknic vmk2 (an array, so that timeout can run it).
SRUN=("$(realpath "$VMKRUN")" --control "$sock" --vmknic vmk2 --)

# link_pair A B NS_A NS_B: a veth pair (offloads off: af_packet and the relay
# must see real frames and checksums); NS "root" is this namespace.
link_pair() {
	local a=$1 b=$2 na=$3 nb=$4 n
	ip link add "$a" type veth peer name "$b"
	for n in "$na:$a" "$nb:$b"; do
		local where=${n%%:*} dev=${n#*:}
		if [ "$where" != root ]; then
			ip link set "$dev" netns "$where"
			ip netns exec "$where" ethtool -K "$dev" tx off rx off tso off gso off gro off \
				rxvlan off txvlan off >/dev/null 2>&1 || true
			ip netns exec "$where" ip link set "$dev" up
		else
			ethtool -K "$dev" tx off rx off tso off gso off gro off rxvlan off txvlan off \
				>/dev/null 2>&1 || true
			ip link set "$dev" up
		fi
	done
}

storage_up() {
	phase "the wire: vmknetd on $veth <-> $swa [access port VLAN 30, namespace $sw] $swb <-> $peer (Linux, $ns)"
	ip netns add "$ns"
	ip netns add "$sw"
	lx ip link set lo up
	link_pair "$veth" "$swa" root "$sw"
	link_pair "$swb" "$peer" "$sw" "$ns"
	lx ip addr add "$STORAGE_IP/24" dev "$peer"
	relay_start
	phase "vmknetd: vmnic0 on $veth; vmk0 192.0.2.10 untagged, vmk2 $VMK2_IP on Storage (VLAN 30), netstack storage"
	start
	ok network vswitch standard uplink add -u vmnic0 -v vSwitch0
	ok network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.0 -t static
	ok network vswitch standard portgroup add -p Storage -v vSwitch0
	ok network vswitch standard portgroup set -p Storage --vlan-id 30
	ok network ip netstack add -N storage
	ok network ip interface add -i vmk2 -p Storage -N storage
	ok network ip interface ipv4 set -i vmk2 -I "$VMK2_IP" -N 255.255.255.0 -t static
	vmk2_mac=$(json network ip interface list |
		python3 -c 'import json,sys; print([i for i in json.load(sys.stdin) if i["Name"]=="vmk2"][0]["MACAddress"])')
	echo "vmk2: MAC $vmk2_mac"
	lx ping -c 1 -W 5 "$VMK2_IP" >/dev/null || fail "Linux cannot reach vmk2 through the access port"
}

relay_start() {
	# Not through sw(): a function in the background is a subshell, and the
	# signals of relay_stop must reach vmk-impair itself.
	ip netns exec "$sw" "$IMPAIR" --access-vlan 30 "$swa" "$swb" >"$tmp/relay.json" \
		2>"$tmp/relay.err" &
	relay_pid=$!
	bg_pids+=("$relay_pid")
	for _ in $(seq 1 50); do
		grep -q bridging "$tmp/relay.err" && return 0
		kill -0 "$relay_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$tmp/relay.err"
	fail "the access port (vmk-impair --access-vlan 30) did not start"
}

relay_stop() {
	kill -TERM "$relay_pid"
	wait "$relay_pid" || fail "vmk-impair exited with $?"
	cat "$tmp/relay.json"
}

relay_check() {
	python3 - "$tmp/relay.json" "$1" "${2:-}" <<'EOF' || fail "the access port's counters"
import json, sys
d = json.load(open(sys.argv[1]))
ab, ba = d["a_to_b"], d["b_to_a"]
print("vmknet -> Linux: %d frames in, %d forwarded (tag popped), %d dropped (not VLAN 30)" %
      (ab["rx"], ab["forwarded"], ab["vlan_dropped"]))
print("Linux -> vmknet: %d frames in, %d forwarded (VLAN 30 pushed)" % (ba["rx"], ba["forwarded"]))
assert ab["forwarded"] >= int(sys.argv[2]), "the transfer took fewer frames than it can"
assert ab["forwarded"] + ab["vlan_dropped"] == ab["rx"] and ab["tx_errors"] == 0
assert sys.argv[3] != "untagged" or ab["vlan_dropped"] > 0, "vmk0's untagged frames were not dropped"
EOF
}

# The tagged side's frames (headers only), to show VLAN 30 on the wire.
tagged_capture_start() {
	ip netns exec "$sw" tcpdump -i "$swa" -s 128 --immediate-mode -U -w "$tmp/tagged.pcap" >"$tmp/tcpdump.log" 2>&1 &
	cap_pid=$!
	bg_pids+=("$cap_pid")
	for _ in $(seq 1 50); do
		grep -q listening "$tmp/tcpdump.log" && return 0
		sleep 0.1
	done
	fail "tcpdump on $swa did not start: $(cat "$tmp/tcpdump.log")"
}

tagged_capture_stop() {
	sleep 0.3
	kill -TERM "$cap_pid"   # a background job ignores SIGINT
	wait "$cap_pid" || true
	cat "$tmp/tcpdump.log"
}
