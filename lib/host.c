/*
 * The host: the one place that composes the layers. It owns the packet
 * pools and creates, in order, the datapath (vswitch/dp.h: vSwitches,
 * workers, RCU) and the IP layer, handing each the pools; teardown runs in
 * the reverse order. The public calls that take a host and belong to a
 * layer (vmk_vswitch_add, ...) are the thin wrappers at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <vmknet/eal.h>
#include <vmknet/host.h>
#include <vmknet/port.h>

#include "common/clock.h"
#include "common/error.h"
#include "lib/host.h"
#include "common/log.h"
#include "tcpip/stack_host.h"
#include "vmknic/vmknic.h"
#include "vswitch/dp.h"

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
	struct dp_params dpp;
	struct vmk_host *h;
	int ret;

	vmk_err_clear();
	if (out == NULL)
		return vmk_err(-EINVAL, "no place for the host");
	if (!vmk_eal_ready())
		return vmk_err(-ENODEV, "EAL is not initialised: call vmk_eal_init first");
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
		return vmk_err(-EINVAL, "host: name up to %d characters, 1..%d workers, at least "
			       "512 mbufs of at least %d bytes", VMK_NAME_MAX - 1,
			       VMK_MAX_WORKERS, RTE_PKTMBUF_HEADROOM + 128);

	vmk_clock_init();
	h = rte_zmalloc("vmk_host", sizeof(*h), RTE_CACHE_LINE_SIZE);
	if (h == NULL)
		return vmk_err(-ENOMEM, "host: out of memory");
	snprintf(h->name, sizeof(h->name), "%s", p.name);

	ret = host_pool_create(h, &p);
	if (ret < 0) {
		vmk_err(ret, "host: no packet pool of %u mbufs: %s", p.n_mbufs,
			rte_strerror(rte_errno));
		goto free_host;
	}
	dpp.name = h->name;
	dpp.pool = h->pool;
	dpp.clone_pool = h->clone_pool;
	dpp.socket_id = p.socket_id;
	dpp.max_workers = p.max_workers;
	ret = dp_create(&dpp, &h->dp);
	if (ret < 0) {
		vmk_err_prefix(ret, "host: no datapath");
		goto free_pool;
	}
	ret = tcpip_host_create(h->pool, h->clone_pool, &h->ip);
	if (ret < 0) {
		vmk_err_prefix(ret, "host: no IP layer");
		goto free_dp;
	}
	ret = vmknic_table_create(h->ip, &h->nics);
	if (ret < 0) {
		vmk_err_prefix(ret, "host: no adapter table");
		goto free_ip;
	}
	VMK_LOG(INFO, host, "host %s created: %u mbufs of %u bytes, up to %u workers",
		h->name, p.n_mbufs, p.mbuf_data_size, p.max_workers);
	*out = h;
	return 0;

free_ip:
	tcpip_host_destroy(h->ip);
free_dp:
	dp_destroy(h->dp);
free_pool:
	rte_mempool_free(h->clone_pool);
	rte_mempool_free(h->pool);
free_host:
	rte_free(h);
	return ret;
}

void vmk_host_destroy(struct vmk_host *h)
{
	if (h == NULL)
		return;
	if (h->dp->running)
		vmk_host_stop(h);
	vmknic_table_destroy(h->nics);   /* adapters: their ports and interfaces */
	tcpip_host_destroy(h->ip);       /* sockets, netstacks */
	dp_destroy(h->dp);               /* the other ports, vSwitches */
	rte_mempool_free(h->pool);
	rte_mempool_free(h->clone_pool);
	rte_free(h);
}

int vmk_host_start(struct vmk_host *h, const unsigned int *lcores, unsigned int n_lcores)
{
	return h != NULL ? dp_start(h->dp, lcores, n_lcores) : vmk_err(-EINVAL, "no host");
}

int vmk_host_stop(struct vmk_host *h)
{
	return h != NULL ? dp_stop(h->dp) : vmk_err(-EINVAL, "no host");
}

bool vmk_host_running(const struct vmk_host *h)
{
	return h != NULL && h->dp->running;
}

unsigned int vmk_host_n_workers(const struct vmk_host *h)
{
	return h != NULL ? h->dp->n_workers : 0;
}

int vmk_host_get_worker_stats(struct vmk_host *h, unsigned int idx,
			      struct vmk_worker_stats *out)
{
	return h != NULL ? dp_worker_stats(h->dp, idx, out) : -EINVAL;
}

struct rte_mempool *vmk_host_mempool(struct vmk_host *h)
{
	return h != NULL ? h->pool : NULL;
}

struct rte_mempool *host_clone_pool(struct vmk_host *h)
{
	return h != NULL ? h->clone_pool : NULL;
}

struct vmknic_table *host_vmknics(struct vmk_host *h)
{
	return h != NULL ? h->nics : NULL;
}

/* ---- vSwitches: the host's datapath ----------------------------------- */

int vmk_vswitch_add(struct vmk_host *h, const struct vmk_vswitch_params *params,
		    struct vmk_vswitch **out)
{
	return h != NULL ? dp_vswitch_add(h->dp, params, out) : vmk_err(-EINVAL, "no host");
}

int vmk_vswitch_remove(struct vmk_host *h, const char *name)
{
	return h != NULL ? dp_vswitch_remove(h->dp, name) : vmk_err(-EINVAL, "no host");
}

struct vmk_vswitch *vmk_vswitch_find(struct vmk_host *h, const char *name)
{
	if (h == NULL) {
		vmk_err_set("no host");
		return NULL;
	}
	return dp_vswitch_find(h->dp, name);
}

unsigned int vmk_vswitch_list(struct vmk_host *h, const char **names, unsigned int max)
{
	return h != NULL ? dp_vswitch_list(h->dp, names, max) : 0;
}
