/*
 * IPv4 header parse and emit (see wire_ipv4.h). Stateless, any thread.
 */
#include <vmknet/netstack.h>

#include "tcpip/wire_ipv4.h"

static int options_check(const uint8_t *opt, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t type = opt[i];

		if (type == 0)          /* end of option list */
			return 0;
		if (type == 1) {        /* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			return -VMK_IPDROP_BAD_OPTIONS;
		i += opt[i + 1];
	}
	return 0;
}

int ipv4_parse(struct ipv4_view *v, struct rte_mbuf *m, uint32_t off)
{
	struct rte_ipv4_hdr *h;
	uint32_t avail, hlen, total;

	if (m->pkt_len < off + IPV4_HLEN || m->data_len < off + IPV4_HLEN)
		return -VMK_IPDROP_TRUNCATED;
	avail = m->pkt_len - off;
	h = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, off);
	if ((h->version_ihl >> 4) != 4)
		return -VMK_IPDROP_BAD_VERSION;
	hlen = (uint32_t)(h->version_ihl & 0x0f) * 4u;
	if (hlen < IPV4_HLEN || off + hlen > m->data_len)
		return -VMK_IPDROP_BAD_IHL;
	total = rte_be_to_cpu_16(h->total_length);
	if (total < hlen || total > avail)
		return -VMK_IPDROP_BAD_TOTAL_LEN;
#ifdef VMK_MUTANT_IPV4_CHECKSUM   /* mutant: IPv4 checksum: a corrupt header is accepted */
	if (0 && rte_raw_cksum(h, hlen) != 0xffff)
#else
	if (rte_raw_cksum(h, hlen) != 0xffff)
#endif
		return -VMK_IPDROP_BAD_CHECKSUM;
	if (hlen > IPV4_HLEN && options_check((const uint8_t *)(h + 1), hlen - IPV4_HLEN) < 0)
		return -VMK_IPDROP_BAD_OPTIONS;
	v->h = h;
	v->hlen = (uint16_t)hlen;
	v->total_len = (uint16_t)total;
	return 0;
}

void ipv4_emit(struct rte_ipv4_hdr *h, const struct ipv4_repr *r)
{
	uint16_t frag = (uint16_t)(r->frag_off / 8u);

	if (r->df)
		frag |= IPV4_FLAG_DF;
	if (r->mf)
		frag |= IPV4_FLAG_MF;
	h->version_ihl = 0x45;
	h->type_of_service = r->tos;
	h->total_length = rte_cpu_to_be_16((uint16_t)(IPV4_HLEN + r->payload_len));
	h->packet_id = rte_cpu_to_be_16(r->id);
	h->fragment_offset = rte_cpu_to_be_16(frag);
	h->time_to_live = r->ttl;
	h->next_proto_id = r->proto;
	h->src_addr = r->src;
	h->dst_addr = r->dst;
	h->hdr_checksum = 0;
	h->hdr_checksum = (uint16_t)~rte_raw_cksum(h, IPV4_HLEN);
}

uint32_t ipv4_pseudo_sum(rte_be32_t src, rte_be32_t dst, uint8_t proto, uint16_t l4_len)
{
	/* Words as they lie in memory, like rte_raw_cksum: the result can be
	 * added to a raw sum of the packet and stored without swapping. */
	uint32_t s = 0;

	s += src & 0xffff;
	s += src >> 16;
	s += dst & 0xffff;
	s += dst >> 16;
	s += rte_cpu_to_be_16((uint16_t)proto);
	s += rte_cpu_to_be_16(l4_len);
	return s;
}

uint16_t ipv4_cksum_finish(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
