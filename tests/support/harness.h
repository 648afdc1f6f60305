/*
 * Test harness shared by the CUnit binaries: EAL bring-up with the project's
 * test rules (--no-pci, --no-huge, --in-memory, at most two lcores), the
 * suite runner with EAL clean-up, tool checks and shell commands. Ring ports
 * and frame builders, which need no host, are in support/ringport.h
 * (included here).
 */
#ifndef VMK_TESTS_HARNESS_H
#define VMK_TESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "support/cunit_run.h"
#include "support/ringport.h"

/* Bring up EAL for a test binary: lcores 0 (main) and, when with_worker,
 * 1 (the worker). Returns 0 or a negative errno. */
int th_eal_init(const char *prog, bool with_worker);

/* Run the registered CUnit suites (th_cunit_run, support/cunit_run.h), then
 * clean up EAL. Returns the process exit code. */
int th_run_suites(void);

/* Check that every program of the space-separated list is on PATH. Returns 0,
 * or prints "FAIL: not installed: ...: run 'make deps'" and returns -1: a
 * missing tool is a broken set-up (make deps installs them all), never a
 * skip. */
int th_need(const char *programs);

/* Run a shell command (printf-style, at most 1023 bytes), log it with its
 * exit status on stderr, and return that status (0: success; -1: it could
 * not run). For the Linux side of tests: ip, tc, ping, socat, tcpdump. */
int th_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
