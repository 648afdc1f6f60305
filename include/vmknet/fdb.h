/*
 * The forwarding database (MAC table) of a vSwitch, keyed by (VLAN, MAC).
 *
 * Entries are learned from source addresses of received frames, move when a
 * MAC shows up on another port, and age out after the vSwitch's aging time.
 * Registered entries (guest and vmknic MACs) are never learned over, moved or
 * aged. When the table is full, new sources are not learned and frames to
 * unknown destinations flood; nothing stalls.
 *
 * Thread: control plane (any non-worker thread).
 */
#ifndef VMKNET_FDB_H
#define VMKNET_FDB_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_vswitch;

struct vmk_fdb_entry {
	uint16_t vlan_id;
	uint8_t mac[6];
	uint32_t port_id;
	bool registered;      /* static: set by vmk_fdb_register */
	uint32_t age_sec;     /* seconds since last seen (0 for registered) */
};

struct vmk_fdb_stats {
	uint32_t n_entries;
	uint32_t capacity;
	uint64_t learned;     /* new entries learned from traffic */
	uint64_t moved;       /* MAC moves to another port */
	uint64_t aged;        /* entries removed by aging */
	uint64_t full;        /* sources not learned because the table was full */
};

/*
 * Register (VLAN, MAC) on a port: a static entry, as for a guest or vmknic
 * MAC. Replaces a learned entry for the same key.
 * Returns 0, -EINVAL (bad VLAN, multicast MAC), -ENOENT (no such port),
 * -EEXIST (registered on another port), -ENOSPC (table full).
 */
int vmk_fdb_register(struct vmk_vswitch *vs, uint16_t vlan_id, const uint8_t mac[6],
		     uint32_t port_id);

/* Remove the entry for (VLAN, MAC), learned or registered. Returns 0 or -ENOENT. */
int vmk_fdb_remove(struct vmk_vswitch *vs, uint16_t vlan_id, const uint8_t mac[6]);

/* Look up (VLAN, MAC). Returns 0 and fills *out, or -ENOENT. */
int vmk_fdb_lookup(struct vmk_vswitch *vs, uint16_t vlan_id, const uint8_t mac[6],
		   struct vmk_fdb_entry *out);

/* Remove every learned entry (registered entries stay). Returns how many went. */
unsigned int vmk_fdb_flush(struct vmk_vswitch *vs);

/*
 * Call fn for each entry (a snapshot per bucket; entries may change while
 * walking). Stops early when fn returns non-zero. Returns entries visited.
 */
unsigned int vmk_fdb_walk(struct vmk_vswitch *vs,
			  int (*fn)(const struct vmk_fdb_entry *e, void *arg), void *arg);

/* Table counters. Returns 0. */
int vmk_fdb_get_stats(struct vmk_vswitch *vs, struct vmk_fdb_stats *out);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
