/*
 * The DHCP client's state machine (see dhcp_client.h): INIT -> SELECTING
 * (DISCOVER, retried 4, 8, 16, 32, 64 s with a second of jitter) ->
 * REQUESTING (REQUEST for the first usable OFFER, 4 tries, then INIT) ->
 * BOUND -> at T1 RENEWING (REQUEST unicast to the server, retried at half
 * the time left to T2, at least 60 s apart) -> at T2 REBINDING (REQUEST
 * broadcast, the same way towards expiry) -> at expiry INIT with the lease
 * lost. A NAK in any requesting state loses the lease and restarts.
 * Messages are taken only with our xid and MAC and of a type the state
 * expects; everything else is counted by reason. No I/O, no clock: the
 * caller passes `now` and sends what comes back.
 */
#include <string.h>

#include "tcpip/dhcp_client.h"

#define US_PER_S 1000000ull
#define BCAST    0xffffffffu

static uint32_t rnd(struct dhcp_client *c)
{
	/* xorshift64*: xids must differ between clients and restarts, not be secret. */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (uint32_t)((c->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

void dhcp_client_init(struct dhcp_client *c, const uint8_t mac[6], bool peer_dns,
		      uint64_t seed, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, mac, 6);
	c->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
	c->info.state = VMK_DHCP_INIT;
	c->info.peer_dns = peer_dns;
	c->next_us = now;
}

/* The wait before retry number c->tries (0: the first), with jitter. */
static uint64_t backoff(struct dhcp_client *c)
{
	uint64_t base = DHCP_RETRY_FIRST_US << (c->tries < 4 ? c->tries : 4);

	if (base > DHCP_RETRY_MAX_US)
		base = DHCP_RETRY_MAX_US;
	return base - US_PER_S + rnd(c) % (2 * US_PER_S);
}

static void build(struct dhcp_client *c, uint8_t type, uint64_t now, struct dhcp_out *out,
		  rte_be32_t src, rte_be32_t dst)
{
	struct dhcp_req r;
	uint64_t secs = (now - c->start_us) / US_PER_S;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.xid = c->xid;
	r.secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
	memcpy(r.mac, c->mac, 6);
	r.want_dns = c->info.peer_dns;
	/* No address yet: ask for broadcast replies (RFC 2131 4.1). */
	r.broadcast = src == 0;
	r.ciaddr = src;
	if (type == DHCP_REQUEST && src == 0) {
		r.req_ip = c->offer.addr;
		r.server_id = c->offer.server;
	}
	if (type == DHCP_RELEASE || type == DHCP_DECLINE) {
		r.server_id = c->lease.server;
		r.broadcast = false;
		if (type == DHCP_DECLINE) {
			r.ciaddr = 0;
			r.req_ip = c->lease.addr;
		}
	}
	out->len = dhcp_build(out->buf, sizeof(out->buf), &r);
	out->src = src;
	out->dst = dst;
}

static void start_exchange(struct dhcp_client *c, enum vmk_dhcp_state st, uint64_t now)
{
	c->info.state = st;
	c->xid = rnd(c);
	c->tries = 0;
	c->start_us = now;
}

static void send_discover(struct dhcp_client *c, uint64_t now, struct dhcp_out *out)
{
	build(c, DHCP_DISCOVER, now, out, 0, BCAST);
	c->info.tx_discover++;
	c->next_us = now + backoff(c);
	c->tries++;
}

static void send_request(struct dhcp_client *c, uint64_t now, struct dhcp_out *out)
{
	uint64_t left, wait, until;

	switch (c->info.state) {
	case VMK_DHCP_REQUESTING:
		build(c, DHCP_REQUEST, now, out, 0, BCAST);
		c->info.tx_request++;
		c->next_us = now + backoff(c);
		c->tries++;
		return;
	case VMK_DHCP_RENEWING:
		build(c, DHCP_REQUEST, now, out, c->lease.addr, c->lease.server);
		c->info.tx_renew++;
		until = c->t2_us;
		break;
	default: /* REBINDING */
		build(c, DHCP_REQUEST, now, out, c->lease.addr, BCAST);
		c->info.tx_rebind++;
		until = c->expire_us;
	}
	/* RFC 2131 4.4.5: half the time left, but not more often than 60 s. */
	left = until > now ? until - now : 0;
	wait = left / 2 > DHCP_RENEW_MIN_US ? left / 2 : DHCP_RENEW_MIN_US;
	c->next_us = now + wait < until ? now + wait : until;
	c->tries++;
}

static enum dhcp_event lose(struct dhcp_client *c, uint64_t now, uint64_t wait)
{
	bool had = c->have_lease;

	c->have_lease = false;
	memset(&c->lease, 0, sizeof(c->lease));
	c->info.state = VMK_DHCP_INIT;
	c->next_us = now + wait;
	return had ? DHCP_EV_LOST : DHCP_EV_NONE;
}

enum dhcp_event dhcp_client_poll(struct dhcp_client *c, uint64_t now, struct dhcp_out *out)
{
	out->len = 0;
	if (c->have_lease && now >= c->expire_us) {
		c->info.expired++;
		return lose(c, now, 0);
	}
	switch (c->info.state) {
	case VMK_DHCP_INIT:
		if (now < c->next_us)
			break;
		start_exchange(c, VMK_DHCP_SELECTING, now);
		send_discover(c, now, out);
		break;
	case VMK_DHCP_SELECTING:
		if (now >= c->next_us)
			send_discover(c, now, out);
		break;
	case VMK_DHCP_REQUESTING:
		if (now < c->next_us)
			break;
		if (c->tries >= DHCP_REQUEST_TRIES)
			return lose(c, now, 0);
		send_request(c, now, out);
		break;
	case VMK_DHCP_BOUND:
		if (now < c->t1_us)
			break;
		start_exchange(c, VMK_DHCP_RENEWING, now);
		send_request(c, now, out);
		break;
	case VMK_DHCP_RENEWING:
		if (now >= c->t2_us) {
			start_exchange(c, VMK_DHCP_REBINDING, now);
			send_request(c, now, out);
		} else if (now >= c->next_us) {
			send_request(c, now, out);
		}
		break;
	case VMK_DHCP_REBINDING:
		if (now >= c->next_us)
			send_request(c, now, out);
		break;
	}
	return DHCP_EV_NONE;
}

static bool usable_addr(rte_be32_t a)
{
	uint32_t h = rte_be_to_cpu_32(a);

	return h != 0 && h != BCAST && (h >> 24) != 127 && (h >> 28) < 0xe;
}

static bool mask_ok(rte_be32_t m)
{
	uint32_t h = rte_be_to_cpu_32(m);

	return h != 0 && (~h & (~h + 1)) == 0;
}

/* A lease from an OFFER or ACK; false when it cannot be used. */
static bool take_lease(struct dhcp_lease *l, const struct dhcp_msg *m, bool ack)
{
	memset(l, 0, sizeof(*l));
	if (!usable_addr(m->yiaddr) || m->server_id == 0 || (ack && m->lease_s == 0))
		return false;
	l->addr = m->yiaddr;
	/* No mask option: the smallest sensible guess is the classful one. */
	if (m->netmask != 0) {
		if (!mask_ok(m->netmask) || (m->yiaddr | m->netmask) == BCAST)
			return false;
		l->mask = m->netmask;
	} else {
		uint32_t h = rte_be_to_cpu_32(m->yiaddr) >> 24;

		l->mask = rte_cpu_to_be_32(h < 128 ? 0xff000000u : h < 192 ? 0xffff0000u :
					   0xffffff00u);
	}
	if (m->router != 0 && usable_addr(m->router))
		l->router = m->router;
	l->server = m->server_id;
	l->lease_s = m->lease_s;
	/* RFC 2131 4.4.5 defaults, and T1 <= T2 <= lease whatever was sent. */
	l->t2_s = m->t2_s != 0 && m->t2_s <= l->lease_s ? m->t2_s :
		  (uint32_t)((uint64_t)l->lease_s * 7 / 8);
	l->t1_s = m->t1_s != 0 && m->t1_s <= l->t2_s ? m->t1_s : l->lease_s / 2;
	if (l->t1_s > l->t2_s)
		l->t1_s = l->t2_s;
	l->n_dns = m->n_dns;
	memcpy(l->dns, m->dns, sizeof(l->dns));
	return true;
}

static enum dhcp_event on_ack(struct dhcp_client *c, const struct dhcp_msg *m)
{
	struct dhcp_lease l;
	bool same;

	if (!take_lease(&l, m, true)) {
		c->info.drops[VMK_DHCP_DROP_LEASE]++;
		return DHCP_EV_NONE;
	}
	if (!c->info.peer_dns)
		l.n_dns = 0;
	c->info.rx_ack++;
	same = c->have_lease && l.addr == c->lease.addr && l.mask == c->lease.mask &&
	       l.router == c->lease.router;
	c->lease = l;
	c->have_lease = true;
	/* Times run from the request that got the lease (RFC 2131 4.4.1). */
	if (l.lease_s == 0xffffffffu) {
		c->t1_us = c->t2_us = c->expire_us = UINT64_MAX;
	} else {
		c->t1_us = c->start_us + l.t1_s * US_PER_S;
		c->t2_us = c->start_us + l.t2_s * US_PER_S;
		c->expire_us = c->start_us + l.lease_s * US_PER_S;
	}
	c->info.state = VMK_DHCP_BOUND;
	c->next_us = c->t1_us;
	if (same)
		return DHCP_EV_RENEWED;
	c->info.leases++;
	return DHCP_EV_BOUND;
}

enum dhcp_event dhcp_client_input(struct dhcp_client *c, const uint8_t *buf, size_t len,
				  uint64_t now, struct dhcp_out *out)
{
	enum vmk_dhcp_state st = c->info.state;
	struct dhcp_msg m;
	int ret = dhcp_parse(&m, buf, len);

	out->len = 0;
	if (ret < 0) {
		c->info.drops[-ret < VMK_DHCP_DROP_MAX ? -ret : VMK_DHCP_DROP_OPTION]++;
		return DHCP_EV_NONE;
	}
	if (memcmp(m.chaddr, c->mac, 6) != 0) {
		c->info.drops[VMK_DHCP_DROP_CHADDR]++;
		return DHCP_EV_NONE;
	}
	if (m.xid != c->xid) {
		c->info.drops[VMK_DHCP_DROP_XID]++;
		return DHCP_EV_NONE;
	}
	if (st == VMK_DHCP_INIT || st == VMK_DHCP_BOUND) {
		c->info.drops[VMK_DHCP_DROP_STATE]++;
		return DHCP_EV_NONE;
	}
	if (m.type == DHCP_OFFER && st == VMK_DHCP_SELECTING) {
		if (!take_lease(&c->offer, &m, false)) {
			c->info.drops[VMK_DHCP_DROP_LEASE]++;
			return DHCP_EV_NONE;
		}
		c->info.rx_offer++;
		c->info.state = VMK_DHCP_REQUESTING;
		c->tries = 0;
		send_request(c, now, out);
		return DHCP_EV_NONE;
	}
	if (m.type == DHCP_ACK && st != VMK_DHCP_SELECTING)
		return on_ack(c, &m);
	if (m.type == DHCP_NAK && st != VMK_DHCP_SELECTING) {
		/* In REQUESTING only the server we chose may refuse us. */
		if (st == VMK_DHCP_REQUESTING && m.server_id != 0 &&
		    m.server_id != c->offer.server) {
			c->info.drops[VMK_DHCP_DROP_STATE]++;
			return DHCP_EV_NONE;
		}
		c->info.rx_nak++;
		return lose(c, now, 0);
	}
	c->info.drops[VMK_DHCP_DROP_STATE]++;
	return DHCP_EV_NONE;
}

void dhcp_client_decline(struct dhcp_client *c, uint64_t now, struct dhcp_out *out)
{
	out->len = 0;
	if (!c->have_lease)
		return;
	build(c, DHCP_DECLINE, now, out, 0, BCAST);
	lose(c, now, DHCP_DECLINE_WAIT_US);
}

void dhcp_client_release(struct dhcp_client *c, struct dhcp_out *out)
{
	out->len = 0;
	if (!c->have_lease)
		return;
	c->xid = rnd(c);
	build(c, DHCP_RELEASE, c->start_us, out, c->lease.addr, c->lease.server);
	c->info.tx_release++;
	c->have_lease = false;
	memset(&c->lease, 0, sizeof(c->lease));
	c->info.state = VMK_DHCP_INIT;
}

void dhcp_client_describe(const struct dhcp_client *c, uint64_t now, struct vmk_dhcp_info *out)
{
	*out = c->info;
	if (!c->have_lease)
		return;
	out->addr = c->lease.addr;
	out->netmask = c->lease.mask;
	out->router = c->lease.router;
	out->server = c->lease.server;
	out->lease_s = c->lease.lease_s;
	out->t1_s = c->lease.t1_s;
	out->t2_s = c->lease.t2_s;
	out->remaining_s = c->expire_us == UINT64_MAX ? 0xffffffffu :
			   c->expire_us > now ? (uint32_t)((c->expire_us - now) / US_PER_S) : 0;
	out->n_dns = c->lease.n_dns;
	memcpy(out->dns, c->lease.dns, sizeof(out->dns));
}
