/*
 * Local address and port choice for binding sockets, shared by UDP and TCP:
 * an address must belong to one of the netstack's adapters, and port 0
 * means the next free ephemeral port from the protocol's rotating cursor.
 * Threading: the netstack lock is held by the caller.
 */
#include <errno.h>

#include "tcpip/netstack.h"

bool ns_addr_is_local(const struct netstack *ns, rte_be32_t addr)
{
	for (unsigned int i = 0; i < NS_MAX_IFS; i++)
		if (ns->ifs[i] != NULL && ns->ifs[i]->addr == addr)
			return true;
	return false;
}

int ns_bind_choose(struct netstack *ns, rte_be32_t addr, uint16_t *port, uint16_t *cursor,
		   uint16_t eph_min, bool (*used)(struct netstack *, rte_be32_t, uint16_t))
{
	if (addr != 0 && !ns_addr_is_local(ns, addr))
		return -EADDRNOTAVAIL;
	if (*port != 0)
		return used(ns, addr, *port) ? -EADDRINUSE : 0;
	for (unsigned int tries = 0; tries < 65536u - eph_min; tries++) {
		uint16_t c = *cursor;

		*cursor = c == 65535 ? eph_min : (uint16_t)(c + 1);
		if (!used(ns, addr, c)) {
			*port = c;
			return 0;
		}
	}
	return -EADDRINUSE;
}
