/*
 * IPv4 input of a netstack: validate (wire_ipv4), drop what is not for the
 * adapter it arrived on, answer oversized DF datagrams with
 * fragmentation-needed, reassemble fragments, ask the host firewall
 * (tcpip/firewall.h), then hand the datagram to ICMP, UDP or TCP. Every refusal is a counted drop. Lock held (see netstack.h).
 */
#include <netinet/in.h>

#include "tcpip/firewall.h"
#include "tcpip/netstack.h"
#include "tcpip/tcp.h"
#include "tcpip/wire_icmp.h"
#include "tcpip/wire_ipv4.h"

static bool martian_src(rte_be32_t src)
{
	uint32_t a = rte_be_to_cpu_32(src);

	return a == 0 || a == 0xffffffff || (a >> 28) == 0xe;
}

/* Strong host model: an adapter accepts its own address and broadcasts. */
static bool dst_ours(const struct tcpip_if *ifc, rte_be32_t dst)
{
	return dst == ifc->addr || dst == 0xffffffff ||
	       (ifc->mask != 0xffffffff && dst == (ifc->addr | ~ifc->mask));
}

/* Drop Ethernet padding after the datagram (it sits in the last segment). */
static int trim_to(struct rte_mbuf *m, uint32_t len)
{
	uint32_t extra = m->pkt_len - len;

	if (extra == 0)
		return 0;
	return rte_pktmbuf_trim(m, (uint16_t)extra) == 0 ? 0 : -1;
}

/* The length the datagram has (or its TSO segments have) on a wire. */
static uint32_t wire_len(const struct rte_mbuf *m, const struct ipv4_view *ip)
{
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		uint32_t l4 = m->l4_len;

		return RTE_MIN((uint32_t)ip->total_len,
			       (uint32_t)m->tso_segsz + ip->hlen + RTE_MAX(l4, 20u));
	}
	return ip->total_len;
}

static void deliver(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m,
		    uint16_t hlen, uint8_t proto, uint64_t now)
	VMK_REQUIRES(ns->lock)
{
	enum vmk_ip_drop_reason why;

	if (!fw_input(ns, m, hlen, &why)) {
		ns_drop(ns, m, why);
		return;
	}
	switch (proto) {
	case IPPROTO_ICMP:
		ns->st.ip_delivered++;
		icmp_input(ns, ifc, m, hlen, now);
		break;
	case IPPROTO_UDP:
		ns->st.ip_delivered++;
		udp_input(ns, ifc, m, hlen, now);
		break;
	case IPPROTO_TCP:
		ns->st.ip_delivered++;
		tcp_input(ns, ifc, m, hlen, now);
		break;
	default:
		icmp_send_error(ns, ifc, m, ICMP_DEST_UNREACH, ICMP_CODE_PROTO_UNREACH, 0, now);
		ns_drop(ns, m, VMK_IPDROP_UNKNOWN_PROTO);
	}
}

void ipv4_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint64_t now)
{
	struct ipv4_view ip;
	int ret;

	ns->st.ip_rx++;
	ret = ipv4_parse(&ip, m, 0);
	if (ret < 0) {
		ns_drop(ns, m, (enum vmk_ip_drop_reason)-ret);
		return;
	}
	if (trim_to(m, ip.total_len) < 0) {
		ns_drop(ns, m, VMK_IPDROP_BAD_TOTAL_LEN);
		return;
	}
	if (ipv4_ttl(&ip) == 0) {
		ns_drop(ns, m, VMK_IPDROP_TTL);
		return;
	}
	if (martian_src(ipv4_src(&ip))) {
		ns_drop(ns, m, VMK_IPDROP_BAD_ADDR);
		return;
	}
	/* The DHCP client's replies come before the adapter has an address,
	 * to the address offered, or broadcast. */
	if (ifc->dhcp_rx != NULL && !ipv4_is_fragment(&ip) && dhcp_io_input(ns, ifc, m, ip.hlen))
		return;
	if (!if_up(ifc) || !dst_ours(ifc, ipv4_dst(&ip))) {
		ns_drop(ns, m, VMK_IPDROP_NOT_FOR_US);
		return;
	}
	/* The adapter's MTU is also what it takes in: a bigger DF datagram
	 * is refused with the MTU the sender should use. A TSO datagram from
	 * an adapter of this host is measured by its wire segments. */
	if (wire_len(m, &ip) > ifc->mtu && ipv4_df(&ip)) {
		icmp_send_error(ns, ifc, m, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED,
				(uint16_t)ifc->mtu, now);
		ns_drop(ns, m, VMK_IPDROP_TOO_BIG);
		return;
	}
	if (ipv4_is_fragment(&ip)) {
		ns->st.frags_rx++;
		m = reasm_input(ns, m, now);
		if (m == NULL)
			return;
		ns->st.reassembled++;
		ipv4_parse(&ip, m, 0);
	}
	deliver(ns, ifc, m, ip.hlen, ipv4_proto(&ip), now);
}
