/*
 * The control protocol: JSON requests and replies over a Unix stream
 * socket, one request per connection.
 *
 *   request:  {"op": "portgroup.add", "args": {"portgroup_name": "vMotion",
 *              "vswitch_name": "vSwitch0"}}            then '\n' or EOF
 *   reply:    {"ok": true, "result": ...}               then '\n', close
 *             {"ok": false, "errno": 17, "error": "...what to fix..."}
 *
 * A request is at most VMK_CTL_REQUEST_MAX bytes; a larger one, or one that
 * is not complete within VMK_CTL_TIMEOUT_MS, gets an error reply and the
 * connection is closed. The server handles requests one at a time, in
 * arrival order, so each sees the effects of the ones before it; a request
 * that fails changes nothing and does not affect others. The operations and
 * their arguments are vmknetd's (docs/CLI.md); the configuration document of
 * include/vmknet/config.h is the payload of "config.get" and "config.set".
 *
 * The socket is created with mode 0600: only its owner (and root) may talk
 * to the daemon.
 */
#ifndef VMKNET_CTL_H
#define VMKNET_CTL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define VMK_CTL_REQUEST_MAX   (256u << 10)  /* largest request, bytes */
#define VMK_CTL_REPLY_MAX     (16u << 20)   /* largest reply a client accepts */
#define VMK_CTL_TIMEOUT_MS    5000          /* a request must arrive within this */
#define VMK_CTL_DEFAULT_SOCKET "/run/vmknet/vmknetd.sock"

/* ---- client ---------------------------------------------------------- */

/*
 * Send one request (a JSON text of len bytes) to the server at path and
 * wait up to timeout_ms (0: 30 s) for its reply.
 * Returns 0 and sets *reply (NUL-terminated JSON, the caller frees it with
 * free()), or a negative errno: -ENOENT / -ECONNREFUSED (no server there),
 * -EACCES (not allowed to connect), -E2BIG (request or reply too large),
 * -ETIMEDOUT, -EPROTO (connection closed without a reply), -ENAMETOOLONG.
 * Thread: any.
 */
int vmk_ctl_call(const char *path, const char *request, size_t len, unsigned int timeout_ms,
		 char **reply);

/* ---- server ---------------------------------------------------------- */

struct vmk_ctl_server;

/*
 * Handle one complete request of len bytes (NUL-terminated as well) and
 * return the reply text, allocated with malloc (the server frees it), or
 * NULL to send a generic "internal error" reply. Called on the thread that
 * runs vmk_ctl_server_poll, one request at a time.
 */
typedef char *(*vmk_ctl_handler_fn)(const char *request, size_t len, void *arg);

/*
 * Offered each complete request (len bytes, NUL-terminated as well) before
 * the handler, with the connection's fd: return 1 to take the connection
 * (the server forgets fd without closing it; the taker replies, if it
 * does, and closes fd when done), or 0 to leave the request to the
 * handler. A request that wants the connection to live on (vmknetd's
 * "session.attach", sockets/shm.h) is taken this way. fd is non-blocking
 * and close-on-exec. Called on the thread that runs vmk_ctl_server_poll.
 */
typedef int (*vmk_ctl_takeover_fn)(int fd, const char *request, size_t len, void *arg);

/*
 * Listen on a Unix socket at path (mode 0600). A stale socket file left by
 * a dead server is replaced; a live server there makes this fail with
 * -EADDRINUSE. Returns 0 and sets *out, or a negative errno.
 * Ownership: the caller destroys *out with vmk_ctl_server_destroy, which
 * also removes the socket file.
 */
int vmk_ctl_server_create(const char *path, vmk_ctl_handler_fn handler, void *arg,
			  struct vmk_ctl_server **out);

/*
 * Wait up to timeout_ms (-1: forever) for activity, accept connections,
 * read requests, call the handler for each complete one and send the
 * replies. Returns 0 (also when interrupted by a signal), or a negative
 * errno when the listening socket failed.
 * Thread: one thread at a time per server.
 */
int vmk_ctl_server_poll(struct vmk_ctl_server *srv, int timeout_ms);

/* Set (fn NULL: clear) the takeover offered every request from now on.
 * Returns 0, or -EINVAL for a NULL srv. Thread: the poll thread, or
 * before it runs. */
int vmk_ctl_server_set_takeover(struct vmk_ctl_server *srv, vmk_ctl_takeover_fn fn, void *arg);

/* Close every connection and the socket, remove the socket file. Accepts NULL. */
void vmk_ctl_server_destroy(struct vmk_ctl_server *srv);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
