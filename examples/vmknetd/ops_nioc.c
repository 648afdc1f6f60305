/*
 * Traffic classes and Network I/O Control (include/vmknet/traffic.h):
 * `network nioc get|set` (NIOC on or off, and what each uplink is
 * scheduled against), `network nioc class list|set` (each class's shares,
 * reservation, limit and marking) and `network nioc class stats get -n
 * vmnicN` (what an uplink sent of each class). The changes edit the
 * configuration's "nioc" section, which the dispatcher validates, applies
 * and saves (ops.c) like every other change.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* esxcli's shares level of a value ("custom" for any other). */
static const char *shares_level(uint32_t shares)
{
	return shares == VMK_NIOC_SHARES_LOW ? "low" : shares == VMK_NIOC_SHARES_NORMAL ?
	       "normal" : shares == VMK_NIOC_SHARES_HIGH ? "high" : "custom";
}

/* A class's shares, reservation and limit as the host runs them. */
static int add_sched(struct daemon *d, unsigned int c, cJSON *o, char *err, size_t err_size)
{
	struct vmk_nioc_class p;
	int ret = vmk_nioc_class_get(d->host, c, &p);

	if (ret < 0) {
		op_errf(err, err_size, "%s", op_why(ret));
		return ret;
	}
	cJSON_AddNumberToObject(o, "shares", p.shares);
	cJSON_AddStringToObject(o, "shares_level", shares_level(p.shares));
	cJSON_AddNumberToObject(o, "reservation", p.reservation_mbps);
	cJSON_AddNumberToObject(o, "limit", (double)p.limit_mbps);
	return 0;
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
		ret = add_sched(d, c, o, err, err_size);
		if (ret < 0) {
			cJSON_Delete(arr);
			return ret;
		}
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

/* One row per uplink: the speed set, the capacity scheduled against,
 * and whether NIOC schedules it (why not, when it is on but does not). */
static int add_uplinks(struct daemon *d, cJSON *o)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "uplinks");

	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->cfg->n_vswitches; i++) {
		const struct vmk_config_vswitch *c = &d->cfg->vswitches[i];
		struct vmk_vswitch *vs = vmk_vswitch_find(d->host, c->name);

		for (unsigned int k = 0; vs != NULL && k < c->n_uplinks; k++) {
			struct vmk_nioc_uplink u;
			uint32_t port_id;
			cJSON *r;

			if (vmk_port_find(vs, c->uplinks[k], &port_id) < 0 ||
			    vmk_port_get_nioc(vs, port_id, &u) < 0)
				continue;
			r = row(arr);
			if (r == NULL)
				return -ENOMEM;
			cJSON_AddStringToObject(r, "name", c->uplinks[k]);
			cJSON_AddStringToObject(r, "vswitch", c->name);
			cJSON_AddNumberToObject(r, "speed", u.speed_mbps);
			cJSON_AddNumberToObject(r, "capacity", u.capacity_mbps);
			cJSON_AddBoolToObject(r, "scheduled", u.scheduled);
			cJSON_AddStringToObject(r, "reason", u.why_not);
		}
	}
	return 0;
}

static int nioc_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		    size_t err_size)
{
	bool enabled;
	cJSON *o;
	int ret = vmk_nioc_get_enabled(d->host, &enabled);

	(void)args;
	if (ret < 0) {
		op_errf(err, err_size, "%s", op_why(ret));
		return ret;
	}
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	cJSON_AddBoolToObject(o, "enabled", enabled);
	ret = add_uplinks(d, o);
	if (ret < 0) {
		cJSON_Delete(o);
		return ret;
	}
	*result = o;
	return 0;
}

static int nioc_set(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		    size_t err_size)
{
	int ret = arg_bool(args, "enabled", "--enabled", &next->nioc.enabled, err, err_size);

	(void)d;
	if (ret == -ENOENT) {
		op_errf(err, err_size, "missing argument \"enabled\" (-e|--enabled true|false)");
		return -EINVAL;
	}
	return ret;
}

/* An integer option in lo..hi, or -1 ("none", "unlimited") when none_ok.
 * 0, -ENOENT (absent) or -EINVAL with the option and value named. */
static int arg_int(const cJSON *args, const char *key, const char *opt, int64_t lo, int64_t hi,
		   bool none_ok, int64_t *out, char *err, size_t err_size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
	double x;

	if (v == NULL)
		return -ENOENT;
	x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (!isfinite(x) || x != floor(x)) {
		op_errf(err, err_size, "%s must be an integer", opt);
		return -EINVAL;
	}
	if ((x < (double)lo || x > (double)hi) && !(none_ok && x == -1)) {
		op_errf(err, err_size, fabs(x) < 1e15 ? "%s %.0f is out of range: use %lld..%lld%s" :
			"%s %g is out of range: use %lld..%lld%s", opt, x, (long long)lo,
			(long long)hi, none_ok ? " or -1" : "");
		return -EINVAL;
	}
	*out = (int64_t)x;
	return 0;
}

/* --shares: low, normal, high (as esxcli's levels) or a number 1..100. */
static int arg_shares(const cJSON *args, uint32_t *out, char *err, size_t err_size)
{
	static const struct { const char *name; uint32_t v; } levels[] = {
		{ "low", VMK_NIOC_SHARES_LOW }, { "normal", VMK_NIOC_SHARES_NORMAL },
		{ "high", VMK_NIOC_SHARES_HIGH },
	};
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, "shares");
	int64_t n;
	char *end;

	if (v == NULL)
		return -ENOENT;
	if (cJSON_IsNumber(v))
		goto number;
	if (!cJSON_IsString(v))
		goto bad;
	for (unsigned int i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcasecmp(v->valuestring, levels[i].name) == 0) {
			*out = levels[i].v;
			return 0;
		}
	}
	n = strtoll(v->valuestring, &end, 10);
	if (end == v->valuestring || *end != '\0' || n < 1 || n > VMK_NIOC_SHARES_MAX)
		goto bad;
	*out = (uint32_t)n;
	return 0;
number:
	if (arg_int(args, "shares", "--shares", 1, VMK_NIOC_SHARES_MAX, false, &n, err,
		    err_size) < 0)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
bad:
	op_errf(err, err_size, "--shares %.40s is not low, normal, high or a number 1..%d",
		cJSON_IsString(v) ? v->valuestring : "(not a string)", VMK_NIOC_SHARES_MAX);
	return -EINVAL;
}

/* The options of `nioc class set` into k: only those given change. */
static int class_opts(const cJSON *args, struct vmk_config_nioc_class *k, char *err,
		      size_t err_size)
{
	int64_t v;
	int ret = arg_shares(args, &k->sched.shares, err, err_size);

	if (ret == -EINVAL)
		return ret;
	ret = arg_int(args, "reservation", "--reservation", 0, VMK_LINK_SPEED_MAX_MBPS, false,
		      &v, err, err_size);
	if (ret == 0)
		k->sched.reservation_mbps = (uint32_t)v;
	if (ret != -EINVAL)
		ret = arg_int(args, "limit", "--limit", 1, VMK_LINK_SPEED_MAX_MBPS, true,
			      &k->sched.limit_mbps, err, err_size);
	if (ret != -EINVAL && (ret = arg_int(args, "dscp", "--dscp", 0, VMK_DSCP_MAX, true, &v,
					     err, err_size)) == 0)
		k->mark.dscp = (int)v;
	if (ret != -EINVAL && (ret = arg_int(args, "cos", "--cos", 0, VMK_COS_MAX, true, &v,
					     err, err_size)) == 0)
		k->mark.cos = (int)v;
	if (ret != -EINVAL)
		ret = arg_bool(args, "priority_tag", "--priority-tag", &k->mark.priority_tag, err,
			       err_size);
	return ret == -EINVAL ? ret : 0;
}

/* The options class_opts reads: at least one must be given. */
static const char *const class_keys[] = {
	"shares", "reservation", "limit", "dscp", "cos", "priority_tag", NULL
};

/* `nioc class set`: one class's NIOC settings and marking together; the
 * commit validates the whole (limit above the reservation, reservations
 * within every uplink, a priority tag with a CoS) before anything runs. */
static int class_set(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		     size_t err_size)
{
	enum vmk_traffic_class c;
	const char *name;

	(void)d;
	if (arg_str(args, "traffic_class", true, &name, err, err_size) < 0)
		return -EINVAL;
	if (vmk_traffic_class_parse(name, &c) < 0) {
		op_errf(err, err_size, "no traffic class \"%.40s\" (see 'vmkcli network nioc class "
			"list')", name);
		return -EINVAL;
	}
	for (const char *const *k = class_keys; *k != NULL; k++)
		if (cJSON_GetObjectItemCaseSensitive(args, *k) != NULL)
			return class_opts(args, &next->nioc.classes[c], err, err_size);
	op_errf(err, err_size, "nothing to set for %s: give --shares, --reservation, --limit, "
		"--dscp, --cos or --priority-tag", name);
	return -EINVAL;
}

const struct op nioc_ops[] = {
	{ "nioc.get", nioc_get, NULL },
	{ "nioc.set", NULL, nioc_set },
	{ "nioc.class.list", class_list, NULL },
	{ "nioc.class.set", NULL, class_set },
	{ "nioc.class.stats", class_stats, NULL },
	{ NULL, NULL, NULL },
};
