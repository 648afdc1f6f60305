/*
 * Test harness shared by the CUnit binaries: EAL bring-up with the project's
 * test rules (--no-pci, --no-huge, --in-memory, at most two lcores), frame
 * builders, and "ring ports": real net_ring ethdevs whose rx ring the test
 * fills and whose tx ring the test drains, so a test sees exactly the frames
 * the switch sent.
 */
#ifndef VMK_TESTS_HARNESS_H
#define VMK_TESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "support/cunit_run.h"

/* Bring up EAL for a test binary: lcores 0 (main) and, when with_worker,
 * 1 (the worker). Returns 0 or a negative errno. */
int th_eal_init(const char *prog, bool with_worker);

/* Run the registered CUnit suites (th_cunit_run, support/cunit_run.h), then
 * clean up EAL. Returns the process exit code. */
int th_run_suites(void);

/* Check that every program of the space-separated list is on PATH. Returns 0,
 * or prints "FAIL: not installed: ...: run 'make deps'" and returns -1: a
 * missing tool is a broken set-up (make deps installs them all), never a
 * skip. */
int th_need(const char *programs);

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

/* Milliseconds sleep. */
void th_sleep_ms(unsigned int ms);

/* Run a shell command (printf-style, at most 1023 bytes), log it with its
 * exit status on stderr, and return that status (0: success; -1: it could
 * not run). For the Linux side of tests: ip, tc, ping, socat, tcpdump. */
int th_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
