/*
 * The JSON form of the configuration model (cJSON): a strict reader that
 * names the first problem it finds (line and column for malformed text, the
 * field path for everything else) and a writer that always emits every
 * field, so a saved file documents the defaults it runs with.
 *
 * Thread: any; no shared state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <vmknet/config.h>

#include "common/error.h"
#include "lib/config_json_priv.h"
#include "lib/config_priv.h"

const char *cfg_json_type(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "invalid";
}

/* Refuse members outside `known` (NULL-terminated) and repeated members. */
int cfg_json_fields(const cJSON *obj, const char *where, const char *const *known)
{
	for (const cJSON *c = obj->child; c != NULL; c = c->next) {
		bool ok = false;

		for (unsigned int i = 0; known[i] != NULL && !ok; i++)
			ok = strcmp(c->string, known[i]) == 0;
		if (!ok)
			return vmk_err(-EINVAL, "%s: unknown field \"%s\"", where, c->string);
		for (const cJSON *d = obj->child; d != c; d = d->next) {
			if (strcmp(d->string, c->string) == 0)
				return vmk_err(-EINVAL, "%s: field \"%s\" appears twice",
					 where, c->string);
		}
	}
	return 0;
}

const cJSON *cfg_json_member(const cJSON *obj, const char *where, const char *key,
			     bool required, int *ret)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL && required) {
		vmk_err_set("%s: missing field \"%s\"", where, key);
		*ret = -EINVAL;
	}
	return v;
}

int cfg_json_uint(const cJSON *obj, const char *where, const char *key,
		  bool required, uint32_t lo, uint32_t hi, uint32_t *out)
{
	int ret = 0;
	const cJSON *v = cfg_json_member(obj, where, key, required, &ret);
	double d;

	if (v == NULL)
		return ret;
	if (!cJSON_IsNumber(v))
		return vmk_err(-EINVAL, "%s.%s: expected an integer, got %s", where, key,
			 cfg_json_type(v));
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return vmk_err(-EINVAL, "%s.%s: expected an integer, got %g", where, key, d);
	if (d < lo || d > hi) {
		/* %.0f of 1e300 is 301 digits: keep huge values short. */
		return vmk_err(-EINVAL, fabs(d) < 1e15 ? "%s.%s: %.0f is out of range %u..%u" :
			 "%s.%s: %g is out of range %u..%u", where, key, d, lo, hi);
	}
	*out = (uint32_t)d;
	return 0;
}

/* A name: a string of 1..31 printable bytes, copied into out. */
static int get_name(const cJSON *v, const char *where, char out[VMK_NAME_MAX])
{
	const char *why;

	if (!cJSON_IsString(v))
		return vmk_err(-EINVAL, "%s: expected a string, got %s", where, cfg_json_type(v));
	if (strlen(v->valuestring) >= VMK_NAME_MAX)
		return vmk_err(-EINVAL, "%s: \"%.40s...\" is longer than 31 bytes", where,
			 v->valuestring);
	why = cfg_name_problem(v->valuestring);
	if (why != NULL)
		return vmk_err(-EINVAL, "%s: %s", where, why);
	snprintf(out, VMK_NAME_MAX, "%s", v->valuestring);
	return 0;
}

int cfg_json_array(const cJSON *obj, const char *where, const char *key,
		   unsigned int max, const cJSON **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!cJSON_IsArray(v))
		return vmk_err(-EINVAL, "%s.%s: expected an array, got %s", where, key,
			 cfg_json_type(v));
	if ((unsigned int)cJSON_GetArraySize(v) > max)
		return vmk_err(-EINVAL, "%s.%s: %d entries, at most %u", where, key,
			 cJSON_GetArraySize(v), max);
	*out = v;
	return 0;
}

int cfg_json_object(const cJSON *v, const char *where)
{
	if (cJSON_IsObject(v))
		return 0;
	return vmk_err(-EINVAL, "%s: expected an object, got %s", where, cfg_json_type(v));
}

int cfg_json_bool(const cJSON *obj, const char *where, const char *key,
		  bool *out, bool *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (present != NULL)
		*present = v != NULL;
	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v))
		return vmk_err(-EINVAL, "%s.%s: expected true or false, got %s", where, key,
			 cfg_json_type(v));
	*out = cJSON_IsTrue(v);
	return 0;
}

static int get_u64(const cJSON *obj, const char *where, const char *key,
		   uint32_t hi, uint64_t *out)
{
	uint32_t v;
	int ret;

	if (cJSON_GetObjectItemCaseSensitive(obj, key) == NULL)
		return 0;
	ret = cfg_json_uint(obj, where, key, false, 0, hi, &v);
	if (ret == 0)
		*out = v;
	return ret;
}

/* A member that must be an object when present; *out NULL when absent. */
static int get_object(const cJSON *obj, const char *where, const char *key,
		      const char *const *known, const cJSON **out, char *at, size_t at_size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	int ret;

	*out = NULL;
	if (v == NULL)
		return 0;
	snprintf(at, at_size, "%s.%s", where, key);
	ret = cfg_json_object(v, at);
	if (ret == 0)
		ret = cfg_json_fields(v, at, known);
	if (ret == 0)
		*out = v;
	return ret;
}

/*
 * The start of every named entry of a list: an object with only the `known`
 * fields and a "name" (1..31 printable bytes) copied into name.
 */
int cfg_json_entry(const cJSON *v, const char *where,
		   const char *const *known, char name[VMK_NAME_MAX])
{
	char at[320];
	int ret = cfg_json_object(v, where);

	if (ret == 0)
		ret = cfg_json_fields(v, where, known);
	if (ret == 0)
		cfg_json_member(v, where, "name", true, &ret);
	if (ret < 0)
		return ret;
	snprintf(at, sizeof(at), "%s.name", where);
	return get_name(cJSON_GetObjectItemCaseSensitive(v, "name"), at, name);
}

static const char *const lb_names[] = {
	[VMK_LB_PORT_ID] = "portid", [VMK_LB_SRC_MAC] = "mac",
	[VMK_LB_IP_HASH] = "iphash", [VMK_LB_EXPLICIT] = "explicit",
};

static int read_security(const cJSON *v, const char *at,
			 struct vmk_security_policy *sec, unsigned int *mask)
{
	bool present;
	int ret;

	*mask = 0;
	ret = cfg_json_bool(v, at, "allow_promiscuous", &sec->allow_promiscuous, &present);
	*mask |= present ? VMK_SEC_PROMISCUOUS : 0;
	if (ret == 0)
		ret = cfg_json_bool(v, at, "allow_mac_changes", &sec->allow_mac_changes, &present);
	*mask |= present ? VMK_SEC_MAC_CHANGES : 0;
	if (ret == 0)
		ret = cfg_json_bool(v, at, "allow_forged_transmits", &sec->allow_forged_transmits,
			       &present);
	*mask |= present ? VMK_SEC_FORGED : 0;
	return ret;
}

static int read_shaping(const cJSON *v, const char *at,
			struct vmk_shaping_policy *p)
{
	int ret = cfg_json_bool(v, at, "enabled", &p->enabled, NULL);

	if (ret == 0)
		ret = get_u64(v, at, "avg_kbps", (uint32_t)VMK_CONFIG_SHAPING_MAX_KBPS,
			      &p->avg_kbps);
	if (ret == 0)
		ret = get_u64(v, at, "peak_kbps", (uint32_t)VMK_CONFIG_SHAPING_MAX_KBPS,
			      &p->peak_kbps);
	if (ret == 0)
		ret = get_u64(v, at, "burst_kb", (uint32_t)VMK_CONFIG_SHAPING_MAX_KB,
			      &p->burst_kb);
	return ret;
}

static int read_team_list(const cJSON *v, const char *at, const char *key,
			  char list[][32], unsigned int *n)
{
	const cJSON *arr, *e;
	char where[320];
	int ret = cfg_json_array(v, at, key, VMK_TEAM_MAX_UPLINKS, &arr);

	if (ret < 0 || arr == NULL)
		return ret;
	*n = 0;
	cJSON_ArrayForEach(e, arr) {
		snprintf(where, sizeof(where), "%s.%s[%u]", at, key, *n);
		ret = get_name(e, where, list[*n]);
		if (ret < 0)
			return ret;
		(*n)++;
	}
	return 0;
}

static int read_teaming(const cJSON *v, const char *at,
			struct vmk_teaming_policy *p)
{
	const cJSON *lb = cJSON_GetObjectItemCaseSensitive(v, "load_balancing");
	const cJSON *fd = cJSON_GetObjectItemCaseSensitive(v, "failure_detection");
	int ret = 0;

	if (lb != NULL) {
		unsigned int i;

		for (i = 0; i < 4 && !(cJSON_IsString(lb) &&
				       strcmp(lb->valuestring, lb_names[i]) == 0); i++)
			;
		if (i == 4)
			return vmk_err(-EINVAL, "%s.load_balancing: expected \"portid\", "
				 "\"mac\", \"iphash\" or \"explicit\"", at);
		p->load_balancing = (enum vmk_load_balancing)i;
	}
	if (fd != NULL) {
		if (cJSON_IsString(fd) && strcmp(fd->valuestring, "link") == 0)
			p->failure_detection = VMK_FD_LINK;
		else if (cJSON_IsString(fd) && strcmp(fd->valuestring, "beacon") == 0)
			p->failure_detection = VMK_FD_BEACON;
		else
			return vmk_err(-EINVAL, "%s.failure_detection: expected \"link\" or "
				       "\"beacon\"", at);
	}
	ret = cfg_json_bool(v, at, "notify_switches", &p->notify_switches, NULL);
	if (ret == 0)
		ret = cfg_json_bool(v, at, "failback", &p->failback, NULL);
	if (ret == 0)
		ret = read_team_list(v, at, "active", p->active, &p->n_active);
	if (ret == 0)
		ret = read_team_list(v, at, "standby", p->standby, &p->n_standby);
	return ret;
}

/*
 * A "policy" object. For a vSwitch (pg_mask etc. NULL) present fields set
 * its policies; for a port group they become overrides.
 */
static int read_policy(const cJSON *obj, const char *where,
		       struct vmk_security_policy *sec, unsigned int *sec_mask,
		       struct vmk_shaping_policy *shaping, bool *has_shaping,
		       struct vmk_teaming_policy *teaming, bool *has_teaming)
{
	static const char *const known[] = { "security", "shaping", "teaming", NULL };
	static const char *const sec_known[] = { "allow_promiscuous", "allow_mac_changes",
						 "allow_forged_transmits", NULL };
	static const char *const sh_known[] = { "enabled", "avg_kbps", "peak_kbps",
						"burst_kb", NULL };
	static const char *const tm_known[] = { "load_balancing", "failure_detection",
						"notify_switches", "failback", "active",
						"standby", NULL };
	const cJSON *pol, *v;
	char at[320], at2[400];
	unsigned int mask = 0;
	int ret = get_object(obj, where, "policy", known, &pol, at, sizeof(at));

	if (ret < 0 || pol == NULL)
		return ret;
	ret = get_object(pol, at, "security", sec_known, &v, at2, sizeof(at2));
	if (ret == 0 && v != NULL)
		ret = read_security(v, at2, sec, &mask);
	if (sec_mask != NULL)
		*sec_mask = mask;
	if (ret == 0)
		ret = get_object(pol, at, "shaping", sh_known, &v, at2, sizeof(at2));
	if (ret == 0 && v != NULL) {
		ret = read_shaping(v, at2, shaping);
		if (has_shaping != NULL)
			*has_shaping = true;
	}
	if (ret == 0)
		ret = get_object(pol, at, "teaming", tm_known, &v, at2, sizeof(at2));
	if (ret == 0 && v != NULL) {
		ret = read_teaming(v, at2, teaming);
		if (has_teaming != NULL)
			*has_teaming = true;
	}
	return ret;
}

static int read_portgroup(const cJSON *v, const char *where,
			  struct vmk_config_portgroup *pg)
{
	static const char *const known[] = { "name", "vlan_id", "policy", NULL };
	char at[320];
	uint32_t vlan = 0;
	int ret;

	vmk_config_portgroup_init(pg, NULL);
	ret = cfg_json_entry(v, where, known, pg->name);
	if (ret < 0)
		return ret;
	snprintf(at, sizeof(at), "%s (%s)", where, pg->name);
	ret = cfg_json_uint(v, at, "vlan_id", false, 0, VMK_VLAN_TRUNK, &vlan);
	pg->vlan_id = (uint16_t)vlan;
	if (ret == 0)
		ret = read_policy(v, at, &pg->security, &pg->security_mask, &pg->shaping,
				  &pg->has_shaping, &pg->teaming, &pg->has_teaming);
	return ret;
}

static int read_fdb(const cJSON *obj, const char *where,
		    struct vmk_config_vswitch *vs)
{
	static const char *const known[] = { "capacity", "aging_sec", NULL };
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "fdb");
	char at[256];
	int ret;

	if (v == NULL)
		return 0;
	snprintf(at, sizeof(at), "%s.fdb", where);
	ret = cfg_json_object(v, at);
	if (ret == 0)
		ret = cfg_json_fields(v, at, known);
	if (ret == 0)
		ret = cfg_json_uint(v, at, "capacity", false, CFG_FDB_CAPACITY_MIN,
			       VMK_FDB_CAPACITY_MAX, &vs->fdb_capacity);
	if (ret == 0)
		ret = cfg_json_uint(v, at, "aging_sec", false, 1, CFG_AGING_MAX, &vs->fdb_aging_sec);
	return ret;
}

static int read_cdp(const cJSON *obj, const char *where, struct vmk_config_vswitch *vs)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "cdp_status");

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || vmk_cdp_status_parse(v->valuestring, &vs->cdp_status) < 0)
		return vmk_err(-EINVAL, "%s.cdp_status: expected \"down\", \"listen\", "
			       "\"advertise\" or \"both\"", where);
	return 0;
}

static int read_beacon(const cJSON *obj, const char *where, struct vmk_config_vswitch *vs)
{
	static const char *const known[] = { "interval_sec", "threshold", NULL };
	const cJSON *v;
	char at[256];
	int ret = get_object(obj, where, "beacon", known, &v, at, sizeof(at));

	if (ret < 0 || v == NULL)
		return ret;
	ret = cfg_json_uint(v, at, "interval_sec", false, 1, VMK_BEACON_INTERVAL_MAX,
			    &vs->beacon_interval_sec);
	if (ret == 0)
		ret = cfg_json_uint(v, at, "threshold", false, 1, VMK_BEACON_THRESHOLD_MAX,
				    &vs->beacon_threshold);
	return ret;
}

static int read_vswitch_lists(const cJSON *v, const char *where,
			      struct vmk_config_vswitch *vs)
{
	const cJSON *pgs, *ups, *e;
	char at[256];
	int ret;

	ret = cfg_json_array(v, where, "portgroups", VMK_CONFIG_MAX_PORTGROUPS, &pgs);
	if (ret == 0)
		ret = cfg_json_array(v, where, "uplinks", VMK_CONFIG_MAX_UPLINKS, &ups);
	if (ret < 0)
		return ret;
	cJSON_ArrayForEach(e, pgs) {
		snprintf(at, sizeof(at), "%s.portgroups[%u]", where, vs->n_portgroups);
		ret = read_portgroup(e, at, &vs->portgroups[vs->n_portgroups]);
		if (ret < 0)
			return ret;
		vs->n_portgroups++;
	}
	cJSON_ArrayForEach(e, ups) {
		snprintf(at, sizeof(at), "%s.uplinks[%u]", where, vs->n_uplinks);
		ret = get_name(e, at, vs->uplinks[vs->n_uplinks]);
		if (ret < 0)
			return ret;
		vs->n_uplinks++;
	}
	return 0;
}

static int read_vswitch(const cJSON *v, unsigned int idx,
			struct vmk_config_vswitch *vs)
{
	static const char *const known[] = { "name", "mtu", "ports", "fdb", "cdp_status",
					     "beacon", "uplinks", "policy", "portgroups", NULL };
	char where[128];
	int ret;

	snprintf(where, sizeof(where), "vswitches[%u]", idx);
	vmk_config_vswitch_init(vs, NULL);
	ret = cfg_json_entry(v, where, known, vs->name);
	if (ret < 0)
		return ret;
	snprintf(where, sizeof(where), "vswitches[%u] (%s)", idx, vs->name);
	ret = cfg_json_uint(v, where, "mtu", false, VMK_VSWITCH_MTU_MIN, VMK_VSWITCH_MTU_MAX,
		       &vs->mtu);
	if (ret == 0)
		ret = cfg_json_uint(v, where, "ports", false, CFG_PORTS_MIN, VMK_VSWITCH_MAX_PORTS,
			       &vs->n_ports);
	if (ret == 0)
		ret = read_fdb(v, where, vs);
	if (ret == 0)
		ret = read_cdp(v, where, vs);
	if (ret == 0)
		ret = read_beacon(v, where, vs);
	if (ret == 0)
		ret = read_vswitch_lists(v, where, vs);
	if (ret == 0)
		ret = read_policy(v, where, &vs->security, NULL, &vs->shaping, NULL,
				  &vs->teaming, NULL);
	return ret;
}

/* ---- IP layer: netstacks and vmknics ---------------------------------- */

/* A dotted-quad IPv4 address string into *out (network byte order). */
static int get_ipv4(const cJSON *obj, const char *where, const char *key,
		    bool required, uint32_t *out)
{
	int ret = 0;
	const cJSON *v = cfg_json_member(obj, where, key, required, &ret);
	struct in_addr a;

	if (v == NULL)
		return ret;
	if (!cJSON_IsString(v) || inet_pton(AF_INET, v->valuestring, &a) != 1)
		return vmk_err(-EINVAL, "%s.%s: expected an IPv4 address \"a.b.c.d\", got %s",
			 where, key, cJSON_IsString(v) ? v->valuestring : cfg_json_type(v));
	*out = a.s_addr;
	return 0;
}

/* "a.b.c.d/len" into network and prefix length. */
int cfg_parse_cidr(const char *s, uint32_t *net, uint8_t *plen)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	long n;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	n = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || n < 0 || n > 32 ||
	    inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*net = a.s_addr;
	*plen = (uint8_t)n;
	return 0;
}

static int read_route(const cJSON *v, const char *where,
		      struct vmk_config_route *rt)
{
	static const char *const known[] = { "network", "gateway", NULL };
	int ret = cfg_json_object(v, where);
	const cJSON *net = NULL;

	if (ret == 0)
		ret = cfg_json_fields(v, where, known);
	if (ret == 0)
		net = cfg_json_member(v, where, "network", true, &ret);
	if (ret < 0)
		return ret;
	if (!cJSON_IsString(net) || cfg_parse_cidr(net->valuestring, &rt->network,
					       &rt->prefix_len) < 0)
		return vmk_err(-EINVAL, "%s.network: expected \"a.b.c.d/len\", got %s",
			 where, cJSON_IsString(net) ? net->valuestring : cfg_json_type(net));
	return get_ipv4(v, where, "gateway", true, &rt->gateway);
}

/* The optional "tcp" object of a netstack. */
static int read_ns_tcp(const cJSON *v, const char *where,
		       struct vmk_config_netstack *ns)
{
	static const char *const known[] = { "congestion_control", "rto_min_ms", NULL };
	char at[160];
	const cJSON *cc;
	int ret = 0;
	const cJSON *t = cfg_json_member(v, where, "tcp", false, &ret);

	if (t == NULL)
		return ret;
	snprintf(at, sizeof(at), "%s.tcp", where);
	ret = cfg_json_object(t, at);
	if (ret == 0)
		ret = cfg_json_fields(t, at, known);
	if (ret < 0)
		return ret;
	cc = cfg_json_member(t, at, "congestion_control", false, &ret);
	if (cc != NULL) {
		if (!cJSON_IsString(cc) || cc->valuestring[0] == '\0' ||
		    strlen(cc->valuestring) >= sizeof(ns->tcp_cc))
			return vmk_err(-EINVAL, "%s.congestion_control: expected an "
				 "algorithm name (\"newreno\", \"cubic\"), got %.40s", at,
				 cJSON_IsString(cc) ? cc->valuestring : cfg_json_type(cc));
		snprintf(ns->tcp_cc, sizeof(ns->tcp_cc), "%s", cc->valuestring);
	}
	return cfg_json_uint(t, at, "rto_min_ms", false, 1, VMK_CONFIG_TCP_RTO_MIN_MAX,
			&ns->tcp_rto_min_ms);
}

static int read_netstack(const cJSON *v, unsigned int idx,
			 struct vmk_config *cfg)
{
	static const char *const known[] = { "name", "default_gateway", "routes", "tcp", NULL };
	struct vmk_config_netstack tmp, *ns;
	char where[96], at[192];
	const cJSON *routes, *e;
	int ret;

	snprintf(where, sizeof(where), "netstacks[%u]", idx);
	memset(&tmp, 0, sizeof(tmp));
	ret = cfg_json_entry(v, where, known, tmp.name);
	if (ret < 0)
		return ret;
	snprintf(where, sizeof(where), "netstacks[%u] (%s)", idx, tmp.name);
	ret = get_ipv4(v, where, "default_gateway", false, &tmp.default_gateway);
	if (ret == 0)
		ret = read_ns_tcp(v, where, &tmp);
	if (ret == 0)
		ret = cfg_json_array(v, where, "routes", VMK_CONFIG_MAX_ROUTES, &routes);
	if (ret < 0)
		return ret;
	cJSON_ArrayForEach(e, routes) {
		snprintf(at, sizeof(at), "%s.routes[%u]", where, tmp.n_routes);
		ret = read_route(e, at, &tmp.routes[tmp.n_routes]);
		if (ret < 0)
			return ret;
		tmp.n_routes++;
	}
	/* A built-in one is listed to give it routes; it is already there. */
	ns = vmk_config_netstack_is_builtin(tmp.name) ?
	     vmk_config_find_netstack(cfg, tmp.name) : NULL;
	for (const cJSON *p = v->prev; p != NULL && p->next != NULL; p = p->prev) {
		const cJSON *pn = cJSON_GetObjectItemCaseSensitive(p, "name");

		if (cJSON_IsString(pn) && strcmp(pn->valuestring, tmp.name) == 0)
			return vmk_err(-EINVAL, "%s.name: netstack \"%s\" is listed twice",
				 where, tmp.name);
	}
	if (ns == NULL) {
		if (cfg->n_netstacks >= VMK_NETSTACK_MAX)
			return vmk_err(-EINVAL, "netstacks: at most %u netstacks",
				 VMK_NETSTACK_MAX);
		ns = &cfg->netstacks[cfg->n_netstacks++];
	}
	*ns = tmp;
	return 0;
}

/*
 * The "portgroup" of a vmknic or guest port (present: checked by the
 * caller) and its "vswitch", which may be left out: port group names are
 * unique on the host, so the group names its vSwitch.
 */
static int read_place(const cJSON *v, const char *where, struct vmk_config *cfg,
		      char portgroup[VMK_NAME_MAX], char vswitch[VMK_NAME_MAX])
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(v, "vswitch");
	struct vmk_config_vswitch *vs = NULL;
	char at[192];
	int ret;

	snprintf(at, sizeof(at), "%s.portgroup", where);
	ret = get_name(cJSON_GetObjectItemCaseSensitive(v, "portgroup"), at, portgroup);
	snprintf(at, sizeof(at), "%s.vswitch", where);
	if (ret == 0 && e != NULL)
		return get_name(e, at, vswitch);
	if (ret == 0 && vmk_config_find_portgroup(cfg, portgroup, &vs) != NULL)
		snprintf(vswitch, VMK_NAME_MAX, "%s", vs->name);
	return ret;
}

static int read_mac(const cJSON *v, const char *where, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || sscanf(v->valuestring, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0],
					  &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return vmk_err(-EINVAL, "%s.mac: expected a MAC address "
			 "\"xx:xx:xx:xx:xx:xx\", got %s", where,
			 cJSON_IsString(v) ? v->valuestring : cfg_json_type(v));
	for (unsigned int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int read_nic_ipv4(const cJSON *obj, const char *where,
			 struct vmk_config_vmknic *n)
{
	static const char *const known[] = { "type", "address", "netmask", "gateway",
					     "peer_dns", NULL };
	const cJSON *v, *type;
	char at[192];
	int ret = get_object(obj, where, "ipv4", known, &v, at, sizeof(at));

	if (ret < 0 || v == NULL)
		return ret;
	type = cfg_json_member(v, at, "type", true, &ret);
	if (ret < 0)
		return ret;
	if (cJSON_IsString(type) && strcmp(type->valuestring, "none") == 0) {
		if (cJSON_GetArraySize(v) > 1)
			return vmk_err(-EINVAL, "%s: type \"none\" takes no address, netmask "
				 "or gateway", at);
		return 0;
	}
	/* DHCP: the document holds the type, never the leased address. */
	if (cJSON_IsString(type) && strcmp(type->valuestring, "dhcp") == 0) {
		if (cJSON_GetObjectItemCaseSensitive(v, "address") != NULL ||
		    cJSON_GetObjectItemCaseSensitive(v, "netmask") != NULL ||
		    cJSON_GetObjectItemCaseSensitive(v, "gateway") != NULL)
			return vmk_err(-EINVAL, "%s: type \"dhcp\" takes no address, netmask or "
				 "gateway (the lease gives them)", at);
		n->dhcp = true;
		return cfg_json_bool(v, at, "peer_dns", &n->peer_dns, NULL);
	}
	if (cJSON_GetObjectItemCaseSensitive(v, "peer_dns") != NULL)
		return vmk_err(-EINVAL, "%s.peer_dns: only for type \"dhcp\"", at);
	if (!cJSON_IsString(type) || strcmp(type->valuestring, "static") != 0)
		return vmk_err(-EINVAL, "%s.type: expected \"static\", \"dhcp\" or \"none\"", at);
	ret = get_ipv4(v, at, "address", true, &n->ipv4);
	if (ret == 0)
		ret = get_ipv4(v, at, "netmask", true, &n->netmask);
	if (ret == 0)
		ret = get_ipv4(v, at, "gateway", false, &n->gateway);
	return ret;
}

static int read_nic_tags(const cJSON *obj, const char *where,
			 struct vmk_config_vmknic *n)
{
	const cJSON *arr, *e;
	unsigned int i = 0;
	int ret = cfg_json_array(obj, where, "tags", VMK_TAG_MAX, &arr);

	if (ret < 0 || arr == NULL)
		return ret;
	cJSON_ArrayForEach(e, arr) {
		enum vmk_service_tag tag;

		if (!cJSON_IsString(e) || vmk_service_tag_parse(e->valuestring, &tag) < 0)
			return vmk_err(-EINVAL, "%s.tags[%u]: not a service tag (Management, "
				 "VMotion, Provisioning, faultToleranceLogging, VSAN, VSANWitness, "
				 "vSphereReplication, vSphereReplicationNFC, vSphereBackupNFC, "
				 "NVMeTCP)", where, i);
		if (n->tags & (1u << tag))
			return vmk_err(-EINVAL, "%s.tags[%u]: %s is listed twice", where, i,
				 e->valuestring);
		n->tags |= 1u << tag;
		i++;
	}
	return 0;
}

static int read_vmknic(const cJSON *v, unsigned int idx,
		       struct vmk_config *cfg, struct vmk_config_vmknic *n)
{
	static const char *const known[] = { "name", "vswitch", "portgroup", "netstack", "mac",
					     "mtu", "enabled", "ipv4", "tags", NULL };
	char where[96], at[192];
	const cJSON *e;
	int ret;

	snprintf(where, sizeof(where), "vmknics[%u]", idx);
	vmk_config_vmknic_init(n, NULL, NULL, NULL);
	ret = cfg_json_entry(v, where, known, n->name);
	if (ret == 0)
		cfg_json_member(v, where, "portgroup", true, &ret);
	if (ret < 0)
		return ret;
	snprintf(where, sizeof(where), "vmknics[%u] (%s)", idx, n->name);
	ret = read_place(v, where, cfg, n->portgroup, n->vswitch);
	e = cJSON_GetObjectItemCaseSensitive(v, "netstack");
	snprintf(at, sizeof(at), "%s.netstack", where);
	if (ret == 0 && e != NULL)
		ret = get_name(e, at, n->netstack);
	if (ret == 0)
		ret = read_mac(cJSON_GetObjectItemCaseSensitive(v, "mac"), where, n->mac);
	if (ret == 0)
		ret = cfg_json_uint(v, where, "mtu", false, VMK_VMKNIC_MTU_MIN, VMK_VMKNIC_MTU_MAX,
			       &n->mtu);
	if (ret == 0)
		ret = cfg_json_bool(v, where, "enabled", &n->enabled, NULL);
	if (ret == 0)
		ret = read_nic_ipv4(v, where, n);
	if (ret == 0)
		ret = read_nic_tags(v, where, n);
	return ret;
}

static int read_ip(const cJSON *root, struct vmk_config *cfg)
{
	const cJSON *nss, *nics, *e;
	int ret = cfg_json_array(root, "document", "netstacks", VMK_NETSTACK_MAX, &nss);
	unsigned int i = 0;

	if (ret == 0)
		ret = cfg_json_array(root, "document", "vmknics", VMK_VMKNIC_MAX, &nics);
	if (ret < 0)
		return ret;
	cJSON_ArrayForEach(e, nss) {
		ret = read_netstack(e, i++, cfg);
		if (ret < 0)
			return ret;
	}
	cJSON_ArrayForEach(e, nics) {
		ret = read_vmknic(e, cfg->n_vmknics, cfg, &cfg->vmknics[cfg->n_vmknics]);
		if (ret < 0)
			return ret;
		cfg->n_vmknics++;
	}
	return 0;
}

/* ---- guest ports --------------------------------------------------------- */

static int read_guest_socket(const cJSON *v, const char *where,
			     struct vmk_config_guest_port *gp)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "socket");

	if (!cJSON_IsString(s))
		return vmk_err(-EINVAL, "%s.socket: expected a string, got %s", where,
			 cfg_json_type(s));
	if (strlen(s->valuestring) >= sizeof(gp->socket))
		return vmk_err(-EINVAL, "%s.socket: \"%.40s...\" is longer than %zu bytes "
			 "(a Unix socket address)", where, s->valuestring, sizeof(gp->socket) - 1);
	snprintf(gp->socket, sizeof(gp->socket), "%s", s->valuestring);
	return 0;
}

static int read_guest_mode(const cJSON *v, const char *where,
			   struct vmk_config_guest_port *gp)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, "mode");

	if (m == NULL)
		return 0;
	if (cJSON_IsString(m) && (strcmp(m->valuestring, "client") == 0 ||
				  strcmp(m->valuestring, "server") == 0)) {
		gp->server = m->valuestring[0] == 's';
		return 0;
	}
	return vmk_err(-EINVAL, "%s.mode: expected \"client\" or \"server\", got %s",
		 where, cJSON_IsString(m) ? m->valuestring : cfg_json_type(m));
}

static int read_guest_port(const cJSON *v, unsigned int idx,
			   struct vmk_config *cfg, struct vmk_config_guest_port *gp)
{
	static const char *const known[] = { "name", "vswitch", "portgroup", "socket", "mode",
					     "queues", "mac", NULL };
	char where[96];
	int ret;

	snprintf(where, sizeof(where), "guest_ports[%u]", idx);
	vmk_config_guest_port_init(gp, NULL, NULL, NULL, NULL);
	ret = cfg_json_entry(v, where, known, gp->name);
	if (ret < 0)
		return ret;
	snprintf(where, sizeof(where), "guest_ports[%u] (%s)", idx, gp->name);
	cfg_json_member(v, where, "portgroup", true, &ret);
	if (ret == 0)
		cfg_json_member(v, where, "socket", true, &ret);
	if (ret < 0)
		return ret;
	ret = read_place(v, where, cfg, gp->portgroup, gp->vswitch);
	if (ret == 0)
		ret = read_guest_socket(v, where, gp);
	if (ret == 0)
		ret = read_guest_mode(v, where, gp);
	if (ret == 0)
		ret = cfg_json_uint(v, where, "queues", false, 1, VMK_CONFIG_GUEST_QUEUES_MAX,
			       &gp->n_queues);
	if (ret == 0)
		ret = read_mac(cJSON_GetObjectItemCaseSensitive(v, "mac"), where, gp->mac);
	return ret;
}

static int read_guest_ports(const cJSON *root, struct vmk_config *cfg)
{
	const cJSON *arr, *e;
	int ret = cfg_json_array(root, "document", "guest_ports", VMK_CONFIG_MAX_GUEST_PORTS, &arr);

	if (ret < 0)
		return ret;
	cJSON_ArrayForEach(e, arr) {
		ret = read_guest_port(e, cfg->n_guest_ports, cfg,
				      &cfg->guest_ports[cfg->n_guest_ports]);
		if (ret < 0)
			return ret;
		cfg->n_guest_ports++;
	}
	return 0;
}

static int read_root(const cJSON *root, struct vmk_config *cfg)
{
	static const char *const known[] = { "schema_version", "host", "vswitches", "netstacks",
					     "vmknics", "guest_ports", "firewall", "nioc",
					     NULL };
	static const char *const host_known[] = { "name", NULL };
	const cJSON *host, *vss, *e;
	uint32_t version = 0;
	int ret = cfg_json_object(root, "document");

	if (ret == 0)
		ret = cfg_json_uint(root, "document", "schema_version", true, 0, UINT32_MAX, &version);
	if (ret == 0 && version != VMK_CONFIG_SCHEMA_VERSION)
		ret = vmk_err(-EINVAL,
			 "schema_version: %u is not supported (this vmknet reads version %u)",
			 version, VMK_CONFIG_SCHEMA_VERSION);
	if (ret == 0)
		ret = cfg_json_fields(root, "document", known);
	if (ret < 0)
		return ret;
	host = cfg_json_member(root, "document", "host", true, &ret);
	if (ret == 0)
		ret = cfg_json_object(host, "host");
	if (ret == 0)
		ret = cfg_json_fields(host, "host", host_known);
	if (ret == 0)
		cfg_json_member(host, "host", "name", true, &ret);
	if (ret == 0)
		ret = get_name(cJSON_GetObjectItemCaseSensitive(host, "name"), "host.name",
			       cfg->host_name);
	if (ret == 0)
		cfg_json_member(root, "document", "vswitches", true, &ret);
	if (ret == 0)
		ret = cfg_json_array(root, "document", "vswitches", VMK_MAX_VSWITCHES, &vss);
	if (ret < 0)
		return ret;
	cJSON_ArrayForEach(e, vss) {
		ret = read_vswitch(e, cfg->n_vswitches, &cfg->vswitches[cfg->n_vswitches]);
		if (ret < 0)
			return ret;
		cfg->n_vswitches++;
	}
	ret = read_ip(root, cfg);
	if (ret == 0)
		ret = read_guest_ports(root, cfg);
	if (ret == 0)
		ret = cfg_fw_from_json(root, &cfg->firewall);
	return ret == 0 ? cfg_nioc_from_json(root, &cfg->nioc) : ret;
}

static bool only_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

/* "line L, column C" of byte offset off. */
static void position(const char *text, size_t len, size_t off, unsigned int *line,
		     unsigned int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int cfg_from_json(const char *text, size_t len, struct vmk_config *out)
{
	struct vmk_config *cfg;
	const char *end = NULL;
	cJSON *root;
	int ret;

	if (text == NULL || out == NULL)
		return vmk_err(-EINVAL, "no document");
	if (len > VMK_CONFIG_FILE_MAX) {
		vmk_err_set("document of %zu bytes is larger than the limit of %u",
			 len, VMK_CONFIG_FILE_MAX);
		return -E2BIG;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (root == NULL) {
		unsigned int line, col;
		size_t off = end != NULL && end >= text ? (size_t)(end - text) : 0;

		position(text, len, off, &line, &col);
		if (only_space(text, len))
			return vmk_err(-EINVAL, "malformed JSON: the document is empty");
		return vmk_err(-EINVAL, "malformed JSON at line %u, column %u", line, col);
	}
	/* Trailing garbage after the document is malformed too. */
	if (end != NULL && end >= text && (size_t)(end - text) < len &&
	    !only_space(end, len - (size_t)(end - text))) {
		unsigned int line, col;

		position(text, len, (size_t)(end - text), &line, &col);
		vmk_err_set(
			 "malformed JSON at line %u, column %u: text after the document", line, col);
		cJSON_Delete(root);
		return -EINVAL;
	}
	ret = vmk_config_create(&cfg);
	if (ret < 0) {
		cJSON_Delete(root);
		vmk_err_set("out of memory");
		return ret;
	}
	cfg->n_vswitches = 0;
	ret = read_root(root, cfg);
	cJSON_Delete(root);
	if (ret == 0)
		ret = cfg_validate(cfg);
	if (ret == 0)
		vmk_config_copy(out, cfg);
	vmk_config_destroy(cfg);
	return ret;
}

int vmk_config_from_json(const char *text, size_t len, struct vmk_config *out,
			 char *err, size_t err_size)
{
	vmk_err_clear();
	return cfg_err_out(cfg_from_json(text, len, out), err, err_size);
}

static void emit_shaping(cJSON *pol, const struct vmk_shaping_policy *p)
{
	cJSON *o = cJSON_AddObjectToObject(pol, "shaping");

	if (o == NULL)
		return;
	cJSON_AddBoolToObject(o, "enabled", p->enabled);
	cJSON_AddNumberToObject(o, "avg_kbps", (double)p->avg_kbps);
	cJSON_AddNumberToObject(o, "peak_kbps", (double)p->peak_kbps);
	cJSON_AddNumberToObject(o, "burst_kb", (double)p->burst_kb);
}

static void emit_teaming(cJSON *pol, const struct vmk_teaming_policy *p)
{
	cJSON *o = cJSON_AddObjectToObject(pol, "teaming"), *a, *b;

	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "load_balancing",
				(unsigned int)p->load_balancing <= VMK_LB_EXPLICIT ?
				lb_names[p->load_balancing] : "portid");
	cJSON_AddStringToObject(o, "failure_detection",
				p->failure_detection == VMK_FD_BEACON ? "beacon" : "link");
	cJSON_AddBoolToObject(o, "notify_switches", p->notify_switches);
	cJSON_AddBoolToObject(o, "failback", p->failback);
	a = cJSON_AddArrayToObject(o, "active");
	for (unsigned int i = 0; a != NULL && i < p->n_active; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->active[i]));
	b = cJSON_AddArrayToObject(o, "standby");
	for (unsigned int i = 0; b != NULL && i < p->n_standby; i++)
		cJSON_AddItemToArray(b, cJSON_CreateString(p->standby[i]));
}

static void emit_vswitch_policy(cJSON *o, const struct vmk_config_vswitch *vs)
{
	cJSON *pol = cJSON_AddObjectToObject(o, "policy"), *sec;

	if (pol == NULL)
		return;
	sec = cJSON_AddObjectToObject(pol, "security");
	if (sec != NULL) {
		cJSON_AddBoolToObject(sec, "allow_promiscuous", vs->security.allow_promiscuous);
		cJSON_AddBoolToObject(sec, "allow_mac_changes", vs->security.allow_mac_changes);
		cJSON_AddBoolToObject(sec, "allow_forged_transmits",
				      vs->security.allow_forged_transmits);
	}
	emit_shaping(pol, &vs->shaping);
	emit_teaming(pol, &vs->teaming);
}

/* Only the overrides: a port group without any has no "policy". */
static void emit_pg_policy(cJSON *o, const struct vmk_config_portgroup *pg)
{
	cJSON *pol, *sec;

	if (pg->security_mask == 0 && !pg->has_shaping && !pg->has_teaming)
		return;
	pol = cJSON_AddObjectToObject(o, "policy");
	if (pol == NULL)
		return;
	if (pg->security_mask != 0) {
		sec = cJSON_AddObjectToObject(pol, "security");
		if (sec != NULL && (pg->security_mask & VMK_SEC_PROMISCUOUS))
			cJSON_AddBoolToObject(sec, "allow_promiscuous",
					      pg->security.allow_promiscuous);
		if (sec != NULL && (pg->security_mask & VMK_SEC_MAC_CHANGES))
			cJSON_AddBoolToObject(sec, "allow_mac_changes",
					      pg->security.allow_mac_changes);
		if (sec != NULL && (pg->security_mask & VMK_SEC_FORGED))
			cJSON_AddBoolToObject(sec, "allow_forged_transmits",
					      pg->security.allow_forged_transmits);
	}
	if (pg->has_shaping)
		emit_shaping(pol, &pg->shaping);
	if (pg->has_teaming)
		emit_teaming(pol, &pg->teaming);
}

static cJSON *emit_vswitch(const struct vmk_config_vswitch *vs)
{
	cJSON *o = cJSON_CreateObject(), *fdb, *beacon, *ups, *pgs;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "name", vs->name);
	cJSON_AddNumberToObject(o, "mtu", vs->mtu);
	cJSON_AddNumberToObject(o, "ports", vs->n_ports);
	fdb = cJSON_AddObjectToObject(o, "fdb");
	if (fdb != NULL) {
		cJSON_AddNumberToObject(fdb, "capacity", vs->fdb_capacity);
		cJSON_AddNumberToObject(fdb, "aging_sec", vs->fdb_aging_sec);
	}
	cJSON_AddStringToObject(o, "cdp_status", vmk_cdp_status_name(vs->cdp_status) != NULL ?
				vmk_cdp_status_name(vs->cdp_status) : "listen");
	beacon = cJSON_AddObjectToObject(o, "beacon");
	if (beacon != NULL) {
		cJSON_AddNumberToObject(beacon, "interval_sec", vs->beacon_interval_sec);
		cJSON_AddNumberToObject(beacon, "threshold", vs->beacon_threshold);
	}
	ups = cJSON_AddArrayToObject(o, "uplinks");
	for (unsigned int k = 0; ups != NULL && k < vs->n_uplinks; k++)
		cJSON_AddItemToArray(ups, cJSON_CreateString(vs->uplinks[k]));
	emit_vswitch_policy(o, vs);
	pgs = cJSON_AddArrayToObject(o, "portgroups");
	for (unsigned int k = 0; pgs != NULL && k < vs->n_portgroups; k++) {
		cJSON *pg = cJSON_CreateObject();

		if (pg == NULL || !cJSON_AddItemToArray(pgs, pg)) {
			cJSON_Delete(pg);
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddStringToObject(pg, "name", vs->portgroups[k].name);
		cJSON_AddNumberToObject(pg, "vlan_id", vs->portgroups[k].vlan_id);
		emit_pg_policy(pg, &vs->portgroups[k]);
	}
	return o;
}

static void add_ip(cJSON *o, const char *key, uint32_t a)
{
	char s[16];

	cJSON_AddStringToObject(o, key, cfg_ip_str(a, s));
}

static void add_mac(cJSON *o, const uint8_t *m)
{
	static const uint8_t zero[6];
	char mac[18];

	if (memcmp(m, zero, 6) == 0)
		return;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		 m[4], m[5]);
	cJSON_AddStringToObject(o, "mac", mac);
}

static cJSON *emit_netstack(const struct vmk_config_netstack *ns)
{
	cJSON *o = cJSON_CreateObject(), *routes;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "name", ns->name);
	if (ns->default_gateway != 0)
		add_ip(o, "default_gateway", ns->default_gateway);
	routes = cJSON_AddArrayToObject(o, "routes");
	for (unsigned int i = 0; routes != NULL && i < ns->n_routes; i++) {
		cJSON *r = cJSON_CreateObject();
		char net[16], buf[24];

		if (r == NULL || !cJSON_AddItemToArray(routes, r)) {
			cJSON_Delete(r);
			break;
		}
		snprintf(buf, sizeof(buf), "%s/%u", cfg_ip_str(ns->routes[i].network, net),
			 ns->routes[i].prefix_len);
		cJSON_AddStringToObject(r, "network", buf);
		add_ip(r, "gateway", ns->routes[i].gateway);
	}
	if (ns->tcp_cc[0] != '\0' || ns->tcp_rto_min_ms != 0) {
		cJSON *t = cJSON_AddObjectToObject(o, "tcp");

		if (t != NULL && ns->tcp_cc[0] != '\0')
			cJSON_AddStringToObject(t, "congestion_control", ns->tcp_cc);
		if (t != NULL && ns->tcp_rto_min_ms != 0)
			cJSON_AddNumberToObject(t, "rto_min_ms", ns->tcp_rto_min_ms);
	}
	return o;
}

static cJSON *emit_vmknic(const struct vmk_config_vmknic *n)
{
	cJSON *o = cJSON_CreateObject(), *ip, *tags;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "name", n->name);
	cJSON_AddStringToObject(o, "vswitch", n->vswitch);
	cJSON_AddStringToObject(o, "portgroup", n->portgroup);
	cJSON_AddStringToObject(o, "netstack", n->netstack);
	add_mac(o, n->mac);
	cJSON_AddNumberToObject(o, "mtu", n->mtu);
	cJSON_AddBoolToObject(o, "enabled", n->enabled);
	ip = cJSON_AddObjectToObject(o, "ipv4");
	if (ip != NULL && n->dhcp) {
		cJSON_AddStringToObject(ip, "type", "dhcp");
		cJSON_AddBoolToObject(ip, "peer_dns", n->peer_dns);
	} else if (ip != NULL && n->ipv4 == 0) {
		cJSON_AddStringToObject(ip, "type", "none");
	} else if (ip != NULL) {
		cJSON_AddStringToObject(ip, "type", "static");
		add_ip(ip, "address", n->ipv4);
		add_ip(ip, "netmask", n->netmask);
		if (n->gateway != 0)
			add_ip(ip, "gateway", n->gateway);
	}
	tags = cJSON_AddArrayToObject(o, "tags");
	for (unsigned int t = 0; tags != NULL && t < VMK_TAG_MAX; t++)
		if (n->tags & (1u << t))
			cJSON_AddItemToArray(tags, cJSON_CreateString(
				vmk_service_tag_name((enum vmk_service_tag)t)));
	return o;
}

static bool emit_guest_ports(cJSON *root, const struct vmk_config *cfg)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "guest_ports");

	for (unsigned int i = 0; arr != NULL && i < cfg->n_guest_ports &&
	     i < VMK_CONFIG_MAX_GUEST_PORTS; i++) {
		const struct vmk_config_guest_port *gp = &cfg->guest_ports[i];
		cJSON *o = cJSON_CreateObject();

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return false;
		}
		cJSON_AddStringToObject(o, "name", gp->name);
		cJSON_AddStringToObject(o, "vswitch", gp->vswitch);
		cJSON_AddStringToObject(o, "portgroup", gp->portgroup);
		cJSON_AddStringToObject(o, "socket", gp->socket);
		cJSON_AddStringToObject(o, "mode", gp->server ? "server" : "client");
		cJSON_AddNumberToObject(o, "queues", gp->n_queues);
		add_mac(o, gp->mac);
	}
	return arr != NULL;
}

static bool emit_ip(cJSON *root, const struct vmk_config *cfg)
{
	cJSON *nss = cJSON_AddArrayToObject(root, "netstacks");
	cJSON *nics = cJSON_AddArrayToObject(root, "vmknics");

	if (nss == NULL || nics == NULL)
		return false;
	for (unsigned int i = 0; i < cfg->n_netstacks && i < VMK_NETSTACK_MAX; i++) {
		cJSON *o = emit_netstack(&cfg->netstacks[i]);

		if (o == NULL || !cJSON_AddItemToArray(nss, o)) {
			cJSON_Delete(o);
			return false;
		}
	}
	for (unsigned int i = 0; i < cfg->n_vmknics && i < VMK_VMKNIC_MAX; i++) {
		cJSON *o = emit_vmknic(&cfg->vmknics[i]);

		if (o == NULL || !cJSON_AddItemToArray(nics, o)) {
			cJSON_Delete(o);
			return false;
		}
	}
	return true;
}

int vmk_config_to_json(const struct vmk_config *cfg, char **text)
{
	cJSON *root, *host, *vss;
	char *s;

	vmk_err_clear();
	if (cfg == NULL || text == NULL)
		return vmk_err(-EINVAL, "no configuration or no place for its text");
	if (cfg->n_vswitches > VMK_MAX_VSWITCHES)
		return vmk_err(-EINVAL, "vswitches: %u vSwitches, at most %u", cfg->n_vswitches,
			       VMK_MAX_VSWITCHES);
	root = cJSON_CreateObject();
	if (root == NULL)
		return vmk_err(-ENOMEM, "out of memory");
	cJSON_AddNumberToObject(root, "schema_version", VMK_CONFIG_SCHEMA_VERSION);
	host = cJSON_AddObjectToObject(root, "host");
	if (host != NULL)
		cJSON_AddStringToObject(host, "name", cfg->host_name);
	vss = cJSON_AddArrayToObject(root, "vswitches");
	for (unsigned int i = 0; vss != NULL && i < cfg->n_vswitches; i++) {
		cJSON *vs = emit_vswitch(&cfg->vswitches[i]);

		if (vs == NULL || !cJSON_AddItemToArray(vss, vs)) {
			cJSON_Delete(vs);
			vss = NULL;
		}
	}
	s = host != NULL && vss != NULL && emit_ip(root, cfg) && emit_guest_ports(root, cfg) &&
	    cfg_fw_to_json(root, &cfg->firewall) && cfg_nioc_to_json(root, &cfg->nioc) ?
	    cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (s == NULL)
		return vmk_err(-ENOMEM, "out of memory");
	/* cJSON_Print leaves out the final newline a text file should have. */
	*text = realloc(s, strlen(s) + 2);
	if (*text == NULL) {
		free(s);
		return vmk_err(-ENOMEM, "out of memory");
	}
	strcat(*text, "\n");
	return 0;
}
