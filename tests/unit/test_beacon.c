/*
 * Unit tests of beacon probing's state machine (vswitch/beacon.h,
 * beacon_decide): one call is one interval's verdict on a team's uplinks,
 * from what each heard and was heard by. No DPDK is run: the machine is
 * pure, the frames and counters around it are tested by
 * tests/integration/test_vmkcli_beacon.sh.
 */
#include <string.h>

#include <CUnit/CUnit.h>

#include <vmknet/policy.h>

#include "support/cunit_run.h"
#include "vswitch/beacon.h"

#define HEALTHY  { true, true, true }
#define SILENT   { true, false, false }   /* hears nobody, nobody hears it */
#define MUTE     { true, true, false }    /* hears the others, never heard */
#define DEAF     { true, false, true }    /* heard, hears nobody */
#define UNPROBED { false, false, false }

static struct beacon_fsm f[3];

static void reset(void)
{
	memset(f, 0, sizeof(f));
}

/* Run `times` intervals of the same observations; returns how many of them
 * reported a change. */
static unsigned int run(const struct beacon_obs *o, unsigned int n, unsigned int times,
			uint32_t threshold)
{
	unsigned int changes = 0;

	for (unsigned int i = 0; i < times; i++)
		changes += beacon_decide(f, o, n, threshold);
	return changes;
}

static void test_beacon_uplinks_that_hear_each_other_stay_ok(void)
{
	const struct beacon_obs o[3] = { HEALTHY, HEALTHY, HEALTHY };

	reset();
	CU_ASSERT_EQUAL(run(o, 3, 10, 3), 0);
	for (unsigned int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(f[i].state, VMK_BEACON_OK);
		CU_ASSERT_EQUAL(f[i].misses, 0);
	}
}

static void test_beacon_silent_uplink_fails_at_the_threshold_not_before(void)
{
	const struct beacon_obs o[3] = { SILENT, HEALTHY, HEALTHY };

	reset();
	CU_ASSERT_FALSE(beacon_decide(f, o, 3, 3));
	CU_ASSERT_FALSE(beacon_decide(f, o, 3, 3));
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_OK);      /* still in use */
	CU_ASSERT_EQUAL(f[0].misses, 2);
	CU_ASSERT_TRUE(beacon_decide(f, o, 3, 3));
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_FAILED);
	CU_ASSERT_EQUAL(f[1].state, VMK_BEACON_OK);
	CU_ASSERT_EQUAL(f[2].state, VMK_BEACON_OK);
	CU_ASSERT_EQUAL(run(o, 3, 5, 3), 0);             /* reported once */
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_FAILED);
}

static void test_beacon_uplink_nobody_hears_fails_even_if_it_hears_the_others(void)
{
	const struct beacon_obs o[3] = { MUTE, HEALTHY, HEALTHY };

	reset();
	CU_ASSERT_EQUAL(run(o, 3, 3, 3), 1);
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_FAILED);
}

static void test_beacon_uplink_that_hears_nobody_fails_even_if_heard(void)
{
	const struct beacon_obs o[3] = { HEALTHY, DEAF, HEALTHY };

	reset();
	CU_ASSERT_EQUAL(run(o, 3, 3, 3), 1);
	CU_ASSERT_EQUAL(f[1].state, VMK_BEACON_FAILED);
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_OK);
}

static void test_beacon_one_healthy_interval_recovers_a_failed_uplink(void)
{
	const struct beacon_obs bad[3] = { SILENT, HEALTHY, HEALTHY };
	const struct beacon_obs good[3] = { HEALTHY, HEALTHY, HEALTHY };

	reset();
	CU_ASSERT_EQUAL(run(bad, 3, 4, 3), 1);
	CU_ASSERT_TRUE(beacon_decide(f, good, 3, 3));
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_OK);
	CU_ASSERT_EQUAL(f[0].misses, 0);
	/* The count starts again from zero. */
	CU_ASSERT_EQUAL(run(bad, 3, 2, 3), 0);
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_OK);
}

static void test_beacon_a_healthy_interval_between_misses_resets_the_count(void)
{
	const struct beacon_obs bad[3] = { SILENT, HEALTHY, HEALTHY };
	const struct beacon_obs good[3] = { HEALTHY, HEALTHY, HEALTHY };

	reset();
	for (unsigned int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(run(bad, 3, 2, 3), 0);
		CU_ASSERT_EQUAL(run(good, 3, 1, 3), 0);
	}
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_OK);
}

static void test_beacon_two_uplinks_one_cut_blames_neither(void)
{
	/* Two uplinks, one path cut: neither hears the other. */
	const struct beacon_obs o[2] = { SILENT, SILENT };

	reset();
	CU_ASSERT_EQUAL(run(o, 2, 10, 3), 0);
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_AMBIGUOUS);
	CU_ASSERT_EQUAL(f[1].state, VMK_BEACON_AMBIGUOUS);
}

static void test_beacon_ambiguity_keeps_the_failed_failed_and_fails_no_other(void)
{
	const struct beacon_obs first[3] = { SILENT, HEALTHY, HEALTHY };
	const struct beacon_obs then[3] = { SILENT, SILENT, SILENT };

	reset();
	CU_ASSERT_EQUAL(run(first, 3, 3, 3), 1);
	CU_ASSERT_EQUAL(run(then, 3, 10, 3), 0);
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_FAILED);
	CU_ASSERT_EQUAL(f[1].state, VMK_BEACON_AMBIGUOUS);
	CU_ASSERT_EQUAL(f[2].state, VMK_BEACON_AMBIGUOUS);
	CU_ASSERT_EQUAL(f[1].misses, 0);                 /* not counted */
}

static void test_beacon_unprobed_uplink_is_off_and_leaves_failed(void)
{
	const struct beacon_obs bad[3] = { SILENT, HEALTHY, HEALTHY };
	const struct beacon_obs down[3] = { UNPROBED, HEALTHY, HEALTHY };

	reset();
	CU_ASSERT_EQUAL(run(bad, 3, 3, 3), 1);
	CU_ASSERT_TRUE(beacon_decide(f, down, 3, 3));   /* its link went down */
	CU_ASSERT_EQUAL(f[0].state, VMK_BEACON_OFF);
	CU_ASSERT_EQUAL(f[0].misses, 0);
}

static void test_beacon_threshold_one_fails_at_the_first_miss(void)
{
	const struct beacon_obs o[3] = { HEALTHY, HEALTHY, SILENT };

	reset();
	CU_ASSERT_TRUE(beacon_decide(f, o, 3, 1));
	CU_ASSERT_EQUAL(f[2].state, VMK_BEACON_FAILED);
}

static void test_beacon_state_names(void)
{
	CU_ASSERT_STRING_EQUAL(vmk_beacon_state_name(VMK_BEACON_OFF), "off");
	CU_ASSERT_STRING_EQUAL(vmk_beacon_state_name(VMK_BEACON_OK), "ok");
	CU_ASSERT_STRING_EQUAL(vmk_beacon_state_name(VMK_BEACON_FAILED), "failed");
	CU_ASSERT_STRING_EQUAL(vmk_beacon_state_name(VMK_BEACON_AMBIGUOUS), "ambiguous");
	CU_ASSERT_PTR_NULL(vmk_beacon_state_name((enum vmk_beacon_state)9));
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("beacon", NULL, NULL);
	ADD(s, test_beacon_uplinks_that_hear_each_other_stay_ok);
	ADD(s, test_beacon_silent_uplink_fails_at_the_threshold_not_before);
	ADD(s, test_beacon_uplink_nobody_hears_fails_even_if_it_hears_the_others);
	ADD(s, test_beacon_uplink_that_hears_nobody_fails_even_if_heard);
	ADD(s, test_beacon_one_healthy_interval_recovers_a_failed_uplink);
	ADD(s, test_beacon_a_healthy_interval_between_misses_resets_the_count);
	ADD(s, test_beacon_two_uplinks_one_cut_blames_neither);
	ADD(s, test_beacon_ambiguity_keeps_the_failed_failed_and_fails_no_other);
	ADD(s, test_beacon_unprobed_uplink_is_off_and_leaves_failed);
	ADD(s, test_beacon_threshold_one_fails_at_the_first_miss);
	ADD(s, test_beacon_state_names);
	return th_cunit_run();
}
