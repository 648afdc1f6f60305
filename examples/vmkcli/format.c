/*
 * vmkcli's formatters, in esxcli's shapes: tables with esxcli's column
 * names, "Field: value" blocks for lists of structures, and the json, csv,
 * keyvalue and xml forms with esxcli's keys (column names without spaces).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmkcli/vmkcli.h"

#define CELL_MAX 1024

/* The COL_STRUCT column a COL_MEMBER column belongs to: the one before
 * its run of members in the same table. */
static const struct column *col_parent(const struct column *c)
{
	while (c->type == COL_MEMBER)
		c--;
	return c;
}

/* A column's value in a record (a member's inside its structure). */
static const cJSON *col_get(const cJSON *rec, const struct column *c)
{
	if (c->type == COL_MEMBER)
		rec = cJSON_GetObjectItemCaseSensitive(rec, col_parent(c)->field);
	return cJSON_GetObjectItemCaseSensitive(rec, c->field);
}

static void value_text(const cJSON *v, const char *sep, char *out, size_t size);

/* A member of a COL_STRUCT_LIST: every element's value, joined by sep. */
static void list_member_text(const cJSON *rec, const struct column *c, const char *sep,
			     char *out, size_t size)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rec, col_parent(c)->field), *e;
	char one[CELL_MAX];
	size_t len = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(e, arr) {
		if (len >= size)
			break;
		value_text(cJSON_GetObjectItemCaseSensitive(e, c->field), sep, one, sizeof(one));
		len += (size_t)snprintf(out + len, size - len, "%s%s", e != arr->child ? sep : "",
					one);
	}
}

/* A cell as text: lists joined with ", " (table) or sep. */
static void cell_text(const cJSON *rec, const struct column *c, const char *sep, char *out,
		      size_t size)
{
	if (c->type == COL_MEMBER && col_parent(c)->type == COL_STRUCT_LIST)
		list_member_text(rec, c, sep, out, size);
	else
		value_text(col_get(rec, c), sep, out, size);
}

static void value_text(const cJSON *v, const char *sep, char *out, size_t size)
{
	size_t len = 0;
	const cJSON *e;

	out[0] = '\0';
	if (cJSON_IsString(v)) {
		snprintf(out, size, "%s", v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		snprintf(out, size, "%.0f", v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		snprintf(out, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v) {
			if (!cJSON_IsString(e) || len >= size)
				continue;
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? sep : "",
						e->valuestring);
		}
	}
}

static unsigned int n_columns(const struct column *cols)
{
	unsigned int n = 0;

	while (cols[n].header != NULL)
		n++;
	return n;
}

static void print_table(const struct command *cmd, const cJSON *rows)
{
	unsigned int nc = n_columns(cmd->cols);
	size_t *width = calloc(nc, sizeof(*width));
	char cell[CELL_MAX];
	const cJSON *r;

	if (width == NULL)
		return;
	for (unsigned int i = 0; i < nc; i++)
		width[i] = strlen(cmd->cols[i].header);
	cJSON_ArrayForEach(r, rows) {
		for (unsigned int i = 0; i < nc; i++) {
			cell_text(r, &cmd->cols[i], ", ", cell, sizeof(cell));
			if (strlen(cell) > width[i])
				width[i] = strlen(cell);
		}
	}
	for (unsigned int i = 0; i < nc; i++)
		printf("%-*s%s", i + 1 < nc ? (int)width[i] : 0, cmd->cols[i].header,
		       i + 1 < nc ? "  " : "\n");
	for (unsigned int i = 0; i < nc; i++) {
		for (size_t k = 0; k < width[i]; k++)
			putchar('-');
		printf("%s", i + 1 < nc ? "  " : "\n");
	}
	cJSON_ArrayForEach(r, rows) {
		for (unsigned int i = 0; i < nc; i++) {
			bool last = i + 1 == nc;

			cell_text(r, &cmd->cols[i], ", ", cell, sizeof(cell));
			if (cmd->cols[i].type == COL_INT)
				printf("%*s", (int)width[i], cell);
			else
				printf("%-*s", last ? 0 : (int)width[i], cell);
			printf("%s", last ? "\n" : "  ");
		}
	}
	free(width);
}

/* esxcli's list of structures in a block: the name, then each element's
 * fields indented under it, a blank line between elements. */
static void print_struct_list(const struct column *c, const cJSON *rec)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rec, c->field), *e;
	char cell[CELL_MAX];

	printf("   %s:\n", c->header);
	cJSON_ArrayForEach(e, arr) {
		for (const struct column *m = c + 1; m->header != NULL && m->type == COL_MEMBER;
		     m++) {
			value_text(cJSON_GetObjectItemCaseSensitive(e, m->field), ", ", cell,
				   sizeof(cell));
			printf("         %s: %s\n", m->header, cell);
		}
		if (e->next != NULL)
			printf("\n");
	}
}

static void print_block(const struct command *cmd, const cJSON *rec, bool titled)
{
	char cell[CELL_MAX];

	if (cmd->shape == OUT_FIELDS) {
		for (unsigned int i = 0; cmd->cols[i].header != NULL; i++) {
			const struct column *c = &cmd->cols[i];

			if (c->type == COL_STRUCT_LIST) {
				print_struct_list(c, rec);
				continue;
			}
			if (c->type == COL_MEMBER && col_parent(c)->type == COL_STRUCT_LIST)
				continue;
			cell_text(rec, c, ", ", cell, sizeof(cell));
			/* esxcli indents a nested structure's fields under its name. */
			printf("%s%s:%s%s%s\n", c->type == COL_MEMBER ? "         " : "   ",
			       c->header, c->type == COL_STRUCT ? "" : " ", cell,
			       c->type == COL_KBPS ? " Kbps" : c->type == COL_KBYTES ? " Kbytes" : "");
		}
		return;
	}

	cell_text(rec, &cmd->cols[0], ", ", cell, sizeof(cell));
	if (titled && cmd->title != NULL) {
		printf(cmd->title, cell);
		printf("\n");
	} else {
		printf("%s\n", cell);
	}
	for (unsigned int i = titled ? 1 : 0; cmd->cols[i].header != NULL; i++) {
		cell_text(rec, &cmd->cols[i], ", ", cell, sizeof(cell));
		printf("   %s: %s\n", cmd->cols[i].header, cell);
	}
}

/* The columns of one level of a record: with members false every column
 * but the COL_MEMBERs (cols at the table's start); with members true a
 * COL_STRUCT's run of members (cols at its first). */
#define FOR_EACH_LEVEL_COLUMN(c, cols, members)					\
	for (const struct column *c = (cols);					\
	     c->header != NULL && (!(members) || c->type == COL_MEMBER); c++)	\
		if ((members) || c->type != COL_MEMBER)

static cJSON *json_fields(const struct column *cols, const cJSON *rec, bool members);

/* A COL_STRUCT_LIST: an array of its members' objects. */
static cJSON *json_list(const struct column *members, const cJSON *arr)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
		cJSON_AddItemToArray(out, json_fields(members, e, true));
	return out;
}

/* A record (or a COL_STRUCT's members) with esxcli's keys. */
static cJSON *json_fields(const struct column *cols, const cJSON *rec, bool members)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	FOR_EACH_LEVEL_COLUMN(c, cols, members) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, c->field);

		if (c->type == COL_STRUCT)
			cJSON_AddItemToObject(o, c->key, json_fields(c + 1, v, true));
		else if (c->type == COL_STRUCT_LIST)
			cJSON_AddItemToObject(o, c->key, json_list(c + 1, v));
		else if (v != NULL)
			cJSON_AddItemToObject(o, c->key, cJSON_Duplicate(v, true));
		else
			cJSON_AddNullToObject(o, c->key);
	}
	return o;
}

static cJSON *json_record(const struct command *cmd, const cJSON *rec)
{
	return json_fields(cmd->cols, rec, false);
}

static void print_json(const struct command *cmd, const cJSON *result)
{
	cJSON *out;
	const cJSON *r;
	char *text;

	if (cJSON_IsArray(result)) {
		out = cJSON_CreateArray();
		cJSON_ArrayForEach(r, result)
			cJSON_AddItemToArray(out, json_record(cmd, r));
	} else {
		out = json_record(cmd, result);
	}
	text = cJSON_PrintUnformatted(out);
	if (text != NULL)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(out);
}

static void csv_field(const char *s)
{
	if (strpbrk(s, ",\"\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void print_csv(const struct command *cmd, const cJSON *result)
{
	char cell[CELL_MAX];
	const cJSON *r;

	/* A structure's members are columns of their own: DriverInfo.BusInfo. */
	for (unsigned int i = 0, n = 0; cmd->cols[i].header != NULL; i++) {
		const struct column *c = &cmd->cols[i];

		if (c->type == COL_STRUCT || c->type == COL_STRUCT_LIST)
			continue;
		printf("%s%s%s%s", n++ ? "," : "", c->type == COL_MEMBER ? col_parent(c)->key : "",
		       c->type == COL_MEMBER ? "." : "", c->key);
	}
	printf("\n");
	cJSON_ArrayForEach(r, result) {
		for (unsigned int i = 0, n = 0; cmd->cols[i].header != NULL; i++) {
			if (cmd->cols[i].type == COL_STRUCT || cmd->cols[i].type == COL_STRUCT_LIST)
				continue;
			if (n++)
				putchar(',');
			cell_text(r, &cmd->cols[i], ",", cell, sizeof(cell));
			csv_field(cell);
		}
		printf("\n");
	}
}

static void print_keyvalue(const struct command *cmd, const cJSON *result)
{
	static const char *const type[] = { "string", "integer", "string[]", "boolean",
					    "integer", "integer", "", "string", "" };
	char cell[CELL_MAX];
	const cJSON *r, *e;

	cJSON_ArrayForEach(r, result) {
		for (unsigned int i = 0; cmd->cols[i].header != NULL; i++) {
			const struct column *c = &cmd->cols[i];

			if (c->type == COL_STRUCT || c->type == COL_STRUCT_LIST)
				continue;
			if (c->type == COL_MEMBER) {
				cell_text(r, c, ",", cell, sizeof(cell));
				printf("%s.%s.%s.%s=%s\n", cmd->type_name, col_parent(c)->key, c->key,
				       type[c->type], cell);
				continue;
			}
			if (c->type != COL_LIST) {
				cell_text(r, c, ",", cell, sizeof(cell));
				printf("%s.%s.%s=%s\n", cmd->type_name, c->key, type[c->type], cell);
				continue;
			}
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, c->field))
				if (cJSON_IsString(e))
					printf("%s.%s.%s=%s\n", cmd->type_name, c->key,
					       type[c->type], e->valuestring);
		}
		printf("\n");
	}
}

/* Text as XML character data (&, <, >, ", ' escaped). */
static void xml_text(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		case '\'': fputs("&apos;", stdout); break;
		default: putchar(*s);
		}
	}
}

/* One value in esxcli's typed elements: <string>, <integer>, <boolean>, or
 * <list type="string"> of them. */
static void xml_value(const struct column *c, const cJSON *v, const char *indent)
{
	const cJSON *e;

	if (c->type == COL_LIST) {
		printf("%s<list type=\"string\">\n", indent);
		cJSON_ArrayForEach(e, v) {
			if (!cJSON_IsString(e))
				continue;
			printf("%s   <string>", indent);
			xml_text(e->valuestring);
			printf("</string>\n");
		}
		printf("%s</list>\n", indent);
	} else if (cJSON_IsBool(v)) {
		printf("%s<boolean>%s</boolean>\n", indent, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNumber(v)) {
		printf("%s<integer>%.0f</integer>\n", indent, v->valuedouble);
	} else {
		printf("%s<string>", indent);
		xml_text(cJSON_IsString(v) ? v->valuestring : "");
		printf("</string>\n");
	}
}

static void xml_list(const struct column *c, const cJSON *arr, const char *indent);

/* A <structure> of cols' fields (a COL_STRUCT's members when members:
 * cols at the first, up to the end of their run). */
static void xml_fields(const char *type_name, const struct column *cols, const cJSON *rec,
		       bool members, const char *indent)
{
	char inner[64];

	snprintf(inner, sizeof(inner), "%s      ", indent);
	printf("%s<structure typeName=\"%s\">\n", indent, type_name);
	FOR_EACH_LEVEL_COLUMN(c, cols, members) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, c->field);

		printf("%s   <field name=\"%s\">\n", indent, c->key);
		if (c->type == COL_STRUCT)
			xml_fields(c->key, c + 1, v, true, inner);
		else if (c->type == COL_STRUCT_LIST)
			xml_list(c, v, inner);
		else
			xml_value(c, v, inner);
		printf("%s   </field>\n", indent);
	}
	printf("%s</structure>\n", indent);
}

/* A COL_STRUCT_LIST: <list type="structure"> of its elements. */
static void xml_list(const struct column *c, const cJSON *arr, const char *indent)
{
	char inner[80];
	const cJSON *e;

	snprintf(inner, sizeof(inner), "%s   ", indent);
	printf("%s<list type=\"structure\">\n", indent);
	cJSON_ArrayForEach(e, arr)
		xml_fields(c->key, c + 1, e, true, inner);
	printf("%s</list>\n", indent);
}

static void xml_structure(const struct command *cmd, const cJSON *rec, const char *indent)
{
	xml_fields(cmd->type_name != NULL ? cmd->type_name : "Result", cmd->cols, rec, false,
		   indent);
}

/* esxcli's XML: a list of records is <list type="structure">, one record
 * (a get) is its <structure> alone. */
static void print_xml(const struct command *cmd, const cJSON *result)
{
	const cJSON *r;

	printf("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	       "<output xmlns=\"http://www.vmware.com/Products/ESX/5.0/esxcli\">\n<root>\n");
	if (cJSON_IsArray(result)) {
		printf("   <list type=\"structure\">\n");
		cJSON_ArrayForEach(r, result)
			xml_structure(cmd, r, "      ");
		printf("   </list>\n");
	} else {
		xml_structure(cmd, result, "   ");
	}
	printf("</root>\n</output>\n");
}

void format_result(const struct command *cmd, const cJSON *result, enum formatter fmt)
{
	cJSON *wrapped = NULL;
	const cJSON *rows = result;
	const cJSON *r;

	if (cmd->shape == OUT_NONE || result == NULL)
		return;
	/* One record is a list of one for the row-oriented forms. */
	if (!cJSON_IsArray(result)) {
		wrapped = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(wrapped, (cJSON *)result);
		rows = wrapped;
	}
	switch (fmt) {
	case FMT_JSON:
		print_json(cmd, result);
		break;
	case FMT_CSV:
		print_csv(cmd, rows);
		break;
	case FMT_KEYVALUE:
		print_keyvalue(cmd, rows);
		break;
	case FMT_XML:
		print_xml(cmd, result);
		break;
	case FMT_TABLE:
		if (cmd->shape == OUT_TABLE) {
			print_table(cmd, rows);
			break;
		}
		cJSON_ArrayForEach(r, rows) {
			print_block(cmd, r, cmd->shape == OUT_OBJECT);
			if (r->next != NULL)
				printf("\n");
		}
		break;
	}
	cJSON_Delete(wrapped);
}
