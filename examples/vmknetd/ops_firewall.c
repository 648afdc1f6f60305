/*
 * The host firewall: esxcli's `network firewall get|set|refresh` and
 * `network firewall ruleset list|set`, `ruleset allowedip list|add|remove`,
 * `ruleset rule list`, and vmknet's own `ruleset add|remove`,
 * `ruleset rule add|remove` (custom rulesets; on ESXi a VIB's XML file
 * brings them) and `stats get` (the counters of firewall.h; `ruleset list`
 * shows each ruleset's).
 * Changes are edits of the configuration's firewall (the commit path in
 * ops.c validates, applies and saves them); reads report the configuration,
 * which is what runs, and the counters the host keeps.
 *
 * Arguments: "ruleset_id" names a ruleset (case-sensitive, as esxcli);
 * booleans are JSON booleans ("default_action": true means PASS, as
 * esxcli's --default-action); "ip_address" is an address or a network
 * a.b.c.d/len; "port" is "N" or "N-M".
 *
 * Thread: the main lcore, one request at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmknetd/ops.h"

#define HINT_RS_LIST " (see 'vmkcli network firewall ruleset list')"

/* The ruleset named by "ruleset_id": required, or optional (NULL and 0
 * when absent). 0, -EINVAL or -ENOENT with the reason in err. */
static int ruleset_arg(struct vmk_fw_config *fw, const cJSON *args, bool required,
		       struct vmk_fw_ruleset **out, char *err, size_t err_size)
{
	const char *name;
	int ret = arg_str(args, "ruleset_id", required, &name, err, err_size);

	*out = NULL;
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	*out = vmk_fw_config_find(fw, name);
	if (*out == NULL) {
		op_errf(err, err_size, "no ruleset named \"%s\"" HINT_RS_LIST, name);
		return -ENOENT;
	}
	return 0;
}

/* Add the record of each ruleset (or only `only`) made by fn to a new
 * array in *result. */
static int ruleset_rows(struct vmk_fw_config *fw, const struct vmk_fw_ruleset *only,
			bool (*fn)(cJSON *arr, const struct vmk_fw_ruleset *rs, void *ctx),
			void *ctx, cJSON **result)
{
	cJSON *arr = cJSON_CreateArray();

	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < fw->n_rulesets; i++) {
		if (only != NULL && only != &fw->rulesets[i])
			continue;
		if (!fn(arr, &fw->rulesets[i], ctx)) {
			cJSON_Delete(arr);
			return -ENOMEM;
		}
	}
	*result = arr;
	return 0;
}

static cJSON *row_add(cJSON *arr)
{
	cJSON *o = cJSON_CreateObject();

	if (o != NULL && !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ---- network firewall get|set|refresh ---- */

static int fw_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		  size_t err_size)
{
	const struct vmk_fw_config *fw = &d->cfg->firewall;
	cJSON *o = cJSON_CreateObject();

	(void)args;
	(void)err;
	(void)err_size;
	if (o == NULL)
		return -ENOMEM;
	cJSON_AddStringToObject(o, "default_action", fw->default_pass ? "PASS" : "DROP");
	cJSON_AddBoolToObject(o, "enabled", fw->enabled);
	/* The firewall is part of the stack: always loaded (esxcli's unload
	 * has no counterpart; --enabled false turns it off). */
	cJSON_AddBoolToObject(o, "loaded", true);
	*result = o;
	return 0;
}

/* The two boolean options of a `set` ("key", "-x|--opt", where): at least
 * one must be given; each given one is stored. */
static int set_two_bools(const cJSON *args, const char *const names[4], bool *a, bool *b,
			 char *err, size_t err_size)
{
	int ra = arg_bool(args, names[0], names[1], a, err, err_size), rb;

	if (ra == -EINVAL)
		return ra;
	rb = arg_bool(args, names[2], names[3], b, err, err_size);
	if (rb == -EINVAL)
		return rb;
	if (ra == -ENOENT && rb == -ENOENT) {
		op_errf(err, err_size, "nothing to set: give %s true|false or %s true|false",
			names[1], names[3]);
		return -EINVAL;
	}
	return 0;
}

static int fw_set(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		  size_t err_size)
{
	static const char *const names[4] = { "enabled", "-e|--enabled", "default_action",
					      "-d|--default-action (true: PASS, false: DROP)" };

	(void)d;
	return set_two_bools(args, names, &next->firewall.enabled, &next->firewall.default_pass,
			     err, err_size);
}

/* Take the saved file's firewall, as it is now on disk, and apply it. */
static int fw_refresh(struct daemon *d, const cJSON *args, struct vmk_config *next,
		      char *err, size_t err_size)
{
	char why[VMK_CONFIG_ERR_SIZE];
	struct vmk_config *saved;
	int ret = vmk_config_create(&saved);

	(void)args;
	if (ret < 0)
		return ret;
	ret = vmk_config_load_file(d->config_path, saved, why, sizeof(why));
	if (ret < 0)
		op_errf(err, err_size, "cannot read the firewall from %s: %s", d->config_path,
			why);
	else
		next->firewall = saved->firewall;
	vmk_config_destroy(saved);
	return ret;
}

/* ---- network firewall ruleset list|set ---- */

/* Name and state (esxcli's columns) and the ruleset's counters; ctx is
 * the host. A ruleset not applied yet has no counts. */
static bool ruleset_row(cJSON *arr, const struct vmk_fw_ruleset *rs, void *ctx)
{
	struct vmk_fw_ruleset_stats st = { 0, 0 };
	cJSON *o = row_add(arr);

	(void)vmk_firewall_ruleset_stats(ctx, rs->name, &st);
	return o != NULL && cJSON_AddStringToObject(o, "name", rs->name) != NULL &&
	       cJSON_AddBoolToObject(o, "enabled", rs->enabled) != NULL &&
	       cJSON_AddNumberToObject(o, "allowed", (double)st.allowed) != NULL &&
	       cJSON_AddNumberToObject(o, "dropped", (double)st.dropped) != NULL;
}

static int ruleset_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			size_t err_size)
{
	struct vmk_fw_ruleset *rs;
	int ret = ruleset_arg(&d->cfg->firewall, args, false, &rs, err, err_size);

	return ret < 0 ? ret : ruleset_rows(&d->cfg->firewall, rs, ruleset_row, d->host, result);
}

static int ruleset_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
		       char *err, size_t err_size)
{
	static const char *const names[4] = { "enabled", "-e|--enabled", "allowed_all",
					      "-a|--allowed-all" };
	struct vmk_fw_ruleset *rs;
	int ret = ruleset_arg(&next->firewall, args, true, &rs, err, err_size);

	(void)d;
	return ret < 0 ? ret : set_two_bools(args, names, &rs->enabled, &rs->allowed_all, err,
					     err_size);
}

/* ---- network firewall ruleset allowedip list|add|remove ---- */

static void allowed_str(const struct vmk_fw_allowed *a, char out[24])
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->network, ip, sizeof(ip));
	if (a->prefix_len == 32)
		snprintf(out, 24, "%s", ip);
	else
		snprintf(out, 24, "%s/%u", ip, a->prefix_len);
}

static bool allowed_row(cJSON *arr, const struct vmk_fw_ruleset *rs, void *ctx)
{
	cJSON *o = row_add(arr), *ips;

	(void)ctx;
	if (o == NULL || cJSON_AddStringToObject(o, "ruleset", rs->name) == NULL)
		return false;
	ips = cJSON_AddArrayToObject(o, "allowed_ip");
	if (ips != NULL && rs->allowed_all)
		return cJSON_AddItemToArray(ips, cJSON_CreateString("All"));
	for (unsigned int k = 0; ips != NULL && k < rs->n_allowed; k++) {
		char s[24];

		allowed_str(&rs->allowed[k], s);
		if (!cJSON_AddItemToArray(ips, cJSON_CreateString(s)))
			return false;
	}
	return ips != NULL;
}

static int allowed_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			size_t err_size)
{
	struct vmk_fw_ruleset *rs;
	int ret = ruleset_arg(&d->cfg->firewall, args, false, &rs, err, err_size);

	return ret < 0 ? ret : ruleset_rows(&d->cfg->firewall, rs, allowed_row, NULL, result);
}

/* The "ip_address" argument: an address (/32) or a network a.b.c.d/len. */
static int allowed_arg(const cJSON *args, struct vmk_fw_allowed *a, char *err,
		       size_t err_size)
{
	char buf[32], *slash, *end;
	const char *s;
	long plen = 32;
	int ret = arg_str(args, "ip_address", true, &s, err, err_size);

	if (ret < 0)
		return ret;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		plen = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || plen < 0 || plen > 32)
			plen = -1;
	}
	if (strlen(s) >= sizeof(buf) || plen < 0 || inet_pton(AF_INET, buf, &a->network) != 1) {
		op_errf(err, err_size, "-i|--ip-address %.40s is not an IPv4 address or a "
			"network a.b.c.d/len", s);
		return -EINVAL;
	}
	a->prefix_len = (uint8_t)plen;
	return 0;
}

static int allowed_find(const struct vmk_fw_ruleset *rs, const struct vmk_fw_allowed *a)
{
	for (unsigned int k = 0; k < rs->n_allowed; k++)
		if (rs->allowed[k].network == a->network &&
		    rs->allowed[k].prefix_len == a->prefix_len)
			return (int)k;
	return -1;
}

static int allowed_add(struct daemon *d, const cJSON *args, struct vmk_config *next,
		       char *err, size_t err_size)
{
	struct vmk_fw_allowed a = { 0 };
	struct vmk_fw_ruleset *rs;
	char s[24];
	int ret = ruleset_arg(&next->firewall, args, true, &rs, err, err_size);

	(void)d;
	if (ret == 0)
		ret = allowed_arg(args, &a, err, err_size);
	if (ret < 0)
		return ret;
	allowed_str(&a, s);
	/* As ESXi: the list is used once allowed-all is off. */
	if (rs->allowed_all) {
		op_errf(err, err_size, "ruleset %s allows all addresses: first run 'vmkcli network "
			"firewall ruleset set -r %s --allowed-all false'", rs->name, rs->name);
		return -EINVAL;
	}
	if (allowed_find(rs, &a) >= 0) {
		op_errf(err, err_size, "%s is already allowed by ruleset %s", s, rs->name);
		return -EEXIST;
	}
	if (rs->n_allowed >= VMK_FW_ALLOWED_MAX) {
		op_errf(err, err_size, "ruleset %s already allows %u addresses and networks, the "
			"most it can", rs->name, VMK_FW_ALLOWED_MAX);
		return -ENOSPC;
	}
	rs->allowed[rs->n_allowed++] = a;
	return 0;       /* host bits set: the commit's validation names them */
}

static int allowed_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			  char *err, size_t err_size)
{
	struct vmk_fw_allowed a = { 0 };
	struct vmk_fw_ruleset *rs;
	char s[24];
	int k, ret = ruleset_arg(&next->firewall, args, true, &rs, err, err_size);

	(void)d;
	if (ret == 0)
		ret = allowed_arg(args, &a, err, err_size);
	if (ret < 0)
		return ret;
	k = allowed_find(rs, &a);
	if (k < 0) {
		allowed_str(&a, s);
		op_errf(err, err_size, "%s is not in the allowed list of ruleset %s (see 'vmkcli "
			"network firewall ruleset allowedip list -r %s')", s, rs->name, rs->name);
		return -ENOENT;
	}
	CFG_LIST_REMOVE(rs->allowed, rs->n_allowed, &rs->allowed[k]);
	memset(&rs->allowed[rs->n_allowed], 0, sizeof(rs->allowed[0]));
	return 0;
}

/* ---- network firewall ruleset rule list|add|remove, ruleset add|remove ---- */

static bool rule_rows(cJSON *arr, const struct vmk_fw_ruleset *rs, void *ctx)
{
	(void)ctx;
	for (unsigned int k = 0; k < rs->n_rules; k++) {
		const struct vmk_fw_rule *r = &rs->rules[k];
		cJSON *o = row_add(arr);

		if (o == NULL)
			return false;
		cJSON_AddStringToObject(o, "ruleset", rs->name);
		cJSON_AddStringToObject(o, "direction", vmk_fw_direction_name(r->direction));
		cJSON_AddStringToObject(o, "protocol", vmk_fw_protocol_name(r->protocol));
		cJSON_AddStringToObject(o, "port_type", vmk_fw_port_type_name(r->port_type));
		cJSON_AddNumberToObject(o, "port_begin", r->port_begin);
		if (cJSON_AddNumberToObject(o, "port_end", r->port_end) == NULL)
			return false;
	}
	return true;
}

static int rule_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		     size_t err_size)
{
	struct vmk_fw_ruleset *rs;
	int ret = ruleset_arg(&d->cfg->firewall, args, false, &rs, err, err_size);

	return ret < 0 ? ret : ruleset_rows(&d->cfg->firewall, rs, rule_rows, NULL, result);
}

/* "N" or "N-M" (digits only, 0..65535) into the rule's port range. */
static int port_arg(const char *s, struct vmk_fw_rule *r)
{
	static const char digits[] = "0123456789";
	size_t n1 = strspn(s, digits), n2 = 0;
	unsigned long b, e;

	if (n1 == 0 || n1 > 5)
		return -EINVAL;
	if (s[n1] == '-') {
		n2 = strspn(s + n1 + 1, digits);
		if (n2 == 0 || n2 > 5 || s[n1 + 1 + n2] != '\0')
			return -EINVAL;
	} else if (s[n1] != '\0') {
		return -EINVAL;
	}
	b = strtoul(s, NULL, 10);
	e = n2 > 0 ? strtoul(s + n1 + 1, NULL, 10) : b;
	if (b > 65535 || e > 65535)
		return -EINVAL;
	r->port_begin = (uint16_t)b;
	r->port_end = (uint16_t)e;
	return 0;
}

/* The rule of "direction", "protocol", "port_type" (default Dst) and "port". */
static int rule_arg(const cJSON *args, struct vmk_fw_rule *r, char *err, size_t err_size)
{
	const char *dir, *proto, *ptype = "Dst", *port;
	int ret = arg_str(args, "direction", true, &dir, err, err_size);

	if (ret == 0)
		ret = arg_str(args, "protocol", true, &proto, err, err_size);
	if (ret == 0 && arg_str(args, "port_type", false, &ptype, err, err_size) == -EINVAL)
		ret = -EINVAL;
	if (ret == 0)
		ret = arg_str(args, "port", true, &port, err, err_size);
	if (ret < 0)
		return ret;
	if (vmk_fw_direction_parse(dir, &r->direction) < 0)
		op_errf(err, err_size, "--direction %.40s: use Inbound or Outbound", dir);
	else if (vmk_fw_protocol_parse(proto, &r->protocol) < 0)
		op_errf(err, err_size, "--protocol %.40s: use TCP, UDP or ICMP", proto);
	else if (vmk_fw_port_type_parse(ptype, &r->port_type) < 0)
		op_errf(err, err_size, "--port-type %.40s: use Dst or Src", ptype);
	else if (port_arg(port, r) < 0)
		op_errf(err, err_size, "--port %.40s: use a port N or a range N-M, 0..65535 "
			"(ICMP: the type, 0..255)", port);
	else
		return 0;
	return -EINVAL;
}

static int rule_find(const struct vmk_fw_ruleset *rs, const struct vmk_fw_rule *r)
{
	for (unsigned int k = 0; k < rs->n_rules; k++) {
		const struct vmk_fw_rule *o = &rs->rules[k];

		if (o->direction == r->direction && o->protocol == r->protocol &&
		    o->port_type == r->port_type && o->port_begin == r->port_begin &&
		    o->port_end == r->port_end)
			return (int)k;
	}
	return -1;
}

/* A custom ruleset named by "ruleset_id" (a built-in's rules are fixed). */
static int custom_arg(struct vmk_fw_config *fw, const cJSON *args, struct vmk_fw_ruleset **rs,
		      char *err, size_t err_size)
{
	int ret = ruleset_arg(fw, args, true, rs, err, err_size);

	if (ret == 0 && vmk_fw_ruleset_is_builtin((*rs)->name)) {
		op_errf(err, err_size, "%s is a built-in ruleset: its rules are fixed (enable or "
			"disable it, or change its allowed IP list)", (*rs)->name);
		return -EPERM;
	}
	return ret;
}

static int rule_add(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		    size_t err_size)
{
	struct vmk_fw_ruleset *rs;
	struct vmk_fw_rule r;
	int ret = custom_arg(&next->firewall, args, &rs, err, err_size);

	(void)d;
	if (ret == 0)
		ret = rule_arg(args, &r, err, err_size);
	if (ret < 0)
		return ret;
	if (rule_find(rs, &r) >= 0) {
		op_errf(err, err_size, "ruleset %s already has that rule", rs->name);
		return -EEXIST;
	}
	if (rs->n_rules >= VMK_FW_RULES_MAX) {
		op_errf(err, err_size, "ruleset %s already has %u rules, the most it can",
			rs->name, VMK_FW_RULES_MAX);
		return -ENOSPC;
	}
	rs->rules[rs->n_rules++] = r;
	return 0;       /* a reversed range: the commit's validation names it */
}

static int rule_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
		       char *err, size_t err_size)
{
	struct vmk_fw_ruleset *rs;
	struct vmk_fw_rule r;
	int k, ret = custom_arg(&next->firewall, args, &rs, err, err_size);

	(void)d;
	if (ret == 0)
		ret = rule_arg(args, &r, err, err_size);
	if (ret < 0)
		return ret;
	k = rule_find(rs, &r);
	if (k < 0) {
		op_errf(err, err_size, "ruleset %s has no such rule (see 'vmkcli network firewall "
			"ruleset rule list -r %s')", rs->name, rs->name);
		return -ENOENT;
	}
	if (rs->n_rules == 1) {
		op_errf(err, err_size, "that is the last rule of ruleset %s: remove the ruleset "
			"instead ('vmkcli network firewall ruleset remove -r %s')", rs->name,
			rs->name);
		return -EINVAL;
	}
	CFG_LIST_REMOVE(rs->rules, rs->n_rules, &rs->rules[k]);
	memset(&rs->rules[rs->n_rules], 0, sizeof(rs->rules[0]));
	return 0;
}

/* A new custom ruleset with its first rule; enabled and allowed-all unless
 * told otherwise. */
static int ruleset_add(struct daemon *d, const cJSON *args, struct vmk_config *next,
		       char *err, size_t err_size)
{
	struct vmk_fw_config *fw = &next->firewall;
	struct vmk_fw_ruleset *rs;
	const char *name;
	int ret = arg_name(args, "ruleset_id", "ruleset", &name, err, err_size);

	(void)d;
	if (ret < 0)
		return ret;
	if (vmk_fw_config_find(fw, name) != NULL) {
		op_errf(err, err_size, "ruleset %s already exists" HINT_RS_LIST, name);
		return -EEXIST;
	}
	if (fw->n_rulesets >= VMK_FW_RULESETS_MAX) {
		op_errf(err, err_size, "the host already has %u rulesets, the most it can",
			VMK_FW_RULESETS_MAX);
		return -ENOSPC;
	}
	rs = &fw->rulesets[fw->n_rulesets++];
	memset(rs, 0, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "%s", name);
	rs->enabled = true;
	rs->allowed_all = true;
	rs->n_rules = 1;
	ret = rule_arg(args, &rs->rules[0], err, err_size);
	if (ret == 0 && arg_bool(args, "enabled", "-e|--enabled", &rs->enabled, err,
				 err_size) == -EINVAL)
		ret = -EINVAL;
	if (ret == 0 && arg_bool(args, "allowed_all", "-a|--allowed-all", &rs->allowed_all,
				 err, err_size) == -EINVAL)
		ret = -EINVAL;
	return ret;     /* names with spaces: the commit's validation refuses them */
}

static int ruleset_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			  char *err, size_t err_size)
{
	struct vmk_fw_config *fw = &next->firewall;
	struct vmk_fw_ruleset *rs;
	int ret = custom_arg(fw, args, &rs, err, err_size);

	(void)d;
	if (ret == -EPERM)
		op_errf(err, err_size, "%s is a built-in ruleset: it cannot be removed (disable "
			"it: 'vmkcli network firewall ruleset set -r %s --enabled false')",
			rs->name, rs->name);
	if (ret < 0)
		return ret;
	CFG_LIST_REMOVE(fw->rulesets, fw->n_rulesets, rs);
	memset(&fw->rulesets[fw->n_rulesets], 0, sizeof(fw->rulesets[0]));
	return 0;
}

/* ---- counters: network firewall stats get ---- */

static int fw_stats(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		    size_t err_size)
{
	struct vmk_fw_stats st;
	cJSON *o;
	int ret = vmk_firewall_stats(d->host, &st);

	(void)args;
	if (ret < 0) {
		op_errf(err, err_size, "cannot read the firewall's counters: %s", op_why(ret));
		return ret;
	}
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	cJSON_AddNumberToObject(o, "conn_passed", (double)st.conn_passed);
	cJSON_AddNumberToObject(o, "icmp_err_passed", (double)st.icmp_err_passed);
	cJSON_AddNumberToObject(o, "in_dropped", (double)st.default_dropped[VMK_FW_INBOUND]);
	cJSON_AddNumberToObject(o, "out_dropped", (double)st.default_dropped[VMK_FW_OUTBOUND]);
	cJSON_AddNumberToObject(o, "in_passed", (double)st.default_passed[VMK_FW_INBOUND]);
	cJSON_AddNumberToObject(o, "out_passed", (double)st.default_passed[VMK_FW_OUTBOUND]);
	cJSON_AddNumberToObject(o, "conn_refused", (double)st.conn_refused);
	cJSON_AddNumberToObject(o, "conn_expired", (double)st.conn_expired);
	cJSON_AddNumberToObject(o, "log_suppressed", (double)st.log_suppressed);
	cJSON_AddNumberToObject(o, "conn_count", st.conn_count);
	cJSON_AddNumberToObject(o, "conn_capacity", st.conn_capacity);
	cJSON_AddNumberToObject(o, "generation", (double)st.generation);
	*result = o;
	return 0;
}

const struct op firewall_ops[] = {
	{ "firewall.get", fw_get, NULL },
	{ "firewall.set", NULL, fw_set },
	{ "firewall.refresh", NULL, fw_refresh },
	{ "firewall.stats", fw_stats, NULL },
	{ "firewall.ruleset.list", ruleset_list, NULL },
	{ "firewall.ruleset.set", NULL, ruleset_set },
	{ "firewall.ruleset.add", NULL, ruleset_add },
	{ "firewall.ruleset.remove", NULL, ruleset_remove },
	{ "firewall.ruleset.allowedip.list", allowed_list, NULL },
	{ "firewall.ruleset.allowedip.add", NULL, allowed_add },
	{ "firewall.ruleset.allowedip.remove", NULL, allowed_remove },
	{ "firewall.ruleset.rule.list", rule_list, NULL },
	{ "firewall.ruleset.rule.add", NULL, rule_add },
	{ "firewall.ruleset.rule.remove", NULL, rule_remove },
	{ NULL, NULL, NULL },
};
