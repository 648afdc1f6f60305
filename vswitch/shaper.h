/*
 * Traffic shaping of what a port sends into the switch: two token buckets
 * (average rate with the configured burst as depth; peak rate with a depth
 * of 1 ms of peak traffic, at least 64 KB). Tokens are kept in byte-ticks
 * (bytes x TSC Hz) so refills are exact and nothing drifts.
 *
 * Threading: one shaper per rx queue, touched only by the worker polling
 * that queue; the profile comes from the RCU-published view.
 */
#ifndef VMK_VSWITCH_SHAPER_H
#define VMK_VSWITCH_SHAPER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

struct shaper_profile {
	bool enabled;
	uint64_t avg_Bps, peak_Bps;   /* bytes per second */
	uint64_t avg_depth, peak_depth; /* bytes */
};

struct shaper {
	uint64_t avg_tok, peak_tok;   /* byte-ticks */
	uint64_t last_tsc;
	const void *profile;          /* profile the state was built for */
} __rte_cache_aligned;

/* Refill for the time since the last burst (call once per burst). */
static inline void shaper_refill(struct shaper *s, const struct shaper_profile *p,
				 uint64_t tsc, uint64_t hz)
{
	uint64_t dt;

	if (unlikely(s->profile != p)) {
		/* New or changed profile: start with full buckets. */
		s->profile = p;
		s->avg_tok = p->avg_depth * hz;
		s->peak_tok = p->peak_depth * hz;
		s->last_tsc = tsc;
		return;
	}
	dt = tsc - s->last_tsc;
	s->last_tsc = tsc;
	if (dt > hz)
		dt = hz;   /* a second of credit fills any bucket; avoids overflow */
	s->avg_tok = RTE_MIN(s->avg_tok + dt * p->avg_Bps, p->avg_depth * hz);
	s->peak_tok = RTE_MIN(s->peak_tok + dt * p->peak_Bps, p->peak_depth * hz);
}

/* Take len bytes if both buckets have them. */
static inline bool shaper_admit(struct shaper *s, uint32_t len, uint64_t hz)
{
	uint64_t need = (uint64_t)len * hz;

	if (s->avg_tok < need || s->peak_tok < need)
		return false;
	s->avg_tok -= need;
	s->peak_tok -= need;
	return true;
}

#endif
