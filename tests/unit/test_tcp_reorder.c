/*
 * Unit tests of receiving under reordering (tcpip/tcp_rcvq.c, the SACK
 * blocks of tcp_output.c) with a crafted peer (tcp_peer.h): the queue
 * beyond holes holds what the receive window lets in however many holes
 * there are, the SACK blocks follow RFC 2018, duplicates are D-SACKed
 * (RFC 2883).
 */
#include "unit/tcp_peer.h"

#define SEG  1000u
#define NSEG 200u                    /* 200 KB: within the 256 KiB buffer */

static struct vmk_tcp_sock *sack_conn(struct vmk_tcp_sock **l)
{
	struct tcp_repr syn;

	*l = listener();
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.sack_ok = true;
	syn.wscale = 7;
	return accept_with(*l, &syn, 65535);
}

static void send_seg(const uint8_t *in, uint32_t i)
{
	peer_send(peer_nxt + i * SEG, our_iss + 1, TCP_ACK, 65535, NULL, in + i * SEG, SEG);
}

/* Every other segment of a window first, from the top down (each one a
 * new range below the others: 100 holes, past the 64 ranges once the
 * limit), answered with the range it made as the first SACK block; then
 * the holes fill, the upper half first. Everything is held, nothing
 * dropped, and the data read is the data sent. */
static void test_a_window_with_100_holes_is_held_whole_and_delivered_in_order(void)
{
	static uint8_t in[NSEG * SEG], got[NSEG * SEG];
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	long n = 0, k;

	setup();
	c = sack_conn(&l);
	CU_ASSERT_FATAL(c->rcvq.size >= sizeof(in));
	fill(in, sizeof(in), 9);
	for (uint32_t i = NSEG - 1; i >= 1 && i < NSEG; i -= 2) {
		send_seg(in, i);
		CU_ASSERT_FATAL(next_seg());
		CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
		CU_ASSERT_FATAL(o.r.n_sack >= 1);
		CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt + i * SEG);
		CU_ASSERT_EQUAL(o.r.sack[0][1], peer_nxt + (i + 1) * SEG);
		while (next_seg())
			;
	}
	CU_ASSERT_EQUAL(c->ooo.n, NSEG / 2);
	for (uint32_t i = NSEG / 2; i < NSEG; i += 2)
		send_seg(in, i);
	CU_ASSERT_EQUAL(c->ooo.n, NSEG / 4);
	for (uint32_t i = 0; i < NSEG / 2; i += 2)
		send_seg(in, i);
	while (next_seg())
		;
	CU_ASSERT_EQUAL(c->ooo.n, 0);
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + sizeof(in));
	CU_ASSERT_EQUAL(o.r.n_sack, 0);
	while ((k = vmk_tcp_recv(c, got + n, sizeof(got) - n, 0)) > 0)
		n += k;
	CU_ASSERT_EQUAL_FATAL(n, (long)sizeof(in));
	CU_ASSERT_EQUAL(memcmp(got, in, sizeof(in)), 0);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_OOO_FULL], 0);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_RCV_MEMORY], 0);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* A segment beyond a hole that arrives twice: the ACK for the second one
 * carries it as a D-SACK block, then the range holding it (RFC 2883 4),
 * once; the next ACK is back to plain SACK. */
static void test_a_duplicate_beyond_a_hole_is_dsacked_once_then_its_range(void)
{
	static uint8_t in[8 * SEG];
	struct vmk_tcp_sock *l, *c;

	setup();
	c = sack_conn(&l);
	fill(in, sizeof(in), 3);
	send_seg(in, 2);
	send_seg(in, 3);
	send_seg(in, 5);
	while (next_seg())
		;
	send_seg(in, 3);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
	CU_ASSERT_EQUAL_FATAL(o.r.n_sack, 3);
	CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt + 3 * SEG);  /* D-SACK */
	CU_ASSERT_EQUAL(o.r.sack[0][1], peer_nxt + 4 * SEG);
	CU_ASSERT_EQUAL(o.r.sack[1][0], peer_nxt + 2 * SEG);  /* its range */
	CU_ASSERT_EQUAL(o.r.sack[1][1], peer_nxt + 4 * SEG);
	CU_ASSERT_EQUAL(o.r.sack[2][0], peer_nxt + 5 * SEG);
	CU_ASSERT_EQUAL(o.r.sack[2][1], peer_nxt + 6 * SEG);
	CU_ASSERT_FALSE(next_seg());
	send_seg(in, 6);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL_FATAL(o.r.n_sack, 2);
	CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt + 5 * SEG);
	CU_ASSERT_EQUAL(o.r.sack[0][1], peer_nxt + 7 * SEG);
	CU_ASSERT_EQUAL(o.r.sack[1][0], peer_nxt + 2 * SEG);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Data below RCV.NXT that comes again (a spurious retransmission) is
 * D-SACKed: the ACK's only block is the duplicate, below its ack. */
static void test_a_duplicate_of_acknowledged_data_is_dsacked(void)
{
	static uint8_t in[4 * SEG];
	struct vmk_tcp_sock *l, *c;

	setup();
	c = sack_conn(&l);
	fill(in, sizeof(in), 5);
	send_seg(in, 0);
	send_seg(in, 1);
	while (next_seg())
		;
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 2 * SEG);
	send_seg(in, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 2 * SEG);
	CU_ASSERT_EQUAL_FATAL(o.r.n_sack, 1);
	CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt);
	CU_ASSERT_EQUAL(o.r.sack[0][1], peer_nxt + SEG);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* A retransmission that fills a hole and overlaps data held beyond it
 * reports the bytes it repeated as a D-SACK. */
static void test_a_hole_filling_retransmission_that_overlaps_held_data_is_dsacked(void)
{
	static uint8_t in[4 * SEG];
	struct vmk_tcp_sock *l, *c;

	setup();
	c = sack_conn(&l);
	fill(in, sizeof(in), 7);
	send_seg(in, 1);
	while (next_seg())
		;
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, in, 2 * SEG);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 2 * SEG);
	CU_ASSERT_EQUAL_FATAL(o.r.n_sack, 1);
	CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt + SEG);
	CU_ASSERT_EQUAL(o.r.sack[0][1], peer_nxt + 2 * SEG);
	CU_ASSERT_EQUAL(c->ooo.n, 0);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("tcp_reorder", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tcp_reorder", NULL, NULL);
	ADD(s, test_a_window_with_100_holes_is_held_whole_and_delivered_in_order);
	ADD(s, test_a_duplicate_beyond_a_hole_is_dsacked_once_then_its_range);
	ADD(s, test_a_duplicate_of_acknowledged_data_is_dsacked);
	ADD(s, test_a_hole_filling_retransmission_that_overlaps_held_data_is_dsacked);
	return th_run_suites();
}
