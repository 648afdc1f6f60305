/*
 * The host firewall in the IP layer (include/vmknet/firewall.h is the
 * contract): a view built from a struct vmk_fw_config (fw_view.c) and a
 * connection table per netstack (fw_conn.c), consulted by ipv4_input
 * (before a datagram is delivered) and ipv4_output (before it is routed
 * out).
 *
 * Publication: the host's view pointer (struct fw_host.view) is replaced
 * by the control thread under th->lock; the data path reads it only with
 * its netstack's spinlock held and never keeps it past that lock. So once
 * the control thread has taken and released every netstack's spinlock
 * after the swap, no worker can still see the old view, which is then
 * freed (the grace period of an RCU without a reader-side cost).
 */
#ifndef VMK_TCPIP_FIREWALL_H
#define VMK_TCPIP_FIREWALL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <vmknet/firewall.h>
#include <vmknet/netstack.h>

#include "common/lock.h"
#include "tcpip/stack_host.h"

struct netstack;
struct rte_acl_ctx;
struct rte_hash;

#define FW_SLOT_NONE 0xff             /* a connection the default action let in */

/* The lookup built from one configuration. Immutable once published. */
struct fw_view {
	bool enabled;
	bool default_pass;
	uint64_t gen;                 /* the apply that built it */
	struct rte_acl_ctx *allow;    /* enabled rulesets, with their allowed
				       * lists; NULL when there is no rule */
	struct rte_acl_ctx *blame;    /* every ruleset's rules, any remote: who
				       * a dropped packet was meant for */
	unsigned int n_rulesets;
	uint8_t slot[VMK_FW_RULESETS_MAX]; /* ruleset index -> counter slot */
};

/* The firewall of a host's IP layer (in struct tcpip_host). */
struct fw_host {
	struct fw_view *view;         /* published (see above); written under th->lock */
	struct vmk_fw_config *cfg;    /* the applied configuration; th->lock */
	char slot_name[VMK_FW_RULESETS_MAX][VMK_NAME_MAX]; /* "" free; th->lock */
	uint64_t generation;          /* th->lock */
	uint64_t log_sec;             /* drop log window (atomic, any worker) */
	uint32_t log_count;           /* lines in it (atomic) */
	uint64_t log_suppressed;      /* atomic */
};

/* A connection of the table (fw_conn.c). */
struct fw_conn {
	uint64_t last_tsc;            /* rte_rdtsc() of its last packet */
	uint64_t gen;                 /* the view it was last checked against */
	uint8_t slot;                 /* counter slot, FW_SLOT_NONE: default action */
	uint8_t dir;                  /* direction of the packet that opened it */
	uint8_t closing;
	uint8_t icmp_echo;
};

/* Counters and connections of one netstack; all under ns->lock. */
struct fw_ns {
	struct rte_hash *h;           /* key: struct fw_ckey; position: conns[] */
	struct fw_conn *conns;
	uint32_t cap;                 /* the conn_max it was made with */
	uint32_t count;
	uint32_t sweep_next;          /* rte_hash_iterate cursor of the sweep */
	uint64_t tmo[4];              /* idle timeouts in TSC cycles: TCP, TCP
				       * closing, UDP, ICMP */
	uint64_t conn_passed, icmp_err_passed, conn_refused, conn_expired;
	uint64_t default_dropped[2], default_passed[2];
	uint64_t rs_allowed[VMK_FW_RULESETS_MAX], rs_dropped[VMK_FW_RULESETS_MAX];
};

/* Set up / tear down th's firewall (disabled, default configuration).
 * 0 or -ENOMEM. th->lock not needed (creation, destruction). */
int fw_host_init(struct tcpip_host *th);
void fw_host_fini(struct tcpip_host *th);

/* Give ns a connection table when the applied firewall is enabled (a
 * netstack added after the firewall was turned on). 0 or -ENOMEM.
 * th->lock held. */
int fw_ns_attach(struct tcpip_host *th, struct netstack *ns);

/* Free ns's table. ns->lock held or ns unreachable. NULL ok. */
void fw_ns_free(struct fw_ns *f);

/* A table of conn_max entries, or NULL (-ENOMEM). */
struct fw_ns *fw_ns_alloc(uint32_t conn_max);

/*
 * The verdicts. fw_input: m starts at the IP header (hlen bytes), the
 * datagram whole (reassembled). fw_output: m starts at the L4 header of a
 * datagram from src to dst. Each returns true to pass; false when the
 * caller must drop m with *why (a VMK_IPDROP_FW_* reason). The table
 * keeps time with the TSC, whatever clock the caller runs on (the tests
 * drive theirs). ns->lock held.
 */
bool fw_input(struct netstack *ns, const struct rte_mbuf *m, uint16_t hlen,
	      enum vmk_ip_drop_reason *why);
bool fw_output(struct netstack *ns, const struct rte_mbuf *m, rte_be32_t src, rte_be32_t dst,
	       uint8_t proto, enum vmk_ip_drop_reason *why);

/* The ACL lookup (fw_view.c): the ruleset index + 1 that passes a packet
 * (0: none) in ctx. dirproto: direction * 4 + protocol; remote, ports in
 * network byte order. */
uint32_t fw_classify(const struct rte_acl_ctx *ctx, unsigned int dirproto, rte_be32_t remote,
		     rte_be16_t sport, rte_be16_t dport);

/* A drop by the default action, in the log (at most VMK_FW_LOG_PER_SEC a
 * second, host-wide). Any worker. */
void fw_log_drop(struct netstack *ns, unsigned int dir, uint8_t proto, rte_be32_t remote,
		 uint16_t sport, uint16_t dport, const char *why);

/* The public calls of include/vmknet/firewall.h on an IP layer. */
int tcpip_firewall_apply(struct tcpip_host *th, const struct vmk_fw_config *fw)
	VMK_EXCLUDES(th->lock);
int tcpip_firewall_get(struct tcpip_host *th, struct vmk_fw_config *out) VMK_EXCLUDES(th->lock);
int tcpip_firewall_ruleset_stats(struct tcpip_host *th, const char *name,
				 struct vmk_fw_ruleset_stats *out) VMK_EXCLUDES(th->lock);
int tcpip_firewall_stats(struct tcpip_host *th, struct vmk_fw_stats *out) VMK_EXCLUDES(th->lock);
int tcpip_firewall_check(struct tcpip_host *th, enum vmk_fw_direction dir,
			 enum vmk_fw_protocol proto, uint32_t remote, uint16_t sport,
			 uint16_t dport, bool *pass, char *ruleset) VMK_EXCLUDES(th->lock);

#endif
