/*
 * The event set of include/vmknet/epoll.h and its entries, private to
 * tcpip/: epoll.c (the application's side: ctl, wait) and sock_ready.c
 * (the stack's side: publishing a socket's readiness).
 *
 * An entry (ep_item) joins its set's ready stack when its socket becomes
 * ready: producers (the workers of any netstack, under that netstack's
 * lock) push it, lock-free, once while its `queued` flag is set; the
 * set's consumer (whoever holds ep->lock: a wait or a ctl) takes the whole
 * stack with one exchange into the private ready list, where
 * level-triggered entries stay while ready. The eventfd is written by the
 * producer that sets `armed` (0 -> 1); the consumer clears `armed` and
 * drains the eventfd before it takes the stack, so no push goes unseen.
 */
#ifndef VMK_TCPIP_EPOLL_H
#define VMK_TCPIP_EPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include <vmknet/epoll.h>

#include "common/lock.h"

struct netstack;
struct sock_ready;

enum ep_kind { EP_TCP = 1, EP_UDP };

struct ep_item {
	struct vmk_epoll *ep;
	enum ep_kind kind;
	void *sock;                   /* struct vmk_tcp_sock / vmk_udp_sock */
	struct sock_ready *r;         /* the socket's readiness */
	/* shared with the producers (atomic) */
	uint32_t events;              /* interest, ERR | HUP included; 0: a
				       * one-shot entry that fired */
	uint32_t mask;                /* the socket's readiness as published */
	uint32_t queued;              /* on the ready stack or list */
	uint32_t dead;                /* the socket was closed */
	struct ep_item *snext;        /* ready stack */
	/* the consumer's (ep->lock) */
	uint32_t flags;               /* VMK_EPOLLET, VMK_EPOLLONESHOT */
	union vmk_epoll_data data;
	struct ep_item *rprev, *rnext; /* private ready list */
	struct ep_item *iprev, *inext; /* every entry of the set */
};

struct vmk_epoll {
	struct vmk_mutex lock;        /* the consumer: ctl, wait, destroy; guards
				       * rdy_head, rdy_tail and items */
	int efd;                      /* eventfd, non-blocking */
	uint32_t armed;               /* the eventfd was written, not drained */
	struct ep_item *stack;        /* ready stack (atomic head) */
	struct ep_item *rdy_head;
	struct ep_item *rdy_tail;
	struct ep_item *items;
};

/* Make it pending: push it on its set's ready stack unless it is already
 * pending, and write the eventfd unless it was written and not drained
 * (wake false: push only, no eventfd write). Any thread, no lock. */
void ep_item_signal(struct ep_item *it, bool wake);

#endif
