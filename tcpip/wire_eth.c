/*
 * Ethernet II parse and emit (see wire_eth.h). Pure functions of their
 * arguments: no state, any thread.
 */
#include <vmknet/netstack.h>

#include "tcpip/wire_eth.h"

int eth_parse(struct eth_view *v, struct rte_mbuf *m)
{
	if (m->data_len < RTE_ETHER_HDR_LEN)
		return -VMK_IPDROP_TRUNCATED;
	v->h = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	return 0;
}

void eth_emit(struct rte_ether_hdr *h, const struct rte_ether_addr *dst,
	      const struct rte_ether_addr *src, uint16_t ethertype)
{
	rte_ether_addr_copy(dst, &h->dst_addr);
	rte_ether_addr_copy(src, &h->src_addr);
	h->ether_type = rte_cpu_to_be_16(ethertype);
}
