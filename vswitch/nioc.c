/*
 * Network I/O Control on one uplink (nioc.h): per class a FIFO of frames,
 * a reservation bucket and a limit bucket; for the uplink a capacity
 * bucket. A dequeue first serves the reservations (round robin over the
 * classes whose reservation bucket holds the head frame), then shares
 * what the capacity bucket has left by deficit round robin weighted by
 * shares. A frame leaves only when the capacity bucket and its class's
 * limit bucket hold it.
 *
 * Bucket depths: the capacity and each limit hold 10 ms of their rate, at
 * least NIOC_MIN_DEPTH (a few jumbo frames), so a burst after idling is
 * short and a rate is kept over any window of tens of milliseconds; a
 * reservation bucket the same for its own rate. Deeper than one poll
 * loop needs: a worker the host deschedules for a few milliseconds (a
 * shared core) must not lose the uplink's capacity for that time.
 *
 * Threading: the owning worker only (nioc.h).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "common/error.h"
#include "vswitch/nioc.h"

#define NIOC_MIN_DEPTH (4u * 9018u)   /* bytes */

struct nioc_fifo {
	struct rte_mbuf **q;
	uint32_t head, n;
};

struct nioc_class {
	struct nioc_fifo f;
	uint64_t res_Bps, lim_Bps;    /* bytes/s; lim 0: none */
	uint64_t res_depth, lim_depth; /* bytes */
	uint64_t res_tok, lim_tok;    /* byte-ticks */
	uint32_t quantum;             /* bytes a DRR round */
	uint64_t deficit;             /* bytes */
	struct nioc_class_stats st;
};

struct nioc_sched {
	uint32_t qlen;                /* a power of two */
	uint32_t qmask;
	uint64_t cap_Bps, cap_depth, cap_tok;
	uint64_t last_tsc;
	bool started;
	unsigned int rr_res;          /* next class for the reservations */
	unsigned int drr;             /* class whose DRR turn it is */
	bool drr_fresh;               /* its quantum not yet added this turn */
	uint32_t n_held, held_head;
	uint32_t backlog;             /* frames queued and held, all classes */
	struct rte_mbuf *held[NIOC_HOLD_MAX];
	uint8_t held_cls[NIOC_HOLD_MAX];
	struct nioc_class c[NIOC_CLASSES];
};

int nioc_params_check(const struct nioc_params *p)
{
	uint64_t reserved = 0;

	if (p == NULL || p->capacity_bps == 0)
		return vmk_err(-EINVAL, "NIOC: the uplink needs a capacity (link speed)");
	for (unsigned int i = 0; i < NIOC_CLASSES; i++) {
		const struct nioc_class_params *c = &p->cls[i];

		if (c->shares < 1 || c->shares > 100)
			return vmk_err(-EINVAL, "NIOC: class %u: shares %u are not 1..100", i,
				       c->shares);
		if (c->limit_bps != 0 && c->limit_bps < c->reservation_bps)
			return vmk_err(-EINVAL, "NIOC: class %u: limit %lu bit/s is below its "
				       "reservation %lu bit/s", i, (unsigned long)c->limit_bps,
				       (unsigned long)c->reservation_bps);
		reserved += c->reservation_bps;
	}
	if (reserved > p->capacity_bps / 100 * NIOC_RESERVABLE_PCT)
		return vmk_err(-EINVAL, "NIOC: reservations total %lu bit/s, more than %u%% of "
			       "the capacity %lu bit/s", (unsigned long)reserved,
			       NIOC_RESERVABLE_PCT, (unsigned long)p->capacity_bps);
	return 0;
}

static uint64_t depth_of(uint64_t Bps)
{
	return RTE_MAX(Bps / 100, (uint64_t)NIOC_MIN_DEPTH);
}

static void params_load(struct nioc_sched *s, const struct nioc_params *p)
{
	s->cap_Bps = p->capacity_bps / 8;
	s->cap_depth = depth_of(s->cap_Bps);
	for (unsigned int i = 0; i < NIOC_CLASSES; i++) {
		struct nioc_class *c = &s->c[i];

		c->res_Bps = p->cls[i].reservation_bps / 8;
		c->lim_Bps = p->cls[i].limit_bps / 8;
		c->res_depth = c->res_Bps != 0 ? depth_of(c->res_Bps) : 0;
		c->lim_depth = c->lim_Bps != 0 ? depth_of(c->lim_Bps) : 0;
		c->quantum = p->cls[i].shares * NIOC_QUANTUM_PER_SHARE;
	}
	s->started = false;               /* buckets start full at the next dequeue */
}

int nioc_create(const struct nioc_params *p, uint32_t qlen, int socket_id,
		struct nioc_sched **out)
{
	struct nioc_sched *s;
	int ret = nioc_params_check(p);

	if (ret < 0)
		return ret;
	if (qlen == 0 || out == NULL)
		return vmk_err(-EINVAL, "NIOC: a queue of at least one frame is needed");
	s = rte_zmalloc_socket("vmk_nioc", sizeof(*s), RTE_CACHE_LINE_SIZE, socket_id);
	if (s == NULL)
		return vmk_err(-ENOMEM, "NIOC: no memory for a scheduler");
	s->qlen = rte_align32pow2(qlen);
	s->qmask = s->qlen - 1;
	for (unsigned int i = 0; i < NIOC_CLASSES; i++) {
		s->c[i].f.q = rte_zmalloc_socket("vmk_nioc_q", s->qlen * sizeof(struct rte_mbuf *),
						 0, socket_id);
		if (s->c[i].f.q == NULL) {
			nioc_destroy(s);
			return vmk_err(-ENOMEM, "NIOC: no memory for %u frames of queue", qlen);
		}
	}
	params_load(s, p);
	s->drr_fresh = true;
	*out = s;
	return 0;
}

void nioc_destroy(struct nioc_sched *s)
{
	if (s == NULL)
		return;
	for (unsigned int i = 0; i < NIOC_CLASSES; i++) {
		struct nioc_fifo *f = &s->c[i].f;

		for (uint32_t k = 0; f->q != NULL && k < f->n; k++)
			rte_pktmbuf_free(f->q[(f->head + k) & s->qmask]);
		rte_free(f->q);
	}
	for (uint32_t k = 0; k < s->n_held; k++)
		rte_pktmbuf_free(s->held[(s->held_head + k) % NIOC_HOLD_MAX]);
	rte_free(s);
}

int nioc_set_params(struct nioc_sched *s, const struct nioc_params *p)
{
	int ret = nioc_params_check(p);

	if (ret < 0)
		return ret;
	params_load(s, p);
	return 0;
}

unsigned int nioc_enqueue(struct nioc_sched *s, struct rte_mbuf **pkts, uint8_t *cls,
			  unsigned int n)
{
	unsigned int queued = 0, refused = 0;
	struct rte_mbuf *back[n];   /* refused frames, n is a burst */
	uint8_t back_cls[n];

	for (unsigned int i = 0; i < n; i++) {
		struct nioc_class *c = &s->c[RTE_MIN(cls[i], NIOC_CLASSES - 1)];

		if (c->f.n == s->qlen) {
			c->st.drops++;
			back[refused] = pkts[i];
			back_cls[refused++] = cls[i];
			continue;
		}
		c->f.q[(c->f.head + c->f.n) & s->qmask] = pkts[i];
		c->f.n++;
		s->backlog++;
		queued++;
	}
	memcpy(pkts + queued, back, refused * sizeof(*back));
	memcpy(cls + queued, back_cls, refused);
	return queued;
}

/* May c's head (need byte-ticks) leave by capacity and limit? */
static bool room_for(const struct nioc_sched *s, const struct nioc_class *c, uint64_t need)
{
	return s->cap_tok >= need && (c->lim_Bps == 0 || c->lim_tok >= need);
}

static void refill(struct nioc_sched *s, uint64_t tsc, uint64_t hz)
{
	uint64_t dt;

	if (!s->started) {
		s->started = true;
		s->last_tsc = tsc;
		s->cap_tok = s->cap_depth * hz;
		for (unsigned int i = 0; i < NIOC_CLASSES; i++) {
			s->c[i].res_tok = s->c[i].res_depth * hz;
			s->c[i].lim_tok = s->c[i].lim_depth * hz;
		}
		return;
	}
	dt = RTE_MIN(tsc - s->last_tsc, hz);  /* a second fills any bucket */
	s->last_tsc = tsc;
	s->cap_tok = RTE_MIN(s->cap_tok + dt * s->cap_Bps, s->cap_depth * hz);
	for (unsigned int i = 0; i < NIOC_CLASSES; i++) {
		struct nioc_class *c = &s->c[i];

		if (c->res_Bps != 0)
			c->res_tok = RTE_MIN(c->res_tok + dt * c->res_Bps, c->res_depth * hz);
		if (c->lim_Bps != 0)
			c->lim_tok = RTE_MIN(c->lim_tok + dt * c->lim_Bps, c->lim_depth * hz);
	}
}

/* ---- frames that need no queue ---------------------------------------- */

unsigned int nioc_admit(struct nioc_sched *s, uint64_t tsc, uint64_t hz,
			struct rte_mbuf *const *pkts, const uint8_t *cls, unsigned int n)
{
	unsigned int k = 0;

	if (s->backlog != 0)
		return 0;
	refill(s, tsc, hz);
	for (; k < n; k++) {
		struct nioc_class *c = &s->c[RTE_MIN(cls[k], NIOC_CLASSES - 1)];
		uint64_t need = (uint64_t)pkts[k]->pkt_len * hz;

		if (!room_for(s, c, need))
			break;
		s->cap_tok -= need;
		if (c->lim_Bps != 0)
			c->lim_tok -= need;
		c->st.packets++;
		c->st.bytes += pkts[k]->pkt_len;
	}
	return k;
}

bool nioc_admit_burst(struct nioc_sched *s, uint64_t tsc, uint64_t hz, uint8_t cls,
		      unsigned int n, uint64_t bytes)
{
	struct nioc_class *c = &s->c[RTE_MIN(cls, NIOC_CLASSES - 1)];
	uint64_t need = bytes * hz;

	if (s->backlog != 0)
		return false;
	/* Refilled only when short: later refills then add what an earlier
	 * one would have (capped the same), so this never admits more. */
	if (!room_for(s, c, need)) {
		refill(s, tsc, hz);
		if (!room_for(s, c, need))
			return false;
	}
	s->cap_tok -= need;
	if (c->lim_Bps != 0)
		c->lim_tok -= need;
	c->st.packets += n;
	c->st.bytes += bytes;
	return true;
}

static struct rte_mbuf *head_of(const struct nioc_class *c)
{
	return c->f.n > 0 ? c->f.q[c->f.head] : NULL;
}


/* c's head leaves into out[n]: buckets, counters, the FIFO. */
static void take(struct nioc_sched *s, unsigned int ci, uint64_t need, struct rte_mbuf **out,
		 uint8_t *cls, unsigned int n)
{
	struct nioc_class *c = &s->c[ci];
	struct rte_mbuf *m = c->f.q[c->f.head];

	s->cap_tok -= need;
	if (c->lim_Bps != 0)
		c->lim_tok -= need;
	c->f.head = (c->f.head + 1) & s->qmask;
	c->f.n--;
	s->backlog--;
	c->st.packets++;
	c->st.bytes += m->pkt_len;
	out[n] = m;
	cls[n] = (uint8_t)ci;
}

/* Phase 1: frames inside the reservations, round robin over the classes. */
static unsigned int serve_reservations(struct nioc_sched *s, uint64_t hz, struct rte_mbuf **out,
				       uint8_t *cls, unsigned int n, unsigned int max)
{
	bool progress = true;

	while (n < max && progress) {
		progress = false;
		for (unsigned int k = 0; k < NIOC_CLASSES && n < max; k++) {
			unsigned int ci = (s->rr_res + k) % NIOC_CLASSES;
			struct nioc_class *c = &s->c[ci];
			struct rte_mbuf *m = head_of(c);
			uint64_t need;

			if (m == NULL || c->res_Bps == 0)
				continue;
			need = (uint64_t)m->pkt_len * hz;
			if (c->res_tok < need || !room_for(s, c, need))
				continue;
			c->res_tok -= need;
			take(s, ci, need, out, cls, n++);
			progress = true;
		}
		s->rr_res = (s->rr_res + 1) % NIOC_CLASSES;
	}
	return n;
}

/* Phase 2: what is left of the capacity, by deficit round robin over the
 * backlogged classes, a quantum of shares x NIOC_QUANTUM_PER_SHARE. */
static unsigned int serve_shares(struct nioc_sched *s, uint64_t hz, struct rte_mbuf **out,
				 uint8_t *cls, unsigned int n, unsigned int max)
{
	unsigned int idle = 0;

	while (n < max && idle < NIOC_CLASSES) {
		struct nioc_class *c = &s->c[s->drr];
		struct rte_mbuf *m = head_of(c);
		uint64_t need;

		if (m == NULL) {
			c->deficit = 0;       /* an idle class keeps no credit */
			goto next;
		}
		need = (uint64_t)m->pkt_len * hz;
		if (!room_for(s, c, need)) {
			if (s->cap_tok < need)
				return n;     /* the uplink is full: same turn next time */
			goto next;            /* at its limit: the others go on */
		}
		if (s->drr_fresh) {
			c->deficit += c->quantum;
			s->drr_fresh = false;
			if (c->deficit < m->pkt_len) {
				/* saving up for a frame bigger than its quantum:
				 * progress, not idleness */
				idle = 0;
				s->drr = (s->drr + 1) % NIOC_CLASSES;
				s->drr_fresh = true;
				continue;
			}
		}
		if (c->deficit < m->pkt_len)
			goto next;
		c->deficit -= m->pkt_len;
		take(s, s->drr, need, out, cls, n++);
		idle = 0;
		continue;
next:
		idle++;
		s->drr = (s->drr + 1) % NIOC_CLASSES;
		s->drr_fresh = true;
	}
	return n;
}

unsigned int nioc_dequeue(struct nioc_sched *s, uint64_t tsc, uint64_t hz,
			  struct rte_mbuf **out, uint8_t *cls, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && s->n_held > 0) {
		uint8_t ci = s->held_cls[s->held_head];

		out[n] = s->held[s->held_head];
		cls[n] = ci;
		s->c[ci].st.packets++;
		s->c[ci].st.bytes += out[n]->pkt_len;
		s->held_head = (s->held_head + 1) % NIOC_HOLD_MAX;
		s->n_held--;
		s->backlog--;
		n++;
	}
	refill(s, tsc, hz);
	n = serve_reservations(s, hz, out, cls, n, max);
	return serve_shares(s, hz, out, cls, n, max);
}

unsigned int nioc_hold(struct nioc_sched *s, struct rte_mbuf **pkts, const uint8_t *cls,
		       unsigned int n)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < n && s->n_held < NIOC_HOLD_MAX; i++) {
		struct nioc_class *c = &s->c[RTE_MIN(cls[i], NIOC_CLASSES - 1)];

		c->st.packets--;
		c->st.bytes -= pkts[i]->pkt_len;
		s->held[(s->held_head + s->n_held) % NIOC_HOLD_MAX] = pkts[i];
		s->held_cls[(s->held_head + s->n_held) % NIOC_HOLD_MAX] =
			(uint8_t)RTE_MIN(cls[i], NIOC_CLASSES - 1);
		s->n_held++;
		s->backlog++;
		kept++;
	}
	return kept;
}

unsigned int nioc_backlog(const struct nioc_sched *s)
{
	return s->backlog;
}

void nioc_class_stats(const struct nioc_sched *s, unsigned int c, struct nioc_class_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c >= NIOC_CLASSES)
		return;
	*out = s->c[c].st;
	out->queued = s->c[c].f.n;
}
