/*
 * The switch under concurrent control changes, with no host: one worker
 * forwards frames from net_ring ports (FDB lookups and learning, RCU reads
 * of the view and the table) while the control thread, at the same time,
 * registers and removes MACs, looks them up, changes the aging time, resizes
 * the FDB, adds and removes a port and moves a port group between VLANs
 * (each a new view swapped in). Linked with the vswitch and common layers
 * only, like test_vswitch_alone; built as build/tests/stress/vswitch_stress,
 * and `make tsan-stress` builds and runs it under ThreadSanitizer, which
 * fails it on any data race.
 *
 * The checks: every control call succeeds, frames keep flowing, and every
 * frame the switch emits leaves the mbuf pool whole (nothing leaked).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <vmknet/fdb.h>
#include <vmknet/port.h>
#include <vmknet/vswitch.h>

#include "vswitch/dp.h"

#define NP        4           /* fixed ports; one more comes and goes */
#define N_ROUNDS  200
#define N_MACS    64

struct ringport {
	struct rte_ring *to_switch, *from_switch;
	uint16_t port_id;
	uint32_t vs_port;
};

static struct rte_mempool *pool, *clone_pool;
static struct vs_dp *dp;
static struct vmk_vswitch *vs;
static struct ringport rp[NP + 1];

static int ringport_create(unsigned int i, const char *name)
{
	char rn[RTE_RING_NAMESIZE];
	int port;

	snprintf(rn, sizeof(rn), "%s_in", name);
	rp[i].to_switch = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_out", name);
	rp[i].from_switch = rte_ring_create(rn, 1024, SOCKET_ID_ANY, 0);
	if (rp[i].to_switch == NULL || rp[i].from_switch == NULL)
		return -1;
	port = rte_eth_from_rings(name, &rp[i].to_switch, 1, &rp[i].from_switch, 1,
				  SOCKET_ID_ANY);
	if (port < 0)
		return -1;
	rp[i].port_id = (uint16_t)port;
	return 0;
}

static int port_add(unsigned int i, const char *name, const char *pg, uint32_t *id)
{
	struct vmk_port_params pp;

	vmk_port_params_init(&pp);
	pp.name = name;
	pp.ethdev_port = rp[i].port_id;
	pp.portgroup = pg;
	pp.uplink = pg == NULL;
	return vmk_port_add(vs, &pp, id);
}

static void mac_of(uint8_t mac[6], unsigned int n)
{
	mac[0] = 0x02;
	mac[1] = 0x55;
	mac[2] = 0;
	mac[3] = 0;
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

/* A burst of frames from port `from`, sources and destinations among the
 * first N_MACS addresses, so the worker learns, moves and looks up. */
static void inject(unsigned int from, unsigned int round)
{
	struct rte_mbuf *m[16];
	unsigned int n = 0;

	if (rte_pktmbuf_alloc_bulk(pool, m, RTE_DIM(m)) != 0)
		return;
	for (; n < RTE_DIM(m); n++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[n], 64);

		memset(p, 0, 64);
		mac_of(p, (round + n + 1) % N_MACS);
		mac_of(p + 6, (round * 7 + n + from) % N_MACS);
		p[12] = 0x08;
	}
	n = rte_ring_enqueue_burst(rp[from].to_switch, (void **)m, n, NULL);
	for (unsigned int i = n; i < RTE_DIM(m); i++)
		rte_pktmbuf_free(m[i]);
}

static unsigned int drain(unsigned int n_ports)
{
	unsigned int got = 0;

	for (unsigned int i = 0; i < n_ports; i++) {
		struct rte_mbuf *m[64];
		unsigned int k;

		while ((k = rte_ring_dequeue_burst(rp[i].from_switch, (void **)m, 64, NULL)) > 0) {
			got += k;
			rte_pktmbuf_free_bulk(m, k);
		}
	}
	return got;
}

static void test_forwarding_survives_concurrent_control_changes(void)
{
	struct dp_params dpp = { .name = "stress", .socket_id = SOCKET_ID_ANY, .max_workers = 1 };
	struct vmk_vswitch_params vp;
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0), forwarded = 0;
	const char *groups[NP] = { "A", "A", "B", NULL };
	const char *names[NP] = { "s0", "s1", "s2", "up0" };
	uint32_t extra_id = 0;
	bool extra = false;

	pool = rte_pktmbuf_pool_create("stress_pool", 8191, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	clone_pool = rte_pktmbuf_pool_create("stress_clone", 1023, 32, 0, 0, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(clone_pool);
	dpp.pool = pool;
	dpp.clone_pool = clone_pool;
	CU_ASSERT_EQUAL_FATAL(dp_create(&dpp, &dp), 0);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.fdb_capacity = 256;
	CU_ASSERT_EQUAL_FATAL(dp_vswitch_add(dp, &vp, &vs), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "A", 0), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "B", 20), 0);
	for (unsigned int i = 0; i < NP; i++) {
		CU_ASSERT_EQUAL_FATAL(ringport_create(i, names[i]), 0);
		CU_ASSERT_EQUAL_FATAL(port_add(i, names[i], groups[i], &rp[i].vs_port), 0);
	}
	CU_ASSERT_EQUAL_FATAL(ringport_create(NP, "sx"), 0);
	CU_ASSERT_EQUAL_FATAL(dp_start(dp, &lcore, 1), 0);

	for (unsigned int r = 0; r < N_ROUNDS; r++) {
		uint8_t mac[6];
		struct vmk_fdb_entry e;

		for (unsigned int i = 0; i < NP; i++)
			inject(i, r);
		mac_of(mac, 1000 + r % 16);
		CU_ASSERT_EQUAL(vmk_fdb_register(vs, 0, mac, rp[r % 2].vs_port), 0);
		CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 0, mac, &e), 0);
		CU_ASSERT_EQUAL(vmk_fdb_remove(vs, 0, mac), 0);
		mac_of(mac, r % N_MACS);
		(void)vmk_fdb_lookup(vs, 0, mac, &e);   /* learned or not: a race by design */
		if (r % 10 == 0) {
			CU_ASSERT_EQUAL(vmk_vswitch_set_fdb_aging(vs, 1 + r % 3), 0);
		}
		if (r % 25 == 0) {
			CU_ASSERT_EQUAL(vmk_vswitch_set_fdb_capacity(vs, r % 50 ? 512 : 256), 0);
		}
		if (r % 5 == 0) {
			CU_ASSERT_EQUAL(vmk_portgroup_set_vlan(vs, "B", r % 10 ? 30 : 20), 0);
		}
		if (r % 20 == 0) {
			int ret = extra ? vmk_port_remove(vs, extra_id) :
					  port_add(NP, "sx", "A", &extra_id);

			CU_ASSERT_EQUAL(ret, 0);
			extra = !extra;
		}
		forwarded += drain(NP + 1);
	}
	rte_delay_ms(50);
	forwarded += drain(NP + 1);
	CU_ASSERT(forwarded > 0);
	dp_destroy(dp);
	drain(NP + 1);
	/* Every mbuf is back: nothing the switch held was lost. */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), 8191);
	for (unsigned int i = 0; i <= NP; i++) {
		rte_eth_dev_close(rp[i].port_id);
		rte_ring_free(rp[i].to_switch);
		rte_ring_free(rp[i].from_switch);
	}
	rte_mempool_free(clone_pool);
	rte_mempool_free(pool);
}

int main(int argc, char **argv)
{
	char prefix[64];
	char *args[] = { argv[0], "-l0-1", "--no-pci", "--no-huge", "--no-shconf", "-m256",
			 prefix, "--log-level=*:warning", NULL };
	CU_pSuite s;
	unsigned int failed;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=vmkt_stress_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(args) - 1, args) < 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vswitch_stress", NULL, NULL);
	CU_add_test(s, "test_forwarding_survives_concurrent_control_changes",
		    test_forwarding_survives_concurrent_control_changes);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	rte_eal_cleanup();
	return failed == 0 ? 0 : 1;
}
