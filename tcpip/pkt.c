/*
 * Packet buffer helpers for the stack: building chains of a given length
 * from the host's pool, and copying into and out of them. Stateless.
 */
#include <string.h>

#include "tcpip/netstack.h"

struct rte_mbuf *pkt_alloc(struct rte_mempool *pool, uint32_t len)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(pool), *tail = head;
	uint32_t left = len;

	if (head == NULL)
		return NULL;
	for (;;) {
		uint16_t take = (uint16_t)RTE_MIN(left, (uint32_t)rte_pktmbuf_tailroom(tail));

		tail->data_len = take;
		left -= take;
		if (left == 0)
			break;
		tail->next = rte_pktmbuf_alloc(pool);
		if (tail->next == NULL || head->nb_segs == UINT16_MAX) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		tail = tail->next;
		head->nb_segs++;
	}
	head->pkt_len = len;
	return head;
}

void pkt_write(struct rte_mbuf *m, uint32_t off, const void *src, uint32_t len)
{
	const uint8_t *s = src;

	for (; m != NULL && len > 0; m = m->next) {
		uint32_t take;

		if (off >= m->data_len) {
			off -= m->data_len;
			continue;
		}
		take = RTE_MIN(len, (uint32_t)m->data_len - off);
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, off), s, take);
		s += take;
		len -= take;
		off = 0;
	}
}

void pkt_read(const struct rte_mbuf *m, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *d = dst;

	for (; m != NULL && len > 0; m = m->next) {
		uint32_t take;

		if (off >= m->data_len) {
			off -= m->data_len;
			continue;
		}
		take = RTE_MIN(len, (uint32_t)m->data_len - off);
		memcpy(d, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), take);
		d += take;
		len -= take;
		off = 0;
	}
}
