/*
 * The public port API (include/vmknet/port.dp): adding and removing ports of
 * any kind, naming them, and reading their counters. Kind-specific work is
 * behind the port-ops table.
 *
 * Threading: control plane, under the datapath lock (dp->lock). Adding publishes the port
 * to the workers (view, then poll lists); removing unpublishes it and waits
 * for a grace period before the device is stopped and the memory freed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_malloc.h>

#include <vmknet/port.h>

#include "common/clock.h"
#include "common/error.h"
#include "vswitch/dp.h"
#include "common/log.h"
#include "vswitch/link_monitor.h"
#include "vswitch/tclass.h"
#include "vswitch/vswitch.h"
#include "vswitch/worker.h"

static const struct port_ops *const kind_ops[VMK_PORT_KIND_MAX] = {
	[VMK_PORT_ETHDEV] = &port_ethdev_ops,
	[VMK_PORT_VHOST] = &port_vhost_ops,
};

void vmk_port_params_init(struct vmk_port_params *p)
{
	memset(p, 0, sizeof(*p));
	p->kind = VMK_PORT_ETHDEV;
	p->ethdev_port = VMK_ETHDEV_NONE;
	p->n_rxq = 1;
}

struct vs_port *vs_port_get(struct vmk_vswitch *vs, uint32_t port_id)
{
	return port_id < vs->n_slots ? vs->ports[port_id] : NULL;
}

static struct vs_port *find_by_name(struct vmk_vswitch *vs, const char *name)
{
	for (uint32_t s = 0; s < vs->n_slots; s++)
		if (vs->ports[s] != NULL && strcmp(vs->ports[s]->name, name) == 0)
			return vs->ports[s];
	return NULL;
}

static int check_params(struct vmk_vswitch *vs, const struct vmk_port_params *p,
			const struct port_ops *ops, struct portgroup **pg)
{
	if (p->name == NULL || p->name[0] == '\0' || strlen(p->name) >= VMK_NAME_MAX)
		return vmk_err(-EINVAL, "port name must be 1..%d characters", VMK_NAME_MAX - 1);
	if ((unsigned int)p->kind >= VMK_PORT_KIND_MAX)
		return vmk_err(-EINVAL, "port %s: unknown port kind %d", p->name, (int)p->kind);
	if (ops == NULL)
		return vmk_err(-ENOTSUP, "port %s: this build cannot add ports of kind %d",
			       p->name, (int)p->kind);
	if (find_by_name(vs, p->name) != NULL)
		return vmk_err(-EEXIST, "vSwitch %s already has a port %s", vs->name, p->name);
	if (p->has_mac && !fdb_mac_is_unicast(p->mac))
		return vmk_err(-EINVAL, "port %s: MAC must be unicast and not zero", p->name);
	*pg = NULL;
	if (!p->uplink) {
		*pg = vs_portgroup_find(vs, p->portgroup);
		if (*pg == NULL && p->portgroup == NULL)
			return vmk_err(-EINVAL, "port %s: a port that is not an uplink needs a "
				       "port group", p->name);
		if (*pg == NULL)
			return vmk_err(-ENOENT, "port %s: no port group %s on vSwitch %s", p->name,
				       p->portgroup, vs->name);
	}
	return 0;
}

static void port_free(struct vs_port *p)
{
	if (p == NULL)
		return;
	rte_free(p->shapers);
	rte_free(p->wstats);
	rte_free(p);
}

int vmk_port_add(struct vmk_vswitch *vs, const struct vmk_port_params *params,
		 uint32_t *port_id)
{
	const struct port_ops *ops = NULL;

	if (params != NULL && (unsigned int)params->kind < VMK_PORT_KIND_MAX)
		ops = kind_ops[params->kind];
	return vs_port_add(vs, params, ops, port_id);
}

int vs_port_add(struct vmk_vswitch *vs, const struct vmk_port_params *params,
		const struct port_ops *ops, uint32_t *port_id) VMK_EXCLUDES(vs->dp->lock)
{
	struct vs_dp *dp;
	struct portgroup *pg;
	struct vs_port *p = NULL;
	int slot = -1, ret;

	vmk_err_clear();
	if (vs == NULL || params == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no port parameters");
	dp = vs->dp;
	vmk_mutex_lock(&dp->lock);
	vs_dp_held(vs);
	ret = check_params(vs, params, ops, &pg);
	if (ret < 0)
		goto unlock;
	for (uint32_t s = 0; s < vs->n_slots && slot < 0; s++)
		if (vs->ports[s] == NULL)
			slot = (int)s;
	if (slot < 0) {
		ret = vmk_err(-ENOSPC, "vSwitch %s: all %u ports are in use", vs->name,
			      vs->n_slots);
		goto unlock;
	}
	p = rte_zmalloc("vmk_port", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL) {
		ret = vmk_err(-ENOMEM, "port %s: out of memory", params->name);
		goto unlock;
	}
	p->wstats = rte_zmalloc("vmk_port_stats", (dp->max_workers + 1u) * sizeof(*p->wstats),
				RTE_CACHE_LINE_SIZE);
	if (p->wstats == NULL) {
		ret = vmk_err(-ENOMEM, "port %s: out of memory", params->name);
		goto free_port;
	}
	p->ops = ops;
	p->kind = params->kind;
	p->vs = vs;
	p->slot = (uint16_t)slot;
	p->uplink = params->uplink;
	snprintf(p->name, sizeof(p->name), "%s", params->name);
	if (pg != NULL)
		snprintf(p->portgroup, sizeof(p->portgroup), "%s", pg->name);
	p->has_mac = params->has_mac;
	memcpy(p->mac, params->mac, sizeof(p->mac));
	p->last_uplink = LINK_UPLINK_UNKNOWN;
	ret = p->ops->init(p, params);
	if (ret < 0) {
		vmk_err_prefix(ret, "port %s", params->name);
		goto free_port;
	}
	p->link_up = p->ops->link_get == NULL || p->ops->link_get(p);
	p->shapers = rte_zmalloc("vmk_shapers", RTE_MAX(p->n_rxq, 1) * sizeof(*p->shapers),
				 RTE_CACHE_LINE_SIZE);
	if (p->shapers == NULL) {
		ret = vmk_err(-ENOMEM, "port %s: out of memory", params->name);
		p->ops->fini(p);
		goto free_port;
	}
	if (p->has_mac && pg != NULL && pg->vlan != VMK_VLAN_TRUNK) {
		ret = fdb_add_static(vs->fdb, fdb_key(pg->vlan, p->mac), p->slot,
				     vmk_clock_ms());
		if (ret < 0) {
			vmk_err(ret, "port %s: its MAC cannot be registered on vSwitch %s: %s",
				p->name, vs->name, strerror(-ret));
			p->ops->fini(p);
			goto free_port;
		}
	}

	vs->ports[slot] = p;
	vs->n_ports++;
	if (pg != NULL)
		pg->n_ports++;
	ret = vs_view_publish(vs);
	if (ret == 0)
		ret = workers_rebalance(dp);
	if (ret < 0) {
		vmk_err_prefix(ret, "port %s", p->name);
		goto unpublish;
	}
	/* An uplink comes under NIOC when it is on (or says why not). A
	 * failure (no memory for a scheduler) leaves this uplink unscheduled
	 * with its reason in `nioc get`, not the port unadded: the port is
	 * added and 0 returned, the error text notwithstanding. */
	if (p->uplink)
		(void)dp_nioc_apply(dp);
	VMK_LOG(INFO, port, "%s: port %d \"%s\" (%s%s%s) added, %u rx queues", vs->name, slot,
		p->name, p->uplink ? "uplink" : "port group ",
		p->uplink ? "" : p->portgroup, "", p->n_rxq);
	if (port_id != NULL)
		*port_id = (uint32_t)slot;
	vmk_mutex_unlock(&dp->lock);
	return 0;

unpublish:
	if (p->has_mac && pg != NULL && pg->vlan != VMK_VLAN_TRUNK)
		fdb_remove(vs->fdb, fdb_key(pg->vlan, p->mac));
	vs->ports[slot] = NULL;
	vs->n_ports--;
	if (pg != NULL)
		pg->n_ports--;
	vs_view_publish(vs);
	workers_rebalance(dp);
	p->ops->fini(p);
free_port:
	port_free(p);
unlock:
	vmk_mutex_unlock(&dp->lock);
	return ret;
}

int vmk_port_remove(struct vmk_vswitch *vs, uint32_t port_id)
{
	struct vs_port *p;
	struct portgroup *pg;

	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch");
	vmk_mutex_lock(&vs->dp->lock);
	p = vs_port_get(vs, port_id);
	if (p == NULL) {
		vmk_mutex_unlock(&vs->dp->lock);
		return vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
	}
	vs->ports[port_id] = NULL;
	vs->n_ports--;
	pg = vs_portgroup_find(vs, p->portgroup);
	if (pg != NULL)
		pg->n_ports--;
	/* Stop polling it, then stop sending to it; each waits a grace period.
	 * On allocation failure the old list/view keep the port referenced,
	 * so retry rather than free under a worker. */
	while (workers_rebalance(vs->dp) < 0 || vs_view_publish(vs) < 0)
		rte_delay_ms(1);
	fdb_flush_port(vs->fdb, p->slot, true);
	dp_nioc_port_detach(vs->dp, p);
	p->ops->fini(p);
	VMK_LOG(INFO, port, "%s: port %u \"%s\" removed", vs->name, port_id, p->name);
	port_free(p);
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}

int vmk_port_find(struct vmk_vswitch *vs, const char *name, uint32_t *port_id)
{
	struct vs_port *p;

	vmk_err_clear();
	if (vs == NULL || name == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no port name");
	vmk_mutex_lock(&vs->dp->lock);
	p = find_by_name(vs, name);
	if (p != NULL && port_id != NULL)
		*port_id = p->slot;
	vmk_mutex_unlock(&vs->dp->lock);
	return p != NULL ? 0 : vmk_err(-ENOENT, "vSwitch %s has no port %s", vs->name, name);
}

int vmk_port_get_info(struct vmk_vswitch *vs, uint32_t port_id, struct vmk_port_info *out)
{
	struct vs_port *p;
	struct portgroup *pg;

	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for the port information");
	vmk_mutex_lock(&vs->dp->lock);
	p = vs_port_get(vs, port_id);
	if (p != NULL) {
		memset(out, 0, sizeof(*out));
		out->port_id = port_id;
		snprintf(out->name, sizeof(out->name), "%s", p->name);
		snprintf(out->portgroup, sizeof(out->portgroup), "%s", p->portgroup);
		out->uplink = p->uplink;
		pg = vs_portgroup_find(vs, p->portgroup);
		out->vlan_id = p->uplink || pg == NULL ? VMK_VLAN_TRUNK : pg->vlan;
		out->ethdev_port = VMK_ETHDEV_NONE;
		out->kind = p->kind;
		p->ops->get_info(p, out);
		out->admin_up = !p->admin_down;
		out->link_up = out->link_up && !p->admin_down;
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return p != NULL ? 0 : vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
}

int vmk_port_set_admin_up(struct vmk_vswitch *vs, uint32_t port_id, bool up)
{
	struct vmk_port_info info;
	struct vs_port *p;
	int ret = 0;

	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch to take a port %s of", up ? "up" : "down");
	vmk_mutex_lock(&vs->dp->lock);
	if ((p = vs_port_get(vs, port_id)) == NULL) {
		ret = vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
	} else if (!p->uplink) {
		ret = vmk_err(-EINVAL, "port %s of vSwitch %s is not an uplink", p->name, vs->name);
	} else {
		__atomic_store_n(&p->admin_down, !up, __ATOMIC_RELAXED);
		memset(&info, 0, sizeof(info));
		info.ethdev_port = VMK_ETHDEV_NONE;
		p->ops->get_info(p, &info);
		/* Best effort: the flag above is what teaming reads. */
		if (info.ethdev_port != VMK_ETHDEV_NONE)
			(void)(up ? rte_eth_dev_set_link_up(info.ethdev_port) :
			       rte_eth_dev_set_link_down(info.ethdev_port));
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

unsigned int vmk_port_list(struct vmk_vswitch *vs, uint32_t *port_ids, unsigned int max)
{
	unsigned int n = 0;

	if (vs == NULL)
		return 0;
	vmk_mutex_lock(&vs->dp->lock);
	for (uint32_t s = 0; s < vs->n_slots; s++) {
		if (vs->ports[s] == NULL)
			continue;
		if (port_ids != NULL && n < max)
			port_ids[n] = s;
		n++;
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return n;
}

/* Sum of every writer's counters plus the device's own (p is a port of vs). */
static void stats_raw(const struct vmk_vswitch *vs, struct vs_port *p, struct vmk_port_stats *s)
	VMK_REQUIRES(vs->dp->lock)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int w = 0; w <= vs->dp->max_workers; w++) {
		const struct port_wstats *ws = &p->wstats[w];

		s->rx_packets += __atomic_load_n(&ws->rx_packets, __ATOMIC_RELAXED);
		s->rx_bytes += __atomic_load_n(&ws->rx_bytes, __ATOMIC_RELAXED);
		s->tx_packets += __atomic_load_n(&ws->tx_packets, __ATOMIC_RELAXED);
		s->tx_bytes += __atomic_load_n(&ws->tx_bytes, __ATOMIC_RELAXED);
		s->rx_multicast += __atomic_load_n(&ws->rx_multicast, __ATOMIC_RELAXED);
		for (unsigned int r = 0; r < VMK_DROP_MAX; r++) {
			s->rx_drops[r] += __atomic_load_n(&ws->rx_drops[r], __ATOMIC_RELAXED);
			s->tx_drops[r] += __atomic_load_n(&ws->tx_drops[r], __ATOMIC_RELAXED);
		}
	}
	s->announces = __atomic_load_n(&p->announces, __ATOMIC_RELAXED);
	if (p->ops->add_dev_stats != NULL)
		p->ops->add_dev_stats(p, s);
}

int vmk_port_get_stats(struct vmk_vswitch *vs, uint32_t port_id, struct vmk_port_stats *out)
{
	struct vs_port *p;

	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for the port counters");
	vmk_mutex_lock(&vs->dp->lock);
	p = vs_port_get(vs, port_id);
	if (p != NULL) {
		const struct vmk_port_stats *b = &p->base;

		stats_raw(vs, p, out);
		out->rx_packets -= b->rx_packets;
		out->rx_bytes -= b->rx_bytes;
		out->tx_packets -= b->tx_packets;
		out->tx_bytes -= b->tx_bytes;
		out->rx_multicast -= b->rx_multicast;
		out->announces -= b->announces;
		for (unsigned int r = 0; r < VMK_DROP_MAX; r++) {
			out->rx_drops[r] -= b->rx_drops[r];
			out->tx_drops[r] -= b->tx_drops[r];
		}
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return p != NULL ? 0 : vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
}

int vmk_port_reset_stats(struct vmk_vswitch *vs, uint32_t port_id)
{
	struct vs_port *p;

	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch");
	vmk_mutex_lock(&vs->dp->lock);
	p = vs_port_get(vs, port_id);
	if (p != NULL) {
		stats_raw(vs, p, &p->base);
		tc_stats_raw(vs, p, p->tc_base);
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return p != NULL ? 0 : vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
}

int vs_ports_set_mtu(struct vmk_vswitch *vs, uint32_t mtu)
{
	uint32_t s;
	int ret = 0;

	for (s = 0; s < vs->n_slots; s++) {
		struct vs_port *p = vs->ports[s];

		if (p == NULL || p->ops->set_mtu == NULL)
			continue;
		ret = p->ops->set_mtu(p, mtu);
		if (ret < 0)
			break;
	}
	if (ret == 0)
		return 0;
	VMK_LOG(WARNING, port, "%s: port \"%s\" cannot take MTU %u (%d); MTU unchanged",
		vs->name, vs->ports[s]->name, mtu, ret);
	vmk_err_prefix(ret, "vSwitch %s: port %s cannot take MTU %u", vs->name,
		       vs->ports[s]->name, mtu);
	while (s-- > 0)
		if (vs->ports[s] != NULL && vs->ports[s]->ops->set_mtu != NULL)
			vs->ports[s]->ops->set_mtu(vs->ports[s], vs->mtu);
	return ret;
}
