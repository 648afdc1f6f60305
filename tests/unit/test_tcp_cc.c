/*
 * Unit tests of the congestion control modules (tcpip/tcp_cc_*.c) on
 * their own: a connection block holding only what the window rules read
 * (MSS, cwnd, ssthresh, SRTT, what is in flight), acknowledged a window
 * per RTT over simulated time. CUBIC (RFC 9438): the multiplicative
 * decrease of 0.7, the concave-then-convex curve around W_max, fast
 * convergence, and the Reno-friendly region at small RTTs. No EAL, no
 * netstack.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "support/harness.h"
#include "tcpip/tcp.h"

#define MSS 1000u
#define SEC 1000000ull
#define MS  1000ull

static struct vmk_tcp_sock pcb;
static uint64_t now;

/* A CUBIC connection in congestion avoidance at cwnd with RTT rtt_us. */
static struct vmk_tcp_sock *cubic_at(uint32_t cwnd, uint32_t rtt_us)
{
	memset(&pcb, 0, sizeof(pcb));
	pcb.mss = MSS;
	pcb.cc = tcp_cc_find("cubic");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pcb.cc);
	pcb.cc->init(&pcb);
	pcb.cwnd = cwnd;
	pcb.ssthresh = cwnd / 2;
	pcb.srtt_us = rtt_us;
	pcb.snd_una = 1;
	pcb.snd_max = 1 + cwnd;               /* a full window in flight */
	now = 1000 * SEC;
	return &pcb;
}

/* A loss repaired by fast recovery: the window after it. */
static void loss(struct vmk_tcp_sock *p)
{
	p->snd_max = p->snd_una + p->cwnd;
	p->cc->enter_recovery(p, now);
	p->cc->exit_recovery(p);
}

/* One RTT: a window of segments acknowledged one by one. */
static void one_rtt(struct vmk_tcp_sock *p, uint64_t rtt_us)
{
	uint32_t n = p->cwnd / MSS;
	uint64_t t0 = now;

	for (uint32_t i = 0; i < n; i++)
		p->cc->on_ack(p, MSS, t0 + rtt_us * i / n);
	now = t0 + rtt_us;
}

static void test_cubic_is_selectable_by_name_and_newreno_stays_the_default(void)
{
	CU_ASSERT_PTR_EQUAL(tcp_cc_find("cubic"), &tcp_cc_cubic);
	CU_ASSERT_PTR_EQUAL(tcp_cc_find("newreno"), &tcp_cc_newreno);
	CU_ASSERT_PTR_NULL(tcp_cc_find("vegas"));
}

static void test_cubic_loss_leaves_seven_tenths_of_the_window(void)
{
	struct vmk_tcp_sock *p = cubic_at(100 * MSS, 10 * MS);

	p->cc->enter_recovery(p, now);
	CU_ASSERT_EQUAL(p->ssthresh, 70 * MSS);
	CU_ASSERT_EQUAL(p->cwnd, 73 * MSS);          /* inflated by the 3 duplicates */
	p->cc->on_dupack(p);
	CU_ASSERT_EQUAL(p->cwnd, 74 * MSS);
	p->cc->exit_recovery(p);
	CU_ASSERT_EQUAL(p->cwnd, 70 * MSS);
	/* a timeout: the same ssthresh, one segment */
	p = cubic_at(100 * MSS, 10 * MS);
	p->cc->on_rto(p, now);
	CU_ASSERT_EQUAL(p->ssthresh, 70 * MSS);
	CU_ASSERT_EQUAL(p->cwnd, MSS);
	/* never below two segments */
	p = cubic_at(2 * MSS, 10 * MS);
	p->cc->on_rto(p, now);
	CU_ASSERT_EQUAL(p->ssthresh, 2 * MSS);
}

/* W_max 1,000 segments, RTT 100 ms (Reno would add ~5 segments/s):
 * K = cbrt(1000 * 0.3 / 0.4) = 9.09 s. */
static void test_cubic_grows_concave_up_to_w_max_then_convex_beyond(void)
{
	struct vmk_tcp_sock *p = cubic_at(1000 * MSS, 100 * MS);
	uint32_t w[21];

	loss(p);
	CU_ASSERT_EQUAL_FATAL(p->cwnd, 700 * MSS);
	w[0] = p->cwnd;
	for (int s = 1; s <= 20; s++) {
		for (int r = 0; r < 10; r++)
			one_rtt(p, 100 * MS);
		w[s] = p->cwnd;
	}
	fprintf(stderr, "    cwnd/MSS each second:");
	for (int s = 0; s <= 20; s++)
		fprintf(stderr, " %u", w[s] / MSS);
	fprintf(stderr, "\n");
	/* concave: fast growth first, slowing toward W_max */
	CU_ASSERT(w[1] - w[0] > w[4] - w[3]);
	CU_ASSERT(w[4] - w[3] > w[7] - w[6]);
	CU_ASSERT(w[7] - w[6] > w[9] - w[8]);
	/* the plateau: near W_max around K, not above it */
	CU_ASSERT(w[9] >= 985 * MSS && w[9] <= 1005 * MSS);
	CU_ASSERT(w[8] < 1000 * MSS);
	/* convex: probing beyond W_max ever faster */
	CU_ASSERT(w[13] - w[12] > w[11] - w[10]);
	CU_ASSERT(w[16] - w[15] > w[13] - w[12]);
	CU_ASSERT(w[20] - w[19] > w[16] - w[15]);
	CU_ASSERT(w[20] > 1100 * MSS);
}

/* A loss before the last W_max was reached lowers the plateau to
 * (1 + 0.7) / 2 of the window: W_max 80 -> 68 segments, K 3.1 s. */
static void test_cubic_fast_convergence_lowers_the_plateau_after_an_early_loss(void)
{
	struct vmk_tcp_sock *p = cubic_at(100 * MSS, 200 * MS);

	loss(p);                                   /* W_max 100 */
	p->cwnd = 80 * MSS;
	loss(p);                                   /* before reaching it */
	CU_ASSERT_EQUAL_FATAL(p->cwnd, 56 * MSS);
	for (int r = 0; r < 16; r++)               /* 3.2 s */
		one_rtt(p, 200 * MS);
	CU_ASSERT(p->cwnd >= 66 * MSS && p->cwnd <= 70 * MSS);
}

/* RTT 1 ms, W_max 100 segments: the cubic curve needs K = 4.2 s to get
 * back, Reno adds 0.53 segments per RTT, then one once past W_max. */
static void test_cubic_follows_the_reno_friendly_estimate_at_small_rtts(void)
{
	struct vmk_tcp_sock *p = cubic_at(100 * MSS, 1 * MS);

	loss(p);
	for (int r = 0; r < 30; r++)
		one_rtt(p, 1 * MS);
	/* 70 + 30 * 9/17 = 85.9 segments (the curve alone: 70.2) */
	CU_ASSERT(p->cwnd >= 84 * MSS && p->cwnd <= 87 * MSS);
	for (int r = 30; r < 1000; r++)
		one_rtt(p, 1 * MS);
	/* a second later: far beyond the curve's 87 segments */
	CU_ASSERT(p->cwnd > 500 * MSS);
	fprintf(stderr, "    cwnd after 1 s at 1 ms RTT: %u segments\n", p->cwnd / MSS);
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tcp_cc", NULL, NULL);
	ADD(s, test_cubic_is_selectable_by_name_and_newreno_stays_the_default);
	ADD(s, test_cubic_loss_leaves_seven_tenths_of_the_window);
	ADD(s, test_cubic_grows_concave_up_to_w_max_then_convex_beyond);
	ADD(s, test_cubic_fast_convergence_lowers_the_plateau_after_an_early_loss);
	ADD(s, test_cubic_follows_the_reno_friendly_estimate_at_small_rtts);
	return th_run_suites();
}
