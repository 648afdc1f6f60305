/*
 * Guest ports: esxcli's `network vm list` and `network vm port list`, plus
 * `network vm port add|remove` (vhost-user ports, which esxcli leaves to
 * the VM's configuration), as edits of the configuration (the commit path
 * in ops.c validates, applies and saves them) and as lists of what runs.
 *
 * Arguments: "name" (the guest port, unique on the host: "vm1.eth0"; for
 * the lists also a VM's name), "portgroup_name", "vswitch_name",
 * "socket" (an absolute path), "server" (boolean: the switch listens),
 * "queues" (queue pairs), "mac_address". A VM is the part of a port's name
 * before its last '.' (the whole name when it has none).
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmknetd/ops.h"

#define HINT_PORT_LIST " (see 'vmkcli network vm port list')"
#define HINT_VM_LIST   " (see 'vmkcli network vm list')"

/* The VM a port belongs to: its name up to the last '.'. */
static void vm_of(const char *port, char out[VMK_NAME_MAX])
{
	const char *dot = strrchr(port, '.');
	size_t len = dot != NULL && dot != port ? (size_t)(dot - port) : strlen(port);

	snprintf(out, VMK_NAME_MAX, "%.*s", (int)len, port);
}

/* Name, port group (and the vSwitch, checked when given) of a new port. */
static int guest_place(struct daemon *d, struct vmk_config *next, const cJSON *args,
		       struct vmk_config_guest_port *gp, char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL;
	const struct vmk_config_guest_port *o;
	const char *name, *pg, *sock;
	int ret = arg_name(args, "name", "guest port", &name, err, err_size);

	if (ret == 0)
		ret = arg_str(args, "socket", true, &sock, err, err_size);
	if (ret < 0)
		return ret;
	if (nic_find(d, name) != NULL) {
		op_errf(err, err_size, "\"%s\" is the name of a physical NIC: choose another "
			"name (VM.NIC, e.g. vm1.eth0)", name);
		return -EINVAL;
	}
	o = vmk_config_find_guest_port(next, name);
	if (o != NULL) {
		op_errf(err, err_size, "a guest port named \"%s\" already exists (on %s, port "
			"group %s): remove it first, or choose another name", name, o->vswitch,
			o->portgroup);
		return -EEXIST;
	}
	ret = arg_portgroup(next, args, &pg, &vs, err, err_size);
	if (ret < 0)
		return ret;
	if (sock[0] != '/') {
		op_errf(err, err_size, "socket path \"%s\" must be absolute", sock);
		return -EINVAL;
	}
	if (strlen(sock) >= VMK_CONFIG_SOCKET_PATH_MAX) {
		op_errf(err, err_size, "socket path is %zu bytes long: a Unix socket path holds "
			"at most %d", strlen(sock), VMK_CONFIG_SOCKET_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	for (unsigned int i = 0; i < next->n_guest_ports; i++) {
		if (strcmp(next->guest_ports[i].socket, sock) != 0)
			continue;
		op_errf(err, err_size, "socket %s is already used by guest port %s", sock,
			next->guest_ports[i].name);
		return -EEXIST;
	}
	vmk_config_guest_port_init(gp, name, vs->name, pg, sock);
	return 0;
}

static int guest_add(struct daemon *d, const cJSON *args, struct vmk_config *next,
		     char *err, size_t err_size)
{
	struct vmk_config_guest_port gp;
	const cJSON *server = cJSON_GetObjectItemCaseSensitive(args, "server");
	const char *mac;
	int ret;

	ret = guest_place(d, next, args, &gp, err, err_size);
	if (ret < 0)
		return ret;
	if (server != NULL && !cJSON_IsBool(server)) {
		op_errf(err, err_size, "argument \"server\" must be true or false");
		return -EINVAL;
	}
	gp.server = cJSON_IsTrue(server);
	ret = arg_uint(args, "queues", false, 1, VMK_CONFIG_GUEST_QUEUES_MAX, &gp.n_queues,
		       "number of queue pairs", err, err_size);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = arg_str(args, "mac_address", false, &mac, err, err_size);
	if (ret == 0 && parse_mac(mac, gp.mac) < 0) {
		op_errf(err, err_size, "MAC address \"%s\" is not xx:xx:xx:xx:xx:xx", mac);
		return -EINVAL;
	}
	if (ret == 0 && (gp.mac[0] & 1)) {
		op_errf(err, err_size, "MAC address %s is a multicast address: a vNIC needs a "
			"unicast one", mac);
		return -EINVAL;
	}
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (next->n_guest_ports >= VMK_CONFIG_MAX_GUEST_PORTS) {
		op_errf(err, err_size, "a host has at most %d guest ports",
			VMK_CONFIG_MAX_GUEST_PORTS);
		return -ENOSPC;
	}
	/* Without -m the commit path gives it a generated MAC. */
	next->guest_ports[next->n_guest_ports++] = gp;
	return 0;
}

static int guest_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			char *err, size_t err_size)
{
	struct vmk_config_guest_port *gp;
	const char *name;
	int ret = arg_name(args, "name", "guest port", &name, err, err_size);

	(void)d;
	if (ret < 0)
		return ret;
	gp = vmk_config_find_guest_port(next, name);
	if (gp == NULL) {
		op_errf(err, err_size, "no guest port named \"%s\"" HINT_PORT_LIST, name);
		return -ENOENT;
	}
	CFG_LIST_REMOVE(next->guest_ports, next->n_guest_ports, gp);
	return 0;
}

/* The running port of a guest: its host-wide Port ID and link state. */
static void guest_running(struct daemon *d, const struct vmk_config_guest_port *gp,
			  uint32_t *port_id, bool *link_up)
{
	struct vmk_vswitch *vs = vmk_vswitch_find(d->host, gp->vswitch);
	struct vmk_port_info pi;
	uint32_t id;

	*port_id = 0;
	*link_up = false;
	if (vs == NULL || vmk_port_find(vs, gp->name, &id) < 0 ||
	    vmk_port_get_info(vs, id, &pi) < 0)
		return;
	for (unsigned int i = 0; i < d->cfg->n_vswitches; i++)
		if (strcmp(d->cfg->vswitches[i].name, gp->vswitch) == 0)
			*port_id = host_port_id(i, id);
	*link_up = pi.link_up;
}

static cJSON *port_record(struct daemon *d, const struct vmk_config_guest_port *gp)
{
	cJSON *o = cJSON_CreateObject();
	char mac[18], vm[VMK_NAME_MAX];
	uint32_t port_id;
	bool up;

	if (o == NULL)
		return NULL;
	guest_running(d, gp, &port_id, &up);
	vm_of(gp->name, vm);
	mac_str(gp->mac, mac);
	cJSON_AddStringToObject(o, "name", gp->name);
	cJSON_AddStringToObject(o, "vm", vm);
	cJSON_AddNumberToObject(o, "port_id", port_id);
	cJSON_AddStringToObject(o, "vswitch", gp->vswitch);
	cJSON_AddStringToObject(o, "portgroup", gp->portgroup);
	cJSON_AddStringToObject(o, "mac_address", mac);
	cJSON_AddStringToObject(o, "socket", gp->socket);
	cJSON_AddStringToObject(o, "mode", gp->server ? "server" : "client");
	cJSON_AddNumberToObject(o, "queues", gp->n_queues);
	cJSON_AddStringToObject(o, "link", up ? "Up" : "Down");
	return o;
}

/* Every guest port, or those of "name": a port's name or a VM's. */
static int guest_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		      size_t err_size)
{
	const char *only = NULL;
	cJSON *arr;
	int ret = arg_str(args, "name", false, &only, err, err_size);

	if (ret < 0 && ret != -ENOENT)
		return ret;
	arr = cJSON_CreateArray();
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->cfg->n_guest_ports; i++) {
		const struct vmk_config_guest_port *gp = &d->cfg->guest_ports[i];
		char vm[VMK_NAME_MAX];
		cJSON *o;

		vm_of(gp->name, vm);
		if (only != NULL && strcmp(only, gp->name) != 0 && strcmp(only, vm) != 0)
			continue;
		o = port_record(d, gp);
		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return -ENOMEM;
		}
	}
	if (only != NULL && cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		op_errf(err, err_size, "no guest port or VM named \"%s\"" HINT_VM_LIST, only);
		return -ENOENT;
	}
	*result = arr;
	return 0;
}

/* The row of VM `vm` in arr, made when it is not there yet. */
static cJSON *vm_row(cJSON *arr, const char *vm)
{
	cJSON *r;

	cJSON_ArrayForEach(r, arr) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, vm) == 0)
			return r;
	}
	r = cJSON_CreateObject();
	if (r == NULL || !cJSON_AddItemToArray(arr, r)) {
		cJSON_Delete(r);
		return NULL;
	}
	cJSON_AddStringToObject(r, "name", vm);
	cJSON_AddNumberToObject(r, "num_ports", 0);
	cJSON_AddArrayToObject(r, "networks");
	return r;
}

/* One row per VM: its ports and the port groups they are on. */
static int vm_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		   size_t err_size)
{
	cJSON *arr = cJSON_CreateArray();

	(void)args;
	(void)err;
	(void)err_size;
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->cfg->n_guest_ports; i++) {
		const struct vmk_config_guest_port *gp = &d->cfg->guest_ports[i];
		char vm[VMK_NAME_MAX];
		cJSON *row, *nets, *n;
		bool listed = false;

		vm_of(gp->name, vm);
		row = vm_row(arr, vm);
		nets = cJSON_GetObjectItemCaseSensitive(row, "networks");
		if (row == NULL || nets == NULL) {
			cJSON_Delete(arr);
			return -ENOMEM;
		}
		n = cJSON_GetObjectItemCaseSensitive(row, "num_ports");
		cJSON_SetNumberValue(n, n->valuedouble + 1);
		cJSON_ArrayForEach(n, nets)
			listed = listed || strcmp(n->valuestring, gp->portgroup) == 0;
		if (!listed)
			cJSON_AddItemToArray(nets, cJSON_CreateString(gp->portgroup));
	}
	*result = arr;
	return 0;
}

const struct op guest_ops[] = {
	{ "vm.port.add", NULL, guest_add },
	{ "vm.port.remove", NULL, guest_remove },
	{ "vm.port.list", guest_list, NULL },
	{ "vm.list", vm_list, NULL },
	{ NULL, NULL, NULL },
};
