/*
 * Unit tests of the configuration model (include/vmknet/config.h): the JSON
 * reader refuses every malformed, mistyped, unknown, out-of-range,
 * duplicate or wrong-version document with a reason naming the field and
 * never a crash; writer and reader round-trip; files are saved atomically
 * and a refused file is left alone; applying a configuration to a host
 * changes exactly the difference, and a change that fails part-way is
 * undone so the host is as before. Guest ports (vhost-user) round-trip,
 * are checked field by field, get generated MACs, and are added (server
 * mode makes the socket, replacing a stale one), moved and removed with
 * undo.
 *
 * The apply tests run on a real host over net_ring ethdevs (no worker).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

static char err[VMK_CONFIG_ERR_SIZE];

#define DOC_HEAD "{\"schema_version\": 1, \"host\": {\"name\": \"esx1\"}, \"vswitches\": "

/* Parse text into a fresh config; returns the result and leaves err set. */
static int parse(const char *text)
{
	struct vmk_config *cfg;
	int ret;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0);
	err[0] = '\0';
	ret = vmk_config_from_json(text, strlen(text), cfg, err, sizeof(err));
	vmk_config_destroy(cfg);
	return ret;
}

/* The document is refused with -EINVAL and a reason containing `why`. */
static void refused(const char *text, const char *why)
{
	int ret = parse(text);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	if (strstr(err, why) == NULL) {
		printf("\n      reason \"%s\" lacks \"%s\"", err, why);
		CU_FAIL("reason does not name the problem");
	}
}

static void test_config_default_is_valid_and_round_trips(void)
{
	struct vmk_config *a, *b;
	char *text, *again;

	CU_ASSERT_FATAL(vmk_config_create(&a) == 0 && vmk_config_create(&b) == 0);
	vmk_config_init_default(a);
	CU_ASSERT_EQUAL(vmk_config_validate(a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a->n_vswitches, 1);
	CU_ASSERT_STRING_EQUAL(a->vswitches[0].name, "vSwitch0");
	CU_ASSERT_PTR_NOT_NULL(vmk_config_find_portgroup(a, "Management Network", NULL));
	CU_ASSERT_PTR_NOT_NULL(vmk_config_find_portgroup(a, "VM Network", NULL));
	CU_ASSERT_FATAL(vmk_config_to_json(a, &text) == 0);
	CU_ASSERT_EQUAL(vmk_config_from_json(text, strlen(text), b, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(vmk_config_to_json(b, &again) == 0);
	CU_ASSERT_STRING_EQUAL(text, again);
	free(text);
	free(again);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}

static void test_config_omitted_fields_take_defaults(void)
{
	struct vmk_config *cfg;
	const char *doc = DOC_HEAD "[{\"name\": \"vs\"}]}";

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0);
	CU_ASSERT_EQUAL(vmk_config_from_json(doc, strlen(doc), cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg->vswitches[0].mtu, 1500);
	CU_ASSERT_EQUAL(cfg->vswitches[0].n_ports, 512);
	CU_ASSERT_EQUAL(cfg->vswitches[0].fdb_capacity, 65536);
	CU_ASSERT_EQUAL(cfg->vswitches[0].fdb_aging_sec, 300);
	CU_ASSERT_EQUAL(cfg->vswitches[0].cdp_status, VMK_CDP_LISTEN);   /* ESXi's default */
	CU_ASSERT_EQUAL(cfg->vswitches[0].n_portgroups, 0);
	CU_ASSERT_EQUAL(cfg->n_guest_ports, 0);    /* a document from before guest ports */
	CU_ASSERT_STRING_EQUAL(cfg->host_name, "esx1");
	vmk_config_destroy(cfg);
}

static void test_config_malformed_json_names_line_and_column(void)
{
	refused("{\"schema_version\": 1,\n  \"host\": {\"name\": }", "malformed JSON at line 2");
	refused("", "the document is empty");
	refused("   \n ", "the document is empty");
	refused("{\"schema_version\": 1} trailing", "text after the document");
	refused("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "malformed JSON");
	refused("\xff\xfe{}", "malformed JSON");
}

static void test_config_wrong_types_are_named(void)
{
	refused("[]", "document: expected an object, got an array");
	refused("{\"schema_version\": \"1\"}", "schema_version: expected an integer, got a string");
	refused("{\"schema_version\": 1.5}", "schema_version: expected an integer");
	refused("{\"schema_version\": 1, \"host\": [], \"vswitches\": []}",
		"host: expected an object, got an array");
	refused(DOC_HEAD "{}}", "vswitches: expected an array, got an object");
	refused(DOC_HEAD "[7]}", "vswitches[0]: expected an object, got a number");
	refused(DOC_HEAD "[{\"name\": 7}]}", "vswitches[0].name: expected a string");
	refused(DOC_HEAD "[{\"name\": \"a\", \"mtu\": \"9000\"}]}",
		"vswitches[0] (a).mtu: expected an integer, got a string");
	refused(DOC_HEAD "[{\"name\": \"a\", \"mtu\": null}]}", "got null");
	refused(DOC_HEAD "[{\"name\": \"a\", \"uplinks\": \"vmnic0\"}]}",
		"vswitches[0] (a).uplinks: expected an array");
	refused(DOC_HEAD "[{\"name\": \"a\", \"uplinks\": [0]}]}",
		"vswitches[0] (a).uplinks[0]: expected a string");
	refused(DOC_HEAD "[{\"name\": \"a\", \"portgroups\": [{\"name\": \"p\", "
		"\"vlan_id\": true}]}]}", "portgroups[0] (p).vlan_id: expected an integer");
	refused(DOC_HEAD "[{\"name\": \"a\", \"fdb\": 5}]}", "(a).fdb: expected an object");
}

static void test_config_unknown_and_missing_fields_are_refused(void)
{
	refused("{\"schema_version\": 1, \"host\": {\"name\": \"h\"}, \"vswitches\": [], "
		"\"extra\": 1}", "document: unknown field \"extra\"");
	refused(DOC_HEAD "[{\"name\": \"a\", \"mtuu\": 1500}]}",
		"vswitches[0]: unknown field \"mtuu\"");
	refused(DOC_HEAD "[{\"name\": \"a\", \"fdb\": {\"size\": 1}}]}",
		"(a).fdb: unknown field \"size\"");
	refused(DOC_HEAD "[{\"name\": \"a\", \"portgroups\": [{\"name\": \"p\", \"vlan\": 1}]}]}",
		"unknown field \"vlan\"");
	refused("{\"host\": {\"name\": \"h\"}, \"vswitches\": []}",
		"missing field \"schema_version\"");
	refused("{\"schema_version\": 1, \"vswitches\": []}", "missing field \"host\"");
	refused("{\"schema_version\": 1, \"host\": {}, \"vswitches\": []}",
		"host: missing field \"name\"");
	refused(DOC_HEAD "[{\"mtu\": 1500}]}", "vswitches[0]: missing field \"name\"");
	refused(DOC_HEAD "[{\"name\": \"a\", \"name\": \"b\"}]}", "field \"name\" appears twice");
}

static void test_config_out_of_range_values_are_refused(void)
{
	refused(DOC_HEAD "[{\"name\": \"a\", \"mtu\": 100}]}",
		"vswitches[0] (a).mtu: 100 is out of range 1280..9000");
	refused(DOC_HEAD "[{\"name\": \"a\", \"mtu\": 9001}]}", "out of range 1280..9000");
	refused(DOC_HEAD "[{\"name\": \"a\", \"mtu\": -1}]}", "-1 is out of range");
	refused(DOC_HEAD "[{\"name\": \"a\", \"mtu\": 1e300}]}", "out of range");
	refused(DOC_HEAD "[{\"name\": \"a\", \"ports\": 4}]}", "(a).ports: 4 is out of range");
	refused(DOC_HEAD "[{\"name\": \"a\", \"fdb\": {\"capacity\": 1}}]}",
		"fdb.capacity: 1 is out of range");
	refused(DOC_HEAD "[{\"name\": \"a\", \"fdb\": {\"aging_sec\": 0}}]}",
		"fdb.aging_sec: 0 is out of range");
	refused(DOC_HEAD "[{\"name\": \"a\", \"portgroups\": [{\"name\": \"p\", "
		"\"vlan_id\": 4096}]}]}", "vswitches[0] (a).portgroups[0] (p).vlan_id: 4096 is out "
		"of range 0..4095");
	refused(DOC_HEAD "[{\"name\": \"\"}]}", "vswitches[0].name: must not be empty");
	refused(DOC_HEAD "[{\"name\": \"0123456789012345678901234567890123\"}]}",
		"longer than 31 bytes");
	refused(DOC_HEAD "[{\"name\": \"tab\\there\"}]}", "control character");
	refused(DOC_HEAD "[{\"name\": \"a\", \"cdp_status\": \"loud\"}]}",
		"vswitches[0] (a).cdp_status: expected \"down\", \"listen\", \"advertise\" or "
		"\"both\"");
	refused(DOC_HEAD "[{\"name\": \"a\", \"cdp_status\": 2}]}", "(a).cdp_status: expected");
}

static void test_config_cdp_status_round_trips_and_is_validated(void)
{
	static const char *const words[] = { "down", "listen", "advertise", "both" };
	struct vmk_config *cfg;
	char doc[256], *text;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0);
	for (unsigned int i = 0; i < 4; i++) {
		enum vmk_cdp_status st;

		snprintf(doc, sizeof(doc), DOC_HEAD "[{\"name\": \"vs\", \"cdp_status\": \"%s\"}]}",
			 words[i]);
		CU_ASSERT_EQUAL(vmk_config_from_json(doc, strlen(doc), cfg, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(cfg->vswitches[0].cdp_status, (enum vmk_cdp_status)i);
		CU_ASSERT_FATAL(vmk_config_to_json(cfg, &text) == 0);
		snprintf(doc, sizeof(doc), "\"cdp_status\":\t\"%s\"", words[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, doc));
		free(text);
		CU_ASSERT_EQUAL(vmk_cdp_status_parse(words[i], &st), 0);
		CU_ASSERT_EQUAL(st, (enum vmk_cdp_status)i);
		CU_ASSERT_STRING_EQUAL(vmk_cdp_status_name(st), words[i]);
	}
	CU_ASSERT_EQUAL(vmk_cdp_status_parse("Both", &(enum vmk_cdp_status){ 0 }), -EINVAL);
	CU_ASSERT_PTR_NULL(vmk_cdp_status_name((enum vmk_cdp_status)4));
	cfg->vswitches[0].cdp_status = (enum vmk_cdp_status)7;
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cdp_status: 7 is not a CDP mode"));
	vmk_config_destroy(cfg);
}

static void test_config_duplicates_are_refused(void)
{
	refused(DOC_HEAD "[{\"name\": \"a\"}, {\"name\": \"a\"}]}",
		"vswitches[1] (a).name: vSwitch \"a\" already exists");
	refused(DOC_HEAD "[{\"name\": \"a\", \"portgroups\": [{\"name\": \"p\"}, {\"name\": \"p\"}]}]}",
		"port group \"p\" already exists on a");
	refused(DOC_HEAD "[{\"name\": \"a\", \"portgroups\": [{\"name\": \"p\"}]}, "
		"{\"name\": \"b\", \"portgroups\": [{\"name\": \"p\"}]}]}",
		"vswitches[1] (b).portgroups[0].name: port group \"p\" already exists on a");
	refused(DOC_HEAD "[{\"name\": \"a\", \"uplinks\": [\"vmnic0\"]}, "
		"{\"name\": \"b\", \"uplinks\": [\"vmnic0\"]}]}",
		"uplink vmnic0 is already attached to a");
	refused(DOC_HEAD "[{\"name\": \"a\", \"uplinks\": [\"vmnic0\", \"vmnic0\"]}]}",
		"already attached to a");
}

static void test_config_schema_version_mismatch_is_refused(void)
{
	refused("{\"schema_version\": 2, \"host\": {\"name\": \"h\"}, \"vswitches\": []}",
		"schema_version: 2 is not supported (this vmknet reads version 1)");
	refused("{\"schema_version\": 0, \"host\": {\"name\": \"h\"}, \"vswitches\": []}",
		"schema_version: 0 is not supported");
}

static void test_config_refused_document_leaves_target_unchanged(void)
{
	struct vmk_config *cfg;
	const char *bad = DOC_HEAD "[{\"name\": \"x\", \"mtu\": 1}]}";

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0);
	vmk_config_init_default(cfg);
	CU_ASSERT_EQUAL(vmk_config_from_json(bad, strlen(bad), cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(cfg->vswitches[0].name, "vSwitch0");
	CU_ASSERT_EQUAL(cfg->vswitches[0].n_portgroups, 2);
	CU_ASSERT_EQUAL(vmk_config_from_json(NULL, 0, cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(vmk_config_from_json(bad, strlen(bad), cfg, NULL, 0), -EINVAL);
	vmk_config_destroy(cfg);
}

static void test_config_file_saves_atomically_and_refuses_corrupt_files(void)
{
	char dir[] = "/tmp/vmk-config-test.XXXXXX", path[128], cmd[160];
	const char *junk = "{\"schema_version\": 1, \"host\": ";
	struct vmk_config *a, *b;
	struct stat st;
	char back[64];
	FILE *f;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	CU_ASSERT_FATAL(vmk_config_create(&a) == 0 && vmk_config_create(&b) == 0);
	CU_ASSERT_EQUAL(vmk_config_load_file(path, b, err, sizeof(err)), -ENOENT);
	vmk_config_init_default(a);
	a->vswitches[0].mtu = 9000;
	CU_ASSERT_EQUAL(vmk_config_save_file(path, a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(vmk_config_load_file(path, b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b->vswitches[0].mtu, 9000);
	/* An invalid configuration is never written. */
	a->vswitches[0].mtu = 1;
	CU_ASSERT_EQUAL(vmk_config_save_file(path, a, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(vmk_config_load_file(path, b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b->vswitches[0].mtu, 9000);
	/* A corrupt file is refused, named, and left as it is. */
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(junk, f);
	fclose(f);
	CU_ASSERT_EQUAL(vmk_config_load_file(path, b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "malformed JSON"));
	f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_PTR_NOT_NULL(fgets(back, sizeof(back), f));
	fclose(f);
	CU_ASSERT_STRING_EQUAL(back, junk);
	/* Nothing but the file itself is left in the directory. */
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}


/* A save that fails part-way through writing (here: a file size limit
 * smaller than the document, as a full disk would) leaves the previous file
 * whole and no temporary behind; a save that succeeds replaces the file
 * with a new one (a new inode), never rewriting it in place, so a reader
 * sees the old document or the new one, nothing between. */
static void test_config_save_failing_part_way_leaves_the_previous_file_whole(void)
{
	char dir[] = "/tmp/vmk-config-test.XXXXXX", path[128], cmd[160];
	struct vmk_config *a, *b;
	struct rlimit fsize, small;
	void (*xfsz)(int);
	struct stat st;
	ino_t ino;
	int ret;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	CU_ASSERT_FATAL(vmk_config_create(&a) == 0 && vmk_config_create(&b) == 0);
	vmk_config_init_default(a);
	a->vswitches[0].mtu = 9000;
	CU_ASSERT_EQUAL_FATAL(vmk_config_save_file(path, a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	ino = st.st_ino;
	a->vswitches[0].mtu = 1500;
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &fsize), 0);
	small = fsize;
	small.rlim_cur = 64;
	xfsz = signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &small), 0);
	ret = vmk_config_save_file(path, a, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &fsize), 0);
	signal(SIGXFSZ, xfsz);
	CU_ASSERT_EQUAL(ret, -EFBIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "write"));
	CU_ASSERT_EQUAL(vmk_config_load_file(path, b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b->vswitches[0].mtu, 9000);
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	CU_ASSERT_EQUAL(vmk_config_save_file(path, a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_NOT_EQUAL(st.st_ino, ino);
	CU_ASSERT_EQUAL(vmk_config_load_file(path, b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b->vswitches[0].mtu, 1500);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}

static void test_config_policies_round_trip_and_absent_means_inherit(void)
{
	static const char doc[] =
		"{\"schema_version\":1,\"host\":{\"name\":\"h\"},\"vswitches\":[{\"name\":\"vs\","
		"\"uplinks\":[\"vmnic0\",\"vmnic1\"],"
		"\"policy\":{\"security\":{\"allow_promiscuous\":true},"
		"\"shaping\":{\"enabled\":true,\"avg_kbps\":1000,\"peak_kbps\":2000,\"burst_kb\":64},"
		"\"teaming\":{\"load_balancing\":\"iphash\",\"active\":[\"vmnic1\"],"
		"\"standby\":[\"vmnic0\"],\"failback\":false}},"
		"\"portgroups\":[{\"name\":\"A\"},{\"name\":\"B\",\"policy\":{\"security\":"
		"{\"allow_forged_transmits\":false},\"teaming\":{\"load_balancing\":\"explicit\","
		"\"active\":[\"vmnic0\"]}}}]}]}";
	struct vmk_config *c, *d;
	struct vmk_security_policy sec;
	struct vmk_teaming_policy t;
	char *text;

	CU_ASSERT_FATAL(vmk_config_create(&c) == 0 && vmk_config_create(&d) == 0);
	CU_ASSERT_EQUAL_FATAL(vmk_config_from_json(doc, strlen(doc), c, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(c->vswitches[0].security.allow_promiscuous);
	CU_ASSERT_TRUE(c->vswitches[0].security.allow_mac_changes);   /* default kept */
	CU_ASSERT_EQUAL(c->vswitches[0].shaping.peak_kbps, 2000);
	CU_ASSERT_EQUAL(c->vswitches[0].teaming.load_balancing, VMK_LB_IP_HASH);
	CU_ASSERT_FALSE(c->vswitches[0].teaming.failback);
	CU_ASSERT_TRUE(c->vswitches[0].teaming.notify_switches);
	CU_ASSERT_EQUAL(c->vswitches[0].portgroups[0].security_mask, 0);
	CU_ASSERT_FALSE(c->vswitches[0].portgroups[0].has_teaming);
	CU_ASSERT_EQUAL(c->vswitches[0].portgroups[1].security_mask, VMK_SEC_FORGED);
	vmk_config_portgroup_effective(&c->vswitches[0], &c->vswitches[0].portgroups[1], &sec,
				       NULL, &t);
	CU_ASSERT_TRUE(sec.allow_promiscuous);        /* inherited */
	CU_ASSERT_FALSE(sec.allow_forged_transmits);  /* overridden */
	CU_ASSERT_EQUAL(t.load_balancing, VMK_LB_EXPLICIT);
	CU_ASSERT_EQUAL(vmk_config_to_json(c, &text), 0);
	/* Two "policy" objects: the vSwitch's and B's overrides; A inherits. */
	{
		unsigned int n = 0;

		for (const char *q = text; (q = strstr(q, "\"policy\"")) != NULL; q++)
			n++;
		CU_ASSERT_EQUAL(n, 2);
	}
	CU_ASSERT_EQUAL(vmk_config_from_json(text, strlen(text), d, err, sizeof(err)), 0);
	free(text);
	CU_ASSERT_EQUAL(d->vswitches[0].portgroups[1].security_mask, VMK_SEC_FORGED);
	CU_ASSERT_FALSE(d->vswitches[0].portgroups[1].security.allow_forged_transmits);
	CU_ASSERT_TRUE(d->vswitches[0].portgroups[1].has_teaming);
	CU_ASSERT_FALSE(d->vswitches[0].portgroups[0].has_teaming);
	CU_ASSERT_STRING_EQUAL(d->vswitches[0].teaming.standby[0], "vmnic0");
	/* Removing an uplink takes it out of every failover order. */
	vmk_config_teaming_forget_uplink(&d->vswitches[0], "vmnic1");
	CU_ASSERT_EQUAL(d->vswitches[0].teaming.n_active, 1);
	CU_ASSERT_STRING_EQUAL(d->vswitches[0].teaming.active[0], "vmnic0");
	CU_ASSERT_EQUAL(d->vswitches[0].teaming.n_standby, 0);
	vmk_config_destroy(c);
	vmk_config_destroy(d);
}

static void refuse_policy(const char *vs_policy, const char *want)
{
	char doc[1024];
	struct vmk_config *c;

	snprintf(doc, sizeof(doc), "{\"schema_version\":1,\"host\":{\"name\":\"h\"},"
		 "\"vswitches\":[{\"name\":\"vs\",\"uplinks\":[\"vmnic0\"],\"policy\":%s}]}",
		 vs_policy);
	CU_ASSERT_FATAL(vmk_config_create(&c) == 0);
	err[0] = '\0';
	CU_ASSERT_EQUAL(vmk_config_from_json(doc, strlen(doc), c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	if (strstr(err, want) == NULL)
		fprintf(stderr, "got \"%s\", want \"%s\"\n", err, want);
	vmk_config_destroy(c);
}

static void test_config_bad_policies_are_refused_with_the_field(void)
{
	refuse_policy("{\"shaping\":{\"enabled\":true,\"avg_kbps\":1000,\"peak_kbps\":10}}",
		      "policy.shaping.peak_kbps: peak bandwidth 10 Kbps is below the average");
	refuse_policy("{\"shaping\":{\"enabled\":true,\"avg_kbps\":0}}", "avg_kbps: must be at least 1");
	refuse_policy("{\"shaping\":{\"enabled\":true,\"burst_kb\":1}}", "burst_kb: 1 KB is below 2 KB");
	refuse_policy("{\"security\":{\"allow_promiscuous\":1}}",
		      "allow_promiscuous: expected true or false");
	refuse_policy("{\"security\":{\"promiscuous\":true}}", "unknown field \"promiscuous\"");
	refuse_policy("{\"teaming\":{\"active\":[\"vmnic5\"]}}",
		      "policy.teaming.active[0]: vmnic5 is not an uplink of vs");
	refuse_policy("{\"teaming\":{\"standby\":[\"vmnic0\"]}}", "need active uplinks");
	refuse_policy("{\"teaming\":{\"load_balancing\":\"rr\"}}", "load_balancing: expected");
	refuse_policy("{\"teaming\":{\"failure_detection\":\"arp\"}}",
		      "expected \"link\" or \"beacon\"");
	refuse_policy("{\"teaming\":{\"active\":[\"vmnic0\"],\"standby\":[\"vmnic0\"]}}",
		      "listed twice");
}

#define GUEST_DOC(guests) DOC_HEAD "[{\"name\": \"vSwitch0\", \"ports\": 8, \"uplinks\": " \
	"[\"vmnic0\"], \"portgroups\": [{\"name\": \"VM Network\"}, {\"name\": \"Trunk\", " \
	"\"vlan_id\": 4095}]}], \"vmknics\": [{\"name\": \"vmk0\", \"portgroup\": " \
	"\"VM Network\", \"mac\": \"02:50:56:00:00:01\"}], \"guest_ports\": [" guests "]}"
#define GUEST(name, sock, extra) "{\"name\": \"" name "\", \"portgroup\": \"VM Network\", " \
	"\"socket\": \"" sock "\"" extra "}"

static void test_config_guest_ports_round_trip_and_bad_ones_name_the_field(void)
{
	struct vmk_config *cfg, *back;
	char *text;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0 && vmk_config_create(&back) == 0);
	/* Left out: the vSwitch (the port group's), client mode, 1 queue, no MAC. */
	{
		const char *doc = GUEST_DOC(GUEST("vm1.eth0", "/run/vm1.sock", ""));

		CU_ASSERT_EQUAL_FATAL(vmk_config_from_json(doc, strlen(doc), cfg, err,
							   sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL(cfg->n_guest_ports, 1);
	CU_ASSERT_STRING_EQUAL(cfg->guest_ports[0].vswitch, "vSwitch0");
	CU_ASSERT_FALSE(cfg->guest_ports[0].server);
	CU_ASSERT_EQUAL(cfg->guest_ports[0].n_queues, 1);
	CU_ASSERT_PTR_NOT_NULL(vmk_config_find_guest_port(cfg, "vm1.eth0"));
	CU_ASSERT_PTR_NULL(vmk_config_find_guest_port(cfg, "vm1.eth1"));

	/* Every field written and read back the same. */
	vmk_config_guest_port_init(&cfg->guest_ports[1], "vm2.eth0", "vSwitch0", "Trunk",
				   "/run/vmknet/vm2.eth0.sock");
	cfg->guest_ports[1].server = true;
	cfg->guest_ports[1].n_queues = 4;
	memcpy(cfg->guest_ports[1].mac, (uint8_t[6]){ 0x02, 0x0c, 0x29, 0xaa, 0xbb, 0x07 }, 6);
	cfg->n_guest_ports = 2;
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_config_to_json(cfg, &text), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"server\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"02:0c:29:aa:bb:07\""));
	CU_ASSERT_EQUAL(vmk_config_from_json(text, strlen(text), back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(cfg, back, sizeof(*cfg)), 0);
	free(text);

	/* Generated MACs: 02:0c:29 and unique; given ones are kept. */
	vmk_config_guest_port_init(&cfg->guest_ports[2], "vm3.eth0", "vSwitch0", "VM Network",
				   "/run/vm3.sock");
	cfg->n_guest_ports = 3;
	CU_ASSERT_EQUAL(vmk_config_guest_fill_macs(cfg), 2);
	CU_ASSERT_EQUAL(vmk_config_guest_fill_macs(cfg), 0);
	CU_ASSERT_EQUAL(memcmp(cfg->guest_ports[0].mac, "\x02\x0c\x29", 3), 0);
	CU_ASSERT_EQUAL(memcmp(cfg->guest_ports[2].mac, "\x02\x0c\x29", 3), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(cfg->guest_ports[0].mac, cfg->guest_ports[2].mac, 6), 0);
	CU_ASSERT_EQUAL(cfg->guest_ports[1].mac[5], 0x07);
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, err, sizeof(err)), 0);

	/* A socket path that does not fit is never cut short. */
	{
		char longpath[200];

		memset(longpath, 'a', sizeof(longpath));
		longpath[0] = '/';
		longpath[sizeof(longpath) - 1] = '\0';
		vmk_config_guest_port_init(&cfg->guest_ports[2], "vm3.eth0", "vSwitch0",
					   "VM Network", longpath);
		CU_ASSERT_EQUAL(vmk_config_validate(cfg, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "guest_ports[2] (vm3.eth0).socket: "));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "is longer than 107 bytes"));
	}
	vmk_config_destroy(cfg);
	vmk_config_destroy(back);

	refused(GUEST_DOC("{\"name\": \"vm1.eth0\", \"portgroup\": \"nope\", \"socket\": "
			  "\"/run/a.sock\"}"),
		"guest_ports[0] (vm1.eth0).vswitch: no vSwitch named \"\"");
	refused(GUEST_DOC("{\"name\": \"vm1.eth0\", \"vswitch\": \"vSwitch0\", \"portgroup\": "
			  "\"nope\", \"socket\": \"/run/a.sock\"}"),
		"guest_ports[0] (vm1.eth0).portgroup: no port group named \"nope\" on vSwitch0");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", "") ", " GUEST("vm1.eth0", "/run/b.sock", "")),
		"guest_ports[1] (vm1.eth0).name: guest port \"vm1.eth0\" already exists");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", "") ", " GUEST("vm2.eth0", "/run/a.sock", "")),
		"guest_ports[1] (vm2.eth0).socket: /run/a.sock is already the socket of vm1.eth0");
	refused(GUEST_DOC(GUEST("vmnic0", "/run/a.sock", "")),
		"guest_ports[0] (vmnic0).name: \"vmnic0\" is the name of an uplink");
	refused(GUEST_DOC(GUEST("vmk0", "/run/a.sock", "")),
		"guest_ports[0] (vmk0).name: \"vmk0\" is the name of a vmknic");
	refused(GUEST_DOC(GUEST("vmk7", "/run/a.sock", "")),
		"guest_ports[0] (vmk7).name: \"vmk7\" is the name of a vmknic (vmkN names");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", ", \"mac\": \"02:0c:29:zz:00:01\"")),
		"guest_ports[0] (vm1.eth0).mac: expected a MAC address");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", ", \"mac\": \"01:00:5e:00:00:01\"")),
		"guest_ports[0] (vm1.eth0).mac: 01:00:5e:00:00:01 is a multicast address");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", ", \"mac\": \"02:50:56:00:00:01\"")),
		"guest_ports[0] (vm1.eth0).mac: vmknic vmk0 already has this MAC address");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", ", \"mac\": \"02:0c:29:00:00:01\"") ", "
			  GUEST("vm2.eth0", "/run/b.sock", ", \"mac\": \"02:0c:29:00:00:01\"")),
		"guest_ports[1] (vm2.eth0).mac: guest port vm1.eth0 already has this MAC address");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock", "")),
		"guest_ports[0] (vm1.eth0).socket: \"/run/aaaa");
	refused(GUEST_DOC(GUEST("vm1.eth0", "run/a.sock", "")),
		"guest_ports[0] (vm1.eth0).socket: \"run/a.sock\" must be an absolute path");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a,queues=8.sock", "")),
		"must not contain ',', '[' or ']'");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/", "")), "names a directory");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", ", \"queues\": 0")),
		"guest_ports[0] (vm1.eth0).queues: 0 is out of range 1..16");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", ", \"queues\": 17")),
		"guest_ports[0] (vm1.eth0).queues: 17 is out of range 1..16");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", ", \"mode\": \"listen\"")),
		"guest_ports[0] (vm1.eth0).mode: expected \"client\" or \"server\", got listen");
	refused(GUEST_DOC(GUEST("vm1.eth0", "/run/a.sock", ", \"vlan\": 5")),
		"guest_ports[0]: unknown field \"vlan\"");
	refused(GUEST_DOC("{\"name\": \"vm1.eth0\", \"portgroup\": \"VM Network\"}"),
		"guest_ports[0] (vm1.eth0): missing field \"socket\"");
	refused(GUEST_DOC("{\"name\": \"vm1.eth0\", \"portgroup\": \"VM Network\", \"socket\": 3}"),
		"guest_ports[0] (vm1.eth0).socket: expected a string, got a number");
	refused(GUEST_DOC(GUEST("", "/run/a.sock", "")), "guest_ports[0].name: must not be empty");
	refused(DOC_HEAD "[], \"guest_ports\": {}}", "guest_ports: expected an array");
	/* vSwitch0 has 8 ports: an uplink, vmk0 and 7 guests do not fit. */
	refused(GUEST_DOC(GUEST("a", "/a", "") ", " GUEST("b", "/b", "") ", " GUEST("c", "/c", "")
			  ", " GUEST("d", "/d", "") ", " GUEST("e", "/e", "") ", "
			  GUEST("f", "/f", "") ", " GUEST("g", "/g", "")),
		"vswitches[0] (vSwitch0).ports: 1 uplinks, 1 vmknics and 7 guest ports do not fit "
		"in 8 ports");
	CU_ASSERT_EQUAL(parse(GUEST_DOC(GUEST("a", "/a", "") ", " GUEST("b", "/b", "") ", "
					GUEST("c", "/c", "") ", " GUEST("d", "/d", "") ", "
					GUEST("e", "/e", "") ", " GUEST("f", "/f", ""))), 0);
}

/* ---- apply, on a real host ------------------------------------------- */

static struct vmk_host *host;
static struct th_ringport rings[3];
static struct vmk_config_nic nics[2];

static int apply_suite_init(void)
{
	if (th_eal_init("test_config", false) < 0 || vmk_host_create(NULL, &host) < 0)
		return -1;
	for (unsigned int i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "cfgring%u", i);
		if (th_ringport_create(name, &rings[i]) < 0)
			return -1;
	}
	for (unsigned int i = 0; i < 2; i++) {
		snprintf(nics[i].name, sizeof(nics[i].name), "vmnic%u", i);
		nics[i].ethdev_port = rings[i].port_id;
	}
	return 0;
}

static int apply_suite_clean(void)
{
	vmk_host_destroy(host);
	return 0;
}

#define IP_DOC(nics, nss) DOC_HEAD "[{\"name\": \"vSwitch0\", \"portgroups\": [" \
	"{\"name\": \"Management Network\"}, {\"name\": \"Trunk\", \"vlan_id\": 4095}]}], " \
	"\"netstacks\": [" nss "], \"vmknics\": [" nics "]}"
#define NIC0 "{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", " \
	"\"ipv4\": {\"type\": \"static\", \"address\": \"192.0.2.10\", " \
	"\"netmask\": \"255.255.255.0\"}, \"tags\": [\"Management\"]}"

static void test_config_ip_round_trips_and_bad_values_name_the_field(void)
{
	struct vmk_config *cfg, *back;
	char *text;

	CU_ASSERT_EQUAL(parse(IP_DOC(NIC0, "{\"name\": \"defaultTcpipStack\", \"default_gateway\": "
				     "\"192.0.2.1\", \"routes\": [{\"network\": \"198.18.0.0/15\", "
				     "\"gateway\": \"192.0.2.254\"}]}, {\"name\": \"storage\"}")), 0);
	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0 && vmk_config_create(&back) == 0);
	vmk_config_init_default(cfg);
	cfg->vmknics[0].mac[0] = 0x02;
	cfg->vmknics[0].mac[5] = 0x07;
	cfg->netstacks[0].default_gateway = htonl(0xc0000201);
	CU_ASSERT_EQUAL_FATAL(vmk_config_to_json(cfg, &text), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"02:00:00:00:00:07\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"192.0.2.10\""));
	CU_ASSERT_EQUAL(vmk_config_from_json(text, strlen(text), back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(cfg, back, sizeof(*cfg)), 0);
	free(text);
	/* DHCP: the file holds the type and peer DNS, never a lease. */
	cfg->vmknics[0].ipv4 = cfg->vmknics[0].netmask = cfg->vmknics[0].gateway = 0;
	cfg->vmknics[0].dhcp = cfg->vmknics[0].peer_dns = true;
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_config_to_json(cfg, &text), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"dhcp\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"peer_dns\""));
	CU_ASSERT_PTR_NULL(strstr(text, "\"192.0.2.10\""));
	CU_ASSERT_EQUAL(vmk_config_from_json(text, strlen(text), back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(cfg, back, sizeof(*cfg)), 0);
	free(text);
	vmk_config_destroy(cfg);
	vmk_config_destroy(back);

	refused(IP_DOC("{\"name\": \"eth0\", \"portgroup\": \"Management Network\"}", ""),
		"vmknics[0].name: \"eth0\" is not vmkN");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"nope\"}", ""),
		"vmknics[0] (vmk0).vswitch: no vSwitch named \"\"");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Trunk\"}", ""), "is a trunk");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"mtu\": 9000}",
		       ""), "vmknics[0] (vmk0).mtu: 9000 is above the MTU 1500 of vSwitch vSwitch0");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"netstack\": "
		       "\"vmotion\", \"tags\": [\"Management\"]}", ""),
		"carries only the VMotion tag");
	refused(IP_DOC(NIC0 ", " NIC0, ""), "vmknics[1] (vmk0).name: vmknic \"vmk0\" already exists");
	refused(IP_DOC("{\"name\": \"vmk1\", \"portgroup\": \"Management Network\", \"ipv4\": "
		       "{\"type\": \"static\", \"address\": \"192.0.2.10\", \"netmask\": "
		       "\"255.255.255.0\"}}, " NIC0, ""),
		"vmknics[1] (vmk0).ipv4.address: 192.0.2.10 is already the address of vmk1");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"tags\": "
		       "[\"faultToleranceLogging\"]}, {\"name\": \"vmk1\", \"portgroup\": "
		       "\"Management Network\", \"tags\": [\"faultToleranceLogging\"]}", ""),
		"vmk0 already carries faultToleranceLogging");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"mac\": "
		       "\"01:00:5e:00:00:01\"}", ""), "is a multicast address");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"ipv4\": "
		       "{\"type\": \"bootp\"}}", ""),
		"ipv4.type: expected \"static\", \"dhcp\" or \"none\"");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"ipv4\": "
		       "{\"type\": \"dhcp\", \"address\": \"192.0.2.10\"}}", ""),
		"type \"dhcp\" takes no address, netmask or gateway");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"ipv4\": "
		       "{\"type\": \"static\", \"address\": \"192.0.2.10\", \"netmask\": "
		       "\"255.255.255.0\", \"peer_dns\": true}}", ""),
		"peer_dns: only for type \"dhcp\"");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"ipv4\": "
		       "{\"type\": \"dhcp\", \"peer_dns\": 1}}", ""),
		"peer_dns: expected true or false");
	refused(IP_DOC("{\"name\": \"vmk0\", \"portgroup\": \"Management Network\", \"netstack\": "
		       "\"nope\"}", ""), "vmknics[0] (vmk0).netstack: no netstack named \"nope\"");
	refused(IP_DOC("", "{\"name\": \"storage\", \"routes\": [{\"network\": \"198.18.0.1/15\", "
		       "\"gateway\": \"192.0.2.1\"}]}"),
		"netstacks[3] (storage).routes[0].network: 198.18.0.1/15 has host bits set");
	refused(IP_DOC("", "{\"name\": \"vmotion\"}, {\"name\": \"vmotion\"}"),
		"netstack \"vmotion\" is listed twice");
	refused(IP_DOC("", "{\"name\": \"x\", \"routes\": [{\"network\": \"198.18.0.0/15\", "
		       "\"gateway\": \"192.0.2.1\"}, {\"network\": \"198.18.0.0/15\", "
		       "\"gateway\": \"192.0.2.2\"}]}"), "a route to 198.18.0.0/15 already exists");
	refused(IP_DOC("", "{\"name\": \"x\", \"default_gateway\": \"x\"}"),
		"default_gateway: expected an IPv4 address");
}

static void test_config_apply_builds_exactly_the_difference(void)
{
	struct vmk_config *empty, *a, *b;
	struct vmk_portgroup_info pg;
	struct vmk_vswitch_info info;
	struct vmk_vswitch *vs0, *vs1;
	uint32_t id;

	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&b) == 0);
	vmk_config_init_default(a);
	a->vswitches[0].n_uplinks = 1;
	snprintf(a->vswitches[0].uplinks[0], VMK_NAME_MAX, "vmnic0");
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, nics, 2, err, sizeof(err)), 0);
	vs0 = vmk_vswitch_find(host, "vSwitch0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vs0);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs0, "VM Network", &pg), 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vmnic0", &id), 0);

	/* Move the uplink and a port group to a new vSwitch, change MTU and VLAN. */
	vmk_config_copy(b, a);
	b->n_vswitches = 2;
	vmk_config_vswitch_init(&b->vswitches[1], "vSwitch1");
	b->vswitches[0].n_uplinks = 0;
	b->vswitches[0].mtu = 9000;
	b->vswitches[0].portgroups[0].vlan_id = 10;
	b->vswitches[0].n_portgroups = 1;
	b->vswitches[1].n_uplinks = 1;
	snprintf(b->vswitches[1].uplinks[0], VMK_NAME_MAX, "vmnic0");
	b->vswitches[1].n_portgroups = 1;
	vmk_config_portgroup_init(&b->vswitches[1].portgroups[0], "VM Network");
	b->vswitches[1].portgroups[0].vlan_id = 20;
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), 0);
	vs1 = vmk_vswitch_find(host, "vSwitch1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vs1);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vmnic0", &id), -ENOENT);
	CU_ASSERT_EQUAL(vmk_port_find(vs1, "vmnic0", &id), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs0, "VM Network", &pg), -ENOENT);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs1, "VM Network", &pg), 0);
	CU_ASSERT_EQUAL(pg.vlan_id, 20);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs0, "Management Network", &pg), 0);
	CU_ASSERT_EQUAL(pg.vlan_id, 10);
	CU_ASSERT_EQUAL(vmk_vswitch_get_info(vs0, &info), 0);
	CU_ASSERT_EQUAL(info.mtu, 9000);

	/* And back to nothing. */
	CU_ASSERT_EQUAL(vmk_config_apply(host, b, empty, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_vswitch_list(host, NULL, 0), 0);
	vmk_config_destroy(empty);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}

static void test_config_apply_refuses_unknown_nic_and_port_change_untouched(void)
{
	struct vmk_config *empty, *a, *b;
	struct vmk_vswitch_info info;

	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&b) == 0);
	vmk_config_init_default(a);
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, nics, 2, err, sizeof(err)), 0);
	vmk_config_copy(b, a);
	b->vswitches[0].mtu = 9000;
	b->vswitches[0].n_uplinks = 1;
	snprintf(b->vswitches[0].uplinks[0], VMK_NAME_MAX, "vmnic7");
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no NIC named vmnic7 (this host has vmnic0..vmnic1)"));
	vmk_config_copy(b, a);
	b->vswitches[0].mtu = 9000;
	b->vswitches[0].n_ports = 64;
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ports: cannot change from 512 to 64"));
	CU_ASSERT_EQUAL(vmk_vswitch_get_info(vmk_vswitch_find(host, "vSwitch0"), &info), 0);
	CU_ASSERT_EQUAL(info.mtu, 1500);
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, empty, nics, 2, err, sizeof(err)), 0);
	vmk_config_destroy(empty);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}

static void test_config_apply_undoes_a_change_that_fails_part_way(void)
{
	struct vmk_config *empty, *a, *b;
	struct vmk_vswitch_params vp;
	struct vmk_port_params pp;
	struct vmk_portgroup_info pg;
	struct vmk_vswitch_info info;
	struct vmk_vswitch *other, *vs0;
	uint32_t id;

	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&b) == 0);
	vmk_config_init_default(a);
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, nics, 2, err, sizeof(err)), 0);
	/* vmnic1's ethdev is taken by a port outside the configuration, so
	 * adding it as an uplink (the last step) fails after the MTU, VLAN and
	 * port group steps succeeded. */
	vmk_vswitch_params_init(&vp);
	vp.name = "outside";
	CU_ASSERT_EQUAL_FATAL(vmk_vswitch_add(host, &vp, &other), 0);
	vmk_port_params_init(&pp);
	pp.name = "squatter";
	pp.uplink = true;
	pp.ethdev_port = nics[1].ethdev_port;
	CU_ASSERT_EQUAL_FATAL(vmk_port_add(other, &pp, &id), 0);

	vmk_config_copy(b, a);
	b->vswitches[0].mtu = 9000;
	b->vswitches[0].portgroups[1].vlan_id = 30;
	b->vswitches[0].n_portgroups = 3;
	vmk_config_portgroup_init(&b->vswitches[0].portgroups[2], "vMotion");
	b->vswitches[0].portgroups[2].vlan_id = 20;
	b->vswitches[0].n_uplinks = 1;
	snprintf(b->vswitches[0].uplinks[0], VMK_NAME_MAX, "vmnic1");
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), -EBUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot add uplink vmnic1 on vSwitch0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nothing was changed"));
	vs0 = vmk_vswitch_find(host, "vSwitch0");
	CU_ASSERT_EQUAL(vmk_vswitch_get_info(vs0, &info), 0);
	CU_ASSERT_EQUAL(info.mtu, 1500);
	CU_ASSERT_EQUAL(info.n_portgroups, 2);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs0, "vMotion", &pg), -ENOENT);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs0, "VM Network", &pg), 0);
	CU_ASSERT_EQUAL(pg.vlan_id, 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vmnic1", &id), -ENOENT);

	CU_ASSERT_EQUAL(vmk_port_find(other, "squatter", &id), 0);
	CU_ASSERT_EQUAL(vmk_port_remove(other, id), 0);
	CU_ASSERT_EQUAL(vmk_vswitch_remove(host, "outside"), 0);
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, empty, nics, 2, err, sizeof(err)), 0);
	vmk_config_destroy(empty);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}

static void test_config_apply_sets_policies_and_undoes_them(void)
{
	struct vmk_config *empty, *a, *b;
	struct vmk_security_policy sec;
	struct vmk_shaping_policy sh;
	struct vmk_teaming_policy t;
	unsigned int mask;
	bool over;
	struct vmk_vswitch *vs0;

	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&b) == 0);
	vmk_config_init_default(a);
	a->vswitches[0].n_uplinks = 1;
	snprintf(a->vswitches[0].uplinks[0], VMK_NAME_MAX, "vmnic0");
	a->vswitches[0].security.allow_promiscuous = true;
	a->vswitches[0].teaming.n_active = 1;
	snprintf(a->vswitches[0].teaming.active[0], 32, "vmnic0");
	a->vswitches[0].portgroups[1].has_shaping = true;
	a->vswitches[0].portgroups[1].shaping =
		(struct vmk_shaping_policy){ true, 1000, 2000, 64 };
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, nics, 2, err, sizeof(err)), 0);
	vs0 = vmk_vswitch_find(host, "vSwitch0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vs0);
	CU_ASSERT_EQUAL(vmk_vswitch_get_security(vs0, &sec), 0);
	CU_ASSERT_TRUE(sec.allow_promiscuous);
	CU_ASSERT_EQUAL(vmk_vswitch_get_teaming(vs0, &t), 0);
	CU_ASSERT_EQUAL(t.n_active, 1);
	CU_ASSERT_EQUAL(vmk_portgroup_get_shaping(vs0, "VM Network", &sh, &over), 0);
	CU_ASSERT_TRUE(over && sh.enabled && sh.avg_kbps == 1000);

	/* Override security on a group, inherit shaping again; the uplink add
	 * fails (vmnic7's ethdev is not there), so nothing may change. */
	vmk_config_copy(b, a);
	b->vswitches[0].portgroups[0].security_mask = VMK_SEC_PROMISCUOUS;
	b->vswitches[0].portgroups[0].security.allow_promiscuous = false;
	b->vswitches[0].portgroups[1].has_shaping = false;
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_get_security(vs0, "Management Network", &sec, &mask), 0);
	CU_ASSERT_EQUAL(mask, VMK_SEC_PROMISCUOUS);
	CU_ASSERT_FALSE(sec.allow_promiscuous);
	CU_ASSERT_EQUAL(vmk_portgroup_get_shaping(vs0, "VM Network", &sh, &over), 0);
	CU_ASSERT_FALSE(over);
	/* And back: the overrides go, the vSwitch's policy returns. */
	CU_ASSERT_EQUAL(vmk_config_apply(host, b, a, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_get_security(vs0, "Management Network", &sec, &mask), 0);
	CU_ASSERT_EQUAL(mask, 0);
	CU_ASSERT_TRUE(sec.allow_promiscuous);
	CU_ASSERT_EQUAL(vmk_portgroup_get_shaping(vs0, "VM Network", &sh, &over), 0);
	CU_ASSERT_TRUE(over);
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, empty, nics, 2, err, sizeof(err)), 0);
	vmk_config_destroy(empty);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}

static void test_config_apply_builds_adapters_netstacks_routes_and_undoes(void)
{
	struct vmk_config *empty, *a, *b;
	struct vmk_vmknic_info vi;
	struct vmk_route rt[8];
	uint32_t tags;

	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&b) == 0);
	vmk_config_init_default(a);
	a->netstacks[0].default_gateway = htonl(0xc0000201);
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_vmknic_get(host, "vmk0", &vi), 0);
	CU_ASSERT_EQUAL(vi.ipv4, htonl(0xc000020a));
	CU_ASSERT_EQUAL(vi.tags, 1u << VMK_TAG_MANAGEMENT);
	CU_ASSERT_EQUAL(vmk_route_list(host, NULL, rt, 8), 2);   /* connected + default */

	/* A custom netstack with an adapter and a route, new tags, a new MTU. */
	vmk_config_copy(b, a);
	memcpy(b->vmknics[0].mac, vi.mac, 6);
	b->vmknics[0].tags = 1u << VMK_TAG_VSAN;
	b->vswitches[0].mtu = 9000;
	b->vmknics[0].mtu = 9000;
	snprintf(b->netstacks[b->n_netstacks++].name, VMK_NAME_MAX, "storage");
	b->netstacks[3].n_routes = 1;
	b->netstacks[3].routes[0] = (struct vmk_config_route){ htonl(0xc6120000), 15,
							       htonl(0xcb007101) };
	vmk_config_vmknic_init(&b->vmknics[b->n_vmknics++], "vmk1", "vSwitch0", "VM Network");
	snprintf(b->vmknics[1].netstack, VMK_NAME_MAX, "storage");
	b->vmknics[1].ipv4 = htonl(0xcb007105);
	b->vmknics[1].netmask = htonl(0xffffff00);
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk1", &vi), 0);
	CU_ASSERT_STRING_EQUAL(vi.netstack, "storage");
	CU_ASSERT_EQUAL(vmk_vmknic_tags_get(host, "vmk0", &tags), 0);
	CU_ASSERT_EQUAL(tags, 1u << VMK_TAG_VSAN);
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk0", &vi), 0);
	CU_ASSERT_EQUAL(vi.mtu, 9000);
	CU_ASSERT_EQUAL(vmk_route_list(host, "storage", rt, 8), 2);

	/* Back, with the vSwitch MTU going down after the adapter's. */
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, b, a, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk1", &vi), -ENOENT);
	CU_ASSERT_EQUAL(vmk_netstack_list(host, NULL, 0), 3);
	CU_ASSERT_EQUAL(vmk_vmknic_tags_get(host, "vmk0", &tags), 0);
	CU_ASSERT_EQUAL(tags, 1u << VMK_TAG_MANAGEMENT);

	/* A step that fails (a socket keeps the netstack busy) undoes the rest. */
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), 0);
	{
		struct vmk_udp_sock *s;
		struct vmk_config *c;

		CU_ASSERT_FATAL(vmk_config_create(&c) == 0);
		vmk_config_copy(c, b);
		c->n_vmknics = 1;
		c->n_netstacks = 3;
		CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, "storage", &s), 0);
		CU_ASSERT_EQUAL(vmk_config_apply(host, b, c, nics, 2, err, sizeof(err)), -EBUSY);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "remove netstack storage"));
		CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk1", &vi), 0);
		CU_ASSERT_EQUAL(vmk_route_list(host, "storage", rt, 8), 2);
		vmk_udp_close(s);
		vmk_config_destroy(c);
	}
	CU_ASSERT_EQUAL(vmk_config_apply(host, b, empty, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_list(host, NULL, 0), 0);
	vmk_config_destroy(empty);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
}

static void test_config_netstack_tcp_round_trips_validates_and_applies(void)
{
	struct vmk_config *empty, *a, *back;
	struct vmk_tcp_params tp;
	char *text;

	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&back) == 0);
	CU_ASSERT_EQUAL(parse(IP_DOC(NIC0, "{\"name\": \"storage\", \"tcp\": {}}, "
				     "{\"name\": \"vmotion\", \"tcp\": {\"congestion_control\": "
				     "\"newreno\", \"rto_min_ms\": 30}}")), 0);
	refused(IP_DOC("", "{\"name\": \"storage\", \"tcp\": {\"congestion_control\": "
		       "\"vegas\"}}"),
		"netstacks[3] (storage).tcp.congestion_control: unknown algorithm \"vegas\"");
	refused(IP_DOC("", "{\"name\": \"storage\", \"tcp\": {\"rto_min_ms\": 0}}"),
		"(storage).tcp.rto_min_ms: 0 is out of range 1..1000");
	refused(IP_DOC("", "{\"name\": \"storage\", \"tcp\": {\"cc\": \"newreno\"}}"),
		"cc");
	refused(IP_DOC("", "{\"name\": \"storage\", \"tcp\": 3}"), "(storage).tcp: expected an object");

	/* Defaults are not written; set values are, and read back the same. */
	vmk_config_init_default(a);
	CU_ASSERT_EQUAL_FATAL(vmk_config_to_json(a, &text), 0);
	CU_ASSERT_PTR_NULL(strstr(text, "\"tcp\""));
	free(text);
	snprintf(a->netstacks[1].tcp_cc, sizeof(a->netstacks[1].tcp_cc), "newreno");
	a->netstacks[1].tcp_rto_min_ms = 30;
	CU_ASSERT_EQUAL_FATAL(vmk_config_to_json(a, &text), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"rto_min_ms\""));
	CU_ASSERT_EQUAL(vmk_config_from_json(text, strlen(text), back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(a, back, sizeof(*a)), 0);
	free(text);

	/* The model's own check names the field. */
	vmk_config_copy(back, a);
	snprintf(back->netstacks[0].tcp_cc, sizeof(back->netstacks[0].tcp_cc), "vegas");
	CU_ASSERT_EQUAL(vmk_config_validate(back, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "netstacks[0] (defaultTcpipStack).tcp."
				      "congestion_control: unknown algorithm \"vegas\""));

	/* Applied on start, changed, and back to the defaults. */
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_tcp_get_params(host, "vmotion", &tp), 0);
	CU_ASSERT_EQUAL(tp.rto_min_us, 30000);
	CU_ASSERT_STRING_EQUAL(tp.cc, "newreno");
	CU_ASSERT_EQUAL(vmk_tcp_get_params(host, NULL, &tp), 0);
	CU_ASSERT_EQUAL(tp.rto_min_us, 200000);
	vmk_config_copy(back, a);
	back->netstacks[1].tcp_rto_min_ms = 0;
	back->netstacks[0].tcp_rto_min_ms = 500;
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, a, back, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_tcp_get_params(host, "vmotion", &tp), 0);
	CU_ASSERT_EQUAL(tp.rto_min_us, 200000);
	CU_ASSERT_EQUAL(vmk_tcp_get_params(host, NULL, &tp), 0);
	CU_ASSERT_EQUAL(tp.rto_min_us, 500000);
	CU_ASSERT_EQUAL(vmk_config_apply(host, back, empty, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_tcp_get_params(host, NULL, &tp), 0);
	CU_ASSERT_EQUAL(tp.rto_min_us, 200000);
	vmk_config_destroy(empty);
	vmk_config_destroy(a);
	vmk_config_destroy(back);
}

static bool is_socket(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* A socket file nobody listens on, as a killed process leaves it. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

static void test_config_apply_adds_moves_and_removes_guest_ports_with_undo(void)
{
	struct vmk_config *empty, *a, *b, *c;
	struct vmk_port_info pi;
	struct vmk_fdb_entry fe;
	struct vmk_vswitch_info info;
	struct vmk_vswitch *vs0;
	char dir[] = "/tmp/vmkt_guest_XXXXXX", srv[96], cli[96], missing[128];
	uint32_t id;
	FILE *f;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(srv, sizeof(srv), "%s/vm2.eth0.sock", dir);
	snprintf(cli, sizeof(cli), "%s/vm1.eth0.sock", dir);
	snprintf(missing, sizeof(missing), "%s/nodir/vm3.sock", dir);
	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&b) == 0 && vmk_config_create(&c) == 0);
	vmk_config_init_default(a);
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, nics, 2, err, sizeof(err)), 0);
	vs0 = vmk_vswitch_find(host, "vSwitch0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vs0);

	/* A client-mode guest (nobody listens yet: it keeps trying) and a
	 * server-mode one with two queue pairs and a MAC. */
	vmk_config_copy(b, a);
	vmk_config_guest_port_init(&b->guest_ports[0], "vm1.eth0", "vSwitch0", "VM Network", cli);
	vmk_config_guest_port_init(&b->guest_ports[1], "vm2.eth0", "vSwitch0", "VM Network", srv);
	b->guest_ports[1].server = true;
	b->guest_ports[1].n_queues = 2;
	memcpy(b->guest_ports[1].mac, (uint8_t[6]){ 0x02, 0x0c, 0x29, 0, 0, 2 }, 6);
	b->n_guest_ports = 2;
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vm1.eth0", &id), 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vm2.eth0", &id), 0);
	CU_ASSERT_EQUAL(vmk_port_get_info(vs0, id, &pi), 0);
	CU_ASSERT_EQUAL(pi.kind, VMK_PORT_VHOST);
	CU_ASSERT_STRING_EQUAL(pi.portgroup, "VM Network");
	CU_ASSERT_FALSE(pi.link_up);                    /* no guest connected */
	CU_ASSERT_TRUE(is_socket(srv));                 /* server mode made it */
	CU_ASSERT_FALSE(is_socket(cli));                /* client mode did not */
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs0, 0, b->guest_ports[1].mac, &fe), 0);
	CU_ASSERT_TRUE(fe.registered && fe.port_id == id);

	/* Moving a guest to another port group re-creates its port there. */
	vmk_config_copy(c, b);
	snprintf(c->guest_ports[1].portgroup, VMK_NAME_MAX, "Management Network");
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, b, c, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vm2.eth0", &id), 0);
	CU_ASSERT_EQUAL(vmk_port_get_info(vs0, id, &pi), 0);
	CU_ASSERT_STRING_EQUAL(pi.portgroup, "Management Network");
	CU_ASSERT_TRUE(is_socket(srv));
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, c, b, nics, 2, err, sizeof(err)), 0);

	/* A change that fails part-way (a server socket in a directory that is
	 * not there) is undone: MTU back, the removed guest back. */
	vmk_config_copy(c, b);
	c->vswitches[0].mtu = 9000;
	c->guest_ports[0] = c->guest_ports[1];
	vmk_config_guest_port_init(&c->guest_ports[1], "vm3.eth0", "vSwitch0", "VM Network",
				   missing);
	c->guest_ports[1].server = true;
	CU_ASSERT_EQUAL(vmk_config_apply(host, b, c, nics, 2, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot add guest port vm3.eth0 on vSwitch0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "the socket's directory does not exist"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nothing was changed"));
	CU_ASSERT_EQUAL(vmk_vswitch_get_info(vs0, &info), 0);
	CU_ASSERT_EQUAL(info.mtu, 1500);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vm1.eth0", &id), 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vm3.eth0", &id), -ENOENT);

	/* Removed: the server socket goes with its port. */
	CU_ASSERT_EQUAL(vmk_config_apply(host, b, a, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vm2.eth0", &id), -ENOENT);
	CU_ASSERT_FALSE(is_socket(srv));

	/* A stale socket (a killed daemon's) is replaced; another file is not. */
	make_stale_socket(srv);
	CU_ASSERT_TRUE(is_socket(srv));
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vm2.eth0", &id), 0);
	CU_ASSERT_EQUAL(vmk_config_apply(host, b, a, nics, 2, err, sizeof(err)), 0);
	f = fopen(srv, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, b, nics, 2, err, sizeof(err)), -ENOTSOCK);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "a file that is not a socket is at that path"));
	CU_ASSERT_EQUAL(vmk_port_find(vs0, "vm1.eth0", &id), -ENOENT);
	unlink(srv);

	CU_ASSERT_EQUAL(vmk_config_apply(host, a, empty, nics, 2, err, sizeof(err)), 0);
	rmdir(dir);
	vmk_config_destroy(empty);
	vmk_config_destroy(a);
	vmk_config_destroy(b);
	vmk_config_destroy(c);
}

int main(void)
{
	CU_pSuite model, apply;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	model = CU_add_suite("config_model_json_file", NULL, NULL);
	CU_add_test(model, "default is valid and round-trips",
		    test_config_default_is_valid_and_round_trips);
	CU_add_test(model, "omitted fields take defaults", test_config_omitted_fields_take_defaults);
	CU_add_test(model, "malformed JSON names line and column",
		    test_config_malformed_json_names_line_and_column);
	CU_add_test(model, "wrong types are named", test_config_wrong_types_are_named);
	CU_add_test(model, "unknown and missing fields are refused",
		    test_config_unknown_and_missing_fields_are_refused);
	CU_add_test(model, "out-of-range values are refused",
		    test_config_out_of_range_values_are_refused);
	CU_add_test(model, "CDP status round trips and is validated",
		    test_config_cdp_status_round_trips_and_is_validated);
	CU_add_test(model, "duplicates are refused", test_config_duplicates_are_refused);
	CU_add_test(model, "schema version mismatch is refused",
		    test_config_schema_version_mismatch_is_refused);
	CU_add_test(model, "refused document leaves the target unchanged",
		    test_config_refused_document_leaves_target_unchanged);
	CU_add_test(model, "file saves atomically and refuses corrupt files",
		    test_config_file_saves_atomically_and_refuses_corrupt_files);
	CU_add_test(model, "save failing part-way leaves the previous file whole",
		    test_config_save_failing_part_way_leaves_the_previous_file_whole);
	CU_add_test(model, "policies round-trip and absent means inherit",
		    test_config_policies_round_trip_and_absent_means_inherit);
	CU_add_test(model, "bad policies are refused with the field",
		    test_config_bad_policies_are_refused_with_the_field);
	CU_add_test(model, "adapters, netstacks and routes round-trip; bad ones name the field",
		    test_config_ip_round_trips_and_bad_values_name_the_field);
	CU_add_test(model, "guest ports round-trip; bad ones name the field",
		    test_config_guest_ports_round_trip_and_bad_ones_name_the_field);
	apply = CU_add_suite("config_apply", apply_suite_init, apply_suite_clean);
	CU_add_test(apply, "netstack TCP settings round-trip, are checked and applied",
		    test_config_netstack_tcp_round_trips_validates_and_applies);
	CU_add_test(apply, "apply builds adapters, netstacks and routes, and undoes them",
		    test_config_apply_builds_adapters_netstacks_routes_and_undoes);
	CU_add_test(apply, "apply builds exactly the difference",
		    test_config_apply_builds_exactly_the_difference);
	CU_add_test(apply, "apply refuses an unknown NIC and a port change, untouched",
		    test_config_apply_refuses_unknown_nic_and_port_change_untouched);
	CU_add_test(apply, "apply undoes a change that fails part-way",
		    test_config_apply_undoes_a_change_that_fails_part_way);
	CU_add_test(apply, "apply sets policies and takes overrides back",
		    test_config_apply_sets_policies_and_undoes_them);
	CU_add_test(apply, "apply adds, moves and removes guest ports, with undo",
		    test_config_apply_adds_moves_and_removes_guest_ports_with_undo);
	return th_run_suites();
}
