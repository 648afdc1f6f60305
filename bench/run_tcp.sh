#!/usr/bin/env bash
# run_tcp.sh: vmknet TCP against Linux kernel TCP, side by side in alternating
# rounds (issue 5, point 5; issue 20).
#
#   Linux    two network namespaces joined by a veth pair (198.18.0.1/24 and
#            198.18.0.2/24, veth MTU 1500 then 9000, offloads as the kernel
#            sets them); build/bin/linux-tcp-bench for stream, rr and crr.
#   vmknet   build/bin/vmk-tcp-bench: one process, vmk0 (defaultTcpipStack)
#            and vmk1 (netstack "peer") on vSwitch0, every segment through
#            the switch; 2 MB hugepages like bench/run_l2fwd.sh, 512 MB of
#            them reserved at start (EAL -m).
#
# The same two cores for both: the receiving side on WORKER_CORE (1), the
# sending side on MAIN_CORE (0). Linux: linux-tcp-bench's server under
# taskset -c 1 and its client under taskset -c 0 (the kernel's softirq work
# runs on whichever of the two the packet's sender is on). vmknet: the
# worker lcore (switch and both netstacks) on 1, the benchmark's loop (both
# sockets: it sends, receives and checks) on 0.
#
#   stream   Gbit/s of payload received over SECONDS_PER_RUN after 1 s, MTU
#            1500 and 9000. Both senders write bench/tcp_pattern.h's
#            offset-dependent pattern and both receivers check every byte
#            (VERIFY=full; sample: one 8-byte word in 4 KiB); a wrong byte
#            fails the run. ZERO_COPY=1 adds vmknet's mbuf calls
#            (vmknet-zc: the sender writes the pattern into the mbufs, the
#            receiver checks the chains it takes out).
#   rr       1-byte request/response over one connection (MTU 1500),
#            RR_COUNT transactions: p50/p99/p99.9 latency in us, trans/s;
#            every response is compared with its request. Linux blocks in
#            recv (as netperf and ordinary services do); "linux-spin" is the
#            same client and server reading with MSG_DONTWAIT in a loop, as
#            vmk-tcp-bench does.
#   crr      connections/s over SECONDS_PER_RUN: connect, 1 byte each way,
#            the client closes first (MTU 1500). TIME-WAIT: Linux's client
#            namespace gets net.ipv4.tcp_tw_reuse=1 and ports 1024-65535;
#            vmknet's client netstack gets an MSL of 5 ms (TIME-WAIT 10 ms;
#            its 4,096 connection blocks and 16,384 ephemeral ports would
#            otherwise run out within a second).
#
# ROUNDS rounds; in each, every contender runs every test, in turns (the
# order reversed every other round), so load from elsewhere falls on both.
# bench/rounds.py prints each contender's median, min and max and
# vmknet's ratio to Linux per round. A run that fails (non-zero exit, no
# result, a payload mismatch, fewer bytes checked than counted) is printed
# with its reason and makes the script exit 1.
#
# Output: that summary on stdout, bench/out/tcp.csv (one row per run and
# metric), bench/out/tcp.json (the summary), bench/out/tcp.png (gnuplot:
# medians with min-max bars) and logs in bench/out/logs/.
#
# Environment:
#   ROUNDS           rounds (default 5)
#   SECONDS_PER_RUN  stream and crr window, seconds (default 5)
#   RR_COUNT         rr transactions measured (default 100000)
#   MTUS             stream MTUs (default "1500 9000")
#   TESTS            any of "stream rr crr" (default all three)
#   VERIFY           stream check: full (default) or sample
#   ZERO_COPY=1      also vmknet's zero-copy stream
#   CORRUPT_AT=N     test knob: both receivers flip stream byte N before the
#                    check (every stream run must then fail)
#   NO_HUGE=1        run vmknet with --no-huge -m 1024 instead of hugepages
#   PERF=1           also record `perf record -a -e cpu-clock` during each
#                    vmknet run (report by symbol in bench/out/logs/perf-*.txt)
#   BASELINE         build directory of another vmknet checkout (e.g. the
#                    commit before a change): its bin/vmk-tcp-bench runs every
#                    vmknet test as the contender "baseline", side by side
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
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
# shellcheck source=bench/run_l2fwd.sh
. "$ROOT/bench/run_l2fwd.sh"
log() { printf '[tcp] %s\n' "$*" >&2; }

ROUNDS=${ROUNDS:-5}
RR_COUNT=${RR_COUNT:-100000}
MTUS=${MTUS:-"1500 9000"}
TESTS=${TESTS:-"stream rr crr"}
VERIFY=${VERIFY:-full}
ZERO_COPY=${ZERO_COPY:-0}
CORRUPT_AT=${CORRUPT_AT:-}
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

stream_args() {     # what both stream programs are told to check
	echo "--verify $VERIFY${CORRUPT_AT:+ --corrupt-at $CORRUPT_AT}"
}

# linux_run NAME MODE MTU [ARGS...]: server in B on WORKER_CORE, client in A
# on MAIN_CORE; the result's JSON (the server's for stream, the client's
# otherwise) in $TMP/NAME.json. RC: 0, or non-zero with why in NOTE.
linux_run() {
	local name=$1 mode=$2 mtu=$3 srv cli res
	shift 3
	NOTE=""
	ns_mtu "$mtu" || { RC=1; NOTE="cannot set veth MTU $mtu"; return; }
	srv=$OUT_DIR/logs/$name-server; cli=$OUT_DIR/logs/$name-client
	ip netns exec "$NSB" taskset -c "$WORKER_CORE" "$BIN/linux-tcp-bench" --role server \
		--mode "$mode" --bind "$ADDR_B" --seconds "$SECONDS_PER_RUN" "$@" \
		> "$srv.json" 2> "$srv.log" &
	SRV=$!
	PIDS+=("$SRV")
	sleep 0.5
	run_rc $((${SECONDS_PER_RUN%.*} + 120)) "$cli.json" "$cli.log" \
		ip netns exec "$NSA" taskset -c "$MAIN_CORE" "$BIN/linux-tcp-bench" --role client \
		--mode "$mode" --connect "$ADDR_B" --count "$RR_COUNT" --seconds "$SECONDS_PER_RUN" "$@"
	res=$cli
	if [ "$mode" = stream ] || [ "$mode" = udp ]; then  # the server reports, and exits, after the client stopped
		res=$srv
		if wait_exit "$SRV" 30; then wait "$SRV"; RC=$((RC | $?)); else RC=124; fi
		[ "$RC" = 0 ] || NOTE="$(why "$srv.log") $(why "$cli.log")"
	else
		[ "$RC" = 0 ] || NOTE=$(why "$cli.log")
	fi
	stop_pid "$SRV" 5; untrack "$SRV"
	cp "$res.json" "$TMP/$name.json"
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

vmk_run() {         # vmk_run NAME ARGS...: JSON in $TMP/NAME.json; RC, NOTE
	local name=$1 perfpid=""
	shift
	NOTE=""
	if [ "$PERF" = 1 ] && command -v perf > /dev/null; then
		(sleep 2; perf record -a -e cpu-clock -o "$TMP/$name.perf" -- sleep 3) > /dev/null 2>&1 &
		perfpid=$!
		PIDS+=("$perfpid")
	fi
	# shellcheck disable=SC2046
	run_rc $((${SECONDS_PER_RUN%.*} + 120)) "$TMP/$name.json" "$OUT_DIR/logs/$name.log" \
		"${VMK_BIN:-$BIN}/vmk-tcp-bench" $(vmk_eal) --log-level='*:error' -- --lcore "$WORKER_CORE" "$@"
	[ "$RC" = 0 ] || NOTE=$(why "$OUT_DIR/logs/$name.log")
	if [ -n "$perfpid" ]; then
		wait_exit "$perfpid" 10; stop_pid "$perfpid" 5; untrack "$perfpid"
		perf report -i "$TMP/$name.perf" --sort comm,dso,symbol --stdio 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -60 > "$OUT_DIR/logs/perf-$name.txt"
	fi
	cp "$TMP/$name.json" "$OUT_DIR/logs/$name.json" 2>/dev/null
}

# ---------------------------------------------------------------- results --

why() { tail -n 2 "$1" 2>/dev/null | tr '\n' ' '; }

# record POINT ROUND CONTENDER JSON METRIC:UNIT...: one row per metric, from
# the last JSON line; a run with RC != 0 or a missing value is "failed".
record() {
	local point=$1 round=$2 who=$3 json=$4 mu m u v st note
	shift 4
	for mu in "$@"; do
		m=${mu%%:*}; u=${mu#*:}
		v=$(python3 -c 'import json,sys
try:
    r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(r[sys.argv[2]])
except Exception: pass' "$json" "$m" 2>/dev/null)
		st=ok; note=$NOTE
		if [ "$RC" != 0 ] || [ -z "$v" ]; then
			st=failed; v=""; note="exit $RC: ${NOTE:-no result}"
		fi
		rounds_row "$CSV" "$point" "$m" "$round" "$who" "$v" "$u" "$st" "$note"
		log "round $round $point $who $m: ${v:-FAILED} $u${note:+ ($note)}"
	done
}

# stream_verdict JSON: RC 1 and NOTE when the receiver did not check every
# byte it counted; else NOTE says what was checked (and vmknet's counters).
stream_verdict() {
	local out
	out=$(python3 - "$1" "$VERIFY" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
counted = r["bytes"] + r.get("warmup_bytes", 0)
if r.get("verify") != sys.argv[2] or r["verified_bytes"] < counted:
    print("FAIL verify %s: %d bytes verified of %d counted" % (
          r.get("verify"), r.get("verified_bytes", 0), counted))
    sys.exit()
note = "verify %s: %d bytes, %d compared" % (r["verify"], r["verified_bytes"], r["checked_bytes"])
if "tcp_client" in r:
    note += "; retransmits %d timeouts %d worker busy %.0f%%" % (
        r["tcp_client"]["retrans"], r["tcp_client"]["timeouts"], 100 * r["worker_busy"])
print(note)
PY
)
	case $out in
	"") RC=1; NOTE="no stream result${NOTE:+: $NOTE}" ;;
	FAIL*) RC=1; NOTE=${out#FAIL } ;;
	*) NOTE=$out ;;
	esac
}

stream_one() {      # stream_one ROUND MTU CONTENDER
	local r=$1 mtu=$2 who=$3 name=$3-stream-$2-r$1
	# shellcheck disable=SC2046
	case $who in
	linux) linux_run "$name" stream "$mtu" $(stream_args) ;;
	vmknet) vmk_run "$name" --mode stream --mtu "$mtu" --seconds "$SECONDS_PER_RUN" $(stream_args) ;;
	baseline) VMK_BIN=$BASELINE/bin vmk_run "$name" --mode stream --mtu "$mtu" \
		--seconds "$SECONDS_PER_RUN" $(stream_args) ;;
	vmknet-zc) vmk_run "$name" --mode stream --mtu "$mtu" --seconds "$SECONDS_PER_RUN" \
		--zero-copy $(stream_args) ;;
	esac
	[ "$RC" = 0 ] && stream_verdict "$TMP/$name.json"
	record "stream $mtu" "$r" "$who" "$TMP/$name.json" gbps:Gbit/s
}

rr_one() {          # rr_one ROUND CONTENDER
	local r=$1 who=$2 name=$2-rr-r$1
	case $who in
	linux) linux_run "$name" rr 1500 ;;
	linux-spin) linux_run "$name" rr 1500 --spin ;;
	vmknet) vmk_run "$name" --mode rr --count "$RR_COUNT" ;;
	baseline) VMK_BIN=$BASELINE/bin vmk_run "$name" --mode rr --count "$RR_COUNT" ;;
	esac
	record rr "$r" "$who" "$TMP/$name.json" p50_us:us p99_us:us p999_us:us tps:trans/s
}

crr_one() {         # crr_one ROUND CONTENDER
	local r=$1 who=$2 name=$2-crr-r$1
	case $who in
	linux) linux_run "$name" crr 1500 ;;
	vmknet) vmk_run "$name" --mode crr --seconds "$SECONDS_PER_RUN"
		[ "$RC" = 0 ] && NOTE="client MSL 5 ms" ;;
	baseline) VMK_BIN=$BASELINE/bin vmk_run "$name" --mode crr --seconds "$SECONDS_PER_RUN"
		[ "$RC" = 0 ] && NOTE="client MSL 5 ms" ;;
	esac
	record crr "$r" "$who" "$TMP/$name.json" cps:conn/s
}

tcp_plot() {        # medians with min-max bars, from bench/out/tcp.json
	command -v gnuplot > /dev/null || { log "gnuplot not installed; no PNG"; return; }
	python3 - "$OUT_DIR/tcp.json" "$OUT_DIR" <<'PY' || { log "no summary to plot"; return; }
import json, sys
s = {(e["point"], e["metric"]): e["contenders"] for e in json.load(open(sys.argv[1]))}
def cols(key, who):
    c = s.get(key, {}).get(who)
    if not c or c["median"] is None:
        return "NaN NaN NaN"
    return "%.3f %.3f %.3f" % (c["median"], c["min"], c["max"])
out = sys.argv[2]
with open(out + "/tcp-stream.dat", "w") as d:
    d.write("# mtu linux(med min max) vmknet(med min max) Gbit/s\n")
    for mtu in ("1500", "9000"):
        d.write("%s %s %s\n" % (mtu, cols(("stream " + mtu, "gbps"), "linux"),
                               cols(("stream " + mtu, "gbps"), "vmknet")))
with open(out + "/tcp-rr.dat", "w") as d:
    d.write("# percentile linux linux-spin vmknet (med min max, us)\n")
    for m, lab in (("p50_us", "p50"), ("p99_us", "p99"), ("p999_us", "p99.9")):
        d.write("%s %s\n" % (lab, " ".join(cols(("rr", m), c)
                                          for c in ("linux", "linux-spin", "vmknet"))))
with open(out + "/tcp-crr.dat", "w") as d:
    d.write("# what linux vmknet (med min max, connections/s)\n")
    d.write("crr %s %s\n" % (cols(("crr", "cps"), "linux"), cols(("crr", "cps"), "vmknet")))
PY
	gnuplot 2> "$OUT_DIR/logs/gnuplot-tcp.log" <<GP && PNG_OK=1 || log "gnuplot failed; no PNG"
set terminal pngcairo size 1200,450 noenhanced
set output "$OUT_DIR/tcp.png"
set multiplot layout 1,3 title "vmknet TCP (vmk0 -> vSwitch0 -> vmk1) vs Linux TCP (veth), 2 cores: medians of $ROUNDS rounds, bars min-max ($(date -u +%Y-%m-%d))"
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set datafile missing "NaN"
set key top left
set title "single-stream throughput (every byte checked)"
set ylabel "Gbit/s"
plot "$OUT_DIR/tcp-stream.dat" using 2:3:4:xtic(sprintf("MTU %d", \$1)) title "Linux" lc rgb "#808080", \
     "" using 5:6:7 title "vmknet" lc rgb "#1f77b4"
set title "1-byte request/response latency (MTU 1500)"
set ylabel "microseconds"
set logscale y
set yrange [0.5:*]
plot "$OUT_DIR/tcp-rr.dat" using 2:3:4:xtic(1) title "Linux (blocking)" lc rgb "#808080", \
     "" using 5:6:7 title "Linux (spinning)" lc rgb "#c0c0c0", \
     "" using 8:9:10 title "vmknet" lc rgb "#1f77b4"
unset logscale y
set yrange [0:*]
set title "connections (1 byte each way)"
set ylabel "connections/s"
plot "$OUT_DIR/tcp-crr.dat" using 2:3:4:xtic(1) title "Linux" lc rgb "#808080", \
     "" using 5:6:7 title "vmknet" lc rgb "#1f77b4"
unset multiplot
GP
}

tcp_check() {
	[ "$(id -u)" -eq 0 ] || die "run as root (namespaces, hugepages)"
	is_secs "$SECONDS_PER_RUN" || die "SECONDS_PER_RUN must be a number of seconds"
	is_uint "$ROUNDS" && [ "$ROUNDS" -ge 1 ] || die "ROUNDS must be >= 1"
	is_uint "$RR_COUNT" && [ "$RR_COUNT" -ge 100 ] || die "RR_COUNT must be >= 100"
	[ "$MAIN_CORE" != "$WORKER_CORE" ] || die "MAIN_CORE and WORKER_CORE must differ"
	case $VERIFY in full|sample) ;; *) die "VERIFY must be full or sample" ;; esac
	[ -z "$CORRUPT_AT" ] || is_uint "$CORRUPT_AT" || die "CORRUPT_AT must be a byte offset"
	for b in vmk-tcp-bench linux-tcp-bench; do
		[ -x "$BIN/$b" ] || die "$BIN/$b missing: run 'make' first"
	done
	if [ -n "$BASELINE" ] && [ ! -x "$BASELINE/bin/vmk-tcp-bench" ]; then
		die "BASELINE=$BASELINE has no bin/vmk-tcp-bench (build that checkout first)"
	fi
	command -v python3 > /dev/null || die "python3 missing"
}

tcp_main() {
	local mtu r who t rc load0 streams="linux vmknet" base=""
	tcp_check
	take_lock
	TMP=$(mktemp -d /tmp/vmkb.XXXXXX)
	mkdir -p "$OUT_DIR/logs"
	OUT_DIR=$(cd "$OUT_DIR" && pwd)
	rm -f "$OUT_DIR"/logs/{iperf3,linux-,vmk-,vmknet-,perf-vmk}* "$OUT_DIR/tcp.png" "$OUT_DIR"/tcp-*.dat
	CSV=$OUT_DIR/tcp.csv
	echo "point,metric,round,contender,value,unit,status,note" > "$CSV"
	[ "$ZERO_COPY" = 1 ] && streams+=" vmknet-zc"
	[ -n "$BASELINE" ] && { streams+=" baseline"; base=baseline; }
	[ "$NO_HUGE" = 1 ] || setup_hugepages
	ns_setup
	load0=$(load_now)
	log "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
	    "sender/application core $MAIN_CORE, receiver/worker core $WORKER_CORE;" \
	    "$ROUNDS rounds, ${SECONDS_PER_RUN}s per run, $RR_COUNT rr transactions, verify $VERIFY;" \
	    "vmknet memory: $([ "$NO_HUGE" = 1 ] && echo '--no-huge' || echo '2 MB hugepages');" \
	    "load average $load0"
	for r in $(seq 1 "$ROUNDS"); do
		for t in $TESTS; do
			# shellcheck disable=SC2086 # the contender lists are word lists
			case $t in
			stream) for mtu in $MTUS; do
					for who in $(round_order "$r" $streams); do stream_one "$r" "$mtu" "$who"; done
				done ;;
			rr) for who in $(round_order "$r" linux linux-spin vmknet $base); do rr_one "$r" "$who"; done ;;
			crr) for who in $(round_order "$r" linux vmknet $base); do crr_one "$r" "$who"; done ;;
			*) die "bad test '$t' (stream, rr, crr)" ;;
			esac
		done
	done
	echo
	echo "TCP, $(nproc) cores (sender/application on $MAIN_CORE, receiver/worker on $WORKER_CORE)," \
	     "$ROUNDS rounds, ${SECONDS_PER_RUN}s per run, $RR_COUNT rr transactions, verify $VERIFY" \
	     "($(date -u +%Y-%m-%dT%H:%MZ); load average $load0 at the start, $(load_now) at the end)"
	echo
	python3 "$ROOT/bench/rounds.py" "$CSV" --ref vmknet --ref vmknet-zc --json "$OUT_DIR/tcp.json" \
		--target "stream 1500/gbps/linux>=1.5" --target "stream 9000/gbps/linux>=2" \
		--target "rr/p99_us/linux<=0.5"
	rc=$?
	tcp_plot
	log "wrote $CSV${PNG_OK:+ and $OUT_DIR/tcp.png}"
	[ "$rc" = 0 ] || die "some runs failed (listed above)"
}

# Run when executed; only define when sourced (bench/run_firewall.sh reuses the helpers).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then tcp_main "$@"; fi
