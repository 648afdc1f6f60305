/*
 * libFuzzer harness: vmknetd's session server (sockets/server*.c), the
 * parser of everything an untrusted program writes: the channel's struct
 * vmks_req messages (with SCM_RIGHTS descriptors) and the indices, flags,
 * dirty bits, doorbell and UDP records of the shared segment
 * (sockets/shm.h). Once per process: a host with two netstacks wired back
 * to back (vmk0, defaultTcpipStack, 192.0.2.1; vmk1, netstack "peer",
 * 192.0.2.3, with a TCP listener on 8000 and a UDP socket on 9000; frames
 * move when this thread pumps them, as tests/unit/tcp_pair.h does) and a
 * real vmks_server with its thread. Per input, the program's side as
 * tests/unit/test_sockets_server.c plays it: attach through
 * vmks_server_attach on a socketpair, map the segment, then run the input
 * as a program of operations; at its end the channel closes and the
 * harness waits until the server has freed the session.
 *
 * Input: [config] then operations [op][args...] (op % N_OPS):
 *   config: bits 0-1 slots 1 << k, bits 2-3 ring 4096 << k, bit 4 vmknic vmk0
 *   REQ     [fds][64 bytes, fewer at the end: a short request]  fds bits 0-1:
 *           0 none, 1 a stream socketpair end, 2 two of them, 3 a datagram
 *           one; bit 2: slot modulo slots and gen from the segment
 *   PRODUCE [slot][n le16]      n bytes into the tx ring, tail += n
 *   CONSUME [slot][n le16]      rx.head += min(n, published), as the library
 *   INDEX   [slot][which][v le64]  which bit 0: rx.head (else tx.tail),
 *                               bit 1: v added to the current value
 *   RECORD  [slot][len le32][addr le32][port le16][plen le16]  a UDP record
 *                               header, plen payload bytes, tail += space(plen)
 *   FLAGS   [slot][which][v]    tx_blocked / rx_signalled / rx_wait := v
 *                               (tx_blocked: A's send buffer filled first)
 *   DIRTY   [word][bits le64]   a dirty word, no doorbell
 *   BELL    [mode]              0: as the library (slot's bit, armed), 1: the
 *                               eventfd alone, 2: doorbell_armed := 0
 *   PEER    [what][port le16][n]  0 pump, 1 connect to vmk0:port, 2 send n*64
 *                               bytes on each connection, 3 a datagram to
 *                               vmk0:port, 4 FIN on each, 5 reset each
 * After an operation that can wake the server the harness waits for it:
 * the doorbell's eventfd read, then a GETNAME round trip on the channel
 * (replies are read in order, so the request's answer comes after).
 *
 * Invariants checked: every request gets a 64-byte reply (ret 0 or a
 * negative errno) or the session ends (the channel reads EOF) within 10 s;
 * a session is freed within 12 s of its channel closing (generous: a loaded 2-core machine).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sanitizer/common_interface_defs.h>

/* Invariant: nothing but the harness closes the program's end of the
 * channel. The server runs in this process, so a stale close of a number
 * it no longer owns could hit it; the number would then be reused by the
 * next socketpair and a request sent into it would never be answered (a
 * hang that names nobody). close() is interposed (calls from this binary,
 * the server's included) to report the closer's stack instead. (The
 * intermittent reply hang seen so far is not that: there the session was
 * alive and its reply arrived after the 10 s wait.) */
static int watch_fd = -1;

int close(int fd)
{
	if (fd >= 0 && fd == watch_fd) {
		dprintf(1, "fuzz_session: someone else closes the program's channel (fd %d)\n", fd);
		__sanitizer_print_stack_trace();
		abort();
	}
	return (int)syscall(SYS_close, fd);
}

#include <rte_mbuf.h>

#include <vmknet/vmknet.h>

#include "common.h"
#include "lib/host.h"
#include "sockets/server.h"
#include "sockets/shm.h"
#include "tcpip/netstack.h"
#include "vmknic/vmknic.h"

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define VMK0_IP  A(192, 0, 2, 1)
#define VMK1_IP  A(192, 0, 2, 3)
#define MASK24   A(255, 255, 255, 0)
#define PORT     8000
#define UPORT    9000
#define WAIT_MS  10000
#define END_MS   12000
#define MAX_A    16
#define MAX_PEER 16

enum { OP_REQ, OP_PRODUCE, OP_CONSUME, OP_INDEX, OP_RECORD, OP_FLAGS, OP_DIRTY, OP_BELL,
       OP_PEER, N_OPS };

static struct vmk_host *host;
static struct vmk_vmknic *vmk0, *vmk1;
static struct vmks_server *srv;
static struct vmk_tcp_sock *lsn;
static struct vmk_udp_sock *usock;

/* The program's side of the session of one input, and the peer's sockets. */
struct prog {
	int chan, bell;
	uint8_t *shm;
	uint64_t size, data_off;
	uint32_t n_slots, ring;
	bool over;                /* the session ended (the channel read EOF) */
	int a[MAX_A];
	unsigned int n_a;
	struct vmk_tcp_sock *peer[MAX_PEER];
	unsigned int n_peer;
};

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void vmknic(const char *name, const char *ns, uint32_t ip, struct vmk_vswitch *vs)
{
	struct vmk_vmknic_params p;

	vmk_vmknic_params_init(&p);
	p.name = name;
	p.vswitch = vs;
	p.portgroup = "PG";
	if (ns != NULL)
		p.netstack = ns;
	p.ipv4 = ip;
	p.netmask = MASK24;
	p.mtu = 9000;
	if (vmk_vmknic_add(host, &p, NULL) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmk_host_params hp;
	struct vmk_vswitch_params vp;
	struct vmk_vswitch *vs;

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);       /* as vmknetd: a closed channel is EPIPE */
	fuzz_eal_init("fuzz_session");
	vmk_host_params_init(&hp);
	hp.n_mbufs = 8191;
	hp.max_workers = 1;
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = 9000;
	if (vmk_host_create(&hp, &host) < 0 || vmk_vswitch_add(host, &vp, &vs) < 0 ||
	    vmk_portgroup_add(vs, "PG", 0) < 0 || vmk_netstack_add(host, "peer") < 0)
		abort();
	vmknic("vmk0", NULL, VMK0_IP, vs);
	vmknic("vmk1", "peer", VMK1_IP, vs);
	vmk0 = vmknic_find(host_vmknics(host), "vmk0");
	vmk1 = vmknic_find(host_vmknics(host), "vmk1");
	if (vmk_tcp_open(host, "peer", &lsn) < 0 || vmk_tcp_bind(lsn, VMK1_IP, PORT) < 0 ||
	    vmk_tcp_listen(lsn, 64) < 0 || vmk_udp_open(host, "peer", &usock) < 0 ||
	    vmk_udp_bind(usock, VMK1_IP, UPORT) < 0 || vmks_server_create(host, &srv) < 0)
		abort();
	return 0;
}

/* ---- the wire and the peer (this thread) --------------------------------- */

static unsigned int wire(struct vmk_vmknic *from, struct vmk_vmknic *to)
{
	struct netstack *ns = to->ifc.ns;
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (n < 4096 && rte_ring_dequeue(from->ifc.txq, (void **)&m) == 0) {
		vmk_spin_lock(&ns->lock);
		ns_input(ns, &to->ifc, m, tcpip_now_us());
		vmk_spin_unlock(&ns->lock);
		n++;
	}
	return n;
}

static void ns_tick(struct netstack *ns)
{
	vmk_spin_lock(&ns->lock);
	ns_timers(ns, tcpip_now_us());
	vmk_spin_unlock(&ns->lock);
}

/* Frames both ways until quiet; the peer accepts and reads what came. */
static void pump(struct prog *p)
{
	static uint8_t sink[65536];
	struct vmk_tcp_sock *n;

	for (int k = 0; k < 64 && wire(vmk0, vmk1) + wire(vmk1, vmk0) > 0; k++)
		;
	ns_tick(vmk0->ifc.ns);
	ns_tick(vmk1->ifc.ns);
	while (vmk_tcp_accept(lsn, &n, NULL, NULL, 0) == 0) {
		if (p->n_peer < MAX_PEER)
			p->peer[p->n_peer++] = n;
		else
			vmk_tcp_abort(n);
	}
	for (unsigned int i = 0; i < p->n_peer; i++)
		while (vmk_tcp_recv(p->peer[i], sink, sizeof(sink), 0) > 0)
			;
	while (vmk_udp_recvfrom(usock, sink, sizeof(sink), NULL, NULL, 0) >= 0)
		;
	for (int k = 0; k < 64 && wire(vmk0, vmk1) + wire(vmk1, vmk0) > 0; k++)
		;
}

static void peer_abort_all(struct prog *p)
{
	for (unsigned int i = 0; i < p->n_peer; i++)
		vmk_tcp_abort(p->peer[i]);
	p->n_peer = 0;
}

static void peer_op(struct prog *p, uint8_t what, uint16_t port, uint8_t n)
{
	static uint8_t buf[16384];
	struct vmk_tcp_sock *c;

	memset(buf, 'p', sizeof(buf));
	switch (what % 6) {
	case 1:
		if (p->n_peer < MAX_PEER && vmk_tcp_open(host, "peer", &c) == 0) {
			p->peer[p->n_peer++] = c;
			(void)vmk_tcp_connect(c, VMK0_IP, port, 0);
		}
		break;
	case 2:
		for (unsigned int i = 0; i < p->n_peer; i++)
			(void)vmk_tcp_send(p->peer[i], buf, (size_t)n * 64, 0);
		break;
	case 3:
		(void)vmk_udp_sendto(usock, buf, (size_t)n * 64, VMK0_IP, port);
		break;
	case 4:
		for (unsigned int i = 0; i < p->n_peer; i++)
			(void)vmk_tcp_shutdown(p->peer[i], VMK_TCP_SHUT_WR);
		break;
	case 5:
		peer_abort_all(p);
		break;
	}
	pump(p);
}

/* ---- the program's side ---------------------------------------------------- */

static int prog_attach(struct prog *p, uint8_t cfg)
{
	char req[256], text[1024], cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { .iov_base = text, .iov_len = sizeof(text) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int sv[2], fds[2] = { -1, -1 }, n;
	struct stat st;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	n = snprintf(req, sizeof(req), "{\"op\":\"session.attach\",\"args\":{\"slots\":%u,"
		     "\"ring_size\":%u,\"program\":\"fuzz\"%s}}", 1u << (cfg & 3),
		     4096u << ((cfg >> 2) & 3), (cfg & 0x10) ? ",\"vmknic\":\"vmk0\"" : "");
	FUZZ_CHECK(vmks_server_attach(srv, sv[1], req, (size_t)n) == 1);
	p->chan = sv[0];
	watch_fd = p->chan;
	FUZZ_CHECK(recvmsg(p->chan, &mh, MSG_CMSG_CLOEXEC) > 0);
	c = CMSG_FIRSTHDR(&mh);
	FUZZ_CHECK(c != NULL && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(fds)));
	memcpy(fds, CMSG_DATA(c), sizeof(fds));
	FUZZ_CHECK(fstat(fds[0], &st) == 0);
	p->size = (uint64_t)st.st_size;
	p->shm = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	FUZZ_CHECK(p->shm != MAP_FAILED);
	close(fds[0]);
	p->bell = fds[1];
	p->n_slots = ((struct vmks_shm_hdr *)p->shm)->n_slots;
	p->ring = ((struct vmks_shm_hdr *)p->shm)->ring_size;
	p->data_off = ((struct vmks_shm_hdr *)p->shm)->data_offset;
	FUZZ_CHECK(p->size == vmks_shm_size(p->n_slots, p->ring));
	return 0;
}

/* Wait for the channel: a reply into *r (true), or the session's end. */
static bool read_reply(struct prog *p, struct vmks_reply *r)
{
	struct pollfd pfd = { .fd = p->chan, .events = POLLIN };
	ssize_t n;

	FUZZ_CHECK(poll(&pfd, 1, WAIT_MS) == 1);   /* no answer, no end: a hang */
	n = recv(p->chan, r, sizeof(*r), MSG_WAITALL);
	if (n <= 0) {
		p->over = true;
		return false;
	}
	FUZZ_CHECK(n == (ssize_t)sizeof(*r));
	FUZZ_CHECK(r->ret <= 0 && r->ret > -4096);
	return true;
}

static void send_req(struct prog *p, const void *req, size_t len, const int *fds, int n_fds)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)req, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n_fds > 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE((size_t)n_fds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n_fds * sizeof(int));
	}
	if (sendmsg(p->chan, &mh, MSG_NOSIGNAL) < 0)
		p->over = true;
}

/* The server has taken everything so far: a GETNAME of no slot answered. */
static void barrier(struct prog *p)
{
	struct vmks_req req = { .op = VMKS_OP_GETNAME, .slot = UINT32_MAX };
	struct vmks_reply r;

	if (p->over)
		return;
	send_req(p, &req, sizeof(req), NULL, 0);
	if (!p->over && read_reply(p, &r))
		FUZZ_CHECK(r.ret == -EBADF);
}

static void keep_a(struct prog *p, int fd)
{
	if (p->n_a < MAX_A)
		p->a[p->n_a++] = fd;
	else
		close(fd);
}

/* One request; the descriptors it carries kept (end A) or closed. */
static void op_req(struct prog *p, uint8_t fl, const uint8_t *b, size_t len)
{
	struct vmks_req req = { 0 };
	struct vmks_reply r;
	int sv[2][2] = { { -1, -1 }, { -1, -1 } }, fds[2], n_fds = (fl & 3) == 2 ? 2 : fl & 3 ? 1 : 0;

	memcpy(&req, b, len);
	if ((fl & 4) && len == sizeof(req)) {
		req.slot %= p->n_slots;
		req.gen = __atomic_load_n(&vmks_slot(p->shm, req.slot)->gen, __ATOMIC_ACQUIRE);
	}
	for (int k = 0; k < n_fds; k++) {
		if (socketpair(AF_UNIX, ((fl & 3) == 3 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0,
			       sv[k]) < 0)
			abort();
		fds[k] = sv[k][1];
	}
	send_req(p, &req, len, fds, n_fds);
	for (int k = 0; k < n_fds; k++) {
		close(sv[k][1]);
		fcntl(sv[k][0], F_SETFL, O_NONBLOCK);
		keep_a(p, sv[k][0]);
	}
	if (p->over)
		return;
	if (len < sizeof(req)) {
		/* a short request (the last thing the input holds): the
		 * server reads it alone and ends the session */
		FUZZ_CHECK(!read_reply(p, &r));
		return;
	}
	if (read_reply(p, &r) && req.op == VMKS_OP_OPEN && r.ret == 0)
		FUZZ_CHECK(r.slot < p->n_slots &&
			   vmks_slot(p->shm, r.slot)->gen == r.gen);
}

static struct vmks_slot *slot_of(struct prog *p, uint8_t s)
{
	return vmks_slot(p->shm, s % p->n_slots);
}

static uint8_t *ring_of(struct prog *p, uint8_t s, bool rx)
{
	return vmks_ring_data(p->shm, p->data_off, p->ring, s % p->n_slots, rx);
}

static void ring(struct prog *p, uint8_t s)
{
	uint64_t one = 1;

	if (vmks_doorbell((struct vmks_shm_hdr *)p->shm, s % p->n_slots))
		(void)!write(p->bell, &one, sizeof(one));
}

/* The doorbell rang: wait until the server read it (it scans the dirty
 * bits after), or the session ended; then the channel's round trip. */
static void bell_wait(struct prog *p)
{
	struct pollfd pfd[2] = { { .fd = p->bell, .events = POLLIN },
				 { .fd = p->chan, .events = POLLIN } };
	long long end = ms_now() + WAIT_MS;

	while (!p->over && poll(pfd, 2, 0) >= 0 && (pfd[0].revents & POLLIN) &&
	       !(pfd[1].revents & (POLLIN | POLLHUP))) {
		FUZZ_CHECK(ms_now() < end);   /* a doorbell nobody reads: a hang */
		usleep(20);
	}
	barrier(p);
}

static void op_produce(struct prog *p, uint8_t s, uint16_t n)
{
	static uint8_t buf[65536];
	struct vmks_slot *sh = slot_of(p, s);
	uint64_t tail = __atomic_load_n(&sh->tx.tail, __ATOMIC_RELAXED);

	memset(buf, 'd', n);
	vmks_ring_put(ring_of(p, s, false), p->ring, tail, buf, n < p->ring ? n : p->ring);
	vmks_store(&sh->tx.tail, tail + n);
	ring(p, s);
	bell_wait(p);
}

static void op_consume(struct prog *p, uint8_t s, uint16_t n)
{
	struct vmks_slot *sh = slot_of(p, s);
	uint64_t head = __atomic_load_n(&sh->rx.head, __ATOMIC_RELAXED);
	uint64_t avail = vmks_load(&sh->rx.tail) - head;

	vmks_store(&sh->rx.head, head + (n < avail ? n : avail));
	if (vmks_flag_take(&sh->rx_wait)) {
		ring(p, s);
		bell_wait(p);
	}
}

static void op_index(struct prog *p, uint8_t s, uint8_t which, uint64_t v)
{
	struct vmks_slot *sh = slot_of(p, s);
	uint64_t *idx = (which & 1) ? &sh->rx.head : &sh->tx.tail;

	vmks_store(idx, (which & 2) ? vmks_load(idx) + v : v);
	ring(p, s);
	bell_wait(p);
}

static void op_record(struct prog *p, uint8_t s, const uint8_t *b)
{
	static uint8_t pay[65536];
	struct vmks_slot *sh = slot_of(p, s);
	struct vmks_dgram d = { 0 };
	uint64_t tail = __atomic_load_n(&sh->tx.tail, __ATOMIC_RELAXED);
	uint16_t plen;

	memcpy(&d.len, b, 4);
	memcpy(&d.addr, b + 4, 4);
	memcpy(&d.port, b + 8, 2);
	memcpy(&plen, b + 10, 2);
	memset(pay, 'u', plen);
	vmks_ring_put(ring_of(p, s, false), p->ring, tail, &d, sizeof(d));
	if (plen <= p->ring - sizeof(d))
		vmks_ring_put(ring_of(p, s, false), p->ring, tail + sizeof(d), pay, plen);
	vmks_store(&sh->tx.tail, tail + VMKS_DGRAM_SPACE(plen));
	ring(p, s);
	bell_wait(p);
}

static void op_flags(struct prog *p, uint8_t s, uint8_t which, uint8_t v)
{
	struct vmks_slot *sh = slot_of(p, s);
	uint32_t *f = which % 3 == 0 ? &sh->tx_blocked : which % 3 == 1 ? &sh->rx_signalled :
		&sh->rx_wait;
	char fill[4096] = { 0 };

	if (which % 3 == 0 && v != 0 && (unsigned int)(s % p->n_slots) < p->n_a)
		while (send(p->a[s % p->n_slots], fill, sizeof(fill), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			;
	__atomic_store_n(f, v, __ATOMIC_SEQ_CST);
}

static void op_bell(struct prog *p, uint8_t mode, uint8_t s)
{
	uint64_t one = 1;

	if (mode % 3 == 0)
		ring(p, s);
	else if (mode % 3 == 1)
		(void)!write(p->bell, &one, sizeof(one));
	else
		__atomic_store_n(&((struct vmks_shm_hdr *)p->shm)->doorbell_armed, 0u,
				 __ATOMIC_SEQ_CST);
	bell_wait(p);
}

/* The channel closes; the server must free the session (the peer resets
 * its connections after a while, so a graceful close cannot wait on it). */
static void prog_end(struct prog *p)
{
	long long start = ms_now();
	bool aborted = false;

	munmap(p->shm, p->size);
	close(p->bell);
	watch_fd = -1;
	close(p->chan);
	while (vmks_server_list(srv, NULL, 0) > 0) {
		FUZZ_CHECK(ms_now() < start + END_MS);   /* a session never freed */
		pump(p);
		if (!aborted && ms_now() > start + 200) {
			peer_abort_all(p);
			aborted = true;
		}
		usleep(50);
	}
	for (unsigned int i = 0; i < p->n_a; i++)
		close(p->a[i]);
	peer_abort_all(p);
	pump(p);
}

static size_t le(const uint8_t *b, unsigned int n)
{
	size_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (size_t)b[i] << (8 * i);
	return v;
}

/* Bytes each operation's arguments take (REQ: its flags byte, then up
 * to 64). */
static const unsigned int arg_len[N_OPS] = {
	[OP_REQ] = 1, [OP_PRODUCE] = 3, [OP_CONSUME] = 3, [OP_INDEX] = 10, [OP_RECORD] = 13,
	[OP_FLAGS] = 3, [OP_DIRTY] = 9, [OP_BELL] = 2, [OP_PEER] = 4,
};

static size_t run_op(struct prog *p, const uint8_t *b, size_t n)
{
	unsigned int op = b[0] % N_OPS;
	const uint8_t *a = b + 1;
	size_t len;

	if (n < 1 + arg_len[op])
		return n;
	switch (op) {
	case OP_REQ:
		len = n - 2 < sizeof(struct vmks_req) ? n - 2 : sizeof(struct vmks_req);
		if (len == 0)
			return n;
		op_req(p, a[0], a + 1, len);
		return 2 + len;
	case OP_PRODUCE:
		op_produce(p, a[0], (uint16_t)le(a + 1, 2));
		break;
	case OP_CONSUME:
		op_consume(p, a[0], (uint16_t)le(a + 1, 2));
		break;
	case OP_INDEX:
		op_index(p, a[0], a[1], (uint64_t)le(a + 2, 8));
		break;
	case OP_RECORD:
		op_record(p, a[0], a + 1);
		break;
	case OP_FLAGS:
		op_flags(p, a[0], a[1], a[2]);
		break;
	case OP_DIRTY:
		__atomic_store_n(&((struct vmks_shm_hdr *)p->shm)->dirty[a[0] % (VMKS_MAX_SLOTS / 64)],
				 (uint64_t)le(a + 1, 8), __ATOMIC_SEQ_CST);
		break;
	case OP_BELL:
		op_bell(p, a[0], a[1]);
		break;
	case OP_PEER:
		peer_op(p, a[0], (uint16_t)le(a + 1, 2), a[3]);
		barrier(p);
		barrier(p);   /* vmk_epoll events first (two rounds: their order in a batch) */
		break;
	}
	return 1 + arg_len[op];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prog p = { .chan = -1, .bell = -1 };
	size_t off = 1;

	if (size < 1)
		return 0;
	prog_attach(&p, data[0]);
	while (off < size && !p.over)
		off += run_op(&p, data + off, size - off);
	prog_end(&p);
	return 0;
}
