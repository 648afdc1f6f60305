/*
 * The host firewall's data path: a netstack's connection table (DPDK
 * rte_hash, bounded: conn_max entries, full means a new connection is
 * refused and counted) and the verdict on each datagram into or out of
 * its adapters (the order is firewall.h's: table, ICMP errors about a
 * known connection, the first enabled ruleset, the default action).
 *
 * A connection is keyed the same way from both directions (local and
 * remote address and port; an ICMP echo's identifier as the local port).
 * An entry remembers the view it was last checked against: after an
 * apply its next packet checks it again against the new rules, so a
 * connection the new rules still allow never notices, and one they do not
 * is removed and its packets dropped. Entries idle past their protocol's
 * timeout are reclaimed by a small sweep on each insertion, and on the spot
 * when the table is full.
 *
 * Threading: ns->lock held for everything here (the worker's poll, or an
 * application's call on the netstack); the view is read under it only.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "tcpip/firewall.h"
#include "tcpip/netstack.h"

#define TCP_IDLE_US     (3600ull * 1000000ull)  /* an established TCP connection */
#define TCP_CLOSING_US  (10ull * 1000000ull)    /* after a FIN or RST */
#define UDP_IDLE_US     (180ull * 1000000ull)
#define ICMP_IDLE_US    (30ull * 1000000ull)
#define SWEEP_STEP      4u                       /* entries looked at per insertion */
#define SWEEP_FULL      64u                      /* ... and when the table is full */

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

struct fw_ckey {
	rte_be32_t local, remote;
	uint16_t lport, rport;        /* host order */
	uint8_t proto;
	uint8_t pad[3];
};

/* A datagram as the firewall sees it. */
struct fw_pkt {
	unsigned int dir;
	uint8_t proto;
	rte_be32_t local, remote;
	uint16_t sport, dport;        /* the packet's, host order (ICMP: 0, type) */
	uint8_t tcp_flags;
	uint8_t icmp_type;
	bool icmp_err;                /* with the quoted connection in inner */
	struct fw_ckey key, inner;
};

static uint32_t ckey_hash(const void *key, uint32_t len, uint32_t init)
{
	uint64_t a, b;

	(void)len;
	memcpy(&a, key, 8);
	memcpy(&b, (const uint8_t *)key + 8, 8);
	return rte_hash_crc_8byte(b, rte_hash_crc_8byte(a, init));
}

struct fw_ns *fw_ns_alloc(uint32_t conn_max)
{
	static uint32_t seq;
	struct fw_ns *f = calloc(1, sizeof(*f));
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters p = {
		.name = name, .entries = conn_max, .key_len = sizeof(struct fw_ckey),
		.hash_func = ckey_hash, .socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	int32_t max;

	if (f == NULL)
		return NULL;
	snprintf(name, sizeof(name), "vmkfwc%u", __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	f->h = rte_hash_create(&p);
	if (f->h == NULL)
		goto free_f;
	max = rte_hash_max_key_id(f->h);
	if (max < 0)
		goto free_hash;
	f->conns = rte_zmalloc("vmk_fw_conns", ((size_t)max + 1) * sizeof(*f->conns), 0);
	if (f->conns == NULL)
		goto free_hash;
	f->cap = conn_max;
	f->tmo[0] = TCP_IDLE_US * rte_get_tsc_hz() / 1000000ull;
	f->tmo[1] = TCP_CLOSING_US * rte_get_tsc_hz() / 1000000ull;
	f->tmo[2] = UDP_IDLE_US * rte_get_tsc_hz() / 1000000ull;
	f->tmo[3] = ICMP_IDLE_US * rte_get_tsc_hz() / 1000000ull;
	return f;
free_hash:
	rte_hash_free(f->h);
free_f:
	free(f);
	return NULL;
}

void fw_ns_free(struct fw_ns *f)
{
	if (f == NULL)
		return;
	rte_hash_free(f->h);
	rte_free(f->conns);
	free(f);
}

/* ---- parsing ----------------------------------------------------------- */

/* len bytes at off, when the packet has them. */
static bool rd(const struct rte_mbuf *m, uint32_t off, void *dst, uint32_t len)
{
	if (off + len > m->pkt_len)
		return false;
	pkt_read(m, off, dst, len);
	return true;
}

static void key_of(struct fw_ckey *k, uint8_t proto, rte_be32_t local, rte_be32_t remote,
		   uint16_t lport, uint16_t rport)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->local = local;
	k->remote = remote;
	k->lport = lport;
	k->rport = rport;
}

static bool is_icmp_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 11 || type == 12;
}

/* The connection an ICMP error quotes (a datagram whose source is ours
 * when the error comes in, the peer's when it goes out). */
static bool inner_of(const struct rte_mbuf *m, uint32_t off, unsigned int dir,
		     struct fw_ckey *k)
{
	uint8_t ip[20], l4[8];
	rte_be32_t isrc, idst;
	uint16_t a, b;
	unsigned int ihl;

	if (!rd(m, off, ip, sizeof(ip)) || (ip[0] >> 4) != 4)
		return false;
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < 20 || !rd(m, off + ihl, l4, sizeof(l4)))
		return false;
	memcpy(&isrc, ip + 12, 4);
	memcpy(&idst, ip + 16, 4);
	if (ip[9] == IPPROTO_ICMP) {
		a = (uint16_t)(l4[4] << 8 | l4[5]);       /* the echo's identifier */
		b = 0;
	} else {
		a = (uint16_t)(l4[0] << 8 | l4[1]);
		b = (uint16_t)(l4[2] << 8 | l4[3]);
	}
	if (dir == VMK_FW_INBOUND)     /* we sent the quoted datagram */
		key_of(k, ip[9], isrc, idst, a, b);
	else
		key_of(k, ip[9], idst, isrc, ip[9] == IPPROTO_ICMP ? a : b,
		       ip[9] == IPPROTO_ICMP ? 0 : a);
	return true;
}

/* Fill p from the L4 header at off. false: not TCP, UDP or ICMP, or too
 * short to say (the layer above refuses it; the firewall lets it go). */
static bool parse_l4(struct fw_pkt *p, const struct rte_mbuf *m, uint32_t off)
{
	uint8_t h[14];
	uint16_t lport, rport;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (!rd(m, off, h, 14))
			return false;
		p->tcp_flags = h[13];
		break;
	case IPPROTO_UDP:
		if (!rd(m, off, h, 4))
			return false;
		break;
	case IPPROTO_ICMP:
		if (!rd(m, off, h, 8))
			return false;
		p->icmp_type = h[0];
		p->sport = 0;
		p->dport = h[0];
		p->icmp_err = is_icmp_error(h[0]) && inner_of(m, off + 8, p->dir, &p->inner);
		lport = (h[0] == 8 || h[0] == 0) ? (uint16_t)(h[4] << 8 | h[5]) : 0;
		key_of(&p->key, p->proto, p->local, p->remote, lport, 0);
		return true;
	default:
		return false;
	}
	p->sport = (uint16_t)(h[0] << 8 | h[1]);
	p->dport = (uint16_t)(h[2] << 8 | h[3]);
	lport = p->dir == VMK_FW_INBOUND ? p->dport : p->sport;
	rport = p->dir == VMK_FW_INBOUND ? p->sport : p->dport;
	key_of(&p->key, p->proto, p->local, p->remote, lport, rport);
	return true;
}

static unsigned int fw_proto(uint8_t proto)
{
	return proto == IPPROTO_TCP ? VMK_FW_TCP : proto == IPPROTO_UDP ? VMK_FW_UDP : VMK_FW_ICMP;
}

/* ---- the table ---------------------------------------------------------- */

static uint64_t idle_limit(const struct fw_ns *f, const struct fw_ckey *k,
			   const struct fw_conn *c)
{
	if (k->proto == IPPROTO_TCP)
		return f->tmo[c->closing ? 1 : 0];
	return f->tmo[k->proto == IPPROTO_UDP ? 2 : 3];
}

/* Idle past its timeout? (A clock behind the entry's is not.) */
static bool idle(const struct fw_ns *f, const struct fw_ckey *k, const struct fw_conn *c,
		 uint64_t now)
{
	return now > c->last_tsc && now - c->last_tsc > idle_limit(f, k, c);
}

static void conn_remove(struct fw_ns *f, const struct fw_ckey *k)
{
	if (rte_hash_del_key(f->h, k) >= 0)
		f->count--;
}

/* Look at up to n entries from the cursor; remove the idle ones. */
static void sweep(struct fw_ns *f, unsigned int n, uint64_t now)
{
	for (unsigned int i = 0; i < n && f->count > 0; i++) {
		const void *key;
		void *data;
		int32_t pos = rte_hash_iterate(f->h, &key, &data, &f->sweep_next);

		if (pos < 0) {
			f->sweep_next = 0;
			continue;
		}
		if (idle(f, key, &f->conns[pos], now)) {
			struct fw_ckey k;

			memcpy(&k, key, sizeof(k));
			conn_remove(f, &k);
			f->conn_expired++;
		}
	}
}

static struct fw_conn *conn_find(struct fw_ns *f, const struct fw_ckey *k, uint64_t now)
{
	int32_t pos = rte_hash_lookup(f->h, k);

	if (pos < 0)
		return NULL;
	if (idle(f, k, &f->conns[pos], now)) {
		conn_remove(f, k);
		f->conn_expired++;
		return NULL;
	}
	return &f->conns[pos];
}

/* A new entry, or NULL when the table is full even after a sweep. */
static struct fw_conn *conn_add(struct fw_ns *f, const struct fw_pkt *p, uint8_t slot,
				uint64_t gen, uint64_t now)
{
	int32_t pos;

	sweep(f, SWEEP_STEP, now);
	if (f->count >= f->cap)
		sweep(f, SWEEP_FULL, now);
	if (f->count >= f->cap)
		return NULL;
	pos = rte_hash_add_key(f->h, &p->key);
	if (pos < 0)
		return NULL;
	f->count++;
	f->conns[pos] = (struct fw_conn){ .last_tsc = now, .gen = gen, .slot = slot,
					  .dir = (uint8_t)p->dir,
					  .icmp_echo = p->proto == IPPROTO_ICMP };
	return &f->conns[pos];
}

/* ---- the verdict -------------------------------------------------------- */

/* The opening packet of c, checked against v: its new slot, or -1 when
 * v no longer lets it in. */
static int recheck(const struct fw_view *v, const struct fw_ckey *k, const struct fw_conn *c)
{
	unsigned int dir = c->dir;
	uint16_t sport, dport;
	uint32_t hit;

	if (c->icmp_echo) {
		sport = 0;
		dport = 8;
	} else {
		sport = dir == VMK_FW_INBOUND ? k->rport : k->lport;
		dport = dir == VMK_FW_INBOUND ? k->lport : k->rport;
	}
	hit = fw_classify(v->allow, dir * 4u + fw_proto(k->proto), k->remote,
			  rte_cpu_to_be_16(sport), rte_cpu_to_be_16(dport));
	if (hit != 0)
		return v->slot[hit - 1];
	return v->default_pass ? FW_SLOT_NONE : -1;
}

static bool conn_pass(struct fw_ns *f, const struct fw_view *v, struct fw_conn *c,
		      const struct fw_pkt *p, uint64_t now, enum vmk_ip_drop_reason *why)
{
	if (c->gen != v->gen) {
		int slot = recheck(v, &p->key, c);

		if (slot < 0) {
			if (c->slot != FW_SLOT_NONE)
				f->rs_dropped[c->slot]++;
			conn_remove(f, &p->key);
			*why = VMK_IPDROP_FW_REVOKED;
			return false;
		}
		c->slot = (uint8_t)slot;
		c->gen = v->gen;
	}
	c->last_tsc = now;
	if (p->tcp_flags & (TCPF_FIN | TCPF_RST))
		c->closing = 1;
	f->conn_passed++;
	if (c->slot != FW_SLOT_NONE)
		f->rs_allowed[c->slot]++;
	return true;
}

/* Does the packet start something the table should remember? A TCP
 * segment that is not a reset (a SYN, or one of a connection older than
 * the table: picked up mid-stream), a UDP datagram, an echo request. */
static bool opens(const struct fw_pkt *p)
{
	if (p->proto == IPPROTO_TCP)
		return !(p->tcp_flags & TCPF_RST);
	if (p->proto == IPPROTO_UDP)
		return true;
	return p->icmp_type == 8;
}

static bool by_rules(struct netstack *ns, struct fw_ns *f, const struct fw_view *v,
		     const struct fw_pkt *p, uint64_t now, enum vmk_ip_drop_reason *why)
{
	unsigned int dp = p->dir * 4u + fw_proto(p->proto);
	rte_be16_t sport = rte_cpu_to_be_16(p->sport), dport = rte_cpu_to_be_16(p->dport);
	uint32_t hit = fw_classify(v->allow, dp, p->remote, sport, dport);
	uint8_t slot = hit != 0 ? v->slot[hit - 1] : FW_SLOT_NONE;

	if (hit == 0 && !v->default_pass) {
		uint32_t blame = fw_classify(v->blame, dp, p->remote, sport, dport);

		if (blame != 0)
			f->rs_dropped[v->slot[blame - 1]]++;
		f->default_dropped[p->dir]++;
		fw_log_drop(ns, p->dir, p->proto, p->remote, p->sport, p->dport,
			    "dropped by the default action");
		*why = VMK_IPDROP_FW_DEFAULT;
		return false;
	}
	if (opens(p) && conn_add(f, p, slot, v->gen, now) == NULL) {
		f->conn_refused++;
		fw_log_drop(ns, p->dir, p->proto, p->remote, p->sport, p->dport,
			    "connection table full");
		*why = VMK_IPDROP_FW_CONN_FULL;
		return false;
	}
	if (hit != 0)
		f->rs_allowed[slot]++;
	else
		f->default_passed[p->dir]++;
	return true;
}

/* The view when the firewall is on and ns has its table, or NULL. */
static const struct fw_view *active(struct netstack *ns) VMK_REQUIRES(ns->lock)
{
	const struct fw_view *v = __atomic_load_n(&ns->th->fw->view, __ATOMIC_ACQUIRE);

	return v->enabled && ns->fw != NULL ? v : NULL;
}

static bool verdict(struct netstack *ns, const struct fw_view *v, struct fw_pkt *p,
		    const struct rte_mbuf *m, uint32_t l4off, enum vmk_ip_drop_reason *why)
	VMK_REQUIRES(ns->lock)
{
	uint64_t now = rte_rdtsc();
	struct fw_ns *f = ns->fw;
	struct fw_conn *c;

	if (!parse_l4(p, m, l4off))
		return true;
	c = conn_find(f, &p->key, now);
	if (c != NULL)
		return conn_pass(f, v, c, p, now, why);
	if (p->icmp_err) {
		c = conn_find(f, &p->inner, now);
		if (c != NULL && (c->gen == v->gen || recheck(v, &p->inner, c) >= 0)) {
			f->icmp_err_passed++;
			return true;
		}
	}
	return by_rules(ns, f, v, p, now, why);
}

bool fw_input(struct netstack *ns, const struct rte_mbuf *m, uint16_t hlen,
	      enum vmk_ip_drop_reason *why)
{
	const struct fw_view *v;
	struct fw_pkt p;
	uint8_t h[20];

	ns_lock_held(ns);
	v = active(ns);
	if (v == NULL || !rd(m, 0, h, sizeof(h)))
		return true;
	memset(&p, 0, sizeof(p));
	p.dir = VMK_FW_INBOUND;
	p.proto = h[9];
	memcpy(&p.remote, h + 12, 4);
	memcpy(&p.local, h + 16, 4);
	return verdict(ns, v, &p, m, hlen, why);
}

bool fw_output(struct netstack *ns, const struct rte_mbuf *m, rte_be32_t src, rte_be32_t dst,
	       uint8_t proto, enum vmk_ip_drop_reason *why)
{
	const struct fw_view *v;
	struct fw_pkt p;

	ns_lock_held(ns);
	v = active(ns);
	if (v == NULL)
		return true;
	memset(&p, 0, sizeof(p));
	p.dir = VMK_FW_OUTBOUND;
	p.proto = proto;
	p.local = src;
	p.remote = dst;
	return verdict(ns, v, &p, m, 0, why);
}
