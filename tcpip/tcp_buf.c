/*
 * TCP storage: byte rings for the send and receive buffers (bounded, sized
 * per socket) and the out-of-order assembler of the receive side. Received
 * segments beyond a hole are written straight into the receive ring at
 * their place; the assembler remembers which ranges are filled, so when the
 * hole closes the data is already in order. Lock held (see tcp.h).
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

int ring_init(struct tcp_ring *r, uint32_t size)
{
	r->buf = rte_malloc("vmk_tcp_buf", size, 0);
	if (r->buf == NULL)
		return -ENOMEM;
	r->size = size;
	r->head = 0;
	r->len = 0;
	return 0;
}

void ring_fini(struct tcp_ring *r)
{
	rte_free(r->buf);
	r->buf = NULL;
	r->size = r->len = r->head = 0;
}

/* The physical position of logical offset off and the bytes up to the end. */
static inline uint32_t ring_pos(const struct tcp_ring *r, uint32_t off, uint32_t *contig)
{
	uint32_t pos = r->head + off;

	if (pos >= r->size)
		pos -= r->size;
	*contig = r->size - pos;
	return pos;
}

void ring_write_at(struct tcp_ring *r, uint32_t off, const void *src, uint32_t n)
{
	const uint8_t *s = src;

	while (n > 0) {
		uint32_t contig, pos = ring_pos(r, off, &contig), k = RTE_MIN(n, contig);

		memcpy(r->buf + pos, s, k);
		s += k;
		off += k;
		n -= k;
	}
}

void ring_write_mbuf(struct tcp_ring *r, uint32_t off, const struct rte_mbuf *m,
		     uint32_t src_off, uint32_t n)
{
	for (; m != NULL && n > 0; m = m->next) {
		uint32_t k;

		if (src_off >= m->data_len) {
			src_off -= m->data_len;
			continue;
		}
		k = RTE_MIN(n, (uint32_t)m->data_len - src_off);
		ring_write_at(r, off, rte_pktmbuf_mtod_offset(m, const uint8_t *, src_off), k);
		off += k;
		n -= k;
		src_off = 0;
	}
}

void ring_read_at(const struct tcp_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint8_t *d = dst;

	while (n > 0) {
		uint32_t contig, pos = ring_pos(r, off, &contig), k = RTE_MIN(n, contig);

		memcpy(d, r->buf + pos, k);
		d += k;
		off += k;
		n -= k;
	}
}

void ring_read_mbuf(const struct tcp_ring *r, uint32_t off, struct rte_mbuf *m,
		    uint32_t dst_off, uint32_t n)
{
	for (; m != NULL && n > 0; m = m->next) {
		uint32_t k;

		if (dst_off >= m->data_len) {
			dst_off -= m->data_len;
			continue;
		}
		k = RTE_MIN(n, (uint32_t)m->data_len - dst_off);
		ring_read_at(r, off, rte_pktmbuf_mtod_offset(m, uint8_t *, dst_off), k);
		off += k;
		n -= k;
		dst_off = 0;
	}
}

/* The head only ever moves forward, even when the ring empties: out-of-order
 * data may sit beyond len at offsets from the head. */
void ring_consume(struct tcp_ring *r, uint32_t n)
{
	uint32_t contig;

	r->head = ring_pos(r, n, &contig);
	r->len -= n;
}

/* ---- out-of-order assembler ----------------------------------------- */

int ooo_add(struct tcp_ooo *o, uint32_t s, uint32_t e)
{
	uint32_t i, j;

	/* First range ending at or after s: it and any later ones that start
	 * at or before e merge with [s, e). */
	for (i = 0; i < o->n && seq_lt(o->r[i][1], s); i++)
		;
	for (j = i; j < o->n && seq_le(o->r[j][0], e); j++) {
		if (seq_lt(o->r[j][0], s))
			s = o->r[j][0];
		if (seq_gt(o->r[j][1], e))
			e = o->r[j][1];
	}
	if (j == i) {                   /* no overlap: insert at i */
		if (o->n == TCP_OOO_RANGES)
			return -ENOSPC;
		memmove(o->r[i + 1], o->r[i], (o->n - i) * sizeof(o->r[0]));
		o->n++;
	} else if (j > i + 1) {         /* ranges i..j-1 become one */
		memmove(o->r[i + 1], o->r[j], (o->n - j) * sizeof(o->r[0]));
		o->n = (uint8_t)(o->n - (j - i - 1));
	}
	o->r[i][0] = s;
	o->r[i][1] = e;
	return 0;
}

uint32_t ooo_advance(struct tcp_ooo *o, uint32_t nxt)
{
	uint32_t k = 0;

	while (k < o->n && seq_le(o->r[k][0], nxt)) {
		if (seq_gt(o->r[k][1], nxt))
			nxt = o->r[k][1];
		k++;
	}
	if (k > 0) {
		memmove(o->r[0], o->r[k], (o->n - k) * sizeof(o->r[0]));
		o->n = (uint8_t)(o->n - k);
	}
	return nxt;
}
