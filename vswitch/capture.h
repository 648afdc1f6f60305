/*
 * Capture hook of the data path (capture.c): the switch calls
 * capture_frames() for a port only when that port has a capture attached
 * (vs_port.capture non-NULL), once per burst and direction.
 */
#ifndef VMK_VSWITCH_CAPTURE_H
#define VMK_VSWITCH_CAPTURE_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <vmknet/capture.h>

/* Copy the frames of pkts that match c's filter and direction into its
 * ring (the originals are untouched). Worker context: no locks, no heap. */
void capture_frames(struct vmk_capture *c, struct rte_mbuf *const *pkts, uint16_t n,
		    uint8_t dir, uint64_t tsc);

#endif
