/*
 * vSwitch internals shared by the control side (vswitch.c, port.c,
 * fdb_api.c) and the data path (switch.c, worker.c).
 *
 * What workers read is published as an immutable `vs_view` (ports by slot,
 * their VLAN role, flood sets per VLAN) swapped atomically and reclaimed
 * after an RCU grace period; a worker never sees a half-built object.
 */
#ifndef VMK_VSWITCH_VSWITCH_H
#define VMK_VSWITCH_VSWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include <vmknet/policy.h>
#include <vmknet/vswitch.h>

#include "common/lock.h"
#include "vswitch/dp.h"
#include "vswitch/fdb.h"
#include "vswitch/port.h"
#include "vswitch/shaper.h"
#include "vswitch/teaming.h"

#define VS_BURST          32
#define VS_MAX_PORTGROUPS 512
#define VS_N_VLANS        4096

/* A port group: every field guarded by: dp->lock (the data path reads the
 * view built from it, never the port group). */
struct portgroup {
	bool used;
	char name[VMK_NAME_MAX];
	uint16_t vlan;
	uint32_t n_ports;
	struct vmk_security_policy sec;   /* fields named in sec_mask override */
	unsigned int sec_mask;
	bool shaping_override;
	struct vmk_shaping_policy shaping;
	bool teaming_override;
	struct vmk_teaming_policy teaming;
};

struct flood_set {
	uint16_t n;
	uint16_t slot[];
};

#define VP_FORGED_REJECT 0x1   /* drop frames whose source is not mac */
#define VP_MAC_BLOCKED   0x2   /* MAC changes rejected and the MAC changed */
#define VP_PROMISC       0x4   /* receives every frame of its VLAN */

struct vs_view_port {
	struct vs_port *port;  /* NULL: free slot */
	uint16_t vlan;         /* access VLAN 0..4094, or VMK_VLAN_TRUNK */
	bool uplink;
	uint8_t sec;           /* VP_* */
	uint64_t mac;          /* effective MAC as 48 bits (fdb_key layout), 0: none */
	struct shaper_profile shaping;
	struct vs_team team;   /* non-uplinks: the uplinks their frames leave by */
};

struct vs_view {
	uint32_t max_frame;    /* longest untagged frame accepted: MTU + 14 */
	uint32_t n_slots;
	struct flood_set *flood_default;          /* trunks + uplinks */
	struct flood_set *flood[VS_N_VLANS];      /* NULL: flood_default */
	struct flood_set *promisc[VS_N_VLANS];    /* promiscuous ports; NULL: none */
	struct vs_view_port port[];               /* [n_slots] */
};

/* Per-worker transmit staging: one buffer per destination slot, and the
 * list of slots used by the current burst. */
struct vs_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[VS_BURST];
};

struct vs_txbufs {
	uint16_t n_dirty;
	uint16_t *dirty;          /* [n_slots] */
	struct vs_txbuf *buf;     /* [n_slots] */
};

struct vmk_vswitch {
	struct vs_dp *dp;             /* set at creation */
	unsigned int index;           /* set at creation */
	char name[VMK_NAME_MAX];      /* set at creation */
	uint32_t mtu;                 /* guarded by: dp->lock */
	uint32_t n_slots;             /* set at creation */
	uint32_t aging_sec;           /* guarded by: dp->lock */
	struct fdb *fdb;              /* guarded by: dp->lock; RCU-published to workers */
	struct vs_view *view;         /* guarded by: dp->lock; RCU-published to workers */
	struct vs_port **ports;       /* guarded by: dp->lock (control's table [n_slots]) */
	uint32_t n_ports;             /* guarded by: dp->lock */
	struct portgroup pgs[VS_MAX_PORTGROUPS]; /* guarded by: dp->lock */
	struct vmk_security_policy sec;   /* guarded by: dp->lock (port groups inherit) */
	struct vmk_shaping_policy shaping; /* guarded by: dp->lock */
	struct vmk_teaming_policy teaming; /* guarded by: dp->lock */
	/* Beacon probing (beacon.c): settings, and the link monitor's clock. */
	uint32_t beacon_interval_sec;  /* guarded by: dp->lock */
	uint32_t beacon_threshold;     /* guarded by: dp->lock */
	uint64_t beacon_next_ms;       /* guarded by: dp->lock; 0: not probing */
	uint32_t beacon_seq;           /* guarded by: dp->lock */
	struct vs_txbufs *txb;        /* [host max_workers]: each worker its own */
};

/* For the analysis only: vs->dp->lock is the datapath lock the caller holds
 * under another name (vs->dp is the dp it locked). */
static inline void vs_dp_held(const struct vmk_vswitch *vs) VMK_ASSERT_HELD(vs->dp->lock)
{
	(void)vs;
}

/* Build and publish a new view from the control state; the old one is freed
 * after a grace period. dp->lock held. Returns 0 or -ENOMEM (old view kept). */
int vs_view_publish(struct vmk_vswitch *vs) VMK_REQUIRES(vs->dp->lock);

/* Free a view and its flood sets (NULL ok). */
void vs_view_free(struct vs_view *v);

struct portgroup *vs_portgroup_find(struct vmk_vswitch *vs, const char *name);

/* The port in a slot, or NULL (control thread). */
struct vs_port *vs_port_get(struct vmk_vswitch *vs, uint32_t port_id);

/* Per-frame classification, between the two passes of a burst. */
struct pkt_cls {
	uint64_t skey, dkey;
	struct fdb_hash sh, dh;
	uint16_t vlan;  /* switching VLAN: 0..4094 */
	uint16_t fvid;  /* VID in the frame's tag, or 0xffff when untagged */
	uint16_t dst;   /* slot, or a DST_* marker of switch.c */
};

/* One received burst between its two passes (worker-local). */
struct vs_burst {
	struct vmk_vswitch *vs;
	struct vs_port *in;
	const struct vs_view *view;
	struct fdb *fdb;
	uint16_t n;
	struct rte_mbuf *pkts[VS_BURST];
	struct pkt_cls c[VS_BURST];
};

/*
 * Pass 1: classify the burst and prefetch its FDB buckets. Takes the n
 * mbufs (copied into b unless pkts is b->pkts). The view and FDB it reads
 * stay valid until the worker's next quiescent state, so the burst must be
 * finished before then. Worker `widx` only.
 */
void vs_burst_prepare(struct vs_burst *b, struct vmk_vswitch *vs, struct vs_port *in,
		      uint16_t qid, struct rte_mbuf **pkts, uint16_t n, unsigned int widx,
		      uint64_t tsc);

/* Pass 2: learn, look up, deliver and flush; every mbuf is consumed. */
void vs_burst_finish(struct vs_burst *b, unsigned int widx, uint32_t now);

/* Effective policies of a port group (dp->lock held). */
void vs_pg_security(const struct vmk_vswitch *vs, const struct portgroup *pg,
		    struct vmk_security_policy *out) VMK_REQUIRES(vs->dp->lock);
void vs_pg_shaping(const struct vmk_vswitch *vs, const struct portgroup *pg,
		   struct vmk_shaping_policy *out) VMK_REQUIRES(vs->dp->lock);

/* The view's form of a teaming policy (names resolved to uplink slots;
 * an empty active list: every uplink in slot order). dp->lock held. */
void vs_team_build(const struct vmk_vswitch *vs, const struct vmk_teaming_policy *p,
		   struct vs_team *out) VMK_REQUIRES(vs->dp->lock);
void vs_pg_teaming(const struct vmk_vswitch *vs, const struct portgroup *pg,
		   struct vmk_teaming_policy *out) VMK_REQUIRES(vs->dp->lock);

/* The uplink a frame of port `in` leaves by (hash: the frame's source-MAC
 * CRC, or its IPv4 hash for VMK_LB_IP_HASH), or -1 when no uplink of the
 * team is up. Any thread. */
int vs_team_pick(const struct vs_view *v, const struct vs_team *t, uint16_t in_slot,
		 uint32_t hash);

/* Beacon probing, the link monitor's pass (beacon.c): at each interval of a
 * vSwitch whose teams probe, judge the last interval and send the next
 * beacons. now_ms: a monotonic clock. Returns true when an uplink failed or
 * recovered (the monitor then announces the moves). */
bool beacon_poll(struct vmk_vswitch *vs, uint64_t now_ms) VMK_REQUIRES(vs->dp->lock);

/* Uplink `slot` of vs just failed (link or beacons; link_monitor.c): it is
 * used last by teams without failback, and the others it had displaced are
 * restored. */
void link_demote(struct vmk_vswitch *vs, uint32_t slot) VMK_REQUIRES(vs->dp->lock);

/* The data path's form of a shaping policy. */
void vs_shaping_profile(const struct vmk_shaping_policy *p, struct shaper_profile *out);

/* Register or unregister the MACs of a port group's ports in the FDB for
 * the group's VLAN (dp->lock held). */
void vs_pg_register_macs(struct vmk_vswitch *vs, const struct portgroup *pg, bool add)
	VMK_REQUIRES(vs->dp->lock);

/* Ensure the vSwitch's frames fit the port's device after an MTU change. */
int vs_ports_set_mtu(struct vmk_vswitch *vs, uint32_t mtu);

#endif
