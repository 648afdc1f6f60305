/*
 * NewReno congestion control (RFC 5681, RFC 6582) as a tcp_cc_ops module:
 * slow start with appropriate byte counting (RFC 3465, at most two MSS
 * per ACK), congestion avoidance of one MSS per window, fast recovery
 * with window inflation, partial-ACK deflation, and one MSS after a
 * timeout. The recovery state machine itself lives in tcp_input.c, so a
 * second module (CUBIC, RFC 9438, tcp_cc_cubic.c) only supplies its own
 * window rules and shares the initial window and fast-recovery ones here.
 * Lock held (see tcp.h).
 */
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

uint32_t tcp_cc_initial_window(uint32_t mss)
{
	if (mss > 2190)
		return 2 * mss;
	if (mss > 1095)
		return 3 * mss;
	return 4 * mss;
}

static void nr_init(struct vmk_tcp_sock *p)
{
	p->cwnd = tcp_cc_initial_window(p->mss);
	p->ssthresh = UINT32_MAX / 2;
	p->bytes_acked = 0;
}

static void nr_on_ack(struct vmk_tcp_sock *p, uint32_t acked, uint64_t now)
{
	(void)now;
	if (p->cwnd < p->ssthresh) {
		p->cwnd += RTE_MIN(acked, 2u * p->mss);
		return;
	}
	p->bytes_acked += acked;
	if (p->bytes_acked >= p->cwnd) {
		p->bytes_acked -= p->cwnd;
		p->cwnd += p->mss;
	}
}

static uint32_t half_flight(const struct vmk_tcp_sock *p)
{
	return RTE_MAX(tcp_in_flight(p) / 2, 2u * p->mss);
}

static void nr_enter_recovery(struct vmk_tcp_sock *p, uint64_t now)
{
	(void)now;
	p->ssthresh = half_flight(p);
	p->cwnd = p->ssthresh + 3u * p->mss;
}

void tcp_cc_reno_on_dupack(struct vmk_tcp_sock *p)
{
	p->cwnd += p->mss;
}

void tcp_cc_reno_on_partial_ack(struct vmk_tcp_sock *p, uint32_t acked)
{
	/* RFC 6582 3.2 step 5: deflate by what was acked, add back one MSS. */
	p->cwnd = p->cwnd > acked ? p->cwnd - acked : 0;
	p->cwnd += p->mss;
}

void tcp_cc_reno_exit_recovery(struct vmk_tcp_sock *p)
{
	p->cwnd = RTE_MIN(p->ssthresh, RTE_MAX(tcp_in_flight(p), (uint32_t)p->mss) + p->mss);
	p->bytes_acked = 0;
}

static void nr_on_rto(struct vmk_tcp_sock *p, uint64_t now)
{
	(void)now;
	p->ssthresh = half_flight(p);
	p->cwnd = p->mss;
	p->bytes_acked = 0;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = nr_init,
	.on_ack = nr_on_ack,
	.enter_recovery = nr_enter_recovery,
	.on_dupack = tcp_cc_reno_on_dupack,
	.on_partial_ack = tcp_cc_reno_on_partial_ack,
	.exit_recovery = tcp_cc_reno_exit_recovery,
	.on_rto = nr_on_rto,
};

static const struct tcp_cc_ops *const modules[] = { &tcp_cc_newreno, &tcp_cc_cubic };

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	for (unsigned int i = 0; i < RTE_DIM(modules); i++)
		if (strcmp(modules[i]->name, name) == 0)
			return modules[i];
	return NULL;
}
