/*
 * Control-protocol client: one request, one reply, one connection
 * (include/vmknet/ctl.h). Used by vmkcli and by anything else that drives
 * vmknetd.
 *
 * Thread: any; no shared state.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <vmknet/ctl.h>

#include "common/error.h"

#define CTL_DEFAULT_CALL_MS 30000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline. 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int send_request(int fd, const char *req, size_t len, long long deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n;
		int ret = wait_fd(fd, POLLOUT, deadline);

		if (ret < 0)
			return ret;
		n = send(fd, req + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == EPIPE || errno == ECONNRESET ? -EPROTO : -errno;
		off += (size_t)n;
	}
	/* End of request: the server may also stop at the newline. */
	if (send(fd, "\n", 1, MSG_NOSIGNAL) < 0)
		return -EPROTO;
	shutdown(fd, SHUT_WR);
	return 0;
}

static int read_reply(int fd, long long deadline, char **reply)
{
	size_t size = 4096, len = 0;
	char *buf = malloc(size);
	int ret = 0;

	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 >= size) {
			char *nb;

			if (size >= VMK_CTL_REPLY_MAX) {
				ret = -E2BIG;
				break;
			}
			nb = realloc(buf, size * 2);
			if (nb == NULL) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
			size *= 2;
		}
		ret = wait_fd(fd, POLLIN, deadline);
		if (ret < 0)
			break;
		n = recv(fd, buf + len, size - len - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			ret = errno == ECONNRESET ? -EPROTO : -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (ret == 0 && len == 0)
		ret = -EPROTO;
	if (ret < 0) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*reply = buf;
	return 0;
}

int vmk_ctl_call(const char *path, const char *request, size_t len, unsigned int timeout_ms,
		 char **reply)
{
	long long deadline = now_ms() + (timeout_ms ? timeout_ms : CTL_DEFAULT_CALL_MS);
	char *req;
	int fd, ret;

	vmk_err_clear();
	if (path == NULL || request == NULL || reply == NULL)
		return vmk_err(-EINVAL, "control call: no socket path, request or reply");
	if (len > VMK_CTL_REQUEST_MAX)
		return vmk_err(-E2BIG, "control call: a request of %zu bytes is above %u", len,
			       VMK_CTL_REQUEST_MAX);
	/* Line breaks in JSON are only whitespace between tokens (strings
	 * escape them), and a line break ends a request: make them spaces. */
	req = malloc(len + 1);
	if (req == NULL)
		return vmk_err(-ENOMEM, "control call: out of memory");
	for (size_t i = 0; i < len; i++)
		req[i] = request[i] == '\n' || request[i] == '\r' ? ' ' : request[i];
	fd = ctl_connect(path);
	if (fd < 0) {
		free(req);
		return vmk_err(fd, "cannot connect to %s: %s", path, strerror(-fd));
	}
	ret = send_request(fd, req, len, deadline);
	free(req);
	if (ret < 0)
		vmk_err_set("%s: sending the request: %s", path, strerror(-ret));
	if (ret == 0) {
		ret = read_reply(fd, deadline, reply);
		if (ret < 0)
			vmk_err_set("%s: reading the reply: %s", path, strerror(-ret));
	}
	close(fd);
	return ret;
}
