/*
 * Unit tests of the configuration document's "nioc" section
 * (include/vmknet/config.h, lib/config_json_nioc.c,
 * lib/config_validate_nioc.c, lib/config_apply_nioc.c): a document without
 * one holds the library's defaults; every field round-trips through the
 * text and the file; class names are read in any case; every broken field
 * (wrong type, unknown class or field, out of range, limit below the
 * reservation, priority tag without CoS, DSCP for virtualMachine,
 * reservations too large for a speed, a class or NIC twice) is refused with
 * its path, and a refused document leaves the target as it was.
 * vmk_config_apply gives the host the document's marking, classes and NIOC
 * state, and a change that fails part-way leaves the old ones running (a
 * real host, no worker).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/config_doc.h"
#include "support/harness.h"


#define DOC(body) "{\"schema_version\": 1, \"host\": {\"name\": \"esx1\"}, \"vswitches\": []" \
	body "}"
#define NIOC(body) DOC(", \"nioc\": {" body "}")
#define CLASS(name, body) NIOC("\"classes\": {\"" name "\": {" body "}}")

static void test_a_document_without_nioc_holds_the_library_defaults(void)
{
	struct vmk_config *cfg;
	const struct vmk_config_nioc_class *k;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0);
	CU_ASSERT_EQUAL_FATAL(th_cfg_parse(DOC(""), cfg), 0);
	CU_ASSERT_FALSE(cfg->nioc.enabled);
	CU_ASSERT_EQUAL(cfg->nioc.n_speeds, 0);
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		k = &cfg->nioc.classes[c];
		CU_ASSERT_EQUAL(k->sched.shares, c == VMK_TC_VIRTUAL_MACHINE ? 100u : 50u);
		CU_ASSERT_EQUAL(k->sched.reservation_mbps, 0);
		CU_ASSERT_EQUAL(k->sched.limit_mbps, VMK_NIOC_UNLIMITED);
		CU_ASSERT_EQUAL(k->mark.dscp, -1);
		CU_ASSERT_EQUAL(k->mark.cos, -1);
		CU_ASSERT_FALSE(k->mark.priority_tag);
	}
	vmk_config_destroy(cfg);
}

#define FULL NIOC("\"enabled\": true, \"classes\": {" \
	"\"VMOTION\": {\"shares\": 100, \"reservationMbps\": 300, \"limitMbps\": 900, " \
	"\"dscp\": 26, \"cos\": 4, \"priorityTag\": true}, " \
	"\"faultToleranceLogging\": {\"dscp\": 46}, \"virtualMachine\": {\"cos\": 1}}, " \
	"\"uplinks\": {\"vmnic0\": {\"speedMbps\": 2000}, \"vmnic1\": {\"speedMbps\": 400}}")

static void test_every_nioc_field_round_trips_in_any_case(void)
{
	struct vmk_config *cfg, *back;
	const struct vmk_config_nioc_class *v, *ft;
	char *text;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0 && vmk_config_create(&back) == 0);
	CU_ASSERT_EQUAL_FATAL(th_cfg_parse(FULL, cfg), 0);
	v = &cfg->nioc.classes[VMK_TC_VMOTION];
	ft = &cfg->nioc.classes[VMK_TC_FT_LOGGING];
	CU_ASSERT_TRUE(cfg->nioc.enabled);
	CU_ASSERT_EQUAL(v->sched.shares, 100);
	CU_ASSERT_EQUAL(v->sched.reservation_mbps, 300);
	CU_ASSERT_EQUAL(v->sched.limit_mbps, 900);
	CU_ASSERT_EQUAL(v->mark.dscp, 26);
	CU_ASSERT_EQUAL(v->mark.cos, 4);
	CU_ASSERT_TRUE(v->mark.priority_tag);
	CU_ASSERT_EQUAL(ft->mark.dscp, 46);                /* the rest: defaults */
	CU_ASSERT_EQUAL(ft->sched.shares, 50);
	CU_ASSERT_EQUAL(cfg->nioc.classes[VMK_TC_VIRTUAL_MACHINE].mark.cos, 1);
	CU_ASSERT_EQUAL(vmk_config_nic_speed(cfg, "vmnic0"), 2000);
	CU_ASSERT_EQUAL(vmk_config_nic_speed(cfg, "vmnic1"), 400);
	CU_ASSERT_EQUAL(vmk_config_nic_speed(cfg, "vmnic2"), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_config_to_json(cfg, &text), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"vMotion\""));     /* the canonical name */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"reservationMbps\":\t300"));
	CU_ASSERT_EQUAL(th_cfg_parse(text, back), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg->nioc, &back->nioc, sizeof(cfg->nioc)), 0);
	free(text);
	vmk_config_destroy(cfg);
	vmk_config_destroy(back);
}

static void test_speeds_are_set_replaced_and_removed(void)
{
	struct vmk_config *cfg;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0);
	CU_ASSERT_EQUAL(vmk_config_set_nic_speed(cfg, "vmnic0", 1000), 0);
	CU_ASSERT_EQUAL(vmk_config_set_nic_speed(cfg, "vmnic1", 10000), 0);
	CU_ASSERT_EQUAL(vmk_config_set_nic_speed(cfg, "vmnic0", 2500), 0);
	CU_ASSERT_EQUAL(cfg->nioc.n_speeds, 2);
	CU_ASSERT_EQUAL(vmk_config_nic_speed(cfg, "vmnic0"), 2500);
	CU_ASSERT_EQUAL(vmk_config_set_nic_speed(cfg, "vmnic0", 0), 0);
	CU_ASSERT_EQUAL(cfg->nioc.n_speeds, 1);
	CU_ASSERT_EQUAL(vmk_config_nic_speed(cfg, "vmnic0"), 0);
	CU_ASSERT_EQUAL(vmk_config_nic_speed(cfg, "vmnic1"), 10000);
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, th_cfg_err, sizeof(th_cfg_err)), 0);
	vmk_config_destroy(cfg);
}

static void test_bad_fields_are_refused_with_their_path(void)
{
	th_cfg_refused(NIOC("\"enabled\": 1"), "nioc.enabled: expected true or false");
	th_cfg_refused(NIOC("\"speed\": 1"), "nioc: unknown field \"speed\"");
	th_cfg_refused(NIOC("\"classes\": []"), "nioc.classes: expected an object");
	th_cfg_refused(NIOC("\"classes\": {\"bulk\": {}}"), "no traffic class \"bulk\"");
	th_cfg_refused(CLASS("vMotion", "\"weight\": 3"), "nioc.classes.vMotion: unknown field");
	th_cfg_refused(CLASS("vMotion", "\"shares\": 0"), "nioc.classes.vMotion.shares: 0 is out of");
	th_cfg_refused(CLASS("vMotion", "\"shares\": 101"), "nioc.classes.vMotion.shares: 101");
	th_cfg_refused(CLASS("vMotion", "\"shares\": \"high\""), "nioc.classes.vMotion.shares: expected");
	th_cfg_refused(CLASS("NFS", "\"reservationMbps\": -1"), "nioc.classes.NFS.reservationMbps");
	th_cfg_refused(CLASS("NFS", "\"limitMbps\": 0"), "nioc.classes.NFS.limitMbps: 0 is out of");
	th_cfg_refused(CLASS("NFS", "\"limitMbps\": 400001"), "nioc.classes.NFS.limitMbps: 400001");
	th_cfg_refused(CLASS("NFS", "\"limitMbps\": 1.5"), "nioc.classes.NFS.limitMbps: expected");
	th_cfg_refused(CLASS("NFS", "\"reservationMbps\": 200, \"limitMbps\": 100"),
		"nioc.classes.NFS.limitMbps: 100 is below the reservation");
	th_cfg_refused(CLASS("iSCSI", "\"dscp\": 64"), "nioc.classes.iSCSI.dscp: 64 is out of range");
	th_cfg_refused(CLASS("iSCSI", "\"dscp\": -2"), "nioc.classes.iSCSI.dscp: -2");
	th_cfg_refused(CLASS("iSCSI", "\"cos\": 8"), "nioc.classes.iSCSI.cos: 8 is out of range");
	th_cfg_refused(CLASS("iSCSI", "\"cos\": \"4\""), "nioc.classes.iSCSI.cos: expected an integer");
	th_cfg_refused(CLASS("iSCSI", "\"priorityTag\": true"), "nioc.classes.iSCSI.priorityTag");
	th_cfg_refused(CLASS("virtualMachine", "\"dscp\": 10"), "nioc.classes.virtualMachine.dscp");
	th_cfg_refused(NIOC("\"classes\": {\"vMotion\": {}, \"vmotion\": {}}"), "vMotion appears twice");
	th_cfg_refused(NIOC("\"uplinks\": {\"vmnic0\": {}}"), "nioc.uplinks.vmnic0: missing field");
	th_cfg_refused(NIOC("\"uplinks\": {\"vmnic0\": {\"speedMbps\": 0}}"),
		"nioc.uplinks.vmnic0.speedMbps: 0 is out of range");
	th_cfg_refused(NIOC("\"uplinks\": {\"vmnic0\": {\"speedMbps\": 1000}, "
		     "\"vmnic0\": {\"speedMbps\": 10}}"), "nioc.uplinks.vmnic0: appears twice");
	th_cfg_refused(NIOC("\"classes\": {\"vMotion\": {\"reservationMbps\": 500}, "
		     "\"NFS\": {\"reservationMbps\": 300}}, "
		     "\"uplinks\": {\"vmnic1\": {\"speedMbps\": 1000}}"),
		"nioc.uplinks.vmnic1.speedMbps: the reservations total 800 Mbit/s, more than 75%");
}

static void test_a_refused_nioc_section_leaves_the_target_unchanged(void)
{
	struct vmk_config *cfg, *before;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0 && vmk_config_create(&before) == 0);
	CU_ASSERT_EQUAL(th_cfg_parse(FULL, cfg), 0);
	vmk_config_copy(before, cfg);
	CU_ASSERT_EQUAL(th_cfg_parse(CLASS("vMotion", "\"shares\": 10, \"dscp\": 99"), cfg),
			-EINVAL);
	CU_ASSERT_EQUAL(memcmp(cfg, before, sizeof(*cfg)), 0);
	vmk_config_destroy(cfg);
	vmk_config_destroy(before);
}

static void test_a_saved_nioc_section_survives_the_file(void)
{
	struct vmk_config *cfg, *back;
	char path[] = "/tmp/vmk-test-config-nioc-XXXXXX";
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0 && vmk_config_create(&back) == 0);
	CU_ASSERT_EQUAL_FATAL(th_cfg_parse(FULL, cfg), 0);
	CU_ASSERT_EQUAL(vmk_config_save_file(path, cfg, th_cfg_err, sizeof(th_cfg_err)), 0);
	CU_ASSERT_EQUAL(vmk_config_load_file(path, back, th_cfg_err, sizeof(th_cfg_err)), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg->nioc, &back->nioc, sizeof(cfg->nioc)), 0);
	unlink(path);
	vmk_config_destroy(cfg);
	vmk_config_destroy(back);
}

static struct vmk_host *host;

static int apply_suite_init(void)
{
	if (th_eal_init("test_config_nioc", false) < 0 || vmk_host_create(NULL, &host) < 0)
		return -1;
	return 0;
}

static int apply_suite_clean(void)
{
	vmk_host_destroy(host);
	return 0;
}

/* The host runs exactly want's marking, class settings and NIOC state. */
static void host_runs(const struct vmk_config_nioc *want)
{
	bool on;

	CU_ASSERT_EQUAL(vmk_nioc_get_enabled(host, &on), 0);
	CU_ASSERT_EQUAL(on, want->enabled);
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		const struct vmk_config_nioc_class *k = &want->classes[c];
		struct vmk_traffic_marking m;
		struct vmk_nioc_class p;

		CU_ASSERT_EQUAL(vmk_traffic_marking_get(host, c, &m), 0);
		CU_ASSERT_EQUAL(vmk_nioc_class_get(host, c, &p), 0);
		CU_ASSERT_EQUAL(m.dscp, k->mark.dscp);
		CU_ASSERT_EQUAL(m.cos, k->mark.cos);
		CU_ASSERT_EQUAL(m.priority_tag, k->mark.priority_tag);
		CU_ASSERT_EQUAL(p.shares, k->sched.shares);
		CU_ASSERT_EQUAL(p.reservation_mbps, k->sched.reservation_mbps);
		CU_ASSERT_EQUAL(p.limit_mbps, k->sched.limit_mbps);
	}
}

static void test_apply_runs_the_documents_nioc_and_a_failure_keeps_the_old(void)
{
	struct vmk_config *empty, *a, *b;
	char dir[] = "/tmp/vmkt_niocfg_XXXXXX", missing[96];

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(missing, sizeof(missing), "%s/nodir/vm3.sock", dir);
	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&b) == 0);
	host_runs(&empty->nioc);                  /* a new host: the defaults */
	vmk_config_init_default(a);
	CU_ASSERT_EQUAL_FATAL(th_cfg_parse(FULL, b), 0);
	a->nioc = b->nioc;
	a->nioc.n_speeds = 0;                     /* no NICs here */
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), 0);
	host_runs(&a->nioc);

	/* b changes marking and NIOC and adds a server-mode guest port whose
	 * socket directory is missing: that step fails, and what ran keeps
	 * running. */
	vmk_config_copy(b, a);
	b->nioc.enabled = false;
	b->nioc.classes[VMK_TC_VMOTION].mark.dscp = 10;
	b->nioc.classes[VMK_TC_NFS].sched.shares = 25;
	vmk_config_guest_port_init(&b->guest_ports[0], "vm3.eth0", "vSwitch0", "VM Network",
				   missing);
	b->guest_ports[0].server = true;
	b->n_guest_ports = 1;
	CU_ASSERT_NOT_EQUAL(vmk_config_apply(host, a, b, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), 0);
	host_runs(&a->nioc);
	/* A NIOC-only change applies alone; back to empty is the default. */
	vmk_config_copy(b, a);
	b->nioc.classes[VMK_TC_VMOTION].sched.reservation_mbps = 0;
	b->nioc.classes[VMK_TC_ISCSI].sched.reservation_mbps = 50;
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, b, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), 0);
	host_runs(&b->nioc);
	CU_ASSERT_EQUAL(vmk_config_apply(host, b, empty, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), 0);
	host_runs(&empty->nioc);
	/* A speed for a NIC the host does not have is refused before anything. */
	vmk_config_copy(b, empty);
	b->nioc.enabled = true;
	CU_ASSERT_EQUAL(vmk_config_set_nic_speed(b, "vmnic7", 1000), 0);
	CU_ASSERT_EQUAL(vmk_config_apply(host, empty, b, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(th_cfg_err, "nioc.uplinks.vmnic7"));
	host_runs(&empty->nioc);
	rmdir(dir);
	vmk_config_destroy(empty);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("config_nioc_json", NULL, NULL);
	ADD(s, test_a_document_without_nioc_holds_the_library_defaults);
	ADD(s, test_every_nioc_field_round_trips_in_any_case);
	ADD(s, test_speeds_are_set_replaced_and_removed);
	ADD(s, test_bad_fields_are_refused_with_their_path);
	ADD(s, test_a_refused_nioc_section_leaves_the_target_unchanged);
	ADD(s, test_a_saved_nioc_section_survives_the_file);
	s = CU_add_suite("config_nioc_apply", apply_suite_init, apply_suite_clean);
	ADD(s, test_apply_runs_the_documents_nioc_and_a_failure_keeps_the_old);
	return th_run_suites();
}
