/*
 * Unit tests of traffic classes (include/vmknet/traffic.h): the class of
 * every frame an uplink sends (the socket's, then a well-known port, then
 * the adapter's tags, then management; guests' frames virtualMachine), as
 * the uplink's per-class counters see it; DSCP in the IPv4 header with a
 * valid checksum, on TSO frames the switch cuts too; 802.1p in the tag of
 * a tagged port group, and a priority tag on an untagged one only when
 * asked.
 *
 * One host, one worker, two vSwitches whose uplinks are wired to each
 * other (two net_ring ethdevs over one pair of rings), so what leaves up0
 * is what a wire would carry:
 *
 *   vSwitch0: "Mgmt" (VLAN 0) vmk0 192.0.2.1, guest ring port g0;
 *             "Tagged" (VLAN 20) vmk2 198.51.100.1; uplink up0
 *   vSwitch1: "Mgmt" vmk1 192.0.2.3, "Tagged" vmk3 198.51.100.3 (netstack
 *             "peer"); uplink up1
 *
 * Frames leaving up0 are read by a packet capture at its out point, which
 * sees them as the device does (after the switch's marking and offload).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

#define A(a, b, c, d) \
	rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define VMK0_IP A(192, 0, 2, 1)
#define VMK1_IP A(192, 0, 2, 3)
#define VMK2_IP A(198, 51, 100, 1)
#define VMK3_IP A(198, 51, 100, 3)
#define MASK24  A(255, 255, 255, 0)
#define OTHER_PORT 5001        /* no class of its own */

static struct vmk_host *host;
static struct vmk_vswitch *vs0, *vs1;
static uint32_t up0, g0_id;
static struct th_ringport g0;
static struct rte_mempool *pool;

/* ---- set-up ---------------------------------------------------------- */

static int add_uplink(struct vmk_vswitch *vs, const char *name, struct rte_ring *rx,
		      struct rte_ring *tx, uint32_t *id)
{
	struct vmk_port_params pp;
	int port = rte_eth_from_rings(name, &rx, 1, &tx, 1, SOCKET_ID_ANY);

	if (port < 0)
		return -ENODEV;
	vmk_port_params_init(&pp);
	pp.name = name;
	pp.ethdev_port = (uint16_t)port;
	pp.uplink = true;
	return vmk_port_add(vs, &pp, id);
}

static int add_vmknic(const char *name, struct vmk_vswitch *vs, const char *pg,
		      const char *netstack, uint32_t ip)
{
	struct vmk_vmknic_params p;

	vmk_vmknic_params_init(&p);
	p.name = name;
	p.vswitch = vs;
	p.portgroup = pg;
	p.netstack = netstack;
	p.ipv4 = ip;
	p.netmask = MASK24;
	return vmk_vmknic_add(host, &p, NULL);
}

static int add_switch(const char *name, struct vmk_vswitch **out)
{
	struct vmk_vswitch_params vp;

	vmk_vswitch_params_init(&vp);
	vp.name = name;
	vp.mtu = 1500;
	if (vmk_vswitch_add(host, &vp, out) != 0)
		return -1;
	return vmk_portgroup_add(*out, "Mgmt", 0) || vmk_portgroup_add(*out, "Tagged", 20);
}

static int setup(void)
{
	struct rte_ring *ab = rte_ring_create("tc_wire_ab", 4096, SOCKET_ID_ANY, 0);
	struct rte_ring *ba = rte_ring_create("tc_wire_ba", 4096, SOCKET_ID_ANY, 0);
	struct vmk_port_params pp;
	unsigned int lcore = 1;
	uint32_t up1;

	if (ab == NULL || ba == NULL || vmk_host_create(NULL, &host) != 0)
		return -1;
	pool = vmk_host_mempool(host);
	if (add_switch("vSwitch0", &vs0) || add_switch("vSwitch1", &vs1) ||
	    add_uplink(vs0, "up0", ba, ab, &up0) || add_uplink(vs1, "up1", ab, ba, &up1))
		return -1;
	if (th_ringport_create("g0", &g0) != 0)
		return -1;
	vmk_port_params_init(&pp);
	pp.name = "g0";
	pp.ethdev_port = g0.port_id;
	pp.portgroup = "Mgmt";
	if (vmk_port_add(vs0, &pp, &g0_id) != 0 || vmk_netstack_add(host, "peer") != 0)
		return -1;
	if (add_vmknic("vmk0", vs0, "Mgmt", NULL, VMK0_IP) ||
	    add_vmknic("vmk2", vs0, "Tagged", NULL, VMK2_IP) ||
	    add_vmknic("vmk1", vs1, "Mgmt", "peer", VMK1_IP) ||
	    add_vmknic("vmk3", vs1, "Tagged", "peer", VMK3_IP))
		return -1;
	return vmk_host_start(host, &lcore, 1);
}

static int teardown(void)
{
	vmk_host_destroy(host);
	return 0;
}

/* ---- helpers --------------------------------------------------------- */

static uint64_t total_packets(const struct vmk_traffic_class_stats *s)
{
	uint64_t n = 0;

	for (unsigned int c = 0; c < VMK_TC_COUNT; c++)
		n += s[c].tx_packets;
	return n;
}

static void class_stats(struct vmk_traffic_class_stats s[VMK_TC_COUNT])
{
	CU_ASSERT_EQUAL(vmk_port_get_class_stats(vs0, up0, s), 0);
}

/* Wait until up0 has sent `want` more frames than in `before` (1 s at
 * most), then a little longer so that an extra frame would show. */
static void wait_sent(const struct vmk_traffic_class_stats *before, uint64_t want,
		      struct vmk_traffic_class_stats after[VMK_TC_COUNT])
{
	for (int i = 0; i < 1000; i++) {
		class_stats(after);
		if (total_packets(after) >= total_packets(before) + want)
			break;
		th_sleep_ms(1);
	}
	th_sleep_ms(20);
	class_stats(after);
}

/* Send one UDP datagram from src (bound to sport, 0: ephemeral) to
 * dst:dport, the socket's class tc (VMK_TC_NONE: none), and return the
 * one class whose counter at up0 went up by one, or -1. */
static int class_of_datagram(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			     unsigned int tc)
{
	struct vmk_traffic_class_stats before[VMK_TC_COUNT], after[VMK_TC_COUNT];
	struct vmk_udp_sock *s;
	int found = -1;

	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &s), 0);
	if (tc != VMK_TC_NONE) {
		CU_ASSERT_EQUAL(vmk_udp_set_class(s, tc), 0);
	}
	CU_ASSERT_EQUAL(vmk_udp_bind(s, src, sport), 0);
	class_stats(before);
	CU_ASSERT_EQUAL(vmk_udp_sendto(s, "class", 5, dst, dport), 5);
	wait_sent(before, 1, after);
	vmk_udp_close(s);
	if (total_packets(after) != total_packets(before) + 1)
		return -1;
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++)
		if (after[c].tx_packets == before[c].tx_packets + 1)
			found = (int)c;
	return found;
}

static int class_from_vmk0(uint16_t sport, uint16_t dport, unsigned int tc)
{
	return class_of_datagram(VMK0_IP, sport, VMK1_IP, dport, tc);
}

/* Resolve the neighbours both ways, so the tests' datagrams leave alone. */
static void warm_up(void)
{
	class_of_datagram(VMK0_IP, 0, VMK1_IP, OTHER_PORT, VMK_TC_NONE);
	class_of_datagram(VMK2_IP, 0, VMK3_IP, OTHER_PORT, VMK_TC_NONE);
	th_sleep_ms(50);
}

static void tag(const char *nic, enum vmk_service_tag t, bool on)
{
	int ret = on ? vmk_vmknic_tag_add(host, nic, t) : vmk_vmknic_tag_remove(host, nic, t);

	CU_ASSERT_EQUAL(ret, 0);
}

static void mark(enum vmk_traffic_class c, int dscp, int cos, bool prio)
{
	struct vmk_traffic_marking m = { .dscp = dscp, .cos = cos, .priority_tag = prio };

	CU_ASSERT_EQUAL(vmk_traffic_marking_set(host, c, &m), 0);
}

/* Frames up0 sent while fn ran (capture at its out point), into out. */
static unsigned int captured(void (*fn)(void), struct rte_mbuf **out, unsigned int max)
{
	struct vmk_capture *cap;
	unsigned int n = 0, got;

	CU_ASSERT_EQUAL_FATAL(vmk_capture_start(vs0, up0, VMK_CAPTURE_OUT, NULL, 4096, &cap), 0);
	fn();
	th_sleep_ms(50);
	do {
		got = vmk_capture_read(cap, out + n, NULL, max - n);
		n += got;
	} while (got > 0 && n < max);
	vmk_capture_stop(cap);
	return n;
}

/* The IPv4 header of frame m, or NULL; *tci the 802.1Q TCI (-1: none). */
static const struct rte_ipv4_hdr *ip_of(const struct rte_mbuf *m, int *tci)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t l2 = 14;

	*tci = -1;
	if (p[12] == 0x81 && p[13] == 0x00) {
		*tci = p[14] << 8 | p[15];
		l2 = 18;
	}
	if (p[l2 - 2] != 0x08 || p[l2 - 1] != 0x00 || m->data_len < l2 + 20)
		return NULL;
	return (const struct rte_ipv4_hdr *)(p + l2);
}

static bool ip_cksum_ok(const struct rte_ipv4_hdr *ip)
{
	return rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) == 0xffff;
}

/* ---- classification -------------------------------------------------- */

static void test_class_defaults_to_management_without_port_or_tag(void)
{
	warm_up();
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_MANAGEMENT);
}

static void test_class_follows_each_well_known_port_either_side(void)
{
	static const struct { uint16_t port; int tc; } wk[] = {
		{ 3260, VMK_TC_ISCSI }, { 2049, VMK_TC_NFS }, { 111, VMK_TC_NFS },
		{ 8000, VMK_TC_VMOTION }, { 8100, VMK_TC_FT_LOGGING },
		{ 8200, VMK_TC_FT_LOGGING }, { 8300, VMK_TC_FT_LOGGING },
		{ 2233, VMK_TC_VSAN }, { 12321, VMK_TC_VSAN }, { 902, VMK_TC_PROVISIONING },
	};

	for (unsigned int i = 0; i < RTE_DIM(wk); i++) {
		CU_ASSERT_EQUAL(class_from_vmk0(0, wk[i].port, VMK_TC_NONE), wk[i].tc);
		/* a server's reply: the well-known port is the source */
		CU_ASSERT_EQUAL(class_from_vmk0(wk[i].port, OTHER_PORT, VMK_TC_NONE), wk[i].tc);
	}
}

static void test_class_follows_adapter_tags_in_their_documented_order(void)
{
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_MANAGEMENT);
	tag("vmk0", VMK_TAG_MANAGEMENT, true);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_MANAGEMENT);
	tag("vmk0", VMK_TAG_PROVISIONING, true);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_PROVISIONING);
	tag("vmk0", VMK_TAG_VSPHERE_REPLICATION, true);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_REPLICATION);
	tag("vmk0", VMK_TAG_VSAN, true);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_VSAN);
	tag("vmk0", VMK_TAG_VMOTION, true);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_VMOTION);
	tag("vmk0", VMK_TAG_FT_LOGGING, true);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_FT_LOGGING);
	/* removing the first tag of the order gives the next one back */
	tag("vmk0", VMK_TAG_FT_LOGGING, false);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_VMOTION);
	tag("vmk0", VMK_TAG_VMOTION, false);
	tag("vmk0", VMK_TAG_VSAN, false);
	tag("vmk0", VMK_TAG_VSPHERE_REPLICATION, false);
	tag("vmk0", VMK_TAG_PROVISIONING, false);
	tag("vmk0", VMK_TAG_MANAGEMENT, false);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_MANAGEMENT);
}

static void test_class_order_is_socket_then_port_then_tags(void)
{
	tag("vmk0", VMK_TAG_VMOTION, true);
	/* the port beats the tag */
	CU_ASSERT_EQUAL(class_from_vmk0(0, 2049, VMK_TC_NONE), VMK_TC_NFS);
	/* the socket beats the port and the tag */
	CU_ASSERT_EQUAL(class_from_vmk0(0, 2049, VMK_TC_ISCSI), VMK_TC_ISCSI);
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_REPLICATION), VMK_TC_REPLICATION);
	/* no port, no socket class: the tag */
	CU_ASSERT_EQUAL(class_from_vmk0(0, OTHER_PORT, VMK_TC_NONE), VMK_TC_VMOTION);
	tag("vmk0", VMK_TAG_VMOTION, false);
}

static void test_socket_class_refuses_virtual_machine_and_out_of_range(void)
{
	struct vmk_udp_sock *s;
	struct vmk_tcp_sock *t;

	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &s), 0);
	CU_ASSERT_EQUAL(vmk_udp_set_class(s, VMK_TC_VIRTUAL_MACHINE), -EINVAL);
	CU_ASSERT_EQUAL(vmk_udp_set_class(s, 42), -EINVAL);
	CU_ASSERT_EQUAL(vmk_udp_set_class(s, VMK_TC_NONE), 0);
	vmk_udp_close(s);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &t), 0);
	CU_ASSERT_EQUAL(vmk_tcp_set_class(t, VMK_TC_VIRTUAL_MACHINE), -EINVAL);
	CU_ASSERT_EQUAL(vmk_tcp_set_class(t, VMK_TC_NFS), 0);
	vmk_tcp_close(t);
}

static void test_guest_frames_are_virtual_machine(void)
{
	static const uint8_t far[6] = { 0x02, 0xee, 0, 0, 0, 9 };   /* behind the uplink */
	struct vmk_traffic_class_stats before[VMK_TC_COUNT], after[VMK_TC_COUNT];
	uint8_t gmac[6];

	th_mac(gmac, 0x71, 1);
	class_stats(before);
	/* unknown unicast: flooded, so it leaves by the uplink */
	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *m = th_frame(pool, far, gmac, -1, 0x88b5, 100);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		th_inject(&g0, m);
	}
	wait_sent(before, 3, after);
	CU_ASSERT_EQUAL(after[VMK_TC_VIRTUAL_MACHINE].tx_packets -
			before[VMK_TC_VIRTUAL_MACHINE].tx_packets, 3);
	CU_ASSERT_EQUAL(after[VMK_TC_VIRTUAL_MACHINE].tx_bytes -
			before[VMK_TC_VIRTUAL_MACHINE].tx_bytes, 300);
	CU_ASSERT_EQUAL(total_packets(after) - total_packets(before), 3);
}

static void test_class_counters_count_bytes_and_reset_with_the_port(void)
{
	struct vmk_traffic_class_stats s[VMK_TC_COUNT];
	struct vmk_port_stats ps;

	CU_ASSERT_EQUAL(vmk_port_reset_stats(vs0, up0), 0);
	class_stats(s);
	CU_ASSERT_EQUAL(total_packets(s), 0);
	CU_ASSERT_EQUAL(class_from_vmk0(0, 3260, VMK_TC_NONE), VMK_TC_ISCSI);
	class_stats(s);
	/* 5 bytes of data + UDP 8 + IPv4 20 + Ethernet 14 */
	CU_ASSERT_EQUAL(s[VMK_TC_ISCSI].tx_bytes, 47);
	CU_ASSERT_EQUAL(s[VMK_TC_ISCSI].tx_drops, 0);
	/* the classes add up to the port's own counters */
	CU_ASSERT_EQUAL(vmk_port_get_stats(vs0, up0, &ps), 0);
	CU_ASSERT_EQUAL(ps.tx_packets, total_packets(s));
	CU_ASSERT_EQUAL(vmk_port_get_class_stats(vs0, 999, s), -ENOENT);
	CU_ASSERT_EQUAL(vmk_port_get_class_stats(NULL, up0, s), -EINVAL);
}

/* An uplink whose device takes 63 frames and no more (a tx ring nobody
 * drains): what it refuses is counted as drops of the frames' class. */
static void test_class_drops_count_what_a_full_uplink_refused(void)
{
	struct rte_ring *rx = rte_ring_create("tc_full_rx", 64, SOCKET_ID_ANY, 0);
	struct rte_ring *tx = rte_ring_create("tc_full_tx", 64, SOCKET_ID_ANY, 0);
	struct vmk_traffic_class_stats s[VMK_TC_COUNT];
	struct vmk_port_stats ps;
	struct vmk_vswitch *vs2;
	struct vmk_udp_sock *u;
	uint32_t up2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tx);
	CU_ASSERT_EQUAL_FATAL(add_switch("vSwitch2", &vs2), 0);
	CU_ASSERT_EQUAL_FATAL(add_uplink(vs2, "up2", rx, tx, &up2), 0);
	CU_ASSERT_EQUAL_FATAL(add_vmknic("vmk4", vs2, "Mgmt", NULL, A(203, 0, 113, 1)), 0);
	th_sleep_ms(50);   /* its gratuitous ARP */
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &u), 0);
	CU_ASSERT_EQUAL(vmk_udp_bind(u, A(203, 0, 113, 1), 0), 0);
	/* to the subnet's broadcast: no neighbour to resolve */
	for (int i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(vmk_udp_sendto(u, "x", 1, A(203, 0, 113, 255), 3260), 1);
	th_sleep_ms(100);
	vmk_udp_close(u);
	CU_ASSERT_EQUAL(vmk_port_get_class_stats(vs2, up2, s), 0);
	CU_ASSERT_EQUAL(vmk_port_get_stats(vs2, up2, &ps), 0);
	CU_ASSERT_EQUAL(s[VMK_TC_ISCSI].tx_packets + s[VMK_TC_ISCSI].tx_drops, 100);
	CU_ASSERT_TRUE(s[VMK_TC_ISCSI].tx_drops >= 37);
	CU_ASSERT_EQUAL(total_packets(s), 63);
	CU_ASSERT_EQUAL(ps.tx_packets, 63);
	CU_ASSERT_EQUAL(ps.tx_drops[VMK_DROP_TXQ_FULL],
			s[VMK_TC_ISCSI].tx_drops + s[VMK_TC_MANAGEMENT].tx_drops);
	CU_ASSERT_EQUAL(vmk_vmknic_remove(host, "vmk4"), 0);
	CU_ASSERT_EQUAL(vmk_port_remove(vs2, up2), 0);
	CU_ASSERT_EQUAL(vmk_vswitch_remove(host, "vSwitch2"), 0);
	for (struct rte_mbuf *m; rte_ring_dequeue(tx, (void **)&m) == 0;)
		rte_pktmbuf_free(m);
}

/* ---- marking --------------------------------------------------------- */

static void test_marking_validates_and_reads_back(void)
{
	struct vmk_traffic_marking m = { .dscp = 64, .cos = -1 }, got;

	CU_ASSERT_EQUAL(vmk_traffic_marking_set(host, VMK_TC_VMOTION, &m), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_last_error(), "DSCP 64"));
	m.dscp = 10;
	m.cos = 8;
	CU_ASSERT_EQUAL(vmk_traffic_marking_set(host, VMK_TC_VMOTION, &m), -EINVAL);
	m.cos = -1;
	m.priority_tag = true;
	CU_ASSERT_EQUAL(vmk_traffic_marking_set(host, VMK_TC_VMOTION, &m), -EINVAL);
	m.priority_tag = false;
	CU_ASSERT_EQUAL(vmk_traffic_marking_set(host, VMK_TC_VIRTUAL_MACHINE, &m), -EINVAL);
	CU_ASSERT_EQUAL(vmk_traffic_marking_set(host, VMK_TC_COUNT, &m), -EINVAL);
	/* nothing changed */
	CU_ASSERT_EQUAL(vmk_traffic_marking_get(host, VMK_TC_VMOTION, &got), 0);
	CU_ASSERT_EQUAL(got.dscp, -1);
	CU_ASSERT_EQUAL(got.cos, -1);
	CU_ASSERT_FALSE(got.priority_tag);
	mark(VMK_TC_VMOTION, 46, 5, true);
	CU_ASSERT_EQUAL(vmk_traffic_marking_get(host, VMK_TC_VMOTION, &got), 0);
	CU_ASSERT_EQUAL(got.dscp, 46);
	CU_ASSERT_EQUAL(got.cos, 5);
	CU_ASSERT_TRUE(got.priority_tag);
	mark(VMK_TC_VMOTION, -1, -1, false);
}

static void send_nfs_and_iscsi(void)
{
	CU_ASSERT_EQUAL(class_from_vmk0(0, 2049, VMK_TC_NONE), VMK_TC_NFS);
	CU_ASSERT_EQUAL(class_from_vmk0(0, 3260, VMK_TC_NONE), VMK_TC_ISCSI);
}

static void test_dscp_is_written_with_a_valid_checksum_only_for_its_class(void)
{
	struct rte_mbuf *f[64];
	unsigned int n, n_nfs = 0, n_iscsi = 0;

	mark(VMK_TC_NFS, 26, -1, false);
	n = captured(send_nfs_and_iscsi, f, RTE_DIM(f));
	for (unsigned int i = 0; i < n; i++) {
		int tci;
		const struct rte_ipv4_hdr *ip = ip_of(f[i], &tci);
		const struct rte_udp_hdr *u;

		if (ip == NULL || ip->next_proto_id != IPPROTO_UDP)
			continue;
		u = (const struct rte_udp_hdr *)(ip + 1);
		CU_ASSERT_TRUE(ip_cksum_ok(ip));
		CU_ASSERT_EQUAL(tci, -1);   /* untagged group, no CoS: no tag */
		if (u->dst_port == rte_cpu_to_be_16(2049)) {
			n_nfs++;
			CU_ASSERT_EQUAL(ip->type_of_service, 26 << 2);
		} else if (u->dst_port == rte_cpu_to_be_16(3260)) {
			n_iscsi++;
			CU_ASSERT_EQUAL(ip->type_of_service, 0);
		}
	}
	th_free(f, n);
	CU_ASSERT_EQUAL(n_nfs, 1);
	CU_ASSERT_EQUAL(n_iscsi, 1);
	mark(VMK_TC_NFS, -1, -1, false);
}

/* A vMotion stream (port 8000) vmk0 -> vmk1 of 200 KB: vmk0's TCP sends
 * TSO frames up to 64 KiB, which up0 cuts into wire segments. */
static uint64_t vmotion_segs_sent;

static void vmotion_stream(void)
{
	static uint8_t buf[200000];
	struct vmk_tcp_sock *l, *c, *a;
	struct vmk_tcp_stats st0, st1;
	long sent = 0, got = 0;
	static uint8_t rbuf[65536];

	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, VMK1_IP, 8000), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &c), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_connect(c, VMK1_IP, 8000, 2000), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(l, &a, NULL, NULL, 2000), 0);
	CU_ASSERT_EQUAL(vmk_tcp_get_stats(host, NULL, &st0), 0);
	memset(buf, 0x5a, sizeof(buf));
	for (int i = 0; i < 1000 && got < (long)sizeof(buf); i++) {   /* 10 s at most */
		long r;

		if (sent < (long)sizeof(buf)) {
			r = vmk_tcp_send(c, buf + sent, sizeof(buf) - (size_t)sent, 10);
			if (r > 0)
				sent += r;
		}
		r = vmk_tcp_recv(a, rbuf, sizeof(rbuf), 10);
		if (r <= 0 && sent >= (long)sizeof(buf) && r != -EAGAIN)
			break;
		if (r > 0)
			got += r;
	}
	CU_ASSERT_EQUAL(got, (long)sizeof(buf));
	CU_ASSERT_EQUAL(vmk_tcp_get_stats(host, NULL, &st1), 0);
	vmotion_segs_sent = st1.segs_tx - st0.segs_tx;
	vmk_tcp_close(c);
	vmk_tcp_close(a);
	vmk_tcp_close(l);
}

static void test_dscp_survives_tso_segmentation_at_the_uplink(void)
{
	static struct rte_mbuf *f[4096];
	struct vmk_traffic_class_stats before[VMK_TC_COUNT], after[VMK_TC_COUNT];
	unsigned int n, n_data = 0, n_8000 = 0;
	uint64_t data_bytes = 0;

	mark(VMK_TC_VMOTION, 34, -1, false);
	class_stats(before);
	n = captured(vmotion_stream, f, RTE_DIM(f));
	class_stats(after);
	for (unsigned int i = 0; i < n; i++) {
		int tci;
		const struct rte_ipv4_hdr *ip = ip_of(f[i], &tci);
		const struct rte_tcp_hdr *t;
		uint32_t len;

		if (ip == NULL || ip->next_proto_id != IPPROTO_TCP)
			continue;
		t = (const struct rte_tcp_hdr *)(ip + 1);
		if (t->dst_port != rte_cpu_to_be_16(8000))
			continue;
		n_8000++;
		CU_ASSERT_EQUAL(ip->type_of_service, 34 << 2);
		CU_ASSERT_TRUE(ip_cksum_ok(ip));
		CU_ASSERT_TRUE(f[i]->pkt_len <= 1514);
		len = rte_be_to_cpu_16(ip->total_length) - 20u - (t->data_off >> 4) * 4u;
		if (len > 0) {
			n_data++;
			data_bytes += len;
		}
	}
	th_free(f, n);
	CU_ASSERT_TRUE(data_bytes >= 200000);
	/* fewer segments left the stack than the wire carried: TSO frames
	 * were cut at the uplink, every cut segment marked */
	CU_ASSERT_TRUE(vmotion_segs_sent < n_data);
	/* and every cut segment kept the frame's class */
	CU_ASSERT_EQUAL(after[VMK_TC_VMOTION].tx_packets - before[VMK_TC_VMOTION].tx_packets,
			n_8000);
	mark(VMK_TC_VMOTION, -1, -1, false);
}

static void send_tagged_iscsi(void)
{
	CU_ASSERT_EQUAL(class_of_datagram(VMK2_IP, 0, VMK3_IP, 3260, VMK_TC_NONE), VMK_TC_ISCSI);
}

static void send_untagged_iscsi(void)
{
	CU_ASSERT_EQUAL(class_from_vmk0(0, 3260, VMK_TC_NONE), VMK_TC_ISCSI);
}

/* The TCI of the one iSCSI datagram among f (-2: none found). */
static int iscsi_tci(struct rte_mbuf **f, unsigned int n)
{
	int found = -2;

	for (unsigned int i = 0; i < n; i++) {
		int tci;
		const struct rte_ipv4_hdr *ip = ip_of(f[i], &tci);

		if (ip != NULL && ip->next_proto_id == IPPROTO_UDP &&
		    ((const struct rte_udp_hdr *)(ip + 1))->dst_port == rte_cpu_to_be_16(3260)) {
			CU_ASSERT_TRUE(ip_cksum_ok(ip));
			found = tci;
		}
	}
	th_free(f, n);
	return found;
}

static void test_cos_goes_into_the_tag_of_a_tagged_port_group(void)
{
	struct rte_mbuf *f[64];
	unsigned int n;

	n = captured(send_tagged_iscsi, f, RTE_DIM(f));
	CU_ASSERT_EQUAL(iscsi_tci(f, n), 20);        /* PCP 0 unmarked */
	mark(VMK_TC_ISCSI, -1, 4, false);
	n = captured(send_tagged_iscsi, f, RTE_DIM(f));
	CU_ASSERT_EQUAL(iscsi_tci(f, n), 4 << 13 | 20);
	/* an untagged group without priority_tag stays untagged */
	n = captured(send_untagged_iscsi, f, RTE_DIM(f));
	CU_ASSERT_EQUAL(iscsi_tci(f, n), -1);
	mark(VMK_TC_ISCSI, -1, -1, false);
}

static void test_priority_tag_on_untagged_port_group_only_when_asked(void)
{
	struct rte_mbuf *f[64];
	unsigned int n;

	mark(VMK_TC_ISCSI, 8, 6, true);
	n = captured(send_untagged_iscsi, f, RTE_DIM(f));
	CU_ASSERT_EQUAL(iscsi_tci(f, n), 6 << 13);   /* VLAN 0, PCP 6 */
	/* other classes are left alone */
	n = captured(send_nfs_and_iscsi, f, RTE_DIM(f));
	for (unsigned int i = 0; i < n; i++) {
		int tci;
		const struct rte_ipv4_hdr *ip = ip_of(f[i], &tci);

		if (ip != NULL && ip->next_proto_id == IPPROTO_UDP)
			CU_ASSERT_EQUAL(tci, ((const struct rte_udp_hdr *)(ip + 1))->dst_port ==
					rte_cpu_to_be_16(3260) ? 6 << 13 : -1);
	}
	th_free(f, n);
	mark(VMK_TC_ISCSI, -1, -1, false);
}

static void send_guest_frames(void)
{
	static const uint8_t far[6] = { 0x02, 0xee, 0, 0, 0, 9 };
	uint8_t gmac[6];

	th_mac(gmac, 0x71, 1);
	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *m = th_frame(pool, far, gmac, -1, 0x88b5, 100);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		th_inject(&g0, m);
	}
}

static void test_virtual_machine_cos_marks_guest_frames_at_the_uplink(void)
{
	struct vmk_traffic_class_stats before[VMK_TC_COUNT], after[VMK_TC_COUNT];
	struct rte_mbuf *f[64];
	unsigned int n, n_guest = 0;

	mark(VMK_TC_VIRTUAL_MACHINE, -1, 3, true);
	class_stats(before);
	n = captured(send_guest_frames, f, RTE_DIM(f));
	class_stats(after);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(f[i], const uint8_t *);

		if (p[0] != 0x02 || p[1] != 0xee)
			continue;
		n_guest++;
		CU_ASSERT_TRUE(p[12] == 0x81 && p[13] == 0x00 && p[14] == 3 << 5 && p[15] == 0);
		CU_ASSERT_EQUAL(f[i]->pkt_len, 104);
	}
	th_free(f, n);
	CU_ASSERT_EQUAL(n_guest, 2);
	CU_ASSERT_EQUAL(after[VMK_TC_VIRTUAL_MACHINE].tx_packets -
			before[VMK_TC_VIRTUAL_MACHINE].tx_packets, 2);
	CU_ASSERT_EQUAL(after[VMK_TC_VIRTUAL_MACHINE].tx_bytes -
			before[VMK_TC_VIRTUAL_MACHINE].tx_bytes, 208);
	mark(VMK_TC_VIRTUAL_MACHINE, -1, -1, false);
}

static void test_class_names_parse_as_nioc_spells_them(void)
{
	enum vmk_traffic_class c;

	CU_ASSERT_STRING_EQUAL(vmk_traffic_class_name(VMK_TC_FT_LOGGING), "faultToleranceLogging");
	CU_ASSERT_STRING_EQUAL(vmk_traffic_class_name(VMK_TC_PROVISIONING), "vSphereProvisioning");
	CU_ASSERT_PTR_NULL(vmk_traffic_class_name(VMK_TC_COUNT));
	for (unsigned int i = 0; i < VMK_TC_COUNT; i++) {
		CU_ASSERT_EQUAL(vmk_traffic_class_parse(vmk_traffic_class_name(i), &c), 0);
		CU_ASSERT_EQUAL(c, i);
	}
	CU_ASSERT_EQUAL(vmk_traffic_class_parse("vmotion", &c), 0);
	CU_ASSERT_EQUAL(c, VMK_TC_VMOTION);
	CU_ASSERT_EQUAL(vmk_traffic_class_parse("VMotionX", &c), -EINVAL);
	CU_ASSERT_EQUAL(vmk_traffic_class_parse(NULL, &c), -EINVAL);
}

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("traffic_class", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("traffic_class", setup, teardown);
	CU_add_test(s, "class defaults to management without port or tag",
		    test_class_defaults_to_management_without_port_or_tag);
	CU_add_test(s, "class follows each well-known port either side",
		    test_class_follows_each_well_known_port_either_side);
	CU_add_test(s, "class follows adapter tags in their documented order",
		    test_class_follows_adapter_tags_in_their_documented_order);
	CU_add_test(s, "class order is socket then port then tags",
		    test_class_order_is_socket_then_port_then_tags);
	CU_add_test(s, "socket class refuses virtualMachine and out of range",
		    test_socket_class_refuses_virtual_machine_and_out_of_range);
	CU_add_test(s, "guest frames are virtualMachine", test_guest_frames_are_virtual_machine);
	CU_add_test(s, "class counters count bytes and reset with the port",
		    test_class_counters_count_bytes_and_reset_with_the_port);
	CU_add_test(s, "class drops count what a full uplink refused",
		    test_class_drops_count_what_a_full_uplink_refused);
	CU_add_test(s, "marking validates and reads back", test_marking_validates_and_reads_back);
	CU_add_test(s, "DSCP is written with a valid checksum only for its class",
		    test_dscp_is_written_with_a_valid_checksum_only_for_its_class);
	CU_add_test(s, "DSCP survives TSO segmentation at the uplink",
		    test_dscp_survives_tso_segmentation_at_the_uplink);
	CU_add_test(s, "CoS goes into the tag of a tagged port group",
		    test_cos_goes_into_the_tag_of_a_tagged_port_group);
	CU_add_test(s, "priority tag on untagged port group only when asked",
		    test_priority_tag_on_untagged_port_group_only_when_asked);
	CU_add_test(s, "virtualMachine CoS marks guest frames at the uplink",
		    test_virtual_machine_cos_marks_guest_frames_at_the_uplink);
	CU_add_test(s, "class names parse as NIOC spells them",
		    test_class_names_parse_as_nioc_spells_them);
	return th_run_suites();
}
