/*
 * The sockets of a netstack as one list, whatever their protocol
 * (vmk_netstack_connections): what `esxcli network ip connection list`
 * shows. UDP sockets are listed here; TCP adds its connections and
 * listeners with a conn_list_tcp() beside udp's.
 *
 * Threading: tcpip_ctl_lock, then the netstack lock while reading.
 */
#include <netinet/in.h>
#include <string.h>

#include <vmknet/netstack.h>

#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"

static unsigned int conn_list_udp(struct netstack *ns, struct vmk_ip_conn *out,
				  unsigned int max, unsigned int n)
{
	for (unsigned int i = 0; i < UDP_MAX_SOCKS; i++) {
		const struct vmk_udp_sock *s = ns->socks[i];

		if (s == NULL)
			continue;
		if (out != NULL && n < max) {
			struct vmk_ip_conn *c = &out[n];
			uint32_t bytes = 0;

			memset(c, 0, sizeof(*c));
			c->proto = IPPROTO_UDP;
			c->local_addr = s->laddr;
			c->local_port = s->bound ? s->lport : 0;
			for (uint16_t k = 0; k < s->n; k++)
				bytes += s->q[(s->head + k) % UDP_QLEN].m->pkt_len;
			c->recv_q = bytes;
		}
		n++;
	}
	return n;
}

unsigned int vmk_netstack_connections(struct vmk_host *host, const char *netstack,
				      struct vmk_ip_conn *out, unsigned int max)
{
	struct netstack *ns;
	unsigned int n = 0;

	pthread_mutex_lock(&tcpip_ctl_lock);
	ns = tcpip_ns_lookup(host, netstack);
	if (ns != NULL) {
		rte_spinlock_lock(&ns->lock);
		n = conn_list_udp(ns, out, max, n);
		rte_spinlock_unlock(&ns->lock);
	}
	pthread_mutex_unlock(&tcpip_ctl_lock);
	return n;
}
