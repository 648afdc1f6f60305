#!/usr/bin/env bash
# Objective: NFS storage on a bound adapter, against a real server. vmk2 on
# the "Storage" port group (VLAN 30) in its own netstack, Linux behind an
# access port (tests/integration/lib/storage.sh); there nfs-ganesha (FSAL
# VFS, userspace, NFSv3 and NFSv4) exports a RAM-backed directory, with
# rpcbind beside it for NFSv3's portmapper and mount protocol (both in a
# mount namespace of their own, so rpcbind's socket in /run is the test's).
# Unmodified libnfs nfs-cp under `vmkrun --vmknic vmk2` copies a 1 GiB file
# of random data there and back over NFSv3, SHA-256 equal
# (the copy on the server's disk too); qemu-img convert with an nfs:// URL
# (qemu's libnfs block driver) writes an image there and reads it back.
# `vmkcli network ip connection list` shows the NFS connection (port 2049,
# traffic class NFS) on vmk2's address in the storage netstack.
# Needs root, iproute2, ethtool, nfs-ganesha(-vfs), rpcbind, libnfs-utils,
# qemu-utils, qemu-block-extra.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "network namespaces, af_packet, ganesha and rpcbind in a namespace"
need ip ethtool ganesha.nfsd rpcbind rpcinfo nfs-cp qemu-img unshare ss
VMKR_NAME=vmkrun-nfs
. tests/integration/lib/storage.sh
storage_up

phase "nfs-ganesha and rpcbind in Linux's namespace (NFSv3 + NFSv4, FSAL VFS, export in /dev/shm)"
exp=/dev/shm/vmkrun-nfs-$$
src=/dev/shm/vmkrun-nfs-$$.src
back=/dev/shm/vmkrun-nfs-$$.back
nfs_cleanup() { storage_cleanup; rm -rf "$exp" "$src" "$back"; }
VMKD_CLEANUP_HOOK=nfs_cleanup
mkdir -p "$exp/export"
ganesha_up "$STORAGE_IP" "$exp/export" "3, 4"
lx rpcinfo -p "$STORAGE_IP" | tee "$tmp/rpcinfo.out"
grep -q " 3 *tcp *2049 *nfs" "$tmp/rpcinfo.out" || fail "NFSv3 is not registered with rpcbind"
grep -q " 3 *tcp *20048 *mountd" "$tmp/rpcinfo.out" || fail "mountd is not registered with rpcbind"

openssl rand -out "$src" $((1 << 30))
want=$(sha "$src")
# watch_copy PID FILE: every 5 s while PID runs, the time, FILE's size on
# the server and the NFS connections of both ends, into $tmp/watch (what a
# copy that stalls or crawls was doing, printed by stall_report).
watch_copy() {
	: >"$tmp/watch"
	while kill -0 "$1" 2>/dev/null; do
		sleep 5
		{
			echo "-- [$((SECONDS - t))s] $(stat -c %s "$2" 2>/dev/null || echo -) bytes on the server"
			conns | grep -E "^Proto|:2049 " || true
			lx ss -tni "( sport = :2049 )" 2>/dev/null | tail -n +2 || true
		} >>"$tmp/watch" 2>&1
	done
}
stall_report() {
	echo "--- the copy, every 5 s (vmknet's connection list, then Linux's ss -tni)"
	tail -n 60 "$tmp/watch" 2>/dev/null || true
}

# copy VERSION: nfs-cp the 1 GiB file to the export and back over NFS VERSION.
copy() {
	local v=$1 url="nfs://$STORAGE_IP/export/big$1?version=$1" t dw dr
	phase "nfs-cp over NFSv$v under vmkrun --vmknic vmk2: 1 GiB there and back"
	t=$SECONDS
	timeout 100 "${SRUN[@]}" nfs-cp "$src" "$url" >"$tmp/cp.out" 2>&1 &
	local cpid=$!
	for _ in $(seq 1 50); do
		conns | grep -q ":2049 .*ESTABLISHED" && break
		sleep 0.1
	done
	conns | tee "$tmp/conns$v.out"
	watch_copy "$cpid" "$exp/export/big$v" &
	local wpid=$!
	wait "$cpid" || { kill "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true; cat "$tmp/cp.out"
		stall_report; fail "nfs-cp to the export (NFSv$v) failed or timed out"; }
	kill "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true
	dw=$((SECONDS - t))
	grep -Eq "^tcp .* $VMK2_IP:[0-9]+ +$STORAGE_IP:2049 +ESTABLISHED .*NFS +storage" \
		"$tmp/conns$v.out" || fail "connection list: no NFS connection from vmk2 in the storage netstack"
	t=$SECONDS
	rm -f "$back"
	timeout 100 "${SRUN[@]}" nfs-cp "$url" "$back" >"$tmp/cp.out" 2>&1 &
	cpid=$!
	watch_copy "$cpid" "$back" &
	wpid=$!
	wait "$cpid" || { kill "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true; cat "$tmp/cp.out"
		stall_report; fail "nfs-cp from the export (NFSv$v) failed or timed out"; }
	kill "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true
	dr=$((SECONDS - t))
	[ "$(sha "$exp/export/big$v")" = "$want" ] || fail "NFSv$v: the file on the server differs"
	[ "$(sha "$back")" = "$want" ] || fail "NFSv$v: the file read back differs"
	echo "nfs-cp NFSv$v: 1 GiB written in ${dw}s ($((1024 / (dw ? dw : 1))) MiB/s), read in ${dr}s ($((1024 / (dr ? dr : 1))) MiB/s), SHA-256 equal"
	rm -f "$back" "$exp/export/big$v"
}
copy 3
# NFSv4 where libnfs speaks it against this server: first on Linux's own
# stack in the namespace (Debian 12's libnfs 4.0 nfs-cp leaves an empty file
# on nfs-ganesha 4.x over NFSv4 there too); vmknet is held to the same.
head -c 1000000 "$src" >"$back"
if lx nfs-cp "$back" "nfs://$STORAGE_IP/export/probe4?version=4" >/dev/null 2>&1 &&
	cmp -s "$back" "$exp/export/probe4"; then
	copy 4
else
	echo "NFSv4: not tried under vmkrun: nfs-cp over NFSv4 fails on Linux's own stack against this server too"
fi
rm -f "$back" "$exp/export/probe4"

phase "qemu-img convert with nfs:// under vmkrun --vmknic vmk2: 256 MiB there and back"
head -c $((256 << 20)) "$src" >"$back"
rm -f "$src"
mv "$back" "$src"
want=$(sha "$src")
t=$SECONDS
timeout 60 "${SRUN[@]}" qemu-img convert -f raw -O raw "$src" "nfs://$STORAGE_IP/export/disk.img" \
	>"$tmp/qw.out" 2>&1 || { cat "$tmp/qw.out"; fail "qemu-img convert to nfs:// failed or timed out"; }
timeout 60 "${SRUN[@]}" qemu-img convert -f raw -O raw "nfs://$STORAGE_IP/export/disk.img" "$back" \
	>"$tmp/qr.out" 2>&1 || { cat "$tmp/qr.out"; fail "qemu-img convert from nfs:// failed or timed out"; }
[ "$(sha "$exp/export/disk.img")" = "$want" ] || fail "qemu-img: the image on the server differs"
[ "$(sha "$back")" = "$want" ] || fail "qemu-img: the image read back differs"
echo "qemu-img convert nfs://: 256 MiB there and back in $((SECONDS - t))s, SHA-256 equal"

phase "the access port: only VLAN 30 passed"
relay_stop
relay_check 700000

stop
echo "test_vmkrun_nfs_bound_adapter: all checks passed in $((SECONDS - t0))s"
