/*
 * Applying the "nioc" section to a host: marking, NIOC's class settings,
 * the speed of every uplink the document has, and NIOC on or off, as one
 * step of config_apply.c that succeeds whole or leaves the host as it was.
 *
 * The step reads what runs and sets only what differs, so its inverse is
 * the same call with the old document. The library refuses reservations
 * that do not fit an uplink's capacity at each call, so the order matters:
 * first the classes whose reservation goes down, then the speeds, then the
 * other classes. Every intermediate state then holds reservations no
 * larger than both the old and the new ones, against capacities that are
 * the old or the new ones, and is accepted whenever the target is.
 *
 * Thread: control plane; the library calls used take the host lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmknet/config.h>
#include <vmknet/port.h>
#include <vmknet/traffic.h>
#include <vmknet/vswitch.h>

#include "common/error.h"
#include "common/log.h"
#include "lib/config_priv.h"

#define NIOC_MAX_PORTS (VMK_MAX_VSWITCHES * VMK_CONFIG_MAX_UPLINKS)

struct nioc_port {
	struct vmk_vswitch *vs;
	uint32_t port_id;
	uint32_t speed_mbps;    /* wanted (a target) or running (a snapshot) */
};

/* A whole NIOC state: a document's, or what the host runs. */
struct nioc_state {
	bool enabled;
	struct vmk_config_nioc_class classes[VMK_TC_COUNT];
	unsigned int n_ports;
	struct nioc_port ports[NIOC_MAX_PORTS];
};

/* The uplink ports of cfg that run on host, with cfg's speeds for them. */
static void state_of_config(struct vmk_host *host, const struct vmk_config *cfg,
			    struct nioc_state *st)
{
	st->enabled = cfg->nioc.enabled;
	memcpy(st->classes, cfg->nioc.classes, sizeof(st->classes));
	st->n_ports = 0;
	for (unsigned int i = 0; i < cfg->n_vswitches; i++) {
		const struct vmk_config_vswitch *c = &cfg->vswitches[i];
		struct vmk_vswitch *vs = vmk_vswitch_find(host, c->name);

		for (unsigned int k = 0; vs != NULL && k < c->n_uplinks; k++) {
			struct nioc_port *p = &st->ports[st->n_ports];

			if (vmk_port_find(vs, c->uplinks[k], &p->port_id) < 0)
				continue;
			p->vs = vs;
			p->speed_mbps = vmk_config_nic_speed(cfg, c->uplinks[k]);
			st->n_ports++;
		}
	}
}

/* What host runs, for the ports of want. */
static int state_of_host(struct vmk_host *host, const struct nioc_state *want,
			 struct nioc_state *st)
{
	int ret = vmk_nioc_get_enabled(host, &st->enabled);

	for (unsigned int c = 0; ret == 0 && c < VMK_TC_COUNT; c++) {
		ret = vmk_nioc_class_get(host, c, &st->classes[c].sched);
		if (ret == 0)
			ret = vmk_traffic_marking_get(host, c, &st->classes[c].mark);
	}
	st->n_ports = 0;
	for (unsigned int i = 0; ret == 0 && i < want->n_ports; i++) {
		struct vmk_nioc_uplink u;

		ret = vmk_port_get_nioc(want->ports[i].vs, want->ports[i].port_id, &u);
		st->ports[i] = want->ports[i];
		st->ports[i].speed_mbps = u.speed_mbps;
		st->n_ports++;
	}
	return ret;
}

static bool sched_equal(const struct vmk_nioc_class *a, const struct vmk_nioc_class *b)
{
	return a->shares == b->shares && a->reservation_mbps == b->reservation_mbps &&
	       a->limit_mbps == b->limit_mbps;
}

/* Class settings of want that differ from cur; only those whose
 * reservation goes down (lowering) or the others. */
static int set_classes(struct vmk_host *host, const struct nioc_state *want,
		       struct nioc_state *cur, bool lowering)
{
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		const struct vmk_nioc_class *w = &want->classes[c].sched;
		struct vmk_nioc_class *r = &cur->classes[c].sched;
		int ret;

		if (sched_equal(w, r) || (w->reservation_mbps < r->reservation_mbps) != lowering)
			continue;
		ret = vmk_nioc_class_set(host, c, w);
		if (ret < 0)
			return ret;
		*r = *w;
	}
	return 0;
}

static int set_marking(struct vmk_host *host, const struct nioc_state *want,
		       struct nioc_state *cur)
{
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		const struct vmk_traffic_marking *w = &want->classes[c].mark;
		struct vmk_traffic_marking *r = &cur->classes[c].mark;
		int ret;

		if (w->dscp == r->dscp && w->cos == r->cos && w->priority_tag == r->priority_tag)
			continue;
		ret = vmk_traffic_marking_set(host, c, w);
		if (ret < 0)
			return ret;
		*r = *w;
	}
	return 0;
}

/* Take the host from cur (its running state, updated as calls succeed)
 * to want. Stops at the first refusal. */
static int state_apply(struct vmk_host *host, const struct nioc_state *want,
		       struct nioc_state *cur)
{
	int ret = set_classes(host, want, cur, true);

	for (unsigned int i = 0; ret == 0 && i < want->n_ports; i++) {
		if (want->ports[i].speed_mbps == cur->ports[i].speed_mbps)
			continue;
		ret = vmk_port_set_link_speed(want->ports[i].vs, want->ports[i].port_id,
					      want->ports[i].speed_mbps);
		if (ret == 0)
			cur->ports[i].speed_mbps = want->ports[i].speed_mbps;
	}
	if (ret == 0)
		ret = set_classes(host, want, cur, false);
	if (ret == 0)
		ret = set_marking(host, want, cur);
	if (ret == 0 && want->enabled != cur->enabled) {
		ret = vmk_nioc_set_enabled(host, want->enabled);
		if (ret == 0)
			cur->enabled = want->enabled;
	}
	return ret;
}

int cfg_nioc_apply(struct vmk_host *host, const struct vmk_config *to)
{
	struct nioc_state *want = malloc(sizeof(*want)), *old = malloc(sizeof(*old)),
			  *cur = malloc(sizeof(*cur));
	struct vmk_err_saved why;
	int ret = -ENOMEM;

	if (want == NULL || old == NULL || cur == NULL) {
		ret = vmk_err(-ENOMEM, "out of memory");
		goto free_states;
	}
	state_of_config(host, to, want);
	ret = state_of_host(host, want, old);
	if (ret < 0)
		goto free_states;
	*cur = *old;
	ret = state_apply(host, want, cur);
	if (ret < 0) {
		/* Back to what ran: it was accepted, and every state between
		 * is (see the top of the file). */
		vmk_err_save(&why);
		if (state_apply(host, old, cur) < 0)
			VMK_LOG(ERR, host, "config: NIOC settings partly changed: %s",
				vmk_err_text());
		ret = vmk_err_restore(ret, &why);
	}
free_states:
	free(want);
	free(old);
	free(cur);
	return ret;
}
