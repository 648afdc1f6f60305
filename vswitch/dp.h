/*
 * The datapath: the switching layer's root object. It owns the vSwitches of
 * one host, the workers that poll their ports, the RCU (QSBR) domain those
 * workers report to and the link monitor thread. The host (lib/host.c)
 * creates it with the packet pools it owns and passes it nothing else;
 * nothing here knows the host, the netstacks or the adapters.
 *
 * The datapath is the switch object that owns the lock: its vSwitches,
 * ports, FDBs and RCU domain are its own, and one lock serves them all
 * because the vSwitches share one set of workers and poll lists. So "a
 * switch owns its lock" holds, with the datapath as the switch.
 *
 * Threading: dp->lock serialises every control-plane call of vswitch/ (the
 * public vSwitch, port, policy, FDB and capture calls, the link monitor's
 * passes); workers never take it. What workers read (vSwitch slots, views,
 * FDBs, poll lists) is published atomically under dp->lock and reclaimed
 * after dp_rcu_synchronize().
 */
#ifndef VMK_VSWITCH_DP_H
#define VMK_VSWITCH_DP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include <vmknet/host.h>
#include <vmknet/traffic.h>
#include <vmknet/vswitch.h>

#include "common/lock.h"
#include "vswitch/nioc_port.h"
#include "vswitch/worker.h"

struct rte_mempool;
struct vs_port;

struct vs_dp {
	char name[VMK_NAME_MAX];        /* the host's, for logs */
	struct rte_mempool *pool;       /* the host's; not owned */
	struct rte_mempool *clone_pool; /* indirect mbufs only (data room 0); not owned */
	int socket_id;
	uint16_t max_workers;
	/* Serialises every control-plane call; never taken by workers. */
	struct vmk_mutex lock;
	/* Read by workers (housekeeping) under RCU; written under lock. */
	struct vmk_vswitch *vswitches[VMK_MAX_VSWITCHES]; /* guarded by: lock */
	struct rte_rcu_qsbr *qsbr;
	bool running;                   /* guarded by: lock */
	/* The link monitor thread (vswitch/link_monitor.c). */
	pthread_t link_thread;
	bool link_running;
	uint32_t link_stop;
	unsigned int n_workers;         /* guarded by: lock */
	/* 802.1p marking per traffic class (vswitch/tclass.h: TC_COS_*; 0:
	 * none): written under lock, read by workers byte by byte. */
	uint8_t tc_cos[VMK_TC_COUNT];
	/* Random at creation: marks this host's beacons (beacon.c) apart from
	 * another host's on the same network. */
	uint64_t beacon_token;
	/* Network I/O Control (nioc_port.h): the host's table. */
	struct dp_nioc nioc;            /* guarded by: lock */
	struct worker workers[VMK_MAX_WORKERS];
};

struct dp_params {
	const char *name;               /* for logs */
	struct rte_mempool *pool;       /* packets: what rx queues fill */
	struct rte_mempool *clone_pool; /* indirect mbufs */
	int socket_id;                  /* NUMA socket of per-switch memory */
	uint16_t max_workers;           /* 1..VMK_MAX_WORKERS */
};

/* Create a datapath with no vSwitch and no worker. The pools stay the
 * caller's and must outlive it. Returns 0, -EINVAL or -ENOMEM. */
int dp_create(const struct dp_params *params, struct vs_dp **out);

/* Stop the workers, remove every port and vSwitch, free dp. NULL ok. */
void dp_destroy(struct vs_dp *dp);

/* Start workers on the given lcores (see vmk_host_start for the rules).
 * 0, -EINVAL or -EBUSY (already running). Takes dp->lock. */
int dp_start(struct vs_dp *dp, const unsigned int *lcores, unsigned int n_lcores)
	VMK_EXCLUDES(dp->lock);

/* Stop the workers and the link monitor. 0 or -EALREADY. */
int dp_stop(struct vs_dp *dp) VMK_EXCLUDES(dp->lock);

/* Wait until every running worker has passed a quiescent state, so objects
 * unpublished before the call are no longer referenced. Control thread. */
void dp_rcu_synchronize(struct vs_dp *dp);

/* The vSwitch table (vswitch.c): as vmk_vswitch_add, _remove, _find and
 * _list of include/vmknet/vswitch.h, on this datapath. Take dp->lock. */
int dp_vswitch_add(struct vs_dp *dp, const struct vmk_vswitch_params *params,
		   struct vmk_vswitch **out) VMK_EXCLUDES(dp->lock);
int dp_vswitch_remove(struct vs_dp *dp, const char *name) VMK_EXCLUDES(dp->lock);
struct vmk_vswitch *dp_vswitch_find(struct vs_dp *dp, const char *name) VMK_EXCLUDES(dp->lock);
unsigned int dp_vswitch_list(struct vs_dp *dp, const char **names, unsigned int max)
	VMK_EXCLUDES(dp->lock);

/*
 * (worker.c) Recompute which worker polls which (port, queue) and publish the lists;
 * frees the old lists after an RCU grace period. Control thread, dp->lock
 * held. Returns 0 or -ENOMEM (old lists stay in place).
 */
int workers_rebalance(struct vs_dp *dp) VMK_REQUIRES(dp->lock);

/*
 * (nioc_port.c) Bring every uplink's NIOC scheduler in line with the
 * host's table, the uplinks' capacities and the workers running: create,
 * retune or remove, and publish the owners' lists. 0 or -ENOMEM (an uplink
 * that got no memory is left unscheduled and says so). dp->lock held.
 */
int dp_nioc_apply(struct vs_dp *dp) VMK_REQUIRES(dp->lock);

/* An uplink leaves: unschedule it (its queued frames are freed) before its
 * device goes. dp->lock held. */
void dp_nioc_port_detach(struct vs_dp *dp, struct vs_port *p) VMK_REQUIRES(dp->lock);

/* The workers stopped: free their NIOC lists (the schedulers stay, with
 * what they hold, until the next start or detach). dp->lock held. */
void dp_nioc_workers_stopped(struct vs_dp *dp) VMK_REQUIRES(dp->lock);

/* As vmk_host_get_worker_stats (worker.c). */
int dp_worker_stats(struct vs_dp *dp, unsigned int idx, struct vmk_worker_stats *out);

#endif
