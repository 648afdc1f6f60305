/*
 * vmkcli --complete: the words that may come next, for the shell's completion
 * (examples/vmkcli/vmkcli.bash-completion).
 *
 *   vmkcli --complete [GLOBAL OPTIONS] WORD... CURRENT
 *
 * Down the command tree from WORD...: under a namespace, its namespaces and
 * commands; after a command, its options not given yet; after an option that
 * takes a value, the values it may take: true/false for a boolean, the names
 * vmknetd knows for a vSwitch, port group, interface, netstack or NIC (asked
 * with the matching list command; nothing when vmknetd is not running), the
 * formatters after --formatter. Only candidates that start with CURRENT are
 * printed, one per line, sorted as the tables list them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <vmknet/ctl.h>

#include "vmkcli/vmkcli.h"

#define MAX_WORDS 64

/* Options whose values are names of what a list command lists. */
static const struct {
	const char *option;     /* long name */
	const char *list;       /* the list command's path */
} name_sources[] = {
	{ "vswitch-name", "network vswitch standard list" },
	{ "portgroup-name", "network vswitch standard portgroup list" },
	{ "interface-name", "network ip interface list" },
	{ "netstack", "network ip netstack list" },
	{ "uplink-name", "network nic list" },
	{ "nic-name", "network nic list" },
	{ "active-uplinks", "network nic list" },
	{ "standby-uplinks", "network nic list" },
	{ "ruleset-id", "network firewall ruleset list" },
	{ "traffic-class", "network nioc class list" },
};

/* Options whose values are a fixed set of words. */
static const struct {
	const char *option;
	const char *words[5];
} word_sources[] = {
	{ "cdp-status", { "down", "listen", "advertise", "both", NULL } },
	{ "failure-detection", { "beacon", "link", NULL } },
	{ "load-balancing", { "explicit", "iphash", "mac", "portid", NULL } },
	{ "direction", { "Inbound", "Outbound", NULL } },
	{ "protocol", { "TCP", "UDP", "ICMP", NULL } },
	{ "port-type", { "Dst", "Src", NULL } },
	{ "shares", { "low", "normal", "high", NULL } },
};

static const char *const formatters[] = { "table", "json", "csv", "keyvalue", "xml" };

struct out {
	const char *prefix;
	char seen[MAX_WORDS][128];
	unsigned int n_seen;
};

static void offer(struct out *o, const char *word)
{
	if (strncmp(word, o->prefix, strlen(o->prefix)) != 0)
		return;
	for (unsigned int i = 0; i < o->n_seen; i++)
		if (strcmp(o->seen[i], word) == 0)
			return;
	if (o->n_seen < MAX_WORDS)
		snprintf(o->seen[o->n_seen++], sizeof(o->seen[0]), "%s", word);
	printf("%s\n", word);
}

/* The next word of every command path under `path`. */
static void offer_children(struct out *o, const char *path)
{
	size_t skip = strlen(path) + (path[0] ? 1 : 0);

	FOR_EACH_COMMAND(c) {
		char word[64];
		size_t wl;

		if (!path_has_prefix(c->path, path) || strcmp(c->path, path) == 0)
			continue;
		wl = strcspn(c->path + skip, " ");
		if (wl >= sizeof(word))
			continue;
		memcpy(word, c->path + skip, wl);
		word[wl] = '\0';
		offer(o, word);
	}
}

/* Names from the list command `list_path`, asked of vmknetd at `control`. */
static void offer_names(struct out *o, const char *control, const char *list_path)
{
	const struct command *list = command_find(list_path);
	char req[128], *answer = NULL;
	cJSON *reply, *e;
	const cJSON *result;

	if (list == NULL || list->cols == NULL)
		return;
	snprintf(req, sizeof(req), "{\"op\":\"%s\",\"args\":{}}", list->op);
	if (vmk_ctl_call(control, req, strlen(req), 2000, &answer) < 0)
		return;                 /* no daemon: no names, never an error */
	reply = cJSON_Parse(answer);
	free(answer);
	result = cJSON_GetObjectItemCaseSensitive(reply, "result");
	cJSON_ArrayForEach(e, result) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, list->cols[0].field);

		if (cJSON_IsString(name))
			offer(o, name->valuestring);
	}
	cJSON_Delete(reply);
}

static const struct opt_spec *option_of(const struct command *c, const char *word)
{
	for (const struct opt_spec *s = c->opts; s->long_name != NULL; s++) {
		if (word[0] == '-' && word[1] == '-' && strcmp(word + 2, s->long_name) == 0)
			return s;
		if (word[0] == '-' && word[1] == s->short_name && word[1] != '\0' && word[2] == '\0')
			return s;
	}
	return NULL;
}

static void offer_values(struct out *o, const char *control, const struct opt_spec *s)
{
	if (s->type == OPT_BOOL) {
		offer(o, "true");
		offer(o, "false");
		return;
	}
	for (size_t i = 0; i < sizeof(name_sources) / sizeof(name_sources[0]); i++)
		if (strcmp(name_sources[i].option, s->long_name) == 0)
			offer_names(o, control, name_sources[i].list);
	for (size_t i = 0; i < sizeof(word_sources) / sizeof(word_sources[0]); i++)
		for (unsigned int k = 0; strcmp(word_sources[i].option, s->long_name) == 0 &&
		     word_sources[i].words[k] != NULL; k++)
			offer(o, word_sources[i].words[k]);
}

/* Options of c not among words[0..n). */
static void offer_options(struct out *o, const struct command *c, char **words, int n)
{
	for (const struct opt_spec *s = c->opts; s->long_name != NULL; s++) {
		char name[80];
		bool given = false;

		for (int i = 0; i < n && !given; i++)
			given = option_of(c, words[i]) == s ||
				(strncmp(words[i], "--", 2) == 0 &&
				 strncmp(words[i] + 2, s->long_name, strlen(s->long_name)) == 0 &&
				 words[i][2 + strlen(s->long_name)] == '=');
		if (given)
			continue;
		snprintf(name, sizeof(name), "--%s", s->long_name);
		offer(o, name);
	}
	offer(o, "--help");
}

int complete_words(int argc, char **argv)
{
	const char *control = getenv("VMKCLI_CONTROL") ? getenv("VMKCLI_CONTROL")
						       : VMK_CTL_DEFAULT_SOCKET;
	const char *cur = argc > 0 ? argv[argc - 1] : "";
	const struct command *cmd = NULL;
	char path[256] = "";
	struct out o = { .prefix = cur };
	int i = 0, n = argc > 0 ? argc - 1 : 0;   /* words before the current one */

	/* Global options: --control SOCK, --control=SOCK, --formatter[=]F. */
	for (; i < n && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--control") == 0 && i + 1 < n)
			control = argv[++i];
		else if (strncmp(argv[i], "--control=", 10) == 0)
			control = argv[i] + 10;
		else if (strcmp(argv[i], "--formatter") == 0 && i + 1 < n)
			i++;
	}
	if (i == n && n > 0 && strcmp(argv[n - 1], "--formatter") == 0) {
		for (size_t k = 0; k < sizeof(formatters) / sizeof(formatters[0]); k++)
			offer(&o, formatters[k]);
		return 0;
	}
	for (; i < n && cmd == NULL; i++) {
		char next[256];
		int len = snprintf(next, sizeof(next), "%s%s%s", path, path[0] ? " " : "", argv[i]);

		if (argv[i][0] == '-' || len < 0 || (size_t)len >= sizeof(next))
			return 0;
		cmd = command_find(next);
		if (cmd == NULL && !namespace_exists(next))
			return 0;       /* an unknown word: nothing follows it */
		snprintf(path, sizeof(path), "%s", next);
	}
	if (cmd == NULL) {
		if (path[0] == '\0' && cur[0] == '-') {
			offer(&o, "--control");
			offer(&o, "--formatter");
			offer(&o, "--help");
		}
		offer_children(&o, path);
		return 0;
	}
	/* After a command: the value of the option before CURRENT, or options. */
	if (n > i) {
		const struct opt_spec *s = option_of(cmd, argv[n - 1]);

		if (s != NULL && s->type != OPT_FLAG) {
			offer_values(&o, control, s);
			return 0;
		}
	}
	if (cur[0] == '-' || cur[0] == '\0')
		offer_options(&o, cmd, argv + i, n - i);
	return 0;
}
