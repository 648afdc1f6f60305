/*
 * Netstacks: TCP/IP stack instances of a host.
 *
 * Each netstack has its own ARP table, routing table (connected routes that
 * follow its adapters' addresses, static routes, exactly one default
 * gateway), sockets and counters. Two netstacks with overlapping addresses
 * stay fully separate. "defaultTcpipStack", "vmotion" and
 * "vSphereProvisioning" exist from the start and cannot be removed; custom
 * ones are added and removed (when they hold no adapter and no socket).
 *
 * IPv4 addresses in this API are uint32_t in network byte order (as
 * struct in_addr's s_addr); prefix lengths are 0..32.
 *
 * Errors: 0 or a negative errno. When a control call fails, the text of
 * vmk_last_error() (error.h; per thread, the same text as
 * vmk_ip_last_error()) says why, e.g. which default gateway is already set.
 *
 * Thread: control plane (any non-worker thread), unless noted. The stack
 * itself runs on the worker that polls an adapter's vSwitch port.
 */
#ifndef VMKNET_NETSTACK_H
#define VMKNET_NETSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include <vmknet/vswitch.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;

#define VMK_NETSTACK_DEFAULT      "defaultTcpipStack"
#define VMK_NETSTACK_VMOTION      "vmotion"
#define VMK_NETSTACK_PROVISIONING "vSphereProvisioning"
#define VMK_NETSTACK_MAX          16   /* netstacks per host, built-ins included */
#define VMK_ROUTE_MAX             64   /* routes per netstack, connected included */
#define VMK_ARP_MAX               256  /* neighbour entries per netstack */

/*
 * Why the stack gave a packet up. The wire parsers return the negated
 * reason, so a malformed packet is always a counted drop.
 */
enum vmk_ip_drop_reason {
	VMK_IPDROP_NONE = 0,  /* not a reason: counter 0 stays unused */
#define VMK_IP_DROP_REASON(sym, name, doc) VMK_IPDROP_##sym,
#include <vmknet/ip_drops.def>
#undef VMK_IP_DROP_REASON
	VMK_IPDROP_MAX
};

/* Short stable name of a reason ("truncated", "bad_ihl", ...); "unknown"
 * if out of range. Thread: any. */
const char *vmk_ip_drop_reason_name(enum vmk_ip_drop_reason reason);

/* Why the last failing netstack, route, vmknic or UDP control call of the
 * calling thread failed ("" if none): the same text as vmk_last_error()
 * (error.h), which every vmknet call sets. Valid until the thread's next
 * call. Thread: any. */
const char *vmk_ip_last_error(void);

/*
 * Add a custom netstack. Returns 0, -EINVAL (bad name), -EEXIST,
 * -ENOSPC (VMK_NETSTACK_MAX reached), -ENOMEM.
 */
int vmk_netstack_add(struct vmk_host *host, const char *name);

/*
 * Remove a custom netstack. Returns 0, -ENOENT, -EPERM (a built-in one),
 * -EBUSY (it still holds adapters or sockets).
 */
int vmk_netstack_remove(struct vmk_host *host, const char *name);

/* Copy up to max names into names[]; returns how many netstacks exist. */
unsigned int vmk_netstack_list(struct vmk_host *host, char (*names)[VMK_NAME_MAX],
			       unsigned int max);

struct vmk_netstack_stats {
	uint64_t rx_frames;        /* frames handed to the stack by its adapters */
	uint64_t tx_frames;        /* frames the stack queued for its adapters */
	uint64_t ip_rx;            /* IPv4 datagrams received, before validation */
	uint64_t ip_delivered;     /* ... delivered to ICMP/UDP */
	uint64_t ip_tx;            /* IPv4 datagrams sent (before fragmentation) */
	uint64_t frags_rx, reassembled, frags_tx;
	uint64_t arp_rx, arp_tx;
	uint64_t icmp_rx, icmp_tx;
	uint64_t udp_rx, udp_tx;
	uint64_t drops[VMK_IPDROP_MAX]; /* by reason (index 0 unused) */
};

/* Counters of a netstack. Thread: any non-worker. Returns 0 or -ENOENT. */
int vmk_netstack_get_stats(struct vmk_host *host, const char *netstack,
			   struct vmk_netstack_stats *out);

/* ---- routes ---------------------------------------------------------- */

enum vmk_route_origin {
	VMK_ROUTE_CONNECTED = 0,  /* follows an adapter's address */
	VMK_ROUTE_STATIC,         /* network/prefix via gateway */
	VMK_ROUTE_DEFAULT,        /* the netstack's one default gateway */
	VMK_ROUTE_DHCP,           /* ... learnt by DHCP (dhcp.h): the default
	                           * route while none is configured */
};

struct vmk_route {
	uint32_t network;          /* network byte order, host bits zero */
	uint8_t prefix_len;
	uint32_t gateway;          /* 0 for connected routes */
	char ifname[VMK_NAME_MAX]; /* adapter it leaves by ("" when the gateway
	                            * is not reachable yet) */
	enum vmk_route_origin origin;
};

/*
 * Add a static route network/prefix_len via gateway. prefix_len 0 (network
 * 0.0.0.0) sets the default gateway, which fails with -EEXIST while one is
 * set (vmk_last_error() names it): replacing it is
 * vmk_route_set_default(). Returns 0, -EINVAL (host bits set, bad gateway),
 * -ENOENT (no such netstack), -EEXIST, -ENOSPC.
 */
int vmk_route_add(struct vmk_host *host, const char *netstack, uint32_t network,
		  uint8_t prefix_len, uint32_t gateway);

/* Remove a static route or (prefix 0) the default gateway. Returns 0,
 * -ENOENT, -EPERM (a connected route: change the adapter instead). */
int vmk_route_remove(struct vmk_host *host, const char *netstack, uint32_t network,
		     uint8_t prefix_len);

/* Set or replace the default gateway (0: clear it). Returns 0, -EINVAL,
 * -ENOENT. */
int vmk_route_set_default(struct vmk_host *host, const char *netstack, uint32_t gateway);

/* Copy up to max routes (connected, static, default); returns how many exist
 * (0 for an unknown netstack). */
unsigned int vmk_route_list(struct vmk_host *host, const char *netstack,
			    struct vmk_route *out, unsigned int max);

/*
 * Which route, adapter and next hop a packet to dst takes (longest prefix
 * match; src, when not 0, selects its adapter's own gateway for off-link
 * destinations). Returns 0 and fills *route and *next_hop, -ENOENT (no
 * netstack) or -ENETUNREACH.
 */
int vmk_route_lookup(struct vmk_host *host, const char *netstack, uint32_t dst, uint32_t src,
		     struct vmk_route *route, uint32_t *next_hop);

/* ---- neighbours (ARP) ------------------------------------------------ */

enum vmk_neigh_state {
	VMK_NEIGH_INCOMPLETE = 0, /* request sent, no answer yet */
	VMK_NEIGH_REACHABLE,      /* confirmed recently */
	VMK_NEIGH_STALE,          /* usable, reconfirmed on next use */
};

struct vmk_neigh {
	uint32_t ip;
	uint8_t mac[6];
	char ifname[VMK_NAME_MAX];
	enum vmk_neigh_state state;
	uint32_t age_ms;          /* since last confirmed (or first request) */
};

/* Copy up to max neighbour entries; returns how many exist. */
unsigned int vmk_neigh_list(struct vmk_host *host, const char *netstack,
			    struct vmk_neigh *out, unsigned int max);

/* Forget the neighbour entry of ip (on every adapter of the netstack);
 * packets waiting for it are dropped. Returns 0, -ENOENT (no such netstack
 * or entry). */
int vmk_neigh_remove(struct vmk_host *host, const char *netstack, uint32_t ip);

/* ---- connections (esxcli network ip connection list) ----------------- */

/*
 * One socket of a netstack, whatever its protocol: UDP sockets today; TCP
 * adds its connections and listeners to the same list.
 */
struct vmk_ip_conn {
	uint8_t proto;            /* IPPROTO_UDP, IPPROTO_TCP */
	uint32_t local_addr;      /* network byte order; 0: any */
	uint16_t local_port;      /* host byte order; 0: not bound yet */
	uint32_t remote_addr;     /* 0: none (an unconnected UDP socket) */
	uint16_t remote_port;
	uint32_t recv_q;          /* bytes waiting to be read */
	uint32_t send_q;          /* bytes waiting to be sent (or acknowledged) */
	char state[16];           /* TCP state name ("ESTABLISHED"); "" for UDP */
	char cc_algo[16];         /* TCP congestion control ("newreno", "cubic");
	                           * "" for UDP */
	uint8_t traffic_class;    /* enum vmk_traffic_class its datagrams get
	                           * (traffic.h's order: the socket's, a
	                           * well-known port, the adapter's tags) */
	uint32_t world;           /* vmk_tcp_set_world / vmk_udp_set_world:
	                           * the owning program's pid; 0: the process
	                           * that runs the stack */
};

/* Describe up to max sockets of a netstack; returns how many exist (0 for an
 * unknown netstack). */
unsigned int vmk_netstack_connections(struct vmk_host *host, const char *netstack,
				      struct vmk_ip_conn *out, unsigned int max);

/* ---- echo requests (vmkping) ----------------------------------------- */

struct vmk_ping_reply {
	uint16_t seq;             /* 1..count */
	int status;               /* 0: echo reply; -ETIMEDOUT (no answer, from
	                           * 0; or time exceeded received, from the
	                           * router); -EMSGSIZE (did not fit the MTU with
	                           * DF, from 0; or fragmentation needed was
	                           * received: see mtu); -EHOSTUNREACH
	                           * (destination unreachable received, or ARP
	                           * failed); -ENETUNREACH (no route) */
	uint32_t rtt_us;          /* status 0 */
	uint32_t from;            /* who answered, the echo's host or the router
	                           * that sent an ICMP error; 0: nobody
	                           * (network byte order) */
	uint32_t size;            /* ICMP payload bytes in the reply */
	uint8_t ttl;
	uint16_t mtu;             /* next-hop MTU of a fragmentation-needed */
};

struct vmk_ping_params {
	const char *netstack;     /* NULL: the vmknic's, or defaultTcpipStack */
	const char *vmknic;       /* NULL: the route decides the adapter */
	uint32_t dst;             /* network byte order */
	uint32_t count;           /* 1..1000; 0: 3 */
	uint32_t size;            /* ICMP payload bytes, 0..65507; 0 is allowed */
	bool df;                  /* set Don't Fragment */
	uint8_t ttl;              /* the requests' IPv4 TTL, 1..255; 0: 64 */
	/* traceroute: when not 0, request n goes out with TTL
	 * 1 + (n - 1) / ttl_probes (ttl_probes requests per hop, ttl unused),
	 * so one call probes every hop at once; a Time Exceeded quoting a
	 * request comes back as its outcome (-ETIMEDOUT from the router). */
	uint8_t ttl_probes;
	uint32_t interval_ms;     /* between requests; 0: 1000 */
	uint32_t timeout_ms;      /* wait per request after the last; 0: 1000 */
	/* Called (on the calling thread) for each request's outcome, in order
	 * of sequence numbers, as soon as it is known. May be NULL. */
	void (*on_reply)(const struct vmk_ping_reply *reply, void *arg);
	void *arg;
};

struct vmk_ping_result {
	uint32_t sent, received, errors;
	uint32_t duplicated;      /* echo replies to a request already answered
	                           * (not in received) */
	uint32_t rtt_min_us, rtt_avg_us, rtt_max_us; /* over replies received */
};

/* Fill *p with defaults (count 3, size 56, interval and timeout 1000 ms). */
void vmk_ping_params_init(struct vmk_ping_params *p);

/*
 * Send p->count ICMP echo requests of p->size payload bytes from the chosen
 * adapter or netstack and collect the replies; blocks the calling thread
 * until every request is answered or timed out (a request's outcome goes to
 * p->on_reply as it arrives). The workers must be running for anything to be
 * sent. Returns 0 (even when no reply came: see result), -EINVAL, -ENOENT
 * (no such netstack or adapter), -EBUSY (too many pings in flight),
 * -ENOMEM. Thread: any non-worker thread (vmknetd calls it per request).
 */
int vmk_ping(struct vmk_host *host, const struct vmk_ping_params *p,
	     struct vmk_ping_result *result);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
