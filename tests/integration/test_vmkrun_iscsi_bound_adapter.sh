#!/usr/bin/env bash
# Objective: iSCSI storage on a bound adapter, against a real target. vmk2
# sits on the "Storage" port group (VLAN 30) in its own netstack; Linux, in
# a namespace behind an access port (tests/support/vmk-impair
# --access-vlan 30: tagged on vmknet's side, untagged on Linux's), runs tgt
# (tgtd, userspace) exporting a 1 GiB RAM-backed LUN (a file in /dev/shm).
# Unmodified initiators under `vmkrun --vmknic vmk2`: iscsi-ls discovers the
# target, iscsi-inq reads the LUN's inquiry data, qemu-img convert (qemu's
# libiscsi block driver, which watches its fds from its own event loop)
# writes 1 GiB of random data to iscsi://.../1 and reads it back, SHA-256
# equal. Port binding as an operator expects: the frames on the tagged side
# carry VLAN 30, tgtd sees the initiator at vmk2's address, the access port
# forwarded nothing but VLAN 30 (and dropped vmk0's untagged frames), vmk0
# cannot reach the target at all, and `vmkcli network ip connection list`
# shows the iSCSI connection on vmk2's address in the storage netstack.
# libiscsi's conformance suite iscsi-test-cu runs the same tests under
# vmkrun and on Linux's own stack; the same ones must pass (listed).
# Needs root, iproute2, ethtool, tcpdump, tshark, tgt, libiscsi-bin,
# qemu-utils, qemu-block-extra.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "network namespaces, af_packet, tgtd in a namespace"
need ip ethtool tcpdump tshark tgtd tgtadm iscsi-ls iscsi-inq iscsi-test-cu qemu-img ss
VMKR_NAME=vmkrun-iscsi
. tests/integration/lib/storage.sh
storage_up

phase "tgtd in Linux's namespace: one target, a 1 GiB LUN in /dev/shm"
lun=/dev/shm/vmkrun-iscsi-$$.lun
src=/dev/shm/vmkrun-iscsi-$$.src
back=/dev/shm/vmkrun-iscsi-$$.back
iscsi_cleanup() { storage_cleanup; rm -f "$lun" "$lun".[23] "$src" "$back"; }
VMKD_CLEANUP_HOOK=iscsi_cleanup
truncate -s 1G "$lun"
iqn=iqn.2026-12.org.example.vmknet:storage
tgt_up "$STORAGE_IP" "$lun" "$iqn"
url=iscsi://$STORAGE_IP/$iqn/1

phase "iscsi-ls and iscsi-inq under vmkrun --vmknic vmk2 (tcpdump on the tagged side)"
tagged_capture_start
timeout 30 "${SRUN[@]}" iscsi-ls -s "iscsi://$STORAGE_IP" >"$tmp/ls.out" 2>&1 ||
	{ cat "$tmp/ls.out"; fail "iscsi-ls failed"; }
cat "$tmp/ls.out"
grep -q "^Target:$iqn Portal:$STORAGE_IP:3260" "$tmp/ls.out" || fail "iscsi-ls did not discover the target"
grep -q "Lun:1 *Type:DIRECT_ACCESS (Size:1023M)" "$tmp/ls.out" || fail "iscsi-ls did not list the 1 GiB LUN"
timeout 30 "${SRUN[@]}" iscsi-inq "$url" >"$tmp/inq.out" 2>&1 || { cat "$tmp/inq.out"; fail "iscsi-inq failed"; }
cat "$tmp/inq.out"
grep -q "Peripheral Device Type:DIRECT_ACCESS" "$tmp/inq.out" || fail "iscsi-inq: no inquiry data"
grep -q "Vendor:IET" "$tmp/inq.out" || fail "iscsi-inq: not tgt's vendor id"
tagged_capture_stop
tshark -r "$tmp/tagged.pcap" -Y 'tcp.port == 3260' -T fields -e vlan.id -e eth.src -e ip.src \
	| sort | uniq -c >"$tmp/tagged.txt"
echo "frames of TCP port 3260 on the tagged side ($swa), by VLAN, source MAC, source IP:"
cat "$tmp/tagged.txt"
[ -s "$tmp/tagged.txt" ] || fail "no iSCSI frame captured on the tagged side"
awk -v m="$vmk2_mac" -v ip="$VMK2_IP" -v t="$STORAGE_IP" '
	!($2 == "30" && (($3 == m && $4 == ip) || $4 == t)) { bad = 1 }
	END { exit bad }' "$tmp/tagged.txt" ||
	fail "an iSCSI frame on the tagged side is not VLAN 30 between vmk2 and the target"
grep -q " 30	$vmk2_mac	$VMK2_IP$" "$tmp/tagged.txt" || fail "no VLAN 30 frame from vmk2 captured"

phase "port binding: vmk0 (untagged, defaultTcpipStack) cannot reach the target"
rc=0
timeout 30 "$VMKRUN" --control "$sock" --vmknic vmk0 -- iscsi-ls "iscsi://$STORAGE_IP" \
	>"$tmp/vmk0.out" 2>&1 || rc=$?
cat "$tmp/vmk0.out"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "iscsi-ls through vmk0: exit $rc (want a clean failure)"
"$BUILD/bin/vmkping" --control "$sock" -I vmk0 -c 1 -W 1 192.0.2.2 >/dev/null 2>&1 || true

phase "qemu-img convert: 1 GiB of random data to $url and back"
openssl rand -out "$src" $((1 << 30))
want=$(sha "$src")
t=$SECONDS
timeout 120 "${SRUN[@]}" qemu-img convert -p -n -f raw -O raw "$src" "$url" >"$tmp/qw.out" 2>&1 &
qpid=$!
# While it runs: the session as tgtd and vmknet see it.
for _ in $(seq 1 50); do
	conns | grep -q ":3260 .*ESTABLISHED" && break
	sleep 0.1
done
conns | tee "$tmp/conns.out"
tadm --op show --mode conn --tid 1 | tee "$tmp/tgtconn.out"
wait "$qpid" || { tail -c 2000 "$tmp/qw.out"; fail "qemu-img convert to iSCSI failed (or timed out)"; }
dw=$((SECONDS - t))
grep -Eq "^tcp .* $VMK2_IP:[0-9]+ +$STORAGE_IP:3260 +ESTABLISHED .*storage" "$tmp/conns.out" ||
	fail "connection list: no iSCSI connection from vmk2 ($VMK2_IP) in the storage netstack"
grep -q "IP Address: $VMK2_IP" "$tmp/tgtconn.out" || fail "tgtd does not see the initiator at vmk2's address"
t=$SECONDS
timeout 120 "${SRUN[@]}" qemu-img convert -p -f raw -O raw "$url" "$back" >"$tmp/qr.out" 2>&1 ||
	{ tail -c 2000 "$tmp/qr.out"; fail "qemu-img convert from iSCSI failed (or timed out)"; }
dr=$((SECONDS - t))
[ "$(sha "$back")" = "$want" ] || fail "the LUN read back differs from what was written"
[ "$(sha "$lun")" = "$want" ] || fail "the LUN's backing file differs from what was written"
echo "qemu-img convert: 1 GiB written in ${dw}s ($((1024 / (dw ? dw : 1))) MiB/s), read in ${dr}s ($((1024 / (dr ? dr : 1))) MiB/s), SHA-256 equal ($want)"
rm -f "$src" "$back"

phase "iscsi-test-cu (libiscsi's SCSI conformance suite, 24 suites, dataloss allowed): Linux's own stack, then vmkrun"
# Each run gets a fresh 64 MiB LUN of its own, so both start from the same
# state (the reservation tests leave theirs behind). Linux's initiator runs
# in the target's namespace; vmkrun's through vmk2, VLAN 30 and the relay.
for tid in 2 3; do
	truncate -s 64M "$lun.$tid"
	tadm --op new --mode target --tid "$tid" -T "$iqn-cu$tid"
	tadm --op new --mode logicalunit --tid "$tid" --lun 1 -b "$lun.$tid"
	tadm --op bind --mode target --tid "$tid" -I ALL
done
# The suites run: the data commands, the inquiry and capacity ones, the
# reservations, and the iSCSI layer's own (residuals, CmdSN, DataSN, task
# management). ALL of them takes 23 s on Linux and 61 s under vmkrun here
# (its reset and nexus-loss tests log in again and again); these keep the
# test under two minutes.
cu_suites="Inquiry ReadCapacity10 ReadCapacity16 TestUnitReady Read10 Read16 Write10 Write16
	WriteVerify10 Verify10 CompareAndWrite WriteSame10 Unmap OrWrite Prefetch10 ModeSense6
	ReportSupportedOpcodes PrinReadKeys ProutRegister ProutReserve iSCSIResiduals iSCSIcmdsn
	iSCSIdatasn iSCSITMF"
# cu_run NAME TID CMD...: the suites under CMD (a prefix) into $tmp/cu.NAME
# (one "PASS|FAIL Suite.Test" a line), the duration in cu_secs.
cu_run() {
	local name=$1 tid=$2 t=$SECONDS rc suite
	shift 2
	: >"$tmp/cu.$name"
	for suite in $cu_suites; do
		rm -rf "$tmp/cu-$name"
		mkdir -p "$tmp/cu-$name"
		rc=0
		(cd "$tmp/cu-$name" && timeout 60 "$@" iscsi-test-cu -d -x -t "ALL.$suite" \
			"iscsi://$STORAGE_IP/$iqn-cu$tid/1" >"$tmp/cu-$name/out" 2>&1) || rc=$?
		[ "$rc" -ne 124 ] || fail "iscsi-test-cu ($name, $suite) did not finish within 60 s"
		python3 - "$tmp/cu-$name/CUnitAutomated-Results.xml" >>"$tmp/cu.$name" <<'PY' ||
import re, sys
suite = None
for m in re.finditer(r"<SUITE_NAME> (.*?) </SUITE_NAME>|<CUNIT_RUN_TEST_(SUCCESS|FAILURE)>\s*"
                     r"<TEST_NAME> (.*?) </TEST_NAME>", open(sys.argv[1]).read()):
    if m.group(1):
        suite = m.group(1)
    else:
        print("%s %s.%s" % ("PASS" if m.group(2) == "SUCCESS" else "FAIL", suite, m.group(3)))
PY
			fail "iscsi-test-cu ($name, $suite): no results ($(tail -n 5 "$tmp/cu-$name/out"))"
	done
	cu_secs=$((SECONDS - t))
	echo "iscsi-test-cu on $name: $(grep -c ^PASS "$tmp/cu.$name") passed," \
		"$(grep -c ^FAIL "$tmp/cu.$name") failed, ${cu_secs}s"
}
cu_run linux 2 ip netns exec "$ns"
cu_linux_secs=$cu_secs
cu_run vmkrun 3 "${SRUN[@]}"
echo "tests that pass on both stacks (by suite):"
grep ^PASS "$tmp/cu.vmkrun" | cut -d' ' -f2 | awk -F. '
	$1 != s { if (s != "") print line; s = $1; line = "  " $1 ":" }
	{ line = line " " $2 } END { print line }'
echo "tests that fail on both (tgt's answers, not the transport's):"
grep ^FAIL "$tmp/cu.vmkrun" | sed 's/^FAIL /  /'
[ "$(grep -c ^PASS "$tmp/cu.linux")" -ge 100 ] || fail "iscsi-test-cu on Linux: fewer than 100 tests passed"
diff "$tmp/cu.linux" "$tmp/cu.vmkrun" >"$tmp/cu.diff" ||
	{ cat "$tmp/cu.diff"; fail "iscsi-test-cu: different results under vmkrun than on Linux's stack (< linux, > vmkrun)"; }
echo "iscsi-test-cu: the same $(grep -c ^PASS "$tmp/cu.linux") tests pass on both (Linux ${cu_linux_secs}s, vmkrun ${cu_secs}s)"

phase "the access port: only VLAN 30 passed"
relay_stop
relay_check 700000 untagged

stop
echo "test_vmkrun_iscsi_bound_adapter: all checks passed in $((SECONDS - t0))s"
