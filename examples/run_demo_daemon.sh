#!/usr/bin/env bash
# The daemon demo: vmknetd on its built-in default configuration (in a
# temporary directory), configured live with vmkcli the way esxcli
# configures ESXi: a "vMotion" port group on VLAN 20 and a vMotion adapter
# (vmk1, vmotion netstack, VMotion tag, 198.51.100.21/24), and a second
# vMotion-side adapter standing in for the peer host (vmk2, netstack
# vmotionPeer, 198.51.100.22/24); then traffic: vmkping from vmk1 to vmk2
# across the vSwitch on VLAN 20; when run as root, a Linux host in a network namespace of its own on a veth
# pair is the physical network behind uplink vmnic0 (net_af_packet), pings
# vmk0 and is pinged back with vmkping; then the adapters and a vmktop batch
# sample; then a clean stop. Two lcores (main + one worker), no hugepages,
# no PCI.
#
#   examples/run_demo_daemon.sh [extra EAL options, e.g. --vdev net_null0]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(cd "${BUILD:-build}" && pwd)
tmp=$(mktemp -d /tmp/vmknet-demo-daemon.XXXXXX)
sock=$tmp/vmknetd.sock
pid=
ns=vmkdemo-$$
va=vdm$$a
vb=vdm$$b
linux=0
cleanup() {
	local rc=$?
	if [ "$linux" = 1 ]; then
		ip netns del "$ns" 2>/dev/null || true
		ip link del "$va" 2>/dev/null || true
	fi
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ] && [ -f "$tmp/vmknetd.log" ]; then
		echo "--- vmknetd log (last lines)" >&2
		tail -n 30 "$tmp/vmknetd.log" >&2
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
step() { printf '\n$ %s\n' "$*"; "$@"; }
vmkcli() { "$BUILD/bin/vmkcli" --control "$sock" "$@"; }
vmktop() { "$BUILD/bin/vmktop" --control "$sock" "$@"; }

eal_extra=()
if [ "$(id -u)" -ne 0 ]; then
	echo "== no Linux host: a network namespace needs root"
elif ! err=$(ip netns add "$ns" 2>&1); then
	echo "== no Linux host: ip netns add $ns failed: $err"
else
	linux=1
	ip link add "$va" type veth peer name "$vb" netns "$ns"
	ip link set "$va" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add 192.0.2.50/24 dev "$vb"
	ip -n "$ns" link set "$vb" up
	eal_extra=(--vdev "net_af_packet0,iface=$va")
	echo "== Linux host 192.0.2.50 in namespace $ns, behind veth $va (vmnic0)"
fi

echo "== starting vmknetd (configuration and socket in $tmp)"
"$BUILD/bin/vmknetd" -l 0-1 --no-pci --no-huge -m 256 --file-prefix="vmknet-demod-$$" \
	--log-level='*:warning' "${eal_extra[@]}" "$@" -- --config "$tmp/config.json" \
	--control "$sock" \
	>"$tmp/vmknetd.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
	vmkcli network nic list >/dev/null 2>&1 && break
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "vmknetd exited during start" >&2
		exit 1
	fi
	sleep 0.1
done
grep '^vmknetd:' "$tmp/vmknetd.log" || true

echo
echo "== a vMotion port group on VLAN 20 and its adapter"
step vmkcli network vswitch standard portgroup add -p vMotion -v vSwitch0
step vmkcli network vswitch standard portgroup set -p vMotion --vlan-id 20
step vmkcli network ip interface add -i vmk1 -p vMotion -N vmotion
step vmkcli network ip interface tag add -i vmk1 -t VMotion
step vmkcli network ip interface ipv4 set -i vmk1 -t static -I 198.51.100.21 -N 255.255.255.0
echo
echo "== a second adapter on the vMotion VLAN, in a netstack of its own (the peer host)"
step vmkcli network ip netstack add -N vmotionPeer
step vmkcli network ip interface add -i vmk2 -p vMotion -N vmotionPeer
step vmkcli network ip interface ipv4 set -i vmk2 -t static -I 198.51.100.22 -N 255.255.255.0
step vmkcli network vswitch standard portgroup list
step vmkcli network ip interface list
step vmkcli network ip interface ipv4 get

echo
echo "== traffic: vmk1 pings vmk2 across vSwitch0 (VLAN 20, vmotion netstack)"
step "$BUILD/bin/vmkping" --control "$sock" -I vmk1 -S vmotion -c 3 -i 0.2 198.51.100.22

if [ "$linux" = 1 ]; then
	echo
	echo "== traffic: Linux pings vmk0 (Management), vmk0 pings Linux"
	step vmkcli network vswitch standard uplink add -u vmnic0 -v vSwitch0
	step ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 192.0.2.10
	step "$BUILD/bin/vmkping" --control "$sock" -c 3 -i 0.2 192.0.2.50
	step vmkcli network ip neighbor list
fi

echo
echo "== two vmktop samples (esxtop -b's CSV)"
step vmktop -b -n 2 -d 0.5

echo
echo "== stopping vmknetd"
kill -TERM "$pid"
wait "$pid"
pid=
echo "vmknetd stopped cleanly"
