/*
 * The link monitor thread (link_monitor.c): uplink link state, failover
 * bookkeeping and "notify switches".
 */
#ifndef VMK_VSWITCH_LINK_MONITOR_H
#define VMK_VSWITCH_LINK_MONITOR_H

struct vmk_host;

/* last_uplink of a port the monitor has not looked at yet. */
#define LINK_UPLINK_UNKNOWN (-2)

/* Start the host's monitor thread. Returns 0 or a negative errno. */
int link_monitor_start(struct vmk_host *h);

/* Stop it and wait for it (no-op when not running). Not under the host lock. */
void link_monitor_stop(struct vmk_host *h);

#endif
