/*
 * EAL bring-up helper. The library works whether the embedding program
 * initialised EAL itself or asks us to; we only tear down what we set up.
 * Thread: main thread only.
 */
#include <errno.h>
#include <stdbool.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <vmknet/eal.h>

#include "common/log.h"

static bool eal_owned;

bool vmk_eal_ready(void)
{
	/* rte_config's lcore count stays 0 until rte_eal_init() ran. */
	return rte_lcore_count() > 0;
}

int vmk_eal_init(int argc, char **argv)
{
	int ret;

	if (vmk_eal_ready())
		return 0;
	if (argc < 1 || argv == NULL)
		return -EINVAL;
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return rte_errno > 0 ? -rte_errno : -EINVAL;
	eal_owned = true;
	return ret;
}

void vmk_eal_cleanup(void)
{
	if (!eal_owned)
		return;
	rte_eal_cleanup();
	eal_owned = false;
}
