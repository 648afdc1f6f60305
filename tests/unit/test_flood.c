/*
 * Unit tests of the vSwitch's published view (vswitch/vswitch.h, struct
 * vs_view): per-VLAN flood sets, the default set for VLANs without a port
 * group, and how control changes (port group VLAN, port removal, MTU)
 * republish it; plus the validation of vSwitch and port group parameters.
 *
 * No workers: the test reads vs->view directly after each control call.
 * EAL is initialised here with rte_eal_init, as a hypervisor that owns EAL
 * would; the library must work on it and leave it to us to clean up.
 *
 * Topology of vSwitch0 (ports are net_ring ethdevs):
 *   n1, n2 : "Plain"   VLAN 0      a1, a2 : "Prod"  VLAN 10
 *   b1     : "Storage" VLAN 20     t1     : "Trunk" VLAN 4095
 *   up0, up1 : uplinks
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <rte_eal.h>

#include <vmknet/vmknet.h>

#include "support/harness.h"
#include "vswitch/vswitch.h"

enum { N1, N2, A1, A2, B1, T1, UP0, UP1, NP };
static const char *names[NP] = { "n1", "n2", "a1", "a2", "b1", "t1", "up0", "up1" };
static const char *groups[NP] = { "Plain", "Plain", "Prod", "Prod", "Storage", "Trunk",
				   NULL, NULL };

static struct vmk_host *host;
static struct vmk_vswitch *vs;
static uint32_t pid[NP];
static int eal_argc;
static char *eal_argv[16];

#define LONG_NAME "a-name-thirty-one-characters-ok"  /* 31 chars: fits */
#define TOO_LONG  LONG_NAME "x"                       /* 32 chars: does not */

static const struct vs_view *view(void)
{
	return __atomic_load_n(&vs->view, __ATOMIC_ACQUIRE);
}

/* The set the data path floods a frame of this VLAN to (as switch.c). */
static const struct flood_set *flood_for(const struct vs_view *v, uint16_t vlan)
{
	return v->flood[vlan] != NULL ? v->flood[vlan] : v->flood_default;
}

static unsigned int count_in(const struct flood_set *fs, uint32_t slot)
{
	unsigned int n = 0;

	for (uint16_t i = 0; fs != NULL && i < fs->n; i++)
		n += fs->slot[i] == slot;
	return n;
}

/* True when fs holds exactly these slots, each once. */
static bool set_is(const struct flood_set *fs, const uint32_t *slots, unsigned int n)
{
	if (fs == NULL || fs->n != n)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (count_in(fs, slots[i]) != 1)
			return false;
	return true;
}

#define SET_IS(fs, ...)                                                           \
	({                                                                        \
		const uint32_t s_[] = { __VA_ARGS__ };                            \
		set_is((fs), s_, RTE_DIM(s_));                                    \
	})

/* How many flood sets of the view (default and per VLAN) hold slot. */
static unsigned int sets_holding(const struct vs_view *v, uint32_t slot)
{
	unsigned int n = count_in(v->flood_default, slot) != 0;

	for (unsigned int vl = 0; vl < VS_N_VLANS; vl++)
		n += count_in(v->flood[vl], slot) != 0;
	return n;
}

static int add_port(const char *name, const char *group, uint32_t *id)
{
	struct th_ringport rp;
	struct vmk_port_params pp;

	if (th_ringport_create(name, &rp) != 0)
		return -ENODEV;
	vmk_port_params_init(&pp);
	pp.name = name;
	pp.ethdev_port = rp.port_id;
	pp.uplink = group == NULL;
	pp.portgroup = group;
	return vmk_port_add(vs, &pp, id);
}

static int setup(void)
{
	struct vmk_host_params hp;
	struct vmk_vswitch_params vp;

	vmk_host_params_init(&hp);
	hp.n_mbufs = 1024;
	hp.max_workers = 1;
	if (vmk_host_create(&hp, &host) != 0)
		return -1;
	vmk_vswitch_params_init(&vp);
	vp.name = "vSwitch0";
	vp.fdb_capacity = 1024;
	if (vmk_vswitch_add(host, &vp, &vs) != 0)
		return -1;
	if (vmk_portgroup_add(vs, "Plain", 0) || vmk_portgroup_add(vs, "Prod", 10) ||
	    vmk_portgroup_add(vs, "Storage", 20) || vmk_portgroup_add(vs, "Trunk", 4095))
		return -1;
	for (int i = 0; i < NP; i++)
		if (add_port(names[i], groups[i], &pid[i]) != 0)
			return -1;
	return 0;
}

static int teardown(void)
{
	vmk_host_destroy(host);
	return 0;
}

/* ---- flood sets ------------------------------------------------------ */

static void test_vlan_flood_set_holds_its_ports_the_trunk_and_both_uplinks(void)
{
	const struct vs_view *v = view();

	CU_ASSERT_TRUE(SET_IS(v->flood[10], pid[A1], pid[A2], pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_TRUE(SET_IS(v->flood[20], pid[B1], pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_TRUE(SET_IS(v->flood[0], pid[N1], pid[N2], pid[T1], pid[UP0], pid[UP1]));
}

static void test_vlan_without_port_group_floods_to_trunk_and_uplinks_only(void)
{
	const struct vs_view *v = view();

	CU_ASSERT_TRUE(SET_IS(v->flood_default, pid[T1], pid[UP0], pid[UP1]));
	for (unsigned int vl = 0; vl < VMK_VLAN_TRUNK; vl++) {
		bool has_group = vl == 0 || vl == 10 || vl == 20;

		if ((v->flood[vl] != NULL) != has_group)
			CU_FAIL("a VLAN has a flood set iff a port group uses it");
	}
	CU_ASSERT_PTR_EQUAL(flood_for(v, 30), v->flood_default);
	CU_ASSERT_PTR_EQUAL(flood_for(v, 4094), v->flood_default);
}

static void test_view_records_each_ports_vlan_role(void)
{
	const struct vs_view *v = view();

	CU_ASSERT_EQUAL(v->n_slots, 512);
	CU_ASSERT_EQUAL(v->max_frame, 1500 + 14);
	CU_ASSERT_EQUAL(v->port[pid[N1]].vlan, 0);
	CU_ASSERT_EQUAL(v->port[pid[A2]].vlan, 10);
	CU_ASSERT_EQUAL(v->port[pid[B1]].vlan, 20);
	CU_ASSERT_EQUAL(v->port[pid[T1]].vlan, VMK_VLAN_TRUNK);
	CU_ASSERT_FALSE(v->port[pid[T1]].uplink);
	CU_ASSERT_TRUE(v->port[pid[UP0]].uplink);
	CU_ASSERT_TRUE(v->port[pid[UP1]].uplink);
	CU_ASSERT_PTR_NOT_NULL(v->port[pid[A1]].port);
	CU_ASSERT_PTR_NULL(v->port[v->n_slots - 1].port);
}

/* ---- port group changes ---------------------------------------------- */

static void test_port_group_vlan_change_republishes_view_with_its_ports_moved(void)
{
	const struct vs_view *old = view(), *v;
	struct vmk_port_info pi;

	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_set_vlan(vs, "Storage", 30), 0);
	v = view();
	CU_ASSERT_PTR_NOT_EQUAL(v, old);
	CU_ASSERT_TRUE(SET_IS(v->flood[30], pid[B1], pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_PTR_NULL(v->flood[20]);                 /* nobody left in VLAN 20 */
	CU_ASSERT_TRUE(SET_IS(v->flood[10], pid[A1], pid[A2], pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_EQUAL(v->port[pid[B1]].vlan, 30);
	CU_ASSERT_EQUAL(vmk_port_get_info(vs, pid[B1], &pi), 0);
	CU_ASSERT_EQUAL(pi.vlan_id, 30);

	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_set_vlan(vs, "Storage", 20), 0);
	v = view();
	CU_ASSERT_TRUE(SET_IS(v->flood[20], pid[B1], pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_PTR_NULL(v->flood[30]);
}

static void test_port_group_moved_to_trunk_joins_every_flood_set(void)
{
	const struct vs_view *v;

	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_set_vlan(vs, "Storage", VMK_VLAN_TRUNK), 0);
	v = view();
	CU_ASSERT_EQUAL(v->port[pid[B1]].vlan, VMK_VLAN_TRUNK);
	CU_ASSERT_TRUE(SET_IS(v->flood_default, pid[B1], pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_EQUAL(count_in(v->flood[0], pid[B1]), 1);
	CU_ASSERT_EQUAL(count_in(v->flood[10], pid[B1]), 1);
	CU_ASSERT_PTR_NULL(v->flood[20]);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_set_vlan(vs, "Storage", 20), 0);
	v = view();
	CU_ASSERT_EQUAL(count_in(v->flood[10], pid[B1]), 0);
	CU_ASSERT_TRUE(SET_IS(v->flood_default, pid[T1], pid[UP0], pid[UP1]));
}

static void test_bad_port_group_vlan_change_leaves_view_alone(void)
{
	const struct vs_view *old = view();
	struct vmk_portgroup_info pg;

	CU_ASSERT_EQUAL(vmk_portgroup_set_vlan(vs, "Prod", 4096), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_set_vlan(vs, NULL, 10), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_set_vlan(vs, "NoSuchGroup", 10), -ENOENT);
	CU_ASSERT_PTR_EQUAL(view(), old);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs, "Prod", &pg), 0);
	CU_ASSERT_EQUAL(pg.vlan_id, 10);
}

/* ---- ports leaving --------------------------------------------------- */

static void test_removed_port_leaves_every_flood_set(void)
{
	static const char *xn[] = { "x1", "t2", "up2" };
	static const char *xg[] = { "Prod", "Trunk", NULL };
	static const unsigned int n_sets[] = { 1, 4, 4 };   /* [10]; default+[0]+[10]+[20] */
	struct vmk_portgroup_info pg;
	uint32_t id[3];
	uint8_t mac[6];

	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(add_port(xn[i], xg[i], &id[i]), 0);
		CU_ASSERT_EQUAL(sets_holding(view(), id[i]), n_sets[i]);
	}
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs, "Prod", &pg), 0);
	CU_ASSERT_EQUAL(pg.n_ports, 3);
	th_mac(mac, 0x40, 1);
	CU_ASSERT_EQUAL(fdb_learn(vs->fdb, fdb_key(10, mac), fdb_hash(vs->fdb, fdb_key(10, mac)),
				  (uint16_t)id[0], 1), 0);
	for (int i = 0; i < 3; i++) {
		const struct vs_view *v;

		CU_ASSERT_EQUAL(vmk_port_remove(vs, id[i]), 0);
		v = view();
		CU_ASSERT_EQUAL(sets_holding(v, id[i]), 0);
		CU_ASSERT_PTR_NULL(v->port[id[i]].port);
	}
	CU_ASSERT_EQUAL(vmk_fdb_lookup(vs, 10, mac, &(struct vmk_fdb_entry){ 0 }), -ENOENT);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs, "Prod", &pg), 0);
	CU_ASSERT_EQUAL(pg.n_ports, 2);
	CU_ASSERT_TRUE(SET_IS(view()->flood_default, pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_EQUAL(vmk_port_remove(vs, id[0]), -ENOENT);
}

static void test_last_port_of_a_vlan_leaving_drops_its_flood_set(void)
{
	uint32_t id;

	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "Lab", 40), 0);
	CU_ASSERT_PTR_NULL(view()->flood[40]);             /* a group without ports */
	CU_ASSERT_EQUAL_FATAL(add_port("l1", "Lab", &id), 0);
	CU_ASSERT_TRUE(SET_IS(view()->flood[40], id, pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_EQUAL(vmk_port_remove(vs, id), 0);
	CU_ASSERT_PTR_NULL(view()->flood[40]);
	CU_ASSERT_EQUAL(vmk_portgroup_remove(vs, "Lab"), 0);
}

static void test_removing_port_group_with_ports_is_ebusy_and_changes_nothing(void)
{
	const struct vs_view *old = view();
	struct vmk_portgroup_info pg;

	CU_ASSERT_EQUAL(vmk_portgroup_remove(vs, "Prod"), -EBUSY);
	CU_ASSERT_EQUAL(vmk_portgroup_remove(vs, "Trunk"), -EBUSY);
	CU_ASSERT_PTR_EQUAL(view(), old);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs, "Prod", &pg), 0);
	CU_ASSERT_EQUAL(pg.vlan_id, 10);
	CU_ASSERT_EQUAL(pg.n_ports, 2);
	CU_ASSERT_EQUAL(vmk_portgroup_list(vs, NULL, 0), 4);
	CU_ASSERT_TRUE(SET_IS(view()->flood[10], pid[A1], pid[A2], pid[T1], pid[UP0], pid[UP1]));
}

static void test_removing_empty_port_group_frees_its_name(void)
{
	struct vmk_portgroup_info pg;

	CU_ASSERT_EQUAL(vmk_portgroup_remove(vs, "NoSuchGroup"), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(vmk_portgroup_add(vs, "Empty", 30), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_remove(vs, "Empty"), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_get(vs, "Empty", &pg), -ENOENT);
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "Empty", 31), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_remove(vs, "Empty"), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_list(vs, NULL, 0), 4);
}

/* ---- parameter validation -------------------------------------------- */

static int add_vswitch_with(const char *name, uint32_t mtu, uint32_t n_ports, uint32_t fdb,
			    uint32_t aging)
{
	struct vmk_vswitch_params vp;
	struct vmk_vswitch *x = NULL;
	int ret;

	vmk_vswitch_params_init(&vp);
	vp.name = name;
	vp.mtu = mtu;
	vp.n_ports = n_ports;
	vp.fdb_capacity = fdb;
	vp.fdb_aging_sec = aging;
	ret = vmk_vswitch_add(host, &vp, &x);
	if (ret == 0)
		CU_ASSERT_EQUAL(vmk_vswitch_remove(host, name), 0);
	return ret;
}

static void test_bad_vswitch_parameters_are_einval(void)
{
	CU_ASSERT_EQUAL(add_vswitch_with(NULL, 1500, 64, 1024, 300), -EINVAL);
	CU_ASSERT_EQUAL(add_vswitch_with("", 1500, 64, 1024, 300), -EINVAL);
	CU_ASSERT_EQUAL(add_vswitch_with(TOO_LONG, 1500, 64, 1024, 300), -EINVAL);
	CU_ASSERT_EQUAL(add_vswitch_with("vs", 1279, 64, 1024, 300), -EINVAL);
	CU_ASSERT_EQUAL(add_vswitch_with("vs", 9001, 64, 1024, 300), -EINVAL);
	CU_ASSERT_EQUAL(add_vswitch_with("vs", 1500, 64, 15, 300), -EINVAL);
	CU_ASSERT_EQUAL(add_vswitch_with("vs", 1500, 64, VMK_FDB_CAPACITY_MAX + 1, 300),
			-EINVAL);
	CU_ASSERT_EQUAL(add_vswitch_with("vs", 1500, 7, 1024, 300), -EINVAL);
	CU_ASSERT_EQUAL(add_vswitch_with("vs", 1500, 64, 1024, 0), -EINVAL);
	CU_ASSERT_EQUAL(vmk_vswitch_list(host, NULL, 0), 1);
	/* The limits themselves are fine. */
	CU_ASSERT_EQUAL(add_vswitch_with(LONG_NAME, 1280, 8, 16, 1), 0);
	CU_ASSERT_EQUAL(add_vswitch_with("vs", 9000, 64, 1024, 1000000), 0);
	CU_ASSERT_EQUAL(vmk_vswitch_list(host, NULL, 0), 1);
}

static void test_bad_port_group_parameters_are_einval(void)
{
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "Bad", 4096), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "Bad", UINT16_MAX), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "", 10), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, NULL, 10), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, TOO_LONG, 10), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_add(NULL, "Bad", 10), -EINVAL);
	CU_ASSERT_EQUAL(vmk_portgroup_list(vs, NULL, 0), 4);
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, LONG_NAME, 4095), 0);
	CU_ASSERT_EQUAL(vmk_portgroup_remove(vs, LONG_NAME), 0);
}

static void test_bad_mtu_is_einval_and_good_mtu_republishes_max_frame(void)
{
	const struct vs_view *old = view();

	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 1279), -EINVAL);
	CU_ASSERT_EQUAL(vmk_vswitch_set_mtu(vs, 9001), -EINVAL);
	CU_ASSERT_PTR_EQUAL(view(), old);
	CU_ASSERT_EQUAL_FATAL(vmk_vswitch_set_mtu(vs, 9000), 0);
	CU_ASSERT_EQUAL(view()->max_frame, 9000 + 14);
	CU_ASSERT_TRUE(SET_IS(view()->flood[10], pid[A1], pid[A2], pid[T1], pid[UP0], pid[UP1]));
	CU_ASSERT_EQUAL_FATAL(vmk_vswitch_set_mtu(vs, 1500), 0);
	CU_ASSERT_EQUAL(view()->max_frame, 1500 + 14);
}

static void test_duplicate_names_are_eexist_and_leave_nothing_behind(void)
{
	struct th_ringport rp;
	struct vmk_port_params pp;
	uint32_t id;

	CU_ASSERT_EQUAL(add_vswitch_with("vSwitch0", 1500, 64, 1024, 300), -EEXIST);
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "Prod", 99), -EEXIST);
	CU_ASSERT_EQUAL(vmk_portgroup_add(vs, "Prod", 10), -EEXIST);
	CU_ASSERT_EQUAL(vmk_portgroup_list(vs, NULL, 0), 4);
	/* A port named like an existing one, on a fresh device: refused... */
	CU_ASSERT_EQUAL_FATAL(th_ringport_create("dup", &rp), 0);
	vmk_port_params_init(&pp);
	pp.name = names[A1];
	pp.ethdev_port = rp.port_id;
	pp.portgroup = "Storage";
	CU_ASSERT_EQUAL(vmk_port_add(vs, &pp, &id), -EEXIST);
	CU_ASSERT_EQUAL(vmk_port_list(vs, NULL, 0), NP);
	/* ...and the device is still free for a port with a new name. */
	pp.name = "dup";
	CU_ASSERT_EQUAL_FATAL(vmk_port_add(vs, &pp, &id), 0);
	CU_ASSERT_EQUAL(count_in(view()->flood[20], id), 1);
	CU_ASSERT_EQUAL(vmk_port_remove(vs, id), 0);
}

static void test_library_runs_on_eal_initialised_by_the_caller(void)
{
	CU_ASSERT_TRUE(vmk_eal_ready());
	CU_ASSERT_EQUAL(vmk_eal_init(eal_argc, eal_argv), 0);   /* a no-op: nothing parsed */
	CU_ASSERT_FALSE(vmk_host_running(host));
	CU_ASSERT_EQUAL(vmk_host_n_workers(host), 0);
	CU_ASSERT_PTR_NOT_NULL(vmk_host_mempool(host));
}

/* ---- main ------------------------------------------------------------ */

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	static char prefix[64];
	char *args[] = { "test_flood", "-l0", "--no-pci", "--no-huge", "--no-shconf", "-m", "512",
			 prefix, "--log-level=*:warning" };
	CU_pSuite s;
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=vmkt_flood_%d", (int)getpid());
	eal_argc = (int)RTE_DIM(args);
	memcpy(eal_argv, args, sizeof(args));
	if (vmk_eal_ready() || rte_eal_init(eal_argc, eal_argv) < 0)
		return 1;
	memcpy(eal_argv, args, sizeof(args));   /* rte_eal_init may permute argv */
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("flood", setup, teardown);
	ADD(s, test_library_runs_on_eal_initialised_by_the_caller);
	ADD(s, test_vlan_flood_set_holds_its_ports_the_trunk_and_both_uplinks);
	ADD(s, test_vlan_without_port_group_floods_to_trunk_and_uplinks_only);
	ADD(s, test_view_records_each_ports_vlan_role);
	ADD(s, test_port_group_vlan_change_republishes_view_with_its_ports_moved);
	ADD(s, test_port_group_moved_to_trunk_joins_every_flood_set);
	ADD(s, test_bad_port_group_vlan_change_leaves_view_alone);
	ADD(s, test_removed_port_leaves_every_flood_set);
	ADD(s, test_last_port_of_a_vlan_leaving_drops_its_flood_set);
	ADD(s, test_removing_port_group_with_ports_is_ebusy_and_changes_nothing);
	ADD(s, test_removing_empty_port_group_frees_its_name);
	ADD(s, test_bad_vswitch_parameters_are_einval);
	ADD(s, test_bad_port_group_parameters_are_einval);
	ADD(s, test_bad_mtu_is_einval_and_good_mtu_republishes_max_frame);
	ADD(s, test_duplicate_names_are_eexist_and_leave_nothing_behind);
	rc = th_run_suites();     /* vmk_eal_cleanup: a no-op, EAL is ours */
	rte_eal_cleanup();
	return rc;
}
