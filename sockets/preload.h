/*
 * libvmkpreload.so, private: the program's side of the attach protocol
 * (sockets/shm.h). The library is preloaded (vmkrun) into an unmodified
 * program and puts its AF_INET (and AF_INET6, IPv4-mapped) sockets on a
 * running vmknetd's TCP/IP stack.
 *
 *   preload_real.c     the real libc functions (dlsym(RTLD_NEXT))
 *   preload_session.c  attach, the channel round trip, fork, exit
 *   preload_fdtab.c    fd -> socket table, reference counts
 *   preload_sock.c     socket state changes: open, bind, listen, connect,
 *                      accept, shutdown, close, names
 *   preload_ring.c     readiness on fd A/B and the ring copies
 *   preload_tcp.c      the TCP byte stream data path
 *   preload_udp.c      the UDP record data path
 *   preload_opt.c      socket options, fcntl, ioctl
 *   preload_io.c       the interposed entry points (thin)
 *
 * Threads: the channel round trip runs under the session mutex; a socket's
 * senders hold its tx mutex, its receivers (and accept) its rx mutex (the
 * rings are single-producer / single-consumer). Everything returns a
 * negative errno; only preload_io.c sets errno.
 */
#ifndef VMKNET_SOCKETS_PRELOAD_H
#define VMKNET_SOCKETS_PRELOAD_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "sockets/shm.h"

#define VMKP_EXPORT __attribute__((visibility("default")))

/* ---- the real functions (preload_real.c) ------------------------------ */

struct vmkp_real {
	int (*socket)(int, int, int);
	int (*socketpair)(int, int, int, int[2]);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*sendfile64)(int, int, off_t *, size_t);
	ssize_t (*read_chk)(int, void *, size_t, size_t);
	ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *,
				socklen_t *);
	int (*shutdown)(int, int);
	int (*close)(int);
	int (*close_range)(unsigned int, unsigned int, int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*poll)(struct pollfd *, nfds_t, int);
};

extern struct vmkp_real vmkp_real;

/* Resolve every real function (idempotent; safe before main and from any
 * thread). A function met again while resolving runs as a raw system call. */
void vmkp_real_init(void);

/* ---- the session (preload_session.c) ---------------------------------- */

struct vmkp_session {
	pthread_mutex_t mu;          /* attach, the channel round trip */
	int attached;                /* 1 once attached in this process */
	uint32_t epoch;              /* bumped by fork in the child: older sockets are stale */
	int ctl_fd;                  /* the channel (the control connection) */
	int bell_fd;                 /* the doorbell eventfd */
	uint8_t *shm;
	uint64_t shm_size;
	uint32_t n_slots, ring_size; /* own copies, never re-read */
	uint64_t slot_offset, data_offset;
	long id;
	char netstack[64], vmknic[32], address[48];
	int attach_err_shown;
};

extern struct vmkp_session vmkp_sess;

/* Attach if not attached yet (lazily, on the first socket). 0 or -errno. */
int vmkp_session_get(void);

/* One channel round trip: send req (with fd attached unless fd < 0), wait
 * for the reply. Returns the reply's ret or a transport -errno. */
int vmkp_call(struct vmks_req *req, int fd, struct vmks_reply *rep);

/* Attach and print what vmknetd gave (vmkrun --check). 0 or an exit code. */
int vmkp_check(void);

/* The library's fds sit high, away from the program's low numbers (and
 * count as private, vmkp_priv_add). */
int vmkp_fd_high(int fd);

/* ---- sockets and the fd table (preload_fdtab.c) ----------------------- */

struct vmkp_sock {
	int refs;                    /* atomic: fd mappings + calls in flight */
	uint32_t epoch;              /* the session's epoch at open */
	uint32_t slot, gen;
	uint32_t proto;              /* VMKS_PROTO_* */
	int domain;                  /* AF_INET or AF_INET6 (names are mapped) */
	int type;                    /* SOCK_STREAM / SOCK_DGRAM */
	int bfd;                     /* the library's copy of end B */
	int nonblock;                /* atomic: O_NONBLOCK of the open file */
	pthread_mutex_t tx_mu, rx_mu;
	/* state the library keeps (under tx_mu for connect/shutdown) */
	int opened;                  /* vmknetd gave it a slot */
	int connecting, bound, listening, udp_connected;
	int shut_rd, shut_wr, err_taken;
	struct vmkp_sock *pend;      /* listener: a connection accepted ahead */
	int pend_fd;                 /* its end A */
	int spare[2];                /* listener: a socketpair for the next ACCEPT */
	uint32_t peer_addr;          /* UDP default destination, TCP peer */
	uint16_t peer_port;
	/* options */
	int reuseaddr, reuseport, keepalive, keepidle, keepintvl, keepcnt;
	int nodelay, sndbuf, rcvbuf, priority, tos, v6only, linger_on, linger_s;
	struct timeval rcvtimeo, sndtimeo;
	struct vmkp_sock *next_free;
};

#define VMKP_MAX_FD 65536

/* The socket fd maps to, with a reference held (vmkp_put), or NULL. */
struct vmkp_sock *vmkp_get(int fd);
void vmkp_put(struct vmkp_sock *s);
/* A fresh socket (one reference, the caller's), or NULL. */
struct vmkp_sock *vmkp_sock_new(void);
/* Map fd to s, taking a reference; -EMFILE when fd is out of range. */
int vmkp_map(int fd, struct vmkp_sock *s);
/* Unmap fd; returns the socket it mapped (its reference now the caller's). */
struct vmkp_sock *vmkp_unmap(int fd);
/* Is fd a socket the library manages (no reference taken). */
bool vmkp_is_ours(int fd);

/* The library's own fds: marked by vmkp_fd_high, closed only through
 * vmkp_priv_close; close() and close_range() from the program skip them. */
void vmkp_priv_add(int fd);
bool vmkp_is_priv(int fd);
void vmkp_priv_close(int fd);
/* In the child of a fork: the table's locks start over. */
void vmkp_fdtab_after_fork(void);
/* The socket came from the parent before a fork: say so once, -EBADF. */
int vmkp_stale(const struct vmkp_sock *s);
static inline bool vmkp_is_stale(const struct vmkp_sock *s)
{
	return __atomic_load_n(&s->epoch, __ATOMIC_RELAXED) != vmkp_sess.epoch;
}

static inline struct vmks_slot *vmkp_slot(const struct vmkp_sock *s)
{
	return (struct vmks_slot *)(vmkp_sess.shm + vmkp_sess.slot_offset) + s->slot;
}

static inline uint8_t *vmkp_ring(const struct vmkp_sock *s, bool rx)
{
	return vmks_ring_data(vmkp_sess.shm, vmkp_sess.data_offset, vmkp_sess.ring_size, s->slot,
			      rx);
}

static inline uint32_t vmkp_load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* ---- readiness and copies (preload_ring.c) ---------------------------- */

/* An iovec walk. */
struct vmkp_iov {
	const struct iovec *iov;
	int cnt, i;
	size_t off;                  /* within iov[i] */
};

size_t vmkp_iov_total(const struct iovec *iov, int cnt);
void vmkp_iov_init(struct vmkp_iov *c, const struct iovec *iov, int cnt);
/* Copy n bytes between the walk and a ring at idx (both advance n). */
void vmkp_iov_to_ring(struct vmkp_iov *c, uint8_t *ring, uint64_t idx, size_t n);
void vmkp_ring_to_iov(struct vmkp_iov *c, const uint8_t *ring, uint64_t idx, size_t n);

/* Ring vmknetd's doorbell for the socket's slot. */
void vmkp_doorbell(const struct vmkp_sock *s);
/* Is there something to read (rx bytes, or events that make it readable). */
bool vmkp_rx_ready(const struct vmkp_sock *s);
/* Found rx empty (or consumed it to empty): the clear-then-recheck of shm.h.
 * True when it is readable after all (the token is back in A). */
bool vmkp_rx_quiet(struct vmkp_sock *s, int fd);
/* The tx ring is full (or a connect starts): make A unwritable, then
 * recheck with room_or_moved; true when it found room (A writable again). */
bool vmkp_tx_block(struct vmkp_sock *s, int fd, bool (*room_or_moved)(const struct vmkp_sock *));
/* After tx_block: vmknetd moved on; take the flag and drain B. */
void vmkp_tx_unblock(struct vmkp_sock *s);
/* The deadline (monotonic ms) a SO_RCVTIMEO/SO_SNDTIMEO gives; -1 none. */
int64_t vmkp_deadline(const struct timeval *tmo);
/* Wait for events on fd A (the real poll) up to the deadline.
 * 0 ready, -EAGAIN timed out, -EINTR, -EBADF. */
int vmkp_wait(int fd, short events, int64_t deadline);
/* Take the connection's error once (as SO_ERROR does); 0 when none. */
int vmkp_take_err(struct vmkp_sock *s);
/* Raise SIGPIPE for an EPIPE unless MSG_NOSIGNAL. */
int vmkp_epipe(int flags);

/* ---- data paths (preload_tcp.c, preload_udp.c) ------------------------ */

/* A destination for UDP (addr in network order); NULL: the connected peer. */
struct vmkp_dest {
	uint32_t addr;
	uint16_t port;
};

ssize_t vmkp_tcp_send(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags);
ssize_t vmkp_tcp_recv(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags);
ssize_t vmkp_udp_send(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags,
		      const struct vmkp_dest *dst);
ssize_t vmkp_udp_recv(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags,
		      struct vmkp_dest *src, int *msg_flags);
/* Bytes the next recv would see (FIONREAD): TCP all, UDP the next record. */
int vmkp_rx_pending(const struct vmkp_sock *s);

/* ---- socket state changes (preload_sock.c) ---------------------------- */

int vmkp_sock_open(int domain, int type, int protocol);           /* -> fd */
int vmkp_sock_bind(struct vmkp_sock *s, const struct sockaddr *sa, socklen_t len);
int vmkp_sock_listen(struct vmkp_sock *s, int backlog);
int vmkp_sock_connect(struct vmkp_sock *s, int fd, const struct sockaddr *sa, socklen_t len);
int vmkp_sock_accept(struct vmkp_sock *s, int fd, struct sockaddr *sa, socklen_t *len,
		     int flags);                                     /* -> new fd */
int vmkp_sock_shutdown(struct vmkp_sock *s, int how);
/* The last reference went: CLOSE (abort with SO_LINGER {1,0}), close B. */
void vmkp_sock_release(struct vmkp_sock *s);
int vmkp_sock_name(struct vmkp_sock *s, struct sockaddr *sa, socklen_t *len, bool peer);
/* UDP before the first send: bind to 0:0 like the kernel's autobind
 * (the caller holds the tx mutex). */
int vmkp_sock_autobind(struct vmkp_sock *s);

/* Addresses: a sockaddr for the socket's domain to addr/port (network,
 * host order); bind: IPv6 other than :: and ::ffff:x is EADDRNOTAVAIL,
 * connect: ENETUNREACH. And back (sockaddr_in6 ::ffff:a.b.c.d on AF_INET6). */
int vmkp_addr_from(const struct vmkp_sock *s, const struct sockaddr *sa, socklen_t len,
		   bool for_bind, uint32_t *addr, uint16_t *port);
void vmkp_addr_to(const struct vmkp_sock *s, uint32_t addr, uint16_t port, struct sockaddr *sa,
		  socklen_t *len);

/* ---- options (preload_opt.c) ------------------------------------------ */

int vmkp_setsockopt(struct vmkp_sock *s, int level, int name, const void *val, socklen_t len);
int vmkp_getsockopt(struct vmkp_sock *s, int level, int name, void *val, socklen_t *len);
/* fcntl on one of the socket's fds; arg as the caller passed it. */
int vmkp_fcntl(struct vmkp_sock *s, int fd, int cmd, long arg, int (*real)(int, int, ...));
int vmkp_ioctl(struct vmkp_sock *s, int fd, unsigned long req, void *arg);
/* dup family: register the new fd (ret of the real call) for s. */
int vmkp_dup_done(struct vmkp_sock *s, int newfd);

#endif
