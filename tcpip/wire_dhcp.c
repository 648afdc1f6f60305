/*
 * DHCP parse and build (see wire_dhcp.h). The parser checks every length
 * before it reads: the fixed BOOTP part, the cookie, then each option's
 * code and length against the end of its area (options, then file and
 * sname when option 52 says so). Stateless, any thread.
 */
#include <errno.h>
#include <string.h>

#include "tcpip/wire_dhcp.h"

#define OFF_OP      0
#define OFF_HTYPE   1
#define OFF_HLEN    2
#define OFF_XID     4
#define OFF_SECS    8
#define OFF_FLAGS   10
#define OFF_CIADDR  12
#define OFF_YIADDR  16
#define OFF_SIADDR  20
#define OFF_CHADDR  28
#define OFF_SNAME   44
#define OFF_FILE    108
#define OFF_MAGIC   236
#define OFF_OPTIONS 240

#define BOOTREQUEST 1
#define BOOTREPLY   2

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static rte_be32_t get_addr(const uint8_t *p)
{
	rte_be32_t a;

	memcpy(&a, p, 4);
	return a;
}

/* One option's value into m. Lengths are checked by the caller's table. */
static int take_option(struct dhcp_msg *m, uint8_t code, const uint8_t *v, uint8_t len,
		       uint8_t *overload)
{
	switch (code) {
	case DHCP_OPT_MSG_TYPE:
		if (len != 1)
			return -VMK_DHCP_DROP_OPTION;
		m->type = v[0];
		return 0;
	case DHCP_OPT_OVERLOAD:
		if (len != 1 || v[0] < 1 || v[0] > 3)
			return -VMK_DHCP_DROP_OPTION;
		*overload = v[0];
		return 0;
	case DHCP_OPT_NETMASK:
	case DHCP_OPT_SERVER_ID:
	case DHCP_OPT_LEASE:
	case DHCP_OPT_T1:
	case DHCP_OPT_T2:
		if (len != 4)
			return -VMK_DHCP_DROP_OPTION;
		break;
	case DHCP_OPT_ROUTER:
	case DHCP_OPT_DNS:
		if (len == 0 || len % 4 != 0)
			return -VMK_DHCP_DROP_OPTION;
		break;
	default:
		return 0;   /* not ours: skipped */
	}
	switch (code) {
	case DHCP_OPT_NETMASK: m->netmask = get_addr(v); break;
	case DHCP_OPT_SERVER_ID: m->server_id = get_addr(v); break;
	case DHCP_OPT_LEASE: m->lease_s = get32(v); break;
	case DHCP_OPT_T1: m->t1_s = get32(v); break;
	case DHCP_OPT_T2: m->t2_s = get32(v); break;
	case DHCP_OPT_ROUTER: m->router = get_addr(v); break;
	default: /* DNS */
		for (uint8_t i = 0; i < len / 4 && m->n_dns < VMK_DHCP_DNS_MAX; i++)
			m->dns[m->n_dns++] = get_addr(v + 4 * i);
	}
	return 0;
}

/* Walk one option area [p, p + len). A missing END is allowed (the area
 * ends), an option whose length runs past the area is not. */
static int walk_options(struct dhcp_msg *m, const uint8_t *p, size_t len, uint8_t *overload)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i], olen;
		int ret;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return 0;
		if (i + 2 > len)
			return -VMK_DHCP_DROP_OPTION;
		olen = p[i + 1];
		if (i + 2 + olen > len)
			return -VMK_DHCP_DROP_OPTION;
		ret = take_option(m, code, p + i + 2, olen, overload);
		if (ret < 0)
			return ret;
		i += 2u + olen;
	}
	return 0;
}

int dhcp_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len)
{
	uint8_t overload = 0, ignored = 0;
	int ret;

	memset(m, 0, sizeof(*m));
	if (len < DHCP_MIN_LEN)
		return -VMK_DHCP_DROP_SHORT;
	if (buf[OFF_OP] != BOOTREPLY || buf[OFF_HTYPE] != 1 || buf[OFF_HLEN] != 6)
		return -VMK_DHCP_DROP_NOT_REPLY;
	if (get32(buf + OFF_MAGIC) != DHCP_MAGIC)
		return -VMK_DHCP_DROP_MAGIC;
	m->xid = get32(buf + OFF_XID);
	memcpy(m->chaddr, buf + OFF_CHADDR, 6);
	m->yiaddr = get_addr(buf + OFF_YIADDR);
	m->siaddr = get_addr(buf + OFF_SIADDR);
	ret = walk_options(m, buf + OFF_OPTIONS, len - OFF_OPTIONS, &overload);
	/* RFC 2131 4.1: file first, then sname; neither may overload again. */
	if (ret == 0 && (overload & 1))
		ret = walk_options(m, buf + OFF_FILE, OFF_MAGIC - OFF_FILE, &ignored);
	if (ret == 0 && (overload & 2))
		ret = walk_options(m, buf + OFF_SNAME, OFF_FILE - OFF_SNAME, &ignored);
	if (ret == 0 && ignored != 0)
		ret = -VMK_DHCP_DROP_OPTION;
	if (ret < 0)
		return ret;
	if (m->type < DHCP_DISCOVER || m->type > DHCP_INFORM)
		return -VMK_DHCP_DROP_TYPE;
	return 0;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static uint8_t *put_opt(uint8_t *p, uint8_t code, const void *v, uint8_t len)
{
	*p++ = code;
	*p++ = len;
	memcpy(p, v, len);
	return p + len;
}

/* The options of a request, after the cookie. At most ~100 bytes. */
static uint8_t *put_options(uint8_t *p, const struct dhcp_req *r)
{
	static const uint8_t params[] = { DHCP_OPT_NETMASK, DHCP_OPT_ROUTER, DHCP_OPT_LEASE,
					  DHCP_OPT_T1, DHCP_OPT_T2, DHCP_OPT_DNS,
					  DHCP_OPT_DOMAIN };
	uint8_t cid[7] = { 1 };   /* hardware type Ethernet, then the MAC */
	uint8_t max[2] = { DHCP_BUF_SIZE >> 8, DHCP_BUF_SIZE & 0xff };

	p = put_opt(p, DHCP_OPT_MSG_TYPE, &r->type, 1);
	memcpy(cid + 1, r->mac, 6);
	p = put_opt(p, DHCP_OPT_CLIENT_ID, cid, sizeof(cid));
	if (r->req_ip != 0)
		p = put_opt(p, DHCP_OPT_REQ_IP, &r->req_ip, 4);
	if (r->server_id != 0)
		p = put_opt(p, DHCP_OPT_SERVER_ID, &r->server_id, 4);
	if (r->type == DHCP_DISCOVER || r->type == DHCP_REQUEST) {
		p = put_opt(p, DHCP_OPT_MAX_SIZE, max, 2);
		/* DNS and domain come last so leaving them out is a shorter list. */
		p = put_opt(p, DHCP_OPT_PARAMS, params,
			    (uint8_t)(r->want_dns ? sizeof(params) : sizeof(params) - 2));
		if (r->hostname != NULL && r->hostname[0] != '\0') {
			size_t n = strnlen(r->hostname, 63);

			p = put_opt(p, DHCP_OPT_HOSTNAME, r->hostname, (uint8_t)n);
		}
	}
	*p++ = DHCP_OPT_END;
	return p;
}

int dhcp_build(uint8_t *buf, size_t size, const struct dhcp_req *r)
{
	uint8_t *p;
	size_t len;

	if (size < DHCP_BUF_SIZE)
		return -ENOSPC;
	memset(buf, 0, DHCP_BUF_SIZE);
	buf[OFF_OP] = BOOTREQUEST;
	buf[OFF_HTYPE] = 1;
	buf[OFF_HLEN] = 6;
	put32(buf + OFF_XID, r->xid);
	buf[OFF_SECS] = (uint8_t)(r->secs >> 8);
	buf[OFF_SECS + 1] = (uint8_t)r->secs;
	if (r->broadcast)
		buf[OFF_FLAGS] = DHCP_FLAG_BROADCAST >> 8;
	memcpy(buf + OFF_CIADDR, &r->ciaddr, 4);
	memcpy(buf + OFF_CHADDR, r->mac, 6);
	put32(buf + OFF_MAGIC, DHCP_MAGIC);
	p = put_options(buf + OFF_OPTIONS, r);
	len = (size_t)(p - buf);
	return (int)(len < DHCP_BOOTP_MIN ? DHCP_BOOTP_MIN : len);
}
