/*
 * The sockets of a netstack as one list, whatever their protocol
 * (vmk_netstack_connections): what `esxcli network ip connection list`
 * shows: UDP sockets, then TCP connections and listeners.
 *
 * Threading: the control lock th->lock, then the netstack lock while reading.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <vmknet/netstack.h>

#include <vmknet/tcp.h>

#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"
#include "tcpip/tcp.h"

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
			c->traffic_class = tclass_of_socket(ns, s->tclass, s->laddr, c->local_port,
							    0);
			c->world = __atomic_load_n(&s->world, __ATOMIC_RELAXED);
		}
		n++;
	}
	return n;
}

static unsigned int conn_list_tcp(struct netstack *ns, struct vmk_ip_conn *out,
				  unsigned int max, unsigned int n)
{
	for (const struct vmk_tcp_sock *p = ns->tcp->all; p != NULL; p = p->next) {
		if (p->state == VMK_TCP_CLOSED)
			continue;
		if (out != NULL && n < max) {
			struct vmk_ip_conn *c = &out[n];

			memset(c, 0, sizeof(*c));
			c->proto = IPPROTO_TCP;
			c->local_addr = p->laddr;
			c->local_port = p->lport;
			c->remote_addr = p->faddr;
			c->remote_port = p->fport;
			c->recv_q = p->rcvq.len;
			c->send_q = p->sndq.len;
			snprintf(c->state, sizeof(c->state), "%s", vmk_tcp_state_name(p->state));
			snprintf(c->cc_algo, sizeof(c->cc_algo), "%s",
				 p->cc != NULL ? p->cc->name : "");
			c->traffic_class = tclass_of_socket(ns, p->tclass, p->laddr, p->lport,
							    p->fport);
			c->world = p->world;
		}
		n++;
	}
	return n;
}

unsigned int tcpip_netstack_connections(struct tcpip_host *th, const char *netstack,
				        struct vmk_ip_conn *out, unsigned int max)
{
	struct netstack *ns;
	unsigned int n = 0;

	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns != NULL) {
		vmk_spin_lock(&ns->lock);
		n = conn_list_udp(ns, out, max, n);
		n = conn_list_tcp(ns, out, max, n);
		vmk_spin_unlock(&ns->lock);
	}
	tcpip_host_unlock(th);
	return n;
}
