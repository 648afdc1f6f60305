/*
 * Shared by the config_*.c files: limits the public header states in
 * words, and the helpers of the model (config_model.c) that the files above
 * it use. Order, bottom to top: model <- validate_ip, validate_guest,
 * validate_nioc <- validate <- json (json_fw, json_nioc) <- file, apply
 * (apply_nioc); no file calls one above it.
 */
#ifndef VMK_LIB_CONFIG_PRIV_H
#define VMK_LIB_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_DEFAULT_HOST     "vmknet"
#define CFG_PORTS_MIN        8
#define CFG_FDB_CAPACITY_MIN 16
#define CFG_AGING_MAX        1000000

/* The end of a public call that takes `char *err, size_t err_size`: when rc
 * is a failure, copy the thread's reason (common/error.h, which every
 * function here sets through vmk_err) into err; on success clear the
 * reason. Returns rc. */
int cfg_err_out(int rc, char *err, size_t err_size);

struct vmk_config;

/* vmk_config_validate and vmk_config_from_json without the caller's buffer:
 * the reason is the thread's (vmk_err_text). */
int cfg_validate(const struct vmk_config *cfg);
int cfg_from_json(const char *text, size_t len, struct vmk_config *out);

/* Why a name is unacceptable ("must not be empty", ...), or NULL. */
const char *cfg_name_problem(const char *name);

/* The built-in netstacks' names (config_model.c). */
#define CFG_N_BUILTIN_NETSTACKS 3
extern const char *const cfg_builtin_netstacks[CFG_N_BUILTIN_NETSTACKS];

/* Is the MAC all zeros (not set)? */
bool cfg_mac_zero(const uint8_t *mac);

/* The three built-in netstacks, without routes, as cfg's only ones. */
void cfg_netstacks_init(struct vmk_config *cfg);

/* The IP layer's rules (config_validate_ip.c): 0 or -EINVAL, the field named in the thread's reason. */
int cfg_validate_netstacks(const struct vmk_config *cfg);
int cfg_validate_vmknics(const struct vmk_config *cfg);

/* The guest ports' rules (config_validate_guest.c): 0 or -EINVAL, the field named in the thread's reason. */
int cfg_validate_guest_ports(const struct vmk_config *cfg);

/* Take the host's marking, NIOC classes, uplink speeds and NIOC state to
 * cfg's (config_apply_nioc.c): all or nothing; 0 or a negative errno with
 * the library's reason. */
struct vmk_host;
int cfg_nioc_apply(struct vmk_host *host, const struct vmk_config *cfg);

/* Marking and NIOC (config_validate_nioc.c): 0 or -EINVAL, the field named in the thread's reason. */
int cfg_validate_nioc(const struct vmk_config *cfg);

/* Is name a VMkernel interface's: vmk0, vmk1, ... (no leading zeros)? */
bool cfg_vmk_name_ok(const char *name);

/* "192.0.2.1" of a network-order address, into buf (16 bytes). */
const char *cfg_ip_str(uint32_t a, char buf[16]);

#endif
