/*
 * Teaming and failover policies (include/vmknet/policy.h) and the choice of
 * uplink on the data path.
 *
 * Control side: policies are stored by uplink name and resolved to slots
 * when a view is built, so adding or removing uplinks never leaves a team
 * pointing at a freed port. Data side: vs_team_pick reads only the view and
 * the uplinks' link flags, which the link monitor keeps current.
 */
#include <errno.h>
#include <string.h>

#include <vmknet/policy.h>

#include "common/error.h"
#include "vswitch/dp.h"
#include "vswitch/vswitch.h"

static struct vs_port *uplink_by_name(const struct vmk_vswitch *vs, const char *name)
{
	for (uint32_t s = 0; s < vs->n_slots; s++) {
		struct vs_port *p = vs->ports[s];

		if (p != NULL && p->uplink && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

void vs_team_build(const struct vmk_vswitch *vs, const struct vmk_teaming_policy *p,
		   struct vs_team *out)
{
	memset(out, 0, sizeof(*out));
	out->lb = (uint8_t)p->load_balancing;
	out->notify = p->notify_switches;
	out->failback = p->failback;
	out->beacon = p->failure_detection == VMK_FD_BEACON;
	if (p->n_active == 0) {
		for (uint32_t s = 0; s < vs->n_slots && out->n_active < VMK_TEAM_MAX_UPLINKS; s++)
			if (vs->ports[s] != NULL && vs->ports[s]->uplink)
				out->active[out->n_active++] = (uint16_t)s;
		return;
	}
	for (unsigned int i = 0; i < p->n_active; i++) {
		struct vs_port *u = uplink_by_name(vs, p->active[i]);

		if (u != NULL)
			out->active[out->n_active++] = u->slot;
	}
	for (unsigned int i = 0; i < p->n_standby; i++) {
		struct vs_port *u = uplink_by_name(vs, p->standby[i]);

		if (u != NULL)
			out->standby[out->n_standby++] = u->slot;
	}
}

void vs_pg_teaming(const struct vmk_vswitch *vs, const struct portgroup *pg,
		   struct vmk_teaming_policy *out)
{
	*out = pg != NULL && pg->teaming_override ? pg->teaming : vs->teaming;
}

static inline bool usable(const struct vs_view *v, const struct vs_team *t, uint16_t s,
			  bool skip_demoted)
{
	const struct vs_port *u = v->port[s].port;

	return u != NULL && __atomic_load_n(&u->link_up, __ATOMIC_RELAXED) &&
	       !(t->beacon && __atomic_load_n(&u->beacon_failed, __ATOMIC_RELAXED)) &&
	       !(skip_demoted && __atomic_load_n(&u->demoted, __ATOMIC_RELAXED));
}

int vs_team_pick(const struct vs_view *v, const struct vs_team *t, uint16_t in_slot,
		 uint32_t hash)
{
	uint16_t cand[VMK_TEAM_MAX_UPLINKS];
	unsigned int n = 0;
	const bool skip_demoted = !t->failback;

	for (unsigned int i = 0; i < t->n_active; i++)
		if (usable(v, t, t->active[i], skip_demoted))
			cand[n++] = t->active[i];
	for (unsigned int i = 0; n == 0 && i < t->n_standby; i++)
		if (usable(v, t, t->standby[i], false))
			cand[n++] = t->standby[i];
	/* Failback off: a recovered active uplink is used only as a last resort. */
	for (unsigned int i = 0; n == 0 && skip_demoted && i < t->n_active; i++)
		if (usable(v, t, t->active[i], false))
			cand[n++] = t->active[i];
	if (n == 0)
		return -1;
	switch (t->lb) {
	case VMK_LB_EXPLICIT:
		return cand[0];
	case VMK_LB_PORT_ID:
		return cand[in_slot % n];
	default:
		return cand[hash % n];
	}
}

static int policy_check(const struct vmk_vswitch *vs, const struct vmk_teaming_policy *p)
{
	if ((unsigned int)p->load_balancing > VMK_LB_EXPLICIT)
		return vmk_err(-EINVAL, "teaming: unknown load balancing %d",
			       (int)p->load_balancing);
	if ((unsigned int)p->failure_detection > VMK_FD_BEACON)
		return vmk_err(-EINVAL, "teaming: unknown failure detection %d",
			       (int)p->failure_detection);
	if (p->n_active > VMK_TEAM_MAX_UPLINKS || p->n_standby > VMK_TEAM_MAX_UPLINKS)
		return vmk_err(-EINVAL, "teaming: %u active and %u standby uplinks; at most %d "
			       "of each", p->n_active, p->n_standby, VMK_TEAM_MAX_UPLINKS);
	if (p->n_active == 0 && p->n_standby != 0)
		return vmk_err(-EINVAL, "teaming: standby uplinks without an active one");
	for (unsigned int i = 0; i < p->n_active + p->n_standby; i++) {
		const char *n = i < p->n_active ? p->active[i] : p->standby[i - p->n_active];

		if (memchr(n, '\0', sizeof(p->active[0])) == NULL)
			return vmk_err(-EINVAL, "teaming: uplink name %u is not terminated", i);
		if (uplink_by_name(vs, n) == NULL)
			return vmk_err(-ENOENT, "teaming: vSwitch %s has no uplink %s", vs->name, n);
		for (unsigned int j = 0; j < i; j++) {
			const char *m = j < p->n_active ? p->active[j] :
						       p->standby[j - p->n_active];

			if (strcmp(n, m) == 0)
				return vmk_err(-EINVAL, "teaming: uplink %s is named twice", n);
		}
	}
	return 0;
}

int vmk_vswitch_set_teaming(struct vmk_vswitch *vs, const struct vmk_teaming_policy *p)
{
	struct vmk_teaming_policy old;
	int ret;

	vmk_err_clear();
	if (vs == NULL || p == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no teaming policy");
	vmk_mutex_lock(&vs->dp->lock);
	ret = policy_check(vs, p);
	if (ret == 0) {
		old = vs->teaming;
		vs->teaming = *p;
		ret = vs_view_publish(vs);
		if (ret < 0)
			vs->teaming = old;
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_vswitch_get_teaming(struct vmk_vswitch *vs, struct vmk_teaming_policy *out)
{
	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for its teaming policy");
	vmk_mutex_lock(&vs->dp->lock);
	*out = vs->teaming;
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}

int vmk_portgroup_set_teaming(struct vmk_vswitch *vs, const char *name,
			      const struct vmk_teaming_policy *p)
{
	struct portgroup *pg, old;
	int ret;

	vmk_err_clear();
	if (vs == NULL || name == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no port group name");
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg == NULL) {
		ret = vmk_err(-ENOENT, "no port group %s on vSwitch %s", name, vs->name);
		goto unlock;
	}
	ret = p != NULL ? policy_check(vs, p) : 0;
	if (ret < 0)
		goto unlock;
	old = *pg;
	pg->teaming_override = p != NULL;
	if (p != NULL)
		pg->teaming = *p;
	ret = vs_view_publish(vs);
	if (ret < 0)
		*pg = old;
unlock:
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_portgroup_get_teaming(struct vmk_vswitch *vs, const char *name,
			      struct vmk_teaming_policy *effective, bool *overridden)
{
	struct portgroup *pg;

	vmk_err_clear();
	if (vs == NULL || name == NULL || effective == NULL)
		return vmk_err(-EINVAL, "no vSwitch, port group name or place for the policy");
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg != NULL) {
		vs_pg_teaming(vs, pg, effective);
		if (overridden != NULL)
			*overridden = pg->teaming_override;
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return pg != NULL ? 0 : vmk_err(-ENOENT, "no port group %s on vSwitch %s", name,
					vs->name);
}
