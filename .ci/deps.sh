#!/usr/bin/env bash
# Installs the Debian packages that the build, the tests, the demo and the
# benchmarks run, only when some are missing. Safe to run repeatedly; needs
# root to install. tests/check_deps.sh fails when a script runs a program
# whose package is neither here nor on a fresh Debian 12 machine.
#
# usage: deps.sh          install what is missing
#        deps.sh --list   print the package names, one a line
set -euo pipefail
pkgs=(
	# build: compiler, DPDK 22.11, libpcap, cJSON, CUnit
	build-essential pkg-config libdpdk-dev dpdk dpdk-dev libpcap-dev libcjson-dev
	libcunit1-dev
	# tests: Linux's side in namespaces, captures, peers
	iproute2 iputils-ping ethtool tshark tcpdump socat iperf3 python3
	# the DHCP server vmknics lease from (tests/integration/test_linux_dhcp.sh):
	# the executable only, no system service
	dnsmasq-base
	# clang: fuzzing (make fuzz, tests/check_fuzz_corpus.sh), the thread-safety
	# analysis (tests/check_thread_safety.sh), the ThreadSanitizer stress test
	clang clang-14 libclang-rt-14-dev
	# unmodified programs under vmkrun, and their Linux peers (tests/integration/
	# test_vmkrun_*.sh, bench/run_sockets.sh)
	curl nginx-light wrk tgt libiscsi-bin nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils sockperf
	# qemu-img with qemu's iSCSI and NFS block drivers (libiscsi, libnfs):
	# tests/integration/test_vmkrun_{iscsi,nfs}_bound_adapter.sh
	qemu-utils qemu-block-extra
	# benchmarks: the contenders (nftables: bench/run_firewall.sh) and the plots
	openvswitch-switch-dpdk nftables gnuplot-nox
)
if [ "${1:-}" = --list ]; then
	printf '%s\n' "${pkgs[@]}"
	exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections || true
# Servers among them (nginx, tgt, ganesha) must not start at install: the
# tests run their own, in namespaces. policy-rc.d says so to the packages'
# scripts, and is removed again unless it was there before.
rcd=/usr/sbin/policy-rc.d
own_rcd=0
if [ ! -e "$rcd" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$rcd" && chmod +x "$rcd" && own_rcd=1
fi
trap '[ "$own_rcd" = 0 ] || rm -f "$rcd"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
