/*
 * TCP parse and emit (see wire_tcp.h). Stateless, any thread.
 */
#include <string.h>

#include <rte_ip.h>

#include <vmknet/tcp.h>

#include "common/cksum.h"

#include "tcpip/wire_ipv4.h"
#include "tcpip/wire_tcp.h"

#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

void tcp_repr_init(struct tcp_repr *r)
{
	memset(r, 0, sizeof(*r));
	r->wscale = -1;
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One option of kind k with length l at p: 0 or -BAD_OPTIONS. */
static int parse_opt(struct tcp_repr *r, uint8_t k, uint8_t l, const uint8_t *p)
{
	switch (k) {
	case TCPOPT_MSS:
		if (l != 4)
			return -VMK_TCPDROP_BAD_OPTIONS;
		r->mss = (uint16_t)(p[2] << 8 | p[3]);
		break;
	case TCPOPT_WSCALE:
		if (l != 3)
			return -VMK_TCPDROP_BAD_OPTIONS;
		r->wscale = (int8_t)RTE_MIN(p[2], TCP_MAX_WSCALE);
		break;
	case TCPOPT_SACK_PERM:
		if (l != 2)
			return -VMK_TCPDROP_BAD_OPTIONS;
		r->sack_ok = true;
		break;
	case TCPOPT_SACK:
		if (l < 10 || (l - 2) % 8 != 0 || (l - 2) / 8 > TCP_MAX_SACK)
			return -VMK_TCPDROP_BAD_OPTIONS;
		r->n_sack = (uint8_t)((l - 2) / 8);
		for (unsigned int i = 0; i < r->n_sack; i++) {
			r->sack[i][0] = get32(p + 2 + 8 * i);
			r->sack[i][1] = get32(p + 6 + 8 * i);
		}
		break;
	case TCPOPT_TS:
		if (l != 10)
			return -VMK_TCPDROP_BAD_OPTIONS;
		r->has_ts = true;
		r->ts_val = get32(p + 2);
		r->ts_ecr = get32(p + 6);
		break;
	default:
		break;                  /* unknown kinds are skipped */
	}
	return 0;
}

static int parse_opts(struct tcp_repr *r, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n;) {
		uint8_t k = p[i], l;
		int ret;

		if (k == TCPOPT_EOL)
			break;
		if (k == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			return -VMK_TCPDROP_BAD_OPTIONS;
		l = p[i + 1];
		if (l < 2 || i + l > n)
			return -VMK_TCPDROP_BAD_OPTIONS;
		ret = parse_opt(r, k, l, p + i);
		if (ret < 0)
			return ret;
		i += l;
	}
	return 0;
}

int tcp_parse(struct tcp_repr *r, const struct rte_mbuf *m, uint32_t off, uint32_t len,
	      rte_be32_t src, rte_be32_t dst)
{
	const uint8_t *h;
	uint16_t raw;
	uint32_t hlen;
	int ret;

	tcp_repr_init(r);
	if (len < TCP_HLEN || off + len > m->pkt_len || off + TCP_HLEN > m->data_len)
		return -VMK_TCPDROP_TRUNCATED;
	h = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	hlen = (uint32_t)(h[12] >> 4) * 4u;
	if (hlen < TCP_HLEN || hlen > len)
		return -VMK_TCPDROP_BAD_OFFSET;
	if (off + hlen > m->data_len)
		return -VMK_TCPDROP_TRUNCATED;
	if (!tcp_csum_trusted(m)) {
		if (vmk_cksum_mbuf(m, off, len, &raw) != 0)
			return -VMK_TCPDROP_TRUNCATED;
		if (ipv4_cksum_finish(ipv4_pseudo_sum(src, dst, IPPROTO_TCP, (uint16_t)len) +
				      raw) != 0)
			return -VMK_TCPDROP_BAD_CHECKSUM;
	}
	ret = parse_opts(r, h + TCP_HLEN, hlen - TCP_HLEN);
	if (ret < 0)
		return ret;
	r->src_port = (uint16_t)(h[0] << 8 | h[1]);
	r->dst_port = (uint16_t)(h[2] << 8 | h[3]);
	r->seq = get32(h + 4);
	r->ack = get32(h + 8);
	r->flags = h[13] & 0x3f;
	r->win = (uint16_t)(h[14] << 8 | h[15]);
	r->hlen = (uint16_t)hlen;
	r->payload_len = len - hlen;
	return 0;
}

uint16_t tcp_opts_len(const struct tcp_repr *r)
{
	uint16_t n = 0;

	if (r->mss != 0)
		n += 4;
	if (r->wscale >= 0)
		n += 4;                 /* NOP + 3 */
	if (r->has_ts)
		n += 12;                /* NOP NOP + 10 (or SACK-permitted + 10) */
	else if (r->sack_ok)
		n += 4;                 /* NOP NOP + 2 */
	if (r->n_sack > 0)
		n = (uint16_t)(n + 4 + 8 * RTE_MIN(r->n_sack, TCP_MAX_SACK));
	return n;
}

static uint8_t *emit_opts(uint8_t *p, const struct tcp_repr *r)
{
	if (r->mss != 0) {
		*p++ = TCPOPT_MSS;
		*p++ = 4;
		*p++ = (uint8_t)(r->mss >> 8);
		*p++ = (uint8_t)r->mss;
	}
	if (r->has_ts) {
		if (r->sack_ok) {
			*p++ = TCPOPT_SACK_PERM;
			*p++ = 2;
		} else {
			*p++ = TCPOPT_NOP;
			*p++ = TCPOPT_NOP;
		}
		*p++ = TCPOPT_TS;
		*p++ = 10;
		put32(p, r->ts_val);
		put32(p + 4, r->ts_ecr);
		p += 8;
	} else if (r->sack_ok) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK_PERM;
		*p++ = 2;
	}
	if (r->wscale >= 0) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_WSCALE;
		*p++ = 3;
		*p++ = (uint8_t)r->wscale;
	}
	if (r->n_sack > 0) {
		unsigned int n = RTE_MIN(r->n_sack, TCP_MAX_SACK);

		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK;
		*p++ = (uint8_t)(2 + 8 * n);
		for (unsigned int i = 0; i < n; i++) {
			put32(p, r->sack[i][0]);
			put32(p + 4, r->sack[i][1]);
			p += 8;
		}
	}
	return p;
}

uint16_t tcp_emit_hdr(struct rte_mbuf *m, uint32_t off, const struct tcp_repr *r)
{
	uint8_t *h = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	uint16_t hlen = (uint16_t)(TCP_HLEN + tcp_opts_len(r));

	h[0] = (uint8_t)(r->src_port >> 8);
	h[1] = (uint8_t)r->src_port;
	h[2] = (uint8_t)(r->dst_port >> 8);
	h[3] = (uint8_t)r->dst_port;
	put32(h + 4, r->seq);
	put32(h + 8, r->ack);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = r->flags;
	h[14] = (uint8_t)(r->win >> 8);
	h[15] = (uint8_t)r->win;
	h[16] = h[17] = 0;
	h[18] = h[19] = 0;
	emit_opts(h + TCP_HLEN, r);
	return hlen;
}

uint16_t tcp_emit(struct rte_mbuf *m, uint32_t off, const struct tcp_repr *r,
		  uint32_t payload_len, rte_be32_t src, rte_be32_t dst)
{
	uint8_t *h = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	uint16_t hlen = tcp_emit_hdr(m, off, r);
	uint32_t len = hlen + payload_len;
	uint16_t raw = 0, ck;

	vmk_cksum_mbuf(m, off, len, &raw);
	ck = ipv4_cksum_finish(ipv4_pseudo_sum(src, dst, IPPROTO_TCP, (uint16_t)len) + raw);
	memcpy(h + 16, &ck, 2);
	return hlen;
}
