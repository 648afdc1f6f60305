/*
 * The configuration model: construction, the built-in default, look-ups,
 * generated guest MACs and the helpers every config file shares (error text,
 * name rules). It calls nothing of the other config files, which stand on it
 * in this order: the rules (config_validate_ip.c, config_validate_guest.c,
 * then config_validate.c: vmk_config_validate), the JSON form
 * (config_json.c), files (config_file.c) and applying to a host
 * (config_apply.c).
 *
 * Thread: any; a struct vmk_config is a plain value owned by its caller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_random.h>

#include <vmknet/config.h>

#include "common/error.h"
#include "lib/config_priv.h"

int vmk_config_create(struct vmk_config **out)
{
	struct vmk_config *cfg;

	vmk_err_clear();
	if (out == NULL)
		return vmk_err(-EINVAL, "no place for the configuration");
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL)
		return vmk_err(-ENOMEM, "out of memory");
	vmk_config_init_empty(cfg);
	*out = cfg;
	return 0;
}

void vmk_config_destroy(struct vmk_config *cfg)
{
	free(cfg);
}

void vmk_config_init_empty(struct vmk_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->host_name, sizeof(cfg->host_name), "%s", CFG_DEFAULT_HOST);
	cfg_netstacks_init(cfg);
	vmk_fw_config_default(&cfg->firewall);
	vmk_config_nioc_default(&cfg->nioc);
}

void vmk_config_nioc_default(struct vmk_config_nioc *n)
{
	memset(n, 0, sizeof(*n));
	for (unsigned int c = 0; c < VMK_TC_COUNT; c++) {
		struct vmk_config_nioc_class *k = &n->classes[c];

		k->sched.shares = c == VMK_TC_VIRTUAL_MACHINE ? VMK_NIOC_SHARES_HIGH :
				  VMK_NIOC_SHARES_NORMAL;
		k->sched.limit_mbps = VMK_NIOC_UNLIMITED;
		k->mark.dscp = -1;
		k->mark.cos = -1;
	}
}

uint32_t vmk_config_nic_speed(const struct vmk_config *cfg, const char *nic)
{
	for (unsigned int i = 0; cfg != NULL && nic != NULL && i < cfg->nioc.n_speeds &&
	     i < VMK_CONFIG_MAX_NIC_SPEEDS; i++)
		if (strcmp(cfg->nioc.speeds[i].nic, nic) == 0)
			return cfg->nioc.speeds[i].speed_mbps;
	return 0;
}

int vmk_config_set_nic_speed(struct vmk_config *cfg, const char *nic, uint32_t mbps)
{
	struct vmk_config_nioc *n = &cfg->nioc;
	unsigned int i = 0;

	while (i < n->n_speeds && strcmp(n->speeds[i].nic, nic) != 0)
		i++;
	if (mbps == 0) {
		if (i < n->n_speeds) {
			memmove(&n->speeds[i], &n->speeds[i + 1],
				(n->n_speeds - i - 1) * sizeof(n->speeds[0]));
			n->n_speeds--;
		}
		return 0;
	}
	if (i == n->n_speeds) {
		if (n->n_speeds >= VMK_CONFIG_MAX_NIC_SPEEDS)
			return -ENOSPC;
		snprintf(n->speeds[i].nic, sizeof(n->speeds[i].nic), "%s", nic);
		n->n_speeds++;
	}
	n->speeds[i].speed_mbps = mbps;
	return 0;
}

static const char *const cdp_names[] = {
	[VMK_CDP_DOWN] = "down", [VMK_CDP_LISTEN] = "listen",
	[VMK_CDP_ADVERTISE] = "advertise", [VMK_CDP_BOTH] = "both",
};

const char *vmk_cdp_status_name(enum vmk_cdp_status s)
{
	return (unsigned int)s < sizeof(cdp_names) / sizeof(cdp_names[0]) ? cdp_names[s] : NULL;
}

int vmk_cdp_status_parse(const char *name, enum vmk_cdp_status *out)
{
	for (unsigned int i = 0; name != NULL && i < sizeof(cdp_names) / sizeof(cdp_names[0]);
	     i++) {
		if (strcmp(name, cdp_names[i]) == 0) {
			*out = (enum vmk_cdp_status)i;
			return 0;
		}
	}
	return -EINVAL;
}

void vmk_config_vswitch_init(struct vmk_config_vswitch *vs, const char *name)
{
	struct vmk_vswitch_params p;

	vmk_vswitch_params_init(&p);
	memset(vs, 0, sizeof(*vs));
	snprintf(vs->name, sizeof(vs->name), "%s", name != NULL ? name : "");
	vs->mtu = p.mtu;
	vs->n_ports = p.n_ports;
	vs->fdb_capacity = p.fdb_capacity;
	vs->fdb_aging_sec = p.fdb_aging_sec;
	vs->cdp_status = VMK_CDP_LISTEN;
	vs->beacon_interval_sec = VMK_BEACON_INTERVAL_DEFAULT;
	vs->beacon_threshold = VMK_BEACON_THRESHOLD_DEFAULT;
	vmk_config_security_default(&vs->security);
	vmk_config_shaping_default(&vs->shaping);
	vmk_config_teaming_default(&vs->teaming);
}

void vmk_config_portgroup_init(struct vmk_config_portgroup *pg, const char *name)
{
	memset(pg, 0, sizeof(*pg));
	snprintf(pg->name, sizeof(pg->name), "%s", name != NULL ? name : "");
	vmk_config_security_default(&pg->security);
	vmk_config_shaping_default(&pg->shaping);
	vmk_config_teaming_default(&pg->teaming);
}

void vmk_config_security_default(struct vmk_security_policy *p)
{
	p->allow_promiscuous = false;
	p->allow_mac_changes = true;
	p->allow_forged_transmits = true;
}

void vmk_config_shaping_default(struct vmk_shaping_policy *p)
{
	p->enabled = false;
	p->avg_kbps = 100000;
	p->peak_kbps = 100000;
	p->burst_kb = 102400;
}

void vmk_config_teaming_default(struct vmk_teaming_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->load_balancing = VMK_LB_PORT_ID;
	p->notify_switches = true;
	p->failback = true;
}

void vmk_config_portgroup_effective(const struct vmk_config_vswitch *vs,
				    const struct vmk_config_portgroup *pg,
				    struct vmk_security_policy *sec,
				    struct vmk_shaping_policy *shaping,
				    struct vmk_teaming_policy *teaming)
{
	if (sec != NULL) {
		*sec = vs->security;
		if (pg->security_mask & VMK_SEC_PROMISCUOUS)
			sec->allow_promiscuous = pg->security.allow_promiscuous;
		if (pg->security_mask & VMK_SEC_MAC_CHANGES)
			sec->allow_mac_changes = pg->security.allow_mac_changes;
		if (pg->security_mask & VMK_SEC_FORGED)
			sec->allow_forged_transmits = pg->security.allow_forged_transmits;
	}
	if (shaping != NULL)
		*shaping = pg->has_shaping ? pg->shaping : vs->shaping;
	if (teaming != NULL)
		*teaming = pg->has_teaming ? pg->teaming : vs->teaming;
}

/* Remove name from list (n entries); true when it was there. */
static bool team_list_remove(char list[][32], unsigned int *n, const char *name)
{
	for (unsigned int i = 0; i < *n; i++) {
		if (strcmp(list[i], name) != 0)
			continue;
		memmove(list[i], list[i + 1], (*n - i - 1) * sizeof(list[0]));
		(*n)--;
		return true;
	}
	return false;
}

static void team_forget(struct vmk_teaming_policy *t, const char *uplink)
{
	team_list_remove(t->active, &t->n_active, uplink);
	team_list_remove(t->standby, &t->n_standby, uplink);
	if (t->n_active == 0 && t->n_standby > 0) {
		memcpy(t->active, t->standby, sizeof(t->active));
		t->n_active = t->n_standby;
		t->n_standby = 0;
	}
}

void vmk_config_teaming_forget_uplink(struct vmk_config_vswitch *vs, const char *uplink)
{
	team_forget(&vs->teaming, uplink);
	for (unsigned int k = 0; k < vs->n_portgroups && k < VMK_CONFIG_MAX_PORTGROUPS; k++)
		if (vs->portgroups[k].has_teaming)
			team_forget(&vs->portgroups[k].teaming, uplink);
}

void vmk_config_init_default(struct vmk_config *cfg)
{
	struct vmk_config_vswitch *vs = &cfg->vswitches[0];

	vmk_config_init_empty(cfg);
	cfg->n_vswitches = 1;
	vmk_config_vswitch_init(vs, "vSwitch0");
	vs->n_portgroups = 2;
	vmk_config_portgroup_init(&vs->portgroups[0], "Management Network");
	vmk_config_portgroup_init(&vs->portgroups[1], "VM Network");
	cfg->n_vmknics = 1;
	vmk_config_vmknic_init(&cfg->vmknics[0], "vmk0", "vSwitch0", "Management Network");
	cfg->vmknics[0].ipv4 = htonl(0xc000020a);      /* 192.0.2.10/24 */
	cfg->vmknics[0].netmask = htonl(0xffffff00);
	cfg->vmknics[0].tags = 1u << VMK_TAG_MANAGEMENT;
}

void vmk_config_copy(struct vmk_config *dst, const struct vmk_config *src)
{
	if (dst != src)
		memcpy(dst, src, sizeof(*dst));
}

struct vmk_config_vswitch *vmk_config_find_vswitch(struct vmk_config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (unsigned int i = 0; i < cfg->n_vswitches && i < VMK_MAX_VSWITCHES; i++)
		if (strcmp(cfg->vswitches[i].name, name) == 0)
			return &cfg->vswitches[i];
	return NULL;
}

struct vmk_config_portgroup *vmk_config_find_portgroup(struct vmk_config *cfg, const char *name,
						       struct vmk_config_vswitch **vs_out)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (unsigned int i = 0; i < cfg->n_vswitches && i < VMK_MAX_VSWITCHES; i++) {
		struct vmk_config_vswitch *vs = &cfg->vswitches[i];

		for (unsigned int k = 0; k < vs->n_portgroups && k < VMK_CONFIG_MAX_PORTGROUPS; k++) {
			if (strcmp(vs->portgroups[k].name, name) != 0)
				continue;
			if (vs_out != NULL)
				*vs_out = vs;
			return &vs->portgroups[k];
		}
	}
	return NULL;
}

struct vmk_config_vswitch *vmk_config_find_uplink(struct vmk_config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (unsigned int i = 0; i < cfg->n_vswitches && i < VMK_MAX_VSWITCHES; i++) {
		struct vmk_config_vswitch *vs = &cfg->vswitches[i];

		for (unsigned int k = 0; k < vs->n_uplinks && k < VMK_CONFIG_MAX_UPLINKS; k++)
			if (strcmp(vs->uplinks[k], name) == 0)
				return vs;
	}
	return NULL;
}

int cfg_err_out(int rc, char *err, size_t err_size)
{
	if (rc < 0)
		vmk_err_copy(err, err_size);
	else
		vmk_err_clear();   /* look-ups along the way may have left a "no such" */
	return rc;
}

/* Why a name is unacceptable, or NULL when it is fine. */
const char *cfg_name_problem(const char *name)
{
	size_t len = strnlen(name, VMK_NAME_MAX);

	if (len == 0)
		return "must not be empty";
	if (len >= VMK_NAME_MAX)
		return "is longer than 31 bytes";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
	}
	if (name[0] == ' ' || name[len - 1] == ' ')
		return "must not begin or end with a space";
	return NULL;
}

bool cfg_vmk_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len < 4 || len > 8 || strncmp(name, "vmk", 3) != 0)
		return false;
	for (size_t i = 3; i < len; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return !(len > 4 && name[3] == '0');
}

/* ---- the IP layer: netstacks and VMkernel adapters ------------------- */

const char *const cfg_builtin_netstacks[CFG_N_BUILTIN_NETSTACKS] = {
	VMK_NETSTACK_DEFAULT, VMK_NETSTACK_VMOTION, VMK_NETSTACK_PROVISIONING,
};

const char *cfg_ip_str(uint32_t a, char buf[16])
{
	return inet_ntop(AF_INET, &a, buf, 16);
}

bool vmk_config_netstack_is_builtin(const char *name)
{
	for (unsigned int i = 0; name != NULL && i < CFG_N_BUILTIN_NETSTACKS; i++)
		if (strcmp(name, cfg_builtin_netstacks[i]) == 0)
			return true;
	return false;
}

void cfg_netstacks_init(struct vmk_config *cfg)
{
	memset(cfg->netstacks, 0, sizeof(cfg->netstacks));
	cfg->n_netstacks = CFG_N_BUILTIN_NETSTACKS;
	for (unsigned int i = 0; i < CFG_N_BUILTIN_NETSTACKS; i++)
		snprintf(cfg->netstacks[i].name, VMK_NAME_MAX, "%s", cfg_builtin_netstacks[i]);
}

void vmk_config_vmknic_init(struct vmk_config_vmknic *nic, const char *name,
			    const char *vswitch, const char *portgroup)
{
	memset(nic, 0, sizeof(*nic));
	snprintf(nic->name, sizeof(nic->name), "%s", name != NULL ? name : "");
	snprintf(nic->vswitch, sizeof(nic->vswitch), "%s", vswitch != NULL ? vswitch : "");
	snprintf(nic->portgroup, sizeof(nic->portgroup), "%s", portgroup != NULL ? portgroup : "");
	snprintf(nic->netstack, sizeof(nic->netstack), "%s", VMK_NETSTACK_DEFAULT);
	nic->mtu = 1500;
	nic->enabled = true;
}

struct vmk_config_vmknic *vmk_config_find_vmknic(struct vmk_config *cfg, const char *name)
{
	for (unsigned int i = 0; cfg != NULL && name != NULL && i < cfg->n_vmknics &&
	     i < VMK_VMKNIC_MAX; i++)
		if (strcmp(cfg->vmknics[i].name, name) == 0)
			return &cfg->vmknics[i];
	return NULL;
}

struct vmk_config_netstack *vmk_config_find_netstack(struct vmk_config *cfg, const char *name)
{
	for (unsigned int i = 0; cfg != NULL && name != NULL && i < cfg->n_netstacks &&
	     i < VMK_NETSTACK_MAX; i++)
		if (strcmp(cfg->netstacks[i].name, name) == 0)
			return &cfg->netstacks[i];
	return NULL;
}

/* ---- guest ports -------------------------------------------------------- */

void vmk_config_guest_port_init(struct vmk_config_guest_port *gp, const char *name,
				const char *vswitch, const char *portgroup, const char *socket)
{
	memset(gp, 0, sizeof(*gp));
	snprintf(gp->name, sizeof(gp->name), "%s", name != NULL ? name : "");
	snprintf(gp->vswitch, sizeof(gp->vswitch), "%s", vswitch != NULL ? vswitch : "");
	snprintf(gp->portgroup, sizeof(gp->portgroup), "%s", portgroup != NULL ? portgroup : "");
	/* A path too long for the array is kept unterminated, so that
	 * validation refuses it instead of running a shorter path. */
	if (socket != NULL)
		memcpy(gp->socket, socket, strnlen(socket, sizeof(gp->socket)));
	gp->n_queues = 1;
}

struct vmk_config_guest_port *vmk_config_find_guest_port(struct vmk_config *cfg,
							 const char *name)
{
	for (unsigned int i = 0; cfg != NULL && name != NULL && i < cfg->n_guest_ports &&
	     i < VMK_CONFIG_MAX_GUEST_PORTS; i++)
		if (strcmp(cfg->guest_ports[i].name, name) == 0)
			return &cfg->guest_ports[i];
	return NULL;
}

bool cfg_mac_zero(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

/* Does a guest port other than `self`, or a vmknic, have this MAC? */
static bool mac_used(const struct vmk_config *cfg, const struct vmk_config_guest_port *self,
		     const uint8_t *mac)
{
	for (unsigned int i = 0; i < cfg->n_guest_ports; i++)
		if (&cfg->guest_ports[i] != self && memcmp(cfg->guest_ports[i].mac, mac, 6) == 0)
			return true;
	for (unsigned int i = 0; i < cfg->n_vmknics; i++)
		if (memcmp(cfg->vmknics[i].mac, mac, 6) == 0)
			return true;
	return false;
}

unsigned int vmk_config_guest_fill_macs(struct vmk_config *cfg)
{
	unsigned int n = 0;

	for (unsigned int i = 0; cfg != NULL && i < cfg->n_guest_ports &&
	     i < VMK_CONFIG_MAX_GUEST_PORTS; i++) {
		struct vmk_config_guest_port *gp = &cfg->guest_ports[i];

		if (!cfg_mac_zero(gp->mac))
			continue;
		do {
			uint64_t r = rte_rand();

			gp->mac[0] = 0x02;
			gp->mac[1] = 0x0c;
			gp->mac[2] = 0x29;
			gp->mac[3] = (uint8_t)(r >> 16);
			gp->mac[4] = (uint8_t)(r >> 8);
			gp->mac[5] = (uint8_t)r;
		} while (mac_used(cfg, gp, gp->mac));
		n++;
	}
	return n;
}
