/*
 * ICMPv4 of a netstack: echo replies (in place, zero copy, also for
 * reassembled requests), echo replies and errors delivered to ping
 * sessions, and the errors the stack sends (destination, protocol and port
 * unreachable, fragmentation needed), rate limited by a token bucket.
 * Lock held (see netstack.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/wire_icmp.h"
#include "tcpip/wire_ipv4.h"

#define ICMP_ERR_REFILL_US 10000   /* one more error allowed every 10 ms */
#define ICMP_QUOTE         8u      /* bytes of the offending payload quoted */

static void echo_reply(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m,
		       const struct ipv4_view *ip, const struct icmp_repr *req, uint64_t now)
	VMK_REQUIRES(ns->lock)
{
	struct icmp_repr rep = *req;
	struct ip_out o = {
		.src = ipv4_dst(ip), .dst = ipv4_src(ip), .proto = IPPROTO_ICMP, .ifc = NULL,
	};

	(void)ifc;
	if (o.src != ifc->addr) {          /* no replies to broadcast pings */
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_adj(m, ip->hlen);
	rep.type = ICMP_ECHO_REPLY;
	rep.code = 0;
	icmp_emit(m, 0, &rep);
	ns->st.icmp_tx++;
	ipv4_output(ns, m, &o, now);
}

/* An error quoting one of our echo requests: tell its ping session. */
static void error_to_ping(struct netstack *ns, struct rte_mbuf *m, uint32_t off,
			  const struct icmp_repr *err, rte_be32_t from, uint64_t now)
	VMK_REQUIRES(ns->lock)
{
	struct ipv4_view q;
	struct icmp_repr qi;
	uint8_t hdr[ICMP_HLEN];
	int status;

	if (m->pkt_len < off + IPV4_HLEN + ICMP_HLEN || m->data_len < off + IPV4_HLEN)
		return;
	/* The quote is an IP header and the first 8 bytes of its payload;
	 * its total length names the original, so it is read field by field. */
	q.h = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, off);
	q.hlen = (uint16_t)((q.h->version_ihl & 0x0f) * 4u);
	if (q.hlen < IPV4_HLEN || off + q.hlen > m->data_len ||
	    q.h->next_proto_id != IPPROTO_ICMP || m->pkt_len < off + q.hlen + ICMP_HLEN)
		return;
	pkt_read(m, off + q.hlen, hdr, sizeof(hdr));
	if (hdr[0] != ICMP_ECHO_REQUEST)
		return;
	qi.id = (uint16_t)(hdr[4] << 8 | hdr[5]);
	qi.seq = (uint16_t)(hdr[6] << 8 | hdr[7]);
	status = err->type == ICMP_DEST_UNREACH && err->code == ICMP_CODE_FRAG_NEEDED ?
		 -EMSGSIZE : err->type == ICMP_TIME_EXCEEDED ? -ETIMEDOUT : -EHOSTUNREACH;
	/* from: the router that sent the error (vmkping's "From A ..."). */
	ping_on_reply(ns, qi.id, qi.seq, status, from, 0, 0, err->mtu, now);
}

void icmp_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint16_t hlen,
		uint64_t now)
{
	struct ipv4_view ip;
	struct icmp_repr r;
	int ret;

	ns->st.icmp_rx++;
	ipv4_parse(&ip, m, 0);
	ret = icmp_parse(&r, m, hlen, ipv4_payload_len(&ip));
	if (ret < 0) {
		ns_drop(ns, m, (enum vmk_ip_drop_reason)-ret);
		return;
	}
	switch (r.type) {
	case ICMP_ECHO_REQUEST:
		echo_reply(ns, ifc, m, &ip, &r, now);
		return;
	case ICMP_ECHO_REPLY:
		ping_on_reply(ns, r.id, r.seq, 0, ipv4_src(&ip), r.len - ICMP_HLEN, ipv4_ttl(&ip),
			      0, now);
		break;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
		if (r.type == ICMP_DEST_UNREACH && r.code == ICMP_CODE_FRAG_NEEDED) {
			struct rte_icmp_hdr *h =
				rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, hlen);

			r.mtu = rte_be_to_cpu_16(h->icmp_seq_nb);
		} else {
			r.mtu = 0;
		}
		error_to_ping(ns, m, hlen + ICMP_HLEN, &r, ipv4_src(&ip), now);
		break;
	default:
		break;
	}
	rte_pktmbuf_free(m);
}

static bool may_send_error(struct netstack *ns, const struct rte_mbuf *orig, uint64_t now)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(orig, const struct rte_ipv4_hdr *);
	uint32_t hlen = (h->version_ihl & 0x0f) * 4u;
	uint32_t dst = rte_be_to_cpu_32(h->dst_addr), src = rte_be_to_cpu_32(h->src_addr);
	uint32_t refill;

	if ((rte_be_to_cpu_16(h->fragment_offset) & IPV4_OFFSET_MASK) != 0 ||
	    dst == 0xffffffff || (dst >> 28) == 0xe || src == 0 || (src >> 28) == 0xe)
		return false;
	if (h->next_proto_id == IPPROTO_ICMP) {
		uint8_t type = 0xff;

		if (orig->pkt_len > hlen)
			pkt_read(orig, hlen, &type, 1);
		if (type != ICMP_ECHO_REQUEST && type != ICMP_ECHO_REPLY)
			return false;   /* never an error about an error */
	}
	refill = (uint32_t)((now - ns->icmp_err_us) / ICMP_ERR_REFILL_US);
	if (refill > 0) {
		ns->icmp_err_tokens = RTE_MIN(ns->icmp_err_tokens + refill, ICMP_ERR_BURST);
		ns->icmp_err_us = now;
	}
	if (ns->icmp_err_tokens == 0)
		return false;
	ns->icmp_err_tokens--;
	return true;
}

void icmp_send_error(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *orig,
		     uint8_t type, uint8_t code, uint16_t mtu, uint64_t now)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(orig, const struct rte_ipv4_hdr *);
	uint32_t quote = RTE_MIN(orig->pkt_len, (h->version_ihl & 0x0f) * 4u + ICMP_QUOTE);
	struct icmp_repr r = { .type = type, .code = code, .mtu = mtu };
	struct ip_out o = { .src = ifc->addr, .dst = h->src_addr, .proto = IPPROTO_ICMP,
			    .ifc = ifc };
	uint8_t buf[60 + ICMP_QUOTE];
	struct rte_mbuf *m;

	if (!may_send_error(ns, orig, now))
		return;
	m = pkt_alloc(ns->pool, ICMP_HLEN + quote);
	if (m == NULL) {
		ns->st.drops[VMK_IPDROP_NO_MBUF]++;
		return;
	}
	pkt_read(orig, 0, buf, quote);
	pkt_write(m, ICMP_HLEN, buf, quote);
	r.len = ICMP_HLEN + quote;
	icmp_emit(m, 0, &r);
	ns->st.icmp_tx++;
	/* The sender may be off-link: let the route pick, from this adapter's
	 * address (its own gateway applies). */
	o.ifc = NULL;
	ipv4_output(ns, m, &o, now);
}
