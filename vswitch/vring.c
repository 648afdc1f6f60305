/*
 * The device side of a split virtqueue (virtio 1.x, 2.6): guest tx frames
 * copied into mbufs, switch frames copied into guest rx buffers (mergeable
 * or not), used entries published once per burst, the guest interrupted only
 * when it asked to be (flags or event index).
 *
 * The common case has its own short path: one descriptor holding the
 * virtio-net header and a frame that fits one mbuf (guest tx), one writable
 * descriptor large enough for header and frame (guest rx). Everything else
 * (chains, indirect tables, headers in their own descriptor, jumbo frames
 * over several mbufs or guest buffers) walks the chain.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>

#include <rte_branch_prediction.h>
#include <rte_memcpy.h>
#include <rte_vhost.h>

#include "vswitch/vring.h"

/* Descriptors one chain may visit, whatever an indirect table claims. */
#define CHAIN_MAX_DESC 1024u

static inline void *gpa_to_va(const struct vring_mem *mem, uint64_t gpa, uint64_t *len)
{
	for (uint32_t i = 0; i < mem->n; i++) {
		const struct vring_region *r = &mem->r[i];
		uint64_t off = gpa - r->gpa;

		if (off < r->size) {
			if (*len > r->size - off)
				*len = r->size - off;
			return (void *)(uintptr_t)(r->hva + off);
		}
	}
	return NULL;
}

/* A walk along one descriptor chain; d is our copy of the current one (the
 * guest may rewrite its table under us, so each descriptor is read once). */
struct chain {
	const struct vring_desc *tab;
	uint32_t tab_size;
	uint32_t left;
	struct vring_desc d;
};

static inline int chain_start(const struct vqueue *vr, uint16_t head, struct chain *c)
{
	if (unlikely(head >= vr->size))
		return -EINVAL;
	c->tab = vr->desc;
	c->tab_size = vr->size;
	c->left = vr->size;
	c->d = vr->desc[head];
	rte_compiler_barrier();
	if (c->d.flags & VRING_DESC_F_INDIRECT) {
		uint64_t len = c->d.len;

		if ((c->d.flags & VRING_DESC_F_NEXT) || len < sizeof(struct vring_desc) ||
		    len % sizeof(struct vring_desc) != 0)
			return -EINVAL;
		c->tab = gpa_to_va(vr->mem, c->d.addr, &len);
		if (c->tab == NULL || len != c->d.len)
			return -EINVAL;          /* a table must be contiguous here */
		c->tab_size = (uint32_t)(len / sizeof(struct vring_desc));
		c->left = RTE_MIN(c->tab_size, CHAIN_MAX_DESC);
		c->d = c->tab[0];
		rte_compiler_barrier();
		if (c->d.flags & VRING_DESC_F_INDIRECT)
			return -EINVAL;
	}
	c->left--;
	return 0;
}

/* 1: moved to the next descriptor; 0: end of the chain; -EINVAL: a loop,
 * an index out of the table, or an indirect table inside a chain. */
static inline int chain_next(struct chain *c)
{
	uint16_t i;

	if (!(c->d.flags & VRING_DESC_F_NEXT))
		return 0;
	i = c->d.next;
	if (unlikely(i >= c->tab_size || c->left == 0))
		return -EINVAL;
	c->left--;
	c->d = c->tab[i];
	rte_compiler_barrier();
	if (unlikely(c->d.flags & VRING_DESC_F_INDIRECT))
		return -EINVAL;
	return 1;
}

static inline void used_put(struct vqueue *vr, uint16_t id, uint32_t len)
{
	uint16_t slot = vr->last_used & (vr->size - 1);
	struct vring_used_elem *e = &vr->used->ring[slot];

	e->id = id;
	e->len = len;
	if (unlikely(vr->log))
		rte_vhost_log_used_vring(vr->vid, vr->vring_idx,
					 offsetof(struct vring_used, ring) + slot * sizeof(*e),
					 sizeof(*e));
	vr->last_used++;
}

/* Interrupt the guest if it wants to hear of used entries [before, now). */
static void guest_call(struct vqueue *vr, uint16_t before)
{
	if (vr->callfd < 0)
		return;
	/* Our used->idx store before its flags/event load (a guest going
	 * to sleep does the opposite), or a wakeup is lost. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vr->event_idx) {
		uint16_t ev = __atomic_load_n(&vr->avail->ring[vr->size], __ATOMIC_RELAXED);

		if ((uint16_t)(vr->last_used - ev - 1) >= (uint16_t)(vr->last_used - before))
			return;
	} else if (__atomic_load_n(&vr->avail->flags, __ATOMIC_RELAXED) &
		   VRING_AVAIL_F_NO_INTERRUPT) {
		return;
	}
	if (eventfd_write(vr->callfd, 1) == 0)
		vr->st.calls++;
}

static inline void used_publish(struct vqueue *vr, uint16_t before)
{
	if (vr->last_used == before)
		return;
	__atomic_store_n(&vr->used->idx, vr->last_used, __ATOMIC_RELEASE);
	if (unlikely(vr->log))
		rte_vhost_log_used_vring(vr->vid, vr->vring_idx, offsetof(struct vring_used, idx),
					 sizeof(vr->used->idx));
	guest_call(vr, before);
}

/* How many entries the guest made available, or -1 (and broken) if it
 * claims more than the ring holds. */
static inline int avail_count(struct vqueue *vr)
{
	uint16_t idx = __atomic_load_n(&vr->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t count = (uint16_t)(idx - vr->last_avail);

	if (unlikely(count > vr->size)) {
		vr->broken = true;
		vr->st.malformed++;
		return -1;
	}
	return count;
}

/* The guest is ahead of us (more entries waiting than this burst takes):
 * fetch the avail entries of the next burst now, so its head reads do not
 * wait for the guest's core. */
static inline void avail_prefetch_next(const struct vqueue *vr, int waiting, int taking)
{
	if (waiting > taking) {
		const uint16_t *next = &vr->avail->ring[(uint16_t)(vr->last_avail + taking) &
							(vr->size - 1)];

		rte_prefetch0(next);
		rte_prefetch0(next + 31);
	}
}

/* Append len bytes at src to the mbuf chain whose last segment is *cur. */
static inline int mbuf_append(struct rte_mempool *mp, struct rte_mbuf *m, struct rte_mbuf **cur,
			      const uint8_t *src, uint32_t len)
{
	while (len > 0) {
		struct rte_mbuf *c = *cur;
		uint32_t k = rte_pktmbuf_tailroom(c);

		if (k == 0) {
			struct rte_mbuf *seg = rte_pktmbuf_alloc(mp);

			if (seg == NULL)
				return -ENOBUFS;
			c->next = seg;
			*cur = c = seg;
			m->nb_segs++;
			k = rte_pktmbuf_tailroom(c);
		}
		if (k > len)
			k = len;
		rte_memcpy(rte_pktmbuf_mtod_offset(c, uint8_t *, c->data_len), src, k);
		c->data_len = (uint16_t)(c->data_len + k);
		m->pkt_len += k;
		src += k;
		len -= k;
	}
	return 0;
}

/* One guest tx frame into m (fresh from the pool), walking its chain (the
 * one-descriptor case is vring_dequeue's). 0, or a negative errno with m
 * possibly chained (the caller resets it). */
static int dequeue_one(struct vqueue *vr, struct rte_mempool *mp, uint16_t head, struct rte_mbuf *m)
{
	struct rte_mbuf *cur = m;
	uint32_t skip = vr->hdr_len;
	struct chain c;
	int ret = chain_start(vr, head, &c);

	if (unlikely(ret < 0))
		return ret;
	do {
		uint64_t addr = c.d.addr, len = c.d.len;

		if (c.d.flags & VRING_DESC_F_WRITE)
			return -EINVAL;
		if (skip > 0) {
			uint32_t k = len < skip ? (uint32_t)len : skip;

			addr += k;
			len -= k;
			skip -= k;
		}
		if (len > vr->max_frame - m->pkt_len)
			return -EMSGSIZE;
		while (len > 0) {
			uint64_t chunk = len;
			const uint8_t *src = gpa_to_va(vr->mem, addr, &chunk);

			if (src == NULL)
				return -EINVAL;
			ret = mbuf_append(mp, m, &cur, src, (uint32_t)chunk);
			if (ret < 0)
				return ret;
			addr += chunk;
			len -= chunk;
		}
	} while ((ret = chain_next(&c)) > 0);
	if (ret < 0)
		return ret;
	if (m->pkt_len == 0)
		return -EINVAL;       /* a header and no frame */
	return 0;
}

static void mbuf_recycle(struct rte_mbuf *m)
{
	if (m->next != NULL) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
	}
	m->nb_segs = 1;
	m->data_len = 0;
	m->pkt_len = 0;
}

/* A guest tx frame the short path can take: header and frame in one
 * descriptor, the frame fitting one mbuf. src is NULL otherwise. */
struct tx_fast {
	const uint8_t *src;
	uint32_t len;
};

static inline void tx_classify(const struct vqueue *vr, uint16_t head, uint32_t room,
			       struct tx_fast *f)
{
	struct vring_desc d;
	uint64_t len;
	const uint8_t *p;

	f->src = NULL;
	if (unlikely(head >= vr->size))
		return;
	d = vr->desc[head];
	rte_compiler_barrier();
	if (unlikely(d.flags != 0 || d.len <= vr->hdr_len || d.len - vr->hdr_len > room))
		return;
	len = d.len;
	p = gpa_to_va(vr->mem, d.addr, &len);
	if (unlikely(p == NULL || len != d.len))
		return;
	f->src = p + vr->hdr_len;
	f->len = d.len - vr->hdr_len;
	rte_prefetch0(f->src);
	rte_prefetch0(f->src + f->len - 1);
}

#define DEQ_MAX 64

uint16_t vring_dequeue(struct vqueue *vr, struct rte_mempool *mp, struct rte_mbuf **pkts,
		       uint16_t n)
{
	uint16_t before = vr->last_used, got = 0, mask = vr->size - 1;
	uint16_t heads[DEQ_MAX];
	struct tx_fast f[DEQ_MAX];
	uint32_t room;
	int count;

	if (unlikely(vr->broken))
		return 0;
	count = avail_count(vr);
	if (count <= 0)
		return 0;
	avail_prefetch_next(vr, count, RTE_MIN(count, RTE_MIN(n, DEQ_MAX)));
	count = RTE_MIN(count, RTE_MIN(n, DEQ_MAX));
	if (unlikely(rte_pktmbuf_alloc_bulk(mp, pkts, (unsigned int)count) != 0)) {
		vr->st.no_mbuf++;
		return 0;
	}
	room = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(pkts[0]), vr->max_frame);
	/* In stages, so the transfers from the guest's core overlap instead of
	 * queueing one behind the other: the burst's avail entries and the
	 * prefetch of all its descriptors, then each descriptor read and its
	 * frame's data prefetched, then the copies. */
	for (int i = 0; i < count; i++) {
		heads[i] = __atomic_load_n(&vr->avail->ring[(uint16_t)(vr->last_avail + i) & mask],
					   __ATOMIC_RELAXED);
		rte_prefetch0(&vr->desc[heads[i] & mask]);
	}
	for (int i = 0; i < count; i++)
		tx_classify(vr, heads[i], room, &f[i]);
	for (int i = 0; i < count; i++) {
		struct rte_mbuf *m = pkts[got];
		int ret;

		if (likely(f[i].src != NULL)) {
			rte_memcpy(rte_pktmbuf_mtod(m, void *), f[i].src, f[i].len);
			m->data_len = (uint16_t)f[i].len;
			m->pkt_len = f[i].len;
			ret = 0;
		} else {
			ret = dequeue_one(vr, mp, heads[i], m);
		}
		used_put(vr, heads[i], 0);
		if (likely(ret == 0)) {
			got++;
			continue;
		}
		if (ret == -ENOBUFS)
			vr->st.no_mbuf++;
		else if (ret == -EMSGSIZE)
			vr->st.too_big++;
		else
			vr->st.malformed++;
		mbuf_recycle(m);   /* reused for the next frame */
	}
	if (got < count)
		rte_pktmbuf_free_bulk(pkts + got, (unsigned int)(count - got));
	vr->last_avail = (uint16_t)(vr->last_avail + count);
	used_publish(vr, before);
	return got;
}

/* Where the frame being copied into guest buffers comes from: the header,
 * then the mbuf's segments. */
struct source {
	const uint8_t *p;
	uint32_t left;
	const struct rte_mbuf *seg;
	uint32_t total;        /* bytes still to copy, header included */
};

static inline void source_advance(struct source *s, uint32_t k)
{
	s->p += k;
	s->left -= k;
	s->total -= k;
	while (s->left == 0 && s->seg != NULL) {
		s->p = rte_pktmbuf_mtod(s->seg, const uint8_t *);
		s->left = s->seg->data_len;
		s->seg = s->seg->next;
	}
}

/* A virtio-net header with no offloads and, in the 12-byte form, one buffer. */
static inline void hdr_write(uint8_t *dst, uint16_t hdr_len)
{
	static const uint8_t h12[12] = { [10] = 1 };
	static const uint8_t h10[10];

	if (hdr_len == 12)
		memcpy(dst, h12, 12);
	else
		memcpy(dst, h10, 10);
}

/*
 * One frame into the guest's rx buffers from avail position last_avail +
 * *taken. Returns 0 (buffers consumed in *taken, used entries written),
 * -ENOSPC (not enough buffers yet: nothing consumed), -EMSGSIZE (larger than
 * one buffer without mergeable buffers: nothing consumed) or -EINVAL (the
 * guest's buffer is bad; the ring is marked broken).
 */
static int enqueue_one(struct vqueue *vr, struct rte_mbuf *m, uint16_t avail, uint16_t *taken)
{
	uint8_t hdr[12] = { 0 };
	uint8_t *nb_lo = NULL, *nb_hi = NULL;
	uint64_t nb_lo_gpa = 0, nb_hi_gpa = 0;
	uint16_t used_start = vr->last_used, nb = 0;
	struct source s;
	struct chain c;

	s.p = hdr;
	s.left = vr->hdr_len;
	s.seg = m;
	s.total = vr->hdr_len + m->pkt_len;
	while (s.total > 0) {
		uint32_t written = 0;
		uint16_t head;
		int ret;

		if ((uint16_t)(*taken + nb) == avail)
			goto none;                       /* wait for more buffers */
		if (nb == 1 && !vr->mrg_rxbuf)
			goto too_big;
		head = __atomic_load_n(
			&vr->avail->ring[(uint16_t)(vr->last_avail + *taken + nb) & (vr->size - 1)],
			__ATOMIC_RELAXED);
		nb++;
		ret = chain_start(vr, head, &c);
		while (ret >= 0 && s.total > 0) {
			uint64_t addr = c.d.addr, len = c.d.len;

			if (!(c.d.flags & VRING_DESC_F_WRITE))
				goto bad;
			while (len > 0 && s.total > 0) {
				uint64_t chunk = RTE_MIN(len, (uint64_t)s.left);
				uint8_t *dst = gpa_to_va(vr->mem, addr, &chunk);
				uint32_t off = vr->hdr_len + m->pkt_len - s.total;

				if (dst == NULL)
					goto bad;
				memcpy(dst, s.p, chunk);
				/* num_buffers (header bytes 10, 11) is known at the end */
				if (vr->hdr_len == 12 && off <= 10 && off + chunk > 10) {
					nb_lo = dst + (10 - off);
					nb_lo_gpa = addr + (10 - off);
				}
				if (vr->hdr_len == 12 && off <= 11 && off + chunk > 11) {
					nb_hi = dst + (11 - off);
					nb_hi_gpa = addr + (11 - off);
				}
				if (unlikely(vr->log))
					rte_vhost_log_write(vr->vid, addr, chunk);
				source_advance(&s, (uint32_t)chunk);
				addr += chunk;
				len -= chunk;
				written += (uint32_t)chunk;
			}
			if (s.total > 0)
				ret = chain_next(&c);
			if (ret == 0 && s.total > 0)
				break;                   /* next buffer */
		}
		if (ret < 0)
			goto bad;
		used_put(vr, head, written);
	}
	if (nb_lo != NULL) {
		*nb_lo = (uint8_t)nb;
		*nb_hi = (uint8_t)(nb >> 8);
		if (unlikely(vr->log)) {
			rte_vhost_log_write(vr->vid, nb_lo_gpa, 1);
			rte_vhost_log_write(vr->vid, nb_hi_gpa, 1);
		}
	}
	*taken = (uint16_t)(*taken + nb);
	return 0;
none:
	vr->last_used = used_start;
	return -ENOSPC;
too_big:
	vr->last_used = used_start;
	return -EMSGSIZE;
bad:
	vr->last_used = used_start;
	vr->broken = true;
	return -EINVAL;
}

/* A guest rx buffer the short path can fill: one writable descriptor. */
struct rx_fast {
	uint8_t *dst;
	uint64_t gpa;
	uint32_t cap;
};

static inline void rx_classify(const struct vqueue *vr, uint16_t head, struct rx_fast *f)
{
	struct vring_desc d;
	uint64_t len;
	uint8_t *p;

	f->dst = NULL;
	if (unlikely(head >= vr->size))
		return;
	d = vr->desc[head];
	rte_compiler_barrier();
	if (unlikely(d.flags != VRING_DESC_F_WRITE || d.len < vr->hdr_len))
		return;
	len = d.len;
	p = gpa_to_va(vr->mem, d.addr, &len);
	if (unlikely(p == NULL))
		return;
	f->dst = p;
	f->gpa = d.addr;
	f->cap = (uint32_t)len;      /* the contiguous part */
	__builtin_prefetch(p, 1, 3);      /* we write it: fetch it owned */
}

#define ENQ_MAX 64

uint16_t vring_enqueue(struct vqueue *vr, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t before = vr->last_used, taken = 0, mask = vr->size - 1, nheads, i;
	uint16_t heads[ENQ_MAX];
	struct rx_fast f[ENQ_MAX];
	int avail;

	if (unlikely(vr->broken))
		return 0;
	avail = avail_count(vr);
	if (avail <= 0)
		return 0;
	/* Small frames take one buffer each: look at as many buffers as
	 * frames, in stages as in vring_dequeue (avail entries and descriptor
	 * prefetches, then each descriptor read and its buffer fetched for
	 * writing, then the copies). */
	nheads = (uint16_t)RTE_MIN(avail, RTE_MIN(n, ENQ_MAX));
	avail_prefetch_next(vr, avail, nheads);
	for (i = 0; i < nheads; i++) {
		heads[i] = __atomic_load_n(&vr->avail->ring[(uint16_t)(vr->last_avail + i) & mask],
					   __ATOMIC_RELAXED);
		rte_prefetch0(&vr->desc[heads[i] & mask]);
	}
	for (i = 0; i < nheads; i++)
		rx_classify(vr, heads[i], &f[i]);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t need = vr->hdr_len + m->pkt_len;
		int ret;

		if (likely(taken < nheads && f[taken].dst != NULL && m->nb_segs == 1 &&
			   f[taken].cap >= need)) {
			hdr_write(f[taken].dst, vr->hdr_len);
			rte_memcpy(f[taken].dst + vr->hdr_len, rte_pktmbuf_mtod(m, void *),
				   m->data_len);
			if (unlikely(vr->log))
				rte_vhost_log_write(vr->vid, f[taken].gpa, need);
			used_put(vr, heads[taken], need);
			taken++;
			continue;
		}
		ret = enqueue_one(vr, m, (uint16_t)avail, &taken);
		if (likely(ret == 0))
			continue;
		if (ret == -ENOSPC)
			break;
		if (ret == -EMSGSIZE) {
			vr->st.too_big++;
			continue;               /* dropped here; the next may fit */
		}
		vr->st.malformed++;
		i++;                            /* broken: this one is dropped */
		break;
	}
	vr->last_avail = (uint16_t)(vr->last_avail + taken);
	used_publish(vr, before);
	if (i > 0)
		rte_pktmbuf_free_bulk(pkts, i);
	return i;
}
