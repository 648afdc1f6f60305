/*
 * The public TCP socket API (include/vmknet/tcp.h): open, bind, listen,
 * accept, connect, send and recv (copying, or handing mbufs over: the
 * zero-copy pair), shutdown, close, readiness, per-netstack settings,
 * counters and the connection list.
 *
 * Threading (as UDP's, see udp.c): calls take the netstack lock for a few
 * microseconds and never sleep while holding it; a call that waits polls,
 * every 20 us for its first millisecond, then once a millisecond. Opening and closing also hold tcpip_ctl_lock, so a
 * netstack cannot be removed under its sockets. The segments a call makes
 * go to the adapter's transmit ring at once, stamped with the netstack's
 * clock (the `now` its worker last passed in).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vmknet/tcp.h>

#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"
#include "tcpip/tcp.h"

static const char *const state_names[VMK_TCP_STATE_MAX] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

static const char *const drop_names[VMK_TCPDROP_MAX] = {
	[VMK_TCPDROP_TRUNCATED] = "truncated",
	[VMK_TCPDROP_BAD_OFFSET] = "bad_offset",
	[VMK_TCPDROP_BAD_OPTIONS] = "bad_options",
	[VMK_TCPDROP_BAD_CHECKSUM] = "bad_checksum",
	[VMK_TCPDROP_NO_SOCKET] = "no_socket",
	[VMK_TCPDROP_OUT_OF_WINDOW] = "out_of_window",
	[VMK_TCPDROP_PAWS] = "paws",
	[VMK_TCPDROP_BAD_ACK] = "bad_ack",
	[VMK_TCPDROP_CHALLENGED] = "challenged",
	[VMK_TCPDROP_BACKLOG_FULL] = "backlog_full",
	[VMK_TCPDROP_NO_MEMORY] = "no_memory",
	[VMK_TCPDROP_OOO_FULL] = "ooo_full",
	[VMK_TCPDROP_RCV_MEMORY] = "rcv_memory",
};

const char *vmk_tcp_state_name(enum vmk_tcp_state s)
{
	return (unsigned int)s < VMK_TCP_STATE_MAX ? state_names[s] : "UNKNOWN";
}

const char *vmk_tcp_drop_reason_name(enum vmk_tcp_drop_reason r)
{
	if ((unsigned int)r >= VMK_TCPDROP_MAX || drop_names[r] == NULL)
		return "unknown";
	return drop_names[r];
}

#define WAIT_FAST_US    1000u     /* the first part of a wait ... */
#define WAIT_FAST_NS    20000L    /* ... polls this often (plus timer slack) */
#define WAIT_SLOW_NS    1000000L  /* then once a millisecond */

/* A call that waits polls: on a live connection the answer comes within
 * microseconds, so the first millisecond polls every 20 us (a 1 ms sleep
 * made a blocking request/response cost 1 ms against Linux); a longer wait
 * costs little CPU. Returns false once timeout_ms has passed since t0_us
 * (timeout 0: at once), else sleeps and returns true. */
static bool wait_more(uint64_t t0_us, unsigned int timeout_ms)
{
	uint64_t elapsed = tcpip_now_us() - t0_us;
	struct timespec ts = { .tv_sec = 0,
			       .tv_nsec = elapsed < WAIT_FAST_US ? WAIT_FAST_NS : WAIT_SLOW_NS };

	if (elapsed >= (uint64_t)timeout_ms * 1000u)
		return false;
	nanosleep(&ts, NULL);
	return true;
}

/* Lock the socket's netstack; NULL (nothing locked) when it went away. */
static struct netstack *sock_lock(struct vmk_tcp_sock *s)
{
	struct netstack *ns = s->ns;

	if (ns != NULL)
		rte_spinlock_lock(&ns->lock);
	return ns;
}

static void sock_unlock(struct netstack *ns)
{
	rte_spinlock_unlock(&ns->lock);
}

int vmk_tcp_open(struct vmk_host *host, const char *netstack, struct vmk_tcp_sock **out)
{
	struct netstack *ns;
	struct vmk_tcp_sock *p = NULL;
	int ret = 0;

	tcpip_clear_error();
	if (out == NULL)
		return -EINVAL;
	pthread_mutex_lock(&tcpip_ctl_lock);
	ns = tcpip_ns_lookup(host, netstack);
	if (ns == NULL) {
		ret = -ENOENT;
		goto unlock;
	}
	rte_spinlock_lock(&ns->lock);
	p = tcp_pcb_new(ns);
	if (p != NULL) {
		p->flags |= TCPF_USER;
		ns->n_socks++;
	}
	rte_spinlock_unlock(&ns->lock);
	if (p == NULL)
		ret = -ENOMEM;
	else
		*out = p;
unlock:
	pthread_mutex_unlock(&tcpip_ctl_lock);
	return ret;
}

static bool fresh(const struct vmk_tcp_sock *p)
{
	return p->state == VMK_TCP_CLOSED && p->faddr == 0 && p->err == 0;
}

int vmk_tcp_set_buffers(struct vmk_tcp_sock *s, uint32_t send_size, uint32_t recv_size)
{
	struct netstack *ns;
	int ret = 0;

	if (s == NULL || (send_size != 0 && (send_size < TCP_MIN_BUF || send_size > TCP_MAX_BUF)) ||
	    (recv_size != 0 && (recv_size < TCP_MIN_BUF || recv_size > TCP_MAX_BUF)))
		return -EINVAL;
	ns = sock_lock(s);
	if (ns == NULL)
		return -EINVAL;
	if (!fresh(s) || s->rcvq.mem_max != 0) {
		ret = -EISCONN;
	} else {
		if (send_size != 0)
			s->snd_size = send_size;
		if (recv_size != 0)
			s->rcv_size = recv_size;
	}
	sock_unlock(ns);
	return ret;
}

int vmk_tcp_set_nodelay(struct vmk_tcp_sock *s, bool nodelay)
{
	struct netstack *ns;

	if (s == NULL || (ns = sock_lock(s)) == NULL)
		return -EINVAL;
	if (nodelay)
		s->flags |= TCPF_NODELAY;
	else
		s->flags &= ~TCPF_NODELAY;
	if (nodelay)
		tcp_output(s, ns->tcp->now);
	sock_unlock(ns);
	return 0;
}

int vmk_tcp_set_keepalive(struct vmk_tcp_sock *s, bool on, uint32_t idle_ms,
			  uint32_t interval_ms, uint32_t count)
{
	const uint32_t max_ms = 86400000u;
	struct netstack *ns;

	if (on && (idle_ms == 0 || idle_ms > max_ms || interval_ms == 0 ||
		   interval_ms > max_ms || count == 0 || count > 255))
		return -EINVAL;
	if (s == NULL || (ns = sock_lock(s)) == NULL)
		return -EINVAL;
	s->ka_idle_ms = on ? idle_ms : 0;
	s->ka_intvl_ms = on ? interval_ms : 0;
	s->ka_count = (uint8_t)(on ? count : 0);
	s->ka_probes = 0;
	s->t_keep = 0;
	if (on && s->state != VMK_TCP_LISTEN && s->state != VMK_TCP_CLOSED &&
	    s->state != VMK_TCP_SYN_SENT)
		tcp_keepalive_heard(s, ns->tcp->now);
	sock_unlock(ns);
	return 0;
}

/* Lock held. */
static int sock_bind(struct netstack *ns, struct vmk_tcp_sock *p, rte_be32_t addr, uint16_t port)
{
	struct tcp_stack *t = ns->tcp;
	int ret;

	if (p->lport != 0)
		return -EINVAL;
	ret = ns_bind_choose(ns, addr, &port, &t->next_port, TCP_EPHEMERAL_MIN, tcp_port_used);
	if (ret < 0)
		return ret;
	p->laddr = addr;
	p->lport = port;
	return 0;
}

int vmk_tcp_bind(struct vmk_tcp_sock *s, uint32_t addr, uint16_t port)
{
	struct netstack *ns;
	int ret;

	if (s == NULL || (ns = sock_lock(s)) == NULL)
		return -EINVAL;
	ret = fresh(s) ? sock_bind(ns, s, addr, port) : -EINVAL;
	sock_unlock(ns);
	return ret;
}

int vmk_tcp_listen(struct vmk_tcp_sock *s, unsigned int backlog)
{
	struct netstack *ns;
	int ret = 0;

	if (s == NULL || backlog > 1024 || (ns = sock_lock(s)) == NULL)
		return -EINVAL;
	if (s->state == VMK_TCP_LISTEN)
		goto out;
	if (!fresh(s)) {
		ret = -EISCONN;
		goto out;
	}
	if (s->lport == 0)
		ret = sock_bind(ns, s, 0, 0);
	if (ret == 0) {
		s->backlog = backlog != 0 ? backlog : 128;
		s->state = VMK_TCP_LISTEN;
	}
out:
	sock_unlock(ns);
	return ret;
}

int vmk_tcp_accept(struct vmk_tcp_sock *s, struct vmk_tcp_sock **out, uint32_t *addr,
		   uint16_t *port, unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();

	if (s == NULL || out == NULL)
		return -EINVAL;
	for (;;) {
		struct netstack *ns = sock_lock(s);
		struct vmk_tcp_sock *c;

		if (ns == NULL)
			return -EINVAL;
		if (s->state != VMK_TCP_LISTEN) {
			sock_unlock(ns);
			return -EINVAL;
		}
		c = s->aq_head;
		if (c != NULL) {
			tcp_unlink_child(c);
			c->flags |= TCPF_USER;
			ns->n_socks++;
			if (addr != NULL)
				*addr = c->faddr;
			if (port != NULL)
				*port = c->fport;
			*out = c;
			sock_unlock(ns);
			return 0;
		}
		sock_unlock(ns);
		if (!wait_more(t0, timeout_ms))
			return -EAGAIN;
	}
}

/* Lock held. */
static int start_connect(struct netstack *ns, struct vmk_tcp_sock *p, rte_be32_t dst, uint16_t port)
{
	struct tcp_stack *t = ns->tcp;
	struct route_result rt;
	rte_be32_t src;
	int ret;

	if (!fresh(p))
		return p->state == VMK_TCP_LISTEN ? -EINVAL : -EISCONN;
	if (route_lookup(ns, dst, p->laddr, NULL, &rt) < 0)
		return -ENETUNREACH;
	if (!if_up(rt.ifc))
		return -ENETDOWN;
	src = p->laddr != 0 ? p->laddr : rt.ifc->addr;
	if (p->lport == 0) {
		ret = sock_bind(ns, p, src, 0);
		if (ret < 0)
			return ret;
	}
	if (tcp_lookup(ns, src, p->lport, dst, port) != NULL)
		return -EADDRINUSE;
	tcp_pcb_buffers(p);
	p->laddr = src;
	p->faddr = dst;
	p->fport = port;
	p->adv_mss = tcp_mss_for(ns, p);
	p->rcv_ws = tcp_wscale_for(p->rcv_size);
	p->iss = tcp_isn(ns, p->laddr, p->lport, dst, port, t->now);
	p->snd_una = p->snd_nxt = p->snd_max = p->recover = p->iss;
	p->state = VMK_TCP_SYN_SENT;
	tcp_pcb_hash(p);
	t->st.active_opens++;
	p->flags |= TCPF_RTT_TIMING;
	p->rtt_seq = p->iss;
	p->rtt_start_us = t->now;
	tcp_send_syn(p, t->now);
	return 0;
}

int vmk_tcp_connect(struct vmk_tcp_sock *s, uint32_t dst, uint16_t port,
		    unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();
	struct netstack *ns;
	int ret;

	if (s == NULL || dst == 0 || port == 0 || (ns = sock_lock(s)) == NULL)
		return -EINVAL;
	ret = start_connect(ns, s, dst, port);
	sock_unlock(ns);
	if (ret < 0)
		return ret;
	for (;;) {
		enum vmk_tcp_state st;
		int err;

		ns = sock_lock(s);
		if (ns == NULL)
			return -ENETDOWN;
		st = s->state;
		err = s->err;
		sock_unlock(ns);
		if (st == VMK_TCP_CLOSED)
			return err != 0 ? err : -ECONNREFUSED;
		if (st != VMK_TCP_SYN_SENT && st != VMK_TCP_SYN_RECEIVED)
			return 0;
		if (!wait_more(t0, timeout_ms))
			return -EINPROGRESS;
	}
}

/* Lock held: 0 when the connection takes data to send, else the errno. */
static int send_check(const struct vmk_tcp_sock *p)
{
	if (p->state == VMK_TCP_CLOSED)
		return p->err == -ECONNRESET ? -ECONNRESET : p->err != 0 || p->faddr != 0 ?
		       -EPIPE : -ENOTCONN;
	if (p->flags & TCPF_FIN_QUEUED)
		return -EPIPE;
	if (p->state != VMK_TCP_ESTABLISHED && p->state != VMK_TCP_CLOSE_WAIT)
		return -ENOTCONN;
	return 0;
}

/* Lock held: queue what fits (copied into the send queue's mbufs).
 * Returns bytes or a negative errno (0: full, or the pool is dry). */
static long send_some(struct netstack *ns, struct vmk_tcp_sock *p, const void *buf, size_t len)
{
	int err = send_check(p);
	uint32_t n;

	if (err < 0)
		return err;
	n = tcp_sndq_write(&p->sndq, ns->pool, buf, (uint32_t)RTE_MIN(len, (size_t)UINT32_MAX));
	if (n > 0)
		tcp_output(p, ns->tcp->now);
	return n;
}

long vmk_tcp_send(struct vmk_tcp_sock *s, const void *buf, size_t len, unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();

	if (s == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (len == 0)
		return 0;
	for (;;) {
		struct netstack *ns = sock_lock(s);
		long ret;

		if (ns == NULL)
			return -EPIPE;
		ret = send_some(ns, s, buf, len);
		sock_unlock(ns);
		if (ret != 0)
			return ret;
		if (!wait_more(t0, timeout_ms))
			return -EAGAIN;
	}
}

/* Lock held: queue the whole chain m (bytes long) or nothing. Returns
 * bytes (m taken), 0 (no room yet), -EAGAIN (larger than the send buffer:
 * it never fits) or another negative errno. */
static long send_chain(struct netstack *ns, struct vmk_tcp_sock *p, struct rte_mbuf *m,
		       uint32_t bytes)
{
	int err = send_check(p);

	if (err < 0)
		return err;
	if (bytes > p->sndq.size)
		return -EAGAIN;
	if (bytes > tcp_sndq_room(&p->sndq))
		return 0;
	tcp_sndq_append(&p->sndq, m);
	tcp_output(p, ns->tcp->now);
	return bytes;
}

/* The bytes of chain m, or -EINVAL when its pkt_len says otherwise, it
 * holds none, or a segment is shared (the queue links and trims its
 * segments: their fields must be the stack's alone). */
static long chain_bytes(const struct rte_mbuf *m)
{
	uint64_t n = 0;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		if (rte_mbuf_refcnt_read(s) != 1)
			return -EINVAL;
		n += s->data_len;
	}
	return n == 0 || n != m->pkt_len ? -EINVAL : (long)n;
}

long vmk_tcp_send_mbuf(struct vmk_tcp_sock *s, struct rte_mbuf *m, unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();
	long bytes;

	if (s == NULL || m == NULL)
		return -EINVAL;
	bytes = chain_bytes(m);
	if (bytes < 0)
		return bytes;
	for (;;) {
		struct netstack *ns = sock_lock(s);
		long ret;

		if (ns == NULL)
			return -EPIPE;
		ret = send_chain(ns, s, m, (uint32_t)bytes);
		sock_unlock(ns);
		if (ret != 0)
			return ret;
		if (!wait_more(t0, timeout_ms))
			return -EAGAIN;
	}
}

struct rte_mempool *vmk_tcp_pool(struct vmk_tcp_sock *s)
{
	struct netstack *ns;
	struct rte_mempool *mp;

	if (s == NULL || (ns = sock_lock(s)) == NULL)
		return NULL;
	mp = ns->pool;
	sock_unlock(ns);
	return mp;
}

/* After the reader made room: tell the peer when the window grew enough
 * (receiver silly-window avoidance, RFC 9293 3.8.6.2.2). Lock held. */
static void window_update(struct vmk_tcp_sock *p, uint64_t now)
{
	uint32_t space = tcp_rcv_space(p), edge;
	uint32_t thresh = RTE_MIN(2u * p->adv_mss, p->rcv_size / 2);

	edge = p->rcv_nxt + (RTE_MIN(space >> p->rcv_ws, 65535u) << p->rcv_ws);
	if (seq_gt(edge, p->rcv_adv) && edge - p->rcv_adv >= thresh &&
	    p->state != VMK_TCP_CLOSED && p->state != VMK_TCP_LISTEN &&
	    p->state != VMK_TCP_SYN_SENT && p->state != VMK_TCP_TIME_WAIT)
		tcp_send_ack(p, now);
}

/* Lock held, nothing to read: 0 at end of stream, -EAGAIN, or an error. */
static long recv_none(const struct vmk_tcp_sock *p)
{
	if ((p->flags & (TCPF_FIN_RCVD | TCPF_RD_SHUT)) != 0)
		return 0;
	if (p->state == VMK_TCP_CLOSED) {
		if (p->err != 0)
			return p->err;
		return p->faddr != 0 ? 0 : -ENOTCONN;
	}
	if (p->state == VMK_TCP_LISTEN)
		return -ENOTCONN;
	return -EAGAIN;
}

/* Lock held: bytes read, 0 at end of stream, -EAGAIN, or an error. */
static long recv_some(struct netstack *ns, struct vmk_tcp_sock *p, void *buf, size_t len)
{
	uint32_t n = tcp_rcvq_read(p, buf, (uint32_t)RTE_MIN(len, (size_t)UINT32_MAX));

	if (n == 0)
		return recv_none(p);
	window_update(p, ns->tcp->now);
	return n;
}

/* Lock held: as recv_some, the bytes detached as mbufs into *out. */
static long recv_chain(struct netstack *ns, struct vmk_tcp_sock *p, struct rte_mbuf **out,
		       size_t max)
{
	long n = tcp_rcvq_take(p, (uint32_t)RTE_MIN(max, (size_t)UINT32_MAX), out);

	if (n == 0)
		return recv_none(p);
	if (n > 0)
		window_update(p, ns->tcp->now);
	return n;
}

long vmk_tcp_recv_mbuf(struct vmk_tcp_sock *s, struct rte_mbuf **out, size_t max,
		       unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();

	if (s == NULL || out == NULL || max == 0)
		return -EINVAL;
	*out = NULL;
	for (;;) {
		struct netstack *ns = sock_lock(s);
		long ret;

		if (ns == NULL)
			return s->err != 0 ? s->err : -ENOTCONN;
		ret = recv_chain(ns, s, out, max);
		sock_unlock(ns);
		if (ret != -EAGAIN || !wait_more(t0, timeout_ms))
			return ret;
	}
}

long vmk_tcp_recv(struct vmk_tcp_sock *s, void *buf, size_t len, unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();

	if (s == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	for (;;) {
		struct netstack *ns = sock_lock(s);
		long ret;

		if (ns == NULL)
			return s->err != 0 ? s->err : -ENOTCONN;
		ret = recv_some(ns, s, buf, len);
		sock_unlock(ns);
		if (ret != -EAGAIN || !wait_more(t0, timeout_ms))
			return ret;
	}
}

/* Lock held: queue our FIN after the data. */
static void shut_wr(struct vmk_tcp_sock *p, uint64_t now)
{
	switch (p->state) {
	case VMK_TCP_SYN_SENT:
		tcp_set_closed(p, 0);
		return;
	case VMK_TCP_SYN_RECEIVED:
	case VMK_TCP_ESTABLISHED:
		p->state = VMK_TCP_FIN_WAIT_1;
		break;
	case VMK_TCP_CLOSE_WAIT:
		p->state = VMK_TCP_LAST_ACK;
		break;
	default:
		return;
	}
	p->flags |= TCPF_FIN_QUEUED;
	tcp_output(p, now);
}

int vmk_tcp_shutdown(struct vmk_tcp_sock *s, int how)
{
	struct netstack *ns;
	int ret = 0;

	if (s == NULL || how < VMK_TCP_SHUT_RD || how > VMK_TCP_SHUT_RDWR ||
	    (ns = sock_lock(s)) == NULL)
		return -EINVAL;
	if (s->state == VMK_TCP_CLOSED || s->state == VMK_TCP_LISTEN) {
		ret = -ENOTCONN;
	} else {
		if (how & VMK_TCP_SHUT_RD) {
			s->flags |= TCPF_RD_SHUT;
			tcp_rcvq_discard(s);
			tcp_rcvq_free_ooo(s);
		}
		if (how & VMK_TCP_SHUT_WR)
			shut_wr(s, ns->tcp->now);
	}
	sock_unlock(ns);
	return ret;
}

unsigned int vmk_tcp_poll(struct vmk_tcp_sock *s)
{
	struct netstack *ns;
	unsigned int ev = 0;

	if (s == NULL || (ns = sock_lock(s)) == NULL)
		return s != NULL ? VMK_TCP_POLL_ERR | VMK_TCP_POLL_HUP : 0;
	switch (s->state) {
	case VMK_TCP_LISTEN:
		if (s->aq_head != NULL)
			ev |= VMK_TCP_POLL_ACCEPT;
		break;
	case VMK_TCP_ESTABLISHED:
	case VMK_TCP_CLOSE_WAIT:
		if (!(s->flags & TCPF_FIN_QUEUED) && tcp_sndq_room(&s->sndq) > 0)
			ev |= VMK_TCP_POLL_OUT;
		break;
	case VMK_TCP_CLOSED:
		if (s->err != 0)
			ev |= VMK_TCP_POLL_ERR;
		if (s->faddr != 0 || s->err != 0)
			ev |= VMK_TCP_POLL_HUP | VMK_TCP_POLL_IN;
		break;
	default:
		break;
	}
	if (s->rcvq.len > 0 || (s->flags & TCPF_FIN_RCVD))
		ev |= VMK_TCP_POLL_IN;
	if ((s->flags & TCPF_FIN_RCVD) && (s->flags & TCPF_FIN_QUEUED))
		ev |= VMK_TCP_POLL_HUP;
	sock_unlock(ns);
	return ev;
}

enum vmk_tcp_state vmk_tcp_state(struct vmk_tcp_sock *s)
{
	struct netstack *ns;
	enum vmk_tcp_state st;

	if (s == NULL || (ns = sock_lock(s)) == NULL)
		return VMK_TCP_CLOSED;
	st = s->state;
	sock_unlock(ns);
	return st;
}

static int names(struct vmk_tcp_sock *s, bool peer, uint32_t *addr, uint16_t *port)
{
	struct netstack *ns;

	if (s == NULL || (ns = sock_lock(s)) == NULL)
		return -EINVAL;
	if (addr != NULL)
		*addr = peer ? s->faddr : s->laddr;
	if (port != NULL)
		*port = peer ? s->fport : s->lport;
	sock_unlock(ns);
	return 0;
}

int vmk_tcp_getsockname(struct vmk_tcp_sock *s, uint32_t *addr, uint16_t *port)
{
	return names(s, false, addr, port);
}

int vmk_tcp_getpeername(struct vmk_tcp_sock *s, uint32_t *addr, uint16_t *port)
{
	return names(s, true, addr, port);
}

/* Lock held: RST the connection and end it (p may be freed if no handle). */
static void reset_conn(struct vmk_tcp_sock *p, uint64_t now)
{
	if (p->state != VMK_TCP_CLOSED && p->state != VMK_TCP_LISTEN &&
	    p->state != VMK_TCP_SYN_SENT && p->state != VMK_TCP_TIME_WAIT)
		tcp_send_rst(p->ns, p->laddr, p->lport, p->faddr, p->fport, p->snd_nxt,
			     p->rcv_nxt, true, now);
	tcp_set_closed(p, -ECONNABORTED);
}

/* Lock held: a listener goes; the connections it did not hand out are reset. */
static void close_listener(struct netstack *ns, struct vmk_tcp_sock *l, uint64_t now)
{
	struct vmk_tcp_sock *c, *nx;

	for (c = ns->tcp->all; c != NULL; c = nx) {
		nx = c->next;                     /* resetting c frees only c */
		if (c->listener == l)
			reset_conn(c, now);
	}
	l->state = VMK_TCP_CLOSED;
}

static void release(struct vmk_tcp_sock *s, bool abort)
{
	struct netstack *ns;

	if (s == NULL)
		return;
	pthread_mutex_lock(&tcpip_ctl_lock);
	ns = sock_lock(s);
	if (ns != NULL) {
		uint64_t now = ns->tcp->now;

		if (s->state == VMK_TCP_LISTEN)
			close_listener(ns, s, now);
		else if (abort || s->rcvq.len > 0)
			reset_conn(s, now);
		else if (s->state == VMK_TCP_SYN_SENT)
			tcp_set_closed(s, 0);
		else
			shut_wr(s, now);
		s->flags &= ~TCPF_USER;
		ns->n_socks--;
		if (s->state == VMK_TCP_FIN_WAIT_2 && s->t_2msl == 0)
			s->t_2msl = now + 2ull * ns->tcp->params.msl_ms * 1000ull;
		tcp_pcb_maybe_free(s);
		sock_unlock(ns);
	} else {
		s->flags &= ~TCPF_USER;
		s->state = VMK_TCP_CLOSED;
		tcp_pcb_maybe_free(s);
	}
	pthread_mutex_unlock(&tcpip_ctl_lock);
}

void vmk_tcp_close(struct vmk_tcp_sock *s)
{
	release(s, false);
}

void vmk_tcp_abort(struct vmk_tcp_sock *s)
{
	release(s, true);
}

/* ---- per-netstack ----------------------------------------------------- */

static struct netstack *ns_locked(struct vmk_host *host, const char *netstack)
{
	struct netstack *ns;

	pthread_mutex_lock(&tcpip_ctl_lock);
	ns = tcpip_ns_lookup(host, netstack);
	if (ns == NULL) {
		pthread_mutex_unlock(&tcpip_ctl_lock);
		return NULL;
	}
	rte_spinlock_lock(&ns->lock);
	return ns;
}

static void ns_unlock(struct netstack *ns)
{
	rte_spinlock_unlock(&ns->lock);
	pthread_mutex_unlock(&tcpip_ctl_lock);
}

int vmk_tcp_get_params(struct vmk_host *host, const char *netstack, struct vmk_tcp_params *out)
{
	struct netstack *ns;

	if (out == NULL)
		return -EINVAL;
	tcpip_clear_error();
	ns = ns_locked(host, netstack);
	if (ns == NULL)
		return -ENOENT;
	*out = ns->tcp->params;
	ns_unlock(ns);
	return 0;
}

int vmk_tcp_set_params(struct vmk_host *host, const char *netstack,
		       const struct vmk_tcp_params *p)
{
	const struct tcp_cc_ops *cc;
	struct netstack *ns;

	tcpip_clear_error();
	if (p == NULL || p->rto_min_us == 0 || p->rto_min_us > TCP_RTO_MAX_US ||
	    p->rto_initial_us < p->rto_min_us || p->rto_initial_us > TCP_RTO_MAX_US ||
	    p->delack_us == 0 || p->delack_us > 500000 || p->msl_ms == 0 ||
	    p->msl_ms > 600000 || p->syn_retries == 0 || p->syn_retries > 255 ||
	    p->data_retries == 0 || p->data_retries > 255) {
		tcpip_set_error("TCP parameter out of range");
		return -EINVAL;
	}
	cc = tcp_cc_find(p->cc);
	if (cc == NULL) {
		tcpip_set_error("unknown congestion control %.16s", p->cc);
		return -EINVAL;
	}
	ns = ns_locked(host, netstack);
	if (ns == NULL)
		return -ENOENT;
	ns->tcp->params = *p;
	ns->tcp->cc = cc;
	ns_unlock(ns);
	return 0;
}

int vmk_tcp_get_stats(struct vmk_host *host, const char *netstack, struct vmk_tcp_stats *out)
{
	struct netstack *ns;

	if (out == NULL)
		return -EINVAL;
	ns = ns_locked(host, netstack);
	if (ns == NULL)
		return -ENOENT;
	*out = ns->tcp->st;
	ns_unlock(ns);
	return 0;
}

static void describe(const struct vmk_tcp_sock *p, struct vmk_tcp_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->local_addr = p->laddr;
	c->local_port = p->lport;
	c->foreign_addr = p->faddr;
	c->foreign_port = p->fport;
	c->state = p->state;
	c->send_q = p->sndq.len;
	c->recv_q = p->rcvq.len;
	c->mss = p->mss;
	c->cwnd = p->cwnd;
	c->snd_wnd = p->snd_wnd;
	c->srtt_us = p->srtt_us;
	c->rto_us = p->rto_us;
	snprintf(c->cc, sizeof(c->cc), "%s", p->cc->name);
}

unsigned int vmk_tcp_conn_list(struct vmk_host *host, const char *netstack,
			       struct vmk_tcp_conn *out, unsigned int max)
{
	struct netstack *ns = ns_locked(host, netstack);
	unsigned int n = 0;

	if (ns == NULL)
		return 0;
	for (const struct vmk_tcp_sock *p = ns->tcp->all; p != NULL; p = p->next) {
		if (p->state == VMK_TCP_CLOSED)
			continue;
		if (out != NULL && n < max)
			describe(p, &out[n]);
		n++;
	}
	ns_unlock(ns);
	return n;
}
