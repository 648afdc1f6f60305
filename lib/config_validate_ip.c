/*
 * The rules vmk_config_validate checks for the IP layer of a document:
 * netstacks with their static routes and default gateway, and VMkernel
 * adapters (the same rules the library
 * enforces, so a refused document is refused before anything runs, with
 * the field named).
 *
 * Thread: any; a struct vmk_config is a plain value owned by its caller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vmknet/config.h>

#include "common/error.h"
#include "lib/config_priv.h"

static const struct vmk_config_netstack *ns_in(const struct vmk_config *cfg, const char *name)
{
	return vmk_config_find_netstack((struct vmk_config *)cfg, name);
}

static bool mask_contiguous(uint32_t mask_be)
{
	uint32_t m = ntohl(mask_be);

	return m != 0 && (~m & (~m + 1)) == 0;
}

static bool bad_gateway(uint32_t gw_be)
{
	uint32_t g = ntohl(gw_be);

	return g == 0 || g == 0xffffffffu || (g >> 28) == 0xe || (g >> 24) == 0;
}

static int validate_routes(const struct vmk_config_netstack *ns, const char *where)
{
	char a[16], b[16];

	if (ns->n_routes > VMK_CONFIG_MAX_ROUTES)
		return vmk_err(-EINVAL, "%s.routes: %u routes, at most %u", where, ns->n_routes,
			 VMK_CONFIG_MAX_ROUTES);
	if (ns->default_gateway != 0 && bad_gateway(ns->default_gateway))
		return vmk_err(-EINVAL, "%s.default_gateway: %s is not a usable gateway", where,
			 cfg_ip_str(ns->default_gateway, a));
	for (unsigned int r = 0; r < ns->n_routes; r++) {
		const struct vmk_config_route *rt = &ns->routes[r];
		uint32_t mask = rt->prefix_len ? htonl(~0u << (32 - rt->prefix_len)) : 0;

		if (rt->prefix_len < 1 || rt->prefix_len > 32)
			return vmk_err(-EINVAL, "%s.routes[%u].network: prefix length %u is out of "
				 "range 1..32 (the default route is \"default_gateway\")", where, r,
				 rt->prefix_len);
		if ((rt->network & ~mask) != 0)
			return vmk_err(-EINVAL, "%s.routes[%u].network: %s/%u has host bits set",
				 where, r, cfg_ip_str(rt->network, a), rt->prefix_len);
		if (bad_gateway(rt->gateway))
			return vmk_err(-EINVAL, "%s.routes[%u].gateway: %s is not a usable gateway",
				 where, r, cfg_ip_str(rt->gateway, b));
		for (unsigned int q = 0; q < r; q++) {
			if (ns->routes[q].network != rt->network ||
			    ns->routes[q].prefix_len != rt->prefix_len)
				continue;
			return vmk_err(-EINVAL, "%s.routes[%u].network: a route to %s/%u already "
				 "exists (via %s)", where, r, cfg_ip_str(rt->network, a),
				 rt->prefix_len, cfg_ip_str(ns->routes[q].gateway, b));
		}
	}
	return 0;
}

/* Congestion control algorithms the library has (tcpip/tcp_cc*.c). */
static const char *const tcp_ccs[] = { VMK_CONFIG_TCP_CC_DEFAULT, "cubic" };

static int validate_tcp(const struct vmk_config_netstack *ns, const char *where)
{
	bool known = ns->tcp_cc[0] == '\0';

	for (unsigned int i = 0; !known && i < sizeof(tcp_ccs) / sizeof(tcp_ccs[0]); i++)
		known = strncmp(ns->tcp_cc, tcp_ccs[i], sizeof(ns->tcp_cc)) == 0;
	if (!known)
		return vmk_err(-EINVAL, "%s.tcp.congestion_control: unknown algorithm \"%.*s\" "
			 "(known: newreno, cubic)", where, (int)sizeof(ns->tcp_cc), ns->tcp_cc);
	if (ns->tcp_rto_min_ms > VMK_CONFIG_TCP_RTO_MIN_MAX)
		return vmk_err(-EINVAL, "%s.tcp.rto_min_ms: %u is out of range 1..%u", where,
			 ns->tcp_rto_min_ms, VMK_CONFIG_TCP_RTO_MIN_MAX);
	return 0;
}

int cfg_validate_netstacks(const struct vmk_config *cfg)
{
	char where[96];

	if (cfg->n_netstacks > VMK_NETSTACK_MAX)
		return vmk_err(-EINVAL, "netstacks: %u netstacks, at most %u", cfg->n_netstacks,
			 VMK_NETSTACK_MAX);
	for (unsigned int i = 0; i < CFG_N_BUILTIN_NETSTACKS; i++) {
		if (ns_in(cfg, cfg_builtin_netstacks[i]) == NULL)
			return vmk_err(-EINVAL, "netstacks: the built-in netstack %s is missing",
				 cfg_builtin_netstacks[i]);
	}
	for (unsigned int i = 0; i < cfg->n_netstacks; i++) {
		const struct vmk_config_netstack *ns = &cfg->netstacks[i];
		const char *why = cfg_name_problem(ns->name);
		int ret;

		if (why != NULL)
			return vmk_err(-EINVAL, "netstacks[%u].name: %s", i, why);
		snprintf(where, sizeof(where), "netstacks[%u] (%s)", i, ns->name);
		for (unsigned int j = 0; j < i; j++) {
			if (strcmp(cfg->netstacks[j].name, ns->name) == 0)
				return vmk_err(-EINVAL, "%s.name: netstack \"%s\" already exists",
					 where, ns->name);
		}
		ret = validate_routes(ns, where);
		if (ret == 0)
			ret = validate_tcp(ns, where);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int validate_nic_place(const struct vmk_config *cfg, const struct vmk_config_vmknic *n,
			      const char *where)
{
	const struct vmk_config_vswitch *vs;
	const struct vmk_config_portgroup *pg;

	vs = vmk_config_find_vswitch((struct vmk_config *)cfg, n->vswitch);
	if (vs == NULL)
		return vmk_err(-EINVAL, "%s.vswitch: no vSwitch named \"%s\"", where, n->vswitch);
	pg = NULL;
	for (unsigned int k = 0; k < vs->n_portgroups && pg == NULL; k++)
		if (strcmp(vs->portgroups[k].name, n->portgroup) == 0)
			pg = &vs->portgroups[k];
	if (pg == NULL)
		return vmk_err(-EINVAL, "%s.portgroup: no port group named \"%s\" on %s", where,
			 n->portgroup, vs->name);
	if (pg->vlan_id == VMK_VLAN_TRUNK)
		return vmk_err(-EINVAL, "%s.portgroup: port group \"%s\" is a trunk (VLAN 4095): "
			 "an adapter needs VLAN 0..4094", where, pg->name);
	if (ns_in(cfg, n->netstack) == NULL)
		return vmk_err(-EINVAL, "%s.netstack: no netstack named \"%s\"", where,
			 n->netstack);
	if (n->mtu < VMK_VMKNIC_MTU_MIN || n->mtu > VMK_VMKNIC_MTU_MAX)
		return vmk_err(-EINVAL, "%s.mtu: %u is out of range %u..%u", where, n->mtu,
			 VMK_VMKNIC_MTU_MIN, VMK_VMKNIC_MTU_MAX);
	if (n->mtu > vs->mtu)
		return vmk_err(-EINVAL, "%s.mtu: %u is above the MTU %u of vSwitch %s", where,
			 n->mtu, vs->mtu, vs->name);
	return 0;
}

static int validate_nic_ipv4(const struct vmk_config_vmknic *n, const char *where)
{
	uint32_t a = ntohl(n->ipv4), m = ntohl(n->netmask);
	char s[16];

	if (n->dhcp && (n->ipv4 != 0 || n->netmask != 0 || n->gateway != 0))
		return vmk_err(-EINVAL, "%s.ipv4: type \"dhcp\" takes no address, netmask or "
			 "gateway", where);
	if (!n->dhcp && n->peer_dns)
		return vmk_err(-EINVAL, "%s.ipv4.peer_dns: only for type \"dhcp\"", where);
	if (n->ipv4 == 0 && n->netmask == 0) {
		if (n->gateway != 0)
			return vmk_err(-EINVAL, "%s.ipv4.gateway: an adapter without an address "
				 "has no gateway", where);
		return 0;
	}
	if (!mask_contiguous(n->netmask) || m == 0xffffffffu)
		return vmk_err(-EINVAL, "%s.ipv4.netmask: %s is not a usable netmask", where,
			 cfg_ip_str(n->netmask, s));
	if (a == 0 || (a >> 28) >= 0xe || (a >> 24) == 127 || (a >> 24) == 0 ||
	    (a & ~m) == 0 || (a & ~m) == ~m) {
		return vmk_err(-EINVAL, "%s.ipv4.address: %s is not a usable host address for "
			 "netmask %s", where, cfg_ip_str(n->ipv4, s),
			 inet_ntoa((struct in_addr){ .s_addr = n->netmask }));
	}
	if (n->gateway != 0 && bad_gateway(n->gateway))
		return vmk_err(-EINVAL, "%s.ipv4.gateway: %s is not a usable gateway", where,
			 cfg_ip_str(n->gateway, s));
	return 0;
}

static int validate_nic_tags(const struct vmk_config *cfg, unsigned int i, const char *where)
{
	const struct vmk_config_vmknic *n = &cfg->vmknics[i];

	if (n->tags >> VMK_TAG_MAX)
		return vmk_err(-EINVAL, "%s.tags: unknown tag bits 0x%x", where, n->tags);
	if (strcmp(n->netstack, VMK_NETSTACK_VMOTION) == 0 &&
	    (n->tags & ~(1u << VMK_TAG_VMOTION)) != 0)
		return vmk_err(-EINVAL, "%s.tags: an adapter of the vmotion netstack carries only "
			 "the VMotion tag", where);
	if (!(n->tags & (1u << VMK_TAG_FT_LOGGING)))
		return 0;
	for (unsigned int j = 0; j < i; j++) {
		if (!(cfg->vmknics[j].tags & (1u << VMK_TAG_FT_LOGGING)))
			continue;
		return vmk_err(-EINVAL, "%s.tags: %s already carries faultToleranceLogging (one "
			 "adapter per host)", where, cfg->vmknics[j].name);
	}
	return 0;
}

static int validate_nic_unique(const struct vmk_config *cfg, unsigned int i, const char *where)
{
	const struct vmk_config_vmknic *n = &cfg->vmknics[i];
	static const uint8_t zero[6];
	char s[16];

	if (memcmp(n->mac, zero, 6) != 0 && (n->mac[0] & 1))
		return vmk_err(-EINVAL, "%s.mac: %02x:%02x:%02x:%02x:%02x:%02x is a multicast "
			 "address", where, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
			 n->mac[5]);
	for (unsigned int j = 0; j < i; j++) {
		const struct vmk_config_vmknic *o = &cfg->vmknics[j];

		if (strcmp(o->name, n->name) == 0)
			return vmk_err(-EINVAL, "%s.name: vmknic \"%s\" already exists", where,
				 n->name);
		if (memcmp(n->mac, zero, 6) != 0 && memcmp(o->mac, n->mac, 6) == 0)
			return vmk_err(-EINVAL, "%s.mac: %s already has this MAC address", where,
				 o->name);
		if (n->ipv4 != 0 && o->ipv4 == n->ipv4 && strcmp(o->netstack, n->netstack) == 0)
			return vmk_err(-EINVAL, "%s.ipv4.address: %s is already the address of %s "
				 "in netstack %s", where, cfg_ip_str(n->ipv4, s), o->name,
				 n->netstack);
	}
	return 0;
}

int cfg_validate_vmknics(const struct vmk_config *cfg)
{
	char where[96];
	int ret;

	if (cfg->n_vmknics > VMK_VMKNIC_MAX)
		return vmk_err(-EINVAL, "vmknics: %u adapters, at most %u", cfg->n_vmknics,
			 VMK_VMKNIC_MAX);
	for (unsigned int i = 0; i < cfg->n_vmknics; i++) {
		const struct vmk_config_vmknic *n = &cfg->vmknics[i];

		if (memchr(n->name, '\0', VMK_NAME_MAX) == NULL || !cfg_vmk_name_ok(n->name))
			return vmk_err(-EINVAL, "vmknics[%u].name: \"%.31s\" is not vmkN (vmk0, "
				 "vmk1, ...)", i, n->name);
		snprintf(where, sizeof(where), "vmknics[%u] (%s)", i, n->name);
		ret = validate_nic_place(cfg, n, where);
		if (ret == 0)
			ret = validate_nic_ipv4(n, where);
		if (ret == 0)
			ret = validate_nic_tags(cfg, i, where);
		if (ret == 0)
			ret = validate_nic_unique(cfg, i, where);
		if (ret < 0)
			return ret;
	}
	return 0;
}
