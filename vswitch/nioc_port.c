/*
 * Network I/O Control on the uplinks (nioc_port.h): the host's table, the
 * per-uplink state built from it, the owners' service loop and the public
 * per-uplink calls of include/vmknet/traffic.h.
 *
 * Threading: dp_nioc_* and vmk_port_* under dp->lock (control plane);
 * nioc_port_tx on any worker; nioc_worker_poll and everything it calls on
 * the owner only (it alone touches the scheduler).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "common/error.h"
#include "common/log.h"
#include "vswitch/capture.h"
#include "vswitch/dp.h"
#include "vswitch/nioc.h"
#include "vswitch/nioc_port.h"
#include "vswitch/port.h"
#include "vswitch/vswitch.h"

#define NIOC_HANDOFF_RING 1024u   /* frames in flight from the other workers */

/* Parameters for a running scheduler: the owner applies a block whose
 * generation differs from the one it last applied. */
struct nioc_pub {
	uint64_t gen;
	struct nioc_params p;
};

struct nioc_handoff {
	struct rte_mbuf *m;
	uint64_t cls;
};

struct vs_nioc {
	struct vs_port *port;
	unsigned int owner;            /* worker index */
	uint64_t hz;
	struct nioc_sched *sched;      /* the owner's */
	struct rte_ring *ring;         /* other workers -> owner */
	struct nioc_pub *pub;          /* guarded by: dp->lock; read atomically by the owner */
	uint64_t applied_gen;          /* the owner's */
};

void dp_nioc_init(struct dp_nioc *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		t->cls[c].shares = c == VMK_TC_VIRTUAL_MACHINE ? VMK_NIOC_SHARES_HIGH :
			VMK_NIOC_SHARES_NORMAL;
		t->cls[c].limit_mbps = VMK_NIOC_UNLIMITED;
	}
}

/* What NIOC schedules p against, Mbit/s: the operator's speed, else the
 * device's link speed; 0: unknown. */
static uint32_t capacity_mbps(struct vs_port *p)
{
	struct vmk_port_info info;

	if (p->speed_mbps != 0)
		return p->speed_mbps;
	memset(&info, 0, sizeof(info));
	if (p->ops->get_info != NULL)
		p->ops->get_info(p, &info);
	return info.link_speed_mbps;
}

static void params_of(const struct dp_nioc *t, uint32_t cap_mbps, struct nioc_params *out)
{
	memset(out, 0, sizeof(*out));
	out->capacity_bps = (uint64_t)cap_mbps * 1000000u;
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		out->cls[c].shares = t->cls[c].shares;
		out->cls[c].reservation_bps = (uint64_t)t->cls[c].reservation_mbps * 1000000u;
		out->cls[c].limit_bps = t->cls[c].limit_mbps < 0 ? 0 :
			(uint64_t)t->cls[c].limit_mbps * 1000000u;
	}
}

static uint64_t reserved_mbps(const struct dp_nioc *t)
{
	uint64_t r = 0;

	for (unsigned int c = 0; c < VMK_TC_COUNT; c++)
		r += t->cls[c].reservation_mbps;
	return r;
}

/* Can uplink p, of capacity cap, carry t's reservations? The reason in why. */
static bool fits(const struct dp_nioc *t, const struct vs_port *p, uint32_t cap, char *why,
		 size_t len)
{
	uint64_t r = reserved_mbps(t);

	if (r * 100 <= (uint64_t)cap * VMK_NIOC_RESERVABLE_PCT)
		return true;
	snprintf(why, len, "reservations total %lu Mbit/s, more than %d%% of %s's %u Mbit/s",
		 (unsigned long)r, VMK_NIOC_RESERVABLE_PCT, p->name, cap);
	return false;
}

#define FOR_EACH_UPLINK(dp, p)                                                        \
	for (unsigned int v_ = 0; v_ < VMK_MAX_VSWITCHES; v_++)                       \
		for (uint32_t s_ = 0; (dp)->vswitches[v_] != NULL &&                  \
		     s_ < (dp)->vswitches[v_]->n_slots; s_++)                         \
			if (((p) = (dp)->vswitches[v_]->ports[s_]) != NULL && (p)->uplink)

static void nioc_free(struct vs_nioc *n)
{
	struct nioc_handoff h[32];
	unsigned int k;

	if (n == NULL)
		return;
	while (n->ring != NULL &&
	       (k = rte_ring_dequeue_burst_elem(n->ring, h, sizeof(h[0]), RTE_DIM(h), NULL)) > 0)
		for (unsigned int i = 0; i < k; i++)
			rte_pktmbuf_free(h[i].m);
	rte_ring_free(n->ring);
	nioc_destroy(n->sched);
	rte_free(n->pub);
	rte_free(n);
}

static struct nioc_pub *pub_new(const struct dp_nioc *t, uint32_t cap, int socket)
{
	struct nioc_pub *b = rte_zmalloc_socket("vmk_nioc_pub", sizeof(*b), 0, socket);

	if (b != NULL) {
		b->gen = t->gen;
		params_of(t, cap, &b->p);
	}
	return b;
}

static struct vs_nioc *nioc_new(struct vs_dp *dp, struct vs_port *p, const struct dp_nioc *t,
				uint32_t cap, unsigned int owner)
{
	static uint32_t seq;
	char name[RTE_RING_NAMESIZE];
	struct vs_nioc *n = rte_zmalloc_socket("vmk_nioc", sizeof(*n), RTE_CACHE_LINE_SIZE,
					       dp->socket_id);

	if (n == NULL)
		return NULL;
	n->port = p;
	n->owner = owner;
	n->hz = rte_get_tsc_hz();
	n->pub = pub_new(t, cap, dp->socket_id);
	snprintf(name, sizeof(name), "vmk_nioc%u", __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	n->ring = rte_ring_create_elem(name, sizeof(struct nioc_handoff), NIOC_HANDOFF_RING,
				       dp->socket_id, RING_F_SC_DEQ);
	if (n->pub == NULL || n->ring == NULL ||
	    nioc_create(&n->pub->p, NIOC_QLEN_DEFAULT, dp->socket_id, &n->sched) < 0) {
		nioc_free(n);
		return NULL;
	}
	n->applied_gen = t->gen;
	return n;
}

/* Garbage of one apply, freed after the grace period: at most one
 * scheduler and one parameter block per uplink. */
struct nioc_garbage {
	unsigned int n_nioc, n_pub;
	struct vs_nioc **nioc;
	struct nioc_pub **pub;
};

/* Bring p's state in line: create, retune or remove. */
static void apply_port(struct vs_dp *dp, struct vs_port *p, unsigned int *next_owner,
		       struct nioc_garbage *g) VMK_REQUIRES(dp->lock)
{
	const struct dp_nioc *t = &dp->nioc;
	struct vs_nioc *n = p->nioc;
	uint32_t cap = capacity_mbps(p);
	bool want = t->enabled;

	p->nioc_why[0] = '\0';
	if (want && cap == 0) {
		snprintf(p->nioc_why, sizeof(p->nioc_why), "link speed unknown: set one with "
			 "network nic set -n %s --speed", p->name);
		want = false;
	}
	if (want && !fits(t, p, cap, p->nioc_why, sizeof(p->nioc_why)))
		want = false;
	if (!want) {
		if (n != NULL) {
			__atomic_store_n(&p->nioc, NULL, __ATOMIC_RELEASE);
			g->nioc[g->n_nioc++] = n;
		}
		return;
	}
	if (n == NULL) {
		unsigned int owner = dp->n_workers > 0 ? (*next_owner)++ % dp->n_workers : 0;

		n = nioc_new(dp, p, t, cap, owner);
		if (n == NULL) {
			snprintf(p->nioc_why, sizeof(p->nioc_why), "no memory for its scheduler");
			return;
		}
		__atomic_store_n(&p->nioc, n, __ATOMIC_RELEASE);
		VMK_LOG(INFO, port, "%s: NIOC schedules it at %u Mbit/s (worker %u)", p->name,
			cap, n->owner);
		return;
	}
	if (dp->n_workers > 0 && n->owner >= dp->n_workers)
		n->owner = (*next_owner)++ % dp->n_workers;   /* workers stopped, not running */
	if (n->pub->gen != t->gen || n->pub->p.capacity_bps != (uint64_t)cap * 1000000u) {
		struct nioc_pub *b = pub_new(t, cap, dp->socket_id);

		if (b == NULL)
			return;           /* the old parameters go on */
		b->gen = n->pub->gen + 1;   /* a capacity change alone is news too */
		g->pub[g->n_pub++] = __atomic_exchange_n(&n->pub, b, __ATOMIC_ACQ_REL);
	}
}

/* Each worker's list of the uplinks it owns; the old lists in old. */
static int publish_lists(struct vs_dp *dp, struct nioc_list **old) VMK_REQUIRES(dp->lock)
{
	struct nioc_list *lists[VMK_MAX_WORKERS] = { 0 };
	unsigned int total = 0;
	struct vs_port *p;

	FOR_EACH_UPLINK(dp, p)
		total += p->nioc != NULL;
	for (unsigned int w = 0; w < dp->n_workers && total > 0; w++) {
		lists[w] = calloc(1, sizeof(struct nioc_list) + total * sizeof(struct vs_nioc *));
		if (lists[w] == NULL) {
			for (unsigned int j = 0; j < w; j++)
				free(lists[j]);
			return -ENOMEM;
		}
	}
	FOR_EACH_UPLINK(dp, p)
		if (p->nioc != NULL && p->nioc->owner < dp->n_workers) {
			struct nioc_list *l = lists[p->nioc->owner];

			l->e[l->n++] = p->nioc;
		}
	for (unsigned int w = 0; w < dp->n_workers; w++)
		old[w] = __atomic_exchange_n(&dp->workers[w].nioc, lists[w], __ATOMIC_ACQ_REL);
	return 0;
}

int dp_nioc_apply(struct vs_dp *dp)
{
	struct nioc_list *old[VMK_MAX_WORKERS] = { 0 };
	struct nioc_garbage g = { 0 };
	unsigned int next_owner = 0, n_uplinks = 0;
	struct vs_port *p;
	int ret;

	FOR_EACH_UPLINK(dp, p)
		n_uplinks++;
	g.nioc = calloc(n_uplinks + 1, sizeof(*g.nioc));
	g.pub = calloc(n_uplinks + 1, sizeof(*g.pub));
	if (g.nioc == NULL || g.pub == NULL) {
		ret = vmk_err(-ENOMEM, "NIOC: out of memory");
		goto free_garbage;
	}
	FOR_EACH_UPLINK(dp, p)
		apply_port(dp, p, &next_owner, &g);
	ret = publish_lists(dp, old);
	if (ret < 0) {
		/* Without new lists, nothing removed may be freed: the owners
		 * may still serve it. Keep the removed ones scheduled. */
		for (unsigned int i = 0; i < g.n_nioc; i++)
			__atomic_store_n(&g.nioc[i]->port->nioc, g.nioc[i], __ATOMIC_RELEASE);
		g.n_nioc = 0;
		ret = vmk_err(ret, "NIOC: out of memory for the workers' lists");
	}
	dp_rcu_synchronize(dp);
	for (unsigned int w = 0; w < VMK_MAX_WORKERS; w++)
		free(old[w]);
	for (unsigned int i = 0; i < g.n_nioc; i++)
		nioc_free(g.nioc[i]);
	for (unsigned int i = 0; i < g.n_pub; i++)
		rte_free(g.pub[i]);
free_garbage:
	free(g.nioc);
	free(g.pub);
	return ret;
}

void dp_nioc_port_detach(struct vs_dp *dp, struct vs_port *p)
{
	struct vs_nioc *n = p->nioc;
	struct nioc_list *old[VMK_MAX_WORKERS] = { 0 };

	if (n == NULL)
		return;
	__atomic_store_n(&p->nioc, NULL, __ATOMIC_RELEASE);
	/* Retry rather than free under an owner that still lists it. */
	while (publish_lists(dp, old) < 0)
		rte_delay_ms(1);
	dp_rcu_synchronize(dp);
	for (unsigned int w = 0; w < VMK_MAX_WORKERS; w++)
		free(old[w]);
	nioc_free(n);
}

void dp_nioc_workers_stopped(struct vs_dp *dp)
{
	for (unsigned int w = 0; w < VMK_MAX_WORKERS; w++) {
		free(dp->workers[w].nioc);
		dp->workers[w].nioc = NULL;
	}
}

int dp_nioc_set(struct vs_dp *dp, const struct dp_nioc *t)
{
	struct dp_nioc want = *t;
	struct vs_port *p;
	char why[160];
	int ret = 0;

	vmk_mutex_lock(&dp->lock);
	FOR_EACH_UPLINK(dp, p) {
		uint32_t cap = capacity_mbps(p);

		if (cap != 0 && !fits(&want, p, cap, why, sizeof(why))) {
			ret = vmk_err(-EINVAL, "NIOC: %s", why);
			goto unlock;
		}
	}
	want.gen = dp->nioc.gen + 1;
	dp->nioc = want;
	ret = dp_nioc_apply(dp);
unlock:
	vmk_mutex_unlock(&dp->lock);
	return ret;
}

void dp_nioc_get(struct vs_dp *dp, struct dp_nioc *out)
{
	vmk_mutex_lock(&dp->lock);
	*out = dp->nioc;
	vmk_mutex_unlock(&dp->lock);
}

/* ---- the data path ---------------------------------------------------- */

/* Queue frames on the owner; what the scheduler refuses is freed and counted. */
static void enqueue(struct vs_nioc *n, struct port_wstats *st, struct rte_mbuf **pkts,
		    uint8_t *cls, unsigned int k)
{
	unsigned int q = nioc_enqueue(n->sched, pkts, cls, k);

	for (unsigned int i = q; i < k; i++) {
		st->tx_drops[VMK_DROP_NIOC_QUEUE_FULL]++;
		st->tc_drops[cls[i] < VMK_TC_COUNT ? cls[i] : VMK_TC_COUNT - 1]++;
		rte_pktmbuf_free(pkts[i]);
	}
}

/* Send what the scheduler lets go now, on the owner's tx queue. */
static void send_due(struct vs_nioc *n, unsigned int widx, uint64_t tsc)
{
	struct vs_port *p = n->port;
	struct port_wstats *st = &p->wstats[widx];
	struct rte_mbuf *out[2 * VS_BURST];
	uint8_t cls[2 * VS_BURST];
	unsigned int got, sent, kept;

	while (nioc_backlog(n->sched) > 0) {
		struct vmk_capture *cap = __atomic_load_n(&p->capture, __ATOMIC_ACQUIRE);

		got = nioc_dequeue(n->sched, tsc, n->hz, out, cls, RTE_DIM(out));
		if (got == 0)
			return;
		if (unlikely(cap != NULL))
			capture_frames(cap, out, (uint16_t)got, VMK_CAPTURE_OUT, tsc);
		sent = p->ops->tx_burst(p, widx, out, (uint16_t)got);
		for (unsigned int i = 0; i < sent; i++) {
			st->tc_packets[cls[i]]++;
			st->tc_bytes[cls[i]] += out[i]->pkt_len;
			st->tx_bytes += out[i]->pkt_len;
		}
		st->tx_packets += sent;
		if (sent == got)
			continue;
		kept = nioc_hold(n->sched, out + sent, cls + sent, got - sent);
		for (unsigned int i = sent + kept; i < got; i++) {
			st->tx_drops[VMK_DROP_TXQ_FULL]++;
			st->tc_drops[cls[i]]++;
			rte_pktmbuf_free(out[i]);
		}
		return;                    /* the device is full: next loop */
	}
}

uint16_t nioc_port_admit(struct vs_nioc *n, unsigned int widx, struct rte_mbuf *const *pkts,
			 const uint8_t *cls, uint16_t k, uint64_t bytes)
{
	if (widx != n->owner || k == 0)
		return 0;
	if (cls == NULL)
		return nioc_admit_burst(n->sched, rte_rdtsc(), n->hz, VMK_TC_VIRTUAL_MACHINE, k,
					bytes) ? k : 0;
	return (uint16_t)nioc_admit(n->sched, rte_rdtsc(), n->hz, pkts, cls, k);
}

void nioc_port_tx(struct vs_nioc *n, struct vs_port *p, unsigned int widx,
		  struct rte_mbuf **pkts, uint8_t *cls, uint16_t k)
{
	struct port_wstats *st = &p->wstats[widx];
	struct nioc_handoff h[2 * VS_BURST];
	unsigned int q;

	if (k == 0)
		return;
	if (widx == n->owner) {
		enqueue(n, st, pkts, cls, k);
		send_due(n, widx, rte_rdtsc());
		return;
	}
	for (uint16_t i = 0; i < k; i++) {
		h[i].m = pkts[i];
		h[i].cls = cls[i];
	}
	q = rte_ring_mp_enqueue_burst_elem(n->ring, h, sizeof(h[0]), k, NULL);
	for (unsigned int i = q; i < k; i++) {
		st->tx_drops[VMK_DROP_NIOC_QUEUE_FULL]++;
		st->tc_drops[cls[i]]++;
		rte_pktmbuf_free(pkts[i]);
	}
}

static void serve(struct vs_nioc *n, unsigned int widx, uint64_t tsc)
{
	const struct nioc_pub *b = __atomic_load_n(&n->pub, __ATOMIC_ACQUIRE);
	struct port_wstats *st = &n->port->wstats[widx];
	struct nioc_handoff h[VS_BURST];
	unsigned int k;

	if (unlikely(b->gen != n->applied_gen)) {
		if (nioc_set_params(n->sched, &b->p) == 0)
			n->applied_gen = b->gen;
	}
	do {
		struct rte_mbuf *m[VS_BURST];
		uint8_t c[VS_BURST];

		k = rte_ring_sc_dequeue_burst_elem(n->ring, h, sizeof(h[0]), VS_BURST, NULL);
		for (unsigned int i = 0; i < k; i++) {
			m[i] = h[i].m;
			c[i] = (uint8_t)h[i].cls;
		}
		if (k > 0)
			enqueue(n, st, m, c, k);
	} while (k == VS_BURST);
	send_due(n, widx, tsc);
}

void nioc_worker_poll(const struct nioc_list *l, unsigned int widx)
{
	uint64_t tsc;

	if (likely(l == NULL || l->n == 0))
		return;
	tsc = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		struct vs_nioc *n = l->e[i];

		/* Nothing queued, nothing handed over: the common case of an
		 * uplink that nothing contends for costs two loads. */
		if (nioc_backlog(n->sched) == 0 && rte_ring_empty(n->ring) &&
		    __atomic_load_n(&n->pub, __ATOMIC_RELAXED)->gen == n->applied_gen)
			continue;
		if (tsc == 0)
			tsc = rte_rdtsc();
		serve(n, widx, tsc);
	}
}

/* ---- public per-uplink calls ------------------------------------------ */

static struct vs_port *uplink_get(struct vmk_vswitch *vs, uint32_t port_id, int *ret)
	VMK_REQUIRES(vs->dp->lock)
{
	struct vs_port *p = vs_port_get(vs, port_id);

	if (p == NULL)
		*ret = vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
	else if (!p->uplink)
		*ret = vmk_err(-EINVAL, "port %s is not an uplink", p->name);
	return p != NULL && p->uplink ? p : NULL;
}

int vmk_port_set_link_speed(struct vmk_vswitch *vs, uint32_t port_id, uint32_t mbps)
{
	struct vs_port *p;
	char why[160];
	int ret = 0;

	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch");
	if (mbps > VMK_LINK_SPEED_MAX_MBPS)
		return vmk_err(-EINVAL, "speed %u Mbit/s is out of 1..%u (0: the device's)", mbps,
			       VMK_LINK_SPEED_MAX_MBPS);
	vmk_mutex_lock(&vs->dp->lock);
	vs_dp_held(vs);
	p = uplink_get(vs, port_id, &ret);
	if (p == NULL)
		goto unlock;
	{
		uint32_t old = p->speed_mbps, cap;

		p->speed_mbps = mbps;
		cap = capacity_mbps(p);
		if (cap != 0 && !fits(&vs->dp->nioc, p, cap, why, sizeof(why))) {
			p->speed_mbps = old;
			ret = vmk_err(-EINVAL, "%s: NIOC %s", p->name, why);
			goto unlock;
		}
	}
	ret = dp_nioc_apply(vs->dp);
unlock:
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_port_get_nioc(struct vmk_vswitch *vs, uint32_t port_id, struct vmk_nioc_uplink *out)
{
	struct vs_port *p;
	int ret = 0;

	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for the NIOC state");
	memset(out, 0, sizeof(*out));
	vmk_mutex_lock(&vs->dp->lock);
	vs_dp_held(vs);
	p = uplink_get(vs, port_id, &ret);
	if (p != NULL) {
		out->speed_mbps = p->speed_mbps;
		out->capacity_mbps = capacity_mbps(p);
		out->scheduled = p->nioc != NULL;
		snprintf(out->why_not, sizeof(out->why_not), "%s",
			 vs->dp->nioc.enabled ? p->nioc_why : "");
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}
