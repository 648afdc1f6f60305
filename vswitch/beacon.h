/*
 * Beacon probing (beacon.c; the contract is in include/vmknet/policy.h):
 * the frame, its test at an uplink's input, the per-uplink state and the
 * state machine that turns one interval's beacons into verdicts.
 *
 * A beacon is 60 bytes: broadcast destination, the uplink's MAC as source,
 * an 802.1Q tag when sent on a VLAN, EtherType 0x8922, then
 *   0  "VMKB" magic     4  version (1)     5  0
 *   6  sender's slot (big endian 16)       8  host token (64, as written)
 *   16 vSwitch index (big endian 16)       18 VLAN (big endian 16)
 *   20 sequence number (big endian 32)     24 zero padding
 */
#ifndef VMK_VSWITCH_BEACON_H
#define VMK_VSWITCH_BEACON_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define BEACON_ETHERTYPE 0x8922
#define BEACON_BODY_LEN  24
#define BEACON_LEN       60
#define BEACON_MAX_VLANS 32      /* VLANs probed per uplink and interval */
#define BEACON_MAX_UPLINKS 32    /* uplinks probed per vSwitch (the first, by slot) */

struct vs_view;
struct vs_port;
struct vmk_vswitch;

/* An uplink's probing, kept by the link monitor (dp->lock held). */
struct beacon_fsm {
	uint32_t misses;         /* unhealthy intervals in a row */
	uint8_t state;           /* enum vmk_beacon_state */
};

struct beacon_uplink {
	struct beacon_fsm fsm;
	bool primed;             /* it sent beacons last interval: judge it now */
	bool has_mac;
	uint8_t mac[6];          /* its MAC, the beacons' source */
	uint64_t base_rx, base_heard;   /* counters at the last interval's end */
	uint64_t sent;
};

/* What one interval showed of one uplink. */
struct beacon_obs {
	bool probed;    /* it sent beacons the interval before: judge it */
	bool hears;     /* it received another uplink's beacon */
	bool heard;     /* another uplink received its beacon */
};

/*
 * One interval's verdict on n uplinks (the state machine; no I/O, so unit
 * tests drive it). An uplink is healthy when it hears and is heard; while
 * at least one probed uplink is, each unhealthy one counts a miss and fails
 * at `threshold` misses; a healthy one is OK at once (misses reset). When
 * none is healthy nothing is newly failed: the failed stay failed, the
 * others are AMBIGUOUS. Unprobed uplinks are OFF. Returns true when an
 * uplink entered or left FAILED.
 */
bool beacon_decide(struct beacon_fsm *f, const struct beacon_obs *o, unsigned int n,
		   uint32_t threshold);

/* Is m (received on an uplink; vlan_parse said whether it is tagged) a
 * beacon? One EtherType test at the header the classifier just read. */
static inline bool beacon_is(const struct rte_mbuf *m, bool tagged)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	rte_be16_t et;

	memcpy(&et, p + (tagged ? 16 : 12), sizeof(et));
	return unlikely(et == RTE_BE16(BEACON_ETHERTYPE));
}

/* A beacon received on uplink `in` by worker widx: counted (on in, and on
 * the sending uplink as heard), or a malformed one counted as a drop. The
 * caller frees m. Worker only; reads the view v it runs on. */
void beacon_input(const struct vs_view *v, struct vs_port *in, unsigned int widx,
		  const struct rte_mbuf *m, bool tagged);

/* beacon_poll, the link monitor's pass, is declared in vswitch/vswitch.h
 * (it needs the vSwitch's lock named). */

#endif
