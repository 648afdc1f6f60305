/*
 * Unit tests of the guest port's split-virtqueue data path (vswitch/vring.c)
 * against a guest played by the test: its "physical" memory is an arena here
 * (guest address = GPA_BASE + offset), its descriptor table, avail and used
 * rings live in it, and the test writes descriptors as a virtio-net driver
 * would: header and frame in one buffer, the legacy header-alone layout,
 * indirect tables, mergeable rx buffers. Bad guests (addresses outside their
 * memory, descriptor loops, indexes past the ring) must cost only their own
 * frames, counted, and never a read or write outside the arena.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "support/harness.h"
#include "vswitch/vring.h"

#define QSZ       256
#define GPA_BASE  0x40000000ull
#define ARENA     (4u << 20)
#define DESC_OFF  0u
#define AVAIL_OFF 8192u
#define USED_OFF  16384u
#define BUF_OFF   65536u
#define BUF_SIZE  2048u
#define HDR       12u

static struct rte_mempool *pool;
static uint8_t *arena;
static struct vring_mem mem;
static struct vqueue vq;
static uint16_t guest_avail;   /* the driver's next avail index */

static uint64_t gpa(uint32_t off)
{
	return GPA_BASE + off;
}

static uint32_t buf_off(unsigned int i)
{
	return BUF_OFF + i * BUF_SIZE;
}

static struct vring_desc *desc_tab(void)
{
	return (struct vring_desc *)(arena + DESC_OFF);
}

static void ring_reset(bool mrg)
{
	memset(arena, 0, ARENA);
	memset(&vq, 0, sizeof(vq));
	mem.n = 1;
	mem.r[0].gpa = GPA_BASE;
	mem.r[0].size = ARENA;
	mem.r[0].hva = (uint64_t)(uintptr_t)arena;
	vq.desc = desc_tab();
	vq.avail = (struct vring_avail *)(arena + AVAIL_OFF);
	vq.used = (struct vring_used *)(arena + USED_OFF);
	vq.mem = &mem;
	vq.size = QSZ;
	vq.hdr_len = HDR;
	vq.mrg_rxbuf = mrg;
	vq.callfd = -1;
	vq.max_frame = 16384;
	guest_avail = 0;
}

static void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc_tab()[i] = (struct vring_desc){ .addr = addr, .len = len, .flags = flags,
					    .next = next };
}

static void avail_push(uint16_t head)
{
	vq.avail->ring[guest_avail % QSZ] = head;
	guest_avail++;
	__atomic_store_n(&vq.avail->idx, guest_avail, __ATOMIC_RELEASE);
}

static void fill(uint8_t *p, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

static bool mbuf_is(const struct rte_mbuf *m, uint32_t len, uint8_t seed)
{
	uint8_t tmp[16384], want[16384];
	const void *p;

	if (m->pkt_len != len || len > sizeof(tmp))
		return false;
	p = rte_pktmbuf_read(m, 0, len, tmp);
	fill(want, len, seed);
	return p != NULL && memcmp(p, want, len) == 0;
}

static struct rte_mbuf *frame(uint32_t len, uint8_t seed)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint8_t bytes[16384];
	uint32_t off = 0;

	fill(bytes, len, seed);
	while (off < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t k = RTE_MIN(len - off, (uint32_t)rte_pktmbuf_tailroom(m));

		memcpy(rte_pktmbuf_append(m, (uint16_t)k), bytes + off, k);
		off += k;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += k;
		}
		last = m;
	}
	return head;
}

static unsigned int pool_in_use(void)
{
	return rte_mempool_in_use_count(pool);
}

/* ---- guest tx (dequeue) ---- */

static void test_guest_tx_frame_in_one_descriptor_arrives_without_its_header(void)
{
	struct rte_mbuf *m[4];

	ring_reset(true);
	memset(arena + buf_off(0), 0xee, HDR);
	fill(arena + buf_off(0) + HDR, 60, 1);
	set_desc(0, gpa(buf_off(0)), HDR + 60, 0, 0);
	avail_push(0);
	CU_ASSERT_EQUAL_FATAL(vring_dequeue(&vq, pool, m, 4), 1);
	CU_ASSERT(mbuf_is(m[0], 60, 1));
	CU_ASSERT_EQUAL(vq.used->idx, 1);
	CU_ASSERT_EQUAL(vq.used->ring[0].id, 0);
	CU_ASSERT_EQUAL(vq.used->ring[0].len, 0);
	CU_ASSERT_EQUAL(vring_dequeue(&vq, pool, m + 1, 3), 0);
	rte_pktmbuf_free(m[0]);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
}

static void test_guest_tx_header_alone_then_chained_data_is_reassembled(void)
{
	struct rte_mbuf *m[2];
	uint8_t bytes[300];

	ring_reset(false);
	vq.hdr_len = 10;                 /* legacy driver, no mergeable buffers */
	fill(bytes, sizeof(bytes), 7);
	memcpy(arena + buf_off(1), bytes, 100);
	memcpy(arena + buf_off(2), bytes + 100, 200);
	set_desc(5, gpa(buf_off(0)), 10, VRING_DESC_F_NEXT, 9);
	set_desc(9, gpa(buf_off(1)), 100, VRING_DESC_F_NEXT, 3);
	set_desc(3, gpa(buf_off(2)), 200, 0, 0);
	avail_push(5);
	CU_ASSERT_EQUAL_FATAL(vring_dequeue(&vq, pool, m, 2), 1);
	CU_ASSERT(mbuf_is(m[0], 300, 7));
	CU_ASSERT_EQUAL(vq.used->ring[0].id, 5);
	rte_pktmbuf_free(m[0]);
}

static void test_guest_tx_indirect_table_is_followed(void)
{
	struct vring_desc *ind = (struct vring_desc *)(arena + buf_off(10));
	struct rte_mbuf *m[2];

	ring_reset(true);
	fill(arena + buf_off(1), 40, 3);
	fill(arena + buf_off(2), 24, (uint8_t)(3 + 40 * 13));
	ind[0] = (struct vring_desc){ gpa(buf_off(0)), HDR, VRING_DESC_F_NEXT, 1 };
	ind[1] = (struct vring_desc){ gpa(buf_off(1)), 40, VRING_DESC_F_NEXT, 2 };
	ind[2] = (struct vring_desc){ gpa(buf_off(2)), 24, 0, 0 };
	set_desc(7, gpa(buf_off(10)), 3 * sizeof(struct vring_desc), VRING_DESC_F_INDIRECT, 0);
	avail_push(7);
	CU_ASSERT_EQUAL_FATAL(vring_dequeue(&vq, pool, m, 2), 1);
	CU_ASSERT(mbuf_is(m[0], 64, 3));
	rte_pktmbuf_free(m[0]);
}

static void test_guest_tx_jumbo_frame_becomes_a_chained_mbuf(void)
{
	struct rte_mbuf *m[1];
	uint8_t *p = arena + buf_off(0);

	ring_reset(true);
	fill(p + HDR, 9000, 9);
	set_desc(0, gpa(buf_off(0)), HDR + 9000, 0, 0);
	avail_push(0);
	CU_ASSERT_EQUAL_FATAL(vring_dequeue(&vq, pool, m, 1), 1);
	CU_ASSERT(m[0]->nb_segs > 1);
	CU_ASSERT(mbuf_is(m[0], 9000, 9));
	rte_pktmbuf_free(m[0]);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
}

/* Each bad frame is dropped and counted, its buffer handed back; the good
 * frame behind it still arrives. */
static void bad_tx_then_good(uint64_t *counter)
{
	struct rte_mbuf *m[4];

	fill(arena + buf_off(20) + HDR, 60, 5);
	set_desc(20, gpa(buf_off(20)), HDR + 60, 0, 0);
	avail_push(20);
	CU_ASSERT_EQUAL_FATAL(vring_dequeue(&vq, pool, m, 4), 1);
	CU_ASSERT(mbuf_is(m[0], 60, 5));
	CU_ASSERT_EQUAL(*counter, 1);
	CU_ASSERT_EQUAL(vq.used->idx, 2);
	CU_ASSERT_EQUAL(vq.used->ring[0].len, 0);
	CU_ASSERT_FALSE(vq.broken);
	rte_pktmbuf_free(m[0]);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
}

static void test_guest_tx_address_outside_guest_memory_costs_only_that_frame(void)
{
	ring_reset(true);
	set_desc(0, GPA_BASE + ARENA - 8, HDR + 60, 0, 0);      /* runs past the end */
	avail_push(0);
	bad_tx_then_good(&vq.st.malformed);
	ring_reset(true);
	set_desc(0, 0x1000, HDR + 60, 0, 0);                     /* below the region */
	avail_push(0);
	bad_tx_then_good(&vq.st.malformed);
}

static void test_guest_tx_descriptor_loop_costs_only_that_frame(void)
{
	ring_reset(true);
	/* Short buffers: the loop, not the frame size limit, ends the walk. */
	set_desc(1, gpa(buf_off(1)), 8, VRING_DESC_F_NEXT, 2);
	set_desc(2, gpa(buf_off(2)), 8, VRING_DESC_F_NEXT, 1);
	avail_push(1);
	bad_tx_then_good(&vq.st.malformed);
	CU_ASSERT_EQUAL(vq.used->ring[0].id, 1);
}

static void test_guest_tx_writable_or_out_of_table_descriptor_is_refused(void)
{
	ring_reset(true);
	set_desc(1, gpa(buf_off(1)), HDR + 60, VRING_DESC_F_WRITE, 0);
	avail_push(1);
	bad_tx_then_good(&vq.st.malformed);
	ring_reset(true);
	set_desc(1, gpa(buf_off(1)), HDR, VRING_DESC_F_NEXT, QSZ + 3);
	avail_push(1);
	bad_tx_then_good(&vq.st.malformed);
	ring_reset(true);
	avail_push(QSZ + 1);                                    /* head out of table */
	bad_tx_then_good(&vq.st.malformed);
}

static void test_guest_tx_frame_over_max_frame_is_dropped_as_too_big(void)
{
	ring_reset(true);
	vq.max_frame = 1500;
	set_desc(1, gpa(buf_off(1)), HDR + 1501, 0, 0);
	avail_push(1);
	bad_tx_then_good(&vq.st.too_big);
}

static void test_avail_index_past_the_ring_marks_it_broken(void)
{
	struct rte_mbuf *m[4];

	ring_reset(true);
	__atomic_store_n(&vq.avail->idx, QSZ + 1, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(vring_dequeue(&vq, pool, m, 4), 0);
	CU_ASSERT(vq.broken);
	CU_ASSERT_EQUAL(vq.st.malformed, 1);
	CU_ASSERT_EQUAL(vring_dequeue(&vq, pool, m, 4), 0);
	CU_ASSERT_EQUAL(vq.st.malformed, 1);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
}

static void test_ring_indexes_wrap_around_16_bits(void)
{
	struct rte_mbuf *m[1];

	ring_reset(true);
	vq.last_avail = vq.last_used = 65535;
	guest_avail = 65535;
	vq.used->idx = 65535;
	for (int k = 0; k < 3; k++) {
		fill(arena + buf_off(k) + HDR, 60, (uint8_t)k);
		set_desc((uint16_t)k, gpa(buf_off(k)), HDR + 60, 0, 0);
		avail_push((uint16_t)k);
		CU_ASSERT_EQUAL_FATAL(vring_dequeue(&vq, pool, m, 1), 1);
		CU_ASSERT(mbuf_is(m[0], 60, (uint8_t)k));
		rte_pktmbuf_free(m[0]);
	}
	CU_ASSERT_EQUAL(vq.used->idx, 2);
}

/* ---- guest rx (enqueue) ---- */

static void post_rx_buffers(unsigned int n, uint32_t len)
{
	for (unsigned int i = 0; i < n; i++) {
		set_desc((uint16_t)i, gpa(buf_off(i)), len, VRING_DESC_F_WRITE, 0);
		avail_push((uint16_t)i);
	}
}

static void test_guest_rx_frame_follows_a_header_of_one_buffer(void)
{
	struct rte_mbuf *m = frame(60, 4);
	const uint8_t *b = arena + buf_off(0);
	static const uint8_t hdr[HDR] = { [10] = 1 };
	uint8_t want[60];

	ring_reset(true);
	post_rx_buffers(4, BUF_SIZE);
	CU_ASSERT_EQUAL_FATAL(vring_enqueue(&vq, &m, 1), 1);
	fill(want, 60, 4);
	CU_ASSERT_EQUAL(memcmp(b, hdr, HDR), 0);
	CU_ASSERT_EQUAL(memcmp(b + HDR, want, 60), 0);
	CU_ASSERT_EQUAL(vq.used->idx, 1);
	CU_ASSERT_EQUAL(vq.used->ring[0].id, 0);
	CU_ASSERT_EQUAL(vq.used->ring[0].len, HDR + 60);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
}

static void test_guest_rx_mergeable_jumbo_spreads_over_buffers_and_says_how_many(void)
{
	struct rte_mbuf *m = frame(9000, 8);
	uint8_t got[9000], want[9000];
	uint32_t off = 0, total = 0;
	uint16_t nb;

	ring_reset(true);
	post_rx_buffers(8, BUF_SIZE);
	CU_ASSERT_EQUAL_FATAL(vring_enqueue(&vq, &m, 1), 1);
	CU_ASSERT_EQUAL_FATAL(vq.used->idx, 5);     /* 9012 bytes in 2048-byte buffers */
	memcpy(&nb, arena + buf_off(0) + 10, 2);
	CU_ASSERT_EQUAL(nb, 5);
	for (unsigned int i = 0; i < 5; i++) {
		uint32_t len = vq.used->ring[i].len, skip = i == 0 ? HDR : 0;

		CU_ASSERT_EQUAL(vq.used->ring[i].id, i);
		memcpy(got + off, arena + buf_off(vq.used->ring[i].id) + skip, len - skip);
		off += len - skip;
		total += len;
	}
	CU_ASSERT_EQUAL(total, HDR + 9000);
	fill(want, 9000, 8);
	CU_ASSERT_EQUAL(memcmp(got, want, 9000), 0);
}

static void test_guest_rx_header_in_its_own_descriptor_is_legacy_layout(void)
{
	struct rte_mbuf *m = frame(100, 2);
	uint8_t want[100];

	ring_reset(false);
	vq.hdr_len = 10;
	set_desc(0, gpa(buf_off(0)), 10, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa(buf_off(1)), 1500, VRING_DESC_F_WRITE, 0);
	avail_push(0);
	CU_ASSERT_EQUAL_FATAL(vring_enqueue(&vq, &m, 1), 1);
	fill(want, 100, 2);
	CU_ASSERT_EQUAL(memcmp(arena + buf_off(1), want, 100), 0);
	CU_ASSERT_EQUAL(vq.used->ring[0].len, 110);
}

static void test_guest_rx_without_mergeable_too_large_frame_is_dropped_buffer_kept(void)
{
	struct rte_mbuf *m[2] = { frame(3000, 1), frame(60, 2) };
	uint8_t want[60];

	ring_reset(false);
	post_rx_buffers(2, BUF_SIZE);
	CU_ASSERT_EQUAL_FATAL(vring_enqueue(&vq, m, 2), 2);
	CU_ASSERT_EQUAL(vq.st.too_big, 1);
	CU_ASSERT_EQUAL(vq.used->idx, 1);             /* the small frame only */
	fill(want, 60, 2);
	CU_ASSERT_EQUAL(memcmp(arena + buf_off(0) + HDR, want, 60), 0);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
}

static void test_guest_rx_full_ring_leaves_the_rest_with_the_caller(void)
{
	struct rte_mbuf *m[3] = { frame(60, 1), frame(60, 2), frame(5000, 3) };

	ring_reset(true);
	post_rx_buffers(2, BUF_SIZE);
	/* Two frames fit; the third would need three buffers and none is left. */
	CU_ASSERT_EQUAL_FATAL(vring_enqueue(&vq, m, 3), 2);
	CU_ASSERT_EQUAL(vq.used->idx, 2);
	CU_ASSERT_EQUAL(vq.st.too_big, 0);
	rte_pktmbuf_free(m[2]);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
}

static void test_guest_rx_read_only_buffer_marks_ring_broken(void)
{
	struct rte_mbuf *m[2] = { frame(60, 1), frame(60, 2) };

	ring_reset(true);
	set_desc(0, gpa(buf_off(0)), BUF_SIZE, 0, 0);
	avail_push(0);
	CU_ASSERT_EQUAL(vring_enqueue(&vq, m, 2), 1);   /* the first, dropped */
	CU_ASSERT(vq.broken);
	CU_ASSERT_EQUAL(vq.st.malformed, 1);
	CU_ASSERT_EQUAL(vq.used->idx, 0);
	CU_ASSERT_EQUAL(vring_enqueue(&vq, m + 1, 1), 0);
	rte_pktmbuf_free(m[1]);
	CU_ASSERT_EQUAL(pool_in_use(), 0);
}

static uint64_t calls_seen(int fd)
{
	eventfd_t v = 0;

	return eventfd_read(fd, &v) == 0 ? v : 0;
}

static void test_guest_is_interrupted_only_when_it_asks(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	struct rte_mbuf *m;

	CU_ASSERT_FATAL(fd >= 0);
	ring_reset(true);
	vq.callfd = fd;
	post_rx_buffers(8, BUF_SIZE);
	vq.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;     /* a polling driver */
	m = frame(60, 1);
	CU_ASSERT_EQUAL(vring_enqueue(&vq, &m, 1), 1);
	CU_ASSERT_EQUAL(calls_seen(fd), 0);
	vq.avail->flags = 0;                              /* asleep, wants a call */
	m = frame(60, 1);
	CU_ASSERT_EQUAL(vring_enqueue(&vq, &m, 1), 1);
	CU_ASSERT_EQUAL(calls_seen(fd), 1);
	/* Event index: a call only when used->idx passes used_event. */
	vq.event_idx = true;
	vq.avail->ring[QSZ] = 3;                          /* used_event */
	m = frame(60, 1);
	CU_ASSERT_EQUAL(vring_enqueue(&vq, &m, 1), 1);    /* used 2 -> 3 */
	CU_ASSERT_EQUAL(calls_seen(fd), 0);
	m = frame(60, 1);
	CU_ASSERT_EQUAL(vring_enqueue(&vq, &m, 1), 1);    /* used 3 -> 4: passes 3 */
	CU_ASSERT_EQUAL(calls_seen(fd), 1);
	CU_ASSERT_EQUAL(vq.st.calls, 2);
	close(fd);
}

static int suite_init(void)
{
	pool = rte_pktmbuf_pool_create("vring_test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	arena = aligned_alloc(4096, ARENA);
	return pool != NULL && arena != NULL ? 0 : -1;
}

static int suite_fini(void)
{
	free(arena);
	rte_mempool_free(pool);
	return 0;
}

#define ADD(s, f) CU_add_test(s, #f, f)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("vring", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vring", suite_init, suite_fini);
	ADD(s, test_guest_tx_frame_in_one_descriptor_arrives_without_its_header);
	ADD(s, test_guest_tx_header_alone_then_chained_data_is_reassembled);
	ADD(s, test_guest_tx_indirect_table_is_followed);
	ADD(s, test_guest_tx_jumbo_frame_becomes_a_chained_mbuf);
	ADD(s, test_guest_tx_address_outside_guest_memory_costs_only_that_frame);
	ADD(s, test_guest_tx_descriptor_loop_costs_only_that_frame);
	ADD(s, test_guest_tx_writable_or_out_of_table_descriptor_is_refused);
	ADD(s, test_guest_tx_frame_over_max_frame_is_dropped_as_too_big);
	ADD(s, test_avail_index_past_the_ring_marks_it_broken);
	ADD(s, test_ring_indexes_wrap_around_16_bits);
	ADD(s, test_guest_rx_frame_follows_a_header_of_one_buffer);
	ADD(s, test_guest_rx_mergeable_jumbo_spreads_over_buffers_and_says_how_many);
	ADD(s, test_guest_rx_header_in_its_own_descriptor_is_legacy_layout);
	ADD(s, test_guest_rx_without_mergeable_too_large_frame_is_dropped_buffer_kept);
	ADD(s, test_guest_rx_full_ring_leaves_the_rest_with_the_caller);
	ADD(s, test_guest_rx_read_only_buffer_marks_ring_broken);
	ADD(s, test_guest_is_interrupted_only_when_it_asks);
	return th_run_suites();
}
