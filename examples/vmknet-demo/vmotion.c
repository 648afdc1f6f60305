/*
 * The demo's vMotion-like transfer: vmk1 (the "vMotion" port group, VLAN
 * 20, the vmotion netstack, tagged VMotion) sends memory pages over TCP to
 * vmk2, a vMotion adapter on a second netstack (the destination host's
 * stand-in) on the same VLAN, so every segment crosses vSwitch0. Page p is
 * 4 KiB of 64-bit words holding their own byte offset in the "VM's memory";
 * the receiver checks every word as it arrives.
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

#include "vmknet-demo/vmotion.h"

#define A(a, b, c, d) htonl(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define PAGE 4096u
#define CHUNK (64u * 1024)          /* send and receive window into the stream */
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

/* Check the words of buf that hold [from, to) of the memory. */
static bool check(const uint8_t *buf, uint64_t from, uint64_t to)
{
	for (uint64_t off = from; off < to; off += 8) {
		uint64_t w;

		memcpy(&w, buf + off % CHUNK, 8);
		if (w != off)
			return false;
	}
	return true;
}

struct xfer {
	struct vmk_tcp_sock *src, *dst;
	uint64_t total, sent, got, checked;
	uint8_t tx[CHUNK], rx[CHUNK];
};

/* Send what fits, read what came; 1 when something moved, 0 when nothing
 * did, or a negative errno. */
static int step(struct xfer *x)
{
	int moved = 0;

	if (x->sent < x->total) {
		uint32_t at = (uint32_t)(x->sent % CHUNK);
		uint64_t len = CHUNK - at;
		long k;

		if (at == 0)
			fill(x->tx, x->sent, CHUNK);
		if (len > x->total - x->sent)
			len = x->total - x->sent;
		k = vmk_tcp_send(x->src, x->tx + at, len, 0);
		if (k < 0 && k != -EAGAIN)
			return (int)k;
		if (k > 0) {
			x->sent += (uint64_t)k;
			moved = 1;
		}
	}
	for (;;) {
		uint32_t at = (uint32_t)(x->got % CHUNK);
		long r = vmk_tcp_recv(x->dst, x->rx + at, CHUNK - at, 0);

		if (r == -EAGAIN)
			break;
		if (r <= 0)
			return r == 0 ? -ECONNRESET : (int)r;
		x->got += (uint64_t)r;
		moved = 1;
		/* whole words only: a word never straddles the buffer's end */
		if (!check(x->rx, x->checked, x->got & ~7ull))
			return -EBADMSG;
		x->checked = x->got & ~7ull;
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
	if (ret >= 0) {
		double s = (double)(t1 - t0) / 1e9;

		printf("\nvMotion-like transfer: %u MiB of memory pages (%" PRIu64 " x 4 KiB) "
		       "from vmk1 (vmotion netstack) to vmk2 (%s), VLAN 20, over vmknet TCP "
		       "through vSwitch0\n  %.3f s, %.2f Gbit/s, every page checked\n",
		       mib, x->total / PAGE, PEER_NETSTACK, s, 8.0 * (double)x->total / s / 1e9);
		ret = 0;
	} else {
		fprintf(stderr, "vmknet-demo: vMotion-like transfer failed after %" PRIu64
			" of %" PRIu64 " bytes: %s\n", x->got, x->total, strerror(-ret));
	}
	if (x->src != NULL)
		vmk_tcp_close(x->src);
	if (x->dst != NULL)
		vmk_tcp_close(x->dst);
	if (lsn != NULL)
		vmk_tcp_close(lsn);
	free(x);
	return ret;
}
