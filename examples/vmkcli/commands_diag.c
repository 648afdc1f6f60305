/*
 * vmkcli's `network diag` rows: esxcli's `network diag ping` (the options
 * and the Trace/Summary result of esxcli), a traceroute from a chosen
 * VMkernel interface, and `diag check`, which walks the path to a host and
 * names the first broken step with the command that fixes it. The vmknetd
 * operations are "ping" (examples/vmknetd/ops_ip_live.c, shared with
 * vmkping) and "diag.*" (examples/vmknetd/ops_diag.c).
 */
#include <stddef.h>
#include <string.h>

#include "vmkcli/vmkcli.h"

#define END_OPTS { 0, NULL, NULL, OPT_STRING, false, NULL }
#define END_COLS { NULL, NULL, NULL, COL_STRING }

#define HOST_OPT { 'H', "host", "host", OPT_STRING, true, \
		   "The IPv4 address of the host to reach." }
#define IF_OPT { 'I', "interface", "interface_name", OPT_STRING, false, \
		 "The VMkernel interface to send from (vmkN; default: the route decides)." }
#define NS_OPT { 'N', "netstack", "netstack", OPT_STRING, false, \
		 "The netstack (default: the interface's, or defaultTcpipStack)." }
#define WAIT_OPT { 'W', "wait", "wait", OPT_STRING, false, \
		   "Seconds to wait for an answer to each probe (default 1)." }

static const struct opt_spec ping_opts[] = {
	HOST_OPT, IF_OPT, NS_OPT,
	{ 'c', "count", "count", OPT_INT, false, "The number of requests, 1-100 (default 3)." },
	{ 'd', "df", "df", OPT_FLAG, false, "Set the Don't Fragment bit." },
	{ 's', "size", "size", OPT_INT, false,
	  "The ICMP data size in bytes, 0-65507 (default 56)." },
	{ 'i', "interval", "interval", OPT_STRING, false,
	  "Seconds between requests (default 1)." },
	WAIT_OPT,
	{ 't', "ttl", "ttl", OPT_INT, false, "The IPv4 time to live, 1-255 (default 64)." },
	END_OPTS
};

static const struct column ping_cols[] = {
	{ "Trace", "Trace", "trace", COL_STRUCT_LIST },
	{ "Received Bytes", "ReceivedBytes", "received_bytes", COL_MEMBER },
	{ "Host", "Host", "host", COL_MEMBER },
	{ "ICMP Seq", "ICMPSeq", "icmp_seq", COL_MEMBER },
	{ "TTL", "TTL", "ttl", COL_MEMBER },
	{ "Round-trip Time (us)", "RoundtripTime", "roundtrip_time_us", COL_MEMBER },
	{ "Dup", "Dup", "dup", COL_MEMBER },
	{ "Detail", "Detail", "detail", COL_MEMBER },
	{ "Summary", "Summary", "summary", COL_STRUCT },
	{ "Host Addr", "HostAddr", "host_addr", COL_MEMBER },
	{ "Transmitted", "Transmitted", "transmitted", COL_MEMBER },
	{ "Received", "Received", "received", COL_MEMBER },
	{ "Duplicated", "Duplicated", "duplicated", COL_MEMBER },
	{ "Packet Lost", "PacketLost", "packet_lost", COL_MEMBER },
	{ "Round-trip Min (us)", "RoundtripMin", "roundtrip_min_us", COL_MEMBER },
	{ "Round-trip Avg (us)", "RoundtripAvg", "roundtrip_avg_us", COL_MEMBER },
	{ "Round-trip Max (us)", "RoundtripMax", "roundtrip_max_us", COL_MEMBER },
	END_COLS
};

static const struct opt_spec tr_opts[] = {
	HOST_OPT, IF_OPT, NS_OPT,
	{ 'm', "max-ttl", "max_ttl", OPT_INT, false,
	  "The largest TTL (hops) to probe, 1-64 (default 30)." },
	{ 'q', "queries", "queries", OPT_INT, false, "Probes per hop, 1-5 (default 3)." },
	WAIT_OPT,
	END_OPTS
};

static const struct column tr_cols[] = {
	{ "Hop", "Hop", "hop", COL_INT },
	{ "Host", "Host", "hosts", COL_LIST },
	{ "Round-trip Times", "RoundtripTimes", "rtts", COL_LIST },
	{ "Detail", "Detail", "detail", COL_STRING },
	END_COLS
};

static const struct opt_spec check_opts[] = {
	{ 'I', "interface", "interface_name", OPT_STRING, true,
	  "The VMkernel interface whose path is checked (vmkN)." },
	HOST_OPT,
	{ 'p', "port", "port", OPT_INT, false,
	  "The service port on the host (for the firewall step), 1-65535." },
	NS_OPT,
	END_OPTS
};

static const struct column check_cols[] = {
	{ "Step", "Step", "step", COL_STRING },
	{ "Verdict", "Verdict", "verdict", COL_STRING },
	{ "Evidence", "Evidence", "evidence", COL_STRING },
	{ "Fix", "Fix", "fix", COL_STRING },
	END_COLS
};

bool result_has_failure(const struct command *c, const cJSON *result)
{
	const cJSON *r;

	if (strcmp(c->op, "diag.check") != 0)
		return false;
	cJSON_ArrayForEach(r, result) {
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "verdict"));

		if (v != NULL && strcmp(v, "FAIL") == 0)
			return true;
	}
	return false;
}

const struct command diag_commands[] = {
	{ "network diag ping", "Send ICMP echo requests from a VMkernel interface or netstack "
	  "and report each reply and a summary.", "ping", ping_opts, OUT_FIELDS, ping_cols,
	  "Ping", NULL },
	{ "network diag traceroute", "List the routers on the way to a host (ICMP echo "
	  "probes of rising TTL; \"*\": no answer within the wait).", "diag.traceroute",
	  tr_opts, OUT_TABLE, tr_cols, "Hop", NULL },
	{ "network diag check", "Walk the path from a VMkernel interface to a host (adapter, "
	  "port drops, VLAN, uplinks, route, ARP, echo, path MTU, firewall) and name the first "
	  "broken step with its fix; exit status 1 when a step fails.", "diag.check",
	  check_opts, OUT_TABLE, check_cols, "Step", NULL },
	{ NULL, NULL, NULL, NULL, OUT_NONE, NULL, NULL, NULL },
};

const struct namespace_help diag_namespaces[] = {
	{ "network diag", "Troubleshooting: ping, traceroute and a path check from a VMkernel "
	  "interface." },
	{ NULL, NULL },
};
