/*
 * Application requests carried to a netstack's worker by a ring.
 *
 * An application thread does not take a live netstack's lock: it puts a
 * request (a function and its argument, on the caller's stack) on the
 * netstack's multi-producer ring and waits; the worker that polls the
 * netstack runs the queued requests under the lock it already holds, in
 * order, once a loop (tcpip_if_poll). So the worker never finds the stack
 * locked by an application and never skips it, and applications on many
 * threads never spin against each other on the lock.
 *
 * A netstack that no worker polls (no adapter on a started host, unit
 * tests, a host being stopped) runs the request in the caller, under the
 * lock, after whatever was queued before. A caller whose queued request is
 * not taken within NS_CALL_TAKEOVER_US (the worker stopped in between) runs
 * the queue itself the same way. The ring's consumer always holds the
 * lock, so a request runs exactly once. A posted request (ns_post) is not
 * waited for: it carries its own storage, which its function releases.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>

#include <rte_pause.h>

#include "tcpip/netstack.h"

#define NS_REQ_RING        1024
#define NS_WORKER_ALIVE_US 2000      /* polled this recently: a worker runs it */
#define NS_CALL_TAKEOVER_US 5000     /* a queued request waits this long at most */
#define NS_CALL_SPIN_US    50        /* then yield between checks */

int ns_req_init(struct netstack *ns)
{
	static uint32_t seq;
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "vmk_nsreq_%u", __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	ns->reqs = rte_ring_create(name, NS_REQ_RING, SOCKET_ID_ANY, RING_F_SC_DEQ);
	return ns->reqs != NULL ? 0 : -ENOMEM;
}

void ns_req_fini(struct netstack *ns)
{
	rte_ring_free(ns->reqs);
	ns->reqs = NULL;
}

void ns_req_run(struct netstack *ns)
{
	struct ns_req *q[32];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(ns->reqs, (void **)q, RTE_DIM(q), NULL)) > 0)
		for (unsigned int i = 0; i < n; i++) {
			/* A posted request's storage may go with its fn. */
			bool posted = q[i]->posted;

			/* Lock held; the ns_call fns carry VMK_REQUIRES(ns->lock),
			 * which clang does not check through a pointer. */
			q[i]->fn(ns, q[i]->arg);
			if (!posted)
				__atomic_store_n(&q[i]->done, 1, __ATOMIC_RELEASE);
		}
}

static bool worker_alive(const struct netstack *ns, uint64_t now)
{
	uint64_t polled = __atomic_load_n(&ns->polled_us, __ATOMIC_RELAXED);

	/* Another core's TSC may run a little ahead of ours. */
	return polled != 0 && (int64_t)(now - polled) < NS_WORKER_ALIVE_US;
}

int ns_post(struct netstack *ns, struct ns_req *req)
{
	req->posted = true;
	if (!worker_alive(ns, tcpip_now_us()) || rte_ring_mp_enqueue(ns->reqs, req) != 0)
		return -EBUSY;
	return 0;
}

void ns_call(struct netstack *ns, ns_call_fn fn, void *arg)
{
	struct ns_req r = { .fn = fn, .arg = arg, .done = 0, .posted = false };
	uint64_t t0 = tcpip_now_us();

	if (worker_alive(ns, t0) && rte_ring_mp_enqueue(ns->reqs, &r) == 0) {
		while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
			uint64_t waited = tcpip_now_us() - t0;

			if (waited >= NS_CALL_TAKEOVER_US && vmk_spin_trylock(&ns->lock)) {
				ns_req_run(ns);      /* ours among them */
				vmk_spin_unlock(&ns->lock);
			} else if (waited >= NS_CALL_SPIN_US) {
				sched_yield();
			} else {
				rte_pause();
			}
		}
		return;
	}
	vmk_spin_lock(&ns->lock);
	ns_req_run(ns);                      /* what was queued comes first */
	fn(ns, arg); /* as in ns_req_run: not checked through the pointer */
	vmk_spin_unlock(&ns->lock);
}
