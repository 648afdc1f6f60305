/*
 * TCP of a netstack, private to tcpip/: the connection block (tcp_pcb, which
 * is also the public struct vmk_tcp_sock), the per-netstack TCP state
 * (struct tcp_stack), and the functions of each phase: tcp_pcb.c (table,
 * lookup, ISNs, lifetime), tcp_input.c (RFC 9293 segment arrival),
 * tcp_syncookie.c (the stateless handshake of a full listener),
 * tcp_output.c (building and sending segments), tcp_timer.c (RTO, delayed
 * ACK, persist, keepalive, TIME-WAIT), tcp_sndq.c and tcp_rcvq.c (the
 * send and receive queues, on mbufs), tcp_sack.c (the sender's SACK scoreboard and
 * RFC 6675 loss recovery), tcp_cc_*.c (congestion control modules),
 * tcp_api.c (the public socket API).
 *
 * Threading: everything here runs with ns->lock held (see netstack.h), on
 * the worker (input, timers) or an application thread (API calls).
 */
#ifndef VMK_TCPIP_TCP_H
#define VMK_TCPIP_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <vmknet/tcp.h>
#include <vmknet/traffic.h>

#include "common/lock.h"

#include "tcpip/sock_ready.h"
#include "tcpip/wire_tcp.h"

struct netstack;
struct tcpip_if;

#define TCP_HASH_BUCKETS  1024
#define TCP_MAX_CONNS     4096        /* connection blocks per netstack */
/* SACKed ranges a sender's scoreboard keeps per connection: 64 * 8 bytes
 * (2 MiB for TCP_MAX_CONNS). Reordering against Linux (20 ms +- 5 ms) left
 * more than 8 holes in a window all the time. (The receiver's ranges
 * beyond holes are a table of their own: struct tcp_oooq.) */
#define TCP_OOO_RANGES    64
#define TCP_DEFAULT_BUF   (256u * 1024u)
#define TCP_MIN_BUF       4096u
#define TCP_MAX_BUF       (64u * 1024u * 1024u)
#define TCP_DEFAULT_MSS   536u        /* when the peer sends no MSS option */
#define TCP_RTO_MAX_US    (60ull * 1000000ull)
#define TCP_PERSIST_MIN_US 200000ull
#define TCP_DUPACK_THRESH 3
/* The most reordering (segments) a sender learns, as Linux's
 * tcp_max_reordering. */
#define TCP_MAX_REORDERING 300
#define TCP_EPHEMERAL_MIN 49152
#define TCP_TXQ_RESERVE   16          /* adapter ring slots data leaves free */

/* Sequence arithmetic (RFC 9293 3.4), modulo 2^32. */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* ---- storage on mbufs (tcp_sndq.c, tcp_rcvq.c) ----------------------- */

/*
 * Both queues hold their bytes in mbufs, as segments linked by ->next (the
 * first segment's pkt_len and nb_segs are not kept up to date: the queue
 * keeps its own byte count). Segments come from the netstack's pool (the
 * copying calls fill them), from the application (vmk_tcp_send_mbuf) or
 * from the network (received segments, headers cut off). Data the stack
 * did not write itself is never written to: a queued segment may share
 * its buffer with a clone in flight, with the peer's queue (two local
 * netstacks) or with the application.
 */

/* Send queue: the bytes from SND.UNA on (sent and not yet acknowledged,
 * then not yet sent). Segments leave as indirect mbufs over these
 * buffers (tcp_sndq_payload); an acknowledged segment is freed, and its
 * buffer returns to the pool once the last clone of it is freed. */
struct tcp_sndq {
	struct rte_mbuf *head, *tail;
	uint32_t len;                 /* bytes queued */
	uint32_t size;                /* the send buffer: len never exceeds it */
	bool tail_own;                /* the tail came from the copying path: its
				       * tailroom is the stack's to fill */
	struct rte_mbuf *cur;         /* slice cursor: a queued segment ... */
	uint32_t cur_off;             /* ... and its offset from the head */
};

static inline uint32_t tcp_sndq_room(const struct tcp_sndq *q) { return q->size - q->len; }
/* Copy up to n bytes from src to the queue's end: the tail's tailroom
 * when it is the stack's, then new mbufs from pool. Returns the bytes
 * queued (fewer than n when the room or the pool runs out). */
uint32_t tcp_sndq_write(struct tcp_sndq *q, struct rte_mempool *pool, const void *src,
			uint32_t n);
/* Append the chain m (pkt_len <= room, segments' data_len summing to it).
 * Takes m. */
void tcp_sndq_append(struct tcp_sndq *q, struct rte_mbuf *m);
/* Drop n acknowledged bytes from the head (n <= len). */
void tcp_sndq_consume(struct tcp_sndq *q, uint32_t n);
/* Free every queued segment. */
void tcp_sndq_free(struct tcp_sndq *q);

/* Ranges [start, end) in sequence space, sorted, disjoint: the sender's
 * SACK scoreboard. */
struct tcp_ooo {
	uint8_t n;
	uint32_t r[TCP_OOO_RANGES][2];
};

/* A range [s, e) the receiver holds beyond a hole, and its segments (one
 * chain, in sequence order, no byte twice). */
struct tcp_ooo_range {
	uint32_t s, e;
	struct rte_mbuf *head, *tail;
};

/* The receiver's ranges beyond holes (the SACK blocks it reports), sorted,
 * disjoint, all above RCV.NXT. The table is allocated (tcp_rcvq.c) by the
 * first segment that arrives beyond a hole, sized for as many ranges as
 * the receive queue's memory bound can hold segments, and kept until the
 * connection's queues are freed: a connection that never sees reordering
 * pays 16 bytes, one that does at most one allocation (more only if its
 * buffer grew). */
struct tcp_oooq {
	struct tcp_ooo_range *r;      /* NULL until needed */
	uint32_t n, cap;
};

/* Receive queue: the in-order bytes from the reader's position (the
 * segments held beyond a hole are in p->ooo, one chain per range).
 * Memory: every segment counts what it pins (tcp_rcvq.c: its buffer, once
 * per run of segments sharing one, plus the mbuf itself); the total stays
 * under mem_max. */
struct tcp_rcvq {
	struct rte_mbuf *head, *tail; /* in order */
	uint32_t len;                 /* in-order bytes */
	uint32_t size;                /* the receive buffer, bytes */
	uint32_t mem;                 /* what everything held pins, bytes */
	uint32_t mem_max;             /* 2 x size + reserve (tcp_rcvq_init) */
	uint32_t reserve;             /* a few pool mbufs: chain ends partly filled */
};

/* ---- congestion control (tcp_cc_*.c) -------------------------------- */

struct vmk_tcp_sock;

/* A congestion control module. The loss-recovery state machine (duplicate
 * ACK counting, the recovery point) is in tcp_input.c; the module only
 * moves cwnd and ssthresh. All hooks are called with the lock held. */
struct tcp_cc_ops {
	const char *name;
	void (*init)(struct vmk_tcp_sock *p);
	/* New data was acknowledged outside recovery. */
	void (*on_ack)(struct vmk_tcp_sock *p, uint32_t acked, uint64_t now);
	/* Third duplicate ACK: set ssthresh and cwnd for fast recovery. */
	void (*enter_recovery)(struct vmk_tcp_sock *p, uint64_t now);
	/* A further duplicate ACK in recovery. */
	void (*on_dupack)(struct vmk_tcp_sock *p);
	/* A partial ACK in recovery (acked bytes). */
	void (*on_partial_ack)(struct vmk_tcp_sock *p, uint32_t acked);
	/* The recovery point was acknowledged. */
	void (*exit_recovery)(struct vmk_tcp_sock *p);
	/* The retransmission timer expired. */
	void (*on_rto)(struct vmk_tcp_sock *p, uint64_t now);
};

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;
/* Shared by the modules (tcp_cc_newreno.c): the RFC 5681 3.1 initial
 * window, and fast recovery's window inflation per duplicate ACK,
 * RFC 6582 partial-ACK deflation and the window on leaving recovery. */
uint32_t tcp_cc_initial_window(uint32_t mss);
void tcp_cc_reno_on_dupack(struct vmk_tcp_sock *p);
void tcp_cc_reno_on_partial_ack(struct vmk_tcp_sock *p, uint32_t acked);
void tcp_cc_reno_exit_recovery(struct vmk_tcp_sock *p);
/* The module named name, or NULL. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);

/* ---- connection block ------------------------------------------------ */

#define TCPF_ACK_NOW      0x0001  /* send an ACK at the next output */
#define TCPF_DELACK       0x0002  /* an ACK is owed (delayed) */
#define TCPF_FIN_QUEUED   0x0004  /* the application shut down sending */
#define TCPF_FIN_SENT     0x0008
#define TCPF_FIN_RCVD     0x0010  /* peer's FIN received in order */
#define TCPF_NODELAY      0x0020
#define TCPF_WSCALE       0x0040  /* window scaling agreed */
#define TCPF_TS           0x0080  /* timestamps agreed */
#define TCPF_SACK_OK      0x0100  /* peer sent SACK-permitted */
#define TCPF_RD_SHUT      0x0200
#define TCPF_IN_RECOVERY  0x0400
#define TCPF_USER         0x0800  /* an application holds the handle */
#define TCPF_PASSIVE      0x1000  /* child of a listener */
#define TCPF_ACCEPTQ      0x2000  /* on its listener's accept queue */
#define TCPF_RTT_TIMING   0x4000
#define TCPF_OOO_FIN      0x8000  /* a FIN arrived beyond a hole */
#define TCPF_TXQ_WAIT     0x10000 /* output stopped at a full adapter ring: retry */
#define TCPF_SACK_SEEN    0x20000 /* the peer has sent SACK blocks */
#define TCPF_TLP_OUT      0x40000 /* a tail loss probe is unanswered */
#define TCPF_UNDO_OK      0x80000 /* this recovery may still prove spurious */
#define TCPF_DSACK        0x100000 /* a duplicate arrived: report p->dsack */

#define TCP_RXT_TRACK     16          /* retransmissions of a recovery watched for loss */

/* A retransmission in SACK recovery (tcp_rack.c): [s, e) sent at `at`,
 * when SND.MAX was `mark` (data from mark on was first sent after it). */
struct tcp_rxt {
	uint32_t s, e, mark;
	uint64_t at;
};

/* The connection block; the public handle is a pointer to it. */
struct vmk_tcp_sock {
	struct netstack *ns;          /* NULL: the netstack went away */
	struct vmk_tcp_sock *hnext;        /* hash chain (connections) */
	struct vmk_tcp_sock *next, *prev;  /* all blocks of the stack */
	struct vmk_tcp_sock *listener;     /* passive children: who accepts them */
	struct vmk_tcp_sock *aq_next;      /* accept queue link */
	struct vmk_tcp_sock *aq_head, *aq_tail; /* listener: accept queue */
	uint32_t n_children;          /* listener: SYN-RECEIVED + queued */
	uint32_t backlog;

	enum vmk_tcp_state state;
	uint32_t flags;               /* TCPF_* */
	int err;                      /* -errno the connection ended with */
	bool hashed;
	uint8_t tclass;               /* set by the program (vmk_tcp_set_class),
				       * inherited by accepted children;
				       * VMK_TC_NONE: ports and tags decide */
	uint32_t world;               /* vmk_tcp_set_world (0: the stack's
				       * process), inherited by accepted children */

	rte_be32_t laddr, faddr;
	uint16_t lport, fport;

	/* send sequence space */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_snd_wnd;
	uint8_t snd_ws, rcv_ws;
	uint16_t mss;                 /* send MSS: payload per segment, options excluded */
	uint16_t adv_mss;             /* what we announced */
	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge last advertised */
	uint32_t rcv_fin_seq;         /* with TCPF_OOO_FIN */
	uint32_t last_ack_sent;

	/* timestamps (RFC 7323) */
	uint32_t ts_recent;
	uint64_t ts_recent_us;

	/* retransmission (RFC 6298), microseconds */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_seq;
	uint64_t rtt_start_us;
	uint8_t n_backoff;
	uint8_t n_retries;

	/* congestion control */
	const struct tcp_cc_ops *cc;
	uint32_t cwnd, ssthresh, recover;
	uint32_t bytes_acked;         /* congestion avoidance accumulator */
	uint16_t dupacks;
	/* reordering an undone recovery showed (segments; 0: none seen):
	 * the DupThresh of IsLost and of entering recovery (tcp_rack.c) */
	uint16_t reordering;
	uint64_t cc_priv[4];          /* module state (CUBIC needs a few words) */
	/* SACK scoreboard (RFC 6675): ranges above snd_una the peer holds */
	struct tcp_ooo sacked;
	uint32_t high_rxt;            /* HighRxt: end of the last retransmission */
	/* lost retransmissions (tcp_rack.c): the recovery's retransmissions */
	struct tcp_rxt rxt[TCP_RXT_TRACK];
	uint8_t n_rxt;
	uint32_t lost_below;          /* in recovery: every hole below it is lost */
	/* Proportional Rate Reduction (tcp_prr.c): the pipe when recovery
	 * began, and the bytes delivered and sent since */
	uint32_t prr_recover_fs, prr_delivered, prr_out;
	uint32_t tlp_seq, tlp_end;    /* the unanswered tail loss probe's data */
	/* undo of a spurious recovery (RFC 3522): the window before it and
	 * the TSval of its first retransmission */
	uint32_t undo_cwnd, undo_ssthresh, undo_tsval;
	uint64_t undo_cc_priv[4];

	/* timers: absolute deadlines in us, 0 = off */
	uint64_t t_rexmt, t_delack, t_persist, t_2msl;
	uint64_t t_tlp;               /* tail loss probe (RFC 8985 7) */
	uint64_t t_keep;              /* keepalive: next idle check or probe */
	uint32_t ka_idle_ms, ka_intvl_ms; /* keepalive settings; idle 0: off */
	uint8_t ka_count, ka_probes;  /* probes allowed, probes unanswered */
	uint8_t segs_unacked;         /* full segments received since our last ACK */

	struct tcp_sndq sndq;         /* from snd_una */
	uint32_t posted;              /* bytes a send posted to the worker that
				       * are not in sndq yet (tcp_api.c; atomic) */
	uint32_t out_wanted;          /* atomic: a send took less than it was
				       * given; the next update that finds the
				       * socket writable reports an OUT edge
				       * (Linux's SOCK_NOSPACE; sock_ready.c) */
	struct tcp_rcvq rcvq;         /* from the reader's position; beyond holes */
	struct tcp_oooq ooo;          /* the ranges held beyond holes */
	uint32_t dsack[2];            /* with TCPF_DSACK: the duplicate (RFC 2883) */
	/* starts of the latest out-of-order segments, newest first: the
	 * order of the SACK blocks we report (RFC 2018 4) */
	uint32_t ooo_recent[TCP_MAX_SACK];
	uint8_t n_ooo_recent;
	uint32_t snd_size, rcv_size;  /* configured before the buffers exist */
	struct sock_ready rd;         /* readiness (sock_ready.h) */
};

/* ---- per-netstack TCP ------------------------------------------------ */

struct tcp_stack {
	struct vmk_tcp_sock *conns[TCP_HASH_BUCKETS];
	struct vmk_tcp_sock *all;          /* every block, listeners included */
	uint32_t n_pcbs;
	uint16_t next_port;
	uint64_t now;                 /* the last `now` passed in */
	uint64_t isn_key[2];          /* RFC 6528 secret */
	uint64_t cookie_key[2];       /* SYN cookie MAC secret */
	struct vmk_tcp_params params;
	uint64_t chack_second;        /* start of the challenge-ACK budget's second */
	uint32_t chack_sent;          /* challenge ACKs sent in it */
	const struct tcp_cc_ops *cc;
	/* Segments leave with their checksum, and larger than the MSS, left
	 * to transmit offload (TSO): the vSwitch passes them whole to another
	 * vmknic and finishes them in software for any other port. On by
	 * default; tests turn it off to see wire-sized segments. */
	bool tx_offload;
	struct vmk_tcp_stats st;
};

/* tcp_pcb.c */
int tcp_stack_init(struct netstack *ns);
void tcp_stack_fini(struct netstack *ns);
struct vmk_tcp_sock *tcp_pcb_new(struct netstack *ns);
/* Size the queues of p (from p->snd_size/rcv_size), before the handshake. */
void tcp_pcb_buffers(struct vmk_tcp_sock *p);
/* Enter the connection hash (4-tuple set). */
void tcp_pcb_hash(struct vmk_tcp_sock *p);
void tcp_pcb_unhash(struct vmk_tcp_sock *p);
/* Free the block if nobody needs it any more (CLOSED and no handle). */
void tcp_pcb_maybe_free(struct vmk_tcp_sock *p);
struct vmk_tcp_sock *tcp_lookup(struct netstack *ns, rte_be32_t laddr, uint16_t lport,
			   rte_be32_t faddr, uint16_t fport);
struct vmk_tcp_sock *tcp_lookup_listener(struct netstack *ns, rte_be32_t laddr, uint16_t lport);
bool tcp_port_used(struct netstack *ns, rte_be32_t laddr, uint16_t lport);
uint32_t tcp_isn(struct netstack *ns, rte_be32_t laddr, uint16_t lport, rte_be32_t faddr,
		 uint16_t fport, uint64_t now);
/* The connection ended (err 0: normally): CLOSED, timers off, unhashed;
 * freed when no handle holds it. */
void tcp_set_closed(struct vmk_tcp_sock *p, int err);
void tcp_set_state(struct vmk_tcp_sock *p, enum vmk_tcp_state s);
/* Remove a child from its listener (accept queue or pending count). */
void tcp_unlink_child(struct vmk_tcp_sock *p);

uint64_t tcp_siphash(const uint64_t key[2], uint64_t a, uint64_t b);

/* tcp_syncookie.c: the stateless handshake of a listener whose backlog is
 * full. A cookie binds the 4-tuple and the peer's ISN (irs). */
struct tcp_cookie_key {
	rte_be32_t laddr, faddr;
	uint16_t lport, fport;
	uint32_t irs;
};
struct tcp_cookie {
	uint16_t mss;                 /* the peer's (rounded down to a table entry) */
	int8_t wscale;                /* the peer's; -1: none */
	bool sack_ok, has_ts;
};
/* Our ISS for a SYN-ACK that keeps no state. */
uint32_t tcp_cookie_make(struct netstack *ns, const struct tcp_cookie_key *k,
			 const struct tcp_cookie *c, uint64_t now);
/* Whether cookie (the peer's ACK minus one) is ours and recent; *out gets
 * what it carries. */
bool tcp_cookie_check(struct netstack *ns, const struct tcp_cookie_key *k, uint32_t cookie,
		      uint64_t now, struct tcp_cookie *out);

/* tcp_input.c */
void tcp_input(struct netstack *ns, struct tcpip_if *ifc, struct rte_mbuf *m, uint16_t hlen,
	       uint64_t now)
	VMK_REQUIRES(ns->lock);

/* tcp_sndq.c: put the payload [SND.UNA + off, + len) of p's send queue
 * (off + len <= sndq.len, len > 0) behind the headers in m (one segment):
 * a chain of indirect mbufs from the netstack's clone pool over the
 * queued buffers, so no byte is copied; a payload of at most 256 bytes is
 * copied into m's tailroom instead (cheaper than a clone). Returns 0, or
 * -ENOBUFS with m unchanged (the clone pool is empty). */
int tcp_sndq_payload(struct vmk_tcp_sock *p, struct rte_mbuf *m, uint32_t off, uint32_t len);

/* tcp_rcvq.c */
/* Sizes and the memory bound from p->rcv_size and the netstack's pool. */
void tcp_rcvq_init(struct vmk_tcp_sock *p);
/* Take the payload [seq, seq + len) of segment m, at byte off of m, into
 * the queue: in order (seq == RCV.NXT: RCV.NXT advances, across the
 * ranges the segment joins) or beyond a hole. Takes m in every case.
 * Returns 0, -ENOSPC (a new range and no room in the table: its bound
 * reached, or no memory for it), -ENOMEM (over the memory bound) or
 * -ENOBUFS (no mbuf to compact it into); nothing is held then. Bytes
 * that were held already are reported as a D-SACK (tcp_dsack_note). */
int tcp_rcvq_input(struct vmk_tcp_sock *p, struct rte_mbuf *m, uint32_t off, uint32_t seq,
		   uint32_t len);
/* Copy up to n in-order bytes to dst and drop them. Returns the count. */
uint32_t tcp_rcvq_read(struct vmk_tcp_sock *p, void *dst, uint32_t n);
/* Detach up to max in-order bytes as a chain (whole segments, the last
 * one split by a clone when it does not fit). Returns the bytes (*out set,
 * the caller owns it), 0 when the queue is empty, or -ENOBUFS (a split
 * needed an mbuf and there was none). */
long tcp_rcvq_take(struct vmk_tcp_sock *p, uint32_t max, struct rte_mbuf **out);
/* Free the in-order bytes (shutdown of reading). */
void tcp_rcvq_discard(struct vmk_tcp_sock *p);
/* The index of the range beyond a hole that holds byte seq, or p->ooo.n
 * (none): a binary search of the sorted table. */
uint32_t tcp_rcvq_range_holding(const struct vmk_tcp_sock *p, uint32_t seq);
/* Free the data held beyond holes, forget the ranges, free their table. */
void tcp_rcvq_free_ooo(struct vmk_tcp_sock *p);
/* Duplicate bytes [s, e) arrived: the next ACK's first SACK block reports
 * them (RFC 2883); a later duplicate replaces an unsent one. */
static inline void tcp_dsack_note(struct vmk_tcp_sock *p, uint32_t s, uint32_t e)
{
	p->flags |= TCPF_ACK_NOW;
	if (!(p->flags & TCPF_SACK_OK))
		return;
	p->dsack[0] = s;
	p->dsack[1] = e;
	p->flags |= TCPF_DSACK;
}
/* The window to offer: the receive buffer's free bytes, or half the memory
 * the queue may still pin (beyond its reserve) when that is less. */
uint32_t tcp_rcvq_window(const struct vmk_tcp_sock *p);
/* Bytes the receive buffer still takes from RCV.NXT (acceptance, trim). */
static inline uint32_t tcp_rcvq_room(const struct vmk_tcp_sock *p)
{
	return p->rcvq.mem_max == 0 ? 0 : p->rcvq.size - p->rcvq.len;
}

/* tcp_output.c */
/* Send what the windows allow, and any ACK owed. */
void tcp_output(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock);
/* Send one segment: data [seq, seq+len) from the send queue with flags. */
int tcp_send_segment(struct vmk_tcp_sock *p, uint32_t seq, uint32_t len, uint8_t flags,
		     uint64_t now)
	VMK_REQUIRES(p->ns->lock);
void tcp_send_ack(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock);
int tcp_send_syn(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock);
/* Send the segment r (no payload, ports set) from laddr to faddr with no
 * connection block: RSTs and SYN cookie SYN-ACKs. */
void tcp_send_bare(struct netstack *ns, rte_be32_t laddr, rte_be32_t faddr,
		   const struct tcp_repr *r, uint64_t now)
	VMK_REQUIRES(ns->lock);
/* RST (and optionally ACK) with these numbers from laddr:lport to faddr:fport. */
void tcp_send_rst(struct netstack *ns, rte_be32_t laddr, uint16_t lport, rte_be32_t faddr,
		  uint16_t fport, uint32_t seq, uint32_t ack, bool with_ack, uint64_t now)
	VMK_REQUIRES(ns->lock);
/* Payload bytes one segment on the wire carries now: the MSS less the
 * SACK blocks our next segment reports. */
uint32_t tcp_seg_room(const struct vmk_tcp_sock *p);
/* The window we advertise (field value, scaled). */
uint16_t tcp_rcv_wnd_field(struct vmk_tcp_sock *p);
uint32_t tcp_rcv_space(const struct vmk_tcp_sock *p);
/* Our MSS for the adapter that reaches faddr (from laddr; 0: any). */
uint16_t tcp_mss_to(struct netstack *ns, rte_be32_t faddr, rte_be32_t laddr)
	VMK_REQUIRES(ns->lock);
uint16_t tcp_mss_for(struct netstack *ns, struct vmk_tcp_sock *p)
	VMK_REQUIRES(ns->lock);
/* Our window scale for a receive buffer of size bytes (RFC 7323 2.3). */
static inline uint8_t tcp_wscale_for(uint32_t size)
{
	uint8_t ws = 0;

	while ((size >> ws) > 65535 && ws < TCP_MAX_WSCALE)
		ws++;
	return ws;
}
static inline uint32_t tcp_ts_now(uint64_t now) { return (uint32_t)(now / 1000u); }
static inline uint32_t tcp_in_flight(const struct vmk_tcp_sock *p) { return p->snd_max - p->snd_una; }

/* tcp_sack.c: the sender's SACK scoreboard and RFC 6675 loss recovery. */
/* Record the ACK's SACK blocks (those above SND.UNA, within what was
 * sent); *news: some told something new. */
void tcp_sack_update(struct vmk_tcp_sock *p, const struct tcp_repr *r, bool *news);
/* SND.UNA advanced: forget what lies below it; HighRxt at least SND.UNA. */
void tcp_sack_prune(struct vmk_tcp_sock *p);
/* The end of the SACKed range holding seq, or seq when none does. */
uint32_t tcp_sack_sacked_end(const struct vmk_tcp_sock *p, uint32_t seq);
/* The start of the first SACKed range above seq, or SND.MAX. */
uint32_t tcp_sack_next_sacked(const struct vmk_tcp_sock *p, uint32_t seq);
/* RFC 6675 IsLost(seq). */
bool tcp_sack_is_lost(const struct vmk_tcp_sock *p, uint32_t seq);
/* RFC 6675 SetPipe: bytes estimated in the network. */
uint32_t tcp_sack_pipe(const struct vmk_tcp_sock *p);
/* Retransmit lost segments (NextSeg rule 1) while cwnd - pipe >= SMSS. */
void tcp_sack_retransmit(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock);
/* Bytes the scoreboard holds SACKed. */
uint32_t tcp_sack_bytes(const struct vmk_tcp_sock *p);
/* Whether lost data waits to be retransmitted (NextSeg rule 1 has a
 * segment): the scoreboard shows a loss not repaired yet. */
bool tcp_sack_loss_pending(const struct vmk_tcp_sock *p);
/* In loss recovery with the SACK scoreboard (else NewReno's). */
static inline bool tcp_sack_recovery(const struct vmk_tcp_sock *p)
{
	return (p->flags & (TCPF_IN_RECOVERY | TCPF_SACK_OK)) ==
	       (TCPF_IN_RECOVERY | TCPF_SACK_OK);
}

/* tcp_prr.c: Proportional Rate Reduction (RFC 9937), how much SACK loss
 * recovery sends. */
/* Recovery began (TCPF_IN_RECOVERY and the module's ssthresh set, before
 * the fast retransmit): RecoverFS is the pipe now. */
void tcp_prr_start(struct vmk_tcp_sock *p);
/* An ACK in recovery delivered `delivered` bytes (SND.UNA's advance plus
 * the bytes newly SACKed); `una_moved`: it advanced SND.UNA. Sets cwnd to
 * pipe + what PRR lets go now. */
void tcp_prr_ack(struct vmk_tcp_sock *p, uint32_t delivered, bool una_moved);
/* A data segment of len bytes was sent (counted while in SACK recovery). */
static inline void tcp_prr_sent(struct vmk_tcp_sock *p, uint32_t len)
{
	if (tcp_sack_recovery(p))
		p->prr_out += len;
}

/* tcp_rack.c: loss detection beside RFC 6675's duplicate-ACK count:
 * early retransmit, limited transmit, tail loss probes, lost
 * retransmissions and the undo of spurious recoveries. */
/* RFC 5827 early retransmit: DupThresh lowered to (outstanding segments
 * - 1) when fewer than four are outstanding and nothing new can go. */
uint32_t tcp_dupthresh(const struct vmk_tcp_sock *p);
/* Data from s arrived after data up to top (segments sent after it): the
 * reordering degree is their distance in segments; DupThresh (tcp_reo_thresh)
 * grows to exceed it, up to TCP_MAX_REORDERING, and never shrinks (as
 * Linux's tp->reordering; RFC 4653's idea). Counted in reorder_seen. */
void tcp_note_reordering(struct vmk_tcp_sock *p, uint32_t s, uint32_t top);
/* DupThresh as reordering has raised it (TCP_DUPACK_THRESH at least). */
static inline uint32_t tcp_reo_thresh(const struct vmk_tcp_sock *p)
{
	return p->reordering > TCP_DUPACK_THRESH ? p->reordering : TCP_DUPACK_THRESH;
}
/* RFC 3042 limited transmit: what the first two duplicate ACKs add to
 * the congestion window for new data. */
static inline uint32_t tcp_limited_transmit(const struct vmk_tcp_sock *p)
{
	if ((p->flags & TCPF_IN_RECOVERY) || p->dupacks == 0 || p->dupacks > 2)
		return 0;
	return (uint32_t)p->dupacks * p->mss;
}
/* Whether the unanswered tail loss probe's data is SACKed: what was sent
 * before it is lost (RFC 8985 7.4, by RACK's time order). */
bool tcp_tlp_sacked(const struct vmk_tcp_sock *p);
/* An ACK SACKed new data: in recovery, where no cumulative ACK may come
 * for long, the probe was answered and the PTO starts again. */
void tcp_tlp_sack_news(struct vmk_tcp_sock *p, uint64_t now);
/* (Re)schedule the tail loss probe after sending or an ACK (or cancel). */
void tcp_tlp_arm(struct vmk_tcp_sock *p, uint64_t now);
/* The probe timer expired: send one new segment or resend the last. */
void tcp_tlp_expired(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock);
/* A retransmission of [s, e) in SACK recovery was sent. */
void tcp_rack_sent(struct vmk_tcp_sock *p, uint32_t s, uint32_t e, uint64_t now);
/* Resend the recovery's retransmissions that data sent after them
 * overtook by more than the reordering window (RFC 8985 6.2 simplified). */
void tcp_rack_detect(struct vmk_tcp_sock *p, uint64_t now)
	VMK_REQUIRES(p->ns->lock);
/* Recovery begins: remember what an undo restores. */
void tcp_undo_save(struct vmk_tcp_sock *p, uint64_t now);
/* The first ACK of new data in recovery: when it echoes a timestamp older
 * than the first retransmission, the original arrived (RFC 3522): undo
 * the window reduction and leave recovery. Returns whether it did. */
bool tcp_undo_check(struct vmk_tcp_sock *p, const struct tcp_repr *r);

/* tcp_timer.c */
void tcp_timers(struct netstack *ns, uint64_t now);
void tcp_rtt_sample(struct vmk_tcp_sock *p, uint32_t rtt_us);
/* (Re)arm the retransmission timer at now + rto (backed off). */
void tcp_arm_rexmt(struct vmk_tcp_sock *p, uint64_t now);
void tcp_enter_time_wait(struct vmk_tcp_sock *p, uint64_t now);
/* A segment came from the peer: the keepalive idle time starts again. */
static inline void tcp_keepalive_heard(struct vmk_tcp_sock *p, uint64_t now)
{
	if (p->ka_idle_ms != 0) {
		p->t_keep = now + p->ka_idle_ms * 1000ull;
		p->ka_probes = 0;
	}
}

#endif
