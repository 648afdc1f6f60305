#!/usr/bin/env bash
# Objective: the storage demo (examples/run_demo_storage.sh, the last part
# of `make demo`) runs end to end as root: iscsi-ls through vmk2 finds the
# tgt target and its 64 MiB LUN, qemu-img writes the LUN and reads it back
# with equal SHA-256, the connection list shows the iSCSI session from
# vmk2's address in the storage netstack, the FT log stream from vmk3
# prints its latency for each of the four sizes with every record
# acknowledged, vmnic0 counts faultToleranceLogging and iSCSI bytes, and
# nothing is left behind (namespaces, files in /dev/shm).
# Needs root, tgt, libiscsi-bin, qemu-utils, qemu-block-extra.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "the demo's namespaces and af_packet uplink"
need tgtd tgtadm iscsi-ls qemu-img ethtool
BUILD=${BUILD:-build}
fail() { echo "FAIL: $*" >&2; exit 1; }
rc=0
out=$(BUILD=$BUILD timeout 120 examples/run_demo_storage.sh 2>&1) || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "the demo exited $rc"
echo "$out" | grep -q '^Lun:1 *Type:DIRECT_ACCESS (Size:63M)' || fail "iscsi-ls did not list the LUN"
echo "$out" | grep -Eq '^tcp .* 198\.51\.100\.10:[0-9]+ +198\.51\.100\.2:3260 +ESTABLISHED .*iSCSI +storage$' ||
	fail "no iSCSI connection from vmk2 in the storage netstack"
echo "$out" | grep -q '^SHA-256 of what was written and of what was read back: [0-9a-f]\{64\} (equal)$' ||
	fail "the LUN's read-back"
for s in 64 256 1024 4096; do
	echo "$out" | grep -Eq "^ +$s +[1-9][0-9]* +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$" ||
		fail "no FT latency line for $s B records"
done
n=$(echo "$out" | sed -n 's/^FT log to .* (\([0-9]*\) records acknowledged)$/\1/p')
[ -n "$n" ] || fail "the primary's summary"
echo "$out" | grep -q "^secondary: 203\.0\.113\.10:[0-9]*: $n records, .* every one valid and acknowledged$" ||
	fail "the secondary did not get the primary's $n records from vmk3"
for c in faultToleranceLogging iSCSI; do
	echo "$out" | grep -Eq "^$c +[1-9][0-9]* +[1-9][0-9]* +0$" || fail "vmnic0 counted no $c traffic"
done
echo "$out" | grep -q '^storage demo: done$' || fail "the demo did not finish"
! ip netns list | grep -q '^vmkdem' || fail "namespace left behind"
! ls /dev/shm/vmkdemo-storage-* >/dev/null 2>&1 || fail "files left in /dev/shm"
echo "test_demo_storage: all checks passed"
