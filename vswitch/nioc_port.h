/*
 * Network I/O Control on the uplinks (vswitch/nioc_port.c): the host's
 * NIOC table (include/vmknet/traffic.h), one scheduler (nioc.h) per
 * scheduled uplink, and how frames reach it.
 *
 * Ownership: each scheduled uplink has one owner worker, the only thread
 * that touches its scheduler and sends its scheduled frames (on the
 * owner's own tx queue). A worker that is not the owner hands its frames
 * over through a bounded multi-producer, single-consumer rte_ring; the
 * owner drains it every loop. No lock, no allocation per frame.
 *
 * Publication: the control thread (dp->lock held) builds the per-uplink
 * state, publishes it on the port (vs_port.nioc, read by transmit) and in
 * each owner's list (worker.nioc), and frees what it replaced after an RCU
 * grace period. New parameters go to a running scheduler by a published
 * block with a generation, which the owner applies at its next loop.
 */
#ifndef VMK_VSWITCH_NIOC_PORT_H
#define VMK_VSWITCH_NIOC_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <vmknet/traffic.h>


struct rte_mbuf;
struct vs_dp;
struct vs_port;
struct vs_nioc;

/* The host's table (in struct vs_dp, guarded by dp->lock). */
struct dp_nioc {
	bool enabled;
	struct vmk_nioc_class cls[VMK_TC_COUNT];
	uint64_t gen;                   /* bumped by every change */
};

/* What one worker schedules: RCU-published in struct worker. */
struct nioc_list {
	uint32_t n;
	struct vs_nioc *e[];
};

/* vSphere's defaults: normal shares, virtualMachine high; off. */
void dp_nioc_init(struct dp_nioc *t);

/* Check t against every uplink's capacity and make it the host's, then
 * apply it. 0 or -EINVAL (the reason names the uplink) / -ENOMEM; on a
 * refusal nothing changes. Takes dp->lock. */
int dp_nioc_set(struct vs_dp *dp, const struct dp_nioc *t);

/* The host's table. Takes dp->lock. */
void dp_nioc_get(struct vs_dp *dp, struct dp_nioc *out);

/* dp_nioc_apply, dp_nioc_port_detach and dp_nioc_workers_stopped, which
 * need dp->lock held, are declared in dp.h (after struct vs_dp). */

/* Worker: how many of the k frames for the uplink n schedules may leave
 * at once (a prefix; nioc.h's nioc_admit: only when nothing waits, and
 * only on the owner); the caller sends them as an unscheduled uplink's,
 * then hands the rest to nioc_port_tx. cls NULL: all virtualMachine, of
 * bytes bytes in all (then all or none). */
uint16_t nioc_port_admit(struct vs_nioc *n, unsigned int widx, struct rte_mbuf *const *pkts,
			 const uint8_t *cls, uint16_t k, uint64_t bytes);

/* Worker: frames for uplink p, which is scheduled by n, with their
 * classes; they become NIOC's (queued, sent, or freed and counted). */
void nioc_port_tx(struct vs_nioc *n, struct vs_port *p, unsigned int widx,
		  struct rte_mbuf **pkts, uint8_t *cls, uint16_t k);

/* Worker: serve every uplink this worker owns (the loop's last step). */
void nioc_worker_poll(const struct nioc_list *l, unsigned int widx);

#endif
