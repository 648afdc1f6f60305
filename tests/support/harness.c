/*
 * Test harness implementation (see harness.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <rte_ethdev.h>

#include <vmknet/eal.h>

#include "support/harness.h"

int th_eal_init(const char *prog, bool with_worker)
{
	char prefix[64];
	char *argv[16];
	int argc = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=vmkt_%s_%d", prog, (int)getpid());
	argv[argc++] = (char *)prog;
	argv[argc++] = (char *)(with_worker ? "-l0-1" : "-l0");
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"-m512";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--log-level=*:warning";
	argv[argc] = NULL;
	return vmk_eal_init(argc, argv) < 0 ? -1 : 0;
}

int th_run_suites(void)
{
	int rc = th_cunit_run();

	vmk_eal_cleanup();
	return rc;
}

int th_need(const char *programs)
{
	char list[512], missing[512] = "", cmd[128];
	char *save = NULL;

	snprintf(list, sizeof(list), "%s", programs);
	for (char *t = strtok_r(list, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", t);
		if (system(cmd) != 0) {
			strncat(missing, " ", sizeof(missing) - strlen(missing) - 1);
			strncat(missing, t, sizeof(missing) - strlen(missing) - 1);
		}
	}
	if (missing[0] == '\0')
		return 0;
	printf("FAIL: not installed:%s: run 'make deps' (as root) to install the test dependencies\n",
	       missing);
	fflush(stdout);
	return -1;
}

int th_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	rc = rc == -1 ? -1 : WEXITSTATUS(rc);
	fprintf(stderr, "    $ %s -> %d\n", cmd, rc);   /* the log, not the verdict line */
	return rc;
}
