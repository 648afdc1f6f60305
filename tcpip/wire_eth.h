/*
 * Ethernet II frames (wire layer): parse checks the length once, then the
 * view's accessors read the header in place; emit writes a header.
 * Multi-byte fields stay in network byte order.
 */
#ifndef VMK_TCPIP_WIRE_ETH_H
#define VMK_TCPIP_WIRE_ETH_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

struct eth_view {
	struct rte_ether_hdr *h;
};

/* View the frame's Ethernet header (first segment). Returns 0 or
 * -VMK_IPDROP_TRUNCATED. */
int eth_parse(struct eth_view *v, struct rte_mbuf *m);

static inline rte_be16_t eth_ethertype(const struct eth_view *v)
{
	return v->h->ether_type;
}

static inline const struct rte_ether_addr *eth_dst(const struct eth_view *v)
{
	return &v->h->dst_addr;
}

static inline const struct rte_ether_addr *eth_src(const struct eth_view *v)
{
	return &v->h->src_addr;
}

/* Write an Ethernet header; ethertype in host byte order. */
void eth_emit(struct rte_ether_hdr *h, const struct rte_ether_addr *dst,
	      const struct rte_ether_addr *src, uint16_t ethertype);

#endif
