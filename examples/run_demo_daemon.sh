#!/usr/bin/env bash
# The daemon demo: vmknetd on its built-in default configuration (in a
# temporary directory), configured live with vmkcli the way esxcli
# configures ESXi: a "vMotion" port group on VLAN 20 and a vMotion adapter
# (vmk1, vmotion netstack, VMotion tag, 198.51.100.21/24); then the adapters
# and a vmktop batch sample; then a clean stop. Two lcores (main + one
# worker), no hugepages, no PCI: runs anywhere DPDK does.
#
#   examples/run_demo_daemon.sh [extra EAL options, e.g. --vdev net_null0]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(cd "${BUILD:-build}" && pwd)
tmp=$(mktemp -d /tmp/vmknet-demo-daemon.XXXXXX)
sock=$tmp/vmknetd.sock
pid=
cleanup() {
	local rc=$?
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

echo "== starting vmknetd (configuration and socket in $tmp)"
"$BUILD/bin/vmknetd" -l 0-1 --no-pci --no-huge -m 256 --file-prefix="vmknet-demod-$$" \
	--log-level='*:warning' "$@" -- --config "$tmp/config.json" --control "$sock" \
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
step vmkcli network vswitch standard portgroup list
step vmkcli network ip interface list
step vmkcli network ip interface ipv4 get

echo
echo "== two vmktop samples (esxtop -b's CSV)"
step vmktop -b -n 2 -d 0.5

echo
echo "== stopping vmknetd"
kill -TERM "$pid"
wait "$pid"
pid=
echo "vmknetd stopped cleanly"
