#!/usr/bin/env bash
# Objective: the library keeps no file-scope mutable state except the few
# pieces listed below, each with the reason DPDK or the process imposes it.
# Reads the symbol tables of the layer archives the build links
# (build/lib/layers/libvmk_*.a) and lists every object in a writable section
# (.data, .bss, .tdata, .tbss; not .rodata or .data.rel.ro, which are const):
# file-scope variables and function-level statics alike. Fails on one that is
# not in the list (state that belongs in an object the host creates), and on
# a list entry that no longer exists (the list and docs/ARCHITECTURE.md's
# "Process-wide state" must say what the code does).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

# object:symbol (a function-level static as NAME.N matches NAME) and why.
allowed=(
	"clock.o:vmk_clock_tsc_per_ms|the TSC rate, written once when EAL is up (common/clock.c)"
	"log.o:vmk_logtype_host|rte_log type ids: DPDK's log registry is per process"
	"log.o:vmk_logtype_vswitch|rte_log type id"
	"log.o:vmk_logtype_port|rte_log type id"
	"log.o:vmk_logtype_tcpip|rte_log type id"
	"log.o:vmk_logtype_vmknic|rte_log type id"
	"error.o:err_text|the calling thread's error reason (thread-local; common/error.h)"
	"*:crc32_alg|DPDK's rte_hash_crc.h: a static in DPDK's own header"
	"port_vhost.o:reg_lock|rte_vhost's callbacks carry no context: a socket path -> port registry"
	"port_vhost.o:reg_head|the vhost registry (under reg_lock)"
	"port_vhost.o:reg_vid|the vhost registry (under reg_lock)"
	"eal.o:eal_owned|whether vmknet initialised EAL, which is per process"
	"host.o:seq|a counter for unique DPDK object names (mempool names are per process)"
	"iface.o:seq|a counter for unique DPDK object names (ring names)"
	"ns_call.o:seq|a counter for unique DPDK object names (ring names)"
	"capture.o:seq|a counter for unique DPDK object names (ring names)"
	"nioc_port.o:seq|a counter for unique DPDK object names (ring names)"
	"fw_view.o:seq|a counter for unique DPDK object names (rte_acl context names)"
	"fw_conn.o:seq|a counter for unique DPDK object names (rte_hash names)"
)

archives=("$BUILD"/lib/layers/libvmk_*.a)
[ -f "${archives[0]}" ] || { echo "FAIL: no layer archives in $BUILD/lib/layers: run make"; exit 1; }

found=$(for a in "${archives[@]}"; do
	objdump -t "$a" 2>/dev/null | awk '
		/^In archive/ { next }
		/file format/ { obj = $1; sub(/:$/, "", obj); next }
		{
			sec = ""
			for (i = 2; i <= NF; i++) if ($i ~ /^\./ && $(i - 1) ~ /^([OF]|[lgw!])$/) { sec = $i; break }
			# Sanitizer builds add their own writable bookkeeping (ASan
			# ODR indicators, coverage counters), not the library state.
			if ($NF ~ /^__(odr_asan|asan|ubsan|tsan)/) next
			if (sec ~ /^\.(bss|data|tbss|tdata)/ && sec !~ /rel\.ro/ && $NF !~ /^\./) {
				name = $NF; sub(/\.[0-9]+$/, "", name)
				print obj ":" name
			}
		}'
done | sort -u)

fail=0
declare -A seen=()
while IFS= read -r sym; do
	[ -n "$sym" ] || continue
	ok=0
	for e in "${allowed[@]}"; do
		key=${e%%|*}
		if [ "$key" = "$sym" ] || { [ "${key%%:*}" = "*" ] && [ "${key#*:}" = "${sym#*:}" ]; }; then
			ok=1; seen[$key]=1
		fi
	done
	if [ "$ok" = 0 ]; then
		echo "FAIL: $sym: file-scope mutable state; make it a member of the object that uses it" \
		     "(or, if DPDK imposes it, add it here and to docs/ARCHITECTURE.md with the reason)"
		fail=1
	fi
done <<< "$found"
for e in "${allowed[@]}"; do
	key=${e%%|*}
	[ -n "${seen[$key]:-}" ] || { echo "FAIL: $key is listed but no longer exists: drop it"; fail=1; }
done
[ "$fail" = 0 ] || exit 1
echo "process-wide state: $(grep -c . <<< "$found") objects, each listed with its reason"
echo "PASS: check_process_state"
