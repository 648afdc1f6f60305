/*
 * VMkernel adapters (vmknics): the host's own network interfaces.
 *
 * A vmknic is a port of a vSwitch port group (in-process, zero copy) and an
 * interface of one netstack, fixed when it is created. It has a MAC
 * (generated, locally administered and unique on the host unless given), an
 * MTU (1280..9000, not above its vSwitch's), an enabled flag, an optional
 * static IPv4 address and netmask, an optional gateway used only for
 * traffic sourced from it, and service tags that tell which host services
 * use it.
 *
 * Rules (each refusal leaves everything as it was, and vmk_last_error()
 * says why): one IPv4 address per netstack; MTU not above the vSwitch's
 * (and the vSwitch MTU cannot then go below it); at most one
 * faultToleranceLogging adapter per host; an adapter of the "vmotion"
 * netstack carries only the VMotion tag.
 *
 * IPv4 addresses are uint32_t in network byte order.
 * Thread: control plane (any non-worker thread). Errors: negative errno.
 */
#ifndef VMKNET_VMKNIC_H
#define VMKNET_VMKNIC_H

#include <stdbool.h>
#include <stdint.h>

#include <vmknet/vswitch.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;
struct vmk_vswitch;

#define VMK_VMKNIC_MAX     64
#define VMK_VMKNIC_MTU_MIN 1280
#define VMK_VMKNIC_MTU_MAX 9000

enum vmk_service_tag {
	VMK_TAG_MANAGEMENT = 0,          /* "Management" */
	VMK_TAG_VMOTION,                 /* "VMotion" */
	VMK_TAG_PROVISIONING,            /* "Provisioning" */
	VMK_TAG_FT_LOGGING,              /* "faultToleranceLogging" */
	VMK_TAG_VSAN,                    /* "VSAN" */
	VMK_TAG_VSAN_WITNESS,            /* "VSANWitness" */
	VMK_TAG_VSPHERE_REPLICATION,     /* "vSphereReplication" */
	VMK_TAG_VSPHERE_REPLICATION_NFC, /* "vSphereReplicationNFC" */
	VMK_TAG_VSPHERE_BACKUP_NFC,      /* "vSphereBackupNFC" */
	VMK_TAG_NVME_TCP,                /* "NVMeTCP" */
	VMK_TAG_MAX
};

/* esxcli name of a tag ("Management", ...), or NULL when out of range. */
const char *vmk_service_tag_name(enum vmk_service_tag tag);
/* Parse an esxcli tag name (case-insensitive). Returns 0 or -EINVAL. */
int vmk_service_tag_parse(const char *name, enum vmk_service_tag *tag);

struct vmk_vmknic_params {
	const char *name;           /* "vmkN"; NULL: the lowest free vmkN */
	struct vmk_vswitch *vswitch;
	const char *portgroup;      /* on that vSwitch; VLAN 0..4094 (not a trunk) */
	const char *netstack;       /* NULL: defaultTcpipStack */
	const uint8_t *mac;         /* 6 bytes, unicast; NULL: generated */
	uint32_t mtu;               /* 0: 1500 (or the vSwitch MTU if lower) */
	bool enabled;               /* default true */
	uint32_t ipv4, netmask;     /* 0/0: no address */
	uint32_t gateway;           /* 0: none */
};

/* Fill *p with defaults: enabled, MTU 0 (see above), no address. */
void vmk_vmknic_params_init(struct vmk_vmknic_params *p);

/*
 * Add an adapter: a vSwitch port in the port group with its MAC registered
 * in the FDB, attached to the netstack; a gratuitous ARP announces its
 * address. name_out (may be NULL) receives the name.
 * Returns 0, -EINVAL (bad name, MAC, MTU, mask, port group VLAN 4095),
 * -EEXIST (name, MAC or IP address taken), -ENOENT (no such port group or
 * netstack), -ENOSPC, -ENOMEM, or the vSwitch's error adding the port.
 */
int vmk_vmknic_add(struct vmk_host *host, const struct vmk_vmknic_params *p,
		   char name_out[VMK_NAME_MAX]);

/* Remove an adapter (port, FDB entry, neighbours through it, tags).
 * Returns 0 or -ENOENT. */
int vmk_vmknic_remove(struct vmk_host *host, const char *name);

/* Set or clear (0, 0) the IPv4 address; connected routes follow. A new
 * address is announced by gratuitous ARP. Returns 0, -ENOENT, -EINVAL (mask
 * not contiguous, address is network/broadcast/multicast), -EEXIST (the
 * netstack has this address on another adapter). */
int vmk_vmknic_set_ipv4(struct vmk_host *host, const char *name, uint32_t addr,
			uint32_t netmask);

/* Set or clear (0) the adapter's own gateway. Returns 0, -ENOENT, -EINVAL. */
int vmk_vmknic_set_gateway(struct vmk_host *host, const char *name, uint32_t gateway);

/* Set the MTU (1280..9000, <= the vSwitch MTU). Returns 0, -ENOENT, -EINVAL. */
int vmk_vmknic_set_mtu(struct vmk_host *host, const char *name, uint32_t mtu);

/* Enable or disable; enabling announces the address. Returns 0 or -ENOENT. */
int vmk_vmknic_set_enabled(struct vmk_host *host, const char *name, bool enabled);

struct vmk_vmknic_info {
	char name[VMK_NAME_MAX];
	char vswitch[VMK_NAME_MAX];
	char portgroup[VMK_NAME_MAX];
	char netstack[VMK_NAME_MAX];
	uint32_t port_id;           /* its port on the vSwitch */
	uint8_t mac[6];
	uint32_t mtu;
	bool enabled;
	uint32_t ipv4, netmask, gateway;
	uint32_t tags;              /* bit (1 << enum vmk_service_tag) */
};

/* Describe an adapter. Returns 0 or -ENOENT. */
int vmk_vmknic_get(struct vmk_host *host, const char *name, struct vmk_vmknic_info *out);

/* Describe up to max adapters in name order; returns how many exist. */
unsigned int vmk_vmknic_list(struct vmk_host *host, struct vmk_vmknic_info *out,
			     unsigned int max);

/* Tag an adapter for a service (idempotent). Returns 0, -ENOENT, -EINVAL
 * (bad tag, or not VMotion on a vmotion-netstack adapter), -EEXIST (another
 * adapter already carries faultToleranceLogging). */
int vmk_vmknic_tag_add(struct vmk_host *host, const char *name, enum vmk_service_tag tag);

/* Untag (idempotent). Returns 0, -ENOENT, -EINVAL. */
int vmk_vmknic_tag_remove(struct vmk_host *host, const char *name, enum vmk_service_tag tag);

/* The adapter's tags as a bit set (1 << tag). Returns 0 or -ENOENT. */
int vmk_vmknic_tags_get(struct vmk_host *host, const char *name, uint32_t *tags);

/* Which adapters carry service tag: copies up to max names, returns how many. */
unsigned int vmk_vmknic_find_by_tag(struct vmk_host *host, enum vmk_service_tag tag,
				    char (*names)[VMK_NAME_MAX], unsigned int max);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
