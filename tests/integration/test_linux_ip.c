/*
 * Objective: prove the IP layer against Linux. The test process moves into a
 * private network namespace (unshare), which is the Linux host and vanishes
 * with the process. vSwitch0 (MTU 1500: net_tap's largest frame is 1522
 * bytes) reaches Linux through a net_tap uplink that carries Linux's
 * untagged 192.0.2.2 (a router: 203.0.113.1 is a host in a namespace of
 * its own behind it, the off-subnet destination) and, tagged VLAN 20 for the "vMotion" port group, Linux's
 * 198.51.100.2 on a VLAN interface (this kernel has no 8021q module, so two
 * tc programs do the tagging: tests/support/linux_vlan.h). vmk0
 * (defaultTcpipStack, 192.0.2.1/24) and vmk1 (vmotion netstack,
 * 198.51.100.1/24) face them.
 *
 * Cases: Linux pings each vmknic; vmk_ping pings Linux; each side's address
 * shows in the other's neighbour table; DF pings at the MTU pass and one
 * byte more fails cleanly, a 4000-byte ping without DF is answered in
 * fragments; UDP both ways with socat; port unreachable; the default
 * gateway; each netstack reaches only its own networks.
 *
 * Needs root, iproute2, iputils-ping and socat; without them it runs no
 * test.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"
#include "support/linux_vlan.h"

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define MASK24 A(255, 255, 255, 0)

#define TAP_UP "vmkt_up"     /* Linux's side of the uplink */
#define TAP_20 "vmkt_v20"    /* Linux's VLAN 20 interface behind the uplink */

static struct vmk_host *host;
static struct vmk_vswitch *vs;
static char far_ns[32];      /* the host behind the Linux router: a named namespace */

/* Linux's addresses: untagged on the uplink's tap device, VLAN 20 on a
 * VLAN interface over it. */
static int linux_configure(void)
{
	if (th_linux_vlan_add(TAP_UP, 20, TAP_20) != 0)
		return -1;
	return th_sh("ip link set lo up && sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && "
		  "ip link set %s up && ip addr add 192.0.2.2/24 dev %s && "
		  "ip link set %s up && ip addr add 198.51.100.2/24 dev %s && "
		  "sysctl -qw net.ipv4.ip_forward=1 && "
		  "ip netns add %s && ip link add vmkt_rt type veth peer name far0 netns %s && "
		  "ip addr add 203.0.113.254/24 dev vmkt_rt && ip link set vmkt_rt up && "
		  "ip -n %s link set lo up && ip -n %s link set far0 up && "
		  "ip -n %s addr add 203.0.113.1/24 dev far0 && "
		  "ip -n %s route add default via 203.0.113.254",
		  TAP_UP, TAP_UP, TAP_20, TAP_20, far_ns, far_ns, far_ns, far_ns, far_ns, far_ns);
}

static int add_tap(const char *name, unsigned int idx, const char *iface, const char *pg)
{
	struct vmk_port_params pp;
	char devargs[128];

	vmk_port_params_init(&pp);
	snprintf(devargs, sizeof(devargs), "net_tap%u,iface=%s", idx, iface);
	pp.name = name;
	pp.uplink = pg == NULL;
	pp.portgroup = pg;
	pp.devargs = devargs;
	pp.n_rxq = 2;                           /* net_tap wants rx queues == tx queues */
	return vmk_port_add(vs, &pp, NULL);
}

static int add_vmknic(const char *name, const char *pg, const char *ns, uint32_t ip)
{
	struct vmk_vmknic_params p;

	vmk_vmknic_params_init(&p);
	p.name = name;
	p.vswitch = vs;
	p.portgroup = pg;
	p.netstack = ns;
	p.ipv4 = ip;
	p.netmask = MASK24;
	return vmk_vmknic_add(host, &p, NULL);
}

static int suite_init(void)
{
	struct vmk_host_params hp;
	struct vmk_vswitch_params vp;
	unsigned int lcore = 1;

	vmk_host_params_init(&hp);
	hp.n_mbufs = 16384;                    /* the taps' rx rings hold 4096 */
	hp.max_workers = 1;                    /* tx queues: 1 worker + control */
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = 1500;                         /* net_tap's most (1522-byte frames) */
	if (vmk_host_create(&hp, &host) != 0 || vmk_vswitch_add(host, &vp, &vs) != 0 ||
	    vmk_portgroup_add(vs, "Management Network", 0) != 0 ||
	    vmk_portgroup_add(vs, "vMotion", 20) != 0 ||
	    add_tap("vmnic0", 0, TAP_UP, NULL) != 0)
		return -1;
	if (linux_configure() != 0)
		return -1;
	if (add_vmknic("vmk0", "Management Network", NULL, A(192, 0, 2, 1)) != 0 ||
	    add_vmknic("vmk1", "vMotion", VMK_NETSTACK_VMOTION, A(198, 51, 100, 1)) != 0) {
		printf("vmknic: %s\n", vmk_ip_last_error());
		return -1;
	}
	return vmk_host_start(host, &lcore, 1) == 0 ? 0 : -1;
}

static int suite_fini(void)
{
	th_sh("ip netns del %s 2>/dev/null", far_ns);
	if (host != NULL) {
		vmk_host_stop(host);
		vmk_host_destroy(host);
	}
	return 0;
}

static int ping_from_vmknet(const char *vmknic, const char *netstack, uint32_t dst,
			    uint32_t size, bool df, uint32_t count, struct vmk_ping_result *res)
{
	struct vmk_ping_params p;

	vmk_ping_params_init(&p);
	p.vmknic = vmknic;
	p.netstack = netstack;
	p.dst = dst;
	p.size = size;
	p.df = df;
	p.count = count;
	p.interval_ms = 100;
	p.timeout_ms = 1000;
	return vmk_ping(host, &p, res);
}

static void keep_status(const struct vmk_ping_reply *r, void *arg)
{
	*(int *)arg = r->status;
	fprintf(stderr, "    reply seq %u status %d rtt %u us size %u mtu %u\n", r->seq,
		r->status, r->rtt_us, r->size, r->mtu);
}

static int ping_status(const char *vmknic, uint32_t dst, uint32_t size, bool df,
		       struct vmk_ping_result *res)
{
	struct vmk_ping_params p;
	int status = 1;

	vmk_ping_params_init(&p);
	p.vmknic = vmknic;
	p.dst = dst;
	p.size = size;
	p.df = df;
	p.count = 2;
	p.interval_ms = 100;
	p.timeout_ms = 1000;
	p.on_reply = keep_status;
	p.arg = &status;
	CU_ASSERT_EQUAL(vmk_ping(host, &p, res), 0);
	return status;
}

/* ---- cases ---------------------------------------------------------- */

static void test_linux_pings_vmk0_on_the_untagged_port_group(void)
{
	CU_ASSERT_EQUAL(th_sh("ping -c 3 -i 0.2 -W 2 192.0.2.1"), 0);
}

static void test_linux_pings_vmk1_on_the_vlan_20_port_group(void)
{
	int pid = (int)getpid();

	/* the echoes cross the uplink tagged 20, both ways */
	th_sh("(timeout 5 tcpdump -i %s -nn -e -c 4 'vlan 20 and icmp' >/tmp/vmkt_%d.vlan "
	   "2>/dev/null &) ; sleep 1", TAP_UP, pid);
	CU_ASSERT_EQUAL(th_sh("ping -c 3 -i 0.2 -W 2 198.51.100.1"), 0);
	CU_ASSERT_EQUAL(th_sh("for i in $(seq 40); do [ \"$(grep -c 'vlan 20.*198.51.100' "
			   "/tmp/vmkt_%d.vlan)\" -ge 4 ] && exit 0; sleep 0.1; done; "
			   "cat /tmp/vmkt_%d.vlan; exit 1", pid, pid), 0);
	th_sh("rm -f /tmp/vmkt_%d.vlan", pid);
}

static void test_vmknic_addresses_appear_in_linux_neighbours(void)
{
	struct vmk_vmknic_info i0, i1;
	char m0[32], m1[32];

	vmk_vmknic_get(host, "vmk0", &i0);
	vmk_vmknic_get(host, "vmk1", &i1);
	snprintf(m0, sizeof(m0), "%02x:%02x:%02x:%02x:%02x:%02x", i0.mac[0], i0.mac[1], i0.mac[2],
		 i0.mac[3], i0.mac[4], i0.mac[5]);
	snprintf(m1, sizeof(m1), "%02x:%02x:%02x:%02x:%02x:%02x", i1.mac[0], i1.mac[1], i1.mac[2],
		 i1.mac[3], i1.mac[4], i1.mac[5]);
	CU_ASSERT_EQUAL(th_sh("ip neigh show 192.0.2.1 | grep -q %s", m0), 0);
	CU_ASSERT_EQUAL(th_sh("ip neigh show 198.51.100.1 | grep -q %s", m1), 0);
}

/* The neighbour entry for 192.0.2.2 holds the MAC of Linux's interface. */
static bool linux_mac_is(const struct vmk_neigh *nb, unsigned int n)
{
	char want[32] = "", have[32], line[512];
	/* sysfs shows the initial namespace's devices: ask ip instead */
	FILE *f = popen("ip -o link show " TAP_UP, "r");
	char *at;

	if (f == NULL)
		return false;
	if (fgets(line, sizeof(line), f) != NULL && (at = strstr(line, "link/ether ")) != NULL)
		snprintf(want, sizeof(want), "%.17s", at + strlen("link/ether "));
	pclose(f);
	fprintf(stderr, "    Linux MAC %s\n", want);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(have, sizeof(have), "%02x:%02x:%02x:%02x:%02x:%02x", nb[i].mac[0],
			 nb[i].mac[1], nb[i].mac[2], nb[i].mac[3], nb[i].mac[4], nb[i].mac[5]);
		if (nb[i].ip == A(192, 0, 2, 2) && strncmp(want, have, 17) == 0)
			return true;
	}
	return false;
}

static void test_vmk_ping_reaches_linux_which_then_is_a_vmknet_neighbour(void)
{
	struct vmk_ping_result res;
	struct vmk_neigh nb[8];
	unsigned int n;
	bool found = false;

	CU_ASSERT_EQUAL(ping_from_vmknet("vmk0", NULL, A(192, 0, 2, 2), 56, false, 3, &res),
			0);
	CU_ASSERT_EQUAL(res.sent, 3);
	CU_ASSERT_EQUAL(res.received, 3);
	fprintf(stderr, "    rtt min/avg/max %u/%u/%u us\n", res.rtt_min_us, res.rtt_avg_us, res.rtt_max_us);
	CU_ASSERT_EQUAL(ping_from_vmknet("vmk1", NULL, A(198, 51, 100, 2), 56, false, 2, &res),
			0);
	CU_ASSERT_EQUAL(res.received, 2);
	n = vmk_neigh_list(host, NULL, nb, 8);
	for (unsigned int i = 0; i < n && i < 8; i++)
		found |= nb[i].ip == A(192, 0, 2, 2) && nb[i].state != VMK_NEIGH_INCOMPLETE;
	CU_ASSERT(found);
	n = RTE_MIN(n, 8u);
	CU_ASSERT(linux_mac_is(nb, n));
}

static void test_each_netstack_reaches_only_its_own_networks(void)
{
	struct vmk_ping_result res;

	/* 198.51.100.0/24 is the vmotion netstack's, not the default one's */
	CU_ASSERT_EQUAL(ping_status(NULL, A(198, 51, 100, 2), 56, false, &res), -ENETUNREACH);
	CU_ASSERT_EQUAL(res.received, 0);
	CU_ASSERT_EQUAL(ping_status("vmk1", A(192, 0, 2, 2), 56, false, &res), -ENETUNREACH);
	CU_ASSERT_EQUAL(res.received, 0);
}

static void test_off_subnet_destination_is_reached_through_the_default_gateway(void)
{
	struct vmk_ping_result res;

	CU_ASSERT_EQUAL(ping_status("vmk0", A(203, 0, 113, 1), 56, false, &res), -ENETUNREACH);
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, 0, 0, A(192, 0, 2, 2)), 0);
	CU_ASSERT_EQUAL(ping_status("vmk0", A(203, 0, 113, 1), 56, false, &res), 0);
	CU_ASSERT_EQUAL(res.received, 2);
	CU_ASSERT_EQUAL(vmk_route_remove(host, NULL, 0, 0), 0);
}

static void test_udp_datagrams_cross_both_ways_with_socat(void)
{
	struct vmk_udp_sock *s;
	char buf[64] = { 0 };
	uint32_t src;
	uint16_t port;
	int n;

	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &s), 0);
	CU_ASSERT_EQUAL(vmk_udp_bind(s, A(192, 0, 2, 1), 6666), 0);
	/* Linux -> vmknet */
	CU_ASSERT_EQUAL(th_sh("printf hello-vmk | socat -u STDIN "
			   "UDP-SENDTO:192.0.2.1:6666,sourceport=5555"), 0);
	n = vmk_udp_recvfrom(s, buf, sizeof(buf), &src, &port, 3000);
	CU_ASSERT_EQUAL(n, 9);
	CU_ASSERT_STRING_EQUAL(buf, "hello-vmk");
	CU_ASSERT_EQUAL(src, A(192, 0, 2, 2));
	CU_ASSERT_EQUAL(port, 5555);
	/* vmknet -> Linux: socat waits for one datagram in the background */
	th_sh("rm -f /tmp/vmkt_%d.udp; (timeout 5 socat -u UDP-RECV:7777 "
	   "OPEN:/tmp/vmkt_%d.udp,creat) & sleep 0.5", (int)getpid(), (int)getpid());
	CU_ASSERT_EQUAL(vmk_udp_sendto(s, "hello-linux", 11, A(192, 0, 2, 2), 7777), 11);
	CU_ASSERT_EQUAL(th_sh("for i in $(seq 30); do grep -q hello-linux /tmp/vmkt_%d.udp 2>/dev/null "
			   "&& exit 0; sleep 0.1; done; exit 1", (int)getpid()), 0);
	th_sh("rm -f /tmp/vmkt_%d.udp", (int)getpid());
	vmk_udp_close(s);
}

static void test_udp_to_a_closed_port_gets_port_unreachable_at_linux(void)
{
	struct vmk_netstack_stats before, after;

	vmk_netstack_get_stats(host, NULL, &before);
	/* a connected UDP socket learns the ICMP error on its next read */
	CU_ASSERT_EQUAL(th_sh("printf x | timeout 3 socat -t 2 - UDP:192.0.2.1:9 "
			   "2>&1 | grep -qi refused"), 0);
	vmk_netstack_get_stats(host, NULL, &after);
	CU_ASSERT(after.drops[VMK_IPDROP_NO_PORT] > before.drops[VMK_IPDROP_NO_PORT]);
}

static void test_df_pings_pass_at_the_mtu_and_fail_cleanly_above_it(void)
{
	struct vmk_ping_result res;

	/* 1472 + 28 = 1500: exactly the MTU, both ways */
	CU_ASSERT_EQUAL(th_sh("ping -c 2 -i 0.2 -W 2 -M do -s 1472 192.0.2.1"), 0);
	CU_ASSERT_EQUAL(ping_status("vmk0", A(192, 0, 2, 2), 1472, true, &res), 0);
	CU_ASSERT_EQUAL(res.received, 2);
	/* one byte more with DF: vmknet refuses to send it, and says why */
	CU_ASSERT_EQUAL(ping_status("vmk0", A(192, 0, 2, 2), 1473, true, &res), -EMSGSIZE);
	CU_ASSERT_EQUAL(res.received, 0);
	/* without DF both sides fragment and reassemble */
	CU_ASSERT_EQUAL(th_sh("ping -c 2 -i 0.2 -W 2 -s 4000 192.0.2.1"), 0);
	CU_ASSERT_EQUAL(ping_status("vmk0", A(192, 0, 2, 2), 4000, false, &res), 0);
	CU_ASSERT_EQUAL(res.received, 2);
	/* a smaller adapter MTU: Linux's DF ping is refused with
	 * fragmentation-needed, and Linux learns the path MTU */
	CU_ASSERT_EQUAL(vmk_vmknic_set_mtu(host, "vmk0", 1280), 0);
	CU_ASSERT_NOT_EQUAL(th_sh("ping -c 2 -i 0.2 -W 2 -M do -s 1472 192.0.2.1"), 0);
	CU_ASSERT_EQUAL(th_sh("ip route get 192.0.2.1 | grep -q 'mtu 1280'"), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_set_mtu(host, "vmk0", 1500), 0);
	th_sh("ip route flush cache");
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	/* A private network namespace: Linux's side lives there and vanishes
	 * with the process, whatever way it ends. */
	if (geteuid() != 0)
		return th_skip("needs root (a network namespace and net_tap): run 'make test' as root");
	if (th_need("ip socat ping tc") != 0)
		return 1;
	if (unshare(CLONE_NEWNET) != 0) {
		printf("FAIL: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	snprintf(far_ns, sizeof(far_ns), "vmkt_far_%d", (int)getpid());
	th_sh("for n in $(ip netns list | grep -o '^vmkt_far_[0-9]*'); do "
	   "[ -d /proc/${n#vmkt_far_} ] || ip netns del $n; done");   /* left by a crash */
	if (th_eal_init("linux_ip", true) != 0)
		return 1;
	s = CU_add_suite("linux_ip", suite_init, suite_fini);
	ADD(s, test_linux_pings_vmk0_on_the_untagged_port_group);
	ADD(s, test_linux_pings_vmk1_on_the_vlan_20_port_group);
	ADD(s, test_vmknic_addresses_appear_in_linux_neighbours);
	ADD(s, test_vmk_ping_reaches_linux_which_then_is_a_vmknet_neighbour);
	ADD(s, test_each_netstack_reaches_only_its_own_networks);
	ADD(s, test_off_subnet_destination_is_reached_through_the_default_gateway);
	ADD(s, test_udp_datagrams_cross_both_ways_with_socat);
	ADD(s, test_udp_to_a_closed_port_gets_port_unreachable_at_linux);
	ADD(s, test_df_pings_pass_at_the_mtu_and_fail_cleanly_above_it);
	return th_run_suites();
}
