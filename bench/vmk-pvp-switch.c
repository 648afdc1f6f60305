/*
 * vmk-pvp-switch: vmknet's side of the PVP benchmark: one vSwitch, one port
 * group, two guest ports in vhost-user client mode (the VM side listens, as
 * with OVS's dpdkvhostuserclient), one worker. Runs until SIGINT/SIGTERM,
 * then prints one JSON line with the worker's cost per frame.
 *
 *   vmk-pvp-switch [EAL args, two lcores] -- --vhost PATH --vhost PATH
 *   vmk-pvp-switch [EAL args, two lcores] -- --vhost PATH --uplink DEVARGS
 *
 * The second form is guest to uplink: one guest port and one uplink (e.g.
 * net_null0,no-rx=1, a sink), with 02:00:00:00:00:fe, the guests' unused
 * address, registered behind the uplink (a host on the physical network).
 * The JSON then also carries what left the uplink, counted twice: by the
 * switch (uplink_tx_packets, the port's tx counter) and by the sink itself
 * (sink_tx_packets, the device's DPDK opackets); bench/run_pvp.sh rates the
 * run by the sink's count and fails it when the two disagree.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <vmknet/vmknet.h>

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

int main(int argc, char **argv)
{
	struct vmk_host *host = NULL;
	struct vmk_vswitch *vs = NULL;
	struct vmk_vswitch_params vp;
	struct vmk_host_params hp;
	struct vmk_worker_stats w;
	const char *paths[2], *uplink = NULL;
	static const uint8_t remote[6] = { 0x02, 0, 0, 0, 0, 0xfe };
	unsigned int n_paths = 0, lcore;
	uint32_t uplink_id = UINT32_MAX;
	int n, ret;

	n = vmk_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "vmk-pvp-switch: EAL init failed: %s\n", strerror(-n));
		return 1;
	}
	for (int i = n + 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--vhost") == 0 && n_paths < 2) {
			paths[n_paths++] = argv[i + 1];
		} else if (strcmp(argv[i], "--uplink") == 0 && uplink == NULL) {
			uplink = argv[i + 1];
		} else {
			fprintf(stderr, "vmk-pvp-switch: usage: -- --vhost PATH "
				"(--vhost PATH | --uplink DEVARGS)\n");
			return 2;
		}
	}
	lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	if (n_paths + (uplink != NULL) != 2 || lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "vmk-pvp-switch: two ports (--vhost, --uplink) and two lcores "
			"needed\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	vmk_host_params_init(&hp);
	hp.max_workers = 1;
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	ret = vmk_host_create(&hp, &host);
	if (ret == 0)
		ret = vmk_vswitch_add(host, &vp, &vs);
	if (ret == 0)
		ret = vmk_portgroup_add(vs, "VM Network", 0);
	if (ret == 0 && uplink != NULL) {
		struct vmk_port_params pp;

		vmk_port_params_init(&pp);
		pp.name = "vmnic0";
		pp.uplink = true;
		pp.devargs = uplink;
		ret = vmk_port_add(vs, &pp, &uplink_id);
		if (ret == 0)
			ret = vmk_fdb_register(vs, 0, remote, uplink_id);
	}
	for (unsigned int i = 0; ret == 0 && i < n_paths; i++) {
		struct vmk_port_params pp;
		char name[16];

		snprintf(name, sizeof(name), "vm%u", i + 1);
		vmk_port_params_init(&pp);
		pp.name = name;
		pp.kind = VMK_PORT_VHOST;
		pp.portgroup = "VM Network";
		pp.vhost_path = paths[i];
		ret = vmk_port_add(vs, &pp, NULL);
	}
	if (ret == 0)
		ret = vmk_host_start(host, &lcore, 1);
	if (ret < 0) {
		fprintf(stderr, "vmk-pvp-switch: %s\n", strerror(-ret));
		vmk_host_destroy(host);
		return 1;
	}
	while (!quit) {
		struct timespec t = { 0, 100000000L };

		nanosleep(&t, NULL);
	}
	memset(&w, 0, sizeof(w));
	vmk_host_get_worker_stats(host, 0, &w);
	printf("{\"tool\":\"vmknet-pvp-switch\"");
	if (uplink_id != UINT32_MAX) {
		struct vmk_port_stats ps;
		struct vmk_port_info info;
		struct rte_eth_stats es;

		memset(&ps, 0, sizeof(ps));
		memset(&es, 0, sizeof(es));
		if (vmk_port_get_stats(vs, uplink_id, &ps) < 0 ||
		    vmk_port_get_info(vs, uplink_id, &info) < 0 ||
		    info.ethdev_port == VMK_ETHDEV_NONE ||
		    rte_eth_stats_get(info.ethdev_port, &es) < 0)
			fprintf(stderr, "vmk-pvp-switch: cannot read the uplink's counters\n");
		else
			printf(",\"uplink_tx_packets\":%" PRIu64 ",\"sink_tx_packets\":%" PRIu64,
			       ps.tx_packets, es.opackets);
	}
	printf(",\"packets\":%" PRIu64
	       ",\"worker_cycles_per_packet\":%.1f,\"frames_per_busy_loop\":%.1f"
	       ",\"busy_share\":%.3f}\n", w.packets,
	       w.packets ? (double)w.busy_cycles / (double)w.packets : 0.0,
	       w.busy_loops ? (double)w.packets / (double)w.busy_loops : 0.0,
	       w.busy_cycles + w.idle_cycles ?
	       (double)w.busy_cycles / (double)(w.busy_cycles + w.idle_cycles) : 0.0);
	fflush(stdout);
	vmk_host_destroy(host);
	vmk_eal_cleanup();
	return 0;
}
