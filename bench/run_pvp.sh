#!/usr/bin/env bash
# PVP-style guest-to-guest and guest-to-uplink throughput, vmknet against
# OVS in alternating rounds: two virtio guests (bench/vmk-pvp-guests: two
# virtio-user devices on core 0, the VMs' virtio-net driver) send 64-byte
# frames from guest 1 to guest 2 (mode g2g), or guest 1 alone sends to an
# address both switches have as a static entry behind their uplink, a
# net_null sink that receives nothing (no-rx=1, mode g2u), through
#   vmknet   bench/vmk-pvp-switch: one vSwitch, guest ports in vhost-user
#            client mode, one worker on core 1;
#   OVS      Open vSwitch with DPDK, dpdkvhostuserclient ports, NORMAL, one
#            PMD thread on core 1.
#
# What is counted, and checked:
#   g2g  what guest 2 received over the guests' window; it cannot exceed
#        what guest 1's queue accepted (else the run fails).
#   g2u  what left the uplink: the sink's own count (the net_null device's
#        DPDK opackets; OVS: Interface dpdk0 statistics:tx_packets) less the
#        frames guest 1 sent before the window, over the guests' window (the
#        frames still in the 1,024-slot queue when the window closes count,
#        at most 1,024 of 10^7 or more). Cross-checks, either failing the
#        run: the switch's own tx count of the uplink must agree with the
#        sink's within TX_TOLERANCE (vmknet: the port's tx counter against
#        the device's opackets; OVS: dpctl/show -s against dump-ports, both
#        of which netdev-dpdk reads from the device's counter, so for OVS
#        this only checks the reading), and the sink cannot have more than
#        guest 1 sent.
#
# ROUNDS rounds (on this VM the rate has fast and slow periods of tens of
# seconds, up to 2x apart; turns expose both to the same conditions), the
# order reversed every other round; bench/rounds.py prints each contender's
# median, min and max and the per-round ratio (the two runs of one round
# paired), for Mpps and for each switch's own cost per frame (vmknet: worker
# busy cycles per frame; OVS: PMD processing cycles per frame, from
# pmd-stats-show), with the core-to-core round trip of a cache line around
# each run (bench/c2c-latency, before and after, the larger kept): the slow
# periods are periods in which the host makes it 10x longer. A failed run
# is printed with its reason and makes the script exit 1.
# Writes bench/out/pvp.csv (one row per run and metric) and bench/out/pvp.json.
# Environment: SECONDS_PER_RUN (5), ROUNDS (5), MODES ("g2g g2u"), SKIP_OVS=1,
# TX_TOLERANCE (0.001), GUEST_OPTS (more virtio-user devargs for both guests,
# e.g. the DPDK-in-VM setup "mrg_rxbuf=0,vectorized=1"; default: the
# driver's defaults).
# Reuses bench/run_l2fwd.sh's helpers (process tracking, hugepages, OVS).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MACS=64                          # sizes hugepages like the smallest l2fwd run
# shellcheck source=bench/run_l2fwd.sh
. "$ROOT/bench/run_l2fwd.sh"
log() { printf '[pvp] %s\n' "$*" >&2; }

guests() {          # guests OUT S1 [S2]: run the VMs for SECONDS_PER_RUN; RC
	local out=$1 vdevs=() i=0
	shift
	for s in "$@"; do
		vdevs+=(--vdev "net_virtio_user$i,path=$s,server=1,queues=1,queue_size=1024,mac=02:00:00:00:00:0$((i + 1))${GUEST_OPTS:+,$GUEST_OPTS}")
		i=$((i + 1))
	done
	run_rc $((${SECONDS_PER_RUN%.*} + 60)) "$out" "$TMP/guests.err" \
		"$BIN/vmk-pvp-guests" -l "$MAIN_CORE" --no-pci --file-prefix "vmkb-pvpg-$$" \
		--huge-dir "$HUGEDIR" --single-file-segments -m 512 \
		--log-level='*:error' "${vdevs[@]}" \
		-- --seconds "$SECONDS_PER_RUN" --warmup 2
	cat "$TMP/guests.err" >> "$OUT_DIR/logs/pvp-guests.log"
	[ "$RC" = 0 ] || NOTE="guests exit $RC: $(tail -n 2 "$TMP/guests.err" | tr '\n' ' ')"
}

c2c_ns() {          # the cores' cache-line round trip now, ns
	"$BIN/c2c-latency" "$MAIN_CORE" "$WORKER_CORE" 100000 2>/dev/null |
		python3 -c 'import json,sys; print("%.0f" % json.load(sys.stdin)["rtt_ns"])' 2>/dev/null
}

# verdict WHO GUESTS_JSON [SINK SWITCH_TX]: MPPS and NOTE, or RC 1 and NOTE.
# SINK: the sink's count; SWITCH_TX: the switch's own count of the same frames.
verdict() {
	local out
	out=$(python3 - "$MODE" "$TX_TOLERANCE" "$@" <<'PY'
import json, sys
mode, tol, who, gj = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    g = json.loads(open(gj).read().strip().splitlines()[-1])
except Exception:
    print("FAIL no result from the guests"); sys.exit()
sent = g["tx_packets"] + g.get("warmup_tx_packets", 0)
if mode == "g2g":
    if g["rx_packets"] > sent:
        print("FAIL guest 2 received %d frames, guest 1 sent %d" % (g["rx_packets"], sent))
    else:
        print("%.3f guest 2 received %d of %d sent" % (g["rx_mpps"], g["rx_packets"], sent))
    sys.exit()
if len(sys.argv) < 7 or not sys.argv[5] or not sys.argv[6]:
    print("FAIL no uplink counters from the switch"); sys.exit()
sink, sw = int(sys.argv[5]), int(sys.argv[6])
big = max(sink, sw)
if abs(sink - sw) > tol * big:
    print("FAIL %s counted %d frames sent on the uplink, the sink %d (tolerance %g)" % (
          who, sw, sink, tol))
elif sink > sent:
    print("FAIL the sink counted %d frames, guest 1 sent only %d" % (sink, sent))
else:
    n = sink - g.get("warmup_tx_packets", 0)
    print("%.3f sink %d (switch %d) of %d sent, %.2f%% forwarded; guest queue took %.3f Mpps" % (
          max(n, 0) / g["seconds"] / 1e6, sink, sw, sent, 100.0 * sink / sent if sent else 0,
          g["tx_mpps"]))
PY
)
	case $out in
	FAIL*|"") RC=1; MPPS=""; NOTE=${out#FAIL }; NOTE=${NOTE:-no verdict} ;;
	*) MPPS=${out%% *}; NOTE=${out#* } ;;
	esac
}

jkey() {            # jkey FILE KEY: a member of the last JSON line, or nothing
	python3 -c 'import json,sys
try: print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])
except Exception: pass' "$1" "$2" 2>/dev/null
}

pvp_vmknet() {      # sets RC, MPPS, CPP, NOTE
	local s1=$TMP/vmk1.sock s2=$TMP/vmk2.sock pid second=() socks=()
	if [ "$MODE" = g2u ]; then
		second=(--uplink net_null0,no-rx=1); socks=("$s1")
	else
		second=(--vhost "$s2"); socks=("$s1" "$s2")
	fi
	: > "$TMP/switch.json"
	# shellcheck disable=SC2046
	"$BIN/vmk-pvp-switch" $(eal_common "vmkb-pvps-$$") --log-level='*:error' -- \
		--vhost "$s1" "${second[@]}" > "$TMP/switch.json" 2> "$TMP/switch.err" &
	pid=$!
	PIDS+=("$pid")
	sleep 2
	guests "$TMP/vmknet.json" "${socks[@]}"
	local grc=$RC gnote=${NOTE:-}
	kill -INT "$pid" 2>/dev/null
	if wait_exit "$pid" 20; then wait "$pid"; RC=$?; else stop_pid "$pid" 5; RC=124; fi
	untrack "$pid"
	cat "$TMP/switch.err" "$TMP/switch.json" >> "$OUT_DIR/logs/pvp-vmknet.log" 2>/dev/null
	CPP=$(jkey "$TMP/switch.json" worker_cycles_per_packet)
	if [ "$grc" != 0 ]; then RC=$grc; NOTE=$gnote; return; fi
	if [ "$RC" != 0 ]; then NOTE="vmk-pvp-switch exit $RC: $(tail -n 2 "$TMP/switch.err" | tr '\n' ' ')"; return; fi
	verdict vmknet "$TMP/vmknet.json" "$(jkey "$TMP/switch.json" sink_tx_packets)" \
		"$(jkey "$TMP/switch.json" uplink_tx_packets)"
}

ovs_port_tx() {     # frames OVS counted sent on OpenFlow port $1
	ovs-ofctl dump-ports br0 "$1" 2>/dev/null |
		awk '/tx pkts=/ {sub(/.*tx pkts=/, ""); sub(/,.*/, ""); print; exit}'
}

ovs_dp_port_tx() {  # the device's count of frames sent on datapath port $1 (live)
	ovs_appctl dpctl/show -s 2>/dev/null | awk -v p="$1" '
		$1 == "port" && $3 == p {f = 1; next}
		f && /TX packets:/ {sub(/.*TX packets:/, ""); print $1 + 0; exit}'
}

pvp_ovs() {         # sets RC, MPPS, CPP, NOTE
	local s1=$TMP/ovs1.sock s2=$TMP/ovs2.sock sink="" sw=""
	OVS_D=$TMP/ovs
	rm -rf "$OVS_D"                  # a fresh database each round
	mkdir -p "$OVS_D"
	export OVS_RUNDIR=$OVS_D OVS_LOGDIR=$OVS_D OVS_DBDIR=$OVS_D OVS_SYSCONFDIR=$OVS_D  # ovs-ofctl
	RC=1; CPP=""
	ovs_start "$OUT_DIR/logs/pvp-ovs.log" || { NOTE="OVS did not start"; ovs_stop; return; }
	if [ "$MODE" = g2u ]; then
		if ! ovs_vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
			-- add-port br0 vhu1 -- set Interface vhu1 type=dpdkvhostuserclient \
				options:vhost-server-path="$s1" ofport_request=1 \
			-- add-port br0 dpdk0 -- set Interface dpdk0 type=dpdk \
				options:dpdk-devargs=net_null0,no-rx=1 ofport_request=2 ||
		   ! ovs_appctl fdb/add br0 dpdk0 0 02:00:00:00:00:fe > /dev/null; then
			NOTE="OVS bridge setup failed"; ovs_stop; return
		fi
		ovs_pin_threads "$OVS_PID"
		guests "$TMP/ovs.json" "$s1"
		for _ in 1 2 3; do   # a busy machine can make a query fail: try again
			sink=$(ovs_dp_port_tx dpdk0); sw=$(ovs_port_tx 2)
			[ -n "$sink" ] && [ -n "$sw" ] && break
			sleep 1
		done
		if [ -z "$sink" ]; then
			# dpctl/show -s at times lists dpdk0 without its counters:
			# then the database's copy of the device's counters, which
			# ovs-vswitchd refreshes every 5 s (the guests have stopped).
			{ echo "== dpctl/show -s without dpdk0's TX count"; ovs_appctl dpctl/show -s; } \
				>> "$OUT_DIR/logs/pvp-ovs.log" 2>&1
			sleep 6
			sink=$(ovs_vsctl get Interface dpdk0 statistics:tx_packets 2>/dev/null)
			DIAG="sink count from Interface statistics"
		fi
		[ -n "$sink" ] && [ -n "$sw" ] ||
			DIAG="dump-ports: $(ovs-ofctl dump-ports br0 2 2>&1 | tr '\n' ' ' | cut -c1-300)"
	else
		if ! ovs_vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
			-- add-port br0 vhu1 -- set Interface vhu1 type=dpdkvhostuserclient \
				options:vhost-server-path="$s1" ofport_request=1 \
			-- add-port br0 vhu2 -- set Interface vhu2 type=dpdkvhostuserclient \
				options:vhost-server-path="$s2" ofport_request=2; then
			NOTE="OVS bridge setup failed"; ovs_stop; return
		fi
		ovs_pin_threads "$OVS_PID"
		guests "$TMP/ovs.json" "$s1" "$s2"
	fi
	local grc=$RC
	ovs_appctl dpif-netdev/pmd-stats-show > "$TMP/pmd-stats.txt" 2>&1
	cat "$TMP/pmd-stats.txt" >> "$OUT_DIR/logs/pvp-ovs.log"
	alive "$OVS_PID" || { grc=1; NOTE="ovs-vswitchd died during the run"; }
	ovs_stop
	CPP=$(sed -n 's/.*avg processing cycles per packet: \([0-9.]*\).*/\1/p' "$TMP/pmd-stats.txt" | head -1)
	RC=$grc
	[ "$RC" = 0 ] || return
	verdict ovs "$TMP/ovs.json" "$sink" "$sw"
	[ -z "${DIAG:-}" ] || NOTE+=" ($DIAG)"
}

pvp_run() {         # pvp_run ROUND CONTENDER: one run, its rows
	local r=$1 who=$2 what="guest 1 -> switch -> guest 2" a b c2c st
	[ "$MODE" = g2u ] && what="guest 1 -> switch -> uplink (net_null)"
	log "$MODE round $r/$ROUNDS: $who: $what, ${SECONDS_PER_RUN}s"
	RC=0; MPPS=""; CPP=""; NOTE=""; DIAG=""
	a=$(c2c_ns)
	"pvp_$who"
	b=$(c2c_ns)
	c2c=$(python3 -c 'import sys; v=[float(x) for x in sys.argv[1:] if x]; print("%.0f" % max(v) if v else "")' "$a" "$b")
	st=ok
	[ "$RC" = 0 ] && [ -n "$MPPS" ] || { st=failed; MPPS=""; NOTE="${NOTE:-no result}"; }
	log "$who: ${MPPS:-FAILED} Mpps, ${CPP:-?} cycles/frame, core-to-core ${c2c:-?} ns ($NOTE)"
	rounds_row "$CSV" "$MODE" mpps "$r" "$who" "$MPPS" Mpps "$st" "$NOTE"
	rounds_row "$CSV" "$MODE" cycles_per_frame "$r" "$who" "$CPP" cycles \
		"$([ -n "$CPP" ] && echo ok || echo n/a)" "$([ -n "$CPP" ] || echo "no counter")"
	rounds_row "$CSV" "$MODE" c2c_ns "$r" "$who" "$c2c" ns "$([ -n "$c2c" ] && echo ok || echo n/a)" ""
}

pvp_main() {
	local r who load0 rc contenders="vmknet"
	check_args
	take_lock
	TMP=$(mktemp -d /tmp/vmkb.XXXXXX)
	mkdir -p "$OUT_DIR/logs"
	OUT_DIR=$(cd "$OUT_DIR" && pwd)
	: > "$OUT_DIR/logs/pvp-guests.log"; : > "$OUT_DIR/logs/pvp-vmknet.log"; : > "$OUT_DIR/logs/pvp-ovs.log"
	HUGE_MB=${HUGE_MB:-2560}
	setup_hugepages
	# Touch every hugepage once before the rounds: on this VM the hypervisor
	# backs guest memory on first touch, and the first contender to fault
	# the pages in would otherwise pay for it (up to 2x in its first round).
	fallocate -l "$((HUGE_MB / 2 * 2))M" "$HUGEDIR/prewarm" 2>/dev/null && rm -f "$HUGEDIR/prewarm"
	MODES=${MODES:-g2g g2u}
	is_uint "$ROUNDS" && [ "$ROUNDS" -ge 1 ] || die "bad ROUNDS '$ROUNDS'"
	for MODE in $MODES; do
		case $MODE in g2g|g2u) ;; *) die "bad mode '$MODE' (g2g, g2u)" ;; esac
	done
	[ "$SKIP_OVS" = 1 ] || contenders+=" ovs"
	CSV=$OUT_DIR/pvp.csv
	echo "point,metric,round,contender,value,unit,status,note" > "$CSV"
	load0=$(load_now)
	log "$ROUNDS rounds, ${SECONDS_PER_RUN}s per run; load average $load0"
	for MODE in $MODES; do
		for r in $(seq 1 "$ROUNDS"); do
			# shellcheck disable=SC2086
			for who in $(round_order "$r" $contenders); do pvp_run "$r" "$who"; done
		done
	done
	printf '\nPVP, 64-byte frames, one switching core (g2g: virtio guest -> switch -> virtio guest; g2u: virtio guest -> switch -> uplink, counted at the sink), %s rounds, %ss per run (%s; load average %s at the start, %s at the end)\n\n' \
		"$ROUNDS" "$SECONDS_PER_RUN" "$(date -u +%Y-%m-%dT%H:%MZ)" "$load0" "$(load_now)"
	python3 "$ROOT/bench/rounds.py" "$CSV" --json "$OUT_DIR/pvp.json" --no-ratio c2c_ns \
		--target "g2g/mpps/ovs>=2" --target "g2u/mpps/ovs>=2"
	rc=$?
	[ "$rc" = 0 ] || die "some runs failed (listed above)"
}

pvp_main "$@"
