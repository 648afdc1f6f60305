/*
 * Ring ports and frames for tests, with nothing of the host: real net_ring
 * ethdevs whose rx ring the test fills and whose tx ring the test drains, so
 * a test sees exactly the frames the switch sent; frame builders and MACs.
 * Needs DPDK only, so the switch-alone tests (test_vswitch_alone, the TSan
 * stress test) link it without the host (see the Makefile).
 */
#ifndef VMK_TESTS_RINGPORT_H
#define VMK_TESTS_RINGPORT_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

struct th_ringport {
	char name[32];
	uint16_t port_id;
	struct rte_ring *to_switch;    /* the switch's rx */
	struct rte_ring *from_switch;  /* the switch's tx */
};

/* Create a net_ring ethdev named name. Returns 0 or a negative errno. */
int th_ringport_create(const char *name, struct th_ringport *rp);

/* Build a frame: dst, src, optional 802.1Q tag (vlan < 0: untagged),
 * EtherType, total length (>= 14, padded with a pattern). NULL if no mbuf. */
struct rte_mbuf *th_frame(struct rte_mempool *pool, const uint8_t dst[6], const uint8_t src[6],
			  int vlan, uint16_t ethertype, uint32_t len);

/* Hand frames to the switch through the port's rx ring (takes them). */
void th_inject(struct th_ringport *rp, struct rte_mbuf *m);

/* Wait up to timeout_ms for `want` frames (or until quiet for settle_ms
 * after the last one when want is 0) and return how many were taken into
 * out (at most max). The caller frees them. */
unsigned int th_collect(struct th_ringport *rp, struct rte_mbuf **out, unsigned int max,
			unsigned int want, unsigned int timeout_ms);

/* Free frames. */
void th_free(struct rte_mbuf **m, unsigned int n);

/* Drain and free everything the switch sent on these ports after a short
 * settle time. */
void th_drain(struct th_ringport *rps, unsigned int n);

/* The VLAN of a frame (tag VID) or -1 when untagged. */
int th_frame_vlan(const struct rte_mbuf *m);

/* MAC helper: 02:00:00:00:a:b */
void th_mac(uint8_t mac[6], uint8_t a, uint8_t b);

/* Bring up EAL for a test of the switch alone (no vmk_eal, no host): lcores
 * 0 and 1, --no-pci, --no-huge, 256 MB, its own --file-prefix
 * vmkt_TAG_PID. Returns 0 or -1. */
int th_eal_init_alone(const char *argv0, const char *tag);

/* Milliseconds sleep. */
void th_sleep_ms(unsigned int ms);

#endif
