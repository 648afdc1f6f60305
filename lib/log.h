/*
 * Library logging: every message goes through rte_log with a vmknet log type,
 * so the embedding hypervisor controls level and destination (--log-level
 * 'vmknet.*:debug'). Never printf from library code.
 */
#ifndef VMK_LIB_LOG_H
#define VMK_LIB_LOG_H

#include <rte_log.h>

extern int vmk_logtype_host;
extern int vmk_logtype_vswitch;
extern int vmk_logtype_port;

#define VMK_LOG(level, type, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmk_logtype_ ## type, \
		"vmknet." #type ": " fmt "\n", ##__VA_ARGS__)

#endif
