/*
 * IPv4 reassembly (RFC 791, with RFC 5722's rule carried over to IPv4:
 * overlapping fragments drop the whole datagram). Memory is bounded: at most
 * REASM_SLOTS datagrams, REASM_MAX_FRAGS fragments each and REASM_MEM_MAX
 * bytes of mbufs per netstack; a datagram not complete within
 * REASM_TIMEOUT_US is dropped. A complete datagram is the fragments' mbufs
 * chained in order (no copy), the first keeping its header, which is
 * rewritten as unfragmented. Lock held (see netstack.h).
 */
#include <string.h>

#include "tcpip/netstack.h"
#include "tcpip/wire_ipv4.h"

static void slot_free(struct netstack *ns, struct reasm_slot *s, enum vmk_ip_drop_reason why)
{
	for (unsigned int i = 0; i < s->n; i++)
		rte_pktmbuf_free(s->f[i].m);
	if (why != 0)
		ns->st.drops[why]++;
	ns->reasm_mem -= s->mem;
	memset(s, 0, sizeof(*s));
}

static struct reasm_slot *slot_get(struct netstack *ns, const struct ipv4_view *ip, uint64_t now)
{
	struct reasm_slot *free_slot = NULL;

	for (unsigned int i = 0; i < REASM_SLOTS; i++) {
		struct reasm_slot *s = &ns->reasm[i];

		if (!s->used) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (s->src == ipv4_src(ip) && s->dst == ipv4_dst(ip) && s->id == ipv4_id(ip) &&
		    s->proto == ipv4_proto(ip))
			return s;
	}
	if (free_slot != NULL) {
		free_slot->used = true;
		free_slot->src = ipv4_src(ip);
		free_slot->dst = ipv4_dst(ip);
		free_slot->id = ipv4_id(ip);
		free_slot->proto = ipv4_proto(ip);
		free_slot->deadline_us = now + REASM_TIMEOUT_US;
	}
	return free_slot;
}

/* Chain the fragments in offset order behind the first one's header. */
static struct rte_mbuf *slot_complete(struct netstack *ns, struct reasm_slot *s)
{
	struct rte_mbuf *head;
	struct rte_ipv4_hdr *h;
	uint16_t frag;

	for (unsigned int i = 1; i < s->n; i++) {          /* insertion sort */
		struct reasm_frag f = s->f[i];
		unsigned int j = i;

		for (; j > 0 && s->f[j - 1].off > f.off; j--)
			s->f[j] = s->f[j - 1];
		s->f[j] = f;
	}
	head = s->f[0].m;
	for (unsigned int i = 1; i < s->n; i++) {
		struct rte_mbuf *m = s->f[i].m;

		rte_pktmbuf_adj(m, (uint16_t)(m->pkt_len - s->f[i].len));
		if (rte_pktmbuf_chain(head, m) != 0) {
			/* Too many segments: everything not yet chained goes. */
			for (unsigned int j = i; j < s->n; j++)
				rte_pktmbuf_free(s->f[j].m);
			rte_pktmbuf_free(head);
			s->n = 0;
			slot_free(ns, s, VMK_IPDROP_FRAG_NO_MEMORY);
			return NULL;
		}
	}
	h = rte_pktmbuf_mtod(head, struct rte_ipv4_hdr *);
	frag = rte_be_to_cpu_16(h->fragment_offset) & IPV4_FLAG_DF;
	h->fragment_offset = rte_cpu_to_be_16(frag);
	h->total_length = rte_cpu_to_be_16((uint16_t)head->pkt_len);
	h->hdr_checksum = 0;
	h->hdr_checksum = (uint16_t)~rte_raw_cksum(h, (h->version_ihl & 0x0f) * 4u);
	s->n = 0;
	slot_free(ns, s, 0);
	return head;
}

struct rte_mbuf *reasm_input(struct netstack *ns, struct rte_mbuf *m, uint64_t now)
{
	struct ipv4_view ip;
	struct reasm_slot *s;
	uint32_t off, len, end;

	ipv4_parse(&ip, m, 0);
	off = ipv4_frag_off(&ip);
	len = ipv4_payload_len(&ip);
	end = off + len;
	if (end + ip.hlen > IPV4_MAX_LEN || (ipv4_mf(&ip) && (len == 0 || len % 8 != 0))) {
		ns_drop(ns, m, VMK_IPDROP_FRAG_OVERSIZE);
		return NULL;
	}
	s = slot_get(ns, &ip, now);
	if (s == NULL || s->n >= REASM_MAX_FRAGS || ns->reasm_mem + m->buf_len > REASM_MEM_MAX) {
		ns_drop(ns, m, VMK_IPDROP_FRAG_NO_MEMORY);
		if (s != NULL && s->n >= REASM_MAX_FRAGS)
			slot_free(ns, s, 0);
		else if (s != NULL && s->n == 0)
			slot_free(ns, s, 0);
		return NULL;
	}
	/* The last fragment fixes the size; every fragment must agree. */
	if ((!ipv4_mf(&ip) && s->total != 0 && s->total != end) ||
	    (!ipv4_mf(&ip) && end < s->have) || (s->total != 0 && end > s->total)) {
		ns_drop(ns, m, VMK_IPDROP_FRAG_OVERSIZE);
		slot_free(ns, s, 0);
		return NULL;
	}
	for (unsigned int i = 0; i < s->n; i++) {
		if (off < (uint32_t)s->f[i].off + s->f[i].len && s->f[i].off < end) {
			ns_drop(ns, m, VMK_IPDROP_FRAG_OVERLAP);
			slot_free(ns, s, 0);
			return NULL;
		}
	}
	for (unsigned int i = 0; i < s->n; i++) {
		uint32_t fend = (uint32_t)s->f[i].off + s->f[i].len;

		if (!ipv4_mf(&ip) && fend > end) {
			ns_drop(ns, m, VMK_IPDROP_FRAG_OVERSIZE);
			slot_free(ns, s, 0);
			return NULL;
		}
	}
	if (!ipv4_mf(&ip))
		s->total = end;
	s->f[s->n].off = (uint16_t)off;
	s->f[s->n].len = (uint16_t)len;
	s->f[s->n].m = m;
	s->n++;
	s->have += len;
	s->mem += m->buf_len;
	ns->reasm_mem += m->buf_len;
	if (s->total != 0 && s->have == s->total)
		return slot_complete(ns, s);
	return NULL;
}

void reasm_timers(struct netstack *ns, uint64_t now)
{
	for (unsigned int i = 0; i < REASM_SLOTS; i++) {
		struct reasm_slot *s = &ns->reasm[i];

		if (s->used && (int64_t)(now - s->deadline_us) >= 0)
			slot_free(ns, s, VMK_IPDROP_FRAG_TIMEOUT);
	}
}

void reasm_flush(struct netstack *ns)
{
	for (unsigned int i = 0; i < REASM_SLOTS; i++)
		if (ns->reasm[i].used)
			slot_free(ns, &ns->reasm[i], 0);
}
