/*
 * Names and sums of the per-port counters (include/vmknet/stats.h).
 */
#include <vmknet/stats.h>

static const char *const drop_names[VMK_DROP_MAX] = {
#define VMK_DROP_REASON(sym, name, doc) [VMK_DROP_##sym] = name,
#include <vmknet/switch_drops.def>
#undef VMK_DROP_REASON
};

const char *vmk_drop_reason_name(enum vmk_drop_reason r)
{
	return (unsigned int)r < VMK_DROP_MAX ? drop_names[r] : "unknown";
}

static uint64_t sum(const uint64_t *a)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < VMK_DROP_MAX; i++)
		if (i != VMK_DROP_FDB_FULL)   /* not a drop: the frame went on */
			t += a[i];
	return t;
}

uint64_t vmk_port_stats_rx_dropped(const struct vmk_port_stats *s)
{
	return sum(s->rx_drops);
}

uint64_t vmk_port_stats_tx_dropped(const struct vmk_port_stats *s)
{
	return sum(s->tx_drops);
}
