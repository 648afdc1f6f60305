/*
 * Transmit offloads finished in software, for ports that cannot take them.
 *
 * A vmknic's TCP leaves a segment's checksum to RTE_MBUF_F_TX_TCP_CKSUM and
 * sends up to 64 KiB of data as one frame marked RTE_MBUF_F_TX_TCP_SEG
 * (tso_segsz: payload per wire segment), as to a NIC with TSO. Another
 * vmknic takes such a frame whole (port_ops.tx_offload); for an uplink or a
 * guest port the switch cuts it into wire segments with their IPv4 and TCP
 * checksums first, as Linux's GSO does for a device without TSO.
 *
 * Threading: any worker; state is the caller's.
 */
#ifndef VMK_VSWITCH_OFFLOAD_H
#define VMK_VSWITCH_OFFLOAD_H

#include <stdint.h>

#include <rte_mbuf.h>

/* ol_flags bits that ask the transmitting port for work. */
#define OFFLOAD_TX_WORK (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK)

/*
 * Finish m's transmit offloads: write m itself (checksum filled in, on a
 * private copy if m is shared) or its wire segments to out (at most max:
 * the caller gives room for offload_max_frames(m)), clear the offload
 * flags, and return how many frames were written. Consumes m in every
 * case: on failure it is freed and the result is -ENOBUFS (no mbuf) or
 * -EINVAL (headers not Ethernet/IPv4/TCP in the first segment, or more
 * segments than max); the caller counts the drop.
 */
int offload_finish(struct rte_mbuf *m, struct rte_mempool *pool, struct rte_mbuf **out,
		   unsigned int max);

/* How many frames offload_finish can make of m (1 without TSO). */
unsigned int offload_max_frames(const struct rte_mbuf *m);

#endif
