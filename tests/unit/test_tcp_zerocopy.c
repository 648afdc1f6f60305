/*
 * Unit tests of the socket queues on mbufs (tcpip/tcp_sndq.c, tcp_rcvq.c)
 * and the zero-copy API (vmk_tcp_send_mbuf, vmk_tcp_recv_mbuf), with a
 * crafted peer (tcp_peer.h) and two netstacks wired back to back.
 */
#include "unit/tcp_pair.h"

/* ---- mbuf queues and the zero-copy API -------------------------------- */

/* A chain of n mbufs from pool with size bytes each, holding the pattern
 * fill(.., salt) from byte `from` of the stream; bufs (may be NULL) gets
 * their buffer addresses. */
static struct rte_mbuf *mk_chain(struct rte_mempool *pool, unsigned int n, uint16_t size,
				 uint32_t from, void **bufs)
{
	static uint8_t pat[1u << 16];
	struct rte_mbuf *head = NULL;

	fill(pat, sizeof(pat), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		char *d;

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		d = rte_pktmbuf_append(m, size);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		for (uint16_t k = 0; k < size; k++)
			d[k] = (char)pat[(from + i * size + k) & 0xffff];
		if (bufs != NULL)
			bufs[i] = m->buf_addr;
		if (head == NULL) {
			head = m;
		} else {
			CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(head, m), 0);
		}
	}
	return head;
}

/* Whether chain m holds the mk_chain pattern from stream byte `from`. */
static bool chain_is_pattern(const struct rte_mbuf *m, uint32_t from)
{
	static uint8_t pat[1u << 16];
	uint32_t at = from;

	fill(pat, sizeof(pat), 0);
	for (; m != NULL; m = m->next)
		for (uint16_t k = 0; k < m->data_len; k++, at++)
			if (rte_pktmbuf_mtod(m, const uint8_t *)[k] != pat[at & 0xffff])
				return false;
	return true;
}

static bool buf_in(const void *b, void *const *bufs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (bufs[i] == b)
			return true;
	return false;
}

/* Receive want bytes on s with recv_mbuf (max bytes per call), checking the
 * pattern; *shared counts segments on one of bufs (no copy was made). Each
 * chain is sent on with send_mbuf to fwd, or freed when fwd is NULL. */
static uint32_t recv_chains(struct vmk_tcp_sock *s, uint32_t want, size_t max, void **bufs,
			    unsigned int n_bufs, unsigned int *shared, struct vmk_tcp_sock *fwd)
{
	uint32_t got = 0;

	for (int idle = 0; got < want && idle < 20;) {
		struct rte_mbuf *m = NULL;
		long r = vmk_tcp_recv_mbuf(s, &m, max, 0);

		if (r == -EAGAIN) {                 /* a delayed ACK is due */
			pair_timers_at(now + 50 * MS);
			idle++;
			continue;
		}
		CU_ASSERT_FATAL(r > 0);
		CU_ASSERT_EQUAL(m->pkt_len, (uint32_t)r);
		CU_ASSERT((size_t)r <= max);
		CU_ASSERT(chain_is_pattern(m, got));
		for (const struct rte_mbuf *k = m; k != NULL; k = k->next)
			*shared += buf_in(k->buf_addr, bufs, n_bufs);
		got += (uint32_t)r;
		if (fwd != NULL) {
			CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(fwd, m, 0), r);
		} else {
			rte_pktmbuf_free(m);
		}
		pump();
		idle = 0;
	}
	return got;
}

static void test_send_mbuf_and_recv_mbuf_move_a_chain_between_two_sockets_without_a_copy(void)
{
	enum { N = 24, SZ = 2000 };
	struct vmk_tcp_sock *l, *a, *b;
	struct rte_mempool *mp, *cp;
	unsigned int in_use, clones, shared = 0, segs = 0;
	void *bufs[N];
	struct rte_mbuf *m;

	setup_pair();
	pair_connect(&l, &a, &b);
	mp = vmk_host_mempool(host);
	cp = host_clone_pool(host);
	CU_ASSERT_PTR_EQUAL(vmk_tcp_pool(a), mp);
	in_use = rte_mempool_in_use_count(mp);
	clones = rte_mempool_in_use_count(cp);
	m = mk_chain(vmk_tcp_pool(a), N, SZ, 0, bufs);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_send_mbuf(a, m, 0), N * SZ);
	pump();
	/* b gets the bytes in a's own buffers and sends them back as they are:
	 * a reads them, still in the buffers it filled, twice across */
	CU_ASSERT_EQUAL(recv_chains(b, N * SZ, 65536, bufs, N, &shared, b), N * SZ);
	segs = shared;
	CU_ASSERT(segs >= N);
	shared = 0;
	CU_ASSERT_EQUAL(recv_chains(a, N * SZ, 5000, bufs, N, &shared, NULL), N * SZ);
	CU_ASSERT(shared >= N);
	CU_ASSERT_EQUAL(vmk_tcp_recv_mbuf(a, &m, 100, 0), -EAGAIN);
	fprintf(stderr, "    %u and %u segments on the sender's buffers\n", segs, shared);
	/* everything acknowledged and read: every mbuf is back in its pool */
	pair_timers_at(now + 50 * MS);
	CU_ASSERT_EQUAL(a->sndq.len + b->sndq.len + a->rcvq.len + b->rcvq.len, 0);
	CU_ASSERT_EQUAL(a->rcvq.mem + b->rcvq.mem, 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(cp), clones);
	vmk_tcp_close(a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	pump();
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(cp), clones);
	teardown();
}

/* 64 MiB from vmk0 (transmit offload on: 64 KiB frames) to vmk1 in chains
 * of pool mbufs, 10 us of time per round: the windows keep the data moving
 * and no timer is ever needed. */
static void test_a_long_zero_copy_transfer_between_two_netstacks_never_waits_for_a_timer(void)
{
	const uint64_t total = 64ull << 20;
	struct vmk_tcp_sock *l, *a, *b;
	struct vmk_tcp_stats st;
	struct rte_mempool *mp;
	unsigned int in_use;
	uint64_t sent = 0, got = 0;
	int idle = 0;

	setup_pair();
	vmk0->ifc.ns->tcp->tx_offload = true;
	pair_connect(&l, &a, &b);
	mp = vmk_tcp_pool(a);
	in_use = rte_mempool_in_use_count(mp);
	while ((got < total || got < sent) && idle < 100) {
		struct rte_mbuf *m;
		bool moved = false;
		long r;

		while (sent < total) {
			m = mk_chain(mp, 32, 2000, (uint32_t)sent, NULL);
			r = vmk_tcp_send_mbuf(a, m, 0);
			if (r < 0) {
				CU_ASSERT_EQUAL(r, -EAGAIN);
				rte_pktmbuf_free(m);
				break;
			}
			sent += (uint64_t)r;
			moved = true;
		}
		pump();
		while ((r = vmk_tcp_recv_mbuf(b, &m, 1u << 20, 0)) > 0) {
			CU_ASSERT(chain_is_pattern(m, (uint32_t)got));
			got += (uint64_t)r;
			rte_pktmbuf_free(m);
			moved = true;
		}
		pair_timers_at(now + 10);
		idle = moved ? 0 : idle + 1;
	}
	CU_ASSERT_EQUAL(got, sent);
	CU_ASSERT(got >= total);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.timeouts, 0);
	CU_ASSERT_EQUAL(st.retrans, 0);
	pair_timers_at(now + 50 * MS);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use);
	vmk_tcp_close(a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
	pump();
	teardown();
}

static void test_a_chain_the_send_buffer_cannot_take_is_refused_and_stays_the_callers(void)
{
	struct vmk_tcp_sock *l, *c;
	struct rte_mempool *mp;
	struct rte_mbuf *big, *mid, *bad;
	unsigned int in_use;
	uint8_t out[3000];
	uint32_t got = 0;

	setup();
	mp = vmk_host_mempool(host);
	in_use = rte_mempool_in_use_count(mp);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_buffers(l, 4096, 0), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	c = accept_with(l, NULL, 1000);
	vmk_tcp_set_nodelay(c, true);
	/* larger than the whole send buffer: never fits, refused at once */
	big = mk_chain(mp, 3, 2000, 0, NULL);
	CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(c, big, 1000), -EAGAIN);
	CU_ASSERT_EQUAL(big->pkt_len, 6000);
	CU_ASSERT_EQUAL(big->nb_segs, 3);
	CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(big), 1);
	CU_ASSERT(chain_is_pattern(big, 0));
	CU_ASSERT_EQUAL(n_out(), 0);
	/* 3,000 bytes queued (1,000 in flight): 2,000 more do not fit yet */
	fill(out, sizeof(out), 0);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, sizeof(out), 0), 3000);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.len, 1000);
	mid = mk_chain(mp, 2, 1000, 3000, NULL);
	CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(c, mid, 0), -EAGAIN);
	CU_ASSERT_EQUAL(mid->pkt_len, 2000);
	CU_ASSERT(chain_is_pattern(mid, 3000));
	/* malformed: empty, or pkt_len not the sum of the segments */
	bad = rte_pktmbuf_alloc(mp);
	CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(c, bad, 0), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(rte_pktmbuf_append(bad, 10));
	bad->pkt_len = 11;
	CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(c, bad, 0), -EINVAL);
	CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(c, NULL, 0), -EINVAL);
	bad->pkt_len = 10;                       /* a segment someone else holds too */
	rte_mbuf_refcnt_update(bad, 1);
	CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(c, bad, 0), -EINVAL);
	rte_pktmbuf_free(bad);
	rte_pktmbuf_free(bad);
	/* the peer takes everything: room for the chain, which is sent after
	 * the copied bytes */
	peer_send(peer_nxt, our_iss + 1001, TCP_ACK, 65535, NULL, NULL, 0);
	got = 1000;
	CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(c, mid, 0), 2000);
	while (next_seg()) {
		CU_ASSERT_EQUAL(o.r.seq, our_iss + 1 + got);
		for (uint32_t k = 0; k < o.len; k++)
			if (o.data[k] != (uint8_t)((got + k) * 13))
				CU_FAIL("payload differs");
		got += o.len;
	}
	CU_ASSERT_EQUAL(got, 5000);
	rte_pktmbuf_free(big);                   /* still ours: no leak, no double free */
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	n_out();
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use);
	teardown();
}

/* Segments of 1,400 bytes: well filled mbufs (1,400 of 2,304 bytes
 * pinned), so they are held as they came. */
static void test_out_of_order_segments_are_held_as_mbufs_and_delivered_in_order(void)
{
	const uint32_t one = sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE;
	struct vmk_tcp_sock *l, *c;
	struct rte_mbuf *m[4], *got = NULL;
	uint8_t in[5600];
	const struct rte_mbuf *k;
	unsigned int i;

	setup();
	c = established(&l);
	fill(in, sizeof(in), 7);
	/* [2800, 4200) and [4200, 5600) beyond the hole: one range, the
	 * received mbufs themselves in one chain */
	m[2] = peer_frame(peer_nxt + 2800, our_iss + 1, TCP_ACK, 65535, NULL, in + 2800, 1400);
	input(m[2]);
	m[3] = peer_frame(peer_nxt + 4200, our_iss + 1, TCP_ACK, 65535, NULL, in + 4200, 1400);
	input(m[3]);
	CU_ASSERT_EQUAL(c->ooo.n, 1);
	CU_ASSERT_PTR_EQUAL(c->ooo.r[0].head, m[2]);
	CU_ASSERT_PTR_EQUAL(c->ooo.r[0].tail, m[3]);
	CU_ASSERT_PTR_EQUAL(m[2]->next, m[3]);
	CU_ASSERT_EQUAL(c->rcvq.mem, 2 * one);
	/* bytes held already are not held twice */
	peer_send(peer_nxt + 3000, our_iss + 1, TCP_ACK, 65535, NULL, in + 3000, 1400);
	CU_ASSERT_EQUAL(c->ooo.n, 1);
	CU_ASSERT_EQUAL(c->rcvq.mem, 2 * one);
	CU_ASSERT_EQUAL(vmk_tcp_recv_mbuf(c, &got, 8000, 0), -EAGAIN);
	m[0] = peer_frame(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, in, 1400);
	input(m[0]);
	CU_ASSERT_EQUAL(c->rcvq.len, 1400);
	m[1] = peer_frame(peer_nxt + 1400, our_iss + 1, TCP_ACK, 65535, NULL, in + 1400, 1400);
	input(m[1]);                             /* the hole fills */
	CU_ASSERT_EQUAL(c->ooo.n, 0);
	CU_ASSERT_EQUAL(c->rcvq.len, 5600);
	CU_ASSERT_EQUAL(c->rcvq.mem, 4 * one);
	CU_ASSERT_EQUAL(c->rcv_nxt, peer_nxt + 5600);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_recv_mbuf(c, &got, 8000, 0), 5600);
	CU_ASSERT_EQUAL(got->nb_segs, 4);
	for (i = 0, k = got; k != NULL && i < 4; k = k->next, i++) {
		CU_ASSERT_PTR_EQUAL(k, m[i]);        /* the very mbufs received */
		CU_ASSERT_EQUAL(k->data_len, 1400);
		CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(k, const uint8_t *), in + 1400 * i, 1400), 0);
	}
	CU_ASSERT_EQUAL(i, 4);
	rte_pktmbuf_free(got);
	CU_ASSERT_EQUAL(c->rcvq.mem, 0);
	n_out();
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_overlapping_segments_beyond_a_hole_keep_each_byte_once(void)
{
	struct vmk_tcp_sock *l, *c;
	uint8_t in[4000], got[4000];

	setup();
	c = established(&l);
	fill(in, sizeof(in), 8);
	/* [2000, 2500) and [3000, 3500), then [1500, 4000) covering both */
	peer_send(peer_nxt + 2000, our_iss + 1, TCP_ACK, 65535, NULL, in + 2000, 500);
	peer_send(peer_nxt + 3000, our_iss + 1, TCP_ACK, 65535, NULL, in + 3000, 500);
	CU_ASSERT_EQUAL(c->ooo.n, 2);
	peer_send(peer_nxt + 1500, our_iss + 1, TCP_ACK, 65535, NULL, in + 1500, 2500);
	CU_ASSERT_EQUAL(c->ooo.n, 1);
	CU_ASSERT_EQUAL(c->ooo.r[0].s, peer_nxt + 1500);
	CU_ASSERT_EQUAL(c->ooo.r[0].e, peer_nxt + 4000);
	CU_ASSERT_EQUAL(c->rcvq.mem, 2 * (sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE));
	/* [600, 1700) reaches into it from below; [300, 700) joins from below */
	peer_send(peer_nxt + 600, our_iss + 1, TCP_ACK, 65535, NULL, in + 600, 1100);
	peer_send(peer_nxt + 300, our_iss + 1, TCP_ACK, 65535, NULL, in + 300, 400);
	CU_ASSERT_EQUAL(c->ooo.n, 1);
	CU_ASSERT_EQUAL(c->ooo.r[0].s, peer_nxt + 300);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), -EAGAIN);
	/* [0, 1000) in order, reaching into the range */
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, in, 1000);
	CU_ASSERT_EQUAL(c->ooo.n, 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_recv(c, got, sizeof(got), 0), 4000);
	CU_ASSERT_EQUAL(memcmp(got, in, 4000), 0);
	CU_ASSERT_EQUAL(c->rcvq.mem, 0);
	n_out();
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_recv_mbuf_takes_whole_mbufs_and_splits_only_one_that_does_not_fit(void)
{
	struct vmk_tcp_sock *l, *c;
	struct rte_mbuf *m[3], *got = NULL, *rest = NULL, *last = NULL, *x;
	uint8_t in[4200];

	setup();
	c = established(&l);
	fill(in, sizeof(in), 9);
	for (int i = 0; i < 3; i++) {
		m[i] = peer_frame(peer_nxt + 1400 * i, our_iss + 1, TCP_ACK, 65535, NULL,
				  in + 1400 * i, 1400);
		input(m[i]);
	}
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_recv_mbuf(c, &got, 3000, 0), 3000);
	CU_ASSERT_EQUAL(got->pkt_len, 3000);
	CU_ASSERT_EQUAL_FATAL(got->nb_segs, 3);
	CU_ASSERT_PTR_EQUAL(got, m[0]);
	CU_ASSERT_PTR_EQUAL(got->next, m[1]);
	x = got->next->next;                     /* m[2]'s first 200 bytes, shared */
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT(RTE_MBUF_CLONED(x) != 0);
	CU_ASSERT_PTR_EQUAL(x->buf_addr, m[2]->buf_addr);
	CU_ASSERT_EQUAL(x->data_len, 200);
	CU_ASSERT_PTR_NULL(x->next);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(x, uint8_t *), in + 2800, 200), 0);
	/* less than one mbuf */
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_recv_mbuf(c, &rest, 100, 0), 100);
	CU_ASSERT_EQUAL(rest->nb_segs, 1);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(rest, uint8_t *), in + 3000, 100), 0);
	/* what is left of m[2] fits whole: the mbuf itself */
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_recv_mbuf(c, &last, 2000, 0), 1100);
	CU_ASSERT_PTR_EQUAL(last, m[2]);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(last, uint8_t *), in + 3100, 1100), 0);
	rte_pktmbuf_free(got);
	rte_pktmbuf_free(rest);
	rte_pktmbuf_free(last);
	CU_ASSERT_EQUAL(vmk_tcp_recv_mbuf(c, &got, 1000, 0), -EAGAIN);
	CU_ASSERT_EQUAL(vmk_tcp_recv_mbuf(c, &got, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(c->rcvq.mem, 0);
	/* the end of the stream */
	peer_send(peer_nxt + 4200, our_iss + 1, TCP_ACK | TCP_FIN, 65535, NULL, NULL, 0);
	got = m[0];
	CU_ASSERT_EQUAL(vmk_tcp_recv_mbuf(c, &got, 1000, 0), 0);
	CU_ASSERT_PTR_NULL(got);
	n_out();
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Held mbufs count whole (buffer + mbuf) against 2 x the receive buffer +
 * a reserve of 4 mbufs, and the window offered follows; here a pool mbuf
 * counts 128 + 2,176 = 2,304 bytes, and a 16 KiB buffer may pin
 * 2 x 16,384 + 4 x 2,304 = 41,984. */
static void test_held_mbufs_count_whole_against_the_window_and_small_segments_are_coalesced(void)
{
	const uint32_t one = sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE;
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	uint8_t in[1200], got[1200];
	uint32_t x;
	int i;

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_buffers(l, 0, 16384), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	c = accept_with(l, NULL, 65535);
	CU_ASSERT_EQUAL(c->rcvq.mem_max, 2 * 16384 + 4 * one);
	CU_ASSERT_EQUAL(tcp_rcv_space(c), 16384);
	fill(in, sizeof(in), 10);
	/* 100 segments of 10 bytes, in order: copied into the first one's
	 * tailroom, one mbuf pinned for 1,000 bytes; that one mbuf already
	 * weighs more on the window than the bytes in it */
	for (i = 0; i < 100; i++)
		peer_send(peer_nxt + 10 * i, our_iss + 1, TCP_ACK, 65535, NULL, in + 10 * i, 10);
	CU_ASSERT_EQUAL(c->rcvq.len, 1000);
	CU_ASSERT_EQUAL(c->rcvq.mem, one);
	CU_ASSERT_PTR_EQUAL(c->rcvq.head, c->rcvq.tail);
	CU_ASSERT_EQUAL(tcp_rcv_space(c), (2 * 16384 - one) / 2);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), 1000);
	CU_ASSERT_EQUAL(memcmp(got, in, 1000), 0);
	CU_ASSERT_EQUAL(c->rcvq.mem, 0);
	peer_nxt += 1000;
	n_out();
	/* 1-byte segments beyond a hole, each before the last (nothing to
	 * copy them into): each pins a whole mbuf, and the window offered
	 * shrinks by half of that although a few bytes are held */
	x = peer_nxt + 1000;
	for (i = 0; i < 7; i++)
		peer_send(x + 50 - i, our_iss + 1, TCP_ACK, 65535, NULL, in + 1050 - i, 1);
	CU_ASSERT_EQUAL(c->rcvq.mem, 7 * one);
	CU_ASSERT_EQUAL(tcp_rcv_space(c), (2 * 16384 - 7 * one) / 2);
	/* up to the bound: 18 held, the 19th dropped, nothing offered */
	for (; i < 19; i++)
		peer_send(x + 50 - i, our_iss + 1, TCP_ACK, 65535, NULL, in + 1050 - i, 1);
	CU_ASSERT_EQUAL(c->rcvq.mem, 18 * one);
	CU_ASSERT(c->rcvq.mem <= c->rcvq.mem_max);
	CU_ASSERT_EQUAL(c->ooo.n, 1);
	CU_ASSERT_EQUAL(c->ooo.r[0].s, x + 33);
	CU_ASSERT_EQUAL(tcp_rcv_space(c), 0);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_RCV_MEMORY], 1);
	CU_ASSERT_STRING_EQUAL(vmk_tcp_drop_reason_name(VMK_TCPDROP_RCV_MEMORY), "rcv_memory");
	n_out();
	/* in-order data still gets in: the held range makes way for it */
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, in, 1033);
	CU_ASSERT_EQUAL(c->rcvq.len, 1033);
	CU_ASSERT_EQUAL(c->ooo.n, 0);
	CU_ASSERT_EQUAL(c->rcvq.mem, one);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_RCV_MEMORY], 2);
	peer_send(peer_nxt + 1033, our_iss + 1, TCP_ACK, 65535, NULL, in + 1033, 18);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_recv(c, got, sizeof(got), 0), 1051);
	CU_ASSERT_EQUAL(memcmp(got, in, 1051), 0);
	n_out();
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_acked_data_frees_the_send_queue_mbufs_and_a_clone_in_flight_keeps_its_buffer(void)
{
	struct vmk_tcp_sock *l, *c;
	struct rte_mempool *mp, *cp;
	struct rte_mbuf *held = NULL;
	struct ipv4_view ip;
	struct tcp_repr r;
	unsigned int in_use, clones;
	uint8_t out[20000], seen[1000];
	uint32_t acked = 0;

	setup();
	c = established(&l);
	vmk_tcp_set_nodelay(c, true);
	mp = vmk_host_mempool(host);
	cp = host_clone_pool(host);
	in_use = rte_mempool_in_use_count(mp);
	clones = rte_mempool_in_use_count(cp);
	fill(out, sizeof(out), 11);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, sizeof(out), 0), 20000);
	CU_ASSERT_EQUAL(vmk_tcp_send_mbuf(c, mk_chain(mp, 4, 1000, 0, NULL), 0), 4000);
	CU_ASSERT(rte_mempool_in_use_count(mp) > in_use);
	/* keep the first segment's frame as a NIC still sending it would */
	CU_ASSERT_FATAL(rte_ring_dequeue(vmk0->ifc.txq, (void **)&held) == 0);
	while (acked < 24000) {
		while (next_seg())
			;
		acked = c->snd_max - (our_iss + 1);
		peer_send(peer_nxt, c->snd_max, TCP_ACK, 65535, NULL, NULL, 0);
	}
	n_out();
	CU_ASSERT_EQUAL(c->sndq.len, 0);
	CU_ASSERT_PTR_NULL(c->sndq.head);
	/* all acknowledged: only the held frame's buffers are still in use,
	 * and its payload is intact */
	CU_ASSERT(rte_mempool_in_use_count(mp) > in_use);
	rte_pktmbuf_adj(held, RTE_ETHER_HDR_LEN);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(&ip, held, 0), 0);
	CU_ASSERT_EQUAL_FATAL(tcp_parse(&r, held, ip.hlen, ipv4_payload_len(&ip), ipv4_src(&ip),
					ipv4_dst(&ip)), 0);
	CU_ASSERT_EQUAL(r.seq, our_iss + 1);
	CU_ASSERT(r.payload_len >= sizeof(seen));
	pkt_read(held, ip.hlen + r.hlen, seen, sizeof(seen));
	CU_ASSERT_EQUAL(memcmp(seen, out, sizeof(seen)), 0);
	rte_pktmbuf_free(held);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(cp), clones);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	n_out();
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(cp), clones);
	teardown();
}

/* 1-byte request/response traffic: a small payload is copied behind its
 * headers (no clone to allocate and free), and the tail mbuf the copying
 * call allocated is kept, emptied, once acknowledged, for the next write. */
static void test_small_writes_reuse_the_acknowledged_tail_and_carry_no_clone(void)
{
	struct vmk_tcp_sock *l, *c;
	struct rte_mempool *mp, *cp;
	struct rte_mbuf *kept;
	unsigned int in_use, clones;
	uint8_t out[200];

	setup();
	c = established(&l);
	vmk_tcp_set_nodelay(c, true);
	mp = vmk_host_mempool(host);
	cp = host_clone_pool(host);
	in_use = rte_mempool_in_use_count(mp);
	clones = rte_mempool_in_use_count(cp);
	fill(out, sizeof(out), 13);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, 100, 0), 100);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(cp), clones);   /* copied, not cloned */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.len, 100);
	CU_ASSERT_EQUAL(memcmp(o.data, out, 100), 0);
	kept = c->sndq.head;
	peer_send(peer_nxt, our_iss + 101, TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(c->sndq.len, 0);
	CU_ASSERT_PTR_EQUAL(c->sndq.head, kept);
	CU_ASSERT_EQUAL(kept->data_len, 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use + 1);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out + 100, 100, 0), 100);
	CU_ASSERT_PTR_EQUAL(c->sndq.head, kept);                   /* written again */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 101);
	CU_ASSERT_EQUAL(memcmp(o.data, out + 100, 100), 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use + 1);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	n_out();
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), in_use);
	teardown();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("tcp_zerocopy", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tcp_zerocopy", NULL, NULL);
	ADD(s, test_send_mbuf_and_recv_mbuf_move_a_chain_between_two_sockets_without_a_copy);
	ADD(s, test_a_long_zero_copy_transfer_between_two_netstacks_never_waits_for_a_timer);
	ADD(s, test_a_chain_the_send_buffer_cannot_take_is_refused_and_stays_the_callers);
	ADD(s, test_out_of_order_segments_are_held_as_mbufs_and_delivered_in_order);
	ADD(s, test_overlapping_segments_beyond_a_hole_keep_each_byte_once);
	ADD(s, test_recv_mbuf_takes_whole_mbufs_and_splits_only_one_that_does_not_fit);
	ADD(s, test_held_mbufs_count_whole_against_the_window_and_small_segments_are_coalesced);
	ADD(s, test_acked_data_frees_the_send_queue_mbufs_and_a_clone_in_flight_keeps_its_buffer);
	ADD(s, test_small_writes_reuse_the_acknowledged_tail_and_carry_no_clone);
	return th_run_suites();
}
