/*
 * Unit tests of the DHCP client (tcpip/wire_dhcp.c, tcpip/dhcp_client.c):
 * the builder's messages parsed back field by field; every malformed reply
 * (short, not a reply, no cookie, options running past their area or of a
 * wrong length, overload into file and sname) refused with its reason; and
 * the state machine driven in virtual time against a server written here
 * from RFC 2131's rules: a lease, renewal at T1 (unicast), rebinding at T2
 * (broadcast), expiry, a NAK, a wrong xid or MAC, release and decline. The
 * state machine has no I/O, so nothing is faked: the test is the peer.
 */
#include <arpa/inet.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_byteorder.h>

#include "support/cunit_run.h"
#include "tcpip/dhcp_client.h"
#include "tcpip/wire_dhcp.h"

#define S 1000000ull   /* microseconds in a second */

static const uint8_t mac[6] = { 0x02, 0x50, 0x56, 0x00, 0x00, 0x11 };

static rte_be32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* ---- a server's replies ----------------------------------------------- */

struct reply {
	uint8_t type;
	uint32_t xid;
	const uint8_t *chaddr;
	rte_be32_t yiaddr, server, mask, router;
	uint32_t lease, t1, t2;
	rte_be32_t dns[2];
};

static uint8_t *opt4(uint8_t *p, uint8_t code, const void *v)
{
	*p++ = code;
	*p++ = 4;
	memcpy(p, v, 4);
	return p + 4;
}

static uint8_t *opt32(uint8_t *p, uint8_t code, uint32_t v)
{
	uint32_t be = rte_cpu_to_be_32(v);

	return opt4(p, code, &be);
}

/* A BOOTREPLY of r into buf; returns its length. */
static size_t make_reply(uint8_t *buf, const struct reply *r)
{
	uint8_t *p = buf + 240;
	uint32_t xid = rte_cpu_to_be_32(r->xid), magic = rte_cpu_to_be_32(DHCP_MAGIC);

	memset(buf, 0, 600);
	buf[0] = 2;
	buf[1] = 1;
	buf[2] = 6;
	memcpy(buf + 4, &xid, 4);
	memcpy(buf + 16, &r->yiaddr, 4);
	memcpy(buf + 28, r->chaddr != NULL ? r->chaddr : mac, 6);
	memcpy(buf + 236, &magic, 4);
	*p++ = DHCP_OPT_MSG_TYPE;
	*p++ = 1;
	*p++ = r->type;
	if (r->server)
		p = opt4(p, DHCP_OPT_SERVER_ID, &r->server);
	if (r->mask)
		p = opt4(p, DHCP_OPT_NETMASK, &r->mask);
	if (r->router)
		p = opt4(p, DHCP_OPT_ROUTER, &r->router);
	if (r->lease)
		p = opt32(p, DHCP_OPT_LEASE, r->lease);
	if (r->t1)
		p = opt32(p, DHCP_OPT_T1, r->t1);
	if (r->t2)
		p = opt32(p, DHCP_OPT_T2, r->t2);
	if (r->dns[0]) {
		*p++ = DHCP_OPT_DNS;
		*p++ = 8;
		memcpy(p, r->dns, 8);
		p += 8;
	}
	*p++ = DHCP_OPT_END;
	return (size_t)(p - buf);
}

/* What the client sent, parsed the way a server reads it. */
struct sent {
	uint8_t type;
	uint32_t xid;
	uint16_t flags;
	rte_be32_t ciaddr, req_ip, server_id;
	bool dns_asked;
};

static void read_sent(const struct dhcp_out *o, struct sent *s)
{
	const uint8_t *b = o->buf;
	int i = 240;

	memset(s, 0, sizeof(*s));
	CU_ASSERT_FATAL(o->len >= DHCP_BOOTP_MIN);
	CU_ASSERT_EQUAL(b[0], 1);
	CU_ASSERT_EQUAL(memcmp(b + 28, mac, 6), 0);
	s->xid = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	s->flags = (uint16_t)(b[10] << 8 | b[11]);
	memcpy(&s->ciaddr, b + 12, 4);
	while (i < o->len && b[i] != DHCP_OPT_END) {
		uint8_t code = b[i], len = b[i + 1];

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_MSG_TYPE)
			s->type = b[i + 2];
		if (code == DHCP_OPT_REQ_IP)
			memcpy(&s->req_ip, b + i + 2, 4);
		if (code == DHCP_OPT_SERVER_ID)
			memcpy(&s->server_id, b + i + 2, 4);
		if (code == DHCP_OPT_PARAMS)
			s->dns_asked = memchr(b + i + 2, DHCP_OPT_DNS, len) != NULL;
		i += 2 + len;
	}
}

/* ---- wire ------------------------------------------------------------- */

static void test_build_then_parse_a_request_round_trips(void)
{
	struct dhcp_req r = { .type = DHCP_REQUEST, .xid = 0xdeadbeef, .secs = 3,
			      .broadcast = true, .req_ip = 0, .want_dns = true };
	struct dhcp_out o;
	struct sent s;

	memcpy(r.mac, mac, 6);
	r.req_ip = ip("198.51.100.50");
	r.server_id = ip("198.51.100.1");
	o.len = dhcp_build(o.buf, sizeof(o.buf), &r);
	read_sent(&o, &s);
	CU_ASSERT_EQUAL(s.type, DHCP_REQUEST);
	CU_ASSERT_EQUAL(s.xid, 0xdeadbeef);
	CU_ASSERT_EQUAL(s.flags, DHCP_FLAG_BROADCAST);
	CU_ASSERT_EQUAL(s.req_ip, ip("198.51.100.50"));
	CU_ASSERT_EQUAL(s.server_id, ip("198.51.100.1"));
	CU_ASSERT_TRUE(s.dns_asked);
	CU_ASSERT_EQUAL(dhcp_build(o.buf, 100, &r), -ENOSPC);
}

static void test_parse_reads_every_option_of_an_ack(void)
{
	struct reply r = { .type = DHCP_ACK, .xid = 7, .yiaddr = ip("198.51.100.50"),
			   .server = ip("198.51.100.1"), .mask = ip("255.255.255.0"),
			   .router = ip("198.51.100.254"), .lease = 120, .t1 = 4, .t2 = 8,
			   .dns = { ip("198.51.100.53"), ip("198.51.100.54") } };
	uint8_t buf[600];
	struct dhcp_msg m;

	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, make_reply(buf, &r)), 0);
	CU_ASSERT_EQUAL(m.type, DHCP_ACK);
	CU_ASSERT_EQUAL(m.xid, 7);
	CU_ASSERT_EQUAL(m.yiaddr, r.yiaddr);
	CU_ASSERT_EQUAL(m.server_id, r.server);
	CU_ASSERT_EQUAL(m.netmask, r.mask);
	CU_ASSERT_EQUAL(m.router, r.router);
	CU_ASSERT_EQUAL(m.lease_s, 120);
	CU_ASSERT_EQUAL(m.t1_s, 4);
	CU_ASSERT_EQUAL(m.t2_s, 8);
	CU_ASSERT_EQUAL(m.n_dns, 2);
	CU_ASSERT_EQUAL(m.dns[1], r.dns[1]);
}

static void test_parse_refuses_malformed_replies_with_their_reason(void)
{
	struct reply r = { .type = DHCP_OFFER, .xid = 7, .yiaddr = ip("198.51.100.50"),
			   .server = ip("198.51.100.1") };
	uint8_t buf[600];
	struct dhcp_msg m;
	size_t len = make_reply(buf, &r);

	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, 10), -VMK_DHCP_DROP_SHORT);
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, DHCP_MIN_LEN - 1), -VMK_DHCP_DROP_SHORT);
	buf[0] = 1;   /* a request, not a reply */
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), -VMK_DHCP_DROP_NOT_REPLY);
	buf[0] = 2;
	buf[2] = 16;  /* hardware address length */
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), -VMK_DHCP_DROP_NOT_REPLY);
	buf[2] = 6;
	buf[236] ^= 0xff;
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), -VMK_DHCP_DROP_MAGIC);
	buf[236] ^= 0xff;
	/* The server id's length runs past the end of the message. */
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, 240 + 3 + 4), -VMK_DHCP_DROP_OPTION);
	/* A length byte missing at the very end. */
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, 240 + 3 + 1), -VMK_DHCP_DROP_OPTION);
	/* A netmask of 3 bytes. */
	buf[243 + 0] = DHCP_OPT_NETMASK;
	buf[243 + 1] = 3;
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), -VMK_DHCP_DROP_OPTION);
	/* No message type at all. */
	buf[240] = DHCP_OPT_END;
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), -VMK_DHCP_DROP_TYPE);
	/* An unknown type. */
	buf[240] = DHCP_OPT_MSG_TYPE;
	buf[241] = 1;
	buf[242] = 99;
	buf[243] = DHCP_OPT_END;
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), -VMK_DHCP_DROP_TYPE);
}

static void test_parse_follows_option_overload_into_file_and_sname(void)
{
	struct reply r = { .type = DHCP_ACK, .xid = 7, .yiaddr = ip("198.51.100.50") };
	rte_be32_t sid = ip("198.51.100.1"), mask = ip("255.255.255.0");
	uint8_t buf[600];
	struct dhcp_msg m;
	size_t len = 300;   /* options, then zeros: pads */

	make_reply(buf, &r);
	/* options: type, overload 3, end; file: server id; sname: netmask. */
	buf[243] = DHCP_OPT_OVERLOAD;
	buf[244] = 1;
	buf[245] = 3;
	buf[246] = DHCP_OPT_END;
	opt4(buf + 108, DHCP_OPT_SERVER_ID, &sid)[0] = DHCP_OPT_END;
	opt4(buf + 44, DHCP_OPT_NETMASK, &mask)[0] = DHCP_OPT_END;
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), 0);
	CU_ASSERT_EQUAL(m.server_id, sid);
	CU_ASSERT_EQUAL(m.netmask, mask);
	/* An option in file that runs past file's 128 bytes. */
	buf[108 + 120] = DHCP_OPT_ROUTER;
	buf[108 + 121] = 40;
	buf[108 + 6] = DHCP_OPT_PAD;   /* the END after the server id */
	memset(buf + 108 + 6, DHCP_OPT_PAD, 114);
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), -VMK_DHCP_DROP_OPTION);
	/* Overload named again inside the overloaded area. */
	memset(buf + 108, DHCP_OPT_PAD, 128);
	buf[108] = DHCP_OPT_OVERLOAD;
	buf[109] = 1;
	buf[110] = 1;
	CU_ASSERT_EQUAL(dhcp_parse(&m, buf, len), -VMK_DHCP_DROP_OPTION);
}

static void test_random_replies_give_a_reason_never_a_crash(void)
{
	uint8_t buf[600];
	struct dhcp_msg m;
	uint64_t x = 88172645463325252ull;
	struct reply r = { .type = DHCP_ACK, .xid = 7, .yiaddr = ip("198.51.100.50"),
			   .server = ip("198.51.100.1"), .lease = 60 };

	for (int i = 0; i < 20000; i++) {
		size_t len = make_reply(buf, &r);
		int ret;

		/* Flip bytes in the options and cut the message anywhere. */
		for (int k = 0; k < 8; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[236 + x % (len - 236)] = (uint8_t)(x >> 32);
		}
		ret = dhcp_parse(&m, buf, 200 + x % 400);
		CU_ASSERT(ret == 0 || (ret < 0 && -ret < VMK_DHCP_DROP_MAX));
	}
}

/* ---- the state machine ------------------------------------------------- */

struct bed {
	struct dhcp_client c;
	struct dhcp_out out;
	uint8_t buf[600];
	uint64_t now;
};

static enum dhcp_event feed(struct bed *b, const struct reply *r)
{
	size_t len = make_reply(b->buf, r);

	return dhcp_client_input(&b->c, b->buf, len, b->now, &b->out);
}

static struct reply offer_of(uint32_t xid, uint8_t type)
{
	struct reply r = { .type = type, .xid = xid, .yiaddr = ip("198.51.100.50"),
			   .server = ip("198.51.100.1"), .mask = ip("255.255.255.0"),
			   .router = ip("198.51.100.1"), .lease = 120, .t1 = 30, .t2 = 90,
			   .dns = { ip("198.51.100.53"), ip("198.51.100.54") } };
	return r;
}

/* Lease 198.51.100.50 at b->now: DISCOVER, OFFER, REQUEST, ACK. */
static void lease(struct bed *b)
{
	struct sent s;
	struct reply r;

	CU_ASSERT_EQUAL(dhcp_client_poll(&b->c, b->now, &b->out), DHCP_EV_NONE);
	read_sent(&b->out, &s);
	CU_ASSERT_EQUAL(s.type, DHCP_DISCOVER);
	CU_ASSERT_EQUAL(b->out.src, 0);
	CU_ASSERT_EQUAL(b->out.dst, 0xffffffffu);
	CU_ASSERT_EQUAL(s.flags, DHCP_FLAG_BROADCAST);
	r = offer_of(s.xid, DHCP_OFFER);
	CU_ASSERT_EQUAL(feed(b, &r), DHCP_EV_NONE);
	read_sent(&b->out, &s);
	CU_ASSERT_EQUAL(s.type, DHCP_REQUEST);
	CU_ASSERT_EQUAL(s.req_ip, ip("198.51.100.50"));
	CU_ASSERT_EQUAL(s.server_id, ip("198.51.100.1"));
	CU_ASSERT_EQUAL(b->out.dst, 0xffffffffu);
	r = offer_of(s.xid, DHCP_ACK);
	CU_ASSERT_EQUAL(feed(b, &r), DHCP_EV_BOUND);
	CU_ASSERT_EQUAL(b->c.info.state, VMK_DHCP_BOUND);
	CU_ASSERT_EQUAL(b->c.lease.addr, ip("198.51.100.50"));
}

static void bed_init(struct bed *b, bool peer_dns)
{
	memset(b, 0, sizeof(*b));
	b->now = 1000 * S;
	dhcp_client_init(&b->c, mac, peer_dns, 42, b->now);
}

/* One more second: the client must now send a REQUEST for its lease in st. */
static void next_second_requests(struct bed *b, enum vmk_dhcp_state st, struct sent *s)
{
	b->now += 1 * S;
	dhcp_client_poll(&b->c, b->now, &b->out);
	read_sent(&b->out, s);
	CU_ASSERT_EQUAL(b->c.info.state, st);
	CU_ASSERT_EQUAL(s->type, DHCP_REQUEST);
	CU_ASSERT_EQUAL(s->ciaddr, ip("198.51.100.50"));
	CU_ASSERT_EQUAL(b->out.src, ip("198.51.100.50"));
}

static void test_client_leases_then_renews_unicast_at_t1(void)
{
	struct bed b;
	struct vmk_dhcp_info di;
	struct sent s;
	struct reply r;

	bed_init(&b, false);
	lease(&b);
	dhcp_client_describe(&b.c, b.now, &di);
	CU_ASSERT_EQUAL(di.netmask, ip("255.255.255.0"));
	CU_ASSERT_EQUAL(di.router, ip("198.51.100.1"));
	CU_ASSERT_EQUAL(di.n_dns, 0);   /* no -P true */
	CU_ASSERT_EQUAL(di.remaining_s, 120);
	b.now += 29 * S;
	CU_ASSERT_EQUAL(dhcp_client_poll(&b.c, b.now, &b.out), DHCP_EV_NONE);
	CU_ASSERT_EQUAL(b.out.len, 0);
	next_second_requests(&b, VMK_DHCP_RENEWING, &s);
	CU_ASSERT_EQUAL(s.req_ip, 0);     /* RFC 2131 4.3.2: not in RENEWING */
	CU_ASSERT_EQUAL(s.server_id, 0);
	CU_ASSERT_EQUAL(b.out.dst, ip("198.51.100.1"));
	r = offer_of(s.xid, DHCP_ACK);
	CU_ASSERT_EQUAL(feed(&b, &r), DHCP_EV_RENEWED);
	CU_ASSERT_EQUAL(b.c.info.state, VMK_DHCP_BOUND);
	CU_ASSERT_EQUAL(b.c.info.tx_renew, 1);
	/* The new lease runs from the renewal. */
	dhcp_client_describe(&b.c, b.now, &di);
	CU_ASSERT_EQUAL(di.remaining_s, 120);
}

static void test_client_rebinds_broadcast_at_t2_then_loses_the_lease_at_expiry(void)
{
	struct bed b;
	struct sent s;

	bed_init(&b, false);
	lease(&b);
	b.now += 30 * S;
	dhcp_client_poll(&b.c, b.now, &b.out);
	CU_ASSERT_EQUAL(b.c.info.state, VMK_DHCP_RENEWING);
	/* No answer: the next renewal waits at least 60 s, so T2 (90 s) comes first. */
	b.now += 59 * S;
	dhcp_client_poll(&b.c, b.now, &b.out);
	CU_ASSERT_EQUAL(b.out.len, 0);
	next_second_requests(&b, VMK_DHCP_REBINDING, &s);
	CU_ASSERT_EQUAL(b.out.dst, 0xffffffffu);
	CU_ASSERT_EQUAL(b.c.info.tx_rebind, 1);
	b.now += 30 * S - 1;
	CU_ASSERT_EQUAL(dhcp_client_poll(&b.c, b.now, &b.out), DHCP_EV_NONE);
	b.now += 1;
	CU_ASSERT_EQUAL(dhcp_client_poll(&b.c, b.now, &b.out), DHCP_EV_LOST);
	CU_ASSERT_EQUAL(b.c.info.expired, 1);
	CU_ASSERT_FALSE(b.c.have_lease);
	/* And starts over at once. */
	dhcp_client_poll(&b.c, b.now, &b.out);
	read_sent(&b.out, &s);
	CU_ASSERT_EQUAL(s.type, DHCP_DISCOVER);
}

static void test_client_nak_loses_the_lease_and_restarts(void)
{
	struct bed b;
	struct sent s;
	struct reply r;

	bed_init(&b, false);
	lease(&b);
	b.now += 30 * S;
	dhcp_client_poll(&b.c, b.now, &b.out);
	read_sent(&b.out, &s);
	r = offer_of(s.xid, DHCP_NAK);
	CU_ASSERT_EQUAL(feed(&b, &r), DHCP_EV_LOST);
	CU_ASSERT_EQUAL(b.c.info.rx_nak, 1);
	CU_ASSERT_EQUAL(b.c.info.state, VMK_DHCP_INIT);
	dhcp_client_poll(&b.c, b.now, &b.out);
	read_sent(&b.out, &s);
	CU_ASSERT_EQUAL(s.type, DHCP_DISCOVER);
	CU_ASSERT_EQUAL(b.c.info.state, VMK_DHCP_SELECTING);
}

static void test_client_counts_foreign_and_unexpected_messages(void)
{
	static const uint8_t other[6] = { 0x02, 0xee, 0xee, 0xee, 0xee, 0xee };
	struct bed b;
	struct sent s;
	struct reply r;

	bed_init(&b, true);
	dhcp_client_poll(&b.c, b.now, &b.out);
	read_sent(&b.out, &s);
	CU_ASSERT_TRUE(s.dns_asked);
	r = offer_of(s.xid + 1, DHCP_OFFER);
	feed(&b, &r);
	CU_ASSERT_EQUAL(b.c.info.drops[VMK_DHCP_DROP_XID], 1);
	r = offer_of(s.xid, DHCP_OFFER);
	r.chaddr = other;
	feed(&b, &r);
	CU_ASSERT_EQUAL(b.c.info.drops[VMK_DHCP_DROP_CHADDR], 1);
	r = offer_of(s.xid, DHCP_ACK);   /* an ACK while selecting */
	feed(&b, &r);
	CU_ASSERT_EQUAL(b.c.info.drops[VMK_DHCP_DROP_STATE], 1);
	r = offer_of(s.xid, DHCP_OFFER);
	r.server = 0;                    /* no server identifier */
	feed(&b, &r);
	r = offer_of(s.xid, DHCP_OFFER);
	r.yiaddr = ip("224.0.0.1");
	feed(&b, &r);
	CU_ASSERT_EQUAL(b.c.info.drops[VMK_DHCP_DROP_LEASE], 2);
	CU_ASSERT_EQUAL(feed(&b, &(struct reply){ .type = DHCP_OFFER }), DHCP_EV_NONE);
	dhcp_client_input(&b.c, b.buf, 5, b.now, &b.out);
	CU_ASSERT_EQUAL(b.c.info.drops[VMK_DHCP_DROP_SHORT], 1);
	CU_ASSERT_EQUAL(b.c.info.state, VMK_DHCP_SELECTING);
	/* The good offer still gets its lease, with the DNS servers. */
	r = offer_of(s.xid, DHCP_OFFER);
	feed(&b, &r);
	read_sent(&b.out, &s);
	r = offer_of(s.xid, DHCP_ACK);
	CU_ASSERT_EQUAL(feed(&b, &r), DHCP_EV_BOUND);
	CU_ASSERT_EQUAL(b.c.lease.n_dns, 2);
	CU_ASSERT_EQUAL(b.c.lease.dns[0], ip("198.51.100.53"));
}

static void test_client_retries_discover_with_backoff_and_request_four_times(void)
{
	struct bed b;
	struct sent s;
	struct reply r;
	uint64_t t0 = 1000 * S;

	bed_init(&b, false);
	dhcp_client_poll(&b.c, b.now, &b.out);
	/* 4 s +- 1 s, then 8 s +- 1 s. */
	CU_ASSERT(b.c.next_us >= t0 + 3 * S && b.c.next_us <= t0 + 5 * S);
	b.now = b.c.next_us;
	dhcp_client_poll(&b.c, b.now, &b.out);
	CU_ASSERT_EQUAL(b.c.info.tx_discover, 2);
	CU_ASSERT(b.c.next_us >= b.now + 7 * S && b.c.next_us <= b.now + 9 * S);
	read_sent(&b.out, &s);
	r = offer_of(s.xid, DHCP_OFFER);
	feed(&b, &r);
	for (int i = 0; i < 3; i++) {
		b.now = b.c.next_us;
		dhcp_client_poll(&b.c, b.now, &b.out);
	}
	CU_ASSERT_EQUAL(b.c.info.tx_request, 4);
	b.now = b.c.next_us;
	dhcp_client_poll(&b.c, b.now, &b.out);
	CU_ASSERT_EQUAL(b.c.info.state, VMK_DHCP_INIT);
}

static void test_client_release_and_decline(void)
{
	struct bed b;
	struct sent s;

	bed_init(&b, false);
	dhcp_client_release(&b.c, &b.out);
	CU_ASSERT_EQUAL(b.out.len, 0);   /* nothing held: nothing to release */
	lease(&b);
	dhcp_client_release(&b.c, &b.out);
	read_sent(&b.out, &s);
	CU_ASSERT_EQUAL(s.type, DHCP_RELEASE);
	CU_ASSERT_EQUAL(s.ciaddr, ip("198.51.100.50"));
	CU_ASSERT_EQUAL(s.server_id, ip("198.51.100.1"));
	CU_ASSERT_EQUAL(b.out.dst, ip("198.51.100.1"));
	CU_ASSERT_FALSE(b.c.have_lease);
	b.c.next_us = b.now;   /* a released client is stopped; start it again */
	lease(&b);
	dhcp_client_decline(&b.c, b.now, &b.out);
	read_sent(&b.out, &s);
	CU_ASSERT_EQUAL(s.type, DHCP_DECLINE);
	CU_ASSERT_EQUAL(s.req_ip, ip("198.51.100.50"));
	CU_ASSERT_EQUAL(s.ciaddr, 0);
	/* RFC 2131 3.1.5: at least 10 s before the next DISCOVER. */
	CU_ASSERT_EQUAL(b.c.next_us, b.now + DHCP_DECLINE_WAIT_US);
}

static void test_client_defaults_t1_t2_and_clamps_bad_ones(void)
{
	struct bed b;
	struct sent s;
	struct reply r;

	bed_init(&b, false);
	dhcp_client_poll(&b.c, b.now, &b.out);
	read_sent(&b.out, &s);
	r = offer_of(s.xid, DHCP_OFFER);
	feed(&b, &r);
	read_sent(&b.out, &s);
	r = offer_of(s.xid, DHCP_ACK);
	r.lease = 800;
	r.t1 = 0;
	r.t2 = 5000;   /* beyond the lease: ignored */
	feed(&b, &r);
	CU_ASSERT_EQUAL(b.c.lease.t1_s, 400);
	CU_ASSERT_EQUAL(b.c.lease.t2_s, 700);
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dhcp", NULL, NULL);
	ADD(s, test_build_then_parse_a_request_round_trips);
	ADD(s, test_parse_reads_every_option_of_an_ack);
	ADD(s, test_parse_refuses_malformed_replies_with_their_reason);
	ADD(s, test_parse_follows_option_overload_into_file_and_sname);
	ADD(s, test_random_replies_give_a_reason_never_a_crash);
	ADD(s, test_client_leases_then_renews_unicast_at_t1);
	ADD(s, test_client_rebinds_broadcast_at_t2_then_loses_the_lease_at_expiry);
	ADD(s, test_client_nak_loses_the_lease_and_restarts);
	ADD(s, test_client_counts_foreign_and_unexpected_messages);
	ADD(s, test_client_retries_discover_with_backoff_and_request_four_times);
	ADD(s, test_client_release_and_decline);
	ADD(s, test_client_defaults_t1_t2_and_clamps_bad_ones);
	return th_cunit_run();
}
