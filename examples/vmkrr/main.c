/*
 * vmkrr: request/response latency over a vmknet TCP socket against any
 * echo server (plain Linux: `socat TCP-LISTEN:PORT,fork PIPE`). It embeds
 * the library as a hypervisor service would (see embed.h), connects with
 * Nagle off, and runs transactions one at a time: SIZE bytes out, the
 * same SIZE bytes back. It reports transactions per second and the
 * latency distribution (min, p50, p90, p99, p99.9, max) of one
 * transaction as the application sees it.
 *
 *   vmkrr [EAL options] -- --uplink DEVARGS --ip A.B.C.D/N
 *         --connect A.B.C.D:PORT [-s SIZE] [--count N | --duration S]
 *         [--warmup N] [--wait spin|block] [--json]
 *
 * Waiting for the response: "spin" (default) polls the socket without
 * sleeping (vmk_tcp_recv with no timeout, then sched_yield), as a
 * latency-sensitive service would; "block" uses vmk_tcp_recv's own wait,
 * which polls once a millisecond.
 *
 * Exit status: 0 when every transaction completed with the bytes sent, 1
 * otherwise, 2 on bad usage or a host that could not be built.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"

#define MAX_SIZE  (1u << 20)
#define MAX_COUNT 10000000u

struct opts {
	struct embed_opts host;
	uint32_t peer_addr;
	uint16_t peer_port;
	uint32_t size;
	uint32_t count;             /* 0: run for duration_s */
	uint32_t duration_s;
	uint32_t warmup;
	bool spin;
	bool json;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmkrr [EAL options] -- --uplink DEVARGS --ip A.B.C.D/N\n"
		"             --connect A.B.C.D:PORT [options]\n"
		"\n" EMBED_USAGE
		"  --connect IP:PORT  the echo server\n"
		"  -s, --size N       request and response bytes (default 1, at most 1 MiB)\n"
		"  --count N          transactions measured (default: run for --duration)\n"
		"  --duration S       seconds to run (default 5)\n"
		"  --warmup N         transactions before measuring (default 100)\n"
		"  --wait MODE        spin (default) or block\n"
		"  --json             also print the result as one JSON object\n");
}

static int num(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "vmkrr: bad value \"%s\" (%u..%u)\n", s, lo, hi);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_one(void *tool, int c, const char *arg)
{
	struct opts *o = tool;

	switch (c) {
	case 'c':
		if (embed_parse_addr_port(arg, &o->peer_addr, &o->peer_port) == 0)
			return 0;
		fprintf(stderr, "vmkrr: bad --connect \"%s\" (A.B.C.D:PORT)\n", arg);
		return -1;
	case 's': return num(arg, 1, MAX_SIZE, &o->size);
	case 'n': return num(arg, 1, MAX_COUNT, &o->count);
	case 'd': return num(arg, 1, 3600, &o->duration_s);
	case 'w': return num(arg, 0, MAX_COUNT, &o->warmup);
	case 'W':
		if (strcmp(arg, "spin") == 0 || strcmp(arg, "block") == 0) {
			o->spin = strcmp(arg, "spin") == 0;
			return 0;
		}
		fprintf(stderr, "vmkrr: --wait spin or block\n");
		return -1;
	default:                             /* --json */
		o->json = true;
		return 0;
	}
}

/* 0: go on; 1: --help; -1: bad usage. */
static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		EMBED_LONG_OPTIONS,
		{ "connect", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "wait", required_argument, NULL, 'W' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int ret;

	memset(o, 0, sizeof(*o));
	o->size = 1;
	o->duration_s = 5;
	o->warmup = 100;
	o->spin = true;
	ret = embed_getopt(argc, argv, "s:h", longs, &o->host, "vmkrr", parse_one, o, usage);
	if (ret == 0 && o->peer_port == 0) {
		fprintf(stderr, "vmkrr: needs --connect\n");
		ret = -1;
	}
	return ret;
}

/* Exactly len bytes in or out. 0, or a negative errno. */
static long xfer(const struct opts *o, struct vmk_tcp_sock *s, uint8_t *buf, uint32_t len,
		 bool out)
{
	uint32_t done = 0;
	unsigned int wait_ms = o->spin ? 0 : 1000;
	uint64_t t0 = embed_now_ns();

	while (done < len && !stop) {
		long k = out ? vmk_tcp_send(s, buf + done, len - done, wait_ms) :
			       vmk_tcp_recv(s, buf + done, len - done, wait_ms);

		if (k > 0) {
			done += (uint32_t)k;
			continue;
		}
		if (k == 0)
			return -ECONNRESET;      /* the server closed */
		if (k != -EAGAIN)
			return k;
		if (embed_now_ns() - t0 > 10ull * 1000000000ull)
			return -ETIMEDOUT;
		if (o->spin)
			sched_yield();
	}
	return stop ? -EINTR : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *lat, uint32_t n, double p)
{
	uint32_t i = (uint32_t)(p / 100.0 * (n - 1) + 0.5);

	return (double)lat[i] / 1000.0;
}

static void report(const struct opts *o, uint64_t *lat, uint32_t n, double seconds, bool ok)
{
	double tps = seconds > 0 ? n / seconds : 0;

	if (n == 0) {
		printf("vmkrr: no transaction completed\n");
		return;
	}
	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	printf("vmkrr: %u transactions of %u bytes in %.3f s = %.0f trans/s%s\n", n, o->size,
	       seconds, tps, ok ? "" : " (stopped early)");
	printf("vmkrr: latency us: min %.1f p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f\n",
	       (double)lat[0] / 1000.0, pct_us(lat, n, 50), pct_us(lat, n, 90),
	       pct_us(lat, n, 99), pct_us(lat, n, 99.9), (double)lat[n - 1] / 1000.0);
	if (o->json)
		printf("{\"tool\":\"vmkrr\",\"ok\":%s,\"size\":%u,\"transactions\":%u,"
		       "\"seconds\":%.6f,\"tps\":%.1f,\"wait\":\"%s\",\"min_us\":%.2f,"
		       "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
		       "\"max_us\":%.2f}\n",
		       ok ? "true" : "false", o->size, n, seconds, tps, o->spin ? "spin" : "block",
		       (double)lat[0] / 1000.0, pct_us(lat, n, 50), pct_us(lat, n, 90),
		       pct_us(lat, n, 99), pct_us(lat, n, 99.9), (double)lat[n - 1] / 1000.0);
	fflush(stdout);
}

/* One transaction: 0 when the response matched the request. */
static int transact(const struct opts *o, struct vmk_tcp_sock *s, uint8_t *req, uint8_t *resp,
		    uint32_t i)
{
	long ret;

	req[0] = (uint8_t)i;
	ret = xfer(o, s, req, o->size, true);
	if (ret == 0)
		ret = xfer(o, s, resp, o->size, false);
	if (ret < 0) {
		fprintf(stderr, "vmkrr: transaction %u: %s\n", i, strerror((int)-ret));
		return -1;
	}
	if (memcmp(req, resp, o->size) != 0) {
		fprintf(stderr, "vmkrr: transaction %u: the response differs from the request\n", i);
		return -1;
	}
	return 0;
}

static int run(const struct opts *o, struct embed *e, uint8_t *req, uint8_t *resp,
	       uint64_t *lat, uint32_t max)
{
	struct vmk_tcp_sock *s = NULL;
	uint64_t t_start, t_end, deadline;
	uint32_t n = 0;
	int ret;

	ret = vmk_tcp_open(e->host, NULL, &s);
	if (ret == 0)
		ret = vmk_tcp_set_nodelay(s, true);
	if (ret == 0)
		ret = vmk_tcp_connect(s, o->peer_addr, o->peer_port, 10000);
	if (ret < 0) {
		fprintf(stderr, "vmkrr: connect: %s\n",
			strerror(ret == -EINPROGRESS ? ETIMEDOUT : -ret));
		vmk_tcp_close(s);
		return 1;
	}
	for (uint32_t i = 0; i < o->warmup && ret == 0; i++)
		ret = transact(o, s, req, resp, i);
	t_start = embed_now_ns();
	deadline = t_start + (uint64_t)o->duration_s * 1000000000ull;
	while (ret == 0 && !stop && n < max && (o->count != 0 || embed_now_ns() < deadline)) {
		uint64_t t0 = embed_now_ns();

		ret = transact(o, s, req, resp, n);
		if (ret == 0)
			lat[n++] = embed_now_ns() - t0;
	}
	t_end = embed_now_ns();
	report(o, lat, n, (double)(t_end - t_start) / 1e9, ret == 0 && !stop);
	vmk_tcp_close(s);
	return ret == 0 && !stop && n > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct embed e = { 0 };
	uint8_t *req, *resp;
	uint64_t *lat;
	struct opts o;
	uint32_t max;
	int eal_argc, first, ret;

	first = embed_split_args(argc, argv, &eal_argc);
	ret = parse(argc - first, argv + first, &o);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	max = o.count != 0 ? o.count : MAX_COUNT;
	req = malloc(o.size);
	resp = malloc(o.size);
	lat = malloc((size_t)max * sizeof(*lat));
	if (req == NULL || resp == NULL || lat == NULL) {
		fprintf(stderr, "vmkrr: out of memory\n");
		ret = 2;
		goto free_bufs;
	}
	for (uint32_t i = 0; i < o.size; i++)
		req[i] = (uint8_t)(i * 31 + 7);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (embed_up(&e, eal_argc, argv, &o.host, "vmkrr") < 0) {
		ret = 2;
		goto down;
	}
	ret = run(&o, &e, req, resp, lat, max);
down:
	embed_down(&e);
free_bufs:
	free(req);
	free(resp);
	free(lat);
	return ret;
}
