/*
 * Traffic classes at the uplinks (vswitch/tclass.h): 802.1p marking of a
 * frame about to leave, the host's CoS table, and the per-class counters
 * of include/vmknet/traffic.h.
 *
 * Threading: tc_mark on a worker, on a frame it owns (a shared header is
 * re-encapsulated, never written); the rest under dp->lock.
 */
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "vswitch/tclass.h"
#include "vswitch/vlan.h"

/* The first segment is someone else's too: a flooded frame. */
static bool header_shared(const struct rte_mbuf *m)
{
	return rte_mbuf_refcnt_read(m) > 1 || RTE_MBUF_CLONED(m);
}

int tc_mark(struct rte_mbuf **mp, uint8_t cos, struct rte_mempool *pool)
{
	struct rte_mbuf *m = *mp;
	uint16_t vid;
	bool tagged;
	uint8_t *tci;

	if (vlan_parse(m, &vid, &tagged) != 0 || (!tagged && !(cos & TC_COS_PRIO_TAG)))
		return 0;
	if (header_shared(m) || (!tagged && rte_pktmbuf_headroom(m) < sizeof(struct rte_vlan_hdr))) {
		/* A private header, tagged with the frame's VID (0: a priority tag). */
		struct rte_mbuf *n = vlan_reencap(m, tagged, true, vid, pool);

		rte_pktmbuf_free(m);
		*mp = n;
		if (n == NULL)
			return -ENOBUFS;
		m = n;
	} else if (!tagged) {
		vlan_push(m, 0);   /* headroom checked above */
	}
	tci = rte_pktmbuf_mtod(m, uint8_t *) + 2 * RTE_ETHER_ADDR_LEN + 2;
	tci[0] = (uint8_t)(((cos & TC_COS_PCP) << 5) | (tci[0] & 0x1f));
	return 0;
}

void tc_stats_raw(const struct vmk_vswitch *vs, const struct vs_port *p,
		  struct vmk_traffic_class_stats out[VMK_TC_COUNT])
{
	memset(out, 0, VMK_TC_COUNT * sizeof(*out));
	for (unsigned int w = 0; w <= vs->dp->max_workers; w++) {
		const struct port_wstats *ws = &p->wstats[w];

		for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
			out[c].tx_packets += __atomic_load_n(&ws->tc_packets[c], __ATOMIC_RELAXED);
			out[c].tx_bytes += __atomic_load_n(&ws->tc_bytes[c], __ATOMIC_RELAXED);
			out[c].tx_drops += __atomic_load_n(&ws->tc_drops[c], __ATOMIC_RELAXED);
		}
	}
}

int vmk_port_get_class_stats(struct vmk_vswitch *vs, uint32_t port_id,
			     struct vmk_traffic_class_stats out[VMK_TC_COUNT])
{
	struct vs_port *p;

	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for the class counters");
	vmk_mutex_lock(&vs->dp->lock);
	p = vs_port_get(vs, port_id);
	if (p != NULL) {
		tc_stats_raw(vs, p, out);
		for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
			out[c].tx_packets -= p->tc_base[c].tx_packets;
			out[c].tx_bytes -= p->tc_base[c].tx_bytes;
			out[c].tx_drops -= p->tc_base[c].tx_drops;
		}
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return p != NULL ? 0 : vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
}

int dp_tclass_set_cos(struct vs_dp *dp, unsigned int c, int cos, bool priority_tag)
{
	uint8_t v = 0;

	if (dp == NULL || c >= VMK_TC_COUNT)
		return vmk_err(-EINVAL, "no traffic class %u", c);
	if (cos < -1 || cos > VMK_COS_MAX)
		return vmk_err(-EINVAL, "CoS %d is out of 0..%d", cos, VMK_COS_MAX);
	if (cos < 0 && priority_tag)
		return vmk_err(-EINVAL, "a priority tag needs a CoS");
	if (cos >= 0)
		v = (uint8_t)(TC_COS_SET | (priority_tag ? TC_COS_PRIO_TAG : 0) | cos);
	vmk_mutex_lock(&dp->lock);
	__atomic_store_n(&dp->tc_cos[c], v, __ATOMIC_RELAXED);
	vmk_mutex_unlock(&dp->lock);
	return 0;
}

int dp_tclass_cos(struct vs_dp *dp, unsigned int c, bool *priority_tag)
{
	uint8_t v;

	if (dp == NULL || c >= VMK_TC_COUNT)
		return -1;
	vmk_mutex_lock(&dp->lock);
	v = dp->tc_cos[c];
	vmk_mutex_unlock(&dp->lock);
	if (priority_tag != NULL)
		*priority_tag = (v & TC_COS_PRIO_TAG) != 0;
	return (v & TC_COS_SET) ? (v & TC_COS_PCP) : -1;
}
