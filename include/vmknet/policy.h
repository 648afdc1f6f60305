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
 * explicit failover order; failure detection by link status, or by link
 * status and beacon probing (below); on failover, notify switches (a RARP for each guest MAC of the port group out of the
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

enum vmk_failure_detection {
	VMK_FD_LINK = 0,      /* "link": link status only */
	VMK_FD_BEACON,        /* "beacon": link status and beacon probing */
};

struct vmk_teaming_policy {
	enum vmk_load_balancing load_balancing;
	enum vmk_failure_detection failure_detection;   /* default VMK_FD_LINK */
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
 * Beacon probing (a team whose failure detection is VMK_FD_BEACON), as
 * ESXi's: while any team of the vSwitch (its own policy or a port group's)
 * asks for it, every uplink whose link is up sends a beacon every
 * interval_sec seconds: a broadcast frame of EtherType 0x8922 with the
 * uplink's MAC as source, once per VLAN of the port groups asking for it
 * (untagged for VLAN 0 and 4095, and for the vSwitch's own policy). An
 * uplink is healthy for an interval when it heard another uplink's beacon
 * and another uplink heard its own; one that is not for `threshold`
 * intervals in a row is failed for beacon-probing teams (traffic moves to
 * the next active or standby uplink, as a link-down does; notify switches
 * and failback as the policy says) until an interval in which it is
 * healthy again. When no probed uplink is healthy (two uplinks, one of them
 * cut: both hear nobody; or every path but one cut), the switch cannot tell
 * which is broken: no uplink is newly failed and the probed uplinks report
 * VMK_BEACON_AMBIGUOUS (ESXi's "shotgun" case; vmknet does not send on every
 * uplink at once, it keeps the link-status choice). Beacons are consumed by
 * the vSwitch at the uplink's input, never forwarded to a port; a malformed
 * one is a drop of reason VMK_DROP_BEACON; those of another host or vSwitch
 * are counted as foreign and ignored.
 */
#define VMK_BEACON_INTERVAL_DEFAULT  1     /* seconds (ESXi's) */
#define VMK_BEACON_INTERVAL_MAX      60
#define VMK_BEACON_THRESHOLD_DEFAULT 3     /* intervals (ESXi's) */
#define VMK_BEACON_THRESHOLD_MAX     60

/* Interval 1..VMK_BEACON_INTERVAL_MAX s, threshold 1..VMK_BEACON_THRESHOLD_MAX.
 * Returns 0 or -EINVAL. */
int vmk_vswitch_set_beacon(struct vmk_vswitch *vs, uint32_t interval_sec, uint32_t threshold);
int vmk_vswitch_get_beacon(struct vmk_vswitch *vs, uint32_t *interval_sec, uint32_t *threshold);

enum vmk_beacon_state {
	VMK_BEACON_OFF = 0,      /* not probed: no team asks for it, or its link is down */
	VMK_BEACON_OK,           /* its beacons go round */
	VMK_BEACON_FAILED,       /* failed for beacon-probing teams */
	VMK_BEACON_AMBIGUOUS,    /* not healthy, but no probed uplink is: not blamed */
};

/* "off", "ok", "failed", "ambiguous" (NULL out of range). */
const char *vmk_beacon_state_name(enum vmk_beacon_state s);

struct vmk_beacon_status {
	enum vmk_beacon_state state;
	uint32_t misses;          /* unhealthy intervals in a row */
	uint64_t sent;            /* beacons sent out of this uplink */
	uint64_t received;        /* beacons of the other uplinks it received */
	uint64_t heard;           /* its own beacons the other uplinks received */
	uint64_t foreign;         /* beacons of another host or vSwitch (ignored) */
};

/* An uplink's beacon probing. Returns 0, -ENOENT, -EINVAL (not an uplink). */
int vmk_port_get_beacon_status(struct vmk_vswitch *vs, uint32_t port_id,
			       struct vmk_beacon_status *out);

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
