/*
 * FDB: the (VLAN, MAC) -> port table of one vSwitch.
 *
 * Layout: a power-of-two array of 64-byte buckets of four 16-byte entries
 * (one cache line). Each key has two candidate buckets: the first from a CRC32C
 * of the key, the second from a multiplicative mix of that CRC (not two CRCs
 * with different seeds: CRC is linear, so their XOR would be the same for
 * every key and buckets would pair up for good).
 * An entry never moves between buckets, so a reader can never miss a key
 * because a writer relocated it. The table has four times the capacity in
 * slots; a new key goes to its first bucket while that holds fewer than
 * FDB_FIRST_CHOICE_MAX entries, else to the less loaded of the two. At full
 * capacity about 91% of keys sit in their first bucket, and simulation over
 * 2M and 4M random keys found no insert failing for lack of a free slot.
 * The data path prefetches first buckets only and asks for second buckets
 * in a second round, for the keys it did not find (fdb_touch_b1/b2,
 * fdb_find_b1/b2).
 *
 * Concurrency: lookups are lock-free (acquire-load the key, read the value,
 * re-check the key). Writers (learning, moves, aging, control) serialise on
 * one spinlock, taken only on the miss path. A hit refreshes the entry's
 * last-seen time at most every FDB_REFRESH_MS with a compare-and-swap, so a
 * hot MAC does not write its cache line for every frame.
 */
#ifndef VMK_VSWITCH_FDB_H
#define VMK_VSWITCH_FDB_H

#include <stdbool.h>
#include <stdint.h>

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "common/lock.h"

#define FDB_BUCKET_ENTRIES 4
#define FDB_SLOTS_PER_ENTRY 4   /* table slots per entry of capacity */
#define FDB_FIRST_CHOICE_MAX 2  /* first bucket preferred below this fill */
#define FDB_REFRESH_MS     250
#define FDB_PORT_NONE      0xffff

/* key: bits 0-47 MAC (network order bytes packed LE), 48-59 VLAN, 63 valid. */
#define FDB_KEY_VALID (1ull << 63)

/* value: bits 0-31 last seen (ms), 32-47 port slot, 48-63 flags. */
#define FDB_F_STATIC 0x1u

struct fdb_entry {
	uint64_t key;   /* 0: empty */
	uint64_t val;
};

struct fdb_bucket {
	struct fdb_entry e[FDB_BUCKET_ENTRIES];
} __rte_cache_aligned;

struct fdb {
	struct fdb_bucket *buckets;
	uint32_t mask;            /* n_buckets - 1 */
	uint32_t capacity;        /* most entries held */
	uint32_t aging_ms;
	uint32_t age_cursor;      /* next bucket the aging sweep visits */
	struct vmk_spinlock lock; /* writers only; keys of buckets are guarded by: lock */
	uint32_t n_entries;       /* guarded by: lock (read relaxed) */
	uint64_t n_learned, n_moved, n_aged, n_full;
};

/* Hash of a key; its two candidate buckets come from fdb_b1/fdb_b2 (the
 * second is computed only when needed). */
struct fdb_hash {
	uint32_t crc;
};

/* A unicast, non-zero MAC (bytes at any alignment). */
static inline bool fdb_mac_is_unicast(const uint8_t *mac)
{
	return mac != NULL && !(mac[0] & 1) &&
	       (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

static inline uint64_t fdb_key(uint16_t vlan, const uint8_t *mac)
{
	uint32_t lo;
	uint16_t hi;

	/* Two loads combined in registers: building the key in memory from a
	 * 6-byte copy stalls store-to-load forwarding on the data path. */
	memcpy(&lo, mac, 4);
	memcpy(&hi, mac + 4, 2);
	return lo | ((uint64_t)hi << 32) | ((uint64_t)(vlan & 0xfff) << 48) | FDB_KEY_VALID;
}

/* Data-path form: the MAC is followed by at least 2 readable bytes (inside
 * an Ethernet header), so one 8-byte load and a mask do. */
static inline uint64_t fdb_key_hdr(uint16_t vlan, const uint8_t *mac)
{
	uint64_t k;

	memcpy(&k, mac, 8);
	return (k & 0xffffffffffffull) | ((uint64_t)(vlan & 0xfff) << 48) | FDB_KEY_VALID;
}

/* The 48 MAC bits of a data-path key load (fdb_key_hdr without the VLAN):
 * bit 0 is the group (multicast) bit of the first byte. */
static inline uint64_t fdb_mac48_hdr(const uint8_t *mac)
{
	uint64_t k;

	memcpy(&k, mac, 8);
	return k & 0xffffffffffffull;
}

static inline uint64_t fdb_key_mac48(uint16_t vlan, uint64_t mac48)
{
	return mac48 | ((uint64_t)(vlan & 0xfff) << 48) | FDB_KEY_VALID;
}

static inline uint16_t fdb_val_port(uint64_t v) { return (uint16_t)(v >> 32); }
static inline uint16_t fdb_val_flags(uint64_t v) { return (uint16_t)(v >> 48); }
static inline uint32_t fdb_val_seen(uint64_t v) { return (uint32_t)v; }
static inline uint64_t fdb_val_make(uint32_t seen, uint16_t port, uint16_t flags)
{
	return (uint64_t)seen | ((uint64_t)port << 32) | ((uint64_t)flags << 48);
}

static inline struct fdb_hash fdb_hash(const struct fdb *f, uint64_t key)
{
#ifdef __SSE4_2__
	/* DPDK's x86 baseline has SSE4.2: the instruction itself, without
	 * rte_hash_crc's run-time dispatch on a global. Same value. */
	struct fdb_hash h = { (uint32_t)__builtin_ia32_crc32di(0x9e3779b9, key) };
#else
	struct fdb_hash h = { rte_hash_crc_8byte(key, 0x9e3779b9) };
#endif

	RTE_SET_USED(f);
	return h;
}

/* First bucket: low bits of the CRC32C (one instruction per key). */
static inline uint32_t fdb_b1(const struct fdb *f, struct fdb_hash h)
{
	return h.crc & f->mask;
}

/* Second bucket: a multiplicative mix of the CRC. Not a second CRC with
 * another seed: CRC is linear, so b1 ^ b2 would be the same for every key
 * and buckets would pair up for good. */
static inline uint32_t fdb_b2(const struct fdb *f, struct fdb_hash h)
{
	uint32_t b1 = h.crc & f->mask;
	uint32_t b2 = (uint32_t)(((uint64_t)h.crc * 0x9e3779b97f4a7c15ull) >> 32) & f->mask;

	return b2 != b1 ? b2 : b1 ^ 1;
}

/* Prefetch the first bucket (where ~91% of keys live). */
static inline void fdb_prefetch(const struct fdb *f, struct fdb_hash h)
{
	rte_prefetch0(&f->buckets[fdb_b1(f, h)]);
}

static inline void fdb_prefetch_b2(const struct fdb *f, struct fdb_hash h)
{
	rte_prefetch0(&f->buckets[fdb_b2(f, h)]);
}

static inline bool fdb_bucket_find(const struct fdb_bucket *b, uint64_t key, uint64_t *val)
{
	for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++) {
		if (__atomic_load_n(&b->e[i].key, __ATOMIC_ACQUIRE) != key)
			continue;
		uint64_t v = __atomic_load_n(&b->e[i].val, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* The slot may have been freed and reused between the two loads. */
		if (__atomic_load_n(&b->e[i].key, __ATOMIC_RELAXED) != key)
			return false;
		*val = v;
		return true;
	}
	return false;
}

/* Lock-free lookup. Returns true and sets *val when found. Any thread. */
static inline bool fdb_lookup_h(const struct fdb *f, uint64_t key, struct fdb_hash h,
				uint64_t *val)
{
	return fdb_bucket_find(&f->buckets[fdb_b1(f, h)], key, val) ||
	       fdb_bucket_find(&f->buckets[fdb_b2(f, h)], key, val);
}

/*
 * Create a table holding up to capacity entries (16..VMK_FDB_CAPACITY_MAX).
 * Returns 0 and *out, -EINVAL or -ENOMEM. Free with fdb_destroy (NULL ok).
 */
int fdb_create(uint32_t capacity, uint32_t aging_ms, int socket_id, struct fdb **out);
void fdb_destroy(struct fdb *f);

/*
 * Learn `key` on port `port` at time now: insert it, refresh it, or move it
 * (a learned entry only; registered entries never move).
 * Returns 0 (inserted, refreshed or moved), 1 (static entry elsewhere: left
 * alone), -ENOSPC (table full). Any thread; takes the writer lock only when
 * the entry is missing or on another port.
 */
int fdb_learn(struct fdb *f, uint64_t key, struct fdb_hash h, uint16_t port, uint32_t now);

/* Refresh a hit on the right port; false when the key is not in b or is on
 * another port. */
static inline bool fdb_bucket_touch(struct fdb_bucket *b, uint64_t key, uint16_t port,
				    uint32_t now)
{
	for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++) {
		if (__atomic_load_n(&b->e[i].key, __ATOMIC_ACQUIRE) != key)
			continue;
		uint64_t v = __atomic_load_n(&b->e[i].val, __ATOMIC_RELAXED);
		if (fdb_val_port(v) != port)
			return false;
		if ((int32_t)(now - fdb_val_seen(v)) >= FDB_REFRESH_MS) {
			uint64_t nv = fdb_val_make(now, port, fdb_val_flags(v));
			/* Lose the race quietly: a mover or another refresher won. */
			__atomic_compare_exchange_n(&b->e[i].val, &v, nv, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		}
		return true;
	}
	return false;
}

/*
 * Data-path learn for a source seen on `port`: a lock-free hit on the right
 * port only refreshes the time (rarely). Returns as fdb_learn.
 */
static inline int fdb_learn_fast(struct fdb *f, uint64_t key, struct fdb_hash h,
				 uint16_t port, uint32_t now)
{
	if (likely(fdb_bucket_touch(&f->buckets[fdb_b1(f, h)], key, port, now)) ||
	    fdb_bucket_touch(&f->buckets[fdb_b2(f, h)], key, port, now))
		return 0;
	return fdb_learn(f, key, h, port, now);
}

/* Batched halves of the above: the first-bucket round, then the second. */
static inline bool fdb_touch_b1(struct fdb *f, uint64_t key, struct fdb_hash h,
				uint16_t port, uint32_t now)
{
	return fdb_bucket_touch(&f->buckets[fdb_b1(f, h)], key, port, now);
}

static inline int fdb_learn_b2(struct fdb *f, uint64_t key, struct fdb_hash h,
			       uint16_t port, uint32_t now)
{
	if (fdb_bucket_touch(&f->buckets[fdb_b2(f, h)], key, port, now))
		return 0;
	return fdb_learn(f, key, h, port, now);
}

static inline bool fdb_find_b1(const struct fdb *f, uint64_t key, struct fdb_hash h,
			       uint64_t *val)
{
	return fdb_bucket_find(&f->buckets[fdb_b1(f, h)], key, val);
}

static inline bool fdb_find_b2(const struct fdb *f, uint64_t key, struct fdb_hash h,
			       uint64_t *val)
{
	return fdb_bucket_find(&f->buckets[fdb_b2(f, h)], key, val);
}

/* Add or replace a static entry. Returns 0, -EEXIST (static on another
 * port), -ENOSPC. */
int fdb_add_static(struct fdb *f, uint64_t key, uint16_t port, uint32_t now);

/* Remove key. Returns 0 or -ENOENT. */
int fdb_remove(struct fdb *f, uint64_t key);

/* Remove entries of a port (static ones too when with_static). Returns count. */
unsigned int fdb_flush_port(struct fdb *f, uint16_t port, bool with_static);

/* Remove every learned entry. Returns count. */
unsigned int fdb_flush_learned(struct fdb *f);

/*
 * Aging sweep: visit up to n_buckets buckets from the cursor and remove
 * learned entries not seen for aging_ms. Returns entries removed.
 */
unsigned int fdb_age(struct fdb *f, uint32_t now, uint32_t n_buckets);

static inline uint32_t fdb_n_buckets(const struct fdb *f) { return f->mask + 1; }

#endif
