#!/usr/bin/env bash
# Objective: an ESXi operator's commands work as VMware's documentation
# spells them. A transcript of esxcli commands, in the forms VMware's own
# documents give (long options with '=', short ones, ESXi's names for
# values), runs against vmknetd through vmkcli, each checked for its exit
# status and for the output fields ESXi prints. Sources, cited per step:
#   [CE] VMware, "ESXCLI Concepts and Examples" (vSphere 6.x and 7.0): its
#        networking chapter (standard switches, port groups, uplinks,
#        VMkernel interfaces and their IPv4 settings, routes, firewall)
#   [CR] VMware, "ESXCLI Command Reference" (vSphere 7.0 and 8.0), the
#        "esxcli network" namespace: each command's options and output
#   [NW] VMware, "vSphere Networking" (7.0, 8.0): MTU, VLAN IDs, teaming
#        and failover, security and traffic shaping policies, TCP/IP stacks
# Every step's failure is collected; the test lists them all, then fails.
# Options esxcli has that vmkcli does not accept are in docs/CLI.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
VMKD_NAME=esxcli-conformance
VMKD_EAL_ARGS=(--vdev net_null0 --vdev net_null1)
. tests/integration/lib/vmknetd.sh
start

n=0
bad=()
# step SRC STATUS [PATTERN...] -- ARGS...: `vmkcli ARGS` exits STATUS and
# every PATTERN (an extended regex) matches a line of what it printed.
step() {
	local src=$1 want=$2 pats=() rc=0 out
	shift 2
	while [ "$1" != "--" ]; do pats+=("$1"); shift; done
	shift
	n=$((n + 1))
	out=$(cli "$@" 2>&1) || rc=$?
	printf '%-6s $ esxcli %s -> %s\n' "$src" "$*" "$rc"
	if [ "$rc" -ne "$want" ]; then
		bad+=("esxcli $* [$src]: exit $rc, documented $want: $(echo "$out" | head -n 2 | tr '\n' ' ')")
		return 0
	fi
	for p in "${pats[@]}"; do
		echo "$out" | grep -Eq -- "$p" || bad+=("esxcli $* [$src]: no line matching '$p'")
	done
}

# Physical NICs.
step CR 0 '^Name +PCI Device +Driver +Admin Status +Link Status +Speed +Duplex +MAC Address +MTU +Description' \
	'^vmnic0 ' -- network nic list
step CR 0 '^   Advertised Auto Negotiation: ' '^   Driver Info:' '^   Link Status: ' \
	'^   MAC Address: ' '^   MTU: ' '^   Speed: ' '^   Duplex: ' -- network nic get -n vmnic0
step CR 0 -- network nic down -n vmnic1
step CR 0 '^vmnic1 .* Down ' -- network nic list
step CR 0 -- network nic up -n vmnic1

# Standard switches [CE, NW].
step CE 0 '^vSwitch0$' '^   Name: vSwitch0$' '^   Class: etherswitch$' '^   Num Ports: ' \
	'^   Used Ports: ' '^   Configured Ports: ' '^   MTU: 1500$' '^   CDP Status: ' \
	'^   Beacon Enabled: ' '^   Beacon Interval: ' '^   Beacon Threshold: ' \
	'^   Beacon Required By: ' '^   Uplinks: ' '^   Portgroups: ' -- network vswitch standard list
step CE 0 -- network vswitch standard add --vswitch-name=vSwitch1
step CR 0 '^vSwitch1$' -- network vswitch standard list --vswitch-name=vSwitch1
step CR 0 '^vSwitch0$' -- network vswitch standard list -v vSwitch0
step NW 0 -- network vswitch standard set --mtu=9000 --vswitch-name=vSwitch1
step CR 0 -- network vswitch standard set --cdp-status=both --vswitch-name=vSwitch1
step CR 0 '^   MTU: 9000$' '^   CDP Status: both$' -- network vswitch standard list -v vSwitch1
step CE 0 -- network vswitch standard uplink add --uplink-name=vmnic1 --vswitch-name=vSwitch1
step CE 0 -- network vswitch standard portgroup add --portgroup-name=vMotion --vswitch-name=vSwitch1
step NW 0 -- network vswitch standard portgroup set --portgroup-name=vMotion --vlan-id=20
step CE 0 '^Name +Virtual Switch +Active Clients +VLAN ID$' '^vMotion +vSwitch1 +[0-9]+ +20$' \
	-- network vswitch standard portgroup list
step CR 1 -- network vswitch standard portgroup set --portgroup-name=vMotion --vlan-id=4096

# Teaming, security and shaping policies [NW, CR].
step NW 0 -- network vswitch standard policy failover set --vswitch-name=vSwitch1 \
	--active-uplinks=vmnic1 --load-balancing=portid --failure-detection=link \
	--notify-switches=true --failback=true
step CR 0 '^   Load Balancing: srcport$' '^   Network Failure Detection: link$' \
	'^   Notify Switches: true$' '^   Failback: true$' '^   Active Adapters: vmnic1$' \
	'^   Standby Adapters: ' '^   Unused Adapters: ' \
	-- network vswitch standard policy failover get --vswitch-name=vSwitch1
step NW 0 -- network vswitch standard policy security set --vswitch-name=vSwitch1 \
	--allow-promiscuous=false --allow-mac-change=false --allow-forged-transmits=false
step CR 0 '^   Allow Promiscuous: false$' '^   Allow MAC Address Change: false$' \
	'^   Allow Forged Transmits: false$' \
	-- network vswitch standard policy security get --vswitch-name=vSwitch1
step NW 0 -- network vswitch standard policy shaping set --vswitch-name=vSwitch1 \
	--enabled=true --avg-bandwidth=100000 --peak-bandwidth=200000 --burst-size=102400
step CR 0 '^   Enabled: true$' '^   Average Bandwidth: 100000 Kbps$' \
	'^   Peak Bandwidth: 200000 Kbps$' '^   Burst Size: 102400 Kbytes$' \
	-- network vswitch standard policy shaping get --vswitch-name=vSwitch1
step CR 0 -- network vswitch standard portgroup policy failover set --portgroup-name=vMotion \
	--use-vswitch
step CR 0 '^   Load Balancing: srcport$' \
	-- network vswitch standard portgroup policy failover get --portgroup-name=vMotion

# TCP/IP stacks and VMkernel interfaces [NW, CE].
step NW 0 '^vmotion$' '^   Key: vmotion$' '^   Name: vmotion$' '^   State: ' -- network ip netstack list
step NW 0 -- network ip netstack add --netstack=backup
step CR 0 '^   Key: backup$' -- network ip netstack get --netstack=backup
step CE 0 -- network ip interface add --interface-name=vmk1 --portgroup-name=vMotion \
	--netstack=vmotion
step CE 0 -- network ip interface ipv4 set --interface-name=vmk1 --ipv4=198.51.100.10 \
	--netmask=255.255.255.0 --type=static
step NW 0 -- network ip interface set --mtu=9000 --interface-name=vmk1
step CE 0 '^vmk1$' '^   Name: vmk1$' '^   MAC Address: ' '^   Enabled: true$' \
	'^   Portset: vSwitch1$' '^   Portgroup: vMotion$' '^   Netstack Instance: vmotion$' \
	'^   MTU: 9000$' '^   TSO MSS: 65535$' '^   Port ID: [0-9]+$' -- network ip interface list
step CR 0 '^vmk1$' -- network ip interface list --netstack=vmotion
step CE 0 '^Name +IPv4 Address +IPv4 Netmask +IPv4 Broadcast +Address Type +Gateway +DHCP DNS' \
	'^vmk1 +198\.51\.100\.10 +255\.255\.255\.0 +198\.51\.100\.255 +STATIC ' \
	-- network ip interface ipv4 get --interface-name=vmk1
step CR 0 -- network ip interface tag add --interface-name=vmk0 --tagname=Management
step CR 0 '^   Tags: .*Management' -- network ip interface tag get --interface-name=vmk0
step CR 0 -- network ip interface set --enabled=false --interface-name=vmk1
step CR 0 '^   Enabled: false$' -- network ip interface list --netstack=vmotion
step CR 0 -- network ip interface set --enabled=true --interface-name=vmk1

# Routes, neighbours, connections [CE, CR].
step CE 0 -- network ip route ipv4 add --gateway=192.0.2.1 --network=default
step CE 0 -- network ip route ipv4 add --gateway=192.0.2.254 --network=203.0.113.0/24
step CE 0 '^Network +Netmask +Gateway +Interface +Source$' \
	'^default +0\.0\.0\.0 +192\.0\.2\.1 +vmk0 +MANUAL$' \
	'^203\.0\.113\.0 +255\.255\.255\.0 +192\.0\.2\.254 +vmk0 +MANUAL$' -- network ip route ipv4 list
step CE 0 -- network ip route ipv4 remove --gateway=192.0.2.254 --network=203.0.113.0/24
step CR 0 '^Neighbor +Mac Address +Vmknic +Expiry +State +Type' -- network ip neighbor list --version=4
step CR 0 '^Neighbor +Mac Address' -- network ip neighbor list -v all -i vmk0
step CR 0 '^Proto +Recv Q +Send Q +Local Address +Foreign Address +State +World ID +CC Algo +World Name' \
	-- network ip connection list
step CR 0 -- network ip connection list --type=tcp

# Firewall [CE, CR].
step CE 0 '^   Default Action: DROP$' '^   Enabled: ' '^   Loaded: true$' -- network firewall get
step CE 0 -- network firewall set --enabled=true
step CE 0 '^Name +Enabled' '^sshServer +true' '^vMotion +true' -- network firewall ruleset list
step CE 0 -- network firewall ruleset set --ruleset-id=sshClient --enabled=true
step CE 0 -- network firewall ruleset set --ruleset-id=sshServer --allowed-all=false
step CE 0 -- network firewall ruleset allowedip add --ruleset-id=sshServer --ip-address=192.0.2.0/24
step CE 0 '^sshServer +192\.0\.2\.0/24' -- network firewall ruleset allowedip list --ruleset-id=sshServer
step CR 0 '^Ruleset +Direction +Protocol +Port Type +Port Begin +Port End' \
	-- network firewall ruleset rule list --ruleset-id=sshServer
step CE 0 -- network firewall refresh
step CE 0 -- network firewall set --enabled=false

# Formatters [CR: esxcli --formatter=xml|csv|keyvalue].
step CR 0 '^<\?xml version="1\.0" encoding="utf-8"\?>$' \
	'<output xmlns="http://www\.vmware\.com/Products/ESX/5\.0/esxcli">' \
	-- --formatter=xml network vswitch standard list
step CR 0 '^Name,' -- --formatter=csv network vswitch standard portgroup list
step CR 0 'VirtualSwitch\.Name\.string=vSwitch0' -- --formatter=keyvalue network vswitch standard list

# What esxcli refuses, refused with the name of what is wrong [CR].
step CR 1 'no virtual switch named "vSwitch7"' -- network vswitch standard list -v vSwitch7
step CR 1 'no netstack named "nosuch"' -- network ip interface list --netstack=nosuch
step CR 1 'version must be 4, 6 or all' -- network ip neighbor list --version=5
step CR 1 'vmnic9' -- network nic get -n vmnic9

# Undoing it all, in the documents' order [CE].
step CE 0 -- network ip interface remove --interface-name=vmk1
step CE 0 -- network vswitch standard portgroup remove --portgroup-name=vMotion --vswitch-name=vSwitch1
step CE 0 -- network vswitch standard uplink remove --uplink-name=vmnic1 --vswitch-name=vSwitch1
step CE 0 -- network vswitch standard remove --vswitch-name=vSwitch1
step NW 0 -- network ip netstack remove --netstack=backup
step CE 1 -- network vswitch standard remove --vswitch-name=vSwitch1

if [ ${#bad[@]} -gt 0 ]; then
	printf 'NOT AS DOCUMENTED: %s\n' "${bad[@]}"
	fail "${#bad[@]} of $n documented commands differ"
fi
stop
echo "test_esxcli_conformance: $n documented commands, each as documented"
