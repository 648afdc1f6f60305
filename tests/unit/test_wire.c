/*
 * Unit tests of the wire layer (tcpip/wire_*.c): every parser fed valid and
 * malformed input. A malformed packet must come back as one clear reason
 * (the netstack counts it as a drop), never a crash or a read past the
 * buffer (run under `make asan` too). Emitters are checked by parsing what
 * they wrote, checksums included.
 */
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include <vmknet/netstack.h>

#include "support/harness.h"
#include "tcpip/netstack.h"
#include "tcpip/wire_arp.h"
#include "tcpip/wire_eth.h"
#include "tcpip/wire_icmp.h"
#include "tcpip/wire_ipv4.h"
#include "tcpip/wire_udp.h"

static struct rte_mempool *pool;

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define SRC A(192, 0, 2, 1)
#define DST A(192, 0, 2, 2)

/* An mbuf holding exactly these bytes. */
static struct rte_mbuf *mbuf_of(const void *bytes, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p = rte_pktmbuf_append(m, (uint16_t)len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, bytes, len);
	return m;
}

/* A valid 20-byte IPv4 header + payload_len bytes in buf; returns length. */
static uint32_t ip_packet(uint8_t *buf, uint8_t proto, uint16_t payload_len)
{
	struct ipv4_repr r = { .src = SRC, .dst = DST, .proto = proto, .ttl = 64,
			       .id = 7, .payload_len = payload_len };

	ipv4_emit((struct rte_ipv4_hdr *)buf, &r);
	for (uint32_t i = 0; i < payload_len; i++)
		buf[IPV4_HLEN + i] = (uint8_t)i;
	return IPV4_HLEN + payload_len;
}

static void fix_ip_cksum(uint8_t *buf)
{
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)buf;

	h->hdr_checksum = 0;
	h->hdr_checksum = (uint16_t)~rte_raw_cksum(h, (h->version_ihl & 0x0f) * 4u);
}

static int parse_ip(const uint8_t *buf, uint32_t len)
{
	struct rte_mbuf *m = mbuf_of(buf, len);
	struct ipv4_view v;
	int ret = ipv4_parse(&v, m, 0);

	rte_pktmbuf_free(m);
	return ret;
}

/* ---- Ethernet, ARP -------------------------------------------------- */

static void test_eth_parse_rejects_frame_shorter_than_header(void)
{
	uint8_t b[13] = { 0 };
	struct rte_mbuf *m = mbuf_of(b, sizeof(b));
	struct eth_view v;

	CU_ASSERT_EQUAL(eth_parse(&v, m), -VMK_IPDROP_TRUNCATED);
	rte_pktmbuf_free(m);
}

static void test_arp_emit_then_parse_round_trips(void)
{
	uint8_t b[ARP_LEN];
	struct arp_repr r = { .op = RTE_ARP_OP_REQUEST, .spa = SRC, .tpa = DST }, out;
	struct rte_mbuf *m;

	th_mac(r.sha.addr_bytes, 1, 2);
	arp_emit((struct rte_arp_hdr *)b, &r);
	m = mbuf_of(b, sizeof(b));
	CU_ASSERT_EQUAL(arp_parse(&out, m, 0), 0);
	CU_ASSERT_EQUAL(out.op, RTE_ARP_OP_REQUEST);
	CU_ASSERT_EQUAL(out.spa, SRC);
	CU_ASSERT_EQUAL(out.tpa, DST);
	CU_ASSERT(rte_is_same_ether_addr(&out.sha, &r.sha));
	rte_pktmbuf_free(m);
}

static void test_arp_parse_rejects_truncated_and_foreign_packets(void)
{
	uint8_t b[ARP_LEN];
	struct arp_repr r = { .op = RTE_ARP_OP_REPLY, .spa = SRC, .tpa = DST }, out;
	struct rte_mbuf *m;

	arp_emit((struct rte_arp_hdr *)b, &r);
	m = mbuf_of(b, ARP_LEN - 1);
	CU_ASSERT_EQUAL(arp_parse(&out, m, 0), -VMK_IPDROP_TRUNCATED);
	rte_pktmbuf_free(m);
	b[1] = 6;                                   /* hardware type IEEE 802 */
	m = mbuf_of(b, ARP_LEN);
	CU_ASSERT_EQUAL(arp_parse(&out, m, 0), -VMK_IPDROP_BAD_ARP);
	rte_pktmbuf_free(m);
	arp_emit((struct rte_arp_hdr *)b, &r);
	b[5] = 16;                                  /* protocol address length */
	m = mbuf_of(b, ARP_LEN);
	CU_ASSERT_EQUAL(arp_parse(&out, m, 0), -VMK_IPDROP_BAD_ARP);
	rte_pktmbuf_free(m);
	arp_emit((struct rte_arp_hdr *)b, &r);
	b[7] = 9;                                   /* unknown operation */
	m = mbuf_of(b, ARP_LEN);
	CU_ASSERT_EQUAL(arp_parse(&out, m, 0), -VMK_IPDROP_BAD_ARP);
	rte_pktmbuf_free(m);
}

/* ---- IPv4 ----------------------------------------------------------- */

static void test_ipv4_emit_then_parse_round_trips_every_field(void)
{
	uint8_t b[64];
	struct ipv4_repr r = { .src = SRC, .dst = DST, .proto = 17, .ttl = 9, .df = true,
			       .mf = true, .frag_off = 1480, .id = 0x1234, .payload_len = 40 };
	struct rte_mbuf *m;
	struct ipv4_view v;

	ipv4_emit((struct rte_ipv4_hdr *)b, &r);
	m = mbuf_of(b, IPV4_HLEN + 40);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(&v, m, 0), 0);
	CU_ASSERT_EQUAL(ipv4_src(&v), SRC);
	CU_ASSERT_EQUAL(ipv4_dst(&v), DST);
	CU_ASSERT_EQUAL(ipv4_proto(&v), 17);
	CU_ASSERT_EQUAL(ipv4_ttl(&v), 9);
	CU_ASSERT(ipv4_df(&v));
	CU_ASSERT(ipv4_mf(&v));
	CU_ASSERT_EQUAL(ipv4_frag_off(&v), 1480);
	CU_ASSERT_EQUAL(ipv4_id(&v), 0x1234);
	CU_ASSERT_EQUAL(ipv4_payload_len(&v), 40);
	rte_pktmbuf_free(m);
}

static void test_ipv4_parse_rejects_header_shorter_than_20_bytes(void)
{
	uint8_t b[64];

	ip_packet(b, 17, 0);
	CU_ASSERT_EQUAL(parse_ip(b, 19), -VMK_IPDROP_TRUNCATED);
	CU_ASSERT_EQUAL(parse_ip(b, 0), -VMK_IPDROP_TRUNCATED);
}

static void test_ipv4_parse_rejects_version_other_than_4(void)
{
	uint8_t b[64];
	uint32_t len = ip_packet(b, 17, 8);

	b[0] = 0x65;
	fix_ip_cksum(b);
	CU_ASSERT_EQUAL(parse_ip(b, len), -VMK_IPDROP_BAD_VERSION);
}

static void test_ipv4_parse_rejects_ihl_below_5_or_beyond_the_packet(void)
{
	uint8_t b[64];
	uint32_t len = ip_packet(b, 17, 8);

	b[0] = 0x44;
	CU_ASSERT_EQUAL(parse_ip(b, len), -VMK_IPDROP_BAD_IHL);
	b[0] = 0x4f;                                /* 60-byte header in 28 bytes */
	CU_ASSERT_EQUAL(parse_ip(b, len), -VMK_IPDROP_BAD_IHL);
}

static void test_ipv4_parse_rejects_total_length_beyond_buffer_or_below_header(void)
{
	uint8_t b[64];
	uint32_t len = ip_packet(b, 17, 8);
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)b;

	h->total_length = rte_cpu_to_be_16((uint16_t)(len + 1));
	fix_ip_cksum(b);
	CU_ASSERT_EQUAL(parse_ip(b, len), -VMK_IPDROP_BAD_TOTAL_LEN);
	h->total_length = rte_cpu_to_be_16(19);
	fix_ip_cksum(b);
	CU_ASSERT_EQUAL(parse_ip(b, len), -VMK_IPDROP_BAD_TOTAL_LEN);
}

static void test_ipv4_parse_accepts_ethernet_padding_after_total_length(void)
{
	uint8_t b[64];
	uint32_t len = ip_packet(b, 17, 8);

	CU_ASSERT_EQUAL(parse_ip(b, len + 18), 0);
}

static void test_ipv4_parse_rejects_bad_header_checksum(void)
{
	uint8_t b[64];
	uint32_t len = ip_packet(b, 17, 8);

	b[8] ^= 1;                                  /* TTL changed after the sum */
	CU_ASSERT_EQUAL(parse_ip(b, len), -VMK_IPDROP_BAD_CHECKSUM);
}

static void test_ipv4_parse_accepts_well_formed_options(void)
{
	uint8_t b[64] = { 0 };
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)b;

	ip_packet(b, 17, 0);
	h->version_ihl = 0x47;                      /* 8 bytes of options */
	h->total_length = RTE_BE16(28);
	b[20] = 1;                                  /* NOP */
	b[21] = 7;                                  /* record route, 7 bytes */
	b[22] = 7;
	b[23] = 4;
	fix_ip_cksum(b);
	CU_ASSERT_EQUAL(parse_ip(b, 28), 0);
	b[21] = 0;                                  /* end of list, rest ignored */
	b[22] = 0xff;
	fix_ip_cksum(b);
	CU_ASSERT_EQUAL(parse_ip(b, 28), 0);
}

static void test_ipv4_parse_rejects_options_with_bad_lengths(void)
{
	uint8_t b[64] = { 0 };
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)b;

	ip_packet(b, 17, 0);
	h->version_ihl = 0x46;                      /* 4 bytes of options */
	h->total_length = RTE_BE16(24);
	b[20] = 7;
	b[21] = 0;                                  /* length 0: would loop */
	fix_ip_cksum(b);
	CU_ASSERT_EQUAL(parse_ip(b, 24), -VMK_IPDROP_BAD_OPTIONS);
	b[21] = 9;                                  /* runs past the header */
	fix_ip_cksum(b);
	CU_ASSERT_EQUAL(parse_ip(b, 24), -VMK_IPDROP_BAD_OPTIONS);
	b[20] = 1;
	b[21] = 1;
	b[22] = 1;
	b[23] = 68;                                 /* type with no length byte */
	fix_ip_cksum(b);
	CU_ASSERT_EQUAL(parse_ip(b, 24), -VMK_IPDROP_BAD_OPTIONS);
}

/* ---- ICMP ----------------------------------------------------------- */

static struct rte_mbuf *echo(uint16_t payload)
{
	struct icmp_repr r = { .type = ICMP_ECHO_REQUEST, .id = 3, .seq = 4,
			       .len = ICMP_HLEN + payload };
	struct rte_mbuf *m = pkt_alloc(pool, ICMP_HLEN + payload);

	for (uint32_t i = 0; i < payload; i++) {
		uint8_t v = (uint8_t)i;

		pkt_write(m, ICMP_HLEN + i, &v, 1);
	}
	icmp_emit(m, 0, &r);
	return m;
}

static void test_icmp_emit_then_parse_round_trips(void)
{
	struct rte_mbuf *m = echo(56);
	struct icmp_repr r;

	CU_ASSERT_EQUAL(icmp_parse(&r, m, 0, m->pkt_len), 0);
	CU_ASSERT_EQUAL(r.type, ICMP_ECHO_REQUEST);
	CU_ASSERT_EQUAL(r.id, 3);
	CU_ASSERT_EQUAL(r.seq, 4);
	CU_ASSERT_EQUAL(r.len, 64);
	rte_pktmbuf_free(m);
}

static void test_icmp_checksum_covers_a_message_spanning_segments(void)
{
	struct rte_mbuf *m = echo(6000);            /* several segments */
	struct icmp_repr r;
	uint8_t v;

	CU_ASSERT(m->nb_segs > 1);
	CU_ASSERT_EQUAL(icmp_parse(&r, m, 0, m->pkt_len), 0);
	pkt_read(m, 5000, &v, 1);
	v ^= 0x40;
	pkt_write(m, 5000, &v, 1);
	CU_ASSERT_EQUAL(icmp_parse(&r, m, 0, m->pkt_len), -VMK_IPDROP_BAD_CHECKSUM);
	rte_pktmbuf_free(m);
}

static void test_icmp_parse_rejects_short_message_and_bad_checksum(void)
{
	struct rte_mbuf *m = echo(0);
	struct icmp_repr r;

	CU_ASSERT_EQUAL(icmp_parse(&r, m, 0, 7), -VMK_IPDROP_TRUNCATED);
	CU_ASSERT_EQUAL(icmp_parse(&r, m, 0, 9), -VMK_IPDROP_TRUNCATED);  /* beyond data */
	rte_pktmbuf_mtod(m, uint8_t *)[1] = 1;
	CU_ASSERT_EQUAL(icmp_parse(&r, m, 0, 8), -VMK_IPDROP_BAD_CHECKSUM);
	rte_pktmbuf_free(m);
}

/* ---- UDP ------------------------------------------------------------ */

static struct rte_mbuf *udp(uint16_t payload)
{
	struct udp_repr r = { .src_port = 5000, .dst_port = 53, .payload_len = payload };
	struct rte_mbuf *m = pkt_alloc(pool, UDP_HLEN + payload);

	for (uint32_t i = 0; i < payload; i++) {
		uint8_t v = (uint8_t)(i * 3);

		pkt_write(m, UDP_HLEN + i, &v, 1);
	}
	udp_emit(m, 0, &r, SRC, DST);
	return m;
}

static void test_udp_emit_then_parse_verifies_pseudo_header_checksum(void)
{
	struct rte_mbuf *m = udp(5000);
	struct udp_repr r;

	CU_ASSERT_EQUAL(udp_parse(&r, m, 0, m->pkt_len, SRC, DST), 0);
	CU_ASSERT_EQUAL(r.src_port, 5000);
	CU_ASSERT_EQUAL(r.dst_port, 53);
	CU_ASSERT_EQUAL(r.payload_len, 5000);
	/* the same bytes from another source fail the pseudo-header sum */
	CU_ASSERT_EQUAL(udp_parse(&r, m, 0, m->pkt_len, A(192, 0, 2, 9), DST),
			-VMK_IPDROP_BAD_CHECKSUM);
	rte_pktmbuf_free(m);
}

static void test_udp_zero_checksum_means_none(void)
{
	struct rte_mbuf *m = udp(10);
	struct udp_repr r;

	rte_pktmbuf_mtod(m, struct rte_udp_hdr *)->dgram_cksum = 0;
	CU_ASSERT_EQUAL(udp_parse(&r, m, 0, m->pkt_len, A(198, 51, 100, 1), DST), 0);
	rte_pktmbuf_free(m);
}

static void test_udp_parse_rejects_bad_lengths(void)
{
	struct rte_mbuf *m = udp(10);
	struct rte_udp_hdr *h = rte_pktmbuf_mtod(m, struct rte_udp_hdr *);
	struct udp_repr r;

	CU_ASSERT_EQUAL(udp_parse(&r, m, 0, 7, SRC, DST), -VMK_IPDROP_TRUNCATED);
	h->dgram_len = RTE_BE16(19);                /* beyond the IP payload */
	CU_ASSERT_EQUAL(udp_parse(&r, m, 0, 18, SRC, DST), -VMK_IPDROP_TRUNCATED);
	h->dgram_len = RTE_BE16(7);
	CU_ASSERT_EQUAL(udp_parse(&r, m, 0, 18, SRC, DST), -VMK_IPDROP_BAD_TOTAL_LEN);
	rte_pktmbuf_free(m);
}

/* ---- random input --------------------------------------------------- */

static bool reason_ok(int ret)
{
	return ret == 0 || (ret < 0 && -ret < VMK_IPDROP_MAX);
}

static void test_random_bytes_give_a_reason_never_a_crash(void)
{
	uint8_t b[128];

	for (unsigned int round = 0; round < 20000; round++) {
		uint32_t len = (uint32_t)(rte_rand() % sizeof(b));
		struct rte_mbuf *m;
		struct ipv4_view v;
		struct arp_repr ar;
		struct icmp_repr ir;
		struct udp_repr ur;

		for (uint32_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rte_rand();
		if (round % 2 == 0 && len >= 20) {      /* plausible headers */
			b[0] = (uint8_t)(0x40 | (b[0] & 0x0f));
			fix_ip_cksum(b);
		}
		m = mbuf_of(b, len);
		CU_ASSERT(reason_ok(ipv4_parse(&v, m, 0)));
		CU_ASSERT(reason_ok(arp_parse(&ar, m, 0)));
		CU_ASSERT(reason_ok(icmp_parse(&ir, m, 0, len)));
		CU_ASSERT(reason_ok(udp_parse(&ur, m, 0, len, SRC, DST)));
		rte_pktmbuf_free(m);
	}
}

static int suite_init(void)
{
	pool = rte_pktmbuf_pool_create("wire_test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool != NULL ? 0 : -1;
}

static int suite_fini(void)
{
	rte_mempool_free(pool);
	return 0;
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("wire", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("wire", suite_init, suite_fini);
	ADD(s, test_eth_parse_rejects_frame_shorter_than_header);
	ADD(s, test_arp_emit_then_parse_round_trips);
	ADD(s, test_arp_parse_rejects_truncated_and_foreign_packets);
	ADD(s, test_ipv4_emit_then_parse_round_trips_every_field);
	ADD(s, test_ipv4_parse_rejects_header_shorter_than_20_bytes);
	ADD(s, test_ipv4_parse_rejects_version_other_than_4);
	ADD(s, test_ipv4_parse_rejects_ihl_below_5_or_beyond_the_packet);
	ADD(s, test_ipv4_parse_rejects_total_length_beyond_buffer_or_below_header);
	ADD(s, test_ipv4_parse_accepts_ethernet_padding_after_total_length);
	ADD(s, test_ipv4_parse_rejects_bad_header_checksum);
	ADD(s, test_ipv4_parse_accepts_well_formed_options);
	ADD(s, test_ipv4_parse_rejects_options_with_bad_lengths);
	ADD(s, test_icmp_emit_then_parse_round_trips);
	ADD(s, test_icmp_checksum_covers_a_message_spanning_segments);
	ADD(s, test_icmp_parse_rejects_short_message_and_bad_checksum);
	ADD(s, test_udp_emit_then_parse_verifies_pseudo_header_checksum);
	ADD(s, test_udp_zero_checksum_means_none);
	ADD(s, test_udp_parse_rejects_bad_lengths);
	ADD(s, test_random_bytes_give_a_reason_never_a_crash);
	return th_run_suites();
}
