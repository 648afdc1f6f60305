/*
 * ARP parse and emit (see wire_arp.h). Stateless, any thread.
 */
#include <string.h>

#include <vmknet/netstack.h>

#include "tcpip/wire_arp.h"

int arp_parse(struct arp_repr *r, const struct rte_mbuf *m, uint32_t off)
{
	const struct rte_arp_hdr *h;
	uint16_t op;

	if (m->data_len < off + ARP_LEN || m->pkt_len < off + ARP_LEN)
		return -VMK_IPDROP_TRUNCATED;
	h = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, off);
	op = rte_be_to_cpu_16(h->arp_opcode);
	if (h->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    h->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    h->arp_hlen != RTE_ETHER_ADDR_LEN || h->arp_plen != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY))
		return -VMK_IPDROP_BAD_ARP;
	r->op = op;
	rte_ether_addr_copy(&h->arp_data.arp_sha, &r->sha);
	rte_ether_addr_copy(&h->arp_data.arp_tha, &r->tha);
	memcpy(&r->spa, &h->arp_data.arp_sip, 4);
	memcpy(&r->tpa, &h->arp_data.arp_tip, 4);
	return 0;
}

void arp_emit(struct rte_arp_hdr *h, const struct arp_repr *r)
{
	h->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	h->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	h->arp_hlen = RTE_ETHER_ADDR_LEN;
	h->arp_plen = 4;
	h->arp_opcode = rte_cpu_to_be_16(r->op);
	rte_ether_addr_copy(&r->sha, &h->arp_data.arp_sha);
	rte_ether_addr_copy(&r->tha, &h->arp_data.arp_tha);
	memcpy(&h->arp_data.arp_sip, &r->spa, 4);
	memcpy(&h->arp_data.arp_tip, &r->tpa, 4);
}
