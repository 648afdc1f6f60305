/*
 * The strict JSON reader's helpers (config_json.c), shared with the readers
 * of the document's other sections (config_json_fw.c). Each refuses with
 * -EINVAL and a reason naming the field path in the thread's error text
 * (common/error.h).
 */
#ifndef VMK_LIB_CONFIG_JSON_PRIV_H
#define VMK_LIB_CONFIG_JSON_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include <vmknet/vswitch.h>

struct vmk_fw_config;

/* "a boolean", "a string", ... for "expected X, got Y". */
const char *cfg_json_type(const cJSON *v);

/* Refuse members outside `known` (NULL-terminated) and repeated members. */
int cfg_json_fields(const cJSON *obj, const char *where, const char *const *known);

/* obj's member key; absent and required: NULL and *ret = -EINVAL. */
const cJSON *cfg_json_member(const cJSON *obj, const char *where, const char *key,
			     bool required, int *ret);

/* An integer member in lo..hi; absent and optional: 0, *out untouched. */
int cfg_json_uint(const cJSON *obj, const char *where, const char *key, bool required,
		  uint32_t lo, uint32_t hi, uint32_t *out);

/* A boolean member; absent: 0, *out untouched, *present (may be NULL) false. */
int cfg_json_bool(const cJSON *obj, const char *where, const char *key, bool *out,
		  bool *present);

/* An array member of at most max entries; absent: 0 and *out NULL. */
int cfg_json_array(const cJSON *obj, const char *where, const char *key, unsigned int max,
		   const cJSON **out);

/* v must be an object. */
int cfg_json_object(const cJSON *v, const char *where);

/* A list entry: an object with only the `known` fields and a "name"
 * (1..31 printable bytes) copied into name. */
int cfg_json_entry(const cJSON *v, const char *where, const char *const *known,
		   char name[VMK_NAME_MAX]);

/* "a.b.c.d/len" into network and prefix length: 0 or -EINVAL (no reason). */
int cfg_parse_cidr(const char *s, uint32_t *net, uint8_t *plen);

/* The document's "firewall" section (config_json_fw.c): absent leaves fw
 * as it is (the default); present, its built-in rulesets not listed keep
 * the library's defaults. 0 or -EINVAL with the path in the reason. */
int cfg_fw_from_json(const cJSON *root, struct vmk_fw_config *fw);

/* Add "firewall" to root: false when out of memory. */
bool cfg_fw_to_json(cJSON *root, const struct vmk_fw_config *fw);

struct vmk_config_nioc;

/* The document's "nioc" section (config_json_nioc.c): absent leaves nioc
 * as it is (the default); present, what it leaves out keeps the default.
 * 0 or -EINVAL with the path in the reason. */
int cfg_nioc_from_json(const cJSON *root, struct vmk_config_nioc *nioc);

/* Add "nioc" to root: false when out of memory. */
bool cfg_nioc_to_json(cJSON *root, const struct vmk_config_nioc *nioc);

#endif
