/*
 * The configuration model: construction, the built-in default, look-ups and
 * the rules every document must satisfy (vmk_config_validate). The IP layer's
 * and the guest ports' rules are in config_ip.c and config_guest.c, the JSON
 * form in config_json.c, files in config_file.c, applying to a host in
 * config_apply.c.
 *
 * Thread: any; a struct vmk_config is a plain value owned by its caller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
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
	cfg_netstacks_init(cfg);
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
	vmk_config_security_default(&vs->security);
	vmk_config_shaping_default(&vs->shaping);
	vmk_config_teaming_default(&vs->teaming);
}

void vmk_config_portgroup_init(struct vmk_config_portgroup *pg, const char *name)
{
	memset(pg, 0, sizeof(*pg));
	snprintf(pg->name, sizeof(pg->name), "%s", name != NULL ? name : "");
	vmk_config_security_default(&pg->security);
	vmk_config_shaping_default(&pg->shaping);
	vmk_config_teaming_default(&pg->teaming);
}

void vmk_config_security_default(struct vmk_security_policy *p)
{
	p->allow_promiscuous = false;
	p->allow_mac_changes = true;
	p->allow_forged_transmits = true;
}

void vmk_config_shaping_default(struct vmk_shaping_policy *p)
{
	p->enabled = false;
	p->avg_kbps = 100000;
	p->peak_kbps = 100000;
	p->burst_kb = 102400;
}

void vmk_config_teaming_default(struct vmk_teaming_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->load_balancing = VMK_LB_PORT_ID;
	p->notify_switches = true;
	p->failback = true;
}

void vmk_config_portgroup_effective(const struct vmk_config_vswitch *vs,
				    const struct vmk_config_portgroup *pg,
				    struct vmk_security_policy *sec,
				    struct vmk_shaping_policy *shaping,
				    struct vmk_teaming_policy *teaming)
{
	if (sec != NULL) {
		*sec = vs->security;
		if (pg->security_mask & VMK_SEC_PROMISCUOUS)
			sec->allow_promiscuous = pg->security.allow_promiscuous;
		if (pg->security_mask & VMK_SEC_MAC_CHANGES)
			sec->allow_mac_changes = pg->security.allow_mac_changes;
		if (pg->security_mask & VMK_SEC_FORGED)
			sec->allow_forged_transmits = pg->security.allow_forged_transmits;
	}
	if (shaping != NULL)
		*shaping = pg->has_shaping ? pg->shaping : vs->shaping;
	if (teaming != NULL)
		*teaming = pg->has_teaming ? pg->teaming : vs->teaming;
}

/* Remove name from list (n entries); true when it was there. */
static bool team_list_remove(char list[][32], unsigned int *n, const char *name)
{
	for (unsigned int i = 0; i < *n; i++) {
		if (strcmp(list[i], name) != 0)
			continue;
		memmove(list[i], list[i + 1], (*n - i - 1) * sizeof(list[0]));
		(*n)--;
		return true;
	}
	return false;
}

static void team_forget(struct vmk_teaming_policy *t, const char *uplink)
{
	team_list_remove(t->active, &t->n_active, uplink);
	team_list_remove(t->standby, &t->n_standby, uplink);
	if (t->n_active == 0 && t->n_standby > 0) {
		memcpy(t->active, t->standby, sizeof(t->active));
		t->n_active = t->n_standby;
		t->n_standby = 0;
	}
}

void vmk_config_teaming_forget_uplink(struct vmk_config_vswitch *vs, const char *uplink)
{
	team_forget(&vs->teaming, uplink);
	for (unsigned int k = 0; k < vs->n_portgroups && k < VMK_CONFIG_MAX_PORTGROUPS; k++)
		if (vs->portgroups[k].has_teaming)
			team_forget(&vs->portgroups[k].teaming, uplink);
}

void vmk_config_init_default(struct vmk_config *cfg)
{
	struct vmk_config_vswitch *vs = &cfg->vswitches[0];

	vmk_config_init_empty(cfg);
	cfg->n_vswitches = 1;
	vmk_config_vswitch_init(vs, "vSwitch0");
	vs->n_portgroups = 2;
	vmk_config_portgroup_init(&vs->portgroups[0], "Management Network");
	vmk_config_portgroup_init(&vs->portgroups[1], "VM Network");
	cfg->n_vmknics = 1;
	vmk_config_vmknic_init(&cfg->vmknics[0], "vmk0", "vSwitch0", "Management Network");
	cfg->vmknics[0].ipv4 = htonl(0xc000020a);      /* 192.0.2.10/24 */
	cfg->vmknics[0].netmask = htonl(0xffffff00);
	cfg->vmknics[0].tags = 1u << VMK_TAG_MANAGEMENT;
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

/* Shaping rules of the library (vswitch/policy.c shaping_check). */
static int validate_shaping(const struct vmk_shaping_policy *p, const char *where,
			    char *err, size_t err_size)
{
	if (p->avg_kbps > VMK_CONFIG_SHAPING_MAX_KBPS || p->peak_kbps > VMK_CONFIG_SHAPING_MAX_KBPS) {
		cfg_errf(err, err_size, "%s: bandwidth above %llu Kbps", where,
			 VMK_CONFIG_SHAPING_MAX_KBPS);
		return -EINVAL;
	}
	if (p->burst_kb > VMK_CONFIG_SHAPING_MAX_KB) {
		cfg_errf(err, err_size, "%s.burst_kb: %llu is above %llu", where,
			 (unsigned long long)p->burst_kb, VMK_CONFIG_SHAPING_MAX_KB);
		return -EINVAL;
	}
	if (!p->enabled)
		return 0;
	if (p->avg_kbps == 0) {
		cfg_errf(err, err_size, "%s.avg_kbps: must be at least 1 when shaping is enabled",
			 where);
		return -EINVAL;
	}
	if (p->peak_kbps < p->avg_kbps) {
		cfg_errf(err, err_size, "%s.peak_kbps: peak bandwidth %llu Kbps is below the "
			 "average bandwidth %llu Kbps", where, (unsigned long long)p->peak_kbps,
			 (unsigned long long)p->avg_kbps);
		return -EINVAL;
	}
	if (p->burst_kb < VMK_CONFIG_SHAPING_MIN_KB) {
		cfg_errf(err, err_size, "%s.burst_kb: %llu KB is below %u KB", where,
			 (unsigned long long)p->burst_kb, VMK_CONFIG_SHAPING_MIN_KB);
		return -EINVAL;
	}
	return 0;
}

static bool has_uplink(const struct vmk_config_vswitch *vs, const char *name)
{
	for (unsigned int k = 0; k < vs->n_uplinks && k < VMK_CONFIG_MAX_UPLINKS; k++)
		if (strcmp(vs->uplinks[k], name) == 0)
			return true;
	return false;
}

/* Teaming rules of the library (vswitch/teaming.c policy_check). */
static int validate_teaming(const struct vmk_config_vswitch *vs,
			    const struct vmk_teaming_policy *p, const char *where,
			    char *err, size_t err_size)
{
	if ((unsigned int)p->load_balancing > VMK_LB_EXPLICIT) {
		cfg_errf(err, err_size, "%s.load_balancing: unknown value %u", where,
			 (unsigned int)p->load_balancing);
		return -EINVAL;
	}
	if (p->n_active > VMK_TEAM_MAX_UPLINKS || p->n_standby > VMK_TEAM_MAX_UPLINKS) {
		cfg_errf(err, err_size, "%s: at most %u active and %u standby uplinks", where,
			 VMK_TEAM_MAX_UPLINKS, VMK_TEAM_MAX_UPLINKS);
		return -EINVAL;
	}
	if (p->n_active == 0 && p->n_standby != 0) {
		cfg_errf(err, err_size, "%s.standby: standby uplinks need active uplinks too",
			 where);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < p->n_active + p->n_standby; i++) {
		bool act = i < p->n_active;
		unsigned int idx = act ? i : i - p->n_active;
		const char *n = act ? p->active[idx] : p->standby[idx];

		if (memchr(n, '\0', sizeof(p->active[0])) == NULL || n[0] == '\0') {
			cfg_errf(err, err_size, "%s.%s[%u]: not a name", where,
				 act ? "active" : "standby", idx);
			return -EINVAL;
		}
		if (!has_uplink(vs, n)) {
			cfg_errf(err, err_size, "%s.%s[%u]: %s is not an uplink of %s", where,
				 act ? "active" : "standby", idx, n, vs->name);
			return -EINVAL;
		}
		for (unsigned int j = 0; j < i; j++) {
			const char *m = j < p->n_active ? p->active[j] :
						       p->standby[j - p->n_active];

			if (strcmp(n, m) == 0) {
				cfg_errf(err, err_size, "%s: uplink %s is listed twice", where, n);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int validate_pg_policy(const struct vmk_config_vswitch *vs,
			      const struct vmk_config_portgroup *pg, const char *where,
			      unsigned int k, char *err, size_t err_size)
{
	char at[192];
	int ret = 0;

	if (pg->security_mask & ~(VMK_SEC_PROMISCUOUS | VMK_SEC_MAC_CHANGES | VMK_SEC_FORGED)) {
		cfg_errf(err, err_size, "%s.portgroups[%u] (%s): bad security override mask",
			 where, k, pg->name);
		return -EINVAL;
	}
	if (pg->has_shaping) {
		snprintf(at, sizeof(at), "%s.portgroups[%u] (%s).policy.shaping", where, k,
			 pg->name);
		ret = validate_shaping(&pg->shaping, at, err, err_size);
	}
	if (ret == 0 && pg->has_teaming) {
		snprintf(at, sizeof(at), "%s.portgroups[%u] (%s).policy.teaming", where, k,
			 pg->name);
		ret = validate_teaming(vs, &pg->teaming, at, err, err_size);
	}
	return ret;
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
		if (validate_pg_policy(vs, pg, where, k, err, err_size) < 0)
			return -EINVAL;
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
	if (ret == 0) {
		char at[96];

		snprintf(at, sizeof(at), "%s.policy.shaping", where);
		ret = validate_shaping(&vs->shaping, at, err, err_size);
		snprintf(at, sizeof(at), "%s.policy.teaming", where);
		if (ret == 0)
			ret = validate_teaming(vs, &vs->teaming, at, err, err_size);
	}
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
	ret = cfg_validate_netstacks(cfg, err, err_size);
	if (ret == 0)
		ret = cfg_validate_vmknics(cfg, err, err_size);
	if (ret == 0)
		ret = cfg_validate_guest_ports(cfg, err, err_size);
	return ret;
}
