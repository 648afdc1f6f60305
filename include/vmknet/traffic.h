/*
 * Traffic classes: which kind of host traffic a frame is, how it is marked
 * for the physical network (DSCP, 802.1p), and what each uplink sent of it.
 *
 * The classes are vSphere Network I/O Control's system traffic types, with
 * their names. Every frame a vmknic sends carries exactly one class,
 * decided in this order (the first rule that gives one wins):
 *   1. the socket's class, set by the program (vmk_tcp_set_class,
 *      vmk_udp_set_class; SO_PRIORITY through vmkrun, see below);
 *   2. a well-known port, local or remote, of the TCP or UDP datagram:
 *      iSCSI 3260; NFS 2049, 111; vMotion 8000; faultToleranceLogging
 *      8100, 8200, 8300; vSAN 2233, 12321; NFC 902 (vSphereProvisioning);
 *   3. the adapter's service tags, the first of this order it carries:
 *      faultToleranceLogging, VMotion, VSAN, VSANWitness, vSphereReplication,
 *      vSphereReplicationNFC, Provisioning, vSphereBackupNFC, Management
 *      (NVMeTCP maps to no class);
 *   4. management.
 * ARP and ICMP frames follow rule 3. Frames that guests send (vhost ports)
 * are virtualMachine.
 *
 * SO_PRIORITY through vmkrun (sockets/server_chan.c): a value of 1..8
 * selects the class whose enum value is one less (1 management, 2 vMotion,
 * ... 8 vSphereReplication), for a listener also its accepted connections;
 * 0 and any other value leave the class to rules 2-4.
 *
 * Marking is per host: per class an optional DSCP (written into the IPv4
 * header of every datagram and fragment the class sends; TSO segments
 * inherit it) and an optional CoS (the 802.1p priority in the 802.1Q tag of
 * a frame that leaves an uplink tagged; on an untagged port group a
 * priority tag, VLAN 0, is added only when priority_tag is set).
 * virtualMachine takes a CoS only (guests write their own DSCP).
 *
 * Network I/O Control: see its section below.
 *
 * Thread: control plane (any non-worker thread). Errors: negative errno,
 * with vmk_last_error() saying why.
 */
#ifndef VMKNET_TRAFFIC_H
#define VMKNET_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;
struct vmk_vswitch;

enum vmk_traffic_class {
	VMK_TC_MANAGEMENT = 0,   /* "management" */
	VMK_TC_VMOTION,          /* "vMotion" */
	VMK_TC_PROVISIONING,     /* "vSphereProvisioning" (NFC included) */
	VMK_TC_FT_LOGGING,       /* "faultToleranceLogging" */
	VMK_TC_ISCSI,            /* "iSCSI" */
	VMK_TC_NFS,              /* "NFS" */
	VMK_TC_VSAN,             /* "vSAN" */
	VMK_TC_REPLICATION,      /* "vSphereReplication" */
	VMK_TC_VIRTUAL_MACHINE,  /* "virtualMachine": frames of guest ports */
	VMK_TC_COUNT
};

/* A socket without a class of its own (rules 2-4 decide). */
#define VMK_TC_NONE 0xff

/* The esxcli name of a class ("vMotion", ...), or NULL when out of range. */
const char *vmk_traffic_class_name(enum vmk_traffic_class c);

/* Parse a class name (case-insensitive). Returns 0 or -EINVAL. */
int vmk_traffic_class_parse(const char *name, enum vmk_traffic_class *c);

/* ---- marking --------------------------------------------------------- */

#define VMK_DSCP_MAX 63
#define VMK_COS_MAX  7

struct vmk_traffic_marking {
	int dscp;            /* 0..63, or -1: the header's TOS is left 0 */
	int cos;             /* 0..7, or -1: tags keep priority 0 */
	bool priority_tag;   /* with cos: untagged frames get a VLAN 0 tag */
};

/*
 * Set the marking of one class on a host; it applies to the next frame
 * each worker sends. Returns 0, or -EINVAL (no host, bad class, DSCP out
 * of 0..63, CoS out of 0..7, priority_tag without a CoS, a DSCP for
 * virtualMachine); on a refusal nothing changes.
 */
int vmk_traffic_marking_set(struct vmk_host *host, enum vmk_traffic_class c,
			    const struct vmk_traffic_marking *m);

/* The marking of one class (-1, -1, false until set). 0 or -EINVAL. */
int vmk_traffic_marking_get(struct vmk_host *host, enum vmk_traffic_class c,
			    struct vmk_traffic_marking *out);

/* ---- counters per uplink and class ------------------------------------ */

struct vmk_traffic_class_stats {
	uint64_t tx_packets;  /* wire frames the uplink accepted */
	uint64_t tx_bytes;
	uint64_t tx_drops;    /* given up at the uplink (queue full, no buffer,
			       * a TSO frame it could not cut) */
};

/*
 * What port port_id of vs sent of each class since it was added or its
 * counters were last reset (vmk_port_reset_stats), summed over workers:
 * out[c] for every class c. Counted on uplinks only (other ports read 0).
 * Thread: any. Returns 0, -EINVAL or -ENOENT.
 */
int vmk_port_get_class_stats(struct vmk_vswitch *vs, uint32_t port_id,
			     struct vmk_traffic_class_stats out[VMK_TC_COUNT]);

/* ---- Network I/O Control ---------------------------------------------- */

/*
 * NIOC v3's model, per host and applied to every uplink of every vSwitch:
 * each class has shares, a reservation and a limit on each uplink; the
 * uplink's capacity is its link speed (vmk_port_set_link_speed for a
 * virtual NIC that reports none, or to schedule below the wire's rate).
 * Under contention an uplink's bandwidth goes first to the reservations of
 * the classes that have something to send, then by shares; a class alone
 * may use the whole uplink up to its limit, and never more than its limit.
 * Off (the default), uplinks send as fast as the device takes frames.
 * An uplink whose capacity is unknown, or too small for the sum of the
 * reservations, is not scheduled (vmk_port_get_nioc says why).
 *
 * Defaults, as vSphere's: every class normal shares (50) except
 * virtualMachine high (100), no reservation, no limit.
 *
 * Thread: control plane. Errors: negative errno, vmk_last_error() says
 * why, naming the class or the uplink; on a refusal nothing changes.
 */
#define VMK_NIOC_SHARES_LOW     25
#define VMK_NIOC_SHARES_NORMAL  50
#define VMK_NIOC_SHARES_HIGH    100
#define VMK_NIOC_SHARES_MAX     100
#define VMK_NIOC_UNLIMITED      (-1)
#define VMK_NIOC_RESERVABLE_PCT 75     /* of an uplink's capacity, all classes */
#define VMK_LINK_SPEED_MAX_MBPS 400000

struct vmk_nioc_class {
	uint32_t shares;            /* 1..100 */
	uint32_t reservation_mbps;  /* Mbit/s guaranteed on each uplink; 0: none */
	int64_t limit_mbps;         /* Mbit/s at most on each uplink, >= the
				     * reservation and > 0; VMK_NIOC_UNLIMITED */
};

/* Turn NIOC on or off on every uplink. Frames queued when it goes off
 * are sent or freed; nothing else is lost. 0 or -EINVAL / -ENOMEM. */
int vmk_nioc_set_enabled(struct vmk_host *host, bool enabled);

/* Whether NIOC is on. 0 or -EINVAL. */
int vmk_nioc_get_enabled(struct vmk_host *host, bool *enabled);

/*
 * Set one class's shares, reservation and limit. -EINVAL when a value is
 * out of range, the limit is below the reservation, or the reservations of
 * all classes would exceed VMK_NIOC_RESERVABLE_PCT % of some uplink's
 * capacity (the message names it). Applies to the next frames each uplink
 * schedules.
 */
int vmk_nioc_class_set(struct vmk_host *host, enum vmk_traffic_class c,
		       const struct vmk_nioc_class *p);

/* One class's settings. 0 or -EINVAL. */
int vmk_nioc_class_get(struct vmk_host *host, enum vmk_traffic_class c,
		       struct vmk_nioc_class *out);

/*
 * The capacity NIOC gives an uplink: mbps 1..VMK_LINK_SPEED_MAX_MBPS, or 0
 * to go back to the speed its device reports. -EINVAL (not an uplink, out
 * of range, or too small for the reservations), -ENOENT.
 */
int vmk_port_set_link_speed(struct vmk_vswitch *vs, uint32_t port_id, uint32_t mbps);

struct vmk_nioc_uplink {
	uint32_t speed_mbps;        /* set by vmk_port_set_link_speed; 0: none */
	uint32_t capacity_mbps;     /* scheduled against: the setting, else the
				     * device's link speed; 0: unknown */
	bool scheduled;             /* NIOC is on and schedules this uplink */
	char why_not[160];          /* when on but not scheduled: the reason */
};

/* An uplink's NIOC state. 0, -EINVAL (not an uplink) or -ENOENT. */
int vmk_port_get_nioc(struct vmk_vswitch *vs, uint32_t port_id, struct vmk_nioc_uplink *out);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
