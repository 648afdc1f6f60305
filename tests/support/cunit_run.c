/*
 * The CUnit run every test binary ends with (see cunit_run.h): CUnit and
 * stdio only, so a test that links no layer above the one it tests (the
 * switch alone) reports the same counts as the rest.
 */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "support/cunit_run.h"

/* The number of suites whose cleanup function failed: CUnit records them as
 * failures of their own, not as failed tests. */
static unsigned int cleanups_failed(void)
{
	unsigned int n = 0;

	for (CU_pFailureRecord f = CU_get_failure_list(); f != NULL; f = f->pNext)
		if (f->type == CUF_SuiteCleanupFailed)
			n++;
	return n;
}

int th_cunit_run(void)
{
	CU_pTestRegistry reg = CU_get_registry();
	unsigned int registered = reg != NULL ? reg->uiNumberOfTests : 0;
	unsigned int run, failed, setup_failed, cleanup_failed;

	/* Line-buffered, so a crash loses no verdict line; the count first,
	 * so that tests/run.sh knows what should run even if the process dies
	 * half-way. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("harness: registered %u\n", registered);
	fflush(stdout);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	cleanup_failed = cleanups_failed();
	/* CUnit counts a failed cleanup as a failed suite too */
	setup_failed = CU_get_number_of_suites_failed() - cleanup_failed;
	printf("\nharness: registered %u run %u passed %u failed %u setup-failed %u cleanup-failed %u\n",
	       registered, run, run - failed, failed, setup_failed, cleanup_failed);
	if (setup_failed > 0)
		printf("harness: %u suite set-up(s) failed: their tests did not run\n", setup_failed);
	if (run < registered)
		printf("harness: %u of %u registered tests did not run\n", registered - run,
		       registered);
	fflush(stdout);
	CU_cleanup_registry();
	return failed == 0 && setup_failed == 0 && cleanup_failed == 0 && run == registered ? 0 : 1;
}

int th_skip(const char *why)
{
	CU_pTestRegistry reg = CU_get_registry();

	printf("harness: registered %u\n", reg != NULL ? reg->uiNumberOfTests : 0);
	printf("harness: skipped: %s\n", why);
	fflush(stdout);
	if (reg != NULL)
		CU_cleanup_registry();
	return TH_EXIT_SKIP;
}

