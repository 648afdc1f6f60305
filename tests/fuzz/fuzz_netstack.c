/*
 * libFuzzer harness: a netstack's input (tcpip/: ns_input, the function the
 * vSwitch's vmknic port hands frames to) with ARP, IPv4 with options and
 * reassembly, ICMP, UDP and TCP behind it, and its timers. Each input runs
 * on a fresh netstack "fz" with one adapter (vmk1, 192.0.2.1/24, MAC
 * 02:00:00:00:00:01, MTU 9000) that knows the peer 192.0.2.2
 * (02:00:00:00:00:02), a TCP listener on port 8000, a connection on it
 * established from the peer's port 40000, and a UDP socket on port 9000;
 * the input's frames then arrive one after the other, state carried from
 * one to the next. The application side reads what arrives (accept, recv,
 * recvfrom) after every frame. ISN keys are zero and time is the input's,
 * so a run is reproducible.
 *
 * Input: records of [flags][length, 2 bytes little endian][Ethernet frame].
 * flags: bit 0 fix the IPv4 header checksum, bit 1 fix the TCP/UDP/ICMP
 * checksum (unfragmented datagrams), bit 2 TCP sequence and
 * acknowledgement numbers count from the established connection's (peer
 * port 40000 to 8000), bit 3 run the timers after the frame, bits 4-7:
 * time passes before the frame (0: none, k: 4^k microseconds, up to
 * about 18 minutes).
 *
 * The host firewall is on (tcpip/fw_*.c): default action DROP, the
 * built-in rulesets (vMotion lets TCP 8000 through), and "fuzzUdp" for UDP
 * 9000 both ways from 192.0.2.0/25 only; a connection table of 64
 * entries, so inputs reach its verdicts, ICMP-error matching and a full
 * table.
 *
 * Invariants checked: every frame the stack sends is well formed as an
 * mbuf and no longer than the MTU allows; no mbuf is lost (when the
 * netstack is gone the pool holds what it held before).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_mbuf.h>

#include <vmknet/vmknet.h>

#include "common.h"
#include "tcpip/netstack.h"
#include "lib/host.h"
#include "tcpip/tcp.h"
#include "vmknic/vmknic.h"

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define VMK_IP   A(192, 0, 2, 1)
#define PEER_IP  A(192, 0, 2, 2)
#define MASK24   A(255, 255, 255, 0)
#define PORT     8000
#define PPORT    40000
#define UPORT    9000
#define PISS     1000u
#define MTU      9000u
#define FRAME_MAX (MTU + 18u)

static const uint8_t vmk_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 2 };

static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct rte_mempool *pool;

struct run {
	struct netstack *ns;
	struct vmk_vmknic *nic;
	struct vmk_tcp_sock *lsn, *conn, *acc[8];
	unsigned int n_acc;
	struct vmk_udp_sock *udp;
	uint64_t now;
	uint32_t our_iss;
};

static void firewall_on(void)
{
	static const struct vmk_fw_rule udp[] = {
		{ VMK_FW_INBOUND, VMK_FW_UDP, VMK_FW_PORT_DST, UPORT, UPORT },
		{ VMK_FW_OUTBOUND, VMK_FW_UDP, VMK_FW_PORT_SRC, UPORT, UPORT },
	};
	struct vmk_fw_config *fw = malloc(sizeof(*fw));
	struct vmk_fw_ruleset *rs;

	if (fw == NULL)
		abort();
	vmk_fw_config_default(fw);
	fw->enabled = true;
	fw->conn_max = 64;
	rs = &fw->rulesets[fw->n_rulesets++];
	memset(rs, 0, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "fuzzUdp");
	rs->enabled = true;
	rs->n_rules = 2;
	memcpy(rs->rules, udp, sizeof(udp));
	rs->n_allowed = 1;
	rs->allowed[0] = (struct vmk_fw_allowed){ A(192, 0, 2, 0), 25 };
	if (vmk_firewall_apply(host, fw) < 0)
		abort();
	free(fw);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmk_host_params hp;
	struct vmk_vswitch_params vp;

	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_netstack");
	vmk_host_params_init(&hp);
	hp.n_mbufs = 4095;
	hp.max_workers = 1;
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = MTU;
	if (vmk_host_create(&hp, &host) < 0 || vmk_vswitch_add(host, &vp, &vs) < 0 ||
	    vmk_portgroup_add(vs, "PG", 0) < 0)
		abort();
	pool = vmk_host_mempool(host);
	firewall_on();
	return 0;
}

static void out_check(struct rte_mbuf *m)
{
	uint32_t len = 0;
	uint16_t segs = 0;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		len += s->data_len;
		segs++;
	}
	FUZZ_CHECK(len == m->pkt_len && segs == m->nb_segs);
	FUZZ_CHECK(m->pkt_len >= 14 && m->pkt_len <= FRAME_MAX);
}

/* Take what the stack sent; the SYN-ACK of the handshake gives our ISS. */
static void drain(struct run *r, bool want_iss)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(r->nic->ifc.txq, (void **)&m) == 0) {
		out_check(m);
		if (want_iss && m->pkt_len >= 14 + 20 + 20 && m->nb_segs == 1) {
			const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

			if (p[12] == 0x08 && p[13] == 0 && p[23] == IPPROTO_TCP) {
				const uint8_t *t = p + 14 + (p[14] & 0xf) * 4;

				r->our_iss = (uint32_t)t[4] << 24 | t[5] << 16 | t[6] << 8 | t[7];
			}
		}
		rte_pktmbuf_free(m);
	}
}

static void input(struct run *r, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = pkt_alloc(pool, len);

	if (m == NULL)
		return;
	pkt_write(m, 0, frame, len);
	vmk_spin_lock(&r->ns->lock);
	ns_input(r->ns, &r->nic->ifc, m, r->now);
	vmk_spin_unlock(&r->ns->lock);
}

static void timers(struct run *r)
{
	vmk_spin_lock(&r->ns->lock);
	ns_timers(r->ns, r->now);
	vmk_spin_unlock(&r->ns->lock);
}

/* Checksums of a frame in buf (len bytes) as flags ask. */
static void fix(uint8_t *buf, uint32_t len, uint8_t flags, const struct run *r)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	uint32_t ihl, tot;
	uint8_t *l4;

	if (len < 14 + 20 || buf[12] != 0x08 || buf[13] != 0x00)
		return;
	ihl = (ip->version_ihl & 0xf) * 4u;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < 20 || 14 + ihl > len)
		return;
	l4 = buf + 14 + ihl;
	if ((flags & 4) && ip->next_proto_id == IPPROTO_TCP && tot >= ihl + 20 &&
	    14 + ihl + 20 <= len) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		if (t->src_port == RTE_BE16(PPORT) && t->dst_port == RTE_BE16(PORT)) {
			t->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(t->sent_seq) + PISS + 1);
			t->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(t->recv_ack) +
						       r->our_iss + 1);
		}
	}
	if ((flags & 2) && tot >= ihl && 14 + tot <= len &&
	    (rte_be_to_cpu_16(ip->fragment_offset) & 0x3fff) == 0) {
		uint32_t l4len = tot - ihl;

		if (ip->next_proto_id == IPPROTO_TCP && l4len >= 20) {
			((struct rte_tcp_hdr *)l4)->cksum = 0;
			((struct rte_tcp_hdr *)l4)->cksum = rte_ipv4_udptcp_cksum(ip, l4);
		} else if (ip->next_proto_id == IPPROTO_UDP && l4len >= 8) {
			((struct rte_udp_hdr *)l4)->dgram_cksum = 0;
			((struct rte_udp_hdr *)l4)->dgram_cksum = rte_ipv4_udptcp_cksum(ip, l4);
		} else if (ip->next_proto_id == IPPROTO_ICMP && l4len >= 4) {
			l4[2] = l4[3] = 0;
			uint16_t c = (uint16_t)~rte_raw_cksum(l4, l4len);

			memcpy(l4 + 2, &c, 2);
		}
	}
	if (flags & 1) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl);
	}
}

/* A frame from the peer: Ethernet + IPv4 + TCP (no options but MSS, window
 * scale, SACK permitted in a SYN), checksums right. */
static void peer_tcp(struct run *r, uint32_t seq, uint32_t ack, uint8_t tcp_flags)
{
	uint8_t f[14 + 20 + 32] = { 0 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(f + 34);
	uint32_t hl = tcp_flags & RTE_TCP_SYN_FLAG ? 32 : 20;

	memcpy(f, vmk_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08;
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + hl));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = PEER_IP;
	ip->dst_addr = VMK_IP;
	t->src_port = RTE_BE16(PPORT);
	t->dst_port = RTE_BE16(PORT);
	t->sent_seq = rte_cpu_to_be_32(seq);
	t->recv_ack = rte_cpu_to_be_32(ack);
	t->data_off = (uint8_t)((hl / 4) << 4);
	t->tcp_flags = tcp_flags;
	t->rx_win = RTE_BE16(65535);
	if (hl == 32) {
		static const uint8_t opts[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1 };

		memcpy(f + 54, opts, sizeof(opts));
	}
	fix(f, 14 + 20 + hl, 3, r);
	input(r, f, 14 + 20 + hl);
}

static int run_start(struct run *r)
{
	struct vmk_vmknic_params p;
	uint8_t arp[42] = { 0 };

	memset(r, 0, sizeof(*r));
	r->now = 1000ull * 1000000;
	if (vmk_netstack_add(host, "fz") < 0)
		return -1;
	vmk_vmknic_params_init(&p);
	p.name = "vmk1";
	p.vswitch = vs;
	p.portgroup = "PG";
	p.netstack = "fz";
	p.mac = vmk_mac;
	p.mtu = MTU;
	p.ipv4 = VMK_IP;
	p.netmask = MASK24;
	if (vmk_vmknic_add(host, &p, NULL) < 0)
		return -1;
	r->nic = vmknic_find(host_vmknics(host), "vmk1");
	r->ns = r->nic->ifc.ns;
	memset(r->ns->tcp->isn_key, 0, sizeof(r->ns->tcp->isn_key));
	memset(r->ns->tcp->cookie_key, 0, sizeof(r->ns->tcp->cookie_key));
	r->ns->tcp->tx_offload = false;
	drain(r, false);
	/* The peer asks who has 192.0.2.1: its MAC is learnt. */
	memset(arp, 0xff, 6);
	memcpy(arp + 6, peer_mac, 6);
	arp[12] = 0x08, arp[13] = 0x06;
	memcpy(arp + 14, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
	memcpy(arp + 22, peer_mac, 6);
	memcpy(arp + 28, &(rte_be32_t){ PEER_IP }, 4);
	memcpy(arp + 38, &(rte_be32_t){ VMK_IP }, 4);
	input(r, arp, sizeof(arp));
	drain(r, false);
	if (vmk_tcp_open(host, "fz", &r->lsn) < 0 || vmk_tcp_bind(r->lsn, 0, PORT) < 0 ||
	    vmk_tcp_listen(r->lsn, 4) < 0)
		return -1;
	peer_tcp(r, PISS, 0, RTE_TCP_SYN_FLAG);
	drain(r, true);
	peer_tcp(r, PISS + 1, r->our_iss + 1, RTE_TCP_ACK_FLAG);
	drain(r, false);
	if (vmk_tcp_accept(r->lsn, &r->conn, NULL, NULL, 0) < 0)
		return -1;
	if (vmk_udp_open(host, "fz", &r->udp) < 0 || vmk_udp_bind(r->udp, 0, UPORT) < 0)
		return -1;
	return 0;
}

/* The application reads what arrived. */
static void app(struct run *r)
{
	static uint8_t buf[65536];
	struct vmk_tcp_sock *c;

	while (r->n_acc < RTE_DIM(r->acc) && vmk_tcp_accept(r->lsn, &c, NULL, NULL, 0) == 0)
		r->acc[r->n_acc++] = c;
	while (vmk_tcp_recv(r->conn, buf, sizeof(buf), 0) > 0)
		;
	for (unsigned int i = 0; i < r->n_acc; i++)
		while (vmk_tcp_recv(r->acc[i], buf, sizeof(buf), 0) > 0)
			;
	while (vmk_udp_recvfrom(r->udp, buf, sizeof(buf), NULL, NULL, 0) >= 0)
		;
}

static void run_end(struct run *r)
{
	if (r->ns != NULL)
		drain(r, false);
	for (unsigned int i = 0; i < r->n_acc; i++)
		vmk_tcp_abort(r->acc[i]);
	if (r->conn != NULL)
		vmk_tcp_abort(r->conn);
	if (r->lsn != NULL)
		vmk_tcp_close(r->lsn);
	vmk_udp_close(r->udp);
	if (r->ns != NULL)
		drain(r, false);
	if (vmk_vmknic_remove(host, "vmk1") < 0 && r->nic != NULL)
		abort();
	if (vmk_netstack_remove(host, "fz") < 0) {
		fprintf(stderr, "fuzz_netstack: netstack not removed: %s\n", vmk_ip_last_error());
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FRAME_MAX];
	static unsigned int in_use;
	struct run r;
	size_t off = 0;

	if (in_use == 0)
		in_use = rte_mempool_in_use_count(pool);
	if (run_start(&r) < 0) {
		fprintf(stderr, "fuzz_netstack: set-up failed: %s\n", vmk_ip_last_error());
		abort();
	}
	while (off + 3 <= size) {
		uint8_t flags = data[off];
		uint32_t len = (uint32_t)(data[off + 1] | data[off + 2] << 8);

		off += 3;
		len = RTE_MIN(len, (uint32_t)(size - off));
		len = RTE_MIN(len, FRAME_MAX);
		if (flags >> 4)
			r.now += 1ull << (2 * (flags >> 4));
		memcpy(frame, data + off, len);
		off += len;
		fix(frame, len, flags, &r);
		if (len > 0)
			input(&r, frame, len);
		if (flags & 8)
			timers(&r);
		drain(&r, false);
		app(&r);
	}
	run_end(&r);
	FUZZ_CHECK(rte_mempool_in_use_count(pool) == in_use);
	return 0;
}
