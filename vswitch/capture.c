/*
 * Packet capture at switch ports (include/vmknet/capture.h).
 *
 * A capture is a filter, a direction and a bounded ring of copies. Workers
 * fill the ring from the data path (capture_frames: copy from the packet pool,
 * timestamp, enqueue; a full ring counts a drop and never blocks); one
 * consumer drains it (vmk_capture_read, or vmk_capture_write_file, which
 * writes pcap through libpcap or pcapng by hand). Attaching and detaching
 * publish the port's capture pointer under the datapath lock (dp->lock); detaching waits a
 * grace period before the ring is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include <vmknet/capture.h>

#include "common/error.h"
#include "vswitch/dp.h"
#include "common/log.h"
#include "vswitch/capture.h"
#include "vswitch/vswitch.h"

#define CAPTURE_RING_DEFAULT 4096
#define CAPTURE_SNAP         9216

struct vmk_capture {
	struct vmk_vswitch *vs;
	uint32_t port_id;
	uint8_t dir;
	struct vmk_capture_filter f;
	struct rte_ring *ring;          /* of mbuf copies; dir in the mbuf's port field */
	struct rte_mempool *pool;
	int ts_offset;                  /* the rx timestamp dynamic field */
	uint64_t captured, dropped;     /* written by workers, atomically */
	uint64_t tsc0, ns0;             /* TSC and wall clock at start */
	bool attached;
};

void vmk_capture_filter_init(struct vmk_capture_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->proto = -1;
	f->port = -1;
	f->vlan = -1;
	f->ethtype = -1;
	f->srcport = -1;
	f->dstport = -1;
}

/* Whether f looks past the Ethernet header (at IPv4 and its ports). */
static bool filter_l3(const struct vmk_capture_filter *f)
{
	return f->has_ip || f->has_srcip || f->has_dstip || f->proto >= 0 || f->port >= 0 ||
	       f->srcport >= 0 || f->dstport >= 0;
}

static bool filter_match(const struct vmk_capture_filter *f, const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, off = 12;
	int vlan = 0;
	uint16_t et;

	if (len < 14)
		return !f->has_mac && !f->has_srcmac && !f->has_dstmac && !filter_l3(f) &&
		       f->vlan < 0 && f->ethtype < 0;
	if (f->has_mac && memcmp(p, f->mac, 6) != 0 && memcmp(p + 6, f->mac, 6) != 0)
		return false;
	if ((f->has_dstmac && memcmp(p, f->dstmac, 6) != 0) ||
	    (f->has_srcmac && memcmp(p + 6, f->srcmac, 6) != 0))
		return false;
	et = (uint16_t)(p[off] << 8 | p[off + 1]);
	if (et == RTE_ETHER_TYPE_VLAN && len >= 18) {
		vlan = ((p[14] & 0x0f) << 8) | p[15];
		off += 4;
		et = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	off += 2;
	if ((f->vlan >= 0 && f->vlan != vlan) || (f->ethtype >= 0 && f->ethtype != et))
		return false;
	if (!filter_l3(f))
		return true;
	if (et != RTE_ETHER_TYPE_IPV4 || len < off + 20)
		return false;
	const uint8_t *ip = p + off;
	uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;

	if (f->has_ip && memcmp(ip + 12, &f->ip, 4) != 0 && memcmp(ip + 16, &f->ip, 4) != 0)
		return false;
	if ((f->has_srcip && memcmp(ip + 12, &f->srcip, 4) != 0) ||
	    (f->has_dstip && memcmp(ip + 16, &f->dstip, 4) != 0))
		return false;
	if (f->proto >= 0 && ip[9] != f->proto)
		return false;
	if (f->port >= 0 || f->srcport >= 0 || f->dstport >= 0) {
		if ((ip[9] != IPPROTO_TCP && ip[9] != IPPROTO_UDP) || len < off + ihl + 4)
			return false;
		const uint8_t *l4 = ip + ihl;
		int sp = l4[0] << 8 | l4[1], dp = l4[2] << 8 | l4[3];

		if ((f->port >= 0 && sp != f->port && dp != f->port) ||
		    (f->srcport >= 0 && sp != f->srcport) || (f->dstport >= 0 && dp != f->dstport))
			return false;
	}
	return true;
}

void capture_frames(struct vmk_capture *c, struct rte_mbuf *const *pkts, uint16_t n,
		    uint8_t dir, uint64_t tsc)
{
#ifndef VMK_MUTANT_PCAP_CAPTURE   /* mutant: pcap capture: a one-direction capture records both */
	if (!(c->dir & dir))
		return;
#endif
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *cp;

		if (!filter_match(&c->f, pkts[i]))
			continue;
		cp = rte_pktmbuf_copy(pkts[i], c->pool, 0, CAPTURE_SNAP);
		if (cp == NULL) {
			__atomic_fetch_add(&c->dropped, 1, __ATOMIC_RELAXED);
			continue;
		}
		cp->port = dir;
		if (c->ts_offset >= 0)
			*RTE_MBUF_DYNFIELD(cp, c->ts_offset, uint64_t *) = tsc;
		if (rte_ring_mp_enqueue(c->ring, cp) != 0) {
			rte_pktmbuf_free(cp);
			__atomic_fetch_add(&c->dropped, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&c->captured, 1, __ATOMIC_RELAXED);
	}
}

int vmk_capture_start(struct vmk_vswitch *vs, uint32_t port_id, enum vmk_capture_dir dir,
		      const struct vmk_capture_filter *f, unsigned int ring_size,
		      struct vmk_capture **out)
{
	static uint32_t seq;
	struct vmk_capture *c;
	struct vs_port *p;
	char name[RTE_RING_NAMESIZE];
	struct timespec ts;
	int ret = 0;

	vmk_err_clear();
	if (vs == NULL || out == NULL)
		return vmk_err(-EINVAL, "capture: no vSwitch or no place for the capture");
	if (dir < VMK_CAPTURE_IN || dir > VMK_CAPTURE_BOTH)
		return vmk_err(-EINVAL, "capture: unknown direction %d", (int)dir);
	if (ring_size == 0)
		ring_size = CAPTURE_RING_DEFAULT;
	if (ring_size < 64 || ring_size > 65536 || (ring_size & (ring_size - 1)))
		return vmk_err(-EINVAL, "capture: ring size %u is not a power of two in 64..65536",
			       ring_size);
	c = rte_zmalloc("vmk_capture", sizeof(*c), RTE_CACHE_LINE_SIZE);
	if (c == NULL)
		return vmk_err(-ENOMEM, "capture: out of memory");
	snprintf(name, sizeof(name), "vmk_cap_%u", __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	/* count = ring_size - 1 usable slots; exact size is not needed. */
	c->ring = rte_ring_create(name, ring_size, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (c->ring == NULL) {
		rte_free(c);
		return vmk_err(-ENOMEM, "capture: no ring of %u packets", ring_size);
	}
	c->vs = vs;
	c->port_id = port_id;
	c->dir = (uint8_t)dir;
	if (f != NULL)
		c->f = *f;
	else
		vmk_capture_filter_init(&c->f);
	c->pool = vs->dp->pool;
	c->ts_offset = rte_mbuf_dyn_rx_timestamp_register(&c->ts_offset, NULL) == 0 ?
		       c->ts_offset : -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->tsc0 = rte_rdtsc();
	c->ns0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;

	vmk_mutex_lock(&vs->dp->lock);
	p = vs_port_get(vs, port_id);
	if (p == NULL)
		ret = vmk_err(-ENOENT, "capture: vSwitch %s has no port %u", vs->name, port_id);
	else if (p->capture != NULL)
		ret = vmk_err(-EBUSY, "capture: port %s is already captured", p->name);
	else
		__atomic_store_n(&p->capture, c, __ATOMIC_RELEASE);
	c->attached = ret == 0;
	vmk_mutex_unlock(&vs->dp->lock);
	if (ret < 0) {
		rte_ring_free(c->ring);
		rte_free(c);
		return ret;
	}
	VMK_LOG(INFO, port, "%s: capture started on port %u", vs->name, port_id);
	*out = c;
	return 0;
}

unsigned int vmk_capture_read(struct vmk_capture *c, struct rte_mbuf **pkts, uint8_t *dirs,
			      unsigned int n)
{
	unsigned int k;

	if (c == NULL || pkts == NULL)
		return 0;
	k = rte_ring_sc_dequeue_burst(c->ring, (void **)pkts, n, NULL);
	for (unsigned int i = 0; i < k; i++) {
		if (dirs != NULL)
			dirs[i] = (uint8_t)pkts[i]->port;
		pkts[i]->port = RTE_MBUF_PORT_INVALID;
	}
	return k;
}

void vmk_capture_stats(const struct vmk_capture *c, uint64_t *captured, uint64_t *dropped)
{
	if (captured != NULL)
		*captured = c != NULL ? __atomic_load_n(&c->captured, __ATOMIC_RELAXED) : 0;
	if (dropped != NULL)
		*dropped = c != NULL ? __atomic_load_n(&c->dropped, __ATOMIC_RELAXED) : 0;
}

/* Wall-clock nanoseconds of a capture timestamp. */
static uint64_t capture_time_ns(const struct vmk_capture *c, const struct rte_mbuf *m)
{
	uint64_t tsc = c->ts_offset >= 0 ? *RTE_MBUF_DYNFIELD(m, c->ts_offset, uint64_t *) :
					    c->tsc0;
	uint64_t dt = tsc - c->tsc0;

	return c->ns0 + dt / rte_get_tsc_hz() * 1000000000ull +
	       dt % rte_get_tsc_hz() * 1000000000ull / rte_get_tsc_hz();
}

/* pcapng by hand: a section header, one Ethernet interface, and an
 * enhanced packet block per frame with its direction (epb_flags). */
static int png_write(int fd, const void *b, size_t n)
{
	return write(fd, b, n) == (ssize_t)n ? 0 : -EIO;
}

static int png_header(int fd)
{
	const uint32_t shb[7] = { 0x0a0d0d0a, 28, 0x1a2b3c4d, 0x00000001, 0xffffffff,
				  0xffffffff, 28 };
	const uint32_t idb[5] = { 1, 20, 1 /* linktype Ethernet */, CAPTURE_SNAP, 20 };

	return png_write(fd, shb, sizeof(shb)) ?: png_write(fd, idb, sizeof(idb));
}

static int png_packet(int fd, const uint8_t *data, uint32_t len, uint64_t ns, uint8_t dir)
{
	uint32_t padded = (len + 3) & ~3u;
	uint32_t total = 28 + padded + 12 + 4;   /* header, data, epb_flags, opt_end */
	uint64_t us = ns / 1000;
	uint32_t hdr[7] = { 6, total, 0, (uint32_t)(us >> 32), (uint32_t)us, len, len };
	uint32_t opts[4] = { 2 | (4u << 16) /* epb_flags, 4 bytes */,
			     dir == VMK_CAPTURE_IN ? 1u : 2u, 0, total };
	static const uint8_t pad[4];

	return png_write(fd, hdr, sizeof(hdr)) ?: png_write(fd, data, len) ?:
	       png_write(fd, pad, padded - len) ?: png_write(fd, opts, sizeof(opts));
}

long vmk_capture_write_file(struct vmk_capture *c, const char *path, bool pcapng,
			    uint64_t max_frames, uint32_t timeout_ms, const volatile bool *stop)
{
	uint8_t buf[CAPTURE_SNAP];      /* per call: two captures may write at once */
	pcap_t *dead = NULL;
	pcap_dumper_t *dump = NULL;
	uint64_t start = rte_get_tsc_cycles(), written = 0;
	int fd = -1, ret = 0;

	vmk_err_clear();
	if (c == NULL || path == NULL)
		return vmk_err(-EINVAL, "capture: no capture or no file name");
	if (pcapng) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || png_header(fd) < 0)
			ret = vmk_err(-EIO, "capture: cannot write %s: %s", path, strerror(errno));
	} else {
		dead = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAP);
		dump = dead != NULL ? pcap_dump_open(dead, path) : NULL;
		if (dump == NULL)
			ret = vmk_err(-EIO, "capture: cannot write %s: %s", path,
				      dead != NULL ? pcap_geterr(dead) : "out of memory");
	}
	while (ret == 0 && (max_frames == 0 || written < max_frames) &&
	       (stop == NULL || !*stop) &&
	       (timeout_ms == 0 ||
		(rte_get_tsc_cycles() - start) * 1000 / rte_get_tsc_hz() < timeout_ms)) {
		struct rte_mbuf *m[32];
		uint8_t dirs[32];
		unsigned int n = vmk_capture_read(c, m, dirs, 32);

		if (n == 0) {
			struct timespec t = { 0, 1000000 };

			nanosleep(&t, NULL);
			continue;
		}
		for (unsigned int i = 0; i < n; i++) {
			uint32_t len = RTE_MIN(m[i]->pkt_len, (uint32_t)CAPTURE_SNAP);
			const uint8_t *d = rte_pktmbuf_read(m[i], 0, len, buf);
			uint64_t ns = capture_time_ns(c, m[i]);

			if (ret == 0 && d != NULL && (max_frames == 0 || written < max_frames)) {
				if (pcapng) {
					ret = png_packet(fd, d, len, ns, dirs[i]);
				} else {
					struct pcap_pkthdr h = { .caplen = len, .len = m[i]->pkt_len };

					h.ts.tv_sec = (time_t)(ns / 1000000000ull);
					h.ts.tv_usec = (suseconds_t)(ns % 1000000000ull / 1000);
					pcap_dump((u_char *)dump, &h, d);
				}
				written += ret == 0;
			}
			rte_pktmbuf_free(m[i]);
		}
	}
	if (ret < 0 && vmk_err_text()[0] == '\0')
		vmk_err_set("capture: cannot write %s: %s", path, strerror(-ret));
	if (dump != NULL && pcap_dump_flush(dump) != 0)
		ret = vmk_err(-EIO, "capture: cannot write %s", path);
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);
	if (fd >= 0 && close(fd) != 0)
		ret = vmk_err(-EIO, "capture: cannot write %s: %s", path, strerror(errno));
	return ret < 0 ? ret : (long)written;
}

void vmk_capture_stop(struct vmk_capture *c)
{
	struct rte_mbuf *m[64];
	unsigned int n;

	if (c == NULL)
		return;
	if (c->attached) {
		struct vmk_vswitch *vs = c->vs;
		struct vs_port *p;

		vmk_mutex_lock(&vs->dp->lock);
		p = vs_port_get(vs, c->port_id);
		if (p != NULL && p->capture == c)
			__atomic_store_n(&p->capture, NULL, __ATOMIC_RELEASE);
		dp_rcu_synchronize(vs->dp);
		vmk_mutex_unlock(&vs->dp->lock);
	}
	while ((n = rte_ring_dequeue_burst(c->ring, (void **)m, 64, NULL)) > 0)
		for (unsigned int i = 0; i < n; i++)
			rte_pktmbuf_free(m[i]);
	rte_ring_free(c->ring);
	rte_free(c);
}
