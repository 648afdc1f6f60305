/*
 * Traffic classes at the uplinks (include/vmknet/traffic.h): the class of a
 * frame leaving an uplink, its 802.1p marking, and the per-class counters.
 *
 * A frame's class is on the mbuf (common/tclass.h) when its ingress port's
 * kind says so (port_ops.tx_classed: a vmknic); every other frame an uplink
 * sends came from a guest: virtualMachine. The host's CoS table is one byte
 * per class in the datapath (dp->tc_cos): TC_COS_SET with the priority in
 * the low three bits, TC_COS_PRIO_TAG when untagged frames get a priority
 * tag. Workers read it byte by byte without a lock, so a change applies to
 * the next frame.
 *
 * Threading: tc_mark runs on a worker on a frame it owns; the control
 * calls take dp->lock.
 */
#ifndef VMK_VSWITCH_TCLASS_H
#define VMK_VSWITCH_TCLASS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <vmknet/traffic.h>

#include "common/lock.h"
#include "common/tclass.h"
#include "vswitch/dp.h"
#include "vswitch/port.h"
#include "vswitch/vswitch.h"

#define TC_COS_SET      0x80
#define TC_COS_PRIO_TAG 0x40
#define TC_COS_PCP      0x07

/* The class of m leaving an uplink: from the mbuf when the ingress port is
 * classed, else virtualMachine. */
static inline uint8_t tc_of(const struct rte_mbuf *m, bool classed)
{
	return classed ? vmk_mbuf_tclass(m) : (uint8_t)VMK_TC_VIRTUAL_MACHINE;
}

static inline uint8_t tc_cos_of(const struct vs_dp *dp, uint8_t c)
{
	return __atomic_load_n(&dp->tc_cos[c], __ATOMIC_RELAXED);
}

/*
 * Write the 802.1p priority of cos (a TC_COS_SET byte) into *mp's tag, or,
 * when it is untagged and TC_COS_PRIO_TAG is set, insert a priority tag
 * (VLAN 0). A frame whose header is shared (flooded) is re-encapsulated
 * first (*mp replaced, the old reference dropped). Returns 0, or -ENOBUFS
 * (*mp freed). Worker.
 */
int tc_mark(struct rte_mbuf **mp, uint8_t cos, struct rte_mempool *pool);

/* The raw per-class counters of p summed over its writers. dp->lock held. */
void tc_stats_raw(const struct vmk_vswitch *vs, const struct vs_port *p,
		  struct vmk_traffic_class_stats out[VMK_TC_COUNT])
	VMK_REQUIRES(vs->dp->lock);

/* The datapath's CoS of class c: set (cos 0..7 or -1 for none; 0 or
 * -EINVAL) and get (-1: none). Take dp->lock. */
int dp_tclass_set_cos(struct vs_dp *dp, unsigned int c, int cos, bool priority_tag)
	VMK_EXCLUDES(dp->lock);
int dp_tclass_cos(struct vs_dp *dp, unsigned int c, bool *priority_tag)
	VMK_EXCLUDES(dp->lock);

#endif
