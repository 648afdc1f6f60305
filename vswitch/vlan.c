/*
 * Re-encapsulation of shared frames for flooding: the one place the switch
 * builds a second version of a frame. Called on a worker; allocates from the
 * host pool only (no heap, no locks).
 */
#include "vswitch/vlan.h"

#define REENCAP_COPY_MAX 256

struct rte_mbuf *vlan_reencap(struct rte_mbuf *m, bool m_tagged, bool push, uint16_t vid,
			      struct rte_mempool *pool)
{
	uint32_t old_l2 = RTE_ETHER_HDR_LEN + (m_tagged ? sizeof(struct rte_vlan_hdr) : 0);
	struct rte_mbuf *n;

	if (m->pkt_len <= REENCAP_COPY_MAX) {
		n = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
		if (n == NULL)
			return NULL;
		if (push && m_tagged) {
			vlan_set_vid(n, vid);
		} else if (push) {
			if (vlan_push(n, vid) != 0) {
				rte_pktmbuf_free(n);
				return NULL;
			}
		} else if (m_tagged) {
			vlan_pop(n);
		}
		return n;
	}

	/* Header segment + indirect payload. */
	struct rte_mbuf *h = rte_pktmbuf_alloc(pool);
	struct rte_mbuf *c;
	uint32_t new_l2 = RTE_ETHER_HDR_LEN + (push ? sizeof(struct rte_vlan_hdr) : 0);

	if (h == NULL)
		return NULL;
	c = rte_pktmbuf_clone(m, pool);
	if (c == NULL) {
		rte_pktmbuf_free(h);
		return NULL;
	}
	if (rte_pktmbuf_adj(c, old_l2) == NULL) {
		rte_pktmbuf_free(c);
		rte_pktmbuf_free(h);
		return NULL;
	}
	uint8_t *src = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *dst = (uint8_t *)rte_pktmbuf_append(h, new_l2);

	memcpy(dst, src, 2 * RTE_ETHER_ADDR_LEN);
	if (push && m_tagged) {
		memcpy(dst + 2 * RTE_ETHER_ADDR_LEN, src + 2 * RTE_ETHER_ADDR_LEN, 4);
		dst[14] = (uint8_t)((dst[14] & 0xf0) | ((vid >> 8) & 0x0f));
		dst[15] = (uint8_t)vid;   /* same tag, new VID: priority kept */
	} else if (push) {
		vlan_write_tag(dst + 2 * RTE_ETHER_ADDR_LEN, vid);
	}
	/* The inner EtherType is the last two bytes of the old header. */
	memcpy(dst + new_l2 - 2, src + old_l2 - 2, 2);
	if (rte_pktmbuf_chain(h, c) != 0) {
		rte_pktmbuf_free(c);
		rte_pktmbuf_free(h);
		return NULL;
	}
	/* Transmit offloads (a vmknic's TSO frame) go with the frame. */
	h->ol_flags = m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK;
	h->tx_offload = m->tx_offload;
	h->hash = m->hash;   /* a vmknic's traffic class (common/tclass.h) */
	h->l2_len = new_l2;
	return h;
}
