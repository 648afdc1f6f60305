/*
 * TCP send queue on mbufs (see tcp.h): the bytes from SND.UNA on, as the
 * segments they were written or handed in with. The copying call fills the
 * tail's tailroom, then new mbufs from the netstack's pool (the whole
 * buffer, no headroom: headers travel in a segment of their own); a chain
 * from vmk_tcp_send_mbuf is linked in as it is. A segment's payload is a
 * chain of indirect mbufs from the clone pool over the queued buffers
 * (sndq_slice), so data is not copied on its way out and a
 * retransmission is the same slice again; only a payload of at most
 * SNDQ_COPY_MAX bytes is copied behind its headers instead, which costs
 * less than a clone's allocation and reference counts (1-byte
 * request/response: 0.3 us a transaction). Acknowledged segments are
 * freed from the head; DPDK's reference counts keep a buffer alive while a
 * clone of it is in flight. Queued bytes are never written again: the
 * copying path only ever writes past the tail's data, and only into a tail
 * it allocated itself (tail_own), never into a segment the application or
 * a peer may share; an acknowledged tail of its own that no clone
 * references any more is kept, emptied, for the next write.
 *
 * Lock held (see tcp.h).
 */
#include <errno.h>
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

#define SNDQ_COPY_MAX 256u

static void link_tail(struct tcp_sndq *q, struct rte_mbuf *s)
{
	if (q->tail != NULL)
		q->tail->next = s;
	else
		q->head = s;
	q->tail = s;
}

uint32_t tcp_sndq_write(struct tcp_sndq *q, struct rte_mempool *pool, const void *src,
			uint32_t n)
{
	const uint8_t *from = src;
	uint32_t done = 0;

	n = RTE_MIN(n, tcp_sndq_room(q));
	while (done < n) {
		struct rte_mbuf *t = q->tail;
		uint32_t k;

		if (t == NULL || !q->tail_own || rte_pktmbuf_tailroom(t) == 0) {
			t = rte_pktmbuf_alloc(pool);
			if (t == NULL)
				break;
			t->data_off = 0;      /* headers go in a segment of their own */
			link_tail(q, t);
			q->tail_own = true;
		}
		k = RTE_MIN(n - done, (uint32_t)rte_pktmbuf_tailroom(t));
		memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), from + done, k);
		t->data_len = (uint16_t)(t->data_len + k);
		done += k;
	}
	q->len += done;
	return done;
}

void tcp_sndq_append(struct tcp_sndq *q, struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *nx = m->next;

		m->next = NULL;
		if (m->data_len == 0) {           /* nothing to send from it */
			rte_pktmbuf_free_seg(m);
		} else {
			q->len += m->data_len;
			link_tail(q, m);
		}
		m = nx;
	}
	q->tail_own = false;                  /* the application's: never written */
}

void tcp_sndq_consume(struct tcp_sndq *q, uint32_t n)
{
	q->len -= n;
	if (q->cur != NULL && q->cur_off >= n)
		q->cur_off -= n;
	else
		q->cur = NULL;                    /* at or below the new head: walk again */
	while (n > 0) {
		struct rte_mbuf *h = q->head;

		if (h->data_len > n) {            /* the rest of it is still queued */
			h->data_off = (uint16_t)(h->data_off + n);
			h->data_len = (uint16_t)(h->data_len - n);
			break;
		}
		n -= h->data_len;
		if (h == q->tail && q->tail_own && rte_mbuf_refcnt_read(h) == 1) {
			h->data_off = 0;          /* ours alone: the next write reuses it */
			h->data_len = 0;
			q->cur = NULL;
			break;
		}
		q->head = h->next;
		h->next = NULL;
		if (q->head == NULL) {
			q->tail = NULL;
			q->tail_own = false;
		}
		rte_pktmbuf_free_seg(h);          /* the buffer lives on in its clones */
	}
}

void tcp_sndq_free(struct tcp_sndq *q)
{
	while (q->head != NULL) {
		struct rte_mbuf *h = q->head;

		q->head = h->next;
		h->next = NULL;
		rte_pktmbuf_free_seg(h);
	}
	q->tail = q->cur = NULL;
	q->len = q->cur_off = 0;
	q->tail_own = false;
}

/* The queued segment holding byte off, and its own offset from the head.
 * Output walks forward from SND.NXT, so the segment the last slice ended
 * in is usually the place to start. */
static struct rte_mbuf *seek(const struct tcp_sndq *q, uint32_t off, uint32_t *seg_off)
{
	struct rte_mbuf *s = q->head;
	uint32_t at = 0;

	if (q->cur != NULL && q->cur_off <= off) {
		s = q->cur;
		at = q->cur_off;
	}
	while (off - at >= s->data_len) {
		at += s->data_len;
		s = s->next;
	}
	*seg_off = at;
	return s;
}

/* The payload [SND.UNA + off, + len) (off + len <= sndq.len) as a chain of
 * indirect mbufs from the netstack's clone pool over the queued buffers:
 * no byte is copied. NULL when the clone pool is empty. */
static struct rte_mbuf *sndq_slice(struct vmk_tcp_sock *p, uint32_t off, uint32_t len)
{
	struct tcp_sndq *q = &p->sndq;
	struct rte_mbuf *head = NULL, *last = NULL, *s;
	uint32_t at, done = 0;
	uint16_t n = 0;

	s = seek(q, off, &at);
	while (done < len) {
		struct rte_mbuf *c = rte_pktmbuf_alloc(p->ns->clone_pool);
		uint32_t in = off + done - at;    /* where the slice starts in s */
		uint32_t k = RTE_MIN(len - done, (uint32_t)s->data_len - in);

		if (c == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		rte_pktmbuf_attach(c, s);
		c->data_off = (uint16_t)(c->data_off + in);
		c->data_len = (uint16_t)k;
		if (last != NULL)
			last->next = c;
		else
			head = c;
		last = c;
		n++;
		done += k;
		if (in + k == s->data_len && done < len) {
			do {                      /* an emptied tail kept for reuse */
				at += s->data_len;
				s = s->next;
			} while (s->data_len == 0);
		}
	}
	q->cur = s;
	q->cur_off = at;
	head->pkt_len = len;
	head->nb_segs = n;
	return head;
}

/* Copy [off, off + len) of the queue to dst. */
static void sndq_read(struct tcp_sndq *q, uint32_t off, uint8_t *dst, uint32_t len)
{
	uint32_t at;
	struct rte_mbuf *s = seek(q, off, &at);

	q->cur = s;
	q->cur_off = at;
	pkt_read(s, off - at, dst, len);
}

int tcp_sndq_payload(struct vmk_tcp_sock *p, struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	struct rte_mbuf *pl;

	if (len <= SNDQ_COPY_MAX && m->next == NULL && rte_pktmbuf_tailroom(m) >= len) {
		sndq_read(&p->sndq, off, rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), len);
		m->data_len = (uint16_t)(m->data_len + len);
		m->pkt_len += len;
		return 0;
	}
	pl = sndq_slice(p, off, len);
	if (pl == NULL)
		return -ENOBUFS;
	if (rte_pktmbuf_chain(m, pl) != 0) {
		rte_pktmbuf_free(pl);
		return -ENOBUFS;
	}
	return 0;
}
