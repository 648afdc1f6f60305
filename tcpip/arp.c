/*
 * ARP (RFC 826) for one netstack: a bounded neighbour cache with
 * incomplete / reachable / stale entries, a bounded queue of packets waiting
 * for resolution, replies only for the address of the adapter a request
 * arrived on, and gratuitous ARP when an address is set or an adapter comes
 * up. Lock held throughout (see netstack.h).
 */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "tcpip/stack_host.h"

#include "common/log.h"
#include "common/tclass.h"
#include "tcpip/netstack.h"
#include "tcpip/wire_arp.h"
#include "tcpip/wire_eth.h"

static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static struct arp_entry *arp_find(struct netstack *ns, int16_t ifidx, rte_be32_t ip)
{
	for (unsigned int i = 0; i < VMK_ARP_MAX; i++) {
		struct arp_entry *e = &ns->arp[i];

		if (e->state != ARP_FREE && e->ip == ip && e->ifidx == ifidx)
			return e;
	}
	return NULL;
}

static void arp_entry_free(struct netstack *ns, struct arp_entry *e,
			   enum vmk_ip_drop_reason why)
	VMK_REQUIRES(ns->lock)
{
	for (unsigned int i = 0; i < e->n_q; i++)
		ns_drop(ns, e->q[i], why);
	ns->arp_queued -= e->n_q;
	memset(e, 0, sizeof(*e));
}

/* A free entry, else the least recently used stale one. */
static struct arp_entry *arp_alloc(struct netstack *ns)
	VMK_REQUIRES(ns->lock)
{
	struct arp_entry *victim = NULL;

	for (unsigned int i = 0; i < VMK_ARP_MAX; i++) {
		struct arp_entry *e = &ns->arp[i];

		if (e->state == ARP_FREE)
			return e;
		if (e->state == ARP_STALE && (victim == NULL || e->used_us < victim->used_us))
			victim = e;
	}
	if (victim != NULL)
		arp_entry_free(ns, victim, VMK_IPDROP_ARP_FAILED);
	return victim;
}

static void arp_send(struct netstack *ns, struct tcpip_if *ifc, uint16_t op,
		     const struct rte_ether_addr *dst_mac, const struct rte_ether_addr *tha,
		     rte_be32_t tpa)
	VMK_REQUIRES(ns->lock)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ns->pool);
	struct arp_repr r;
	uint8_t *p;

	if (m == NULL) {
		ns->st.drops[VMK_IPDROP_NO_MBUF]++;
		return;
	}
	/* 60 bytes: the Ethernet minimum, padding zeroed. */
	p = (uint8_t *)rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	memset(p, 0, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	eth_emit((struct rte_ether_hdr *)p, dst_mac, &ifc->mac, RTE_ETHER_TYPE_ARP);
	r.op = op;
	r.sha = ifc->mac;
	r.spa = ifc->addr;
	r.tha = *tha;
	r.tpa = tpa;
	arp_emit((struct rte_arp_hdr *)(p + RTE_ETHER_HDR_LEN), &r);
	vmk_mbuf_set_tclass(m, ifc->tclass);   /* the adapter's class (traffic.h) */
	ns->st.arp_tx++;
	ns_xmit(ns, ifc, m);
}

void arp_announce(struct netstack *ns, struct tcpip_if *ifc)
{
	static const struct rte_ether_addr zero;

	if (if_up(ifc))
		arp_send(ns, ifc, RTE_ARP_OP_REQUEST, &bcast, &zero, ifc->addr);
}

static void eth_push_send(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m,
			  const struct rte_ether_addr *dst)
	VMK_REQUIRES(ns->lock)
{
	struct rte_ether_hdr *h =
		(struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);

	if (h == NULL) {
		ns_drop(ns, m, VMK_IPDROP_NO_MBUF);
		return;
	}
	eth_emit(h, dst, &ifc->mac, RTE_ETHER_TYPE_IPV4);
	ns_xmit(ns, ifc, m);
}

/* A neighbour answered (or announced itself): confirm it and release what
 * waited for it. */
static void arp_confirm(struct netstack *ns, struct tcpip_if *ifc, struct arp_entry *e,
			const struct rte_ether_addr *mac, uint64_t now)
	VMK_REQUIRES(ns->lock)
{
	e->mac = *mac;
	e->state = ARP_REACHABLE;
	e->t_us = now;
	e->tries = 0;
	for (unsigned int i = 0; i < e->n_q; i++)
		eth_push_send(ns, ifc, e->q[i], mac);
	ns->arp_queued -= e->n_q;
	e->n_q = 0;
}

void arp_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint64_t now)
{
	struct arp_repr r;
	struct arp_entry *e;
	bool for_us;
	int ret;

	ns->st.arp_rx++;
	ret = arp_parse(&r, m, RTE_ETHER_HDR_LEN);
	if (ret < 0) {
		ns_drop(ns, m, (enum vmk_ip_drop_reason)-ret);
		return;
	}
	rte_pktmbuf_free(m);
	if (r.spa == 0 || rte_is_multicast_ether_addr(&r.sha))
		return;                       /* probes and bogus senders teach nothing */
	if (ifc->addr != 0 && r.spa == ifc->addr) {
		TCPIP_LOG(WARNING, "%s: %s: address conflict with %02x:%02x:%02x:%02x:%02x:%02x",
			  ns->name, ifc->name, r.sha.addr_bytes[0], r.sha.addr_bytes[1],
			  r.sha.addr_bytes[2], r.sha.addr_bytes[3], r.sha.addr_bytes[4],
			  r.sha.addr_bytes[5]);
		return;
	}
	/* Only the adapter the request arrived on answers, and only for its
	 * own address (no proxy ARP across adapters or netstacks). */
	for_us = ifc->addr != 0 && r.tpa == ifc->addr;
	e = arp_find(ns, ifc->index, r.spa);
	if (e != NULL) {
		arp_confirm(ns, ifc, e, &r.sha, now);
	} else if (for_us) {
		e = arp_alloc(ns);
		if (e != NULL) {
			e->ip = r.spa;
			e->ifidx = ifc->index;
			e->used_us = now;
			arp_confirm(ns, ifc, e, &r.sha, now);
		}
	}
#ifndef VMK_MUTANT_ARP_REPLY   /* mutant: ARP reply: a request for our address goes unanswered */
	if (for_us && r.op == RTE_ARP_OP_REQUEST)
		arp_send(ns, ifc, RTE_ARP_OP_REPLY, &r.sha, &r.sha, r.spa);
#endif
}

static bool is_bcast(const struct tcpip_if *ifc, rte_be32_t nh)
{
	return nh == 0xffffffff || (ifc->mask != 0xffffffff && (nh | ifc->mask) == 0xffffffff &&
				    (nh & ifc->mask) == (ifc->addr & ifc->mask));
}

void arp_output(struct netstack *ns, struct tcpip_if *ifc, rte_be32_t nh, struct rte_mbuf *m,
		uint64_t now)
{
	static const struct rte_ether_addr zero;
	struct arp_entry *e;

	if (is_bcast(ifc, nh)) {
		eth_push_send(ns, ifc, m, &bcast);
		return;
	}
	e = arp_find(ns, ifc->index, nh);
	if (e != NULL && e->state != ARP_INCOMPLETE) {
		e->used_us = now;
		if (e->state == ARP_STALE && now - e->t_us >= ARP_STALE_MS * 1000ull / 10 &&
		    e->tries == 0) {
			/* Reconfirm a stale neighbour while still using it. */
			e->tries = 1;
			arp_send(ns, ifc, RTE_ARP_OP_REQUEST, &e->mac, &zero, nh);
		}
		eth_push_send(ns, ifc, m, &e->mac);
		return;
	}
	if (e == NULL) {
		e = arp_alloc(ns);
		if (e == NULL) {
			ns_drop(ns, m, VMK_IPDROP_ARP_QUEUE_FULL);
			return;
		}
		e->state = ARP_INCOMPLETE;
		e->ip = nh;
		e->ifidx = ifc->index;
		e->t_us = now;
		e->used_us = now;
		e->tries = 1;
		arp_send(ns, ifc, RTE_ARP_OP_REQUEST, &bcast, &zero, nh);
	}
	if (e->n_q >= ARP_QLEN || ns->arp_queued >= ARP_QUEUE_MAX) {
		ns_drop(ns, m, VMK_IPDROP_ARP_QUEUE_FULL);
		return;
	}
	e->q[e->n_q++] = m;
	ns->arp_queued++;
}

void arp_timers(struct netstack *ns, uint64_t now)
{
	static const struct rte_ether_addr zero;

	for (unsigned int i = 0; i < VMK_ARP_MAX; i++) {
		struct arp_entry *e = &ns->arp[i];
		uint64_t age = now - e->t_us;

		switch (e->state) {
		case ARP_INCOMPLETE:
			if (age < ARP_RETRY_MS * 1000ull)
				break;
			if (e->tries >= ARP_TRIES) {
				arp_entry_free(ns, e, VMK_IPDROP_ARP_FAILED);
				break;
			}
			e->tries++;
			e->t_us = now;
			if (e->ifidx >= 0 && ns->ifs[e->ifidx] != NULL)
				arp_send(ns, ns->ifs[e->ifidx], RTE_ARP_OP_REQUEST, &bcast, &zero,
					 e->ip);
			break;
		case ARP_REACHABLE:
			if (age >= ARP_REACHABLE_MS * 1000ull)
				e->state = ARP_STALE;
			break;
		case ARP_STALE:
			if (now - e->used_us >= ARP_STALE_MS * 1000ull &&
			    age >= ARP_STALE_MS * 1000ull)
				arp_entry_free(ns, e, VMK_IPDROP_ARP_FAILED);
			break;
		default:
			break;
		}
	}
}

void arp_flush_if(struct netstack *ns, int16_t ifidx)
{
	for (unsigned int i = 0; i < VMK_ARP_MAX; i++) {
		struct arp_entry *e = &ns->arp[i];

		if (e->state != ARP_FREE && (ifidx < 0 || e->ifidx == ifidx))
			arp_entry_free(ns, e, VMK_IPDROP_ADAPTER_DOWN);
	}
}

unsigned int arp_list(struct netstack *ns, struct vmk_neigh *out, unsigned int max, uint64_t now)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < VMK_ARP_MAX; i++) {
		const struct arp_entry *e = &ns->arp[i];

		if (e->state == ARP_FREE)
			continue;
		if (out != NULL && n < max) {
			struct vmk_neigh *o = &out[n];

			memset(o, 0, sizeof(*o));
			o->ip = e->ip;
			memcpy(o->mac, e->mac.addr_bytes, 6);
			if (e->ifidx >= 0 && ns->ifs[e->ifidx] != NULL)
				snprintf(o->ifname, sizeof(o->ifname), "%s", ns->ifs[e->ifidx]->name);
			o->state = e->state == ARP_INCOMPLETE ? VMK_NEIGH_INCOMPLETE :
				   e->state == ARP_REACHABLE ? VMK_NEIGH_REACHABLE : VMK_NEIGH_STALE;
			o->age_ms = (uint32_t)((now - e->t_us) / 1000u);
		}
		n++;
	}
	return n;
}

unsigned int tcpip_neigh_list(struct tcpip_host *th, const char *netstack,
			      struct vmk_neigh *out, unsigned int max)
{
	struct netstack *ns;
	unsigned int n = 0;

	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns != NULL) {
		vmk_spin_lock(&ns->lock);
		n = arp_list(ns, out, max, tcpip_now_us());
		vmk_spin_unlock(&ns->lock);
	}
	tcpip_host_unlock(th);
	return n;
}

int tcpip_neigh_remove(struct tcpip_host *th, const char *netstack, uint32_t ip)
{
	struct netstack *ns;
	unsigned int n = 0;

	vmk_err_clear();
	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns != NULL) {
		vmk_spin_lock(&ns->lock);
		for (unsigned int i = 0; i < VMK_ARP_MAX; i++) {
			struct arp_entry *e = &ns->arp[i];

			if (e->state != ARP_FREE && e->ip == ip) {
				arp_entry_free(ns, e, VMK_IPDROP_ARP_FAILED);
				n++;
			}
		}
		vmk_spin_unlock(&ns->lock);
		if (n == 0)
			vmk_err(-ENOENT, "netstack %s has no neighbour entry for that address",
				ns->name);
	}
	tcpip_host_unlock(th);
	return ns == NULL || n == 0 ? -ENOENT : 0;
}
