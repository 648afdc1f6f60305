/*
 * UDP datagrams (RFC 768), wire layer. The 8-byte header must lie in the
 * segment holding off; the payload may span segments. Checksums include the
 * IPv4 pseudo-header; a zero checksum on receive means "none".
 */
#ifndef VMK_TCPIP_WIRE_UDP_H
#define VMK_TCPIP_WIRE_UDP_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define UDP_HLEN 8u

struct udp_repr {
	uint16_t src_port, dst_port;  /* host byte order */
	uint16_t payload_len;
};

/* Parse and verify the UDP datagram in the len bytes (the IP payload) at
 * off. Returns 0, -VMK_IPDROP_TRUNCATED (short, or UDP length beyond the IP
 * payload), -VMK_IPDROP_BAD_TOTAL_LEN (UDP length < 8) or
 * -VMK_IPDROP_BAD_CHECKSUM. */
int udp_parse(struct udp_repr *r, struct rte_mbuf *m, uint32_t off, uint32_t len,
	      rte_be32_t src, rte_be32_t dst);

/* Write the header of r at off and the checksum over header and payload
 * (payload already in place). */
void udp_emit(struct rte_mbuf *m, uint32_t off, const struct udp_repr *r,
	      rte_be32_t src, rte_be32_t dst);

#endif
