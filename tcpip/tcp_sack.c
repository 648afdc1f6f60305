/*
 * The sender's side of SACK (RFC 2018) and SACK-based loss recovery
 * (RFC 6675): a scoreboard of the ranges the peer reported holding above
 * SND.UNA, IsLost (DupThresh discontiguous SACKed ranges, or more than
 * (DupThresh - 1) * SMSS bytes SACKed above a sequence number; DupThresh
 * grows with the reordering an undone recovery showed), the pipe
 * estimate of what is still in the network, and NextSeg's first rule:
 * retransmit the lowest lost unSACKed data above HighRxt while
 * cwnd - pipe allows a segment. New data (NextSeg's second rule) is sent by
 * tcp_output with the same pipe budget; entering and leaving recovery
 * stay in tcp_input.c. Lock held (see tcp.h).
 */
#include <errno.h>
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

/* Record [s, e) in the scoreboard, merging what it overlaps or touches:
 * 0, or -ENOSPC (TCP_OOO_RANGES held; nothing recorded). */
static int range_add(struct tcp_ooo *o, uint32_t s, uint32_t e)
{
	uint32_t i, j;

	/* First range ending at or after s: it and any later ones that start
	 * at or before e merge with [s, e). */
	for (i = 0; i < o->n && seq_lt(o->r[i][1], s); i++)
		;
	for (j = i; j < o->n && seq_le(o->r[j][0], e); j++) {
		if (seq_lt(o->r[j][0], s))
			s = o->r[j][0];
		if (seq_gt(o->r[j][1], e))
			e = o->r[j][1];
	}
	if (j == i) {                   /* no overlap: insert at i */
		if (o->n == TCP_OOO_RANGES)
			return -ENOSPC;
		memmove(o->r[i + 1], o->r[i], (o->n - i) * sizeof(o->r[0]));
		o->n++;
	} else if (j > i + 1) {         /* ranges i..j-1 become one */
		memmove(o->r[i + 1], o->r[j], (o->n - j) * sizeof(o->r[0]));
		o->n = (uint8_t)(o->n - (j - i - 1));
	}
	o->r[i][0] = s;
	o->r[i][1] = e;
	return 0;
}

void tcp_sack_update(struct vmk_tcp_sock *p, const struct tcp_repr *r, bool *news)
{
	struct tcp_ooo *sb = &p->sacked;
	uint32_t data_end = p->snd_una + p->sndq.len;

	*news = false;
#ifdef VMK_MUTANT_SACK   /* mutant: SACK: the peer's SACK blocks are ignored */
	return;
#endif
	for (unsigned int i = 0; i < r->n_sack; i++) {
		uint32_t s = r->sack[i][0], e = r->sack[i][1], ns;

		/* D-SACKs (at or below SND.UNA) and blocks past what we sent
		 * say nothing about what is missing; a FIN is never SACKed
		 * here (the scoreboard covers data bytes only) */
		if (!seq_lt(s, e) || seq_le(e, p->snd_una) || seq_gt(e, p->snd_max))
			continue;
		if (seq_lt(s, p->snd_una))
			s = p->snd_una;
		if (seq_gt(e, data_end))
			e = data_end;
		if (!seq_lt(s, e))
			continue;
		/* what it adds starts where the range holding s ends; a
		 * block known already (or a part of one: an older ACK that
		 * a newer one overtook, a D-SACK) adds nothing */
		ns = tcp_sack_sacked_end(p, s);
		if (!seq_lt(ns, e))
			continue;
		if (range_add(sb, s, e) == 0)        /* full: the lowest ranges are kept */
			*news = true;
	}
}

void tcp_sack_prune(struct vmk_tcp_sock *p)
{
	struct tcp_ooo *sb = &p->sacked;
	unsigned int k = 0;

	while (k < sb->n && seq_le(sb->r[k][1], p->snd_una))
		k++;
	if (k > 0) {
		memmove(sb->r[0], sb->r[k], (sb->n - k) * sizeof(sb->r[0]));
		sb->n = (uint8_t)(sb->n - k);
	}
	if (sb->n > 0 && seq_lt(sb->r[0][0], p->snd_una))
		sb->r[0][0] = p->snd_una;
	if (seq_lt(p->high_rxt, p->snd_una))
		p->high_rxt = p->snd_una;
}

uint32_t tcp_sack_sacked_end(const struct vmk_tcp_sock *p, uint32_t seq)
{
	const struct tcp_ooo *sb = &p->sacked;

	for (unsigned int i = 0; i < sb->n; i++)
		if (seq_le(sb->r[i][0], seq) && seq_lt(seq, sb->r[i][1]))
			return sb->r[i][1];
	return seq;
}

uint32_t tcp_sack_next_sacked(const struct vmk_tcp_sock *p, uint32_t seq)
{
	const struct tcp_ooo *sb = &p->sacked;

	for (unsigned int i = 0; i < sb->n; i++)
		if (seq_gt(sb->r[i][0], seq))
			return sb->r[i][0];
	return p->snd_max;
}

/* IsLost for seq, with `ranges` SACKed ranges holding `bytes` above it. */
static bool lost(const struct vmk_tcp_sock *p, uint32_t seq, uint32_t ranges, uint32_t bytes)
{
	if ((p->flags & TCPF_IN_RECOVERY) && seq_lt(seq, p->lost_below))
		return true;                       /* below a SACKed tail loss probe */
	uint32_t thresh = tcp_reo_thresh(p);

	return ranges >= thresh || bytes > (thresh - 1u) * p->mss;
}

bool tcp_sack_is_lost(const struct vmk_tcp_sock *p, uint32_t seq)
{
	const struct tcp_ooo *sb = &p->sacked;
	uint32_t bytes = 0, ranges = 0;

	for (unsigned int i = 0; i < sb->n; i++) {
		if (seq_le(sb->r[i][1], seq))
			continue;
		bytes += sb->r[i][1] - (seq_gt(sb->r[i][0], seq) ? sb->r[i][0] : seq + 1);
		ranges++;
	}
	return lost(p, seq, ranges, bytes);
}

/* RFC 6675 SetPipe: per unSACKed octet below SND.MAX, one if it is not
 * lost, one more if it was retransmitted. Every octet of a hole has the
 * same SACKed data above it: the holes are walked from the top, summing
 * the ranges above each (linear in the scoreboard's ranges). */
uint32_t tcp_sack_pipe(const struct vmk_tcp_sock *p)
{
	const struct tcp_ooo *sb = &p->sacked;
	uint32_t pipe = 0, ranges = 0, bytes = 0;

	for (int i = sb->n; i >= 0; i--) {
		uint32_t s = i > 0 ? sb->r[i - 1][1] : p->snd_una;
		uint32_t e = i < sb->n ? sb->r[i][0] : p->snd_max;

		if (i < sb->n) {                     /* range i lies above hole i */
			ranges++;
			bytes += sb->r[i][1] - sb->r[i][0];
		}
		if (seq_lt(s, p->snd_una))
			s = p->snd_una;
		if (!seq_lt(s, e))
			continue;
		if (i == sb->n || !lost(p, s, ranges, bytes))
			pipe += e - s;
		if (seq_gt(p->high_rxt, s))
			pipe += (seq_lt(p->high_rxt, e) ? p->high_rxt : e) - s;
	}
	return pipe;
}

/* NextSeg rule 1: the first lost unSACKed sequence at or above HighRxt,
 * below the highest SACKed one; *len bytes of it (up to one MSS). */
static bool next_lost(const struct vmk_tcp_sock *p, uint32_t *seq, uint32_t *len)
{
	uint32_t s = seq_gt(p->high_rxt, p->snd_una) ? p->high_rxt : p->snd_una;

	for (;;) {
		uint32_t end = tcp_sack_sacked_end(p, s), hole_end;

		s = end;
		hole_end = tcp_sack_next_sacked(p, s);
		if (hole_end == p->snd_max || !seq_lt(s, hole_end))
			return false;                /* nothing SACKed above: not lost */
		if (tcp_sack_is_lost(p, s)) {
			uint32_t data_end = p->snd_una + p->sndq.len;

			if (!seq_lt(s, data_end))
				return false;
			*seq = s;
			*len = RTE_MIN(RTE_MIN(hole_end, data_end) - s, tcp_seg_room(p));
			return true;
		}
		s = hole_end;
	}
}

bool tcp_sack_loss_pending(const struct vmk_tcp_sock *p)
{
	uint32_t seq, len;

	return next_lost(p, &seq, &len);
}

uint32_t tcp_sack_bytes(const struct vmk_tcp_sock *p)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < p->sacked.n; i++)
		n += p->sacked.r[i][1] - p->sacked.r[i][0];
	return n;
}

void tcp_sack_retransmit(struct vmk_tcp_sock *p, uint64_t now)
{
	uint32_t pipe = tcp_sack_pipe(p), seq, len;

	while (p->cwnd > pipe && p->cwnd - pipe >= p->mss && next_lost(p, &seq, &len)) {
		if (tcp_send_segment(p, seq, len, TCP_ACK, now) == -ENOBUFS)
			break;
		p->ns->tcp->st.retrans++;
		p->high_rxt = seq + len;
		tcp_rack_sent(p, seq, seq + len, now);
		pipe += len;
	}
}
