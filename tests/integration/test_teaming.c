/*
 * Objective: NIC teaming and failover behave as on an ESXi standard vSwitch,
 * seen from the frames that leave real net_ring uplinks whose link the test
 * takes down and up (rte_eth_dev_set_link_down/up, what a cable pull looks
 * like to a PMD): each port uses one uplink of its team; the active uplink
 * failing moves traffic to the standby within 100 ms, with a RARP per guest
 * MAC on the new uplink (notify switches); failback returns it, or not when
 * failback is off; an unused uplink never carries traffic.
 *
 *   port group "VM Network" (VLAN 0): g1, g2 (ring ports with guest MACs)
 *   uplinks up0, up1
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>
#include <rte_byteorder.h>
#include <rte_ethdev.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

enum { G1, G2, UP0, UP1, NP };
static const char *names[NP] = { "g1", "g2", "up0", "up1" };
static uint8_t macs[NP][6];
static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct th_ringport rp[NP];
static uint32_t pid[NP];
static struct rte_mempool *pool;
static const uint8_t EXT[6] = { 0x02, 0xee, 0, 0, 0, 1 };   /* a host outside */

static int setup(void)
{
	struct vmk_vswitch_params vp;
	unsigned int lcore = 1;

	if (vmk_host_create(NULL, &host) != 0)
		return -1;
	pool = vmk_host_mempool(host);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	if (vmk_vswitch_add(host, &vp, &vs) != 0 || vmk_portgroup_add(vs, "VM Network", 0))
		return -1;
	for (int i = 0; i < NP; i++) {
		struct vmk_port_params pp;

		th_mac(macs[i], 0x70, (uint8_t)(i + 1));
		if (th_ringport_create(names[i], &rp[i]) != 0)
			return -1;
		vmk_port_params_init(&pp);
		pp.name = names[i];
		pp.ethdev_port = rp[i].port_id;
		pp.uplink = i >= UP0;
		pp.portgroup = i >= UP0 ? NULL : "VM Network";
		pp.has_mac = i < UP0;
		memcpy(pp.mac, macs[i], 6);
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

static void set_policy(const char *active, const char *standby, enum vmk_load_balancing lb,
		       bool failback)
{
	struct vmk_teaming_policy t;

	memset(&t, 0, sizeof(t));
	t.load_balancing = lb;
	t.notify_switches = true;
	t.failback = failback;
	if (active != NULL)
		snprintf(t.active[t.n_active++], sizeof(t.active[0]), "%s", active);
	if (standby != NULL)
		snprintf(t.standby[t.n_standby++], sizeof(t.standby[0]), "%s", standby);
	CU_ASSERT_EQUAL(vmk_vswitch_set_teaming(vs, &t), 0);
}

static void link_set(int port, bool up)
{
	if (up)
		rte_eth_dev_set_link_up(rp[port].port_id);
	else
		rte_eth_dev_set_link_down(rp[port].port_id);
}

struct seen {
	unsigned int frames;   /* from g1 to EXT */
	unsigned int rarps;    /* RARP announcements */
	unsigned int rarp_macs[2];
	unsigned int garps;    /* gratuitous ARPs for 198.51.100.7 */
};

static void collect(int port, struct seen *s, unsigned int ms)
{
	struct rte_mbuf *m[256];
	unsigned int n = th_collect(&rp[port], m, 256, 0, ms);

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(m[i], const uint8_t *);

		if (p[12] == 0x80 && p[13] == 0x35) {
			s->rarps++;
			for (int g = 0; g < 2; g++)
				s->rarp_macs[g] += memcmp(p + 22, macs[g], 6) == 0;
		} else if (p[12] == 0x08 && p[13] == 0x06 && m[i]->pkt_len >= 42 &&
			   memcmp(p + 28, "\xc6\x33\x64\x07", 4) == 0 &&
			   memcmp(p + 38, "\xc6\x33\x64\x07", 4) == 0) {
			s->garps++;
		} else if (memcmp(p, EXT, 6) == 0) {
			s->frames++;
		}
	}
	th_free(m, n);
}

static void send_g(int g, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		th_inject(&rp[g], th_frame(pool, EXT, macs[g], -1, 0x0800, 64));
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void test_each_port_leaves_by_one_uplink_and_ports_spread(void)
{
	struct seen a, b;

	th_drain(rp, NP);
	set_policy(NULL, NULL, VMK_LB_PORT_ID, true);   /* every uplink active */
	send_g(G1, 10);
	collect(UP0, &a, 100);
	collect(UP1, &b, 100);
	CU_ASSERT_EQUAL(a.frames + b.frames, 10);
	CU_ASSERT(a.frames == 0 || b.frames == 0);     /* one uplink per port */
	send_g(G2, 10);
	{
		struct seen a2, b2;

		collect(UP0, &a2, 100);
		collect(UP1, &b2, 100);
		/* g1 and g2 sit in consecutive slots: port ID spreads them. */
		CU_ASSERT_EQUAL(a2.frames + b2.frames, 10);
		CU_ASSERT((a.frames > 0) != (a2.frames > 0));
	}
}

static void test_active_failure_moves_traffic_to_standby_within_100ms_and_notifies(void)
{
	struct seen s0, s1;
	double t0, t_first = -1;

	th_drain(rp, NP);
	set_policy("up0", "up1", VMK_LB_EXPLICIT, true);
	send_g(G1, 5);
	collect(UP0, &s0, 100);
	collect(UP1, &s1, 100);
	CU_ASSERT_EQUAL(s0.frames, 5);
	CU_ASSERT_EQUAL(s1.frames, 0);

	link_set(UP0, false);
	t0 = now_ms();
	/* A frame every millisecond until one shows up on the standby. */
	while (now_ms() - t0 < 1000 && t_first < 0) {
		struct rte_mbuf *m[64];
		unsigned int n;

		send_g(G1, 1);
		th_sleep_ms(1);
		n = rte_ring_dequeue_burst(rp[UP1].from_switch, (void **)m, 64, NULL);
		for (unsigned int i = 0; i < n; i++) {
			const uint8_t *p = rte_pktmbuf_mtod(m[i], const uint8_t *);

			if (memcmp(p, EXT, 6) == 0 && t_first < 0)
				t_first = now_ms();
		}
		th_free(m, n);
	}
	printf("\n    failover: first frame on the standby %.1f ms after link down ",
	       t_first - t0);
	CU_ASSERT(t_first >= 0 && t_first - t0 < 100.0);
	th_drain(rp, NP);
	/* The RARPs went out on the standby before the traffic: resend and
	 * check a clean window, then look at the notifications on failback. */
	link_set(UP0, true);
	th_sleep_ms(100);
	send_g(G1, 5);
	collect(UP0, &s0, 100);
	CU_ASSERT_EQUAL(s0.frames, 5);                   /* failback on */
	CU_ASSERT_EQUAL(s0.rarp_macs[G1], 1);            /* notify switches */
	CU_ASSERT_EQUAL(s0.rarp_macs[G2], 1);
}

static void test_failover_announces_every_guest_mac_on_the_new_uplink(void)
{
	struct seen s1;

	th_drain(rp, NP);
	set_policy("up0", "up1", VMK_LB_EXPLICIT, true);
	th_sleep_ms(50);
	th_drain(rp, NP);
	link_set(UP0, false);
	th_sleep_ms(100);
	collect(UP1, &s1, 100);
	CU_ASSERT_EQUAL(s1.rarp_macs[G1], 1);
	CU_ASSERT_EQUAL(s1.rarp_macs[G2], 1);
	link_set(UP0, true);
	th_sleep_ms(100);
	th_drain(rp, NP);
}

static void test_failover_has_vmknics_announce_their_address_by_gratuitous_arp(void)
{
	struct vmk_vmknic_params np;
	char name[VMK_NAME_MAX];
	struct seen s1;

	th_drain(rp, NP);
	set_policy("up0", "up1", VMK_LB_EXPLICIT, true);
	vmk_vmknic_params_init(&np);
	np.vswitch = vs;
	np.portgroup = "VM Network";
	np.ipv4 = RTE_BE32(0xc6336407);          /* 198.51.100.7 */
	np.netmask = RTE_BE32(0xffffff00);
	CU_ASSERT_EQUAL_FATAL(vmk_vmknic_add(host, &np, name), 0);
	th_sleep_ms(100);
	th_drain(rp, NP);
	link_set(UP0, false);
	th_sleep_ms(150);
	collect(UP1, &s1, 100);
	printf("\n    %s announced itself %u time(s) on the standby ", name, s1.garps);
	CU_ASSERT(s1.garps >= 1);
	link_set(UP0, true);
	th_sleep_ms(100);
	CU_ASSERT_EQUAL(vmk_vmknic_remove(host, name), 0);
	th_drain(rp, NP);
}

/* Five frames from g1 to EXT leave by up0 (on0) and up1 (on1). */
static void expect_g1_frames(unsigned int on0, unsigned int on1)
{
	struct seen s0, s1;

	th_drain(rp, NP);
	send_g(G1, 5);
	collect(UP0, &s0, 100);
	collect(UP1, &s1, 100);
	CU_ASSERT_EQUAL(s0.frames, on0);
	CU_ASSERT_EQUAL(s1.frames, on1);
}

static void test_failback_off_keeps_traffic_on_the_standby(void)
{
	struct seen s0;

	th_drain(rp, NP);
	set_policy("up0", "up1", VMK_LB_EXPLICIT, false);
	link_set(UP0, false);
	th_sleep_ms(100);
	link_set(UP0, true);
	th_sleep_ms(100);
	expect_g1_frames(0, 5);
	/* Until the standby fails: then the recovered active is used again. */
	link_set(UP1, false);
	th_sleep_ms(100);
	send_g(G1, 5);
	collect(UP0, &s0, 100);
	CU_ASSERT_EQUAL(s0.frames, 5);
	link_set(UP1, true);
	th_sleep_ms(100);
}

/* nic down: the switch's flag holds the uplink down even while the
 * device reports its link up (a driver that cannot take its link down). */
static void test_admin_down_uplink_fails_over_as_if_its_cable_were_pulled(void)
{
	struct vmk_port_info info;

	th_drain(rp, NP);
	set_policy("up0", "up1", VMK_LB_EXPLICIT, true);
	CU_ASSERT_EQUAL(vmk_port_set_admin_up(vs, pid[UP0], false), 0);
	link_set(UP0, true);
	th_sleep_ms(100);
	expect_g1_frames(0, 5);
	CU_ASSERT_EQUAL(vmk_port_get_info(vs, pid[UP0], &info), 0);
	CU_ASSERT(!info.link_up && !info.admin_up);
	CU_ASSERT_EQUAL(vmk_port_set_admin_up(vs, pid[G1], false), -EINVAL);
	CU_ASSERT_EQUAL(vmk_port_set_admin_up(vs, 4000, false), -ENOENT);
	/* Up again: failback to the active. */
	CU_ASSERT_EQUAL(vmk_port_set_admin_up(vs, pid[UP0], true), 0);
	th_sleep_ms(100);
	expect_g1_frames(5, 0);
	CU_ASSERT_EQUAL(vmk_port_get_info(vs, pid[UP0], &info), 0);
	CU_ASSERT(info.link_up && info.admin_up);
}

static void test_unused_uplink_never_carries_traffic(void)
{
	struct seen s1;
	struct vmk_port_stats st;
	struct vmk_teaming_policy bad;

	th_drain(rp, NP);
	set_policy("up0", NULL, VMK_LB_PORT_ID, true);  /* up1: unused */
	/* EXT answers from the physical network: known behind an uplink. */
	th_inject(&rp[UP0], th_frame(pool, macs[G1], EXT, -1, 0x0800, 64));
	th_sleep_ms(20);
	link_set(UP0, false);
	th_sleep_ms(100);
	th_drain(rp, NP);
	vmk_port_reset_stats(vs, pid[G1]);
	send_g(G1, 5);
	th_inject(&rp[G1], th_frame(pool, (const uint8_t *)"\xff\xff\xff\xff\xff\xff",
				    macs[G1], -1, 0x0806, 64));
	collect(UP1, &s1, 150);
	CU_ASSERT_EQUAL(s1.frames + s1.rarps, 0);
	vmk_port_get_stats(vs, pid[G1], &st);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_NO_UPLINK], 5);
	link_set(UP0, true);
	th_sleep_ms(100);
	/* Policies naming unknown or repeated uplinks are refused. */
	memset(&bad, 0, sizeof(bad));
	bad.n_active = 1;
	snprintf(bad.active[0], sizeof(bad.active[0]), "vmnic9");
	CU_ASSERT_EQUAL(vmk_vswitch_set_teaming(vs, &bad), -ENOENT);
	bad.n_active = 2;
	snprintf(bad.active[0], sizeof(bad.active[0]), "up0");
	snprintf(bad.active[1], sizeof(bad.active[1]), "up0");
	CU_ASSERT_EQUAL(vmk_vswitch_set_teaming(vs, &bad), -EINVAL);
	set_policy(NULL, NULL, VMK_LB_PORT_ID, true);
}

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("teaming", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("teaming", setup, teardown);
	CU_add_test(s, "each port leaves by one uplink and ports spread",
		    test_each_port_leaves_by_one_uplink_and_ports_spread);
	CU_add_test(s, "active failure moves traffic to standby within 100 ms and notifies",
		    test_active_failure_moves_traffic_to_standby_within_100ms_and_notifies);
	CU_add_test(s, "failover announces every guest MAC on the new uplink",
		    test_failover_announces_every_guest_mac_on_the_new_uplink);
	CU_add_test(s, "failover has vmknics announce their address by gratuitous ARP",
		    test_failover_has_vmknics_announce_their_address_by_gratuitous_arp);
	CU_add_test(s, "failback off keeps traffic on the standby",
		    test_failback_off_keeps_traffic_on_the_standby);
	CU_add_test(s, "admin down uplink fails over as if its cable were pulled",
		    test_admin_down_uplink_fails_over_as_if_its_cable_were_pulled);
	CU_add_test(s, "unused uplink never carries traffic",
		    test_unused_uplink_never_carries_traffic);
	return th_run_suites();
}
