/*
 * TCP sockets of a netstack, for hypervisor services (vMotion, NFS, iSCSI,
 * FT logging, vSAN, management) and tests.
 *
 * A socket belongs to one netstack. It is opened unbound, then either
 * listens (passive open; accepted connections are new sockets) or connects
 * (active open). Data is byte-stream: vmk_tcp_send() copies into the
 * socket's bounded send buffer, vmk_tcp_recv() copies out of its bounded
 * receive buffer; the advertised window is the free room of the receive
 * buffer, so a reader that stops reading stops the sender (flow control).
 * Both buffers hold their bytes in DPDK mbufs from the netstack's pool,
 * and bulk classes (vMotion pages, storage blocks) can hand those mbufs
 * in and out without a copy: vmk_tcp_send_mbuf(), vmk_tcp_recv_mbuf().
 * The protocol is RFC 9293 with RFC 7323 window scaling and timestamps,
 * RFC 6298 retransmission timeouts on a microsecond clock, RFC 5681/6582
 * NewReno or RFC 9438 CUBIC congestion control (per netstack), RFC 2018
 * SACK with RFC 6675 loss recovery, RFC 5961 challenge ACKs, RFC 6528
 * initial sequence numbers, delayed ACKs, keepalive (per socket, off by
 * default) and SYN cookies when a listener's backlog is full. The MSS follows the adapter MTU (8960 at MTU 9000).
 *
 * Addresses are network byte order (as struct in_addr's s_addr), ports host
 * byte order.
 *
 * Time: a netstack's clock is the `now` its worker last passed in (at most
 * about a millisecond old while the worker polls); timers run from the
 * worker's periodic processing.
 *
 * Thread: any non-worker thread; one socket must not be used by two threads
 * at once (a listener and the sockets it accepted are separate sockets).
 * A call is carried to the worker that polls the socket's netstack by the
 * netstack's request ring and runs there (in the caller while no worker
 * polls it); a send larger than 2 KiB is copied on the caller's thread and
 * handed over without waiting for the worker. A call that waits
 * (timeout_ms > 0) polls, every 20 us (plus the thread's timer slack) for
 * its first millisecond, then every millisecond. Non-blocking mode and
 * readiness events (epoll style, with an eventfd to sleep on):
 * <vmknet/epoll.h>. Errors: negative errno.
 */
#ifndef VMKNET_TCP_H
#define VMKNET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmknet/vswitch.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;
struct vmk_tcp_sock;
struct rte_mbuf;
struct rte_mempool;

/* RFC 9293 connection states. */
enum vmk_tcp_state {
	VMK_TCP_CLOSED = 0,
	VMK_TCP_LISTEN,
	VMK_TCP_SYN_SENT,
	VMK_TCP_SYN_RECEIVED,
	VMK_TCP_ESTABLISHED,
	VMK_TCP_FIN_WAIT_1,
	VMK_TCP_FIN_WAIT_2,
	VMK_TCP_CLOSE_WAIT,
	VMK_TCP_CLOSING,
	VMK_TCP_LAST_ACK,
	VMK_TCP_TIME_WAIT,
	VMK_TCP_STATE_MAX
};

/* "ESTABLISHED", "TIME_WAIT", ...; "UNKNOWN" if out of range. Thread: any. */
const char *vmk_tcp_state_name(enum vmk_tcp_state state);

/* Why TCP gave a segment up (counted per netstack, vmk_tcp_get_stats). The
 * wire parser returns the negated reason for malformed segments. */
enum vmk_tcp_drop_reason {
	VMK_TCPDROP_NONE = 0, /* not a reason: counter 0 stays unused */
#define VMK_TCP_DROP_REASON(sym, name, doc) VMK_TCPDROP_##sym,
#include <vmknet/tcp_drops.def>
#undef VMK_TCP_DROP_REASON
	VMK_TCPDROP_MAX
};

/* Short stable name of a reason ("bad_offset", ...); "unknown" if out of
 * range. Thread: any. */
const char *vmk_tcp_drop_reason_name(enum vmk_tcp_drop_reason reason);

/*
 * Open a socket on a netstack (NULL: defaultTcpipStack). Returns 0 and sets
 * *out, -ENOENT (no netstack), -ENOMEM. The caller closes it with
 * vmk_tcp_close(). An open socket keeps its netstack from being removed.
 */
int vmk_tcp_open(struct vmk_host *host, const char *netstack, struct vmk_tcp_sock **out);

/*
 * Buffer sizes in bytes (each 4 KiB..64 MiB; 0 keeps the current value;
 * default 256 KiB each). Only before listen or connect; accepted sockets
 * inherit their listener's. Returns 0, -EINVAL, -EISCONN.
 */
int vmk_tcp_set_buffers(struct vmk_tcp_sock *s, uint32_t send_size, uint32_t recv_size);

/* Nagle's algorithm on (default) or off (nodelay). Returns 0 or -EINVAL. */
int vmk_tcp_set_nodelay(struct vmk_tcp_sock *s, bool nodelay);

/*
 * The traffic class of everything the socket sends (an enum
 * vmk_traffic_class of <vmknet/traffic.h> below virtualMachine), or
 * VMK_TC_NONE to leave it to the well-known ports and the adapter's tags
 * (the default). A listener's class is inherited by the connections it
 * accepts. Any time; applies from the next segment. Returns 0 or -EINVAL.
 */
int vmk_tcp_set_class(struct vmk_tcp_sock *s, unsigned int tclass);

/*
 * The world (process) the socket belongs to, shown as World ID in
 * vmk_netstack_connections (esxcli's `network ip connection list`): a
 * program's pid for the sockets a session server runs on its behalf
 * (vmkrun), 0 (the default) for the process that runs the stack. A
 * listener's world is inherited by the connections it accepts. Returns 0
 * or -EINVAL.
 */
int vmk_tcp_set_world(struct vmk_tcp_sock *s, uint32_t world);

/*
 * Keepalive (RFC 9293 3.8.4, RFC 1122 4.2.3.6), off by default. On: once
 * a synchronized connection has received nothing for idle_ms, a probe (an
 * ACK with no data at SEG.SEQ = SND.NXT - 1, which the peer must answer)
 * goes every interval_ms; any segment from the peer starts the idle time
 * again; after count probes without an answer the connection is reset
 * (RST sent) and calls return -ETIMEDOUT. Accepted sockets inherit their
 * listener's setting. on false turns it off (the other values are then
 * ignored). idle_ms and interval_ms 1..86,400,000, count 1..255.
 * Returns 0 or -EINVAL.
 */
int vmk_tcp_set_keepalive(struct vmk_tcp_sock *s, bool on, uint32_t idle_ms,
			  uint32_t interval_ms, uint32_t count);

/* Bind to addr:port (addr 0: any address of the netstack; port 0: an
 * ephemeral one). Returns 0, -EINVAL (already bound), -EADDRNOTAVAIL,
 * -EADDRINUSE. */
int vmk_tcp_bind(struct vmk_tcp_sock *s, uint32_t addr, uint16_t port);

/* Listen on the bound address (an unbound socket gets an ephemeral port);
 * at most backlog (1..1024; 0: 128) connections wait for accept, SYN-
 * RECEIVED ones included. While that many are held, SYNs are answered with
 * SYN cookies (no state kept), and a completed handshake still joins the
 * accept queue while fewer than backlog connections wait there, so a SYN
 * flood does not lock real clients out. Returns 0, -EINVAL, -EISCONN. */
int vmk_tcp_listen(struct vmk_tcp_sock *s, unsigned int backlog);

/*
 * Take an established connection from a listener, waiting up to timeout_ms
 * (0: no wait). Returns 0 and sets *out (a new socket the caller closes)
 * and the peer's *addr and *port (may be NULL); -EAGAIN (none yet),
 * -EINVAL (not listening).
 */
int vmk_tcp_accept(struct vmk_tcp_sock *s, struct vmk_tcp_sock **out, uint32_t *addr,
		   uint16_t *port, unsigned int timeout_ms);

/*
 * Connect to dst:port (binding an ephemeral port first if unbound) and wait
 * up to timeout_ms for the handshake. Returns 0 (established),
 * -EINPROGRESS (SYN sent, not established within timeout_ms: watch
 * vmk_tcp_poll for VMK_TCP_POLL_OUT or _ERR), -ECONNREFUSED (RST),
 * -ETIMEDOUT (no answer after the SYN retries), -ENETUNREACH, -EISCONN,
 * -EINVAL.
 */
int vmk_tcp_connect(struct vmk_tcp_sock *s, uint32_t dst, uint16_t port,
		    unsigned int timeout_ms);

/*
 * Queue up to len bytes for sending, waiting up to timeout_ms for room
 * when the send buffer is full. Returns the bytes queued (> 0, possibly
 * fewer than len), -EAGAIN (no room), -ENOTCONN, -EPIPE (sending was shut
 * down or the connection closed), -ECONNRESET.
 */
long vmk_tcp_send(struct vmk_tcp_sock *s, const void *buf, size_t len, unsigned int timeout_ms);

/*
 * Copy up to len received bytes into buf, waiting up to timeout_ms for data.
 * Returns the byte count (> 0), 0 (the peer closed its side and everything
 * was read), -EAGAIN, -ENOTCONN, -ECONNRESET, -ETIMEDOUT.
 */
long vmk_tcp_recv(struct vmk_tcp_sock *s, void *buf, size_t len, unsigned int timeout_ms);

/*
 * Zero-copy sending: queue the whole chain m (payload only: every byte of
 * every segment is data, in order; any segmentation, any pool) when the
 * send buffer has room for m->pkt_len more bytes, waiting up to timeout_ms
 * for that room. Segments go out as clones of these buffers, so no byte is
 * copied; a segment is freed once the peer acknowledged its bytes and no
 * clone of it is in flight.
 *
 * Ownership: on success (> 0) the stack owns m; the caller must not touch
 * it again, nor write to its buffers through clones it kept. Every
 * segment must have a reference count of 1 (to send the same data twice,
 * send a clone: rte_pktmbuf_clone()). On every error the caller still
 * owns m, unchanged. Well-filled mbufs travel best: each segment of m
 * becomes a segment of the frames that carry it.
 *
 * Returns m->pkt_len (all queued); -EAGAIN (no room within timeout_ms; at
 * once when m is larger than the whole send buffer, which it can never
 * fit: split it), -EINVAL (NULL, empty, a shared segment, or pkt_len is
 * not the sum of the segments' data_len), -ENOTCONN, -EPIPE, -ECONNRESET
 * as vmk_tcp_send.
 */
long vmk_tcp_send_mbuf(struct vmk_tcp_sock *s, struct rte_mbuf *m, unsigned int timeout_ms);

/*
 * Zero-copy receiving: detach up to max (> 0) of the next in-order bytes as
 * a chain, waiting up to timeout_ms for data. The chain is the received
 * mbufs themselves, whole while they fit in max; a last one that does not
 * is split (the caller gets an indirect mbuf on its first bytes). The
 * head's pkt_len and nb_segs are set; other metadata is unspecified.
 *
 * Ownership: on success (> 0) *out is the caller's, to free with
 * rte_pktmbuf_free() (any thread). Its data may share buffers with other
 * mbufs (indirect mbufs, e.g. clones of a local peer's send queue): treat
 * it as read-only unless RTE_MBUF_DIRECT() and a reference count of 1 say
 * the buffer is the caller's alone; never prepend or append into it. It
 * may be passed on to vmk_tcp_send_mbuf() as it is.
 *
 * Returns the byte count (> 0, *out set), 0 (the peer closed its side and
 * everything was read; *out NULL), -EAGAIN, -ENOTCONN, -ECONNRESET,
 * -ETIMEDOUT as vmk_tcp_recv, -ENOBUFS (the first buffer had to be split
 * and no mbuf was left for it), -EINVAL.
 */
long vmk_tcp_recv_mbuf(struct vmk_tcp_sock *s, struct rte_mbuf **out, size_t max,
		       unsigned int timeout_ms);

/*
 * The pool the socket's netstack takes packet mbufs from: where to
 * allocate mbufs to fill for vmk_tcp_send_mbuf() (headroom is not needed:
 * headers travel in an mbuf of their own). The host owns it; do not free.
 * NULL when s is NULL or its netstack went away.
 */
struct rte_mempool *vmk_tcp_pool(struct vmk_tcp_sock *s);

#define VMK_TCP_SHUT_RD   1
#define VMK_TCP_SHUT_WR   2
#define VMK_TCP_SHUT_RDWR 3

/* Stop receiving (discard what arrives) and/or sending (a FIN follows the
 * queued data). Returns 0, -EINVAL, -ENOTCONN. */
int vmk_tcp_shutdown(struct vmk_tcp_sock *s, int how);

#define VMK_TCP_POLL_IN     0x01  /* data to read, or the peer closed (recv returns 0) */
#define VMK_TCP_POLL_OUT    0x02  /* established with room in the send buffer */
#define VMK_TCP_POLL_ACCEPT 0x04  /* a listener has a connection to accept */
#define VMK_TCP_POLL_HUP    0x08  /* both directions finished */
#define VMK_TCP_POLL_ERR    0x10  /* reset, refused or timed out */

/* Readiness of a socket (VMK_TCP_POLL_* bits, 0 if none). Thread: as the
 * socket's calls. */
unsigned int vmk_tcp_poll(struct vmk_tcp_sock *s);

/* State of a socket's connection. */
enum vmk_tcp_state vmk_tcp_state(struct vmk_tcp_sock *s);

/* Local and peer address and port (0 until known). Returns 0 or -EINVAL. */
int vmk_tcp_getsockname(struct vmk_tcp_sock *s, uint32_t *addr, uint16_t *port);
int vmk_tcp_getpeername(struct vmk_tcp_sock *s, uint32_t *addr, uint16_t *port);

/*
 * Release the socket. A connected one closes gracefully: queued data and a
 * FIN are still sent and the connection lives on without the handle
 * (FIN-WAIT, TIME-WAIT) until it ends; unread received data makes it a
 * reset instead, as RFC 9293 recommends. A listener resets the connections
 * it had not handed out. Accepts NULL.
 */
void vmk_tcp_close(struct vmk_tcp_sock *s);

/* Reset the connection (RST) and release the socket. Accepts NULL. */
void vmk_tcp_abort(struct vmk_tcp_sock *s);

/* ---- per-netstack settings, counters, connection list ----------------- */

struct vmk_tcp_params {
	uint32_t rto_min_us;       /* RFC 6298 lower bound; default 200,000 */
	uint32_t rto_initial_us;   /* before any RTT sample; default 1,000,000 */
	uint32_t delack_us;        /* delayed ACK timeout; default 40,000 */
	uint32_t msl_ms;           /* TIME-WAIT lasts 2 MSL; default 30,000 */
	uint32_t syn_retries;      /* SYN (and SYN-ACK) retransmissions; default 6 */
	uint32_t data_retries;     /* data retransmissions before giving up; default 15 */
	char cc[16];               /* congestion control: "newreno" (default) or "cubic" */
	uint32_t challenge_acks_per_s; /* RFC 5961 7: challenge ACKs the netstack
				    * sends per second at most; 0: no limit;
				    * default 1,000 */
};

/* Current settings of a netstack's TCP. Returns 0, -ENOENT, -EINVAL. */
int vmk_tcp_get_params(struct vmk_host *host, const char *netstack, struct vmk_tcp_params *out);

/* Change them (new connections take the congestion control; timers apply
 * at once). Returns 0, -ENOENT, -EINVAL (a value out of range, unknown cc). */
int vmk_tcp_set_params(struct vmk_host *host, const char *netstack,
		       const struct vmk_tcp_params *p);

struct vmk_tcp_stats {
	uint64_t active_opens;     /* SYN sent by connect */
	uint64_t passive_opens;    /* SYN accepted by a listener */
	uint64_t established;      /* connections that reached ESTABLISHED */
	uint64_t attempt_fails;    /* handshakes refused or timed out */
	uint64_t resets_rx;        /* connections reset by the peer */
	uint64_t segs_rx, segs_tx; /* segments received (valid) and sent */
	uint64_t retrans;          /* segments retransmitted (timeout or fast) */
	uint64_t timeouts;         /* RTO expiries */
	uint64_t fast_retrans;     /* losses repaired by fast retransmit */
	uint64_t rst_tx;           /* RSTs sent */
	uint64_t challenge_acks;   /* RFC 5961 challenge ACKs sent */
	uint64_t challenge_acks_limited; /* ... not sent: the second's budget was spent */
	uint64_t delayed_acks;     /* ACKs sent by the delayed-ACK timer */
	uint64_t drops[VMK_TCPDROP_MAX]; /* by reason (index 0 unused) */
	uint64_t syncookies_sent;  /* SYN-ACKs with a cookie (a listener's backlog was full) */
	uint64_t syncookies_ok;    /* connections made from a valid cookie */
	uint64_t syncookies_bad;   /* ACKs to a listener with no valid cookie (answered with RST) */
	uint64_t keepalive_probes; /* keepalive probes sent */
	uint64_t keepalive_drops;  /* connections reset after unanswered probes */
	uint64_t tlp_probes;       /* tail loss probes sent (RFC 8985 7) */
	uint64_t lost_rexmits;     /* retransmissions found lost and sent again (RACK) */
	uint64_t recovery_undos;   /* spurious fast recoveries undone (RFC 3522) */
	uint64_t reorder_seen;     /* times an undone recovery raised a connection's DupThresh */
};

/* TCP counters of a netstack. Returns 0, -ENOENT, -EINVAL. */
int vmk_tcp_get_stats(struct vmk_host *host, const char *netstack, struct vmk_tcp_stats *out);

/* One connection, as `esxcli network ip connection list` shows it. */
struct vmk_tcp_conn {
	uint32_t local_addr;       /* network byte order; 0: any (a listener) */
	uint16_t local_port;
	uint32_t foreign_addr;     /* 0 for a listener */
	uint16_t foreign_port;
	enum vmk_tcp_state state;
	uint32_t send_q;           /* bytes queued and not yet acknowledged */
	uint32_t recv_q;           /* bytes received and not yet read */
	uint32_t mss;              /* send MSS (0 before the handshake) */
	uint32_t cwnd;             /* congestion window, bytes */
	uint32_t snd_wnd;          /* peer's advertised window, bytes */
	uint32_t srtt_us;          /* smoothed RTT (0: no sample) */
	uint32_t rto_us;
	char cc[16];               /* congestion control */
};

/* Copy up to max connections of a netstack (listeners included); returns
 * how many exist (0 for an unknown netstack). */
unsigned int vmk_tcp_conn_list(struct vmk_host *host, const char *netstack,
			       struct vmk_tcp_conn *out, unsigned int max);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
