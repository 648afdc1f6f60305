/*
 * Unit tests of netstacks (tcpip/): ARP, IPv4 input validation, reassembly
 * and fragmentation, ICMP, UDP sockets and routes, driven through real
 * vmknics of a host whose workers are not started: the test plays the
 * vSwitch, handing frames to the stack (ns_input) and taking what it queued
 * for the wire from the adapter's transmit ring. Time is passed in, so
 * timeouts are tested without waiting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"
#include "tcpip/netstack.h"
#include "lib/host.h"
#include "tcpip/wire_arp.h"
#include "tcpip/wire_eth.h"
#include "tcpip/wire_icmp.h"
#include "tcpip/wire_ipv4.h"
#include "tcpip/wire_udp.h"
#include "vmknic/vmknic.h"

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define VMK0_IP  A(192, 0, 2, 1)
#define PEER_IP  A(192, 0, 2, 2)
#define MASK24   A(255, 255, 255, 0)
#define SEC      1000000ull

static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct vmk_vmknic *vmk0;
static struct netstack *ns0;
static uint8_t peer_mac[6];
static uint64_t now = 1000 * SEC;

static struct vmk_vmknic *nic_named(const char *name)
{
	return vmknic_find(host_vmknics(host), name);
}

static int add_nic(const char *name, const char *ns, uint32_t ip, uint32_t mask)
{
	struct vmk_vmknic_params p;
	int ret;

	vmk_vmknic_params_init(&p);
	p.name = name;
	p.vswitch = vs;
	p.portgroup = "Management Network";
	p.netstack = ns;
	p.ipv4 = ip;
	p.netmask = mask;
	ret = vmk_vmknic_add(host, &p, NULL);
	if (ret < 0)
		fprintf(stderr, "vmknic_add %s: %d %s\n", name, ret, vmk_ip_last_error());
	return ret;
}

static void drain(struct vmk_vmknic *nic)
{
	void *m;

	while (rte_ring_dequeue(nic->ifc.txq, &m) == 0)
		rte_pktmbuf_free(m);
}

static void setup(void)
{
	struct vmk_host_params hp;
	struct vmk_vswitch_params vp;

	vmk_host_params_init(&hp);
	hp.n_mbufs = 4096;
	CU_ASSERT_EQUAL_FATAL(vmk_host_create(&hp, &host), 0);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = 9000;
	CU_ASSERT_EQUAL_FATAL(vmk_vswitch_add(host, &vp, &vs), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "Management Network", 0), 0);
	CU_ASSERT_EQUAL_FATAL(add_nic("vmk0", NULL, VMK0_IP, MASK24), 0);
	vmk0 = nic_named("vmk0");
	ns0 = vmk0->ifc.ns;
	drain(vmk0);                                /* the gratuitous ARP */
	th_mac(peer_mac, 10, 1);
}

static void teardown(void)
{
	vmk_host_destroy(host);
	host = NULL;
}

/* Hand a frame to the stack as the switch would. */
static void input(struct vmk_vmknic *nic, struct rte_mbuf *m)
{
	vmk_spin_lock(&nic->ifc.ns->lock);
	ns_input(nic->ifc.ns, &nic->ifc, m, now);
	vmk_spin_unlock(&nic->ifc.ns->lock);
}

static void timers(struct netstack *ns)
{
	vmk_spin_lock(&ns->lock);
	ns_timers(ns, now);
	vmk_spin_unlock(&ns->lock);
}

/* Frames the stack queued for the wire. */
static unsigned int output(struct vmk_vmknic *nic, struct rte_mbuf **out, unsigned int max)
{
	return rte_ring_dequeue_burst(nic->ifc.txq, (void **)out, max, NULL);
}

static void push_eth(struct rte_mbuf *m, const uint8_t *dst, uint16_t type)
{
	struct rte_ether_addr d, s;

	memcpy(d.addr_bytes, dst, 6);
	memcpy(s.addr_bytes, peer_mac, 6);
	eth_emit((struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN), &d, &s, type);
}

static struct rte_mbuf *arp_frame(uint16_t op, rte_be32_t spa, rte_be32_t tpa)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(vmk_host_mempool(host));
	struct arp_repr r = { .op = op, .spa = spa, .tpa = tpa };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memcpy(r.sha.addr_bytes, peer_mac, 6);
	if (op == RTE_ARP_OP_REPLY)
		r.tha = vmk0->ifc.mac;
	arp_emit((struct rte_arp_hdr *)rte_pktmbuf_append(m, ARP_LEN), &r);
	push_eth(m, op == RTE_ARP_OP_REPLY ? vmk0->ifc.mac.addr_bytes : bcast,
		 RTE_ETHER_TYPE_ARP);
	return m;
}

/* Wrap an L4 message in IPv4 (fragment fields as given) and Ethernet. */
static struct rte_mbuf *ip_wrap(struct rte_mbuf *l4, rte_be32_t src, rte_be32_t dst,
				uint8_t proto, bool df, uint16_t frag_off, bool mf, uint16_t id)
{
	struct ipv4_repr r = { .src = src, .dst = dst, .proto = proto, .ttl = 64, .df = df,
			       .mf = mf, .frag_off = frag_off, .id = id,
			       .payload_len = (uint16_t)l4->pkt_len };

	ipv4_emit((struct rte_ipv4_hdr *)rte_pktmbuf_prepend(l4, IPV4_HLEN), &r);
	push_eth(l4, vmk0->ifc.mac.addr_bytes, RTE_ETHER_TYPE_IPV4);
	return l4;
}

static struct rte_mbuf *echo_msg(uint16_t seq, uint32_t payload)
{
	struct rte_mbuf *m = pkt_alloc(vmk_host_mempool(host), ICMP_HLEN + payload);
	struct icmp_repr r = { .type = ICMP_ECHO_REQUEST, .id = 77, .seq = seq,
			       .len = ICMP_HLEN + payload };

	for (uint32_t i = 0; i < payload; i++) {
		uint8_t v = (uint8_t)(i * 5);

		pkt_write(m, ICMP_HLEN + i, &v, 1);
	}
	icmp_emit(m, 0, &r);
	return m;
}

/* Slice [off, off+len) of m into a fresh mbuf. */
static struct rte_mbuf *slice(struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	struct rte_mbuf *s = pkt_alloc(vmk_host_mempool(host), len);
	uint8_t buf[2048];

	pkt_read(m, off, buf, len);
	pkt_write(s, 0, buf, len);
	return s;
}

/* Teach the stack the peer's MAC (it asks, we answer). */
static void resolve_peer(void)
{
	input(vmk0, arp_frame(RTE_ARP_OP_REQUEST, PEER_IP, VMK0_IP));
	drain(vmk0);
}

static const struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
}

static uint16_t ethertype_of(struct rte_mbuf *m)
{
	return rte_be_to_cpu_16(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type);
}

/* ---- ARP ------------------------------------------------------------ */

static void test_arp_request_for_the_adapter_address_gets_a_reply_from_its_mac(void)
{
	struct rte_mbuf *out[8];
	struct arp_repr r;
	unsigned int n;

	setup();
	input(vmk0, arp_frame(RTE_ARP_OP_REQUEST, PEER_IP, VMK0_IP));
	n = output(vmk0, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(arp_parse(&r, out[0], RTE_ETHER_HDR_LEN), 0);
	CU_ASSERT_EQUAL(r.op, RTE_ARP_OP_REPLY);
	CU_ASSERT(rte_is_same_ether_addr(&r.sha, &vmk0->ifc.mac));
	CU_ASSERT_EQUAL(r.spa, VMK0_IP);
	CU_ASSERT_EQUAL(r.tpa, PEER_IP);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(out[0], uint8_t *), peer_mac, 6), 0);
	th_free(out, n);
	teardown();
}

static void test_arp_request_is_answered_only_by_the_adapter_owning_the_address(void)
{
	struct rte_mbuf *out[8];
	struct vmk_vmknic *vmk1;

	setup();
	CU_ASSERT_EQUAL_FATAL(add_nic("vmk1", NULL, A(198, 51, 100, 1), MASK24), 0);
	vmk1 = nic_named("vmk1");
	drain(vmk1);
	/* vmk1's address asked on vmk0: no proxy answer */
	input(vmk0, arp_frame(RTE_ARP_OP_REQUEST, PEER_IP, A(198, 51, 100, 1)));
	CU_ASSERT_EQUAL(output(vmk0, out, 8), 0);
	CU_ASSERT_EQUAL(output(vmk1, out, 8), 0);
	/* an address nobody has */
	input(vmk0, arp_frame(RTE_ARP_OP_REQUEST, PEER_IP, A(192, 0, 2, 99)));
	CU_ASSERT_EQUAL(output(vmk0, out, 8), 0);
	teardown();
}

static void test_setting_an_address_sends_a_gratuitous_arp(void)
{
	struct rte_mbuf *out[8];
	struct arp_repr r;
	unsigned int n;

	setup();
	CU_ASSERT_EQUAL(vmk_vmknic_set_ipv4(host, "vmk0", A(192, 0, 2, 10), MASK24), 0);
	n = output(vmk0, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(arp_parse(&r, out[0], RTE_ETHER_HDR_LEN), 0);
	CU_ASSERT_EQUAL(r.spa, A(192, 0, 2, 10));
	CU_ASSERT_EQUAL(r.tpa, A(192, 0, 2, 10));
	CU_ASSERT(rte_is_broadcast_ether_addr(rte_pktmbuf_mtod(out[0], struct rte_ether_addr *)));
	th_free(out, n);
	teardown();
}

static void test_echo_request_waits_for_arp_then_is_answered(void)
{
	struct rte_mbuf *out[8];
	struct icmp_repr r;
	unsigned int n;

	setup();
	input(vmk0, ip_wrap(echo_msg(1, 56), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 0, false, 1));
	n = output(vmk0, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);                 /* who-has 192.0.2.2 */
	CU_ASSERT_EQUAL(ethertype_of(out[0]), RTE_ETHER_TYPE_ARP);
	th_free(out, n);
	input(vmk0, arp_frame(RTE_ARP_OP_REPLY, PEER_IP, VMK0_IP));
	n = output(vmk0, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);                 /* the reply was waiting */
	CU_ASSERT_EQUAL(ip_of(out[0])->dst_addr, PEER_IP);
	CU_ASSERT_EQUAL(ip_of(out[0])->src_addr, VMK0_IP);
	CU_ASSERT_EQUAL(icmp_parse(&r, out[0], RTE_ETHER_HDR_LEN + IPV4_HLEN, 64), 0);
	CU_ASSERT_EQUAL(r.type, ICMP_ECHO_REPLY);
	CU_ASSERT_EQUAL(r.seq, 1);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(out[0], uint8_t *), peer_mac, 6), 0);
	th_free(out, n);
	teardown();
}

static void test_unanswered_arp_is_retried_then_waiting_packets_are_dropped(void)
{
	struct rte_mbuf *out[8];
	struct vmk_netstack_stats st;
	unsigned int requests = 0;

	setup();
	for (int i = 0; i < 6; i++)                  /* 4 wait, 2 overflow */
		input(vmk0, ip_wrap(echo_msg((uint16_t)i, 8), PEER_IP, VMK0_IP, IPPROTO_ICMP,
				    false, 0, false, (uint16_t)i));
	for (int t = 0; t < 5; t++) {
		unsigned int n = output(vmk0, out, 8);

		requests += n;
		th_free(out, n);
		now += SEC + 1;
		timers(ns0);
	}
	vmk_netstack_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(requests, ARP_TRIES);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_ARP_QUEUE_FULL], 2);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_ARP_FAILED], ARP_QLEN);
	CU_ASSERT_EQUAL(vmk_neigh_list(host, NULL, NULL, 0), 0);
	teardown();
}

static void test_neighbour_goes_from_reachable_to_stale_to_forgotten(void)
{
	struct vmk_neigh nb[4];

	setup();
	resolve_peer();
	CU_ASSERT_EQUAL_FATAL(vmk_neigh_list(host, NULL, nb, 4), 1);
	CU_ASSERT_EQUAL(nb[0].state, VMK_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(nb[0].ip, PEER_IP);
	CU_ASSERT_EQUAL(memcmp(nb[0].mac, peer_mac, 6), 0);
	CU_ASSERT_STRING_EQUAL(nb[0].ifname, "vmk0");
	now += ARP_REACHABLE_MS * 1000ull + 1;
	timers(ns0);
	vmk_neigh_list(host, NULL, nb, 4);
	CU_ASSERT_EQUAL(nb[0].state, VMK_NEIGH_STALE);
	now += ARP_STALE_MS * 1000ull + 1;
	timers(ns0);
	CU_ASSERT_EQUAL(vmk_neigh_list(host, NULL, nb, 4), 0);
	teardown();
}

/* ---- IPv4 input ----------------------------------------------------- */

static void test_malformed_datagrams_are_counted_by_reason(void)
{
	struct vmk_netstack_stats st;
	struct rte_mbuf *m;

	setup();
	m = ip_wrap(echo_msg(1, 8), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 0, false, 1);
	rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN + 8)[0] ^= 1;   /* TTL */
	input(vmk0, m);
	m = ip_wrap(echo_msg(1, 8), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 0, false, 1);
	rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN)[0] = 0x43;
	input(vmk0, m);
	m = ip_wrap(echo_msg(1, 8), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 0, false, 1);
	rte_pktmbuf_trim(m, 10);
	input(vmk0, m);
	m = ip_wrap(echo_msg(1, 8), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 0, false, 1);
	rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN + IPV4_HLEN + 2)[0] ^= 1;
	input(vmk0, m);                              /* ICMP checksum */
	input(vmk0, ip_wrap(echo_msg(1, 8), A(224, 0, 0, 1), VMK0_IP, IPPROTO_ICMP, false, 0,
			    false, 1));
	input(vmk0, ip_wrap(echo_msg(1, 8), PEER_IP, A(192, 0, 2, 50), IPPROTO_ICMP, false, 0,
			    false, 1));
	vmk_netstack_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_BAD_CHECKSUM], 2);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_BAD_IHL], 1);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_BAD_TOTAL_LEN], 1);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_BAD_ADDR], 1);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_NOT_FOR_US], 1);
	CU_ASSERT_EQUAL(rte_ring_count(vmk0->ifc.txq), 0);
	teardown();
}

static void test_fragmented_echo_is_reassembled_and_its_reply_fragmented(void)
{
	struct rte_mbuf *msg, *out[16];
	struct vmk_netstack_stats st;
	uint32_t total, got = 0;
	unsigned int n;

	setup();
	resolve_peer();
	msg = echo_msg(9, 3992);                      /* 4000-byte ICMP message */
	total = msg->pkt_len;
	for (uint32_t off = 0; off < total; off += 1480) {
		uint32_t len = RTE_MIN(1480u, total - off);

		input(vmk0, ip_wrap(slice(msg, off, len), PEER_IP, VMK0_IP, IPPROTO_ICMP, false,
				    (uint16_t)off, off + len < total, 4242));
	}
	rte_pktmbuf_free(msg);
	n = output(vmk0, out, 16);
	CU_ASSERT_EQUAL(n, 3);                        /* 1480 + 1480 + 1040 at MTU 1500 */
	for (unsigned int i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *h = ip_of(out[i]);

		CU_ASSERT(rte_be_to_cpu_16(h->total_length) <= 1500);
		got += rte_be_to_cpu_16(h->total_length) - IPV4_HLEN;
	}
	CU_ASSERT_EQUAL(got, total);
	vmk_netstack_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.reassembled, 1);
	CU_ASSERT_EQUAL(st.frags_tx, 3);
	th_free(out, n);
	teardown();
}

static void test_overlapping_fragments_drop_the_whole_datagram(void)
{
	struct rte_mbuf *msg;
	struct vmk_netstack_stats st;

	setup();
	resolve_peer();
	msg = echo_msg(1, 2992);
	input(vmk0, ip_wrap(slice(msg, 0, 1480), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 0, true, 5));
	input(vmk0, ip_wrap(slice(msg, 1400, 1480), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 1400,
			    true, 5));
	CU_ASSERT_EQUAL(ns0->reasm_mem, 0);           /* the first went with it */
	input(vmk0, ip_wrap(slice(msg, 2880, 120), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 2880,
			    false, 5));
	rte_pktmbuf_free(msg);
	vmk_netstack_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_FRAG_OVERLAP], 1);
	CU_ASSERT_EQUAL(st.reassembled, 0);
	CU_ASSERT_EQUAL(rte_ring_count(vmk0->ifc.txq), 0);
	teardown();
}

static void test_fragment_ending_beyond_65535_bytes_is_dropped(void)
{
	struct vmk_netstack_stats st;

	setup();
	input(vmk0, ip_wrap(echo_msg(1, 992), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 65000,
			    false, 6));
	vmk_netstack_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_FRAG_OVERSIZE], 1);
	CU_ASSERT_EQUAL(ns0->reasm_mem, 0);
	teardown();
}

static void test_incomplete_datagram_is_dropped_after_the_timeout(void)
{
	struct vmk_netstack_stats st;

	setup();
	input(vmk0, ip_wrap(echo_msg(1, 1000), PEER_IP, VMK0_IP, IPPROTO_ICMP, false, 0, true, 8));
	CU_ASSERT(ns0->reasm_mem > 0);
	now += REASM_TIMEOUT_US + 1;
	timers(ns0);
	vmk_netstack_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_FRAG_TIMEOUT], 1);
	CU_ASSERT_EQUAL(ns0->reasm_mem, 0);
	teardown();
}

static void test_df_datagram_above_the_mtu_gets_fragmentation_needed(void)
{
	struct rte_mbuf *out[4];
	struct icmp_repr r;
	unsigned int n;

	setup();
	resolve_peer();
	input(vmk0, ip_wrap(echo_msg(1, 1972), PEER_IP, VMK0_IP, IPPROTO_ICMP, true, 0, false, 3));
	n = output(vmk0, out, 4);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(icmp_parse(&r, out[0], RTE_ETHER_HDR_LEN + IPV4_HLEN,
				   rte_be_to_cpu_16(ip_of(out[0])->total_length) - IPV4_HLEN), 0);
	CU_ASSERT_EQUAL(r.type, ICMP_DEST_UNREACH);
	CU_ASSERT_EQUAL(r.code, ICMP_CODE_FRAG_NEEDED);
	CU_ASSERT_EQUAL(r.mtu, 1500);
	th_free(out, n);
	teardown();
}

/* ---- UDP ------------------------------------------------------------ */

static struct rte_mbuf *udp_msg(uint16_t sport, uint16_t dport, const char *text)
{
	uint16_t len = (uint16_t)strlen(text);
	struct rte_mbuf *m = pkt_alloc(vmk_host_mempool(host), UDP_HLEN + len);
	struct udp_repr r = { .src_port = sport, .dst_port = dport, .payload_len = len };

	pkt_write(m, UDP_HLEN, text, len);
	udp_emit(m, 0, &r, PEER_IP, VMK0_IP);
	return m;
}

static void test_udp_to_a_closed_port_gets_port_unreachable(void)
{
	struct rte_mbuf *out[4];
	struct vmk_netstack_stats st;
	struct icmp_repr r;
	unsigned int n;

	setup();
	resolve_peer();
	input(vmk0, ip_wrap(udp_msg(4000, 9, "hello"), PEER_IP, VMK0_IP, IPPROTO_UDP, false, 0,
			    false, 1));
	n = output(vmk0, out, 4);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(icmp_parse(&r, out[0], RTE_ETHER_HDR_LEN + IPV4_HLEN,
				   rte_be_to_cpu_16(ip_of(out[0])->total_length) - IPV4_HLEN), 0);
	CU_ASSERT_EQUAL(r.type, ICMP_DEST_UNREACH);
	CU_ASSERT_EQUAL(r.code, ICMP_CODE_PORT_UNREACH);
	vmk_netstack_get_stats(host, NULL, &st);
	CU_ASSERT_EQUAL(st.drops[VMK_IPDROP_NO_PORT], 1);
	th_free(out, n);
	teardown();
}

static void test_udp_socket_receives_and_answers_a_datagram(void)
{
	struct vmk_udp_sock *s;
	struct rte_mbuf *out[4];
	struct udp_repr r;
	char buf[64];
	uint32_t src;
	uint16_t sport;
	unsigned int n;

	setup();
	resolve_peer();
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &s), 0);
	CU_ASSERT_EQUAL(vmk_udp_bind(s, 0, 7000), 0);
	CU_ASSERT_EQUAL(vmk_udp_recvfrom(s, buf, sizeof(buf), &src, &sport, 0), -EAGAIN);
	input(vmk0, ip_wrap(udp_msg(4000, 7000, "ping?"), PEER_IP, VMK0_IP, IPPROTO_UDP, false, 0,
			    false, 1));
	CU_ASSERT_EQUAL(vmk_udp_recvfrom(s, buf, sizeof(buf), &src, &sport, 0), 5);
	CU_ASSERT_EQUAL(memcmp(buf, "ping?", 5), 0);
	CU_ASSERT_EQUAL(src, PEER_IP);
	CU_ASSERT_EQUAL(sport, 4000);
	CU_ASSERT_EQUAL(vmk_udp_sendto(s, "pong!", 5, src, sport), 5);
	n = output(vmk0, out, 4);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(udp_parse(&r, out[0], RTE_ETHER_HDR_LEN + IPV4_HLEN, UDP_HLEN + 5,
				  VMK0_IP, PEER_IP), 0);
	CU_ASSERT_EQUAL(r.src_port, 7000);
	CU_ASSERT_EQUAL(r.dst_port, 4000);
	th_free(out, n);
	CU_ASSERT_EQUAL(vmk_netstack_remove(host, VMK_NETSTACK_DEFAULT), -EPERM);
	vmk_udp_close(s);
	teardown();
}

/* ---- routes and netstacks ------------------------------------------- */

static void test_a_second_default_gateway_is_refused_naming_the_first(void)
{
	struct vmk_route rt[8];
	unsigned int n;

	setup();
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, 0, 0, A(192, 0, 2, 254)), 0);
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, 0, 0, A(192, 0, 2, 253)), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_ip_last_error(), "192.0.2.254"));
	CU_ASSERT_EQUAL(vmk_route_set_default(host, NULL, A(192, 0, 2, 253)), 0);
	n = vmk_route_list(host, NULL, rt, 8);
	CU_ASSERT_EQUAL(n, 2);                        /* connected + default */
	CU_ASSERT_EQUAL(rt[1].origin, VMK_ROUTE_DEFAULT);
	CU_ASSERT_EQUAL(rt[1].gateway, A(192, 0, 2, 253));
	CU_ASSERT_STRING_EQUAL(rt[1].ifname, "vmk0");
	teardown();
}

static void test_longest_prefix_wins_and_an_adapter_gateway_serves_only_its_source(void)
{
	struct vmk_route r;
	uint32_t nh;

	setup();
	CU_ASSERT_EQUAL(add_nic("vmk1", NULL, A(198, 51, 100, 1), MASK24), 0);
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, 0, 0, A(192, 0, 2, 254)), 0);
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, A(203, 0, 113, 0), 24, A(198, 51, 100, 254)), 0);
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, A(203, 0, 113, 128), 25, A(192, 0, 2, 200)), 0);
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, A(203, 0, 113, 0), 24, A(192, 0, 2, 9)), -EEXIST);
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, A(203, 0, 113, 1), 24, A(192, 0, 2, 9)), -EINVAL);
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(203, 0, 113, 7), 0, &r, &nh), 0);
	CU_ASSERT_EQUAL(nh, A(198, 51, 100, 254));
	CU_ASSERT_STRING_EQUAL(r.ifname, "vmk1");
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(203, 0, 113, 200), 0, &r, &nh), 0);
	CU_ASSERT_EQUAL(nh, A(192, 0, 2, 200));
	CU_ASSERT_EQUAL(r.prefix_len, 25);
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(198, 51, 100, 77), 0, &r, &nh), 0);
	CU_ASSERT_EQUAL(nh, A(198, 51, 100, 77));     /* connected */
	CU_ASSERT_EQUAL(r.origin, VMK_ROUTE_CONNECTED);
	/* off-link: the netstack default, unless sourced from vmk1 with its own */
	CU_ASSERT_EQUAL(vmk_vmknic_set_gateway(host, "vmk1", A(198, 51, 100, 253)), 0);
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(8, 8, 8, 8) & 0, 0, &r, &nh), 0);
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(192, 168, 1, 1), 0, &r, &nh), 0);
	CU_ASSERT_EQUAL(nh, A(192, 0, 2, 254));
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(192, 168, 1, 1), A(198, 51, 100, 1), &r,
					 &nh), 0);
	CU_ASSERT_EQUAL(nh, A(198, 51, 100, 253));
	CU_ASSERT_STRING_EQUAL(r.ifname, "vmk1");
	teardown();
}

static void test_connected_routes_follow_the_adapter_address(void)
{
	struct vmk_route r;
	uint32_t nh;

	setup();
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(192, 0, 2, 77), 0, &r, &nh), 0);
	CU_ASSERT_EQUAL(vmk_route_remove(host, NULL, A(192, 0, 2, 0), 24), -EPERM);
	CU_ASSERT_EQUAL(vmk_vmknic_set_ipv4(host, "vmk0", A(198, 51, 100, 5), A(255, 255, 255, 128)),
			0);
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(192, 0, 2, 77), 0, &r, &nh), -ENETUNREACH);
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(198, 51, 100, 100), 0, &r, &nh), 0);
	CU_ASSERT_EQUAL(r.prefix_len, 25);
	CU_ASSERT_EQUAL(vmk_vmknic_set_enabled(host, "vmk0", false), 0);
	CU_ASSERT_EQUAL(vmk_route_list(host, NULL, NULL, 0), 0);
	teardown();
}

static void test_two_netstacks_with_the_same_address_stay_separate(void)
{
	struct rte_mbuf *out[4];
	struct vmk_vmknic *other;
	struct vmk_route r;
	uint32_t nh;

	setup();
	CU_ASSERT_EQUAL(vmk_netstack_add(host, "tenant2"), 0);
	CU_ASSERT_EQUAL(add_nic("vmk1", "tenant2", VMK0_IP, MASK24), 0);
	other = nic_named("vmk1");
	drain(other);
	CU_ASSERT_EQUAL(vmk_route_add(host, "tenant2", 0, 0, A(192, 0, 2, 254)), 0);
	CU_ASSERT_EQUAL(vmk_route_lookup(host, NULL, A(203, 0, 113, 1), 0, &r, &nh), -ENETUNREACH);
	resolve_peer();
	CU_ASSERT_EQUAL(vmk_neigh_list(host, NULL, NULL, 0), 1);
	CU_ASSERT_EQUAL(vmk_neigh_list(host, "tenant2", NULL, 0), 0);
	input(other, arp_frame(RTE_ARP_OP_REQUEST, PEER_IP, VMK0_IP));
	CU_ASSERT_EQUAL_FATAL(output(other, out, 4), 1);
	CU_ASSERT(rte_is_same_ether_addr(&rte_pktmbuf_mtod(out[0], struct rte_ether_hdr *)->src_addr,
					 &other->ifc.mac));
	rte_pktmbuf_free(out[0]);
	CU_ASSERT_EQUAL(output(vmk0, out, 4), 0);
	teardown();
}

static void test_builtin_netstacks_exist_and_custom_ones_go_only_when_empty(void)
{
	char names[8][VMK_NAME_MAX];

	setup();
	CU_ASSERT_EQUAL(vmk_netstack_list(host, names, 8), 3);
	CU_ASSERT_STRING_EQUAL(names[0], VMK_NETSTACK_DEFAULT);
	CU_ASSERT_STRING_EQUAL(names[1], VMK_NETSTACK_VMOTION);
	CU_ASSERT_STRING_EQUAL(names[2], VMK_NETSTACK_PROVISIONING);
	CU_ASSERT_EQUAL(vmk_netstack_remove(host, VMK_NETSTACK_VMOTION), -EPERM);
	CU_ASSERT_EQUAL(vmk_netstack_add(host, "custom"), 0);
	CU_ASSERT_EQUAL(vmk_netstack_add(host, "custom"), -EEXIST);
	CU_ASSERT_EQUAL(add_nic("vmk5", "custom", 0, 0), 0);
	CU_ASSERT_EQUAL(vmk_netstack_remove(host, "custom"), -EBUSY);
	CU_ASSERT_EQUAL(vmk_vmknic_remove(host, "vmk5"), 0);
	CU_ASSERT_EQUAL(vmk_netstack_remove(host, "custom"), 0);
	CU_ASSERT_EQUAL(vmk_netstack_remove(host, "custom"), -ENOENT);
	teardown();
}

/* ---- requests carried to the worker (ns_call) ------------------------- */

struct call_probe {
	pthread_t ran_on;
	int runs;
	bool lock_held;
};

static void probe_fn(struct netstack *ns, void *arg)
{
	struct call_probe *p = arg;

	p->ran_on = pthread_self();
	p->runs++;
	p->lock_held = rte_spinlock_is_locked(&ns->lock.l);
}

struct caller {
	struct netstack *ns;
	struct call_probe probe;
	bool returned;
};

static void *call_thread(void *arg)
{
	struct caller *c = arg;

	ns_call(c->ns, probe_fn, &c->probe);
	__atomic_store_n(&c->returned, true, __ATOMIC_RELEASE);
	return NULL;
}

static void test_a_call_on_a_netstack_no_worker_polls_runs_in_the_caller(void)
{
	struct call_probe p = { 0 };

	setup();
	ns0->polled_us = 0;
	ns_call(ns0, probe_fn, &p);
	CU_ASSERT_EQUAL(p.runs, 1);
	CU_ASSERT(pthread_equal(p.ran_on, pthread_self()));
	CU_ASSERT(p.lock_held);
	CU_ASSERT(!rte_spinlock_is_locked(&ns0->lock.l));
	teardown();
}

static void test_a_call_is_carried_to_the_polling_worker_by_the_ring(void)
{
	struct caller c = { 0 };
	pthread_t t;
	uint64_t t0;

	setup();
	c.ns = ns0;
	/* this thread plays the worker, which polled "just now" (for the
	 * next 10 s: the caller thread may take a while to start) */
	__atomic_store_n(&ns0->polled_us, tcpip_now_us() + 10 * SEC, __ATOMIC_RELAXED);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, call_thread, &c), 0);
	t0 = tcpip_now_us();
	while (rte_ring_count(ns0->reqs) == 0 && tcpip_now_us() - t0 < 1000000)
		rte_pause();
	CU_ASSERT_EQUAL_FATAL(rte_ring_count(ns0->reqs), 1);
	CU_ASSERT_EQUAL(c.probe.runs, 0);             /* waiting for the worker */
	CU_ASSERT(!__atomic_load_n(&c.returned, __ATOMIC_ACQUIRE));
	vmk_spin_lock(&ns0->lock);
	ns_req_run(ns0);
	vmk_spin_unlock(&ns0->lock);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(c.probe.runs, 1);
	CU_ASSERT(pthread_equal(c.probe.ran_on, pthread_self()));   /* on the "worker" */
	CU_ASSERT(c.probe.lock_held);
	CU_ASSERT(c.returned);
	teardown();
}

static void test_a_queued_call_the_worker_never_takes_runs_in_the_caller_after_a_while(void)
{
	struct caller c = { 0 };
	pthread_t t;

	setup();
	c.ns = ns0;
	__atomic_store_n(&ns0->polled_us, tcpip_now_us() + 10 * SEC, __ATOMIC_RELAXED);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, call_thread, &c), 0);
	pthread_join(t, NULL);          /* the "worker" stopped: nobody runs the ring */
	CU_ASSERT_EQUAL(c.probe.runs, 1);
	CU_ASSERT(pthread_equal(c.probe.ran_on, t));
	CU_ASSERT_EQUAL(rte_ring_count(ns0->reqs), 0);
	teardown();
}

static int posted_runs;

static void posted_fn(struct netstack *ns, void *arg)
{
	(void)ns;
	posted_runs++;
	free(arg);               /* a posted request's storage goes with it */
}

static void test_a_posted_request_runs_on_the_worker_without_the_caller_waiting(void)
{
	struct ns_req *r = calloc(1, sizeof(*r));

	setup();
	posted_runs = 0;
	r->fn = posted_fn;
	r->arg = r;
	/* no worker polls: refused, nothing queued */
	ns0->polled_us = 0;
	CU_ASSERT_EQUAL(ns_post(ns0, r), -EBUSY);
	CU_ASSERT_EQUAL(rte_ring_count(ns0->reqs), 0);
	/* a worker polls: queued, the call returns before it ran */
	__atomic_store_n(&ns0->polled_us, tcpip_now_us() + 10 * SEC, __ATOMIC_RELAXED);
	CU_ASSERT_EQUAL_FATAL(ns_post(ns0, r), 0);
	CU_ASSERT_EQUAL(posted_runs, 0);
	CU_ASSERT_EQUAL(rte_ring_count(ns0->reqs), 1);
	vmk_spin_lock(&ns0->lock);
	ns_req_run(ns0);             /* the worker's loop: runs and frees it */
	vmk_spin_unlock(&ns0->lock);
	CU_ASSERT_EQUAL(posted_runs, 1);
	CU_ASSERT_EQUAL(rte_ring_count(ns0->reqs), 0);
	teardown();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("netstack", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("netstack", NULL, NULL);
	ADD(s, test_arp_request_for_the_adapter_address_gets_a_reply_from_its_mac);
	ADD(s, test_arp_request_is_answered_only_by_the_adapter_owning_the_address);
	ADD(s, test_setting_an_address_sends_a_gratuitous_arp);
	ADD(s, test_echo_request_waits_for_arp_then_is_answered);
	ADD(s, test_unanswered_arp_is_retried_then_waiting_packets_are_dropped);
	ADD(s, test_neighbour_goes_from_reachable_to_stale_to_forgotten);
	ADD(s, test_malformed_datagrams_are_counted_by_reason);
	ADD(s, test_fragmented_echo_is_reassembled_and_its_reply_fragmented);
	ADD(s, test_overlapping_fragments_drop_the_whole_datagram);
	ADD(s, test_fragment_ending_beyond_65535_bytes_is_dropped);
	ADD(s, test_incomplete_datagram_is_dropped_after_the_timeout);
	ADD(s, test_df_datagram_above_the_mtu_gets_fragmentation_needed);
	ADD(s, test_udp_to_a_closed_port_gets_port_unreachable);
	ADD(s, test_udp_socket_receives_and_answers_a_datagram);
	ADD(s, test_a_second_default_gateway_is_refused_naming_the_first);
	ADD(s, test_longest_prefix_wins_and_an_adapter_gateway_serves_only_its_source);
	ADD(s, test_connected_routes_follow_the_adapter_address);
	ADD(s, test_two_netstacks_with_the_same_address_stay_separate);
	ADD(s, test_builtin_netstacks_exist_and_custom_ones_go_only_when_empty);
	ADD(s, test_a_call_on_a_netstack_no_worker_polls_runs_in_the_caller);
	ADD(s, test_a_call_is_carried_to_the_polling_worker_by_the_ring);
	ADD(s, test_a_queued_call_the_worker_never_takes_runs_in_the_caller_after_a_while);
	ADD(s, test_a_posted_request_runs_on_the_worker_without_the_caller_waiting);
	return th_run_suites();
}
