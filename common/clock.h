/*
 * The library's monotonic clock, read from the TSC. Workers read it once per
 * poll loop and pass `now` down; nothing on the data path calls the OS.
 */
#ifndef VMK_COMMON_CLOCK_H
#define VMK_COMMON_CLOCK_H

#include <stdint.h>

#include <rte_cycles.h>

/* TSC ticks per millisecond, set once by vmk_clock_init(). */
extern uint64_t vmk_clock_tsc_per_ms;

/* Set the TSC rate (EAL must be up). Idempotent; any thread. */
void vmk_clock_init(void);

/* Milliseconds since an arbitrary origin; wraps after 49 days: compare with
 * (int32_t)(a - b). vmk_clock_init() must have run (host creation does). */
static inline uint32_t vmk_clock_ms(void)
{
	return (uint32_t)(rte_rdtsc() / vmk_clock_tsc_per_ms);
}

#endif
