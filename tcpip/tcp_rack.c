/*
 * Loss detection beside RFC 6675's duplicate-ACK count, for the cases
 * where three duplicate ACKs never come or come for nothing:
 *  - RFC 5827 early retransmit: fewer than four segments outstanding and
 *    nothing new to send lower DupThresh to (outstanding - 1);
 *  - RFC 3042 limited transmit: the first two duplicate ACKs each let one
 *    new segment go beyond cwnd (tcp_limited_transmit in tcp.h);
 *  - RFC 8985 7 tail loss probe: no ACK for PTO = 2 * SRTT (plus the
 *    peer's delayed ACK when one segment is out) sends one new segment or
 *    resends the last one, so a lost tail is answered with SACK blocks
 *    (recovery) instead of a retransmission timeout; a SACKed probe makes
 *    every hole below it lost (7.4: sent before it, by RACK's time order);
 *  - lost retransmissions (RFC 8985 6.2's idea, simplified to what a
 *    sender without per-segment send times can tell): a retransmission in
 *    SACK recovery is lost once data sent after it (new data beyond the
 *    SND.MAX of its sending, or a later retransmission) was delivered and
 *    SRTT plus a reordering window (max(SRTT/4, RTTVAR)) has passed while
 *    its range is still a hole; it is sent again instead of waiting for
 *    the RTO (RFC 6675 retransmits a hole once per recovery);
 *  - RFC 3522 (Eifel) undo: the first ACK of new data in a recovery that
 *    echoes a timestamp older than the recovery's first retransmission
 *    was caused by the original segment, so the recovery was spurious
 *    (reordering): cwnd, ssthresh and the module's state come back, and
 *    the distance the original was overtaken by raises DupThresh.
 * Lock held (see tcp.h).
 */
#include <errno.h>
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

#define TLP_MIN_US 2000u             /* PTO's margin with several segments out */

uint32_t tcp_dupthresh(const struct vmk_tcp_sock *p)
{
	uint32_t out = tcp_in_flight(p), oseg = (out + p->mss - 1) / p->mss;
	uint32_t unsent = p->sndq.len > out ? p->sndq.len - out : 0;

	if (oseg < 2 || oseg >= 4)
		return tcp_reo_thresh(p);
	/* RFC 5827 2.1: new data that the receive window lets go would make
	 * duplicate ACKs of its own (limited transmit) */
	if (unsent > 0 && seq_ge(p->snd_una + p->snd_wnd, p->snd_max + RTE_MIN(unsent, p->mss)))
		return TCP_DUPACK_THRESH;
	return oseg - 1;
}

/* ---- tail loss probe ------------------------------------------------- */

static bool sends_data(enum vmk_tcp_state s)
{
	return s == VMK_TCP_ESTABLISHED || s == VMK_TCP_CLOSE_WAIT || s == VMK_TCP_FIN_WAIT_1 ||
	       s == VMK_TCP_CLOSING || s == VMK_TCP_LAST_ACK;
}

void tcp_tlp_arm(struct vmk_tcp_sock *p, uint64_t now)
{
	uint64_t pto;

	p->t_tlp = 0;
	if ((p->flags & (TCPF_SACK_OK | TCPF_TLP_OUT)) != TCPF_SACK_OK || p->srtt_us == 0 ||
	    p->n_backoff != 0 || p->t_rexmt == 0 || p->snd_una == p->snd_max ||
	    !sends_data(p->state))
		return;
	/* RFC 8985 7.2: one segment out may wait for the peer's delayed ACK */
	pto = 2ull * p->srtt_us;
	pto += tcp_in_flight(p) <= p->mss ? p->ns->tcp->params.rto_min_us : TLP_MIN_US;
	if (now + pto < p->t_rexmt)
		p->t_tlp = now + pto;
}

void tcp_tlp_sack_news(struct vmk_tcp_sock *p, uint64_t now)
{
	if (!tcp_sack_recovery(p))
		return;                         /* outside, duplicate_ack reads TCPF_TLP_OUT */
	p->flags &= ~TCPF_TLP_OUT;
	tcp_tlp_arm(p, now);
}

/* Send [seq, seq + len) (flags) as the probe; false when no mbuf. */
static bool tlp_send(struct vmk_tcp_sock *p, uint32_t seq, uint32_t len, uint8_t flags,
		     uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	if (tcp_send_segment(p, seq, len, flags, now) == -ENOBUFS)
		return false;
	p->flags |= TCPF_TLP_OUT;
	p->tlp_seq = seq;
	p->tlp_end = seq + len;
	p->ns->tcp->st.tlp_probes++;
	return true;
}

void tcp_tlp_expired(struct vmk_tcp_sock *p, uint64_t now)
{
	uint32_t out = p->snd_max - p->snd_una, data = p->sndq.len, room = tcp_seg_room(p);
	uint32_t unsent = data > out ? data - out : 0, len;

	p->t_tlp = 0;
	if (p->snd_una == p->snd_max || (p->flags & TCPF_TLP_OUT) || !sends_data(p->state))
		return;
	len = RTE_MIN(unsent, room);
	/* RFC 8985 7.3: new data if the receive window allows, cwnd or not
	 * (in recovery its SACK tells tcp_rack_detect that the
	 * retransmissions sent before it were lost) */
	if (len > 0 && p->snd_nxt == p->snd_max &&
	    seq_le(p->snd_max + len, p->snd_una + p->snd_wnd)) {
		if (tlp_send(p, p->snd_max, len, TCP_ACK | (len == unsent ? TCP_PSH : 0), now))
			p->snd_nxt = p->snd_max = p->snd_max + len;
	} else if (tcp_sack_recovery(p) && p->n_rxt > 0) {
		struct tcp_rxt x = p->rxt[0];      /* the oldest retransmission again */

		len = RTE_MIN(x.e - x.s, room);
		if (tlp_send(p, x.s, len, TCP_ACK, now)) {
			tcp_rack_sent(p, x.s, x.s + len, now);
			p->ns->tcp->st.retrans++;
		}
	} else if (data > 0) {                 /* else the last segment again */
		uint32_t end = p->snd_una + RTE_MIN(data, out);
		uint8_t flags = TCP_ACK;

		len = RTE_MIN(end - p->snd_una, room);
		if ((p->flags & TCPF_FIN_SENT) && end + 1 == p->snd_max)
			flags |= TCP_FIN;
		if (tlp_send(p, end - len, len, flags, now))
			p->ns->tcp->st.retrans++;
	}
	tcp_arm_rexmt(p, now);
}

bool tcp_tlp_sacked(const struct vmk_tcp_sock *p)
{
	return (p->flags & TCPF_TLP_OUT) && seq_lt(p->tlp_seq, p->tlp_end) &&
	       seq_gt(p->tlp_seq, p->snd_una) &&
	       seq_ge(tcp_sack_sacked_end(p, p->tlp_end - 1), p->tlp_end);
}

/* ---- lost retransmissions -------------------------------------------- */

void tcp_rack_sent(struct vmk_tcp_sock *p, uint32_t s, uint32_t e, uint64_t now)
{
	struct tcp_rxt *x;

	if (!tcp_sack_recovery(p))
		return;
	for (unsigned int i = 0; i < p->n_rxt; i++) {
		if (p->rxt[i].s == s) {             /* again: it moves to the end */
			memmove(&p->rxt[i], &p->rxt[i + 1], (p->n_rxt - i - 1u) * sizeof(p->rxt[0]));
			p->n_rxt--;
			break;
		}
	}
	if (p->n_rxt == TCP_RXT_TRACK) {            /* the oldest is left to the RTO */
		memmove(&p->rxt[0], &p->rxt[1], (TCP_RXT_TRACK - 1u) * sizeof(p->rxt[0]));
		p->n_rxt--;
	}
	x = &p->rxt[p->n_rxt++];
	x->s = s;
	x->e = e;
	x->mark = p->snd_max;
	x->at = now;
}

static bool delivered(const struct vmk_tcp_sock *p, const struct tcp_rxt *x)
{
	return seq_le(x->e, p->snd_una) || seq_ge(tcp_sack_sacked_end(p, x->s), x->e);
}

void tcp_rack_detect(struct vmk_tcp_sock *p, uint64_t now)
{
	const struct tcp_ooo *sb = &p->sacked;
	uint32_t high = sb->n > 0 ? sb->r[sb->n - 1][1] : p->snd_una;
	uint64_t wait = p->srtt_us + RTE_MAX(p->srtt_us / 4u, p->rttvar_us);
	bool later = false;                     /* a later retransmission arrived */
	unsigned int k = 0;

	if (!tcp_sack_recovery(p))
		return;
	/* newest first: each entry's evidence is what was sent after it */
	for (int i = (int)p->n_rxt - 1; i >= 0; i--) {
		struct tcp_rxt *x = &p->rxt[i];
		uint32_t len;

		if (delivered(p, x)) {
			later = true;
			x->e = x->s;                    /* dropped below */
			continue;
		}
		if (!(later || seq_gt(high, x->mark)) || now - x->at < wait)
			continue;
		len = RTE_MIN(x->e - x->s, tcp_seg_room(p));
		if (tcp_send_segment(p, x->s, len, TCP_ACK, now) == -ENOBUFS)
			break;
		p->ns->tcp->st.retrans++;
		p->ns->tcp->st.lost_rexmits++;
		x->e = x->s + len;
		x->mark = p->snd_max;
		x->at = now;
	}
	for (unsigned int i = 0; i < p->n_rxt; i++)
		if (p->rxt[i].e != p->rxt[i].s)
			p->rxt[k++] = p->rxt[i];
	p->n_rxt = (uint8_t)k;
}

/* ---- undo (RFC 3522) ---------------------------------------------------- */

void tcp_undo_save(struct vmk_tcp_sock *p, uint64_t now)
{
	p->undo_cwnd = p->cwnd;
	p->undo_ssthresh = p->ssthresh;
	memcpy(p->undo_cc_priv, p->cc_priv, sizeof(p->undo_cc_priv));
	p->undo_tsval = tcp_ts_now(now);    /* what the first retransmission carries */
	if (p->flags & TCPF_TS)
		p->flags |= TCPF_UNDO_OK;
	else
		p->flags &= ~TCPF_UNDO_OK;
}

void tcp_note_reordering(struct vmk_tcp_sock *p, uint32_t s, uint32_t top)
{
	uint32_t degree;

	if (p->mss == 0 || !seq_lt(s, top))
		return;
	degree = (top - s + p->mss - 1u) / p->mss + 1u;
	degree = RTE_MIN(degree, (uint32_t)TCP_MAX_REORDERING);
	if (degree > tcp_reo_thresh(p)) {
		p->reordering = (uint16_t)degree;
		p->ns->tcp->st.reorder_seen++;
	}
}

bool tcp_undo_check(struct vmk_tcp_sock *p, const struct tcp_repr *r)
{
	if (!(p->flags & TCPF_UNDO_OK))
		return false;
	p->flags &= ~TCPF_UNDO_OK;
	/* RFC 3522 2: an echo older than the retransmission comes from the
	 * original; an equal one (the same millisecond) proves nothing */
	if (!(p->flags & TCPF_IN_RECOVERY) || !r->has_ts || r->ts_ecr == 0 ||
	    !seq_lt(r->ts_ecr, p->undo_tsval))
		return false;
	/* the original at SND.UNA came after everything SACKed above it */
	tcp_note_reordering(p, p->snd_una, p->sacked.n > 0 ?
			    p->sacked.r[p->sacked.n - 1][1] : r->ack);
	p->cwnd = RTE_MAX(p->cwnd, p->undo_cwnd);
	p->ssthresh = RTE_MAX(p->ssthresh, p->undo_ssthresh);
	memcpy(p->cc_priv, p->undo_cc_priv, sizeof(p->cc_priv));
	p->flags &= ~TCPF_IN_RECOVERY;
	p->dupacks = 0;
	p->n_rxt = 0;
	p->recover = p->snd_una;                /* a new loss may start recovery */
	p->ns->tcp->st.recovery_undos++;
	return true;
}
