/*
 * Logging of the TCP/IP stack and the VMkernel adapters: rte_log types
 * "vmknet.tcpip" and "vmknet.vmknic", registered in tcpip/log.c.
 */
#ifndef VMK_TCPIP_LOG_H
#define VMK_TCPIP_LOG_H

#include <rte_log.h>

extern int vmk_logtype_tcpip;
extern int vmk_logtype_vmknic;

#define TCPIP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmk_logtype_tcpip, "vmknet.tcpip: " fmt "\n", ##__VA_ARGS__)
#define VMKNIC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmk_logtype_vmknic, "vmknet.vmknic: " fmt "\n", ##__VA_ARGS__)

#endif
