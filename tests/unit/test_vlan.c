/*
 * Unit tests of 802.1Q handling (vswitch/vlan.h, vswitch/vlan.c): parsing
 * the tag, pushing and popping it in place, and re-encapsulating a shared
 * frame for flooding (a copy for small frames, a header segment chained to
 * an indirect clone for large ones), which must never touch the original.
 *
 * Frames are built from a logical description (VLAN or none, payload), so
 * the expected result of a re-encapsulation is built independently of the
 * code under test and compared byte for byte.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "support/harness.h"
#include "vswitch/vlan.h"

#define NO_TAG    (-1)
#define ETYPE     0x88b5          /* local experimental EtherType */
#define FRAME_MAX 2048
#define COPY_MAX  256             /* vlan.c: frames up to this are copied */

static struct rte_mempool *pool;  /* cache-less: avail counts are exact */

static const uint8_t dst_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x0d, 0x01 };
static const uint8_t src_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x05, 0x01 };

/* Write a frame into buf: MACs, optional tag (vid, pcp), EtherType, then
 * payload_len bytes whose values depend on their payload offset only.
 * Returns the frame length. */
static uint32_t frame_bytes(uint8_t *buf, int vid, uint8_t pcp, uint32_t payload_len)
{
	uint32_t off = 12;

	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	if (vid != NO_TAG) {
		buf[off++] = 0x81;
		buf[off++] = 0x00;
		buf[off++] = (uint8_t)((pcp << 5) | ((vid >> 8) & 0x0f));
		buf[off++] = (uint8_t)vid;
	}
	buf[off++] = ETYPE >> 8;
	buf[off++] = ETYPE & 0xff;
	for (uint32_t i = 0; i < payload_len; i++)
		buf[off + i] = (uint8_t)(i * 7 + 3);
	return off + payload_len;
}

/* An mbuf holding exactly these bytes. */
static struct rte_mbuf *mbuf_of(const uint8_t *bytes, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	p = rte_pktmbuf_append(m, (uint16_t)len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, bytes, len);
	return m;
}

static struct rte_mbuf *frame(int vid, uint8_t pcp, uint32_t payload_len)
{
	uint8_t buf[FRAME_MAX];

	return mbuf_of(buf, frame_bytes(buf, vid, pcp, payload_len));
}

/* True when m (any segmentation) holds exactly these bytes. */
static bool mbuf_equals(const struct rte_mbuf *m, const uint8_t *bytes, uint32_t len)
{
	uint8_t tmp[FRAME_MAX];
	const void *p;

	if (m->pkt_len != len)
		return false;
	p = rte_pktmbuf_read(m, 0, len, tmp);
	return p != NULL && memcmp(p, bytes, len) == 0;
}

/* ---- vlan_parse ------------------------------------------------------ */

static void test_vlan_parse_reports_untagged_frame_as_vid_0_untagged(void)
{
	struct rte_mbuf *m = frame(NO_TAG, 0, 46);
	uint16_t vid = 77;
	bool tagged = true;

	CU_ASSERT_EQUAL(vlan_parse(m, &vid, &tagged), 0);
	CU_ASSERT_EQUAL(vid, 0);
	CU_ASSERT_FALSE(tagged);
	rte_pktmbuf_free(m);
}

static void test_vlan_parse_extracts_vid_and_ignores_pcp_and_dei(void)
{
	static const int vids[] = { 1, 10, 0x0ff, 0x100, 0xabc, 4094 };

	for (unsigned int i = 0; i < RTE_DIM(vids); i++) {
		for (uint8_t pcp = 0; pcp < 8; pcp += 7) {
			struct rte_mbuf *m = frame(vids[i], pcp, 46);
			uint16_t vid = 0;
			bool tagged = false;

			rte_pktmbuf_mtod(m, uint8_t *)[14] |= 0x10;   /* DEI */
			CU_ASSERT_EQUAL(vlan_parse(m, &vid, &tagged), 0);
			CU_ASSERT_EQUAL(vid, vids[i]);
			CU_ASSERT_TRUE(tagged);
			rte_pktmbuf_free(m);
		}
	}
}

static void test_vlan_parse_reads_priority_tag_as_tagged_vid_0(void)
{
	struct rte_mbuf *m = frame(0, 5, 46);
	uint16_t vid = 77;
	bool tagged = false;

	CU_ASSERT_EQUAL(vlan_parse(m, &vid, &tagged), 0);
	CU_ASSERT_EQUAL(vid, 0);
	CU_ASSERT_TRUE(tagged);
	rte_pktmbuf_free(m);
}

static void test_vlan_parse_rejects_runt_shorter_than_ethernet_header(void)
{
	uint8_t buf[FRAME_MAX];

	frame_bytes(buf, NO_TAG, 0, 46);
	for (uint32_t len = 0; len < RTE_ETHER_HDR_LEN; len++) {
		struct rte_mbuf *m = mbuf_of(buf, len);
		uint16_t vid;
		bool tagged;

		CU_ASSERT_EQUAL(vlan_parse(m, &vid, &tagged), -1);
		rte_pktmbuf_free(m);
	}
	/* 14 bytes is a whole (empty) untagged frame. */
	{
		struct rte_mbuf *m = mbuf_of(buf, RTE_ETHER_HDR_LEN);
		uint16_t vid;
		bool tagged;

		CU_ASSERT_EQUAL(vlan_parse(m, &vid, &tagged), 0);
		rte_pktmbuf_free(m);
	}
}

static void test_vlan_parse_rejects_truncated_tag(void)
{
	uint8_t buf[FRAME_MAX];

	frame_bytes(buf, 10, 0, 46);
	for (uint32_t len = RTE_ETHER_HDR_LEN; len < RTE_ETHER_HDR_LEN + 4; len++) {
		struct rte_mbuf *m = mbuf_of(buf, len);
		uint16_t vid;
		bool tagged;

		CU_ASSERT_EQUAL(vlan_parse(m, &vid, &tagged), -1);
		rte_pktmbuf_free(m);
	}
	{
		struct rte_mbuf *m = mbuf_of(buf, RTE_ETHER_HDR_LEN + 4);
		uint16_t vid = 0;
		bool tagged = false;

		CU_ASSERT_EQUAL(vlan_parse(m, &vid, &tagged), 0);
		CU_ASSERT_EQUAL(vid, 10);
		CU_ASSERT_TRUE(tagged);
		rte_pktmbuf_free(m);
	}
}

/* ---- push / pop ------------------------------------------------------ */

static void test_vlan_push_inserts_tag_and_pop_restores_exact_bytes(void)
{
	static const uint32_t payloads[] = { 0, 46, 1500 };
	static const uint16_t vids[] = { 1, 10, 4094 };

	for (unsigned int i = 0; i < RTE_DIM(payloads); i++) {
		uint8_t orig[FRAME_MAX], want[FRAME_MAX];
		uint32_t len = frame_bytes(orig, NO_TAG, 0, payloads[i]);
		uint32_t tlen = frame_bytes(want, vids[i], 0, payloads[i]);
		struct rte_mbuf *m = mbuf_of(orig, len);
		uint16_t off = m->data_off, vid = 0;
		bool tagged = false;

		CU_ASSERT_EQUAL(vlan_push(m, vids[i]), 0);
		CU_ASSERT_TRUE(mbuf_equals(m, want, tlen));
		CU_ASSERT_EQUAL(m->data_len, tlen);
		CU_ASSERT_EQUAL(vlan_parse(m, &vid, &tagged), 0);
		CU_ASSERT_EQUAL(vid, vids[i]);
		CU_ASSERT_TRUE(tagged);
		vlan_pop(m);
		CU_ASSERT_TRUE(mbuf_equals(m, orig, len));
		CU_ASSERT_EQUAL(m->data_len, len);
		CU_ASSERT_EQUAL(m->data_off, off);
		rte_pktmbuf_free(m);
	}
}

static void test_vlan_pop_strips_tag_whatever_its_pcp(void)
{
	uint8_t want[FRAME_MAX];
	uint32_t len = frame_bytes(want, NO_TAG, 0, 60);
	struct rte_mbuf *m = frame(300, 6, 60);

	vlan_pop(m);
	CU_ASSERT_TRUE(mbuf_equals(m, want, len));
	rte_pktmbuf_free(m);
}

static void test_vlan_push_without_headroom_is_enospc_and_leaves_frame_alone(void)
{
	for (uint16_t headroom = 0; headroom <= 4; headroom++) {
		uint8_t orig[FRAME_MAX], want[FRAME_MAX];
		uint32_t len = frame_bytes(orig, NO_TAG, 0, 46);
		uint32_t tlen = frame_bytes(want, 20, 0, 46);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		m->data_off = headroom;
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), orig, len);
		if (headroom < sizeof(struct rte_vlan_hdr)) {
			CU_ASSERT_EQUAL(vlan_push(m, 20), -ENOSPC);
			CU_ASSERT_TRUE(mbuf_equals(m, orig, len));
			CU_ASSERT_EQUAL(m->data_off, headroom);
		} else {
			CU_ASSERT_EQUAL(vlan_push(m, 20), 0);        /* exactly enough */
			CU_ASSERT_TRUE(mbuf_equals(m, want, tlen));
			CU_ASSERT_EQUAL(m->data_off, 0);
		}
		rte_pktmbuf_free(m);
	}
}

/* ---- vlan_reencap ---------------------------------------------------- */

/* One transition: from the frame's tag (or none) to the wanted one. */
struct transition {
	const char *name;
	int from_vid, to_vid;
};

static const struct transition transitions[] = {
	{ "untagged -> tagged 20", NO_TAG, 20 },
	{ "tagged 10 -> untagged", 10, NO_TAG },
	{ "tagged 10 -> tagged 20", 10, 20 },
	{ "tagged 4094 -> tagged 1", 4094, 1 },
	{ "untagged -> untagged", NO_TAG, NO_TAG },
};

/*
 * Re-encapsulate a frame of payload_len bytes through every transition and
 * check the result byte for byte, how it was built (copy or clone), and that
 * the original is untouched and holds no extra reference afterwards.
 */
static void check_reencap(uint32_t payload_len)
{
	for (unsigned int t = 0; t < RTE_DIM(transitions); t++) {
		const struct transition *tr = &transitions[t];
		uint8_t orig[FRAME_MAX], want[FRAME_MAX];
		uint32_t len = frame_bytes(orig, tr->from_vid, 0, payload_len);
		uint32_t wlen = frame_bytes(want, tr->to_vid, 0, payload_len);
		unsigned int avail = rte_mempool_avail_count(pool);
		struct rte_mbuf *m = mbuf_of(orig, len), *n;
		uint16_t m_off = m->data_off, vid = 0xffff;
		bool tagged = tr->to_vid == NO_TAG;      /* the opposite of the answer */

		n = vlan_reencap(m, tr->from_vid != NO_TAG, tr->to_vid != NO_TAG,
				 tr->to_vid != NO_TAG ? (uint16_t)tr->to_vid : 0, pool);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_PTR_NOT_EQUAL(n, m);
		if (!mbuf_equals(n, want, wlen))
			CU_FAIL(tr->name);
		CU_ASSERT_EQUAL(vlan_parse(n, &vid, &tagged), 0);
		CU_ASSERT_EQUAL(tagged, tr->to_vid != NO_TAG);
		CU_ASSERT_EQUAL(vid, tr->to_vid != NO_TAG ? tr->to_vid : 0);
		if (len <= COPY_MAX) {
			/* A private copy: m gained no reference. */
			CU_ASSERT_EQUAL(n->nb_segs, 1);
			CU_ASSERT_EQUAL(RTE_MBUF_CLONED(n), 0);
			CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(m), 1);
		} else {
			/* Header segment + indirect clone: the payload is m's. */
			CU_ASSERT_EQUAL(n->nb_segs, 2);
			CU_ASSERT_EQUAL(n->data_len, RTE_ETHER_HDR_LEN + (tr->to_vid != NO_TAG ? 4 : 0));
			CU_ASSERT_FALSE_FATAL(n->next == NULL);
			CU_ASSERT_NOT_EQUAL(RTE_MBUF_CLONED(n->next), 0);
			CU_ASSERT_PTR_EQUAL(rte_mbuf_from_indirect(n->next), m);
			CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(m), 2);
		}
		/* The original is unchanged while the new frame lives... */
		CU_ASSERT_TRUE(mbuf_equals(m, orig, len));
		CU_ASSERT_EQUAL(m->data_off, m_off);
		rte_pktmbuf_free(n);
		/* ...and after it is freed, with its reference count back to 1. */
		CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(m), 1);
		CU_ASSERT_TRUE(mbuf_equals(m, orig, len));
		rte_pktmbuf_free(m);
		CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), avail);   /* nothing leaked */
	}
}

static void test_vlan_reencap_copies_small_frames_in_every_transition(void)
{
	check_reencap(46);                        /* 60..64 bytes */
	check_reencap(COPY_MAX - 18);             /* 256 bytes when tagged */
}

static void test_vlan_reencap_clones_large_frames_in_every_transition(void)
{
	check_reencap(COPY_MAX - 14 + 1);         /* 257 bytes untagged */
	check_reencap(1500);
}

static void test_vlan_reencap_keeps_payload_shared_with_the_original(void)
{
	struct rte_mbuf *m = frame(10, 0, 1000), *n;
	uint8_t *orig_payload = rte_pktmbuf_mtod_offset(m, uint8_t *, 18);

	n = vlan_reencap(m, true, false, 0, pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_FALSE_FATAL(n->next == NULL);
	/* No copy of the big part: the clone's data is m's own bytes. */
	CU_ASSERT_PTR_EQUAL(rte_pktmbuf_mtod(n->next, uint8_t *), orig_payload);
	rte_pktmbuf_free(n);
	rte_pktmbuf_free(m);
}

/* A pool holding exactly k free mbufs (the rest held in *held). */
static struct rte_mempool *pool_with(const char *name, unsigned int k, struct rte_mbuf **held,
				     unsigned int *n_held)
{
	struct rte_mempool *p = rte_pktmbuf_pool_create(name, 63, 0, 0,
							RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	*n_held = 0;
	while (rte_mempool_avail_count(p) > k)
		held[(*n_held)++] = rte_pktmbuf_alloc(p);
	return p;
}

static void test_vlan_reencap_returns_null_and_leaks_nothing_when_pool_runs_dry(void)
{
	static const uint32_t payloads[] = { 46, 1000 };
	struct rte_mbuf *held[64];
	unsigned int n_held;

	for (unsigned int i = 0; i < RTE_DIM(payloads); i++) {
		/* Empty pool: nothing at all; one mbuf: a large frame gets its
		 * header segment but not the clone, which must be undone. */
		for (unsigned int k = 0; k <= (payloads[i] > COPY_MAX ? 1u : 0u); k++) {
			char name[32];
			struct rte_mempool *p;
			struct rte_mbuf *m = frame(10, 0, payloads[i]);
			uint8_t orig[FRAME_MAX];
			uint32_t len = frame_bytes(orig, 10, 0, payloads[i]);

			snprintf(name, sizeof(name), "vlan_dry_%u_%u", i, k);
			p = pool_with(name, k, held, &n_held);
			CU_ASSERT_PTR_NULL(vlan_reencap(m, true, false, 0, p));
			CU_ASSERT_PTR_NULL(vlan_reencap(m, true, true, 30, p));
			CU_ASSERT_EQUAL(rte_mempool_avail_count(p), k);
			CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(m), 1);
			CU_ASSERT_TRUE(mbuf_equals(m, orig, len));
			th_free(held, n_held);
			rte_mempool_free(p);
			rte_pktmbuf_free(m);
		}
	}
}

/* ---- main ------------------------------------------------------------ */

static int suite_init(void)
{
	pool = rte_pktmbuf_pool_create("vlan_test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
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

	if (th_eal_init("vlan", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vlan", suite_init, suite_fini);
	ADD(s, test_vlan_parse_reports_untagged_frame_as_vid_0_untagged);
	ADD(s, test_vlan_parse_extracts_vid_and_ignores_pcp_and_dei);
	ADD(s, test_vlan_parse_reads_priority_tag_as_tagged_vid_0);
	ADD(s, test_vlan_parse_rejects_runt_shorter_than_ethernet_header);
	ADD(s, test_vlan_parse_rejects_truncated_tag);
	ADD(s, test_vlan_push_inserts_tag_and_pop_restores_exact_bytes);
	ADD(s, test_vlan_pop_strips_tag_whatever_its_pcp);
	ADD(s, test_vlan_push_without_headroom_is_enospc_and_leaves_frame_alone);
	ADD(s, test_vlan_reencap_copies_small_frames_in_every_transition);
	ADD(s, test_vlan_reencap_clones_large_frames_in_every_transition);
	ADD(s, test_vlan_reencap_keeps_payload_shared_with_the_original);
	ADD(s, test_vlan_reencap_returns_null_and_leaks_nothing_when_pool_runs_dry);
	return th_run_suites();
}
