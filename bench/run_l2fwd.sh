#!/usr/bin/env bash
# run_l2fwd.sh: side-by-side L2 forwarding benchmark (issue: foundation).
#
# Objective: compare vmknet's switching rate with the DPDK ceiling (testpmd,
# which forwards without looking at the frame) and with Open vSwitch's DPDK
# datapath, on the same ports, cores and traffic, as the number of MACs grows.
#
# For each MAC count N (per side) it writes two pcaps: side A frames src=A_i
# dst=B_i, side B frames src=B_i dst=A_i, i cycling 0..N-1 (64-byte frames:
# 60 bytes + FCS). Each contender gets the same two ports
#   net_pcap0,rx_pcap=A,infinite_rx=1   net_pcap1,rx_pcap=B,infinite_rx=1
# (infinite_rx replays the file from mbufs preloaded at queue setup; with no
# tx argument the PMD counts transmitted frames and frees them), its main
# thread on MAIN_CORE and one forwarding core WORKER_CORE, 2 MB hugepages,
# --no-pci and its own --file-prefix:
#   vmknet   build/bin/vmk-l2fwd-bench (one vSwitch, two access ports)
#   testpmd  dpdk-testpmd --forward-mode=io (the ceiling)
#   ovs      ovs-vswitchd-dpdk with a private ovsdb-server, netdev bridge,
#            NORMAL action (MAC learning), one PMD thread
# Each warms up (learning) and then counts frames transmitted on both ports
# over SECONDS_PER_RUN: Mpps = tx frames / seconds / 1e6. vmknet's count is
# the switch's, and it must agree with the pcap devices' own (DPDK opackets)
# within TX_TOLERANCE or the run fails (vmk-l2fwd-bench exits 1).
#
# For each MAC count the contenders run in ROUNDS rounds, every contender in
# every round, the order reversed every other round. bench/rounds.py prints
# each contender's median, min and max and vmknet's per-round ratio to the
# others (runs of the same round paired).
#
# Output: that summary and a table of medians on stdout, bench/out/l2fwd.csv
# (one row per run), bench/out/l2fwd.json (the summary), bench/out/l2fwd.png
# and per-run logs in bench/out/logs/. A contender that cannot run a MAC
# count by design (OVS's mempool limits, below) is reported as n/a with the
# reason, never with an invented number; a run that fails is reported with
# its reason and the script exits 1.
#
# Environment:
#   ROUNDS           rounds (default 5)
#   SECONDS_PER_RUN  measurement window per run, seconds (default 5)
#   TX_TOLERANCE     vmknet's tx cross-check, a fraction (default 0.001)
#   WARMUP_SECONDS   longest warm-up; it ends early once every MAC is learned
#                    (default 30)
#   MACS             MAC counts per side (default "64 4096 65536 1048576")
#   MAC_PATTERN      seq (default) or scattered: MAC suffixes counted up, or scrambled
#   SKIP_OVS=1, SKIP_TESTPMD=1, SKIP_VMKNET=1   leave a contender out
#   BASELINE         build directory of another vmknet checkout (e.g. the
#                    commit before a change): its bin/vmk-l2fwd-bench runs as
#                    the contender "baseline" with the same arguments, so a
#                    change is measured against its parent side by side
#   NIOC_MBPS        NIOC's cost (issue 15): vmknet's second port becomes an
#                    uplink (--uplink: the guest-to-uplink path), and the
#                    contender "nioc" runs the same binary with Network I/O
#                    Control on and that uplink's speed set to NIOC_MBPS
#                    (--nioc), above the offered rate so that nothing
#                    contends; the target is nioc >= 0.9x vmknet. Use with
#                    SKIP_OVS=1 SKIP_TESTPMD=1 (they bridge two plain ports).
#   OVS_PER_PORT_MEMORY=1   OVS with other_config:per-port-memory=true
#                    (default: OVS's shared mempools)
#   MAIN_CORE, WORKER_CORE   cores (default 0 and 1)
#   MBUF_SIZE        mbuf data room incl. headroom (default 384)
#   HUGE_MB          2 MB hugepage memory to make available (default: from MACS)
#   BUILD            build directory (default build), OUT_DIR (default bench/out)
#   KEEP_TMP=1       keep the temporary directory (pcaps, OVS database)
#
# Needs root (hugepages, hugetlbfs). Every process it starts is stopped on
# exit, error or signal; hugepage settings and mounts it changed are restored.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)

SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
ROUNDS=${ROUNDS:-5}
TX_TOLERANCE=${TX_TOLERANCE:-0.001}
WARMUP_SECONDS=${WARMUP_SECONDS:-30}
MACS=${MACS:-"64 4096 65536 1048576"}
MACS=${MACS//,/ }
# seq: MAC suffixes count up (as a NIC vendor's or a hypervisor's MAC pool
# hands them out); scattered: a bijective scramble of the suffixes, so no
# hash can take advantage of neighbouring keys.
MAC_PATTERN=${MAC_PATTERN:-seq}
case $MAC_PATTERN in
seq) GEN_EXTRA=() ;;
scattered) GEN_EXTRA=(--scatter) ;;
*) echo "MAC_PATTERN must be seq or scattered" >&2; exit 2 ;;
esac
SKIP_OVS=${SKIP_OVS:-0}
SKIP_TESTPMD=${SKIP_TESTPMD:-0}
SKIP_VMKNET=${SKIP_VMKNET:-0}
BASELINE=${BASELINE:-}
NIOC_MBPS=${NIOC_MBPS:-}
OVS_PER_PORT_MEMORY=${OVS_PER_PORT_MEMORY:-0}
MAIN_CORE=${MAIN_CORE:-0}
WORKER_CORE=${WORKER_CORE:-1}
MBUF_SIZE=${MBUF_SIZE:-384}
BUILD=${BUILD:-build}
OUT_DIR=${OUT_DIR:-bench/out}
KEEP_TMP=${KEEP_TMP:-0}
BIN=$ROOT/$BUILD/bin
TESTPMD=${TESTPMD:-dpdk-testpmd}
OVS_VSWITCHD=${OVS_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
TESTPMD_WARMUP=2                 # testpmd learns nothing: just let it settle
OVS_MAX_MBUFS=262144             # lib/netdev-dpdk.c MAX_NB_MBUF (shared model)
OVS_MAC_TABLE_MAX=1000000        # ovs-vswitchd.conf.db: mac-table-size range
OVS_MAX_FLOWS=65536              # lib/dpif-netdev.c MAX_FLOWS (per PMD thread)
HP_DIR=/sys/kernel/mm/hugepages/hugepages-2048kB

TMP=""
HUGEDIR=""
HUGE_MOUNTED=0
HP_OLD=""
HP_SET=""
PIDS=()
TP_FD=""
RESULT_MPPS=""
RESULT_NOTE=""
PNG_OK=""

log() { printf '[l2fwd] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup --

alive() {           # alive PID: running (an exited, unreaped child is not)
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}

stop_pid() {        # stop_pid PID [GRACE_SECONDS]: TERM, wait, then KILL
	local pid=$1 grace=${2:-10} i
	alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < grace * 10; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		log "process $pid did not stop; killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

untrack() {         # untrack PID: forget a process that was stopped
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

stop_tracked() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}" 5; done
	PIDS=()
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "$TP_FD" ] && eval "exec ${TP_FD}>&-" 2>/dev/null
	stop_tracked
	rm -rf /var/run/dpdk/vmkb-*-"$$" 2>/dev/null    # EAL runtime dirs of our prefixes
	if [ -n "$HUGEDIR" ]; then
		rm -f "$HUGEDIR"/vmkb-* 2>/dev/null
		if [ "$HUGE_MOUNTED" = 1 ]; then
			umount "$HUGEDIR" 2>/dev/null || log "could not unmount $HUGEDIR"
		fi
	fi
	if [ -n "$HP_OLD" ]; then
		if [ "$(cat "$HP_DIR/nr_hugepages")" = "$HP_SET" ]; then
			echo "$HP_OLD" > "$HP_DIR/nr_hugepages" 2>/dev/null ||
				log "could not restore nr_hugepages to $HP_OLD"
		else
			log "nr_hugepages was changed by someone else during the run; left as is"
		fi
	fi
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT
trap 'log terminated; exit 143' TERM

# ------------------------------------------------------------------ setup --

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_secs() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; }

check_args() {
	local n
	[ "$(id -u)" -eq 0 ] || die "run as root (hugepages, hugetlbfs)"
	is_secs "$SECONDS_PER_RUN" || die "SECONDS_PER_RUN must be a number of seconds"
	is_secs "$WARMUP_SECONDS" || die "WARMUP_SECONDS must be a number of seconds"
	if ! is_uint "$MAIN_CORE" || ! is_uint "$WORKER_CORE"; then
		die "bad MAIN_CORE/WORKER_CORE"
	fi
	[ "$MAIN_CORE" != "$WORKER_CORE" ] || die "MAIN_CORE and WORKER_CORE must differ"
	[ -n "$MACS" ] || die "MACS is empty"
	for n in $MACS; do
		if ! is_uint "$n" || [ "$n" -lt 1 ] || [ "$n" -gt 8388608 ]; then
			die "bad MAC count '$n' (1..8388608)"
		fi
	done
	[ -x "$BIN/gen-l2-pcap" ] || die "$BIN/gen-l2-pcap missing: run 'make' first"
	if [ -n "$BASELINE" ] && [ ! -x "$BASELINE/bin/vmk-l2fwd-bench" ]; then
		die "BASELINE=$BASELINE has no bin/vmk-l2fwd-bench (build that checkout first)"
	fi
	command -v python3 >/dev/null || die "python3 missing (make deps)"
}

take_lock() {
	exec 9>/tmp/vmknet-bench.lock
	flock -n 9 || die "another DPDK benchmark holds /tmp/vmknet-bench.lock"
}

pow2_ceil() { local v=1; while [ "$v" -lt "$1" ]; do v=$((v * 2)); done; echo "$v"; }

mbufs_for() { echo $((2 * $1 + 32768)); }     # both preloaded pcaps + slack

fdb_capacity_for() {                           # 2N MACs at <= 50% load, 4M max
	local c
	c=$(($(pow2_ceil $((2 * $1))) * 2))
	[ "$c" -lt 65536 ] && c=65536
	[ "$c" -gt 4194304 ] && c=4194304
	echo "$c"
}

huge_mb_needed() {   # enough for the largest N: mbufs at <=1 KiB, FDB, rings
	local max=0 n mb
	for n in $MACS; do [ "$n" -gt "$max" ] && max=$n; done
	mb=$(( 512 + $(mbufs_for "$max") / 1024 + $(fdb_capacity_for "$max") / 8192 ))
	# OVS's shared pool: 262144 mbufs of ~3 KiB for MTU 1500.
	[ "$SKIP_OVS" != 1 ] && [ "$mb" -lt 1536 ] && mb=1536
	echo "$mb"
}

setup_hugepages() {
	local want_mb=${HUGE_MB:-$(huge_mb_needed)} need free m
	[ -d "$HP_DIR" ] || die "no 2 MB hugepage support ($HP_DIR)"
	need=$(((want_mb + 1) / 2))
	free=$(cat "$HP_DIR/free_hugepages")
	if [ "$free" -lt "$need" ]; then
		HP_OLD=$(cat "$HP_DIR/nr_hugepages")
		echo $((HP_OLD + need - free)) > "$HP_DIR/nr_hugepages" ||
			die "cannot reserve hugepages"
		free=$(cat "$HP_DIR/free_hugepages")
		HP_SET=$(cat "$HP_DIR/nr_hugepages")
		log "hugepages: $HP_OLD -> $HP_SET (2 MB)"
		[ "$free" -ge "$need" ] || die "only $free free 2 MB hugepages, need $need"
	fi
	# A hugetlbfs mount of 2 MB pages: use one that exists or mount our own.
	m=$(awk '$3 == "hugetlbfs" && ($4 ~ /pagesize=2M/ || $4 !~ /pagesize=/) {print $2; exit}' \
		/proc/mounts)
	if [ -n "$m" ]; then
		HUGEDIR=$m
	else
		HUGEDIR=$TMP/huge
		mkdir -p "$HUGEDIR"
		mount -t hugetlbfs -o pagesize=2M nodev "$HUGEDIR" || die "cannot mount hugetlbfs"
		HUGE_MOUNTED=1
	fi
	log "hugepages: $need x 2 MB available, hugetlbfs at $HUGEDIR"
}

eal_common() {      # eal_common PREFIX: EAL arguments shared by all contenders
	echo "-l $MAIN_CORE,$WORKER_CORE -n 4 --main-lcore $MAIN_CORE --no-pci" \
	     "--file-prefix $1 --huge-dir $HUGEDIR --huge-unlink"
}

now() { date +%s.%N; }

wait_for() {        # wait_for FILE PATTERN TIMEOUT PID: 0 once FILE matches
	local file=$1 pat=$2 end=$((SECONDS + $3)) pid=$4
	while [ "$SECONDS" -lt "$end" ]; do
		grep -q -- "$pat" "$file" 2>/dev/null && return 0
		alive "$pid" || return 1
		sleep 0.2
	done
	return 1
}

wait_exit() {       # wait_exit PID TIMEOUT: 0 if it exited in time
	local pid=$1 end=$((SECONDS + $2))
	while alive "$pid"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
	return 0
}

run_rc() {          # run_rc LIMIT OUT ERR CMD...: CMD in the background, stopped after
	local limit=$1 out=$2 err=$3 pid   # LIMIT s; RC: its exit status (124: it was stopped)
	shift 3
	"$@" > "$out" 2> "$err" &
	pid=$!
	PIDS+=("$pid")
	if wait_exit "$pid" "$limit"; then
		wait "$pid"; RC=$?
	else
		log "$1: no result after ${limit}s; stopping it"
		stop_pid "$pid" 10; RC=124
	fi
	untrack "$pid"
}

round_order() {     # round_order ROUND A B ...: A B ... in odd rounds, reversed in even
	local r=$1 i
	shift
	if [ $((r % 2)) = 1 ]; then echo "$@"; return; fi
	for ((i = $#; i >= 1; i--)); do printf '%s ' "${!i}"; done; echo
}

rounds_row() {      # rounds_row CSV POINT METRIC ROUND CONTENDER VALUE UNIT STATUS NOTE
	local note=${9//,/;}
	printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$2" "$3" "$4" "$5" "$6" "$7" "$8" "${note//$'\n'/ }" >> "$1"
}

load_now() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------- vmknet ---

run_vmknet() {      # run_vmknet N PCAP_A PCAP_B LOGDIR
	l2fwd_run vmknet "$BIN" "$@" ${NIOC_MBPS:+--uplink}
}

run_nioc() {        # the same path, with NIOC scheduling the uplink
	l2fwd_run nioc "$BIN" "$@" --nioc "$NIOC_MBPS"
}

run_baseline() {    # the same, with BASELINE's binary
	l2fwd_run baseline "$BASELINE/bin" "$@"
}

l2fwd_run() {       # l2fwd_run NAME BINDIR N PCAP_A PCAP_B LOGDIR [BENCH ARGS...]
	local name=$1 n=$3 a=$4 b=$5 logd=$6 json=$TMP/$1.json
	local extra=("${@:7}")
	local bin=$2/vmk-l2fwd-bench
	RESULT_MPPS=""; RESULT_NOTE=""
	[ -x "$bin" ] || { RESULT_NOTE="$bin not built"; return 1; }
	: > "$json"
	# shellcheck disable=SC2046
	run_rc $((${SECONDS_PER_RUN%.*} + ${WARMUP_SECONDS%.*} + 180)) "$json" "$logd/$name-$n.log" \
		"$bin" $(eal_common "vmkb-$name-$$") -- \
		--port "net_pcap0,rx_pcap=$a,infinite_rx=1" \
		--port "net_pcap1,rx_pcap=$b,infinite_rx=1" \
		--seconds "$SECONDS_PER_RUN" --warmup "$WARMUP_SECONDS" \
		--expect-macs $((2 * n)) --fdb-capacity "$(fdb_capacity_for "$n")" \
		--fdb-aging 3600 --mbufs "$(mbufs_for "$n")" --mbuf-size "$MBUF_SIZE" \
		--lcore "$WORKER_CORE" --tx-tolerance "$TX_TOLERANCE" "${extra[@]}"
	cp "$json" "$logd/$name-$n.json" 2>/dev/null
	# A non-zero exit (the tx cross-check included) fails the run.
	if [ "$RC" != 0 ] || ! python3 - "$json" > "$TMP/$name.parsed" 2>/dev/null <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert r["tx_check"] == "ok" and r["mpps"] > 0
note = "tx %d, devices %d; fdb %d/%d entries%s; drops %d" % (
    r["tx_packets"], r["ethdev_tx_packets"],
    r["fdb_entries"], r.get("fdb_capacity", 0),
    " (not all learned in %.1fs)" % r["warmup_seconds"] if r.get("learned") is False else "",
    r["drops"])
if r.get("drop_reasons"):
    note += " (" + " ".join("%s=%d" % kv for kv in r["drop_reasons"].items()) + ")"
print("%.3f" % r["mpps"])
print(note)
EOF
	then
		RESULT_NOTE="failed (exit $RC): $(tail -n 1 "$logd/$name-$n.log" 2>/dev/null)"
		return 1
	fi
	RESULT_MPPS=$(sed -n 1p "$TMP/$name.parsed")
	RESULT_NOTE=$(sed -n 2p "$TMP/$name.parsed")
	return 0
}

# --------------------------------------------------------------- testpmd ---

testpmd_send() { printf '%s\n' "$1" >&"$TP_FD"; }

run_testpmd() {     # run_testpmd N PCAP_A PCAP_B LOGDIR
	local n=$1 a=$2 b=$3 logd=$4 log fifo=$TMP/testpmd.in pid pps i
	log=$logd/testpmd-$n.log
	RESULT_MPPS=""; RESULT_NOTE=""
	command -v "$TESTPMD" >/dev/null || { RESULT_NOTE="$TESTPMD not installed"; return 1; }
	rm -f "$fifo"; mkfifo "$fifo"
	# shellcheck disable=SC2046
	stdbuf -oL "$TESTPMD" $(eal_common "vmkb-testpmd-$$") \
		--vdev "net_pcap0,rx_pcap=$a,infinite_rx=1" \
		--vdev "net_pcap1,rx_pcap=$b,infinite_rx=1" -- \
		-i --forward-mode=io --nb-cores=1 --rxq=1 --txq=1 --no-flush-rx \
		--total-num-mbufs="$(mbufs_for "$n")" --mbuf-size="$MBUF_SIZE" \
		< "$fifo" > "$log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	exec {TP_FD}>"$fifo"
	if ! wait_for "$log" "testpmd> " 300 "$pid"; then
		RESULT_NOTE="did not start: $(grep -m1 -iE 'error|fail|cannot' "$log" | tr -d '\r')"
		eval "exec ${TP_FD}>&-"; TP_FD=""
		stop_pid "$pid"; untrack "$pid"
		return 1
	fi
	testpmd_send "start"
	sleep "$TESTPMD_WARMUP"
	testpmd_send "show port stats all"     # starts testpmd's own interval
	sleep "$SECONDS_PER_RUN"
	testpmd_send "show port stats all"     # Tx-pps over exactly that interval
	for ((i = 0; i < 50; i++)); do          # two ports per show, two shows
		[ "$(grep -c 'Tx-pps' "$log")" -ge 4 ] && break
		sleep 0.1
	done
	testpmd_send "stop"
	testpmd_send "quit"
	eval "exec ${TP_FD}>&-"; TP_FD=""
	wait_exit "$pid" 60 || log "testpmd did not quit; stopping it"
	stop_pid "$pid"; untrack "$pid"
	pps=$(grep 'Tx-pps:' "$log" | tail -n 2 | awk '{s += $2; k++} END {if (k == 2) print s}')
	if [ -z "$pps" ]; then
		RESULT_NOTE="no port statistics in $log"
		return 1
	fi
	RESULT_MPPS=$(awk -v p="$pps" 'BEGIN {printf "%.3f", p / 1e6}')
	RESULT_NOTE="Tx-pps sum of both ports over testpmd's own interval"
	return 0
}

# -------------------------------------------------------------------- OVS ---

OVS_D=""
ovs_vsctl() { ovs-vsctl --db="unix:$OVS_D/db.sock" --timeout=300 "$@"; }
ovs_appctl() { ovs-appctl -t "$OVS_D/vswitchd.ctl" "$@"; }

ovs_tx_packets() {  # frames transmitted on OpenFlow ports 1 and 2
	ovs-ofctl dump-ports br0 2>/dev/null | awk '
		/port +[0-9]+:/ {p = 1; next}
		p && /tx pkts=/ {sub(/.*tx pkts=/, ""); sub(/,.*/, ""); s += $0; p = 0}
		END {print s + 0}'
}

ovs_fdb_entries() {
	ovs_appctl fdb/stats-show br0 2>/dev/null |
		awk -F'[:/]' '/Current\/maximum/ {gsub(/ /, "", $3); print $3 + 0; exit}'
}

ovs_dp_flows() { ovs_appctl dpctl/show 2>/dev/null | awk '/flows:/ {print $2; exit}'; }

ovs_pin_threads() { # every vswitchd thread but the PMD onto MAIN_CORE
	local t comm
	for t in /proc/"$1"/task/*; do
		comm=$(cat "$t/comm" 2>/dev/null) || continue
		case $comm in pmd*) ;; *) taskset -p -c "$MAIN_CORE" "${t##*/}" >/dev/null 2>&1 ;; esac
	done
}

ovs_start() {       # ovs_start LOG: private ovsdb-server + ovs-vswitchd
	local vlog=$1 pid i
	ovsdb-tool create "$OVS_D/conf.db" "$OVS_SCHEMA" || return 1
	taskset -c "$MAIN_CORE" ovsdb-server "$OVS_D/conf.db" --remote="punix:$OVS_D/db.sock" \
		--unixctl="$OVS_D/ovsdb.ctl" --log-file="$OVS_D/ovsdb-server.log" --no-chdir \
		> /dev/null 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do [ -S "$OVS_D/db.sock" ] && break; sleep 0.1; done
	ovs_vsctl --no-wait init || return 1
	ovs_vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-lcore-mask="$(printf '0x%x' $((1 << MAIN_CORE)))" \
		other_config:pmd-cpu-mask="$(printf '0x%x' $((1 << WORKER_CORE)))" \
		"other_config:dpdk-extra=--no-pci --file-prefix=vmkb-ovs-$$ --huge-dir=$HUGEDIR --huge-unlink" ||
		return 1
	if [ "$OVS_PER_PORT_MEMORY" = 1 ]; then
		ovs_vsctl --no-wait set Open_vSwitch . other_config:per-port-memory=true || return 1
	fi
	"$OVS_VSWITCHD" "unix:$OVS_D/db.sock" --unixctl="$OVS_D/vswitchd.ctl" \
		--log-file="$vlog" --no-chdir > /dev/null 2>&1 &
	OVS_PID=$!
	PIDS+=("$OVS_PID")
	wait_for "$vlog" "DPDK Enabled - initialized" 120 "$OVS_PID"
}

ovs_stop() {
	local p
	[ -S "$OVS_D/vswitchd.ctl" ] && ovs-appctl -t "$OVS_D/vswitchd.ctl" exit >/dev/null 2>&1
	[ -S "$OVS_D/ovsdb.ctl" ] && ovs-appctl -t "$OVS_D/ovsdb.ctl" exit >/dev/null 2>&1
	for p in "${PIDS[@]}"; do wait_exit "$p" 30; done
	stop_tracked
}

ovs_add_bridge() {  # ovs_add_bridge N PCAP_A PCAP_B (exec: runs as one process)
	local n=$1 mts=$((4 * $1))
	[ "$mts" -lt 8192 ] && mts=8192
	[ "$mts" -gt "$OVS_MAC_TABLE_MAX" ] && mts=$OVS_MAC_TABLE_MAX
	exec ovs-vsctl --db="unix:$OVS_D/db.sock" --timeout=300 \
		add-br br0 -- set Bridge br0 datapath_type=netdev \
		other_config:mac-table-size="$mts" other_config:mac-aging-time=3600 \
		-- add-port br0 dpdk0 -- set Interface dpdk0 type=dpdk ofport_request=1 \
		   "options:dpdk-devargs=net_pcap0,rx_pcap=$2,infinite_rx=1" \
		-- add-port br0 dpdk1 -- set Interface dpdk1 type=dpdk ofport_request=2 \
		   "options:dpdk-devargs=net_pcap1,rx_pcap=$3,infinite_rx=1"
}

ovs_pmd_error() {   # the pcap PMD's own complaint, if any
	grep -m1 -oE 'Not enough mbufs[^|]*required' "$1" | tr -d '\r'
}

ovs_port_error() {  # prints why the bridge is not usable, or nothing
	local vlog=$1 st e p why
	why=$(ovs_pmd_error "$vlog")
	if ! alive "$OVS_PID"; then
		wait "$OVS_PID" 2>/dev/null; st=$?
		untrack "$OVS_PID"
		if [ "$st" -gt 128 ]; then st="signal $((st - 128))"; else st="status $st"; fi
		echo "ovs-vswitchd exited ($st) while adding the ports${why:+ after the pcap PMD said: $why}"
		return 0
	fi
	for p in dpdk0 dpdk1; do
		e=$(ovs_vsctl get Interface "$p" error 2>/dev/null | tr -d '"[]')
		[ -n "$e" ] || [ "$(ovs_vsctl get Interface "$p" ofport 2>/dev/null)" = "-1" ] || continue
		echo "$p: ${e:-not configured}${why:+ (pcap PMD: $why)}"
		return 0
	done
}

ovs_warmup() {      # ovs_warmup TARGET_MACS: learning, then flow count settles
	local target=$1 end cur prev=-1 f
	end=$((SECONDS + ${WARMUP_SECONDS%.*}))
	while [ "$SECONDS" -lt "$end" ]; do
		cur=$(ovs_fdb_entries); [ "${cur:-0}" -ge "$target" ] && break
		sleep 0.5
	done
	while [ "$SECONDS" -lt "$end" ]; do
		f=$(ovs_dp_flows); [ "$f" = "$prev" ] && break
		prev=$f; sleep 1
	done
}

run_ovs() {         # run_ovs N PCAP_A PCAP_B LOGDIR
	local n=$1 a=$2 b=$3 logd=$4 vlog err t0 t1 x0 x1 fdb flows vsctl i
	vlog=$logd/ovs-$n.log
	RESULT_MPPS=""; RESULT_NOTE=""
	[ -x "$OVS_VSWITCHD" ] || { RESULT_NOTE="$OVS_VSWITCHD not installed"; return 1; }
	OVS_D=$TMP/ovs; rm -rf "$OVS_D"; mkdir -p "$OVS_D"
	export OVS_RUNDIR=$OVS_D OVS_LOGDIR=$OVS_D OVS_DBDIR=$OVS_D OVS_SYSCONFDIR=$OVS_D
	: > "$vlog"
	if ! ovs_start "$vlog"; then
		RESULT_NOTE="ovs-vswitchd did not start (see $vlog)"
		ovs_stop; return 1
	fi
	ovs_add_bridge "$n" "$a" "$b" >> "$vlog" 2>&1 &
	vsctl=$!
	for ((i = 0; i < 3000; i++)); do     # ovs-vsctl waits for vswitchd, which may die
		if ! alive "$vsctl" || ! alive "$OVS_PID"; then break; fi
		sleep 0.1
	done
	stop_pid "$vsctl" 2
	err=$(ovs_port_error "$vlog")
	if [ -n "$err" ]; then
		RESULT_NOTE="cannot load $n frames per port: $err"
		if [ "$OVS_PER_PORT_MEMORY" = 1 ]; then
			RESULT_NOTE+="; per-port-memory sizes each pool from its queue sizes (under 30000 mbufs with one rx queue)"
		elif [ $((2 * n)) -gt "$OVS_MAX_MBUFS" ]; then
			RESULT_NOTE+="; the pcaps need $((2 * n)) mbufs but OVS's shared mempool holds at most $OVS_MAX_MBUFS (per-port-memory pools are smaller)"
		fi
		ovs_stop
		# OVS's documented mempool limits: a point it cannot run (n/a).
		if [ -n "$(ovs_pmd_error "$vlog")" ]; then return 2; fi
		return 1
	fi
	ovs_pin_threads "$OVS_PID"
	ovs_warmup $((2 * n))
	ovs_pin_threads "$OVS_PID"
	ovs_appctl dpif-netdev/pmd-stats-clear > /dev/null
	t0=$(now); x0=$(ovs_tx_packets)
	sleep "$SECONDS_PER_RUN"
	x1=$(ovs_tx_packets); t1=$(now)
	fdb=$(ovs_fdb_entries); flows=$(ovs_dp_flows)
	{ echo "== pmd-stats-show"; ovs_appctl dpif-netdev/pmd-stats-show
	  echo "== fdb/stats-show"; ovs_appctl fdb/stats-show br0
	  echo "== dpctl/show"; ovs_appctl dpctl/show
	  echo "== dump-ports"; ovs-ofctl dump-ports br0; } >> "$vlog" 2>&1
	RESULT_NOTE="mac table $fdb/$((2 * n)) learned; datapath flows $flows; $(ovs_pmd_summary)"
	[ $((2 * n)) -gt "$OVS_MAX_FLOWS" ] &&
		RESULT_NOTE+="; NORMAL needs $((2 * n)) exact-match megaflows but dpif-netdev holds at most $OVS_MAX_FLOWS per PMD"
	if ! alive "$OVS_PID" || [ "${x1:-0}" -le "${x0:-0}" ]; then
		RESULT_NOTE="no frames counted (ovs-vswitchd alive: $(alive "$OVS_PID" && echo yes || echo no)); $RESULT_NOTE"
		ovs_stop; return 1
	fi
	RESULT_MPPS=$(awk -v a="$x0" -v b="$x1" -v t0="$t0" -v t1="$t1" \
		'BEGIN {printf "%.3f", (b - a) / (t1 - t0) / 1e6}')
	ovs_stop
	return 0
}

ovs_pmd_summary() { # hit breakdown of the measurement window
	ovs_appctl dpif-netdev/pmd-stats-show 2>/dev/null | awk '
		/core_id/ {pmd = 1} /main thread/ {pmd = 0}
		pmd && /emc hits:/ {e = $3} pmd && /smc hits:/ {s = $3}
		pmd && /megaflow hits:/ {m = $3} pmd && /miss with success upcall:/ {u = $5}
		pmd && /miss with failed upcall:/ {f = $5}
		pmd && /avg cycles per packet:/ {c = $5}
		END {printf "emc %s smc %s megaflow %s upcalls %s failed %s cycles/pkt %s",
		     e, s, m, u, f, c}'
}

# ---------------------------------------------------------------- report ---

report() {          # rounds.py's summary, a table of medians, PNG via gnuplot
	local rc n targets=()
	for n in $MACS; do    # docs/BENCHMARKS.md's targets: 3x OVS everywhere, half of testpmd
		targets+=(--target "macs $n/mpps/ovs>=3")
	done
	targets+=(--target "macs ${MACS%% *}/mpps/testpmd>=0.5")
	[ -z "$NIOC_MBPS" ] || for n in $MACS; do   # NIOC costs at most 10%
		targets+=(--target "macs $n/mpps/nioc<=1.111")
	done
	python3 "$ROOT/bench/rounds.py" "$CSV" --json "$OUT_DIR/l2fwd.json" "${targets[@]}"
	rc=$?
	python3 - "$OUT_DIR/l2fwd.json" "$OUT_DIR/l2fwd.dat" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
def med(e, c):
    x = e["contenders"].get(c)
    return x if x and x["median"] is not None else None
def cell(x):
    return "n/a" if x is None else "%.2f (%.2f-%.2f)" % (x["median"], x["min"], x["max"])
def rat(e, c):
    x = e["ratios"].get("vmknet/" + c)
    return "n/a" if x is None else "%.2fx (%.2f-%.2f)" % (x["median"], x["min"], x["max"])
print("medians (min-max) of the rounds; ratios: median (min-max) of the per-round ratios")
print("%-10s %22s %22s %22s %20s %20s %9s" % ("MACs/side", "vmknet Mpps", "OVS Mpps",
      "testpmd Mpps", "vmknet/OVS", "vmknet/testpmd", "vs first"))
first = med(s[0], "vmknet") if s else None
with open(sys.argv[2], "w") as dat:
    dat.write("# macs, then median min max Mpps of vmknet, ovs, testpmd (NaN = n/a)\n")
    for e in s:
        n = int(e["point"].split()[1])
        v = med(e, "vmknet")
        print("%-10d %22s %22s %22s %20s %20s %9s" % (n, cell(v), cell(med(e, "ovs")),
              cell(med(e, "testpmd")), rat(e, "ovs"), rat(e, "testpmd"),
              "%.0f%%" % (100 * v["median"] / first["median"]) if v and first else "n/a"))
        dat.write("%d %s\n" % (n, " ".join("NaN NaN NaN" if med(e, c) is None else
                  "%.3f %.3f %.3f" % (med(e, c)["median"], med(e, c)["min"], med(e, c)["max"])
                  for c in ("vmknet", "ovs", "testpmd"))))
EOF
	if ! awk '!/^#/ && ($2 != "NaN" || $5 != "NaN" || $8 != "NaN") {ok = 1} END {exit !ok}' \
		"$OUT_DIR/l2fwd.dat"; then
		log "no results to plot; no PNG"
	elif command -v gnuplot >/dev/null; then
		if gnuplot 2> "$OUT_DIR/logs/gnuplot.log" <<EOF
set terminal pngcairo size 900,560 noenhanced
set output "$OUT_DIR/l2fwd.png"
set title "L2 forwarding, 64-byte frames, 1 forwarding core of $(nproc): medians of $ROUNDS rounds, bars min-max"
set logscale x 2
set offsets graph 0.04, graph 0.04, 0, 0
set xtics ("64" 64, "256" 256, "1K" 1024, "4K" 4096, "16K" 16384, "64K" 65536, "256K" 262144, "1M" 1048576)
set xlabel "source MACs per side"
set ylabel "Mpps (both directions)"
set yrange [0:*]
set key top right
set grid
set datafile missing "NaN"
plot "$OUT_DIR/l2fwd.dat" using 1:2:3:4 with yerrorlines lw 2 pt 7 title "vmknet", \
     "" using 1:5:6:7 with yerrorlines lw 2 pt 5 title "Open vSwitch (DPDK, NORMAL)", \
     "" using 1:8:9:10 with yerrorlines lw 2 pt 9 title "testpmd io (ceiling)"
EOF
		then PNG_OK=1; else log "gnuplot failed; no PNG"; fi
	else
		log "gnuplot not installed; no PNG"
	fi
	return "$rc"
}

run_one() {         # run_one CONTENDER N A B LOGDIR ROUND: one run, one CSV row
	local c=$1 n=$2 r=$6 status=ok rc
	log "round $r/$ROUNDS, $n MACs per side: $c"
	"run_$c" "$n" "$3" "$4" "$5"; rc=$?
	case $rc in
	0) log "$c: $RESULT_MPPS Mpps ($RESULT_NOTE)" ;;
	2) status=n/a; RESULT_MPPS=""; log "$c: n/a: $RESULT_NOTE" ;;
	*) status=failed; RESULT_MPPS=""; log "$c: FAILED: $RESULT_NOTE" ;;
	esac
	rounds_row "$CSV" "macs $n" mpps "$r" "$c" "$RESULT_MPPS" Mpps "$status" "$RESULT_NOTE"
}

main() {
	local n a b logd c r who load0 rc
	check_args
	is_uint "$ROUNDS" && [ "$ROUNDS" -ge 1 ] || die "ROUNDS must be >= 1"
	take_lock
	TMP=$(mktemp -d /tmp/vmkb.XXXXXX)
	mkdir -p "$OUT_DIR/logs"
	OUT_DIR=$(cd "$OUT_DIR" && pwd)
	logd=$OUT_DIR/logs
	rm -f "$logd"/*.log "$logd"/*.json "$OUT_DIR/l2fwd.png" "$OUT_DIR/l2fwd.dat"
	CSV=$OUT_DIR/l2fwd.csv
	echo "point,metric,round,contender,value,unit,status,note" > "$CSV"
	setup_hugepages
	who=""
	[ "$SKIP_VMKNET" = 1 ] || who+=" vmknet"
	[ "$SKIP_TESTPMD" = 1 ] || who+=" testpmd"
	[ "$SKIP_OVS" = 1 ] || who+=" ovs"
	[ -z "$BASELINE" ] || who+=" baseline"
	[ -z "$NIOC_MBPS" ] || who+=" nioc"
	load0=$(load_now)
	log "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
	    "main core $MAIN_CORE, worker core $WORKER_CORE; $ROUNDS rounds, ${SECONDS_PER_RUN}s per run;" \
	    "MACs $MAC_PATTERN; load average $load0"
	a=$TMP/a.pcap; b=$TMP/b.pcap
	for n in $MACS; do
		"$BIN/gen-l2-pcap" --macs "$n" --out-a "$a" --out-b "$b" "${GEN_EXTRA[@]}" ||
			die "gen-l2-pcap failed"
		for r in $(seq 1 "$ROUNDS"); do
			# shellcheck disable=SC2086
			for c in $(round_order "$r" $who); do
				run_one "$c" "$n" "$a" "$b" "$logd" "$r"
				cp "$logd/$c-$n.log" "$logd/$c-$n-r$r.log" 2>/dev/null
			done
		done
	done
	echo
	echo "L2 forwarding, 64-byte frames, $(nproc) cores, 1 forwarding core," \
	     "$ROUNDS rounds, ${SECONDS_PER_RUN}s per run ($(date -u +%Y-%m-%dT%H:%MZ);" \
	     "load average $load0 at the start, $(load_now) at the end)"
	echo
	report; rc=$?
	log "wrote $CSV${PNG_OK:+ and $OUT_DIR/l2fwd.png}"
	[ "$rc" = 0 ] || die "some runs failed (listed above)"
}

# Run when executed; only define when sourced (bench/run_pvp.sh reuses the helpers).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
