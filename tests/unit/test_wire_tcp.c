/*
 * Unit tests of the TCP wire layer (tcpip/wire_tcp.c): emitted headers
 * parse back with every option (MSS, window scale, SACK-permitted, SACK
 * blocks, timestamps) and a valid checksum, also over chained payloads;
 * malformed segments (short, bad data offset, options running past the
 * header or of the wrong length, bad checksum) come back as one clear
 * reason, never a crash (run under `make asan` too).
 */
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include <vmknet/tcp.h>

#include "common/cksum.h"
#include "support/harness.h"
#include "tcpip/netstack.h"
#include "tcpip/wire_ipv4.h"
#include "tcpip/wire_tcp.h"

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define SRC A(192, 0, 2, 1)
#define DST A(192, 0, 2, 2)

static struct rte_mempool *pool;

static struct rte_mbuf *mbuf_of(const void *bytes, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p = rte_pktmbuf_append(m, (uint16_t)len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, bytes, len);
	return m;
}

static int parse_bytes(const uint8_t *b, uint32_t len, struct tcp_repr *r)
{
	struct rte_mbuf *m = mbuf_of(b, len);
	int ret = tcp_parse(r, m, 0, len, SRC, DST);

	rte_pktmbuf_free(m);
	return ret;
}

/* Recompute the checksum of a segment held in b. */
static void fix_cksum(uint8_t *b, uint32_t len)
{
	uint16_t ck;

	b[16] = b[17] = 0;
	ck = ipv4_cksum_finish(ipv4_pseudo_sum(SRC, DST, 6, (uint16_t)len) +
			       rte_raw_cksum(b, len));
	memcpy(b + 16, &ck, 2);
}

/* What the checksum of the segment in b (len bytes) must be, in *ck;
 * b's checksum field is left as it was. */
static void fix_cksum_copy(const uint8_t *b, uint32_t len, uint16_t *ck)
{
	static uint8_t c[65536];

	memcpy(c, b, len);
	fix_cksum(c, len);
	memcpy(ck, c + 16, 2);
}

/* A valid segment of r with payload_len pattern bytes, into b; returns length. */
static uint32_t segment(uint8_t *b, const struct tcp_repr *r, uint32_t payload_len)
{
	uint16_t hlen = (uint16_t)(TCP_HLEN + tcp_opts_len(r));
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + payload_len));

	for (uint32_t i = 0; i < payload_len; i++)
		p[hlen + i] = (uint8_t)(i * 7);
	tcp_emit(m, 0, r, payload_len, SRC, DST);
	memcpy(b, p, hlen + payload_len);
	rte_pktmbuf_free(m);
	return hlen + payload_len;
}

static void syn_repr(struct tcp_repr *r)
{
	tcp_repr_init(r);
	r->src_port = 49152;
	r->dst_port = 8000;
	r->seq = 0xfffffff0u;
	r->flags = TCP_SYN;
	r->win = 65535;
	r->mss = 8960;
	r->wscale = 9;
	r->sack_ok = true;
	r->has_ts = true;
	r->ts_val = 123456789;
	r->ts_ecr = 0;
}

static void test_syn_with_every_option_parses_back_as_emitted(void)
{
	struct tcp_repr r, p;
	uint8_t b[128];
	uint32_t len;

	syn_repr(&r);
	len = segment(b, &r, 0);
	CU_ASSERT_EQUAL(len, 40);                    /* 20 + MSS, SACK-perm+TS, NOP+WS */
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), 0);
	CU_ASSERT_EQUAL(p.src_port, 49152);
	CU_ASSERT_EQUAL(p.dst_port, 8000);
	CU_ASSERT_EQUAL(p.seq, 0xfffffff0u);
	CU_ASSERT_EQUAL(p.flags, TCP_SYN);
	CU_ASSERT_EQUAL(p.win, 65535);
	CU_ASSERT_EQUAL(p.hlen, 40);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(p.mss, 8960);
	CU_ASSERT_EQUAL(p.wscale, 9);
	CU_ASSERT(p.sack_ok);
	CU_ASSERT(p.has_ts);
	CU_ASSERT_EQUAL(p.ts_val, 123456789);
	CU_ASSERT_EQUAL(p.ts_ecr, 0);
	CU_ASSERT_EQUAL(p.n_sack, 0);
}

static void test_sack_blocks_and_timestamps_parse_back_with_the_payload(void)
{
	struct tcp_repr r, p;
	uint8_t b[256];
	uint32_t len;

	tcp_repr_init(&r);
	r.seq = 1000;
	r.ack = 2000;
	r.flags = TCP_ACK | TCP_PSH;
	r.win = 512;
	r.has_ts = true;
	r.ts_val = 7;
	r.ts_ecr = 8;
	r.n_sack = 3;
	for (unsigned int i = 0; i < 3; i++) {
		r.sack[i][0] = 3000 + 100 * i;
		r.sack[i][1] = 3050 + 100 * i;
	}
	len = segment(b, &r, 100);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), 0);
	CU_ASSERT_EQUAL(p.hlen, TCP_HLEN + 12 + 4 + 24);
	CU_ASSERT_EQUAL(p.payload_len, 100);
	CU_ASSERT_EQUAL(p.ack, 2000);
	CU_ASSERT_EQUAL(p.flags, TCP_ACK | TCP_PSH);
	CU_ASSERT_EQUAL(p.wscale, -1);
	CU_ASSERT_EQUAL(p.mss, 0);
	CU_ASSERT(p.has_ts && p.ts_val == 7 && p.ts_ecr == 8);
	CU_ASSERT_EQUAL(p.n_sack, 3);
	CU_ASSERT_EQUAL(p.sack[2][0], 3200);
	CU_ASSERT_EQUAL(p.sack[2][1], 3250);
}

static void test_checksum_covers_a_payload_spanning_several_buffers(void)
{
	struct tcp_repr r, p;
	struct rte_mbuf *m = pkt_alloc(pool, TCP_HLEN + 5000);
	uint8_t chunk[1000];

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT(m->nb_segs > 1);
	for (unsigned int i = 0; i < 5; i++) {
		memset(chunk, (int)(i + 1), sizeof(chunk));
		pkt_write(m, TCP_HLEN + 1000 * i, chunk, sizeof(chunk));
	}
	tcp_repr_init(&r);
	r.flags = TCP_ACK;
	r.seq = 1;
	tcp_emit(m, 0, &r, 5000, SRC, DST);
	CU_ASSERT_EQUAL(tcp_parse(&p, m, 0, m->pkt_len, SRC, DST), 0);
	CU_ASSERT_EQUAL(p.payload_len, 5000);
	/* the wrong pseudo-header fails */
	CU_ASSERT_EQUAL(tcp_parse(&p, m, 0, m->pkt_len, SRC, A(192, 0, 2, 3)),
			-VMK_TCPDROP_BAD_CHECKSUM);
	rte_pktmbuf_free(m);
}

/* A chain of n segments of the given lengths, bytes from gen. */
static struct rte_mbuf *chain_of(const uint16_t *lens, unsigned int n, uint8_t *flat)
{
	struct rte_mbuf *head = NULL;
	uint32_t at = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *p;

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		p = (uint8_t *)rte_pktmbuf_append(m, lens[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		for (uint16_t k = 0; k < lens[i]; k++)   /* mostly 0xff: sums that carry */
			p[k] = flat[at + k] = (rte_rand() & 3) ? 0xff : (uint8_t)rte_rand();
		at += lens[i];
		if (head == NULL)
			head = m;
		else
			CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

/* DPDK 22.11's rte_raw_cksum_mbuf() drops the carries of a segment that
 * starts at an odd offset; vmk_cksum_mbuf (common/cksum.h) must not. */
static void test_checksum_of_a_chain_with_odd_segments_equals_the_flat_sum(void)
{
	static uint8_t flat[6 * 1500];

	for (unsigned int round = 0; round < 300; round++) {
		uint16_t lens[6];
		unsigned int n = 2 + (unsigned int)(rte_rand() % 5);
		uint32_t total = 0, off, len;
		struct rte_mbuf *m;
		uint16_t got = 0;

		for (unsigned int i = 0; i < n; i++) {
			lens[i] = (uint16_t)(1 + rte_rand() % 1500);
			total += lens[i];
		}
		m = chain_of(lens, n, flat);
		off = (uint32_t)(rte_rand() % total);
		len = (uint32_t)(rte_rand() % (total - off + 1));
		CU_ASSERT_EQUAL(vmk_cksum_mbuf(m, off, len, &got), 0);
		CU_ASSERT_EQUAL(got, rte_raw_cksum(flat + off, len));
		CU_ASSERT_EQUAL(vmk_cksum_mbuf(m, off, total - off + 1, &got), -1);
		rte_pktmbuf_free(m);
	}
}

/* A segment whose payload chain has odd pieces (odd-sized application
 * writes) goes out with the checksum of its bytes, which Linux checks. */
static void test_segment_with_odd_payload_pieces_carries_the_flat_checksum(void)
{
	static uint8_t flat[TCP_HLEN + 3 * 1500];
	uint16_t lens[4] = { TCP_HLEN, 37, 1161, 250 };
	struct tcp_repr r, p;
	struct rte_mbuf *m = chain_of(lens, 4, flat);
	uint16_t ck;

	tcp_repr_init(&r);
	r.flags = TCP_ACK;
	r.seq = 7;
	tcp_emit(m, 0, &r, 37 + 1161 + 250, SRC, DST);
	CU_ASSERT_EQUAL(tcp_parse(&p, m, 0, m->pkt_len, SRC, DST), 0);
	memcpy(flat, rte_pktmbuf_mtod(m, void *), TCP_HLEN);   /* the header as emitted */
	fix_cksum_copy(flat, m->pkt_len, &ck);
	CU_ASSERT_EQUAL(memcmp(flat + 16, &ck, 2), 0);
	rte_pktmbuf_free(m);
}

static void test_segment_shorter_than_twenty_bytes_is_truncated(void)
{
	struct tcp_repr r, p;
	uint8_t b[64];

	tcp_repr_init(&r);
	segment(b, &r, 0);
	CU_ASSERT_EQUAL(parse_bytes(b, 19, &p), -VMK_TCPDROP_TRUNCATED);
	CU_ASSERT_EQUAL(parse_bytes(b, 0, &p), -VMK_TCPDROP_TRUNCATED);
}

static void test_data_offset_below_five_or_beyond_the_segment_is_bad_offset(void)
{
	struct tcp_repr r, p;
	uint8_t b[64];
	uint32_t len;

	tcp_repr_init(&r);
	r.flags = TCP_ACK;
	len = segment(b, &r, 4);
	b[12] = 4 << 4;
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), -VMK_TCPDROP_BAD_OFFSET);
	b[12] = 6 << 4;                             /* 24 bytes: exactly fits */
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), 0);
	b[12] = 7 << 4;                             /* 28 > 24 */
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), -VMK_TCPDROP_BAD_OFFSET);
}

static void test_options_running_past_the_header_or_of_wrong_length_are_bad_options(void)
{
	struct tcp_repr r, p;
	uint8_t b[64];
	uint32_t len;

	syn_repr(&r);
	len = segment(b, &r, 0);
	b[21] = 40;                                 /* MSS claims 40 bytes */
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), -VMK_TCPDROP_BAD_OPTIONS);
	b[21] = 3;                                  /* MSS must be 4 */
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), -VMK_TCPDROP_BAD_OPTIONS);
	b[21] = 1;                                  /* length below 2 */
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), -VMK_TCPDROP_BAD_OPTIONS);
	/* a kind byte as the last byte of the header, no length */
	syn_repr(&r);
	len = segment(b, &r, 0);
	b[36] = b[37] = b[38] = TCPOPT_NOP;
	b[39] = TCPOPT_MSS;
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), -VMK_TCPDROP_BAD_OPTIONS);
	/* unknown kinds are skipped, EOL ends the list */
	b[36] = 99;
	b[37] = 4;
	b[38] = 0;
	b[39] = 0;
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), 0);
	CU_ASSERT_EQUAL(p.mss, 8960);
	CU_ASSERT_EQUAL(p.wscale, -1);
}

static void test_window_scale_above_fourteen_is_clamped(void)
{
	struct tcp_repr r, p;
	uint8_t b[64];
	uint32_t len;

	syn_repr(&r);
	r.wscale = 14;
	len = segment(b, &r, 0);
	b[39] = 20;
	fix_cksum(b, len);
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), 0);
	CU_ASSERT_EQUAL(p.wscale, 14);
}

static void test_one_flipped_bit_is_a_bad_checksum(void)
{
	struct tcp_repr r, p;
	uint8_t b[128];
	uint32_t len;

	syn_repr(&r);
	len = segment(b, &r, 30);
	b[len - 1] ^= 0x10;
	CU_ASSERT_EQUAL(parse_bytes(b, len, &p), -VMK_TCPDROP_BAD_CHECKSUM);
}

static void test_random_segments_parse_to_zero_or_a_known_reason(void)
{
	uint8_t b[80];
	struct tcp_repr p;

	for (unsigned int i = 0; i < 20000; i++) {
		uint32_t len = (uint32_t)(rte_rand() % sizeof(b));
		int ret;

		for (uint32_t k = 0; k < len; k++)
			b[k] = (uint8_t)rte_rand();
		if (len >= TCP_HLEN) {
			b[12] = (uint8_t)((5 + rte_rand() % 11) << 4);
			if (i % 2 == 0)
				fix_cksum(b, len);
		}
		ret = parse_bytes(b, len, &p);
		CU_ASSERT(ret == 0 || (ret < 0 && -ret < VMK_TCPDROP_MAX));
		if (ret == 0)
			CU_ASSERT(p.hlen >= TCP_HLEN && p.hlen + p.payload_len == len);
	}
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("wire_tcp", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	pool = rte_pktmbuf_pool_create("wire_tcp", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	s = CU_add_suite("wire_tcp", NULL, NULL);
	ADD(s, test_syn_with_every_option_parses_back_as_emitted);
	ADD(s, test_sack_blocks_and_timestamps_parse_back_with_the_payload);
	ADD(s, test_checksum_covers_a_payload_spanning_several_buffers);
	ADD(s, test_checksum_of_a_chain_with_odd_segments_equals_the_flat_sum);
	ADD(s, test_segment_with_odd_payload_pieces_carries_the_flat_checksum);
	ADD(s, test_segment_shorter_than_twenty_bytes_is_truncated);
	ADD(s, test_data_offset_below_five_or_beyond_the_segment_is_bad_offset);
	ADD(s, test_options_running_past_the_header_or_of_wrong_length_are_bad_options);
	ADD(s, test_window_scale_above_fourteen_is_clamped);
	ADD(s, test_one_flipped_bit_is_a_bad_checksum);
	ADD(s, test_random_segments_parse_to_zero_or_a_known_reason);
	return th_run_suites();
}
