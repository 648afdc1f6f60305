/*
 * Netstack instances: creation and teardown, the IP layer of a host (its
 * netstacks, tcpip/stack_host.h), the netstack calls behind
 * include/vmknet/netstack.h (add, remove, list, counters), and
 * vmk_ip_last_error() (the thread's reason of common/error.h).
 *
 * Threading: control calls hold the control lock th->lock; counters are read under the
 * instance's spinlock, which the data path holds while it writes them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include <vmknet/host.h>
#include <vmknet/netstack.h>

#include "common/error.h"
#include "common/log.h"
#include "tcpip/firewall.h"
#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"
#include "tcpip/tcp.h"

static const char *const drop_names[VMK_IPDROP_MAX] = {
#define VMK_IP_DROP_REASON(sym, name, doc) [VMK_IPDROP_##sym] = name,
#include <vmknet/ip_drops.def>
#undef VMK_IP_DROP_REASON
};

const char *vmk_ip_drop_reason_name(enum vmk_ip_drop_reason r)
{
	if ((unsigned int)r >= VMK_IPDROP_MAX || drop_names[r] == NULL)
		return "unknown";
	return drop_names[r];
}

/* The same text as vmk_last_error(): the thread's reason (common/error.c). */
const char *vmk_ip_last_error(void)
{
	return vmk_err_text();
}

uint64_t tcpip_now_us(void)
{
	uint64_t tsc = rte_rdtsc(), hz = rte_get_tsc_hz();

	return tsc / hz * 1000000ull + tsc % hz * 1000000ull / hz;
}

void ns_drop(struct netstack *ns, struct rte_mbuf *m, enum vmk_ip_drop_reason why)
{
	if ((unsigned int)why < VMK_IPDROP_MAX)
		ns->st.drops[why]++;
	rte_pktmbuf_free(m);
}

struct netstack *ns_create(const char *name, struct rte_mempool *pool,
			   struct rte_mempool *clone_pool, bool builtin)
{
	struct netstack *ns = rte_zmalloc("vmk_netstack", sizeof(*ns), RTE_CACHE_LINE_SIZE);

	if (ns == NULL)
		return NULL;
	vmk_spin_init(&ns->lock);
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->builtin = builtin;
	ns->pool = pool;
	ns->clone_pool = clone_pool;
	ns->next_port = UDP_EPHEMERAL_MIN;
	ns->dhcp_gw_if = -1;
	ns->ip_id = (uint16_t)rte_rdtsc();
	ns->icmp_err_tokens = ICMP_ERR_BURST;
	if (ns_req_init(ns) < 0) {
		rte_free(ns);
		return NULL;
	}
	if (tcp_stack_init(ns) < 0) {
		ns_req_fini(ns);
		rte_free(ns);
		return NULL;
	}
	return ns;
}

void ns_destroy(struct netstack *ns)
{
	if (ns == NULL)
		return;
	vmk_spin_lock(&ns->lock);
	ns_req_run(ns);          /* a posted request owns its memory */
	arp_flush_if(ns, -1);
	reasm_flush(ns);
	udp_close_all(ns);
	tcp_stack_fini(ns);
	fw_ns_free(ns->fw);
	ns->fw = NULL;
	vmk_spin_unlock(&ns->lock);
	ns_req_fini(ns);
	rte_free(ns);
}

/* ---- the IP layer of a host ------------------------------------------ */

static const char *const builtin_names[] = {
	VMK_NETSTACK_DEFAULT, VMK_NETSTACK_VMOTION, VMK_NETSTACK_PROVISIONING,
};

void tcpip_host_destroy(struct tcpip_host *th)
{
	if (th == NULL)
		return;
	for (unsigned int i = 0; i < VMK_NETSTACK_MAX; i++)
		ns_destroy(th->ns[i]);
	fw_host_fini(th);
	vmk_mutex_destroy(&th->lock);
	free(th);
}

int tcpip_host_create(struct rte_mempool *pool, struct rte_mempool *clone_pool,
		      struct tcpip_host **out)
{
	struct tcpip_host *th;

	if (pool == NULL || clone_pool == NULL || out == NULL)
		return -EINVAL;
	th = calloc(1, sizeof(*th));
	if (th == NULL)
		return -ENOMEM;
	vmk_mutex_init(&th->lock);
	th->pool = pool;
	th->clone_pool = clone_pool;
	memset(th->dscp, VMK_TC_NONE, sizeof(th->dscp));
	if (fw_host_init(th) < 0) {
		tcpip_host_destroy(th);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < RTE_DIM(builtin_names); i++) {
		th->ns[i] = ns_create(builtin_names[i], pool, clone_pool, true);
		if (th->ns[i] == NULL) {
			tcpip_host_destroy(th);
			return -ENOMEM;
		}
		th->ns[i]->th = th;
	}
	*out = th;
	return 0;
}

struct netstack *tcpip_ns_find(struct tcpip_host *th, const char *name)
{
	if (name == NULL)
		name = VMK_NETSTACK_DEFAULT;
	for (unsigned int i = 0; th != NULL && i < VMK_NETSTACK_MAX; i++)
		if (th->ns[i] != NULL && strcmp(th->ns[i]->name, name) == 0)
			return th->ns[i];
	return NULL;
}

struct netstack *tcpip_ns_lookup(struct tcpip_host *th, const char *name)
{
	struct netstack *ns = tcpip_ns_find(th, name);

	if (ns == NULL)
		vmk_err(-ENOENT, "no netstack %s", name != NULL ? name : VMK_NETSTACK_DEFAULT);
	return ns;
}

/* ---- public API ----------------------------------------------------- */

int tcpip_netstack_add(struct tcpip_host *th, const char *name)
{
	int ret = -ENOSPC;

	vmk_err_clear();
	if (name == NULL || name[0] == '\0' || strlen(name) >= VMK_NAME_MAX)
		return vmk_err(-EINVAL, "netstack name must be 1..%d characters", VMK_NAME_MAX - 1);
	if (th == NULL)
		return -EINVAL;
	vmk_mutex_lock(&th->lock);
	if (tcpip_ns_find(th, name) != NULL) {
		ret = vmk_err(-EEXIST, "netstack %s already exists", name);
		goto unlock;
	}
	for (unsigned int i = 0; i < VMK_NETSTACK_MAX; i++) {
		if (th->ns[i] != NULL)
			continue;
		th->ns[i] = ns_create(name, th->pool, th->clone_pool, false);
		ret = th->ns[i] != NULL ? 0 : -ENOMEM;
		if (th->ns[i] != NULL) {
			th->ns[i]->th = th;
			ret = fw_ns_attach(th, th->ns[i]);
		}
		if (ret < 0) {
			ns_destroy(th->ns[i]);
			th->ns[i] = NULL;
		}
		break;
	}
	if (ret == -ENOSPC)
		vmk_err(ret, "at most %d netstacks per host", VMK_NETSTACK_MAX);
	else if (ret == 0)
		TCPIP_LOG(INFO, "netstack %s added", name);
unlock:
	vmk_mutex_unlock(&th->lock);
	return ret;
}

int tcpip_netstack_remove(struct tcpip_host *th, const char *name)
{
	struct netstack *ns;
	int ret = 0;

	vmk_err_clear();
	if (name == NULL)
		return -EINVAL;
	tcpip_host_lock(th);
	ns = tcpip_ns_find(th, name);
	if (ns == NULL) {
		ret = vmk_err(-ENOENT, "no netstack %s", name);
	} else if (ns->builtin) {
		ret = vmk_err(-EPERM, "netstack %s is built in", name);
	} else if (ns->n_ifs > 0 || ns->n_socks > 0) {
		ret = vmk_err(-EBUSY, "netstack %s still has %u adapters and %u sockets", name,
				ns->n_ifs, ns->n_socks);
	} else {
		for (unsigned int i = 0; i < VMK_NETSTACK_MAX; i++)
			if (th->ns[i] == ns)
				th->ns[i] = NULL;
		ns_destroy(ns);
		TCPIP_LOG(INFO, "netstack %s removed", name);
	}
	tcpip_host_unlock(th);
	return ret;
}

unsigned int tcpip_netstack_list(struct tcpip_host *th, char (*names)[VMK_NAME_MAX],
				 unsigned int max)
{
	unsigned int n = 0;

	tcpip_host_lock(th);
	for (unsigned int i = 0; th != NULL && i < VMK_NETSTACK_MAX; i++) {
		if (th->ns[i] == NULL)
			continue;
		if (names != NULL && n < max)
			snprintf(names[n], VMK_NAME_MAX, "%s", th->ns[i]->name);
		n++;
	}
	tcpip_host_unlock(th);
	return n;
}

int tcpip_netstack_get_stats(struct tcpip_host *th, const char *name,
			     struct vmk_netstack_stats *out)
{
	struct netstack *ns;

	vmk_err_clear();
	if (out == NULL)
		return vmk_err(-EINVAL, "no place for the netstack counters");
	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, name);
	if (ns != NULL) {
		vmk_spin_lock(&ns->lock);
		*out = ns->st;
		vmk_spin_unlock(&ns->lock);
	}
	tcpip_host_unlock(th);
	return ns != NULL ? 0 : -ENOENT;
}
