/*
 * The DHCP client's path through a netstack (netstack.h, "DHCP client
 * I/O"): an adapter with a client gets a small ring of received replies,
 * filled by the worker in ipv4_input before the address checks (the
 * adapter has no address while it asks for one), and emptied by the
 * control thread; requests leave as frames built here (broadcasts, and the
 * release to a server whose MAC is known) or through ipv4_output
 * (unicast renewals, which ARP resolves). Both directions pass the host
 * firewall ("dhcp" ruleset: in UDP 68, out UDP 67).
 *
 * Threading: ifc->dhcp_rx is set and cleared under ns->lock; the worker
 * enqueues with the lock held, the control thread dequeues (it holds the
 * IP layer's control lock, so one reader at a time).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "tcpip/firewall.h"
#include "tcpip/netstack.h"
#include "tcpip/wire_dhcp.h"
#include "tcpip/wire_eth.h"
#include "tcpip/wire_ipv4.h"
#include "tcpip/wire_udp.h"

#define DHCP_RING_SIZE 16   /* a handful of offers; more are counted drops */
#define BCAST          0xffffffffu

static void ring_free_all(struct rte_ring *r)
{
	void *m;

	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

int tcpip_if_dhcp_open(struct tcpip_if *ifc)
{
	char rn[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	if (ifc->dhcp_rx != NULL)
		return -EEXIST;
	/* The adapter's address makes the name unique while the ring lives. */
	snprintf(rn, sizeof(rn), "vmk_dh_%p", (void *)ifc);
	r = rte_ring_create(rn, DHCP_RING_SIZE, SOCKET_ID_ANY, 0);
	if (r == NULL)
		return -ENOMEM;
	vmk_spin_lock(&ifc->ns->lock);
	ifc->dhcp_rx = r;
	vmk_spin_unlock(&ifc->ns->lock);
	return 0;
}

void tcpip_if_dhcp_close(struct tcpip_if *ifc)
{
	struct rte_ring *r;

	vmk_spin_lock(&ifc->ns->lock);
	r = ifc->dhcp_rx;
	ifc->dhcp_rx = NULL;
	vmk_spin_unlock(&ifc->ns->lock);
	ring_free_all(r);
}

bool dhcp_io_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint16_t hlen)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	enum vmk_ip_drop_reason why;
	const struct rte_udp_hdr *u;
	struct udp_repr r;
	int ret;

	if (h->next_proto_id != IPPROTO_UDP || m->data_len < hlen + UDP_HLEN ||
	    (rte_be_to_cpu_16(h->fragment_offset) & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)))
		return false;
	u = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, hlen);
	if (u->dst_port != RTE_BE16(DHCP_CLIENT_PORT) || u->src_port != RTE_BE16(DHCP_SERVER_PORT))
		return false;
	ns->st.ip_delivered++;
	ns->st.udp_rx++;
	ret = udp_parse(&r, m, hlen, m->pkt_len - hlen, h->src_addr, h->dst_addr);
	if (ret < 0) {
		ns_drop(ns, m, (enum vmk_ip_drop_reason)-ret);
		return true;
	}
	if (!fw_input(ns, m, hlen, &why)) {
		ns_drop(ns, m, why);
		return true;
	}
	if (rte_ring_enqueue(ifc->dhcp_rx, m) != 0)
		ns_drop(ns, m, VMK_IPDROP_SOCKET_FULL);
	return true;
}

int tcpip_if_dhcp_recv(struct tcpip_if *ifc, uint8_t *buf, size_t size,
		       struct rte_ether_addr *server_mac)
{
	const struct rte_ipv4_hdr *h;
	const struct rte_udp_hdr *u;
	struct rte_mbuf *m;
	uint32_t hlen, len;
	void *obj;

	if (ifc->dhcp_rx == NULL || rte_ring_dequeue(ifc->dhcp_rx, &obj) != 0)
		return -EAGAIN;
	m = obj;
	/* Validated by the worker: IP header, UDP length within the packet.
	 * The Ethernet header is still in the headroom before it. */
	h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	hlen = (uint32_t)(h->version_ihl & 0xf) * 4u;
	u = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, hlen);
	len = rte_be_to_cpu_16(u->dgram_len) - UDP_HLEN;
	if (server_mac != NULL)
		memcpy(server_mac, (const uint8_t *)h - RTE_ETHER_HDR_LEN + RTE_ETHER_ADDR_LEN,
		       RTE_ETHER_ADDR_LEN);
	pkt_read(m, hlen + UDP_HLEN, buf, len < size ? len : (uint32_t)size);
	rte_pktmbuf_free(m);
	return (int)len;
}

/* A frame made here: broadcast, or to a known MAC. Lock held. */
static int send_direct(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m,
		       rte_be32_t src, rte_be32_t dst, const struct rte_ether_addr *dst_mac)
	VMK_REQUIRES(ns->lock)
{
	static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff,
								     0xff, 0xff } };
	struct rte_ipv4_hdr *h;
	struct rte_ether_hdr *eh;
	struct ipv4_repr r;

	memset(&r, 0, sizeof(r));
	r.src = src;
	r.dst = dst;
	r.proto = IPPROTO_UDP;
	r.ttl = 64;
	r.id = ns->ip_id++;
	r.payload_len = (uint16_t)m->pkt_len;
	h = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, IPV4_HLEN);
	eh = h != NULL ? (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN) : NULL;
	if (eh == NULL) {
		ns_drop(ns, m, VMK_IPDROP_NO_MBUF);
		return -ENOBUFS;
	}
	ipv4_emit(h, &r);
	eth_emit(eh, dst == BCAST ? &bcast : dst_mac, &ifc->mac, RTE_ETHER_TYPE_IPV4);
	ns->st.ip_tx++;
	ns_xmit(ns, ifc, m);
	return 0;
}

int tcpip_if_dhcp_send(struct tcpip_if *ifc, const uint8_t *buf, size_t len, rte_be32_t src,
		       rte_be32_t dst, const struct rte_ether_addr *dst_mac)
{
	struct netstack *ns = ifc->ns;
	struct rte_mbuf *m = rte_pktmbuf_alloc(ns->pool);
	enum vmk_ip_drop_reason why;
	struct udp_repr r;
	uint8_t *p;
	int ret;

	if (m == NULL)
		return -ENOBUFS;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(UDP_HLEN + len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memcpy(p + UDP_HLEN, buf, len);
	r.src_port = DHCP_CLIENT_PORT;
	r.dst_port = DHCP_SERVER_PORT;
	r.payload_len = (uint16_t)len;
	udp_emit(m, 0, &r, src, dst);
	vmk_spin_lock(&ns->lock);
	ns->st.udp_tx++;
	if (!ifc->enabled || ifc->index < 0) {
		ns_drop(ns, m, VMK_IPDROP_ADAPTER_DOWN);
		ret = -ENETDOWN;
	} else if (dst == BCAST || dst_mac != NULL) {
		if (fw_output(ns, m, src, dst, IPPROTO_UDP, &why)) {
			ret = send_direct(ns, ifc, m, src, dst, dst_mac);
		} else {
			ns_drop(ns, m, why);
			ret = -EPERM;
		}
	} else {   /* ipv4_output asks the firewall itself */
		struct ip_out o;

		memset(&o, 0, sizeof(o));
		o.src = src;
		o.dst = dst;
		o.proto = IPPROTO_UDP;
		o.ifc = ifc;
		ret = ipv4_output(ns, m, &o, tcpip_now_us());
	}
	vmk_spin_unlock(&ns->lock);
	return ret;
}
