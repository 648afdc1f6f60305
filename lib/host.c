/*
 * The host: creation, teardown, worker start/stop and the RCU domain the
 * workers report to. Every public call here is control plane and takes the
 * host lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <vmknet/eal.h>
#include <vmknet/host.h>
#include <vmknet/port.h>

#include "lib/clock.h"
#include "lib/host.h"
#include "lib/log.h"
#include "tcpip/stack_host.h"
#include "vswitch/link_monitor.h"
#include "vswitch/vswitch.h"
#include "vswitch/worker.h"

#define HOST_DEFAULT_MBUFS   32767
#define HOST_DEFAULT_WORKERS 4

void vmk_host_params_init(struct vmk_host_params *p)
{
	memset(p, 0, sizeof(*p));
	p->name = "vmknet";
	p->n_mbufs = HOST_DEFAULT_MBUFS;
	p->mbuf_data_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	p->max_workers = HOST_DEFAULT_WORKERS;
	p->socket_id = SOCKET_ID_ANY;
}

static struct rte_mempool *pool_create(const char *name, unsigned int n, uint16_t data_size,
				       int socket_id)
{
	unsigned int cache = n >= 4096 ? 256 : 32;
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, cache, 0, data_size, socket_id);

	if (mp == NULL && socket_id != SOCKET_ID_ANY)
		mp = rte_pktmbuf_pool_create(name, n, cache, 0, data_size, SOCKET_ID_ANY);
	return mp;
}

/* The packet pool, and as many indirect mbufs (no data room) for clones:
 * an indirect mbuf from the packet pool would hold a data room it never
 * uses (2 KiB and more per clone). */
static int host_pool_create(struct vmk_host *h, const struct vmk_host_params *p)
{
	static uint32_t seq;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t id = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);

	snprintf(name, sizeof(name), "vmk_pool_%u", id);
	h->pool = pool_create(name, p->n_mbufs, p->mbuf_data_size, p->socket_id);
	if (h->pool == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "vmk_clone_%u", id);
	h->clone_pool = pool_create(name, p->n_mbufs, 0, p->socket_id);
	if (h->clone_pool == NULL) {
		rte_mempool_free(h->pool);
		h->pool = NULL;
		return -ENOMEM;
	}
	return 0;
}

int vmk_host_create(const struct vmk_host_params *params, struct vmk_host **out)
{
	struct vmk_host_params p;
	struct vmk_host *h;
	size_t qsz;
	int ret;

	if (out == NULL)
		return -EINVAL;
	if (!vmk_eal_ready())
		return -ENODEV;
	if (params != NULL)
		p = *params;
	else
		vmk_host_params_init(&p);
	if (p.name == NULL)
		p.name = "vmknet";
	if (p.n_mbufs == 0)
		p.n_mbufs = HOST_DEFAULT_MBUFS;
	if (p.mbuf_data_size == 0)
		p.mbuf_data_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (p.max_workers == 0)
		p.max_workers = HOST_DEFAULT_WORKERS;
	if (strlen(p.name) >= VMK_NAME_MAX || p.max_workers > VMK_MAX_WORKERS ||
	    p.n_mbufs < 512 || p.mbuf_data_size < RTE_PKTMBUF_HEADROOM + 128)
		return -EINVAL;

	vmk_clock_init();
	h = rte_zmalloc("vmk_host", sizeof(*h), RTE_CACHE_LINE_SIZE);
	if (h == NULL)
		return -ENOMEM;
	snprintf(h->name, sizeof(h->name), "%s", p.name);
	h->socket_id = p.socket_id;
	h->max_workers = p.max_workers;
	pthread_mutex_init(&h->lock, NULL);

	ret = host_pool_create(h, &p);
	if (ret < 0)
		goto free_host;
	qsz = rte_rcu_qsbr_get_memsize(VMK_MAX_WORKERS);
	h->qsbr = rte_zmalloc("vmk_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (h->qsbr == NULL) {
		ret = -ENOMEM;
		goto free_pool;
	}
	if (rte_rcu_qsbr_init(h->qsbr, VMK_MAX_WORKERS) != 0) {
		ret = -EINVAL;
		goto free_qsbr;
	}
	VMK_LOG(INFO, host, "host %s created: %u mbufs of %u bytes, up to %u workers",
		h->name, p.n_mbufs, p.mbuf_data_size, h->max_workers);
	*out = h;
	return 0;

free_qsbr:
	rte_free(h->qsbr);
free_pool:
	rte_mempool_free(h->clone_pool);
	rte_mempool_free(h->pool);
free_host:
	pthread_mutex_destroy(&h->lock);
	rte_free(h);
	return ret;
}

void vmk_host_destroy(struct vmk_host *h)
{
	if (h == NULL)
		return;
	if (h->running)
		vmk_host_stop(h);
	tcpip_host_release(h);   /* vmknics, sockets, netstacks: before their ports */
	for (unsigned int i = 0; i < VMK_MAX_VSWITCHES; i++) {
		struct vmk_vswitch *vs = h->vswitches[i];
		uint32_t ids[VMK_VSWITCH_MAX_PORTS];
		unsigned int n;

		if (vs == NULL)
			continue;
		n = vmk_port_list(vs, ids, VMK_VSWITCH_MAX_PORTS);
		for (unsigned int k = 0; k < n; k++)
			vmk_port_remove(vs, ids[k]);
		vmk_vswitch_remove(h, vs->name);
	}
	rte_free(h->qsbr);
	rte_mempool_free(h->pool);
	rte_mempool_free(h->clone_pool);
	pthread_mutex_destroy(&h->lock);
	rte_free(h);
}

void host_rcu_synchronize(struct vmk_host *h)
{
	if (h->running)
		rte_rcu_qsbr_synchronize(h->qsbr, RTE_QSBR_THRID_INVALID);
}

static int check_lcores(const struct vmk_host *h, const unsigned int *lcores, unsigned int n)
{
	if (lcores == NULL || n == 0 || n > h->max_workers)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (lcores[i] >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcores[i]) ||
		    lcores[i] == rte_get_main_lcore() ||
		    rte_eal_get_lcore_state(lcores[i]) != WAIT)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++)
			if (lcores[j] == lcores[i])
				return -EINVAL;
	}
	return 0;
}

int vmk_host_start(struct vmk_host *h, const unsigned int *lcores, unsigned int n_lcores)
{
	int ret;

	if (h == NULL)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	if (h->running) {
		ret = -EBUSY;
		goto unlock;
	}
	ret = check_lcores(h, lcores, n_lcores);
	if (ret < 0)
		goto unlock;
	for (unsigned int i = 0; i < n_lcores; i++) {
		struct worker *w = &h->workers[i];

		memset(w, 0, sizeof(*w));
		w->host = h;
		w->idx = i;
		w->lcore = lcores[i];
		rte_rcu_qsbr_thread_register(h->qsbr, i);
	}
	h->n_workers = n_lcores;
	/* Lists first, so each worker finds its queues at its first loop. */
	ret = workers_rebalance(h);
	if (ret < 0)
		goto unregister;
	h->running = true;
	for (unsigned int i = 0; i < n_lcores; i++) {
		ret = rte_eal_remote_launch(worker_main, &h->workers[i], lcores[i]);
		if (ret < 0) {
			for (unsigned int j = 0; j < i; j++) {
				__atomic_store_n(&h->workers[j].stop, 1, __ATOMIC_RELEASE);
				rte_eal_wait_lcore(lcores[j]);
			}
			h->running = false;
			workers_free_polls(h);
			goto unregister;
		}
	}
	VMK_LOG(INFO, host, "host %s: %u workers started", h->name, n_lcores);
	pthread_mutex_unlock(&h->lock);
	if (link_monitor_start(h) < 0)
		VMK_LOG(WARNING, host, "host %s: no link monitor thread: uplink failover off",
			h->name);
	return 0;

unregister:
	for (unsigned int i = 0; i < n_lcores; i++)
		rte_rcu_qsbr_thread_unregister(h->qsbr, i);
	h->n_workers = 0;
unlock:
	pthread_mutex_unlock(&h->lock);
	return ret;
}

int vmk_host_stop(struct vmk_host *h)
{
	if (h == NULL)
		return -EINVAL;
	link_monitor_stop(h);
	pthread_mutex_lock(&h->lock);
	if (!h->running) {
		pthread_mutex_unlock(&h->lock);
		return -EALREADY;
	}
	for (unsigned int i = 0; i < h->n_workers; i++)
		__atomic_store_n(&h->workers[i].stop, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < h->n_workers; i++) {
		rte_eal_wait_lcore(h->workers[i].lcore);
		rte_rcu_qsbr_thread_unregister(h->qsbr, i);
	}
	h->running = false;
	workers_free_polls(h);
	h->n_workers = 0;
	VMK_LOG(INFO, host, "host %s: workers stopped", h->name);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

bool vmk_host_running(const struct vmk_host *h)
{
	return h != NULL && h->running;
}

unsigned int vmk_host_n_workers(const struct vmk_host *h)
{
	return h != NULL ? h->n_workers : 0;
}

struct rte_mempool *vmk_host_mempool(struct vmk_host *h)
{
	return h != NULL ? h->pool : NULL;
}

struct rte_mempool *host_clone_pool(struct vmk_host *h)
{
	return h != NULL ? h->clone_pool : NULL;
}
