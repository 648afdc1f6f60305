/*
 * The host object (private view). One per embedding; owns the packet pools
 * and the layers it composes: the datapath (vSwitches, workers, RCU:
 * vswitch/dp.h), the IP layer (netstacks: tcpip/stack_host.h) and the
 * adapters that join the two (vmknic/vmknic.h).
 */
#ifndef VMK_LIB_HOST_H
#define VMK_LIB_HOST_H

#include <vmknet/host.h>
#include <vmknet/vswitch.h>

struct rte_mempool;
struct tcpip_host;
struct vmknic_table;
struct vs_dp;

struct vmk_host {
	char name[VMK_NAME_MAX];
	struct rte_mempool *pool;
	struct rte_mempool *clone_pool; /* indirect mbufs only (data room 0) */
	struct vs_dp *dp;               /* vSwitches, workers, RCU */
	struct tcpip_host *ip;          /* netstacks (tcpip/stack_host.h) */
	struct vmknic_table *nics;      /* adapters (vmknic/vmknic.h) */
};

/* The host's adapter table (NULL for a NULL host). Any thread. */
struct vmknic_table *host_vmknics(struct vmk_host *host);

/* The host's pool of indirect mbufs (as many as packet mbufs, no data
 * room): what clones of packet buffers are made from (TCP's zero-copy
 * segments). Any thread. */
struct rte_mempool *host_clone_pool(struct vmk_host *host);

#endif
