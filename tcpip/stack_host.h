/*
 * The per-host state of the IP layer: the host's netstacks and vmknics.
 *
 * struct vmk_host (lib/host.h) has no slot for it yet, so it lives in a small
 * registry keyed by the host and its mbuf pool (a pool name is never reused
 * in a process, so a new host at an old address is never confused with the
 * old one). The three built-in netstacks are created on first use.
 *
 * Threading: every control call of tcpip/ and vmknic/ holds tcpip_ctl_lock
 * (a process-wide mutex) for its whole duration; it is taken before the host
 * lock (vmk_port_add) and never by workers or by port-ops callbacks.
 */
#ifndef VMK_TCPIP_STACK_HOST_H
#define VMK_TCPIP_STACK_HOST_H

#include <pthread.h>

#include <vmknet/host.h>
#include <vmknet/netstack.h>

#include "tcpip/netstack.h"

#define VMKNIC_MAX 64

struct vmk_vmknic;

struct tcpip_host {
	struct tcpip_host *next;
	struct vmk_host *host;
	char pool_name[64];
	struct netstack *ns[VMK_NETSTACK_MAX];
	struct vmk_vmknic *nics[VMKNIC_MAX];
};

extern pthread_mutex_t tcpip_ctl_lock;

/* The IP state of host, created with the built-in netstacks on first use.
 * tcpip_ctl_lock held. NULL on no memory or a NULL host. */
struct tcpip_host *tcpip_host_get(struct vmk_host *host);

/* The named netstack (NULL name: defaultTcpipStack), or NULL. */
struct netstack *tcpip_ns_find(struct tcpip_host *th, const char *name);

/* The named netstack of host (NULL name: defaultTcpipStack); NULL with
 * vmk_ip_last_error() set when there is none. tcpip_ctl_lock held. */
struct netstack *tcpip_ns_lookup(struct vmk_host *host, const char *name);

/*
 * Remove every vmknic (and its vSwitch port), socket and netstack of host.
 * To be called by vmk_host_destroy() after the workers stopped and before
 * the vSwitches are torn down; harmless when the host never used the IP
 * layer. Takes tcpip_ctl_lock.
 */
void tcpip_host_release(struct vmk_host *host);

/* Set by vmknic/ so tcpip_host_release can remove adapters. */
extern void (*tcpip_vmknic_destroy_hook)(struct tcpip_host *th, struct vmk_vmknic *nic);

#endif
