/*
 * The demo's vMotion-like transfer: vmk1 (the "vMotion" port group, VLAN
 * 20, the vmotion netstack, tagged VMotion) sends memory pages over TCP to
 * vmk2, a vMotion adapter on a second netstack (the destination host's
 * stand-in) on the same VLAN, so every segment crosses vSwitch0. Page p is
 * 4 KiB of 64-bit words holding their own byte offset in the "VM's memory";
 * the receiver checks every word as it arrives. The pages travel zero-copy,
 * as a vMotion service would move them: written once into mbufs from the
 * netstack's pool and handed to the stack (vmk_tcp_send_mbuf), taken out
 * as the mbufs that carried them (vmk_tcp_recv_mbuf), which here, both
 * ends being on one host, are clones of the sender's own buffers.
 *
 * Thread: the main lcore, with the host's worker switching; both sockets are
 * driven from here with non-blocking calls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>

#include "vmknet-demo/vmotion.h"

#define A(a, b, c, d) htonl(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define PAGE 4096u
#define CHUNK (64u * 1024)          /* pages per send, bytes per receive */
#define PORT 8000
#define STALL_NS 5000000000ull      /* no progress for 5 s: give up */
#define PEER_NETSTACK "vmotionPeer"

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int add_adapter(struct vmk_host *host, struct vmk_vswitch *vs, const char *name,
		       const char *netstack, uint32_t ip)
{
	struct vmk_vmknic_params p;

	vmk_vmknic_params_init(&p);
	p.name = name;
	p.vswitch = vs;
	p.portgroup = "vMotion";
	p.netstack = netstack;
	p.ipv4 = ip;
	p.netmask = A(255, 255, 255, 0);
	return vmk_vmknic_add(host, &p, NULL);
}

static int build(struct vmk_host *host, struct vmk_vswitch *vs)
{
	int ret;

	if ((ret = vmk_portgroup_add(vs, "vMotion", 20)) < 0 ||
	    (ret = vmk_netstack_add(host, PEER_NETSTACK)) < 0 ||
	    (ret = add_adapter(host, vs, "vmk1", VMK_NETSTACK_VMOTION, A(198, 51, 100, 21))) < 0 ||
	    (ret = vmk_vmknic_tag_add(host, "vmk1", VMK_TAG_VMOTION)) < 0 ||
	    (ret = add_adapter(host, vs, "vmk2", PEER_NETSTACK, A(198, 51, 100, 22))) < 0)
		return ret;
	return 0;
}

/* The words of [off, off + len) of the VM's memory (off, len multiples of 8). */
static void fill(uint8_t *buf, uint64_t off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i += 8) {
		uint64_t w = off + i;

		memcpy(buf + i, &w, 8);
	}
}

struct xfer {
	struct vmk_tcp_sock *src, *dst;
	struct rte_mempool *pool;
	uint64_t total, sent, got;
	struct rte_mbuf *pending;     /* pages in mbufs the stack has not taken yet */
	uint64_t word;                /* offset of the next word to check */
	uint8_t carry[8];             /* a word split across two mbufs */
	unsigned int n_carry;
};

/* The next pages, [x->sent, + up to CHUNK), written into mbufs of the
 * netstack's pool (their whole buffer: the stack puts headers in mbufs of
 * its own). NULL when the pool has none free now. */
static struct rte_mbuf *pages(struct xfer *x)
{
	struct rte_mbuf *head = NULL;
	uint64_t off = x->sent, end = x->sent + CHUNK < x->total ? x->sent + CHUNK : x->total;

	while (off < end) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(x->pool);
		uint32_t len;

		if (m == NULL)
			break;
		m->data_off = 0;
		len = (uint32_t)RTE_MIN(end - off, (uint64_t)(m->buf_len & ~7u));
		fill(rte_pktmbuf_mtod(m, uint8_t *), off, len);
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			break;
		}
		off += len;
	}
	return head;
}

/* Check len received bytes at p against the memory they stand for. */
static bool check(struct xfer *x, const uint8_t *p, uint32_t len)
{
	while (len > 0) {
		uint64_t w;

		if (x->n_carry > 0 || len < 8) {
			uint32_t k = RTE_MIN(8u - x->n_carry, len);

			memcpy(x->carry + x->n_carry, p, k);
			x->n_carry += k;
			p += k;
			len -= k;
			if (x->n_carry < 8)
				continue;
			memcpy(&w, x->carry, 8);
			x->n_carry = 0;
		} else {
			memcpy(&w, p, 8);
			p += 8;
			len -= 8;
		}
		if (w != x->word)
			return false;
		x->word += 8;
	}
	return true;
}

/* Hand the next pages to the stack if it takes them; 1 when it did, 0 when
 * it has no room yet, or a negative errno. */
static int send_pages(struct xfer *x)
{
	long k;

	if (x->sent >= x->total)
		return 0;
	if (x->pending == NULL)
		x->pending = pages(x);
	if (x->pending == NULL)
		return 0;                  /* the pool is busy: later */
	k = vmk_tcp_send_mbuf(x->src, x->pending, 0);
	if (k == -EAGAIN)
		return 0;
	if (k < 0)
		return (int)k;
	x->pending = NULL;                 /* the stack's now */
	x->sent += (uint64_t)k;
	return 1;
}

/* Send what fits, read and check what came; 1 when something moved, 0 when
 * nothing did, or a negative errno. */
static int step(struct xfer *x)
{
	int moved = send_pages(x);

	if (moved < 0)
		return moved;
	for (;;) {
		struct rte_mbuf *m = NULL;
		long r = vmk_tcp_recv_mbuf(x->dst, &m, CHUNK, 0);
		bool ok = true;

		if (r == -EAGAIN)
			break;
		if (r <= 0)
			return r == 0 ? -ECONNRESET : (int)r;
		for (const struct rte_mbuf *s = m; s != NULL && ok; s = s->next)
			ok = check(x, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		rte_pktmbuf_free(m);
		if (!ok)
			return -EBADMSG;
		x->got += (uint64_t)r;
		moved = 1;
	}
	return moved;
}

static int connect_pair(struct vmk_host *host, struct xfer *x, struct vmk_tcp_sock **lsn)
{
	int ret;

	if ((ret = vmk_tcp_open(host, PEER_NETSTACK, lsn)) < 0 ||
	    (ret = vmk_tcp_bind(*lsn, A(198, 51, 100, 22), PORT)) < 0 ||
	    (ret = vmk_tcp_listen(*lsn, 4)) < 0 ||
	    (ret = vmk_tcp_open(host, VMK_NETSTACK_VMOTION, &x->src)) < 0 ||
	    (ret = vmk_tcp_connect(x->src, A(198, 51, 100, 22), PORT, 2000)) < 0)
		return ret;
	return vmk_tcp_accept(*lsn, &x->dst, NULL, NULL, 2000);
}

int demo_vmotion(struct vmk_host *host, struct vmk_vswitch *vs, unsigned int mib)
{
	struct vmk_tcp_sock *lsn = NULL;
	struct xfer *x = calloc(1, sizeof(*x));
	uint64_t t0, t1, last;
	int ret;

	if (x == NULL)
		return -ENOMEM;
	x->total = (uint64_t)mib << 20;
	ret = build(host, vs);
	if (ret == 0)
		ret = connect_pair(host, x, &lsn);
	if (ret == 0) {
		x->pool = vmk_tcp_pool(x->src);
		ret = x->pool != NULL ? 0 : -ENOTCONN;
	}
	t0 = last = now_ns();
	while (ret >= 0 && x->got < x->total) {
		uint64_t now = now_ns();

		ret = step(x);
		if (ret > 0)
			last = now;
		else if (ret == 0 && now - last > STALL_NS)
			ret = -ETIMEDOUT;
	}
	t1 = now_ns();
	if (ret >= 0 && (x->n_carry != 0 || x->word != x->total))
		ret = -EBADMSG;                /* not every word arrived whole */
	if (ret >= 0) {
		double s = (double)(t1 - t0) / 1e9;

		printf("\nvMotion-like transfer: %u MiB of memory pages (%" PRIu64 " x 4 KiB) "
		       "from vmk1 (vmotion netstack) to vmk2 (%s), VLAN 20, over vmknet TCP "
		       "through vSwitch0, zero-copy (pages in mbufs: vmk_tcp_send_mbuf, "
		       "vmk_tcp_recv_mbuf)\n  %.3f s, %.2f Gbit/s, every page checked\n",
		       mib, x->total / PAGE, PEER_NETSTACK, s, 8.0 * (double)x->total / s / 1e9);
		ret = 0;
	} else {
		fprintf(stderr, "vmknet-demo: vMotion-like transfer failed after %" PRIu64
			" of %" PRIu64 " bytes: %s\n", x->got, x->total, strerror(-ret));
	}
	rte_pktmbuf_free(x->pending);          /* pages the stack never took */
	if (x->src != NULL)
		vmk_tcp_close(x->src);
	if (x->dst != NULL)
		vmk_tcp_close(x->dst);
	if (lsn != NULL)
		vmk_tcp_close(lsn);
	free(x);
	return ret;
}
