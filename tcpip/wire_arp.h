/*
 * ARP for IPv4 over Ethernet (RFC 826), wire layer. parse checks the
 * length and the fixed fields once and fills a representation; emit writes
 * one. Addresses stay in network byte order.
 */
#ifndef VMK_TCPIP_WIRE_ARP_H
#define VMK_TCPIP_WIRE_ARP_H

#include <stdint.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define ARP_LEN ((uint32_t)sizeof(struct rte_arp_hdr))  /* 28 */

struct arp_repr {
	uint16_t op;                 /* RTE_ARP_OP_REQUEST / _REPLY, host order */
	struct rte_ether_addr sha;   /* sender hardware address */
	rte_be32_t spa;              /* sender protocol address */
	struct rte_ether_addr tha;
	rte_be32_t tpa;
};

/* Parse the ARP packet at off in the first segment. Returns 0,
 * -VMK_IPDROP_TRUNCATED or -VMK_IPDROP_BAD_ARP (not Ethernet/IPv4, bad
 * address lengths, unknown operation). */
int arp_parse(struct arp_repr *r, const struct rte_mbuf *m, uint32_t off);

/* Write r as an ARP packet (ARP_LEN bytes). */
void arp_emit(struct rte_arp_hdr *h, const struct arp_repr *r);

#endif
