/*
 * UDP parse and emit (see wire_udp.h). Stateless, any thread.
 */
#include <rte_ip.h>

#include <vmknet/netstack.h>

#include "common/cksum.h"

#include "tcpip/wire_ipv4.h"
#include "tcpip/wire_udp.h"

int udp_parse(struct udp_repr *r, struct rte_mbuf *m, uint32_t off, uint32_t len,
	      rte_be32_t src, rte_be32_t dst)
{
	const struct rte_udp_hdr *h;
	uint16_t ulen, raw;

	if (len < UDP_HLEN || off + len > m->pkt_len || off + UDP_HLEN > m->data_len)
		return -VMK_IPDROP_TRUNCATED;
	h = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, off);
	ulen = rte_be_to_cpu_16(h->dgram_len);
	if (ulen < UDP_HLEN)
		return -VMK_IPDROP_BAD_TOTAL_LEN;
	if (ulen > len)
		return -VMK_IPDROP_TRUNCATED;
	if (h->dgram_cksum != 0) {
		uint32_t sum = ipv4_pseudo_sum(src, dst, IPPROTO_UDP, ulen);

		if (vmk_cksum_mbuf(m, off, ulen, &raw) != 0)
			return -VMK_IPDROP_TRUNCATED;
		sum += raw;
		if (ipv4_cksum_finish(sum) != 0)
			return -VMK_IPDROP_BAD_CHECKSUM;
	}
	r->src_port = rte_be_to_cpu_16(h->src_port);
	r->dst_port = rte_be_to_cpu_16(h->dst_port);
	r->payload_len = (uint16_t)(ulen - UDP_HLEN);
	return 0;
}

void udp_emit(struct rte_mbuf *m, uint32_t off, const struct udp_repr *r,
	      rte_be32_t src, rte_be32_t dst)
{
	struct rte_udp_hdr *h = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, off);
	uint16_t ulen = (uint16_t)(UDP_HLEN + r->payload_len);
	uint32_t sum = ipv4_pseudo_sum(src, dst, IPPROTO_UDP, ulen);
	uint16_t raw = 0, ck;

	h->src_port = rte_cpu_to_be_16(r->src_port);
	h->dst_port = rte_cpu_to_be_16(r->dst_port);
	h->dgram_len = rte_cpu_to_be_16(ulen);
	h->dgram_cksum = 0;
	vmk_cksum_mbuf(m, off, ulen, &raw);
	ck = ipv4_cksum_finish(sum + raw);
	h->dgram_cksum = ck == 0 ? 0xffff : ck;
}
