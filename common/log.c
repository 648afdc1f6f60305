/*
 * rte_log types of the library, registered at load time (constructors run
 * before rte_eal_init, which rte_log supports). These and the TSC rate of
 * common/clock.c are the library's only process-wide variables: each is
 * written once and read by every layer.
 */
#include <rte_log.h>

#include "common/log.h"

RTE_LOG_REGISTER(vmk_logtype_host, vmknet.host, NOTICE);
RTE_LOG_REGISTER(vmk_logtype_vswitch, vmknet.vswitch, NOTICE);
RTE_LOG_REGISTER(vmk_logtype_port, vmknet.port, NOTICE);
RTE_LOG_REGISTER(vmk_logtype_tcpip, vmknet.tcpip, NOTICE);
RTE_LOG_REGISTER(vmk_logtype_vmknic, vmknet.vmknic, NOTICE);
