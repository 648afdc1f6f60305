/*
 * Unit tests of the configuration document's "firewall" section
 * (include/vmknet/config.h, lib/config_json_fw.c): a document without one
 * runs the default firewall; every field round-trips; built-in rulesets
 * keep the library's rules and custom ones need rules; every broken field
 * (wrong type, unknown word, bad port or CIDR, duplicate, too many) is
 * refused with its path, and a refused document leaves the target as it
 * was. vmk_config_apply gives the host the document's firewall, and a
 * change that fails part-way leaves the old firewall running (a real host,
 * no worker).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/config_doc.h"
#include "support/harness.h"


#define DOC(fw) "{\"schema_version\": 1, \"host\": {\"name\": \"esx1\"}, \"vswitches\": []" \
	fw "}"
#define FW(body) DOC(", \"firewall\": {" body "}")
#define RS(body) FW("\"rulesets\": [" body "]")
#define CUSTOM(rules) RS("{\"name\": \"myService\", \"rules\": [" rules "]}")
#define RULE(d, p, port) "{\"direction\": \"" d "\", \"protocol\": \"" p "\", \"port\": " port "}"

static void test_a_document_without_firewall_runs_the_default_one(void)
{
	struct vmk_config *cfg;
	struct vmk_fw_config *def = malloc(sizeof(*def));

	CU_ASSERT_FATAL(def != NULL && vmk_config_create(&cfg) == 0);
	vmk_fw_config_default(def);
	CU_ASSERT_EQUAL(th_cfg_parse(DOC(""), cfg), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg->firewall, def, sizeof(*def)), 0);
	CU_ASSERT_FALSE(cfg->firewall.enabled);
	/* An empty section is the default too. */
	CU_ASSERT_EQUAL(th_cfg_parse(FW(""), cfg), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg->firewall, def, sizeof(*def)), 0);
	/* The built-in default configuration carries it. */
	vmk_config_init_default(cfg);
	CU_ASSERT_EQUAL(memcmp(&cfg->firewall, def, sizeof(*def)), 0);
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, th_cfg_err, sizeof(th_cfg_err)), 0);
	free(def);
	vmk_config_destroy(cfg);
}

static void test_every_firewall_field_round_trips(void)
{
	struct vmk_config *cfg, *back;
	struct vmk_fw_ruleset *rs;
	char *text, *again;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0 && vmk_config_create(&back) == 0);
	cfg->firewall.enabled = true;
	cfg->firewall.default_pass = true;
	cfg->firewall.conn_max = 4096;
	rs = vmk_fw_config_find(&cfg->firewall, "sshServer");
	rs->enabled = false;
	rs->allowed_all = false;
	rs->n_allowed = 2;
	rs->allowed[0].network = inet_addr("198.51.100.7");
	rs->allowed[0].prefix_len = 32;
	rs->allowed[1].network = inet_addr("203.0.113.0");
	rs->allowed[1].prefix_len = 24;
	rs = &cfg->firewall.rulesets[cfg->firewall.n_rulesets++];
	snprintf(rs->name, sizeof(rs->name), "myService");
	rs->enabled = true;
	rs->n_rules = 3;
	rs->rules[0] = (struct vmk_fw_rule){ VMK_FW_INBOUND, VMK_FW_TCP, VMK_FW_PORT_DST,
					     8000, 8010 };
	rs->rules[1] = (struct vmk_fw_rule){ VMK_FW_OUTBOUND, VMK_FW_UDP, VMK_FW_PORT_SRC,
					     53, 53 };
	rs->rules[2] = (struct vmk_fw_rule){ VMK_FW_INBOUND, VMK_FW_ICMP, VMK_FW_PORT_DST, 8, 8 };
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, th_cfg_err, sizeof(th_cfg_err)), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_config_to_json(cfg, &text), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"default_action\":\t\"PASS\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"8000-8010\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"198.51.100.7\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"203.0.113.0/24\""));
	CU_ASSERT_EQUAL(th_cfg_parse(text, back), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg->firewall, &back->firewall, sizeof(cfg->firewall)), 0);
	CU_ASSERT_EQUAL(memcmp(cfg, back, sizeof(*cfg)), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_config_to_json(back, &again), 0);
	CU_ASSERT_STRING_EQUAL(text, again);
	free(text);
	free(again);
	vmk_config_destroy(cfg);
	vmk_config_destroy(back);
}

static void test_omitted_ruleset_fields_take_defaults(void)
{
	struct vmk_config *cfg;
	struct vmk_fw_ruleset *rs;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0);
	CU_ASSERT_EQUAL(th_cfg_parse(RS("{\"name\": \"vMotion\", \"enabled\": false},"
				      "{\"name\": \"myService\", \"rules\": ["
				      RULE("inbound", "tcp", "\"900\"") ","
				      RULE("Outbound", "UDP", "7000") "]}"), cfg), 0);
	CU_ASSERT_STRING_EQUAL(th_cfg_err, "");
	CU_ASSERT_FALSE(cfg->firewall.enabled);
	CU_ASSERT_FALSE(cfg->firewall.default_pass);
	CU_ASSERT_EQUAL(cfg->firewall.conn_max, VMK_FW_CONN_DEFAULT);
	rs = vmk_fw_config_find(&cfg->firewall, "vMotion");
	CU_ASSERT_FATAL(rs != NULL);
	CU_ASSERT_FALSE(rs->enabled);
	CU_ASSERT_TRUE(rs->allowed_all);
	CU_ASSERT_EQUAL(rs->n_rules, 2);           /* the library's */
	CU_ASSERT_TRUE(vmk_fw_config_find(&cfg->firewall, "sshServer")->enabled);
	rs = vmk_fw_config_find(&cfg->firewall, "myService");
	CU_ASSERT_FATAL(rs != NULL);
	CU_ASSERT_PTR_EQUAL(rs, &cfg->firewall.rulesets[cfg->firewall.n_rulesets - 1]);
	CU_ASSERT_TRUE(rs->enabled);
	CU_ASSERT_TRUE(rs->allowed_all);
	CU_ASSERT_EQUAL(rs->n_rules, 2);
	CU_ASSERT_EQUAL(rs->rules[0].port_type, VMK_FW_PORT_DST);
	CU_ASSERT_EQUAL(rs->rules[0].port_begin, 900);
	CU_ASSERT_EQUAL(rs->rules[0].port_end, 900);
	CU_ASSERT_EQUAL(rs->rules[1].direction, VMK_FW_OUTBOUND);
	CU_ASSERT_EQUAL(rs->rules[1].protocol, VMK_FW_UDP);
	CU_ASSERT_EQUAL(rs->rules[1].port_begin, 7000);
	/* A built-in given its own rules (any order) is accepted. */
	CU_ASSERT_EQUAL(th_cfg_parse(RS("{\"name\": \"vMotion\", \"rules\": ["
				      RULE("Outbound", "TCP", "\"8000\"") ","
				      RULE("Inbound", "TCP", "8000") "]}"), cfg), 0);
	vmk_config_destroy(cfg);
}

static void test_wrong_types_and_unknown_words_name_the_path(void)
{
	th_cfg_refused(DOC(", \"firewall\": []"), "firewall: expected an object, got an array");
	th_cfg_refused(FW("\"enabled\": 1"), "firewall.enabled: expected true or false, got a number");
	th_cfg_refused(FW("\"default_action\": \"REJECT\""),
		"firewall.default_action: expected \"DROP\" or \"PASS\", got REJECT");
	th_cfg_refused(FW("\"default_action\": true"), "firewall.default_action: expected \"DROP\"");
	th_cfg_refused(FW("\"conn_max\": 8"), "firewall.conn_max: 8 is out of range 16..1048576");
	th_cfg_refused(FW("\"conn_max\": \"16\""), "firewall.conn_max: expected an integer");
	th_cfg_refused(FW("\"colour\": 1"), "firewall: unknown field \"colour\"");
	th_cfg_refused(FW("\"rulesets\": {}"), "firewall.rulesets: expected an array, got an object");
	th_cfg_refused(RS("7"), "firewall.rulesets[0]: expected an object, got a number");
	th_cfg_refused(RS("{\"enabled\": true}"), "firewall.rulesets[0]: missing field \"name\"");
	th_cfg_refused(RS("{\"name\": \"sshServer\", \"allowed_all\": \"no\"}"),
		"firewall.rulesets[0] (sshServer).allowed_all: expected true or false");
	th_cfg_refused(RS("{\"name\": \"sshServer\", \"port\": 22}"),
		"firewall.rulesets[0]: unknown field \"port\"");
	th_cfg_refused(CUSTOM(RULE("Sideways", "TCP", "1")),
		"firewall.rulesets[0] (myService).rules[0].direction: expected \"Inbound\" or "
		"\"Outbound\", got Sideways");
	th_cfg_refused(CUSTOM(RULE("Inbound", "SCTP", "1")),
		"(myService).rules[0].protocol: expected \"TCP\", \"UDP\" or \"ICMP\", got SCTP");
	th_cfg_refused(CUSTOM("{\"direction\": \"Inbound\", \"protocol\": \"TCP\", \"port_type\": "
		       "\"Both\", \"port\": 1}"),
		"(myService).rules[0].port_type: expected \"Dst\" or \"Src\", got Both");
	th_cfg_refused(CUSTOM("{\"direction\": \"Inbound\", \"protocol\": \"TCP\"}"),
		"(myService).rules[0]: missing field \"port\"");
	th_cfg_refused(CUSTOM("[]"), "(myService).rules[0]: expected an object, got an array");
	th_cfg_refused(RS("{\"name\": \"myService\"}"),
		"firewall.rulesets[0] (myService): missing field \"rules\"");
	th_cfg_refused(RS("{\"name\": \"my service\", \"rules\": [" RULE("Inbound", "TCP", "1") "]}"),
		"firewall.rulesets[24].name: must not contain a space");
}

static void test_bad_ports_and_addresses_are_refused(void)
{
	static const char *const ports[] = { "\"\"", "\"80-\"", "\"-80\"", "\"65536\"",
					     "\"8a\"", "\"1-2-3\"", "\" 80\"", "\"000000080\"",
					     "-1", "65536", "1.5", "null" };

	for (unsigned int i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		char doc[512];

		snprintf(doc, sizeof(doc), CUSTOM("{\"direction\": \"Inbound\", \"protocol\": "
						  "\"TCP\", \"port\": %s}"), ports[i]);
		th_cfg_refused(doc, "firewall.rulesets[0] (myService).rules[0].port: ");
	}
	th_cfg_refused(CUSTOM(RULE("Inbound", "TCP", "\"900-80\"")),
		"firewall.rulesets[24] (myService).rules[0]: port range 900..80 is reversed");
	th_cfg_refused(CUSTOM(RULE("Inbound", "ICMP", "\"0-300\"")),
		"(myService).rules[0]: ICMP type range 0..300 is beyond 0..255");
	th_cfg_refused(RS("{\"name\": \"sshServer\", \"allowed_ip\": [\"198.51.100.300\"]}"),
		"firewall.rulesets[0] (sshServer).allowed_ip[0]: expected an address \"a.b.c.d\" "
		"or a network \"a.b.c.d/len\", got 198.51.100.300");
	th_cfg_refused(RS("{\"name\": \"sshServer\", \"allowed_ip\": [\"198.51.100.0/33\"]}"),
		"(sshServer).allowed_ip[0]: expected an address");
	th_cfg_refused(RS("{\"name\": \"sshServer\", \"allowed_ip\": [\"198.51.100.1\", 7]}"),
		"(sshServer).allowed_ip[1]: expected an address \"a.b.c.d\" or a network "
		"\"a.b.c.d/len\", got a number");
	th_cfg_refused(RS("{\"name\": \"sshServer\", \"allowed_ip\": [\"198.51.100.1/24\"]}"),
		"firewall.rulesets[0] (sshServer).allowed_ip[0]: 198.51.100.1/24 has host bits set");
	th_cfg_refused(RS("{\"name\": \"sshServer\", \"allowed_ip\": [\"198.51.100.1\", "
		   "\"198.51.100.1/32\"]}"),
		"(sshServer).allowed_ip[1]: 198.51.100.1/32 is already in the list");
}

/* The document `empty` with `count` items of item_fmt (formatted with the
 * item's index modulo 256 and divided by 256) inserted before its last
 * tail_len characters. Free it. */
static char *list_doc(const char *empty, size_t tail_len, const char *item_fmt,
		      unsigned int count)
{
	size_t size = 1 << 20, head = strlen(empty) - tail_len, n = head;
	char *doc = malloc(size);

	CU_ASSERT_FATAL(doc != NULL);
	memcpy(doc, empty, head);
	for (unsigned int i = 0; i < count; i++) {
		if (i > 0)
			doc[n++] = ',';
		n += (size_t)snprintf(doc + n, size - n, item_fmt, i % 256, i / 256);
	}
	snprintf(doc + n, size - n, "%s", empty + head);
	return doc;
}

static void test_duplicates_builtin_rules_and_too_many_are_refused(void)
{
	static const char one_ruleset[] = "{\"name\": \"r%u\", \"rules\": ["
		RULE("Inbound", "TCP", "1") "]}";
	char *doc;

	th_cfg_refused(RS("{\"name\": \"dns\"}, {\"name\": \"dns\"}"),
		"firewall.rulesets[1] (dns).name: ruleset \"dns\" appears twice");
	th_cfg_refused(RS("{\"name\": \"x\", \"rules\": [" RULE("Inbound", "TCP", "1") "]},"
		   "{\"name\": \"x\", \"rules\": [" RULE("Inbound", "TCP", "2") "]}"),
		"firewall.rulesets[1] (x).name: ruleset \"x\" appears twice");
	th_cfg_refused(RS("{\"name\": \"vMotion\", \"rules\": [" RULE("Inbound", "TCP", "8001") "]}"),
		"(vMotion).rules: vMotion is a built-in ruleset: its rules are the library's");
	th_cfg_refused(CUSTOM(RULE("Inbound", "TCP", "1") "," RULE("Inbound", "TCP", "1")),
		"(myService).rules[1]: the same rule as rules[0]");
	th_cfg_refused(CUSTOM(""), "(myService).rules: 0 rules, a ruleset has 1..16");
	doc = list_doc(CUSTOM(""), strlen("]}]}}"), RULE("Inbound", "TCP", "%u"), 17);
	th_cfg_refused(doc, "firewall.rulesets[0] (myService).rules: 17 entries, at most 16");
	free(doc);
	doc = list_doc(RS(""), strlen("]}}"), one_ruleset, 65);
	th_cfg_refused(doc, "firewall.rulesets: 65 entries, at most 64");
	free(doc);
	/* 41 custom ones and the 24 built-ins: 65. */
	doc = list_doc(RS(""), strlen("]}}"), one_ruleset, 41);
	th_cfg_refused(doc, "firewall.rulesets[40] (r40): more than 64 rulesets with the built-in ones");
	free(doc);
	doc = list_doc(RS("{\"name\": \"sshServer\", \"allowed_ip\": []}"), strlen("]}]}}"),
		       "\"198.18.%u.%u\"", 1025);
	th_cfg_refused(doc, "firewall.rulesets[0] (sshServer).allowed_ip: 1025 entries, at most 1024");
	free(doc);
}

static void test_a_refused_firewall_leaves_the_target_unchanged(void)
{
	struct vmk_config *cfg, *before;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0 && vmk_config_create(&before) == 0);
	CU_ASSERT_EQUAL(th_cfg_parse(FW("\"enabled\": true"), cfg), 0);
	vmk_config_copy(before, cfg);
	CU_ASSERT_EQUAL(th_cfg_parse(CUSTOM(RULE("Inbound", "TCP", "\"9-1\"")), cfg), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(cfg, before, sizeof(*cfg)), 0);
	CU_ASSERT_TRUE(cfg->firewall.enabled);
	vmk_config_destroy(cfg);
	vmk_config_destroy(before);
}

static void test_a_saved_firewall_survives_the_file(void)
{
	struct vmk_config *cfg, *back;
	char path[] = "/tmp/vmk-test-config-fw-XXXXXX";
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0 && vmk_config_create(&back) == 0);
	vmk_config_init_default(cfg);
	CU_ASSERT_EQUAL(th_cfg_parse(CUSTOM(RULE("Inbound", "UDP", "\"5000-5100\"")), cfg), 0);
	cfg->firewall.enabled = true;
	vmk_fw_config_find(&cfg->firewall, "NFC")->enabled = false;
	CU_ASSERT_EQUAL(vmk_config_save_file(path, cfg, th_cfg_err, sizeof(th_cfg_err)), 0);
	CU_ASSERT_EQUAL(vmk_config_load_file(path, back, th_cfg_err, sizeof(th_cfg_err)), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg->firewall, &back->firewall, sizeof(cfg->firewall)), 0);
	CU_ASSERT_FALSE(vmk_fw_config_find(&back->firewall, "NFC")->enabled);
	unlink(path);
	vmk_config_destroy(cfg);
	vmk_config_destroy(back);
}

static struct vmk_host *host;

static int apply_suite_init(void)
{
	if (th_eal_init("test_config_fw", false) < 0 || vmk_host_create(NULL, &host) < 0)
		return -1;
	return 0;
}

static int apply_suite_clean(void)
{
	vmk_host_destroy(host);
	return 0;
}

/* The host runs exactly want's firewall. */
static void host_runs(const struct vmk_fw_config *want)
{
	struct vmk_fw_config *got = malloc(sizeof(*got));

	CU_ASSERT_FATAL(got != NULL);
	CU_ASSERT_EQUAL(vmk_firewall_get(host, got), 0);
	CU_ASSERT_EQUAL(memcmp(got, want, sizeof(*got)), 0);
	free(got);
}

static void test_apply_runs_the_documents_firewall_and_a_failure_keeps_the_old(void)
{
	struct vmk_config *empty, *a, *b;
	char dir[] = "/tmp/vmkt_fwcfg_XXXXXX", missing[96];

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(missing, sizeof(missing), "%s/nodir/vm3.sock", dir);
	CU_ASSERT_FATAL(vmk_config_create(&empty) == 0 && vmk_config_create(&a) == 0 &&
			vmk_config_create(&b) == 0);
	host_runs(&empty->firewall);              /* a new host: the default */
	vmk_config_init_default(a);
	CU_ASSERT_EQUAL_FATAL(th_cfg_parse(CUSTOM(RULE("Inbound", "TCP", "\"7000-7010\"")), a), 0);
	vmk_config_init_default(b);               /* the parse replaced the vSwitches */
	b->firewall = a->firewall;
	vmk_config_copy(a, b);
	a->firewall.enabled = true;
	vmk_fw_config_find(&a->firewall, "sshServer")->enabled = false;
	CU_ASSERT_EQUAL_FATAL(vmk_config_apply(host, empty, a, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), 0);
	host_runs(&a->firewall);

	/* b turns the firewall off and adds a server-mode guest port whose
	 * socket directory is missing: that step fails before the firewall's,
	 * and the firewall that ran keeps running. */
	vmk_config_copy(b, a);
	b->firewall.enabled = false;
	vmk_config_guest_port_init(&b->guest_ports[0], "vm3.eth0", "vSwitch0", "VM Network",
				   missing);
	b->guest_ports[0].server = true;
	b->n_guest_ports = 1;
	CU_ASSERT_NOT_EQUAL(vmk_config_apply(host, a, b, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(th_cfg_err, "vm3.eth0"));
	host_runs(&a->firewall);
	/* A firewall-only change applies alone; back to empty is the default. */
	vmk_config_copy(b, a);
	b->firewall.default_pass = true;
	CU_ASSERT_EQUAL(vmk_config_apply(host, a, b, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), 0);
	host_runs(&b->firewall);
	CU_ASSERT_EQUAL(vmk_config_apply(host, b, empty, NULL, 0, th_cfg_err, sizeof(th_cfg_err)), 0);
	host_runs(&empty->firewall);
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
	s = CU_add_suite("config_firewall_json", NULL, NULL);
	ADD(s, test_a_document_without_firewall_runs_the_default_one);
	ADD(s, test_every_firewall_field_round_trips);
	ADD(s, test_omitted_ruleset_fields_take_defaults);
	ADD(s, test_wrong_types_and_unknown_words_name_the_path);
	ADD(s, test_bad_ports_and_addresses_are_refused);
	ADD(s, test_duplicates_builtin_rules_and_too_many_are_refused);
	ADD(s, test_a_refused_firewall_leaves_the_target_unchanged);
	ADD(s, test_a_saved_firewall_survives_the_file);
	s = CU_add_suite("config_firewall_apply", apply_suite_init, apply_suite_clean);
	ADD(s, test_apply_runs_the_documents_firewall_and_a_failure_keeps_the_old);
	return th_run_suites();
}
