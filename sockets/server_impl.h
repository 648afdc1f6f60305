/*
 * The server's own state, shared by sockets/server.c (sessions, thread,
 * attach), server_chan.c (channel requests) and server_pump.c (data).
 *
 * Thread: a session is filled on the attach thread while its status is
 * SESS_RESERVED and belongs to the server thread once SESS_ACTIVE; the
 * queue between the two is under srv->lock. Slots are the server thread's.
 */
#ifndef VMKNET_SOCKETS_SERVER_IMPL_H
#define VMKNET_SOCKETS_SERVER_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <vmknet/tcp.h>

#include "sockets/server.h"
#include "sockets/shm.h"

struct vmk_tcp_sock;
struct vmk_udp_sock;
struct vmk_epoll;

#define SRV_NAME_MAX 64
#define SRV_BUF_SIZE (64u << 10)   /* one UDP datagram, the largest */
#define SRV_CONNS    256           /* connections looked through for an MSS */

/* Kernel epoll tags (high 32 bits of data.u64; low: the session index). */
enum { TAG_WAKE = 1, TAG_VMKEP, TAG_CHAN, TAG_BELL };

enum sess_status { SESS_FREE = 0, SESS_RESERVED, SESS_ACTIVE };

/* Server-side state of one slot (the shm slot's private counterpart). */
struct srv_slot {
	uint32_t gen, state, events, proto;
	int32_t err;
	bool in_use;          /* a socket is there (OPEN .. a close finishing) */
	bool closing;         /* CLOSE or DETACH: finish once the tx ring is sent */
	bool shut_wr;         /* SHUTDOWN WR asked: performed once the tx ring is sent */
	bool wr_done;         /* vmk_tcp_shutdown(WR) done */
	bool rd_done;         /* the peer's FIN seen, or reading shut down */
	bool tx_dead;         /* sending impossible: the tx ring is discarded */
	union {
		struct vmk_tcp_sock *tcp;
		struct vmk_udp_sock *udp;
	};
	int fd_b;             /* end B of the socket's socketpair */
	uint64_t tx_head;     /* private: bytes taken from the tx ring */
	uint64_t rx_tail;     /* private: bytes published into the rx ring */
	uint64_t rx_head;     /* the process's rx.head as last read (never backwards) */
	uint32_t peer_addr;   /* UDP: the connected peer (0: none) */
	uint16_t peer_port;
	int32_t priority;     /* SO_PRIORITY, kept for the traffic class */
	uint64_t drops;       /* UDP datagrams dropped (no peer, no room, send errors) */
};

struct vmks_session {
	int status;           /* enum sess_status, by atomic access */
	unsigned int index, id;
	int chan, doorbell, memfd;
	void *shm;
	uint64_t shm_size, data_offset;
	uint32_t n_slots, ring_size;
	uint32_t vmknic_addr; /* the vmknic's IPv4 (0: no vmknic) */
	int pid;
	char program[SRV_NAME_MAX], netstack[SRV_NAME_MAX], vmknic[SRV_NAME_MAX];
	bool detached;        /* DETACH said: sockets close gracefully */
	bool chan_gone;       /* the channel ended (after DETACH: lingering) */
	bool dead;            /* ends at the end of this round */
	const char *why;      /* why it ends (the log line) */
	unsigned int n_open;  /* slots in use (read by vmks_server_list) */
	struct srv_slot *slots;
};

struct vmks_server {
	struct vmk_host *host;
	pthread_t thread;
	bool started;
	int kep, wake;
	struct vmk_epoll *ep;
	pthread_mutex_t lock;          /* queue, stopping */
	unsigned int queue[VMKS_MAX_SESSIONS], q_len;
	bool stopping;
	unsigned int next_id;          /* attach thread */
	struct vmks_session sessions[VMKS_MAX_SESSIONS];
	uint8_t buf[SRV_BUF_SIZE];     /* server thread: one datagram */
	struct vmk_tcp_conn conns[SRV_CONNS];   /* server thread: finding an MSS */
};

/* The shm slot of a session's slot i. */
static inline struct vmks_slot *srv_shm_slot(struct vmks_session *ss, uint32_t i)
{
	return (struct vmks_slot *)((char *)ss->shm + vmks_slot_offset()) + i;
}

/* End the session at the end of this round, why for the log (the first
 * reason counts). */
void srv_session_fail(struct vmks_session *ss, const char *why);

/* server_chan.c: serve every complete request waiting on the channel.
 * Returns 0, or -1 when the channel ended (EOF or error). */
int srv_chan_serve(struct vmks_server *srv, struct vmks_session *ss);

/* CLOSE (and each socket at DETACH, or when the channel ends): abort
 * resets now; otherwise the tx ring is still sent (unread rx data makes
 * it a reset, as Linux) and the slot frees once it is. */
void srv_slot_close(struct vmks_server *srv, struct vmks_session *ss, uint32_t i, bool abort);

/* server_pump.c */
/* Move the data of slot i both ways and finish what waits on it. */
void srv_pump(struct vmks_server *srv, struct vmks_session *ss, uint32_t i);
/* A vmk_epoll event of slot i. */
void srv_slot_event(struct vmks_server *srv, struct vmks_session *ss, uint32_t i,
		    uint32_t events);
/* The doorbell rang: scan the dirty bitmap and pump what it names. */
void srv_doorbell(struct vmks_server *srv, struct vmks_session *ss);
/* Publish the slot's gen, state, events, err in the shared segment. */
void srv_publish(struct vmks_session *ss, uint32_t i);
/* Token through B: A becomes readable (at most one outstanding). */
void srv_rx_signal(struct vmks_session *ss, uint32_t i);
/* Read B empty, so A is writable again. */
void srv_drain_b(struct srv_slot *sl);
/* The connection ended with err (negative errno): CLOSED, ERR|HUP. */
void srv_conn_failed(struct vmks_session *ss, uint32_t i, int err);
/* Established: publish the connection's MSS (0 when not found). */
void srv_publish_mss(struct vmks_server *srv, struct vmks_session *ss, uint32_t i);
/* Release slot i's socket (abort: reset a TCP connection) and free it. */
void srv_slot_free(struct vmks_session *ss, uint32_t i, bool abort);
/* A closing slot whose tx ring is all sent: close it. */
void srv_try_finish(struct vmks_session *ss, uint32_t i);

#endif
