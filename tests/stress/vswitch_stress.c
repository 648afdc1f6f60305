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
 * The checks: every control call succeeds; frames keep flowing; each frame
 * carries the port it entered by, and none leaves by that port or crosses
 * into the other port group (VLANs 20/30 tagged on the uplink, group A
 * untagged); every frame injected is counted received, and every frame a port
 * hands back was counted sent; after the churn, frames to a registered MAC
 * reach its port and only it, exactly; and the mbuf pools end whole.
 *
 * Under ThreadSanitizer, what DPDK synchronises in its uninstrumented
 * libraries is made visible here rather than suppressed: the test's ring
 * ports release before a frame enters a ring and acquire in an rx callback
 * after the net_ring PMD dequeued it (and the other way on transmit), and the
 * mbuf pools use a mempool driver of this file (a mutex-guarded stack)
 * instead of librte_mempool_ring's.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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
#include <rte_mempool.h>
#include <rte_ring.h>

#include <vmknet/fdb.h>
#include <vmknet/port.h>
#include <vmknet/vswitch.h>

#include "vswitch/dp.h"

#include "support/cunit_run.h"
#include "support/ringport.h"

#define NP        4           /* fixed ports; one more comes and goes */
#define UPLINK    3           /* rp[] index of the uplink */
#define N_ROUNDS  1000
#define N_MACS    64
#define N_POOL    8191
#define TAG_MAGIC 0xa5        /* payload byte 0; byte 1: the rp[] index it entered by */

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRESS_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define STRESS_TSAN 1
#endif
#ifdef STRESS_TSAN
#include <sanitizer/tsan_interface.h>
#define hb_release(a) __tsan_release(a)
#define hb_acquire(a) __tsan_acquire(a)
#else
#define hb_release(a) ((void)(a))
#define hb_acquire(a) ((void)(a))
#endif

/* Happens-before across the net_ring PMD: into the switch, out of it. */
static char sync_in, sync_out;

static uint16_t rx_seen(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
			uint16_t max, void *arg)
{
	RTE_SET_USED(port);
	RTE_SET_USED(queue);
	RTE_SET_USED(pkts);
	RTE_SET_USED(max);
	RTE_SET_USED(arg);
	if (n > 0)
		hb_acquire(&sync_in);
	return n;
}

static uint16_t tx_seen(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
			void *arg)
{
	RTE_SET_USED(port);
	RTE_SET_USED(queue);
	RTE_SET_USED(pkts);
	RTE_SET_USED(arg);
	hb_release(&sync_out);
	return n;
}

/* A mempool driver whose synchronisation is compiled here: a stack of
 * objects under a pthread mutex (which TSan intercepts). */
struct stack_pool {
	pthread_mutex_t lock;
	unsigned int n, size;
	void *objs[];
};

static int stack_alloc(struct rte_mempool *mp)
{
	struct stack_pool *s = calloc(1, sizeof(*s) + mp->size * sizeof(void *));

	if (s == NULL)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->size = mp->size;
	mp->pool_data = s;
	return 0;
}

static void stack_free(struct rte_mempool *mp)
{
	struct stack_pool *s = mp->pool_data;

	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int stack_enqueue(struct rte_mempool *mp, void * const *objs, unsigned int n)
{
	struct stack_pool *s = mp->pool_data;
	int ret = -ENOBUFS;

	pthread_mutex_lock(&s->lock);
	if (s->n + n <= s->size) {
		memcpy(&s->objs[s->n], objs, n * sizeof(void *));
		s->n += n;
		ret = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int stack_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
	struct stack_pool *s = mp->pool_data;
	int ret = -ENOBUFS;

	pthread_mutex_lock(&s->lock);
	if (s->n >= n) {
		s->n -= n;
		memcpy(objs, &s->objs[s->n], n * sizeof(void *));
		ret = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static unsigned int stack_count(const struct rte_mempool *mp)
{
	struct stack_pool *s = mp->pool_data;
	unsigned int n;

	pthread_mutex_lock(&s->lock);
	n = s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static const struct rte_mempool_ops stack_ops = {
	.name = "vmk_stress_stack",
	.alloc = stack_alloc,
	.free = stack_free,
	.enqueue = stack_enqueue,
	.dequeue = stack_dequeue,
	.get_count = stack_count,
};
RTE_MEMPOOL_REGISTER_OPS(stack_ops);

struct ringport {
	struct rte_ring *to_switch, *from_switch;
	uint16_t port_id;
	uint32_t vs_port;
};

static struct rte_mempool *pool, *clone_pool;
static struct vs_dp *dp;
static struct vmk_vswitch *vs;
static struct ringport rp[NP + 1];
/* Group of each rp[] index ('U': the uplink), and what the checks counted. */
static const char group_of[NP + 1] = { 'A', 'A', 'B', 'U', 'A' };
static uint64_t injected[NP + 1], drained[NP + 1], misdelivered;

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
	if (rte_eth_add_rx_callback(rp[i].port_id, 0, rx_seen, NULL) == NULL ||
	    rte_eth_add_tx_callback(rp[i].port_id, 0, tx_seen, NULL) == NULL)
		return -1;
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
		p[14] = TAG_MAGIC;
		p[15] = (uint8_t)from;
	}
	hb_release(&sync_in);
	n = rte_ring_enqueue_burst(rp[from].to_switch, (void **)m, n, NULL);
	injected[from] += n;
	for (unsigned int i = n; i < RTE_DIM(m); i++)
		rte_pktmbuf_free(m[i]);
}

/* Whether a frame port `to` emitted may have come from port `from`, and is
 * tagged as it should be on the way out. */
static bool delivery_ok(unsigned int to, const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int off = 14, from;
	uint16_t vid = 0;

	if (rte_pktmbuf_data_len(m) < 22)
		return false;
	if (p[12] == 0x81 && p[13] == 0x00) {
		vid = (uint16_t)(((p[14] << 8) | p[15]) & 0xfff);
		off = 18;
	}
	if (p[off] != TAG_MAGIC || p[off + 1] >= NP)
		return false;
	from = p[off + 1];
	if (from == to)
		return false;                   /* never back out where it came in */
	if (group_of[to] == 'U')                /* B's frames tagged, A's not */
		return group_of[from] == 'B' ? vid == 20 || vid == 30 : vid == 0;
	if (vid != 0)
		return false;                   /* access ports get untagged frames */
	return group_of[from] == group_of[to] || (group_of[from] == 'U' && group_of[to] == 'A');
}

static unsigned int drain(unsigned int n_ports)
{
	unsigned int got = 0;

	for (unsigned int i = 0; i < n_ports; i++) {
		struct rte_mbuf *m[64];
		unsigned int k;

		while ((k = rte_ring_dequeue_burst(rp[i].from_switch, (void **)m, 64, NULL)) > 0) {
			hb_acquire(&sync_out);
			got += k;
			drained[i] += k;
			for (unsigned int j = 0; j < k; j++)
				misdelivered += !delivery_ok(i, m[j]);
			rte_pktmbuf_free_bulk(m, k);
		}
	}
	return got;
}

/* The fixed ports' counters against the test's: every frame injected was
 * received, every frame a port handed back had been counted sent. */
static void check_counts(void)
{
	for (unsigned int i = 0; i < NP; i++) {
		struct vmk_port_stats st;

		CU_ASSERT_EQUAL_FATAL(vmk_port_get_stats(vs, rp[i].vs_port, &st), 0);
		CU_ASSERT_EQUAL(rte_ring_count(rp[i].to_switch), 0);
		CU_ASSERT_EQUAL(st.rx_packets, injected[i]);
		CU_ASSERT_EQUAL(st.tx_packets, drained[i]);
		if (st.rx_packets != injected[i] || st.tx_packets != drained[i])
			printf("\n  port %u: rx %lu of %lu injected, tx %lu, %lu drained\n", i,
			       (unsigned long)st.rx_packets, (unsigned long)injected[i],
			       (unsigned long)st.tx_packets, (unsigned long)drained[i]);
	}
}

/* After the churn: frames from s0 to a MAC registered on s1 reach s1, all of
 * them, and no other port. */
static void check_unicast_exact(void)
{
	struct rte_mbuf *m[32];
	uint64_t before[NP + 1];
	uint8_t dst[6];

	mac_of(dst, 2000);
	CU_ASSERT_EQUAL_FATAL(vmk_fdb_register(vs, 0, dst, rp[1].vs_port), 0);
	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_alloc_bulk(pool, m, RTE_DIM(m)), 0);
	for (unsigned int n = 0; n < RTE_DIM(m); n++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[n], 64);

		memset(p, 0, 64);
		memcpy(p, dst, 6);
		mac_of(p + 6, 2001);
		p[12] = 0x08;
		p[14] = TAG_MAGIC;
		p[15] = 0;
	}
	memcpy(before, drained, sizeof(before));
	hb_release(&sync_in);
	CU_ASSERT_EQUAL_FATAL(rte_ring_enqueue_bulk(rp[0].to_switch, (void **)m, RTE_DIM(m), NULL),
			      RTE_DIM(m));
	injected[0] += RTE_DIM(m);
	for (unsigned int t = 0; t < 100 && drained[1] - before[1] < RTE_DIM(m); t++) {
		rte_delay_ms(2);
		drain(NP + 1);
	}
	rte_delay_ms(10);
	drain(NP + 1);
	for (unsigned int i = 0; i <= NP; i++)
		CU_ASSERT_EQUAL(drained[i] - before[i], i == 1 ? RTE_DIM(m) : 0);
	CU_ASSERT_EQUAL(vmk_fdb_remove(vs, 0, dst), 0);
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

	pool = rte_pktmbuf_pool_create_by_ops("stress_pool", N_POOL, 64, 0,
					      RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY,
					      stack_ops.name);
	clone_pool = rte_pktmbuf_pool_create_by_ops("stress_clone", 1023, 32, 0, 0,
						    SOCKET_ID_ANY, stack_ops.name);
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
	check_counts();
	check_unicast_exact();
	CU_ASSERT_EQUAL(misdelivered, 0);
	dp_destroy(dp);
	drain(NP + 1);
	/* Every mbuf is back: nothing the switch held was lost. */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), N_POOL);
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
	CU_pSuite s;
	int rc;

	(void)argc;
	if (th_eal_init_alone(argv[0], "stress") < 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vswitch_stress", NULL, NULL);
	CU_add_test(s, "test_forwarding_survives_concurrent_control_changes",
		    test_forwarding_survives_concurrent_control_changes);
	rc = th_cunit_run();
	rte_eal_cleanup();
	return rc;
}
