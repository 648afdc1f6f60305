/*
 * vmkping: ping from a VMkernel interface or netstack of a running host.
 *
 *   vmkping [--control SOCK] [-4] [-I vmkN] [-S netstack] [-s size] [-d] [-t ttl]
 *           [-c count] [-i interval] [-W timeout] [-v] host
 *   vmkping [options] -D
 *
 * The echo requests are sent by vmknetd (the "ping" control operation runs
 * vmk_ping); vmkping prints the outcome in ping's shape. vmknetd serves one
 * request at a time and answers a ping when it ends, so vmkping asks for
 * the count in batches that each span about a second of requests (at most
 * BATCH_MAX), prints each batch's lines when it returns and keeps the
 * statistics over all; SIGINT (Ctrl-C) stops after the batch in flight and
 * prints the statistics so far, as ping does. -D is ESXi's TCP/IP stack
 * debug mode: it pings each configured gateway of the netstack (every
 * vmknic's own gateway, then the default gateway) with a line each.
 *
 * Exit status: 0 when replies came (with -D: from every gateway), 1 when
 * none did, 2 on bad usage or when vmknetd refused the request (the reason
 * on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include <vmknet/ctl.h>

#define BATCH_MAX 50        /* requests per control call */
#define BATCH_SPAN_MS 1000  /* about this much sending per call */

struct opts {
	const char *control, *vmknic, *netstack, *host;
	long size, count, ttl;
	double interval_s, timeout_s;
	bool df, verbose, debug;
	bool quiet;         /* -D: a line per gateway, not per reply (unless -v) */
};

/* Over every batch. */
struct stats {
	double sent, recv, rtt_min_us, rtt_max_us, rtt_sum_us;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmkping [--control SOCK] [-I vmkN] [-S netstack] [-s size] [-d] [-t ttl]\n"
		"               [-c count] [-i interval] [-W timeout] [-v] host\n"
		"       vmkping [options] -D\n"
		"\n"
		"  --control SOCK  vmknetd's control socket (default %s)\n"
		"  -4              IPv4 (the default and only version; -6 is refused)\n"
		"  -I vmkN         send from this VMkernel interface\n"
		"  -S netstack     use this netstack (default: the interface's, or defaultTcpipStack)\n"
		"  -s size         ICMP data bytes (default 56)\n"
		"  -d              set Don't Fragment\n"
		"  -t ttl          the requests' IPv4 TTL, 1-255 (default 64)\n"
		"  -c count        number of requests (default 3)\n"
		"  -i interval     seconds between requests (default 1)\n"
		"  -W timeout      seconds to wait for each reply (default 1)\n"
		"  -v              verbose: each outcome with its details\n"
		"  -D              TCP/IP stack debug mode: ping the netstack's gateways\n",
		VMK_CTL_DEFAULT_SOCKET);
}

static double num(const char *s, const char *what, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "vmkping: bad %s \"%s\" (%g..%g)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "control", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->control = getenv("VMKCLI_CONTROL") ? getenv("VMKCLI_CONTROL") : VMK_CTL_DEFAULT_SOCKET;
	o->size = 56;
	o->count = 3;
	o->interval_s = 1;
	o->timeout_s = 1;
	while ((c = getopt_long(argc, argv, "46I:S:s:dt:c:i:W:vDh", longs, NULL)) != -1) {
		switch (c) {
		case 'C': o->control = optarg; break;
		case '4': break;                       /* IPv4: the only one */
		case '6':
			fprintf(stderr, "vmkping: -6: IPv6 is not supported (vmknet's netstacks "
				"are IPv4 only)\n");
			exit(2);
		case 'I': o->vmknic = optarg; break;
		case 'S': o->netstack = optarg; break;
		case 's': o->size = (long)num(optarg, "size", 0, 65507); break;
		case 'd': o->df = true; break;
		case 't': o->ttl = (long)num(optarg, "ttl", 1, 255); break;
		case 'c': o->count = (long)num(optarg, "count", 1, 1e9); break;
		case 'v': o->verbose = true; break;
		case 'D': o->debug = true; break;
		case 'i': o->interval_s = num(optarg, "interval", 0.01, 10); break;
		case 'W': o->timeout_s = num(optarg, "timeout", 0.01, 10); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind + (o->debug ? 0 : 1) != argc) {
		fprintf(stderr, "vmkping: %s\n", o->debug ? "-D takes no host" :
			optind >= argc ? "no host given" : "one host only");
		usage(stderr);
		exit(2);
	}
	o->host = o->debug ? NULL : argv[optind];
}

/* The host as a dotted quad (a name is looked up locally). */
static int resolve(const char *host, char out[INET_ADDRSTRLEN])
{
	struct addrinfo hints = { .ai_family = AF_INET }, *res;
	struct in_addr a;

	if (inet_pton(AF_INET, host, &a) == 1) {
		inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
		return 0;
	}
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -1;
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, out, INET_ADDRSTRLEN);
	freeaddrinfo(res);
	return 0;
}

/* A ping request for count echo requests to addr. */
static char *request(const struct opts *o, const char *addr, long count)
{
	cJSON *req = cJSON_CreateObject(), *args = cJSON_AddObjectToObject(req, "args");
	char *text;

	cJSON_AddStringToObject(req, "op", "ping");
	cJSON_AddStringToObject(args, "host", addr);
	if (o->vmknic != NULL)
		cJSON_AddStringToObject(args, "interface_name", o->vmknic);
	if (o->netstack != NULL)
		cJSON_AddStringToObject(args, "netstack", o->netstack);
	cJSON_AddNumberToObject(args, "size", (double)o->size);
	cJSON_AddBoolToObject(args, "df", o->df);
	cJSON_AddNumberToObject(args, "count", (double)count);
	if (o->ttl != 0)
		cJSON_AddNumberToObject(args, "ttl", (double)o->ttl);
	cJSON_AddNumberToObject(args, "interval_ms", round(o->interval_s * 1000));
	cJSON_AddNumberToObject(args, "timeout_ms", round(o->timeout_s * 1000));
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return text;
}

static double field(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *sfield(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* What -v adds to an outcome's line. */
static void print_details(const cJSON *r, const struct opts *o, int status)
{
	if (!o->verbose) {
		printf("\n");
		return;
	}
	if (status == 0)
		printf(" (%u data bytes, sent with ttl %ld%s, rtt %.0f us)\n",
		       (unsigned int)field(r, "size"), o->ttl ? o->ttl : 64L,
		       o->df ? " and DF" : "", field(r, "rtt_us"));
	else
		printf(" (errno %d: %s)\n", status, strerror(status));
}

/* One line per request's outcome, as ping prints it; seq counts from
 * first, the batch's first request. */
static void print_reply(const cJSON *r, const char *addr, long first, const struct opts *o)
{
	unsigned long seq = (unsigned long)field(r, "seq") + (unsigned long)first - 1;
	int status = (int)field(r, "status");
	const char *from = sfield(r, "from");
	bool nobody = strcmp(from, "0.0.0.0") == 0 || from[0] == '\0';

	if (o->quiet && !o->verbose)
		return;
	if (status == 0)
		printf("%u bytes from %s: icmp_seq=%lu ttl=%u time=%.3f ms",
		       (unsigned int)field(r, "size") + 8, from, seq,
		       (unsigned int)field(r, "ttl"), field(r, "rtt_us") / 1000.0);
	else if (status == EMSGSIZE && nobody)
		printf("sendto() failed for icmp_seq=%lu: Message too long (does not fit "
		       "the MTU %u with Don't Fragment)", seq, (unsigned int)field(r, "mtu"));
	else if (status == EMSGSIZE)
		printf("From %s icmp_seq=%lu Frag needed and DF set (mtu = %u)", from, seq,
		       (unsigned int)field(r, "mtu"));
	else if (status == ETIMEDOUT && nobody)
		printf("Request timeout for icmp_seq %lu", seq);
	else if (status == ETIMEDOUT)
		printf("From %s icmp_seq=%lu Time to live exceeded", from, seq);
	else
		printf("From %s icmp_seq=%lu %s", nobody ? addr : from, seq, sfield(r, "error"));
	print_details(r, o, status);
}

/* Send one request to vmknetd; its result, or NULL (the reason printed). */
static cJSON *call(const struct opts *o, const char *text, cJSON **reply)
{
	char *answer = NULL;
	const cJSON *ok;
	int ret = vmk_ctl_call(o->control, text, strlen(text), 60000, &answer);

	*reply = NULL;
	if (ret < 0) {
		fprintf(stderr, "vmkping: cannot reach vmknetd at %s: %s\n", o->control,
			strerror(-ret));
		return NULL;
	}
	*reply = cJSON_Parse(answer);
	free(answer);
	ok = cJSON_GetObjectItemCaseSensitive(*reply, "ok");
	if (!cJSON_IsTrue(ok)) {
		fprintf(stderr, "vmkping: %s\n", sfield(*reply, "error")[0] ?
			sfield(*reply, "error") : "vmknetd sent a reply that is not understood");
		return NULL;
	}
	return cJSON_GetObjectItemCaseSensitive(*reply, "result");
}

/* Ask for requests first..first+n-1; print and count their outcomes.
 * Returns 0, or 2 when vmknetd refused or could not be reached. */
static int run_batch(const struct opts *o, const char *addr, long first, long n,
		     struct stats *st)
{
	char *text = request(o, addr, n);
	cJSON *reply;
	const cJSON *res, *r;
	double recv;

	if (text == NULL)
		return 2;
	res = call(o, text, &reply);
	free(text);
	if (res == NULL) {
		cJSON_Delete(reply);
		return 2;
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(res, "replies"))
		print_reply(r, addr, first, o);
	fflush(stdout);
	recv = field(res, "received");
	if (recv > 0) {
		if (st->recv == 0 || field(res, "rtt_min_us") < st->rtt_min_us)
			st->rtt_min_us = field(res, "rtt_min_us");
		if (field(res, "rtt_max_us") > st->rtt_max_us)
			st->rtt_max_us = field(res, "rtt_max_us");
		st->rtt_sum_us += field(res, "rtt_avg_us") * recv;
	}
	st->sent += field(res, "sent");
	st->recv += recv;
	cJSON_Delete(reply);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)fmod(ms, 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);   /* SIGINT cuts it short */
}

/* o->count requests in batches, on ping's schedule. 0, or 2 (refused). */
static int ping_all(const struct opts *o, const char *addr, struct stats *st)
{
	long per = lround(BATCH_SPAN_MS / (o->interval_s * 1000));
	double start = now_ms();

	per = per < 1 ? 1 : per > BATCH_MAX ? BATCH_MAX : per;
	for (long first = 1; first <= o->count && !interrupted; first += per) {
		long n = o->count - first + 1 < per ? o->count - first + 1 : per;

		/* Each batch starts when its first request is due. */
		sleep_ms(start + (double)(first - 1) * o->interval_s * 1000 - now_ms());
		if (interrupted)
			break;
		if (o->verbose)
			printf("vmkping: requests %ld-%ld of %ld to vmknetd\n", first,
			       first + n - 1, o->count);
		if (run_batch(o, addr, first, n, st) != 0)
			return 2;
	}
	return 0;
}

static void print_stats(const char *host, const struct stats *st)
{
	printf("\n--- %s ping statistics ---\n", host);
	printf("%.0f packets transmitted, %.0f packets received, %.0f%% packet loss\n", st->sent,
	       st->recv, st->sent > 0 ? floor((st->sent - st->recv) * 100.0 / st->sent) : 100.0);
	if (st->recv > 0)
		printf("round-trip min/avg/max = %.3f/%.3f/%.3f ms\n", st->rtt_min_us / 1000.0,
		       st->rtt_sum_us / st->recv / 1000.0, st->rtt_max_us / 1000.0);
}

/* A read operation with one string argument (key NULL: none); the reply
 * to delete, its result in *res, or NULL. */
static cJSON *query(const struct opts *o, const char *op, const char *key, const char *val,
		    const cJSON **res)
{
	cJSON *req = cJSON_CreateObject(), *args = cJSON_AddObjectToObject(req, "args");
	cJSON *reply = NULL;
	char *text;

	cJSON_AddStringToObject(req, "op", op);
	if (key != NULL)
		cJSON_AddStringToObject(args, key, val);
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	*res = text != NULL ? call(o, text, &reply) : NULL;
	free(text);
	if (*res == NULL) {
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

/* The field key of the record of rows named name ("" if none). */
static const char *row_field(const cJSON *rows, const char *name, const char *key)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, rows)
		if (strcmp(sfield(r, "name"), name) == 0)
			return sfield(r, key);
	return "";
}

/* Ping gw as q says, then its line. Returns true when it answered. */
static bool ping_gateway(const struct opts *q, const char *gw, const char *what)
{
	struct stats st = { 0 };

	if (ping_all(q, gw, &st) != 0)
		return false;
	printf("%s %s: %.0f packets transmitted, %.0f packets received, %.0f%% packet loss\n",
	       what, gw, st.sent, st.recv,
	       st.sent > 0 ? floor((st.sent - st.recv) * 100.0 / st.sent) : 100.0);
	fflush(stdout);
	return st.recv > 0;
}

/* -D: every vmknic's gateway in the netstack, then its default gateway. */
static int debug_gateways(const struct opts *o)
{
	const cJSON *ifs, *v4, *nsr, *r;
	cJSON *a = query(o, "interface.list", NULL, NULL, &ifs);
	cJSON *b = a != NULL ? query(o, "interface.ipv4.get", NULL, NULL, &v4) : NULL;
	cJSON *c = NULL;
	const char *ns = o->netstack;
	struct opts q = *o;
	unsigned int n = 0, ok = 0;
	char what[96];

	if (ns == NULL && o->vmknic != NULL && b != NULL)
		ns = row_field(ifs, o->vmknic, "netstack");
	if (ns == NULL || ns[0] == '\0')
		ns = o->vmknic != NULL ? "" : "defaultTcpipStack";
	c = b != NULL ? query(o, "netstack.get", "netstack", ns, &nsr) : NULL;
	if (c == NULL) {
		cJSON_Delete(a);
		cJSON_Delete(b);
		return 2;
	}
	if (cJSON_IsArray(nsr))
		nsr = cJSON_GetArrayItem(nsr, 0);
	printf("vmkping: TCP/IP stack debug mode: the gateways of netstack %s\n", ns);
	q.quiet = true;
	cJSON_ArrayForEach(r, ifs) {
		const char *name = sfield(r, "name"), *gw = row_field(v4, name, "gateway");

		if (strcmp(sfield(r, "netstack"), ns) != 0 || gw[0] == '\0' ||
		    strcmp(gw, "0.0.0.0") == 0 || (o->vmknic && strcmp(o->vmknic, name) != 0))
			continue;
		q.vmknic = name;
		q.netstack = NULL;
		snprintf(what, sizeof(what), "%s gateway", name);
		n++;
		ok += ping_gateway(&q, gw, what) && !interrupted;
	}
	if (strcmp(sfield(nsr, "default_gateway"), "0.0.0.0") != 0 && !interrupted) {
		q.vmknic = NULL;
		q.netstack = ns;
		snprintf(what, sizeof(what), "%s default gateway", ns);
		n++;
		ok += ping_gateway(&q, sfield(nsr, "default_gateway"), what);
	}
	if (n == 0)
		printf("vmkping: netstack %s has no gateway configured\n", ns);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	return n > 0 && ok == n ? 0 : 1;
}

static void catch_sigint(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct stats st = { 0 };
	char addr[INET_ADDRSTRLEN];
	struct opts o;
	int ret;

	parse(argc, argv, &o);
	catch_sigint();
	if (o.debug)
		return debug_gateways(&o);
	if (resolve(o.host, addr) < 0) {
		fprintf(stderr, "vmkping: unknown host %s\n", o.host);
		return 2;
	}
	printf("PING %s (%s): %ld data bytes\n", o.host, addr, o.size);
	fflush(stdout);
	ret = ping_all(&o, addr, &st);
	if (ret != 0 && st.sent == 0)
		return ret;
	print_stats(o.host, &st);
	return ret != 0 ? ret : st.recv > 0 ? 0 : 1;
}
