/*
 * TCP connection blocks of a netstack: the per-netstack TCP state, the
 * 4-tuple hash of connections and the list of listeners, RFC 6528 initial
 * sequence numbers, and a block's lifetime (it outlives its handle through
 * FIN-WAIT and TIME-WAIT; it is freed once CLOSED with no handle).
 * Lock held (see tcp.h), except tcp_stack_init/fini (netstack creation and
 * teardown).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "tcpip/netstack.h"
#include "tcpip/tcp.h"

int tcp_stack_init(struct netstack *ns)
{
	struct tcp_stack *t = rte_zmalloc("vmk_tcp_stack", sizeof(*t), RTE_CACHE_LINE_SIZE);

	if (t == NULL)
		return -ENOMEM;
	if (getrandom(t->isn_key, sizeof(t->isn_key), GRND_NONBLOCK) != sizeof(t->isn_key)) {
		t->isn_key[0] = rte_rand() ^ rte_rdtsc();
		t->isn_key[1] = rte_rand();
	}
	if (getrandom(t->cookie_key, sizeof(t->cookie_key), GRND_NONBLOCK) !=
	    sizeof(t->cookie_key)) {
		t->cookie_key[0] = rte_rand() ^ rte_rdtsc();
		t->cookie_key[1] = rte_rand();
	}
	t->next_port = (uint16_t)(TCP_EPHEMERAL_MIN + rte_rand() % (65536 - TCP_EPHEMERAL_MIN));
	t->params.rto_min_us = 200000;
	t->params.rto_initial_us = 1000000;
	t->params.delack_us = 40000;
	t->params.msl_ms = 30000;
	t->params.syn_retries = 6;
	t->params.data_retries = 15;
	t->params.challenge_acks_per_s = 1000;
	t->tx_offload = true;
	t->cc = &tcp_cc_newreno;
	strcpy(t->params.cc, t->cc->name);
	ns->tcp = t;
	return 0;
}

/* Every mbuf the connection holds goes back. */
static void pcb_free_queues(struct vmk_tcp_sock *p)
{
	tcp_sndq_free(&p->sndq);
	tcp_rcvq_discard(p);
	tcp_rcvq_free_ooo(p);
}

static void pcb_free(struct vmk_tcp_sock *p)
{
	pcb_free_queues(p);
	rte_free(p);
}

void tcp_stack_fini(struct netstack *ns)
{
	struct tcp_stack *t = ns->tcp;
	struct vmk_tcp_sock *p, *nx;

	if (t == NULL)
		return;
	for (p = t->all; p != NULL; p = nx) {
		nx = p->next;
		if (p->flags & TCPF_USER) {
			/* The application still holds it: a later close frees
			 * the block; the mbufs go now, with their netstack. */
			pcb_free_queues(p);
			p->ns = NULL;
			p->state = VMK_TCP_CLOSED;
			p->err = p->err != 0 ? p->err : -ENETDOWN;
			p->next = p->prev = NULL;
			p->hnext = NULL;
			p->listener = NULL;
			p->aq_head = p->aq_tail = p->aq_next = NULL;
			tcp_ready_update(p, 0);
		} else {
			pcb_free(p);
		}
	}
	rte_free(t);
	ns->tcp = NULL;
}

struct vmk_tcp_sock *tcp_pcb_new(struct netstack *ns)
{
	struct tcp_stack *t = ns->tcp;
	struct vmk_tcp_sock *p;

	if (t->n_pcbs >= TCP_MAX_CONNS)
		return NULL;
	p = rte_zmalloc("vmk_tcp_pcb", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL)
		return NULL;
	p->ns = ns;
	p->state = VMK_TCP_CLOSED;
	p->snd_size = TCP_DEFAULT_BUF;
	p->tclass = VMK_TC_NONE;
	p->rcv_size = TCP_DEFAULT_BUF;
	p->rto_us = t->params.rto_initial_us;
	p->cc = t->cc;
	p->next = t->all;
	if (t->all != NULL)
		t->all->prev = p;
	t->all = p;
	t->n_pcbs++;
	return p;
}

/* The queues hold mbufs as data comes: nothing to allocate here. */
void tcp_pcb_buffers(struct vmk_tcp_sock *p)
{
	p->sndq.size = p->snd_size;
	tcp_rcvq_init(p);
}

static inline uint32_t tuple_hash(rte_be32_t la, uint16_t lp, rte_be32_t fa, uint16_t fp)
{
	uint64_t x = ((uint64_t)la << 32 | fa) ^ ((uint64_t)lp << 16 | fp) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return (uint32_t)x & (TCP_HASH_BUCKETS - 1);
}

void tcp_pcb_hash(struct vmk_tcp_sock *p)
{
	struct tcp_stack *t = p->ns->tcp;
	uint32_t b = tuple_hash(p->laddr, p->lport, p->faddr, p->fport);

	if (p->hashed)
		return;
	p->hnext = t->conns[b];
	t->conns[b] = p;
	p->hashed = true;
}

void tcp_pcb_unhash(struct vmk_tcp_sock *p)
{
	struct vmk_tcp_sock **pp;

	if (!p->hashed || p->ns == NULL)
		return;
	pp = &p->ns->tcp->conns[tuple_hash(p->laddr, p->lport, p->faddr, p->fport)];
	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == p) {
			*pp = p->hnext;
			break;
		}
	}
	p->hnext = NULL;
	p->hashed = false;
}

struct vmk_tcp_sock *tcp_lookup(struct netstack *ns, rte_be32_t laddr, uint16_t lport,
			   rte_be32_t faddr, uint16_t fport)
{
	struct vmk_tcp_sock *p = ns->tcp->conns[tuple_hash(laddr, lport, faddr, fport)];

	for (; p != NULL; p = p->hnext)
		if (p->lport == lport && p->fport == fport && p->laddr == laddr &&
		    p->faddr == faddr)
			return p;
	return NULL;
}

/* Listeners are few (one per service), so a walk of the list is enough. */
struct vmk_tcp_sock *tcp_lookup_listener(struct netstack *ns, rte_be32_t laddr, uint16_t lport)
{
	struct vmk_tcp_sock *any = NULL;

	for (struct vmk_tcp_sock *p = ns->tcp->all; p != NULL; p = p->next) {
		if (p->state != VMK_TCP_LISTEN || p->lport != lport)
			continue;
		if (p->laddr == laddr)
			return p;
		if (p->laddr == 0)
			any = p;
	}
	return any;
}

/* Bound by a socket someone holds, or a listener. Connections that live on
 * without a handle (FIN-WAIT, TIME-WAIT) do not keep a restarted service
 * from binding its port again (SO_REUSEADDR is the default); connect checks
 * the whole 4-tuple. */
bool tcp_port_used(struct netstack *ns, rte_be32_t laddr, uint16_t lport)
{
	for (struct vmk_tcp_sock *p = ns->tcp->all; p != NULL; p = p->next)
		if (p->lport == lport && (p->laddr == 0 || laddr == 0 || p->laddr == laddr) &&
		    ((p->flags & TCPF_USER) || p->state == VMK_TCP_LISTEN))
			return true;
	return false;
}

/* ---- RFC 6528 ISN: M + F(4-tuple, secret), M a 4 us clock ------------ */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

/* SipHash-2-4 of two 64-bit words (a keyed PRF, as RFC 6528 asks). */
uint64_t tcp_siphash(const uint64_t k[2], uint64_t a, uint64_t b)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k[0], v1 = 0x646f72616e646f6dull ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ k[0], v3 = 0x7465646279746573ull ^ k[1];
	uint64_t m[3] = { a, b, (uint64_t)16 << 56 };

	for (int i = 0; i < 3; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t tcp_isn(struct netstack *ns, rte_be32_t laddr, uint16_t lport, rte_be32_t faddr,
		 uint16_t fport, uint64_t now)
{
	uint64_t f = tcp_siphash(ns->tcp->isn_key, (uint64_t)laddr << 32 | faddr,
				(uint64_t)lport << 16 | fport);

	return (uint32_t)(now / 4) + (uint32_t)f;
}

/* ---- lifetime -------------------------------------------------------- */

void tcp_set_state(struct vmk_tcp_sock *p, enum vmk_tcp_state s)
{
	if (s == VMK_TCP_ESTABLISHED && p->ns != NULL) {
		p->ns->tcp->st.established++;
		tcp_keepalive_heard(p, p->ns->tcp->now);
	}
	p->state = s;
}

void tcp_unlink_child(struct vmk_tcp_sock *p)
{
	struct vmk_tcp_sock *l = p->listener, **pp;

	if (l == NULL)
		return;
	if (p->flags & TCPF_ACCEPTQ) {
		l->aq_tail = NULL;
		for (pp = &l->aq_head; *pp != NULL; pp = &(*pp)->aq_next) {
			if (*pp == p) {
				*pp = p->aq_next;
				break;
			}
		}
		for (struct vmk_tcp_sock *q = l->aq_head; q != NULL; q = q->aq_next)
			l->aq_tail = q;
		p->flags &= ~TCPF_ACCEPTQ;
	}
	l->n_children--;
	p->listener = NULL;
	p->aq_next = NULL;
}

void tcp_set_closed(struct vmk_tcp_sock *p, int err)
{
	if (p->err == 0)
		p->err = err;
	/* Nothing more goes out or fills a hole; what was received in order
	 * stays readable. */
	tcp_sndq_free(&p->sndq);
	tcp_rcvq_free_ooo(p);
	p->state = VMK_TCP_CLOSED;
	p->t_rexmt = p->t_delack = p->t_persist = p->t_2msl = p->t_keep = p->t_tlp = 0;
	p->n_rxt = 0;
	tcp_pcb_unhash(p);
	if (!(p->flags & TCPF_USER))
		tcp_unlink_child(p);
	else
		tcp_ready_update(p, 0);
	tcp_pcb_maybe_free(p);
}

void tcp_pcb_maybe_free(struct vmk_tcp_sock *p)
{
	struct tcp_stack *t;

	if (p->state != VMK_TCP_CLOSED || (p->flags & TCPF_USER))
		return;
	if (p->ns != NULL) {
		t = p->ns->tcp;
		tcp_pcb_unhash(p);
		tcp_unlink_child(p);
		if (p->prev != NULL)
			p->prev->next = p->next;
		else
			t->all = p->next;
		if (p->next != NULL)
			p->next->prev = p->prev;
		t->n_pcbs--;
	}
	pcb_free(p);
}
