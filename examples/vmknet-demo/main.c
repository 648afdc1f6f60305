/*
 * vmknet-demo: a host on the built-in default configuration, on the public
 * API only, the way a hypervisor embeds the library.
 *
 *   vSwitch0 (MTU 1500)
 *     port group "VM Network"      VLAN 10 : vm1, vm2
 *     port group "Storage Network" VLAN 20 : vm3, vm4
 *     port group "Web" (VLAN 10, promiscuous Reject, forged Reject): web01,
 *       web02 on guest (vhost-user) ports, each a virtio-net device driven
 *       by DPDK's virtio-user driver, as a VM's would be
 *     port group "vMotion"         VLAN 20 : vmk1 (vmotion netstack, VMotion
 *       tag) and vmk2 (netstack vmotionPeer), added by vmotion.c
 *     uplink vmnic0
 *
 * Every VM port is a real DPDK net_ring ethdev; the demo plays the virtual
 * machines on the far side of the rings: each VM announces itself with a
 * broadcast, then sends unicast frames to its neighbour in the same VLAN, and
 * one frame to a VM in the other VLAN (which must never arrive there). Then
 * vmk1 moves memory pages to vmk2 over vmknet TCP (a vMotion-like transfer)
 * and the rate is printed. It prints what each VM received, the per-port
 * statistics and the MAC table.
 *
 * Usage: vmknet-demo [EAL options] [-- --frames N] [--vmotion-mib N]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <vmknet/vmknet.h>

#include "vmknet-demo/vmotion.h"

#define N_VMS 4

struct vm {
	const char *name;
	const char *portgroup;
	uint8_t mac[6];
	struct rte_ring *to_switch, *from_switch;
	uint16_t ethdev;
	uint32_t port_id;
	uint64_t received, foreign;
};

static struct vm vms[N_VMS] = {
	{ .name = "vm1", .portgroup = "VM Network", .mac = { 0x02, 0x50, 0x56, 0x00, 0x10, 0x01 } },
	{ .name = "vm2", .portgroup = "VM Network", .mac = { 0x02, 0x50, 0x56, 0x00, 0x10, 0x02 } },
	{ .name = "vm3", .portgroup = "Storage Network", .mac = { 0x02, 0x50, 0x56, 0x00, 0x20, 0x03 } },
	{ .name = "vm4", .portgroup = "Storage Network", .mac = { 0x02, 0x50, 0x56, 0x00, 0x20, 0x04 } },
};

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int ring_port(const char *name, struct rte_ring **in, struct rte_ring **out,
		     uint16_t *ethdev)
{
	char rn[RTE_RING_NAMESIZE];
	int port;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	*in = rte_ring_create(rn, 2048, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	*out = rte_ring_create(rn, 2048, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (*in == NULL || *out == NULL)
		return -ENOMEM;
	port = rte_eth_from_rings(name, in, 1, out, 1, SOCKET_ID_ANY);
	if (port < 0)
		return -ENODEV;
	*ethdev = (uint16_t)port;
	return 0;
}

/* A 128-byte frame (IPv4 EtherType, payload pattern) from a VM. */
static int vm_send(struct rte_mempool *pool, struct vm *v, const uint8_t dst[6])
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	if (m == NULL)
		return -ENOMEM;
	p = (uint8_t *)rte_pktmbuf_append(m, 128);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	memcpy(p, dst, 6);
	memcpy(p + 6, v->mac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	memset(p + 14, 0xa5, 128 - 14);
	if (rte_ring_enqueue(v->to_switch, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

/* Take what the switch delivered to each VM; count frames not for it. */
static void vms_receive(void)
{
	for (int i = 0; i < N_VMS; i++) {
		struct rte_mbuf *m[64];
		unsigned int n;

		while ((n = rte_ring_dequeue_burst(vms[i].from_switch, (void **)m, 64, NULL)) > 0) {
			for (unsigned int k = 0; k < n; k++) {
				const uint8_t *d = rte_pktmbuf_mtod(m[k], const uint8_t *);

				vms[i].received++;
				if (!(d[0] & 1) && memcmp(d, vms[i].mac, 6) != 0)
					vms[i].foreign++;
				rte_pktmbuf_free(m[k]);
			}
		}
	}
}

/* Guests on virtio ports: the switch's port listens on a vhost-user
 * socket; the "VM" is a virtio-user ethdev connected to it. */
struct vguest {
	const char *name;
	uint8_t mac[6];
	uint16_t eth;
	uint32_t port_id;
	uint64_t received;
};

static struct vguest vguests[2] = {
	{ .name = "web01", .mac = { 0x02, 0x50, 0x56, 0x00, 0x0a, 0x01 } },
	{ .name = "web02", .mac = { 0x02, 0x50, 0x56, 0x00, 0x0a, 0x02 } },
};
static char sockdir[64];

static int vguest_boot(struct vguest *g, struct rte_mempool *pool, const char *sock)
{
	char devargs[256], name[48];
	struct rte_eth_conf conf;
	int ret;

	snprintf(name, sizeof(name), "virtio_user_%s", g->name);
	snprintf(devargs, sizeof(devargs), "%s,path=%s,queues=1,queue_size=1024,mac=%02x:%02x:%02x:%02x:%02x:%02x",
		 name, sock, g->mac[0], g->mac[1], g->mac[2], g->mac[3], g->mac[4], g->mac[5]);
	if ((ret = rte_dev_probe(devargs)) < 0)
		return ret;
	if (rte_eth_dev_get_port_by_name(name, &g->eth) != 0)
		return -ENODEV;
	memset(&conf, 0, sizeof(conf));
	if ((ret = rte_eth_dev_configure(g->eth, 1, 1, &conf)) < 0 ||
	    (ret = rte_eth_rx_queue_setup(g->eth, 0, 1024, SOCKET_ID_ANY, NULL, pool)) < 0 ||
	    (ret = rte_eth_tx_queue_setup(g->eth, 0, 1024, SOCKET_ID_ANY, NULL)) < 0)
		return ret;
	return rte_eth_dev_start(g->eth);
}

static int vguests_add(struct vmk_vswitch *vs, struct rte_mempool *pool)
{
	struct vmk_security_policy sec = { false, true, false };
	int ret;

	snprintf(sockdir, sizeof(sockdir), "/tmp/vmknet-demo-%d", (int)getpid());
	if (mkdir(sockdir, 0700) != 0)
		return -errno;
	if ((ret = vmk_portgroup_add(vs, "Web", 10)) < 0 ||
	    (ret = vmk_portgroup_set_security(vs, "Web", &sec, VMK_SEC_FORGED)) < 0)
		return ret;
	for (int i = 0; i < 2; i++) {
		struct vmk_port_params pp;
		char sock[128];

		snprintf(sock, sizeof(sock), "%s/%s.sock", sockdir, vguests[i].name);
		vmk_port_params_init(&pp);
		pp.name = vguests[i].name;
		pp.kind = VMK_PORT_VHOST;
		pp.portgroup = "Web";
		pp.vhost_path = sock;
		pp.vhost_server = true;
		pp.has_mac = true;
		memcpy(pp.mac, vguests[i].mac, 6);
		if ((ret = vmk_port_add(vs, &pp, &vguests[i].port_id)) < 0 ||
		    (ret = vguest_boot(&vguests[i], pool, sock)) < 0)
			return ret;
	}
	return 0;
}

/* web01 and web02 exchange frames once both links are up. */
static void vguests_talk(struct vmk_vswitch *vs, struct rte_mempool *pool, unsigned int frames)
{
	for (int w = 0; w < 300; w++) {
		struct vmk_port_info a, b;

		if (vmk_port_get_info(vs, vguests[0].port_id, &a) == 0 &&
		    vmk_port_get_info(vs, vguests[1].port_id, &b) == 0 && a.link_up && b.link_up)
			break;
		sleep_ms(10);
	}
	sleep_ms(50);   /* the guests' virtio queues finish their setup */
	for (unsigned int k = 0; k < frames; k++) {
		for (int i = 0; i < 2; i++) {
			struct vguest *g = &vguests[i], *peer = &vguests[i ^ 1];
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			uint8_t *p = m ? (uint8_t *)rte_pktmbuf_append(m, 128) : NULL;

			if (p == NULL) {
				rte_pktmbuf_free(m);
				continue;
			}
			memcpy(p, peer->mac, 6);
			memcpy(p + 6, g->mac, 6);
			p[12] = 0x08;
			p[13] = 0x00;
			memset(p + 14, 0x5a, 128 - 14);
			while (rte_eth_tx_burst(g->eth, 0, &m, 1) == 0)
				sleep_ms(1);
		}
		for (int i = 0; i < 2; i++) {
			struct rte_mbuf *m[32];
			uint16_t n = rte_eth_rx_burst(vguests[i].eth, 0, m, 32);

			vguests[i].received += n;
			for (uint16_t j = 0; j < n; j++)
				rte_pktmbuf_free(m[j]);
		}
	}
	for (int w = 0; w < 100; w++) {
		for (int i = 0; i < 2; i++) {
			struct rte_mbuf *m[32];
			uint16_t n = rte_eth_rx_burst(vguests[i].eth, 0, m, 32);

			vguests[i].received += n;
			for (uint16_t j = 0; j < n; j++)
				rte_pktmbuf_free(m[j]);
		}
		sleep_ms(1);
	}
}

static void vguests_remove(void)
{
	char cmd[96];

	for (int i = 0; i < 2; i++) {
		struct rte_eth_dev_info info;

		if (rte_eth_dev_info_get(vguests[i].eth, &info) != 0)
			continue;
		rte_eth_dev_stop(vguests[i].eth);
		rte_eth_dev_close(vguests[i].eth);
		rte_dev_remove(info.device);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sockdir);
	if (system(cmd) != 0)
		fprintf(stderr, "vmknet-demo: could not remove %s\n", sockdir);
}

static int build_host(struct vmk_host **host, struct vmk_vswitch **vs, struct rte_ring **up_in,
		      struct rte_ring **up_out, uint32_t *up_id)
{
	struct vmk_vswitch_params vp;
	struct vmk_port_params pp;
	uint16_t up_ethdev;
	int ret;

	if ((ret = vmk_host_create(NULL, host)) < 0)
		return ret;
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	if ((ret = vmk_vswitch_add(*host, &vp, vs)) < 0 ||
	    (ret = vmk_portgroup_add(*vs, "VM Network", 10)) < 0 ||
	    (ret = vmk_portgroup_add(*vs, "Storage Network", 20)) < 0)
		return ret;
	if ((ret = ring_port("vmnic0", up_in, up_out, &up_ethdev)) < 0)
		return ret;
	vmk_port_params_init(&pp);
	pp.name = "vmnic0";
	pp.uplink = true;
	pp.ethdev_port = up_ethdev;
	if ((ret = vmk_port_add(*vs, &pp, up_id)) < 0)
		return ret;
	for (int i = 0; i < N_VMS; i++) {
		if ((ret = ring_port(vms[i].name, &vms[i].to_switch, &vms[i].from_switch,
				     &vms[i].ethdev)) < 0)
			return ret;
		vmk_port_params_init(&pp);
		pp.name = vms[i].name;
		pp.portgroup = vms[i].portgroup;
		pp.ethdev_port = vms[i].ethdev;
		if ((ret = vmk_port_add(*vs, &pp, &vms[i].port_id)) < 0)
			return ret;
	}
	return 0;
}

static void print_ports(struct vmk_vswitch *vs)
{
	uint32_t ids[64];
	unsigned int n = vmk_port_list(vs, ids, 64);

	printf("\nPer-port statistics (vSwitch0)\n");
	printf("%-4s %-8s %-16s %-5s %10s %12s %10s %12s %8s %8s\n", "ID", "Port", "Port group",
	       "VLAN", "RX pkts", "RX bytes", "TX pkts", "TX bytes", "RX drop", "TX drop");
	for (unsigned int i = 0; i < n && i < 64; i++) {
		struct vmk_port_info info;
		struct vmk_port_stats st;

		if (vmk_port_get_info(vs, ids[i], &info) < 0 ||
		    vmk_port_get_stats(vs, ids[i], &st) < 0)
			continue;
		char vlan[8];
		snprintf(vlan, sizeof(vlan), "%s", info.uplink ? "all" : "");
		if (!info.uplink)
			snprintf(vlan, sizeof(vlan), "%u", info.vlan_id);
		printf("%-4u %-8s %-16s %-5s %10lu %12lu %10lu %12lu %8lu %8lu\n", ids[i], info.name,
		       info.uplink ? "(uplink)" : info.portgroup, vlan,
		       (unsigned long)st.rx_packets, (unsigned long)st.rx_bytes,
		       (unsigned long)st.tx_packets, (unsigned long)st.tx_bytes,
		       (unsigned long)vmk_port_stats_rx_dropped(&st),
		       (unsigned long)vmk_port_stats_tx_dropped(&st));
	}
}

static int print_fdb_entry(const struct vmk_fdb_entry *e, void *arg)
{
	(void)arg;
	printf("  VLAN %-4u %02x:%02x:%02x:%02x:%02x:%02x  port %-3u %s\n", e->vlan_id, e->mac[0],
	       e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5], e->port_id,
	       e->registered ? "registered" : "learned");
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct vmk_host *host = NULL;
	struct vmk_vswitch *vs = NULL;
	struct rte_ring *up_in, *up_out;
	uint32_t up_id;
	unsigned int worker = 1, frames = 1000, vmotion_mib = 256;
	int ret, vmotion;

	ret = vmk_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vmknet-demo: EAL init failed: %s\n", strerror(-ret));
		return 1;
	}
	argc -= ret;
	argv += ret;
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--frames") == 0)
			frames = (unsigned int)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--vmotion-mib") == 0)
			vmotion_mib = (unsigned int)strtoul(argv[i + 1], NULL, 10);
	if (vmotion_mib == 0 || vmotion_mib > 65536) {
		fprintf(stderr, "vmknet-demo: --vmotion-mib takes 1..65536\n");
		return 2;
	}
	if (rte_lcore_count() < 2) {
		fprintf(stderr, "vmknet-demo: needs two lcores (-l 0-1): main and one worker\n");
		return 1;
	}
	worker = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	ret = build_host(&host, &vs, &up_in, &up_out, &up_id);
	if (ret == 0)
		ret = vguests_add(vs, vmk_host_mempool(host));
	if (ret == 0)
		ret = vmk_host_start(host, &worker, 1);
	if (ret < 0) {
		fprintf(stderr, "vmknet-demo: building the host failed: %s: %s\n", strerror(-ret),
			vmk_last_error());
		vguests_remove();
		vmk_host_destroy(host);
		return 1;
	}
	printf("vmknet-demo: vSwitch0 with \"VM Network\" (VLAN 10: vm1, vm2), "
	       "\"Storage Network\" (VLAN 20: vm3, vm4), \"Web\" (VLAN 10: web01, web02 on\n"
	       "  virtio/vhost-user guest ports) and uplink vmnic0; 1 worker on lcore %u\n", worker);

	/* Each VM announces itself, then talks to its neighbour. */
	for (int i = 0; i < N_VMS; i++)
		vm_send(vmk_host_mempool(host), &vms[i], bcast);
	sleep_ms(50);
	vms_receive();
	for (unsigned int k = 0; k < frames; k++) {
		for (int i = 0; i < N_VMS; i++) {
			struct vm *peer = &vms[i ^ 1];

			while (vm_send(vmk_host_mempool(host), &vms[i], peer->mac) == -ENOBUFS) {
				sleep_ms(1);
				vms_receive();
			}
		}
		if (k % 64 == 0)
			vms_receive();
	}
	/* Two guests on virtio ports talk across the switch. */
	vguests_talk(vs, vmk_host_mempool(host), frames);
	/* vMotion: memory pages from vmk1 to vmk2 over TCP. */
	vmotion = demo_vmotion(host, vs, vmotion_mib);

	/* vm1 tries vm3's MAC across VLANs: flooded in VLAN 10 only. */
	vm_send(vmk_host_mempool(host), &vms[0], vms[2].mac);
	sleep_ms(100);
	vms_receive();
	{
		struct rte_mbuf *m[64];
		unsigned int n;

		while ((n = rte_ring_dequeue_burst(up_out, (void **)m, 64, NULL)) > 0)
			for (unsigned int k = 0; k < n; k++)
				rte_pktmbuf_free(m[k]);
	}

	printf("\nWhat each VM received\n");
	for (int i = 0; i < N_VMS; i++)
		printf("  %-4s (%-15s) %8lu frames, %lu not addressed to it (floods)\n",
		       vms[i].name, vms[i].portgroup, (unsigned long)vms[i].received,
		       (unsigned long)vms[i].foreign);
	for (int i = 0; i < 2; i++)
		printf("  %-5s (Web, virtio)    %8lu frames from %s\n", vguests[i].name,
		       (unsigned long)vguests[i].received, vguests[i ^ 1].name);
	print_ports(vs);
	printf("\nMAC table (vSwitch0)\n");
	vmk_fdb_walk(vs, print_fdb_entry, NULL);
	printf("\nvm3 received %s of vm1's cross-VLAN frame: VLANs are isolated.\n",
	       vms[2].foreign == 0 ? "nothing" : "SOMETHING (bug!)");
	ret = vmotion == 0 && vms[2].foreign == 0 && vms[1].received >= frames &&
	      vguests[0].received >= frames * 98 / 100 &&
	      vguests[1].received >= frames * 98 / 100 ? 0 : 1;
	vmk_host_stop(host);
	vguests_remove();
	vmk_host_destroy(host);
	vmk_eal_cleanup();
	return ret;
}
