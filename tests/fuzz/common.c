/*
 * EAL bring-up and scratch directory for the fuzz harnesses (common.h).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_memory.h>
#include <sanitizer/lsan_interface.h>

#include <vmknet/eal.h>

#include "common.h"

/* LeakSanitizer does not look into DPDK's memory, so a heap block that only
 * a DPDK-allocated object points to (a vSwitch in the host's table) would be
 * reported as leaked: make that memory a root of its scan. */
static int lsan_root(const struct rte_memseg_list *msl, void *arg)
{
	(void)arg;
	if (msl->base_va != NULL && msl->len > 0)
		__lsan_register_root_region(msl->base_va, msl->len);
	return 0;
}

void fuzz_eal_init(const char *prog)
{
	char prefix[64];
	char *argv[16];
	int argc = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=vmkf_%s_%d", prog, (int)getpid());
	argv[argc++] = (char *)prog;
	argv[argc++] = (char *)"-l0";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"-m256";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--log-level=*:error";
	argv[argc] = NULL;
	if (vmk_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: EAL did not come up\n", prog);
		exit(1);
	}
	rte_memseg_list_walk(lsan_root, NULL);
}

static char tmpdir[64];

static void tmpdir_remove(void)
{
	char cmd[96];

	if (tmpdir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", tmpdir);
}

const char *fuzz_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		return tmpdir;
	/* tmpfs when there is one: the daemon fsyncs every change it saves */
	snprintf(tmpdir, sizeof(tmpdir), "%s/vmkfuzz.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("fuzz: mkdtemp");
		exit(1);
	}
	atexit(tmpdir_remove);
	return tmpdir;
}
