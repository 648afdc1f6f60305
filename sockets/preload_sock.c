/*
 * Socket state changes, each one channel round trip (sockets/shm.h's
 * VMKS_OP_*): open, bind, listen, connect, accept, shutdown, close, names.
 * And the addresses: an AF_INET6 socket lives on vmknet with IPv4-mapped
 * semantics (:: is 0.0.0.0, ::ffff:a.b.c.d is a.b.c.d, names come back
 * mapped); other IPv6 addresses fail as on a host without IPv6 routes.
 *
 * Threads: connect and shutdown hold the socket's tx mutex (they change
 * what send may do), accept the listener's rx mutex (it consumes the
 * listener's readiness); the channel serializes the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sockets/preload.h"

/* ---- addresses ------------------------------------------------------------ */

static int from_in6(const struct sockaddr_in6 *a, bool for_bind, uint32_t *addr)
{
	if (IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr)) {
		*addr = 0;
		return 0;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
		memcpy(addr, &a->sin6_addr.s6_addr[12], 4);
		return 0;
	}
	return for_bind ? -EADDRNOTAVAIL : -ENETUNREACH;
}

int vmkp_addr_from(const struct vmkp_sock *s, const struct sockaddr *sa, socklen_t len,
		   bool for_bind, uint32_t *addr, uint16_t *port)
{
	if (!sa || len < sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		if (len < sizeof(*a))
			return -EINVAL;
		*addr = a->sin_addr.s_addr;
		*port = ntohs(a->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && s->domain == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		if (len < sizeof(*a))
			return -EINVAL;
		*port = ntohs(a->sin6_port);
		return from_in6(a, for_bind, addr);
	}
	return -EAFNOSUPPORT;
}

void vmkp_addr_to(const struct vmkp_sock *s, uint32_t addr, uint16_t port, struct sockaddr *sa,
		  socklen_t *len)
{
	struct sockaddr_storage ss;
	socklen_t n;

	memset(&ss, 0, sizeof(ss));
	if (s->domain == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		if (addr) {
			a->sin6_addr.s6_addr[10] = 0xff;
			a->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&a->sin6_addr.s6_addr[12], &addr, 4);
		}
		n = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = addr;
		n = sizeof(*a);
	}
	if (!sa || !len)
		return;
	memcpy(sa, &ss, *len < n ? *len : n);
	*len = n;
}

/* ---- open ------------------------------------------------------------------ */

/* A socketpair for a new socket: [0] A for the program, [1] B, moved high. */
static int new_pair(int cloexec, int fds[2])
{
	int zero = 0;

	if (vmkp_real.socketpair(AF_UNIX, SOCK_STREAM | cloexec, 0, fds) < 0)
		return -errno;
	/* the kernel rounds 0 up to its minimum: few junk bytes block A */
	vmkp_real.setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &zero, sizeof(zero));
	fds[1] = vmkp_fd_high(fds[1]);
	return 0;
}

static void close_pair(int fds[2])
{
	vmkp_real.close(fds[0]);
	vmkp_priv_close(fds[1]);
}

/* Fill in a socket that just got its slot, and give its A to the program. */
static int adopt(struct vmkp_sock *s, const int fds[2], const struct vmks_reply *rep,
		 int nonblock)
{
	int err;

	if (rep->slot >= vmkp_sess.n_slots)
		return -EPROTO;
	s->slot = rep->slot;
	s->gen = rep->gen;
	s->bfd = fds[1];
	s->opened = 1;
	if (nonblock) {
		s->nonblock = 1;
		vmkp_real.fcntl(fds[0], F_SETFL, vmkp_real.fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	}
	err = vmkp_map(fds[0], s);
	return err ? err : fds[0];
}

int vmkp_sock_open(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), fds[2], err;
	struct vmks_req req = { .op = VMKS_OP_OPEN };
	struct vmks_reply rep;
	struct vmkp_sock *s;

	(void)protocol;
	vmkp_real_init();   /* a socket from a constructor may come before ours */
	err = vmkp_session_get();
	if (err)
		return err;
	err = new_pair(type & SOCK_CLOEXEC, fds);
	if (err)
		return err;
	s = vmkp_sock_new();
	if (!s) {
		close_pair(fds);
		return -ENOMEM;
	}
	s->domain = domain;
	s->type = base;
	s->proto = base == SOCK_STREAM ? VMKS_PROTO_TCP : VMKS_PROTO_UDP;
	req.proto = s->proto;
	err = vmkp_call(&req, fds[1], &rep);
	if (err == 0)
		err = adopt(s, fds, &rep, type & SOCK_NONBLOCK);
	if (err < 0) {
		vmkp_real.close(fds[0]);
		if (!s->opened)
			vmkp_priv_close(fds[1]);
	}
	vmkp_put(s);
	return err;
}

/* ---- bind, listen ---------------------------------------------------------- */

static void req_for(struct vmks_req *req, const struct vmkp_sock *s, uint32_t op)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	req->slot = s->slot;
	req->gen = s->gen;
}

static int do_bind(struct vmkp_sock *s, uint32_t addr, uint16_t port)
{
	struct vmks_req req;
	struct vmks_reply rep;
	int err;

	req_for(&req, s, VMKS_OP_BIND);
	req.addr = addr;
	req.port = port;
	err = vmkp_call(&req, -1, &rep);
	if (err == 0)
		s->bound = 1;
	return err;
}

int vmkp_sock_bind(struct vmkp_sock *s, const struct sockaddr *sa, socklen_t len)
{
	uint32_t addr;
	uint16_t port;
	int err;

	if (s->bound)
		return -EINVAL;
	err = vmkp_addr_from(s, sa, len, true, &addr, &port);
	return err ? err : do_bind(s, addr, port);
}

int vmkp_sock_autobind(struct vmkp_sock *s)
{
	return s->bound ? 0 : do_bind(s, 0, 0);
}

int vmkp_sock_listen(struct vmkp_sock *s, int backlog)
{
	struct vmks_req req;
	struct vmks_reply rep;
	int err;

	if (s->proto != VMKS_PROTO_TCP)
		return -EOPNOTSUPP;
	req_for(&req, s, VMKS_OP_LISTEN);
	req.value = backlog;
	err = vmkp_call(&req, -1, &rep);
	if (err == 0)
		s->listening = s->bound = 1;
	return err;
}

/* ---- connect ------------------------------------------------------------------ */

static int udp_connect(struct vmkp_sock *s, const struct sockaddr *sa, socklen_t len)
{
	struct vmks_req req;
	struct vmks_reply rep;
	int err;

	if (sa && len >= sizeof(sa_family_t) && sa->sa_family == AF_UNSPEC) {
		s->udp_connected = 0;        /* sends need an address again */
		return 0;
	}
	req_for(&req, s, VMKS_OP_CONNECT);
	err = vmkp_addr_from(s, sa, len, false, &req.addr, &req.port);
	if (err)
		return err;
	err = vmkp_call(&req, -1, &rep);
	if (err)
		return err;
	s->peer_addr = req.addr;
	s->peer_port = req.port;
	s->udp_connected = s->bound = 1;
	return 0;
}

static bool never(const struct vmkp_sock *s)
{
	(void)s;
	return false;
}

/* Connecting: wait for the state to move on. */
static int connect_wait(struct vmkp_sock *s, int fd)
{
	int64_t deadline = vmkp_deadline(&s->sndtimeo);
	int err;

	for (;;) {
		uint32_t st = vmkp_load32(&vmkp_slot(s)->state);

		if (st == VMKS_ST_CONNECTED) {
			s->connecting = 0;
			return 0;
		}
		if (st != VMKS_ST_CONNECTING) {
			s->connecting = 0;
			err = vmkp_take_err(s);
			return -(err ? err : ECONNREFUSED);
		}
		err = vmkp_wait(fd, POLLOUT, deadline);
		if (err)
			return err == -EAGAIN ? -EINPROGRESS : err;
	}
}

/* Where a TCP socket stands before connect: 1 go ahead, else the answer. */
static int connect_precheck(struct vmkp_sock *s, int fd)
{
	uint32_t st = vmkp_load32(&vmkp_slot(s)->state);
	int err;

	if (s->connecting) {
		if (st == VMKS_ST_CONNECTING)
			return s->nonblock ? -EALREADY : connect_wait(s, fd);
		s->connecting = 0;
		if (st == VMKS_ST_CONNECTED)
			return -EISCONN;
		err = vmkp_take_err(s);
		return err ? -err : -ECONNABORTED;
	}
	if (st == VMKS_ST_CONNECTED)
		return -EISCONN;
	if (st == VMKS_ST_LISTENING)
		return -EINVAL;
	if (st != VMKS_ST_OPEN)
		return -EISCONN;
	return 1;
}

static int tcp_connect(struct vmkp_sock *s, int fd, const struct sockaddr *sa, socklen_t len)
{
	struct vmks_req req;
	struct vmks_reply rep;
	int err;

	err = connect_precheck(s, fd);
	if (err <= 0)
		return err;
	req_for(&req, s, VMKS_OP_CONNECT);
	err = vmkp_addr_from(s, sa, len, false, &req.addr, &req.port);
	if (err)
		return err;
	/* A unwritable first: vmknetd drains B when the connection is up */
	vmkp_tx_block(s, fd, never);
	err = vmkp_call(&req, -1, &rep);
	if (err != -EINPROGRESS) {
		vmkp_tx_unblock(s);
		if (err == 0)
			s->bound = 1;
		return err;
	}
	s->connecting = s->bound = 1;
	s->peer_addr = req.addr;
	s->peer_port = req.port;
	if (vmkp_load32(&vmkp_slot(s)->state) != VMKS_ST_CONNECTING)
		vmkp_tx_unblock(s);
	return __atomic_load_n(&s->nonblock, __ATOMIC_RELAXED) ? -EINPROGRESS
								: connect_wait(s, fd);
}

int vmkp_sock_connect(struct vmkp_sock *s, int fd, const struct sockaddr *sa, socklen_t len)
{
	int err;

	pthread_mutex_lock(&s->tx_mu);
	if (s->proto == VMKS_PROTO_UDP)
		err = udp_connect(s, sa, len);
	else
		err = tcp_connect(s, fd, sa, len);
	pthread_mutex_unlock(&s->tx_mu);
	return err;
}

/* ---- accept -------------------------------------------------------------------- */

/*
 * vmknetd clears a listener's EV_ACCEPT only when an ACCEPT finds nothing,
 * so after each connection handed out the library asks once more: the
 * answer is kept (ls->pend) for the next accept, or the EAGAIN makes the
 * listener's fd quiet. Without this look-ahead a select-based program sees
 * the listener readable with nothing behind it and blocks in accept
 * (iperf3 -s does). The socketpair for an ACCEPT that finds nothing is kept
 * for the next one.
 */
static int accept_server(struct vmkp_sock *ls, struct vmkp_sock **out, int *afd)
{
	struct vmks_req req;
	struct vmks_reply rep;
	struct vmkp_sock *s;
	int err;

	if (ls->spare[0] < 0 && (err = new_pair(SOCK_CLOEXEC, ls->spare)) < 0)
		return err;
	req_for(&req, ls, VMKS_OP_ACCEPT);
	err = vmkp_call(&req, ls->spare[1], &rep);
	if (err == 0 && rep.slot >= vmkp_sess.n_slots)
		err = -EPROTO;
	if (err)
		return err;      /* vmknetd closed its copy of B: ours stays spare */
	s = vmkp_sock_new();
	if (!s) {
		/* the connection is lost: its B goes, vmknetd sees the end */
		close_pair(ls->spare);
		ls->spare[0] = ls->spare[1] = -1;
		return -ENOMEM;
	}
	s->domain = ls->domain;
	s->type = SOCK_STREAM;
	s->proto = VMKS_PROTO_TCP;
	s->bound = s->opened = 1;
	s->slot = rep.slot;
	s->gen = rep.gen;
	s->bfd = ls->spare[1];
	s->peer_addr = rep.addr;
	s->peer_port = rep.port;
	/* options a listener passes on, as Linux's accepted sockets inherit */
	s->nodelay = ls->nodelay;
	s->keepalive = ls->keepalive;
	s->sndbuf = ls->sndbuf;
	s->rcvbuf = ls->rcvbuf;
	s->priority = ls->priority;
	*afd = ls->spare[0];
	ls->spare[0] = ls->spare[1] = -1;
	*out = s;
	return 0;
}

/* Hand an accepted socket to the program with accept4's flags. */
static int hand_out(struct vmkp_sock *s, int afd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int err;

	if (!(flags & SOCK_CLOEXEC))
		vmkp_real.fcntl(afd, F_SETFD, 0);
	if (flags & SOCK_NONBLOCK) {
		s->nonblock = 1;
		vmkp_real.fcntl(afd, F_SETFL, vmkp_real.fcntl(afd, F_GETFL) | O_NONBLOCK);
	}
	err = vmkp_map(afd, s);
	if (err)
		vmkp_real.close(afd);
	else
		vmkp_addr_to(s, s->peer_addr, s->peer_port, sa, len);
	vmkp_put(s);
	return err ? err : afd;
}

/* The next connection: the one kept from the last look-ahead, or vmknetd's. */
static int accept_next(struct vmkp_sock *ls, struct vmkp_sock **s, int *afd)
{
	if (ls->pend) {
		*s = ls->pend;
		*afd = ls->pend_fd;
		ls->pend = NULL;
		ls->pend_fd = -1;
		return 0;
	}
	return accept_server(ls, s, afd);
}

int vmkp_sock_accept(struct vmkp_sock *ls, int fd, struct sockaddr *sa, socklen_t *len,
		     int flags)
{
	int64_t deadline = -2;
	struct vmkp_sock *s;
	int r, afd;

	if (!ls->listening)
		return -EINVAL;
	pthread_mutex_lock(&ls->rx_mu);
	for (;;) {
		r = accept_next(ls, &s, &afd);
		if (r == 0)
			break;
		if (r != -EAGAIN)
			goto out;
		vmkp_rx_quiet(ls, fd);
		if (__atomic_load_n(&ls->nonblock, __ATOMIC_RELAXED))
			goto out;
		if (deadline == -2)
			deadline = vmkp_deadline(&ls->rcvtimeo);
		if ((r = vmkp_wait(fd, POLLIN, deadline)) < 0)
			goto out;
	}
	if (accept_server(ls, &ls->pend, &ls->pend_fd) < 0) {
		ls->pend = NULL;
		ls->pend_fd = -1;
		vmkp_rx_quiet(ls, fd);
	}
	r = hand_out(s, afd, sa, len, flags);
out:
	pthread_mutex_unlock(&ls->rx_mu);
	return r;
}

/* A listener going: the connection it kept, and its spare socketpair. */
static void listener_release(struct vmkp_sock *ls)
{
	if (ls->pend) {
		vmkp_real.close(ls->pend_fd);
		vmkp_put(ls->pend);
		ls->pend = NULL;
	}
	if (ls->spare[0] >= 0)
		close_pair(ls->spare);
	ls->spare[0] = ls->spare[1] = -1;
}

/* ---- shutdown, close, names -------------------------------------------------- */

int vmkp_sock_shutdown(struct vmkp_sock *s, int how)
{
	struct vmks_req req;
	struct vmks_reply rep;
	int err;

	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	pthread_mutex_lock(&s->tx_mu);
	req_for(&req, s, VMKS_OP_SHUTDOWN);
	req.value = how;
	err = vmkp_call(&req, -1, &rep);
	if (err == 0) {
		if (how != SHUT_WR)
			s->shut_rd = 1;
		if (how != SHUT_RD)
			s->shut_wr = 1;
		vmkp_doorbell(s);
	}
	/* SHUT_RD: vmknetd marks FIN and shuts B, so A reads end of file */
	pthread_mutex_unlock(&s->tx_mu);
	return err;
}

void vmkp_sock_release(struct vmkp_sock *s)
{
	struct vmks_req req;
	struct vmks_reply rep;

	listener_release(s);
	if (s->opened && !vmkp_is_stale(s) && vmkp_sess.attached) {
		req_for(&req, s, VMKS_OP_CLOSE);
		req.value = s->linger_on && s->linger_s == 0;
		vmkp_call(&req, -1, &rep);
		vmkp_doorbell(s);
	}
	vmkp_priv_close(s->bfd);
	s->bfd = -1;
}

int vmkp_sock_name(struct vmkp_sock *s, struct sockaddr *sa, socklen_t *len, bool peer)
{
	struct vmks_req req;
	struct vmks_reply rep;
	int err;

	if (!len)
		return -EFAULT;
	if (peer && s->proto == VMKS_PROTO_UDP) {
		if (!s->udp_connected)
			return -ENOTCONN;
		vmkp_addr_to(s, s->peer_addr, s->peer_port, sa, len);
		return 0;
	}
	req_for(&req, s, VMKS_OP_GETNAME);
	err = vmkp_call(&req, -1, &rep);
	if (err)
		return err;
	if (peer && (s->listening || vmkp_load32(&vmkp_slot(s)->state) != VMKS_ST_CONNECTED))
		return -ENOTCONN;
	if (peer)
		vmkp_addr_to(s, rep.peer_addr, rep.peer_port, sa, len);
	else
		vmkp_addr_to(s, rep.addr, rep.port, sa, len);
	return 0;
}
