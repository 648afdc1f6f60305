/*
 * Objective: guests on virtio ports exchange traffic across the switch. Each
 * guest is DPDK's virtio-user driver (the virtio-net driver logic a VM runs)
 * connected to a guest port's vhost-user socket, in this process; the test
 * plays the guest OS on the virtio-user ethdev. Covers guest to guest, guest
 * to uplink, 9000-byte frames, the guest's MAC registered (not learned),
 * link state following the guest, the RARPs that announce a guest whose
 * link comes up, and a guest that goes away and comes back with no switch
 * restart.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

#define BCAST ((const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff })

static char dir[128];
static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct rte_mempool *pool;
static struct th_ringport up;
static uint32_t up_id;

struct guest {
	const char *name;
	uint8_t mac[6];
	char sock[192];
	uint16_t eth;      /* the guest's virtio-user ethdev */
	uint32_t port_id;  /* its port on the switch */
	bool up;
};

static struct guest g[6] = {
	{ .name = "vm1", .mac = { 0x02, 0x50, 0x56, 0, 0, 1 } },
	{ .name = "vm2", .mac = { 0x02, 0x50, 0x56, 0, 0, 2 } },
	{ .name = "vm3", .mac = { 0x02, 0x50, 0x56, 0, 0, 3 } },  /* QEMU-style server */
	{ .name = "vm4", .mac = { 0x02, 0x50, 0x56, 0, 0, 4 } },  /* two queue pairs */
	{ .name = "vm5", .mac = { 0x02, 0x50, 0x56, 0, 0, 5 } },  /* fewer than offered */
	{ .name = "vm6", .mac = { 0x02, 0x50, 0x56, 0, 0, 6 } },  /* a bare vhost-user client */
};

/* The VM side: a virtio-user ethdev on the guest port's socket. */
static int guest_boot_mq(struct guest *x, bool server, uint16_t nq)
{
	char devargs[400], name[64];
	struct rte_eth_conf conf;
	int ret;

	snprintf(name, sizeof(name), "virtio_user_%s", x->name);
	snprintf(devargs, sizeof(devargs),
		 "%s,path=%s,queues=%u,queue_size=1024,server=%d,mac=%02x:%02x:%02x:%02x:%02x:%02x",
		 name, x->sock, nq, server ? 1 : 0, x->mac[0], x->mac[1], x->mac[2], x->mac[3],
		 x->mac[4], x->mac[5]);
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		return ret;
	if (rte_eth_dev_get_port_by_name(name, &x->eth) != 0)
		return -ENODEV;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = 9000;
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	ret = rte_eth_dev_configure(x->eth, nq, nq, &conf);
	for (uint16_t q = 0; ret == 0 && q < nq; q++) {
		ret = rte_eth_rx_queue_setup(x->eth, q, 1024, SOCKET_ID_ANY, NULL, pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(x->eth, q, 1024, SOCKET_ID_ANY, NULL);
	}
	if (ret == 0)
		ret = rte_eth_dev_start(x->eth);
	x->up = ret == 0;
	return ret;
}

static int guest_boot_mode(struct guest *x, bool server)
{
	return guest_boot_mq(x, server, 1);
}

static int guest_boot(struct guest *x)
{
	return guest_boot_mode(x, false);
}

/* A guest listening on its socket, as QEMU does for a client-mode port. Its
 * virtio-user probe waits for the switch to connect, so it runs on a thread
 * of its own. */
static void *guest_boot_server_thread(void *arg)
{
	struct guest *x = arg;

	return (void *)(intptr_t)guest_boot_mode(x, true);
}

/* The guest's port on "VM Network": its socket in the test's directory, the
 * switch listening (server) or connecting (client mode, the default), nq
 * queue pairs, the guest's MAC registered. Returns vmk_port_add's result. */
static int guest_port_add(struct guest *x, bool server, uint16_t nq)
{
	struct vmk_port_params pp;

	if (x->sock[0] == '\0')     /* (a listening guest may be reading it) */
		snprintf(x->sock, sizeof(x->sock), "%s/%s.sock", dir, x->name);
	vmk_port_params_init(&pp);
	pp.name = x->name;
	pp.kind = VMK_PORT_VHOST;
	pp.portgroup = "VM Network";
	pp.vhost_path = x->sock;
	pp.vhost_server = server;
	pp.n_rxq = nq;
	pp.has_mac = true;
	memcpy(pp.mac, x->mac, 6);
	return vmk_port_add(vs, &pp, &x->port_id);
}

static void guest_shutdown(struct guest *x)
{
	struct rte_eth_dev_info info;

	if (!x->up)
		return;
	rte_eth_dev_stop(x->eth);
	rte_eth_dev_info_get(x->eth, &info);
	rte_eth_dev_close(x->eth);
	rte_dev_remove(info.device);
	x->up = false;
}

static int guest_send(struct guest *x, const uint8_t dst[6], uint32_t len)
{
	struct rte_mbuf *m = th_frame(pool, dst, x->mac, -1, 0x88b5, len > 2000 ? 1000 : len);

	if (m == NULL)
		return -ENOMEM;
	for (uint32_t done = m->pkt_len; done < len;) {
		uint32_t k = len - done < 1000 ? len - done : 1000;
		struct rte_mbuf *seg = rte_pktmbuf_alloc(pool);

		if (seg == NULL || rte_pktmbuf_append(seg, (uint16_t)k) == NULL ||
		    rte_pktmbuf_chain(m, seg) != 0) {
			rte_pktmbuf_free(seg);
			rte_pktmbuf_free(m);
			return -ENOMEM;
		}
		done += k;
	}
	for (int t = 0; t < 100; t++) {
		if (rte_eth_tx_burst(x->eth, 0, &m, 1) == 1)
			return 0;
		th_sleep_ms(1);
	}
	rte_pktmbuf_free(m);
	return -EAGAIN;
}

/* Frames the guest receives within ms; lengths of the first ones in lens. */
static unsigned int guest_recv(struct guest *x, unsigned int ms, uint32_t *lens, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int w = 0; w < ms; w++) {
		struct rte_mbuf *m[32];
		uint16_t k = rte_eth_rx_burst(x->eth, 0, m, 32);

		for (uint16_t i = 0; i < k; i++) {
			if (n < max && lens != NULL)
				lens[n] = m[i]->pkt_len;
			n++;
			rte_pktmbuf_free(m[i]);
		}
		if (k == 0)
			th_sleep_ms(1);
	}
	return n;
}

static bool wait_link(uint16_t eth, bool want, unsigned int ms)
{
	for (unsigned int w = 0; w < ms; w += 10) {
		struct rte_eth_link l;

		if (rte_eth_link_get_nowait(eth, &l) == 0 && (l.link_status == RTE_ETH_LINK_UP) == want)
			return true;
		th_sleep_ms(10);
	}
	return false;
}

static bool wait_port_link(uint32_t port_id, bool want, unsigned int ms)
{
	for (unsigned int w = 0; w < ms; w += 10) {
		struct vmk_port_info info;

		if (vmk_port_get_info(vs, port_id, &info) == 0 && info.link_up == want)
			return true;
		th_sleep_ms(10);
	}
	return false;
}

static int setup(void)
{
	struct vmk_vswitch_params vp;
	struct vmk_host_params hp;
	struct vmk_port_params pp;
	unsigned int lcore = 1;

	snprintf(dir, sizeof(dir), "/tmp/vmkt_vhost_%d", (int)getpid());
	if (mkdir(dir, 0700) != 0)
		return -1;
	vmk_host_params_init(&hp);
	hp.n_mbufs = 16383;
	if (vmk_host_create(&hp, &host) != 0)
		return -1;
	pool = vmk_host_mempool(host);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = 9000;
	if (vmk_vswitch_add(host, &vp, &vs) != 0 || vmk_portgroup_add(vs, "VM Network", 0) != 0)
		return -1;
	if (th_ringport_create("upl", &up) != 0)
		return -1;
	vmk_port_params_init(&pp);
	pp.name = "vmnic0";
	pp.uplink = true;
	pp.ethdev_port = up.port_id;
	if (vmk_port_add(vs, &pp, &up_id) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (guest_port_add(&g[i], true, 1) != 0)
			return -1;
		if (guest_boot(&g[i]) != 0)
			return -1;
	}
	return vmk_host_start(host, &lcore, 1);
}

static int teardown(void)
{
	char cmd[200];

	vmk_host_stop(host);
	/* vm3's virtio-user listens (server mode); removing it races DPDK
	 * 22.11's own delayed-disconnect handler for the interrupt fd and can
	 * make EAL's interrupt thread panic. The process exit closes it. */
	for (int i = 0; i < (int)RTE_DIM(g); i++)
		if (i != 2)
			guest_shutdown(&g[i]);
	vmk_host_destroy(host);
	/* The switch side is gone: DPDK's delayed-disconnect handler for vm3
	 * runs now, on EAL's interrupt thread, not after EAL cleanup has
	 * unmapped the memory it reads (a SEGV at exit under ASan). */
	if (g[2].up && !wait_link(g[2].eth, false, 3000))
		fprintf(stderr, "teardown: vm3's link stays up\n");
	th_sleep_ms(500);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_guest_links_come_up_on_both_sides(void)
{
	for (int i = 0; i < 2; i++) {
		CU_ASSERT(wait_link(g[i].eth, true, 3000));
		CU_ASSERT(wait_port_link(g[i].port_id, true, 3000));
	}
}

/* A guest port whose link comes up (a VM booted or moved here) is announced
 * to the physical network: RARPs from the VM's MAC out of the uplink, at
 * once and 50, 150 and 300 ms later, counted as the port's announcements;
 * none is flooded to the other guest. */
static void test_guest_whose_link_comes_up_is_announced_on_the_uplink(void)
{
	unsigned int rarps[2] = { 0, 0 }, seen = 0;
	uint64_t first[2] = { 0, 0 }, last[2] = { 0, 0 };
	struct timespec t0, t;

	/* Frame by frame, each stamped as it comes (the first may have
	 * waited in the ring). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (t = t0; seen < 8 && t.tv_sec - t0.tv_sec < 2; clock_gettime(CLOCK_MONOTONIC, &t)) {
		struct rte_mbuf *m[8];
		unsigned int n = th_collect(&up, m, 8, 1, 20);
		uint64_t ms;

		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
		for (unsigned int i = 0; i < n; i++) {
			const uint8_t *f = rte_pktmbuf_mtod(m[i], const uint8_t *);

			for (int k = 0; k < 2; k++) {
				if (m[i]->pkt_len < 42 || f[12] != 0x80 || f[13] != 0x35 ||
				    f[21] != 3 || memcmp(f, BCAST, 6) != 0 ||
				    memcmp(f + 6, g[k].mac, 6) != 0 ||
				    memcmp(f + 22, g[k].mac, 6) != 0 ||
				    memcmp(f + 32, g[k].mac, 6) != 0)
					continue;
				if (rarps[k]++ == 0)
					first[k] = ms;
				last[k] = ms;
				seen++;
			}
		}
		th_free(m, n);
	}
	th_drain(&up, 1);                  /* none more comes */
	for (int k = 0; k < 2; k++) {
		struct vmk_port_stats st;

		CU_ASSERT_EQUAL(rarps[k], 4);
		/* The series is spread over 300 ms (collected as it comes). */
		CU_ASSERT(rarps[k] < 2 || last[k] - first[k] >= 200);
		CU_ASSERT_EQUAL_FATAL(vmk_port_get_stats(vs, g[k].port_id, &st), 0);
		CU_ASSERT_EQUAL(st.announces, 4);
	}
	CU_ASSERT_EQUAL(guest_recv(&g[1], 50, NULL, 0), 0);
	CU_ASSERT_EQUAL(guest_recv(&g[0], 50, NULL, 0), 0);
}

static void test_guest_to_guest_unicast_without_flooding(void)
{
	struct rte_mbuf *m[8];
	unsigned int got;

	th_drain(&up, 1);
	for (int k = 0; k < 100; k++)
		CU_ASSERT_EQUAL(guest_send(&g[0], g[1].mac, 128), 0);
	got = guest_recv(&g[1], 500, NULL, 0);
	CU_ASSERT_EQUAL(got, 100);
	/* vm2's MAC is registered: nothing was flooded to the uplink. */
	CU_ASSERT_EQUAL(th_collect(&up, m, 8, 0, 100), 0);
}

static void test_guest_to_uplink_and_back(void)
{
	uint8_t ext[6];
	struct rte_mbuf *m[8];
	unsigned int n;

	th_mac(ext, 0x99, 1);
	CU_ASSERT_EQUAL(guest_send(&g[0], BCAST, 64), 0);
	n = th_collect(&up, m, 8, 1, 500);
	CU_ASSERT_EQUAL(n, 1);
	th_free(m, n);
	CU_ASSERT_EQUAL(guest_recv(&g[1], 200, NULL, 0), 1);
	th_inject(&up, th_frame(pool, g[0].mac, ext, -1, 0x88b5, 200));
	CU_ASSERT_EQUAL(guest_recv(&g[0], 500, NULL, 0), 1);
}

static void test_9000_byte_frames_reach_the_other_guest(void)
{
	uint32_t lens[4] = { 0 };

	CU_ASSERT_EQUAL(guest_send(&g[0], g[1].mac, 9014), 0);
	CU_ASSERT_EQUAL(guest_recv(&g[1], 500, lens, 4), 1);
	CU_ASSERT_EQUAL(lens[0], 9014);
}

static void test_guest_that_disconnects_and_returns_gets_its_port_back(void)
{
	struct vmk_port_stats st;
	unsigned int avail_before = rte_mempool_avail_count(pool);

	guest_shutdown(&g[1]);
	CU_ASSERT(wait_port_link(g[1].port_id, false, 3000));
	vmk_port_reset_stats(vs, g[1].port_id);
	for (int k = 0; k < 10; k++)
		guest_send(&g[0], g[1].mac, 128);
	th_sleep_ms(200);
	vmk_port_get_stats(vs, g[1].port_id, &st);
	CU_ASSERT_EQUAL(vmk_port_stats_tx_dropped(&st), 10);  /* counted, not leaked */
	CU_ASSERT_EQUAL_FATAL(guest_boot(&g[1]), 0);
	CU_ASSERT(wait_link(g[1].eth, true, 3000));
	CU_ASSERT(wait_port_link(g[1].port_id, true, 3000));
	for (int k = 0; k < 10; k++)
		guest_send(&g[0], g[1].mac, 128);
	CU_ASSERT_EQUAL(guest_recv(&g[1], 500, NULL, 0), 10);
	/* Nothing leaked across the reconnect (within the pool's caches). */
	CU_ASSERT(rte_mempool_avail_count(pool) + 1100 >= avail_before);
}

static void test_client_mode_port_connects_to_a_listening_guest_and_reconnects(void)
{
	pthread_t t;
	void *ret;

	snprintf(g[2].sock, sizeof(g[2].sock), "%s/%s.sock", dir, g[2].name);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, guest_boot_server_thread, &g[2]), 0);
	th_sleep_ms(200);                        /* the guest listens */
	CU_ASSERT_EQUAL_FATAL(guest_port_add(&g[2], false, 1), 0);   /* client mode */
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL_FATAL((intptr_t)ret, 0);
	CU_ASSERT(wait_port_link(g[2].port_id, true, 3000));
	CU_ASSERT(wait_link(g[2].eth, true, 3000));
	guest_send(&g[0], g[2].mac, 100);
	CU_ASSERT_EQUAL(guest_recv(&g[2], 500, NULL, 0), 1);

	/* The switch side restarts (port removed and added back): the guest,
	 * still listening, takes the new connection. */
	CU_ASSERT_EQUAL(vmk_port_remove(vs, g[2].port_id), 0);
	CU_ASSERT(wait_link(g[2].eth, false, 3000));
	CU_ASSERT_EQUAL_FATAL(guest_port_add(&g[2], false, 1), 0);
	CU_ASSERT(wait_port_link(g[2].port_id, true, 5000));
	CU_ASSERT(wait_link(g[2].eth, true, 5000));
	guest_send(&g[0], g[2].mac, 100);
	CU_ASSERT_EQUAL(guest_recv(&g[2], 500, NULL, 0), 1);
}

static void test_stuck_guest_costs_only_its_own_frames(void)
{
	struct vmk_port_stats st;
	struct rte_mbuf *m[256];
	unsigned int up_got = 0;

	th_drain(&up, 1);
	guest_recv(&g[1], 50, NULL, 0);
	vmk_port_reset_stats(vs, g[1].port_id);
	/* vm2 stops reading: its rx ring (1024) fills; vm1 keeps sending to it
	 * and, interleaved, to the physical network. */
	for (int k = 0; k < 3000; k++) {
		guest_send(&g[0], g[1].mac, 64);
		if (k % 10 == 0)
			guest_send(&g[0], BCAST, 64);
		if (k % 64 == 0) {
			unsigned int n = rte_ring_dequeue_burst(up.from_switch, (void **)m, 256, NULL);

			up_got += n;
			th_free(m, n);
		}
	}
	th_sleep_ms(200);
	{
		unsigned int n = th_collect(&up, m, 256, 0, 100);

		up_got += n;
		th_free(m, n);
	}
	vmk_port_get_stats(vs, g[1].port_id, &st);
	CU_ASSERT(st.tx_drops[VMK_DROP_TXQ_FULL] > 0);           /* counted on vm2 */
	CU_ASSERT(st.tx_packets + st.tx_drops[VMK_DROP_TXQ_FULL] == 3000 + 300);
	CU_ASSERT_EQUAL(up_got, 300);                              /* nobody else lost */
	/* vm2 reads again: its port works, and nothing leaked. */
	guest_recv(&g[1], 200, NULL, 0);
	guest_send(&g[0], g[1].mac, 64);
	CU_ASSERT_EQUAL(guest_recv(&g[1], 200, NULL, 0), 1);
}

static void test_multiqueue_guest_is_served_on_every_queue(void)
{
	struct vmk_port_info info;

	CU_ASSERT_EQUAL_FATAL(guest_port_add(&g[3], true, 2), 0);
	CU_ASSERT_EQUAL_FATAL(guest_boot_mq(&g[3], false, 2), 0);
	CU_ASSERT(wait_port_link(g[3].port_id, true, 3000));
	CU_ASSERT_EQUAL(vmk_port_get_info(vs, g[3].port_id, &info), 0);
	CU_ASSERT_EQUAL(info.kind, VMK_PORT_VHOST);
	guest_recv(&g[0], 50, NULL, 0);
	/* One frame on each of the guest's tx queues. */
	for (uint16_t q = 0; q < 2; q++) {
		struct rte_mbuf *m = th_frame(pool, g[0].mac, g[3].mac, -1, 0x88b5, 100 + q);

		CU_ASSERT_EQUAL(rte_eth_tx_burst(g[3].eth, q, &m, 1), 1);
	}
	{
		uint32_t lens[4] = { 0 };

		CU_ASSERT_EQUAL(guest_recv(&g[0], 500, lens, 4), 2);
		CU_ASSERT_EQUAL(lens[0] + lens[1], 201);
	}
}

/* The port offers two queue pairs and the guest enables one: frames both
 * ways go by the one it has. Then the guest stops and starts again at
 * once, its new connection possibly accepted before the old one's close is
 * handled: the new one gets the port. (A QEMU guest asking for more pairs
 * than the port serves is told the limit by GET_QUEUE_NUM; DPDK 22.11's
 * virtio-user does not ask.) */
static void test_guest_using_fewer_queue_pairs_and_restarting_at_once_is_served(void)
{

	CU_ASSERT_EQUAL_FATAL(guest_port_add(&g[4], true, 2), 0);
	for (int round = 0; round < 2; round++) {
		uint32_t lens[4] = { 0 };
		struct rte_mbuf *m;

		if (round > 0)
			guest_shutdown(&g[4]);             /* and back at once */
		CU_ASSERT_EQUAL_FATAL(guest_boot_mq(&g[4], false, 1), 0);
		CU_ASSERT_FATAL(wait_port_link(g[4].port_id, true, 3000));
		CU_ASSERT(wait_link(g[4].eth, true, 3000));
		guest_recv(&g[0], 50, NULL, 0);
		CU_ASSERT_EQUAL(guest_send(&g[0], g[4].mac, 300), 0);
		CU_ASSERT_EQUAL(guest_recv(&g[4], 500, lens, 4), 1);
		CU_ASSERT_EQUAL(lens[0], 300);
		m = th_frame(pool, g[0].mac, g[4].mac, -1, 0x88b5, 200);
		CU_ASSERT_EQUAL(rte_eth_tx_burst(g[4].eth, 0, &m, 1), 1);
		CU_ASSERT_EQUAL(guest_recv(&g[0], 500, lens, 4), 1);
		CU_ASSERT_EQUAL(lens[0], 200);
	}
}

/* After a live migration QEMU sends the destination's backend SEND_RARP
 * with the VM's MAC (vhost-user, when the guest cannot announce itself):
 * the port hands the switch a RARP from that MAC, which the physical network
 * sees. The VM side here is a bare vhost-user socket client that sends just
 * that message to a server-mode port with no guest. */
static void test_send_rarp_from_a_migrated_vm_is_announced_on_the_uplink(void)
{
	const uint8_t *vm_mac = g[5].mac;     /* the VM's MAC, as QEMU sends it */
	struct {
		uint32_t request, flags, size;
		uint8_t mac[8];
	} __attribute__((packed)) msg = { 19, 1, 8, { 0 } };   /* SEND_RARP, version 1 */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rte_mbuf *m[16];
	unsigned int n, rarps = 0;
	int fd;

	CU_ASSERT_EQUAL_FATAL(guest_port_add(&g[5], true, 1), 0);
	CU_ASSERT_FATAL(strlen(g[5].sock) < sizeof(sa.sun_path));
	th_drain(&up, 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	memcpy(sa.sun_path, g[5].sock, strlen(g[5].sock) + 1);
	CU_ASSERT_EQUAL_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	memcpy(msg.mac, vm_mac, 6);
	CU_ASSERT_EQUAL(write(fd, &msg, sizeof(msg)), (ssize_t)sizeof(msg));
	n = th_collect(&up, m, 16, 1, 1000);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *f = rte_pktmbuf_mtod(m[i], const uint8_t *);

		if (m[i]->pkt_len >= 42 && f[12] == 0x80 && f[13] == 0x35 &&
		    memcmp(f + 6, vm_mac, 6) == 0 && memcmp(f + 22, vm_mac, 6) == 0)
			rarps++;
	}
	th_free(m, n);
	CU_ASSERT_EQUAL(rarps, 1);
	close(fd);
	CU_ASSERT_EQUAL(vmk_port_remove(vs, g[5].port_id), 0);
}

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("vhost_guests", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vhost_guests", setup, teardown);
	CU_add_test(s, "guest links come up on both sides", test_guest_links_come_up_on_both_sides);
	CU_add_test(s, "guest whose link comes up is announced on the uplink",
		    test_guest_whose_link_comes_up_is_announced_on_the_uplink);
	CU_add_test(s, "guest to guest unicast without flooding",
		    test_guest_to_guest_unicast_without_flooding);
	CU_add_test(s, "guest to uplink and back", test_guest_to_uplink_and_back);
	CU_add_test(s, "9000-byte frames reach the other guest",
		    test_9000_byte_frames_reach_the_other_guest);
	CU_add_test(s, "guest that disconnects and returns gets its port back",
		    test_guest_that_disconnects_and_returns_gets_its_port_back);
	CU_add_test(s, "multiqueue guest is served on every queue",
		    test_multiqueue_guest_is_served_on_every_queue);
	CU_add_test(s, "guest using fewer queue pairs and restarting at once is served",
		    test_guest_using_fewer_queue_pairs_and_restarting_at_once_is_served);
	CU_add_test(s, "SEND_RARP from a migrated VM is announced on the uplink",
		    test_send_rarp_from_a_migrated_vm_is_announced_on_the_uplink);
	CU_add_test(s, "stuck guest costs only its own frames",
		    test_stuck_guest_costs_only_its_own_frames);
	CU_add_test(s, "client-mode port connects to a listening guest and reconnects",
		    test_client_mode_port_connects_to_a_listening_guest_and_reconnects);
	return th_run_suites();
}
