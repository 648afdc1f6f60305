/*
 * Two netstacks of one host wired back to back, for the socket tests
 * (test_tcp_zerocopy.c, test_epoll.c): vmk0 (defaultTcpipStack, 192.0.2.1,
 * from tcp_peer.h) and vmk1 (netstack "peer", 192.0.2.3). Frames move only
 * when the test pumps them (no workers: socket calls run in the caller),
 * so every exchange is deterministic. Included after tcp_peer.h.
 */
#ifndef VMK_TESTS_TCP_PAIR_H
#define VMK_TESTS_TCP_PAIR_H

#include "unit/tcp_peer.h"

#define VMK1_IP  A(192, 0, 2, 3)

static __attribute__((unused)) struct vmk_vmknic *vmk1;

/* Frames vmk_from sent, into vmk_to's netstack. Returns how many. */
static __attribute__((unused)) unsigned int wire(struct vmk_vmknic *from, struct vmk_vmknic *to)
{
	struct netstack *ns = to->ifc.ns;
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(from->ifc.txq, (void **)&m) == 0) {
		vmk_spin_lock(&ns->lock);
		ns_input(ns, &to->ifc, m, now);
		vmk_spin_unlock(&ns->lock);
		n++;
	}
	return n;
}

/* A wire between vmk0 and vmk1: move frames both ways until both are quiet. */
static __attribute__((unused)) void pump(void)
{
	while (wire(vmk0, vmk1) + wire(vmk1, vmk0) > 0)
		;
}

/* Both netstacks' timers at t (delayed ACKs), then the wire. */
static __attribute__((unused)) void pair_timers_at(uint64_t t)
{
	struct netstack *ns1 = vmk1->ifc.ns;

	timers_at(t);
	vmk_spin_lock(&ns1->lock);
	ns_timers(ns1, now);
	vmk_spin_unlock(&ns1->lock);
	pump();
}

/* vmk0 (defaultTcpipStack) and vmk1 (netstack "peer", 192.0.2.3), joined
 * by pump() instead of the peer of the other tests. */
static __attribute__((unused)) void setup_pair(void)
{
	struct vmk_vmknic_params p;

	setup();
	CU_ASSERT_EQUAL_FATAL(vmk_netstack_add(host, "peer"), 0);
	vmk_vmknic_params_init(&p);
	p.name = "vmk1";
	p.vswitch = vs;
	p.portgroup = "Management Network";
	p.netstack = "peer";
	p.ipv4 = VMK1_IP;
	p.netmask = MASK24;
	p.mtu = 9000;
	CU_ASSERT_EQUAL_FATAL(vmk_vmknic_add(host, &p, NULL), 0);
	vmk1 = vmknic_find(host_vmknics(host), "vmk1");
	pump();
}

/* A connection from vmk0 (*a) to a listener on vmk1 (*b accepted). */
static __attribute__((unused)) void pair_connect(struct vmk_tcp_sock **l, struct vmk_tcp_sock **a,
			 struct vmk_tcp_sock **b)
{
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(*l, VMK1_IP, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(*l, 4), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, a), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(*a, VMK1_IP, PORT, 0), -EINPROGRESS);
	pump();                                  /* ARP, then the handshake */
	CU_ASSERT_EQUAL(vmk_tcp_state(*a), VMK_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_accept(*l, b, NULL, NULL, 0), 0);
}

#endif
