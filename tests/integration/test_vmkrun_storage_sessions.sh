#!/usr/bin/env bash
# Objective: the storage initiators' own tools, unmodified, open their
# sessions over vmk0 under vmkrun: libiscsi's iscsi-ls discovers a tgt
# target in Linux's namespace (its LUN listed with its size) and iscsi-inq
# reads the LUN's inquiry data; libnfs's nfs-ls lists an nfs-ganesha export
# (FSAL VFS, NFSv4) there. A wrong target name or export path fails cleanly
# (the tools' exit status, no hang).
# The data tests (1 GiB through qemu-img, iscsi-test-cu) are the storage
# issue's.
# Needs root, iproute2, ethtool, tgt, libiscsi-bin, nfs-ganesha(-vfs),
# libnfs-utils.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "a network namespace, an af_packet uplink, tgtd and ganesha in it"
need ip ethtool tgtd tgtadm iscsi-ls iscsi-inq ganesha.nfsd nfs-ls ss
VMKR_NAME=vmkrun-storage
. tests/integration/lib/vmkrun.sh
vmkr_up

echo "== tgtd in Linux's namespace: one target, a 64 MiB LUN"
truncate -s 64M "$tmp/lun.img"
iqn=iqn.2026-12.org.example.vmknet:lun
tgt_up 192.0.2.2 "$tmp/lun.img" "$iqn"

echo "== iscsi-ls and iscsi-inq under vmkrun"
timeout 30 "$VMKRUN" --control "$sock" -- iscsi-ls -s iscsi://192.0.2.2 >"$tmp/ls.out" 2>&1 ||
	{ cat "$tmp/ls.out"; fail "iscsi-ls failed"; }
cat "$tmp/ls.out"
grep -q "^Target:$iqn Portal:192.0.2.2:3260" "$tmp/ls.out" || fail "iscsi-ls did not discover the target"
grep -q "Lun:1 *Type:DIRECT_ACCESS (Size:63M)" "$tmp/ls.out" || fail "iscsi-ls did not list the LUN"
timeout 30 "$VMKRUN" --control "$sock" -- iscsi-inq "iscsi://192.0.2.2/$iqn/1" >"$tmp/inq.out" 2>&1 ||
	{ cat "$tmp/inq.out"; fail "iscsi-inq failed"; }
cat "$tmp/inq.out"
grep -q "Peripheral Device Type:DIRECT_ACCESS" "$tmp/inq.out" || fail "iscsi-inq: no inquiry data"
grep -q "Vendor:IET" "$tmp/inq.out" || fail "iscsi-inq: not tgt's vendor id"
rc=0
timeout 30 "$VMKRUN" --control "$sock" -- iscsi-inq "iscsi://192.0.2.2/$iqn.none/1" \
	>"$tmp/bad.out" 2>&1 || rc=$?
cat "$tmp/bad.out"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "iscsi-inq of a missing target: exit $rc"

echo "== nfs-ganesha in Linux's namespace (NFSv4, FSAL VFS), nfs-ls under vmkrun"
mkdir -p "$tmp/export/dir1"
echo hello >"$tmp/export/file1.txt"
head -c 12345 /dev/urandom >"$tmp/export/dir1/blob"
ganesha_up 192.0.2.2 "$tmp/export" 4
timeout 30 "$VMKRUN" --control "$sock" -- nfs-ls 'nfs://192.0.2.2/export?version=4' \
	>"$tmp/nfsls.out" 2>&1 || { cat "$tmp/nfsls.out"; fail "nfs-ls failed"; }
cat "$tmp/nfsls.out"
grep -q " file1.txt$" "$tmp/nfsls.out" || fail "nfs-ls: file1.txt not listed"
grep -q " dir1$" "$tmp/nfsls.out" || fail "nfs-ls: dir1 not listed"
timeout 30 "$VMKRUN" --control "$sock" -- nfs-ls -R 'nfs://192.0.2.2/export?version=4' \
	>"$tmp/nfsls.out" 2>&1 || { cat "$tmp/nfsls.out"; fail "nfs-ls -R failed"; }
grep -q "12345 .*dir1/blob$" "$tmp/nfsls.out" || { cat "$tmp/nfsls.out"; fail "nfs-ls -R: dir1/blob (12345 bytes) not listed"; }
rc=0
timeout 30 "$VMKRUN" --control "$sock" -- nfs-ls 'nfs://192.0.2.2/nothere?version=4' \
	>"$tmp/bad.out" 2>&1 || rc=$?
cat "$tmp/bad.out"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "nfs-ls of a missing export: exit $rc"

stop
echo "test_vmkrun_storage_sessions: all checks passed"
