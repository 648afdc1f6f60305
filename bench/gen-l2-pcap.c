/*
 * gen-l2-pcap: write the two pcap files of the L2 forwarding benchmark.
 *
 * Side A's file holds frames src=A_i dst=B_i and side B's file src=B_i
 * dst=A_i, for i = 0..N-1 in order, so consecutive frames always carry
 * different MACs and each file cycles through all N. Once a switch has
 * learned both sides every frame is known unicast. MACs are locally
 * administered unicast: A_i = 02:00:0a:ii:ii:ii, B_i = 02:00:0b:ii:ii:ii
 * (i < 2^23). Frames are IPv4/UDP from host to host, in the benchmark range
 * 198.18.0.0/15: A_i has address 198.18.0.0 + (i mod 65536) and B_i
 * 198.19.0.0 + (i mod 65536); both UDP ports are 1024 + (i / 65536). So every
 * MAC pair has its own 5-tuple: a flow cache keyed on all headers sees
 * exactly one flow per pair, and a 5-tuple hash (NIC RSS, or the software
 * hash an OVS datapath computes when a PMD gives none) differs between pairs,
 * as it would between real hosts.
 *
 * The default frame is 60 bytes: a 64-byte Ethernet frame on the wire less
 * its 4-byte FCS, which neither pcap files nor DPDK mbufs carry.
 *
 * Single-threaded command-line program; not part of the library.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_MACS_MAX  (1u << 23)
#define GEN_LEN_MIN   60u
#define GEN_LEN_MAX   1514u
#define GEN_ETH_HLEN  14u
#define GEN_IP_HLEN   20u
#define GEN_UDP_HLEN  8u

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gen-l2-pcap --macs N --out-a FILE --out-b FILE [--len BYTES] [--scatter]\n"
		"  --macs N      source MACs per side, 1..%u\n"
		"  --out-a FILE  side A frames (src A_i, dst B_i)\n"
		"  --out-b FILE  side B frames (src B_i, dst A_i)\n"
		"  --len BYTES   frame length without FCS, %u..%u (default %u)\n"
		"  --scatter     MAC suffixes scrambled (a bijection of i), not sequential\n",
		GEN_MACS_MAX, GEN_LEN_MIN, GEN_LEN_MAX, GEN_LEN_MIN);
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static bool gen_scatter;

/* A bijection of 24-bit numbers that spreads neighbours far apart (odd
 * multiply, xor-shift, odd multiply; each step invertible mod 2^24). */
static uint32_t gen_scramble(uint32_t i)
{
	i = (i * 0x9e3779u) & 0xffffff;
	i ^= i >> 12;
	i = (i * 0x5bd1e9u) & 0xffffff;
	return i ^ (i >> 11);
}

static void gen_mac(uint8_t mac[6], uint8_t side, uint32_t i)
{
	if (gen_scatter)
		i = gen_scramble(i);
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x00;
	mac[2] = side;
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

static uint16_t gen_ip_csum(const uint8_t *hdr, size_t len)
{
	uint32_t sum = 0;
	size_t k;

	for (k = 0; k + 1 < len; k += 2)
		sum += (uint32_t)hdr[k] << 8 | hdr[k + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void gen_ip(uint8_t ip[4], uint8_t side, uint32_t i)
{
	uint32_t a = (198u << 24) | ((side == 0x0a ? 18u : 19u) << 16) | (i & 0xffff);

	ip[0] = (uint8_t)(a >> 24);
	ip[1] = (uint8_t)(a >> 16);
	ip[2] = (uint8_t)(a >> 8);
	ip[3] = (uint8_t)a;
}

/* Addresses and checksum of frame i. */
static void gen_fill(uint8_t *frame, uint8_t src_side, uint8_t dst_side, uint32_t i)
{
	uint8_t *ip = frame + GEN_ETH_HLEN;
	uint16_t csum;

	gen_mac(frame, dst_side, i);
	gen_mac(frame + 6, src_side, i);
	gen_ip(ip + 12, src_side, i);
	gen_ip(ip + 16, dst_side, i);
	ip[GEN_IP_HLEN + 0] = ip[GEN_IP_HLEN + 2] = (uint8_t)(0x04 + (i >> 24));
	ip[GEN_IP_HLEN + 1] = ip[GEN_IP_HLEN + 3] = (uint8_t)(i >> 16);
	ip[10] = 0;
	ip[11] = 0;
	csum = gen_ip_csum(ip, GEN_IP_HLEN);
	ip[10] = (uint8_t)(csum >> 8);
	ip[11] = (uint8_t)csum;
}

/* Fill the headers that do not depend on i: IPv4 + UDP + zero payload. */
static void gen_template(uint8_t *frame, uint32_t len)
{
	uint8_t *ip = frame + GEN_ETH_HLEN;
	uint8_t *udp = ip + GEN_IP_HLEN;
	uint32_t ip_len = len - GEN_ETH_HLEN;
	uint32_t udp_len = ip_len - GEN_IP_HLEN;

	memset(frame, 0, len);
	frame[12] = 0x08; /* ethertype IPv4 */
	frame[13] = 0x00;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[8] = 64;   /* TTL */
	ip[9] = 17;   /* UDP */
	udp[0] = 0x04; udp[1] = 0x00; /* 1024 */
	udp[2] = 0x04; udp[3] = 0x00;
	udp[4] = (uint8_t)(udp_len >> 8);
	udp[5] = (uint8_t)udp_len;
	/* UDP checksum 0: none (IPv4) */
}

static int gen_file(const char *path, uint32_t n_macs, uint32_t len,
		    uint8_t src_side, uint8_t dst_side)
{
	uint8_t frame[GEN_LEN_MAX];
	struct pcap_pkthdr hdr;
	pcap_dumper_t *dumper;
	pcap_t *dead;
	uint32_t i;
	int rc = 0;

	dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (dead == NULL) {
		fprintf(stderr, "gen-l2-pcap: pcap_open_dead failed\n");
		return -ENOMEM;
	}
	dumper = pcap_dump_open(dead, path);
	if (dumper == NULL) {
		fprintf(stderr, "gen-l2-pcap: %s: %s\n", path, pcap_geterr(dead));
		rc = -EIO;
		goto close_dead;
	}

	gen_template(frame, len);
	memset(&hdr, 0, sizeof(hdr));
	hdr.caplen = len;
	hdr.len = len;
	for (i = 0; i < n_macs; i++) {
		gen_fill(frame, src_side, dst_side, i);
		hdr.ts.tv_sec = i / 1000000;
		hdr.ts.tv_usec = i % 1000000;
		pcap_dump((u_char *)dumper, &hdr, frame);
	}
	if (pcap_dump_flush(dumper) != 0) {
		fprintf(stderr, "gen-l2-pcap: %s: write failed\n", path);
		rc = -EIO;
	}
	pcap_dump_close(dumper);
close_dead:
	pcap_close(dead);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "macs", required_argument, NULL, 'n' },
		{ "out-a", required_argument, NULL, 'a' },
		{ "out-b", required_argument, NULL, 'b' },
		{ "len", required_argument, NULL, 'l' },
		{ "scatter", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_a = NULL, *out_b = NULL;
	uint32_t n_macs = 0, len = GEN_LEN_MIN;
	int c;

	while ((c = getopt_long(argc, argv, "n:a:b:l:sh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u32(optarg, 1, GEN_MACS_MAX, &n_macs) < 0) {
				fprintf(stderr, "gen-l2-pcap: bad --macs '%s'\n", optarg);
				return 2;
			}
			break;
		case 'a':
			out_a = optarg;
			break;
		case 'b':
			out_b = optarg;
			break;
		case 'l':
			if (parse_u32(optarg, GEN_LEN_MIN, GEN_LEN_MAX, &len) < 0) {
				fprintf(stderr, "gen-l2-pcap: bad --len '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			gen_scatter = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || n_macs == 0 || out_a == NULL || out_b == NULL) {
		usage(stderr);
		return 2;
	}
	if (gen_file(out_a, n_macs, len, 0x0a, 0x0b) < 0 ||
	    gen_file(out_b, n_macs, len, 0x0b, 0x0a) < 0)
		return 1;
	return 0;
}
