/*
 * The rules vmk_config_validate checks for the "nioc" section: each
 * class's shares, reservation, limit and marking (the ranges of
 * include/vmknet/traffic.h, which the library would refuse one call at a
 * time), the NIC speeds, and that the reservations fit in every speed the
 * document sets. A refused document names the field
 * ("nioc.classes.vMotion.limitMbps: ..."); a device's own link speed is
 * not known here and is checked by the library when the change is applied.
 *
 * Thread: any; a struct vmk_config is a plain value owned by its caller.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vmknet/config.h>
#include <vmknet/traffic.h>

#include "common/error.h"
#include "lib/config_priv.h"

static int validate_sched(const struct vmk_nioc_class *p, const char *at)
{
	if (p->shares < 1 || p->shares > VMK_NIOC_SHARES_MAX)
		return vmk_err(-EINVAL, "%s.shares: %u is out of range 1..%d (low %d, normal "
			       "%d, high %d)", at, p->shares, VMK_NIOC_SHARES_MAX,
			       VMK_NIOC_SHARES_LOW, VMK_NIOC_SHARES_NORMAL, VMK_NIOC_SHARES_HIGH);
	if (p->reservation_mbps > VMK_LINK_SPEED_MAX_MBPS)
		return vmk_err(-EINVAL, "%s.reservationMbps: %u is out of range 0..%d", at,
			       p->reservation_mbps, VMK_LINK_SPEED_MAX_MBPS);
	if (p->limit_mbps != VMK_NIOC_UNLIMITED &&
	    (p->limit_mbps < 1 || p->limit_mbps > VMK_LINK_SPEED_MAX_MBPS))
		return vmk_err(-EINVAL, "%s.limitMbps: %lld is out of range 1..%d (-1: "
			       "unlimited)", at, (long long)p->limit_mbps, VMK_LINK_SPEED_MAX_MBPS);
	if (p->limit_mbps != VMK_NIOC_UNLIMITED && p->limit_mbps < (int64_t)p->reservation_mbps)
		return vmk_err(-EINVAL, "%s.limitMbps: %lld is below the reservation, %u Mbit/s",
			       at, (long long)p->limit_mbps, p->reservation_mbps);
	return 0;
}

static int validate_mark(unsigned int c, const struct vmk_traffic_marking *m, const char *at)
{
	if (m->dscp < -1 || m->dscp > VMK_DSCP_MAX)
		return vmk_err(-EINVAL, "%s.dscp: %d is out of range 0..%d (-1: none)", at,
			       m->dscp, VMK_DSCP_MAX);
	if (m->dscp >= 0 && c == VMK_TC_VIRTUAL_MACHINE)
		return vmk_err(-EINVAL, "%s.dscp: %d: guests write their own DSCP (virtualMachine "
			       "takes a CoS only; use -1)", at, m->dscp);
	if (m->cos < -1 || m->cos > VMK_COS_MAX)
		return vmk_err(-EINVAL, "%s.cos: %d is out of range 0..%d (-1: none)", at, m->cos,
			       VMK_COS_MAX);
	if (m->priority_tag && m->cos < 0)
		return vmk_err(-EINVAL, "%s.priorityTag: true needs a CoS (cos 0..%d)", at,
			       VMK_COS_MAX);
	return 0;
}

/* Every speed set is 1..max, names a NIC once, and holds the reservations. */
static int validate_speeds(const struct vmk_config_nioc *n, uint64_t reserved)
{
	if (n->n_speeds > VMK_CONFIG_MAX_NIC_SPEEDS)
		return vmk_err(-EINVAL, "nioc.uplinks: %u NICs, at most %u", n->n_speeds,
			       VMK_CONFIG_MAX_NIC_SPEEDS);
	for (unsigned int i = 0; i < n->n_speeds; i++) {
		const struct vmk_config_nic_speed *s = &n->speeds[i];
		const char *why = cfg_name_problem(s->nic);

		if (why != NULL)
			return vmk_err(-EINVAL, "nioc.uplinks: NIC name %s", why);
		for (unsigned int k = 0; k < i; k++)
			if (strcmp(n->speeds[k].nic, s->nic) == 0)
				return vmk_err(-EINVAL, "nioc.uplinks.%s: appears twice", s->nic);
		if (s->speed_mbps < 1 || s->speed_mbps > VMK_LINK_SPEED_MAX_MBPS)
			return vmk_err(-EINVAL, "nioc.uplinks.%s.speedMbps: %u is out of range "
				       "1..%d", s->nic, s->speed_mbps, VMK_LINK_SPEED_MAX_MBPS);
		if (reserved * 100 > (uint64_t)s->speed_mbps * VMK_NIOC_RESERVABLE_PCT)
			return vmk_err(-EINVAL, "nioc.uplinks.%s.speedMbps: the reservations total "
				       "%llu Mbit/s, more than %d%% of %s's %u Mbit/s", s->nic,
				       (unsigned long long)reserved, VMK_NIOC_RESERVABLE_PCT,
				       s->nic, s->speed_mbps);
	}
	return 0;
}

int cfg_validate_nioc(const struct vmk_config *cfg)
{
	const struct vmk_config_nioc *n = &cfg->nioc;
	uint64_t reserved = 0;

	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		char at[64];
		int ret;

		snprintf(at, sizeof(at), "nioc.classes.%s", vmk_traffic_class_name(c));
		ret = validate_sched(&n->classes[c].sched, at);
		if (ret == 0)
			ret = validate_mark(c, &n->classes[c].mark, at);
		if (ret < 0)
			return ret;
		reserved += n->classes[c].sched.reservation_mbps;
	}
	return validate_speeds(n, reserved);
}
