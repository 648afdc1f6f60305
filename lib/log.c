/*
 * rte_log types of the library, registered at load time (constructors run
 * before rte_eal_init, which rte_log supports).
 */
#include <rte_log.h>

#include "lib/log.h"

RTE_LOG_REGISTER(vmk_logtype_host, vmknet.host, NOTICE);
RTE_LOG_REGISTER(vmk_logtype_vswitch, vmknet.vswitch, NOTICE);
RTE_LOG_REGISTER(vmk_logtype_port, vmknet.port, NOTICE);
