/*
 * The DHCP client's state machine (RFC 2131 section 4.4), one per adapter,
 * without I/O: the caller feeds it received messages and the time (`now`,
 * microseconds), and sends what it returns in a struct dhcp_out; events
 * tell the caller to apply or remove the lease. So the unit tests drive
 * it through leases, renewals and expiry in virtual time.
 *
 * Thread: one caller at a time (vmknic/dhcp.c holds the IP layer's
 * control lock).
 */
#ifndef VMK_TCPIP_DHCP_CLIENT_H
#define VMK_TCPIP_DHCP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <vmknet/dhcp.h>

#include "tcpip/wire_dhcp.h"

#define DHCP_RETRY_FIRST_US  (4ull * 1000000ull)   /* 4, 8, 16, 32, 64 s */
#define DHCP_RETRY_MAX_US    (64ull * 1000000ull)
#define DHCP_RENEW_MIN_US    (60ull * 1000000ull)  /* RFC 2131 4.4.5 */
#define DHCP_REQUEST_TRIES   4                     /* then back to INIT */
#define DHCP_DECLINE_WAIT_US (10ull * 1000000ull)  /* RFC 2131 3.1.5 */

/* A message to send: len 0 when there is none. dst 0xffffffff is a
 * broadcast (the caller sends it to ff:ff:ff:ff:ff:ff). */
struct dhcp_out {
	int len;
	rte_be32_t src, dst;
	uint8_t buf[DHCP_BUF_SIZE];
};

enum dhcp_event {
	DHCP_EV_NONE = 0,
	DHCP_EV_BOUND,      /* a new lease (or changed address, mask, router): apply it */
	DHCP_EV_RENEWED,    /* the same lease, extended */
	DHCP_EV_LOST,       /* the lease ended (expired, NAK): remove the address */
};

struct dhcp_client {
	uint8_t mac[6];
	uint32_t xid;
	uint64_t rng;                 /* xids and retry jitter */
	uint64_t next_us;             /* next send or timer */
	uint64_t start_us;            /* the current exchange's first message */
	uint64_t t1_us, t2_us, expire_us; /* of the lease held (absolute) */
	uint32_t tries;
	struct dhcp_lease {
		rte_be32_t addr, mask, router, server;
		uint32_t lease_s, t1_s, t2_s;
		uint8_t n_dns;
		rte_be32_t dns[VMK_DHCP_DNS_MAX];
	} offer, lease;
	bool have_lease;
	struct vmk_dhcp_info info;    /* state, counters, peer_dns */
};

/* A client in INIT that sends its first DISCOVER at the first poll. */
void dhcp_client_init(struct dhcp_client *c, const uint8_t mac[6], bool peer_dns,
		      uint64_t seed, uint64_t now);

/* Run timers: what is due is written to *out (out->len > 0). */
enum dhcp_event dhcp_client_poll(struct dhcp_client *c, uint64_t now, struct dhcp_out *out);

/* Take a received message (a UDP payload from src). A refused one is
 * counted in c->info.drops. A reply may be written to *out. */
enum dhcp_event dhcp_client_input(struct dhcp_client *c, const uint8_t *buf, size_t len,
				  uint64_t now, struct dhcp_out *out);

/* The lease could not be used (its address is taken): DECLINE it and
 * start again after DHCP_DECLINE_WAIT_US. */
void dhcp_client_decline(struct dhcp_client *c, uint64_t now, struct dhcp_out *out);

/* Write a DHCPRELEASE of the lease held to *out (len 0: none held) and
 * forget the lease. */
void dhcp_client_release(struct dhcp_client *c, struct dhcp_out *out);

/* Fill c->info's lease fields as of now. */
void dhcp_client_describe(const struct dhcp_client *c, uint64_t now, struct vmk_dhcp_info *out);

#endif
