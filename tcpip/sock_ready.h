/*
 * Socket readiness (include/vmknet/epoll.h), the stack's side: the
 * readiness bits each TCP and UDP socket carries, and the one function that
 * publishes a change (sock_ready_set) to the event set watching the socket.
 *
 * Threading: the bits and the watcher pointer are written with ns->lock
 * held (the worker polling the netstack, or an application call carried to
 * it), so one socket has one writer at a time; readers on other threads
 * load them atomically. Publishing takes no lock: it marks the watcher
 * pending (an atomic flag), pushes it on its event set's lock-free ready
 * stack, and writes the set's eventfd only when nothing was pending there
 * before. A later watcher kind (a per-socket eventfd mirrored into shared
 * memory for a separate process) hooks in at the same point.
 */
#ifndef VMK_TCPIP_SOCK_READY_H
#define VMK_TCPIP_SOCK_READY_H

#include <stdbool.h>
#include <stdint.h>

#include <vmknet/epoll.h>

struct ep_item;
struct vmk_tcp_sock;
struct vmk_udp_sock;

struct sock_ready {
	uint32_t mask;                /* VMK_EPOLL* bits as last published */
	struct ep_item *item;         /* the event set's entry; NULL: none */
	bool err_taken;               /* vmk_tcp_error() took the error */
	bool nonblock;                /* the application thread's alone */
};

/* Publish readiness mask; edge: arrivals (VMK_EPOLLIN) that count as a new
 * edge even when the bit was already set. Cheap when nothing changed or
 * nobody watches. Lock held. */
void sock_ready_set(struct sock_ready *r, uint32_t mask, uint32_t edge);

/* The socket goes (close): its watcher learns it and is released by its
 * event set. Lock held (or no netstack any more). */
void sock_ready_release(struct sock_ready *r);

/* The readiness of a TCP socket / a UDP socket now. Lock held. */
uint32_t tcp_ready_mask(const struct vmk_tcp_sock *p);
uint32_t udp_ready_mask(const struct vmk_udp_sock *s);

/* Recompute and publish (edge as sock_ready_set). Lock held. */
void tcp_ready_update(struct vmk_tcp_sock *p, uint32_t edge);
void udp_ready_update(struct vmk_udp_sock *s, uint32_t edge);

/* A call's timeout: 0 in non-blocking mode. Application thread. */
static inline unsigned int sock_ready_timeout(const struct sock_ready *r, unsigned int ms)
{
	return r->nonblock ? 0 : ms;
}

#endif
