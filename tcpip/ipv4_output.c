/*
 * IPv4 output of a netstack: pick the route (or the forced adapter),
 * ask the host firewall (tcpip/firewall.h), decide the datagram's traffic
 * class (tclass.c: carried on the mbuf, common/tclass.h) and write its DSCP
 * into the header (ipv4_emit computes the checksum over it; the switch
 * copies the header into every TSO segment it cuts and recomputes theirs),
 * refuse DF datagrams longer than the MTU (TSO ones: whose segments are),
 * fragment the others, and pass each packet to ARP for its next hop. Lock
 * held (see netstack.h).
 */
#include <errno.h>
#include <string.h>

#include "common/tclass.h"
#include "tcpip/firewall.h"
#include "tcpip/netstack.h"
#include "tcpip/wire_ipv4.h"

/* Payload bytes per fragment: the MTU's, and what one mbuf holds after the
 * headers, rounded down to 8, so fragments are never chains. */
static uint32_t frag_payload(const struct netstack *ns, const struct tcpip_if *ifc)
{
	uint32_t room = rte_pktmbuf_data_room_size(ns->pool) - RTE_PKTMBUF_HEADROOM;
	uint32_t by_mtu = ifc->mtu - IPV4_HLEN;

	room = room > RTE_ETHER_HDR_LEN + IPV4_HLEN ? room : by_mtu;
	return RTE_MIN(by_mtu, room) & ~7u;
}

static int fragment(struct netstack *ns, struct tcpip_if *ifc, rte_be32_t nh,
		    struct rte_mbuf *m, struct ipv4_repr *r, uint8_t tc, uint64_t now)
	VMK_REQUIRES(ns->lock)
{
	uint32_t total = m->pkt_len, step = frag_payload(ns, ifc);

	for (uint32_t off = 0; off < total; off += step) {
		uint32_t len = RTE_MIN(step, total - off);
		struct rte_mbuf *f = rte_pktmbuf_alloc(ns->pool);
		struct rte_ipv4_hdr *h;
		uint8_t *p;

		if (f == NULL) {
			ns_drop(ns, m, VMK_IPDROP_NO_MBUF);
			return -ENOBUFS;
		}
		p = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)len);
		pkt_read(m, off, p, len);
		h = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(f, IPV4_HLEN);
		r->frag_off = (uint16_t)off;
		r->mf = off + len < total;
		r->payload_len = (uint16_t)len;
		ipv4_emit(h, r);
		vmk_mbuf_set_tclass(f, tc);
		ns->st.frags_tx++;
		arp_output(ns, ifc, nh, f, now);
	}
	rte_pktmbuf_free(m);
	return 0;
}

int ipv4_output(struct netstack *ns, struct rte_mbuf *m, const struct ip_out *o, uint64_t now)
{
	enum vmk_ip_drop_reason why;
	struct route_result rt;
	struct ipv4_repr r;
	struct rte_ipv4_hdr *h;
	uint8_t tc;

	if (route_lookup(ns, o->dst, o->src, o->ifc, &rt) < 0) {
		ns_drop(ns, m, VMK_IPDROP_NO_ROUTE);
		return -ENETUNREACH;
	}
	if (!if_up(rt.ifc)) {
		ns_drop(ns, m, VMK_IPDROP_ADAPTER_DOWN);
		return -ENETDOWN;
	}
	if (!fw_output(ns, m, o->src != 0 ? o->src : rt.ifc->addr, o->dst, o->proto, &why)) {
		ns_drop(ns, m, why);
		return -EPERM;
	}
	if (m->pkt_len + IPV4_HLEN > IPV4_MAX_LEN) {
		ns_drop(ns, m, VMK_IPDROP_TOO_BIG);
		return -EMSGSIZE;
	}
	tc = tclass_classify(m, o, rt.ifc);
	memset(&r, 0, sizeof(r));
	r.tos = tclass_tos(ns->th, tc);
	r.src = o->src != 0 ? o->src : rt.ifc->addr;
	r.dst = o->dst;
	r.proto = o->proto;
	r.ttl = o->ttl != 0 ? o->ttl : 64;
	r.df = o->df;
	r.id = ns->ip_id++;
	ns->st.ip_tx++;
	/* A TSO datagram leaves whole: its wire segments fit the MTU. */
	if (m->pkt_len + IPV4_HLEN > rt.ifc->mtu &&
	    (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ||
	     m->tso_segsz + m->l4_len + IPV4_HLEN > rt.ifc->mtu)) {
		if (o->df) {
			ns_drop(ns, m, VMK_IPDROP_TOO_BIG);
			return -EMSGSIZE;
		}
		return fragment(ns, rt.ifc, rt.next_hop, m, &r, tc, now);
	}
	r.payload_len = (uint16_t)m->pkt_len;
	h = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, IPV4_HLEN);
	if (h == NULL) {
		ns_drop(ns, m, VMK_IPDROP_NO_MBUF);
		return -ENOBUFS;
	}
	ipv4_emit(h, &r);
	vmk_mbuf_set_tclass(m, tc);
	m->l3_len = IPV4_HLEN;
	arp_output(ns, rt.ifc, rt.next_hop, m, now);
	return 0;
}
