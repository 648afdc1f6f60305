/*
 * The netstack instance (iface layer) and the objects it owns: its adapters
 * as the stack sees them (tcpip_if), neighbour cache, routes, reassembly
 * slots, UDP sockets and ping sessions. Private to tcpip/ and vmknic/ (the
 * adapters and their port kind).
 *
 * Threading: everything in a netstack is guarded by ns->lock, a spinlock.
 * A worker only ever *tries* it (tcpip_if_poll): when a control or
 * application thread holds it, the worker skips the stack for that loop and
 * still drains the adapter's transmit ring, so the data path never waits.
 * Control threads (routes, addresses, pings) take it for a few
 * microseconds and never sleep while holding it; socket calls do not take
 * it: they travel to the worker by the request ring (ns_call.c). Frames cross
 * between the switch and the stack through two rings per adapter: rxq
 * (any worker enqueues, the polling worker dequeues) and txq (producers hold
 * ns->lock, the polling worker dequeues). Time is passed in (`now`, us).
 */
#ifndef VMK_TCPIP_NETSTACK_H
#define VMK_TCPIP_NETSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "common/lock.h"

#include <vmknet/netstack.h>
#include <vmknet/traffic.h>
#include <vmknet/vswitch.h>

#include "tcpip/sock_ready.h"

#define NS_MAX_IFS        32        /* adapters per netstack */
#define IF_RING_SIZE      1024
#define NS_BURST          32

#define ARP_QLEN          4         /* packets held per unresolved neighbour */
#define ARP_QUEUE_MAX     64        /* ... and per netstack */
#define ARP_RETRY_MS      1000
#define ARP_TRIES         3
#define ARP_REACHABLE_MS  30000     /* then stale */
#define ARP_STALE_MS      300000    /* then forgotten */

#define REASM_SLOTS       16
#define REASM_MAX_FRAGS   64
#define REASM_MEM_MAX     (512u * 1024u)  /* mbuf bytes held, per netstack */
#define REASM_TIMEOUT_US  (30ull * 1000000ull)

#define UDP_MAX_SOCKS     64
#define UDP_QLEN          256
#define UDP_EPHEMERAL_MIN 49152

#define PING_MAX          8         /* sessions in flight per netstack */
#define ICMP_ERR_BURST    50u       /* error messages in a burst, then 1/10 ms */

struct netstack;
struct tcp_stack;
struct tcpip_host;
struct fw_ns;

/* An adapter as the stack sees it. Owned by its vmknic (vmknic/). Every
 * field but the rings is read and written under ns->lock. */
struct tcpip_if {
	char name[VMK_NAME_MAX];
	struct netstack *ns;
	int16_t index;                /* slot in ns->ifs; -1 when detached */
	struct rte_ether_addr mac;
	uint32_t mtu;
	bool enabled;
	rte_be32_t addr, mask, gw;    /* 0: none */
	uint8_t tclass;               /* class by its service tags (traffic.h
				       * rule 3); set by vmknic/ (tcpip_if_set_tclass) */
	struct rte_ring *rxq;         /* from the switch */
	struct rte_ring *txq;         /* to the switch */
	struct rte_ring *dhcp_rx;     /* DHCP replies for its client (dhcp_io.c);
				       * NULL: none runs */
};

enum arp_state { ARP_FREE = 0, ARP_INCOMPLETE, ARP_REACHABLE, ARP_STALE };

struct arp_entry {
	uint8_t state;
	uint8_t tries;
	uint8_t n_q;
	int16_t ifidx;
	rte_be32_t ip;
	struct rte_ether_addr mac;
	uint64_t t_us;                /* confirmed, or last request sent */
	uint64_t used_us;
	struct rte_mbuf *q[ARP_QLEN]; /* IP packets (no L2 header yet) */
};

struct static_route {
	bool used;
	rte_be32_t net;
	uint8_t plen;
	rte_be32_t gw;
};

struct reasm_frag {
	uint16_t off, len;            /* payload bytes */
	struct rte_mbuf *m;           /* starts at its IP header */
};

struct reasm_slot {
	bool used;
	rte_be32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint16_t n;
	uint32_t total;               /* payload bytes; 0 until the last fragment */
	uint32_t have;
	uint32_t mem;
	uint64_t deadline_us;
	struct reasm_frag f[REASM_MAX_FRAGS];
};

struct udp_dgram {
	struct rte_mbuf *m;           /* payload only */
	rte_be32_t src;
	uint16_t sport;
};

struct vmk_udp_sock {
	struct netstack *ns;
	int16_t index;
	bool bound;
	rte_be32_t laddr;             /* 0: any */
	uint16_t lport;
	uint8_t tclass;               /* vmk_udp_set_class (VMK_TC_NONE: none);
				       * atomic: set by the owner, read by sends */
	uint32_t world;               /* vmk_udp_set_world; atomic */
	uint16_t head, n;
	struct sock_ready rd;         /* readiness (sock_ready.h) */
	struct udp_dgram q[UDP_QLEN];
};

struct ping_session {
	uint16_t ident;
	uint32_t count;
	uint64_t *sent_us;            /* [count]; 0: not sent yet */
	struct vmk_ping_reply *r;     /* [count] */
	uint8_t *done;                /* [count] */
	uint32_t dups;                /* replies to requests already answered */
};

struct netstack {
	struct vmk_spinlock lock;
	char name[VMK_NAME_MAX];
	bool builtin;
	struct tcpip_host *th;        /* the IP layer it belongs to (its lock) */
	struct rte_mempool *pool;
	struct rte_mempool *clone_pool; /* indirect mbufs (no data room): TCP's
					 * zero-copy slices of queued data */
	uint32_t n_ifs; /* guarded by: lock */
	struct tcpip_if *ifs[NS_MAX_IFS]; /* guarded by: lock */
	struct static_route routes[VMK_ROUTE_MAX]; /* guarded by: lock */
	rte_be32_t default_gw; /* guarded by: lock */
	rte_be32_t dhcp_gw;           /* a DHCP router, the default route while
				       * default_gw is 0; guarded by: lock */
	int16_t dhcp_gw_if;           /* the adapter it came from (-1: none);
				       * guarded by: lock */
	struct arp_entry arp[VMK_ARP_MAX]; /* guarded by: lock */
	uint32_t arp_queued; /* guarded by: lock */
	struct reasm_slot reasm[REASM_SLOTS]; /* guarded by: lock */
	uint32_t reasm_mem; /* guarded by: lock */
	uint32_t n_socks; /* guarded by: lock */
	struct vmk_udp_sock *socks[UDP_MAX_SOCKS]; /* guarded by: lock */
	uint16_t next_port; /* guarded by: lock */
	struct ping_session *pings[PING_MAX]; /* guarded by: lock */
	struct tcp_stack *tcp;        /* tcpip/tcp.h */
	uint16_t ip_id; /* guarded by: lock */
	uint64_t last_timer_us; /* guarded by: lock */
	uint64_t polled_us;           /* a worker's last poll (0: never); atomic, read
				       * without the lock (ns_call.c) */
	struct rte_ring *reqs;        /* application requests (ns_call.c) */
	uint64_t icmp_err_us; /* guarded by: lock */
	uint32_t icmp_err_tokens; /* guarded by: lock */
	struct vmk_netstack_stats st; /* guarded by: lock */
	struct fw_ns *fw;             /* the firewall's connection table and counters
				       * (tcpip/firewall.h); NULL until the firewall
				       * is first enabled; guarded by: lock */
};

/* ---- instances (netstack.c) ------------------------------------------ */

/* Create an instance (not registered anywhere) on the host's pools: pool
 * for packets, clone_pool for indirect mbufs. Returns NULL on no memory. */
struct netstack *ns_create(const char *name, struct rte_mempool *pool,
			   struct rte_mempool *clone_pool, bool builtin);
/* Free an instance and everything it holds (queued mbufs, sockets). No
 * adapter may be attached. NULL ok. */
void ns_destroy(struct netstack *ns);
/* Count a drop and free the mbuf (NULL ok). Lock held. */
void ns_drop(struct netstack *ns, struct rte_mbuf *m, enum vmk_ip_drop_reason why)
	VMK_REQUIRES(ns->lock);
/* Tell the analysis that ns->lock is held where it cannot see it: ns is
 * another name of a netstack whose lock the caller's VMK_REQUIRES names
 * (a local `ns = p->ns`), or the one an ns_call fn runs under (c->s->ns is
 * the ns it was called with). Checks nothing at run time. */
static inline void ns_lock_held(const struct netstack *ns) VMK_ASSERT_HELD(ns->lock)
{
	(void)ns;
}
/* Microseconds of the TSC clock (the `now` of the public wrappers). */
uint64_t tcpip_now_us(void);

/* ---- requests to the worker (ns_call.c) ------------------------------ */

typedef void (*ns_call_fn)(struct netstack *ns, void *arg);

/* A request on the ring: fn(ns, arg); done is set after it ran (not for a
 * posted one, whose storage fn may release). */
struct ns_req {
	ns_call_fn fn;
	void *arg;
	uint32_t done;
	bool posted;
};

/* The request ring of a new netstack. 0 or -ENOMEM. */
int ns_req_init(struct netstack *ns);
void ns_req_fini(struct netstack *ns);
/* Run fn(ns, arg) with ns->lock held, on the worker polling the netstack
 * (carried by ns->reqs) while one does, else in the caller; returns when it
 * has run. Requests run in the order they were made. Thread: any thread
 * but a worker; lock not held. */
void ns_call(struct netstack *ns, ns_call_fn fn, void *arg);
/* Queue req for the worker and return at once (req->fn, req->arg set;
 * req stays valid until fn ran, and fn may free it). Returns 0, or -EBUSY
 * (no worker polls the netstack, or its ring is full): nothing queued, use
 * ns_call. Thread: as ns_call. */
int ns_post(struct netstack *ns, struct ns_req *req);
/* Run the queued requests. Lock held (the worker, once a loop). */
void ns_req_run(struct netstack *ns)
	VMK_REQUIRES(ns->lock);

/* ---- adapters (iface.c) ---------------------------------------------- */

/* Make the rings of an adapter. Returns 0 or -ENOMEM. */
int tcpip_if_init(struct tcpip_if *ifc, const char *name);
/* Free the rings and what is in them. */
void tcpip_if_fini(struct tcpip_if *ifc);
/* Attach to / detach from a netstack (takes ns->lock). attach: 0 or
 * -ENOSPC. detach drops neighbour entries through the adapter. */
int tcpip_if_attach(struct netstack *ns, struct tcpip_if *ifc);
void tcpip_if_detach(struct tcpip_if *ifc);
/* The worker's hook: run the stack for this adapter if its lock is free
 * (input from rxq, timers), then return up to n frames to transmit. */
uint16_t tcpip_if_poll(struct tcpip_if *ifc, struct rte_mbuf **pkts, uint16_t n,
		       uint64_t now);
/* Process one frame received on ifc (takes it). Lock held. */
void ns_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint64_t now)
	VMK_REQUIRES(ns->lock);
/* Run timers (ARP, reassembly). Lock held. */
void ns_timers(struct netstack *ns, uint64_t now)
	VMK_REQUIRES(ns->lock);
/* Queue a finished frame on ifc's transmit ring (takes it). Lock held. */
void ns_xmit(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m)
	VMK_REQUIRES(ns->lock);
/* Adapter ifc is usable for IP: enabled with an address. */
static inline bool if_up(const struct tcpip_if *ifc)
{
	return ifc->enabled && ifc->addr != 0;
}

/* ---- DHCP client I/O (dhcp_io.c) ------------------------------------ */

/* Give ifc a queue for DHCP replies (UDP 67 -> 68), taken from now on even
 * while it has no address. Returns 0, -EEXIST or -ENOMEM. Control thread,
 * lock not held. */
int tcpip_if_dhcp_open(struct tcpip_if *ifc);
/* Remove the queue and what waits in it. NULL-safe for a closed one. */
void tcpip_if_dhcp_close(struct tcpip_if *ifc);
/* Take a datagram the worker found for ifc's client (ipv4_input; m at its
 * IP header, ip parsed). Returns true when m was taken (queued or
 * dropped). Lock held. */
bool dhcp_io_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m,
		   uint16_t hlen)
	VMK_REQUIRES(ns->lock);
/* Copy the oldest queued reply's UDP payload into buf (up to size bytes);
 * *server_mac gets the frame's source. Returns its length, or -EAGAIN.
 * Control thread. */
int tcpip_if_dhcp_recv(struct tcpip_if *ifc, uint8_t *buf, size_t size,
		       struct rte_ether_addr *server_mac);
/* Send a DHCP request (UDP 68 -> 67) of len bytes from src (0 before a
 * lease) to dst by ifc: a broadcast dst, or a dst_mac given, makes the
 * frame here; otherwise it is routed (ARP) as any datagram. Returns 0,
 * -ENOBUFS, -ENETDOWN, -ENETUNREACH, -EPERM (the firewall). Control
 * thread, lock not held. */
int tcpip_if_dhcp_send(struct tcpip_if *ifc, const uint8_t *buf, size_t len, rte_be32_t src,
		       rte_be32_t dst, const struct rte_ether_addr *dst_mac);
/* Give ns the DHCP router gw of adapter ifidx (0: take back that
 * adapter's). The first adapter holds it until it gives it back. Returns
 * true when ns uses it now. Lock held. */
bool route_set_dhcp(struct netstack *ns, int16_t ifidx, rte_be32_t gw)
	VMK_REQUIRES(ns->lock);

/* ---- binding (bind.c) ------------------------------------------------- */

/* Is addr the address of one of ns's adapters? Lock held. */
bool ns_addr_is_local(const struct netstack *ns, rte_be32_t addr)
	VMK_REQUIRES(ns->lock);

/* Check addr for a bind and choose *port: kept when given and free, else
 * the next free port from *cursor (wrapping to eph_min). Returns 0,
 * -EADDRNOTAVAIL or -EADDRINUSE. Lock held. */
int ns_bind_choose(struct netstack *ns, rte_be32_t addr, uint16_t *port, uint16_t *cursor,
		   uint16_t eph_min, bool (*used)(struct netstack *, rte_be32_t, uint16_t))
	VMK_REQUIRES(ns->lock);

/* ---- ARP (arp.c) ----------------------------------------------------- */

void arp_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint64_t now)
	VMK_REQUIRES(ns->lock);
/* Send the IP packet m (starting at its IP header) to next hop nh on ifc,
 * resolving nh first if needed (m waits in a bounded queue). Takes m. */
void arp_output(struct netstack *ns, struct tcpip_if *ifc, rte_be32_t nh, struct rte_mbuf *m,
		uint64_t now)
	VMK_REQUIRES(ns->lock);
/* Broadcast a gratuitous ARP for ifc's address. Lock held. */
void arp_announce(struct netstack *ns, struct tcpip_if *ifc)
	VMK_REQUIRES(ns->lock);
void arp_timers(struct netstack *ns, uint64_t now)
	VMK_REQUIRES(ns->lock);
/* Forget entries through ifc (all when ifc is NULL), dropping queued packets. */
void arp_flush_if(struct netstack *ns, int16_t ifidx)
	VMK_REQUIRES(ns->lock);
/* Describe up to max entries; returns how many exist. Lock held. */
unsigned int arp_list(struct netstack *ns, struct vmk_neigh *out, unsigned int max, uint64_t now)
	VMK_REQUIRES(ns->lock);

/* ---- routes (route.c) ------------------------------------------------ */

struct route_result {
	struct tcpip_if *ifc;
	rte_be32_t next_hop;
	uint8_t plen;
	uint8_t origin;               /* enum vmk_route_origin */
	rte_be32_t net;
};

/* Longest-prefix match for dst; src (0: any) picks its adapter's own
 * gateway for off-link destinations; out_if (NULL: any) forces the adapter.
 * Returns 0 or -ENETUNREACH. Lock held. */
int route_lookup(struct netstack *ns, rte_be32_t dst, rte_be32_t src,
		 const struct tcpip_if *out_if, struct route_result *r)
	VMK_REQUIRES(ns->lock);
/* The adapter whose subnet holds a (NULL: none). */
struct tcpip_if *route_connected_if(struct netstack *ns, rte_be32_t a)
	VMK_REQUIRES(ns->lock);
int route_add(struct netstack *ns, rte_be32_t net, uint8_t plen, rte_be32_t gw)
	VMK_REQUIRES(ns->lock);
int route_remove(struct netstack *ns, rte_be32_t net, uint8_t plen)
	VMK_REQUIRES(ns->lock);
int route_set_default(struct netstack *ns, rte_be32_t gw)
	VMK_REQUIRES(ns->lock);
unsigned int route_list(struct netstack *ns, struct vmk_route *out, unsigned int max)
	VMK_REQUIRES(ns->lock);
static inline rte_be32_t prefix_mask(uint8_t plen)
{
	return plen == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - plen));
}

/* ---- IPv4 (ipv4_input.c, ipv4_output.c, reasm.c) --------------------- */

void ipv4_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint64_t now)
	VMK_REQUIRES(ns->lock);

struct ip_out {
	rte_be32_t src;               /* 0: the adapter's address */
	rte_be32_t dst;
	uint8_t proto;
	uint8_t ttl;                  /* 0: 64 */
	bool df;
	bool has_tclass;              /* the socket's class (traffic.h rule 1) */
	uint8_t tclass;               /* with has_tclass */
	struct tcpip_if *ifc;         /* NULL: the route decides */
};

/* ---- traffic classes (tclass.c) --------------------------------------- */

/* The class of the L4 message m (at its TCP/UDP/ICMP header) leaving by
 * ifc: o's class, else a well-known port, else the adapter's
 * (include/vmknet/traffic.h). */
uint8_t tclass_classify(const struct rte_mbuf *m, const struct ip_out *o,
			const struct tcpip_if *ifc);
/* The IPv4 TOS byte for class c on this host (DSCP << 2, or 0). Any
 * thread (the table is read atomically). */
uint8_t tclass_tos(const struct tcpip_host *th, uint8_t c);
/* The class a socket's datagrams get, for listings (connection list): its
 * own (own < VMK_TC_COUNT), else the ports', else the tags of the adapter
 * with laddr (0: the first adapter), else management. ns->lock held. */
uint8_t tclass_of_socket(const struct netstack *ns, uint8_t own, rte_be32_t laddr,
			 uint16_t lport, uint16_t fport);
/* Set an adapter's class by tags (takes its netstack's lock when it is
 * attached). */
void tcpip_if_set_tclass(struct tcpip_if *ifc, uint8_t c);

/* Send the L4 message m (headroom for IPv4 + Ethernet in its first
 * segment). Always takes m. Returns 0 (sent or waiting for ARP),
 * -ENETUNREACH, -ENETDOWN, -EMSGSIZE (DF and longer than the MTU),
 * -ENOBUFS. Lock held. */
int ipv4_output(struct netstack *ns, struct rte_mbuf *m, const struct ip_out *o, uint64_t now)
	VMK_REQUIRES(ns->lock);

/* Take a fragment (m at its IP header, trimmed to total length): returns
 * the reassembled datagram (a chain, header fixed) or NULL (held or
 * dropped). Lock held. */
struct rte_mbuf *reasm_input(struct netstack *ns, struct rte_mbuf *m, uint64_t now)
	VMK_REQUIRES(ns->lock);
void reasm_timers(struct netstack *ns, uint64_t now)
	VMK_REQUIRES(ns->lock);
void reasm_flush(struct netstack *ns)
	VMK_REQUIRES(ns->lock);

/* ---- ICMP, UDP, ping (icmp.c, udp.c, ping.c) ------------------------- */

/* m at its IP header; hlen/len of header and payload. Takes m. */
void icmp_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint16_t hlen,
		uint64_t now)
	VMK_REQUIRES(ns->lock);
/* Answer the datagram orig (at its IP header, not freed) with an ICMP error
 * unless it must not be (an ICMP error, a non-first fragment, broadcast),
 * rate limited. */
void icmp_send_error(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *orig,
		     uint8_t type, uint8_t code, uint16_t mtu, uint64_t now)
	VMK_REQUIRES(ns->lock);
void udp_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint16_t hlen,
	       uint64_t now)
	VMK_REQUIRES(ns->lock);
void udp_close_all(struct netstack *ns)
	VMK_REQUIRES(ns->lock);
/* An echo reply or an error about an echo request of ours arrived. */
void ping_on_reply(struct netstack *ns, uint16_t ident, uint16_t seq, int status,
		   rte_be32_t from, uint32_t size, uint8_t ttl, uint16_t mtu, uint64_t now)
	VMK_REQUIRES(ns->lock);

/* ---- packet helpers (pkt.c) ------------------------------------------ */

/* A chain of len bytes (contents undefined) whose first segment keeps the
 * default headroom. NULL if the pool is dry. */
struct rte_mbuf *pkt_alloc(struct rte_mempool *pool, uint32_t len);
/* Copy len bytes from src into the chain at off (off + len <= pkt_len). */
void pkt_write(struct rte_mbuf *m, uint32_t off, const void *src, uint32_t len);
/* Copy len bytes at off out of the chain (off + len <= pkt_len). */
void pkt_read(const struct rte_mbuf *m, uint32_t off, void *dst, uint32_t len);

#endif
