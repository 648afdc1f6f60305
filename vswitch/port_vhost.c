/*
 * The guest port kind: a VM's virtio-net device over a vhost-user socket.
 *
 * Built on DPDK's vhost PMD (net_vhost), which speaks the vhost-user
 * protocol, negotiates multiqueue and mergeable rx buffers, chains mbufs for
 * jumbo frames and reconnects in client mode; this file adds what a switch
 * port needs on top: the devargs from the port's parameters, link state that
 * follows the guest, and bounded transmit retries so a stuck guest (its rx
 * ring full) costs only its own frames.
 *
 * Threading: as port_ethdev.c (whose rx, stats and info it reuses).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "lib/log.h"
#include "vswitch/port.h"
#include "vswitch/vswitch.h"

/* A guest that took nothing in this many tries is left behind for now. */
#define VHOST_TX_TRIES 4

static int vhost_init(struct vs_port *p, const struct vmk_port_params *params)
{
	static uint32_t seq;
	struct vmk_port_params ep = *params;
	char devargs[512];
	uint16_t nq = params->n_rxq ? params->n_rxq : 1;
	int n;

	if (params->vhost_path == NULL || params->vhost_path[0] == '\0' ||
	    strchr(params->vhost_path, ',') != NULL || nq > 16)
		return -EINVAL;
	n = snprintf(devargs, sizeof(devargs), "net_vhost_vmk%u,iface=%s,queues=%u,client=%d",
		     __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED), params->vhost_path, nq,
		     params->vhost_server ? 0 : 1);
	if (n < 0 || (size_t)n >= sizeof(devargs))
		return -ENAMETOOLONG;
	ep.devargs = devargs;
	ep.n_rxq = nq;
	VMK_LOG(INFO, port, "port \"%s\": vhost-user %s %s, %u queue pairs", p->name,
		params->vhost_server ? "server" : "client", params->vhost_path, nq);
	return port_ethdev_init(p, &ep);
}

static uint16_t vhost_tx(struct vs_port *p, unsigned int worker, struct rte_mbuf **pkts,
			 uint16_t n)
{
	uint16_t sent = 0;

	for (unsigned int t = 0; t < VHOST_TX_TRIES && sent < n; t++) {
		uint16_t k = port_ethdev_tx(p, worker, pkts + sent, n - sent);

		if (k == 0 && t > 0)
			break;   /* nothing moved twice: the guest is not reading */
		sent += k;
	}
	return sent;
}

const struct port_ops port_vhost_ops = {
	.kind_name = "vhost-user",
	.init = vhost_init,
	.fini = port_ethdev_fini,
	.rx_burst = port_ethdev_rx,
	.tx_burst = vhost_tx,
	.get_info = port_ethdev_get_info,
	.add_dev_stats = port_ethdev_add_dev_stats,
	.set_mtu = port_ethdev_set_mtu,
	.link_get = port_ethdev_link_get,
};
