/*
 * vmktop: esxtop's network panel for a vmknet host.
 *
 *   vmktop [--control SOCKET] [-d SECONDS] [-b] [-n ITERATIONS]
 *
 * Every switch port with PORT-ID, USED-BY, TEAM-PNIC, DNAME and its rates
 * (PKTTX/s, MbTX/s, PKTRX/s, MbRX/s, %DRPTX, %DRPRX), refreshed every -d
 * seconds (default 1). TX and RX are from the port's side: TX is what the
 * port sent out of the switch (onto the wire for an uplink, to the guest or
 * adapter otherwise), RX what it brought in. Batch mode (-b) writes esxtop
 * -b's CSV instead: a header row naming one column per port and counter
 * ("\\HOST\Network Port(DNAME:PORT-ID:USED-BY)\Packets Transmitted/sec"), then
 * one row per sample, -n samples (default: until interrupted). The port set
 * of a batch is fixed by its first sample; a port gone later is left empty.
 *
 * Counters come from vmknetd's "port.stats" operation over the control
 * socket (include/vmknet/ctl.h). Exit status: 0, 1 (vmknetd unreachable or
 * refused), 2 (bad usage).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <vmknet/ctl.h>

#define MAX_PORTS 4096

struct port {
	double id;
	char used_by[32], team_pnic[32], dname[32];
	double rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, tx_dropped;
};

struct sample {
	double time_ms;
	unsigned int n;
	struct port p[MAX_PORTS];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void str(const cJSON *o, const char *k, char *out, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	snprintf(out, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* One "port.stats" call. 0, or -1 with the reason on stderr. */
static int sample_take(const char *control, struct sample *s)
{
	static const char req[] = "{\"op\":\"port.stats\"}\n";
	const cJSON *ok, *res, *e;
	char *answer = NULL;
	cJSON *reply;
	int ret = vmk_ctl_call(control, req, strlen(req), 5000, &answer);

	if (ret < 0) {
		fprintf(stderr, "vmktop: cannot reach vmknetd at %s: %s\n", control, strerror(-ret));
		return -1;
	}
	reply = cJSON_Parse(answer);
	free(answer);
	ok = cJSON_GetObjectItemCaseSensitive(reply, "ok");
	res = cJSON_GetObjectItemCaseSensitive(reply, "result");
	if (!cJSON_IsTrue(ok) || !cJSON_IsObject(res)) {
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(reply, "error");

		fprintf(stderr, "vmktop: vmknetd refused: %s\n",
			cJSON_IsString(msg) ? msg->valuestring : "no reason given");
		cJSON_Delete(reply);
		return -1;
	}
	s->time_ms = num(res, "time_ms");
	s->n = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "ports")) {
		struct port *p = &s->p[s->n];

		if (s->n >= MAX_PORTS)
			break;
		p->id = num(e, "port_id");
		str(e, "used_by", p->used_by, sizeof(p->used_by));
		str(e, "team_pnic", p->team_pnic, sizeof(p->team_pnic));
		str(e, "dname", p->dname, sizeof(p->dname));
		p->rx_packets = num(e, "rx_packets");
		p->rx_bytes = num(e, "rx_bytes");
		p->tx_packets = num(e, "tx_packets");
		p->tx_bytes = num(e, "tx_bytes");
		p->rx_dropped = num(e, "rx_dropped");
		p->tx_dropped = num(e, "tx_dropped");
		s->n++;
	}
	cJSON_Delete(reply);
	return 0;
}

static const struct port *find(const struct sample *s, double id)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (s->p[i].id == id)
			return &s->p[i];
	return NULL;
}

struct rates {
	double pkttx, mbtx, pktrx, mbrx, drptx, drprx;
};

static void rates_of(const struct port *a, const struct port *b, double dt, struct rates *r)
{
	double tx = b->tx_packets - a->tx_packets, rx = b->rx_packets - a->rx_packets;
	double dtx = b->tx_dropped - a->tx_dropped, drx = b->rx_dropped - a->rx_dropped;

	r->pkttx = tx / dt;
	r->pktrx = rx / dt;
	r->mbtx = (b->tx_bytes - a->tx_bytes) * 8 / 1e6 / dt;
	r->mbrx = (b->rx_bytes - a->rx_bytes) * 8 / 1e6 / dt;
	r->drptx = tx + dtx > 0 ? 100.0 * dtx / (tx + dtx) : 0;
	/* rx_packets counts every frame brought in, dropped ones included;
	 * tx_packets only what the device took. */
	r->drprx = rx > 0 ? (drx >= rx ? 100.0 : 100.0 * drx / rx) : 0;
}

static void print_screen(const struct sample *prev, const struct sample *cur, double dt)
{
	time_t now = time(NULL);
	char when[32];

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	printf("\033[H\033[2J%s up, %u ports, refresh every %.1f s (q: Ctrl-C)\n\n", when, cur->n,
	       dt);
	printf("%10s %-16s %-10s %-12s %10s %8s %10s %8s %7s %7s\n", "PORT-ID", "USED-BY",
	       "TEAM-PNIC", "DNAME", "PKTTX/s", "MbTX/s", "PKTRX/s", "MbRX/s", "%DRPTX", "%DRPRX");
	for (unsigned int i = 0; i < cur->n; i++) {
		const struct port *b = &cur->p[i], *a = find(prev, b->id);
		struct rates r = { 0 };

		if (a != NULL)
			rates_of(a, b, dt, &r);
		printf("%10.0f %-16s %-10s %-12s %10.2f %8.2f %10.2f %8.2f %7.2f %7.2f\n", b->id,
		       b->used_by, b->team_pnic, b->dname, r.pkttx, r.mbtx, r.pktrx, r.mbrx,
		       r.drptx, r.drprx);
	}
	fflush(stdout);
}

static void batch_header(const struct sample *first)
{
	static const char *const what[] = {
		"Packets Transmitted/sec", "MBits Transmitted/sec", "Packets Received/sec",
		"MBits Received/sec", "% Outbound Packets Dropped", "% Received Packets Dropped",
	};
	char host[64] = "vmknet";

	gethostname(host, sizeof(host) - 1);
	printf("\"(PDH-CSV 4.0) (UTC)(0)\"");
	for (unsigned int i = 0; i < first->n; i++)
		for (unsigned int k = 0; k < 6; k++)
			printf(",\"\\\\%s\\Network Port(%s:%.0f:%s)\\%s\"", host, first->p[i].dname,
			       first->p[i].id, first->p[i].used_by, what[k]);
	printf("\n");
}

static void batch_row(const struct sample *first, const struct sample *prev,
		      const struct sample *cur, double dt)
{
	time_t now = time(NULL);
	char when[32];

	strftime(when, sizeof(when), "%m/%d/%Y %H:%M:%S", gmtime(&now));
	printf("\"%s\"", when);
	for (unsigned int i = 0; i < first->n; i++) {
		const struct port *a = find(prev, first->p[i].id), *b = find(cur, first->p[i].id);
		struct rates r;

		if (a == NULL || b == NULL) {
			printf(",\"\",\"\",\"\",\"\",\"\",\"\"");
			continue;
		}
		rates_of(a, b, dt, &r);
		printf(",\"%.2f\",\"%.2f\",\"%.2f\",\"%.2f\",\"%.2f\",\"%.2f\"", r.pkttx, r.mbtx,
		       r.pktrx, r.mbrx, r.drptx, r.drprx);
	}
	printf("\n");
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: vmktop [--control SOCKET] [-d SECONDS] [-b] [-n ITERATIONS]\n"
		"  --control SOCKET  vmknetd's control socket (default %s, or $VMKCLI_CONTROL)\n"
		"  -d SECONDS        delay between samples (default 1, at least 0.1)\n"
		"  -b                batch mode: esxtop -b's CSV on stdout\n"
		"  -n ITERATIONS     stop after this many samples (default: until Ctrl-C)\n",
		VMK_CTL_DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "control", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *control = getenv("VMKCLI_CONTROL") ? getenv("VMKCLI_CONTROL") :
			      VMK_CTL_DEFAULT_SOCKET;
	static struct sample s[3];    /* first, previous, current */
	struct sample *first = &s[0], *prev = &s[1], *cur = &s[2], *t;
	double delay = 1.0;
	long iterations = -1;
	bool batch = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "d:bn:h", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			control = optarg;
			break;
		case 'd':
			delay = strtod(optarg, &end);
			if (*end != '\0' || !(delay >= 0.1) || delay > 86400) {
				fprintf(stderr, "vmktop: invalid delay \"%s\": use 0.1..86400 s\n", optarg);
				return 2;
			}
			break;
		case 'b':
			batch = true;
			break;
		case 'n':
			iterations = strtol(optarg, &end, 10);
			if (*end != '\0' || iterations < 1) {
				fprintf(stderr, "vmktop: invalid iterations \"%s\": use 1 or more\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (sample_take(control, prev) < 0)
		return 1;
	*first = *prev;
	if (batch)
		batch_header(first);
	for (long i = 0; !stop && (iterations < 0 || i < iterations); i++) {
		struct timespec ts = { (time_t)delay, (long)((delay - floor(delay)) * 1e9) };
		double dt;

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop)
			;
		if (stop)
			break;
		if (sample_take(control, cur) < 0)
			return 1;
		dt = (cur->time_ms - prev->time_ms) / 1e3;
		if (dt <= 0)
			dt = delay;
		if (batch)
			batch_row(first, prev, cur, dt);
		else
			print_screen(prev, cur, dt);
		t = prev;
		prev = cur;
		cur = t;
	}
	return 0;
}
