/*
 * IPv4 headers (RFC 791), wire layer. ipv4_parse validates once (length,
 * version, IHL, total length, header checksum, option framing) and the
 * accessors then read the header in place; ipv4_emit writes a 20-byte header
 * with its checksum from a representation. Addresses stay in network byte
 * order.
 */
#ifndef VMK_TCPIP_WIRE_IPV4_H
#define VMK_TCPIP_WIRE_IPV4_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define IPV4_HLEN        20u
#define IPV4_MAX_LEN     65535u
#define IPV4_FLAG_DF     0x4000
#define IPV4_FLAG_MF     0x2000
#define IPV4_OFFSET_MASK 0x1fff

struct ipv4_view {
	struct rte_ipv4_hdr *h;
	uint16_t hlen;       /* header bytes, options included */
	uint16_t total_len;  /* header + payload */
};

/*
 * Validate the IPv4 header at off (it must lie in the first segment; the
 * payload may continue in further segments). Returns 0, or the negated
 * reason: -VMK_IPDROP_TRUNCATED (shorter than 20 bytes), _BAD_VERSION,
 * _BAD_IHL (IHL < 5 or header beyond the data), _BAD_TOTAL_LEN (total
 * length < header or > bytes present), _BAD_CHECKSUM, _BAD_OPTIONS.
 * Bytes after total length (Ethernet padding) are allowed.
 */
int ipv4_parse(struct ipv4_view *v, struct rte_mbuf *m, uint32_t off);

static inline rte_be32_t ipv4_src(const struct ipv4_view *v) { return v->h->src_addr; }
static inline rte_be32_t ipv4_dst(const struct ipv4_view *v) { return v->h->dst_addr; }
static inline uint8_t ipv4_proto(const struct ipv4_view *v) { return v->h->next_proto_id; }
static inline uint8_t ipv4_ttl(const struct ipv4_view *v) { return v->h->time_to_live; }
static inline uint16_t ipv4_id(const struct ipv4_view *v)
{
	return rte_be_to_cpu_16(v->h->packet_id);
}
static inline uint16_t ipv4_frag_field(const struct ipv4_view *v)
{
	return rte_be_to_cpu_16(v->h->fragment_offset);
}
static inline bool ipv4_df(const struct ipv4_view *v)
{
	return (ipv4_frag_field(v) & IPV4_FLAG_DF) != 0;
}
static inline bool ipv4_mf(const struct ipv4_view *v)
{
	return (ipv4_frag_field(v) & IPV4_FLAG_MF) != 0;
}
/* Fragment offset in bytes. */
static inline uint32_t ipv4_frag_off(const struct ipv4_view *v)
{
	return (uint32_t)(ipv4_frag_field(v) & IPV4_OFFSET_MASK) * 8u;
}
static inline bool ipv4_is_fragment(const struct ipv4_view *v)
{
	return ipv4_mf(v) || ipv4_frag_off(v) != 0;
}
static inline uint16_t ipv4_payload_len(const struct ipv4_view *v)
{
	return (uint16_t)(v->total_len - v->hlen);
}

struct ipv4_repr {
	rte_be32_t src, dst;
	uint8_t proto;
	uint8_t ttl;
	uint8_t tos;
	bool df, mf;
	uint16_t id;
	uint16_t frag_off;     /* bytes, multiple of 8 */
	uint16_t payload_len;
};

/* Write a 20-byte header (no options) with its checksum. */
void ipv4_emit(struct rte_ipv4_hdr *h, const struct ipv4_repr *r);

/* Unfolded one's-complement sum of the UDP/TCP pseudo-header, in memory
 * word order (add it to rte_raw_cksum results; store the finish as is). */
uint32_t ipv4_pseudo_sum(rte_be32_t src, rte_be32_t dst, uint8_t proto, uint16_t l4_len);

/* Fold a 32-bit one's-complement sum and complement it: a checksum field. */
uint16_t ipv4_cksum_finish(uint32_t sum);

#endif
