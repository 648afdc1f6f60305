/*
 * vmkcli's `network vm` rows: the VMs' guest ports (virtio-net over
 * vhost-user). `network vm list` and `network vm port list` follow esxcli's
 * shapes and column names; `network vm port add|remove` are vmknet's own
 * (on ESXi the VM's configuration makes the port). A VM is the part of a
 * port's name before its last '.'. The vmknetd operations are in
 * examples/vmknetd/ops_guest.c.
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
	{ NULL, NULL, NULL, NULL, OUT_NONE, NULL, NULL, NULL },
};

const struct namespace_help vm_namespaces[] = {
	{ "network vm", "The VMs' guest ports (virtio-net over vhost-user)." },
	{ "network vm port", "Guest ports: add, remove and list them." },
	{ NULL, NULL },
};
