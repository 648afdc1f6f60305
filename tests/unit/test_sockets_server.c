/*
 * Unit tests of vmknetd's session server (sockets/server.h, sockets/shm.h):
 * the test plays a program's side of the attach protocol by hand (the
 * attach reply and its descriptors, the shared rings, the channel's
 * requests, fd A's readiness) against the real server thread, with real
 * TCP and UDP between the host's two netstacks (tcp_pair.h) moved by a
 * worker lcore. Hostile processes (indices out of the ring, a huge UDP
 * record, garbage requests) end their own session and nobody else's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "unit/tcp_pair.h"

#include "sockets/server.h"
#include "sockets/shm.h"

#define UPORT   9000
#define WAIT_MS 5000

static struct vmks_server *srv;

/* The program's side of one session. */
struct proc {
	int chan, bell;
	void *shm;
	uint64_t size, data_off;
	uint32_t n_slots, ring;
	char text[1024];          /* the attach reply */
};

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to WAIT_MS for cond (checked every 200 us). */
#define WAIT_FOR(cond) ({ \
	long long _end = ms_now() + WAIT_MS; \
	while (!(cond) && ms_now() < _end) \
		usleep(200); \
	(cond); })

static void setup_srv(void)
{
	unsigned int lcore = 1;

	setup_pair();
	CU_ASSERT_EQUAL_FATAL(vmk_host_start(host, &lcore, 1), 0);
	CU_ASSERT_EQUAL_FATAL(vmks_server_create(host, &srv), 0);
}

static void teardown_srv(void)
{
	vmks_server_destroy(srv);
	srv = NULL;
	vmk_host_stop(host);
	teardown();
}

static unsigned int n_sessions(void)
{
	return vmks_server_list(srv, NULL, 0);
}

/* Attach with args (a JSON object); 0 with the segment mapped, or -1 with
 * the reply in p->text and the channel closed by the server. */
static int proc_attach(struct proc *p, const char *args)
{
	char req[512], cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { .iov_base = p->text, .iov_len = sizeof(p->text) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int sv[2], fds[2] = { -1, -1 }, n;
	struct stat st;
	ssize_t got;

	memset(p, 0, sizeof(*p));
	p->chan = p->bell = -1;
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	n = snprintf(req, sizeof(req), "{\"op\":\"session.attach\",\"args\":%s}", args);
	CU_ASSERT_EQUAL(vmks_server_attach(srv, sv[1], req, (size_t)n), 1);
	p->chan = sv[0];
	got = recvmsg(p->chan, &mh, MSG_CMSG_CLOEXEC);
	p->text[got > 0 ? got : 0] = '\0';
	c = CMSG_FIRSTHDR(&mh);
	if (c != NULL && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(fds)))
		memcpy(fds, CMSG_DATA(c), sizeof(fds));
	if (strstr(p->text, "\"ok\":true") == NULL) {
		CU_ASSERT_EQUAL(fds[0], -1);   /* a refusal carries no descriptors */
		return -1;
	}
	CU_ASSERT_FATAL(fds[0] >= 0 && fds[1] >= 0);
	CU_ASSERT_EQUAL_FATAL(fstat(fds[0], &st), 0);
	/* sealed: the program can neither shrink nor grow it */
	CU_ASSERT_NOT_EQUAL(ftruncate(fds[0], st.st_size / 2), 0);
	CU_ASSERT_NOT_EQUAL(ftruncate(fds[0], st.st_size * 2), 0);
	p->size = (uint64_t)st.st_size;
	p->shm = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	CU_ASSERT_FATAL(p->shm != MAP_FAILED);
	close(fds[0]);
	p->bell = fds[1];
	CU_ASSERT_EQUAL(((struct vmks_shm_hdr *)p->shm)->magic, VMKS_MAGIC);
	p->n_slots = ((struct vmks_shm_hdr *)p->shm)->n_slots;
	p->ring = ((struct vmks_shm_hdr *)p->shm)->ring_size;
	p->data_off = ((struct vmks_shm_hdr *)p->shm)->data_offset;
	CU_ASSERT_EQUAL(p->size, vmks_shm_size(p->n_slots, p->ring));
	return 0;
}

static void proc_detach_close(struct proc *p)
{
	if (p->shm != NULL)
		munmap(p->shm, p->size);
	if (p->bell >= 0)
		close(p->bell);
	if (p->chan >= 0)
		close(p->chan);
	p->shm = NULL;
	p->bell = p->chan = -1;
}

/* One request (fd attached when >= 0) and its reply; ret -9999 when the
 * channel gave none. */
static struct vmks_reply proc_call(struct proc *p, struct vmks_req req, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct vmks_reply r = { .ret = -9999 };
	struct pollfd pfd = { .fd = p->chan, .events = POLLIN };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(p->chan, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(req))
		return r;
	if (poll(&pfd, 1, WAIT_MS) != 1 ||
	    recv(p->chan, &r, sizeof(r), MSG_WAITALL) != (ssize_t)sizeof(r))
		r.ret = -9999;
	return r;
}

struct sock {
	uint32_t slot, gen;
	int a;                    /* fd A (non-blocking) */
};

/* OPEN a socket of proto; its fd A in s->a. */
static int proc_open(struct proc *p, uint32_t proto, struct sock *s)
{
	int sv[2];
	struct vmks_reply r;

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	r = proc_call(p, (struct vmks_req){ .op = VMKS_OP_OPEN, .proto = proto }, sv[1]);
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	s->a = sv[0];
	s->slot = r.slot;
	s->gen = r.gen;
	return r.ret;
}

static struct vmks_reply sock_call(struct proc *p, struct sock *s, uint32_t op, uint32_t addr,
				   uint16_t port, int32_t value)
{
	return proc_call(p, (struct vmks_req){ .op = op, .slot = s->slot, .gen = s->gen,
					       .addr = addr, .port = port, .value = value }, -1);
}

static struct vmks_slot *shslot(struct proc *p, struct sock *s)
{
	return vmks_slot(p->shm, s->slot);
}

static void kick(struct proc *p, uint32_t slot)
{
	uint64_t one = 1;

	if (vmks_doorbell(p->shm, slot))
		CU_ASSERT_EQUAL(write(p->bell, &one, sizeof(one)), (ssize_t)sizeof(one));
}

/* Produce up to len bytes into the tx ring; returns how many fitted. */
static size_t proc_send(struct proc *p, struct sock *s, const uint8_t *buf, size_t len)
{
	struct vmks_slot *sh = shslot(p, s);
	uint64_t tail = sh->tx.tail, head = vmks_load(&sh->tx.head);
	uint64_t n = p->ring - (tail - head);

	if (n > len)
		n = len;
	vmks_ring_put(vmks_ring_data(p->shm, p->data_off, p->ring, s->slot, false), p->ring, tail,
		      buf, n);
	vmks_store(&sh->tx.tail, tail + n);
	if (n > 0)
		kick(p, s->slot);
	return (size_t)n;
}

/* Consume up to max bytes of the rx ring. */
static size_t proc_recv(struct proc *p, struct sock *s, uint8_t *buf, size_t max)
{
	struct vmks_slot *sh = shslot(p, s);
	uint64_t head = sh->rx.head, n = vmks_load(&sh->rx.tail) - head;

	if (n > max)
		n = max;
	vmks_ring_get(vmks_ring_data(p->shm, p->data_off, p->ring, s->slot, true), p->ring, head,
		      buf, n);
	vmks_store(&sh->rx.head, head + n);
	if (n > 0 && vmks_flag_take(&sh->rx_wait))
		kick(p, s->slot);
	return (size_t)n;
}

/* The process found the ring empty: take the tokens, clear the flag. */
static void proc_rx_quiet(struct sock *s, struct vmks_slot *sh)
{
	char tok[64];

	while (recv(s->a, tok, sizeof(tok), MSG_DONTWAIT) > 0)
		;
	vmks_flag_take(&sh->rx_signalled);
}

static short revents(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	return poll(&pfd, 1, 0) == 1 ? pfd.revents : 0;
}

static void pattern(uint8_t *buf, size_t len, uint64_t at)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((at + i) * 7 + ((at + i) >> 9));
}

static bool pattern_ok(const uint8_t *buf, size_t len, uint64_t at)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)((at + i) * 7 + ((at + i) >> 9)))
			return false;
	return true;
}

/* A listener on vmk1 ("peer" netstack), VMK1_IP:PORT. */
static struct vmk_tcp_sock *peer_listener(void)
{
	struct vmk_tcp_sock *l;

	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, VMK1_IP, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 8), 0);
	return l;
}

/* A program's TCP socket connected to l; *b the accepted peer socket. */
static void proc_connect(struct proc *p, struct sock *s, struct vmk_tcp_sock *l,
			 struct vmk_tcp_sock **b)
{
	struct vmks_reply r;

	CU_ASSERT_EQUAL_FATAL(proc_open(p, VMKS_PROTO_TCP, s), 0);
	r = sock_call(p, s, VMKS_OP_CONNECT, VMK1_IP, PORT, 0);
	CU_ASSERT(r.ret == -EINPROGRESS || r.ret == 0);
	CU_ASSERT_FATAL(WAIT_FOR(__atomic_load_n(&shslot(p, s)->state, __ATOMIC_ACQUIRE) ==
				 VMKS_ST_CONNECTED));
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, b, NULL, NULL, WAIT_MS), 0);
}

/* 1 MiB from the program through the tx ring; checks the peer reads it. */
static void send_mib(struct proc *p, struct sock *s, struct vmk_tcp_sock *b)
{
	static uint8_t out[16384], in[16384];
	uint64_t sent = 0, got = 0, total = 1u << 20;
	long long end = ms_now() + 4 * WAIT_MS;

	while (got < total && ms_now() < end) {
		size_t want = total - sent < sizeof(out) ? total - sent : sizeof(out);
		long n;

		pattern(out, want, sent);
		sent += proc_send(p, s, out, want);
		n = vmk_tcp_recv(b, in, sizeof(in), 1);
		if (n > 0) {
			CU_ASSERT_FATAL(pattern_ok(in, (size_t)n, got));
			got += (uint64_t)n;
		}
	}
	CU_ASSERT_EQUAL(got, total);
}

/* 256 KiB from the peer through the program's rx ring (64 KiB: the
 * reader paces the peer), A readable while data waits, quiet after. */
static void receive_paced(struct proc *p, struct sock *s, struct vmk_tcp_sock *b)
{
	static uint8_t buf[65536], in[65536];
	struct vmks_slot *sh = shslot(p, s);
	uint64_t got = 0, sent = 1000;
	long long end;

	/* nothing yet, A quiet; data makes A readable */
	CU_ASSERT_EQUAL(revents(s->a, POLLIN), 0);
	pattern(buf, sizeof(buf), 0);
	CU_ASSERT_EQUAL(vmk_tcp_send(b, buf, 1000, 0), 1000);
	CU_ASSERT_TRUE(WAIT_FOR(revents(s->a, POLLIN) & POLLIN));
	end = ms_now() + 4 * WAIT_MS;
	while (got < 256u << 10 && ms_now() < end) {
		size_t n = proc_recv(p, s, in, sizeof(in));
		long m;

		CU_ASSERT_FATAL(pattern_ok(in, n, got));
		got += n;
		if (sent < 256u << 10) {
			pattern(buf, sizeof(buf), sent);
			m = vmk_tcp_send(b, buf, (256u << 10) - sent < sizeof(buf) ?
					 (256u << 10) - sent : sizeof(buf), 1);
			if (m > 0)
				sent += (uint64_t)m;
		}
		if (n == 0)
			usleep(100);
	}
	CU_ASSERT_EQUAL(got, 256u << 10);
	usleep(20000);   /* the server's last token, if it was still on its way */
	proc_rx_quiet(s, sh);
	CU_ASSERT_EQUAL(revents(s->a, POLLIN), 0);
}

static void test_a_program_connects_sends_a_mib_and_receives_through_the_rings(void)
{
	struct vmk_tcp_sock *l, *b = NULL;
	struct proc p;
	struct sock s;
	struct vmks_slot *sh;
	static uint8_t buf[65536], in[65536];
	struct vmks_reply r;
	char fill[4096];

	setup_srv();
	CU_ASSERT_EQUAL_FATAL(proc_attach(&p, "{\"slots\":8,\"ring_size\":65536,\"pid\":42,"
					  "\"program\":\"tester\"}"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.text, "\"netstack\":\"defaultTcpipStack\""));
	CU_ASSERT_TRUE(WAIT_FOR(n_sessions() == 1));
	l = peer_listener();
	CU_ASSERT_EQUAL_FATAL(proc_open(&p, VMKS_PROTO_TCP, &s), 0);
	sh = shslot(&p, &s);
	CU_ASSERT_EQUAL(sh->state, VMKS_ST_OPEN);
	CU_ASSERT_EQUAL(sh->gen, s.gen);
	/* a connect under way: the program makes A unwritable ... */
	while (send(s.a, fill, sizeof(fill), MSG_DONTWAIT) > 0)
		;
	vmks_flag_raise(&sh->tx_blocked);
	CU_ASSERT_EQUAL(revents(s.a, POLLOUT), 0);
	r = sock_call(&p, &s, VMKS_OP_CONNECT, VMK1_IP, PORT, 0);
	CU_ASSERT(r.ret == -EINPROGRESS || r.ret == 0);
	/* ... and the server drains B once it is established */
	CU_ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) ==
				VMKS_ST_CONNECTED));
	CU_ASSERT_TRUE(WAIT_FOR(revents(s.a, POLLOUT) & POLLOUT));
	CU_ASSERT_EQUAL(sh->mss, 8948);   /* MTU 9000 both ends, less timestamps */
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, &b, NULL, NULL, WAIT_MS), 0);
	r = sock_call(&p, &s, VMKS_OP_GETNAME, 0, 0, 0);
	CU_ASSERT_EQUAL(r.ret, 0);
	CU_ASSERT_EQUAL(r.addr, VMK0_IP);
	CU_ASSERT_EQUAL(r.peer_addr, VMK1_IP);
	CU_ASSERT_EQUAL(r.peer_port, PORT);
	send_mib(&p, &s, b);
	receive_paced(&p, &s, b);
	/* the peer's FIN: FIN in events, A reads end of file */
	CU_ASSERT_EQUAL(vmk_tcp_shutdown(b, VMK_TCP_SHUT_WR), 0);
	CU_ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&sh->events, __ATOMIC_ACQUIRE) & VMKS_EV_FIN));
	CU_ASSERT_TRUE(WAIT_FOR((revents(s.a, POLLIN | POLLRDHUP) & POLLRDHUP) != 0));
	proc_rx_quiet(&s, sh);
	CU_ASSERT_EQUAL(recv(s.a, fill, 1, MSG_DONTWAIT), 0);
	/* a graceful close: the peer reads what was still queued, then EOF */
	pattern(buf, 100, 0);
	CU_ASSERT_EQUAL(proc_send(&p, &s, buf, 100), 100);
	r = sock_call(&p, &s, VMKS_OP_CLOSE, 0, 0, 0);
	CU_ASSERT_EQUAL(r.ret, 0);
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, in, sizeof(in), WAIT_MS), 100);
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, in, sizeof(in), WAIT_MS), 0);
	CU_ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) == VMKS_ST_FREE));
	CU_ASSERT_NOT_EQUAL(sh->gen, s.gen);
	/* the slot's old gen is stale now */
	r = sock_call(&p, &s, VMKS_OP_GETNAME, 0, 0, 0);
	CU_ASSERT_EQUAL(r.ret, -EBADF);
	close(s.a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	proc_detach_close(&p);
	CU_ASSERT_TRUE(WAIT_FOR(n_sessions() == 0));
	teardown_srv();
}

/* The server up, a session attached, its TCP socket connected to a
 * listener *l on vmk1 (*b the accepted peer). */
static void connected_session(struct proc *p, struct sock *s, struct vmk_tcp_sock **l,
			      struct vmk_tcp_sock **b)
{
	setup_srv();
	CU_ASSERT_EQUAL_FATAL(proc_attach(p, "{\"slots\":4,\"ring_size\":16384}"), 0);
	*l = peer_listener();
	proc_connect(p, s, *l, b);
}

static void test_session_killed_process_resets_its_connections(void)
{
	struct vmk_tcp_sock *l, *b = NULL;
	struct proc p;
	struct sock s;
	uint8_t buf[100];
	long n;

	connected_session(&p, &s, &l, &b);
	pattern(buf, sizeof(buf), 0);
	CU_ASSERT_EQUAL(proc_send(&p, &s, buf, sizeof(buf)), sizeof(buf));
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, buf, sizeof(buf), WAIT_MS), (long)sizeof(buf));
	/* the process dies: its channel closes without DETACH */
	proc_detach_close(&p);
	n = vmk_tcp_recv(b, buf, sizeof(buf), WAIT_MS);
	CU_ASSERT_EQUAL(n, -ECONNRESET);
	CU_ASSERT_TRUE(WAIT_FOR(n_sessions() == 0));
	close(s.a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	teardown_srv();
}

static void test_detach_closes_gracefully_sending_what_was_queued(void)
{
	struct vmk_tcp_sock *l, *b = NULL;
	struct proc p;
	struct sock s;
	static uint8_t buf[16384], in[65536];
	uint64_t got = 0;
	long n;

	connected_session(&p, &s, &l, &b);
	pattern(buf, sizeof(buf), 0);
	CU_ASSERT_EQUAL(proc_send(&p, &s, buf, sizeof(buf)), sizeof(buf));
	CU_ASSERT_EQUAL(proc_call(&p, (struct vmks_req){ .op = VMKS_OP_DETACH }, -1).ret, 0);
	proc_detach_close(&p);
	while ((n = vmk_tcp_recv(b, in, sizeof(in), WAIT_MS)) > 0)
		got += (uint64_t)n;
	CU_ASSERT_EQUAL(n, 0);            /* FIN, not a reset */
	CU_ASSERT_EQUAL(got, sizeof(buf));
	CU_ASSERT_TRUE(WAIT_FOR(n_sessions() == 0));
	close(s.a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	teardown_srv();
}

static void test_a_program_listens_on_its_vmknic_and_accepts(void)
{
	struct vmk_tcp_sock *c;
	struct proc p;
	struct sock s, n = { 0 };
	struct vmks_reply r;
	uint8_t buf[64];
	int sv[2];
	uint32_t addr;
	uint16_t port;

	setup_srv();
	CU_ASSERT_EQUAL_FATAL(proc_attach(&p, "{\"vmknic\":\"vmk0\",\"slots\":4,"
					  "\"ring_size\":16384}"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.text, "\"address\":\"192.0.2.1\""));
	CU_ASSERT_EQUAL_FATAL(proc_open(&p, VMKS_PROTO_TCP, &s), 0);
	r = sock_call(&p, &s, VMKS_OP_BIND, 0, PORT, 0);
	CU_ASSERT_EQUAL(r.ret, 0);
	CU_ASSERT_EQUAL(r.addr, VMK0_IP);   /* addr 0: the vmknic's */
	CU_ASSERT_EQUAL(r.port, PORT);
	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_LISTEN, 0, 0, 16).ret, 0);
	CU_ASSERT_EQUAL(shslot(&p, &s)->state, VMKS_ST_LISTENING);
	CU_ASSERT_EQUAL(revents(s.a, POLLIN), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", &c), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(c, VMK0_IP, PORT, WAIT_MS), 0);
	CU_ASSERT_TRUE(WAIT_FOR(revents(s.a, POLLIN) & POLLIN));
	CU_ASSERT_TRUE(__atomic_load_n(&shslot(&p, &s)->events, __ATOMIC_ACQUIRE) &
		       VMKS_EV_ACCEPT);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	r = proc_call(&p, (struct vmks_req){ .op = VMKS_OP_ACCEPT, .slot = s.slot, .gen = s.gen },
		      sv[1]);
	close(sv[1]);
	CU_ASSERT_EQUAL_FATAL(r.ret, 0);
	CU_ASSERT_EQUAL(vmk_tcp_getsockname(c, &addr, &port), 0);
	CU_ASSERT_EQUAL(r.addr, VMK1_IP);
	CU_ASSERT_EQUAL(r.port, port);
	n.slot = r.slot;
	n.gen = r.gen;
	n.a = sv[0];
	CU_ASSERT_NOT_EQUAL(n.slot, s.slot);
	CU_ASSERT_EQUAL(shslot(&p, &n)->state, VMKS_ST_CONNECTED);
	CU_ASSERT_EQUAL(shslot(&p, &n)->mss, 8948);
	/* nothing more to accept: -EAGAIN and ACCEPT cleared */
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	r = proc_call(&p, (struct vmks_req){ .op = VMKS_OP_ACCEPT, .slot = s.slot, .gen = s.gen },
		      sv[1]);
	CU_ASSERT_EQUAL(r.ret, -EAGAIN);
	CU_ASSERT_EQUAL(shslot(&p, &s)->events & VMKS_EV_ACCEPT, 0);
	close(sv[0]);
	close(sv[1]);
	/* data both ways on the accepted socket */
	CU_ASSERT_EQUAL(vmk_tcp_send(c, "hello", 5, 0), 5);
	CU_ASSERT_TRUE(WAIT_FOR(vmks_load(&shslot(&p, &n)->rx.tail) == 5));
	CU_ASSERT_EQUAL(proc_recv(&p, &n, buf, sizeof(buf)), 5);
	CU_ASSERT_EQUAL(memcmp(buf, "hello", 5), 0);
	CU_ASSERT_EQUAL(proc_send(&p, &n, (const uint8_t *)"world", 5), 5);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, buf, sizeof(buf), WAIT_MS), 5);
	CU_ASSERT_EQUAL(memcmp(buf, "world", 5), 0);
	/* an abort (SO_LINGER 0) resets the peer */
	CU_ASSERT_EQUAL(sock_call(&p, &n, VMKS_OP_CLOSE, 0, 0, 1).ret, 0);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, buf, sizeof(buf), WAIT_MS), -ECONNRESET);
	close(n.a);
	close(s.a);
	vmk_tcp_close(c);
	proc_detach_close(&p);
	teardown_srv();
}

static void test_udp_datagrams_travel_as_records(void)
{
	struct vmk_udp_sock *u;
	struct proc p;
	struct sock s;
	struct vmks_slot *sh;
	uint8_t rec[64], buf[64];
	struct vmks_dgram d = { .len = 5 };
	uint32_t src;
	uint16_t sport, lport;
	struct vmks_reply r;

	setup_srv();
	CU_ASSERT_EQUAL_FATAL(proc_attach(&p, "{\"slots\":4,\"ring_size\":4096}"), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, "peer", &u), 0);
	CU_ASSERT_EQUAL(vmk_udp_bind(u, VMK1_IP, UPORT), 0);
	CU_ASSERT_EQUAL_FATAL(proc_open(&p, VMKS_PROTO_UDP, &s), 0);
	sh = shslot(&p, &s);
	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_CONNECT, VMK1_IP, UPORT, 0).ret, 0);
	r = sock_call(&p, &s, VMKS_OP_GETNAME, 0, 0, 0);
	CU_ASSERT_EQUAL(r.peer_addr, VMK1_IP);
	CU_ASSERT_EQUAL(r.peer_port, UPORT);
	lport = r.port;
	CU_ASSERT_NOT_EQUAL(lport, 0);
	/* a record with addr 0 goes to the connected peer */
	memcpy(rec, &d, sizeof(d));
	memcpy(rec + sizeof(d), "ping!", 5);
	CU_ASSERT_EQUAL(proc_send(&p, &s, rec, VMKS_DGRAM_SPACE(5)), VMKS_DGRAM_SPACE(5));
	CU_ASSERT_EQUAL(vmk_udp_recvfrom(u, buf, sizeof(buf), &src, &sport, WAIT_MS), 5);
	CU_ASSERT_EQUAL(memcmp(buf, "ping!", 5), 0);
	CU_ASSERT_EQUAL(sport, lport);
	/* a datagram back: one record with its source, A readable */
	CU_ASSERT_EQUAL(vmk_udp_sendto(u, "pong", 4, src, sport), 4);
	CU_ASSERT_TRUE(WAIT_FOR(revents(s.a, POLLIN) & POLLIN));
	CU_ASSERT_EQUAL(vmks_load(&sh->rx.tail), VMKS_DGRAM_SPACE(4));
	CU_ASSERT_EQUAL(proc_recv(&p, &s, rec, sizeof(rec)), VMKS_DGRAM_SPACE(4));
	memcpy(&d, rec, sizeof(d));
	CU_ASSERT_EQUAL(d.len, 4);
	CU_ASSERT_EQUAL(d.addr, VMK1_IP);
	CU_ASSERT_EQUAL(d.port, UPORT);
	CU_ASSERT_EQUAL(memcmp(rec + sizeof(d), "pong", 4), 0);
	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_CLOSE, 0, 0, 0).ret, 0);
	CU_ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) == VMKS_ST_FREE));
	close(s.a);
	vmk_udp_close(u);
	proc_detach_close(&p);
	teardown_srv();
}

/* A session whose socket is connected to a peer with an 8 KiB receive
 * buffer, through an 8 KiB send buffer, and has produced into its tx ring
 * until nothing moved for 100 ms (every buffer on the way full); returns
 * the bytes produced. */
static uint64_t stuck_session(struct proc *p, struct sock *s, struct vmk_tcp_sock **l,
			      struct vmk_tcp_sock **b)
{
	static uint8_t buf[16384];
	uint64_t sent = 0;
	long long quiet;

	setup_srv();
	CU_ASSERT_EQUAL_FATAL(proc_attach(p, "{\"slots\":4,\"ring_size\":16384}"), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_buffers(*l, 0, 8192), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(*l, VMK1_IP, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(*l, 4), 0);
	CU_ASSERT_EQUAL_FATAL(proc_open(p, VMKS_PROTO_TCP, s), 0);
	CU_ASSERT_EQUAL(proc_call(p, (struct vmks_req){ .op = VMKS_OP_SETOPT, .slot = s->slot,
				.gen = s->gen, .opt = VMKS_OPT_BUFFERS, .value = 8192 }, -1).ret, 0);
	CU_ASSERT_EQUAL(proc_call(p, (struct vmks_req){ .op = VMKS_OP_SETOPT, .slot = s->slot,
				.gen = s->gen, .opt = 999 }, -1).ret, -ENOPROTOOPT);
	CU_ASSERT_EQUAL(proc_call(p, (struct vmks_req){ .op = VMKS_OP_SETOPT, .slot = s->slot,
				.gen = s->gen, .opt = VMKS_OPT_NODELAY, .value = 1 }, -1).ret, 0);
	CU_ASSERT(sock_call(p, s, VMKS_OP_CONNECT, VMK1_IP, PORT, 0).ret == -EINPROGRESS);
	CU_ASSERT_FATAL(WAIT_FOR(__atomic_load_n(&shslot(p, s)->state, __ATOMIC_ACQUIRE) ==
				 VMKS_ST_CONNECTED));
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(*l, b, NULL, NULL, WAIT_MS), 0);
	quiet = ms_now() + 100;
	while (ms_now() < quiet) {
		size_t n;

		pattern(buf, sizeof(buf), sent);
		n = proc_send(p, s, buf, sizeof(buf));
		sent += n;
		if (n > 0)
			quiet = ms_now() + 100;
		usleep(200);
	}
	CU_ASSERT_EQUAL(p->ring - (shslot(p, s)->tx.tail - vmks_load(&shslot(p, s)->tx.head)), 0);
	return sent;
}

/* The peer reads everything: sent bytes of the pattern, then what ret
 * (0: FIN) says. */
static void peer_reads_all(struct vmk_tcp_sock *b, uint64_t sent, long ret)
{
	static uint8_t in[65536];
	uint64_t got = 0;
	long n;

	while ((n = vmk_tcp_recv(b, in, sizeof(in), WAIT_MS)) > 0) {
		CU_ASSERT_FATAL(pattern_ok(in, (size_t)n, got));
		got += (uint64_t)n;
		if (got == sent && ret < 0)
			break;
	}
	CU_ASSERT_EQUAL(got, sent);
	if (ret == 0)
		CU_ASSERT_EQUAL(n, 0);
}

/* A full tx ring: the program makes A unwritable and raises tx_blocked;
 * once the peer reads, the server frees room and drains B. */
static void test_a_full_tx_ring_blocks_a_until_the_peer_reads(void)
{
	struct vmk_tcp_sock *l, *b = NULL;
	struct proc p;
	struct sock s;
	uint64_t sent = stuck_session(&p, &s, &l, &b);
	char fill[4096];

	while (send(s.a, fill, sizeof(fill), MSG_DONTWAIT) > 0)
		;
	vmks_flag_raise(&shslot(&p, &s)->tx_blocked);
	CU_ASSERT_EQUAL(revents(s.a, POLLOUT), 0);
	usleep(20000);
	CU_ASSERT_EQUAL(revents(s.a, POLLOUT), 0);   /* nothing freed: still blocked */
	peer_reads_all(b, sent, -1);
	CU_ASSERT_TRUE(WAIT_FOR(revents(s.a, POLLOUT) & POLLOUT));
	close(s.a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	proc_detach_close(&p);
	teardown_srv();
}

/* Closed, then the process died with its data still in the ring: the
 * socket was no longer its, so the data is still sent, then a FIN. */
static void test_a_socket_closed_before_the_process_died_still_sends_its_data(void)
{
	struct vmk_tcp_sock *l, *b = NULL;
	struct proc p;
	struct sock s;
	uint64_t sent = stuck_session(&p, &s, &l, &b);

	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_CLOSE, 0, 0, 0).ret, 0);
	CU_ASSERT_EQUAL(n_sessions(), 1);
	proc_detach_close(&p);
	usleep(20000);
	CU_ASSERT_EQUAL(n_sessions(), 1);            /* lingers while the socket closes */
	peer_reads_all(b, sent, 0);
	CU_ASSERT_TRUE(WAIT_FOR(n_sessions() == 0));
	close(s.a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	teardown_srv();
}

static void test_a_refused_connect_and_a_peer_reset_give_err_hup_on_a(void)
{
	struct vmk_tcp_sock *l, *b = NULL;
	struct proc p;
	struct sock s, t;
	struct vmks_slot *sh;

	setup_srv();
	CU_ASSERT_EQUAL_FATAL(proc_attach(&p, "{\"slots\":4,\"ring_size\":16384}"), 0);
	CU_ASSERT_EQUAL_FATAL(proc_open(&p, VMKS_PROTO_TCP, &s), 0);
	sh = shslot(&p, &s);
	CU_ASSERT(sock_call(&p, &s, VMKS_OP_CONNECT, VMK1_IP, PORT + 1, 0).ret == -EINPROGRESS);
	CU_ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) == VMKS_ST_CLOSED));
	CU_ASSERT_EQUAL(sh->err, ECONNREFUSED);
	CU_ASSERT_EQUAL(sh->events & (VMKS_EV_ERR | VMKS_EV_HUP), VMKS_EV_ERR | VMKS_EV_HUP);
	CU_ASSERT_TRUE(WAIT_FOR(revents(s.a, POLLIN) & POLLHUP));
	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_CLOSE, 0, 0, 0).ret, 0);
	CU_ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) == VMKS_ST_FREE));
	close(s.a);
	/* an established connection the peer resets */
	l = peer_listener();
	proc_connect(&p, &t, l, &b);
	sh = shslot(&p, &t);
	CU_ASSERT_EQUAL(revents(t.a, POLLIN), 0);
	vmk_tcp_abort(b);
	CU_ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) == VMKS_ST_CLOSED));
	CU_ASSERT_EQUAL(sh->err, ECONNRESET);
	CU_ASSERT_TRUE(sh->events & VMKS_EV_ERR);
	CU_ASSERT_TRUE(WAIT_FOR(revents(t.a, POLLIN) & POLLHUP));
	CU_ASSERT_EQUAL(sock_call(&p, &t, VMKS_OP_CLOSE, 0, 0, 0).ret, 0);
	CU_ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) == VMKS_ST_FREE));
	close(t.a);
	vmk_tcp_close(l);
	proc_detach_close(&p);
	teardown_srv();
}

/* The session of p ended: its channel reads end of file. */
static bool session_ended(struct proc *p)
{
	char c;
	struct pollfd pfd = { .fd = p->chan, .events = POLLIN };

	return poll(&pfd, 1, WAIT_MS) == 1 && recv(p->chan, &c, 1, MSG_DONTWAIT) == 0;
}

/* The good session still moves data. */
static void still_works(struct proc *good, struct sock *s, struct vmk_tcp_sock *b)
{
	uint8_t buf[256], in[256];

	pattern(buf, sizeof(buf), 3);
	CU_ASSERT_EQUAL(proc_send(good, s, buf, sizeof(buf)), sizeof(buf));
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, in, sizeof(in), WAIT_MS), (long)sizeof(in));
	CU_ASSERT_EQUAL(memcmp(buf, in, sizeof(buf)), 0);
}

enum hostility { TX_TAIL_BEYOND, RX_HEAD_PAST_TAIL, RX_HEAD_BACKWARDS, UDP_HUGE_RECORD, GARBAGE_REQ,
		SHORT_REQ };

/* A datagram received and consumed, then rx.head moved back. */
static void rx_head_backwards(struct proc *x)
{
	struct vmk_udp_sock *u;
	struct sock s;
	struct vmks_reply r;
	uint8_t rec[64];

	CU_ASSERT_EQUAL_FATAL(proc_open(x, VMKS_PROTO_UDP, &s), 0);
	r = sock_call(x, &s, VMKS_OP_BIND, 0, 0, 0);
	CU_ASSERT_EQUAL_FATAL(r.ret, 0);
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, "peer", &u), 0);
	CU_ASSERT_EQUAL(vmk_udp_sendto(u, "12345678", 8, VMK0_IP, r.port), 8);
	CU_ASSERT_TRUE(WAIT_FOR(vmks_load(&shslot(x, &s)->rx.tail) == VMKS_DGRAM_SPACE(8)));
	CU_ASSERT_EQUAL(proc_recv(x, &s, rec, sizeof(rec)), VMKS_DGRAM_SPACE(8));
	kick(x, s.slot);
	usleep(20000);   /* the server has seen the consumption ... */
	vmks_store(&shslot(x, &s)->rx.head, 8);   /* ... now it goes back */
	kick(x, s.slot);
	vmk_udp_close(u);
	close(s.a);
}

static void be_hostile(struct proc *x, enum hostility how)
{
	struct sock s;
	struct vmks_dgram d = { .len = 100000 };
	uint8_t junk[64];

	switch (how) {
	case TX_TAIL_BEYOND:
		CU_ASSERT_EQUAL_FATAL(proc_open(x, VMKS_PROTO_TCP, &s), 0);
		vmks_store(&shslot(x, &s)->tx.tail, (uint64_t)x->ring + 1);
		kick(x, s.slot);
		break;
	case RX_HEAD_PAST_TAIL:
		CU_ASSERT_EQUAL_FATAL(proc_open(x, VMKS_PROTO_UDP, &s), 0);
		vmks_store(&shslot(x, &s)->rx.head, 64);
		kick(x, s.slot);
		break;
	case RX_HEAD_BACKWARDS:
		rx_head_backwards(x);
		return;
	case UDP_HUGE_RECORD:
		CU_ASSERT_EQUAL_FATAL(proc_open(x, VMKS_PROTO_UDP, &s), 0);
		vmks_ring_put(vmks_ring_data(x->shm, x->data_off, x->ring, s.slot, false), x->ring,
			      0, &d, sizeof(d));
		vmks_store(&shslot(x, &s)->tx.tail, 64);
		kick(x, s.slot);
		break;
	case GARBAGE_REQ:
		memset(junk, 0xa5, sizeof(junk));
		CU_ASSERT_EQUAL(send(x->chan, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
		return;
	case SHORT_REQ:
		CU_ASSERT_EQUAL(send(x->chan, junk, 10, 0), 10);
		return;
	}
	close(s.a);
}

static void test_a_hostile_process_ends_only_its_own_session(void)
{
	static const char *const names[] = { "tx.tail beyond the ring", "rx.head past rx.tail",
					     "rx.head backwards", "a UDP record of 100000 bytes",
					     "a garbage request", "a short request" };
	struct vmk_tcp_sock *l, *b = NULL;
	struct proc good, x;
	struct sock s;

	setup_srv();
	CU_ASSERT_EQUAL_FATAL(proc_attach(&good, "{\"slots\":4,\"ring_size\":16384}"), 0);
	l = peer_listener();
	proc_connect(&good, &s, l, &b);
	for (int how = TX_TAIL_BEYOND; how <= SHORT_REQ; how++) {
		fprintf(stderr, "hostile: %s\n", names[how]);
		CU_ASSERT_EQUAL_FATAL(proc_attach(&x, "{\"slots\":4,\"ring_size\":4096}"), 0);
		CU_ASSERT_TRUE(WAIT_FOR(n_sessions() == 2));
		be_hostile(&x, (enum hostility)how);
		CU_ASSERT_TRUE(session_ended(&x));
		CU_ASSERT_TRUE(WAIT_FOR(n_sessions() == 1));
		proc_detach_close(&x);
		still_works(&good, &s, b);
	}
	close(s.a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	proc_detach_close(&good);
	teardown_srv();
}

static void test_requests_on_other_slots_get_ebadf_and_a_full_table_emfile(void)
{
	struct proc p;
	struct sock s, t;
	struct vmks_reply r;

	setup_srv();
	CU_ASSERT_EQUAL_FATAL(proc_attach(&p, "{\"slots\":1,\"ring_size\":4096}"), 0);
	CU_ASSERT_EQUAL_FATAL(proc_open(&p, VMKS_PROTO_TCP, &s), 0);
	CU_ASSERT_EQUAL(proc_open(&p, VMKS_PROTO_UDP, &t), -EMFILE);
	close(t.a);
	CU_ASSERT_EQUAL(proc_open(&p, 7, &t), -EPROTONOSUPPORT);
	close(t.a);
	r = proc_call(&p, (struct vmks_req){ .op = VMKS_OP_OPEN, .proto = VMKS_PROTO_TCP }, -1);
	CU_ASSERT_EQUAL(r.ret, -EINVAL);    /* no fd B */
	r = proc_call(&p, (struct vmks_req){ .op = VMKS_OP_GETNAME, .slot = 5, .gen = s.gen }, -1);
	CU_ASSERT_EQUAL(r.ret, -EBADF);     /* no such slot */
	r = proc_call(&p, (struct vmks_req){ .op = VMKS_OP_GETNAME, .slot = s.slot,
					     .gen = s.gen + 1 }, -1);
	CU_ASSERT_EQUAL(r.ret, -EBADF);     /* stale gen */
	r = proc_call(&p, (struct vmks_req){ .op = VMKS_OP_SETOPT, .slot = s.slot, .gen = s.gen,
					     .opt = VMKS_OPT_BUFFERS, .value = 1, .value2 = 1 }, -1);
	CU_ASSERT_EQUAL(r.ret, 0);          /* clamped to 4 KiB, as Linux clamps */
	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_LISTEN, 0, 0, 0).ret, 0);
	r = proc_call(&p, (struct vmks_req){ .op = VMKS_OP_SETOPT, .slot = s.slot, .gen = s.gen,
					     .opt = VMKS_OPT_BUFFERS, .value = 8192 }, -1);
	CU_ASSERT_EQUAL(r.ret, -EISCONN);   /* the library's own error */
	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_CONNECT, VMK1_IP, PORT, 0).ret, -EINVAL);
	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_CLOSE, 0, 0, 0).ret, 0);
	CU_ASSERT_EQUAL(sock_call(&p, &s, VMKS_OP_CLOSE, 0, 0, 0).ret, -EBADF);   /* gone */
	CU_ASSERT_EQUAL_FATAL(proc_open(&p, VMKS_PROTO_UDP, &t), 0);   /* the slot is free again */
	CU_ASSERT_EQUAL(t.slot, s.slot);
	CU_ASSERT_NOT_EQUAL(t.gen, s.gen);
	close(s.a);
	close(t.a);
	proc_detach_close(&p);
	teardown_srv();
}

/* args refused with a reason containing why. */
static void refused(const char *args, const char *why)
{
	struct proc p;
	char c;

	CU_ASSERT_EQUAL(proc_attach(&p, args), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.text, "\"ok\":false"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p.text, why));
	if (strstr(p.text, why) == NULL)
		fprintf(stderr, "refusal of %s: %s\n", args, p.text);
	CU_ASSERT_EQUAL(recv(p.chan, &c, 1, 0), 0);   /* and the connection closes */
	close(p.chan);
}

static void test_attach_refusals_reply_ok_false_with_a_reason(void)
{
	int sv[2];
	const char *req = "{\"op\":\"host.get\",\"args\":{}}";

	setup_srv();
	refused("{\"slots\":0}", "slots");
	refused("{\"slots\":2000}", "slots");
	refused("{\"ring_size\":5000}", "ring_size");
	refused("{\"ring_size\":1024}", "ring_size");
	refused("{\"slots\":1024,\"ring_size\":16777216}", "1 GiB");
	refused("{\"vmknic\":\"vmk9\"}", "no such vmknic");
	refused("{\"netstack\":\"nowhere\"}", "no such netstack");
	refused("{\"vmknic\":\"vmk1\",\"netstack\":\"defaultTcpipStack\"}", "another netstack");
	refused("{\"program\":42}", "strings");
	CU_ASSERT_EQUAL(n_sessions(), 0);
	/* not an attach: not taken, the connection stays the caller's */
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CU_ASSERT_EQUAL(vmks_server_attach(srv, sv[1], req, strlen(req)), 0);
	CU_ASSERT_EQUAL(send(sv[1], "x", 1, 0), 1);
	close(sv[0]);
	close(sv[1]);
	teardown_srv();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("sockets_server", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("sockets_server", NULL, NULL);
	ADD(s, test_a_program_connects_sends_a_mib_and_receives_through_the_rings);
	ADD(s, test_session_killed_process_resets_its_connections);
	ADD(s, test_detach_closes_gracefully_sending_what_was_queued);
	ADD(s, test_a_program_listens_on_its_vmknic_and_accepts);
	ADD(s, test_udp_datagrams_travel_as_records);
	ADD(s, test_a_full_tx_ring_blocks_a_until_the_peer_reads);
	ADD(s, test_a_socket_closed_before_the_process_died_still_sends_its_data);
	ADD(s, test_a_refused_connect_and_a_peer_reset_give_err_hup_on_a);
	ADD(s, test_a_hostile_process_ends_only_its_own_session);
	ADD(s, test_requests_on_other_slots_get_ebadf_and_a_full_table_emfile);
	ADD(s, test_attach_refusals_reply_ok_false_with_a_reason);
	return th_run_suites();
}
