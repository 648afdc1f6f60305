/*
 * The vmknic port kind: a VMkernel adapter as a port of its port group,
 * in-process and zero copy.
 *
 * tx_burst (the switch delivering frames to the adapter) enqueues the mbufs
 * on the adapter's receive ring; it may run on any worker, so the ring is
 * multi-producer. rx_burst, on the one worker polling the port every loop,
 * runs the netstack (input from that ring, timers) when its lock is free
 * and returns the frames the stack queued for this adapter. The adapter's
 * MAC is registered in the FDB by vmk_vmknic_add (vmk_fdb_register).
 * The adapter (vmknic/) owns the rings; fini only forgets them.
 */
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "tcpip/netstack.h"
#include "vmknic/vmknic.h"
#include "vswitch/port.h"

static int vmknic_port_init(struct vs_port *p, const struct vmk_port_params *params)
{
	if (params->vmknic == NULL || params->uplink)
		return -EINVAL;
	p->priv = params->vmknic;
	p->n_rxq = 1;
	return 0;
}

static void vmknic_port_fini(struct vs_port *p)
{
	struct vmk_vmknic *nic = p->priv;

	if (nic != NULL)
		__atomic_store_n(&nic->port_attached, false, __ATOMIC_RELEASE);
	p->priv = NULL;
}

static uint16_t vmknic_port_rx(struct vs_port *p, uint16_t qid, struct rte_mbuf **pkts,
			       uint16_t n)
{
	struct vmk_vmknic *nic = p->priv;

	(void)qid;
	return tcpip_if_poll(&nic->ifc, pkts, n, tcpip_now_us());
}

static uint16_t vmknic_port_tx(struct vs_port *p, unsigned int worker, struct rte_mbuf **pkts,
			       uint16_t n)
{
	struct vmk_vmknic *nic = p->priv;

	(void)worker;
	return (uint16_t)rte_ring_mp_enqueue_burst(nic->ifc.rxq, (void **)pkts, n, NULL);
}

static void vmknic_port_get_info(struct vs_port *p, struct vmk_port_info *info)
{
	const struct vmk_vmknic *nic = p->priv;

	memcpy(info->mac, nic->ifc.mac.addr_bytes, sizeof(info->mac));
	info->link_up = nic->ifc.enabled;
	info->link_speed_mbps = 0;
}

/* The vSwitch MTU may not drop below the adapter's. */
static int vmknic_port_set_mtu(struct vs_port *p, uint32_t mtu)
{
	const struct vmk_vmknic *nic = p->priv;
	uint32_t nic_mtu = __atomic_load_n(&nic->ifc.mtu, __ATOMIC_RELAXED);

	if (nic_mtu > mtu)
		return vmk_err(-EINVAL, "%s has MTU %u, above %u: lower the vmknic's first",
			       nic->ifc.name, nic_mtu, mtu);
	return 0;
}

/* After a failover: a gratuitous ARP, which the switch sends out of the
 * adapter's new uplink like any frame of the adapter. */
static void vmknic_port_announce(struct vs_port *p)
{
	struct vmk_vmknic *nic = p->priv;
	struct netstack *ns = nic != NULL ? nic->ifc.ns : NULL;

	if (ns == NULL)
		return;
	vmk_spin_lock(&ns->lock);
	if (nic->ifc.enabled && nic->ifc.addr != 0)
		arp_announce(ns, &nic->ifc);
	vmk_spin_unlock(&ns->lock);
}

const struct port_ops port_vmknic_ops = {
	.kind_name = "vmknic",
	.init = vmknic_port_init,
	.fini = vmknic_port_fini,
	.rx_burst = vmknic_port_rx,
	.tx_burst = vmknic_port_tx,
	.get_info = vmknic_port_get_info,
	.add_dev_stats = NULL,
	.set_mtu = vmknic_port_set_mtu,
	.link_get = NULL,
	.announce = vmknic_port_announce,
	.tx_offload = true,
	.tx_classed = true,
};
