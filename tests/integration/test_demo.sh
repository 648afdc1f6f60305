#!/usr/bin/env bash
# Objective: `make demo`'s program runs on the built-in default configuration,
# VMs in the same VLAN exchange every frame, guests on virtio (vhost-user)
# ports talk across the switch, VLANs stay isolated, vmk1 moves 32 MiB of
# memory pages to vmk2 (another netstack) over vmknet TCP with every byte
# checked and prints the rate, and the per-port statistics table is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$(BUILD=$BUILD timeout 120 examples/run_demo.sh -- --frames 500 --vmotion-mib 32 2>&1)
echo "$out"
echo "$out" | grep -q '^Per-port statistics (vSwitch0)'
echo "$out" | grep -Eq '^[0-9]+ +vm2 +VM Network +10 +50[0-9] '
echo "$out" | grep -q 'vm3 received nothing of vm1'
echo "$out" | grep -q '^vMotion-like transfer: 32 MiB of memory pages (8192 x 4 KiB) from vmk1'
echo "$out" | grep -Eq '^  [0-9.]+ s, [0-9.]+ Gbit/s, every page checked$'
echo "$out" | grep -Eq '^[0-9]+ +vmk2 +vMotion +20 '
echo "$out" | grep -Eq '^ +web02 \(Web, virtio\) +(49[0-9]|50[0-9]) frames from web01'

