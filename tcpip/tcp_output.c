/*
 * TCP output: building segments (header, options, and the payload as
 * clones of the send queue's mbufs: tcp_sndq_payload) and handing them to
 * IPv4 output; deciding what the send, congestion and receive windows
 * allow (sender silly-window avoidance and Nagle); ACKs, SYNs and RSTs.
 * Lock held (see tcp.h).
 *
 * Offload (tcp_stack.tx_offload, on by default): a segment leaves with its
 * checksum left to RTE_MBUF_F_TX_TCP_CKSUM, and data goes in segments of
 * up to 64 KiB marked RTE_MBUF_F_TX_TCP_SEG with tso_segsz the wire
 * segment's payload, as to a NIC with TSO. A vmknic adapter is a port of
 * a vSwitch, which hands such a frame whole to another vmknic (whose
 * stack trusts the bytes: they never crossed a wire) and cuts it into
 * wire segments with their checksums for uplinks and guests
 * (vswitch/offload.c): Linux's GSO and checksum offload over veth.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"
#include "tcpip/wire_ipv4.h"

uint16_t tcp_mss_to(struct netstack *ns, rte_be32_t faddr, rte_be32_t laddr)
{
	struct route_result rt;

	if (route_lookup(ns, faddr, laddr, NULL, &rt) == 0 && rt.ifc->mtu > 40 + 64)
		return (uint16_t)RTE_MIN(rt.ifc->mtu - 40u, 65535u - 40u);
	return TCP_DEFAULT_MSS;
}

uint16_t tcp_mss_for(struct netstack *ns, struct vmk_tcp_sock *p)
{
	return tcp_mss_to(ns, p->faddr, p->laddr);
}

uint32_t tcp_rcv_space(const struct vmk_tcp_sock *p)
{
	return tcp_rcvq_window(p);
}

uint16_t tcp_rcv_wnd_field(struct vmk_tcp_sock *p)
{
	uint32_t space = tcp_rcv_space(p), w = space >> p->rcv_ws, edge;

	if (w > 65535)
		w = 65535;
	/* Never move the right edge left (RFC 9293 3.8.6): rounding by the
	 * scale may not take back what was offered. */
	edge = p->rcv_nxt + (w << p->rcv_ws);
	if (seq_lt(edge, p->rcv_adv)) {
		uint32_t need = p->rcv_adv - p->rcv_nxt;

		w = (need + (1u << p->rcv_ws) - 1) >> p->rcv_ws;
		edge = p->rcv_nxt + (w << p->rcv_ws);
	}
	p->rcv_adv = edge;
	return (uint16_t)w;
}

/* Append range i of the assembler to r's SACK blocks unless it is there
 * (a D-SACK block, from `from` on, does not count). */
static void sack_block(const struct tcp_oooq *o, uint32_t i, struct tcp_repr *r,
		       unsigned int from)
{
	for (unsigned int k = from; k < r->n_sack; k++)
		if (r->sack[k][0] == o->r[i].s)
			return;
	r->sack[r->n_sack][0] = o->r[i].s;
	r->sack[r->n_sack++][1] = o->r[i].e;
}

/* SACK blocks (RFC 2018 4): first a D-SACK block when a duplicate arrived
 * (RFC 2883 4: sent once, followed by the range that holds it, if any);
 * then the range holding the most recently received segment, the ranges
 * of the segments received before it, newest first (so each range is
 * reported in several ACKs), then any others in sequence order. Three
 * blocks fit beside a timestamp, four without. */
static void add_sack(struct vmk_tcp_sock *p, struct tcp_repr *r)
{
	const struct tcp_oooq *o = &p->ooo;
	unsigned int max = (p->flags & TCPF_TS) ? 3 : 4, from = 0;
	uint32_t i;

	if (!(p->flags & TCPF_SACK_OK))
		return;
	if (p->flags & TCPF_DSACK) {
		p->flags &= ~TCPF_DSACK;
		r->sack[0][0] = p->dsack[0];
		r->sack[0][1] = p->dsack[1];
		r->n_sack = from = 1;
		i = tcp_rcvq_range_holding(p, p->dsack[0]);
		if (i < o->n)
			sack_block(o, i, r, from);
	}
	for (unsigned int k = 0; k < p->n_ooo_recent && r->n_sack < max; k++) {
		i = tcp_rcvq_range_holding(p, p->ooo_recent[k]);
		if (i < o->n)
			sack_block(o, i, r, from);
	}
	for (i = 0; i < o->n && r->n_sack < max; i++)
		sack_block(o, i, r, from);
}

/* The largest IPv4 datagram less its header and a TCP header with the
 * most options. */
#define TSO_MAX_PAYLOAD (IPV4_MAX_LEN - 20u - 60u)

uint32_t tcp_seg_room(const struct vmk_tcp_sock *p)
{
	uint32_t sack = 0;

	if ((p->flags & TCPF_SACK_OK) && (p->ooo.n > 0 || (p->flags & TCPF_DSACK)))
		sack = 4u + 8u * RTE_MIN(p->ooo.n + ((p->flags & TCPF_DSACK) ? 1u : 0u),
					 (p->flags & TCPF_TS) ? 3u : 4u);
	return p->mss > sack + 64u ? p->mss - sack : p->mss;
}

/* tc: the socket's class, or VMK_TC_NONE (ports and tags decide). */
static int xmit(struct netstack *ns, struct rte_mbuf *m, rte_be32_t src, rte_be32_t dst,
		uint8_t tc, uint64_t now)
	VMK_REQUIRES(ns->lock)
{
	struct ip_out o = { .src = src, .dst = dst, .proto = IPPROTO_TCP, .df = true,
			    .has_tclass = tc != VMK_TC_NONE, .tclass = tc };

	ns->tcp->st.segs_tx++;
	return ipv4_output(ns, m, &o, now);
}

static void fill_header(struct vmk_tcp_sock *p, struct tcp_repr *r, uint32_t seq, uint8_t flags,
			uint64_t now)
{
	tcp_repr_init(r);
	r->src_port = p->lport;
	r->dst_port = p->fport;
	r->seq = seq;
	r->flags = flags;
	if (flags & TCP_ACK)
		r->ack = p->rcv_nxt;
	if (flags & TCP_SYN) {
		bool offer = p->state == VMK_TCP_SYN_SENT;

		r->mss = p->adv_mss;
		r->win = (uint16_t)RTE_MIN(tcp_rcv_space(p), 65535u);
		p->rcv_adv = p->rcv_nxt + r->win;
		if (offer || (p->flags & TCPF_WSCALE))
			r->wscale = (int8_t)p->rcv_ws;
		r->sack_ok = offer || (p->flags & TCPF_SACK_OK);
		r->has_ts = offer || (p->flags & TCPF_TS);
	} else {
		r->win = tcp_rcv_wnd_field(p);
		r->has_ts = (p->flags & TCPF_TS) != 0;
		add_sack(p, r);
	}
	if (r->has_ts) {
		r->ts_val = tcp_ts_now(now);
		r->ts_ecr = p->ts_recent;
	}
}

int tcp_send_segment(struct vmk_tcp_sock *p, uint32_t seq, uint32_t len, uint8_t flags,
		     uint64_t now)
{
	struct netstack *ns = p->ns;
	struct tcp_repr r;
	struct rte_mbuf *m;
	uint16_t olen;

	fill_header(p, &r, seq, flags, now);
	olen = tcp_opts_len(&r);
	m = pkt_alloc(ns->pool, TCP_HLEN + olen);
	if (m != NULL && len > 0 && tcp_sndq_payload(p, m, seq - p->snd_una, len) < 0) {
		rte_pktmbuf_free(m);
		m = NULL;
	}
	if (m == NULL) {
		ns->tcp->st.drops[VMK_TCPDROP_NO_MEMORY]++;
		return -ENOBUFS;
	}
	tcp_prr_sent(p, len);
	if (ns->tcp->tx_offload) {
		uint32_t room = tcp_seg_room(p);

		tcp_emit_hdr(m, 0, &r);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		m->l4_len = (uint8_t)(TCP_HLEN + olen);
		if (len > room) {
			m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
			m->tso_segsz = (uint16_t)room;
		}
	} else {
		tcp_emit(m, 0, &r, len, p->laddr, p->faddr);
	}
	if (flags & TCP_ACK) {
		p->last_ack_sent = p->rcv_nxt;
		p->flags &= ~(TCPF_ACK_NOW | TCPF_DELACK);
		p->t_delack = 0;
		p->segs_unacked = 0;
	}
	return xmit(p->ns, m, p->laddr, p->faddr, p->tclass, now);
}

void tcp_send_ack(struct vmk_tcp_sock *p, uint64_t now)
{
	tcp_send_segment(p, p->snd_nxt, 0, TCP_ACK, now);
}

int tcp_send_syn(struct vmk_tcp_sock *p, uint64_t now)
{
	uint8_t flags = TCP_SYN;
	int ret;

	if (p->state == VMK_TCP_SYN_RECEIVED)
		flags |= TCP_ACK;
	ret = tcp_send_segment(p, p->iss, 0, flags, now);
	if (seq_gt(p->iss + 1, p->snd_max))
		p->snd_max = p->iss + 1;
	p->snd_nxt = p->iss + 1;
	if (p->t_rexmt == 0)
		tcp_arm_rexmt(p, now);
	return ret;
}

void tcp_send_bare(struct netstack *ns, rte_be32_t laddr, rte_be32_t faddr,
		   const struct tcp_repr *r, uint64_t now)
{
	struct rte_mbuf *m = pkt_alloc(ns->pool, TCP_HLEN + tcp_opts_len(r));

	if (m == NULL) {
		ns->tcp->st.drops[VMK_TCPDROP_NO_MEMORY]++;
		return;
	}
	tcp_emit(m, 0, r, 0, laddr, faddr);
	xmit(ns, m, laddr, faddr, VMK_TC_NONE, now);
}

void tcp_send_rst(struct netstack *ns, rte_be32_t laddr, uint16_t lport, rte_be32_t faddr,
		  uint16_t fport, uint32_t seq, uint32_t ack, bool with_ack, uint64_t now)
{
	struct tcp_repr r;

	tcp_repr_init(&r);
	r.src_port = lport;
	r.dst_port = fport;
	r.seq = seq;
	r.ack = with_ack ? ack : 0;
	r.flags = (uint8_t)(TCP_RST | (with_ack ? TCP_ACK : 0));
	ns->tcp->st.rst_tx++;
	tcp_send_bare(ns, laddr, faddr, &r, now);
}

static bool can_send_data(enum vmk_tcp_state s)
{
	return s == VMK_TCP_ESTABLISHED || s == VMK_TCP_CLOSE_WAIT || s == VMK_TCP_FIN_WAIT_1 ||
	       s == VMK_TCP_CLOSING || s == VMK_TCP_LAST_ACK;
}

/* Sender silly-window avoidance and Nagle (RFC 9293 3.8.6.2.1). */
static bool worth_sending(const struct vmk_tcp_sock *p, uint32_t len, uint32_t avail)
{
	if (len >= p->mss)
		return true;
	if (len == avail && ((p->flags & TCPF_NODELAY) || p->snd_nxt == p->snd_una))
		return true;
	return p->max_snd_wnd > 0 && len >= p->max_snd_wnd / 2;
}

/* The transmit ring of the adapter toward the peer, or NULL. A data burst
 * never fills it: what overflows it is lost, and losses we make ourselves
 * cost a recovery each (found against Linux: a window of 4 MiB is ~2,900
 * segments at MTU 1500, the ring holds 1,024). */
static struct rte_ring *out_ring(struct vmk_tcp_sock *p)
	VMK_REQUIRES(p->ns->lock)
{
	struct route_result rt;

	if (route_lookup(p->ns, p->faddr, p->laddr, NULL, &rt) < 0)
		return NULL;
	return rt.ifc->txq;
}

/* Bytes the send and congestion windows let go from SND.NXT; in SACK
 * loss recovery the congestion window bounds the pipe (RFC 6675), not
 * what lies between SND.UNA and SND.NXT. */
static uint32_t window_left(const struct vmk_tcp_sock *p, bool sack_rec, uint32_t pipe)
{
	uint32_t wnd = RTE_MIN(p->snd_wnd, p->cwnd + tcp_limited_transmit(p)), left = 0;

	if (sack_rec) {
		wnd = p->snd_wnd;
		left = p->cwnd > pipe ? p->cwnd - pipe : 0;
	}
	if (!seq_gt(p->snd_una + wnd, p->snd_nxt))
		return 0;
	if (sack_rec)
		return RTE_MIN(left, p->snd_una + wnd - p->snd_nxt);
	return p->snd_una + wnd - p->snd_nxt;
}

/* Going back after a timeout: step over what the peer SACKed; the bytes
 * from SND.NXT that are not SACKed. */
static uint32_t skip_sacked(struct vmk_tcp_sock *p)
{
	if (p->sacked.n == 0 || !seq_lt(p->snd_nxt, p->snd_max))
		return UINT32_MAX;
	p->snd_nxt = tcp_sack_sacked_end(p, p->snd_nxt);
	return tcp_sack_next_sacked(p, p->snd_nxt) - p->snd_nxt;
}

void tcp_output(struct vmk_tcp_sock *p, uint64_t now)
{
	struct rte_ring *txq;
	bool sent = false, sack_rec;
	uint32_t pipe;

	if (p->ns == NULL)
		return;
	txq = can_send_data(p->state) ? out_ring(p) : NULL;
	p->flags &= ~TCPF_TXQ_WAIT;
	sack_rec = tcp_sack_recovery(p);
	pipe = sack_rec ? tcp_sack_pipe(p) : 0;
	while (can_send_data(p->state)) {
		uint32_t unsacked = skip_sacked(p);
		uint32_t off = RTE_MIN(p->snd_nxt - p->snd_una, p->sndq.len);
		uint32_t avail = p->sndq.len - off, fin_seq = p->snd_una + p->sndq.len;
		uint32_t left = window_left(p, sack_rec, pipe), len;
		uint32_t room = tcp_seg_room(p), most = room;
		bool fin;
		uint8_t flags = TCP_ACK;

		if (p->ns->tcp->tx_offload)
			most = TSO_MAX_PAYLOAD / room * room;
		len = RTE_MIN(RTE_MIN(avail, left), most);
		len = RTE_MIN(len, unsacked);
		/* Several segments at once: Nagle still holds back a short
		 * last one that it would hold back alone. */
		if (len > room && len % room != 0 &&
		    !(len == avail && ((p->flags & (TCPF_NODELAY | TCPF_FIN_QUEUED)) ||
				       p->snd_nxt == p->snd_una)))
			len -= len % room;
		fin = (p->flags & TCPF_FIN_QUEUED) && seq_le(p->snd_nxt, fin_seq) &&
		      p->snd_nxt + len == fin_seq;
		if (len == 0 && !fin)
			break;
		if (!fin && seq_ge(p->snd_nxt, p->snd_max) && !worth_sending(p, len, avail))
			break;
		if (txq != NULL && rte_ring_free_count(txq) < TCP_TXQ_RESERVE) {
			p->flags |= TCPF_TXQ_WAIT;      /* the timers try again */
			break;
		}
		if (len > 0 && len == avail)
			flags |= TCP_PSH;
		if (fin)
			flags |= TCP_FIN;
		if (seq_lt(p->snd_nxt, p->snd_max))
			p->ns->tcp->st.retrans++;
		else if (!(p->flags & TCPF_RTT_TIMING) && len > 0) {
			p->flags |= TCPF_RTT_TIMING;
			p->rtt_seq = p->snd_nxt;
			p->rtt_start_us = now;
		}
		if (tcp_send_segment(p, p->snd_nxt, len, flags, now) == -ENOBUFS)
			break;
		sent = true;
		pipe += len;
		p->snd_nxt += len + (fin ? 1 : 0);
		if (fin)
			p->flags |= TCPF_FIN_SENT;
		if (seq_gt(p->snd_nxt, p->snd_max))
			p->snd_max = p->snd_nxt;
		if (p->t_rexmt == 0)
			tcp_arm_rexmt(p, now);
		p->t_persist = 0;
	}
	if (sent)
		tcp_tlp_arm(p, now);
	if (!sent && (p->flags & TCPF_ACK_NOW) && p->state != VMK_TCP_CLOSED &&
	    p->state != VMK_TCP_LISTEN && p->state != VMK_TCP_SYN_SENT)
		tcp_send_ack(p, now);
	/* Data waits behind a zero window with nothing in flight: probe. */
	if (can_send_data(p->state) && p->snd_wnd == 0 && p->t_rexmt == 0 &&
	    p->t_persist == 0 && p->sndq.len > p->snd_nxt - p->snd_una)
		p->t_persist = now + RTE_MAX((uint64_t)p->rto_us, TCP_PERSIST_MIN_US);
}
