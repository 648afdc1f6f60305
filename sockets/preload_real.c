/*
 * The real libc functions behind the interposed ones, resolved with
 * dlsym(RTLD_NEXT). Resolution runs from the library's first constructor
 * and again from any interposed call that comes earlier (another library's
 * constructor); it is idempotent, so racing threads only write the same
 * values. dlsym itself may call back into an interposed function (it can
 * allocate, and an allocator may close or read): such a call, met on the
 * resolving thread, finds its pointer still NULL and the io layer falls
 * back to the raw system call (preload_io.c's REAL()).
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "sockets/preload.h"

struct vmkp_real vmkp_real;

static __thread int resolving;

#define RESOLVE(field, name) \
	do { \
		if (!vmkp_real.field) \
			*(void **)&vmkp_real.field = dlsym(RTLD_NEXT, name); \
	} while (0)

void vmkp_real_init(void)
{
	if (resolving || __atomic_load_n(&vmkp_real.poll, __ATOMIC_ACQUIRE))
		return;
	resolving = 1;
	RESOLVE(socket, "socket");
	RESOLVE(socketpair, "socketpair");
	RESOLVE(bind, "bind");
	RESOLVE(listen, "listen");
	RESOLVE(accept, "accept");
	RESOLVE(accept4, "accept4");
	RESOLVE(connect, "connect");
	RESOLVE(read, "read");
	RESOLVE(write, "write");
	RESOLVE(readv, "readv");
	RESOLVE(writev, "writev");
	RESOLVE(send, "send");
	RESOLVE(recv, "recv");
	RESOLVE(sendto, "sendto");
	RESOLVE(recvfrom, "recvfrom");
	RESOLVE(sendmsg, "sendmsg");
	RESOLVE(recvmsg, "recvmsg");
	RESOLVE(sendmmsg, "sendmmsg");
	RESOLVE(recvmmsg, "recvmmsg");
	RESOLVE(sendfile, "sendfile");
	RESOLVE(sendfile64, "sendfile64");
	RESOLVE(read_chk, "__read_chk");
	RESOLVE(recv_chk, "__recv_chk");
	RESOLVE(recvfrom_chk, "__recvfrom_chk");
	RESOLVE(shutdown, "shutdown");
	RESOLVE(close, "close");
	RESOLVE(close_range, "close_range");
	RESOLVE(dup, "dup");
	RESOLVE(dup2, "dup2");
	RESOLVE(dup3, "dup3");
	RESOLVE(fcntl, "fcntl");
	RESOLVE(fcntl64, "fcntl64");
	RESOLVE(ioctl, "ioctl");
	RESOLVE(setsockopt, "setsockopt");
	RESOLVE(getsockopt, "getsockopt");
	RESOLVE(getsockname, "getsockname");
	RESOLVE(getpeername, "getpeername");
	/* poll last: its being set says the table is complete */
	void *p = dlsym(RTLD_NEXT, "poll");

	__atomic_store_n((void **)&vmkp_real.poll, p, __ATOMIC_RELEASE);
	resolving = 0;
}

__attribute__((constructor(101))) static void vmkp_real_ctor(void)
{
	vmkp_real_init();
}
