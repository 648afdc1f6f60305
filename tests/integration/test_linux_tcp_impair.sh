#!/usr/bin/env bash
# Objective: prove vmknet's TCP against Linux's over an impaired link (issue
# 5: bulk transfers under netem-style 1% loss, 5% loss, 20 ms delay with
# reordering, and duplication). vmknet runs as build/bin/vmkbulk (vmk0
# 192.0.2.1/24, MTU 1500, uplink net_af_packet on a veth end in namespace
# $nsv); Linux is 192.0.2.2/24 in namespace $nsl; between them a middle
# namespace $nsm holds the other ends of both veth pairs and the impairment:
#
#   $nsv: vmkbulk --- $ifv <-> $ifa --[impairment]-- $ifb <-> $ifl :$nsl Linux
#
# The impairment is tc netem where the kernel has it (a bridge joins $ifa
# and $ifb, netem on both egresses); this kernel and CI's have no netem
# (CONFIG_NET_SCH_NETEM is off), so it is tests/support/vmk-impair.c: a
# user-space bridge on two AF_PACKET sockets with netem's loss, duplicate
# and delay/jitter (uniform, frames released in time order, so they
# reorder), seeded, counting what it did. impair_method() picks one and
# says which. Offloads are off on every veth end: frames stay <= MTU and
# carry real checksums.
#
# Cases, each a transfer each way (vmknet -> Linux: vmkbulk --send, socat
# writing a file; Linux -> vmknet: socat sending, vmkbulk --recv), SHA-256
# of what arrived equal to what was sent:
#   loss1    --loss 1        the data direction lost frames; the sender
#   loss5    --loss 5        retransmitted (vmkbulk's "retrans", Linux's
#                            TcpRetransSegs)
#   reorder  --delay-ms 20 --jitter-ms 5  (RTT 40 ms) frames of the data
#                            direction overtook others; Linux queued data
#                            out of order (TcpExtTCPOFOQueue) when receiving
#   dup      --duplicate 5   frames were duplicated; Linux received data
#                            twice and said so with a D-SACK
#                            (TcpExtTCPDSACKOldSent) when receiving
# With vmk-impair also: no frame over the MTU (oversize 0) and no send
# error on the bridge. netem counts only its drops; there the reorder and
# duplicate cases rest on Linux's counters alone.
#
# Sizes. The issue asks for at least 256 MiB; the whole test must stay
# within about 4-5 minutes of `make test`. 256 MiB every transfer,
# 2.5-2.8 minutes here (2 shared cores, three runs; seconds per transfer,
# vmknet -> Linux / Linux -> vmknet, with vmknet's TCP counters):
#   loss1    5.9-10.6 s (0-3 RTOs)    5.0-9.7 s
#   loss5    73-80 s (137-160 RTOs)   6.1-7.1 s
#   reorder  5.3-5.5 s (no RTO)       29-51 s (987-6,445 out-of-order drops)
#   dup      2.9-3.7 s                2.3-3.3 s
# Before the loss-recovery work (limited transmit, early retransmit, tail
# loss probes, lost retransmissions found again, timestamp undo of
# spurious recoveries, RFC 6675's duplicate ACK, PAWS taking disordered
# duplicate ACKs, 64 out-of-order ranges instead of 8) three transfers
# were too slow for 256 MiB and ran smaller: sending under 5% loss 16 MiB
# in 24-39 s (153 RTOs; 256 MiB ~10 min), sending under reordering 8 MiB
# in 36-40 s (256 MiB ~18 min), receiving under reordering 64 MiB in
# 37-41 s (7,708 out-of-order drops; 256 MiB ~3 min); loss1 sending took
# 21-29 s (109 RTOs). Sending under 5% loss is still the slowest: a tail
# loss probe or a retransmission after an RTO lost again (or its ACK)
# still waits for the 200 ms RTO.
# Linux's congestion control is pinned to reno (below): the numbers above
# and the issue's "22x" had Linux on this machine's default, bbr, which
# does not back off on random loss. With reno on both sides, 64 MiB
# through 5% loss (both ways): vmknet sending 23.7 s (43 RTOs, 444 loss
# probes), Linux sending 8.3 s (23 RTOs, 49 loss probes): 2.9x, not 22x.
# Linux's RTOs and loss probes are in the summary beside vmknet's.
# IMPAIR_MIB=N makes every transfer N MiB; IMPAIR_CASES selects cases
# (default "loss1 loss5 reorder dup"), IMPAIR_DIRS directions (default
# "send recv"); IMPAIR_PCAP=DIR keeps a capture (headers) of $ifa per
# transfer there. Every transfer is bounded: vmkbulk and socat are
# killed after IMPAIR_TIMEOUT s (default 240; with IMPAIR_MIB, 240 + 8 s
# per MiB), and vmkbulk gives up after 60 s without progress, so a
# stalled connection fails the test instead of hanging it.
# Needs root, iproute2, ethtool, socat. The DPDK runs are sequential; on a
# shared machine run the whole test under `flock /tmp/vmknet-dpdk.lock`.
# The namespaces, processes and files are removed on any exit.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
BULK=$BUILD/bin/vmkbulk
IMPAIR=$BUILD/tests/support/vmk-impair
MIB=${IMPAIR_MIB:-}
CASES=${IMPAIR_CASES:-loss1 loss5 reorder dup}
LINUX_CC=${IMPAIR_LINUX_CC:-reno}
LIMIT=${IMPAIR_TIMEOUT:-$([ -n "$MIB" ] && echo $((240 + 8 * MIB)) || echo 240)}
nsv=vmkimpv$$
nsm=vmkimpm$$
nsl=vmkimpl$$
ifv=vim$$v
ifa=vim$$a
ifb=vim$$b
ifl=vim$$l
tmp=$(mktemp -d /tmp/vmk-linux-tcp-impair.XXXXXX)
bg_pids=()
runs=0
failed=0
method=

cleanup() {
	for p in "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	ip netns del "$nsv" 2>/dev/null
	ip netns del "$nsm" 2>/dev/null
	ip netns del "$nsl" 2>/dev/null
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integration/lib/need.sh
need_root "network namespaces, af_packet"
need ip socat ethtool tc sha256sum
[ -x "$BULK" ] || { echo "FAIL: $BULK not built"; exit 1; }
[ -x "$IMPAIR" ] || { echo "FAIL: $IMPAIR not built"; exit 1; }
[[ "$MIB" =~ ^([1-9][0-9]*)?$ ]] || { echo "FAIL: IMPAIR_MIB=$MIB is not a size in MiB"; exit 1; }
[[ "$LIMIT" =~ ^[1-9][0-9]*$ ]] || { echo "FAIL: IMPAIR_TIMEOUT=$LIMIT is not seconds"; exit 1; }

# case_opts CASE: the impairment (vmk-impair's options; netem's the same).
case_opts() {
	case $1 in
	loss1) echo --loss 1 ;;
	loss5) echo --loss 5 ;;
	reorder) echo --delay-ms 20 --jitter-ms 5 ;;
	dup) echo --duplicate 5 ;;
	esac
}

# case_mib CASE: MiB sent vmknet -> Linux and Linux -> vmknet (IMPAIR_MIB
# for both when set; 256 MiB each by default, see the header).
case_mib() {
	if [ -n "$MIB" ]; then echo "$MIB $MIB"; return; fi
	echo 256 256
}

lx() { ip netns exec "$nsl" "$@"; }
mid() { ip netns exec "$nsm" "$@"; }
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# json_get FILE KEY [SECTION]: a number from a one-line JSON object (within
# "SECTION":{...} when given).
json_get() {
	local s
	s=$(cat "$1")
	[ $# -gt 2 ] && s=$(sed -n "s/.*\"$3\":{\([^}]*\)}.*/\1/p" <<<"$s")
	sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$s"
}

# lx_tcp NAME...: Linux's counters (nstat names: Tcp* from /proc/net/snmp,
# TcpExt* from /proc/net/netstat) in Linux's namespace, one per line.
lx_tcp() {
	lx cat /proc/net/snmp /proc/net/netstat | awk -v want="$*" '
		{ p = $1; sub(/:$/, "", p)
		  if (!(p in hdr)) { hdr[p] = $0; next }
		  split(hdr[p], names); delete hdr[p]
		  for (i = 2; i <= NF; i++) v[p names[i]] = $i }
		END { n = split(want, w, " "); for (i = 1; i <= n; i++) print (w[i] in v) ? v[w[i]] : 0 }'
}

# vmk_cmd ARGS...: VMK=(vmkbulk in vmknet's namespace with the test's EAL
# rules: 2 lcores, no PCI, no hugepages, its own file prefix; killed after
# $LIMIT s, giving up after 60 s without progress).
vmk_cmd() {
	runs=$((runs + 1))
	VMK=(ip netns exec "$nsv" timeout -k 5 "$LIMIT" "$BULK" -l 0-1 --no-pci --no-huge
	     --no-shconf -m 512 --file-prefix "vmk-impair-$$-$runs" --log-level='*:warning'
	     -- --uplink "net_af_packet0,iface=$ifv" --ip 192.0.2.1/24 --timeout 60 "$@")
}

# impair_method: netem when this kernel has it (a bridge in $nsm joins
# $ifa and $ifb, netem on both egresses), else vmk-impair. Sets $method.
impair_method() {
	if mid tc qdisc add dev "$ifa" root netem delay 1ms 2>/dev/null; then
		mid tc qdisc del dev "$ifa" root
		mid ip link add br0 type bridge &&
			mid ip link set "$ifa" master br0 &&
			mid ip link set "$ifb" master br0 &&
			mid ip link set br0 up || return 1
		method=netem
		echo "== impairment: tc netem (the kernel has sch_netem)"
	else
		method=vmk-impair
		echo "== impairment: $IMPAIR (no tc netem in this kernel)"
	fi
}

# impair_start NAME OPTS...: impair both directions with vmk-impair's OPTS
# (--loss P, --duplicate P, --delay-ms N --jitter-ms N).
impair_start() {
	local name=$1 a=() delay='' jitter=''
	shift
	if [ "$method" = netem ]; then
		while [ $# -gt 0 ]; do
			case $1 in
			--loss) a+=(loss "$2%") ;;
			--duplicate) a+=(duplicate "$2%") ;;
			--delay-ms) delay=$2 ;;
			--jitter-ms) jitter=$2 ;;
			esac
			shift 2
		done
		[ -n "$delay" ] && a+=(delay "${delay}ms" ${jitter:+"${jitter}ms"})
		for i in "$ifa" "$ifb"; do
			mid tc qdisc add dev "$i" root netem limit 100000 "${a[@]}" || return 1
		done
		return 0
	fi
	# A simple command, so that $! is the process to signal (timeout,
	# which passes the signal on).
	ip netns exec "$nsm" timeout -k 5 $((LIMIT * 2 + 60)) "$IMPAIR" --seed "$runs" "$@" \
		"$ifa" "$ifb" >"$tmp/$name.impair" 2>"$tmp/$name.impair.err" &
	impair_pid=$!
	bg_pids+=("$impair_pid")
	for _ in $(seq 1 100); do
		grep -q "bridging" "$tmp/$name.impair.err" && return 0
		kill -0 "$impair_pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$tmp/$name.impair.err"
	return 1
}

# impair_stop NAME: ends the impairment; I_AB/I_BA are the a_to_b/b_to_a
# counters (vmk-impair's JSON; for netem {"dropped":N} from tc -s).
impair_stop() {
	local name=$1
	if [ "$method" = netem ]; then
		for i in "$ifa:ba" "$ifb:ab"; do
			mid tc -s qdisc show dev "${i%:*}" |
				sed -n 's/.*(dropped \([0-9]*\).*/{"dropped":\1}/p' | head -n 1 \
				>"$tmp/$name.${i#*:}"
			mid tc qdisc del dev "${i%:*}" root
		done
		I_AB=$(cat "$tmp/$name.ab") I_BA=$(cat "$tmp/$name.ba")
		return 0
	fi
	kill -TERM "$impair_pid"
	wait "$impair_pid"
	local rc=$?
	cat "$tmp/$name.impair"
	[ "$rc" -eq 0 ] || fail "$name: vmk-impair exited with $rc: $(cat "$tmp/$name.impair.err")"
	I_AB=$(sed -n 's/.*"a_to_b":{\([^}]*\)}.*/{\1}/p' "$tmp/$name.impair")
	I_BA=$(sed -n 's/.*"b_to_a":{\([^}]*\)}.*/{\1}/p' "$tmp/$name.impair")
}

# counter JSON KEY: a number from impair_stop's I_AB/I_BA; empty if absent.
counter() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$1"; }

# expect WHAT VALUE: VALUE > 0 passes. An empty VALUE is a counter that is
# missing: netem does not count what it does (reported, not judged), but
# vmk-impair counts everything, so there it fails.
expect() {
	if [ -z "$2" ] && [ "$method" = netem ]; then
		echo "  ($1: not counted by $method)"
	elif [ -z "$2" ]; then
		fail "$1: no counter in $method's report"
	elif [ "$2" -gt 0 ]; then
		pass "$1 = $2"
	else
		fail "$1 = $2, want > 0"
	fi
}

# data MIB: $data (a file of MIB MiB, the first MIB MiB of $tmp/data) and
# $want (its SHA-256).
declare -A sums
data() {
	data=$tmp/data.$1
	if [ -z "${sums[$1]:-}" ]; then
		head -c "$1M" "$tmp/data" >"$data"
		sums[$1]=$(sha256sum <"$data" | cut -d' ' -f1)
	fi
	want=${sums[$1]}
}

# transfer CASE DIR MIB OPTS...: one transfer of MIB MiB through the
# impairment OPTS; DIR "send" (vmknet -> Linux) or "recv" (Linux ->
# vmknet). Sets $data_dir (the impairment's counters in the data
# direction), $out (vmkbulk's output, its JSON line included) and $lx_d
# (Linux's counters LX_COUNTERS, after minus before).
LX_COUNTERS=(TcpRetransSegs TcpExtTCPOFOQueue TcpExtTCPDSACKOldSent TcpExtPAWSEstab
	TcpExtTCPTimeouts TcpExtTCPLossProbes)
transfer() {
	local dir=$2 mib=$3 name="$1-$2" t0 ok=0 got before after
	shift 3
	data "$mib"
	out=$tmp/$name.out
	rm -f "$tmp/rx"
	before=$(lx_tcp "${LX_COUNTERS[@]}")
	impair_start "$name" "$@" || { fail "$name: the impairment did not start"; return 1; }
	if [ -n "${IMPAIR_PCAP:-}" ]; then
		mid timeout "$LIMIT" tcpdump -i "$ifa" -s 128 -w "$IMPAIR_PCAP/$name.pcap" \
			>/dev/null 2>&1 &
		bg_pids+=("$!")
		sleep 0.5
	fi
	t0=$(date +%s%N)
	if [ "$dir" = send ]; then
		lx timeout -k 5 "$LIMIT" socat -u TCP-LISTEN:5001,reuseaddr OPEN:"$tmp/rx",creat,trunc &
		local socat_pid=$!
		bg_pids+=("$socat_pid")
		sleep 0.3
		vmk_cmd --connect 192.0.2.2:5001 --send "$data" --json
		"${VMK[@]}" >"$out" 2>&1 && ok=1
		wait "$socat_pid" || ok=0
	else
		vmk_cmd --listen 5002 --recv "$tmp/rx" --json
		"${VMK[@]}" >"$out" 2>&1 &
		local bulk_pid=$!
		bg_pids+=("$bulk_pid")
		for _ in $(seq 1 600); do
			grep -q "listening on port" "$out" && break
			kill -0 "$bulk_pid" 2>/dev/null || break
			sleep 0.1
		done
		lx timeout -k 5 "$LIMIT" socat -u OPEN:"$data" TCP:192.0.2.1:5002 && ok=1
		wait "$bulk_pid" || ok=0
	fi
	secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	cat "$out"
	[ -n "${IMPAIR_PCAP:-}" ] && { sleep 0.2; kill "${bg_pids[-1]}"; }
	impair_stop "$name"
	after=$(lx_tcp "${LX_COUNTERS[@]}")
	lx_d=$(paste <(echo "$after") <(echo "$before") | awk '{ print $1 - $2 }')
	got=$(sha256sum <"$tmp/rx" | cut -d' ' -f1)
	if [ "$ok" = 1 ] && [ "$got" = "$want" ]; then
		pass "$name: $mib MiB $(dir_words "$dir") in $secs s, sha256 equal"
	else
		fail "$name: $mib MiB $(dir_words "$dir"): transfer ok=$ok after $secs s, sha256 $got ($(stat -c %s "$tmp/rx") bytes), want $want"
	fi
	if [ "$dir" = send ]; then data_dir=$I_AB; else data_dir=$I_BA; fi
	if [ "$method" = vmk-impair ]; then
		local bad
		bad=$(( $(counter "$I_AB" oversize) + $(counter "$I_BA" oversize) +
			$(counter "$I_AB" tx_errors) + $(counter "$I_BA" tx_errors) ))
		[ "$bad" -eq 0 ] || fail "$name: $bad frames over the MTU or not sent by the bridge"
	fi
	local lx
	mapfile -t lx <<<"$lx_d"
	summary+=("$(printf '%-13s %4s MiB %6s s | link: drop %s reord %s dup %s | vmknet: retrans %s fast %s rto %s tlp %s relost %s undo %s reo %s paws %s ooo_full %s | Linux: retrans %s ofo %s dsack %s paws %s rto %s tlp %s' \
		"$name" "$mib" "$secs" "$(counter "$data_dir" dropped)" \
		"$(counter "$data_dir" reordered)" "$(counter "$data_dir" duplicated)" \
		"$(json_get "$out" retrans)" "$(json_get "$out" fast_retrans)" \
		"$(json_get "$out" timeouts)" "$(json_get "$out" tlp_probes)" \
		"$(json_get "$out" lost_rexmits)" "$(json_get "$out" recovery_undos)" \
		"$(json_get "$out" reorder_seen)" "$(json_get "$out" drop_paws)" \
		"$(json_get "$out" drop_ooo_full)" "${lx[@]}")")
}

dir_words() { if [ "$1" = send ]; then echo "vmknet -> Linux"; else echo "Linux -> vmknet"; fi; }

# lx_delta N: the Nth of LX_COUNTERS's change in the last transfer.
lx_delta() { sed -n "$1p" <<<"$lx_d"; }

echo "== namespaces $nsv (vmknet), $nsm (impairment), $nsl (Linux)"
for n in "$nsv" "$nsm" "$nsl"; do
	ip netns add "$n" && ip -n "$n" link set lo up || exit 1
done
ip link add "$ifv" netns "$nsv" type veth peer name "$ifa" netns "$nsm" &&
	ip link add "$ifl" netns "$nsl" type veth peer name "$ifb" netns "$nsm" || exit 1
mid sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for n in "$nsv:$ifv" "$nsm:$ifa" "$nsm:$ifb" "$nsl:$ifl"; do
	ip -n "${n%%:*}" link set "${n#*:}" up
	ip netns exec "${n%%:*}" ethtool -K "${n#*:}" tso off gso off gro off tx off rx off \
		>/dev/null 2>&1
done
ip -n "$nsl" addr add 192.0.2.2/24 dev "$ifl" || exit 1
# Linux's congestion control, pinned to the algorithm vmknet runs here
# (vmkbulk's default, newreno): a namespace inherits the host's default,
# which may be bbr (this machine's), which does not back off on random loss
# and makes every loss case a comparison of algorithms, not of stacks.
# reno is the one a namespace may always choose (its choice is limited to
# net.ipv4.tcp_allowed_congestion_control); IMPAIR_LINUX_CC picks another.
lx sysctl -qw net.ipv4.tcp_congestion_control="$LINUX_CC" ||
	{ echo "FAIL: Linux has no congestion control $LINUX_CC"; exit 1; }
echo "== Linux's congestion control: $(lx sysctl -n net.ipv4.tcp_congestion_control)"
impair_method || { echo "FAIL: could not set up the impairment"; exit 1; }
max=0
for c in $CASES; do
	for n in $(case_mib "$c"); do [ "$n" -gt "$max" ] && max=$n; done
done
head -c "${max}M" /dev/urandom >"$tmp/data"
summary=()

for c in $CASES; do
	read -r -a opts <<<"$(case_opts "$c")"
	[ ${#opts[@]} -gt 0 ] || { fail "unknown case $c"; continue; }
	read -r mib_send mib_recv <<<"$(case_mib "$c")"
	for dir in ${IMPAIR_DIRS:-send recv}; do
		if [ "$dir" = send ]; then mib=$mib_send; else mib=$mib_recv; fi
		echo "== $c: $mib MiB $(dir_words "$dir"), impairment ${opts[*]}"
		transfer "$c" "$dir" "$mib" "${opts[@]}" || continue
		case $c-$dir in
		loss*-send)
			expect "$c-$dir: frames dropped vmknet -> Linux" "$(counter "$data_dir" dropped)"
			expect "$c-$dir: vmknet retransmissions" "$(json_get "$out" retrans)" ;;
		loss*-recv)
			expect "$c-$dir: frames dropped Linux -> vmknet" "$(counter "$data_dir" dropped)"
			expect "$c-$dir: Linux retransmissions (TcpRetransSegs)" "$(lx_delta 1)" ;;
		reorder-send)
			expect "$c-$dir: frames reordered vmknet -> Linux" "$(counter "$data_dir" reordered)"
			expect "$c-$dir: Linux out-of-order queued (TcpExtTCPOFOQueue)" "$(lx_delta 2)" ;;
		reorder-recv)
			expect "$c-$dir: frames reordered Linux -> vmknet" "$(counter "$data_dir" reordered)" ;;
		dup-send)
			expect "$c-$dir: frames duplicated vmknet -> Linux" "$(counter "$data_dir" duplicated)"
			expect "$c-$dir: Linux D-SACKs for duplicate data (TcpExtTCPDSACKOldSent)" \
				"$(lx_delta 3)" ;;
		dup-recv)
			expect "$c-$dir: frames duplicated Linux -> vmknet" "$(counter "$data_dir" duplicated)" ;;
		esac
	done
done

echo "== summary ($method; per transfer: MiB, seconds, the impairment's counters in"
echo "   the data direction, vmkbulk's TCP counters, Linux's counter changes)"
printf '%s\n' "${summary[@]}"
echo "== $failed check(s) failed, ${SECONDS} s"
[ "$failed" -eq 0 ]
