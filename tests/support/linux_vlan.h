/*
 * Linux as an 802.1Q peer on a kernel without the 8021q module, bridge VLAN
 * filtering or act_vlan (this machine's and CI's): two tiny tc programs
 * (cls_bpf, direct action) do what a VLAN sub-interface does.
 *
 *   trunk ingress:  frames tagged vid -> tag popped -> out of the inner
 *                   veth end, so they arrive on vlan_if untagged;
 *   inner ingress:  what Linux sends on vlan_if -> tag vid pushed -> out
 *                   of the trunk.
 *
 * vlan_if is an ordinary interface of the namespace (give it addresses,
 * ping from it); untagged frames and other VLANs on the trunk are left to
 * the trunk itself. The programs are written as eBPF instructions here (no
 * compiler needed), loaded with bpf(2), pinned on a private bpffs mount
 * for tc to attach, and unpinned: they live as long as the interfaces.
 *
 * Needs root, CAP_BPF and tc (iproute2). Runs in the caller's network
 * namespace.
 */
#ifndef VMK_TESTS_LINUX_VLAN_H
#define VMK_TESTS_LINUX_VLAN_H

#include <stdint.h>

/* Create vlan_if (and its inner end, named vlan_if + "t") and attach the
 * programs for VLAN vid on trunk. Returns 0 or -1 (reason on stderr). */
int th_linux_vlan_add(const char *trunk, uint16_t vid, const char *vlan_if);

#endif
