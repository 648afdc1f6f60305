/*
 * Event sets (include/vmknet/epoll.h), the application's side: create,
 * ctl, wait on the eventfd, destroy; and the lock-free hand-off the stack's
 * side (sock_ready.c) uses to make an entry pending (ep_item_signal).
 *
 * Threading: ctl, wait and destroy hold ep->lock (a mutex, application
 * threads only; never held while sleeping) and reach a socket's netstack
 * only through ns_call (attach, detach), so the lock order is ep->lock
 * before netstack.lock (common/lock.h). The producers (workers, under
 * their netstack's lock) touch an entry only through atomics: they push it
 * on ep->stack (a Treiber stack: pushes race each other, the consumer
 * takes everything at once, so there is no ABA), and write the eventfd
 * when they are the first since the consumer drained it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <vmknet/epoll.h>

#include "common/error.h"

#include "tcpip/epoll.h"
#include "tcpip/netstack.h"
#include "tcpip/sock_ready.h"
#include "tcpip/tcp.h"

#define EP_INTEREST (VMK_EPOLLIN | VMK_EPOLLOUT | VMK_EPOLLRDHUP | VMK_EPOLLERR | VMK_EPOLLHUP)
#define EP_FLAGS    (VMK_EPOLLET | VMK_EPOLLONESHOT)

static void ep_wake(struct vmk_epoll *ep)
{
	uint64_t one = 1;

	if (__atomic_exchange_n(&ep->armed, 1, __ATOMIC_SEQ_CST) == 0 &&
	    write(ep->efd, &one, sizeof(one)) != sizeof(one))
		__atomic_store_n(&ep->armed, 0, __ATOMIC_SEQ_CST); /* not written: let the next try */
}

void ep_item_signal(struct ep_item *it, bool wake)
{
	struct vmk_epoll *ep = it->ep;
	struct ep_item *head;

	if (__atomic_exchange_n(&it->queued, 1, __ATOMIC_SEQ_CST) != 0)
		return;                          /* pending already: nothing to do */
	head = __atomic_load_n(&ep->stack, __ATOMIC_RELAXED);
	do {
		it->snext = head;
	} while (!__atomic_compare_exchange_n(&ep->stack, &head, it, true, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	if (wake)
		ep_wake(ep);
}

/* ---- the consumer's lists (ep->lock) ---------------------------------- */

static void rdy_append(struct vmk_epoll *ep, struct ep_item *it) VMK_REQUIRES(ep->lock)
{
	it->rnext = NULL;
	it->rprev = ep->rdy_tail;
	if (ep->rdy_tail != NULL)
		ep->rdy_tail->rnext = it;
	else
		ep->rdy_head = it;
	ep->rdy_tail = it;
}

static void rdy_unlink(struct vmk_epoll *ep, struct ep_item *it) VMK_REQUIRES(ep->lock)
{
	if (it->rprev != NULL)
		it->rprev->rnext = it->rnext;
	else
		ep->rdy_head = it->rnext;
	if (it->rnext != NULL)
		it->rnext->rprev = it->rprev;
	else
		ep->rdy_tail = it->rprev;
	it->rprev = it->rnext = NULL;
}

/* Unlink an entry no producer can reach any more and free it. */
static void item_free(struct vmk_epoll *ep, struct ep_item *it) VMK_REQUIRES(ep->lock)
{
	if (it->iprev != NULL)
		it->iprev->inext = it->inext;
	else
		ep->items = it->inext;
	if (it->inext != NULL)
		it->inext->iprev = it->iprev;
	free(it);
}

/* Move the ready stack to the private list's end, oldest first. */
static void ep_collect(struct vmk_epoll *ep) VMK_REQUIRES(ep->lock)
{
	struct ep_item *s = __atomic_exchange_n(&ep->stack, NULL, __ATOMIC_SEQ_CST), *rev = NULL, *nx;

	for (; s != NULL; s = nx) {
		nx = s->snext;
		s->snext = rev;
		rev = s;
	}
	for (; rev != NULL; rev = nx) {
		nx = rev->snext;
		rdy_append(ep, rev);
	}
}

/* An entry taken off the lists whose socket may have closed meanwhile:
 * true when it was freed (closed, and no push of the close is pending). */
static bool reap_dead(struct vmk_epoll *ep, struct ep_item *it) VMK_REQUIRES(ep->lock)
{
	if (!__atomic_load_n(&it->dead, __ATOMIC_SEQ_CST))
		return false;
	/* queued was 1: the close pushed it again; the next harvest frees it. */
	if (__atomic_exchange_n(&it->queued, 1, __ATOMIC_SEQ_CST) == 0)
		item_free(ep, it);
	return true;
}

/* Report up to max ready entries. The eventfd is drained and `armed`
 * cleared before the stack is taken: a push after that writes it again. */
static int ep_harvest(struct vmk_epoll *ep, struct vmk_epoll_event *events, int max)
	VMK_REQUIRES(ep->lock)
{
	struct ep_item *it, *nx, *kept = NULL, **kept_end = &kept;
	uint64_t v;
	int n = 0;

	if (read(ep->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	__atomic_store_n(&ep->armed, 0, __ATOMIC_SEQ_CST);
	ep_collect(ep);
	for (it = ep->rdy_head; it != NULL && n < max; it = nx) {
		uint32_t ev;

		nx = it->rnext;
		rdy_unlink(ep, it);
		if (__atomic_load_n(&it->dead, __ATOMIC_SEQ_CST)) {
			item_free(ep, it);       /* it was pending: no push can follow */
			continue;
		}
		/* Cleared before the mask is read: a rise after this pushes it. */
		__atomic_store_n(&it->queued, 0, __ATOMIC_SEQ_CST);
		if (reap_dead(ep, it))
			continue;
		ev = __atomic_load_n(&it->mask, __ATOMIC_SEQ_CST) &
		     __atomic_load_n(&it->events, __ATOMIC_SEQ_CST);
		if (ev == 0)
			continue;
		events[n].events = ev;
		events[n].data = it->data;
		n++;
		if (it->flags & VMK_EPOLLONESHOT)
			__atomic_store_n(&it->events, 0, __ATOMIC_SEQ_CST);
		else if (!(it->flags & VMK_EPOLLET) &&
			 __atomic_exchange_n(&it->queued, 1, __ATOMIC_SEQ_CST) == 0) {
			/* level-triggered: checked again by the next wait */
			it->rnext = NULL;
			*kept_end = it;
			kept_end = &it->rnext;
		}
	}
	for (it = kept; it != NULL; it = nx) {
		nx = it->rnext;
		rdy_append(ep, it);
	}
	if (ep->rdy_head != NULL || __atomic_load_n(&ep->stack, __ATOMIC_SEQ_CST) != NULL)
		ep_wake(ep);
	return n;
}

/* ---- create, destroy, wait -------------------------------------------- */

int vmk_epoll_create(struct vmk_epoll **out)
{
	struct vmk_epoll *ep;

	if (out == NULL)
		return -EINVAL;
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL)
		return -ENOMEM;
	ep->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ep->efd < 0) {
		int err = errno == ENOMEM ? -ENOMEM : -EMFILE;

		free(ep);
		return vmk_err(err, "epoll: no eventfd");
	}
	vmk_mutex_init(&ep->lock);
	*out = ep;
	return 0;
}

int vmk_epoll_fd(const struct vmk_epoll *ep)
{
	return ep != NULL ? ep->efd : -EINVAL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vmk_epoll_wait(struct vmk_epoll *ep, struct vmk_epoll_event *events, int max,
		   int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;

	if (ep == NULL || events == NULL || max <= 0 || timeout_ms < -1)
		return -EINVAL;
	for (;;) {
		struct pollfd pfd = { .fd = ep->efd, .events = POLLIN };
		int n, wait_ms = -1;

		vmk_mutex_lock(&ep->lock);
		n = ep_harvest(ep, events, max);
		vmk_mutex_unlock(&ep->lock);
		if (n != 0 || timeout_ms == 0)
			return n;
		if (timeout_ms > 0) {
			int64_t left = deadline - mono_ms();

			if (left <= 0)
				return 0;
			wait_ms = (int)left;
		}
		if (poll(&pfd, 1, wait_ms) < 0)
			return errno == EINTR ? -EINTR : -errno;
	}
}

/* ---- ctl -------------------------------------------------------------- */

struct ctl_call {
	struct ep_item *it;
	int ret;
};

/* Lock held: watch the socket, reporting what is ready already. */
static void op_attach(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct ctl_call *c = arg;
	struct ep_item *it = c->it, *cur = it->r->item;
	uint32_t mask;

	(void)ns;
	if (cur != NULL) {
		c->ret = cur->ep == it->ep ? -EEXIST : -EBUSY;
		return;
	}
	mask = it->kind == EP_TCP ? tcp_ready_mask(it->sock) : udp_ready_mask(it->sock);
	__atomic_store_n(&it->r->mask, mask, __ATOMIC_RELEASE);
	__atomic_store_n(&it->mask, mask, __ATOMIC_SEQ_CST);
	__atomic_store_n(&it->r->item, it, __ATOMIC_RELEASE);
	c->ret = 0;
	if (mask & it->events)
		ep_item_signal(it, true);
}

/* Lock held: stop watching; no producer reaches the entry afterwards. */
static void op_detach(struct netstack *ns, void *arg)
	VMK_REQUIRES(ns->lock)
{
	struct ctl_call *c = arg;

	(void)ns;
	if (c->it->r->item == c->it)
		__atomic_store_n(&c->it->r->item, NULL, __ATOMIC_RELEASE);
}

/* Not analysed: without a netstack op_detach runs directly, and there is
 * no ns->lock to hold (its VMK_REQUIRES names the lock of a NULL ns). */
static void detach(struct netstack *ns, struct ep_item *it)
	VMK_NO_THREAD_SAFETY_ANALYSIS
{
	struct ctl_call c = { .it = it };

	if (ns != NULL)
		ns_call(ns, op_detach, &c);
	else
		op_detach(NULL, &c);             /* no netstack: nothing runs on it */
}

static int ctl_add(struct vmk_epoll *ep, struct netstack *ns, enum ep_kind kind, void *sock,
		   struct sock_ready *r, const struct vmk_epoll_event *ev) VMK_REQUIRES(ep->lock)
{
	struct ep_item *it;
	struct ctl_call c;

	if (ns == NULL) {
		return vmk_err(-ENETDOWN, "epoll: the socket's netstack went away");
	}
	it = calloc(1, sizeof(*it));
	if (it == NULL)
		return -ENOMEM;
	it->ep = ep;
	it->kind = kind;
	it->sock = sock;
	it->r = r;
	it->events = (ev->events & EP_INTEREST) | VMK_EPOLLERR | VMK_EPOLLHUP;
	it->flags = ev->events & EP_FLAGS;
	it->data = ev->data;
	c.it = it;
	ns_call(ns, op_attach, &c);
	if (c.ret < 0) {
		free(it);
		return vmk_err(c.ret, "%s", c.ret == -EEXIST ? "epoll: the socket is in this set already"
							  : "epoll: the socket is in another set");
	}
	it->inext = ep->items;
	if (ep->items != NULL)
		ep->items->iprev = it;
	ep->items = it;
	return 0;
}

static int ctl(struct vmk_epoll *ep, int op, struct netstack *ns, enum ep_kind kind, void *sock,
	       struct sock_ready *r, const struct vmk_epoll_event *ev)
{
	struct ep_item *it;
	int ret = 0;

	vmk_err_clear();
	if (op != VMK_EPOLL_CTL_ADD && op != VMK_EPOLL_CTL_MOD && op != VMK_EPOLL_CTL_DEL)
		return vmk_err(-EINVAL, "epoll: unknown ctl op %d", op);
	if (op != VMK_EPOLL_CTL_DEL &&
	    (ev == NULL || (ev->events & ~(EP_INTEREST | EP_FLAGS)) != 0))
		return vmk_err(-EINVAL, "epoll: no event, or an unknown event bit");
	vmk_mutex_lock(&ep->lock);
	it = __atomic_load_n(&r->item, __ATOMIC_ACQUIRE);
	if (op == VMK_EPOLL_CTL_ADD) {
		ret = ctl_add(ep, ns, kind, sock, r, ev);
	} else if (it == NULL || it->ep != ep) {
		ret = -ENOENT;
	} else if (op == VMK_EPOLL_CTL_MOD) {
		it->flags = ev->events & EP_FLAGS;
		it->data = ev->data;
		/* Pairs with sock_ready_set, which stores mask and loads events. */
		__atomic_store_n(&it->events, (ev->events & EP_INTEREST) | VMK_EPOLLERR | VMK_EPOLLHUP,
				 __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&it->mask, __ATOMIC_SEQ_CST) & it->events)
			ep_item_signal(it, true);
	} else {
		detach(ns, it);
		ep_collect(ep);
		if (__atomic_load_n(&it->queued, __ATOMIC_SEQ_CST))
			rdy_unlink(ep, it);
		item_free(ep, it);
	}
	vmk_mutex_unlock(&ep->lock);
	return ret;
}

int vmk_epoll_ctl_tcp(struct vmk_epoll *ep, int op, struct vmk_tcp_sock *s,
		      const struct vmk_epoll_event *ev)
{
	if (ep == NULL || s == NULL)
		return -EINVAL;
	return ctl(ep, op, s->ns, EP_TCP, s, &s->rd, ev);
}

int vmk_epoll_ctl_udp(struct vmk_epoll *ep, int op, struct vmk_udp_sock *s,
		      const struct vmk_epoll_event *ev)
{
	if (ep == NULL || s == NULL)
		return -EINVAL;
	return ctl(ep, op, s->ns, EP_UDP, s, &s->rd, ev);
}

void vmk_epoll_destroy(struct vmk_epoll *ep)
{
	if (ep == NULL)
		return;
	vmk_mutex_lock(&ep->lock);
	while (ep->items != NULL) {
		struct ep_item *it = ep->items;

		if (!__atomic_load_n(&it->dead, __ATOMIC_SEQ_CST))
			detach(it->kind == EP_TCP ? ((struct vmk_tcp_sock *)it->sock)->ns
						  : ((struct vmk_udp_sock *)it->sock)->ns, it);
		item_free(ep, it);
	}
	vmk_mutex_unlock(&ep->lock);
	vmk_mutex_destroy(&ep->lock);
	close(ep->efd);
	free(ep);
}
