/*
 * The rules vmk_config_validate checks for guest ports (a VM's vNIC on a
 * port group over a vhost-user socket) (the same rules the switch and
 * DPDK's vhost PMD would enforce, so a refused document is refused before
 * anything runs, with the field named).
 *
 * Thread: any; a struct vmk_config is a plain value owned by its caller.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vmknet/config.h>

#include "common/error.h"
#include "lib/config_priv.h"

/* Why a socket path is unusable, or NULL. */
static const char *socket_problem(const char *path)
{
	size_t len = strnlen(path, VMK_CONFIG_SOCKET_PATH_MAX);

	if (len == 0)
		return "must not be empty";
	if (len >= VMK_CONFIG_SOCKET_PATH_MAX)
		return "is longer than 107 bytes (a Unix socket address holds 107)";
	if (path[0] != '/')
		return "must be an absolute path";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
		if (c == ',' || c == '[' || c == ']')
			return "must not contain ',', '[' or ']' (DPDK device arguments)";
	}
	if (path[len - 1] == '/')
		return "names a directory: give the socket's file name";
	return NULL;
}

/* Is name taken by an uplink or kept for vmknics (ports of a vSwitch too)? */
static const char *name_clash(const struct vmk_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_vswitches; i++) {
		const struct vmk_config_vswitch *vs = &cfg->vswitches[i];

		for (unsigned int k = 0; k < vs->n_uplinks; k++)
			if (strcmp(vs->uplinks[k], name) == 0)
				return "an uplink";
	}
	if (cfg_vmk_name_ok(name))
		return "a vmknic (vmkN names are VMkernel interfaces')";
	return NULL;
}

static int validate_place(const struct vmk_config *cfg, const struct vmk_config_guest_port *gp,
			  const char *where)
{
	const struct vmk_config_vswitch *vs;
	bool found = false;

	vs = vmk_config_find_vswitch((struct vmk_config *)cfg, gp->vswitch);
	if (vs == NULL)
		return vmk_err(-EINVAL, "%s.vswitch: no vSwitch named \"%s\"", where, gp->vswitch);
	for (unsigned int k = 0; k < vs->n_portgroups && !found; k++)
		found = strcmp(vs->portgroups[k].name, gp->portgroup) == 0;
	if (!found)
		return vmk_err(-EINVAL, "%s.portgroup: no port group named \"%s\" on %s", where,
			 gp->portgroup, vs->name);
	return 0;
}

static int validate_unique(const struct vmk_config *cfg, unsigned int i, const char *where)
{
	const struct vmk_config_guest_port *gp = &cfg->guest_ports[i];
	const char *what = name_clash(cfg, gp->name);

	if (what != NULL)
		return vmk_err(-EINVAL, "%s.name: \"%s\" is the name of %s", where, gp->name, what);
	for (unsigned int j = 0; j < i; j++) {
		const struct vmk_config_guest_port *o = &cfg->guest_ports[j];

		if (strcmp(o->name, gp->name) == 0)
			return vmk_err(-EINVAL, "%s.name: guest port \"%s\" already exists", where,
				 gp->name);
		if (strcmp(o->socket, gp->socket) == 0)
			return vmk_err(-EINVAL, "%s.socket: %s is already the socket of %s", where,
				 gp->socket, o->name);
	}
	if (cfg_mac_zero(gp->mac))
		return 0;
	if (gp->mac[0] & 1)
		return vmk_err(-EINVAL, "%s.mac: %02x:%02x:%02x:%02x:%02x:%02x is a multicast "
			 "address", where, gp->mac[0], gp->mac[1], gp->mac[2], gp->mac[3],
			 gp->mac[4], gp->mac[5]);
	for (unsigned int j = 0; j < cfg->n_vmknics; j++) {
		if (memcmp(cfg->vmknics[j].mac, gp->mac, 6) == 0)
			return vmk_err(-EINVAL, "%s.mac: vmknic %s already has this MAC address",
				 where, cfg->vmknics[j].name);
	}
	for (unsigned int j = 0; j < i; j++) {
		if (memcmp(cfg->guest_ports[j].mac, gp->mac, 6) == 0)
			return vmk_err(-EINVAL, "%s.mac: guest port %s already has this MAC "
				 "address", where, cfg->guest_ports[j].name);
	}
	return 0;
}

/* Every vSwitch holds its uplinks, vmknics and guest ports. */
static int validate_fit(const struct vmk_config *cfg)
{
	for (unsigned int i = 0; i < cfg->n_vswitches; i++) {
		const struct vmk_config_vswitch *vs = &cfg->vswitches[i];
		unsigned int n_nics = 0, n_guests = 0;

		for (unsigned int k = 0; k < cfg->n_vmknics; k++)
			n_nics += strcmp(cfg->vmknics[k].vswitch, vs->name) == 0;
		for (unsigned int k = 0; k < cfg->n_guest_ports; k++)
			n_guests += strcmp(cfg->guest_ports[k].vswitch, vs->name) == 0;
		if (vs->n_uplinks + n_nics + n_guests <= vs->n_ports)
			continue;
		return vmk_err(-EINVAL, "vswitches[%u] (%s).ports: %u uplinks, %u vmknics and %u "
			 "guest ports do not fit in %u ports", i, vs->name, vs->n_uplinks, n_nics,
			 n_guests, vs->n_ports);
	}
	return 0;
}

int cfg_validate_guest_ports(const struct vmk_config *cfg)
{
	char where[96];

	if (cfg->n_guest_ports > VMK_CONFIG_MAX_GUEST_PORTS)
		return vmk_err(-EINVAL, "guest_ports: %u guest ports, at most %u",
			 cfg->n_guest_ports, VMK_CONFIG_MAX_GUEST_PORTS);
	for (unsigned int i = 0; i < cfg->n_guest_ports; i++) {
		const struct vmk_config_guest_port *gp = &cfg->guest_ports[i];
		const char *why = cfg_name_problem(gp->name);
		int ret;

		if (why != NULL)
			return vmk_err(-EINVAL, "guest_ports[%u].name: %s", i, why);
		snprintf(where, sizeof(where), "guest_ports[%u] (%s)", i, gp->name);
		ret = validate_place(cfg, gp, where);
		if (ret < 0)
			return ret;
		why = socket_problem(gp->socket);
		if (why != NULL)
			return vmk_err(-EINVAL, "%s.socket: \"%.*s\" %s", where, 60, gp->socket, why);
		if (gp->n_queues < 1 || gp->n_queues > VMK_CONFIG_GUEST_QUEUES_MAX)
			return vmk_err(-EINVAL, "%s.queues: %u is out of range 1..%u", where,
				 gp->n_queues, VMK_CONFIG_GUEST_QUEUES_MAX);
		ret = validate_unique(cfg, i, where);
		if (ret < 0)
			return ret;
	}
	return validate_fit(cfg);
}
