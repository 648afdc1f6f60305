/*
 * The end of every CUnit test binary: run the registered suites and report
 * what tests/run.sh counts, or declare a skip. Depends on CUnit only.
 */
#ifndef VMK_TESTS_CUNIT_RUN_H
#define VMK_TESTS_CUNIT_RUN_H

/* Run the registered CUnit suites verbosely and print the counts tests/run.sh
 * reads ("harness: registered R" before the run; "harness: registered R run N
 * passed P failed F setup-failed S cleanup-failed C" after it). Returns the
 * process exit code: 0 only when every registered test ran and passed and
 * every suite's set-up and cleanup succeeded. */
int th_cunit_run(void);

/* Exit status of a test binary or script that cannot run here (automake's). */
#define TH_EXIT_SKIP 77

/* Declare that this binary cannot run here: prints "harness: skipped: WHY"
 * (say what is missing and how to get it: "needs root", "run make deps")
 * and returns TH_EXIT_SKIP for main to return. tests/run.sh counts the
 * binary's tests as skipped, and .ci/run fails on any skip. */
int th_skip(const char *why);

#endif
