/*
 * The configuration model: construction, the built-in default, look-ups and
 * the rules every document must satisfy (vmk_config_validate). The JSON form
 * is in config_json.c, files in config_file.c, applying to a host in
 * config_apply.c.
 *
 * Thread: any; a struct vmk_config is a plain value owned by its caller.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmknet/config.h>

#include "lib/config_priv.h"

int vmk_config_create(struct vmk_config **out)
{
	struct vmk_config *cfg;

	if (out == NULL)
		return -EINVAL;
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	vmk_config_init_empty(cfg);
	*out = cfg;
	return 0;
}

void vmk_config_destroy(struct vmk_config *cfg)
{
	free(cfg);
}

void vmk_config_init_empty(struct vmk_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->host_name, sizeof(cfg->host_name), "%s", CFG_DEFAULT_HOST);
}

void vmk_config_vswitch_init(struct vmk_config_vswitch *vs, const char *name)
{
	struct vmk_vswitch_params p;

	vmk_vswitch_params_init(&p);
	memset(vs, 0, sizeof(*vs));
	snprintf(vs->name, sizeof(vs->name), "%s", name != NULL ? name : "");
	vs->mtu = p.mtu;
	vs->n_ports = p.n_ports;
	vs->fdb_capacity = p.fdb_capacity;
	vs->fdb_aging_sec = p.fdb_aging_sec;
}

void vmk_config_init_default(struct vmk_config *cfg)
{
	struct vmk_config_vswitch *vs = &cfg->vswitches[0];

	vmk_config_init_empty(cfg);
	cfg->n_vswitches = 1;
	vmk_config_vswitch_init(vs, "vSwitch0");
	vs->n_portgroups = 2;
	snprintf(vs->portgroups[0].name, VMK_NAME_MAX, "%s", "Management Network");
	snprintf(vs->portgroups[1].name, VMK_NAME_MAX, "%s", "VM Network");
}

void vmk_config_copy(struct vmk_config *dst, const struct vmk_config *src)
{
	if (dst != src)
		memcpy(dst, src, sizeof(*dst));
}

struct vmk_config_vswitch *vmk_config_find_vswitch(struct vmk_config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (unsigned int i = 0; i < cfg->n_vswitches && i < VMK_MAX_VSWITCHES; i++)
		if (strcmp(cfg->vswitches[i].name, name) == 0)
			return &cfg->vswitches[i];
	return NULL;
}

struct vmk_config_portgroup *vmk_config_find_portgroup(struct vmk_config *cfg, const char *name,
						       struct vmk_config_vswitch **vs_out)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (unsigned int i = 0; i < cfg->n_vswitches && i < VMK_MAX_VSWITCHES; i++) {
		struct vmk_config_vswitch *vs = &cfg->vswitches[i];

		for (unsigned int k = 0; k < vs->n_portgroups && k < VMK_CONFIG_MAX_PORTGROUPS; k++) {
			if (strcmp(vs->portgroups[k].name, name) != 0)
				continue;
			if (vs_out != NULL)
				*vs_out = vs;
			return &vs->portgroups[k];
		}
	}
	return NULL;
}

struct vmk_config_vswitch *vmk_config_find_uplink(struct vmk_config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (unsigned int i = 0; i < cfg->n_vswitches && i < VMK_MAX_VSWITCHES; i++) {
		struct vmk_config_vswitch *vs = &cfg->vswitches[i];

		for (unsigned int k = 0; k < vs->n_uplinks && k < VMK_CONFIG_MAX_UPLINKS; k++)
			if (strcmp(vs->uplinks[k], name) == 0)
				return vs;
	}
	return NULL;
}

void cfg_errf(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

/* Why a name is unacceptable, or NULL when it is fine. */
const char *cfg_name_problem(const char *name)
{
	size_t len = strnlen(name, VMK_NAME_MAX);

	if (len == 0)
		return "must not be empty";
	if (len >= VMK_NAME_MAX)
		return "is longer than 31 bytes";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
	}
	if (name[0] == ' ' || name[len - 1] == ' ')
		return "must not begin or end with a space";
	return NULL;
}

static int check_range(char *err, size_t err_size, const char *where, const char *field,
		       uint32_t v, uint32_t lo, uint32_t hi)
{
	if (v >= lo && v <= hi)
		return 0;
	cfg_errf(err, err_size, "%s.%s: %u is out of range %u..%u", where, field, v, lo, hi);
	return -EINVAL;
}

static int validate_portgroups(const struct vmk_config *cfg, unsigned int i, const char *where,
			       char *err, size_t err_size)
{
	const struct vmk_config_vswitch *vs = &cfg->vswitches[i];

	if (vs->n_portgroups > VMK_CONFIG_MAX_PORTGROUPS) {
		cfg_errf(err, err_size, "%s.portgroups: %u port groups, at most %u", where,
			 vs->n_portgroups, VMK_CONFIG_MAX_PORTGROUPS);
		return -EINVAL;
	}
	for (unsigned int k = 0; k < vs->n_portgroups; k++) {
		const struct vmk_config_portgroup *pg = &vs->portgroups[k];
		const char *why = cfg_name_problem(pg->name);

		if (why != NULL) {
			cfg_errf(err, err_size, "%s.portgroups[%u].name: %s", where, k, why);
			return -EINVAL;
		}
		if (pg->vlan_id > VMK_VLAN_TRUNK) {
			cfg_errf(err, err_size,
				 "%s.portgroups[%u] (%s).vlan_id: %u is out of range 0..4095",
				 where, k, pg->name, pg->vlan_id);
			return -EINVAL;
		}
		/* Unique on the host: this vSwitch's earlier groups, earlier vSwitches. */
		for (unsigned int j = 0; j <= i; j++) {
			const struct vmk_config_vswitch *o = &cfg->vswitches[j];
			unsigned int end = j == i ? k : o->n_portgroups;

			for (unsigned int m = 0; m < end; m++) {
				if (strcmp(o->portgroups[m].name, pg->name) != 0)
					continue;
				cfg_errf(err, err_size,
					 "%s.portgroups[%u].name: port group \"%s\" already exists on %s",
					 where, k, pg->name, o->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int validate_uplinks(const struct vmk_config *cfg, unsigned int i, const char *where,
			    char *err, size_t err_size)
{
	const struct vmk_config_vswitch *vs = &cfg->vswitches[i];

	if (vs->n_uplinks > VMK_CONFIG_MAX_UPLINKS) {
		cfg_errf(err, err_size, "%s.uplinks: %u uplinks, at most %u", where,
			 vs->n_uplinks, VMK_CONFIG_MAX_UPLINKS);
		return -EINVAL;
	}
	for (unsigned int k = 0; k < vs->n_uplinks; k++) {
		const char *why = cfg_name_problem(vs->uplinks[k]);

		if (why != NULL) {
			cfg_errf(err, err_size, "%s.uplinks[%u]: %s", where, k, why);
			return -EINVAL;
		}
		for (unsigned int j = 0; j <= i; j++) {
			const struct vmk_config_vswitch *o = &cfg->vswitches[j];
			unsigned int end = j == i ? k : o->n_uplinks;

			for (unsigned int m = 0; m < end; m++) {
				if (strcmp(o->uplinks[m], vs->uplinks[k]) != 0)
					continue;
				cfg_errf(err, err_size,
					 "%s.uplinks[%u]: uplink %s is already attached to %s",
					 where, k, vs->uplinks[k], o->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int validate_vswitch(const struct vmk_config *cfg, unsigned int i, char *err,
			    size_t err_size)
{
	const struct vmk_config_vswitch *vs = &cfg->vswitches[i];
	const char *why = cfg_name_problem(vs->name);
	char where[64];
	int ret;

	if (why != NULL) {
		cfg_errf(err, err_size, "vswitches[%u].name: %s", i, why);
		return -EINVAL;
	}
	snprintf(where, sizeof(where), "vswitches[%u] (%s)", i, vs->name);
	for (unsigned int j = 0; j < i; j++) {
		if (strcmp(cfg->vswitches[j].name, vs->name) == 0) {
			cfg_errf(err, err_size, "%s.name: vSwitch \"%s\" already exists",
				 where, vs->name);
			return -EINVAL;
		}
	}
	ret = check_range(err, err_size, where, "mtu", vs->mtu, VMK_VSWITCH_MTU_MIN,
			  VMK_VSWITCH_MTU_MAX);
	if (ret == 0)
		ret = check_range(err, err_size, where, "ports", vs->n_ports, CFG_PORTS_MIN,
				  VMK_VSWITCH_MAX_PORTS);
	if (ret == 0)
		ret = check_range(err, err_size, where, "fdb.capacity", vs->fdb_capacity,
				  CFG_FDB_CAPACITY_MIN, VMK_FDB_CAPACITY_MAX);
	if (ret == 0)
		ret = check_range(err, err_size, where, "fdb.aging_sec", vs->fdb_aging_sec, 1,
				  CFG_AGING_MAX);
	if (ret == 0 && vs->n_uplinks > vs->n_ports) {
		cfg_errf(err, err_size, "%s.uplinks: %u uplinks do not fit in %u ports", where,
			 vs->n_uplinks, vs->n_ports);
		ret = -EINVAL;
	}
	if (ret == 0)
		ret = validate_portgroups(cfg, i, where, err, err_size);
	if (ret == 0)
		ret = validate_uplinks(cfg, i, where, err, err_size);
	return ret;
}

int vmk_config_validate(const struct vmk_config *cfg, char *err, size_t err_size)
{
	const char *why;
	int ret;

	if (cfg == NULL) {
		cfg_errf(err, err_size, "no configuration");
		return -EINVAL;
	}
	why = cfg_name_problem(cfg->host_name);
	if (why != NULL) {
		cfg_errf(err, err_size, "host.name: %s", why);
		return -EINVAL;
	}
	if (cfg->n_vswitches > VMK_MAX_VSWITCHES) {
		cfg_errf(err, err_size, "vswitches: %u vSwitches, at most %u", cfg->n_vswitches,
			 VMK_MAX_VSWITCHES);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < cfg->n_vswitches; i++) {
		ret = validate_vswitch(cfg, i, err, err_size);
		if (ret < 0)
			return ret;
	}
	return 0;
}
