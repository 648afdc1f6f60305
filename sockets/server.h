/*
 * vmknetd's side of the attach protocol (sockets/shm.h): the sessions of
 * unmodified programs that run with libvmkpreload.so (vmkrun). A session
 * starts on vmknetd's control socket ("session.attach", taken over from
 * the control server: vmk_ctl_server_set_takeover) and then lives on one
 * server thread, "vmk-sessions", which serves the session's channel
 * requests and moves its sockets' data between the shared rings and the
 * library's non-blocking sockets (<vmknet/tcp.h>, <vmknet/udp.h>,
 * <vmknet/epoll.h>).
 *
 * Everything a process writes is checked: a process that breaks the
 * protocol ends its own session (its connections reset), nobody else's.
 *
 * Thread: vmks_server_create, vmks_server_attach, vmks_server_list and
 * vmks_server_destroy on one thread (vmknetd's main thread); the server
 * thread does the rest.
 */
#ifndef VMKNET_SOCKETS_SERVER_H
#define VMKNET_SOCKETS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#define VMKS_MAX_SESSIONS 64u

struct vmk_host;
struct vmks_server;

/* Start the server thread for host's netstacks. Returns 0 and sets *out,
 * -ENOMEM, -EMFILE, or another negative errno (the thread did not start).
 * The caller destroys it with vmks_server_destroy before the host. */
int vmks_server_create(struct vmk_host *host, struct vmks_server **out);

/* Stop the thread: every session still attached ends as if its process
 * died (connections reset). Accepts NULL. */
void vmks_server_destroy(struct vmks_server *srv);

/*
 * The control server's takeover (vmk_ctl_takeover_fn, arg = srv): a
 * request whose op is VMKS_ATTACH_OP is taken (returns 1): fd gets the
 * reply of shm.h, with the memfd and the doorbell on success (fd is then
 * the session's channel, owned by the server thread), or {"ok":false,...}
 * and is closed. Any other request returns 0 (not taken).
 */
int vmks_server_attach(struct vmks_server *srv, int fd, const char *request, size_t len);

/* What "session.list" shows of one session. */
struct vmks_session_info {
	unsigned int session;
	int pid;
	char program[64];
	char netstack[64];
	char vmknic[64];       /* "" when the session has none */
	unsigned int sockets;  /* slots in use */
};

/* Copy up to max sessions (attached and running) into out; returns how
 * many there are. */
unsigned int vmks_server_list(struct vmks_server *srv, struct vmks_session_info *out,
			      unsigned int max);

#endif
