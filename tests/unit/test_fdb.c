/*
 * Unit tests of the MAC table (vswitch/fdb.h, vswitch/fdb.c): learning,
 * moves, registered (static) entries, aging driven by an explicit clock,
 * capacity up to the 2M entries the vSwitch must reach, flushes and the
 * (VLAN, MAC) key.
 *
 * EAL is brought up here with rte_eal_init itself (the library's "caller
 * owns EAL" path), without workers, and with -m 1024: under --no-huge the
 * heap is what -m says, and the 2M-entry table alone takes 64 MiB.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include <vmknet/vswitch.h>

#include "support/harness.h"
#include "vswitch/fdb.h"

#define AGING_MS 1000u
#define T0       100000u          /* an arbitrary start of the test clock */
#define BIG_CAP  (2u << 20)       /* 2,097,152 entries */

static struct fdb *mk(uint32_t capacity, uint32_t aging_ms)
{
	struct fdb *f = NULL;

	CU_ASSERT_EQUAL_FATAL(fdb_create(capacity, aging_ms, SOCKET_ID_ANY, &f), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	return f;
}

/* Locally administered unicast MAC 02:00:00:00:a:b. */
static uint64_t key(uint16_t vlan, uint8_t a, uint8_t b)
{
	uint8_t mac[6];

	th_mac(mac, a, b);
	return fdb_key(vlan, mac);
}

static int learn(struct fdb *f, uint64_t k, uint16_t port, uint32_t now)
{
	return fdb_learn(f, k, fdb_hash(f, k), port, now);
}

static int learn_fast(struct fdb *f, uint64_t k, uint16_t port, uint32_t now)
{
	return fdb_learn_fast(f, k, fdb_hash(f, k), port, now);
}

/* The entry's value, or false when the key is not in the table. */
static bool find(const struct fdb *f, uint64_t k, uint64_t *val)
{
	*val = 0;   /* defined for the asserts that follow a failed lookup */
	return fdb_lookup_h(f, k, fdb_hash(f, k), val);
}

/* The entry's port, or -1 when the key is not in the table. */
static int port_of(const struct fdb *f, uint64_t k)
{
	uint64_t v;

	return find(f, k, &v) ? fdb_val_port(v) : -1;
}

/* ---- create ---------------------------------------------------------- */

static void test_fdb_create_rejects_out_of_range_parameters(void)
{
	struct fdb *f = NULL;

	CU_ASSERT_EQUAL(fdb_create(15, AGING_MS, SOCKET_ID_ANY, &f), -EINVAL);
	CU_ASSERT_EQUAL(fdb_create(VMK_FDB_CAPACITY_MAX + 1, AGING_MS, SOCKET_ID_ANY, &f),
			-EINVAL);
	CU_ASSERT_EQUAL(fdb_create(16, 0, SOCKET_ID_ANY, &f), -EINVAL);
	CU_ASSERT_EQUAL(fdb_create(16, AGING_MS, SOCKET_ID_ANY, NULL), -EINVAL);
	CU_ASSERT_PTR_NULL(f);
	fdb_destroy(NULL);
}

static void test_fdb_create_sizes_table_at_four_times_the_capacity_in_slots(void)
{
	static const uint32_t caps[] = { 16, 17, 1000, 65536 };

	for (unsigned int i = 0; i < RTE_DIM(caps); i++) {
		struct fdb *f = mk(caps[i], AGING_MS);
		uint32_t nb = fdb_n_buckets(f);

		CU_ASSERT_EQUAL(nb & (nb - 1), 0);          /* power of two */
		CU_ASSERT(nb * FDB_BUCKET_ENTRIES >= FDB_SLOTS_PER_ENTRY * caps[i]);
		CU_ASSERT_EQUAL(f->capacity, caps[i]);
		CU_ASSERT_EQUAL(f->n_entries, 0);
		fdb_destroy(f);
	}
}

/* ---- learning, lookup, moves ---------------------------------------- */

static void test_fdb_learn_inserts_entry_that_lookup_returns_with_its_port(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t k = key(10, 1, 1), v = 0;

	CU_ASSERT_EQUAL(port_of(f, k), -1);
	CU_ASSERT_EQUAL(learn(f, k, 3, T0), 0);
	CU_ASSERT_TRUE(find(f, k, &v));
	CU_ASSERT_EQUAL(fdb_val_port(v), 3);
	CU_ASSERT_EQUAL(fdb_val_seen(v), T0);
	CU_ASSERT_EQUAL(fdb_val_flags(v) & FDB_F_STATIC, 0);
	CU_ASSERT_EQUAL(f->n_entries, 1);
	CU_ASSERT_EQUAL(f->n_learned, 1);
	fdb_destroy(f);
}

static void test_fdb_lookup_misses_a_mac_never_learned(void)
{
	struct fdb *f = mk(64, AGING_MS);

	CU_ASSERT_EQUAL(learn(f, key(10, 1, 1), 3, T0), 0);
	CU_ASSERT_EQUAL(port_of(f, key(10, 1, 2)), -1);
	CU_ASSERT_EQUAL(port_of(f, key(11, 1, 1)), -1);
	fdb_destroy(f);
}

static void test_fdb_entry_moves_when_mac_seen_on_new_port(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t k = key(10, 2, 1);

	CU_ASSERT_EQUAL(learn(f, k, 1, T0), 0);
	CU_ASSERT_EQUAL(learn(f, k, 1, T0 + 10), 0);     /* same port: no move */
	CU_ASSERT_EQUAL(f->n_moved, 0);
	CU_ASSERT_EQUAL(learn(f, k, 2, T0 + 20), 0);
	CU_ASSERT_EQUAL(port_of(f, k), 2);
	CU_ASSERT_EQUAL(f->n_moved, 1);
	CU_ASSERT_EQUAL(learn_fast(f, k, 7, T0 + 30), 0); /* the data-path learner moves too */
	CU_ASSERT_EQUAL(port_of(f, k), 7);
	CU_ASSERT_EQUAL(f->n_moved, 2);
	CU_ASSERT_EQUAL(f->n_entries, 1);                /* moved, not duplicated */
	CU_ASSERT_EQUAL(f->n_learned, 1);
	fdb_destroy(f);
}

static void test_fdb_fast_hit_refreshes_seen_time_only_every_refresh_interval(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t k = key(1, 3, 1), v;

	CU_ASSERT_EQUAL(learn(f, k, 4, T0), 0);
	CU_ASSERT_EQUAL(learn_fast(f, k, 4, T0 + FDB_REFRESH_MS - 1), 0);
	CU_ASSERT_TRUE(find(f, k, &v));
	CU_ASSERT_EQUAL(fdb_val_seen(v), T0);            /* hot MAC: no write */
	CU_ASSERT_EQUAL(learn_fast(f, k, 4, T0 + FDB_REFRESH_MS), 0);
	CU_ASSERT_TRUE(find(f, k, &v));
	CU_ASSERT_EQUAL(fdb_val_seen(v), T0 + FDB_REFRESH_MS);
	CU_ASSERT_EQUAL(fdb_val_port(v), 4);
	CU_ASSERT_EQUAL(f->n_learned, 1);
	fdb_destroy(f);
}

/* ---- static entries -------------------------------------------------- */

static void test_fdb_static_entry_is_not_moved_by_learning(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t k = key(10, 4, 1), v;

	CU_ASSERT_EQUAL(fdb_add_static(f, k, 5, T0), 0);
	CU_ASSERT_EQUAL(learn(f, k, 6, T0 + 1), 1);
	CU_ASSERT_EQUAL(learn_fast(f, k, 6, T0 + 2), 1);
	CU_ASSERT_EQUAL(learn(f, k, 5, T0 + 3), 0);      /* seen where registered */
	CU_ASSERT_TRUE(find(f, k, &v));
	CU_ASSERT_EQUAL(fdb_val_port(v), 5);
	CU_ASSERT(fdb_val_flags(v) & FDB_F_STATIC);
	CU_ASSERT_EQUAL(f->n_moved, 0);
	CU_ASSERT_EQUAL(f->n_learned, 0);
	CU_ASSERT_EQUAL(f->n_entries, 1);
	fdb_destroy(f);
}

static void test_fdb_static_entry_on_another_port_is_eexist(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t k = key(10, 4, 2);

	CU_ASSERT_EQUAL(fdb_add_static(f, k, 5, T0), 0);
	CU_ASSERT_EQUAL(fdb_add_static(f, k, 6, T0), -EEXIST);
	CU_ASSERT_EQUAL(fdb_add_static(f, k, 5, T0 + 1), 0);   /* same port: fine */
	CU_ASSERT_EQUAL(port_of(f, k), 5);
	CU_ASSERT_EQUAL(f->n_entries, 1);
	fdb_destroy(f);
}

static void test_fdb_static_entry_replaces_a_learned_one(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t k = key(10, 4, 3), v;

	CU_ASSERT_EQUAL(learn(f, k, 1, T0), 0);
	CU_ASSERT_EQUAL(fdb_add_static(f, k, 2, T0), 0);
	CU_ASSERT_TRUE(find(f, k, &v));
	CU_ASSERT_EQUAL(fdb_val_port(v), 2);
	CU_ASSERT(fdb_val_flags(v) & FDB_F_STATIC);
	CU_ASSERT_EQUAL(f->n_entries, 1);
	fdb_destroy(f);
}

/* ---- aging ----------------------------------------------------------- */

static void test_fdb_aging_removes_entries_not_seen_for_aging_ms(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t a = key(1, 5, 1), b = key(2, 5, 2);

	CU_ASSERT_EQUAL(learn(f, a, 1, T0), 0);
	CU_ASSERT_EQUAL(learn(f, b, 2, T0), 0);
	CU_ASSERT_EQUAL(fdb_age(f, T0 + AGING_MS - 1, fdb_n_buckets(f)), 0);
	CU_ASSERT_EQUAL(port_of(f, a), 1);
	CU_ASSERT_EQUAL(fdb_age(f, T0 + AGING_MS + 1, fdb_n_buckets(f)), 2);
	CU_ASSERT_EQUAL(port_of(f, a), -1);
	CU_ASSERT_EQUAL(port_of(f, b), -1);
	CU_ASSERT_EQUAL(f->n_entries, 0);
	CU_ASSERT_EQUAL(f->n_aged, 2);
	/* A key that aged out can be learned again. */
	CU_ASSERT_EQUAL(learn(f, a, 3, T0 + AGING_MS + 2), 0);
	CU_ASSERT_EQUAL(port_of(f, a), 3);
	fdb_destroy(f);
}

static void test_fdb_aging_keeps_entries_refreshed_in_time(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t a = key(1, 6, 1), b = key(1, 6, 2), c = key(1, 6, 3);
	const uint32_t t1 = T0 + 800;

	CU_ASSERT_EQUAL(learn(f, a, 1, T0), 0);
	CU_ASSERT_EQUAL(learn(f, b, 1, T0), 0);
	CU_ASSERT_EQUAL(learn(f, c, 1, T0), 0);
	CU_ASSERT_EQUAL(learn(f, a, 1, t1), 0);          /* control-path refresh */
	CU_ASSERT_EQUAL(learn_fast(f, b, 1, t1), 0);     /* data-path refresh */
	CU_ASSERT_EQUAL(fdb_age(f, T0 + AGING_MS + 1, fdb_n_buckets(f)), 1);
	CU_ASSERT_EQUAL(port_of(f, a), 1);
	CU_ASSERT_EQUAL(port_of(f, b), 1);
	CU_ASSERT_EQUAL(port_of(f, c), -1);
	/* The refreshed ones go in their turn. */
	CU_ASSERT_EQUAL(fdb_age(f, t1 + AGING_MS + 1, fdb_n_buckets(f)), 2);
	CU_ASSERT_EQUAL(f->n_entries, 0);
	fdb_destroy(f);
}

static void test_fdb_aging_never_removes_static_entries(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t s = key(1, 7, 1), l = key(1, 7, 2);

	CU_ASSERT_EQUAL(fdb_add_static(f, s, 9, T0), 0);
	CU_ASSERT_EQUAL(learn(f, l, 8, T0), 0);
	CU_ASSERT_EQUAL(fdb_age(f, T0 + 100 * AGING_MS, fdb_n_buckets(f)), 1);
	CU_ASSERT_EQUAL(port_of(f, s), 9);
	CU_ASSERT_EQUAL(port_of(f, l), -1);
	CU_ASSERT_EQUAL(f->n_aged, 1);
	fdb_destroy(f);
}

static void test_fdb_aging_in_one_bucket_slices_covers_the_whole_table(void)
{
	struct fdb *f = mk(256, AGING_MS);
	unsigned int removed = 0;

	for (uint8_t i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(learn(f, key(i, 8, i), i, T0), 0);
	/* The cursor walks on: n_buckets slices of one bucket see every bucket. */
	for (uint32_t s = 0; s < fdb_n_buckets(f); s++)
		removed += fdb_age(f, T0 + AGING_MS + 1, 1);
	CU_ASSERT_EQUAL(removed, 100);
	CU_ASSERT_EQUAL(f->n_entries, 0);
	fdb_destroy(f);
}

/* ---- capacity -------------------------------------------------------- */

static void test_fdb_full_table_returns_enospc_and_counts(void)
{
	struct fdb *f = mk(16, AGING_MS);
	uint64_t extra = key(10, 9, 200);

	for (uint8_t i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(learn(f, key(10, 9, i), i, T0), 0);
	CU_ASSERT_EQUAL(f->n_entries, 16);
	CU_ASSERT_EQUAL(learn(f, extra, 1, T0), -ENOSPC);
	CU_ASSERT_EQUAL(learn_fast(f, extra, 1, T0), -ENOSPC);
	CU_ASSERT_EQUAL(fdb_add_static(f, extra, 1, T0), -ENOSPC);
	CU_ASSERT_EQUAL(f->n_full, 2);
	CU_ASSERT_EQUAL(f->n_entries, 16);
	CU_ASSERT_EQUAL(port_of(f, extra), -1);
	/* Known sources still refresh and move in a full table. */
	CU_ASSERT_EQUAL(learn(f, key(10, 9, 3), 15, T0 + 1), 0);
	CU_ASSERT_EQUAL(port_of(f, key(10, 9, 3)), 15);
	for (uint8_t i = 0; i < 16; i++)
		if (i != 3)
			CU_ASSERT_EQUAL(port_of(f, key(10, 9, i)), i);
	/* Room again after a removal. */
	CU_ASSERT_EQUAL(fdb_remove(f, key(10, 9, 0)), 0);
	CU_ASSERT_EQUAL(learn(f, extra, 1, T0 + 2), 0);
	CU_ASSERT_EQUAL(port_of(f, extra), 1);
	fdb_destroy(f);
}

/* A deterministic pseudo-random stream (splitmix64). */
static uint64_t rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A random locally administered unicast MAC (02:...) in a random VLAN. */
static uint64_t rnd_key(uint64_t *state)
{
	uint64_t r = rnd(state);
	uint8_t mac[6] = { 0x02, (uint8_t)r, (uint8_t)(r >> 8), (uint8_t)(r >> 16),
			   (uint8_t)(r >> 24), (uint8_t)(r >> 32) };

	return fdb_key((uint16_t)((r >> 40) % 4095), mac);
}

static void test_fdb_capacity_16_table_takes_any_16_distinct_keys(void)
{
	struct fdb *f = mk(16, AGING_MS);
	uint64_t st = 1;
	unsigned int n_sets_short = 0;

	for (unsigned int set = 0; set < 2000; set++) {
		unsigned int n_ok = 0;

		for (unsigned int i = 0; i < 16; i++)
			n_ok += learn(f, rnd_key(&st), (uint16_t)i, T0) == 0;
		n_sets_short += n_ok != 16;
		CU_ASSERT_EQUAL(fdb_flush_learned(f), n_ok);
	}
	if (n_sets_short != 0)
		printf("(%u of 2000 key sets did not fit) ", n_sets_short);
	CU_ASSERT_EQUAL(n_sets_short, 0);
	fdb_destroy(f);
}

static void test_fdb_second_bucket_is_not_a_fixed_offset_of_the_first(void)
{
	struct fdb *f = mk(65536, AGING_MS);     /* 13+ bits of bucket index */
	uint32_t *d = calloc(4096, sizeof(*d));
	unsigned int n_distinct = 0;
	uint64_t st = 7;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	/* Two hashes sharing a linear structure (CRC32C under two seeds) make
	 * b1 ^ b2 the same for every key: buckets pair up for good and the
	 * second choice is worth nothing. */
	for (unsigned int i = 0; i < 4096; i++) {
		struct fdb_hash h = fdb_hash(f, rnd_key(&st));
		uint32_t b1 = fdb_b1(f, h), b2 = fdb_b2(f, h);

		CU_ASSERT(b1 <= f->mask && b2 <= f->mask && b1 != b2);
		d[i] = b1 ^ b2;
	}
	for (unsigned int i = 0; i < 4096; i++) {
		unsigned int j = 0;

		while (j < i && d[j] != d[i])
			j++;
		n_distinct += j == i;
	}
	CU_ASSERT(n_distinct > 2048);
	free(d);
	fdb_destroy(f);
}

/* Key i of the big table: distinct for every i (mac[1..4] is i times an odd
 * constant, a bijection on 32 bits), scattered over MACs and VLANs 1-4094. */
static uint64_t big_key(uint32_t i)
{
	uint32_t x = i * 2654435761u;
	uint8_t mac[6] = { 0x02, (uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8),
			   (uint8_t)x, (uint8_t)(i * 37u + 11u) };

	return fdb_key((uint16_t)(1 + (i * 7919u) % 4094u), mac);
}

static void test_fdb_holds_2m_distinct_entries_and_finds_each_again(void)
{
	struct fdb *f = mk(BIG_CAP, 300000);
	uint32_t n_fail = 0, n_lost = 0, first_fail = UINT32_MAX;
	uint64_t t = rte_get_timer_cycles();

	for (uint32_t i = 0; i < BIG_CAP; i++) {
		if (learn(f, big_key(i), (uint16_t)(i & 0xfff), T0) != 0) {
			if (n_fail++ == 0)
				first_fail = i;
		}
	}
	for (uint32_t i = 0; i < BIG_CAP; i++)
		n_lost += port_of(f, big_key(i)) != (int)(i & 0xfff);
	if (n_fail != 0)
		printf("(%u of %u inserts failed, the first at %u, %.1f%% full) ", n_fail,
		       BIG_CAP, first_fail, 100.0 * first_fail / BIG_CAP);
	printf("(2M learn + lookup: %.2f s) ",
	       (double)(rte_get_timer_cycles() - t) / rte_get_timer_hz());
	CU_ASSERT_EQUAL(n_fail, 0);
	CU_ASSERT_EQUAL(n_lost, n_fail);
	CU_ASSERT_EQUAL(f->n_entries, BIG_CAP - n_fail);
	CU_ASSERT_EQUAL(f->n_learned, BIG_CAP - n_fail);
	if (n_fail == 0) {
		CU_ASSERT_EQUAL(learn(f, key(1, 10, 1), 1, T0), -ENOSPC);
		CU_ASSERT_EQUAL(f->n_full, 1);
	}
	fdb_destroy(f);
}

/* ---- flushes and removal -------------------------------------------- */

static void test_fdb_flush_port_removes_only_that_ports_entries(void)
{
	struct fdb *f = mk(64, AGING_MS);

	for (uint8_t i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(learn(f, key(10, 11, i), 1, T0), 0);
		CU_ASSERT_EQUAL(learn(f, key(10, 12, i), 2, T0), 0);
	}
	CU_ASSERT_EQUAL(fdb_add_static(f, key(10, 13, 0), 1, T0), 0);
	CU_ASSERT_EQUAL(fdb_flush_port(f, 1, false), 5);
	for (uint8_t i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(port_of(f, key(10, 11, i)), -1);
		CU_ASSERT_EQUAL(port_of(f, key(10, 12, i)), 2);
	}
	CU_ASSERT_EQUAL(port_of(f, key(10, 13, 0)), 1);  /* registered: kept */
	CU_ASSERT_EQUAL(f->n_entries, 6);
	CU_ASSERT_EQUAL(fdb_flush_port(f, 1, true), 1);  /* now it goes too */
	CU_ASSERT_EQUAL(port_of(f, key(10, 13, 0)), -1);
	CU_ASSERT_EQUAL(fdb_flush_port(f, 3, true), 0);
	CU_ASSERT_EQUAL(f->n_entries, 5);
	fdb_destroy(f);
}

static void test_fdb_flush_learned_keeps_static_entries(void)
{
	struct fdb *f = mk(64, AGING_MS);

	for (uint8_t i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(learn(f, key(i, 14, i), i, T0), 0);
	CU_ASSERT_EQUAL(fdb_add_static(f, key(20, 15, 1), 1, T0), 0);
	CU_ASSERT_EQUAL(fdb_add_static(f, key(30, 15, 2), 2, T0), 0);
	CU_ASSERT_EQUAL(fdb_flush_learned(f), 8);
	for (uint8_t i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(port_of(f, key(i, 14, i)), -1);
	CU_ASSERT_EQUAL(port_of(f, key(20, 15, 1)), 1);
	CU_ASSERT_EQUAL(port_of(f, key(30, 15, 2)), 2);
	CU_ASSERT_EQUAL(f->n_entries, 2);
	fdb_destroy(f);
}

static void test_fdb_remove_deletes_exactly_one_entry(void)
{
	struct fdb *f = mk(64, AGING_MS);

	CU_ASSERT_EQUAL(learn(f, key(1, 16, 1), 1, T0), 0);
	CU_ASSERT_EQUAL(fdb_add_static(f, key(1, 16, 2), 2, T0), 0);
	CU_ASSERT_EQUAL(fdb_remove(f, key(1, 16, 1)), 0);
	CU_ASSERT_EQUAL(fdb_remove(f, key(1, 16, 1)), -ENOENT);
	CU_ASSERT_EQUAL(port_of(f, key(1, 16, 1)), -1);
	CU_ASSERT_EQUAL(port_of(f, key(1, 16, 2)), 2);
	CU_ASSERT_EQUAL(fdb_remove(f, key(1, 16, 2)), 0);  /* registered ones too */
	CU_ASSERT_EQUAL(f->n_entries, 0);
	fdb_destroy(f);
}

/* ---- the key --------------------------------------------------------- */

static void test_fdb_same_mac_in_two_vlans_is_two_entries(void)
{
	struct fdb *f = mk(64, AGING_MS);
	uint64_t k10 = key(10, 17, 1), k20 = key(20, 17, 1);

	CU_ASSERT_NOT_EQUAL(k10, k20);
	CU_ASSERT_EQUAL(learn(f, k10, 1, T0), 0);
	CU_ASSERT_EQUAL(learn(f, k20, 2, T0), 0);
	CU_ASSERT_EQUAL(f->n_entries, 2);
	CU_ASSERT_EQUAL(f->n_moved, 0);
	CU_ASSERT_EQUAL(port_of(f, k10), 1);
	CU_ASSERT_EQUAL(port_of(f, k20), 2);
	CU_ASSERT_EQUAL(port_of(f, key(30, 17, 1)), -1);
	CU_ASSERT_EQUAL(fdb_remove(f, k10), 0);
	CU_ASSERT_EQUAL(port_of(f, k20), 2);
	fdb_destroy(f);
}

static void test_fdb_key_never_mixes_vlan_and_mac_bits(void)
{
	static const uint8_t macs[][6] = {
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0xff },   /* last byte: next to the VLAN bits */
		{ 0x02, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x02, 0x5a, 0xa5, 0x5a, 0xa5, 0x80 },
	};
	static const uint16_t vlans[] = { 0, 1, 10, 0x100, 0x800, 4094, 4095 };
	uint64_t seen[RTE_DIM(macs) * RTE_DIM(vlans)];
	unsigned int n = 0;
	struct fdb *f = mk(64, AGING_MS);

	for (unsigned int m = 0; m < RTE_DIM(macs); m++) {
		for (unsigned int v = 0; v < RTE_DIM(vlans); v++) {
			uint64_t k = fdb_key(vlans[v], macs[m]);
			uint8_t back[6];

			memcpy(back, &k, 6);
			CU_ASSERT_EQUAL(memcmp(back, macs[m], 6), 0);
			CU_ASSERT_EQUAL((k >> 48) & 0xfff, vlans[v]);
			CU_ASSERT((k & FDB_KEY_VALID) != 0);     /* never the empty key */
			for (unsigned int j = 0; j < n; j++)
				CU_ASSERT_NOT_EQUAL(k, seen[j]);
			seen[n++] = k;
			CU_ASSERT_EQUAL(learn(f, k, (uint16_t)n, T0), 0);
		}
	}
	CU_ASSERT_EQUAL(f->n_entries, n);
	for (unsigned int j = 0; j < n; j++)
		CU_ASSERT_EQUAL(port_of(f, seen[j]), (int)j + 1);
	fdb_destroy(f);
}

static void test_fdb_value_packs_time_port_and_flags_without_overlap(void)
{
	uint64_t v = fdb_val_make(0xffffffffu, 0xfffe, FDB_F_STATIC);

	CU_ASSERT_EQUAL(fdb_val_seen(v), 0xffffffffu);
	CU_ASSERT_EQUAL(fdb_val_port(v), 0xfffe);
	CU_ASSERT_EQUAL(fdb_val_flags(v), FDB_F_STATIC);
	v = fdb_val_make(0, 0, 0);
	CU_ASSERT_EQUAL(fdb_val_seen(v) | fdb_val_port(v) | fdb_val_flags(v), 0);
	v = fdb_val_make(12345, 4095, 0);
	CU_ASSERT_EQUAL(fdb_val_seen(v), 12345);
	CU_ASSERT_EQUAL(fdb_val_port(v), 4095);
	CU_ASSERT_EQUAL(fdb_val_flags(v), 0);
}

/* ---- main ------------------------------------------------------------ */

static int eal_init(void)
{
	char prefix[64];
	char *argv[] = { "test_fdb", "-l0", "--no-pci", "--no-huge", "--no-shconf", "-m", "1024",
			 prefix, "--log-level=*:warning", NULL };

	snprintf(prefix, sizeof(prefix), "--file-prefix=vmkt_fdb_%d", (int)getpid());
	return rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0 ? -1 : 0;
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;
	int rc;

	if (eal_init() != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("fdb", NULL, NULL);
	ADD(s, test_fdb_create_rejects_out_of_range_parameters);
	ADD(s, test_fdb_create_sizes_table_at_four_times_the_capacity_in_slots);
	ADD(s, test_fdb_learn_inserts_entry_that_lookup_returns_with_its_port);
	ADD(s, test_fdb_lookup_misses_a_mac_never_learned);
	ADD(s, test_fdb_entry_moves_when_mac_seen_on_new_port);
	ADD(s, test_fdb_fast_hit_refreshes_seen_time_only_every_refresh_interval);
	ADD(s, test_fdb_static_entry_is_not_moved_by_learning);
	ADD(s, test_fdb_static_entry_on_another_port_is_eexist);
	ADD(s, test_fdb_static_entry_replaces_a_learned_one);
	ADD(s, test_fdb_aging_removes_entries_not_seen_for_aging_ms);
	ADD(s, test_fdb_aging_keeps_entries_refreshed_in_time);
	ADD(s, test_fdb_aging_never_removes_static_entries);
	ADD(s, test_fdb_aging_in_one_bucket_slices_covers_the_whole_table);
	ADD(s, test_fdb_full_table_returns_enospc_and_counts);
	ADD(s, test_fdb_capacity_16_table_takes_any_16_distinct_keys);
	ADD(s, test_fdb_second_bucket_is_not_a_fixed_offset_of_the_first);
	ADD(s, test_fdb_holds_2m_distinct_entries_and_finds_each_again);
	ADD(s, test_fdb_flush_port_removes_only_that_ports_entries);
	ADD(s, test_fdb_flush_learned_keeps_static_entries);
	ADD(s, test_fdb_remove_deletes_exactly_one_entry);
	ADD(s, test_fdb_same_mac_in_two_vlans_is_two_entries);
	ADD(s, test_fdb_key_never_mixes_vlan_and_mac_bits);
	ADD(s, test_fdb_value_packs_time_port_and_flags_without_overlap);
	rc = th_run_suites();     /* leaves EAL alone: we own it */
	rte_eal_cleanup();
	return rc;
}
