/*
 * The public TCP socket API (include/vmknet/tcp.h): open, bind, listen,
 * accept, connect, send and recv (copying, or handing mbufs over: the
 * zero-copy pair), shutdown, close, readiness, per-netstack settings,
 * counters and the connection list.
 *
 * Threading (as UDP's, see udp.c): a socket call is carried to the worker
 * that polls the socket's netstack by the netstack's request ring
 * (ns_call.c) and runs there under the lock the worker holds (in the
 * caller when no worker polls the netstack). Large sends and reads copy
 * on the caller's thread: the data crosses as mbuf chains. A call that
 * waits polls, every 20 us for its first millisecond, then once a
 * millisecond. Opening and closing also hold the control lock th->lock, so a netstack
 * cannot be removed under its sockets. The segments a call makes go to the
 * adapter's transmit ring at once, stamped with the netstack's clock (the
 * `now` its worker last passed in).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vmknet/tcp.h>

#include "common/error.h"
#include "tcpip/netstack.h"
#include "tcpip/sock_ready.h"
#include "tcpip/stack_host.h"
#include "tcpip/tcp.h"

static const char *const state_names[VMK_TCP_STATE_MAX] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

static const char *const drop_names[VMK_TCPDROP_MAX] = {
#define VMK_TCP_DROP_REASON(sym, name, doc) [VMK_TCPDROP_##sym] = name,
#include <vmknet/tcp_drops.def>
#undef VMK_TCP_DROP_REASON
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

#define CALL_COPY_MAX   2048u     /* sends and reads this small copy on the worker */
#define SEND_CHAIN_MAX  TCP_MAX_BUF /* a large send hands over at most this at once */
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

/* One socket call: its arguments and results, carried to the worker. */
struct tcp_call {
	struct vmk_tcp_sock *s;
	long ret;
	const void *src;              /* send: bytes to copy (small sends) */
	void *dst;                    /* recv: where to copy (small reads) */
	size_t len;
	struct rte_mbuf *m;           /* send_mbuf / a large send: the chain */
	struct rte_mbuf **out;        /* recv_mbuf / a large recv */
	struct vmk_tcp_sock *child;   /* accept */
	uint32_t a, b, c;             /* small arguments */
	rte_be32_t addr;
	uint16_t port;
	bool flag;
	enum vmk_tcp_state state;
	ns_call_fn op;                /* what sock_call runs */
};

/* The call, then the socket's readiness as the call left it. */
static void op_then_ready(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	c->op(ns, c);
	tcp_ready_update(c->s, 0);
}

/* Run fn(ns, c) for socket s on its netstack, carried to the worker that
 * polls it (ns_call.c). false (nothing run) when the netstack went away. */
static bool sock_call(struct vmk_tcp_sock *s, ns_call_fn fn, struct tcp_call *c)
{
	struct netstack *ns = s->ns;

	if (ns == NULL)
		return false;
	c->s = s;
	c->op = fn;
	ns_call(ns, op_then_ready, c);
	return true;
}

int tcpip_tcp_open(struct tcpip_host *th, const char *netstack, struct vmk_tcp_sock **out)
{
	struct netstack *ns;
	struct vmk_tcp_sock *p = NULL;
	int ret = 0;

	vmk_err_clear();
	if (out == NULL)
		return vmk_err(-EINVAL, "no place for the TCP socket");
	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns == NULL) {
		ret = -ENOENT;
		goto unlock;
	}
	vmk_spin_lock(&ns->lock);
	p = tcp_pcb_new(ns);
	if (p != NULL) {
		p->flags |= TCPF_USER;
		ns->n_socks++;
	}
	vmk_spin_unlock(&ns->lock);
	if (p == NULL)
		ret = vmk_err(-ENOMEM, "netstack %s: no memory for a TCP socket", ns->name);
	else
		*out = p;
unlock:
	tcpip_host_unlock(th);
	return ret;
}

static bool fresh(const struct vmk_tcp_sock *p)
{
	return p->state == VMK_TCP_CLOSED && p->faddr == 0 && p->err == 0;
}

static void op_set_buffers(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;
	struct vmk_tcp_sock *s = c->s;

	(void)ns;
	c->ret = 0;
	if (!fresh(s) || s->rcvq.mem_max != 0) {
		c->ret = -EISCONN;
		return;
	}
	if (c->a != 0)
		s->snd_size = c->a;
	if (c->b != 0)
		s->rcv_size = c->b;
}

int vmk_tcp_set_buffers(struct vmk_tcp_sock *s, uint32_t send_size, uint32_t recv_size)
{
	struct tcp_call c = { 0 };

	if (s == NULL || (send_size != 0 && (send_size < TCP_MIN_BUF || send_size > TCP_MAX_BUF)) ||
	    (recv_size != 0 && (recv_size < TCP_MIN_BUF || recv_size > TCP_MAX_BUF)))
		return -EINVAL;
	c.a = send_size;
	c.b = recv_size;
	if (!sock_call(s, op_set_buffers, &c))
		return -EINVAL;
	return (int)c.ret;
}

static void op_set_nodelay(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	if (c->flag) {
		c->s->flags |= TCPF_NODELAY;
		ns_lock_held(c->s->ns); /* the socket's netstack is ns */
		tcp_output(c->s, ns->tcp->now);
	} else {
		c->s->flags &= ~TCPF_NODELAY;
	}
}

int vmk_tcp_set_nodelay(struct vmk_tcp_sock *s, bool nodelay)
{
	struct tcp_call c = { .flag = nodelay };

	if (s == NULL || !sock_call(s, op_set_nodelay, &c))
		return -EINVAL;
	return 0;
}

static void op_set_keepalive(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;
	struct vmk_tcp_sock *s = c->s;

	s->ka_idle_ms = c->a;
	s->ka_intvl_ms = c->b;
	s->ka_count = (uint8_t)c->c;
	s->ka_probes = 0;
	s->t_keep = 0;
	if (c->flag && s->state != VMK_TCP_LISTEN && s->state != VMK_TCP_CLOSED &&
	    s->state != VMK_TCP_SYN_SENT)
		tcp_keepalive_heard(s, ns->tcp->now);
}

int vmk_tcp_set_keepalive(struct vmk_tcp_sock *s, bool on, uint32_t idle_ms,
			  uint32_t interval_ms, uint32_t count)
{
	const uint32_t max_ms = 86400000u;
	struct tcp_call c = { .flag = on, .a = on ? idle_ms : 0, .b = on ? interval_ms : 0,
			      .c = on ? count : 0 };

	if (on && (idle_ms == 0 || idle_ms > max_ms || interval_ms == 0 ||
		   interval_ms > max_ms || count == 0 || count > 255))
		return -EINVAL;
	if (s == NULL || !sock_call(s, op_set_keepalive, &c))
		return -EINVAL;
	return 0;
}

static void op_set_class(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	(void)ns;
	c->s->tclass = (uint8_t)c->a;
}

int vmk_tcp_set_class(struct vmk_tcp_sock *s, unsigned int tclass)
{
	struct tcp_call c = { .a = tclass };

	/* virtualMachine is the guests' class, not a socket's. */
	if (s == NULL || (tclass >= VMK_TC_VIRTUAL_MACHINE && tclass != VMK_TC_NONE))
		return -EINVAL;
	if (!sock_call(s, op_set_class, &c))
		return -EINVAL;
	return 0;
}

static void op_set_world(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	(void)ns;
	c->s->world = c->a;
}

int vmk_tcp_set_world(struct vmk_tcp_sock *s, uint32_t world)
{
	struct tcp_call c = { .a = world };

	if (s == NULL || !sock_call(s, op_set_world, &c))
		return -EINVAL;
	return 0;
}

/* Lock held. */
static int sock_bind(struct netstack *ns, struct vmk_tcp_sock *p, rte_be32_t addr, uint16_t port)
	VMK_REQUIRES(ns->lock)
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

static void op_bind(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	c->ret = fresh(c->s) ? sock_bind(ns, c->s, c->addr, c->port) : -EINVAL;
}

int vmk_tcp_bind(struct vmk_tcp_sock *s, uint32_t addr, uint16_t port)
{
	struct tcp_call c = { .addr = addr, .port = port };

	if (s == NULL || !sock_call(s, op_bind, &c))
		return -EINVAL;
	return (int)c.ret;
}

static void op_listen(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;
	struct vmk_tcp_sock *s = c->s;

	c->ret = 0;
	if (s->state == VMK_TCP_LISTEN)
		return;
	if (!fresh(s)) {
		c->ret = -EISCONN;
		return;
	}
	if (s->lport == 0)
		c->ret = sock_bind(ns, s, 0, 0);
	if (c->ret == 0) {
		s->backlog = c->a != 0 ? c->a : 128;
		s->state = VMK_TCP_LISTEN;
	}
}

int vmk_tcp_listen(struct vmk_tcp_sock *s, unsigned int backlog)
{
	struct tcp_call c = { .a = backlog };

	if (s == NULL || backlog > 1024 || !sock_call(s, op_listen, &c))
		return -EINVAL;
	return (int)c.ret;
}

static void op_accept(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;
	struct vmk_tcp_sock *s = c->s, *child = s->aq_head;

	if (s->state != VMK_TCP_LISTEN) {
		c->ret = -EINVAL;
		return;
	}
	if (child == NULL) {
		c->ret = -EAGAIN;
		return;
	}
	tcp_unlink_child(child);
	child->flags |= TCPF_USER;
	ns->n_socks++;
	c->addr = child->faddr;
	c->port = child->fport;
	c->child = child;
	c->ret = 0;
}

int vmk_tcp_accept(struct vmk_tcp_sock *s, struct vmk_tcp_sock **out, uint32_t *addr,
		   uint16_t *port, unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();

	if (s == NULL || out == NULL)
		return -EINVAL;
	timeout_ms = sock_ready_timeout(&s->rd, timeout_ms);
	for (;;) {
		struct tcp_call c = { 0 };

		if (!sock_call(s, op_accept, &c))
			return -EINVAL;
		if (c.ret == 0) {
			if (addr != NULL)
				*addr = c.addr;
			if (port != NULL)
				*port = c.port;
			*out = c.child;
			return 0;
		}
		if (c.ret != -EAGAIN || !wait_more(t0, timeout_ms))
			return (int)c.ret;
	}
}

/* Lock held. */
static int start_connect(struct netstack *ns, struct vmk_tcp_sock *p, rte_be32_t dst, uint16_t port)
	VMK_REQUIRES(ns->lock)
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
	p->snd_una = p->snd_nxt = p->snd_max = p->recover = p->high_rxt = p->iss;
	p->state = VMK_TCP_SYN_SENT;
	tcp_pcb_hash(p);
	t->st.active_opens++;
	p->flags |= TCPF_RTT_TIMING;
	p->rtt_seq = p->iss;
	p->rtt_start_us = t->now;
	ns_lock_held(p->ns); /* p is ns's */
	if (tcp_send_syn(p, t->now) == -EPERM) {
		/* The host firewall refused the SYN: the connect fails at once,
		 * as with Linux's netfilter, and the socket is as before. */
		tcp_pcb_unhash(p);
		p->state = VMK_TCP_CLOSED;
		p->t_rexmt = 0;
		p->faddr = 0;
		p->fport = 0;
		t->st.active_opens--;
		return -EPERM;
	}
	return 0;
}

static void op_connect(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	c->ret = start_connect(ns, c->s, c->addr, c->port);
}

/* The state, and the error the connection ended with (c->ret). */
static void op_state(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	(void)ns;
	c->state = c->s->state;
	c->ret = c->s->err;
}

int vmk_tcp_connect(struct vmk_tcp_sock *s, uint32_t dst, uint16_t port,
		    unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();
	struct tcp_call c = { .addr = dst, .port = port };

	if (s == NULL || dst == 0 || port == 0 || !sock_call(s, op_connect, &c))
		return -EINVAL;
	timeout_ms = sock_ready_timeout(&s->rd, timeout_ms);
	if (c.ret < 0)
		return (int)c.ret;
	for (;;) {
		if (!sock_call(s, op_state, &c))
			return -ENETDOWN;
		if (c.state == VMK_TCP_CLOSED)
			return c.ret != 0 ? (int)c.ret : -ECONNREFUSED;
		if (c.state != VMK_TCP_SYN_SENT && c.state != VMK_TCP_SYN_RECEIVED)
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
	VMK_REQUIRES(p->ns->lock)
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

static void op_send_copy(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	ns_lock_held(c->s->ns); /* the socket's netstack is ns */
	c->ret = send_some(ns, c->s, c->src, c->len);
}

static long send_chain(struct netstack *ns, struct vmk_tcp_sock *p, struct rte_mbuf *m,
		       uint32_t bytes);

static void op_send_chain(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	c->ret = send_chain(ns, c->s, c->m, (uint32_t)c->len);
}

/* The send queue's free room as this thread last saw it. Only the worker
 * changes the queue behind our back, and it only frees room (data
 * acknowledged), since one socket has one sending thread. */
static uint32_t room_hint(const struct vmk_tcp_sock *s)
{
	/* posted first: once it no longer counts a chain, the worker's
	 * release of it makes the chain's bytes visible in sndq.len, so a
	 * chain is counted at least once (twice only errs low). */
	uint32_t posted = __atomic_load_n(&s->posted, __ATOMIC_ACQUIRE);
	uint32_t size = __atomic_load_n(&s->sndq.size, __ATOMIC_RELAXED);
	uint32_t used = __atomic_load_n(&s->sndq.len, __ATOMIC_RELAXED) + posted;

	return size > used ? size - used : 0;
}

/* A large send posted to the worker without waiting (ns_post): the request
 * travels in the headroom of the chain's first mbuf, which the send path
 * allocated itself. */
struct posted_send {
	struct ns_req req;
	struct vmk_tcp_sock *s;
	struct rte_mbuf *m;
	uint32_t bytes;
};

static void op_posted_send(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	const struct posted_send *ps = arg;
	struct vmk_tcp_sock *s = ps->s;
	struct rte_mbuf *m = ps->m;
	uint32_t bytes = ps->bytes;

	/* The caller counted the room (in posted), and was told the bytes
	 * were taken: they are queued even if the room looks short now (it
	 * cannot be by more than the caller's rounding; dropping them lost
	 * data in the middle of the stream). A connection that ended
	 * meanwhile drops them (the next call reports why). */
	ns_lock_held(s->ns);      /* the socket's netstack is ns */
	if (send_check(s) == 0) {
		tcp_sndq_append(&s->sndq, m);
		tcp_output(s, ns->tcp->now);
	} else {
		rte_pktmbuf_free(m);
	}
	__atomic_sub_fetch(&s->posted, bytes, __ATOMIC_RELEASE);
	tcp_ready_update(s, 0);
}

/* Post chain m (n bytes, from our pool: its headroom is ours) to the
 * worker. true: taken. */
static bool post_send(struct netstack *ns, struct vmk_tcp_sock *s, struct rte_mbuf *m,
		      uint32_t n)
{
	struct posted_send *ps = (struct posted_send *)m->buf_addr;

	if (m->data_off < sizeof(*ps))
		return false;
	ps->req.fn = op_posted_send;
	ps->req.arg = ps;
	ps->s = s;
	ps->m = m;
	ps->bytes = n;
	__atomic_add_fetch(&s->posted, n, __ATOMIC_ACQ_REL);
	if (ns_post(ns, &ps->req) == 0)
		return true;
	__atomic_sub_fetch(&s->posted, n, __ATOMIC_RELEASE);
	return false;
}

/* Try to queue a large send as a chain copied here, on the caller's
 * thread: > 0 bytes taken, 0 (not now), or a negative errno. */
static long send_large(struct vmk_tcp_sock *s, const void *buf, size_t len)
{
	uint32_t n = (uint32_t)RTE_MIN(RTE_MIN(len, (size_t)room_hint(s)), (size_t)SEND_CHAIN_MAX);
	struct tcp_call c = { .len = n };
	struct netstack *ns = s->ns;

	if (ns == NULL)
		return -EPIPE;
	/* The room may read lower than the caller's check did (a chain the
	 * worker just queued counted twice): nothing to hand over. A posted
	 * empty chain was freed twice, once by the queue and once by its
	 * request, and the pool then gave one mbuf to two owners. */
	if (n == 0)
		return 0;
	c.m = pkt_alloc(ns->pool, n);
	if (c.m == NULL)
		return 0;
	pkt_write(c.m, 0, buf, n);
	if (post_send(ns, s, c.m, n))
		return n;        /* the worker appends it; errors show on the next call */
	if (!sock_call(s, op_send_chain, &c))
		c.ret = -EPIPE;
	if (c.ret <= 0)
		rte_pktmbuf_free(c.m);
	return c.ret == -EAGAIN ? 0 : c.ret;
}

static void op_nothing(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	(void)ns;
	(void)arg;
}

/* A send took less than it was given (short, or -EAGAIN): ask for an OUT
 * edge once there is room, then look at the room on the worker (through
 * op_then_ready), which reports the edge at once if the room came back
 * before the flag was up. One call per short send, not per byte. */
static void want_out(struct vmk_tcp_sock *s)
{
	struct tcp_call c = { 0 };

	__atomic_store_n(&s->out_wanted, 1u, __ATOMIC_SEQ_CST);
	(void)sock_call(s, op_nothing, &c);
}

long vmk_tcp_send(struct vmk_tcp_sock *s, const void *buf, size_t len, unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();

	if (s == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (len == 0)
		return 0;
	timeout_ms = sock_ready_timeout(&s->rd, timeout_ms);
	for (;;) {
		struct tcp_call c = { .src = buf, .len = len };

		/* Large sends are copied here and handed over as a chain;
		 * small ones (or a full queue) are copied on the worker. */
		if (len > CALL_COPY_MAX && room_hint(s) > CALL_COPY_MAX) {
			c.ret = send_large(s, buf, len);
		} else if (!sock_call(s, op_send_copy, &c)) {
			return -EPIPE;
		}
		if (c.ret > 0 && (size_t)c.ret < len)
			want_out(s);
		if (c.ret != 0)
			return c.ret;
		if (!wait_more(t0, timeout_ms)) {
			want_out(s);
			return -EAGAIN;
		}
	}
}

/* Lock held: queue the whole chain m (bytes long) or nothing. Returns
 * bytes (m taken), 0 (no room yet, or bytes 0), -EAGAIN (larger than the
 * send buffer: it never fits) or another negative errno; unless it
 * returns bytes > 0, m stays the caller's to free. */
static long send_chain(struct netstack *ns, struct vmk_tcp_sock *p, struct rte_mbuf *m,
		       uint32_t bytes)
	VMK_REQUIRES(p->ns->lock)
{
	int err = send_check(p);

	if (err < 0)
		return err;
	if (bytes == 0)
		return 0;               /* nothing queued, m not taken */
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
	timeout_ms = sock_ready_timeout(&s->rd, timeout_ms);
	for (;;) {
		struct tcp_call c = { .m = m, .len = (size_t)bytes };

		if (!sock_call(s, op_send_chain, &c))
			return -EPIPE;
		if (c.ret != 0)
			return c.ret;
		if (!wait_more(t0, timeout_ms)) {
			want_out(s);
			return -EAGAIN;
		}
	}
}

struct rte_mempool *vmk_tcp_pool(struct vmk_tcp_sock *s)
{
	struct netstack *ns = s != NULL ? s->ns : NULL;

	return ns != NULL ? ns->pool : NULL;     /* fixed for the netstack's life */
}

/* After the reader made room: tell the peer when the window grew enough
 * (receiver silly-window avoidance, RFC 9293 3.8.6.2.2). Lock held. */
static void window_update(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
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
	VMK_REQUIRES(p->ns->lock)
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
	VMK_REQUIRES(p->ns->lock)
{
	long n = tcp_rcvq_take(p, (uint32_t)RTE_MIN(max, (size_t)UINT32_MAX), out);

	if (n == 0)
		return recv_none(p);
	if (n > 0)
		window_update(p, ns->tcp->now);
	return n;
}

static void op_recv_copy(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	ns_lock_held(c->s->ns); /* the socket's netstack is ns */
	c->ret = recv_some(ns, c->s, c->dst, c->len);
}

static void op_recv_chain(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	ns_lock_held(c->s->ns); /* the socket's netstack is ns */
	c->ret = recv_chain(ns, c->s, c->out, c->len);
}

long vmk_tcp_recv_mbuf(struct vmk_tcp_sock *s, struct rte_mbuf **out, size_t max,
		       unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();

	if (s == NULL || out == NULL || max == 0)
		return -EINVAL;
	*out = NULL;
	timeout_ms = sock_ready_timeout(&s->rd, timeout_ms);
	for (;;) {
		struct tcp_call c = { .out = out, .len = max };

		if (!sock_call(s, op_recv_chain, &c))
			return s->err != 0 ? s->err : -ENOTCONN;
		if (c.ret != -EAGAIN || !wait_more(t0, timeout_ms))
			return c.ret;
	}
}

long vmk_tcp_recv(struct vmk_tcp_sock *s, void *buf, size_t len, unsigned int timeout_ms)
{
	uint64_t t0 = tcpip_now_us();

	if (s == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	timeout_ms = sock_ready_timeout(&s->rd, timeout_ms);
	for (;;) {
		struct rte_mbuf *m = NULL;
		struct tcp_call c = { .dst = buf, .len = len, .out = &m };

		/* A large read takes the data as mbufs and copies it here, on
		 * the caller's thread; a small one is copied on the worker. */
		if (!sock_call(s, len > CALL_COPY_MAX ? op_recv_chain : op_recv_copy, &c))
			return s->err != 0 ? s->err : -ENOTCONN;
		if (c.ret == -ENOBUFS && !sock_call(s, op_recv_copy, &c))
			return s->err != 0 ? s->err : -ENOTCONN;
		if (c.ret > 0 && m != NULL) {
			pkt_read(m, 0, buf, (uint32_t)c.ret);
			rte_pktmbuf_free(m);
		}
		if (c.ret != -EAGAIN || !wait_more(t0, timeout_ms))
			return c.ret;
	}
}

/* Lock held: queue our FIN after the data. */
static void shut_wr(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
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

static void op_shutdown(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;
	struct vmk_tcp_sock *s = c->s;

	c->ret = 0;
	if (s->state == VMK_TCP_CLOSED || s->state == VMK_TCP_LISTEN) {
		c->ret = -ENOTCONN;
		return;
	}
	if (c->a & VMK_TCP_SHUT_RD) {
		s->flags |= TCPF_RD_SHUT;
		tcp_rcvq_discard(s);
		tcp_rcvq_free_ooo(s);
	}
	ns_lock_held(s->ns); /* the socket's netstack is ns */
	if (c->a & VMK_TCP_SHUT_WR)
		shut_wr(s, ns->tcp->now);
}

int vmk_tcp_shutdown(struct vmk_tcp_sock *s, int how)
{
	struct tcp_call c = { .a = (uint32_t)how };

	if (s == NULL || how < VMK_TCP_SHUT_RD || how > VMK_TCP_SHUT_RDWR ||
	    !sock_call(s, op_shutdown, &c))
		return -EINVAL;
	return (int)c.ret;
}

static void op_poll(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;
	struct vmk_tcp_sock *s = c->s;
	unsigned int ev = 0;

	(void)ns;
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
	c->a = ev;
}

unsigned int vmk_tcp_poll(struct vmk_tcp_sock *s)
{
	struct tcp_call c = { 0 };

	if (s == NULL || !sock_call(s, op_poll, &c))
		return s != NULL ? VMK_TCP_POLL_ERR | VMK_TCP_POLL_HUP : 0;
	return c.a;
}

enum vmk_tcp_state vmk_tcp_state(struct vmk_tcp_sock *s)
{
	struct tcp_call c = { 0 };

	if (s == NULL || !sock_call(s, op_state, &c))
		return VMK_TCP_CLOSED;
	return c.state;
}

static void op_names(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;

	(void)ns;
	c->addr = c->flag ? c->s->faddr : c->s->laddr;
	c->port = c->flag ? c->s->fport : c->s->lport;
}

static int names(struct vmk_tcp_sock *s, bool peer, uint32_t *addr, uint16_t *port)
{
	struct tcp_call c = { .flag = peer };

	if (s == NULL || !sock_call(s, op_names, &c))
		return -EINVAL;
	if (addr != NULL)
		*addr = c.addr;
	if (port != NULL)
		*port = c.port;
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
	VMK_REQUIRES(p->ns->lock)
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
		ns_lock_held(c->ns); /* ns's own connection */
		if (c->listener == l)
			reset_conn(c, now);
	}
	l->state = VMK_TCP_CLOSED;
}

static void op_release(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct tcp_call *c = arg;
	struct vmk_tcp_sock *s = c->s;
	uint64_t now = ns->tcp->now;

	sock_ready_release(&s->rd);         /* leaves its event set, silently */
	ns_lock_held(s->ns); /* the socket's netstack is ns */
	if (s->state == VMK_TCP_LISTEN)
		close_listener(ns, s, now);
	else if (c->flag || s->rcvq.len > 0)
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
}

static void release(struct vmk_tcp_sock *s, bool abort)
{
	struct tcp_call c = { .flag = abort };

	struct tcpip_host *th;

	if (s == NULL)
		return;
	th = s->ns != NULL ? s->ns->th : NULL;
	tcpip_host_lock(th);
	c.s = s;
	if (s->ns != NULL) {
		ns_call(s->ns, op_release, &c);  /* not sock_call: s may be freed */
	} else {
		sock_ready_release(&s->rd);
		s->flags &= ~TCPF_USER;
		s->state = VMK_TCP_CLOSED;
		tcp_pcb_maybe_free(s);
	}
	tcpip_host_unlock(th);
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

/* The named netstack with th->lock and its own lock held (NULL: none, no
 * lock held); ns_unlock releases both. The pair spans two functions, which
 * the analysis does not follow. */
static struct netstack *ns_locked(struct tcpip_host *th, const char *netstack)
	VMK_NO_THREAD_SAFETY_ANALYSIS
{
	struct netstack *ns;

	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns == NULL) {
		tcpip_host_unlock(th);
		return NULL;
	}
	vmk_spin_lock(&ns->lock);
	return ns;
}

static void ns_unlock(struct netstack *ns) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	vmk_spin_unlock(&ns->lock);
	vmk_mutex_unlock(&ns->th->lock);
}

int tcpip_tcp_get_params(struct tcpip_host *th, const char *netstack, struct vmk_tcp_params *out)
{
	struct netstack *ns;

	vmk_err_clear();
	if (out == NULL)
		return vmk_err(-EINVAL, "no place for the TCP parameters");
	ns = ns_locked(th, netstack);
	if (ns == NULL)
		return -ENOENT;
	*out = ns->tcp->params;
	ns_unlock(ns);
	return 0;
}

int tcpip_tcp_set_params(struct tcpip_host *th, const char *netstack,
		         const struct vmk_tcp_params *p)
{
	const struct tcp_cc_ops *cc;
	struct netstack *ns;

	vmk_err_clear();
	if (p == NULL || p->rto_min_us == 0 || p->rto_min_us > TCP_RTO_MAX_US ||
	    p->rto_initial_us < p->rto_min_us || p->rto_initial_us > TCP_RTO_MAX_US ||
	    p->delack_us == 0 || p->delack_us > 500000 || p->msl_ms == 0 ||
	    p->msl_ms > 600000 || p->syn_retries == 0 || p->syn_retries > 255 ||
	    p->data_retries == 0 || p->data_retries > 255)
		return vmk_err(-EINVAL, "TCP parameter out of range");
	cc = tcp_cc_find(p->cc);
	if (cc == NULL)
		return vmk_err(-EINVAL, "unknown congestion control %.16s", p->cc);
	ns = ns_locked(th, netstack);
	if (ns == NULL)
		return -ENOENT;
	ns->tcp->params = *p;
	ns->tcp->cc = cc;
	ns_unlock(ns);
	return 0;
}

int tcpip_tcp_get_stats(struct tcpip_host *th, const char *netstack, struct vmk_tcp_stats *out)
{
	struct netstack *ns;

	vmk_err_clear();
	if (out == NULL)
		return vmk_err(-EINVAL, "no place for the TCP counters");
	ns = ns_locked(th, netstack);
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

unsigned int tcpip_tcp_conn_list(struct tcpip_host *th, const char *netstack,
			         struct vmk_tcp_conn *out, unsigned int max)
{
	struct netstack *ns = ns_locked(th, netstack);
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
