/*
 * vmk-l2fwd-bench: L2 forwarding throughput of one vmknet worker.
 *
 *   vmk-l2fwd-bench [EAL args] -- --port DEVARGS --port DEVARGS
 *       [--seconds N] [--warmup N] [--expect-macs N] [--fdb-capacity N]
 *       [--fdb-aging N] [--mbufs N] [--mbuf-size N] [--lcore N]
 *       [--tx-tolerance FRACTION] [--uplink] [--nioc MBPS]
 *
 * Builds one host with one vSwitch whose ports are access ports of one port
 * group ("bench", VLAN 0): uplinks never forward to each other, so a bridge
 * between two devices must use non-uplink ports. Starts one worker, warms up
 * until the FDB holds --expect-macs entries (or --warmup seconds pass), then
 * counts what the ports transmitted over --seconds and prints one line of
 * JSON on stdout. Mpps = frames transmitted on all ports / seconds / 1e6.
 * The switch's tx count must agree with the devices' own (DPDK's opackets,
 * what the PMD took) within --tx-tolerance (a fraction of the larger,
 * default 0.001: the two are read one after the other while the worker
 * runs); otherwise, or when a port has no ethdev counter to compare, the
 * JSON says "tx_check":"failed" and the exit status is 1.
 * Errors go to stderr with a non-zero exit (2: usage, 1: run-time).
 *
 * --uplink makes the second port an uplink (the first stays an access
 * port): what the first receives leaves through the uplink, as a guest's
 * frames do. --nioc MBPS (implies --uplink) turns Network I/O Control on
 * with the uplink's capacity set to MBPS, so every frame the uplink sends
 * goes through its scheduler: with MBPS above the offered rate nothing
 * contends, and the rate against a run without --nioc is NIOC's cost.
 *
 * Built on the public API (vmknet/vmknet.h) plus DPDK's ethdev counters, read
 * only to cross-check the switch's own tx counters.
 * Threads: the main thread does everything here; the worker lcore belongs to
 * the library.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <vmknet/vmknet.h>

#define BENCH_MAX_PORTS   2
#define BENCH_POLL_NS     100000000L /* warm-up FDB poll period: 100 ms */
#define BENCH_SWITCH_NAME "vSwitchBench"
#define BENCH_PG_NAME     "bench"

struct bench_opts {
	const char *devargs[BENCH_MAX_PORTS];
	unsigned int n_ports;
	double seconds;
	double warmup;
	uint32_t expect_macs;
	uint32_t fdb_capacity;
	uint32_t fdb_aging;
	uint32_t n_mbufs;
	uint32_t mbuf_size;
	int lcore;                /* -1: the first worker lcore */
	double tx_tolerance;      /* allowed |switch tx - ethdev tx| / larger */
	bool uplink;              /* the second port is an uplink */
	uint32_t nioc_mbps;       /* 0: NIOC off */
};

struct bench_sample {
	struct vmk_port_stats port[BENCH_MAX_PORTS];
	struct vmk_worker_stats worker;
	uint64_t ethdev_tx[BENCH_MAX_PORTS];
	double t;                 /* CLOCK_MONOTONIC seconds */
};

struct bench_ctx {
	struct vmk_host *host;
	struct vmk_vswitch *vs;
	uint32_t port_id[BENCH_MAX_PORTS];
	uint16_t ethdev[BENCH_MAX_PORTS];
	unsigned int n_ports;
};

static volatile sig_atomic_t bench_quit;

static void bench_on_signal(int sig)
{
	(void)sig;
	bench_quit = 1;
}

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep up to `seconds`, waking early on a signal. */
static void bench_sleep(double seconds)
{
	double end = bench_now() + seconds;
	struct timespec ts = { 0, BENCH_POLL_NS / 10 };

	while (!bench_quit && bench_now() < end)
		nanosleep(&ts, NULL);
}

static void bench_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL args] -- --port DEVARGS --port DEVARGS [options]\n"
		"  --port DEVARGS      a device to bridge (exactly two), e.g.\n"
		"                      net_pcap0,rx_pcap=a.pcap,infinite_rx=1\n"
		"  --seconds N         measurement window (default 10)\n"
		"  --warmup N          longest warm-up before measuring (default 10)\n"
		"  --expect-macs N     end the warm-up once the FDB holds N entries\n"
		"                      (default 0: always warm up for --warmup)\n"
		"  --fdb-capacity N    MAC table entries (default 65536)\n"
		"  --fdb-aging N       learned-entry lifetime in seconds (default 3600)\n"
		"  --mbufs N           mbufs in the host pool (default 65535)\n"
		"  --mbuf-size N       data room per mbuf, headroom included (default 2176)\n"
		"  --lcore N           worker lcore (default: first EAL worker lcore)\n"
		"  --tx-tolerance F    largest allowed difference between the switch's and\n"
		"                      the devices' tx counts, as a fraction (default 0.001)\n"
		"  --uplink            the second port is an uplink (guest-to-uplink path)\n"
		"  --nioc MBPS         Network I/O Control on, the uplink's speed MBPS\n"
		"                      (implies --uplink)\n",
		prog);
}

static int bench_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int bench_parse_secs(const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min) || v > 86400.0)
		return -EINVAL;
	*out = v;
	return 0;
}

static void bench_opts_init(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seconds = 10.0;
	o->warmup = 10.0;
	o->fdb_capacity = 65536;
	o->fdb_aging = 3600;
	o->n_mbufs = 65535;
	o->mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	o->lcore = -1;
	o->tx_tolerance = 0.001;
}

static int bench_parse_one(struct bench_opts *o, int c, const char *arg)
{
	uint32_t v;

	switch (c) {
	case 'p':
		if (o->n_ports >= BENCH_MAX_PORTS)
			return -EINVAL;
		o->devargs[o->n_ports++] = arg;
		return 0;
	case 's':
		return bench_parse_secs(arg, 0.1, &o->seconds);
	case 'w':
		return bench_parse_secs(arg, 0.0, &o->warmup);
	case 'e':
		return bench_parse_u32(arg, 0, UINT32_MAX, &o->expect_macs);
	case 'f':
		return bench_parse_u32(arg, 16, VMK_FDB_CAPACITY_MAX, &o->fdb_capacity);
	case 'a':
		return bench_parse_u32(arg, 1, 1000000, &o->fdb_aging);
	case 'm':
		return bench_parse_u32(arg, 512, UINT32_MAX, &o->n_mbufs);
	case 'z':
		return bench_parse_u32(arg, 256, UINT16_MAX, &o->mbuf_size);
	case 'l':
		if (bench_parse_u32(arg, 0, RTE_MAX_LCORE - 1, &v) < 0)
			return -EINVAL;
		o->lcore = (int)v;
		return 0;
	case 't':
		return bench_parse_secs(arg, 0.0, &o->tx_tolerance);
	case 'u':
		o->uplink = true;
		return 0;
	case 'n':
		o->uplink = true;
		return bench_parse_u32(arg, 1, VMK_LINK_SPEED_MAX_MBPS, &o->nioc_mbps);
	default:
		return -EINVAL;
	}
}

/* Parse the application arguments (after EAL's). 0, 1 (--help) or -EINVAL. */
static int bench_parse(struct bench_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "expect-macs", required_argument, NULL, 'e' },
		{ "fdb-capacity", required_argument, NULL, 'f' },
		{ "fdb-aging", required_argument, NULL, 'a' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "mbuf-size", required_argument, NULL, 'z' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "tx-tolerance", required_argument, NULL, 't' },
		{ "uplink", no_argument, NULL, 'u' },
		{ "nioc", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	bench_opts_init(o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?' || bench_parse_one(o, c, optarg) < 0) {
			if (c != '?')
				fprintf(stderr, "vmk-l2fwd-bench: bad value '%s'\n", optarg);
			return -EINVAL;
		}
	}
	if (optind != argc || o->n_ports != BENCH_MAX_PORTS) {
		fprintf(stderr, "vmk-l2fwd-bench: give exactly %d --port options\n",
			BENCH_MAX_PORTS);
		return -EINVAL;
	}
	return 0;
}

static int bench_fail(const char *what, int err)
{
	fprintf(stderr, "vmk-l2fwd-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return err < 0 ? err : -err;
}

static int bench_setup_switch(struct bench_ctx *b, const struct bench_opts *o)
{
	struct vmk_vswitch_params vp;
	struct vmk_port_params pp;
	struct vmk_port_info info;
	char name[VMK_NAME_MAX];
	unsigned int i;
	int ret;

	vmk_vswitch_params_init(&vp);
	vp.name = BENCH_SWITCH_NAME;
	vp.fdb_capacity = o->fdb_capacity;
	vp.fdb_aging_sec = o->fdb_aging;
	ret = vmk_vswitch_add(b->host, &vp, &b->vs);
	if (ret < 0)
		return bench_fail("vmk_vswitch_add", ret);
	ret = vmk_portgroup_add(b->vs, BENCH_PG_NAME, VMK_VLAN_NONE);
	if (ret < 0)
		return bench_fail("vmk_portgroup_add", ret);

	for (i = 0; i < o->n_ports; i++) {
		vmk_port_params_init(&pp);
		snprintf(name, sizeof(name), "p%u", i);
		pp.name = name;
		pp.kind = VMK_PORT_ETHDEV;
		pp.uplink = o->uplink && i == 1;
		pp.portgroup = pp.uplink ? NULL : BENCH_PG_NAME;
		pp.devargs = o->devargs[i];
		ret = vmk_port_add(b->vs, &pp, &b->port_id[i]);
		if (ret < 0) {
			fprintf(stderr, "vmk-l2fwd-bench: vmk_port_add '%s': %s\n",
				o->devargs[i], strerror(-ret));
			return ret;
		}
		b->n_ports++;
		ret = vmk_port_get_info(b->vs, b->port_id[i], &info);
		b->ethdev[i] = ret == 0 ? info.ethdev_port : VMK_ETHDEV_NONE;
	}
	if (o->nioc_mbps == 0)
		return 0;
	ret = vmk_port_set_link_speed(b->vs, b->port_id[1], o->nioc_mbps);
	if (ret == 0)
		ret = vmk_nioc_set_enabled(b->host, true);
	if (ret < 0)
		return bench_fail("NIOC", ret);
	return 0;
}

static int bench_setup(struct bench_ctx *b, const struct bench_opts *o)
{
	struct vmk_host_params hp;
	unsigned int lcore;
	int ret;

	vmk_host_params_init(&hp);
	hp.name = "l2fwd-bench";
	hp.n_mbufs = o->n_mbufs;
	hp.mbuf_data_size = (uint16_t)o->mbuf_size;
	hp.max_workers = 1;
	ret = vmk_host_create(&hp, &b->host);
	if (ret < 0)
		return bench_fail("vmk_host_create", ret);
	ret = bench_setup_switch(b, o);
	if (ret < 0)
		return ret;

	lcore = o->lcore >= 0 ? (unsigned int)o->lcore : rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "vmk-l2fwd-bench: no EAL worker lcore (give -l with two cores)\n");
		return -EINVAL;
	}
	ret = vmk_host_start(b->host, &lcore, 1);
	if (ret < 0)
		return bench_fail("vmk_host_start", ret);
	return 0;
}

/*
 * Wait until the FDB holds `expect` entries (when non-zero) or `max_s`
 * seconds pass. Returns the seconds waited; *learned tells whether the
 * target was reached.
 */
static double bench_warmup(struct bench_ctx *b, uint32_t expect, double max_s, bool *learned)
{
	struct timespec ts = { 0, BENCH_POLL_NS };
	struct vmk_fdb_stats fs;
	double t0 = bench_now();

	*learned = false;
	while (!bench_quit && bench_now() - t0 < max_s) {
		if (expect > 0 && vmk_fdb_get_stats(b->vs, &fs) == 0 && fs.n_entries >= expect) {
			*learned = true;
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (expect > 0 && !*learned && vmk_fdb_get_stats(b->vs, &fs) == 0)
		*learned = fs.n_entries >= expect;
	return bench_now() - t0;
}

static int bench_sample(struct bench_ctx *b, struct bench_sample *s)
{
	struct rte_eth_stats es;
	unsigned int i;
	int ret;

	for (i = 0; i < b->n_ports; i++) {
		ret = vmk_port_get_stats(b->vs, b->port_id[i], &s->port[i]);
		if (ret < 0)
			return bench_fail("vmk_port_get_stats", ret);
		s->ethdev_tx[i] = 0;
		if (b->ethdev[i] != VMK_ETHDEV_NONE && rte_eth_stats_get(b->ethdev[i], &es) == 0)
			s->ethdev_tx[i] = es.opackets;
	}
	memset(&s->worker, 0, sizeof(s->worker));
	vmk_host_get_worker_stats(b->host, 0, &s->worker);
	s->t = bench_now();
	return 0;
}

/* The switch's tx count against the devices': 0, or -EPROTO with the
 * reason on stderr. */
static int bench_tx_check(const struct bench_ctx *b, uint64_t tx, uint64_t eth_tx, double tol)
{
	uint64_t diff = tx > eth_tx ? tx - eth_tx : eth_tx - tx, big = tx > eth_tx ? tx : eth_tx;

	for (unsigned int i = 0; i < b->n_ports; i++) {
		if (b->ethdev[i] == VMK_ETHDEV_NONE) {
			fprintf(stderr, "vmk-l2fwd-bench: port %u has no ethdev counter: tx "
				"cannot be cross-checked\n", i);
			return -EPROTO;
		}
	}
	if ((double)diff > tol * (double)big) {
		fprintf(stderr, "vmk-l2fwd-bench: tx cross-check failed: the switch counted %"
			PRIu64 " frames sent, the devices %" PRIu64 " (%.4f%% apart, tolerance "
			"%.4f%%)\n", tx, eth_tx, big ? 100.0 * (double)diff / (double)big : 0.0,
			100.0 * tol);
		return -EPROTO;
	}
	return 0;
}

/* One JSON line; returns bench_tx_check's verdict. */
static int bench_report(struct bench_ctx *b, const struct bench_sample *s0,
			const struct bench_sample *s1, double warmup_s, uint32_t expect,
			bool learned, double tol)
{
	uint64_t tx = 0, rx = 0, eth_tx = 0, drops = 0;
	uint64_t by_reason[VMK_DROP_MAX] = { 0 };
	struct vmk_fdb_stats fs;
	double secs = s1->t - s0->t;
	unsigned int i, r;
	bool first = true;
	int check;

	memset(&fs, 0, sizeof(fs));
	vmk_fdb_get_stats(b->vs, &fs);
	for (i = 0; i < b->n_ports; i++) {
		tx += s1->port[i].tx_packets - s0->port[i].tx_packets;
		rx += s1->port[i].rx_packets - s0->port[i].rx_packets;
		eth_tx += s1->ethdev_tx[i] - s0->ethdev_tx[i];
		for (r = 0; r < VMK_DROP_MAX; r++)
			by_reason[r] += (s1->port[i].rx_drops[r] - s0->port[i].rx_drops[r]) +
					(s1->port[i].tx_drops[r] - s0->port[i].tx_drops[r]);
	}
	/* fdb_full frames are still forwarded: listed, not counted as drops. */
	for (r = 0; r < VMK_DROP_MAX; r++)
		if (r != VMK_DROP_FDB_FULL)
			drops += by_reason[r];

	check = bench_tx_check(b, tx, eth_tx, tol);
	printf("{\"tool\":\"vmknet\",\"mpps\":%.3f,\"tx_packets\":%" PRIu64
	       ",\"rx_packets\":%" PRIu64 ",\"ethdev_tx_packets\":%" PRIu64
	       ",\"tx_check\":\"%s\",\"tx_tolerance\":%g,\"seconds\":%.3f,\"warmup_seconds\":%.3f,\"expect_macs\":%u,\"learned\":%s"
	       ",\"fdb_entries\":%u,\"fdb_capacity\":%u,\"drops\":%" PRIu64 ",\"drop_reasons\":{",
	       secs > 0 ? (double)tx / secs / 1e6 : 0.0, tx, rx, eth_tx,
	       check == 0 ? "ok" : "failed", tol, secs, warmup_s,
	       expect, expect == 0 ? "null" : learned ? "true" : "false",
	       fs.n_entries, fs.capacity, drops);
	for (r = 0; r < VMK_DROP_MAX; r++) {
		if (by_reason[r] == 0)
			continue;
		printf("%s\"%s\":%" PRIu64, first ? "" : ",",
		       vmk_drop_reason_name((enum vmk_drop_reason)r), by_reason[r]);
		first = false;
	}
	{
		/* Cost of a frame on the worker, as OVS's pmd-stats-show. */
		uint64_t pk = s1->worker.packets - s0->worker.packets;
		uint64_t busy = s1->worker.busy_cycles - s0->worker.busy_cycles;
		uint64_t idle = s1->worker.idle_cycles - s0->worker.idle_cycles;

		printf("},\"worker_cycles_per_packet\":%.1f,\"worker_busy_pct\":%.1f",
		       pk ? (double)busy / (double)pk : 0.0,
		       busy + idle ? 100.0 * (double)busy / (double)(busy + idle) : 0.0);
	}
	printf("}\n");
	fflush(stdout);
	return check;
}

static int bench_measure(struct bench_ctx *b, const struct bench_opts *o)
{
	struct bench_sample s0, s1;
	bool learned = false;
	double warmup_s;
	unsigned int i;
	int ret;

	warmup_s = bench_warmup(b, o->expect_macs, o->warmup, &learned);
	if (bench_quit)
		return -EINTR;
	for (i = 0; i < b->n_ports; i++)
		vmk_port_reset_stats(b->vs, b->port_id[i]);
	ret = bench_sample(b, &s0);
	if (ret < 0)
		return ret;
	bench_sleep(o->seconds);
	if (bench_quit)
		return -EINTR;
	ret = bench_sample(b, &s1);
	if (ret < 0)
		return ret;
	return bench_report(b, &s0, &s1, warmup_s, o->expect_macs, learned, o->tx_tolerance);
}

int main(int argc, char **argv)
{
	struct bench_ctx b;
	struct bench_opts o;
	int ret, n;

	memset(&b, 0, sizeof(b));
	n = vmk_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "vmk-l2fwd-bench: EAL init failed: %s\n", strerror(-n));
		return 1;
	}
	/* EAL leaves the program name in argv[n]. */
	argc -= n;
	argv += n;
	ret = bench_parse(&o, argc, argv);
	if (ret != 0) {
		bench_usage(ret > 0 ? stdout : stderr, "vmk-l2fwd-bench");
		vmk_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	signal(SIGINT, bench_on_signal);
	signal(SIGTERM, bench_on_signal);

	ret = bench_setup(&b, &o);
	if (ret == 0)
		ret = bench_measure(&b, &o);
	if (ret == -EINTR)
		fprintf(stderr, "vmk-l2fwd-bench: interrupted\n");
	if (b.host != NULL && vmk_host_running(b.host))
		vmk_host_stop(b.host);
	vmk_host_destroy(b.host);
	vmk_eal_cleanup();
	return ret == 0 ? 0 : 1;
}
