/*
 * What the netstacks hold at run time, not in the configuration: esxcli's
 * `network ip neighbor list|remove` and `network ip connection list`, and
 * vmkping's echo requests ("ping").
 *
 * A ping blocks the daemon (vmk_ping holds the IP layer's control lock
 * until every request is answered or timed out, and vmknetd serves one
 * request at a time), so its count, interval and timeout are bounded to
 * keep the whole under PING_BUDGET_MS.
 *
 * Thread: the main lcore, one request at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockets/server.h"
#include "vmknetd/ops.h"

#define PING_MAX_COUNT  100
#define PING_BUDGET_MS  20000u     /* vmkcli and vmkping wait 30 s for a reply */

static const char *ip_str(uint32_t a, char buf[16])
{
	return inet_ntop(AF_INET, &a, buf, 16);
}

/* The netstacks a request is about: "netstack" or all of them. */
static int which_netstacks(struct daemon *d, const cJSON *args, const char **names,
			   unsigned int *n, char *err, size_t err_size)
{
	const char *name;
	int ret = arg_str(args, "netstack", false, &name, err, err_size);

	*n = 0;
	if (ret == -EINVAL)
		return ret;
	if (ret == 0) {
		if (vmk_config_find_netstack(d->cfg, name) == NULL) {
			op_errf(err, err_size, "no netstack named \"%s\" (see 'vmkcli network ip "
				"netstack list')", name);
			return -ENOENT;
		}
		names[(*n)++] = name;
		return 0;
	}
	for (unsigned int i = 0; i < d->cfg->n_netstacks; i++)
		names[(*n)++] = d->cfg->netstacks[i].name;
	return 0;
}

static int add_record(cJSON *arr, cJSON **o)
{
	*o = cJSON_CreateObject();
	if (*o == NULL || !cJSON_AddItemToArray(arr, *o)) {
		cJSON_Delete(*o);
		return -ENOMEM;
	}
	return 0;
}

/* ---- network ip neighbor ------------------------------------------------- */

static const char *neigh_state(enum vmk_neigh_state s)
{
	return s == VMK_NEIGH_INCOMPLETE ? "Incomplete" : s == VMK_NEIGH_REACHABLE ?
	       "Reachable" : "Stale";
}

static void neigh_record(cJSON *o, const struct vmk_neigh *e, const char *ns)
{
	char ip[16], mac[18], expiry[24];
	uint32_t limit = e->state == VMK_NEIGH_REACHABLE ? 30000 :
			 e->state == VMK_NEIGH_STALE ? 300000 : 3000;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
		 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
	snprintf(expiry, sizeof(expiry), "%u sec",
		 e->age_ms < limit ? (limit - e->age_ms + 999) / 1000 : 0);
	cJSON_AddStringToObject(o, "neighbor", ip_str(e->ip, ip));
	cJSON_AddStringToObject(o, "mac_address", mac);
	cJSON_AddStringToObject(o, "vmknic", e->ifname);
	cJSON_AddStringToObject(o, "expiry", expiry);
	cJSON_AddStringToObject(o, "state", neigh_state(e->state));
	cJSON_AddStringToObject(o, "type", "Dynamic");
	cJSON_AddStringToObject(o, "netstack", ns);
}

static int neighbor_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			 size_t err_size)
{
	static struct vmk_neigh tab[VMK_ARP_MAX];
	const char *names[VMK_NETSTACK_MAX], *only = NULL, *version = NULL;
	unsigned int n_ns;
	cJSON *arr;
	int ret = which_netstacks(d, args, names, &n_ns, err, err_size);

	if (ret < 0)
		return ret;
	ret = arg_str(args, "interface_name", false, &only, err, err_size);
	if (ret == -EINVAL)
		return ret;
	if (arg_str(args, "version", false, &version, err, err_size) == -EINVAL)
		return -EINVAL;
	if (version != NULL && strcmp(version, "4") != 0 && strcmp(version, "6") != 0 &&
	    strcmp(version, "all") != 0) {
		op_errf(err, err_size, "--version must be 4, 6 or all, not \"%s\"", version);
		return -EINVAL;
	}
	if (only != NULL && vmk_config_find_vmknic(d->cfg, only) == NULL) {
		op_errf(err, err_size, "no VMkernel interface named \"%s\" (see 'vmkcli network "
			"ip interface list')", only);
		return -ENOENT;
	}
	arr = cJSON_CreateArray();
	if (arr == NULL)
		return -ENOMEM;
	if (version != NULL && strcmp(version, "6") == 0)
		n_ns = 0;                  /* IPv4 netstacks: no IPv6 neighbours */
	for (unsigned int k = 0; k < n_ns; k++) {
		unsigned int n = vmk_neigh_list(d->host, names[k], tab, VMK_ARP_MAX);

		for (unsigned int i = 0; i < n && i < VMK_ARP_MAX; i++) {
			cJSON *o;

			if (only != NULL && strcmp(tab[i].ifname, only) != 0)
				continue;
			if (add_record(arr, &o) < 0) {
				cJSON_Delete(arr);
				return -ENOMEM;
			}
			neigh_record(o, &tab[i], names[k]);
		}
	}
	*result = arr;
	return 0;
}

static int neighbor_remove(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			   size_t err_size)
{
	const char *ns = VMK_NETSTACK_DEFAULT, *ver;
	uint32_t addr;
	int ret = arg_ipv4(args, "address", true, &addr, "address", err, err_size);
	char s[16];

	(void)result;
	if (ret < 0)
		return ret;
	if (arg_str(args, "version", false, &ver, err, err_size) == 0 && strcmp(ver, "4") != 0) {
		op_errf(err, err_size, "IP version \"%s\" is not supported: use 4", ver);
		return -EINVAL;
	}
	ret = arg_str(args, "netstack", false, &ns, err, err_size);
	if (ret == -EINVAL)
		return ret;
	if (vmk_config_find_netstack(d->cfg, ns) == NULL) {
		op_errf(err, err_size, "no netstack named \"%s\" (see 'vmkcli network ip netstack "
			"list')", ns);
		return -ENOENT;
	}
	ret = vmk_neigh_remove(d->host, ns, addr);
	if (ret < 0)
		op_errf(err, err_size, "netstack %s has no neighbor %s (see 'vmkcli network ip "
			"neighbor list')", ns, ip_str(addr, s));
	return ret;
}

/* ---- network ip connection ----------------------------------------------- */

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "ip";
}

/* World ID and World Name as ESXi prints them: the program a vmkrun
 * session runs for the sockets it opened (its pid), vmknetd for its own. */
static void add_world(cJSON *o, uint32_t world, const struct vmks_session_info *ses,
		      unsigned int n_ses)
{
	const char *name = "";

	if (world == 0) {
		world = (uint32_t)getpid();
		name = "vmknetd";
	}
	for (unsigned int i = 0; i < n_ses && *name == '\0'; i++)
		if ((uint32_t)ses[i].pid == world)
			name = ses[i].program;
	cJSON_AddNumberToObject(o, "world_id", world);
	cJSON_AddStringToObject(o, "world_name", name);
}

static int connection_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			   size_t err_size)
{
	static struct vmks_session_info ses[VMKS_MAX_SESSIONS];
	unsigned int n_ses;
	static struct vmk_ip_conn tab[256];
	const char *names[VMK_NETSTACK_MAX], *type = "all";
	unsigned int n_ns;
	cJSON *arr;
	int ret = which_netstacks(d, args, names, &n_ns, err, err_size);

	if (ret < 0)
		return ret;
	if (arg_str(args, "type", false, &type, err, err_size) == -EINVAL)
		return -EINVAL;
	if (strcmp(type, "all") != 0 && strcmp(type, "ip") != 0 && strcmp(type, "tcp") != 0 &&
	    strcmp(type, "udp") != 0) {
		op_errf(err, err_size, "connection type \"%s\" is not all, ip, tcp or udp", type);
		return -EINVAL;
	}
	arr = cJSON_CreateArray();
	if (arr == NULL)
		return -ENOMEM;
	n_ses = vmks_server_list(d->sessions, ses, VMKS_MAX_SESSIONS);
	n_ses = n_ses < VMKS_MAX_SESSIONS ? n_ses : VMKS_MAX_SESSIONS;
	for (unsigned int k = 0; k < n_ns; k++) {
		unsigned int n = vmk_netstack_connections(d->host, names[k], tab, 256);

		for (unsigned int i = 0; i < n && i < 256; i++) {
			const struct vmk_ip_conn *c = &tab[i];
			char a[16], la[32], ra[32];
			const char *tc;
			cJSON *o;

			if (strcmp(type, "all") != 0 && strcmp(type, "ip") != 0 &&
			    strcmp(type, proto_name(c->proto)) != 0)
				continue;
			if (add_record(arr, &o) < 0) {
				cJSON_Delete(arr);
				return -ENOMEM;
			}
			snprintf(la, sizeof(la), "%s:%u", ip_str(c->local_addr, a), c->local_port);
			snprintf(ra, sizeof(ra), "%s:%u", ip_str(c->remote_addr, a), c->remote_port);
			cJSON_AddStringToObject(o, "proto", proto_name(c->proto));
			cJSON_AddNumberToObject(o, "recv_q", c->recv_q);
			cJSON_AddNumberToObject(o, "send_q", c->send_q);
			cJSON_AddStringToObject(o, "local_address", la);
			cJSON_AddStringToObject(o, "foreign_address", ra);
			cJSON_AddStringToObject(o, "state", c->state);
			cJSON_AddStringToObject(o, "cc_algo", c->cc_algo);
			add_world(o, c->world, ses, n_ses);
			tc = vmk_traffic_class_name((enum vmk_traffic_class)c->traffic_class);
			cJSON_AddStringToObject(o, "traffic_class", tc != NULL ? tc : "");
			cJSON_AddStringToObject(o, "netstack", names[k]);
		}
	}
	*result = arr;
	return 0;
}

/* ---- ping ------------------------------------------------------------------ */

static void on_reply(const struct vmk_ping_reply *r, void *arg)
{
	cJSON *o = cJSON_CreateObject();
	char s[16];

	if (o == NULL || !cJSON_AddItemToArray(arg, o)) {
		cJSON_Delete(o);
		return;
	}
	cJSON_AddNumberToObject(o, "seq", r->seq);
	cJSON_AddNumberToObject(o, "status", -r->status);
	cJSON_AddStringToObject(o, "error", r->status == 0 ? "" : strerror(-r->status));
	cJSON_AddNumberToObject(o, "rtt_us", r->rtt_us);
	cJSON_AddStringToObject(o, "from", ip_str(r->from, s));
	cJSON_AddNumberToObject(o, "size", r->size);
	cJSON_AddNumberToObject(o, "ttl", r->ttl);
	cJSON_AddNumberToObject(o, "mtu", r->mtu);
}

/* esxcli's --interval and --wait: seconds as text ("0.2"), into ms within
 * lo..hi ms. 0, -ENOENT (absent) or -EINVAL. */
static int arg_seconds(const cJSON *args, const char *key, uint32_t lo, uint32_t hi,
		       uint32_t *ms, char *err, size_t err_size)
{
	const char *s;
	char *end;
	double v;
	int ret = arg_str(args, key, false, &s, err, err_size);

	if (ret < 0)
		return ret;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v * 1000.0 >= lo && v * 1000.0 <= hi)) {
		op_errf(err, err_size, "%s \"%s\" must be %g..%g seconds", key, s, lo / 1000.0,
			hi / 1000.0);
		return -EINVAL;
	}
	*ms = (uint32_t)(v * 1000.0 + 0.5);
	return 0;
}

int op_ping_params(struct daemon *d, const cJSON *args, struct vmk_ping_params *p,
		   char *err, size_t err_size)
{
	const cJSON *df = cJSON_GetObjectItemCaseSensitive(args, "df");
	int ret = arg_ipv4(args, "host", true, &p->dst, "host", err, err_size);
	uint32_t ttl = 0;

	if (ret == 0 && arg_str(args, "interface_name", false, &p->vmknic, err, err_size) ==
	    -EINVAL)
		ret = -EINVAL;
	if (ret == 0 && p->vmknic != NULL && vmk_config_find_vmknic(d->cfg, p->vmknic) == NULL) {
		op_errf(err, err_size, "no VMkernel interface named \"%s\" (see 'vmkcli network "
			"ip interface list')", p->vmknic);
		ret = -ENOENT;
	}
	if (ret == 0 && arg_str(args, "netstack", false, &p->netstack, err, err_size) == -EINVAL)
		ret = -EINVAL;
	if (ret == 0 && p->netstack != NULL &&
	    vmk_config_find_netstack(d->cfg, p->netstack) == NULL) {
		op_errf(err, err_size, "no netstack named \"%s\"", p->netstack);
		ret = -ENOENT;
	}
	if (ret == 0 && (ret = arg_uint(args, "count", false, 1, PING_MAX_COUNT, &p->count,
					"count", err, err_size)) == -ENOENT)
		ret = 0;
	if (ret == 0 && (ret = arg_uint(args, "size", false, 0, 65507, &p->size, "size", err,
					err_size)) == -ENOENT)
		ret = 0;
	if (ret == 0 && (ret = arg_uint(args, "interval_ms", false, 10, 10000, &p->interval_ms,
					"interval (ms)", err, err_size)) == -ENOENT)
		ret = 0;
	if (ret == 0 && (ret = arg_uint(args, "timeout_ms", false, 10, 10000, &p->timeout_ms,
					"timeout (ms)", err, err_size)) == -ENOENT)
		ret = 0;
	if (ret == 0 && (ret = arg_seconds(args, "interval", 10, 10000, &p->interval_ms, err,
					   err_size)) == -ENOENT)
		ret = 0;
	if (ret == 0 && (ret = arg_seconds(args, "wait", 10, 10000, &p->timeout_ms, err,
					   err_size)) == -ENOENT)
		ret = 0;
	if (ret == 0 && (ret = arg_uint(args, "ttl", false, 1, 255, &ttl, "TTL", err,
					err_size)) == -ENOENT)
		ret = 0;
	if (ret < 0)
		return ret;
	p->ttl = (uint8_t)ttl;
	p->df = cJSON_IsTrue(df);
	if ((uint64_t)(p->count - 1) * p->interval_ms + p->timeout_ms > PING_BUDGET_MS) {
		op_errf(err, err_size, "count %u at interval %u ms with timeout %u ms takes longer "
			"than %u s: vmknetd serves one request at a time, so lower the count",
			p->count, p->interval_ms, p->timeout_ms, PING_BUDGET_MS / 1000);
		return -EINVAL;
	}
	return 0;
}

/* What an outcome that is not a reply means, in esxcli's Detail. */
static const char *reply_detail(const cJSON *r)
{
	switch ((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "status"))) {
	case 0: return "";
	case ETIMEDOUT: return "Time to live exceeded";
	case EMSGSIZE: return "Message too long (fragmentation needed, see MTU)";
	case EHOSTUNREACH: return "Destination unreachable";
	case ENETUNREACH: return "Network unreachable";
	default: return "Error";
	}
}

/* esxcli network diag ping's result beside vmkping's: "trace" (a record
 * per reply, or per ICMP error from a router; a request nobody answered
 * has none) and "summary". */
static int esxcli_shape(cJSON *o, const struct vmk_ping_params *p,
			const struct vmk_ping_result *res)
{
	cJSON *trace = cJSON_AddArrayToObject(o, "trace");
	cJSON *sum = cJSON_AddObjectToObject(o, "summary");
	const cJSON *r;
	char s[16];

	if (trace == NULL || sum == NULL)
		return -ENOMEM;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(o, "replies")) {
		const cJSON *from = cJSON_GetObjectItemCaseSensitive(r, "from");
		cJSON *t;
		const cJSON *status = cJSON_GetObjectItemCaseSensitive(r, "status");
		bool reply = cJSON_GetNumberValue(status) == 0;

		if (!reply && strcmp(cJSON_GetStringValue(from), "0.0.0.0") == 0)
			continue;
		if ((t = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(trace, t)) {
			cJSON_Delete(t);
			return -ENOMEM;
		}
		/* Received Bytes counts the ICMP header, as esxcli does (64 for 56). */
		cJSON_AddNumberToObject(t, "received_bytes", reply ? cJSON_GetNumberValue(
			cJSON_GetObjectItemCaseSensitive(r, "size")) + 8 : 0);
		cJSON_AddStringToObject(t, "host", cJSON_GetStringValue(from));
		cJSON_AddNumberToObject(t, "icmp_seq", cJSON_GetNumberValue(
			cJSON_GetObjectItemCaseSensitive(r, "seq")));
		cJSON_AddNumberToObject(t, "ttl", cJSON_GetNumberValue(
			cJSON_GetObjectItemCaseSensitive(r, "ttl")));
		cJSON_AddNumberToObject(t, "roundtrip_time_us", reply ? cJSON_GetNumberValue(
			cJSON_GetObjectItemCaseSensitive(r, "rtt_us")) : 0);
		cJSON_AddBoolToObject(t, "dup", false);   /* duplicates: summary only */
		cJSON_AddStringToObject(t, "detail", reply_detail(r));
	}
	cJSON_AddStringToObject(sum, "host_addr", ip_str(p->dst, s));
	cJSON_AddNumberToObject(sum, "transmitted", res->sent);
	cJSON_AddNumberToObject(sum, "received", res->received);
	cJSON_AddNumberToObject(sum, "duplicated", res->duplicated);
	cJSON_AddNumberToObject(sum, "packet_lost", res->sent ?
				(res->sent - res->received) * 100u / res->sent : 0);
	cJSON_AddNumberToObject(sum, "roundtrip_min_us", res->rtt_min_us);
	cJSON_AddNumberToObject(sum, "roundtrip_avg_us", res->rtt_avg_us);
	cJSON_AddNumberToObject(sum, "roundtrip_max_us", res->rtt_max_us);
	return 0;
}

static int ping(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		size_t err_size)
{
	struct vmk_ping_params p;
	struct vmk_ping_result res;
	cJSON *o, *replies;
	int ret;

	vmk_ping_params_init(&p);
	ret = op_ping_params(d, args, &p, err, err_size);
	if (ret < 0)
		return ret;
	o = cJSON_CreateObject();
	replies = cJSON_CreateArray();
	if (o == NULL || replies == NULL) {
		cJSON_Delete(o);
		cJSON_Delete(replies);
		return -ENOMEM;
	}
	p.on_reply = on_reply;
	p.arg = replies;
	ret = vmk_ping(d->host, &p, &res);
	if (ret < 0) {
		op_errf(err, err_size, "ping failed: %s", op_why(ret));
		cJSON_Delete(o);
		cJSON_Delete(replies);
		return ret;
	}
	cJSON_AddNumberToObject(o, "size", p.size);
	cJSON_AddNumberToObject(o, "sent", res.sent);
	cJSON_AddNumberToObject(o, "received", res.received);
	cJSON_AddNumberToObject(o, "rtt_min_us", res.rtt_min_us);
	cJSON_AddNumberToObject(o, "rtt_avg_us", res.rtt_avg_us);
	cJSON_AddNumberToObject(o, "rtt_max_us", res.rtt_max_us);
	cJSON_AddNumberToObject(o, "duplicated", res.duplicated);
	cJSON_AddItemToObject(o, "replies", replies);
	if (esxcli_shape(o, &p, &res) < 0) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	*result = o;
	return 0;
}

const struct op ip_live_ops[] = {
	{ "neighbor.list", neighbor_list, NULL },
	{ "neighbor.remove", neighbor_remove, NULL },
	{ "connection.list", connection_list, NULL },
	{ "ping", ping, NULL },
	{ NULL, NULL, NULL },
};
