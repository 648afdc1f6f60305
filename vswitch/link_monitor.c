/*
 * The link monitor: a DPDK control thread per host ("vmk-link") that reads
 * every uplink's link state every LINK_POLL_MS, publishes it to the data
 * path (which then picks other uplinks at once: failover), tracks failback
 * state, runs beacon probing (beacon.c), and on a change tells the physical network where each guest MAC
 * now is (a RARP out of the uplink its team now uses) and has each
 * VMkernel adapter send a gratuitous ARP, as ESXi's "notify switches" does;
 * it also announces a guest port's MAC when the port's link comes up (a VM
 * booted or migrated here).
 *
 * Threading: its own thread, off the workers, because reading a link may be
 * a system call. It takes the datapath lock (dp->lock) for each pass (a few microseconds),
 * and transmits on the control thread's tx queue (index max_workers).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "vswitch/dp.h"
#include "common/log.h"
#include "vswitch/link_monitor.h"
#include "vswitch/vlan.h"
#include "vswitch/vswitch.h"

#define LINK_POLL_MS 10
/* Announcements of a guest port whose link came up, and the gap after each. */
#define ANNOUNCE_N 4
static const unsigned int announce_gap_ms[ANNOUNCE_N] = { 50, 100, 150, 0 };

/* A RARP "reverse request" announcing mac, as hypervisors send after a VM
 * moves (QEMU's announce, ESXi's notify switches). */
struct rte_mbuf *rarp_build(struct rte_mempool *pool, const uint8_t mac[6], uint16_t vlan)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, RARP_LEN);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, RARP_LEN);
	memset(p, 0xff, 6);
	memcpy(p + 6, mac, 6);
	p[12] = 0x80;                    /* EtherType RARP 0x8035 */
	p[13] = 0x35;
	p[15] = 1;                       /* hardware: Ethernet */
	p[16] = 0x08;                    /* protocol: IPv4 */
	p[18] = 6;
	p[19] = 4;
	p[21] = 3;                       /* reverse request */
	memcpy(p + 22, mac, 6);          /* sender hardware address */
	memcpy(p + 32, mac, 6);          /* target hardware address */
	if (vlan != 0 && vlan != VMK_VLAN_TRUNK && vlan_push(m, vlan) != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* One RARP for mac out of uplink; true when the uplink took it. */
static bool rarp_send(struct vmk_vswitch *vs, struct vs_port *uplink, const uint8_t mac[6],
		      uint16_t vlan)
{
	const unsigned int cw = vs->dp->max_workers;   /* control thread's slot */
	struct rte_mbuf *m = rarp_build(vs->dp->pool, mac, vlan);
	struct port_wstats *st = &uplink->wstats[cw];

	/* A guest's announcement: virtualMachine (vswitch/tclass.h), unmarked. */
	if (m == NULL) {
		st->tx_drops[VMK_DROP_NO_MBUF]++;
		st->tc_drops[VMK_TC_VIRTUAL_MACHINE]++;
		return false;
	}
	if (uplink->ops->tx_burst(uplink, cw, &m, 1) == 1) {
		st->tx_packets++;
		st->tx_bytes += RARP_LEN;
		st->tc_packets[VMK_TC_VIRTUAL_MACHINE]++;
		st->tc_bytes[VMK_TC_VIRTUAL_MACHINE] += RARP_LEN;
		return true;
	}
	rte_pktmbuf_free(m);
	st->tx_drops[VMK_DROP_TXQ_FULL]++;
	st->tc_drops[VMK_TC_VIRTUAL_MACHINE]++;
	return false;
}

void link_demote(struct vmk_vswitch *vs, uint32_t slot) VMK_REQUIRES(vs->dp->lock)
{
	/* Failback off: it stays out of use when it recovers, until another
	 * uplink fails, which restores the rest. */
	for (uint32_t k = 0; k < vs->n_slots; k++)
		if (vs->ports[k] != NULL && vs->ports[k]->uplink && k != slot)
			__atomic_store_n(&vs->ports[k]->demoted, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vs->ports[slot]->demoted, 1, __ATOMIC_RELAXED);
}

/* Read every uplink's link; returns true when one changed. */
static bool poll_links(struct vmk_vswitch *vs) VMK_REQUIRES(vs->dp->lock)
{
	bool changed = false;

	for (uint32_t s = 0; s < vs->n_slots; s++) {
		struct vs_port *p = vs->ports[s];
		bool up;

		if (p == NULL || !p->uplink || p->ops->link_get == NULL)
			continue;
		up = !__atomic_load_n(&p->admin_down, __ATOMIC_RELAXED) && p->ops->link_get(p);
		if (up == (p->link_up != 0))
			continue;
		changed = true;
		VMK_LOG(NOTICE, port, "%s: uplink %s link %s", vs->name, p->name, up ? "up" : "down");
		if (!up)
			link_demote(vs, s);
		__atomic_store_n(&p->link_up, up, __ATOMIC_RELEASE);
	}
	return changed;
}

/* Where each guest MAC and adapter now leaves; announce the ones that moved
 * (a RARP for a guest's MAC, the adapter's own gratuitous ARP). */
static void notify_moves(struct vmk_vswitch *vs, bool announce)
{
	const struct vs_view *v = vs->view;

	for (uint32_t s = 0; s < vs->n_slots; s++) {
		struct vs_port *p = vs->ports[s];
		const struct vs_view_port *vp = &v->port[s];
		struct vmk_port_info info;
		const uint8_t *mac;
		int u;

		if (p == NULL || p->uplink || vp->port != p)
			continue;
		if (p->has_mac) {
			mac = p->mac;
		} else if (p->ops->announce != NULL) {
			memset(&info, 0, sizeof(info));
			p->ops->get_info(p, &info);
			mac = info.mac;
		} else {
			continue;
		}
		u = vs_team_pick(v, &vp->team, p->slot,
				 rte_hash_crc_8byte(fdb_key(vp->vlan, mac), 0x9e3779b9));
		if (u == p->last_uplink)
			continue;
		if (announce && u >= 0 && p->last_uplink != LINK_UPLINK_UNKNOWN && vp->team.notify) {
			if (p->ops->announce != NULL)
				p->ops->announce(p);
			else
				rarp_send(vs, vs->ports[u], mac, vp->vlan);
		}
		p->last_uplink = u;
	}
}

/* When a guest port's link comes up (a VM booted here, or moved here: a
 * vMotion's switch-over), the vSwitch announces the port's MAC: RARPs out of
 * the uplink its team uses, at once and 50, 150 and 300 ms later (gaps
 * growing as QEMU's announce-self spaces them, so a switch that missed one
 * still learns), as ESXi's "notify switches" does when a vNIC connects.
 * Nothing is flooded to the other ports of the vSwitch. */
static void announce_guests(struct vmk_vswitch *vs, uint64_t now_ms)
	VMK_REQUIRES(vs->dp->lock)
{
	const struct vs_view *v = vs->view;

	for (uint32_t s = 0; s < vs->n_slots; s++) {
		struct vs_port *p = vs->ports[s];
		const struct vs_view_port *vp = &v->port[s];
		bool up;
		int u;

		if (p == NULL || p->uplink || vp->port != p || p->ops->link_get == NULL ||
		    !p->has_mac)
			continue;
		up = p->ops->link_get(p);
		if (up && !p->ann_link && vp->team.notify) {
			p->ann_left = ANNOUNCE_N;
			p->ann_due_ms = now_ms;
		}
		p->ann_link = up;
		if (!up)
			p->ann_left = 0;
		if (p->ann_left == 0 || now_ms < p->ann_due_ms)
			continue;
		u = vs_team_pick(v, &vp->team, p->slot,
				 rte_hash_crc_8byte(fdb_key(vp->vlan, p->mac), 0x9e3779b9));
		if (u >= 0 && rarp_send(vs, vs->ports[u], p->mac, vp->vlan))
			__atomic_store_n(&p->announces, p->announces + 1, __ATOMIC_RELAXED);
		p->ann_left--;
		p->ann_due_ms = now_ms + announce_gap_ms[ANNOUNCE_N - p->ann_left - 1];
	}
}

static void *monitor_main(void *arg)
{
	struct vs_dp *dp = arg;
	const struct timespec period = { 0, LINK_POLL_MS * 1000000L };
	struct timespec now;

	while (!__atomic_load_n(&dp->link_stop, __ATOMIC_ACQUIRE)) {
		uint64_t now_ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		now_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
		vmk_mutex_lock(&dp->lock);
		for (unsigned int i = 0; i < VMK_MAX_VSWITCHES; i++) {
			struct vmk_vswitch *vs = dp->vswitches[i];
			bool moved;

			if (vs == NULL)
				continue;
			vs_dp_held(vs);       /* a vSwitch of dp */
			moved = poll_links(vs);
			/* Both run: a link change and a beacon verdict may come together. */
			moved = beacon_poll(vs, now_ms) || moved;
			notify_moves(vs, moved);
			announce_guests(vs, now_ms);
		}
		vmk_mutex_unlock(&dp->lock);
		nanosleep(&period, NULL);
	}
	return NULL;
}

int link_monitor_start(struct vs_dp *dp)
{
	int ret;

	__atomic_store_n(&dp->link_stop, 0, __ATOMIC_RELEASE);
	ret = rte_ctrl_thread_create(&dp->link_thread, "vmk-link", NULL, monitor_main, dp);
	if (ret == 0)
		dp->link_running = true;
	return ret > 0 ? -ret : ret;
}

void link_monitor_stop(struct vs_dp *dp)
{
	if (!dp->link_running)
		return;
	__atomic_store_n(&dp->link_stop, 1, __ATOMIC_RELEASE);
	pthread_join(dp->link_thread, NULL);
	dp->link_running = false;
}
