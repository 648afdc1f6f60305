/*
 * UDP of a netstack: demultiplexing to sockets, bounded receive queues,
 * port unreachable for closed ports, and the public socket API
 * (include/vmknet/udp.h).
 *
 * Threading: input runs on the worker with the netstack lock held; socket
 * calls are carried to that worker by the netstack's request ring
 * (ns_call.c) and never sleep there (a waiting recvfrom polls). Opening and
 * closing also hold the control lock th->lock, so a netstack cannot be removed under
 * its sockets.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>

#include <vmknet/udp.h>

#include "common/error.h"
#include "tcpip/netstack.h"
#include "tcpip/sock_ready.h"
#include "tcpip/stack_host.h"
#include "tcpip/wire_icmp.h"
#include "tcpip/wire_ipv4.h"
#include "tcpip/wire_udp.h"

#define UDP_MAX_PAYLOAD (IPV4_MAX_LEN - IPV4_HLEN - UDP_HLEN)

static struct vmk_udp_sock *sock_find(struct netstack *ns, rte_be32_t dst, uint16_t port)
{
	struct vmk_udp_sock *any = NULL;

	for (unsigned int i = 0; i < UDP_MAX_SOCKS; i++) {
		struct vmk_udp_sock *s = ns->socks[i];

		if (s == NULL || !s->bound || s->lport != port)
			continue;
		if (s->laddr == dst)
			return s;
		if (s->laddr == 0)
			any = s;
	}
	return any;
}

void udp_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint16_t hlen,
	       uint64_t now)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	struct vmk_udp_sock *s;
	struct udp_repr r;
	int ret;

	ns->st.udp_rx++;
	ret = udp_parse(&r, m, hlen, m->pkt_len - hlen, h->src_addr, h->dst_addr);
	if (ret < 0) {
		ns_drop(ns, m, (enum vmk_ip_drop_reason)-ret);
		return;
	}
	s = sock_find(ns, h->dst_addr, r.dst_port);
	if (s == NULL) {
		if (h->dst_addr == ifc->addr)
			icmp_send_error(ns, ifc, m, ICMP_DEST_UNREACH, ICMP_CODE_PORT_UNREACH, 0,
					now);
		ns_drop(ns, m, VMK_IPDROP_NO_PORT);
		return;
	}
	if (s->n >= UDP_QLEN) {
		ns_drop(ns, m, VMK_IPDROP_SOCKET_FULL);
		return;
	}
	{
		struct udp_dgram *d = &s->q[(s->head + s->n) % UDP_QLEN];

		d->src = h->src_addr;
		d->sport = r.src_port;
		rte_pktmbuf_adj(m, (uint16_t)(hlen + UDP_HLEN));
		/* UDP length may be shorter than the IP payload. */
		if (m->pkt_len > r.payload_len)
			rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - r.payload_len));
		d->m = m;
		s->n++;
		udp_ready_update(s, VMK_EPOLLIN);
	}
}

static void sock_flush(struct vmk_udp_sock *s)
{
	for (; s->n > 0; s->n--) {
		rte_pktmbuf_free(s->q[s->head].m);
		s->head = (uint16_t)((s->head + 1) % UDP_QLEN);
	}
}

void udp_close_all(struct netstack *ns)
{
	for (unsigned int i = 0; i < UDP_MAX_SOCKS; i++) {
		if (ns->socks[i] == NULL)
			continue;
		sock_flush(ns->socks[i]);
		ns->socks[i]->ns = NULL;    /* a later vmk_udp_close only frees */
		udp_ready_update(ns->socks[i], 0);
		ns->socks[i] = NULL;
	}
	ns->n_socks = 0;
}

int tcpip_udp_open(struct tcpip_host *th, const char *netstack, struct vmk_udp_sock **out)
{
	struct vmk_udp_sock *s = NULL;
	struct netstack *ns;
	int ret = -ENOSPC;

	vmk_err_clear();
	if (out == NULL)
		return vmk_err(-EINVAL, "no place for the UDP socket");
	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns == NULL) {
		ret = -ENOENT;
		goto unlock;
	}
	s = rte_zmalloc("vmk_udp_sock", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL) {
		ret = vmk_err(-ENOMEM, "netstack %s: no memory for a UDP socket", ns->name);
		goto unlock;
	}
	s->ns = ns;
	s->tclass = VMK_TC_NONE;
	vmk_spin_lock(&ns->lock);
	for (int16_t i = 0; i < UDP_MAX_SOCKS; i++) {
		if (ns->socks[i] == NULL) {
			ns->socks[i] = s;
			s->index = i;
			ns->n_socks++;
			ret = 0;
			break;
		}
	}
	vmk_spin_unlock(&ns->lock);
	if (ret == 0)
		*out = s;
	else
		rte_free(s);
	if (ret == -ENOSPC)
		vmk_err_set("netstack %s has %d UDP sockets already", ns->name, UDP_MAX_SOCKS);
unlock:
	tcpip_host_unlock(th);
	return ret;
}

static bool port_used(struct netstack *ns, rte_be32_t addr, uint16_t port)
{
	for (unsigned int i = 0; i < UDP_MAX_SOCKS; i++) {
		const struct vmk_udp_sock *o = ns->socks[i];

		if (o != NULL && o->bound && o->lport == port &&
		    (o->laddr == 0 || addr == 0 || o->laddr == addr))
			return true;
	}
	return false;
}

/* Lock held. */
static int sock_bind(struct vmk_udp_sock *s, rte_be32_t addr, uint16_t port)
	VMK_REQUIRES(s->ns->lock)
{
	struct netstack *ns = s->ns;
	int ret;

	if (s->bound)
		return -EINVAL;
	ret = ns_bind_choose(s->ns, addr, &port, &ns->next_port, UDP_EPHEMERAL_MIN, port_used);
	if (ret < 0)
		return ret;
	s->laddr = addr;
	s->lport = port;
	s->bound = true;
	return 0;
}

/* One socket call's arguments and result, for ns_call. */
struct udp_call {
	struct vmk_udp_sock *s;
	rte_be32_t addr;
	uint16_t port;
	struct rte_mbuf *m;           /* sendto: the datagram (taken when sent) */
	uint32_t len;
	struct udp_dgram d;           /* recvfrom: what was dequeued */
	int ret;
};

static void do_bind(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct udp_call *c = arg;

	(void)ns;
	ns_lock_held(c->s->ns); /* the socket's netstack is ns */
	c->ret = sock_bind(c->s, c->addr, c->port);
}

int vmk_udp_bind(struct vmk_udp_sock *s, uint32_t addr, uint16_t port)
{
	struct udp_call c = { .s = s, .addr = addr, .port = port };

	if (s == NULL || s->ns == NULL)
		return -EINVAL;
	ns_call(s->ns, do_bind, &c);
	return c.ret;
}

static void do_getsockname(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct udp_call *c = arg;

	(void)ns;
	c->addr = c->s->laddr;
	c->port = c->s->lport;
}

int vmk_udp_getsockname(struct vmk_udp_sock *s, uint32_t *addr, uint16_t *port)
{
	struct udp_call c = { .s = s };

	if (s == NULL || s->ns == NULL)
		return -EINVAL;
	ns_call(s->ns, do_getsockname, &c);
	if (addr != NULL)
		*addr = c.addr;
	if (port != NULL)
		*port = c.port;
	return 0;
}

static void do_sendto(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct udp_call *c = arg;
	struct vmk_udp_sock *s = c->s;
	struct udp_repr r;
	struct ip_out o;

	ns_lock_held(s->ns); /* the socket's netstack is ns */
	c->ret = s->bound ? 0 : sock_bind(s, 0, 0);
	if (c->ret == 0) {
		struct route_result rt;

		memset(&o, 0, sizeof(o));
		o.src = s->laddr;
		if (o.src == 0 && route_lookup(ns, c->addr, 0, NULL, &rt) == 0)
			o.src = rt.ifc->addr;
		o.dst = c->addr;
		o.proto = IPPROTO_UDP;
		o.tclass = __atomic_load_n(&s->tclass, __ATOMIC_RELAXED);
		o.has_tclass = o.tclass != VMK_TC_NONE;
		r.src_port = s->lport;
		r.dst_port = c->port;
		r.payload_len = (uint16_t)c->len;
		udp_emit(c->m, 0, &r, o.src, c->addr);
		ns->st.udp_tx++;
		c->ret = ipv4_output(ns, c->m, &o, tcpip_now_us());
		c->m = NULL;
	}
}

int vmk_udp_set_class(struct vmk_udp_sock *s, unsigned int tclass)
{
	/* virtualMachine is the guests' class, not a socket's. */
	if (s == NULL || (tclass >= VMK_TC_VIRTUAL_MACHINE && tclass != VMK_TC_NONE))
		return -EINVAL;
	__atomic_store_n(&s->tclass, (uint8_t)tclass, __ATOMIC_RELAXED);
	return 0;
}

int vmk_udp_set_world(struct vmk_udp_sock *s, uint32_t world)
{
	if (s == NULL)
		return -EINVAL;
	__atomic_store_n(&s->world, world, __ATOMIC_RELAXED);
	return 0;
}

int vmk_udp_sendto(struct vmk_udp_sock *s, const void *buf, size_t len, uint32_t dst,
		   uint16_t port)
{
	struct udp_call c = { .s = s, .addr = dst, .port = port, .len = (uint32_t)len };

	if (s == NULL || s->ns == NULL || (buf == NULL && len > 0) || port == 0 || dst == 0)
		return -EINVAL;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	/* The payload is copied here, on the caller's thread. */
	c.m = pkt_alloc(s->ns->pool, (uint32_t)(UDP_HLEN + len));
	if (c.m == NULL)
		return -ENOBUFS;
	pkt_write(c.m, UDP_HLEN, buf, (uint32_t)len);
	ns_call(s->ns, do_sendto, &c);
	rte_pktmbuf_free(c.m);
	return c.ret < 0 ? c.ret : (int)len;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

static void do_dequeue(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct udp_call *c = arg;
	struct vmk_udp_sock *s = c->s;

	(void)ns;
	c->ret = -EAGAIN;
	if (s->n > 0) {
		c->d = s->q[s->head];
		s->head = (uint16_t)((s->head + 1) % UDP_QLEN);
		s->n--;
		c->ret = 0;
		udp_ready_update(s, 0);
	}
}

int vmk_udp_recvfrom(struct vmk_udp_sock *s, void *buf, size_t len, uint32_t *src,
		     uint16_t *port, unsigned int timeout_ms)
{
	struct udp_call c = { .s = s };
	struct udp_dgram d;
	unsigned int waited = 0;

	if (s == NULL || s->ns == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	timeout_ms = sock_ready_timeout(&s->rd, timeout_ms);
	for (;;) {
		ns_call(s->ns, do_dequeue, &c);
		if (c.ret == 0) {
			d = c.d;
			break;
		}
		if (waited >= timeout_ms)
			return -EAGAIN;
		sleep_ms(1);
		waited++;
	}
	pkt_read(d.m, 0, buf, (uint32_t)RTE_MIN(len, (size_t)d.m->pkt_len));
	if (src != NULL)
		*src = d.src;
	if (port != NULL)
		*port = d.sport;
	len = d.m->pkt_len;
	rte_pktmbuf_free(d.m);
	return (int)len;
}

static void do_close(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct vmk_udp_sock *s = arg;

	sock_ready_release(&s->rd);
	sock_flush(s);
	ns->socks[s->index] = NULL;
	ns->n_socks--;
}

void vmk_udp_close(struct vmk_udp_sock *s)
{
	struct netstack *ns;

	if (s == NULL)
		return;
	ns = s->ns;
	if (ns != NULL) {
		vmk_mutex_lock(&ns->th->lock);
		ns_call(ns, do_close, s);
		vmk_mutex_unlock(&ns->th->lock);
	} else {
		sock_ready_release(&s->rd);       /* the netstack went: nothing runs */
	}
	rte_free(s);
}
