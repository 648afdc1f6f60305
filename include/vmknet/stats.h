/*
 * Per-port counters and drop reasons.
 *
 * Every frame the switch does not deliver is counted once, on the port and
 * direction where it was given up, with the reason.
 */
#ifndef VMKNET_STATS_H
#define VMKNET_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

enum vmk_drop_reason {
	VMK_DROP_NO_MBUF = 0, /* no buffer: PMD rx_nombuf, or a flood copy failed */
	VMK_DROP_VLAN,        /* tag not allowed on this port, or no port carries the VLAN */
	VMK_DROP_MTU,         /* frame longer than the vSwitch MTU */
	VMK_DROP_TXQ_FULL,    /* the port's tx queue refused it */
	VMK_DROP_FDB_FULL,    /* source MAC not learned: table full (frame still
	                       * forwarded; counted so a full table is visible) */
	VMK_DROP_MALFORMED,   /* runt, truncated VLAN header, bad source MAC */
	VMK_DROP_FILTERED,    /* destination is the ingress port, or uplink to uplink */
	VMK_DROP_RX_MISSED,   /* the device's rx queue overflowed (not polled in time) */
	VMK_DROP_SECURITY,    /* security policy: forged transmit (rx), MAC change (tx) */
	VMK_DROP_SHAPED,      /* over the port group's traffic-shaping profile */
	VMK_DROP_NO_UPLINK,   /* bound for the physical network, no uplink of the team up */
	VMK_DROP_MAX
};

/* Short stable name of a reason ("no_mbuf", "vlan", ...); "unknown" if out of range. */
const char *vmk_drop_reason_name(enum vmk_drop_reason reason);

struct vmk_port_stats {
	uint64_t rx_packets;   /* frames received from the port into the switch */
	uint64_t rx_bytes;
	uint64_t tx_packets;   /* frames the port accepted for transmit */
	uint64_t tx_bytes;
	uint64_t rx_multicast; /* of rx_packets: multicast and broadcast */
	uint64_t rx_drops[VMK_DROP_MAX]; /* given up on receive, by reason */
	uint64_t tx_drops[VMK_DROP_MAX]; /* given up on transmit, by reason */
};

/* Frames dropped in one direction: the per-reason counters summed, except
 * VMK_DROP_FDB_FULL (those frames were still forwarded). */
uint64_t vmk_port_stats_rx_dropped(const struct vmk_port_stats *s);
uint64_t vmk_port_stats_tx_dropped(const struct vmk_port_stats *s);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
