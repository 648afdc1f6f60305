/*
 * vmkcli: esxcli's command tree over vmknetd's control socket.
 *
 * A command is one row of the table in commands.c: its path in the tree,
 * its options (short and long, as esxcli spells them), the control
 * operation it sends, and how its result is shown. Namespaces are the
 * prefixes of command paths, so a new command (a policy, an ip interface)
 * is one new row; help and the tree follow.
 */
#ifndef VMKCLI_H
#define VMKCLI_H

#include <stdbool.h>

#include <cjson/cJSON.h>

enum opt_type {
	OPT_STRING,
	OPT_INT,
	OPT_BOOL,    /* true|false (also 1|0, yes|no): a JSON boolean */
	OPT_FLAG,    /* no value: true when given */
	OPT_PATH,    /* a file path, sent absolute (relative to vmkcli's directory) */
};

struct opt_spec {
	char short_name;         /* 0: long form only */
	const char *long_name;
	const char *arg;         /* key in the request's args */
	enum opt_type type;
	bool required;
	const char *help;
};

enum col_type {
	COL_STRING,
	COL_INT,
	COL_LIST,
	COL_BOOL,
	COL_KBPS,    /* an integer shown as "N Kbps" in tables */
	COL_KBYTES,  /* an integer shown as "N Kbytes" in tables */
	COL_STRUCT,  /* a nested structure (an object in the reply), whose
	              * fields are the COL_MEMBER columns right after it */
	COL_MEMBER,  /* a string field of the COL_STRUCT before it */
	COL_STRUCT_LIST, /* a list of structures (an array of objects in the
	                  * reply: esxcli diag ping's Trace), whose fields are
	                  * the COL_MEMBER columns right after it */
};

struct column {
	const char *header;      /* esxcli's column name: "VLAN ID" */
	const char *key;         /* its --formatter=json key: "VLANID" */
	const char *field;       /* field of vmknetd's reply */
	enum col_type type;
};

enum out_shape {
	OUT_NONE,                /* a change: nothing to show */
	OUT_TABLE,               /* rows under column headers */
	OUT_LIST,                /* one block per record, titled by its first column */
	OUT_OBJECT,              /* one block: a title then "Field: value" lines */
	OUT_FIELDS,              /* one block of "Field: value" lines, no title */
};

struct command {
	const char *path;        /* "network vswitch standard portgroup add" */
	const char *help;
	const char *op;          /* vmknetd operation */
	const struct opt_spec *opts; /* terminated by a NULL long_name */
	enum out_shape shape;
	const struct column *cols;   /* terminated by a NULL header */
	const char *type_name;   /* keyvalue formatter: "PortGroup" */
	const char *title;       /* OUT_OBJECT: title format, %s = first column */
};

struct namespace_help {
	const char *path;
	const char *help;
};

extern const struct command commands[];          /* terminated by a NULL path */
extern const struct command ip_commands[];       /* network ip ... (commands_ip.c) */
extern const struct namespace_help ip_namespaces[];
extern const struct command vm_commands[];       /* network vm ... (commands_vm.c) */
extern const struct namespace_help vm_namespaces[];
extern const struct command fw_commands[];       /* network firewall ... (commands_firewall.c) */
extern const struct namespace_help fw_namespaces[];
extern const struct command diag_commands[];     /* network diag ... (commands_diag.c) */
extern const struct namespace_help diag_namespaces[];
/* Does a command's result report a failed step (diag check's FAIL rows)?
 * vmkcli then exits 1 after printing it. */
bool result_has_failure(const struct command *c, const cJSON *result);

/* Every command of every table, in order: c = NULL starts, NULL ends. */
const struct command *command_next(const struct command *c);
#define FOR_EACH_COMMAND(c) for (const struct command *c = command_next(NULL); c != NULL; \
				 c = command_next(c))
extern const struct namespace_help namespaces[]; /* terminated by a NULL path */

/* Does `path` start with the words of `prefix` (a whole-word prefix)? */
bool path_has_prefix(const char *path, const char *prefix);
/* The command whose path is `path`, or NULL. */
const struct command *command_find(const char *path);
/* Is `path` a namespace: a proper prefix of some command's path? */
bool namespace_exists(const char *path);

/* `vmkcli --complete WORD... CURRENT` (complete.c): print, one per line, the
 * words that can stand in place of CURRENT after WORD... (namespaces,
 * commands, options, option values; names of vSwitches, port groups,
 * interfaces, netstacks and NICs from the running vmknetd). The bash
 * completion (vmkcli.bash-completion) calls it. Returns 0. */
int complete_words(int argc, char **argv);

enum formatter { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_KEYVALUE, FMT_XML };

/* Print a command's result (vmknetd's "result") in the chosen form. */
void format_result(const struct command *cmd, const cJSON *result, enum formatter fmt);

#endif
