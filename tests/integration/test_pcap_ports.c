/*
 * Objective: the switch works over net_pcap ports exactly as over rings:
 * frames read from a pcap file are switched, and what the switch transmits
 * lands in pcap files that libpcap reads back. Covers learning across port
 * kinds, VLAN tagging toward an uplink, unknown-unicast flooding and counted
 * drops of malformed frames coming from a file.
 *
 *   port group "Prod" (VLAN 10): rB (net_ring), pA (net_pcap, file in/out)
 *   uplink up0 (net_pcap, empty input, file out)
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <pcap/pcap.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

static char dir[256];
static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct rte_mempool *pool;

static const uint8_t A[6] = { 0x02, 0, 0, 0, 0xa, 1 };
static const uint8_t B[6] = { 0x02, 0, 0, 0, 0xb, 1 };
static const uint8_t C[6] = { 0x02, 0, 0, 0, 0xc, 1 };
static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void put(pcap_dumper_t *d, const uint8_t *dst, const uint8_t *src, int vlan,
		unsigned int len)
{
	uint8_t f[256] = { 0 };
	struct pcap_pkthdr h = { .caplen = len, .len = len };
	unsigned int off = 12;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vlan >= 0) {
		f[off++] = 0x81;
		f[off++] = 0;
		f[off++] = (uint8_t)(vlan >> 8);
		f[off++] = (uint8_t)vlan;
	}
	f[off++] = 0x88;
	f[off++] = 0xb5;
	pcap_dump((u_char *)d, &h, f);
}

static int write_inputs(void)
{
	char path[300];
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;

	snprintf(path, sizeof(path), "%s/a_in.pcap", dir);
	d = pcap_dump_open(p, path);
	if (d == NULL)
		return -1;
	put(d, BC, A, -1, 64);                 /* A announces itself */
	for (int i = 0; i < 10; i++)
		put(d, B, A, -1, 100);             /* known unicast to B */
	put(d, C, A, -1, 80);                  /* unknown unicast */
	put(d, BC, A, -1, 10);                 /* runt */
	put(d, BC, A, 10, 64);                 /* tag on an access port */
	pcap_dump_close(d);
	snprintf(path, sizeof(path), "%s/up_in.pcap", dir);
	d = pcap_dump_open(p, path);           /* empty: header only */
	if (d == NULL)
		return -1;
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

struct pcap_summary {
	unsigned int n;
	unsigned int tagged10;
	unsigned int from_a, from_b;
};

static int read_output(const char *name, struct pcap_summary *s)
{
	char path[300], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	p = pcap_open_offline(path, err);
	if (p == NULL)
		return -1;
	while (pcap_next_ex(p, &h, &data) == 1) {
		s->n++;
		if (h->caplen >= 18 && data[12] == 0x81 && data[13] == 0 &&
		    (((data[14] & 0xf) << 8) | data[15]) == 10)
			s->tagged10++;
		s->from_a += memcmp(data + 6, A, 6) == 0;
		s->from_b += memcmp(data + 6, B, 6) == 0;
	}
	pcap_close(p);
	return 0;
}

static void test_frames_from_pcap_files_are_switched_into_pcap_files(void)
{
	struct vmk_vswitch_params vp;
	struct vmk_port_params pp;
	struct th_ringport rb;
	struct pcap_summary s;
	struct vmk_port_stats st;
	uint32_t id_rb, id_pa, id_up;
	char devargs[700];
	unsigned int lcore = 1;
	struct rte_mbuf *got[64];
	unsigned int n;

	CU_ASSERT_EQUAL_FATAL(write_inputs(), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_host_create(NULL, &host), 0);
	pool = vmk_host_mempool(host);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	CU_ASSERT_EQUAL_FATAL(vmk_vswitch_add(host, &vp, &vs), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "Prod", 10), 0);

	CU_ASSERT_EQUAL_FATAL(th_ringport_create("rB", &rb), 0);
	vmk_port_params_init(&pp);
	pp.name = "rB";
	pp.portgroup = "Prod";
	pp.ethdev_port = rb.port_id;
	CU_ASSERT_EQUAL_FATAL(vmk_port_add(vs, &pp, &id_rb), 0);

	snprintf(devargs, sizeof(devargs), "net_pcap_up0,rx_pcap=%s/up_in.pcap,tx_pcap=%s/up_out.pcap",
		 dir, dir);
	vmk_port_params_init(&pp);
	pp.name = "up0";
	pp.uplink = true;
	pp.devargs = devargs;
	CU_ASSERT_EQUAL_FATAL(vmk_port_add(vs, &pp, &id_up), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_host_start(host, &lcore, 1), 0);

	/* B announces itself from the ring side. */
	th_inject(&rb, th_frame(pool, BC, B, -1, 0x88b5, 64));
	th_sleep_ms(100);

	/* Now A's capture file starts playing. */
	snprintf(devargs, sizeof(devargs), "net_pcap_pa,rx_pcap=%s/a_in.pcap,tx_pcap=%s/a_out.pcap",
		 dir, dir);
	vmk_port_params_init(&pp);
	pp.name = "pA";
	pp.portgroup = "Prod";
	pp.devargs = devargs;
	CU_ASSERT_EQUAL_FATAL(vmk_port_add(vs, &pp, &id_pa), 0);
	n = th_collect(&rb, got, 64, 12, 2000);
	CU_ASSERT_EQUAL(n, 12);                /* A's broadcast, 10 unicasts, 1 flood */
	th_free(got, n);

	/* B answers A: A was learned on the pcap port. */
	th_inject(&rb, th_frame(pool, A, B, -1, 0x88b5, 90));
	th_sleep_ms(200);
	vmk_port_get_stats(vs, id_pa, &st);
	CU_ASSERT_EQUAL(st.rx_packets, 14);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_MALFORMED], 1);
	CU_ASSERT_EQUAL(st.rx_drops[VMK_DROP_VLAN], 1);
	CU_ASSERT_EQUAL(st.tx_packets, 1);

	vmk_host_stop(host);
	vmk_host_destroy(host);   /* closes the pcap files */
	host = NULL;

	CU_ASSERT_EQUAL_FATAL(read_output("a_out.pcap", &s), 0);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_EQUAL(s.from_b, 1);
	CU_ASSERT_EQUAL(s.tagged10, 0);        /* access port: untagged */
	CU_ASSERT_EQUAL_FATAL(read_output("up_out.pcap", &s), 0);
	CU_ASSERT_EQUAL(s.n, 3);               /* B's and A's broadcasts, the flood */
	CU_ASSERT_EQUAL(s.tagged10, 3);        /* uplink: tagged VLAN 10 */
	CU_ASSERT_EQUAL(s.from_a, 2);
	CU_ASSERT_EQUAL(s.from_b, 1);
}

static int suite_init(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vmkt_pcap_%d", (int)getpid());
	return mkdir(dir, 0700) == 0 ? 0 : -1;
}

static int suite_fini(void)
{
	char cmd[300];

	vmk_host_destroy(host);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("pcap_ports", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pcap_ports", suite_init, suite_fini);
	CU_add_test(s, "frames from pcap files are switched into pcap files",
		    test_frames_from_pcap_files_are_switched_into_pcap_files);
	return th_run_suites();
}
