/*
 * Proportional Rate Reduction (RFC 9937, which obsoletes RFC 6937): how
 * much SACK loss recovery sends, ACK by ACK.
 *
 * Recovery starts with RecoverFS = pipe (RFC 6675) and ssthresh from the
 * congestion control module. Each ACK in recovery adds what it delivered
 * (SND.UNA's advance plus the bytes it newly SACKed) to prr_delivered;
 * prr_out is what recovery has sent (tcp_send_segment counts it). Then:
 *  - while pipe > ssthresh, sndcnt = CEIL(prr_delivered * ssthresh /
 *    RecoverFS) - prr_out: the flight shrinks to ssthresh across one
 *    round trip, a segment sent for every RecoverFS/ssthresh delivered,
 *    instead of nothing for half a window and then one per ACK;
 *  - at or below it, the flight grows back to ssthresh, by what was
 *    delivered and not yet answered, at least what this ACK delivered
 *    (the conservative reduction bound), and by one segment more on an
 *    ACK that advanced SND.UNA with no loss left to repair (the "safe
 *    ACK" of the slow start reduction bound);
 *  - cwnd = pipe + sndcnt, so the RFC 6675 budget cwnd - pipe that
 *    tcp_sack_retransmit and tcp_output spend is sndcnt.
 * Leaving recovery sets cwnd = ssthresh (tcp_input.c). Without a
 * scoreboard (NewReno's recovery) the module's window rules apply.
 * Lock held (see tcp.h).
 */
#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

void tcp_prr_start(struct vmk_tcp_sock *p)
{
	p->prr_recover_fs = RTE_MAX(tcp_sack_pipe(p), (uint32_t)p->mss);
	p->prr_delivered = 0;
	p->prr_out = 0;
}

void tcp_prr_ack(struct vmk_tcp_sock *p, uint32_t delivered, bool una_moved)
{
	uint32_t pipe = tcp_sack_pipe(p), ssthresh = p->ssthresh;
	int64_t sndcnt;

	p->prr_delivered += delivered;
#ifdef VMK_MUTANT_PRR   /* mutant: PRR: RFC 6675's cwnd = ssthresh throughout */
	p->cwnd = ssthresh;
	return;
#endif
	if (pipe > ssthresh) {
		uint64_t due = ((uint64_t)p->prr_delivered * ssthresh + p->prr_recover_fs - 1u) /
			       p->prr_recover_fs;

		sndcnt = (int64_t)due - p->prr_out;
	} else {
		int64_t limit = RTE_MAX((int64_t)p->prr_delivered - p->prr_out, (int64_t)delivered);

		if (una_moved && !tcp_sack_loss_pending(p))
			limit += p->mss;
		sndcnt = RTE_MIN((int64_t)(ssthresh - pipe), limit);
	}
	if (sndcnt < 0)
		sndcnt = 0;
	p->cwnd = pipe + (uint32_t)sndcnt;
}
