# Sourced by the benchmarks that run one vmknetd on an af_packet uplink
# (bench/run_sockets.sh, bench/run_nioc_ft.sh, bench/run_storage.sh); never
# run.
#
# vmknetd_wire NS VETH PEER ADDR/LEN: namespace NS and a veth pair, VETH
# here (vmknetd's uplink) and PEER in NS with ADDR, offloads off on both
# (af_packet must see real frames and checksums).
# vmknetd_bench_cleanup: the EXIT trap's work for a script that keeps its
# background pids in PIDS, vmknetd's in DPID, its namespaces in NAMESPACES
# and its veth in VETH: stop them all, delete them, give the hugepages
# back, remove TMP.
#
# vmknetd_up PREFIX IFACE LOG: 512 more 2 MB hugepages (HUGE_OLD and
# HUGE_SET=1 for the caller's cleanup to give back, a hugetlbfs at
# $TMP/huge), vmknetd on MAIN_CORE and WORKER_CORE (the worker) with its
# uplink vmnic0 = net_af_packet on IFACE, EAL file prefix PREFIX, its log
# in LOG; then vSwitch0's uplink and vmk0 198.18.1.1/24. Sets SOCK and DPID
# (the daemon's pid) and defines CLI (vmkcli on SOCK). Needs TMP, BUILD,
# MAIN_CORE, WORKER_CORE and a die function.
vmknetd_up() {
	local prefix=$1 iface=$2 logf=$3
	HUGE_OLD=$(cat /proc/sys/vm/nr_hugepages)
	echo $((HUGE_OLD + 512)) >/proc/sys/vm/nr_hugepages && HUGE_SET=1
	mkdir -p "$TMP/huge" && mount -t hugetlbfs nodev "$TMP/huge" || die "hugetlbfs"
	SOCK=$TMP/vmknetd.sock
	taskset -c "$MAIN_CORE,$WORKER_CORE" "$BUILD/bin/vmknetd" -l "$MAIN_CORE,$WORKER_CORE" \
		--main-lcore "$MAIN_CORE" --no-pci --huge-dir "$TMP/huge" -m 512 \
		--file-prefix "$prefix" --log-level='*:warning' \
		--vdev "net_af_packet0,iface=$iface,framesz=10240,blocksz=20480" \
		-- --config "$TMP/config.json" --control "$SOCK" --mbuf-size 10368 \
		>"$logf" 2>&1 &
	DPID=$!
	for _ in $(seq 1 200); do CLI network nic list >/dev/null 2>&1 && break; sleep 0.1; done
	CLI network vswitch standard uplink add -u vmnic0 -v vSwitch0 || die "uplink"
	CLI network ip interface ipv4 set -i vmk0 -I 198.18.1.1 -N 255.255.255.0 -t static ||
		die "vmk0"
}

vmknetd_wire() {
	local ns=$1 veth=$2 peer=$3 addr=$4
	ip netns add "$ns" || die "namespace $ns"
	ip link add "$veth" type veth peer name "$peer" netns "$ns" || die "veth $veth"
	ethtool -K "$veth" tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip netns exec "$ns" ethtool -K "$peer" tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip link set "$veth" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr" dev "$peer"
	ip -n "$ns" link set "$peer" up
}

vmknetd_bench_cleanup() {
	local p n
	for p in "${PIDS[@]}" $DPID; do kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}" $DPID; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "${NAMESPACES[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	ip link del "$VETH" 2>/dev/null
	vmknetd_huge_back
	rm -rf "$TMP"
}

CLI() { "$BUILD/bin/vmkcli" --control "$SOCK" "$@"; }

# vmknetd_huge_back: give back what vmknetd_up took (for the cleanup trap).
vmknetd_huge_back() {
	[ "${HUGE_SET:-0}" = 1 ] || return 0
	umount "$TMP/huge" 2>/dev/null
	echo "$HUGE_OLD" >/proc/sys/vm/nr_hugepages
	HUGE_SET=0
}

# vmknetd_bench_need TOOL...: root, the tools, vmknetd and vmkrun built.
vmknetd_bench_need() {
	local t
	[ "$(id -u)" -eq 0 ] || die "needs root"
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t missing: run 'make deps' as root"
	done
	[ -x "$BUILD/bin/vmkrun" ] && [ -x "$BUILD/bin/vmknetd" ] || die "build first (make)"
}
