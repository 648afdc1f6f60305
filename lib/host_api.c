/*
 * The public calls that name a host and belong to the IP layer or to the
 * adapters (include/vmknet/netstack.h, tcp.h, udp.h, vmknic.h, dhcp.h, firewall.h): each hands
 * the host's own layer object to that layer, which does the work, takes the
 * locks and leaves the reason of a refusal in vmk_last_error(). A NULL
 * host is passed on as a NULL object, which each layer refuses the way it
 * always has.
 */
#include <vmknet/dhcp.h>
#include <vmknet/firewall.h>
#include <vmknet/netstack.h>
#include <vmknet/tcp.h>
#include <vmknet/udp.h>
#include <vmknet/vmknic.h>

#include "lib/host.h"
#include "tcpip/firewall.h"
#include "tcpip/stack_host.h"
#include "vmknic/vmknic.h"

static struct tcpip_host *ip_of(struct vmk_host *h)
{
	return h != NULL ? h->ip : NULL;
}

/* ---- netstacks, routes, neighbours, connections ----------------------- */

int vmk_netstack_add(struct vmk_host *h, const char *name)
{
	return tcpip_netstack_add(ip_of(h), name);
}

int vmk_netstack_remove(struct vmk_host *h, const char *name)
{
	return tcpip_netstack_remove(ip_of(h), name);
}

unsigned int vmk_netstack_list(struct vmk_host *h, char (*names)[VMK_NAME_MAX],
			       unsigned int max)
{
	return tcpip_netstack_list(ip_of(h), names, max);
}

int vmk_netstack_get_stats(struct vmk_host *h, const char *name,
			   struct vmk_netstack_stats *out)
{
	return tcpip_netstack_get_stats(ip_of(h), name, out);
}

unsigned int vmk_netstack_connections(struct vmk_host *h, const char *netstack,
				      struct vmk_ip_conn *out, unsigned int max)
{
	return tcpip_netstack_connections(ip_of(h), netstack, out, max);
}

int vmk_route_add(struct vmk_host *h, const char *netstack, uint32_t network,
		  uint8_t prefix_len, uint32_t gateway)
{
	return tcpip_route_add(ip_of(h), netstack, network, prefix_len, gateway);
}

int vmk_route_remove(struct vmk_host *h, const char *netstack, uint32_t network,
		     uint8_t prefix_len)
{
	return tcpip_route_remove(ip_of(h), netstack, network, prefix_len);
}

int vmk_route_set_default(struct vmk_host *h, const char *netstack, uint32_t gateway)
{
	return tcpip_route_set_default(ip_of(h), netstack, gateway);
}

unsigned int vmk_route_list(struct vmk_host *h, const char *netstack,
			    struct vmk_route *out, unsigned int max)
{
	return tcpip_route_list(ip_of(h), netstack, out, max);
}

int vmk_route_lookup(struct vmk_host *h, const char *netstack, uint32_t dst, uint32_t src,
		     struct vmk_route *route, uint32_t *next_hop)
{
	return tcpip_route_lookup(ip_of(h), netstack, dst, src, route, next_hop);
}

unsigned int vmk_neigh_list(struct vmk_host *h, const char *netstack,
			    struct vmk_neigh *out, unsigned int max)
{
	return tcpip_neigh_list(ip_of(h), netstack, out, max);
}

int vmk_neigh_remove(struct vmk_host *h, const char *netstack, uint32_t ip)
{
	return tcpip_neigh_remove(ip_of(h), netstack, ip);
}

int vmk_ping(struct vmk_host *h, const struct vmk_ping_params *p,
	     struct vmk_ping_result *result)
{
	return vmknic_ping(host_vmknics(h), p, result);
}

/* ---- sockets and TCP settings ----------------------------------------- */

int vmk_tcp_open(struct vmk_host *h, const char *netstack, struct vmk_tcp_sock **out)
{
	return tcpip_tcp_open(ip_of(h), netstack, out);
}

int vmk_tcp_get_params(struct vmk_host *h, const char *netstack, struct vmk_tcp_params *out)
{
	return tcpip_tcp_get_params(ip_of(h), netstack, out);
}

int vmk_tcp_set_params(struct vmk_host *h, const char *netstack,
		       const struct vmk_tcp_params *p)
{
	return tcpip_tcp_set_params(ip_of(h), netstack, p);
}

int vmk_tcp_get_stats(struct vmk_host *h, const char *netstack, struct vmk_tcp_stats *out)
{
	return tcpip_tcp_get_stats(ip_of(h), netstack, out);
}

unsigned int vmk_tcp_conn_list(struct vmk_host *h, const char *netstack,
			       struct vmk_tcp_conn *out, unsigned int max)
{
	return tcpip_tcp_conn_list(ip_of(h), netstack, out, max);
}

int vmk_udp_open(struct vmk_host *h, const char *netstack, struct vmk_udp_sock **out)
{
	return tcpip_udp_open(ip_of(h), netstack, out);
}

/* ---- VMkernel adapters ------------------------------------------------ */

int vmk_vmknic_add(struct vmk_host *h, const struct vmk_vmknic_params *p,
		   char name_out[VMK_NAME_MAX])
{
	return vmknic_add(host_vmknics(h), p, name_out);
}

int vmk_vmknic_remove(struct vmk_host *h, const char *name)
{
	return vmknic_remove(host_vmknics(h), name);
}

int vmk_vmknic_set_ipv4(struct vmk_host *h, const char *name, uint32_t addr,
			uint32_t netmask)
{
	return vmknic_set_ipv4(host_vmknics(h), name, addr, netmask);
}

int vmk_vmknic_set_gateway(struct vmk_host *h, const char *name, uint32_t gateway)
{
	return vmknic_set_gateway(host_vmknics(h), name, gateway);
}

int vmk_vmknic_set_mtu(struct vmk_host *h, const char *name, uint32_t mtu)
{
	return vmknic_set_mtu(host_vmknics(h), name, mtu);
}

int vmk_vmknic_set_enabled(struct vmk_host *h, const char *name, bool enabled)
{
	return vmknic_set_enabled(host_vmknics(h), name, enabled);
}

int vmk_vmknic_get(struct vmk_host *h, const char *name, struct vmk_vmknic_info *out)
{
	return vmknic_get(host_vmknics(h), name, out);
}

unsigned int vmk_vmknic_list(struct vmk_host *h, struct vmk_vmknic_info *out,
			     unsigned int max)
{
	return vmknic_list(host_vmknics(h), out, max);
}

int vmk_vmknic_tag_add(struct vmk_host *h, const char *name, enum vmk_service_tag tag)
{
	return vmknic_tag_add(host_vmknics(h), name, tag);
}

int vmk_vmknic_tag_remove(struct vmk_host *h, const char *name, enum vmk_service_tag tag)
{
	return vmknic_tag_remove(host_vmknics(h), name, tag);
}

int vmk_vmknic_tags_get(struct vmk_host *h, const char *name, uint32_t *tags)
{
	return vmknic_tags_get(host_vmknics(h), name, tags);
}

unsigned int vmk_vmknic_find_by_tag(struct vmk_host *h, enum vmk_service_tag tag,
				    char (*names)[VMK_NAME_MAX], unsigned int max)
{
	return vmknic_find_by_tag(host_vmknics(h), tag, names, max);
}

/* ---- DHCP clients of adapters ------------------------------------------ */

int vmk_dhcp_start(struct vmk_host *h, const char *vmknic, bool peer_dns)
{
	return vmknic_dhcp_start(host_vmknics(h), vmknic, peer_dns);
}

int vmk_dhcp_stop(struct vmk_host *h, const char *vmknic, bool release)
{
	return vmknic_dhcp_stop(host_vmknics(h), vmknic, release);
}

int vmk_dhcp_get(struct vmk_host *h, const char *vmknic, struct vmk_dhcp_info *out)
{
	return vmknic_dhcp_get(host_vmknics(h), vmknic, out);
}

int vmk_dhcp_poll(struct vmk_host *h, unsigned int *next_ms)
{
	return vmknic_dhcp_poll(host_vmknics(h), next_ms);
}

/* ---- the host firewall ------------------------------------------------- */

int vmk_firewall_apply(struct vmk_host *h, const struct vmk_fw_config *fw)
{
	return tcpip_firewall_apply(ip_of(h), fw);
}

int vmk_firewall_get(struct vmk_host *h, struct vmk_fw_config *out)
{
	return tcpip_firewall_get(ip_of(h), out);
}

int vmk_firewall_ruleset_stats(struct vmk_host *h, const char *name,
			       struct vmk_fw_ruleset_stats *out)
{
	return tcpip_firewall_ruleset_stats(ip_of(h), name, out);
}

int vmk_firewall_stats(struct vmk_host *h, struct vmk_fw_stats *out)
{
	return tcpip_firewall_stats(ip_of(h), out);
}

int vmk_firewall_check(struct vmk_host *h, enum vmk_fw_direction dir,
		       enum vmk_fw_protocol proto, uint32_t remote_addr, uint16_t src_port,
		       uint16_t dst_port, bool *pass, char *ruleset)
{
	return tcpip_firewall_check(ip_of(h), dir, proto, remote_addr, src_port, dst_port,
				    pass, ruleset);
}
