/*
 * Unit tests of Network I/O Control's scheduler (vswitch/nioc.c) on a
 * simulated uplink: time is a counter of nanoseconds (hz = 1e9), the
 * classes are kept backlogged with 1514-byte frames, and what the
 * scheduler lets out is counted per class over one simulated second. The
 * rates it must give follow vSphere's model (nioc.h): reservations first,
 * the rest by shares, limits never exceeded, the capacity never exceeded.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <vmknet/error.h>

#include "support/harness.h"
#include "vswitch/nioc.h"

#define HZ       1000000000ull
#define STEP_NS  20000ull         /* the worker comes by every 20 us */
#define FRAME    1514u
#define MBPS     1000000ull

static struct rte_mempool *pool;
static uint64_t clock_ns;          /* the simulated TSC, never going back */

static void params_init(struct nioc_params *p, uint64_t capacity_mbps)
{
	memset(p, 0, sizeof(*p));
	p->capacity_bps = capacity_mbps * MBPS;
	for (unsigned int i = 0; i < NIOC_CLASSES; i++)
		p->cls[i].shares = 50;
}

static struct rte_mbuf *frame(uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_append(m, (uint16_t)len));
	return m;
}

/* Keep the classes in mask at depth frames queued; run for ns; return the
 * Mbit/s each class got, in mbps[]. */
static void run(struct nioc_sched *s, unsigned int mask, uint64_t ns, double *mbps)
{
	uint64_t bytes[NIOC_CLASSES] = { 0 };
	unsigned int have[NIOC_CLASSES] = { 0 };

	for (uint64_t end = clock_ns + ns; clock_ns < end; clock_ns += STEP_NS) {
		struct rte_mbuf *out[64];
		uint8_t cls[64];
		unsigned int n;

		for (unsigned int c = 0; c < NIOC_CLASSES; c++) {
			while ((mask & (1u << c)) && have[c] < 48) {
				struct rte_mbuf *m = frame(FRAME);
				uint8_t k = (uint8_t)c;

				CU_ASSERT_EQUAL(nioc_enqueue(s, &m, &k, 1), 1);
				have[c]++;
			}
		}
		n = nioc_dequeue(s, clock_ns, HZ, out, cls, RTE_DIM(out));
		for (unsigned int i = 0; i < n; i++) {
			bytes[cls[i]] += out[i]->pkt_len;
			have[cls[i]]--;
			rte_pktmbuf_free(out[i]);
		}
	}
	for (unsigned int c = 0; c < NIOC_CLASSES; c++)
		mbps[c] = (double)bytes[c] * 8.0 / ((double)ns / 1e9) / 1e6;
}

static bool near(double got, double want, double pct)
{
	double d = got - want;

	if (d < 0)
		d = -d;
	if (d > want * pct / 100.0) {
		printf("\n    got %.1f Mbit/s, want %.1f +- %.0f%%", got, want, pct);
		return false;
	}
	return true;
}

/* A scheduler with p, the classes of mask backlogged for a second: their
 * Mbit/s in r[]. */
static void rates(const struct nioc_params *p, unsigned int mask, double *r)
{
	struct nioc_sched *s;

	CU_ASSERT_EQUAL_FATAL(nioc_create(p, 256, SOCKET_ID_ANY, &s), 0);
	run(s, mask, HZ, r);
	nioc_destroy(s);
}

static void test_backlogged_classes_share_the_uplink_by_their_shares(void)
{
	struct nioc_params p;
	double r[NIOC_CLASSES];

	params_init(&p, 2000);
	p.cls[0].shares = 100;
	p.cls[1].shares = 50;
	p.cls[2].shares = 25;
	rates(&p, 0x7, r);
	CU_ASSERT(near(r[0], 2000.0 * 100 / 175, 2));
	CU_ASSERT(near(r[1], 2000.0 * 50 / 175, 2));
	CU_ASSERT(near(r[2], 2000.0 * 25 / 175, 2));
	CU_ASSERT(near(r[0] + r[1] + r[2], 2000.0, 1));
}

static void test_a_class_alone_may_use_the_whole_uplink(void)
{
	struct nioc_params p;
	double r[NIOC_CLASSES];

	params_init(&p, 2000);
	p.cls[4].shares = 25;
	rates(&p, 1u << 4, r);
	CU_ASSERT(near(r[4], 2000.0, 1));
}

static void test_a_reservation_holds_and_the_rest_goes_by_shares(void)
{
	struct nioc_params p;
	double r[NIOC_CLASSES];

	params_init(&p, 2000);
	p.cls[3].shares = 25;                  /* FT: little share, a reservation */
	p.cls[3].reservation_bps = 1000 * MBPS;
	p.cls[1].shares = 100;                 /* vMotion floods */
	rates(&p, (1u << 3) | (1u << 1), r);
	/* 1000 reserved, the other 1000 split 25:100. */
	CU_ASSERT(near(r[3], 1000.0 + 1000.0 * 25 / 125, 3));
	CU_ASSERT(near(r[1], 1000.0 * 100 / 125, 3));
}

static void test_a_limited_class_stays_at_its_limit_alone_and_in_contention(void)
{
	struct nioc_params p;
	struct nioc_sched *s;
	double r[NIOC_CLASSES];

	params_init(&p, 2000);
	p.cls[2].shares = 100;
	p.cls[2].limit_bps = 300 * MBPS;
	CU_ASSERT_EQUAL_FATAL(nioc_create(&p, 256, SOCKET_ID_ANY, &s), 0);
	run(s, 1u << 2, HZ, r);
	CU_ASSERT(near(r[2], 300.0, 2));
	run(s, (1u << 2) | (1u << 5), HZ, r);
	CU_ASSERT(near(r[2], 300.0, 2));
	CU_ASSERT(near(r[5], 1700.0, 2));      /* the other takes what is left */
	nioc_destroy(s);
}

static void test_a_full_class_queue_refuses_to_the_caller_counts_and_others_go_on(void)
{
	struct nioc_class_stats st;
	struct nioc_params p;
	struct nioc_sched *s;
	unsigned int before = rte_mempool_avail_count(pool);

	params_init(&p, 1000);
	CU_ASSERT_EQUAL_FATAL(nioc_create(&p, 8, SOCKET_ID_ANY, &s), 0);
	{
		struct rte_mbuf *m[12];
		uint8_t c[12];

		for (unsigned int i = 0; i < 12; i++) {
			m[i] = frame(FRAME);
			c[i] = 6;
		}
		m[11]->pkt_len = 77;             /* to find it among the refused */
		CU_ASSERT_EQUAL(nioc_enqueue(s, m, c, 12), 8);
		/* the 4 refused stay the caller's, at the end, with their class */
		CU_ASSERT_PTR_NOT_NULL(m[8]);
		CU_ASSERT_EQUAL(m[11]->pkt_len, 77);
		for (unsigned int i = 8; i < 12; i++) {
			CU_ASSERT_EQUAL(c[i], 6);
			rte_pktmbuf_free(m[i]);
		}
	}
	{
		struct rte_mbuf *m = frame(FRAME);
		uint8_t c = 200;               /* out of range: the last class */

		CU_ASSERT_EQUAL(nioc_enqueue(s, &m, &c, 1), 1);
	}
	nioc_class_stats(s, 6, &st);
	CU_ASSERT_EQUAL(st.drops, 4);
	CU_ASSERT_EQUAL(st.queued, 8);
	nioc_class_stats(s, NIOC_CLASSES - 1, &st);
	CU_ASSERT_EQUAL(st.queued, 1);
	CU_ASSERT_EQUAL(nioc_backlog(s), 9);
	nioc_destroy(s);                       /* frees what is queued */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), before);
}

static void test_frames_the_device_refused_leave_first_next_time(void)
{
	struct nioc_class_stats st;
	struct rte_mbuf *out[8], *m[4];
	uint8_t cls[8], c[4] = { 0, 0, 1, 1 };
	struct nioc_params p;
	struct nioc_sched *s;
	unsigned int n;

	params_init(&p, 10000);
	CU_ASSERT_EQUAL_FATAL(nioc_create(&p, 8, SOCKET_ID_ANY, &s), 0);
	for (unsigned int i = 0; i < 4; i++)
		m[i] = frame(100 + i);
	CU_ASSERT_EQUAL(nioc_enqueue(s, m, c, 4), 4);
	n = nioc_dequeue(s, clock_ns, HZ, out, cls, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(nioc_hold(s, &out[2], &cls[2], 2), 2);   /* the device took 2 */
	nioc_class_stats(s, cls[2], &st);
	CU_ASSERT_EQUAL(nioc_backlog(s), 2);
	rte_pktmbuf_free(out[0]);
	rte_pktmbuf_free(out[1]);
	{
		struct rte_mbuf *keep[2] = { out[2], out[3] };

		n = nioc_dequeue(s, clock_ns + 1000, HZ, out, cls, 8);
		CU_ASSERT_EQUAL_FATAL(n, 2);
		CU_ASSERT_PTR_EQUAL(out[0], keep[0]);
		CU_ASSERT_PTR_EQUAL(out[1], keep[1]);
	}
	for (unsigned int k = 0; k < 2; k++) {
		nioc_class_stats(s, k, &st);
		CU_ASSERT_EQUAL(st.packets, 2);     /* counted once each */
	}
	rte_pktmbuf_free(out[0]);
	rte_pktmbuf_free(out[1]);
	nioc_destroy(s);
}

static void test_bad_parameters_are_refused_with_the_class_named(void)
{
	struct nioc_params p;
	struct nioc_sched *s = NULL;

	params_init(&p, 0);
	CU_ASSERT_EQUAL(nioc_create(&p, 8, SOCKET_ID_ANY, &s), -EINVAL);
	params_init(&p, 1000);
	p.cls[2].shares = 0;
	CU_ASSERT_EQUAL(nioc_params_check(&p), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_last_error(), "class 2"));
	p.cls[2].shares = 101;
	CU_ASSERT_EQUAL(nioc_params_check(&p), -EINVAL);
	p.cls[2].shares = 50;
	p.cls[3].reservation_bps = 200 * MBPS;
	p.cls[3].limit_bps = 100 * MBPS;
	CU_ASSERT_EQUAL(nioc_params_check(&p), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_last_error(), "class 3"));
	p.cls[3].limit_bps = 0;
	p.cls[4].reservation_bps = 600 * MBPS;  /* 800 > 75% of 1000 */
	CU_ASSERT_EQUAL(nioc_params_check(&p), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_last_error(), "75%"));
	p.cls[4].reservation_bps = 550 * MBPS;  /* 750: allowed */
	CU_ASSERT_EQUAL(nioc_params_check(&p), 0);
	CU_ASSERT_EQUAL(nioc_create(&p, 0, SOCKET_ID_ANY, &s), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	nioc_destroy(NULL);
}

static void test_new_parameters_apply_to_what_is_queued(void)
{
	struct nioc_params p;
	struct nioc_sched *s;
	double r[NIOC_CLASSES];

	params_init(&p, 2000);
	CU_ASSERT_EQUAL_FATAL(nioc_create(&p, 256, SOCKET_ID_ANY, &s), 0);
	run(s, 0x3, HZ / 100, r);   /* the full buckets' first burst (10 ms) */
	run(s, 0x3, HZ / 4, r);
	CU_ASSERT(near(r[0], 1000.0, 3));
	p.cls[0].limit_bps = 200 * MBPS;
	CU_ASSERT_EQUAL(nioc_set_params(s, &p), 0);
	p.cls[1].shares = 0;
	CU_ASSERT_EQUAL(nioc_set_params(s, &p), -EINVAL);   /* the old ones go on */
	run(s, 0x3, HZ / 2, r);
	CU_ASSERT(near(r[0], 200.0, 3));
	CU_ASSERT(near(r[1], 1800.0, 3));
	nioc_destroy(s);
}

/* Without a backlog, frames leave at once up to the buckets (capacity, the
 * class's limit), the rates still held over time; with one, nothing skips
 * the queue. */
static void test_frames_skip_the_queue_only_when_nothing_waits(void)
{
	struct nioc_params p;
	struct nioc_sched *s;
	struct rte_mbuf *m[4];
	uint8_t c[4] = { 2, 2, 2, 2 };
	uint64_t bytes = 0;

	params_init(&p, 1000);
	p.cls[2].limit_bps = 100 * MBPS;
	CU_ASSERT_EQUAL_FATAL(nioc_create(&p, 8, SOCKET_ID_ANY, &s), 0);
	for (unsigned int i = 0; i < 4; i++)
		m[i] = frame(FRAME);
	CU_ASSERT_EQUAL(nioc_admit(s, clock_ns, HZ, m, c, 4), 4);
	/* one second of bursts of 4 frames, each 1/10000 s: the limit holds */
	for (unsigned int t = 0; t < 10000; t++) {
		clock_ns += HZ / 10000;
		if (nioc_admit_burst(s, clock_ns, HZ, 2, 4, 4 * FRAME))
			bytes += 4 * FRAME;
	}
	/* 100 Mbit in the second, and the bucket's 10 ms it started with */
	CU_ASSERT(near((double)bytes * 8 / 1e6, 101.0, 3));
	/* a frame queued: nobody skips it */
	CU_ASSERT_EQUAL(nioc_enqueue(s, &m[0], &c[0], 1), 1);
	clock_ns += HZ;
	CU_ASSERT_EQUAL(nioc_admit(s, clock_ns, HZ, &m[1], &c[1], 3), 0);
	CU_ASSERT_FALSE(nioc_admit_burst(s, clock_ns, HZ, 2, 3, 3 * FRAME));
	for (unsigned int i = 1; i < 4; i++)
		rte_pktmbuf_free(m[i]);
	nioc_destroy(s);
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("nioc", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	pool = rte_pktmbuf_pool_create("nioc_test", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	s = CU_add_suite("nioc", NULL, NULL);
	ADD(s, test_backlogged_classes_share_the_uplink_by_their_shares);
	ADD(s, test_a_class_alone_may_use_the_whole_uplink);
	ADD(s, test_a_reservation_holds_and_the_rest_goes_by_shares);
	ADD(s, test_a_limited_class_stays_at_its_limit_alone_and_in_contention);
	ADD(s, test_a_full_class_queue_refuses_to_the_caller_counts_and_others_go_on);
	ADD(s, test_frames_the_device_refused_leave_first_next_time);
	ADD(s, test_bad_parameters_are_refused_with_the_class_named);
	ADD(s, test_new_parameters_apply_to_what_is_queued);
	ADD(s, test_frames_skip_the_queue_only_when_nothing_waits);
	return th_run_suites();
}
