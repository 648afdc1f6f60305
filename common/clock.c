/*
 * TSC rate for lib/clock.h. A plain global rather than thread-local state:
 * from a shared library, a TLS access is a call to __tls_get_addr, which
 * showed up at 3% of a worker's profile.
 */
#include <rte_cycles.h>

#include "common/clock.h"

uint64_t vmk_clock_tsc_per_ms = 1;

void vmk_clock_init(void)
{
	uint64_t t = rte_get_tsc_hz() / 1000;

	__atomic_store_n(&vmk_clock_tsc_per_ms, t ? t : 1, __ATOMIC_RELAXED);
}
