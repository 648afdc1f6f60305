/*
 * Workers: DPDK lcores that poll rx queues, switch each burst and flush tx.
 * Each worker reads an RCU-published poll list built by the control thread;
 * it reports a quiescent state between bursts, never inside one.
 */
#ifndef VMK_VSWITCH_WORKER_H
#define VMK_VSWITCH_WORKER_H

#include <stdint.h>

#include <rte_common.h>

struct vs_dp;
struct vs_port;
struct nioc_list;

struct poll_entry {
	struct vs_port *port;
	uint16_t qid;
};

struct poll_list {
	uint32_t n;
	struct poll_entry e[];
};

struct worker {
	struct vs_dp *dp;
	unsigned int idx;          /* 0..n_workers-1: tx queue and stats index */
	unsigned int lcore;
	uint32_t stop;             /* set by the control thread */
	struct poll_list *polls;   /* RCU-published */
	struct nioc_list *nioc;    /* RCU-published: the uplinks it schedules */
	uint64_t n_loops;
	uint64_t n_busy_loops;     /* loops that received something */
	uint64_t n_packets;        /* frames received */
	uint64_t busy_cycles;      /* TSC cycles of loops that received */
	uint64_t idle_cycles;      /* TSC cycles of empty loops */
} __rte_cache_aligned;

/* The lcore entry point (arg: struct worker *). */
int worker_main(void *arg);


/* Free every worker's poll list (workers stopped). */
void workers_free_polls(struct vs_dp *dp);

#endif
