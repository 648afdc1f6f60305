#!/usr/bin/env bash
# PVP-style guest-to-guest throughput, side by side in one run: two virtio
# guests (bench/vmk-pvp-guests: two virtio-user devices on core 0, the VMs'
# virtio-net driver) send 64-byte frames from guest 1 to guest 2 through
#   vmknet   bench/vmk-pvp-switch: one vSwitch, guest ports in vhost-user
#            client mode, one worker on core 1;
#   OVS      Open vSwitch with DPDK, dpdkvhostuserclient ports, NORMAL, one
#            PMD thread on core 1.
# Mpps is what guest 2 received. Prints a table with the ratio and writes
# bench/out/pvp.csv. Environment: SECONDS_PER_RUN (10), SKIP_OVS=1.
# Reuses bench/run_l2fwd.sh's helpers (process tracking, hugepages, OVS).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MACS=64                          # sizes hugepages like the smallest l2fwd run
# shellcheck source=bench/run_l2fwd.sh
. "$ROOT/bench/run_l2fwd.sh"
log() { printf '[pvp] %s\n' "$*" >&2; }

guests() {          # guests S1 S2 OUT: run the two VMs for SECONDS_PER_RUN
	"$BIN/vmk-pvp-guests" -l "$MAIN_CORE" --no-pci --file-prefix "vmkb-pvpg-$$" \
		--huge-dir "$HUGEDIR" --single-file-segments -m 512 \
		--log-level='*:error' \
		--vdev "net_virtio_user0,path=$1,server=1,queues=1,queue_size=1024,mac=02:00:00:00:00:01" \
		--vdev "net_virtio_user1,path=$2,server=1,queues=1,queue_size=1024,mac=02:00:00:00:00:02" \
		-- --seconds "$SECONDS_PER_RUN" --warmup 2 > "$3" 2>> "$OUT_DIR/logs/pvp-guests.log"
}

mpps_of() { python3 -c 'import json,sys; print("%.3f" % json.loads(open(sys.argv[1]).read().splitlines()[-1])["rx_mpps"])' "$1" 2>/dev/null; }

pvp_vmknet() {
	local s1=$TMP/vmk1.sock s2=$TMP/vmk2.sock pid
	# shellcheck disable=SC2046
	"$BIN/vmk-pvp-switch" $(eal_common "vmkb-pvps-$$") --log-level='*:error' -- \
		--vhost "$s1" --vhost "$s2" > "$TMP/switch.json" 2> "$OUT_DIR/logs/pvp-vmknet.log" &
	pid=$!
	PIDS+=("$pid")
	sleep 2
	guests "$s1" "$s2" "$TMP/vmknet.json" || log "vmknet: guests failed"
	kill -INT "$pid" 2>/dev/null
	wait_exit "$pid" 20
	stop_pid "$pid" 5
	untrack "$pid"
	cat "$TMP/switch.json" >> "$OUT_DIR/logs/pvp-vmknet.log" 2>/dev/null
	VMK=$(mpps_of "$TMP/vmknet.json")
}

pvp_ovs() {
	local s1=$TMP/ovs1.sock s2=$TMP/ovs2.sock
	OVS_D=$TMP/ovs
	mkdir -p "$OVS_D"
	ovs_start "$OUT_DIR/logs/pvp-ovs.log" || { log "OVS did not start"; return 1; }
	ovs_vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
		-- add-port br0 vhu1 -- set Interface vhu1 type=dpdkvhostuserclient \
			options:vhost-server-path="$s1" ofport_request=1 \
		-- add-port br0 vhu2 -- set Interface vhu2 type=dpdkvhostuserclient \
			options:vhost-server-path="$s2" ofport_request=2 || return 1
	ovs_pin_threads "$OVS_PID"
	guests "$s1" "$s2" "$TMP/ovs.json" || log "ovs: guests failed"
	ovs_appctl dpif-netdev/pmd-stats-show >> "$OUT_DIR/logs/pvp-ovs.log" 2>&1
	ovs_stop
	OVS=$(mpps_of "$TMP/ovs.json")
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
	VMK=""; OVS=""
	log "vmknet: guest 1 -> vSwitch -> guest 2, ${SECONDS_PER_RUN}s"
	pvp_vmknet
	log "vmknet: ${VMK:-failed} Mpps"
	if [ "$SKIP_OVS" != 1 ]; then
		log "ovs: guest 1 -> OVS (dpdkvhostuserclient) -> guest 2, ${SECONDS_PER_RUN}s"
		pvp_ovs
		log "ovs: ${OVS:-failed} Mpps"
	fi
	echo "contender,mpps" > "$OUT_DIR/pvp.csv"
	echo "vmknet,${VMK}" >> "$OUT_DIR/pvp.csv"
	echo "ovs,${OVS}" >> "$OUT_DIR/pvp.csv"
	printf '\nPVP (virtio-user guest -> switch -> virtio-user guest), 64-byte frames, one switching core\n'
	printf '%-10s %10s\n' contender Mpps vmknet "${VMK:-n/a}" ovs "${OVS:-n/a}"
	if [ -n "$VMK" ] && [ -n "$OVS" ]; then
		python3 -c 'import sys; print("vmknet/OVS: %.2fx" % (float(sys.argv[1]) / float(sys.argv[2])))' \
			"$VMK" "$OVS"
	fi
}

pvp_main "$@"
