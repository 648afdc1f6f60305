/*
 * The rules every configuration document must satisfy (vmk_config_validate):
 * the vSwitches' here, the IP layer's and the guest ports' in
 * config_validate_ip.c and config_validate_guest.c. The same rules the
 * library enforces, so a refused document is refused before anything runs,
 * with the field named. Stands on the model (config_model.c) only.
 *
 * Thread: any; a struct vmk_config is a plain value owned by its caller.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vmknet/config.h>

#include "common/error.h"
#include "lib/config_priv.h"

static int check_range(const char *where, const char *field,
		       uint32_t v, uint32_t lo, uint32_t hi)
{
	if (v >= lo && v <= hi)
		return 0;
	return vmk_err(-EINVAL, "%s.%s: %u is out of range %u..%u", where, field, v, lo, hi);
}

/* Shaping rules of the library (vswitch/policy.c shaping_check). */
static int validate_shaping(const struct vmk_shaping_policy *p, const char *where)
{
	if (p->avg_kbps > VMK_CONFIG_SHAPING_MAX_KBPS || p->peak_kbps > VMK_CONFIG_SHAPING_MAX_KBPS)
		return vmk_err(-EINVAL, "%s: bandwidth above %llu Kbps", where,
			 VMK_CONFIG_SHAPING_MAX_KBPS);
	if (p->burst_kb > VMK_CONFIG_SHAPING_MAX_KB)
		return vmk_err(-EINVAL, "%s.burst_kb: %llu is above %llu", where,
			 (unsigned long long)p->burst_kb, VMK_CONFIG_SHAPING_MAX_KB);
	if (!p->enabled)
		return 0;
	if (p->avg_kbps == 0)
		return vmk_err(-EINVAL, "%s.avg_kbps: must be at least 1 when shaping is enabled",
			 where);
	if (p->peak_kbps < p->avg_kbps)
		return vmk_err(-EINVAL, "%s.peak_kbps: peak bandwidth %llu Kbps is below the "
			 "average bandwidth %llu Kbps", where, (unsigned long long)p->peak_kbps,
			 (unsigned long long)p->avg_kbps);
	if (p->burst_kb < VMK_CONFIG_SHAPING_MIN_KB)
		return vmk_err(-EINVAL, "%s.burst_kb: %llu KB is below %u KB", where,
			 (unsigned long long)p->burst_kb, VMK_CONFIG_SHAPING_MIN_KB);
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
			    const struct vmk_teaming_policy *p, const char *where)
{
	if ((unsigned int)p->load_balancing > VMK_LB_EXPLICIT)
		return vmk_err(-EINVAL, "%s.load_balancing: unknown value %u", where,
			 (unsigned int)p->load_balancing);
	if ((unsigned int)p->failure_detection > VMK_FD_BEACON)
		return vmk_err(-EINVAL, "%s.failure_detection: unknown value %u", where,
			 (unsigned int)p->failure_detection);
	if (p->n_active > VMK_TEAM_MAX_UPLINKS || p->n_standby > VMK_TEAM_MAX_UPLINKS)
		return vmk_err(-EINVAL, "%s: at most %u active and %u standby uplinks", where,
			 VMK_TEAM_MAX_UPLINKS, VMK_TEAM_MAX_UPLINKS);
	if (p->n_active == 0 && p->n_standby != 0)
		return vmk_err(-EINVAL, "%s.standby: standby uplinks need active uplinks too",
			 where);
	for (unsigned int i = 0; i < p->n_active + p->n_standby; i++) {
		bool act = i < p->n_active;
		unsigned int idx = act ? i : i - p->n_active;
		const char *n = act ? p->active[idx] : p->standby[idx];

		if (memchr(n, '\0', sizeof(p->active[0])) == NULL || n[0] == '\0')
			return vmk_err(-EINVAL, "%s.%s[%u]: not a name", where,
				 act ? "active" : "standby", idx);
		if (!has_uplink(vs, n))
			return vmk_err(-EINVAL, "%s.%s[%u]: %s is not an uplink of %s", where,
				 act ? "active" : "standby", idx, n, vs->name);
		for (unsigned int j = 0; j < i; j++) {
			const char *m = j < p->n_active ? p->active[j] :
						       p->standby[j - p->n_active];

			if (strcmp(n, m) == 0)
				return vmk_err(-EINVAL, "%s: uplink %s is listed twice", where, n);
		}
	}
	return 0;
}

static int validate_pg_policy(const struct vmk_config_vswitch *vs,
			      const struct vmk_config_portgroup *pg, const char *where,
			      unsigned int k)
{
	char at[192];
	int ret = 0;

	if (pg->security_mask & ~(VMK_SEC_PROMISCUOUS | VMK_SEC_MAC_CHANGES | VMK_SEC_FORGED))
		return vmk_err(-EINVAL, "%s.portgroups[%u] (%s): bad security override mask",
			 where, k, pg->name);
	if (pg->has_shaping) {
		snprintf(at, sizeof(at), "%s.portgroups[%u] (%s).policy.shaping", where, k,
			 pg->name);
		ret = validate_shaping(&pg->shaping, at);
	}
	if (ret == 0 && pg->has_teaming) {
		snprintf(at, sizeof(at), "%s.portgroups[%u] (%s).policy.teaming", where, k,
			 pg->name);
		ret = validate_teaming(vs, &pg->teaming, at);
	}
	return ret;
}

static int validate_portgroups(const struct vmk_config *cfg, unsigned int i, const char *where)
{
	const struct vmk_config_vswitch *vs = &cfg->vswitches[i];

	if (vs->n_portgroups > VMK_CONFIG_MAX_PORTGROUPS)
		return vmk_err(-EINVAL, "%s.portgroups: %u port groups, at most %u", where,
			 vs->n_portgroups, VMK_CONFIG_MAX_PORTGROUPS);
	for (unsigned int k = 0; k < vs->n_portgroups; k++) {
		const struct vmk_config_portgroup *pg = &vs->portgroups[k];
		const char *why = cfg_name_problem(pg->name);

		if (why != NULL)
			return vmk_err(-EINVAL, "%s.portgroups[%u].name: %s", where, k, why);
		if (pg->vlan_id > VMK_VLAN_TRUNK)
			return vmk_err(-EINVAL,
				 "%s.portgroups[%u] (%s).vlan_id: %u is out of range 0..4095",
				 where, k, pg->name, pg->vlan_id);
		if (validate_pg_policy(vs, pg, where, k) < 0)
			return -EINVAL;
		/* Unique on the host: this vSwitch's earlier groups, earlier vSwitches. */
		for (unsigned int j = 0; j <= i; j++) {
			const struct vmk_config_vswitch *o = &cfg->vswitches[j];
			unsigned int end = j == i ? k : o->n_portgroups;

			for (unsigned int m = 0; m < end; m++) {
				if (strcmp(o->portgroups[m].name, pg->name) != 0)
					continue;
				return vmk_err(-EINVAL,
					 "%s.portgroups[%u].name: port group \"%s\" already exists on %s",
					 where, k, pg->name, o->name);
			}
		}
	}
	return 0;
}

static int validate_uplinks(const struct vmk_config *cfg, unsigned int i, const char *where)
{
	const struct vmk_config_vswitch *vs = &cfg->vswitches[i];

	if (vs->n_uplinks > VMK_CONFIG_MAX_UPLINKS)
		return vmk_err(-EINVAL, "%s.uplinks: %u uplinks, at most %u", where,
			 vs->n_uplinks, VMK_CONFIG_MAX_UPLINKS);
	for (unsigned int k = 0; k < vs->n_uplinks; k++) {
		const char *why = cfg_name_problem(vs->uplinks[k]);

		if (why != NULL)
			return vmk_err(-EINVAL, "%s.uplinks[%u]: %s", where, k, why);
		for (unsigned int j = 0; j <= i; j++) {
			const struct vmk_config_vswitch *o = &cfg->vswitches[j];
			unsigned int end = j == i ? k : o->n_uplinks;

			for (unsigned int m = 0; m < end; m++) {
				if (strcmp(o->uplinks[m], vs->uplinks[k]) != 0)
					continue;
				return vmk_err(-EINVAL,
					 "%s.uplinks[%u]: uplink %s is already attached to %s",
					 where, k, vs->uplinks[k], o->name);
			}
		}
	}
	return 0;
}

static int validate_vswitch(const struct vmk_config *cfg, unsigned int i)
{
	const struct vmk_config_vswitch *vs = &cfg->vswitches[i];
	const char *why = cfg_name_problem(vs->name);
	char where[64];
	int ret;

	if (why != NULL)
		return vmk_err(-EINVAL, "vswitches[%u].name: %s", i, why);
	snprintf(where, sizeof(where), "vswitches[%u] (%s)", i, vs->name);
	for (unsigned int j = 0; j < i; j++) {
		if (strcmp(cfg->vswitches[j].name, vs->name) == 0)
			return vmk_err(-EINVAL, "%s.name: vSwitch \"%s\" already exists",
				 where, vs->name);
	}
	ret = check_range(where, "mtu", vs->mtu, VMK_VSWITCH_MTU_MIN,
			  VMK_VSWITCH_MTU_MAX);
	if (ret == 0)
		ret = check_range(where, "ports", vs->n_ports, CFG_PORTS_MIN,
				  VMK_VSWITCH_MAX_PORTS);
	if (ret == 0)
		ret = check_range(where, "fdb.capacity", vs->fdb_capacity,
				  CFG_FDB_CAPACITY_MIN, VMK_FDB_CAPACITY_MAX);
	if (ret == 0)
		ret = check_range(where, "fdb.aging_sec", vs->fdb_aging_sec, 1,
				  CFG_AGING_MAX);
	if (ret == 0 && vmk_cdp_status_name(vs->cdp_status) == NULL)
		ret = vmk_err(-EINVAL, "%s.cdp_status: %d is not a CDP mode", where,
			      (int)vs->cdp_status);
	if (ret == 0)
		ret = check_range(where, "beacon.interval_sec", vs->beacon_interval_sec, 1,
				  VMK_BEACON_INTERVAL_MAX);
	if (ret == 0)
		ret = check_range(where, "beacon.threshold", vs->beacon_threshold, 1,
				  VMK_BEACON_THRESHOLD_MAX);
	if (ret == 0 && vs->n_uplinks > vs->n_ports)
		ret = vmk_err(-EINVAL, "%s.uplinks: %u uplinks do not fit in %u ports", where,
			 vs->n_uplinks, vs->n_ports);
	if (ret == 0)
		ret = validate_portgroups(cfg, i, where);
	if (ret == 0)
		ret = validate_uplinks(cfg, i, where);
	if (ret == 0) {
		char at[96];

		snprintf(at, sizeof(at), "%s.policy.shaping", where);
		ret = validate_shaping(&vs->shaping, at);
		snprintf(at, sizeof(at), "%s.policy.teaming", where);
		if (ret == 0)
			ret = validate_teaming(vs, &vs->teaming, at);
	}
	return ret;
}

/* The firewall's own rules (tcpip/fw_model.c), its path under "firewall.". */
static int validate_firewall(const struct vmk_config *cfg)
{
	char why[VMK_ERR_TEXT_MAX];
	int ret = vmk_fw_config_validate(&cfg->firewall, why, sizeof(why));

	return ret < 0 ? vmk_err(ret, "firewall.%s", why) : 0;
}

int cfg_validate(const struct vmk_config *cfg)
{
	const char *why;
	int ret;

	if (cfg == NULL)
		return vmk_err(-EINVAL, "no configuration");
	why = cfg_name_problem(cfg->host_name);
	if (why != NULL)
		return vmk_err(-EINVAL, "host.name: %s", why);
	if (cfg->n_vswitches > VMK_MAX_VSWITCHES)
		return vmk_err(-EINVAL, "vswitches: %u vSwitches, at most %u", cfg->n_vswitches,
			 VMK_MAX_VSWITCHES);
	for (unsigned int i = 0; i < cfg->n_vswitches; i++) {
		ret = validate_vswitch(cfg, i);
		if (ret < 0)
			return ret;
	}
	ret = cfg_validate_netstacks(cfg);
	if (ret == 0)
		ret = cfg_validate_vmknics(cfg);
	if (ret == 0)
		ret = cfg_validate_guest_ports(cfg);
	if (ret == 0)
		ret = cfg_validate_nioc(cfg);
	return ret == 0 ? validate_firewall(cfg) : ret;
}

int vmk_config_validate(const struct vmk_config *cfg, char *err, size_t err_size)
{
	vmk_err_clear();
	return cfg_err_out(cfg_validate(cfg), err, err_size);
}
