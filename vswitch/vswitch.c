/*
 * vSwitch objects and port groups (control plane), and the build of the
 * immutable view the workers switch with.
 *
 * Threading: every public function takes the datapath lock (dp->lock). A change that
 * affects forwarding builds a new view and publishes it (vs_view_publish);
 * the data path never sees a half-updated switch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_malloc.h>

#include <vmknet/fdb.h>
#include <vmknet/port.h>
#include <vmknet/vswitch.h>

#include "common/clock.h"
#include "common/error.h"
#include "vswitch/dp.h"
#include "common/log.h"
#include "vswitch/vswitch.h"

#define VS_DEFAULT_MTU      1500
#define VS_DEFAULT_PORTS    512
#define VS_DEFAULT_FDB      65536
#define VS_DEFAULT_AGING    300
#define VS_AGING_MAX        1000000

static bool name_ok(const char *name)
{
	return name != NULL && name[0] != '\0' && strlen(name) < VMK_NAME_MAX;
}

void vmk_vswitch_params_init(struct vmk_vswitch_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mtu = VS_DEFAULT_MTU;
	p->n_ports = VS_DEFAULT_PORTS;
	p->fdb_capacity = VS_DEFAULT_FDB;
	p->fdb_aging_sec = VS_DEFAULT_AGING;
}

/* ---- views ---------------------------------------------------------- */

void vs_view_free(struct vs_view *v)
{
	if (v == NULL)
		return;
	for (unsigned int i = 0; i < VS_N_VLANS; i++) {
		free(v->flood[i]);
		free(v->promisc[i]);
	}
	free(v->flood_default);
	free(v);
}

/* Promiscuous ports that receive VLAN vlan's frames. NULL when none (or on
 * allocation failure, reported through *nomem). */
static struct flood_set *promisc_set_build(const struct vs_view *v, unsigned int vlan,
					   bool *nomem)
{
	struct flood_set *fs = NULL;

	for (uint32_t s = 0; s < v->n_slots; s++) {
		const struct vs_view_port *vp = &v->port[s];

		if (vp->port == NULL || !(vp->sec & VP_PROMISC) ||
		    !(vp->vlan == VMK_VLAN_TRUNK || vp->vlan == vlan))
			continue;
		if (fs == NULL) {
			fs = malloc(sizeof(*fs) + v->n_slots * sizeof(uint16_t));
			if (fs == NULL) {
				*nomem = true;
				return NULL;
			}
			fs->n = 0;
		}
		fs->slot[fs->n++] = (uint16_t)s;
	}
	return fs;
}

/* The per-slot policy fields of a non-uplink port. */
static void view_port_policy(const struct vmk_vswitch *vs, const struct vs_port *p,
			     const struct portgroup *pg, struct vs_view_port *vp)
	VMK_REQUIRES(vs->dp->lock)
{
	struct vmk_security_policy sec;
	struct vmk_shaping_policy shp;
	struct vmk_teaming_policy team;
	const uint8_t *mac = p->has_eff_mac ? p->eff_mac : p->has_mac ? p->mac : NULL;

	vs_pg_security(vs, pg, &sec);
	vs_pg_shaping(vs, pg, &shp);
	vs_pg_teaming(vs, pg, &team);
	vs_team_build(vs, &team, &vp->team);
	vs_shaping_profile(&shp, &vp->shaping);
	if (sec.allow_promiscuous)
		vp->sec |= VP_PROMISC;
	if (mac != NULL) {
		vp->mac = fdb_key(0, mac) & 0xffffffffffffull;
		if (!sec.allow_forged_transmits)
			vp->sec |= VP_FORGED_REJECT;
	}
	if (!sec.allow_mac_changes && p->has_mac && p->has_eff_mac &&
	    memcmp(p->mac, p->eff_mac, 6) != 0)
		vp->sec |= VP_MAC_BLOCKED;
}

static struct flood_set *flood_set_build(const struct vs_view *v, int vlan)
{
	struct flood_set *fs = malloc(sizeof(*fs) + v->n_slots * sizeof(uint16_t));

	if (fs == NULL)
		return NULL;
	fs->n = 0;
	for (uint32_t s = 0; s < v->n_slots; s++) {
		const struct vs_view_port *vp = &v->port[s];

		if (vp->port == NULL)
			continue;
#ifdef VMK_MUTANT_VLAN_ISOLATION   /* mutant: VLAN isolation: a VLAN floods to every VLAN's ports */
		if (vp->uplink || vp->vlan == VMK_VLAN_TRUNK || vlan >= 0)
#else
		if (vp->uplink || vp->vlan == VMK_VLAN_TRUNK || (vlan >= 0 && vp->vlan == vlan))
#endif
			fs->slot[fs->n++] = (uint16_t)s;
	}
	return fs;
}

int vs_view_publish(struct vmk_vswitch *vs)
{
	struct vs_view *v, *old;
	bool vlan_used[VS_N_VLANS] = { false };

	v = calloc(1, sizeof(*v) + vs->n_slots * sizeof(struct vs_view_port));
	if (v == NULL)
		return vmk_err(-ENOMEM, "vSwitch %s: out of memory for its forwarding view",
			       vs->name);
	v->max_frame = vs->mtu + RTE_ETHER_HDR_LEN;
	v->n_slots = vs->n_slots;
	for (uint32_t s = 0; s < vs->n_slots; s++) {
		struct vs_port *p = vs->ports[s];
		struct portgroup *pg;

		if (p == NULL)
			continue;
		v->port[s].port = p;
		v->port[s].uplink = p->uplink;
		v->port[s].vlan = VMK_VLAN_TRUNK;
		if (!p->uplink) {
			pg = vs_portgroup_find(vs, p->portgroup);
			v->port[s].vlan = pg != NULL ? pg->vlan : 0;
			vlan_used[v->port[s].vlan] = true;
			view_port_policy(vs, p, pg, &v->port[s]);
		}
	}
	v->flood_default = flood_set_build(v, -1);
	if (v->flood_default == NULL)
		goto nomem;
	bool any_promisc = false, promisc_trunk = false;

	for (uint32_t s = 0; s < v->n_slots; s++) {
		if (v->port[s].sec & VP_PROMISC) {
			any_promisc = true;
			promisc_trunk |= v->port[s].vlan == VMK_VLAN_TRUNK;
		}
	}
	for (unsigned int vl = 0; vl < VMK_VLAN_TRUNK; vl++) {
		bool nomem = false;

		if (any_promisc && (vlan_used[vl] || promisc_trunk))
			v->promisc[vl] = promisc_set_build(v, vl, &nomem);
		if (nomem)
			goto nomem;
		if (!vlan_used[vl])
			continue;
		v->flood[vl] = flood_set_build(v, (int)vl);
		if (v->flood[vl] == NULL)
			goto nomem;
	}
	old = __atomic_exchange_n(&vs->view, v, __ATOMIC_ACQ_REL);
	dp_rcu_synchronize(vs->dp);
	vs_view_free(old);
	return 0;
nomem:
	vs_view_free(v);
	return vmk_err(-ENOMEM, "vSwitch %s: out of memory for its forwarding view", vs->name);
}

/* ---- vSwitches ------------------------------------------------------ */

static struct vmk_vswitch *find_locked(struct vs_dp *dp, const char *name)
{
	for (unsigned int i = 0; i < VMK_MAX_VSWITCHES; i++)
		if (dp->vswitches[i] != NULL && strcmp(dp->vswitches[i]->name, name) == 0)
			return dp->vswitches[i];
	return NULL;
}

static int params_check(const struct vmk_vswitch_params *p)
{
	if (!name_ok(p->name))
		return vmk_err(-EINVAL, "vSwitch name must be 1..%d characters", VMK_NAME_MAX - 1);
	if (p->mtu < VMK_VSWITCH_MTU_MIN || p->mtu > VMK_VSWITCH_MTU_MAX)
		return vmk_err(-EINVAL, "vSwitch %s: MTU %u is outside %d..%d", p->name, p->mtu,
			       VMK_VSWITCH_MTU_MIN, VMK_VSWITCH_MTU_MAX);
	if (p->n_ports < 8 || p->n_ports > VMK_VSWITCH_MAX_PORTS)
		return vmk_err(-EINVAL, "vSwitch %s: %u ports is outside 8..%d", p->name,
			       p->n_ports, VMK_VSWITCH_MAX_PORTS);
	if (p->fdb_capacity < 16 || p->fdb_capacity > VMK_FDB_CAPACITY_MAX)
		return vmk_err(-EINVAL, "vSwitch %s: MAC table capacity %u is outside 16..%u",
			       p->name, p->fdb_capacity, VMK_FDB_CAPACITY_MAX);
	if (p->fdb_aging_sec < 1 || p->fdb_aging_sec > VS_AGING_MAX)
		return vmk_err(-EINVAL, "vSwitch %s: MAC aging %u s is outside 1..%d", p->name,
			       p->fdb_aging_sec, VS_AGING_MAX);
	return 0;
}

static void vswitch_free(struct vmk_vswitch *vs)
{
	if (vs == NULL)
		return;
	if (vs->txb != NULL) {
		for (unsigned int w = 0; w < vs->dp->max_workers; w++) {
			free(vs->txb[w].dirty);
			rte_free(vs->txb[w].buf);
		}
		free(vs->txb);
	}
	vs_view_free(vs->view);
	fdb_destroy(vs->fdb);
	free(vs->ports);
	rte_free(vs);
}

static int vswitch_alloc(struct vs_dp *dp, const struct vmk_vswitch_params *p,
			 struct vmk_vswitch **out)
{
	struct vmk_vswitch *vs = rte_zmalloc("vmk_vswitch", sizeof(*vs), RTE_CACHE_LINE_SIZE);
	int ret;

	if (vs == NULL)
		return vmk_err(-ENOMEM, "vSwitch %s: out of memory", p->name);
	vs->dp = dp;
	snprintf(vs->name, sizeof(vs->name), "%s", p->name);
	vs->mtu = p->mtu;
	vs->n_slots = p->n_ports;
	vs->aging_sec = p->fdb_aging_sec;
	/* ESXi standard vSwitch defaults. */
	vs->sec.allow_promiscuous = false;
	vs->sec.allow_mac_changes = true;
	vs->sec.allow_forged_transmits = true;
	vs->teaming.load_balancing = VMK_LB_PORT_ID;
	vs->teaming.notify_switches = true;
	vs->teaming.failback = true;
	vs->beacon_interval_sec = VMK_BEACON_INTERVAL_DEFAULT;
	vs->beacon_threshold = VMK_BEACON_THRESHOLD_DEFAULT;
	vs->ports = calloc(vs->n_slots, sizeof(*vs->ports));
	vs->txb = calloc(dp->max_workers, sizeof(*vs->txb));
	if (vs->ports == NULL || vs->txb == NULL)
		goto nomem;
	for (unsigned int w = 0; w < dp->max_workers; w++) {
		vs->txb[w].dirty = calloc(vs->n_slots, sizeof(uint16_t));
		vs->txb[w].buf = rte_zmalloc_socket("vmk_txbuf",
						    vs->n_slots * sizeof(struct vs_txbuf),
						    RTE_CACHE_LINE_SIZE, dp->socket_id);
		if (vs->txb[w].dirty == NULL || vs->txb[w].buf == NULL)
			goto nomem;
	}
	ret = fdb_create(p->fdb_capacity, p->fdb_aging_sec * 1000u, dp->socket_id, &vs->fdb);
	if (ret < 0) {
		vmk_err(ret, "vSwitch %s: no MAC table of %u entries: %s", p->name,
			p->fdb_capacity, strerror(-ret));
		goto fail;
	}
	*out = vs;
	return 0;
nomem:
	ret = vmk_err(-ENOMEM, "vSwitch %s: out of memory", p->name);
fail:
	vswitch_free(vs);
	return ret;
}

int dp_vswitch_add(struct vs_dp *dp, const struct vmk_vswitch_params *params,
		    struct vmk_vswitch **out)
{
	struct vmk_vswitch *vs = NULL;
	int slot = -1, ret;

	vmk_err_clear();
	if (dp == NULL || params == NULL)
		return vmk_err(-EINVAL, "no host or no vSwitch parameters");
	ret = params_check(params);
	if (ret < 0)
		return ret;
	vmk_mutex_lock(&dp->lock);
	if (find_locked(dp, params->name) != NULL) {
		ret = vmk_err(-EEXIST, "vSwitch %s already exists", params->name);
		goto unlock;
	}
	for (unsigned int i = 0; i < VMK_MAX_VSWITCHES && slot < 0; i++)
		if (dp->vswitches[i] == NULL)
			slot = (int)i;
	if (slot < 0) {
		ret = vmk_err(-ENOSPC, "at most %d vSwitches per host", VMK_MAX_VSWITCHES);
		goto unlock;
	}
	ret = vswitch_alloc(dp, params, &vs);
	if (ret < 0)
		goto unlock;
	vs->index = (unsigned int)slot;
	vs_dp_held(vs);
	ret = vs_view_publish(vs);
	if (ret < 0) {
		vswitch_free(vs);
		goto unlock;
	}
	__atomic_store_n(&dp->vswitches[slot], vs, __ATOMIC_RELEASE);
	VMK_LOG(INFO, vswitch, "%s added: mtu %u, %u ports, fdb %u entries, aging %u s",
		vs->name, vs->mtu, vs->n_slots, params->fdb_capacity, vs->aging_sec);
	if (out != NULL)
		*out = vs;
unlock:
	vmk_mutex_unlock(&dp->lock);
	return ret;
}

int dp_vswitch_remove(struct vs_dp *dp, const char *name)
{
	struct vmk_vswitch *vs;
	int ret = 0;

	vmk_err_clear();
	if (dp == NULL || name == NULL)
		return vmk_err(-EINVAL, "no host or no vSwitch name");
	vmk_mutex_lock(&dp->lock);
	vs = find_locked(dp, name);
	if (vs == NULL) {
		ret = vmk_err(-ENOENT, "no vSwitch %s", name);
	} else if (vs->n_ports > 0) {
		ret = vmk_err(-EBUSY, "vSwitch %s still has %u ports", name, vs->n_ports);
	} else {
		__atomic_store_n(&dp->vswitches[vs->index], NULL, __ATOMIC_RELEASE);
		dp_rcu_synchronize(dp);
		VMK_LOG(INFO, vswitch, "%s removed", vs->name);
		vswitch_free(vs);
	}
	vmk_mutex_unlock(&dp->lock);
	return ret;
}

struct vmk_vswitch *dp_vswitch_find(struct vs_dp *dp, const char *name)
{
	struct vmk_vswitch *vs;

	vmk_err_clear();
	if (dp == NULL || name == NULL) {
		vmk_err_set("no host or no vSwitch name");
		return NULL;
	}
	vmk_mutex_lock(&dp->lock);
	vs = find_locked(dp, name);
	vmk_mutex_unlock(&dp->lock);
	if (vs == NULL)
		vmk_err_set("no vSwitch %s", name);
	return vs;
}

unsigned int dp_vswitch_list(struct vs_dp *dp, const char **names, unsigned int max)
{
	unsigned int n = 0;

	if (dp == NULL)
		return 0;
	vmk_mutex_lock(&dp->lock);
	for (unsigned int i = 0; i < VMK_MAX_VSWITCHES; i++) {
		if (dp->vswitches[i] == NULL)
			continue;
		if (names != NULL && n < max)
			names[n] = dp->vswitches[i]->name;
		n++;
	}
	vmk_mutex_unlock(&dp->lock);
	return n;
}

int vmk_vswitch_get_info(struct vmk_vswitch *vs, struct vmk_vswitch_info *out)
{
	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for its information");
	vmk_mutex_lock(&vs->dp->lock);
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", vs->name);
	out->mtu = vs->mtu;
	out->n_ports = vs->n_slots;
	out->n_ports_used = vs->n_ports;
	for (uint32_t s = 0; s < vs->n_slots; s++)
		out->n_uplinks += vs->ports[s] != NULL && vs->ports[s]->uplink;
	for (unsigned int i = 0; i < VS_MAX_PORTGROUPS; i++)
		out->n_portgroups += vs->pgs[i].used;
	out->fdb_capacity = vs->fdb->capacity;
	out->fdb_aging_sec = vs->aging_sec;
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}

int vmk_vswitch_set_mtu(struct vmk_vswitch *vs, uint32_t mtu)
{
	uint32_t old;
	int ret;

	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch");
	if (mtu < VMK_VSWITCH_MTU_MIN || mtu > VMK_VSWITCH_MTU_MAX)
		return vmk_err(-EINVAL, "vSwitch %s: MTU %u is outside %d..%d", vs->name, mtu,
			       VMK_VSWITCH_MTU_MIN, VMK_VSWITCH_MTU_MAX);
	vmk_mutex_lock(&vs->dp->lock);
	old = vs->mtu;
	ret = vs_ports_set_mtu(vs, mtu);
	if (ret == 0) {
		vs->mtu = mtu;
		ret = vs_view_publish(vs);
		if (ret < 0) {
			vs->mtu = old;
			vs_ports_set_mtu(vs, old);
		}
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_vswitch_set_fdb_aging(struct vmk_vswitch *vs, uint32_t seconds)
{
	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch");
	if (seconds < 1 || seconds > VS_AGING_MAX)
		return vmk_err(-EINVAL, "vSwitch %s: MAC aging %u s is outside 1..%d", vs->name,
			       seconds, VS_AGING_MAX);
	vmk_mutex_lock(&vs->dp->lock);
	vs->aging_sec = seconds;
	__atomic_store_n(&vs->fdb->aging_ms, seconds * 1000u, __ATOMIC_RELAXED);
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}

/* Copy the registered entries of one table into another (control thread).
 * Returns 0 or -ENOSPC when they do not fit. */
static int copy_static(const struct fdb *from, struct fdb *to, uint32_t now)
{
	for (uint32_t b = 0; b <= from->mask; b++) {
		for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++) {
			const struct fdb_entry *e = &from->buckets[b].e[i];
			uint64_t key = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
			uint64_t val = __atomic_load_n(&e->val, __ATOMIC_RELAXED);

			if (key != 0 && (fdb_val_flags(val) & FDB_F_STATIC) &&
			    fdb_add_static(to, key, fdb_val_port(val), now) < 0)
				return -ENOSPC;
		}
	}
	return 0;
}

int vmk_vswitch_set_fdb_capacity(struct vmk_vswitch *vs, uint32_t capacity)
{
	struct fdb *nf, *old;
	int ret;

	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch");
	vmk_mutex_lock(&vs->dp->lock);
	ret = fdb_create(capacity, vs->aging_sec * 1000u, vs->dp->socket_id, &nf);
	if (ret < 0) {
		if (ret == -EINVAL)
			vmk_err(ret, "vSwitch %s: MAC table capacity %u is outside 16..%u",
				vs->name, capacity, VMK_FDB_CAPACITY_MAX);
		else
			vmk_err(ret, "vSwitch %s: no MAC table of %u entries: %s", vs->name,
				capacity, strerror(-ret));
		goto unlock;
	}
	ret = copy_static(vs->fdb, nf, vmk_clock_ms());
	if (ret < 0) {
		vmk_err(ret, "vSwitch %s: its registered MACs do not fit in %u entries",
			vs->name, capacity);
		fdb_destroy(nf);
		goto unlock;
	}
	old = __atomic_exchange_n(&vs->fdb, nf, __ATOMIC_ACQ_REL);
	dp_rcu_synchronize(vs->dp);
	fdb_destroy(old);
unlock:
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

/* ---- port groups ---------------------------------------------------- */

struct portgroup *vs_portgroup_find(struct vmk_vswitch *vs, const char *name)
{
	if (name == NULL)
		return NULL;
	for (unsigned int i = 0; i < VS_MAX_PORTGROUPS; i++)
		if (vs->pgs[i].used && strcmp(vs->pgs[i].name, name) == 0)
			return &vs->pgs[i];
	return NULL;
}

int vmk_portgroup_add(struct vmk_vswitch *vs, const char *name, uint16_t vlan_id)
{
	struct portgroup *pg = NULL;
	int ret = 0;

	vmk_err_clear();
	if (vs == NULL)
		return vmk_err(-EINVAL, "no vSwitch");
	if (!name_ok(name))
		return vmk_err(-EINVAL, "port group name must be 1..%d characters",
			       VMK_NAME_MAX - 1);
	if (vlan_id > VMK_VLAN_TRUNK)
		return vmk_err(-EINVAL, "port group %s: VLAN %u is outside 0..%d", name, vlan_id,
			       VMK_VLAN_TRUNK);
	vmk_mutex_lock(&vs->dp->lock);
	if (vs_portgroup_find(vs, name) != NULL) {
		ret = vmk_err(-EEXIST, "port group %s already exists on vSwitch %s", name,
			      vs->name);
		goto unlock;
	}
	for (unsigned int i = 0; i < VS_MAX_PORTGROUPS && pg == NULL; i++)
		if (!vs->pgs[i].used)
			pg = &vs->pgs[i];
	if (pg == NULL) {
		ret = vmk_err(-ENOSPC, "vSwitch %s has %d port groups already", vs->name,
			      VS_MAX_PORTGROUPS);
		goto unlock;
	}
	memset(pg, 0, sizeof(*pg));
	snprintf(pg->name, sizeof(pg->name), "%s", name);
	pg->vlan = vlan_id;
	pg->used = true;
	VMK_LOG(INFO, vswitch, "%s: port group \"%s\" added, VLAN %u", vs->name, name, vlan_id);
unlock:
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_portgroup_remove(struct vmk_vswitch *vs, const char *name)
{
	struct portgroup *pg;
	int ret = 0;

	vmk_err_clear();
	if (vs == NULL || name == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no port group name");
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg == NULL)
		ret = vmk_err(-ENOENT, "no port group %s on vSwitch %s", name, vs->name);
	else if (pg->n_ports > 0)
		ret = vmk_err(-EBUSY, "port group %s still has %u ports", name, pg->n_ports);
	else
		pg->used = false;
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_portgroup_set_vlan(struct vmk_vswitch *vs, const char *name, uint16_t vlan_id)
{
	struct portgroup *pg;
	uint16_t old;
	int ret = 0;

	vmk_err_clear();
	if (vs == NULL || name == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no port group name");
	if (vlan_id > VMK_VLAN_TRUNK)
		return vmk_err(-EINVAL, "port group %s: VLAN %u is outside 0..%d", name, vlan_id,
			       VMK_VLAN_TRUNK);
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg == NULL) {
		ret = vmk_err(-ENOENT, "no port group %s on vSwitch %s", name, vs->name);
		goto unlock;
	}
	old = pg->vlan;
	vs_pg_register_macs(vs, pg, false);
	pg->vlan = vlan_id;
	ret = vs_view_publish(vs);
	if (ret < 0)
		pg->vlan = old;
	vs_pg_register_macs(vs, pg, true);
unlock:
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

static void pg_info(const struct portgroup *pg, struct vmk_portgroup_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", pg->name);
	out->vlan_id = pg->vlan;
	out->n_ports = pg->n_ports;
}

int vmk_portgroup_get(struct vmk_vswitch *vs, const char *name, struct vmk_portgroup_info *out)
{
	struct portgroup *pg;

	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for the port group");
	vmk_mutex_lock(&vs->dp->lock);
	pg = vs_portgroup_find(vs, name);
	if (pg != NULL)
		pg_info(pg, out);
	vmk_mutex_unlock(&vs->dp->lock);
	return pg != NULL ? 0 : vmk_err(-ENOENT, "no port group %s on vSwitch %s",
					name != NULL ? name : "(null)", vs->name);
}

unsigned int vmk_portgroup_list(struct vmk_vswitch *vs, struct vmk_portgroup_info *out,
				unsigned int max)
{
	unsigned int n = 0;

	if (vs == NULL)
		return 0;
	vmk_mutex_lock(&vs->dp->lock);
	for (unsigned int i = 0; i < VS_MAX_PORTGROUPS; i++) {
		if (!vs->pgs[i].used)
			continue;
		if (out != NULL && n < max)
			pg_info(&vs->pgs[i], &out[n]);
		n++;
	}
	vmk_mutex_unlock(&vs->dp->lock);
	return n;
}
