/*
 * The library's monotonic clock, read from the TSC. Workers read it once per
 * poll loop and pass `now` down; nothing on the data path calls the OS.
 */
#ifndef VMK_LIB_CLOCK_H
#define VMK_LIB_CLOCK_H

#include <stdint.h>

#include <rte_cycles.h>

/* Milliseconds since an arbitrary origin; wraps after 49 days: compare with
 * (uint32_t)(a - b). */
static inline uint32_t vmk_clock_ms(void)
{
	static __thread uint64_t tsc_per_ms;

	if (tsc_per_ms == 0)
		tsc_per_ms = rte_get_tsc_hz() / 1000 ? rte_get_tsc_hz() / 1000 : 1;
	return (uint32_t)(rte_rdtsc() / tsc_per_ms);
}

#endif
