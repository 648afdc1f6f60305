/*
 * Port-group policies with ESXi standard-vSwitch semantics: each vSwitch has
 * a policy, and each port group may override it, field by field.
 *
 * Security (vSS defaults: promiscuous Reject, MAC address changes Accept,
 * forged transmits Accept):
 *  - promiscuous Accept: the port also receives every frame of its VLAN;
 *  - MAC address changes Reject: while a port's effective MAC differs from
 *    its registered MAC, frames to it are dropped ("security", tx side);
 *  - forged transmits Reject: frames from a port whose source MAC differs
 *    from the port's MAC (its effective MAC, or the registered one) are
 *    dropped ("security", rx side).
 *
 * Traffic shaping (per port group, applied to each of its ports separately,
 * to the traffic a port sends into the switch): average and peak bandwidth
 * in Kbit/s and a burst size in KB (1 KB = 1024 bytes, as ESXi). Frames over
 * the profile are dropped ("shaped", rx side).
 *
 * Teaming and failover (vSwitch policy, a port group may replace it whole):
 * active, standby and unused uplinks (uplinks in neither list are unused;
 * an empty active list means "every uplink, in the order added"); load
 * balancing by originating port ID (default), source MAC hash, IP hash or
 * explicit failover order; failure detection by link status; on failover,
 * notify switches (a RARP for each guest MAC of the port group out of the
 * newly used uplink); failback on or off. Each port sends (and floods) out of
 * exactly one uplink of its team.
 *
 * Thread: control plane (any non-worker thread).
 */
#ifndef VMKNET_POLICY_H
#define VMKNET_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_vswitch;

struct vmk_security_policy {
	bool allow_promiscuous;
	bool allow_mac_changes;
	bool allow_forged_transmits;
};

/* Which fields of a port group's security policy override the vSwitch's. */
#define VMK_SEC_PROMISCUOUS   0x1u
#define VMK_SEC_MAC_CHANGES   0x2u
#define VMK_SEC_FORGED        0x4u

struct vmk_shaping_policy {
	bool enabled;
	uint64_t avg_kbps;    /* average bandwidth, Kbit/s (>= 1 when enabled) */
	uint64_t peak_kbps;   /* peak bandwidth, Kbit/s (>= avg_kbps) */
	uint64_t burst_kb;    /* burst size, KB (>= 2: room for a jumbo frame) */
};

#define VMK_TEAM_MAX_UPLINKS 8

enum vmk_load_balancing {
	VMK_LB_PORT_ID = 0,   /* "Route based on originating virtual port" */
	VMK_LB_SRC_MAC,       /* "Route based on source MAC hash" */
	VMK_LB_IP_HASH,       /* "Route based on IP hash" (non-IPv4: source MAC) */
	VMK_LB_EXPLICIT,      /* "Use explicit failover order" */
};

struct vmk_teaming_policy {
	enum vmk_load_balancing load_balancing;
	bool notify_switches;     /* default true */
	bool failback;            /* default true */
	unsigned int n_active, n_standby;
	char active[VMK_TEAM_MAX_UPLINKS][32];    /* uplink port names, in order */
	char standby[VMK_TEAM_MAX_UPLINKS][32];
};

/* The vSwitch's own policies. Returns 0 or -EINVAL. */
int vmk_vswitch_set_security(struct vmk_vswitch *vs, const struct vmk_security_policy *p);
int vmk_vswitch_get_security(struct vmk_vswitch *vs, struct vmk_security_policy *out);
int vmk_vswitch_set_shaping(struct vmk_vswitch *vs, const struct vmk_shaping_policy *p);
int vmk_vswitch_get_shaping(struct vmk_vswitch *vs, struct vmk_shaping_policy *out);

/*
 * Override the fields named in `mask` (VMK_SEC_*) for a port group; the
 * others follow the vSwitch. mask 0 removes every override (esxcli's
 * --use-vswitch). Returns 0, -EINVAL, -ENOENT.
 */
int vmk_portgroup_set_security(struct vmk_vswitch *vs, const char *portgroup,
			       const struct vmk_security_policy *p, unsigned int mask);

/* The effective policy of a port group and which fields it overrides. */
int vmk_portgroup_get_security(struct vmk_vswitch *vs, const char *portgroup,
			       struct vmk_security_policy *effective, unsigned int *mask);

/* Override (p non-NULL) or inherit (p NULL) the vSwitch's shaping policy.
 * Returns 0, -EINVAL (enabled with avg 0, peak < avg, burst < 2 KB), -ENOENT. */
int vmk_portgroup_set_shaping(struct vmk_vswitch *vs, const char *portgroup,
			      const struct vmk_shaping_policy *p);
int vmk_portgroup_get_shaping(struct vmk_vswitch *vs, const char *portgroup,
			      struct vmk_shaping_policy *effective, bool *overridden);

/* Teaming: names must be uplinks of the vSwitch, each listed once
 * (-EINVAL, -ENOENT otherwise). A port group's p NULL inherits the vSwitch's. */
int vmk_vswitch_set_teaming(struct vmk_vswitch *vs, const struct vmk_teaming_policy *p);
int vmk_vswitch_get_teaming(struct vmk_vswitch *vs, struct vmk_teaming_policy *out);
int vmk_portgroup_set_teaming(struct vmk_vswitch *vs, const char *portgroup,
			      const struct vmk_teaming_policy *p);
int vmk_portgroup_get_teaming(struct vmk_vswitch *vs, const char *portgroup,
			      struct vmk_teaming_policy *effective, bool *overridden);

/*
 * Tell the switch a port's effective MAC (the guest OS changed its vNIC's
 * address, as virtio's MAC_ADDR_SET reports). NULL returns to the
 * registered MAC. Returns 0, -ENOENT, -EINVAL (multicast MAC).
 */
int vmk_port_set_effective_mac(struct vmk_vswitch *vs, uint32_t port_id, const uint8_t *mac);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
