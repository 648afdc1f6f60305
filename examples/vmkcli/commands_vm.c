/*
 * vmkcli's `network vm` rows: the VMs' guest ports (virtio-net over
 * vhost-user). `network vm list` and `network vm port list` follow esxcli's
 * shapes and column names; `network vm port add|remove` are vmknet's own
 * (on ESXi the VM's configuration makes the port). A VM is the part of a
 * port's name before its last '.'. The vmknetd operations are in
 * examples/vmknetd/ops_guest.c. Beside them, vmknet's own `network vmotion`
 * rows: a vMotion-like transfer of guest memory pages between two hosts
 * over their VMotion-tagged adapters (examples/vmknetd/ops_vmotion.c).
 */
#include <stddef.h>

#include "vmkcli/vmkcli.h"

#define END_OPTS { 0, NULL, NULL, OPT_STRING, false, NULL }
#define END_COLS { NULL, NULL, NULL, COL_STRING }

static const struct opt_spec no_opts[] = { END_OPTS };

static const struct opt_spec port_add_opts[] = {
	{ 'n', "name", "name", OPT_STRING, true,
	  "The guest port, unique on the host: VM.NIC, e.g. vm1.eth0 (1-31 bytes)." },
	{ 'p', "portgroup-name", "portgroup_name", OPT_STRING, true,
	  "The port group to connect the port to." },
	{ 'v', "vswitch-name", "vswitch_name", OPT_STRING, false,
	  "The standard vSwitch of the port group (checked when given)." },
	{ 's', "socket", "socket", OPT_PATH, true,
	  "The vhost-user socket (made absolute; at most 107 bytes)." },
	{ 0, "server", "server", OPT_FLAG, false,
	  "Server mode: the switch creates the socket and the VM connects (default: client "
	  "mode, the VM listens and either side may restart)." },
	{ 'm', "mac-address", "mac_address", OPT_STRING, false,
	  "The vNIC's MAC (default: generated 02:0c:29:xx:xx:xx, saved; give it to the VM)." },
	{ 'q', "queues", "queues", OPT_INT, false, "Queue pairs, 1-16 (default 1)." },
	END_OPTS
};

static const struct opt_spec port_remove_opts[] = {
	{ 'n', "name", "name", OPT_STRING, true, "The guest port." }, END_OPTS
};

static const struct opt_spec port_list_opts[] = {
	{ 'n', "name", "name", OPT_STRING, false,
	  "Only this guest port, or the ports of this VM." },
	END_OPTS
};

static const struct column port_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "Port ID", "PortID", "port_id", COL_INT },
	{ "vSwitch", "vSwitch", "vswitch", COL_STRING },
	{ "Portgroup", "Portgroup", "portgroup", COL_STRING },
	{ "MAC Address", "MACAddress", "mac_address", COL_STRING },
	{ "Socket", "Socket", "socket", COL_STRING },
	{ "Mode", "Mode", "mode", COL_STRING },
	{ "Queues", "Queues", "queues", COL_INT },
	{ "Link", "Link", "link", COL_STRING },
	END_COLS
};

#define VMO_IF_OPT { 'i', "interface-name", "interface_name", OPT_STRING, false, \
		    "The VMkernel interface, tagged VMotion (default: the first so tagged)." }
#define VMO_PORT_OPT { 'P', "port", "port", OPT_INT, false, \
		      "The TCP port of the destination, 1-65535 (default 8000)." }

static const struct opt_spec vmotion_receive_opts[] = {
	VMO_IF_OPT, VMO_PORT_OPT,
	{ 'w', "wait", "wait", OPT_INT, false,
	  "Seconds to wait for the source to connect, 1-3600 (default 60)." },
	END_OPTS
};

static const struct opt_spec vmotion_send_opts[] = {
	{ 'H', "host", "host", OPT_STRING, true,
	  "The destination host's vMotion address (IPv4)." },
	{ 's', "size", "size", OPT_INT, true,
	  "MiB of guest memory pages to move, 1-65536." },
	VMO_IF_OPT, VMO_PORT_OPT,
	{ 'S', "seed", "seed", OPT_INT, false,
	  "The seed the pages' content is derived from, 0-4294967295 (default 1)." },
	END_OPTS
};

static const struct column vmotion_cols[] = {
	{ "State", "State", "state", COL_STRING },
	{ "Role", "Role", "role", COL_STRING },
	{ "Interface", "Interface", "interface", COL_STRING },
	{ "Netstack", "Netstack", "netstack", COL_STRING },
	{ "Local Address", "LocalAddress", "local_address", COL_STRING },
	{ "Peer Address", "PeerAddress", "peer_address", COL_STRING },
	{ "Port", "Port", "port", COL_INT },
	{ "Size (MiB)", "SizeMiB", "size_mib", COL_INT },
	{ "Seed", "Seed", "seed", COL_INT },
	{ "Bytes", "Bytes", "bytes", COL_INT },
	{ "Pages", "Pages", "pages", COL_INT },
	{ "Pages Checked", "PagesChecked", "pages_checked", COL_INT },
	{ "Elapsed (ms)", "ElapsedMs", "elapsed_ms", COL_INT },
	{ "Rate (MiB/s)", "RateMiBs", "mib_per_s", COL_INT },
	{ "Error", "Error", "error", COL_STRING },
	END_COLS
};

static const struct column vm_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "Num Ports", "NumPorts", "num_ports", COL_INT },
	{ "Networks", "Networks", "networks", COL_LIST },
	END_COLS
};

const struct command vm_commands[] = {
	{ "network vm list", "List the VMs with guest ports: their number of ports and "
	  "networks.", "vm.list", no_opts, OUT_TABLE, vm_cols, "VM", NULL },
	{ "network vm port add", "Add a guest port: a VM's virtio-net vNIC over a vhost-user "
	  "socket.", "vm.port.add", port_add_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vm port remove", "Remove a guest port.", "vm.port.remove", port_remove_opts,
	  OUT_NONE, NULL, NULL, NULL },
	{ "network vm port list", "List the guest ports (of one VM, or one port).",
	  "vm.port.list", port_list_opts, OUT_LIST, port_cols, "VMPort", NULL },
	{ "network vmotion receive", "Be the destination of a vMotion transfer: listen on a "
	  "VMotion interface's address and check every page that arrives (returns at once; "
	  "see get).", "vmotion.receive", vmotion_receive_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vmotion send", "Move guest memory pages to a destination host over vmknet "
	  "TCP, zero-copy, from a VMotion interface (returns at once; see get).",
	  "vmotion.send", vmotion_send_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network vmotion get", "Show the host's vMotion transfer: state, pages moved and "
	  "checked, rate.", "vmotion.get", no_opts, OUT_FIELDS, vmotion_cols, "VMotion", NULL },
	{ NULL, NULL, NULL, NULL, OUT_NONE, NULL, NULL, NULL },
};

const struct namespace_help vm_namespaces[] = {
	{ "network vm", "The VMs' guest ports (virtio-net over vhost-user)." },
	{ "network vm port", "Guest ports: add, remove and list them." },
	{ "network vmotion", "vMotion-like transfers of guest memory pages between hosts "
	  "(vmknet's own)." },
	{ NULL, NULL },
};
