/*
 * The echo-request API behind vmkping (vmk_ping): a session per call,
 * registered in the netstack so ICMP input can record replies and errors by
 * (identifier, sequence), and a blocking driver on the caller's thread that
 * sends on schedule and reports each outcome in sequence order.
 *
 * Threading: the caller's thread builds and sends requests with the
 * netstack lock held and polls the session (sleeping with the lock
 * released); the worker fills replies in under the same lock.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_random.h>

#include <vmknet/netstack.h>

#include "common/error.h"
#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"
#include "tcpip/wire_icmp.h"
#include "tcpip/wire_ipv4.h"

#define PING_MAX_COUNT 1000
#define PING_MAX_SIZE  (IPV4_MAX_LEN - IPV4_HLEN - ICMP_HLEN)

void ping_on_reply(struct netstack *ns, uint16_t ident, uint16_t seq, int status,
		   rte_be32_t from, uint32_t size, uint8_t ttl, uint16_t mtu, uint64_t now)
{
	for (unsigned int i = 0; i < PING_MAX; i++) {
		struct ping_session *p = ns->pings[i];
		struct vmk_ping_reply *r;

		if (p == NULL || p->ident != ident || seq == 0 || seq > p->count)
			continue;
		if (p->done[seq - 1] && status == 0 && p->r[seq - 1].status == 0)
			p->dups++;     /* a second echo reply to one request */
		if (p->done[seq - 1] || p->sent_us[seq - 1] == 0)
			return;
		r = &p->r[seq - 1];
		r->status = status;
		r->rtt_us = (uint32_t)(now - p->sent_us[seq - 1]);
		r->from = from;
		r->size = size;
		r->ttl = ttl;
		r->mtu = mtu;
		p->done[seq - 1] = 1;
		return;
	}
}

void vmk_ping_params_init(struct vmk_ping_params *p)
{
	memset(p, 0, sizeof(*p));
	p->count = 3;
	p->size = 56;
	p->interval_ms = 1000;
	p->timeout_ms = 1000;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000u),
			       .tv_nsec = (long)(us % 1000000u) * 1000L };

	nanosleep(&ts, NULL);
}

static void session_free(struct ping_session *p)
{
	if (p == NULL)
		return;
	free(p->sent_us);
	free(p->r);
	free(p->done);
	free(p);
}

static struct ping_session *session_new(uint32_t count)
{
	struct ping_session *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->count = count;
	p->sent_us = calloc(count, sizeof(*p->sent_us));
	p->r = calloc(count, sizeof(*p->r));
	p->done = calloc(count, 1);
	if (p->sent_us == NULL || p->r == NULL || p->done == NULL) {
		session_free(p);
		return NULL;
	}
	for (uint32_t i = 0; i < count; i++)
		p->r[i].seq = (uint16_t)(i + 1);
	return p;
}

/* Register with a fresh identifier. Lock held. Returns 0 or -EBUSY. */
static int session_register(struct netstack *ns, struct ping_session *p)
{
	int slot = -1;

	for (unsigned int i = 0; i < PING_MAX; i++)
		if (ns->pings[i] == NULL && slot < 0)
			slot = (int)i;
	if (slot < 0)
		return -EBUSY;
	for (bool clash = true; clash;) {
		p->ident = (uint16_t)rte_rand();
		clash = false;
		for (unsigned int i = 0; i < PING_MAX; i++)
			if (ns->pings[i] != NULL && ns->pings[i]->ident == p->ident)
				clash = true;
	}
	ns->pings[slot] = p;
	return 0;
}

static void session_unregister(struct netstack *ns, struct ping_session *p)
{
	vmk_spin_lock(&ns->lock);
	for (unsigned int i = 0; i < PING_MAX; i++)
		if (ns->pings[i] == p)
			ns->pings[i] = NULL;
	vmk_spin_unlock(&ns->lock);
}

/* Build and send request seq. Lock held. */
static void send_one(struct netstack *ns, struct ping_session *ps, struct tcpip_if *ifc,
		     const struct vmk_ping_params *p, uint16_t seq)
	VMK_REQUIRES(ns->lock)
{
	struct icmp_repr r = { .type = ICMP_ECHO_REQUEST, .id = ps->ident, .seq = seq };
	uint8_t ttl = p->ttl_probes ? (uint8_t)RTE_MIN(255, 1 + (seq - 1) / p->ttl_probes) : p->ttl;
	struct ip_out o = { .dst = p->dst, .proto = IPPROTO_ICMP, .ttl = ttl, .df = p->df,
			    .ifc = ifc, .src = ifc != NULL ? ifc->addr : 0 };
	uint64_t now = tcpip_now_us();
	struct rte_mbuf *m = pkt_alloc(ns->pool, ICMP_HLEN + p->size);
	uint8_t pattern[256];
	int ret;

	ps->sent_us[seq - 1] = now;
	if (m == NULL) {
		ps->r[seq - 1].status = -ENOBUFS;
		ps->done[seq - 1] = 1;
		return;
	}
	for (unsigned int i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)i;
	for (uint32_t off = 0; off < p->size; off += sizeof(pattern))
		pkt_write(m, ICMP_HLEN + off, pattern,
			  RTE_MIN((uint32_t)sizeof(pattern), p->size - off));
	r.len = ICMP_HLEN + p->size;
	icmp_emit(m, 0, &r);
	ns->st.icmp_tx++;
	ret = ipv4_output(ns, m, &o, now);
	if (ret < 0) {
		ps->r[seq - 1].status = ret == -ENETDOWN ? -ENETUNREACH : ret;
		ps->r[seq - 1].mtu = ret == -EMSGSIZE && ifc != NULL ? (uint16_t)ifc->mtu : 0;
		ps->done[seq - 1] = 1;
	}
}

/* Report outcomes in order; a request unanswered after timeout_ms times
 * out once the next ones were sent. Returns how many are reported. */
static uint32_t report(struct netstack *ns, struct ping_session *ps,
		       const struct vmk_ping_params *p, uint32_t reported, uint32_t sent,
		       struct vmk_ping_result *res)
{
	uint64_t now = tcpip_now_us();

	vmk_spin_lock(&ns->lock);
	while (reported < sent) {
		struct vmk_ping_reply *r = &ps->r[reported];

		if (!ps->done[reported]) {
			if (now - ps->sent_us[reported] < (uint64_t)p->timeout_ms * 1000u)
				break;
			r->status = -ETIMEDOUT;
			ps->done[reported] = 1;
		}
		if (r->status == 0) {
			res->received++;
			res->rtt_min_us = res->received == 1 ? r->rtt_us :
					  RTE_MIN(res->rtt_min_us, r->rtt_us);
			res->rtt_max_us = RTE_MAX(res->rtt_max_us, r->rtt_us);
			res->rtt_avg_us += r->rtt_us;     /* a sum until the end */
		} else if (r->status != -ETIMEDOUT) {
			res->errors++;
		}
		vmk_spin_unlock(&ns->lock);
		if (p->on_reply != NULL)
			p->on_reply(r, p->arg);
		vmk_spin_lock(&ns->lock);
		reported++;
	}
	vmk_spin_unlock(&ns->lock);
	return reported;
}

static int ping_resolve(struct tcpip_host *th, const struct vmk_ping_params *p,
			struct tcpip_if *ifc, struct netstack **ns) VMK_REQUIRES(th->lock)
{
	if (ifc != NULL) {
		if (p->netstack != NULL && strcmp(p->netstack, ifc->ns->name) != 0)
			return vmk_err(-EINVAL, "%s is in netstack %s, not %s", ifc->name,
					ifc->ns->name, p->netstack);
		*ns = ifc->ns;
		return 0;
	}
	*ns = tcpip_ns_lookup(th, p->netstack);
	return *ns != NULL ? 0 : -ENOENT;
}

int tcpip_ping_check(const struct vmk_ping_params *p, struct vmk_ping_result *res)
{
	if (p == NULL || res == NULL || p->dst == 0 || p->count > PING_MAX_COUNT ||
	    p->size > PING_MAX_SIZE)
		return vmk_err(-EINVAL, "bad ping parameters (count <= %d, size <= %d)", PING_MAX_COUNT,
				(int)PING_MAX_SIZE);
	return 0;
}

int tcpip_ping(struct tcpip_host *th, const struct vmk_ping_params *params,
	       struct tcpip_if *ifc, struct vmk_ping_result *res)
{
	struct vmk_ping_params p;
	struct ping_session *ps;
	struct netstack *ns;
	uint32_t sent = 0, reported = 0;
	uint64_t next_us;
	int ret;

	ret = tcpip_ping_check(params, res);
	if (ret < 0)
		return ret;
	p = *params;
	p.count = p.count ? p.count : 3;
	p.interval_ms = p.interval_ms ? p.interval_ms : 1000;
	p.timeout_ms = p.timeout_ms ? p.timeout_ms : 1000;
	memset(res, 0, sizeof(*res));
	ps = session_new(p.count);
	if (ps == NULL)
		return -ENOMEM;
	/* The caller's th->lock keeps the adapter and netstack alive meanwhile. */
	ret = ping_resolve(th, &p, ifc, &ns);
	if (ret < 0)
		goto free_session;
	vmk_spin_lock(&ns->lock);
	ret = session_register(ns, ps);
	vmk_spin_unlock(&ns->lock);
	if (ret < 0) {
		vmk_err(ret, "too many pings in flight on %s", ns->name);
		goto free_session;
	}
	next_us = tcpip_now_us();
	while (reported < p.count) {
		uint64_t now = tcpip_now_us();

		if (sent < p.count && now >= next_us) {
			vmk_spin_lock(&ns->lock);
			send_one(ns, ps, ifc, &p, (uint16_t)(sent + 1));
			vmk_spin_unlock(&ns->lock);
			sent++;
			next_us = now + (uint64_t)p.interval_ms * 1000u;
		}
		reported = report(ns, ps, &p, reported, sent, res);
		if (reported < p.count)
			sleep_us(200);
	}
	res->sent = sent;
	vmk_spin_lock(&ns->lock);
	res->duplicated = ps->dups;
	vmk_spin_unlock(&ns->lock);
	if (res->received > 0)
		res->rtt_avg_us /= res->received;
	session_unregister(ns, ps);
free_session:
	session_free(ps);
	return ret;
}
