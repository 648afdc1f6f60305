/*
 * Security and traffic-shaping policies (include/vmknet/policy.h): the
 * vSwitch's own, port-group overrides, and what they become in the view the
 * data path reads. Control plane: every public call takes the datapath lock (dp->lock) and
 * republishes the view; a rejected call changes nothing.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>

#include <vmknet/policy.h>

#include "common/clock.h"
#include "common/error.h"
#include "vswitch/dp.h"
#include "common/log.h"
#include "vswitch/vswitch.h"

#define SHAPING_MIN_BURST_KB 2
#define PEAK_MIN_DEPTH       (64u * 1024)

void vs_pg_security(const struct vmk_vswitch *vs, const struct portgroup *pg,
		    struct vmk_security_policy *out)
{
	*out = vs->sec;
	if (pg == NULL)
		return;
	if (pg->sec_mask & VMK_SEC_PROMISCUOUS)
		out->allow_promiscuous = pg->sec.allow_promiscuous;
	if (pg->sec_mask & VMK_SEC_MAC_CHANGES)
		out->allow_mac_changes = pg->sec.allow_mac_changes;
	if (pg->sec_mask & VMK_SEC_FORGED)
		out->allow_forged_transmits = pg->sec.allow_forged_transmits;
}

void vs_pg_shaping(const struct vmk_vswitch *vs, const struct portgroup *pg,
		   struct vmk_shaping_policy *out)
{
	*out = pg != NULL && pg->shaping_override ? pg->shaping : vs->shaping;
}

static int shaping_check(const struct vmk_shaping_policy *p)
{
	if (!p->enabled)
		return 0;
	if (p->avg_kbps == 0 || p->peak_kbps < p->avg_kbps ||
	    p->burst_kb < SHAPING_MIN_BURST_KB || p->peak_kbps > 100000000ull ||
	    p->burst_kb > 100ull * 1024 * 1024)
		return vmk_err(-EINVAL, "shaping: average %llu kbit/s must be above 0, peak %llu "
			       "kbit/s from the average to 100000000, burst %llu KB in %d..%llu",
			       (unsigned long long)p->avg_kbps, (unsigned long long)p->peak_kbps,
			       (unsigned long long)p->burst_kb, SHAPING_MIN_BURST_KB,
			       100ull * 1024 * 1024);
	return 0;
}

/* The data path's form of a shaping policy. */
void vs_shaping_profile(const struct vmk_shaping_policy *p, struct shaper_profile *out)
{
	memset(out, 0, sizeof(*out));
	if (!p->enabled)
		return;
	out->enabled = true;
	out->avg_Bps = p->avg_kbps * 1000 / 8;
	out->peak_Bps = p->peak_kbps * 1000 / 8;
	out->avg_depth = p->burst_kb * 1024;
	out->peak_depth = RTE_MAX((uint64_t)PEAK_MIN_DEPTH, out->peak_Bps / 1000);
}

int vmk_vswitch_set_security(struct vmk_vswitch *vs, const struct vmk_security_policy *p)
{
	struct vmk_security_policy old;
	int ret;

	vmk_err_clear();
	if (vs == NULL || p == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no security policy");
	vmk_mutex_lock(&vs->dp->lock);
	old = vs->sec;
	vs->sec = *p;
	ret = vs_view_publish(vs);
	if (ret < 0)
		vs->sec = old;
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_vswitch_get_security(struct vmk_vswitch *vs, struct vmk_security_policy *out)
{
	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for its security policy");
	vmk_mutex_lock(&vs->dp->lock);
	*out = vs->sec;
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}

int vmk_vswitch_set_shaping(struct vmk_vswitch *vs, const struct vmk_shaping_policy *p)
{
	struct vmk_shaping_policy old;
	int ret;

	vmk_err_clear();
	if (vs == NULL || p == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no shaping policy");
	ret = shaping_check(p);
	if (ret < 0)
		return vmk_err_prefix(ret, "vSwitch %s", vs->name);
	vmk_mutex_lock(&vs->dp->lock);
	old = vs->shaping;
	vs->shaping = *p;
	ret = vs_view_publish(vs);
	if (ret < 0)
		vs->shaping = old;
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_vswitch_get_shaping(struct vmk_vswitch *vs, struct vmk_shaping_policy *out)
{
	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for its shaping policy");
	vmk_mutex_lock(&vs->dp->lock);
	*out = vs->shaping;
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}

int vmk_portgroup_set_security(struct vmk_vswitch *vs, const char *name,
			       const struct vmk_security_policy *p, unsigned int mask)
{
	const unsigned int all = VMK_SEC_PROMISCUOUS | VMK_SEC_MAC_CHANGES | VMK_SEC_FORGED;
	struct portgroup *pg, old;
	int ret;

	vmk_err_clear();
	if (vs == NULL || name == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no port group name");
	if (mask != 0 && p == NULL)
		return vmk_err(-EINVAL, "port group %s: overrides without a security policy", name);
	if (mask & ~all)
		return vmk_err(-EINVAL, "port group %s: unknown security override bits 0x%x", name,
			       mask & ~all);
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg == NULL) {
		ret = vmk_err(-ENOENT, "no port group %s on vSwitch %s", name, vs->name);
		goto unlock;
	}
	old = *pg;
	pg->sec_mask = mask;
	if (mask != 0)
		pg->sec = *p;
	ret = vs_view_publish(vs);
	if (ret < 0)
		*pg = old;
unlock:
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_portgroup_get_security(struct vmk_vswitch *vs, const char *name,
			       struct vmk_security_policy *effective, unsigned int *mask)
{
	struct portgroup *pg;

	vmk_err_clear();
	if (vs == NULL || name == NULL || effective == NULL)
		return vmk_err(-EINVAL, "no vSwitch, port group name or place for the policy");
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg != NULL) {
		vs_pg_security(vs, pg, effective);
		if (mask != NULL)
			*mask = pg->sec_mask;
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return pg != NULL ? 0 : vmk_err(-ENOENT, "no port group %s on vSwitch %s", name,
					vs->name);
}

int vmk_portgroup_set_shaping(struct vmk_vswitch *vs, const char *name,
			      const struct vmk_shaping_policy *p)
{
	struct portgroup *pg, old;
	int ret;

	vmk_err_clear();
	if (vs == NULL || name == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no port group name");
	if (p != NULL) {
		ret = shaping_check(p);
		if (ret < 0)
			return vmk_err_prefix(ret, "port group %s", name);
	}
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg == NULL) {
		ret = vmk_err(-ENOENT, "no port group %s on vSwitch %s", name, vs->name);
		goto unlock;
	}
	old = *pg;
	pg->shaping_override = p != NULL;
	if (p != NULL)
		pg->shaping = *p;
	ret = vs_view_publish(vs);
	if (ret < 0)
		*pg = old;
unlock:
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_portgroup_get_shaping(struct vmk_vswitch *vs, const char *name,
			      struct vmk_shaping_policy *effective, bool *overridden)
{
	struct portgroup *pg;

	vmk_err_clear();
	if (vs == NULL || name == NULL || effective == NULL)
		return vmk_err(-EINVAL, "no vSwitch, port group name or place for the policy");
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg != NULL) {
		vs_pg_shaping(vs, pg, effective);
		if (overridden != NULL)
			*overridden = pg->shaping_override;
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return pg != NULL ? 0 : vmk_err(-ENOENT, "no port group %s on vSwitch %s", name,
					vs->name);
}

void vs_pg_register_macs(struct vmk_vswitch *vs, const struct portgroup *pg, bool add)
{
	if (pg->vlan == VMK_VLAN_TRUNK)
		return;   /* a trunk port's frames come in any VLAN: learned */
	for (uint32_t s = 0; s < vs->n_slots; s++) {
		struct vs_port *p = vs->ports[s];
		uint64_t key;

		if (p == NULL || !p->has_mac || strcmp(p->portgroup, pg->name) != 0)
			continue;
		key = fdb_key(pg->vlan, p->mac);
		if (add)
			fdb_add_static(vs->fdb, key, p->slot, vmk_clock_ms());
		else
			fdb_remove(vs->fdb, key);
	}
}

int vmk_port_set_effective_mac(struct vmk_vswitch *vs, uint32_t port_id, const uint8_t *mac)
{
	struct vs_port *p;
	bool had;
	uint8_t old[6];
	int ret;

	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch");
	if (mac != NULL && !fdb_mac_is_unicast(mac))
		return vmk_err(-EINVAL, "port %u: effective MAC must be unicast and not zero",
			       port_id);
	vmk_mutex_lock(&vs->dp->lock);
	p = vs_port_get(vs, port_id);
	if (p == NULL) {
		ret = vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
		goto unlock;
	}
	had = p->has_eff_mac;
	memcpy(old, p->eff_mac, sizeof(old));
	p->has_eff_mac = mac != NULL;
	if (mac != NULL)
		memcpy(p->eff_mac, mac, sizeof(p->eff_mac));
	ret = vs_view_publish(vs);
	if (ret < 0) {
		p->has_eff_mac = had;
		memcpy(p->eff_mac, old, sizeof(old));
	}
unlock:
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}
