/*
 * VMkernel adapters (private view): the adapter object behind
 * include/vmknet/vmknic.h, shared by vmknic/, tcpip/ping.c and the vmknic
 * port kind (vswitch/port_vmknic.c).
 *
 * Threading: adapters are created, changed and removed under tcpip_ctl_lock
 * (tcpip/stack_host.h); the fields the data path reads live in `ifc` and
 * change under the netstack lock.
 */
#ifndef VMK_VMKNIC_VMKNIC_H
#define VMK_VMKNIC_VMKNIC_H

#include <stdint.h>

#include <vmknet/vmknic.h>

#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"

struct vmk_vmknic {
	struct tcpip_if ifc;            /* name, MAC, MTU, address, rings */
	struct vmk_vswitch *vs;
	char portgroup[VMK_NAME_MAX];
	uint16_t vlan;                  /* the port group's, when added */
	uint32_t port_id;
	bool port_attached;             /* false once the vSwitch dropped the port */
	uint32_t tags;
};

/* The named adapter of th, or NULL. tcpip_ctl_lock held. */
struct vmk_vmknic *vmknic_find(struct tcpip_host *th, const char *name);

/* Tag rules (tags.c): may nic carry tag? 0 or -errno with the error text set. */
int vmknic_tag_check(struct tcpip_host *th, const struct vmk_vmknic *nic,
		     enum vmk_service_tag tag);

#endif
