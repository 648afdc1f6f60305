/*
 * vmkftlog's secondary: accepts a primary's log stream, checks each record
 * (magic, size, sequence one more than the last, every payload byte) and
 * acknowledges it at once. One connection at a time, on the main thread;
 * a line per connection on stdout says what it received.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ftlog.h"

struct conn_stats {
	uint64_t records;
	uint64_t bytes;
};

/* One record from fd, checked, then its ack. 0, 1 at a clean end, or a
 * negative errno (-EBADMSG: a record that is not what the primary sent). */
static int serve_record(int fd, uint64_t want_seq, uint8_t *buf, struct conn_stats *st)
{
	struct ftlog_hdr h, ack;
	uint32_t len;
	bool eof;
	int rc;

	rc = ftlog_recv_all(fd, &h, sizeof(h), &eof);
	if (rc)
		return eof ? 1 : rc;
	len = ntohl(h.len);
	if (ntohl(h.magic) != FTLOG_MAGIC || len < FTLOG_MIN_SIZE || len > FTLOG_MAX_SIZE) {
		fprintf(stderr, "vmkftlog secondary: record %" PRIu64 ": bad header\n", want_seq);
		return -EBADMSG;
	}
	if (ftlog_be64(h.seq) != want_seq) {
		fprintf(stderr, "vmkftlog secondary: record %" PRIu64 " came as %" PRIu64 "\n",
			want_seq, ftlog_be64(h.seq));
		return -EBADMSG;
	}
	rc = ftlog_recv_all(fd, buf, len - FTLOG_HDR_SIZE, NULL);
	if (rc)
		return rc;
	if (memcmp(buf, ftlog_pattern(want_seq), len - FTLOG_HDR_SIZE) != 0) {
		fprintf(stderr, "vmkftlog secondary: record %" PRIu64 ": payload differs\n", want_seq);
		return -EBADMSG;
	}
	ack.magic = htonl(FTLOG_ACK_MAGIC);
	ack.len = h.len;
	ack.seq = h.seq;
	rc = ftlog_send_all(fd, &ack, sizeof(ack));
	if (rc)
		return rc;
	st->records++;
	st->bytes += len;
	return 0;
}

/* The whole stream of one primary. 0 when it ended cleanly, else < 0. */
static int serve_conn(int fd, const struct sockaddr_in *peer)
{
	static uint8_t buf[FTLOG_MAX_SIZE];
	struct conn_stats st = { 0, 0 };
	char who[INET_ADDRSTRLEN] = "?";
	int one = 1, rc;

	inet_ntop(AF_INET, &peer->sin_addr, who, sizeof(who));
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		fprintf(stderr, "vmkftlog secondary: TCP_NODELAY: %s\n", strerror(errno));
	while ((rc = serve_record(fd, st.records, buf, &st)) == 0)
		;
	printf("secondary: %s:%u: %" PRIu64 " records, %" PRIu64 " bytes, %s\n", who,
	       ntohs(peer->sin_port), st.records, st.bytes,
	       rc == 1 ? "every one valid and acknowledged" : strerror(-rc));
	fflush(stdout);
	return rc == 1 ? 0 : rc;
}

int ftlog_secondary(const struct ftlog_opts *o)
{
	int lfd, one = 1, failed = 0;
	char where[INET_ADDRSTRLEN];

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("vmkftlog secondary: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (const struct sockaddr *)&o->addr, sizeof(o->addr)) < 0 ||
	    listen(lfd, 8) < 0) {
		perror("vmkftlog secondary: bind/listen");
		close(lfd);
		return 1;
	}
	inet_ntop(AF_INET, &o->addr.sin_addr, where, sizeof(where));
	printf("secondary: listening on %s:%u\n", where, ntohs(o->addr.sin_port));
	fflush(stdout);
	for (;;) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int fd = accept(lfd, (struct sockaddr *)&peer, &plen);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("vmkftlog secondary: accept");
			failed = 1;
			break;
		}
		if (serve_conn(fd, &peer) < 0)
			failed = 1;
		close(fd);
		if (o->once)
			break;
	}
	close(lfd);
	return failed;
}
