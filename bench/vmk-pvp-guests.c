/*
 * vmk-pvp-guests: the two virtual machines of a PVP-style benchmark, as
 * virtio-user devices (the virtio-net driver a VM runs) in one process on one
 * core. Guest 1 sends 64-byte frames to guest 2 as fast as its virtio queue
 * takes them; guest 2 receives and frees them. Whatever switch connects the
 * two vhost-user sockets (vmknet, or OVS with dpdkvhostuserclient ports) is
 * what is measured.
 *
 *   vmk-pvp-guests [EAL: -l 0 --vdev net_virtio_user0,path=S1,server=1,mac=M1
 *                   --vdev net_virtio_user1,path=S2,server=1,mac=M2 ...]
 *       -- [--seconds N] [--warmup N]
 *
 * Prints one JSON line: {"rx_mpps":..., "tx_mpps":..., ...}. Guest 2 first
 * sends a few frames so a learning switch knows where it is. With one vdev
 * (guest to uplink), guest 1 alone sends to a MAC the switch has behind
 * its uplink; tx_mpps is only what its virtio queue accepted, so the
 * switch's rate there is what the sink counted (bench/run_pvp.sh takes it
 * from the switch), less warmup_tx_packets, the frames guest 1 sent before
 * the window. Needs memory
 * a vhost backend can map (hugepages). Exit 1 on run-time errors, 2 on usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define BURST 32
#define FRAME 60

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int port_up(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	if ((ret = rte_eth_dev_configure(port, 1, 1, &conf)) < 0 ||
	    (ret = rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), NULL, pool)) < 0 ||
	    (ret = rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), NULL)) < 0)
		return ret;
	return rte_eth_dev_start(port);
}

/* Send up to n copies of the frame src -> dst; returns frames accepted. */
static unsigned int send_frames(struct rte_mempool *pool, uint16_t port, const uint8_t *frame,
				unsigned int n)
{
	struct rte_mbuf *m[BURST];
	uint16_t k;

	if (n > BURST)
		n = BURST;
	if (rte_pktmbuf_alloc_bulk(pool, m, n) != 0)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		rte_memcpy(rte_pktmbuf_mtod(m[i], void *), frame, FRAME);
		m[i]->data_len = m[i]->pkt_len = FRAME;
	}
	k = rte_eth_tx_burst(port, 0, m, (uint16_t)n);
	if (k < n)
		rte_pktmbuf_free_bulk(m + k, n - k);
	return k;
}

/* Guest 1's measured sends come from a pool whose buffers already hold the
 * frame (nothing writes a tx buffer's data: virtio puts its header in the
 * headroom), so a frame costs the guest its driver's work, not a copy. */
static void prefill(struct rte_mempool *mp, void *frame, void *obj, unsigned int idx)
{
	struct rte_mbuf *m = obj;

	(void)mp;
	(void)idx;
	memcpy((uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM, frame, FRAME);
}

static unsigned int send_prefilled(struct rte_mempool *txpool, uint16_t port, unsigned int n)
{
	struct rte_mbuf *m[BURST];
	uint16_t k;

	if (rte_pktmbuf_alloc_bulk(txpool, m, n) != 0)
		return 0;
	for (unsigned int i = 0; i < n; i++)
		m[i]->data_len = m[i]->pkt_len = FRAME;
	k = rte_eth_tx_burst(port, 0, m, (uint16_t)n);
	if (k < n)
		rte_pktmbuf_free_bulk(m + k, n - k);
	return k;
}

static uint64_t drain(uint16_t port)
{
	struct rte_mbuf *m[BURST];
	uint16_t n = rte_eth_rx_burst(port, 0, m, BURST);

	rte_pktmbuf_free_bulk(m, n);
	return n;
}

static void frame_build(uint8_t *f, const struct rte_ether_addr *dst,
			const struct rte_ether_addr *src)
{
	memset(f, 0, FRAME);
	memcpy(f, dst->addr_bytes, 6);
	memcpy(f + 6, src->addr_bytes, 6);
	f[12] = 0x08;            /* IPv4, 198.18.0.1 -> 198.18.0.2, UDP */
	f[14] = 0x45;
	f[17] = FRAME - 14;
	f[22] = 64;
	f[23] = 17;
	f[26] = 198; f[27] = 18; f[28] = 0; f[29] = 1;
	f[30] = 198; f[31] = 18; f[32] = 0; f[33] = 2;
}

int main(int argc, char **argv)
{
	double seconds = 10, warmup = 2, t0, t1;
	uint8_t f12[FRAME], f21[FRAME];
	struct rte_ether_addr mac1, mac2;
	struct rte_mempool *pool, *txpool;
	uint64_t tx = 0, rx = 0, warm_tx = 0;
	unsigned int n_guests;
	int n;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "vmk-pvp-guests: EAL init failed\n");
		return 1;
	}
	for (int i = n + 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--warmup") == 0)
			warmup = atof(argv[i + 1]);
		else {
			fprintf(stderr, "vmk-pvp-guests: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	n_guests = rte_eth_dev_count_avail();
	if ((n_guests != 1 && n_guests != 2) || seconds <= 0) {
		fprintf(stderr, "vmk-pvp-guests: give one or two virtio-user vdevs and --seconds > 0\n");
		return 2;
	}
	pool = rte_pktmbuf_pool_create("pvp", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL || port_up(0, pool) < 0 || (n_guests == 2 && port_up(1, pool) < 0)) {
		fprintf(stderr, "vmk-pvp-guests: cannot start the virtio-user ports\n");
		return 1;
	}
	rte_eth_macaddr_get(0, &mac1);
	if (n_guests == 2)
		rte_eth_macaddr_get(1, &mac2);
	else
		mac2 = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, 0xfe } };  /* no one's */
	frame_build(f12, &mac2, &mac1);
	frame_build(f21, &mac1, &mac2);

	txpool = rte_pktmbuf_pool_create("pvp_tx", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 rte_socket_id());
	if (txpool == NULL) {
		fprintf(stderr, "vmk-pvp-guests: no memory for the tx pool\n");
		return 1;
	}
	rte_mempool_obj_iter(txpool, prefill, f12);

	/* Both guests speak first, so a learning switch knows them. */
	t0 = now_s();
	while (now_s() - t0 < warmup) {
		if (n_guests == 2)
			send_frames(pool, 1, f21, 1);
		warm_tx += send_frames(pool, 0, f12, 1);
		drain(0);
		if (n_guests == 2)
			drain(1);
		rte_delay_us_sleep(1000);
	}
	t0 = now_s();
	while ((t1 = now_s()) - t0 < seconds) {
		for (int k = 0; k < 64; k++) {
			tx += send_prefilled(txpool, 0, BURST);
			if (n_guests == 2)
				rx += drain(1);
		}
	}
	printf("{\"tool\":\"pvp-guests\",\"rx_mpps\":%.3f,\"tx_mpps\":%.3f,\"rx_packets\":%" PRIu64
	       ",\"tx_packets\":%" PRIu64 ",\"warmup_tx_packets\":%" PRIu64 ",\"seconds\":%.3f}\n",
	       (double)rx / (t1 - t0) / 1e6, (double)tx / (t1 - t0) / 1e6, rx, tx, warm_tx,
	       t1 - t0);
	fflush(stdout);
	for (uint16_t i = 0; i < n_guests; i++)
		rte_eth_dev_stop(i);
	rte_eal_cleanup();
	return 0;
}
