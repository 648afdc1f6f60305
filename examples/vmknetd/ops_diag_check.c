/*
 * "diag.check": walk the path from a VMkernel interface to a host and give
 * each step a verdict (ok, FAIL, warn, skipped) with its evidence and, for
 * a failure, the command that fixes it; the last row names the first
 * failed step. The steps, in the order a frame meets them: the adapter,
 * the drop counters of the ports involved (the adapter's port applies the
 * security and shaping policies as its frames enter the switch; a VM's
 * port on the same VLAN drops the VM's forged frames), its port
 * group's VLAN, the uplinks of its team, the route and next hop, the host
 * firewall's verdict on what the check sends (an echo, or a TCP connection
 * to -p PORT), ARP for the next hop, an echo to the host and the path MTU
 * (DF probes). (The route is chosen before the switch sees a frame, but a
 * route is only worth checking once the adapter's port forwards at all.)
 *
 * The probes run first (their outcomes and the counters they move are
 * the evidence of the earlier steps: an ARP that fails while the uplink
 * counts VLAN drops is a VLAN mismatch), then the rows are written in path
 * order. Only public library calls are used; the next hop's ARP entry is
 * flushed first so the verdict is about now, not about an old entry.
 *
 * Thread: the main lcore, one request at a time; the probes block the
 * daemon for at most a few seconds (CHECK_*_MS below).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmknetd/ops.h"

#define CHECK_WAIT_MS    1000u  /* ARP and echo probes */
#define CHECK_MTU_WAIT_MS 300u  /* each DF probe of the MTU search */
#define CHECK_MAX_PORTS  32     /* the adapter's, its uplinks, peers on its VLAN */
#define TEXT             512

struct check_port {
	char name[32];
	char portgroup[32];
	uint32_t id;
	bool uplink;
	bool peer;                    /* another port on the adapter's VLAN (a VM) */
	struct vmk_port_stats before, after;
};

struct check {
	struct daemon *d;
	const char *vmk;
	uint32_t dst, port;
	struct vmk_vmknic_info nic;
	bool nic_ok;                  /* exists, enabled, addressed */
	struct vmk_vswitch *vs;
	struct vmk_port_info nic_port;
	struct vmk_teaming_policy team;
	struct check_port ports[CHECK_MAX_PORTS];
	unsigned int n_ports;
	uint64_t now_security, now_shaped; /* policy drops while the check ran */
	uint64_t peer_security, peer_shaped; /* of them, on peer ports */
	const struct check_port *peer_dropping; /* the first such peer port */
	int route_ret;
	struct vmk_route route;
	uint32_t next_hop;
	bool arp_ok;
	struct vmk_neigh neigh;
	bool neigh_found;
	struct vmk_ping_result echo;
	struct vmk_ping_reply echo_err;  /* the last ICMP error, from != 0 */
	bool mtu_ok, mtu_probed;
	uint32_t path_mtu;
	uint32_t mtu_router;          /* sent fragmentation needed (0: none) */
	uint16_t mtu_reported;        /* with this next-hop MTU */
	cJSON *rows;
	bool failed;
	char first[TEXT];
};

static const char *ip(uint32_t a, char buf[16])
{
	return inet_ntop(AF_INET, &a, buf, 16);
}

static void row(struct check *c, const char *step, const char *verdict, const char *evidence,
		const char *fix)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddItemToArray(c->rows, o)) {
		cJSON_Delete(o);
		return;
	}
	cJSON_AddStringToObject(o, "step", step);
	cJSON_AddStringToObject(o, "verdict", verdict);
	cJSON_AddStringToObject(o, "evidence", evidence);
	cJSON_AddStringToObject(o, "fix", fix);
	if (strcmp(verdict, "FAIL") == 0 && !c->failed) {
		c->failed = true;
		snprintf(c->first, sizeof(c->first), "%s: %s", step, fix);
	}
}

/* ---- gathering ----------------------------------------------------------- */

static struct check_port *add_port(struct check *c, const char *name, uint32_t id, bool uplink)
{
	struct check_port *p;

	for (unsigned int i = 0; i < c->n_ports; i++)
		if (c->ports[i].id == id)
			return NULL;
	if (c->n_ports >= CHECK_MAX_PORTS)
		return NULL;
	p = &c->ports[c->n_ports++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->id = id;
	p->uplink = uplink;
	vmk_port_get_stats(c->vs, id, &p->before);
	return p;
}

/* The other ports on the adapter's VLAN: a peer VM's port drops what it
 * sends when forged transmits are rejected, and the check can only see
 * that in the port's counters. */
static void add_peers(struct check *c)
{
	uint32_t ids[VMK_VSWITCH_MAX_PORTS];
	unsigned int n = vmk_port_list(c->vs, ids, VMK_VSWITCH_MAX_PORTS);
	struct vmk_port_info pi;
	struct check_port *p;

	for (unsigned int i = 0; i < n && i < VMK_VSWITCH_MAX_PORTS; i++) {
		if (vmk_port_get_info(c->vs, ids[i], &pi) < 0 || pi.uplink ||
		    ids[i] == c->nic.port_id || (pi.vlan_id != c->nic_port.vlan_id &&
						 pi.vlan_id != VMK_VLAN_TRUNK))
			continue;
		p = add_port(c, pi.name, ids[i], false);
		if (p != NULL) {
			p->peer = true;
			snprintf(p->portgroup, sizeof(p->portgroup), "%s", pi.portgroup);
		}
	}
}

/* No active list: every uplink of the vSwitch is active, in slot order
 * (as the switch builds its team). */
static void team_every_uplink(struct check *c)
{
	uint32_t ids[VMK_VSWITCH_MAX_PORTS];
	unsigned int n = vmk_port_list(c->vs, ids, VMK_VSWITCH_MAX_PORTS);
	struct vmk_port_info pi;

	c->team.n_standby = 0;
	for (unsigned int i = 0; i < n && i < VMK_VSWITCH_MAX_PORTS &&
	     c->team.n_active < VMK_TEAM_MAX_UPLINKS; i++)
		if (vmk_port_get_info(c->vs, ids[i], &pi) == 0 && pi.uplink)
			snprintf(c->team.active[c->team.n_active++], sizeof(c->team.active[0]),
				 "%s", pi.name);
}

/* The adapter, its port and its team's uplinks; counters before the probes. */
static void gather_config(struct check *c)
{
	bool overridden;
	uint32_t id;

	if (vmk_vmknic_get(c->d->host, c->vmk, &c->nic) < 0)
		return;
	c->nic_ok = c->nic.enabled && c->nic.ipv4 != 0;
	c->vs = vmk_vswitch_find(c->d->host, c->nic.vswitch);
	if (c->vs == NULL || vmk_port_get_info(c->vs, c->nic.port_id, &c->nic_port) < 0) {
		c->vs = NULL;
		return;
	}
	add_port(c, c->vmk, c->nic.port_id, false);
	if (vmk_portgroup_get_teaming(c->vs, c->nic.portgroup, &c->team, &overridden) < 0)
		memset(&c->team, 0, sizeof(c->team));
	if (c->team.n_active == 0)
		team_every_uplink(c);
	for (unsigned int i = 0; i < c->team.n_active + c->team.n_standby; i++) {
		const char *u = i < c->team.n_active ? c->team.active[i] :
				c->team.standby[i - c->team.n_active];

		if (vmk_port_find(c->vs, u, &id) == 0)
			add_port(c, u, id, true);
	}
	add_peers(c);
}

static void keep_error(const struct vmk_ping_reply *r, void *arg)
{
	if (r->status != 0 && r->from != 0)
		*(struct vmk_ping_reply *)arg = *r;
}

/* count echo requests of size bytes from the adapter; the last ICMP error
 * a router sent about them into *err (may be NULL). */
static void ping_from(struct check *c, uint32_t dst, uint32_t count, uint32_t size, bool df,
		      uint32_t wait_ms, struct vmk_ping_result *res, struct vmk_ping_reply *err)
{
	struct vmk_ping_params p;

	vmk_ping_params_init(&p);
	p.vmknic = c->vmk;
	p.dst = dst;
	p.count = count;
	p.size = size;
	p.df = df;
	p.interval_ms = 200;
	p.timeout_ms = wait_ms;
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		p.on_reply = keep_error;
		p.arg = err;
	}
	if (vmk_ping(c->d->host, &p, res) < 0)
		memset(res, 0, sizeof(*res));
}

/* ARP for the next hop (its entry flushed first), then an echo to the host. */
static void probe_path(struct check *c)
{
	static struct vmk_neigh tab[VMK_ARP_MAX];
	struct vmk_ping_result res;
	unsigned int n;

	vmk_neigh_remove(c->d->host, c->nic.netstack, c->next_hop);
	ping_from(c, c->next_hop, 1, 56, false, CHECK_WAIT_MS, &res, NULL);
	n = vmk_neigh_list(c->d->host, c->nic.netstack, tab, VMK_ARP_MAX);
	for (unsigned int i = 0; i < n && i < VMK_ARP_MAX; i++) {
		if (tab[i].ip != c->next_hop || strcmp(tab[i].ifname, c->nic.name) != 0)
			continue;
		c->neigh = tab[i];
		c->neigh_found = true;
		c->arp_ok = tab[i].state != VMK_NEIGH_INCOMPLETE;
	}
	if (c->arp_ok)
		ping_from(c, c->dst, 2, 56, false, CHECK_WAIT_MS, &c->echo, &c->echo_err);
}

/* Largest DF echo that comes back: the adapter MTU's, or the next-hop MTU
 * a router reports (fragmentation needed), or by halving between a size
 * known to pass (the echo's 56 bytes) and the largest. */
static void probe_mtu(struct check *c)
{
	uint32_t good = 56, bad = c->nic.mtu - 28;
	struct vmk_ping_result res;
	struct vmk_ping_reply err;

	if (c->echo.received == 0)
		return;
	c->mtu_probed = true;
	ping_from(c, c->dst, 1, bad, true, CHECK_WAIT_MS, &res, &err);
	if (res.received > 0) {
		c->mtu_ok = true;
		c->path_mtu = c->nic.mtu;
		return;
	}
	if (err.status == -EMSGSIZE && err.mtu > 84 && err.mtu < c->nic.mtu) {
		/* What the router said, checked: its size passes, or search below. */
		c->mtu_router = err.from;
		c->mtu_reported = err.mtu;
		ping_from(c, c->dst, 1, err.mtu - 28u, true, CHECK_WAIT_MS, &res, NULL);
		if (res.received > 0) {
			c->path_mtu = err.mtu;
			return;
		}
		bad = err.mtu - 28u;
	}
	while (bad - good > 1) {
		uint32_t mid = good + (bad - good) / 2;

		ping_from(c, c->dst, 1, mid, true, CHECK_MTU_WAIT_MS, &res, NULL);
		if (res.received > 0)
			good = mid;
		else
			bad = mid;
	}
	c->path_mtu = good + 28;
}

/* Drops of reason r on the port, in one direction, during the check. */
static uint64_t delta(const struct check_port *p, bool rx, enum vmk_drop_reason r)
{
	return rx ? p->after.rx_drops[r] - p->before.rx_drops[r] :
		    p->after.tx_drops[r] - p->before.tx_drops[r];
}

static void gather_after(struct check *c)
{
	for (unsigned int i = 0; i < c->n_ports; i++) {
		struct check_port *p = &c->ports[i];

		uint64_t sec, shp;

		vmk_port_get_stats(c->vs, p->id, &p->after);
		sec = delta(p, true, VMK_DROP_SECURITY) + delta(p, false, VMK_DROP_SECURITY);
		shp = delta(p, true, VMK_DROP_SHAPED) + delta(p, false, VMK_DROP_SHAPED);
		if (p->peer) {
			c->peer_security += sec;
			c->peer_shaped += shp;
			if (sec + shp > 0 && c->peer_dropping == NULL)
				c->peer_dropping = p;
			continue;
		}
		c->now_security += sec;
		c->now_shaped += shp;
	}
}

/* ---- the steps ----------------------------------------------------------- */

static void step_adapter(struct check *c)
{
	char ev[TEXT], fix[TEXT], a[16], m[16];

	if (c->nic.name[0] == '\0') {
		snprintf(ev, sizeof(ev), "no VMkernel interface named %s", c->vmk);
		row(c, "adapter", "FAIL", ev, "vmkcli network ip interface list (pick one), or "
		    "vmkcli network ip interface add -p PORTGROUP");
		return;
	}
	snprintf(ev, sizeof(ev), "%s: %s, %s/%s, MTU %u, port group \"%s\" on %s, netstack %s",
		 c->nic.name, c->nic.enabled ? "enabled" : "disabled", ip(c->nic.ipv4, a),
		 ip(c->nic.netmask, m), c->nic.mtu, c->nic.portgroup, c->nic.vswitch,
		 c->nic.netstack);
	if (!c->nic.enabled)
		snprintf(fix, sizeof(fix), "vmkcli network ip interface set -i %s -e true", c->vmk);
	else if (c->nic.ipv4 == 0)
		snprintf(fix, sizeof(fix), "vmkcli network ip interface ipv4 set -i %s -I ADDRESS "
			 "-N NETMASK", c->vmk);
	row(c, "adapter", c->nic_ok ? "ok" : "FAIL", ev, c->nic_ok ? "" : fix);
}

/* Frames the uplinks received, and frames the switch handed to the
 * adapter, while the check ran. */
static void vlan_traffic(const struct check *c, uint64_t *uplink_rx, uint64_t *to_nic)
{
	*uplink_rx = *to_nic = 0;
	for (unsigned int i = 0; i < c->n_ports; i++) {
		const struct check_port *p = &c->ports[i];

		if (p->uplink)
			*uplink_rx += p->after.rx_packets - p->before.rx_packets;
		else if (p->id == c->nic.port_id)
			*to_nic += p->after.tx_packets - p->before.tx_packets;
	}
}

/* The switch counts no drop for a frame of a VLAN no port carries (it is
 * flooded to nobody), so a mismatch shows as traffic on the uplinks that
 * never reaches the adapter while its next hop stays silent. */
static void step_vlan(struct check *c)
{
	uint64_t uplink_rx, to_nic;
	char ev[TEXT], fix[TEXT];
	bool suspect;

	vlan_traffic(c, &uplink_rx, &to_nic);
	suspect = c->route_ret == 0 && !c->arp_ok && c->nic_port.vlan_id != 0 && uplink_rx > 0 &&
		  to_nic == 0;
	snprintf(ev, sizeof(ev), "port group \"%s\" on %s: VLAN %u%s; during this check the "
		 "uplinks received %llu frames, %llu reached %s%s", c->nic.portgroup,
		 c->nic.vswitch, c->nic_port.vlan_id, c->nic_port.vlan_id == 0 ? " (untagged)" : "",
		 (unsigned long long)uplink_rx, (unsigned long long)to_nic, c->vmk,
		 suspect ? ", and the next hop did not answer ARP: the peer is on another VLAN" :
		 "");
	if (suspect) {
		snprintf(fix, sizeof(fix), "vmkcli network vswitch standard portgroup set -p \"%s\" "
			 "-v PEER_VLAN (0 if the peer is untagged), or put the peer's switch port "
			 "in VLAN %u", c->nic.portgroup, c->nic_port.vlan_id);
		row(c, "portgroup VLAN", "FAIL", ev, fix);
		return;
	}
	row(c, "portgroup VLAN", "ok", ev, "");
}

/* "vmnic0 (up), vmnic1 (down: nic down)" for n names; counts those up. */
static unsigned int uplinks_text(struct check *c, char names[][32], unsigned int n,
				 char *out, size_t size, const char **down_admin,
				 const char **down_link)
{
	size_t len = 0;
	unsigned int up = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < n && len < size; i++) {
		struct vmk_port_info pi;
		uint32_t id;
		bool ok = vmk_port_find(c->vs, names[i], &id) == 0 &&
			  vmk_port_get_info(c->vs, id, &pi) == 0;
		const char *st = !ok ? "missing" : pi.link_up ? "up" :
				 !pi.admin_up ? "down: taken down by nic down" : "link down";

		up += ok && pi.link_up;
		if (ok && !pi.link_up && !pi.admin_up && *down_admin == NULL)
			*down_admin = names[i];
		if (ok && !pi.link_up && pi.admin_up && *down_link == NULL)
			*down_link = names[i];
		len += (size_t)snprintf(out + len, size - len, "%s%s (%s)", i ? ", " : "",
					names[i], st);
	}
	if (n == 0)
		snprintf(out, size, "none");
	return up;
}

static void step_uplinks(struct check *c)
{
	char act[TEXT / 2 - 16], stb[TEXT / 2 - 16], ev[TEXT], fix[TEXT];
	const char *admin = NULL, *link = NULL;
	unsigned int up_a = uplinks_text(c, c->team.active, c->team.n_active, act, sizeof(act),
					 &admin, &link);
	unsigned int up_s = uplinks_text(c, c->team.standby, c->team.n_standby, stb, sizeof(stb),
					 &admin, &link);

	snprintf(ev, sizeof(ev), "active: %s; standby: %s", act, stb);
	if (c->team.n_active + c->team.n_standby == 0) {
		row(c, "uplinks", "warn", ev, "no uplink: only ports of this vSwitch are reachable "
		    "(vmkcli network vswitch standard uplink add -u vmnicN -v VSWITCH)");
		return;
	}
	if (admin != NULL)
		snprintf(fix, sizeof(fix), "vmkcli network nic up -n %s", admin);
	else if (link != NULL)
		snprintf(fix, sizeof(fix), "the physical link of %s is down: check its cable and "
			 "the switch port (vmkcli network nic get -n %s)", link, link);
	else
		fix[0] = '\0';
	if (up_a + up_s == 0)
		row(c, "uplinks", "FAIL", ev, fix);
	else if (up_a < c->team.n_active)
		row(c, "uplinks", "warn", ev, fix);   /* failed over to a standby */
	else
		row(c, "uplinks", "ok", ev, "");
}

/* A netmask that would put `other` on the adapter's segment, when the two
 * share a /24 the adapter's mask leaves `other` out of: the usual typo. */
static bool netmask_too_narrow(const struct check *c, uint32_t other)
{
	uint32_t a = ntohl(c->nic.ipv4), o = ntohl(other), m = ntohl(c->nic.netmask);

	return (a & 0xffffff00u) == (o & 0xffffff00u) && (a & m) != (o & m);
}

static void step_route(struct check *c)
{
	char ev[TEXT], fix[TEXT], d[16], g[16];
	const char *ns = c->nic.netstack;
	uint32_t gw;

	ip(c->dst, d);
	if (!c->nic_ok) {
		row(c, "route", "skipped", "the adapter is not usable", "");
		return;
	}
	if (c->route_ret < 0) {
		snprintf(ev, sizeof(ev), "netstack %s has no route to %s from %s (no connected "
			 "network holds it and no default gateway is usable)", ns, d, c->vmk);
		if (netmask_too_narrow(c, c->dst))
			snprintf(fix, sizeof(fix), "%s is outside %s's subnet but in its /24: if it "
				 "is on the same segment, the netmask is wrong: vmkcli network ip "
				 "interface ipv4 set -i %s -I %s -N 255.255.255.0", d, c->vmk, c->vmk,
				 ip(c->nic.ipv4, g));
		else
			snprintf(fix, sizeof(fix), "vmkcli network ip route ipv4 add -n default -g "
				 "GATEWAY -N %s (a gateway on %s's subnet)", ns, c->vmk);
		row(c, "route", "FAIL", ev, fix);
		return;
	}
	gw = c->route.gateway;
	snprintf(ev, sizeof(ev), "%s: %s via %s (%s route %s/%u), next hop %s", d,
		 c->route.ifname, gw ? ip(gw, g) : "on-link",
		 c->route.origin == VMK_ROUTE_DEFAULT ? "default" :
		 c->route.origin == VMK_ROUTE_STATIC ? "static" : "connected",
		 ip(c->route.network, fix), c->route.prefix_len, ip(c->next_hop, g));
	if (strcmp(c->route.ifname, c->vmk) != 0) {
		snprintf(fix, sizeof(fix), "the netstack sends to %s by %s, not %s: add a route by "
			 "%s's subnet or check the addresses", d, c->route.ifname, c->vmk, c->vmk);
		row(c, "route", "warn", ev, fix);
		return;
	}
	row(c, "route", "ok", ev, "");
}

static void step_arp(struct check *c)
{
	char ev[TEXT], fix[TEXT], h[16], mac[18];
	bool via_gw = c->next_hop != c->dst;

	if (!c->nic_ok || c->route_ret < 0) {
		row(c, "ARP next hop", "skipped", "no usable adapter or route", "");
		return;
	}
	ip(c->next_hop, h);
	if (c->arp_ok) {
		mac_str(c->neigh.mac, mac);
		snprintf(ev, sizeof(ev), "%s %s is at %s on %s (%s, entry flushed and resolved "
			 "again)", via_gw ? "gateway" : "host", h, mac, c->vmk,
			 c->neigh.state == VMK_NEIGH_REACHABLE ? "Reachable" : "Stale");
		row(c, "ARP next hop", "ok", ev, "");
		return;
	}
	snprintf(ev, sizeof(ev), "no ARP reply from %s %s on %s within %u ms (entry %s)",
		 via_gw ? "gateway" : "host", h, c->vmk, CHECK_WAIT_MS,
		 c->neigh_found ? "Incomplete" : "absent");
	if (via_gw)
		snprintf(fix, sizeof(fix), "the gateway %s does not answer on VLAN %u: bring it up, "
			 "or set one that answers: vmkcli network ip route ipv4 add -n default -g "
			 "GATEWAY -N %s --replace", h, c->nic_port.vlan_id, c->nic.netstack);
	else
		snprintf(fix, sizeof(fix), "%s does not answer on VLAN %u: check that it is up and "
			 "on %s's segment and VLAN", h, c->nic_port.vlan_id, c->vmk);
	row(c, "ARP next hop", "FAIL", ev, fix);
}

static void step_echo(struct check *c)
{
	char ev[TEXT], fix[TEXT], d[16], f[16];

	if (!c->arp_ok) {
		row(c, "echo host", "skipped", "the next hop did not resolve", "");
		return;
	}
	ip(c->dst, d);
	snprintf(ev, sizeof(ev), "%u of %u echo replies from %s, average %u us%s%s",
		 c->echo.received, c->echo.sent, d, c->echo.rtt_avg_us,
		 c->echo_err.from ? "; ICMP error from " : "",
		 c->echo_err.from ? ip(c->echo_err.from, f) : "");
	if (c->echo.received > 0) {
		row(c, "echo host", c->echo.received < c->echo.sent ? "warn" : "ok", ev, "");
		return;
	}
	snprintf(fix, sizeof(fix), "the next hop answers but %s does not: see where the path "
		 "stops with vmkcli network diag traceroute -H %s -I %s", d, d, c->vmk);
	row(c, "echo host", "FAIL", ev, fix);
}

static void step_mtu(struct check *c)
{
	char ev[TEXT], fix[TEXT], r[16], rt[96] = "";

	if (!c->mtu_probed) {
		row(c, "path MTU", "skipped", "no echo reply to probe with", "");
		return;
	}
	if (c->mtu_ok) {
		snprintf(ev, sizeof(ev), "a %u-byte DF echo (%s's MTU %u) came back", c->nic.mtu - 28,
			 c->vmk, c->nic.mtu);
		row(c, "path MTU", "ok", ev, "");
		return;
	}
	if (c->mtu_router != 0)
		snprintf(rt, sizeof(rt), ": router %s sent fragmentation needed, next-hop MTU %u",
			 ip(c->mtu_router, r), c->mtu_reported);
	snprintf(ev, sizeof(ev), "DF echo of %u bytes (MTU %u) lost%s; the largest that came "
		 "back is %u bytes: path MTU %u", c->nic.mtu - 28, c->nic.mtu, rt,
		 c->path_mtu - 28, c->path_mtu);
	if (c->now_security + c->now_shaped > 0) {
		/* The probes themselves were dropped by a policy: no MTU verdict. */
		row(c, "path MTU", "warn", ev, "probes were dropped by the port's policy (see port "
		    "drops): check again once that is fixed");
		return;
	}
	snprintf(fix, sizeof(fix), "vmkcli network ip interface set -i %s -m %u (or raise the MTU "
		 "of every link on the path to %u)", c->vmk, c->path_mtu, c->nic.mtu);
	row(c, "path MTU", "FAIL", ev, fix);
}

/* The ruleset whose rules match an outbound packet to port (ICMP: the echo
 * request type), whatever its state and list: the one to fix. NULL when
 * none has such a rule. */
static const struct vmk_fw_ruleset *fw_ruleset_for(const struct vmk_fw_config *fw,
						   enum vmk_fw_protocol proto, uint16_t port)
{
	for (unsigned int i = 0; i < fw->n_rulesets; i++) {
		const struct vmk_fw_ruleset *rs = &fw->rulesets[i];

		for (unsigned int k = 0; k < rs->n_rules; k++) {
			const struct vmk_fw_rule *r = &rs->rules[k];

			if (r->direction == VMK_FW_OUTBOUND && r->protocol == proto &&
			    r->port_type == VMK_FW_PORT_DST && port >= r->port_begin &&
			    port <= r->port_end)
				return rs;
		}
	}
	return NULL;
}

/* The firewall's verdict on what the check sends (an echo request, or a
 * TCP SYN to -p PORT): replies come back through the connection table, so
 * the outbound verdict is the one that matters; the fix names the ruleset
 * to enable or the allowed address to add, or a custom ruleset. */
static void step_firewall(struct check *c)
{
	enum vmk_fw_protocol proto = c->port != 0 ? VMK_FW_TCP : VMK_FW_ICMP;
	uint16_t port = c->port != 0 ? (uint16_t)c->port : 8;
	char ev[TEXT], fix[TEXT], rs[VMK_NAME_MAX], a[16];
	const struct vmk_fw_ruleset *want;
	struct vmk_fw_config *fw;
	bool pass;

	fw = malloc(sizeof(*fw));
	if (fw == NULL || vmk_firewall_get(c->d->host, fw) < 0 ||
	    vmk_firewall_check(c->d->host, VMK_FW_OUTBOUND, proto, c->dst, 0, port, &pass,
			       rs) < 0) {
		row(c, "firewall", "warn", "the firewall's state could not be read", "");
		free(fw);
		return;
	}
	if (!fw->enabled) {
		row(c, "firewall", "ok", "the host firewall is disabled", "");
		free(fw);
		return;
	}
	snprintf(ev, sizeof(ev), "outbound %s %s %u to %s: ", proto == VMK_FW_TCP ? "TCP" : "ICMP",
		 proto == VMK_FW_TCP ? "port" : "type", port, ip(c->dst, a));
	if (pass) {
		size_t len = strlen(ev);

		snprintf(ev + len, sizeof(ev) - len, "passed by %s%s", rs[0] ? "ruleset " : "",
			 rs[0] ? rs : "the default action PASS");
		row(c, "firewall", "ok", ev, "");
		free(fw);
		return;
	}
	want = fw_ruleset_for(fw, proto, port);
	strncat(ev, "dropped by the default action DROP", sizeof(ev) - strlen(ev) - 1);
	if (want == NULL)
		snprintf(fix, sizeof(fix), "vmkcli network firewall ruleset add -r myService -d "
			 "Outbound -p %s -P %u", proto == VMK_FW_TCP ? "TCP" : "ICMP", port);
	else if (!want->enabled)
		snprintf(fix, sizeof(fix), "vmkcli network firewall ruleset set -r %s --enabled true",
			 want->name);
	else
		snprintf(fix, sizeof(fix), "vmkcli network firewall ruleset allowedip add -r %s -i %s",
			 want->name, a);
	if (want != NULL) {
		size_t len = strlen(ev);

		snprintf(ev + len, sizeof(ev) - len, " (ruleset %s has the rule but is %s)",
			 want->name, !want->enabled ? "disabled" : "not allowing that address");
	}
	row(c, "firewall", "FAIL", ev, fix);
	free(fw);
}

/* "vmk0 rx security 3 (+3 now)" for the policy drops of one port. */
static size_t port_drops_text(const struct check_port *p, char *out, size_t size)
{
	static const enum vmk_drop_reason why[] = { VMK_DROP_SECURITY, VMK_DROP_SHAPED,
						    VMK_DROP_MTU, VMK_DROP_NO_UPLINK };
	size_t len = 0;

	for (unsigned int k = 0; k < 4 && len < size; k++) {
		for (int rx = 1; rx >= 0 && len < size; rx--) {
			uint64_t total = rx ? p->after.rx_drops[why[k]] : p->after.tx_drops[why[k]];
			uint64_t now = delta(p, rx, why[k]);

			if (total == 0)
				continue;
			len += (size_t)snprintf(out + len, size - len, "%s%s %s %s %llu (+%llu "
						"during this check)", len ? "; " : "", p->name,
						rx ? "rx" : "tx", vmk_drop_reason_name(why[k]),
						(unsigned long long)total, (unsigned long long)now);
		}
	}
	return len;
}

/* A peer port on the adapter's VLAN dropped frames by policy while the
 * check ran and the peer it tried to reach stayed silent: likely the
 * peer, a VM, is that port (the check cannot tell which VM owns an
 * address it never heard from). */
static bool peer_blamed(const struct check *c)
{
	return c->peer_dropping != NULL && c->route_ret == 0 &&
	       (!c->arp_ok || c->echo.received == 0);
}

static void peer_fix(const struct check *c, char *fix, size_t size)
{
	const struct check_port *p = c->peer_dropping;

	if (c->peer_security > 0)
		snprintf(fix, size, "%s (port group \"%s\") sends from a MAC that is not its "
			 "port's and forged transmits are rejected: give the VM its port's MAC, or "
			 "vmkcli network vswitch standard portgroup policy security set -p \"%s\" "
			 "-f true", p->name, p->portgroup, p->portgroup);
	else
		snprintf(fix, size, "the shaping of port group \"%s\" drops what %s sends: vmkcli "
			 "network vswitch standard portgroup policy shaping set -p \"%s\" -e false "
			 "(or a higher average)", p->portgroup, p->name, p->portgroup);
}

static void step_counters(struct check *c)
{
	char ev[TEXT] = "", fix[TEXT];
	const char *pg = c->nic.portgroup;
	size_t len = 0;

	for (unsigned int i = 0; i < c->n_ports && len < sizeof(ev); i++) {
		char one[TEXT / 2];

		if (port_drops_text(&c->ports[i], one, sizeof(one)) > 0)
			len += (size_t)snprintf(ev + len, sizeof(ev) - len, "%s%s", len ? "; " : "",
						one);
	}
	if (len == 0) {
		snprintf(ev, sizeof(ev), "no security, shaping, MTU or no-uplink drops on %u "
			 "port(s) of the path", c->n_ports);
		row(c, "port drops", "ok", ev, "");
		return;
	}
	if (c->now_security > 0)
		snprintf(fix, sizeof(fix), "forged transmits are rejected: vmkcli network vswitch "
			 "standard portgroup policy security set -p \"%s\" -f true", pg);
	else if (c->now_shaped > 0)
		snprintf(fix, sizeof(fix), "the port group's shaping drops the adapter's frames: "
			 "vmkcli network vswitch standard portgroup policy shaping set -p \"%s\" "
			 "-e false (or a higher average)", pg);
	else if (peer_blamed(c))
		peer_fix(c, fix, sizeof(fix));
	if (c->now_security + c->now_shaped > 0 || peer_blamed(c))
		row(c, "port drops", "FAIL", ev, fix);
	else
		row(c, "port drops", "warn", ev, "");
}

/* Not 0/8, loopback, multicast, class E or the limited broadcast. */
static bool host_is_unicast(uint32_t dst)
{
	uint32_t h = ntohl(dst);

	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) < 0xe;
}

/* The host is the adapter itself or its subnet's broadcast address. */
static int check_host_vs_adapter(const struct check *c, char *err, size_t err_size)
{
	char a[16];

	if (c->nic.ipv4 == 0)
		return 0;
	if (c->dst == c->nic.ipv4) {
		op_errf(err, err_size, "%s is %s's own address: give the peer's", ip(c->dst, a),
			c->vmk);
		return -EINVAL;
	}
	if (c->nic.netmask != 0xffffffff && (c->dst & ~c->nic.netmask) == ~c->nic.netmask &&
	    (c->dst & c->nic.netmask) == (c->nic.ipv4 & c->nic.netmask)) {
		op_errf(err, err_size, "%s is the broadcast address of %s's subnet: give the peer's",
			ip(c->dst, a), c->vmk);
		return -EINVAL;
	}
	return 0;
}

static int check_args(struct check *c, const cJSON *args, char *err, size_t err_size)
{
	const char *ns = NULL;
	char a[16];
	int ret = arg_str(args, "interface_name", true, &c->vmk, err, err_size);

	if (ret == 0)
		ret = arg_ipv4(args, "host", true, &c->dst, "host", err, err_size);
	if (ret == 0 && (ret = arg_uint(args, "port", false, 1, 65535, &c->port, "port", err,
					err_size)) == -ENOENT)
		ret = 0;
	if (ret == 0 && arg_str(args, "netstack", false, &ns, err, err_size) == -EINVAL)
		ret = -EINVAL;
	if (ret < 0)
		return ret;
	if (!host_is_unicast(c->dst)) {
		op_errf(err, err_size, "host %s is not a unicast address: give the peer's",
			ip(c->dst, a));
		return -EINVAL;
	}
	if (ns != NULL && vmk_config_find_netstack(c->d->cfg, ns) == NULL) {
		op_errf(err, err_size, "no netstack named \"%s\" (see 'vmkcli network ip netstack "
			"list')", ns);
		return -ENOENT;
	}
	if (ns != NULL && vmk_vmknic_get(c->d->host, c->vmk, &c->nic) == 0 &&
	    strcmp(ns, c->nic.netstack) != 0) {
		op_errf(err, err_size, "%s is in netstack %s, not %s", c->vmk, c->nic.netstack, ns);
		return -EINVAL;
	}
	memset(&c->nic, 0, sizeof(c->nic));
	return 0;
}

static int diag_check(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		      size_t err_size)
{
	static struct check c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.d = d;
	ret = check_args(&c, args, err, err_size);
	if (ret < 0)
		return ret;
	if ((c.rows = cJSON_CreateArray()) == NULL)
		return -ENOMEM;
	gather_config(&c);
	ret = check_host_vs_adapter(&c, err, err_size);
	if (ret < 0) {
		cJSON_Delete(c.rows);
		return ret;
	}
	c.route_ret = c.nic_ok ? vmk_route_lookup(d->host, c.nic.netstack, c.dst, c.nic.ipv4,
						  &c.route, &c.next_hop) : -ENETDOWN;
	if (c.vs != NULL && c.route_ret == 0) {
		probe_path(&c);
		probe_mtu(&c);
	}
	gather_after(&c);
	step_adapter(&c);
	if (c.vs != NULL) {
		step_counters(&c);   /* the adapter's port applies the policies first */
		step_vlan(&c);
		step_uplinks(&c);
		step_route(&c);
		step_firewall(&c);   /* before the frame leaves: ARP is never filtered,
				      * but the echo and the connection are */
		step_arp(&c);
		step_echo(&c);
		step_mtu(&c);
	}
	row(&c, "result", c.failed ? "FAIL" : "ok", c.failed ? "first failed step" :
	    "every step passed", c.failed ? c.first : "");
	*result = c.rows;
	return 0;
}

const struct op diag_check_ops[] = {
	{ "diag.check", diag_check, NULL },
	{ NULL, NULL, NULL },
};
