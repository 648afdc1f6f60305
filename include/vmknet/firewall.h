/*
 * The host firewall: what may reach the VMkernel adapters and leave them,
 * with ESXi's model (esxcli network firewall).
 *
 * A firewall configuration (struct vmk_fw_config) is a plain value: a
 * global enable, a default action, and rulesets. A ruleset is a named
 * service with rules (direction, protocol, destination or source port
 * range), enabled or not, and either allowed-all or a list of allowed IPv4
 * addresses and networks (the remote end: the source of inbound traffic,
 * the destination of outbound). The built-in rulesets (sshServer, vMotion,
 * faultTolerance, iSCSI, nfsClient, ...) come from vmk_fw_config_default;
 * others are custom. The value is large (about half a MiB, for the
 * allowed lists): allocate it, do not put it on the stack.
 *
 * Verdict of an IP packet into or out of a vmknic, in every netstack, when
 * the firewall is enabled (traffic switched between guest ports is never
 * seen):
 *   1. ARP is never filtered (it is not IP).
 *   2. A packet of a connection in the netstack's connection table passes
 *      (both directions), and so does an ICMP error about one.
 *   3. Otherwise the first enabled ruleset with a rule for the packet's
 *      direction, protocol and port, whose allowed list admits the remote
 *      address, passes it; a packet that opens a connection (TCP SYN, a UDP
 *      datagram, an ICMP echo request) adds it to the table. A full table
 *      refuses the new connection (counted in conn_refused); established
 *      ones are never dropped for room.
 *   4. Otherwise the default action: drop (counted per direction, logged
 *      at most VMK_FW_LOG_PER_SEC times a second) or pass.
 * A refused outbound packet fails the sending call with -EPERM where the
 * call is still waiting (a TCP connect), as Linux's netfilter does.
 *
 * Applying a new configuration rebuilds the rule lookup (DPDK rte_acl) off
 * the data path and swaps it in; the data path takes no lock of its own.
 * Connections in the table stay while the new rules still allow them (they
 * are checked again against the new rules on their next packet) and are
 * removed, their packets dropped, when they do not.
 *
 * Errors: 0 or a negative errno; vmk_last_error() (error.h) says why, naming
 * the ruleset and field ("rulesets[3] (myService).rules[0]: port range
 * 900..80 is reversed").
 * Thread: control plane (any non-worker thread).
 */
#ifndef VMKNET_FIREWALL_H
#define VMKNET_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmknet/vswitch.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;

#define VMK_FW_RULESETS_MAX  64    /* built-in and custom, per host */
#define VMK_FW_RULES_MAX     16    /* rules per ruleset */
#define VMK_FW_ALLOWED_MAX   1024  /* allowed addresses/networks per ruleset */
#define VMK_FW_CONN_DEFAULT  16384 /* connection table entries per netstack */
#define VMK_FW_CONN_MAX      (1u << 20)
#define VMK_FW_LOG_PER_SEC   10    /* drop log lines a second, host-wide */

enum vmk_fw_direction {
	VMK_FW_INBOUND = 0,           /* "Inbound": to the host */
	VMK_FW_OUTBOUND,              /* "Outbound": from the host */
};

enum vmk_fw_protocol {
	VMK_FW_TCP = 0,               /* "TCP" */
	VMK_FW_UDP,                   /* "UDP" */
	VMK_FW_ICMP,                  /* "ICMP": ports are ICMP types */
};

enum vmk_fw_port_type {
	VMK_FW_PORT_DST = 0,          /* "Dst": the packet's destination port
				       * (the local port inbound, the remote
				       * port outbound) */
	VMK_FW_PORT_SRC,              /* "Src": the packet's source port */
};

/* One rule: direction, protocol and a port range (begin <= end; ICMP:
 * a range of ICMP types, 0..255). */
struct vmk_fw_rule {
	enum vmk_fw_direction direction;
	enum vmk_fw_protocol protocol;
	enum vmk_fw_port_type port_type;
	uint16_t port_begin, port_end;
};

/* An allowed remote address: network/prefix_len (0..32, host bits zero;
 * 32 is one address). Network byte order. */
struct vmk_fw_allowed {
	uint32_t network;
	uint8_t prefix_len;
};

struct vmk_fw_ruleset {
	char name[VMK_NAME_MAX];      /* unique, printable, no spaces */
	bool enabled;
	bool allowed_all;             /* true: any remote address */
	unsigned int n_rules;         /* 1..VMK_FW_RULES_MAX */
	struct vmk_fw_rule rules[VMK_FW_RULES_MAX];
	unsigned int n_allowed;       /* used when !allowed_all; unique entries */
	struct vmk_fw_allowed allowed[VMK_FW_ALLOWED_MAX];
};

struct vmk_fw_config {
	bool enabled;                 /* false: every packet passes, nothing counted */
	bool default_pass;            /* false: DROP (ESXi's default) */
	uint32_t conn_max;            /* connection table entries per netstack,
				       * 16..VMK_FW_CONN_MAX; fixed once a
				       * netstack has a table (a change applies
				       * to netstacks created later) */
	unsigned int n_rulesets;
	struct vmk_fw_ruleset rulesets[VMK_FW_RULESETS_MAX];
};

/* The esxcli names ("Inbound", "TCP", "Dst", ...; NULL when out of range)
 * and back (case-insensitive): 0 or -EINVAL. */
const char *vmk_fw_direction_name(enum vmk_fw_direction d);
const char *vmk_fw_protocol_name(enum vmk_fw_protocol p);
const char *vmk_fw_port_type_name(enum vmk_fw_port_type t);
int vmk_fw_direction_parse(const char *name, enum vmk_fw_direction *out);
int vmk_fw_protocol_parse(const char *name, enum vmk_fw_protocol *out);
int vmk_fw_port_type_parse(const char *name, enum vmk_fw_port_type *out);

/*
 * The firewall of a new host: disabled (so programs on any port keep
 * working until the operator turns it on), default action DROP,
 * VMK_FW_CONN_DEFAULT entries, and the built-in rulesets with ESXi's
 * rules and default states, each allowed-all.
 */
void vmk_fw_config_default(struct vmk_fw_config *fw);

/* Is name a built-in ruleset? Its rules are the library's: a configuration
 * may change its enabled state and allowed list only. */
bool vmk_fw_ruleset_is_builtin(const char *name);

/* The ruleset named name in fw (case-sensitive), or NULL. */
struct vmk_fw_ruleset *vmk_fw_config_find(struct vmk_fw_config *fw, const char *name);

/*
 * Check every rule of the model: counts and ranges, names unique, each
 * built-in ruleset present with the library's rules, allowed entries
 * well formed and unique. Returns 0, or -EINVAL with the reason in err
 * (err_size bytes, may be 0) and in vmk_last_error().
 */
int vmk_fw_config_validate(const struct vmk_fw_config *fw, char *err, size_t err_size);

/*
 * Make fw the host's firewall: validate, build the lookup, swap it in.
 * On failure (-EINVAL, -ENOMEM) the firewall that ran before still runs.
 */
int vmk_firewall_apply(struct vmk_host *host, const struct vmk_fw_config *fw);

/* The configuration applied now (vmk_fw_config_default before the first
 * vmk_firewall_apply). 0 or -EINVAL. */
int vmk_firewall_get(struct vmk_host *host, struct vmk_fw_config *out);

/* Counters of one ruleset, summed over the netstacks, since it was first
 * applied (a re-apply that keeps the name keeps the counts). */
struct vmk_fw_ruleset_stats {
	uint64_t allowed;             /* packets that opened or passed by its rules */
	uint64_t dropped;             /* packets its rules match that were dropped:
				       * a remote not in its allowed list, the
				       * ruleset disabled (when no enabled one
				       * matches), or a connection it allowed
				       * that a new configuration no longer does */
};

/* Host-wide counters, summed over the netstacks. */
struct vmk_fw_stats {
	uint64_t conn_passed;         /* packets passed by the connection table */
	uint64_t icmp_err_passed;     /* ICMP errors about a known connection */
	uint64_t default_dropped[2];  /* by the default action, [enum vmk_fw_direction] */
	uint64_t default_passed[2];
	uint64_t conn_refused;        /* new connections refused: table full */
	uint64_t conn_expired;
	uint64_t log_suppressed;      /* drops not logged (rate limit) */
	uint32_t conn_count;          /* entries in use now */
	uint32_t conn_capacity;       /* entries, all netstacks */
	uint64_t generation;          /* applies so far */
};

/* 0, -ENOENT (no such ruleset), -EINVAL. */
int vmk_firewall_ruleset_stats(struct vmk_host *host, const char *name,
			       struct vmk_fw_ruleset_stats *out);
int vmk_firewall_stats(struct vmk_host *host, struct vmk_fw_stats *out);

/*
 * What the firewall would do with a packet that opens a connection
 * (troubleshooting: vmkcli network diag check): direction, protocol, the
 * remote address and the packet's source and destination ports (ICMP:
 * 0 and the type). Sets
 * *pass, and *ruleset (VMK_NAME_MAX bytes, may be NULL) to the ruleset
 * that passes it, or "" when the default action decides (or the firewall
 * is off). 0 or -EINVAL.
 */
int vmk_firewall_check(struct vmk_host *host, enum vmk_fw_direction dir,
		       enum vmk_fw_protocol proto, uint32_t remote_addr, uint16_t src_port,
		       uint16_t dst_port, bool *pass, char *ruleset);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
