/*
 * A split virtqueue seen from the device side: the data path of a guest
 * port (vswitch/port_vhost.c), which copies frames between the guest's
 * buffers and the switch's mbufs itself instead of going through DPDK's
 * vhost PMD and rte_vhost's generic burst functions (see
 * docs/ARCHITECTURE.md, "Guest ports").
 *
 * Everything the guest wrote (ring indexes, descriptors, addresses, lengths)
 * is untrusted: a bad descriptor costs its frame (counted) and the buffer is
 * handed back, a ring whose indexes make no sense is marked broken and no
 * longer served; nothing here reads or writes outside the guest's memory
 * regions.
 *
 * Threading: one thread at a time per vring (the port serialises them);
 * nothing here locks, allocates from the heap or sleeps.
 */
#ifndef VMK_VSWITCH_VRING_H
#define VMK_VSWITCH_VRING_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_ring.h>
#include <rte_mbuf.h>

/* vhost-user allows 8 regions (more with CONFIGURE_MEM_SLOTS; refused). */
#define VRING_MAX_REGIONS 8

/* The guest's memory as mapped in this process. */
struct vring_mem {
	uint32_t n;
	struct vring_region {
		uint64_t gpa;    /* guest-physical start */
		uint64_t size;
		uint64_t hva;    /* where it is mapped here */
	} r[VRING_MAX_REGIONS];
};

struct vring_stats {
	uint64_t malformed;  /* bad descriptor chain, address outside the guest */
	uint64_t no_mbuf;    /* pool empty: frames left in the guest's ring */
	uint64_t too_big;    /* frame larger than the guest's buffers (or max_frame) */
	uint64_t calls;      /* interrupts sent to the guest (eventfd writes) */
};

struct vqueue {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	const struct vring_mem *mem;
	uint16_t size;           /* power of two */
	uint16_t last_avail;     /* next avail entry to take */
	uint16_t last_used;      /* next used entry to write */
	uint16_t hdr_len;        /* virtio-net header: 10 or 12 bytes */
	bool mrg_rxbuf;          /* guest rx: a frame may span several buffers */
	bool event_idx;          /* VIRTIO_RING_F_EVENT_IDX */
	bool broken;             /* indexes made no sense: not served again */
	int callfd;              /* eventfd to interrupt the guest, or -1 */
	/* Live migration: guest memory written is logged (rte_vhost). */
	bool log;
	int vid;
	uint16_t vring_idx;
	uint32_t max_frame;      /* guest tx: longer frames are dropped */
	struct vring_stats st;
};

/*
 * Guest tx: take up to n frames from the ring into new mbufs of mp
 * (chained when larger than one mbuf). The caller owns the returned mbufs.
 * Frames whose descriptors are bad are dropped and counted, their buffers
 * returned to the guest.
 */
uint16_t vring_dequeue(struct vqueue *vr, struct rte_mempool *mp, struct rte_mbuf **pkts,
		       uint16_t n);

/*
 * Guest rx: copy up to n frames into the guest's buffers. Takes (and frees)
 * the first <return> mbufs, including any too large for the guest's buffers
 * (counted in st.too_big); the caller keeps the rest (the ring is full).
 */
uint16_t vring_enqueue(struct vqueue *vr, struct rte_mbuf **pkts, uint16_t n);

#endif
