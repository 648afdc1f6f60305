/*
 * vSwitch and port-group policies: esxcli's
 * `network vswitch standard [portgroup] policy security|failover|shaping
 * get|set`. A vSwitch's policies are its own; a port group's are overrides
 * (security field by field, failover and shaping whole) that --use-vswitch
 * removes. Changes are edits of the configuration (the commit path in ops.c
 * validates, applies and saves them); reads report the configuration, which
 * is what runs.
 *
 * Arguments: "vswitch_name" or "portgroup_name" picks the holder; booleans
 * are JSON booleans; uplink lists are comma-separated strings.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmknetd/ops.h"

#define HINT_VS_LIST " (see 'vmkcli network vswitch standard list')"
#define HINT_PG_LIST " (see 'vmkcli network vswitch standard portgroup list')"

/* Which object a request is about: a vSwitch, or a port group (and its vSwitch). */
struct holder {
	struct vmk_config_vswitch *vs;
	struct vmk_config_portgroup *pg;   /* NULL: the vSwitch itself */
};

static int holder_find(struct vmk_config *cfg, const cJSON *args, struct holder *h,
		       char *err, size_t err_size)
{
	const char *name;
	int ret;

	h->vs = NULL;
	h->pg = NULL;
	if (cJSON_GetObjectItemCaseSensitive(args, "portgroup_name") != NULL) {
		ret = arg_name(args, "portgroup_name", "port group", &name, err, err_size);
		if (ret < 0)
			return ret;
		h->pg = vmk_config_find_portgroup(cfg, name, &h->vs);
		if (h->pg == NULL) {
			op_errf(err, err_size, "no port group named \"%s\"" HINT_PG_LIST, name);
			return -ENOENT;
		}
		return 0;
	}
	ret = arg_name(args, "vswitch_name", "vSwitch", &name, err, err_size);
	if (ret < 0)
		return ret;
	h->vs = vmk_config_find_vswitch(cfg, name);
	if (h->vs == NULL) {
		op_errf(err, err_size, "no vSwitch named \"%s\"" HINT_VS_LIST, name);
		return -ENOENT;
	}
	return 0;
}

/* --use-vswitch: true when given (and then nothing else may be). */
static int use_vswitch(const cJSON *args, const struct holder *h, const char *const *others,
		       bool *use, char *err, size_t err_size)
{
	int ret = arg_bool(args, "use_vswitch", "--use-vswitch", use, err, err_size);

	if (ret == -ENOENT) {
		*use = false;
		return 0;
	}
	if (ret < 0)
		return ret;
	if (h->pg == NULL) {
		op_errf(err, err_size, "--use-vswitch applies to port groups only");
		return -EINVAL;
	}
	for (unsigned int i = 0; *use && others[i] != NULL; i += 2) {
		if (cJSON_GetObjectItemCaseSensitive(args, others[i]) == NULL)
			continue;
		op_errf(err, err_size, "--use-vswitch cannot be combined with %s: it drops "
			"every override of %s", others[i + 1], h->pg->name);
		return -EINVAL;
	}
	return 0;
}

static int nothing_to_set(const cJSON *args, const char *const *opts, char *err,
			  size_t err_size)
{
	char list[256] = "";
	size_t len = 0;

	for (unsigned int i = 0; opts[i] != NULL; i += 2) {
		if (cJSON_GetObjectItemCaseSensitive(args, opts[i]) != NULL)
			return 0;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "",
					opts[i + 1]);
		if (len >= sizeof(list))
			break;
	}
	op_errf(err, err_size, "nothing to set: give %s", list);
	return -EINVAL;
}

/* ---- security ---------------------------------------------------------- */

static const char *const sec_opts[] = {
	"allow_promiscuous", "--allow-promiscuous", "allow_mac_change", "--allow-mac-change",
	"allow_forged_transmits", "--allow-forged-transmits", NULL,
};

static int security_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			size_t err_size)
{
	struct vmk_security_policy sec;
	struct holder h;
	cJSON *o;
	int ret = holder_find(d->cfg, args, &h, err, err_size);

	if (ret < 0)
		return ret;
	sec = h.vs->security;
	if (h.pg != NULL)
		vmk_config_portgroup_effective(h.vs, h.pg, &sec, NULL, NULL);
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	cJSON_AddBoolToObject(o, "allow_promiscuous", sec.allow_promiscuous);
	cJSON_AddBoolToObject(o, "allow_mac_change", sec.allow_mac_changes);
	cJSON_AddBoolToObject(o, "allow_forged_transmits", sec.allow_forged_transmits);
	if (h.pg != NULL) {
		cJSON_AddBoolToObject(o, "override_promiscuous",
				      h.pg->security_mask & VMK_SEC_PROMISCUOUS);
		cJSON_AddBoolToObject(o, "override_mac_change",
				      h.pg->security_mask & VMK_SEC_MAC_CHANGES);
		cJSON_AddBoolToObject(o, "override_forged_transmits",
				      h.pg->security_mask & VMK_SEC_FORGED);
	}
	*result = o;
	return 0;
}

static int security_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
			char *err, size_t err_size)
{
	static const unsigned int bits[] = { VMK_SEC_PROMISCUOUS, VMK_SEC_MAC_CHANGES,
					     VMK_SEC_FORGED };
	struct vmk_security_policy *dst;
	struct holder h;
	bool use, val[3];
	int ret = holder_find(next, args, &h, err, err_size);

	(void)d;
	if (ret == 0)
		ret = use_vswitch(args, &h, sec_opts, &use, err, err_size);
	if (ret < 0)
		return ret;
	if (use) {
		h.pg->security_mask = 0;
		return 0;
	}
	for (unsigned int i = 0; i < 3; i++) {
		ret = arg_bool(args, sec_opts[2 * i], sec_opts[2 * i + 1], &val[i], err, err_size);
		if (ret == -EINVAL)
			return ret;
	}
	ret = nothing_to_set(args, sec_opts, err, err_size);
	if (ret < 0)
		return ret;
	dst = h.pg != NULL ? &h.pg->security : &h.vs->security;
	for (unsigned int i = 0; i < 3; i++) {
		if (cJSON_GetObjectItemCaseSensitive(args, sec_opts[2 * i]) == NULL)
			continue;
		if (i == 0)
			dst->allow_promiscuous = val[i];
		else if (i == 1)
			dst->allow_mac_changes = val[i];
		else
			dst->allow_forged_transmits = val[i];
		if (h.pg != NULL)
			h.pg->security_mask |= bits[i];
	}
	return 0;
}

/* ---- failover (teaming) ------------------------------------------------ */

static const char *const fo_opts[] = {
	"active_uplinks", "-a|--active-uplinks", "standby_uplinks", "-s|--standby-uplinks",
	"load_balancing", "-l|--load-balancing", "failure_detection", "-f|--failure-detection",
	"notify_switches", "-n|--notify-switches", "failback", "-b|--failback", NULL,
};

/* esxcli's names in `get` output, by enum vmk_load_balancing. */
static const char *const lb_get_names[] = { "srcport", "srcmac", "iphash", "explicit" };
static const char *const lb_set_names[] = { "portid", "mac", "iphash", "explicit" };

static bool in_team(const struct vmk_teaming_policy *t, const char *name)
{
	for (unsigned int i = 0; i < t->n_active; i++)
		if (strcmp(t->active[i], name) == 0)
			return true;
	for (unsigned int i = 0; i < t->n_standby; i++)
		if (strcmp(t->standby[i], name) == 0)
			return true;
	return false;
}

static int failover_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			size_t err_size)
{
	struct vmk_teaming_policy t;
	struct holder h;
	cJSON *o, *act, *stb, *unused;
	int ret = holder_find(d->cfg, args, &h, err, err_size);

	if (ret < 0)
		return ret;
	t = h.vs->teaming;
	if (h.pg != NULL)
		vmk_config_portgroup_effective(h.vs, h.pg, NULL, NULL, &t);
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	cJSON_AddStringToObject(o, "load_balancing", lb_get_names[t.load_balancing & 3]);
	cJSON_AddStringToObject(o, "failure_detection",
				t.failure_detection == VMK_FD_BEACON ? "beacon" : "link");
	cJSON_AddBoolToObject(o, "notify_switches", t.notify_switches);
	cJSON_AddBoolToObject(o, "failback", t.failback);
	act = cJSON_AddArrayToObject(o, "active_adapters");
	stb = cJSON_AddArrayToObject(o, "standby_adapters");
	unused = cJSON_AddArrayToObject(o, "unused_adapters");
	/* No active list: every uplink is active, in the order added. */
	for (unsigned int i = 0; t.n_active == 0 && i < h.vs->n_uplinks; i++)
		cJSON_AddItemToArray(act, cJSON_CreateString(h.vs->uplinks[i]));
	for (unsigned int i = 0; i < t.n_active; i++)
		cJSON_AddItemToArray(act, cJSON_CreateString(t.active[i]));
	for (unsigned int i = 0; i < t.n_standby; i++)
		cJSON_AddItemToArray(stb, cJSON_CreateString(t.standby[i]));
	for (unsigned int i = 0; t.n_active != 0 && i < h.vs->n_uplinks; i++)
		if (!in_team(&t, h.vs->uplinks[i]))
			cJSON_AddItemToArray(unused, cJSON_CreateString(h.vs->uplinks[i]));
	if (h.pg != NULL) {
		static const char *const ov[] = {
			"override_load_balancing", "override_failure_detection",
			"override_notify_switches", "override_failback", "override_uplinks",
		};

		for (unsigned int i = 0; i < 5; i++)
			cJSON_AddBoolToObject(o, ov[i], h.pg->has_teaming);
	}
	*result = o;
	return 0;
}

/* "vmnic0,vmnic1" into list; each must be an uplink of vs, listed once. */
static int parse_uplinks(const struct vmk_config_vswitch *vs, const char *text, const char *opt,
			 char list[][32], unsigned int *n, char *err, size_t err_size)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(text) >= sizeof(buf)) {
		op_errf(err, err_size, "%s: list too long", opt);
		return -EINVAL;
	}
	strcpy(buf, text);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		while (*tok == ' ')
			tok++;
		for (unsigned int k = 0; k < vs->n_uplinks && !found; k++)
			found = strcmp(vs->uplinks[k], tok) == 0;
		if (!found) {
			op_errf(err, err_size, "%s: %s is not an uplink of %s (its uplinks: see "
				"'vmkcli network vswitch standard list')", opt, tok, vs->name);
			return -ENOENT;
		}
		for (unsigned int i = 0; i < *n; i++) {
			if (strcmp(list[i], tok) == 0) {
				op_errf(err, err_size, "%s: %s is listed twice", opt, tok);
				return -EINVAL;
			}
		}
		if (*n >= VMK_TEAM_MAX_UPLINKS) {
			op_errf(err, err_size, "%s: at most %d uplinks", opt, VMK_TEAM_MAX_UPLINKS);
			return -EINVAL;
		}
		snprintf(list[(*n)++], 32, "%s", tok);
	}
	return 0;
}

/* Drop from list the names that are in other. */
static void drop_names(char list[][32], unsigned int *n, char other[][32], unsigned int n_other)
{
	unsigned int w = 0;

	for (unsigned int i = 0; i < *n; i++) {
		bool dup = false;

		for (unsigned int j = 0; j < n_other && !dup; j++)
			dup = strcmp(list[i], other[j]) == 0;
		if (!dup && w != i)
			memcpy(list[w], list[i], sizeof(list[0]));
		w += !dup;
	}
	*n = w;
}

static int failover_lists(const cJSON *args, const struct vmk_config_vswitch *vs,
			  struct vmk_teaming_policy *t, char *err, size_t err_size)
{
	const char *a = NULL, *s = NULL;
	bool has_a = arg_str(args, "active_uplinks", false, &a, err, err_size) == 0;
	bool has_s = arg_str(args, "standby_uplinks", false, &s, err, err_size) == 0;
	int ret = 0;

	if (has_a)
		ret = parse_uplinks(vs, a, "-a|--active-uplinks", t->active, &t->n_active, err,
				    err_size);
	if (ret == 0 && has_s)
		ret = parse_uplinks(vs, s, "-s|--standby-uplinks", t->standby, &t->n_standby,
				    err, err_size);
	if (ret < 0)
		return ret;
	/* An uplink named in one list leaves the other (unless both were given). */
	if (has_a && has_s) {
		for (unsigned int i = 0; i < t->n_active; i++) {
			for (unsigned int j = 0; j < t->n_standby; j++) {
				if (strcmp(t->active[i], t->standby[j]) != 0)
					continue;
				op_errf(err, err_size, "%s is both active and standby",
					t->active[i]);
				return -EINVAL;
			}
		}
	} else if (has_a) {
		drop_names(t->standby, &t->n_standby, t->active, t->n_active);
	} else if (has_s) {
		drop_names(t->active, &t->n_active, t->standby, t->n_standby);
	}
	if (t->n_active == 0 && t->n_standby != 0) {
		op_errf(err, err_size, "standby uplinks need at least one active uplink: give "
			"-a|--active-uplinks too");
		return -EINVAL;
	}
	return 0;
}

static int failover_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
			char *err, size_t err_size)
{
	struct vmk_teaming_policy t;
	struct holder h;
	const char *s;
	bool use;
	int ret = holder_find(next, args, &h, err, err_size);

	(void)d;
	if (ret == 0)
		ret = use_vswitch(args, &h, fo_opts, &use, err, err_size);
	if (ret < 0)
		return ret;
	if (use) {
		h.pg->has_teaming = false;
		return 0;
	}
	ret = nothing_to_set(args, fo_opts, err, err_size);
	if (ret < 0)
		return ret;
	t = h.vs->teaming;
	if (h.pg != NULL)
		vmk_config_portgroup_effective(h.vs, h.pg, NULL, NULL, &t);
	if (arg_str(args, "load_balancing", false, &s, err, err_size) == 0) {
		unsigned int i;

		for (i = 0; i < 4 && strcmp(s, lb_set_names[i]) != 0; i++)
			;
		if (i == 4) {
			op_errf(err, err_size, "invalid load balancing \"%s\": use portid, mac, "
				"iphash or explicit", s);
			return -EINVAL;
		}
		t.load_balancing = (enum vmk_load_balancing)i;
	}
	if (arg_str(args, "failure_detection", false, &s, err, err_size) == 0) {
		if (strcmp(s, "link") == 0) {
			t.failure_detection = VMK_FD_LINK;
		} else if (strcmp(s, "beacon") == 0) {
			t.failure_detection = VMK_FD_BEACON;
		} else {
			op_errf(err, err_size, "invalid failure detection \"%s\": use link (link "
				"status only) or beacon (beacon probing)", s);
			return -EINVAL;
		}
	}
	ret = arg_bool(args, "notify_switches", "-n|--notify-switches", &t.notify_switches, err,
		       err_size);
	if (ret == -EINVAL)
		return ret;
	ret = arg_bool(args, "failback", "-b|--failback", &t.failback, err, err_size);
	if (ret == -EINVAL)
		return ret;
	ret = failover_lists(args, h.vs, &t, err, err_size);
	if (ret < 0)
		return ret;
	if (h.pg != NULL) {
		h.pg->teaming = t;
		h.pg->has_teaming = true;
	} else {
		h.vs->teaming = t;
	}
	return 0;
}

/* ---- shaping ----------------------------------------------------------- */

static const char *const sh_opts[] = {
	"enabled", "-e|--enabled", "avg_bandwidth", "-k|--avg-bandwidth",
	"peak_bandwidth", "-t|--peak-bandwidth", "burst_size", "-b|--burst-size", NULL,
};

static int shaping_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		       size_t err_size)
{
	struct vmk_shaping_policy p;
	struct holder h;
	cJSON *o;
	int ret = holder_find(d->cfg, args, &h, err, err_size);

	if (ret < 0)
		return ret;
	p = h.vs->shaping;
	if (h.pg != NULL)
		vmk_config_portgroup_effective(h.vs, h.pg, NULL, &p, NULL);
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	cJSON_AddBoolToObject(o, "enabled", p.enabled);
	cJSON_AddNumberToObject(o, "average_bandwidth", (double)p.avg_kbps);
	cJSON_AddNumberToObject(o, "peak_bandwidth", (double)p.peak_kbps);
	cJSON_AddNumberToObject(o, "burst_size", (double)p.burst_kb);
	if (h.pg != NULL)
		cJSON_AddBoolToObject(o, "override_shaping", h.pg->has_shaping);
	*result = o;
	return 0;
}

static int shaping_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
		       char *err, size_t err_size)
{
	struct vmk_shaping_policy p;
	uint32_t v;
	struct holder h;
	bool use;
	int ret = holder_find(next, args, &h, err, err_size);

	(void)d;
	if (ret == 0)
		ret = use_vswitch(args, &h, sh_opts, &use, err, err_size);
	if (ret < 0)
		return ret;
	if (use) {
		h.pg->has_shaping = false;
		return 0;
	}
	ret = nothing_to_set(args, sh_opts, err, err_size);
	if (ret < 0)
		return ret;
	p = h.vs->shaping;
	if (h.pg != NULL)
		vmk_config_portgroup_effective(h.vs, h.pg, NULL, &p, NULL);
	ret = arg_bool(args, "enabled", "-e|--enabled", &p.enabled, err, err_size);
	if (ret == -EINVAL)
		return ret;
	ret = arg_uint(args, "avg_bandwidth", false, 1, (uint32_t)VMK_CONFIG_SHAPING_MAX_KBPS,
		       &v, "average bandwidth (Kbps)", err, err_size);
	if (ret == 0)
		p.avg_kbps = v;
	else if (ret != -ENOENT)
		return ret;
	ret = arg_uint(args, "peak_bandwidth", false, 1, (uint32_t)VMK_CONFIG_SHAPING_MAX_KBPS,
		       &v, "peak bandwidth (Kbps)", err, err_size);
	if (ret == 0)
		p.peak_kbps = v;
	else if (ret != -ENOENT)
		return ret;
	ret = arg_uint(args, "burst_size", false, VMK_CONFIG_SHAPING_MIN_KB,
		       (uint32_t)VMK_CONFIG_SHAPING_MAX_KB, &v, "burst size (KB)", err, err_size);
	if (ret == 0)
		p.burst_kb = v;
	else if (ret != -ENOENT)
		return ret;
	if (p.enabled && p.peak_kbps < p.avg_kbps) {
		op_errf(err, err_size, "peak bandwidth %llu Kbps is below the average bandwidth "
			"%llu Kbps: give -t|--peak-bandwidth at least -k|--avg-bandwidth",
			(unsigned long long)p.peak_kbps, (unsigned long long)p.avg_kbps);
		return -EINVAL;
	}
	if (h.pg != NULL) {
		h.pg->shaping = p;
		h.pg->has_shaping = true;
	} else {
		h.vs->shaping = p;
	}
	return 0;
}

const struct op policy_ops[] = {
	{ "policy.security.get", security_get, NULL },
	{ "policy.security.set", NULL, security_set },
	{ "policy.failover.get", failover_get, NULL },
	{ "policy.failover.set", NULL, failover_set },
	{ "policy.shaping.get", shaping_get, NULL },
	{ "policy.shaping.set", NULL, shaping_set },
	{ NULL, NULL, NULL },
};
