/*
 * vmkftlog's shared pieces: whole-buffer blocking I/O, the payload
 * pattern, byte order and the clock. No state but the pattern, built once
 * by the first caller (the program is single-threaded).
 */
#include <endian.h>
#include <errno.h>
#include <sys/socket.h>
#include <time.h>

#include "ftlog.h"

int ftlog_send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ftlog_recv_all(int fd, void *buf, size_t len, bool *eof)
{
	uint8_t *p = buf;
	size_t got = 0;

	if (eof)
		*eof = false;
	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			/* A clean end only between records. */
			if (eof && got == 0)
				*eof = true;
			return -EPIPE;
		}
		got += (size_t)n;
	}
	return 0;
}

const uint8_t *ftlog_pattern(uint64_t seq)
{
	static uint8_t pattern[FTLOG_MAX_SIZE + 256];
	static bool built;

	if (!built) {
		for (size_t i = 0; i < sizeof(pattern); i++)
			pattern[i] = (uint8_t)i;
		built = true;
	}
	return pattern + (seq & 0xff);
}

uint64_t ftlog_be64(uint64_t v)
{
	return htobe64(v);
}

uint64_t ftlog_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
