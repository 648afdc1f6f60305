/*
 * Standard vSwitches and their port groups.
 *
 * A vSwitch is an L2 learning bridge. Its ports are uplinks (physical NICs,
 * which carry every VLAN tagged and never forward to each other) or members
 * of a port group. A port group has a VLAN ID: 0 (untagged), 1-4094 (frames
 * are untagged toward the group's ports and tagged toward uplinks) or 4095
 * (trunk: tags pass through). Traffic never crosses VLANs.
 *
 * Thread: every function here is control plane (any non-worker thread).
 */
#ifndef VMKNET_VSWITCH_H
#define VMKNET_VSWITCH_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;
struct vmk_vswitch;

#define VMK_NAME_MAX          32     /* names, NUL included */
#define VMK_MAX_VSWITCHES     16
#define VMK_VSWITCH_MTU_MIN   1280
#define VMK_VSWITCH_MTU_MAX   9000
#define VMK_VSWITCH_MAX_PORTS 4096
#define VMK_VLAN_NONE         0
#define VMK_VLAN_TRUNK        4095
#define VMK_FDB_CAPACITY_MAX  (4u << 20)

struct vmk_vswitch_params {
	const char *name;       /* unique on the host, e.g. "vSwitch0" */
	uint32_t mtu;           /* 1280..9000; default 1500 */
	uint32_t n_ports;       /* port slots (uplinks included), 8..4096; default 512 */
	uint32_t fdb_capacity;  /* MAC table entries, 16..4M; default 65536 */
	uint32_t fdb_aging_sec; /* learned-entry lifetime, 1..1000000; default 300 */
};

/* Fill *params with defaults (name NULL: the caller must set it). */
void vmk_vswitch_params_init(struct vmk_vswitch_params *params);

/*
 * Add a vSwitch to the host.
 * Returns 0 and sets *out (owned by the host: valid until removed), or
 * -EINVAL (bad name or parameter), -EEXIST (name taken), -ENOSPC (too many
 * vSwitches), -ENOMEM.
 */
int vmk_vswitch_add(struct vmk_host *host, const struct vmk_vswitch_params *params,
		    struct vmk_vswitch **out);

/*
 * Remove a vSwitch. Returns 0, -ENOENT, or -EBUSY while it still has ports
 * (remove them first, so nothing is torn down by surprise).
 */
int vmk_vswitch_remove(struct vmk_host *host, const char *name);

/* The vSwitch with this name, or NULL. */
struct vmk_vswitch *vmk_vswitch_find(struct vmk_host *host, const char *name);

/* Names of the host's vSwitches: fills up to max pointers (valid until the
 * next change), returns how many exist. */
unsigned int vmk_vswitch_list(struct vmk_host *host, const char **names, unsigned int max);

struct vmk_vswitch_info {
	char name[VMK_NAME_MAX];
	uint32_t mtu;
	uint32_t n_ports;        /* configured slots */
	uint32_t n_ports_used;
	uint32_t n_uplinks;
	uint32_t n_portgroups;
	uint32_t fdb_capacity;
	uint32_t fdb_aging_sec;
};

/* Describe a vSwitch. Returns 0 or -EINVAL. */
int vmk_vswitch_get_info(struct vmk_vswitch *vs, struct vmk_vswitch_info *out);

/*
 * Set the vSwitch MTU (1280..9000). Frames longer than MTU + L2 header are
 * dropped on ingress and counted (VMK_DROP_MTU). Returns 0, -EINVAL, or a
 * port's refusal (e.g. -EMSGSIZE: a net_af_packet uplink whose framesz
 * cannot hold the frames); a refused MTU leaves every port as it was.
 */
int vmk_vswitch_set_mtu(struct vmk_vswitch *vs, uint32_t mtu);

/* Set the lifetime of learned MAC entries (1..1000000 s). Returns 0 or -EINVAL. */
int vmk_vswitch_set_fdb_aging(struct vmk_vswitch *vs, uint32_t seconds);

/*
 * Resize the MAC table (16..4M entries). Learned entries are flushed (they
 * are relearned from traffic); registered entries are kept. Returns 0,
 * -EINVAL, -ENOMEM, or -ENOSPC when the registered entries would not fit;
 * on failure the old table stays in place, untouched. The table takes
 * 64 bytes per entry of capacity (2M entries: 128 MiB).
 */
int vmk_vswitch_set_fdb_capacity(struct vmk_vswitch *vs, uint32_t capacity);

/*
 * Port groups. Names are unique per vSwitch. VLAN 0..4095 (see above).
 * add: 0, -EINVAL, -EEXIST, -ENOSPC. remove: 0, -ENOENT, -EBUSY (ports in
 * it). set_vlan: 0, -EINVAL, -ENOENT; ports of the group move with it.
 */
int vmk_portgroup_add(struct vmk_vswitch *vs, const char *name, uint16_t vlan_id);
int vmk_portgroup_remove(struct vmk_vswitch *vs, const char *name);
int vmk_portgroup_set_vlan(struct vmk_vswitch *vs, const char *name, uint16_t vlan_id);

struct vmk_portgroup_info {
	char name[VMK_NAME_MAX];
	uint16_t vlan_id;
	uint32_t n_ports;
};

/* Describe a port group. Returns 0 or -ENOENT. */
int vmk_portgroup_get(struct vmk_vswitch *vs, const char *name,
		      struct vmk_portgroup_info *out);

/* Fill up to max port group descriptions; returns how many exist. */
unsigned int vmk_portgroup_list(struct vmk_vswitch *vs, struct vmk_portgroup_info *out,
				unsigned int max);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
