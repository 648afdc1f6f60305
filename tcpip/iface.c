/*
 * Adapters as the stack sees them: their rings, attaching them to a
 * netstack, the worker's poll hook, and the Ethernet demultiplexer.
 *
 * Threading (see netstack.h): tcpip_if_poll runs on the worker polling the
 * adapter's vSwitch port and only tries the netstack lock; everything else
 * here runs with the lock held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "common/log.h"
#include "tcpip/netstack.h"
#include "tcpip/tcp.h"
#include "tcpip/wire_eth.h"

#define TIMER_PERIOD_US 1000

static void ring_drain(struct rte_ring *r)
{
	void *m;

	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

int tcpip_if_init(struct tcpip_if *ifc, const char *name)
{
	static uint32_t seq;
	char rn[RTE_RING_NAMESIZE];
	uint32_t id = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);

	if (name != ifc->name)
		snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->index = -1;
	snprintf(rn, sizeof(rn), "vmk_ifrx_%u", id);
	ifc->rxq = rte_ring_create(rn, IF_RING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "vmk_iftx_%u", id);
	ifc->txq = rte_ring_create(rn, IF_RING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (ifc->rxq == NULL || ifc->txq == NULL) {
		tcpip_if_fini(ifc);
		return -ENOMEM;
	}
	return 0;
}

void tcpip_if_fini(struct tcpip_if *ifc)
{
	ring_drain(ifc->rxq);
	ring_drain(ifc->txq);
	rte_ring_free(ifc->rxq);
	rte_ring_free(ifc->txq);
	ifc->rxq = NULL;
	ifc->txq = NULL;
}

int tcpip_if_attach(struct netstack *ns, struct tcpip_if *ifc)
{
	int ret = -ENOSPC;

	vmk_spin_lock(&ns->lock);
	for (int16_t i = 0; i < NS_MAX_IFS; i++) {
		if (ns->ifs[i] != NULL)
			continue;
		ns->ifs[i] = ifc;
		ns->n_ifs++;
		ifc->index = i;
		__atomic_store_n(&ifc->ns, ns, __ATOMIC_RELEASE);
		ret = 0;
		break;
	}
	vmk_spin_unlock(&ns->lock);
	return ret;
}

void tcpip_if_detach(struct tcpip_if *ifc)
{
	struct netstack *ns = ifc->ns;

	if (ns == NULL || ifc->index < 0)
		return;
	vmk_spin_lock(&ns->lock);
	arp_flush_if(ns, ifc->index);
	ns->ifs[ifc->index] = NULL;
	ns->n_ifs--;
	ifc->index = -1;
	vmk_spin_unlock(&ns->lock);
	/* Keep ifc->ns: the adapter stays tied to its netstack for
	 * descriptions; a worker polling it checks index instead. */
}

void ns_xmit(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m)
{
	if (rte_ring_enqueue(ifc->txq, m) != 0) {
		ns_drop(ns, m, VMK_IPDROP_TXQ_FULL);
		return;
	}
	ns->st.tx_frames++;
}

void ns_timers(struct netstack *ns, uint64_t now)
{
	ns->last_timer_us = now;
	arp_timers(ns, now);
	reasm_timers(ns, now);
	tcp_timers(ns, now);
}

static bool eth_for_us(const struct tcpip_if *ifc, const struct rte_ether_addr *dst)
{
	return rte_is_same_ether_addr(dst, &ifc->mac) || rte_is_multicast_ether_addr(dst);
}

void ns_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint64_t now)
{
	struct eth_view eth;
	int ret;

	ns->st.rx_frames++;
	/* A flooded frame is one mbuf shared by every port it went to (the
	 * switch adds references): the stack moves its data offset and may
	 * write into it, so it works on a copy while another holder is left
	 * (adapters of one vSwitch that take the same broadcast). */
	if (rte_mbuf_refcnt_read(m) > 1) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, ns->pool, 0, UINT32_MAX);

		rte_pktmbuf_free(m);
		if (c == NULL) {
			ns_drop(ns, NULL, VMK_IPDROP_NO_MBUF);
			return;
		}
		m = c;
	}
	ret = eth_parse(&eth, m);
	if (ret < 0) {
		ns_drop(ns, m, (enum vmk_ip_drop_reason)-ret);
		return;
	}
	if (!eth_for_us(ifc, eth_dst(&eth))) {
		ns_drop(ns, m, VMK_IPDROP_OTHER_HOST);
		return;
	}
	if (!ifc->enabled) {
		ns_drop(ns, m, VMK_IPDROP_ADAPTER_DOWN);
		return;
	}
	switch (eth_ethertype(&eth)) {
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		arp_input(ns, ifc, m, now);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		ipv4_input(ns, ifc, m, now);
		break;
	default:
		ns_drop(ns, m, VMK_IPDROP_ETHERTYPE);
	}
}

uint16_t tcpip_if_poll(struct tcpip_if *ifc, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	struct netstack *ns = __atomic_load_n(&ifc->ns, __ATOMIC_ACQUIRE);

	if (ns != NULL && ifc->index >= 0)
		__atomic_store_n(&ns->polled_us, now, __ATOMIC_RELAXED);
	if (ns != NULL && vmk_spin_trylock(&ns->lock)) {
		struct rte_mbuf *in[NS_BURST];
		unsigned int k = 0;

		if (ifc->index >= 0) {   /* still attached */
			k = rte_ring_sc_dequeue_burst(ifc->rxq, (void **)in, NS_BURST, NULL);
			ns_req_run(ns);
		}

		for (unsigned int i = 0; i < k; i++) {
			if (i + 1 < k)
				rte_prefetch0(rte_pktmbuf_mtod(in[i + 1], void *));
			ns_input(ns, ifc, in[i], now);
		}
		if (now - ns->last_timer_us >= TIMER_PERIOD_US)
			ns_timers(ns, now);
		vmk_spin_unlock(&ns->lock);
	}
	return (uint16_t)rte_ring_sc_dequeue_burst(ifc->txq, (void **)pkts, n, NULL);
}
