/*
 * Physical NICs: esxcli's `network nic list` and `network nic stats get`.
 * A NIC is an ethdev EAL probed at start; what the switch counts on it
 * (drops by reason, multicast) is added while it is an uplink.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "vmknetd/ops.h"

/* The uplink port of a NIC, when it is one. */
static struct vmk_vswitch *nic_uplink(struct daemon *d, const char *name, uint32_t *port_id)
{
	struct vmk_config_vswitch *c = vmk_config_find_uplink(d->cfg, name);
	struct vmk_vswitch *vs = c != NULL ? vmk_vswitch_find(d->host, c->name) : NULL;

	if (vs == NULL || vmk_port_find(vs, name, port_id) < 0)
		return NULL;
	return vs;
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
	bool up = nic_uplink(d, nic->name, &port_id) != NULL;

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
	cJSON_AddStringToObject(o, "admin_status", up ? "Up" : "Down");
	cJSON_AddStringToObject(o, "link_status",
				up && link.link_status == RTE_ETH_LINK_UP ? "Up" : "Down");
	cJSON_AddNumberToObject(o, "speed", up && link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN ?
				link.link_speed : 0);
	cJSON_AddStringToObject(o, "duplex",
				link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "Full" : "Half");
	cJSON_AddStringToObject(o, "mac_address", macs);
	cJSON_AddNumberToObject(o, "mtu", mtu);
	cJSON_AddStringToObject(o, "description", desc);
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
	const struct vmk_config_nic *nic;
	struct vmk_port_stats ps;
	struct rte_eth_stats es;
	struct vmk_vswitch *vs;
	const char *name;
	uint32_t port_id;
	cJSON *o;
	int ret = arg_str(args, "nic_name", true, &name, err, err_size);

	if (ret < 0)
		return ret;
	nic = nic_find(d, name);
	if (nic == NULL) {
		op_errf(err, err_size, "no NIC named \"%s\" (see 'vmkcli network nic list')", name);
		return -ENODEV;
	}
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
	*result = o;
	return 0;
}

const struct op nic_ops[] = {
	{ "nic.list", nic_list, NULL },
	{ "nic.stats", nic_stats, NULL },
	{ NULL, NULL, NULL },
};
