/*
 * ICMPv4 messages (RFC 792, RFC 1191), wire layer. The message may span
 * mbuf segments (a reassembled echo request): the 8-byte header must lie in
 * the segment holding off, the checksum covers the whole message.
 */
#ifndef VMK_TCPIP_WIRE_ICMP_H
#define VMK_TCPIP_WIRE_ICMP_H

#include <stdint.h>

#include <rte_icmp.h>
#include <rte_mbuf.h>

#define ICMP_HLEN              8u
#define ICMP_ECHO_REPLY        0
#define ICMP_DEST_UNREACH      3
#define ICMP_ECHO_REQUEST      8
#define ICMP_TIME_EXCEEDED     11
#define ICMP_CODE_NET_UNREACH  0
#define ICMP_CODE_HOST_UNREACH 1
#define ICMP_CODE_PROTO_UNREACH 2
#define ICMP_CODE_PORT_UNREACH 3
#define ICMP_CODE_FRAG_NEEDED  4

struct icmp_repr {
	uint8_t type, code;
	uint16_t id, seq;    /* echo: host byte order */
	uint16_t mtu;        /* fragmentation needed: next-hop MTU */
	uint32_t len;        /* whole message, header included */
};

/* Parse and verify the ICMP message of len bytes at off. Returns 0,
 * -VMK_IPDROP_TRUNCATED or -VMK_IPDROP_BAD_CHECKSUM. */
int icmp_parse(struct icmp_repr *r, struct rte_mbuf *m, uint32_t off, uint32_t len);

/* Write the 8-byte header of r at off and the checksum of the len-byte
 * message (payload already in place). off + 8 must lie in one segment. */
void icmp_emit(struct rte_mbuf *m, uint32_t off, const struct icmp_repr *r);

#endif
