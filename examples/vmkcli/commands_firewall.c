/*
 * vmkcli's `network firewall` rows: the host firewall with esxcli's
 * commands, options and column names (get, set, refresh, ruleset list|set,
 * ruleset allowedip list|add|remove, ruleset rule list), and vmknet's own
 * rows for custom rulesets (ruleset add|remove, ruleset rule add|remove;
 * ESXi takes them from a VIB's XML file) and the counters (stats get;
 * `ruleset list` adds each ruleset's counters to esxcli's columns).
 * The vmknetd operations are in examples/vmknetd/ops_firewall.c.
 */
#include <stddef.h>

#include "vmkcli/vmkcli.h"

#define END_OPTS { 0, NULL, NULL, OPT_STRING, false, NULL }
#define END_COLS { NULL, NULL, NULL, COL_STRING }

static const struct opt_spec no_opts[] = { END_OPTS };

#define RS_OPT(req, help) { 'r', "ruleset-id", "ruleset_id", OPT_STRING, req, help }
#define RULE_OPTS \
	{ 'd', "direction", "direction", OPT_STRING, true, "Inbound or Outbound." }, \
	{ 'p', "protocol", "protocol", OPT_STRING, true, "TCP, UDP or ICMP." }, \
	{ 't', "port-type", "port_type", OPT_STRING, false, \
	  "Dst (default: the destination port) or Src (the source port)." }, \
	{ 'P', "port", "port", OPT_STRING, true, \
	  "A port N or a range N-M, 0-65535 (ICMP: the ICMP type, 0-255)." }

static const struct opt_spec fw_set_opts[] = {
	{ 'd', "default-action", "default_action", OPT_BOOL, false,
	  "The action for traffic no ruleset allows: true to PASS, false to DROP." },
	{ 'e', "enabled", "enabled", OPT_BOOL, false,
	  "Enable or disable the firewall (disabled: every packet passes)." },
	END_OPTS
};

static const struct opt_spec rs_opt_opts[] = {
	RS_OPT(false, "Only this ruleset (default: every ruleset)."), END_OPTS
};

static const struct opt_spec rs_set_opts[] = {
	RS_OPT(true, "The ruleset."),
	{ 'e', "enabled", "enabled", OPT_BOOL, false, "Enable or disable the ruleset." },
	{ 'a', "allowed-all", "allowed_all", OPT_BOOL, false,
	  "true: any remote address; false: only its allowed IP list." },
	END_OPTS
};

static const struct opt_spec allowed_opts[] = {
	RS_OPT(true, "The ruleset."),
	{ 'i', "ip-address", "ip_address", OPT_STRING, true,
	  "An IPv4 address or a network a.b.c.d/len." },
	END_OPTS
};

static const struct opt_spec rs_add_opts[] = {
	RS_OPT(true, "The new custom ruleset's name (1-31 printable bytes, no spaces)."),
	RULE_OPTS,
	{ 'e', "enabled", "enabled", OPT_BOOL, false, "Enable the ruleset (default true)." },
	{ 'a', "allowed-all", "allowed_all", OPT_BOOL, false,
	  "Allow any remote address (default true)." },
	END_OPTS
};

static const struct opt_spec rs_remove_opts[] = {
	RS_OPT(true, "The custom ruleset."), END_OPTS
};

static const struct opt_spec rule_opts[] = {
	RS_OPT(true, "The custom ruleset."), RULE_OPTS, END_OPTS
};

static const struct column fw_cols[] = {
	{ "Default Action", "DefaultAction", "default_action", COL_STRING },
	{ "Enabled", "Enabled", "enabled", COL_BOOL },
	{ "Loaded", "Loaded", "loaded", COL_BOOL },
	END_COLS
};

/* esxcli's Name and Enabled, then the ruleset's counters (packets). */
static const struct column rs_cols[] = {
	{ "Name", "Name", "name", COL_STRING },
	{ "Enabled", "Enabled", "enabled", COL_BOOL },
	{ "Allowed", "Allowed", "allowed", COL_INT },
	{ "Dropped", "Dropped", "dropped", COL_INT },
	END_COLS
};

static const struct column allowed_cols[] = {
	{ "Ruleset", "Ruleset", "ruleset", COL_STRING },
	{ "Allowed IP Addresses", "AllowedIPAddresses", "allowed_ip", COL_LIST },
	END_COLS
};

static const struct column rule_cols[] = {
	{ "Ruleset", "Ruleset", "ruleset", COL_STRING },
	{ "Direction", "Direction", "direction", COL_STRING },
	{ "Protocol", "Protocol", "protocol", COL_STRING },
	{ "Port Type", "PortType", "port_type", COL_STRING },
	{ "Port Begin", "PortBegin", "port_begin", COL_INT },
	{ "Port End", "PortEnd", "port_end", COL_INT },
	END_COLS
};

static const struct column stats_cols[] = {
	{ "Connection Packets Passed", "ConnectionPacketsPassed", "conn_passed", COL_INT },
	{ "ICMP Errors Passed", "ICMPErrorsPassed", "icmp_err_passed", COL_INT },
	{ "Default Dropped Inbound", "DefaultDroppedInbound", "in_dropped", COL_INT },
	{ "Default Dropped Outbound", "DefaultDroppedOutbound", "out_dropped", COL_INT },
	{ "Default Passed Inbound", "DefaultPassedInbound", "in_passed", COL_INT },
	{ "Default Passed Outbound", "DefaultPassedOutbound", "out_passed", COL_INT },
	{ "Connections Refused", "ConnectionsRefused", "conn_refused", COL_INT },
	{ "Connections Expired", "ConnectionsExpired", "conn_expired", COL_INT },
	{ "Log Lines Suppressed", "LogLinesSuppressed", "log_suppressed", COL_INT },
	{ "Connections", "Connections", "conn_count", COL_INT },
	{ "Connection Capacity", "ConnectionCapacity", "conn_capacity", COL_INT },
	{ "Generation", "Generation", "generation", COL_INT },
	END_COLS
};

const struct command fw_commands[] = {
	{ "network firewall get", "Get the firewall status: enabled, default action, loaded.",
	  "firewall.get", no_opts, OUT_FIELDS, fw_cols, "Firewall", NULL },
	{ "network firewall set", "Set the firewall's enabled state and default action.",
	  "firewall.set", fw_set_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network firewall refresh", "Read the saved configuration's firewall again and "
	  "apply it.", "firewall.refresh", no_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network firewall stats get", "The firewall's host-wide counters (every netstack).",
	  "firewall.stats", no_opts, OUT_FIELDS, stats_cols, "FirewallStats", NULL },
	{ "network firewall ruleset list", "List the rulesets, whether each is enabled, and "
	  "the packets it allowed and dropped (of connections it allowed that a new "
	  "configuration no longer does).",
	  "firewall.ruleset.list", rs_opt_opts, OUT_TABLE, rs_cols, "Ruleset", NULL },
	{ "network firewall ruleset set", "Enable or disable a ruleset, or set whether it "
	  "allows every remote address.", "firewall.ruleset.set", rs_set_opts, OUT_NONE,
	  NULL, NULL, NULL },
	{ "network firewall ruleset add", "Add a custom ruleset with its first rule.",
	  "firewall.ruleset.add", rs_add_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network firewall ruleset remove", "Remove a custom ruleset.",
	  "firewall.ruleset.remove", rs_remove_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network firewall ruleset allowedip list", "List the allowed IP addresses of the "
	  "rulesets.", "firewall.ruleset.allowedip.list", rs_opt_opts, OUT_TABLE,
	  allowed_cols, "RulesetAllowedIp", NULL },
	{ "network firewall ruleset allowedip add", "Allow an IP address or network to reach "
	  "a ruleset's services (the ruleset must not allow all).",
	  "firewall.ruleset.allowedip.add", allowed_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network firewall ruleset allowedip remove", "Remove an allowed IP address or "
	  "network of a ruleset.", "firewall.ruleset.allowedip.remove", allowed_opts, OUT_NONE,
	  NULL, NULL, NULL },
	{ "network firewall ruleset rule list", "List the rules of the rulesets.",
	  "firewall.ruleset.rule.list", rs_opt_opts, OUT_TABLE, rule_cols, "RulesetRule",
	  NULL },
	{ "network firewall ruleset rule add", "Add a rule to a custom ruleset.",
	  "firewall.ruleset.rule.add", rule_opts, OUT_NONE, NULL, NULL, NULL },
	{ "network firewall ruleset rule remove", "Remove a rule of a custom ruleset.",
	  "firewall.ruleset.rule.remove", rule_opts, OUT_NONE, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, OUT_NONE, NULL, NULL, NULL },
};

const struct namespace_help fw_namespaces[] = {
	{ "network firewall", "A set of commands for firewall related operations." },
	{ "network firewall ruleset", "Commands to list and manipulate firewall rulesets." },
	{ "network firewall ruleset allowedip", "Commands to list and manipulate the allowed "
	  "IP addresses of a ruleset." },
	{ "network firewall stats", "The firewall's counters." },
	{ "network firewall ruleset rule", "Commands to list (and, for custom rulesets, "
	  "change) the rules of a ruleset." },
	{ NULL, NULL },
};
