/*
 * Unit tests of the one error convention (common/error.h,
 * include/vmknet/error.h): a refused call of each layer returns a negative
 * errno and says why in vmk_last_error(); the configuration calls put the
 * same text in the caller's buffer; a public call that succeeds clears the
 * text; the text belongs to the calling thread. A real host (no workers
 * started) answers the calls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static struct vmk_host *host;
static struct vmk_vswitch *vs;

static void setup(void)
{
	struct vmk_vswitch_params vp;

	CU_ASSERT_EQUAL_FATAL(vmk_host_create(NULL, &host), 0);
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.mtu = 9000;
	CU_ASSERT_EQUAL_FATAL(vmk_vswitch_add(host, &vp, &vs), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "Management Network", 0), 0);
}

static void teardown(void)
{
	vmk_host_destroy(host);
	host = NULL;
	vs = NULL;
}

static void test_a_refused_vswitch_call_says_why_in_vmk_last_error(void)
{
	struct vmk_vswitch_params vp;

	setup();
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	CU_ASSERT_EQUAL(vmk_vswitch_add(host, &vp, NULL), -EEXIST);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "vSwitch vSwitch0 already exists");

	CU_ASSERT_EQUAL(vmk_port_remove(vs, 77), -ENOENT);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "vSwitch vSwitch0 has no port 77");

	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 100), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "vSwitch vSwitch0: MTU 100 is outside 1280..9000");

	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "Management Network", 5), -EEXIST);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(),
			       "port group Management Network already exists on vSwitch vSwitch0");

	CU_ASSERT_EQUAL(vmk_portgroup_set_vlan(vs, "Management Network", 4096), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(),
			       "port group Management Network: VLAN 4096 is outside 0..4095");
	CU_ASSERT_PTR_NULL(vmk_vswitch_find(host, "vSwitch9"));
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "no vSwitch vSwitch9");
	teardown();
}

static void test_a_second_default_gateway_names_the_first_in_both_error_calls(void)
{
	setup();
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, 0, 0, A(192, 0, 2, 254)), 0);
	CU_ASSERT_EQUAL(vmk_route_add(host, NULL, 0, 0, A(192, 0, 2, 253)), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_last_error(),
				      "already has default gateway 192.0.2.254"));
	CU_ASSERT_STRING_EQUAL(vmk_ip_last_error(), vmk_last_error());
	teardown();
}

static void test_a_vswitch_refusal_from_an_adapter_reaches_the_caller_with_both_reasons(void)
{
	struct vmk_vmknic_params p;
	struct vmk_vswitch_info vi;

	setup();
	vmk_vmknic_params_init(&p);
	p.name = "vmk0";
	p.vswitch = vs;
	p.portgroup = "Management Network";
	p.mtu = 9000;
	CU_ASSERT_EQUAL_FATAL(vmk_vmknic_add(host, &p, NULL), 0);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1500), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(),
			       "vSwitch vSwitch0: port vmk0 cannot take MTU 1500: vmk0 has MTU "
			       "9000, above 1500: lower the vmknic's first");
	CU_ASSERT_EQUAL(vmk_vswitch_get_info(vs, &vi), 0);
	CU_ASSERT_EQUAL(vi.mtu, 9000);
	teardown();
}

static void test_a_bad_config_document_gives_the_same_reason_in_the_buffer_and_last_error(void)
{
	char err[VMK_CONFIG_ERR_SIZE] = "";
	struct vmk_config *cfg;
	const char *doc = "{\"schema_version\": 1}";

	CU_ASSERT_EQUAL_FATAL(vmk_config_create(&cfg), 0);
	CU_ASSERT_EQUAL(vmk_config_from_json("{", 1, cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "malformed JSON at line 1, column 1");
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), err);

	err[0] = '\0';
	CU_ASSERT_EQUAL(vmk_config_from_json(doc, strlen(doc), cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "document: missing field \"host\"");
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), err);

	err[0] = '\0';
	vmk_config_init_default(cfg);
	cfg->vswitches[0].mtu = 100;
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mtu"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "1280..9000"));
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), err);

	err[0] = '\0';
	CU_ASSERT_EQUAL(vmk_config_load_file("/nonexistent/vmknet.json", cfg, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "/nonexistent/vmknet.json: No such file or directory");
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), err);

	/* A buffer too small still gets the start of the reason, terminated. */
	CU_ASSERT_EQUAL(vmk_config_from_json("{", 1, cfg, err, 10), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "malformed");
	/* No buffer at all: the reason is still there. */
	CU_ASSERT_EQUAL(vmk_config_from_json("{", 1, cfg, NULL, 0), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "malformed JSON at line 1, column 1");
	vmk_config_destroy(cfg);
}

static void test_apply_names_the_document_at_fault_in_the_buffer_and_last_error(void)
{
	char err[VMK_CONFIG_ERR_SIZE] = "";
	struct vmk_config *from, *to;

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_config_create(&from), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_config_create(&to), 0);
	vmk_config_init_default(to);
	to->vswitches[0].mtu = 100;
	CU_ASSERT_EQUAL(vmk_config_apply(host, from, to, NULL, 0, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "1280..9000"));
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), err);

	CU_ASSERT_EQUAL(vmk_config_apply(host, to, from, NULL, 0, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "running configuration: ", 23), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "1280..9000"));
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), err);
	vmk_config_destroy(from);
	vmk_config_destroy(to);
	teardown();
}

static void test_a_successful_call_after_a_refusal_clears_the_reason(void)
{
	char err[VMK_CONFIG_ERR_SIZE];
	struct vmk_config *cfg;

	setup();
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "Management Network", 0), -EEXIST);
	CU_ASSERT_NOT_EQUAL(vmk_last_error()[0], '\0');
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "vMotion", 20), 0);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "");

	CU_ASSERT_EQUAL(vmk_netstack_remove(host, "nosuch"), -ENOENT);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "no netstack nosuch");
	CU_ASSERT_EQUAL(vmk_netstack_add(host, "tenant1"), 0);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "");
	CU_ASSERT_STRING_EQUAL(vmk_ip_last_error(), "");

	CU_ASSERT_EQUAL_FATAL(vmk_config_create(&cfg), 0);
	CU_ASSERT_EQUAL(vmk_config_from_json("[]", 2, cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_NOT_EQUAL(vmk_last_error()[0], '\0');
	vmk_config_init_default(cfg);
	CU_ASSERT_EQUAL(vmk_config_validate(cfg, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "");
	vmk_config_destroy(cfg);
	teardown();
}

static void *other_thread(void *arg)
{
	const char **seen = arg;

	*seen = strdup(vmk_last_error());
	return NULL;
}

static void test_the_reason_belongs_to_the_thread_that_failed(void)
{
	const char *seen = NULL;
	pthread_t t;

	setup();
	CU_ASSERT_EQUAL(vmk_port_remove(vs, 5), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, other_thread, &seen), 0);
	pthread_join(t, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
	CU_ASSERT_STRING_EQUAL(seen, "");
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), "vSwitch vSwitch0 has no port 5");
	free((void *)seen);
	teardown();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("errors", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("errors", NULL, NULL);
	ADD(s, test_a_refused_vswitch_call_says_why_in_vmk_last_error);
	ADD(s, test_a_second_default_gateway_names_the_first_in_both_error_calls);
	ADD(s, test_a_vswitch_refusal_from_an_adapter_reaches_the_caller_with_both_reasons);
	ADD(s, test_a_bad_config_document_gives_the_same_reason_in_the_buffer_and_last_error);
	ADD(s, test_apply_names_the_document_at_fault_in_the_buffer_and_last_error);
	ADD(s, test_a_successful_call_after_a_refusal_clears_the_reason);
	ADD(s, test_the_reason_belongs_to_the_thread_that_failed);
	return th_run_suites();
}
