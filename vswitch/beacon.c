/*
 * Beacon probing as ESXi's "network failure detection: beacon" (the
 * contract: include/vmknet/policy.h; the frame: beacon.h). While a team of
 * a vSwitch probes, the link monitor sends a beacon out of every uplink
 * whose link is up, once per interval and probed VLAN, and at the next
 * interval judges each uplink by two counters the workers keep: beacons of
 * the other uplinks it received, and its own beacons the others received.
 * A verdict sets the uplink's beacon_failed flag, which vs_team_pick reads
 * for the teams that probe.
 *
 * Threading: beacon_input runs on workers (writes only the worker's own
 * counter slots, of the receiving and of the sending uplink); the rest runs
 * on the link monitor thread or a control thread, under dp->lock, and
 * transmits on the control thread's tx queue (index max_workers).
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <vmknet/policy.h>

#include "common/error.h"
#include "common/log.h"
#include "vswitch/beacon.h"
#include "vswitch/dp.h"
#include "vswitch/vlan.h"
#include "vswitch/vswitch.h"

static const uint8_t beacon_magic[4] = { 'V', 'M', 'K', 'B' };
#define BEACON_VERSION 1

const char *vmk_beacon_state_name(enum vmk_beacon_state s)
{
	static const char *const names[] = { "off", "ok", "failed", "ambiguous" };

	return (unsigned int)s < RTE_DIM(names) ? names[s] : NULL;
}

bool beacon_decide(struct beacon_fsm *f, const struct beacon_obs *o, unsigned int n,
		   uint32_t threshold)
{
	bool any_ok = false, changed = false;

	for (unsigned int i = 0; i < n; i++)
		any_ok |= o[i].probed && o[i].hears && o[i].heard;
	for (unsigned int i = 0; i < n; i++) {
		const bool was_failed = f[i].state == VMK_BEACON_FAILED;

		if (!o[i].probed) {
			f[i].misses = 0;
			f[i].state = VMK_BEACON_OFF;
		} else if (o[i].hears && o[i].heard) {
			f[i].misses = 0;
			f[i].state = VMK_BEACON_OK;
		} else if (any_ok) {
			f[i].misses++;
			if (f[i].misses >= threshold)
				f[i].state = VMK_BEACON_FAILED;
			else if (!was_failed)
				f[i].state = VMK_BEACON_OK;
		} else if (!was_failed) {
			/* Nobody is healthy: no uplink can be blamed. */
			f[i].state = VMK_BEACON_AMBIGUOUS;
		}
		changed |= was_failed != (f[i].state == VMK_BEACON_FAILED);
	}
	return changed;
}

void beacon_input(const struct vs_view *v, struct vs_port *in, unsigned int widx,
		  const struct rte_mbuf *m, bool tagged)
{
	const uint32_t off = tagged ? 18 : 14;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *) + off;
	struct port_wstats *st = &in->wstats[widx];
	const struct vmk_vswitch *vs = in->vs;
	uint64_t token;
	uint16_t slot, vsidx;

	if (m->data_len < off + BEACON_BODY_LEN || memcmp(p, beacon_magic, 4) != 0 ||
	    p[4] != BEACON_VERSION) {
		st->rx_drops[VMK_DROP_BEACON]++;
		return;
	}
	memcpy(&token, p + 8, sizeof(token));
	slot = (uint16_t)(p[6] << 8 | p[7]);
	vsidx = (uint16_t)(p[16] << 8 | p[17]);
	if (token != vs->dp->beacon_token || vsidx != vs->index || slot >= v->n_slots ||
	    slot == in->slot || !v->port[slot].uplink || v->port[slot].port == NULL) {
		st->beacon_foreign++;
		return;
	}
	st->beacon_rx++;
	v->port[slot].port->wstats[widx].beacon_heard++;
}

/* Does the team policy p probe? */
static inline bool probes(const struct vmk_teaming_policy *p)
{
	return p->failure_detection == VMK_FD_BEACON;
}

/* The VLANs to probe (tags; 0 untagged) into vlans[], and how many; 0: no
 * team of vs probes. */
static unsigned int probed_vlans(const struct vmk_vswitch *vs, uint16_t *vlans)
	VMK_REQUIRES(vs->dp->lock)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < VS_MAX_PORTGROUPS && n < BEACON_MAX_VLANS; i++) {
		const struct portgroup *pg = &vs->pgs[i];
		uint16_t vlan;
		bool seen = false;

		if (!pg->used || !probes(pg->teaming_override ? &pg->teaming : &vs->teaming))
			continue;
		vlan = pg->vlan == VMK_VLAN_TRUNK ? 0 : pg->vlan;
		for (unsigned int k = 0; k < n && !seen; k++)
			seen = vlans[k] == vlan;
		if (!seen)
			vlans[n++] = vlan;
	}
	if (n == 0 && probes(&vs->teaming))
		vlans[n++] = 0;
	return n;
}

static struct rte_mbuf *beacon_build(const struct vmk_vswitch *vs, const struct vs_port *u,
				     uint16_t vlan, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(vs->dp->pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, BEACON_LEN);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, BEACON_LEN);
	memset(p, 0xff, 6);
	memcpy(p + 6, u->beacon.mac, 6);
	p[12] = BEACON_ETHERTYPE >> 8;
	p[13] = BEACON_ETHERTYPE & 0xff;
	p += 14;
	memcpy(p, beacon_magic, 4);
	p[4] = BEACON_VERSION;
	p[6] = (uint8_t)(u->slot >> 8);
	p[7] = (uint8_t)u->slot;
	memcpy(p + 8, &vs->dp->beacon_token, 8);
	p[16] = (uint8_t)(vs->index >> 8);
	p[17] = (uint8_t)vs->index;
	p[18] = (uint8_t)(vlan >> 8);
	p[19] = (uint8_t)vlan;
	p[20] = (uint8_t)(seq >> 24);
	p[21] = (uint8_t)(seq >> 16);
	p[22] = (uint8_t)(seq >> 8);
	p[23] = (uint8_t)seq;
	if (vlan != 0 && vlan_push(m, vlan) != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* One beacon per VLAN out of uplink u, counted as management traffic. */
static void beacon_send(struct vmk_vswitch *vs, struct vs_port *u, const uint16_t *vlans,
			unsigned int n_vlans) VMK_REQUIRES(vs->dp->lock)
{
	const unsigned int cw = vs->dp->max_workers;   /* control thread's slot */
	struct port_wstats *st = &u->wstats[cw];

	if (!u->beacon.has_mac) {
		struct vmk_port_info info;

		memset(&info, 0, sizeof(info));
		u->ops->get_info(u, &info);
		memcpy(u->beacon.mac, info.mac, 6);
		u->beacon.has_mac = true;
	}
	for (unsigned int i = 0; i < n_vlans; i++) {
		struct rte_mbuf *m = beacon_build(vs, u, vlans[i], vs->beacon_seq);
		uint32_t len;

		if (m == NULL) {
			st->tx_drops[VMK_DROP_NO_MBUF]++;
			st->tc_drops[VMK_TC_MANAGEMENT]++;
			continue;
		}
		len = m->pkt_len;
		if (u->ops->tx_burst(u, cw, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			st->tx_drops[VMK_DROP_TXQ_FULL]++;
			st->tc_drops[VMK_TC_MANAGEMENT]++;
			continue;
		}
		st->tx_packets++;
		st->tx_bytes += len;
		st->tc_packets[VMK_TC_MANAGEMENT]++;
		st->tc_bytes[VMK_TC_MANAGEMENT] += len;
		u->beacon.sent++;
	}
}

/* The workers' counters of uplink u, summed. */
static void beacon_counts(const struct vmk_vswitch *vs, const struct vs_port *u, uint64_t *rx,
			  uint64_t *heard)
{
	*rx = 0;
	*heard = 0;
	for (unsigned int w = 0; w <= vs->dp->max_workers; w++) {
		*rx += __atomic_load_n(&u->wstats[w].beacon_rx, __ATOMIC_RELAXED);
		*heard += __atomic_load_n(&u->wstats[w].beacon_heard, __ATOMIC_RELAXED);
	}
}

/* Judge the interval that ends now; true when an uplink failed or recovered. */
static bool beacon_judge(struct vmk_vswitch *vs, bool on) VMK_REQUIRES(vs->dp->lock)
{
	struct beacon_fsm f[BEACON_MAX_UPLINKS] = { 0 };
	struct beacon_obs o[BEACON_MAX_UPLINKS] = { 0 };
	struct vs_port *u[BEACON_MAX_UPLINKS];
	unsigned int n = 0;
	bool changed;

	for (uint32_t s = 0; s < vs->n_slots && n < RTE_DIM(u); s++) {
		struct vs_port *p = vs->ports[s];
		uint64_t rx, heard;
		bool up;

		if (p == NULL || !p->uplink)
			continue;
		up = __atomic_load_n(&p->link_up, __ATOMIC_RELAXED);
		beacon_counts(vs, p, &rx, &heard);
		o[n].probed = on && up && p->beacon.primed;
		o[n].hears = rx != p->beacon.base_rx;
		o[n].heard = heard != p->beacon.base_heard;
		p->beacon.base_rx = rx;
		p->beacon.base_heard = heard;
		p->beacon.primed = up;
		f[n] = p->beacon.fsm;
		u[n++] = p;
	}
	changed = beacon_decide(f, o, n, vs->beacon_threshold);
	for (unsigned int i = 0; i < n; i++) {
		const bool failed = f[i].state == VMK_BEACON_FAILED;

		if (failed != (u[i]->beacon.fsm.state == VMK_BEACON_FAILED))
			VMK_LOG(NOTICE, port, "%s: uplink %s beacons %s", vs->name, u[i]->name,
				failed ? "lost: failed for beacon-probing teams" : "back");
		if (failed && u[i]->beacon.fsm.state != VMK_BEACON_FAILED)
			link_demote(vs, u[i]->slot);
		u[i]->beacon.fsm = f[i];
		__atomic_store_n(&u[i]->beacon_failed, failed, __ATOMIC_RELEASE);
	}
	return changed;
}

bool beacon_poll(struct vmk_vswitch *vs, uint64_t now_ms)
{
	uint16_t vlans[BEACON_MAX_VLANS];
	unsigned int n_vlans = probed_vlans(vs, vlans);
	const uint64_t period = (uint64_t)vs->beacon_interval_sec * 1000u;
	bool changed;

	if (n_vlans == 0) {
		if (vs->beacon_next_ms == 0)
			return false;
		vs->beacon_next_ms = 0;       /* probing stops: every uplink OFF */
		return beacon_judge(vs, false);
	}
	if (vs->beacon_next_ms != 0 && now_ms < vs->beacon_next_ms)
		return false;
	changed = beacon_judge(vs, vs->beacon_next_ms != 0);
	/* A late pass (the lock was busy) starts a fresh period, never a burst. */
	vs->beacon_next_ms = vs->beacon_next_ms != 0 && now_ms < vs->beacon_next_ms + period ?
			     vs->beacon_next_ms + period : now_ms + period;
	vs->beacon_seq++;
	for (uint32_t s = 0; s < vs->n_slots; s++) {
		struct vs_port *p = vs->ports[s];

		if (p != NULL && p->uplink && p->beacon.primed)
			beacon_send(vs, p, vlans, n_vlans);
	}
	return changed;
}

int vmk_vswitch_set_beacon(struct vmk_vswitch *vs, uint32_t interval_sec, uint32_t threshold)
{
	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch to set beacon probing of");
	if (interval_sec < 1 || interval_sec > VMK_BEACON_INTERVAL_MAX)
		return vmk_err(-EINVAL, "beacon interval %u s: expected 1-%d", interval_sec,
			       VMK_BEACON_INTERVAL_MAX);
	if (threshold < 1 || threshold > VMK_BEACON_THRESHOLD_MAX)
		return vmk_err(-EINVAL, "beacon threshold %u: expected 1-%d", threshold,
			       VMK_BEACON_THRESHOLD_MAX);
	vmk_mutex_lock(&vs->dp->lock);
	vs->beacon_interval_sec = interval_sec;
	vs->beacon_threshold = threshold;
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}

int vmk_vswitch_get_beacon(struct vmk_vswitch *vs, uint32_t *interval_sec, uint32_t *threshold)
{
	vmk_err_clear();
	if (vs == NULL || interval_sec == NULL || threshold == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for its beacon settings");
	vmk_mutex_lock(&vs->dp->lock);
	*interval_sec = vs->beacon_interval_sec;
	*threshold = vs->beacon_threshold;
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}

int vmk_port_get_beacon_status(struct vmk_vswitch *vs, uint32_t port_id,
			       struct vmk_beacon_status *out)
{
	struct vs_port *p;
	int ret = 0;

	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for the beacon status");
	vmk_mutex_lock(&vs->dp->lock);
	p = vs_port_get(vs, port_id);
	if (p == NULL) {
		ret = vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
	} else if (!p->uplink) {
		ret = vmk_err(-EINVAL, "port %s of vSwitch %s is not an uplink", p->name, vs->name);
	} else {
		memset(out, 0, sizeof(*out));
		out->state = (enum vmk_beacon_state)p->beacon.fsm.state;
		out->misses = p->beacon.fsm.misses;
		out->sent = p->beacon.sent;
		beacon_counts(vs, p, &out->received, &out->heard);
		for (unsigned int w = 0; w <= vs->dp->max_workers; w++)
			out->foreign += __atomic_load_n(&p->wstats[w].beacon_foreign,
							__ATOMIC_RELAXED);
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}
