/*
 * Unit tests of VMkernel adapters (vmknic/): naming, MAC generation, MTU
 * and address rules, service tags and their host-wide rules, and that every
 * refused change leaves the adapter exactly as it was. The adapters are
 * real vSwitch ports of a host whose workers are not started.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"

#define A(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define MASK24 A(255, 255, 255, 0)

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
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "vMotion", 20), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "Trunk", 4095), 0);
}

static void teardown(void)
{
	vmk_host_destroy(host);
}

static int add(const char *name, const char *pg, const char *ns, uint32_t ip, char *out)
{
	struct vmk_vmknic_params p;

	vmk_vmknic_params_init(&p);
	p.name = name;
	p.vswitch = vs;
	p.portgroup = pg;
	p.netstack = ns;
	p.ipv4 = ip;
	p.netmask = ip != 0 ? MASK24 : 0;
	return vmk_vmknic_add(host, &p, out);
}

static void test_adapters_get_the_lowest_free_vmk_name_unless_given(void)
{
	char n[VMK_NAME_MAX];

	setup();
	CU_ASSERT_EQUAL(add(NULL, "Management Network", NULL, 0, n), 0);
	CU_ASSERT_STRING_EQUAL(n, "vmk0");
	CU_ASSERT_EQUAL(add("vmk2", "Management Network", NULL, 0, n), 0);
	CU_ASSERT_EQUAL(add(NULL, "Management Network", NULL, 0, n), 0);
	CU_ASSERT_STRING_EQUAL(n, "vmk1");
	CU_ASSERT_EQUAL(add(NULL, "Management Network", NULL, 0, n), 0);
	CU_ASSERT_STRING_EQUAL(n, "vmk3");
	CU_ASSERT_EQUAL(add("vmk2", "Management Network", NULL, 0, n), -EEXIST);
	CU_ASSERT_EQUAL(vmk_vmknic_remove(host, "vmk1"), 0);
	CU_ASSERT_EQUAL(add(NULL, "Management Network", NULL, 0, n), 0);
	CU_ASSERT_STRING_EQUAL(n, "vmk1");
	CU_ASSERT_EQUAL(vmk_vmknic_list(host, NULL, 0), 4);
	teardown();
}

static void test_an_adapter_is_a_vswitch_port_with_its_mac_registered(void)
{
	struct vmk_vmknic_info a, b;
	struct vmk_fdb_entry e;
	uint32_t port;

	setup();
	CU_ASSERT_EQUAL(add("vmk0", "Management Network", NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(add("vmk1", "vMotion", NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk0", &a), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk1", &b), 0);
	CU_ASSERT_EQUAL(a.mac[0] & 0x03, 0x02);      /* locally administered unicast */
	CU_ASSERT_NOT_EQUAL(memcmp(a.mac, b.mac, 6), 0);
	CU_ASSERT_EQUAL(a.mtu, 1500);
	CU_ASSERT(a.enabled);
	CU_ASSERT_STRING_EQUAL(a.netstack, VMK_NETSTACK_DEFAULT);
	CU_ASSERT_EQUAL(vmk_port_find(vs, "vmk1", &port), 0);
	CU_ASSERT_EQUAL(port, b.port_id);
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 20, b.mac, &e), 0);
	CU_ASSERT(e.registered);
	CU_ASSERT_EQUAL(e.port_id, port);
	CU_ASSERT_EQUAL(vmk_vmknic_remove(host, "vmk1"), 0);
	CU_ASSERT_EQUAL(vmk_port_find(vs, "vmk1", &port), -ENOENT);
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 20, b.mac, &e), -ENOENT);
	CU_ASSERT_EQUAL(vmk_vmknic_remove(host, "vmk1"), -ENOENT);
	teardown();
}

static void test_a_given_mac_must_be_unicast_and_unused(void)
{
	struct vmk_vmknic_params p;
	const uint8_t mc[6] = { 0x01, 0, 0x5e, 0, 0, 1 }, uc[6] = { 0x02, 0, 0, 0, 0, 7 };
	struct vmk_vmknic_info i;

	setup();
	vmk_vmknic_params_init(&p);
	p.vswitch = vs;
	p.portgroup = "Management Network";
	p.mac = mc;
	CU_ASSERT_EQUAL(vmk_vmknic_add(host, &p, NULL), -EINVAL);
	p.mac = uc;
	CU_ASSERT_EQUAL(vmk_vmknic_add(host, &p, NULL), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_add(host, &p, NULL), -EEXIST);
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk0", &i), 0);
	CU_ASSERT_EQUAL(memcmp(i.mac, uc, 6), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_list(host, NULL, 0), 1);
	teardown();
}

static void test_mtu_stays_within_1280_9000_and_the_vswitch_mtu(void)
{
	struct vmk_vmknic_info i;

	setup();
	CU_ASSERT_EQUAL(add("vmk0", "Management Network", NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_set_mtu(host, "vmk0", 9000), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_set_mtu(host, "vmk0", 9001), -EINVAL);
	CU_ASSERT_EQUAL(vmk_vmknic_set_mtu(host, "vmk0", 1279), -EINVAL);
	/* the vSwitch cannot go below its adapter ... */
	CU_ASSERT_NOT_EQUAL(vmk_vswitch_set_mtu(vs, 1500), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_set_mtu(host, "vmk0", 1500), 0);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1500), 0);
	/* ... nor the adapter above its vSwitch */
	CU_ASSERT_EQUAL(vmk_vmknic_set_mtu(host, "vmk0", 9000), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_ip_last_error(), "vSwitch0"));
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk0", &i), 0);
	CU_ASSERT_EQUAL(i.mtu, 1500);
	teardown();
}

static void test_an_address_is_unique_per_netstack_and_a_refusal_changes_nothing(void)
{
	struct vmk_vmknic_info i;

	setup();
	CU_ASSERT_EQUAL(add("vmk0", "Management Network", NULL, A(192, 0, 2, 1), NULL), 0);
	CU_ASSERT_EQUAL(add("vmk1", "Management Network", NULL, A(192, 0, 2, 1), NULL), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_ip_last_error(), "vmk0"));
	CU_ASSERT_EQUAL(vmk_vmknic_list(host, NULL, 0), 1);
	CU_ASSERT_EQUAL(add("vmk1", "Management Network", NULL, A(192, 0, 2, 2), NULL), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_set_ipv4(host, "vmk1", A(192, 0, 2, 1), MASK24), -EEXIST);
	CU_ASSERT_EQUAL(vmk_vmknic_set_ipv4(host, "vmk1", A(192, 0, 2, 9), A(255, 0, 255, 0)),
			-EINVAL);
	CU_ASSERT_EQUAL(vmk_vmknic_set_ipv4(host, "vmk1", A(192, 0, 2, 255), MASK24), -EINVAL);
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk1", &i), 0);
	CU_ASSERT_EQUAL(i.ipv4, A(192, 0, 2, 2));
	CU_ASSERT_EQUAL(i.netmask, MASK24);
	/* another netstack may use it */
	CU_ASSERT_EQUAL(add("vmk2", "vMotion", VMK_NETSTACK_VMOTION, A(192, 0, 2, 1), NULL), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_set_ipv4(host, "vmk1", 0, 0), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_get(host, "vmk1", &i), 0);
	CU_ASSERT_EQUAL(i.ipv4, 0);
	teardown();
}

static void test_a_trunk_or_missing_port_group_or_netstack_is_refused(void)
{
	setup();
	CU_ASSERT_EQUAL(add("vmk0", "Trunk", NULL, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(add("vmk0", "Nowhere", NULL, 0, NULL), -ENOENT);
	CU_ASSERT_EQUAL(add("vmk0", "Management Network", "nonesuch", 0, NULL), -ENOENT);
	CU_ASSERT_EQUAL(vmk_vmknic_list(host, NULL, 0), 0);
	teardown();
}

static void test_service_tags_are_added_removed_and_found(void)
{
	char names[4][VMK_NAME_MAX];
	enum vmk_service_tag t;
	uint32_t tags;

	setup();
	CU_ASSERT_EQUAL(add("vmk0", "Management Network", NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(add("vmk1", "Management Network", NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(vmk_service_tag_parse("vsan", &t), 0);
	CU_ASSERT_EQUAL(t, VMK_TAG_VSAN);
	CU_ASSERT_EQUAL(vmk_service_tag_parse("Bogus", &t), -EINVAL);
	CU_ASSERT_STRING_EQUAL(vmk_service_tag_name(VMK_TAG_FT_LOGGING), "faultToleranceLogging");
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk0", VMK_TAG_MANAGEMENT), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk1", VMK_TAG_VSAN), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk1", VMK_TAG_MANAGEMENT), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tags_get(host, "vmk1", &tags), 0);
	CU_ASSERT_EQUAL(tags, (1u << VMK_TAG_VSAN) | (1u << VMK_TAG_MANAGEMENT));
	CU_ASSERT_EQUAL(vmk_vmknic_find_by_tag(host, VMK_TAG_MANAGEMENT, names, 4), 2);
	CU_ASSERT_EQUAL(vmk_vmknic_find_by_tag(host, VMK_TAG_VSAN, names, 4), 1);
	CU_ASSERT_STRING_EQUAL(names[0], "vmk1");
	CU_ASSERT_EQUAL(vmk_vmknic_tag_remove(host, "vmk1", VMK_TAG_MANAGEMENT), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_find_by_tag(host, VMK_TAG_MANAGEMENT, names, 4), 1);
	CU_ASSERT_STRING_EQUAL(names[0], "vmk0");
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk9", VMK_TAG_VSAN), -ENOENT);
	teardown();
}

static void test_only_one_adapter_per_host_carries_ft_logging(void)
{
	uint32_t tags;

	setup();
	CU_ASSERT_EQUAL(add("vmk0", "Management Network", NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(add("vmk1", "Management Network", "vSphereProvisioning", 0, NULL), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk0", VMK_TAG_FT_LOGGING), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk0", VMK_TAG_FT_LOGGING), 0);  /* idempotent */
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk1", VMK_TAG_FT_LOGGING), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_ip_last_error(), "vmk0"));
	CU_ASSERT_EQUAL(vmk_vmknic_tags_get(host, "vmk1", &tags), 0);
	CU_ASSERT_EQUAL(tags, 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tag_remove(host, "vmk0", VMK_TAG_FT_LOGGING), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk1", VMK_TAG_FT_LOGGING), 0);
	teardown();
}

static void test_a_vmotion_netstack_adapter_carries_only_vmotion(void)
{
	uint32_t tags;

	setup();
	CU_ASSERT_EQUAL(add("vmk1", "vMotion", VMK_NETSTACK_VMOTION, A(198, 51, 100, 1), NULL), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk1", VMK_TAG_VMOTION), 0);
	CU_ASSERT_EQUAL(vmk_vmknic_tag_add(host, "vmk1", VMK_TAG_MANAGEMENT), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_ip_last_error(), "vmotion"));
	CU_ASSERT_EQUAL(vmk_vmknic_tags_get(host, "vmk1", &tags), 0);
	CU_ASSERT_EQUAL(tags, 1u << VMK_TAG_VMOTION);
	teardown();
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("vmknic", false) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("vmknic", NULL, NULL);
	ADD(s, test_adapters_get_the_lowest_free_vmk_name_unless_given);
	ADD(s, test_an_adapter_is_a_vswitch_port_with_its_mac_registered);
	ADD(s, test_a_given_mac_must_be_unicast_and_unused);
	ADD(s, test_mtu_stays_within_1280_9000_and_the_vswitch_mtu);
	ADD(s, test_an_address_is_unique_per_netstack_and_a_refusal_changes_nothing);
	ADD(s, test_a_trunk_or_missing_port_group_or_netstack_is_refused);
	ADD(s, test_service_tags_are_added_removed_and_found);
	ADD(s, test_only_one_adapter_per_host_carries_ft_logging);
	ADD(s, test_a_vmotion_netstack_adapter_carries_only_vmotion);
	return th_run_suites();
}
