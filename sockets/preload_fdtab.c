/*
 * The fd table: which of the program's fds are vmknet sockets. Each is a
 * real kernel fd (end A of a socketpair), so the table is only a map from
 * its number to the socket; dup, dup2, dup3 and fcntl F_DUPFD add a
 * mapping to the same socket (the kernel fds share one open file, as a
 * dup'd socket does). A socket counts one reference per mapping and one
 * per call in flight; the last one going releases it (CLOSE to vmknetd).
 *
 * Threads: lock-free lookups (an atomic load, then taking a reference only
 * while the count is not zero, then checking the mapping still holds).
 * Released sockets go to a free list and are never given back to malloc,
 * so a lookup racing with a release never touches freed memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockets/preload.h"

static struct vmkp_sock *fdtab[VMKP_MAX_FD];
static struct vmkp_sock *free_list;
static pthread_mutex_t free_mu = PTHREAD_MUTEX_INITIALIZER;
static int stale_said;
/* The library's own fds (the channel, the doorbell, every B): a program
 * that closes "all its fds" must not close these. */
static uint64_t privmap[VMKP_MAX_FD / 64];

struct vmkp_sock *vmkp_sock_new(void)
{
	struct vmkp_sock *s;

	pthread_mutex_lock(&free_mu);
	s = free_list;
	if (s)
		free_list = s->next_free;
	pthread_mutex_unlock(&free_mu);
	if (!s)
		s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->tx_mu, NULL);
	pthread_mutex_init(&s->rx_mu, NULL);
	s->bfd = s->pend_fd = s->spare[0] = s->spare[1] = -1;
	s->epoch = vmkp_sess.epoch;
	s->refs = 1;
	return s;
}

bool vmkp_is_ours(int fd)
{
	return fd >= 0 && fd < VMKP_MAX_FD && __atomic_load_n(&fdtab[fd], __ATOMIC_ACQUIRE);
}

struct vmkp_sock *vmkp_get(int fd)
{
	struct vmkp_sock *s;
	int r;

	if (fd < 0 || fd >= VMKP_MAX_FD)
		return NULL;
	for (;;) {
		s = __atomic_load_n(&fdtab[fd], __ATOMIC_ACQUIRE);
		if (!s)
			return NULL;
		r = __atomic_load_n(&s->refs, __ATOMIC_RELAXED);
		while (r > 0 && !__atomic_compare_exchange_n(&s->refs, &r, r + 1, false,
							    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			;
		if (r <= 0)
			continue;           /* released under us: look again */
		if (__atomic_load_n(&fdtab[fd], __ATOMIC_ACQUIRE) == s)
			return s;
		vmkp_put(s);                /* fd was remapped meanwhile */
	}
}

void vmkp_put(struct vmkp_sock *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	vmkp_sock_release(s);
	pthread_mutex_destroy(&s->tx_mu);
	pthread_mutex_destroy(&s->rx_mu);
	pthread_mutex_lock(&free_mu);
	s->next_free = free_list;
	free_list = s;
	pthread_mutex_unlock(&free_mu);
}

int vmkp_map(int fd, struct vmkp_sock *s)
{
	struct vmkp_sock *old;

	if (fd < 0 || fd >= VMKP_MAX_FD)
		return -EMFILE;
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	old = __atomic_exchange_n(&fdtab[fd], s, __ATOMIC_ACQ_REL);
	/* The kernel gave out the number again: the old fd was closed behind
	 * our back (fclose of an fdopen'd socket, a raw syscall). */
	vmkp_put(old);
	return 0;
}

struct vmkp_sock *vmkp_unmap(int fd)
{
	if (fd < 0 || fd >= VMKP_MAX_FD)
		return NULL;
	return __atomic_exchange_n(&fdtab[fd], NULL, __ATOMIC_ACQ_REL);
}

int vmkp_stale(const struct vmkp_sock *s)
{
	(void)s;
	if (!__atomic_exchange_n(&stale_said, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "vmkrun: process %d uses a vmknet socket of its parent process; "
			"sockets do not survive fork (only close works on them)\n", (int)getpid());
	return -EBADF;
}

void vmkp_fdtab_after_fork(void)
{
	pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;

	free_mu = init;             /* a thread of the parent may have held it */
	stale_said = 0;
}

void vmkp_priv_add(int fd)
{
	if (fd >= 0 && fd < VMKP_MAX_FD)
		__atomic_fetch_or(&privmap[fd / 64], 1ull << (fd % 64), __ATOMIC_RELAXED);
}

bool vmkp_is_priv(int fd)
{
	return fd >= 0 && fd < VMKP_MAX_FD &&
	       (__atomic_load_n(&privmap[fd / 64], __ATOMIC_RELAXED) & (1ull << (fd % 64)));
}

void vmkp_priv_close(int fd)
{
	if (fd < 0)
		return;
	if (fd < VMKP_MAX_FD)
		__atomic_fetch_and(&privmap[fd / 64], ~(1ull << (fd % 64)), __ATOMIC_RELAXED);
	vmkp_real.close(fd);
}
