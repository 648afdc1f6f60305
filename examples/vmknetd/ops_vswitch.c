/*
 * Standard vSwitches, port groups and uplinks: esxcli's
 * `network vswitch standard ...` as edits of the configuration (the commit
 * path in ops.c applies and saves them) and as lists of what runs.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmknetd/ops.h"

#define HINT_VS_LIST " (see 'vmkcli network vswitch standard list')"
#define HINT_PG_LIST " (see 'vmkcli network vswitch standard portgroup list')"

static int find_vs(struct vmk_config *cfg, const cJSON *args, struct vmk_config_vswitch **vs,
		   char *err, size_t err_size)
{
	const char *name;
	int ret = arg_name(args, "vswitch_name", "vSwitch", &name, err, err_size);

	if (ret < 0)
		return ret;
	*vs = vmk_config_find_vswitch(cfg, name);
	if (*vs == NULL) {
		op_errf(err, err_size, "no vSwitch named \"%s\"" HINT_VS_LIST, name);
		return -ENOENT;
	}
	return 0;
}

static int vswitch_add(struct daemon *d, const cJSON *args, struct vmk_config *next,
		       char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL;
	const char *name;
	int ret = arg_name(args, "vswitch_name", "vSwitch", &name, err, err_size);

	(void)d;
	if (ret < 0)
		return ret;
	if (vmk_config_find_vswitch(next, name) != NULL) {
		op_errf(err, err_size, "a vSwitch named \"%s\" already exists", name);
		return -EEXIST;
	}
	if (next->n_vswitches >= VMK_MAX_VSWITCHES) {
		op_errf(err, err_size, "a host has at most %d vSwitches: remove one first",
			VMK_MAX_VSWITCHES);
		return -ENOSPC;
	}
	vs = &next->vswitches[next->n_vswitches];
	vmk_config_vswitch_init(vs, name);
	ret = arg_uint(args, "mtu", false, VMK_VSWITCH_MTU_MIN, VMK_VSWITCH_MTU_MAX, &vs->mtu,
		       "MTU", err, err_size);
	if (ret == -ENOENT)
		ret = 0;
	if (ret == 0)
		ret = arg_uint(args, "ports", false, 8, VMK_VSWITCH_MAX_PORTS, &vs->n_ports,
			       "number of ports", err, err_size);
	if (ret == -ENOENT)
		ret = 0;
	if (ret == 0)
		next->n_vswitches++;
	return ret;
}

static int vswitch_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			  char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL;
	int ret = find_vs(next, args, &vs, err, err_size);

	(void)d;
	if (ret < 0)
		return ret;
	CFG_LIST_REMOVE(next->vswitches, next->n_vswitches, vs);
	return 0;
}

/* vmknet's --beacon-interval and --beacon-threshold (esxcli has no option
 * for them). Returns 1 when one was given, 0 when none, or a negative errno. */
static int beacon_args(const cJSON *args, struct vmk_config_vswitch *vs, char *err,
		       size_t err_size)
{
	uint32_t interval = vs->beacon_interval_sec, threshold = vs->beacon_threshold;
	int ri = arg_uint(args, "beacon_interval", false, 1, VMK_BEACON_INTERVAL_MAX, &interval,
			  "beacon interval (seconds)", err, err_size);
	int rt;

	if (ri < 0 && ri != -ENOENT)
		return ri;
	rt = arg_uint(args, "beacon_threshold", false, 1, VMK_BEACON_THRESHOLD_MAX, &threshold,
		      "beacon threshold (intervals)", err, err_size);
	if (rt < 0 && rt != -ENOENT)
		return rt;
	vs->beacon_interval_sec = interval;
	vs->beacon_threshold = threshold;
	return ri == 0 || rt == 0;
}

static int vswitch_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
		       char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL;
	uint32_t mtu, ports;
	int ret = find_vs(next, args, &vs, err, err_size), ret_mtu, ret_ports, ret_cdp, ret_bc;
	enum vmk_cdp_status cdp = VMK_CDP_LISTEN;
	const char *cdp_word;

	(void)d;
	if (ret < 0)
		return ret;
	ret_cdp = arg_str(args, "cdp_status", false, &cdp_word, err, err_size);
	if (ret_cdp == 0 && vmk_cdp_status_parse(cdp_word, &cdp) < 0) {
		op_errf(err, err_size, "invalid CDP status \"%s\": use down, listen, advertise "
			"or both", cdp_word);
		return -EINVAL;
	}
	if (ret_cdp < 0 && ret_cdp != -ENOENT)
		return ret_cdp;
	ret_mtu = arg_uint(args, "mtu", false, VMK_VSWITCH_MTU_MIN, VMK_VSWITCH_MTU_MAX, &mtu,
			   "MTU", err, err_size);
	if (ret_mtu < 0 && ret_mtu != -ENOENT)
		return ret_mtu;
	ret_ports = arg_uint(args, "ports", false, 8, VMK_VSWITCH_MAX_PORTS, &ports,
			     "number of ports", err, err_size);
	if (ret_ports < 0 && ret_ports != -ENOENT)
		return ret_ports;
	ret_bc = beacon_args(args, vs, err, err_size);
	if (ret_bc < 0)
		return ret_bc;
	if (ret_mtu == -ENOENT && ret_ports == -ENOENT && ret_cdp == -ENOENT && ret_bc == 0) {
		op_errf(err, err_size, "nothing to set: give -m|--mtu, -c|--cdp-status, "
			"--beacon-interval or --beacon-threshold");
		return -EINVAL;
	}
	if (ret_ports == 0 && ports != vs->n_ports) {
		op_errf(err, err_size, "the number of ports of %s is fixed when it is created "
			"(%u): remove it and add it again with -P|--ports", vs->name, vs->n_ports);
		return -EINVAL;
	}
	if (ret_mtu == 0)
		vs->mtu = mtu;
	if (ret_cdp == 0)
		vs->cdp_status = cdp;
	return 0;
}

/* ESXi's beacon fields: enabled while a team of the vSwitch probes; the
 * teams that do (the vSwitch's own policy by its name, then the port
 * groups whose effective policy probes). */
static void add_beacon(cJSON *o, const struct vmk_config_vswitch *c)
{
	cJSON *by = cJSON_CreateArray();
	bool on = c->teaming.failure_detection == VMK_FD_BEACON;

	if (on)
		cJSON_AddItemToArray(by, cJSON_CreateString(c->name));
	for (unsigned int k = 0; k < c->n_portgroups; k++) {
		const struct vmk_config_portgroup *pg = &c->portgroups[k];
		const struct vmk_teaming_policy *t = pg->has_teaming ? &pg->teaming : &c->teaming;

		if (t->failure_detection != VMK_FD_BEACON)
			continue;
		on = true;
		cJSON_AddItemToArray(by, cJSON_CreateString(pg->name));
	}
	cJSON_AddBoolToObject(o, "beacon_enabled", on);
	cJSON_AddNumberToObject(o, "beacon_interval", c->beacon_interval_sec);
	cJSON_AddNumberToObject(o, "beacon_threshold", c->beacon_threshold);
	cJSON_AddItemToObject(o, "beacon_required_by", by);
}

/* vmknet's own field: the uplinks beacon probing has failed. */
static void add_beacon_failed(cJSON *o, struct vmk_vswitch *vs,
			      const struct vmk_config_vswitch *c)
{
	cJSON *failed = cJSON_AddArrayToObject(o, "beacon_failed_uplinks");
	struct vmk_beacon_status b;
	uint32_t id;

	for (unsigned int k = 0; vs != NULL && failed != NULL && k < c->n_uplinks; k++)
		if (vmk_port_find(vs, c->uplinks[k], &id) == 0 &&
		    vmk_port_get_beacon_status(vs, id, &b) == 0 && b.state == VMK_BEACON_FAILED)
			cJSON_AddItemToArray(failed, cJSON_CreateString(c->uplinks[k]));
}

static int vswitch_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			size_t err_size)
{
	const char *only = NULL;
	cJSON *arr;

	if (arg_str(args, "vswitch_name", false, &only, err, err_size) == -EINVAL)
		return -EINVAL;
	if (only != NULL && vmk_config_find_vswitch(d->cfg, only) == NULL) {
		op_errf(err, err_size, "no virtual switch named \"%s\" (see 'vmkcli network "
			"vswitch standard list')", only);
		return -ENOENT;
	}
	arr = cJSON_CreateArray();
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->cfg->n_vswitches; i++) {
		const struct vmk_config_vswitch *c = &d->cfg->vswitches[i];
		struct vmk_vswitch_info info = { 0 };
		cJSON *o, *ups, *pgs;

		if (only != NULL && strcmp(c->name, only) != 0)
			continue;
		o = cJSON_CreateObject();
		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return -ENOMEM;
		}
		vmk_vswitch_get_info(vmk_vswitch_find(d->host, c->name), &info);
		cJSON_AddStringToObject(o, "name", c->name);
		/* ESXi 7 and 8 print "etherswitch" (older ones "cswitch"). */
		cJSON_AddStringToObject(o, "class", "etherswitch");
		cJSON_AddNumberToObject(o, "num_ports", info.n_ports);
		cJSON_AddNumberToObject(o, "used_ports", info.n_ports_used);
		cJSON_AddNumberToObject(o, "configured_ports", c->n_ports);
		cJSON_AddNumberToObject(o, "mtu", info.mtu);
		cJSON_AddStringToObject(o, "cdp_status", vmk_cdp_status_name(c->cdp_status));
		add_beacon(o, c);
		cJSON_AddNumberToObject(o, "mac_table_size", c->fdb_capacity);
		cJSON_AddNumberToObject(o, "mac_aging_time", c->fdb_aging_sec);
		ups = cJSON_AddArrayToObject(o, "uplinks");
		for (unsigned int k = 0; ups != NULL && k < c->n_uplinks; k++)
			cJSON_AddItemToArray(ups, cJSON_CreateString(c->uplinks[k]));
		pgs = cJSON_AddArrayToObject(o, "portgroups");
		for (unsigned int k = 0; pgs != NULL && k < c->n_portgroups; k++)
			cJSON_AddItemToArray(pgs, cJSON_CreateString(c->portgroups[k].name));
		add_beacon_failed(o, vmk_vswitch_find(d->host, c->name), c);
	}
	*result = arr;
	return 0;
}

static int portgroup_add(struct daemon *d, const cJSON *args, struct vmk_config *next,
			 char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL, *owner;
	const char *name;
	int ret = arg_name(args, "portgroup_name", "port group", &name, err, err_size);

	(void)d;
	if (ret == 0)
		ret = find_vs(next, args, &vs, err, err_size);
	if (ret < 0)
		return ret;
	if (vmk_config_find_portgroup(next, name, &owner) != NULL) {
		op_errf(err, err_size, "a port group named \"%s\" already exists on %s", name,
			owner->name);
		return -EEXIST;
	}
	if (vs->n_portgroups >= VMK_CONFIG_MAX_PORTGROUPS) {
		op_errf(err, err_size, "%s has %d port groups, the most it can hold", vs->name,
			VMK_CONFIG_MAX_PORTGROUPS);
		return -ENOSPC;
	}
	vmk_config_portgroup_init(&vs->portgroups[vs->n_portgroups++], name);
	return 0;
}

static int portgroup_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			    char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL;
	const char *name;
	int ret = arg_name(args, "portgroup_name", "port group", &name, err, err_size);

	(void)d;
	if (ret == 0)
		ret = find_vs(next, args, &vs, err, err_size);
	if (ret < 0)
		return ret;
	for (unsigned int k = 0; k < vs->n_portgroups; k++) {
		if (strcmp(vs->portgroups[k].name, name) != 0)
			continue;
		memmove(&vs->portgroups[k], &vs->portgroups[k + 1],
			(vs->n_portgroups - k - 1) * sizeof(vs->portgroups[0]));
		vs->n_portgroups--;
		return 0;
	}
	op_errf(err, err_size, "no port group named \"%s\" on %s" HINT_PG_LIST, name, vs->name);
	return -ENOENT;
}

static int portgroup_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
			 char *err, size_t err_size)
{
	struct vmk_config_portgroup *pg;
	const char *name;
	uint32_t vlan;
	int ret = arg_name(args, "portgroup_name", "port group", &name, err, err_size);

	(void)d;
	if (ret < 0)
		return ret;
	pg = vmk_config_find_portgroup(next, name, NULL);
	if (pg == NULL) {
		op_errf(err, err_size, "no port group named \"%s\"" HINT_PG_LIST, name);
		return -ENOENT;
	}
	ret = arg_uint(args, "vlan_id", false, 0, VMK_VLAN_TRUNK, &vlan,
		       "VLAN ID", err, err_size);
	if (ret == -ENOENT) {
		op_errf(err, err_size, "nothing to set: give --vlan-id (0 none, 1-4094, "
			"4095 all)");
		return -EINVAL;
	}
	if (ret == 0)
		pg->vlan_id = (uint16_t)vlan;
	return ret;
}

static int portgroup_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			  size_t err_size)
{
	cJSON *arr = cJSON_CreateArray();

	(void)args;
	(void)err;
	(void)err_size;
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->cfg->n_vswitches; i++) {
		const struct vmk_config_vswitch *c = &d->cfg->vswitches[i];
		struct vmk_vswitch *vs = vmk_vswitch_find(d->host, c->name);

		for (unsigned int k = 0; k < c->n_portgroups; k++) {
			struct vmk_portgroup_info info = { 0 };
			cJSON *o = cJSON_CreateObject();

			if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
				cJSON_Delete(o);
				cJSON_Delete(arr);
				return -ENOMEM;
			}
			vmk_portgroup_get(vs, c->portgroups[k].name, &info);
			cJSON_AddStringToObject(o, "name", c->portgroups[k].name);
			cJSON_AddStringToObject(o, "vswitch", c->name);
			cJSON_AddNumberToObject(o, "active_clients", info.n_ports);
			cJSON_AddNumberToObject(o, "vlan_id", c->portgroups[k].vlan_id);
		}
	}
	*result = arr;
	return 0;
}

static int uplink_add(struct daemon *d, const cJSON *args, struct vmk_config *next,
		      char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL, *owner;
	const char *name;
	int ret = arg_name(args, "uplink_name", "uplink", &name, err, err_size);

	if (ret == 0)
		ret = find_vs(next, args, &vs, err, err_size);
	if (ret < 0)
		return ret;
	if (nic_find(d, name) == NULL) {
		op_errf(err, err_size, "no NIC named \"%s\" (see 'vmkcli network nic list')", name);
		return -ENODEV;
	}
	owner = vmk_config_find_uplink(next, name);
	if (owner != NULL) {
		op_errf(err, err_size, "%s is already an uplink of %s%s", name, owner->name,
			owner == vs ? "" : ": remove it there first");
		return -EEXIST;
	}
	if (vs->n_uplinks >= VMK_CONFIG_MAX_UPLINKS) {
		op_errf(err, err_size, "%s has %d uplinks, the most it can hold", vs->name,
			VMK_CONFIG_MAX_UPLINKS);
		return -ENOSPC;
	}
	snprintf(vs->uplinks[vs->n_uplinks++], VMK_NAME_MAX, "%s", name);
	return 0;
}

static int uplink_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			 char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL;
	const char *name;
	int ret = arg_name(args, "uplink_name", "uplink", &name, err, err_size);

	(void)d;
	if (ret == 0)
		ret = find_vs(next, args, &vs, err, err_size);
	if (ret < 0)
		return ret;
	for (unsigned int k = 0; k < vs->n_uplinks; k++) {
		if (strcmp(vs->uplinks[k], name) != 0)
			continue;
		memmove(vs->uplinks[k], vs->uplinks[k + 1],
			(vs->n_uplinks - k - 1) * sizeof(vs->uplinks[0]));
		vs->n_uplinks--;
		/* As ESXi: the uplink leaves the failover orders too. */
		vmk_config_teaming_forget_uplink(vs, name);
		return 0;
	}
	op_errf(err, err_size, "%s is not an uplink of %s" HINT_VS_LIST, name, vs->name);
	return -ENOENT;
}

const struct op vswitch_ops[] = {
	{ "vswitch.list", vswitch_list, NULL },
	{ "vswitch.add", NULL, vswitch_add },
	{ "vswitch.remove", NULL, vswitch_remove },
	{ "vswitch.set", NULL, vswitch_set },
	{ "portgroup.list", portgroup_list, NULL },
	{ "portgroup.add", NULL, portgroup_add },
	{ "portgroup.remove", NULL, portgroup_remove },
	{ "portgroup.set", NULL, portgroup_set },
	{ "uplink.add", NULL, uplink_add },
	{ "uplink.remove", NULL, uplink_remove },
	{ NULL, NULL, NULL },
};
