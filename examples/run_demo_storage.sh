#!/usr/bin/env bash
# The storage demo (make demo, after the daemon demo): a storage adapter
# bound the way an ESXi host binds its iSCSI port. vmk2 on the "Storage"
# port group (VLAN 30) in a netstack of its own; behind the uplink an
# access port (tests/support/vmk-impair --access-vlan 30) and Linux in a
# namespace running tgt (tgtd) with a 64 MiB RAM LUN. Unmodified initiators
# under `vmkrun --vmknic vmk2`: iscsi-ls discovers the target, qemu-img
# writes 64 MiB of random data to the LUN and reads it back (SHA-256 equal),
# and the connection list shows the session on vmk2. Then the FT log
# stream: vmk3, tagged faultToleranceLogging ("FT Logging" port group; VLAN
# 30 too, the one VLAN this access port passes), runs examples/vmkftlog's
# primary to its secondary on Linux, and its record latency (p50, p99,
# p99.9 per size) is printed, with the class counters of vmnic0.
# The setup is the integration tests' (tests/integration/lib/storage.sh).
# Needs root and tgt, libiscsi-bin, qemu-utils, qemu-block-extra (make
# deps); without them it says so and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "== storage demo skipped: a network namespace and af_packet need root"
	exit 0
fi
for t in tgtd tgtadm iscsi-ls qemu-img ethtool; do
	command -v "$t" >/dev/null 2>&1 && continue
	echo "== storage demo skipped: $t is not installed (make deps, as root)"
	exit 0
done
VMKR_NAME=vmkdemo-storage
VMKD_LOG_TAIL=30
. tests/integration/lib/storage.sh
step() { printf '\n$ %s\n' "$*"; "$@"; }
FTLOG=$BUILD/bin/vmkftlog
[ -x "$FTLOG" ] || fail "$FTLOG not built"

storage_up
lun=/dev/shm/vmkdemo-storage-$$.lun
src=/dev/shm/vmkdemo-storage-$$.src
back=/dev/shm/vmkdemo-storage-$$.back
demo_cleanup() { storage_cleanup; rm -f "$lun" "$src" "$back"; }
VMKD_CLEANUP_HOOK=demo_cleanup
step cli network vswitch standard portgroup list
step cli network ip interface ipv4 get

phase "tgtd on Linux ($STORAGE_IP, VLAN 30 behind the access port): a 64 MiB LUN in /dev/shm"
truncate -s 64M "$lun"
iqn=iqn.2026-12.org.example.vmknet:demo
tgt_up "$STORAGE_IP" "$lun" "$iqn"
url=iscsi://$STORAGE_IP/$iqn/1

phase "iSCSI through vmk2: discovery, then 64 MiB written to the LUN and read back"
step timeout 30 "${SRUN[@]}" iscsi-ls -s "iscsi://$STORAGE_IP"
head -c $((64 << 20)) /dev/urandom >"$src"
step timeout 60 "${SRUN[@]}" qemu-img convert -n -f raw -O raw "$src" "$url" &
qpid=$!
for _ in $(seq 1 50); do conns | grep -q ":3260 .*ESTABLISHED" && break; sleep 0.1; done
conns | grep -E "^Proto|:3260" || true
wait "$qpid" || fail "qemu-img convert to the LUN failed"
step timeout 60 "${SRUN[@]}" qemu-img convert -f raw -O raw "$url" "$back"
[ "$(sha "$back")" = "$(sha "$src")" ] || fail "the LUN read back differs from what was written"
echo "SHA-256 of what was written and of what was read back: $(sha "$back") (equal)"

phase "FT logging: vmk3 tagged faultToleranceLogging, the log stream to a secondary on Linux"
ok network vswitch standard portgroup add -p "FT Logging" -v vSwitch0
ok network vswitch standard portgroup set -p "FT Logging" --vlan-id 30
ok network ip interface add -i vmk3 -p "FT Logging"
ok network ip interface ipv4 set -i vmk3 -I 203.0.113.10 -N 255.255.255.0 -t static
ok network ip interface tag add -i vmk3 -t faultToleranceLogging
lx ip addr add 203.0.113.2/24 dev "$peer"
bg ftsec lx "$(realpath "$FTLOG")" secondary --listen 203.0.113.2:8100 --once
wait_port "$ns" 8100
step timeout 30 "$VMKRUN" --control "$sock" --vmknic vmk3 -- "$FTLOG" primary \
	--connect 203.0.113.2:8100 --sizes 64,256,1024,4096 --seconds 1
sleep 0.2
cat "$tmp/ftsec.log"
step cli network nioc class stats get -n vmnic0

stop
echo "storage demo: done"
