/*
 * vmknet: the VMkernel network stack of a hypervisor, as a library.
 *
 * Include this one header to get the whole public contract. Conventions that
 * hold for every function declared under include/vmknet/:
 *
 *  - Functions that can fail return 0 (or a count) on success and a negative
 *    errno (or NULL) on failure, and leave the reason, in words, for the
 *    calling thread in vmk_last_error() (error.h; "" after a call that
 *    succeeded). Constructors are `int vmk_x_create(..., struct vmk_x
 *    **out)` and set *out only on success. Destroy functions accept NULL.
 *  - Burst functions return counts and state who owns which mbuf afterwards.
 *  - Configuration functions ("control plane") may be called from any
 *    non-worker thread; the host serialises them with its own lock. They never
 *    run on a worker lcore. Data-path functions name their thread rule.
 *  - The library never exits the process and never writes to stdout; it logs
 *    through rte_log types named "vmknet.*".
 */
#ifndef VMKNET_VMKNET_H
#define VMKNET_VMKNET_H

#include <vmknet/error.h>
#include <vmknet/eal.h>
#include <vmknet/host.h>
#include <vmknet/vswitch.h>
#include <vmknet/port.h>
#include <vmknet/fdb.h>
#include <vmknet/policy.h>
#include <vmknet/stats.h>
#include <vmknet/capture.h>
#include <vmknet/firewall.h>
#include <vmknet/traffic.h>
#include <vmknet/netstack.h>
#include <vmknet/vmknic.h>
#include <vmknet/dhcp.h>
#include <vmknet/udp.h>
#include <vmknet/tcp.h>
#include <vmknet/epoll.h>
#include <vmknet/config.h>
#include <vmknet/ctl.h>

#endif
