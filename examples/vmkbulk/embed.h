/*
 * The host a measuring tool embeds, built the way a hypervisor service
 * builds its own: EAL (the options before "--"), a host with one worker
 * lcore, vSwitch0 with the port group "Management Network", one uplink
 * vmnic0 from DPDK devargs (net_af_packet0,iface=eth1, net_tap0, a PCI
 * address) and vmk0 with an IPv4 address, mask and MTU in
 * defaultTcpipStack. Public API only.
 *
 * Shared by vmkbulk and vmkrr (examples/vmkrr/embed.[ch] are links to
 * these files). Thread: the program's main thread.
 */
#ifndef VMK_EXAMPLES_EMBED_H
#define VMK_EXAMPLES_EMBED_H

#include <stdbool.h>
#include <stdint.h>

#include <getopt.h>
#include <stdio.h>

#include <vmknet/vmknet.h>

struct embed_opts {
	const char *uplink;        /* devargs of vmnic0 (required) */
	uint32_t addr, mask;       /* vmk0's address and mask, network order */
	uint32_t gw;               /* 0: none */
	uint32_t mtu;              /* vmk0 and vSwitch0; default 1500 */
};

struct embed {
	struct vmk_host *host;
	struct vmk_vswitch *vs;
	bool eal_up;
};

/* The options every tool takes for its host, for getopt_long (values
 * 0x100.., and 'h' for --help). */
#define EMBED_LONG_OPTIONS \
	{ "uplink", required_argument, NULL, 0x100 }, \
	{ "ip", required_argument, NULL, 0x101 },     \
	{ "mtu", required_argument, NULL, 0x102 },    \
	{ "gw", required_argument, NULL, 0x103 },     \
	{ "help", no_argument, NULL, 'h' }

#define EMBED_USAGE \
	"  --uplink DEVARGS   vmnic0, e.g. net_af_packet0,iface=veth0 (required)\n" \
	"  --ip A.B.C.D/N     vmk0's address and prefix length (required)\n"       \
	"  --mtu N            vmk0's MTU, 1280..9000 (default 1500)\n"              \
	"  --gw A.B.C.D       default gateway of defaultTcpipStack\n"

/*
 * Parse a tool's arguments (argv[0] is its name): EMBED_LONG_OPTIONS, which
 * longs must hold, fill host (defaults first); every other option goes to
 * tool_option(tool, c, optarg), which returns 0 or -1 (message printed).
 * Returns 0, 1 (--help: usage printed on stdout) or -1 (bad usage, a
 * stray argument, or no --uplink/--ip).
 */
int embed_getopt(int argc, char **argv, const char *shorts, const struct option *longs,
		 struct embed_opts *host, const char *prog,
		 int (*tool_option)(void *tool, int c, const char *arg), void *tool,
		 void (*usage)(FILE *f));

/* "A.B.C.D:PORT" into a network-order address and a port. 0 or -1. */
int embed_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port);

/* Split argv at "--": EAL gets what comes before. Sets *eal_argc; returns
 * the index of the tool's argv[0] (the "--" itself, renamed argv[0]). */
int embed_split_args(int argc, char **argv, int *eal_argc);

/* Bring EAL up (argv[0..eal_argc)) and build the host. 0, or a negative
 * errno with a message on stderr; embed_down undoes what was done. */
int embed_up(struct embed *e, int eal_argc, char **argv, const struct embed_opts *o,
	     const char *prog);

/* Stop and destroy the host, release EAL. Accepts a half-built e. */
void embed_down(struct embed *e);

/* Monotonic time in nanoseconds. */
uint64_t embed_now_ns(void);

#endif
