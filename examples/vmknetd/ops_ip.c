/*
 * VMkernel adapters, netstacks and routes: esxcli's
 * `network ip interface|interface ipv4|interface tag|route ipv4|netstack`
 * as edits of the configuration (the commit path in ops.c validates,
 * applies and saves them) and as lists of what runs.
 *
 * Arguments: "interface_name" (vmkN), "portgroup_name", "vswitch_name",
 * "netstack", "mtu", "mac_address", "enabled" (boolean), "ipv4",
 * "netmask", "type" (static|none), "gateway", "tagname", "network"
 * ("default" or a.b.c.d/len), "replace" (boolean). Addresses are dotted
 * quads.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmknet/tcp.h>

#include "vmknetd/ops.h"

#define HINT_NIC_LIST " (see 'vmkcli network ip interface list')"
#define HINT_NS_LIST  " (see 'vmkcli network ip netstack list')"

static const char *ip_str(uint32_t a, char buf[16])
{
	return inet_ntop(AF_INET, &a, buf, 16);
}

int arg_ipv4(const cJSON *args, const char *key, bool required, uint32_t *out, const char *what,
	     char *err, size_t err_size)
{
	const char *s;
	struct in_addr a;
	int ret = arg_str(args, key, required, &s, err, err_size);

	if (ret < 0)
		return ret;
	if (inet_pton(AF_INET, s, &a) != 1) {
		op_errf(err, err_size, "%s \"%s\" is not an IPv4 address (a.b.c.d)", what, s);
		return -EINVAL;
	}
	*out = a.s_addr;
	return 0;
}

struct vmk_config_vmknic *find_nic(struct vmk_config *cfg, const cJSON *args, char *err,
				   size_t err_size)
{
	const char *name;

	if (arg_name(args, "interface_name", "interface", &name, err, err_size) < 0)
		return NULL;
	struct vmk_config_vmknic *n = vmk_config_find_vmknic(cfg, name);

	if (n == NULL)
		op_errf(err, err_size, "no VMkernel interface named \"%s\"" HINT_NIC_LIST, name);
	return n;
}

/* ---- network ip interface ------------------------------------------------ */

static int nic_name_pick(struct vmk_config *next, const cJSON *args, char out[VMK_NAME_MAX],
			 char *err, size_t err_size)
{
	const char *name;
	int ret;

	if (cJSON_GetObjectItemCaseSensitive(args, "interface_name") != NULL) {
		ret = arg_name(args, "interface_name", "interface", &name, err, err_size);
		if (ret < 0)
			return ret;
		if (vmk_config_find_vmknic(next, name) != NULL) {
			op_errf(err, err_size, "a VMkernel interface named \"%s\" already exists",
				name);
			return -EEXIST;
		}
		snprintf(out, VMK_NAME_MAX, "%s", name);
		return 0;
	}
	for (unsigned int i = 0; i < 2 * VMK_VMKNIC_MAX; i++) {
		snprintf(out, VMK_NAME_MAX, "vmk%u", i);
		if (vmk_config_find_vmknic(next, out) == NULL)
			return 0;
	}
	op_errf(err, err_size, "no free vmkN name");
	return -ENOSPC;
}

static int nic_place(struct vmk_config *next, const cJSON *args, struct vmk_config_vmknic *n,
		     struct vmk_config_vswitch **vs_out, char *err, size_t err_size)
{
	struct vmk_config_vswitch *vs = NULL;
	const char *pg, *ns;
	char name[VMK_NAME_MAX];
	int ret = arg_portgroup(next, args, &pg, &vs, err, err_size);

	if (ret < 0)
		return ret;

	snprintf(name, sizeof(name), "%s", n->name);
	vmk_config_vmknic_init(n, name, vs->name, pg);
	ret = arg_str(args, "netstack", false, &ns, err, err_size);
	if (ret == 0 && vmk_config_find_netstack(next, ns) == NULL) {
		op_errf(err, err_size, "no netstack named \"%s\"" HINT_NS_LIST, ns);
		return -ENOENT;
	}
	if (ret == 0)
		snprintf(n->netstack, sizeof(n->netstack), "%s", ns);
	else if (ret != -ENOENT)
		return ret;
	*vs_out = vs;
	return 0;
}

static int interface_add(struct daemon *d, const cJSON *args, struct vmk_config *next,
			 char *err, size_t err_size)
{
	struct vmk_config_vmknic n;
	struct vmk_config_vswitch *vs = NULL;
	const char *mac;
	int ret;

	(void)d;
	memset(&n, 0, sizeof(n));
	ret = nic_name_pick(next, args, n.name, err, err_size);
	if (ret == 0)
		ret = nic_place(next, args, &n, &vs, err, err_size);
	if (ret < 0)
		return ret;
	n.mtu = vs->mtu < 1500 ? vs->mtu : 1500;
	ret = arg_uint(args, "mtu", false, VMK_VMKNIC_MTU_MIN, VMK_VMKNIC_MTU_MAX, &n.mtu, "MTU",
		       err, err_size);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = arg_str(args, "mac_address", false, &mac, err, err_size);
	if (ret == 0 && parse_mac(mac, n.mac) < 0) {
		op_errf(err, err_size, "MAC address \"%s\" is not xx:xx:xx:xx:xx:xx", mac);
		return -EINVAL;
	}
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (next->n_vmknics >= VMK_VMKNIC_MAX) {
		op_errf(err, err_size, "a host has at most %d VMkernel interfaces", VMK_VMKNIC_MAX);
		return -ENOSPC;
	}
	next->vmknics[next->n_vmknics++] = n;
	return 0;
}

static int interface_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			    char *err, size_t err_size)
{
	struct vmk_config_vmknic *n = find_nic(next, args, err, err_size);

	(void)d;
	if (n == NULL)
		return err[0] && strstr(err, "no VMkernel") ? -ENOENT : -EINVAL;
	CFG_LIST_REMOVE(next->vmknics, next->n_vmknics, n);
	return 0;
}

static int interface_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
			 char *err, size_t err_size)
{
	struct vmk_config_vmknic *n = find_nic(next, args, err, err_size);
	uint32_t mtu;
	bool en;
	int r_mtu, r_en;

	(void)d;
	if (n == NULL)
		return -ENOENT;
	r_mtu = arg_uint(args, "mtu", false, VMK_VMKNIC_MTU_MIN, VMK_VMKNIC_MTU_MAX, &mtu, "MTU",
			 err, err_size);
	if (r_mtu < 0 && r_mtu != -ENOENT)
		return r_mtu;
	r_en = arg_bool(args, "enabled", "-e|--enabled", &en, err, err_size);
	if (r_en < 0 && r_en != -ENOENT)
		return r_en;
	if (r_mtu == -ENOENT && r_en == -ENOENT) {
		op_errf(err, err_size, "nothing to set: give -m|--mtu or -e|--enabled");
		return -EINVAL;
	}
	if (r_mtu == 0)
		n->mtu = mtu;
	if (r_en == 0)
		n->enabled = en;
	return 0;
}

/* The index of the vSwitch named name in cfg (its place in host port IDs). */
static unsigned int vswitch_index(const struct vmk_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->n_vswitches; i++)
		if (strcmp(cfg->vswitches[i].name, name) == 0)
			break;
	return i;
}

static int interface_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			  size_t err_size)
{
	const char *only = NULL;
	cJSON *arr;

	if (arg_str(args, "netstack", false, &only, err, err_size) == -EINVAL)
		return -EINVAL;
	if (only != NULL && vmk_config_find_netstack(d->cfg, only) == NULL) {
		op_errf(err, err_size, "no netstack named \"%s\" (see 'vmkcli network ip "
			"netstack list')", only);
		return -ENOENT;
	}
	arr = cJSON_CreateArray();
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->cfg->n_vmknics; i++) {
		const struct vmk_config_vmknic *c = &d->cfg->vmknics[i];
		struct vmk_vmknic_info info;
		cJSON *o;
		char mac[18];

		if (only != NULL && strcmp(c->netstack, only) != 0)
			continue;
		o = cJSON_CreateObject();
		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return -ENOMEM;
		}
		memset(&info, 0, sizeof(info));
		vmk_vmknic_get(d->host, c->name, &info);
		mac_str(info.mac, mac);
		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "mac_address", mac);
		cJSON_AddBoolToObject(o, "enabled", c->enabled);
		cJSON_AddStringToObject(o, "portset", c->vswitch);
		cJSON_AddStringToObject(o, "portgroup", c->portgroup);
		cJSON_AddStringToObject(o, "netstack", c->netstack);
		/* A standard vSwitch: esxcli's values for no VDS, no NSX network. */
		cJSON_AddStringToObject(o, "vds_name", "N/A");
		cJSON_AddStringToObject(o, "vds_uuid", "N/A");
		cJSON_AddStringToObject(o, "vds_port", "N/A");
		cJSON_AddNumberToObject(o, "vds_connection", -1);
		cJSON_AddStringToObject(o, "opaque_network_id", "N/A");
		cJSON_AddStringToObject(o, "opaque_network_type", "N/A");
		cJSON_AddStringToObject(o, "external_id", "N/A");
		cJSON_AddNumberToObject(o, "mtu", c->mtu);
		/* The adapter takes segments up to 64 KiB from its stack, as
		 * ESXi's vmknics say (TSO MSS 65535). */
		cJSON_AddNumberToObject(o, "tso_mss", 65535);
		cJSON_AddNumberToObject(o, "rxdispqueue_size", 1);
		/* Host-wide, as vmktop, pktcap --switchport and vm port list. */
		cJSON_AddNumberToObject(o, "port_id", (double)host_port_id(
						vswitch_index(d->cfg, c->vswitch), info.port_id));
	}
	*result = arr;
	return 0;
}

/* ---- network ip interface ipv4 ------------------------------------------- */

static int ipv4_set(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		    size_t err_size)
{
	struct vmk_config_vmknic *n = find_nic(next, args, err, err_size);
	const char *type = "static";
	uint32_t addr = 0, mask = 0, gw = 0;
	bool peer_dns = false;
	int r_t, r_a, r_m, r_g, r_p;

	(void)d;
	if (n == NULL)
		return -ENOENT;
	r_t = arg_str(args, "type", false, &type, err, err_size);
	if (r_t < 0 && r_t != -ENOENT)
		return r_t;
	if (strcmp(type, "static") != 0 && strcmp(type, "none") != 0 &&
	    strcmp(type, "dhcp") != 0) {
		op_errf(err, err_size, "type \"%s\" is not supported: use static, dhcp or none",
			type);
		return -EINVAL;
	}
	r_p = arg_bool(args, "peer_dns", "-P|--peer-dns", &peer_dns, err, err_size);
	if (r_p == -EINVAL)
		return r_p;
	if (r_p == 0 && strcmp(type, "dhcp") != 0) {
		op_errf(err, err_size, "-P|--peer-dns applies to -t dhcp only");
		return -EINVAL;
	}
	r_a = arg_ipv4(args, "ipv4", false, &addr, "address", err, err_size);
	if (r_a == -EINVAL)
		return r_a;
	r_m = arg_ipv4(args, "netmask", false, &mask, "netmask", err, err_size);
	if (r_m == -EINVAL)
		return r_m;
	r_g = arg_ipv4(args, "gateway", false, &gw, "gateway", err, err_size);
	if (r_g == -EINVAL)
		return r_g;
	if (strcmp(type, "none") == 0 || strcmp(type, "dhcp") == 0) {
		if (r_a == 0 || r_m == 0 || r_g == 0) {
			op_errf(err, err_size, "-t %s %s: give no -I, -N or -g", type,
				type[0] == 'n' ? "removes the address" :
				"leases the address, netmask and gateway");
			return -EINVAL;
		}
		n->ipv4 = n->netmask = n->gateway = 0;
		n->dhcp = type[0] == 'd';
		n->peer_dns = n->dhcp && peer_dns;
		return 0;
	}
	n->dhcp = n->peer_dns = false;
	if (r_a != 0 || r_m != 0) {
		op_errf(err, err_size, "-t static needs both -I|--ipv4 and -N|--netmask");
		return -EINVAL;
	}
	n->ipv4 = addr;
	n->netmask = mask;
	n->gateway = r_g == 0 ? gw : 0;
	return 0;
}

static void add_ip(cJSON *o, const char *key, uint32_t a)
{
	char s[16];

	cJSON_AddStringToObject(o, key, ip_str(a, s));
}

/* One interface's `ipv4 get` row: the configured address, or the lease. */
static void ipv4_row(struct daemon *d, const struct vmk_config_vmknic *c, cJSON *o)
{
	cJSON_AddStringToObject(o, "name", c->name);
	if (c->dhcp) {   /* the lease, as it runs */
		dhcp_ipv4_fields(d, c, o);
		return;
	}
	add_ip(o, "ipv4_address", c->ipv4);
	add_ip(o, "ipv4_netmask", c->netmask);
	add_ip(o, "ipv4_broadcast", c->ipv4 != 0 ? (c->ipv4 | ~c->netmask) : 0);
	cJSON_AddStringToObject(o, "address_type", c->ipv4 != 0 ? "STATIC" : "NONE");
	add_ip(o, "gateway", c->gateway);
	cJSON_AddBoolToObject(o, "dhcp_dns", false);
	cJSON_AddStringToObject(o, "dns_servers", "");
}

int nic_rows(struct daemon *d, const cJSON *args,
	     bool (*want)(struct daemon *, const struct vmk_config_vmknic *),
	     void (*fill)(struct daemon *, const struct vmk_config_vmknic *, cJSON *),
	     cJSON **result, char *err, size_t err_size)
{
	const struct vmk_config_vmknic *only = NULL;
	cJSON *arr;

	if (cJSON_GetObjectItemCaseSensitive(args, "interface_name") != NULL) {
		only = find_nic(d->cfg, args, err, err_size);
		if (only == NULL)
			return -ENOENT;
	}
	arr = cJSON_CreateArray();
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->cfg->n_vmknics; i++) {
		const struct vmk_config_vmknic *c = &d->cfg->vmknics[i];
		cJSON *o;

		if ((only != NULL && only != c) || (want != NULL && !want(d, c)))
			continue;
		o = cJSON_CreateObject();
		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return -ENOMEM;
		}
		fill(d, c, o);
	}
	*result = arr;
	return 0;
}

static int ipv4_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		    size_t err_size)
{
	return nic_rows(d, args, NULL, ipv4_row, result, err, err_size);
}

/* ---- network ip interface tag -------------------------------------------- */

static int tag_arg(const cJSON *args, enum vmk_service_tag *tag, char *err, size_t err_size)
{
	const char *name;
	int ret = arg_str(args, "tagname", true, &name, err, err_size);

	if (ret < 0)
		return ret;
	if (vmk_service_tag_parse(name, tag) < 0) {
		op_errf(err, err_size, "unknown tag \"%s\": use Management, VMotion, Provisioning, "
			"faultToleranceLogging, VSAN, VSANWitness, vSphereReplication, "
			"vSphereReplicationNFC, vSphereBackupNFC or NVMeTCP", name);
		return -EINVAL;
	}
	return 0;
}

static int tag_edit(struct vmk_config *next, const cJSON *args, bool add, char *err,
		    size_t err_size)
{
	struct vmk_config_vmknic *n = find_nic(next, args, err, err_size);
	enum vmk_service_tag tag;
	int ret;

	if (n == NULL)
		return -ENOENT;
	ret = tag_arg(args, &tag, err, err_size);
	if (ret < 0)
		return ret;
	if (add && tag == VMK_TAG_FT_LOGGING) {
		for (unsigned int i = 0; i < next->n_vmknics; i++) {
			const struct vmk_config_vmknic *o = &next->vmknics[i];

			if (o != n && (o->tags & (1u << VMK_TAG_FT_LOGGING))) {
				op_errf(err, err_size, "%s already carries faultToleranceLogging: "
					"a host has one such interface (remove the tag there first)",
					o->name);
				return -EEXIST;
			}
		}
	}
	if (add && tag != VMK_TAG_VMOTION && strcmp(n->netstack, VMK_NETSTACK_VMOTION) == 0) {
		op_errf(err, err_size, "%s is in the vmotion netstack, which carries only the "
			"VMotion tag", n->name);
		return -EINVAL;
	}
	if (add)
		n->tags |= 1u << tag;
	else
		n->tags &= ~(1u << tag);
	return 0;
}

static int tag_add(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		   size_t err_size)
{
	(void)d;
	return tag_edit(next, args, true, err, err_size);
}

static int tag_remove(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		      size_t err_size)
{
	(void)d;
	return tag_edit(next, args, false, err, err_size);
}

static int tag_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		   size_t err_size)
{
	const struct vmk_config_vmknic *n = find_nic(d->cfg, args, err, err_size);
	cJSON *o, *tags;

	if (n == NULL)
		return -ENOENT;
	o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	tags = cJSON_AddArrayToObject(o, "tags");
	for (unsigned int t = 0; tags != NULL && t < VMK_TAG_MAX; t++)
		if (n->tags & (1u << t))
			cJSON_AddItemToArray(tags, cJSON_CreateString(
				vmk_service_tag_name((enum vmk_service_tag)t)));
	*result = o;
	return 0;
}

/* ---- network ip route ipv4 ----------------------------------------------- */

static struct vmk_config_netstack *ns_arg(struct vmk_config *cfg, const cJSON *args,
					  char *err, size_t err_size)
{
	const char *name = VMK_NETSTACK_DEFAULT;
	struct vmk_config_netstack *ns;

	if (arg_str(args, "netstack", false, &name, err, err_size) == -EINVAL)
		return NULL;
	ns = vmk_config_find_netstack(cfg, name);
	if (ns == NULL)
		op_errf(err, err_size, "no netstack named \"%s\"" HINT_NS_LIST, name);
	return ns;
}

/* "default" (0/0) or a.b.c.d/len with host bits zero. */
static int network_arg(const cJSON *args, uint32_t *net, uint8_t *plen, char *err,
		       size_t err_size)
{
	const char *s;
	char buf[40], *slash, *end, ok[16];
	struct in_addr a;
	long n;
	int ret = arg_str(args, "network", true, &s, err, err_size);

	if (ret < 0)
		return ret;
	if (strcmp(s, "default") == 0) {
		*net = 0;
		*plen = 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	n = slash != NULL ? strtol(slash + 1, &end, 10) : -1;
	if (slash == NULL || end == slash + 1 || *end != '\0' || n < 0 || n > 32 ||
	    inet_pton(AF_INET, buf, &a) != 1) {
		op_errf(err, err_size, "network \"%s\" is not \"default\" or a.b.c.d/len", s);
		return -EINVAL;
	}
	if (n == 0 && a.s_addr == 0) {
		*net = 0;
		*plen = 0;
		return 0;
	}
	if (n == 0 || (a.s_addr & ~htonl(~0u << (32 - n))) != 0) {
		op_errf(err, err_size, "network %s has host bits set: use %s/%ld", s,
			ip_str(n ? a.s_addr & htonl(~0u << (32 - n)) : 0, ok), n);
		return -EINVAL;
	}
	*net = a.s_addr;
	*plen = (uint8_t)n;
	return 0;
}

static int route_add(struct daemon *d, const cJSON *args, struct vmk_config *next, char *err,
		     size_t err_size)
{
	struct vmk_config_netstack *ns = ns_arg(next, args, err, err_size);
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(args, "replace");
	uint32_t net, gw;
	uint8_t plen;
	char a[16], b[16];
	int ret;

	(void)d;
	if (ns == NULL)
		return -ENOENT;
	ret = network_arg(args, &net, &plen, err, err_size);
	if (ret == 0)
		ret = arg_ipv4(args, "gateway", true, &gw, "gateway", err, err_size);
	if (ret < 0)
		return ret;
	if (plen == 0) {
		if (ns->default_gateway != 0 && ns->default_gateway != gw && !cJSON_IsTrue(rep)) {
			op_errf(err, err_size, "netstack %s already has the default gateway %s: a "
				"netstack has one; replace it with --replace, or remove it first",
				ns->name, ip_str(ns->default_gateway, a));
			return -EEXIST;
		}
		ns->default_gateway = gw;
		return 0;
	}
	for (unsigned int i = 0; i < ns->n_routes; i++) {
		struct vmk_config_route *r = &ns->routes[i];

		if (r->network != net || r->prefix_len != plen)
			continue;
		if (cJSON_IsTrue(rep)) {
			r->gateway = gw;
			return 0;
		}
		op_errf(err, err_size, "netstack %s already has a route to %s/%u via %s (use "
			"--replace)", ns->name, ip_str(net, a), plen, ip_str(r->gateway, b));
		return -EEXIST;
	}
	if (ns->n_routes >= VMK_CONFIG_MAX_ROUTES) {
		op_errf(err, err_size, "netstack %s has %d static routes, the most it holds",
			ns->name, VMK_CONFIG_MAX_ROUTES);
		return -ENOSPC;
	}
	ns->routes[ns->n_routes++] = (struct vmk_config_route){ net, plen, gw };
	return 0;
}

static int route_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			char *err, size_t err_size)
{
	struct vmk_config_netstack *ns = ns_arg(next, args, err, err_size);
	uint32_t net, gw = 0;
	uint8_t plen;
	char a[16], b[16];
	int ret, r_g;

	(void)d;
	if (ns == NULL)
		return -ENOENT;
	ret = network_arg(args, &net, &plen, err, err_size);
	if (ret < 0)
		return ret;
	r_g = arg_ipv4(args, "gateway", false, &gw, "gateway", err, err_size);
	if (r_g == -EINVAL)
		return r_g;
	if (plen == 0) {
		if (ns->default_gateway == 0) {
			op_errf(err, err_size, "netstack %s has no default gateway", ns->name);
			return -ENOENT;
		}
		if (r_g == 0 && gw != ns->default_gateway) {
			op_errf(err, err_size, "the default gateway of %s is %s, not %s",
				ns->name, ip_str(ns->default_gateway, a), ip_str(gw, b));
			return -ENOENT;
		}
		ns->default_gateway = 0;
		return 0;
	}
	for (unsigned int i = 0; i < ns->n_routes; i++) {
		if (ns->routes[i].network != net || ns->routes[i].prefix_len != plen)
			continue;
		if (r_g == 0 && gw != ns->routes[i].gateway) {
			op_errf(err, err_size, "the route to %s/%u goes via %s, not %s",
				ip_str(net, a), plen, ip_str(ns->routes[i].gateway, b),
				ip_str(gw, b));
			return -ENOENT;
		}
		memmove(&ns->routes[i], &ns->routes[i + 1],
			(ns->n_routes - i - 1) * sizeof(ns->routes[0]));
		ns->n_routes--;
		return 0;
	}
	op_errf(err, err_size, "netstack %s has no static route to %s/%u (see 'vmkcli network ip "
		"route ipv4 list -N %s'; connected routes follow the interfaces' addresses)",
		ns->name, ip_str(net, a), plen, ns->name);
	return -ENOENT;
}

static int route_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		      size_t err_size)
{
	static const char *const source[] = { "Local", "MANUAL", "MANUAL", "DHCP" };
	struct vmk_config_netstack *ns = ns_arg(d->cfg, args, err, err_size);
	struct vmk_route routes[VMK_ROUTE_MAX];
	unsigned int n;
	cJSON *arr;

	if (ns == NULL)
		return -ENOENT;
	n = vmk_route_list(d->host, ns->name, routes, VMK_ROUTE_MAX);
	arr = cJSON_CreateArray();
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < n && i < VMK_ROUTE_MAX; i++) {
		const struct vmk_route *r = &routes[i];
		cJSON *o = cJSON_CreateObject();
		char s[16];

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return -ENOMEM;
		}
		cJSON_AddStringToObject(o, "network", r->prefix_len == 0 ? "default" :
					ip_str(r->network, s));
		add_ip(o, "netmask", r->prefix_len ? htonl(~0u << (32 - r->prefix_len)) : 0);
		add_ip(o, "gateway", r->gateway);
		cJSON_AddStringToObject(o, "interface", r->ifname[0] ? r->ifname : "None");
		cJSON_AddStringToObject(o, "source", source[r->origin <= 3 ? r->origin : 1]);
		cJSON_AddStringToObject(o, "netstack", ns->name);
	}
	*result = arr;
	return 0;
}

/* ---- network ip netstack ------------------------------------------------- */

static int netstack_add(struct daemon *d, const cJSON *args, struct vmk_config *next,
			char *err, size_t err_size)
{
	const char *name;
	int ret = arg_name(args, "netstack", "netstack", &name, err, err_size);

	(void)d;
	if (ret < 0)
		return ret;
	if (vmk_config_find_netstack(next, name) != NULL) {
		op_errf(err, err_size, "a netstack named \"%s\" already exists", name);
		return -EEXIST;
	}
	if (next->n_netstacks >= VMK_NETSTACK_MAX) {
		op_errf(err, err_size, "a host has at most %d netstacks (built-ins included)",
			VMK_NETSTACK_MAX);
		return -ENOSPC;
	}
	memset(&next->netstacks[next->n_netstacks], 0, sizeof(next->netstacks[0]));
	snprintf(next->netstacks[next->n_netstacks++].name, VMK_NAME_MAX, "%s", name);
	return 0;
}

static int netstack_remove(struct daemon *d, const cJSON *args, struct vmk_config *next,
			   char *err, size_t err_size)
{
	struct vmk_config_netstack *ns;
	const char *name;
	unsigned int i;
	int ret = arg_name(args, "netstack", "netstack", &name, err, err_size);

	(void)d;
	if (ret < 0)
		return ret;
	ns = vmk_config_find_netstack(next, name);
	if (ns == NULL) {
		op_errf(err, err_size, "no netstack named \"%s\"" HINT_NS_LIST, name);
		return -ENOENT;
	}
	if (vmk_config_netstack_is_builtin(name)) {
		op_errf(err, err_size, "netstack %s is built in and cannot be removed", name);
		return -EPERM;
	}
	for (i = 0; i < next->n_vmknics; i++) {
		if (strcmp(next->vmknics[i].netstack, name) == 0) {
			op_errf(err, err_size, "netstack %s still holds %s: remove its interfaces "
				"first", name, next->vmknics[i].name);
			return -EBUSY;
		}
	}
	CFG_LIST_REMOVE(next->netstacks, next->n_netstacks, ns);
	return 0;
}

/* esxcli's `network ip netstack set`: the TCP settings of a netstack
 * ("ccalgo", "rto_min_ms"); at least one is needed. */
static int netstack_set(struct daemon *d, const cJSON *args, struct vmk_config *next,
			char *err, size_t err_size)
{
	struct vmk_config_netstack *ns;
	const char *name, *cc = NULL;
	uint32_t rto = 0;
	bool has_cc, has_rto;
	int ret = arg_name(args, "netstack", "netstack", &name, err, err_size);

	(void)d;
	if (ret < 0)
		return ret;
	ns = vmk_config_find_netstack(next, name);
	if (ns == NULL) {
		op_errf(err, err_size, "no netstack named \"%s\"" HINT_NS_LIST, name);
		return -ENOENT;
	}
	has_cc = cJSON_GetObjectItemCaseSensitive(args, "ccalgo") != NULL;
	has_rto = cJSON_GetObjectItemCaseSensitive(args, "rto_min_ms") != NULL;
	if (!has_cc && !has_rto) {
		op_errf(err, err_size, "nothing to set: give -c|--ccalgo or --rto-min-ms");
		return -EINVAL;
	}
	if (has_cc) {
		ret = arg_str(args, "ccalgo", true, &cc, err, err_size);
		if (ret < 0)
			return ret;
		if (cc[0] == '\0' || strlen(cc) >= sizeof(ns->tcp_cc) ||
		    (strcmp(cc, "newreno") != 0 && strcmp(cc, "cubic") != 0)) {
			op_errf(err, err_size, "unknown congestion control algorithm \"%.40s\" "
				"(ccalgo: newreno or cubic)", cc);
			return -EINVAL;
		}
	}
	if (has_rto) {
		ret = arg_uint(args, "rto_min_ms", true, 1, VMK_CONFIG_TCP_RTO_MIN_MAX, &rto,
			       "--rto-min-ms", err, err_size);
		if (ret < 0)
			return ret;
	}
	if (cc != NULL)
		snprintf(ns->tcp_cc, sizeof(ns->tcp_cc), "%s", cc);
	if (has_rto)
		ns->tcp_rto_min_ms = rto;
	return 0;
}

static cJSON *netstack_record(struct daemon *d, const struct vmk_config_netstack *ns, bool full)
{
	cJSON *o = cJSON_CreateObject(), *nics;
	struct vmk_netstack_stats st;
	struct vmk_tcp_params tp;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "key", ns->name);
	cJSON_AddStringToObject(o, "name", ns->name);
	cJSON_AddStringToObject(o, "state", "running");
	if (!full)
		return o;
	cJSON_AddBoolToObject(o, "enabled", true);
	cJSON_AddStringToObject(o, "type", vmk_config_netstack_is_builtin(ns->name) ?
				"built-in" : "custom");
	add_ip(o, "default_gateway", ns->default_gateway);
	cJSON_AddNumberToObject(o, "static_routes", ns->n_routes);
	/* The TCP settings as they run (applied from the configuration). */
	if (vmk_tcp_get_params(d->host, ns->name, &tp) == 0) {
		cJSON_AddStringToObject(o, "ccalgo", tp.cc);
		cJSON_AddNumberToObject(o, "rto_min_ms", tp.rto_min_us / 1000);
	}
	nics = cJSON_AddArrayToObject(o, "interfaces");
	for (unsigned int i = 0; nics != NULL && i < d->cfg->n_vmknics; i++)
		if (strcmp(d->cfg->vmknics[i].netstack, ns->name) == 0)
			cJSON_AddItemToArray(nics, cJSON_CreateString(d->cfg->vmknics[i].name));
	memset(&st, 0, sizeof(st));
	vmk_netstack_get_stats(d->host, ns->name, &st);
	cJSON_AddNumberToObject(o, "ip_rx", (double)st.ip_rx);
	cJSON_AddNumberToObject(o, "ip_tx", (double)st.ip_tx);
	return o;
}

static int netstack_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			 size_t err_size)
{
	cJSON *arr = cJSON_CreateArray();

	(void)args;
	(void)err;
	(void)err_size;
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->cfg->n_netstacks; i++) {
		cJSON *o = netstack_record(d, &d->cfg->netstacks[i], false);

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return -ENOMEM;
		}
	}
	*result = arr;
	return 0;
}

static int netstack_get(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			size_t err_size)
{
	const struct vmk_config_netstack *ns = ns_arg(d->cfg, args, err, err_size);

	if (ns == NULL)
		return -ENOENT;
	*result = netstack_record(d, ns, true);
	return *result != NULL ? 0 : -ENOMEM;
}

const struct op ip_ops[] = {
	{ "interface.add", NULL, interface_add },
	{ "interface.remove", NULL, interface_remove },
	{ "interface.set", NULL, interface_set },
	{ "interface.list", interface_list, NULL },
	{ "interface.ipv4.set", NULL, ipv4_set },
	{ "interface.ipv4.get", ipv4_get, NULL },
	{ "interface.tag.add", NULL, tag_add },
	{ "interface.tag.remove", NULL, tag_remove },
	{ "interface.tag.get", tag_get, NULL },
	{ "route.ipv4.add", NULL, route_add },
	{ "route.ipv4.remove", NULL, route_remove },
	{ "route.ipv4.list", route_list, NULL },
	{ "netstack.add", NULL, netstack_add },
	{ "netstack.remove", NULL, netstack_remove },
	{ "netstack.set", NULL, netstack_set },
	{ "netstack.list", netstack_list, NULL },
	{ "netstack.get", netstack_get, NULL },
	{ NULL, NULL, NULL },
};
