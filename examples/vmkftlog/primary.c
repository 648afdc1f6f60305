/*
 * vmkftlog's primary: sends the log stream, one record at a time, each
 * only after the previous one's acknowledgement, and measures every
 * record's latency (send to ack). Per size: warm-up records first (sent,
 * acknowledged, not measured), then a run by time or by count; then the
 * distribution. Single-threaded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ftlog.h"

struct size_result {
	uint32_t size;
	uint64_t n;                 /* measured records */
	double seconds;
	double p50_us, p99_us, p999_us, min_us, max_us, mean_us;
};

struct lat_buf {
	uint64_t *ns;
	size_t n, cap;
};

static int lat_push(struct lat_buf *b, uint64_t ns)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 65536;
		uint64_t *p = realloc(b->ns, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->ns = p;
		b->cap = cap;
	}
	b->ns[b->n++] = ns;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p percent at or below. */
static double pct_us(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)sorted[rank - 1] / 1000.0;
}

/* Record seq of size bytes out, its ack back. 0 or a negative errno
 * (-EBADMSG: an acknowledgement of some other record). */
static int one_record(int fd, uint8_t *rec, uint32_t size, uint64_t seq)
{
	struct ftlog_hdr *h = (struct ftlog_hdr *)rec, ack;
	int rc;

	h->magic = htonl(FTLOG_MAGIC);
	h->len = htonl(size);
	h->seq = ftlog_be64(seq);
	memcpy(rec + FTLOG_HDR_SIZE, ftlog_pattern(seq), size - FTLOG_HDR_SIZE);
	rc = ftlog_send_all(fd, rec, size);
	if (rc)
		return rc;
	rc = ftlog_recv_all(fd, &ack, sizeof(ack), NULL);
	if (rc)
		return rc;
	if (ntohl(ack.magic) != FTLOG_ACK_MAGIC || ack.seq != h->seq || ack.len != h->len)
		return -EBADMSG;
	return 0;
}

/* One size: warm-up, then the measured run into r. Advances *seq. */
static int run_size(int fd, const struct ftlog_opts *o, uint32_t size, uint64_t *seq,
		    struct lat_buf *lat, struct size_result *r)
{
	static uint8_t rec[FTLOG_MAX_SIZE];
	uint64_t t_start, t_end, deadline;
	double sum = 0;
	int rc;

	for (uint32_t i = 0; i < o->warmup; i++)
		if ((rc = one_record(fd, rec, size, (*seq)++)))
			return rc;
	lat->n = 0;
	t_start = ftlog_now_ns();
	deadline = o->seconds ? t_start + (uint64_t)o->seconds * 1000000000ull : UINT64_MAX;
	t_end = t_start;
	while ((!o->records || lat->n < o->records) && t_end < deadline) {
		uint64_t t0 = t_end;

		if ((rc = one_record(fd, rec, size, (*seq)++)))
			return rc;
		t_end = ftlog_now_ns();
		if ((rc = lat_push(lat, t_end - t0)))
			return rc;
	}
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->n = lat->n;
	r->seconds = (double)(t_end - t_start) / 1e9;
	if (!lat->n)
		return 0;
	qsort(lat->ns, lat->n, sizeof(*lat->ns), cmp_u64);
	for (size_t i = 0; i < lat->n; i++)
		sum += (double)lat->ns[i];
	r->mean_us = sum / (double)lat->n / 1000.0;
	r->min_us = (double)lat->ns[0] / 1000.0;
	r->max_us = (double)lat->ns[lat->n - 1] / 1000.0;
	r->p50_us = pct_us(lat->ns, lat->n, 50.0);
	r->p99_us = pct_us(lat->ns, lat->n, 99.0);
	r->p999_us = pct_us(lat->ns, lat->n, 99.9);
	return 0;
}

static double rate(const struct size_result *r)
{
	return r->seconds > 0 ? (double)r->n / r->seconds : 0;
}

static void print_results(const struct ftlog_opts *o, const struct size_result *r, int n,
			  uint64_t sent)
{
	char peer[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &o->addr.sin_addr, peer, sizeof(peer));
	if (o->json) {
		printf("{\"secondary\": \"%s:%u\", \"records_acked\": %" PRIu64 ", \"sizes\": [",
		       peer, ntohs(o->addr.sin_port), sent);
		for (int i = 0; i < n; i++)
			printf("%s\n  {\"size\": %u, \"records\": %" PRIu64 ", \"seconds\": %.3f, "
			       "\"records_per_s\": %.1f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
			       "\"p99_9_us\": %.2f, \"min_us\": %.2f, \"mean_us\": %.2f, "
			       "\"max_us\": %.2f}", i ? "," : "", r[i].size, r[i].n, r[i].seconds,
			       rate(&r[i]), r[i].p50_us, r[i].p99_us, r[i].p999_us, r[i].min_us,
			       r[i].mean_us, r[i].max_us);
		printf("\n]}\n");
		return;
	}
	printf("FT log to %s:%u, one ack per record (%" PRIu64 " records acknowledged)\n",
	       peer, ntohs(o->addr.sin_port), sent);
	printf("%8s %10s %11s %9s %9s %9s %9s\n", "size_B", "records", "records/s", "p50_us",
	       "p99_us", "p99.9_us", "max_us");
	for (int i = 0; i < n; i++)
		printf("%8u %10" PRIu64 " %11.0f %9.1f %9.1f %9.1f %9.1f\n", r[i].size, r[i].n,
		       rate(&r[i]), r[i].p50_us, r[i].p99_us, r[i].p999_us, r[i].max_us);
}

int ftlog_primary(const struct ftlog_opts *o)
{
	struct size_result res[FTLOG_MAX_SIZES];
	struct lat_buf lat = { NULL, 0, 0 };
	uint64_t seq = 0;
	int fd, one = 1, rc = 0, i;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("vmkftlog primary: socket");
		return 1;
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		fprintf(stderr, "vmkftlog primary: TCP_NODELAY: %s\n", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&o->addr, sizeof(o->addr)) < 0) {
		perror("vmkftlog primary: connect");
		goto close_fd;
	}
	for (i = 0; i < o->n_sizes; i++) {
		rc = run_size(fd, o, o->sizes[i], &seq, &lat, &res[i]);
		if (rc) {
			fprintf(stderr, "vmkftlog primary: record %" PRIu64 " (%u B): %s\n", seq - 1,
				o->sizes[i], rc == -EBADMSG ? "wrong acknowledgement" : strerror(-rc));
			goto close_fd;
		}
	}
	/* The secondary sees a clean end only after the last ack arrived. */
	shutdown(fd, SHUT_WR);
	print_results(o, res, o->n_sizes, seq);
	free(lat.ns);
	close(fd);
	return 0;

close_fd:
	free(lat.ns);
	close(fd);
	return 1;
}
