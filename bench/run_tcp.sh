#!/usr/bin/env bash
# run_tcp.sh: vmknet TCP against Linux kernel TCP, side by side in one run
# (issue 5, point 5).
#
#   Linux    two network namespaces joined by a veth pair (198.18.0.1/24 and
#            198.18.0.2/24, veth MTU 1500 then 9000, offloads as the kernel
#            sets them); iperf3 for the stream (one stream), and
#            build/bin/linux-tcp-bench for rr and crr.
#   vmknet   build/bin/vmk-tcp-bench: one process, vmk0 (defaultTcpipStack)
#            and vmk1 (netstack "peer") on vSwitch0, every segment through
#            the switch; 2 MB hugepages like bench/run_l2fwd.sh, 512 MB of
#            them reserved at start (EAL -m).
#
# The same two cores for both: the receiving side on WORKER_CORE (1), the
# sending side on MAIN_CORE (0). Linux: iperf3 -s -A 1 / iperf3 -c -A 0,
# linux-tcp-bench server under taskset -c 1 and client under taskset -c 0
# (the kernel's softirq work runs on whichever of the two the packet's
# sender is on). vmknet: the worker lcore (switch and both netstacks) on 1,
# the benchmark's loop (both sockets) on 0.
#
#   stream   Gbit/s of payload received over SECONDS_PER_RUN, MTU 1500 and 9000
#   rr       1-byte request/response over one connection (MTU 1500),
#            RR_COUNT transactions: p50/p99/p99.9 latency in us, trans/s.
#            Linux blocks in recv (as netperf and ordinary services do);
#            "Linux spin" is the same client and server reading with
#            MSG_DONTWAIT in a loop, as vmk-tcp-bench does.
#   crr      connections/s over SECONDS_PER_RUN: connect, 1 byte each way,
#            the client closes first (MTU 1500). TIME-WAIT: Linux's client
#            namespace gets net.ipv4.tcp_tw_reuse=1 and ports 1024-65535;
#            vmknet's client netstack gets an MSL of 5 ms (TIME-WAIT 10 ms;
#            its 4,096 connection blocks and 16,384 ephemeral ports would
#            otherwise run out within a second).
#
# Output: a table on stdout (Linux, vmknet, vmknet/Linux, target),
# bench/out/tcp.csv, bench/out/tcp.png (gnuplot) and logs in bench/out/logs/.
# A contender that fails is reported as n/a with the reason.
#
# Environment:
#   SECONDS_PER_RUN  stream and crr window, seconds (default 10)
#   RR_COUNT         rr transactions measured (default 200000)
#   MTUS             stream MTUs (default "1500 9000")
#   NO_HUGE=1        run vmknet with --no-huge -m 1024 instead of hugepages
#   PERF=1           also record `perf record -a -e cpu-clock` during each
#                    vmknet run (report by symbol in bench/out/logs/perf-*.txt)
#   MAIN_CORE, WORKER_CORE   cores (default 0 and 1)
#   BUILD, OUT_DIR, KEEP_TMP as in run_l2fwd.sh
#
# Needs root (namespaces, hugepages). Every process it starts is stopped and
# the namespaces deleted on exit, error or signal; hugepage settings and
# mounts it changed are restored. Wrap it: flock /tmp/vmknet-dpdk.lock bash bench/run_tcp.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MACS=64
SKIP_OVS=1
HUGE_MB=${HUGE_MB:-768}
# shellcheck source=bench/run_l2fwd.sh
. "$ROOT/bench/run_l2fwd.sh"
log() { printf '[tcp] %s\n' "$*" >&2; }

RR_COUNT=${RR_COUNT:-200000}
MTUS=${MTUS:-"1500 9000"}
NO_HUGE=${NO_HUGE:-0}
PERF=${PERF:-0}
NSA=vmkt-a-$$
NSB=vmkt-b-$$
ADDR_A=198.18.0.1
ADDR_B=198.18.0.2
NS_UP=0

tcp_cleanup() {     # namespaces first, then run_l2fwd.sh's cleanup (exits)
	local rc=$?
	trap - EXIT INT TERM
	stop_tracked
	if [ "$NS_UP" = 1 ]; then
		ip netns del "$NSA" 2>/dev/null
		ip netns del "$NSB" 2>/dev/null
	fi
	(exit "$rc")
	cleanup
}
trap tcp_cleanup EXIT
trap 'log interrupted; exit 130' INT
trap 'log terminated; exit 143' TERM

# ---------------------------------------------------------------- Linux ---

ns_setup() {
	ip netns add "$NSA" && ip netns add "$NSB" || die "cannot create namespaces"
	NS_UP=1
	ip link add vmkt-a type veth peer name vmkt-b netns "$NSB" || die "veth"
	ip link set vmkt-a netns "$NSA" || die "veth"
	ip -n "$NSA" addr add "$ADDR_A/24" dev vmkt-a
	ip -n "$NSB" addr add "$ADDR_B/24" dev vmkt-b
	ip -n "$NSA" link set lo up; ip -n "$NSB" link set lo up
	ip -n "$NSA" link set vmkt-a up; ip -n "$NSB" link set vmkt-b up
	ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_tw_reuse=1 \
		net.ipv4.ip_local_port_range="1024 65535" || die "sysctl"
	ip netns exec "$NSA" ping -c 1 -W 2 "$ADDR_B" > /dev/null || die "veth pair does not pass pings"
}

ns_mtu() {
	ip -n "$NSA" link set vmkt-a mtu "$1" && ip -n "$NSB" link set vmkt-b mtu "$1"
}

in_a() { ip netns exec "$NSA" "$@"; }

server_start() {    # server_start LOG CMD...: in B on WORKER_CORE; sets SRV
	local logf=$1
	shift
	# ip netns exec and taskset exec the server: $! is the server itself.
	ip netns exec "$NSB" taskset -c "$WORKER_CORE" "$@" > "$logf" 2>&1 &
	SRV=$!
	PIDS+=("$SRV")
	sleep 0.5
}

server_stop() { stop_pid "$SRV" 5; untrack "$SRV"; }

linux_stream() {    # linux_stream MTU
	local mtu=$1 json=$OUT_DIR/logs/iperf3-$1.json
	ns_mtu "$mtu" || { RES=""; NOTE="cannot set veth MTU $mtu"; return 1; }
	server_start "$OUT_DIR/logs/iperf3-server-$mtu.log" iperf3 -s -1 -A "$WORKER_CORE" -B "$ADDR_B"
	in_a taskset -c "$MAIN_CORE" iperf3 -c "$ADDR_B" -t "$SECONDS_PER_RUN" -A "$MAIN_CORE" \
		-O 1 -J > "$json" 2>&1
	server_stop
	RES=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["end"]; print("%.3f" % (r["sum_received"]["bits_per_second"] / 1e9)); print("retransmits %d" % r["sum_sent"].get("retransmits", 0))' "$json" 2>/dev/null)
	[ -n "$RES" ] || { NOTE="iperf3 failed: $(tail -c 200 "$json" | tr '\n' ' ')"; return 1; }
	NOTE=$(sed -n 2p <<< "$RES"); RES=$(sed -n 1p <<< "$RES")
}

linux_bench() {     # linux_bench NAME MODE [--spin]: JSON of the client in $TMP/NAME.json
	local name=$1 mode=$2 extra=${3:-} out=$TMP/$1.json
	ns_mtu 1500
	# shellcheck disable=SC2086
	server_start "$OUT_DIR/logs/$name-server.log" "$BIN/linux-tcp-bench" --role server \
		--mode "$mode" --bind "$ADDR_B" $extra
	# shellcheck disable=SC2086
	in_a taskset -c "$MAIN_CORE" "$BIN/linux-tcp-bench" --role client --mode "$mode" \
		--connect "$ADDR_B" --count "$RR_COUNT" --seconds "$SECONDS_PER_RUN" $extra \
		> "$out" 2> "$OUT_DIR/logs/$name-client.log"
	server_stop
	cp "$out" "$OUT_DIR/logs/$name.json" 2>/dev/null
}

# --------------------------------------------------------------- vmknet ---

vmk_eal() {
	if [ "$NO_HUGE" = 1 ]; then
		echo "-l $MAIN_CORE,$WORKER_CORE --main-lcore $MAIN_CORE --no-pci --no-huge -m 1024" \
		     "--file-prefix vmkb-tcp-$$"
	else
		# -m: reserved at start and never given back. Without it EAL's
		# dynamic memory unmaps a hugepage when a closing connection frees
		# its socket buffers and maps it again for the next one (crr:
		# 3,000-20,000 instead of ~32,000 connections/s).
		echo "$(eal_common "vmkb-tcp-$$") -m 512"
	fi
}

vmk_bench() {       # vmk_bench NAME ARGS...: JSON in $TMP/NAME.json
	local name=$1 pid limit perfpid=""
	shift
	# shellcheck disable=SC2046
	"$BIN/vmk-tcp-bench" $(vmk_eal) --log-level='*:error' -- --lcore "$WORKER_CORE" "$@" \
		> "$TMP/$name.json" 2> "$OUT_DIR/logs/$name.log" &
	pid=$!
	PIDS+=("$pid")
	if [ "$PERF" = 1 ] && command -v perf > /dev/null; then
		sleep 2
		perf record -a -e cpu-clock -o "$TMP/$name.perf" -- sleep 3 > /dev/null 2>&1 &
		perfpid=$!
		PIDS+=("$perfpid")
	fi
	limit=$((${SECONDS_PER_RUN%.*} + 120))
	wait_exit "$pid" "$limit" || log "$name: no result after ${limit}s; stopping it"
	stop_pid "$pid" 10
	untrack "$pid"
	if [ -n "$perfpid" ]; then
		wait_exit "$perfpid" 10; stop_pid "$perfpid" 5; untrack "$perfpid"
		perf report -i "$TMP/$name.perf" --sort comm,dso,symbol --stdio 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -60 > "$OUT_DIR/logs/perf-$name.txt"
	fi
	cp "$TMP/$name.json" "$OUT_DIR/logs/$name.json" 2>/dev/null
}

# ---------------------------------------------------------------- results --

jget() {            # jget FILE KEY: a number from the last JSON line, or nothing
	python3 -c 'import json,sys
try:
    r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(r[sys.argv[2]])
except Exception: pass' "$1" "$2" 2>/dev/null
}

row() {             # row TEST MTU CONTENDER METRIC VALUE UNIT NOTE
	local st=ok note=${7//,/;}
	[ -n "$5" ] || st=n/a
	printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$st" "${note//$'\n'/ }" >> "$CSV"
	log "$1 mtu $2 $3 $4: ${5:-n/a} $6 ${7:+($7)}"
}

why() { tail -n 2 "$1" 2>/dev/null | tr '\n' ' '; }

run_stream() {      # run_stream MTU
	local mtu=$1 f=$TMP/vmk-stream-$1.json
	linux_stream "$mtu" || RES=""
	row stream "$mtu" linux gbps "$RES" Gbit/s "$NOTE"
	vmk_bench "vmk-stream-$mtu" --mode stream --mtu "$mtu" --seconds "$SECONDS_PER_RUN"
	row stream "$mtu" vmknet gbps "$(jget "$f" gbps)" Gbit/s \
		"$(python3 -c 'import json,sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print("retransmits %d timeouts %d worker busy %.0f%%" % (r["tcp_client"]["retrans"], r["tcp_client"]["timeouts"], 100 * r["worker_busy"]))' "$f" 2>/dev/null || why "$OUT_DIR/logs/vmk-stream-$mtu.log")"
}

run_rr() {
	local c f m
	linux_bench linux-rr rr
	linux_bench linux-spin-rr rr --spin
	vmk_bench vmk-rr --mode rr --count "$RR_COUNT"
	for c in linux linux-spin vmk; do
		f=$TMP/$c-rr.json
		for m in p50_us p99_us p999_us tps; do
			row rr 1500 "${c/vmk/vmknet}" "$m" "$(jget "$f" "$m")" \
				"$([ "$m" = tps ] && echo trans/s || echo us)" \
				"$([ -s "$f" ] || why "$OUT_DIR/logs/$c-rr$([ "$c" = vmk ] || echo -client).log")"
		done
	done
}

run_crr() {
	linux_bench linux-crr crr
	row crr 1500 linux cps "$(jget "$TMP/linux-crr.json" cps)" conn/s \
		"$([ -s "$TMP/linux-crr.json" ] || why "$OUT_DIR/logs/linux-crr-client.log")"
	vmk_bench vmk-crr --mode crr --seconds "$SECONDS_PER_RUN"
	row crr 1500 vmknet cps "$(jget "$TMP/vmk-crr.json" cps)" conn/s \
		"$([ -s "$TMP/vmk-crr.json" ] && echo "client MSL $(jget "$TMP/vmk-crr.json" msl_ms) ms" ||
		   why "$OUT_DIR/logs/vmk-crr.log")"
}

tcp_report() {      # table on stdout; .dat files for the plot
	python3 - "$CSV" "$OUT_DIR" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
out = sys.argv[2]
v = {(r["test"], r["mtu"], r["contender"], r["metric"]): float(r["value"])
     for r in rows if r["status"] == "ok" and r["value"]}
lines = [  # label, key, higher is better, target (vmknet/Linux)
    ("stream MTU 1500 (Gbit/s)", ("stream", "1500", "gbps"), True, ">= 1.5x"),
    ("stream MTU 9000 (Gbit/s)", ("stream", "9000", "gbps"), True, ">= 2x"),
    ("rr 1 byte p50 (us)", ("rr", "1500", "p50_us"), False, ""),
    ("rr 1 byte p99 (us)", ("rr", "1500", "p99_us"), False, "<= 0.5x"),
    ("rr 1 byte p99.9 (us)", ("rr", "1500", "p999_us"), False, ""),
    ("rr transactions/s", ("rr", "1500", "tps"), True, ""),
    ("crr connections/s", ("crr", "1500", "cps"), True, ""),
]
def f(x): return "n/a" if x is None else ("%.0f" % x if x >= 1000 else "%.2f" % x)
print("%-26s %12s %12s %12s %9s %8s" % ("", "Linux", "vmknet", "vmknet/Linux", "target", "met"))
for label, (t, mtu, m), hib, target in lines:
    lx, vx = v.get((t, mtu, "linux", m)), v.get((t, mtu, "vmknet", m))
    ratio = vx / lx if lx and vx is not None else None
    met = ""
    if target and ratio is not None:
        goal = float(target.split()[1].rstrip("x"))
        met = "yes" if (ratio >= goal if hib else ratio <= goal) else "NO"
    print("%-26s %12s %12s %12s %9s %8s" % (label, f(lx), f(vx),
          "n/a" if ratio is None else "%.2fx" % ratio, target, met))
    if t == "rr" and (t, mtu, "linux-spin", m) in v:
        s = v[(t, mtu, "linux-spin", m)]
        print("%-26s %12s %12s %12s" % ("  (Linux spinning)", f(s), f(vx),
              "n/a" if not vx else "%.2fx" % (vx / s)))
with open(out + "/tcp-stream.dat", "w") as d:
    d.write("# mtu linux vmknet (Gbit/s)\n")
    for mtu in ("1500", "9000"):
        d.write("%s %s %s\n" % (mtu, *("%.3f" % v[("stream", mtu, c, "gbps")]
                if ("stream", mtu, c, "gbps") in v else "NaN" for c in ("linux", "vmknet"))))
with open(out + "/tcp-rr.dat", "w") as d:
    d.write("# percentile linux linux-spin vmknet (us)\n")
    for m, lab in (("p50_us", "p50"), ("p99_us", "p99"), ("p999_us", "p99.9")):
        d.write("%s %s\n" % (lab, " ".join("%.2f" % v[("rr", "1500", c, m)]
                if ("rr", "1500", c, m) in v else "NaN" for c in ("linux", "linux-spin", "vmknet"))))
with open(out + "/tcp-crr.dat", "w") as d:
    d.write("# what linux vmknet (connections/s)\n")
    d.write("crr %s\n" % " ".join("%.1f" % v[("crr", "1500", c, "cps")]
            if ("crr", "1500", c, "cps") in v else "NaN" for c in ("linux", "vmknet")))
print()
for r in rows:
    if r["note"]:
        print("  %-6s %4s %-10s %-7s %s: %s" % (r["test"], r["mtu"], r["contender"],
              r["metric"], r["status"], r["note"]))
EOF
}

tcp_plot() {
	command -v gnuplot > /dev/null || { log "gnuplot not installed; no PNG"; return; }
	gnuplot 2> "$OUT_DIR/logs/gnuplot-tcp.log" <<EOF && PNG_OK=1 || log "gnuplot failed; no PNG"
set terminal pngcairo size 1200,450 noenhanced
set output "$OUT_DIR/tcp.png"
set multiplot layout 1,3 title "vmknet TCP (vmk0 -> vSwitch0 -> vmk1, one process) vs Linux TCP (veth, two namespaces); 2 cores ($(date -u +%Y-%m-%d))"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set datafile missing "NaN"
set key top left
set title "single-stream throughput"
set ylabel "Gbit/s"
plot "$OUT_DIR/tcp-stream.dat" using 2:xtic(sprintf("MTU %d", \$1)) title "Linux (iperf3)" lc rgb "#808080", \
     "" using 3 title "vmknet" lc rgb "#1f77b4"
set title "1-byte request/response latency (MTU 1500)"
set ylabel "microseconds"
set logscale y
set yrange [0.5:*]
plot "$OUT_DIR/tcp-rr.dat" using 2:xtic(1) title "Linux (blocking)" lc rgb "#808080", \
     "" using 3 title "Linux (spinning)" lc rgb "#c0c0c0", \
     "" using 4 title "vmknet" lc rgb "#1f77b4"
unset logscale y
set yrange [0:*]
set title "connections (1 byte each way)"
set ylabel "connections/s"
plot "$OUT_DIR/tcp-crr.dat" using 2:xtic(1) title "Linux" lc rgb "#808080", \
     "" using 3 title "vmknet" lc rgb "#1f77b4"
unset multiplot
EOF
}

tcp_check() {
	[ "$(id -u)" -eq 0 ] || die "run as root (namespaces, hugepages)"
	is_secs "$SECONDS_PER_RUN" || die "SECONDS_PER_RUN must be a number of seconds"
	is_uint "$RR_COUNT" && [ "$RR_COUNT" -ge 100 ] || die "RR_COUNT must be >= 100"
	[ "$MAIN_CORE" != "$WORKER_CORE" ] || die "MAIN_CORE and WORKER_CORE must differ"
	for b in vmk-tcp-bench linux-tcp-bench; do
		[ -x "$BIN/$b" ] || die "$BIN/$b missing: run 'make' first"
	done
	command -v iperf3 > /dev/null || die "iperf3 missing (apt-get install iperf3)"
	command -v python3 > /dev/null || die "python3 missing"
}

tcp_main() {
	local mtu
	tcp_check
	take_lock
	TMP=$(mktemp -d /tmp/vmkb.XXXXXX)
	mkdir -p "$OUT_DIR/logs"
	OUT_DIR=$(cd "$OUT_DIR" && pwd)
	rm -f "$OUT_DIR"/logs/{iperf3,linux-,vmk-,perf-vmk-}* "$OUT_DIR/tcp.png" "$OUT_DIR"/tcp-*.dat
	CSV=$OUT_DIR/tcp.csv
	echo "test,mtu,contender,metric,value,unit,status,note" > "$CSV"
	[ "$NO_HUGE" = 1 ] || setup_hugepages
	ns_setup
	log "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
	    "sender/application core $MAIN_CORE, receiver/worker core $WORKER_CORE;" \
	    "${SECONDS_PER_RUN}s per run, $RR_COUNT rr transactions;" \
	    "vmknet memory: $([ "$NO_HUGE" = 1 ] && echo '--no-huge' || echo '2 MB hugepages');" \
	    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
	for mtu in $MTUS; do run_stream "$mtu"; done
	run_rr
	run_crr
	echo
	echo "TCP, $(nproc) cores (sender/application on $MAIN_CORE, receiver/worker on $WORKER_CORE)," \
	     "${SECONDS_PER_RUN}s per run, $RR_COUNT rr transactions ($(date -u +%Y-%m-%dT%H:%MZ)," \
	     "load average $(cut -d' ' -f1-3 /proc/loadavg))"
	tcp_report
	tcp_plot
	log "wrote $CSV${PNG_OK:+ and $OUT_DIR/tcp.png}"
}

tcp_main "$@"
