/*
 * Readiness on a socket's fds (sockets/shm.h, "Readiness"): the program's
 * fd is end A, so its poll state is what vmknetd and the library make of
 * it. Readable: a token waits in A; the library drains A only in the
 * clear-then-recheck, after it found the rx ring empty. Not writable: the
 * library filled A's (minimum) send buffer when the tx ring was full or a
 * connect started; whoever sees room again drains B. Also the iovec walks
 * that copy between a program's buffers and a ring.
 *
 * Threads: rx_quiet under the socket's rx mutex, tx_block under its tx
 * mutex; the flags are exchanged, so vmknetd may act at any moment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockets/preload.h"

/* ---- iovec walks ---------------------------------------------------------- */

size_t vmkp_iov_total(const struct iovec *iov, int cnt)
{
	size_t n = 0;

	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	return n;
}

void vmkp_iov_init(struct vmkp_iov *c, const struct iovec *iov, int cnt)
{
	c->iov = iov;
	c->cnt = cnt;
	c->i = 0;
	c->off = 0;
}

/* The next piece of the walk, at most n bytes (0 at the end). */
static size_t iov_piece(struct vmkp_iov *c, size_t n, uint8_t **p)
{
	while (c->i < c->cnt && c->off == c->iov[c->i].iov_len) {
		c->i++;
		c->off = 0;
	}
	if (c->i == c->cnt)
		return 0;
	*p = (uint8_t *)c->iov[c->i].iov_base + c->off;
	if (n > c->iov[c->i].iov_len - c->off)
		n = c->iov[c->i].iov_len - c->off;
	c->off += n;
	return n;
}

static void iov_copy(struct vmkp_iov *c, uint8_t *ring, uint64_t idx, size_t n, bool to_ring)
{
	uint8_t *p;
	size_t k;

	while (n && (k = iov_piece(c, n, &p))) {
		if (to_ring)
			vmks_ring_put(ring, vmkp_sess.ring_size, idx, p, k);
		else
			vmks_ring_get(ring, vmkp_sess.ring_size, idx, p, k);
		idx += k;
		n -= k;
	}
}

void vmkp_iov_to_ring(struct vmkp_iov *c, uint8_t *ring, uint64_t idx, size_t n)
{
	iov_copy(c, ring, idx, n, true);
}

void vmkp_ring_to_iov(struct vmkp_iov *c, const uint8_t *ring, uint64_t idx, size_t n)
{
	iov_copy(c, (uint8_t *)ring, idx, n, false);
}

/* ---- toward vmknetd ------------------------------------------------------- */

void vmkp_doorbell(const struct vmkp_sock *s)
{
	uint64_t one = 1;

	if (vmks_doorbell((struct vmks_shm_hdr *)vmkp_sess.shm, s->slot))
		(void)!vmkp_real.write(vmkp_sess.bell_fd, &one, sizeof(one));
}

/* ---- readable ----------------------------------------------------------------- */

bool vmkp_rx_ready(const struct vmkp_sock *s)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint32_t ev = vmkp_load32(&sl->events);

	if (ev & (VMKS_EV_ACCEPT | VMKS_EV_FIN | VMKS_EV_ERR | VMKS_EV_HUP))
		return true;
	if (s->shut_rd || s->pend || vmkp_load32(&sl->state) == VMKS_ST_CLOSED)
		return true;
	return vmks_load(&sl->rx.tail) != __atomic_load_n(&sl->rx.head, __ATOMIC_RELAXED);
}

bool vmkp_rx_quiet(struct vmkp_sock *s, int fd)
{
	struct vmks_slot *sl = vmkp_slot(s);
	char buf[256];

	vmks_flag_take(&sl->rx_signalled);
	while (vmkp_real.recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	if (!vmkp_rx_ready(s))
		return false;
	/* something came in between: put the token back */
	vmks_flag_raise(&sl->rx_signalled);
	(void)!vmkp_real.send(s->bfd, "r", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	return true;
}

/* ---- writable ----------------------------------------------------------------- */

void vmkp_tx_unblock(struct vmkp_sock *s)
{
	char buf[4096];

	vmks_flag_take(&vmkp_slot(s)->tx_blocked);
	/* always, even when vmknetd took the flag first: draining twice is harmless */
	while (vmkp_real.recv(s->bfd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

bool vmkp_tx_block(struct vmkp_sock *s, int fd, bool (*room_or_moved)(const struct vmkp_sock *))
{
	static const char junk[1024];

	__atomic_store_n(&vmkp_slot(s)->tx_blocked, 1u, __ATOMIC_SEQ_CST);
	while (vmkp_real.send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		;
	if (!room_or_moved(s))
		return false;
	vmkp_tx_unblock(s);
	return true;
}

/* ---- waiting ------------------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t vmkp_deadline(const struct timeval *tmo)
{
	if (!tmo->tv_sec && !tmo->tv_usec)
		return -1;
	return now_ms() + (int64_t)tmo->tv_sec * 1000 + (tmo->tv_usec + 999) / 1000;
}

int vmkp_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ms = -1, r;

	if (deadline >= 0) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return -EAGAIN;
		ms = left > 1000000000 ? 1000000000 : (int)left;
	}
	r = vmkp_real.poll(&pfd, 1, ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	return pfd.revents & POLLNVAL ? -EBADF : 0;
}

int vmkp_take_err(struct vmkp_sock *s)
{
	int e = (int)vmkp_load32((const uint32_t *)&vmkp_slot(s)->err);

	if (e <= 0 || __atomic_exchange_n(&s->err_taken, 1, __ATOMIC_ACQ_REL))
		return 0;
	return e;
}

int vmkp_epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	return -EPIPE;
}
