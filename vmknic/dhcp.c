/*
 * DHCP clients of adapters (include/vmknet/dhcp.h): the joint between the
 * state machine (tcpip/dhcp_client.c), the adapter's DHCP I/O
 * (tcpip/dhcp_io.c), its address (vmknic_nic_set_ipv4) and the
 * netstack's DHCP gateway (route_set_dhcp: the configured default gateway
 * wins).
 *
 * Threading: every call holds the IP layer's control lock (t->ip->lock),
 * so clients are created, run and freed one call at a time; the host's
 * control thread runs them with vmk_dhcp_poll. The fields the data path
 * reads (the adapter's address, the netstack's DHCP gateway, the reply
 * ring) change under the netstack lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_random.h>

#include <vmknet/error.h>

#include "common/error.h"
#include "common/log.h"
#include "tcpip/dhcp_client.h"
#include "vmknic/vmknic.h"

#define DRAIN_WAIT_US 50000     /* for a RELEASE to leave before its port goes */
#define REPLY_POLL_US 50000     /* how soon a reply is taken while one is awaited */

struct vmknic_dhcp {
	struct dhcp_client c;
	bool applied;               /* the lease is the adapter's address */
	bool server_mac_known;      /* the last ACK came from the server itself */
	struct rte_ether_addr server_mac;
	struct dhcp_out out;        /* scratch for what the client sends */
};

static const char *ip_str(uint32_t a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void send_out(struct vmk_vmknic *nic, const struct dhcp_out *o, bool to_server)
{
	struct vmknic_dhcp *d = nic->dhcp;
	const struct rte_ether_addr *mac = to_server && d->server_mac_known ? &d->server_mac :
					   NULL;
	int ret;

	if (o->len <= 0)
		return;
	ret = tcpip_if_dhcp_send(&nic->ifc, o->buf, (size_t)o->len, o->src, o->dst, mac);
	if (ret < 0)
		VMKNIC_LOG(DEBUG, "%s: DHCP message not sent: %s", nic->ifc.name, strerror(-ret));
}

/* Give the netstack the lease's router, or take it back (gw 0). */
static void set_router(struct vmk_vmknic *nic, rte_be32_t gw)
{
	struct netstack *ns = nic->ifc.ns;

	vmk_spin_lock(&ns->lock);
	route_set_dhcp(ns, nic->ifc.index, gw);
	vmk_spin_unlock(&ns->lock);
}

static void unapply(struct vmknic_table *t, struct vmk_vmknic *nic)
	VMK_REQUIRES(t->ip->lock)
{
	struct vmknic_dhcp *d = nic->dhcp;

	set_router(nic, 0);
	if (d->applied)
		vmknic_nic_set_ipv4(t, nic, 0, 0);
	d->applied = false;
	d->server_mac_known = false;
}

static void apply(struct vmknic_table *t, struct vmk_vmknic *nic, uint64_t now)
	VMK_REQUIRES(t->ip->lock)
{
	struct vmknic_dhcp *d = nic->dhcp;
	const struct dhcp_lease *l = &d->c.lease;
	char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], sv[INET_ADDRSTRLEN];
	int ret;

	set_router(nic, 0);
	ret = vmknic_nic_set_ipv4(t, nic, l->addr, l->mask);
	if (ret < 0) {
		/* Taken by another adapter of the netstack, or unusable. */
		VMKNIC_LOG(WARNING, "%s: declining DHCP lease %s: %s", nic->ifc.name,
			   ip_str(l->addr, a), vmk_last_error());
		vmknic_nic_set_ipv4(t, nic, 0, 0);
		d->applied = false;
		dhcp_client_decline(&d->c, now, &d->out);
		send_out(nic, &d->out, false);
		return;
	}
	d->applied = true;
	if (l->router != 0)
		set_router(nic, l->router);
	VMKNIC_LOG(INFO, "%s: DHCP lease %s/%s from %s for %u s", nic->ifc.name,
		   ip_str(l->addr, a), ip_str(l->mask, m), ip_str(l->server, sv), l->lease_s);
}

/* What an event asks of the adapter. Returns 1 when its address changed. */
static int on_event(struct vmknic_table *t, struct vmk_vmknic *nic, enum dhcp_event ev,
		    uint64_t now)
	VMK_REQUIRES(t->ip->lock)
{
	struct vmknic_dhcp *d = nic->dhcp;

	switch (ev) {
	case DHCP_EV_BOUND:
		apply(t, nic, now);
		return 1;
	case DHCP_EV_RENEWED:
		/* Re-applied if something changed the address under the lease. */
		if (!d->applied || nic->ifc.addr != d->c.lease.addr) {
			apply(t, nic, now);
			return 1;
		}
		/* Takes the netstack's DHCP gateway if another adapter gave it up. */
		if (d->c.lease.router != 0)
			set_router(nic, d->c.lease.router);
		return 0;
	case DHCP_EV_LOST:
		VMKNIC_LOG(INFO, "%s: DHCP lease lost", nic->ifc.name);
		unapply(t, nic);
		return 1;
	default:
		return 0;
	}
}

static int run_one(struct vmknic_table *t, struct vmk_vmknic *nic, uint64_t now)
	VMK_REQUIRES(t->ip->lock)
{
	struct vmknic_dhcp *d = nic->dhcp;
	uint8_t buf[1500];
	int changed = 0, len;
	struct rte_ether_addr from;

	while ((len = tcpip_if_dhcp_recv(&nic->ifc, buf, sizeof(buf), &from)) >= 0) {
		enum dhcp_event ev = dhcp_client_input(&d->c, buf,
						       (size_t)len < sizeof(buf) ? (size_t)len :
						       sizeof(buf), now, &d->out);

		if (ev == DHCP_EV_BOUND || ev == DHCP_EV_RENEWED) {
			d->server_mac_known = true;
			d->server_mac = from;
		}
		send_out(nic, &d->out, false);
		changed += on_event(t, nic, ev, now);
	}
	changed += on_event(t, nic, dhcp_client_poll(&d->c, now, &d->out), now);
	send_out(nic, &d->out, false);
	return changed;
}

/* Has a worker polled the adapter's netstack in the last 10 ms? */
static bool worker_polls(const struct vmk_vmknic *nic)
{
	uint64_t polled = __atomic_load_n(&nic->ifc.ns->polled_us, __ATOMIC_RELAXED);

	return polled != 0 && (int64_t)(tcpip_now_us() - polled) < 10000;
}

void vmknic_dhcp_end(struct vmknic_table *t, struct vmk_vmknic *nic, bool release)
{
	struct vmknic_dhcp *d = nic->dhcp;

	if (d == NULL)
		return;
	if (release) {
		uint64_t until = tcpip_now_us() + DRAIN_WAIT_US;

		dhcp_client_release(&d->c, &d->out);
		send_out(nic, &d->out, true);
		/* The worker drains the transmit ring every loop; without one
		 * (a host not started) nothing would leave anyway. */
		while (d->out.len > 0 && rte_ring_count(nic->ifc.txq) > 0 && worker_polls(nic) &&
		       tcpip_now_us() < until)
			usleep(1000);
	}
	unapply(t, nic);
	tcpip_if_dhcp_close(&nic->ifc);
	nic->dhcp = NULL;
	free(d);
}

int vmknic_dhcp_start(struct vmknic_table *t, const char *name, bool peer_dns)
{
	struct vmk_vmknic *nic;
	struct vmknic_dhcp *d;
	int ret = -ENOENT;

	vmk_err_clear();
	vmknic_lock(t);
	nic = vmknic_find(t, name);
	if (nic == NULL) {
		vmk_err_set("no vmknic %s", name != NULL ? name : "(null)");
		goto unlock;
	}
	if (nic->dhcp != NULL) {
		ret = vmk_err(-EEXIST, "%s already runs a DHCP client", name);
		goto unlock;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		ret = vmk_err(-ENOMEM, "no memory for the DHCP client of %s", name);
		goto unlock;
	}
	ret = tcpip_if_dhcp_open(&nic->ifc);
	if (ret < 0) {
		free(d);
		vmk_err_set("cannot open the DHCP queue of %s", name);
		goto unlock;
	}
	dhcp_client_init(&d->c, nic->ifc.mac.addr_bytes, peer_dns, rte_rand(), tcpip_now_us());
	vmknic_nic_set_ipv4(t, nic, 0, 0);
	nic->dhcp = d;
	VMKNIC_LOG(INFO, "%s: DHCP client started%s", name, peer_dns ? " (peer DNS)" : "");
unlock:
	vmknic_unlock(t);
	return ret;
}

int vmknic_dhcp_stop(struct vmknic_table *t, const char *name, bool release)
{
	struct vmk_vmknic *nic;
	int ret = 0;

	vmk_err_clear();
	vmknic_lock(t);
	nic = vmknic_find(t, name);
	if (nic == NULL || nic->dhcp == NULL)
		ret = vmk_err(-ENOENT, nic == NULL ? "no vmknic %s" : "%s runs no DHCP client",
			      name != NULL ? name : "(null)");
	else
		vmknic_dhcp_end(t, nic, release);
	vmknic_unlock(t);
	return ret;
}

int vmknic_dhcp_get(struct vmknic_table *t, const char *name, struct vmk_dhcp_info *out)
{
	struct vmk_vmknic *nic;
	int ret = 0;

	vmk_err_clear();
	vmknic_lock(t);
	nic = vmknic_find(t, name);
	if (nic == NULL || nic->dhcp == NULL) {
		ret = vmk_err(-ENOENT, nic == NULL ? "no vmknic %s" : "%s runs no DHCP client",
			      name != NULL ? name : "(null)");
	} else {
		struct netstack *ns = nic->ifc.ns;

		dhcp_client_describe(&nic->dhcp->c, tcpip_now_us(), out);
		vmk_spin_lock(&ns->lock);
		out->router_in_use = ns->default_gw == 0 && ns->dhcp_gw != 0 &&
				     ns->dhcp_gw_if == nic->ifc.index;
		vmk_spin_unlock(&ns->lock);
	}
	vmknic_unlock(t);
	return ret;
}

int vmknic_dhcp_poll(struct vmknic_table *t, unsigned int *next_ms)
{
	uint64_t now, next = UINT64_MAX;
	int changed = 0;

	vmknic_lock(t);
	now = tcpip_now_us();
	for (unsigned int i = 0; i < VMKNIC_MAX; i++) {
		struct vmk_vmknic *nic = t->nics[i];

		if (nic == NULL || nic->dhcp == NULL)
			continue;
		changed += run_one(t, nic, now);
		if (nic->dhcp->c.next_us < next)
			next = nic->dhcp->c.next_us;
		if (nic->dhcp->c.have_lease && nic->dhcp->c.expire_us < next)
			next = nic->dhcp->c.expire_us;
		/* Waiting for a reply: take it soon after it comes. */
		if (nic->dhcp->c.info.state != VMK_DHCP_BOUND && now + REPLY_POLL_US < next)
			next = now + REPLY_POLL_US;
	}
	vmknic_unlock(t);
	if (next_ms != NULL) {
		uint64_t ms = next == UINT64_MAX ? 1000 : next > now ? (next - now + 999) / 1000 : 0;

		*next_ms = (unsigned int)(ms > 1000 ? 1000 : ms);
	}
	return changed;
}

static const char *const drop_names[VMK_DHCP_DROP_MAX] = {
	"none", "short", "not_reply", "magic", "option", "type", "xid", "chaddr", "state",
	"lease",
};

const char *vmk_dhcp_drop_name(enum vmk_dhcp_drop why)
{
	return (unsigned int)why < VMK_DHCP_DROP_MAX ? drop_names[why] : "unknown";
}

const char *vmk_dhcp_state_name(enum vmk_dhcp_state s)
{
	static const char *const names[] = { "INIT", "SELECTING", "REQUESTING", "BOUND",
					     "RENEWING", "REBINDING" };

	return (unsigned int)s < RTE_DIM(names) ? names[s] : "unknown";
}
