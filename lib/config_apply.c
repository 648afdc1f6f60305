/*
 * Applying a configuration to a host: the difference between what is
 * running (`from`) and what is wanted (`to`) becomes a list of steps, each
 * with an exact inverse. Everything that can be known in advance is checked
 * before the first step; if a step still fails, the steps done so far are
 * undone in reverse, so the host is left as `from` described it.
 *
 * Order: removals (guest ports, uplinks, port groups, then vSwitches),
 * changes (MTU, MAC table, VLANs), additions (vSwitches, port groups, then
 * uplinks; guest ports after the adapters), then the policies (a teaming
 * policy names uplinks, so they must exist), marking and NIOC (the uplinks'
 * speeds: config_apply_nioc.c) and last the host firewall
 * (plan_firewall says why). Removing
 * everything first lets an uplink or a port group move between vSwitches in
 * one change. The library keeps teaming by uplink name, so removing an
 * uplink a policy still names is harmless until the policy step.
 *
 * Thread: control plane; the library calls used take the host lock.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_errno.h>

#include <vmknet/config.h>
#include <vmknet/dhcp.h>
#include <vmknet/firewall.h>
#include <vmknet/netstack.h>
#include <vmknet/policy.h>
#include <vmknet/port.h>
#include <vmknet/tcp.h>
#include <vmknet/vmknic.h>
#include <vmknet/vswitch.h>

#include "common/error.h"
#include "lib/config_priv.h"
#include "common/log.h"
#include "lib/unix_socket.h"

enum step_kind {
	STEP_VS_ADD,
	STEP_VS_REMOVE,
	STEP_PG_ADD,
	STEP_PG_REMOVE,
	STEP_PG_VLAN,
	STEP_UPLINK_ADD,
	STEP_UPLINK_REMOVE,
	STEP_VS_MTU,
	STEP_VS_AGING,
	STEP_VS_CAPACITY,
	STEP_VS_POLICY,     /* the vSwitch's three policies */
	STEP_PG_POLICY,     /* a port group's overrides */
	STEP_GUEST_ADD,     /* a guest port (guest) on vs */
	STEP_GUEST_REMOVE,
	STEP_NS_ADD,        /* a custom netstack */
	STEP_NS_REMOVE,
	STEP_ROUTE_ADD,     /* a static route of netstack `name` */
	STEP_ROUTE_REMOVE,
	STEP_DEFAULT_GW,    /* netstack `name`'s default gateway: val, old */
	STEP_NS_TCP,        /* netstack `name`'s TCP settings: ns, old_ns (NULL: defaults) */
	STEP_NIC_ADD,       /* an adapter (nic) with its tags */
	STEP_NIC_REMOVE,
	STEP_NIC_IPV4,      /* nic's address: nic new, old_nic old */
	STEP_NIC_GATEWAY,
	STEP_NIC_MTU,       /* val, old */
	STEP_NIC_ENABLED,
	STEP_NIC_TAGS,
	STEP_FIREWALL,      /* the host firewall: fw new, old_fw old */
	STEP_NIOC,          /* marking, NIOC, uplink speeds: cfg new, old_cfg old */
};

struct step {
	enum step_kind kind;
	const struct vmk_config_vswitch *vs; /* its name; all of it for VS_ADD/REMOVE */
	const char *name;                     /* port group or uplink */
	uint32_t val, old;                    /* new and old value (VLAN, MTU, ...) */
	uint16_t ethdev;                      /* uplinks */
	/* Policy steps: the old and new holders (old NULL: a new object, whose
	 * undo is its removal by an earlier step's undo). */
	const struct vmk_config_vswitch *old_vs;
	const struct vmk_config_portgroup *old_pg, *new_pg;
	/* IP steps */
	const struct vmk_config_route *route;
	const struct vmk_config_vmknic *nic, *old_nic;
	const struct vmk_config_netstack *ns, *old_ns;
	/* Guest steps: the port as its document (`to` to add, `from` to
	 * remove, which is also what undo adds back) describes it. */
	const struct vmk_config_guest_port *guest;
	/* The firewall step: the new and the old configuration. */
	const struct vmk_fw_config *fw, *old_fw;
	/* The NIOC step: the new and the old documents. */
	const struct vmk_config *cfg, *old_cfg;
};

struct plan {
	struct step *steps;
	unsigned int n, max;
	const struct vmk_config_nic *nics;
	unsigned int n_nics;
};

static const struct vmk_config_vswitch *vs_in(const struct vmk_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_vswitches; i++)
		if (strcmp(cfg->vswitches[i].name, name) == 0)
			return &cfg->vswitches[i];
	return NULL;
}

static const struct vmk_config_portgroup *pg_in(const struct vmk_config_vswitch *vs,
						const char *name)
{
	for (unsigned int k = 0; vs != NULL && k < vs->n_portgroups; k++)
		if (strcmp(vs->portgroups[k].name, name) == 0)
			return &vs->portgroups[k];
	return NULL;
}

static bool uplink_in(const struct vmk_config_vswitch *vs, const char *name)
{
	for (unsigned int k = 0; vs != NULL && k < vs->n_uplinks; k++)
		if (strcmp(vs->uplinks[k], name) == 0)
			return true;
	return false;
}

static const struct vmk_config_nic *nic_in(const struct plan *p, const char *name)
{
	for (unsigned int i = 0; i < p->n_nics; i++)
		if (strcmp(p->nics[i].name, name) == 0)
			return &p->nics[i];
	return NULL;
}

static void add_step(struct plan *p, enum step_kind kind, const struct vmk_config_vswitch *vs,
		     const char *name, uint32_t val, uint32_t old)
{
	struct step *s = &p->steps[p->n++];

	s->kind = kind;
	s->vs = vs;
	s->name = name;
	s->val = val;
	s->old = old;
	s->ethdev = VMK_ETHDEV_NONE;
	if (name != NULL && (kind == STEP_UPLINK_ADD || kind == STEP_UPLINK_REMOVE)) {
		const struct vmk_config_nic *nic = nic_in(p, name);

		s->ethdev = nic != NULL ? nic->ethdev_port : VMK_ETHDEV_NONE;
	}
}

static bool team_equal(const struct vmk_teaming_policy *a, const struct vmk_teaming_policy *b)
{
	if (a->load_balancing != b->load_balancing ||
	    a->failure_detection != b->failure_detection ||
	    a->notify_switches != b->notify_switches ||
	    a->failback != b->failback || a->n_active != b->n_active ||
	    a->n_standby != b->n_standby)
		return false;
	for (unsigned int i = 0; i < a->n_active; i++)
		if (strcmp(a->active[i], b->active[i]) != 0)
			return false;
	for (unsigned int i = 0; i < a->n_standby; i++)
		if (strcmp(a->standby[i], b->standby[i]) != 0)
			return false;
	return true;
}

static bool sec_equal(const struct vmk_security_policy *a, const struct vmk_security_policy *b)
{
	return a->allow_promiscuous == b->allow_promiscuous &&
	       a->allow_mac_changes == b->allow_mac_changes &&
	       a->allow_forged_transmits == b->allow_forged_transmits;
}

static bool shaping_equal(const struct vmk_shaping_policy *a, const struct vmk_shaping_policy *b)
{
	return a->enabled == b->enabled && a->avg_kbps == b->avg_kbps &&
	       a->peak_kbps == b->peak_kbps && a->burst_kb == b->burst_kb;
}

static bool vs_policy_equal(const struct vmk_config_vswitch *a, const struct vmk_config_vswitch *b)
{
	return sec_equal(&a->security, &b->security) && shaping_equal(&a->shaping, &b->shaping) &&
	       team_equal(&a->teaming, &b->teaming) &&
	       a->beacon_interval_sec == b->beacon_interval_sec &&
	       a->beacon_threshold == b->beacon_threshold;
}

static bool pg_policy_none(const struct vmk_config_portgroup *p)
{
	return p->security_mask == 0 && !p->has_shaping && !p->has_teaming;
}

static bool pg_policy_equal(const struct vmk_config_portgroup *a,
			    const struct vmk_config_portgroup *b)
{
	struct vmk_security_policy sa = a->security, sb = b->security;

	/* Only the fields that override count. */
	if (a->security_mask != b->security_mask || a->has_shaping != b->has_shaping ||
	    a->has_teaming != b->has_teaming)
		return false;
	if (!(a->security_mask & VMK_SEC_PROMISCUOUS))
		sa.allow_promiscuous = sb.allow_promiscuous;
	if (!(a->security_mask & VMK_SEC_MAC_CHANGES))
		sa.allow_mac_changes = sb.allow_mac_changes;
	if (!(a->security_mask & VMK_SEC_FORGED))
		sa.allow_forged_transmits = sb.allow_forged_transmits;
	return sec_equal(&sa, &sb) &&
	       (!a->has_shaping || shaping_equal(&a->shaping, &b->shaping)) &&
	       (!a->has_teaming || team_equal(&a->teaming, &b->teaming));
}

static void add_policy_step(struct plan *p, enum step_kind kind, const struct vmk_config_vswitch *vs,
			    const struct vmk_config_vswitch *old_vs,
			    const struct vmk_config_portgroup *new_pg,
			    const struct vmk_config_portgroup *old_pg)
{
	struct step *s = &p->steps[p->n];

	add_step(p, kind, vs, new_pg != NULL ? new_pg->name : NULL, 0, 0);
	s->old_vs = old_vs;
	s->new_pg = new_pg;
	s->old_pg = old_pg;
}

static void plan_policies(struct plan *p, const struct vmk_config *from,
			  const struct vmk_config *to)
{
	for (unsigned int i = 0; i < to->n_vswitches; i++) {
		const struct vmk_config_vswitch *t = &to->vswitches[i];
		const struct vmk_config_vswitch *f = vs_in(from, t->name);

		if (f == NULL || !vs_policy_equal(f, t))
			add_policy_step(p, STEP_VS_POLICY, t, f, NULL, NULL);
		for (unsigned int k = 0; k < t->n_portgroups; k++) {
			const struct vmk_config_portgroup *tp = &t->portgroups[k];
			const struct vmk_config_portgroup *fp = pg_in(f, tp->name);

			if (fp == NULL ? !pg_policy_none(tp) : !pg_policy_equal(fp, tp))
				add_policy_step(p, STEP_PG_POLICY, t, f, tp, fp);
		}
	}
}

static int vs_policy_apply(struct vmk_vswitch *vs, const struct vmk_config_vswitch *c)
{
	int ret = vmk_vswitch_set_security(vs, &c->security);

	if (ret == 0)
		ret = vmk_vswitch_set_shaping(vs, &c->shaping);
	if (ret == 0)
		ret = vmk_vswitch_set_teaming(vs, &c->teaming);
	if (ret == 0)
		ret = vmk_vswitch_set_beacon(vs, c->beacon_interval_sec, c->beacon_threshold);
	return ret;
}

static int pg_policy_apply(struct vmk_vswitch *vs, const struct vmk_config_portgroup *c)
{
	int ret = vmk_portgroup_set_security(vs, c->name, &c->security, c->security_mask);

	if (ret == 0)
		ret = vmk_portgroup_set_shaping(vs, c->name, c->has_shaping ? &c->shaping : NULL);
	if (ret == 0)
		ret = vmk_portgroup_set_teaming(vs, c->name, c->has_teaming ? &c->teaming : NULL);
	return ret;
}

static void plan_removals(struct plan *p, const struct vmk_config *from,
			  const struct vmk_config *to)
{
	for (unsigned int i = 0; i < from->n_vswitches; i++) {
		const struct vmk_config_vswitch *f = &from->vswitches[i];
		const struct vmk_config_vswitch *t = vs_in(to, f->name);

		for (unsigned int k = 0; k < f->n_uplinks; k++)
			if (!uplink_in(t, f->uplinks[k]))
				add_step(p, STEP_UPLINK_REMOVE, f, f->uplinks[k], 0, 0);
		for (unsigned int k = 0; k < f->n_portgroups; k++)
			if (pg_in(t, f->portgroups[k].name) == NULL)
				add_step(p, STEP_PG_REMOVE, f, f->portgroups[k].name,
					 f->portgroups[k].vlan_id, 0);
		if (t == NULL)
			add_step(p, STEP_VS_REMOVE, f, NULL, 0, 0);
	}
}

static void plan_changes(struct plan *p, const struct vmk_config *from,
			 const struct vmk_config *to)
{
	for (unsigned int i = 0; i < to->n_vswitches; i++) {
		const struct vmk_config_vswitch *t = &to->vswitches[i];
		const struct vmk_config_vswitch *f = vs_in(from, t->name);

		if (f == NULL)
			continue;
		if (f->mtu != t->mtu)
			add_step(p, STEP_VS_MTU, t, NULL, t->mtu, f->mtu);
		if (f->fdb_aging_sec != t->fdb_aging_sec)
			add_step(p, STEP_VS_AGING, t, NULL, t->fdb_aging_sec, f->fdb_aging_sec);
		if (f->fdb_capacity != t->fdb_capacity)
			add_step(p, STEP_VS_CAPACITY, t, NULL, t->fdb_capacity, f->fdb_capacity);
		for (unsigned int k = 0; k < t->n_portgroups; k++) {
			const struct vmk_config_portgroup *fp = pg_in(f, t->portgroups[k].name);

			if (fp != NULL && fp->vlan_id != t->portgroups[k].vlan_id)
				add_step(p, STEP_PG_VLAN, t, t->portgroups[k].name,
					 t->portgroups[k].vlan_id, fp->vlan_id);
		}
	}
}

static void plan_additions(struct plan *p, const struct vmk_config *from,
			   const struct vmk_config *to)
{
	for (unsigned int i = 0; i < to->n_vswitches; i++) {
		const struct vmk_config_vswitch *t = &to->vswitches[i];
		const struct vmk_config_vswitch *f = vs_in(from, t->name);

		if (f == NULL)
			add_step(p, STEP_VS_ADD, t, NULL, 0, 0);
		for (unsigned int k = 0; k < t->n_portgroups; k++)
			if (pg_in(f, t->portgroups[k].name) == NULL)
				add_step(p, STEP_PG_ADD, t, t->portgroups[k].name,
					 t->portgroups[k].vlan_id, 0);
		for (unsigned int k = 0; k < t->n_uplinks; k++)
			if (!uplink_in(f, t->uplinks[k]))
				add_step(p, STEP_UPLINK_ADD, t, t->uplinks[k], 0, 0);
	}
}

/* What validation of one document cannot see: `to` against `from` and the NICs. */
static int check_transition(const struct plan *p, const struct vmk_config *from,
			    const struct vmk_config *to)
{
	for (unsigned int i = 0; i < to->n_vswitches; i++) {
		const struct vmk_config_vswitch *t = &to->vswitches[i];
		const struct vmk_config_vswitch *f = vs_in(from, t->name);

		if (f != NULL && f->n_ports != t->n_ports)
			return vmk_err(-EINVAL,
				 "vswitches[%u] (%s).ports: cannot change from %u to %u on an "
				 "existing vSwitch (remove it and add it again)",
				 i, t->name, f->n_ports, t->n_ports);
		for (unsigned int k = 0; k < t->n_uplinks; k++) {
			if (nic_in(p, t->uplinks[k]) != NULL)
				continue;
			if (p->n_nics == 0)
				return vmk_err(-ENODEV,
					 "vswitches[%u] (%s).uplinks[%u]: no NIC named %s (this "
					 "host has no NICs)", i, t->name, k, t->uplinks[k]);
			return vmk_err(-ENODEV,
				 "vswitches[%u] (%s).uplinks[%u]: no NIC named %s (this "
				 "host has %s..%s)", i, t->name, k, t->uplinks[k],
				 p->nics[0].name, p->nics[p->n_nics - 1].name);
		}
	}
	for (unsigned int i = 0; i < to->nioc.n_speeds; i++)
		if (nic_in(p, to->nioc.speeds[i].nic) == NULL)
			return vmk_err(-ENODEV, "nioc.uplinks.%s: no NIC named %s",
				       to->nioc.speeds[i].nic, to->nioc.speeds[i].nic);
	return 0;
}

static int vs_add(struct vmk_host *host, const struct vmk_config_vswitch *c)
{
	struct vmk_vswitch_params vp;
	struct vmk_vswitch *vs;

	vmk_vswitch_params_init(&vp);
	vp.name = c->name;
	vp.mtu = c->mtu;
	vp.n_ports = c->n_ports;
	vp.fdb_capacity = c->fdb_capacity;
	vp.fdb_aging_sec = c->fdb_aging_sec;
	return vmk_vswitch_add(host, &vp, &vs);
}

static int uplink_add(struct vmk_vswitch *vs, const char *name, uint16_t ethdev)
{
	struct vmk_port_params pp;
	uint32_t id;

	vmk_port_params_init(&pp);
	pp.name = name;
	pp.uplink = true;
	pp.ethdev_port = ethdev;
	return vmk_port_add(vs, &pp, &id);
}

/* Remove the port named name (an uplink or a guest port). */
static int port_remove_named(struct vmk_vswitch *vs, const char *name)
{
	uint32_t id;
	int ret = vmk_port_find(vs, name, &id);

	return ret < 0 ? ret : vmk_port_remove(vs, id);
}

/* ---- guest ports -------------------------------------------------------- */

static const struct vmk_config_guest_port *guest_of(const struct vmk_config *cfg,
						    const char *name)
{
	return vmk_config_find_guest_port((struct vmk_config *)cfg, name);
}

/* Any difference re-creates the port: the vhost-user device is made with
 * all of these. */
static bool guest_recreate(const struct vmk_config_guest_port *f,
			   const struct vmk_config_guest_port *t)
{
	return strcmp(f->vswitch, t->vswitch) != 0 || strcmp(f->portgroup, t->portgroup) != 0 ||
	       strcmp(f->socket, t->socket) != 0 || f->server != t->server ||
	       f->n_queues != t->n_queues || memcmp(f->mac, t->mac, 6) != 0;
}

static void add_guest_step(struct plan *p, enum step_kind kind, const struct vmk_config *cfg,
			   const struct vmk_config_guest_port *g)
{
	add_step(p, kind, vs_in(cfg, g->vswitch), g->name, 0, 0);
	p->steps[p->n - 1].guest = g;
}

static void plan_guest_removals(struct plan *p, const struct vmk_config *from,
				const struct vmk_config *to)
{
	for (unsigned int i = 0; i < from->n_guest_ports; i++) {
		const struct vmk_config_guest_port *f = &from->guest_ports[i];
		const struct vmk_config_guest_port *t = guest_of(to, f->name);

		if (t == NULL || guest_recreate(f, t))
			add_guest_step(p, STEP_GUEST_REMOVE, from, f);
	}
}

static void plan_guest_additions(struct plan *p, const struct vmk_config *from,
				 const struct vmk_config *to)
{
	for (unsigned int i = 0; i < to->n_guest_ports; i++) {
		const struct vmk_config_guest_port *t = &to->guest_ports[i];
		const struct vmk_config_guest_port *f = guest_of(from, t->name);

		if (f == NULL || guest_recreate(f, t))
			add_guest_step(p, STEP_GUEST_ADD, to, t);
	}
}

/*
 * A server-mode port listens on its socket, and DPDK's vhost library does
 * not bind over an existing file: its directory must exist, and a stale
 * socket (left by a vmknetd that was killed) is removed first.
 */
static int guest_socket_prepare(const char *path)
{
	char dir[VMK_CONFIG_SOCKET_PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	return usock_clear_stale(path);
}

static int guest_add(struct vmk_vswitch *vs, const struct vmk_config_guest_port *g)
{
	static const uint8_t zero[6];
	struct vmk_port_params pp;
	uint32_t id;

	if (g->server) {
		int ret = guest_socket_prepare(g->socket);

		if (ret < 0)
			return ret;
	}
	vmk_port_params_init(&pp);
	pp.name = g->name;
	pp.kind = VMK_PORT_VHOST;
	pp.portgroup = g->portgroup;
	pp.vhost_path = g->socket;
	pp.vhost_server = g->server;
	pp.n_rxq = (uint16_t)g->n_queues;
	pp.has_mac = memcmp(g->mac, zero, 6) != 0;
	memcpy(pp.mac, g->mac, 6);
	return vmk_port_add(vs, &pp, &id);
}

/* ---- the IP layer: netstacks, routes, vmknics ------------------------- */

static const struct vmk_config_netstack *ns_of(const struct vmk_config *cfg, const char *name)
{
	return vmk_config_find_netstack((struct vmk_config *)cfg, name);
}

static const struct vmk_config_vmknic *nic_of(const struct vmk_config *cfg, const char *name)
{
	return vmk_config_find_vmknic((struct vmk_config *)cfg, name);
}

static bool mac_zero(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

/* Must the adapter be removed and added again to become t? */
static bool nic_recreate(const struct vmk_config_vmknic *f, const struct vmk_config_vmknic *t)
{
	return strcmp(f->vswitch, t->vswitch) != 0 || strcmp(f->portgroup, t->portgroup) != 0 ||
	       strcmp(f->netstack, t->netstack) != 0 ||
	       (!mac_zero(t->mac) && memcmp(f->mac, t->mac, 6) != 0);
}

/* Does netstack ns keep existing (not removed and added) from `from` to `to`? */
static bool route_in(const struct vmk_config_netstack *ns, const struct vmk_config_route *r)
{
	for (unsigned int i = 0; ns != NULL && i < ns->n_routes; i++)
		if (ns->routes[i].network == r->network &&
		    ns->routes[i].prefix_len == r->prefix_len &&
		    ns->routes[i].gateway == r->gateway)
			return true;
	return false;
}

static void add_ip_step(struct plan *p, enum step_kind kind, const char *ns_name,
			const struct vmk_config_route *route, const struct vmk_config_vmknic *nic,
			const struct vmk_config_vmknic *old_nic, uint32_t val, uint32_t old)
{
	struct step *s = &p->steps[p->n++];

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->name = ns_name;
	s->route = route;
	s->nic = nic;
	s->old_nic = old_nic;
	s->val = val;
	s->old = old;
}

/* What validation cannot see: a vSwitch port group kept with a different
 * VLAN while an adapter sits on it is the switch's business, so nothing
 * here yet but the hook for transition rules. */
static int plan_ip_check(const struct vmk_config *from, const struct vmk_config *to)
{
	(void)from;
	(void)to;
	return 0;
}

/* Adapters that go (or are re-created), routes that go, gateways cleared. */
static void plan_ip_removals(struct plan *p, const struct vmk_config *from,
			     const struct vmk_config *to)
{
	for (unsigned int i = 0; i < from->n_vmknics; i++) {
		const struct vmk_config_vmknic *f = &from->vmknics[i];
		const struct vmk_config_vmknic *t = nic_of(to, f->name);

		if (t == NULL || nic_recreate(f, t))
			add_ip_step(p, STEP_NIC_REMOVE, NULL, NULL, f, NULL, 0, 0);
	}
	for (unsigned int i = 0; i < from->n_netstacks; i++) {
		const struct vmk_config_netstack *f = &from->netstacks[i];
		const struct vmk_config_netstack *t = ns_of(to, f->name);

		for (unsigned int r = 0; r < f->n_routes; r++)
			if (!route_in(t, &f->routes[r]))
				add_ip_step(p, STEP_ROUTE_REMOVE, f->name, &f->routes[r], NULL,
					    NULL, 0, 0);
		if (f->default_gateway != 0 && (t == NULL || t->default_gateway == 0))
			add_ip_step(p, STEP_DEFAULT_GW, f->name, NULL, NULL, NULL, 0,
				    f->default_gateway);
	}
}

static void plan_ns_removals(struct plan *p, const struct vmk_config *from,
			     const struct vmk_config *to)
{
	for (unsigned int i = 0; i < from->n_netstacks; i++)
		if (ns_of(to, from->netstacks[i].name) == NULL)
			add_ip_step(p, STEP_NS_REMOVE, from->netstacks[i].name, NULL, NULL, NULL,
				    0, 0);
}

static void plan_ns_additions(struct plan *p, const struct vmk_config *from,
			      const struct vmk_config *to)
{
	for (unsigned int i = 0; i < to->n_netstacks; i++)
		if (ns_of(from, to->netstacks[i].name) == NULL)
			add_ip_step(p, STEP_NS_ADD, to->netstacks[i].name, NULL, NULL, NULL, 0, 0);
}

/*
 * Changes of adapters that stay. MTUs that go down are set before the
 * vSwitches change (a vSwitch MTU cannot go below an adapter's), the rest
 * after (a higher adapter MTU may need the vSwitch's raised first).
 */
static void plan_nic_changes(struct plan *p, const struct vmk_config *from,
			     const struct vmk_config *to, bool before_vswitches)
{
	for (unsigned int i = 0; i < to->n_vmknics; i++) {
		const struct vmk_config_vmknic *t = &to->vmknics[i];
		const struct vmk_config_vmknic *f = nic_of(from, t->name);

		if (f == NULL || nic_recreate(f, t))
			continue;
		if (f->mtu != t->mtu && (t->mtu < f->mtu) == before_vswitches)
			add_ip_step(p, STEP_NIC_MTU, NULL, NULL, t, f, t->mtu, f->mtu);
		if (before_vswitches)
			continue;
		if (f->ipv4 != t->ipv4 || f->netmask != t->netmask || f->dhcp != t->dhcp ||
		    f->peer_dns != t->peer_dns)
			add_ip_step(p, STEP_NIC_IPV4, NULL, NULL, t, f, 0, 0);
		if (f->gateway != t->gateway)
			add_ip_step(p, STEP_NIC_GATEWAY, NULL, NULL, t, f, t->gateway, f->gateway);
		if (f->enabled != t->enabled)
			add_ip_step(p, STEP_NIC_ENABLED, NULL, NULL, t, f, t->enabled, f->enabled);
		if (f->tags != t->tags)
			add_ip_step(p, STEP_NIC_TAGS, NULL, NULL, t, f, t->tags, f->tags);
	}
}

/* New (or re-created) adapters, then routes and gateways: a route's gateway
 * may be reached through a new adapter. */
static void plan_ip_additions(struct plan *p, const struct vmk_config *from,
			      const struct vmk_config *to)
{
	for (unsigned int i = 0; i < to->n_vmknics; i++) {
		const struct vmk_config_vmknic *t = &to->vmknics[i];
		const struct vmk_config_vmknic *f = nic_of(from, t->name);

		if (f == NULL || nic_recreate(f, t))
			add_ip_step(p, STEP_NIC_ADD, NULL, NULL, t, NULL, 0, 0);
	}
	for (unsigned int i = 0; i < to->n_netstacks; i++) {
		const struct vmk_config_netstack *t = &to->netstacks[i];
		const struct vmk_config_netstack *f = ns_of(from, t->name);

		for (unsigned int r = 0; r < t->n_routes; r++)
			if (!route_in(f, &t->routes[r]))
				add_ip_step(p, STEP_ROUTE_ADD, t->name, &t->routes[r], NULL, NULL,
					    0, 0);
		if (t->default_gateway != 0 &&
		    (f == NULL || f->default_gateway != t->default_gateway))
			add_ip_step(p, STEP_DEFAULT_GW, t->name, NULL, NULL, NULL,
				    t->default_gateway, f != NULL ? f->default_gateway : 0);
	}
}

/* Do two netstacks (NULL: defaults) differ in their TCP settings? */
static bool tcp_differs(const struct vmk_config_netstack *a, const struct vmk_config_netstack *b)
{
	const char *ca = a != NULL && a->tcp_cc[0] ? a->tcp_cc : VMK_CONFIG_TCP_CC_DEFAULT;
	const char *cb = b != NULL && b->tcp_cc[0] ? b->tcp_cc : VMK_CONFIG_TCP_CC_DEFAULT;
	uint32_t ra = a != NULL && a->tcp_rto_min_ms ? a->tcp_rto_min_ms :
		      VMK_CONFIG_TCP_RTO_MIN_DEFAULT;
	uint32_t rb = b != NULL && b->tcp_rto_min_ms ? b->tcp_rto_min_ms :
		      VMK_CONFIG_TCP_RTO_MIN_DEFAULT;

	return strncmp(ca, cb, sizeof(a->tcp_cc)) != 0 || ra != rb;
}

/* TCP settings of netstacks that are new or whose settings change (after
 * the netstacks are added). Undo restores the old ones (a new netstack's
 * undo sets the defaults, then an earlier undo removes it). */
static void plan_ns_tcp(struct plan *p, const struct vmk_config *from,
			const struct vmk_config *to)
{
	for (unsigned int i = 0; i < to->n_netstacks; i++) {
		const struct vmk_config_netstack *t = &to->netstacks[i];
		const struct vmk_config_netstack *f = ns_of(from, t->name);

		if (!tcp_differs(f, t))
			continue;
		add_ip_step(p, STEP_NS_TCP, t->name, NULL, NULL, NULL, 0, 0);
		p->steps[p->n - 1].ns = t;
		p->steps[p->n - 1].old_ns = f;
	}
}

/* Set a netstack's TCP settings from c (NULL: the defaults); the settings
 * the configuration does not hold keep their running values. */
static int ns_tcp_set(struct vmk_host *host, const char *name,
		      const struct vmk_config_netstack *c)
{
	struct vmk_tcp_params tp;
	int ret = vmk_tcp_get_params(host, name, &tp);

	if (ret < 0)
		return ret;
	snprintf(tp.cc, sizeof(tp.cc), "%.*s", (int)sizeof(c->tcp_cc) - 1,
		 c != NULL && c->tcp_cc[0] ? c->tcp_cc : VMK_CONFIG_TCP_CC_DEFAULT);
	tp.rto_min_us = 1000u * (c != NULL && c->tcp_rto_min_ms ? c->tcp_rto_min_ms :
				 VMK_CONFIG_TCP_RTO_MIN_DEFAULT);
	return vmk_tcp_set_params(host, name, &tp);
}

/* Make the adapter's tags exactly `want` (tag calls are idempotent);
 * removals first, so faultToleranceLogging can move between adapters. */
static int tags_set(struct vmk_host *host, const char *name, uint32_t want)
{
	int ret = 0;

	for (unsigned int t = 0; ret == 0 && t < VMK_TAG_MAX; t++)
		if (!(want & (1u << t)))
			ret = vmk_vmknic_tag_remove(host, name, (enum vmk_service_tag)t);
	for (unsigned int t = 0; ret == 0 && t < VMK_TAG_MAX; t++)
		if (want & (1u << t))
			ret = vmk_vmknic_tag_add(host, name, (enum vmk_service_tag)t);
	return ret;
}

/*
 * Give the adapter c's IPv4 settings: a DHCP client that runs and is not
 * wanted as it is goes first (with a DHCPRELEASE, as ESXi does when an
 * interface is set static), then the static address or a new client.
 */
static int nic_ipv4_set(struct vmk_host *host, const struct vmk_config_vmknic *c)
{
	struct vmk_dhcp_info di;
	bool running = vmk_dhcp_get(host, c->name, &di) == 0;

	if (running && (!c->dhcp || di.peer_dns != c->peer_dns)) {
		vmk_dhcp_stop(host, c->name, true);
		running = false;
	}
	if (c->dhcp)
		return running ? 0 : vmk_dhcp_start(host, c->name, c->peer_dns);
	return vmk_vmknic_set_ipv4(host, c->name, c->ipv4, c->netmask);
}

static int nic_add(struct vmk_host *host, const struct vmk_config_vmknic *c)
{
	struct vmk_vmknic_params np;
	char name[VMK_NAME_MAX];
	int ret;

	vmk_vmknic_params_init(&np);
	np.name = c->name;
	np.vswitch = vmk_vswitch_find(host, c->vswitch);
	np.portgroup = c->portgroup;
	np.netstack = c->netstack;
	np.mac = mac_zero(c->mac) ? NULL : c->mac;
	np.mtu = c->mtu;
	np.enabled = c->enabled;
	np.ipv4 = c->ipv4;
	np.netmask = c->netmask;
	np.gateway = c->gateway;
	if (np.vswitch == NULL)
		return -ENOENT;
	ret = vmk_vmknic_add(host, &np, name);
	if (ret == 0 && c->dhcp) {
		ret = vmk_dhcp_start(host, c->name, c->peer_dns);
		if (ret < 0)
			vmk_vmknic_remove(host, c->name);
	}
	if (ret == 0 && c->tags != 0) {
		ret = tags_set(host, c->name, c->tags);
		if (ret < 0)
			vmk_vmknic_remove(host, c->name);
	}
	return ret;
}

static int ip_step_run(struct vmk_host *host, const struct step *s, enum step_kind k, bool undo)
{
	uint32_t v = undo ? s->old : s->val;
	const struct vmk_config_vmknic *n = undo && s->old_nic != NULL ? s->old_nic : s->nic;

	switch (k) {
	case STEP_NS_ADD:
		return vmk_netstack_add(host, s->name);
	case STEP_NS_REMOVE:
		return vmk_netstack_remove(host, s->name);
	case STEP_ROUTE_ADD:
		return vmk_route_add(host, s->name, s->route->network, s->route->prefix_len,
				     s->route->gateway);
	case STEP_ROUTE_REMOVE:
		return vmk_route_remove(host, s->name, s->route->network, s->route->prefix_len);
	case STEP_DEFAULT_GW:
		return vmk_route_set_default(host, s->name, v);
	case STEP_NS_TCP:
		return ns_tcp_set(host, s->name, undo ? s->old_ns : s->ns);
	case STEP_NIC_ADD:
		return nic_add(host, s->nic);
	case STEP_NIC_REMOVE:
		return vmk_vmknic_remove(host, s->nic->name);
	case STEP_NIC_IPV4:
		return nic_ipv4_set(host, n);
	case STEP_NIC_GATEWAY:
		return vmk_vmknic_set_gateway(host, n->name, v);
	case STEP_NIC_MTU:
		return vmk_vmknic_set_mtu(host, n->name, v);
	case STEP_NIC_ENABLED:
		return vmk_vmknic_set_enabled(host, n->name, v != 0);
	case STEP_NIC_TAGS: {
		int ret = tags_set(host, n->name, v);

		if (ret < 0 && !undo)   /* leave the tags as they were */
			tags_set(host, n->name, s->old);
		return ret;
	}
	default:
		return -EINVAL;
	}
}

/* Run one step forward (undo = false) or its inverse. */
static int step_run(struct vmk_host *host, const struct step *s, bool undo)
{
	struct vmk_vswitch *vs = s->vs != NULL ? vmk_vswitch_find(host, s->vs->name) : NULL;
	uint32_t v = undo ? s->old : s->val;
	enum step_kind k = s->kind;

	if (undo) {
		static const enum step_kind inverse[] = {
			[STEP_VS_ADD] = STEP_VS_REMOVE, [STEP_VS_REMOVE] = STEP_VS_ADD,
			[STEP_PG_ADD] = STEP_PG_REMOVE, [STEP_PG_REMOVE] = STEP_PG_ADD,
			[STEP_UPLINK_ADD] = STEP_UPLINK_REMOVE,
			[STEP_UPLINK_REMOVE] = STEP_UPLINK_ADD,
			[STEP_PG_VLAN] = STEP_PG_VLAN, [STEP_VS_MTU] = STEP_VS_MTU,
			[STEP_VS_AGING] = STEP_VS_AGING, [STEP_VS_CAPACITY] = STEP_VS_CAPACITY,
			[STEP_VS_POLICY] = STEP_VS_POLICY, [STEP_PG_POLICY] = STEP_PG_POLICY,
			[STEP_GUEST_ADD] = STEP_GUEST_REMOVE,
			[STEP_GUEST_REMOVE] = STEP_GUEST_ADD,
			[STEP_NS_ADD] = STEP_NS_REMOVE, [STEP_NS_REMOVE] = STEP_NS_ADD,
			[STEP_ROUTE_ADD] = STEP_ROUTE_REMOVE,
			[STEP_ROUTE_REMOVE] = STEP_ROUTE_ADD,
			[STEP_DEFAULT_GW] = STEP_DEFAULT_GW, [STEP_NS_TCP] = STEP_NS_TCP,
			[STEP_NIC_ADD] = STEP_NIC_REMOVE, [STEP_NIC_REMOVE] = STEP_NIC_ADD,
			[STEP_NIC_IPV4] = STEP_NIC_IPV4, [STEP_NIC_GATEWAY] = STEP_NIC_GATEWAY,
			[STEP_NIC_MTU] = STEP_NIC_MTU, [STEP_NIC_ENABLED] = STEP_NIC_ENABLED,
			[STEP_NIC_TAGS] = STEP_NIC_TAGS, [STEP_FIREWALL] = STEP_FIREWALL,
			[STEP_NIOC] = STEP_NIOC,
		};
		k = inverse[k];
		if (k == STEP_PG_ADD)
			v = s->val;  /* re-adding a removed group: its own VLAN */
	}
	if (k == STEP_FIREWALL)
		return vmk_firewall_apply(host, undo ? s->old_fw : s->fw);
	if (k == STEP_NIOC)
		return cfg_nioc_apply(host, undo ? s->old_cfg : s->cfg);
	if (k >= STEP_NS_ADD)
		return ip_step_run(host, s, k, undo);
	if (k == STEP_VS_ADD)
		return vs_add(host, s->vs);
	if (k == STEP_VS_REMOVE)
		return vmk_vswitch_remove(host, s->vs->name);
	if (vs == NULL)
		return -ENOENT;
	switch (k) {
	case STEP_PG_ADD:
		return vmk_portgroup_add(vs, s->name, (uint16_t)v);
	case STEP_PG_REMOVE:
		return vmk_portgroup_remove(vs, s->name);
	case STEP_PG_VLAN:
		return vmk_portgroup_set_vlan(vs, s->name, (uint16_t)v);
	case STEP_UPLINK_ADD:
		return uplink_add(vs, s->name, s->ethdev);
	case STEP_UPLINK_REMOVE:
	case STEP_GUEST_REMOVE:
		return port_remove_named(vs, s->name);
	case STEP_GUEST_ADD:
		return guest_add(vs, s->guest);
	case STEP_VS_MTU:
		return vmk_vswitch_set_mtu(vs, v);
	case STEP_VS_AGING:
		return vmk_vswitch_set_fdb_aging(vs, v);
	case STEP_VS_CAPACITY:
		return vmk_vswitch_set_fdb_capacity(vs, v);
	case STEP_VS_POLICY:
		if (undo)
			return s->old_vs != NULL ? vs_policy_apply(vs, s->old_vs) : 0;
		return vs_policy_apply(vs, s->vs);
	case STEP_PG_POLICY:
		if (undo) {
			/* A group that was new is removed by the next undo; one
			 * that had no override goes back to inheriting. */
			if (s->old_vs == NULL || pg_in(s->old_vs, s->name) == NULL)
				return 0;
			return s->old_pg != NULL ? pg_policy_apply(vs, s->old_pg) : 0;
		}
		return pg_policy_apply(vs, s->new_pg);
	default:
		return -EINVAL;
	}
}

static void step_describe(const struct step *s, char *buf, size_t size)
{
	static const char *const what[] = {
		[STEP_VS_ADD] = "add vSwitch", [STEP_VS_REMOVE] = "remove vSwitch",
		[STEP_PG_ADD] = "add port group", [STEP_PG_REMOVE] = "remove port group",
		[STEP_PG_VLAN] = "set the VLAN of port group",
		[STEP_UPLINK_ADD] = "add uplink", [STEP_UPLINK_REMOVE] = "remove uplink",
		[STEP_VS_MTU] = "set the MTU of", [STEP_VS_AGING] = "set the MAC aging time of",
		[STEP_VS_CAPACITY] = "resize the MAC table of",
		[STEP_VS_POLICY] = "set the policies of",
		[STEP_PG_POLICY] = "set the policies of port group",
		[STEP_GUEST_ADD] = "add guest port", [STEP_GUEST_REMOVE] = "remove guest port",
		[STEP_NS_ADD] = "add netstack", [STEP_NS_REMOVE] = "remove netstack",
		[STEP_ROUTE_ADD] = "add a route of netstack",
		[STEP_ROUTE_REMOVE] = "remove a route of netstack",
		[STEP_DEFAULT_GW] = "set the default gateway of netstack",
		[STEP_NS_TCP] = "set the TCP settings of netstack",
		[STEP_NIC_ADD] = "add vmknic", [STEP_NIC_REMOVE] = "remove vmknic",
		[STEP_NIC_IPV4] = "set the IPv4 address of",
		[STEP_NIC_GATEWAY] = "set the gateway of", [STEP_NIC_MTU] = "set the MTU of",
		[STEP_NIC_ENABLED] = "enable or disable", [STEP_NIC_TAGS] = "set the tags of",
		[STEP_FIREWALL] = "apply the firewall",
		[STEP_NIOC] = "apply the traffic marking and NIOC settings",
	};

	if (s->kind == STEP_FIREWALL || s->kind == STEP_NIOC)
		snprintf(buf, size, "%s", what[s->kind]);
	else if (s->kind >= STEP_NS_ADD)
		snprintf(buf, size, "%s %s", what[s->kind], s->nic != NULL ? s->nic->name :
			 s->name);
	else if (s->name != NULL)
		snprintf(buf, size, "%s %s on %s", what[s->kind], s->name, s->vs->name);
	else
		snprintf(buf, size, "%s %s", what[s->kind], s->vs->name);
}

static const char *guest_hint(const struct vmk_config_guest_port *g, int ret)
{
	if (ret == -ENOENT && g->server)
		return "the socket's directory does not exist";
	if (ret == -ENOTSOCK)
		return "a file that is not a socket is at that path: remove it or choose "
		       "another path";
	if (ret == -EADDRINUSE)
		return "another program listens on that socket";
	if (ret == -EEXIST)
		return "a port of that name is on the vSwitch outside the configuration";
	if (ret == -ENOSPC)
		return "no free port on the vSwitch";
	if (g->server)
		return "cannot listen on the socket: see vmknetd's log";
	return "the vhost-user socket cannot be set up: see vmknetd's log";
}

static const char *step_hint(const struct step *s, int ret)
{
	if (s->kind == STEP_PG_REMOVE && ret == -EBUSY)
		return " (ports still use it)";
	if (s->kind == STEP_VS_REMOVE && ret == -EBUSY)
		return " (it still has ports)";
	if (s->kind == STEP_UPLINK_ADD && ret == -EBUSY)
		return " (the NIC is in use elsewhere)";
	if (s->kind == STEP_GUEST_ADD)
		return guest_hint(s->guest, ret);
	return vmk_err_text();   /* the layer's reason, "" if it gave none */
}

static int plan_run(struct vmk_host *host, const struct plan *p)
{
	for (unsigned int i = 0; i < p->n; i++) {
		char what[128], hint[VMK_ERR_TEXT_MAX];
		struct vmk_err_saved why;
		int ret = step_run(host, &p->steps[i], false);

		if (ret == 0)
			continue;
		step_describe(&p->steps[i], what, sizeof(what));
		/* A copy: the layer's reason is the buffer vmk_err_set writes. */
		snprintf(hint, sizeof(hint), "%s", step_hint(&p->steps[i], ret));
		vmk_err_set("cannot %s: %s%s%s%s; nothing was changed", what,
			    strerror(-ret), hint[0] && hint[0] != ' ' ? " (" : "", hint,
			    hint[0] && hint[0] != ' ' ? ")" : "");
		vmk_err_save(&why);   /* the undo below runs public calls, which clear it */
		while (i-- > 0) {
			int r = step_run(host, &p->steps[i], true);

			if (r < 0) {
				step_describe(&p->steps[i], what, sizeof(what));
				VMK_LOG(ERR, host, "config: undo of \"%s\" failed: %s", what,
					strerror(-r));
				vmk_err_set("cannot %s: %s; undoing the change "
					    "failed too: the running state is partly changed",
					    what, strerror(-ret));
				vmk_err_save(&why);
			}
		}
		return vmk_err_restore(ret, &why);
	}
	return 0;
}

static unsigned int max_steps(const struct vmk_config *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->n_vswitches; i++)
		n += 5 + 2 * c->vswitches[i].n_portgroups + c->vswitches[i].n_uplinks;
	for (unsigned int i = 0; i < c->n_netstacks; i++)
		n += 4 + 2 * c->netstacks[i].n_routes;
	return n + 8 * c->n_vmknics + 2 * c->n_guest_ports + 2;   /* + firewall, NIOC */
}

/*
 * The firewall last: it rebuilds its lookup off the data path and swaps it
 * in, so it fails (out of memory) before it changes anything, and a failure
 * undoes the steps before it; nothing after it can fail and leave it
 * applied alone.
 */
static void plan_firewall(struct plan *p, const struct vmk_config *from,
			  const struct vmk_config *to)
{
	struct step *s;

	if (memcmp(&from->firewall, &to->firewall, sizeof(to->firewall)) == 0)
		return;
	s = &p->steps[p->n++];
	memset(s, 0, sizeof(*s));
	s->kind = STEP_FIREWALL;
	s->fw = &to->firewall;
	s->old_fw = &from->firewall;
}

/*
 * NIOC after the uplinks (their speeds) and before the firewall (which
 * must come last). The step sets only what differs from what runs, so it
 * is always planned: a new uplink gets its NIC's speed.
 */
static void plan_nioc(struct plan *p, const struct vmk_config *from,
		      const struct vmk_config *to)
{
	struct step *s = &p->steps[p->n++];

	memset(s, 0, sizeof(*s));
	s->kind = STEP_NIOC;
	s->cfg = to;
	s->old_cfg = from;
}

static int config_apply(struct vmk_host *host, const struct vmk_config *from,
			const struct vmk_config *to, const struct vmk_config_nic *nics,
			unsigned int n_nics)
{
	struct plan p = { .nics = nics, .n_nics = nics != NULL ? n_nics : 0 };
	int ret;

	if (host == NULL || from == NULL || to == NULL)
		return vmk_err(-EINVAL, "no host or configuration");
	ret = cfg_validate(from);
	if (ret < 0)
		return vmk_err_prefix(ret, "running configuration");
	ret = cfg_validate(to);
	if (ret == 0)
		ret = check_transition(&p, from, to);
	if (ret < 0)
		return ret;
	p.max = max_steps(from) + max_steps(to);
	p.steps = calloc(p.max ? p.max : 1, sizeof(*p.steps));
	if (p.steps == NULL)
		return vmk_err(-ENOMEM, "out of memory");
	ret = plan_ip_check(from, to);
	if (ret < 0) {
		free(p.steps);
		return ret;
	}
	plan_guest_removals(&p, from, to);
	plan_ip_removals(&p, from, to);
	plan_removals(&p, from, to);
	plan_ns_removals(&p, from, to);
	plan_nic_changes(&p, from, to, true);
	plan_changes(&p, from, to);
	plan_nic_changes(&p, from, to, false);
	plan_ns_additions(&p, from, to);
	plan_ns_tcp(&p, from, to);
	plan_additions(&p, from, to);
	plan_ip_additions(&p, from, to);
	plan_guest_additions(&p, from, to);
	plan_policies(&p, from, to);
	plan_nioc(&p, from, to);
	plan_firewall(&p, from, to);
	ret = plan_run(host, &p);
	free(p.steps);
	return ret;
}

int vmk_config_apply(struct vmk_host *host, const struct vmk_config *from,
		     const struct vmk_config *to, const struct vmk_config_nic *nics,
		     unsigned int n_nics, char *err, size_t err_size)
{
	vmk_err_clear();
	return cfg_err_out(config_apply(host, from, to, nics, n_nics), err, err_size);
}
