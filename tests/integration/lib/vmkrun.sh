# Shared harness for the scripts that run unmodified programs under vmkrun
# against Linux. Sourced, never run (outside tests/run.sh's test_*.sh glob).
#
# Usage, from a script that did `set -euo pipefail`, `cd` to the repository
# root, sourced tests/integration/lib/need.sh and called need_root:
#
#   VMKR_NAME=vmkrun-programs     # names the namespace, files, EAL prefix
#   VMKR_MTU=1500                 # optional: the link's MTU (9000: jumbo)
#   . tests/integration/lib/vmkrun.sh
#   vmkr_up                       # Linux peer + vmknetd + vmk0 192.0.2.10/24
#
# What vmkr_up builds (all removed on exit, whatever happens):
#   Linux      namespace $ns, 192.0.2.2/24 on $peer (offloads off: af_packet
#              must see real frames and checksums)
#   vmknetd    2 lcores (one worker), uplink vmnic0 = net_af_packet on $veth
#              (the other end of the pair), vSwitch0, vmk0 192.0.2.10/24
#              on "Management Network" in defaultTcpipStack
#
# Functions:
#   lx CMD...          run CMD in Linux's namespace
#   vrun CMD...        run CMD under vmkrun (its sockets on vmk0)
#   bg NAME CMD...     start CMD in the background (output to $tmp/NAME.log),
#                      its pid in $bgpid; stopped at exit
#   wait_port NS PORT  wait (30 s) until something listens on TCP PORT in
#                      namespace NS ("root": vmknet's side, by vmkcli)
#   conns              vmkcli network ip connection list (TCP rows)
#   sha FILE           the file's SHA-256
#   tgt_up ADDR LUN IQN
#                      tgtd (userspace iSCSI) in Linux's namespace on ADDR:3260:
#                      target IQN, LUN 1 backed by the file LUN; tgtd on a
#                      control port of its own ($tgt_ctl), tadm ARGS... runs
#                      its tgtadm; stopped at exit
#   ganesha_up ADDR DIR VERSIONS
#                      nfs-ganesha (FSAL VFS, TCP, no grace period) exporting
#                      DIR as /export on ADDR over NFS VERSIONS ("4", "3, 4");
#                      with 3, rpcbind beside it for the portmapper and mount
#                      protocol, both in a mount namespace of their own (/run
#                      private: rpcbind's socket is the test's); stopped at exit
# Variables: ns, veth, peer, tmp, sock, BUILD, VMKRUN, and the vmknetd.sh
# ones (cli, ok, fail, ...).

: "${VMKR_NAME:?set VMKR_NAME before sourcing tests/integration/lib/vmkrun.sh}"
: "${VMKR_MTU:=1500}"
ns=${VMKR_NAME:0:6}$$
veth=vr$$a
peer=vr$$b
bg_pids=()
vmkr_cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	sleep 0.2
	for p in "${bg_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	ip link del "$veth" 2>/dev/null || true
}
VMKD_NAME=$VMKR_NAME
VMKD_LCORES=0-1
VMKD_MEM=512
VMKD_LOG_TAIL=60
VMKD_EAL_ARGS=(--vdev "net_af_packet0,iface=$veth,framesz=10240,blocksz=20480")
VMKD_DAEMON_ARGS=(--mbuf-size 10368)
VMKD_CLEANUP_HOOK=vmkr_cleanup
. tests/integration/lib/vmknetd.sh
cfg=$tmp/config.json
sock=$tmp/vmknetd.sock
VMKRUN=$BUILD/bin/vmkrun
[ -x "$VMKRUN" ] || fail "$VMKRUN not built"

lx() { ip netns exec "$ns" "$@"; }
vrun() { "$VMKRUN" --control "$sock" -- "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

bg() {
	local name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	bgpid=$!
	bg_pids+=("$bgpid")
}

conns() { cli network ip connection list; }

wait_port() {
	local where=$1 port=$2 end=$((SECONDS + 30))   # sanitizer builds start slowly
	while [ "$SECONDS" -lt "$end" ]; do
		if [ "$where" = root ]; then
			conns 2>/dev/null | grep -q "[.:]$port .*LISTEN" && return 0
		else
			ip netns exec "$where" ss -Htln "sport = :$port" 2>/dev/null | grep -q . && return 0
		fi
		sleep 0.1
	done
	fail "nothing listens on port $port ($where)"
}

tgt_up() {
	tgt_ctl=$((20 + $$ % 1000))   # beside any other tgtd on the machine
	bg tgtd lx tgtd -f -C "$tgt_ctl" --iscsi "portal=$1:3260"
	wait_port "$ns" 3260
	tadm --op new --mode target --tid 1 -T "$3" &&
		tadm --op new --mode logicalunit --tid 1 --lun 1 -b "$2" &&
		tadm --op bind --mode target --tid 1 -I ALL || fail "tgtadm: the target's set-up"
}
tadm() { lx tgtadm -C "$tgt_ctl" --lld iscsi "$@"; }

ganesha_up() {
	local addr=$1 dir=$2 versions=$3 mnt=""
	[[ "$versions" == *3* ]] && mnt="MNT_Port = 20048;"
	cat >"$tmp/ganesha.conf" <<EOF
NFS_CORE_PARAM {
	Protocols = $versions;
	NFS_Port = 2049;
	$mnt
	Bind_addr = $addr;
	Enable_RQUOTA = false;
	Enable_NLM = false;
	Mount_Path_Pseudo = true;
}
NFSv4 { Graceless = true; RecoveryBackend = fs; }
EXPORT {
	Export_Id = 1;
	Path = $dir;
	Pseudo = /export;
	Access_Type = RW;
	Squash = No_Root_Squash;
	SecType = sys;
	Protocols = $versions;
	Transports = TCP;
	FSAL { Name = VFS; }
}
LOG { Default_Log_Level = WARN; }
EOF
	mkdir -p "$tmp/run"
	{
		echo "set -e"
		echo "mount -t tmpfs tmpfs /run"
		echo "mkdir -p /run/rpcbind /run/ganesha"
		if [ -n "$mnt" ]; then
			echo "rpcbind -f &"
			echo 'for _ in $(seq 1 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done'
		fi
		echo "exec ganesha.nfsd -F -f '$tmp/ganesha.conf' -L '$tmp/ganesha.log' -p /run/ganesha/ganesha.pid"
	} >"$tmp/nfs-servers.sh"
	bg servers lx unshare -m --propagation private sh "$tmp/nfs-servers.sh"
	wait_port "$ns" 2049
	[ -z "$mnt" ] || wait_port "$ns" 20048
}

vmkr_up() {
	echo "== Linux peer: namespace $ns, veth $veth <-> $peer, MTU $VMKR_MTU"
	ip netns add "$ns"
	ip link add "$veth" mtu "$VMKR_MTU" type veth peer name "$peer" mtu "$VMKR_MTU" netns "$ns"
	ethtool -K "$veth" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	lx ethtool -K "$peer" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	ip link set "$veth" up
	lx ip link set lo up
	lx ip link set "$peer" up
	lx ip addr add 192.0.2.2/24 dev "$peer"
	echo "== vmknetd: vmnic0 on $veth, vmk0 192.0.2.10/24"
	start
	ok network vswitch standard uplink add -u vmnic0 -v vSwitch0
	if [ "$VMKR_MTU" != 1500 ]; then
		ok network vswitch standard set -v vSwitch0 -m "$VMKR_MTU"
		ok network ip interface set -i vmk0 -m "$VMKR_MTU"
	fi
	ok network ip interface ipv4 set -i vmk0 -I 192.0.2.10 -N 255.255.255.0 -t static
	lx ping -c 1 -W 5 192.0.2.10 >/dev/null || fail "Linux cannot reach vmk0"
}
