/*
 * Unix socket paths a server is about to listen on: make way for it when
 * the socket there is stale (left by a process that died), never when a
 * server still answers or the file is something else. Used by the control
 * server (ctl_server.c) and by server-mode guest ports (config_apply.c).
 *
 * Thread: any.
 */
#ifndef VMK_LIB_UNIX_SOCKET_H
#define VMK_LIB_UNIX_SOCKET_H

/*
 * Returns 0 when nothing is at path or a stale socket was removed,
 * -EADDRINUSE when a server accepts connections there, -ENOTSOCK when a
 * file that is not a socket is there (it is never removed),
 * -ENAMETOOLONG when path does not fit a socket address.
 */
int usock_clear_stale(const char *path);

#endif
