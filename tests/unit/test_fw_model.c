/*
 * Unit tests of the firewall model's value functions (include/vmknet/
 * firewall.h, tcpip/fw_model.c): the esxcli names round-trip, the default
 * firewall is ESXi's (disabled, DROP, the built-in rulesets with their
 * rules and states) and validates, and every malformed field is refused
 * with a reason naming the ruleset and the field, in both the caller's
 * buffer and vmk_last_error(). No host, no EAL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include <vmknet/error.h>
#include <vmknet/firewall.h>

#include "support/cunit_run.h"

static char err[256];
static struct vmk_fw_config *fw;

static int setup(void)
{
	fw = malloc(sizeof(*fw));
	return fw == NULL ? -1 : 0;
}

static int teardown(void)
{
	free(fw);
	return 0;
}

/* The current fw is refused, the reason names `why`, the same text in
 * vmk_last_error(); then fw is reset to the default. */
static void refused(const char *why)
{
	int ret;

	err[0] = '\0';
	ret = vmk_fw_config_validate(fw, err, sizeof(err));
	CU_ASSERT_EQUAL(ret, -EINVAL);
	if (strstr(err, why) == NULL) {
		printf("\n      reason \"%s\" lacks \"%s\"", err, why);
		CU_FAIL("reason does not name the problem");
	}
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), err);
	vmk_fw_config_default(fw);
}

/* A custom ruleset appended to the default; returns it. */
static struct vmk_fw_ruleset *add_custom(const char *name)
{
	struct vmk_fw_ruleset *rs = &fw->rulesets[fw->n_rulesets++];

	memset(rs, 0, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "%s", name);
	rs->enabled = true;
	rs->n_rules = 1;
	rs->rules[0] = (struct vmk_fw_rule){ VMK_FW_INBOUND, VMK_FW_TCP, VMK_FW_PORT_DST, 900,
					     910 };
	return rs;
}

static void test_names_round_trip_case_insensitively(void)
{
	enum vmk_fw_direction d;
	enum vmk_fw_protocol p;
	enum vmk_fw_port_type t;

	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(vmk_fw_direction_parse(vmk_fw_direction_name(i), &d), 0);
		CU_ASSERT_EQUAL((int)d, i);
		CU_ASSERT_EQUAL(vmk_fw_port_type_parse(vmk_fw_port_type_name(i), &t), 0);
		CU_ASSERT_EQUAL((int)t, i);
	}
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(vmk_fw_protocol_parse(vmk_fw_protocol_name(i), &p), 0);
		CU_ASSERT_EQUAL((int)p, i);
	}
	CU_ASSERT_STRING_EQUAL(vmk_fw_direction_name(VMK_FW_OUTBOUND), "Outbound");
	CU_ASSERT_STRING_EQUAL(vmk_fw_protocol_name(VMK_FW_ICMP), "ICMP");
	CU_ASSERT_STRING_EQUAL(vmk_fw_port_type_name(VMK_FW_PORT_SRC), "Src");
	CU_ASSERT_EQUAL(vmk_fw_direction_parse("inbound", &d), 0);
	CU_ASSERT_EQUAL(d, VMK_FW_INBOUND);
	CU_ASSERT_EQUAL(vmk_fw_protocol_parse("udp", &p), 0);
	CU_ASSERT_EQUAL(p, VMK_FW_UDP);
	CU_ASSERT_EQUAL(vmk_fw_port_type_parse("DST", &t), 0);
	CU_ASSERT_EQUAL(t, VMK_FW_PORT_DST);
}

static void test_unknown_names_are_refused_and_out_of_range_has_no_name(void)
{
	enum vmk_fw_direction d = VMK_FW_OUTBOUND;
	enum vmk_fw_protocol p = VMK_FW_UDP;
	enum vmk_fw_port_type t = VMK_FW_PORT_SRC;

	CU_ASSERT_EQUAL(vmk_fw_direction_parse("in", &d), -EINVAL);
	CU_ASSERT_EQUAL(vmk_fw_direction_parse(NULL, &d), -EINVAL);
	CU_ASSERT_EQUAL(vmk_fw_protocol_parse("SCTP", &p), -EINVAL);
	CU_ASSERT_EQUAL(vmk_fw_port_type_parse("", &t), -EINVAL);
	CU_ASSERT_EQUAL(d, VMK_FW_OUTBOUND);   /* untouched on refusal */
	CU_ASSERT_EQUAL(p, VMK_FW_UDP);
	CU_ASSERT_EQUAL(t, VMK_FW_PORT_SRC);
	CU_ASSERT_PTR_NULL(vmk_fw_direction_name(2));
	CU_ASSERT_PTR_NULL(vmk_fw_protocol_name(3));
	CU_ASSERT_PTR_NULL(vmk_fw_port_type_name(-1));
}

/* The rule of `name` in the default firewall matches (dir, proto, port). */
static bool default_has(const char *name, enum vmk_fw_direction d, enum vmk_fw_protocol p,
			uint16_t port)
{
	struct vmk_fw_ruleset *rs = vmk_fw_config_find(fw, name);

	for (unsigned int k = 0; rs != NULL && k < rs->n_rules; k++) {
		const struct vmk_fw_rule *r = &rs->rules[k];

		if (r->direction == d && r->protocol == p && r->port_type == VMK_FW_PORT_DST &&
		    r->port_begin <= port && port <= r->port_end)
			return true;
	}
	return false;
}

static bool default_enabled(const char *name)
{
	struct vmk_fw_ruleset *rs = vmk_fw_config_find(fw, name);

	CU_ASSERT_PTR_NOT_NULL(rs);
	return rs != NULL && rs->enabled;
}

static void test_default_is_esxis_and_validates(void)
{
	vmk_fw_config_default(fw);
	CU_ASSERT_EQUAL(vmk_fw_config_validate(fw, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "");
	CU_ASSERT_FALSE(fw->enabled);
	CU_ASSERT_FALSE(fw->default_pass);
	CU_ASSERT_EQUAL(fw->conn_max, VMK_FW_CONN_DEFAULT);
	CU_ASSERT_TRUE(default_has("sshServer", VMK_FW_INBOUND, VMK_FW_TCP, 22));
	CU_ASSERT_TRUE(default_has("vMotion", VMK_FW_INBOUND, VMK_FW_TCP, 8000));
	CU_ASSERT_TRUE(default_has("vMotion", VMK_FW_OUTBOUND, VMK_FW_TCP, 8000));
	for (uint16_t port = 8100; port <= 8300; port += 100) {
		CU_ASSERT_TRUE(default_has("faultTolerance", VMK_FW_INBOUND, VMK_FW_TCP, port));
		CU_ASSERT_TRUE(default_has("faultTolerance", VMK_FW_OUTBOUND, VMK_FW_UDP, port));
	}
	CU_ASSERT_TRUE(default_has("iSCSI", VMK_FW_OUTBOUND, VMK_FW_TCP, 3260));
	CU_ASSERT_FALSE(default_has("iSCSI", VMK_FW_INBOUND, VMK_FW_TCP, 3260));
	CU_ASSERT_TRUE(default_has("nfsClient", VMK_FW_OUTBOUND, VMK_FW_TCP, 2049));
	CU_ASSERT_TRUE(default_has("nfsClient", VMK_FW_OUTBOUND, VMK_FW_TCP, 111));
	CU_ASSERT_TRUE(default_has("nfs41Client", VMK_FW_OUTBOUND, VMK_FW_TCP, 2049));
	CU_ASSERT_TRUE(default_has("vsanvp", VMK_FW_INBOUND, VMK_FW_TCP, 8080));
	CU_ASSERT_TRUE(default_has("rdt", VMK_FW_INBOUND, VMK_FW_TCP, 2233));
	CU_ASSERT_TRUE(default_has("cmmds", VMK_FW_INBOUND, VMK_FW_UDP, 12321));
	CU_ASSERT_TRUE(default_has("NFC", VMK_FW_INBOUND, VMK_FW_TCP, 902));
	CU_ASSERT_TRUE(default_has("dhcp", VMK_FW_INBOUND, VMK_FW_UDP, 68));
	CU_ASSERT_TRUE(default_has("dhcp", VMK_FW_OUTBOUND, VMK_FW_UDP, 67));
	CU_ASSERT_TRUE(default_has("dns", VMK_FW_OUTBOUND, VMK_FW_UDP, 53));
	CU_ASSERT_TRUE(default_has("dns", VMK_FW_OUTBOUND, VMK_FW_TCP, 53));
	CU_ASSERT_TRUE(default_has("ntpClient", VMK_FW_OUTBOUND, VMK_FW_UDP, 123));
	CU_ASSERT_TRUE(default_has("webAccess", VMK_FW_INBOUND, VMK_FW_TCP, 80));
	CU_ASSERT_TRUE(default_has("httpClient", VMK_FW_OUTBOUND, VMK_FW_TCP, 443));
	CU_ASSERT_TRUE(default_has("CIMHttpsServer", VMK_FW_INBOUND, VMK_FW_TCP, 5989));
	CU_ASSERT_TRUE(default_has("snmp", VMK_FW_INBOUND, VMK_FW_UDP, 161));
	CU_ASSERT_TRUE(default_has("icmp", VMK_FW_INBOUND, VMK_FW_ICMP, 8));
	/* ESXi's default states. */
	CU_ASSERT_TRUE(default_enabled("sshServer"));
	CU_ASSERT_TRUE(default_enabled("vMotion"));
	CU_ASSERT_TRUE(default_enabled("dns"));
	CU_ASSERT_TRUE(default_enabled("icmp"));
	CU_ASSERT_FALSE(default_enabled("iSCSI"));
	CU_ASSERT_FALSE(default_enabled("nfsClient"));
	CU_ASSERT_FALSE(default_enabled("ntpClient"));
	CU_ASSERT_FALSE(default_enabled("httpClient"));
	for (unsigned int i = 0; i < fw->n_rulesets; i++) {
		CU_ASSERT_TRUE(fw->rulesets[i].allowed_all);
		CU_ASSERT_TRUE(vmk_fw_ruleset_is_builtin(fw->rulesets[i].name));
	}
	CU_ASSERT_FALSE(vmk_fw_ruleset_is_builtin("myService"));
	CU_ASSERT_FALSE(vmk_fw_ruleset_is_builtin("sshserver"));   /* case-sensitive */
	CU_ASSERT_PTR_NULL(vmk_fw_config_find(fw, "nothing"));
}

static void test_a_valid_custom_ruleset_with_allowed_networks_passes(void)
{
	struct vmk_fw_ruleset *rs;

	vmk_fw_config_default(fw);
	rs = add_custom("myService");
	rs->allowed_all = false;
	rs->n_allowed = 2;
	rs->allowed[0] = (struct vmk_fw_allowed){ inet_addr("198.51.100.7"), 32 };
	rs->allowed[1] = (struct vmk_fw_allowed){ inet_addr("203.0.113.0"), 24 };
	CU_ASSERT_EQUAL(vmk_fw_config_validate(fw, err, sizeof(err)), 0);
	CU_ASSERT_PTR_EQUAL(vmk_fw_config_find(fw, "myService"), rs);
	/* A built-in's allowed list and state may change. */
	rs = vmk_fw_config_find(fw, "sshServer");
	rs->enabled = false;
	rs->allowed_all = false;
	rs->n_allowed = 1;
	rs->allowed[0] = (struct vmk_fw_allowed){ 0, 0 };
	CU_ASSERT_EQUAL(vmk_fw_config_validate(fw, NULL, 0), 0);
}

static void test_bad_counts_and_conn_max_are_refused_naming_the_field(void)
{
	vmk_fw_config_default(fw);
	fw->conn_max = 15;
	refused("conn_max: 15 is out of range 16..");
	fw->conn_max = VMK_FW_CONN_MAX + 1;
	refused("conn_max:");
	fw->n_rulesets = VMK_FW_RULESETS_MAX + 1;
	refused("rulesets: 65 rulesets, at most 64");
	add_custom("myService")->n_rules = 0;
	refused("rulesets[24] (myService).rules: 0 rules, a ruleset has 1..16");
	add_custom("myService")->n_rules = VMK_FW_RULES_MAX + 1;
	refused("(myService).rules: 17 rules");
	add_custom("myService")->n_allowed = VMK_FW_ALLOWED_MAX + 1;
	refused("(myService).allowed_ip: 1025 entries, at most 1024");
}

static void test_bad_names_are_refused(void)
{
	vmk_fw_config_default(fw);
	add_custom("");
	refused("rulesets[24].name: must not be empty");
	add_custom("my service");
	refused("rulesets[24].name: must not contain a space");
	add_custom("tab\there");
	refused("rulesets[24].name: contains a byte that is not printable");
	memset(add_custom("x")->name, 'a', VMK_NAME_MAX);
	refused("rulesets[24].name: is longer than 31 bytes");
	add_custom("vMotion");
	refused("rulesets[24] (vMotion).name: ruleset \"vMotion\" already exists (rulesets[2])");
}

static void test_bad_rules_are_refused_naming_ruleset_and_rule(void)
{
	struct vmk_fw_ruleset *rs;

	vmk_fw_config_default(fw);
	rs = add_custom("myService");
	rs->rules[0].port_begin = 900;
	rs->rules[0].port_end = 80;
	refused("rulesets[24] (myService).rules[0]: port range 900..80 is reversed");
	add_custom("myService")->rules[0].direction = 7;
	refused("(myService).rules[0].direction: 7 is not Inbound or Outbound");
	add_custom("myService")->rules[0].protocol = 3;
	refused("(myService).rules[0].protocol: 3 is not TCP, UDP or ICMP");
	add_custom("myService")->rules[0].port_type = 2;
	refused("(myService).rules[0].port_type: 2 is not Dst or Src");
	rs = add_custom("myService");
	rs->rules[0] = (struct vmk_fw_rule){ VMK_FW_INBOUND, VMK_FW_ICMP, VMK_FW_PORT_DST, 0, 256 };
	refused("(myService).rules[0]: ICMP type range 0..256 is beyond 0..255");
	rs = add_custom("myService");
	rs->rules[0] = (struct vmk_fw_rule){ VMK_FW_INBOUND, VMK_FW_ICMP, VMK_FW_PORT_SRC, 8, 8 };
	refused("(myService).rules[0].port_type: an ICMP rule matches the type");
	rs = add_custom("myService");
	rs->n_rules = 2;
	rs->rules[1] = rs->rules[0];
	refused("(myService).rules[1]: the same rule as rules[0]");
}

static void test_builtins_keep_their_rules_and_cannot_be_removed(void)
{
	struct vmk_fw_ruleset *rs, tmp;

	vmk_fw_config_default(fw);
	rs = vmk_fw_config_find(fw, "vMotion");
	rs->rules[0].port_end = 8001;
	refused("rulesets[2] (vMotion).rules: vMotion is a built-in ruleset");
	vmk_fw_config_find(fw, "vMotion")->n_rules = 1;
	refused("(vMotion).rules: vMotion is a built-in ruleset");
	/* The same rules in another order are the same ruleset. */
	rs = vmk_fw_config_find(fw, "vMotion");
	tmp.rules[0] = rs->rules[0];
	rs->rules[0] = rs->rules[1];
	rs->rules[1] = tmp.rules[0];
	CU_ASSERT_EQUAL(vmk_fw_config_validate(fw, err, sizeof(err)), 0);
	/* Removing one: the last takes its place. */
	vmk_fw_config_default(fw);
	rs = vmk_fw_config_find(fw, "iSCSI");
	*rs = fw->rulesets[--fw->n_rulesets];
	refused("the built-in ruleset iSCSI is missing");
}

static void test_bad_allowed_entries_are_refused(void)
{
	struct vmk_fw_ruleset *rs;

	vmk_fw_config_default(fw);
	rs = vmk_fw_config_find(fw, "sshServer");
	rs->n_allowed = 1;
	rs->allowed[0] = (struct vmk_fw_allowed){ inet_addr("203.0.113.5"), 24 };
	refused("rulesets[0] (sshServer).allowed_ip[0]: 203.0.113.5/24 has host bits set");
	rs = vmk_fw_config_find(fw, "sshServer");
	rs->n_allowed = 1;
	rs->allowed[0] = (struct vmk_fw_allowed){ inet_addr("203.0.113.5"), 33 };
	refused("(sshServer).allowed_ip[0]: prefix length 33 is out of range 0..32");
	rs = vmk_fw_config_find(fw, "sshServer");
	rs->n_allowed = 3;
	rs->allowed[0] = (struct vmk_fw_allowed){ inet_addr("203.0.113.0"), 24 };
	rs->allowed[1] = (struct vmk_fw_allowed){ inet_addr("203.0.113.0"), 25 };
	rs->allowed[2] = (struct vmk_fw_allowed){ inet_addr("203.0.113.0"), 24 };
	refused("(sshServer).allowed_ip[2]: 203.0.113.0/24 is already in the list (allowed_ip[0])");
	CU_ASSERT_EQUAL(vmk_fw_config_validate(NULL, err, sizeof(err)), -EINVAL);
}

static void test_a_valid_document_after_a_refusal_clears_the_reason(void)
{
	vmk_fw_config_default(fw);
	fw->conn_max = 0;
	CU_ASSERT_EQUAL(vmk_fw_config_validate(fw, NULL, 0), -EINVAL);
	CU_ASSERT_STRING_NOT_EQUAL(vmk_last_error(), "");
	fw->conn_max = 16;
	CU_ASSERT_EQUAL(vmk_fw_config_validate(fw, NULL, 0), 0);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "");
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("fw_model", setup, teardown);
	ADD(s, test_names_round_trip_case_insensitively);
	ADD(s, test_unknown_names_are_refused_and_out_of_range_has_no_name);
	ADD(s, test_default_is_esxis_and_validates);
	ADD(s, test_a_valid_custom_ruleset_with_allowed_networks_passes);
	ADD(s, test_bad_counts_and_conn_max_are_refused_naming_the_field);
	ADD(s, test_bad_names_are_refused);
	ADD(s, test_bad_rules_are_refused_naming_ruleset_and_rule);
	ADD(s, test_builtins_keep_their_rules_and_cannot_be_removed);
	ADD(s, test_bad_allowed_entries_are_refused);
	ADD(s, test_a_valid_document_after_a_refusal_clears_the_reason);
	return th_cunit_run();
}
