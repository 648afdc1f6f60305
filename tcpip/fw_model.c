/*
 * The firewall model's plain value functions (include/vmknet/firewall.h):
 * the esxcli names of directions, protocols and port types, the built-in
 * rulesets with ESXi's rules and default states, and the rules every
 * struct vmk_fw_config must satisfy (vmk_fw_config_validate). No host, no
 * state: the data path (tcpip/firewall*.c) and the configuration document
 * (lib/config_*.c) both stand on these.
 *
 * Thread: any; a struct vmk_fw_config is a plain value owned by its caller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <vmknet/firewall.h>

#include "common/error.h"

static const char *const dir_names[] = { "Inbound", "Outbound" };
static const char *const proto_names[] = { "TCP", "UDP", "ICMP" };
static const char *const ptype_names[] = { "Dst", "Src" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *vmk_fw_direction_name(enum vmk_fw_direction d)
{
	return (unsigned int)d < N_OF(dir_names) ? dir_names[d] : NULL;
}

const char *vmk_fw_protocol_name(enum vmk_fw_protocol p)
{
	return (unsigned int)p < N_OF(proto_names) ? proto_names[p] : NULL;
}

const char *vmk_fw_port_type_name(enum vmk_fw_port_type t)
{
	return (unsigned int)t < N_OF(ptype_names) ? ptype_names[t] : NULL;
}

/* The index of name in names (case-insensitive, as esxcli reads them). */
static int name_index(const char *name, const char *const *names, unsigned int n)
{
	for (unsigned int i = 0; name != NULL && i < n; i++)
		if (strcasecmp(name, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int vmk_fw_direction_parse(const char *name, enum vmk_fw_direction *out)
{
	int i = name_index(name, dir_names, N_OF(dir_names));

	if (i < 0)
		return i;
	*out = (enum vmk_fw_direction)i;
	return 0;
}

int vmk_fw_protocol_parse(const char *name, enum vmk_fw_protocol *out)
{
	int i = name_index(name, proto_names, N_OF(proto_names));

	if (i < 0)
		return i;
	*out = (enum vmk_fw_protocol)i;
	return 0;
}

int vmk_fw_port_type_parse(const char *name, enum vmk_fw_port_type *out)
{
	int i = name_index(name, ptype_names, N_OF(ptype_names));

	if (i < 0)
		return i;
	*out = (enum vmk_fw_port_type)i;
	return 0;
}

/*
 * The built-in rulesets: ESXi's names, rules (its /etc/vmware/firewall/
 * service.xml) and default states (`esxcli network firewall ruleset list`
 * on a new ESXi 7/8 host), for the services vmknet's hypervisor runs over
 * its vmknics. Choices where vmknet differs, and why:
 *  - nfsClient and nfs41Client: ESXi opens outbound TCP 0-65535 (an NFSv3
 *    mount asks the portmapper for mountd's port, which can be any). Here
 *    nfsClient opens 2049 (nfs) and 111 (portmapper, TCP and UDP), and
 *    nfs41Client 2049: the ports the issue names, and not every outbound
 *    TCP port once an operator turns NFS on. A server whose mountd moves
 *    needs a custom ruleset.
 *  - vSAN: ESXi splits it into vsanvp (8080, the VASA provider), rdt (TCP
 *    2233, the data transport) and cmmds (UDP 12345, 23451 cluster
 *    membership, and 12321 the unicast agent): the same three here.
 *  - faultTolerance: ESXi's 8100, 8200 (FT logging) and 8300 (FT control),
 *    TCP and UDP, in and out, and outbound TCP 80.
 *  - icmp: ESXi has no ICMP ruleset because its firewall never filters
 *    ICMP; an ESXi host answers ping with the firewall on and vmkping works
 *    out. vmknet's firewall sees ICMP, so this ruleset (enabled,
 *    allowed-all, every type both ways) gives ESXi's behaviour by default
 *    while letting an operator restrict ping by address or turn it off.
 *  - vmknet's own control services (vmknetd's control socket) are Unix
 *    sockets, never on a vmknic, so they need no ruleset; the test and
 *    benchmark tools (vmkbulk, vmkrr) listen on ports the operator picks.
 *  - The ruleset of a service vmknet has not got (e.g. ESXi's updateManager,
 *    HBR, vvold) is left out; a custom ruleset adds it.
 */
#define R(d, p, t, b, e) { VMK_FW_##d, VMK_FW_##p, VMK_FW_PORT_##t, (b), (e) }
#define IN_TCP(b)        R(INBOUND, TCP, DST, b, b)
#define OUT_TCP(b)       R(OUTBOUND, TCP, DST, b, b)
#define IN_UDP(b)        R(INBOUND, UDP, DST, b, b)
#define OUT_UDP(b)       R(OUTBOUND, UDP, DST, b, b)

struct fw_builtin {
	const char *name;
	bool enabled;                 /* ESXi's default */
	unsigned int n_rules;
	struct vmk_fw_rule rules[VMK_FW_RULES_MAX];
};

static const struct fw_builtin builtins[] = {
	{ "sshServer", true, 1, { IN_TCP(22) } },
	{ "sshClient", false, 1, { OUT_TCP(22) } },
	{ "vMotion", true, 2, { IN_TCP(8000), OUT_TCP(8000) } },
	{ "faultTolerance", true, 13, {
		OUT_TCP(80),
		IN_TCP(8100), OUT_TCP(8100), IN_UDP(8100), OUT_UDP(8100),
		IN_TCP(8200), OUT_TCP(8200), IN_UDP(8200), OUT_UDP(8200),
		IN_TCP(8300), OUT_TCP(8300), IN_UDP(8300), OUT_UDP(8300) } },
	{ "iSCSI", false, 1, { OUT_TCP(3260) } },
	{ "nfsClient", false, 3, { OUT_TCP(2049), OUT_TCP(111), OUT_UDP(111) } },
	{ "nfs41Client", false, 1, { OUT_TCP(2049) } },
	{ "vsanvp", true, 2, { IN_TCP(8080), OUT_TCP(8080) } },
	{ "rdt", false, 2, { IN_TCP(2233), OUT_TCP(2233) } },
	{ "cmmds", false, 6, { IN_UDP(12345), OUT_UDP(12345), IN_UDP(23451), OUT_UDP(23451),
			       IN_UDP(12321), OUT_UDP(12321) } },
	{ "NFC", true, 2, { IN_TCP(902), OUT_TCP(902) } },
	{ "vSphereClient", true, 2, { IN_TCP(902), IN_TCP(443) } },
	{ "vpxHeartbeats", true, 1, { OUT_UDP(902) } },
	{ "dhcp", true, 2, { IN_UDP(68), OUT_UDP(67) } },
	{ "dns", true, 3, { IN_UDP(53), OUT_UDP(53), OUT_TCP(53) } },
	{ "ntpClient", false, 1, { OUT_UDP(123) } },
	{ "webAccess", true, 1, { IN_TCP(80) } },
	{ "httpClient", false, 2, { OUT_TCP(80), OUT_TCP(443) } },
	{ "CIMHttpServer", true, 1, { IN_TCP(5988) } },
	{ "CIMHttpsServer", true, 1, { IN_TCP(5989) } },
	{ "CIMSLP", true, 4, { IN_UDP(427), OUT_UDP(427), IN_TCP(427), OUT_TCP(427) } },
	{ "snmp", true, 1, { IN_UDP(161) } },
	{ "syslog", false, 3, { OUT_UDP(514), OUT_TCP(514), OUT_TCP(1514) } },
	{ "icmp", true, 2, { R(INBOUND, ICMP, DST, 0, 255), R(OUTBOUND, ICMP, DST, 0, 255) } },
};

static const struct fw_builtin *builtin_find(const char *name)
{
	for (unsigned int i = 0; name != NULL && i < N_OF(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

bool vmk_fw_ruleset_is_builtin(const char *name)
{
	return builtin_find(name) != NULL;
}

void vmk_fw_config_default(struct vmk_fw_config *fw)
{
	memset(fw, 0, sizeof(*fw));
	fw->enabled = false;
	fw->default_pass = false;
	fw->conn_max = VMK_FW_CONN_DEFAULT;
	for (unsigned int i = 0; i < N_OF(builtins); i++) {
		struct vmk_fw_ruleset *rs = &fw->rulesets[fw->n_rulesets++];

		snprintf(rs->name, sizeof(rs->name), "%s", builtins[i].name);
		rs->enabled = builtins[i].enabled;
		rs->allowed_all = true;
		rs->n_rules = builtins[i].n_rules;
		memcpy(rs->rules, builtins[i].rules, sizeof(rs->rules));
	}
}

struct vmk_fw_ruleset *vmk_fw_config_find(struct vmk_fw_config *fw, const char *name)
{
	for (unsigned int i = 0; fw != NULL && name != NULL && i < fw->n_rulesets &&
	     i < VMK_FW_RULESETS_MAX; i++)
		if (strncmp(fw->rulesets[i].name, name, VMK_NAME_MAX) == 0)
			return &fw->rulesets[i];
	return NULL;
}

/* ---- validation ---- */

/* Why a ruleset name is unacceptable, or NULL. Stricter than the
 * configuration's names (lib/config_model.c): esxcli's -r takes one word. */
static const char *name_problem(const char *name)
{
	size_t len = strnlen(name, VMK_NAME_MAX), bad;

	if (len == 0)
		return "must not be empty";
	if (len == VMK_NAME_MAX)
		return "is longer than 31 bytes";
	/* Printable ASCII but the space, whatever the program's locale. */
	for (bad = 0; bad < len && (unsigned char)(name[bad] - 0x21) < 0x5e; bad++)
		;
	if (bad == len)
		return NULL;
	return name[bad] == ' ' ? "must not contain a space" :
				  "contains a byte that is not printable ASCII";
}

static bool rule_eq(const struct vmk_fw_rule *a, const struct vmk_fw_rule *b)
{
	return a->direction == b->direction && a->protocol == b->protocol &&
	       a->port_type == b->port_type && a->port_begin == b->port_begin &&
	       a->port_end == b->port_end;
}

static int validate_rule(const struct vmk_fw_ruleset *rs, unsigned int k, const char *where)
{
	const struct vmk_fw_rule *r = &rs->rules[k];

	if (vmk_fw_direction_name(r->direction) == NULL)
		return vmk_err(-EINVAL, "%s.rules[%u].direction: %d is not Inbound or Outbound",
			       where, k, (int)r->direction);
	if (vmk_fw_protocol_name(r->protocol) == NULL)
		return vmk_err(-EINVAL, "%s.rules[%u].protocol: %d is not TCP, UDP or ICMP",
			       where, k, (int)r->protocol);
	if (vmk_fw_port_type_name(r->port_type) == NULL)
		return vmk_err(-EINVAL, "%s.rules[%u].port_type: %d is not Dst or Src", where, k,
			       (int)r->port_type);
	if (r->port_begin > r->port_end)
		return vmk_err(-EINVAL, "%s.rules[%u]: port range %u..%u is reversed", where, k,
			       r->port_begin, r->port_end);
	if (r->protocol == VMK_FW_ICMP && r->port_end > 255)
		return vmk_err(-EINVAL, "%s.rules[%u]: ICMP type range %u..%u is beyond 0..255",
			       where, k, r->port_begin, r->port_end);
	/* An ICMP message has no source port: its type is matched as Dst. */
	if (r->protocol == VMK_FW_ICMP && r->port_type != VMK_FW_PORT_DST)
		return vmk_err(-EINVAL, "%s.rules[%u].port_type: an ICMP rule matches the type, "
			       "as Dst", where, k);
	for (unsigned int j = 0; j < k; j++)
		if (rule_eq(&rs->rules[j], r))
			return vmk_err(-EINVAL, "%s.rules[%u]: the same rule as rules[%u]", where,
				       k, j);
	return 0;
}

/* A built-in ruleset keeps the library's rules (in any order). */
static int validate_builtin_rules(const struct vmk_fw_ruleset *rs, const struct fw_builtin *b,
				  const char *where)
{
	bool same = rs->n_rules == b->n_rules;

	for (unsigned int i = 0; same && i < b->n_rules; i++) {
		bool found = false;

		for (unsigned int k = 0; !found && k < rs->n_rules; k++)
			found = rule_eq(&rs->rules[k], &b->rules[i]);
		same = found;
	}
	if (!same)
		return vmk_err(-EINVAL, "%s.rules: %s is a built-in ruleset: its rules are the "
			       "library's and cannot change", where, rs->name);
	return 0;
}

static int validate_allowed(const struct vmk_fw_ruleset *rs, const char *where)
{
	char a[INET_ADDRSTRLEN];

	if (rs->n_allowed > VMK_FW_ALLOWED_MAX)
		return vmk_err(-EINVAL, "%s.allowed_ip: %u entries, at most %u", where,
			       rs->n_allowed, VMK_FW_ALLOWED_MAX);
	for (unsigned int k = 0; k < rs->n_allowed; k++) {
		const struct vmk_fw_allowed *e = &rs->allowed[k];
		uint32_t mask;

		if (e->prefix_len > 32)
			return vmk_err(-EINVAL, "%s.allowed_ip[%u]: prefix length %u is out of "
				       "range 0..32", where, k, e->prefix_len);
		mask = e->prefix_len ? htonl(~0u << (32 - e->prefix_len)) : 0;
		inet_ntop(AF_INET, &e->network, a, sizeof(a));
		if ((e->network & ~mask) != 0)
			return vmk_err(-EINVAL, "%s.allowed_ip[%u]: %s/%u has host bits set",
				       where, k, a, e->prefix_len);
		for (unsigned int j = 0; j < k; j++)
			if (rs->allowed[j].network == e->network &&
			    rs->allowed[j].prefix_len == e->prefix_len)
				return vmk_err(-EINVAL, "%s.allowed_ip[%u]: %s/%u is already in "
					       "the list (allowed_ip[%u])", where, k, a,
					       e->prefix_len, j);
	}
	return 0;
}

static int validate_ruleset(const struct vmk_fw_config *fw, unsigned int i)
{
	const struct vmk_fw_ruleset *rs = &fw->rulesets[i];
	const char *why = name_problem(rs->name);
	const struct fw_builtin *b;
	char where[64];
	int ret = 0;

	if (why != NULL)
		return vmk_err(-EINVAL, "rulesets[%u].name: %s", i, why);
	snprintf(where, sizeof(where), "rulesets[%u] (%s)", i, rs->name);
	for (unsigned int j = 0; j < i; j++)
		if (strcmp(fw->rulesets[j].name, rs->name) == 0)
			return vmk_err(-EINVAL, "%s.name: ruleset \"%s\" already exists "
				       "(rulesets[%u])", where, rs->name, j);
	if (rs->n_rules < 1 || rs->n_rules > VMK_FW_RULES_MAX)
		return vmk_err(-EINVAL, "%s.rules: %u rules, a ruleset has 1..%u", where,
			       rs->n_rules, VMK_FW_RULES_MAX);
	for (unsigned int k = 0; ret == 0 && k < rs->n_rules; k++)
		ret = validate_rule(rs, k, where);
	b = builtin_find(rs->name);
	if (ret == 0 && b != NULL)
		ret = validate_builtin_rules(rs, b, where);
	if (ret == 0)
		ret = validate_allowed(rs, where);
	return ret;
}

static int fw_validate(const struct vmk_fw_config *fw)
{
	if (fw == NULL)
		return vmk_err(-EINVAL, "no firewall configuration");
	if (fw->conn_max < 16 || fw->conn_max > VMK_FW_CONN_MAX)
		return vmk_err(-EINVAL, "conn_max: %u is out of range 16..%u", fw->conn_max,
			       VMK_FW_CONN_MAX);
	if (fw->n_rulesets > VMK_FW_RULESETS_MAX)
		return vmk_err(-EINVAL, "rulesets: %u rulesets, at most %u", fw->n_rulesets,
			       VMK_FW_RULESETS_MAX);
	for (unsigned int i = 0; i < fw->n_rulesets; i++) {
		int ret = validate_ruleset(fw, i);

		if (ret < 0)
			return ret;
	}
	for (unsigned int i = 0; i < N_OF(builtins); i++) {
		bool found = false;

		for (unsigned int k = 0; !found && k < fw->n_rulesets; k++)
			found = strcmp(fw->rulesets[k].name, builtins[i].name) == 0;
		if (!found)
			return vmk_err(-EINVAL, "rulesets: the built-in ruleset %s is missing "
				       "(it can be disabled, not removed)", builtins[i].name);
	}
	return 0;
}

int vmk_fw_config_validate(const struct vmk_fw_config *fw, char *err, size_t err_size)
{
	int ret;

	vmk_err_clear();
	ret = fw_validate(fw);
	if (ret < 0)
		vmk_err_copy(err, err_size);
	return ret;
}
