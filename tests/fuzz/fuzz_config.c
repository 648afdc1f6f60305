/*
 * libFuzzer harness: the configuration document (lib/config_json.c and the
 * validator, lib/config_model.c and friends) through the public API, as
 * vmknetd reads its file and config.set's payload. The input is the
 * document, not NUL-terminated.
 *
 * Invariants checked: a document that is accepted is valid; its JSON form
 * is accepted again and gives the same JSON (a saved file loads back as
 * it was saved); a refused document leaves *out as it was and says why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmknet/vmknet.h>

#include "common.h"

static struct vmk_config *cfg, *again, *before;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_config");
	if (vmk_config_create(&cfg) < 0 || vmk_config_create(&again) < 0 ||
	    vmk_config_create(&before) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[VMK_CONFIG_ERR_SIZE] = "";
	char *text = NULL, *text2 = NULL;
	int ret;

	vmk_config_init_default(cfg);
	vmk_config_copy(before, cfg);
	ret = vmk_config_from_json((const char *)data, size, cfg, err, sizeof(err));
	if (ret < 0) {
		FUZZ_CHECK(ret == -EINVAL || ret == -E2BIG);
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(memcmp(cfg, before, sizeof(*cfg)) == 0);
		return 0;
	}
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(vmk_config_validate(cfg, err, sizeof(err)) == 0);
	FUZZ_CHECK(vmk_config_to_json(cfg, &text) == 0);
	vmk_config_init_empty(again);
	ret = vmk_config_from_json(text, strlen(text), again, err, sizeof(err));
	if (ret != 0)
		fprintf(stderr, "saved form refused: %s\n%s\n", err, text);
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(vmk_config_to_json(again, &text2) == 0);
	FUZZ_CHECK(strcmp(text, text2) == 0);
	/* What the daemon does with a loaded file before it applies it. */
	vmk_config_guest_fill_macs(cfg);
	FUZZ_CHECK(vmk_config_validate(cfg, err, sizeof(err)) == 0);
	free(text);
	free(text2);
	return 0;
}
