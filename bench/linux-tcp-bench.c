/*
 * linux-tcp-bench: Linux kernel TCP request/response and connection rate,
 * the contender of vmk-tcp-bench's rr and crr modes (bench/run_tcp.sh runs
 * the server and the client in two network namespaces over a veth pair),
 * and of its stream mode.
 *
 *   linux-tcp-bench --role server --mode rr|crr|stream|udp [--bind A.B.C.D]
 *                   [--port P] [--size N] [--seconds S] [--warmup S]
 *                   [--verify full|sample|none] [--corrupt-at BYTE]
 *   linux-tcp-bench --role client --mode rr|crr|stream|udp --connect A.B.C.D
 *                   [--port P] [--count N] [--warmup-count N] [--seconds S]
 *                   [--warmup S] [--size N] [--spin] [--verify L]
 *
 *   stream  one connection; the client sends bench/tcp_pattern.h's pattern
 *        (as vmk-tcp-bench does: up to 256 KiB per send) for --warmup +
 *        --seconds + 1 s, then closes; the server (the receiver) checks
 *        every byte as it reads it (1 MiB per recv; --verify as in
 *        vmk-tcp-bench), counts the bytes read in the --seconds after
 *        --warmup seconds from its first byte, reads on to the end and
 *        prints the JSON line itself, then exits (1 on a wrong byte).
 *   rr   one connection, TCP_NODELAY; the client writes --size bytes
 *        (default 1), the server echoes them, one transaction at a time;
 *        the client prints p50/p99/p99.9 (us) and transactions/s of --count
 *        transactions after --warmup-count.
 *   crr  per connection: connect, 1 byte each way, the client closes first,
 *        the server reads the end and closes; the client prints
 *        connections/s over --seconds. The client's TIME-WAIT sockets are
 *        the kernel's (run_tcp.sh sets net.ipv4.tcp_tw_reuse=1 and the
 *        port range 1024-65535 in the client's namespace).
 *   udp  one flow (one connected socket each side, as iperf3 -u; the
 *        contender of vmk-tcp-bench --mode udp): the client sends
 *        bench/tcp_pattern.h's 64-byte datagrams as fast as send() takes
 *        them for --warmup + --seconds + 1 s; the server checks each (a
 *        wrong one fails it, a gap in the numbers counts as lost), counts
 *        those received in the --seconds after --warmup seconds from its
 *        first, and prints datagrams/s once nothing came for 1 s after the
 *        window, then exits.
 *
 * By default the calls block (the kernel wakes the thread, as netperf and
 * every ordinary service do); --spin makes the client and server read with
 * MSG_DONTWAIT in a loop, as vmk-tcp-bench does with its own stack.
 * The server serves until killed. The client prints one JSON line; exit 1
 * on a failed transaction, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tcp_pattern.h"

#define LB_MAX_COUNT 20000000u
#define LB_CHUNK     (256u * 1024u)   /* stream: bytes offered per send */
#define LB_RBUF      (1024u * 1024u)  /* stream: bytes taken per recv */

struct lb_opts {
	bool server, rr, stream, udp, spin;
	struct in_addr addr;       /* server: bind address; client: the server */
	uint16_t port;
	uint32_t size, count, warmup_count;
	double seconds, warmup;
	enum tp_level verify;      /* stream */
	uint64_t corrupt_at;       /* stream test knob (TP_NO_CORRUPT: off) */
};

static volatile sig_atomic_t lb_quit;

static void lb_on_signal(int sig)
{
	(void)sig;
	lb_quit = 1;
}

static uint64_t lb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void lb_usage(FILE *f)
{
	fprintf(f, "Usage: linux-tcp-bench --role server|client --mode rr|crr|stream|udp\n"
		   "  [--bind A.B.C.D | --connect A.B.C.D] [--port P] [--size N] [--count N]\n"
		   "  [--warmup-count N] [--seconds S] [--warmup S] [--spin]\n"
		   "  [--verify full|sample|none] [--corrupt-at BYTE]\n");
}

static int lb_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "linux-tcp-bench: bad value \"%s\" (%u..%u)\n", s, lo, hi);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int lb_parse_one(struct lb_opts *o, int c, const char *arg)
{
	uint32_t v;
	char *end;

	switch (c) {
	case 'r': o->server = strcmp(arg, "server") == 0;
		  return o->server || strcmp(arg, "client") == 0 ? 0 : -1;
	case 'm': o->rr = strcmp(arg, "rr") == 0;
		  o->stream = strcmp(arg, "stream") == 0;
		  o->udp = strcmp(arg, "udp") == 0;
		  return o->rr || o->stream || o->udp || strcmp(arg, "crr") == 0 ? 0 : -1;
	case 'b':
	case 'c': return inet_pton(AF_INET, arg, &o->addr) == 1 ? 0 : -1;
	case 'p': if (lb_u32(arg, 1, 65535, &v) < 0)
			  return -1;
		  o->port = (uint16_t)v;
		  return 0;
	case 'z': return lb_u32(arg, 1, 65536, &o->size);
	case 'n': return lb_u32(arg, 1, LB_MAX_COUNT, &o->count);
	case 'W': return lb_u32(arg, 0, LB_MAX_COUNT, &o->warmup_count);
	case 's': o->seconds = strtod(arg, &end);
		  return *end == '\0' && o->seconds > 0 ? 0 : -1;
	case 'S': o->spin = true;
		  return 0;
	case 'w': o->warmup = strtod(arg, &end);
		  return *end == '\0' && o->warmup >= 0 ? 0 : -1;
	case 'V': return tp_level_parse(arg, &o->verify);
	case 'C': errno = 0;
		  o->corrupt_at = strtoull(arg, &end, 0);
		  return errno == 0 && end != arg && *end == '\0' ? 0 : -1;
	default: return -1;
	}
}

static int lb_parse(int argc, char **argv, struct lb_opts *o)
{
	static const struct option longs[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "bind", required_argument, NULL, 'b' },
		{ "connect", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 'z' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup-count", required_argument, NULL, 'W' },
		{ "seconds", required_argument, NULL, 's' },
		{ "spin", no_argument, NULL, 'S' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "verify", required_argument, NULL, 'V' },
		{ "corrupt-at", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct lb_opts){ .rr = true, .port = 5202, .size = 1, .count = 100000,
			       .warmup_count = 1000, .seconds = 10, .warmup = 1,
			       .verify = TP_FULL, .corrupt_at = TP_NO_CORRUPT };
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		if (lb_parse_one(o, c, optarg) < 0) {
			fprintf(stderr, "linux-tcp-bench: bad option or value\n");
			lb_usage(stderr);
			return -1;
		}
	}
	if (optind != argc || (!o->server && o->addr.s_addr == 0)) {
		lb_usage(stderr);
		return -1;
	}
	return 0;
}

/* Exactly len bytes out or in. 0, or -1 (errno; ECONNRESET at EOF). */
static int lb_xfer(const struct lb_opts *o, int fd, uint8_t *buf, uint32_t len, bool out)
{
	uint32_t done = 0;

	while (done < len) {
		ssize_t k = out ? send(fd, buf + done, len - done, MSG_NOSIGNAL) :
				  recv(fd, buf + done, len - done, o->spin ? MSG_DONTWAIT : 0);

		if (k > 0) {
			done += (uint32_t)k;
			continue;
		}
		if (k == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if ((errno != EAGAIN && errno != EINTR) || lb_quit)
			return -1;
	}
	return 0;
}

static void lb_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---------------------------------------------------------------- server - */

static int lb_listen(const struct lb_opts *o)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->port),
				  .sin_addr = o->addr };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Serve one accepted connection: echo until the client closes. */
static void lb_serve(const struct lb_opts *o, int fd, uint8_t *buf)
{
	lb_nodelay(fd);
	for (;;) {
		if (lb_xfer(o, fd, buf, o->size, false) < 0)
			break;                     /* EOF (or error): close */
		if (lb_xfer(o, fd, buf, o->size, true) < 0)
			break;
	}
	close(fd);
}

/* Stream receiver: one connection, every byte checked; prints the result. */
static int lb_stream_server(const struct lb_opts *o, int l)
{
	uint8_t *buf = malloc(LB_RBUF);
	uint64_t t_first = 0, w0 = 0, w1 = 0, bytes = 0, now;
	struct tp_rcv rcv;
	int fd = -1, ret = 1;
	ssize_t k;

	tp_rcv_init(&rcv, o->verify, o->corrupt_at);
	if (buf == NULL || (fd = accept(l, NULL, NULL)) < 0) {
		perror("linux-tcp-bench: stream: accept");
		goto out;
	}
	while ((k = recv(fd, buf, LB_RBUF, 0)) != 0) {
		if (k < 0) {
			if (errno == EINTR && !lb_quit)
				continue;
			perror("linux-tcp-bench: stream: recv");
			goto out;
		}
		now = lb_now_ns();
		if (t_first == 0) {
			t_first = now;
			w0 = now + (uint64_t)(o->warmup * 1e9);
			w1 = w0 + (uint64_t)(o->seconds * 1e9);
		}
		if (tp_rcv_data(&rcv, buf, (size_t)k) < 0) {
			tp_rcv_complain(&rcv, "linux-tcp-bench");
			goto out;
		}
		if (now >= w0 && now < w1)
			bytes += (uint64_t)k;
	}
	if (t_first == 0 || lb_now_ns() < w1) {
		fprintf(stderr, "linux-tcp-bench: stream: the client stopped before the window "
			"ended (%llu bytes)\n", (unsigned long long)rcv.off);
		goto out;
	}
	printf("{\"tool\":\"linux-tcp-bench\",\"mode\":\"stream\",\"seconds\":%.6f,"
	       "\"bytes\":%" PRIu64 ",\"gbps\":%.3f", o->seconds, bytes,
	       8.0 * (double)bytes / (o->seconds * 1e9));
	tp_rcv_json(&rcv);
	printf("}\n");
	fflush(stdout);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

static int lb_server(const struct lb_opts *o)
{
	uint8_t *buf = malloc(o->size);
	int l = lb_listen(o);

	if (l < 0 || buf == NULL) {
		perror("linux-tcp-bench: listen");
		free(buf);
		return 1;
	}
	fprintf(stderr, "linux-tcp-bench: listening on port %u\n", o->port);
	if (o->stream) {
		int ret = lb_stream_server(o, l);

		close(l);
		free(buf);
		return ret;
	}
	while (!lb_quit) {
		int fd = accept(l, NULL, NULL);

		if (fd >= 0)
			lb_serve(o, fd, buf);
	}
	close(l);
	free(buf);
	return 0;
}

/* ---------------------------------------------------------------- client - */

/* A socket of type bound (bind_it) or connected to o->addr:o->port. */
static int lb_open(const struct lb_opts *o, int type, bool bind_it)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->port),
				  .sin_addr = o->addr };
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		return -1;
	if (type == SOCK_STREAM && !o->stream)
		lb_nodelay(fd);        /* the stream, as vmk-tcp-bench's, keeps Nagle */
	if ((bind_it ? bind(fd, (struct sockaddr *)&sa, sizeof(sa)) :
		       connect(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int lb_connect(const struct lb_opts *o)
{
	return lb_open(o, SOCK_STREAM, false);
}

static int lb_cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static double lb_pct_us(const uint64_t *lat, uint32_t n, double p)
{
	return (double)lat[(uint32_t)(p / 100.0 * (n - 1) + 0.5)] / 1000.0;
}

static int lb_transact(const struct lb_opts *o, int fd, uint8_t *req, uint8_t *resp)
{
	if (lb_xfer(o, fd, req, o->size, true) < 0 || lb_xfer(o, fd, resp, o->size, false) < 0)
		return -1;
	return memcmp(req, resp, o->size) == 0 ? 0 : (errno = EBADMSG, -1);
}

static void lb_rr_report(const struct lb_opts *o, uint64_t *lat, uint32_t n, double secs)
{
	qsort(lat, n, sizeof(*lat), lb_cmp_u64);
	printf("{\"tool\":\"linux-tcp-bench\",\"mode\":\"rr\",\"spin\":%s,\"size\":%u,"
	       "\"transactions\":%u,\"seconds\":%.6f,\"tps\":%.1f,\"min_us\":%.2f,"
	       "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
	       "\"max_us\":%.2f}\n",
	       o->spin ? "true" : "false", o->size, n, secs, n / secs, (double)lat[0] / 1000.0,
	       lb_pct_us(lat, n, 50), lb_pct_us(lat, n, 90), lb_pct_us(lat, n, 99),
	       lb_pct_us(lat, n, 99.9), (double)lat[n - 1] / 1000.0);
}

static int lb_rr(const struct lb_opts *o)
{
	uint64_t *lat = malloc((size_t)o->count * sizeof(*lat)), t0;
	uint8_t *req = calloc(1, o->size), *resp = malloc(o->size);
	uint32_t n = 0;
	int fd = -1, ret = -1;

	if (lat == NULL || req == NULL || resp == NULL || (fd = lb_connect(o)) < 0)
		goto out;
	ret = 0;
	for (uint32_t i = 0; i < o->warmup_count && ret == 0; i++)
		ret = lb_transact(o, fd, req, resp);
	t0 = lb_now_ns();
	while (ret == 0 && n < o->count) {
		uint64_t x = lb_now_ns();

		req[0] = (uint8_t)n;
		ret = lb_transact(o, fd, req, resp);
		lat[n++] = lb_now_ns() - x;
	}
	if (ret == 0)
		lb_rr_report(o, lat, n, (double)(lb_now_ns() - t0) / 1e9);
out:
	if (ret < 0)
		fprintf(stderr, "linux-tcp-bench: rr: transaction %u: %s\n", n, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(lat);
	free(req);
	free(resp);
	return ret < 0 ? 1 : 0;
}

static int lb_one_conn(const struct lb_opts *o)
{
	uint8_t x = 'q', y;
	int fd = lb_connect(o), ret;

	if (fd < 0)
		return -1;
	ret = lb_xfer(o, fd, &x, 1, true);
	if (ret == 0)
		ret = lb_xfer(o, fd, &y, 1, false);
	close(fd);
	return ret;
}

static int lb_crr(const struct lb_opts *o)
{
	uint64_t t0, deadline, n = 0;
	int ret = 0;

	for (int i = 0; i < 100 && ret == 0; i++)
		ret = lb_one_conn(o);
	t0 = lb_now_ns();
	deadline = t0 + (uint64_t)(o->seconds * 1e9);
	while (ret == 0 && !lb_quit && lb_now_ns() < deadline) {
		ret = lb_one_conn(o);
		n += ret == 0;
	}
	if (ret < 0) {
		fprintf(stderr, "linux-tcp-bench: crr: connection %" PRIu64 ": %s\n", n,
			strerror(errno));
		return 1;
	}
	printf("{\"tool\":\"linux-tcp-bench\",\"mode\":\"crr\",\"spin\":%s,"
	       "\"connections\":%" PRIu64 ",\"seconds\":%.6f,\"cps\":%.1f}\n",
	       o->spin ? "true" : "false", n, (double)(lb_now_ns() - t0) / 1e9,
	       n / ((double)(lb_now_ns() - t0) / 1e9));
	return 0;
}

/* Stream sender: the pattern for warmup + seconds + 1 s, then close. */
static int lb_stream_client(const struct lb_opts *o)
{
	uint8_t *buf = malloc(2 * LB_CHUNK);
	uint64_t end = lb_now_ns() + (uint64_t)((o->warmup + o->seconds + 1) * 1e9);
	struct tp_src src;
	int fd = -1, ret = 1;

	if (buf == NULL || (fd = lb_connect(o)) < 0) {
		perror("linux-tcp-bench: stream: connect");
		goto out;
	}
	tp_src_init(&src, o->verify, buf, LB_CHUNK);
	while (!lb_quit && lb_now_ns() < end) {
		size_t len;
		const uint8_t *p = tp_src_next(&src, &len);
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);

		if (k < 0 && errno != EINTR) {
			perror("linux-tcp-bench: stream: send");
			goto out;
		}
		if (k > 0)
			tp_src_sent(&src, (size_t)k);
	}
	printf("{\"tool\":\"linux-tcp-bench\",\"mode\":\"stream\",\"role\":\"client\","
	       "\"sent_bytes\":%llu}\n", (unsigned long long)src.sent);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* ------------------------------------------------------------------ udp -- */

/* Receiver: the first datagram starts the clock; ends 1 s after the last
 * once the window is over. */
static int lb_udp_server(const struct lb_opts *o)
{
	struct timeval tv = { .tv_sec = 1 };
	uint8_t buf[2048];
	uint64_t w0 = 0, w1 = 0, n = 0, now, lost0 = 0, lost1 = 0;
	struct tp_dgram_rcv rcv = { 0 };
	int fd = lb_open(o, SOCK_DGRAM, o->server);
	ssize_t k;

	if (fd < 0) {
		perror("linux-tcp-bench: udp: bind");
		return 1;
	}
	fprintf(stderr, "linux-tcp-bench: udp on port %u\n", o->port);
	for (;;) {
		k = recv(fd, buf, sizeof(buf), 0);
		now = lb_now_ns();
		if (k < 0 && errno == EAGAIN && w1 != 0 && now >= w1)
			break;                     /* the client stopped */
		if (k < 0 && (errno == EAGAIN || (errno == EINTR && !lb_quit)))
			continue;
		if (k < 0) {
			perror("linux-tcp-bench: udp: recv");
			goto fail;
		}
		if (tp_dgram_check(&rcv, buf, (size_t)k) < 0) {
			tp_dgram_complain(&rcv, "linux-tcp-bench");
			goto fail;
		}
		if (w0 == 0) {
			w0 = now + (uint64_t)(o->warmup * 1e9);
			w1 = w0 + (uint64_t)(o->seconds * 1e9);
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		if (now < w0)
			lost0 = rcv.lost;
		else if (now < w1)
			n++;
		if (now < w1)
			lost1 = rcv.lost;
	}
	printf("{\"tool\":\"linux-tcp-bench\",\"mode\":\"udp\",\"seconds\":%.6f,"
	       "\"datagrams\":%" PRIu64 ",\"pps\":%.1f", o->seconds, n, (double)n / o->seconds);
	tp_dgram_json(&rcv);
	printf(",\"window_lost\":%" PRIu64 ",\"warmup_lost\":%" PRIu64 "}\n", lost1 - lost0, lost0);
	fflush(stdout);
	close(fd);
	return 0;
fail:
	close(fd);
	return 1;
}

/* Sender: datagrams 0, 1, ... for warmup + seconds + 1 s. */
static int lb_udp_client(const struct lb_opts *o)
{
	uint64_t end = lb_now_ns() + (uint64_t)((o->warmup + o->seconds + 1) * 1e9), seq = 0;
	uint8_t d[TP_DGRAM_LEN];
	int fd = lb_open(o, SOCK_DGRAM, o->server);

	if (fd < 0) {
		perror("linux-tcp-bench: udp: connect");
		return 1;
	}
	while (!lb_quit && lb_now_ns() < end) {
		tp_dgram_fill(d, seq);
		if (send(fd, d, sizeof(d), 0) == (ssize_t)sizeof(d))
			seq++;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR &&
			 errno != ECONNREFUSED) {   /* an ICMP error before the server is up */
			perror("linux-tcp-bench: udp: send");
			close(fd);
			return 1;
		}
	}
	printf("{\"tool\":\"linux-tcp-bench\",\"mode\":\"udp\",\"role\":\"client\","
	       "\"sent\":%" PRIu64 "}\n", seq);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = lb_on_signal };
	struct lb_opts o;

	if (lb_parse(argc, argv, &o) < 0)
		return 2;
	sigaction(SIGINT, &sa, NULL);      /* no SA_RESTART: accept() returns */
	sigaction(SIGTERM, &sa, NULL);
	if (o.udp)
		return o.server ? lb_udp_server(&o) : lb_udp_client(&o);
	if (o.server)
		return lb_server(&o);
	if (o.stream)
		return lb_stream_client(&o);
	return o.rr ? lb_rr(&o) : lb_crr(&o);
}
