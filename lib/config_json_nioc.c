/*
 * The "nioc" section of the configuration document (include/vmknet/
 * config.h describes it): traffic marking and Network I/O Control per
 * class, and the speed NIOC gives each NIC. Read strictly, with the field
 * path in every refusal ("nioc.classes.vMotion.dscp: ..."); the ranges and
 * the rules between fields are checked afterwards by vmk_config_validate
 * (config_validate_nioc.c), what the reader checks is the document's shape.
 * Written with every class and field, and only the speeds set.
 *
 * Thread: any; no shared state.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <vmknet/config.h>
#include <vmknet/traffic.h>

#include "common/error.h"
#include "lib/config_json_priv.h"

#define NIOC_AT "nioc"

/* An integer member, or -1 for "none"; lo..hi are for the message only
 * (validation checks the range). Absent: 0, *out untouched. */
static int read_int(const cJSON *obj, const char *where, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v))
		return vmk_err(-EINVAL, "%s.%s: expected an integer (-1: none), got %s", where,
			       key, cfg_json_type(v));
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > 1e12)
		return vmk_err(-EINVAL, "%s.%s: expected an integer (-1: none), got %g", where,
			       key, d);
	*out = (int64_t)d;
	return 0;
}

/* read_int into an int (DSCP, CoS); validation checks the exact range. */
static int read_small(const cJSON *obj, const char *where, const char *key, int *out)
{
	int64_t v = *out;
	int ret = read_int(obj, where, key, &v);

	if (ret == 0 && (v < -1000 || v > 1000))
		return vmk_err(-EINVAL, "%s.%s: %lld is out of range", where, key, (long long)v);
	*out = (int)v;
	return ret;
}

static int read_class(const cJSON *v, const char *at, struct vmk_config_nioc_class *k)
{
	static const char *const known[] = { "shares", "reservationMbps", "limitMbps", "dscp",
					     "cos", "priorityTag", NULL };
	int ret = cfg_json_object(v, at);

	if (ret == 0)
		ret = cfg_json_fields(v, at, known);
	if (ret == 0)
		ret = cfg_json_uint(v, at, "shares", false, 1, VMK_NIOC_SHARES_MAX,
				    &k->sched.shares);
	if (ret == 0)
		ret = cfg_json_uint(v, at, "reservationMbps", false, 0, VMK_LINK_SPEED_MAX_MBPS,
				    &k->sched.reservation_mbps);
	if (ret == 0)
		ret = read_int(v, at, "limitMbps", &k->sched.limit_mbps);
	if (ret == 0)
		ret = read_small(v, at, "dscp", &k->mark.dscp);
	if (ret == 0)
		ret = read_small(v, at, "cos", &k->mark.cos);
	if (ret == 0)
		ret = cfg_json_bool(v, at, "priorityTag", &k->mark.priority_tag, NULL);
	return ret;
}

static int read_classes(const cJSON *n, struct vmk_config_nioc *out)
{
	bool seen[VMK_TC_COUNT] = { false };
	const cJSON *cls = cJSON_GetObjectItemCaseSensitive(n, "classes"), *e;
	int ret;

	if (cls == NULL)
		return 0;
	ret = cfg_json_object(cls, NIOC_AT ".classes");
	cJSON_ArrayForEach(e, cls) {
		enum vmk_traffic_class c;
		char at[96];

		if (ret < 0)
			return ret;
		if (vmk_traffic_class_parse(e->string, &c) < 0)
			return vmk_err(-EINVAL, NIOC_AT ".classes: no traffic class \"%.40s\" "
				       "(management, vMotion, vSphereProvisioning, "
				       "faultToleranceLogging, iSCSI, NFS, vSAN, vSphereReplication, "
				       "virtualMachine)", e->string);
		if (seen[c])
			return vmk_err(-EINVAL, NIOC_AT ".classes: class %s appears twice",
				       vmk_traffic_class_name(c));
		seen[c] = true;
		snprintf(at, sizeof(at), NIOC_AT ".classes.%s", vmk_traffic_class_name(c));
		ret = read_class(e, at, &out->classes[c]);
	}
	return ret;
}

static int read_speeds(const cJSON *n, struct vmk_config_nioc *out)
{
	static const char *const known[] = { "speedMbps", NULL };
	const cJSON *ups = cJSON_GetObjectItemCaseSensitive(n, "uplinks"), *e;
	int ret;

	if (ups == NULL)
		return 0;
	ret = cfg_json_object(ups, NIOC_AT ".uplinks");   /* a NIC twice: validation */
	cJSON_ArrayForEach(e, ups) {
		struct vmk_config_nic_speed *s;
		char at[96];

		if (ret < 0)
			return ret;
		if (out->n_speeds >= VMK_CONFIG_MAX_NIC_SPEEDS)
			return vmk_err(-EINVAL, NIOC_AT ".uplinks: more than %u NICs",
				       VMK_CONFIG_MAX_NIC_SPEEDS);
		if (strlen(e->string) >= VMK_NAME_MAX || e->string[0] == '\0')
			return vmk_err(-EINVAL, NIOC_AT ".uplinks: NIC name \"%.40s\" must be "
				       "1..%d bytes long", e->string, VMK_NAME_MAX - 1);
		snprintf(at, sizeof(at), NIOC_AT ".uplinks.%s", e->string);
		s = &out->speeds[out->n_speeds];
		snprintf(s->nic, sizeof(s->nic), "%s", e->string);
		ret = cfg_json_object(e, at);
		if (ret == 0)
			ret = cfg_json_fields(e, at, known);
		if (ret == 0)
			ret = cfg_json_uint(e, at, "speedMbps", true, 1, VMK_LINK_SPEED_MAX_MBPS,
					    &s->speed_mbps);
		out->n_speeds++;
	}
	return ret;
}

int cfg_nioc_from_json(const cJSON *root, struct vmk_config_nioc *nioc)
{
	static const char *const known[] = { "enabled", "classes", "uplinks", NULL };
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "nioc");
	int ret;

	if (n == NULL)
		return 0;
	ret = cfg_json_object(n, NIOC_AT);
	if (ret == 0)
		ret = cfg_json_fields(n, NIOC_AT, known);
	if (ret == 0)
		ret = cfg_json_bool(n, NIOC_AT, "enabled", &nioc->enabled, NULL);
	if (ret == 0)
		ret = read_classes(n, nioc);
	return ret == 0 ? read_speeds(n, nioc) : ret;
}

/* ---- writer ---- */

static bool emit_class(cJSON *cls, unsigned int c, const struct vmk_config_nioc_class *k)
{
	cJSON *o = cJSON_AddObjectToObject(cls, vmk_traffic_class_name(c));

	if (o == NULL)
		return false;
	cJSON_AddNumberToObject(o, "shares", k->sched.shares);
	cJSON_AddNumberToObject(o, "reservationMbps", k->sched.reservation_mbps);
	cJSON_AddNumberToObject(o, "limitMbps", (double)k->sched.limit_mbps);
	cJSON_AddNumberToObject(o, "dscp", k->mark.dscp);
	cJSON_AddNumberToObject(o, "cos", k->mark.cos);
	return cJSON_AddBoolToObject(o, "priorityTag", k->mark.priority_tag) != NULL;
}

bool cfg_nioc_to_json(cJSON *root, const struct vmk_config_nioc *nioc)
{
	cJSON *n = cJSON_AddObjectToObject(root, "nioc"), *cls, *ups;

	if (n == NULL || cJSON_AddBoolToObject(n, "enabled", nioc->enabled) == NULL)
		return false;
	cls = cJSON_AddObjectToObject(n, "classes");
	for (unsigned int c = 0; cls != NULL && c < VMK_TC_COUNT; c++)
		if (!emit_class(cls, c, &nioc->classes[c]))
			return false;
	ups = cJSON_AddObjectToObject(n, "uplinks");
	for (unsigned int i = 0; ups != NULL && i < nioc->n_speeds &&
	     i < VMK_CONFIG_MAX_NIC_SPEEDS; i++) {
		cJSON *o = cJSON_AddObjectToObject(ups, nioc->speeds[i].nic);

		if (o == NULL || cJSON_AddNumberToObject(o, "speedMbps",
							 nioc->speeds[i].speed_mbps) == NULL)
			return false;
	}
	return cls != NULL && ups != NULL;
}
