/*
 * The routing table of a netstack: connected routes derived from its
 * adapters' addresses (so they follow every address change), static routes,
 * and exactly one default gateway; longest-prefix match, with an adapter's
 * own gateway used only for traffic sourced from that adapter.
 *
 * The table is small (VMK_ROUTE_MAX) and scanned linearly under the
 * netstack lock; the public calls at the end hold the control lock th->lock too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"

static const char *ip_str(rte_be32_t a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static uint8_t mask_len(rte_be32_t mask)
{
	return (uint8_t)__builtin_popcount(mask);
}

struct tcpip_if *route_connected_if(struct netstack *ns, rte_be32_t a)
{
	struct tcpip_if *best = NULL;

	for (unsigned int i = 0; i < NS_MAX_IFS; i++) {
		struct tcpip_if *ifc = ns->ifs[i];

		if (ifc == NULL || !if_up(ifc) || ((a ^ ifc->addr) & ifc->mask) != 0)
			continue;
		if (best == NULL || mask_len(ifc->mask) > mask_len(best->mask))
			best = ifc;
	}
	return best;
}

static void set_result(struct route_result *r, struct tcpip_if *ifc, rte_be32_t nh,
		       rte_be32_t net, uint8_t plen, uint8_t origin)
{
	r->ifc = ifc;
	r->next_hop = nh;
	r->net = net;
	r->plen = plen;
	r->origin = origin;
}

/* Off-link: the source adapter's gateway, else the netstack's default. */
static int route_default(struct netstack *ns, rte_be32_t src, const struct tcpip_if *out_if,
			 struct route_result *r)
	VMK_REQUIRES(ns->lock)
{
	struct tcpip_if *gw_if;
	rte_be32_t gw;

	for (unsigned int i = 0; i < NS_MAX_IFS; i++) {
		struct tcpip_if *ifc = ns->ifs[i];

		if (ifc == NULL || !if_up(ifc) || ifc->gw == 0)
			continue;
		if ((src != 0 && src == ifc->addr) || ifc == out_if) {
			set_result(r, ifc, ifc->gw, 0, 0, VMK_ROUTE_DEFAULT);
			return 0;
		}
	}
	gw = ns->default_gw != 0 ? ns->default_gw : ns->dhcp_gw;
	if (gw == 0)
		return -ENETUNREACH;
	gw_if = route_connected_if(ns, gw);
	if (gw_if == NULL || (out_if != NULL && gw_if != out_if))
		return -ENETUNREACH;
	set_result(r, gw_if, gw, 0, 0, ns->default_gw != 0 ? VMK_ROUTE_DEFAULT : VMK_ROUTE_DHCP);
	return 0;
}

/* The configured default gateway wins (as on ESXi); DHCP's is the default
 * route only while none is configured, so there is never a second one. */
bool route_set_dhcp(struct netstack *ns, int16_t ifidx, rte_be32_t gw)
{
	if (gw == 0) {
		if (ns->dhcp_gw_if == ifidx) {
			ns->dhcp_gw = 0;
			ns->dhcp_gw_if = -1;
		}
		return false;
	}
	if (ns->dhcp_gw_if >= 0 && ns->dhcp_gw_if != ifidx)
		return false;
	ns->dhcp_gw = gw;
	ns->dhcp_gw_if = ifidx;
	return ns->default_gw == 0;
}

int route_lookup(struct netstack *ns, rte_be32_t dst, rte_be32_t src,
		 const struct tcpip_if *out_if, struct route_result *r)
{
	int best = -1;

	for (unsigned int i = 0; i < NS_MAX_IFS; i++) {
		struct tcpip_if *ifc = ns->ifs[i];

		if (ifc == NULL || !if_up(ifc) || (out_if != NULL && ifc != out_if))
			continue;
		if (((dst ^ ifc->addr) & ifc->mask) == 0 && mask_len(ifc->mask) > best) {
			best = mask_len(ifc->mask);
			set_result(r, ifc, dst, ifc->addr & ifc->mask, (uint8_t)best,
				   VMK_ROUTE_CONNECTED);
		} else if (dst == 0xffffffff && best < 0) {
			best = 0;
			set_result(r, ifc, dst, dst, 32, VMK_ROUTE_CONNECTED);
		}
	}
	for (unsigned int i = 0; i < VMK_ROUTE_MAX; i++) {
		const struct static_route *s = &ns->routes[i];
		struct tcpip_if *gw_if;

		if (!s->used || (dst & prefix_mask(s->plen)) != s->net || s->plen <= best)
			continue;
		gw_if = route_connected_if(ns, s->gw);
		if (gw_if == NULL || (out_if != NULL && gw_if != out_if))
			continue;
		best = s->plen;
		set_result(r, gw_if, s->gw, s->net, s->plen, VMK_ROUTE_STATIC);
	}
	if (best >= 0)
		return 0;
	return route_default(ns, src, out_if, r);
}

int route_add(struct netstack *ns, rte_be32_t net, uint8_t plen, rte_be32_t gw)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct static_route *free_slot = NULL;

	if (plen > 32 || (net & ~prefix_mask(plen)) != 0 || gw == 0 || gw == 0xffffffff)
		return vmk_err(-EINVAL, "route %s/%u via %s: bad network, prefix or gateway",
				ip_str(net, a), plen, ip_str(gw, b));
	if (plen == 0) {
#ifdef VMK_MUTANT_ONE_DEFAULT_GW   /* mutant: one default gateway: a second replaces the first */
		if (0 && ns->default_gw != 0) {
#else
		if (ns->default_gw != 0) {
#endif
			return vmk_err(-EEXIST, "netstack %s already has default gateway %s; replace it "
					"explicitly", ns->name, ip_str(ns->default_gw, a));
		}
		ns->default_gw = gw;
		return 0;
	}
	for (unsigned int i = 0; i < VMK_ROUTE_MAX; i++) {
		struct static_route *s = &ns->routes[i];

		if (!s->used) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (s->net == net && s->plen == plen)
			return vmk_err(-EEXIST, "netstack %s already has a route to %s/%u (via %s)",
					ns->name, ip_str(net, a), plen, ip_str(s->gw, b));
	}
	if (free_slot == NULL)
		return vmk_err(-ENOSPC, "netstack %s: routing table full (%d)", ns->name, VMK_ROUTE_MAX);
	free_slot->used = true;
	free_slot->net = net;
	free_slot->plen = plen;
	free_slot->gw = gw;
	return 0;
}

int route_remove(struct netstack *ns, rte_be32_t net, uint8_t plen)
{
	char a[INET_ADDRSTRLEN];

	if (plen == 0 && net == 0) {
		if (ns->default_gw == 0)
			return vmk_err(-ENOENT, "netstack %s has no default gateway", ns->name);
		ns->default_gw = 0;
		return 0;
	}
	for (unsigned int i = 0; i < VMK_ROUTE_MAX; i++) {
		struct static_route *s = &ns->routes[i];

		if (s->used && s->net == net && s->plen == plen) {
			memset(s, 0, sizeof(*s));
			return 0;
		}
	}
	for (unsigned int i = 0; i < NS_MAX_IFS; i++) {
		const struct tcpip_if *ifc = ns->ifs[i];

		if (ifc != NULL && if_up(ifc) && (ifc->addr & ifc->mask) == net &&
		    mask_len(ifc->mask) == plen)
			return vmk_err(-EPERM, "%s/%u is the connected route of %s: change the "
					"adapter's address instead", ip_str(net, a), plen, ifc->name);
	}
	return vmk_err(-ENOENT, "netstack %s has no route to %s/%u", ns->name, ip_str(net, a), plen);
}

int route_set_default(struct netstack *ns, rte_be32_t gw)
{
	if (gw == 0xffffffff)
		return vmk_err(-EINVAL, "bad default gateway");
	ns->default_gw = gw;
	return 0;
}

static void fill_route(struct vmk_route *o, rte_be32_t net, uint8_t plen, rte_be32_t gw,
		       const struct tcpip_if *ifc, uint8_t origin)
{
	memset(o, 0, sizeof(*o));
	o->network = net;
	o->prefix_len = plen;
	o->gateway = gw;
	o->origin = (enum vmk_route_origin)origin;
	if (ifc != NULL)
		snprintf(o->ifname, sizeof(o->ifname), "%s", ifc->name);
}

unsigned int route_list(struct netstack *ns, struct vmk_route *out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NS_MAX_IFS; i++) {
		const struct tcpip_if *ifc = ns->ifs[i];

		if (ifc == NULL || !if_up(ifc))
			continue;
		if (out != NULL && n < max)
			fill_route(&out[n], ifc->addr & ifc->mask, mask_len(ifc->mask), 0, ifc,
				   VMK_ROUTE_CONNECTED);
		n++;
	}
	for (unsigned int i = 0; i < VMK_ROUTE_MAX; i++) {
		const struct static_route *s = &ns->routes[i];

		if (!s->used)
			continue;
		if (out != NULL && n < max)
			fill_route(&out[n], s->net, s->plen, s->gw, route_connected_if(ns, s->gw),
				   VMK_ROUTE_STATIC);
		n++;
	}
	if (ns->default_gw != 0 || ns->dhcp_gw != 0) {
		rte_be32_t gw = ns->default_gw != 0 ? ns->default_gw : ns->dhcp_gw;

		if (out != NULL && n < max)
			fill_route(&out[n], 0, 0, gw, route_connected_if(ns, gw),
				   ns->default_gw != 0 ? VMK_ROUTE_DEFAULT : VMK_ROUTE_DHCP);
		n++;
	}
	return n;
}

/* ---- public API ----------------------------------------------------- */

typedef int (*route_op)(struct netstack *ns, rte_be32_t a, uint8_t plen, rte_be32_t b);

static int op_add(struct netstack *ns, rte_be32_t net, uint8_t plen, rte_be32_t gw)
	VMK_REQUIRES(ns->lock)
{
	return route_add(ns, net, plen, gw);
}

static int op_remove(struct netstack *ns, rte_be32_t net, uint8_t plen, rte_be32_t unused)
	VMK_REQUIRES(ns->lock)
{
	(void)unused;
	return route_remove(ns, net, plen);
}

static int op_default(struct netstack *ns, rte_be32_t gw, uint8_t unused, rte_be32_t unused2)
	VMK_REQUIRES(ns->lock)
{
	(void)unused;
	(void)unused2;
	return route_set_default(ns, gw);
}

static int route_call(struct tcpip_host *th, const char *netstack, route_op op, rte_be32_t a,
		      uint8_t plen, rte_be32_t b)
{
	struct netstack *ns;
	int ret = -ENOENT;

	vmk_err_clear();
	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns != NULL) {
		vmk_spin_lock(&ns->lock);
		/* The op_* carry VMK_REQUIRES(ns->lock); clang does not check a
		 * call through a pointer. */
		ret = op(ns, a, plen, b);
		vmk_spin_unlock(&ns->lock);
	}
	tcpip_host_unlock(th);
	return ret;
}

int tcpip_route_add(struct tcpip_host *th, const char *netstack, uint32_t network,
		    uint8_t prefix_len, uint32_t gateway)
{
	return route_call(th, netstack, op_add, network, prefix_len, gateway);
}

int tcpip_route_remove(struct tcpip_host *th, const char *netstack, uint32_t network,
		       uint8_t prefix_len)
{
	return route_call(th, netstack, op_remove, network, prefix_len, 0);
}

int tcpip_route_set_default(struct tcpip_host *th, const char *netstack, uint32_t gateway)
{
	return route_call(th, netstack, op_default, gateway, 0, 0);
}

unsigned int tcpip_route_list(struct tcpip_host *th, const char *netstack,
			      struct vmk_route *out, unsigned int max)
{
	struct netstack *ns;
	unsigned int n = 0;

	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns != NULL) {
		vmk_spin_lock(&ns->lock);
		n = route_list(ns, out, max);
		vmk_spin_unlock(&ns->lock);
	}
	tcpip_host_unlock(th);
	return n;
}

int tcpip_route_lookup(struct tcpip_host *th, const char *netstack, uint32_t dst, uint32_t src,
		       struct vmk_route *route, uint32_t *next_hop)
{
	struct netstack *ns;
	struct route_result r;
	int ret = -ENOENT;

	vmk_err_clear();
	tcpip_host_lock(th);
	ns = tcpip_ns_lookup(th, netstack);
	if (ns != NULL) {
		vmk_spin_lock(&ns->lock);
		ret = route_lookup(ns, dst, src, NULL, &r);
		if (ret < 0)
			vmk_err_set("netstack %s has no route to that destination", ns->name);
		if (ret == 0) {
			if (route != NULL)
				fill_route(route, r.net, r.plen,
					   r.origin == VMK_ROUTE_CONNECTED ? 0 : r.next_hop, r.ifc,
					   r.origin);
			if (next_hop != NULL)
				*next_hop = r.next_hop;
		}
		vmk_spin_unlock(&ns->lock);
	}
	tcpip_host_unlock(th);
	return ret;
}
