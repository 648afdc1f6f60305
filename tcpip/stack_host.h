/*
 * The IP layer of one host: its netstacks. The host creates it with its
 * packet pools (tcpip_host_create) and destroys it after its adapters are
 * gone (tcpip_host_destroy); nothing in tcpip/ knows the host, the switch or
 * the adapters, and frames come and go only through the rings of a
 * struct tcpip_if (tcpip/netstack.h). The built-in netstacks
 * (defaultTcpipStack, vmotion, vSphereProvisioning) are created with it.
 *
 * Threading: every control call of tcpip/ and vmknic/ holds th->lock for
 * its whole duration; it is taken before the datapath lock (a vmknic's
 * port add) and before a netstack's spinlock, and never by workers or by
 * port-ops callbacks.
 */
#ifndef VMK_TCPIP_STACK_HOST_H
#define VMK_TCPIP_STACK_HOST_H

#include <pthread.h>
#include <stdint.h>

#include <vmknet/netstack.h>
#include <vmknet/tcp.h>
#include <vmknet/traffic.h>
#include <vmknet/udp.h>

#include "common/lock.h"
#include "tcpip/netstack.h"

struct rte_mempool;
struct fw_host;

struct tcpip_host {
	struct vmk_mutex lock;          /* the control lock of tcpip/ and vmknic/ */
	struct rte_mempool *pool;       /* the host's; not owned */
	struct rte_mempool *clone_pool; /* the host's; not owned */
	struct netstack *ns[VMK_NETSTACK_MAX]; /* guarded by: lock */
	struct fw_host *fw;             /* the host firewall (tcpip/firewall.h) */
	/* DSCP per traffic class (include/vmknet/traffic.h), VMK_TC_NONE for
	 * none: written under lock, read by workers atomically (tclass.c). */
	uint8_t dscp[VMK_TC_COUNT];
};

/* The IP layer on the given pools (which must outlive it), with the
 * built-in netstacks. 0, -EINVAL or -ENOMEM. */
int tcpip_host_create(struct rte_mempool *pool, struct rte_mempool *clone_pool,
		      struct tcpip_host **out);

/* Free every netstack and socket of th, then th. No adapter may be attached
 * any more (vmknic_table_destroy first). NULL ok. */
void tcpip_host_destroy(struct tcpip_host *th);

/* th->lock; nothing for a NULL th (a call on no host, which then finds no
 * netstack). */
static inline void tcpip_host_lock(struct tcpip_host *th)
	VMK_ACQUIRES(th->lock) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	if (th != NULL)
		vmk_mutex_lock(&th->lock);
}

static inline void tcpip_host_unlock(struct tcpip_host *th)
	VMK_RELEASES(th->lock) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	if (th != NULL)
		vmk_mutex_unlock(&th->lock);
}

/* The named netstack (NULL name: defaultTcpipStack), or NULL. */
struct netstack *tcpip_ns_find(struct tcpip_host *th, const char *name);

/* The named netstack of th (NULL name: defaultTcpipStack); NULL with
 * the thread's reason (common/error.h) set when there is none. th->lock
 * held. */
struct netstack *tcpip_ns_lookup(struct tcpip_host *th, const char *name)
	VMK_REQUIRES(th->lock);

/*
 * The calls of include/vmknet/netstack.h, tcp.h and udp.h that name a host,
 * on its IP layer: same parameters after the first, same results (lib/
 * hands each the host's th).
 */
int tcpip_netstack_add(struct tcpip_host *th, const char *name) VMK_EXCLUDES(th->lock);
int tcpip_netstack_remove(struct tcpip_host *th, const char *name) VMK_EXCLUDES(th->lock);
unsigned int tcpip_netstack_list(struct tcpip_host *th, char (*names)[VMK_NAME_MAX],
				 unsigned int max) VMK_EXCLUDES(th->lock);
int tcpip_netstack_get_stats(struct tcpip_host *th, const char *name,
			     struct vmk_netstack_stats *out) VMK_EXCLUDES(th->lock);
unsigned int tcpip_netstack_connections(struct tcpip_host *th, const char *netstack,
					struct vmk_ip_conn *out, unsigned int max)
	VMK_EXCLUDES(th->lock);
unsigned int tcpip_neigh_list(struct tcpip_host *th, const char *netstack,
			      struct vmk_neigh *out, unsigned int max) VMK_EXCLUDES(th->lock);
int tcpip_neigh_remove(struct tcpip_host *th, const char *netstack, uint32_t ip)
	VMK_EXCLUDES(th->lock);
int tcpip_route_add(struct tcpip_host *th, const char *netstack, uint32_t network,
		    uint8_t prefix_len, uint32_t gateway) VMK_EXCLUDES(th->lock);
int tcpip_route_remove(struct tcpip_host *th, const char *netstack, uint32_t network,
		       uint8_t prefix_len) VMK_EXCLUDES(th->lock);
int tcpip_route_set_default(struct tcpip_host *th, const char *netstack, uint32_t gateway)
	VMK_EXCLUDES(th->lock);
unsigned int tcpip_route_list(struct tcpip_host *th, const char *netstack,
			      struct vmk_route *out, unsigned int max) VMK_EXCLUDES(th->lock);
int tcpip_route_lookup(struct tcpip_host *th, const char *netstack, uint32_t dst,
		       uint32_t src, struct vmk_route *route, uint32_t *next_hop)
	VMK_EXCLUDES(th->lock);
int tcpip_tcp_open(struct tcpip_host *th, const char *netstack, struct vmk_tcp_sock **out)
	VMK_EXCLUDES(th->lock);
int tcpip_tcp_get_params(struct tcpip_host *th, const char *netstack,
			 struct vmk_tcp_params *out) VMK_EXCLUDES(th->lock);
int tcpip_tcp_set_params(struct tcpip_host *th, const char *netstack,
			 const struct vmk_tcp_params *params) VMK_EXCLUDES(th->lock);
int tcpip_tcp_get_stats(struct tcpip_host *th, const char *netstack,
			struct vmk_tcp_stats *out) VMK_EXCLUDES(th->lock);
unsigned int tcpip_tcp_conn_list(struct tcpip_host *th, const char *netstack,
				 struct vmk_tcp_conn *out, unsigned int max)
	VMK_EXCLUDES(th->lock);
int tcpip_udp_open(struct tcpip_host *th, const char *netstack, struct vmk_udp_sock **out)
	VMK_EXCLUDES(th->lock);

/* The DSCP of class c (VMK_TC_NONE: none) for every netstack of th:
 * set (dscp 0..63 or VMK_TC_NONE; 0 or -EINVAL) and get. Take th->lock. */
int tcpip_tclass_set_dscp(struct tcpip_host *th, unsigned int c, uint8_t dscp)
	VMK_EXCLUDES(th->lock);
uint8_t tcpip_tclass_dscp(struct tcpip_host *th, unsigned int c) VMK_EXCLUDES(th->lock);

/* vmk_ping in two steps, so the adapter layer can name the source adapter:
 * check the parameters (0 or -EINVAL with the error text set), then ping
 * from ifc (NULL: the route decides) in its netstack, or in the named one
 * when ifc is NULL. th->lock held for the whole exchange. */
int tcpip_ping_check(const struct vmk_ping_params *params, struct vmk_ping_result *res);
int tcpip_ping(struct tcpip_host *th, const struct vmk_ping_params *params,
	       struct tcpip_if *ifc, struct vmk_ping_result *res) VMK_REQUIRES(th->lock);

#endif
