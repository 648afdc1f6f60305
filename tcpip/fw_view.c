/*
 * The host firewall's control side: a configuration becomes a view (two
 * DPDK rte_acl contexts, built here on the control thread, never on the
 * data path) that is swapped in for the old one; the applied
 * configuration, the counters and the verdict that `diag check` asks for.
 *
 * The rule lookup: one ACL rule per (rule, allowed entry) of each enabled
 * ruleset ("allow"), priority by the ruleset's place in the configuration
 * (the first one wins), user data its index + 1; and one per rule of every
 * ruleset with any remote ("blame"), which only says whose rules a dropped
 * packet matched, for its counters. The key (struct fw_key) is in network
 * byte order, as rte_acl reads packets; rule values are in host order.
 *
 * Threading: th->lock for every call here (see firewall.h for how the
 * view is published and when the old one is freed); counters are read
 * under each netstack's spinlock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>

#include "common/error.h"
#include "common/log.h"
#include "tcpip/firewall.h"
#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"

/* What the ACL reads: 1 byte, then groups of 4 (rte_acl's layout rule). */
struct fw_key {
	uint8_t dirproto;             /* direction * 4 + protocol */
	uint8_t pad[3];
	rte_be32_t remote;
	rte_be16_t sport, dport;
};

enum { F_DIRPROTO, F_REMOTE, F_SPORT, F_DPORT, F_NUM };

RTE_ACL_RULE_DEF(fw_acl_rule, F_NUM);

static const struct rte_acl_field_def fw_defs[F_NUM] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = F_DIRPROTO,
	  .input_index = 0, .offset = offsetof(struct fw_key, dirproto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = F_REMOTE,
	  .input_index = 1, .offset = offsetof(struct fw_key, remote) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F_SPORT,
	  .input_index = 2, .offset = offsetof(struct fw_key, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F_DPORT,
	  .input_index = 2, .offset = offsetof(struct fw_key, dport) },
};

#define ADD_BATCH 256

uint32_t fw_classify(const struct rte_acl_ctx *ctx, unsigned int dirproto, rte_be32_t remote,
		     rte_be16_t sport, rte_be16_t dport)
{
	struct fw_key k = { .dirproto = (uint8_t)dirproto, .remote = remote,
			    .sport = sport, .dport = dport };
	const uint8_t *data = (const uint8_t *)&k;
	uint32_t res = 0;

	if (ctx == NULL || rte_acl_classify(ctx, &data, &res, 1, 1) != 0)
		return 0;
	return res;
}

static void rule_fill(struct fw_acl_rule *a, const struct vmk_fw_rule *r, unsigned int index,
		      unsigned int rank, uint32_t net, uint8_t plen)
{
	bool dst = r->port_type == VMK_FW_PORT_DST;

	memset(a, 0, sizeof(*a));
	a->data.category_mask = 1;
	a->data.priority = (int32_t)(RTE_ACL_MAX_PRIORITY - rank);
	a->data.userdata = index + 1;
	a->field[F_DIRPROTO].value.u8 = (uint8_t)(r->direction * 4 + r->protocol);
	a->field[F_DIRPROTO].mask_range.u8 = 0xff;
	a->field[F_REMOTE].value.u32 = rte_be_to_cpu_32(net);
	a->field[F_REMOTE].mask_range.u32 = plen;
	a->field[F_SPORT].value.u16 = dst ? 0 : r->port_begin;
	a->field[F_SPORT].mask_range.u16 = dst ? 0xffff : r->port_end;
	a->field[F_DPORT].value.u16 = dst ? r->port_begin : 0;
	a->field[F_DPORT].mask_range.u16 = dst ? r->port_end : 0xffff;
}

/* Rules of the ACL: blame: every ruleset, any remote; allow: enabled
 * ones, with their allowed lists. */
static uint32_t acl_rule_count(const struct vmk_fw_config *fw, bool blame)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < fw->n_rulesets; i++) {
		const struct vmk_fw_ruleset *rs = &fw->rulesets[i];

		if (blame || rs->allowed_all)
			n += blame || rs->enabled ? rs->n_rules : 0;
		else if (rs->enabled)
			n += rs->n_rules * rs->n_allowed;
	}
	return n;
}

static int acl_add(struct rte_acl_ctx *ctx, struct fw_acl_rule *batch, uint32_t *n)
{
	int ret = *n > 0 ? rte_acl_add_rules(ctx, (const struct rte_acl_rule *)batch, *n) : 0;

	*n = 0;
	return ret;
}

static int acl_fill(struct rte_acl_ctx *ctx, const struct vmk_fw_config *fw, bool blame)
{
	struct fw_acl_rule *batch = calloc(ADD_BATCH, sizeof(*batch));
	uint32_t n = 0;
	int ret = 0;

	if (batch == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < fw->n_rulesets && ret == 0; i++) {
		const struct vmk_fw_ruleset *rs = &fw->rulesets[i];
		bool any = blame || rs->allowed_all;
		unsigned int n_addr = any ? 1 : rs->n_allowed;
		/* Blame prefers an enabled ruleset (its list refused the
		 * packet) to a disabled one. */
		unsigned int rank = i + (rs->enabled ? 0 : VMK_FW_RULESETS_MAX);

		if (!blame && !rs->enabled)
			continue;
		for (unsigned int r = 0; r < rs->n_rules && ret == 0; r++) {
			for (unsigned int a = 0; a < n_addr && ret == 0; a++) {
				rule_fill(&batch[n++], &rs->rules[r], i, rank,
					  any ? 0 : rs->allowed[a].network,
					  any ? 0 : rs->allowed[a].prefix_len);
				if (n == ADD_BATCH)
					ret = acl_add(ctx, batch, &n);
			}
		}
	}
	if (ret == 0)
		ret = acl_add(ctx, batch, &n);
	free(batch);
	return ret;
}

/* An ACL context holding the rules (NULL in *out when there are none). */
static int acl_build(const struct vmk_fw_config *fw, bool blame, struct rte_acl_ctx **out)
{
	static uint32_t seq;
	uint32_t n = acl_rule_count(fw, blame);
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_param p = { .name = name, .socket_id = SOCKET_ID_ANY,
				   .rule_size = RTE_ACL_RULE_SZ(F_NUM), .max_rule_num = n };
	struct rte_acl_config cfg = { .num_categories = 1, .num_fields = F_NUM };
	struct rte_acl_ctx *ctx;
	int ret;

	*out = NULL;
	if (n == 0)
		return 0;
	/* rte_acl_create hands back an existing context of the same name. */
	snprintf(name, sizeof(name), "vmkfw%u", __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	ctx = rte_acl_create(&p);
	if (ctx == NULL)
		return vmk_err(-ENOMEM, "firewall: no memory for a rule lookup of %u rules", n);
	memcpy(cfg.defs, fw_defs, sizeof(fw_defs));
	ret = acl_fill(ctx, fw, blame);
	if (ret == 0)
		ret = rte_acl_build(ctx, &cfg);
	if (ret != 0) {
		rte_acl_free(ctx);
		return vmk_err(ret == -ENOMEM ? -ENOMEM : -EINVAL,
			       "firewall: building the rule lookup of %u rules failed (%s)", n,
			       strerror(-ret));
	}
	*out = ctx;
	return 0;
}

static void view_free(struct fw_view *v)
{
	if (v == NULL)
		return;
	rte_acl_free(v->allow);
	rte_acl_free(v->blame);
	free(v);
}

/* Counter slots: a ruleset keeps its slot (and its counts) while its name
 * stays in the configuration; a new name takes a slot no kept name holds,
 * reset. reset[s] says which. th->lock held. */
static void slots_assign(struct fw_host *fh, const struct vmk_fw_config *fw,
			 struct fw_view *v, bool reset[VMK_FW_RULESETS_MAX])
{
	bool kept[VMK_FW_RULESETS_MAX] = { false };
	bool have[VMK_FW_RULESETS_MAX] = { false };

	memset(reset, 0, VMK_FW_RULESETS_MAX * sizeof(bool));
	for (unsigned int i = 0; i < fw->n_rulesets; i++)
		for (unsigned int s = 0; s < VMK_FW_RULESETS_MAX; s++)
			if (strcmp(fh->slot_name[s], fw->rulesets[i].name) == 0) {
				v->slot[i] = (uint8_t)s;
				kept[s] = have[i] = true;
				break;
			}
	for (unsigned int i = 0; i < fw->n_rulesets; i++) {
		unsigned int s = 0;

		if (have[i])
			continue;
		while (kept[s])
			s++;              /* n_rulesets <= slots: one is free */
		kept[s] = reset[s] = true;
		v->slot[i] = (uint8_t)s;
		snprintf(fh->slot_name[s], VMK_NAME_MAX, "%s", fw->rulesets[i].name);
	}
}

static int view_build(const struct vmk_fw_config *fw, uint64_t gen, struct fw_view **out)
{
	struct fw_view *v = calloc(1, sizeof(*v));
	int ret;

	if (v == NULL)
		return -ENOMEM;
	v->enabled = fw->enabled;
	v->default_pass = fw->default_pass;
	v->gen = gen;
	v->n_rulesets = fw->n_rulesets;
	ret = acl_build(fw, false, &v->allow);
	if (ret == 0)
		ret = acl_build(fw, true, &v->blame);
	if (ret < 0) {
		view_free(v);
		return ret;
	}
	*out = v;
	return 0;
}

/* Connection tables for the netstacks that have none, when fw turns the
 * firewall on: made before the swap, so a failure changes nothing. */
static int tables_make(struct tcpip_host *th, const struct vmk_fw_config *fw,
		       struct fw_ns *made[VMK_NETSTACK_MAX])
	VMK_REQUIRES(th->lock)
{
	for (unsigned int i = 0; i < VMK_NETSTACK_MAX; i++) {
		struct netstack *ns = th->ns[i];
		bool has;

		made[i] = NULL;
		if (ns == NULL || !fw->enabled)
			continue;
		vmk_spin_lock(&ns->lock);
		has = ns->fw != NULL;
		vmk_spin_unlock(&ns->lock);
		if (has)
			continue;
		made[i] = fw_ns_alloc(fw->conn_max);
		if (made[i] == NULL) {
			for (unsigned int k = 0; k < i; k++)
				fw_ns_free(made[k]);
			return vmk_err(-ENOMEM, "firewall: no memory for a connection table of "
				       "%u entries (netstack %s)", fw->conn_max, ns->name);
		}
	}
	return 0;
}

/* Publish v; then each netstack's lock once: its new table goes in, the
 * reset slots are zeroed, and no worker holds the old view any more. */
static struct fw_view *view_swap(struct tcpip_host *th, struct fw_view *v,
				 struct fw_ns *made[VMK_NETSTACK_MAX],
				 const bool reset[VMK_FW_RULESETS_MAX])
	VMK_REQUIRES(th->lock)
{
	struct fw_view *old = th->fw->view;

	__atomic_store_n(&th->fw->view, v, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < VMK_NETSTACK_MAX; i++) {
		struct netstack *ns = th->ns[i];

		if (ns == NULL)
			continue;
		vmk_spin_lock(&ns->lock);
		if (made[i] != NULL)
			ns->fw = made[i];
		for (unsigned int s = 0; ns->fw != NULL && s < VMK_FW_RULESETS_MAX; s++)
			if (reset[s])
				ns->fw->rs_allowed[s] = ns->fw->rs_dropped[s] = 0;
		vmk_spin_unlock(&ns->lock);
	}
	return old;
}

int tcpip_firewall_apply(struct tcpip_host *th, const struct vmk_fw_config *fw)
{
	struct fw_ns *made[VMK_NETSTACK_MAX];
	bool reset[VMK_FW_RULESETS_MAX];
	struct fw_view *v;
	int ret;

	vmk_err_clear();
	if (th == NULL || fw == NULL)
		return vmk_err(-EINVAL, "firewall: no host or no configuration");
	ret = vmk_fw_config_validate(fw, NULL, 0);
	if (ret < 0)
		return ret;
	vmk_mutex_lock(&th->lock);
	ret = view_build(fw, th->fw->generation + 1, &v);
	if (ret < 0)
		goto unlock;
	ret = tables_make(th, fw, made);
	if (ret < 0) {
		view_free(v);
		goto unlock;
	}
	th->fw->generation++;
	slots_assign(th->fw, fw, v, reset);
	view_free(view_swap(th, v, made, reset));
	memcpy(th->fw->cfg, fw, sizeof(*fw));
	TCPIP_LOG(INFO, "firewall: %s, default %s, %u rulesets (apply %lu)",
		  fw->enabled ? "enabled" : "disabled", fw->default_pass ? "PASS" : "DROP",
		  fw->n_rulesets, (unsigned long)th->fw->generation);
unlock:
	vmk_mutex_unlock(&th->lock);
	return ret;
}

int tcpip_firewall_get(struct tcpip_host *th, struct vmk_fw_config *out)
{
	if (th == NULL || out == NULL)
		return vmk_err(-EINVAL, "firewall: no host or no place for the configuration");
	vmk_mutex_lock(&th->lock);
	memcpy(out, th->fw->cfg, sizeof(*out));
	vmk_mutex_unlock(&th->lock);
	return 0;
}

static void stats_add(struct vmk_fw_stats *o, const struct fw_ns *f)
{
	o->conn_passed += f->conn_passed;
	o->icmp_err_passed += f->icmp_err_passed;
	o->conn_refused += f->conn_refused;
	o->conn_expired += f->conn_expired;
	for (unsigned int d = 0; d < 2; d++) {
		o->default_dropped[d] += f->default_dropped[d];
		o->default_passed[d] += f->default_passed[d];
	}
	o->conn_count += f->count;
	o->conn_capacity += f->cap;
}

int tcpip_firewall_stats(struct tcpip_host *th, struct vmk_fw_stats *out)
{
	if (th == NULL || out == NULL)
		return vmk_err(-EINVAL, "firewall: no host or no place for the counters");
	memset(out, 0, sizeof(*out));
	vmk_mutex_lock(&th->lock);
	for (unsigned int i = 0; i < VMK_NETSTACK_MAX; i++) {
		struct netstack *ns = th->ns[i];

		if (ns == NULL)
			continue;
		vmk_spin_lock(&ns->lock);
		if (ns->fw != NULL)
			stats_add(out, ns->fw);
		vmk_spin_unlock(&ns->lock);
	}
	out->generation = th->fw->generation;
	out->log_suppressed = __atomic_load_n(&th->fw->log_suppressed, __ATOMIC_RELAXED);
	vmk_mutex_unlock(&th->lock);
	return 0;
}

int tcpip_firewall_ruleset_stats(struct tcpip_host *th, const char *name,
				 struct vmk_fw_ruleset_stats *out)
{
	int ret = -ENOENT;

	if (th == NULL || name == NULL || out == NULL)
		return vmk_err(-EINVAL, "firewall: no host, ruleset name or place for the counters");
	memset(out, 0, sizeof(*out));
	vmk_mutex_lock(&th->lock);
	for (unsigned int i = 0; i < th->fw->cfg->n_rulesets && ret == -ENOENT; i++) {
		const struct fw_view *v = th->fw->view;
		unsigned int s = v->slot[i];

		if (strcmp(th->fw->cfg->rulesets[i].name, name) != 0)
			continue;
		ret = 0;
		for (unsigned int k = 0; k < VMK_NETSTACK_MAX; k++) {
			struct netstack *ns = th->ns[k];

			if (ns == NULL)
				continue;
			vmk_spin_lock(&ns->lock);
			if (ns->fw != NULL) {
				out->allowed += ns->fw->rs_allowed[s];
				out->dropped += ns->fw->rs_dropped[s];
			}
			vmk_spin_unlock(&ns->lock);
		}
	}
	vmk_mutex_unlock(&th->lock);
	if (ret == -ENOENT)
		vmk_err(ret, "firewall: no ruleset %s", name);
	return ret;
}

int tcpip_firewall_check(struct tcpip_host *th, enum vmk_fw_direction dir,
			 enum vmk_fw_protocol proto, uint32_t remote, uint16_t sport,
			 uint16_t dport, bool *pass, char *ruleset)
{
	const struct fw_view *v;
	uint32_t hit;

	if (th == NULL || pass == NULL || (unsigned int)dir > VMK_FW_OUTBOUND ||
	    (unsigned int)proto > VMK_FW_ICMP)
		return vmk_err(-EINVAL, "firewall check: no host, or a direction or protocol "
			       "out of range");
	if (ruleset != NULL)
		ruleset[0] = '\0';
	vmk_mutex_lock(&th->lock);
	v = th->fw->view;
	if (!v->enabled) {
		*pass = true;
		goto unlock;
	}
	hit = fw_classify(v->allow, dir * 4u + proto, remote, rte_cpu_to_be_16(sport),
			  rte_cpu_to_be_16(dport));
	*pass = hit != 0 || v->default_pass;
	if (hit != 0 && ruleset != NULL)
		snprintf(ruleset, VMK_NAME_MAX, "%s", th->fw->cfg->rulesets[hit - 1].name);
unlock:
	vmk_mutex_unlock(&th->lock);
	return 0;
}

void fw_log_drop(struct netstack *ns, unsigned int dir, uint8_t proto, rte_be32_t remote,
		 uint16_t sport, uint16_t dport, const char *why)
{
	struct fw_host *fh = ns->th->fw;
	uint64_t sec = rte_get_tsc_cycles() / rte_get_tsc_hz();
	uint8_t *a = (uint8_t *)&remote;

	if (__atomic_exchange_n(&fh->log_sec, sec, __ATOMIC_RELAXED) != sec)
		__atomic_store_n(&fh->log_count, 0, __ATOMIC_RELAXED);
	if (__atomic_fetch_add(&fh->log_count, 1, __ATOMIC_RELAXED) >= VMK_FW_LOG_PER_SEC) {
		__atomic_fetch_add(&fh->log_suppressed, 1, __ATOMIC_RELAXED);
		return;
	}
	TCPIP_LOG(NOTICE, "firewall: %s: %s %s %s %u.%u.%u.%u, ports %u -> %u, netstack %s",
		  why, dir == VMK_FW_INBOUND ? "inbound" : "outbound", proto == 6 ? "TCP" :
		  proto == 17 ? "UDP" : "ICMP", dir == VMK_FW_INBOUND ? "from" : "to",
		  a[0], a[1], a[2], a[3], sport, dport, ns->name);
}

int fw_host_init(struct tcpip_host *th)
{
	struct fw_host *fh = calloc(1, sizeof(*fh));
	int ret = -ENOMEM;

	if (fh == NULL)
		return -ENOMEM;
	fh->cfg = malloc(sizeof(*fh->cfg));
	if (fh->cfg == NULL)
		goto free_fh;
	vmk_fw_config_default(fh->cfg);
	ret = view_build(fh->cfg, 0, &fh->view);
	if (ret < 0)
		goto free_cfg;
	{
		bool reset[VMK_FW_RULESETS_MAX];

		slots_assign(fh, fh->cfg, fh->view, reset);
	}
	th->fw = fh;
	return 0;
free_cfg:
	free(fh->cfg);
free_fh:
	free(fh);
	return ret;
}

void fw_host_fini(struct tcpip_host *th)
{
	if (th == NULL || th->fw == NULL)
		return;
	view_free(th->fw->view);
	free(th->fw->cfg);
	free(th->fw);
	th->fw = NULL;
}

int fw_ns_attach(struct tcpip_host *th, struct netstack *ns)
{
	struct fw_ns *f;

	if (!th->fw->cfg->enabled)
		return 0;
	f = fw_ns_alloc(th->fw->cfg->conn_max);
	if (f == NULL)
		return vmk_err(-ENOMEM, "firewall: no memory for netstack %s's connection table",
			       ns->name);
	vmk_spin_lock(&ns->lock);
	ns->fw = f;
	vmk_spin_unlock(&ns->lock);
	return 0;
}
