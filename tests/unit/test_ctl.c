/*
 * Unit tests of the control server's takeover (include/vmknet/ctl.h,
 * lib/ctl_server.c): a request the takeover takes leaves its connection
 * open for the taker, a request it declines is handled as usual. A real
 * Unix socket in a temporary directory; no EAL, no host.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <vmknet/ctl.h>

#include "support/cunit_run.h"

static int taken_fd = -1;
static unsigned int handled;

static char *handler(const char *request, size_t len, void *arg)
{
	(void)request;
	(void)len;
	(void)arg;
	handled++;
	return strdup("{\"ok\":true,\"result\":\"handled\"}");
}

static int takeover(int fd, const char *request, size_t len, void *arg)
{
	(void)arg;
	if (len < 6 || strstr(request, "\"take\"") == NULL)
		return 0;
	taken_fd = fd;
	return 1;
}

static int client(const char *path, const char *text)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CU_ASSERT_EQUAL(send(fd, text, strlen(text), 0), (ssize_t)strlen(text));
	return fd;
}

/* Serve until fd has something to read (or a second passed). */
static bool serve_until_readable(struct vmk_ctl_server *srv, int fd)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		CU_ASSERT_EQUAL(vmk_ctl_server_poll(srv, 10), 0);
		if (poll(&p, 1, 0) == 1)
			return true;
	}
	return false;
}

static void test_a_taken_over_connection_stays_open_and_a_normal_request_is_still_handled(void)
{
	char dir[] = "/tmp/vmk-ctl-XXXXXX", path[128], buf[256];
	struct vmk_ctl_server *srv;
	int a, b;
	ssize_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	CU_ASSERT_EQUAL_FATAL(vmk_ctl_server_create(path, handler, NULL, &srv), 0);
	CU_ASSERT_EQUAL(vmk_ctl_server_set_takeover(NULL, takeover, NULL), -EINVAL);
	CU_ASSERT_EQUAL(vmk_ctl_server_set_takeover(srv, takeover, NULL), 0);
	a = client(path, "{\"op\":\"take\"}\n");
	for (int i = 0; i < 100 && taken_fd < 0; i++)
		CU_ASSERT_EQUAL(vmk_ctl_server_poll(srv, 10), 0);
	CU_ASSERT_FATAL(taken_fd >= 0);
	CU_ASSERT_EQUAL(handled, 0);
	/* the server forgot it: no reply, no close, however long it polls */
	CU_ASSERT_FALSE(serve_until_readable(srv, a));
	CU_ASSERT_EQUAL(send(taken_fd, "mine\n", 5, 0), 5);
	CU_ASSERT_EQUAL(recv(a, buf, sizeof(buf), 0), 5);
	CU_ASSERT_EQUAL(memcmp(buf, "mine\n", 5), 0);
	CU_ASSERT_EQUAL(send(a, "more", 4, 0), 4);
	CU_ASSERT_EQUAL(recv(taken_fd, buf, sizeof(buf), 0), 4);
	/* a request the takeover declines gets the handler's reply, then EOF */
	b = client(path, "{\"op\":\"host.get\"}\n");
	CU_ASSERT_TRUE(serve_until_readable(srv, b));
	n = recv(b, buf, sizeof(buf) - 1, MSG_WAITALL);
	CU_ASSERT_TRUE(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"handled\""));
	CU_ASSERT_EQUAL(handled, 1);
	close(b);
	/* the taken connection outlives the server */
	vmk_ctl_server_destroy(srv);
	CU_ASSERT_EQUAL(send(taken_fd, "x", 1, MSG_NOSIGNAL), 1);
	CU_ASSERT_EQUAL(recv(a, buf, 1, 0), 1);
	close(taken_fd);
	CU_ASSERT_EQUAL(recv(a, buf, 1, 0), 0);
	close(a);
	rmdir(dir);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ctl", NULL, NULL);
	CU_add_test(s, "test_a_taken_over_connection_stays_open_and_a_normal_request_is_still_handled",
		    test_a_taken_over_connection_stays_open_and_a_normal_request_is_still_handled);
	return th_cunit_run();
}
