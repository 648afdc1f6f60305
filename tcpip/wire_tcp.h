/*
 * TCP segments (RFC 9293), wire layer: parse once (length, data offset,
 * option framing, checksum with the IPv4 pseudo-header) into a
 * representation, and emit a header with its options and checksum. The
 * header (options included) must lie in the segment holding off; the
 * payload may span segments. Sequence numbers and ports in the
 * representation are host byte order. Stateless, any thread.
 */
#ifndef VMK_TCPIP_WIRE_TCP_H
#define VMK_TCPIP_WIRE_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#define TCP_HLEN        20u
#define TCP_MAX_HLEN    60u
#define TCP_MAX_SACK    4

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2
#define TCPOPT_WSCALE    3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK      5
#define TCPOPT_TS        8

#define TCP_MAX_WSCALE   14

struct tcp_repr {
	uint16_t src_port, dst_port;
	uint32_t seq, ack;
	uint8_t flags;                /* TCP_* */
	uint16_t win;                 /* the field as sent (unscaled) */
	uint16_t hlen;                /* parse: header bytes, options included */
	uint32_t payload_len;         /* parse: bytes after the header */
	/* options */
	uint16_t mss;                 /* 0: absent */
	int8_t wscale;                /* -1: absent; parse clamps to 14 */
	bool sack_ok;
	bool has_ts;
	uint32_t ts_val, ts_ecr;
	uint8_t n_sack;
	uint32_t sack[TCP_MAX_SACK][2]; /* [start, end) */
};

/* Clear r: no options, wscale absent. */
void tcp_repr_init(struct tcp_repr *r);

/*
 * Parse and verify the segment in the len bytes (the IP payload) at off.
 * Returns 0, or the negated reason: -VMK_TCPDROP_TRUNCATED (len < 20, or
 * the header does not lie in the first buffer), -VMK_TCPDROP_BAD_OFFSET
 * (data offset < 5 or beyond len), -VMK_TCPDROP_BAD_OPTIONS (an option's
 * length runs past the header or is wrong for its kind),
 * -VMK_TCPDROP_BAD_CHECKSUM.
 */
int tcp_parse(struct tcp_repr *r, const struct rte_mbuf *m, uint32_t off, uint32_t len,
	      rte_be32_t src, rte_be32_t dst);

/* Bytes of options (padded to 4) that tcp_emit writes for r. */
uint16_t tcp_opts_len(const struct tcp_repr *r);

/* Write the header of r and its options at off and the checksum over
 * header and payload_len payload bytes (already in place after the
 * header). Returns the header length. */
uint16_t tcp_emit(struct rte_mbuf *m, uint32_t off, const struct tcp_repr *r,
		  uint32_t payload_len, rte_be32_t src, rte_be32_t dst);

/* The same without the checksum (the field is 0): for a segment whose
 * checksum is left to transmit offload (RTE_MBUF_F_TX_TCP_CKSUM). */
uint16_t tcp_emit_hdr(struct rte_mbuf *m, uint32_t off, const struct tcp_repr *r);

/*
 * Whether there is no checksum to verify on m: its sender in this host left
 * the checksum to transmit offload (RTE_MBUF_F_TX_TCP_CKSUM or _TCP_SEG:
 * the bytes never crossed a wire, and the vSwitch completes the checksum
 * for any port that does), or a NIC verified it (RX_L4_CKSUM_GOOD).
 * Frames received from a device carry only receive flags.
 */
static inline bool tcp_csum_trusted(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM ||
	       (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ||
	       (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

#endif
