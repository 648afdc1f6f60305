#!/usr/bin/env bash
# run_firewall.sh: what the host firewall costs (issue 16, point 6): vmknet
# with its firewall off, on with the built-in rulesets, and on with 1,000
# allowed-IP entries, side by side with Linux without and with nftables
# carrying the same rules, on the same traffic, in alternating rounds.
#
# The set-up is bench/run_tcp.sh's (sourced: namespaces, cores, hugepages,
# run helpers): vmknet is build/bin/vmk-tcp-bench (vmk0 -> vSwitch0 ->
# vmk1, worker on WORKER_CORE, the loop on MAIN_CORE), Linux is
# build/bin/linux-tcp-bench in two namespaces over a veth pair (server
# under taskset WORKER_CORE, client MAIN_CORE).
#
#   stream   one TCP connection, MTU 1500, Gbit/s of payload received over
#            SECONDS_PER_RUN after 1 s, every byte checked (VERIFY=full).
#   udp      one flow of 64-byte datagrams (fixed ports, as iperf3 -u: a
#            fresh source port per datagram would make each a new
#            connection), datagrams/s received over SECONDS_PER_RUN after
#            1 s, each checked (sequence number and bytes; gaps are lost).
#            vmknet's loop sends bursts of 32 and drains the receiver, each
#            socket call a round trip to the worker; Linux's client sends
#            as fast as send() takes them. vmknet also reports the worker's
#            busy time per datagram (udp/worker_ns), the firewall's cost
#            where the loop, not the worker, bounds the rate.
#
# Contenders:
#   vmknet-off          vmk-tcp-bench --firewall off (the host's default)
#   vmknet-builtin      --firewall builtin: vmk_fw_config_default's rulesets
#                       enabled as on a host, plus vmkbenchIn/vmkbenchOut
#                       passing the benchmark's port 5201 (TCP and UDP)
#   vmknet-allowed1000  --firewall allowed1000: those two with 1,000 allowed
#                       entries each (999 that do not match, the peer last)
#   linux-off           no ruleset
#   linux-nft-builtin   nftables in the server's namespace: table inet
#                       vmkbench, input chain policy drop, ct state
#                       established,related accept, accept for the ports of
#                       the built-in rulesets vmknet enables by default
#                       (their Inbound rules, tcpip/fw_model.c) and for the
#                       benchmark's port 5202
#   linux-nft-allowed1000  the same, port 5202 accepted only from the named
#                       set "allowed" (flags interval) of 1,000 entries: the
#                       same 999 decoys as vmknet's, then 198.18.0.1
# vmknet's firewall is host-wide, so both of its netstacks filter (out of
# vmk0, into vmk1, and the reverse for ACKs); nftables filters only the
# server's input, as the issue asks. Linux's conntrack keeps a one-way UDP
# flow NEW (no reply), so every datagram walks the chain to its port rule.
# Every firewall run must show it saw the traffic: vmk-tcp-bench fails on
# its own counters, the script checks nft's rule counters.
#
# Output: the rounds.py summary (medians, and each "on" contender's ratio
# to its own "off" per round), then the cost in percent and the targets
# (<= 5% cost with 1,000 entries, and less than nftables'); bench/out/
# firewall.csv, firewall.json, logs in bench/out/logs/.
#
# Environment: ROUNDS (default 5), SECONDS_PER_RUN (default 5), TESTS
# (default "stream udp"), CONTENDERS (default all six), VERIFY, NO_HUGE,
# PERF, MAIN_CORE, WORKER_CORE, BUILD, OUT_DIR as in run_tcp.sh.
# Needs root and nft (nftables). Wrap it:
#   flock /tmp/vmknet-dpdk.lock bash bench/run_firewall.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FW_TESTS=${TESTS:-"stream udp"}     # before run_tcp.sh sets its own default
# shellcheck source=bench/run_tcp.sh
. "$ROOT/bench/run_tcp.sh"
log() { printf '[fw] %s\n' "$*" >&2; }

TESTS=$FW_TESTS
CONTENDERS=${CONTENDERS:-"vmknet-off vmknet-builtin vmknet-allowed1000 linux-off linux-nft-builtin linux-nft-allowed1000"}
LINUX_PORT=5202        # linux-tcp-bench's default port
# The Inbound rules of the built-in rulesets enabled by default (fw_model.c).
NFT_TCP="22, 80, 427, 443, 902, 5988, 5989, 8000, 8080, 8100, 8200, 8300"
NFT_UDP="53, 68, 161, 427, 8100, 8200, 8300"

# The 999 entries that do not match, as vmk-tcp-bench's tb_fw_decoy, and
# the client's address last.
nft_elements() {
	local i
	for ((i = 1; i <= 255; i++)); do printf '198.18.%d.0/24, ' "$i"; done
	for ((i = 0; i < 744; i++)); do printf '198.19.%d.%d, ' $((i / 256)) $((i % 256)); done
	printf '%s' "$ADDR_A"
}

nft_ruleset() {     # nft_ruleset builtin|allowed1000: the table, on stdout
	local from=""
	echo "table inet vmkbench {"
	if [ "$1" = allowed1000 ]; then
		echo "	set allowed { type ipv4_addr; flags interval; elements = { $(nft_elements) } }"
		from="ip saddr @allowed "
	fi
	cat <<NFT
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related counter accept
		tcp dport { $NFT_TCP } accept
		udp dport { $NFT_UDP } accept
		meta l4proto icmp accept
		tcp dport $LINUX_PORT ${from}counter accept
		udp dport $LINUX_PORT ${from}counter accept
	}
}
NFT
}

nft_load() {        # nft_load builtin|allowed1000 (in the server's namespace)
	nft_ruleset "$1" > "$TMP/nft-$1.nft"
	ip netns exec "$NSB" nft -f "$TMP/nft-$1.nft"
}

nft_unload() { ip netns exec "$NSB" nft delete table inet vmkbench 2>/dev/null; }

# nft_packets: packets counted by the table's counters (all rules with one).
nft_packets() {
	ip netns exec "$NSB" nft list table inet vmkbench 2>/dev/null |
		grep -o 'counter packets [0-9]*' | awk '{s += $3} END {print s + 0}'
}

# fw_verdict WHO JSON MIN: RC 1 and NOTE when a firewall run's counters
# show it did not see MIN packets; else NOTE says what it counted.
fw_verdict() {
	local who=$1 json=$2 min=$3 n
	case $who in
	linux-nft-*)
		n=$(nft_packets)
		if [ "$n" -lt "$min" ] || [ "$n" = 0 ]; then
			RC=1; NOTE="nftables counted $n packets (at least $min expected): bypassed"
		else
			NOTE="${NOTE:+$NOTE; }nft counters $n packets"
		fi ;;
	vmknet-builtin|vmknet-allowed1000)
		NOTE="${NOTE:+$NOTE; }$(python3 -c 'import json,sys
f = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["firewall"]
print("firewall conn_passed %d in %d out %d dropped %d" % (f["conn_passed"], f["in_allowed"],
      f["out_allowed"], sum(f["default_dropped"]) + f["rules_dropped"]))' "$json" 2>/dev/null)" ;;
	esac
}

json_field() {      # json_field JSON KEY: the last line's KEY, or empty
	python3 -c 'import json,sys
try: print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])
except Exception: pass' "$1" "$2" 2>/dev/null
}

# fw_run WHO NAME MODE: one run of MODE (stream|udp) by contender WHO.
fw_run() {
	local who=$1 name=$2 mode=$3 args
	# shellcheck disable=SC2046
	case $who in
	vmknet-*)
		args="--mode $mode --seconds $SECONDS_PER_RUN --firewall ${who#vmknet-}"
		[ "$mode" = stream ] && args+=" $(stream_args)"
		# shellcheck disable=SC2086
		vmk_run "$name" $args ;;
	linux-*)
		case $who in linux-nft-*) nft_load "${who#linux-nft-}" ||
			{ RC=1; NOTE="nft -f failed"; return; } ;; esac
		if [ "$mode" = stream ]; then
			linux_run "$name" stream 1500 $(stream_args)
		else
			linux_run "$name" udp 1500
		fi ;;
	esac
}

fw_one() {          # fw_one ROUND MODE CONTENDER
	local r=$1 mode=$2 who=$3 name=$3-$2-r$1 j min
	j=$TMP/$name.json
	fw_run "$who" "$name" "$mode"
	if [ "$RC" = 0 ] && [ "$mode" = stream ]; then
		stream_verdict "$j"
		min=1
	else
		min=$(json_field "$j" datagrams); min=${min:-1}
		[ "$RC" = 0 ] && NOTE="lost $(json_field "$j" window_lost) in the window"
	fi
	[ "$RC" = 0 ] && fw_verdict "$who" "$j" "$min"
	case $who in linux-nft-*) nft_unload ;; esac
	if [ "$mode" = stream ]; then
		record "stream 1500" "$r" "$who" "$j" gbps:Gbit/s
		return
	fi
	record udp "$r" "$who" "$j" pps:datagrams/s
	case $who in vmknet-*)
		python3 -c 'import json,sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(json.dumps({"worker_ns": r["worker_busy_ns"] / max(r["datagrams"], 1)}))' "$j" \
			> "$TMP/$name.ns.json" 2>/dev/null
		record udp "$r" "$who" "$TMP/$name.ns.json" worker_ns:ns/datagram ;;
	esac
}

# The cost of each "on" contender against its own "off", and the targets.
fw_costs() {
	python3 - "$OUT_DIR/firewall.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("Cost against its own \"off\" (1 - on/off, median of the per-round ratios; min..max):")
ok = True
for e in s:
    if e["metric"] not in ("gbps", "pps"):
        continue
    cost = {}
    for pair, r in e["ratios"].items():
        on = pair.split("/")[0]
        cost[on] = 100 * (1 - r["median"])
        print("  %-12s %-22s %6.1f%%   (%.1f%% .. %.1f%%)" % (e["point"], on, cost[on],
              100 * (1 - r["max"]), 100 * (1 - r["min"])))
    v, l = cost.get("vmknet-allowed1000"), cost.get("linux-nft-allowed1000")
    if v is None:
        continue
    t1 = v <= 5
    print("  %s: vmknet with 1,000 entries costs %.1f%%: target <= 5%% %s" % (
          e["point"], v, "met" if t1 else "NOT met"))
    if l is not None:
        t2 = v < l or v <= 0      # no measurable cost is not more than nftables'
        print("  %s: nftables with 1,000 entries costs %.1f%%: vmknet's cost smaller: %s%s" % (
              e["point"], l, "met" if t2 else "NOT met",
              " (vmknet's is none measurable)" if v <= 0 else ""))
        ok = ok and t2
    ok = ok and t1
print("Targets %s." % ("all met" if ok else "NOT all met"))
PY
}

fw_main() {
	local r t who rc load0 pairs=()
	tcp_check
	command -v nft > /dev/null || die "nft missing (apt-get install nftables)"
	take_lock
	TMP=$(mktemp -d /tmp/vmkb.XXXXXX)
	mkdir -p "$OUT_DIR/logs"
	OUT_DIR=$(cd "$OUT_DIR" && pwd)
	rm -f "$OUT_DIR"/logs/{vmknet-,linux-,perf-vmk}*
	CSV=$OUT_DIR/firewall.csv
	echo "point,metric,round,contender,value,unit,status,note" > "$CSV"
	[ "$NO_HUGE" = 1 ] || setup_hugepages
	ns_setup
	load0=$(load_now)
	log "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
	    "$ROUNDS rounds, ${SECONDS_PER_RUN}s per run, tests $TESTS; load average $load0"
	for r in $(seq 1 "$ROUNDS"); do
		for t in $TESTS; do
			case $t in stream|udp) ;; *) die "bad test '$t' (stream, udp)" ;; esac
			# shellcheck disable=SC2086
			for who in $(round_order "$r" $CONTENDERS); do fw_one "$r" "$t" "$who"; done
		done
	done
	for who in builtin allowed1000; do
		pairs+=(--pair "vmknet-$who/vmknet-off" --pair "linux-nft-$who/linux-off")
	done
	echo
	echo "Host firewall, $(nproc) cores (sender on $MAIN_CORE, receiver/worker on $WORKER_CORE)," \
	     "$ROUNDS rounds, ${SECONDS_PER_RUN}s per run, verify $VERIFY" \
	     "($(date -u +%Y-%m-%dT%H:%MZ); load average $load0 at the start, $(load_now) at the end)"
	echo
	python3 "$ROOT/bench/rounds.py" "$CSV" "${pairs[@]}" --no-ratio worker_ns \
		--json "$OUT_DIR/firewall.json" \
		--target "stream 1500/gbps/vmknet-allowed1000/vmknet-off>=0.95" \
		--target "udp/pps/vmknet-allowed1000/vmknet-off>=0.95"
	rc=$?
	fw_costs
	log "wrote $CSV and $OUT_DIR/firewall.json"
	[ "$rc" = 0 ] || die "some runs failed (listed above)"
}

fw_main "$@"
