/*
 * The process's session with vmknetd (sockets/shm.h): the lazy attach on
 * the first vmknet socket, the channel round trip, fork and exit.
 *
 * Threads: vmkp_sess.mu serializes the attach and every round trip on the
 * channel (one request, one reply). fork: the prepare handler takes the
 * mutex so the child never inherits half a message; the child drops the
 * inherited session (its sockets turn stale by the epoch) and attaches its
 * own when it opens a socket. At exit, DETACH lets vmknetd close what is
 * left gracefully instead of resetting it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmknet/ctl.h"
#include "sockets/preload.h"

struct vmkp_session vmkp_sess = {
	.mu = PTHREAD_MUTEX_INITIALIZER, .ctl_fd = -1, .bell_fd = -1,
};

#define ATTACH_TIMEOUT_MS 5000
#define REPLY_MAX 4096

/* ---- small helpers ------------------------------------------------------ */

int vmkp_fd_high(int fd)
{
	static int base = -1;
	struct rlimit rl;
	int nfd;

	if (base < 0) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < 1024)
			base = (int)rl.rlim_cur / 2;
		else
			base = 512;
	}
	nfd = vmkp_real.fcntl(fd, F_DUPFD_CLOEXEC, base);
	if (nfd < 0) {
		vmkp_real.fcntl(fd, F_SETFD, FD_CLOEXEC);
		nfd = fd;
	} else {
		vmkp_real.close(fd);
	}
	vmkp_priv_add(nfd);
	return nfd;
}

static const char *ctl_path(void)
{
	const char *p = getenv("VMKRUN_CONTROL");

	return p && *p ? p : VMK_CTL_DEFAULT_SOCKET;
}

/* Append "key":"value" with the value JSON-escaped. */
static void json_str(char *buf, size_t cap, const char *key, const char *v)
{
	size_t n = strlen(buf);

	n += (size_t)snprintf(buf + n, cap > n ? cap - n : 0, ",\"%s\":\"", key);
	for (; *v && n + 8 < cap; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			n += (size_t)snprintf(buf + n, cap - n, "\\%c", c);
		else if (c < 0x20)
			n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	strncat(buf, "\"", cap - strlen(buf) - 1);
}

static int build_request(char *buf, size_t cap)
{
	const char *ns = getenv("VMKRUN_NETSTACK"), *nic = getenv("VMKRUN_VMKNIC");
	const char *slots = getenv("VMKRUN_SLOTS"), *ring = getenv("VMKRUN_RING_SIZE");
	size_t n;

	snprintf(buf, cap, "{\"op\":\"%s\",\"args\":{\"pid\":%d", VMKS_ATTACH_OP, (int)getpid());
	json_str(buf, cap, "program", program_invocation_short_name);
	if (ns && *ns)
		json_str(buf, cap, "netstack", ns);
	if (nic && *nic)
		json_str(buf, cap, "vmknic", nic);
	n = strlen(buf);
	if (slots && *slots)
		n += (size_t)snprintf(buf + n, cap - n, ",\"slots\":%lu", strtoul(slots, NULL, 0));
	if (ring && *ring)
		n += (size_t)snprintf(buf + n, cap - n, ",\"ring_size\":%lu",
				      strtoul(ring, NULL, 0));
	n += (size_t)snprintf(buf + n, cap - n, "}}\n");
	return n < cap ? (int)n : -E2BIG;
}

/* The value after "key": in a JSON text (NULL when absent). */
static const char *json_find(const char *js, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = js; (p = strchr(p, '"')); p++) {
		if (strncmp(p + 1, key, kl) || p[kl + 1] != '"')
			continue;
		p += kl + 2;
		while (*p == ' ')
			p++;
		if (*p != ':')
			continue;
		for (p++; *p == ' '; p++)
			;
		return p;
	}
	return NULL;
}

static long json_num(const char *js, const char *key, long dflt)
{
	const char *v = json_find(js, key);

	return v && (*v == '-' || (*v >= '0' && *v <= '9')) ? strtol(v, NULL, 10) : dflt;
}

static void json_text(const char *js, const char *key, char *out, size_t cap)
{
	const char *v = json_find(js, key);
	size_t n = 0;

	out[0] = '\0';
	if (!v || *v != '"')
		return;
	for (v++; *v && *v != '"' && n + 1 < cap; v++) {
		if (*v == '\\' && v[1])
			v++;
		out[n++] = *v;
	}
	out[n] = '\0';
}

/* ---- attach -------------------------------------------------------------- */

static int ctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = vmkp_real.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (vmkp_real.connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = -errno;

		vmkp_real.close(fd);
		return e;
	}
	return vmkp_fd_high(fd);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = vmkp_real.send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Take the descriptors a message carried. */
static void take_fds(struct msghdr *mh, int fds[2], int *nfds)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (int i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*nfds < 2)
				fds[(*nfds)++] = got;
			else
				vmkp_real.close(got);
		}
	}
}

/* Read the reply line and the descriptors that came with it. Nothing past
 * the line may be taken (the channel's messages follow): peek, then take
 * up to the newline. */
static int read_reply(int fd, char *buf, size_t cap, int fds[2], int *nfds)
{
	size_t n = 0;

	while (n + 1 < cap) {
		char cbuf[CMSG_SPACE(4 * sizeof(int))];
		struct iovec iov = { buf + n, cap - 1 - n };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t r;
		char *nl;

		if (vmkp_real.poll(&pfd, 1, ATTACH_TIMEOUT_MS) == 0)
			return -ETIMEDOUT;
		r = vmkp_real.recv(fd, buf + n, cap - 1 - n, MSG_PEEK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EPROTO;
		nl = memchr(buf + n, '\n', (size_t)r);
		iov.iov_len = nl ? (size_t)(nl - (buf + n)) + 1 : (size_t)r;
		r = vmkp_real.recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (r <= 0)
			return r < 0 ? -errno : -EPROTO;
		take_fds(&mh, fds, nfds);
		n += (size_t)r;
		if (nl)
			break;
	}
	buf[n] = '\0';
	return n && buf[n - 1] == '\n' ? 0 : -E2BIG;
}

/* Map the segment and check it says what the reply said. */
static int map_segment(int memfd, const char *js)
{
	struct vmkp_session *S = &vmkp_sess;
	long slots = json_num(js, "slots", 0), ring = json_num(js, "ring_size", 0);
	long size = json_num(js, "shm_size", 0);
	struct vmks_shm_hdr *h;

	if (slots <= 0 || slots > (long)VMKS_MAX_SLOTS || !vmks_ring_size_ok((uint64_t)ring) ||
	    (uint64_t)size != vmks_shm_size((uint32_t)slots, (uint32_t)ring))
		return -EPROTO;
	h = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (h == MAP_FAILED)
		return -errno;
	if (h->magic != VMKS_MAGIC || h->version != VMKS_VERSION ||
	    h->n_slots != (uint32_t)slots || h->ring_size != (uint32_t)ring ||
	    h->slot_offset != vmks_slot_offset() ||
	    h->data_offset != vmks_data_offset((uint32_t)slots) ||
	    h->shm_size != (uint64_t)size) {
		munmap(h, (size_t)size);
		return -EPROTO;
	}
	S->shm = (uint8_t *)h;
	S->shm_size = (uint64_t)size;
	S->n_slots = (uint32_t)slots;
	S->ring_size = (uint32_t)ring;
	S->slot_offset = h->slot_offset;
	S->data_offset = h->data_offset;
	return 0;
}

static int attach_locked(char *why, size_t whycap)
{
	struct vmkp_session *S = &vmkp_sess;
	char req[1024], rep[REPLY_MAX];
	int fds[2] = { -1, -1 }, nfds = 0, fd, err;

	fd = ctl_connect(ctl_path());
	if (fd < 0)
		return fd;
	err = build_request(req, sizeof(req));
	if (err >= 0)
		err = write_all(fd, req, (size_t)err);
	if (err == 0)
		err = read_reply(fd, rep, sizeof(rep), fds, &nfds);
	if (err == 0 && !strstr(rep, "\"ok\":true") && !strstr(rep, "\"ok\": true")) {
		json_text(rep, "error", why, whycap);
		err = -(int)json_num(rep, "errno", EPROTO);
	}
	if (err == 0 && nfds != 2)
		err = -EPROTO;
	if (err == 0)
		err = map_segment(fds[0], rep);
	if (nfds > 0)
		vmkp_real.close(fds[0]);     /* the mapping keeps the segment */
	if (err) {
		if (nfds > 1)
			vmkp_real.close(fds[1]);
		vmkp_priv_close(fd);
		return err;
	}
	S->ctl_fd = fd;
	S->bell_fd = vmkp_fd_high(fds[1]);
	S->id = json_num(rep, "session", 0);
	json_text(rep, "netstack", S->netstack, sizeof(S->netstack));
	json_text(rep, "vmknic", S->vmknic, sizeof(S->vmknic));
	json_text(rep, "address", S->address, sizeof(S->address));
	__atomic_store_n(&S->attached, 1, __ATOMIC_RELEASE);
	return 0;
}

int vmkp_session_get(void)
{
	char why[256] = "";
	int err = 0;

	if (__atomic_load_n(&vmkp_sess.attached, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&vmkp_sess.mu);
	if (!vmkp_sess.attached)
		err = attach_locked(why, sizeof(why));
	if (err && !vmkp_sess.attach_err_shown) {
		vmkp_sess.attach_err_shown = 1;
		fprintf(stderr, "vmkrun: cannot attach to vmknetd at %s: %s%s%s\n", ctl_path(),
			strerror(-err), *why ? ": " : "", why);
	}
	pthread_mutex_unlock(&vmkp_sess.mu);
	return err;
}

/* ---- the channel ---------------------------------------------------------- */

static int send_req(const struct vmks_req *req, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)req, sizeof(*req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		r = vmkp_real.sendmsg(vmkp_sess.ctl_fd, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)sizeof(*req))
		return 0;
	return r < 0 ? -errno : -EPROTO;
}

static int recv_rep(struct vmks_reply *rep)
{
	size_t n = 0;

	while (n < sizeof(*rep)) {
		ssize_t r = vmkp_real.recv(vmkp_sess.ctl_fd, (char *)rep + n, sizeof(*rep) - n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ECONNRESET;
		n += (size_t)r;
	}
	return 0;
}

int vmkp_call(struct vmks_req *req, int fd, struct vmks_reply *rep)
{
	int err;

	memset(rep, 0, sizeof(*rep));
	pthread_mutex_lock(&vmkp_sess.mu);
	if (!vmkp_sess.attached || vmkp_sess.ctl_fd < 0)
		err = -ECONNRESET;
	else
		err = send_req(req, fd);
	if (err == 0)
		err = recv_rep(rep);
	if (err) {
		/* vmknetd went away: nothing on this channel will work again */
		vmkp_priv_close(vmkp_sess.ctl_fd);
		vmkp_sess.ctl_fd = -1;
		err = -ECONNRESET;
	}
	pthread_mutex_unlock(&vmkp_sess.mu);
	return err ? err : rep->ret;
}

/* ---- vmkrun --check -------------------------------------------------------- */

VMKP_EXPORT int vmkp_check(void)
{
	vmkp_real_init();
	if (vmkp_session_get())
		return 1;
	/* without --vmknic, vmknetd names no adapter: the netstack routes */
	printf("session %ld netstack %s vmknic %s address %s slots %u ring_size %u\n",
	       vmkp_sess.id, vmkp_sess.netstack, *vmkp_sess.vmknic ? vmkp_sess.vmknic : "-",
	       *vmkp_sess.address ? vmkp_sess.address : "-", vmkp_sess.n_slots,
	       vmkp_sess.ring_size);
	return 0;
}

/* ---- fork and exit ---------------------------------------------------------- */

static void fork_prepare(void)
{
	pthread_mutex_lock(&vmkp_sess.mu);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&vmkp_sess.mu);
}

static void fork_child(void)
{
	struct vmkp_session *S = &vmkp_sess;
	pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;

	S->mu = init;
	vmkp_fdtab_after_fork();
	if (!S->attached)
		return;
	vmkp_priv_close(S->ctl_fd);
	vmkp_priv_close(S->bell_fd);
	munmap(S->shm, S->shm_size);
	S->ctl_fd = S->bell_fd = -1;
	S->shm = NULL;
	S->attached = 0;
	S->attach_err_shown = 0;
	__atomic_add_fetch(&S->epoch, 1, __ATOMIC_RELEASE);
}

__attribute__((constructor(102))) static void session_ctor(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* Exit: DETACH, and do not wait for the answer (the channel's end right
 * after it is what vmknetd acts on; it reads the two in order). */
__attribute__((destructor)) static void session_dtor(void)
{
	struct vmks_req req = { .op = VMKS_OP_DETACH };

	if (!__atomic_load_n(&vmkp_sess.attached, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&vmkp_sess.mu);
	if (vmkp_sess.ctl_fd >= 0)
		send_req(&req, -1);
	pthread_mutex_unlock(&vmkp_sess.mu);
}
