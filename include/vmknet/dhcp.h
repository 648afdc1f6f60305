/*
 * The DHCP client of VMkernel adapters (RFC 2131), as ESXi's
 * `esxcli network ip interface ipv4 set -t dhcp [-P true]`.
 *
 * A client runs per adapter: it leases an address with the adapter's MAC
 * (DISCOVER, OFFER, REQUEST, ACK; replies asked broadcast, since the
 * adapter has no address yet), sets the adapter's address and netmask,
 * renews at T1 (unicast to the server that granted the lease), rebinds at
 * T2 (broadcast), and removes the address when the lease expires or a
 * server answers NAK (then starts again). Stopping it sends DHCPRELEASE
 * when asked and removes the address.
 *
 * The router option (3) gives the netstack a default gateway only while
 * the netstack has no configured one (vmk_route_add/set_default): a
 * configured default gateway wins, and a netstack never has two default
 * routes. The first adapter of a netstack to lease a router owns the
 * DHCP gateway; others' routers are recorded in their lease only.
 * vmk_route_list() shows it with origin VMK_ROUTE_DHCP.
 *
 * Peer DNS (option 6) is asked for and recorded only with peer_dns.
 *
 * Timers and received messages run when the host's control thread calls
 * vmk_dhcp_poll(); nothing runs on the workers but the hand-over of
 * received datagrams (UDP to port 68 on an adapter with a client).
 *
 * Thread: control plane (any non-worker thread). Errors: negative errno,
 * vmk_last_error() says why.
 */
#ifndef VMKNET_DHCP_H
#define VMKNET_DHCP_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;

#define VMK_DHCP_DNS_MAX 3

enum vmk_dhcp_state {
	VMK_DHCP_INIT = 0,      /* about to send DISCOVER */
	VMK_DHCP_SELECTING,     /* DISCOVER sent, waiting for an OFFER */
	VMK_DHCP_REQUESTING,    /* REQUEST sent for an offer */
	VMK_DHCP_BOUND,
	VMK_DHCP_RENEWING,      /* past T1: REQUEST unicast to the server */
	VMK_DHCP_REBINDING,     /* past T2: REQUEST broadcast */
};

/* Why a received message was not taken (counted in drops[]). */
enum vmk_dhcp_drop {
	VMK_DHCP_DROP_NONE = 0,
	VMK_DHCP_DROP_SHORT,        /* shorter than BOOTP's fixed part */
	VMK_DHCP_DROP_NOT_REPLY,    /* op not BOOTREPLY, or not Ethernet/6 */
	VMK_DHCP_DROP_MAGIC,        /* no DHCP magic cookie */
	VMK_DHCP_DROP_OPTION,       /* an option overflows its area or has a bad length */
	VMK_DHCP_DROP_TYPE,         /* no or an unknown message type */
	VMK_DHCP_DROP_XID,          /* not our transaction */
	VMK_DHCP_DROP_CHADDR,       /* not our MAC */
	VMK_DHCP_DROP_STATE,        /* a type we do not expect now */
	VMK_DHCP_DROP_LEASE,        /* unusable offer (no server id, bad address or mask) */
	VMK_DHCP_DROP_MAX
};

/* Short name of a drop reason ("short", "xid", ...). Thread: any. */
const char *vmk_dhcp_drop_name(enum vmk_dhcp_drop why);
/* Name of a state ("BOUND", ...). Thread: any. */
const char *vmk_dhcp_state_name(enum vmk_dhcp_state s);

struct vmk_dhcp_info {
	enum vmk_dhcp_state state;
	bool peer_dns;
	uint32_t addr, netmask, router, server; /* the lease (0 while none) */
	uint32_t lease_s, t1_s, t2_s;           /* as granted */
	uint32_t remaining_s;                   /* until expiry; 0 while none */
	uint8_t n_dns;                          /* with peer_dns */
	uint32_t dns[VMK_DHCP_DNS_MAX];
	bool router_in_use;                     /* is the netstack's default route */
	uint64_t tx_discover, tx_request, tx_renew, tx_rebind, tx_release;
	uint64_t rx_offer, rx_ack, rx_nak, leases, expired;
	uint64_t drops[VMK_DHCP_DROP_MAX];
};

/*
 * Start the client of adapter vmknic (its address is removed and leased
 * from now on). Returns 0, -ENOENT (no such adapter), -EEXIST (one runs),
 * -ENOMEM.
 */
int vmk_dhcp_start(struct vmk_host *host, const char *vmknic, bool peer_dns);

/*
 * Stop the client of vmknic: send DHCPRELEASE first when release and a
 * lease is held, then remove the leased address and the DHCP gateway.
 * Returns 0 or -ENOENT (no such adapter or no client). Removing the
 * adapter stops its client with a release.
 */
int vmk_dhcp_stop(struct vmk_host *host, const char *vmknic, bool release);

/* Describe the client of vmknic. Returns 0 or -ENOENT. */
int vmk_dhcp_get(struct vmk_host *host, const char *vmknic, struct vmk_dhcp_info *out);

/*
 * Run every client: take received messages, send what is due, apply and
 * remove leases. *next_ms (may be NULL) gets the time until a client
 * next needs to run (1000 when none runs). Returns how many adapters'
 * addresses changed. Call it at least every *next_ms.
 */
int vmk_dhcp_poll(struct vmk_host *host, unsigned int *next_ms);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
