/*
 * Traffic classes in the IP layer: which class a datagram a netstack sends
 * belongs to (the order of include/vmknet/traffic.h: the socket's, a
 * well-known port, the adapter's tags), and the host's DSCP per class.
 *
 * Threading: tclass_classify runs under the netstack's lock (from
 * ipv4_output); the DSCP table is written under th->lock and read by
 * workers with relaxed atomic byte loads, so a change reaches the next
 * datagram without a lock on the data path. An adapter's class is written
 * under its netstack's lock.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "common/error.h"
#include "tcpip/netstack.h"
#include "tcpip/stack_host.h"

/* Rule 2: the class of a well-known port, or VMK_TC_NONE. */
static uint8_t port_class(uint16_t port)
{
	switch (port) {
	case 3260:
		return VMK_TC_ISCSI;
	case 2049: case 111:
		return VMK_TC_NFS;
	case 8000:
		return VMK_TC_VMOTION;
	case 8100: case 8200: case 8300:
		return VMK_TC_FT_LOGGING;
	case 2233: case 12321:
		return VMK_TC_VSAN;
	case 902:
		return VMK_TC_PROVISIONING;
	default:
		return VMK_TC_NONE;
	}
}

uint8_t tclass_classify(const struct rte_mbuf *m, const struct ip_out *o,
			const struct tcpip_if *ifc)
{
	if (o->has_tclass && o->tclass < VMK_TC_COUNT)
		return o->tclass;
	/* TCP and UDP both open with the source and destination ports. */
	if ((o->proto == IPPROTO_TCP || o->proto == IPPROTO_UDP) && m->data_len >= 4) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint8_t c = port_class((uint16_t)(p[2] << 8 | p[3]));   /* destination */

		if (c == VMK_TC_NONE)
			c = port_class((uint16_t)(p[0] << 8 | p[1]));   /* a server's reply */
		if (c != VMK_TC_NONE)
			return c;
	}
	return ifc->tclass;
}

uint8_t tclass_tos(const struct tcpip_host *th, uint8_t c)
{
	uint8_t d;

	if (th == NULL || c >= VMK_TC_COUNT)
		return 0;
	d = __atomic_load_n(&th->dscp[c], __ATOMIC_RELAXED);
	return d <= VMK_DSCP_MAX ? (uint8_t)(d << 2) : 0;
}

void tcpip_if_set_tclass(struct tcpip_if *ifc, uint8_t c)
{
	struct netstack *ns = ifc->ns;

	if (ns == NULL) {
		ifc->tclass = c;
		return;
	}
	vmk_spin_lock(&ns->lock);
	ifc->tclass = c;
	vmk_spin_unlock(&ns->lock);
}

int tcpip_tclass_set_dscp(struct tcpip_host *th, unsigned int c, uint8_t dscp)
{
	if (th == NULL)
		return vmk_err(-EINVAL, "no host");
	if (c >= VMK_TC_COUNT)
		return vmk_err(-EINVAL, "no traffic class %u", c);
	if (dscp > VMK_DSCP_MAX && dscp != VMK_TC_NONE)
		return vmk_err(-EINVAL, "DSCP %u is out of 0..%u", dscp, VMK_DSCP_MAX);
	tcpip_host_lock(th);
	__atomic_store_n(&th->dscp[c], dscp, __ATOMIC_RELAXED);
	tcpip_host_unlock(th);
	return 0;
}

uint8_t tclass_of_socket(const struct netstack *ns, uint8_t own, rte_be32_t laddr,
			 uint16_t lport, uint16_t fport)
{
	uint8_t c = own < VMK_TC_COUNT ? own : port_class(fport);

	if (c == VMK_TC_NONE)
		c = port_class(lport);
	if (c != VMK_TC_NONE)
		return c;
	for (unsigned int i = 0; i < NS_MAX_IFS; i++)
		if (ns->ifs[i] != NULL && (laddr == 0 || ns->ifs[i]->addr == laddr))
			return ns->ifs[i]->tclass;
	return VMK_TC_MANAGEMENT;
}

uint8_t tcpip_tclass_dscp(struct tcpip_host *th, unsigned int c)
{
	uint8_t d;

	if (th == NULL || c >= VMK_TC_COUNT)
		return VMK_TC_NONE;
	tcpip_host_lock(th);
	d = th->dscp[c];
	tcpip_host_unlock(th);
	return d;
}
