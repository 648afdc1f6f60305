/*
 * Troubleshooting a VMkernel interface: "diag.traceroute" (the hops to a
 * host, probed with ICMP echo requests of rising TTL) and "diag.check"
 * (ops_diag_check.c). Both are made of the library's public calls: a
 * traceroute is one vmk_ping whose requests carry TTL 1, 1, 1, 2, 2, 2, ...
 * (vmk_ping_params.ttl_probes), so every hop is probed at once and the
 * whole takes about the wait, not hops x wait; each Time Exceeded comes
 * back to its request as that request's outcome.
 *
 * Thread: the main lcore, one request at a time (a request blocks the
 * daemon while its probes are out, bounded like "ping").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmknetd/ops.h"

#define TR_MAX_TTL     64
#define TR_MAX_PROBES  5
#define TR_SPACING_MS  10u     /* between two probes of one traceroute */

/* The probes' outcomes by sequence number (1-based), filled by vmk_ping. */
struct tr_probes {
	struct vmk_ping_reply r[TR_MAX_TTL * TR_MAX_PROBES];
	unsigned int n;
};

static void tr_on_reply(const struct vmk_ping_reply *r, void *arg)
{
	struct tr_probes *t = arg;

	if (r->seq >= 1 && r->seq <= TR_MAX_TTL * TR_MAX_PROBES) {
		t->r[r->seq - 1] = *r;
		t->n = RTE_MAX(t->n, (unsigned int)r->seq);
	}
}

/* traceroute's marks for an answer that is not Time Exceeded. */
static const char *tr_mark(int status)
{
	return status == -EHOSTUNREACH ? "!H" : status == -ENETUNREACH ? "!N" :
	       status == -EMSGSIZE ? "!F" : "";
}

/* One row: {"hop", "hosts": [...], "rtts": ["0.312 ms" | "*"], "detail"}.
 * Sets *stop when the destination answered at this hop or a router said
 * it is unreachable (traceroute's last line either way). */
static cJSON *tr_hop(const struct tr_probes *t, unsigned int hop, unsigned int q, bool *stop)
{
	bool reached = false;
	cJSON *o = cJSON_CreateObject(), *hosts = cJSON_CreateArray(), *rtts = cJSON_CreateArray();
	char detail[32] = "", s[16], rtt[32];

	cJSON_AddNumberToObject(o, "hop", hop);
	cJSON_AddItemToObject(o, "hosts", hosts);
	cJSON_AddItemToObject(o, "rtts", rtts);
	for (unsigned int k = 0; k < q; k++) {
		const struct vmk_ping_reply *r = &t->r[(hop - 1) * q + k];
		bool seen = false;
		const cJSON *h;

		if (r->from == 0) {
			cJSON_AddItemToArray(rtts, cJSON_CreateString("*"));
			continue;
		}
		inet_ntop(AF_INET, &r->from, s, sizeof(s));
		cJSON_ArrayForEach(h, hosts)
			seen = seen || strcmp(h->valuestring, s) == 0;
		if (!seen)
			cJSON_AddItemToArray(hosts, cJSON_CreateString(s));
		snprintf(rtt, sizeof(rtt), "%.3f ms%s%s", r->rtt_us / 1000.0,
			 tr_mark(r->status)[0] ? " " : "", tr_mark(r->status));
		cJSON_AddItemToArray(rtts, cJSON_CreateString(rtt));
		if (r->status == 0)
			reached = true;
		else if (tr_mark(r->status)[0] != '\0')
			snprintf(detail, sizeof(detail), "unreachable (%s)", tr_mark(r->status));
	}
	*stop = reached || detail[0] != '\0';
	cJSON_AddStringToObject(o, "detail", reached ? "destination" : detail);
	return o;
}

static int tr_params(struct daemon *d, const cJSON *args, struct vmk_ping_params *p,
		     uint32_t *max_ttl, uint32_t *q, char *err, size_t err_size)
{
	int ret = op_ping_params(d, args, p, err, err_size);

	*max_ttl = 30;
	*q = 3;
	if (ret == 0 && (ret = arg_uint(args, "max_ttl", false, 1, TR_MAX_TTL, max_ttl,
					"max TTL", err, err_size)) == -ENOENT)
		ret = 0;
	if (ret == 0 && (ret = arg_uint(args, "queries", false, 1, TR_MAX_PROBES, q,
					"probes per hop", err, err_size)) == -ENOENT)
		ret = 0;
	if (ret < 0)
		return ret;
	p->count = *max_ttl * *q;
	p->ttl_probes = (uint8_t)*q;
	p->interval_ms = TR_SPACING_MS;
	p->size = 32;
	return 0;
}

static int traceroute(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		      size_t err_size)
{
	static struct tr_probes t;
	struct vmk_ping_params p;
	struct vmk_ping_result res;
	uint32_t max_ttl, q;
	bool stop = false;
	cJSON *rows;
	int ret;

	vmk_ping_params_init(&p);
	ret = tr_params(d, args, &p, &max_ttl, &q, err, err_size);
	if (ret < 0)
		return ret;
	memset(&t, 0, sizeof(t));
	p.on_reply = tr_on_reply;
	p.arg = &t;
	ret = vmk_ping(d->host, &p, &res);
	if (ret < 0) {
		op_errf(err, err_size, "traceroute failed: %s", op_why(ret));
		return ret;
	}
	rows = cJSON_CreateArray();
	if (rows == NULL)
		return -ENOMEM;
	for (unsigned int hop = 1; hop <= max_ttl && !stop; hop++)
		cJSON_AddItemToArray(rows, tr_hop(&t, hop, q, &stop));
	*result = rows;
	return 0;
}

const struct op diag_ops[] = {
	{ "diag.traceroute", traceroute, NULL },
	{ NULL, NULL, NULL },
};
