/*
 * The embedded host of the measuring tools (see embed.h): option parsing
 * for the host's settings and the bring-up and tear-down in the order a
 * hypervisor service would use: EAL, host, vSwitch, port group, uplink,
 * vmknic, route, worker. Main thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_lcore.h>

#include "embed.h"

static int parse_prefix(const char *s, uint32_t *addr, uint32_t *mask)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	unsigned long n;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	n = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || end == slash + 1 || n < 1 || n > 32 || inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr = a.s_addr;
	*mask = htonl((uint32_t)(0xffffffffull << (32 - n)));
	return 0;
}

/* One of the host's options: 1 taken, 0 not ours, -1 bad (message printed). */
static int host_option(struct embed_opts *o, int c, const char *arg, const char *prog)
{
	struct in_addr a;
	char *end;
	unsigned long v;

	switch (c) {
	case 0x100:
		o->uplink = arg;
		return 1;
	case 0x101:
		if (parse_prefix(arg, &o->addr, &o->mask) == 0)
			return 1;
		fprintf(stderr, "%s: bad --ip \"%s\" (A.B.C.D/N)\n", prog, arg);
		return -1;
	case 0x102:
		v = strtoul(arg, &end, 10);
		if (*end == '\0' && v >= 1280 && v <= 9000) {
			o->mtu = (uint32_t)v;
			return 1;
		}
		fprintf(stderr, "%s: bad --mtu \"%s\" (1280..9000)\n", prog, arg);
		return -1;
	case 0x103:
		if (inet_pton(AF_INET, arg, &a) == 1) {
			o->gw = a.s_addr;
			return 1;
		}
		fprintf(stderr, "%s: bad --gw \"%s\"\n", prog, arg);
		return -1;
	default:
		return 0;
	}
}

int embed_getopt(int argc, char **argv, const char *shorts, const struct option *longs,
		 struct embed_opts *host, const char *prog,
		 int (*tool_option)(void *tool, int c, const char *arg), void *tool,
		 void (*usage)(FILE *f))
{
	int c, k;

	memset(host, 0, sizeof(*host));
	host->mtu = 1500;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?') {
			usage(stderr);
			return -1;
		}
		k = host_option(host, c, optarg, prog);
		if (k < 0 || (k == 0 && tool_option(tool, c, optarg) < 0))
			return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", prog, argv[optind]);
		return -1;
	}
	if (host->uplink == NULL || host->addr == 0) {
		fprintf(stderr, "%s: --uplink and --ip are required\n", prog);
		return -1;
	}
	return 0;
}

int embed_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port)
{
	char buf[32], *colon, *end;
	struct in_addr a;
	unsigned long p;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || p < 1 || p > 65535 ||
	    inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr = a.s_addr;
	*port = (uint16_t)p;
	return 0;
}

int embed_split_args(int argc, char **argv, int *eal_argc)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			*eal_argc = i;
			argv[i] = argv[0];
			return i;
		}
	}
	*eal_argc = 1;            /* no "--": EAL's defaults, every argument is ours */
	return 0;
}

static int add_uplink(struct embed *e, const struct embed_opts *o, const char *prog)
{
	struct vmk_port_params pp;
	int ret;

	vmk_port_params_init(&pp);
	pp.name = "vmnic0";
	pp.uplink = true;
	pp.devargs = o->uplink;
	ret = vmk_port_add(e->vs, &pp, NULL);
	if (ret < 0)
		fprintf(stderr, "%s: uplink \"%s\": %s: %s\n", prog, o->uplink, strerror(-ret),
			vmk_last_error());
	return ret;
}

static int add_vmknic(struct embed *e, const struct embed_opts *o, const char *prog)
{
	struct vmk_vmknic_params p;
	int ret;

	vmk_vmknic_params_init(&p);
	p.name = "vmk0";
	p.vswitch = e->vs;
	p.portgroup = "Management Network";
	p.ipv4 = o->addr;
	p.netmask = o->mask;
	p.mtu = o->mtu;
	ret = vmk_vmknic_add(e->host, &p, NULL);
	if (ret == 0 && o->gw != 0)
		ret = vmk_route_set_default(e->host, NULL, o->gw);
	if (ret < 0)
		fprintf(stderr, "%s: vmk0: %s (%s)\n", prog, strerror(-ret), vmk_last_error());
	return ret;
}

int embed_up(struct embed *e, int eal_argc, char **argv, const struct embed_opts *o,
	     const char *prog)
{
	struct vmk_host_params hp;
	struct vmk_vswitch_params vp;
	unsigned int worker;
	int ret;

	memset(e, 0, sizeof(*e));
	ret = vmk_eal_init(eal_argc, argv);
	if (ret < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s\n", prog, strerror(-ret));
		return ret;
	}
	e->eal_up = true;
	worker = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	if (worker >= RTE_MAX_LCORE) {
		fprintf(stderr, "%s: needs two lcores (e.g. -l 0-1): the tool and one worker\n",
			prog);
		return -EINVAL;
	}
	vmk_host_params_init(&hp);
	hp.name = prog;
	hp.n_mbufs = 16383;
	hp.mbuf_data_size = o->mtu > 1500 ? 10240 : 0;
	hp.max_workers = 1;
	ret = vmk_host_create(&hp, &e->host);
	if (ret < 0) {
		fprintf(stderr, "%s: host: %s: %s\n", prog, strerror(-ret), vmk_last_error());
		return ret;
	}
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = o->mtu;
	ret = vmk_vswitch_add(e->host, &vp, &e->vs);
	if (ret == 0)
		ret = vmk_portgroup_add(e->vs, "Management Network", 0);
	if (ret < 0) {
		fprintf(stderr, "%s: vSwitch0: %s: %s\n", prog, strerror(-ret), vmk_last_error());
		return ret;
	}
	if ((ret = add_uplink(e, o, prog)) < 0 || (ret = add_vmknic(e, o, prog)) < 0)
		return ret;
	ret = vmk_host_start(e->host, &worker, 1);
	if (ret < 0)
		fprintf(stderr, "%s: worker on lcore %u: %s: %s\n", prog, worker, strerror(-ret),
			vmk_last_error());
	return ret;
}

void embed_down(struct embed *e)
{
	if (e->host != NULL) {
		if (vmk_host_running(e->host))
			vmk_host_stop(e->host);
		vmk_host_destroy(e->host);
		e->host = NULL;
	}
	if (e->eal_up)
		vmk_eal_cleanup();
	e->eal_up = false;
}

uint64_t embed_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
