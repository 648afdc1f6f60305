/*
 * VMkernel adapters: add, remove, change, describe (include/vmknet/vmknic.h).
 *
 * An adapter is three things kept in step: a port of the vmknic kind on its
 * vSwitch (MAC registered in the FDB), an interface of its netstack
 * (struct tcpip_if), and an entry of the host's adapter table. Every change
 * is validated completely before anything is touched, so a refusal leaves
 * all three as they were.
 *
 * Threading: every call holds the IP layer's control lock (t->ip->lock); fields the data path reads
 * change under the netstack lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <vmknet/fdb.h>
#include <vmknet/port.h>
#include <vmknet/vmknic.h>
#include <vmknet/vswitch.h>

#include "common/error.h"
#include "common/log.h"
#include "vmknic/vmknic.h"
#include "vswitch/port.h"

#define VMKNIC_DEFAULT_MTU 1500

static const char *ip_str(uint32_t a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

struct vmk_vmknic *vmknic_find(struct vmknic_table *t, const char *name)
{
	for (unsigned int i = 0; t != NULL && name != NULL && i < VMKNIC_MAX; i++)
		if (t->nics[i] != NULL && strcmp(t->nics[i]->ifc.name, name) == 0)
			return t->nics[i];
	return NULL;
}

static struct vmk_vmknic *find_or_error(struct vmknic_table *t, const char *name)
	VMK_REQUIRES(t->ip->lock)
{
	struct vmk_vmknic *nic = vmknic_find(t, name);

	if (nic == NULL)
		vmk_err(-ENOENT, "no vmknic %s", name != NULL ? name : "(null)");
	return nic;
}

void vmk_vmknic_params_init(struct vmk_vmknic_params *p)
{
	memset(p, 0, sizeof(*p));
	p->enabled = true;
}

/* ---- validation ----------------------------------------------------- */

static bool mask_ok(uint32_t mask)
{
	uint32_t m = rte_be_to_cpu_32(mask);

	return m != 0 && (~m & (~m + 1)) == 0;   /* ones then zeros */
}

/* Address and mask usable on an adapter (0/0: none). */
static int check_ipv4(uint32_t addr, uint32_t mask)
{
	uint32_t a = rte_be_to_cpu_32(addr), m = rte_be_to_cpu_32(mask);
	char s[INET_ADDRSTRLEN];

	if (addr == 0 && mask == 0)
		return 0;
	if (!mask_ok(mask))
		return vmk_err(-EINVAL, "netmask %s is not contiguous", ip_str(mask, s));
	if (a == 0 || (a >> 28) >= 0xe || (a >> 24) == 127 ||
	    (m < 0xfffffffe && ((a & ~m) == 0 || (a & ~m) == ~m)))
		return vmk_err(-EINVAL, "%s is not a usable host address", ip_str(addr, s));
	return 0;
}

static int check_unique_ip(struct vmknic_table *t, const struct netstack *ns,
			   const struct vmk_vmknic *self, uint32_t addr)
{
	char s[INET_ADDRSTRLEN];

	for (unsigned int i = 0; addr != 0 && i < VMKNIC_MAX; i++) {
		const struct vmk_vmknic *o = t->nics[i];

		if (o != NULL && o != self && o->ifc.ns == ns && o->ifc.addr == addr)
			return vmk_err(-EEXIST, "%s is already the address of %s in netstack %s",
					ip_str(addr, s), o->ifc.name, ns->name);
	}
	return 0;
}

static int check_mtu(struct vmk_vswitch *vs, uint32_t mtu)
{
	struct vmk_vswitch_info vi;

	if (mtu < VMK_VMKNIC_MTU_MIN || mtu > VMK_VMKNIC_MTU_MAX)
		return vmk_err(-EINVAL, "MTU %u is outside %d..%d", mtu, VMK_VMKNIC_MTU_MIN,
				VMK_VMKNIC_MTU_MAX);
	if (vmk_vswitch_get_info(vs, &vi) == 0 && mtu > vi.mtu)
		return vmk_err(-EINVAL, "MTU %u is above the MTU %u of vSwitch %s", mtu, vi.mtu, vi.name);
	return 0;
}

static int check_gateway(uint32_t gw)
{
	uint32_t g = rte_be_to_cpu_32(gw);

	if (gw != 0 && (g >> 28) >= 0xe)
		return vmk_err(-EINVAL, "bad gateway");
	return 0;
}

/* The name: given (vmkN or any valid name not taken) or the lowest free vmkN. */
static int pick_name(struct vmknic_table *t, const char *want, char out[VMK_NAME_MAX])
	VMK_REQUIRES(t->ip->lock)
{
	if (want != NULL) {
		if (want[0] == '\0' || strlen(want) >= VMK_NAME_MAX)
			return vmk_err(-EINVAL, "bad vmknic name");
		if (vmknic_find(t, want) != NULL)
			return vmk_err(-EEXIST, "vmknic %s already exists", want);
		snprintf(out, VMK_NAME_MAX, "%s", want);
		return 0;
	}
	for (unsigned int n = 0; n < VMKNIC_MAX * 2; n++) {
		snprintf(out, VMK_NAME_MAX, "vmk%u", n);
		if (vmknic_find(t, out) == NULL)
			return 0;
	}
	return vmk_err(-ENOSPC, "no free vmkN name");
}

static bool mac_taken(struct vmknic_table *t, const struct rte_ether_addr *mac)
{
	for (unsigned int i = 0; i < VMKNIC_MAX; i++)
		if (t->nics[i] != NULL && rte_is_same_ether_addr(&t->nics[i]->ifc.mac, mac))
			return true;
	return false;
}

/* Given (unicast, not zero, not another adapter's) or generated:
 * 02:50:56 (locally administered, after VMware's 00:50:56) and 24 random
 * bits, unique among the host's adapters. */
static int pick_mac(struct vmknic_table *t, const uint8_t *want, struct rte_ether_addr *mac)
{
	if (want != NULL) {
		memcpy(mac->addr_bytes, want, RTE_ETHER_ADDR_LEN);
		if (rte_is_multicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
			return vmk_err(-EINVAL, "MAC must be unicast and not zero");
		if (mac_taken(t, mac))
			return vmk_err(-EEXIST, "MAC is already used by another vmknic");
		return 0;
	}
	do {
		uint64_t r = rte_rand();

		mac->addr_bytes[0] = 0x02;
		mac->addr_bytes[1] = 0x50;
		mac->addr_bytes[2] = 0x56;
		mac->addr_bytes[3] = (uint8_t)(r >> 16);
		mac->addr_bytes[4] = (uint8_t)(r >> 8);
		mac->addr_bytes[5] = (uint8_t)r;
	} while (mac_taken(t, mac));
	return 0;
}

static int check_portgroup(struct vmk_vswitch *vs, const char *pg, uint16_t *vlan)
{
	struct vmk_portgroup_info pi;

	if (vs == NULL || pg == NULL)
		return vmk_err(-EINVAL, "a vmknic needs a vSwitch and a port group");
	if (vmk_portgroup_get(vs, pg, &pi) < 0)
		return vmk_err(-ENOENT, "no port group %s", pg);
	if (pi.vlan_id == VMK_VLAN_TRUNK)
		return vmk_err(-EINVAL, "port group %s is a trunk (VLAN 4095)", pg);
	*vlan = pi.vlan_id;
	return 0;
}

/* ---- add / remove --------------------------------------------------- */

static int free_slot(struct vmknic_table *t)
{
	for (int i = 0; i < VMKNIC_MAX; i++)
		if (t->nics[i] == NULL)
			return i;
	return vmk_err(-ENOSPC, "at most %d vmknics per host", VMKNIC_MAX);
}

static int nic_validate(struct vmknic_table *t, const struct vmk_vmknic_params *p,
			struct vmk_vmknic *nic, struct netstack **ns) VMK_REQUIRES(t->ip->lock)
{
	struct vmk_vswitch_info vi;
	uint32_t mtu = p->mtu;
	int ret;

	ret = check_portgroup(p->vswitch, p->portgroup, &nic->vlan);
	if (ret == 0) {
		*ns = tcpip_ns_find(t->ip, p->netstack);
		if (*ns == NULL)
			ret = vmk_err(-ENOENT, "no netstack %s", p->netstack);
	}
	if (ret == 0)
		ret = pick_name(t, p->name, nic->ifc.name);
	if (ret == 0)
		ret = pick_mac(t, p->mac, &nic->ifc.mac);
	if (ret == 0 && mtu == 0) {
		mtu = VMKNIC_DEFAULT_MTU;
		if (vmk_vswitch_get_info(p->vswitch, &vi) == 0 && vi.mtu < mtu)
			mtu = vi.mtu;
	}
	if (ret == 0)
		ret = check_mtu(p->vswitch, mtu);
	if (ret == 0)
		ret = check_ipv4(p->ipv4, p->netmask);
	if (ret == 0)
		ret = check_unique_ip(t, *ns, NULL, p->ipv4);
	if (ret == 0)
		ret = check_gateway(p->gateway);
	if (ret < 0)
		return ret;
	nic->ifc.mtu = mtu;
	nic->ifc.enabled = p->enabled;
	nic->ifc.addr = p->ipv4;
	nic->ifc.mask = p->netmask;
	nic->ifc.gw = p->gateway;
	nic->vs = p->vswitch;
	snprintf(nic->portgroup, sizeof(nic->portgroup), "%s", p->portgroup);
	return 0;
}

static int nic_add_port(struct vmk_vmknic *nic)
{
	struct vmk_port_params pp;
	int ret;

	vmk_port_params_init(&pp);
	pp.name = nic->ifc.name;
	pp.kind = VMK_PORT_VMKNIC;
	pp.portgroup = nic->portgroup;
	pp.vmknic = nic;
	/* Registered here rather than with pp.has_mac: port.c reads pp.mac
	 * as a struct rte_ether_addr at an odd offset (UBSan: misaligned). */
	ret = vs_port_add(nic->vs, &pp, &port_vmknic_ops, &nic->port_id);
	if (ret < 0)
		return vmk_err_prefix(ret, "vSwitch refused port %s", nic->ifc.name);
	ret = vmk_fdb_register(nic->vs, nic->vlan, nic->ifc.mac.addr_bytes, nic->port_id);
	if (ret < 0) {
		struct vmk_err_saved why;

		vmk_err_prefix(ret, "MAC of %s not registered on its vSwitch", nic->ifc.name);
		vmk_err_save(&why);
		vmk_port_remove(nic->vs, nic->port_id);
		vmk_err_restore(ret, &why);
	}
	return ret;
}

int vmknic_add(struct vmknic_table *t, const struct vmk_vmknic_params *p,
		char name_out[VMK_NAME_MAX])
{
		struct vmk_vmknic *nic;
	struct netstack *ns = NULL;
	int slot, ret;

	vmk_err_clear();
	if (p == NULL)
		return vmk_err(-EINVAL, "no vmknic parameters");
	if (t == NULL)
		return vmk_err(-EINVAL, "no host");
	vmknic_lock(t);
	ret = slot = free_slot(t);
	if (ret < 0)
		goto unlock;
	nic = rte_zmalloc("vmk_vmknic", sizeof(*nic), RTE_CACHE_LINE_SIZE);
	if (nic == NULL) {
		ret = vmk_err(-ENOMEM, "out of memory for a vmknic");
		goto unlock;
	}
	ret = nic_validate(t, p, nic, &ns);
	if (ret < 0)
		goto free_nic;
	ret = tcpip_if_init(&nic->ifc, nic->ifc.name);
	if (ret < 0)
		goto free_nic;
	ret = nic_add_port(nic);
	if (ret < 0)
		goto fini_if;
	nic->port_attached = true;
	ret = tcpip_if_attach(ns, &nic->ifc);
	if (ret < 0) {
		vmk_err(ret, "netstack %s has %d adapters already", ns->name, NS_MAX_IFS);
		goto remove_port;
	}
	vmk_spin_lock(&ns->lock);
	arp_announce(ns, &nic->ifc);
	vmk_spin_unlock(&ns->lock);
	t->nics[slot] = nic;
	if (name_out != NULL)
		snprintf(name_out, VMK_NAME_MAX, "%s", nic->ifc.name);
	VMKNIC_LOG(INFO, "%s added to %s on port group %s, netstack %s", nic->ifc.name,
		   p->portgroup, p->portgroup, ns->name);
	vmknic_unlock(t);
	return 0;

remove_port: {
	struct vmk_err_saved why;

	vmk_err_save(&why);
	vmk_port_remove(nic->vs, nic->port_id);
	vmk_err_restore(ret, &why);
}
fini_if:
	tcpip_if_fini(&nic->ifc);
free_nic:
	rte_free(nic);
unlock:
	vmknic_unlock(t);
	return ret;
}

/* Take an adapter out of its netstack, its vSwitch and the table, and free
 * it. t->ip->lock held. */
static void nic_destroy(struct vmknic_table *t, struct vmk_vmknic *nic)
	VMK_REQUIRES(t->ip->lock)
{
	vmknic_dhcp_end(t, nic, true);   /* DHCPRELEASE, before the port goes */
	tcpip_if_detach(&nic->ifc);
	if (__atomic_load_n(&nic->port_attached, __ATOMIC_ACQUIRE))
		vmk_port_remove(nic->vs, nic->port_id);
	tcpip_if_fini(&nic->ifc);
	for (unsigned int i = 0; i < VMKNIC_MAX; i++)
		if (t->nics[i] == nic)
			t->nics[i] = NULL;
	rte_free(nic);
}

int vmknic_table_create(struct tcpip_host *ip, struct vmknic_table **out)
{
	struct vmknic_table *t;

	if (ip == NULL || out == NULL)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->ip = ip;
	*out = t;
	return 0;
}

void vmknic_table_destroy(struct vmknic_table *t)
{
	if (t == NULL)
		return;
	vmknic_lock(t);
	for (unsigned int i = 0; i < VMKNIC_MAX; i++) {
		if (t->nics[i] == NULL)
			continue;
		/* The host stopping keeps its leases (no DHCPRELEASE): they are
		 * asked for again when it starts, as ESXi does after a reboot. */
		vmknic_dhcp_end(t, t->nics[i], false);
		nic_destroy(t, t->nics[i]);
	}
	vmknic_unlock(t);
	free(t);
}

int vmknic_remove(struct vmknic_table *t, const char *name)
{
	struct vmk_vmknic *nic;

	vmk_err_clear();
	vmknic_lock(t);
	nic = find_or_error(t, name);
	if (nic != NULL) {
		VMKNIC_LOG(INFO, "%s removed", nic->ifc.name);
		nic_destroy(t, nic);
	}
	vmknic_unlock(t);
	return nic != NULL ? 0 : -ENOENT;
}

/* ---- changes -------------------------------------------------------- */

typedef int (*nic_op)(struct vmknic_table *t, struct vmk_vmknic *nic, uint32_t a, uint32_t b);

static int nic_call(struct vmknic_table *t, const char *name, nic_op op, uint32_t a, uint32_t b)
{
	struct vmk_vmknic *nic;
		int ret = -ENOENT;

	vmk_err_clear();
	vmknic_lock(t);
	nic = find_or_error(t, name);
	if (nic != NULL)
		ret = op(t, nic, a, b);
	vmknic_unlock(t);
	return ret;
}

int vmknic_nic_set_ipv4(struct vmknic_table *t, struct vmk_vmknic *nic, uint32_t addr,
			uint32_t mask)
{
	struct netstack *ns = nic->ifc.ns;
	int ret = check_ipv4(addr, mask);

	if (ret == 0)
		ret = check_unique_ip(t, ns, nic, addr);
	if (ret < 0)
		return ret;
	vmk_spin_lock(&ns->lock);
	if (nic->ifc.addr != addr || nic->ifc.mask != mask) {
		arp_flush_if(ns, nic->ifc.index);   /* neighbours of the old subnet */
		nic->ifc.addr = addr;
		nic->ifc.mask = mask;
		arp_announce(ns, &nic->ifc);
	}
	vmk_spin_unlock(&ns->lock);
	return 0;
}

static int op_set_gateway(struct vmknic_table *t, struct vmk_vmknic *nic, uint32_t gw,
			  uint32_t unused)
{
	int ret = check_gateway(gw);

	(void)t;
	(void)unused;
	if (ret < 0)
		return ret;
	vmk_spin_lock(&nic->ifc.ns->lock);
	nic->ifc.gw = gw;
	vmk_spin_unlock(&nic->ifc.ns->lock);
	return 0;
}

static int op_set_mtu(struct vmknic_table *t, struct vmk_vmknic *nic, uint32_t mtu,
		      uint32_t unused)
{
	int ret = check_mtu(nic->vs, mtu);

	(void)t;
	(void)unused;
	if (ret < 0)
		return ret;
	vmk_spin_lock(&nic->ifc.ns->lock);
	__atomic_store_n(&nic->ifc.mtu, mtu, __ATOMIC_RELAXED);
	vmk_spin_unlock(&nic->ifc.ns->lock);
	return 0;
}

static int op_set_enabled(struct vmknic_table *t, struct vmk_vmknic *nic, uint32_t on,
			  uint32_t unused)
{
	struct netstack *ns = nic->ifc.ns;

	(void)t;
	(void)unused;
	vmk_spin_lock(&ns->lock);
	if (nic->ifc.enabled != (on != 0)) {
		nic->ifc.enabled = on != 0;
		if (on)
			arp_announce(ns, &nic->ifc);
		else
			arp_flush_if(ns, nic->ifc.index);
	}
	vmk_spin_unlock(&ns->lock);
	return 0;
}

/* The address of an adapter with a DHCP client is the lease's. */
static int op_set_ipv4(struct vmknic_table *t, struct vmk_vmknic *nic, uint32_t addr,
		       uint32_t mask)
	VMK_REQUIRES(t->ip->lock)
{
	if (nic->dhcp != NULL)
		return vmk_err(-EBUSY, "the address of %s is leased by DHCP: stop its client "
				"first", nic->ifc.name);
	return vmknic_nic_set_ipv4(t, nic, addr, mask);
}

int vmknic_set_ipv4(struct vmknic_table *t, const char *name, uint32_t addr,
		    uint32_t netmask)
{
	return nic_call(t, name, op_set_ipv4, addr, netmask);
}

int vmknic_set_gateway(struct vmknic_table *t, const char *name, uint32_t gateway)
{
	return nic_call(t, name, op_set_gateway, gateway, 0);
}

int vmknic_set_mtu(struct vmknic_table *t, const char *name, uint32_t mtu)
{
	return nic_call(t, name, op_set_mtu, mtu, 0);
}

int vmknic_set_enabled(struct vmknic_table *t, const char *name, bool enabled)
{
	return nic_call(t, name, op_set_enabled, enabled, 0);
}

/* ---- description ---------------------------------------------------- */

static void nic_info(const struct vmk_vmknic *nic, struct vmk_vmknic_info *o)
{
	struct vmk_vswitch_info vi;
	struct netstack *ns = nic->ifc.ns;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", nic->ifc.name);
	if (vmk_vswitch_get_info(nic->vs, &vi) == 0)
		snprintf(o->vswitch, sizeof(o->vswitch), "%s", vi.name);
	snprintf(o->portgroup, sizeof(o->portgroup), "%s", nic->portgroup);
	o->port_id = nic->port_id;
	o->tags = nic->tags;
	vmk_spin_lock(&ns->lock);
	snprintf(o->netstack, sizeof(o->netstack), "%s", ns->name);
	memcpy(o->mac, nic->ifc.mac.addr_bytes, 6);
	o->mtu = nic->ifc.mtu;
	o->enabled = nic->ifc.enabled;
	o->ipv4 = nic->ifc.addr;
	o->netmask = nic->ifc.mask;
	o->gateway = nic->ifc.gw;
	vmk_spin_unlock(&ns->lock);
}

int vmknic_get(struct vmknic_table *t, const char *name, struct vmk_vmknic_info *out)
{
	struct vmk_vmknic *nic;

	if (out == NULL)
		return -EINVAL;
	vmk_err_clear();
	vmknic_lock(t);
	nic = find_or_error(t, name);
	if (nic != NULL)
		nic_info(nic, out);
	vmknic_unlock(t);
	return nic != NULL ? 0 : -ENOENT;
}

static int cmp_info(const void *a, const void *b)
{
	const struct vmk_vmknic_info *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	/* vmk2 before vmk10 */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->name, y->name);
}

unsigned int vmknic_list(struct vmknic_table *t, struct vmk_vmknic_info *out,
			 unsigned int max)
{
	struct vmk_vmknic_info all[VMKNIC_MAX];
		unsigned int n = 0;

	vmknic_lock(t);
	for (unsigned int i = 0; t != NULL && i < VMKNIC_MAX; i++)
		if (t->nics[i] != NULL)
			nic_info(t->nics[i], &all[n++]);
	vmknic_unlock(t);
	qsort(all, n, sizeof(all[0]), cmp_info);
	if (out != NULL)
		memcpy(out, all, RTE_MIN(n, max) * sizeof(all[0]));
	return n;
}

/* ---- ping from a named adapter ---------------------------------------- */

int vmknic_ping(struct vmknic_table *t, const struct vmk_ping_params *params,
		struct vmk_ping_result *res)
{
	struct tcpip_if *ifc = NULL;
	int ret;

	vmk_err_clear();
	ret = tcpip_ping_check(params, res);
	if (ret < 0)
		return ret;
	if (t == NULL) {                /* no host: no adapter, no netstack */
		if (params->vmknic != NULL)
			return vmk_err(-ENOENT, "no vmknic %s", params->vmknic);
		return vmk_err(-ENOENT, "no netstack %s", params->netstack != NULL ?
				params->netstack : VMK_NETSTACK_DEFAULT);
	}
	/* The lock keeps the adapter and its netstack alive for the exchange. */
	vmknic_lock(t);
	if (params->vmknic != NULL) {
		struct vmk_vmknic *nic = vmknic_find(t, params->vmknic);

		if (nic == NULL) {
			ret = vmk_err(-ENOENT, "no vmknic %s", params->vmknic);
			goto unlock;
		}
		ifc = &nic->ifc;
	}
	ret = tcpip_ping(t->ip, params, ifc, res);
unlock:
	vmknic_unlock(t);
	return ret;
}
