/*
 * DHCP on VMkernel interfaces, the read side: the fields `network ip
 * interface ipv4 get` shows for an interface set -t dhcp (the lease as it
 * runs: Address Type DHCP, the leased address, netmask and router, DHCP
 * DNS and the servers when -P true), and vmknet's own `network ip
 * interface ipv4 dhcp get` (the client's state, lease times and
 * counters, malformed or foreign messages by reason). The configuration
 * holds only -t dhcp and -P (ops_ip.c's ipv4.set); the client itself is
 * the library's (include/vmknet/dhcp.h), run by the main loop (main.c).
 *
 * Thread: the main lcore, one request at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmknetd/ops.h"

static void add_ip(cJSON *o, const char *key, uint32_t a)
{
	char s[INET_ADDRSTRLEN];

	cJSON_AddStringToObject(o, key, inet_ntop(AF_INET, &a, s, sizeof(s)));
}

/* "a, b, c" of the DHCP DNS servers (esxcli's way of listing addresses). */
static void add_dns(cJSON *o, const struct vmk_dhcp_info *di)
{
	char list[VMK_DHCP_DNS_MAX * 18] = "";
	size_t n = 0;

	for (unsigned int i = 0; i < di->n_dns && i < VMK_DHCP_DNS_MAX; i++) {
		char s[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &di->dns[i], s, sizeof(s));
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", s);
	}
	cJSON_AddStringToObject(o, "dns_servers", list);
}

void dhcp_ipv4_fields(struct daemon *d, const struct vmk_config_vmknic *c, cJSON *o)
{
	struct vmk_dhcp_info di;
	struct vmk_vmknic_info vi;

	memset(&di, 0, sizeof(di));
	memset(&vi, 0, sizeof(vi));
	vmk_dhcp_get(d->host, c->name, &di);
	vmk_vmknic_get(d->host, c->name, &vi);
	/* What the adapter has, which is the lease once it is bound. */
	add_ip(o, "ipv4_address", vi.ipv4);
	add_ip(o, "ipv4_netmask", vi.netmask);
	add_ip(o, "ipv4_broadcast", vi.ipv4 != 0 ? (vi.ipv4 | ~vi.netmask) : 0);
	cJSON_AddStringToObject(o, "address_type", "DHCP");
	add_ip(o, "gateway", vi.ipv4 != 0 ? di.router : 0);
	cJSON_AddBoolToObject(o, "dhcp_dns", c->peer_dns);
	add_dns(o, &di);
}

/* One interface's client as a row of `ipv4 dhcp get`. */
static void dhcp_row(struct daemon *d, const struct vmk_config_vmknic *c, cJSON *o)
{
	struct vmk_dhcp_info info, *di = &info;
	char drops[256] = "";
	size_t n = 0;

	memset(&info, 0, sizeof(info));
	vmk_dhcp_get(d->host, c->name, &info);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "state", vmk_dhcp_state_name(di->state));
	add_ip(o, "address", di->addr);
	add_ip(o, "netmask", di->netmask);
	add_ip(o, "router", di->router);
	cJSON_AddBoolToObject(o, "router_in_use", di->router_in_use);
	add_ip(o, "server", di->server);
	cJSON_AddNumberToObject(o, "lease_time", di->lease_s);
	cJSON_AddNumberToObject(o, "renewal_time", di->t1_s);
	cJSON_AddNumberToObject(o, "rebinding_time", di->t2_s);
	cJSON_AddNumberToObject(o, "remaining", di->remaining_s);
	cJSON_AddBoolToObject(o, "peer_dns", di->peer_dns);
	add_dns(o, di);
	cJSON_AddNumberToObject(o, "discovers", (double)di->tx_discover);
	cJSON_AddNumberToObject(o, "requests", (double)di->tx_request);
	cJSON_AddNumberToObject(o, "renewals", (double)di->tx_renew);
	cJSON_AddNumberToObject(o, "rebinds", (double)di->tx_rebind);
	cJSON_AddNumberToObject(o, "releases", (double)di->tx_release);
	cJSON_AddNumberToObject(o, "offers", (double)di->rx_offer);
	cJSON_AddNumberToObject(o, "acks", (double)di->rx_ack);
	cJSON_AddNumberToObject(o, "naks", (double)di->rx_nak);
	cJSON_AddNumberToObject(o, "leases", (double)di->leases);
	cJSON_AddNumberToObject(o, "expired", (double)di->expired);
	for (unsigned int r = 1; r < VMK_DHCP_DROP_MAX; r++)
		if (di->drops[r] != 0)
			n += (size_t)snprintf(drops + n, sizeof(drops) - n, "%s%s:%llu",
					      n ? " " : "", vmk_dhcp_drop_name(r),
					      (unsigned long long)di->drops[r]);
	cJSON_AddStringToObject(o, "dropped", drops);
}

static bool runs_dhcp(struct daemon *d, const struct vmk_config_vmknic *c)
{
	struct vmk_dhcp_info di;

	return c->dhcp && vmk_dhcp_get(d->host, c->name, &di) == 0;
}

static int dhcp_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		    size_t err_size)
{
	const struct vmk_config_vmknic *c;

	if (cJSON_GetObjectItemCaseSensitive(args, "interface_name") != NULL) {
		c = find_nic(d->cfg, args, err, err_size);
		if (c == NULL)
			return -ENOENT;
		if (!c->dhcp) {
			op_errf(err, err_size, "%s is not set -t dhcp (see 'vmkcli network ip "
				"interface ipv4 get -i %s')", c->name, c->name);
			return -ENOENT;
		}
	}
	return nic_rows(d, args, runs_dhcp, dhcp_row, result, err, err_size);
}

const struct op dhcp_ops[] = {
	{ "interface.ipv4.dhcp.get", dhcp_get, NULL },
	{ NULL, NULL, NULL },
};
