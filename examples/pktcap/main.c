/*
 * pktcap (also installed as pktcap-uw): capture frames at a switch port of
 * a running vmknetd into a pcap or pcapng file, with ESXi pktcap-uw's
 * options.
 *
 *   pktcap-uw [--control SOCK] (--uplink vmnicN | --switchport PORTID | --vmk vmkN)
 *             [--capture UplinkRcv|UplinkSnd|PortInput|PortOutput|VnicTx|VnicRx]
 *             [--dir 0|1|2|in|out|both] [--srcmac M] [--dstmac M] [--mac M]
 *             [--srcip A] [--dstip A] [--ip A] [--srcport N] [--dstport N]
 *             [--tcpport N] [--port N] [--proto 0xNN] [--vlan N] [--ethtype 0xNNNN]
 *             [-c|--count N] [-t seconds] -o|--outfile FILE [--ng]
 *
 * vmknetd captures and writes the file itself (a relative name is made
 * absolute here first), on a thread of its own ("capture.start"), so it
 * serves vmkcli meanwhile. Without -c or -t the capture runs until SIGINT
 * or SIGTERM (Ctrl-C), as pktcap-uw's does; this program asks for the
 * capture's state every 200 ms (which keeps vmknetd's lease on it: a
 * pktcap killed with SIGKILL loses its capture after 10 s) and stops it.
 *
 * Exit status: 0 done, 1 vmknetd unreachable or refused (the reason on
 * stderr), 2 bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <vmknet/ctl.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

static const char *prog = "pktcap";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [--control SOCK] (--uplink vmnicN | --switchport PORTID | --vmk vmkN)\n"
		"          [--capture POINT] [--dir 0|1|2] [filters] [-c N] [-t SECONDS]\n"
		"          -o|--outfile FILE [--ng]\n"
		"\n"
		"  --control SOCK       vmknetd's control socket (default %s)\n"
		"  --uplink vmnicN      capture at an uplink's switch port\n"
		"  --switchport PORTID  capture at the port vmktop shows as PORT-ID\n"
		"  --vmk vmkN           capture at a VMkernel interface's switch port\n"
		"  --dir 0|1|2          0 (in, default): frames into the switch from the port;\n"
		"                       1 (out): out of the switch onto it; 2 (both)\n"
		"  --capture POINT      UplinkRcv or UplinkSnd (with --uplink), PortInput or\n"
		"                       PortOutput, VnicTx or VnicRx (a guest's port: what the\n"
		"                       VM sent, what it is sent): the point sets the direction\n"
		"  --srcmac M --dstmac M --mac M    a MAC address (--mac: either side)\n"
		"  --srcip A --dstip A --ip A       an IPv4 address (--ip: either side)\n"
		"  --srcport N --dstport N --port N TCP/UDP port (--port: either side)\n"
		"  --tcpport N          TCP with this source or destination port\n"
		"  --proto 0xNN         IPv4 protocol        --vlan N   802.1Q VID (0: untagged)\n"
		"  --ethtype 0xNNNN     EtherType (after any tag)\n"
		"  -c|--count N         stop after N frames (1-100000000)\n"
		"  -t SECONDS           stop after this long (1-86400)\n"
		"                       without -c or -t: until Ctrl-C (SIGINT) or SIGTERM\n"
		"  -o|--outfile FILE    write frames here (pcap; pcapng with --ng)\n",
		prog, VMK_CTL_DEFAULT_SOCKET);
}

/* A number (decimal or 0x hex) in lo..hi, or -1. */
static long number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

static int bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "%s: %s %s is not valid: %s\n", prog, opt, val, want);
	return EXIT_USAGE;
}

static const char *sfield(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

enum { O_CONTROL = 256, O_UPLINK, O_SWITCHPORT, O_VMK, O_DIR, O_MAC, O_IP, O_PROTO, O_PORT,
       O_VLAN, O_ETHTYPE, O_NG, O_CAPTURE, O_SRCMAC, O_DSTMAC, O_SRCIP, O_DSTIP, O_SRCPORT,
       O_DSTPORT, O_TCPPORT };

/* A filter MAC option into filters[key]; 0 or EXIT_USAGE. */
static int opt_mac(cJSON *filters, const char *opt, const char *key, const char *val)
{
	unsigned int m[6];
	char extra;

	if (sscanf(val, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
		   &extra) != 6)
		return bad(opt, val, "use xx:xx:xx:xx:xx:xx");
	cJSON_AddStringToObject(filters, key, val);
	return 0;
}

static int opt_ip(cJSON *filters, const char *opt, const char *key, const char *val)
{
	struct in_addr a;

	if (inet_pton(AF_INET, val, &a) != 1)
		return bad(opt, val, "use a dotted-quad IPv4 address");
	cJSON_AddStringToObject(filters, key, val);
	return 0;
}

static int opt_port(cJSON *filters, const char *opt, const char *key, const char *val)
{
	long v = number(val, 0, 65535);

	if (v < 0)
		return bad(opt, val, "use 0..65535");
	cJSON_AddNumberToObject(filters, key, (double)v);
	return 0;
}

/* The address and port filters: option, request key, kind (MAC, IPv4,
 * port). --tcpport is --port with protocol TCP. */
static const struct { int code; const char *name, *key; char kind; } filter_opts[] = {
	{ O_MAC, "mac", "mac", 'm' },           { O_SRCMAC, "srcmac", "srcmac", 'm' },
	{ O_DSTMAC, "dstmac", "dstmac", 'm' },  { O_IP, "ip", "ip", 'i' },
	{ O_SRCIP, "srcip", "srcip", 'i' },     { O_DSTIP, "dstip", "dstip", 'i' },
	{ O_PORT, "port", "port", 'p' },        { O_SRCPORT, "srcport", "srcport", 'p' },
	{ O_DSTPORT, "dstport", "dstport", 'p' }, { O_TCPPORT, "tcpport", "port", 'p' },
};

/* Option c when it is one of filter_opts: 0 or EXIT_USAGE; else -1. */
static int filter_opt(int c, const char *val, cJSON *filters)
{
	char opt[16];
	int r;

	for (size_t i = 0; i < sizeof(filter_opts) / sizeof(filter_opts[0]); i++) {
		if (filter_opts[i].code != c)
			continue;
		snprintf(opt, sizeof(opt), "--%s", filter_opts[i].name);
		r = filter_opts[i].kind == 'm' ? opt_mac(filters, opt, filter_opts[i].key, val) :
		    filter_opts[i].kind == 'i' ? opt_ip(filters, opt, filter_opts[i].key, val) :
						  opt_port(filters, opt, filter_opts[i].key, val);
		if (r == 0 && c == O_TCPPORT && !cJSON_HasObjectItem(filters, "proto"))
			cJSON_AddNumberToObject(filters, "proto", 6);
		return r;
	}
	return -1;
}

/* pktcap-uw's capture points: the direction each means, and the target
 * it needs ('u' uplink, 's' switch port, 0 any). */
static const struct { const char *name; const char *dir; char target; } points[] = {
	{ "UplinkRcv", "in", 'u' },  { "UplinkSnd", "out", 'u' },
	{ "PortInput", "in", 0 },    { "PortOutput", "out", 0 },
	{ "VnicTx", "in", 's' },     { "VnicRx", "out", 's' },
};

static int build_request(int argc, char **argv, const char **control, char **file_out,
			 cJSON *args)
{
	static const struct option longopts[] = {
		{ "control", required_argument, NULL, O_CONTROL },
		{ "uplink", required_argument, NULL, O_UPLINK },
		{ "switchport", required_argument, NULL, O_SWITCHPORT },
		{ "vmk", required_argument, NULL, O_VMK },
		{ "dir", required_argument, NULL, O_DIR },
		{ "mac", required_argument, NULL, O_MAC },
		{ "ip", required_argument, NULL, O_IP },
		{ "proto", required_argument, NULL, O_PROTO },
		{ "port", required_argument, NULL, O_PORT },
		{ "vlan", required_argument, NULL, O_VLAN },
		{ "ethtype", required_argument, NULL, O_ETHTYPE },
		{ "ng", no_argument, NULL, O_NG },
		{ "capture", required_argument, NULL, O_CAPTURE },
		{ "srcmac", required_argument, NULL, O_SRCMAC },
		{ "dstmac", required_argument, NULL, O_DSTMAC },
		{ "srcip", required_argument, NULL, O_SRCIP },
		{ "dstip", required_argument, NULL, O_DSTIP },
		{ "srcport", required_argument, NULL, O_SRCPORT },
		{ "dstport", required_argument, NULL, O_DSTPORT },
		{ "tcpport", required_argument, NULL, O_TCPPORT },
		{ "count", required_argument, NULL, 'c' },
		{ "outfile", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cJSON *target = cJSON_AddObjectToObject(args, "target");
	cJSON *filters = cJSON_AddObjectToObject(args, "filters");
	const char *file = NULL, *point_dir = NULL, *dir = NULL;
	char point_target = 0, target_kind = 0;
	int n_targets = 0, c, r;
	long v;

	if (target == NULL || filters == NULL)
		return EXIT_REFUSED;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:t:o:h", longopts, NULL)) != -1) {
		if ((r = filter_opt(c, optarg, filters)) >= 0) {
			if (r != 0)
				return r;
			continue;
		}
		switch (c) {
		case O_CONTROL:
			*control = optarg;
			break;
		case O_UPLINK:
		case O_VMK:
			n_targets++;
			target_kind = c == O_UPLINK ? 'u' : 'v';
			cJSON_AddStringToObject(target, c == O_UPLINK ? "uplink" : "vmk", optarg);
			break;
		case O_SWITCHPORT:
			n_targets++;
			target_kind = 's';
			if ((v = number(optarg, 1, UINT32_MAX)) < 0)
				return bad("--switchport", optarg, "use a PORT-ID that vmktop shows");
			cJSON_AddNumberToObject(target, "switchport", (double)v);
			break;
		case O_DIR:
			if (strcmp(optarg, "0") == 0 || strcmp(optarg, "in") == 0 ||
			    strcmp(optarg, "input") == 0)
				dir = "in";
			else if (strcmp(optarg, "1") == 0 || strcmp(optarg, "out") == 0 ||
				 strcmp(optarg, "output") == 0)
				dir = "out";
			else if (strcmp(optarg, "2") == 0 || strcmp(optarg, "both") == 0)
				dir = "both";
			else
				return bad("--dir", optarg, "use 0 (in), 1 (out) or 2 (both)");
			break;
		case O_CAPTURE: {
			size_t k;

			for (k = 0; k < sizeof(points) / sizeof(points[0]); k++)
				if (strcasecmp(optarg, points[k].name) == 0)
					break;
			if (strcasecmp(optarg, "Drop") == 0) {
				fprintf(stderr, "%s: --capture Drop is not supported: the switch counts "
					"its drops by reason (vmkcli network vswitch standard port "
					"stats) but does not capture them\n", prog);
				return EXIT_USAGE;
			}
			if (k == sizeof(points) / sizeof(points[0]))
				return bad("--capture", optarg, "use UplinkRcv, UplinkSnd, PortInput, "
					   "PortOutput, VnicTx or VnicRx");
			point_dir = points[k].dir;
			point_target = points[k].target;
			break;
		}
		case O_PROTO:
			if ((v = number(optarg, 0, 255)) < 0)
				return bad("--proto", optarg, "use 0..255 (0x06 is TCP)");
			cJSON_AddNumberToObject(filters, "proto", (double)v);
			break;
		case O_VLAN:
			if ((v = number(optarg, 0, 4094)) < 0)
				return bad("--vlan", optarg, "use 0..4094 (0: untagged only)");
			cJSON_AddNumberToObject(filters, "vlan", (double)v);
			break;
		case O_ETHTYPE:
			if ((v = number(optarg, 0, 0xffff)) < 0)
				return bad("--ethtype", optarg, "use 0x0000..0xffff (0x0800 is IPv4)");
			cJSON_AddNumberToObject(filters, "ethtype", (double)v);
			break;
		case O_NG:
			cJSON_AddTrueToObject(args, "pcapng");
			break;
		case 'c':
			if ((v = number(optarg, 1, 100000000)) < 0)
				return bad("-c", optarg, "use 1..100000000 frames");
			cJSON_AddNumberToObject(args, "count", (double)v);
			break;
		case 't':
			if ((v = number(optarg, 1, 86400)) < 0)
				return bad("-t", optarg, "use 1..86400 seconds");
			cJSON_AddNumberToObject(args, "timeout_ms", (double)v * 1000);
			break;
		case 'o':
			file = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "%s: unknown option or missing value: %s\n", prog,
				argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", prog, argv[optind]);
		return EXIT_USAGE;
	}
	if (n_targets != 1) {
		fprintf(stderr, "%s: give exactly one of --uplink, --switchport or --vmk\n", prog);
		return EXIT_USAGE;
	}
	if (point_dir != NULL) {
		if (point_target != 0 && point_target != target_kind) {
			fprintf(stderr, "%s: that capture point needs %s\n", prog,
				point_target == 'u' ? "--uplink" : "--switchport (a guest's port)");
			return EXIT_USAGE;
		}
		if (dir != NULL && strcmp(dir, point_dir) != 0) {
			fprintf(stderr, "%s: --dir contradicts the capture point\n", prog);
			return EXIT_USAGE;
		}
		dir = point_dir;
	}
	if (dir != NULL)
		cJSON_AddStringToObject(args, "dir", dir);
	if (file == NULL || file[0] == '\0') {
		fprintf(stderr, "%s: give the output file with -o FILE\n", prog);
		return EXIT_USAGE;
	}
	if (file[0] == '/') {
		*file_out = strdup(file);
	} else {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			fprintf(stderr, "%s: cannot tell the current directory: %s\n", prog,
				strerror(errno));
			return EXIT_REFUSED;
		}
		*file_out = malloc(strlen(cwd) + strlen(file) + 2);
		if (*file_out != NULL)
			sprintf(*file_out, "%s/%s", cwd, file);
	}
	if (*file_out == NULL)
		return EXIT_REFUSED;
	cJSON_AddStringToObject(args, "file", *file_out);
	return 0;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* One request: op with args (taken); the reply's result, or NULL with the
 * reason printed. */
static cJSON *call(const char *control, const char *op, cJSON *args, cJSON **reply)
{
	cJSON *req = cJSON_CreateObject();
	char *text = NULL, *answer = NULL;
	cJSON *res;
	int ret;

	*reply = NULL;
	if (req == NULL || cJSON_AddStringToObject(req, "op", op) == NULL ||
	    !cJSON_AddItemToObject(req, "args", args) || (text = cJSON_PrintUnformatted(req)) == NULL) {
		cJSON_Delete(req);
		fprintf(stderr, "%s: out of memory\n", prog);
		return NULL;
	}
	cJSON_Delete(req);
	ret = vmk_ctl_call(control, text, strlen(text), 10000, &answer);
	free(text);
	if (ret < 0) {
		fprintf(stderr, "%s: cannot reach vmknetd at %s: %s\n", prog, control,
			strerror(-ret));
		return NULL;
	}
	*reply = cJSON_Parse(answer);
	free(answer);
	res = cJSON_GetObjectItemCaseSensitive(*reply, "result");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*reply, "ok")) || !cJSON_IsObject(res)) {
		fprintf(stderr, "%s: %s\n", prog, sfield(*reply, "error")[0] ?
			sfield(*reply, "error") : "vmknetd sent a reply that is not understood");
		return NULL;
	}
	return res;
}

static cJSON *id_args(double id)
{
	cJSON *a = cJSON_CreateObject();

	if (a != NULL)
		cJSON_AddNumberToObject(a, "id", id);
	return a;
}

int main(int argc, char **argv)
{
	const char *control = VMK_CTL_DEFAULT_SOCKET;
	cJSON *args = cJSON_CreateObject(), *reply, *r2;
	const cJSON *res;
	struct sigaction sa;
	char *file = NULL;
	bool until_stopped;
	double id;
	int ret;

	prog = strcmp(basename(argv[0]), "pktcap-uw") == 0 ? "pktcap-uw" : "pktcap";
	if (args == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_REFUSED;
	}
	ret = build_request(argc, argv, &control, &file, args);
	if (ret != 0) {
		cJSON_Delete(args);
		free(file);
		return ret;
	}
	until_stopped = !cJSON_HasObjectItem(args, "count") &&
			!cJSON_HasObjectItem(args, "timeout_ms");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	res = call(control, "capture.start", args, &reply);
	if (res == NULL) {
		cJSON_Delete(reply);
		free(file);
		return EXIT_REFUSED;
	}
	id = field(res, "id");
	cJSON_Delete(reply);
	fprintf(stderr, "%s: capturing to %s (capture %.0f)%s\n", prog, file, id,
		until_stopped ? "; Ctrl-C stops it" : "");
	while (!interrupted) {
		struct timespec ts = { 0, 200 * 1000000L };

		nanosleep(&ts, NULL);
		res = call(control, "capture.get", id_args(id), &reply);
		if (res == NULL) {
			cJSON_Delete(reply);
			free(file);
			return EXIT_REFUSED;
		}
		ret = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "running"));
		cJSON_Delete(reply);
		if (!ret)
			break;
	}
	res = call(control, "capture.stop", id_args(id), &r2);
	if (res == NULL) {
		cJSON_Delete(r2);
		free(file);
		return EXIT_REFUSED;
	}
	printf("%s: %.0f frames written to %s (%.0f dropped)\n", prog, field(res, "written"),
	       file, field(res, "dropped"));
	cJSON_Delete(r2);
	free(file);
	return 0;
}
