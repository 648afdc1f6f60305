/*
 * Readiness of TCP and UDP sockets, epoll style: non-blocking sockets and
 * an event set an application thread waits on, or puts in its own
 * epoll/poll loop through an eventfd.
 *
 * The stack computes each socket's readiness on the worker that polls its
 * netstack, where the socket's state changes (data queued, an ACK freeing
 * send room, a FIN, a reset, a connection joining the accept queue, a read
 * or a send by the application), and hands a change to the event set
 * without a lock: a ready socket joins the set's ready list once, and the
 * set's eventfd is written only when that list goes from nothing pending to
 * something pending (not once per packet; no system call at all while an
 * event is already pending). vmk_epoll_wait() sleeps in poll(2) on that
 * eventfd; it never spins.
 *
 * Semantics follow Linux epoll(7):
 *   - level-triggered (default): a socket is reported by every wait while
 *     the condition holds;
 *   - VMK_EPOLLET: reported once per new readiness edge: a condition that
 *     appears, and every arrival (new in-order data or FIN, a connection
 *     joining a listener's accept queue) while it already holds. A send
 *     buffer reports OUT again after it fell below its writable mark, or
 *     after a send took less than it was given (short, or -EAGAIN for any
 *     reason, a lack of mbufs included), once it is writable (as Linux's
 *     SOCK_NOSPACE): so a writer that stops at a short send hears again;
 *   - VMK_EPOLLONESHOT: reported once, then disabled until VMK_EPOLL_CTL_MOD;
 *   - VMK_EPOLLERR and VMK_EPOLLHUP are always watched (they need not be
 *     asked for).
 * What a TCP socket reports (as Linux's tcp_poll):
 *   IN     data to read, the peer's FIN (recv returns 0), reading shut down,
 *          or, for a listener, a connection to accept;
 *   OUT    established with send room (free room at least half of what is
 *          queued), or sending shut down / the connection over (send then
 *          fails at once);
 *   RDHUP  the peer's FIN arrived (or reading was shut down, or the
 *          connection is over);
 *   HUP    both directions are finished (our FIN queued and the peer's
 *          received), or the socket is CLOSED: reset, refused, timed out,
 *          or never connected (as Linux, a socket not yet connected reports
 *          OUT | HUP: add it after vmk_tcp_connect);
 *   ERR    the connection ended with an error (refused, reset, timed out,
 *          netstack gone) not yet taken with vmk_tcp_error().
 * A TCP socket reports nothing while its handshake runs (SYN-SENT); a
 * non-blocking connect gives -EINPROGRESS and then OUT (established) or
 * ERR | HUP (vmk_tcp_error() says why).
 * What a UDP socket reports: IN while a datagram is queued; OUT always
 * (vmk_udp_sendto never waits: it fails with -ENOBUFS when the pool is dry).
 *
 * Threads: an event set may be used from any application thread (never a
 * worker); its calls are serialized inside, and vmk_epoll_wait() holds no
 * lock while it sleeps, so one thread may add sockets while another waits.
 * A socket is in at most one event set. Closing a socket removes it from
 * its event set (no further event; do not name it in a ctl call after the
 * close); a socket must not be closed while vmk_epoll_destroy() of its set
 * runs on another thread. Errors: negative errno; the text of
 * vmk_ip_last_error() says why for -EINVAL, -EEXIST, -EBUSY.
 */
#ifndef VMKNET_EPOLL_H
#define VMKNET_EPOLL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_tcp_sock;
struct vmk_udp_sock;
struct vmk_epoll;

/* Event bits: the values of Linux's EPOLL* (so they can be passed through). */
#define VMK_EPOLLIN      0x001u
#define VMK_EPOLLOUT     0x004u
#define VMK_EPOLLERR     0x008u
#define VMK_EPOLLHUP     0x010u
#define VMK_EPOLLRDHUP   0x2000u
#define VMK_EPOLLONESHOT (1u << 30)
#define VMK_EPOLLET      (1u << 31)

#define VMK_EPOLL_CTL_ADD 1
#define VMK_EPOLL_CTL_DEL 2
#define VMK_EPOLL_CTL_MOD 3

/* What the caller attaches to a socket; given back with each event. */
union vmk_epoll_data {
	void *ptr;
	int fd;
	uint32_t u32;
	uint64_t u64;
};

struct vmk_epoll_event {
	uint32_t events;              /* ctl: the interest (VMK_EPOLL* bits, ET,
				       * ONESHOT); wait: what is ready now */
	union vmk_epoll_data data;
};

/*
 * A new, empty event set. Returns 0 and sets *out, -ENOMEM, -EMFILE (no
 * eventfd), -EINVAL. The caller owns it and destroys it with
 * vmk_epoll_destroy(). Thread: any application thread.
 */
int vmk_epoll_create(struct vmk_epoll **out);

/*
 * Destroy an event set: its sockets leave it (they stay open). Accepts
 * NULL. No other call on ep may run or follow. Thread: any application
 * thread (see the close rule above).
 */
void vmk_epoll_destroy(struct vmk_epoll *ep);

/*
 * Add (VMK_EPOLL_CTL_ADD), change (VMK_EPOLL_CTL_MOD) or remove
 * (VMK_EPOLL_CTL_DEL; ev may be NULL) a socket of the event set. ev is read
 * during the call only. A socket added while already ready is reported by
 * the next wait. MOD re-arms a VMK_EPOLLONESHOT socket. Returns 0, -EINVAL
 * (NULL ep or socket, unknown op, unknown event bit, no ev for ADD/MOD),
 * -EEXIST (ADD: already in ep), -EBUSY (ADD: in another event set),
 * -ENOENT (MOD/DEL: not in ep), -ENOMEM, -ENETDOWN (the socket's netstack
 * went away). Thread: the socket's thread (the socket's calls may not run
 * at the same time).
 */
int vmk_epoll_ctl_tcp(struct vmk_epoll *ep, int op, struct vmk_tcp_sock *s,
		      const struct vmk_epoll_event *ev);
int vmk_epoll_ctl_udp(struct vmk_epoll *ep, int op, struct vmk_udp_sock *s,
		      const struct vmk_epoll_event *ev);

/*
 * Take up to max (> 0) ready sockets into events, waiting up to timeout_ms
 * when none is ready (0: do not wait; -1: wait for ever). Sleeps on the
 * set's eventfd (no CPU used while nothing happens). Returns the count
 * (0 when timeout_ms passed with nothing ready), -EINVAL, -EINTR (a signal
 * interrupted the sleep). Level-triggered sockets stay in the ready list
 * and are checked again by the next wait; when more than max are ready,
 * the rest are reported next time. events is the caller's; written with
 * the count returned. Thread: any application thread, several at once
 * (all wake; each event is reported to one of them).
 */
int vmk_epoll_wait(struct vmk_epoll *ep, struct vmk_epoll_event *events, int max,
		   int timeout_ms);

/*
 * The event set's eventfd, for the caller's own epoll/poll/select loop
 * (wait for POLLIN, then call vmk_epoll_wait(ep, ..., 0)). It is readable
 * while an event is pending, and after a wait that left level-triggered
 * sockets in the ready list (whose condition may have gone since: the
 * next vmk_epoll_wait then returns 0 and the fd turns quiet). Do not read,
 * write or close it: ep owns it (valid until vmk_epoll_destroy). -EINVAL
 * for a NULL ep. Thread: any.
 */
int vmk_epoll_fd(const struct vmk_epoll *ep);

/*
 * Non-blocking mode (off by default; accepted sockets start in blocking
 * mode). On: every timeout_ms of the socket's calls counts as 0, so
 * vmk_tcp_accept/recv/recv_mbuf/send/send_mbuf and vmk_udp_recvfrom return
 * -EAGAIN instead of waiting and vmk_tcp_connect returns -EINPROGRESS once
 * the SYN is sent (watch for VMK_EPOLLOUT). Returns 0 or -EINVAL. Thread:
 * the socket's thread.
 */
int vmk_tcp_set_nonblock(struct vmk_tcp_sock *s, bool on);
int vmk_udp_set_nonblock(struct vmk_udp_sock *s, bool on);

/*
 * The error a connection ended with, as SO_ERROR: 0 or a negative errno
 * (-ECONNREFUSED, -ECONNRESET, -ETIMEDOUT, -ENETDOWN). Taking it clears
 * VMK_EPOLLERR from the socket's readiness (HUP stays); the socket's calls
 * go on returning their errors. Returns 0 when there is none or it was
 * taken, -EINVAL for NULL. Thread: the socket's thread.
 */
int vmk_tcp_error(struct vmk_tcp_sock *s);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
