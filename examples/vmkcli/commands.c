/*
 * vmkcli's command table: esxcli's tree, options and column names.
 * Later issues add rows here (ip interface, ip route, ip netstack, ip
 * neighbor, ip connection) and the matching vmknetd operations; nothing
 * else changes.
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

static const struct opt_spec vswitch_list_opts[] = {
	{ 'v', "vswitch-name", "vswitch_name", OPT_STRING, false,
	  "Only this virtual switch (default: every one)." },
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
	{ 'c', "cdp-status", "cdp_status", OPT_STRING, false,
	  "The CDP status: down, listen (the default), advertise or both (stored and "
	  "shown; no CDP frames yet)." },
	{ 0, "beacon-interval", "beacon_interval", OPT_INT, false,
	  "vmknet: seconds between beacons, 1-60 (default 1), for teams with "
	  "failure detection beacon." },
	{ 0, "beacon-threshold", "beacon_threshold", OPT_INT, false,
	  "vmknet: intervals without beacons before an uplink is failed, 1-60 (default 3)." },
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
	{ "CDP Status", "CDPStatus", "cdp_status", COL_STRING },
	{ "Beacon Enabled", "BeaconEnabled", "beacon_enabled", COL_BOOL },
	{ "Beacon Interval", "BeaconInterval", "beacon_interval", COL_INT },
	{ "Beacon Threshold", "BeaconThreshold", "beacon_threshold", COL_INT },
	{ "Beacon Required By", "BeaconRequiredBy", "beacon_required_by", COL_LIST },
	{ "Uplinks", "Uplinks", "uplinks", COL_LIST },
	{ "Portgroups", "Portgroups", "portgroups", COL_LIST },
	{ "MAC Table Size", "MACTableSize", "mac_table_size", COL_INT },
	{ "MAC Aging Time", "MACAgingTime", "mac_aging_time", COL_INT },
	{ "Beacon Failed Uplinks", "BeaconFailedUplinks", "beacon_failed_uplinks", COL_LIST },
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
	{ "Beacon Status", "BeaconStatus", "beacon_status", COL_STRING },
	END_COLS
};

/* esxcli's fields in its order, then vmknet's own. */
static const struct column nic_get_cols[] = {
	{ "Advertised Auto Negotiation", "AdvertisedAutoNegotiation",
	  "advertised_auto_negotiation", COL_BOOL },
	{ "Advertised Link Modes", "AdvertisedLinkModes", "advertised_link_modes", COL_LIST },
	{ "Auto Negotiation", "AutoNegotiation", "auto_negotiation", COL_BOOL },
	{ "Cable Type", "CableType", "cable_type", COL_STRING },
	{ "Current Message Level", "CurrentMessageLevel", "current_message_level", COL_STRING },
	{ "Driver Info", "DriverInfo", "driver_info", COL_STRUCT },
	{ "Bus Info", "BusInfo", "bus_info", COL_MEMBER },
	{ "Driver", "Driver", "driver", COL_MEMBER },
	{ "Firmware Version", "FirmwareVersion", "firmware_version", COL_MEMBER },
	{ "Version", "Version", "version", COL_MEMBER },
	{ "Link Detected", "LinkDetected", "link_detected", COL_BOOL },
	{ "Link Status", "LinkStatus", "link_status", COL_STRING },
	{ "Name", "Name", "name", COL_STRING },
	{ "PHYAddress", "PHYAddress", "phy_address", COL_STRING },
	{ "Pause Autonegotiate", "PauseAutonegotiate", "pause_autonegotiate", COL_BOOL },
	{ "Pause RX", "PauseRX", "pause_rx", COL_BOOL },
	{ "Pause TX", "PauseTX", "pause_tx", COL_BOOL },
	{ "Supported Ports", "SupportedPorts", "supported_ports", COL_LIST },
	{ "Supports Auto Negotiation", "SupportsAutoNegotiation", "supports_auto_negotiation",
	  COL_BOOL },
	{ "Supports Pause", "SupportsPause", "supports_pause", COL_BOOL },
	{ "Supports Wakeon", "SupportsWakeon", "supports_wakeon", COL_BOOL },
	{ "Transceiver", "Transceiver", "transceiver", COL_STRING },
	{ "Virtual Address", "VirtualAddress", "mac_address", COL_STRING },
	{ "Wakeon", "Wakeon", "wakeon", COL_STRING },
	{ "Admin Status", "AdminStatus", "admin_status", COL_STRING },
	{ "MAC Address", "MACAddress", "mac_address", COL_STRING },
	{ "MTU", "MTU", "mtu", COL_INT },
	{ "Speed", "Speed", "speed", COL_INT },
	{ "Duplex", "Duplex", "duplex", COL_STRING },
	{ "Beacon Status", "BeaconStatus", "beacon_status", COL_STRING },
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
	{ "Beacons sent", "Beaconssent", "beacons_sent", COL_INT },
	{ "Beacons received", "Beaconsreceived", "beacons_received", COL_INT },
	{ "Beacons heard by other uplinks", "Beaconsheardbyotheruplinks", "beacons_heard",
	  COL_INT },
	{ "Foreign beacons", "Foreignbeacons", "beacons_foreign", COL_INT },
	{ "Malformed beacons", "Malformedbeacons", "beacons_malformed", COL_INT },
	END_COLS
};

/* ---- Network I/O Control: `network nioc get|set`, `nioc class list|set|stats get` */

static const struct opt_spec nic_set_opts[] = {
	{ 'n', "nic-name", "nic_name", OPT_STRING, true, "The physical NIC (vmnicN)." },
	{ 'S', "speed", "speed", OPT_INT, true,
	  "The speed in Mbit/s Network I/O Control schedules the NIC against while it is an "
	  "uplink, 1-400000; 0: the speed the device reports." },
	END_OPTS
};

static const struct opt_spec nioc_set_opts[] = {
	{ 'e', "enabled", "enabled", OPT_BOOL, true,
	  "Turn Network I/O Control on or off on every uplink." },
	END_OPTS
};

static const struct opt_spec nioc_class_set_opts[] = {
	{ 't', "traffic-class", "traffic_class", OPT_STRING, true,
	  "The traffic class (management, vMotion, vSphereProvisioning, faultToleranceLogging, "
	  "iSCSI, NFS, vSAN, vSphereReplication, virtualMachine; any case)." },
	{ 's', "shares", "shares", OPT_STRING, false,
	  "The class's shares: low (25), normal (50), high (100) or a number 1-100." },
	{ 'r', "reservation", "reservation", OPT_INT, false,
	  "Mbit/s guaranteed on each uplink (0: none; all classes together at most 75% of an "
	  "uplink's speed)." },
	{ 'l', "limit", "limit", OPT_INT, false,
	  "Mbit/s at most on each uplink, not below the reservation; -1: unlimited." },
	{ 'd', "dscp", "dscp", OPT_INT, false,
	  "The DSCP written into the class's IPv4 headers, 0-63; -1: none." },
	{ 'c', "cos", "cos", OPT_INT, false,
	  "The 802.1p priority (CoS) of the class's tagged frames, 0-7; -1: none." },
	{ 'p', "priority-tag", "priority_tag", OPT_BOOL, false,
	  "With a CoS: give untagged frames a priority tag (VLAN 0) to carry it." },
	END_OPTS
};

static const struct column nioc_get_cols[] = {
	{ "Enabled", "Enabled", "enabled", COL_BOOL },
	{ "Uplinks", "Uplinks", "uplinks", COL_STRUCT_LIST },
	{ "Name", "Name", "name", COL_MEMBER },
	{ "vSwitch", "vSwitch", "vswitch", COL_MEMBER },
	{ "Speed", "Speed", "speed", COL_MEMBER },
	{ "Capacity", "Capacity", "capacity", COL_MEMBER },
	{ "Scheduled", "Scheduled", "scheduled", COL_MEMBER },
	{ "Reason", "Reason", "reason", COL_MEMBER },
	END_COLS
};

static const struct column nioc_class_cols[] = {
	{ "Class", "Class", "class", COL_STRING },
	{ "Shares", "Shares", "shares", COL_INT },
	{ "Shares Level", "SharesLevel", "shares_level", COL_STRING },
	{ "Reservation", "Reservation", "reservation", COL_INT },
	{ "Limit", "Limit", "limit", COL_INT },
	{ "DSCP", "DSCP", "dscp", COL_INT },
	{ "CoS", "CoS", "cos", COL_INT },
	{ "Priority Tag", "PriorityTag", "priority_tag", COL_BOOL },
	END_COLS
};

static const struct column nioc_stats_cols[] = {
	{ "Class", "Class", "class", COL_STRING },
	{ "Packets Sent", "PacketsSent", "packets_sent", COL_INT },
	{ "Bytes Sent", "BytesSent", "bytes_sent", COL_INT },
	{ "Packets Dropped", "PacketsDropped", "packets_dropped", COL_INT },
	END_COLS
};

/* ---- policies: `[portgroup] policy security|failover|shaping get|set` ---- */

#define VS_OPT(req) { 'v', "vswitch-name", "vswitch_name", OPT_STRING, req, \
		      "The name of the virtual switch." }
#define PG_OPT      { 'p', "portgroup-name", "portgroup_name", OPT_STRING, true, \
		      "The name of the port group." }
#define USE_VS_OPT  { 'u', "use-vswitch", "use_vswitch", OPT_FLAG, false, \
		      "Drop the port group's overrides: inherit the virtual switch's policy." }

static const struct opt_spec vs_policy_get_opts[] = { VS_OPT(true), END_OPTS };
static const struct opt_spec pg_policy_get_opts[] = { PG_OPT, END_OPTS };

#define SEC_OPTS(promisc_short) \
	{ promisc_short, "allow-promiscuous", "allow_promiscuous", OPT_BOOL, false, \
	  "Allow promiscuous mode: ports receive every frame of their VLAN." }, \
	{ 'm', "allow-mac-change", "allow_mac_change", OPT_BOOL, false, \
	  "Allow MAC address changes: frames to a port whose guest changed its MAC " \
	  "are delivered." }, \
	{ 'f', "allow-forged-transmits", "allow_forged_transmits", OPT_BOOL, false, \
	  "Allow forged transmits: frames whose source MAC is not the port's are sent." }

static const struct opt_spec vs_security_set_opts[] = { VS_OPT(true), SEC_OPTS('p'), END_OPTS };
static const struct opt_spec pg_security_set_opts[] = {
	PG_OPT, SEC_OPTS('o'), USE_VS_OPT, END_OPTS
};

#define FAILOVER_OPTS \
	{ 'a', "active-uplinks", "active_uplinks", OPT_STRING, false, \
	  "Active uplinks, in order, comma-separated (vmnic0,vmnic1); \"\": every uplink." }, \
	{ 's', "standby-uplinks", "standby_uplinks", OPT_STRING, false, \
	  "Standby uplinks, in order, comma-separated." }, \
	{ 'l', "load-balancing", "load_balancing", OPT_STRING, false, \
	  "Load balancing: portid (originating port), mac (source MAC hash), iphash, " \
	  "explicit (failover order)." }, \
	{ 'f', "failure-detection", "failure_detection", OPT_STRING, false, \
	  "Network failure detection: link (link status only) or beacon (link status " \
	  "and beacon probing)." }, \
	{ 'n', "notify-switches", "notify_switches", OPT_BOOL, false, \
	  "Send RARPs for the guests' MACs out of the uplink taking over." }, \
	{ 'b', "failback", "failback", OPT_BOOL, false, \
	  "Return to an active uplink when its link comes back." }

static const struct opt_spec vs_failover_set_opts[] = { VS_OPT(true), FAILOVER_OPTS, END_OPTS };
static const struct opt_spec pg_failover_set_opts[] = {
	PG_OPT, FAILOVER_OPTS, USE_VS_OPT, END_OPTS
};

#define SHAPING_OPTS \
	{ 'e', "enabled", "enabled", OPT_BOOL, false, "Enable traffic shaping." }, \
	{ 'k', "avg-bandwidth", "avg_bandwidth", OPT_INT, false, \
	  "Average bandwidth in Kbps (1-100000000)." }, \
	{ 't', "peak-bandwidth", "peak_bandwidth", OPT_INT, false, \
	  "Peak bandwidth in Kbps (at least the average)." }, \
	{ 'b', "burst-size", "burst_size", OPT_INT, false, "Burst size in KB (at least 2)." }

static const struct opt_spec vs_shaping_set_opts[] = { VS_OPT(true), SHAPING_OPTS, END_OPTS };
static const struct opt_spec pg_shaping_set_opts[] = {
	PG_OPT, SHAPING_OPTS, USE_VS_OPT, END_OPTS
};

#define SEC_COLS \
	{ "Allow Promiscuous", "AllowPromiscuous", "allow_promiscuous", COL_BOOL }, \
	{ "Allow MAC Address Change", "AllowMACAddressChange", "allow_mac_change", COL_BOOL }, \
	{ "Allow Forged Transmits", "AllowForgedTransmits", "allow_forged_transmits", COL_BOOL }

static const struct column vs_security_cols[] = { SEC_COLS, END_COLS };
static const struct column pg_security_cols[] = {
	SEC_COLS,
	{ "Override Vswitch Promiscuous", "OverrideVswitchPromiscuous", "override_promiscuous",
	  COL_BOOL },
	{ "Override Vswitch MAC Address Change", "OverrideVswitchMACAddressChange",
	  "override_mac_change", COL_BOOL },
	{ "Override Vswitch Forged Transmits", "OverrideVswitchForgedTransmits",
	  "override_forged_transmits", COL_BOOL },
	END_COLS
};

#define FAILOVER_COLS \
	{ "Load Balancing", "LoadBalancing", "load_balancing", COL_STRING }, \
	{ "Network Failure Detection", "NetworkFailureDetection", "failure_detection", \
	  COL_STRING }, \
	{ "Notify Switches", "NotifySwitches", "notify_switches", COL_BOOL }, \
	{ "Failback", "Failback", "failback", COL_BOOL }, \
	{ "Active Adapters", "ActiveAdapters", "active_adapters", COL_LIST }, \
	{ "Standby Adapters", "StandbyAdapters", "standby_adapters", COL_LIST }, \
	{ "Unused Adapters", "UnusedAdapters", "unused_adapters", COL_LIST }

static const struct column vs_failover_cols[] = { FAILOVER_COLS, END_COLS };
static const struct column pg_failover_cols[] = {
	FAILOVER_COLS,
	{ "Override Vswitch Load Balancing", "OverrideVswitchLoadBalancing",
	  "override_load_balancing", COL_BOOL },
	{ "Override Vswitch Network Failure Detection",
	  "OverrideVswitchNetworkFailureDetection", "override_failure_detection", COL_BOOL },
	{ "Override Vswitch Notify Switches", "OverrideVswitchNotifySwitches",
	  "override_notify_switches", COL_BOOL },
	{ "Override Vswitch Failback", "OverrideVswitchFailback", "override_failback",
	  COL_BOOL },
	{ "Override Vswitch Uplinks", "OverrideVswitchUplinks", "override_uplinks", COL_BOOL },
	END_COLS
};

#define SHAPING_COLS \
	{ "Enabled", "Enabled", "enabled", COL_BOOL }, \
	{ "Average Bandwidth", "AverageBandwidth", "average_bandwidth", COL_KBPS }, \
	{ "Peak Bandwidth", "PeakBandwidth", "peak_bandwidth", COL_KBPS }, \
	{ "Burst Size", "BurstSize", "burst_size", COL_KBYTES }

static const struct column vs_shaping_cols[] = { SHAPING_COLS, END_COLS };
static const struct column pg_shaping_cols[] = {
	SHAPING_COLS,
	{ "Override Vswitch Shaping", "OverrideVswitchShaping", "override_shaping", COL_BOOL },
	END_COLS
};

const struct command commands[] = {
	{ "network nic list", "Lists the physical NICs (every ethdev vmknetd probed).",
	  "nic.list", no_opts, OUT_TABLE, nic_cols, "PhysicalNic", NULL },
	{ "network nic get", "Get the generic information of a physical NIC.",
	  "nic.get", nic_stats_opts, OUT_FIELDS, nic_get_cols, "NICInfo", NULL },
	{ "network nic set", "Set the speed Network I/O Control gives a physical NIC (for a "
	  "virtual NIC that reports none, or to schedule below the wire's rate).",
	  "nic.set", nic_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network nic down", "Take a physical NIC's link down: teams fail over from it, as if "
	  "its cable were pulled (not kept across a restart).",
	  "nic.down", nic_stats_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network nic up", "Bring a physical NIC's link back up after 'nic down'.",
	  "nic.up", nic_stats_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network nic stats get", "Get the statistics of a physical NIC.",
	  "nic.stats", nic_stats_opts, OUT_OBJECT, nic_stats_cols, "NicStats",
	  "NIC statistics for %s" },
	{ "network nioc get", "Get whether Network I/O Control is on, and each uplink's speed, "
	  "capacity and whether it is scheduled.", "nioc.get", no_opts, OUT_FIELDS,
	  nioc_get_cols, "NetworkIOControl", NULL },
	{ "network nioc set", "Turn Network I/O Control on or off.",
	  "nioc.set", nioc_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network nioc class set", "Set a traffic class's shares, reservation, limit and "
	  "marking (only the options given change; all or nothing).",
	  "nioc.class.set", nioc_class_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network nioc class list", "List the traffic classes: shares, reservation and limit "
	  "(Mbit/s, -1 unlimited), and marking (DSCP, CoS: -1 none).",
	  "nioc.class.list", no_opts, OUT_TABLE, nioc_class_cols, "TrafficClass", NULL },
	{ "network nioc class stats get", "Get what a physical NIC sent of each traffic class.",
	  "nioc.class.stats", nic_stats_opts, OUT_TABLE, nioc_stats_cols, "ClassStats", NULL },
	{ "network vswitch standard add", "Add a new virtual switch.",
	  "vswitch.add", vswitch_add_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard list", "List the virtual switches of the host.",
	  "vswitch.list", vswitch_list_opts, OUT_LIST, vswitch_cols, "VirtualSwitch", NULL },
	{ "network vswitch standard remove",
	  "Remove a virtual switch with its port groups and uplinks.",
	  "vswitch.remove", vswitch_name_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard set", "Change the MTU or the CDP status of a virtual switch.",
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
	{ "network vswitch standard policy security get",
	  "Get the security policy of a virtual switch.",
	  "policy.security.get", vs_policy_get_opts, OUT_FIELDS, vs_security_cols,
	  "SecurityPolicy", NULL },
	{ "network vswitch standard policy security set",
	  "Set the security policy of a virtual switch.",
	  "policy.security.set", vs_security_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard policy failover get",
	  "Get the teaming and failover policy of a virtual switch.",
	  "policy.failover.get", vs_policy_get_opts, OUT_FIELDS, vs_failover_cols,
	  "FailoverPolicy", NULL },
	{ "network vswitch standard policy failover set",
	  "Set the teaming and failover policy of a virtual switch.",
	  "policy.failover.set", vs_failover_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard policy shaping get",
	  "Get the traffic shaping policy of a virtual switch.",
	  "policy.shaping.get", vs_policy_get_opts, OUT_FIELDS, vs_shaping_cols,
	  "ShapingPolicy", NULL },
	{ "network vswitch standard policy shaping set",
	  "Set the traffic shaping policy of a virtual switch.",
	  "policy.shaping.set", vs_shaping_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard portgroup policy security get",
	  "Get the security policy of a port group (effective, and what it overrides).",
	  "policy.security.get", pg_policy_get_opts, OUT_FIELDS, pg_security_cols,
	  "SecurityPolicy", NULL },
	{ "network vswitch standard portgroup policy security set",
	  "Override fields of the virtual switch's security policy for a port group.",
	  "policy.security.set", pg_security_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard portgroup policy failover get",
	  "Get the teaming and failover policy of a port group.",
	  "policy.failover.get", pg_policy_get_opts, OUT_FIELDS, pg_failover_cols,
	  "FailoverPolicy", NULL },
	{ "network vswitch standard portgroup policy failover set",
	  "Override the virtual switch's teaming and failover policy for a port group.",
	  "policy.failover.set", pg_failover_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vswitch standard portgroup policy shaping get",
	  "Get the traffic shaping policy of a port group.",
	  "policy.shaping.get", pg_policy_get_opts, OUT_FIELDS, pg_shaping_cols,
	  "ShapingPolicy", NULL },
	{ "network vswitch standard portgroup policy shaping set",
	  "Override the virtual switch's traffic shaping policy for a port group.",
	  "policy.shaping.set", pg_shaping_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, OUT_NONE, NULL, NULL, NULL },
};

const struct namespace_help namespaces[] = {
	{ "network", "Operations that pertain to the VMkernel network stack." },
	{ "network nic", "Operations on the physical NICs." },
	{ "network nic stats", "Statistics of the physical NICs." },
	{ "network nioc", "Network I/O Control: traffic classes on the uplinks." },
	{ "network nioc class", "The traffic classes: shares, reservation, limit, marking and "
	  "counters." },
	{ "network nioc class stats", "Per-class statistics of the physical NICs." },
	{ "network vswitch", "Commands to list and manipulate virtual switches." },
	{ "network vswitch standard", "Commands to list and manipulate standard virtual "
	  "switches." },
	{ "network vswitch standard portgroup", "Commands to list and manipulate port groups "
	  "on a standard virtual switch." },
	{ "network vswitch standard uplink", "Commands to add and remove uplinks of a "
	  "standard virtual switch." },
	{ "network vswitch standard policy", "Policies of a standard virtual switch." },
	{ "network vswitch standard policy security", "The security policy." },
	{ "network vswitch standard policy failover", "The teaming and failover policy." },
	{ "network vswitch standard policy shaping", "The traffic shaping policy." },
	{ "network vswitch standard portgroup policy", "Policies of a port group: overrides "
	  "of its virtual switch's." },
	{ "network vswitch standard portgroup policy security", "The security policy." },
	{ "network vswitch standard portgroup policy failover", "The teaming and failover "
	  "policy." },
	{ "network vswitch standard portgroup policy shaping", "The traffic shaping policy." },
	{ NULL, NULL },
};
