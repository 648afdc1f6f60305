/*
 * TCP receive queue on mbufs (see tcp.h): received segments are kept as
 * they arrived, headers cut off, trimmed to the bytes accepted. In-order
 * data is one chain the reader copies from (vmk_tcp_recv) or detaches
 * (vmk_tcp_recv_mbuf); data beyond a hole is one chain per range of
 * p->ooo, in sequence order with no byte held twice, which joins the
 * in-order chain when the hole fills. The ranges are a sorted table
 * (found by binary search), allocated on the first reordering and sized
 * by the memory bound below, so every segment the window lets in can be
 * held however many holes there are. Bytes that arrive again (held
 * already beyond a hole, or covered by a retransmission) are noted for
 * a D-SACK (RFC 2883).
 *
 * Memory. A held segment pins more than its payload: its whole buffer and
 * the mbuf itself (an indirect one, e.g. a clone of a local peer's send
 * queue, also its own unused data room). That is its charge, like Linux's
 * truesize; consecutive segments on one buffer (a local peer's slices)
 * count the buffer once. The queue may pin at most mem_max = 2 x the
 * receive buffer + a reserve of 4 pool mbufs, and the window offered is
 * the smaller of the buffer's free bytes and half the free memory beyond
 * the reserve, so what is offered can be held at a payload/charge ratio of
 * 1/2: full-size segments (MTU 1500 in 2 KiB mbufs: 0.63; jumbo frames or a
 * local peer's slices: 0.8 and more) never feel the second bound. Smaller
 * ones are compacted by copying: a segment with less than half its charge
 * as payload goes into the tailroom of the chain it joins when that tail
 * is the stack's alone (direct, one reference), or into new full mbufs
 * once the queue pins more than half its bound; only the last mbuf of a
 * run is then partly filled (the reserve). A segment that still does not
 * fit is dropped and counted (rcv_memory); one that needs an mbuf the pool
 * does not have is dropped and counted (no_memory). So a peer pins at most
 * mem_max per connection, whatever it sends.
 *
 * Lock held (see tcp.h).
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

#define RCV_RESERVE_MBUFS 4u

static inline bool same_buf(const struct rte_mbuf *a, const struct rte_mbuf *b)
{
	return a != NULL && b != NULL && a->buf_addr == b->buf_addr;
}

/* What segment s pins when it follows prev in a chain (prev NULL: first). */
static uint32_t charge(const struct rte_mbuf *s, const struct rte_mbuf *prev)
{
	uint32_t c = (uint32_t)sizeof(struct rte_mbuf) + rte_pktmbuf_priv_size(s->pool);

	if (!RTE_MBUF_DIRECT(s))
		c += rte_pktmbuf_data_room_size(s->pool);
	if (!same_buf(prev, s))
		c += s->buf_len;
	return c;
}

static uint32_t chain_charge(const struct rte_mbuf *m, const struct rte_mbuf *prev)
{
	uint32_t c = 0;

	for (; m != NULL; prev = m, m = m->next)
		c += charge(m, prev);
	return c;
}

static struct rte_mbuf *last_seg(struct rte_mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

/* Nobody else sees this segment's buffer: its tailroom may be written. */
static inline bool exclusive(const struct rte_mbuf *m)
{
	return m != NULL && RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1;
}

void tcp_rcvq_init(struct vmk_tcp_sock *p)
{
	struct rte_mempool *mp = p->ns->pool;
	uint32_t elt = (uint32_t)sizeof(struct rte_mbuf) + rte_pktmbuf_priv_size(mp) +
		       rte_pktmbuf_data_room_size(mp);

	p->rcvq.size = p->rcv_size;
	p->rcvq.reserve = RCV_RESERVE_MBUFS * elt;
	p->rcvq.mem_max = 2u * p->rcv_size + p->rcvq.reserve;
}

uint32_t tcp_rcvq_window(const struct vmk_tcp_sock *p)
{
	const struct tcp_rcvq *q = &p->rcvq;
	uint32_t bytes, mem;

	if (q->mem_max == 0)
		return 0;
	bytes = q->size - q->len;
	mem = q->mem + q->reserve < q->mem_max ? (q->mem_max - q->reserve - q->mem) / 2 : 0;
	return RTE_MIN(bytes, mem);
}

/* ---- chains ------------------------------------------------------------ */

/* Drop the first n bytes of chain m (n < its length). Returns the new head. */
static struct rte_mbuf *cut_front(struct rte_mbuf *m, uint32_t n)
{
	while (n > 0 && n >= m->data_len) {
		struct rte_mbuf *nx = m->next;

		n -= m->data_len;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = nx;
	}
	m->data_off = (uint16_t)(m->data_off + n);
	m->data_len = (uint16_t)(m->data_len - n);
	return m;
}

/* Keep the first n > 0 bytes of chain m, dropping empty segments; the head
 * gets pkt_len and nb_segs. */
static struct rte_mbuf *cut_back(struct rte_mbuf *m, uint32_t n)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t left = n;
	uint16_t segs = 0;

	while (m != NULL) {
		struct rte_mbuf *nx = m->next;

		m->next = NULL;
		if (left == 0 || m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
		} else {
			if (m->data_len > left)
				m->data_len = (uint16_t)left;
			left -= m->data_len;
			if (last != NULL)
				last->next = m;
			else
				head = m;
			last = m;
			segs++;
		}
		m = nx;
	}
	head->pkt_len = n;
	head->nb_segs = segs;
	return head;
}

/* The payload bytes [off, off + len) of the received segment m, as a chain
 * of their own. A segment someone else still references (a flooded frame)
 * is cloned first: its mbufs' fields are not ours to change. NULL when
 * that clone finds no mbuf (m freed). */
static struct rte_mbuf *payload(struct netstack *ns, struct rte_mbuf *m, uint32_t off,
				uint32_t len)
{
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		if (rte_mbuf_refcnt_read(s) != 1) {
			struct rte_mbuf *c = rte_pktmbuf_clone(m, ns->clone_pool);

			rte_pktmbuf_free(m);
			if (c == NULL)
				return NULL;
			m = c;
			break;
		}
	}
	return cut_back(cut_front(m, off), len);
}

/* Copy chain m (len bytes): the first in_tail into the tailroom of tail,
 * the rest into new mbufs filled whole. Returns the chain of new mbufs
 * (NULL when everything went to tail) with *ok true, m freed; or, with
 * *ok false (no mbuf), leaves m and tail as they were. */
static struct rte_mbuf *compact(struct netstack *ns, struct rte_mbuf *m, uint32_t len,
				struct rte_mbuf *tail, uint32_t in_tail, bool *ok)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t done = in_tail;
	uint16_t segs = 0;

	*ok = false;
	while (done < len) {                  /* allocate first: m must survive a failure */
		struct rte_mbuf *f = rte_pktmbuf_alloc(ns->pool);

		if (f == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		f->data_off = 0;
		f->data_len = (uint16_t)RTE_MIN(len - done, (uint32_t)f->buf_len);
		done += f->data_len;
		if (last != NULL)
			last->next = f;
		else
			head = f;
		last = f;
		segs++;
	}
	if (in_tail > 0) {
		pkt_read(m, 0, rte_pktmbuf_mtod_offset(tail, uint8_t *, tail->data_len), in_tail);
		tail->data_len = (uint16_t)(tail->data_len + in_tail);
	}
	done = in_tail;
	for (struct rte_mbuf *f = head; f != NULL; f = f->next) {
		pkt_read(m, done, rte_pktmbuf_mtod(f, uint8_t *), f->data_len);
		done += f->data_len;
	}
	if (head != NULL) {
		head->pkt_len = len - in_tail;
		head->nb_segs = segs;
	}
	rte_pktmbuf_free(m);
	*ok = true;
	return head;
}

/* Admission of the chain *m (len bytes) joining after tail and before
 * next (either NULL), while `freed` bytes of charge leave the queue with
 * it: compacts a poorly filled chain (see the top of the file) and checks
 * the bound. Returns 0 with *m the chain to link (NULL: all in tail now)
 * and *delta what the queue's charge changes by (negative when the join
 * makes two runs on one buffer count it once); or -ENOMEM (over the
 * bound) or -ENOBUFS (no mbuf to compact into), with *m still the
 * caller's and nothing changed. */
static int admit(struct vmk_tcp_sock *p, struct rte_mbuf **m, uint32_t len, struct rte_mbuf *tail,
		 const struct rte_mbuf *next, uint32_t freed, int64_t *delta)
{
	struct tcp_rcvq *q = &p->rcvq;
	struct rte_mempool *mp = p->ns->pool;
	int64_t base = (int64_t)q->mem - freed, d = chain_charge(*m, tail);
	uint32_t in_tail = exclusive(tail) ? RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(tail)) : 0;

	if (same_buf(last_seg(*m), next))
		d -= next->buf_len;
	if (d > 2 * (int64_t)len && (in_tail == len || base + d > q->mem_max / 2)) {
		uint32_t room = rte_pktmbuf_data_room_size(mp);
		int64_t dc = (int64_t)((len - in_tail + room - 1) / room) *
			     (int64_t)(sizeof(struct rte_mbuf) + rte_pktmbuf_priv_size(mp) + room);
		bool ok = false;
		struct rte_mbuf *c;

		if (base + dc > q->mem_max)
			return -ENOMEM;
		c = compact(p->ns, *m, len, tail, in_tail, &ok);
		if (ok) {
			*m = c;
			d = dc;
		} else if (base + d > q->mem_max) {
			return -ENOBUFS;
		}
	}
	if (base + d > q->mem_max)
		return -ENOMEM;
	*delta = d;
	return 0;
}

/* ---- ranges beyond a hole ----------------------------------------------- */

/* Every range holds at least one segment, and a segment pins at least an
 * mbuf and a buffer, so the memory bound caps the ranges there can be: the
 * table is sized for that (a buffer of the pool's size; smaller foreign
 * buffers could make more, and find the table full: -ENOSPC). */
static uint32_t ooo_cap_wanted(const struct vmk_tcp_sock *p)
{
	uint32_t seg = (uint32_t)sizeof(struct rte_mbuf) +
		       rte_pktmbuf_data_room_size(p->ns->pool);

	return RTE_MAX(p->rcvq.mem_max / seg + 1u, 8u);
}

/* Room for one more range: allocates the table on first use, grows it
 * when the bound grew since (both rare, off the per-segment path).
 * Returns 0 or -ENOSPC. */
static int ooo_room(struct vmk_tcp_sock *p)
{
	struct tcp_oooq *o = &p->ooo;
	uint32_t want;
	void *t;

	if (o->n < o->cap)
		return 0;
	want = ooo_cap_wanted(p);
	if (want <= o->cap)
		return -ENOSPC;
	if (o->r == NULL)
		t = rte_malloc("vmk_tcp_ooo", (size_t)want * sizeof(o->r[0]), 0);
	else
		t = rte_realloc(o->r, (size_t)want * sizeof(o->r[0]), 0);
	if (t == NULL)
		return -ENOSPC;
	o->r = t;
	o->cap = want;
	return 0;
}

/* Sequence numbers in the ranges' order: offsets from RCV.NXT (every range
 * lies above it). */
static inline uint32_t rel(const struct vmk_tcp_sock *p, uint32_t x)
{
	return x - p->rcv_nxt;
}

/* The first range whose end is at or after x (o->n: none). */
static uint32_t ooo_search(const struct vmk_tcp_sock *p, uint32_t x)
{
	const struct tcp_oooq *o = &p->ooo;
	uint32_t lo = 0, hi = o->n, rx = rel(p, x);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rel(p, o->r[mid].e) < rx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t tcp_rcvq_range_holding(const struct vmk_tcp_sock *p, uint32_t seq)
{
	uint32_t i = ooo_search(p, seq + 1u);

	return i < p->ooo.n && seq_le(p->ooo.r[i].s, seq) ? i : p->ooo.n;
}

/* Ranges [lo, hi) become the one range nr (lo == hi: nr is inserted at
 * lo; the caller made room). */
static void ooo_splice(struct tcp_oooq *o, uint32_t lo, uint32_t hi, const struct tcp_ooo_range *nr)
{
	memmove(&o->r[lo + 1], &o->r[hi], (o->n - hi) * sizeof(o->r[0]));
	o->r[lo] = *nr;
	o->n = o->n - (hi - lo) + 1u;
}

static uint32_t ranges_charge(const struct vmk_tcp_sock *p, uint32_t lo, uint32_t hi)
{
	uint32_t c = 0;

	for (uint32_t i = lo; i < hi; i++)
		c += chain_charge(p->ooo.r[i].head, NULL);
	return c;
}

/* Free the data of ranges [lo, hi) and forget them. */
static void ranges_drop(struct vmk_tcp_sock *p, uint32_t lo, uint32_t hi)
{
	struct tcp_oooq *o = &p->ooo;

	if (lo == hi)
		return;
	for (uint32_t i = lo; i < hi; i++) {
		p->rcvq.mem -= chain_charge(o->r[i].head, NULL);
		rte_pktmbuf_free(o->r[i].head);
	}
	memmove(&o->r[lo], &o->r[hi], (o->n - hi) * sizeof(o->r[0]));
	o->n -= hi - lo;
}

/* ---- input -------------------------------------------------------------- */

/* Link chain m (len bytes; NULL: already in the tail) after the in-order
 * data. */
static void inorder_link(struct vmk_tcp_sock *p, struct rte_mbuf *m, uint32_t len)
{
	struct tcp_rcvq *q = &p->rcvq;

	if (m != NULL) {
		if (q->tail != NULL)
			q->tail->next = m;
		else
			q->head = m;
		q->tail = last_seg(m);
	}
	q->len += len;
	p->rcv_nxt += len;
}

/* The hole is filled up to the first range: it joins the in-order data. */
static void join_first(struct vmk_tcp_sock *p)
{
	struct tcp_rcvq *q = &p->rcvq;
	struct tcp_ooo_range *r = &p->ooo.r[0];

	if (same_buf(q->tail, r->head))
		q->mem -= r->head->buf_len;
	if (q->tail != NULL)
		q->tail->next = r->head;
	else
		q->head = r->head;
	q->tail = r->tail;
	q->len += r->e - r->s;
	p->rcv_nxt = r->e;
	memmove(&p->ooo.r[0], &p->ooo.r[1], (p->ooo.n - 1u) * sizeof(p->ooo.r[0]));
	p->ooo.n--;
}

static int input_in_order(struct vmk_tcp_sock *p, struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	struct tcp_rcvq *q = &p->rcvq;
	uint32_t e = seq + len, k;
	int64_t delta;
	int ret;

	/* Ranges 0..k-1 lie within the segment and go; range k, when the
	 * segment reaches into it, cuts the segment short (RFC 2883: those
	 * bytes were held already). */
	k = ooo_search(p, e + 1u);
	if (k < p->ooo.n && seq_lt(p->ooo.r[k].s, e)) {
		tcp_dsack_note(p, p->ooo.r[k].s, e);
		e = p->ooo.r[k].s;
		len = e - seq;
		m = cut_back(m, len);
	} else if (k > 0) {
		tcp_dsack_note(p, p->ooo.r[0].s, p->ooo.r[0].e);
	}
	/* In-order data first: data held beyond a hole makes way for it
	 * (from the farthest range; the sender sends it again), or the hole
	 * might never fill. */
	while ((ret = admit(p, &m, len, q->tail, NULL, ranges_charge(p, 0, k), &delta)) ==
		       -ENOMEM && p->ooo.n > 0) {
		p->ns->tcp->st.drops[VMK_TCPDROP_RCV_MEMORY]++;
		ranges_drop(p, p->ooo.n - 1u, p->ooo.n);
		k = RTE_MIN(k, p->ooo.n);
	}
	if (ret < 0) {
		rte_pktmbuf_free(m);
		return ret;
	}
	ranges_drop(p, 0, k);
	q->mem = (uint32_t)((int64_t)q->mem + delta);
	inorder_link(p, m, len);
	if (p->ooo.n > 0 && p->ooo.r[0].s == p->rcv_nxt)
		join_first(p);
	return 0;
}

/* Where new data [s, e) beyond a hole meets the held ranges (sorted): f
 * the one it starts in or right after, b the one it ends in or right
 * before (-1: none), and between them the ranges it covers whole,
 * [c0, c1). */
struct meet {
	int f, b;
	uint32_t c0, c1;
};

static void ooo_meet(const struct vmk_tcp_sock *p, uint32_t s, uint32_t e, struct meet *mt)
{
	const struct tcp_oooq *o = &p->ooo;
	uint32_t i = ooo_search(p, s);

	mt->f = mt->b = -1;
	if (i < o->n && seq_le(o->r[i].s, s))
		mt->f = (int)i++;
	mt->c0 = i;
	for (; i < o->n && seq_le(o->r[i].s, e); i++) {
		if (seq_le(e, o->r[i].e)) {
			mt->b = (int)i;
			break;
		}
	}
	mt->c1 = i;
}

/* Data beyond a hole: trimmed to the bytes no range holds, then merged with
 * the ranges it touches into one. */
static int input_beyond(struct vmk_tcp_sock *p, struct rte_mbuf *m, uint32_t s, uint32_t len)
{
	struct tcp_oooq *o = &p->ooo;
	struct tcp_ooo_range nr;
	struct rte_mbuf *ft = NULL;
	uint32_t e = s + len, lo, hi;
	struct meet mt;
	uint32_t cov;
	int64_t delta;
	int ret;

	ooo_meet(p, s, e, &mt);
	if (mt.f >= 0 && seq_ge(o->r[mt.f].e, e)) {    /* held already */
		tcp_dsack_note(p, s, e);
		rte_pktmbuf_free(m);
		return 0;
	}
	lo = mt.f >= 0 ? (uint32_t)mt.f : mt.c0;
	hi = mt.b >= 0 ? (uint32_t)mt.b + 1u : mt.c1;
	if (lo == hi && ooo_room(p) < 0) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	nr.s = s;
	if (mt.f >= 0) {
		if (seq_lt(s, o->r[mt.f].e))
			tcp_dsack_note(p, s, o->r[mt.f].e);
		m = cut_front(m, o->r[mt.f].e - s);
		s = o->r[mt.f].e;
		nr.s = o->r[mt.f].s;
		ft = o->r[mt.f].tail;
	}
	nr.e = e;
	if (mt.b >= 0) {
		e = o->r[mt.b].s;
		nr.e = o->r[mt.b].e;
	}
	len = e - s;
	m = cut_back(m, len);
	cov = ranges_charge(p, mt.c0, mt.c1);
	ret = admit(p, &m, len, ft, mt.b >= 0 ? o->r[mt.b].head : NULL, cov, &delta);
	if (ret < 0) {
		rte_pktmbuf_free(m);
		return ret;
	}
	/* one chain: F's, the new bytes, B's */
	nr.head = mt.f >= 0 ? o->r[mt.f].head : m;
	nr.tail = ft;
	if (m != NULL) {
		if (nr.tail != NULL)
			nr.tail->next = m;
		nr.tail = last_seg(m);
	}
	if (mt.b >= 0) {
		nr.tail->next = o->r[mt.b].head;
		nr.tail = o->r[mt.b].tail;
	}
	/* the ranges covered whole go (their bytes came again) */
	for (uint32_t i = mt.c0; i < mt.c1; i++)
		rte_pktmbuf_free(o->r[i].head);
	p->rcvq.mem = (uint32_t)((int64_t)p->rcvq.mem - cov + delta);
	ooo_splice(o, lo, hi, &nr);
	return 0;
}

int tcp_rcvq_input(struct vmk_tcp_sock *p, struct rte_mbuf *m, uint32_t off, uint32_t seq,
		   uint32_t len)
{
	m = payload(p->ns, m, off, len);
	if (m == NULL)
		return -ENOBUFS;
	if (seq == p->rcv_nxt)
		return input_in_order(p, m, seq, len);
	return input_beyond(p, m, seq, len);
}

/* ---- the reader's side -------------------------------------------------- */

/* The head segment h (followed by nx) leaves the in-order chain. */
static void release_head(struct tcp_rcvq *q, struct rte_mbuf *h)
{
	struct rte_mbuf *nx = h->next;

	q->mem -= charge(h, NULL) - (same_buf(h, nx) ? nx->buf_len : 0);
	q->head = nx;
	if (nx == NULL)
		q->tail = NULL;
	h->next = NULL;
}

static void consume(struct tcp_rcvq *q, uint32_t n)
{
	q->len -= n;
	while (n > 0) {
		struct rte_mbuf *h = q->head;

		if (h->data_len > n) {
			h->data_off = (uint16_t)(h->data_off + n);
			h->data_len = (uint16_t)(h->data_len - n);
			return;
		}
		n -= h->data_len;
		release_head(q, h);
		rte_pktmbuf_free_seg(h);
	}
}

uint32_t tcp_rcvq_read(struct vmk_tcp_sock *p, void *dst, uint32_t n)
{
	struct tcp_rcvq *q = &p->rcvq;

	n = RTE_MIN(n, q->len);
	if (n > 0) {
		pkt_read(q->head, 0, dst, n);
		consume(q, n);
	}
	return n;
}

/* The first k bytes of the head segment h as an mbuf of their own (a clone,
 * or a copy when the clone pool is dry); h keeps the rest. NULL: no mbuf. */
static struct rte_mbuf *split_head(struct netstack *ns, struct rte_mbuf *h, uint32_t k)
{
	struct rte_mbuf *c = rte_pktmbuf_alloc(ns->clone_pool);

	if (c != NULL) {
		rte_pktmbuf_attach(c, h);
		c->data_len = (uint16_t)k;
	} else {
		c = rte_pktmbuf_alloc(ns->pool);
		if (c == NULL || rte_pktmbuf_tailroom(c) < k) {
			rte_pktmbuf_free(c);
			return NULL;
		}
		memcpy(rte_pktmbuf_mtod(c, uint8_t *), rte_pktmbuf_mtod(h, uint8_t *), k);
		c->data_len = (uint16_t)k;
	}
	c->pkt_len = k;
	h->data_off = (uint16_t)(h->data_off + k);
	h->data_len = (uint16_t)(h->data_len - k);
	return c;
}

long tcp_rcvq_take(struct vmk_tcp_sock *p, uint32_t max, struct rte_mbuf **out)
{
	struct tcp_rcvq *q = &p->rcvq;
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t n = RTE_MIN(max, q->len), got = 0;
	uint16_t segs = 0;

	while (q->head != NULL && got + q->head->data_len <= n) {
		struct rte_mbuf *h = q->head;

		got += h->data_len;
		release_head(q, h);
		if (last != NULL)
			last->next = h;
		else
			head = h;
		last = h;
		segs++;
	}
	if (got < n) {                        /* the next one does not fit whole */
		struct rte_mbuf *c = split_head(p->ns, q->head, n - got);

		if (c == NULL && head == NULL)
			return n == 0 ? 0 : -ENOBUFS;
		if (c != NULL) {
			got = n;
			if (last != NULL)
				last->next = c;
			else
				head = c;
			segs++;
		}
	}
	if (head == NULL)
		return 0;
	q->len -= got;
	head->pkt_len = got;
	head->nb_segs = segs;
	*out = head;
	return got;
}

void tcp_rcvq_discard(struct vmk_tcp_sock *p)
{
	consume(&p->rcvq, p->rcvq.len);
}

void tcp_rcvq_free_ooo(struct vmk_tcp_sock *p)
{
	ranges_drop(p, 0, p->ooo.n);
	rte_free(p->ooo.r);
	p->ooo.r = NULL;
	p->ooo.cap = 0;
	p->n_ooo_recent = 0;
	p->flags &= ~TCPF_DSACK;
}
