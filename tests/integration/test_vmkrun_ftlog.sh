#!/usr/bin/env bash
# Objective: a Fault Tolerance log stream on a faultToleranceLogging-tagged
# adapter. vmk1 (198.51.100.11/24, port group "FT Logging", tagged
# faultToleranceLogging; its own subnet, as an FT network is, so the route
# to the secondary leaves through vmk1 and not vmk0) carries examples/vmkftlog's primary, unmodified
# under `vmkrun --vmknic vmk1`, to its secondary on Linux's own stack in a
# namespace: records of 64, 256, 1024 and 4096 bytes, one acknowledgement
# each. Checks:
#   1. on FT's port 8100 every record is acknowledged (the primary's counts
#      per size, the secondary's count and payload check), Linux sees the
#      stream come from vmk1's address, and vmnic0's class counters
#      (`vmkcli network nioc class stats get`) count the stream's bytes as
#      faultToleranceLogging, not management;
#   2. on a port of no class (9100) the same stream from vmk1 is still
#      faultToleranceLogging (the adapter's tag), and from untagged vmk0 it
#      is management (so the counters tell the classes apart).
# Needs root, iproute2, ethtool, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib/need.sh
need_root "a network namespace and an af_packet uplink"
need ip ethtool python3 ss
VMKR_NAME=vmkrun-ftlog
. tests/integration/lib/vmkrun.sh
FTLOG=$BUILD/bin/vmkftlog
[ -x "$FTLOG" ] || fail "$FTLOG not built"
SIZES=64,256,1024,4096
vmkr_up

echo "== vmk1 198.51.100.11 on \"FT Logging\", tagged faultToleranceLogging; Linux 198.51.100.2 beside 192.0.2.2"
lx ip addr add 198.51.100.2/24 dev "$peer"
ok network vswitch standard portgroup add -p "FT Logging" -v vSwitch0
ok network ip interface add -i vmk1 -p "FT Logging"
ok network ip interface ipv4 set -i vmk1 -I 198.51.100.11 -N 255.255.255.0 -t static
ok network ip interface tag add -i vmk1 -t faultToleranceLogging
lx ping -c 1 -W 5 198.51.100.11 >/dev/null || fail "Linux cannot reach vmk1"

# class_bytes: "management ft" bytes vmnic0 has sent of those two classes.
class_bytes() {
	json network nioc class stats get -n vmnic0 | python3 -c "
import json, sys
d = {c['Class']: c['BytesSent'] for c in json.load(sys.stdin)}
print(d['management'], d['faultToleranceLogging'])"
}

# stream NAME VMKNIC PORT RECORDS: the secondary on Linux at PORT (one
# connection), the primary under vmkrun on VMKNIC, RECORDS measured records
# per size after 20 warm-up ones; checks both ends' counts. Sets
# stream_bytes (record bytes the primary sent) and mgmt_delta / ft_delta
# (what vmnic0 counted meanwhile, per class).
stream() {
	local name=$1 vmknic=$2 port=$3 n=$4 before after dst
	dst=$([ "$vmknic" = vmk1 ] && echo 198.51.100.2 || echo 192.0.2.2)
	bg "sec-$name" lx "$(realpath "$FTLOG")" secondary --listen "$dst:$port" --once
	local spid=$bgpid
	wait_port "$ns" "$port"
	before=$(class_bytes)
	timeout 20 "$VMKRUN" --control "$sock" --vmknic "$vmknic" -- "$FTLOG" primary \
		--connect "$dst:$port" --sizes "$SIZES" --records "$n" --seconds 0 --warmup 20 \
		--json >"$tmp/pri-$name.json" 2>"$tmp/pri-$name.err" ||
		{ cat "$tmp/pri-$name.err"; fail "$name: the primary failed"; }
	wait "$spid" || { cat "$tmp/sec-$name.log"; fail "$name: the secondary failed"; }
	after=$(class_bytes)
	cat "$tmp/sec-$name.log"
	stream_bytes=$(python3 - "$tmp/pri-$name.json" "$n" "$SIZES" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
n, sizes = int(sys.argv[2]), [int(s) for s in sys.argv[3].split(",")]
assert [s["size"] for s in d["sizes"]] == sizes, d
for s in d["sizes"]:
    assert s["records"] == n, s
    assert 0 < s["p50_us"] <= s["p99_us"] <= s["p99_9_us"] <= s["max_us"], s
    print("  %5d B: %d records, %.0f/s, p50 %.1f us, p99 %.1f us, p99.9 %.1f us" % (
        s["size"], s["records"], s["records_per_s"], s["p50_us"], s["p99_us"], s["p99_9_us"]),
        file=sys.stderr)
assert d["records_acked"] == len(sizes) * (n + 20), d
print(sum((n + 20) * s for s in sizes))
EOF
	) || fail "$name: the primary's results"
	local total=$((4 * (n + 20)))   # four sizes
	grep -q "^secondary: $(vmknic_ip "$vmknic"):[0-9]*: $total records, $stream_bytes bytes, every one valid and acknowledged" \
		"$tmp/sec-$name.log" || fail "$name: the secondary did not get all $total records from $vmknic"
	mgmt_delta=$(( ${after% *} - ${before% *} ))
	ft_delta=$(( ${after#* } - ${before#* } ))
	echo "$name: $stream_bytes record bytes sent; vmnic0 counted management +$mgmt_delta B, faultToleranceLogging +$ft_delta B"
}
vmknic_ip() { [ "$1" = vmk1 ] && echo 198.51.100.11 || echo 192.0.2.10; }

echo "== 1. the log stream on FT's port 8100 from vmk1"
stream ft8100 vmk1 8100 1000
[ "$ft_delta" -ge "$stream_bytes" ] || fail "faultToleranceLogging counted $ft_delta B of a $stream_bytes B stream"
[ "$mgmt_delta" -lt $((stream_bytes / 100)) ] || fail "management counted $mgmt_delta B during the FT stream"

echo "== 2. port 9100 (no class): the adapter's tag decides"
stream tag9100 vmk1 9100 300
[ "$ft_delta" -ge "$stream_bytes" ] || fail "vmk1's tag: faultToleranceLogging counted $ft_delta B of $stream_bytes B"
[ "$mgmt_delta" -lt $((stream_bytes / 100)) ] || fail "vmk1's tag: management counted $mgmt_delta B"
stream vmk0_9100 vmk0 9100 300
[ "$mgmt_delta" -ge "$stream_bytes" ] || fail "untagged vmk0: management counted $mgmt_delta B of $stream_bytes B"
[ "$ft_delta" -lt $((stream_bytes / 100)) ] || fail "untagged vmk0: faultToleranceLogging counted $ft_delta B"

ok network nioc class stats get -n vmnic0
stop
echo "test_vmkrun_ftlog: all checks passed"
