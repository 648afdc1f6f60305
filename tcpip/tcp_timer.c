/*
 * TCP timers of a netstack, run from the netstack's periodic processing
 * (ns_timers, about once a millisecond): retransmission (RFC 6298, with
 * exponential backoff, Karn's rule and SYN/data retry limits), delayed
 * ACK, zero-window probes (persist), keepalive, TIME-WAIT expiry, tail loss
 * probes and lost-retransmission checks (tcp_rack.c), and more output
 * for connections that stopped at a full adapter ring. Deadlines are
 * absolute microseconds in each block; a walk of the blocks finds the due
 * ones (a timer wheel is the next step when connection counts grow).
 * Lock held (see tcp.h).
 */
#include <errno.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

#define TCP_MAX_BACKOFF 12

static uint64_t backed_off_rto(const struct vmk_tcp_sock *p)
{
	uint64_t rto = (uint64_t)p->rto_us << p->n_backoff;

	return RTE_MIN(rto, TCP_RTO_MAX_US);
}

void tcp_arm_rexmt(struct vmk_tcp_sock *p, uint64_t now)
{
	p->t_rexmt = now + backed_off_rto(p);
	tcp_tlp_arm(p, now);
}

void tcp_rtt_sample(struct vmk_tcp_sock *p, uint32_t r)
{
	const struct vmk_tcp_params *pa = &p->ns->tcp->params;
	uint64_t rto;

	if (r == 0)
		r = 1;
	if (p->srtt_us == 0) {
		p->srtt_us = r;
		p->rttvar_us = r / 2;
	} else {
		uint32_t d = p->srtt_us > r ? p->srtt_us - r : r - p->srtt_us;

		p->rttvar_us = (3 * p->rttvar_us + d) / 4;
		p->srtt_us = (7 * p->srtt_us + r) / 8;
	}
	rto = (uint64_t)p->srtt_us + RTE_MAX(1u, 4 * p->rttvar_us);
	rto = RTE_MAX(rto, (uint64_t)pa->rto_min_us);
	p->rto_us = (uint32_t)RTE_MIN(rto, TCP_RTO_MAX_US);
	p->n_backoff = 0;
}

void tcp_enter_time_wait(struct vmk_tcp_sock *p, uint64_t now)
{
	p->state = VMK_TCP_TIME_WAIT;
	p->t_rexmt = p->t_persist = p->t_delack = p->t_keep = p->t_tlp = 0;
	p->n_rxt = 0;
	p->t_2msl = now + 2ull * p->ns->tcp->params.msl_ms * 1000ull;
}

static bool synchronized(enum vmk_tcp_state s)
{
	return s != VMK_TCP_CLOSED && s != VMK_TCP_LISTEN && s != VMK_TCP_SYN_SENT;
}

/* The retransmission timer expired. May free p. */
static void rexmt_expired(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	struct tcp_stack *t = p->ns->tcp;
	bool syn = p->state == VMK_TCP_SYN_SENT || p->state == VMK_TCP_SYN_RECEIVED;
	uint32_t limit = syn ? t->params.syn_retries : t->params.data_retries;

	p->t_rexmt = p->t_tlp = 0;
	p->flags &= ~(TCPF_TLP_OUT | TCPF_UNDO_OK);
	p->n_rxt = 0;
	if (++p->n_retries > limit) {
		if (p->state == VMK_TCP_SYN_SENT)
			t->st.attempt_fails++;
		else if (synchronized(p->state))
			tcp_send_rst(p->ns, p->laddr, p->lport, p->faddr, p->fport, p->snd_nxt,
				     0, false, now);
		tcp_set_closed(p, -ETIMEDOUT);
		return;
	}
	if (p->n_backoff < TCP_MAX_BACKOFF)
		p->n_backoff++;
	t->st.timeouts++;
	p->flags &= ~TCPF_RTT_TIMING;           /* Karn: no sample from a retransmission */
	if (syn) {
		t->st.retrans++;
		tcp_send_syn(p, now);
		return;
	}
	/* RFC 2018 8: a timeout may mean the peer reneged on what it SACKed.
	 * The first one still trusts the scoreboard (going back steps over
	 * SACKed data); a second in a row forgets it. */
	if (p->n_backoff > 1)
		p->sacked.n = 0;
	p->cc->on_rto(p, now);
	p->flags &= ~TCPF_IN_RECOVERY;
	p->dupacks = 0;
	p->recover = p->snd_max;
#ifndef VMK_MUTANT_TCP_RETRANSMISSION   /* mutant: TCP retransmission: a timeout resends nothing */
	p->snd_nxt = p->snd_una;                /* go back: resend from the first hole */
#endif
	tcp_output(p, now);
	if (p->t_rexmt == 0 && p->snd_una != p->snd_max)
		tcp_arm_rexmt(p, now);
}

/* Zero-window probe: a segment one below snd_una makes the peer answer
 * with its current window without consuming anything. */
static void persist_expired(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	p->t_persist = 0;
	if (p->snd_wnd != 0) {
		tcp_output(p, now);
		return;
	}
	tcp_send_segment(p, p->snd_una - 1, 0, TCP_ACK, now);
	if (p->n_backoff < TCP_MAX_BACKOFF)
		p->n_backoff++;
	p->t_persist = now + RTE_MAX(backed_off_rto(p), TCP_PERSIST_MIN_US);
}

/* Keepalive (RFC 1122 4.2.3.6): idle long enough, probe with SND.NXT - 1
 * (outside the peer's window: it answers with an ACK); count probes
 * unanswered end the connection. Data waiting for an ACK or for the
 * window is the retransmission and persist timers' business: no probe
 * then, the idle time starts again. Returns false when p was freed. */
static bool keepalive_expired(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock)
{
	if (!synchronized(p->state) || p->state == VMK_TCP_TIME_WAIT) {
		p->t_keep = 0;
		return true;
	}
	if (p->snd_max != p->snd_una || p->sndq.len > 0) {
		p->t_keep = now + p->ka_idle_ms * 1000ull;
		p->ka_probes = 0;
		return true;
	}
	if (p->ka_probes >= p->ka_count) {
		tcp_send_rst(p->ns, p->laddr, p->lport, p->faddr, p->fport, p->snd_nxt, 0, false,
			     now);
		p->ns->tcp->st.keepalive_drops++;
		tcp_set_closed(p, -ETIMEDOUT);
		return false;
	}
	p->ka_probes++;
	p->ns->tcp->st.keepalive_probes++;
	tcp_send_segment(p, p->snd_nxt - 1, 0, TCP_ACK, now);
	p->t_keep = now + p->ka_intvl_ms * 1000ull;
	return true;
}

void tcp_timers(struct netstack *ns, uint64_t now)
{
	struct tcp_stack *t = ns->tcp;
	struct vmk_tcp_sock *p, *nx;

	t->now = now;
	for (p = t->all; p != NULL; p = nx) {
		nx = p->next;
		ns_lock_held(p->ns); /* ns's own connection */
		if (p->t_2msl != 0 && now >= p->t_2msl) {
			tcp_set_closed(p, 0);
			continue;
		}
		if (p->t_delack != 0 && now >= p->t_delack) {
			t->st.delayed_acks++;
			tcp_send_ack(p, now);
		}
		if (p->t_persist != 0 && now >= p->t_persist)
			persist_expired(p, now);
		if (p->flags & TCPF_TXQ_WAIT)
			tcp_output(p, now);
		if (p->t_keep != 0 && now >= p->t_keep && !keepalive_expired(p, now))
			continue;                /* reset and freed */
		if (p->t_tlp != 0 && now >= p->t_tlp)
			tcp_tlp_expired(p, now);
		if (p->n_rxt > 0)
			tcp_rack_detect(p, now);
		if (p->t_rexmt != 0 && now >= p->t_rexmt)
			rexmt_expired(p, now);   /* last: may free p */
	}
}
