/*
 * Unit tests of socket readiness and event sets (include/vmknet/epoll.h,
 * tcpip/epoll.c, tcpip/sock_ready.c): non-blocking TCP and UDP sockets
 * between two netstacks wired back to back (tcp_pair.h), level- and
 * edge-triggered reports, the error and hang-up conditions, the eventfd
 * seen from the caller's own poll(2), and a wait that sleeps.
 */
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "unit/tcp_pair.h"

#define UPORT 9000

static struct vmk_epoll *ep;

static void setup_ep(void)
{
	setup_pair();
	CU_ASSERT_EQUAL_FATAL(vmk_epoll_create(&ep), 0);
}

static void teardown_ep(void)
{
	vmk_epoll_destroy(ep);
	ep = NULL;
	teardown();
}

static void add_tcp(struct vmk_tcp_sock *s, uint32_t events, uint64_t tag)
{
	struct vmk_epoll_event ev = { .events = events, .data.u64 = tag };

	CU_ASSERT_EQUAL(vmk_epoll_ctl_tcp(ep, VMK_EPOLL_CTL_ADD, s, &ev), 0);
}

static void add_udp(struct vmk_udp_sock *s, uint32_t events, uint64_t tag)
{
	struct vmk_epoll_event ev = { .events = events, .data.u64 = tag };

	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_ADD, s, &ev), 0);
}

/* The one event a wait(0) reports (0 when none; -1 when more than one). */
static int64_t one_event(uint64_t *tag)
{
	struct vmk_epoll_event ev[4];
	int n = vmk_epoll_wait(ep, ev, 4, 0);

	if (n == 0)
		return 0;
	if (n != 1)
		return -1;
	if (tag != NULL)
		*tag = ev[0].data.u64;
	return ev[0].events;
}

/* A connected pair whose client (*a, on vmk0) sends into a buffer of
 * send_size bytes; *b accepted on vmk1's listener *l. */
static void connect_sized(struct vmk_tcp_sock **l, struct vmk_tcp_sock **a,
			  struct vmk_tcp_sock **b, uint32_t send_size)
{
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(*l, VMK1_IP, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(*l, 4), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, a), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_buffers(*a, send_size, 0), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(*a, VMK1_IP, PORT, 0), -EINPROGRESS);
	pump();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(*l, b, NULL, NULL, 0), 0);
}

static void close3(struct vmk_tcp_sock *l, struct vmk_tcp_sock *a, struct vmk_tcp_sock *b)
{
	vmk_tcp_abort(a);
	vmk_tcp_abort(b);
	vmk_tcp_close(l);
	pump();
}

/* ---- TCP -------------------------------------------------------------- */

static void test_nonblocking_connect_returns_einprogress_then_epollout(void)
{
	struct vmk_tcp_sock *l, *a;
	uint64_t tag = 0;

	setup_ep();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, VMK1_IP, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &a), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_nonblock(a, true), 0);
	/* non-blocking: the timeout counts as 0 */
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, VMK1_IP, PORT, 5000), -EINPROGRESS);
	add_tcp(a, VMK_EPOLLOUT, 7);
	CU_ASSERT_EQUAL(one_event(NULL), 0);     /* SYN-SENT: nothing yet */
	pump();
	CU_ASSERT_EQUAL(vmk_tcp_state(a), VMK_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(one_event(&tag), VMK_EPOLLOUT);
	CU_ASSERT_EQUAL(tag, 7);
	CU_ASSERT_EQUAL(vmk_tcp_error(a), 0);
	vmk_tcp_abort(a);
	vmk_tcp_close(l);
	teardown_ep();
}

static void test_a_listener_is_readable_while_a_connection_waits_to_be_accepted(void)
{
	struct vmk_tcp_sock *l, *a, *b = NULL, *c = NULL;

	setup_ep();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, VMK1_IP, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_nonblock(l, true), 0);
	add_tcp(l, VMK_EPOLLIN, 1);
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	CU_ASSERT_EQUAL(vmk_tcp_accept(l, &b, NULL, NULL, 1000), -EAGAIN);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &a), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, VMK1_IP, PORT, 0), -EINPROGRESS);
	pump();
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);  /* level: still there */
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, &b, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(one_event(NULL), 0);     /* the queue is empty again */
	CU_ASSERT_EQUAL(vmk_tcp_accept(l, &c, NULL, NULL, 0), -EAGAIN);
	close3(l, a, b);
	teardown_ep();
}

static void test_level_triggered_in_reports_until_the_data_is_drained(void)
{
	struct vmk_tcp_sock *l, *a, *b;
	uint8_t buf[200];

	setup_ep();
	pair_connect(&l, &a, &b);
	CU_ASSERT_EQUAL(vmk_tcp_set_nonblock(b, true), 0);
	add_tcp(b, VMK_EPOLLIN, 2);
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, buf, sizeof(buf), 1000), -EAGAIN);
	fill(buf, 100, 1);
	CU_ASSERT_EQUAL(vmk_tcp_send(a, buf, 100, 0), 100);
	pump();
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, buf, 60, 0), 60);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);  /* 40 bytes left */
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, buf, sizeof(buf), 0), 40);
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, buf, sizeof(buf), 0), -EAGAIN);
	close3(l, a, b);
	teardown_ep();
}

static void test_edge_triggered_in_reports_once_per_arrival(void)
{
	struct vmk_tcp_sock *l, *a, *b;
	uint8_t buf[400];

	setup_ep();
	pair_connect(&l, &a, &b);
	vmk_tcp_set_nodelay(a, true);
	add_tcp(b, VMK_EPOLLIN | VMK_EPOLLET, 3);
	fill(buf, sizeof(buf), 2);
	CU_ASSERT_EQUAL(vmk_tcp_send(a, buf, 100, 0), 100);
	pump();
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	CU_ASSERT_EQUAL(one_event(NULL), 0);     /* unread, but no new edge */
	CU_ASSERT_EQUAL(vmk_tcp_send(a, buf + 100, 100, 0), 100);
	pump();
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);  /* a new arrival */
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, buf, sizeof(buf), 0), 200);
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	CU_ASSERT_EQUAL(vmk_tcp_send(a, buf, 50, 0), 50);
	pump();
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	close3(l, a, b);
	teardown_ep();
}

static void test_a_writer_that_fills_the_send_buffer_gets_eagain_then_epollout_when_acks_free_room(void)
{
	static uint8_t buf[16384];
	struct vmk_tcp_sock *l, *a, *b;
	long n, sent = 0;

	setup_ep();
	connect_sized(&l, &a, &b, 4096);
	CU_ASSERT_EQUAL(vmk_tcp_set_nonblock(a, true), 0);
	add_tcp(a, VMK_EPOLLOUT | VMK_EPOLLET, 4);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLOUT);  /* room at the start */
	fill(buf, sizeof(buf), 3);
	while ((n = vmk_tcp_send(a, buf + sent, sizeof(buf) - (size_t)sent, 1000)) > 0)
		sent += n;
	CU_ASSERT_EQUAL(n, -EAGAIN);
	CU_ASSERT_EQUAL(sent, 4096);
	CU_ASSERT_EQUAL(one_event(NULL), 0);     /* full: not writable */
	pump();                                  /* data over; its ACK is delayed */
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	pair_timers_at(now + 100 * MS);          /* the delayed ACK frees the room */
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLOUT);
	CU_ASSERT(vmk_tcp_send(a, buf + sent, 1000, 0) > 0);
	close3(l, a, b);
	teardown_ep();
}

/* A send that takes nothing while OUT holds (no mbuf to copy into) must
 * still be followed by an OUT edge, or an edge-triggered writer (vmkrun's
 * session server) waits forever with data to send. */
static void test_a_send_refused_for_want_of_mbufs_reports_out_again_edge_triggered(void)
{
	static struct rte_mbuf *held[1 << 16];
	static uint8_t buf[8192];
	struct vmk_tcp_sock *l, *a, *b;
	struct rte_mempool *mp;
	unsigned int n_held = 0;

	setup_ep();
	connect_sized(&l, &a, &b, 65536);
	CU_ASSERT_EQUAL(vmk_tcp_set_nonblock(a, true), 0);
	add_tcp(a, VMK_EPOLLOUT | VMK_EPOLLET, 5);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLOUT);  /* room at the start */
	CU_ASSERT_EQUAL(one_event(NULL), 0);             /* once */
	mp = vmk_tcp_pool(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mp);
	while (n_held < RTE_DIM(held) && (held[n_held] = rte_pktmbuf_alloc(mp)) != NULL)
		n_held++;
	CU_ASSERT_EQUAL(vmk_tcp_send(a, buf, sizeof(buf), 0), -EAGAIN);
	/* OUT never went down (the send buffer is empty), yet it is reported */
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLOUT);
	for (unsigned int i = 0; i < n_held; i++)
		rte_pktmbuf_free(held[i]);
	CU_ASSERT_EQUAL(vmk_tcp_send(a, buf, sizeof(buf), 0), (long)sizeof(buf));
	close3(l, a, b);
	teardown_ep();
}

static void test_peer_close_gives_rdhup_then_hup_after_local_shutdown(void)
{
	struct vmk_tcp_sock *l, *a, *b;
	uint8_t buf[16];

	setup_ep();
	pair_connect(&l, &a, &b);
	add_tcp(b, VMK_EPOLLIN | VMK_EPOLLRDHUP, 5);
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	CU_ASSERT_EQUAL(vmk_tcp_shutdown(a, VMK_TCP_SHUT_WR), 0);
	pump();
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN | VMK_EPOLLRDHUP);
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, buf, sizeof(buf), 0), 0);   /* end of stream */
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN | VMK_EPOLLRDHUP);
	CU_ASSERT_EQUAL(vmk_tcp_shutdown(b, VMK_TCP_SHUT_WR), 0);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN | VMK_EPOLLRDHUP | VMK_EPOLLHUP);
	pump();
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN | VMK_EPOLLRDHUP | VMK_EPOLLHUP);
	CU_ASSERT_EQUAL(vmk_tcp_error(b), 0);    /* a clean close is no error */
	vmk_tcp_close(a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	pump();
	teardown_ep();
}

static void test_a_reset_gives_err_and_hup_with_econnreset(void)
{
	struct vmk_tcp_sock *l, *a, *b;
	const uint32_t all = VMK_EPOLLIN | VMK_EPOLLOUT | VMK_EPOLLRDHUP;

	setup_ep();
	pair_connect(&l, &a, &b);
	add_tcp(b, all, 6);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLOUT);
	vmk_tcp_abort(a);                        /* RST */
	pump();
	CU_ASSERT_EQUAL(one_event(NULL), all | VMK_EPOLLERR | VMK_EPOLLHUP);
	CU_ASSERT_EQUAL(vmk_tcp_error(b), -ECONNRESET);
	CU_ASSERT_EQUAL(one_event(NULL), all | VMK_EPOLLHUP);   /* taken: no ERR */
	CU_ASSERT_EQUAL(vmk_tcp_error(b), 0);
	CU_ASSERT_EQUAL(vmk_tcp_send(b, "x", 1, 0), -ECONNRESET); /* calls still say it */
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	teardown_ep();
}

static void test_a_refused_connect_gives_err_with_econnrefused(void)
{
	struct vmk_tcp_sock *a;
	int64_t ev;

	setup_ep();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &a), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_nonblock(a, true), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, VMK1_IP, PORT + 1, 0), -EINPROGRESS);
	add_tcp(a, VMK_EPOLLOUT | VMK_EPOLLET, 8);
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	pump();                                  /* SYN, RST */
	ev = one_event(NULL);
	CU_ASSERT_EQUAL(ev & (VMK_EPOLLERR | VMK_EPOLLHUP), VMK_EPOLLERR | VMK_EPOLLHUP);
	CU_ASSERT_EQUAL(vmk_tcp_error(a), -ECONNREFUSED);
	CU_ASSERT_EQUAL(vmk_tcp_error(a), 0);
	vmk_tcp_close(a);
	teardown_ep();
}

/* ---- UDP and the event set itself ------------------------------------ */

/* u0 on vmk0, u1 bound to vmk1:UPORT (non-blocking). */
static void udp_pair(struct vmk_udp_sock **u0, struct vmk_udp_sock **u1)
{
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, u0), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, "peer", u1), 0);
	CU_ASSERT_EQUAL(vmk_udp_bind(*u1, VMK1_IP, UPORT), 0);
	CU_ASSERT_EQUAL(vmk_udp_set_nonblock(*u1, true), 0);
}

static void send_dgram(struct vmk_udp_sock *u0)
{
	CU_ASSERT_EQUAL(vmk_udp_sendto(u0, "hello", 5, VMK1_IP, UPORT), 5);
	pump();
}

static void test_udp_is_writable_and_readable_while_a_datagram_is_queued(void)
{
	struct vmk_udp_sock *u0, *u1;
	char buf[16];

	setup_ep();
	udp_pair(&u0, &u1);
	add_udp(u1, VMK_EPOLLIN | VMK_EPOLLOUT, 9);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLOUT);
	CU_ASSERT_EQUAL(vmk_udp_recvfrom(u1, buf, sizeof(buf), NULL, NULL, 1000), -EAGAIN);
	send_dgram(u0);
	send_dgram(u0);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN | VMK_EPOLLOUT);
	CU_ASSERT_EQUAL(vmk_udp_recvfrom(u1, buf, sizeof(buf), NULL, NULL, 0), 5);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN | VMK_EPOLLOUT);
	CU_ASSERT_EQUAL(vmk_udp_recvfrom(u1, buf, sizeof(buf), NULL, NULL, 0), 5);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLOUT);
	vmk_udp_close(u0);
	vmk_udp_close(u1);
	teardown_ep();
}

static bool fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_the_eventfd_is_readable_in_the_callers_poll_only_while_an_event_is_pending(void)
{
	struct vmk_udp_sock *u0, *u1;
	int fd;
	char buf[16];

	setup_ep();
	fd = vmk_epoll_fd(ep);
	CU_ASSERT(fd >= 0);
	udp_pair(&u0, &u1);
	add_udp(u1, VMK_EPOLLIN, 10);
	CU_ASSERT_FALSE(fd_readable(fd));
	send_dgram(u0);
	CU_ASSERT_TRUE(fd_readable(fd));
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	CU_ASSERT_EQUAL(vmk_udp_recvfrom(u1, buf, sizeof(buf), NULL, NULL, 0), 5);
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	CU_ASSERT_FALSE(fd_readable(fd));
	vmk_udp_close(u0);
	vmk_udp_close(u1);
	teardown_ep();
}

static void test_many_arrivals_before_a_wait_write_the_eventfd_once(void)
{
	struct vmk_udp_sock *u0, *u1;
	uint64_t count = 0;

	setup_ep();
	udp_pair(&u0, &u1);
	add_udp(u1, VMK_EPOLLIN | VMK_EPOLLET, 11);
	for (int i = 0; i < 5; i++)
		send_dgram(u0);
	/* A peek at the counter: one write for five arrivals. */
	CU_ASSERT_EQUAL(read(vmk_epoll_fd(ep), &count, sizeof(count)), (ssize_t)sizeof(count));
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	vmk_udp_close(u0);
	vmk_udp_close(u1);
	teardown_ep();
}

static void test_oneshot_reports_once_until_rearmed_with_mod(void)
{
	struct vmk_udp_sock *u0, *u1;
	struct vmk_epoll_event ev = { .events = VMK_EPOLLIN | VMK_EPOLLONESHOT, .data.u64 = 12 };

	setup_ep();
	udp_pair(&u0, &u1);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_ADD, u1, &ev), 0);
	send_dgram(u0);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	CU_ASSERT_EQUAL(one_event(NULL), 0);     /* still readable, but disarmed */
	send_dgram(u0);
	CU_ASSERT_EQUAL(one_event(NULL), 0);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_MOD, u1, &ev), 0);
	CU_ASSERT_EQUAL(one_event(NULL), VMK_EPOLLIN);
	vmk_udp_close(u0);
	vmk_udp_close(u1);
	teardown_ep();
}

static void test_ctl_refuses_bad_requests_and_del_or_close_stops_reports(void)
{
	struct vmk_udp_sock *u0, *u1;
	struct vmk_epoll *other;
	struct vmk_epoll_event ev = { .events = VMK_EPOLLIN };
	struct vmk_epoll_event bad = { .events = 0x4000000 };

	setup_ep();
	udp_pair(&u0, &u1);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_MOD, u1, &ev), -ENOENT);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_DEL, u1, NULL), -ENOENT);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, 99, u1, &ev), -EINVAL);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_ADD, u1, &bad), -EINVAL);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_ADD, u1, NULL), -EINVAL);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(NULL, VMK_EPOLL_CTL_ADD, u1, &ev), -EINVAL);
	CU_ASSERT_EQUAL(vmk_epoll_wait(ep, NULL, 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_ADD, u1, &ev), 0);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_ADD, u1, &ev), -EEXIST);
	CU_ASSERT_EQUAL_FATAL(vmk_epoll_create(&other), 0);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(other, VMK_EPOLL_CTL_ADD, u1, &ev), -EBUSY);
	CU_ASSERT_STRING_NOT_EQUAL(vmk_ip_last_error(), "");
	send_dgram(u0);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(ep, VMK_EPOLL_CTL_DEL, u1, NULL), 0);
	CU_ASSERT_EQUAL(one_event(NULL), 0);     /* pending, but removed */
	CU_ASSERT_EQUAL(vmk_epoll_ctl_udp(other, VMK_EPOLL_CTL_ADD, u1, &ev), 0);
	CU_ASSERT_EQUAL(vmk_epoll_wait(other, &ev, 1, 0), 1);
	vmk_udp_close(u1);                       /* leaves `other` silently */
	CU_ASSERT_EQUAL(vmk_epoll_wait(other, &ev, 1, 0), 0);
	CU_ASSERT_FALSE(fd_readable(vmk_epoll_fd(other)));
	vmk_epoll_destroy(other);
	vmk_udp_close(u0);
	teardown_ep();
}

/* ---- sleeping ---------------------------------------------------------- */

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_a_wait_with_nothing_ready_sleeps_for_its_timeout(void)
{
	struct vmk_udp_sock *u0, *u1;
	struct vmk_epoll_event ev;
	double t0, c0;

	setup_ep();
	udp_pair(&u0, &u1);
	add_udp(u1, VMK_EPOLLIN, 13);
	t0 = mono_ms();
	c0 = thread_cpu_ms();
	CU_ASSERT_EQUAL(vmk_epoll_wait(ep, &ev, 1, 200), 0);
	CU_ASSERT(mono_ms() - t0 >= 199.0);
	CU_ASSERT(thread_cpu_ms() - c0 < 20.0);  /* slept, did not spin */
	vmk_udp_close(u0);
	vmk_udp_close(u1);
	teardown_ep();
}

struct waiter {
	int n;
	struct vmk_epoll_event ev;
	double cpu_ms, wall_ms;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	double t0 = mono_ms(), c0 = thread_cpu_ms();

	w->n = vmk_epoll_wait(ep, &w->ev, 1, -1);
	w->cpu_ms = thread_cpu_ms() - c0;
	w->wall_ms = mono_ms() - t0;
	return NULL;
}

static void test_a_sleeping_wait_wakes_when_another_thread_queues_a_datagram(void)
{
	struct vmk_udp_sock *u0, *u1;
	struct waiter w = { 0 };
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 200 * 1000000L };
	pthread_t t;

	setup_ep();
	udp_pair(&u0, &u1);
	add_udp(u1, VMK_EPOLLIN, 14);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, wait_thread, &w), 0);
	nanosleep(&pause, NULL);
	send_dgram(u0);                          /* this thread plays the worker */
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(w.n, 1);
	CU_ASSERT_EQUAL(w.ev.events, VMK_EPOLLIN);
	CU_ASSERT_EQUAL(w.ev.data.u64, 14);
	CU_ASSERT(w.wall_ms >= 150.0);
	CU_ASSERT(w.cpu_ms < 20.0);
	vmk_udp_close(u0);
	vmk_udp_close(u1);
	teardown_ep();
}

/* ---- with a worker: the stack on lcore 1, this thread an application -- */

/* Wait (up to 3 s in all) until the events of the sockets tagged 1 and 2
 * were each seen; returns the bits seen per tag. */
static void wait_for(uint32_t want1, uint32_t want2, uint32_t got[3])
{
	double t0 = mono_ms();

	got[1] = got[2] = 0;
	while (((got[1] & want1) != want1 || (got[2] & want2) != want2) &&
	       mono_ms() - t0 < 3000.0) {
		struct vmk_epoll_event ev[4];
		int n = vmk_epoll_wait(ep, ev, 4, 500);

		for (int i = 0; i < n; i++)
			if (ev[i].data.u64 == 1 || ev[i].data.u64 == 2)
				got[ev[i].data.u64] |= ev[i].events;
	}
}

static void test_with_a_worker_polling_the_stack_a_sleeping_wait_sees_connect_accept_and_data(void)
{
	unsigned int lcore = 1;
	struct vmk_tcp_sock *l, *a, *b = NULL;
	uint32_t got[3];
	uint8_t buf[1000];
	double c0;
	struct vmk_epoll_event ev;

	setup_ep();
	CU_ASSERT_EQUAL_FATAL(vmk_host_start(host, &lcore, 1), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, VMK1_IP, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_nonblock(l, true), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &a), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_nonblock(a, true), 0);
	add_tcp(l, VMK_EPOLLIN, 1);
	/* nothing ready: the wait sleeps while the worker polls */
	c0 = thread_cpu_ms();
	CU_ASSERT_EQUAL(vmk_epoll_wait(ep, &ev, 1, 200), 0);
	CU_ASSERT(thread_cpu_ms() - c0 < 20.0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, VMK1_IP, PORT, 1000), -EINPROGRESS);
	add_tcp(a, VMK_EPOLLOUT, 2);
	wait_for(VMK_EPOLLIN, VMK_EPOLLOUT, got);
	CU_ASSERT_EQUAL(got[1], VMK_EPOLLIN);
	CU_ASSERT_EQUAL(got[2], VMK_EPOLLOUT);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, &b, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_tcp(ep, VMK_EPOLL_CTL_DEL, l, NULL), 0);
	CU_ASSERT_EQUAL(vmk_epoll_ctl_tcp(ep, VMK_EPOLL_CTL_DEL, a, NULL), 0);
	add_tcp(b, VMK_EPOLLIN | VMK_EPOLLRDHUP | VMK_EPOLLET, 1);
	fill(buf, sizeof(buf), 4);
	CU_ASSERT_EQUAL(vmk_tcp_send(a, buf, sizeof(buf), 0), (long)sizeof(buf));
	wait_for(VMK_EPOLLIN, 0, got);
	CU_ASSERT_EQUAL(got[1], VMK_EPOLLIN);
	CU_ASSERT_EQUAL(vmk_tcp_recv(b, buf, sizeof(buf), 0), (long)sizeof(buf));
	CU_ASSERT_EQUAL(vmk_tcp_shutdown(a, VMK_TCP_SHUT_WR), 0);
	wait_for(VMK_EPOLLRDHUP, 0, got);
	CU_ASSERT_EQUAL(got[1] & VMK_EPOLLRDHUP, VMK_EPOLLRDHUP);
	vmk_tcp_close(a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	vmk_host_stop(host);
	teardown_ep();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("epoll", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("epoll", NULL, NULL);
	ADD(s, test_nonblocking_connect_returns_einprogress_then_epollout);
	ADD(s, test_a_listener_is_readable_while_a_connection_waits_to_be_accepted);
	ADD(s, test_level_triggered_in_reports_until_the_data_is_drained);
	ADD(s, test_edge_triggered_in_reports_once_per_arrival);
	ADD(s, test_a_writer_that_fills_the_send_buffer_gets_eagain_then_epollout_when_acks_free_room);
	ADD(s, test_a_send_refused_for_want_of_mbufs_reports_out_again_edge_triggered);
	ADD(s, test_peer_close_gives_rdhup_then_hup_after_local_shutdown);
	ADD(s, test_a_reset_gives_err_and_hup_with_econnreset);
	ADD(s, test_a_refused_connect_gives_err_with_econnrefused);
	ADD(s, test_udp_is_writable_and_readable_while_a_datagram_is_queued);
	ADD(s, test_the_eventfd_is_readable_in_the_callers_poll_only_while_an_event_is_pending);
	ADD(s, test_many_arrivals_before_a_wait_write_the_eventfd_once);
	ADD(s, test_oneshot_reports_once_until_rearmed_with_mod);
	ADD(s, test_ctl_refuses_bad_requests_and_del_or_close_stops_reports);
	ADD(s, test_a_wait_with_nothing_ready_sleeps_for_its_timeout);
	ADD(s, test_a_sleeping_wait_wakes_when_another_thread_queues_a_datagram);
	ADD(s, test_with_a_worker_polling_the_stack_a_sleeping_wait_sees_connect_accept_and_data);
	return th_run_suites();
}
