/*
 * NIC teaming on the data path: which one uplink a port's frames leave by.
 *
 * A team (in the view, per port) lists active and standby uplink slots in
 * order. Link state comes from the link monitor (link_monitor.c), which
 * writes each uplink's `link_up` and `demoted` flags, and from beacon
 * probing (beacon.c) `beacon_failed`; the data path only reads them, so a
 * failover takes effect at the next frame.
 */
#ifndef VMK_VSWITCH_TEAMING_H
#define VMK_VSWITCH_TEAMING_H

#include <stdbool.h>
#include <stdint.h>

#include <vmknet/policy.h>

struct vs_team {
	uint8_t lb;                 /* enum vmk_load_balancing */
	bool notify;
	bool failback;
	bool beacon;                /* beacon probing: skips beacon-failed uplinks */
	uint8_t n_active, n_standby;
	uint16_t active[VMK_TEAM_MAX_UPLINKS];
	uint16_t standby[VMK_TEAM_MAX_UPLINKS];
};

#endif
