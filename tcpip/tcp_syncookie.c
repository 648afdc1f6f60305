/*
 * SYN cookies: what a listener does when its backlog is full (a SYN flood
 * from spoofed addresses fills it with connections that never complete).
 * Instead of a connection block, the SYN-ACK's initial sequence number
 * carries what the handshake agreed, under a keyed MAC; the peer's ACK
 * (acknowledging that number plus one) is checked and the connection made
 * from it. Nothing is kept per SYN, so a flood cannot crowd out a real
 * client; a lost SYN-ACK is repaired by the peer's SYN retransmission.
 *
 * The cookie (32 bits): MAC (21) | period (2) | MSS index (3) | peer's
 * window scale (4, 15: none) | SACK permitted (1) | timestamps (1). The MAC
 * is SipHash over the 4-tuple, the peer's ISN, the full period counter (64 s
 * each; the current and the previous one are accepted) and the low 11 bits.
 * The MSS is rounded down to a table entry. Lock held (see tcp.h).
 */
#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

#define COOKIE_PERIOD_US (64ull * 1000000ull)
#define WS_NONE          15u

static const uint16_t cookie_mss[8] = { 536, 1220, 1360, 1400, 1440, 1460, 4312, 8960 };

static uint32_t cookie_mac(struct netstack *ns, const struct tcp_cookie_key *k, uint64_t period,
			   uint32_t low11)
{
	uint64_t h = tcp_siphash(ns->tcp->cookie_key, (uint64_t)k->laddr << 32 | k->faddr,
				 (uint64_t)k->lport << 48 | (uint64_t)k->fport << 32 | k->irs);

	return (uint32_t)tcp_siphash(ns->tcp->cookie_key, h, period << 11 | low11) >> 11;
}

uint32_t tcp_cookie_make(struct netstack *ns, const struct tcp_cookie_key *k,
			 const struct tcp_cookie *c, uint64_t now)
{
	uint64_t period = now / COOKIE_PERIOD_US;
	uint32_t mss_idx = 0, low;

	for (uint32_t i = 0; i < RTE_DIM(cookie_mss); i++)
		if (cookie_mss[i] <= c->mss)
			mss_idx = i;
	low = (uint32_t)(period & 3) << 9 | mss_idx << 6 |
	      (c->wscale >= 0 ? (uint32_t)c->wscale : WS_NONE) << 2 |
	      (c->sack_ok ? 2u : 0u) | (c->has_ts ? 1u : 0u);
	return cookie_mac(ns, k, period, low) << 11 | low;
}

bool tcp_cookie_check(struct netstack *ns, const struct tcp_cookie_key *k, uint32_t cookie,
		      uint64_t now, struct tcp_cookie *out)
{
	uint64_t period = now / COOKIE_PERIOD_US;
	uint32_t low = cookie & 0x7ff, ws = (low >> 2) & 0xf;

	/* The period whose low two bits the cookie carries: this one or the last. */
	if ((period & 3) != (low >> 9)) {
		if (period == 0 || ((period - 1) & 3) != (low >> 9))
			return false;
		period--;
	}
	if (cookie_mac(ns, k, period, low) != cookie >> 11)
		return false;
	out->mss = cookie_mss[(low >> 6) & 7];
	out->wscale = ws == WS_NONE ? -1 : (int8_t)RTE_MIN(ws, (uint32_t)TCP_MAX_WSCALE);
	out->sack_ok = (low & 2) != 0;
	out->has_ts = (low & 1) != 0;
	return true;
}
