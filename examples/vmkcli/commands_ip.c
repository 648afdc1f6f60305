/*
 * vmkcli's `network ip` rows: VMkernel interfaces, their IPv4 settings and
 * service tags, routes, netstacks, neighbours and connections, with
 * esxcli's options and column names. The vmknetd operations are in
 * examples/vmknetd/ops_ip.c and ops_ip_live.c.
 */
#include <stddef.h>

#include "vmkcli/vmkcli.h"

#define END_OPTS { 0, NULL, NULL, OPT_STRING, false, NULL }
#define END_COLS { NULL, NULL, NULL, COL_STRING }

static const struct opt_spec no_opts[] = { END_OPTS };

#define IF_OPT(req) { 'i', "interface-name", "interface_name", OPT_STRING, req, \
		      "The VMkernel interface (vmkN)." }
#define NS_OPT(help) { 'N', "netstack", "netstack", OPT_STRING, false, help }

static const struct opt_spec if_add_opts[] = {
	{ 'i', "interface-name", "interface_name", OPT_STRING, false,
	  "The name of the new interface (vmkN; default: the lowest free one)." },
	{ 'p', "portgroup-name", "portgroup_name", OPT_STRING, true,
	  "The port group to connect the interface to." },
	{ 'v', "vswitch-name", "vswitch_name", OPT_STRING, false,
	  "The standard vSwitch of the port group (checked when given)." },
	{ 'M', "mac-address", "mac_address", OPT_STRING, false,
	  "The MAC address (default: generated, unique on the host)." },
	{ 'm', "mtu", "mtu", OPT_INT, false,
	  "The MTU, 1280-9000, not above the vSwitch's (default 1500)." },
	NS_OPT("The netstack of the interface, fixed once created (default "
	       "defaultTcpipStack)."),
	END_OPTS
};

static const struct opt_spec if_name_opts[] = { IF_OPT(true), END_OPTS };
static const struct opt_spec if_name_opt_opts[] = { IF_OPT(false), END_OPTS };

static const struct opt_spec if_set_opts[] = {
	IF_OPT(true),
	{ 'm', "mtu", "mtu", OPT_INT, false, "The MTU, 1280-9000, not above the vSwitch's." },
	{ 'e', "enabled", "enabled", OPT_BOOL, false, "Enable or disable the interface." },
	END_OPTS
};

static const struct opt_spec ipv4_set_opts[] = {
	IF_OPT(true),
	{ 'I', "ipv4", "ipv4", OPT_STRING, false, "The static IPv4 address." },
	{ 'N', "netmask", "netmask", OPT_STRING, false, "The IPv4 netmask." },
	{ 't', "type", "type", OPT_STRING, false,
	  "static (default: needs -I and -N), dhcp (lease the address, netmask and gateway) "
	  "or none (removes the address)." },
	{ 'g', "gateway", "gateway", OPT_STRING, false,
	  "The interface's own gateway, used only for traffic sourced from it." },
	{ 'P', "peer-dns", "peer_dns", OPT_BOOL, false,
	  "With -t dhcp: record the DNS servers the DHCP server gives (default false)." },
	END_OPTS
};

static const struct opt_spec tag_opts[] = {
	IF_OPT(true),
	{ 't', "tagname", "tagname", OPT_STRING, true,
	  "Management, VMotion, Provisioning, faultToleranceLogging, VSAN, VSANWitness, "
	  "vSphereReplication, vSphereReplicationNFC, vSphereBackupNFC or NVMeTCP." },
	END_OPTS
};

static const struct opt_spec route_add_opts[] = {
	{ 'n', "network", "network", OPT_STRING, true,
	  "The network, a.b.c.d/len, or \"default\" for the default gateway." },
	{ 'g', "gateway", "gateway", OPT_STRING, true, "The gateway (next hop)." },
	NS_OPT("The netstack (default defaultTcpipStack)."),
	{ 0, "replace", "replace", OPT_FLAG, false,
	  "Replace the route (or the one default gateway) if there is one." },
	END_OPTS
};

static const struct opt_spec route_remove_opts[] = {
	{ 'n', "network", "network", OPT_STRING, true,
	  "The network, a.b.c.d/len, or \"default\"." },
	{ 'g', "gateway", "gateway", OPT_STRING, false, "The gateway (checked when given)." },
	NS_OPT("The netstack (default defaultTcpipStack)."),
	END_OPTS
};

static const struct opt_spec ns_opt_opts[] = {
	NS_OPT("The netstack (default defaultTcpipStack)."), END_OPTS
};

static const struct opt_spec ns_req_opts[] = {
	{ 'N', "netstack", "netstack", OPT_STRING, true, "The netstack." }, END_OPTS
};

static const struct opt_spec ns_set_opts[] = {
	{ 'N', "netstack", "netstack", OPT_STRING, true, "The netstack." },
	{ 'c', "ccalgo", "ccalgo", OPT_STRING, false,
	  "The TCP congestion control algorithm: newreno (the default) or cubic." },
	{ 0, "rto-min-ms", "rto_min_ms", OPT_INT, false,
	  "The minimum TCP retransmission timeout in ms, 1-1000 (default 200)." },
	END_OPTS
};

static const struct opt_spec neigh_list_opts[] = {
	NS_OPT("Only this netstack (default: every netstack)."),
	{ 'i', "interface-name", "interface_name", OPT_STRING, false,
	  "Only neighbours reached through this interface." },
	{ 'v', "version", "version", OPT_STRING, false,
	  "The IP version: 4, 6 or all (default all; the netstacks are IPv4 only, so 6 "
	  "lists nothing)." },
	END_OPTS
};

static const struct opt_spec if_list_opts[] = {
	NS_OPT("Only the interfaces of this netstack (default: every netstack)."),
	END_OPTS
};

static const struct opt_spec neigh_remove_opts[] = {
	{ 'a', "neighbor-addr", "address", OPT_STRING, true, "The neighbour's IPv4 address." },
	{ 0, "address", "address", OPT_STRING, false, "Same as --neighbor-addr." },
	NS_OPT("The netstack (default defaultTcpipStack)."),
	{ 'v', "version", "version", OPT_STRING, false, "The IP version: 4." },
	END_OPTS
};

static const struct opt_spec conn_list_opts[] = {
	NS_OPT("Only this netstack (default: every netstack)."),
	{ 't', "type", "type", OPT_STRING, false, "all (default), ip, tcp or udp." },
	END_OPTS
};

static const struct column if_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "MAC Address", "MACAddress", "mac_address", COL_STRING },
	{ "Enabled", "Enabled", "enabled", COL_BOOL },
	{ "Portset", "Portset", "portset", COL_STRING },
	{ "Portgroup", "Portgroup", "portgroup", COL_STRING },
	{ "Netstack Instance", "NetstackInstance", "netstack", COL_STRING },
	{ "VDS Name", "VDSName", "vds_name", COL_STRING },
	{ "VDS UUID", "VDSUUID", "vds_uuid", COL_STRING },
	{ "VDS Port", "VDSPort", "vds_port", COL_STRING },
	{ "VDS Connection", "VDSConnection", "vds_connection", COL_INT },
	{ "Opaque Network ID", "OpaqueNetworkID", "opaque_network_id", COL_STRING },
	{ "Opaque Network Type", "OpaqueNetworkType", "opaque_network_type", COL_STRING },
	{ "External ID", "ExternalID", "external_id", COL_STRING },
	{ "MTU", "MTU", "mtu", COL_INT },
	{ "TSO MSS", "TSOMSS", "tso_mss", COL_INT },
	{ "RXDispQueue Size", "RXDispQueueSize", "rxdispqueue_size", COL_INT },
	{ "Port ID", "PortID", "port_id", COL_INT },
	END_COLS
};

static const struct column ipv4_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "IPv4 Address", "IPv4Address", "ipv4_address", COL_STRING },
	{ "IPv4 Netmask", "IPv4Netmask", "ipv4_netmask", COL_STRING },
	{ "IPv4 Broadcast", "IPv4Broadcast", "ipv4_broadcast", COL_STRING },
	{ "Address Type", "AddressType", "address_type", COL_STRING },
	{ "Gateway", "Gateway", "gateway", COL_STRING },
	{ "DHCP DNS", "DHCPDNS", "dhcp_dns", COL_BOOL },
	{ "DNS Servers", "DNSServers", "dns_servers", COL_STRING },
	END_COLS
};

/* vmknet's own: the DHCP client of each interface set -t dhcp. */
static const struct column dhcp_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "State", "State", "state", COL_STRING },
	{ "Address", "Address", "address", COL_STRING },
	{ "Netmask", "Netmask", "netmask", COL_STRING },
	{ "Router", "Router", "router", COL_STRING },
	{ "Router In Use", "RouterInUse", "router_in_use", COL_BOOL },
	{ "Server", "Server", "server", COL_STRING },
	{ "Lease Time", "LeaseTime", "lease_time", COL_INT },
	{ "Renewal Time", "RenewalTime", "renewal_time", COL_INT },
	{ "Rebinding Time", "RebindingTime", "rebinding_time", COL_INT },
	{ "Remaining", "Remaining", "remaining", COL_INT },
	{ "Peer DNS", "PeerDNS", "peer_dns", COL_BOOL },
	{ "DNS Servers", "DNSServers", "dns_servers", COL_STRING },
	{ "Discovers", "Discovers", "discovers", COL_INT },
	{ "Requests", "Requests", "requests", COL_INT },
	{ "Renewals", "Renewals", "renewals", COL_INT },
	{ "Rebinds", "Rebinds", "rebinds", COL_INT },
	{ "Releases", "Releases", "releases", COL_INT },
	{ "Offers", "Offers", "offers", COL_INT },
	{ "Acks", "Acks", "acks", COL_INT },
	{ "Naks", "Naks", "naks", COL_INT },
	{ "Leases", "Leases", "leases", COL_INT },
	{ "Expired", "Expired", "expired", COL_INT },
	{ "Dropped", "Dropped", "dropped", COL_STRING },
	END_COLS
};

static const struct column tag_cols[] = { { "Tags", "Tags", "tags", COL_LIST }, END_COLS };

static const struct column route_cols[] = {
	{ "Network", "Network", "network", COL_STRING },
	{ "Netmask", "Netmask", "netmask", COL_STRING },
	{ "Gateway", "Gateway", "gateway", COL_STRING },
	{ "Interface", "Interface", "interface", COL_STRING },
	{ "Source", "Source", "source", COL_STRING },
	END_COLS
};

static const struct column ns_list_cols[] = {
	{ "Key", "Key", "key", COL_STRING },
	{ "Name", "Name", "name", COL_STRING },
	{ "State", "State", "state", COL_STRING },
	END_COLS
};

static const struct column ns_get_cols[] = {
	{ "Key", "Key", "key", COL_STRING },
	{ "Name", "Name", "name", COL_STRING },
	{ "Enabled", "Enabled", "enabled", COL_BOOL },
	{ "Type", "Type", "type", COL_STRING },
	{ "Default Gateway", "DefaultGateway", "default_gateway", COL_STRING },
	{ "Static Routes", "StaticRoutes", "static_routes", COL_INT },
	{ "Congestion Control Algorithm", "CongestionControlAlgorithm", "ccalgo", COL_STRING },
	{ "TCP Minimum RTO (ms)", "TCPMinimumRTOms", "rto_min_ms", COL_INT },
	{ "Interfaces", "Interfaces", "interfaces", COL_LIST },
	{ "IPv4 Received", "IPv4Received", "ip_rx", COL_INT },
	{ "IPv4 Sent", "IPv4Sent", "ip_tx", COL_INT },
	{ "State", "State", "state", COL_STRING },
	END_COLS
};

static const struct column neigh_cols[] = {
	{ "Neighbor", "Neighbor", "neighbor", COL_STRING },
	{ "Mac Address", "MacAddress", "mac_address", COL_STRING },
	{ "Vmknic", "Vmknic", "vmknic", COL_STRING },
	{ "Expiry", "Expiry", "expiry", COL_STRING },
	{ "State", "State", "state", COL_STRING },
	{ "Type", "Type", "type", COL_STRING },
	{ "Netstack", "Netstack", "netstack", COL_STRING },
	END_COLS
};

static const struct column conn_cols[] = {
	{ "Proto", "Proto", "proto", COL_STRING },
	{ "Recv Q", "RecvQ", "recv_q", COL_INT },
	{ "Send Q", "SendQ", "send_q", COL_INT },
	{ "Local Address", "LocalAddress", "local_address", COL_STRING },
	{ "Foreign Address", "ForeignAddress", "foreign_address", COL_STRING },
	{ "State", "State", "state", COL_STRING },
	{ "World ID", "WorldID", "world_id", COL_INT },
	{ "CC Algo", "CCAlgo", "cc_algo", COL_STRING },
	{ "World Name", "WorldName", "world_name", COL_STRING },
	{ "Traffic Class", "TrafficClass", "traffic_class", COL_STRING },
	{ "Netstack", "Netstack", "netstack", COL_STRING },
	END_COLS
};

#define CHANGE(path, help, op, opts) { path, help, op, opts, OUT_NONE, NULL, NULL, NULL }

const struct command ip_commands[] = {
	CHANGE("network ip interface add", "Add a VMkernel interface to a port group.",
	       "interface.add", if_add_opts),
	CHANGE("network ip interface remove", "Remove a VMkernel interface.",
	       "interface.remove", if_name_opts),
	CHANGE("network ip interface set", "Change the MTU or the enabled state of a VMkernel "
	       "interface.", "interface.set", if_set_opts),
	{ "network ip interface list", "List the VMkernel interfaces.", "interface.list",
	  if_list_opts, OUT_LIST, if_cols, "NetworkInterface", NULL },
	CHANGE("network ip interface ipv4 set", "Set or remove the IPv4 address of a VMkernel "
	       "interface.", "interface.ipv4.set", ipv4_set_opts),
	{ "network ip interface ipv4 get", "Get the IPv4 settings of the VMkernel interfaces.",
	  "interface.ipv4.get", if_name_opt_opts, OUT_TABLE, ipv4_cols, "IPv4Interface", NULL },
	{ "network ip interface ipv4 dhcp get", "Get the DHCP client of the VMkernel interfaces "
	  "set -t dhcp: state, lease, counters (vmknet's own).", "interface.ipv4.dhcp.get",
	  if_name_opt_opts, OUT_LIST, dhcp_cols, "DHCPClient", NULL },
	CHANGE("network ip interface tag add", "Tag a VMkernel interface for a service.",
	       "interface.tag.add", tag_opts),
	CHANGE("network ip interface tag remove", "Remove a service tag from a VMkernel "
	       "interface.", "interface.tag.remove", tag_opts),
	{ "network ip interface tag get", "Get the service tags of a VMkernel interface.",
	  "interface.tag.get", if_name_opts, OUT_FIELDS, tag_cols, "Tags", NULL },
	CHANGE("network ip route ipv4 add", "Add a static route, or the default gateway, of a "
	       "netstack.", "route.ipv4.add", route_add_opts),
	CHANGE("network ip route ipv4 remove", "Remove a static route or the default gateway.",
	       "route.ipv4.remove", route_remove_opts),
	{ "network ip route ipv4 list", "List the routes of a netstack (connected, static, "
	  "default).", "route.ipv4.list", ns_opt_opts, OUT_TABLE, route_cols, "RouteIPv4", NULL },
	CHANGE("network ip netstack add", "Add a custom netstack.", "netstack.add", ns_req_opts),
	CHANGE("network ip netstack remove", "Remove a custom netstack without interfaces.",
	       "netstack.remove", ns_req_opts),
	CHANGE("network ip netstack set", "Change the TCP settings of a netstack (congestion "
	       "control, minimum retransmission timeout).", "netstack.set", ns_set_opts),
	{ "network ip netstack list", "List the netstacks.", "netstack.list", no_opts, OUT_LIST,
	  ns_list_cols, "Netstack", NULL },
	{ "network ip netstack get", "Get the settings and counters of a netstack.",
	  "netstack.get", ns_req_opts, OUT_LIST, ns_get_cols, "Netstack", NULL },
	{ "network ip neighbor list", "List the ARP neighbours of the netstacks.",
	  "neighbor.list", neigh_list_opts, OUT_TABLE, neigh_cols, "Neighbor", NULL },
	CHANGE("network ip neighbor remove", "Remove an ARP neighbour entry.", "neighbor.remove",
	       neigh_remove_opts),
	{ "network ip connection list", "List the sockets of the netstacks (UDP; TCP when it "
	  "is there).", "connection.list", conn_list_opts, OUT_TABLE, conn_cols, "Connection",
	  NULL },
	{ NULL, NULL, NULL, NULL, OUT_NONE, NULL, NULL, NULL },
};

const struct namespace_help ip_namespaces[] = {
	{ "network ip", "Operations on VMkernel interfaces, routes, netstacks and neighbours." },
	{ "network ip interface", "VMkernel interfaces." },
	{ "network ip interface ipv4", "IPv4 settings of VMkernel interfaces." },
	{ "network ip interface ipv4 dhcp", "DHCP clients of VMkernel interfaces." },
	{ "network ip interface tag", "Service tags of VMkernel interfaces." },
	{ "network ip route", "Routing tables of the netstacks." },
	{ "network ip route ipv4", "IPv4 routes." },
	{ "network ip netstack", "TCP/IP stack instances." },
	{ "network ip neighbor", "ARP neighbour tables." },
	{ "network ip connection", "Sockets of the netstacks." },
	{ NULL, NULL },
};
