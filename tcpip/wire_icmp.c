/*
 * ICMPv4 parse and emit (see wire_icmp.h). Stateless, any thread.
 */
#include <rte_ip.h>

#include <vmknet/netstack.h>

#include "common/cksum.h"

#include "tcpip/wire_icmp.h"
#include "tcpip/wire_ipv4.h"

static int cksum_of(struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *out)
{
	uint16_t raw;

	if (vmk_cksum_mbuf(m, off, len, &raw) != 0)
		return -1;
	*out = raw;
	return 0;
}

int icmp_parse(struct icmp_repr *r, struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	const struct rte_icmp_hdr *h;
	uint16_t sum;

	if (len < ICMP_HLEN || off + len > m->pkt_len || off + ICMP_HLEN > m->data_len)
		return -VMK_IPDROP_TRUNCATED;
	if (cksum_of(m, off, len, &sum) != 0)
		return -VMK_IPDROP_TRUNCATED;
	if (sum != 0xffff)
		return -VMK_IPDROP_BAD_CHECKSUM;
	h = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, off);
	r->type = h->icmp_type;
	r->code = h->icmp_code;
	r->id = rte_be_to_cpu_16(h->icmp_ident);
	r->seq = rte_be_to_cpu_16(h->icmp_seq_nb);
	r->mtu = r->type == ICMP_DEST_UNREACH ? r->seq : 0;
	r->len = len;
	return 0;
}

void icmp_emit(struct rte_mbuf *m, uint32_t off, const struct icmp_repr *r)
{
	struct rte_icmp_hdr *h = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, off);
	uint16_t sum = 0;

	h->icmp_type = r->type;
	h->icmp_code = r->code;
	h->icmp_cksum = 0;
	if (r->type == ICMP_DEST_UNREACH) {
		h->icmp_ident = 0;
		h->icmp_seq_nb = rte_cpu_to_be_16(r->mtu);
	} else {
		h->icmp_ident = rte_cpu_to_be_16(r->id);
		h->icmp_seq_nb = rte_cpu_to_be_16(r->seq);
	}
	cksum_of(m, off, r->len, &sum);
	h->icmp_cksum = ipv4_cksum_finish(sum);
}
