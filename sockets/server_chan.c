/*
 * A session's channel requests (struct vmks_req -> struct vmks_reply,
 * sockets/shm.h): the calls that change a socket's state. Each request is
 * one fixed-size message, with fd B attached (SCM_RIGHTS) for OPEN and
 * ACCEPT; anything else (a short message, an unknown op, descriptors
 * where none belong, a process that does not read its replies) ends the
 * session. A request naming a slot that is not the session's open
 * socket, or with a stale gen, gets -EBADF.
 *
 * Thread: the server thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vmknet/epoll.h>
#include <vmknet/tcp.h>
#include <vmknet/traffic.h>
#include <vmknet/udp.h>

#include "sockets/server_impl.h"

#define CHAN_MAX_FDS 4

/* One message; returns its length (0: EOF), -EAGAIN, or another negative
 * errno. *fd_b gets the first descriptor attached (-1: none); any other is
 * closed, and *extra says there were some. */
static ssize_t chan_recv(int chan, struct vmks_req *req, int *fd_b, bool *extra)
{
	char cbuf[CMSG_SPACE(CHAN_MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = req, .iov_len = sizeof(*req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	*fd_b = -1;
	*extra = false;
	do
		n = recvmsg(chan, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		int fds[CHAN_MAX_FDS];
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(c), k * sizeof(int));
		for (size_t j = 0; j < k; j++) {
			if (*fd_b < 0) {
				*fd_b = fds[j];
				continue;
			}
			close(fds[j]);
			*extra = true;
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		*extra = true;
	return n;
}

/* fd is end B of an AF_UNIX stream socketpair (as far as one can tell). */
static bool fd_is_unix_stream(int fd)
{
	int v;
	socklen_t len = sizeof(v);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_UNIX)
		return false;
	len = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM;
}

static struct srv_slot *req_slot(struct vmks_session *ss, const struct vmks_req *req)
{
	struct srv_slot *sl;

	if (req->slot >= ss->n_slots)
		return NULL;
	sl = &ss->slots[req->slot];
	if (!sl->in_use || sl->closing || sl->gen != req->gen)
		return NULL;
	return sl;
}

static int free_slot(struct vmks_session *ss)
{
	for (uint32_t i = 0; i < ss->n_slots; i++)
		if (!ss->slots[i].in_use)
			return (int)i;
	return -EMFILE;
}

/* Put socket sock (proto) into free slot i with fd B; state st. */
static int slot_take(struct vmks_server *srv, struct vmks_session *ss, uint32_t i,
		     uint32_t proto, void *sock, int fd_b, uint32_t st)
{
	struct vmk_epoll_event ev = {
		.events = VMK_EPOLLIN | VMK_EPOLLOUT | VMK_EPOLLRDHUP | VMK_EPOLLET,
		.data.u64 = (uint64_t)ss->index << 32 | i,
	};
	struct srv_slot *sl = &ss->slots[i];
	struct vmks_slot *sh = srv_shm_slot(ss, i);
	uint32_t gen = sl->gen + 1;
	int ret;

	ret = proto == VMKS_PROTO_TCP ? vmk_tcp_set_nonblock(sock, true) :
		vmk_udp_set_nonblock(sock, true);
	if (ret == 0)
		ret = proto == VMKS_PROTO_TCP ?
			vmk_epoll_ctl_tcp(srv->ep, VMK_EPOLL_CTL_ADD, sock, &ev) :
			vmk_epoll_ctl_udp(srv->ep, VMK_EPOLL_CTL_ADD, sock, &ev);
	if (ret < 0)
		return ret;
	memset(sl, 0, sizeof(*sl));
	sl->gen = gen;
	sl->state = st;
	sl->proto = proto;
	sl->in_use = true;
	sl->tcp = sock;
	sl->fd_b = fd_b;
	__atomic_store_n(&sh->tx.tail, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->tx.head, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->rx.tail, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->rx.head, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->rx_signalled, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->tx_blocked, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->rx_wait, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->mss, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->proto, proto, __ATOMIC_RELAXED);
	srv_publish(ss, i);
	__atomic_fetch_add(&ss->n_open, 1, __ATOMIC_RELAXED);
	return 0;
}

static int op_open(struct vmks_server *srv, struct vmks_session *ss, const struct vmks_req *req,
		   int *fd_b, struct vmks_reply *r)
{
	int i = free_slot(ss), ret;
	void *sock = NULL;

	if (req->proto != VMKS_PROTO_TCP && req->proto != VMKS_PROTO_UDP)
		return -EPROTONOSUPPORT;
	if (!fd_is_unix_stream(*fd_b))
		return -EINVAL;
	if (i < 0)
		return i;
	ret = req->proto == VMKS_PROTO_TCP ?
		vmk_tcp_open(srv->host, ss->netstack, (struct vmk_tcp_sock **)&sock) :
		vmk_udp_open(srv->host, ss->netstack, (struct vmk_udp_sock **)&sock);
	if (ret < 0)
		return ret;
	/* World ID in `connection list`: the program's pid (accepted
	 * connections inherit it from their listener) */
	if (req->proto == VMKS_PROTO_TCP)
		(void)vmk_tcp_set_world(sock, (uint32_t)ss->pid);
	else
		(void)vmk_udp_set_world(sock, (uint32_t)ss->pid);
	ret = slot_take(srv, ss, (uint32_t)i, req->proto, sock, *fd_b,
			req->proto == VMKS_PROTO_UDP ? VMKS_ST_CONNECTED : VMKS_ST_OPEN);
	if (ret < 0) {
		if (req->proto == VMKS_PROTO_TCP)
			vmk_tcp_close(sock);
		else
			vmk_udp_close(sock);
		return ret;
	}
	*fd_b = -1;   /* the slot's now */
	r->slot = (uint32_t)i;
	r->gen = ss->slots[i].gen;
	return 0;
}

static int sock_name(struct srv_slot *sl, uint32_t *addr, uint16_t *port)
{
	return sl->proto == VMKS_PROTO_TCP ? vmk_tcp_getsockname(sl->tcp, addr, port) :
		vmk_udp_getsockname(sl->udp, addr, port);
}

static int sock_bind(struct vmks_session *ss, struct srv_slot *sl, uint32_t addr, uint16_t port)
{
	if (addr == 0)
		addr = ss->vmknic_addr;
	return sl->proto == VMKS_PROTO_TCP ? vmk_tcp_bind(sl->tcp, addr, port) :
		vmk_udp_bind(sl->udp, addr, port);
}

/* Bound already (a port), or bound now to the vmknic's address when the
 * session has one (an unbound socket of a session without one is left to
 * the library's own choice). */
static int bind_if_unbound(struct vmks_session *ss, struct srv_slot *sl)
{
	uint32_t a = 0;
	uint16_t p = 0;

	if (sock_name(sl, &a, &p) == 0 && p != 0)
		return 0;
	if (ss->vmknic_addr == 0 && sl->proto == VMKS_PROTO_TCP)
		return 0;
	return sock_bind(ss, sl, 0, 0);
}

static int op_bind(struct vmks_session *ss, struct srv_slot *sl, const struct vmks_req *req,
		   struct vmks_reply *r)
{
	int ret = sock_bind(ss, sl, req->addr, req->port);

	if (ret == 0)
		ret = sock_name(sl, &r->addr, &r->port);
	return ret;
}

static int op_listen(struct vmks_session *ss, struct srv_slot *sl, const struct vmks_req *req)
{
	int backlog = req->value < 1 ? 1 : req->value > 1024 ? 1024 : req->value;
	int ret;

	if (sl->proto != VMKS_PROTO_TCP)
		return -EOPNOTSUPP;
	if (sl->state != VMKS_ST_OPEN && sl->state != VMKS_ST_LISTENING)
		return -EINVAL;
	ret = bind_if_unbound(ss, sl);
	if (ret == 0)
		ret = vmk_tcp_listen(sl->tcp, (unsigned int)backlog);
	if (ret == 0) {
		sl->state = VMKS_ST_LISTENING;
		srv_publish(ss, (uint32_t)(sl - ss->slots));
	}
	return ret;
}

static int op_connect(struct vmks_server *srv, struct vmks_session *ss, struct srv_slot *sl,
		      const struct vmks_req *req)
{
	uint32_t i = (uint32_t)(sl - ss->slots);
	int ret;

	if (sl->proto == VMKS_PROTO_UDP) {
		ret = bind_if_unbound(ss, sl);
		if (ret == 0) {
			sl->peer_addr = req->addr;
			sl->peer_port = req->addr != 0 ? req->port : 0;
		}
		return ret;
	}
	if (sl->state == VMKS_ST_CONNECTING)
		return -EALREADY;
	if (sl->state == VMKS_ST_CONNECTED)
		return -EISCONN;
	if (sl->state != VMKS_ST_OPEN)
		return -EINVAL;
	ret = bind_if_unbound(ss, sl);
	if (ret == 0)
		ret = vmk_tcp_connect(sl->tcp, req->addr, req->port, 0);
	if (ret == -EINPROGRESS) {
		sl->state = VMKS_ST_CONNECTING;
		srv_publish(ss, i);
	} else if (ret == 0) {
		srv_publish_mss(srv, ss, i);
		sl->state = VMKS_ST_CONNECTED;
		srv_publish(ss, i);
		vmks_flag_take(&srv_shm_slot(ss, i)->tx_blocked);
		srv_drain_b(sl);
	}
	return ret;
}

static int op_accept(struct vmks_server *srv, struct vmks_session *ss, struct srv_slot *sl,
		     int *fd_b, struct vmks_reply *r)
{
	uint32_t li = (uint32_t)(sl - ss->slots);
	struct vmk_tcp_sock *n;
	int i = free_slot(ss), ret;

	if (sl->proto != VMKS_PROTO_TCP || sl->state != VMKS_ST_LISTENING)
		return -EINVAL;
	if (!fd_is_unix_stream(*fd_b))
		return -EINVAL;
	if (i < 0)
		return i;   /* the connection waits in the backlog */
	ret = vmk_tcp_accept(sl->tcp, &n, &r->addr, &r->port, 0);
	if (ret == -EAGAIN) {
		sl->events &= ~VMKS_EV_ACCEPT;
		srv_publish(ss, li);
	}
	if (ret < 0)
		return ret;
	ret = slot_take(srv, ss, (uint32_t)i, VMKS_PROTO_TCP, n, *fd_b, VMKS_ST_CONNECTED);
	if (ret < 0) {
		vmk_tcp_abort(n);
		return ret;
	}
	*fd_b = -1;
	r->slot = (uint32_t)i;
	r->gen = ss->slots[i].gen;
	srv_publish_mss(srv, ss, (uint32_t)i);
	srv_pump(srv, ss, (uint32_t)i);
	return 0;
}

static int op_shutdown(struct vmks_server *srv, struct vmks_session *ss, struct srv_slot *sl,
		       const struct vmks_req *req)
{
	uint32_t i = (uint32_t)(sl - ss->slots);
	bool rd = req->value == SHUT_RD || req->value == SHUT_RDWR;
	bool wr = req->value == SHUT_WR || req->value == SHUT_RDWR;

	if (!rd && !wr)
		return -EINVAL;
	if (sl->proto == VMKS_PROTO_TCP && sl->state != VMKS_ST_CONNECTED &&
	    sl->state != VMKS_ST_CLOSED)
		return -ENOTCONN;
	if (rd && !sl->rd_done) {
		if (sl->proto == VMKS_PROTO_TCP && sl->state == VMKS_ST_CONNECTED)
			vmk_tcp_shutdown(sl->tcp, VMK_TCP_SHUT_RD);
		sl->rd_done = true;
		sl->events |= VMKS_EV_FIN;
		srv_publish(ss, i);
		srv_rx_signal(ss, i);
		shutdown(sl->fd_b, SHUT_WR);
	}
	if (wr && sl->proto == VMKS_PROTO_UDP) {
		sl->events |= VMKS_EV_WR_CLOSED;
		srv_publish(ss, i);
	} else if (wr) {
		sl->shut_wr = true;
	}
	srv_pump(srv, ss, i);
	return 0;
}

void srv_slot_close(struct vmks_server *srv, struct vmks_session *ss, uint32_t i, bool abort)
{
	struct srv_slot *sl = &ss->slots[i];
	struct vmks_slot *sh = srv_shm_slot(ss, i);

	if (abort) {
		srv_slot_free(ss, i, true);
		return;
	}
	if (sl->proto == VMKS_PROTO_TCP && sl->state == VMKS_ST_CONNECTED &&
	    vmks_load(&sh->rx.head) != sl->rx_tail) {
		srv_slot_free(ss, i, true);   /* unread data: a reset, as Linux */
		return;
	}
	sl->closing = true;
	if (sl->proto == VMKS_PROTO_TCP && sl->state != VMKS_ST_CONNECTED &&
	    sl->state != VMKS_ST_CLOSED) {
		srv_slot_free(ss, i, false);
		return;
	}
	srv_pump(srv, ss, i);   /* sends what it can; frees the slot once all is sent */
}

/* A buffer size the library takes: 0 keeps, else 4 KiB..64 MiB. */
static uint32_t buf_clamp(uint32_t v)
{
	if (v == 0)
		return 0;
	return v < (4u << 10) ? 4u << 10 : v > (64u << 20) ? 64u << 20 : v;
}

static int op_setopt(struct srv_slot *sl, const struct vmks_req *req)
{
	if (req->opt == VMKS_OPT_PRIORITY) {
		/* SO_PRIORITY 1..8 names a traffic class (include/vmknet/traffic.h);
		 * any other value gives the class back to ports and tags. */
		unsigned int tc = req->value >= 1 && req->value < 1 + VMK_TC_VIRTUAL_MACHINE ?
			(unsigned int)req->value - 1 : VMK_TC_NONE;
		int ret = sl->proto == VMKS_PROTO_TCP ? vmk_tcp_set_class(sl->tcp, tc) :
			vmk_udp_set_class(sl->udp, tc);

		if (ret == 0)
			sl->priority = req->value;
		return ret;
	}
	if (sl->proto != VMKS_PROTO_TCP)
		return -ENOPROTOOPT;
	switch (req->opt) {
	case VMKS_OPT_NODELAY:
		return vmk_tcp_set_nodelay(sl->tcp, req->value != 0);
	case VMKS_OPT_KEEPALIVE:
		return vmk_tcp_set_keepalive(sl->tcp, req->value != 0, req->value2, req->value3,
					     req->value4);
	case VMKS_OPT_BUFFERS:
		/* Linux clamps SO_SNDBUF/SO_RCVBUF instead of refusing a size */
		return vmk_tcp_set_buffers(sl->tcp, buf_clamp((uint32_t)req->value),
					   buf_clamp(req->value2));
	default:
		return -ENOPROTOOPT;
	}
}

static int op_getname(struct srv_slot *sl, struct vmks_reply *r)
{
	int ret = sock_name(sl, &r->addr, &r->port);

	if (ret < 0)
		return ret;
	if (sl->proto == VMKS_PROTO_UDP) {
		r->peer_addr = sl->peer_addr;
		r->peer_port = sl->peer_port;
		return 0;
	}
	return vmk_tcp_getpeername(sl->tcp, &r->peer_addr, &r->peer_port);
}

static void op_detach(struct vmks_server *srv, struct vmks_session *ss)
{
	ss->detached = true;
	for (uint32_t i = 0; i < ss->n_slots && !ss->dead; i++)
		if (ss->slots[i].in_use && !ss->slots[i].closing)
			srv_slot_close(srv, ss, i, false);
}

/* The requests on one slot of the session. */
static int slot_request(struct vmks_server *srv, struct vmks_session *ss,
			const struct vmks_req *req, int *fd_b, struct vmks_reply *r)
{
	struct srv_slot *sl = req_slot(ss, req);

	if (sl == NULL)
		return -EBADF;
	switch (req->op) {
	case VMKS_OP_BIND:
		return op_bind(ss, sl, req, r);
	case VMKS_OP_LISTEN:
		return op_listen(ss, sl, req);
	case VMKS_OP_CONNECT:
		return op_connect(srv, ss, sl, req);
	case VMKS_OP_ACCEPT:
		return op_accept(srv, ss, sl, fd_b, r);
	case VMKS_OP_SHUTDOWN:
		return op_shutdown(srv, ss, sl, req);
	case VMKS_OP_CLOSE:
		srv_slot_close(srv, ss, req->slot, req->value == 1);
		return 0;
	case VMKS_OP_SETOPT:
		return op_setopt(sl, req);
	default:
		return op_getname(sl, r);
	}
}

static void serve_one(struct vmks_server *srv, struct vmks_session *ss,
		      const struct vmks_req *req, int fd_b)
{
	struct vmks_reply r = { 0 };
	bool wants_fd = req->op == VMKS_OP_OPEN || req->op == VMKS_OP_ACCEPT;

	if (req->op < VMKS_OP_OPEN || req->op > VMKS_OP_DETACH || (fd_b >= 0 && !wants_fd)) {
		if (fd_b >= 0)
			close(fd_b);
		srv_session_fail(ss, "protocol violation: an unknown request or a stray descriptor");
		return;
	}
	if (req->op == VMKS_OP_OPEN)
		r.ret = op_open(srv, ss, req, &fd_b, &r);
	else if (req->op == VMKS_OP_DETACH)
		op_detach(srv, ss);
	else
		r.ret = slot_request(srv, ss, req, &fd_b, &r);
	if (fd_b >= 0)
		close(fd_b);   /* refused: the socket it was for does not exist */
	if (ss->dead)
		return;
	if (send(ss->chan, &r, sizeof(r), MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(r) &&
	    req->op != VMKS_OP_DETACH)
		srv_session_fail(ss, "protocol violation: it does not read its replies");
}

int srv_chan_serve(struct vmks_server *srv, struct vmks_session *ss)
{
	while (!ss->dead) {
		struct vmks_req req;
		bool extra;
		int fd_b;
		ssize_t n = chan_recv(ss->chan, &req, &fd_b, &extra);

		if (n == -EAGAIN)
			return 0;
		if (n <= 0) {
			if (fd_b >= 0)
				close(fd_b);
			return -1;
		}
		if (n != (ssize_t)sizeof(req) || extra) {
			if (fd_b >= 0)
				close(fd_b);
			srv_session_fail(ss, "protocol violation: a short or garbled request");
			return 0;
		}
		serve_one(srv, ss, &req, fd_b);
	}
	return 0;
}
