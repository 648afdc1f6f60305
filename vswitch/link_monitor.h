/*
 * The link monitor thread (link_monitor.c): uplink link state, failover
 * bookkeeping and "notify switches".
 */
#ifndef VMK_VSWITCH_LINK_MONITOR_H
#define VMK_VSWITCH_LINK_MONITOR_H

#include <stdint.h>

struct vs_dp;
struct rte_mbuf;
struct rte_mempool;

/* last_uplink of a port the monitor has not looked at yet. */
#define LINK_UPLINK_UNKNOWN (-2)

/* Start the datapath's monitor thread. Returns 0 or a negative errno. */
#define RARP_LEN 60

/* A RARP "reverse request" announcing mac (VLAN-tagged unless vlan is 0 or
 * the trunk), as a new mbuf of pool the caller owns; NULL if none is free. */
struct rte_mbuf *rarp_build(struct rte_mempool *pool, const uint8_t mac[6], uint16_t vlan);

int link_monitor_start(struct vs_dp *h);

/* Stop it and wait for it (no-op when not running). Not under the datapath lock (dp->lock). */
void link_monitor_stop(struct vs_dp *h);

#endif
