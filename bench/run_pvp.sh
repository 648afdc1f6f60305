#!/usr/bin/env bash
# PVP-style guest-to-guest throughput, side by side in one run: two virtio
# guests (bench/vmk-pvp-guests: two virtio-user devices on core 0, the VMs'
# virtio-net driver) send 64-byte frames from guest 1 to guest 2 (mode g2g),
# or guest 1 alone sends to the switch's uplink, a net_null sink that
# receives nothing (no-rx=1, mode g2u) to an address both switches have as
# a static entry behind the uplink,
# through
#   vmknet   bench/vmk-pvp-switch: one vSwitch, guest ports in vhost-user
#            client mode, one worker on core 1;
#   OVS      Open vSwitch with DPDK, dpdkvhostuserclient ports, NORMAL, one
#            PMD thread on core 1.
# Mpps is what guest 2 received (g2u: what guest 1's queue took, all of it
# forwarded to the sink). The contenders take turns for ROUNDS rounds
# (on this VM the rate has fast and slow periods of tens of seconds, up to
# 2x apart, and turns expose both to the same conditions); the
# table gives each round, the medians and their ratio, with each switch's
# own cost per frame (vmknet: worker busy cycles per frame; OVS: PMD
# processing cycles per frame, from pmd-stats-show) and the core-to-core
# round trip of a cache line around each run (bench/c2c-latency, before and
# after, the larger kept): the slow periods are periods in which the host
# makes it 10x longer. Writes bench/out/pvp.csv.
# Environment: SECONDS_PER_RUN (10), ROUNDS (3), MODES ("g2g g2u"), SKIP_OVS=1,
# GUEST_OPTS (more virtio-user devargs for both guests, e.g. the DPDK-in-VM
# setup "mrg_rxbuf=0,vectorized=1"; default: the driver's defaults).
# Reuses bench/run_l2fwd.sh's helpers (process tracking, hugepages, OVS).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MACS=64                          # sizes hugepages like the smallest l2fwd run
# shellcheck source=bench/run_l2fwd.sh
. "$ROOT/bench/run_l2fwd.sh"
log() { printf '[pvp] %s\n' "$*" >&2; }

guests() {          # guests OUT S1 [S2]: run the VMs for SECONDS_PER_RUN
	local out=$1 vdevs=() i=0
	shift
	for s in "$@"; do
		vdevs+=(--vdev "net_virtio_user$i,path=$s,server=1,queues=1,queue_size=1024,mac=02:00:00:00:00:0$((i + 1))${GUEST_OPTS:+,$GUEST_OPTS}")
		i=$((i + 1))
	done
	"$BIN/vmk-pvp-guests" -l "$MAIN_CORE" --no-pci --file-prefix "vmkb-pvpg-$$" \
		--huge-dir "$HUGEDIR" --single-file-segments -m 512 \
		--log-level='*:error' "${vdevs[@]}" \
		-- --seconds "$SECONDS_PER_RUN" --warmup 2 > "$out" 2>> "$OUT_DIR/logs/pvp-guests.log"
}

mpps_of() {         # mpps_of JSON: g2g counts what guest 2 received, g2u what guest 1 sent
	local key=rx_mpps
	[ "$MODE" = g2u ] && key=tx_mpps
	python3 -c 'import json,sys; print("%.3f" % json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$1" "$key" 2>/dev/null
}

c2c_ns() {          # the cores' cache-line round trip now, ns
	"$BIN/c2c-latency" "$MAIN_CORE" "$WORKER_CORE" 100000 2>/dev/null |
		python3 -c 'import json,sys; print("%.0f" % json.load(sys.stdin)["rtt_ns"])' 2>/dev/null
}

c2c_around() {      # c2c_around CMD...: run CMD between two samples; sets C2C (the larger)
	local a b
	a=$(c2c_ns)
	"$@"
	b=$(c2c_ns)
	C2C=$(python3 -c 'import sys; v=[float(x) for x in sys.argv[1:] if x]; print("%.0f" % max(v) if v else "")' "$a" "$b")
}

pvp_vmknet() {
	local s1=$TMP/vmk1.sock s2=$TMP/vmk2.sock pid second=() socks=()
	if [ "$MODE" = g2u ]; then
		second=(--uplink net_null0,no-rx=1); socks=("$s1")
	else
		second=(--vhost "$s2"); socks=("$s1" "$s2")
	fi
	# shellcheck disable=SC2046
	"$BIN/vmk-pvp-switch" $(eal_common "vmkb-pvps-$$") --log-level='*:error' -- \
		--vhost "$s1" "${second[@]}" > "$TMP/switch.json" 2> "$OUT_DIR/logs/pvp-vmknet.log" &
	pid=$!
	PIDS+=("$pid")
	sleep 2
	guests "$TMP/vmknet.json" "${socks[@]}" || log "vmknet: guests failed"
	kill -INT "$pid" 2>/dev/null
	wait_exit "$pid" 20
	stop_pid "$pid" 5
	untrack "$pid"
	cat "$TMP/switch.json" >> "$OUT_DIR/logs/pvp-vmknet.log" 2>/dev/null
	VMK=$(mpps_of "$TMP/vmknet.json")
	VMK_CPP=$(python3 -c 'import json,sys; print("%.1f" % json.loads(open(sys.argv[1]).read().splitlines()[-1])["worker_cycles_per_packet"])' "$TMP/switch.json" 2>/dev/null)
}

pvp_ovs() {
	local s1=$TMP/ovs1.sock s2=$TMP/ovs2.sock
	OVS_D=$TMP/ovs
	rm -rf "$OVS_D"                  # a fresh database each round
	mkdir -p "$OVS_D"
	ovs_start "$OUT_DIR/logs/pvp-ovs.log" || { log "OVS did not start"; return 1; }
	if [ "$MODE" = g2u ]; then
		ovs_vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
			-- add-port br0 vhu1 -- set Interface vhu1 type=dpdkvhostuserclient \
				options:vhost-server-path="$s1" ofport_request=1 \
			-- add-port br0 dpdk0 -- set Interface dpdk0 type=dpdk \
				options:dpdk-devargs=net_null0,no-rx=1 ofport_request=2 || return 1
		ovs_appctl fdb/add br0 dpdk0 0 02:00:00:00:00:fe >/dev/null || return 1
		ovs_pin_threads "$OVS_PID"
		guests "$TMP/ovs.json" "$s1" || log "ovs: guests failed"
	else
		ovs_vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
			-- add-port br0 vhu1 -- set Interface vhu1 type=dpdkvhostuserclient \
				options:vhost-server-path="$s1" ofport_request=1 \
			-- add-port br0 vhu2 -- set Interface vhu2 type=dpdkvhostuserclient \
				options:vhost-server-path="$s2" ofport_request=2 || return 1
		ovs_pin_threads "$OVS_PID"
		guests "$TMP/ovs.json" "$s1" "$s2" || log "ovs: guests failed"
	fi
	ovs_appctl dpif-netdev/pmd-stats-show > "$TMP/pmd-stats.txt" 2>&1
	cat "$TMP/pmd-stats.txt" >> "$OUT_DIR/logs/pvp-ovs.log"
	ovs_stop
	OVS=$(mpps_of "$TMP/ovs.json")
	OVS_CPP=$(sed -n 's/.*avg processing cycles per packet: \([0-9.]*\).*/\1/p' "$TMP/pmd-stats.txt" | head -1)
}

pvp_main() {
	check_args
	take_lock
	TMP=$(mktemp -d /tmp/vmkb.XXXXXX)
	mkdir -p "$OUT_DIR/logs"
	OUT_DIR=$(cd "$OUT_DIR" && pwd)
	: > "$OUT_DIR/logs/pvp-guests.log"
	HUGE_MB=${HUGE_MB:-2560}
	setup_hugepages
	# Touch every hugepage once before the rounds: on this VM the hypervisor
	# backs guest memory on first touch, and the first contender to fault
	# the pages in would otherwise pay for it (up to 2x in its first round).
	fallocate -l "$((HUGE_MB / 2 * 2))M" "$HUGEDIR/prewarm" 2>/dev/null && rm -f "$HUGEDIR/prewarm"
	ROUNDS=${ROUNDS:-3}
	MODES=${MODES:-g2g g2u}
	is_uint "$ROUNDS" && [ "$ROUNDS" -ge 1 ] || die "bad ROUNDS '$ROUNDS'"
	for MODE in $MODES; do
		case $MODE in g2g|g2u) ;; *) die "bad mode '$MODE' (g2g, g2u)" ;; esac
	done
	echo "mode,round,contender,mpps,cycles_per_frame,c2c_ns" > "$OUT_DIR/pvp.csv"
	for MODE in $MODES; do
		local what="guest 1 -> switch -> guest 2"
		[ "$MODE" = g2u ] && what="guest 1 -> switch -> uplink (net_null)"
		for r in $(seq 1 "$ROUNDS"); do
			VMK=""; VMK_CPP=""
			log "$MODE round $r/$ROUNDS: vmknet: $what, ${SECONDS_PER_RUN}s"
			c2c_around pvp_vmknet
			log "vmknet: ${VMK:-failed} Mpps, ${VMK_CPP:-?} cycles/frame, core-to-core ${C2C:-?} ns"
			echo "$MODE,$r,vmknet,${VMK},${VMK_CPP},${C2C}" >> "$OUT_DIR/pvp.csv"
			if [ "$SKIP_OVS" != 1 ]; then
				OVS=""; OVS_CPP=""
				log "$MODE round $r/$ROUNDS: ovs (dpdkvhostuserclient): $what, ${SECONDS_PER_RUN}s"
				c2c_around pvp_ovs
				log "ovs: ${OVS:-failed} Mpps, ${OVS_CPP:-?} cycles/frame, core-to-core ${C2C:-?} ns"
				echo "$MODE,$r,ovs,${OVS},${OVS_CPP},${C2C}" >> "$OUT_DIR/pvp.csv"
			fi
		done
	done
	printf '\nPVP, 64-byte frames, one switching core (g2g: virtio guest -> switch -> virtio guest; g2u: virtio guest -> switch -> uplink)\n'
	python3 - "$OUT_DIR/pvp.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def col(mode, who, key):
    return [float(r[key]) for r in rows if r["mode"] == mode and r["contender"] == who and r[key]]
print("%-4s %-8s %-34s %8s %14s  %s" % ("mode", "", "Mpps by round", "median", "cycles/frame",
      "core-to-core ns by round"))
QUIET = 200    # ns: above it the host has the two cores far apart
for mode in dict.fromkeys(r["mode"] for r in rows):
    med, quiet = {}, {}
    for who in ("vmknet", "ovs"):
        rs = [r for r in rows if r["mode"] == mode and r["contender"] == who and r["mpps"]]
        if not rs:
            continue
        mp = [float(r["mpps"]) for r in rs]
        cp = [float(r["cycles_per_frame"]) for r in rs if r["cycles_per_frame"]]
        med[who] = statistics.median(mp)
        quiet[who] = [float(r["mpps"]) for r in rs if r.get("c2c_ns") and float(r["c2c_ns"]) < QUIET]
        print("%-4s %-8s %-34s %8.2f %14s  %s" % (mode, who, " ".join("%.2f" % x for x in mp),
              med[who], "%.1f" % statistics.median(cp) if cp else "n/a",
              " ".join(r.get("c2c_ns") or "?" for r in rs)))
    if len(med) == 2 and med["ovs"] > 0:
        v, o = col(mode, "vmknet", "mpps"), col(mode, "ovs", "mpps")
        print("%-4s vmknet/OVS (medians): %.2fx   by round: %s" % (mode, med["vmknet"] / med["ovs"],
              " ".join("%.2fx" % (a / b) for a, b in zip(v, o) if b)))
        if quiet["vmknet"] and quiet["ovs"]:
            print("%-4s vmknet/OVS, runs with core-to-core under %d ns (%d and %d runs): %.2fx" % (
                  mode, QUIET, len(quiet["vmknet"]), len(quiet["ovs"]),
                  statistics.median(quiet["vmknet"]) / statistics.median(quiet["ovs"])))
PY
}

pvp_main "$@"
