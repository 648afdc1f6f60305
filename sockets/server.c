/*
 * The session server (sockets/server.h): the attach (the takeover of a
 * "session.attach" control request: checks, the sealed memfd, the
 * doorbell, the reply with both descriptors), the hand-over to the server
 * thread, and that thread's loop: one kernel epoll over its wake eventfd,
 * each session's channel and doorbell, and the eventfd of one vmk_epoll
 * set that holds every server-side socket.
 *
 * Thread: vmks_server_create/attach/list/destroy on the attach thread
 * (vmknetd's main thread); sessions, once queued, on the server thread.
 * A session's status (atomic) says who owns it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <vmknet/epoll.h>
#include <vmknet/netstack.h>
#include <vmknet/tcp.h>
#include <vmknet/udp.h>
#include <vmknet/vmknic.h>

#include "sockets/server_impl.h"

#define SRV_EVENTS 64

static uint64_t tag(unsigned int kind, unsigned int index)
{
	return (uint64_t)kind << 32 | index;
}

static int kep_add(struct vmks_server *srv, int fd, unsigned int kind, unsigned int index)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag(kind, index) };

	return epoll_ctl(srv->kep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void srv_session_fail(struct vmks_session *ss, const char *why)
{
	if (!ss->dead)
		ss->why = why;
	ss->dead = true;
}

/* Release everything of a session: sockets (reset unless they closed),
 * the mapping, the descriptors; the entry is free again. */
static void session_release(struct vmks_session *ss)
{
	for (uint32_t i = 0; ss->slots != NULL && i < ss->n_slots; i++)
		if (ss->slots[i].in_use)
			srv_slot_free(ss, i, true);
	free(ss->slots);
	ss->slots = NULL;
	if (ss->shm != NULL)
		munmap(ss->shm, ss->shm_size);
	ss->shm = NULL;
	if (ss->chan >= 0)
		close(ss->chan);
	if (ss->doorbell >= 0)
		close(ss->doorbell);
	if (ss->memfd >= 0)
		close(ss->memfd);
	ss->chan = ss->doorbell = ss->memfd = -1;
	__atomic_store_n(&ss->status, SESS_FREE, __ATOMIC_RELEASE);
}

static void session_end(struct vmks_session *ss)
{
	unsigned int reset = 0;

	for (uint32_t i = 0; i < ss->n_slots; i++)
		reset += ss->slots[i].in_use;
	fprintf(stderr, "vmknetd: session %u (%s, pid %d) ended: %s%s", ss->id, ss->program,
		ss->pid, ss->why != NULL ? ss->why : "closed", reset > 0 ? ", " : "\n");
	if (reset > 0)
		fprintf(stderr, "%u socket(s) left open, now closed (TCP ones reset)\n", reset);
	session_release(ss);
}

/* The channel ended. Without DETACH the process died: every socket it
 * still had is reset (UDP closed). Sockets it had closed already, and all
 * of them after DETACH (one it opened after DETACH closes now), finish
 * closing gracefully: the session lingers until they did. */
static void session_chan_gone(struct vmks_server *srv, struct vmks_session *ss)
{
	unsigned int reset = 0;

	for (uint32_t i = 0; i < ss->n_slots && !ss->dead; i++) {
		if (!ss->slots[i].in_use || ss->slots[i].closing)
			continue;
		reset += !ss->detached;
		srv_slot_close(srv, ss, i, !ss->detached);
	}
	if (ss->dead)
		return;
	fprintf(stderr, "vmknetd: session %u (%s, pid %d): the channel closed%s, %u socket(s) "
		"reset, %u closing\n", ss->id, ss->program, ss->pid,
		ss->detached ? " after DETACH" : " without DETACH (the process died)", reset,
		ss->n_open);
	epoll_ctl(srv->kep, EPOLL_CTL_DEL, ss->chan, NULL);
	epoll_ctl(srv->kep, EPOLL_CTL_DEL, ss->doorbell, NULL);
	ss->chan_gone = true;
}

static void session_activate(struct vmks_server *srv, struct vmks_session *ss)
{
	if (kep_add(srv, ss->chan, TAG_CHAN, ss->index) < 0 ||
	    kep_add(srv, ss->doorbell, TAG_BELL, ss->index) < 0) {
		ss->why = "cannot watch its channel";
		session_end(ss);
		return;
	}
	__atomic_store_n(&ss->status, SESS_ACTIVE, __ATOMIC_RELEASE);
}

/* Take the sessions queued by attach; returns true when the server stops. */
static bool take_queue(struct vmks_server *srv)
{
	unsigned int q[VMKS_MAX_SESSIONS], n;
	uint64_t v;
	bool stop;

	if (read(srv->wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return true;
	pthread_mutex_lock(&srv->lock);
	n = srv->q_len;
	memcpy(q, srv->queue, n * sizeof(q[0]));
	srv->q_len = 0;
	stop = srv->stopping;
	pthread_mutex_unlock(&srv->lock);
	for (unsigned int i = 0; i < n; i++)
		session_activate(srv, &srv->sessions[q[i]]);
	return stop;
}

static void vmkep_events(struct vmks_server *srv)
{
	struct vmk_epoll_event ev[SRV_EVENTS];
	int n;

	do {
		n = vmk_epoll_wait(srv->ep, ev, SRV_EVENTS, 0);
		for (int i = 0; i < n; i++) {
			struct vmks_session *ss = &srv->sessions[(ev[i].data.u64 >> 32) %
								 VMKS_MAX_SESSIONS];
			uint32_t slot = (uint32_t)ev[i].data.u64;

			if (__atomic_load_n(&ss->status, __ATOMIC_ACQUIRE) != SESS_ACTIVE ||
			    ss->dead || slot >= ss->n_slots)
				continue;
			srv_slot_event(srv, ss, slot, ev[i].events);
		}
	} while (n == SRV_EVENTS);
}

static void dispatch(struct vmks_server *srv, const struct epoll_event *ev)
{
	unsigned int kind = (unsigned int)(ev->data.u64 >> 32);
	struct vmks_session *ss = &srv->sessions[(uint32_t)ev->data.u64 % VMKS_MAX_SESSIONS];

	if (kind == TAG_VMKEP) {
		vmkep_events(srv);
		return;
	}
	if (__atomic_load_n(&ss->status, __ATOMIC_ACQUIRE) != SESS_ACTIVE || ss->dead ||
	    ss->chan_gone)
		return;
	if (kind == TAG_CHAN) {
		if (srv_chan_serve(srv, ss) < 0 && !ss->dead)
			session_chan_gone(srv, ss);
	} else if (kind == TAG_BELL) {
		srv_doorbell(srv, ss);
	}
}

/* End the sessions that failed this round; free the lingering ones that
 * finished closing. */
static void reap(struct vmks_server *srv)
{
	for (unsigned int i = 0; i < VMKS_MAX_SESSIONS; i++) {
		struct vmks_session *ss = &srv->sessions[i];

		if (__atomic_load_n(&ss->status, __ATOMIC_ACQUIRE) != SESS_ACTIVE)
			continue;
		if (ss->chan_gone && !ss->dead && ss->n_open == 0) {
			ss->why = "its channel closed and its sockets finished closing";
			ss->dead = true;
		}
		if (ss->dead)
			session_end(ss);
	}
}

static void *server_thread(void *arg)
{
	struct vmks_server *srv = arg;
	struct epoll_event ev[SRV_EVENTS];
	bool stop = false;

	while (!stop) {
		int n = epoll_wait(srv->kep, ev, SRV_EVENTS, -1);

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 >> 32 == TAG_WAKE)
				stop |= take_queue(srv);
			else
				dispatch(srv, &ev[i]);
		}
		reap(srv);
	}
	for (unsigned int i = 0; i < VMKS_MAX_SESSIONS; i++) {
		struct vmks_session *ss = &srv->sessions[i];

		if (__atomic_load_n(&ss->status, __ATOMIC_ACQUIRE) == SESS_FREE)
			continue;
		if (!ss->dead)
			ss->why = "vmknetd stops";
		session_end(ss);
	}
	return NULL;
}

static int server_open_fds(struct vmks_server *srv)
{
	int ret;

	srv->kep = epoll_create1(EPOLL_CLOEXEC);
	srv->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->kep < 0 || srv->wake < 0)
		return -errno;
	ret = vmk_epoll_create(&srv->ep);
	if (ret < 0)
		return ret;
	ret = kep_add(srv, srv->wake, TAG_WAKE, 0);
	if (ret == 0)
		ret = kep_add(srv, vmk_epoll_fd(srv->ep), TAG_VMKEP, 0);
	return ret;
}

int vmks_server_create(struct vmk_host *host, struct vmks_server **out)
{
	struct vmks_server *srv;
	int ret;

	if (host == NULL || out == NULL)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->host = host;
	srv->kep = srv->wake = -1;
	srv->next_id = 1;
	pthread_mutex_init(&srv->lock, NULL);
	for (unsigned int i = 0; i < VMKS_MAX_SESSIONS; i++) {
		srv->sessions[i].index = i;
		srv->sessions[i].chan = srv->sessions[i].doorbell = srv->sessions[i].memfd = -1;
	}
	ret = server_open_fds(srv);
	if (ret == 0)
		ret = -pthread_create(&srv->thread, NULL, server_thread, srv);
	if (ret < 0) {
		vmks_server_destroy(srv);
		return ret;
	}
	pthread_setname_np(srv->thread, "vmk-sessions");
	srv->started = true;
	*out = srv;
	return 0;
}

void vmks_server_destroy(struct vmks_server *srv)
{
	uint64_t one = 1;

	if (srv == NULL)
		return;
	if (srv->started) {
		pthread_mutex_lock(&srv->lock);
		srv->stopping = true;
		pthread_mutex_unlock(&srv->lock);
		if (write(srv->wake, &one, sizeof(one)) < 0)
			fprintf(stderr, "vmknetd: cannot wake the session thread: %s\n",
				strerror(errno));
		pthread_join(srv->thread, NULL);
	}
	/* Reserved but never queued (an attach that failed half way) is
	 * released by the attach itself; nothing else is left. */
	vmk_epoll_destroy(srv->ep);
	if (srv->kep >= 0)
		close(srv->kep);
	if (srv->wake >= 0)
		close(srv->wake);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

unsigned int vmks_server_list(struct vmks_server *srv, struct vmks_session_info *out,
			      unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; srv != NULL && i < VMKS_MAX_SESSIONS; i++) {
		struct vmks_session *ss = &srv->sessions[i];
		struct vmks_session_info *o;

		/* RESERVED, seen from the attach thread: attached and queued */
		if (__atomic_load_n(&ss->status, __ATOMIC_ACQUIRE) == SESS_FREE)
			continue;
		if (n < max) {
			o = &out[n];
			o->session = ss->id;
			o->pid = ss->pid;
			snprintf(o->program, sizeof(o->program), "%s", ss->program);
			snprintf(o->netstack, sizeof(o->netstack), "%s", ss->netstack);
			snprintf(o->vmknic, sizeof(o->vmknic), "%s", ss->vmknic);
			o->sockets = __atomic_load_n(&ss->n_open, __ATOMIC_RELAXED);
		}
		n++;
	}
	return n;
}

/* ---- attach -------------------------------------------------------------- */

struct attach_args {
	const char *netstack, *vmknic, *program;
	uint32_t slots, ring_size;
	int pid;
};

static void refuse(int fd, int err, const char *why)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "{\"ok\":false,\"errno\":%d,\"error\":\"%s\"}\n", err, why);
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		fprintf(stderr, "vmknetd: session refusal not sent: %s\n", strerror(errno));
	close(fd);
}

static int arg_text(const cJSON *args, const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= SRV_NAME_MAX)
		return -EINVAL;
	*out = v->valuestring;
	return 0;
}

static int arg_number(const cJSON *args, const char *key, double lo, double hi, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -EINVAL;
	*out = v->valuedouble;
	return 0;
}

/* The arguments, checked; why says what is wrong. */
static int attach_parse(const cJSON *args, struct attach_args *a, const char **why)
{
	double slots = VMKS_DEFAULT_SLOTS, ring = VMKS_DEFAULT_RING, pid = 0;

	*a = (struct attach_args){ .program = "?" };
	if (args != NULL && !cJSON_IsObject(args)) {
		*why = "args must be an object";
		return -EINVAL;
	}
	if (arg_text(args, "netstack", &a->netstack) < 0 ||
	    arg_text(args, "vmknic", &a->vmknic) < 0 || arg_text(args, "program", &a->program) < 0) {
		*why = "netstack, vmknic and program must be strings of at most 63 bytes";
		return -EINVAL;
	}
	if (arg_number(args, "slots", 1, VMKS_MAX_SLOTS, &slots) < 0) {
		*why = "slots must be an integer 1..1024";
		return -EINVAL;
	}
	if (arg_number(args, "ring_size", 0, 1e12, &ring) < 0 || !vmks_ring_size_ok((uint64_t)ring)) {
		*why = "ring_size must be a power of two, 4096..16777216";
		return -EINVAL;
	}
	if (arg_number(args, "pid", 0, 1 << 30, &pid) < 0) {
		*why = "pid must be a positive integer";
		return -EINVAL;
	}
	a->slots = (uint32_t)slots;
	a->ring_size = (uint32_t)ring;
	a->pid = (int)pid;
	if ((uint64_t)a->slots * 2u * a->ring_size > VMKS_MAX_SHM) {
		*why = "slots * 2 * ring_size exceeds 1 GiB";
		return -EINVAL;
	}
	return 0;
}

/* The session's netstack and vmknic exist (and agree). */
static int attach_place(struct vmks_server *srv, const struct attach_args *a,
			struct vmks_session *ss, const char **why)
{
	struct vmk_netstack_stats st;
	struct vmk_vmknic_info info;
	const char *ns = a->netstack;

	ss->vmknic[0] = '\0';
	ss->vmknic_addr = 0;
	if (a->vmknic != NULL) {
		if (vmk_vmknic_get(srv->host, a->vmknic, &info) < 0) {
			*why = "no such vmknic";
			return -ENOENT;
		}
		if (ns != NULL && strcmp(ns, info.netstack) != 0) {
			*why = "the vmknic belongs to another netstack";
			return -EINVAL;
		}
		snprintf(ss->vmknic, sizeof(ss->vmknic), "%s", a->vmknic);
		ss->vmknic_addr = info.ipv4;
		ns = info.netstack;
	}
	if (ns == NULL)
		ns = "defaultTcpipStack";
	if (vmk_netstack_get_stats(srv->host, ns, &st) < 0) {
		*why = "no such netstack";
		return -ENOENT;
	}
	snprintf(ss->netstack, sizeof(ss->netstack), "%s", ns);
	return 0;
}

/* The shared segment (sealed memfd, mapped, header written) and the
 * doorbell. */
static int attach_shm(struct vmks_session *ss, const char **why)
{
	struct vmks_shm_hdr *h;

	ss->shm_size = vmks_shm_size(ss->n_slots, ss->ring_size);
	ss->data_offset = vmks_data_offset(ss->n_slots);
	*why = "cannot create the shared segment";
	ss->memfd = memfd_create("vmknet-session", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (ss->memfd < 0 || ftruncate(ss->memfd, (off_t)ss->shm_size) < 0 ||
	    fcntl(ss->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -errno;
	ss->shm = mmap(NULL, ss->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, ss->memfd, 0);
	if (ss->shm == MAP_FAILED) {
		ss->shm = NULL;
		return -errno;
	}
	h = ss->shm;
	h->magic = VMKS_MAGIC;
	h->version = VMKS_VERSION;
	h->n_slots = ss->n_slots;
	h->ring_size = ss->ring_size;
	h->slot_offset = (uint32_t)vmks_slot_offset();
	h->data_offset = ss->data_offset;
	h->shm_size = ss->shm_size;
	*why = "out of memory";
	ss->slots = calloc(ss->n_slots, sizeof(*ss->slots));
	if (ss->slots == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < ss->n_slots; i++)
		ss->slots[i].fd_b = -1;
	*why = "cannot create the doorbell";
	ss->doorbell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return ss->doorbell < 0 ? -errno : 0;
}

static int attach_reply(int fd, struct vmks_session *ss)
{
	char text[768], addr[INET_ADDRSTRLEN], cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { .iov_base = text };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fds[2] = { ss->memfd, ss->doorbell }, n;
	char nic[SRV_NAME_MAX + 64] = "";

	if (ss->vmknic[0] != '\0') {
		inet_ntop(AF_INET, &ss->vmknic_addr, addr, sizeof(addr));
		snprintf(nic, sizeof(nic), ",\"vmknic\":\"%s\",\"address\":\"%s\"", ss->vmknic,
			 addr);
	}
	n = snprintf(text, sizeof(text), "{\"ok\":true,\"result\":{\"session\":%u,"
		     "\"netstack\":\"%s\"%s,\"slots\":%u,\"ring_size\":%u,\"shm_size\":%llu}}\n",
		     ss->id, ss->netstack, nic, ss->n_slots, ss->ring_size,
		     (unsigned long long)ss->shm_size);
	iov.iov_len = (size_t)n;
	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) == n ? 0 : -EIO;
}

static struct vmks_session *session_reserve(struct vmks_server *srv)
{
	for (unsigned int i = 0; i < VMKS_MAX_SESSIONS; i++) {
		int expect = SESS_FREE;

		if (__atomic_compare_exchange_n(&srv->sessions[i].status, &expect, SESS_RESERVED,
						false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return &srv->sessions[i];
	}
	return NULL;
}

static void session_queue(struct vmks_server *srv, struct vmks_session *ss)
{
	uint64_t one = 1;

	pthread_mutex_lock(&srv->lock);
	srv->queue[srv->q_len++] = ss->index;
	pthread_mutex_unlock(&srv->lock);
	if (write(srv->wake, &one, sizeof(one)) < 0)
		fprintf(stderr, "vmknetd: cannot wake the session thread: %s\n", strerror(errno));
}

/* Fill a reserved session from checked arguments, reply, queue it. */
static int attach_session(struct vmks_server *srv, int fd, const struct attach_args *a,
			  struct vmks_session *ss, const char **why)
{
	int ret;

	ss->n_slots = a->slots;
	ss->ring_size = a->ring_size;
	ss->pid = a->pid;
	ss->detached = ss->chan_gone = ss->dead = false;
	ss->why = NULL;
	ss->n_open = 0;
	snprintf(ss->program, sizeof(ss->program), "%s", a->program);
	ret = attach_place(srv, a, ss, why);
	if (ret == 0)
		ret = attach_shm(ss, why);
	if (ret < 0)
		return ret;
	ss->id = srv->next_id++;
	ret = attach_reply(fd, ss);
	if (ret < 0) {
		*why = "the reply could not be sent";
		return ret;
	}
	ss->chan = fd;
	fprintf(stderr, "vmknetd: session %u (%s, pid %d) attached: netstack %s%s%s, "
		"%u slots of 2 x %u bytes\n", ss->id, ss->program, ss->pid, ss->netstack,
		ss->vmknic[0] ? ", vmknic " : "", ss->vmknic, ss->n_slots, ss->ring_size);
	session_queue(srv, ss);
	return 0;
}

int vmks_server_attach(struct vmks_server *srv, int fd, const char *request, size_t len)
{
	cJSON *req = cJSON_ParseWithLength(request, len);
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
	struct attach_args a;
	struct vmks_session *ss;
	const char *why = NULL;
	int ret;

	if (srv == NULL || !cJSON_IsString(op) || strcmp(op->valuestring, VMKS_ATTACH_OP) != 0) {
		cJSON_Delete(req);
		return 0;
	}
	ret = attach_parse(cJSON_GetObjectItemCaseSensitive(req, "args"), &a, &why);
	ss = ret == 0 ? session_reserve(srv) : NULL;
	if (ret == 0 && ss == NULL) {
		ret = -EMFILE;
		why = "too many sessions (64)";
	}
	if (ret == 0)
		ret = attach_session(srv, fd, &a, ss, &why);
	if (ret < 0) {
		fprintf(stderr, "vmknetd: session attach of %s (pid %d) refused: %s\n",
			a.program != NULL ? a.program : "?", a.pid, why);
		refuse(fd, -ret, why);
		if (ss != NULL)
			session_release(ss);
	}
	cJSON_Delete(req);
	return 1;
}
