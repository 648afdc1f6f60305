/*
 * vmkbulk: bulk transfer over a vmknet TCP socket, to or from any TCP peer
 * (plain Linux: socat, nc, iperf3's peers), to measure throughput and to
 * move files. It embeds the library as a hypervisor service would (its own
 * host, vSwitch0, vmk0 and an uplink given by DPDK devargs, see embed.h).
 *
 *   vmkbulk [EAL options] -- --uplink DEVARGS --ip A.B.C.D/N [--mtu N]
 *           (--listen PORT | --connect A.B.C.D:PORT)
 *           (--send FILE | --send-bytes N | --recv FILE) [--buf BYTES]
 *           [--timeout S] [--zero-copy] [--json]
 *
 * Sending: the data is queued, the sending side shut down (FIN), and the
 * transfer ends when the peer closes its side, i.e. once it has read
 * everything (socat -u and nc do so at end of input). Receiving: until the
 * peer's FIN. The time runs from the connection's establishment to that
 * end; the result line is "BYTES bytes in SECONDS s = GBPS Gbit/s", and
 * --json adds one JSON object with the netstack's TCP counters.
 *
 * --zero-copy moves the data with the mbuf API instead of the copying
 * calls: the sender reads the file (or writes the pattern) straight into
 * mbufs of the netstack's pool and hands the chains to the stack
 * (vmk_tcp_send_mbuf); the receiver takes the mbufs that carried the data
 * (vmk_tcp_recv_mbuf) and writes them out with writev().
 *
 * Exit status: 0 on a complete transfer, 1 on a failed one, 2 on bad usage
 * or a host that could not be built.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/uio.h>

#include <rte_mbuf.h>

#include "embed.h"

#define CHUNK (1u << 20)

enum mode { MODE_NONE, MODE_SEND_FILE, MODE_SEND_BYTES, MODE_RECV };

struct opts {
	struct embed_opts host;
	uint16_t listen_port;
	uint32_t peer_addr;
	uint16_t peer_port;
	enum mode mode;
	const char *path;
	uint64_t n_bytes;
	uint32_t buf_size;
	unsigned int timeout_s;
	bool json;
	bool zero_copy;
};

struct result {
	uint64_t bytes;
	double seconds;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmkbulk [EAL options] -- --uplink DEVARGS --ip A.B.C.D/N\n"
		"               (--listen PORT | --connect A.B.C.D:PORT)\n"
		"               (--send FILE | --send-bytes N | --recv FILE) [options]\n"
		"\n" EMBED_USAGE
		"  --listen PORT      accept one connection on vmk0's PORT\n"
		"  --connect IP:PORT  connect to a peer\n"
		"  --send FILE        send the file's bytes, then close\n"
		"  --send-bytes N     send N bytes of a fixed pattern (suffixes K, M, G: 2^10..)\n"
		"  --recv FILE        write what arrives to FILE until the peer closes\n"
		"  --buf BYTES        socket send and receive buffers (default 4M)\n"
		"  --timeout S        wait at most S seconds for the peer and for progress\n"
		"                     (default 30)\n"
		"  --zero-copy        hand the data to the stack and take it back as mbufs\n"
		"                     (vmk_tcp_send_mbuf, vmk_tcp_recv_mbuf) instead of copying\n"
		"  --json             also print the result as one JSON object\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	default: break;
	}
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int set_mode(struct opts *o, enum mode m, const char *path)
{
	if (o->mode != MODE_NONE) {
		fprintf(stderr, "vmkbulk: one of --send, --send-bytes, --recv\n");
		return -1;
	}
	o->mode = m;
	o->path = path;
	return 0;
}

static int parse_one(void *tool, int c, const char *arg)
{
	struct opts *o = tool;
	uint64_t v;

	switch (c) {
	case 'l':
		if (parse_size(arg, &v) < 0 || v == 0 || v > 65535)
			break;
		o->listen_port = (uint16_t)v;
		return 0;
	case 'c':
		if (embed_parse_addr_port(arg, &o->peer_addr, &o->peer_port) < 0)
			break;
		return 0;
	case 's':
		return set_mode(o, MODE_SEND_FILE, arg);
	case 'n':
		if (parse_size(arg, &o->n_bytes) < 0)
			break;
		return set_mode(o, MODE_SEND_BYTES, NULL);
	case 'r':
		return set_mode(o, MODE_RECV, arg);
	case 'b':
		if (parse_size(arg, &v) < 0 || v < 4096 || v > (64u << 20))
			break;
		o->buf_size = (uint32_t)v;
		return 0;
	case 't':
		if (parse_size(arg, &v) < 0 || v == 0 || v > 86400)
			break;
		o->timeout_s = (unsigned int)v;
		return 0;
	case 'z':
		o->zero_copy = true;
		return 0;
	default:                             /* --json */
		o->json = true;
		return 0;
	}
	fprintf(stderr, "vmkbulk: bad value \"%s\"\n", arg);
	return -1;
}

/* 0: go on; 1: --help; -1: bad usage. */
static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		EMBED_LONG_OPTIONS,
		{ "listen", required_argument, NULL, 'l' },
		{ "connect", required_argument, NULL, 'c' },
		{ "send", required_argument, NULL, 's' },
		{ "send-bytes", required_argument, NULL, 'n' },
		{ "recv", required_argument, NULL, 'r' },
		{ "buf", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "zero-copy", no_argument, NULL, 'z' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int ret;

	memset(o, 0, sizeof(*o));
	o->buf_size = 4u << 20;
	o->timeout_s = 30;
	ret = embed_getopt(argc, argv, "h", longs, &o->host, "vmkbulk", parse_one, o, usage);
	if (ret != 0)
		return ret;
	if (o->mode == MODE_NONE || (o->listen_port == 0) == (o->peer_port == 0)) {
		fprintf(stderr, "vmkbulk: needs one of --listen/--connect and one of "
			"--send/--send-bytes/--recv\n");
		return -1;
	}
	return 0;
}

/* The connection: accepted on --listen, made on --connect. */
static int open_conn(const struct opts *o, struct embed *e, struct vmk_tcp_sock **out)
{
	struct vmk_tcp_sock *s = NULL, *c = NULL;
	unsigned int waited = 0;
	int ret;

	ret = vmk_tcp_open(e->host, NULL, &s);
	if (ret == 0)
		ret = vmk_tcp_set_buffers(s, o->buf_size, o->buf_size);
	if (ret == 0 && o->listen_port != 0) {
		ret = vmk_tcp_bind(s, 0, o->listen_port);
		if (ret == 0)
			ret = vmk_tcp_listen(s, 1);
		if (ret == 0)
			fprintf(stderr, "vmkbulk: listening on port %u\n", o->listen_port);
		for (ret = -EAGAIN; ret == -EAGAIN && !stop && waited++ < o->timeout_s * 10;)
			ret = vmk_tcp_accept(s, &c, NULL, NULL, 100);
		vmk_tcp_close(s);
		s = c;
	} else if (ret == 0) {
		ret = vmk_tcp_connect(s, o->peer_addr, o->peer_port, o->timeout_s * 1000);
		if (ret == -EINPROGRESS)
			ret = -ETIMEDOUT;
	}
	if (ret < 0) {
		fprintf(stderr, "vmkbulk: %s: %s\n", o->listen_port != 0 ? "accept" : "connect",
			strerror(-ret));
		vmk_tcp_close(s);
		return ret;
	}
	*out = s;
	return 0;
}

static void describe_conn(struct embed *e)
{
	struct vmk_tcp_conn c[4];
	unsigned int n = vmk_tcp_conn_list(e->host, NULL, c, 4);
	char la[INET_ADDRSTRLEN], fa[INET_ADDRSTRLEN];

	for (unsigned int i = 0; i < n && i < 4; i++) {
		if (c[i].state != VMK_TCP_ESTABLISHED)
			continue;
		inet_ntop(AF_INET, &c[i].local_addr, la, sizeof(la));
		inet_ntop(AF_INET, &c[i].foreign_addr, fa, sizeof(fa));
		fprintf(stderr, "vmkbulk: connected %s:%u <-> %s:%u, mss %u, peer window %u\n", la,
			c[i].local_port, fa, c[i].foreign_port, c[i].mss, c[i].snd_wnd);
	}
}

/* Next chunk to send into buf: from the file or the pattern. Returns bytes
 * (0 at the end) or -1. */
static long next_chunk(const struct opts *o, int fd, uint8_t *buf, uint64_t done)
{
	if (o->mode == MODE_SEND_FILE) {
		ssize_t n;

		do {
			n = read(fd, buf, CHUNK);
		} while (n < 0 && errno == EINTR);
		return n;
	}
	return (long)(o->n_bytes - done < CHUNK ? o->n_bytes - done : CHUNK);
}

/* Copying: the data goes through buf. 0, or -1 (message printed). */
static int send_copying(const struct opts *o, struct vmk_tcp_sock *s, int fd, uint8_t *buf,
			struct result *res)
{
	long n = 0, k;

	while (!stop && (n = next_chunk(o, fd, buf, res->bytes)) > 0) {
		for (long off = 0; off < n && !stop; off += k) {
			k = vmk_tcp_send(s, buf + off, (size_t)(n - off), o->timeout_s * 1000);
			if (k < 0) {
				fprintf(stderr, "vmkbulk: send after %" PRIu64 " bytes: %s\n",
					res->bytes + (uint64_t)off, strerror((int)-k));
				return -1;
			}
		}
		res->bytes += (uint64_t)n;
	}
	if (stop || n < 0) {
		fprintf(stderr, "vmkbulk: %s\n", stop ? "interrupted" : strerror(errno));
		return -1;
	}
	return 0;
}

/* Up to want bytes of the stream from byte `done` on, read or written
 * straight into mbufs of pool (their whole buffer: the stack's headers go
 * in mbufs of its own), as one chain in *out. Returns the bytes (0: end of
 * the file), -ENOBUFS (no mbuf free now) or -errno of read(). */
static long zc_chain(const struct opts *o, int fd, struct rte_mempool *pool,
		     const uint8_t *pattern, uint64_t done, uint64_t want, struct rte_mbuf **out)
{
	struct rte_mbuf *head = NULL;
	uint64_t got = 0;
	bool eof = false;

	if (o->mode == MODE_SEND_BYTES && want > o->n_bytes - done)
		want = o->n_bytes - done;
	while (got < want) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *d;
		uint32_t room;
		ssize_t n;

		if (m == NULL)
			break;
		m->data_off = 0;
		d = rte_pktmbuf_mtod(m, uint8_t *);
		room = (uint32_t)RTE_MIN((uint64_t)m->buf_len, want - got);
		if (o->mode == MODE_SEND_FILE) {
			do {
				n = read(fd, d, room);
			} while (n < 0 && errno == EINTR);
		} else {
			uint32_t at = (uint32_t)((done + got) % CHUNK), k = RTE_MIN(room, CHUNK - at);

			memcpy(d, pattern + at, k);
			memcpy(d + k, pattern, room - k);
			n = room;
		}
		if (n <= 0) {
			int err = errno;

			rte_pktmbuf_free(m);
			if (n < 0) {
				rte_pktmbuf_free(head);
				return -err;
			}
			eof = true;                 /* end of the file */
			break;
		}
		m->data_len = (uint16_t)n;
		m->pkt_len = (uint32_t)n;
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return -ENOBUFS;
		}
		got += (uint64_t)n;
	}
	if (head == NULL)
		return eof ? 0 : -ENOBUFS;
	*out = head;
	return (long)got;
}

/* Zero-copy: chains of at most half the send buffer, so each fits it.
 * 0, or -1 (message printed). */
static int send_zero_copy(const struct opts *o, struct vmk_tcp_sock *s, int fd,
			  const uint8_t *pattern, struct result *res)
{
	struct rte_mempool *pool = vmk_tcp_pool(s);
	uint64_t want = RTE_MIN((uint64_t)CHUNK, (uint64_t)o->buf_size / 2);
	uint64_t t_dry = 0;

	while (o->mode != MODE_SEND_BYTES || res->bytes < o->n_bytes) {
		struct rte_mbuf *m = NULL;
		long n, k;

		if (stop) {
			fprintf(stderr, "vmkbulk: interrupted\n");
			return -1;
		}
		n = pool != NULL ? zc_chain(o, fd, pool, pattern, res->bytes, want, &m) : -EPIPE;
		if (n == -ENOBUFS) {                /* the pool is drained for now */
			if (t_dry == 0) {
				t_dry = embed_now_ns();
			} else if (embed_now_ns() - t_dry > (uint64_t)o->timeout_s * 1000000000ull) {
				fprintf(stderr, "vmkbulk: no mbuf free for %u s\n", o->timeout_s);
				return -1;
			}
			usleep(100);
			continue;
		}
		t_dry = 0;
		if (n <= 0) {
			if (n == 0)
				return 0;
			fprintf(stderr, "vmkbulk: %s\n", strerror((int)-n));
			return -1;
		}
		k = vmk_tcp_send_mbuf(s, m, o->timeout_s * 1000);
		if (k < 0) {
			rte_pktmbuf_free(m);        /* refused: still ours */
			fprintf(stderr, "vmkbulk: send after %" PRIu64 " bytes: %s\n", res->bytes,
				strerror((int)-k));
			return -1;
		}
		res->bytes += (uint64_t)k;
	}
	return 0;
}

static int send_all(const struct opts *o, struct vmk_tcp_sock *s, int fd, uint8_t *buf,
		    struct result *res)
{
	uint64_t t0 = embed_now_ns();
	long k;
	char tail;

	if ((o->zero_copy ? send_zero_copy(o, s, fd, buf, res) : send_copying(o, s, fd, buf, res)) < 0)
		return -1;
	vmk_tcp_shutdown(s, VMK_TCP_SHUT_WR);
	/* Done when the peer, having read everything, closes its side. */
	k = vmk_tcp_recv(s, &tail, 1, o->timeout_s * 1000);
	res->seconds = (double)(embed_now_ns() - t0) / 1e9;
	if (k != 0) {
		fprintf(stderr, "vmkbulk: the peer did not close after the data: %s\n",
			k > 0 ? "it sent data" : strerror((int)-k));
		return -1;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The chain m (n bytes) to fd, and m freed. 0 or -1 (errno set). */
static int write_chain(int fd, struct rte_mbuf *m)
{
	struct iovec iov[64];
	int ret = 0;

	for (struct rte_mbuf *s = m; s != NULL && ret == 0;) {
		size_t total = 0;
		int n = 0;

		for (; s != NULL && n < (int)RTE_DIM(iov); s = s->next, n++) {
			iov[n].iov_base = rte_pktmbuf_mtod(s, void *);
			iov[n].iov_len = s->data_len;
			total += s->data_len;
		}
		for (int i = 0; total > 0;) {       /* writev may stop short */
			ssize_t w = writev(fd, iov + i, n - i);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				ret = -1;
				break;
			}
			total -= (size_t)w;
			while (w > 0 && (size_t)w >= iov[i].iov_len)
				w -= (ssize_t)iov[i++].iov_len;
			if (w > 0) {
				iov[i].iov_base = (uint8_t *)iov[i].iov_base + w;
				iov[i].iov_len -= (size_t)w;
			}
		}
	}
	rte_pktmbuf_free(m);
	return ret;
}

/* One receive of up to CHUNK bytes: into buf and out to fd, or (zero
 * copy) as the mbufs that carried them, written out from there. Returns
 * the bytes, 0 at the end, a negative errno, or -EIO (fd failed). */
static long recv_one(const struct opts *o, struct vmk_tcp_sock *s, int fd, uint8_t *buf)
{
	struct rte_mbuf *m = NULL;
	long n;

	if (!o->zero_copy) {
		n = vmk_tcp_recv(s, buf, CHUNK, o->timeout_s * 1000);
		return n > 0 && write_all(fd, buf, (size_t)n) < 0 ? -EIO : n;
	}
	n = vmk_tcp_recv_mbuf(s, &m, CHUNK, o->timeout_s * 1000);
	return n > 0 && write_chain(fd, m) < 0 ? -EIO : n;
}

static int recv_all(const struct opts *o, struct vmk_tcp_sock *s, int fd, uint8_t *buf,
		    struct result *res)
{
	uint64_t t0 = embed_now_ns();
	long n;

	while (!stop) {
		n = recv_one(o, s, fd, buf);
		if (n == -EIO) {
			fprintf(stderr, "vmkbulk: %s: %s\n", o->path, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		if (n < 0) {
			fprintf(stderr, "vmkbulk: recv after %" PRIu64 " bytes: %s\n", res->bytes,
				strerror((int)-n));
			return -1;
		}
		res->bytes += (uint64_t)n;
	}
	res->seconds = (double)(embed_now_ns() - t0) / 1e9;
	return stop ? -1 : 0;
}

static void report(const struct opts *o, struct embed *e, const struct result *r, bool ok)
{
	double gbps = r->seconds > 0 ? (double)r->bytes * 8 / r->seconds / 1e9 : 0;
	struct vmk_netstack_stats ns;
	struct vmk_tcp_stats st;

	memset(&st, 0, sizeof(st));
	memset(&ns, 0, sizeof(ns));
	vmk_tcp_get_stats(e->host, NULL, &st);
	vmk_netstack_get_stats(e->host, NULL, &ns);
	printf("vmkbulk: %s %" PRIu64 " bytes in %.3f s = %.3f Gbit/s%s\n",
	       o->mode == MODE_RECV ? "received" : "sent", r->bytes, r->seconds, gbps,
	       ok ? "" : " (incomplete)");
	if (o->json)
		printf("{\"tool\":\"vmkbulk\",\"mode\":\"%s\",\"zero_copy\":%s,\"ok\":%s,\"bytes\":%" PRIu64
		       ",\"seconds\":%.6f,\"gbps\":%.4f,\"mtu\":%u,\"segs_tx\":%" PRIu64
		       ",\"segs_rx\":%" PRIu64 ",\"retrans\":%" PRIu64 ",\"fast_retrans\":%" PRIu64
		       ",\"timeouts\":%" PRIu64 ",\"challenge_acks\":%" PRIu64
		       ",\"syncookies_sent\":%" PRIu64 ",\"syncookies_ok\":%" PRIu64
		       ",\"ip_txq_full\":%" PRIu64 ",\"ip_no_mbuf\":%" PRIu64
		       ",\"drop_paws\":%" PRIu64 ",\"drop_ooo_full\":%" PRIu64
		       ",\"drop_out_of_window\":%" PRIu64 ",\"tlp_probes\":%" PRIu64
		       ",\"lost_rexmits\":%" PRIu64 ",\"recovery_undos\":%" PRIu64
		       ",\"reorder_seen\":%" PRIu64 "}\n",
		       o->mode == MODE_RECV ? "recv" : "send", o->zero_copy ? "true" : "false",
		       ok ? "true" : "false", r->bytes,
		       r->seconds, gbps, o->host.mtu, st.segs_tx, st.segs_rx, st.retrans,
		       st.fast_retrans, st.timeouts, st.challenge_acks, st.syncookies_sent,
		       st.syncookies_ok, ns.drops[VMK_IPDROP_TXQ_FULL], ns.drops[VMK_IPDROP_NO_MBUF],
		       st.drops[VMK_TCPDROP_PAWS], st.drops[VMK_TCPDROP_OOO_FULL],
		       st.drops[VMK_TCPDROP_OUT_OF_WINDOW], st.tlp_probes, st.lost_rexmits,
		       st.recovery_undos, st.reorder_seen);
	fflush(stdout);
}

static int run(const struct opts *o, struct embed *e)
{
	struct result res = { 0, 0 };
	struct vmk_tcp_sock *s;
	uint8_t *buf;
	int fd = -1, ret;

	buf = malloc(CHUNK);
	if (buf == NULL)
		return 1;
	for (uint32_t i = 0; i < CHUNK; i++)      /* the --send-bytes pattern */
		buf[i] = (uint8_t)((i * 2654435761u) >> 24);
	if (o->mode == MODE_SEND_FILE)
		fd = open(o->path, O_RDONLY);
	else if (o->mode == MODE_RECV)
		fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (o->mode != MODE_SEND_BYTES && fd < 0) {
		fprintf(stderr, "vmkbulk: %s: %s\n", o->path, strerror(errno));
		free(buf);
		return 1;
	}
	ret = open_conn(o, e, &s);
	if (ret == 0) {
		describe_conn(e);
		ret = o->mode == MODE_RECV ? recv_all(o, s, fd, buf, &res) :
					     send_all(o, s, fd, buf, &res);
		report(o, e, &res, ret == 0);
		if (ret < 0)
			vmk_tcp_abort(s);
		else
			vmk_tcp_close(s);
	}
	if (fd >= 0 && close(fd) < 0 && ret == 0) {
		fprintf(stderr, "vmkbulk: %s: %s\n", o->path, strerror(errno));
		ret = -1;
	}
	free(buf);
	return ret == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct embed e = { 0 };
	struct opts o;
	int eal_argc, first, ret;

	first = embed_split_args(argc, argv, &eal_argc);
	ret = parse(argc - first, argv + first, &o);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (embed_up(&e, eal_argc, argv, &o.host, "vmkbulk") < 0) {
		embed_down(&e);
		return 2;
	}
	ret = run(&o, &e);
	embed_down(&e);
	return ret;
}
