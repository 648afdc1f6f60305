/*
 * Library logging: every message goes through rte_log with a vmknet log type,
 * so the embedding hypervisor controls level and destination (--log-level
 * 'vmknet.*:debug'). Never printf from library code. Every layer logs
 * through these macros; the types are registered in common/log.c.
 */
#ifndef VMK_COMMON_LOG_H
#define VMK_COMMON_LOG_H

#include <rte_log.h>

extern int vmk_logtype_host;
extern int vmk_logtype_vswitch;
extern int vmk_logtype_port;
extern int vmk_logtype_tcpip;
extern int vmk_logtype_vmknic;

#define VMK_LOG(level, type, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmk_logtype_ ## type, \
		"vmknet." #type ": " fmt "\n", ##__VA_ARGS__)

#define TCPIP_LOG(level, fmt, ...) VMK_LOG(level, tcpip, fmt, ##__VA_ARGS__)
#define VMKNIC_LOG(level, fmt, ...) VMK_LOG(level, vmknic, fmt, ##__VA_ARGS__)

#endif
