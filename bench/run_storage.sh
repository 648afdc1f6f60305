#!/usr/bin/env bash
# run_storage.sh: storage and FT logging, unmodified tools under vmkrun
# against the same tools on Linux's own stack, over the same veth to the
# same targets, side by side in alternating rounds (issue 18, point 5).
#
# The wire: veth $VETH (here; vmknetd's uplink vmnic0, net_af_packet) <->
# vmkst-w in namespace B, which has two addresses: 198.18.1.2 (vmknet's
# side, vmk0 198.18.1.1) and 198.18.2.2 (Linux's, 198.18.2.1 on $VETH
# itself). In B: tgtd (one target, LUN 1 = LUN_MB in /dev/shm), nfs-ganesha
# (FSAL VFS, NFSv3) with rpcbind, vmkftlog's secondary, iperf3 -s.
#   vmknet   the tool under `vmkrun` (its sockets on vmk0), on MAIN_CORE;
#            vmknetd's worker polls WORKER_CORE without pause.
#   linux    the tool on Linux's stack over $VETH, on MAIN_CORE; vmknetd
#            is stopped (SIGSTOP) meanwhile, so Linux has both cores.
# The targets float over both cores in both contenders.
#
# Tests (TESTS, all by default):
#   iscsi-perf  4 KiB random reads at queue depth 32 for SECONDS_PER_RUN:
#               its average IOPS;
#   bench       qemu-img bench (libiscsi), 4 KiB, read and write, queue depth
#               1 (BENCH_COUNT_QD1 requests) and 32 (BENCH_COUNT): IOPS;
#   convert     qemu-img convert of LUN_MB there (random data) and back: MiB/s;
#   nfs         nfs-cp of LUN_MB to the export and back (NFSv3): MiB/s. nfs-cp
#               under vmkrun can stall (a known bug): a run that does not
#               finish within NFS_TIMEOUT seconds is n/a with the reason
#               printed, and the rest of the section is skipped;
#   ft          vmkftlog primary -> secondary on port 8100, one ack per record,
#               FT_SIZES, FT_SECONDS each: p50, p99, p99.9 record latency,
#               alone and while iperf3 to port 8000 (vMotion) floods the same
#               uplink.
# Beside each rate: the initiator side's CPU time (utime + stime from
# /proc: the tool and what it waited for, plus vmknetd's, all its threads,
# the polling worker included: "cpu"; without that worker, which spins
# whether or not there is work: "cpu_nopoll") per I/O or per MiB, and the
# target's busy
# share of one core (tgtd's or ganesha's CPU time over the run's wall time),
# which says where the target limits both contenders. Targets of the
# issue: storage rates >= 1.5x Linux (or, where the target limits both,
# CPU per I/O <= 0.67x Linux's); FT p99 <= 0.5x Linux's.
# Output: the summary (bench/rounds.py), bench/out/storage.csv,
# bench/out/storage.json, logs in bench/out/logs/storage-*.
#
# Environment: ROUNDS (3), TESTS ("iscsi-perf bench convert nfs ft"),
# SECONDS_PER_RUN (5), BENCH_COUNT (20000), BENCH_COUNT_QD1 (4000), LUN_MB
# (256), NFS_TIMEOUT (60), FT_SIZES (64,256,1024,4096), FT_SECONDS (2),
# MAIN_CORE (0), WORKER_CORE (1), BUILD (build), OUT_DIR (bench/out).
# Needs root; everything it starts is stopped, the namespace deleted and
# the files in /dev/shm removed on exit. Wrap it:
#   flock /tmp/vmknet-dpdk.lock bench/run_storage.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
OUT_DIR=${OUT_DIR:-bench/out}
ROUNDS=${ROUNDS:-3}
TESTS=${TESTS:-"iscsi-perf bench convert nfs ft"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
BENCH_COUNT=${BENCH_COUNT:-20000}
BENCH_COUNT_QD1=${BENCH_COUNT_QD1:-4000}
LUN_MB=${LUN_MB:-256}
NFS_TIMEOUT=${NFS_TIMEOUT:-60}
FT_SIZES=${FT_SIZES:-64,256,1024,4096}
FT_SECONDS=${FT_SECONDS:-2}
MAIN_CORE=${MAIN_CORE:-0}
WORKER_CORE=${WORKER_CORE:-1}
NSB=vmkst-b-$$
VETH=vmkst$$
TMP=$(mktemp -d /tmp/vmk-storage.XXXXXX)
SHM=/dev/shm/vmk-storage-$$
LOGS=$OUT_DIR/logs
CSV=$OUT_DIR/storage.csv
DPID=
PIDS=()
HUGE_SET=0
NAMESPACES=("$NSB")
TCK=$(getconf CLK_TCK)
log() { printf '[storage] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
. "$ROOT/bench/vmknetd_up.sh"
. "$ROOT/bench/lib/targets.sh"
trap 'vmknetd_bench_cleanup; rm -rf "$SHM"' EXIT
trap 'exit 130' INT TERM

vmknetd_bench_need iscsi-perf qemu-img nfs-cp tgtd tgtadm ganesha.nfsd rpcbind unshare \
	iperf3 ip ethtool python3 taskset timeout ss
mkdir -p "$LOGS" "$SHM/export"
echo "point,metric,round,contender,value,unit,status,note" >"$CSV"

vmknetd_wire "$NSB" "$VETH" vmkst-w 198.18.1.2/24
ip -n "$NSB" addr add 198.18.2.2/24 dev vmkst-w
ip addr add 198.18.2.1/24 dev "$VETH" || die "Linux's address on $VETH"
vmknetd_up "vmkst-$$" "$VETH" "$LOGS/storage-vmknetd.log"
ip netns exec "$NSB" ping -c 1 -W 3 198.18.1.1 >/dev/null || die "vmk0 does not answer"
ping -c 1 -W 3 198.18.2.2 >/dev/null || die "Linux cannot reach 198.18.2.2"

truncate -s "${LUN_MB}M" "$SHM/lun"
tgt_start "$NSB" 0.0.0.0 "$SHM/lun"
head -c $((LUN_MB << 20)) /dev/urandom >"$SHM/src"

target_addr() { [ "$1" = vmknet ] && echo 198.18.1.2 || echo 198.18.2.2; }
lun_url() { echo "iscsi://$(target_addr "$1")/$TGT_IQN/1"; }
row() { echo "$1,$2,$3,$4,$5,$6,$7,$8" >>"$CSV"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The polling worker lcores' share of vmknetd's ticks (DPDK names them).
poll_ticks() {
	local t n=0
	for t in /proc/"$1"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in rte-worker-*) n=$((n + $(ticks "${t#/proc/}"))) ;; esac
	done
	echo "$n"
}

# Linux's runs have vmknetd stopped, so its polling worker leaves them the
# second core; vmknet's have it running.
contender_on() {
	if [ "$1" = vmknet ]; then kill -CONT "$DPID"; else kill -STOP "$DPID"; fi
}

# measure CONTENDER NAME TIMEOUT TARGET_PID CMD...: CMD on MAIN_CORE (under
# vmkrun for vmknet), output in $LOGS/storage-NAME.log. Sets RC (timeout's:
# 124 when it ran out), WALL (s), CPU (s: CMD and its children, plus
# vmknetd's for vmknet), CPU_NOPOLL (the same less vmknetd's polling
# worker) and TBUSY (the target's CPU over WALL).
measure() {
	local c=$1 name=$2 to=$3 tpid=$4 d0 d1 g0 g1 t0 t1 w0 w1 pre=(taskset -c "$MAIN_CORE")
	shift 4
	[ "$c" = linux ] || pre+=("$BUILD/bin/vmkrun" --control "$SOCK" --)
	d0=$(ticks "$DPID"); w0=$(poll_ticks "$DPID"); g0=$(ticks "$tpid"); t0=$(date +%s.%N)
	# The subshell's cutime + cstime: what CMD (reaped by timeout, reaped
	# here) used, from /proc like vmknetd's.
	(timeout -k 5 "$to" "${pre[@]}" "$@" >"$LOGS/storage-$name.log" 2>&1
	 rc=$?; awk '{ print $16 + $17 }' "/proc/$BASHPID/stat" >"$TMP/cut.$name"; exit $rc)
	RC=$?
	t1=$(date +%s.%N); d1=$(ticks "$DPID"); w1=$(poll_ticks "$DPID"); g1=$(ticks "$tpid")
	[ "$c" = vmknet ] || { d1=$d0; w1=$w0; }
	read -r CPU <"$TMP/cut.$name"
	CPU_NOPOLL=$(awk -v a="$CPU" -v b=$((d1 - d0 - w1 + w0)) -v t="$TCK" \
		'BEGIN { printf "%.3f", (a + b) / t }')
	CPU=$(awk -v a="$CPU" -v b=$((d1 - d0)) -v t="$TCK" 'BEGIN { printf "%.3f", (a + b) / t }')
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	TBUSY=$(awk -v g=$((g1 - g0)) -v t="$TCK" -v w="$WALL" 'BEGIN { printf "%.2f", g / t / w }')
}

per() { awk -v s="$1" -v n="$2" -v k="$3" 'BEGIN { printf "%.2f", s * k / n }'; }

# rate_rows POINT ROUND CONTENDER VALUE UNIT COUNT CPU_UNIT NAME: the rate,
# CPU per I/O (us) or per MiB (ms) over COUNT, and the target's busy share.
rate_rows() {
	local p=$1 r=$2 c=$3 v=$4 u=$5 n=$6 cu=$7 name=$8 scale met
	met=$([ "$u" = IOPS ] && echo iops || echo mibs)
	if [ "$RC" != 0 ] || [ -z "$v" ]; then
		row "$p" "$met" "$r" "$c" "" "$u" failed "exit $RC; see logs/storage-$name.log"
		log "$name: FAILED (exit $RC)"
		return
	fi
	scale=$([ "$cu" = us/io ] && echo 1000000 || echo 1000)
	row "$p" "$met" "$r" "$c" "$v" "$u" ok ""
	row "$p" cpu "$r" "$c" "$(per "$CPU" "$n" "$scale")" "$cu" ok ""
	row "$p" cpu_nopoll "$r" "$c" "$(per "$CPU_NOPOLL" "$n" "$scale")" "$cu" ok ""
	row "$p" "target_busy" "$r" "$c" "$TBUSY" core ok ""
	log "$name: $v $u, CPU ${CPU}s over $n, target busy $TBUSY"
}

# iscsi_perf ROUND CONTENDER: 4 KiB random reads, queue depth 32.
iscsi_perf() {
	local r=$1 c=$2 name="iscsi-perf-$2-r$1" iops
	measure "$c" "$name" "$((SECONDS_PER_RUN + 30))" "$TGT_PID" timeout -s INT "$SECONDS_PER_RUN" \
		iscsi-perf -m 32 -b 8 -r "$(lun_url "$c")"
	[ "$RC" = 124 ] && RC=0     # the outer timeout's, not iscsi-perf's SIGINT
	iops=$(tr '\r' '\n' <"$LOGS/storage-$name.log" | grep -o 'iops average [0-9]*' | tail -n 1 |
		awk '{ print $3 }')
	rate_rows randread-4k-qd32 "$r" "$c" "$iops" IOPS \
		"$(awk -v i="${iops:-0}" -v w="$WALL" 'BEGIN { printf "%d", i * w + 1 }')" us/io "$name"
}

# qbench ROUND CONTENDER read|write DEPTH COUNT: qemu-img bench, 4 KiB.
qbench() {
	local r=$1 c=$2 op=$3 qd=$4 n=$5 name="bench-$3-qd$4-$2-r$1" s iops w=()
	[ "$op" = write ] && w=(-w)
	measure "$c" "$name" 120 "$TGT_PID" qemu-img bench -f raw -t none -c "$n" -d "$qd" -s 4096 \
		"${w[@]}" "$(lun_url "$c")"
	s=$(awk '/^Run completed in/ { print $4 }' "$LOGS/storage-$name.log")
	iops=$([ -n "$s" ] && awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
	rate_rows "qemu-bench-$op-4k-qd$qd" "$r" "$c" "$iops" IOPS "$n" us/io "$name"
}

# copy_run ROUND CONTENDER POINT TARGET_PID TIMEOUT CMD...: a copy of
# LUN_MB, as MiB/s; with COPY_CHECK="A B", a run whose files A and B then
# differ failed (RC 99).
copy_run() {
	local r=$1 c=$2 p=$3 tpid=$4 to=$5 name="$3-$2-r$1" mibs
	shift 5
	measure "$c" "$name" "$to" "$tpid" "$@"
	# shellcheck disable=SC2086
	if [ "$RC" = 0 ] && [ -n "${COPY_CHECK:-}" ] && ! cmp -s $COPY_CHECK; then
		RC=99
		echo "run_storage: $COPY_CHECK differ after the copy" >>"$LOGS/storage-$name.log"
	fi
	mibs=$([ "$RC" = 0 ] && awk -v m="$LUN_MB" -v w="$WALL" 'BEGIN { printf "%.1f", m / w }')
	rate_rows "$p" "$r" "$c" "$mibs" MiB/s "$LUN_MB" ms/MiB "$name"
}

convert() {
	local r=$1 c=$2
	rm -f "$SHM/back"
	copy_run "$r" "$c" convert-write "$TGT_PID" 120 qemu-img convert -n -f raw -O raw \
		"$SHM/src" "$(lun_url "$c")"
	COPY_CHECK="$SHM/src $SHM/back" copy_run "$r" "$c" convert-read "$TGT_PID" 120 \
		qemu-img convert -f raw -O raw "$(lun_url "$c")" "$SHM/back"
	rm -f "$SHM/back"
}

NFS_SKIP=
nfs() {
	local r=$1 c=$2 url p
	url="nfs://$(target_addr "$c")/export/f-$c?version=3"
	if [ -n "$NFS_SKIP" ]; then
		for p in nfs-cp-write nfs-cp-read; do row "$p" mibs "$r" "$c" "" MiB/s n/a "$NFS_SKIP"; done
		return
	fi
	rm -f "$SHM/back"
	COPY_CHECK="$SHM/src $SHM/export/f-$c" copy_run "$r" "$c" nfs-cp-write "$NFS_PID" \
		"$NFS_TIMEOUT" nfs-cp "$SHM/src" "$url"
	nfs_stalled "$r" "$c" nfs-cp-write || return
	COPY_CHECK="$SHM/src $SHM/back" copy_run "$r" "$c" nfs-cp-read "$NFS_PID" "$NFS_TIMEOUT" \
		nfs-cp "$url" "$SHM/back"
	nfs_stalled "$r" "$c" nfs-cp-read || return
	rm -f "$SHM/back" "$SHM/export/f-$c"
}

# nfs_stalled ROUND CONTENDER POINT: after a timeout, turn the failed row
# into n/a with the reason, skip the rest of the section; false then.
nfs_stalled() {
	[ "$RC" = 124 ] || return 0
	# No commas: the reason is a CSV field.
	NFS_SKIP="skipped: nfs-cp ($2) did not finish within ${NFS_TIMEOUT}s (round $1 $3)"
	NFS_SKIP="$NFS_SKIP; the known nfs-cp stall under vmkrun"
	sed -i "\$d" "$CSV"
	row "$3" mibs "$1" "$2" "" MiB/s n/a "$NFS_SKIP"
	[ "$3" = nfs-cp-read ] || row nfs-cp-read mibs "$1" "$2" "" MiB/s n/a "$NFS_SKIP"
	log "NFS: $NFS_SKIP"
	return 1
}

# ft ROUND CONTENDER alone|vmotion: vmkftlog's stream, with or without a
# vMotion flood (iperf3 to port 8000) on the same uplink.
ft() {
	local r=$1 c=$2 m=$3 name="ft-$3-$2-r$1" flood='' fs='' n_sizes
	n_sizes=$(tr ',' '\n' <<<"$FT_SIZES" | wc -l)
	if [ "$m" = vmotion ]; then
		ip netns exec "$NSB" iperf3 -s -1 -p 8000 >"$LOGS/storage-$name-iperf-s.log" 2>&1 &
		fs=$!; PIDS+=("$fs")
		ns_wait_port "$NSB" 8000
		measure "$c" "$name-iperf" 120 "$fs" iperf3 -c "$(target_addr "$c")" -p 8000 \
			-t $((FT_SECONDS * n_sizes + 6)) &
		flood=$!
		sleep 2
	fi
	measure "$c" "$name" 120 "$FT_PID" "$BUILD/bin/vmkftlog" primary \
		--connect "$(target_addr "$c"):8100" --sizes "$FT_SIZES" --seconds "$FT_SECONDS" --json
	[ -z "$flood" ] || wait "$flood"
	[ -z "$fs" ] || { kill "$fs" 2>/dev/null; wait "$fs" 2>/dev/null; }
	python3 - "$LOGS/storage-$name.log" "$RC" "$m" "$r" "$c" "$name" >>"$CSV" <<'EOF'
import json, sys
path, rc, mode, rnd, who, name = sys.argv[1:]
try:
    sizes = json.load(open(path))["sizes"] if rc == "0" else None
except (ValueError, KeyError):
    sizes = None
for s in sizes or []:
    for k, m in (("p50_us", "p50"), ("p99_us", "p99"), ("p99_9_us", "p99.9")):
        print("ft-%s-%dB,%s,%s,%s,%s,us,ok," % (mode, s["size"], m, rnd, who, s[k]))
if sizes is None:
    print("ft-%s,p99,%s,%s,,us,failed,exit %s; see logs/storage-%s.log" % (mode, rnd, who, rc, name))
EOF
	log "$name: $(python3 -c 'import json,sys; print(", ".join("%dB p99 %.0f us" % (s["size"], s["p99_us"]) for s in json.load(open(sys.argv[1]))["sizes"]))' "$LOGS/storage-$name.log" 2>/dev/null || echo failed)"
}

case " $TESTS " in *" nfs "*)
	nfs_start "$NSB" 0.0.0.0 "$SHM/export"
	NFS_PID=${PIDS[-1]} ;;
esac
case " $TESTS " in *" ft "*)
	ip netns exec "$NSB" "$BUILD/bin/vmkftlog" secondary --listen 0.0.0.0:8100 \
		>"$LOGS/storage-ft-secondary.log" 2>&1 &
	FT_PID=$!; PIDS+=("$FT_PID")
	ns_wait_port "$NSB" 8100 ;;
esac

log "$(nproc) cores; LUN ${LUN_MB} MiB; $ROUNDS rounds; tests: $TESTS"
for r in $(seq 1 "$ROUNDS"); do
	order="vmknet linux"
	[ $((r % 2)) = 0 ] && order="linux vmknet"
	for t in $TESTS; do
		for c in $order; do
			contender_on "$c"
			case $t in
			iscsi-perf) iscsi_perf "$r" "$c" ;;
			bench)
				for op in read write; do
					qbench "$r" "$c" "$op" 1 "$BENCH_COUNT_QD1"
					qbench "$r" "$c" "$op" 32 "$BENCH_COUNT"
				done ;;
			convert) convert "$r" "$c" ;;
			nfs) nfs "$r" "$c" ;;
			ft) ft "$r" "$c" alone; ft "$r" "$c" vmotion ;;
			*) die "unknown test $t" ;;
			esac
		done
	done
done
contender_on vmknet

targets=()
for p in randread-4k-qd32 qemu-bench-read-4k-qd1 qemu-bench-write-4k-qd1 qemu-bench-read-4k-qd32 \
	qemu-bench-write-4k-qd32; do
	targets+=(--target "$p/iops/linux>=1.5" --target "$p/cpu/linux<=0.67")
done
for p in convert-write convert-read nfs-cp-write nfs-cp-read; do
	targets+=(--target "$p/mibs/linux>=1.5" --target "$p/cpu/linux<=0.67")
done
for m in alone vmotion; do
	for s in ${FT_SIZES//,/ }; do targets+=(--target "ft-$m-${s}B/p99/linux<=0.5"); done
done
python3 bench/rounds.py "$CSV" --ref vmknet --json "$OUT_DIR/storage.json" \
	--no-ratio target_busy "${targets[@]}"
