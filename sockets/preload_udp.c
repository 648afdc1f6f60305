/*
 * The UDP data path: records through a slot's rings (struct vmks_dgram,
 * the payload, padding to 8 bytes; a record may wrap around the ring's
 * end). A send puts one whole record or none; a recv takes one record,
 * truncating it to the buffer (MSG_TRUNC says so, and makes the call
 * return the record's real length, as Linux).
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

static uint64_t used(const struct vmks_ring *r)
{
	return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) - __atomic_load_n(&r->head,
									     __ATOMIC_ACQUIRE);
}

/* ---- send ------------------------------------------------------------------ */

static __thread uint64_t want_space;   /* the record tx_block waits room for */

static bool room_for_record(const struct vmkp_sock *s)
{
	struct vmks_slot *sl = vmkp_slot(s);

	return vmkp_sess.ring_size - used(&sl->tx) >= want_space ||
	       vmkp_load32(&sl->state) == VMKS_ST_CLOSED;
}

static void put_record(struct vmkp_sock *s, const struct iovec *iov, int cnt, size_t len,
		       const struct vmkp_dest *dst)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint64_t tail = __atomic_load_n(&sl->tx.tail, __ATOMIC_RELAXED);
	struct vmks_dgram d = { .len = (uint32_t)len, .addr = dst->addr, .port = dst->port };
	uint8_t *ring = vmkp_ring(s, false);
	struct vmkp_iov c;

	vmks_ring_put(ring, vmkp_sess.ring_size, tail, &d, sizeof(d));
	vmkp_iov_init(&c, iov, cnt);
	vmkp_iov_to_ring(&c, ring, tail + sizeof(d), len);
	vmks_store(&sl->tx.tail, tail + VMKS_DGRAM_SPACE(len));
	vmkp_doorbell(s);
}

ssize_t vmkp_udp_send(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags,
		      const struct vmkp_dest *dst)
{
	size_t len = vmkp_iov_total(iov, cnt);
	uint64_t space = VMKS_DGRAM_SPACE(len);
	struct vmkp_dest peer = { s->peer_addr, s->peer_port };
	int64_t deadline = -2;
	ssize_t r = 0;
	int err;

	if (!dst && !s->udp_connected)
		return -EDESTADDRREQ;
	if (len > VMKS_DGRAM_MAX || space > vmkp_sess.ring_size)
		return -EMSGSIZE;
	if (s->shut_wr)
		return vmkp_epipe(flags);
	pthread_mutex_lock(&s->tx_mu);
	if (!s->bound && (err = vmkp_sock_autobind(s)) < 0) {
		pthread_mutex_unlock(&s->tx_mu);
		return err;
	}
	for (;;) {
		if (vmkp_load32(&vmkp_slot(s)->state) == VMKS_ST_CLOSED) {
			r = -EPIPE;
			break;
		}
		want_space = space;
		if (room_for_record(s) || vmkp_tx_block(s, fd, room_for_record)) {
			put_record(s, iov, cnt, len, dst ? dst : &peer);
			r = (ssize_t)len;
			break;
		}
		if (nonblocking(s, flags)) {
			r = -EAGAIN;
			break;
		}
		if (deadline == -2)
			deadline = vmkp_deadline(&s->sndtimeo);
		if ((r = vmkp_wait(fd, POLLOUT, deadline)) < 0)
			break;
	}
	pthread_mutex_unlock(&s->tx_mu);
	return r;
}

/* ---- recv ------------------------------------------------------------------- */

/* Take one record if there is one: its length, or -EAGAIN. */
static ssize_t take_record(struct vmkp_sock *s, const struct iovec *iov, int cnt, int flags,
			   struct vmkp_dest *src, int *msg_flags)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint64_t head = __atomic_load_n(&sl->rx.head, __ATOMIC_RELAXED), n = used(&sl->rx);
	size_t room = vmkp_iov_total(iov, cnt), k;
	uint8_t *ring = vmkp_ring(s, true);
	struct vmks_dgram d;
	struct vmkp_iov c;

	if (n < sizeof(d) || n > vmkp_sess.ring_size)
		return -EAGAIN;
	vmks_ring_get(ring, vmkp_sess.ring_size, head, &d, sizeof(d));
	if (d.len > VMKS_DGRAM_MAX || VMKS_DGRAM_SPACE(d.len) > n)
		return -EAGAIN;             /* not published whole: vmknetd's bug */
	k = d.len < room ? d.len : room;
	vmkp_iov_init(&c, iov, cnt);
	vmkp_ring_to_iov(&c, ring, head + sizeof(d), k);
	if (src) {
		src->addr = d.addr;
		src->port = d.port;
	}
	if (k < d.len && msg_flags)
		*msg_flags |= MSG_TRUNC;
	if (!(flags & MSG_PEEK)) {
		vmks_store(&sl->rx.head, head + VMKS_DGRAM_SPACE(d.len));
		if (vmks_flag_take(&sl->rx_wait))
			vmkp_doorbell(s);
	}
	return (flags & MSG_TRUNC) ? (ssize_t)d.len : (ssize_t)k;
}

ssize_t vmkp_udp_recv(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags,
		      struct vmkp_dest *src, int *msg_flags)
{
	int64_t deadline = -2;
	ssize_t r;

	pthread_mutex_lock(&s->rx_mu);
	for (;;) {
		r = take_record(s, iov, cnt, flags, src, msg_flags);
		if (r >= 0) {
			if (!(flags & MSG_PEEK) && used(&vmkp_slot(s)->rx) == 0)
				vmkp_rx_quiet(s, fd);
			break;
		}
		if (s->shut_rd) {
			r = 0;
			break;
		}
		if (vmkp_load32(&vmkp_slot(s)->state) == VMKS_ST_CLOSED) {
			r = vmkp_take_err(s);
			r = r ? -r : -ECONNRESET;
			break;
		}
		if (vmkp_rx_quiet(s, fd))
			continue;
		if (nonblocking(s, flags))
			break;
		if (deadline == -2)
			deadline = vmkp_deadline(&s->rcvtimeo);
		if ((r = vmkp_wait(fd, POLLIN, deadline)) < 0)
			break;
	}
	pthread_mutex_unlock(&s->rx_mu);
	return r;
}
