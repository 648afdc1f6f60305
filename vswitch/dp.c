/*
 * The datapath (vswitch/dp.h): creation and teardown, worker start/stop and
 * the RCU domain the workers report to. Control plane; start and stop take
 * dp->lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <vmknet/port.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "vswitch/dp.h"
#include "vswitch/link_monitor.h"
#include "vswitch/vswitch.h"
#include "vswitch/worker.h"

int dp_create(const struct dp_params *p, struct vs_dp **out)
{
	struct vs_dp *dp;
	size_t qsz;
	int ret;

	if (p == NULL || out == NULL || p->pool == NULL || p->clone_pool == NULL ||
	    p->max_workers == 0 || p->max_workers > VMK_MAX_WORKERS)
		return -EINVAL;
	vmk_clock_init();   /* aging and shaping read the TSC clock */
	dp = rte_zmalloc("vmk_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (dp == NULL)
		return -ENOMEM;
	snprintf(dp->name, sizeof(dp->name), "%s", p->name != NULL ? p->name : "vmknet");
	dp->pool = p->pool;
	dp->clone_pool = p->clone_pool;
	dp->socket_id = p->socket_id;
	dp->max_workers = p->max_workers;
	dp->beacon_token = rte_rand();
	vmk_mutex_init(&dp->lock);
	dp_nioc_init(&dp->nioc);
	qsz = rte_rcu_qsbr_get_memsize(VMK_MAX_WORKERS);
	dp->qsbr = rte_zmalloc("vmk_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL) {
		ret = -ENOMEM;
		goto free_dp;
	}
	if (rte_rcu_qsbr_init(dp->qsbr, VMK_MAX_WORKERS) != 0) {
		ret = -EINVAL;
		goto free_qsbr;
	}
	*out = dp;
	return 0;

free_qsbr:
	rte_free(dp->qsbr);
free_dp:
	vmk_mutex_destroy(&dp->lock);
	rte_free(dp);
	return ret;
}

void dp_destroy(struct vs_dp *dp)
{
	if (dp == NULL)
		return;
	if (dp->running)
		dp_stop(dp);
	for (unsigned int i = 0; i < VMK_MAX_VSWITCHES; i++) {
		struct vmk_vswitch *vs = dp->vswitches[i];
		uint32_t ids[VMK_VSWITCH_MAX_PORTS];
		unsigned int n;

		if (vs == NULL)
			continue;
		n = vmk_port_list(vs, ids, VMK_VSWITCH_MAX_PORTS);
		for (unsigned int k = 0; k < n; k++)
			vmk_port_remove(vs, ids[k]);
		dp_vswitch_remove(dp, vs->name);
	}
	rte_free(dp->qsbr);
	vmk_mutex_destroy(&dp->lock);
	rte_free(dp);
}

/* rte_rcu_qsbr_synchronize without its thread-id case, from the header's
 * inline start and check: the acquire loads of the workers' counters are then
 * compiled here, so ThreadSanitizer sees the grace period (librte_rcu is not
 * instrumented) and what the control thread frees after it. */
void dp_rcu_synchronize(struct vs_dp *dp)
{
	if (dp->running)
		(void)rte_rcu_qsbr_check(dp->qsbr, rte_rcu_qsbr_start(dp->qsbr), true);
}

static int check_lcores(const struct vs_dp *dp, const unsigned int *lcores, unsigned int n)
{
	if (lcores == NULL || n == 0 || n > dp->max_workers)
		return vmk_err(-EINVAL, "%u worker lcores: the host takes 1..%u", lcores ? n : 0,
			       dp->max_workers);
	for (unsigned int i = 0; i < n; i++) {
		if (lcores[i] >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcores[i]) ||
		    lcores[i] == rte_get_main_lcore() ||
		    rte_eal_get_lcore_state(lcores[i]) != WAIT)
			return vmk_err(-EINVAL, "lcore %u is not an idle worker lcore of EAL",
				       lcores[i]);
		for (unsigned int j = 0; j < i; j++)
			if (lcores[j] == lcores[i])
				return vmk_err(-EINVAL, "lcore %u is named twice", lcores[i]);
	}
	return 0;
}

int dp_start(struct vs_dp *dp, const unsigned int *lcores, unsigned int n_lcores)
{
	int ret;

	vmk_err_clear();
	vmk_mutex_lock(&dp->lock);
	if (dp->running) {
		ret = vmk_err(-EBUSY, "the host is already running");
		goto unlock;
	}
	ret = check_lcores(dp, lcores, n_lcores);
	if (ret < 0)
		goto unlock;
	for (unsigned int i = 0; i < n_lcores; i++) {
		struct worker *w = &dp->workers[i];

		memset(w, 0, sizeof(*w));
		w->dp = dp;
		w->idx = i;
		w->lcore = lcores[i];
		rte_rcu_qsbr_thread_register(dp->qsbr, i);
	}
	dp->n_workers = n_lcores;
	/* Lists first, so each worker finds its queues at its first loop. */
	ret = workers_rebalance(dp);
	if (ret < 0)
		goto unregister;
	/* The schedulers' owners among these workers (an uplink whose list
	 * got no memory is left as it is, and says so). */
	(void)dp_nioc_apply(dp);
	dp->running = true;
	for (unsigned int i = 0; i < n_lcores; i++) {
		ret = rte_eal_remote_launch(worker_main, &dp->workers[i], lcores[i]);
		if (ret < 0) {
			for (unsigned int j = 0; j < i; j++) {
				__atomic_store_n(&dp->workers[j].stop, 1, __ATOMIC_RELEASE);
				rte_eal_wait_lcore(lcores[j]);
			}
			dp->running = false;
			workers_free_polls(dp);
			dp_nioc_workers_stopped(dp);
			goto unregister;
		}
	}
	VMK_LOG(INFO, host, "host %s: %u workers started", dp->name, n_lcores);
	vmk_mutex_unlock(&dp->lock);
	if (link_monitor_start(dp) < 0)
		VMK_LOG(WARNING, host, "host %s: no link monitor thread: uplink failover off",
			dp->name);
	return 0;

unregister:
	for (unsigned int i = 0; i < n_lcores; i++)
		rte_rcu_qsbr_thread_unregister(dp->qsbr, i);
	dp->n_workers = 0;
unlock:
	vmk_mutex_unlock(&dp->lock);
	return ret;
}

int dp_stop(struct vs_dp *dp)
{
	vmk_err_clear();
	link_monitor_stop(dp);
	vmk_mutex_lock(&dp->lock);
	if (!dp->running) {
		vmk_mutex_unlock(&dp->lock);
		return vmk_err(-EALREADY, "the host is not running");
	}
	for (unsigned int i = 0; i < dp->n_workers; i++)
		__atomic_store_n(&dp->workers[i].stop, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < dp->n_workers; i++) {
		rte_eal_wait_lcore(dp->workers[i].lcore);
		rte_rcu_qsbr_thread_unregister(dp->qsbr, i);
	}
	dp->running = false;
	workers_free_polls(dp);
	dp_nioc_workers_stopped(dp);
	dp->n_workers = 0;
	VMK_LOG(INFO, host, "host %s: workers stopped", dp->name);
	vmk_mutex_unlock(&dp->lock);
	return 0;
}
