/*
 * VMkernel adapters (private view): the joint between a netstack and a
 * switch. An adapter is an interface of its netstack (struct tcpip_if) and a
 * port of the vmknic kind (vmknic/port_vmknic.c) on its vSwitch; the host's
 * adapters live in a vmknic_table the host creates over its IP layer.
 *
 * Threading: adapters are created, changed and removed under the IP layer's
 * control lock (t->ip->lock, tcpip/stack_host.h), which is taken before the
 * datapath lock of the adapter's vSwitch; the fields the data path reads
 * live in `ifc` and change under the netstack lock.
 */
#ifndef VMK_VMKNIC_VMKNIC_H
#define VMK_VMKNIC_VMKNIC_H

#include <stdint.h>

#include <vmknet/dhcp.h>
#include <vmknet/netstack.h>
#include <vmknet/vmknic.h>

#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"

#define VMKNIC_MAX 64

struct port_ops;
struct vmknic_dhcp;

struct vmk_vmknic {
	struct tcpip_if ifc;            /* name, MAC, MTU, address, rings */
	struct vmk_vswitch *vs;
	char portgroup[VMK_NAME_MAX];
	uint16_t vlan;                  /* the port group's, when added */
	uint32_t port_id;
	bool port_attached;             /* false once the vSwitch dropped the port */
	uint32_t tags;
	struct vmknic_dhcp *dhcp;       /* its DHCP client (dhcp.c); NULL: none */
};

/* The adapters of one host. Guarded by ip->lock. */
struct vmknic_table {
	struct tcpip_host *ip;
	struct vmk_vmknic *nics[VMKNIC_MAX];   /* guarded by: ip->lock */
};

/* The port kind of adapters (port_vmknic.c). */
extern const struct port_ops port_vmknic_ops;

/* An empty table over the IP layer ip (which must outlive it). 0, -EINVAL
 * or -ENOMEM. */
int vmknic_table_create(struct tcpip_host *ip, struct vmknic_table **out);

/* Remove every adapter (its netstack interface and its vSwitch port), then
 * free t. Before the IP layer and the datapath are destroyed. NULL ok. */
void vmknic_table_destroy(struct vmknic_table *t) VMK_EXCLUDES(t->ip->lock);

/* ip->lock of t; nothing for a NULL t. */
static inline void vmknic_lock(struct vmknic_table *t)
	VMK_ACQUIRES(t->ip->lock) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	tcpip_host_lock(t != NULL ? t->ip : NULL);
}

static inline void vmknic_unlock(struct vmknic_table *t)
	VMK_RELEASES(t->ip->lock) VMK_NO_THREAD_SAFETY_ANALYSIS
{
	tcpip_host_unlock(t != NULL ? t->ip : NULL);
}

/* The named adapter of t, or NULL. ip->lock held. */
struct vmk_vmknic *vmknic_find(struct vmknic_table *t, const char *name)
	VMK_REQUIRES(t->ip->lock);

/* The traffic class that tags give an adapter (tags.c; traffic.h rule 3). */
uint8_t vmknic_tags_class(uint32_t tags);
/* Tag rules (tags.c): may nic carry tag? 0 or -errno with the error text set. */
int vmknic_tag_check(struct vmknic_table *t, const struct vmk_vmknic *nic,
		     enum vmk_service_tag tag) VMK_REQUIRES(t->ip->lock);

/* Set nic's address (validated; a DHCP client's lease goes this way).
 * 0 or -errno with the error text set. ip->lock held. */
int vmknic_nic_set_ipv4(struct vmknic_table *t, struct vmk_vmknic *nic, uint32_t addr,
			uint32_t mask) VMK_REQUIRES(t->ip->lock);

/* Stop nic's DHCP client, if it has one (dhcp.c): a DHCPRELEASE first when
 * release, then the address and the DHCP gateway go. ip->lock held. */
void vmknic_dhcp_end(struct vmknic_table *t, struct vmk_vmknic *nic, bool release)
	VMK_REQUIRES(t->ip->lock);

/* include/vmknet/dhcp.h on the host's adapter table (dhcp.c). */
int vmknic_dhcp_start(struct vmknic_table *t, const char *name, bool peer_dns)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_dhcp_stop(struct vmknic_table *t, const char *name, bool release)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_dhcp_get(struct vmknic_table *t, const char *name, struct vmk_dhcp_info *out)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_dhcp_poll(struct vmknic_table *t, unsigned int *next_ms)
	VMK_EXCLUDES(t->ip->lock);

/*
 * The calls of include/vmknet/vmknic.h that name a host, and vmk_ping (which
 * may name the source adapter), on its adapter table: same parameters after
 * the first, same results (lib/ hands each the host's table).
 */
int vmknic_add(struct vmknic_table *t, const struct vmk_vmknic_params *params,
	       char name_out[VMK_NAME_MAX]) VMK_EXCLUDES(t->ip->lock);
int vmknic_remove(struct vmknic_table *t, const char *name) VMK_EXCLUDES(t->ip->lock);
int vmknic_set_ipv4(struct vmknic_table *t, const char *name, uint32_t addr, uint32_t mask)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_set_gateway(struct vmknic_table *t, const char *name, uint32_t gateway)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_set_mtu(struct vmknic_table *t, const char *name, uint32_t mtu)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_set_enabled(struct vmknic_table *t, const char *name, bool enabled)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_get(struct vmknic_table *t, const char *name, struct vmk_vmknic_info *out)
	VMK_EXCLUDES(t->ip->lock);
unsigned int vmknic_list(struct vmknic_table *t, struct vmk_vmknic_info *out, unsigned int max)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_tag_add(struct vmknic_table *t, const char *name, enum vmk_service_tag tag)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_tag_remove(struct vmknic_table *t, const char *name, enum vmk_service_tag tag)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_tags_get(struct vmknic_table *t, const char *name, uint32_t *tags)
	VMK_EXCLUDES(t->ip->lock);
unsigned int vmknic_find_by_tag(struct vmknic_table *t, enum vmk_service_tag tag,
				char (*names)[VMK_NAME_MAX], unsigned int max)
	VMK_EXCLUDES(t->ip->lock);
int vmknic_ping(struct vmknic_table *t, const struct vmk_ping_params *params,
		struct vmk_ping_result *res) VMK_EXCLUDES(t->ip->lock);

#endif
