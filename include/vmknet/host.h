/*
 * The host: the root object of vmknet. It owns the packet memory pool, the
 * vSwitches and the worker lcores that poll them.
 */
#ifndef VMKNET_HOST_H
#define VMKNET_HOST_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;
struct rte_mempool;

/* Most worker lcores one host runs. */
#define VMK_MAX_WORKERS 16

struct vmk_host_params {
	const char *name;        /* host name used in logs; NULL: "vmknet" */
	uint32_t n_mbufs;        /* mbufs in the host's pool; 0: 32767. As many
	                          * indirect mbufs (about 200 bytes each, no data
	                          * room) come beside them for clones */
	uint16_t mbuf_data_size; /* data room per mbuf, headroom included;
	                          * 0: RTE_MBUF_DEFAULT_BUF_SIZE */
	uint16_t max_workers;    /* workers this host may run (1..VMK_MAX_WORKERS);
	                          * 0: 4. Sizes per-worker state. */
	int socket_id;           /* NUMA socket for memory; -1: any */
};

/* Fill *params with the defaults above. */
void vmk_host_params_init(struct vmk_host_params *params);

/*
 * Create a host. EAL must be initialised (vmk_eal_init or the caller's own
 * rte_eal_init). params may be NULL for defaults.
 * Returns 0 and sets *out, or -EINVAL (bad parameter), -ENODEV (EAL not
 * initialised), -ENOMEM.
 * Ownership: the caller owns *out and releases it with vmk_host_destroy().
 */
int vmk_host_create(const struct vmk_host_params *params, struct vmk_host **out);

/*
 * Stop the workers, remove every vSwitch and its ports, free the pool.
 * Accepts NULL.
 */
void vmk_host_destroy(struct vmk_host *host);

/*
 * Start one worker on each of the given lcores. The lcores must be EAL worker
 * lcores (not the main lcore), distinct, and at most max_workers. Every rx
 * queue of every port is assigned to a worker; ports added later are
 * assigned as they come.
 * Returns 0, -EINVAL (bad lcore list), -EBUSY (already running), or the
 * error of rte_eal_remote_launch().
 */
int vmk_host_start(struct vmk_host *host, const unsigned int *lcores,
		   unsigned int n_lcores);

/*
 * Stop every worker and wait for it to return. Packets in flight are
 * delivered or freed. Returns 0, or -EALREADY when not running.
 */
int vmk_host_stop(struct vmk_host *host);

/* True while workers run. */
bool vmk_host_running(const struct vmk_host *host);

/* Number of workers running (0 when stopped). */
unsigned int vmk_host_n_workers(const struct vmk_host *host);

struct vmk_worker_stats {
	unsigned int lcore;
	uint64_t loops;        /* poll loops run */
	uint64_t busy_loops;   /* loops that received at least one frame */
	uint64_t packets;      /* frames received and switched */
	uint64_t busy_cycles;  /* TSC cycles spent in busy loops */
	uint64_t idle_cycles;  /* TSC cycles spent in empty loops */
	uint64_t tsc_hz;       /* TSC frequency, to turn cycles into time */
};

/*
 * Counters of worker idx (0..n_workers-1), as OVS's pmd-stats-show: where
 * a forwarding core's time goes. busy_cycles / packets is the cost of one
 * frame (rx, switching and tx together). Thread: any.
 * Returns 0, -EINVAL, or -ENOENT (no such worker running).
 */
int vmk_host_get_worker_stats(struct vmk_host *host, unsigned int idx,
			      struct vmk_worker_stats *out);

/*
 * The host's packet pool, for callers that build frames to inject (tests,
 * examples). The host owns it; do not free.
 */
struct rte_mempool *vmk_host_mempool(struct vmk_host *host);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
