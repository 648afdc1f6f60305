/*
 * vMotion between hosts: "vmotion.receive" makes this host the destination
 * of a vMotion-like migration (a listener on a VMotion-tagged adapter's
 * address), "vmotion.send" its source (a connection from such an adapter
 * to the destination that moves N MiB of guest memory pages), and
 * "vmotion.get" reports the host's transfer: state, pages moved and
 * checked, rate. The pages travel zero-copy on both sides: written once
 * into mbufs of the netstack's pool and handed to the stack
 * (vmk_tcp_send_mbuf), taken out as the mbufs that carried them
 * (vmk_tcp_recv_mbuf). Every 8-byte word of every page is checked: word i
 * of page p holds ((p * 512 + i + 1) * 0x9e3779b97f4a7c15) ^ seed, so the
 * destination knows each byte from the page number and the sender's seed.
 *
 * Wire (little-endian): the source opens with a 32-byte header ("VMKVMOT1",
 * total bytes, seed, page size, 0), then the pages in order; the
 * destination, once every page is checked, answers 16 bytes ("VMKVMOK1",
 * pages checked), so the source's "done" means the destination verified
 * everything.
 *
 * Threading: the ops run on the main lcore under the daemon lock and never
 * wait on the network; the transfer runs on a thread of its own
 * ("vmk-vmotion") with blocking socket calls (carried to the worker by the
 * netstack's request ring), off the daemon lock, so the control socket
 * stays responsive. Its progress is published under the job's mutex. One
 * transfer at a time per daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "vmknetd/ops.h"

#define VMO_PAGE       4096u
#define VMO_MAGIC      "VMKVMOT1"
#define VMO_ACK_MAGIC  "VMKVMOK1"
#define VMO_HDR_LEN    32u
#define VMO_ACK_LEN    16u
#define VMO_CHUNK      (256u * 1024)          /* bytes per send, per receive */
#define VMO_BUF_SIZE   (4u * 1024 * 1024)     /* socket buffers: a window of 4 MiB */
#define VMO_POLL_MS    200u                   /* between looks at the stop flag */
#define VMO_STALL_NS   10000000000ull         /* no progress for 10 s: give up */
#define VMO_PORT       8000                   /* the vMotion traffic class's port */
#define VMO_MIB_MAX    65536u

enum vmo_state { VMO_IDLE, VMO_LISTENING, VMO_CONNECTING, VMO_RUNNING, VMO_DONE, VMO_FAILED };

static const char *const state_names[] = {
	"idle", "listening", "connecting", "running", "done", "failed",
};

struct vmotion {
	pthread_mutex_t lock;            /* the progress fields */
	pthread_t thread;
	bool joinable;                   /* a thread was started and not joined */
	int stop;                        /* atomic: the daemon is stopping */
	/* Set before the thread starts, then read-only. */
	bool sender;
	struct vmk_host *host;
	struct vmk_tcp_sock *sock;       /* the listener, or the connection */
	char iface[VMK_NAME_MAX], netstack[VMK_NAME_MAX];
	uint32_t local, peer;            /* network byte order */
	uint16_t port;
	unsigned int wait_s;             /* receive: how long to wait for the source */
	/* Progress, under lock (total and seed: the receiver learns them). */
	enum vmo_state state;
	uint64_t total, seed;
	uint64_t bytes, pages_checked;
	uint64_t t_start_ns, t_end_ns;   /* first page .. last page */
	char error[160];
};

/* The word at byte offset off (a multiple of 8) of the guest's memory. */
static inline uint64_t page_word(uint64_t seed, uint64_t off)
{
	return ((off >> 3) + 1) * 0x9e3779b97f4a7c15ull ^ seed;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static bool stopping(struct vmotion *v)
{
	return __atomic_load_n(&v->stop, __ATOMIC_ACQUIRE) != 0;
}

static void set_state(struct vmotion *v, enum vmo_state s)
{
	pthread_mutex_lock(&v->lock);
	v->state = s;
	if (s == VMO_RUNNING)
		v->t_start_ns = now_ns();
	pthread_mutex_unlock(&v->lock);
}

static void progress(struct vmotion *v, uint64_t bytes, uint64_t pages)
{
	pthread_mutex_lock(&v->lock);
	v->bytes = bytes;
	v->pages_checked = pages;
	pthread_mutex_unlock(&v->lock);
}

/* The end of the transfer: done, or failed with why. */
static void finish(struct vmotion *v, int ret, const char *why)
{
	pthread_mutex_lock(&v->lock);
	if (v->t_end_ns == 0)
		v->t_end_ns = now_ns();
	v->state = ret == 0 ? VMO_DONE : VMO_FAILED;
	if (ret != 0)
		snprintf(v->error, sizeof(v->error), "%s: %s", why, strerror(-ret));
	pthread_mutex_unlock(&v->lock);
}

static void put64(uint8_t *p, uint64_t x)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t x = 0;

	for (unsigned int i = 0; i < 8; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return x;
}

/* Receive exactly len bytes (copied: the header and the answer only). */
static int recv_exact(struct vmotion *v, struct vmk_tcp_sock *s, uint8_t *buf, size_t len,
		      uint64_t limit_ns)
{
	uint64_t t0 = now_ns();
	size_t got = 0;

	while (got < len) {
		long r = vmk_tcp_recv(s, buf + got, len - got, VMO_POLL_MS);

		if (r == -EAGAIN) {
			if (stopping(v))
				return -ECANCELED;
			if (now_ns() - t0 > limit_ns)
				return -ETIMEDOUT;
			continue;
		}
		if (r <= 0)
			return r == 0 ? -ECONNRESET : (int)r;
		got += (size_t)r;
	}
	return 0;
}

static int send_all(struct vmotion *v, struct vmk_tcp_sock *s, const uint8_t *buf, size_t len)
{
	uint64_t t0 = now_ns();
	size_t sent = 0;

	while (sent < len) {
		long k = vmk_tcp_send(s, buf + sent, len - sent, VMO_POLL_MS);

		if (k == -EAGAIN) {
			if (stopping(v))
				return -ECANCELED;
			if (now_ns() - t0 > VMO_STALL_NS)
				return -ETIMEDOUT;
			continue;
		}
		if (k < 0)
			return (int)k;
		sent += (size_t)k;
	}
	return 0;
}

/* ---- the destination ---- */

struct vmo_check {
	uint64_t seed;
	uint64_t off;                    /* offset of the next word to check */
	uint8_t carry[8];                /* a word split across two buffers */
	unsigned int n_carry;
};

/* Check len received bytes at p against the pages they stand for. */
static bool check_bytes(struct vmo_check *c, const uint8_t *p, uint32_t len)
{
	if (c->n_carry > 0) {
		uint32_t k = RTE_MIN(8u - c->n_carry, len);
		uint64_t w;

		memcpy(c->carry + c->n_carry, p, k);
		c->n_carry += k;
		p += k;
		len -= k;
		if (c->n_carry < 8)
			return true;
		memcpy(&w, c->carry, 8);
		c->n_carry = 0;
		if (w != page_word(c->seed, c->off))
			return false;
		c->off += 8;
	}
	for (; len >= 8; p += 8, len -= 8, c->off += 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		if (w != page_word(c->seed, c->off))
			return false;
	}
	memcpy(c->carry, p, len);
	c->n_carry = len;
	return true;
}

/* Wait for the source's connection; the listener is closed after it. */
static int accept_source(struct vmotion *v, struct vmk_tcp_sock **out)
{
	uint64_t t0 = now_ns();
	uint32_t peer = 0;
	int ret;

	for (;;) {
		ret = vmk_tcp_accept(v->sock, out, &peer, NULL, VMO_POLL_MS);
		if (ret != -EAGAIN)
			break;
		if (stopping(v))
			return -ECANCELED;
		if (now_ns() - t0 > (uint64_t)v->wait_s * 1000000000ull)
			return -ETIMEDOUT;
	}
	vmk_tcp_close(v->sock);
	v->sock = NULL;
	pthread_mutex_lock(&v->lock);
	v->peer = peer;
	pthread_mutex_unlock(&v->lock);
	return ret;
}

static int recv_header(struct vmotion *v, struct vmk_tcp_sock *c)
{
	uint8_t h[VMO_HDR_LEN];
	int ret = recv_exact(v, c, h, sizeof(h), VMO_STALL_NS);

	if (ret < 0)
		return ret;
	if (memcmp(h, VMO_MAGIC, 8) != 0 || get64(h + 24) != VMO_PAGE || get64(h + 8) == 0 ||
	    get64(h + 8) % VMO_PAGE != 0)
		return -EPROTO;
	pthread_mutex_lock(&v->lock);
	v->total = get64(h + 8);
	v->seed = get64(h + 16);
	pthread_mutex_unlock(&v->lock);
	return 0;
}

/* Take the pages as the mbufs that carried them, checking every word. */
static int recv_pages(struct vmotion *v, struct vmk_tcp_sock *c, struct vmo_check *chk)
{
	uint64_t got = 0, last = now_ns(), total = v->total;

	set_state(v, VMO_RUNNING);
	while (got < total) {
		struct rte_mbuf *m = NULL;
		long r = vmk_tcp_recv_mbuf(c, &m, RTE_MIN((uint64_t)VMO_CHUNK, total - got),
					   VMO_POLL_MS);
		bool ok = true;

		if (r == -EAGAIN) {
			if (stopping(v))
				return -ECANCELED;
			if (now_ns() - last > VMO_STALL_NS)
				return -ETIMEDOUT;
			continue;
		}
		if (r <= 0)
			return r == 0 ? -ECONNRESET : (int)r;
		for (const struct rte_mbuf *s = m; s != NULL && ok; s = s->next)
			ok = check_bytes(chk, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		rte_pktmbuf_free(m);
		if (!ok)
			return -EBADMSG;
		got += (uint64_t)r;
		last = now_ns();
		progress(v, got, chk->off / VMO_PAGE);
	}
	pthread_mutex_lock(&v->lock);
	v->t_end_ns = now_ns();
	pthread_mutex_unlock(&v->lock);
	return chk->n_carry == 0 && chk->off == total ? 0 : -EBADMSG;
}

static void *recv_main(void *arg)
{
	struct vmotion *v = arg;
	struct vmo_check chk = { 0 };
	struct vmk_tcp_sock *c = NULL;
	uint8_t ack[VMO_ACK_LEN];
	const char *why = "waiting for the source";
	int ret = accept_source(v, &c);

	if (ret == 0) {
		why = "reading the source's header";
		ret = recv_header(v, c);
	}
	if (ret == 0) {
		why = "receiving the pages";
		chk.seed = v->seed;
		ret = recv_pages(v, c, &chk);
	}
	if (ret == 0) {
		why = "answering the source";
		memcpy(ack, VMO_ACK_MAGIC, 8);
		put64(ack + 8, chk.off / VMO_PAGE);
		ret = send_all(v, c, ack, sizeof(ack));
	}
	if (ret == -EBADMSG)
		why = "a page differs from what the source wrote";
	finish(v, ret, why);
	vmk_tcp_close(c);
	vmk_tcp_close(v->sock);
	v->sock = NULL;
	return NULL;
}

/* ---- the source ---- */

/* The pages of [off, off + up to VMO_CHUNK), written into whole buffers of
 * mbufs of pool (the stack puts headers in mbufs of its own). NULL when
 * the pool has none free now. */
static struct rte_mbuf *pages_fill(struct rte_mempool *pool, uint64_t seed, uint64_t off,
				   uint64_t total)
{
	uint64_t end = RTE_MIN(off + VMO_CHUNK, total);
	struct rte_mbuf *head = NULL;

	while (off < end) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *p;
		uint32_t len;

		if (m == NULL)
			break;
		m->data_off = 0;
		len = (uint32_t)RTE_MIN(end - off, (uint64_t)(m->buf_len & ~7u));
		p = rte_pktmbuf_mtod(m, uint8_t *);
		for (uint32_t i = 0; i < len; i += 8) {
			uint64_t w = page_word(seed, off + i);

			memcpy(p + i, &w, 8);
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			break;
		}
		off += len;
	}
	return head;
}

static int send_pages(struct vmotion *v, struct vmk_tcp_sock *s)
{
	struct rte_mempool *pool = vmk_tcp_pool(s);
	uint64_t sent = 0, last = now_ns();
	struct rte_mbuf *m = NULL;       /* pages the stack has not taken yet */
	int ret = 0;

	if (pool == NULL)
		return -ENOTCONN;
	set_state(v, VMO_RUNNING);
	while (sent < v->total && ret == 0) {
		long k;

		if (stopping(v) || now_ns() - last > VMO_STALL_NS) {
			ret = stopping(v) ? -ECANCELED : -ETIMEDOUT;
			break;
		}
		if (m == NULL)
			m = pages_fill(pool, v->seed, sent, v->total);
		if (m == NULL) {
			nanosleep(&(struct timespec){ 0, 100000 }, NULL);   /* the pool is busy */
			continue;
		}
		k = vmk_tcp_send_mbuf(s, m, VMO_POLL_MS);
		if (k == -EAGAIN)
			continue;
		if (k < 0) {
			ret = (int)k;
			break;
		}
		m = NULL;                    /* the stack's now */
		sent += (uint64_t)k;
		last = now_ns();
		progress(v, sent, sent / VMO_PAGE);
	}
	rte_pktmbuf_free(m);
	return ret;
}

static int send_header(struct vmotion *v, struct vmk_tcp_sock *s)
{
	uint8_t h[VMO_HDR_LEN] = { 0 };

	memcpy(h, VMO_MAGIC, 8);
	put64(h + 8, v->total);
	put64(h + 16, v->seed);
	put64(h + 24, VMO_PAGE);
	return send_all(v, s, h, sizeof(h));
}

/* The destination's answer: every page checked. */
static int recv_ack(struct vmotion *v, struct vmk_tcp_sock *s)
{
	uint8_t ack[VMO_ACK_LEN];
	int ret = recv_exact(v, s, ack, sizeof(ack), VMO_STALL_NS);

	if (ret < 0)
		return ret;
	if (memcmp(ack, VMO_ACK_MAGIC, 8) != 0 || get64(ack + 8) != v->total / VMO_PAGE)
		return -EPROTO;
	pthread_mutex_lock(&v->lock);
	v->t_end_ns = now_ns();
	v->pages_checked = get64(ack + 8);
	pthread_mutex_unlock(&v->lock);
	return 0;
}

static void *send_main(void *arg)
{
	struct vmotion *v = arg;
	const char *why = "connecting to the destination";
	int ret = vmk_tcp_connect(v->sock, v->peer, v->port, 5000);

	if (ret == -EINPROGRESS)
		ret = -ETIMEDOUT;
	if (ret == 0) {
		why = "sending the header";
		ret = send_header(v, v->sock);
	}
	if (ret == 0) {
		why = "sending the pages";
		ret = send_pages(v, v->sock);
	}
	if (ret == 0) {
		why = "waiting for the destination's check";
		ret = recv_ack(v, v->sock);
	}
	finish(v, ret, why);
	vmk_tcp_close(v->sock);
	v->sock = NULL;
	return NULL;
}

/* ---- the ops ---- */

/* The daemon's job, made on first use; a finished transfer's thread is
 * joined. -EBUSY while one runs. */
static int job_take(struct daemon *d, struct vmotion **out, char *err, size_t err_size)
{
	struct vmotion *v = d->vmotion;
	enum vmo_state s;

	if (v == NULL) {
		v = calloc(1, sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		pthread_mutex_init(&v->lock, NULL);
		d->vmotion = v;
	}
	pthread_mutex_lock(&v->lock);
	s = v->state;
	pthread_mutex_unlock(&v->lock);
	if (s == VMO_LISTENING || s == VMO_CONNECTING || s == VMO_RUNNING) {
		op_errf(err, err_size, "a vMotion transfer is %s (see 'vmkcli network vmotion "
			"get')", state_names[s]);
		return -EBUSY;
	}
	if (v->joinable)
		pthread_join(v->thread, NULL);
	v->joinable = false;
	*out = v;
	return 0;
}

/* The adapter to use ("interface_name", default the first tagged VMotion),
 * which must be tagged VMotion and have an address. */
static int vmotion_nic(struct daemon *d, const cJSON *args, struct vmk_vmknic_info *info,
		       char *err, size_t err_size)
{
	char names[1][VMK_NAME_MAX];
	const char *name;
	int ret = arg_str(args, "interface_name", false, &name, err, err_size);

	if (ret == -ENOENT) {
		if (vmk_vmknic_find_by_tag(d->host, VMK_TAG_VMOTION, names, 1) == 0) {
			op_errf(err, err_size, "no VMkernel interface is tagged VMotion (see "
				"'vmkcli network ip interface tag add -t VMotion')");
			return -ENOENT;
		}
		name = names[0];
	} else if (ret < 0) {
		return ret;
	}
	if (vmk_vmknic_get(d->host, name, info) < 0) {
		op_errf(err, err_size, "no VMkernel interface named \"%s\" (see 'vmkcli network "
			"ip interface list')", name);
		return -ENOENT;
	}
	if (!(info->tags & (1u << VMK_TAG_VMOTION))) {
		op_errf(err, err_size, "%s is not tagged VMotion: vMotion traffic leaves only "
			"through VMotion adapters (vmkcli network ip interface tag add -i %s -t "
			"VMotion)", name, name);
		return -EINVAL;
	}
	if (info->ipv4 == 0) {
		op_errf(err, err_size, "%s has no IPv4 address", name);
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* What both roles share: the adapter, the port, a socket on its netstack
 * with vMotion-sized buffers, bound to the adapter's address. */
static int job_setup(struct daemon *d, struct vmotion *v, const cJSON *args, uint16_t port,
		     char *err, size_t err_size)
{
	struct vmk_vmknic_info info;
	uint32_t p = VMO_PORT;
	int ret = vmotion_nic(d, args, &info, err, err_size);

	if (ret == 0)
		ret = arg_uint(args, "port", false, 1, 65535, &p, "port", err, err_size);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	v->host = d->host;
	snprintf(v->iface, sizeof(v->iface), "%s", info.name);
	snprintf(v->netstack, sizeof(v->netstack), "%s", info.netstack);
	v->local = info.ipv4;
	v->port = (uint16_t)p;
	ret = vmk_tcp_open(d->host, info.netstack, &v->sock);
	if (ret == 0)
		ret = vmk_tcp_set_buffers(v->sock, VMO_BUF_SIZE, VMO_BUF_SIZE);
	if (ret == 0)
		ret = vmk_tcp_bind(v->sock, info.ipv4, port != 0 ? v->port : 0);
	if (ret < 0) {
		op_errf(err, err_size, "cannot open a TCP socket on %s (%s): %s", info.name,
			info.netstack, op_why(ret));
		vmk_tcp_close(v->sock);
		v->sock = NULL;
	}
	return ret;
}

/* Reset the progress and start the thread. */
static int job_start(struct vmotion *v, void *(*fn)(void *), enum vmo_state first,
		     char *err, size_t err_size)
{
	int ret;

	pthread_mutex_lock(&v->lock);
	v->state = first;
	v->bytes = v->pages_checked = 0;
	v->t_start_ns = v->t_end_ns = 0;
	v->error[0] = '\0';
	pthread_mutex_unlock(&v->lock);
	ret = rte_ctrl_thread_create(&v->thread, "vmk-vmotion", NULL, fn, v);
	ret = ret > 0 ? -ret : ret;
	if (ret < 0) {
		set_state(v, VMO_IDLE);
		vmk_tcp_close(v->sock);
		v->sock = NULL;
		op_errf(err, err_size, "cannot start the transfer thread: %s", strerror(-ret));
		return ret;
	}
	v->joinable = true;
	return 0;
}

static int vmotion_receive(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			   size_t err_size)
{
	struct vmotion *v;
	uint32_t wait_s = 60;
	int ret = arg_uint(args, "wait", false, 1, 3600, &wait_s, "wait (seconds)", err,
			   err_size);

	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = job_take(d, &v, err, err_size);
	if (ret == 0)
		ret = job_setup(d, v, args, 1, err, err_size);
	if (ret < 0)
		return ret;
	v->sender = false;
	v->peer = 0;
	v->total = v->seed = 0;
	v->wait_s = wait_s;
	ret = vmk_tcp_listen(v->sock, 1);
	if (ret < 0) {
		op_errf(err, err_size, "cannot listen on port %u of %s: %s", v->port, v->iface,
			op_why(ret));
		vmk_tcp_close(v->sock);
		v->sock = NULL;
		return ret;
	}
	*result = NULL;
	return job_start(v, recv_main, VMO_LISTENING, err, err_size);
}

static int vmotion_send(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			size_t err_size)
{
	struct vmotion *v;
	uint32_t peer, mib, seed = 1;
	int ret = arg_ipv4(args, "host", true, &peer, "destination", err, err_size);

	if (ret == 0)
		ret = arg_uint(args, "size", true, 1, VMO_MIB_MAX, &mib, "size (MiB)", err,
			       err_size);
	if (ret == 0)
		ret = arg_uint(args, "seed", false, 0, UINT32_MAX, &seed, "seed", err, err_size);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = job_take(d, &v, err, err_size);
	if (ret == 0)
		ret = job_setup(d, v, args, 0, err, err_size);
	if (ret < 0)
		return ret;
	v->sender = true;
	v->peer = peer;
	v->total = (uint64_t)mib << 20;
	v->seed = seed;
	*result = NULL;
	return job_start(v, send_main, VMO_CONNECTING, err, err_size);
}

static void add_addr(cJSON *o, const char *key, uint32_t a)
{
	char s[INET_ADDRSTRLEN] = "";

	if (a != 0)
		inet_ntop(AF_INET, &a, s, sizeof(s));
	cJSON_AddStringToObject(o, key, s);
}

static int vmotion_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		       size_t err_size)
{
	struct vmotion *v = d->vmotion;
	cJSON *o = cJSON_CreateObject();
	uint64_t end, ms = 0;

	(void)args;
	(void)err;
	(void)err_size;
	if (o == NULL)
		return -ENOMEM;
	if (v == NULL) {
		cJSON_AddStringToObject(o, "state", "idle");
		*result = o;
		return 0;
	}
	pthread_mutex_lock(&v->lock);
	end = v->t_end_ns != 0 ? v->t_end_ns : now_ns();
	if (v->t_start_ns != 0)
		ms = (end - v->t_start_ns) / 1000000u;
	cJSON_AddStringToObject(o, "state", state_names[v->state]);
	cJSON_AddStringToObject(o, "role", v->state == VMO_IDLE ? "" :
				v->sender ? "source" : "destination");
	cJSON_AddStringToObject(o, "interface", v->iface);
	cJSON_AddStringToObject(o, "netstack", v->netstack);
	add_addr(o, "local_address", v->local);
	add_addr(o, "peer_address", v->peer);
	cJSON_AddNumberToObject(o, "port", v->port);
	cJSON_AddNumberToObject(o, "size_mib", (double)(v->total >> 20));
	cJSON_AddNumberToObject(o, "seed", (double)v->seed);
	cJSON_AddNumberToObject(o, "bytes", (double)v->bytes);
	cJSON_AddNumberToObject(o, "pages", (double)(v->total / VMO_PAGE));
	cJSON_AddNumberToObject(o, "pages_checked", (double)v->pages_checked);
	cJSON_AddNumberToObject(o, "elapsed_ms", (double)ms);
	cJSON_AddNumberToObject(o, "mib_per_s", ms > 0 ?
				(double)(v->bytes * 1000 / ms >> 20) : 0);
	cJSON_AddStringToObject(o, "error", v->error);
	pthread_mutex_unlock(&v->lock);
	*result = o;
	return 0;
}

void vmknetd_vmotion_stop(struct daemon *d)
{
	struct vmotion *v = d->vmotion;

	if (v == NULL)
		return;
	__atomic_store_n(&v->stop, 1, __ATOMIC_RELEASE);
	if (v->joinable)
		pthread_join(v->thread, NULL);
	vmk_tcp_close(v->sock);
	pthread_mutex_destroy(&v->lock);
	free(v);
	d->vmotion = NULL;
}

const struct op vmotion_ops[] = {
	{ "vmotion.receive", vmotion_receive, NULL },
	{ "vmotion.send", vmotion_send, NULL },
	{ "vmotion.get", vmotion_get, NULL },
	{ NULL, NULL, NULL },
};
