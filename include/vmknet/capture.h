/*
 * Packet capture at a switch port (pktcap-uw's points): frames a port
 * receives into the switch (in), frames the switch transmits on it (out),
 * or both, filtered, copied into a bounded ring a consumer drains, and
 * written to pcap or pcapng files. A port that is not captured pays one
 * pointer test per burst; a captured one pays a copy per matching frame.
 *
 * Thread: start/stop/stats are control plane; read and the file writer are
 * for one consumer thread (not a worker).
 */
#ifndef VMKNET_CAPTURE_H
#define VMKNET_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_vswitch;
struct vmk_capture;
struct rte_mbuf;

enum vmk_capture_dir {
	VMK_CAPTURE_IN = 1,     /* received from the port into the switch */
	VMK_CAPTURE_OUT = 2,    /* transmitted by the switch on the port */
	VMK_CAPTURE_BOTH = 3,
};

/* Every set field must match (a frame is matched as it is on that wire:
 * the VLAN is its 802.1Q tag, if any). */
struct vmk_capture_filter {
	bool has_mac;  uint8_t mac[6];    /* source or destination MAC */
	bool has_ip;   uint32_t ip;       /* IPv4 source or destination, network order */
	int proto;                        /* IPv4 protocol, -1: any */
	int port;                         /* TCP/UDP source or destination port, -1: any */
	int vlan;                         /* 802.1Q VID, -1: any, 0: untagged only */
	int ethtype;                      /* EtherType (after any tag), -1: any */
	/* one side only (pktcap-uw's --srcmac, --dstip, ...) */
	bool has_srcmac; uint8_t srcmac[6];
	bool has_dstmac; uint8_t dstmac[6];
	bool has_srcip;  uint32_t srcip;  /* network order */
	bool has_dstip;  uint32_t dstip;
	int srcport, dstport;             /* TCP/UDP, -1: any */
};

/* A filter that matches everything. */
void vmk_capture_filter_init(struct vmk_capture_filter *f);

/*
 * Start capturing on a port (one capture per port at a time). ring_size:
 * frames held until read (power of two, 64..65536; 0: 4096); when full,
 * frames are not captured and counted as dropped. f NULL: everything.
 * Returns 0 and *out (free with vmk_capture_stop), -EINVAL, -ENOENT (no
 * such port), -EBUSY (already captured), -ENOMEM.
 */
int vmk_capture_start(struct vmk_vswitch *vs, uint32_t port_id, enum vmk_capture_dir dir,
		      const struct vmk_capture_filter *f, unsigned int ring_size,
		      struct vmk_capture **out);

/*
 * Take up to n captured frames, oldest first. The caller owns (frees) the
 * mbufs; dirs[i] (may be NULL) tells VMK_CAPTURE_IN or _OUT; each mbuf's
 * timestamp field is the capture time in TSC cycles.
 */
unsigned int vmk_capture_read(struct vmk_capture *c, struct rte_mbuf **pkts, uint8_t *dirs,
			      unsigned int n);

/* Frames captured and frames missed because the ring was full. */
void vmk_capture_stats(const struct vmk_capture *c, uint64_t *captured, uint64_t *dropped);

/*
 * Write captured frames to path (pcap, or pcapng when pcapng) until
 * max_frames were written (0: no limit), timeout_ms passed (0: none) or
 * *stop becomes true (may be NULL). Returns frames written or a negative
 * errno (-EIO: the file could not be written).
 */
long vmk_capture_write_file(struct vmk_capture *c, const char *path, bool pcapng,
			    uint64_t max_frames, uint32_t timeout_ms, const volatile bool *stop);

/* Stop capturing and free everything (frames not read included). NULL ok. */
void vmk_capture_stop(struct vmk_capture *c);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
