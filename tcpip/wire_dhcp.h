/*
 * DHCP messages (RFC 2131, options of RFC 2132): parse a received BOOTP
 * reply into a flat struct, build the client's requests. Both work on plain
 * byte buffers (the client copies a datagram's payload out of its mbuf), so
 * they are stateless and callable from any thread.
 *
 * A parse error is one of enum dhcp_bad, negated: the client counts each
 * refused message by its reason (struct vmk_dhcp_info's drops).
 */
#ifndef VMK_TCPIP_WIRE_DHCP_H
#define VMK_TCPIP_WIRE_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include <vmknet/dhcp.h>

#define DHCP_SERVER_PORT   67
#define DHCP_CLIENT_PORT   68
#define DHCP_FIXED_LEN     236      /* op .. file, before the magic cookie */
#define DHCP_MIN_LEN       (DHCP_FIXED_LEN + 4)
#define DHCP_BOOTP_MIN     300      /* requests are padded to BOOTP's size */
#define DHCP_BUF_SIZE      576      /* what we send and ask to be sent */
#define DHCP_MAGIC         0x63825363u
#define DHCP_FLAG_BROADCAST 0x8000

enum dhcp_type {
	DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK, DHCP_NAK,
	DHCP_RELEASE, DHCP_INFORM,
};

/* Options (RFC 2132) the client reads or writes. */
enum {
	DHCP_OPT_PAD = 0, DHCP_OPT_NETMASK = 1, DHCP_OPT_ROUTER = 3, DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12, DHCP_OPT_DOMAIN = 15, DHCP_OPT_REQ_IP = 50,
	DHCP_OPT_LEASE = 51, DHCP_OPT_OVERLOAD = 52, DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54, DHCP_OPT_PARAMS = 55, DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58, DHCP_OPT_T2 = 59, DHCP_OPT_CLIENT_ID = 61, DHCP_OPT_END = 255,
};

/* A server's message as the client needs it. Addresses network order,
 * times seconds, host order. */
struct dhcp_msg {
	uint8_t type;                 /* enum dhcp_type */
	uint32_t xid;
	uint8_t chaddr[6];
	rte_be32_t yiaddr, siaddr;
	rte_be32_t server_id;         /* 0: absent */
	rte_be32_t netmask;           /* 0: absent */
	rte_be32_t router;            /* the first one; 0: absent */
	uint32_t lease_s, t1_s, t2_s; /* 0: absent (lease 0xffffffff: infinite) */
	uint8_t n_dns;
	rte_be32_t dns[VMK_DHCP_DNS_MAX];
};

/*
 * Parse len bytes of a UDP payload as a BOOTREPLY with a DHCP message
 * type. Options may continue in the file and sname fields (option 52).
 * Returns 0, or -DHCP_BAD_* (enum vmk_dhcp_drop): too short, not a reply
 * of Ethernet with 6-byte addresses, no magic cookie, an option running
 * past its area or of a wrong length, no or an unknown message type.
 */
int dhcp_parse(struct dhcp_msg *m, const uint8_t *buf, size_t len);

/* What the client sends. */
struct dhcp_req {
	uint8_t type;                 /* DISCOVER, REQUEST, RELEASE, DECLINE */
	uint32_t xid;
	uint16_t secs;
	bool broadcast;               /* ask for broadcast replies */
	uint8_t mac[6];
	rte_be32_t ciaddr;            /* RENEWING, REBINDING, RELEASE */
	rte_be32_t req_ip;            /* option 50; 0: none */
	rte_be32_t server_id;         /* option 54; 0: none */
	bool want_dns;                /* ask for option 6 */
	const char *hostname;         /* option 12; NULL or "": none */
};

/* Write r as a DHCP message into buf (at least DHCP_BUF_SIZE bytes).
 * Returns its length (padded to DHCP_BOOTP_MIN), or -ENOSPC. */
int dhcp_build(uint8_t *buf, size_t size, const struct dhcp_req *r);

#endif
