/*
 * rte_log types of the stack and the adapters, registered at load time.
 */
#include <rte_log.h>

#include "tcpip/log.h"

RTE_LOG_REGISTER(vmk_logtype_tcpip, vmknet.tcpip, NOTICE);
RTE_LOG_REGISTER(vmk_logtype_vmknic, vmknet.vmknic, NOTICE);
