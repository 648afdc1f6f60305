/*
 * vmk-impair: a netem-like impairment bridge between two Linux interfaces,
 * for tests on kernels without sch_netem (this machine's and CI's:
 * CONFIG_NET_SCH_NETEM is off). Every frame received on one interface is
 * sent out of the other, after random loss, duplication and a per-frame
 * delay of delay +- jitter (uniform, as netem's without a distribution
 * table); delayed frames leave in release-time order, so frames overtake one
 * another when the jitter is larger than their spacing.
 *
 *   vmk-impair [--dir ab|ba|both] [--loss PCT] [--duplicate PCT]
 *              [--delay-ms MS] [--jitter-ms MS] [--limit N] [--seed N]
 *              [--access-vlan VID] IF_A IF_B
 *
 * --dir scopes the impairment options after it (ab: frames from IF_A to
 * IF_B; default both). The random generator is seeded (--seed, default 1),
 * one stream per direction, so the same frames meet the same fate in every
 * run. A duplicate gets its own delay and is never lost.
 *
 * --access-vlan VID makes the bridge the access port a physical switch
 * would give (this kernel has neither 802.1Q devices nor a VLAN-filtering
 * bridge): IF_A is the tagged side, IF_B the untagged one. A frame from A
 * passes only with an 802.1Q tag of VLAN VID, which is popped; a frame from
 * B passes only untagged and gets the tag (priority 0) pushed. Anything
 * else is dropped and counted (vlan_dropped), before any impairment, as a
 * switch port's ingress filter would.
 *
 * One thread: ppoll() on two AF_PACKET sockets (ETH_P_ALL, bound to each
 * interface, promiscuous) with the next release time as timeout; frames are
 * read and written in batches (recvmmsg, sendmmsg), delayed frames wait in a
 * heap ordered by release time. No busy waiting. Frames up to 64 KiB; the
 * socket's own transmissions (PACKET_OUTGOING) are never read back. VLAN
 * tags the kernel moved into metadata are put back into the frame.
 *
 * Prints "vmk-impair: bridging A <-> B" on stderr when ready. On SIGINT or
 * SIGTERM prints the counters as one JSON line on stdout and exits 0:
 * per direction, frames received, forwarded (sent, duplicates included),
 * dropped (loss), duplicated, reordered (released while a frame received
 * earlier in the same direction was still held), overflow (over --limit
 * held frames), tx_errors, oversize, kernel_drops (the receiving
 * socket's buffer overran) and vlan_dropped (--access-vlan). Exit status 2: bad arguments; 1: a system error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH      32
#define FRAME_MAX  65536u
#define VLAN_ROOM  4u
#define RX_ROUNDS  8              /* batches per readable socket per wakeup */
#define RING_BITS  20             /* reorder window: 2^20 frames per direction */
#define RING_SIZE  (1u << RING_BITS)
#define MS         1000000ull     /* ns */

struct impair {
	double loss, dup;            /* probabilities, 0..1 */
	uint64_t delay_ns, jitter_ns;
};

struct dir_stats {
	uint64_t rx, forwarded, dropped, duplicated, reordered;
	uint64_t overflow, tx_errors, oversize, kernel_drops;
	uint64_t vlan_dropped;
};

/* A held frame. seq: its place in its direction's receive order. */
struct frame {
	uint64_t t_ns;
	uint64_t seq;
	uint32_t len;
	uint8_t dir;
	uint8_t data[];
};

/* Which frames of a direction have left (or were given up): bit seq % RING
 * for seq >= lowest; lowest is the oldest frame not yet released. */
struct reorder {
	uint64_t next_seq, lowest;
	uint64_t *bits;
};

struct txq {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct frame *own[BATCH];    /* freed after sending; NULL: rx buffer */
	uint64_t seq[BATCH];
	unsigned int n;
};

struct rxq {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll addr[BATCH];
	char ctl[BATCH][CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	uint8_t *buf;                /* BATCH * (VLAN_ROOM + FRAME_MAX) */
};

struct side {
	const char *name;
	int fd;
	int ifindex;
};

/* Direction d: received on side d, sent on side 1 - d. */
struct bridge {
	struct side side[2];
	struct impair imp[2];
	struct dir_stats st[2];
	struct reorder ro[2];
	uint64_t rng[2];
	uint64_t seed;
	size_t limit, held[2];
	uint16_t access_vlan;        /* 0: none; else IF_A tagged, IF_B untagged */
	struct frame **heap;
	size_t n_heap, cap_heap;
	struct rxq rx;
	struct txq tx[2];            /* by egress side */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, fast, and good enough for loss decisions. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1p-53;
}

/* ---- reorder accounting ---- */

static void ro_mark(struct reorder *r, uint64_t seq)
{
	r->bits[(seq % RING_SIZE) / 64] |= 1ull << (seq % 64);
}

static bool ro_test_clear(struct reorder *r, uint64_t seq)
{
	uint64_t *w = &r->bits[(seq % RING_SIZE) / 64], m = 1ull << (seq % 64);
	bool set = (*w & m) != 0;

	*w &= ~m;
	return set;
}

static uint64_t ro_assign(struct reorder *r)
{
	/* A frame held past 2^20 younger ones is forgotten, never aliased. */
	while (r->next_seq - r->lowest >= RING_SIZE) {
		r->lowest++;
		while (r->lowest < r->next_seq && ro_test_clear(r, r->lowest))
			r->lowest++;
	}
	return r->next_seq++;
}

/* The frame seq leaves (or is given up); true if an older one is still
 * held, i.e. this one overtook it. */
static bool ro_release(struct reorder *r, uint64_t seq)
{
	bool overtook = r->lowest < seq;

	if (seq < r->lowest)          /* forgotten by ro_assign */
		return false;
	ro_mark(r, seq);
	while (r->lowest < r->next_seq && ro_test_clear(r, r->lowest))
		r->lowest++;
	return overtook;
}

/* ---- heap of held frames, earliest release first ---- */

static bool heap_less(const struct frame *a, const struct frame *b)
{
	return a->t_ns < b->t_ns || (a->t_ns == b->t_ns && a->seq < b->seq);
}

static int heap_push(struct bridge *br, struct frame *f)
{
	size_t i;

	if (br->n_heap == br->cap_heap) {
		size_t cap = br->cap_heap ? br->cap_heap * 2 : 1024;
		struct frame **v = realloc(br->heap, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		br->heap = v;
		br->cap_heap = cap;
	}
	for (i = br->n_heap++; i > 0 && heap_less(f, br->heap[(i - 1) / 2]); i = (i - 1) / 2)
		br->heap[i] = br->heap[(i - 1) / 2];
	br->heap[i] = f;
	return 0;
}

static struct frame *heap_pop(struct bridge *br)
{
	struct frame *top = br->heap[0], *last = br->heap[--br->n_heap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < br->n_heap) {
		if (c + 1 < br->n_heap && heap_less(br->heap[c + 1], br->heap[c]))
			c++;
		if (!heap_less(br->heap[c], last))
			break;
		br->heap[i] = br->heap[c];
		i = c;
	}
	br->heap[i] = last;
	return top;
}

/* ---- transmit ---- */

static void tx_done(struct bridge *br, int egress, unsigned int i, bool ok)
{
	struct txq *q = &br->tx[egress];
	int d = 1 - egress;

	if (ok)
		br->st[d].forwarded++;
	else
		br->st[d].tx_errors++;
	if (q->own[i] != NULL) {
		if (ro_release(&br->ro[d], q->seq[i]))
			br->st[d].reordered++;
		free(q->own[i]);
		br->held[d]--;
	} else {
		ro_release(&br->ro[d], q->seq[i]);
	}
}

static void tx_flush(struct bridge *br, int egress)
{
	struct txq *q = &br->tx[egress];
	unsigned int done = 0;

	while (done < q->n) {
		int n = sendmmsg(br->side[egress].fd, &q->msg[done], q->n - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {            /* this frame failed: count it, go on */
			tx_done(br, egress, done++, false);
			continue;
		}
		for (int k = 0; k < n; k++)
			tx_done(br, egress, done++, true);
	}
	q->n = 0;
}

static void tx_add(struct bridge *br, int egress, uint8_t *data, uint32_t len,
		   struct frame *own, uint64_t seq)
{
	struct txq *q = &br->tx[egress];
	unsigned int i = q->n++;

	q->iov[i].iov_base = data;
	q->iov[i].iov_len = len;
	memset(&q->msg[i], 0, sizeof(q->msg[i]));
	q->msg[i].msg_hdr.msg_iov = &q->iov[i];
	q->msg[i].msg_hdr.msg_iovlen = 1;
	q->own[i] = own;
	q->seq[i] = seq;
	if (q->n == BATCH)
		tx_flush(br, egress);
}

/* Send every held frame whose time has come. */
static void release_due(struct bridge *br, uint64_t now)
{
	while (br->n_heap > 0 && br->heap[0]->t_ns <= now) {
		struct frame *f = heap_pop(br);

		tx_add(br, 1 - f->dir, f->data, f->len, f, f->seq);
	}
	tx_flush(br, 0);
	tx_flush(br, 1);
}

/* ---- one received frame ---- */

static void hold(struct bridge *br, int d, const uint8_t *data, uint32_t len, uint64_t now)
{
	const struct impair *im = &br->imp[d];
	uint64_t seq = ro_assign(&br->ro[d]);
	struct frame *f = NULL;
	int64_t t = (int64_t)(now + im->delay_ns);

	if (im->jitter_ns > 0)
		t += (int64_t)(rng_unit(&br->rng[d]) * (double)(2 * im->jitter_ns + 1)) -
		     (int64_t)im->jitter_ns;
	if (br->held[d] < br->limit)
		f = malloc(sizeof(*f) + len);
	if (f == NULL) {
		br->st[d].overflow++;
		ro_release(&br->ro[d], seq);
		return;
	}
	f->t_ns = t < (int64_t)now ? now : (uint64_t)t;
	f->seq = seq;
	f->len = len;
	f->dir = (uint8_t)d;
	memcpy(f->data, data, len);
	if (heap_push(br, f) < 0) {
		free(f);
		br->st[d].overflow++;
		ro_release(&br->ro[d], seq);
		return;
	}
	br->held[d]++;
}

static void on_frame(struct bridge *br, int d, uint8_t *data, uint32_t len, uint64_t now)
{
	const struct impair *im = &br->imp[d];
	int copies = 1;

	br->st[d].rx++;
	if (im->loss > 0 && rng_unit(&br->rng[d]) < im->loss) {
		br->st[d].dropped++;
		return;
	}
	if (im->dup > 0 && rng_unit(&br->rng[d]) < im->dup) {
		br->st[d].duplicated++;
		copies = 2;
	}
	for (int c = 0; c < copies; c++) {
		if (im->delay_ns == 0 && im->jitter_ns == 0)
			tx_add(br, 1 - d, data, len, NULL, ro_assign(&br->ro[d]));
		else
			hold(br, d, data, len, now);
	}
}

/* Frame i of the batch, its VLAN tag (if the kernel took it out) put back
 * in the room left before it. Returns its start; *len updated. */
static uint8_t *rx_frame(struct rxq *q, unsigned int i, uint32_t *len)
{
	uint8_t *p = q->iov[i].iov_base;
	struct msghdr *h = &q->msg[i].msg_hdr;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || *len < 12)
			break;
		uint16_t tag[2] = {
			htons((aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid
									  : ETH_P_8021Q),
			htons(aux.tp_vlan_tci),
		};
		memmove(p - VLAN_ROOM, p, 12);
		memcpy(p - VLAN_ROOM + 12, tag, sizeof(tag));
		*len += VLAN_ROOM;
		return p - VLAN_ROOM;
	}
	return p;
}

/* The access port's ingress (--access-vlan): frame p of *len bytes from
 * side d, with VLAN_ROOM bytes free before it. Returns the frame to forward
 * (tag popped from A's, pushed onto B's), or NULL to drop it. */
static uint8_t *access_port(const struct bridge *br, int d, uint8_t *p, uint32_t *len)
{
	bool tagged = *len >= 18 && p[12] == 0x81 && p[13] == 0x00;
	uint16_t tag[2];

	if (br->access_vlan == 0)
		return p;
	if (d == 0) {
		if (!tagged || (((p[14] << 8) | p[15]) & 0x0fff) != br->access_vlan)
			return NULL;
		memmove(p + VLAN_ROOM, p, 12);
		*len -= VLAN_ROOM;
		return p + VLAN_ROOM;
	}
	if (tagged || *len < 14)
		return NULL;
	tag[0] = htons(ETH_P_8021Q);
	tag[1] = htons(br->access_vlan);
	memmove(p - VLAN_ROOM, p, 12);
	memcpy(p - VLAN_ROOM + 12, tag, sizeof(tag));
	*len += VLAN_ROOM;
	return p - VLAN_ROOM;
}

static int rx_side(struct bridge *br, int d)
{
	struct rxq *q = &br->rx;

	for (int round = 0; round < RX_ROUNDS; round++) {
		for (unsigned int i = 0; i < BATCH; i++) {
			memset(&q->msg[i].msg_hdr, 0, sizeof(q->msg[i].msg_hdr));
			q->iov[i].iov_base = q->buf + (size_t)i * (VLAN_ROOM + FRAME_MAX) + VLAN_ROOM;
			q->iov[i].iov_len = FRAME_MAX;
			q->msg[i].msg_hdr.msg_iov = &q->iov[i];
			q->msg[i].msg_hdr.msg_iovlen = 1;
			q->msg[i].msg_hdr.msg_name = &q->addr[i];
			q->msg[i].msg_hdr.msg_namelen = sizeof(q->addr[i]);
			q->msg[i].msg_hdr.msg_control = q->ctl[i];
			q->msg[i].msg_hdr.msg_controllen = sizeof(q->ctl[i]);
		}
		int n = recvmmsg(br->side[d].fd, q->msg, BATCH, MSG_DONTWAIT, NULL);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		uint64_t now = now_ns();

		for (int i = 0; i < n; i++) {
			uint32_t len = q->msg[i].msg_len;
			uint8_t *p;

			if (q->addr[i].sll_pkttype == PACKET_OUTGOING)
				continue;
			if (q->msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				br->st[d].rx++;
				br->st[d].oversize++;
				continue;
			}
			p = access_port(br, d, rx_frame(q, (unsigned int)i, &len), &len);
			if (p == NULL) {
				br->st[d].rx++;
				br->st[d].vlan_dropped++;
				continue;
			}
			on_frame(br, d, p, len, now);
		}
		tx_flush(br, 1 - d);         /* before the buffers are read into again */
		if (n < BATCH)
			break;
	}
	return 0;
}

/* ---- sockets ---- */

static int open_side(struct side *s)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int one = 1, size = 16 << 20;

	s->ifindex = (int)if_nametoindex(s->name);
	if (s->ifindex == 0) {
		fprintf(stderr, "vmk-impair: %s: no such interface\n", s->name);
		return -2;
	}
	/* Protocol 0 until bound: no frame of another interface slips in. */
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		fprintf(stderr, "vmk-impair: AF_PACKET socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = s->ifindex;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = s->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
#ifdef PACKET_IGNORE_OUTGOING
	setsockopt(s->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
#endif
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(s->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(s->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		fprintf(stderr, "vmk-impair: %s: %s\n", s->name, strerror(errno));
		return -1;
	}
	return 0;
}

static void read_kernel_drops(struct bridge *br)
{
	for (int d = 0; d < 2; d++) {
		struct tpacket_stats ps;
		socklen_t len = sizeof(ps);

		/* Reading resets the kernel's counters: accumulate. */
		if (br->side[d].fd >= 0 &&
		    getsockopt(br->side[d].fd, SOL_PACKET, PACKET_STATISTICS, &ps, &len) == 0)
			br->st[d].kernel_drops += ps.tp_drops;
	}
}

static int run(struct bridge *br)
{
	struct pollfd pfd[2];
	sigset_t open_mask;
	uint64_t last_stats = now_ns();

	sigprocmask(SIG_SETMASK, NULL, &open_mask);
	sigdelset(&open_mask, SIGINT);
	sigdelset(&open_mask, SIGTERM);
	fprintf(stderr, "vmk-impair: bridging %s <-> %s\n", br->side[0].name, br->side[1].name);
	while (!stop) {
		uint64_t now = now_ns();
		struct timespec ts, *tmo = NULL;

		release_due(br, now);
		if (br->n_heap > 0) {
			uint64_t wait = br->heap[0]->t_ns > now ? br->heap[0]->t_ns - now : 0;

			ts.tv_sec = (time_t)(wait / 1000000000ull);
			ts.tv_nsec = (long)(wait % 1000000000ull);
			tmo = &ts;
		}
		for (int d = 0; d < 2; d++)
			pfd[d] = (struct pollfd){ .fd = br->side[d].fd, .events = POLLIN };
		if (ppoll(pfd, 2, tmo, &open_mask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vmk-impair: ppoll: %s\n", strerror(errno));
			return -1;
		}
		for (int d = 0; d < 2; d++) {
			if (pfd[d].revents & (POLLERR | POLLNVAL)) {
				fprintf(stderr, "vmk-impair: %s: socket error\n", br->side[d].name);
				return -1;
			}
			if ((pfd[d].revents & POLLIN) && rx_side(br, d) < 0) {
				fprintf(stderr, "vmk-impair: %s: recvmmsg: %s\n", br->side[d].name,
					strerror(errno));
				return -1;
			}
		}
		if (now - last_stats > 1000 * MS) {  /* tp_drops is 32 bits */
			read_kernel_drops(br);
			last_stats = now;
		}
	}
	return 0;
}

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmk-impair [options] IF_A IF_B\n"
		"Forwards every frame between IF_A and IF_B, impaired like tc netem.\n"
		"  --dir ab|ba|both    the options after it apply to frames from A to B,\n"
		"                      B to A, or both (default both)\n"
		"  --loss PCT          drop PCT%% of frames (0-100)\n"
		"  --duplicate PCT     send PCT%% of frames twice (0-100)\n"
		"  --delay-ms MS       hold every frame MS milliseconds (0-60000)\n"
		"  --jitter-ms MS      plus a uniform random [-MS, +MS] per frame; frames\n"
		"                      leave in time order, so they reorder (0-60000)\n"
		"  --limit N           frames held per direction at most (default 10000)\n"
		"  --seed N            random seed (default 1)\n"
		"  --access-vlan VID   an access port: IF_A carries VLAN VID tagged (1-4094),\n"
		"                      IF_B untagged; other frames are dropped\n"
		"SIGINT or SIGTERM: print the counters as one JSON line and exit 0.\n");
}

static int parse_num(const char *opt, const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 || v > max) {
		fprintf(stderr, "vmk-impair: --%s: \"%s\" is not a number from 0 to %g\n", opt, s,
			max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "vmk-impair: --%s: \"%s\" is not an integer from %" PRIu64
			" to %" PRIu64 "\n", opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* 0: go on; 1: --help; -1: bad usage. */
static int parse(int argc, char **argv, struct bridge *br)
{
	static const struct option longs[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "loss", required_argument, NULL, 'l' },
		{ "duplicate", required_argument, NULL, 'u' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "jitter-ms", required_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'L' },
		{ "seed", required_argument, NULL, 's' },
		{ "access-vlan", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int scope = 3;
	int c, idx;

	opterr = 0;
	while ((idx = 0, c = getopt_long(argc, argv, ":h", longs, &idx)) != -1) {
		const char *name = longs[idx].name;
		uint64_t u = 0;
		double v = 0;

		switch (c) {
		case 'h':
			return 1;
		case 'D':
			if (strcmp(optarg, "ab") == 0)
				scope = 1;
			else if (strcmp(optarg, "ba") == 0)
				scope = 2;
			else if (strcmp(optarg, "both") == 0)
				scope = 3;
			else {
				fprintf(stderr, "vmk-impair: --dir: \"%s\" is not ab, ba or both\n",
					optarg);
				return -1;
			}
			continue;
		case 'L':
			if (parse_u64(name, optarg, 1, RING_SIZE / 2, &u) < 0)
				return -1;
			br->limit = u;
			continue;
		case 's':
			if (parse_u64(name, optarg, 0, UINT64_MAX, &br->seed) < 0)
				return -1;
			continue;
		case 'V':
			if (parse_u64(name, optarg, 1, 4094, &u) < 0)
				return -1;
			br->access_vlan = (uint16_t)u;
			continue;
		case 'l': case 'u':
			if (parse_num(name, optarg, 100, &v) < 0)
				return -1;
			v /= 100;
			break;
		case 'd': case 'j':
			if (parse_num(name, optarg, 60000, &v) < 0)
				return -1;
			v *= (double)MS;
			break;
		case ':':
			fprintf(stderr, "vmk-impair: %s needs a value\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "vmk-impair: unknown option \"%s\"\n", argv[optind - 1]);
			return -1;
		}
		for (int d = 0; d < 2; d++) {
			if (!(scope & (1u << d)))
				continue;
			if (c == 'l')
				br->imp[d].loss = v;
			else if (c == 'u')
				br->imp[d].dup = v;
			else if (c == 'd')
				br->imp[d].delay_ns = (uint64_t)v;
			else
				br->imp[d].jitter_ns = (uint64_t)v;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "vmk-impair: needs two interfaces, IF_A and IF_B\n");
		return -1;
	}
	br->side[0].name = argv[optind];
	br->side[1].name = argv[optind + 1];
	if (strcmp(br->side[0].name, br->side[1].name) == 0) {
		fprintf(stderr, "vmk-impair: IF_A and IF_B are the same interface\n");
		return -1;
	}
	return 0;
}

static void print_stats(const struct bridge *br)
{
	static const char *const key[2] = { "a_to_b", "b_to_a" };

	printf("{\"tool\":\"vmk-impair\",\"a\":\"%s\",\"b\":\"%s\",\"seed\":%" PRIu64,
	       br->side[0].name, br->side[1].name, br->seed);
	for (int d = 0; d < 2; d++) {
		const struct dir_stats *s = &br->st[d];

		printf(",\"%s\":{\"rx\":%" PRIu64 ",\"forwarded\":%" PRIu64 ",\"dropped\":%" PRIu64
		       ",\"duplicated\":%" PRIu64 ",\"reordered\":%" PRIu64 ",\"overflow\":%" PRIu64
		       ",\"tx_errors\":%" PRIu64 ",\"oversize\":%" PRIu64 ",\"kernel_drops\":%"
		       PRIu64 ",\"vlan_dropped\":%" PRIu64 ",\"held_at_exit\":%zu}",
		       key[d], s->rx, s->forwarded, s->dropped, s->duplicated, s->reordered,
		       s->overflow, s->tx_errors, s->oversize, s->kernel_drops, s->vlan_dropped,
		       br->held[d]);
	}
	printf("}\n");
	fflush(stdout);
}

static void bridge_free(struct bridge *br)
{
	for (size_t i = 0; i < br->n_heap; i++)
		free(br->heap[i]);
	free(br->heap);
	free(br->rx.buf);
	for (int d = 0; d < 2; d++) {
		free(br->ro[d].bits);
		if (br->side[d].fd >= 0)
			close(br->side[d].fd);
	}
}

int main(int argc, char **argv)
{
	static struct bridge br;     /* large: not on the stack */
	struct sigaction sa;
	sigset_t block;
	int ret;

	br.side[0].fd = br.side[1].fd = -1;
	br.limit = 10000;
	br.seed = 1;
	ret = parse(argc, argv, &br);
	if (ret > 0) {
		usage(stdout);
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, "Try 'vmk-impair --help'.\n");
		return 2;
	}
	br.rng[0] = br.seed;
	br.rng[1] = br.seed ^ 0x5bd1e9955bd1e995ull;
	for (int d = 0; d < 2; d++) {
		br.ro[d].bits = calloc(RING_SIZE / 64, sizeof(uint64_t));
		if (br.ro[d].bits == NULL)
			goto nomem;
	}
	br.rx.buf = malloc((size_t)BATCH * (VLAN_ROOM + FRAME_MAX));
	if (br.rx.buf == NULL)
		goto nomem;

	/* SIGINT/SIGTERM are taken only inside ppoll: a send is never cut. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);

	for (int d = 0; d < 2; d++) {
		ret = open_side(&br.side[d]);
		if (ret < 0) {
			bridge_free(&br);
			return ret == -2 ? 2 : 1;
		}
	}
	ret = run(&br);
	read_kernel_drops(&br);
	print_stats(&br);
	bridge_free(&br);
	return ret < 0 ? 1 : 0;

nomem:
	fprintf(stderr, "vmk-impair: out of memory\n");
	bridge_free(&br);
	return 1;
}
