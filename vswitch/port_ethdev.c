/*
 * The ethdev port kind: any DPDK port (PCI NIC, net_ring, net_pcap, net_null,
 * net_af_packet, net_tap, ...), probed from devargs or handed over by port id.
 *
 * Each worker transmits on its own tx queue when the device has enough;
 * otherwise workers share queues under a per-queue spinlock (as OVS does).
 * The control thread has the last queue index (host max_workers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include "common/error.h"
#include "vswitch/dp.h"
#include "common/log.h"
#include "vswitch/port.h"
#include "vswitch/vswitch.h"

#define ETHDEV_DEFAULT_DESC 1024

struct ethdev_priv {
	uint16_t port_id;
	char kernel_if[32];           /* net_af_packet: the kernel interface */
	uint32_t afp_max_frame;       /* net_af_packet: largest frame its ring holds */
	bool probed;                  /* we probed it: close and remove at fini */
	bool txq_shared;              /* fewer tx queues than writers */
	uint16_t n_txq;
	uint16_t txq_of[VMK_MAX_WORKERS + 1]; /* writer -> tx queue (no division per burst) */
	rte_spinlock_t txq_lock[VMK_MAX_WORKERS + 1];
	uint64_t owner_id;            /* our ethdev ownership; 0: none */
};

/*
 * One vmknet port per ethdev, across hosts and anything else in the process:
 * the port takes DPDK's ethdev ownership (rte_eth_dev_owner_set), which DPDK
 * keeps per process, so a second claim (another port, another host, a
 * program's own owner) is refused with -EBUSY and vmknet keeps no table.
 */
static int ethdev_claim(struct ethdev_priv *e, const char *port_name)
{
	struct rte_eth_dev_owner owner = { 0 };
	int ret = rte_eth_dev_owner_new(&owner.id);

	if (ret < 0)
		return ret;
	snprintf(owner.name, sizeof(owner.name), "vmknet port %s", port_name);
	ret = rte_eth_dev_owner_set(e->port_id, &owner);
	if (ret < 0)
		return ret == -EPERM ? vmk_err(-EBUSY, "ethdev port %u is in use by another port "
					      "or owner", e->port_id) : ret;
	e->owner_id = owner.id;
	return 0;
}

static void ethdev_unclaim(struct ethdev_priv *e)
{
	if (e->owner_id != 0)
		rte_eth_dev_owner_unset(e->port_id, e->owner_id);
	e->owner_id = 0;
}

static int ethdev_probe(const char *devargs, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t len = strcspn(devargs, ",");
	int ret;

	if (len == 0 || len >= sizeof(name))
		return vmk_err(-EINVAL, "devargs \"%s\" do not name a device", devargs);
	memcpy(name, devargs, len);
	name[len] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)   /* someone else's device: */
		return vmk_err(-EEXIST, "device %s is already probed: pass its port id", name);
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		return vmk_err(ret, "cannot probe %s: %s", devargs, strerror(-ret));
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0)
		return vmk_err(-ENODEV, "probing %s made no ethdev %s", devargs, name);
	return 0;
}

static void ethdev_unprobe(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) == 0 && info.device != NULL) {
		rte_eth_dev_close(port_id);
		rte_dev_remove(info.device);
	} else {
		rte_eth_dev_close(port_id);
	}
}

/*
 * net_af_packet reports its link up whatever the kernel interface does, so
 * for it the link is read from the interface's carrier (link monitor only).
 * It also advertises 1518-byte frames whatever its ring holds: the real
 * limit is its framesz devarg (default 2048) less the TPACKET_V2 header
 * the kernel puts before the frame (macoff 66 bytes), so the MTU is checked
 * against that instead (see port_ethdev_set_mtu).
 */
#define AFP_DEFAULT_FRAMESZ 2048u
#define AFP_FRAME_OFFSET 66u

static void af_packet_find(struct ethdev_priv *e)
{
	struct rte_eth_dev_info info;
	struct rte_kvargs *kv;
	const char *v;

	if (rte_eth_dev_info_get(e->port_id, &info) != 0 || info.driver_name == NULL ||
	    strcmp(info.driver_name, "net_af_packet") != 0 || info.device == NULL ||
	    rte_dev_devargs(info.device) == NULL)
		return;
	e->afp_max_frame = AFP_DEFAULT_FRAMESZ - AFP_FRAME_OFFSET;
	/* The PMD accepted these devargs, so they parse. */
	kv = rte_kvargs_parse(rte_dev_devargs(info.device)->args, NULL);
	if (kv == NULL)
		return;
	v = rte_kvargs_get(kv, "framesz");
	if (v != NULL) {
		unsigned long fs = strtoul(v, NULL, 10);

		if (fs > AFP_FRAME_OFFSET && fs <= UINT16_MAX)
			e->afp_max_frame = (uint32_t)fs - AFP_FRAME_OFFSET;
	}
	v = rte_kvargs_get(kv, "iface");
	if (v != NULL && v[0] != '\0' && strlen(v) < sizeof(e->kernel_if) &&
	    strchr(v, '/') == NULL)
		strcpy(e->kernel_if, v);
	rte_kvargs_free(kv);
}

static bool kernel_if_carrier(const char *ifname)
{
	char path[96], c = '0';
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifname);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fread(&c, 1, 1, f) != 1)
		c = '0';       /* reading fails while the interface is down */
	fclose(f);
	return c == '1';
}

static uint32_t frame_overhead(void)
{
	return RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN;
}

static int af_packet_mtu_check(const struct vs_port *p, const struct ethdev_priv *e,
			       uint32_t mtu);

static int ethdev_configure(struct vs_port *p, struct ethdev_priv *e,
			    const struct vmk_port_params *params)
{
	struct vs_dp *dp = p->vs->dp;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = params->rxq_size ? params->rxq_size : ETHDEV_DEFAULT_DESC;
	uint16_t nb_txd = params->txq_size ? params->txq_size : ETHDEV_DEFAULT_DESC;
	uint16_t n_rxq = params->n_rxq ? params->n_rxq : 1;
	uint32_t buf = rte_pktmbuf_data_room_size(dp->pool) - RTE_PKTMBUF_HEADROOM;
	int socket = rte_eth_dev_socket_id(e->port_id);
	int ret;

	ret = rte_eth_dev_info_get(e->port_id, &info);
	if (ret < 0)
		return ret;
	if (info.max_rx_queues == 0)
		return -ENOTSUP;
	n_rxq = RTE_MIN(n_rxq, info.max_rx_queues);
	e->n_txq = RTE_MIN((uint16_t)(dp->max_workers + 1), info.max_tx_queues);
	if (e->n_txq == 0)
		return -ENOTSUP;
	/* net_tap wants as many rx queues as tx queues (the kernel spreads
	 * flows over them, so every one is polled). */
	if (info.driver_name != NULL && strcmp(info.driver_name, "net_tap") == 0) {
		n_rxq = RTE_MIN(RTE_MAX(n_rxq, e->n_txq), info.max_rx_queues);
		e->n_txq = n_rxq;
	}
	e->txq_shared = e->n_txq < dp->max_workers + 1;
	for (unsigned int w = 0; w < RTE_DIM(e->txq_of); w++)
		e->txq_of[w] = (uint16_t)(w % e->n_txq);
	for (unsigned int i = 0; i < RTE_DIM(e->txq_lock); i++)
		rte_spinlock_init(&e->txq_lock[i]);

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = p->vs->mtu;
	if (info.max_mtu != 0 && conf.rxmode.mtu > info.max_mtu)
		conf.rxmode.mtu = info.max_mtu;
	/* Some PMDs (net_af_packet) advertise a 1518-byte frame limit yet take
	 * a larger MTU afterwards: configure within the limit, raise it below. */
	if (info.max_rx_pktlen > frame_overhead() &&
	    conf.rxmode.mtu > info.max_rx_pktlen - frame_overhead() + 2 * RTE_VLAN_HLEN)
		conf.rxmode.mtu = (uint16_t)(info.max_rx_pktlen - RTE_ETHER_HDR_LEN -
					     RTE_ETHER_CRC_LEN);
	if (info.min_mtu != 0 && conf.rxmode.mtu < info.min_mtu)
		conf.rxmode.mtu = info.min_mtu;
	if (p->vs->mtu + frame_overhead() > buf &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	ret = rte_eth_dev_configure(e->port_id, n_rxq, e->n_txq, &conf);
	if (ret < 0)
		return ret;
	if (conf.rxmode.mtu < p->vs->mtu && rte_eth_dev_set_mtu(e->port_id, p->vs->mtu) != 0)
		VMK_LOG(NOTICE, port, "port \"%s\": device MTU stays %u (vSwitch MTU %u)",
			p->name, conf.rxmode.mtu, p->vs->mtu);
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(e->port_id, &nb_rxd, &nb_txd);
	if (ret < 0)
		return ret;
	for (uint16_t q = 0; q < n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(e->port_id, q, nb_rxd, socket, NULL, dp->pool);
		if (ret < 0)
			return ret;
	}
	for (uint16_t q = 0; q < e->n_txq; q++) {
		ret = rte_eth_tx_queue_setup(e->port_id, q, nb_txd, socket, NULL);
		if (ret < 0)
			return ret;
	}
	p->n_rxq = n_rxq;
	return 0;
}

int port_ethdev_init(struct vs_port *p, const struct vmk_port_params *params)
{
	struct ethdev_priv *e = rte_zmalloc("vmk_ethdev", sizeof(*e), RTE_CACHE_LINE_SIZE);
	int ret;

	if (e == NULL)
		return -ENOMEM;
	if (params->devargs != NULL) {
		ret = ethdev_probe(params->devargs, &e->port_id);
		if (ret < 0)
			goto free_priv;
		e->probed = true;
	} else if (params->ethdev_port != VMK_ETHDEV_NONE &&
		   rte_eth_dev_is_valid_port(params->ethdev_port)) {
		e->port_id = params->ethdev_port;
	} else {
		ret = vmk_err(-ENODEV, "an uplink needs devargs or a valid ethdev port");
		goto free_priv;
	}
	ret = ethdev_claim(e, p->name);
	if (ret < 0)
		goto unprobe;
	ret = ethdev_configure(p, e, params);
	if (ret < 0)
		goto unclaim;
	af_packet_find(e);
	if (e->afp_max_frame != 0 && af_packet_mtu_check(p, e, p->vs->mtu) != 0)
		VMK_LOG(WARNING, port, "port \"%s\": frames over %u bytes are lost",
			p->name, e->afp_max_frame);
	/* A switch port sees every frame. Not every PMD can say so. */
	ret = rte_eth_promiscuous_enable(e->port_id);
	if (ret < 0 && ret != -ENOTSUP)
		goto unclaim;
	rte_eth_allmulticast_enable(e->port_id);
	ret = rte_eth_dev_start(e->port_id);
	if (ret < 0)
		goto unclaim;
	p->priv = e;
	return 0;

unclaim:
	ethdev_unclaim(e);
unprobe:
	if (e->probed)
		ethdev_unprobe(e->port_id);
free_priv:
	VMK_LOG(ERR, port, "port \"%s\": ethdev %s: %s", p->name,
		params->devargs ? params->devargs : "(by id)", rte_strerror(-ret));
	rte_free(e);
	return ret;
}

void port_ethdev_fini(struct vs_port *p)
{
	struct ethdev_priv *e = p->priv;

	if (e == NULL)
		return;
	rte_eth_dev_stop(e->port_id);
	ethdev_unclaim(e);
	if (e->probed)
		ethdev_unprobe(e->port_id);
	rte_free(e);
	p->priv = NULL;
}

uint16_t port_ethdev_rx(struct vs_port *p, uint16_t qid, struct rte_mbuf **pkts, uint16_t n)
{
	const struct ethdev_priv *e = p->priv;

	return rte_eth_rx_burst(e->port_id, qid, pkts, n);
}

uint16_t port_ethdev_tx(struct vs_port *p, unsigned int worker, struct rte_mbuf **pkts,
			  uint16_t n)
{
	struct ethdev_priv *e = p->priv;
	uint16_t q = e->txq_of[worker < RTE_DIM(e->txq_of) ? worker : worker % e->n_txq];
	uint16_t sent;

	if (likely(!e->txq_shared))
		return rte_eth_tx_burst(e->port_id, q, pkts, n);
	rte_spinlock_lock(&e->txq_lock[q]);
	sent = rte_eth_tx_burst(e->port_id, q, pkts, n);
	rte_spinlock_unlock(&e->txq_lock[q]);
	return sent;
}

void port_ethdev_get_info(struct vs_port *p, struct vmk_port_info *info)
{
	const struct ethdev_priv *e = p->priv;
	struct rte_ether_addr mac;
	struct rte_eth_link link;

	info->ethdev_port = e->port_id;
	if (rte_eth_macaddr_get(e->port_id, &mac) == 0)
		memcpy(info->mac, mac.addr_bytes, sizeof(info->mac));
	if (rte_eth_link_get_nowait(e->port_id, &link) == 0) {
		info->link_up = e->kernel_if[0] != '\0' ? kernel_if_carrier(e->kernel_if) :
			link.link_status == RTE_ETH_LINK_UP;
		info->link_speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ?
			0 : link.link_speed;
	}
}

void port_ethdev_add_dev_stats(struct vs_port *p, struct vmk_port_stats *s)
{
	const struct ethdev_priv *e = p->priv;
	struct rte_eth_stats es;

	if (rte_eth_stats_get(e->port_id, &es) != 0)
		return;
	s->rx_drops[VMK_DROP_NO_MBUF] += es.rx_nombuf;
	s->rx_drops[VMK_DROP_RX_MISSED] += es.imissed;
}

/* net_af_packet: its ring, not ethdev's 1518, is the limit; the kernel
 * interface's MTU is the operator's (ip link set ... mtu). */
static int af_packet_mtu_check(const struct vs_port *p, const struct ethdev_priv *e,
			       uint32_t mtu)
{
	uint32_t frame = mtu + frame_overhead() - RTE_ETHER_CRC_LEN;

	if (frame <= e->afp_max_frame)
		return 0;
	VMK_LOG(ERR, port, "port \"%s\": net_af_packet frames hold %u bytes, MTU %u needs "
		"framesz=%u or more (and packet buffers that large)", p->name,
		e->afp_max_frame, mtu, RTE_ALIGN_CEIL(frame + AFP_FRAME_OFFSET, 16u));
	return -EMSGSIZE;
}

int port_ethdev_set_mtu(struct vs_port *p, uint32_t mtu)
{
	const struct ethdev_priv *e = p->priv;
	int ret;

	if (e->afp_max_frame != 0)
		return af_packet_mtu_check(p, e, mtu);
	ret = rte_eth_dev_set_mtu(e->port_id, (uint16_t)mtu);

	/* Virtual devices without an MTU notion pass frames of any size. */
	return ret == -ENOTSUP ? 0 : ret;
}

bool port_ethdev_link_get(struct vs_port *p)
{
	const struct ethdev_priv *e = p->priv;
	struct rte_eth_link link;

	if (e->kernel_if[0] != '\0')
		return kernel_if_carrier(e->kernel_if);
	return rte_eth_link_get_nowait(e->port_id, &link) == 0 &&
	       link.link_status == RTE_ETH_LINK_UP;
}

const struct port_ops port_ethdev_ops = {
	.kind_name = "ethdev",
	.init = port_ethdev_init,
	.fini = port_ethdev_fini,
	.rx_burst = port_ethdev_rx,
	.tx_burst = port_ethdev_tx,
	.get_info = port_ethdev_get_info,
	.add_dev_stats = port_ethdev_add_dev_stats,
	.set_mtu = port_ethdev_set_mtu,
	.link_get = port_ethdev_link_get,
};
