/*
 * The attach protocol between vmknetd and a program's socket layer (the
 * LD_PRELOAD library of vmkrun): one session per process, shared memory
 * for the data, a Unix stream socket for the few calls that change a
 * socket's state. Both sides include this header; nothing here needs DPDK.
 * docs/ARCHITECTURE.md ("Programs on VMkernel adapters") tells the story.
 *
 * Attach. The process connects to vmknetd's control socket and sends one
 * request line, as every control request:
 *   {"op":"session.attach","args":{"netstack":"defaultTcpipStack",
 *    "vmknic":"vmk1","slots":64,"ring_size":262144,"pid":1234,
 *    "program":"iperf3"}}\n
 * (every argument optional: netstack defaults to the vmknic's, or
 * defaultTcpipStack; slots and ring_size to VMKS_DEFAULT_*). The reply is
 * one JSON line
 *   {"ok":true,"result":{"session":7,"netstack":"...","vmknic":"vmk1",
 *    "address":"192.0.2.10","slots":64,"ring_size":262144,
 *    "shm_size":N}}\n
 * sent with sendmsg() carrying two descriptors (SCM_RIGHTS): [0] the
 * memfd of the shared segment (shm_size bytes, sealed against shrinking
 * and growing, so neither side can make the other fault), [1] the
 * session's doorbell eventfd (the process writes it, vmknetd reads it).
 * A refusal is {"ok":false,"errno":E,"error":"..."}\n with no descriptors,
 * and the connection closes. After a success the same connection stays
 * open as the session's channel and carries struct vmks_req / vmks_reply
 * messages; its end (the process exited, or was killed) ends the session:
 * vmknetd resets every connection the session still had, unless the
 * process said VMKS_OP_DETACH first (then they close gracefully, the data
 * they had queued sent).
 *
 * The shared segment:
 *   struct vmks_shm_hdr                      at 0
 *   struct vmks_slot[slots]                  at hdr.slot_offset
 *   ring data: slot i's tx at data_offset + (2 i) * ring_size,
 *              slot i's rx at data_offset + (2 i + 1) * ring_size
 * A slot is one socket. Its tx ring carries what the process sends (the
 * process produces, vmknetd consumes), its rx ring what it receives
 * (vmknetd produces, the process consumes). TCP rings carry the byte
 * stream; UDP rings carry records (struct vmks_dgram, then the payload,
 * padded to 8 bytes; a record may wrap around the ring's end).
 *
 * Who writes what (the rest of a side's state is private to it):
 *   vmknetd: hdr (all but doorbell_armed and dirty), slot.gen .. n_accept,
 *            tx.head, rx.tail, and the flags by exchange;
 *   process: tx.tail, rx.head, the dirty bitmap, doorbell_armed, and the
 *            flags by exchange.
 * vmknetd trusts nothing the process writes: it keeps its own copy of
 * every index it owns, checks each index it reads (tail - head within the
 * ring, never backwards; a UDP record's length within the bytes
 * published), and ends the session of a process that breaks a rule (a
 * corrupt or malicious process costs only itself). Flags and dirty bits
 * only make vmknetd look sooner; a wrong one costs a wasted look.
 *
 * Readiness on the process's fds. Each socket's fd is a real kernel fd:
 * end A of an AF_UNIX SOCK_STREAM socketpair whose end B both sides hold
 * (the process sends B with VMKS_OP_OPEN / VMKS_OP_ACCEPT). Its poll state
 * is the socket's, so poll, select, epoll, io_uring and any helper see
 * readiness without the library:
 *   readable (POLLIN)   a token byte waits in A: written through B when
 *                       rx data, a connection to accept, the peer's FIN or
 *                       an error appears (vmks_rx_signal below); the
 *                       process drains A when it found nothing (the
 *                       clear-then-recheck of vmks_rx_quiet);
 *   not writable        the process fills A's send buffer (through A) when
 *                       the tx ring is full or a connect is under way;
 *   writable (POLLOUT)  B is drained (by vmknetd when it freed tx room or
 *                       the connection became established; vmks_tx_room);
 *   RDHUP, IN           vmknetd shut B for writing: the peer's FIN (A
 *                       reads tokens, then end of file);
 *   HUP                 vmknetd shut B both ways: the connection is over
 *                       (reset, refused, timed out, closed).
 *
 * Wake-ups toward vmknetd: after producing tx bytes, consuming rx bytes
 * while the slot's rx_wait is set, or queueing a close, the process sets
 * the slot's bit in hdr.dirty and rings the doorbell (vmks_doorbell): an
 * eventfd write only when doorbell_armed was 0. vmknetd clears
 * doorbell_armed before it scans the dirty bits, so nothing is missed.
 */
#ifndef VMKNET_SOCKETS_SHM_H
#define VMKNET_SOCKETS_SHM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define VMKS_MAGIC            0x31306d68736b6d76ull   /* "vmkshm01" little-endian */
#define VMKS_VERSION          1u
#define VMKS_ATTACH_OP        "session.attach"

#define VMKS_DEFAULT_SLOTS    64u
#define VMKS_MAX_SLOTS        1024u
#define VMKS_DEFAULT_RING     (256u << 10)
#define VMKS_MIN_RING         (4u << 10)
#define VMKS_MAX_RING         (16u << 20)          /* power of two in between */
#define VMKS_MAX_SHM          (1ull << 30)         /* slots * 2 * ring_size at most */
#define VMKS_DGRAM_MAX        65507u               /* largest UDP payload */

#define VMKS_CACHELINE        64

/* One direction of a slot's data; indices count bytes since the slot was
 * opened (they never wrap in practice: 2^64 bytes); the byte at index i is
 * at data[i & (ring_size - 1)]. */
struct vmks_ring {
	_Alignas(VMKS_CACHELINE) uint64_t tail;   /* producer: bytes published */
	_Alignas(VMKS_CACHELINE) uint64_t head;   /* consumer: bytes taken */
};

/* Slot states (vmknetd's view, published in slot.state). */
enum vmks_state {
	VMKS_ST_FREE = 0,      /* no socket */
	VMKS_ST_OPEN,          /* created, bound or not, neither listening nor connecting */
	VMKS_ST_CONNECTING,    /* SYN sent */
	VMKS_ST_CONNECTED,     /* established (TCP), or a UDP socket */
	VMKS_ST_LISTENING,
	VMKS_ST_CLOSED,        /* over: see err and events */
};

/* slot.events: what vmknetd has seen, besides the rings' contents. */
#define VMKS_EV_ACCEPT    0x01u   /* a listener may have a connection to accept */
#define VMKS_EV_FIN       0x02u   /* the peer's FIN: the rx ring holds all there will be */
#define VMKS_EV_ERR       0x04u   /* the connection ended with err (refused, reset, ...) */
#define VMKS_EV_HUP       0x08u   /* the connection is over both ways */
#define VMKS_EV_WR_CLOSED 0x10u   /* sending is no longer possible (EPIPE) */

struct vmks_slot {
	/* written by vmknetd */
	_Alignas(VMKS_CACHELINE) uint32_t gen;   /* changes each time the slot is given out */
	uint32_t state;        /* enum vmks_state */
	uint32_t events;       /* VMKS_EV_* */
	int32_t err;           /* positive errno the connection ended with, 0 none */
	uint32_t proto;        /* VMKS_PROTO_* */
	uint32_t mss;          /* the connection's MSS, 0 until known */
	/* set by exchange, by either side */
	_Alignas(VMKS_CACHELINE) uint32_t rx_signalled;  /* a readable token was written */
	uint32_t tx_blocked;   /* the process made A unwritable; drain B when room frees */
	uint32_t rx_wait;      /* vmknetd stopped reading: the rx ring was full */
	struct vmks_ring tx;   /* process -> vmknetd */
	struct vmks_ring rx;   /* vmknetd -> process */
};

struct vmks_shm_hdr {
	/* written by vmknetd at attach, read-only afterwards */
	uint64_t magic;        /* VMKS_MAGIC */
	uint32_t version;      /* VMKS_VERSION */
	uint32_t n_slots;
	uint32_t ring_size;
	uint32_t slot_offset;  /* bytes from the segment's start */
	uint64_t data_offset;
	uint64_t shm_size;
	/* written by the process */
	_Alignas(VMKS_CACHELINE) uint32_t doorbell_armed;
	_Alignas(VMKS_CACHELINE) uint64_t dirty[VMKS_MAX_SLOTS / 64];
};

/* A UDP record's header in a ring (then len payload bytes, padded to 8). */
struct vmks_dgram {
	uint32_t len;          /* payload bytes, 0..VMKS_DGRAM_MAX */
	uint32_t addr;         /* tx: destination; rx: source; network byte order */
	uint16_t port;         /* host byte order */
	uint16_t pad;
	uint32_t pad2;
};

#define VMKS_DGRAM_SPACE(len) (sizeof(struct vmks_dgram) + (((uint64_t)(len) + 7u) & ~7ull))

/* ---- the channel's messages (fixed size, both ways) ------------------ */

enum vmks_proto { VMKS_PROTO_TCP = 1, VMKS_PROTO_UDP = 2 };

enum vmks_op {
	VMKS_OP_OPEN = 1,      /* proto; fd B attached -> slot, gen */
	VMKS_OP_BIND,          /* slot, addr, port (0: ephemeral) -> addr, port bound */
	VMKS_OP_LISTEN,        /* slot, value = backlog */
	VMKS_OP_CONNECT,       /* slot, addr, port -> 0 or -EINPROGRESS (TCP; never waits);
				* UDP: records the peer (binds first if unbound) */
	VMKS_OP_ACCEPT,        /* slot (listener); fd B for the new socket attached
				* -> new slot, gen, peer addr, port; or -EAGAIN */
	VMKS_OP_SHUTDOWN,      /* slot, value = SHUT_RD/WR/RDWR (after the tx ring's data) */
	VMKS_OP_CLOSE,         /* slot; value 1: abort (SO_LINGER 0: reset now).
				* Otherwise graceful: the tx ring's data is still
				* sent, then FIN; unread rx data makes it a reset */
	VMKS_OP_SETOPT,        /* slot, opt = VMKS_OPT_*, value, value2..4 */
	VMKS_OP_GETNAME,       /* slot -> local addr, port in addr/port, peer in
				* peer_addr/peer_port */
	VMKS_OP_DETACH,        /* the process exits: close its sockets gracefully */
};

enum vmks_opt {
	VMKS_OPT_NODELAY = 1,  /* value 0/1 */
	VMKS_OPT_KEEPALIVE,    /* value on, value2 idle_ms, value3 interval_ms, value4 count */
	VMKS_OPT_BUFFERS,      /* value send bytes, value2 receive bytes (0 keeps) */
	VMKS_OPT_PRIORITY,     /* value: SO_PRIORITY, for the traffic class (kept) */
};

struct vmks_req {
	uint32_t op;           /* enum vmks_op */
	uint32_t slot;
	uint32_t gen;          /* the slot's gen the process knows (stale: -EBADF) */
	uint32_t proto;        /* OPEN */
	uint32_t addr;         /* network byte order */
	uint16_t port;         /* host byte order */
	uint16_t opt;          /* SETOPT */
	int32_t value;
	uint32_t value2, value3, value4;
	uint32_t pad[6];
};

struct vmks_reply {
	int32_t ret;           /* 0 or a negative errno */
	uint32_t slot;         /* OPEN, ACCEPT: the new socket's slot */
	uint32_t gen;
	uint32_t addr;         /* BIND, GETNAME: local; ACCEPT: the peer */
	uint16_t port;
	uint16_t peer_port;    /* GETNAME */
	uint32_t peer_addr;    /* GETNAME */
	uint32_t pad[10];
};

_Static_assert(sizeof(struct vmks_req) == 64, "vmks_req is 64 bytes on the wire");
_Static_assert(sizeof(struct vmks_reply) == 64, "vmks_reply is 64 bytes on the wire");
_Static_assert(sizeof(struct vmks_dgram) == 16, "vmks_dgram is 16 bytes");

/* ---- layout ------------------------------------------------------------ */

static inline bool vmks_ring_size_ok(uint64_t size)
{
	return size >= VMKS_MIN_RING && size <= VMKS_MAX_RING && (size & (size - 1)) == 0;
}

static inline uint64_t vmks_slot_offset(void)
{
	return (sizeof(struct vmks_shm_hdr) + 4095u) & ~4095ull;
}

static inline uint64_t vmks_data_offset(uint32_t n_slots)
{
	return (vmks_slot_offset() + (uint64_t)n_slots * sizeof(struct vmks_slot) + 4095u) &
	       ~4095ull;
}

static inline uint64_t vmks_shm_size(uint32_t n_slots, uint32_t ring_size)
{
	return vmks_data_offset(n_slots) + (uint64_t)n_slots * 2u * ring_size;
}

static inline struct vmks_slot *vmks_slot(void *shm, uint32_t i)
{
	struct vmks_shm_hdr *h = shm;

	return (struct vmks_slot *)((char *)shm + h->slot_offset) + i;
}

/* Ring data of slot i: tx (process -> vmknetd) or rx. Give n_slots and
 * ring_size from the side's own copy, never re-read from the segment. */
static inline uint8_t *vmks_ring_data(void *shm, uint64_t data_offset, uint32_t ring_size,
				      uint32_t i, bool rx)
{
	return (uint8_t *)shm + data_offset + ((uint64_t)i * 2u + (rx ? 1u : 0u)) * ring_size;
}

/* ---- ring copies (wrap at the end) ------------------------------------- */

/* Copy len bytes into the ring's data at index idx. */
static inline void vmks_ring_put(uint8_t *data, uint32_t size, uint64_t idx, const void *src,
				 uint64_t len)
{
	uint64_t off = idx & (size - 1), first = size - off;

	if (first > len)
		first = len;
	memcpy(data + off, src, first);
	memcpy(data, (const uint8_t *)src + first, len - first);
}

/* Copy len bytes out of the ring's data at index idx. */
static inline void vmks_ring_get(const uint8_t *data, uint32_t size, uint64_t idx, void *dst,
				 uint64_t len)
{
	uint64_t off = idx & (size - 1), first = size - off;

	if (first > len)
		first = len;
	memcpy(dst, data + off, first);
	memcpy((uint8_t *)dst + first, data, len - first);
}

/* Index loads and stores: acquire what the other side published, release
 * what this side publishes. */
static inline uint64_t vmks_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void vmks_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ---- the flags ---------------------------------------------------------- */

/* Set a flag; true when this call set it (it was 0). */
static inline bool vmks_flag_raise(uint32_t *flag)
{
	return __atomic_exchange_n(flag, 1u, __ATOMIC_SEQ_CST) == 0;
}

/* Clear a flag; true when it was set. */
static inline bool vmks_flag_take(uint32_t *flag)
{
	return __atomic_exchange_n(flag, 0u, __ATOMIC_SEQ_CST) != 0;
}

/* The process: mark slot i for vmknetd's attention. Returns true when the
 * doorbell must be written (an 8-byte write of 1 to the eventfd). */
static inline bool vmks_doorbell(struct vmks_shm_hdr *h, uint32_t i)
{
	__atomic_fetch_or(&h->dirty[i / 64], 1ull << (i % 64), __ATOMIC_SEQ_CST);
	return vmks_flag_raise(&h->doorbell_armed);
}

#endif
