/*
 * Physical NICs: esxcli's `network nic list|get|set|up|down` and `network
 * nic stats get`. `nic set -S` sets the speed Network I/O Control
 * schedules the NIC against while it is an uplink (the configuration's
 * "nioc.uplinks"; saved, like every change); list and get show it as the
 * Speed when set. A NIC is an ethdev EAL probed at start; what the switch
 * counts on it (drops by reason, multicast) is added while it is an uplink.
 * `nic down` is run-time state, as on ESXi: not saved, gone at restart; it
 * follows the NIC when it is removed from a vSwitch and added again.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include "vmknetd/ops.h"

/* NICs taken down by `nic down`, by ethdev port. The daemon has one host
 * and serves one request at a time (under d->lock), so one table is all. */
static bool nic_admin_down[RTE_MAX_ETHPORTS];

/* The uplink port of a NIC, when it is one. */
static struct vmk_vswitch *nic_uplink(struct daemon *d, const char *name, uint32_t *port_id)
{
	struct vmk_config_vswitch *c = vmk_config_find_uplink(d->cfg, name);
	struct vmk_vswitch *vs = c != NULL ? vmk_vswitch_find(d->host, c->name) : NULL;

	if (vs == NULL || vmk_port_find(vs, name, port_id) < 0)
		return NULL;
	return vs;
}

/* The NIC named by args' "nic_name", or NULL with the reason in err. */
static const struct vmk_config_nic *nic_arg(struct daemon *d, const cJSON *args, char *err,
					    size_t err_size)
{
	const struct vmk_config_nic *nic;
	const char *name;

	if (arg_str(args, "nic_name", true, &name, err, err_size) < 0)
		return NULL;
	nic = nic_find(d, name);
	if (nic == NULL)
		op_errf(err, err_size, "no NIC named \"%s\" (see 'vmkcli network nic list')", name);
	return nic;
}

/* vmknet's own field: the uplink's beacon probing (policy.h), "off" when
 * it is not an uplink or not probed. */
static void add_beacon(struct vmk_vswitch *vs, uint32_t port_id, cJSON *o)
{
	struct vmk_beacon_status b;

	if (vs == NULL || vmk_port_get_beacon_status(vs, port_id, &b) < 0)
		b.state = VMK_BEACON_OFF;
	cJSON_AddStringToObject(o, "beacon_status", vmk_beacon_state_name(b.state));
}

/* vmknet's own counters of beacon probing (zero when not an uplink). */
static void add_beacon_counts(struct vmk_vswitch *vs, uint32_t port_id,
			      const struct vmk_port_stats *ps, cJSON *o)
{
	struct vmk_beacon_status b;

	if (vs == NULL || vmk_port_get_beacon_status(vs, port_id, &b) < 0)
		memset(&b, 0, sizeof(b));
	cJSON_AddNumberToObject(o, "beacons_sent", (double)b.sent);
	cJSON_AddNumberToObject(o, "beacons_received", (double)b.received);
	cJSON_AddNumberToObject(o, "beacons_heard", (double)b.heard);
	cJSON_AddNumberToObject(o, "beacons_foreign", (double)b.foreign);
	cJSON_AddNumberToObject(o, "beacons_malformed", (double)ps->rx_drops[VMK_DROP_BEACON]);
}

static void add_nic(struct daemon *d, const struct vmk_config_nic *nic, cJSON *o)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	struct rte_eth_link link;
	char macs[RTE_ETHER_ADDR_FMT_SIZE] = "00:00:00:00:00:00";
	char desc[96];
	uint16_t mtu = 0;
	uint32_t port_id;
	struct vmk_vswitch *vs = nic_uplink(d, nic->name, &port_id);
	bool admin = !nic_admin_down[nic->ethdev_port];
	struct vmk_port_info pi;
	bool up = vs != NULL && admin;

	memset(&info, 0, sizeof(info));
	memset(&link, 0, sizeof(link));
	rte_eth_dev_info_get(nic->ethdev_port, &info);
	if (rte_eth_macaddr_get(nic->ethdev_port, &mac) == 0)
		rte_ether_format_addr(macs, sizeof(macs), &mac);
	rte_eth_link_get_nowait(nic->ethdev_port, &link);
	rte_eth_dev_get_mtu(nic->ethdev_port, &mtu);
	snprintf(desc, sizeof(desc), "DPDK %s ethdev %u",
		 info.driver_name ? info.driver_name : "unknown", nic->ethdev_port);
	cJSON_AddStringToObject(o, "name", nic->name);
	cJSON_AddStringToObject(o, "pci_device",
				info.device != NULL ? rte_dev_name(info.device) : "");
	cJSON_AddStringToObject(o, "driver", info.driver_name ? info.driver_name : "");
	/* The link as teaming sees it: the switch's reading (af_packet's
	 * carrier, nic down) when it is an uplink. */
	if (vs != NULL && vmk_port_get_info(vs, port_id, &pi) == 0)
		link.link_status = pi.link_up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	cJSON_AddStringToObject(o, "admin_status", up ? "Up" : "Down");
	cJSON_AddStringToObject(o, "link_status",
				up && link.link_status == RTE_ETH_LINK_UP ? "Up" : "Down");
	/* The speed NIOC uses: the one set (nic set -S), else the link's. */
	cJSON_AddNumberToObject(o, "speed", vmk_config_nic_speed(d->cfg, nic->name) != 0 ?
				vmk_config_nic_speed(d->cfg, nic->name) :
				up && link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN ?
				link.link_speed : 0);
	cJSON_AddStringToObject(o, "duplex",
				link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "Full" : "Half");
	cJSON_AddStringToObject(o, "mac_address", macs);
	cJSON_AddNumberToObject(o, "mtu", mtu);
	cJSON_AddStringToObject(o, "description", desc);
	add_beacon(vs, port_id, o);
}

static int nic_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		    size_t err_size)
{
	cJSON *arr = cJSON_CreateArray();

	(void)args;
	(void)err;
	(void)err_size;
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->n_nics; i++) {
		cJSON *o = cJSON_CreateObject();

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return -ENOMEM;
		}
		add_nic(d, &d->nics[i], o);
	}
	*result = arr;
	return 0;
}

static int nic_stats(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		     size_t err_size)
{
	const struct vmk_config_nic *nic = nic_arg(d, args, err, err_size);
	struct vmk_port_stats ps;
	struct rte_eth_stats es;
	struct vmk_vswitch *vs;
	const char *name;
	uint32_t port_id;
	cJSON *o;

	if (nic == NULL)
		return -ENODEV;
	name = nic->name;
	memset(&es, 0, sizeof(es));
	memset(&ps, 0, sizeof(ps));
	rte_eth_stats_get(nic->ethdev_port, &es);
	vs = nic_uplink(d, name, &port_id);
	if (vs != NULL)
		vmk_port_get_stats(vs, port_id, &ps);
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	cJSON_AddStringToObject(o, "nic_name", name);
	cJSON_AddNumberToObject(o, "packets_received", (double)es.ipackets);
	cJSON_AddNumberToObject(o, "packets_sent", (double)es.opackets);
	cJSON_AddNumberToObject(o, "bytes_received", (double)es.ibytes);
	cJSON_AddNumberToObject(o, "bytes_sent", (double)es.obytes);
	cJSON_AddNumberToObject(o, "receive_packets_dropped",
				(double)(vs != NULL ? vmk_port_stats_rx_dropped(&ps) :
					 es.imissed + es.rx_nombuf));
	cJSON_AddNumberToObject(o, "transmit_packets_dropped",
				(double)vmk_port_stats_tx_dropped(&ps));
	cJSON_AddNumberToObject(o, "multicast_packets_received", (double)ps.rx_multicast);
	cJSON_AddNumberToObject(o, "total_receive_errors", (double)es.ierrors);
	cJSON_AddNumberToObject(o, "receive_missed_errors", (double)es.imissed);
	cJSON_AddNumberToObject(o, "total_transmit_errors", (double)es.oerrors);
	add_beacon_counts(vs, port_id, &ps, o);
	*result = o;
	return 0;
}

/* esxcli's "Advertised Link Modes" from the speeds the device can do. */
static cJSON *link_modes(uint32_t capa)
{
	static const struct { uint32_t bit; const char *mode; } modes[] = {
		{ RTE_ETH_LINK_SPEED_10M_HD, "10BaseT/Half" },
		{ RTE_ETH_LINK_SPEED_10M, "10BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_100M_HD, "100BaseT/Half" },
		{ RTE_ETH_LINK_SPEED_100M, "100BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_1G, "1000BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_2_5G, "2500BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_5G, "5000BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_10G, "10000BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_25G, "25000BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_40G, "40000BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_50G, "50000BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_100G, "100000BaseT/Full" },
		{ RTE_ETH_LINK_SPEED_200G, "200000BaseT/Full" },
	};
	cJSON *a = cJSON_CreateArray();

	if (a != NULL && capa != 0 && !(capa & RTE_ETH_LINK_SPEED_FIXED))
		cJSON_AddItemToArray(a, cJSON_CreateString("Auto"));
	for (unsigned int i = 0; a != NULL && i < RTE_DIM(modes); i++)
		if (capa & modes[i].bit)
			cJSON_AddItemToArray(a, cJSON_CreateString(modes[i].mode));
	return a;
}

static cJSON *driver_info(const struct rte_eth_dev_info *info, uint16_t ethdev_port)
{
	cJSON *o = cJSON_CreateObject();
	char fw[64];

	if (o == NULL)
		return NULL;
	if (rte_eth_dev_fw_version_get(ethdev_port, fw, sizeof(fw)) != 0)
		snprintf(fw, sizeof(fw), "N/A");
	cJSON_AddStringToObject(o, "bus_info", info->device != NULL ?
				rte_dev_name(info->device) : "N/A");
	cJSON_AddStringToObject(o, "driver", info->driver_name ? info->driver_name : "N/A");
	cJSON_AddStringToObject(o, "firmware_version", fw);
	cJSON_AddStringToObject(o, "version", rte_version());
	return o;
}

/* Pause frames as the device reports them (false where it cannot say). */
static void add_pause(cJSON *o, uint16_t ethdev_port)
{
	struct rte_eth_fc_conf fc;
	bool known;

	memset(&fc, 0, sizeof(fc));
	known = rte_eth_dev_flow_ctrl_get(ethdev_port, &fc) == 0;
	cJSON_AddBoolToObject(o, "pause_autonegotiate", known && fc.autoneg);
	cJSON_AddBoolToObject(o, "pause_rx", known && (fc.mode == RTE_ETH_FC_RX_PAUSE ||
						      fc.mode == RTE_ETH_FC_FULL));
	cJSON_AddBoolToObject(o, "pause_tx", known && (fc.mode == RTE_ETH_FC_TX_PAUSE ||
						      fc.mode == RTE_ETH_FC_FULL));
	cJSON_AddBoolToObject(o, "supports_pause", known);
}

/* esxcli's `network nic get` fields, in its order (table in commands.c);
 * what an ethdev cannot tell is "N/A" or false. */
static int nic_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		   size_t err_size)
{
	const struct vmk_config_nic *nic = nic_arg(d, args, err, err_size);
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	const cJSON *status;
	cJSON *o;

	if (nic == NULL)
		return -ENODEV;
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	add_nic(d, nic, o);     /* name, link and admin status, MAC, MTU, speed */
	memset(&info, 0, sizeof(info));
	memset(&link, 0, sizeof(link));
	rte_eth_dev_info_get(nic->ethdev_port, &info);
	rte_eth_link_get_nowait(nic->ethdev_port, &link);
	status = cJSON_GetObjectItemCaseSensitive(o, "link_status");
	cJSON_AddBoolToObject(o, "advertised_auto_negotiation",
			      info.speed_capa != 0 && !(info.speed_capa & RTE_ETH_LINK_SPEED_FIXED));
	cJSON_AddItemToObject(o, "advertised_link_modes", link_modes(info.speed_capa));
	cJSON_AddBoolToObject(o, "auto_negotiation", link.link_autoneg == RTE_ETH_LINK_AUTONEG);
	cJSON_AddStringToObject(o, "cable_type", "N/A");
	cJSON_AddStringToObject(o, "current_message_level", "N/A");
	cJSON_AddItemToObject(o, "driver_info", driver_info(&info, nic->ethdev_port));
	cJSON_AddBoolToObject(o, "link_detected", cJSON_IsString(status) &&
			      strcmp(status->valuestring, "Up") == 0);
	cJSON_AddStringToObject(o, "phy_address", "N/A");
	add_pause(o, nic->ethdev_port);
	cJSON_AddItemToObject(o, "supported_ports", cJSON_CreateArray());
	cJSON_AddBoolToObject(o, "supports_auto_negotiation",
			      info.speed_capa != 0 && !(info.speed_capa & RTE_ETH_LINK_SPEED_FIXED));
	cJSON_AddBoolToObject(o, "supports_wakeon", false);
	cJSON_AddStringToObject(o, "transceiver", "N/A");
	cJSON_AddStringToObject(o, "wakeon", "None");
	*result = o;
	return 0;
}

/* Take the uplink port of nic (if it is one) down or up for teaming. */
static int nic_apply_admin(struct daemon *d, const struct vmk_config_nic *nic)
{
	struct vmk_vswitch *vs;
	uint32_t port_id;

	vs = nic_uplink(d, nic->name, &port_id);
	if (vs == NULL)
		return 0;
	return vmk_port_set_admin_up(vs, port_id, !nic_admin_down[nic->ethdev_port]);
}

void nic_admin_reapply(struct daemon *d)
{
	for (unsigned int i = 0; i < d->n_nics; i++)
		if (nic_admin_down[d->nics[i].ethdev_port])
			nic_apply_admin(d, &d->nics[i]);
}

static int nic_set_admin(struct daemon *d, const cJSON *args, bool up, char *err,
			 size_t err_size)
{
	const struct vmk_config_nic *nic = nic_arg(d, args, err, err_size);
	int ret;

	if (nic == NULL)
		return -ENODEV;
	nic_admin_down[nic->ethdev_port] = !up;
	ret = nic_apply_admin(d, nic);
	if (ret < 0) {
		nic_admin_down[nic->ethdev_port] = up;
		op_errf(err, err_size, "cannot take %s %s: %s", nic->name, up ? "up" : "down",
			op_why(ret));
	}
	return ret;
}

static int nic_down(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		    size_t err_size)
{
	(void)result;
	return nic_set_admin(d, args, false, err, err_size);
}

static int nic_up(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		  size_t err_size)
{
	(void)result;
	return nic_set_admin(d, args, true, err, err_size);
}

/* `nic set -n vmnicN -S MBPS`: the speed NIOC schedules the NIC against
 * (0: back to the device's). A change like any other: the commit checks
 * that the reservations fit and saves it. */
static int nic_set(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		   size_t err_size)
{
	const struct vmk_config_nic *nic = nic_arg(d, args, err, err_size);
	uint32_t mbps;
	int ret;

	if (nic == NULL)
		return -ENODEV;
	ret = arg_uint(args, "speed", false, 0, VMK_LINK_SPEED_MAX_MBPS, &mbps, "--speed", err,
		       err_size);
	if (ret == -ENOENT) {
		op_errf(err, err_size, "nothing to set: give -S|--speed MBPS (0: the device's)");
		return -EINVAL;
	}
	if (ret < 0)
		return ret;
	if (vmk_config_set_nic_speed(next, nic->name, mbps) < 0) {
		op_errf(err, err_size, "speeds are set on %u NICs already, the most there can be",
			VMK_CONFIG_MAX_NIC_SPEEDS);
		return -ENOSPC;
	}
	return 0;
}

const struct op nic_ops[] = {
	{ "nic.set", NULL, nic_set },
	{ "nic.list", nic_list, NULL },
	{ "nic.get", nic_get, NULL },
	{ "nic.down", nic_down, NULL },
	{ "nic.up", nic_up, NULL },
	{ "nic.stats", nic_stats, NULL },
	{ NULL, NULL, NULL },
};
