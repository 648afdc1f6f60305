/*
 * The TCP data path: the byte stream through a slot's rings. send copies
 * into the tx ring (the process is its only producer) and rings the
 * doorbell; recv copies out of the rx ring (the only consumer), tells
 * vmknetd when it was waiting for room (rx_wait), and does the
 * clear-then-recheck whenever it leaves the ring empty, so a token in A
 * always means "something to read" and edge-triggered pollers see every
 * new arrival.
 *
 * Threads: senders hold the socket's tx mutex, receivers its rx mutex.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "sockets/preload.h"

static bool nonblocking(const struct vmkp_sock *s, int flags)
{
	return (flags & MSG_DONTWAIT) || __atomic_load_n(&s->nonblock, __ATOMIC_RELAXED);
}

/* ---- send ----------------------------------------------------------------- */

/* 0: may send; -EAGAIN: still connecting; else the error to report. */
static int tx_state(struct vmkp_sock *s, int flags)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint32_t st = vmkp_load32(&sl->state), ev = vmkp_load32(&sl->events);
	int e;

	if (s->shut_wr)
		return vmkp_epipe(flags);
	if (st == VMKS_ST_CLOSED || (ev & (VMKS_EV_ERR | VMKS_EV_HUP | VMKS_EV_WR_CLOSED))) {
		e = vmkp_take_err(s);
		return e ? -e : vmkp_epipe(flags);
	}
	if (st == VMKS_ST_CONNECTING)
		return -EAGAIN;
	if (st != VMKS_ST_CONNECTED)
		return -ENOTCONN;
	return 0;
}

static uint64_t tx_room(const struct vmkp_sock *s)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint64_t used = __atomic_load_n(&sl->tx.tail, __ATOMIC_RELAXED) - vmks_load(&sl->tx.head);

	return used >= vmkp_sess.ring_size ? 0 : vmkp_sess.ring_size - used;
}

static bool tx_room_or_moved(const struct vmkp_sock *s)
{
	struct vmks_slot *sl = vmkp_slot(s);

	return tx_room(s) > 0 || vmkp_load32(&sl->state) != VMKS_ST_CONNECTED ||
	       (vmkp_load32(&sl->events) & (VMKS_EV_ERR | VMKS_EV_HUP | VMKS_EV_WR_CLOSED));
}

/* Copy what fits; returns the bytes put. */
static size_t tx_put(struct vmkp_sock *s, struct vmkp_iov *c, size_t want)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint64_t room = tx_room(s), tail = __atomic_load_n(&sl->tx.tail, __ATOMIC_RELAXED);
	size_t n = want < room ? want : (size_t)room;

	if (!n)
		return 0;
	vmkp_iov_to_ring(c, vmkp_ring(s, false), tail, n);
	vmks_store(&sl->tx.tail, tail + n);
	vmkp_doorbell(s);
	return n;
}

static ssize_t tcp_send_locked(struct vmkp_sock *s, int fd, struct vmkp_iov *c, size_t want,
			       int flags)
{
	int64_t deadline = -2;
	size_t done = 0;
	int err;

	for (;;) {
		err = tx_state(s, flags);
		if (err && err != -EAGAIN)
			return done ? (ssize_t)done : err;
		if (!err) {
			done += tx_put(s, c, want - done);
			if (done == want)
				return (ssize_t)done;
			if (vmkp_tx_block(s, fd, tx_room_or_moved))
				continue;
		}
		if (nonblocking(s, flags))
			return done ? (ssize_t)done : -EAGAIN;
		if (deadline == -2)
			deadline = vmkp_deadline(&s->sndtimeo);
		err = vmkp_wait(fd, POLLOUT, deadline);
		if (err)
			return done ? (ssize_t)done : err;
	}
}

ssize_t vmkp_tcp_send(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags)
{
	size_t want = vmkp_iov_total(iov, cnt);
	struct vmkp_iov c;
	ssize_t r;

	vmkp_iov_init(&c, iov, cnt);
	pthread_mutex_lock(&s->tx_mu);
	if (want == 0) {
		r = tx_state(s, flags);
		r = r == -EAGAIN ? 0 : r;
	} else {
		r = tcp_send_locked(s, fd, &c, want, flags);
	}
	pthread_mutex_unlock(&s->tx_mu);
	return r;
}

/* ---- recv ----------------------------------------------------------------- */

/* The ring is empty: 0 end of file, 1 nothing yet (wait), or an error. */
static int rx_state(struct vmkp_sock *s)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint32_t st = vmkp_load32(&sl->state), ev = vmkp_load32(&sl->events);
	int e;

	if (s->shut_rd || (ev & VMKS_EV_FIN))
		return 0;
	if (st == VMKS_ST_CLOSED || (ev & (VMKS_EV_ERR | VMKS_EV_HUP))) {
		e = vmkp_take_err(s);
		return e ? -e : 0;
	}
	if (st == VMKS_ST_OPEN || st == VMKS_ST_LISTENING)
		return -ENOTCONN;
	return 1;
}

static uint64_t rx_avail(const struct vmkp_sock *s)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint64_t head = __atomic_load_n(&sl->rx.head, __ATOMIC_RELAXED);
	uint64_t n = vmks_load(&sl->rx.tail) - head;

	return n > vmkp_sess.ring_size ? 0 : n;    /* a broken index reads as empty */
}

int vmkp_rx_pending(const struct vmkp_sock *s)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint64_t n = rx_avail(s);
	struct vmks_dgram d;

	if (s->proto == VMKS_PROTO_TCP || n < sizeof(d))
		return s->proto == VMKS_PROTO_TCP ? (int)n : 0;
	vmks_ring_get(vmkp_ring(s, true), vmkp_sess.ring_size,
		      __atomic_load_n(&sl->rx.head, __ATOMIC_RELAXED), &d, sizeof(d));
	return (int)d.len;
}

/* Copy up to want bytes out; peek leaves them. Returns the bytes taken. */
static size_t rx_take(struct vmkp_sock *s, struct vmkp_iov *c, size_t want, bool peek)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint64_t head = __atomic_load_n(&sl->rx.head, __ATOMIC_RELAXED), avail = rx_avail(s);
	size_t n = want < avail ? want : (size_t)avail;

	if (!n)
		return 0;
	vmkp_ring_to_iov(c, vmkp_ring(s, true), head, n);
	if (peek)
		return n;
	vmks_store(&sl->rx.head, head + n);
	if (vmks_flag_take(&sl->rx_wait))
		vmkp_doorbell(s);
	return n;
}

static ssize_t tcp_recv_locked(struct vmkp_sock *s, int fd, struct vmkp_iov *c, size_t want,
			       int flags)
{
	bool peek = flags & MSG_PEEK, all = (flags & MSG_WAITALL) && !peek;
	int64_t deadline = -2;
	size_t done = 0;
	int st;

	for (;;) {
		done += rx_take(s, c, want - done, peek);
		if (done && (done == want || !all || peek)) {
			if (!peek && rx_avail(s) == 0)
				vmkp_rx_quiet(s, fd);
			return (ssize_t)done;
		}
		st = rx_state(s);
		if (st <= 0) {
			/* FIN or an error: anything that came before it first */
			if (rx_avail(s))
				continue;
			return done ? (ssize_t)done : st;
		}
		if (vmkp_rx_quiet(s, fd))
			continue;
		if (nonblocking(s, flags))
			return done ? (ssize_t)done : -EAGAIN;
		if (deadline == -2)
			deadline = vmkp_deadline(&s->rcvtimeo);
		st = vmkp_wait(fd, POLLIN, deadline);
		if (st)
			return done ? (ssize_t)done : st;
	}
}

ssize_t vmkp_tcp_recv(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags)
{
	size_t want = vmkp_iov_total(iov, cnt);
	struct vmkp_iov c;
	ssize_t r;

	if (want == 0)
		return 0;
	vmkp_iov_init(&c, iov, cnt);
	pthread_mutex_lock(&s->rx_mu);
	r = tcp_recv_locked(s, fd, &c, want, flags);
	pthread_mutex_unlock(&s->rx_mu);
	return r;
}
