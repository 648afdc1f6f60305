/*
 * FDB writer side: insert, move, refresh-on-miss, static entries, removal and
 * the incremental aging sweep. Readers are in fdb.h and never lock.
 *
 * Threading: every function here takes f->lock (a spinlock: held for a few
 * dozen cycles, never across a call out). Workers call fdb_learn on a source
 * miss and fdb_age from their housekeeping; the control thread calls the rest.
 * Publication order: a new entry's value is written before its key is
 * release-stored; a removed entry's key is cleared first.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include <vmknet/vswitch.h>

#include "vswitch/fdb.h"

int fdb_create(uint32_t capacity, uint32_t aging_ms, int socket_id, struct fdb **out)
{
	struct fdb *f;
	uint32_t n_buckets;

	if (capacity < 16 || capacity > VMK_FDB_CAPACITY_MAX || aging_ms == 0 || out == NULL)
		return -EINVAL;
	/* Four slots per entry: at most a quarter loaded (see fdb.h). */
	n_buckets = rte_align32pow2(capacity * FDB_SLOTS_PER_ENTRY / FDB_BUCKET_ENTRIES);
	f = rte_zmalloc_socket("vmk_fdb", sizeof(*f), RTE_CACHE_LINE_SIZE, socket_id);
	if (f == NULL)
		return -ENOMEM;
	f->buckets = rte_zmalloc_socket("vmk_fdb_buckets",
					(size_t)n_buckets * sizeof(struct fdb_bucket),
					RTE_CACHE_LINE_SIZE, socket_id);
	if (f->buckets == NULL && socket_id != SOCKET_ID_ANY)
		f->buckets = rte_zmalloc("vmk_fdb_buckets",
					 (size_t)n_buckets * sizeof(struct fdb_bucket),
					 RTE_CACHE_LINE_SIZE);
	if (f->buckets == NULL) {
		rte_free(f);
		return -ENOMEM;
	}
	f->mask = n_buckets - 1;
	f->capacity = capacity;
	f->aging_ms = aging_ms;
	vmk_spin_init(&f->lock);
	*out = f;
	return 0;
}

void fdb_destroy(struct fdb *f)
{
	if (f == NULL)
		return;
	rte_free(f->buckets);
	rte_free(f);
}

static struct fdb_entry *bucket_slot(struct fdb_bucket *b, uint64_t key)
{
	for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++)
		if (b->e[i].key == key)
			return &b->e[i];
	return NULL;
}

static unsigned int bucket_used(const struct fdb_bucket *b)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++)
		n += b->e[i].key != 0;
	return n;
}

/* Caller holds the lock. */
static struct fdb_entry *find_locked(struct fdb *f, uint64_t key, struct fdb_hash h)
	VMK_REQUIRES(f->lock)
{
	struct fdb_entry *e = bucket_slot(&f->buckets[fdb_b1(f, h)], key);

	return e != NULL ? e : bucket_slot(&f->buckets[fdb_b2(f, h)], key);
}

/* Caller holds the lock. Returns 0 or -ENOSPC. */
static int insert_locked(struct fdb *f, uint64_t key, struct fdb_hash h, uint64_t val)
	VMK_REQUIRES(f->lock)
{
	struct fdb_entry *e;

	if (f->n_entries >= f->capacity)
		return -ENOSPC;
	/* First bucket while it is lightly used (lookups try it first), else
	 * the less loaded one; the other if the choice is full. */
	struct fdb_bucket *b1 = &f->buckets[fdb_b1(f, h)], *b2 = &f->buckets[fdb_b2(f, h)];
	unsigned int u1 = bucket_used(b1), u2 = bucket_used(b2);
	struct fdb_bucket *b = (u1 < FDB_FIRST_CHOICE_MAX || u1 <= u2) ? b1 : b2;

	e = bucket_slot(b, 0);
	if (e == NULL)
		e = bucket_slot(b == b1 ? b2 : b1, 0);
	if (e == NULL)
		return -ENOSPC;
	__atomic_store_n(&e->val, val, __ATOMIC_RELAXED);
	__atomic_store_n(&e->key, key, __ATOMIC_RELEASE);
	__atomic_store_n(&f->n_entries, f->n_entries + 1, __ATOMIC_RELAXED);
	return 0;
}

/* A counter of the table: written under the lock, read without it
 * (vmk_fdb_get_stats). */
static inline void fdb_count(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

/* Caller holds the lock. */
static void remove_locked(struct fdb *f, struct fdb_entry *e) VMK_REQUIRES(f->lock)
{
	__atomic_store_n(&e->key, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&f->n_entries, f->n_entries - 1, __ATOMIC_RELAXED);
}

int fdb_learn(struct fdb *f, uint64_t key, struct fdb_hash h, uint16_t port, uint32_t now)
{
	struct fdb_entry *e;
	int ret = 0;

	vmk_spin_lock(&f->lock);
	e = find_locked(f, key, h);
	if (e != NULL) {
		/* Workers refresh val without the lock (fdb_bucket_touch). */
		uint64_t v = __atomic_load_n(&e->val, __ATOMIC_RELAXED);

		if (fdb_val_flags(v) & FDB_F_STATIC) {
			ret = fdb_val_port(v) == port ? 0 : 1;
		} else {
			if (fdb_val_port(v) != port)
				fdb_count(&f->n_moved);
			__atomic_store_n(&e->val, fdb_val_make(now, port, fdb_val_flags(v)),
					 __ATOMIC_RELEASE);
		}
	} else {
#ifdef VMK_MUTANT_FDB_LEARNING   /* mutant: FDB learning: a new source MAC is never learned */
		ret = 0;
#else
		ret = insert_locked(f, key, h, fdb_val_make(now, port, 0));
#endif
		if (ret == 0)
			fdb_count(&f->n_learned);
		else
			fdb_count(&f->n_full);
	}
	vmk_spin_unlock(&f->lock);
	return ret;
}

int fdb_add_static(struct fdb *f, uint64_t key, uint16_t port, uint32_t now)
{
	struct fdb_hash h = fdb_hash(f, key);
	uint64_t val = fdb_val_make(now, port, FDB_F_STATIC);
	struct fdb_entry *e;
	int ret = 0;

	vmk_spin_lock(&f->lock);
	e = find_locked(f, key, h);
	if (e != NULL) {
		uint64_t v = __atomic_load_n(&e->val, __ATOMIC_RELAXED);

		if ((fdb_val_flags(v) & FDB_F_STATIC) && fdb_val_port(v) != port)
			ret = -EEXIST;
		else
			__atomic_store_n(&e->val, val, __ATOMIC_RELEASE);
	} else {
		ret = insert_locked(f, key, h, val);
	}
	vmk_spin_unlock(&f->lock);
	return ret;
}

int fdb_remove(struct fdb *f, uint64_t key)
{
	struct fdb_hash h = fdb_hash(f, key);
	struct fdb_entry *e;

	vmk_spin_lock(&f->lock);
	e = find_locked(f, key, h);
	if (e != NULL)
		remove_locked(f, e);
	vmk_spin_unlock(&f->lock);
	return e != NULL ? 0 : -ENOENT;
}

/* Remove entries matching a predicate; the lock is taken per bucket so a
 * flush of a big table never stalls learners for long. */
static unsigned int remove_where(struct fdb *f,
				 bool (*match)(uint64_t val, uintptr_t arg), uintptr_t arg)
{
	unsigned int n = 0;

	for (uint32_t b = 0; b <= f->mask; b++) {
		struct fdb_bucket *bk = &f->buckets[b];

		vmk_spin_lock(&f->lock);
		for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++) {
			if (bk->e[i].key != 0 &&
			    match(__atomic_load_n(&bk->e[i].val, __ATOMIC_RELAXED), arg)) {
				remove_locked(f, &bk->e[i]);
				n++;
			}
		}
		vmk_spin_unlock(&f->lock);
	}
	return n;
}

static bool match_port_learned(uint64_t val, uintptr_t port)
{
	return fdb_val_port(val) == port && !(fdb_val_flags(val) & FDB_F_STATIC);
}

static bool match_port_any(uint64_t val, uintptr_t port)
{
	return fdb_val_port(val) == port;
}

static bool match_learned(uint64_t val, uintptr_t unused)
{
	RTE_SET_USED(unused);
	return !(fdb_val_flags(val) & FDB_F_STATIC);
}

unsigned int fdb_flush_port(struct fdb *f, uint16_t port, bool with_static)
{
	return remove_where(f, with_static ? match_port_any : match_port_learned, port);
}

unsigned int fdb_flush_learned(struct fdb *f)
{
	return remove_where(f, match_learned, 0);
}

unsigned int fdb_age(struct fdb *f, uint32_t now, uint32_t n_buckets)
{
	unsigned int n = 0;
	uint32_t b = f->age_cursor;
	/* Written by the control thread (vmk_vswitch_set_fdb_aging). */
	int32_t aging_ms = (int32_t)__atomic_load_n(&f->aging_ms, __ATOMIC_RELAXED);

	if (n_buckets > f->mask + 1)
		n_buckets = f->mask + 1;
	for (uint32_t visited = 0; visited < n_buckets; visited++, b = (b + 1) & f->mask) {
		struct fdb_bucket *bk = &f->buckets[b];
		bool expired = false;

		/* Look without the lock first: most buckets have nothing to do. */
		for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++) {
			uint64_t v = __atomic_load_n(&bk->e[i].val, __ATOMIC_RELAXED);

			if (__atomic_load_n(&bk->e[i].key, __ATOMIC_RELAXED) != 0 &&
			    !(fdb_val_flags(v) & FDB_F_STATIC) &&
			    (int32_t)(now - fdb_val_seen(v)) > aging_ms)
				expired = true;
		}
		if (!expired)
			continue;
		vmk_spin_lock(&f->lock);
		for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++) {
			uint64_t v = __atomic_load_n(&bk->e[i].val, __ATOMIC_RELAXED);

			if (bk->e[i].key != 0 && !(fdb_val_flags(v) & FDB_F_STATIC) &&
			    (int32_t)(now - fdb_val_seen(v)) > aging_ms) {
				remove_locked(f, &bk->e[i]);
				fdb_count(&f->n_aged);
				n++;
			}
		}
		vmk_spin_unlock(&f->lock);
	}
	f->age_cursor = b;
	return n;
}
