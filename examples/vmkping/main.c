/*
 * vmkping: ping from a VMkernel interface or netstack of a running host.
 *
 *   vmkping [--control SOCK] [-I vmkN] [-S netstack] [-s size] [-d] [-c count]
 *           [-i interval] [-W timeout] host
 *
 * The echo requests are sent by vmknetd (the "ping" control operation runs
 * vmk_ping); vmkping prints the outcome in ping's shape. vmknetd serves one
 * request at a time, so the whole ping is answered at once when it ends and
 * its length is bounded (count up to 100, about 20 s in all).
 *
 * Exit status: 0 when replies came, 1 when none did, 2 on bad usage or
 * when vmknetd refused the request (the reason on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <vmknet/ctl.h>

struct opts {
	const char *control, *vmknic, *netstack, *host;
	long size, count;
	double interval_s, timeout_s;
	bool df;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmkping [--control SOCK] [-I vmkN] [-S netstack] [-s size] [-d] [-c count]\n"
		"               [-i interval] [-W timeout] host\n"
		"\n"
		"  --control SOCK  vmknetd's control socket (default %s)\n"
		"  -I vmkN         send from this VMkernel interface\n"
		"  -S netstack     use this netstack (default: the interface's, or defaultTcpipStack)\n"
		"  -s size         ICMP data bytes (default 56)\n"
		"  -d              set Don't Fragment\n"
		"  -c count        number of requests, 1-100 (default 3)\n"
		"  -i interval     seconds between requests (default 1)\n"
		"  -W timeout      seconds to wait for each reply (default 1)\n",
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
	while ((c = getopt_long(argc, argv, "I:S:s:dc:i:W:h", longs, NULL)) != -1) {
		switch (c) {
		case 'C': o->control = optarg; break;
		case 'I': o->vmknic = optarg; break;
		case 'S': o->netstack = optarg; break;
		case 's': o->size = (long)num(optarg, "size", 0, 65507); break;
		case 'd': o->df = true; break;
		case 'c': o->count = (long)num(optarg, "count", 1, 100); break;
		case 'i': o->interval_s = num(optarg, "interval", 0.01, 10); break;
		case 'W': o->timeout_s = num(optarg, "timeout", 0.01, 10); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "vmkping: %s\n", optind >= argc ? "no host given" :
			"one host only");
		usage(stderr);
		exit(2);
	}
	o->host = argv[optind];
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

static char *request(const struct opts *o, const char *addr)
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
	cJSON_AddNumberToObject(args, "count", (double)o->count);
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

/* One line per request's outcome, as ping prints it. */
static void print_reply(const cJSON *r, const char *addr)
{
	unsigned int seq = (unsigned int)field(r, "seq");
	int status = (int)field(r, "status");

	if (status == 0) {
		printf("%u bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms\n",
		       (unsigned int)field(r, "size") + 8, sfield(r, "from"), seq,
		       (unsigned int)field(r, "ttl"), field(r, "rtt_us") / 1000.0);
	} else if (status == EMSGSIZE) {
		if (strcmp(sfield(r, "from"), "0.0.0.0") == 0)
			printf("sendto() failed for icmp_seq=%u: Message too long (does not fit "
			       "the MTU %u with Don't Fragment)\n", seq,
			       (unsigned int)field(r, "mtu"));
		else if (field(r, "mtu") > 0)
			printf("From %s icmp_seq=%u Frag needed and DF set (mtu = %u)\n",
			       sfield(r, "from"), seq, (unsigned int)field(r, "mtu"));
		else
			printf("sendto() failed for icmp_seq=%u: Message too long (does not fit "
			       "the MTU with Don't Fragment)\n", seq);
	} else if (status == ETIMEDOUT) {
		printf("Request timeout for icmp_seq %u\n", seq);
	} else {
		printf("From %s icmp_seq=%u %s\n", strcmp(sfield(r, "from"), "0.0.0.0") ?
		       sfield(r, "from") : addr, seq, sfield(r, "error"));
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	char addr[INET_ADDRSTRLEN], *text, *answer = NULL;
	const cJSON *ok, *res, *r;
	cJSON *reply;
	double sent, recv;
	int ret;

	parse(argc, argv, &o);
	if (resolve(o.host, addr) < 0) {
		fprintf(stderr, "vmkping: unknown host %s\n", o.host);
		return 2;
	}
	text = request(&o, addr);
	if (text == NULL)
		return 2;
	printf("PING %s (%s): %ld data bytes\n", o.host, addr, o.size);
	fflush(stdout);
	ret = vmk_ctl_call(o.control, text, strlen(text), 60000, &answer);
	free(text);
	if (ret < 0) {
		fprintf(stderr, "vmkping: cannot reach vmknetd at %s: %s\n", o.control,
			strerror(-ret));
		return 2;
	}
	reply = cJSON_Parse(answer);
	free(answer);
	ok = cJSON_GetObjectItemCaseSensitive(reply, "ok");
	if (!cJSON_IsTrue(ok)) {
		fprintf(stderr, "vmkping: %s\n", sfield(reply, "error")[0] ? sfield(reply, "error") :
			"vmknetd sent a reply that is not understood");
		cJSON_Delete(reply);
		return 2;
	}
	res = cJSON_GetObjectItemCaseSensitive(reply, "result");
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(res, "replies"))
		print_reply(r, addr);
	sent = field(res, "sent");
	recv = field(res, "received");
	printf("\n--- %s ping statistics ---\n", o.host);
	printf("%.0f packets transmitted, %.0f packets received, %.0f%% packet loss\n", sent, recv,
	       sent > 0 ? floor((sent - recv) * 100.0 / sent) : 100.0);
	if (recv > 0)
		printf("round-trip min/avg/max = %.3f/%.3f/%.3f ms\n",
		       field(res, "rtt_min_us") / 1000.0, field(res, "rtt_avg_us") / 1000.0,
		       field(res, "rtt_max_us") / 1000.0);
	cJSON_Delete(reply);
	return recv > 0 ? 0 : 1;
}
