/*
 * The switch on its own: a datapath (vswitch/dp.h) made from a packet pool
 * the test owns, one vSwitch, net_ring ports and one worker; no host, no
 * netstack, no adapter. This binary is linked with the vswitch and common
 * layers only (see the Makefile), so it also proves the switch builds and
 * runs without the layers above it.
 *
 * Topology of vSwitch0:
 *   g0, g1 : "VM Network" VLAN 0     v0 : "Storage" VLAN 20
 *   up0    : uplink
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <vmknet/fdb.h>
#include <vmknet/port.h>
#include <vmknet/vswitch.h>

#include "vswitch/dp.h"

#include "support/cunit_run.h"   /* CUnit only: the harness needs the host */
#include "support/ringport.h"   /* ring ports and frames: DPDK only */

enum { G0, G1, V0, UP0, NP };
static const char *names[NP] = { "g0", "g1", "v0", "up0" };
static const char *groups[NP] = { "VM Network", "VM Network", "Storage", NULL };

struct ringport {
	struct th_ringport r;
	uint32_t vs_port;
};

static struct rte_mempool *pool, *clone_pool;
static struct vs_dp *dp;
static struct vmk_vswitch *vs;
static struct ringport rp[NP];
static unsigned int run;           /* setups so far: fresh ring and port names */

static void mac_of(uint8_t mac[6], unsigned int i)
{
	th_mac(mac, 0x77, (uint8_t)(i + 1));
}

static void inject(unsigned int from, const uint8_t dst[6])
{
	uint8_t src[6];
	struct rte_mbuf *m;

	mac_of(src, from);
	m = th_frame(pool, dst, src, -1, 0x0800, 64);   /* the switch looks no further */
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	th_inject(&rp[from].r, m);
}

/* Frames each port received within ~100 ms (all freed). */
static void collect(unsigned int got[NP])
{
	for (unsigned int i = 0; i < NP; i++)
		got[i] = 0;
	for (unsigned int t = 0; t < 100; t++) {
		for (unsigned int i = 0; i < NP; i++) {
			void *m;

			while (rte_ring_dequeue(rp[i].r.from_switch, &m) == 0) {
				rte_pktmbuf_free(m);
				got[i]++;
			}
		}
		th_sleep_ms(1);
	}
}

static void setup(void)
{
	struct dp_params dpp = { .name = "alone", .socket_id = SOCKET_ID_ANY, .max_workers = 1 };
	struct vmk_vswitch_params vp;
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	char pn[RTE_MEMPOOL_NAMESIZE];

	run++;
	snprintf(pn, sizeof(pn), "alone_pool_%u", run);
	pool = rte_pktmbuf_pool_create(pn, 4095, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	snprintf(pn, sizeof(pn), "alone_clone_%u", run);
	clone_pool = rte_pktmbuf_pool_create(pn, 4095, 32, 0, 0, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(clone_pool);
	dpp.pool = pool;
	dpp.clone_pool = clone_pool;
	CU_ASSERT_EQUAL_FATAL(dp_create(&dpp, &dp), 0);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	CU_ASSERT_EQUAL_FATAL(dp_vswitch_add(dp, &vp, &vs), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "VM Network", 0), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "Storage", 20), 0);
	for (unsigned int i = 0; i < NP; i++) {
		struct vmk_port_params pp;
		char rn[32];

		snprintf(rn, sizeof(rn), "a%u_%s", run, names[i]);
		CU_ASSERT_EQUAL_FATAL(th_ringport_create(rn, &rp[i].r), 0);
		vmk_port_params_init(&pp);
		pp.name = names[i];
		pp.ethdev_port = rp[i].r.port_id;
		pp.portgroup = groups[i];
		pp.uplink = groups[i] == NULL;
		CU_ASSERT_EQUAL_FATAL(vmk_port_add(vs, &pp, &rp[i].vs_port), 0);
	}
	CU_ASSERT_EQUAL_FATAL(dp_start(dp, &lcore, 1), 0);
}

static void teardown(void)
{
	dp_destroy(dp);                 /* stops the worker, removes ports and switch */
	dp = NULL;
	for (unsigned int i = 0; i < NP; i++) {
		rte_eth_dev_close(rp[i].r.port_id);
		rte_ring_free(rp[i].r.to_switch);
		rte_ring_free(rp[i].r.from_switch);
	}
	rte_mempool_free(clone_pool);
	rte_mempool_free(pool);
}

static void test_switch_floods_a_broadcast_to_its_vlan_and_the_uplink(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	unsigned int got[NP];

	setup();
	inject(G0, bcast);
	collect(got);
	CU_ASSERT_EQUAL(got[G0], 0);
	CU_ASSERT_EQUAL(got[G1], 1);
	CU_ASSERT_EQUAL(got[V0], 0);        /* another VLAN */
	CU_ASSERT_EQUAL(got[UP0], 1);
	teardown();
}

static void test_switch_learns_a_source_and_sends_the_reply_to_it_alone(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct vmk_fdb_entry e;
	uint8_t g0_mac[6];
	unsigned int got[NP];

	setup();
	mac_of(g0_mac, G0);
	inject(G0, bcast);
	collect(got);
	CU_ASSERT_EQUAL_FATAL(vmk_fdb_lookup(vs, 0, g0_mac, &e), 0);
	CU_ASSERT_EQUAL(e.port_id, rp[G0].vs_port);
	inject(G1, g0_mac);
	collect(got);
	CU_ASSERT_EQUAL(got[G0], 1);
	CU_ASSERT_EQUAL(got[G1], 0);
	CU_ASSERT_EQUAL(got[UP0], 0);
	teardown();
}

static void test_removed_port_gets_nothing_and_its_entries_flood(void)
{
	uint8_t g0_mac[6];
	unsigned int got[NP];

	setup();
	mac_of(g0_mac, G0);
	inject(G0, g0_mac);                 /* learn g0 (a frame to itself: dropped) */
	collect(got);
	CU_ASSERT_EQUAL_FATAL(vmk_port_remove(vs, rp[G0].vs_port), 0);
	inject(G1, g0_mac);
	collect(got);
	CU_ASSERT_EQUAL(got[G0], 0);
	CU_ASSERT_EQUAL(got[UP0], 1);       /* unknown again: flooded */
	teardown();
}

static void test_an_ethdev_that_is_a_port_is_refused_as_a_second_one_and_keeps_forwarding(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct vmk_port_params pp;
	uint32_t id = 0;
	unsigned int got[NP];

	setup();
	vmk_port_params_init(&pp);
	pp.name = "up0-again";
	pp.ethdev_port = rp[UP0].r.port_id;
	pp.uplink = true;
	CU_ASSERT_EQUAL(vmk_port_add(vs, &pp, &id), -EBUSY);
	/* DPDK's ownership says who has it: the first port. */
	{
		struct rte_eth_dev_owner o;

		CU_ASSERT_EQUAL(rte_eth_dev_owner_get(rp[UP0].r.port_id, &o), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(o.name, "up0"));
	}
	inject(G0, bcast);
	collect(got);
	CU_ASSERT_EQUAL(got[UP0], 1);
	/* Once the port is gone, the ethdev can be a port again. */
	CU_ASSERT_EQUAL_FATAL(vmk_port_remove(vs, rp[UP0].vs_port), 0);
	CU_ASSERT_EQUAL(vmk_port_add(vs, &pp, &id), 0);
	teardown();
}

/* Beacon probing's frames (EtherType 0x8922, vswitch/beacon.h) end at an
 * uplink's input: a malformed one is a counted drop, never delivered; from
 * a guest port the same frame is just a frame. */
static void test_a_beacon_from_the_uplink_is_consumed_and_a_malformed_one_counted(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct vmk_port_stats st;
	unsigned int got[NP];
	uint8_t src[6];

	setup();
	mac_of(src, UP0);
	th_inject(&rp[UP0].r, th_frame(pool, bcast, src, -1, 0x8922, 64));
	th_inject(&rp[UP0].r, th_frame(pool, bcast, src, 20, 0x8922, 64));
	collect(got);
	CU_ASSERT_EQUAL(got[G0] + got[G1] + got[V0] + got[UP0], 0);
	CU_ASSERT_EQUAL_FATAL(vmk_port_get_stats(vs, rp[UP0].vs_port, &st), 0);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_BEACON], 2);
	CU_ASSERT_EQUAL(st.rx_packets, 2);
	/* Another EtherType from the uplink is delivered as before. */
	th_inject(&rp[UP0].r, th_frame(pool, bcast, src, -1, 0x8921, 64));
	collect(got);
	CU_ASSERT_EQUAL(got[G0], 1);
	CU_ASSERT_EQUAL(got[G1], 1);
	/* From a guest port, 0x8922 is a frame like any other. */
	mac_of(src, G0);
	th_inject(&rp[G0].r, th_frame(pool, bcast, src, -1, 0x8922, 64));
	collect(got);
	CU_ASSERT_EQUAL(got[G1], 1);
	CU_ASSERT_EQUAL(got[UP0], 1);
	CU_ASSERT_EQUAL_FATAL(vmk_port_get_stats(vs, rp[G0].vs_port, &st), 0);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_BEACON], 0);
	teardown();
}

int main(int argc, char **argv)
{
	CU_pSuite s;
	int rc;

	(void)argc;
	if (th_eal_init_alone(argv[0], "alone") < 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vswitch_alone", NULL, NULL);
	CU_add_test(s, "test_switch_floods_a_broadcast_to_its_vlan_and_the_uplink",
		    test_switch_floods_a_broadcast_to_its_vlan_and_the_uplink);
	CU_add_test(s, "test_switch_learns_a_source_and_sends_the_reply_to_it_alone",
		    test_switch_learns_a_source_and_sends_the_reply_to_it_alone);
	CU_add_test(s, "test_removed_port_gets_nothing_and_its_entries_flood",
		    test_removed_port_gets_nothing_and_its_entries_flood);
	CU_add_test(s, "test_an_ethdev_that_is_a_port_is_refused_as_a_second_one_and_keeps_forwarding",
		    test_an_ethdev_that_is_a_port_is_refused_as_a_second_one_and_keeps_forwarding);
	CU_add_test(s, "test_a_beacon_from_the_uplink_is_consumed_and_a_malformed_one_counted",
		    test_a_beacon_from_the_uplink_is_consumed_and_a_malformed_one_counted);
	rc = th_cunit_run();
	rte_eal_cleanup();
	return rc;
}
