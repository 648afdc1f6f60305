/*
 * Objective: prove the vSwitch L2 data path from the outside. A real switch
 * (one worker lcore) runs over real net_ring ethdevs; the test injects frames
 * into a port's rx ring and checks which frames come out of which ports, and
 * how they are tagged.
 *
 * Topology of vSwitch0:
 *   a1, a2 : port group "Prod"     VLAN 10
 *   b1     : port group "Storage"  VLAN 20
 *   n1     : port group "Plain"    VLAN 0 (untagged)
 *   t1     : port group "Trunk"    VLAN 4095
 *   up0, up1 : uplinks
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_ethdev.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

enum { A1, A2, B1, N1, T1, UP0, UP1, NP };
static const char *names[NP] = { "a1", "a2", "b1", "n1", "t1", "up0", "up1" };
static const char *groups[NP] = { "Prod", "Prod", "Storage", "Plain", "Trunk", NULL, NULL };

static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct th_ringport rp[NP];
static uint32_t pid[NP];
static struct rte_mempool *pool;

#define BCAST ((const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff })
#define WAIT_MS 300

static int setup(void)
{
	struct vmk_vswitch_params vp;
	unsigned int lcore = 1;

	if (vmk_host_create(NULL, &host) != 0)
		return -1;
	pool = vmk_host_mempool(host);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	if (vmk_vswitch_add(host, &vp, &vs) != 0)
		return -1;
	if (vmk_portgroup_add(vs, "Prod", 10) || vmk_portgroup_add(vs, "Storage", 20) ||
	    vmk_portgroup_add(vs, "Plain", 0) || vmk_portgroup_add(vs, "Trunk", 4095))
		return -1;
	for (int i = 0; i < NP; i++) {
		struct vmk_port_params pp;

		if (th_ringport_create(names[i], &rp[i]) != 0)
			return -1;
		vmk_port_params_init(&pp);
		pp.name = names[i];
		pp.ethdev_port = rp[i].port_id;
		pp.uplink = groups[i] == NULL;
		pp.portgroup = groups[i];
		if (vmk_port_add(vs, &pp, &pid[i]) != 0)
			return -1;
	}
	return vmk_host_start(host, &lcore, 1);
}

static int teardown(void)
{
	vmk_host_destroy(host);
	return 0;
}

/* Fresh state for each test: nothing queued, nothing learned, counters 0. */
static void reset(void)
{
	th_drain(rp, NP);
	vmk_fdb_flush(vs);
	vmk_vswitch_set_fdb_aging(vs, 300);
	for (int i = 0; i < NP; i++)
		vmk_port_reset_stats(vs, pid[i]);
}

static void send_frame(int port, const uint8_t dst[6], const uint8_t src[6], int vlan, uint32_t len)
{
	struct rte_mbuf *m = th_frame(pool, dst, src, vlan, 0x88b5, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	th_inject(&rp[port], m);
}

/* Frames that come out of each port within a settle time. */
static void outputs(unsigned int count[NP], int vlan_seen[NP])
{
	for (int i = 0; i < NP; i++) {
		struct rte_mbuf *m[256];
		unsigned int n = th_collect(&rp[i], m, 256, 0, WAIT_MS);

		count[i] = n;
		if (vlan_seen != NULL)
			vlan_seen[i] = n > 0 ? th_frame_vlan(m[0]) : -2;
		th_free(m, n);
	}
}

/* src on `port` says hello by broadcast so the switch learns it. */
static void learn(int port, const uint8_t mac[6], int vlan)
{
	unsigned int c[NP];

	send_frame(port, BCAST, mac, vlan, 64);
	outputs(c, NULL);
}

static void test_broadcast_reaches_every_port_of_its_vlan_but_the_ingress(void)
{
	uint8_t s[6];
	unsigned int c[NP];
	int v[NP];

	reset();
	th_mac(s, 1, 1);
	send_frame(A1, BCAST, s, -1, 64);
	outputs(c, v);
	CU_ASSERT_EQUAL(c[A1], 0);
	CU_ASSERT_EQUAL(c[A2], 1);
	CU_ASSERT_EQUAL(v[A2], -1);          /* untagged toward the access port */
	CU_ASSERT_EQUAL(c[T1], 1);
	CU_ASSERT_EQUAL(v[T1], 10);          /* tagged toward the trunk */
	/* Toward the physical network: one uplink (the port's team picks),
	 * tagged. Two would hand the physical switch duplicates. */
	CU_ASSERT_EQUAL(c[UP0] + c[UP1], 1);
	CU_ASSERT_EQUAL(c[UP0] ? v[UP0] : v[UP1], 10);
	CU_ASSERT_EQUAL(c[B1], 0);
	CU_ASSERT_EQUAL(c[N1], 0);
}

static void test_vlan10_frames_never_appear_on_vlan20_ports(void)
{
	uint8_t s[6], d[6];
	unsigned int c[NP];

	reset();
	th_mac(s, 2, 1);
	th_mac(d, 2, 2);
	learn(B1, d, -1);                    /* d lives in VLAN 20 */
	/* Tagged 10 from an uplink, to d's MAC, broadcast and unknown. */
	send_frame(UP0, d, s, 10, 64);
	send_frame(UP0, BCAST, s, 10, 64);
	send_frame(A1, d, s, -1, 64);
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[B1], 0);
	CU_ASSERT_EQUAL(c[N1], 0);
	CU_ASSERT(c[A2] >= 1);
}

static void test_learned_unicast_reaches_only_its_port(void)
{
	uint8_t x[6], y[6];
	unsigned int c[NP];
	int v[NP];

	reset();
	th_mac(x, 3, 1);
	th_mac(y, 3, 2);
	learn(A2, y, -1);
	send_frame(A1, y, x, -1, 128);
	outputs(c, v);
	CU_ASSERT_EQUAL(c[A2], 1);
	CU_ASSERT_EQUAL(v[A2], -1);
	for (int i = 0; i < NP; i++)
		if (i != A2)
			CU_ASSERT_EQUAL(c[i], 0);
	/* And toward a MAC in the physical network: tagged, one uplink. */
	learn(UP1, x, 10);
	send_frame(A2, x, y, -1, 128);
	outputs(c, v);
	CU_ASSERT_EQUAL(c[UP0] + c[UP1], 1);
	CU_ASSERT_EQUAL(c[UP0] ? v[UP0] : v[UP1], 10);
	CU_ASSERT_EQUAL(c[A1], 0);
	CU_ASSERT_EQUAL(c[T1], 0);
}

static void test_uplink_to_uplink_never_forwards(void)
{
	uint8_t x[6], y[6];
	unsigned int c[NP];
	struct vmk_port_stats st;

	reset();
	th_mac(x, 4, 1);
	th_mac(y, 4, 2);
	learn(UP1, y, 10);
	send_frame(UP0, y, x, 10, 64);             /* known unicast behind the other uplink */
	send_frame(UP0, BCAST, x, 10, 64);         /* broadcast */
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[UP1], 0);
	CU_ASSERT_EQUAL(c[A1], 1);           /* the broadcast still reaches VLAN 10 */
	CU_ASSERT_EQUAL(vmk_port_get_stats(vs, pid[UP0], &st), 0);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_FILTERED], 1);
}

static void test_mac_move_redirects_traffic(void)
{
	uint8_t x[6], m[6];
	unsigned int c[NP];
	struct vmk_fdb_entry e;
	struct vmk_fdb_stats fs0, fs1;

	reset();
	th_mac(x, 5, 1);
	th_mac(m, 5, 2);
	vmk_fdb_get_stats(vs, &fs0);
	learn(A1, m, -1);
	send_frame(A2, m, x, -1, 64);
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[A1], 1);
	learn(UP0, m, 10);                   /* the VM moved behind an uplink */
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 10, m, &e), 0);
	CU_ASSERT_EQUAL(e.port_id, pid[UP0]);
	send_frame(A2, m, x, -1, 64);
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[A1], 0);
	CU_ASSERT_EQUAL(c[UP0] + c[UP1], 1); /* out to the physical network */
	CU_ASSERT_EQUAL(c[T1], 0);
	vmk_fdb_get_stats(vs, &fs1);
	CU_ASSERT(fs1.moved >= fs0.moved + 1);
}

static void test_aged_entry_floods_again(void)
{
	uint8_t x[6], y[6];
	unsigned int c[NP];
	struct vmk_fdb_entry e;

	reset();
	vmk_vswitch_set_fdb_aging(vs, 1);
	th_mac(x, 6, 1);
	th_mac(y, 6, 2);
	learn(A2, y, -1);
	send_frame(A1, y, x, -1, 64);
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[UP0], 0);          /* known: unicast */
	th_sleep_ms(2600);                   /* aging 1 s + a full sweep (1 s) */
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 10, y, &e), -ENOENT);
	send_frame(A1, y, x, -1, 64);
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[A2], 1);
	CU_ASSERT_EQUAL(c[T1], 1);           /* unknown again: flooded */
	CU_ASSERT_EQUAL(c[UP0] + c[UP1], 1);
}

static const uint8_t MCAST_SRC[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t ZERO_SRC[6];

static void test_bad_frames_are_dropped_and_counted_by_reason(void)
{
	uint8_t x[6];
	unsigned int c[NP];
	struct vmk_port_stats st;
	struct rte_mbuf *m;

	reset();
	th_mac(x, 7, 1);
	send_frame(A1, BCAST, x, -1, 1600);        /* over MTU 1500 */
	send_frame(A1, BCAST, x, 10, 64);          /* tag on an access port */
	m = th_frame(pool, BCAST, x, -1, 0x0800, 10); /* runt */
	th_inject(&rp[A1], m);
	m = th_frame(pool, BCAST, x, -1, 0x8100, 16); /* truncated VLAN header */
	th_inject(&rp[UP0], m);
	send_frame(A1, x, BCAST, -1, 64);          /* broadcast source */
	send_frame(A1, x, MCAST_SRC, -1, 64);      /* multicast source */
	send_frame(A1, x, ZERO_SRC, -1, 64);       /* all-zero source */
	send_frame(UP0, BCAST, x, 4095, 64);       /* reserved VID from an uplink */
	outputs(c, NULL);
	for (int i = 0; i < NP; i++)
		CU_ASSERT_EQUAL(c[i], 0);
	vmk_port_get_stats(vs, pid[A1], &st);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_MTU], 1);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_VLAN], 1);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_MALFORMED], 4);
	CU_ASSERT_EQUAL(st.rx_packets, 6);
	vmk_port_get_stats(vs, pid[UP0], &st);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_MALFORMED], 1);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_VLAN], 1);
}

static void test_shrinking_the_table_below_its_registered_entries_is_refused(void)
{
	uint8_t x[6];
	struct vmk_fdb_entry e;
	struct vmk_fdb_stats fs;

	reset();
	for (int i = 0; i < 20; i++) {
		th_mac(x, 13, (uint8_t)i);
		CU_ASSERT_EQUAL(vmk_fdb_register(vs, 10, x, pid[A1]), 0);
	}
	th_mac(x, 13, 0);
	CU_ASSERT_EQUAL(vmk_fdb_register(vs, 10, x, pid[A2]), -EEXIST);
	CU_ASSERT_EQUAL(vmk_vswitch_set_fdb_capacity(vs, 16), -ENOSPC);
	vmk_fdb_get_stats(vs, &fs);
	CU_ASSERT_EQUAL(fs.capacity, 65536);
	CU_ASSERT_EQUAL(vmk_vswitch_set_fdb_capacity(vs, 32), 0);  /* they fit */
	for (int i = 0; i < 20; i++) {
		th_mac(x, 13, (uint8_t)i);
		CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 10, x, &e), 0);
		CU_ASSERT(e.registered);
		CU_ASSERT_EQUAL(vmk_fdb_remove(vs, 10, x), 0);
	}
	CU_ASSERT_EQUAL(vmk_vswitch_set_fdb_capacity(vs, 65536), 0);
}

static void test_jumbo_frames_pass_when_the_mtu_allows_them(void)
{
	uint8_t x[6], y[6];
	unsigned int c[NP];
	struct vmk_port_stats st;

	reset();
	th_mac(x, 8, 1);
	th_mac(y, 8, 2);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1800), 0);
	learn(A2, y, -1);
	send_frame(A1, y, x, -1, 1800 + 14);       /* exactly MTU */
	send_frame(A1, y, x, -1, 1800 + 15);       /* one byte over */
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[A2], 1);
	vmk_port_get_stats(vs, pid[A1], &st);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_MTU], 1);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1500), 0);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 9001), -EINVAL);
}

/* A frame of len bytes as a chain of 1000-byte segments (as a NIC with
 * scatter rx hands over a jumbo frame). */
static struct rte_mbuf *chained_frame(const uint8_t dst[6], const uint8_t src[6], uint32_t len)
{
	struct rte_mbuf *head = th_frame(pool, dst, src, -1, 0x88b5, 1000);
	uint32_t done = 1000;

	while (head != NULL && done < len) {
		uint32_t k = len - done < 1000 ? len - done : 1000;
		struct rte_mbuf *seg = rte_pktmbuf_alloc(pool);
		uint8_t *p = seg ? (uint8_t *)rte_pktmbuf_append(seg, (uint16_t)k) : NULL;

		if (p == NULL || rte_pktmbuf_chain(head, seg) != 0) {
			rte_pktmbuf_free(seg);
			rte_pktmbuf_free(head);
			return NULL;
		}
		for (uint32_t i = 0; i < k; i++)
			p[i] = (uint8_t)(done + i);
		done += k;
	}
	return head;
}

/* The payload after the L2 header matches what chained_frame wrote. */
static bool payload_intact(const struct rte_mbuf *m, uint32_t l2, uint32_t len)
{
	for (uint32_t off = 14; off < len; off++) {
		uint8_t b;
		const uint8_t *p = rte_pktmbuf_read(m, l2 + off - 14, 1, &b);

		if (p == NULL || *p != (uint8_t)off)
			return false;
	}
	return true;
}

static void test_jumbo_9000_flood_is_tagged_without_copying_the_payload(void)
{
	uint8_t x[6];
	struct rte_mbuf *got[4];
	unsigned int n;
	const uint32_t len = 9000 + 14;

	reset();
	th_mac(x, 12, 1);
	CU_ASSERT_EQUAL_FATAL(vmk_vswitch_set_mtu(vs, 9000), 0);
	th_inject(&rp[A1], chained_frame(BCAST, x, len));
	n = th_collect(&rp[A2], got, 4, 1, WAIT_MS);
	CU_ASSERT_EQUAL(n, 1);
	if (n == 1) {
		CU_ASSERT_EQUAL(got[0]->pkt_len, len);
		CU_ASSERT_EQUAL(th_frame_vlan(got[0]), -1);
		CU_ASSERT(payload_intact(got[0], 14, len));
	}
	th_free(got, n);
	n = th_collect(&rp[UP0], got, 4, 1, WAIT_MS);
	CU_ASSERT_EQUAL(n, 1);
	if (n == 1) {
		CU_ASSERT_EQUAL(got[0]->pkt_len, len + 4);
		CU_ASSERT_EQUAL(th_frame_vlan(got[0]), 10);
		CU_ASSERT(payload_intact(got[0], 18, len));
	}
	th_free(got, n);
	th_drain(rp, NP);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1500), 0);
}

static void test_full_table_floods_and_counts(void)
{
	uint8_t x[6], y[6];
	unsigned int c[NP];
	struct vmk_port_stats st;
	struct vmk_fdb_stats fs;

	reset();
	CU_ASSERT_EQUAL(vmk_vswitch_set_fdb_capacity(vs, 16), 0);
	for (int i = 0; i < 16; i++) {
		th_mac(x, 9, (uint8_t)i);
		send_frame(A1, BCAST, x, -1, 64);
	}
	th_drain(rp, NP);
	vmk_fdb_get_stats(vs, &fs);
	CU_ASSERT_EQUAL(fs.n_entries, 16);
	th_mac(y, 9, 100);                   /* one more source: not learned */
	send_frame(A2, BCAST, y, -1, 64);
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[A1], 1);           /* still forwarded */
	vmk_port_get_stats(vs, pid[A2], &st);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_FDB_FULL], 1);
	th_mac(x, 9, 1);
	send_frame(A1, y, x, -1, 64);              /* to the unlearned MAC: floods */
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[A2], 1);
	CU_ASSERT_EQUAL(c[UP0] + c[UP1], 1);
	CU_ASSERT_EQUAL(vmk_vswitch_set_fdb_capacity(vs, 65536), 0);
}

static void test_counters_match_the_frames_seen(void)
{
	uint8_t x[6], y[6];
	unsigned int c[NP];
	struct vmk_port_stats sa, sb;

	reset();
	th_mac(x, 10, 1);
	th_mac(y, 10, 2);
	learn(A2, y, -1);
	vmk_port_reset_stats(vs, pid[A1]);
	vmk_port_reset_stats(vs, pid[A2]);
	for (int i = 0; i < 100; i++)
		send_frame(A1, y, x, -1, 100);
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[A2], 100);
	vmk_port_get_stats(vs, pid[A1], &sa);
	vmk_port_get_stats(vs, pid[A2], &sb);
	CU_ASSERT_EQUAL(sa.rx_packets, 100);
	CU_ASSERT_EQUAL(sa.rx_bytes, 100 * 100);
	CU_ASSERT_EQUAL(sb.tx_packets, 100);
	CU_ASSERT_EQUAL(sb.tx_bytes, 100 * 100);
	CU_ASSERT_EQUAL(vmk_port_stats_rx_dropped(&sa), 0);
}

static void test_port_removed_while_running_stops_receiving(void)
{
	uint8_t x[6];
	unsigned int c[NP];
	struct vmk_port_params pp;
	struct th_ringport extra;
	uint32_t id;

	reset();
	CU_ASSERT_EQUAL_FATAL(th_ringport_create("extra", &extra), 0);
	vmk_port_params_init(&pp);
	pp.name = "extra";
	pp.ethdev_port = extra.port_id;
	pp.portgroup = "Prod";
	CU_ASSERT_EQUAL_FATAL(vmk_port_add(vs, &pp, &id), 0);
	CU_ASSERT_EQUAL(vmk_port_add(vs, &pp, &id), -EEXIST);
	th_mac(x, 11, 1);
	send_frame(A1, BCAST, x, -1, 64);
	{
		struct rte_mbuf *m[4];
		unsigned int n = th_collect(&extra, m, 4, 1, WAIT_MS);

		CU_ASSERT_EQUAL(n, 1);
		th_free(m, n);
	}
	th_drain(rp, NP);
	CU_ASSERT_EQUAL(vmk_port_remove(vs, id), 0);
	CU_ASSERT_EQUAL(vmk_port_remove(vs, id), -ENOENT);
	send_frame(A1, BCAST, x, -1, 64);
	outputs(c, NULL);
	CU_ASSERT_EQUAL(c[A2], 1);
	CU_ASSERT_EQUAL(rte_ring_count(extra.from_switch), 0);
}

int main(int argc, char **argv)
{
	CU_pSuite s;

	(void)argc;
	if (th_eal_init("l2_switching", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("l2_switching", setup, teardown);
	CU_add_test(s, "broadcast reaches every port of its VLAN but the ingress",
		    test_broadcast_reaches_every_port_of_its_vlan_but_the_ingress);
	CU_add_test(s, "VLAN 10 frames never appear on VLAN 20 ports",
		    test_vlan10_frames_never_appear_on_vlan20_ports);
	CU_add_test(s, "learned unicast reaches only its port",
		    test_learned_unicast_reaches_only_its_port);
	CU_add_test(s, "uplink to uplink never forwards", test_uplink_to_uplink_never_forwards);
	CU_add_test(s, "MAC move redirects traffic", test_mac_move_redirects_traffic);
	CU_add_test(s, "aged entry floods again", test_aged_entry_floods_again);
	CU_add_test(s, "bad frames are dropped and counted by reason",
		    test_bad_frames_are_dropped_and_counted_by_reason);
	CU_add_test(s, "jumbo frames pass when the MTU allows them",
		    test_jumbo_frames_pass_when_the_mtu_allows_them);
	CU_add_test(s, "jumbo 9000 flood is tagged without copying the payload",
		    test_jumbo_9000_flood_is_tagged_without_copying_the_payload);
	CU_add_test(s, "full table floods and counts", test_full_table_floods_and_counts);
	CU_add_test(s, "shrinking the table below its registered entries is refused",
		    test_shrinking_the_table_below_its_registered_entries_is_refused);
	CU_add_test(s, "counters match the frames seen", test_counters_match_the_frames_seen);
	CU_add_test(s, "port removed while running stops receiving",
		    test_port_removed_while_running_stops_receiving);
	(void)argv;
	return th_run_suites();
}
