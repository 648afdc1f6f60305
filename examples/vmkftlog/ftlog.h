/*
 * vmkftlog's wire format and the pieces its two roles share (wire.c);
 * primary.c sends the log, secondary.c receives and acknowledges it.
 */
#ifndef VMKFTLOG_FTLOG_H
#define VMKFTLOG_FTLOG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FTLOG_PORT        8100        /* FT logging's well-known port */
#define FTLOG_MAGIC       0x46544c47u /* "FTLG": a record */
#define FTLOG_ACK_MAGIC   0x46544b41u /* "FTKA": its acknowledgement */
#define FTLOG_HDR_SIZE    16u
#define FTLOG_MIN_SIZE    FTLOG_HDR_SIZE
#define FTLOG_MAX_SIZE    65536u
#define FTLOG_MAX_SIZES   16
#define FTLOG_MAX_RECORDS 50000000u

/* A record's header and an acknowledgement have the same shape; every
 * field in network byte order. len: the record's whole size, header
 * included (an acknowledgement: the size of the record it acknowledges). */
struct ftlog_hdr {
	uint32_t magic;
	uint32_t len;
	uint64_t seq;
};

struct ftlog_opts {
	bool primary;
	bool once;
	bool json;
	bool have_addr;
	struct sockaddr_in addr;
	uint32_t sizes[FTLOG_MAX_SIZES];
	int n_sizes;
	uint32_t seconds;           /* per size; 0 with records set: by count only */
	uint32_t records;           /* per size; 0: by time only */
	uint32_t warmup;            /* per size, not measured */
};

int ftlog_primary(const struct ftlog_opts *o);
int ftlog_secondary(const struct ftlog_opts *o);

/* Blocking whole-buffer I/O on a stream socket: 0, -EPIPE on the peer's
 * close (recv: before the first byte when *eof_ok, else anywhere), or a
 * negative errno. */
int ftlog_send_all(int fd, const void *buf, size_t len);
int ftlog_recv_all(int fd, void *buf, size_t len, bool *eof);

/* The payload bytes of record seq start at ftlog_pattern(seq): byte i of
 * the payload is (seq + i) mod 256. */
const uint8_t *ftlog_pattern(uint64_t seq);

uint64_t ftlog_be64(uint64_t v);    /* host <-> network, both ways */
uint64_t ftlog_now_ns(void);        /* CLOCK_MONOTONIC */

#endif
