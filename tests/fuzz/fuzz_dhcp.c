/*
 * libFuzzer harness: the DHCP client's parser and state machine
 * (tcpip/wire_dhcp.c, tcpip/dhcp_client.c), fed server replies one after
 * the other with time passing in between, so inputs reach every state:
 * offers, ACKs, NAKs, renewal, rebinding, expiry, and DHCPRELEASE or
 * DECLINE at the end. Each input starts a fresh client (peer DNS on) at
 * time 1000 s.
 *
 * Input: records of [flags][length, 2 bytes little endian][payload].
 * flags: bit 0 write the client's current xid into the payload (bytes
 * 4..7), bit 1 its MAC (chaddr, bytes 28..33), so the fuzzer gets past the
 * transaction checks; bits 4-7: time passes before the record (0: none,
 * k: 4^k microseconds, up to about 18 minutes), then the client's timers
 * run. After the records the lease is declined (flag of the last record,
 * bit 2) or released.
 *
 * Invariants checked: every message the client writes is a BOOTREQUEST of
 * at least 300 and at most 576 bytes with its MAC; while it holds a lease,
 * the address is a usable unicast one, the mask contiguous, and T1 <= T2
 * <= lease; every refused reply is counted under a known reason.
 */
#include <string.h>

#include "common.h"
#include "tcpip/dhcp_client.h"

static const uint8_t mac[6] = { 0x02, 0x50, 0x56, 0x00, 0x00, 0x11 };

static void check_out(const struct dhcp_out *o)
{
	if (o->len == 0)
		return;
	FUZZ_CHECK(o->len >= DHCP_BOOTP_MIN && o->len <= DHCP_BUF_SIZE);
	FUZZ_CHECK(o->buf[0] == 1 && memcmp(o->buf + 28, mac, 6) == 0);
}

static void check_client(const struct dhcp_client *c)
{
	FUZZ_CHECK(c->info.state <= VMK_DHCP_REBINDING);
	FUZZ_CHECK(c->info.drops[VMK_DHCP_DROP_NONE] == 0);
	if (!c->have_lease)
		return;
	{
		uint32_t a = rte_be_to_cpu_32(c->lease.addr), m = rte_be_to_cpu_32(c->lease.mask);

		FUZZ_CHECK(a != 0 && a != 0xffffffffu && (a >> 28) < 0xe && (a >> 24) != 127);
		FUZZ_CHECK(m != 0 && (~m & (~m + 1)) == 0);
		FUZZ_CHECK(c->lease.t1_s <= c->lease.t2_s && c->lease.t2_s <= c->lease.lease_s);
		FUZZ_CHECK(c->t1_us <= c->t2_us && c->t2_us <= c->expire_us);
		FUZZ_CHECK(c->lease.server != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_client c;
	static struct dhcp_out out;
	static uint8_t buf[2048];
	uint64_t now = 1000ull * 1000000ull;
	uint8_t last_flags = 0;
	size_t i = 0;

	dhcp_client_init(&c, mac, true, 42, now);
	dhcp_client_poll(&c, now, &out);
	check_out(&out);
	while (i + 3 <= size) {
		uint8_t flags = data[i];
		size_t len = (size_t)data[i + 1] | (size_t)data[i + 2] << 8;

		i += 3;
		if (len > size - i)
			len = size - i;
		if (len > sizeof(buf))
			len = sizeof(buf);
		memcpy(buf, data + i, len);
		i += len;
		if ((flags & 1) && len >= 8) {
			buf[4] = (uint8_t)(c.xid >> 24);
			buf[5] = (uint8_t)(c.xid >> 16);
			buf[6] = (uint8_t)(c.xid >> 8);
			buf[7] = (uint8_t)c.xid;
		}
		if ((flags & 2) && len >= 34)
			memcpy(buf + 28, mac, 6);
		if (flags >> 4)
			now += 1ull << (2 * (flags >> 4));
		dhcp_client_poll(&c, now, &out);
		check_out(&out);
		dhcp_client_input(&c, buf, len, now, &out);
		check_out(&out);
		check_client(&c);
		last_flags = flags;
	}
	if (last_flags & 4)
		dhcp_client_decline(&c, now, &out);
	else
		dhcp_client_release(&c, &out);
	check_out(&out);
	FUZZ_CHECK(!c.have_lease);
	return 0;
}
