/*
 * The worker poll loop and the assignment of rx queues to workers.
 *
 * A worker loops: read the clock, rx burst each of its queues and switch the
 * burst (which also flushes tx), do housekeeping (FDB aging, worker 0 only),
 * then report a quiescent state. Nothing here locks, allocates or makes a
 * system call; the control thread changes what a worker does only by
 * publishing a new poll list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include <vmknet/host.h>

#include "common/clock.h"
#include "vswitch/dp.h"
#include "common/log.h"
#include "vswitch/vswitch.h"
#include "vswitch/worker.h"

/* One full aging sweep of every table takes about this long. */
#define AGING_SWEEP_MS 1000

static void worker_housekeeping(struct worker *w, uint32_t now)
{
	struct vs_dp *dp = w->dp;

	if (w->idx != 0)
		return;
	for (unsigned int i = 0; i < VMK_MAX_VSWITCHES; i++) {
		struct vmk_vswitch *vs = __atomic_load_n(&dp->vswitches[i], __ATOMIC_ACQUIRE);
		struct fdb *f;

		if (vs == NULL)
			continue;
		f = __atomic_load_n(&vs->fdb, __ATOMIC_ACQUIRE);
		fdb_age(f, now, fdb_n_buckets(f) / AGING_SWEEP_MS + 1);
	}
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct vs_dp *dp = w->dp;
	struct vs_burst bursts[2];
	uint64_t tsc = rte_rdtsc(), tsc_prev;
	uint32_t last_hk = (uint32_t)(tsc / vmk_clock_tsc_per_ms);
	bool busy = false;

	rte_rcu_qsbr_thread_online(dp->qsbr, w->idx);
	VMK_LOG(DEBUG, host, "worker %u on lcore %u running", w->idx, w->lcore);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		const struct poll_list *pl = __atomic_load_n(&w->polls, __ATOMIC_ACQUIRE);
		struct vs_burst *prev = NULL;
		unsigned int k = 0;
		uint32_t now;

		/* One TSC read a loop: it ends the last loop's accounting and
		 * gives this loop its clock. */
		tsc_prev = tsc;
		tsc = rte_rdtsc();
		if (busy)
			w->busy_cycles += tsc - tsc_prev;
		else
			w->idle_cycles += tsc - tsc_prev;
		now = (uint32_t)(tsc / vmk_clock_tsc_per_ms);
		busy = false;

		/* Receive and classify a queue's burst, then finish the one
		 * before it: its FDB prefetches had this rx burst to land. */
		for (uint32_t i = 0; pl != NULL && i < pl->n; i++) {
			struct vs_port *p = pl->e[i].port;
			struct vs_burst *cur = &bursts[k];
			uint16_t n = p->ops->rx_burst(p, pl->e[i].qid, cur->pkts, VS_BURST);

			if (n == 0)
				continue;
			busy = true;
			w->n_packets += n;
			vs_burst_prepare(cur, p->vs, p, pl->e[i].qid, cur->pkts, n, w->idx, tsc);
			if (prev != NULL)
				vs_burst_finish(prev, w->idx, now);
			prev = cur;
			k ^= 1;
		}
		if (prev != NULL)
			vs_burst_finish(prev, w->idx, now);
		/* The uplinks it schedules: other workers' frames, and what
		 * the rates held back. */
		nioc_worker_poll(__atomic_load_n(&w->nioc, __ATOMIC_ACQUIRE), w->idx);
		w->n_loops++;
		w->n_busy_loops += busy;
		if (now != last_hk) {
			last_hk = now;
			worker_housekeeping(w, now);
		}
		rte_rcu_qsbr_quiescent(dp->qsbr, w->idx);
		if (!busy && pl == NULL)
			rte_pause();
	}
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->idx);
	return 0;
}

/* Assign every (port, queue) of the datapath round-robin over the workers,
 * continuing the rotation across ports so queue 0s spread out. */
int workers_rebalance(struct vs_dp *dp)
{
	struct poll_list *lists[VMK_MAX_WORKERS] = { 0 };
	struct poll_list *old[VMK_MAX_WORKERS];
	unsigned int nw = dp->n_workers, total = 0, next = 0;

	if (nw == 0)
		return 0;
	for (unsigned int v = 0; v < VMK_MAX_VSWITCHES; v++) {
		struct vmk_vswitch *vs = dp->vswitches[v];

		for (uint32_t s = 0; vs != NULL && s < vs->n_slots; s++)
			if (vs->ports[s] != NULL)
				total += vs->ports[s]->n_rxq;
	}
	for (unsigned int i = 0; i < nw; i++) {
		lists[i] = calloc(1, sizeof(struct poll_list) + total * sizeof(struct poll_entry));
		if (lists[i] == NULL) {
			for (unsigned int j = 0; j < i; j++)
				free(lists[j]);
			return -ENOMEM;
		}
	}
	for (unsigned int v = 0; v < VMK_MAX_VSWITCHES; v++) {
		struct vmk_vswitch *vs = dp->vswitches[v];

		for (uint32_t s = 0; vs != NULL && s < vs->n_slots; s++) {
			struct vs_port *p = vs->ports[s];

			for (uint16_t q = 0; p != NULL && q < p->n_rxq; q++) {
				struct poll_list *pl = lists[next];

				pl->e[pl->n].port = p;
				pl->e[pl->n].qid = q;
				pl->n++;
				next = (next + 1) % nw;
			}
		}
	}
	for (unsigned int i = 0; i < nw; i++)
		old[i] = __atomic_exchange_n(&dp->workers[i].polls, lists[i], __ATOMIC_ACQ_REL);
	dp_rcu_synchronize(dp);
	for (unsigned int i = 0; i < nw; i++)
		free(old[i]);
	return 0;
}

int dp_worker_stats(struct vs_dp *dp, unsigned int idx,
		    struct vmk_worker_stats *out)
{
	const struct worker *w;

	if (dp == NULL || out == NULL)
		return -EINVAL;
	if (idx >= dp->n_workers)
		return -ENOENT;
	w = &dp->workers[idx];
	memset(out, 0, sizeof(*out));
	out->lcore = w->lcore;
	out->loops = __atomic_load_n(&w->n_loops, __ATOMIC_RELAXED);
	out->busy_loops = __atomic_load_n(&w->n_busy_loops, __ATOMIC_RELAXED);
	out->packets = __atomic_load_n(&w->n_packets, __ATOMIC_RELAXED);
	out->busy_cycles = __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED);
	out->idle_cycles = __atomic_load_n(&w->idle_cycles, __ATOMIC_RELAXED);
	out->tsc_hz = rte_get_tsc_hz();
	return 0;
}

void workers_free_polls(struct vs_dp *dp)
{
	for (unsigned int i = 0; i < VMK_MAX_WORKERS; i++) {
		free(dp->workers[i].polls);
		dp->workers[i].polls = NULL;
	}
}
