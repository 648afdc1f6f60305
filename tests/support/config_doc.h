/*
 * Helpers of the configuration documents' unit tests (test_config_*.c):
 * parse a document into a configuration, and check that one is refused
 * with a reason naming the problem.
 */
#ifndef VMK_TESTS_CONFIG_DOC_H
#define VMK_TESTS_CONFIG_DOC_H

#include <vmknet/config.h>

/* The reason of the last th_cfg_parse (empty when it passed). */
extern char th_cfg_err[VMK_CONFIG_ERR_SIZE];

/* vmk_config_from_json of text into cfg, the reason in th_cfg_err. */
int th_cfg_parse(const char *text, struct vmk_config *cfg);

/* The document is refused with -EINVAL, a reason containing `why`, and the
 * same text as the thread's vmk_last_error() (CUnit assertions). */
void th_cfg_refused(const char *text, const char *why);

#endif
