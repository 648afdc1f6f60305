/*
 * Control-protocol server (include/vmknet/ctl.h): a Unix socket, mode 0600,
 * served by one poll loop. Connections are read without blocking, each into
 * its own bounded buffer; a complete request (newline or EOF) is handed to
 * the handler and the reply sent before the next request is looked at, so
 * requests never interleave and one client's failure is its own.
 *
 * Thread: the thread that calls vmk_ctl_server_poll; nothing else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <vmknet/ctl.h>

#include "common/error.h"
#include "lib/unix_socket.h"

#define CTL_MAX_CLIENTS  64
#define CTL_SEND_MS      2000   /* a client that does not read its reply */

struct ctl_client {
	int fd;                  /* -1: free slot */
	char *buf;
	size_t len, size;
	long long deadline;
	bool draining;           /* replied early: discard input, then close */
};

struct vmk_ctl_server {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	vmk_ctl_handler_fn handler;
	void *arg;
	vmk_ctl_takeover_fn takeover;   /* NULL: none */
	void *takeover_arg;
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vmk_ctl_server_create(const char *path, vmk_ctl_handler_fn handler, void *arg,
			  struct vmk_ctl_server **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vmk_ctl_server *s;
	mode_t old_mask;
	int ret;

	vmk_err_clear();
	if (path == NULL || handler == NULL || out == NULL)
		return vmk_err(-EINVAL, "control socket: no path, handler or place for the server");
	if (strlen(path) >= sizeof(sa.sun_path))
		return vmk_err(-ENAMETOOLONG, "control socket %s: the path is longer than %zu bytes",
			       path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	ret = usock_clear_stale(path);
	if (ret == -ENOTSOCK)   /* never delete a file that is not a socket */
		return vmk_err(-EEXIST, "control socket %s: a file that is not a socket is there",
			       path);
	if (ret < 0)
		return vmk_err(ret, "control socket %s: %s", path,
			       ret == -EADDRINUSE ? "another program listens on it" : strerror(-ret));
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return vmk_err(-ENOMEM, "control socket: out of memory");
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	strcpy(s->path, path);
	s->handler = handler;
	s->arg = arg;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		ret = -errno;
		vmk_err_set("control socket: %s", strerror(-ret));
		goto free_server;
	}
	/* Created 0600 from the start: no window where others could connect. */
	old_mask = umask(0177);
	ret = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old_mask);
	if (ret == 0 && chmod(path, 0600) < 0)
		ret = -errno;
	if (ret == 0 && listen(s->fd, CTL_MAX_CLIENTS) < 0)
		ret = -errno;
	if (ret < 0) {
		vmk_err(ret, "control socket %s: %s", path, strerror(-ret));
		goto close_socket;
	}
	*out = s;
	return 0;

close_socket:
	close(s->fd);
	unlink(path);
free_server:
	free(s);
	return ret;
}

static void client_close(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void send_all(int fd, const char *text, size_t len)
{
	long long deadline = now_ms() + CTL_SEND_MS;

	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			text += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return;
		if (now_ms() >= deadline || poll(&pfd, 1, CTL_SEND_MS) == 0)
			return;
	}
}

static void client_reply(struct ctl_client *c, const char *text)
{
	send_all(c->fd, text, strlen(text));
	send_all(c->fd, "\n", 1);
	client_close(c);
}

static void client_error(struct ctl_client *c, int err, const char *msg)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "{\"ok\":false,\"errno\":%d,\"error\":\"%s\"}", err, msg);
	client_reply(c, buf);
}

/* Reply before the request ended (too large): closing with unread input
 * would reset the connection and lose the reply, so read the rest of the
 * request away first, until EOF or the deadline. */
static void client_error_early(struct ctl_client *c, int err, const char *msg)
{
	char buf[256];
	size_t len;

	len = (size_t)snprintf(buf, sizeof(buf),
			       "{\"ok\":false,\"errno\":%d,\"error\":\"%s\"}\n", err, msg);
	send_all(c->fd, buf, len);
	shutdown(c->fd, SHUT_WR);
	free(c->buf);
	c->buf = NULL;
	c->len = c->size = 0;
	c->draining = true;
	c->deadline = now_ms() + VMK_CTL_TIMEOUT_MS;
}

static void client_drain(struct ctl_client *c)
{
	char sink[4096];

	for (;;) {
		ssize_t n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		client_close(c);   /* EOF or error */
		return;
	}
}

/* The connection is the taker's now: forget it without closing it. */
static void client_forget(struct ctl_client *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void client_handle(struct vmk_ctl_server *s, struct ctl_client *c)
{
	char *reply;

	c->buf[c->len] = '\0';
	if (s->takeover != NULL && s->takeover(c->fd, c->buf, c->len, s->takeover_arg) == 1) {
		client_forget(c);
		return;
	}
	reply = s->handler(c->buf, c->len, s->arg);
	if (reply == NULL) {
		client_error(c, EIO, "internal error: the request could not be handled");
		return;
	}
	client_reply(c, reply);
	free(reply);
}

/* Read what is there; handle the request once it is complete. */
static void client_read(struct vmk_ctl_server *s, struct ctl_client *c)
{
	for (;;) {
		char *nl;
		ssize_t n;

		if (c->len > VMK_CTL_REQUEST_MAX) {
			client_error_early(c, E2BIG, "request too large: the limit is 262144 bytes");
			return;
		}
		if (c->len + 1 >= c->size) {
			size_t want = c->size ? c->size * 2 : 4096;
			char *nb;

			if (want > VMK_CTL_REQUEST_MAX + 2)
				want = VMK_CTL_REQUEST_MAX + 2;
			nb = realloc(c->buf, want);
			if (nb == NULL) {
				client_error(c, ENOMEM, "out of memory");
				return;
			}
			c->buf = nb;
			c->size = want;
		}
		n = recv(c->fd, c->buf + c->len, c->size - c->len - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			client_close(c);
			return;
		}
		if (n == 0) {
			if (c->len == 0)
				client_close(c);   /* connected and left: nothing to say */
			else
				client_handle(s, c);
			return;
		}
		nl = memchr(c->buf + c->len, '\n', (size_t)n);
		c->len += (size_t)n;
		if (nl != NULL) {
			c->len = (size_t)(nl - c->buf);
			client_handle(s, c);
			return;
		}
	}
}

static void accept_clients(struct vmk_ctl_server *s)
{
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &s->clients[i];
		int fd;

		if (c->fd >= 0)
			continue;
		fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;   /* EAGAIN: no more waiting */
		c->fd = fd;
		c->deadline = now_ms() + VMK_CTL_TIMEOUT_MS;
	}
}

int vmk_ctl_server_poll(struct vmk_ctl_server *s, int timeout_ms)
{
	struct pollfd pfd[CTL_MAX_CLIENTS + 1];
	struct ctl_client *owner[CTL_MAX_CLIENTS + 1];
	unsigned int n = 0, busy = 0;
	long long now = now_ms();
	int ret;

	if (s == NULL)
		return vmk_err(-EINVAL, "no control server");
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &s->clients[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline && c->draining) {
			client_close(c);
			continue;
		}
		if (now >= c->deadline) {
			client_error(c, ETIMEDOUT, "request not complete in time (end it with a "
				     "newline)");
			continue;
		}
		if (timeout_ms < 0 || c->deadline - now < timeout_ms)
			timeout_ms = (int)(c->deadline - now);
		pfd[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		owner[n++] = c;
		busy++;
	}
	/* With every slot taken, leave new connections in the backlog. */
	if (busy < CTL_MAX_CLIENTS) {
		pfd[n] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
		owner[n++] = NULL;
	}
	ret = poll(pfd, n, timeout_ms);
	if (ret < 0 && errno != EINTR) {
		ret = -errno;
		return vmk_err(ret, "control socket %s: poll: %s", s->path, strerror(-ret));
	}
	for (unsigned int i = 0; ret > 0 && i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (owner[i] == NULL) {
			if (pfd[i].revents & (POLLERR | POLLNVAL))
				return vmk_err(-EIO, "control socket %s: error on the listening socket",
					       s->path);
			accept_clients(s);
		} else if (owner[i]->draining) {
			client_drain(owner[i]);
		} else {
			client_read(s, owner[i]);
		}
	}
	vmk_err_clear();   /* the requests' calls may have failed; this call did not */
	return 0;
}

int vmk_ctl_server_set_takeover(struct vmk_ctl_server *s, vmk_ctl_takeover_fn fn, void *arg)
{
	if (s == NULL)
		return vmk_err(-EINVAL, "no control server");
	s->takeover = fn;
	s->takeover_arg = arg;
	return 0;
}

void vmk_ctl_server_destroy(struct vmk_ctl_server *s)
{
	if (s == NULL)
		return;
	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
		client_close(&s->clients[i]);
	close(s->fd);
	unlink(s->path);
	free(s);
}
