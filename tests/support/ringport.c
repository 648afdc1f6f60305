/*
 * Ring ports and frames for tests (see ringport.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>

#include "support/ringport.h"

int th_ringport_create(const char *name, struct th_ringport *rp)
{
	char rn[RTE_RING_NAMESIZE];
	int port;

	memset(rp, 0, sizeof(*rp));
	snprintf(rp->name, sizeof(rp->name), "%s", name);
	snprintf(rn, sizeof(rn), "%s_in", name);
	rp->to_switch = rte_ring_create(rn, 4096, SOCKET_ID_ANY, 0);
	snprintf(rn, sizeof(rn), "%s_out", name);
	rp->from_switch = rte_ring_create(rn, 4096, SOCKET_ID_ANY, 0);
	if (rp->to_switch == NULL || rp->from_switch == NULL)
		return -ENOMEM;
	port = rte_eth_from_rings(name, &rp->to_switch, 1, &rp->from_switch, 1, SOCKET_ID_ANY);
	if (port < 0)
		return -ENODEV;
	rp->port_id = (uint16_t)port;
	return 0;
}

struct rte_mbuf *th_frame(struct rte_mempool *pool, const uint8_t dst[6], const uint8_t src[6],
			  int vlan, uint16_t ethertype, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;
	uint32_t off = 0;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	off = 12;
	if (vlan >= 0) {
		p[off++] = 0x81;
		p[off++] = 0x00;
		p[off++] = (uint8_t)((vlan >> 8) & 0x0f);
		p[off++] = (uint8_t)vlan;
	}
	if (off + 2 <= len) {
		p[off++] = (uint8_t)(ethertype >> 8);
		p[off++] = (uint8_t)ethertype;
	}
	for (uint32_t i = off; i < len; i++)
		p[i] = (uint8_t)i;
	return m;
}

void th_inject(struct th_ringport *rp, struct rte_mbuf *m)
{
	while (rte_ring_enqueue(rp->to_switch, m) != 0)
		th_sleep_ms(1);
}

unsigned int th_collect(struct th_ringport *rp, struct rte_mbuf **out, unsigned int max,
			unsigned int want, unsigned int timeout_ms)
{
	unsigned int n = 0, waited = 0, quiet = 0;

	while (waited < timeout_ms) {
		void *obj;

		if (n < max && rte_ring_dequeue(rp->from_switch, &obj) == 0) {
			out[n++] = obj;
			quiet = 0;
			if (want != 0 && n >= want)
				break;
			continue;
		}
		if (want == 0 && quiet >= 50)
			break;
		th_sleep_ms(1);
		waited++;
		quiet++;
	}
	return n;
}

void th_free(struct rte_mbuf **m, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

void th_drain(struct th_ringport *rps, unsigned int n)
{
	struct rte_mbuf *m[256];

	th_sleep_ms(20);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int k;

		while ((k = rte_ring_dequeue_burst(rps[i].from_switch, (void **)m, 256, NULL)) > 0)
			th_free(m, k);
	}
}

int th_frame_vlan(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->data_len >= 18 && p[12] == 0x81 && p[13] == 0x00)
		return ((p[14] & 0x0f) << 8) | p[15];
	return -1;
}

void th_mac(uint8_t mac[6], uint8_t a, uint8_t b)
{
	mac[0] = 0x02;
	mac[1] = 0;
	mac[2] = 0;
	mac[3] = 0;
	mac[4] = a;
	mac[5] = b;
}

void th_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int th_eal_init_alone(const char *argv0, const char *tag)
{
	char prefix[64];
	char *args[] = { (char *)argv0, "-l0-1", "--no-pci", "--no-huge", "--no-shconf", "-m256",
			 prefix, "--log-level=*:warning", NULL };

	snprintf(prefix, sizeof(prefix), "--file-prefix=vmkt_%s_%d", tag, (int)getpid());
	return rte_eal_init((int)RTE_DIM(args) - 1, args) < 0 ? -1 : 0;
}
