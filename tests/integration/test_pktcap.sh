#!/usr/bin/env bash
# Objective: pktcap captures at a switch port of a running vmknetd the way
# pktcap-uw does at an ESXi port. With an uplink whose device generates
# frames (net_null's rx returns frames endlessly) and a worker forwarding,
# `pktcap --uplink vmnic0 --dir in -c 20 -o f.pcap` writes exactly 20 frames
# that tshark reads, as pcap, and as pcapng with --ng; the same port is
# reached by vmktop's PORT-ID (--switchport) and a vmknic by name (--vmk);
# a filter that matches nothing writes an empty but valid file; bad usage
# exits 2 and names what is wrong; unknown or unattached ports, an
# unwritable file and an unreachable daemon exit 1 with a clear reason; the
# daemon keeps serving afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(cd "${BUILD:-build}" && pwd)
VMKD_NAME=pktcap-test
VMKD_LCORES=0-1
VMKD_NO_SHCONF=0
VMKD_EAL_ARGS=(--vdev net_null0)
VMKD_LOG_TAIL=30
. tests/integration/lib/vmknetd.sh
cfg=$tmp/config.json
sock=$tmp/vmknetd.sock
pktcap() { "$BUILD/bin/pktcap" --control "$sock" "$@"; }
frames() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
magic() { od -An -tx1 -N4 "$1" | tr -d ' \n'; }
# expect RC PATTERN ARGS...: pktcap exits RC and says PATTERN on stderr.
expect() {
	local want=$1 pat=$2 rc=0
	shift 2
	pktcap "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "pktcap $*: exit $rc, expected $want: $(cat "$tmp/err")"
	grep -q -- "$pat" "$tmp/err" || fail "pktcap $*: stderr lacks '$pat': $(cat "$tmp/err")"
	echo "ok ($rc): pktcap $* -> $(cat "$tmp/err")"
}

start

echo "== refused before the uplink is on a vSwitch"
expect 1 'uplink "vmnic0" is on no vSwitch' --uplink vmnic0 -c 1 -o "$tmp/x.pcap"
cli network vswitch standard uplink add -u vmnic0 -v vSwitch0

echo "== uplink, inbound, 20 frames, pcap"
cd "$tmp"
pktcap --uplink vmnic0 --dir in -c 20 -o f.pcap | tee out
cd - >/dev/null
grep -qx "pktcap: 20 frames written to $tmp/f.pcap ([0-9]* dropped)" "$tmp/out" || fail "summary line"
[ "$(frames "$tmp/f.pcap")" -eq 20 ] || fail "f.pcap holds $(frames "$tmp/f.pcap") frames"
case $(magic "$tmp/f.pcap") in d4c3b2a1|a1b2c3d4|4d3cb2a1|a1b23c4d) ;; *) fail "f.pcap is not pcap";; esac

echo "== the same, pcapng"
pktcap --uplink vmnic0 --dir in -c 20 -o "$tmp/f.pcapng" --ng
[ "$(frames "$tmp/f.pcapng")" -eq 20 ] || fail "f.pcapng holds $(frames "$tmp/f.pcapng") frames"
[ "$(magic "$tmp/f.pcapng")" = 0a0d0d0a ] || fail "f.pcapng is not pcapng"

echo "== by vmktop's PORT-ID, and a vmknic by name"
portid=$("$BUILD/bin/vmktop" --control "$sock" -n 1 -d 0.2 | awk '$2 == "vmnic0" { print $1 }')
[ -n "$portid" ] || fail "no PORT-ID for vmnic0"
pktcap --switchport "$portid" --dir both -c 5 -o "$tmp/p.pcap"
[ "$(frames "$tmp/p.pcap")" -eq 5 ] || fail "p.pcap holds $(frames "$tmp/p.pcap") frames"
# What vmk0 sends: the daemon serves one control request at a time and a
# capture holds it to its end, so vmk0's traffic cannot come from vmkping.
# A second uplink (net_pcap) replays an ARP request for vmk0's address
# (192.0.2.10) from 192.0.2.99 over and over; vmk0 answers each, and the
# capture of frames from vmk0 into the switch must hold those replies and
# only frames from vmk0's MAC.
python3 - "$tmp/arp.pcap" <<'PY'
import struct, sys
src = bytes.fromhex("020000000099")
arp = (b"\xff" * 6 + src + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src
       + bytes([192, 0, 2, 99]) + b"\x00" * 6 + bytes([192, 0, 2, 10])).ljust(60, b"\x00")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 0, 0, len(arp), len(arp)) + arp)
PY
stop
VMKD_EAL_ARGS=(--vdev net_null0 --vdev "net_pcap0,rx_pcap=$tmp/arp.pcap,tx_pcap=$tmp/tx.pcap,infinite_rx=1")
start
cli network vswitch standard uplink add -u vmnic1 -v vSwitch0
vmk0_mac=$(cli network ip interface list | awk '$1 == "MAC" { print $3; exit }')
pktcap --vmk vmk0 --dir in -c 5 -t 10 -o "$tmp/v.pcap"
n=$(frames "$tmp/v.pcap")
replies=$(tshark -r "$tmp/v.pcap" -Y 'arp.opcode == 2 && arp.src.proto_ipv4 == 192.0.2.10 && arp.dst.proto_ipv4 == 192.0.2.99' \
	-T fields -e frame.number 2>/dev/null | wc -l)
srcs=$(tshark -r "$tmp/v.pcap" -T fields -e eth.src 2>/dev/null | sort -u)
[ "$n" -eq 5 ] || fail "v.pcap holds $n frames, want 5: $(tshark -r "$tmp/v.pcap" -c 5 2>&1)"
[ "$replies" -ge 1 ] || fail "v.pcap: none of its $n frames is vmk0's ARP reply to 192.0.2.99: $(tshark -r "$tmp/v.pcap" -c 5 2>&1)"
[ "$srcs" = "$vmk0_mac" ] || fail "v.pcap: frames at vmk0's input from $srcs, want only vmk0's $vmk0_mac"
echo "v.pcap: $n frames from vmk0 ($srcs), $replies ARP replies to 192.0.2.99"

echo "== a filter that matches nothing: an empty, valid file after -t"
# net_null's frames are not IPv4, so nothing matches.
pktcap --uplink vmnic0 --ethtype 0x0800 --proto 0x06 --port 443 -c 10 -t 1 -o "$tmp/e.pcap" \
	| grep -q "pktcap: 0 frames written" || fail "filtered capture"
[ "$(frames "$tmp/e.pcap")" -eq 0 ] || fail "e.pcap not empty"

echo "== usage errors (exit 2)"
expect 2 'exactly one of' -c 1 -o "$tmp/x.pcap"
expect 2 'exactly one of' --uplink vmnic0 --vmk vmk0 -c 1 -o "$tmp/x.pcap"
expect 2 '-o FILE' --uplink vmnic0 -c 1
expect 2 'use 0 (in), 1 (out) or 2 (both)' --uplink vmnic0 --dir sideways -c 1 -o "$tmp/x.pcap"
expect 2 'use 1..100000000' --uplink vmnic0 -c 0 -o "$tmp/x.pcap"
expect 2 'use 1..100000000' --uplink vmnic0 -c 100000001 -o "$tmp/x.pcap"
expect 2 'use 1..86400 seconds' --uplink vmnic0 -t 86401 -o "$tmp/x.pcap"
expect 2 'use UplinkRcv, UplinkSnd' --uplink vmnic0 --capture Sideways -c 1 -o "$tmp/x.pcap"
expect 2 'needs --uplink' --vmk vmk0 --capture UplinkSnd -c 1 -o "$tmp/x.pcap"
expect 2 'contradicts the capture point' --uplink vmnic0 --capture UplinkRcv --dir 1 -c 1 \
	-o "$tmp/x.pcap"
expect 2 'Drop is not supported' --uplink vmnic0 --capture Drop -c 1 -o "$tmp/x.pcap"
expect 2 'use 0..65535' --uplink vmnic0 --dstport 65536 -c 1 -o "$tmp/x.pcap"
expect 2 'xx:xx:xx:xx:xx:xx' --uplink vmnic0 --srcmac zz -c 1 -o "$tmp/x.pcap"
expect 2 'xx:xx:xx:xx:xx:xx' --uplink vmnic0 --mac 00:00:5e -c 1 -o "$tmp/x.pcap"
expect 2 'dotted-quad' --uplink vmnic0 --ip 192.0.2 -c 1 -o "$tmp/x.pcap"
expect 2 'use 0..4094' --uplink vmnic0 --vlan 4095 -c 1 -o "$tmp/x.pcap"
expect 2 'unknown option' --uplink vmnic0 --bogus -c 1 -o "$tmp/x.pcap"

echo "== refused (exit 1)"
expect 1 'no uplink "vmnic9"' --uplink vmnic9 -c 1 -o "$tmp/x.pcap"
expect 1 'no switch port 99999999' --switchport 99999999 -c 1 -o "$tmp/x.pcap"
expect 1 'no VMkernel interface "vmk7"' --vmk vmk7 -c 1 -o "$tmp/x.pcap"
expect 1 'cannot write' --uplink vmnic0 -c 1 -o "$tmp/no/such/dir/x.pcap"
rc=0; "$BUILD/bin/pktcap" --control "$tmp/nope.sock" --uplink vmnic0 -c 1 -o "$tmp/x.pcap" \
	2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'cannot reach vmknetd' "$tmp/err" || fail "unreachable: exit $rc"
[ ! -e "$tmp/x.pcap" ] || fail "a refused capture left a file"

echo "== pktcap-uw, ESXi's options: --capture UplinkRcv, --dir 0, -o/--outfile, --count, --srcmac"
src=$(tshark -r "$tmp/f.pcap" -T fields -e eth.src 2>/dev/null | head -n 1)
[ -n "$src" ] || fail "no source MAC in f.pcap"
"$BUILD/bin/pktcap-uw" --control "$sock" --uplink vmnic0 --capture UplinkRcv --count 7 \
	--outfile "$tmp/uw.pcap" --srcmac "$src" >"$tmp/out" 2>"$tmp/err" || fail "pktcap-uw: $(cat "$tmp/err")"
grep -q '^pktcap-uw: 7 frames written' "$tmp/out" || fail "pktcap-uw summary: $(cat "$tmp/out")"
[ "$(frames "$tmp/uw.pcap")" -eq 7 ] || fail "uw.pcap holds $(frames "$tmp/uw.pcap") frames"
[ "$(tshark -r "$tmp/uw.pcap" -T fields -e eth.src 2>/dev/null | sort -u)" = "$src" ] ||
	fail "--srcmac let another source through"
"$BUILD/bin/pktcap-uw" --control "$sock" --uplink vmnic0 --dir 0 --dstmac 00:00:5e:00:53:99 \
	-c 1 -t 1 -o "$tmp/none.pcap" >/dev/null 2>&1 || fail "a --dstmac capture"
[ "$(frames "$tmp/none.pcap")" -eq 0 ] || fail "--dstmac matched frames to nobody"

echo "== without -c or -t: runs until SIGINT, vmkcli answers meanwhile, the file is valid"
"$BUILD/bin/pktcap-uw" --control "$sock" --uplink vmnic0 --dir 2 -o "$tmp/long.pcap" \
	>"$tmp/long.out" 2>"$tmp/long.err" &
cap=$!
sleep 1.5
kill -0 "$cap" 2>/dev/null || fail "the capture without a count ended by itself: $(cat "$tmp/long.err")"
cli network nic list >/dev/null || fail "vmknetd did not answer during a capture"
kill -INT "$cap"
rc=0; wait "$cap" || rc=$?
[ "$rc" -eq 0 ] || fail "pktcap-uw exited $rc on SIGINT: $(cat "$tmp/long.err")"
n=$(frames "$tmp/long.pcap")
[ "$n" -gt 0 ] || fail "long.pcap is empty"
grep -q "^pktcap-uw: $n frames written to $tmp/long.pcap" "$tmp/long.out" ||
	fail "the summary after SIGINT: $(cat "$tmp/long.out") (tshark reads $n)"

echo "== a capture whose pktcap was killed (SIGKILL) is stopped when its lease runs out"
"$BUILD/bin/pktcap" --control "$sock" --uplink vmnic0 -o "$tmp/orphan.pcap" 2>/dev/null &
cap=$!
sleep 1
kill -KILL "$cap"; wait "$cap" 2>/dev/null || true
expect 1 'already being captured' --uplink vmnic0 -c 1 -o "$tmp/x.pcap"
for _ in $(seq 1 150); do
	grep -q "capture [0-9]* to $tmp/orphan.pcap stopped: nobody asked" "$log" && break
	sleep 0.1
done
grep -q "capture [0-9]* to $tmp/orphan.pcap stopped: nobody asked" "$log" || fail "the orphan capture ran on"
[ "$(frames "$tmp/orphan.pcap")" -gt 0 ] || fail "the orphan capture's file is not valid"

echo "== a capture stops, its file complete, when a change removes its vSwitch"
ok network vswitch standard add -v vSwitch1
ok network vswitch standard portgroup add -p Cap -v vSwitch1
ok network ip interface add -i vmk5 -p Cap
"$BUILD/bin/pktcap" --control "$sock" --vmk vmk5 --dir both -o "$tmp/gone.pcap" >"$tmp/gone.out" 2>&1 &
cap=$!
sleep 1
ok network ip interface remove -i vmk5
ok network vswitch standard remove -v vSwitch1
grep -q "capture [0-9]* to $tmp/gone.pcap stopped: its vSwitch vSwitch1 is removed" "$log" ||
	fail "the capture outlived its vSwitch"
rc=0; wait "$cap" || rc=$?
[ "$rc" -eq 1 ] && grep -q "no capture" "$tmp/gone.out" || fail "pktcap after its vSwitch went: exit $rc: $(cat "$tmp/gone.out")"
tshark -r "$tmp/gone.pcap" >/dev/null 2>&1 || fail "gone.pcap is not a valid capture"

echo "== the daemon still serves"
cli network nic list >/dev/null || fail "vmknetd no longer answers"
pktcap --uplink vmnic0 -c 1 -o "$tmp/last.pcap" >/dev/null || fail "capture after errors"
stop
echo "test_pktcap: all checks passed"
