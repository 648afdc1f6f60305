/*
 * Objective: uplink failover against Linux as the physical network. Two
 * net_af_packet uplinks sit on veth pairs whose far ends are bridged inside
 * a network namespace this test creates. With vmnic0 active and vmnic1
 * standby, taking vmnic0's far end down (`ip link set ... down`, a cable
 * pull) moves the guests' traffic to vmnic1 within 100 ms, and tcpdump on
 * Linux's side of vmnic1 records a RARP for every guest MAC (notify
 * switches) and the traffic; bringing it back up fails traffic back.
 * The namespace and tcpdump are removed however the test ends.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <pcap/pcap.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

static char ns[32], a0[16], a1[16], b0[16], b1[16], pcapf[96];
static pid_t tcpdump_pid;
static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct rte_mempool *pool;
static struct th_ringport g[2];
static uint32_t gid[2], up_id[2];
static const uint8_t GMAC[2][6] = { { 0x02, 0x50, 0x56, 0, 0xf0, 1 },
				    { 0x02, 0x50, 0x56, 0, 0xf0, 2 } };
static const uint8_t EXT[6] = { 0x02, 0xee, 0, 0, 0, 1 };

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void cleanup(void)
{
	if (tcpdump_pid > 0) {
		kill(tcpdump_pid, SIGINT);
		waitpid(tcpdump_pid, NULL, 0);
		tcpdump_pid = 0;
	}
	if (ns[0] != '\0')
		th_sh("ip netns del %s 2>/dev/null; ip link del %s 2>/dev/null; ip link del %s 2>/dev/null",
		   ns, a0, a1);
}

static int net_setup(void)
{
	int id = (int)getpid() % 100000;

	snprintf(ns, sizeof(ns), "vmkt-fo-%d", id);
	snprintf(a0, sizeof(a0), "fo%da", id);
	snprintf(a1, sizeof(a1), "fo%dc", id);
	snprintf(b0, sizeof(b0), "fo%db", id);
	snprintf(b1, sizeof(b1), "fo%dd", id);
	snprintf(pcapf, sizeof(pcapf), "/tmp/vmkt-fo-%d.pcap", id);
	atexit(cleanup);
	return th_sh("ip netns add %s && "
		  "ip link add %s type veth peer name %s netns %s && "
		  "ip link add %s type veth peer name %s netns %s && "
		  "ip link set %s up && ip link set %s up && "
		  "ip -n %s link add br0 type bridge && "
		  "ip -n %s link set %s master br0 && ip -n %s link set %s master br0 && "
		  "ip -n %s link set %s up && ip -n %s link set %s up && ip -n %s link set br0 up",
		  ns, a0, b0, ns, a1, b1, ns, a0, a1, ns, ns, b0, ns, b1, ns, b0, ns, b1, ns);
}

static int setup(void)
{
	struct vmk_vswitch_params vp;
	struct vmk_teaming_policy t;
	unsigned int lcore = 1;
	char devargs[64];

	if (net_setup() != 0)
		return -1;
	if (vmk_host_create(NULL, &host) != 0)
		return -1;
	pool = vmk_host_mempool(host);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	if (vmk_vswitch_add(host, &vp, &vs) != 0 || vmk_portgroup_add(vs, "VM Network", 0) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		struct vmk_port_params pp;
		char name[32];

		snprintf(name, sizeof(name), "vmnic%d", i);
		snprintf(devargs, sizeof(devargs), "net_af_packet_fo%d,iface=%s", i, i ? a1 : a0);
		vmk_port_params_init(&pp);
		pp.name = name;
		pp.uplink = true;
		pp.devargs = devargs;
		if (vmk_port_add(vs, &pp, &up_id[i]) != 0)
			return -1;
		snprintf(name, sizeof(name), "g%d", i + 1);
		if (th_ringport_create(name, &g[i]) != 0)
			return -1;
		vmk_port_params_init(&pp);
		pp.name = name;
		pp.portgroup = "VM Network";
		pp.ethdev_port = g[i].port_id;
		pp.has_mac = true;
		memcpy(pp.mac, GMAC[i], 6);
		if (vmk_port_add(vs, &pp, &gid[i]) != 0)
			return -1;
	}
	memset(&t, 0, sizeof(t));
	t.load_balancing = VMK_LB_PORT_ID;
	t.notify_switches = true;
	t.failback = true;
	t.n_active = 1;
	t.n_standby = 1;
	snprintf(t.active[0], sizeof(t.active[0]), "vmnic0");
	snprintf(t.standby[0], sizeof(t.standby[0]), "vmnic1");
	if (vmk_vswitch_set_teaming(vs, &t) != 0)
		return -1;
	return vmk_host_start(host, &lcore, 1);
}

static int teardown(void)
{
	vmk_host_destroy(host);
	cleanup();
	unlink(pcapf);
	return 0;
}

static uint64_t tx_of(uint32_t port)
{
	struct vmk_port_stats st;

	vmk_port_get_stats(vs, port, &st);
	return st.tx_packets;
}

static void guest_send(int i)
{
	th_inject(&g[i], th_frame(pool, EXT, GMAC[i], -1, 0x0800, 64));
}

/* Send from g1 every ms until port's tx grows past base; ms it took. */
static double until_tx(uint32_t port, uint64_t base, double limit_ms)
{
	double t0 = now_ms();

	while (now_ms() - t0 < limit_ms) {
		guest_send(0);
		th_sleep_ms(1);
		if (tx_of(port) > base)
			return now_ms() - t0;
	}
	return -1;
}

static void test_cable_pull_on_active_uplink_fails_over_and_notifies_linux(void)
{
	uint64_t base1;
	double t0, took;
	char err[PCAP_ERRBUF_SIZE];
	unsigned int rarp[2] = { 0, 0 }, data = 0;

	/* Before: g1's traffic leaves by vmnic0. */
	th_drain(g, 2);
	CU_ASSERT(until_tx(up_id[0], tx_of(up_id[0]), 500) >= 0);
	/* Linux watches the standby's wire. */
	tcpdump_pid = fork();
	if (tcpdump_pid == 0) {
		execlp("ip", "ip", "netns", "exec", ns, "tcpdump", "-q", "-U", "-i", b1, "-w", pcapf,
		       "ether proto 0x8035 or ether dst 02:ee:00:00:00:01", (char *)NULL);
		_exit(127);
	}
	th_sleep_ms(1500);
	base1 = tx_of(up_id[1]);
	CU_ASSERT_EQUAL_FATAL(th_sh("ip -n %s link set %s down", ns, b0), 0);
	t0 = now_ms();
	took = until_tx(up_id[1], base1, 1000);
	printf("\n    failover to vmnic1: %.1f ms after the cable pull ", took < 0 ? -1 : now_ms() - t0);
	CU_ASSERT(took >= 0 && took < 100.0);
	for (int k = 0; k < 20; k++) {
		guest_send(0);
		th_sleep_ms(2);
	}
	th_sleep_ms(500);
	kill(tcpdump_pid, SIGINT);
	waitpid(tcpdump_pid, NULL, 0);
	tcpdump_pid = 0;
	{
		pcap_t *p = pcap_open_offline(pcapf, err);
		struct pcap_pkthdr *h;
		const u_char *d;

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		while (pcap_next_ex(p, &h, &d) == 1) {
			if (h->caplen >= 28 && d[12] == 0x80 && d[13] == 0x35) {
				for (int i = 0; i < 2; i++)
					rarp[i] += memcmp(d + 22, GMAC[i], 6) == 0;
			} else if (memcmp(d, EXT, 6) == 0) {
				data++;
			}
		}
		pcap_close(p);
	}
	printf("(Linux saw %u RARPs for g1, %u for g2, %u frames) ", rarp[0], rarp[1], data);
	CU_ASSERT(rarp[0] >= 1);
	CU_ASSERT(rarp[1] >= 1);
	CU_ASSERT(data >= 20);

	/* Cable back: failback to vmnic0. */
	CU_ASSERT_EQUAL(th_sh("ip -n %s link set %s up", ns, b0), 0);
	CU_ASSERT(until_tx(up_id[0], tx_of(up_id[0]), 3000) >= 0);
	base1 = tx_of(up_id[1]);
	for (int k = 0; k < 20; k++) {
		guest_send(0);
		th_sleep_ms(1);
	}
	th_sleep_ms(50);
	CU_ASSERT_EQUAL(tx_of(up_id[1]), base1);
}

/* The uplinks use af_packet's default framesz (2048): frames of up to 1982
 * bytes, i.e. MTU 1960 with two VLAN tags. A vSwitch MTU they cannot carry
 * is refused and nothing changes. */
static void test_mtu_af_packet_uplinks_cannot_hold_is_refused(void)
{
	struct vmk_vswitch_info info;

	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 9000), -EMSGSIZE);
	CU_ASSERT_EQUAL(vmk_vswitch_get_info(vs, &info), 0);
	CU_ASSERT_EQUAL(info.mtu, 1500);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1960), 0);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1961), -EMSGSIZE);
	CU_ASSERT_EQUAL(vmk_vswitch_get_info(vs, &info), 0);
	CU_ASSERT_EQUAL(info.mtu, 1960);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1500), 0);
}

int main(void)
{
	CU_pSuite s;

	if (geteuid() != 0)
		return th_skip("needs root (network namespaces, af_packet): run 'make test' as root");
	if (th_need("ip ping") != 0)
		return 1;
	if (th_eal_init("linux_failover", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("linux_failover", setup, teardown);
	CU_add_test(s, "cable pull on active uplink fails over and notifies Linux",
		    test_cable_pull_on_active_uplink_fails_over_and_notifies_linux);
	CU_add_test(s, "MTU af_packet uplinks cannot hold is refused",
		    test_mtu_af_packet_uplinks_cannot_hold_is_refused);
	return th_run_suites();
}
