/*
 * The switching data path: one received burst in, one tx burst per
 * destination out (the two-pass scheme of netmap VALE and VPP).
 *
 * Pass 1 (vs_burst_prepare) classifies every frame (VLAN, ingress checks,
 * keys and hashes) and prefetches FDB buckets. Pass 2 (vs_burst_finish)
 * learns sources and looks up destinations in one loop. A worker prepares the next
 * queue's burst before finishing the previous one, so the prefetched
 * buckets have a whole rx burst of time to arrive. It then stages each frame on its destination
 * port(s) and flushes one tx burst per port. Flooded frames are shared by
 * reference count; at most one re-encapsulated version (tagged vs untagged)
 * is made per frame.
 *
 * Threading: runs on a worker. Reads the RCU-published view and FDB; writes
 * only this worker's stats and tx staging. No locks on the hit path.
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "vswitch/dp.h"
#include "vswitch/beacon.h"
#include "vswitch/capture.h"
#include "vswitch/fdb.h"
#include "vswitch/offload.h"
#include "vswitch/tclass.h"
#include "vswitch/teaming.h"
#include "vswitch/vlan.h"
#include "vswitch/vswitch.h"

#define PREFETCH_AHEAD 4
#define FDB_PREFETCH_MIN 1024   /* entries above which buckets are prefetched */
#define DST_LOOKUP 0xfffd   /* unicast, not resolved yet */
#define DST_FLOOD  0xfffe
#define DST_DROP   0xffff
#define FVID_NONE  0xffff   /* frame carries no tag */

static inline void count_rx_drop(struct port_wstats *st, enum vmk_drop_reason r)
{
	st->rx_drops[r]++;
}

/* Ingress: frame tag -> switching VLAN, or -1 when the port may not send
 * it. trunk: an uplink or VLAN 4095 port; access_vlan: the others' VLAN. */
static inline int ingress_vlan(bool trunk, uint16_t access_vlan, bool tagged, uint16_t vid)
{
	if (trunk)
		return vid == VMK_VLAN_TRUNK ? -1 : vid;   /* 802.1Q reserves 4095 */
	if (tagged && vid != 0)
		return -1;       /* a tag on an access port: VLAN not allowed */
	return access_vlan;
}

/* The tag a frame of VLAN v must carry out of port vp. */
static inline uint16_t egress_fvid(const struct vs_view_port *vp, uint16_t v)
{
	return (v != 0 && (vp->uplink || vp->vlan == VMK_VLAN_TRUNK)) ? v : FVID_NONE;
}

static inline bool port_carries(const struct vs_view_port *vp, uint16_t v)
{
	return vp->uplink || vp->vlan == VMK_VLAN_TRUNK || vp->vlan == v;
}

static inline void stage(struct vs_txbufs *tb, uint16_t slot, struct rte_mbuf *m)
{
	struct vs_txbuf *b = &tb->buf[slot];

	if (b->n == 0)
		tb->dirty[tb->n_dirty++] = slot;
	b->pkts[b->n++] = m;
}

/* Re-tag an mbuf we own alone. Returns 0 or -ENOSPC. */
static inline int retag_inplace(struct rte_mbuf *m, uint16_t cur, uint16_t want)
{
	if (cur == want)
		return 0;
	if (want == FVID_NONE) {
		vlan_pop(m);
		return 0;
	}
	if (cur == FVID_NONE)
		return vlan_push(m, want);
	vlan_set_vid(m, want);   /* keeps the frame's priority bits */
	return 0;
}

/* A TSO frame (offload.h) longer than the MTU is measured by its wire
 * segments. */
static inline bool tso_fits(const struct rte_mbuf *m, uint32_t max_frame)
{
	return (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && m->tso_segsz != 0 &&
	       RTE_ETHER_HDR_LEN + (uint32_t)m->l3_len + m->l4_len + m->tso_segsz <= max_frame;
}

/* Pass 1 for one burst. `checks` is a compile-time constant: the common
 * port (forged transmits accepted, no shaping) gets a copy of the loop
 * without those two tests. */
static __rte_always_inline void
classify_burst(const struct vs_view *v, struct fdb *f, struct vs_port *in, unsigned int widx,
	       struct port_wstats *st, struct rte_mbuf **pkts, uint16_t n,
	       struct pkt_cls *c, struct shaper *shp, uint64_t hz, const bool checks)
{
	const struct vs_view_port *vp = &v->port[in->slot];
	const bool in_uplink = vp->uplink;
	/* A small table stays in L1: prefetching it only costs issue slots. */
	const bool pf = __atomic_load_n(&f->n_entries, __ATOMIC_RELAXED) > FDB_PREFETCH_MIN;
	/* The port's settings, read once: stores to c[] could alias them. */
	const bool in_trunk = vp->uplink || vp->vlan == VMK_VLAN_TRUNK;
	const uint16_t in_vlan = vp->vlan;
	const uint8_t in_sec = vp->sec;
	const uint64_t in_mac = vp->mac;
	const uint32_t max_frame = v->max_frame;
	uint64_t rx_bytes = 0;
	uint32_t n_mcast = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth;
		uint64_t smac;
		uint16_t vid;
		bool tagged;
		int vl;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		rx_bytes += m->pkt_len;
		c[i].dst = DST_DROP;
		if (unlikely(vlan_parse(m, &vid, &tagged) != 0)) {
			count_rx_drop(st, VMK_DROP_MALFORMED);
			continue;
		}
		/* Beacon probing's frames end here, at the uplink's input. */
		if (in_uplink && beacon_is(m, tagged)) {
			beacon_input(v, in, widx, m, tagged);
			continue;
		}
		vl = ingress_vlan(in_trunk, in_vlan, tagged, vid);
		if (unlikely(vl < 0)) {
			count_rx_drop(st, VMK_DROP_VLAN);
			continue;
		}
		if (unlikely(m->pkt_len - (tagged ? 4u : 0u) > max_frame) &&
		    !tso_fits(m, max_frame)) {
			count_rx_drop(st, VMK_DROP_MTU);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		smac = fdb_mac48_hdr(eth->src_addr.addr_bytes);
		if (unlikely((smac & 1) || smac == 0)) {   /* multicast or zero source */
			count_rx_drop(st, VMK_DROP_MALFORMED);
			continue;
		}
#ifdef VMK_MUTANT_FORGED_TRANSMIT   /* mutant: forged-transmit rejection: any source MAC passes */
		if (0 && checks && (in_sec & VP_FORGED_REJECT) && smac != in_mac) {
#else
		if (checks && (in_sec & VP_FORGED_REJECT) && smac != in_mac) {
#endif
			count_rx_drop(st, VMK_DROP_SECURITY);
			continue;
		}
		if (checks && shp != NULL && !shaper_admit(shp, m->pkt_len, hz)) {
			count_rx_drop(st, VMK_DROP_SHAPED);
			continue;
		}
		c[i].vlan = (uint16_t)vl;
		c[i].fvid = tagged ? vid : FVID_NONE;
		c[i].skey = fdb_key_mac48(c[i].vlan, smac);
		c[i].sh = fdb_hash(f, c[i].skey);
		if (pf)
			fdb_prefetch(f, c[i].sh);
		if (rte_is_multicast_ether_addr(&eth->dst_addr)) {
			c[i].dst = DST_FLOOD;
			n_mcast++;
		} else {
			c[i].dst = DST_LOOKUP;
			c[i].dkey = fdb_key_hdr(c[i].vlan, eth->dst_addr.addr_bytes);
			c[i].dh = fdb_hash(f, c[i].dkey);
			if (pf)
				fdb_prefetch(f, c[i].dh);
		}
	}
	st->rx_packets += n;
	st->rx_bytes += rx_bytes;
	st->rx_multicast += n_mcast;
}

static void classify(const struct vs_view *v, struct fdb *f, struct vs_port *in,
		     unsigned int widx, struct rte_mbuf **pkts, uint16_t n,
		     struct pkt_cls *c, struct shaper *shp, uint64_t hz)
{
	struct port_wstats *st = &in->wstats[widx];

	if (unlikely((v->port[in->slot].sec & VP_FORGED_REJECT) || shp != NULL))
		classify_burst(v, f, in, widx, st, pkts, n, c, shp, hz, true);
	else
		classify_burst(v, f, in, widx, st, pkts, n, c, NULL, 0, false);
}

static inline void set_destination(const struct vs_view *v, struct vs_port *in,
				   struct port_wstats *st, struct pkt_cls *c, uint64_t val)
{
	const struct vs_view_port *vp = &v->port[in->slot];
	uint16_t d = fdb_val_port(val);

	if (unlikely(d >= v->n_slots || v->port[d].port == NULL ||
		     !port_carries(&v->port[d], c->vlan))) {
		c->dst = DST_FLOOD;   /* stale entry: flood, never misdeliver */
	} else if (unlikely(d == in->slot || (vp->uplink && v->port[d].uplink))) {
		count_rx_drop(st, VMK_DROP_FILTERED);
		c->dst = DST_DROP;
	} else {
		c->dst = d;
	}
}

/* Learn every source and look up every unicast destination. Round 1: the
 * first buckets, prefetched in classify (where ~91% of keys live); round 2:
 * the second buckets of the few keys not found there, prefetched as a
 * batch. A source first seen in this burst is learned in round 2, so a
 * frame of the same burst to it floods: safe, and rare. */
static void learn_and_resolve(const struct vs_view *v, struct fdb *f, struct vs_port *in,
			      struct port_wstats *st, uint16_t n, struct pkt_cls *c,
			      uint32_t now)
{
	uint16_t smiss[VS_BURST], dmiss[VS_BURST], n_smiss = 0, n_dmiss = 0;
	const uint16_t slot = in->slot;
	/* Frames of a burst mostly go to few ports: the last (port, VLAN)
	 * checked and the slot it gave are kept in registers. */
	uint32_t memo_key = UINT32_MAX;
	uint16_t memo_dst = DST_DROP;
	uint64_t val;

	for (uint16_t i = 0; i < n; i++) {
		if (c[i].dst == DST_DROP)
			continue;
		if (!fdb_touch_b1(f, c[i].skey, c[i].sh, slot, now)) {
			fdb_prefetch_b2(f, c[i].sh);
			smiss[n_smiss++] = i;
		}
		if (c[i].dst != DST_LOOKUP)
			continue;
		if (fdb_find_b1(f, c[i].dkey, c[i].dh, &val)) {
			uint32_t key = (uint32_t)fdb_val_port(val) << 16 | c[i].vlan;

			if (key == memo_key) {
				c[i].dst = memo_dst;
				continue;
			}
			set_destination(v, in, st, &c[i], val);
			if (c[i].dst < DST_FLOOD) {   /* drops are counted each time */
				memo_key = key;
				memo_dst = c[i].dst;
			}
			continue;
		}
		fdb_prefetch_b2(f, c[i].dh);
		dmiss[n_dmiss++] = i;
	}
	for (uint16_t k = 0; k < n_smiss; k++) {
		const struct pkt_cls *x = &c[smiss[k]];

		if (unlikely(fdb_learn_b2(f, x->skey, x->sh, slot, now) < 0))
			count_rx_drop(st, VMK_DROP_FDB_FULL);
	}
	for (uint16_t k = 0; k < n_dmiss; k++) {
		struct pkt_cls *x = &c[dmiss[k]];

		if (fdb_find_b2(f, x->dkey, x->dh, &val))
			set_destination(v, in, st, x, val);
		else
			x->dst = DST_FLOOD;
	}
}

/* The hash a team balances on: source MAC (the FDB key's CRC), or for IP
 * hash the IPv4 addresses when the frame carries IPv4. */
static inline uint32_t team_hash(const struct vs_team *t, const struct rte_mbuf *m,
				 const struct pkt_cls *c)
{
	if (t->lb == VMK_LB_IP_HASH) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t l2 = c->fvid != FVID_NONE ? 18 : 14;
		uint32_t a, b;

		if (m->data_len >= l2 + 20 && p[l2 - 2] == 0x08 && p[l2 - 1] == 0x00) {
			memcpy(&a, p + l2 + 12, 4);
			memcpy(&b, p + l2 + 16, 4);
			return rte_hash_crc_4byte(a ^ b, 0);
		}
	}
	return c->sh.crc;
}

/* Add k references to every segment: a shared chain must survive each
 * holder's rte_pktmbuf_free, which releases segment by segment. */
static inline void mbuf_ref_add(struct rte_mbuf *m, int16_t k)
{
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, k);
}

/* Stage m on every slot of dst[] (n_dst > 0), each in its encapsulation.
 * Consumes m. */
static void fanout(const struct vs_view *v, struct vs_txbufs *tb, struct rte_mbuf *m,
		   const struct pkt_cls *c, struct rte_mempool *pool, unsigned int widx,
		   const uint16_t *dst, uint16_t n_dst)
{
	const uint16_t tag_fvid = c->vlan != 0 ? c->vlan : FVID_NONE;
	struct rte_mbuf *ver_tag = NULL, *ver_untag = NULL;
	uint16_t n_tagged = 0, n_untagged;

	if (tag_fvid != FVID_NONE)
		for (uint16_t i = 0; i < n_dst; i++)
			n_tagged += egress_fvid(&v->port[dst[i]], c->vlan) == tag_fvid;
	n_untagged = n_dst - n_tagged;

	/* Two encapsulations at most: tagged with the VLAN, or untagged. The
	 * one matching the frame as received uses m itself. */
	if (n_tagged > 0) {
		ver_tag = c->fvid == tag_fvid ? m :
			vlan_reencap(m, c->fvid != FVID_NONE, true, c->vlan, pool);
	}
	if (n_untagged > 0) {
		ver_untag = c->fvid == FVID_NONE ? m :
			vlan_reencap(m, true, false, 0, pool);
	}
	if (ver_tag != NULL && n_tagged > 1)
		mbuf_ref_add(ver_tag, n_tagged - 1);
	if (ver_untag != NULL && n_untagged > 1)
		mbuf_ref_add(ver_untag, n_untagged - 1);
	for (uint16_t i = 0; i < n_dst; i++) {
		bool want_tag = tag_fvid != FVID_NONE &&
				egress_fvid(&v->port[dst[i]], c->vlan) == tag_fvid;
		struct rte_mbuf *x = want_tag ? ver_tag : ver_untag;

		if (unlikely(x == NULL)) {
			v->port[dst[i]].port->wstats[widx].tx_drops[VMK_DROP_NO_MBUF]++;
			continue;
		}
		stage(tb, dst[i], x);
	}
	/* m served neither version: drop our reference. */
	if (m != ver_tag && m != ver_untag)
		rte_pktmbuf_free(m);
}

/* A port whose MAC changed against a Reject policy receives nothing. */
static inline bool blocked(const struct vs_view *v, uint16_t s, unsigned int widx)
{
	if (likely(!(v->port[s].sec & VP_MAC_BLOCKED)))
		return false;
	v->port[s].port->wstats[widx].tx_drops[VMK_DROP_SECURITY]++;
	return true;
}

/* Stage a flooded frame on every other port of its VLAN. Consumes m. */
static void flood(const struct vs_view *v, struct vs_port *in, struct vs_txbufs *tb,
		  struct port_wstats *st, struct rte_mbuf *m, const struct pkt_cls *c,
		  struct rte_mempool *pool, unsigned int widx)
{
	const struct flood_set *fs = v->flood[c->vlan] ? v->flood[c->vlan] : v->flood_default;
	const bool from_uplink = v->port[in->slot].uplink;
	uint16_t dst[VMK_VSWITCH_MAX_PORTS];
	uint16_t n_dst = 0;

	for (uint16_t i = 0; i < fs->n; i++) {
		uint16_t s = fs->slot[i];

		/* Uplinks: from an uplink, none (split horizon); from a port,
		 * the one its team picks, below. */
		if (s == in->slot || v->port[s].uplink || blocked(v, s, widx))
			continue;
		dst[n_dst++] = s;
	}
	if (!from_uplink) {
		const struct vs_team *t = &v->port[in->slot].team;
		int u = vs_team_pick(v, t, in->slot, team_hash(t, m, c));

		if (u >= 0)
			dst[n_dst++] = (uint16_t)u;
	}
	if (n_dst == 0) {
		count_rx_drop(st, VMK_DROP_FILTERED);
		rte_pktmbuf_free(m);
		return;
	}
	fanout(v, tb, m, c, pool, widx, dst, n_dst);
}

/* A unicast frame to d when its VLAN has promiscuous ports: d and every
 * promiscuous port but the ingress get it. Consumes m. */
static void unicast_promisc(const struct vs_view *v, struct vs_port *in, struct vs_txbufs *tb,
			    struct rte_mbuf *m, const struct pkt_cls *c,
			    struct rte_mempool *pool, unsigned int widx)
{
	const struct flood_set *ps = v->promisc[c->vlan];
	uint16_t dst[VMK_VSWITCH_MAX_PORTS];
	uint16_t n_dst = 0;

	if (!blocked(v, c->dst, widx))
		dst[n_dst++] = c->dst;
	for (uint16_t i = 0; ps != NULL && i < ps->n; i++) {
		uint16_t s = ps->slot[i];

		if (s != in->slot && s != c->dst && !blocked(v, s, widx))
			dst[n_dst++] = s;
	}
	if (n_dst == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	fanout(v, tb, m, c, pool, widx, dst, n_dst);
}

/* An uplink's frames about to leave: each one's traffic class into cls[]
 * and its length into len[], the class's 802.1p marking applied (a frame
 * that could not be marked is dropped and counted). Returns the frames
 * left, compacted in pkts; *bytes is their total length. */
static inline uint16_t uplink_prepare(struct vs_port *p, struct port_wstats *st,
				      struct rte_mbuf **pkts, uint16_t n, bool classed,
				      uint8_t *cls, uint32_t *len, uint64_t *bytes)
{
	const struct vs_dp *dp = p->vs->dp;
	uint64_t b = 0;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t c = tc_of(m, classed), cos = tc_cos_of(dp, c);

		if (unlikely(cos != 0) && tc_mark(&m, cos, dp->pool) != 0) {
			st->tx_drops[VMK_DROP_NO_MBUF]++;
			st->tc_drops[c]++;
			continue;
		}
		cls[k] = c;
		len[k] = m->pkt_len;
		b += m->pkt_len;
		pkts[k++] = m;
	}
	*bytes = b;
	return k;
}

/* Per-class counters of an uplink after its tx burst took `sent` of n. */
static inline void uplink_count(struct port_wstats *st, uint16_t n, uint16_t sent,
				const uint8_t *cls, const uint32_t *len)
{
	for (uint16_t i = 0; i < sent; i++) {
		st->tc_packets[cls[i]]++;
		st->tc_bytes[cls[i]] += len[i];
	}
	for (uint16_t i = sent; i < n; i++)
		st->tc_drops[cls[i]]++;
}

/* Capture, transmit and count n frames (at most 2 bursts) to port p; what
 * it refuses is freed and counted. bytes: their total length. classed:
 * they carry their traffic class (the ingress port is a vmknic). */
static inline void transmit(struct vs_port *p, unsigned int widx, struct rte_mbuf **pkts,
			    uint16_t n, uint64_t bytes, bool classed)
{
	struct port_wstats *st = &p->wstats[widx];
	struct vmk_capture *cap = __atomic_load_n(&p->capture, __ATOMIC_ACQUIRE);
	/* Guests' frames to an uplink with virtualMachine unmarked (the
	 * common case of a VM host) are all one class: counted per burst. */
	struct vs_nioc *nioc = p->uplink ? __atomic_load_n(&p->nioc, __ATOMIC_ACQUIRE) : NULL;
	const bool per_frame = p->uplink &&
		(classed || tc_cos_of(p->vs->dp, VMK_TC_VIRTUAL_MACHINE) != 0);
	uint8_t cls[2 * VS_BURST];
	uint32_t len[2 * VS_BURST];
	uint16_t sent, queue = 0;

	if (per_frame)
		n = uplink_prepare(p, st, pkts, n, classed, cls, len, &bytes);
	if (unlikely(nioc != NULL)) {
		/* Scheduled: what may leave at once goes on here; the rest,
		 * after it, to NIOC's queues (it sends, captures and counts). */
		uint16_t k = nioc_port_admit(nioc, widx, pkts, per_frame ? cls : NULL, n, bytes);

		queue = n - k;
		if (queue != 0 && !per_frame)
			memset(cls, VMK_TC_VIRTUAL_MACHINE, n);
		for (uint16_t i = k; i < n; i++)
			bytes -= pkts[i]->pkt_len;
		n = k;
	}
	if (unlikely(cap != NULL))
		capture_frames(cap, pkts, n, VMK_CAPTURE_OUT, rte_rdtsc());
	sent = n > 0 ? p->ops->tx_burst(p, widx, pkts, n) : 0;
	if (per_frame)
		uplink_count(st, n, sent, cls, len);
	if (unlikely(sent < n)) {
		/* The device refused them: dropped and counted as with NIOC
		 * off. Under NIOC their tokens stay spent (admitted is
		 * admitted; handing them back would let a full device queue
		 * mint bandwidth for the class). */
		for (uint16_t i = sent; i < n; i++) {
			bytes -= pkts[i]->pkt_len;
			rte_pktmbuf_free(pkts[i]);
		}
		st->tx_drops[VMK_DROP_TXQ_FULL] += n - sent;
	}
	if (p->uplink && !per_frame) {
		st->tc_packets[VMK_TC_VIRTUAL_MACHINE] += sent;
		st->tc_bytes[VMK_TC_VIRTUAL_MACHINE] += bytes;
		st->tc_drops[VMK_TC_VIRTUAL_MACHINE] += n - sent;
	}
	st->tx_packets += sent;
	st->tx_bytes += bytes;
	if (unlikely(queue != 0))
		nioc_port_tx(nioc, p, widx, pkts + n, cls + n, queue);
}

/* A port that cannot take transmit offloads, and some of the frames ask
 * for them: finish them in software (offload.c), sending as the output
 * fills. */
static __rte_noinline void transmit_sw(struct vs_port *p, unsigned int widx,
				       struct rte_mbuf **pkts, uint16_t n,
				       struct rte_mempool *pool, bool classed)
{
	struct rte_mbuf *out[2 * VS_BURST];
	uint64_t bytes = 0;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int got;

		if (!(m->ol_flags & OFFLOAD_TX_WORK)) {
			got = 1;
			if (k == RTE_DIM(out)) {
				transmit(p, widx, out, k, bytes, classed);
				k = 0;
				bytes = 0;
			}
			out[k] = m;
		} else {
			if (k + offload_max_frames(m) > RTE_DIM(out)) {
				transmit(p, widx, out, k, bytes, classed);
				k = 0;
				bytes = 0;
			}
			uint8_t c = tc_of(m, classed);   /* m is gone on failure */

			got = offload_finish(m, pool, out + k, RTE_DIM(out) - k);
			if (got < 0) {
				p->wstats[widx].tx_drops[got == -ENOBUFS ? VMK_DROP_NO_MBUF :
							 VMK_DROP_MALFORMED]++;
				if (p->uplink)
					p->wstats[widx].tc_drops[c]++;
				continue;
			}
		}
		for (int j = 0; j < got; j++)
			bytes += out[k + j]->pkt_len;
		k = (uint16_t)(k + got);
	}
	if (k > 0)
		transmit(p, widx, out, k, bytes, classed);
}

/* Send what the burst staged. classed: its frames carry their traffic
 * class (the burst came from a vmknic). */
static void flush(const struct vs_view *v, struct vs_txbufs *tb, unsigned int widx,
		  struct rte_mempool *pool, bool classed)
{
	for (uint16_t k = 0; k < tb->n_dirty; k++) {
		uint16_t s = tb->dirty[k];
		struct vs_txbuf *b = &tb->buf[s];
		struct vs_port *p = v->port[s].port;
		uint64_t bytes = 0, ofl = 0;

		for (uint16_t i = 0; i < b->n; i++) {
			bytes += b->pkts[i]->pkt_len;
			ofl |= b->pkts[i]->ol_flags;
		}
		if (unlikely(ofl & OFFLOAD_TX_WORK) && !p->ops->tx_offload)
			transmit_sw(p, widx, b->pkts, b->n, pool, classed);
		else
			transmit(p, widx, b->pkts, b->n, bytes, classed);
		b->n = 0;
	}
	tb->n_dirty = 0;
}

void vs_burst_prepare(struct vs_burst *b, struct vmk_vswitch *vs, struct vs_port *in,
		      uint16_t qid, struct rte_mbuf **pkts, uint16_t n, unsigned int widx,
		      uint64_t tsc)
{
	struct shaper *shp = NULL;
	uint64_t hz = 0;

	b->vs = vs;
	b->in = in;
	b->n = n;
	b->view = __atomic_load_n(&vs->view, __ATOMIC_ACQUIRE);
	b->fdb = __atomic_load_n(&vs->fdb, __ATOMIC_ACQUIRE);
	if (pkts != b->pkts)
		memcpy(b->pkts, pkts, n * sizeof(*pkts));
	/* pktcap's input point: one pointer test when nobody captures. */
	struct vmk_capture *cap = __atomic_load_n(&in->capture, __ATOMIC_ACQUIRE);

	if (unlikely(cap != NULL))
		capture_frames(cap, b->pkts, n, VMK_CAPTURE_IN, tsc);
	if (unlikely(b->view->port[in->slot].shaping.enabled)) {
		hz = rte_get_tsc_hz();
		shp = &in->shapers[qid < in->n_rxq ? qid : 0];
		shaper_refill(shp, &b->view->port[in->slot].shaping, tsc, hz);
	}
	classify(b->view, b->fdb, in, widx, b->pkts, n, b->c, shp, hz);
}

void vs_burst_finish(struct vs_burst *b, unsigned int widx, uint32_t now)
{
	const struct vs_view *v = b->view;
	struct vs_port *in = b->in;
	struct port_wstats *st = &in->wstats[widx];
	struct vs_txbufs *tb = &b->vs->txb[widx];
	struct rte_mempool *pool = b->vs->dp->pool;
	struct pkt_cls *c = b->c;

	learn_and_resolve(v, b->fdb, in, st, b->n, c, now);
	/* Runs of frames to one destination are staged with the count in a
	 * register: a count kept in memory makes every frame wait for the
	 * previous frame's store to forward. */
	struct vs_txbuf *run = NULL;
	uint16_t run_d = DST_DROP, run_n = 0;
	/* While the run's destination needs no per-frame decision (no
	 * promiscuous port or MAC block, no re-tag, and an uplink chosen by
	 * port ID or explicit order: the same for the whole burst), a frame
	 * for the same looked-up slot, VLAN and tag joins it directly. */
	uint16_t fast_d = DST_LOOKUP, fast_vlan = 0, fast_fvid = 0;   /* DST_LOOKUP: none */
	const bool in_uplink = v->port[in->slot].uplink;

	for (uint16_t i = 0; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];
		uint16_t d = c[i].dst;

		if (d == fast_d && c[i].vlan == fast_vlan && c[i].fvid == fast_fvid) {
			run->pkts[run_n++] = m;
			continue;
		}
		fast_d = DST_LOOKUP;   /* resolved frames never carry it */

		/* To the physical network: by the team's uplink, whichever
		 * uplink the destination was learned on. */
		const uint16_t looked_up = d;
		const bool teamed = d < DST_FLOOD && v->port[d].uplink && !in_uplink;
		const struct vs_team *t = &v->port[in->slot].team;

		if (teamed) {
			int u = vs_team_pick(v, t, in->slot, team_hash(t, m, &c[i]));

			if (unlikely(u < 0)) {
				st->rx_drops[VMK_DROP_NO_UPLINK]++;
				d = DST_DROP;
			} else {
				d = (uint16_t)u;
			}
			c[i].dst = d;
		}

		if (likely(d < DST_FLOOD) &&
		    unlikely(v->promisc[c[i].vlan] != NULL || (v->port[d].sec & VP_MAC_BLOCKED))) {
			if (run != NULL) {
				run->n = run_n;
				run = NULL;
				run_d = DST_DROP;
			}
			unicast_promisc(v, in, tb, m, &c[i], pool, widx);
			continue;
		}
		if (likely(d < DST_FLOOD)) {
			uint16_t want = egress_fvid(&v->port[d], c[i].vlan);

			if (unlikely(retag_inplace(m, c[i].fvid, want) != 0)) {
				v->port[d].port->wstats[widx].tx_drops[VMK_DROP_NO_MBUF]++;
				rte_pktmbuf_free(m);
				continue;
			}
			if (d != run_d) {
				if (run != NULL)
					run->n = run_n;
				run = &tb->buf[d];
				if (run->n == 0)
					tb->dirty[tb->n_dirty++] = d;
				run_d = d;
				run_n = run->n;
			}
			run->pkts[run_n++] = m;
			if (c[i].fvid == want &&
			    (!teamed || t->lb == VMK_LB_PORT_ID || t->lb == VMK_LB_EXPLICIT)) {
				fast_d = looked_up;
				fast_vlan = c[i].vlan;
				fast_fvid = want;
			}
			continue;
		}
		if (run != NULL) {
			run->n = run_n;
			run = NULL;
			run_d = DST_DROP;
		}
		if (d == DST_FLOOD)
			flood(v, in, tb, st, m, &c[i], pool, widx);
		else
			rte_pktmbuf_free(m);
	}
	if (run != NULL)
		run->n = run_n;
	flush(v, tb, widx, pool, in->ops->tx_classed);
	b->n = 0;
}
