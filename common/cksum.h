/*
 * The Internet checksum (RFC 1071) of bytes that span an mbuf chain.
 *
 * DPDK 22.11's rte_raw_cksum_mbuf() is wrong for a chain whose segment
 * starts at an odd offset of the range: it byte-swaps that segment's
 * partial sum truncated to 16 bits, so the carries above them are lost
 * (fixed upstream later, not in Debian 12's 22.11.11). TCP payload chains
 * from vmk_tcp_send() of odd-sized writes have such segments, and every
 * segment cut at that place went out with a bad checksum, again in each
 * retransmission: Linux dropped it (TcpInCsumErrors) and the connection
 * stalled. Use vmk_cksum_mbuf() instead, everywhere.
 *
 * Thread: any (pure function of the chain's bytes).
 */
#ifndef VMK_COMMON_CKSUM_H
#define VMK_COMMON_CKSUM_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/*
 * The one's complement sum, not complemented, of len bytes of m from byte
 * off on, in *cksum, as rte_raw_cksum_mbuf() promises. Returns 0, or -1
 * when the chain holds fewer than off + len bytes (*cksum unchanged).
 */
static inline int vmk_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len,
				 uint16_t *cksum)
{
	uint32_t sum = 0, done = 0;

	if (off + (uint64_t)len > m->pkt_len)
		return -1;
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (done < len && m != NULL) {
		uint32_t seglen = m->data_len - off;
		uint16_t part;

		if (seglen > len - done)
			seglen = len - done;
		part = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), seglen);
		if (done & 1)   /* this piece's bytes sit in the other half of each word */
			part = rte_bswap16(part);
		sum += part;
		done += seglen;
		off = 0;
		m = m->next;
	}
	if (done < len)
		return -1;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*cksum = (uint16_t)sum;
	return 0;
}

#endif
