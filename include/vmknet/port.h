/*
 * vSwitch ports.
 *
 * Every port kind implements one internal ops table. The kinds: the ethdev
 * port (any DPDK port, given by devargs: net_ring, net_pcap, net_null,
 * net_af_packet, net_tap, a PCI address; or by an ethdev port id the caller
 * already probed), the guest port (virtio-net over vhost-user) and the
 * VMkernel adapter's port. Ports are identified on their vSwitch by a port id (the slot
 * number, stable while the port exists) and by name.
 *
 * Thread: control plane (any non-worker thread), unless noted.
 */
#ifndef VMKNET_PORT_H
#define VMKNET_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <vmknet/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_vswitch;
struct vmk_vmknic;

enum vmk_port_kind {
	VMK_PORT_ETHDEV = 0, /* a DPDK ethdev */
	VMK_PORT_VHOST = 1,  /* a guest's virtio-net over a vhost-user socket */
	VMK_PORT_VMKNIC = 2, /* a VMkernel adapter (added by vmk_vmknic_add only) */
	VMK_PORT_KIND_MAX
};

#define VMK_PORT_ID_INVALID UINT32_MAX
#define VMK_ETHDEV_NONE     UINT16_MAX

struct vmk_port_params {
	const char *name;       /* unique on the vSwitch ("vmnic0", "vm1-eth0") */
	enum vmk_port_kind kind;
	bool uplink;            /* uplink: carries every VLAN, tagged; never
	                         * forwards to another uplink */
	const char *portgroup;  /* non-uplinks: the port group it joins */
	/* VMK_PORT_ETHDEV */
	const char *devargs;    /* probe this device, e.g. "net_ring0" or
	                         * "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap";
	                         * the port owns (and closes) what it probed */
	uint16_t ethdev_port;   /* or: use this probed ethdev (devargs NULL);
	                         * the caller keeps owning it */
	uint16_t n_rxq;         /* rx queues polled (0: 1) */
	uint16_t rxq_size;      /* descriptors (0: 1024) */
	uint16_t txq_size;      /* descriptors (0: 1024) */
	/* Any kind: the port's own MAC (a guest vNIC's or an adapter's). When
	 * set, it is registered in the FDB for the port group's VLAN (never
	 * learned, never aged) and is what the security policy checks. */
	bool has_mac;
	uint8_t mac[6];
	/* VMK_PORT_VHOST: the vhost-user socket. Client mode (default): the VM
	 * side (QEMU) listens and either side may restart; server mode: the
	 * switch listens. n_rxq is the number of queue pairs. */
	const char *vhost_path;
	bool vhost_server;
	/* VMK_PORT_VMKNIC: the adapter; set by vmk_vmknic_add(), which is the
	 * only way to add such a port (vmknet/vmknic.h): vmk_port_add refuses
	 * the kind with -ENOTSUP */
	struct vmk_vmknic *vmknic;
};

/* Fill *params with defaults: ethdev kind, no device, one queue. */
void vmk_port_params_init(struct vmk_port_params *params);

/*
 * Add a port and start it (the device is configured promiscuous, with the
 * host's pool, and polled by the running workers at once).
 * Returns 0 and sets *port_id, or -EINVAL (bad parameter), -EEXIST (name
 * taken), -ENOENT (no such port group), -ENOSPC (no free slot), -ENODEV
 * (device not found or not probed), or the ethdev error (negative errno).
 * On failure nothing is left behind.
 */
int vmk_port_add(struct vmk_vswitch *vs, const struct vmk_port_params *params,
		 uint32_t *port_id);

/*
 * Remove a port: workers stop polling it, its learned MAC entries are
 * flushed, the device is stopped (and closed if the port probed it).
 * Returns 0 or -ENOENT.
 */
int vmk_port_remove(struct vmk_vswitch *vs, uint32_t port_id);

/* Port id of the named port. Returns 0, or -ENOENT. */
int vmk_port_find(struct vmk_vswitch *vs, const char *name, uint32_t *port_id);

struct vmk_port_info {
	uint32_t port_id;
	char name[32];
	enum vmk_port_kind kind;
	bool uplink;
	char portgroup[32];     /* "" for uplinks */
	uint16_t vlan_id;       /* the port group's VLAN (uplinks: 4095) */
	uint8_t mac[6];
	bool link_up;           /* uplinks: false too while taken down */
	bool admin_up;          /* false: taken down by vmk_port_set_admin_up */
	uint32_t link_speed_mbps;
	uint16_t ethdev_port;   /* VMK_ETHDEV_NONE for non-ethdev kinds */
};

/* Describe a port. Returns 0 or -ENOENT. */
int vmk_port_get_info(struct vmk_vswitch *vs, uint32_t port_id, struct vmk_port_info *out);

/*
 * Take an uplink's link down for teaming (up false) or bring it back (up
 * true), as `esxcli network nic down|up` does: the link monitor then reads
 * its link as down whatever the device reports, so teams fail over to
 * their standby uplinks within one monitor pass (about 10 ms) and fail
 * back per their policy when it is up again. The device is also asked to
 * take its link down or up (rte_eth_dev_set_link_down/up); drivers that
 * cannot are left as they are, the switch's own flag being what teaming
 * reads. Not kept across a restart of the host (ESXi does not keep it
 * either). Thread: control. Returns 0, or -ENOENT (no such port), -EINVAL
 * (not an uplink).
 */
int vmk_port_set_admin_up(struct vmk_vswitch *vs, uint32_t port_id, bool up);

/* Fill up to max port ids in slot order; returns how many ports exist. */
unsigned int vmk_port_list(struct vmk_vswitch *vs, uint32_t *port_ids, unsigned int max);

/*
 * Counters since the port was added or last reset, summed over workers.
 * Thread: any; counts in flight may lag by one burst.
 * Returns 0 or -ENOENT.
 */
int vmk_port_get_stats(struct vmk_vswitch *vs, uint32_t port_id, struct vmk_port_stats *out);

/* Zero the port's counters (as seen by vmk_port_get_stats). Returns 0 or -ENOENT. */
int vmk_port_reset_stats(struct vmk_vswitch *vs, uint32_t port_id);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
