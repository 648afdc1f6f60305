/*
 * vmkftlog: a Fault Tolerance logging stream, primary to secondary, on
 * plain BSD sockets (no vmknet API), so the same binary runs on Linux's
 * own stack and, unmodified, under vmkrun on a faultToleranceLogging
 * vmknic. FT's well-known port 8100 is the default, so vmknet's traffic
 * classifier counts the stream as faultToleranceLogging.
 *
 *   vmkftlog secondary --listen ADDR[:PORT] [--once]
 *   vmkftlog primary --connect ADDR[:PORT] [--sizes 64,256,1024,4096]
 *            [--seconds N] [--records N] [--warmup N] [--json]
 *
 * The wire (ftlog.h): each record is a 16-byte header (magic, length of
 * the whole record, sequence number, network byte order) and a payload
 * whose bytes follow from the sequence number; the secondary checks the
 * header, the sequence (one more than the last) and every payload byte,
 * then answers one 16-byte acknowledgement naming the sequence. The
 * primary sends the next record only when the previous one is
 * acknowledged (as an FT primary holds its output until the secondary has
 * the log), so a record's latency is send to ack as the program sees it.
 * Sizes are whole records, header included.
 *
 * Single-threaded; the secondary serves one connection at a time. Exit
 * status: 0 when every record was acknowledged (primary) or valid
 * (secondary), 1 otherwise, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ftlog.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmkftlog secondary --listen ADDR[:PORT] [--once]\n"
		"       vmkftlog primary --connect ADDR[:PORT] [--sizes LIST] [--seconds N]\n"
		"                [--records N] [--warmup N] [--json]\n"
		"\n"
		"  --listen ADDR[:PORT]   secondary: where to accept the log stream (port %u)\n"
		"  --once                 secondary: exit after the first connection\n"
		"  --connect ADDR[:PORT]  primary: the secondary (port %u)\n"
		"  --sizes LIST           record sizes in bytes, header included, %u-%u\n"
		"                         (default 64,256,1024,4096), one after the other\n"
		"  --seconds N            each size's run (default 5)\n"
		"  --records N            each size's run: at most N records (with\n"
		"                         --seconds 0: exactly N)\n"
		"  --warmup N             records per size sent before measuring (default 100)\n"
		"  --json                 print the results as JSON\n",
		FTLOG_PORT, FTLOG_PORT, FTLOG_MIN_SIZE, FTLOG_MAX_SIZE);
}

/* ADDR[:PORT] into sa (IPv4). 0 or -EINVAL. */
static int parse_endpoint(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	unsigned long port = FTLOG_PORT;
	char *end;

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (colon) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || port == 0 || port > 65535)
			return -EINVAL;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

/* "64,256,..." into sizes[]. The count, or -EINVAL. */
static int parse_sizes(const char *s, uint32_t *sizes, int max)
{
	int n = 0;
	char *end;

	while (*s) {
		unsigned long v;

		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || end == s || v < FTLOG_MIN_SIZE || v > FTLOG_MAX_SIZE || n == max)
			return -EINVAL;
		sizes[n++] = (uint32_t)v;
		if (*end == ',')
			end++;
		else if (*end)
			return -EINVAL;
		s = end;
	}
	return n ? n : -EINVAL;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || end == s || *end || *out > max) ? -EINVAL : 0;
}

static int parse_args(int argc, char **argv, struct ftlog_opts *o)
{
	unsigned long v;
	int i;

	memset(o, 0, sizeof(*o));
	o->seconds = 5;
	o->warmup = 100;
	o->n_sizes = parse_sizes("64,256,1024,4096", o->sizes, FTLOG_MAX_SIZES);
	if (argc < 2)
		return -EINVAL;
	if (strcmp(argv[1], "primary") == 0)
		o->primary = true;
	else if (strcmp(argv[1], "secondary") != 0)
		return -EINVAL;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;

		if (strcmp(a, "--once") == 0) {
			o->once = true;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (!val)
			return -EINVAL;
		i++;
		if (strcmp(a, "--listen") == 0 && !o->primary) {
			rc = parse_endpoint(val, &o->addr);
			o->have_addr = true;
		} else if (strcmp(a, "--connect") == 0 && o->primary) {
			rc = parse_endpoint(val, &o->addr);
			o->have_addr = true;
		} else if (strcmp(a, "--sizes") == 0) {
			o->n_sizes = parse_sizes(val, o->sizes, FTLOG_MAX_SIZES);
			rc = o->n_sizes < 0 ? -EINVAL : 0;
		} else if (strcmp(a, "--seconds") == 0) {
			rc = parse_uint(val, 3600, &v);
			o->seconds = (uint32_t)v;
		} else if (strcmp(a, "--records") == 0) {
			rc = parse_uint(val, FTLOG_MAX_RECORDS, &v);
			o->records = (uint32_t)v;
		} else if (strcmp(a, "--warmup") == 0) {
			rc = parse_uint(val, 1000000, &v);
			o->warmup = (uint32_t)v;
		} else {
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (!o->have_addr || (o->primary && o->seconds == 0 && o->records == 0))
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct ftlog_opts o;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	/* A secondary that went away is an error to report, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return o.primary ? ftlog_primary(&o) : ftlog_secondary(&o);
}
