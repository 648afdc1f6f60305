/*
 * libFuzzer harness: the device side of a split virtqueue (vswitch/vring.c,
 * vring_dequeue and vring_enqueue) against a guest whose memory is the
 * input, as tests/unit/test_vring.c plays the guest but with every byte
 * chosen by the fuzzer: the descriptor table, the avail and used rings
 * (their indexes, flags and event index), indirect tables and buffers, in
 * two guest memory regions that are contiguous as guest-physical addresses
 * but not where they are mapped here, so a buffer across them must be
 * split. A few operations (guest tx: dequeue; guest rx: enqueue of frames
 * of chosen sizes) run one after the other on the same ring.
 *
 * Input: a 16-byte header (queue size, header length, mergeable buffers,
 * event index, interrupts, starting indexes, max frame, 4 operations of
 * 2 bytes and 2 spare), then the guest memory image from its start (the
 * rest of the memory is zero). Layout of the image: descriptor table at 0,
 * avail ring right after it, used ring after that (4-byte aligned), then
 * buffers; guest address = GPA_BASE + offset.
 *
 * Invariants checked: nothing read or written outside guest memory (ASan:
 * the memory is one heap block of exactly its size, each region a slice);
 * every mbuf handed back is well formed (length = its segments, not empty,
 * at most max_frame); the used index is what the device says it published;
 * no mbuf is lost (the pool is full again at the end).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "common.h"
#include "vswitch/vring.h"

#define GPA_BASE  0x10000ull
#define ARENA     (64u << 10)
#define R0_SIZE   (40u << 10)
#define R1_HVA    (48u << 10)    /* region 1 maps [R0_SIZE, R0_SIZE + 16K) of guest memory */
#define R1_SIZE   (16u << 10)
#define HDR_BYTES 16u
#define N_OPS     4
#define BURST     32

static struct rte_mempool *pool;
static uint8_t *arena;
static int callfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_vring");
	pool = rte_pktmbuf_pool_create("fuzz_vring", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pool == NULL || callfd < 0)
		abort();
	return 0;
}

/* The guest's memory: guest-physical [GPA_BASE, GPA_BASE + R0_SIZE + R1_SIZE)
 * in an allocation of ARENA bytes, region 1 mapped R1_HVA - R0_SIZE bytes
 * further than a flat mapping would put it. */
static void *guest_va(uint32_t off)
{
	return off < R0_SIZE ? arena + off : arena + R1_HVA + (off - R0_SIZE);
}

static void image_load(const uint8_t *img, size_t len)
{
	memset(arena, 0, ARENA);
	for (uint32_t off = 0; off < len && off < R0_SIZE + R1_SIZE; off++)
		*(uint8_t *)guest_va(off) = img[off];
}

static void mbuf_check(const struct rte_mbuf *m, uint32_t max_frame)
{
	uint32_t len = 0;
	uint16_t segs = 0;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		len += s->data_len;
		segs++;
	}
	FUZZ_CHECK(len == m->pkt_len);
	FUZZ_CHECK(segs == m->nb_segs);
	FUZZ_CHECK(m->pkt_len > 0 && m->pkt_len <= max_frame);
}

/* A frame of len bytes for the guest, chained over as many mbufs as it needs. */
static struct rte_mbuf *frame(uint32_t len, uint8_t seed)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(pool), *last = head;
	uint32_t off = 0;

	if (head == NULL)
		return NULL;
	while (off < len) {
		struct rte_mbuf *m = off == 0 ? head : rte_pktmbuf_alloc(pool);
		uint32_t k;
		uint8_t *p;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		k = RTE_MIN(len - off, (uint32_t)rte_pktmbuf_tailroom(m));
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)k);
		memset(p, seed + (uint8_t)off, k);
		if (m != head) {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += k;
		}
		last = m;
		off += k;
	}
	return head;
}

static void op_dequeue(struct vqueue *vq, uint8_t arg)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = (uint16_t)(arg % BURST + 1);
	uint16_t got = vring_dequeue(vq, pool, pkts, n);

	FUZZ_CHECK(got <= n);
	for (uint16_t i = 0; i < got; i++)
		mbuf_check(pkts[i], vq->max_frame);
	rte_pktmbuf_free_bulk(pkts, got);
}

static void op_enqueue(struct vqueue *vq, uint8_t arg)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = (uint16_t)(arg & 7) + 1, took, k;

	for (k = 0; k < n; k++) {
		/* 60 bytes to jumbo, by the operation's bits and the frame's place */
		uint32_t len = 60 + ((uint32_t)(arg >> 3) * 331u + k * 977u) % 9000u;

		pkts[k] = frame(len, (uint8_t)k);
		if (pkts[k] == NULL)
			break;
	}
	took = vring_enqueue(vq, pkts, k);
	FUZZ_CHECK(took <= k);
	rte_pktmbuf_free_bulk(pkts + took, (unsigned int)(k - took));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vring_mem mem = { .n = 2 };
	struct vqueue vq;
	uint32_t desc_size, avail_off, used_off;
	eventfd_t ev;

	if (size < HDR_BYTES)
		return 0;
	if (arena == NULL)
		arena = malloc(ARENA);   /* exactly its size: ASan guards both ends */
	memset(&vq, 0, sizeof(vq));
	vq.size = (uint16_t)(1u << (data[0] % 9));
	vq.hdr_len = data[1] & 1 ? 12 : 10;
	vq.mrg_rxbuf = data[1] & 2;
	vq.event_idx = data[1] & 4;
	vq.callfd = data[1] & 8 ? callfd : -1;
	vq.last_avail = (uint16_t)(data[2] | data[3] << 8);
	vq.last_used = (uint16_t)(data[4] | data[5] << 8);
	vq.max_frame = 64u + (uint32_t)(data[6] | data[7] << 8);
	image_load(data + HDR_BYTES, size - HDR_BYTES);

	mem.r[0] = (struct vring_region){ GPA_BASE, R0_SIZE, (uint64_t)(uintptr_t)arena };
	mem.r[1] = (struct vring_region){ GPA_BASE + R0_SIZE, R1_SIZE,
					  (uint64_t)(uintptr_t)(arena + R1_HVA) };
	desc_size = 16u * vq.size;
	avail_off = desc_size;
	used_off = RTE_ALIGN_CEIL(avail_off + 6u + 2u * vq.size, 4u);
	vq.mem = &mem;
	vq.desc = (struct vring_desc *)arena;
	vq.avail = (struct vring_avail *)(arena + avail_off);
	vq.used = (struct vring_used *)(arena + used_off);

	for (unsigned int i = 0; i < N_OPS; i++) {
		uint8_t op = data[8 + 2 * i], arg = data[9 + 2 * i];
		uint16_t last_used = vq.last_used;

		if (op & 1)
			op_enqueue(&vq, arg);
		else
			op_dequeue(&vq, arg);
		/* (The guest may point rx buffers at its own rings, so only what
		 * the device wrote last is known.) */
		if (vq.last_used != last_used)
			FUZZ_CHECK(vq.used->idx == vq.last_used);
		if (op & 2)   /* the guest takes back what was used, gives more */
			vq.avail->idx = (uint16_t)(vq.avail->idx + (op >> 2));
	}
	if (vq.callfd >= 0)
		while (eventfd_read(callfd, &ev) == 0)
			;
	FUZZ_CHECK(rte_mempool_in_use_count(pool) == 0);
	return 0;
}
