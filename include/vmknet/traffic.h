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

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
