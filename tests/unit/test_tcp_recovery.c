/*
 * Unit tests of TCP loss recovery (tcpip/tcp_sack.c, tcp_rack.c, the
 * recovery parts of tcp_input.c) with a crafted peer (tcp_peer.h): RFC
 * 6675 SACK recovery, limited transmit, early retransmit, tail loss probes,
 * lost retransmissions, undo of spurious recoveries, PAWS.
 */
#include "unit/tcp_peer.h"

#define SEG(i) (our_iss + 1 + (uint32_t)(i) * 1460u)

/* A SACK connection (no timestamps: 4 blocks) with n segments of 1460 in
 * flight and a congestion window of n segments. */
static struct vmk_tcp_sock *sack_sender(struct vmk_tcp_sock **l, unsigned int n)
{
	static uint8_t out[16 * 1460];
	struct vmk_tcp_sock *c;
	struct tcp_repr syn;

	*l = listener();
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.sack_ok = true;
	c = accept_with(*l, &syn, 65535);
	vmk_tcp_set_nodelay(c, true);
	vmk_spin_lock(&ns0->lock);
	c->cwnd = n * 1460;
	vmk_spin_unlock(&ns0->lock);
	fill(out, n * 1460, 8);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, n * 1460, 0), (long)(n * 1460));
	CU_ASSERT_EQUAL(n_out(), n);
	return c;
}

/* The peer acknowledges ack holding SACK blocks [s, e) of segments. */
static void peer_sack(uint32_t ack, unsigned int n, const unsigned int (*blk)[2])
{
	struct tcp_repr r;

	tcp_repr_init(&r);
	r.n_sack = (uint8_t)n;
	for (unsigned int i = 0; i < n; i++) {
		r.sack[i][0] = SEG(blk[i][0]);
		r.sack[i][1] = SEG(blk[i][1]);
	}
	peer_send(peer_nxt, ack, TCP_ACK, 65535, &r, NULL, 0);
}

/* Segments 0 and 4 of 10 are lost. The SACKs for 1-3 start recovery
 * (segment 0 again); once three segments above 4 are SACKed, segment 4
 * is lost too and goes at once, in the same recovery, before any partial
 * ACK (NewReno would wait a round trip for one) and with no timeout. */
static void test_sack_recovery_repairs_two_holes_in_one_window_without_a_timeout(void)
{
	static const unsigned int b1[][2] = { { 1, 2 } }, b2[][2] = { { 1, 3 } },
		b3[][2] = { { 1, 4 } }, b5[][2] = { { 5, 6 }, { 1, 4 } },
		b6[][2] = { { 5, 7 }, { 1, 4 } }, b7[][2] = { { 5, 8 }, { 1, 4 } },
		b9[][2] = { { 5, 10 }, { 1, 4 } }, bp[][2] = { { 5, 10 } };
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	peer_sack(SEG(0), 1, b1);
	peer_sack(SEG(0), 1, b2);
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_sack(SEG(0), 1, b3);                      /* 3 segments above 0: lost */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(o.len, 1460);
	CU_ASSERT_EQUAL(n_out(), 0);                   /* pipe 7 > cwnd 5 */
	peer_sack(SEG(0), 2, b5);
	peer_sack(SEG(0), 2, b6);
	CU_ASSERT_EQUAL(n_out(), 0);                   /* 4: two above, not lost yet */
	peer_sack(SEG(0), 2, b7);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(4));
	CU_ASSERT_EQUAL(o.len, 1460);
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_sack(SEG(0), 2, b9);
	CU_ASSERT_EQUAL(n_out(), 0);                   /* nothing more is missing */
	peer_sack(SEG(4), 1, bp);                      /* the first repair arrived */
	CU_ASSERT_EQUAL(n_out(), 0);
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	peer_send(peer_nxt, SEG(10), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT(!(c->flags & TCPF_IN_RECOVERY));
	CU_ASSERT_EQUAL(c->sacked.n, 0);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.fast_retrans, 1);
	CU_ASSERT_EQUAL(st.retrans, 2);
	CU_ASSERT_EQUAL(st.timeouts, 0);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Segments 0, 2, 4 and 5 of 6 are missing; the SACKs for 1 and 3 are too
 * few for recovery, so the timer fires: going back from SND.UNA resends
 * the holes and steps over what the peer holds. */
static void test_retransmission_after_a_timeout_skips_sacked_data(void)
{
	static const unsigned int b[][2] = { { 3, 4 }, { 1, 2 } }, b2[][2] = { { 3, 4 } };
	struct vmk_tcp_sock *l, *c;
	uint32_t seen[8];
	unsigned int n = 0;

	setup_mtu(1500);
	c = sack_sender(&l, 6);
	peer_sack(SEG(0), 2, b);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 3 * MS);                       /* the tail loss probe: lost */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(5));
	timers_at(now + 1 * SEC);                      /* the initial RTO */
	while (next_seg() && n < 8)
		seen[n++] = o.r.seq;
	peer_sack(SEG(1), 1, b2);                      /* 0 arrived */
	while (next_seg() && n < 8)
		seen[n++] = o.r.seq;
	peer_send(peer_nxt, SEG(4), TCP_ACK, 65535, NULL, NULL, 0);   /* 2 arrived */
	while (next_seg() && n < 8)
		seen[n++] = o.r.seq;
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(seen[0], SEG(0));
	CU_ASSERT_EQUAL(seen[1], SEG(2));
	CU_ASSERT_EQUAL(seen[2], SEG(4));
	CU_ASSERT_EQUAL(seen[3], SEG(5));
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* Segment 0 of 10 is only late (reordered): the SACKs for 1-3 start
 * recovery and resend it, then 0 arrives and the ACKs move on with no
 * blocks, each below the recovery point. Nothing is known lost, so none
 * of them resends anything (resending SND.UNA on each, as for a peer that
 * sends no blocks, resent the whole window: found with vmk-impair's
 * reordering and duplication against Linux). */
static void test_partial_acks_after_a_spurious_sack_recovery_resend_nothing(void)
{
	static const unsigned int b1[][2] = { { 1, 2 } }, b2[][2] = { { 1, 3 } },
		b3[][2] = { { 1, 4 } };
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	peer_sack(SEG(0), 1, b1);
	peer_sack(SEG(0), 1, b2);
	peer_sack(SEG(0), 1, b3);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	for (unsigned int i = 4; i < 10; i++) {
		peer_send(peer_nxt, SEG(i), TCP_ACK, 65535, NULL, NULL, 0);
		while (next_seg())
			CU_ASSERT(o.len == 0 || seq_ge(o.r.seq, SEG(10)));   /* new data only */
	}
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	peer_send(peer_nxt, SEG(10), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT(!(c->flags & TCPF_IN_RECOVERY));
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.fast_retrans, 1);
	CU_ASSERT_EQUAL(st.retrans, 1);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* A peer that allowed SACK but sends no blocks (three plain duplicate
 * ACKs): recovery as NewReno's, a partial ACK resends the next hole. */
static void test_a_sack_peer_that_sends_no_blocks_gets_the_next_hole_on_a_partial_ack(void)
{
	struct vmk_tcp_sock *l, *c;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	for (int i = 0; i < 3; i++)
		peer_send(peer_nxt, SEG(0), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_send(peer_nxt, SEG(4), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(4));
	CU_ASSERT_EQUAL(o.len, 1460);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* A peer that sends SACK blocks repeats an ACK (a duplicated frame, or
 * ACKs overtaking each other): the same blocks again SACK nothing new, so
 * they are no duplicate ACKs (RFC 6675 2) and start no recovery. */
static void test_repeated_acks_that_sack_nothing_new_are_not_duplicate_acks(void)
{
	static const unsigned int b1[][2] = { { 1, 2 } };
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	for (int i = 0; i < 4; i++)
		peer_sack(SEG(0), 1, b1);
	CU_ASSERT_EQUAL(n_out(), 0);
	CU_ASSERT(!(c->flags & TCPF_IN_RECOVERY));
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.fast_retrans, 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* Three segments out and nothing more to send: two duplicate ACKs are
 * all a lost first segment can bring, and they retransmit it
 * (RFC 5827 early retransmit) instead of waiting for the RTO. */
static void test_with_three_segments_out_two_duplicate_acks_retransmit_early(void)
{
	static const unsigned int b1[][2] = { { 1, 2 } }, b2[][2] = { { 1, 3 } };
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup_mtu(1500);
	c = sack_sender(&l, 3);
	peer_sack(SEG(0), 1, b1);
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_sack(SEG(0), 1, b2);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(o.len, 1460);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.fast_retrans, 1);
	CU_ASSERT_EQUAL(st.timeouts, 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* A recovery ends with SND.UNA exactly at its recovery point; the next
 * loss is a new episode (RFC 6582 3.2 (1): the ACK covers more than
 * HighData) and is repaired at once, here with two segments out and
 * nothing more to send (early retransmit), not after an RTO. */
static void test_a_loss_right_after_a_recovery_starts_a_new_one(void)
{
	static const unsigned int b3[][2] = { { 1, 4 } }, b11[][2] = { { 11, 12 } };
	static uint8_t more[2 * 1460];
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	peer_sack(SEG(0), 1, b3);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	n_out();
	peer_send(peer_nxt, SEG(10), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT(!(c->flags & TCPF_IN_RECOVERY));
	CU_ASSERT_EQUAL(c->recover, SEG(10));
	fill(more, sizeof(more), 3);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, more, sizeof(more), 0), (long)sizeof(more));
	CU_ASSERT_EQUAL(n_out(), 2);
	peer_sack(SEG(10), 1, b11);                    /* 10 lost, 11 arrived */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(10));
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.fast_retrans, 2);
	CU_ASSERT_EQUAL(st.timeouts, 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* Segments 5-9 of 10 are lost, 0-4 acknowledged: no duplicate ACK will
 * come. After PTO (2 SRTT + 2 ms), well before the RTO, the last segment
 * goes again as a tail loss probe (RFC 8985 7); its SACK makes the holes
 * below it lost and recovery resends them, with no timeout. */
static void test_a_lost_tail_is_probed_and_the_sacked_probe_starts_recovery(void)
{
	static const unsigned int bp[][2] = { { 9, 10 } };
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	peer_send(peer_nxt, SEG(5), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 1 * MS);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 2 * MS);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(9));
	CU_ASSERT_EQUAL(o.len, 1460);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 10 * MS);
	CU_ASSERT_EQUAL(n_out(), 0);                   /* one probe only */
	peer_sack(SEG(5), 1, bp);
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(5));
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(6));
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.tlp_probes, 1);
	CU_ASSERT_EQUAL(st.timeouts, 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* In recovery no cumulative ACK may come for long: a probe answered by
 * new SACK information lets the next silence be probed too (the oldest
 * retransmission again, nothing new being left to send), instead of
 * leaving it to the RTO. */
static void test_in_recovery_each_silence_after_new_sack_information_is_probed(void)
{
	static const unsigned int b3[][2] = { { 1, 4 } }, b5[][2] = { { 1, 5 } };
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	peer_sack(SEG(0), 1, b3);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 3 * MS);                       /* PTO: the probe */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_sack(SEG(0), 1, b5);                      /* news, but 0 still missing */
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 3 * MS);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.tlp_probes, 2);
	CU_ASSERT_EQUAL(st.timeouts, 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* Segments 0 and 4 of 10 are lost and recovery resends both; the repair
 * of 4, sent after that of 0, arrives while 0 is still a hole: the
 * retransmission of 0 was lost too, and 0 goes a third time once the
 * reordering window has passed (RFC 8985 6.2's rule), not after an RTO. */
static void test_a_lost_retransmission_is_sent_again_without_a_timeout(void)
{
	static const unsigned int b3[][2] = { { 1, 4 } }, b7[][2] = { { 5, 8 }, { 1, 4 } },
		b4[][2] = { { 4, 10 }, { 1, 4 } };
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	peer_sack(SEG(0), 1, b3);                      /* 3 segments above 0: lost */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_sack(SEG(0), 2, b7);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(4));
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 500);                          /* SRTT is ~0 here */
	peer_sack(SEG(0), 2, b4);                      /* 4 arrived, 0 did not */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(o.len, 1460);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 500);
	CU_ASSERT_EQUAL(n_out(), 0);                   /* once, until new evidence */
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.lost_rexmits, 1);
	CU_ASSERT_EQUAL(st.timeouts, 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* Proportional Rate Reduction (RFC 9937). Segment 0 of 10 is lost, 10
 * more wait; limited transmit sends 10 and 11 on the first two SACKs, the
 * third starts recovery: ssthresh 6 segments (NewReno: half of 12),
 * RecoverFS = pipe = 8 (segments 4-11). While pipe > ssthresh, PRR sends
 * CEIL(delivered * 6 / 8) - sent: the SACKs of 5 and 6 each send one new
 * segment (sending nothing until pipe fell below ssthresh, the rule
 * before PRR, waited for the SACKs of 7 and 8), then the SACK of 7 and 8
 * none (pipe reached ssthresh) and those of 9-11 one each, as the
 * flight is kept at ssthresh. Recovery ends with cwnd = ssthresh. */
static void test_prr_spreads_recovery_sending_over_the_acks_and_ends_at_ssthresh(void)
{
	static uint8_t more[10 * 1460];
	static const unsigned int want[] = { 0, 1, 1, 0, 0, 1, 1, 1 };  /* SACKs of 4-11 */
	struct vmk_tcp_sock *l, *c;
	unsigned int blk[1][2] = { { 1, 2 } }, next_new = 12;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	fill(more, sizeof(more), 5);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, more, sizeof(more), 0), (long)sizeof(more));
	CU_ASSERT_EQUAL(n_out(), 0);                   /* cwnd full */
	peer_sack(SEG(0), 1, (const unsigned int (*)[2])blk);
	CU_ASSERT_EQUAL(n_out(), 1);                   /* limited transmit: 10 */
	blk[0][1] = 3;
	peer_sack(SEG(0), 1, (const unsigned int (*)[2])blk);
	CU_ASSERT_EQUAL(n_out(), 1);                   /* 11 */
	blk[0][1] = 4;
	peer_sack(SEG(0), 1, (const unsigned int (*)[2])blk);
	CU_ASSERT_FATAL(next_seg());                   /* the fast retransmit */
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(n_out(), 0);
	CU_ASSERT_EQUAL(c->ssthresh, 6u * 1460u);
	CU_ASSERT_EQUAL(c->prr_recover_fs, 8u * 1460u);
	for (unsigned int i = 0; i < 8; i++) {
		unsigned int sent = 0;

		blk[0][1] = 5 + i;
		peer_sack(SEG(0), 1, (const unsigned int (*)[2])blk);
		while (next_seg()) {
			CU_ASSERT_EQUAL(o.r.seq, SEG(next_new++));   /* new data only */
			sent++;
		}
		CU_ASSERT_EQUAL(sent, want[i]);
	}
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	peer_send(peer_nxt, SEG(12), TCP_ACK, 65535, NULL, NULL, 0);   /* 0 arrived */
	CU_ASSERT(!(c->flags & TCPF_IN_RECOVERY));
	CU_ASSERT_EQUAL(c->cwnd, c->ssthresh);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* A recovery that ends with nothing left in flight (all 10 segments sent,
 * segment 0 lost, nothing more to send): cwnd is ssthresh afterwards, not
 * the flight plus one segment (two segments), so the next burst of data
 * does not start from slow start's bottom (RFC 9937). */
static void test_a_recovery_that_ends_with_nothing_in_flight_leaves_cwnd_at_ssthresh(void)
{
	static const unsigned int b3[][2] = { { 1, 4 } }, b9[][2] = { { 1, 10 } };
	struct vmk_tcp_sock *l, *c;

	setup_mtu(1500);
	c = sack_sender(&l, 10);
	peer_sack(SEG(0), 1, b3);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	peer_sack(SEG(0), 1, b9);
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_send(peer_nxt, SEG(10), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT(!(c->flags & TCPF_IN_RECOVERY));
	CU_ASSERT_EQUAL(c->ssthresh, 5u * 1460u);
	CU_ASSERT_EQUAL(c->cwnd, 5u * 1460u);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* A SACK connection with timestamps: n segments of 1448 sent at now. */
static struct vmk_tcp_sock *sack_ts_sender(struct vmk_tcp_sock **l, unsigned int n)
{
	static uint8_t out[16 * 1448];
	struct vmk_tcp_sock *c;
	struct tcp_repr syn;

	*l = listener();
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.sack_ok = true;
	syn.has_ts = true;
	syn.ts_val = 1;
	c = accept_with(*l, &syn, 65535);
	vmk_tcp_set_nodelay(c, true);
	vmk_spin_lock(&ns0->lock);
	c->cwnd = n * 1448;
	vmk_spin_unlock(&ns0->lock);
	fill(out, n * 1448, 8);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, n * 1448, 0), (long)(n * 1448));
	CU_ASSERT_EQUAL(n_out(), n);
	vmk_spin_lock(&ns0->lock);
	c->srtt_us = 40000;                            /* a 40 ms path */
	c->rttvar_us = 5000;
	tcp_arm_rexmt(c, now);
	vmk_spin_unlock(&ns0->lock);
	return c;
}

#define TSEG(i) (our_iss + 1 + (uint32_t)(i) * 1448u)

/* The peer acknowledges ack with one SACK block [s, e) of segments (none
 * when s == e), timestamp val, echoing ecr. */
static void peer_ts_ack(uint32_t ack, unsigned int s, unsigned int e, uint32_t val,
			uint32_t ecr)
{
	struct tcp_repr r;

	tcp_repr_init(&r);
	r.has_ts = true;
	r.ts_val = val;
	r.ts_ecr = ecr;
	if (s != e) {
		r.n_sack = 1;
		r.sack[0][0] = TSEG(s);
		r.sack[0][1] = TSEG(e);
	}
	peer_send(peer_nxt, ack, TCP_ACK, 65535, &r, NULL, 0);
}

/* Segment 0 of 10 is only late (40 ms of reordering): SACKs for 1-3
 * start a recovery that halves the window. The ACK that the late original
 * brings echoes its timestamp, older than the retransmission's: the
 * recovery was spurious, the window comes back (RFC 3522). */
static void test_an_ack_echoing_the_original_undoes_a_spurious_recovery(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	uint32_t ts0 = tcp_ts_now(now), cwnd0, ssthresh0;

	setup_mtu(1500);
	c = sack_ts_sender(&l, 10);
	cwnd0 = c->cwnd;
	ssthresh0 = c->ssthresh;
	timers_at(now + 40 * MS);
	peer_ts_ack(TSEG(0), 1, 2, 10, ts0);
	peer_ts_ack(TSEG(0), 1, 3, 10, ts0);
	peer_ts_ack(TSEG(0), 1, 4, 10, ts0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, TSEG(0));
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	CU_ASSERT(c->cwnd < cwnd0);
	n_out();
	peer_ts_ack(TSEG(4), 0, 0, 11, ts0);            /* the original's echo */
	CU_ASSERT(!(c->flags & TCPF_IN_RECOVERY));
	CU_ASSERT(c->cwnd >= cwnd0);
	CU_ASSERT_EQUAL(c->ssthresh, ssthresh0);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.recovery_undos, 1);
	/* it was overtaken by 1-3: DupThresh now exceeds that distance */
	CU_ASSERT_EQUAL(c->reordering, 5);
	CU_ASSERT_EQUAL(tcp_dupthresh(c), 5);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* After the spurious recovery above (segment 0 overtaken by 1-3: DupThresh
 * 5), segment 4 is late the same way: 5-8 SACKed above it start nothing,
 * as would have at 5-7 before; a fifth segment SACKed above it makes it
 * lost (IsLost with DupThresh 5). */
static void test_after_an_undo_the_same_reordering_starts_no_recovery(void)
{
	struct vmk_tcp_sock *l, *c;
	uint32_t ts0;

	setup_mtu(1500);
	c = sack_ts_sender(&l, 10);
	ts0 = tcp_ts_now(now);                          /* the originals' */
	timers_at(now + 40 * MS);
	peer_ts_ack(TSEG(0), 1, 2, 10, ts0);
	peer_ts_ack(TSEG(0), 1, 3, 10, ts0);
	peer_ts_ack(TSEG(0), 1, 4, 10, ts0);
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	n_out();
	peer_ts_ack(TSEG(4), 0, 0, 11, ts0);            /* undone */
	CU_ASSERT_FATAL(!(c->flags & TCPF_IN_RECOVERY));
	CU_ASSERT_EQUAL(c->reordering, 5);
	n_out();
	for (unsigned int k = 6; k <= 9; k++) {
		peer_ts_ack(TSEG(4), 5, k, 12, ts0);
		CU_ASSERT(!(c->flags & TCPF_IN_RECOVERY));
	}
	CU_ASSERT_EQUAL(n_out(), 0);                    /* nothing resent */
	peer_ts_ack(TSEG(4), 5, 10, 12, ts0);
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, TSEG(4));
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* The same recovery, but the ACK echoes the retransmission's timestamp:
 * the segment was lost, the reduced window stays. */
static void test_an_ack_echoing_the_retransmission_keeps_the_reduced_window(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	uint32_t ts0 = tcp_ts_now(now), cwnd0;

	setup_mtu(1500);
	c = sack_ts_sender(&l, 10);
	cwnd0 = c->cwnd;
	timers_at(now + 40 * MS);
	peer_ts_ack(TSEG(0), 1, 2, 10, ts0);
	peer_ts_ack(TSEG(0), 1, 3, 10, ts0);
	peer_ts_ack(TSEG(0), 1, 4, 10, ts0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, TSEG(0));
	n_out();
	peer_ts_ack(TSEG(4), 0, 0, 11, tcp_ts_now(now));
	CU_ASSERT(c->flags & TCPF_IN_RECOVERY);
	CU_ASSERT(c->cwnd < cwnd0);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.recovery_undos, 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* Two duplicate ACKs overtake each other: the older timestamp fails
 * PAWS, but a pure duplicate ACK is taken with its SACK block and not
 * answered (Linux's tcp_disordered_ack); data with an old timestamp is
 * still dropped (RFC 7323 5). */
static void test_a_disordered_duplicate_ack_passes_paws_but_old_data_does_not(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	uint32_t ts0 = tcp_ts_now(now);
	uint8_t in[100];

	setup_mtu(1500);
	c = sack_ts_sender(&l, 10);
	peer_ts_ack(TSEG(0), 2, 3, 20, ts0);
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_ts_ack(TSEG(0), 1, 2, 19, ts0);           /* sent before, arrived after */
	CU_ASSERT_EQUAL(n_out(), 0);
	CU_ASSERT_EQUAL(c->sacked.n, 1);               /* [1, 3) */
	CU_ASSERT_EQUAL(tcp_sack_sacked_end(c, TSEG(1)), TSEG(3));
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_PAWS], 0);
	{
		struct tcp_repr r;

		tcp_repr_init(&r);
		r.has_ts = true;
		r.ts_val = 18;
		r.ts_ecr = ts0;
		fill(in, sizeof(in), 1);
		peer_send(peer_nxt, TSEG(0), TCP_ACK, 65535, &r, in, sizeof(in));
	}
	CU_ASSERT_EQUAL(n_out(), 1);                   /* an ACK, the data dropped */
	CU_ASSERT_EQUAL(c->rcv_nxt, peer_nxt);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_PAWS], 1);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* A peer that did not allow SACK gets NewReno: the partial ACK brings
 * the second hole's retransmission. */
static void test_without_sack_the_second_hole_waits_for_the_partial_ack(void)
{
	struct vmk_tcp_sock *l, *c;
	uint8_t out[10 * 1460];

	setup_mtu(1500);
	c = established(&l);
	vmk_tcp_set_nodelay(c, true);
	vmk_spin_lock(&ns0->lock);
	c->cwnd = 10 * 1460;
	vmk_spin_unlock(&ns0->lock);
	fill(out, sizeof(out), 9);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, sizeof(out), 0), (long)sizeof(out));
	CU_ASSERT_EQUAL(n_out(), 10);
	for (int i = 0; i < 8; i++)
		peer_send(peer_nxt, SEG(0), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(0));
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_send(peer_nxt, SEG(4), TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, SEG(4));
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_zero_window_is_probed_and_a_window_update_resumes_sending(void)
{
	struct vmk_tcp_sock *l, *c;
	uint8_t out[3000];

	setup();
	l = listener();
	c = accept_with(l, NULL, 1000);
	vmk_tcp_set_nodelay(c, true);
	fill(out, sizeof(out), 5);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, sizeof(out), 0), 3000);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.len, 1000);
	CU_ASSERT_EQUAL(n_out(), 0);
	/* everything taken, but the window closes */
	peer_send(peer_nxt, our_iss + 1001, TCP_ACK, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 10 * SEC);                   /* the persist timer probes */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.len, 0);
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 1000);    /* below snd_una: answered, not kept */
	peer_send(peer_nxt, our_iss + 1001, TCP_ACK, 4000, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 1001);
	CU_ASSERT_EQUAL(o.len, 1460);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.len, 540);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("tcp_recovery", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tcp_recovery", NULL, NULL);
	ADD(s, test_sack_recovery_repairs_two_holes_in_one_window_without_a_timeout);
	ADD(s, test_retransmission_after_a_timeout_skips_sacked_data);
	ADD(s, test_partial_acks_after_a_spurious_sack_recovery_resend_nothing);
	ADD(s, test_a_sack_peer_that_sends_no_blocks_gets_the_next_hole_on_a_partial_ack);
	ADD(s, test_without_sack_the_second_hole_waits_for_the_partial_ack);
	ADD(s, test_repeated_acks_that_sack_nothing_new_are_not_duplicate_acks);
	ADD(s, test_with_three_segments_out_two_duplicate_acks_retransmit_early);
	ADD(s, test_a_loss_right_after_a_recovery_starts_a_new_one);
	ADD(s, test_a_lost_tail_is_probed_and_the_sacked_probe_starts_recovery);
	ADD(s, test_in_recovery_each_silence_after_new_sack_information_is_probed);
	ADD(s, test_a_lost_retransmission_is_sent_again_without_a_timeout);
	ADD(s, test_prr_spreads_recovery_sending_over_the_acks_and_ends_at_ssthresh);
	ADD(s, test_a_recovery_that_ends_with_nothing_in_flight_leaves_cwnd_at_ssthresh);
	ADD(s, test_an_ack_echoing_the_original_undoes_a_spurious_recovery);
	ADD(s, test_after_an_undo_the_same_reordering_starts_no_recovery);
	ADD(s, test_an_ack_echoing_the_retransmission_keeps_the_reduced_window);
	ADD(s, test_a_disordered_duplicate_ack_passes_paws_but_old_data_does_not);
	ADD(s, test_zero_window_is_probed_and_a_window_update_resumes_sending);
	return th_run_suites();
}
