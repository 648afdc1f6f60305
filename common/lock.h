/*
 * Locks of the library, and the rules clang checks for them.
 *
 * Lock acquisition order: a thread takes a lock only while it holds none
 * below it in this table, and releases in the reverse order.
 *
 *   1. tcpip_host.lock   (tcpip/stack_host.h) control calls of tcpip/ and
 *                        vmknic/; mutex; never taken by workers
 *   2. vs_dp.lock        (vswitch/dp.h) control calls of vswitch/ and the
 *                        link monitor's passes; mutex; never taken by workers
 *   2b. vmk_epoll.lock   (tcpip/epoll.h) an event set's lists (ctl, wait);
 *                        mutex; application threads only, never held
 *                        while sleeping nor with tcpip_host.lock
 *   3. netstack.lock     (tcpip/netstack.h) one netstack's state;
 *                        vmk_spinlock (a capability: the functions that
 *                        need it carry VMK_REQUIRES(ns->lock)); workers
 *                        only try it
 *   4. leaf locks, held for a few instructions and never around another:
 *                        a shared ethdev tx queue's spinlock
 *                        (vswitch/port_ethdev.c), the vhost registry's
 *                        reg_lock (vswitch/port_vhost.c)
 *
 * The process-wide state behind the leaf locks (the vhost registry, the
 * ethdev claims) mirrors what DPDK itself keeps per process: rte_vhost's
 * callbacks carry no context and ethdev ids are process-wide.
 *
 * The annotations are clang's thread-safety attributes (as Open vSwitch's
 * OVS_REQUIRES, OVS_GUARDED_BY): `make check-thread-safety` (run by
 * `make test`) builds the library with clang -Wthread-safety -Werror. They
 * compile to nothing elsewhere.
 *
 * A struct field's guard: C's guarded_by cannot name a sibling member, so a
 * field a lock guards says so in a comment of one form, `guarded by: LOCK`
 * (grep for it), and the functions that touch it carry VMK_REQUIRES.
 */
#ifndef VMK_COMMON_LOCK_H
#define VMK_COMMON_LOCK_H

#include <pthread.h>
#include <stdbool.h>

#include <rte_spinlock.h>

#if defined(__clang__)
#define VMK_TSA(x) __attribute__((x))
#else
#define VMK_TSA(x)
#endif

#define VMK_CAPABILITY(name) VMK_TSA(capability(name))
#define VMK_GUARDED_BY(lock) VMK_TSA(guarded_by(lock))
#define VMK_PT_GUARDED_BY(lock) VMK_TSA(pt_guarded_by(lock))
#define VMK_REQUIRES(...) VMK_TSA(requires_capability(__VA_ARGS__))
#define VMK_EXCLUDES(...) VMK_TSA(locks_excluded(__VA_ARGS__))
#define VMK_ACQUIRES(...) VMK_TSA(acquire_capability(__VA_ARGS__))
#define VMK_RELEASES(...) VMK_TSA(release_capability(__VA_ARGS__))
#define VMK_TRY_ACQUIRES(ret, ...) VMK_TSA(try_acquire_capability(ret, __VA_ARGS__))
#define VMK_ASSERT_HELD(...) VMK_TSA(assert_capability(__VA_ARGS__))
#define VMK_NO_THREAD_SAFETY_ANALYSIS VMK_TSA(no_thread_safety_analysis)

/* A pthread mutex the analysis knows as a capability. */
struct VMK_CAPABILITY("mutex") vmk_mutex {
	pthread_mutex_t m;
};

/* A file-scope vmk_mutex's initializer (as PTHREAD_MUTEX_INITIALIZER). */
#define VMK_MUTEX_INITIALIZER { PTHREAD_MUTEX_INITIALIZER }

static inline void vmk_mutex_init(struct vmk_mutex *l)
{
	pthread_mutex_init(&l->m, NULL);
}

static inline void vmk_mutex_destroy(struct vmk_mutex *l)
{
	pthread_mutex_destroy(&l->m);
}

static inline void vmk_mutex_lock(struct vmk_mutex *l)
	VMK_ACQUIRES(*l) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	pthread_mutex_lock(&l->m);
}

static inline void vmk_mutex_unlock(struct vmk_mutex *l)
	VMK_RELEASES(*l) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	pthread_mutex_unlock(&l->m);
}

/* A DPDK spinlock the analysis knows as a capability (the FDB's writer
 * lock, netstack.lock). */
struct VMK_CAPABILITY("spinlock") vmk_spinlock {
	rte_spinlock_t l;
};

static inline void vmk_spin_init(struct vmk_spinlock *l)
{
	rte_spinlock_init(&l->l);
}

static inline void vmk_spin_lock(struct vmk_spinlock *l)
	VMK_ACQUIRES(*l) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	rte_spinlock_lock(&l->l);
}

/* true: taken. */
static inline bool vmk_spin_trylock(struct vmk_spinlock *l)
	VMK_TRY_ACQUIRES(true, *l) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	return rte_spinlock_trylock(&l->l) != 0;
}

static inline void vmk_spin_unlock(struct vmk_spinlock *l)
	VMK_RELEASES(*l) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	rte_spinlock_unlock(&l->l);
}

#endif
