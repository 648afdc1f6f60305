#!/usr/bin/env bash
# Installs the Debian packages that the build, tests, demo and benchmarks need,
# only when some are missing. Safe to run repeatedly; needs root to install.
set -euo pipefail
pkgs=(build-essential pkg-config libdpdk-dev dpdk dpdk-dev libpcap-dev libcjson-dev
      libcunit1-dev iproute2 iputils-ping tshark tcpdump socat iperf3 gnuplot-nox
      openvswitch-switch-dpdk python3 clang-14 libclang-rt-14-dev)
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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
