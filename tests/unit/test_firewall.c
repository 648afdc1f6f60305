/*
 * Unit tests of the host firewall's data path (tcpip/fw_view.c,
 * tcpip/fw_conn.c, include/vmknet/firewall.h): two netstacks of one host
 * wired back to back (tcp_pair.h; the firewall is the host's, so it
 * filters what leaves vmk0 and what reaches vmk1), and the crafted peer
 * (tcp_peer.h) for packets from addresses the pair does not have.
 */
#include <stdlib.h>

#include <rte_hash.h>

#include "tcpip/firewall.h"
#include "unit/tcp_pair.h"

#define UPORT 9000

static struct vmk_fw_config *fw;

/* The default firewall turned on (DROP), with a custom ruleset "svc":
 * TCP and UDP to PORT/UPORT both ways, allowed from allow/plen (plen < 0:
 * allowed-all). PORT is vMotion's, whose ruleset comes first: off. */
static void fw_with_svc(int plen, rte_be32_t allow)
{
	struct vmk_fw_ruleset *rs;
	const struct vmk_fw_rule rules[] = {
		{ VMK_FW_INBOUND, VMK_FW_TCP, VMK_FW_PORT_DST, PORT, PORT },
		{ VMK_FW_OUTBOUND, VMK_FW_TCP, VMK_FW_PORT_DST, PORT, PORT },
		{ VMK_FW_INBOUND, VMK_FW_UDP, VMK_FW_PORT_DST, UPORT, UPORT },
		{ VMK_FW_OUTBOUND, VMK_FW_UDP, VMK_FW_PORT_DST, UPORT, UPORT },
	};

	vmk_fw_config_default(fw);
	fw->enabled = true;
	vmk_fw_config_find(fw, "vMotion")->enabled = false;
	rs = &fw->rulesets[fw->n_rulesets++];
	memset(rs, 0, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "svc");
	rs->enabled = true;
	rs->allowed_all = plen < 0;
	rs->n_rules = RTE_DIM(rules);
	memcpy(rs->rules, rules, sizeof(rules));
	if (plen >= 0) {
		rs->n_allowed = 1;
		rs->allowed[0].network = allow;
		rs->allowed[0].prefix_len = (uint8_t)plen;
	}
}

static void setup_fw(void)
{
	setup_pair();
	fw = malloc(sizeof(*fw));
	CU_ASSERT_PTR_NOT_NULL_FATAL(fw);
}

static void teardown_fw(void)
{
	free(fw);
	fw = NULL;
	teardown();
}

static struct vmk_fw_stats stats(void)
{
	struct vmk_fw_stats s;

	CU_ASSERT_EQUAL(vmk_firewall_stats(host, &s), 0);
	return s;
}

static struct vmk_fw_ruleset_stats rs_stats(const char *name)
{
	struct vmk_fw_ruleset_stats s;

	CU_ASSERT_EQUAL(vmk_firewall_ruleset_stats(host, name, &s), 0);
	return s;
}

static uint64_t ip_drops(const char *netstack, enum vmk_ip_drop_reason why)
{
	struct vmk_netstack_stats st;

	CU_ASSERT_EQUAL(vmk_netstack_get_stats(host, netstack, &st), 0);
	return st.drops[why];
}

/* A payload from a to b and back, through pump(). */
static bool exchange(struct vmk_tcp_sock *a, struct vmk_tcp_sock *b)
{
	char buf[64] = "through the firewall";
	char got[64];

	if (vmk_tcp_send(a, buf, sizeof(buf), 0) != (long)sizeof(buf))
		return false;
	pump();
	if (vmk_tcp_recv(b, got, sizeof(got), 0) != (long)sizeof(got))
		return false;
	return memcmp(buf, got, sizeof(buf)) == 0;
}

static void close_all(struct vmk_tcp_sock *l, struct vmk_tcp_sock *a, struct vmk_tcp_sock *b)
{
	vmk_tcp_close(a);
	vmk_tcp_close(b);
	vmk_tcp_close(l);
}

static void test_a_new_host_has_the_firewall_off_with_the_built_in_rulesets(void)
{
	struct vmk_tcp_sock *l, *a, *b;
	struct vmk_fw_stats s;

	CU_ASSERT_EQUAL(vmk_firewall_get(host, fw), 0);
	CU_ASSERT_FALSE(fw->enabled);
	CU_ASSERT_FALSE(fw->default_pass);
	CU_ASSERT_PTR_NOT_NULL(vmk_fw_config_find(fw, "sshServer"));
	pair_connect(&l, &a, &b);
	CU_ASSERT(exchange(a, b));
	s = stats();
	CU_ASSERT_EQUAL(s.conn_capacity, 0);   /* no table until it is turned on */
	CU_ASSERT_EQUAL(s.default_dropped[0] + s.default_dropped[1], 0);
	close_all(l, a, b);
}

static void test_default_drop_fails_an_outbound_connect_with_eperm_and_counts_it(void)
{
	struct vmk_tcp_sock *a;

	vmk_fw_config_default(fw);
	fw->enabled = true;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &a), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, VMK1_IP, 7, 0), -EPERM);
	CU_ASSERT_EQUAL(vmk_tcp_state(a), VMK_TCP_CLOSED);
	CU_ASSERT_EQUAL(stats().default_dropped[VMK_FW_OUTBOUND], 1);
	CU_ASSERT_EQUAL(ip_drops(NULL, VMK_IPDROP_FW_DEFAULT), 1);
	CU_ASSERT_EQUAL(stats().generation, 1);
	vmk_tcp_close(a);
}

static void test_a_ruleset_lets_its_connection_through_and_counts_its_packets(void)
{
	struct vmk_tcp_sock *l, *a, *b;
	struct vmk_fw_stats s;

	fw_with_svc(-1, 0);
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	pair_connect(&l, &a, &b);
	CU_ASSERT(exchange(a, b));
	CU_ASSERT(exchange(b, a));
	s = stats();
	CU_ASSERT_EQUAL(s.conn_count, 2);      /* one in each netstack */
	CU_ASSERT(s.conn_passed > 4);
	CU_ASSERT_EQUAL(s.default_dropped[0] + s.default_dropped[1], 0);
	CU_ASSERT(rs_stats("svc").allowed > 4);
	CU_ASSERT_EQUAL(rs_stats("svc").dropped, 0);
	close_all(l, a, b);
}

static void test_a_syn_from_an_address_not_allowed_is_dropped_and_blamed_on_the_ruleset(void)
{
	struct vmk_tcp_sock *l, *a;

	/* svc admits only 198.51.100.0/24; outbound from vmk0 goes nowhere
	 * near its list, so let the default pass it out. */
	fw_with_svc(24, A(198, 51, 100, 0));
	fw->default_pass = false;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, "peer", &l), 0);
	CU_ASSERT_EQUAL(vmk_tcp_bind(l, VMK1_IP, PORT), 0);
	CU_ASSERT_EQUAL(vmk_tcp_listen(l, 4), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &a), 0);
	/* vmk0's SYN leaves (the outbound rule matches 192.0.2.3? no: the
	 * list is the remote's, 192.0.2.3 is not in it either). */
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, VMK1_IP, PORT, 0), -EPERM);
	CU_ASSERT_EQUAL(rs_stats("svc").dropped, 1);
	CU_ASSERT_EQUAL(rs_stats("svc").allowed, 0);
	/* Allow vmk1 as a remote for the outbound rule: the SYN leaves, and
	 * vmk1 drops it, 192.0.2.1 not being allowed. */
	fw->rulesets[fw->n_rulesets - 1].allowed[1].network = VMK1_IP;
	fw->rulesets[fw->n_rulesets - 1].allowed[1].prefix_len = 32;
	fw->rulesets[fw->n_rulesets - 1].n_allowed = 2;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, VMK1_IP, PORT, 0), -EINPROGRESS);
	pump();
	CU_ASSERT_EQUAL(vmk_tcp_state(a), VMK_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(stats().default_dropped[VMK_FW_INBOUND], 1);
	CU_ASSERT_EQUAL(ip_drops("peer", VMK_IPDROP_FW_DEFAULT), 1);
	CU_ASSERT_EQUAL(rs_stats("svc").dropped, 2);
	CU_ASSERT_EQUAL(rs_stats("svc").allowed, 1);   /* the SYN out */
	vmk_tcp_close(a);
	vmk_tcp_close(l);
}

static void test_changing_the_allowed_list_keeps_what_it_still_allows_and_cuts_the_rest(void)
{
	struct vmk_tcp_sock *l, *a, *b;
	struct vmk_fw_ruleset *rs;

	fw_with_svc(24, A(192, 0, 2, 0));
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	pair_connect(&l, &a, &b);
	CU_ASSERT(exchange(a, b));
	/* A new list that still holds the pair (as two /32s, plus another). */
	rs = vmk_fw_config_find(fw, "svc");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	rs->n_allowed = 3;
	rs->allowed[0] = (struct vmk_fw_allowed){ A(203, 0, 113, 0), 24 };
	rs->allowed[1] = (struct vmk_fw_allowed){ VMK0_IP, 32 };
	rs->allowed[2] = (struct vmk_fw_allowed){ VMK1_IP, 32 };
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT(exchange(a, b));
	CU_ASSERT(exchange(b, a));
	CU_ASSERT_EQUAL(rs_stats("svc").dropped, 0);
	CU_ASSERT_EQUAL(ip_drops(NULL, VMK_IPDROP_FW_REVOKED), 0);
	/* One without vmk0's address: vmk1 no longer takes its segments. */
	rs->n_allowed = 2;
	rs->allowed[1] = rs->allowed[2];
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_FALSE(exchange(a, b));
	CU_ASSERT(ip_drops("peer", VMK_IPDROP_FW_REVOKED) >= 1);
	CU_ASSERT(rs_stats("svc").dropped >= 1);
	close_all(l, a, b);
}

static void test_a_full_connection_table_refuses_new_flows_and_keeps_the_established(void)
{
	struct vmk_udp_sock *u[20];
	struct vmk_tcp_sock *l, *a, *b;
	unsigned int sent = 0, refused = 0;
	char d[8] = "x";

	fw_with_svc(-1, 0);
	fw->conn_max = 16;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	pair_connect(&l, &a, &b);
	for (unsigned int i = 0; i < RTE_DIM(u); i++) {
		int ret;

		CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &u[i]), 0);
		ret = vmk_udp_sendto(u[i], d, sizeof(d), VMK1_IP, UPORT);
		if (ret == -EPERM)
			refused++;
		else if (ret >= 0)
			sent++;
		pump();
	}
	CU_ASSERT_EQUAL(sent, 15);              /* 16 entries, one the TCP connection's */
	CU_ASSERT_EQUAL(refused, RTE_DIM(u) - 15);
	CU_ASSERT_EQUAL(stats().conn_refused, RTE_DIM(u) - 15);
	CU_ASSERT_EQUAL(ip_drops(NULL, VMK_IPDROP_FW_CONN_FULL), RTE_DIM(u) - 15);
	CU_ASSERT(exchange(a, b));              /* established: never dropped for room */
	CU_ASSERT(exchange(b, a));
	for (unsigned int i = 0; i < RTE_DIM(u); i++)
		vmk_udp_close(u[i]);
	close_all(l, a, b);
}

static void test_idle_entries_expire_and_make_room(void)
{
	struct vmk_udp_sock *u[17];
	char d[8] = "x";

	fw_with_svc(-1, 0);
	fw->conn_max = 16;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	pump();
	for (unsigned int i = 0; i < 16; i++) {
		CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &u[i]), 0);
		CU_ASSERT(vmk_udp_sendto(u[i], d, sizeof(d), VMK1_IP, UPORT) >= 0);
		pump();
	}
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &u[16]), 0);
	CU_ASSERT_EQUAL(vmk_udp_sendto(u[16], d, sizeof(d), VMK1_IP, UPORT), -EPERM);
	/* Past UDP's idle timeout the old flows are gone. The table's clock
	 * is the TSC; move the entries back instead of waiting. */
	vmk_spin_lock(&ns0->lock);
	for (uint32_t i = 0; i <= (uint32_t)rte_hash_max_key_id(ns0->fw->h); i++)
		ns0->fw->conns[i].last_tsc -= 200ull * rte_get_tsc_hz();
	vmk_spin_unlock(&ns0->lock);
	CU_ASSERT(vmk_udp_sendto(u[16], d, sizeof(d), VMK1_IP, UPORT) >= 0);
	CU_ASSERT(stats().conn_expired >= 1);
	for (unsigned int i = 0; i < RTE_DIM(u); i++)
		vmk_udp_close(u[i]);
}

static void test_an_icmp_error_about_a_known_flow_passes_both_ways(void)
{
	struct vmk_udp_sock *u;
	char d[8] = "x";

	fw_with_svc(-1, 0);
	vmk_fw_config_find(fw, "icmp")->enabled = false;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &u), 0);
	/* Nobody listens on UPORT at vmk1: it answers port unreachable,
	 * which no ICMP rule allows but the flow does. */
	CU_ASSERT(vmk_udp_sendto(u, d, sizeof(d), VMK1_IP, UPORT) >= 0);
	pump();
	CU_ASSERT_EQUAL(stats().icmp_err_passed, 2);   /* out of vmk1, into vmk0 */
	CU_ASSERT_EQUAL(stats().default_dropped[0] + stats().default_dropped[1], 0);
	vmk_udp_close(u);
}

static void test_arp_is_never_filtered(void)
{
	struct vmk_neigh n[4];
	struct vmk_tcp_sock *a;
	unsigned int k;

	vmk_fw_config_default(fw);
	fw->enabled = true;
	vmk_fw_config_find(fw, "icmp")->enabled = false;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_tcp_open(host, NULL, &a), 0);
	fw->default_pass = true;                  /* let one SYN out, to resolve */
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_EQUAL(vmk_tcp_connect(a, VMK1_IP, PORT, 0), -EINPROGRESS);
	fw->default_pass = false;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	pump();                                   /* ARP both ways, then the SYN */
	k = vmk_neigh_list(host, NULL, n, RTE_DIM(n));
	while (k > 0 && n[k - 1].ip != VMK1_IP)
		k--;
	CU_ASSERT_FATAL(k > 0);
	CU_ASSERT_EQUAL(n[k - 1].state, VMK_NEIGH_REACHABLE);
	vmk_tcp_close(a);
}

static void test_an_invalid_configuration_is_refused_and_the_old_one_keeps_running(void)
{
	struct vmk_fw_config *got = malloc(sizeof(*got));

	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	fw_with_svc(-1, 0);
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	fw->rulesets[fw->n_rulesets - 1].rules[0].port_begin = 9000;
	fw->rulesets[fw->n_rulesets - 1].rules[0].port_end = 80;
	CU_ASSERT_EQUAL(vmk_firewall_apply(host, fw), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(vmk_last_error(), "svc"));
	CU_ASSERT_EQUAL(vmk_firewall_get(host, got), 0);
	CU_ASSERT_EQUAL(got->rulesets[got->n_rulesets - 1].rules[0].port_begin, PORT);
	CU_ASSERT_EQUAL(stats().generation, 1);
	free(got);
}

static void test_check_names_the_ruleset_that_would_pass_a_packet(void)
{
	char name[VMK_NAME_MAX];
	bool pass;

	fw_with_svc(24, A(198, 51, 100, 0));
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_EQUAL(vmk_firewall_check(host, VMK_FW_INBOUND, VMK_FW_TCP, A(198, 51, 100, 9),
					   40000, PORT, &pass, name), 0);
	CU_ASSERT_TRUE(pass);
	CU_ASSERT_STRING_EQUAL(name, "svc");
	CU_ASSERT_EQUAL(vmk_firewall_check(host, VMK_FW_INBOUND, VMK_FW_TCP, A(203, 0, 113, 9),
					   40000, PORT, &pass, name), 0);
	CU_ASSERT_FALSE(pass);
	CU_ASSERT_STRING_EQUAL(name, "");
	CU_ASSERT_EQUAL(vmk_firewall_check(host, VMK_FW_INBOUND, VMK_FW_TCP, A(203, 0, 113, 9),
					   40000, 22, &pass, name), 0);
	CU_ASSERT_TRUE(pass);
	CU_ASSERT_STRING_EQUAL(name, "sshServer");
	CU_ASSERT_EQUAL(vmk_firewall_check(host, 7, VMK_FW_TCP, 0, 0, 0, &pass, name), -EINVAL);
}

static void test_drops_are_logged_at_most_ten_a_second(void)
{
	struct vmk_udp_sock *u;
	char d[8] = "x";

	vmk_fw_config_default(fw);
	fw->enabled = true;
	CU_ASSERT_EQUAL_FATAL(vmk_firewall_apply(host, fw), 0);
	CU_ASSERT_EQUAL_FATAL(vmk_udp_open(host, NULL, &u), 0);
	for (unsigned int i = 0; i < 40; i++)
		CU_ASSERT_EQUAL(vmk_udp_sendto(u, d, sizeof(d), VMK1_IP, UPORT), -EPERM);
	CU_ASSERT_EQUAL(stats().default_dropped[VMK_FW_OUTBOUND], 40);
	/* 40 drops inside a second or two: at least 20 not logged. */
	CU_ASSERT(stats().log_suppressed >= 20);
	vmk_udp_close(u);
}

#define ADD(s, fn) CU_add_test(s, #fn, fn)

int main(void)
{
	CU_pSuite s;

	if (th_eal_init("firewall", true) != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite_with_setup_and_teardown("firewall", NULL, NULL, setup_fw, teardown_fw);
	ADD(s, test_a_new_host_has_the_firewall_off_with_the_built_in_rulesets);
	ADD(s, test_default_drop_fails_an_outbound_connect_with_eperm_and_counts_it);
	ADD(s, test_a_ruleset_lets_its_connection_through_and_counts_its_packets);
	ADD(s, test_a_syn_from_an_address_not_allowed_is_dropped_and_blamed_on_the_ruleset);
	ADD(s, test_changing_the_allowed_list_keeps_what_it_still_allows_and_cuts_the_rest);
	ADD(s, test_a_full_connection_table_refuses_new_flows_and_keeps_the_established);
	ADD(s, test_idle_entries_expire_and_make_room);
	ADD(s, test_an_icmp_error_about_a_known_flow_passes_both_ways);
	ADD(s, test_arp_is_never_filtered);
	ADD(s, test_an_invalid_configuration_is_refused_and_the_old_one_keeps_running);
	ADD(s, test_check_names_the_ruleset_that_would_pass_a_packet);
	ADD(s, test_drops_are_logged_at_most_ten_a_second);
	return th_run_suites();
}
