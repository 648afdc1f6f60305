/*
 * UDP sockets of a netstack, for hypervisor services (vSAN, FT logging,
 * replication heartbeats) and tests.
 *
 * A socket belongs to one netstack; it binds a local address (0: any of the
 * netstack's) and port (0: an ephemeral one, 49152..65535), sends datagrams
 * (fragmented when longer than the adapter MTU) and receives them into a
 * bounded queue (256 datagrams; more are counted drops, VMK_IPDROP_SOCKET_FULL).
 * Datagrams to a port no socket is bound to are answered with ICMP port
 * unreachable. Addresses are network byte order, ports host byte order.
 *
 * Thread: any non-worker thread; one socket must not be used by two threads
 * at once. Errors: negative errno.
 */
#ifndef VMKNET_UDP_H
#define VMKNET_UDP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;
struct vmk_udp_sock;

/* Open an unbound socket on a netstack (NULL: defaultTcpipStack).
 * Returns 0 and sets *out, -ENOENT (no netstack), -ENOSPC (64 sockets per
 * netstack), -ENOMEM. The caller closes it with vmk_udp_close(). */
int vmk_udp_open(struct vmk_host *host, const char *netstack, struct vmk_udp_sock **out);

/* Bind to addr:port. Returns 0, -EINVAL (already bound), -EADDRNOTAVAIL
 * (addr is not an address of the netstack), -EADDRINUSE. */
int vmk_udp_bind(struct vmk_udp_sock *s, uint32_t addr, uint16_t port);

/* Local address and port (0 until bound). Returns 0 or -EINVAL. */
int vmk_udp_getsockname(struct vmk_udp_sock *s, uint32_t *addr, uint16_t *port);

/*
 * The traffic class of the datagrams the socket sends (an enum
 * vmk_traffic_class of <vmknet/traffic.h> below virtualMachine), or
 * VMK_TC_NONE (the default): the well-known ports and the adapter's tags
 * decide. Applies from the next send. Returns 0 or -EINVAL.
 */
int vmk_udp_set_class(struct vmk_udp_sock *s, unsigned int tclass);

/* The world (process) the socket belongs to, as vmk_tcp_set_world. */
int vmk_udp_set_world(struct vmk_udp_sock *s, uint32_t world);

/*
 * Send len bytes (0..65507) to dst:port; an unbound socket is bound to an
 * ephemeral port first. Returns len, or -EINVAL, -EMSGSIZE, -ENETUNREACH,
 * -ENETDOWN, -ENOBUFS. The datagram may still wait for ARP resolution.
 */
int vmk_udp_sendto(struct vmk_udp_sock *s, const void *buf, size_t len, uint32_t dst,
		   uint16_t port);

/*
 * Take the oldest received datagram: copies up to len bytes into buf (the
 * rest of a longer datagram is discarded) and returns the datagram's full
 * length; *src and *port (may be NULL) tell who sent it. Waits up to
 * timeout_ms (0: does not wait). Returns -EAGAIN when nothing came.
 */
int vmk_udp_recvfrom(struct vmk_udp_sock *s, void *buf, size_t len, uint32_t *src,
		     uint16_t *port, unsigned int timeout_ms);

/* Close the socket and drop what it queued. Accepts NULL. */
void vmk_udp_close(struct vmk_udp_sock *s);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
