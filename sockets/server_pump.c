/*
 * The data pumps: each slot's tx ring into its socket and its socket into
 * the rx ring (TCP: the byte stream; UDP: one record per datagram), the
 * readiness of the process's fd A (a token through B, B drained, B shut),
 * and the closes that wait for the tx ring to be sent. Runs on a slot's
 * vmk_epoll events and on its dirty bit.
 *
 * Every index the process writes is read once per pump and checked
 * against this side's private copy (tail - head within the ring, never
 * backwards, a record within what was published): a violation ends the
 * session. No allocation, lock or system call per packet here beyond the
 * library's calls and the token/drain writes on B.
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
#include <vmknet/udp.h>

#include "sockets/server_impl.h"

void srv_publish(struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];
	struct vmks_slot *sh = srv_shm_slot(ss, i);

	__atomic_store_n(&sh->gen, sl->gen, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->err, sl->err, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->events, sl->events, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->state, sl->state, __ATOMIC_SEQ_CST);
}

void srv_rx_signal(struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];

	if (vmks_flag_raise(&srv_shm_slot(ss, i)->rx_signalled))
		(void)!send(sl->fd_b, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* At most 64 reads: a process that writes A as fast as B is drained must
 * not hold the server thread (A's send buffer is far smaller anyway). */
void srv_drain_b(struct srv_slot *sl)
{
	char sink[4096];

	for (int k = 0; k < 64 && recv(sl->fd_b, sink, sizeof(sink), MSG_DONTWAIT) > 0; k++)
		;
}

void srv_conn_failed(struct vmks_session *ss, uint32_t i, int err)
{
	struct srv_slot *sl = &ss->slots[i];

	if (sl->state == VMKS_ST_CLOSED)
		return;
	sl->err = err < 0 ? -err : ECONNRESET;
	sl->state = VMKS_ST_CLOSED;
	sl->events |= VMKS_EV_ERR | VMKS_EV_HUP | VMKS_EV_WR_CLOSED;
	sl->tx_dead = sl->rd_done = true;
	srv_publish(ss, i);
	srv_rx_signal(ss, i);
	srv_drain_b(sl);
	shutdown(sl->fd_b, SHUT_RDWR);
}

void srv_slot_free(struct vmks_session *ss, uint32_t i, bool abort)
{
	struct srv_slot *sl = &ss->slots[i];

	if (!sl->in_use)
		return;
	if (sl->proto == VMKS_PROTO_TCP && abort)
		vmk_tcp_abort(sl->tcp);
	else if (sl->proto == VMKS_PROTO_TCP)
		vmk_tcp_close(sl->tcp);
	else
		vmk_udp_close(sl->udp);
	if (sl->fd_b >= 0)
		close(sl->fd_b);
	sl->fd_b = -1;
	sl->tcp = NULL;
	sl->in_use = sl->closing = false;
	sl->gen++;
	sl->state = VMKS_ST_FREE;
	sl->events = 0;
	sl->err = 0;
	srv_publish(ss, i);
	__atomic_fetch_sub(&ss->n_open, 1, __ATOMIC_RELAXED);
}

static void violation(struct vmks_session *ss, const char *why)
{
	srv_session_fail(ss, why);
}

/* The process's tx.tail, checked against the private head; false (the
 * session ends) when it breaks the rules. */
static bool tx_tail(struct vmks_session *ss, uint32_t i, uint64_t *tail)
{
	struct srv_slot *sl = &ss->slots[i];

	*tail = vmks_load(&srv_shm_slot(ss, i)->tx.tail);
	if (*tail < sl->tx_head || *tail - sl->tx_head > ss->ring_size) {
		violation(ss, "protocol violation: tx.tail out of the ring");
		return false;
	}
	return true;
}

/* The process's rx.head: within what was published, never backwards. */
static bool rx_head(struct vmks_session *ss, uint32_t i, uint64_t *head)
{
	struct srv_slot *sl = &ss->slots[i];

	*head = vmks_load(&srv_shm_slot(ss, i)->rx.head);
	if (*head < sl->rx_head || *head > sl->rx_tail) {
		violation(ss, "protocol violation: rx.head moved backwards or past rx.tail");
		return false;
	}
	sl->rx_head = *head;
	return true;
}

/* tx room freed: A becomes writable if the process made it not. */
static void tx_room(struct vmks_session *ss, uint32_t i, uint64_t tail)
{
	struct srv_slot *sl = &ss->slots[i];

	if (tail - sl->tx_head < ss->ring_size && vmks_flag_take(&srv_shm_slot(ss, i)->tx_blocked))
		srv_drain_b(sl);
}

static void tcp_tx(struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];
	uint8_t *data = vmks_ring_data(ss->shm, ss->data_offset, ss->ring_size, i, false);
	uint64_t tail, head0 = sl->tx_head;

	if (!tx_tail(ss, i, &tail))
		return;
	while (sl->tx_head < tail && !sl->tx_dead) {
		uint64_t off = sl->tx_head & (ss->ring_size - 1), len = tail - sl->tx_head;
		long n;

		if (len > ss->ring_size - off)
			len = ss->ring_size - off;
		n = vmk_tcp_send(sl->tcp, data + off, len, 0);
		if (n > 0) {
			sl->tx_head += (uint64_t)n;
			if ((uint64_t)n < len)
				break;   /* the send buffer is full: OUT comes when it drains */
			continue;
		}
		if (n == -EAGAIN)
			break;
		sl->tx_dead = true;   /* -EPIPE, -ECONNRESET, ...: sending is over */
		sl->events |= VMKS_EV_WR_CLOSED;
		srv_publish(ss, i);
		srv_rx_signal(ss, i);
	}
	if (sl->tx_dead)
		sl->tx_head = tail;   /* discarded */
	if (sl->tx_head != head0)
		vmks_store(&srv_shm_slot(ss, i)->tx.head, sl->tx_head);
	tx_room(ss, i, tail);
}

/* The peer's FIN (or reading shut down): A reads tokens, then EOF. */
static void rx_fin(struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];

	sl->rd_done = true;
	sl->events |= VMKS_EV_FIN;
	srv_publish(ss, i);
	srv_rx_signal(ss, i);
	shutdown(sl->fd_b, SHUT_WR);
}

/* Room 0: ask for a doorbell when the process consumes, then look once
 * more (it may just have). Returns the room. */
static uint64_t rx_full(struct vmks_session *ss, uint32_t i, uint64_t *head)
{
	struct srv_slot *sl = &ss->slots[i];

	__atomic_store_n(&srv_shm_slot(ss, i)->rx_wait, 1u, __ATOMIC_SEQ_CST);
	if (!rx_head(ss, i, head))
		return 0;
	return ss->ring_size - (sl->rx_tail - *head);
}

static void tcp_rx(struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];
	uint8_t *data = vmks_ring_data(ss->shm, ss->data_offset, ss->ring_size, i, true);
	uint64_t head, tail0 = sl->rx_tail;

	if (!rx_head(ss, i, &head))
		return;
	while (!sl->rd_done && sl->state == VMKS_ST_CONNECTED) {
		uint64_t room = ss->ring_size - (sl->rx_tail - head), off, len;
		long n;

		if (room == 0 && (room = rx_full(ss, i, &head)) == 0)
			break;
		off = sl->rx_tail & (ss->ring_size - 1);
		len = ss->ring_size - off < room ? ss->ring_size - off : room;
		n = vmk_tcp_recv(sl->tcp, data + off, len, 0);
		if (n > 0) {
			sl->rx_tail += (uint64_t)n;
			vmks_store(&srv_shm_slot(ss, i)->rx.tail, sl->rx_tail);
			continue;
		}
		if (n == -EAGAIN)
			break;
		if (sl->rx_tail != tail0)
			srv_rx_signal(ss, i);
		tail0 = sl->rx_tail;
		if (n == 0)
			rx_fin(ss, i);
		else
			srv_conn_failed(ss, i, (int)n);
	}
	if (sl->rx_tail != tail0)
		srv_rx_signal(ss, i);
}

/* A pending SHUTDOWN(WR) or graceful CLOSE, once the tx ring is sent. */
void srv_try_finish(struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];
	uint64_t tail;

	if (!sl->in_use || (!sl->closing && !(sl->shut_wr && !sl->wr_done)))
		return;
	if (!tx_tail(ss, i, &tail) || tail != sl->tx_head)
		return;
	if (sl->closing) {
		srv_slot_free(ss, i, false);
		return;
	}
	sl->wr_done = true;
	if (sl->state == VMKS_ST_CONNECTED)
		vmk_tcp_shutdown(sl->tcp, VMK_TCP_SHUT_WR);
	if (sl->rd_done && sl->state == VMKS_ST_CONNECTED) {
		sl->events |= VMKS_EV_HUP;   /* both directions finished */
		srv_publish(ss, i);
		srv_rx_signal(ss, i);
		shutdown(sl->fd_b, SHUT_RDWR);
	}
}

/* ---- UDP ------------------------------------------------------------------ */

static void udp_tx(struct vmks_server *srv, struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];
	uint8_t *data = vmks_ring_data(ss->shm, ss->data_offset, ss->ring_size, i, false);
	uint64_t tail, head0 = sl->tx_head;

	if (!tx_tail(ss, i, &tail))
		return;
	while (sl->tx_head < tail) {
		struct vmks_dgram d;
		uint64_t avail = tail - sl->tx_head;
		uint32_t dst;
		uint16_t port;

		if (avail < sizeof(d))
			goto bad;
		vmks_ring_get(data, ss->ring_size, sl->tx_head, &d, sizeof(d));
		if (d.len > VMKS_DGRAM_MAX || VMKS_DGRAM_SPACE(d.len) > avail)
			goto bad;
		vmks_ring_get(data, ss->ring_size, sl->tx_head + sizeof(d), srv->buf, d.len);
		sl->tx_head += VMKS_DGRAM_SPACE(d.len);
		dst = d.addr != 0 ? d.addr : sl->peer_addr;
		port = d.addr != 0 ? d.port : sl->peer_port;
		if (dst == 0 || (sl->events & VMKS_EV_WR_CLOSED) ||
		    vmk_udp_sendto(sl->udp, srv->buf, d.len, dst, port) < 0)
			sl->drops++;
	}
	if (sl->tx_head != head0)
		vmks_store(&srv_shm_slot(ss, i)->tx.head, sl->tx_head);
	tx_room(ss, i, tail);
	return;
bad:
	violation(ss, "protocol violation: a UDP record longer than the datagram limit or "
		  "than what was published");
}

static void udp_rx(struct vmks_server *srv, struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];
	uint8_t *data = vmks_ring_data(ss->shm, ss->data_offset, ss->ring_size, i, true);
	uint64_t head, tail0 = sl->rx_tail;

	if (!rx_head(ss, i, &head))
		return;
	while (!sl->rd_done) {
		struct vmks_dgram d = { 0 };
		int n = vmk_udp_recvfrom(sl->udp, srv->buf, sizeof(srv->buf), &d.addr, &d.port, 0);

		if (n < 0)
			break;
		d.len = (uint32_t)n > VMKS_DGRAM_MAX ? VMKS_DGRAM_MAX : (uint32_t)n;
		if (VMKS_DGRAM_SPACE(d.len) > ss->ring_size - (sl->rx_tail - head) &&
		    (!rx_head(ss, i, &head) ||
		     VMKS_DGRAM_SPACE(d.len) > ss->ring_size - (sl->rx_tail - head))) {
			sl->drops++;   /* no room: dropped, as a full socket buffer would */
			continue;
		}
		vmks_ring_put(data, ss->ring_size, sl->rx_tail, &d, sizeof(d));
		vmks_ring_put(data, ss->ring_size, sl->rx_tail + sizeof(d), srv->buf, d.len);
		sl->rx_tail += VMKS_DGRAM_SPACE(d.len);
		vmks_store(&srv_shm_slot(ss, i)->rx.tail, sl->rx_tail);
	}
	if (sl->rx_tail != tail0)
		srv_rx_signal(ss, i);
}

void srv_pump(struct vmks_server *srv, struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];

	if (!sl->in_use || ss->dead)
		return;
	if (sl->proto == VMKS_PROTO_UDP) {
		udp_tx(srv, ss, i);
		if (!ss->dead && !sl->closing)
			udp_rx(srv, ss, i);
		if (!ss->dead && sl->closing)
			srv_try_finish(ss, i);
		return;
	}
	if (sl->state == VMKS_ST_CLOSED)
		sl->tx_dead = true;
	if (sl->state == VMKS_ST_CONNECTED || sl->state == VMKS_ST_CLOSED) {
		tcp_tx(ss, i);
	} else {
		uint64_t idx;

		/* nothing to move yet, but a broken index is broken now */
		if (!tx_tail(ss, i, &idx) || !rx_head(ss, i, &idx))
			return;
	}
	if (!ss->dead && !sl->closing && sl->state == VMKS_ST_CONNECTED)
		tcp_rx(ss, i);
	if (!ss->dead)
		srv_try_finish(ss, i);
}

void srv_publish_mss(struct vmks_server *srv, struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];
	uint32_t la, fa, mss = 0;
	uint16_t lp, fp;
	unsigned int n;

	if (vmk_tcp_getsockname(sl->tcp, &la, &lp) < 0 || vmk_tcp_getpeername(sl->tcp, &fa, &fp) < 0)
		return;
	n = vmk_tcp_conn_list(srv->host, ss->netstack, srv->conns, SRV_CONNS);
	for (unsigned int k = 0; k < n && k < SRV_CONNS && mss == 0; k++) {
		const struct vmk_tcp_conn *c = &srv->conns[k];

		if (c->local_addr == la && c->local_port == lp && c->foreign_addr == fa &&
		    c->foreign_port == fp)
			mss = c->mss;
	}
	__atomic_store_n(&srv_shm_slot(ss, i)->mss, mss, __ATOMIC_RELAXED);
}

/* A connecting socket's event: established, failed, or still under way. */
static void connect_event(struct vmks_server *srv, struct vmks_session *ss, uint32_t i)
{
	struct srv_slot *sl = &ss->slots[i];
	enum vmk_tcp_state st = vmk_tcp_state(sl->tcp);
	int err;

	if (st == VMK_TCP_SYN_SENT || st == VMK_TCP_SYN_RECEIVED)
		return;
	if (st == VMK_TCP_CLOSED) {
		err = vmk_tcp_error(sl->tcp);
		srv_conn_failed(ss, i, err < 0 ? err : -ECONNREFUSED);
		return;
	}
	srv_publish_mss(srv, ss, i);
	sl->state = VMKS_ST_CONNECTED;
	srv_publish(ss, i);
	vmks_flag_take(&srv_shm_slot(ss, i)->tx_blocked);
	srv_drain_b(sl);
	srv_pump(srv, ss, i);
}

void srv_slot_event(struct vmks_server *srv, struct vmks_session *ss, uint32_t i,
		    uint32_t events)
{
	struct srv_slot *sl = &ss->slots[i];
	int err;

	if (!sl->in_use)
		return;
	if (sl->proto == VMKS_PROTO_UDP) {
		srv_pump(srv, ss, i);
		return;
	}
	switch (sl->state) {
	case VMKS_ST_LISTENING:
		if (events & VMK_EPOLLIN) {
			sl->events |= VMKS_EV_ACCEPT;
			srv_publish(ss, i);
			srv_rx_signal(ss, i);
		}
		return;
	case VMKS_ST_CONNECTING:
		connect_event(srv, ss, i);
		return;
	case VMKS_ST_CONNECTED:
		srv_pump(srv, ss, i);
		if (!ss->dead && sl->in_use && sl->state == VMKS_ST_CONNECTED &&
		    (events & VMK_EPOLLERR) && (err = vmk_tcp_error(sl->tcp)) < 0)
			srv_conn_failed(ss, i, err);
		return;
	default:
		srv_pump(srv, ss, i);   /* CLOSED: a close may wait; OPEN: nothing */
	}
}

void srv_doorbell(struct vmks_server *srv, struct vmks_session *ss)
{
	struct vmks_shm_hdr *h = ss->shm;
	uint64_t v;

	if (read(ss->doorbell, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		srv_session_fail(ss, "its doorbell failed");
		return;
	}
	__atomic_store_n(&h->doorbell_armed, 0u, __ATOMIC_SEQ_CST);
	for (uint32_t w = 0; w < (ss->n_slots + 63) / 64 && !ss->dead; w++) {
		uint64_t bits = __atomic_exchange_n(&h->dirty[w], 0, __ATOMIC_SEQ_CST);

		while (bits != 0 && !ss->dead) {
			uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(bits);

			bits &= bits - 1;
			if (i < ss->n_slots)
				srv_pump(srv, ss, i);
		}
	}
}
