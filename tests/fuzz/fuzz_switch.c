/*
 * libFuzzer harness: the vSwitch's classify and forward of a received burst
 * (vswitch/switch.c: vs_burst_prepare then vs_burst_finish, as a worker
 * runs them) on frames chosen by the fuzzer, arriving from an access port,
 * a port on a VLAN port group with forged transmits rejected and shaping, a
 * trunk, either of two teamed uplinks, or a vmknic's port. Each input
 * builds a fresh vSwitch on the same ring ethdevs (so the FDB starts empty
 * and a run is reproducible) with a small FDB (full tables must flood),
 * then sends its bursts; what the switch sends is taken from the ports'
 * rings and checked.
 *
 * Ports (slot order): p0 "Plain" VLAN 0, p1 "Prod" VLAN 10 (MAC
 * 02:00:00:00:00:11, forged transmits rejected, shaped), p2 "Trunk" 4095,
 * up0 and up1 uplinks (source-MAC hash), vmk0 on "Plain" (MAC
 * 02:00:00:00:00:10).
 *
 * Input: bursts of [port index][n frames, 1..32][frames: length (2 bytes
 * little endian) then the bytes]; time passes 1 ms per burst.
 *
 * Invariants checked: every frame out is a well-formed mbuf no longer than
 * the MTU allows; access ports get untagged frames only (but for a
 * double-tagged frame's inner tag, see burst_nested); a frame never goes
 * back out of the port it came in by, nor from an uplink to an uplink; no
 * mbuf is lost (the pool is as full as before once the ports are drained).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ring.h>

#include <vmknet/vmknet.h>

#include "common.h"
#include "lib/host.h"
#include "vmknic/vmknic.h"
#include "vswitch/vswitch.h"

#define N_RING   5
#define N_PORTS  6          /* the rings and vmk0 */
#define MTU      9000u
#define FRAME_MAX (MTU + 18u + 4u)

static struct vmk_host *host;
static struct rte_mempool *pool;
static struct rte_ring *to_sw[N_RING], *from_sw[N_RING];
static uint16_t ethdev[N_RING];
static const char *const rname[N_RING] = { "p0", "p1", "p2", "up0", "up1" };
static uint64_t tsc;
static const uint8_t vmk_mac[6] = { 2, 0, 0, 0, 0, 0x10 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmk_host_params hp;

	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_switch");
	for (unsigned int i = 0; i < N_RING; i++) {
		char n[RTE_RING_NAMESIZE];
		int port;

		snprintf(n, sizeof(n), "fzs_%s_in", rname[i]);
		to_sw[i] = rte_ring_create(n, 1024, SOCKET_ID_ANY, 0);
		snprintf(n, sizeof(n), "fzs_%s_out", rname[i]);
		from_sw[i] = rte_ring_create(n, 4096, SOCKET_ID_ANY, 0);
		snprintf(n, sizeof(n), "fzs_%s", rname[i]);
		port = rte_eth_from_rings(n, &to_sw[i], 1, &from_sw[i], 1, SOCKET_ID_ANY);
		if (to_sw[i] == NULL || from_sw[i] == NULL || port < 0)
			abort();
		ethdev[i] = (uint16_t)port;
	}
	vmk_host_params_init(&hp);
	hp.n_mbufs = 8191;
	hp.max_workers = 1;
	if (vmk_host_create(&hp, &host) < 0)
		abort();
	pool = vmk_host_mempool(host);
	tsc = rte_get_tsc_hz() * 1000;
	return 0;
}

struct topo {
	struct vmk_vswitch *vs;
	uint32_t pid[N_PORTS];
	struct vmk_vmknic *nic;
};

static int topo_build(struct topo *t)
{
	static const char *const group[N_RING] = { "Plain", "Prod", "Trunk", NULL, NULL };
	static const uint8_t p1_mac[6] = { 2, 0, 0, 0, 0, 0x11 };
	struct vmk_vswitch_params vp;
	struct vmk_security_policy sec = { false, false, false };
	struct vmk_shaping_policy shp = { true, 1000000, 2000000, 64 };
	struct vmk_teaming_policy team;
	struct vmk_vmknic_params np;
	char name[VMK_NAME_MAX];

	vmk_vswitch_params_init(&vp);
	vp.name = "fzsw";
	vp.mtu = MTU;
	vp.n_ports = 8;
	vp.fdb_capacity = 16;
	if (vmk_vswitch_add(host, &vp, &t->vs) < 0 || vmk_portgroup_add(t->vs, "Plain", 0) < 0 ||
	    vmk_portgroup_add(t->vs, "Prod", 10) < 0 || vmk_portgroup_add(t->vs, "Trunk", 4095) < 0 ||
	    vmk_portgroup_set_security(t->vs, "Prod", &sec, VMK_SEC_FORGED) < 0 ||
	    vmk_portgroup_set_shaping(t->vs, "Prod", &shp) < 0)
		return -1;
	for (unsigned int i = 0; i < N_RING; i++) {
		struct vmk_port_params pp;

		vmk_port_params_init(&pp);
		pp.name = rname[i];
		pp.ethdev_port = ethdev[i];
		pp.uplink = group[i] == NULL;
		pp.portgroup = group[i];
		if (i == 1) {
			pp.has_mac = true;
			memcpy(pp.mac, p1_mac, 6);
		}
		if (vmk_port_add(t->vs, &pp, &t->pid[i]) < 0)
			return -1;
	}
	if (vmk_vswitch_get_teaming(t->vs, &team) < 0)
		return -1;
	team.load_balancing = VMK_LB_SRC_MAC;
	if (vmk_vswitch_set_teaming(t->vs, &team) < 0)
		return -1;
	vmk_vmknic_params_init(&np);
	np.name = "vmk0";
	np.vswitch = t->vs;
	np.portgroup = "Plain";
	np.mac = vmk_mac;
	np.ipv4 = RTE_BE32(0xc0000201);
	np.netmask = RTE_BE32(0xffffff00);
	if (vmk_vmknic_add(host, &np, name) < 0 || vmk_port_find(t->vs, "vmk0", &t->pid[5]) < 0)
		return -1;
	t->nic = vmknic_find(host_vmknics(host), "vmk0");
	return t->nic != NULL ? 0 : -1;
}

/* A frame of the burst carries a tag inside its tag (802.1Q in 802.1Q): once
 * the switch removes the outer one, the inner tag is what an access port
 * sees (it is payload, forwarded as a physical switch forwards it). */
static bool burst_nested;

static void out_check(const struct rte_mbuf *m, unsigned int port, unsigned int in)
{
	uint32_t len = 0;
	uint16_t segs = 0;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		len += s->data_len;
		segs++;
	}
	FUZZ_CHECK(len == m->pkt_len && segs == m->nb_segs);
	FUZZ_CHECK(m->pkt_len >= 14 && m->pkt_len <= FRAME_MAX);
	FUZZ_CHECK(port != in);
	FUZZ_CHECK(!(port >= 3 && port < N_RING && in >= 3 && in < N_RING));
	if ((port < 2 || port == 5) && !burst_nested)    /* access ports: untagged */
		FUZZ_CHECK(m->data_len < 14 || !(p[12] == 0x81 && p[13] == 0x00));
}

/* Take what the switch sent (and the vmknic's netstack would get). */
static void drain(const struct topo *t, unsigned int in)
{
	void *m;

	for (unsigned int i = 0; i < N_RING; i++)
		while (rte_ring_dequeue(from_sw[i], &m) == 0) {
			out_check(m, i, in);
			rte_pktmbuf_free(m);
		}
	while (t->nic != NULL && rte_ring_dequeue(t->nic->ifc.rxq, &m) == 0) {
		out_check(m, 5, in);
		rte_pktmbuf_free(m);
	}
}

static struct rte_mbuf *frame(const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t k;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		k = RTE_MIN(len - off, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, (uint16_t)k), data + off, k);
		off += k;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += k;
		}
		last = m;
	} while (off < len);
	return head;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vs_burst b;
	static unsigned int in_use;
	struct rte_mbuf *pkts[VS_BURST];
	struct topo t;
	size_t off = 0;

	memset(&t, 0, sizeof(t));
	if (topo_build(&t) < 0) {
		fprintf(stderr, "fuzz_switch: topology not built\n");
		abort();
	}
	drain(&t, N_PORTS);
	if (in_use == 0)
		in_use = rte_mempool_in_use_count(pool);
	while (off + 2 <= size) {
		unsigned int in = data[off] % N_PORTS, n = data[off + 1] % VS_BURST + 1, k = 0;

		off += 2;
		burst_nested = false;
		while (k < n && off + 2 <= size) {
			uint32_t len = RTE_MIN((uint32_t)(data[off] | data[off + 1] << 8),
					       (uint32_t)(size - off - 2));

			off += 2;
			len = RTE_MIN(len, FRAME_MAX + 64);
			if (len == 0)
				continue;
			if (len >= 18 && data[off + 12] == 0x81 && data[off + 13] == 0 &&
			    data[off + 16] == 0x81 && data[off + 17] == 0)
				burst_nested = true;
			pkts[k] = frame(data + off, len);
			off += len;
			if (pkts[k] != NULL)
				k++;
		}
		if (k == 0)
			continue;
		tsc += rte_get_tsc_hz() / 1000;
		vs_burst_prepare(&b, t.vs, vs_port_get(t.vs, t.pid[in]), 0, pkts, (uint16_t)k, 0,
				 tsc);
		vs_burst_finish(&b, 0, (uint32_t)(tsc / (rte_get_tsc_hz() / 1000)));
		drain(&t, in);
	}
	drain(&t, N_PORTS);
	if (vmk_vmknic_remove(host, "vmk0") < 0)
		abort();
	t.nic = NULL;
	for (unsigned int i = 0; i < N_RING; i++)
		if (vmk_port_remove(t.vs, t.pid[i]) < 0)
			abort();
	if (vmk_vswitch_remove(host, "fzsw") < 0) {
		fprintf(stderr, "fuzz_switch: topology not removed\n");
		abort();
	}
	drain(&t, N_PORTS);
	tsc += rte_get_tsc_hz() * 10;   /* shaping buckets refill between inputs */
	FUZZ_CHECK(rte_mempool_in_use_count(pool) <= in_use);
	return 0;
}
