/*
 * The public MAC-table API (include/vmknet/fdb.h) over the vSwitch's FDB.
 * Control plane: takes the datapath lock (dp->lock) so the table cannot be swapped (by a
 * capacity change) underneath.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>

#include <vmknet/fdb.h>

#include "common/clock.h"
#include "common/error.h"
#include "vswitch/dp.h"
#include "vswitch/vswitch.h"

static void entry_from(uint64_t key, uint64_t val, uint32_t now, struct vmk_fdb_entry *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->mac, &key, 6);
	e->vlan_id = (uint16_t)((key >> 48) & 0xfff);
	e->port_id = fdb_val_port(val);
	e->registered = (fdb_val_flags(val) & FDB_F_STATIC) != 0;
	e->age_sec = e->registered ? 0 : (uint32_t)(now - fdb_val_seen(val)) / 1000u;
	if ((int32_t)(now - fdb_val_seen(val)) < 0)
		e->age_sec = 0;
}

static bool key_args_ok(uint16_t vlan_id, const uint8_t mac[6])
{
	return mac != NULL && vlan_id < VMK_VLAN_TRUNK;
}

int vmk_fdb_register(struct vmk_vswitch *vs, uint16_t vlan_id, const uint8_t mac[6],
		     uint32_t port_id)
{
	int ret;

	vmk_err_clear();
	if (vs == NULL || !key_args_ok(vlan_id, mac))
		return vmk_err(-EINVAL, "MAC table: no vSwitch, no MAC or VLAN %u outside 0..%d",
			       vlan_id, VMK_VLAN_TRUNK - 1);
	if (!fdb_mac_is_unicast(mac))
		return vmk_err(-EINVAL, "MAC table: a registered MAC must be unicast and not zero");
	vmk_mutex_lock(&vs->dp->lock);
	if (vs_port_get(vs, port_id) == NULL)
		ret = vmk_err(-ENOENT, "vSwitch %s has no port %u", vs->name, port_id);
	else
		ret = fdb_add_static(vs->fdb, fdb_key(vlan_id, mac), (uint16_t)port_id,
				     vmk_clock_ms());
	if (ret == -EEXIST)
		vmk_err_set("vSwitch %s: that MAC is registered in VLAN %u to another port",
			    vs->name, vlan_id);
	else if (ret == -ENOSPC)
		vmk_err_set("vSwitch %s: MAC table full (%u entries)", vs->name,
			    vs->fdb->capacity);
	vmk_mutex_unlock(&vs->dp->lock);
	return ret;
}

int vmk_fdb_remove(struct vmk_vswitch *vs, uint16_t vlan_id, const uint8_t mac[6])
{
	int ret;

	vmk_err_clear();
	if (vs == NULL || !key_args_ok(vlan_id, mac))
		return vmk_err(-EINVAL, "MAC table: no vSwitch, no MAC or VLAN %u outside 0..%d",
			       vlan_id, VMK_VLAN_TRUNK - 1);
	vmk_mutex_lock(&vs->dp->lock);
	ret = fdb_remove(vs->fdb, fdb_key(vlan_id, mac));
	vmk_mutex_unlock(&vs->dp->lock);
	if (ret == -ENOENT)
		vmk_err_set("vSwitch %s: no such MAC in VLAN %u", vs->name, vlan_id);
	return ret;
}

int vmk_fdb_lookup(struct vmk_vswitch *vs, uint16_t vlan_id, const uint8_t mac[6],
		   struct vmk_fdb_entry *out)
{
	uint64_t key, val;
	bool found;

	vmk_err_clear();
	if (vs == NULL || out == NULL || !key_args_ok(vlan_id, mac))
		return vmk_err(-EINVAL, "MAC table: no vSwitch, no MAC or VLAN %u outside 0..%d",
			       vlan_id, VMK_VLAN_TRUNK - 1);
	key = fdb_key(vlan_id, mac);
	vmk_mutex_lock(&vs->dp->lock);
	found = fdb_lookup_h(vs->fdb, key, fdb_hash(vs->fdb, key), &val);
	vmk_mutex_unlock(&vs->dp->lock);
	if (!found)
		return vmk_err(-ENOENT, "vSwitch %s: no such MAC in VLAN %u", vs->name, vlan_id);
	entry_from(key, val, vmk_clock_ms(), out);
	return 0;
}

unsigned int vmk_fdb_flush(struct vmk_vswitch *vs)
{
	unsigned int n;

	if (vs == NULL)
		return 0;
	vmk_mutex_lock(&vs->dp->lock);
	n = fdb_flush_learned(vs->fdb);
	vmk_mutex_unlock(&vs->dp->lock);
	return n;
}

unsigned int vmk_fdb_walk(struct vmk_vswitch *vs,
			  int (*fn)(const struct vmk_fdb_entry *e, void *arg), void *arg)
{
	unsigned int n = 0;
	uint32_t now = vmk_clock_ms();
	struct fdb *f;

	if (vs == NULL || fn == NULL)
		return 0;
	vmk_mutex_lock(&vs->dp->lock);
	f = vs->fdb;
	for (uint32_t b = 0; b <= f->mask; b++) {
		for (unsigned int i = 0; i < FDB_BUCKET_ENTRIES; i++) {
			const struct fdb_entry *fe = &f->buckets[b].e[i];
			uint64_t key = __atomic_load_n(&fe->key, __ATOMIC_ACQUIRE);
			uint64_t val = __atomic_load_n(&fe->val, __ATOMIC_RELAXED);
			struct vmk_fdb_entry e;

			if (key == 0)
				continue;
			entry_from(key, val, now, &e);
			n++;
			if (fn(&e, arg) != 0)
				goto out;
		}
	}
out:
	vmk_mutex_unlock(&vs->dp->lock);
	return n;
}

int vmk_fdb_get_stats(struct vmk_vswitch *vs, struct vmk_fdb_stats *out)
{
	struct fdb *f;

	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "no vSwitch or no place for its MAC table counters");
	vmk_mutex_lock(&vs->dp->lock);
	f = vs->fdb;
	out->n_entries = __atomic_load_n(&f->n_entries, __ATOMIC_RELAXED);
	out->capacity = f->capacity;
	out->learned = __atomic_load_n(&f->n_learned, __ATOMIC_RELAXED);
	out->moved = __atomic_load_n(&f->n_moved, __ATOMIC_RELAXED);
	out->aged = __atomic_load_n(&f->n_aged, __ATOMIC_RELAXED);
	out->full = __atomic_load_n(&f->n_full, __ATOMIC_RELAXED);
	vmk_mutex_unlock(&vs->dp->lock);
	return 0;
}
