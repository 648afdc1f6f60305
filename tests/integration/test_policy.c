/*
 * Objective: the port-group policies an ESXi administrator expects hold on a
 * running switch, seen from the frames that come out of real net_ring ports:
 * forged transmits and MAC address changes rejected when the policy says
 * Reject (and counted), a promiscuous port sees foreign unicast of its VLAN
 * and nothing of other VLANs, a registered guest MAC is reached without
 * flooding, and traffic shaping holds a port to its average rate and burst.
 *
 *   "Guests" VLAN 10: g1 (MAC G1), g2 (MAC G2), g3 (MAC G3)
 *   "Other"  VLAN 20: o1 (MAC O1)
 *   uplink up0
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

enum { G1, G2, G3, O1, UP0, NP };
static const char *names[NP] = { "g1", "g2", "g3", "o1", "up0" };
static const char *groups[NP] = { "Guests", "Guests", "Guests", "Other", NULL };
static uint8_t macs[NP][6];

static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct th_ringport rp[NP];
static uint32_t pid[NP];
static struct rte_mempool *pool;

#define BCAST ((const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff })
#define WAIT_MS 200

/* Guest ports announce their MAC when their link comes up (4 RARPs out
 * of the uplink over 300 ms): let that finish before the tests count the
 * uplink's frames (reset() drains them). */
static void wait_announced(void)
{
	for (int t = 0; t < 300; t++) {
		int done = 1;

		for (int i = 0; i < NP; i++) {
			struct vmk_port_stats st;

			if (groups[i] != NULL &&
			    (vmk_port_get_stats(vs, pid[i], &st) != 0 || st.announces < 4))
				done = 0;
		}
		if (done)
			break;
		usleep(10000);
	}
	usleep(50000);   /* the last RARP through the uplink's ring */
}

static int setup(void)
{
	struct vmk_vswitch_params vp;
	struct vmk_host_params hp;
	unsigned int lcore = 1;

	vmk_host_params_init(&hp);
	hp.n_mbufs = 65535;
	if (vmk_host_create(&hp, &host) != 0)
		return -1;
	pool = vmk_host_mempool(host);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	if (vmk_vswitch_add(host, &vp, &vs) != 0 || vmk_portgroup_add(vs, "Guests", 10) ||
	    vmk_portgroup_add(vs, "Other", 20))
		return -1;
	for (int i = 0; i < NP; i++) {
		struct vmk_port_params pp;

		th_mac(macs[i], 0x50, (uint8_t)(i + 1));
		if (th_ringport_create(names[i], &rp[i]) != 0)
			return -1;
		vmk_port_params_init(&pp);
		pp.name = names[i];
		pp.ethdev_port = rp[i].port_id;
		pp.uplink = groups[i] == NULL;
		pp.portgroup = groups[i];
		pp.has_mac = groups[i] != NULL;
		memcpy(pp.mac, macs[i], 6);
		if (vmk_port_add(vs, &pp, &pid[i]) != 0)
			return -1;
	}
	if (vmk_host_start(host, &lcore, 1) != 0)
		return -1;
	wait_announced();
	return 0;
}

static int teardown(void)
{
	vmk_host_destroy(host);
	return 0;
}

static void reset(void)
{
	struct vmk_security_policy dflt = { false, true, true };

	vmk_vswitch_set_security(vs, &dflt);
	vmk_portgroup_set_security(vs, "Guests", NULL, 0);
	vmk_portgroup_set_security(vs, "Other", NULL, 0);
	vmk_portgroup_set_shaping(vs, "Guests", NULL);
	for (int i = 0; i < NP; i++)
		vmk_port_set_effective_mac(vs, pid[i], NULL);
	th_drain(rp, NP);
	vmk_fdb_flush(vs);
	for (int i = 0; i < NP; i++)
		vmk_port_reset_stats(vs, pid[i]);
}

static void send_frame(int port, const uint8_t dst[6], const uint8_t src[6], uint32_t len)
{
	struct rte_mbuf *m = th_frame(pool, dst, src, -1, 0x88b5, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	th_inject(&rp[port], m);
}

static void outputs(unsigned int count[NP])
{
	for (int i = 0; i < NP; i++) {
		struct rte_mbuf *m[256];
		unsigned int n = th_collect(&rp[i], m, 256, 0, WAIT_MS);

		count[i] = n;
		th_free(m, n);
	}
}

static void test_registered_guest_mac_is_reached_without_flooding(void)
{
	struct vmk_fdb_entry e;
	unsigned int c[NP];

	reset();
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 10, macs[G2], &e), 0);
	CU_ASSERT(e.registered);
	CU_ASSERT_EQUAL(e.port_id, pid[G2]);
	send_frame(G1, macs[G2], macs[G1], 64);  /* g2 never spoke */
	outputs(c);
	CU_ASSERT_EQUAL(c[G2], 1);
	CU_ASSERT_EQUAL(c[G3], 0);
	CU_ASSERT_EQUAL(c[UP0], 0);
	/* A registered MAC does not move when someone else sends with it. */
	send_frame(UP0, BCAST, macs[G2], 64);    /* untagged: VLAN 0 */
	{
		struct rte_mbuf *t = th_frame(pool, BCAST, macs[G2], 10, 0x88b5, 64);

		th_inject(&rp[UP0], t);          /* tagged 10: same key as g2's */
	}
	outputs(c);
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 10, macs[G2], &e), 0);
	CU_ASSERT_EQUAL(e.port_id, pid[G2]);
	CU_ASSERT(e.registered);
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 0, macs[G2], &e), 0);
	CU_ASSERT_EQUAL(e.port_id, pid[UP0]);
}

static void test_forged_transmit_is_dropped_when_rejected(void)
{
	struct vmk_security_policy rej = { false, true, false };
	struct vmk_security_policy eff;
	struct vmk_port_stats st;
	unsigned int c[NP], mask = 0;
	uint8_t forged[6];

	reset();
	th_mac(forged, 0x66, 1);
	send_frame(G1, BCAST, forged, 64);       /* default Accept: forwarded */
	outputs(c);
	CU_ASSERT_EQUAL(c[G2], 1);
	CU_ASSERT_EQUAL(vmk_portgroup_set_security(vs, "Guests", &rej, VMK_SEC_FORGED), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_get_security(vs, "Guests", &eff, &mask), 0);
	CU_ASSERT_EQUAL(mask, VMK_SEC_FORGED);
	CU_ASSERT(!eff.allow_forged_transmits && eff.allow_mac_changes);
	vmk_port_reset_stats(vs, pid[G1]);
	send_frame(G1, BCAST, forged, 64);       /* Reject: dropped */
	send_frame(G1, macs[G2], forged, 64);
	send_frame(G1, BCAST, macs[G1], 64);     /* its own MAC: forwarded */
	outputs(c);
	CU_ASSERT_EQUAL(c[G2], 1);
	CU_ASSERT_EQUAL(c[UP0], 1);
	vmk_port_get_stats(vs, pid[G1], &st);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_SECURITY], 2);
	/* The other port group still inherits the vSwitch's Accept. */
	send_frame(O1, BCAST, forged, 64);
	outputs(c);
	CU_ASSERT_EQUAL(c[UP0], 1);
}

static void test_mac_change_rejected_cuts_the_guest_off_until_restored(void)
{
	struct vmk_security_policy rej = { false, false, true };
	struct vmk_port_stats st;
	unsigned int c[NP];
	uint8_t newmac[6];

	reset();
	th_mac(newmac, 0x77, 2);
	CU_ASSERT_EQUAL(vmk_port_set_effective_mac(vs, pid[G2], newmac), 0);
	send_frame(G1, macs[G2], macs[G1], 64);  /* Accept (default): delivered */
	outputs(c);
	CU_ASSERT_EQUAL(c[G2], 1);
	CU_ASSERT_EQUAL(vmk_vswitch_set_security(vs, &rej), 0);
	vmk_port_reset_stats(vs, pid[G2]);
	send_frame(G1, macs[G2], macs[G1], 64);
	send_frame(G1, BCAST, macs[G1], 64);
	outputs(c);
	CU_ASSERT_EQUAL(c[G2], 0);
	CU_ASSERT_EQUAL(c[G3], 1);               /* the broadcast reaches the others */
	vmk_port_get_stats(vs, pid[G2], &st);
	CU_ASSERT_EQUAL(st.tx_drops[VMK_DROP_SECURITY], 2);
	CU_ASSERT_EQUAL(vmk_port_set_effective_mac(vs, pid[G2], NULL), 0);
	send_frame(G1, macs[G2], macs[G1], 64);
	outputs(c);
	CU_ASSERT_EQUAL(c[G2], 1);
	CU_ASSERT_EQUAL(vmk_port_set_effective_mac(vs, pid[G2], BCAST), -EINVAL);
}

static void test_promiscuous_port_sees_foreign_unicast_of_its_vlan_only(void)
{
	struct vmk_security_policy prom = { true, true, true };
	unsigned int c[NP];
	uint8_t ext[6];

	reset();
	th_mac(ext, 0x88, 1);
	send_frame(G1, macs[G2], macs[G1], 64);
	outputs(c);
	CU_ASSERT_EQUAL(c[G3], 0);               /* not promiscuous yet */
	CU_ASSERT_EQUAL(vmk_portgroup_set_security(vs, "Guests", &prom, VMK_SEC_PROMISCUOUS),
			0);
	send_frame(G1, macs[G2], macs[G1], 64);  /* g1 -> g2: g3 sees it too */
	send_frame(O1, ext, macs[O1], 64);       /* VLAN 20: floods to up0 only */
	outputs(c);
	CU_ASSERT_EQUAL(c[G2], 1);
	CU_ASSERT_EQUAL(c[G3], 1);
	CU_ASSERT_EQUAL(c[G1], 0);               /* the sender gets nothing back */
	CU_ASSERT_EQUAL(c[UP0], 1);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Take what g2 received; notes when the last frame came. */
static void collect_g2(uint64_t *delivered, const struct timespec *t0, double *last_ms)
{
	struct rte_mbuf *m[256];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(rp[G2].from_switch, (void **)m, 256, NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++)
			*delivered += m[i]->pkt_len;
		th_free(m, n);
		*last_ms = ms_since(t0);
	}
}

/* Inject 1000-byte frames on g1 toward g2 for `ms`, as fast as the ring
 * takes them, collecting g2's output. Returns bytes delivered to g2, and in
 * *span_ms the time from the start to the last delivery: the shaper admitted
 * every frame before it was delivered, so a loaded machine that drains the
 * queue late widens the window it is judged on, never the tokens. */
static uint64_t blast(unsigned int ms, double *span_ms)
{
	struct timespec t0;
	uint64_t delivered = 0;
	double last = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < ms) {
		for (int k = 0; k < 8; k++) {
			struct rte_mbuf *f = th_frame(pool, macs[G2], macs[G1], -1, 0x88b5, 1000);

			if (f == NULL || rte_ring_enqueue(rp[G1].to_switch, f) != 0) {
				rte_pktmbuf_free(f);
				break;
			}
		}
		collect_g2(&delivered, &t0, &last);
	}
	th_sleep_ms(50);
	collect_g2(&delivered, &t0, &last);
	*span_ms = last;
	return delivered;
}

static void test_shaping_holds_the_average_rate_and_the_burst(void)
{
	/* 8 Mbit/s average = 1,000,000 B/s; 64 KB burst; peak 16 Mbit/s. */
	struct vmk_shaping_policy shp = { true, 8000, 16000, 64 };
	struct vmk_shaping_policy bad = { true, 8000, 4000, 64 };
	struct vmk_port_stats st;
	const double avg = 1e6, burst = 64 * 1024;
	uint64_t first, total;
	double rate, span_ms;

	reset();
	CU_ASSERT_EQUAL(vmk_portgroup_set_shaping(vs, "Guests", &bad), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_set_shaping(vs, "Guests", &shp), 0);
	th_sleep_ms(100);                        /* buckets full */
	first = blast(100, &span_ms);
	/* 100 ms from idle: at most the burst plus the average over the time
	 * the frames took to come out (one 1000-byte frame of rounding). */
	CU_ASSERT(first <= burst + avg * span_ms / 1e3 + 1000);
	CU_ASSERT(first >= burst * 0.9);
	total = blast(10000, &span_ms);
	rate = (double)total / 10.0;
	printf("\n    shaping: first 100 ms %" PRIu64 " B (burst %u B), then %.0f B/s for 10 s "
	       "(average %u B/s; last frame at %.0f ms) ", first, (unsigned int)burst, rate,
	       (unsigned int)avg, span_ms);
	CU_ASSERT(rate >= avg * 0.95 && rate <= avg * 1.05);
	vmk_port_get_stats(vs, pid[G1], &st);
	CU_ASSERT(st.rx_drops[VMK_DROP_SHAPED] > 0);
	vmk_portgroup_set_shaping(vs, "Guests", NULL);
}

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("policy", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("policy", setup, teardown);
	CU_add_test(s, "registered guest MAC is reached without flooding",
		    test_registered_guest_mac_is_reached_without_flooding);
	CU_add_test(s, "forged transmit is dropped when rejected",
		    test_forged_transmit_is_dropped_when_rejected);
	CU_add_test(s, "MAC change rejected cuts the guest off until restored",
		    test_mac_change_rejected_cuts_the_guest_off_until_restored);
	CU_add_test(s, "promiscuous port sees foreign unicast of its VLAN only",
		    test_promiscuous_port_sees_foreign_unicast_of_its_vlan_only);
	CU_add_test(s, "shaping holds the average rate and the burst",
		    test_shaping_holds_the_average_rate_and_the_burst);
	return th_run_suites();
}
