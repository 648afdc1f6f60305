/*
 * 802.1Q on the data path: classify a frame's VLAN, and push or pop a tag in
 * place. In-place edits need a direct mbuf the caller owns alone (refcnt 1);
 * vlan_reencap() makes a new frame for shared (flooded) ones.
 */
#ifndef VMK_VSWITCH_VLAN_H
#define VMK_VSWITCH_VLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define VLAN_TPID_BE RTE_BE16(RTE_ETHER_TYPE_VLAN)
#define VLAN_VID_MASK 0x0fff

/*
 * Read the frame's tag. Returns 0 and sets *vid (0 when untagged or priority
 * tagged) and *tagged, or -1 for a runt (< 14 bytes) or a truncated tag
 * (< 18 bytes). The headers must sit in the first segment.
 */
static inline int vlan_parse(const struct rte_mbuf *m, uint16_t *vid, bool *tagged)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN))
		return -1;
	if (eth->ether_type != VLAN_TPID_BE) {
		*vid = 0;
		*tagged = false;
		return 0;
	}
	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr)))
		return -1;
	const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eth + 1);
	*vid = rte_be_to_cpu_16(vh->vlan_tci) & VLAN_VID_MASK;
	*tagged = true;
	return 0;
}

/* Write TPID and TCI (PCP 0) at p, the byte after the two MAC addresses. */
static inline void vlan_write_tag(uint8_t *p, uint16_t vid)
{
	rte_be16_t tag[2] = { VLAN_TPID_BE, rte_cpu_to_be_16(vid & VLAN_VID_MASK) };

	memcpy(p, tag, sizeof(tag));
}

/* Rewrite the VID of a tagged frame in place, keeping PCP and DEI. */
static inline void vlan_set_vid(struct rte_mbuf *m, uint16_t vid)
{
	uint8_t *tci = rte_pktmbuf_mtod(m, uint8_t *) + 2 * RTE_ETHER_ADDR_LEN + 2;

	tci[0] = (uint8_t)((tci[0] & 0xf0) | ((vid >> 8) & 0x0f));
	tci[1] = (uint8_t)vid;
}

/* Insert a tag with this VID (PCP 0) after the MAC addresses.
 * Returns 0, or -ENOSPC when the mbuf has no 4 bytes of headroom. */
static inline int vlan_push(struct rte_mbuf *m, uint16_t vid)
{
	uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(m, sizeof(struct rte_vlan_hdr));

	if (unlikely(p == NULL))
		return -ENOSPC;
	memmove(p, old, 2 * RTE_ETHER_ADDR_LEN);
	vlan_write_tag(p + 2 * RTE_ETHER_ADDR_LEN, vid);
	return 0;
}

/* Remove the tag (the frame must be tagged, headers in the first segment). */
static inline void vlan_pop(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	memmove(p + sizeof(struct rte_vlan_hdr), p, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
}

/*
 * A new frame with m's contents re-encapsulated: tagged with vid when
 * push, untagged otherwise. m is only read (it may be shared). Small frames
 * are copied; large ones become a fresh header segment chained to an
 * indirect clone of m's payload, so no big frame is copied.
 * Returns the new mbuf (caller owns it), or NULL when the pool is empty.
 */
struct rte_mbuf *vlan_reencap(struct rte_mbuf *m, bool m_tagged, bool push, uint16_t vid,
			      struct rte_mempool *pool);

#endif
