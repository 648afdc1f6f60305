/*
 * Linux as an 802.1Q peer without the 8021q module: see linux_vlan.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "support/harness.h"
#include "support/linux_vlan.h"

/* eBPF instruction builders (the kernel's filter.h ones are not uapi). */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
					       .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_REG(d, s)       INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i)       INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND_IMM(d, i)       INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o)      INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define JEQ_IMM(d, i, o)    INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JNE_IMM(d, i, o)    INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define CALL(f)             INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()              INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ETH_P_8021Q_BE 0x0081   /* htons(0x8100) on a little-endian host */

static int prog_load(const struct bpf_insn *insns, unsigned int n)
{
	static char log[4096];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = n;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		fprintf(stderr, "linux_vlan: BPF_PROG_LOAD: %s\n%s\n", strerror(errno), log);
	return fd;
}

/* Frames tagged vid: pop the tag, send them out of ifindex. Others: as
 * they are. */
static int prog_pop(uint16_t vid, unsigned int ifindex)
{
	const struct bpf_insn p[] = {
		/* 0 */ MOV_REG(BPF_REG_6, BPF_REG_1),
		/* 1 */ LDX_W(BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, vlan_present)),
		/* 2 */ JEQ_IMM(BPF_REG_2, 0, 9),                 /* -> 12 */
		/* 3 */ LDX_W(BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, vlan_tci)),
		/* 4 */ AND_IMM(BPF_REG_2, 0xfff),
		/* 5 */ JNE_IMM(BPF_REG_2, vid, 6),               /* -> 12 */
		/* 6 */ MOV_REG(BPF_REG_1, BPF_REG_6),
		/* 7 */ CALL(BPF_FUNC_skb_vlan_pop),
		/* 8 */ MOV_IMM(BPF_REG_1, (int32_t)ifindex),
		/* 9 */ MOV_IMM(BPF_REG_2, 0),
		/* 10 */ CALL(BPF_FUNC_redirect),                 /* TC_ACT_REDIRECT */
		/* 11 */ EXIT(),
		/* 12 */ MOV_IMM(BPF_REG_0, TC_ACT_OK),
		/* 13 */ EXIT(),
	};

	return prog_load(p, sizeof(p) / sizeof(p[0]));
}

/* Every frame: push tag vid, send it out of ifindex. */
static int prog_push(uint16_t vid, unsigned int ifindex)
{
	const struct bpf_insn p[] = {
		MOV_IMM(BPF_REG_2, ETH_P_8021Q_BE),
		MOV_IMM(BPF_REG_3, vid),
		CALL(BPF_FUNC_skb_vlan_push),           /* r1 is still the skb */
		MOV_IMM(BPF_REG_1, (int32_t)ifindex),
		MOV_IMM(BPF_REG_2, 0),
		CALL(BPF_FUNC_redirect),
		EXIT(),
	};

	return prog_load(p, sizeof(p) / sizeof(p[0]));
}

/* Pin fd at dir/name and have tc attach it to dev's ingress. */
static int attach(int fd, const char *dir, const char *name, const char *dev)
{
	char path[256];
	union bpf_attr attr;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	attr.bpf_fd = (uint32_t)fd;
	if (syscall(SYS_bpf, BPF_OBJ_PIN, &attr, sizeof(attr)) != 0) {
		fprintf(stderr, "linux_vlan: BPF_OBJ_PIN %s: %s\n", path, strerror(errno));
		return -1;
	}
	ret = th_sh("tc qdisc add dev %s clsact && "
		    "tc filter add dev %s ingress bpf da object-pinned %s", dev, dev, path) == 0 ? 0 : -1;
	unlink(path);
	return ret;
}

int th_linux_vlan_add(const char *trunk, uint16_t vid, const char *vlan_if)
{
	char inner[IF_NAMESIZE + 2], dir[] = "/tmp/vmkt-bpffs-XXXXXX";
	unsigned int trunk_ix, inner_ix;
	int pop = -1, push = -1, ret = -1;

	snprintf(inner, sizeof(inner), "%st", vlan_if);
	if (strlen(inner) >= IF_NAMESIZE || vid == 0 || vid > 4094) {
		fprintf(stderr, "linux_vlan: bad interface name or VLAN\n");
		return -1;
	}
	if (th_sh("ip link add %s type veth peer name %s && ip link set %s up && "
	       "ip link set %s up", vlan_if, inner, inner, vlan_if) != 0)
		return -1;
	trunk_ix = if_nametoindex(trunk);
	inner_ix = if_nametoindex(inner);
	if (trunk_ix == 0 || inner_ix == 0) {
		fprintf(stderr, "linux_vlan: no interface %s or %s\n", trunk, inner);
		return -1;
	}
	if (mkdtemp(dir) == NULL)
		return -1;
	if (mount("bpf", dir, "bpf", 0, NULL) != 0) {
		fprintf(stderr, "linux_vlan: cannot mount bpffs: %s\n", strerror(errno));
		rmdir(dir);
		return -1;
	}
	pop = prog_pop(vid, inner_ix);
	push = prog_push(vid, trunk_ix);
	if (pop >= 0 && push >= 0 && attach(pop, dir, "pop", trunk) == 0 &&
	    attach(push, dir, "push", inner) == 0)
		ret = 0;
	if (pop >= 0)
		close(pop);
	if (push >= 0)
		close(push);
	umount(dir);
	rmdir(dir);
	return ret;
}
