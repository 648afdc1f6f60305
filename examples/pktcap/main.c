/*
 * pktcap: capture frames at a switch port into a pcap file, pktcap-uw's way.
 *
 *   pktcap [--control SOCK] (--uplink vmnicN | --switchport PORTID | --vmk vmkN)
 *          [--dir in|out|both] [--mac M] [--ip A] [--proto 0xNN] [--port N]
 *          [--vlan N] [--ethtype 0xNNNN] [-c count] [-t seconds] -o file.pcap [--ng]
 *
 * vmknetd captures (its "capture.run" operation) and writes the file
 * itself, so a relative file name is made absolute here first. It serves
 * one request at a time, so a capture is bounded: up to 100000 frames and
 * 60 s; with -c alone it ends after 60 s even when fewer frames came.
 *
 * Exit status: 0 done, 1 vmknetd unreachable or refused (the reason on
 * stderr), 2 bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <vmknet/ctl.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pktcap [--control SOCK] (--uplink vmnicN | --switchport PORTID | --vmk vmkN)\n"
		"              [--dir in|out|both] [--mac M] [--ip A] [--proto 0xNN] [--port N]\n"
		"              [--vlan N] [--ethtype 0xNNNN] [-c count] [-t seconds] -o FILE [--ng]\n"
		"\n"
		"  --control SOCK       vmknetd's control socket (default %s)\n"
		"  --uplink vmnicN      capture at an uplink's switch port\n"
		"  --switchport PORTID  capture at the port vmktop shows as PORT-ID\n"
		"  --vmk vmkN           capture at a VMkernel interface's switch port\n"
		"  --dir in|out|both    frames into the switch from the port (in, default),\n"
		"                       out of the switch onto it (out), or both\n"
		"  --mac M --ip A       source or destination MAC / IPv4 address\n"
		"  --proto 0xNN         IPv4 protocol        --port N   TCP/UDP port\n"
		"  --vlan N             802.1Q VID (0: untagged only)\n"
		"  --ethtype 0xNNNN     EtherType (after any tag)\n"
		"  -c count             stop after this many frames, 1-100000\n"
		"  -t seconds           stop after this long, 1-60 (default with -c: 60)\n"
		"  -o FILE              write frames here (pcap; pcapng with --ng)\n",
		VMK_CTL_DEFAULT_SOCKET);
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
	fprintf(stderr, "pktcap: %s %s is not valid: %s\n", opt, val, want);
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
       O_VLAN, O_ETHTYPE, O_NG };

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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cJSON *target = cJSON_AddObjectToObject(args, "target");
	cJSON *filters = cJSON_AddObjectToObject(args, "filters");
	const char *file = NULL;
	int n_targets = 0, c;
	long v;

	if (target == NULL || filters == NULL)
		return EXIT_REFUSED;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:t:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_CONTROL:
			*control = optarg;
			break;
		case O_UPLINK:
		case O_VMK:
			n_targets++;
			cJSON_AddStringToObject(target, c == O_UPLINK ? "uplink" : "vmk", optarg);
			break;
		case O_SWITCHPORT:
			n_targets++;
			if ((v = number(optarg, 1, UINT32_MAX)) < 0)
				return bad("--switchport", optarg, "use a PORT-ID that vmktop shows");
			cJSON_AddNumberToObject(target, "switchport", (double)v);
			break;
		case O_DIR:
			if (strcmp(optarg, "in") != 0 && strcmp(optarg, "out") != 0 &&
			    strcmp(optarg, "both") != 0)
				return bad("--dir", optarg, "use in, out or both");
			cJSON_AddStringToObject(args, "dir", optarg);
			break;
		case O_MAC: {
			unsigned int m[6];
			char extra;

			if (sscanf(optarg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2],
				   &m[3], &m[4], &m[5], &extra) != 6)
				return bad("--mac", optarg, "use xx:xx:xx:xx:xx:xx");
			cJSON_AddStringToObject(filters, "mac", optarg);
			break;
		}
		case O_IP: {
			struct in_addr a;

			if (inet_pton(AF_INET, optarg, &a) != 1)
				return bad("--ip", optarg, "use a dotted-quad IPv4 address");
			cJSON_AddStringToObject(filters, "ip", optarg);
			break;
		}
		case O_PROTO:
			if ((v = number(optarg, 0, 255)) < 0)
				return bad("--proto", optarg, "use 0..255 (0x06 is TCP)");
			cJSON_AddNumberToObject(filters, "proto", (double)v);
			break;
		case O_PORT:
			if ((v = number(optarg, 0, 65535)) < 0)
				return bad("--port", optarg, "use 0..65535");
			cJSON_AddNumberToObject(filters, "port", (double)v);
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
			if ((v = number(optarg, 1, 100000)) < 0)
				return bad("-c", optarg, "use 1..100000 frames");
			cJSON_AddNumberToObject(args, "count", (double)v);
			break;
		case 't':
			if ((v = number(optarg, 1, 60)) < 0)
				return bad("-t", optarg, "use 1..60 seconds");
			cJSON_AddNumberToObject(args, "timeout_ms", (double)v * 1000);
			break;
		case 'o':
			file = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "pktcap: unknown option or missing value: %s\n",
				argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pktcap: unexpected argument \"%s\"\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (n_targets != 1) {
		fprintf(stderr, "pktcap: give exactly one of --uplink, --switchport or --vmk\n");
		return EXIT_USAGE;
	}
	if (file == NULL || file[0] == '\0') {
		fprintf(stderr, "pktcap: give the output file with -o FILE\n");
		return EXIT_USAGE;
	}
	if (cJSON_GetObjectItemCaseSensitive(args, "count") == NULL &&
	    cJSON_GetObjectItemCaseSensitive(args, "timeout_ms") == NULL) {
		fprintf(stderr, "pktcap: give -c count, -t seconds or both: the capture must end\n");
		return EXIT_USAGE;
	}
	if (file[0] == '/') {
		*file_out = strdup(file);
	} else {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			fprintf(stderr, "pktcap: cannot tell the current directory: %s\n",
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

int main(int argc, char **argv)
{
	const char *control = VMK_CTL_DEFAULT_SOCKET;
	cJSON *req = cJSON_CreateObject(), *args, *reply;
	const cJSON *res;
	char *file = NULL, *text, *answer = NULL;
	int ret;

	args = req != NULL ? cJSON_AddObjectToObject(req, "args") : NULL;
	if (args == NULL || cJSON_AddStringToObject(req, "op", "capture.run") == NULL) {
		fprintf(stderr, "pktcap: out of memory\n");
		return EXIT_REFUSED;
	}
	ret = build_request(argc, argv, &control, &file, args);
	if (ret != 0) {
		cJSON_Delete(req);
		free(file);
		return ret;
	}
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (text == NULL) {
		free(file);
		return EXIT_REFUSED;
	}
	/* The capture runs up to 60 s inside the request. */
	ret = vmk_ctl_call(control, text, strlen(text), 70000, &answer);
	free(text);
	if (ret < 0) {
		fprintf(stderr, "pktcap: cannot reach vmknetd at %s: %s\n", control, strerror(-ret));
		free(file);
		return EXIT_REFUSED;
	}
	reply = cJSON_Parse(answer);
	free(answer);
	res = cJSON_GetObjectItemCaseSensitive(reply, "result");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")) || !cJSON_IsObject(res)) {
		fprintf(stderr, "pktcap: %s\n", sfield(reply, "error")[0] ? sfield(reply, "error") :
			"vmknetd sent a reply that is not understood");
		cJSON_Delete(reply);
		free(file);
		return EXIT_REFUSED;
	}
	printf("pktcap: %.0f frames written to %s (%.0f dropped)\n", field(res, "written"), file,
	       field(res, "dropped"));
	cJSON_Delete(reply);
	free(file);
	return 0;
}
