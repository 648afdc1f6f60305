/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): EAL bring-up
 * with the test rules (one lcore, no huge pages, no PCI, no shared config
 * files, a file prefix of its own; --in-memory is refused with --no-huge,
 * which implies legacy memory, and --no-shconf is what it would add), so that a harness drives the real library code with
 * real mbufs, and a check that fails loudly (abort: libFuzzer records the
 * input) when an invariant the library promises is broken.
 *
 * Thread: the fuzzer's one thread.
 */
#ifndef VMK_TESTS_FUZZ_COMMON_H
#define VMK_TESTS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Bring EAL up once (from LLVMFuzzerInitialize); exits on failure, which
 * libFuzzer reports. */
void fuzz_eal_init(const char *prog);

/* A private directory for files a harness must create (sockets, the
 * daemon's configuration file), on /dev/shm when it can, removed at exit. */
const char *fuzz_tmpdir(void);

#define FUZZ_CHECK(cond)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, \
				__LINE__, #cond);				\
			abort();						\
		}								\
	} while (0)

#endif
