/*
 * vmkcli: configure a vmknet host the way esxcli configures ESXi.
 *
 *   vmkcli [--control SOCKET] [--formatter=table|json|csv|keyvalue|xml] network ...
 *
 * The words select a namespace or a command of the table in commands.c;
 * the options after a command become the arguments of one control request
 * to vmknetd (include/vmknet/ctl.h). A namespace (or --help anywhere) shows
 * what is under it. Exit status: 0 done, 1 refused or failed (the reason on
 * stderr; or a result with a failed step, as diag check's), 2 bad usage.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <vmknet/ctl.h>

#include "vmkcli/vmkcli.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE   2
#define PATH_WORDS   8

struct global {
	const char *control;
	enum formatter fmt;
	bool help;
};

/* Does `path` start with the words of `prefix` (a whole-word prefix)? */
bool path_has_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return n == 0 || (strncmp(path, prefix, n) == 0 && (path[n] == ' ' || path[n] == '\0'));
}

const struct command *command_find(const char *path)
{
	FOR_EACH_COMMAND(c)
		if (strcmp(c->path, path) == 0)
			return c;
	return NULL;
}

bool namespace_exists(const char *path)
{
	FOR_EACH_COMMAND(c)
		if (path_has_prefix(c->path, path) && strcmp(c->path, path) != 0)
			return true;
	return false;
}

/* The command tables and their namespaces, in the order help lists them. */
static const struct command *const tables[] = { commands, ip_commands, vm_commands,
						 fw_commands, diag_commands };
static const struct namespace_help *const ns_tables[] = { namespaces, ip_namespaces,
							  vm_namespaces, fw_namespaces,
							  diag_namespaces };
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

/* The first command of tables[t] or a later one, or NULL. */
static const struct command *table_first(unsigned int t)
{
	for (; t < N_TABLES; t++)
		if (tables[t][0].path != NULL)
			return tables[t];
	return NULL;
}

const struct command *command_next(const struct command *c)
{
	if (c == NULL)
		return table_first(0);
	c++;
	if (c->path != NULL)
		return c;
	/* The end of one table goes on with the next. */
	for (unsigned int t = 0; t < N_TABLES; t++) {
		const struct command *k = tables[t];

		while (k->path != NULL)
			k++;
		if (k == c)
			return table_first(t + 1);
	}
	return NULL;
}

static const char *namespace_help(const char *path)
{
	for (unsigned int t = 0; t < N_TABLES; t++)
		for (const struct namespace_help *n = ns_tables[t]; n->path != NULL; n++)
			if (strcmp(n->path, path) == 0)
				return n->help;
	return "";
}

/* Print the namespaces and commands directly under path. */
static void print_children(FILE *f, const char *path)
{
	size_t skip = strlen(path) + (path[0] ? 1 : 0);
	bool any_ns = false, any_cmd = false;

	for (int pass = 0; pass < 2; pass++) {
		char seen[64][32];
		unsigned int n_seen = 0;

		FOR_EACH_COMMAND(c) {
			const char *rest;
			char word[32], child[256];
			bool dup = false, is_cmd;
			size_t wl;

			/* Only paths strictly under `path` are at least skip long. */
			if (!path_has_prefix(c->path, path) || strcmp(c->path, path) == 0)
				continue;
			rest = c->path + skip;
			wl = strcspn(rest, " ");
			is_cmd = rest[wl] == '\0';
			if (is_cmd != (pass == 1) || wl >= sizeof(word))
				continue;
			memcpy(word, rest, wl);
			word[wl] = '\0';
			for (unsigned int i = 0; i < n_seen && !dup; i++)
				dup = strcmp(seen[i], word) == 0;
			if (dup || n_seen >= 64)
				continue;
			strcpy(seen[n_seen++], word);
			if (pass == 0 && !any_ns) {
				fprintf(f, "\nAvailable Namespaces:\n");
				any_ns = true;
			}
			if (pass == 1 && !any_cmd) {
				fprintf(f, "\nAvailable Commands:\n");
				any_cmd = true;
			}
			snprintf(child, sizeof(child), "%s%s%s", path, path[0] ? " " : "", word);
			fprintf(f, "  %-22s%s\n", word, is_cmd ? c->help : namespace_help(child));
		}
	}
}

static void usage_namespace(FILE *f, const char *path)
{
	fprintf(f, "Usage: vmkcli [options] %s%s{cmd} [cmd options]\n", path, path[0] ? " " : "");
	if (path[0] == '\0')
		fprintf(f, "\nOptions:\n"
			"  --control=SOCKET      vmknetd's control socket (default %s)\n"
			"  --formatter=FORMAT    output as table (default), json, csv, keyvalue or xml\n"
			"  -h, --help            this text; after a namespace or command, its help\n",
			VMK_CTL_DEFAULT_SOCKET);
	print_children(f, path);
}

static void usage_command(FILE *f, const struct command *c)
{
	fprintf(f, "Usage: vmkcli %s [cmd options]\n\nDescription:\n  %s\n\nCmd options:\n",
		c->path, c->help);
	for (const struct opt_spec *o = c->opts; o->long_name != NULL; o++) {
		char names[64];

		static const char *const kind[] = { "=<str>", "=<long>", "=<bool>", "", "=<path>" };

		if (o->short_name)
			snprintf(names, sizeof(names), "-%c|--%s%s", o->short_name, o->long_name,
				 kind[o->type]);
		else
			snprintf(names, sizeof(names), "--%s%s", o->long_name, kind[o->type]);
		fprintf(f, "  %-34s%s%s\n", names, o->help, o->required ? " (required)" : "");
	}
	if (c->opts[0].long_name == NULL)
		fprintf(f, "  (none)\n");
}

static int parse_global(int argc, char **argv, struct global *g, int *i)
{
	g->control = getenv("VMKCLI_CONTROL") ? getenv("VMKCLI_CONTROL") : VMK_CTL_DEFAULT_SOCKET;
	g->fmt = FMT_TABLE;
	g->help = false;
	for (*i = 1; *i < argc && argv[*i][0] == '-'; (*i)++) {
		const char *a = argv[*i], *val = NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			g->help = true;
			continue;
		}
		if (strncmp(a, "--control=", 10) == 0) {
			g->control = a + 10;
			continue;
		}
		if (strcmp(a, "--control") == 0 || strcmp(a, "--formatter") == 0) {
			if (*i + 1 >= argc) {
				fprintf(stderr, "Error: %s needs a value\n", a);
				return -1;
			}
			val = argv[++*i];
		} else if (strncmp(a, "--formatter=", 12) == 0) {
			val = a + 12;
		} else {
			fprintf(stderr, "Error: unknown option %s\n", a);
			return -1;
		}
		if (strcmp(a, "--control") == 0) {
			g->control = val;
		} else if (strcmp(val, "table") == 0) {
			g->fmt = FMT_TABLE;
		} else if (strcmp(val, "json") == 0) {
			g->fmt = FMT_JSON;
		} else if (strcmp(val, "csv") == 0) {
			g->fmt = FMT_CSV;
		} else if (strcmp(val, "keyvalue") == 0) {
			g->fmt = FMT_KEYVALUE;
		} else if (strcmp(val, "xml") == 0) {
			g->fmt = FMT_XML;
		} else {
			fprintf(stderr, "Error: unknown formatter \"%s\": use table, json, csv, "
				"keyvalue or xml\n", val);
			return -1;
		}
	}
	return 0;
}

static const struct opt_spec *opt_find(const struct command *c, const char *a, const char **val)
{
	*val = NULL;
	for (const struct opt_spec *o = c->opts; o->long_name != NULL; o++) {
		size_t n = strlen(o->long_name);

		if (a[1] == '-' && strncmp(a + 2, o->long_name, n) == 0 &&
		    (a[2 + n] == '\0' || a[2 + n] == '=')) {
			if (a[2 + n] == '=')
				*val = a + 3 + n;
			return o;
		}
		if (a[1] != '-' && o->short_name && a[1] == o->short_name) {
			if (a[2] != '\0')
				*val = a + 2;   /* -m9000 */
			return o;
		}
	}
	return NULL;
}

static int add_arg(cJSON *args, const struct opt_spec *o, const char *val)
{
	char *end;
	long long v;

	if (cJSON_GetObjectItemCaseSensitive(args, o->arg) != NULL) {
		fprintf(stderr, "Error: option --%s given twice\n", o->long_name);
		return -1;
	}
	if (o->type == OPT_STRING) {
		cJSON_AddStringToObject(args, o->arg, val);
		return 0;
	}
	if (o->type == OPT_FLAG) {
		cJSON_AddTrueToObject(args, o->arg);
		return 0;
	}
	if (o->type == OPT_PATH) {
		char abs[PATH_MAX];

		/* vmknetd runs elsewhere: a relative path means vmkcli's directory. */
		if (val[0] != '/' && val[0] != '\0') {
			if (getcwd(abs, sizeof(abs)) == NULL ||
			    strlen(abs) + 1 + strlen(val) >= sizeof(abs)) {
				fprintf(stderr, "Error: cannot make --%s \"%s\" an absolute path\n",
					o->long_name, val);
				return -1;
			}
			strcat(abs, strcmp(abs, "/") == 0 ? "" : "/");
			strcat(abs, strncmp(val, "./", 2) == 0 ? val + 2 : val);
			val = abs;
		}
		cJSON_AddStringToObject(args, o->arg, val);
		return 0;
	}
	if (o->type == OPT_BOOL) {
		static const char *const yes[] = { "true", "1", "yes", "on" };
		static const char *const no[] = { "false", "0", "no", "off" };

		for (unsigned int k = 0; k < 4; k++) {
			if (strcasecmp(val, yes[k]) == 0 || strcasecmp(val, no[k]) == 0) {
				cJSON_AddBoolToObject(args, o->arg, strcasecmp(val, yes[k]) == 0);
				return 0;
			}
		}
		fprintf(stderr, "Error: invalid value \"%s\" for --%s: expected a boolean "
			"(true or false)\n", val, o->long_name);
		return -1;
	}
	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0') {
		fprintf(stderr, "Error: invalid value \"%s\" for --%s: expected an integer\n", val,
			o->long_name);
		return -1;
	}
	cJSON_AddNumberToObject(args, o->arg, (double)v);
	return 0;
}

/* Options of a command into the request's args. 0, 1 (help) or -1. */
static int parse_command_opts(const struct command *c, int argc, char **argv, cJSON *args)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val;
		const struct opt_spec *o;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return 1;
		o = a[0] == '-' && a[1] != '\0' ? opt_find(c, a, &val) : NULL;
		if (o == NULL) {
			fprintf(stderr, "Error: unknown option or argument \"%s\" for '%s'\n\n", a,
				c->path);
			usage_command(stderr, c);
			return -1;
		}
		if (o->type == OPT_FLAG && val != NULL) {
			fprintf(stderr, "Error: option --%s takes no value\n", o->long_name);
			return -1;
		}
		if (val == NULL && o->type != OPT_FLAG) {
			if (i + 1 >= argc) {
				fprintf(stderr, "Error: option --%s needs a value\n", o->long_name);
				return -1;
			}
			val = argv[++i];
		}
		if (add_arg(args, o, val) < 0)
			return -1;
	}
	for (const struct opt_spec *o = c->opts; o->long_name != NULL; o++) {
		if (!o->required || cJSON_GetObjectItemCaseSensitive(args, o->arg) != NULL)
			continue;
		fprintf(stderr, "Error: missing required parameter ");
		if (o->short_name)
			fprintf(stderr, "-%c|", o->short_name);
		fprintf(stderr, "--%s\n\n", o->long_name);
		usage_command(stderr, c);
		return -1;
	}
	return 0;
}

static const char *connect_hint(int err)
{
	switch (err) {
	case -ENOENT:
	case -ECONNREFUSED:
		return " (is vmknetd running? give its socket with --control)";
	case -EACCES:
		return " (the socket is mode 0600: run as its owner or root)";
	default:
		return "";
	}
}

/* Send the request, print the result. Returns the exit status. */
static int run_command(const struct global *g, const struct command *c, cJSON *args)
{
	cJSON *req = cJSON_CreateObject(), *reply;
	const cJSON *ok, *msg;
	char *text, *answer = NULL;
	int ret;

	cJSON_AddStringToObject(req, "op", c->op);
	cJSON_AddItemToObject(req, "args", args);
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (text == NULL)
		return EXIT_REFUSED;
	ret = vmk_ctl_call(g->control, text, strlen(text), 0, &answer);
	free(text);
	if (ret < 0) {
		fprintf(stderr, "Error: cannot reach vmknetd at %s: %s%s\n", g->control,
			strerror(-ret), connect_hint(ret));
		return EXIT_REFUSED;
	}
	reply = cJSON_Parse(answer);
	free(answer);
	ok = cJSON_GetObjectItemCaseSensitive(reply, "ok");
	if (!cJSON_IsBool(ok)) {
		fprintf(stderr, "Error: vmknetd sent a reply that is not understood\n");
		cJSON_Delete(reply);
		return EXIT_REFUSED;
	}
	if (cJSON_IsFalse(ok)) {
		msg = cJSON_GetObjectItemCaseSensitive(reply, "error");
		fprintf(stderr, "Error: %s\n",
			cJSON_IsString(msg) ? msg->valuestring : "refused (no reason given)");
		cJSON_Delete(reply);
		return EXIT_REFUSED;
	}
	format_result(c, cJSON_GetObjectItemCaseSensitive(reply, "result"), g->fmt);
	ret = result_has_failure(c, cJSON_GetObjectItemCaseSensitive(reply, "result")) ?
	      EXIT_REFUSED : 0;
	cJSON_Delete(reply);
	return ret;
}

int main(int argc, char **argv)
{
	struct global g;
	char path[256] = "";
	const struct command *cmd = NULL;
	cJSON *args;
	int i, ret;

	if (argc >= 2 && strcmp(argv[1], "--complete") == 0)
		return complete_words(argc - 2, argv + 2);
	if (parse_global(argc, argv, &g, &i) < 0)
		return EXIT_USAGE;
	/* Words down the tree until they name a command. */
	for (; i < argc && cmd == NULL; i++) {
		char next[256];

		if (argv[i][0] == '-') {
			if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
				g.help = true;
				continue;
			}
			break;
		}
		ret = snprintf(next, sizeof(next), "%s%s%s", path, path[0] ? " " : "", argv[i]);
		cmd = ret > 0 && (size_t)ret < sizeof(next) ? command_find(next) : NULL;
		if (cmd == NULL && !namespace_exists(next)) {
			fprintf(stderr, "Error: unknown command or namespace: %s\n\n", next);
			usage_namespace(stderr, path);
			return EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "%s", next);
	}
	if (cmd == NULL) {
		if (g.help || path[0] == '\0') {
			usage_namespace(stdout, path);
			return g.help ? 0 : EXIT_USAGE;
		}
		if (i < argc) {
			fprintf(stderr, "Error: options come after a command; '%s' is a namespace\n\n",
				path);
			usage_namespace(stderr, path);
			return EXIT_USAGE;
		}
		usage_namespace(stdout, path);
		return 0;
	}
	if (g.help) {
		usage_command(stdout, cmd);
		return 0;
	}
	args = cJSON_CreateObject();
	ret = parse_command_opts(cmd, argc - i, argv + i, args);
	if (ret != 0) {
		cJSON_Delete(args);
		if (ret > 0)
			usage_command(stdout, cmd);
		return ret > 0 ? 0 : EXIT_USAGE;
	}
	return run_command(&g, cmd, args);
}
