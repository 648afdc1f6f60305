/*
 * TCP input (RFC 9293 3.10.7, "SEGMENT ARRIVES"): validation by the wire
 * layer, demultiplexing to a connection or a listener, the handshake
 * (passive, active and simultaneous open), the sequence acceptability test
 * with PAWS (RFC 7323), RFC 5961 challenge ACKs for in-window RSTs and
 * SYNs, ACK processing (RTT samples, congestion control and NewReno loss
 * recovery, window updates), data into the receive queue (the segment's
 * mbufs themselves, in order or held beyond a hole: tcp_rcvq.c), FIN
 * handling and RSTs to segments no socket wants. Every segment is consumed
 * here: taken by the receive queue or freed. Lock held (see tcp.h).
 */
#include <errno.h>
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"
#include "tcpip/wire_ipv4.h"

struct seg {
	struct tcp_repr r;
	struct rte_mbuf *m;
	bool taken;                   /* m went to a receive queue */
	uint32_t data_off;            /* payload offset in m */
	uint32_t len;                 /* payload bytes (after trimming) */
	rte_be32_t src, dst;
};

static inline uint32_t seg_len(const struct seg *s)
{
	return s->len + ((s->r.flags & TCP_SYN) ? 1 : 0) + ((s->r.flags & TCP_FIN) ? 1 : 0);
}

static void count_drop(struct netstack *ns, enum vmk_tcp_drop_reason why)
{
	ns->tcp->st.drops[why]++;
}

/* RFC 9293: a segment for no connection gets a RST unless it is one. */
static void reply_rst(struct netstack *ns, const struct seg *s, uint64_t now)
	VMK_REQUIRES(ns->lock)
{
	if (s->r.flags & TCP_RST)
		return;
	if (s->r.flags & TCP_ACK)
		tcp_send_rst(ns, s->dst, s->r.dst_port, s->src, s->r.src_port, s->r.ack, 0,
			     false, now);
	else
		tcp_send_rst(ns, s->dst, s->r.dst_port, s->src, s->r.src_port, 0,
			     s->r.seq + seg_len(s), true, now);
}

/* Options of the peer's SYN (or SYN-ACK): what both sides agreed. */
static void apply_syn_options(struct vmk_tcp_sock *p, const struct seg *s)
	VMK_REQUIRES(p->ns->lock)
{
	const struct tcp_repr *r = &s->r;
	uint32_t peer_mss = r->mss != 0 ? r->mss : TCP_DEFAULT_MSS;

	p->adv_mss = p->adv_mss != 0 ? p->adv_mss : tcp_mss_for(p->ns, p);
	if (r->wscale >= 0) {
		p->flags |= TCPF_WSCALE;
		p->snd_ws = (uint8_t)r->wscale;
		p->rcv_ws = tcp_wscale_for(p->rcv_size);
	} else {
		p->flags &= ~TCPF_WSCALE;
		p->snd_ws = p->rcv_ws = 0;
	}
	if (r->has_ts) {
		p->flags |= TCPF_TS;
		p->ts_recent = r->ts_val;
	} else {
		p->flags &= ~TCPF_TS;
	}
	if (r->sack_ok)
		p->flags |= TCPF_SACK_OK;
	else
		p->flags &= ~TCPF_SACK_OK;
	p->mss = (uint16_t)(RTE_MIN(peer_mss, (uint32_t)p->adv_mss) -
			    ((p->flags & TCPF_TS) ? 12 : 0));
	p->snd_wnd = r->win;              /* never scaled in a SYN */
	p->max_snd_wnd = p->snd_wnd;
	p->snd_wl1 = r->seq;
	p->snd_wl2 = r->ack;
	p->irs = r->seq;
	p->rcv_nxt = r->seq + 1;
	/* An active open's SYN offered its window before RCV.NXT was known:
	 * nothing is promised yet beyond RCV.NXT (a SYN-ACK we send sets the
	 * edge again). */
	p->rcv_adv = p->rcv_nxt;
	p->last_ack_sent = p->rcv_nxt;
	p->cc->init(p);
}

static void conn_input(struct vmk_tcp_sock *p, struct seg *s, uint64_t now);

/* A passive child of l for the segment's 4-tuple, with its buffers; NULL
 * (counted) when there is no memory. */
static struct vmk_tcp_sock *child_new(struct vmk_tcp_sock *l, const struct seg *s)
{
	struct netstack *ns = l->ns;
	struct vmk_tcp_sock *c = tcp_pcb_new(ns);

	if (c == NULL) {
		count_drop(ns, VMK_TCPDROP_NO_MEMORY);
		return NULL;
	}
	c->snd_size = l->snd_size;
	c->rcv_size = l->rcv_size;
	c->flags = TCPF_PASSIVE | (l->flags & TCPF_NODELAY);
	c->tclass = l->tclass;
	c->world = l->world;
	c->ka_idle_ms = l->ka_idle_ms;
	c->ka_intvl_ms = l->ka_intvl_ms;
	c->ka_count = l->ka_count;
	c->laddr = s->dst;
	c->lport = s->r.dst_port;
	c->faddr = s->src;
	c->fport = s->r.src_port;
	tcp_pcb_buffers(c);
	c->listener = l;
	l->n_children++;
	return c;
}

static struct tcp_cookie_key cookie_key(const struct seg *s, uint32_t irs)
{
	struct tcp_cookie_key k = { .laddr = s->dst, .faddr = s->src, .lport = s->r.dst_port,
				    .fport = s->r.src_port, .irs = irs };
	return k;
}

/* The backlog is full: answer the SYN with a cookie and keep nothing. */
static void send_cookie(struct vmk_tcp_sock *l, const struct seg *s, uint64_t now)
	VMK_REQUIRES(l->ns->lock)
{
	struct netstack *ns = l->ns;
	struct tcp_cookie_key k = cookie_key(s, s->r.seq);
	struct tcp_cookie c = { .mss = s->r.mss != 0 ? s->r.mss : TCP_DEFAULT_MSS,
				.wscale = s->r.wscale, .sack_ok = s->r.sack_ok,
				.has_ts = s->r.has_ts };
	struct tcp_repr r;

	tcp_repr_init(&r);
	r.src_port = s->r.dst_port;
	r.dst_port = s->r.src_port;
	r.seq = tcp_cookie_make(ns, &k, &c, now);
	r.ack = s->r.seq + 1;
	r.flags = TCP_SYN | TCP_ACK;
	r.win = (uint16_t)RTE_MIN(l->rcv_size, 65535u);
	r.mss = tcp_mss_to(l->ns, s->src, s->dst);
	if (s->r.wscale >= 0)
		r.wscale = (int8_t)tcp_wscale_for(l->rcv_size);
	r.sack_ok = s->r.sack_ok;
	if (s->r.has_ts) {
		r.has_ts = true;
		r.ts_val = tcp_ts_now(now);
		r.ts_ecr = s->r.ts_val;
	}
	ns->tcp->st.syncookies_sent++;
	tcp_send_bare(l->ns, s->dst, s->src, &r, now);
}

static unsigned int accept_queue_len(const struct vmk_tcp_sock *l)
{
	unsigned int n = 0;

	for (const struct vmk_tcp_sock *c = l->aq_head; c != NULL; c = c->aq_next)
		n++;
	return n;
}

/* An ACK to a listener may complete a handshake answered with a cookie:
 * returns the connection made from it (SYN-RECEIVED, for conn_input to
 * finish), NULL with *silent false when the ACK deserves a RST, NULL with
 * *silent true when the accept queue has no room (the peer will retry). */
static struct vmk_tcp_sock *cookie_child(struct vmk_tcp_sock *l, struct seg *s, uint64_t now,
					 bool *silent)
{
	struct netstack *ns = l->ns;
	struct tcp_cookie_key k = cookie_key(s, s->r.seq - 1);
	struct tcp_cookie ck;
	struct vmk_tcp_sock *c;
	struct seg syn = *s;                 /* the SYN, as the cookie remembers it */

	*silent = false;
	if ((s->r.flags & TCP_SYN) || !tcp_cookie_check(ns, &k, s->r.ack - 1, now, &ck)) {
		ns->tcp->st.syncookies_bad++;
		return NULL;
	}
	*silent = true;
	if (accept_queue_len(l) >= l->backlog) {
		count_drop(ns, VMK_TCPDROP_BACKLOG_FULL);
		return NULL;
	}
	c = child_new(l, s);
	if (c == NULL)
		return NULL;
	ns_lock_held(c->ns); /* a child is its listener's netstack's */
	syn.r.seq = k.irs;
	syn.r.mss = ck.mss;
	syn.r.wscale = ck.wscale;
	syn.r.sack_ok = ck.sack_ok;
	syn.r.has_ts = ck.has_ts && s->r.has_ts;
	apply_syn_options(c, &syn);
	c->iss = s->r.ack - 1;
	c->snd_una = c->recover = c->high_rxt = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->state = VMK_TCP_SYN_RECEIVED;
	tcp_pcb_hash(c);
	ns->tcp->st.passive_opens++;
	ns->tcp->st.syncookies_ok++;
	return c;
}

static void listen_input(struct vmk_tcp_sock *l, struct seg *s, uint64_t now)
	VMK_REQUIRES(l->ns->lock)
{
	struct netstack *ns = l->ns;
	struct vmk_tcp_sock *c;
	bool silent;

	if (s->r.flags & TCP_RST)
		return;
	if (s->r.flags & TCP_ACK) {
		c = cookie_child(l, s, now, &silent);
		if (c != NULL) {
			conn_input(c, s, now);
		} else if (!silent) {
			reply_rst(l->ns, s, now);
			count_drop(ns, VMK_TCPDROP_BAD_ACK);
		}
		return;
	}
	if (!(s->r.flags & TCP_SYN))
		return;
	if (l->n_children >= l->backlog) {
		send_cookie(l, s, now);
		return;
	}
	c = child_new(l, s);
	if (c == NULL)
		return;
	ns_lock_held(c->ns); /* a child is its listener's netstack's */
	apply_syn_options(c, s);
	c->iss = tcp_isn(ns, c->laddr, c->lport, c->faddr, c->fport, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->recover = c->high_rxt = c->iss;
	c->state = VMK_TCP_SYN_RECEIVED;
	tcp_pcb_hash(c);
	ns->tcp->st.passive_opens++;
	c->flags |= TCPF_RTT_TIMING;
	c->rtt_seq = c->iss;
	c->rtt_start_us = now;
	tcp_send_syn(c, now);
}

static void syn_sent_input(struct vmk_tcp_sock *p, struct seg *s, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	struct netstack *ns = p->ns;
	const struct tcp_repr *r = &s->r;
	bool ack_ok = false;

	if (r->flags & TCP_ACK) {
		if (seq_le(r->ack, p->iss) || seq_gt(r->ack, p->snd_max)) {
			if (!(r->flags & TCP_RST))
				reply_rst(p->ns, s, now);
			count_drop(ns, VMK_TCPDROP_BAD_ACK);
			return;
		}
		ack_ok = true;
	}
	if (r->flags & TCP_RST) {
		if (ack_ok) {
			ns->tcp->st.attempt_fails++;
			tcp_set_closed(p, -ECONNREFUSED);
		}
		return;
	}
	if (!(r->flags & TCP_SYN))
		return;
	apply_syn_options(p, s);
	if (ack_ok) {
		if ((p->flags & TCPF_RTT_TIMING) && p->n_retries == 0)
			tcp_rtt_sample(p, (uint32_t)(now - p->rtt_start_us));
		p->flags &= ~TCPF_RTT_TIMING;
		p->snd_una = r->ack;
		p->snd_nxt = p->snd_max = p->recover = r->ack;
		p->t_rexmt = 0;
		p->n_retries = 0;
		p->n_backoff = 0;
		tcp_set_state(p, VMK_TCP_ESTABLISHED);
		p->flags |= TCPF_ACK_NOW;
		tcp_output(p, now);
		return;
	}
	/* Simultaneous open: both sent a SYN; answer with SYN-ACK, same ISS. */
	p->state = VMK_TCP_SYN_RECEIVED;
	tcp_send_syn(p, now);
}

/* RFC 9293 3.10.7.4 first check, with RCV.WND the room we really have. */
static bool acceptable(const struct vmk_tcp_sock *p, const struct seg *s)
{
	uint32_t wnd = tcp_rcvq_room(p), seq = s->r.seq, len = seg_len(s);

	if (len == 0) {
		if (wnd == 0)
			return seq == p->rcv_nxt;
		return seq_le(p->rcv_nxt, seq) && seq_lt(seq, p->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return seq == p->rcv_nxt;         /* ACK, RST and FIN still count */
	return (seq_le(p->rcv_nxt, seq) && seq_lt(seq, p->rcv_nxt + wnd)) ||
	       (seq_le(p->rcv_nxt, seq + len - 1) && seq_lt(seq + len - 1, p->rcv_nxt + wnd));
}

/* Cut the segment to the receive window: old bytes at the front, bytes
 * beyond the room at the back (a FIN past the room goes too). */
static void trim(struct vmk_tcp_sock *p, struct seg *s)
{
	uint32_t wnd = tcp_rcvq_room(p);

	if (seq_lt(s->r.seq, p->rcv_nxt)) {
		uint32_t d = p->rcv_nxt - s->r.seq;

		if (s->r.flags & TCP_SYN) {
			s->r.flags &= (uint8_t)~TCP_SYN;
			d--;
			s->r.seq++;
		}
		d = RTE_MIN(d, s->len);
		if (d > 0)                        /* RFC 2883: bytes we had */
			tcp_dsack_note(p, s->r.seq, s->r.seq + d);
		s->data_off += d;
		s->len -= d;
		s->r.seq += d;
	}
	if (seq_gt(s->r.seq + s->len, p->rcv_nxt + wnd)) {
		s->len = p->rcv_nxt + wnd - s->r.seq;
		s->r.flags &= (uint8_t)~TCP_FIN;
		p->flags |= TCPF_ACK_NOW;         /* tell the sender what fits */
	}
}

/* RFC 5961 3.2 and 4.2, with the per-netstack budget of 7 (an attacker
 * must not turn the challenges into a flood, nor count them). */
static void challenge_ack(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	struct tcp_stack *t = p->ns->tcp;
	uint32_t limit = t->params.challenge_acks_per_s;

	count_drop(p->ns, VMK_TCPDROP_CHALLENGED);
	if (limit != 0) {
		if (now - t->chack_second >= 1000000ull) {
			t->chack_second = now;
			t->chack_sent = 0;
		}
		if (t->chack_sent >= limit) {
			t->st.challenge_acks_limited++;
			return;
		}
		t->chack_sent++;
	}
	t->st.challenge_acks++;
	tcp_send_ack(p, now);
}

/* Retransmit the segment at SND.UNA (up to the first SACKed byte). */
static void retransmit_first(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	uint32_t len = RTE_MIN(tcp_seg_room(p), p->sndq.len);

	if (p->flags & TCPF_SACK_OK) {
		len = RTE_MIN(len, tcp_sack_next_sacked(p, p->snd_una) - p->snd_una);
		p->high_rxt = p->snd_una + len;
		tcp_rack_sent(p, p->snd_una, p->snd_una + len, now);
	}
	p->ns->tcp->st.retrans++;
	tcp_send_segment(p, p->snd_una, len, TCP_ACK, now);
}

/* Fast retransmit: RFC 6675 5 (4) with SACK, RFC 6582 3.2 (2) without;
 * `delivered`: the bytes the ACK that starts it newly SACKed (PRR). */
static void enter_recovery(struct vmk_tcp_sock *p, uint32_t delivered, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	/* a SACKed tail loss probe: the holes below it are lost (tcp_rack.c) */
	p->lost_below = tcp_tlp_sacked(p) ? p->tlp_seq : p->snd_una;
	p->recover = p->snd_max;
	p->flags |= TCPF_IN_RECOVERY;
	p->flags &= ~(TCPF_RTT_TIMING | TCPF_TLP_OUT);
	p->t_tlp = 0;
	p->n_rxt = 0;
	tcp_undo_save(p, now);
	p->cc->enter_recovery(p, now);
	p->ns->tcp->st.fast_retrans++;
	p->high_rxt = p->snd_una;            /* nothing resent in this one yet */
	if (p->flags & TCPF_SACK_OK)         /* no window inflation: PRR */
		tcp_prr_start(p);
	retransmit_first(p, now);
	if (p->flags & TCPF_SACK_OK) {
		tcp_prr_ack(p, delivered, false);
		tcp_sack_retransmit(p, now);
	}
	tcp_arm_rexmt(p, now);
}

/* What an ACK delivered (RFC 9937 DeliveredData): SND.UNA's advance plus
 * the change in SACKed bytes (those it cumulatively acknowledged leave
 * the scoreboard, counted once); sacked0 was the scoreboard's before. */
static uint32_t delivered_bytes(const struct vmk_tcp_sock *p, uint32_t acked, uint32_t sacked0)
{
	int64_t d = (int64_t)acked + tcp_sack_bytes(p) - sacked0;

	return d > 0 ? (uint32_t)d : 0;
}

/* New data acknowledged: returns false when p was freed (LAST-ACK done).
 * `sacked0`: the bytes the scoreboard held SACKed before this ACK. */
static bool ack_advanced(struct vmk_tcp_sock *p, uint32_t ack, uint32_t sacked0, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	uint32_t acked = ack - p->snd_una, data = RTE_MIN(acked, p->sndq.len);
	bool fin_acked = (p->flags & TCPF_FIN_SENT) && acked > p->sndq.len;

	if ((p->flags & TCPF_RTT_TIMING) && seq_gt(ack, p->rtt_seq)) {
		tcp_rtt_sample(p, (uint32_t)(now - p->rtt_start_us));
		p->flags &= ~TCPF_RTT_TIMING;
	}
	tcp_sndq_consume(&p->sndq, data);
	p->snd_una = ack;
	if (seq_lt(p->snd_nxt, p->snd_una))
		p->snd_nxt = p->snd_una;
	tcp_sack_prune(p);
	p->n_retries = 0;
	p->n_backoff = 0;
	p->flags &= ~TCPF_TLP_OUT;
	if (p->flags & TCPF_IN_RECOVERY) {
		if (seq_ge(ack, p->recover)) {
			p->cc->exit_recovery(p);
			if (p->flags & TCPF_SACK_OK)     /* RFC 9937: PRR ends at ssthresh */
				p->cwnd = p->ssthresh;
			p->flags &= ~(TCPF_IN_RECOVERY | TCPF_UNDO_OK);
			p->dupacks = 0;
			p->n_rxt = 0;
		} else if (!(p->flags & TCPF_SACK_OK)) { /* partial ACK: next hole at once */
			p->cc->on_partial_ack(p, acked);
			retransmit_first(p, now);
		} else {
			tcp_prr_ack(p, delivered_bytes(p, acked, sacked0), true);
			if (!(p->flags & TCPF_SACK_SEEN) && p->high_rxt == p->snd_una)
				/* A peer that allowed SACK but sends no blocks:
				 * NewReno's partial ACK. From a peer that does
				 * send them, an empty scoreboard means nothing is
				 * known lost (a recovery started by reordering or
				 * duplicated ACKs): resending SND.UNA on every ACK
				 * would resend the whole window. */
				retransmit_first(p, now);
			else
				tcp_sack_retransmit(p, now);
		}
	} else {
		p->dupacks = 0;
		p->cc->on_ack(p, acked, now);
	}
	if (p->snd_una == p->snd_max)
		p->t_rexmt = p->t_tlp = 0;
	else
		tcp_arm_rexmt(p, now);
	if (!fin_acked)
		return true;
	switch (p->state) {
	case VMK_TCP_FIN_WAIT_1:
		p->state = VMK_TCP_FIN_WAIT_2;
		/* Nobody holds it and the peer may never close: bound the wait. */
		if (!(p->flags & TCPF_USER))
			p->t_2msl = now + 2ull * p->ns->tcp->params.msl_ms * 1000ull;
		break;
	case VMK_TCP_CLOSING:
		tcp_enter_time_wait(p, now);
		break;
	case VMK_TCP_LAST_ACK:
		tcp_set_closed(p, 0);
		return false;
	default:
		break;
	}
	return true;
}

/* A duplicate ACK (see process_ack): loss recovery after DupThresh of
 * them (lower with few segments out: RFC 5827), as soon as the scoreboard
 * says SND.UNA is lost, or when a tail loss probe was SACKed; further ones
 * in recovery inflate the window (NewReno) or free pipe for more
 * retransmissions (SACK). */
static void duplicate_ack(struct vmk_tcp_sock *p, uint32_t delivered, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	bool sack = (p->flags & TCPF_SACK_OK) != 0;

	if (p->flags & TCPF_IN_RECOVERY) {
		if (sack) {
			tcp_prr_ack(p, delivered, false);
			tcp_sack_retransmit(p, now);
		} else {
			p->cc->on_dupack(p);
		}
		return;
	}
	/* RFC 6582 3.2 (1), 4.1: still the old episode (a timeout's go-back),
	 * unless SND.UNA reached the recovery point (HighData + 1) */
	if (seq_lt(p->snd_una, p->recover)) {
		if (++p->dupacks == TCP_DUPACK_THRESH)
			p->dupacks = 0;
		return;
	}
	if (++p->dupacks >= tcp_dupthresh(p) || (sack && tcp_sack_is_lost(p, p->snd_una)) ||
	    (sack && tcp_tlp_sacked(p)))
		enter_recovery(p, delivered, now);
}

/* RFC 9293 3.10.7.4 fifth check for synchronized states. Returns false
 * when the segment is done with (or p was freed). */
static bool process_ack(struct vmk_tcp_sock *p, struct seg *s, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	const struct tcp_repr *r = &s->r;
	bool wnd_changed = false, sack_news = false, dup;
	uint32_t sacked0 = tcp_sack_bytes(p);

	if (seq_gt(r->ack, p->snd_max)) {
		tcp_send_ack(p, now);
		count_drop(p->ns, VMK_TCPDROP_BAD_ACK);
		return false;
	}
	if (seq_lt(p->snd_wl1, r->seq) ||
	    (p->snd_wl1 == r->seq && seq_le(p->snd_wl2, r->ack))) {
		uint32_t w = (uint32_t)r->win << p->snd_ws;

		wnd_changed = w != p->snd_wnd;
		p->snd_wnd = w;
		p->max_snd_wnd = RTE_MAX(p->max_snd_wnd, w);
		p->snd_wl1 = r->seq;
		p->snd_wl2 = r->ack;
	}
	if ((p->flags & TCPF_SACK_OK) && r->n_sack > 0) {
		p->flags |= TCPF_SACK_SEEN;
		tcp_sack_update(p, r, &sack_news);
		if (sack_news)
			tcp_tlp_sack_news(p, now);
	}
	if (seq_gt(r->ack, p->snd_una)) {
		tcp_undo_check(p, r);             /* RFC 3522: the recovery was spurious */
		if (!ack_advanced(p, r->ack, sacked0, now))
			return false;
		tcp_rack_detect(p, now);
		return true;
	}
	/* RFC 6675 2: from a peer that sends SACK blocks, a duplicate ACK is
	 * one that SACKs new data; the same ACK again (duplicated, or
	 * reordered) says nothing new. Otherwise RFC 5681's. */
	if (p->flags & TCPF_SACK_SEEN)
		dup = sack_news;
	else
		dup = s->len == 0 && !wnd_changed && !(r->flags & (TCP_SYN | TCP_FIN));
	if (r->ack == p->snd_una && p->snd_max != p->snd_una && dup)
		duplicate_ack(p, delivered_bytes(p, 0, sacked0), now);
	tcp_rack_detect(p, now);
	return true;
}

/* SYN-RECEIVED and an ACK of our SYN: established. */
static bool syn_received_ack(struct vmk_tcp_sock *p, struct seg *s, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	const struct tcp_repr *r = &s->r;
	struct vmk_tcp_sock *l = p->listener;

	if (seq_le(r->ack, p->snd_una) || seq_gt(r->ack, p->snd_max)) {
		reply_rst(p->ns, s, now);
		count_drop(p->ns, VMK_TCPDROP_BAD_ACK);
		return false;
	}
	if ((p->flags & TCPF_RTT_TIMING) && p->n_retries == 0)
		tcp_rtt_sample(p, (uint32_t)(now - p->rtt_start_us));
	p->flags &= ~TCPF_RTT_TIMING;
	p->snd_una = p->iss + 1;
	p->t_rexmt = 0;
	p->n_retries = 0;
	p->n_backoff = 0;
	p->snd_wnd = (uint32_t)r->win << p->snd_ws;
	p->max_snd_wnd = p->snd_wnd;
	p->snd_wl1 = r->seq;
	p->snd_wl2 = r->ack;
	tcp_set_state(p, VMK_TCP_ESTABLISHED);
	if (l != NULL && (p->flags & TCPF_PASSIVE)) {
		p->flags |= TCPF_ACCEPTQ;
		if (l->aq_tail != NULL)
			l->aq_tail->aq_next = p;
		else
			l->aq_head = p;
		l->aq_tail = p;
		tcp_ready_update(l, VMK_EPOLLIN);  /* one edge per connection */
	}
	return true;
}

static void fin_received(struct vmk_tcp_sock *p, uint64_t now)
{
	p->rcv_nxt++;
	p->flags |= TCPF_FIN_RCVD | TCPF_ACK_NOW;
	p->flags &= ~TCPF_OOO_FIN;
	switch (p->state) {
	case VMK_TCP_SYN_RECEIVED:
	case VMK_TCP_ESTABLISHED:
		p->state = VMK_TCP_CLOSE_WAIT;
		break;
	case VMK_TCP_FIN_WAIT_1:
		p->state = VMK_TCP_CLOSING;      /* simultaneous close */
		break;
	case VMK_TCP_FIN_WAIT_2:
		tcp_enter_time_wait(p, now);
		break;
	case VMK_TCP_TIME_WAIT:
		tcp_enter_time_wait(p, now);
		break;
	default:
		break;
	}
}

static void data_received(struct vmk_tcp_sock *p, struct seg *s)
{
	uint32_t seq = s->r.seq, len = s->len;
	bool in_order = seq == p->rcv_nxt, gap = p->ooo.n > 0;
	int ret;

	if (p->flags & TCPF_RD_SHUT) {           /* nobody will read it */
		if (seq == p->rcv_nxt)
			p->rcv_nxt += len;
		p->flags |= TCPF_ACK_NOW;
		return;
	}
	s->taken = true;
	ret = tcp_rcvq_input(p, s->m, s->data_off, seq, len);
	if (ret < 0) {                           /* not held: the sender repeats it */
		count_drop(p->ns, ret == -ENOSPC ? VMK_TCPDROP_OOO_FULL :
				  ret == -ENOMEM ? VMK_TCPDROP_RCV_MEMORY : VMK_TCPDROP_NO_MEMORY);
		p->flags |= TCPF_ACK_NOW;
		return;
	}
	if (in_order) {
		/* a segment that fills part of a hole is acknowledged at
		 * once (RFC 5681 4.2) */
		if (gap)
			p->flags |= TCPF_ACK_NOW;
		/* RFC 5681 4.2: ACK at least every second full-sized segment. */
		if (++p->segs_unacked >= 2)
			p->flags |= TCPF_ACK_NOW;
		else
			p->flags |= TCPF_DELACK;
		return;
	}
	/* Beyond a hole: held, duplicate ACK at once. */
	p->flags |= TCPF_ACK_NOW;
	memmove(&p->ooo_recent[1], &p->ooo_recent[0],
		(TCP_MAX_SACK - 1) * sizeof(p->ooo_recent[0]));
	p->ooo_recent[0] = seq;
	if (p->n_ooo_recent < TCP_MAX_SACK)
		p->n_ooo_recent++;
}

static bool rst_or_syn(struct vmk_tcp_sock *p, struct seg *s, uint32_t orig_seq, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	struct tcp_stack *t = p->ns->tcp;

	if (s->r.flags & TCP_RST) {
		if (orig_seq != p->rcv_nxt) {    /* in window, not exact: RFC 5961 3.2 */
			challenge_ack(p, now);
			return true;
		}
		if (p->state == VMK_TCP_SYN_RECEIVED) {
			tcp_set_closed(p, (p->flags & TCPF_PASSIVE) ? -ECONNRESET : -ECONNREFUSED);
			return true;
		}
		if (p->state != VMK_TCP_TIME_WAIT)
			t->st.resets_rx++;
		tcp_set_closed(p, p->state == VMK_TCP_CLOSING || p->state == VMK_TCP_LAST_ACK ||
				  p->state == VMK_TCP_TIME_WAIT ? 0 : -ECONNRESET);
		return true;
	}
	if (s->r.flags & TCP_SYN) {              /* RFC 5961 4.2 */
		challenge_ack(p, now);
		return true;
	}
	return false;
}

/* PAWS (RFC 7323 5) protects data from old duplicates; a pure duplicate
 * ACK that a later one overtook (reordering) carries SACK blocks and
 * risks nothing: taken, as Linux's tcp_disordered_ack does, when it acks
 * SND.UNA exactly, moves no window, sits at RCV.NXT and its timestamp is
 * at most an RTO older than TS.Recent. */
static bool disordered_ack(const struct vmk_tcp_sock *p, const struct seg *s)
{
	const struct tcp_repr *r = &s->r;

	return (r->flags & (TCP_ACK | TCP_SYN | TCP_FIN | TCP_RST)) == TCP_ACK && s->len == 0 &&
	       r->seq == p->rcv_nxt && r->ack == p->snd_una &&
	       ((uint32_t)r->win << p->snd_ws) == p->snd_wnd &&
	       p->ts_recent - r->ts_val <= p->rto_us / 1000u + 1u;
}

static void conn_input(struct vmk_tcp_sock *p, struct seg *s, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	struct tcp_stack *t = p->ns->tcp;
	struct tcp_repr *r = &s->r;
	uint32_t orig_seq = r->seq;

	if ((p->flags & TCPF_TS) && r->has_ts && !(r->flags & TCP_RST) &&
	    seq_lt(r->ts_val, p->ts_recent) && !disordered_ack(p, s)) {
		tcp_send_ack(p, now);
		count_drop(p->ns, VMK_TCPDROP_PAWS);
		return;
	}
	/* An old SYN (a retransmitted SYN-ACK, or the peer's SYN-ACK in a
	 * simultaneous open) is trimmed off first, as BSD does, and what is
	 * left processed as the ACK it carries. */
	if ((r->flags & TCP_SYN) && r->seq + 1 == p->rcv_nxt) {
		r->flags &= (uint8_t)~TCP_SYN;
		r->seq++;
		orig_seq = r->seq;
		p->flags |= TCPF_ACK_NOW;
	}
	if (!acceptable(p, s)) {
		if (!(r->flags & TCP_RST)) {
			if (p->state == VMK_TCP_TIME_WAIT && (r->flags & TCP_FIN))
				tcp_enter_time_wait(p, now);
			if (s->len > 0 && seq_le(r->seq + s->len, p->rcv_nxt))
				tcp_dsack_note(p, r->seq, r->seq + s->len); /* RFC 2883 */
			tcp_send_ack(p, now);
		}
		count_drop(p->ns, VMK_TCPDROP_OUT_OF_WINDOW);
		return;
	}
	trim(p, s);
	tcp_keepalive_heard(p, now);
	if (rst_or_syn(p, s, orig_seq, now))
		return;
	if (!(r->flags & TCP_ACK))
		return;
	if (r->has_ts && (p->flags & TCPF_TS) && seq_le(orig_seq, p->last_ack_sent) &&
	    seq_ge(r->ts_val, p->ts_recent)) {
		p->ts_recent = r->ts_val;
		p->ts_recent_us = now;
	}
	if (p->state == VMK_TCP_SYN_RECEIVED && !syn_received_ack(p, s, now))
		return;
	if (!process_ack(p, s, now))
		return;
	if (s->len > 0 && (p->state == VMK_TCP_ESTABLISHED || p->state == VMK_TCP_FIN_WAIT_1 ||
			   p->state == VMK_TCP_FIN_WAIT_2))
		data_received(p, s);
	if (r->flags & TCP_FIN) {
		uint32_t fin_seq = r->seq + s->len;

		if (fin_seq == p->rcv_nxt && !(p->flags & TCPF_FIN_RCVD)) {
			fin_received(p, now);
		} else if (seq_gt(fin_seq, p->rcv_nxt)) {
			p->flags |= TCPF_OOO_FIN;
			p->rcv_fin_seq = fin_seq;
		}
	}
	if ((p->flags & TCPF_OOO_FIN) && p->rcv_nxt == p->rcv_fin_seq)
		fin_received(p, now);
	tcp_output(p, now);
	if ((p->flags & TCPF_DELACK) && p->t_delack == 0)
		p->t_delack = now + t->params.delack_us;
}

void tcp_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint16_t hlen,
	       uint64_t now)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	struct tcp_stack *t = ns->tcp;
	struct vmk_tcp_sock *p;
	struct seg s;
	int ret;

	t->now = now;
	ret = tcp_parse(&s.r, m, hlen, m->pkt_len - hlen, h->src_addr, h->dst_addr);
	if (ret < 0) {
		count_drop(ns, (enum vmk_tcp_drop_reason)-ret);
		rte_pktmbuf_free(m);
		return;
	}
	t->st.segs_rx++;
	s.m = m;
	s.taken = false;
	s.src = h->src_addr;
	s.dst = h->dst_addr;
	s.data_off = hlen + s.r.hlen;
	s.len = s.r.payload_len;
	if (s.dst != ifc->addr) {                 /* no TCP to broadcasts */
		count_drop(ns, VMK_TCPDROP_NO_SOCKET);
		rte_pktmbuf_free(m);
		return;
	}
	p = tcp_lookup(ns, s.dst, s.r.dst_port, s.src, s.r.src_port);
	if (p == NULL) {
		struct vmk_tcp_sock *l = tcp_lookup_listener(ns, s.dst, s.r.dst_port);

		if (l != NULL) {
			ns_lock_held(l->ns); /* found in ns */
			listen_input(l, &s, now);
		} else {
			count_drop(ns, VMK_TCPDROP_NO_SOCKET);
			reply_rst(ns, &s, now);
		}
	} else {
		/* Only a block without a handle can be freed on the way. */
		bool user = (p->flags & TCPF_USER) != 0;
		uint32_t rcv_nxt = p->rcv_nxt;

		ns_lock_held(p->ns); /* found in ns */
		if (p->state == VMK_TCP_SYN_SENT)
			syn_sent_input(p, &s, now);
		else
			conn_input(p, &s, now);
		if (user)      /* new data or a FIN: an arrival, an edge */
			tcp_ready_update(p, p->rcv_nxt != rcv_nxt ? VMK_EPOLLIN : 0);
	}
	if (!s.taken)
		rte_pktmbuf_free(m);
}
