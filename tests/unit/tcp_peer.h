/*
 * The crafted peer of the TCP unit tests (test_tcp*.c): a real host with
 * vSwitch0 and vmk0 (192.0.2.1) whose netstack gets segments the test
 * builds (ns_input, as the vSwitch would) and whose output is taken from
 * the adapter's transmit ring and parsed. The test plays the peer at
 * 192.0.2.2; time is passed in, so timers are driven without waiting. No
 * network, no workers (so socket calls run in the caller: ns_call.c).
 * Included by each test file: its helpers are static, one copy each.
 */
#ifndef VMK_TESTS_TCP_PEER_H
#define VMK_TESTS_TCP_PEER_H

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>

#include <vmknet/vmknet.h>

#include "lib/host.h"
#include "support/harness.h"
#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"
#include "tcpip/tcp.h"
#include "tcpip/wire_arp.h"
#include "tcpip/wire_eth.h"
#include "tcpip/wire_ipv4.h"
#include "tcpip/wire_tcp.h"
#include "vmknic/vmknic.h"
#include "vswitch/offload.h"

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define VMK0_IP  A(192, 0, 2, 1)
#define PEER_IP  A(192, 0, 2, 2)
#define MASK24   A(255, 255, 255, 0)
#define SEC      1000000ull
#define MS       1000ull
#define PORT     8000
#define PPORT    40000
#define PISS     1000u           /* the peer's initial sequence number */

static __attribute__((unused)) struct vmk_host *host;
static __attribute__((unused)) struct vmk_vswitch *vs;
static __attribute__((unused)) struct vmk_vmknic *vmk0;
static __attribute__((unused)) struct netstack *ns0;
static __attribute__((unused)) uint8_t peer_mac[6];
static __attribute__((unused)) uint64_t now;

/* What a connection under test looks like from the peer's side. */
static __attribute__((unused)) uint32_t our_iss;         /* the stack's ISS */
static __attribute__((unused)) uint32_t peer_nxt;        /* the peer's next sequence number */
static __attribute__((unused)) uint16_t pport = PPORT;   /* the peer's port in what it sends */

struct out_seg {
	struct tcp_repr r;
	rte_be32_t src, dst;
	uint32_t len;
	uint8_t data[9000];
};
static __attribute__((unused)) struct out_seg o;
/* What the peer's next segments carry besides: offload flags, and a
 * checksum field left at zero. */
static __attribute__((unused)) uint64_t peer_ol_flags;
static __attribute__((unused)) bool peer_no_csum;

static __attribute__((unused)) void push_eth(struct rte_mbuf *m, const uint8_t *dst, uint16_t type)
{
	struct rte_ether_addr d, s;

	memcpy(d.addr_bytes, dst, 6);
	memcpy(s.addr_bytes, peer_mac, 6);
	eth_emit((struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN), &d, &s, type);
}

static __attribute__((unused)) void input(struct rte_mbuf *m)
{
	vmk_spin_lock(&ns0->lock);
	ns_input(ns0, &vmk0->ifc, m, now);
	vmk_spin_unlock(&ns0->lock);
}

/* Run the netstack's periodic processing at time t. */
static __attribute__((unused)) void timers_at(uint64_t t)
{
	now = t;
	vmk_spin_lock(&ns0->lock);
	ns_timers(ns0, now);
	vmk_spin_unlock(&ns0->lock);
}

/* Take the next TCP segment the stack sent into o; false if none. */
static __attribute__((unused)) bool next_seg(void)
{
	struct rte_mbuf *m;
	struct ipv4_view ip;

	while (rte_ring_dequeue(vmk0->ifc.txq, (void **)&m) == 0) {
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		if (ipv4_parse(&ip, m, 0) != 0 || ipv4_proto(&ip) != IPPROTO_TCP) {
			rte_pktmbuf_free(m);
			continue;
		}
		CU_ASSERT_EQUAL(tcp_parse(&o.r, m, ip.hlen, ipv4_payload_len(&ip), ipv4_src(&ip),
					  ipv4_dst(&ip)), 0);
		o.src = ipv4_src(&ip);
		o.dst = ipv4_dst(&ip);
		o.len = RTE_MIN(o.r.payload_len, (uint32_t)sizeof(o.data));
		pkt_read(m, ip.hlen + o.r.hlen, o.data, o.len);
		rte_pktmbuf_free(m);
		return true;
	}
	return false;
}

static __attribute__((unused)) unsigned int n_out(void)
{
	unsigned int n = 0;

	while (next_seg())
		n++;
	return n;
}

/* The frame of a segment from the peer (opts: options, or NULL for none). */
static __attribute__((unused)) struct rte_mbuf *peer_frame(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
				   const struct tcp_repr *opts, const void *data, uint32_t len)
{
	struct tcp_repr r;
	struct rte_mbuf *m;
	uint16_t hl;

	if (opts != NULL)
		r = *opts;
	else
		tcp_repr_init(&r);
	r.src_port = pport;
	r.dst_port = PORT;
	r.seq = seq;
	r.ack = ack;
	r.flags = flags;
	r.win = win;
	hl = (uint16_t)(TCP_HLEN + tcp_opts_len(&r));
	m = pkt_alloc(vmk_host_mempool(host), hl + len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	if (len > 0)
		pkt_write(m, hl, data, len);
	if (peer_no_csum)
		tcp_emit_hdr(m, 0, &r);
	else
		tcp_emit(m, 0, &r, len, PEER_IP, VMK0_IP);
	m->ol_flags |= peer_ol_flags;
	{
		struct ipv4_repr ir = { .src = PEER_IP, .dst = VMK0_IP, .proto = IPPROTO_TCP,
					.ttl = 64, .df = true, .id = 1,
					.payload_len = (uint16_t)m->pkt_len };

		ipv4_emit((struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, IPV4_HLEN), &ir);
	}
	push_eth(m, vmk0->ifc.mac.addr_bytes, RTE_ETHER_TYPE_IPV4);
	return m;
}

/* The peer sends a segment (opts: options, or NULL for none). */
static __attribute__((unused)) void peer_send(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
		      const struct tcp_repr *opts, const void *data, uint32_t len)
{
	input(peer_frame(seq, ack, flags, win, opts, data, len));
}

static __attribute__((unused)) void setup_mtu(uint32_t mtu)
{
	struct vmk_host_params hp;
	struct vmk_vswitch_params vp;
	struct vmk_vmknic_params p;
	struct arp_repr ar = { .op = RTE_ARP_OP_REQUEST, .spa = PEER_IP, .tpa = VMK0_IP };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct rte_mbuf *m;

	vmk_host_params_init(&hp);
	hp.n_mbufs = 4096;
	CU_ASSERT_EQUAL_FATAL(vmk_host_create(&hp, &host), 0);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = 9000;
	CU_ASSERT_EQUAL_FATAL(vmk_vswitch_add(host, &vp, &vs), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "Management Network", 0), 0);
	vmk_vmknic_params_init(&p);
	p.name = "vmk0";
	p.vswitch = vs;
	p.portgroup = "Management Network";
	p.ipv4 = VMK0_IP;
	p.netmask = MASK24;
	p.mtu = mtu;
	CU_ASSERT_EQUAL_FATAL(vmk_vmknic_add(host, &p, NULL), 0);
	vmk0 = vmknic_find(host_vmknics(host), "vmk0");
	ns0 = vmk0->ifc.ns;
	/* The tests' peer stands where a wire would: segments as on a wire
	 * (the offload tests turn this back on). */
	ns0->tcp->tx_offload = false;
	peer_ol_flags = 0;
	peer_no_csum = false;
	th_mac(peer_mac, 10, 1);
	/* the peer's MAC, learnt from its request */
	m = rte_pktmbuf_alloc(vmk_host_mempool(host));
	memcpy(ar.sha.addr_bytes, peer_mac, 6);
	arp_emit((struct rte_arp_hdr *)rte_pktmbuf_append(m, ARP_LEN), &ar);
	push_eth(m, bcast, RTE_ETHER_TYPE_ARP);
	now = 1000 * SEC;
	input(m);
	timers_at(now);
	n_out();
}

static __attribute__((unused)) void setup(void)
{
	setup_mtu(9000);
}

static __attribute__((unused)) void teardown(void)
{
	n_out();
	vmk_host_destroy(host);
	host = NULL;
}

static __attribute__((unused)) struct vmk_tcp_sock *listener(void)
{
	struct vmk_tcp_sock *l;

	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, 0, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	return l;
}

/* Passive open with the peer's SYN options opts (NULL: only MSS 1460);
 * the peer advertises win. Returns the accepted socket. */
static __attribute__((unused)) struct vmk_tcp_sock *accept_with(struct vmk_tcp_sock *l, const struct tcp_repr *opts,
					uint16_t win)
{
	struct vmk_tcp_sock *c = NULL;
	struct tcp_repr syn;

	tcp_repr_init(&syn);
	syn.mss = 1460;
	peer_send(PISS, 0, TCP_SYN, win, opts != NULL ? opts : &syn, NULL, 0);
	CU_ASSERT_FATAL(next_seg());
	CU_ASSERT_EQUAL(o.r.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(o.r.ack, PISS + 1);
	our_iss = o.r.seq;
	peer_nxt = PISS + 1;
	peer_send(peer_nxt, our_iss + 1, TCP_ACK, win, NULL, NULL, 0);
	CU_ASSERT_EQUAL(vmk_tcp_accept(l, &c, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(n_out(), 0);
	return c;
}

static __attribute__((unused)) struct vmk_tcp_sock *established(struct vmk_tcp_sock **l)
{
	*l = listener();
	return accept_with(*l, NULL, 65535);
}

static __attribute__((unused)) void fill(uint8_t *b, uint32_t len, uint32_t salt)
{
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 13 + salt);
}

#endif
