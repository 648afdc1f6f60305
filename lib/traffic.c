/*
 * The public calls of include/vmknet/traffic.h that name a host: the class
 * names, and the marking table, whose DSCP half lives in the IP layer
 * (tcpip/tclass.c: written into the IPv4 header) and whose CoS half in the
 * datapath (vswitch/tclass.c: written into the 802.1Q tag at an uplink).
 *
 * Threading: control plane. A set is validated whole before either layer
 * changes, so a refusal leaves both as they were.
 */
#include <errno.h>
#include <strings.h>

#include <vmknet/traffic.h>

#include "common/error.h"
#include "lib/host.h"
#include "tcpip/stack_host.h"
#include "vswitch/dp.h"
#include "vswitch/tclass.h"

/* vSphere Network I/O Control's names of the system traffic types. */
static const char *const class_names[VMK_TC_COUNT] = {
	[VMK_TC_MANAGEMENT] = "management",
	[VMK_TC_VMOTION] = "vMotion",
	[VMK_TC_PROVISIONING] = "vSphereProvisioning",
	[VMK_TC_FT_LOGGING] = "faultToleranceLogging",
	[VMK_TC_ISCSI] = "iSCSI",
	[VMK_TC_NFS] = "NFS",
	[VMK_TC_VSAN] = "vSAN",
	[VMK_TC_REPLICATION] = "vSphereReplication",
	[VMK_TC_VIRTUAL_MACHINE] = "virtualMachine",
};

const char *vmk_traffic_class_name(enum vmk_traffic_class c)
{
	return (unsigned int)c < VMK_TC_COUNT ? class_names[c] : NULL;
}

int vmk_traffic_class_parse(const char *name, enum vmk_traffic_class *c)
{
	for (unsigned int i = 0; name != NULL && i < VMK_TC_COUNT; i++) {
		if (strcasecmp(name, class_names[i]) == 0) {
			if (c != NULL)
				*c = (enum vmk_traffic_class)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int marking_check(const struct vmk_host *h, unsigned int c,
			 const struct vmk_traffic_marking *m)
{
	if (h == NULL || m == NULL)
		return vmk_err(-EINVAL, "no host or no marking");
	if (c >= VMK_TC_COUNT)
		return vmk_err(-EINVAL, "no traffic class %u", c);
	if (m->dscp < -1 || m->dscp > VMK_DSCP_MAX)
		return vmk_err(-EINVAL, "%s: DSCP %d is out of 0..%d", class_names[c], m->dscp,
			       VMK_DSCP_MAX);
	if (m->cos < -1 || m->cos > VMK_COS_MAX)
		return vmk_err(-EINVAL, "%s: CoS %d is out of 0..%d", class_names[c], m->cos,
			       VMK_COS_MAX);
	if (m->priority_tag && m->cos < 0)
		return vmk_err(-EINVAL, "%s: a priority tag needs a CoS", class_names[c]);
	if (c == VMK_TC_VIRTUAL_MACHINE && m->dscp >= 0)
		return vmk_err(-EINVAL, "virtualMachine takes no DSCP: guests write their own");
	return 0;
}

int vmk_traffic_marking_set(struct vmk_host *h, enum vmk_traffic_class c,
			    const struct vmk_traffic_marking *m)
{
	int ret;

	vmk_err_clear();
	ret = marking_check(h, (unsigned int)c, m);
	if (ret < 0)
		return ret;
	ret = tcpip_tclass_set_dscp(h->ip, (unsigned int)c,
				    m->dscp < 0 ? VMK_TC_NONE : (uint8_t)m->dscp);
	if (ret == 0)
		ret = dp_tclass_set_cos(h->dp, (unsigned int)c, m->cos, m->priority_tag);
	return ret;
}

int vmk_traffic_marking_get(struct vmk_host *h, enum vmk_traffic_class c,
			    struct vmk_traffic_marking *out)
{
	uint8_t d;

	vmk_err_clear();
	if (h == NULL || out == NULL || (unsigned int)c >= VMK_TC_COUNT)
		return vmk_err(-EINVAL, "no host, no place for the marking, or no class %d", (int)c);
	d = tcpip_tclass_dscp(h->ip, (unsigned int)c);
	out->dscp = d <= VMK_DSCP_MAX ? d : -1;
	out->cos = dp_tclass_cos(h->dp, (unsigned int)c, &out->priority_tag);
	return 0;
}

/* ---- Network I/O Control ---------------------------------------------- */

static int nioc_class_check(unsigned int c, const struct vmk_nioc_class *p)
{
	if (c >= VMK_TC_COUNT || p == NULL)
		return vmk_err(-EINVAL, "no traffic class %u, or no settings", c);
	if (p->shares < 1 || p->shares > VMK_NIOC_SHARES_MAX)
		return vmk_err(-EINVAL, "%s: shares %u are out of 1..%d", class_names[c],
			       p->shares, VMK_NIOC_SHARES_MAX);
	if (p->reservation_mbps > VMK_LINK_SPEED_MAX_MBPS)
		return vmk_err(-EINVAL, "%s: reservation %u Mbit/s is out of 0..%d", class_names[c],
			       p->reservation_mbps, VMK_LINK_SPEED_MAX_MBPS);
	if (p->limit_mbps != VMK_NIOC_UNLIMITED &&
	    (p->limit_mbps < 1 || p->limit_mbps > VMK_LINK_SPEED_MAX_MBPS))
		return vmk_err(-EINVAL, "%s: limit %lld Mbit/s is out of 1..%d (-1: unlimited)",
			       class_names[c], (long long)p->limit_mbps, VMK_LINK_SPEED_MAX_MBPS);
	if (p->limit_mbps != VMK_NIOC_UNLIMITED && p->limit_mbps < (int64_t)p->reservation_mbps)
		return vmk_err(-EINVAL, "%s: limit %lld Mbit/s is below its reservation %u Mbit/s",
			       class_names[c], (long long)p->limit_mbps, p->reservation_mbps);
	return 0;
}

int vmk_nioc_set_enabled(struct vmk_host *h, bool enabled)
{
	struct dp_nioc t;

	vmk_err_clear();
	if (h == NULL)
		return vmk_err(-EINVAL, "no host");
	dp_nioc_get(h->dp, &t);
	t.enabled = enabled;
	return dp_nioc_set(h->dp, &t);
}

int vmk_nioc_get_enabled(struct vmk_host *h, bool *enabled)
{
	struct dp_nioc t;

	vmk_err_clear();
	if (h == NULL || enabled == NULL)
		return vmk_err(-EINVAL, "no host or no place for the state");
	dp_nioc_get(h->dp, &t);
	*enabled = t.enabled;
	return 0;
}

int vmk_nioc_class_set(struct vmk_host *h, enum vmk_traffic_class c,
		       const struct vmk_nioc_class *p)
{
	struct dp_nioc t;
	int ret;

	vmk_err_clear();
	if (h == NULL)
		return vmk_err(-EINVAL, "no host");
	ret = nioc_class_check((unsigned int)c, p);
	if (ret < 0)
		return ret;
	dp_nioc_get(h->dp, &t);
	t.cls[c] = *p;
	return dp_nioc_set(h->dp, &t);
}

int vmk_nioc_class_get(struct vmk_host *h, enum vmk_traffic_class c, struct vmk_nioc_class *out)
{
	struct dp_nioc t;

	vmk_err_clear();
	if (h == NULL || out == NULL || (unsigned int)c >= VMK_TC_COUNT)
		return vmk_err(-EINVAL, "no host, no place for the settings, or no class %d",
			       (int)c);
	dp_nioc_get(h->dp, &t);
	*out = t.cls[c];
	return 0;
}
