#!/usr/bin/env bash
# run_sockets.sh: unmodified programs on vmknet's sockets (vmkrun) against
# the same programs on Linux's own stack, side by side in alternating
# rounds (issue 14, point 5).
#
#   linux    two network namespaces joined by a veth pair (198.18.0.1/24,
#            198.18.0.2/24): the client in A, the server in B.
#   vmknet   vmknetd (2 MB hugepages, the worker lcore on WORKER_CORE) with
#            vmk0 198.18.1.1/24 and uplink vmnic0 = net_af_packet on a
#            second veth pair whose other end (198.18.1.2) is in namespace
#            B; the client under vmkrun, its sockets on vmk0.
# Both contenders' servers are Linux's, in namespace B; so each pair differs
# only in the client's stack. Cores: each contender has the same two. Linux:
# the client on MAIN_CORE, the server on WORKER_CORE. vmknet: its worker
# lcore polls WORKER_CORE without pause, so the client, vmknetd's session
# thread and the server share MAIN_CORE.
#
#   stream   iperf3 -c (-P 1 and -P 4) for SECONDS_PER_RUN against iperf3 -s,
#            at MTU 1500 and 9000: Gbit/s the server received (its JSON).
#   rr       sockperf ping-pong --tcp for SECONDS_PER_RUN (MTU 1500):
#            p50 and p99 round-trip latency in us, as sockperf reports them.
#
# bench/rounds.py prints each contender's median, min, max and vmknet's
# ratio to Linux per round, with the targets of the issue: stream >= 1.5x
# at 9000 and >= 1.2x at 1500; p99 <= 0.5x. Exit 1 when a run failed.
# Output: the summary on stdout, bench/out/sockets.csv, bench/out/
# sockets.json, logs in bench/out/logs/.
#
# Environment: ROUNDS (5), SECONDS_PER_RUN (5), MTUS ("1500 9000"),
# PARALLEL ("1 4"), TESTS ("stream rr"), MAIN_CORE (0), WORKER_CORE (1),
# BUILD (build), OUT_DIR (bench/out). Needs root (namespaces, hugepages);
# everything it starts is stopped and the namespaces deleted on exit. Wrap
# it: flock /tmp/vmknet-dpdk.lock bench/run_sockets.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
OUT_DIR=${OUT_DIR:-bench/out}
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
MTUS=${MTUS:-"1500 9000"}
PARALLEL=${PARALLEL:-"1 4"}
TESTS=${TESTS:-"stream rr"}
MAIN_CORE=${MAIN_CORE:-0}
WORKER_CORE=${WORKER_CORE:-1}
NSA=vmks-a-$$
NSB=vmks-b-$$
NSV=vmks-v-$$
TMP=$(mktemp -d /tmp/vmk-sockets.XXXXXX)
CSV=$OUT_DIR/sockets.csv
DPID=
PIDS=()
HUGE_SET=0
log() { printf '[sockets] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

cleanup() {
	local p
	for p in "${PIDS[@]}" $DPID; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}" $DPID; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "$NSA" "$NSB" "$NSV"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	ip link del vmks-v$$ 2>/dev/null
	vmknetd_huge_back
	rm -rf "$TMP"
}
. "$ROOT/bench/vmknetd_up.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

vmknetd_bench_need iperf3 sockperf ip ethtool python3 taskset
mkdir -p "$OUT_DIR/logs"
echo "point,metric,round,contender,value,unit,status,note" >"$CSV"

# ------------------------------------------------------------ topology ---
ip netns add "$NSA" && ip netns add "$NSB" || die "namespaces"
ip link add vmks-a type veth peer name vmks-b netns "$NSB" || die veth
ip link set vmks-a netns "$NSA"
ip -n "$NSA" addr add 198.18.0.1/24 dev vmks-a
ip -n "$NSB" addr add 198.18.0.2/24 dev vmks-b
ip -n "$NSA" link set lo up; ip -n "$NSB" link set lo up
ip -n "$NSA" link set vmks-a up; ip -n "$NSB" link set vmks-b up
# vmknet's wire: veth vmks-v$$ (root, vmknetd's uplink) <-> vmks-w (namespace B)
ip link add vmks-v$$ type veth peer name vmks-w netns "$NSB" || die veth
ethtool -K vmks-v$$ tx off rx off tso off gso off gro off >/dev/null 2>&1
ip netns exec "$NSB" ethtool -K vmks-w tx off rx off tso off gso off gro off >/dev/null 2>&1
ip link set vmks-v$$ up
ip -n "$NSB" addr add 198.18.1.2/24 dev vmks-w
ip -n "$NSB" link set vmks-w up

vmknetd_up "vmks-$$" "vmks-v$$" "$OUT_DIR/logs/sockets-vmknetd.log"

set_mtu() {        # vmk0 may not exceed its vSwitch: lower it first, raise it last
	ip -n "$NSA" link set vmks-a mtu "$1"; ip -n "$NSB" link set vmks-b mtu "$1"
	ip link set vmks-v$$ mtu "$1"; ip -n "$NSB" link set vmks-w mtu "$1"
	CLI network ip interface set -i vmk0 -m "$1" >/dev/null 2>&1
	CLI network vswitch standard set -v vSwitch0 -m "$1" >/dev/null || die "vSwitch0 MTU $1"
	CLI network ip interface set -i vmk0 -m "$1" >/dev/null || die "vmk0 MTU $1"
}
set_mtu 1500
ip netns exec "$NSB" ping -c 1 -W 3 198.18.1.1 >/dev/null || die "vmk0 does not answer"

# client_cmd CONTENDER: the prefix that runs a client for that contender.
client_cmd() {
	if [ "$1" = vmknet ]; then
		echo "taskset -c $MAIN_CORE $BUILD/bin/vmkrun --control $SOCK --"
	else
		echo "ip netns exec $NSA taskset -c $MAIN_CORE"
	fi
}
server_addr() { [ "$1" = vmknet ] && echo 198.18.1.2 || echo 198.18.0.2; }
# The server's core: Linux's own pair has a core each; with vmknet, the
# worker lcore polls WORKER_CORE without pause, so the server shares
# MAIN_CORE with the client and vmknetd's session thread.
server_core() { [ "$1" = vmknet ] && echo "$MAIN_CORE" || echo "$WORKER_CORE"; }

row() { echo "$1,$2,$3,$4,$5,$6,$7,$8" >>"$CSV"; }

# stream ROUND CONTENDER MTU P
stream() {
	local r=$1 c=$2 mtu=$3 p=$4 name="stream-$2-$3-P$4-r$1" srv rc=0 gbps
	ip netns exec "$NSB" taskset -c "$(server_core "$c")" iperf3 -s -1 -p 5301 -J \
		>"$OUT_DIR/logs/$name-server.json" 2>&1 &
	srv=$!; PIDS+=("$srv")
	sleep 0.5
	# shellcheck disable=SC2046
	timeout $((SECONDS_PER_RUN + 30)) $(client_cmd "$c") iperf3 -c "$(server_addr "$c")" \
		-p 5301 -t "$SECONDS_PER_RUN" -P "$p" >"$OUT_DIR/logs/$name-client.log" 2>&1 || rc=$?
	wait "$srv" || rc=$((rc | 1))
	gbps=$(python3 -c "import json,sys; print('%.3f' % (json.load(open(sys.argv[1]))['end']['sum_received']['bits_per_second'] / 1e9))" \
		"$OUT_DIR/logs/$name-server.json" 2>/dev/null) || rc=1
	if [ "$rc" = 0 ]; then row "mtu$mtu-P$p" stream "$r" "$c" "$gbps" Gbit/s ok ""
	else row "mtu$mtu-P$p" stream "$r" "$c" "" Gbit/s failed "see logs/$name-*"; fi
	log "$name: ${gbps:-failed} Gbit/s"
}

# rr ROUND CONTENDER
rr() {
	local r=$1 c=$2 name="rr-$2-r$1" srv rc=0 p50 p99
	ip netns exec "$NSB" taskset -c "$(server_core "$c")" sockperf server --tcp -i "$(server_addr "$c")" \
		-p 11111 >"$OUT_DIR/logs/$name-server.log" 2>&1 &
	srv=$!; PIDS+=("$srv")
	sleep 0.5
	# shellcheck disable=SC2046
	timeout $((SECONDS_PER_RUN + 30)) $(client_cmd "$c") sockperf ping-pong --tcp \
		-i "$(server_addr "$c")" -p 11111 -t "$SECONDS_PER_RUN" >"$OUT_DIR/logs/$name-client.log" 2>&1 || rc=$?
	kill -TERM "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
	p50=$(awk '/percentile 50.000 =/ { print $NF }' "$OUT_DIR/logs/$name-client.log")
	p99=$(awk '/percentile 99.000 =/ { print $NF }' "$OUT_DIR/logs/$name-client.log")
	if [ "$rc" = 0 ] && [ -n "$p50" ] && [ -n "$p99" ]; then
		row rr p50 "$r" "$c" "$p50" us ok ""
		row rr p99 "$r" "$c" "$p99" us ok ""
	else
		row rr p50 "$r" "$c" "" us failed "see logs/$name-*"
		row rr p99 "$r" "$c" "" us failed "see logs/$name-*"
	fi
	log "$name: p50 ${p50:-?} us, p99 ${p99:-?} us"
}

for r in $(seq 1 "$ROUNDS"); do
	order="vmknet linux"
	[ $((r % 2)) = 0 ] && order="linux vmknet"
	for t in $TESTS; do
		case $t in
		stream)
			for mtu in $MTUS; do
				set_mtu "$mtu"
				for p in $PARALLEL; do
					for c in $order; do stream "$r" "$c" "$mtu" "$p"; done
				done
			done
			set_mtu 1500 ;;
		rr) for c in $order; do rr "$r" "$c"; done ;;
		esac
	done
done

python3 bench/rounds.py "$CSV" --ref vmknet --json "$OUT_DIR/sockets.json" \
	--target "mtu9000-P1/stream/linux>=1.5" --target "mtu9000-P4/stream/linux>=1.5" \
	--target "mtu1500-P1/stream/linux>=1.2" --target "mtu1500-P4/stream/linux>=1.2" \
	--target "rr/p99/linux<=0.5"
