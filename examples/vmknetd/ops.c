/*
 * vmknetd's request dispatcher: parse the request, find the operation, run
 * it, and for a change run the one commit path: validate the edited
 * configuration, apply the difference to the host, save the file, and only
 * then make it the running configuration. A refused or failed change leaves
 * the host, the file and the running configuration as they were.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "vmknetd/ops.h"

const char *op_why(int ret)
{
	const char *why = vmk_last_error();

	return why[0] != '\0' ? why : strerror(-ret);
}

void op_errf(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

int arg_str(const cJSON *args, const char *key, bool required, const char **out,
	    char *err, size_t err_size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);

	if (v == NULL) {
		if (!required)
			return -ENOENT;
		op_errf(err, err_size, "missing argument \"%s\"", key);
		return -EINVAL;
	}
	if (!cJSON_IsString(v)) {
		op_errf(err, err_size, "argument \"%s\" must be a string", key);
		return -EINVAL;
	}
	*out = v->valuestring;
	return 0;
}

int arg_uint(const cJSON *args, const char *key, bool required, uint32_t lo, uint32_t hi,
	     uint32_t *out, const char *what, char *err, size_t err_size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);

	if (v == NULL) {
		if (!required)
			return -ENOENT;
		op_errf(err, err_size, "missing argument \"%s\"", key);
		return -EINVAL;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble) {
		op_errf(err, err_size, "argument \"%s\" must be an integer", key);
		return -EINVAL;
	}
	if (v->valuedouble < lo || v->valuedouble > hi) {
		op_errf(err, err_size, fabs(v->valuedouble) < 1e15 ?
			"%s %.0f is out of range: use %u..%u" : "%s %g is out of range: use %u..%u",
			what, v->valuedouble, lo, hi);
		return -EINVAL;
	}
	*out = (uint32_t)v->valuedouble;
	return 0;
}

int arg_bool(const cJSON *args, const char *key, const char *opt, bool *out,
	     char *err, size_t err_size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);

	if (v == NULL)
		return -ENOENT;
	if (!cJSON_IsBool(v)) {
		op_errf(err, err_size, "%s must be true or false", opt);
		return -EINVAL;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

int arg_name(const cJSON *args, const char *key, const char *what, const char **out,
	     char *err, size_t err_size)
{
	int ret = arg_str(args, key, true, out, err, err_size);
	size_t len;

	if (ret < 0)
		return ret;
	len = strlen(*out);
	if (len == 0 || len >= VMK_NAME_MAX) {
		op_errf(err, err_size, "%s name \"%s\" must be 1..%d bytes long", what, *out,
			VMK_NAME_MAX - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)(*out)[i] < 0x20 || (*out)[i] == 0x7f) {
			op_errf(err, err_size, "%s name must not contain control characters",
				what);
			return -EINVAL;
		}
	}
	if ((*out)[0] == ' ' || (*out)[len - 1] == ' ') {
		op_errf(err, err_size, "%s name \"%s\" must not begin or end with a space", what,
			*out);
		return -EINVAL;
	}
	return 0;
}

int arg_portgroup(struct vmk_config *cfg, const cJSON *args, const char **pg,
		  struct vmk_config_vswitch **vs, char *err, size_t err_size)
{
	const char *vsname;
	int ret = arg_name(args, "portgroup_name", "port group", pg, err, err_size);

	if (ret < 0)
		return ret;
	if (vmk_config_find_portgroup(cfg, *pg, vs) == NULL) {
		op_errf(err, err_size, "no port group named \"%s\" (see 'vmkcli network vswitch "
			"standard portgroup list')", *pg);
		return -ENOENT;
	}
	if (arg_str(args, "vswitch_name", false, &vsname, err, err_size) == 0 &&
	    strcmp(vsname, (*vs)->name) != 0) {
		op_errf(err, err_size, "port group \"%s\" is on %s, not on %s", *pg, (*vs)->name,
			vsname);
		return -EINVAL;
	}
	return 0;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (unsigned int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

void mac_str(const uint8_t *m, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

const struct vmk_config_nic *nic_find(const struct daemon *d, const char *name)
{
	for (unsigned int i = 0; i < d->n_nics; i++)
		if (strcmp(d->nics[i].name, name) == 0)
			return &d->nics[i];
	return NULL;
}

/* Guest ports without a MAC (in a file written by hand) get a generated
 * one, and their ports are added again with it. */
static unsigned int fill_guest_macs(struct daemon *d, struct vmk_config *cfg)
{
	char err[VMK_CONFIG_ERR_SIZE];
	struct vmk_config *filled;
	unsigned int n;

	if (vmk_config_create(&filled) < 0)
		return 0;
	vmk_config_copy(filled, cfg);
	n = vmk_config_guest_fill_macs(filled);
	if (n > 0 && vmk_config_apply(d->host, cfg, filled, d->nics, d->n_nics, err,
				      sizeof(err)) == 0) {
		vmk_config_copy(cfg, filled);
	} else if (n > 0) {
		fprintf(stderr, "vmknetd: guest ports keep running without a MAC: %s\n", err);
		n = 0;
	}
	vmk_config_destroy(filled);
	return n;
}

unsigned int vmknetd_fill_generated(struct daemon *d, struct vmk_config *cfg)
{
	static const uint8_t zero[6];
	unsigned int n = fill_guest_macs(d, cfg);

	for (unsigned int i = 0; i < cfg->n_vmknics; i++) {
		struct vmk_config_vmknic *c = &cfg->vmknics[i];
		struct vmk_vmknic_info info;

		if (memcmp(c->mac, zero, 6) != 0 || vmk_vmknic_get(d->host, c->name, &info) < 0)
			continue;
		memcpy(c->mac, info.mac, 6);
		n++;
	}
	return n;
}

/* Validate, apply, save; then `next` becomes the running configuration. */
static int commit(struct daemon *d, struct vmk_config *next, char *err, size_t err_size)
{
	char undo_err[VMK_CONFIG_ERR_SIZE];
	int ret;

	vmk_config_guest_fill_macs(next);   /* a VM takes its MAC from the port */
	ret = vmk_config_validate(next, err, err_size);

	if (ret == 0) {
		vmknetd_capture_before_commit(d, next);   /* a capture must not outlive its vSwitch */
		ret = vmk_config_apply(d->host, d->cfg, next, d->nics, d->n_nics, err, err_size);
	}
	if (ret < 0)
		return ret;
	vmknetd_fill_generated(d, next);
	ret = vmk_config_save_file(d->config_path, next, err, err_size);
	if (ret < 0) {
		/* Not saved: not accepted. Put the host back as the file says. */
		if (vmk_config_apply(d->host, next, d->cfg, d->nics, d->n_nics, undo_err,
				     sizeof(undo_err)) < 0)
			fprintf(stderr, "vmknetd: cannot undo an unsaved change: %s\n", undo_err);
		return ret;
	}
	vmk_config_copy(d->cfg, next);
	return 0;
}

static int config_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		      size_t err_size)
{
	char *text;
	int ret = vmk_config_to_json(d->cfg, &text);

	(void)args;
	if (ret < 0) {
		op_errf(err, err_size, "cannot write the configuration: %s", op_why(ret));
		return ret;
	}
	*result = cJSON_Parse(text);
	free(text);
	return *result != NULL ? 0 : -ENOMEM;
}

/* Replace the whole configuration with the document in args.config. */
static int config_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
		      char *err, size_t err_size)
{
	const cJSON *doc = cJSON_GetObjectItemCaseSensitive(args, "config");
	char *text;
	int ret;

	(void)d;
	if (doc == NULL) {
		op_errf(err, err_size, "missing argument \"config\" (a configuration document)");
		return -EINVAL;
	}
	text = cJSON_PrintUnformatted(doc);
	if (text == NULL)
		return -ENOMEM;
	ret = vmk_config_from_json(text, strlen(text), next, err, err_size);
	free(text);
	return ret;
}

static const struct op config_ops[] = {
	{ "config.get", config_get, NULL },
	{ "config.set", NULL, config_set },
	{ NULL, NULL, NULL },
};

static const struct op *op_find(const char *name)
{
	const struct op *tables[] = { config_ops, vswitch_ops, nic_ops, policy_ops, port_ops,
				      ip_ops, ip_live_ops, capture_ops, guest_ops, session_ops,
				      firewall_ops, diag_ops, diag_check_ops, nioc_ops,
				      dhcp_ops, vmotion_ops };

	for (unsigned int t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct op *o = tables[t]; o->name != NULL; o++)
			if (strcmp(o->name, name) == 0)
				return o;
	return NULL;
}

static char *reply_error(int errnum, const char *msg)
{
	cJSON *r = cJSON_CreateObject();
	char *text;

	if (r == NULL)
		return NULL;
	cJSON_AddFalseToObject(r, "ok");
	cJSON_AddNumberToObject(r, "errno", errnum);
	cJSON_AddStringToObject(r, "error", msg);
	text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return text;
}

static char *reply_ok(cJSON *result)
{
	cJSON *r = cJSON_CreateObject();
	char *text;

	if (r == NULL) {
		cJSON_Delete(result);
		return NULL;
	}
	cJSON_AddTrueToObject(r, "ok");
	if (result != NULL)
		cJSON_AddItemToObject(r, "result", result);
	text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return text;
}

static int run_op(struct daemon *d, const struct op *op, const cJSON *args, cJSON **result,
		  char *err, size_t err_size)
{
	struct vmk_config *next;
	int ret;

	if (op->read != NULL)
		return op->read(d, args, result, err, err_size);
	ret = vmk_config_create(&next);
	if (ret < 0)
		return ret;
	vmk_config_copy(next, d->cfg);
	ret = op->edit(d, args, next, err, err_size);
	if (ret == 0)
		ret = commit(d, next, err, err_size);
	nic_admin_reapply(d);
	vmk_config_destroy(next);
	return ret;
}

char *vmknetd_handle(const char *request, size_t len, void *arg)
{
	struct daemon *d = arg;
	char err[OP_ERR_SIZE] = "";
	cJSON *req = cJSON_ParseWithLength(request, len), *result = NULL;
	const cJSON *opv, *args;
	const struct op *op;
	char *reply;
	int ret;

	if (req == NULL || !cJSON_IsObject(req)) {
		cJSON_Delete(req);
		return reply_error(EINVAL, "malformed request: expected a JSON object "
				   "{\"op\": NAME, \"args\": {...}}");
	}
	opv = cJSON_GetObjectItemCaseSensitive(req, "op");
	args = cJSON_GetObjectItemCaseSensitive(req, "args");
	if (!cJSON_IsString(opv) || (args != NULL && !cJSON_IsObject(args))) {
		cJSON_Delete(req);
		return reply_error(EINVAL, "malformed request: \"op\" must be a string and "
				   "\"args\" an object");
	}
	op = op_find(opv->valuestring);
	if (op == NULL) {
		snprintf(err, sizeof(err), "unknown operation \"%.64s\"", opv->valuestring);
		cJSON_Delete(req);
		return reply_error(EOPNOTSUPP, err);
	}
	pthread_mutex_lock(&d->lock);   /* against the telemetry thread */
	ret = run_op(d, op, args, &result, err, sizeof(err));
	pthread_mutex_unlock(&d->lock);
	cJSON_Delete(req);
	if (ret < 0) {
		cJSON_Delete(result);
		return reply_error(-ret, err[0] ? err : op_why(ret));
	}
	reply = reply_ok(result);
	return reply;
}
