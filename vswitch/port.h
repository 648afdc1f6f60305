/*
 * The port-ops table: one implementation per port kind (port_ethdev.c,
 * port_vhost.c here; the vmknic kind in vmknic/port_vmknic.c, added through
 * vs_port_add), in the shape of Open vSwitch's netdev-provider. The switch
 * core only ever talks to a port through these.
 *
 * Ownership rules, for every kind:
 *  - rx_burst gives the caller the mbufs it returns;
 *  - tx_burst takes the first N mbufs, N being its return value; the caller
 *    still owns (and frees, counting a drop) the rest.
 */
#ifndef VMK_VSWITCH_PORT_H
#define VMK_VSWITCH_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include <vmknet/port.h>
#include <vmknet/stats.h>
#include <vmknet/traffic.h>
#include <vmknet/vswitch.h>

#include "vswitch/beacon.h"
#include "vswitch/shaper.h"

struct vs_port;
struct vs_nioc;
struct vmk_vswitch;

struct port_ops {
	const char *kind_name;
	/*
	 * Bring the port up from params (probe, configure, start). Sets
	 * p->priv and p->n_rxq. Returns 0 or a negative errno with nothing
	 * left behind. Control thread.
	 */
	int (*init)(struct vs_port *p, const struct vmk_port_params *params);
	/* Stop and release everything init made. Control thread, after no
	 * worker polls or transmits on the port any more. */
	void (*fini)(struct vs_port *p);
	/* Receive up to n frames from queue qid into pkts (caller owns them).
	 * Worker that polls qid only. */
	uint16_t (*rx_burst)(struct vs_port *p, uint16_t qid, struct rte_mbuf **pkts,
			     uint16_t n);
	/* Send; takes the first <return> mbufs, the caller keeps the rest.
	 * Any worker; `worker` selects its tx queue (lock-free when the
	 * device has a queue per worker). */
	uint16_t (*tx_burst)(struct vs_port *p, unsigned int worker, struct rte_mbuf **pkts,
			     uint16_t n);
	/* Fill MAC, link and device fields of *info. Control thread. */
	void (*get_info)(struct vs_port *p, struct vmk_port_info *info);
	/* Add device-level counters (buffer shortage, rx overruns) to *s. */
	void (*add_dev_stats)(struct vs_port *p, struct vmk_port_stats *s);
	/* MTU change of the vSwitch. Returns 0 or a negative errno. */
	int (*set_mtu)(struct vs_port *p, uint32_t mtu);
	/* Current link state (may make a system call: link monitor only). */
	bool (*link_get)(struct vs_port *p);
	/* Tell the physical network where this port's addresses now are (its
	 * frames leave by another uplink after a failover): a vmknic sends a
	 * gratuitous ARP for its address. Optional; link monitor only. */
	void (*announce)(struct vs_port *p);
	/* Takes frames that ask for transmit offloads (TSO, TCP checksum:
	 * vswitch/offload.h) as they are: a vmknic, whose stack is in this
	 * host. For the other kinds the switch finishes them in software. */
	bool tx_offload;
	/* The frames it hands the switch carry their traffic class on the
	 * mbuf (common/tclass.h): a vmknic. Frames of the other kinds are
	 * virtualMachine. */
	bool tx_classed;
};

extern const struct port_ops port_ethdev_ops;
extern const struct port_ops port_vhost_ops;

/* The ethdev kind's operations, which kinds built on a DPDK PMD reuse. */
int port_ethdev_init(struct vs_port *p, const struct vmk_port_params *params);
void port_ethdev_fini(struct vs_port *p);
uint16_t port_ethdev_rx(struct vs_port *p, uint16_t qid, struct rte_mbuf **pkts, uint16_t n);
uint16_t port_ethdev_tx(struct vs_port *p, unsigned int worker, struct rte_mbuf **pkts,
			uint16_t n);
void port_ethdev_get_info(struct vs_port *p, struct vmk_port_info *info);
void port_ethdev_add_dev_stats(struct vs_port *p, struct vmk_port_stats *s);
int port_ethdev_set_mtu(struct vs_port *p, uint32_t mtu);
bool port_ethdev_link_get(struct vs_port *p);

/* Counters one worker (or the control thread, at index max_workers) keeps
 * for one port: written only by that thread, summed by readers. */
struct port_wstats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_multicast;
	uint64_t rx_drops[VMK_DROP_MAX];
	uint64_t tx_drops[VMK_DROP_MAX];
	/* Uplinks: what was sent and given up, per traffic class (tclass.c). */
	uint64_t tc_packets[VMK_TC_COUNT], tc_bytes[VMK_TC_COUNT], tc_drops[VMK_TC_COUNT];
	/* Uplinks, beacon probing (beacon.c): this vSwitch's beacons of another
	 * uplink received here; this uplink's own beacons received by another
	 * uplink (written by the receiving worker, in its own slot); beacons
	 * of another host or vSwitch. */
	uint64_t beacon_rx, beacon_heard, beacon_foreign;
} __rte_cache_aligned;

struct vs_port {
	const struct port_ops *ops;
	struct vmk_vswitch *vs;
	uint16_t slot;
	uint16_t n_rxq;
	bool uplink;
	char name[VMK_NAME_MAX];       /* set when added */
	char portgroup[VMK_NAME_MAX];  /* guarded by: dp->lock ("" for uplinks) */
	void *priv;                    /* the kind's state */
	bool has_mac;                  /* guarded by: dp->lock */
	uint8_t mac[6];                /* guarded by: dp->lock (registered MAC) */
	bool has_eff_mac;
	uint8_t eff_mac[6];            /* the guest's current MAC, if it changed */
	struct shaper *shapers;        /* [n_rxq], one per rx queue */
	/* Uplinks: written by the link monitor (its passes hold dp->lock), read
	 * atomically by the data path. */
	uint8_t link_up;
	uint8_t demoted;               /* failed; with failback off, used last */
	/* Uplinks: taken down by the operator (vmk_port_set_admin_up): the
	 * link monitor reads the link as down whatever the device says, as if
	 * the cable were pulled. Written under dp->lock, read by the monitor. */
	uint8_t admin_down;
	/* Uplinks: failed by beacon probing (beacon.c), for the teams that
	 * probe. Written by the link monitor, read atomically by the data path. */
	uint8_t beacon_failed;
	struct beacon_uplink beacon;   /* the link monitor's (its passes hold dp->lock) */
	/* Non-uplinks: the uplink last used (link monitor's, for notify). */
	int last_uplink;
	/* Non-uplinks with a link of their own (guest ports): its state at the
	 * link monitor's last pass and the announcements of the port's MAC
	 * still due since it came up (the link monitor's, under dp->lock);
	 * RARPs sent for the port (read atomically by the counters). */
	uint8_t ann_link;
	uint8_t ann_left;
	uint64_t ann_due_ms;
	uint64_t announces;
	/* Packet capture attached to this port, or NULL (vswitch/capture.c). */
	struct vmk_capture *capture;   /* guarded by: dp->lock; read atomically by workers */
	struct vmk_port_stats base;    /* guarded by: dp->lock (subtracted by vmk_port_get_stats) */
	struct vmk_traffic_class_stats tc_base[VMK_TC_COUNT]; /* guarded by: dp->lock (idem,
				       * vmk_port_get_class_stats) */
	struct port_wstats *wstats;    /* [dp max_workers + 1] */
	/* Uplinks: Network I/O Control (nioc_port.h). */
	uint32_t speed_mbps;           /* guarded by: dp->lock (0: the device's) */
	struct vs_nioc *nioc;          /* guarded by: dp->lock; read atomically by workers */
	char nioc_why[160];             /* guarded by: dp->lock: why NIOC does not schedule it */
	enum vmk_port_kind kind;       /* as added (vmk_port_get_info) */
};

/*
 * vmk_port_add with the kind's operations given: how a layer above the
 * switch adds a port of a kind it implements (vmknic/port_vmknic.c); the
 * switch itself knows only the ethdev and vhost kinds. ops NULL: -ENOTSUP.
 * Takes dp->lock.
 */
int vs_port_add(struct vmk_vswitch *vs, const struct vmk_port_params *params,
		const struct port_ops *ops, uint32_t *port_id);

#endif
