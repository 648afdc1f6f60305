/*
 * Transmit offloads finished in software (see offload.h): TCP segmentation
 * by copy into wire-sized frames, and the IPv4 and TCP checksums.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "common/cksum.h"

#include "vswitch/offload.h"

#define TCP_FL_FIN 0x01
#define TCP_FL_PSH 0x08
#define TCP_FL_CWR 0x80

struct hdrs {
	uint32_t l2, l3, l4;    /* header lengths; l2 includes a VLAN tag */
};

/* The Ethernet (+ one 802.1Q tag), IPv4 and TCP headers of m, all in its
 * first segment. 0 or -1. */
static int parse(const struct rte_mbuf *m, struct hdrs *h)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip;
	uint16_t type;

	if (m->data_len < RTE_ETHER_HDR_LEN + 4)
		return -1;
	h->l2 = RTE_ETHER_HDR_LEN;
	type = (uint16_t)(p[12] << 8 | p[13]);
	if (type == RTE_ETHER_TYPE_VLAN) {
		h->l2 += 4;
		type = (uint16_t)(p[16] << 8 | p[17]);
	}
	if (type != RTE_ETHER_TYPE_IPV4 || m->data_len < h->l2 + sizeof(*ip))
		return -1;
	ip = (const struct rte_ipv4_hdr *)(p + h->l2);
	h->l3 = (ip->version_ihl & 0x0f) * 4u;
	if (ip->next_proto_id != IPPROTO_TCP || h->l3 < sizeof(*ip) ||
	    m->data_len < h->l2 + h->l3 + sizeof(struct rte_tcp_hdr))
		return -1;
	h->l4 = (p[h->l2 + h->l3 + 12] >> 4) * 4u;
	if (h->l4 < sizeof(struct rte_tcp_hdr) || m->data_len < h->l2 + h->l3 + h->l4 ||
	    m->pkt_len < h->l2 + rte_be_to_cpu_16(ip->total_length))
		return -1;
	return 0;
}

/* IPv4 header and TCP checksums of a frame whose headers are h. */
static void checksums(struct rte_mbuf *m, const struct hdrs *h)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, h->l2);
	struct rte_tcp_hdr *tcp =
		rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, h->l2 + h->l3);
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - h->l3, sum;
	uint16_t raw = 0;

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = 0;
	vmk_cksum_mbuf(m, h->l2 + h->l3, len, &raw);
	sum = (uint32_t)raw + rte_ipv4_phdr_cksum(ip, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	tcp->cksum = (uint16_t)~sum;
	if (tcp->cksum == 0)
		tcp->cksum = 0xffff;
}

/* Whether the first segment, where the checksums are written (the headers
 * are all in it), is someone else's too: a flooded frame. The payload is
 * only read, so segments that are clones of a sender's queued data (TCP's
 * zero-copy payload) need no copy. */
static bool shared(const struct rte_mbuf *m)
{
	return rte_mbuf_refcnt_read(m) > 1 || RTE_MBUF_CLONED(m);
}

/* A chain of len bytes from pool (data_len set), or NULL. */
static struct rte_mbuf *alloc_chain(struct rte_mempool *pool, uint32_t len)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(pool), *tail = head;

	if (head == NULL)
		return NULL;
	head->pkt_len = len;
	for (;;) {
		uint16_t take = (uint16_t)RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(tail));

		tail->data_len = take;
		len -= take;
		if (len == 0)
			return head;
		tail->next = rte_pktmbuf_alloc(pool);
		if (tail->next == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		tail = tail->next;
		head->nb_segs++;
	}
}

/* Copy len bytes of src from off into dst's chain at dst_off. */
static void copy_into(struct rte_mbuf *dst, uint32_t dst_off, const struct rte_mbuf *src,
		      uint32_t off, uint32_t len)
{
	for (; dst != NULL && len > 0; dst = dst->next) {
		uint32_t n;
		uint8_t *d;
		const void *s;

		if (dst_off >= dst->data_len) {
			dst_off -= dst->data_len;
			continue;
		}
		n = RTE_MIN(len, (uint32_t)dst->data_len - dst_off);
		d = rte_pktmbuf_mtod_offset(dst, uint8_t *, dst_off);
		s = rte_pktmbuf_read(src, off, n, d);
		if (s != d)
			memcpy(d, s, n);
		off += n;
		len -= n;
		dst_off = 0;
	}
}

static uint32_t payload_of(const struct rte_mbuf *m, const struct hdrs *h)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, h->l2);

	return rte_be_to_cpu_16(ip->total_length) - h->l3 - h->l4;
}

unsigned int offload_max_frames(const struct rte_mbuf *m)
{
	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || m->tso_segsz == 0)
		return 1;
	return (m->pkt_len + m->tso_segsz - 1) / m->tso_segsz;
}

static void clear_flags(struct rte_mbuf *m)
{
	m->ol_flags &= ~(OFFLOAD_TX_WORK | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
}

/* Cut m (headers h, payload per segment segsz) into out; m is kept.
 * Returns the count, -EINVAL (more than max) or -ENOBUFS. */
static int segment(const struct rte_mbuf *m, const struct hdrs *h, uint32_t segsz,
			    struct rte_mempool *pool, struct rte_mbuf **out, unsigned int max)
{
	const uint32_t hl = h->l2 + h->l3 + h->l4, total = payload_of(m, h);
	const struct rte_ipv4_hdr *ip0 =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, h->l2);
	const struct rte_tcp_hdr *tcp0 =
		rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, h->l2 + h->l3);
	const uint16_t id0 = rte_be_to_cpu_16(ip0->packet_id);
	const uint32_t seq0 = rte_be_to_cpu_32(tcp0->sent_seq);
	unsigned int n = 0;

	for (uint32_t off = 0; off < total || (total == 0 && n == 0); off += segsz) {
		uint32_t len = RTE_MIN(segsz, total - off);
		struct rte_mbuf *f;
		struct rte_ipv4_hdr *ip;
		struct rte_tcp_hdr *tcp;

		f = n < max ? alloc_chain(pool, hl + len) : NULL;
		if (f == NULL) {
			rte_pktmbuf_free_bulk(out, n);
			return n < max ? -ENOBUFS : -EINVAL;
		}
		memcpy(rte_pktmbuf_mtod(f, uint8_t *), rte_pktmbuf_mtod(m, const uint8_t *), hl);
		copy_into(f, hl, m, hl + off, len);
		f->port = m->port;
		f->hash = m->hash;   /* the traffic class (common/tclass.h) */
		ip = rte_pktmbuf_mtod_offset(f, struct rte_ipv4_hdr *, h->l2);
		tcp = rte_pktmbuf_mtod_offset(f, struct rte_tcp_hdr *, h->l2 + h->l3);
		ip->total_length = rte_cpu_to_be_16((uint16_t)(h->l3 + h->l4 + len));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(id0 + n));
		tcp->sent_seq = rte_cpu_to_be_32(seq0 + off);
		if (off + len < total)
			tcp->tcp_flags &= (uint8_t)~(TCP_FL_FIN | TCP_FL_PSH);
		if (off > 0)
			tcp->tcp_flags &= (uint8_t)~TCP_FL_CWR;
		checksums(f, h);
		out[n++] = f;
	}
	return (int)n;
}

int offload_finish(struct rte_mbuf *m, struct rte_mempool *pool, struct rte_mbuf **out,
		   unsigned int max)
{
	struct hdrs h;
	int n;

	if (max == 0 || parse(m, &h) != 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && m->tso_segsz != 0 &&
	    payload_of(m, &h) > m->tso_segsz) {
		n = segment(m, &h, m->tso_segsz, pool, out, max);
		rte_pktmbuf_free(m);
		return n;
	}
	if (shared(m)) {      /* flooded: others hold it too */
		struct rte_mbuf *c = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);

		rte_pktmbuf_free(m);
		if (c == NULL)
			return -ENOBUFS;
		m = c;
	}
	checksums(m, &h);
	clear_flags(m);
	out[0] = m;
	return 1;
}
