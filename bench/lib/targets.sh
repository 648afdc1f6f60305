# Storage targets for the benchmarks (bench/run_storage.sh), started in a
# Linux namespace; sourced, never run. Each daemon runs in the background,
# its pid appended to PIDS (the caller's cleanup stops them) and its files
# under TMP. Needs TMP, PIDS, log and die.
#
# tgt_start NS PORTAL LUN_FILE [CORE]: tgtd (userspace iSCSI) in NS on
#   PORTAL:3260, one target TGT_IQN with LUN 1 backed by LUN_FILE, pinned to
#   CORE when given. Sets TGT_CTL (its control port) and TGT_PID.
# nfs_start NS ADDR EXPORT_DIR: nfs-ganesha (FSAL VFS, NFSv3 and 4, TCP, no
#   grace period: a fresh server's NFSv3 SETATTR would be JUKEBOX) with
#   rpcbind beside it, both in a mount namespace of their own (/run private,
#   so rpcbind's socket is theirs), exporting EXPORT_DIR as /export on ADDR.
# ns_wait_port NS PORT: wait (10 s) for a TCP listener on PORT in NS.

TGT_IQN=iqn.2026-12.org.example.vmknet:bench

ns_wait_port() {
	for _ in $(seq 1 100); do
		ip netns exec "$1" ss -Htln "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	die "nothing listens on port $2 in $1"
}

tgt_start() {
	local ns=$1 portal=$2 lun=$3 core=${4:-} pin=()
	[ -z "$core" ] || pin=(taskset -c "$core")
	TGT_CTL=$((20 + $$ % 1000))
	ip netns exec "$ns" "${pin[@]}" tgtd -f -C "$TGT_CTL" --iscsi "portal=$portal:3260" \
		>"$TMP/tgtd.log" 2>&1 &
	TGT_PID=$!; PIDS+=("$TGT_PID")
	ns_wait_port "$ns" 3260
	tgt_adm "$ns" --op new --mode target --tid 1 -T "$TGT_IQN" &&
	tgt_adm "$ns" --op new --mode logicalunit --tid 1 --lun 1 -b "$lun" &&
	tgt_adm "$ns" --op bind --mode target --tid 1 -I ALL || die "tgtadm: target setup"
}
tgt_adm() { local ns=$1; shift; ip netns exec "$ns" tgtadm -C "$TGT_CTL" --lld iscsi "$@"; }

nfs_start() {
	local ns=$1 addr=$2 exp=$3
	cat >"$TMP/ganesha.conf" <<EOC
NFS_CORE_PARAM {
	Protocols = 3, 4;
	NFS_Port = 2049;
	MNT_Port = 20048;
	Bind_addr = $addr;
	Mount_Path_Pseudo = true;
	Enable_RQUOTA = false;
	Enable_NLM = false;
}
NFSv4 { Graceless = true; RecoveryBackend = fs; }
EXPORT {
	Export_Id = 1;
	Path = $exp;
	Pseudo = /export;
	Access_Type = RW;
	Squash = No_Root_Squash;
	SecType = sys;
	Protocols = 3;
	Transports = TCP;
	FSAL { Name = VFS; }
}
LOG { Default_Log_Level = WARN; }
EOC
	cat >"$TMP/nfs-servers.sh" <<EOS
set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/rpcbind /run/ganesha
rpcbind -f &
for _ in \$(seq 1 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done
exec ganesha.nfsd -F -f "$TMP/ganesha.conf" -L "$TMP/ganesha.log" -p /run/ganesha/ganesha.pid
EOS
	ip netns exec "$ns" unshare -m --propagation private sh "$TMP/nfs-servers.sh" \
		>"$TMP/nfs-servers.log" 2>&1 &
	PIDS+=("$!")
	ns_wait_port "$ns" 2049
	ns_wait_port "$ns" 20048
}
