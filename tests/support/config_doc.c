/*
 * Helpers of the configuration documents' unit tests (config_doc.h).
 * Thread: the test's main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include <vmknet/vmknet.h>

#include "support/config_doc.h"

char th_cfg_err[VMK_CONFIG_ERR_SIZE];

int th_cfg_parse(const char *text, struct vmk_config *cfg)
{
	th_cfg_err[0] = '\0';
	return vmk_config_from_json(text, strlen(text), cfg, th_cfg_err, sizeof(th_cfg_err));
}

void th_cfg_refused(const char *text, const char *why)
{
	struct vmk_config *cfg;

	CU_ASSERT_FATAL(vmk_config_create(&cfg) == 0);
	CU_ASSERT_EQUAL(th_cfg_parse(text, cfg), -EINVAL);
	if (strstr(th_cfg_err, why) == NULL) {
		printf("\n      reason \"%s\" lacks \"%s\"", th_cfg_err, why);
		CU_FAIL("reason does not name the problem");
	}
	CU_ASSERT_STRING_EQUAL(vmk_last_error(), th_cfg_err);
	vmk_config_destroy(cfg);
}
