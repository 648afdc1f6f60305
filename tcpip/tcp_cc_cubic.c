/*
 * CUBIC congestion control (RFC 9438) as a tcp_cc_ops module. After a
 * loss the window is cut to beta_cubic = 0.7 of what it was and then grows
 * along W_cubic(t) = C (t - K)^3 + W_max (C = 0.4 segments/s^3, t the
 * time since the congestion-avoidance epoch began, K the time the curve
 * takes back to W_max): concave below W_max, a plateau around it, convex
 * beyond. Fast convergence lowers W_max to (1 + beta)/2 of the window when
 * a loss comes before the last W_max was reached. The Reno-friendly
 * estimate W_est (alpha_cubic = 3 (1 - beta) / (1 + beta) segments per
 * window, 1 once W_est passes W_max) takes over where it is larger: at
 * small RTTs and small windows, where Reno would grow faster. Slow start,
 * fast recovery with window inflation and partial-ACK deflation are those
 * of NewReno (RFC 9438 4.8 keeps them).
 *
 * Integer math only: time in units of 1/1024 s, the cube root by Newton's
 * method once per loss. Lock held (see tcp.h).
 */
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

#define CUBIC_BETA_NUM   7u           /* beta_cubic = 7/10 */
#define CUBIC_BETA_DEN   10u
#define CUBIC_C_NUM      4u           /* C = 4/10 */
#define CUBIC_C_DEN      10u
#define CUBIC_ALPHA_NUM  9u           /* alpha_cubic = 3 * 0.3 / 1.7 = 9/17 */
#define CUBIC_ALPHA_DEN  17u
#define CUBIC_HZ_SHIFT   10           /* time unit: 1/1024 s */
#define CUBIC_MAX_T      (1ll << 18)  /* |t - K| clamp: 256 s keeps (t-K)^3 in 64 bits */

/* The module's words in p->cc_priv. */
struct cubic {
	uint32_t w_max;               /* bytes: the window at the last loss (after fast convergence) */
	uint32_t k;                   /* 1/1024 s from the epoch's start back to w_max */
	uint64_t epoch_start;         /* us; 0: no congestion-avoidance epoch yet */
	uint32_t w_est;               /* bytes: the Reno-friendly estimate */
	uint32_t origin;              /* bytes: the plateau of this epoch's curve */
	uint64_t est_rem;             /* remainder of the W_est increments */
};

_Static_assert(sizeof(struct cubic) <= sizeof(((struct vmk_tcp_sock *)0)->cc_priv),
	       "CUBIC state fits cc_priv");

static struct cubic *cubic_of(struct vmk_tcp_sock *p)
{
	return (struct cubic *)p->cc_priv;
}

/* Largest r with r^3 <= x. */
static uint64_t icbrt(uint64_t x)
{
	uint64_t r = 0;

	for (int b = 21; b >= 0; b--) {     /* (2^22)^3 > 2^64 */
		uint64_t c = r | (1ull << b);

		if (c * c * c <= x)
			r = c;
	}
	return r;
}

static void cubic_init(struct vmk_tcp_sock *p)
{
	memset(p->cc_priv, 0, sizeof(p->cc_priv));
	p->cwnd = tcp_cc_initial_window(p->mss);
	p->ssthresh = UINT32_MAX / 2;
	p->bytes_acked = 0;
}

/* W_cubic(t) in bytes, t in 1/1024 s since the epoch began. */
static uint32_t w_cubic(const struct cubic *c, uint32_t mss, int64_t t)
{
	int64_t d = t - (int64_t)c->k;
	uint64_t a = (uint64_t)(d < 0 ? -d : d), off;

	a = RTE_MIN(a, (uint64_t)CUBIC_MAX_T);
	/* C * mss * a^3 / 2^30 bytes, in steps that stay within 64 bits */
	off = ((a * a * a) >> 14) * CUBIC_C_NUM / CUBIC_C_DEN;
	off = (off * mss) >> 16;
	if (d < 0)
		return off >= c->origin ? 0 : c->origin - (uint32_t)off;
	return (uint32_t)RTE_MIN((uint64_t)c->origin + off, (uint64_t)UINT32_MAX / 2);
}

/* A congestion-avoidance epoch begins: K = cbrt((W_max - cwnd) / C). */
static void epoch_begin(struct vmk_tcp_sock *p, uint64_t now)
{
	struct cubic *c = cubic_of(p);

	c->epoch_start = now != 0 ? now : 1;
	c->w_est = p->cwnd;
	c->est_rem = 0;
	if (p->cwnd < c->w_max) {
		uint64_t segs_q30 = ((uint64_t)(c->w_max - p->cwnd) << 30) / p->mss;

		c->k = (uint32_t)icbrt(segs_q30 * CUBIC_C_DEN / CUBIC_C_NUM);
		c->origin = c->w_max;
	} else {
		c->k = 0;
		c->origin = p->cwnd;
	}
}

/* Grow the Reno-friendly estimate by alpha * acked / cwnd segments. */
static void grow_w_est(struct vmk_tcp_sock *p, uint32_t acked)
{
	struct cubic *c = cubic_of(p);
	uint64_t alpha = c->w_est >= c->w_max ? CUBIC_ALPHA_DEN : CUBIC_ALPHA_NUM;
	uint64_t num = (uint64_t)acked * alpha * p->mss + c->est_rem;
	uint64_t den = (uint64_t)CUBIC_ALPHA_DEN * p->cwnd;
	uint64_t inc = num / den;

	c->est_rem = num - inc * den;
	c->w_est = (uint32_t)RTE_MIN((uint64_t)c->w_est + inc, (uint64_t)UINT32_MAX / 2);
}

static void cubic_on_ack(struct vmk_tcp_sock *p, uint32_t acked, uint64_t now)
{
	struct cubic *c = cubic_of(p);
	uint32_t target;
	uint64_t inc;
	int64_t t;

	if (p->cwnd < p->ssthresh) {
		p->cwnd += RTE_MIN(acked, 2u * p->mss);
		return;
	}
	if (c->epoch_start == 0)
		epoch_begin(p, now);
	/* where the curve will be one RTT from now (RFC 9438 4.2) */
	t = (int64_t)(((now - c->epoch_start) + p->srtt_us) << CUBIC_HZ_SHIFT) / 1000000;
	target = w_cubic(c, p->mss, t);
	target = RTE_MIN(target, p->cwnd + p->cwnd / 2);
	grow_w_est(p, acked);
	if (c->w_est > target)               /* the Reno-friendly region */
		target = c->w_est;
	if (target <= p->cwnd)
		return;
	/* (target - cwnd) / cwnd segments per segment acknowledged */
	inc = (uint64_t)(target - p->cwnd) * acked + p->bytes_acked;
	p->bytes_acked = (uint32_t)(inc % p->cwnd);
	p->cwnd += (uint32_t)RTE_MIN(inc / p->cwnd, (uint64_t)(target - p->cwnd));
}

/* A loss: remember W_max (with fast convergence), ssthresh = 0.7 cwnd. */
static void cubic_loss(struct vmk_tcp_sock *p)
{
	struct cubic *c = cubic_of(p);

	if (p->cwnd < c->w_max)
		c->w_max = (uint32_t)((uint64_t)p->cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
				      (2 * CUBIC_BETA_DEN));
	else
		c->w_max = p->cwnd;
	c->epoch_start = 0;
	p->ssthresh = RTE_MAX((uint32_t)((uint64_t)p->cwnd * CUBIC_BETA_NUM / CUBIC_BETA_DEN),
			      2u * p->mss);
	p->bytes_acked = 0;
}

static void cubic_enter_recovery(struct vmk_tcp_sock *p, uint64_t now)
{
	(void)now;
	cubic_loss(p);
	p->cwnd = p->ssthresh + 3u * p->mss;
}

static void cubic_on_rto(struct vmk_tcp_sock *p, uint64_t now)
{
	(void)now;
	cubic_loss(p);
	p->cwnd = p->mss;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.enter_recovery = cubic_enter_recovery,
	.on_dupack = tcp_cc_reno_on_dupack,
	.on_partial_ack = tcp_cc_reno_on_partial_ack,
	.exit_recovery = tcp_cc_reno_exit_recovery,
	.on_rto = cubic_on_rto,
};
