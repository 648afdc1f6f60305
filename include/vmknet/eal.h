/*
 * DPDK environment bring-up for programs that embed vmknet.
 *
 * A hypervisor that already called rte_eal_init() uses the library directly;
 * a program that has not can ask vmknet to do it.
 */
#ifndef VMKNET_EAL_H
#define VMKNET_EAL_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/*
 * Initialise DPDK's EAL with the given arguments (argv[0] is the program
 * name), unless it is already initialised in this process.
 *
 * Returns the number of arguments EAL consumed (>= 0; 0 when EAL was already
 * up and nothing was parsed), or a negative errno (-EINVAL bad arguments,
 * -EALREADY never returned: a second call is a no-op returning 0).
 * Thread: the main thread, before any other vmknet call.
 */
int vmk_eal_init(int argc, char **argv);

/* True once EAL is initialised in this process, by the caller or by us. */
bool vmk_eal_ready(void);

/*
 * Release EAL resources if vmk_eal_init() initialised EAL; a no-op when the
 * caller owns EAL. Call after every host was destroyed.
 */
void vmk_eal_cleanup(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
