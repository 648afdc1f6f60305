/*
 * The interposed libc entry points. Each looks the fd up in the table: a
 * program's fd that is not a vmknet socket goes to the real function
 * untouched (files, pipes, AF_UNIX, AF_NETLINK, eventfds, ...); a vmknet
 * one goes to the data path or the state changes, and the negative errno
 * they return becomes errno here, the only place that sets it.
 *
 * Not interposed, on purpose: select, poll, ppoll, epoll_*: every vmknet
 * socket is a real kernel fd (end A) whose poll state is the socket's
 * readiness (sockets/shm.h), so the kernel answers them correctly as they
 * are; io_uring and any other waiter see the same. read/write through
 * io_uring, splice and stdio's internal calls (fdopen + fclose) bypass the
 * library: a known gap, as for VPP's LDP.
 *
 * Threads: any; see preload.h for the locks below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sockets/preload.h"

#define EXPORT VMKP_EXPORT

/* The real function f, resolving the table on first use. */
#define REAL(f) (vmkp_real.f ? vmkp_real.f : (vmkp_real_init(), vmkp_real.f))

static long ret(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* The socket behind fd for one call (NULL: not ours); stale ones say so. */
static struct vmkp_sock *get(int fd, long *err)
{
	struct vmkp_sock *s = vmkp_get(fd);

	*err = 0;
	if (s && vmkp_is_stale(s)) {
		*err = vmkp_stale(s);
		vmkp_put(s);
		return NULL;
	}
	return s;
}

/* A new fd from the kernel with a number the table still maps: the old fd
 * was closed behind the library's back (fclose, a raw syscall). */
static void forget(int fd)
{
	if (fd >= 0 && vmkp_is_ours(fd))
		vmkp_put(vmkp_unmap(fd));
}

/* ---- the data path, one shape for all ---------------------------------------- */

static long sendv(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags,
		  const struct sockaddr *to, socklen_t tolen)
{
	struct vmkp_dest d;
	long err;

	if (s->proto == VMKS_PROTO_TCP)
		return vmkp_tcp_send(s, fd, iov, cnt, flags);   /* Linux ignores to */
	if (to) {
		err = vmkp_addr_from(s, to, tolen, false, &d.addr, &d.port);
		if (err)
			return err;
	}
	return vmkp_udp_send(s, fd, iov, cnt, flags, to ? &d : NULL);
}

static long recvv(struct vmkp_sock *s, int fd, const struct iovec *iov, int cnt, int flags,
		  struct sockaddr *from, socklen_t *fromlen, int *msg_flags)
{
	struct vmkp_dest d;
	long r;

	if (s->proto == VMKS_PROTO_TCP) {
		r = vmkp_tcp_recv(s, fd, iov, cnt, flags);
		if (r >= 0 && from && fromlen)
			vmkp_addr_to(s, s->peer_addr, s->peer_port, from, fromlen);
		return r;
	}
	r = vmkp_udp_recv(s, fd, iov, cnt, flags, &d, msg_flags);
	if (r >= 0 && from && fromlen)
		vmkp_addr_to(s, d.addr, d.port, from, fromlen);
	return r;
}

/* Either a vmknet socket's data path (returns true, *r set) or not ours. */
#define DATA_CALL(fd, expr) \
	do { \
		long e_; \
		struct vmkp_sock *s = get(fd, &e_); \
		if (e_) \
			return ret(e_); \
		if (s) { \
			long r_ = (expr); \
			vmkp_put(s); \
			return ret(r_); \
		} \
	} while (0)

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	struct iovec iov = { buf, n };

	DATA_CALL(fd, recvv(s, fd, &iov, 1, 0, NULL, NULL, NULL));
	return REAL(read)(fd, buf, n);
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	struct iovec iov = { buf, n };

	if (n > buflen)
		abort();
	DATA_CALL(fd, recvv(s, fd, &iov, 1, 0, NULL, NULL, NULL));
	return REAL(read_chk)(fd, buf, n, buflen);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	struct iovec iov = { (void *)buf, n };

	DATA_CALL(fd, sendv(s, fd, &iov, 1, 0, NULL, 0));
	return REAL(write)(fd, buf, n);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	if (cnt < 0 && vmkp_is_ours(fd))
		return ret(-EINVAL);
	DATA_CALL(fd, recvv(s, fd, iov, cnt, 0, NULL, NULL, NULL));
	return REAL(readv)(fd, iov, cnt);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	if (cnt < 0 && vmkp_is_ours(fd))
		return ret(-EINVAL);
	DATA_CALL(fd, sendv(s, fd, iov, cnt, 0, NULL, 0));
	return REAL(writev)(fd, iov, cnt);
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	struct iovec iov = { (void *)buf, n };

	DATA_CALL(fd, sendv(s, fd, &iov, 1, flags, NULL, 0));
	return REAL(send)(fd, buf, n, flags);
}

EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	struct iovec iov = { buf, n };

	DATA_CALL(fd, recvv(s, fd, &iov, 1, flags, NULL, NULL, NULL));
	return REAL(recv)(fd, buf, n, flags);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	struct iovec iov = { buf, n };

	if (n > buflen)
		abort();
	DATA_CALL(fd, recvv(s, fd, &iov, 1, flags, NULL, NULL, NULL));
	return REAL(recv_chk)(fd, buf, n, buflen, flags);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
		      socklen_t tolen)
{
	struct iovec iov = { (void *)buf, n };

	DATA_CALL(fd, sendv(s, fd, &iov, 1, flags, to, tolen));
	return REAL(sendto)(fd, buf, n, flags, to, tolen);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
			socklen_t *fromlen)
{
	struct iovec iov = { buf, n };

	DATA_CALL(fd, recvv(s, fd, &iov, 1, flags, from, fromlen, NULL));
	return REAL(recvfrom)(fd, buf, n, flags, from, fromlen);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
			      struct sockaddr *from, socklen_t *fromlen)
{
	struct iovec iov = { buf, n };

	if (n > buflen)
		abort();
	DATA_CALL(fd, recvv(s, fd, &iov, 1, flags, from, fromlen, NULL));
	return REAL(recvfrom_chk)(fd, buf, n, buflen, flags, from, fromlen);
}

static long sendmsg_one(struct vmkp_sock *s, int fd, const struct msghdr *m, int flags)
{
	/* ancillary data has no meaning for vmknet: ignored, as unknown cmsgs are */
	return sendv(s, fd, m->msg_iov, (int)m->msg_iovlen, flags, m->msg_name,
		     m->msg_name ? m->msg_namelen : 0);
}

static long recvmsg_one(struct vmkp_sock *s, int fd, struct msghdr *m, int flags)
{
	int mf = 0;
	long r;

	r = recvv(s, fd, m->msg_iov, (int)m->msg_iovlen, flags, m->msg_name,
		  m->msg_name ? &m->msg_namelen : NULL, &mf);
	if (r >= 0) {
		m->msg_controllen = 0;
		m->msg_flags = mf;
	}
	return r;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	DATA_CALL(fd, sendmsg_one(s, fd, m, flags));
	return REAL(sendmsg)(fd, m, flags);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	DATA_CALL(fd, recvmsg_one(s, fd, m, flags));
	return REAL(recvmsg)(fd, m, flags);
}

/* sendmmsg/recvmmsg: one message at a time; the first failure ends the
 * batch (an error only when nothing went through, as Linux). */
static long mmsg(struct vmkp_sock *s, int fd, struct mmsghdr *v, unsigned int n, int flags,
		 bool rx)
{
	unsigned int i;
	long r = 0;

	for (i = 0; i < n; i++) {
		r = rx ? recvmsg_one(s, fd, &v[i].msg_hdr, i ? flags | MSG_DONTWAIT : flags)
		       : sendmsg_one(s, fd, &v[i].msg_hdr, flags);
		if (r < 0)
			break;
		v[i].msg_len = (unsigned int)r;
	}
	return i ? (long)i : r;
}

EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	DATA_CALL(fd, mmsg(s, fd, v, n, flags, false));
	return REAL(sendmmsg)(fd, v, n, flags);
}

EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *t)
{
	(void)t;   /* vmknet: the timeout is not honoured, MSG_WAITFORONE behaviour */
	DATA_CALL(fd, mmsg(s, fd, v, n, flags & ~MSG_WAITFORONE, true));
	return REAL(recvmmsg)(fd, v, n, flags, t);
}

/* sendfile to a vmknet socket: read from in_fd, send what was read. */
static long sendfile_emul(struct vmkp_sock *s, int out, int in, off_t *off, size_t count)
{
	char buf[65536];
	size_t done = 0;

	while (done < count) {
		size_t want = count - done < sizeof(buf) ? count - done : sizeof(buf);
		ssize_t n = off ? pread(in, buf, want, *off) : REAL(read)(in, buf, want);
		struct iovec iov = { buf, 0 };
		long w;

		if (n < 0)
			return done ? (long)done : -errno;
		if (n == 0)
			break;
		iov.iov_len = (size_t)n;
		w = vmkp_tcp_send(s, out, &iov, 1, 0);
		if (w < 0)
			return done ? (long)done : w;
		done += (size_t)w;
		if (off)
			*off += w;
		else if (w < n)
			lseek(in, w - n, SEEK_CUR);   /* give back what was not sent */
		if (w < n)
			break;
	}
	return (long)done;
}

EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	DATA_CALL(out, s->proto == VMKS_PROTO_TCP ? sendfile_emul(s, out, in, off, count)
						  : -EINVAL);
	return REAL(sendfile)(out, in, off, count);
}

EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	DATA_CALL(out, s->proto == VMKS_PROTO_TCP ? sendfile_emul(s, out, in, off, count)
						  : -EINVAL);
	return REAL(sendfile64)(out, in, off, count);
}

/* ---- creating and naming sockets ---------------------------------------------- */

static bool inet6_on_vmknet(void)
{
	static int v = -1;

	if (v < 0) {
		const char *e = getenv("VMKRUN_INET6");

		v = !(e && !strcmp(e, "kernel"));
	}
	return v;
}

static bool for_vmknet(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (domain != AF_INET && !(domain == AF_INET6 && inet6_on_vmknet()))
		return false;
	if (base == SOCK_STREAM)
		return protocol == 0 || protocol == IPPROTO_TCP;
	if (base == SOCK_DGRAM)
		return protocol == 0 || protocol == IPPROTO_UDP;
	return false;
}

EXPORT int socket(int domain, int type, int protocol)
{
	int fd;

	if (for_vmknet(domain, type, protocol))
		return (int)ret(vmkp_sock_open(domain, type, protocol));
	fd = REAL(socket)(domain, type, protocol);
	forget(fd);
	return fd;
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	int r = REAL(socketpair)(domain, type, protocol, sv);

	if (r == 0) {
		forget(sv[0]);
		forget(sv[1]);
	}
	return r;
}

EXPORT int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	DATA_CALL(fd, vmkp_sock_bind(s, sa, len));
	return REAL(bind)(fd, sa, len);
}

EXPORT int listen(int fd, int backlog)
{
	DATA_CALL(fd, vmkp_sock_listen(s, backlog));
	return REAL(listen)(fd, backlog);
}

EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	DATA_CALL(fd, vmkp_sock_connect(s, fd, sa, len));
	return REAL(connect)(fd, sa, len);
}

EXPORT int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int r;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC) && vmkp_is_ours(fd))
		return (int)ret(-EINVAL);
	DATA_CALL(fd, vmkp_sock_accept(s, fd, sa, len, flags));
	r = REAL(accept4)(fd, sa, len, flags);
	forget(r);
	return r;
}

EXPORT int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int r;

	DATA_CALL(fd, vmkp_sock_accept(s, fd, sa, len, 0));
	r = REAL(accept)(fd, sa, len);
	forget(r);
	return r;
}

EXPORT int shutdown(int fd, int how)
{
	DATA_CALL(fd, vmkp_sock_shutdown(s, how));
	return REAL(shutdown)(fd, how);
}

EXPORT int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	DATA_CALL(fd, vmkp_sock_name(s, sa, len, false));
	return REAL(getsockname)(fd, sa, len);
}

EXPORT int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	DATA_CALL(fd, vmkp_sock_name(s, sa, len, true));
	return REAL(getpeername)(fd, sa, len);
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	DATA_CALL(fd, vmkp_setsockopt(s, level, name, val, len));
	return REAL(setsockopt)(fd, level, name, val, len);
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	DATA_CALL(fd, vmkp_getsockopt(s, level, name, val, len));
	return REAL(getsockopt)(fd, level, name, val, len);
}

/* ---- fds: close, dup, fcntl, ioctl ---------------------------------------------- */

EXPORT int close(int fd)
{
	struct vmkp_sock *s;

	if (vmkp_is_priv(fd))
		return 0;   /* the library's own (a program closing "every fd") */
	s = vmkp_unmap(fd);
	if (!s)
		return REAL(close)(fd);
	vmkp_put(s);        /* the last reference sends CLOSE and closes B */
	return REAL(close)(fd);
}

/* Close [lo, hi] of the program's fds around the library's own. */
static int close_span(unsigned int lo, unsigned int hi, int flags)
{
	unsigned int a = lo;

	for (unsigned int fd = lo; fd <= hi && fd < VMKP_MAX_FD; fd++) {
		if (!(flags & CLOSE_RANGE_CLOEXEC))
			vmkp_put(vmkp_unmap((int)fd));
		if (!vmkp_is_priv((int)fd))
			continue;
		if (fd > a && REAL(close_range)(a, fd - 1, flags) < 0)
			return -1;
		a = fd + 1;
	}
	if (a > hi)
		return 0;
	return REAL(close_range)(a, hi, flags);
}

EXPORT int close_range(unsigned int lo, unsigned int hi, int flags)
{
	if (lo > hi) {
		errno = EINVAL;
		return -1;
	}
	return close_span(lo, hi, flags);
}

EXPORT int dup(int fd)
{
	long e;
	struct vmkp_sock *s = get(fd, &e);
	int r;

	if (e)
		return (int)ret(e);
	r = REAL(dup)(fd);
	if (s) {
		r = r < 0 ? r : (int)ret(vmkp_dup_done(s, r));
		vmkp_put(s);
	} else {
		forget(r);
	}
	return r;
}

static int dup_to(int fd, int nfd, int flags, bool three)
{
	struct vmkp_sock *s = vmkp_get(fd);
	int r;

	if (vmkp_is_priv(nfd) && nfd != fd) {
		vmkp_put(s);
		errno = EBADF;   /* would replace the library's own fd */
		return -1;
	}
	r = three ? REAL(dup3)(fd, nfd, flags) : REAL(dup2)(fd, nfd);
	if (r >= 0 && r != fd) {
		if (s)
			r = (int)ret(vmkp_dup_done(s, r));
		else
			forget(r);   /* nfd was a vmknet fd: dup2 closed it */
	}
	vmkp_put(s);
	return r;
}

EXPORT int dup2(int fd, int nfd)
{
	return dup_to(fd, nfd, 0, false);
}

EXPORT int dup3(int fd, int nfd, int flags)
{
	return dup_to(fd, nfd, flags, true);
}

static int fcntl_any(int fd, int cmd, long arg, int (*real)(int, int, ...))
{
	long e;
	struct vmkp_sock *s = get(fd, &e);
	int r;

	if (e)
		return (int)ret(e);
	if (!s) {
		r = real(fd, cmd, arg);
		if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
			forget(r);
		return r;
	}
	r = (int)ret(vmkp_fcntl(s, fd, cmd, arg, real));
	vmkp_put(s);
	return r;
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);   /* every command's argument fits a long */
	va_end(ap);
	return fcntl_any(fd, cmd, arg, REAL(fcntl));
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return fcntl_any(fd, cmd, arg, REAL(fcntl64) ? vmkp_real.fcntl64 : vmkp_real.fcntl);
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	DATA_CALL(fd, vmkp_ioctl(s, fd, req, arg));
	return REAL(ioctl)(fd, req, arg);
}
