/*
 * vmkcli's command table: esxcli's tree, options and column names.
 * Later issues add rows here (policy security|failover|shaping, ip
 * interface, ip route, ip netstack, ip neighbor, ip connection) and the
 * matching vmknetd operations; nothing else changes.
 */
#include <stddef.h>

#include "vmkcli/vmkcli.h"

#define END_OPTS { 0, NULL, NULL, OPT_STRING, false, NULL }
#define END_COLS { NULL, NULL, NULL, COL_STRING }

static const struct opt_spec no_opts[] = { END_OPTS };

static const struct opt_spec vswitch_add_opts[] = {
	{ 'v', "vswitch-name", "vswitch_name", OPT_STRING, true,
	  "The name of the virtual switch to add (1-31 bytes)." },
	{ 'm', "mtu", "mtu", OPT_INT, false,
	  "The MTU of the virtual switch, 1280-9000 (default 1500)." },
	{ 'P', "ports", "ports", OPT_INT, false,
	  "The number of ports of the virtual switch, 8-4096 (default 512)." },
	END_OPTS
};

static const struct opt_spec vswitch_name_opts[] = {
	{ 'v', "vswitch-name", "vswitch_name", OPT_STRING, true,
	  "The name of the virtual switch." },
	END_OPTS
};

static const struct opt_spec vswitch_set_opts[] = {
	{ 'v', "vswitch-name", "vswitch_name", OPT_STRING, true,
	  "The name of the virtual switch." },
	{ 'm', "mtu", "mtu", OPT_INT, false, "The MTU of the virtual switch, 1280-9000." },
	{ 'P', "ports", "ports", OPT_INT, false,
	  "The number of ports (fixed at creation: only its current value is accepted)." },
	END_OPTS
};

static const struct opt_spec portgroup_opts[] = {
	{ 'p', "portgroup-name", "portgroup_name", OPT_STRING, true,
	  "The name of the port group (1-31 bytes, unique on the host)." },
	{ 'v', "vswitch-name", "vswitch_name", OPT_STRING, true,
	  "The virtual switch of the port group." },
	END_OPTS
};

static const struct opt_spec portgroup_set_opts[] = {
	{ 'p', "portgroup-name", "portgroup_name", OPT_STRING, true,
	  "The name of the port group." },
	{ 'v', "vlan-id", "vlan_id", OPT_INT, true,
	  "The VLAN ID: 0 untagged, 1-4094 tagged, 4095 all VLANs (guest tagging)." },
	END_OPTS
};

static const struct opt_spec uplink_opts[] = {
	{ 'u', "uplink-name", "uplink_name", OPT_STRING, true,
	  "The physical NIC (vmnicN, see 'network nic list')." },
	{ 'v', "vswitch-name", "vswitch_name", OPT_STRING, true, "The virtual switch." },
	END_OPTS
};

static const struct opt_spec nic_stats_opts[] = {
	{ 'n', "nic-name", "nic_name", OPT_STRING, true, "The physical NIC (vmnicN)." },
	END_OPTS
};

static const struct column vswitch_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "Class", "Class", "class", COL_STRING },
	{ "Num Ports", "NumPorts", "num_ports", COL_INT },
	{ "Used Ports", "UsedPorts", "used_ports", COL_INT },
	{ "Configured Ports", "ConfiguredPorts", "configured_ports", COL_INT },
	{ "MTU", "MTU", "mtu", COL_INT },
	{ "MAC Table Size", "MACTableSize", "mac_table_size", COL_INT },
	{ "MAC Aging Time", "MACAgingTime", "mac_aging_time", COL_INT },
	{ "Uplinks", "Uplinks", "uplinks", COL_LIST },
	{ "Portgroups", "Portgroups", "portgroups", COL_LIST },
	END_COLS
};

static const struct column portgroup_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "Virtual Switch", "VirtualSwitch", "vswitch", COL_STRING },
	{ "Active Clients", "ActiveClients", "active_clients", COL_INT },
	{ "VLAN ID", "VLANID", "vlan_id", COL_INT },
	END_COLS
};

static const struct column nic_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "PCI Device", "PCIDevice", "pci_device", COL_STRING },
	{ "Driver", "Driver", "driver", COL_STRING },
	{ "Admin Status", "AdminStatus", "admin_status", COL_STRING },
	{ "Link Status", "LinkStatus", "link_status", COL_STRING },
	{ "Speed", "Speed", "speed", COL_INT },
	{ "Duplex", "Duplex", "duplex", COL_STRING },
	{ "MAC Address", "MACAddress", "mac_address", COL_STRING },
	{ "MTU", "MTU", "mtu", COL_INT },
	{ "Description", "Description", "description", COL_STRING },
	END_COLS
};

static const struct column nic_stats_cols[] = {
	{ "NIC Name", "NICName", "nic_name", COL_STRING },
	{ "Packets received", "Packetsreceived", "packets_received", COL_INT },
	{ "Packets sent", "Packetssent", "packets_sent", COL_INT },
	{ "Bytes received", "Bytesreceived", "bytes_received", COL_INT },
	{ "Bytes sent", "Bytessent", "bytes_sent", COL_INT },
	{ "Receive packets dropped", "Receivepacketsdropped", "receive_packets_dropped",
	  COL_INT },
	{ "Transmit packets dropped", "Transmitpacketsdropped", "transmit_packets_dropped",
	  COL_INT },
	{ "Multicast packets received", "Multicastpacketsreceived",
	  "multicast_packets_received", COL_INT },
	{ "Total receive errors", "Totalreceiveerrors", "total_receive_errors", COL_INT },
	{ "Receive missed errors", "Receivemissederrors", "receive_missed_errors", COL_INT },
	{ "Total transmit errors", "Totaltransmiterrors", "total_transmit_errors", COL_INT },
	END_COLS
};

const struct command commands[] = {
	{ "network nic list", "Lists the physical NICs (every ethdev vmknetd probed).",
	  "nic.list", no_opts, OUT_TABLE, nic_cols, "PhysicalNic", NULL },
	{ "network nic stats get", "Get the statistics of a physical NIC.",
	  "nic.stats", nic_stats_opts, OUT_OBJECT, nic_stats_cols, "NicStats",
	  "NIC statistics for %s" },
	{ "network vswitch standard add", "Add a new virtual switch.",
	  "vswitch.add", vswitch_add_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard list", "List the virtual switches of the host.",
	  "vswitch.list", no_opts, OUT_LIST, vswitch_cols, "VirtualSwitch", NULL },
	{ "network vswitch standard remove",
	  "Remove a virtual switch with its port groups and uplinks.",
	  "vswitch.remove", vswitch_name_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard set", "Change the MTU of a virtual switch.",
	  "vswitch.set", vswitch_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard portgroup add", "Add a port group to a virtual switch.",
	  "portgroup.add", portgroup_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard portgroup list", "List the port groups of the host.",
	  "portgroup.list", no_opts, OUT_TABLE, portgroup_cols, "PortGroup", NULL },
	{ "network vswitch standard portgroup remove",
	  "Remove a port group from a virtual switch.",
	  "portgroup.remove", portgroup_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard portgroup set", "Set the VLAN ID of a port group.",
	  "portgroup.set", portgroup_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard uplink add", "Attach a physical NIC to a virtual switch.",
	  "uplink.add", uplink_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard uplink remove",
	  "Detach a physical NIC from a virtual switch.",
	  "uplink.remove", uplink_opts, OUT_NONE, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, OUT_NONE, NULL, NULL, NULL },
};

const struct namespace_help namespaces[] = {
	{ "network", "Operations that pertain to the VMkernel network stack." },
	{ "network nic", "Operations on the physical NICs." },
	{ "network nic stats", "Statistics of the physical NICs." },
	{ "network vswitch", "Commands to list and manipulate virtual switches." },
	{ "network vswitch standard", "Commands to list and manipulate standard virtual "
	  "switches." },
	{ "network vswitch standard portgroup", "Commands to list and manipulate port groups "
	  "on a standard virtual switch." },
	{ "network vswitch standard uplink", "Commands to add and remove uplinks of a "
	  "standard virtual switch." },
	{ NULL, NULL },
};
