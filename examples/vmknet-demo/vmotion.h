/*
 * The demo's vMotion-like transfer (see vmotion.c).
 */
#ifndef VMKNET_DEMO_VMOTION_H
#define VMKNET_DEMO_VMOTION_H

#include <vmknet/vmknet.h>

/*
 * Add the "vMotion" port group (VLAN 20) to vs, vmk1 on it (vmotion
 * netstack, tagged VMotion) and vmk2 (a netstack of its own, the
 * destination host's stand-in), then move `mib` MiB of memory pages from
 * vmk1 to vmk2 over vmknet TCP through the vSwitch, checking every byte,
 * and print the rate. The host's worker must be running. Returns 0 or a
 * negative errno (printed on stderr).
 */
int demo_vmotion(struct vmk_host *host, struct vmk_vswitch *vs, unsigned int mib);

#endif
