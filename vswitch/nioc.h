/*
 * Network I/O Control on one uplink: a scheduler of what the host sends
 * through a physical adapter, by traffic class (vSphere NIOC v3's model):
 * each class has shares (1..100), a reservation and a limit (bits per
 * second; limit 0: none); the uplink has a capacity (its link speed).
 *
 * What it guarantees, over any interval longer than a few tens of
 * milliseconds (its buckets hold 10 ms of their rates, nioc.c):
 *   - the uplink never sends faster than its capacity;
 *   - a class never exceeds its limit;
 *   - a backlogged class gets at least its reservation (the sum of the
 *     reservations is bounded by 75% of the capacity, as vSphere does);
 *   - what the reservations leave is shared among the backlogged classes
 *     in proportion to their shares (deficit round robin, a quantum of
 *     NIOC_QUANTUM_PER_SHARE bytes a share), so a class alone may use the
 *     whole uplink up to its limit.
 * Rates are kept with token buckets in byte-ticks (bytes x TSC Hz), as the
 * shaper does (shaper.h), so nothing drifts.
 *
 * Why not rte_sched: its pipes are scheduled round robin with a rate per
 * pipe and its traffic classes by strict priority (only the best-effort
 * class has weights, over 4 queues); vSphere's "shares of what the
 * reservations leave" over 9 classes is neither, and emulating it with
 * per-pipe rates would need the rates recomputed whenever a class starts
 * or stops sending. rte_meter's token buckets would fit the limit, but a
 * bucket of the same arithmetic as the shaper's keeps one convention.
 *
 * Threading: a scheduler belongs to the one worker that sends to its
 * uplink: enqueue, dequeue and the counters are that worker's; no lock,
 * and no allocation after nioc_create. New parameters are handed over
 * with nioc_set_params from the same thread (the caller publishes them
 * the way it publishes the rest of its view).
 */
#ifndef VMK_VSWITCH_NIOC_H
#define VMK_VSWITCH_NIOC_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;

#define NIOC_CLASSES            9      /* enum vmk_traffic_class */
#define NIOC_QUANTUM_PER_SHARE  256u   /* bytes a DRR round gives a share */
#define NIOC_QLEN_DEFAULT       1024u  /* frames queued per class */
#define NIOC_RESERVABLE_PCT     75u    /* of the capacity, all classes */

struct nioc_class_params {
	uint32_t shares;              /* 1..100 (low 25, normal 50, high 100) */
	uint64_t reservation_bps;     /* bits/s guaranteed while backlogged */
	uint64_t limit_bps;           /* bits/s at most; 0: no limit */
};

struct nioc_params {
	uint64_t capacity_bps;        /* the uplink's link speed, > 0 */
	struct nioc_class_params cls[NIOC_CLASSES];
};

struct nioc_class_stats {
	uint64_t packets, bytes;      /* sent */
	uint64_t drops;               /* refused by nioc_enqueue: its queue was full */
	uint32_t queued;              /* frames waiting now */
};

struct nioc_sched;

/* Check p: capacity set, shares 1..100, limits >= reservations, the sum
 * of reservations <= NIOC_RESERVABLE_PCT % of the capacity. 0 or -EINVAL
 * with the reason (common/error.h) naming the class index. */
int nioc_params_check(const struct nioc_params *p);

/* A scheduler with qlen frames of queue per class (a power of two is not
 * needed). 0, -EINVAL (bad p or qlen 0) or -ENOMEM. */
int nioc_create(const struct nioc_params *p, uint32_t qlen, int socket_id,
		struct nioc_sched **out);

/* Free the scheduler and every frame still queued in it. NULL ok. */
void nioc_destroy(struct nioc_sched *s);

/* New parameters (checked as nioc_params_check); queued frames stay.
 * 0 or -EINVAL (then the old ones go on). */
int nioc_set_params(struct nioc_sched *s, const struct nioc_params *p);

/* Queue frames: pkts[i] of class cls[i] (>= NIOC_CLASSES counts as the
 * last class). The queued frames become the scheduler's; those whose
 * class queue is full stay the caller's (to free and count), moved with
 * their classes to pkts[ret..n-1] and cls[ret..n-1], and are counted in
 * the class's drops. n is a burst (it sizes a stack array).
 * Returns how many were queued. */
unsigned int nioc_enqueue(struct nioc_sched *s, struct rte_mbuf **pkts, uint8_t *cls,
			  unsigned int n);

/* The frames that may leave now (at TSC tsc, hz ticks a second), at most
 * max, in out, and their classes in cls. They become the caller's: it
 * sends them, and hands what the device does not take back with nioc_hold
 * (or frees it). */
unsigned int nioc_dequeue(struct nioc_sched *s, uint64_t tsc, uint64_t hz,
			  struct rte_mbuf **out, uint8_t *cls, unsigned int max);

/* Frames that may leave at once, without a queue: when nothing is queued
 * or held (no class waits, so none can be wronged), as many of pkts[0..n-1]
 * (classes cls) as the capacity's and their classes' limit buckets hold, in
 * order; they are charged and counted as sent, and stay the caller's to
 * send. Returns how many, 0 whenever something is queued. */
unsigned int nioc_admit(struct nioc_sched *s, uint64_t tsc, uint64_t hz,
			struct rte_mbuf *const *pkts, const uint8_t *cls, unsigned int n);

/* The same for n frames of one class cls and bytes bytes in all: all of
 * them or none. */
bool nioc_admit_burst(struct nioc_sched *s, uint64_t tsc, uint64_t hz, uint8_t cls,
		      unsigned int n, uint64_t bytes);

/* Give back n frames (and their classes, as nioc_dequeue gave them) that
 * the device refused: their tokens stay spent and they leave first on the
 * next dequeue, no longer counted as sent until then. At most
 * NIOC_HOLD_MAX are held: returns how many were kept, pkts[0..ret-1];
 * the rest stay the caller's (to free and count). */
#define NIOC_HOLD_MAX 64u
unsigned int nioc_hold(struct nioc_sched *s, struct rte_mbuf **pkts, const uint8_t *cls,
		       unsigned int n);

/* Frames waiting, all classes (held ones included). */
unsigned int nioc_backlog(const struct nioc_sched *s);

/* Counters of class c (0..NIOC_CLASSES-1). */
void nioc_class_stats(const struct nioc_sched *s, unsigned int c, struct nioc_class_stats *out);

#endif
