/*
 * tcp_pattern.h: the byte pattern the TCP stream benchmarks send and check
 * (vmk-tcp-bench and linux-tcp-bench, so both stacks carry and verify the
 * same bytes).
 *
 * The stream's byte at offset o is byte o % 8 of the little-endian 64-bit
 * word W(o / 8), W(k) = (k + 1) * TP_MUL: it depends on the absolute
 * offset, so a corrupted, lost, duplicated or reordered byte is a mismatch
 * (no period: W never repeats within 2^64 words). Two levels:
 *
 *   full    the sender writes every byte, the receiver checks every byte;
 *   sample  the sender writes, and the receiver checks, only the word at
 *           each multiple of TP_SAMPLE_STEP (8 bytes in 4 KiB: 1/512 of the
 *           bytes; a lost or shifted run of 4 KiB or more is still caught,
 *           a flipped byte only when it hits a sampled word);
 *   none    nothing written or checked (to measure what checking costs).
 *
 * The UDP tests' datagrams (tp_dgram_*, at the end) carry the same words.
 *
 * Header only, static inline, no DPDK: each program is one file. Threads:
 * a struct belongs to one thread.
 */
#ifndef VMK_BENCH_TCP_PATTERN_H
#define VMK_BENCH_TCP_PATTERN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tcp_pattern.h: the word stores assume a little-endian machine"
#endif

#define TP_MUL          0x9e3779b97f4a7c15ull
#define TP_SAMPLE_STEP  4096u
#define TP_NO_CORRUPT   UINT64_MAX

enum tp_level { TP_FULL, TP_SAMPLE, TP_NONE };

static inline const char *tp_level_name(enum tp_level l)
{
	return l == TP_FULL ? "full" : l == TP_SAMPLE ? "sample" : "none";
}

/* 0 and *out set, or -1 for an unknown name. */
static inline int tp_level_parse(const char *s, enum tp_level *out)
{
	if (strcmp(s, "full") == 0)
		*out = TP_FULL;
	else if (strcmp(s, "sample") == 0)
		*out = TP_SAMPLE;
	else if (strcmp(s, "none") == 0)
		*out = TP_NONE;
	else
		return -1;
	return 0;
}

static inline uint64_t tp_word(uint64_t k)
{
	return (k + 1) * TP_MUL;
}

static inline uint8_t tp_byte(uint64_t off)
{
	return (uint8_t)(tp_word(off >> 3) >> ((off & 7) * 8));
}

/* Write the stream's bytes [off, off + len) to p. */
static inline void tp_fill(uint8_t *p, uint64_t off, size_t len)
{
	size_t i = 0;
	uint64_t w;

	for (; i < len && ((off + i) & 7) != 0; i++)
		p[i] = tp_byte(off + i);
	w = tp_word((off + i) >> 3);
	for (; i + 8 <= len; i += 8, w += TP_MUL)
		memcpy(p + i, &w, 8);
	for (; i < len; i++)
		p[i] = tp_byte(off + i);
}

/* Check p against the stream's bytes [off, off + len): the index of the
 * first wrong byte, or len. 64 bytes at a time, so the compiler can keep
 * the compare in vector registers. */
static inline size_t tp_check(const uint8_t *p, uint64_t off, size_t len)
{
	size_t i = 0;
	uint64_t w, x;

	for (; i < len && ((off + i) & 7) != 0; i++)
		if (p[i] != tp_byte(off + i))
			return i;
	w = tp_word((off + i) >> 3);
	for (; i + 64 <= len; i += 64, w += 8 * TP_MUL) {
		uint64_t d = 0;

		for (unsigned int j = 0; j < 8; j++) {
			memcpy(&x, p + i + 8 * j, 8);
			d |= x ^ (w + j * TP_MUL);
		}
		if (d != 0)
			break;
	}
	for (; i + 8 <= len; i += 8, w += TP_MUL) {
		memcpy(&x, p + i, 8);
		if (x != w)
			break;
	}
	for (; i < len; i++)
		if (p[i] != tp_byte(off + i))
			return i;
	return len;
}

/* Sample level: write (write) or check the bytes of the sampled words that
 * fall in [off, off + len). Returns the index of the first wrong byte, or
 * len; *n_checked grows by the bytes compared. */
static inline size_t tp_sample(uint8_t *p, uint64_t off, size_t len, bool write,
			       uint64_t *n_checked)
{
	uint64_t s = off - off % TP_SAMPLE_STEP, end = off + len;

	if (s + 8 <= off)
		s += TP_SAMPLE_STEP;
	for (; s < end; s += TP_SAMPLE_STEP) {
		uint64_t a = s < off ? off : s, b = s + 8 < end ? s + 8 : end;

		for (uint64_t o = a; o < b; o++) {
			if (write)
				p[o - off] = tp_byte(o);
			else if (p[o - off] != tp_byte(o))
				return (size_t)(o - off);
		}
		if (!write)
			*n_checked += b - a;
	}
	return len;
}

/* Put the stream's bytes [off, off + len) into p at the given level. */
static inline void tp_put(enum tp_level l, uint8_t *p, uint64_t off, size_t len)
{
	if (l == TP_FULL)
		tp_fill(p, off, len);
	else if (l == TP_SAMPLE)
		tp_sample(p, off, len, true, NULL);
}

/* ------------------------------------------------------------ sender --- */

/* A copying sender's buffer: 2 * chunk bytes holding the stream from
 * buf_off on; each send offers up to chunk bytes from `sent`. */
struct tp_src {
	enum tp_level level;
	uint8_t *buf;
	size_t chunk;
	uint64_t buf_off;         /* stream offset of buf[0] */
	uint64_t sent;            /* stream offset of the next byte to send */
};

/* buf: 2 * chunk bytes, the caller's. */
static inline void tp_src_init(struct tp_src *s, enum tp_level l, uint8_t *buf, size_t chunk)
{
	*s = (struct tp_src){ .level = l, .buf = buf, .chunk = chunk };
	tp_put(l, buf, 0, 2 * chunk);
}

/* Where the next send starts; *len: the bytes to offer (chunk). Moves the
 * unsent tail to the front and fills the rest when fewer than chunk are
 * left, so each byte is written once. */
static inline const uint8_t *tp_src_next(struct tp_src *s, size_t *len)
{
	size_t at = (size_t)(s->sent - s->buf_off), left = 2 * s->chunk - at;

	if (left < s->chunk) {
		memmove(s->buf, s->buf + at, left);
		tp_put(s->level, s->buf + left, s->sent + left, 2 * s->chunk - left);
		s->buf_off = s->sent;
		at = 0;
	}
	*len = s->chunk;
	return s->buf + at;
}

static inline void tp_src_sent(struct tp_src *s, size_t n)
{
	s->sent += n;
}

/* ---------------------------------------------------------- receiver --- */

struct tp_rcv {
	enum tp_level level;
	uint64_t off;             /* stream offset of the next byte */
	uint64_t checked;         /* bytes compared */
	uint64_t corrupt_at;      /* test knob: flip this byte before checking */
	uint64_t bad_off;         /* the first mismatch, once one was seen */
	uint8_t got, want;
};

static inline void tp_rcv_init(struct tp_rcv *r, enum tp_level l, uint64_t corrupt_at)
{
	*r = (struct tp_rcv){ .level = l, .corrupt_at = corrupt_at };
}

/* The next len received bytes are at p. 0, or -EBADMSG on the first
 * mismatch (recorded in bad_off, got, want). p is written only by the
 * corrupt_at knob. */
static inline int tp_rcv_data(struct tp_rcv *r, uint8_t *p, size_t len)
{
	size_t bad = len;

	if (r->corrupt_at - r->off < len)
		p[r->corrupt_at - r->off] ^= 0x01;
	if (r->level == TP_FULL) {
		bad = tp_check(p, r->off, len);
		r->checked += bad;
	} else if (r->level == TP_SAMPLE) {
		bad = tp_sample(p, r->off, len, false, &r->checked);
	}
	if (bad < len) {
		r->bad_off = r->off + bad;
		r->got = p[bad];
		r->want = tp_byte(r->off + bad);
		r->off += bad;
		return -EBADMSG;
	}
	r->off += len;
	return 0;
}

static inline void tp_rcv_complain(const struct tp_rcv *r, const char *who)
{
	fprintf(stderr, "%s: stream payload wrong at byte %llu: got 0x%02x, sent 0x%02x "
		"(verify %s)\n", who, (unsigned long long)r->bad_off, r->got, r->want,
		tp_level_name(r->level));
}

/* The JSON members every stream result carries about its check. */
static inline void tp_rcv_json(const struct tp_rcv *r)
{
	printf(",\"verify\":\"%s\",\"verified_bytes\":%llu,\"checked_bytes\":%llu",
	       tp_level_name(r->level),
	       (unsigned long long)(r->level == TP_NONE ? 0 : r->off),
	       (unsigned long long)r->checked);
}

/* --------------------------------------------------------- datagrams --- */

/*
 * The UDP tests' datagrams (vmk-tcp-bench and linux-tcp-bench --mode udp):
 * TP_DGRAM_LEN bytes, word 0 the sequence number (0, 1, ...), words 1..7
 * the stream's words 8 * seq + 1..7, so a datagram is whole and right or it
 * is not. The receiver counts a gap in the sequence as lost and a number
 * below the next expected one as late (reordered or duplicated: a
 * reordered datagram was also counted lost when it was skipped).
 */
#define TP_DGRAM_LEN 64u

struct tp_dgram_rcv {
	uint64_t next;            /* sequence number expected next */
	uint64_t received;        /* right datagrams, late ones included */
	uint64_t lost, late;
	uint64_t bad_seq;         /* the wrong datagram's number (bad set) */
	size_t bad_len;
	bool bad;
};

static inline void tp_dgram_fill(uint8_t *p, uint64_t seq)
{
	memcpy(p, &seq, 8);
	for (unsigned int j = 1; j < TP_DGRAM_LEN / 8; j++) {
		uint64_t w = tp_word(8 * seq + j);

		memcpy(p + 8 * j, &w, 8);
	}
}

/* A datagram of len bytes at p came: 0, or -EBADMSG when its length or a
 * byte is wrong (recorded; the run must fail). */
static inline int tp_dgram_check(struct tp_dgram_rcv *r, const uint8_t *p, size_t len)
{
	uint64_t seq = 0, w, d = 0;

	if (len >= 8)
		memcpy(&seq, p, 8);
	for (unsigned int j = 1; len == TP_DGRAM_LEN && j < TP_DGRAM_LEN / 8; j++) {
		memcpy(&w, p + 8 * j, 8);
		d |= w ^ tp_word(8 * seq + j);
	}
	if (len != TP_DGRAM_LEN || d != 0) {
		r->bad = true;
		r->bad_seq = seq;
		r->bad_len = len;
		return -EBADMSG;
	}
	r->received++;
	if (seq < r->next) {
		r->late++;
		return 0;
	}
	r->lost += seq - r->next;
	r->next = seq + 1;
	return 0;
}

static inline void tp_dgram_complain(const struct tp_dgram_rcv *r, const char *who)
{
	fprintf(stderr, "%s: datagram %llu wrong (%zu bytes; %u sent)\n", who,
		(unsigned long long)r->bad_seq, r->bad_len, TP_DGRAM_LEN);
}

/* The JSON members every udp result carries about its check. */
static inline void tp_dgram_json(const struct tp_dgram_rcv *r)
{
	printf(",\"payload\":%u,\"checked_datagrams\":%llu,\"lost\":%llu,\"late\":%llu",
	       TP_DGRAM_LEN, (unsigned long long)r->received, (unsigned long long)r->lost,
	       (unsigned long long)r->late);
}

#endif
