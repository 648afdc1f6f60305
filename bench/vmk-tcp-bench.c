/*
 * vmk-tcp-bench: vmknet TCP between two vmknics of one process, through the
 * vSwitch (issue 5, point 5; bench/run_tcp.sh runs it beside Linux).
 *
 *   vmk-tcp-bench [EAL args] -- --mode stream|rr|crr|udp [--mtu 1500|9000]
 *       [--seconds N] [--warmup S] [--count N] [--size N] [--buf BYTES]
 *       [--msl-ms N] [--mbufs N] [--lcore N] [--zero-copy]
 *       [--verify full|sample|none] [--corrupt-at BYTE]
 *       [--firewall off|builtin|allowed1000]
 *
 * One host, vSwitch0 with the MTU given and one port group ("bench"),
 * vmk0 in defaultTcpipStack (198.18.0.1/24) and vmk1 in a custom netstack
 * "peer" (198.18.0.2/24): every segment leaves one netstack's adapter,
 * crosses the vSwitch between two vmknic ports and enters the other
 * netstack. One worker (--lcore, default the first worker lcore) polls the
 * switch and runs both netstacks; the benchmark's own loop runs on the main
 * lcore and drives both ends of the connection itself, never sleeping:
 * every socket call is non-blocking (timeout 0), because a call that waits
 * polls only once a millisecond and would measure that interval.
 *
 *   stream  vmk1 listens, vmk0 connects; the loop alternately queues up to
 *           256 KiB on vmk0's socket and drains vmk1's. After --warmup
 *           seconds (slow start) it counts the bytes read over --seconds:
 *           Gbit/s = 8 * bytes / seconds / 1e9. With --zero-copy the loop
 *           uses the mbuf calls instead: it hands vmk0's socket chains of
 *           64 KiB of pool mbufs (vmk_tcp_send_mbuf) and frees the chains
 *           vmk1's socket gives back (vmk_tcp_recv_mbuf). Either way the
 *           sender writes bench/tcp_pattern.h's pattern into what it sends
 *           (the copying send's buffer, the zero-copy chain's mbufs) and
 *           the receiver checks every byte it counts, warm-up included,
 *           as it reads them (--verify full, the default; sample: one
 *           8-byte word in 4 KiB; none: only to measure the check's cost).
 *           A wrong byte ends the run with exit 1. --corrupt-at BYTE is a
 *           test knob: the receiver flips that byte of the stream before
 *           checking it, to show the check fails.
 *   rr      one connection, Nagle off on both ends; --size bytes (default 1)
 *           out and the same back, one transaction at a time, --count of
 *           them after --warmup-count ones: p50/p99/p99.9 latency (us) and
 *           transactions/s.
 *   crr     for --seconds: connect, accept, 1 byte each way, the client
 *           closes first, the server reads the end and closes. The client
 *           netstack's TIME-WAIT (2 MSL) would hold one of its 4,096
 *           connection blocks and one of 16,384 ephemeral ports for 60 s,
 *           so --msl-ms (default 5: TIME-WAIT 10 ms) shortens it there;
 *           connections/s.
 *   udp     one flow (fixed ports, vmk0:5202 -> vmk1:5201, as iperf3 -u
 *           sends: every datagram of a fresh source port would open a
 *           connection of its own in the firewall): the loop sends bursts
 *           of 32 datagrams of bench/tcp_pattern.h's TP_DGRAM_LEN (64)
 *           bytes, at most 128 in flight (vmk1's socket queues 256: a
 *           sender that outran it would measure the drop path), and drains
 *           vmk1's socket; each datagram is checked
 *           (sequence number and every byte; a wrong one fails the run, a
 *           gap counts as lost). Datagrams/s received over --seconds after
 *           --warmup.
 *
 * --firewall (issue 16): off (the host's default: disabled); builtin: the
 * firewall on with vmk_fw_config_default's rulesets (as a host has them)
 * plus two custom ones passing the benchmark's port 5201 (no built-in
 * ruleset has it; vMotion owns 8000): vmkbenchIn (Inbound TCP and UDP to
 * 5201, what vmk1's netstack receives) and vmkbenchOut (Outbound, what
 * vmk0's sends), allowed-all; allowed1000: the same two with 1,000
 * allowed entries each, 999 that do not match (255 networks of
 * 198.18.1-255.0/24, 744 addresses of 198.19.0.0/16) and last the remote
 * end (vmk0's address inbound, vmk1's outbound). The configuration is
 * applied before any traffic; the result carries the firewall's counters,
 * and a run with the firewall on whose counters show it did not see the
 * traffic (no packet passed by the connection table, a benchmark ruleset
 * that passed nothing, fewer passed than datagrams received) fails.
 *
 * Prints one line of JSON on stdout (with both netstacks' TCP counters and
 * the worker's busy share); errors on stderr, exit 1 (run) or 2 (usage).
 * Built on the public API only. Threads: the main thread does everything
 * here; the worker lcore belongs to the library.
 */
#include <arpa/inet.h>
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

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <vmknet/vmknet.h>

#include "tcp_pattern.h"

#define TB_PEER_NS     "peer"
#define TB_PG          "bench"
#define TB_PORT        5201
#define TB_CHUNK       (256u * 1024u)   /* stream: bytes offered per send */
#define TB_RBUF        (1024u * 1024u)  /* stream: bytes taken per recv */
#define TB_ZC_CHAIN    (64u * 1024u)    /* stream --zero-copy: bytes per chain */
#define TB_STALL_NS    (5ull * 1000000000ull)
#define TB_MAX_COUNT   20000000u

#define TB_UDP_SPORT   5202             /* udp: vmk0's fixed source port */
#define TB_UDP_BURST   32               /* udp: datagrams sent per step */
#define TB_UDP_WINDOW  128              /* udp: most datagrams in flight */
#define TB_FW_ENTRIES  1000u            /* allowed1000: entries per ruleset */

enum tb_mode { TB_STREAM, TB_RR, TB_CRR, TB_UDP };
enum tb_fw { TB_FW_OFF, TB_FW_BUILTIN, TB_FW_ALLOWED };
static const char *const tb_fw_names[] = { "off", "builtin", "allowed1000" };

struct tb_opts {
	enum tb_mode mode;
	uint32_t mtu;
	double seconds, warmup;
	uint32_t count, warmup_count, size;
	uint32_t buf;             /* socket buffers, bytes (0: library default) */
	uint32_t msl_ms;
	uint32_t n_mbufs;
	int lcore;                /* -1: the first worker lcore */
	bool zero_copy;           /* stream: the mbuf calls */
	enum tp_level verify;     /* stream: what is written and checked */
	uint64_t corrupt_at;      /* stream test knob (TP_NO_CORRUPT: off) */
	enum tb_fw fw;
};

struct tb {
	struct tb_opts o;
	struct vmk_host *host;
	struct vmk_vswitch *vs;
	uint32_t a0, a1;          /* vmk0's and vmk1's addresses, network order */
	unsigned int lcore;
	bool eal_up;
};

static volatile sig_atomic_t tb_quit;

static void tb_on_signal(int sig)
{
	(void)sig;
	tb_quit = 1;
}

static uint64_t tb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void tb_usage(FILE *f)
{
	fprintf(f,
		"Usage: vmk-tcp-bench [EAL args] -- --mode stream|rr|crr|udp [options]\n"
		"  --mtu N          vSwitch0, vmk0 and vmk1 MTU, 1280..9000 (default 1500)\n"
		"  --seconds S      stream/crr measurement window (default 10)\n"
		"  --warmup S       stream: seconds before measuring (default 1)\n"
		"  --count N        rr: transactions measured (default 100000)\n"
		"  --warmup-count N rr: transactions before measuring (default 1000)\n"
		"  --size N         rr: request and response bytes (default 1)\n"
		"  --buf BYTES      stream: socket send/receive buffers (default 4194304;\n"
		"                   rr and crr keep the library default, 256 KiB)\n"
		"  --msl-ms N       crr: the client netstack's MSL (default 5)\n"
		"  --mbufs N        mbufs in the host's pool (default 16383)\n"
		"  --lcore N        worker lcore (default: the first worker lcore)\n"
		"  --zero-copy      stream: vmk_tcp_send_mbuf/vmk_tcp_recv_mbuf, no copies\n"
		"  --verify L       stream: full (default: every byte written and checked),\n"
		"                   sample (one 8-byte word in 4 KiB) or none\n"
		"  --corrupt-at B   stream test knob: flip received byte B before the check\n"
		"  --firewall F     off (default), builtin (the built-in rulesets and one\n"
		"                   allowing port 5201) or allowed1000 (that one with 1,000\n"
		"                   allowed entries)\n");
}

static int tb_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "vmk-tcp-bench: bad value \"%s\" (%g..%g)\n", s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int tb_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	double v;

	if (tb_num(s, lo, hi, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Which of names[0..n) s is (its index), or -1 with a usage line. */
static int tb_pick(const char *const *names, unsigned int n, const char *opt, const char *s)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	fprintf(stderr, "vmk-tcp-bench: --%s:", opt);
	for (unsigned int i = 0; i < n; i++)
		fprintf(stderr, " %s", names[i]);
	fprintf(stderr, "\n");
	return -1;
}

static int tb_mode_arg(struct tb_opts *o, const char *s)
{
	static const char *const modes[] = { "stream", "rr", "crr", "udp" };
	int i = tb_pick(modes, RTE_DIM(modes), "mode", s);

	if (i >= 0)
		o->mode = (enum tb_mode)i;
	return i < 0 ? -1 : 0;
}

static int tb_fw_arg(struct tb_opts *o, const char *s)
{
	int i = tb_pick(tb_fw_names, RTE_DIM(tb_fw_names), "firewall", s);

	if (i >= 0)
		o->fw = (enum tb_fw)i;
	return i < 0 ? -1 : 0;
}

static int tb_parse_one(struct tb_opts *o, int c, const char *arg)
{
	double lc;

	switch (c) {
	case 'm': return tb_mode_arg(o, arg);
	case 'F': return tb_fw_arg(o, arg);
	case 'M': return tb_u32(arg, 1280, 9000, &o->mtu);
	case 's': return tb_num(arg, 0.1, 3600, &o->seconds);
	case 'w': return tb_num(arg, 0, 600, &o->warmup);
	case 'n': return tb_u32(arg, 1, TB_MAX_COUNT, &o->count);
	case 'W': return tb_u32(arg, 0, TB_MAX_COUNT, &o->warmup_count);
	case 'z': return tb_u32(arg, 1, 65536, &o->size);
	case 'b': return tb_u32(arg, 4096, 64u << 20, &o->buf);
	case 'T': return tb_u32(arg, 1, 600000, &o->msl_ms);
	case 'p': return tb_u32(arg, 4095, 1u << 22, &o->n_mbufs);
	case 'Z': o->zero_copy = true; return 0;
	case 'V':
		if (tp_level_parse(arg, &o->verify) == 0)
			return 0;
		fprintf(stderr, "vmk-tcp-bench: --verify full, sample or none\n");
		return -1;
	case 'C': {
		char *end;

		errno = 0;
		o->corrupt_at = strtoull(arg, &end, 0);
		if (errno == 0 && end != arg && *end == '\0')
			return 0;
		fprintf(stderr, "vmk-tcp-bench: bad --corrupt-at \"%s\"\n", arg);
		return -1;
	}
	case 'l':
		if (tb_num(arg, 0, RTE_MAX_LCORE - 1, &lc) < 0)
			return -1;
		o->lcore = (int)lc;
		return 0;
	default:
		tb_usage(stderr);
		return -1;
	}
}

/* 0: go on; 1: --help; -1: bad usage. */
static int tb_parse(int argc, char **argv, struct tb_opts *o)
{
	static const struct option longs[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup-count", required_argument, NULL, 'W' },
		{ "size", required_argument, NULL, 'z' },
		{ "buf", required_argument, NULL, 'b' },
		{ "msl-ms", required_argument, NULL, 'T' },
		{ "mbufs", required_argument, NULL, 'p' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "zero-copy", no_argument, NULL, 'Z' },
		{ "verify", required_argument, NULL, 'V' },
		{ "corrupt-at", required_argument, NULL, 'C' },
		{ "firewall", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_mode = false;
	int c;

	*o = (struct tb_opts){ .mode = TB_STREAM, .mtu = 1500, .seconds = 10, .warmup = 1,
			       .count = 100000, .warmup_count = 1000, .size = 1,
			       .buf = 4u << 20, .msl_ms = 5, .n_mbufs = 16383, .lcore = -1,
			       .verify = TP_FULL, .corrupt_at = TP_NO_CORRUPT };
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		if (c == 'h') {
			tb_usage(stdout);
			return 1;
		}
		if (tb_parse_one(o, c, optarg) < 0)
			return -1;
		have_mode |= c == 'm';
	}
	if (optind != argc || !have_mode) {
		fprintf(stderr, "vmk-tcp-bench: --mode is required\n");
		return -1;
	}
	if (o->zero_copy && o->mode != TB_STREAM) {
		fprintf(stderr, "vmk-tcp-bench: --zero-copy is for --mode stream\n");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- host --- */

static int tb_vmknic(struct tb *b, const char *name, const char *netstack, uint32_t addr)
{
	struct vmk_vmknic_params p;
	int ret;

	vmk_vmknic_params_init(&p);
	p.name = name;
	p.vswitch = b->vs;
	p.portgroup = TB_PG;
	p.netstack = netstack;
	p.ipv4 = addr;
	p.netmask = htonl(0xffffff00u);
	p.mtu = b->o.mtu;
	ret = vmk_vmknic_add(b->host, &p, NULL);
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: %s: %s (%s)\n", name, strerror(-ret),
			vmk_ip_last_error());
	return ret;
}

static int tb_pick_lcore(struct tb *b)
{
	if (b->o.lcore >= 0) {
		if ((unsigned int)b->o.lcore == rte_get_main_lcore() ||
		    !rte_lcore_is_enabled((unsigned int)b->o.lcore)) {
			fprintf(stderr, "vmk-tcp-bench: --lcore %d is not an EAL worker lcore\n",
				b->o.lcore);
			return -EINVAL;
		}
		b->lcore = (unsigned int)b->o.lcore;
		return 0;
	}
	b->lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	if (b->lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "vmk-tcp-bench: needs two lcores (e.g. -l 0-1)\n");
		return -EINVAL;
	}
	return 0;
}

/* EAL, host, vSwitch0 + "bench", netstack "peer", vmk0 and vmk1, worker. */
static int tb_up(struct tb *b, int eal_argc, char **argv)
{
	struct vmk_host_params hp;
	struct vmk_vswitch_params vp;
	int ret;

	ret = vmk_eal_init(eal_argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vmk-tcp-bench: EAL: %s\n", strerror(-ret));
		return ret;
	}
	b->eal_up = true;
	if ((ret = tb_pick_lcore(b)) < 0)
		return ret;
	vmk_host_params_init(&hp);
	hp.name = "vmk-tcp-bench";
	hp.n_mbufs = b->o.n_mbufs;
	/* One frame per mbuf: 128 headroom + 14 + MTU fits (no chains). */
	hp.mbuf_data_size = (uint16_t)RTE_MAX(2176u, 128u + 14u + b->o.mtu + 64u);
	hp.max_workers = 1;
	if ((ret = vmk_host_create(&hp, &b->host)) < 0) {
		fprintf(stderr, "vmk-tcp-bench: host: %s\n", strerror(-ret));
		return ret;
	}
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = b->o.mtu;
	ret = vmk_vswitch_add(b->host, &vp, &b->vs);
	if (ret == 0)
		ret = vmk_portgroup_add(b->vs, TB_PG, 0);
	if (ret == 0)
		ret = vmk_netstack_add(b->host, TB_PEER_NS);
	if (ret < 0) {
		fprintf(stderr, "vmk-tcp-bench: vSwitch0/netstack: %s\n", strerror(-ret));
		return ret;
	}
	b->a0 = htonl(0xc6120001u);   /* 198.18.0.1 */
	b->a1 = htonl(0xc6120002u);   /* 198.18.0.2 */
	if ((ret = tb_vmknic(b, "vmk0", NULL, b->a0)) < 0 ||
	    (ret = tb_vmknic(b, "vmk1", TB_PEER_NS, b->a1)) < 0)
		return ret;
	ret = vmk_host_start(b->host, &b->lcore, 1);
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: worker on lcore %u: %s\n", b->lcore, strerror(-ret));
	return ret;
}

static void tb_down(struct tb *b)
{
	if (b->host != NULL) {
		if (vmk_host_running(b->host))
			vmk_host_stop(b->host);
		vmk_host_destroy(b->host);
		b->host = NULL;
	}
	if (b->eal_up)
		vmk_eal_cleanup();
	b->eal_up = false;
}

/* ------------------------------------------------------------ firewall -- */

static const char *const tb_fw_rulesets[] = { "vmkbenchIn", "vmkbenchOut" };

/* Entry i (< 999) of an allowed list that the traffic does not match:
 * 198.18.(i + 1).0/24 for the first 255 (198.18.0.0/24 holds vmk0 and
 * vmk1), then the addresses 198.19.0.0, 198.19.0.1, ... */
static struct vmk_fw_allowed tb_fw_decoy(unsigned int i)
{
	if (i < 255)
		return (struct vmk_fw_allowed){ htonl(0xc6120000u | (i + 1) << 8), 24 };
	return (struct vmk_fw_allowed){ htonl(0xc6130000u + (i - 255)), 32 };
}

/* Add ruleset name: TCP and UDP to TB_PORT in direction dir, allowed-all
 * or (allowed1000) the decoys and last remote (network order). */
static int tb_fw_ruleset(struct vmk_fw_config *fw, const char *name, enum vmk_fw_direction dir,
			 uint32_t remote, bool all)
{
	struct vmk_fw_ruleset *rs;

	if (fw->n_rulesets >= VMK_FW_RULESETS_MAX)
		return -ENOSPC;
	rs = &fw->rulesets[fw->n_rulesets++];
	memset(rs, 0, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "%s", name);
	rs->enabled = true;
	rs->allowed_all = all;
	rs->n_rules = 2;
	rs->rules[0] = (struct vmk_fw_rule){ dir, VMK_FW_TCP, VMK_FW_PORT_DST, TB_PORT, TB_PORT };
	rs->rules[1] = (struct vmk_fw_rule){ dir, VMK_FW_UDP, VMK_FW_PORT_DST, TB_PORT, TB_PORT };
	if (all)
		return 0;
	for (unsigned int i = 0; i + 1 < TB_FW_ENTRIES; i++)
		rs->allowed[i] = tb_fw_decoy(i);
	rs->allowed[TB_FW_ENTRIES - 1] = (struct vmk_fw_allowed){ remote, 32 };
	rs->n_allowed = TB_FW_ENTRIES;
	return 0;
}

/* --firewall builtin or allowed1000: build the configuration, apply it. */
static int tb_fw_apply(struct tb *b)
{
	struct vmk_fw_config *fw;
	bool all = b->o.fw == TB_FW_BUILTIN;
	int ret;

	if (b->o.fw == TB_FW_OFF)
		return 0;
	fw = malloc(sizeof(*fw));              /* about half a MiB */
	if (fw == NULL)
		return -ENOMEM;
	vmk_fw_config_default(fw);
	fw->enabled = true;
	ret = tb_fw_ruleset(fw, tb_fw_rulesets[0], VMK_FW_INBOUND, b->a0, all);
	if (ret == 0)
		ret = tb_fw_ruleset(fw, tb_fw_rulesets[1], VMK_FW_OUTBOUND, b->a1, all);
	if (ret == 0)
		ret = vmk_firewall_apply(b->host, fw);
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: firewall %s: %s (%s)\n", tb_fw_names[b->o.fw],
			strerror(-ret), vmk_last_error());
	free(fw);
	return ret;
}

/* The firewall's counters as JSON members; with the firewall on, -EPROTO
 * when they show it did not see the traffic (min_passed: packets the
 * connection table must at least have passed). */
static int tb_fw_json(struct tb *b, uint64_t min_passed)
{
	struct vmk_fw_ruleset_stats rs[2] = { 0 };
	struct vmk_fw_stats st;
	int ret = vmk_firewall_stats(b->host, &st);

	for (unsigned int i = 0; ret == 0 && b->o.fw != TB_FW_OFF && i < 2; i++)
		ret = vmk_firewall_ruleset_stats(b->host, tb_fw_rulesets[i], &rs[i]);
	if (ret < 0) {
		fprintf(stderr, "vmk-tcp-bench: firewall counters: %s\n", strerror(-ret));
		return ret;
	}
	printf(",\"firewall\":{\"mode\":\"%s\",\"entries\":%u,\"conn_passed\":%" PRIu64
	       ",\"in_allowed\":%" PRIu64 ",\"out_allowed\":%" PRIu64 ",\"rules_dropped\":%" PRIu64
	       ",\"default_dropped\":[%" PRIu64 ",%" PRIu64 "],\"conn_refused\":%" PRIu64
	       ",\"conn_count\":%u,\"generation\":%" PRIu64 "}", tb_fw_names[b->o.fw],
	       b->o.fw == TB_FW_ALLOWED ? TB_FW_ENTRIES : 0, st.conn_passed, rs[0].allowed,
	       rs[1].allowed, rs[0].dropped + rs[1].dropped, st.default_dropped[0],
	       st.default_dropped[1], st.conn_refused, st.conn_count, st.generation);
	if (b->o.fw == TB_FW_OFF)
		return 0;
	if (st.conn_passed == 0 || st.conn_passed < min_passed || rs[0].allowed == 0 ||
	    rs[1].allowed == 0) {
		fprintf(stderr, "vmk-tcp-bench: the firewall did not see the traffic: %" PRIu64
			" packets passed by its connection table (at least %" PRIu64 " expected), "
			"%s passed %" PRIu64 ", %s %" PRIu64 "\n", st.conn_passed, min_passed,
			tb_fw_rulesets[0], rs[0].allowed, tb_fw_rulesets[1], rs[1].allowed);
		return -EPROTO;
	}
	return 0;
}

/* ---------------------------------------------------------- connections -- */

static int tb_listener(struct tb *b, struct vmk_tcp_sock **out)
{
	struct vmk_tcp_sock *l = NULL;
	int ret;

	ret = vmk_tcp_open(b->host, TB_PEER_NS, &l);
	if (ret == 0 && b->o.mode == TB_STREAM)
		ret = vmk_tcp_set_buffers(l, b->o.buf, b->o.buf);
	if (ret == 0)
		ret = vmk_tcp_set_nodelay(l, b->o.mode != TB_STREAM);
	if (ret == 0)
		ret = vmk_tcp_bind(l, b->a1, TB_PORT);
	if (ret == 0)
		ret = vmk_tcp_listen(l, 1024);
	if (ret < 0) {
		fprintf(stderr, "vmk-tcp-bench: listen: %s\n", strerror(-ret));
		vmk_tcp_close(l);
		return ret;
	}
	*out = l;
	return 0;
}

/* Open vmk0's socket and send its SYN (returns at once). */
static int tb_connect_start(struct tb *b, struct vmk_tcp_sock **out)
{
	struct vmk_tcp_sock *c = NULL;
	int ret;

	ret = vmk_tcp_open(b->host, NULL, &c);
	if (ret == 0 && b->o.mode == TB_STREAM)
		ret = vmk_tcp_set_buffers(c, b->o.buf, b->o.buf);
	if (ret == 0)
		ret = vmk_tcp_set_nodelay(c, b->o.mode != TB_STREAM);
	if (ret == 0) {
		ret = vmk_tcp_connect(c, b->a1, TB_PORT, 0);
		if (ret == -EINPROGRESS)
			ret = 0;
	}
	if (ret < 0) {
		fprintf(stderr, "vmk-tcp-bench: connect: %s\n", strerror(-ret));
		vmk_tcp_close(c);
		return ret;
	}
	*out = c;
	return 0;
}

/* Spin until the client is established and the listener hands out the
 * server end. */
static int tb_establish(struct vmk_tcp_sock *l, struct vmk_tcp_sock *c,
			struct vmk_tcp_sock **srv)
{
	uint64_t t0 = tb_now_ns();
	bool up = false;

	*srv = NULL;
	while (!tb_quit) {
		if (!up) {
			unsigned int ev = vmk_tcp_poll(c);

			if (ev & VMK_TCP_POLL_ERR)
				return -ECONNREFUSED;
			up = (ev & VMK_TCP_POLL_OUT) != 0;
		}
		if (*srv == NULL) {
			int ret = vmk_tcp_accept(l, srv, NULL, NULL, 0);

			if (ret < 0 && ret != -EAGAIN)
				return ret;
		}
		if (up && *srv != NULL)
			return 0;
		if (tb_now_ns() - t0 > TB_STALL_NS)
			return -ETIMEDOUT;
	}
	return -EINTR;
}

/* Exactly len bytes out (s) or in (r), spinning. 0 or a negative errno. */
static long tb_xfer(struct vmk_tcp_sock *s, uint8_t *buf, uint32_t len, bool out)
{
	uint64_t t0 = 0;
	uint32_t done = 0;

	while (done < len) {
		long k = out ? vmk_tcp_send(s, buf + done, len - done, 0) :
			       vmk_tcp_recv(s, buf + done, len - done, 0);

		if (k > 0) {
			done += (uint32_t)k;
			continue;
		}
		if (k == 0)
			return -ECONNRESET;
		if (k != -EAGAIN)
			return k;
		if (t0 == 0)
			t0 = tb_now_ns();
		else if (tb_now_ns() - t0 > TB_STALL_NS)
			return -ETIMEDOUT;
		if (tb_quit)
			return -EINTR;
	}
	return 0;
}

/* ------------------------------------------------------------- counters -- */

static void tb_json_tcp(struct tb *b, const char *key, const char *ns)
{
	struct vmk_tcp_stats st;

	if (vmk_tcp_get_stats(b->host, ns, &st) < 0)
		return;
	printf(",\"%s\":{\"segs_tx\":%" PRIu64 ",\"segs_rx\":%" PRIu64 ",\"retrans\":%" PRIu64
	       ",\"timeouts\":%" PRIu64 ",\"fast_retrans\":%" PRIu64 ",\"delayed_acks\":%" PRIu64
	       ",\"established\":%" PRIu64 ",\"attempt_fails\":%" PRIu64 ",\"rst_tx\":%" PRIu64
	       ",\"no_memory\":%" PRIu64 ",\"rcv_memory\":%" PRIu64 ",\"ooo_full\":%" PRIu64 "}",
	       key, st.segs_tx, st.segs_rx, st.retrans, st.timeouts, st.fast_retrans,
	       st.delayed_acks, st.established, st.attempt_fails, st.rst_tx,
	       st.drops[VMK_TCPDROP_NO_MEMORY], st.drops[VMK_TCPDROP_RCV_MEMORY],
	       st.drops[VMK_TCPDROP_OOO_FULL]);
}

/* The counters that close every result line; the firewall's verdict
 * (tb_fw_json). */
static int tb_json_tail(struct tb *b, const struct vmk_worker_stats *w0, uint64_t min_passed)
{
	struct vmk_worker_stats w1;
	int ret;

	tb_json_tcp(b, "tcp_client", VMK_NETSTACK_DEFAULT);
	tb_json_tcp(b, "tcp_server", TB_PEER_NS);
	if (w0 != NULL && vmk_host_get_worker_stats(b->host, 0, &w1) == 0) {
		double busy = (double)(w1.busy_cycles - w0->busy_cycles);
		double all = busy + (double)(w1.idle_cycles - w0->idle_cycles);

		printf(",\"worker_busy\":%.3f,\"worker_frames\":%" PRIu64
		       ",\"worker_busy_ns\":%.0f", all > 0 ? busy / all : 0,
		       w1.packets - w0->packets, busy * 1e9 / (double)rte_get_tsc_hz());
	}
	ret = tb_fw_json(b, min_passed);
	printf("}\n");
	fflush(stdout);
	return ret;
}

static void tb_worker_sample(struct tb *b, struct vmk_worker_stats *w)
{
	if (vmk_host_get_worker_stats(b->host, 0, w) < 0)
		memset(w, 0, sizeof(*w));
}

/* --------------------------------------------------------------- stream -- */

/* The stream's two ends: the sender's pattern source (copying), the chain
 * not taken yet and the pool to build chains from (zero copy), and the
 * receiver's check. */
struct tb_st {
	struct tp_src src;
	uint8_t *dst;
	struct rte_mempool *pool;
	struct rte_mbuf *pending;
	uint64_t zc_sent;         /* zero copy: stream offset of the next chain */
	struct tp_rcv rcv;
	struct vmk_tcp_sock *c, *s;  /* sender, receiver */
	bool zc;
};

/* Check what recv gave; a negative errno ends the run. */
static long tb_got(struct tb_st *t, uint8_t *p, long n)
{
	if (tp_rcv_data(&t->rcv, p, (size_t)n) < 0) {
		tp_rcv_complain(&t->rcv, "vmk-tcp-bench");
		return -EBADMSG;
	}
	return n;
}

/* Queue what fits on c, drain s; returns bytes read or a negative errno. */
static long tb_stream_step(struct vmk_tcp_sock *c, struct vmk_tcp_sock *s, struct tb_st *t)
{
	size_t len;
	const uint8_t *src = tp_src_next(&t->src, &len);
	long k = vmk_tcp_send(c, src, len, 0), got = 0;

	if (k < 0 && k != -EAGAIN)
		return k;
	if (k > 0)
		tp_src_sent(&t->src, (size_t)k);
	for (;;) {
		long r = vmk_tcp_recv(s, t->dst, TB_RBUF, 0);

		if (r == -EAGAIN)
			return got;
		if (r <= 0)
			return r == 0 ? -ECONNRESET : r;
		if ((r = tb_got(t, t->dst, r)) < 0)
			return r;
		got += r;
	}
}

/* A chain of TB_ZC_CHAIN bytes in whole pool mbufs holding the stream from
 * off on, or NULL when the pool has not enough free now. */
static struct rte_mbuf *tb_zc_chain(struct rte_mempool *pool, enum tp_level l, uint64_t off)
{
	struct rte_mbuf *m[TB_ZC_CHAIN / 1024];
	uint32_t room = rte_pktmbuf_data_room_size(pool), n = (TB_ZC_CHAIN + room - 1) / room;
	uint32_t left = TB_ZC_CHAIN;

	if (n > RTE_DIM(m) || rte_pktmbuf_alloc_bulk(pool, m, n) != 0)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		m[i]->data_off = 0;        /* headers travel in mbufs of their own */
		m[i]->data_len = (uint16_t)RTE_MIN(left, room);
		tp_put(l, rte_pktmbuf_mtod(m[i], uint8_t *), off, m[i]->data_len);
		off += m[i]->data_len;
		left -= m[i]->data_len;
		m[i]->next = i + 1 < n ? m[i + 1] : NULL;
	}
	m[0]->pkt_len = TB_ZC_CHAIN;
	m[0]->nb_segs = (uint16_t)n;
	return m[0];
}

/* Check every segment of a received chain of n bytes, then free it. */
static long tb_got_chain(struct tb_st *t, struct rte_mbuf *m, long n)
{
	long sum = 0, ret = n;

	for (struct rte_mbuf *seg = m; seg != NULL && ret > 0; seg = seg->next) {
		ret = tb_got(t, rte_pktmbuf_mtod(seg, uint8_t *), seg->data_len);
		sum += seg->data_len;
	}
	if (ret > 0 && sum != n) {
		fprintf(stderr, "vmk-tcp-bench: a received chain holds %ld bytes, "
			"vmk_tcp_recv_mbuf said %ld\n", sum, n);
		ret = -EPROTO;
	}
	rte_pktmbuf_free(m);
	return ret < 0 ? ret : n;
}

/* As tb_stream_step, handing mbufs in and taking them out. */
static long tb_stream_step_zc(struct vmk_tcp_sock *c, struct vmk_tcp_sock *s, struct tb_st *t)
{
	long got = 0;

	for (uint32_t offered = 0; offered < TB_CHUNK; offered += TB_ZC_CHAIN) {
		long k;

		if (t->pending == NULL)
			t->pending = tb_zc_chain(t->pool, t->src.level, t->zc_sent);
		if (t->pending == NULL)
			break;                  /* the pool is low: read first */
		k = vmk_tcp_send_mbuf(c, t->pending, 0);
		if (k == -EAGAIN)
			break;
		if (k < 0)
			return k;
		t->pending = NULL;
		t->zc_sent += (uint64_t)k;
	}
	for (;;) {
		struct rte_mbuf *m;
		long r = vmk_tcp_recv_mbuf(s, &m, TB_RBUF, 0);

		if (r == -EAGAIN)
			return got;
		if (r <= 0)
			return r == 0 ? -ECONNRESET : r;
		if ((r = tb_got_chain(t, m, r)) < 0)
			return r;
		got += r;
	}
}

/* Run step(arg) until deadline, adding what it moved (bytes, datagrams) to
 * *n; nothing moved for TB_STALL_NS is a stall. 0 or an errno. */
static int tb_until(long (*step)(void *), void *arg, uint64_t deadline, uint64_t *n)
{
	uint64_t last = tb_now_ns(), now;

	while (!tb_quit && (now = tb_now_ns()) < deadline) {
		long got = step(arg);

		if (got < 0)
			return (int)got;
		if (got > 0)
			last = now;
		else if (now - last > TB_STALL_NS)
			return -ETIMEDOUT;
		*n += (uint64_t)got;
	}
	return tb_quit ? -EINTR : 0;
}

static long tb_stream_any(void *arg)
{
	struct tb_st *t = arg;

	return t->zc ? tb_stream_step_zc(t->c, t->s, t) : tb_stream_step(t->c, t->s, t);
}

static int tb_stream(struct tb *b, struct vmk_tcp_sock *c, struct vmk_tcp_sock *s)
{
	struct vmk_worker_stats w0;
	uint8_t *src = malloc(2 * TB_CHUNK);
	struct tb_st t = { .dst = malloc(TB_RBUF), .pool = vmk_tcp_pool(c), .c = c, .s = s,
			   .zc = b->o.zero_copy };
	bool zc = b->o.zero_copy;
	uint64_t t0, t1, warm = 0, bytes = 0;
	int ret = -ENOMEM;

	if (src == NULL || t.dst == NULL || t.pool == NULL)
		goto out;
	tp_src_init(&t.src, b->o.verify, src, TB_CHUNK);
	tp_rcv_init(&t.rcv, b->o.verify, b->o.corrupt_at);
	t0 = tb_now_ns();
	ret = tb_until(tb_stream_any, &t, t0 + (uint64_t)(b->o.warmup * 1e9), &warm);
	if (ret < 0)
		goto out;
	tb_worker_sample(b, &w0);
	t0 = tb_now_ns();
	ret = tb_until(tb_stream_any, &t, t0 + (uint64_t)(b->o.seconds * 1e9), &bytes);
	t1 = tb_now_ns();
	if (ret < 0)
		goto out;
	printf("{\"tool\":\"vmk-tcp-bench\",\"mode\":\"stream\",\"zero_copy\":%s,\"mtu\":%u,"
	       "\"buf\":%u,\"seconds\":%.6f,\"bytes\":%" PRIu64 ",\"gbps\":%.3f,"
	       "\"warmup_bytes\":%" PRIu64, zc ? "true" : "false",
	       b->o.mtu, b->o.buf, (double)(t1 - t0) / 1e9, bytes,
	       8.0 * (double)bytes / ((double)(t1 - t0)), warm);
	tp_rcv_json(&t.rcv);
	/* Every data segment passes the table twice (out of vmk0, into vmk1);
	 * one carries 64 KiB at most (transmit offload). */
	ret = tb_json_tail(b, &w0, (bytes + warm) / 65536);
out:
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: stream: %s\n", strerror(-ret));
	rte_pktmbuf_free(t.pending);           /* a chain the stack never took */
	free(src);
	free(t.dst);
	return ret;
}

/* ------------------------------------------------------------------- rr -- */

/* One transaction: request out on c, echoed by s, response in on c. */
static int tb_transact(struct vmk_tcp_sock *c, struct vmk_tcp_sock *s, uint8_t *req,
		       uint8_t *tmp, uint32_t size)
{
	long ret = tb_xfer(c, req, size, true);

	if (ret == 0)
		ret = tb_xfer(s, tmp, size, false);
	if (ret == 0)
		ret = tb_xfer(s, tmp, size, true);
	if (ret == 0)
		ret = tb_xfer(c, tmp, size, false);
	if (ret == 0 && memcmp(req, tmp, size) != 0)
		ret = -EBADMSG;
	return (int)ret;
}

static int tb_cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static double tb_pct_us(const uint64_t *lat, uint32_t n, double p)
{
	return (double)lat[(uint32_t)(p / 100.0 * (n - 1) + 0.5)] / 1000.0;
}

static int tb_rr(struct tb *b, struct vmk_tcp_sock *c, struct vmk_tcp_sock *s)
{
	uint32_t n = 0, size = b->o.size;
	uint64_t *lat = malloc((size_t)b->o.count * sizeof(*lat)), t0, t1;
	uint8_t *req = calloc(1, size), *tmp = malloc(size);
	struct vmk_worker_stats w0;
	int ret = -ENOMEM;

	if (lat == NULL || req == NULL || tmp == NULL)
		goto out;
	ret = 0;
	for (uint32_t i = 0; i < b->o.warmup_count && ret == 0; i++)
		ret = tb_transact(c, s, req, tmp, size);
	tb_worker_sample(b, &w0);
	t0 = tb_now_ns();
	while (ret == 0 && n < b->o.count) {
		uint64_t x = tb_now_ns();

		req[0] = (uint8_t)n;
		ret = tb_transact(c, s, req, tmp, size);
		lat[n++] = tb_now_ns() - x;
	}
	t1 = tb_now_ns();
	if (ret < 0)
		goto out;
	qsort(lat, n, sizeof(*lat), tb_cmp_u64);
	printf("{\"tool\":\"vmk-tcp-bench\",\"mode\":\"rr\",\"mtu\":%u,\"size\":%u,"
	       "\"transactions\":%u,\"seconds\":%.6f,\"tps\":%.1f,\"min_us\":%.2f,"
	       "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,\"max_us\":%.2f",
	       b->o.mtu, size, n, (double)(t1 - t0) / 1e9, n / ((double)(t1 - t0) / 1e9),
	       (double)lat[0] / 1000.0, tb_pct_us(lat, n, 50), tb_pct_us(lat, n, 90),
	       tb_pct_us(lat, n, 99), tb_pct_us(lat, n, 99.9), (double)lat[n - 1] / 1000.0);
	ret = tb_json_tail(b, &w0, n);
out:
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: rr: transaction %u: %s\n", n, strerror(-ret));
	free(lat);
	free(req);
	free(tmp);
	return ret;
}

/* ------------------------------------------------------------------ crr -- */

/* The server end reads the client's FIN (recv 0), then closes. */
static int tb_wait_eof(struct vmk_tcp_sock *s)
{
	uint64_t t0 = tb_now_ns();
	uint8_t x;

	while (!tb_quit) {
		long k = vmk_tcp_recv(s, &x, 1, 0);

		if (k == 0)
			return 0;
		if (k != -EAGAIN)
			return k > 0 ? -EBADMSG : (int)k;
		if (tb_now_ns() - t0 > TB_STALL_NS)
			return -ETIMEDOUT;
	}
	return -EINTR;
}

/* One connection: connect, accept, 1 byte each way, client close first. */
static int tb_one_conn(struct tb *b, struct vmk_tcp_sock *l)
{
	struct vmk_tcp_sock *c = NULL, *s = NULL;
	uint8_t x = 'q', y;
	int ret;

	ret = tb_connect_start(b, &c);
	if (ret < 0)
		return ret;
	ret = tb_establish(l, c, &s);
	if (ret == 0)
		ret = (int)tb_xfer(c, &x, 1, true);
	if (ret == 0)
		ret = (int)tb_xfer(s, &y, 1, false);
	if (ret == 0)
		ret = (int)tb_xfer(s, &y, 1, true);
	if (ret == 0)
		ret = (int)tb_xfer(c, &y, 1, false);
	vmk_tcp_close(c);
	if (ret == 0)
		ret = tb_wait_eof(s);
	if (ret == 0)
		vmk_tcp_close(s);
	else
		vmk_tcp_abort(s);
	return ret;
}

static int tb_short_msl(struct tb *b)
{
	struct vmk_tcp_params p;
	int ret = vmk_tcp_get_params(b->host, NULL, &p);

	if (ret == 0) {
		p.msl_ms = b->o.msl_ms;
		ret = vmk_tcp_set_params(b->host, NULL, &p);
	}
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: msl: %s\n", strerror(-ret));
	return ret;
}

static int tb_crr(struct tb *b, struct vmk_tcp_sock *l)
{
	struct vmk_worker_stats w0;
	uint64_t t0, t1, deadline, n = 0;
	int ret;

	if ((ret = tb_short_msl(b)) < 0)
		return ret;
	for (int i = 0; i < 100 && ret == 0; i++)   /* ARP, first allocations */
		ret = tb_one_conn(b, l);
	tb_worker_sample(b, &w0);
	t0 = tb_now_ns();
	deadline = t0 + (uint64_t)(b->o.seconds * 1e9);
	while (ret == 0 && !tb_quit && tb_now_ns() < deadline) {
		ret = tb_one_conn(b, l);
		n += ret == 0;
	}
	t1 = tb_now_ns();
	if (ret < 0) {
		fprintf(stderr, "vmk-tcp-bench: crr: connection %" PRIu64 ": %s\n", n,
			strerror(-ret));
		return ret;
	}
	printf("{\"tool\":\"vmk-tcp-bench\",\"mode\":\"crr\",\"mtu\":%u,\"msl_ms\":%u,"
	       "\"connections\":%" PRIu64 ",\"seconds\":%.6f,\"cps\":%.1f",
	       b->o.mtu, b->o.msl_ms, n, (double)(t1 - t0) / 1e9, n / ((double)(t1 - t0) / 1e9));
	return tb_json_tail(b, &w0, n);
}

/* ------------------------------------------------------------------ udp -- */

struct tb_udp {
	struct tb *b;
	struct vmk_udp_sock *tx, *rx;  /* vmk0:TB_UDP_SPORT, vmk1:TB_PORT */
	uint64_t seq;                  /* next datagram to send */
	struct tp_dgram_rcv rcv;
	uint64_t warm_lost;            /* lost before the window */
	uint8_t buf[2048];
};

static int tb_udp_open(struct tb *b, struct tb_udp *u)
{
	int ret = vmk_udp_open(b->host, TB_PEER_NS, &u->rx);

	if (ret == 0)
		ret = vmk_udp_bind(u->rx, b->a1, TB_PORT);
	if (ret == 0)
		ret = vmk_udp_open(b->host, NULL, &u->tx);
	if (ret == 0)
		ret = vmk_udp_bind(u->tx, b->a0, TB_UDP_SPORT);
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: udp sockets: %s\n", strerror(-ret));
	return ret;
}

/* Send a burst, drain vmk1's socket: datagrams taken, or a negative errno. */
static long tb_udp_step(void *arg)
{
	struct tb_udp *u = arg;
	struct tb *b = u->b;
	uint8_t d[TP_DGRAM_LEN];
	uint32_t src;
	uint16_t port;
	long got = 0;
	int k;

	/* In flight: sent and neither taken nor skipped (lost). Keeping it
	 * under vmk1's queue (256) measures the stack, not its drop path. */
	for (unsigned int i = 0; i < TB_UDP_BURST && u->seq - u->rcv.next < TB_UDP_WINDOW; i++) {
		tp_dgram_fill(d, u->seq);
		k = vmk_udp_sendto(u->tx, d, sizeof(d), b->a1, TB_PORT);
		if (k == -ENOBUFS)
			break;                  /* the pool is low: read first */
		if (k < 0)
			return k;
		u->seq++;
	}
	while ((k = vmk_udp_recvfrom(u->rx, u->buf, sizeof(u->buf), &src, &port, 0)) >= 0) {
		if (src != b->a0 || port != TB_UDP_SPORT ||
		    tp_dgram_check(&u->rcv, u->buf, (size_t)k) < 0) {
			tp_dgram_complain(&u->rcv, "vmk-tcp-bench");
			return -EBADMSG;
		}
		got++;
	}
	return k == -EAGAIN ? got : k;
}

static int tb_udp(struct tb *b)
{
	struct tb_udp *u = calloc(1, sizeof(*u));
	struct vmk_worker_stats w0;
	uint64_t t0, t1, warm = 0, n = 0;
	int ret = -ENOMEM;

	if (u == NULL || (ret = tb_udp_open(b, u)) < 0)
		goto out;
	u->b = b;
	t0 = tb_now_ns();
	ret = tb_until(tb_udp_step, u, t0 + (uint64_t)(b->o.warmup * 1e9), &warm);
	if (ret < 0)
		goto out;
	tb_worker_sample(b, &w0);
	u->warm_lost = u->rcv.lost;            /* ARP resolution drops the first ones */
	t0 = tb_now_ns();
	ret = tb_until(tb_udp_step, u, t0 + (uint64_t)(b->o.seconds * 1e9), &n);
	t1 = tb_now_ns();
	if (ret < 0)
		goto out;
	printf("{\"tool\":\"vmk-tcp-bench\",\"mode\":\"udp\",\"mtu\":%u,\"seconds\":%.6f,"
	       "\"datagrams\":%" PRIu64 ",\"pps\":%.1f,\"sent\":%" PRIu64 ",\"warmup_datagrams\":%"
	       PRIu64, b->o.mtu, (double)(t1 - t0) / 1e9, n, (double)n / ((double)(t1 - t0) / 1e9),
	       u->seq, warm);
	tp_dgram_json(&u->rcv);
	printf(",\"window_lost\":%" PRIu64 ",\"warmup_lost\":%" PRIu64, u->rcv.lost - u->warm_lost,
	       u->warm_lost);
	ret = tb_json_tail(b, &w0, n + warm);
out:
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: udp: %s\n", strerror(-ret));
	if (u != NULL) {
		vmk_udp_close(u->tx);
		vmk_udp_close(u->rx);
	}
	free(u);
	return ret;
}

/* ----------------------------------------------------------------- main -- */

static int tb_run(struct tb *b)
{
	struct vmk_tcp_sock *l = NULL, *c = NULL, *s = NULL;
	int ret;

	if (b->o.mode == TB_UDP)
		return tb_udp(b);
	ret = tb_listener(b, &l);
	if (ret < 0)
		return ret;
	if (b->o.mode == TB_CRR) {
		ret = tb_crr(b, l);
		vmk_tcp_close(l);
		return ret;
	}
	ret = tb_connect_start(b, &c);
	if (ret == 0)
		ret = tb_establish(l, c, &s);
	if (ret < 0)
		fprintf(stderr, "vmk-tcp-bench: handshake: %s\n", strerror(-ret));
	else if (b->o.mode == TB_STREAM)
		ret = tb_stream(b, c, s);
	else
		ret = tb_rr(b, c, s);
	vmk_tcp_abort(c);
	vmk_tcp_abort(s);
	vmk_tcp_close(l);
	return ret;
}

static int tb_split_args(int argc, char **argv, int *eal_argc)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			*eal_argc = i;
			argv[i] = argv[0];
			return i;
		}
	}
	*eal_argc = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct tb b = { 0 };
	int eal_argc, first, ret;

	first = tb_split_args(argc, argv, &eal_argc);
	ret = tb_parse(argc - first, argv + first, &b.o);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	signal(SIGINT, tb_on_signal);
	signal(SIGTERM, tb_on_signal);
	ret = tb_up(&b, eal_argc, argv);
	if (ret == 0)
		ret = tb_fw_apply(&b);
	if (ret == 0)
		ret = tb_run(&b);
	tb_down(&b);
	return ret < 0 ? 1 : 0;
}
