/*
 * Socket options, fcntl and ioctl for vmknet sockets. What vmknetd acts on
 * goes out as VMKS_OP_SETOPT (TCP_NODELAY, SO_KEEPALIVE with its timings,
 * SO_SNDBUF/SO_RCVBUF before connect, SO_PRIORITY); what only the library
 * needs is kept here (O_NONBLOCK, timeouts, linger, IP_TOS, ...); options
 * with nothing to do but harmless to accept are accepted; anything else is
 * ENOPROTOOPT, as a kernel without the feature answers.
 *
 * Threads: option fields are plain ints written by setsockopt; the
 * program that races setsockopt with its own I/O gets one or the other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>

#include "sockets/preload.h"

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif

static int setopt(struct vmkp_sock *s, uint16_t opt, int v1, uint32_t v2, uint32_t v3,
		  uint32_t v4)
{
	struct vmks_req req = { .op = VMKS_OP_SETOPT, .slot = s->slot, .gen = s->gen,
				.opt = opt, .value = v1, .value2 = v2, .value3 = v3,
				.value4 = v4 };
	struct vmks_reply rep;

	return vmkp_call(&req, -1, &rep);
}

static int keepalive_opt(struct vmkp_sock *s)
{
	return setopt(s, VMKS_OPT_KEEPALIVE, s->keepalive,
		      (uint32_t)(s->keepidle ? s->keepidle : 7200) * 1000u,
		      (uint32_t)(s->keepintvl ? s->keepintvl : 75) * 1000u,
		      (uint32_t)(s->keepcnt ? s->keepcnt : 9));
}

/* ---- setsockopt ------------------------------------------------------------- */

static int set_timeo(struct timeval *tv, const void *val, socklen_t len)
{
	if (len < sizeof(*tv))
		return -EINVAL;
	memcpy(tv, val, sizeof(*tv));
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EDOM;
	return 0;
}

static int set_sol_socket(struct vmkp_sock *s, int name, const void *val, socklen_t len, int v)
{
	uint32_t st = vmkp_load32(&vmkp_slot(s)->state);
	struct linger lg;

	switch (name) {
	case SO_REUSEADDR: s->reuseaddr = !!v; return 0;
	case SO_REUSEPORT: s->reuseport = !!v; return 0;
	case SO_KEEPALIVE: s->keepalive = !!v; return keepalive_opt(s);
	case SO_PRIORITY: s->priority = v; return setopt(s, VMKS_OPT_PRIORITY, v, 0, 0, 0);
	case SO_SNDBUF: case SO_SNDBUFFORCE: case SO_RCVBUF: case SO_RCVBUFFORCE:
		if (v < 0)
			v = 0;
		if (name == SO_SNDBUF || name == SO_SNDBUFFORCE)
			s->sndbuf = v;
		else
			s->rcvbuf = v;
		if (st != VMKS_ST_OPEN)
			return 0;           /* the rings are sized: kept for getsockopt */
		return setopt(s, VMKS_OPT_BUFFERS, s->sndbuf, (uint32_t)s->rcvbuf, 0, 0);
	case SO_LINGER:
		if (len < sizeof(lg))
			return -EINVAL;
		memcpy(&lg, val, sizeof(lg));
		s->linger_on = !!lg.l_onoff;
		s->linger_s = lg.l_linger;
		return 0;
	case SO_RCVTIMEO: case SO_RCVTIMEO_NEW: return set_timeo(&s->rcvtimeo, val, len);
	case SO_SNDTIMEO: case SO_SNDTIMEO_NEW: return set_timeo(&s->sndtimeo, val, len);
	case SO_BROADCAST: case SO_OOBINLINE: case SO_RCVLOWAT: case SO_SNDLOWAT:
	case SO_TIMESTAMP: case SO_TIMESTAMPNS:
		return 0;                   /* nothing vmknet does differently */
	}
	return -ENOPROTOOPT;
}

static int set_tcp(struct vmkp_sock *s, int name, const void *val, socklen_t len, int v)
{
	if (s->proto != VMKS_PROTO_TCP)
		return -EOPNOTSUPP;
	switch (name) {
	case TCP_NODELAY: s->nodelay = !!v; return setopt(s, VMKS_OPT_NODELAY, !!v, 0, 0, 0);
	case TCP_KEEPIDLE: case TCP_KEEPINTVL: case TCP_KEEPCNT:
		if (v < 1)
			return -EINVAL;
		if (name == TCP_KEEPIDLE)
			s->keepidle = v;
		else if (name == TCP_KEEPINTVL)
			s->keepintvl = v;
		else
			s->keepcnt = v;
		return s->keepalive ? keepalive_opt(s) : 0;
	case TCP_CONGESTION:
		/* the netstack chooses the algorithm; asking for it is fine */
		if (len >= 5 && !strncmp(val, "cubic", 5))
			return 0;
		return -ENOENT;
	case TCP_MAXSEG: case TCP_QUICKACK: case TCP_CORK: case TCP_DEFER_ACCEPT:
	case TCP_NOTSENT_LOWAT: case TCP_USER_TIMEOUT:
		return 0;                   /* hints: the stack keeps its own behaviour */
	}
	return -ENOPROTOOPT;
}

int vmkp_setsockopt(struct vmkp_sock *s, int level, int name, const void *val, socklen_t len)
{
	int v = 0;

	if (!val && len)
		return -EFAULT;
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(int));
	else if (len >= 1)
		v = *(const unsigned char *)val;
	if (level == SOL_SOCKET)
		return set_sol_socket(s, name, val, len, v);
	if (level == IPPROTO_TCP)
		return set_tcp(s, name, val, len, v);
	if (level == IPPROTO_IP) {
		if (name == IP_TOS) {
			s->tos = v & 0xff;
			return 0;
		}
		if (name == IP_MTU_DISCOVER || name == IP_RECVERR || name == IP_BIND_ADDRESS_NO_PORT)
			return 0;
		return -ENOPROTOOPT;
	}
	if (level == IPPROTO_IPV6 && s->domain == AF_INET6) {
		if (name == IPV6_V6ONLY)
			return v ? -ENOPROTOOPT : 0;   /* only the IPv4-mapped half exists */
		if (name == IPV6_TCLASS) {
			s->tos = v & 0xff;
			return 0;
		}
	}
	return -ENOPROTOOPT;
}

/* ---- getsockopt -------------------------------------------------------------- */

static int put_val(void *val, socklen_t *len, const void *v, socklen_t n)
{
	if (!val || !len)
		return -EFAULT;
	if (*len < n)
		n = *len;
	memcpy(val, v, n);
	*len = n;
	return 0;
}

static int put_int(void *val, socklen_t *len, int v)
{
	return put_val(val, len, &v, sizeof(v));
}

static int so_error(struct vmkp_sock *s)
{
	struct vmks_slot *sl = vmkp_slot(s);
	uint32_t st = vmkp_load32(&sl->state);

	if (st == VMKS_ST_CONNECTED)
		s->connecting = 0;
	if (st == VMKS_ST_CLOSED || (vmkp_load32(&sl->events) & VMKS_EV_ERR))
		return vmkp_take_err(s);
	return 0;
}

static int get_sol_socket(struct vmkp_sock *s, int name, void *val, socklen_t *len)
{
	struct linger lg = { s->linger_on, s->linger_s };

	switch (name) {
	case SO_ERROR: return put_int(val, len, so_error(s));
	case SO_TYPE: return put_int(val, len, s->type);
	case SO_DOMAIN: return put_int(val, len, s->domain);
	case SO_PROTOCOL:
		return put_int(val, len, s->proto == VMKS_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP);
	case SO_ACCEPTCONN: return put_int(val, len, s->listening);
	case SO_REUSEADDR: return put_int(val, len, s->reuseaddr);
	case SO_REUSEPORT: return put_int(val, len, s->reuseport);
	case SO_KEEPALIVE: return put_int(val, len, s->keepalive);
	case SO_PRIORITY: return put_int(val, len, s->priority);
	case SO_SNDBUF: return put_int(val, len, s->sndbuf ? s->sndbuf : (int)vmkp_sess.ring_size);
	case SO_RCVBUF: return put_int(val, len, s->rcvbuf ? s->rcvbuf : (int)vmkp_sess.ring_size);
	case SO_LINGER: return put_val(val, len, &lg, sizeof(lg));
	case SO_RCVTIMEO: case SO_RCVTIMEO_NEW:
		return put_val(val, len, &s->rcvtimeo, sizeof(s->rcvtimeo));
	case SO_SNDTIMEO: case SO_SNDTIMEO_NEW:
		return put_val(val, len, &s->sndtimeo, sizeof(s->sndtimeo));
	case SO_BROADCAST: case SO_OOBINLINE: return put_int(val, len, 0);
	}
	return -ENOPROTOOPT;
}

static uint8_t tcp_state_of(const struct vmkp_sock *s)
{
	switch (vmkp_load32(&vmkp_slot(s)->state)) {
	case VMKS_ST_CONNECTING: return TCP_SYN_SENT;
	case VMKS_ST_CONNECTED:
		return (vmkp_load32(&vmkp_slot(s)->events) & VMKS_EV_FIN) ? TCP_CLOSE_WAIT
									   : TCP_ESTABLISHED;
	case VMKS_ST_LISTENING: return TCP_LISTEN;
	default: return TCP_CLOSE;
	}
}

static int get_tcp(struct vmkp_sock *s, int name, void *val, socklen_t *len)
{
	uint32_t mss = vmkp_load32(&vmkp_slot(s)->mss);
	struct tcp_info ti;

	if (s->proto != VMKS_PROTO_TCP)
		return -EOPNOTSUPP;
	switch (name) {
	case TCP_NODELAY: return put_int(val, len, s->nodelay);
	case TCP_MAXSEG: return put_int(val, len, mss ? (int)mss : 1460);
	case TCP_KEEPIDLE: return put_int(val, len, s->keepidle ? s->keepidle : 7200);
	case TCP_KEEPINTVL: return put_int(val, len, s->keepintvl ? s->keepintvl : 75);
	case TCP_KEEPCNT: return put_int(val, len, s->keepcnt ? s->keepcnt : 9);
	case TCP_CONGESTION: return put_val(val, len, "cubic\0\0\0\0\0\0\0\0\0\0", 16);
	case TCP_INFO:
		/* the stack's counters stay in vmknetd: a truthful state, zeros else */
		memset(&ti, 0, sizeof(ti));
		ti.tcpi_state = tcp_state_of(s);
		ti.tcpi_snd_mss = ti.tcpi_rcv_mss = mss ? mss : 1460;
		return put_val(val, len, &ti, sizeof(ti));
	}
	return -ENOPROTOOPT;
}

int vmkp_getsockopt(struct vmkp_sock *s, int level, int name, void *val, socklen_t *len)
{
	if (level == SOL_SOCKET)
		return get_sol_socket(s, name, val, len);
	if (level == IPPROTO_TCP)
		return get_tcp(s, name, val, len);
	if (level == IPPROTO_IP && name == IP_TOS)
		return put_int(val, len, s->tos);
	if (level == IPPROTO_IPV6 && s->domain == AF_INET6) {
		if (name == IPV6_V6ONLY)
			return put_int(val, len, 0);
		if (name == IPV6_TCLASS)
			return put_int(val, len, s->tos);
	}
	return -ENOPROTOOPT;
}

/* ---- fcntl, ioctl, dup --------------------------------------------------------- */

int vmkp_dup_done(struct vmkp_sock *s, int newfd)
{
	int err;

	if (newfd < 0)
		return newfd;
	err = vmkp_map(newfd, s);
	if (err) {
		vmkp_real.close(newfd);
		return err;
	}
	return newfd;
}

int vmkp_fcntl(struct vmkp_sock *s, int fd, int cmd, long arg, int (*real)(int, int, ...))
{
	int r = real(fd, cmd, arg);

	if (r < 0)
		return -errno;
	if (cmd == F_SETFL)
		__atomic_store_n(&s->nonblock, !!(arg & O_NONBLOCK), __ATOMIC_RELAXED);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return vmkp_dup_done(s, r);
	return r;
}

int vmkp_ioctl(struct vmkp_sock *s, int fd, unsigned long req, void *arg)
{
	struct vmks_slot *sl = vmkp_slot(s);
	int v, fl;

	switch (req) {
	case FIONREAD:
		v = vmkp_rx_pending(s);
		memcpy(arg, &v, sizeof(v));
		return 0;
	case SIOCOUTQ:
		v = (int)(__atomic_load_n(&sl->tx.tail, __ATOMIC_RELAXED) - vmks_load(&sl->tx.head));
		memcpy(arg, &v, sizeof(v));
		return 0;
	case FIONBIO:
		memcpy(&v, arg, sizeof(v));
		fl = vmkp_real.fcntl(fd, F_GETFL);
		if (fl < 0 || vmkp_real.fcntl(fd, F_SETFL, v ? fl | O_NONBLOCK : fl & ~O_NONBLOCK))
			return -errno;
		__atomic_store_n(&s->nonblock, !!v, __ATOMIC_RELAXED);
		return 0;
	}
	/* the rest (interface requests, ...) is the kernel's, on A */
	fl = vmkp_real.ioctl(fd, req, arg);
	return fl < 0 ? -errno : fl;
}
