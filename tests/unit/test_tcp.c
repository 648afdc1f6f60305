/*
 * Unit tests of TCP (tcpip/tcp_*.c) with a crafted peer (tcp_peer.h):
 * handshakes, data and flow control, transmit offload, RFC 5961, keepalive
 * and closing. Loss recovery is in test_tcp_recovery.c, the mbuf queues
 * and the zero-copy API in test_tcp_zerocopy.c.
 */
#include "unit/tcp_peer.h"

/* ---- handshakes ------------------------------------------------------- */

static void test_syn_to_a_closed_port_gets_a_rst(void)
{
	struct vmk_tcp_stats st;

	setup();
	peer_send(PISS, 0, TCP_SYN, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(o.r.seq, 0);
	CU_ASSERT_EQUAL(o.r.ack, PISS + 1);
	CU_ASSERT_EQUAL(o.r.src_port, PORT);
	/* an ACK gets a RST at the sequence it acknowledged; a RST nothing */
	peer_send(PISS, 777, TCP_ACK, 65535, NULL, "x", 1);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_RST);
	CU_ASSERT_EQUAL(o.r.seq, 777);
	peer_send(PISS, 0, TCP_RST, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 0);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_NO_SOCKET], 3);
	CU_ASSERT_EQUAL(st.rst_tx, 2);
	teardown();
}

static void test_passive_open_negotiates_mss_window_scale_timestamps_and_sack(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_conn conns[4];
	struct tcp_repr syn;
	unsigned int n;

	setup();
	l = listener();
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.wscale = 7;
	syn.has_ts = true;
	syn.ts_val = 5555;
	syn.sack_ok = true;
	peer_send(PISS, 0, TCP_SYN, 65535, &syn, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(o.r.ack, PISS + 1);
	CU_ASSERT_EQUAL(o.r.mss, 8960);               /* MTU 9000 - 40 */
	CU_ASSERT_EQUAL(o.r.wscale, 3);               /* 256 KiB buffer */
	CU_ASSERT(o.r.has_ts);
	CU_ASSERT_EQUAL(o.r.ts_ecr, 5555);
	CU_ASSERT(o.r.sack_ok);
	our_iss = o.r.seq;
	CU_ASSERT_EQUAL(vmk_tcp_poll(l), 0);
	syn.mss = 0;
	syn.wscale = -1;
	syn.sack_ok = false;
	syn.ts_val = 5556;
	syn.ts_ecr = o.r.ts_val;
	peer_send(PISS + 1, our_iss + 1, TCP_ACK, 100, &syn, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_poll(l), VMK_TCP_POLL_ACCEPT);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, &c, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_ESTABLISHED);
	n = vmk_tcp_conn_list(host, NULL, conns, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);                  /* the listener and c */
	for (unsigned int i = 0; i < n; i++) {
		if (conns[i].state != VMK_TCP_ESTABLISHED)
			continue;
		CU_ASSERT_EQUAL(conns[i].mss, 1460 - 12); /* timestamps take 12 */
		CU_ASSERT_EQUAL(conns[i].snd_wnd, 100u << 7);
		CU_ASSERT_EQUAL(conns[i].foreign_addr, PEER_IP);
		CU_ASSERT_EQUAL(conns[i].foreign_port, PPORT);
		CU_ASSERT_STRING_EQUAL(conns[i].cc, "newreno");
	}
	/* every later segment carries a timestamp echoing the peer's */
	CU_ASSERT_EQUAL(vmk_tcp_send(c, "hi", 2, 0), 2);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT(o.r.has_ts);
	CU_ASSERT_EQUAL(o.r.ts_ecr, 5556);
	CU_ASSERT_EQUAL(o.r.mss, 0);
	CU_ASSERT_EQUAL(o.r.wscale, -1);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_options_the_peer_does_not_offer_are_not_used(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_conn conns[4];
	struct tcp_repr none;

	setup_mtu(1500);
	l = listener();
	tcp_repr_init(&none);
	peer_send(PISS, 0, TCP_SYN, 65535, &none, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.mss, 1460);
	CU_ASSERT_EQUAL(o.r.wscale, -1);
	CU_ASSERT(!o.r.has_ts);
	CU_ASSERT(!o.r.sack_ok);
	our_iss = o.r.seq;
	peer_send(PISS + 1, our_iss + 1, TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, &c, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_conn_list(host, NULL, conns, 4), 2);
	CU_ASSERT_EQUAL(conns[0].mss + conns[1].mss, 536);  /* the RFC default */
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_active_open_sends_syn_with_options_and_completes(void)
{
	struct vmk_tcp_sock *s;
	struct tcp_repr synack;
	uint32_t addr;
	uint16_t port;

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &s), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(s, PEER_IP, PPORT, 0), -EINPROGRESS);
	CU_ASSERT_EQUAL(vmk_tcp_state(s), VMK_TCP_SYN_SENT);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_SYN);
	CU_ASSERT_EQUAL(o.r.mss, 8960);
	CU_ASSERT_EQUAL(o.r.wscale, 3);
	CU_ASSERT(o.r.has_ts && o.r.sack_ok);
	CU_ASSERT_EQUAL(o.r.dst_port, PPORT);
	CU_ASSERT(o.r.src_port >= 49152);
	CU_ASSERT_EQUAL(o.src, VMK0_IP);
	our_iss = o.r.seq;
	/* the SYN-ACK comes from PPORT to our ephemeral port */
	vmk_tcp_getsockname(s, &addr, &port);
	CU_ASSERT_EQUAL(addr, VMK0_IP);
	{
		struct tcp_repr r;
		struct rte_mbuf *m;
		struct ipv4_repr ir = { .src = PEER_IP, .dst = VMK0_IP, .proto = IPPROTO_TCP,
					.ttl = 64 };

		tcp_repr_init(&r);
		r.src_port = PPORT;
		r.dst_port = port;
		r.seq = PISS;
		r.ack = our_iss + 1;
		r.flags = TCP_SYN | TCP_ACK;
		r.win = 1000;
		r.mss = 1400;
		r.wscale = 3;
		synack = r;
		m = pkt_alloc(vmk_host_mempool(host), TCP_HLEN + tcp_opts_len(&r));
		tcp_emit(m, 0, &r, 0, PEER_IP, VMK0_IP);
		ir.payload_len = (uint16_t)m->pkt_len;
		ipv4_emit((struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, IPV4_HLEN), &ir);
		push_eth(m, vmk0->ifc.mac.addr_bytes, RTE_ETHER_TYPE_IPV4);
		input(m);
	}
	CU_ASSERT_EQUAL(vmk_tcp_state(s), VMK_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(vmk_tcp_connect(s, PEER_IP, PPORT, 0), -EISCONN);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.r.ack, PISS + 1);
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 1);
	CU_ASSERT(!o.r.has_ts);                       /* the peer did not echo them */
	CU_ASSERT(vmk_tcp_poll(s) & VMK_TCP_POLL_OUT);
	(void)synack;
	vmk_tcp_abort(s);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT(o.r.flags & TCP_RST);
	teardown();
}

static void test_simultaneous_open_reaches_established(void)
{
	struct vmk_tcp_sock *s;

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &s), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(s, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(s, PEER_IP, PPORT, 0), -EINPROGRESS);
	CU_ASSERT_FATAL(next_seg());
	our_iss = o.r.seq;
	/* the peer's SYN crosses ours */
	peer_send(PISS, 0, TCP_SYN, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(s), VMK_TCP_SYN_RECEIVED);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(o.r.seq, our_iss);
	CU_ASSERT_EQUAL(o.r.ack, PISS + 1);
	/* ... and its SYN-ACK arrives */
	peer_send(PISS, our_iss + 1, TCP_SYN | TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(s), VMK_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(vmk_tcp_connect(s, PEER_IP, PPORT, 0), -EISCONN);
	vmk_tcp_abort(s);
	teardown();
}

/* The window our SYN offered was reckoned from RCV.NXT 0 (still unknown):
 * it must not survive the SYN-ACK as the "right edge already offered",
 * or for about half of the peer's ISNs that stale edge lies ahead of
 * RCV.NXT and the first ACK's window is garbage (vmk-tcp-bench crr: a
 * zero window, the response never sent, once in ~50,000 connections). */
static void test_active_open_advertises_the_receive_room_whatever_the_peer_isn(void)
{
	struct vmk_tcp_sock *s;
	struct tcp_repr ws;
	uint8_t buf[16];

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &s), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(s, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(s, PEER_IP, PPORT, 0), -EINPROGRESS);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.wscale, 3);
	our_iss = o.r.seq;
	tcp_repr_init(&ws);
	ws.wscale = 3;
	peer_send(0x80000000u, our_iss + 1, TCP_SYN | TCP_ACK, 65535, &ws, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(s), VMK_TCP_ESTABLISHED);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, 0x80000001u);
	CU_ASSERT_EQUAL(o.r.win, TCP_DEFAULT_BUF >> 3);   /* all 256 KiB, scaled by 8 */
	peer_send(0x80000001u, our_iss + 1, TCP_ACK | TCP_PSH, 65535, NULL, "hello", 5);
	CU_ASSERT_EQUAL(vmk_tcp_recv(s, buf, sizeof(buf), 0), 5);
	vmk_tcp_abort(s);
	teardown();
}

static void test_connect_to_a_port_answering_rst_is_refused(void)
{
	struct vmk_tcp_sock *s;
	struct vmk_tcp_stats st;
	uint16_t port;

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &s), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(s, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(s, PEER_IP, PPORT, 0), -EINPROGRESS);
	CU_ASSERT_FATAL(next_seg());
	vmk_tcp_getsockname(s, NULL, &port);
	/* a RST whose ACK is not ours is ignored, the right one refuses */
	peer_send(0, o.r.seq + 5, TCP_RST | TCP_ACK, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(s), VMK_TCP_SYN_SENT);
	peer_send(0, o.r.seq + 1, TCP_RST | TCP_ACK, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(s), VMK_TCP_CLOSED);
	CU_ASSERT(vmk_tcp_poll(s) & VMK_TCP_POLL_ERR);
	CU_ASSERT_EQUAL(vmk_tcp_connect(s, PEER_IP, PPORT, 0), -EISCONN);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.attempt_fails, 1);
	vmk_tcp_close(s);
	teardown();
}

static void test_unanswered_syn_is_retried_then_the_connect_times_out(void)
{
	struct vmk_tcp_sock *s;
	struct vmk_tcp_params pa;
	char buf[4];

	setup();
	vmk_tcp_get_params(host, NULL, &pa);
	pa.syn_retries = 2;
	CU_ASSERT_EQUAL(vmk_tcp_set_params(host, NULL, &pa), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &s), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(s, PEER_IP, PPORT, 0), -EINPROGRESS);
	CU_ASSERT_EQUAL(n_out(), 1);
	timers_at(now + 999 * MS);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 1 * MS);                      /* 1 s initial RTO */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_SYN);
	timers_at(now + 2 * SEC);                     /* backed off to 2 s */
	CU_ASSERT_EQUAL(n_out(), 1);
	timers_at(now + 4 * SEC);
	CU_ASSERT_EQUAL(n_out(), 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(s), VMK_TCP_CLOSED);
	CU_ASSERT_EQUAL(vmk_tcp_recv(s, buf, sizeof(buf), 0), -ETIMEDOUT);
	vmk_tcp_close(s);
	teardown();
}

/* ---- data ------------------------------------------------------------- */

static void test_data_is_acked_every_second_segment_or_after_the_delayed_ack_timeout(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	uint8_t in[3000], got[4000];

	setup();
	c = established(&l);
	fill(in, sizeof(in), 1);
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, in, 1000);
	CU_ASSERT_EQUAL(n_out(), 0);                  /* delayed */
	peer_send(peer_nxt + 1000, our_iss + 1, TCP_ACK, 65535, NULL, in + 1000, 1000);
	CU_ASSERT_FATAL(next_seg());                  /* second segment: ACK now */
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 2000);
	peer_send(peer_nxt + 2000, our_iss + 1, TCP_ACK | TCP_PSH, 65535, NULL, in + 2000, 1000);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 39 * MS);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 1 * MS);                      /* 40 ms */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 3000);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.delayed_acks, 1);
	CU_ASSERT(vmk_tcp_poll(c) & VMK_TCP_POLL_IN);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), 3000);
	CU_ASSERT_EQUAL(memcmp(got, in, 3000), 0);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), -EAGAIN);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_out_of_order_segment_is_held_until_the_hole_fills(void)
{
	struct vmk_tcp_sock *l, *c;
	struct tcp_repr syn;
	uint8_t in[3000], got[4000];

	setup();
	l = listener();
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.sack_ok = true;
	c = accept_with(l, &syn, 65535);
	fill(in, sizeof(in), 2);
	/* [2000, 3000) then [1000, 2000): each answered at once by a
	 * duplicate ACK whose first SACK block is the newest segment */
	peer_send(peer_nxt + 2000, our_iss + 1, TCP_ACK, 65535, NULL, in + 2000, 1000);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
	CU_ASSERT_EQUAL(o.r.n_sack, 1);
	CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt + 2000);
	peer_send(peer_nxt + 1000, our_iss + 1, TCP_ACK, 65535, NULL, in + 1000, 1000);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
	CU_ASSERT_EQUAL(o.r.n_sack, 1);
	CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt + 1000);
	CU_ASSERT_EQUAL(o.r.sack[0][1], peer_nxt + 3000);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), -EAGAIN);
	/* the hole fills: everything is acknowledged at once */
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, in, 1000);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 3000);
	CU_ASSERT_EQUAL(o.r.n_sack, 0);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), 3000);
	CU_ASSERT_EQUAL(memcmp(got, in, 3000), 0);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Reordering against Linux left dozens of holes in a window; beyond the
 * ranges held, segments were dropped and sent again. 32 holes, each
 * segment above one answered with its range as the first SACK block and
 * the ones before it next (RFC 2018 4); the holes filled, everything is
 * delivered and nothing was dropped. */
static void test_a_receiver_holds_32_out_of_order_ranges_with_right_sack_blocks(void)
{
	static uint8_t in[64 * 500], got[64 * 500];
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	struct tcp_repr syn;
	long n = 0, k;

	setup();
	l = listener();
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.sack_ok = true;
	c = accept_with(l, &syn, 65535);
	fill(in, sizeof(in), 6);
	for (uint32_t i = 1; i < 64; i += 2) {
		peer_send(peer_nxt + i * 500, our_iss + 1, TCP_ACK, 65535, NULL, in + i * 500, 500);
		CU_ASSERT_FATAL(next_seg());
		CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
		CU_ASSERT_EQUAL_FATAL(o.r.n_sack, i < 7 ? (i + 1) / 2 : 4);
		for (uint32_t b = 0; b < o.r.n_sack; b++) {
			CU_ASSERT_EQUAL(o.r.sack[b][0], peer_nxt + (i - 2 * b) * 500);
			CU_ASSERT_EQUAL(o.r.sack[b][1], peer_nxt + (i - 2 * b + 1) * 500);
		}
	}
	CU_ASSERT_EQUAL(c->ooo.n, 32);
	for (uint32_t i = 0; i < 64; i += 2)
		peer_send(peer_nxt + i * 500, our_iss + 1, TCP_ACK, 65535, NULL, in + i * 500, 500);
	while (next_seg())
		;
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + sizeof(in));
	CU_ASSERT_EQUAL(o.r.n_sack, 0);
	while ((k = vmk_tcp_recv(c, got + n, sizeof(got) - n, 0)) > 0)
		n += k;
	CU_ASSERT_EQUAL_FATAL(n, (long)sizeof(in));
	CU_ASSERT_EQUAL(memcmp(got, in, sizeof(in)), 0);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_OOO_FULL], 0);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Found against Linux: reading every in-order byte emptied the ring, which
 * then restarted at offset 0 and lost the out-of-order data held beyond. */
static void test_data_held_beyond_a_hole_survives_the_reader_draining_the_buffer(void)
{
	struct vmk_tcp_sock *l, *c;
	uint8_t in[3000], got[4000];

	setup();
	c = established(&l);
	fill(in, sizeof(in), 5);
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, in, 1000);
	peer_send(peer_nxt + 2000, our_iss + 1, TCP_ACK, 65535, NULL, in + 2000, 1000);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), 1000);
	CU_ASSERT_EQUAL(memcmp(got, in, 1000), 0);
	peer_send(peer_nxt + 1000, our_iss + 1, TCP_ACK, 65535, NULL, in + 1000, 1000);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_recv(c, got, sizeof(got), 0), 2000);
	CU_ASSERT_EQUAL(memcmp(got, in + 1000, 2000), 0);
	n_out();
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_sent_data_is_acked_and_the_window_limits_what_is_in_flight(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_conn conns[4];
	uint8_t out[6000], seen[6000];
	uint32_t got = 0;

	setup();
	l = listener();
	c = accept_with(l, NULL, 2920);               /* the peer takes two segments */
	fill(out, sizeof(out), 3);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, sizeof(out), 0), 6000);
	while (next_seg()) {
		CU_ASSERT_EQUAL(o.r.seq, our_iss + 1 + got);
		CU_ASSERT(o.len <= 1460);
		memcpy(seen + got, o.data, o.len);
		got += o.len;
	}
	CU_ASSERT_EQUAL(got, 2920);
	CU_ASSERT_EQUAL(vmk_tcp_conn_list(host, NULL, conns, 4), 2);
	/* the ACK opens the window again */
	peer_send(peer_nxt, our_iss + 1 + got, TCP_ACK, 65535, NULL, NULL, 0);
	while (next_seg()) {
		memcpy(seen + got, o.data, o.len);
		got += o.len;
	}
	/* Nagle (on by default) holds the last 160 bytes while data is in
	 * flight; the next ACK releases them */
	CU_ASSERT_EQUAL(got, 5840);
	peer_send(peer_nxt, our_iss + 1 + got, TCP_ACK, 65535, NULL, NULL, 0);
	while (next_seg()) {
		memcpy(seen + got, o.data, o.len);
		got += o.len;
	}
	CU_ASSERT_EQUAL(got, 6000);
	CU_ASSERT_EQUAL(memcmp(seen, out, 6000), 0);
	CU_ASSERT(o.r.flags & TCP_PSH);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Found against Linux: a 4 MiB window put ~2,900 segments at once on the
 * adapter's 1,024-slot ring; each overflow was a loss the stack made itself. */
static void test_a_window_larger_than_the_adapter_ring_waits_for_room_instead_of_dropping(void)
{
	static uint8_t data[2u << 20];
	struct vmk_tcp_sock *l, *c;
	struct vmk_netstack_stats ns;
	struct tcp_repr syn;
	unsigned int n = 0, first;
	uint32_t next;

	setup_mtu(1500);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_buffers(l, 4u << 20, 4u << 20), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.wscale = 7;
	c = accept_with(l, &syn, 65535);                /* 8 MiB window */
	CU_ASSERT_EQUAL(vmk_tcp_set_nodelay(c, true), 0);  /* the short tail too */
	vmk_spin_lock(&ns0->lock);
	c->cwnd = 8u << 20;
	vmk_spin_unlock(&ns0->lock);
	fill(data, sizeof(data), 9);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, data, sizeof(data), 0), (long)sizeof(data));
	next = our_iss + 1;
	while (next_seg()) {
		CU_ASSERT_EQUAL(o.r.seq, next);
		next += o.len;
		n++;
	}
	first = n;
	CU_ASSERT(first < IF_RING_SIZE);
	for (int k = 1; k <= 4 && next != our_iss + 1 + sizeof(data); k++) {
		timers_at(now + MS);                     /* the ring has room again */
		while (next_seg()) {
			CU_ASSERT_EQUAL(o.r.seq, next);
			next += o.len;
			n++;
		}
	}
	CU_ASSERT_EQUAL(next, our_iss + 1 + sizeof(data));
	CU_ASSERT_EQUAL(n, (sizeof(data) + 1459) / 1460);
	vmk_netstack_get_stats(host, NULL, &ns);
	CU_ASSERT_EQUAL(ns.drops[VMK_IPDROP_TXQ_FULL], 0);
	fprintf(stderr, "    %u segments, %u in the first burst\n", n, first);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_unacked_data_is_retransmitted_after_the_rto_with_backoff(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_params pa;
	struct vmk_tcp_stats st;

	setup();
	vmk_tcp_get_params(host, NULL, &pa);
	pa.rto_min_us = 5000;                         /* a settable minimum */
	CU_ASSERT_EQUAL(vmk_tcp_set_params(host, NULL, &pa), 0);
	l = listener();
	peer_send(PISS, 0, TCP_SYN, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	our_iss = o.r.seq;
	peer_nxt = PISS + 1;
	timers_at(now + 100);                         /* a 100 us handshake */
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, &c, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, "hello", 5, 0), 5);
	CU_ASSERT_EQUAL(n_out(), 1);
	timers_at(now + 4900);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 100);                         /* RTO = max(5 ms, RTT-based) */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 1);
	CU_ASSERT_EQUAL(o.len, 5);
	CU_ASSERT_EQUAL(memcmp(o.data, "hello", 5), 0);
	timers_at(now + 9 * MS);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 1 * MS);                      /* doubled: 10 ms */
	CU_ASSERT_EQUAL(n_out(), 1);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.timeouts, 2);
	CU_ASSERT_EQUAL(st.retrans, 2);
	peer_send(peer_nxt, our_iss + 6, TCP_ACK, 65535, NULL, NULL, 0);
	timers_at(now + 10 * SEC);
	CU_ASSERT_EQUAL(n_out(), 0);                  /* acknowledged: no timer */
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_two_duplicate_acks_send_new_data_and_the_third_a_fast_retransmit(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	uint8_t out[5 * 1460];

	setup();
	c = established(&l);
	fill(out, sizeof(out), 4);
	vmk_tcp_set_nodelay(c, true);
	/* the initial window is 3 segments of 1460 (RFC 5681 3.1) */
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, sizeof(out), 0), (long)sizeof(out));
	CU_ASSERT_EQUAL(n_out(), 3);
	/* the first two each let one new segment go (RFC 3042) */
	for (uint32_t i = 3; i < 5; i++) {
		peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, NULL, 0);
		CU_ASSERT_FATAL(next_seg());
		CU_ASSERT_EQUAL(o.r.seq, our_iss + 1 + i * 1460);
		CU_ASSERT_EQUAL(n_out(), 0);
	}
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 1);
	CU_ASSERT_EQUAL(o.len, 1460);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.fast_retrans, 1);
	n_out();
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Out-of-order arrivals [2000,3000), [4000,5000), [6000,7000), [8000,9000)
 * with timestamps on: three blocks, the newest segment's range first,
 * then the ranges of the segments before it, newest first (RFC 2018 4). */
static void test_sack_blocks_report_the_newest_ranges_first(void)
{
	struct vmk_tcp_sock *l, *c;
	struct tcp_repr syn, ts;
	uint8_t in[9000];

	setup();
	l = listener();
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.sack_ok = true;
	syn.has_ts = true;
	syn.ts_val = 1;
	c = accept_with(l, &syn, 65535);
	tcp_repr_init(&ts);
	ts.has_ts = true;
	ts.ts_val = 2;
	fill(in, sizeof(in), 7);
	for (uint32_t k = 2; k <= 8; k += 2) {
		peer_send(peer_nxt + k * 1000, our_iss + 1, TCP_ACK, 65535, &ts,
			  in + k * 1000, 1000);
		CU_ASSERT_FATAL(next_seg());
		CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
	}
	CU_ASSERT_EQUAL_FATAL(o.r.n_sack, 3);
	CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt + 8000);
	CU_ASSERT_EQUAL(o.r.sack[0][1], peer_nxt + 9000);
	CU_ASSERT_EQUAL(o.r.sack[1][0], peer_nxt + 6000);
	CU_ASSERT_EQUAL(o.r.sack[2][0], peer_nxt + 4000);
	/* a segment filling [3000,4000) joins [2000,5000), reported first */
	peer_send(peer_nxt + 3000, our_iss + 1, TCP_ACK, 65535, &ts, in + 3000, 1000);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL_FATAL(o.r.n_sack, 3);
	CU_ASSERT_EQUAL(o.r.sack[0][0], peer_nxt + 2000);
	CU_ASSERT_EQUAL(o.r.sack[0][1], peer_nxt + 5000);
	CU_ASSERT_EQUAL(o.r.sack[1][0], peer_nxt + 8000);
	CU_ASSERT_EQUAL(o.r.sack[2][0], peer_nxt + 6000);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* ---- transmit offload (TSO and checksum, between vmknics) ------------- */

static void test_offload_sends_several_segments_as_one_tso_frame_that_the_switch_cuts_for_a_wire(void)
{
	struct vmk_tcp_sock *l, *c;
	struct rte_mbuf *m = NULL, *segs[16];
	uint8_t out[20000], seen[20000];
	uint32_t got = 0, frame_len;
	int n;

	setup();
	ns0->tcp->tx_offload = true;
	l = listener();
	c = accept_with(l, NULL, 65535);
	fill(out, sizeof(out), 7);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, out, sizeof(out), 0), (long)sizeof(out));
	/* the initial window (3 x 1460) leaves as one frame */
	CU_ASSERT_EQUAL_FATAL(rte_ring_dequeue(vmk0->ifc.txq, (void **)&m), 0);
	CU_ASSERT_EQUAL(rte_ring_count(vmk0->ifc.txq), 0);
	CU_ASSERT((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0);
	CU_ASSERT_EQUAL(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_TCP_CKSUM);
	CU_ASSERT_EQUAL(m->tso_segsz, 1460);
	frame_len = m->pkt_len;
	CU_ASSERT_EQUAL(frame_len, RTE_ETHER_HDR_LEN + IPV4_HLEN + TCP_HLEN + 3 * 1460);
	/* the checksum is left to offload: the field is zero */
	CU_ASSERT_EQUAL(*rte_pktmbuf_mtod_offset(m, uint16_t *, RTE_ETHER_HDR_LEN + IPV4_HLEN + 16),
			0);

	/* for an uplink the switch makes three wire segments with checksums */
	n = offload_finish(m, vmk_host_mempool(host), segs, RTE_DIM(segs));
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (int i = 0; i < n; i++) {
		struct ipv4_view ip;
		struct tcp_repr r;

		CU_ASSERT_EQUAL(segs[i]->ol_flags & OFFLOAD_TX_WORK, 0);
		CU_ASSERT_EQUAL(segs[i]->pkt_len, RTE_ETHER_HDR_LEN + IPV4_HLEN + TCP_HLEN + 1460);
		rte_pktmbuf_adj(segs[i], RTE_ETHER_HDR_LEN);
		CU_ASSERT_EQUAL_FATAL(ipv4_parse(&ip, segs[i], 0), 0);
		CU_ASSERT_EQUAL_FATAL(tcp_parse(&r, segs[i], ip.hlen, ipv4_payload_len(&ip),
						ipv4_src(&ip), ipv4_dst(&ip)), 0);
		CU_ASSERT_EQUAL(r.seq, our_iss + 1 + got);
		CU_ASSERT_EQUAL(r.payload_len, 1460);
		/* PSH only where the original frame's data ends */
		CU_ASSERT_EQUAL((r.flags & TCP_PSH) != 0, false);
		pkt_read(segs[i], ip.hlen + r.hlen, seen + got, r.payload_len);
		got += r.payload_len;
		rte_pktmbuf_free(segs[i]);
	}
	CU_ASSERT_EQUAL(memcmp(seen, out, got), 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* What the switch cannot finish is dropped with the reason, never sent
 * half-done: a frame whose headers are not IPv4/TCP, and a TSO frame that
 * would make more segments than the caller has room for. Either way the
 * frame is consumed (the leak check would see it otherwise). */
static void test_offload_refuses_a_frame_it_cannot_finish_and_frees_it(void)
{
	struct rte_mempool *pool;
	struct rte_mbuf *m, *out[4];
	struct vmk_tcp_sock *l, *c;
	uint8_t data[20000];

	setup();
	pool = vmk_host_mempool(host);
	m = rte_pktmbuf_alloc(pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memset(rte_pktmbuf_append(m, 60), 0, 60);       /* EtherType 0: not IPv4 */
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	CU_ASSERT_EQUAL(offload_finish(m, pool, out, RTE_DIM(out)), -EINVAL);

	ns0->tcp->tx_offload = true;
	l = listener();
	c = accept_with(l, NULL, 65535);
	fill(data, sizeof(data), 13);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, data, sizeof(data), 0), (long)sizeof(data));
	CU_ASSERT_EQUAL_FATAL(rte_ring_dequeue(vmk0->ifc.txq, (void **)&m), 0);
	CU_ASSERT_FATAL((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0);   /* 3 segments */
	CU_ASSERT_EQUAL(offload_finish(m, pool, out, 2), -EINVAL);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* A segment's payload is clones of the send queue's buffers: the switch
 * writes the checksum into the segment's own header mbuf and copies
 * nothing. */
static void test_offload_fills_in_the_checksum_of_a_segment_with_cloned_payload_in_place(void)
{
	struct vmk_tcp_sock *l, *c;
	struct rte_mbuf *m = NULL, *out[4];
	struct ipv4_view ip;
	struct tcp_repr r;
	uint8_t data[1000], seen[1000];

	setup();
	ns0->tcp->tx_offload = true;
	l = listener();
	c = accept_with(l, NULL, 65535);
	fill(data, sizeof(data), 12);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, data, sizeof(data), 0), (long)sizeof(data));
	CU_ASSERT_EQUAL_FATAL(rte_ring_dequeue(vmk0->ifc.txq, (void **)&m), 0);
	CU_ASSERT_EQUAL(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG, 0);
	CU_ASSERT_FATAL(m->next != NULL);
	CU_ASSERT(RTE_MBUF_CLONED(m->next) != 0);
	CU_ASSERT_EQUAL_FATAL(offload_finish(m, vmk_host_mempool(host), out, RTE_DIM(out)), 1);
	CU_ASSERT_PTR_EQUAL_FATAL(out[0], m);                 /* no copy */
	CU_ASSERT_PTR_EQUAL(out[0]->next->buf_addr, c->sndq.head->buf_addr);
	rte_pktmbuf_adj(out[0], RTE_ETHER_HDR_LEN);
	CU_ASSERT_EQUAL_FATAL(ipv4_parse(&ip, out[0], 0), 0);
	CU_ASSERT_EQUAL(tcp_parse(&r, out[0], ip.hlen, ipv4_payload_len(&ip), ipv4_src(&ip),
				  ipv4_dst(&ip)), 0);       /* the checksum verifies */
	CU_ASSERT_EQUAL(r.payload_len, sizeof(data));
	pkt_read(out[0], ip.hlen + r.hlen, seen, sizeof(seen));
	CU_ASSERT_EQUAL(memcmp(seen, data, sizeof(data)), 0);
	rte_pktmbuf_free(out[0]);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_a_segment_without_checksum_is_taken_only_when_it_never_left_the_host(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	uint8_t got[16];

	setup();
	l = listener();
	c = accept_with(l, NULL, 65535);
	peer_no_csum = true;
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, "wire", 4);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_BAD_CHECKSUM], 1);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), -EAGAIN);
	/* the same bytes from a vmknic of this host, checksum left to offload */
	peer_ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, "host", 4);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), 4);
	CU_ASSERT_EQUAL(memcmp(got, "host", 4), 0);
	peer_no_csum = false;
	peer_ol_flags = 0;
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_full_receive_buffer_advertises_zero_and_reading_reopens_it(void)
{
	struct vmk_tcp_sock *l, *c;
	uint8_t in[4096], got[4096];

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_buffers(l, 0, 4096), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 0), 0);
	c = accept_with(l, NULL, 65535);
	fill(in, sizeof(in), 6);
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, in, 1460);
	peer_send(peer_nxt + 1460, our_iss + 1, TCP_ACK, 65535, NULL, in + 1460, 1460);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.win, 4096 - 2920);
	peer_send(peer_nxt + 2920, our_iss + 1, TCP_ACK, 65535, NULL, in + 2920, 1176);
	timers_at(now + 40 * MS);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 4096);
	CU_ASSERT_EQUAL(o.r.win, 0);
	/* more data does not fit: dropped and answered with the same window */
	peer_send(peer_nxt + 4096, our_iss + 1, TCP_ACK, 65535, NULL, in, 100);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 4096);
	CU_ASSERT_EQUAL(o.r.win, 0);
	/* reading makes room: a window update goes out */
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), 4096);
	CU_ASSERT_EQUAL(memcmp(got, in, 4096), 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.win, 4096);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* ---- RFC 5961 --------------------------------------------------------- */

static void test_in_window_rst_with_the_wrong_sequence_gets_a_challenge_ack(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	char buf[8];

	setup();
	c = established(&l);
	peer_send(peer_nxt + 100, 0, TCP_RST, 0, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 1);
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_ESTABLISHED);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.challenge_acks, 1);
	/* out of the window: dropped silently */
	peer_send(peer_nxt + 10000000, 0, TCP_RST, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 0);
	/* the exact sequence resets */
	peer_send(peer_nxt, 0, TCP_RST, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_CLOSED);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, buf, sizeof(buf), 0), -ECONNRESET);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, buf, 1, 0), -ECONNRESET);
	CU_ASSERT(vmk_tcp_poll(c) & VMK_TCP_POLL_ERR);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_syn_on_an_established_connection_gets_a_challenge_ack(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup();
	c = established(&l);
	peer_send(peer_nxt + 5, 0, TCP_SYN, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_ESTABLISHED);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.challenge_acks, 1);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_a_netstack_set_to_cubic_gives_new_connections_cubic(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_params pa;
	struct vmk_tcp_conn conns[4];
	unsigned int n;

	setup();
	vmk_tcp_get_params(host, NULL, &pa);
	CU_ASSERT_STRING_EQUAL(pa.cc, "newreno");
	snprintf(pa.cc, sizeof(pa.cc), "vegas");
	CU_ASSERT_EQUAL(vmk_tcp_set_params(host, NULL, &pa), -EINVAL);
	snprintf(pa.cc, sizeof(pa.cc), "cubic");
	CU_ASSERT_EQUAL(vmk_tcp_set_params(host, NULL, &pa), 0);
	vmk_tcp_get_params(host, NULL, &pa);
	CU_ASSERT_STRING_EQUAL(pa.cc, "cubic");
	c = established(&l);
	n = vmk_tcp_conn_list(host, NULL, conns, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	for (unsigned int i = 0; i < n; i++)
		if (conns[i].state == VMK_TCP_ESTABLISHED)
			CU_ASSERT_STRING_EQUAL(conns[i].cc, "cubic");
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_challenge_acks_are_limited_to_the_netstack_budget_per_second(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_params pa;
	struct vmk_tcp_stats st;

	setup();
	vmk_tcp_get_params(host, NULL, &pa);
	CU_ASSERT_EQUAL(pa.challenge_acks_per_s, 1000);
	pa.challenge_acks_per_s = 2;
	CU_ASSERT_EQUAL(vmk_tcp_set_params(host, NULL, &pa), 0);
	c = established(&l);
	for (int i = 0; i < 5; i++)
		peer_send(peer_nxt + 100 + i, 0, TCP_RST, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 2);
	timers_at(now + 999 * MS);
	peer_send(peer_nxt + 100, 0, TCP_SYN, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 1 * MS);                       /* a new second */
	peer_send(peer_nxt + 100, 0, TCP_SYN, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 1);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.challenge_acks, 3);
	CU_ASSERT_EQUAL(st.challenge_acks_limited, 4);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_CHALLENGED], 7);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_ESTABLISHED);
	/* 0: no limit */
	pa.challenge_acks_per_s = 0;
	CU_ASSERT_EQUAL(vmk_tcp_set_params(host, NULL, &pa), 0);
	for (int i = 0; i < 5; i++)
		peer_send(peer_nxt + 100 + i, 0, TCP_RST, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 5);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* ---- keepalive -------------------------------------------------------- */

static void test_keepalive_is_off_by_default(void)
{
	struct vmk_tcp_sock *l, *c;

	setup();
	c = established(&l);
	timers_at(now + 3 * 3600 * SEC);
	CU_ASSERT_EQUAL(n_out(), 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(vmk_tcp_set_keepalive(c, true, 0, 1000, 3), -EINVAL);
	CU_ASSERT_EQUAL(vmk_tcp_set_keepalive(c, true, 1000, 1000, 256), -EINVAL);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Idle 10 s, a probe every 2 s, 3 probes: an answer starts the idle time
 * again; three probes unanswered reset the connection. */
static void test_keepalive_probes_an_idle_peer_and_resets_after_unanswered_probes(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;
	char buf[4];

	setup();
	l = listener();
	CU_ASSERT_EQUAL(vmk_tcp_set_keepalive(l, true, 10000, 2000, 3), 0);
	c = accept_with(l, NULL, 65535);               /* inherited */
	timers_at(now + 9999 * MS);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 1 * MS);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.r.seq, our_iss);              /* SND.NXT - 1 */
	CU_ASSERT_EQUAL(o.len, 0);
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt);
	/* the peer answers: idle again */
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, 65535, NULL, NULL, 0);
	timers_at(now + 9 * SEC);
	CU_ASSERT_EQUAL(n_out(), 0);
	timers_at(now + 1 * SEC);
	CU_ASSERT_EQUAL(n_out(), 1);
	/* no more answers: probes at 2 s intervals, then the reset */
	timers_at(now + 2 * SEC);
	CU_ASSERT_EQUAL(n_out(), 1);
	timers_at(now + 2 * SEC);
	CU_ASSERT_EQUAL(n_out(), 1);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_ESTABLISHED);
	timers_at(now + 2 * SEC);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_RST);
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 1);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_CLOSED);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, buf, sizeof(buf), 0), -ETIMEDOUT);
	CU_ASSERT(vmk_tcp_poll(c) & VMK_TCP_POLL_ERR);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.keepalive_probes, 4);
	CU_ASSERT_EQUAL(st.keepalive_drops, 1);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

/* Unacknowledged data is the retransmission timer's: no probes, and the
 * data retries, not the probe count, end the connection. */
static void test_keepalive_does_not_probe_while_data_waits_for_an_ack(void)
{
	struct vmk_tcp_sock *l, *c;
	struct vmk_tcp_stats st;

	setup();
	c = established(&l);
	CU_ASSERT_EQUAL(vmk_tcp_set_keepalive(c, true, 1000, 1000, 1), 0);
	CU_ASSERT_EQUAL(vmk_tcp_send(c, "x", 1, 0), 1);
	CU_ASSERT_EQUAL(n_out(), 1);
	for (int i = 0; i < 5; i++) {
		timers_at(now + 1000 * MS);
		n_out();
	}
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_ESTABLISHED);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.keepalive_probes, 0);
	CU_ASSERT(st.timeouts > 0);
	vmk_tcp_abort(c);
	vmk_tcp_close(l);
	teardown();
}

/* ---- closing ---------------------------------------------------------- */

static unsigned int n_conns(void)
{
	return vmk_tcp_conn_list(host, NULL, NULL, 0);
}

static void test_active_close_goes_through_fin_wait_to_time_wait_which_expires(void)
{
	struct vmk_tcp_sock *l, *c;

	setup();
	c = established(&l);
	vmk_tcp_close(l);
	vmk_tcp_close(c);                             /* the handle goes, the connection stays */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_FIN | TCP_ACK);
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 1);
	CU_ASSERT_EQUAL(n_conns(), 1);
	peer_send(peer_nxt, our_iss + 2, TCP_ACK, 65535, NULL, NULL, 0);    /* FIN-WAIT-2 */
	CU_ASSERT_EQUAL(n_out(), 0);
	peer_send(peer_nxt, our_iss + 2, TCP_FIN | TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 1);
	{
		struct vmk_tcp_conn cn;

		CU_ASSERT_EQUAL(vmk_tcp_conn_list(host, NULL, &cn, 1), 1);
		CU_ASSERT_EQUAL(cn.state, VMK_TCP_TIME_WAIT);
	}
	/* a retransmitted FIN is acknowledged again */
	peer_send(peer_nxt, our_iss + 2, TCP_FIN | TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 1);
	timers_at(now + 59 * SEC);
	CU_ASSERT_EQUAL(n_conns(), 1);
	timers_at(now + 1 * SEC);                     /* 2 MSL = 60 s */
	CU_ASSERT_EQUAL(n_conns(), 0);
	/* and a segment for it now gets a RST */
	peer_send(peer_nxt + 1, our_iss + 2, TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT(o.r.flags & TCP_RST);
	teardown();
}

static void test_passive_close_goes_through_close_wait_and_last_ack(void)
{
	struct vmk_tcp_sock *l, *c;
	char buf[8];

	setup();
	c = established(&l);
	peer_send(peer_nxt, our_iss + 1, TCP_FIN | TCP_ACK, 65535, NULL, "bye", 3);
	CU_ASSERT_FATAL(next_seg());                  /* the FIN is acknowledged at once */
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 4);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_CLOSE_WAIT);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, buf, sizeof(buf), 0), 3);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, buf, sizeof(buf), 0), 0);    /* end of stream */
	CU_ASSERT_EQUAL(vmk_tcp_send(c, "ok", 2, 0), 2);               /* half-open */
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(vmk_tcp_shutdown(c, VMK_TCP_SHUT_WR), 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_LAST_ACK);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_FIN | TCP_ACK);
	CU_ASSERT_EQUAL(o.r.seq, our_iss + 3);
	peer_send(peer_nxt + 4, our_iss + 4, TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_CLOSED);
	CU_ASSERT(vmk_tcp_poll(c) & VMK_TCP_POLL_HUP);
	vmk_tcp_close(c);
	CU_ASSERT_EQUAL(n_conns(), 1);                /* the listener */
	vmk_tcp_close(l);
	CU_ASSERT_EQUAL(n_conns(), 0);
	teardown();
}

static void test_simultaneous_close_goes_through_closing_to_time_wait(void)
{
	struct vmk_tcp_sock *l, *c;

	setup();
	c = established(&l);
	CU_ASSERT_EQUAL(vmk_tcp_shutdown(c, VMK_TCP_SHUT_WR), 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT(o.r.flags & TCP_FIN);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_FIN_WAIT_1);
	/* the peer's FIN crosses ours (it has not seen ours) */
	peer_send(peer_nxt, our_iss + 1, TCP_FIN | TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_CLOSING);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.ack, peer_nxt + 1);
	peer_send(peer_nxt + 1, our_iss + 2, TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_TIME_WAIT);
	vmk_tcp_close(c);
	timers_at(now + 60 * SEC);
	CU_ASSERT_EQUAL(n_conns(), 1);                /* the listener */
	vmk_tcp_close(l);
	teardown();
}

static void test_closing_a_listener_resets_connections_not_yet_accepted(void)
{
	struct vmk_tcp_sock *l;

	setup();
	l = listener();
	peer_send(PISS, 0, TCP_SYN, 65535, NULL, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	our_iss = o.r.seq;
	peer_send(PISS + 1, our_iss + 1, TCP_ACK, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_conns(), 2);
	vmk_tcp_close(l);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT(o.r.flags & TCP_RST);
	CU_ASSERT_EQUAL(n_conns(), 0);
	teardown();
}

/* Found against Linux: a SYN flood filled the backlog with connections that
 * never complete, and a real client's SYN was dropped until they timed out. */
static void test_full_backlog_answers_with_a_syn_cookie_whose_ack_makes_the_connection(void)
{
	struct vmk_tcp_sock *l, *c = NULL;
	struct vmk_tcp_conn conns[8];
	struct vmk_tcp_stats st;
	struct tcp_repr syn, ack;
	uint32_t cookie;
	unsigned int n;
	char got[8];

	setup();
	l = listener();                               /* backlog 4 */
	for (pport = PPORT + 1; pport <= PPORT + 4; pport++)
		peer_send(PISS, 0, TCP_SYN, 65535, NULL, NULL, 0);
	CU_ASSERT_EQUAL(n_out(), 4);                  /* four SYN-ACKs, four blocks */
	CU_ASSERT_EQUAL(vmk_tcp_conn_list(host, NULL, NULL, 0), 5);
	pport = PPORT;
	tcp_repr_init(&syn);
	syn.mss = 1460;
	syn.wscale = 7;
	syn.sack_ok = true;
	syn.has_ts = true;
	syn.ts_val = 777;
	peer_send(PISS, 0, TCP_SYN, 65535, &syn, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(o.r.ack, PISS + 1);
	CU_ASSERT_EQUAL(o.r.mss, 8960);
	CU_ASSERT_EQUAL(o.r.wscale, 3);
	CU_ASSERT(o.r.sack_ok);
	CU_ASSERT(o.r.has_ts);
	CU_ASSERT_EQUAL(o.r.ts_ecr, 777);
	cookie = o.r.seq;
	CU_ASSERT_EQUAL(vmk_tcp_conn_list(host, NULL, NULL, 0), 5); /* nothing kept */
	/* an ACK with a forged number gets a RST and makes nothing */
	tcp_repr_init(&ack);
	ack.has_ts = true;
	ack.ts_val = 778;
	ack.ts_ecr = o.r.ts_val;
	peer_send(PISS + 1, cookie + 2, TCP_ACK, 100, &ack, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_RST);
	CU_ASSERT_EQUAL(vmk_tcp_conn_list(host, NULL, NULL, 0), 5);
	/* the real ACK, with data, makes an established connection */
	peer_send(PISS + 1, cookie + 1, TCP_ACK | TCP_PSH, 100, &ack, "hello", 5);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, &c, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(vmk_tcp_state(c), VMK_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(vmk_tcp_recv(c, got, sizeof(got), 0), 5);
	CU_ASSERT_EQUAL(memcmp(got, "hello", 5), 0);
	n = vmk_tcp_conn_list(host, NULL, conns, 8);
	for (unsigned int i = 0; i < n && i < 8; i++) {
		if (conns[i].foreign_port != PPORT)
			continue;
		CU_ASSERT_EQUAL(conns[i].mss, 1460 - 12);
		CU_ASSERT_EQUAL(conns[i].snd_wnd, 100u << 7);
	}
	CU_ASSERT_EQUAL(vmk_tcp_send(c, "ok", 2, 0), 2);
	while (next_seg() && o.r.payload_len == 0)
		;
	CU_ASSERT_EQUAL(o.r.seq, cookie + 1);
	CU_ASSERT_EQUAL(o.r.ack, PISS + 1 + 5);
	CU_ASSERT(o.r.has_ts);
	CU_ASSERT_EQUAL(o.r.ts_ecr, 778);
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.syncookies_sent, 1);
	CU_ASSERT_EQUAL(st.syncookies_ok, 1);
	CU_ASSERT_EQUAL(st.syncookies_bad, 1);
	vmk_tcp_close(c);
	vmk_tcp_close(l);
	teardown();
}

static void test_segment_with_a_bad_checksum_is_a_counted_drop(void)
{
	struct vmk_tcp_stats st;
	struct rte_mbuf *m;
	struct tcp_repr r;
	struct ipv4_repr ir = { .src = PEER_IP, .dst = VMK0_IP, .proto = IPPROTO_TCP, .ttl = 64,
				.payload_len = TCP_HLEN };

	setup();
	tcp_repr_init(&r);
	r.flags = TCP_SYN;
	r.dst_port = PORT;
	m = pkt_alloc(vmk_host_mempool(host), TCP_HLEN);
	tcp_emit(m, 0, &r, 0, PEER_IP, A(192, 0, 2, 9));   /* the wrong pseudo-header */
	ipv4_emit((struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, IPV4_HLEN), &ir);
	push_eth(m, vmk0->ifc.mac.addr_bytes, RTE_ETHER_TYPE_IPV4);
	input(m);
	CU_ASSERT_EQUAL(n_out(), 0);                  /* no RST for garbage */
	vmk_tcp_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_TCPDROP_BAD_CHECKSUM], 1);
	CU_ASSERT_STRING_EQUAL(vmk_tcp_drop_reason_name(VMK_TCPDROP_BAD_CHECKSUM), "bad_checksum");
	teardown();
}

static void test_isns_differ_per_connection_and_a_port_is_bound_once(void)
{
	struct vmk_tcp_sock *a, *b;
	uint32_t isn_a;

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &a), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &b), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(a, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(b, VMK0_IP, PORT), -EADDRINUSE);
	CU_ASSERT_EQUAL(vmk_tcp_bind(b, A(198, 51, 100, 1), 0), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, PEER_IP, PPORT, 0), -EINPROGRESS);
	CU_ASSERT_FATAL(next_seg());
	isn_a = o.r.seq;
	CU_ASSERT_EQUAL(vmk_tcp_connect(b, PEER_IP, PPORT + 1, 0), -EINPROGRESS);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_NOT_EQUAL(o.r.seq, isn_a);
	CU_ASSERT_EQUAL(vmk_netstack_remove(host, VMK_NETSTACK_DEFAULT), -EPERM);
	vmk_tcp_close(a);
	vmk_tcp_close(b);
	CU_ASSERT_EQUAL(n_conns(), 0);
	teardown();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("tcp", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tcp", NULL, NULL);
	ADD(s, test_syn_to_a_closed_port_gets_a_rst);
	ADD(s, test_passive_open_negotiates_mss_window_scale_timestamps_and_sack);
	ADD(s, test_options_the_peer_does_not_offer_are_not_used);
	ADD(s, test_active_open_sends_syn_with_options_and_completes);
	ADD(s, test_simultaneous_open_reaches_established);
	ADD(s, test_active_open_advertises_the_receive_room_whatever_the_peer_isn);
	ADD(s, test_connect_to_a_port_answering_rst_is_refused);
	ADD(s, test_unanswered_syn_is_retried_then_the_connect_times_out);
	ADD(s, test_data_is_acked_every_second_segment_or_after_the_delayed_ack_timeout);
	ADD(s, test_out_of_order_segment_is_held_until_the_hole_fills);
	ADD(s, test_data_held_beyond_a_hole_survives_the_reader_draining_the_buffer);
	ADD(s, test_a_receiver_holds_32_out_of_order_ranges_with_right_sack_blocks);
	ADD(s, test_sent_data_is_acked_and_the_window_limits_what_is_in_flight);
	ADD(s, test_a_window_larger_than_the_adapter_ring_waits_for_room_instead_of_dropping);
	ADD(s, test_unacked_data_is_retransmitted_after_the_rto_with_backoff);
	ADD(s, test_two_duplicate_acks_send_new_data_and_the_third_a_fast_retransmit);
	ADD(s, test_sack_blocks_report_the_newest_ranges_first);
	ADD(s, test_full_receive_buffer_advertises_zero_and_reading_reopens_it);
	ADD(s, test_offload_sends_several_segments_as_one_tso_frame_that_the_switch_cuts_for_a_wire);
	ADD(s, test_offload_fills_in_the_checksum_of_a_segment_with_cloned_payload_in_place);
	ADD(s, test_offload_refuses_a_frame_it_cannot_finish_and_frees_it);
	ADD(s, test_a_segment_without_checksum_is_taken_only_when_it_never_left_the_host);
	ADD(s, test_in_window_rst_with_the_wrong_sequence_gets_a_challenge_ack);
	ADD(s, test_syn_on_an_established_connection_gets_a_challenge_ack);
	ADD(s, test_a_netstack_set_to_cubic_gives_new_connections_cubic);
	ADD(s, test_challenge_acks_are_limited_to_the_netstack_budget_per_second);
	ADD(s, test_keepalive_is_off_by_default);
	ADD(s, test_keepalive_probes_an_idle_peer_and_resets_after_unanswered_probes);
	ADD(s, test_keepalive_does_not_probe_while_data_waits_for_an_ack);
	ADD(s, test_active_close_goes_through_fin_wait_to_time_wait_which_expires);
	ADD(s, test_passive_close_goes_through_close_wait_and_last_ack);
	ADD(s, test_simultaneous_close_goes_through_closing_to_time_wait);
	ADD(s, test_closing_a_listener_resets_connections_not_yet_accepted);
	ADD(s, test_full_backlog_answers_with_a_syn_cookie_whose_ack_makes_the_connection);
	ADD(s, test_segment_with_a_bad_checksum_is_a_counted_drop);
	ADD(s, test_isns_differ_per_connection_and_a_port_is_bound_once);
	return th_run_suites();
}
