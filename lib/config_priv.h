/*
 * Shared by the config_*.c files: limits the public header states in
 * words, and the error-message helpers.
 */
#ifndef VMK_LIB_CONFIG_PRIV_H
#define VMK_LIB_CONFIG_PRIV_H

#include <stddef.h>

#define CFG_DEFAULT_HOST     "vmknet"
#define CFG_PORTS_MIN        8
#define CFG_FDB_CAPACITY_MIN 16
#define CFG_AGING_MAX        1000000

/* snprintf into err when there is room; err may be NULL. */
void cfg_errf(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Why a name is unacceptable ("must not be empty", ...), or NULL. */
const char *cfg_name_problem(const char *name);

#endif
