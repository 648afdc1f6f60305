/*
 * Where a frame's traffic class (include/vmknet/traffic.h) travels: the
 * mbuf's hierarchical-scheduler field, m->hash.sched.traffic_class, which
 * tcpip/ writes (ipv4_output, ARP) and vswitch/ reads at an uplink.
 *
 * Why this field and not a dynamic field (rte_mbuf_dynfield_register):
 * it sits in the mbuf's first cache line, which the switch reads anyway
 * (a dynfield lives in the second); it needs no process-wide offset
 * registered before the first frame; it is copied with the header by
 * rte_pktmbuf_copy and rte_pktmbuf_attach; and it is the field DPDK's
 * rte_sched reads, so a scheduler on the uplink (Network I/O Control)
 * finds the class where it looks. Nothing else in vmknet uses m->hash on
 * transmit. The value is meaningful only on frames a vmknic sent: PMDs
 * write RSS hashes into the same union on receive, so the switch takes a
 * frame's class from it only when the frame's ingress port is a vmknic
 * (port_ops.tx_classed) and counts every other frame as virtualMachine.
 *
 * Thread: any (plain accesses to an mbuf the caller owns).
 */
#ifndef VMK_COMMON_TCLASS_H
#define VMK_COMMON_TCLASS_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <vmknet/traffic.h>

static inline void vmk_mbuf_set_tclass(struct rte_mbuf *m, uint8_t c)
{
	m->hash.sched.traffic_class = c;
}

/* The class of a vmknic's frame; out-of-range values read as management. */
static inline uint8_t vmk_mbuf_tclass(const struct rte_mbuf *m)
{
	uint8_t c = m->hash.sched.traffic_class;

	return c < VMK_TC_COUNT ? c : (uint8_t)VMK_TC_MANAGEMENT;
}

#endif
