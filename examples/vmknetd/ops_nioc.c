/*
 * Traffic classes (include/vmknet/traffic.h), the read side of Network
 * I/O Control's commands: `network nioc class list` (each class and its
 * marking) and `network nioc class stats get -n vmnicN` (what an uplink
 * sent of each class). Setting the marking is not here yet: it will be
 * a configuration change (validated, applied, saved) like every other.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmknetd/ops.h"

/* Append a new object to arr; NULL (arr deleted) on no memory. */
static cJSON *row(cJSON *arr)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		cJSON_Delete(arr);
		return NULL;
	}
	return o;
}

static int class_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		      size_t err_size)
{
	cJSON *arr = cJSON_CreateArray();

	(void)args;
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		struct vmk_traffic_marking m;
		cJSON *o;
		int ret = vmk_traffic_marking_get(d->host, c, &m);

		if (ret < 0) {
			cJSON_Delete(arr);
			op_errf(err, err_size, "%s", op_why(ret));
			return ret;
		}
		o = row(arr);
		if (o == NULL)
			return -ENOMEM;
		cJSON_AddStringToObject(o, "class", vmk_traffic_class_name(c));
		cJSON_AddNumberToObject(o, "dscp", m.dscp);
		cJSON_AddNumberToObject(o, "cos", m.cos);
		cJSON_AddBoolToObject(o, "priority_tag", m.priority_tag);
	}
	*result = arr;
	return 0;
}

static int class_stats(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		       size_t err_size)
{
	struct vmk_traffic_class_stats s[VMK_TC_COUNT];
	struct vmk_config_vswitch *c;
	struct vmk_vswitch *vs = NULL;
	uint32_t port_id = 0;
	const char *name;
	cJSON *arr;

	if (arg_str(args, "nic_name", true, &name, err, err_size) < 0)
		return -EINVAL;
	if (nic_find(d, name) == NULL) {
		op_errf(err, err_size, "no NIC named \"%s\" (see 'vmkcli network nic list')", name);
		return -ENODEV;
	}
	c = vmk_config_find_uplink(d->cfg, name);
	if (c != NULL)
		vs = vmk_vswitch_find(d->host, c->name);
	memset(s, 0, sizeof(s));   /* not an uplink: it sent nothing of any class */
	if (vs != NULL && vmk_port_find(vs, name, &port_id) == 0)
		vmk_port_get_class_stats(vs, port_id, s);
	arr = cJSON_CreateArray();
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int t = 0; t < VMK_TC_COUNT; t++) {
		cJSON *o = row(arr);

		if (o == NULL)
			return -ENOMEM;
		cJSON_AddStringToObject(o, "class", vmk_traffic_class_name(t));
		cJSON_AddNumberToObject(o, "packets_sent", (double)s[t].tx_packets);
		cJSON_AddNumberToObject(o, "bytes_sent", (double)s[t].tx_bytes);
		cJSON_AddNumberToObject(o, "packets_dropped", (double)s[t].tx_drops);
	}
	*result = arr;
	return 0;
}

const struct op nioc_ops[] = {
	{ "nioc.class.list", class_list, NULL },
	{ "nioc.class.stats", class_stats, NULL },
	{ NULL, NULL, NULL },
};
