/*
 * The host object (private view). One per embedding; owns the pool, the
 * vSwitches, the RCU state the workers report to, and the workers.
 */
#ifndef VMK_LIB_HOST_H
#define VMK_LIB_HOST_H

#include <pthread.h>
#include <stdbool.h>

#include <rte_rcu_qsbr.h>

#include <vmknet/host.h>
#include <vmknet/vswitch.h>

#include "vswitch/worker.h"

struct vmk_host {
	char name[VMK_NAME_MAX];
	struct rte_mempool *pool;
	struct rte_mempool *clone_pool; /* indirect mbufs only (data room 0) */
	int socket_id;
	uint16_t max_workers;
	/* Serialises every control-plane call; never taken by workers. */
	pthread_mutex_t lock;
	/* Read by workers (housekeeping) under RCU; written under lock. */
	struct vmk_vswitch *vswitches[VMK_MAX_VSWITCHES];
	struct rte_rcu_qsbr *qsbr;
	bool running;
	/* The link monitor thread (vswitch/link_monitor.c). */
	pthread_t link_thread;
	bool link_running;
	uint32_t link_stop;
	unsigned int n_workers;
	struct worker workers[VMK_MAX_WORKERS];
};

/* The host's pool of indirect mbufs (as many as packet mbufs, no data
 * room): what clones of packet buffers are made from (TCP's zero-copy
 * segments). Any thread. */
struct rte_mempool *host_clone_pool(struct vmk_host *host);

/* Wait until every running worker has passed a quiescent state, so objects
 * unpublished before the call are no longer referenced. Control thread. */
void host_rcu_synchronize(struct vmk_host *host);

#endif
