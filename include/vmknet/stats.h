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
#define VMK_DROP_REASON(sym, name, doc) VMK_DROP_##sym,
#include <vmknet/switch_drops.def>
#undef VMK_DROP_REASON
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
	uint64_t announces;    /* guest ports: RARPs announcing the VM's MAC, sent
	                        * out of the team's uplink when the port's link
	                        * came up, and those QEMU asked for (SEND_RARP,
	                        * also counted in rx_packets) */
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
