/*
 * Objective: packet capture at switch ports writes what crossed the port,
 * in the direction asked, through the filters asked, into pcap and pcapng
 * files that tshark reads; frames forwarding is not changed by capturing;
 * stopping detaches cleanly.
 *
 *   port group "VM Network" VLAN 10: a1, a2 (net_ring); uplink up0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

enum { A1, A2, UP0, NP };
static const char *names[NP] = { "a1", "a2", "up0" };
static struct vmk_host *host;
static struct vmk_vswitch *vs;
static struct th_ringport rp[NP];
static uint32_t pid[NP];
static struct rte_mempool *pool;
static uint8_t mac[NP][6];
static char dir[64];

static int setup(void)
{
	struct vmk_vswitch_params vp;
	unsigned int lcore = 1;

	snprintf(dir, sizeof(dir), "/tmp/vmkt_cap_%d", (int)getpid());
	if (vmk_host_create(NULL, &host) != 0 || mkdir(dir, 0700) != 0)
		return -1;
	pool = vmk_host_mempool(host);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	if (vmk_vswitch_add(host, &vp, &vs) != 0 || vmk_portgroup_add(vs, "VM Network", 10))
		return -1;
	for (int i = 0; i < NP; i++) {
		struct vmk_port_params pp;

		th_mac(mac[i], 0xca, (uint8_t)(i + 1));
		if (th_ringport_create(names[i], &rp[i]) != 0)
			return -1;
		vmk_port_params_init(&pp);
		pp.name = names[i];
		pp.ethdev_port = rp[i].port_id;
		pp.uplink = i == UP0;
		pp.portgroup = i == UP0 ? NULL : "VM Network";
		pp.has_mac = i != UP0;
		memcpy(pp.mac, mac[i], 6);
		if (vmk_port_add(vs, &pp, &pid[i]) != 0)
			return -1;
	}
	return vmk_host_start(host, &lcore, 1);
}

static int teardown(void)
{
	char cmd[128];

	vmk_host_destroy(host);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* tshark's count of frames in file matching a display filter (-1: error). */
static int tshark_count(const char *file, const char *dfilter)
{
	char cmd[512], line[64];
	FILE *f;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y '%s' -T fields -e frame.number 2>/dev/null",
		 file, dfilter);
	f = popen(cmd, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	return pclose(f) == 0 ? n : -1;
}

static void traffic(void)
{
	uint8_t ext[6];

	th_mac(ext, 0xee, 1);
	for (int k = 0; k < 5; k++)
		th_inject(&rp[A1], th_frame(pool, mac[A2], mac[A1], -1, 0x0800, 100));
	for (int k = 0; k < 3; k++)
		th_inject(&rp[A1], th_frame(pool, ext, mac[A1], -1, 0x86dd, 80));
	th_inject(&rp[A2], th_frame(pool, mac[A1], mac[A2], -1, 0x0800, 90));
}

static void test_uplink_capture_out_writes_tagged_frames_tshark_reads(void)
{
	struct vmk_capture *c;
	char file[128];
	long n;
	uint64_t got, dropped;

	th_drain(rp, NP);
	snprintf(file, sizeof(file), "%s/up0.pcap", dir);
	CU_ASSERT_EQUAL_FATAL(vmk_capture_start(vs, pid[UP0], VMK_CAPTURE_OUT, NULL, 0, &c), 0);
	traffic();
	n = vmk_capture_write_file(c, file, false, 3, 2000, NULL);
	CU_ASSERT_EQUAL(n, 3);                    /* the three frames to ext */
	vmk_capture_stats(c, &got, &dropped);
	CU_ASSERT_EQUAL(got, 3);
	CU_ASSERT_EQUAL(dropped, 0);
	vmk_capture_stop(c);
	CU_ASSERT_EQUAL(tshark_count(file, "vlan.id == 10 && ipv6"), 3);
	th_drain(rp, NP);
}

static void test_port_capture_in_honours_filters_and_pcapng(void)
{
	struct vmk_capture_filter f;
	struct vmk_capture *c;
	char file[128];
	long n;
	unsigned int got;
	struct rte_mbuf *m[16];

	th_drain(rp, NP);
	snprintf(file, sizeof(file), "%s/a1.pcapng", dir);
	vmk_capture_filter_init(&f);
	f.ethtype = 0x0800;                       /* a1's IPv4 frames only */
	CU_ASSERT_EQUAL_FATAL(vmk_capture_start(vs, pid[A1], VMK_CAPTURE_IN, &f, 64, &c), 0);
	{
		struct vmk_capture *second = NULL;

		CU_ASSERT_EQUAL(vmk_capture_start(vs, pid[A1], VMK_CAPTURE_BOTH, NULL, 0, &second),
				-EBUSY);
	}
	traffic();
	n = vmk_capture_write_file(c, file, true, 5, 2000, NULL);
	CU_ASSERT_EQUAL(n, 5);
	vmk_capture_stop(c);
	CU_ASSERT_EQUAL(tshark_count(file, "eth.type == 0x0800 && frame.len == 100"), 5);
	CU_ASSERT_EQUAL(tshark_count(file, "frame.p2p_dir == 1"), 5);   /* received */
	/* Forwarding went on unchanged while capturing. */
	got = th_collect(&rp[A2], m, 16, 5, 500);
	CU_ASSERT_EQUAL(got, 5);
	th_free(m, got);
	th_drain(rp, NP);
	/* Bad requests. */
	CU_ASSERT_EQUAL(vmk_capture_start(vs, 999, VMK_CAPTURE_IN, NULL, 0, &c), -ENOENT);
	CU_ASSERT_EQUAL(vmk_capture_start(vs, pid[A1], VMK_CAPTURE_IN, NULL, 100, &c), -EINVAL);
	CU_ASSERT_EQUAL(vmk_capture_start(vs, pid[A1], (enum vmk_capture_dir)7, NULL, 0, &c),
			-EINVAL);
	vmk_capture_stop(NULL);
}

/* pktcap-uw's one-sided filters: at a2's port, both directions, --dstmac
 * a2 keeps the five frames a1 sends it and not the one a2 sends; --srcmac
 * a2 only that one (--mac a2, either side, would keep all six). */
static void test_one_sided_mac_filters_keep_only_that_side(void)
{
	struct vmk_capture_filter f;
	struct vmk_capture *c;
	char file[128];

	for (int side = 0; side < 2; side++) {
		th_drain(rp, NP);
		snprintf(file, sizeof(file), "%s/a2-%d.pcap", dir, side);
		vmk_capture_filter_init(&f);
		if (side == 0) {
			f.has_dstmac = true;
			memcpy(f.dstmac, mac[A2], 6);
		} else {
			f.has_srcmac = true;
			memcpy(f.srcmac, mac[A2], 6);
		}
		CU_ASSERT_EQUAL_FATAL(vmk_capture_start(vs, pid[A2], VMK_CAPTURE_BOTH, &f, 0, &c), 0);
		traffic();
		CU_ASSERT_EQUAL(vmk_capture_write_file(c, file, false, 6, 500, NULL), side == 0 ? 5 : 1);
		vmk_capture_stop(c);
	}
	th_drain(rp, NP);
}

int main(void)
{
	CU_pSuite s;

	if (th_need("tshark") != 0)
		return 1;
	if (th_eal_init("capture", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("capture", setup, teardown);
	CU_add_test(s, "uplink capture out writes tagged frames tshark reads",
		    test_uplink_capture_out_writes_tagged_frames_tshark_reads);
	CU_add_test(s, "port capture in honours filters and pcapng",
		    test_port_capture_in_honours_filters_and_pcapng);
	CU_add_test(s, "one-sided MAC filters keep only that side",
		    test_one_sided_mac_filters_keep_only_that_side);
	return th_run_suites();
}
