/*
 * The "firewall" section of the configuration document (include/vmknet/
 * config.h describes it): read strictly, with the field path in every
 * refusal ("firewall.rulesets[3] (myService).rules[0].port: ..."), and
 * written with every field. The firewall's own rules (ranges, uniqueness,
 * built-ins' rules) are checked afterwards by vmk_fw_config_validate, from
 * vmk_config_validate; what the reader checks is the document's shape.
 *
 * Thread: any; no shared state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vmknet/firewall.h>

#include "common/error.h"
#include "lib/config_json_priv.h"

#define FW_AT "firewall"

/* "N" or "N-M" (decimal, 0..65535 each) into *begin and *end. */
static int port_range_parse(const char *s, uint16_t *begin, uint16_t *end)
{
	unsigned long v[2];
	unsigned int n = 0;
	const char *p = s;

	while (n < 2) {
		char *stop;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		v[n++] = strtoul(p, &stop, 10);
		if (stop - p > 5 || v[n - 1] > 65535)
			return -EINVAL;
		p = stop;
		if (*p != '-')
			break;
		p++;
	}
	if (*p != '\0')
		return -EINVAL;
	*begin = (uint16_t)v[0];
	*end = (uint16_t)v[n - 1];
	return 0;
}

static int read_port(const cJSON *r, const char *at, struct vmk_fw_rule *rule)
{
	int ret = 0;
	const cJSON *v = cfg_json_member(r, at, "port", true, &ret);
	uint32_t n;

	if (v == NULL)
		return ret;
	if (cJSON_IsNumber(v)) {
		ret = cfg_json_uint(r, at, "port", true, 0, 65535, &n);
		rule->port_begin = rule->port_end = (uint16_t)n;
		return ret;
	}
	if (!cJSON_IsString(v) || port_range_parse(v->valuestring, &rule->port_begin,
						   &rule->port_end) < 0)
		return vmk_err(-EINVAL, "%s.port: expected a port \"8000\" or a range "
			       "\"8000-8010\" (0..65535), got %.40s", at,
			       cJSON_IsString(v) ? v->valuestring : cfg_json_type(v));
	return 0;
}

/* One of a rule's words: "direction", "protocol", "port_type". */
static int read_word(const cJSON *r, const char *at, const char *key, bool required,
		     int (*parse)(const char *, int *), const char *expect, int *out)
{
	int ret = 0;
	const cJSON *v = cfg_json_member(r, at, key, required, &ret);

	if (v == NULL)
		return ret;
	if (!cJSON_IsString(v) || parse(v->valuestring, out) < 0)
		return vmk_err(-EINVAL, "%s.%s: expected %s, got %.40s", at, key, expect,
			       cJSON_IsString(v) ? v->valuestring : cfg_json_type(v));
	return 0;
}

/* The enum parsers, with int results for read_word. */
static int dir_parse(const char *s, int *out)
{
	enum vmk_fw_direction d;
	int ret = vmk_fw_direction_parse(s, &d);

	*out = (int)d;
	return ret;
}

static int proto_parse(const char *s, int *out)
{
	enum vmk_fw_protocol p;
	int ret = vmk_fw_protocol_parse(s, &p);

	*out = (int)p;
	return ret;
}

static int ptype_parse(const char *s, int *out)
{
	enum vmk_fw_port_type t;
	int ret = vmk_fw_port_type_parse(s, &t);

	*out = (int)t;
	return ret;
}

static int read_rule(const cJSON *r, const char *at, struct vmk_fw_rule *rule)
{
	static const char *const known[] = { "direction", "protocol", "port_type", "port",
					     NULL };
	int d = 0, p = 0, t = VMK_FW_PORT_DST;
	int ret = cfg_json_object(r, at);

	if (ret == 0)
		ret = cfg_json_fields(r, at, known);
	if (ret == 0)
		ret = read_word(r, at, "direction", true, dir_parse,
				"\"Inbound\" or \"Outbound\"", &d);
	if (ret == 0)
		ret = read_word(r, at, "protocol", true, proto_parse,
				"\"TCP\", \"UDP\" or \"ICMP\"", &p);
	if (ret == 0)
		ret = read_word(r, at, "port_type", false, ptype_parse, "\"Dst\" or \"Src\"",
				&t);
	if (ret == 0)
		ret = read_port(r, at, rule);
	rule->direction = (enum vmk_fw_direction)d;
	rule->protocol = (enum vmk_fw_protocol)p;
	rule->port_type = (enum vmk_fw_port_type)t;
	return ret;
}

static int read_rules(const cJSON *v, const char *where, struct vmk_fw_ruleset *rs)
{
	const cJSON *arr, *e;
	char at[400];
	int ret = cfg_json_array(v, where, "rules", VMK_FW_RULES_MAX, &arr);
	unsigned int k = 0;

	if (ret < 0 || arr == NULL)
		return ret;
	cJSON_ArrayForEach(e, arr) {
		snprintf(at, sizeof(at), "%s.rules[%u]", where, k);
		ret = read_rule(e, at, &rs->rules[k]);
		if (ret < 0)
			return ret;
		k++;
	}
	rs->n_rules = k;
	return 0;
}

static int read_allowed(const cJSON *v, const char *where, struct vmk_fw_ruleset *rs)
{
	const cJSON *arr, *e;
	int ret = cfg_json_array(v, where, "allowed_ip", VMK_FW_ALLOWED_MAX, &arr);
	unsigned int k = 0;

	if (ret < 0 || arr == NULL)
		return ret;
	cJSON_ArrayForEach(e, arr) {
		struct vmk_fw_allowed *a = &rs->allowed[k];
		struct in_addr addr;

		if (cJSON_IsString(e) && strchr(e->valuestring, '/') == NULL &&
		    inet_pton(AF_INET, e->valuestring, &addr) == 1) {
			a->network = addr.s_addr;
			a->prefix_len = 32;
		} else if (!cJSON_IsString(e) ||
			   cfg_parse_cidr(e->valuestring, &a->network, &a->prefix_len) < 0) {
			return vmk_err(-EINVAL, "%s.allowed_ip[%u]: expected an address "
				       "\"a.b.c.d\" or a network \"a.b.c.d/len\", got %.40s",
				       where, k, cJSON_IsString(e) ? e->valuestring :
				       cfg_json_type(e));
		}
		k++;
	}
	rs->n_allowed = k;
	return 0;
}

/* The ruleset named name: its built-in slot (the default holds every
 * built-in), or a new custom one, enabled and allowed-all until the
 * document says otherwise. The caller checked there is room. */
static struct vmk_fw_ruleset *ruleset_slot(struct vmk_fw_config *fw, const char *name)
{
	struct vmk_fw_ruleset *rs = vmk_fw_config_find(fw, name);

	if (rs != NULL)
		return rs;
	rs = &fw->rulesets[fw->n_rulesets++];
	memset(rs, 0, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "%s", name);
	rs->enabled = true;
	rs->allowed_all = true;
	return rs;
}

static int read_ruleset(const cJSON *v, unsigned int idx, struct vmk_fw_config *fw,
			bool *seen)
{
	static const char *const known[] = { "name", "enabled", "allowed_all", "allowed_ip",
					     "rules", NULL };
	char where[96], name[VMK_NAME_MAX];
	struct vmk_fw_ruleset *rs;
	bool custom;
	int ret;

	snprintf(where, sizeof(where), FW_AT ".rulesets[%u]", idx);
	ret = cfg_json_entry(v, where, known, name);
	if (ret < 0)
		return ret;
	snprintf(where, sizeof(where), FW_AT ".rulesets[%u] (%s)", idx, name);
	rs = vmk_fw_config_find(fw, name);
	custom = !vmk_fw_ruleset_is_builtin(name);
	if (rs != NULL && seen[rs - fw->rulesets])
		return vmk_err(-EINVAL, "%s.name: ruleset \"%s\" appears twice", where, name);
	if (rs == NULL && fw->n_rulesets >= VMK_FW_RULESETS_MAX)
		return vmk_err(-EINVAL, "%s: more than %u rulesets with the built-in ones",
			       where, VMK_FW_RULESETS_MAX);
	rs = ruleset_slot(fw, name);
	seen[rs - fw->rulesets] = true;
	if (custom && cJSON_GetObjectItemCaseSensitive(v, "rules") == NULL)
		return vmk_err(-EINVAL, "%s: missing field \"rules\" (a custom ruleset needs "
			       "rules; the built-in ones are %s, ...)", where, "sshServer");
	ret = cfg_json_bool(v, where, "enabled", &rs->enabled, NULL);
	if (ret == 0)
		ret = cfg_json_bool(v, where, "allowed_all", &rs->allowed_all, NULL);
	if (ret == 0)
		ret = read_allowed(v, where, rs);
	if (ret == 0)
		ret = read_rules(v, where, rs);
	return ret;
}

static int read_rulesets(const cJSON *f, struct vmk_fw_config *fw)
{
	bool seen[VMK_FW_RULESETS_MAX] = { false };
	const cJSON *arr, *e;
	unsigned int i = 0;
	int ret = cfg_json_array(f, FW_AT, "rulesets", VMK_FW_RULESETS_MAX, &arr);

	if (ret < 0 || arr == NULL)
		return ret;
	cJSON_ArrayForEach(e, arr) {
		ret = read_ruleset(e, i++, fw, seen);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int cfg_fw_from_json(const cJSON *root, struct vmk_fw_config *fw)
{
	static const char *const known[] = { "enabled", "default_action", "conn_max",
					     "rulesets", NULL };
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "firewall"), *act;
	int ret;

	if (f == NULL)
		return 0;
	ret = cfg_json_object(f, FW_AT);
	if (ret == 0)
		ret = cfg_json_fields(f, FW_AT, known);
	if (ret == 0)
		ret = cfg_json_bool(f, FW_AT, "enabled", &fw->enabled, NULL);
	if (ret == 0)
		ret = cfg_json_uint(f, FW_AT, "conn_max", false, 16, VMK_FW_CONN_MAX,
				    &fw->conn_max);
	if (ret < 0)
		return ret;
	act = cJSON_GetObjectItemCaseSensitive(f, "default_action");
	if (act != NULL) {
		if (!cJSON_IsString(act) || (strcasecmp(act->valuestring, "DROP") != 0 &&
					     strcasecmp(act->valuestring, "PASS") != 0))
			return vmk_err(-EINVAL, FW_AT ".default_action: expected \"DROP\" or "
				       "\"PASS\", got %.40s", cJSON_IsString(act) ?
				       act->valuestring : cfg_json_type(act));
		fw->default_pass = strcasecmp(act->valuestring, "PASS") == 0;
	}
	return read_rulesets(f, fw);
}

/* ---- writer ---- */

static bool emit_rules(cJSON *o, const struct vmk_fw_ruleset *rs)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "rules");

	for (unsigned int k = 0; arr != NULL && k < rs->n_rules && k < VMK_FW_RULES_MAX; k++) {
		const struct vmk_fw_rule *r = &rs->rules[k];
		cJSON *e = cJSON_CreateObject();
		char port[16];

		if (e == NULL || !cJSON_AddItemToArray(arr, e)) {
			cJSON_Delete(e);
			return false;
		}
		if (r->port_begin == r->port_end)
			snprintf(port, sizeof(port), "%u", r->port_begin);
		else
			snprintf(port, sizeof(port), "%u-%u", r->port_begin, r->port_end);
		cJSON_AddStringToObject(e, "direction", vmk_fw_direction_name(r->direction));
		cJSON_AddStringToObject(e, "protocol", vmk_fw_protocol_name(r->protocol));
		cJSON_AddStringToObject(e, "port_type", vmk_fw_port_type_name(r->port_type));
		if (cJSON_AddStringToObject(e, "port", port) == NULL)
			return false;
	}
	return arr != NULL;
}

static cJSON *emit_ruleset(const struct vmk_fw_ruleset *rs)
{
	cJSON *o = cJSON_CreateObject(), *ips;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "name", rs->name);
	cJSON_AddBoolToObject(o, "enabled", rs->enabled);
	cJSON_AddBoolToObject(o, "allowed_all", rs->allowed_all);
	ips = cJSON_AddArrayToObject(o, "allowed_ip");
	for (unsigned int k = 0; ips != NULL && k < rs->n_allowed && k < VMK_FW_ALLOWED_MAX;
	     k++) {
		char a[INET_ADDRSTRLEN], s[24];

		inet_ntop(AF_INET, &rs->allowed[k].network, a, sizeof(a));
		if (rs->allowed[k].prefix_len == 32)
			snprintf(s, sizeof(s), "%s", a);
		else
			snprintf(s, sizeof(s), "%s/%u", a, rs->allowed[k].prefix_len);
		if (!cJSON_AddItemToArray(ips, cJSON_CreateString(s)))
			ips = NULL;
	}
	/* A built-in's rules are the library's: the document leaves them out. */
	if (ips == NULL || (!vmk_fw_ruleset_is_builtin(rs->name) && !emit_rules(o, rs))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

bool cfg_fw_to_json(cJSON *root, const struct vmk_fw_config *fw)
{
	cJSON *f = cJSON_AddObjectToObject(root, "firewall"), *arr;

	if (f == NULL)
		return false;
	cJSON_AddBoolToObject(f, "enabled", fw->enabled);
	cJSON_AddStringToObject(f, "default_action", fw->default_pass ? "PASS" : "DROP");
	cJSON_AddNumberToObject(f, "conn_max", fw->conn_max);
	arr = cJSON_AddArrayToObject(f, "rulesets");
	for (unsigned int i = 0; arr != NULL && i < fw->n_rulesets && i < VMK_FW_RULESETS_MAX;
	     i++) {
		cJSON *o = emit_ruleset(&fw->rulesets[i]);

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return false;
		}
	}
	return arr != NULL;
}
