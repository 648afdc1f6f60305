#!/usr/bin/env bash
# Objective: prove vmknet's TCP against Linux's. vmknet runs as the example
# tools embed it (build/bin/vmkbulk: its own host, vSwitch0, vmk0
# 192.0.2.1/24 at MTU 1500, uplink vmnic0 = net_af_packet on a veth end in
# namespace $nsv); Linux is 192.0.2.2/24 on the other end in namespace $nsl
# (offloads off on both ends: af_packet must see real frames and checksums).
#
# Cases:
#   1. 256 MiB vmknet -> Linux (vmkbulk --send, socat writing a file), the
#      files' SHA-256 equal;
#   2. 256 MiB Linux -> vmknet (socat sending, vmkbulk --recv), the same;
#   1z, 2z. the same both ways with vmkbulk --zero-copy (the data handed to
#      and taken from the stack as mbufs: vmk_tcp_send_mbuf/recv_mbuf);
#   3. both SYNs of both handshakes, captured by tshark on Linux's end,
#      carry MSS 1460, a window scale, timestamps and SACK-permitted;
#   4. a SYN to a closed vmknet port is refused at once (RST);
#   5. an in-window RST with the wrong sequence number gets a challenge ACK
#      and the connection carries on (tests/integration/lib/tcp_crafted.py);
#   6. during a SYN flood from spoofed addresses a legitimate connection is
#      accepted and carries its data.
# Throughput and a request/response latency sample (vmkrr against a socat
# echo server) are printed for the record, not judged.
# Loss, delay with reordering and duplication: test_linux_tcp_impair.sh
# (tc netem where the kernel has it; this one has not,
# CONFIG_NET_SCH_NETEM is off, so tests/support/vmk-impair.c there).
# Needs root, iproute2, ethtool, socat, tshark and python3. The DPDK runs are
# sequential (one at a time, 2 lcores each); on a shared machine run the
# whole test under `flock /tmp/vmknet-dpdk.lock` (as `make test` is). The
# namespaces, processes and files are removed on any exit.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BULK=$BUILD/bin/vmkbulk
RR=$BUILD/bin/vmkrr
CRAFT=tests/integration/lib/tcp_crafted.py
nsv=vmktcpv$$
nsl=vmktcpl$$
ifv=vtc$$v
ifl=vtc$$l
tmp=$(mktemp -d /tmp/vmk-linux-tcp.XXXXXX)
bg_pids=()
runs=0
failed=0

cleanup() {
	for p in "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	ip netns del "$nsv" 2>/dev/null
	ip netns del "$nsl" 2>/dev/null
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integration/lib/need.sh
need_root "network namespaces, af_packet"
need ip socat tshark ethtool python3 sha256sum
[ -x "$BULK" ] || { echo "FAIL: $BULK not built"; exit 1; }

lx() { ip netns exec "$nsl" "$@"; }
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# vmk_cmd TOOL ARGS...: VMK=(the command line of a tool in vmknet's
# namespace with the test's EAL rules: 2 lcores, no PCI, no hugepages, its
# own file prefix). Run as "${VMK[@]}" so that $! of a background run is
# the process to signal (timeout, which passes the signal on).
vmk_cmd() {
	local tool=$1
	shift
	runs=$((runs + 1))
	VMK=(ip netns exec "$nsv" timeout -k 5 90 "$tool" -l 0-1 --no-pci --no-huge --no-shconf
	     -m 512 --file-prefix "vmk-linux-tcp-$$-$runs" --log-level='*:warning'
	     -- --uplink "net_af_packet0,iface=$ifv" --ip 192.0.2.1/24 "$@")
}

# start_listener LOG ARGS...: vmkbulk --listen in the background, waiting
# until it listens (it may first wait for the lock).
start_listener() {
	local log=$1
	shift
	vmk_cmd "$BULK" "$@"
	"${VMK[@]}" >"$log" 2>&1 &
	bulk_pid=$!
	bg_pids+=("$bulk_pid")
	for _ in $(seq 1 600); do
		grep -q "listening on port" "$log" && return 0
		kill -0 "$bulk_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "vmkbulk did not start listening:"; cat "$log"
	return 1
}

echo "== namespaces $nsv (vmknet) and $nsl (Linux), veth $ifv <-> $ifl"
ip netns add "$nsv" && ip netns add "$nsl" &&
	ip link add "$ifv" netns "$nsv" type veth peer name "$ifl" netns "$nsl" || exit 1
for n in "$nsv:$ifv" "$nsl:$ifl"; do
	ip -n "${n%%:*}" link set lo up
	ip -n "${n%%:*}" link set "${n#*:}" up
	ip netns exec "${n%%:*}" ethtool -K "${n#*:}" tso off gso off gro off tx off rx off \
		>/dev/null 2>&1
done
ip -n "$nsl" addr add 192.0.2.2/24 dev "$ifl" || exit 1
head -c 256M /dev/urandom >"$tmp/data"
want=$(sha256sum <"$tmp/data" | cut -d' ' -f1)

echo "== capture of every SYN on Linux's end"
ip netns exec "$nsl" timeout 300 tshark -i "$ifl" -f 'tcp[tcpflags] & tcp-syn != 0' -w "$tmp/syn.pcapng" >"$tmp/tshark.log" 2>&1 &
tshark_pid=$!
bg_pids+=("$tshark_pid")
for _ in $(seq 1 100); do
	grep -q "Capturing on" "$tmp/tshark.log" && break
	sleep 0.1
done

# to_linux CASE PORT [VMKBULK ARGS...]: 256 MiB vmknet -> Linux, compared.
to_linux() {
	local c=$1 port=$2
	shift 2
	echo "== $c. 256 MiB vmknet -> Linux${*:+ ($*)}"
	ip netns exec "$nsl" timeout 120 socat -u TCP-LISTEN:"$port",reuseaddr OPEN:"$tmp/rx$c",creat,trunc &
	socat_pid=$!
	bg_pids+=("$socat_pid")
	sleep 0.3
	vmk_cmd "$BULK" --connect 192.0.2.2:"$port" --send "$tmp/data" --json "$@"
	"${VMK[@]}" 2>&1 | tee "$tmp/out$c"
	wait "$socat_pid"
	got=$(sha256sum <"$tmp/rx$c" | cut -d' ' -f1)
	if [ "$got" = "$want" ]; then
		pass "256 MiB vmknet -> Linux${*:+ ($*)}, sha256 $got"
	else
		fail "256 MiB vmknet -> Linux${*:+ ($*)}: sha256 $got, want $want ($(stat -c %s "$tmp/rx$c") bytes)"
	fi
	rm -f "$tmp/rx$c"
}

# from_linux CASE PORT [VMKBULK ARGS...]: 256 MiB Linux -> vmknet, compared.
from_linux() {
	local c=$1 port=$2
	shift 2
	echo "== $c. 256 MiB Linux -> vmknet${*:+ ($*)}"
	if start_listener "$tmp/out$c" --listen "$port" --recv "$tmp/rx$c" --json "$@"; then
		lx socat -u OPEN:"$tmp/data" TCP:192.0.2.1:"$port" || fail "Linux's socat failed"
		wait "$bulk_pid"
		cat "$tmp/out$c"
		got=$(sha256sum <"$tmp/rx$c" | cut -d' ' -f1)
		if [ "$got" = "$want" ]; then
			pass "256 MiB Linux -> vmknet${*:+ ($*)}, sha256 $got"
		else
			fail "256 MiB Linux -> vmknet${*:+ ($*)}: sha256 $got, want $want"
		fi
	else
		fail "256 MiB Linux -> vmknet${*:+ ($*)}: no listener"
	fi
	rm -f "$tmp/rx$c"
}

to_linux 1 5001
from_linux 2 5002
to_linux 1z 5011 --zero-copy
from_linux 2z 5012 --zero-copy
for c in 1z 2z; do
	grep -q '"zero_copy":true' "$tmp/out$c" || fail "$c: vmkbulk did not run zero-copy"
done

echo "== 3. options in both SYNs of both handshakes"
sleep 0.5
kill -INT "$tshark_pid"
wait "$tshark_pid"
tshark -r "$tmp/syn.pcapng" -T fields -E separator=' ' -e ip.src -e tcp.srcport \
	-e tcp.flags.ack -e tcp.options.mss_val -e tcp.options.wscale.shift \
	-e tcp.options.timestamp.tsval -e tcp.options.sack_perm 2>/dev/null | tee "$tmp/syns"
# Each line: src port ack mss wscale tsval sack_perm; all fields present.
for conn in "192.0.2.1 0:192.0.2.2 1" "192.0.2.2 0:192.0.2.1 1"; do
	syn=${conn%%:*} synack=${conn#*:}
	for who in "$syn" "$synack"; do
		line=$(awk -v ip="${who% *}" -v ack="${who#* }" \
			'$1 == ip && $3 == ack && NF >= 7 && $4 == 1460' "$tmp/syns" | head -n 1)
		if [ -n "$line" ]; then
			pass "SYN from ${who% *} (ack=${who#* }) has MSS 1460, wscale, TS, SACK_PERM: $line"
		else
			fail "no SYN from ${who% *} (ack=${who#* }) with MSS 1460, wscale, TS and SACK_PERM"
		fi
	done
done

echo "== 4-6. closed port, challenge ACK, SYN flood"
if start_listener "$tmp/out4" --listen 5004 --recv "$tmp/rx4"; then
	err=$(lx timeout 5 bash -c 'exec 3<>/dev/tcp/192.0.2.1/5999' 2>&1)
	if echo "$err" | grep -q "Connection refused"; then
		pass "SYN to closed port 5999 refused (RST): $err"
	else
		fail "SYN to closed port 5999: '$err', want 'Connection refused'"
	fi
	if lx python3 "$CRAFT" challenge "$ifl" 192.0.2.1 5004; then
		wait "$bulk_pid"
		cat "$tmp/out4"
		if [ "$(cat "$tmp/rx4")" = "$(printf 'A%.0s' $(seq 1000))$(printf 'B%.0s' $(seq 1000))" ]; then
			pass "in-window RST with a wrong sequence: challenge ACK, connection intact"
		else
			fail "challenge ACK came but the data after it did not arrive intact"
		fi
	else
		fail "in-window RST with a wrong sequence: no challenge ACK"
	fi
else
	fail "closed port / challenge ACK: no listener"
fi
kill "$bulk_pid" 2>/dev/null; wait "$bulk_pid" 2>/dev/null

# 20,000 SYNs a second for 4 s: far beyond vmkbulk's backlog (1), within
# what this 2-core machine forwards (faster floods lose SYNs, the real
# client's among them, before TCP sees them).
head -c 4M "$tmp/data" >"$tmp/small"
if start_listener "$tmp/out6" --listen 5006 --recv "$tmp/rx6" --json; then
	ip netns exec "$nsl" timeout 30 python3 "$CRAFT" synflood 192.0.2.1 5006 4 20000 &
	flood_pid=$!
	bg_pids+=("$flood_pid")
	sleep 1
	ok=0
	lx timeout 10 socat -u OPEN:"$tmp/small" TCP:192.0.2.1:5006,connect-timeout=5 && ok=1
	wait "$flood_pid"
	kill "$bulk_pid" 2>/dev/null; wait "$bulk_pid" 2>/dev/null
	cat "$tmp/out6"
	cookies=$(sed -n 's/.*"syncookies_sent":\([0-9]*\).*/\1/p' "$tmp/out6")
	if [ "$ok" = 1 ] && cmp -s "$tmp/small" "$tmp/rx6" && [ "${cookies:-0}" -gt 1000 ]; then
		pass "legitimate connection accepted and carried 4 MiB during a SYN flood ($cookies SYN cookies sent)"
	else
		fail "legitimate connection during a SYN flood (socat ok=$ok, cookies ${cookies:-none})"
	fi
else
	fail "SYN flood: no listener"
fi

echo "== for the record: 1-byte request/response against a socat echo server"
ip netns exec "$nsl" timeout 60 socat TCP-LISTEN:5007,reuseaddr,fork PIPE &
bg_pids+=("$!")
sleep 0.3
vmk_cmd "$RR" --connect 192.0.2.2:5007 --duration 2 --json
"${VMK[@]}" 2>&1 || fail "vmkrr failed"

echo "== $failed case(s) failed, ${SECONDS} s"
[ "$failed" -eq 0 ]
