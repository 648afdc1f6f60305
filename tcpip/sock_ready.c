/*
 * Socket readiness, the stack's side (tcpip/sock_ready.h): what a TCP or
 * UDP socket is ready for, published where its state changes, and the
 * socket options that go with readiness (non-blocking mode, the pending
 * error).
 *
 * Threading: the masks are computed and published with ns->lock held, on
 * the worker that polls the netstack (segment input, timers) or in an
 * application call carried there (ns_call.c). Publishing is a compare
 * with the last mask and, only when something a watcher asked for rose,
 * a lock-free push and at most one eventfd write per batch (epoll.c).
 */
#include <errno.h>

#include <vmknet/epoll.h>

#include "tcpip/epoll.h"
#include "tcpip/netstack.h"
#include "tcpip/sock_ready.h"
#include "tcpip/tcp.h"

void sock_ready_set(struct sock_ready *r, uint32_t mask, uint32_t edge)
{
	uint32_t old = r->mask, rising;
	struct ep_item *it;

	if (mask == old && edge == 0)
		return;
	__atomic_store_n(&r->mask, mask, __ATOMIC_RELEASE);
	it = r->item;
	if (it == NULL)
		return;
	/* Pairs with ctl MOD, which stores events and then loads mask. */
	__atomic_store_n(&it->mask, mask, __ATOMIC_SEQ_CST);
	rising = (mask & ~old) | (edge & mask);
	if ((rising & __atomic_load_n(&it->events, __ATOMIC_SEQ_CST)) != 0)
		ep_item_signal(it, true);
}

void sock_ready_release(struct sock_ready *r)
{
	struct ep_item *it = r->item;

	if (it == NULL)
		return;
	r->item = NULL;
	__atomic_store_n(&it->dead, 1, __ATOMIC_SEQ_CST);
	/* Its set frees it when it takes it; no wakeup for that alone. */
	ep_item_signal(it, false);
}

/* Room to write: free room at least half of what is queued (Linux's
 * sk_stream_is_writeable), counting sends posted to the worker. */
static bool tcp_writable(const struct vmk_tcp_sock *p)
{
	uint32_t used = p->sndq.len + __atomic_load_n(&p->posted, __ATOMIC_ACQUIRE);

	return used < p->sndq.size && p->sndq.size - used >= used / 2;
}

uint32_t tcp_ready_mask(const struct vmk_tcp_sock *p)
{
	bool over = p->state == VMK_TCP_CLOSED && (p->faddr != 0 || p->err != 0);
	bool rd_shut = over || (p->flags & (TCPF_FIN_RCVD | TCPF_RD_SHUT)) != 0;
	bool wr_shut = over || (p->flags & TCPF_FIN_QUEUED) != 0;
	uint32_t m = 0;

	if (p->state == VMK_TCP_LISTEN)
		return p->aq_head != NULL ? VMK_EPOLLIN : 0;
	if ((rd_shut && wr_shut) || p->state == VMK_TCP_CLOSED)
		m |= VMK_EPOLLHUP;
	if (rd_shut)
		m |= VMK_EPOLLIN | VMK_EPOLLRDHUP;
	if (p->state != VMK_TCP_SYN_SENT && p->state != VMK_TCP_SYN_RECEIVED) {
		if (p->rcvq.len > 0)
			m |= VMK_EPOLLIN;
		if (wr_shut || p->state == VMK_TCP_CLOSED || tcp_writable(p))
			m |= VMK_EPOLLOUT;
	}
	if (p->err != 0 && !p->rd.err_taken)
		m |= VMK_EPOLLERR;
	return m;
}

uint32_t udp_ready_mask(const struct vmk_udp_sock *s)
{
	if (s->ns == NULL)
		return VMK_EPOLLOUT | VMK_EPOLLERR | VMK_EPOLLHUP;
	return VMK_EPOLLOUT | (s->n > 0 ? VMK_EPOLLIN : 0);
}

void tcp_ready_update(struct vmk_tcp_sock *p, uint32_t edge)
{
	uint32_t mask = tcp_ready_mask(p);

	/* A sender that was given less than it asked for waits for OUT: it
	 * comes now that there is room, even if OUT never went down (an ACK
	 * may have freed the room before the short send's chain was queued,
	 * and room lost to an empty pool never lowers OUT at all). */
	if ((mask & VMK_EPOLLOUT) && __atomic_load_n(&p->out_wanted, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&p->out_wanted, 0u, __ATOMIC_ACQ_REL))
		edge |= VMK_EPOLLOUT;
	sock_ready_set(&p->rd, mask, edge);
}

void udp_ready_update(struct vmk_udp_sock *s, uint32_t edge)
{
	sock_ready_set(&s->rd, udp_ready_mask(s), edge);
}

/* ---- options ---------------------------------------------------------- */

int vmk_tcp_set_nonblock(struct vmk_tcp_sock *s, bool on)
{
	if (s == NULL)
		return -EINVAL;
	s->rd.nonblock = on;
	return 0;
}

int vmk_udp_set_nonblock(struct vmk_udp_sock *s, bool on)
{
	if (s == NULL)
		return -EINVAL;
	s->rd.nonblock = on;
	return 0;
}

struct error_call {
	struct vmk_tcp_sock *s;
	int ret;
};

static void op_take_error(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct error_call *c = arg;
	struct vmk_tcp_sock *s = c->s;

	(void)ns;
	c->ret = s->rd.err_taken ? 0 : s->err;
	s->rd.err_taken = s->err != 0;
	tcp_ready_update(s, 0);
}

int vmk_tcp_error(struct vmk_tcp_sock *s)
{
	struct error_call c = { .s = s };

	if (s == NULL)
		return -EINVAL;
	if (s->ns == NULL) {                    /* the netstack went: nothing runs */
		c.ret = s->rd.err_taken ? 0 : s->err;
		s->rd.err_taken = s->err != 0;
		return c.ret;
	}
	ns_call(s->ns, op_take_error, &c);
	return c.ret;
}
