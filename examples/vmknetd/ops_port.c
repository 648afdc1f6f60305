/*
 * Every switch port with its counters: the "port.stats" operation (what
 * vmktop shows) and the DPDK telemetry commands /vmknet/ports and
 * /vmknet/port (the same counters for dpdk-telemetry.py and monitoring).
 *
 * A port's PORT-ID is (vSwitch index + 1) << 24 | port id, so it is unique
 * on the host, as esxtop's are. TEAM-PNIC is the uplink a port's frames
 * leave by first (the first active uplink of its effective teaming policy);
 * for an uplink, itself.
 *
 * Thread: "port.stats" on the main lcore; the telemetry callbacks on DPDK's
 * telemetry thread, which takes the daemon lock so that no request changes
 * the vSwitches while it reads them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_telemetry.h>

#include "vmknetd/ops.h"

static struct daemon *tel_daemon;

static const char *kind_name(enum vmk_port_kind k)
{
	switch (k) {
	case VMK_PORT_ETHDEV:
		return "ethdev";
	case VMK_PORT_VHOST:
		return "vhost";
	case VMK_PORT_VMKNIC:
		return "vmknic";
	default:
		return "unknown";
	}
}

static void team_pnic(const struct vmk_config_vswitch *c, const struct vmk_port_info *pi,
		      char *out, size_t size)
{
	struct vmk_config_portgroup *pg;
	struct vmk_teaming_policy t;

	snprintf(out, size, "void");
	if (pi->uplink) {
		snprintf(out, size, "%s", pi->name);
		return;
	}
	pg = NULL;
	for (unsigned int k = 0; k < c->n_portgroups; k++)
		if (strcmp(c->portgroups[k].name, pi->portgroup) == 0)
			pg = (struct vmk_config_portgroup *)&c->portgroups[k];
	t = c->teaming;
	if (pg != NULL)
		vmk_config_portgroup_effective(c, pg, NULL, NULL, &t);
	if (t.n_active > 0)
		snprintf(out, size, "%s", t.active[0]);
	else if (c->n_uplinks > 0)
		snprintf(out, size, "%s", c->uplinks[0]);
}

static cJSON *port_record(const struct vmk_config_vswitch *c, unsigned int vs_idx,
			  const struct vmk_port_info *pi, const struct vmk_port_stats *st)
{
	cJSON *o = cJSON_CreateObject();
	char pnic[VMK_NAME_MAX];

	if (o == NULL)
		return NULL;
	team_pnic(c, pi, pnic, sizeof(pnic));
	cJSON_AddNumberToObject(o, "port_id", (double)host_port_id(vs_idx, pi->port_id));
	cJSON_AddStringToObject(o, "used_by", pi->name);
	cJSON_AddStringToObject(o, "team_pnic", pnic);
	cJSON_AddStringToObject(o, "dname", c->name);
	cJSON_AddStringToObject(o, "kind", kind_name(pi->kind));
	cJSON_AddBoolToObject(o, "uplink", pi->uplink);
	cJSON_AddStringToObject(o, "portgroup", pi->portgroup);
	cJSON_AddNumberToObject(o, "rx_packets", (double)st->rx_packets);
	cJSON_AddNumberToObject(o, "rx_bytes", (double)st->rx_bytes);
	cJSON_AddNumberToObject(o, "tx_packets", (double)st->tx_packets);
	cJSON_AddNumberToObject(o, "tx_bytes", (double)st->tx_bytes);
	cJSON_AddNumberToObject(o, "rx_dropped", (double)vmk_port_stats_rx_dropped(st));
	cJSON_AddNumberToObject(o, "tx_dropped", (double)vmk_port_stats_tx_dropped(st));
	cJSON_AddNumberToObject(o, "announces", (double)st->announces);
	return o;
}

/* {"time_ms": monotonic ms, "ports": [...]} */
static int port_stats(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		      size_t err_size)
{
	struct timespec ts;
	cJSON *o = cJSON_CreateObject(), *arr;

	(void)args;
	(void)err;
	(void)err_size;
	if (o == NULL)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	cJSON_AddNumberToObject(o, "time_ms", (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
	arr = cJSON_AddArrayToObject(o, "ports");
	for (unsigned int i = 0; arr != NULL && i < d->cfg->n_vswitches; i++) {
		const struct vmk_config_vswitch *c = &d->cfg->vswitches[i];
		struct vmk_vswitch *vs = vmk_vswitch_find(d->host, c->name);
		uint32_t ids[VMK_VSWITCH_MAX_PORTS];
		unsigned int n = vs != NULL ? vmk_port_list(vs, ids, VMK_VSWITCH_MAX_PORTS) : 0;

		for (unsigned int k = 0; k < n && k < VMK_VSWITCH_MAX_PORTS; k++) {
			struct vmk_port_info pi;
			struct vmk_port_stats st;

			if (vmk_port_get_info(vs, ids[k], &pi) < 0 ||
			    vmk_port_get_stats(vs, ids[k], &st) < 0)
				continue;
			cJSON_AddItemToArray(arr, port_record(c, i, &pi, &st));
		}
	}
	if (arr == NULL) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	*result = o;
	return 0;
}

const struct op port_ops[] = {
	{ "port.stats", port_stats, NULL },
	{ NULL, NULL, NULL },
};

/* ---- DPDK telemetry --------------------------------------------------- */

/* Telemetry names allow [A-Za-z0-9_/] only. */
static void tel_name(char *out, size_t size, const char *vs, const char *port)
{
	snprintf(out, size, "%s/%s", vs, port);
	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '/'))
			*p = '_';
}

/* Calls fn for every port (daemon lock held). */
static void for_each_port(void (*fn)(const char *key, const struct vmk_port_stats *st,
				     void *arg), void *arg)
{
	struct daemon *d = tel_daemon;

	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->cfg->n_vswitches; i++) {
		const struct vmk_config_vswitch *c = &d->cfg->vswitches[i];
		struct vmk_vswitch *vs = vmk_vswitch_find(d->host, c->name);
		uint32_t ids[VMK_VSWITCH_MAX_PORTS];
		unsigned int n = vs != NULL ? vmk_port_list(vs, ids, VMK_VSWITCH_MAX_PORTS) : 0;

		for (unsigned int k = 0; k < n && k < VMK_VSWITCH_MAX_PORTS; k++) {
			struct vmk_port_info pi;
			struct vmk_port_stats st;
			char key[2 * VMK_NAME_MAX + 2];

			if (vmk_port_get_info(vs, ids[k], &pi) < 0 ||
			    vmk_port_get_stats(vs, ids[k], &st) < 0)
				continue;
			tel_name(key, sizeof(key), c->name, pi.name);
			fn(key, &st, arg);
		}
	}
	pthread_mutex_unlock(&d->lock);
}

static void add_port_array(const char *key, const struct vmk_port_stats *st, void *arg)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a == NULL)
		return;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	rte_tel_data_add_array_u64(a, st->rx_packets);
	rte_tel_data_add_array_u64(a, st->rx_bytes);
	rte_tel_data_add_array_u64(a, st->tx_packets);
	rte_tel_data_add_array_u64(a, st->tx_bytes);
	rte_tel_data_add_array_u64(a, vmk_port_stats_rx_dropped(st));
	rte_tel_data_add_array_u64(a, vmk_port_stats_tx_dropped(st));
	if (rte_tel_data_add_dict_container(arg, key, a, 0) < 0)
		rte_tel_data_free(a);
}

/* /vmknet/ports: {"vSwitch0/vmnic0": [rx_packets, rx_bytes, tx_packets,
 * tx_bytes, rx_dropped, tx_dropped], ...} */
static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for_each_port(add_port_array, d);
	return 0;
}

struct one_port {
	const char *want;
	struct rte_tel_data *d;
	bool found;
};

static void add_one_port(const char *key, const struct vmk_port_stats *st, void *arg)
{
	struct one_port *op = arg;

	if (op->found || strcmp(key, op->want) != 0)
		return;
	op->found = true;
	rte_tel_data_add_dict_u64(op->d, "rx_packets", st->rx_packets);
	rte_tel_data_add_dict_u64(op->d, "rx_bytes", st->rx_bytes);
	rte_tel_data_add_dict_u64(op->d, "tx_packets", st->tx_packets);
	rte_tel_data_add_dict_u64(op->d, "tx_bytes", st->tx_bytes);
	rte_tel_data_add_dict_u64(op->d, "rx_multicast", st->rx_multicast);
	for (unsigned int r = 0; r < VMK_DROP_MAX; r++) {
		char name[64];

		snprintf(name, sizeof(name), "rx_drop_%s", vmk_drop_reason_name(r));
		rte_tel_data_add_dict_u64(op->d, name, st->rx_drops[r]);
		snprintf(name, sizeof(name), "tx_drop_%s", vmk_drop_reason_name(r));
		rte_tel_data_add_dict_u64(op->d, name, st->tx_drops[r]);
	}
}

/* /vmknet/port,vSwitch0/vmnic0: every counter of one port, drops by reason. */
static int tel_port(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct one_port op = { params, d, false };

	(void)cmd;
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	rte_tel_data_start_dict(d);
	for_each_port(add_one_port, &op);
	return op.found ? 0 : -ENOENT;
}

void vmknetd_telemetry_register(struct daemon *d)
{
	tel_daemon = d;
	rte_telemetry_register_cmd("/vmknet/ports", tel_ports,
				   "Counters of every switch port: {\"vSwitch/port\": [rx_packets, "
				   "rx_bytes, tx_packets, tx_bytes, rx_dropped, tx_dropped]}");
	rte_telemetry_register_cmd("/vmknet/port", tel_port,
				   "Every counter of one port. Parameters: vSwitch/port");
}
