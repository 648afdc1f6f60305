/*
 * vmkrun: run an unmodified program with its AF_INET (and AF_INET6) sockets
 * on vmknet's TCP/IP stack inside a running vmknetd. It sets the
 * environment libvmkpreload.so reads (VMKRUN_*), puts the library first in
 * LD_PRELOAD and execs the program; the library attaches lazily, on the
 * program's first socket (sockets/shm.h). --check attaches here instead
 * and prints what vmknetd gave.
 *
 * Single-threaded; exit 2 on a usage error, 127 when the program is not
 * found, 126 when it cannot be run, 1 when --check cannot attach.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockets/shm.h"
#include "vmknet/ctl.h"

#ifndef VMK_LIBDIR
#define VMK_LIBDIR "/usr/local/lib"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmkrun [OPTIONS] -- PROGRAM [ARGS...]\n"
		"       vmkrun [OPTIONS] --check\n"
		"Run PROGRAM with its IPv4 sockets (and IPv6 ones, IPv4-mapped) on vmknetd's\n"
		"TCP/IP stack.\n"
		"  --control SOCK      vmknetd's control socket (default %s)\n"
		"  --netstack NAME     the netstack (default: the vmknic's, or defaultTcpipStack)\n"
		"  --vmknic vmkN       the adapter whose address the sockets use\n"
		"  --sockets N         sockets open at once, 1..%u (default %u)\n"
		"  --buffer-size BYTES each socket's ring per direction, a power of two in\n"
		"                      %u..%u (default %u)\n"
		"  --check             attach, print the session, exit\n"
		"  -h, --help          this text\n"
		"Environment: VMKRUN_PRELOAD (the library), VMKRUN_INET6=kernel (IPv6 sockets\n"
		"stay on the kernel).\n",
		VMK_CTL_DEFAULT_SOCKET, VMKS_MAX_SLOTS, VMKS_DEFAULT_SLOTS, VMKS_MIN_RING,
		VMKS_MAX_RING, VMKS_DEFAULT_RING);
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "vmkrun: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vmkrun --help'.\n");
	return 2;
}

static int parse_num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *out < lo || *out > hi)
		return -1;
	return 0;
}

/* The library: VMKRUN_PRELOAD, else next to vmkrun (../lib), else LIBDIR. */
static int find_library(char *out, size_t cap)
{
	const char *env = getenv("VMKRUN_PRELOAD");
	char self[PATH_MAX - 32];
	ssize_t n;

	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return access(out, R_OK) == 0 ? 0 : -1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');

		if (slash) {
			*slash = '\0';
			snprintf(out, cap, "%s/../lib/libvmkpreload.so", self);
			if (access(out, R_OK) == 0) {
				if (realpath(out, self))
					snprintf(out, cap, "%s", self);
				return 0;
			}
		}
	}
	snprintf(out, cap, "%s/libvmkpreload.so", VMK_LIBDIR);
	return access(out, R_OK) == 0 ? 0 : -1;
}

static int set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *v = malloc(n);
	int r;

	if (!v)
		return -1;
	snprintf(v, n, "%s%s%s", lib, old && *old ? " " : "", old ? old : "");
	r = setenv("LD_PRELOAD", v, 1);
	free(v);
	return r;
}

/* --check: load the library here (it interposes nothing when dlopen'd)
 * and let it attach. */
static int check(const char *lib)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	int (*fn)(void);

	if (!h) {
		fprintf(stderr, "vmkrun: cannot load %s: %s\n", lib, dlerror());
		return 1;
	}
	*(void **)&fn = dlsym(h, "vmkp_check");
	if (!fn) {
		fprintf(stderr, "vmkrun: %s has no vmkp_check\n", lib);
		return 1;
	}
	return fn();
}

enum { OPT_CONTROL = 1, OPT_NETSTACK, OPT_VMKNIC, OPT_SOCKETS, OPT_BUFSIZE, OPT_CHECK };

static int set_options(int argc, char **argv, int *do_check)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "netstack", required_argument, NULL, OPT_NETSTACK },
		{ "vmknic", required_argument, NULL, OPT_VMKNIC },
		{ "sockets", required_argument, NULL, OPT_SOCKETS },
		{ "buffer-size", required_argument, NULL, OPT_BUFSIZE },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	setenv("VMKRUN_CONTROL", VMK_CTL_DEFAULT_SOCKET, 0);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CONTROL:
			if (!*optarg)
				return bad("--control needs a path%s", "");
			setenv("VMKRUN_CONTROL", optarg, 1);
			break;
		case OPT_NETSTACK:
			if (!*optarg || strlen(optarg) > 63)
				return bad("--netstack '%s': a name of 1 to 63 characters", optarg);
			setenv("VMKRUN_NETSTACK", optarg, 1);
			break;
		case OPT_VMKNIC:
			if (strncmp(optarg, "vmk", 3) || parse_num(optarg + 3, 0, 99999, &v))
				return bad("--vmknic '%s': an adapter name like vmk1", optarg);
			setenv("VMKRUN_VMKNIC", optarg, 1);
			break;
		case OPT_SOCKETS:
			if (parse_num(optarg, 1, VMKS_MAX_SLOTS, &v))
				return bad("--sockets '%s': a number of sockets, 1 to 1024", optarg);
			setenv("VMKRUN_SLOTS", optarg, 1);
			break;
		case OPT_BUFSIZE:
			if (parse_num(optarg, 0, ULONG_MAX, &v) || !vmks_ring_size_ok(v))
				return bad("--buffer-size '%s': a power of two, 4096 to 16777216",
					   optarg);
			setenv("VMKRUN_RING_SIZE", optarg, 1);
			break;
		case OPT_CHECK:
			*do_check = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	char lib[PATH_MAX];
	int do_check = 0, r;

	r = set_options(argc, argv, &do_check);
	if (r)
		return r;
	if (!do_check && optind >= argc)
		return bad("no program to run (vmkrun [OPTIONS] -- PROGRAM [ARGS...])%s", "");
	if (do_check && optind < argc)
		return bad("--check runs no program%s", "");
	if (find_library(lib, sizeof(lib))) {
		fprintf(stderr, "vmkrun: cannot find libvmkpreload.so (tried %s; set "
			"VMKRUN_PRELOAD)\n", lib);
		return 1;
	}
	if (do_check)
		return check(lib);
	if (set_preload(lib)) {
		perror("vmkrun: LD_PRELOAD");
		return 1;
	}
	execvp(argv[optind], argv + optind);
	r = errno;
	fprintf(stderr, "vmkrun: cannot run %s: %s\n", argv[optind], strerror(r));
	return r == ENOENT || r == ENOTDIR ? 127 : 126;
}
