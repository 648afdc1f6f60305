/*
 * The guest port kind: a VM's virtio-net device over a vhost-user socket.
 *
 * DPDK's vhost library (rte_vhost) speaks the protocol: the socket in client
 * mode (the default: it reconnects whenever the VM side listens again) or
 * server mode, features, memory table, ring addresses, multiqueue. The data
 * path is ours (vswitch/vring.c): bursts go straight between the guest's
 * split rings and the switch's mbufs, with none of the vhost PMD's per-frame
 * statistics and none of rte_vhost's generic per-burst checks (docs/
 * ARCHITECTURE.md, "Guest ports").
 *
 * State. Each vring has a `live` flag: the device is running
 * (new_device .. destroy_device), the guest enabled the vring and no
 * vhost-user message is being handled. The data path reads it once per
 * burst and takes no lock: to stop vrings the control side clears their
 * flags and waits for every worker to pass a quiescent state (the datapath's
 * QSBR: a worker reports one between bursts, never inside one), after which
 * no burst is inside them. Every message but a few queries stops the
 * device's vrings before rte_vhost handles it (it may unmap memory, move
 * rings or swap eventfds) and re-reads everything after. The ring indexes
 * are handed back to rte_vhost whenever the rings stop, so GET_VRING_BASE
 * (a VM stopping, migrating or a switch restart) reports where the data
 * path really is.
 *
 * Transmit: each worker is given one of the guest's enabled rx queues
 * (recomputed, with the rings stopped, whenever the enabled set changes); a
 * queue given to more than one worker is taken under its spinlock. Locked
 * instructions are kept off the unshared path on purpose: each one waits
 * for the burst's stores into guest memory to drain. Guest ports take
 * frames from workers only; the control thread's transmit slot is refused
 * (nothing sends to a guest from it: a vmknic's announcements cross the
 * switch by a worker).
 *
 * Threading: rx_burst by the worker polling the queue, tx_burst by any
 * worker; the callbacks run on rte_vhost's threads under `reg_lock`;
 * init/fini on the control thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_net.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>
#include <rte_vhost.h>

#include "common/error.h"
#include "vswitch/dp.h"
#include "common/log.h"
#include "vswitch/link_monitor.h"
#include "vswitch/port.h"
#include "vswitch/vring.h"
#include "vswitch/vswitch.h"

#define VHOST_MAX_QP     16
#define VHOST_PATH_MAX   108     /* sun_path */
/* A guest that took nothing in this many tries is left behind for now. */
#define VHOST_TX_TRIES   4
/* Longest frame taken from a guest (MTU 9000 with VLAN tags, some spare);
 * the switch applies the vSwitch MTU itself. */
#define VHOST_MAX_FRAME  (16u * 1024u)

/* Offered to no guest: offloads (frames are finished in software before
 * they reach a guest port, vswitch/offload.c) and the packed ring. */
#define VHOST_FEATURES_OFF                                                        \
	((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |         \
	 (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |     \
	 (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |   \
	 (1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_ECN) |      \
	 (1ULL << VIRTIO_NET_F_HOST_UFO) | (1ULL << VIRTIO_NET_F_GUEST_UFO) |      \
	 (1ULL << VIRTIO_F_RING_PACKED))

/* vhost-user requests this file looks at (the protocol's numbers). */
enum {
	VU_GET_FEATURES = 1,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_GET_QUEUE_NUM = 17,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_GET_CONFIG = 24,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
};

/* The head of a vhost-user message as rte_vhost hands it to extern ops. */
struct vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	uint64_t u64;
} __rte_packed;

struct vhost_q {
	uint8_t live;
	bool shared;                    /* tx: more than one worker writes it */
	rte_spinlock_t lock;            /* tx, when shared */
	struct vqueue vr;
} __rte_cache_aligned;

struct vhost_dev {
	struct vhost_dev *next;         /* registry */
	struct vs_port *p;
	struct vs_dp *dp;
	unsigned int n_workers;
	struct rte_mempool *pool;
	char path[VHOST_PATH_MAX];
	uint16_t nq;                    /* queue pairs configured */
	int vid;                        /* -1: no connection */
	bool running;
	bool paused;
	bool enabled[2 * VHOST_MAX_QP];
	uint8_t rarp_pending;           /* SEND_RARP seen: announce rarp_mac */
	uint8_t rarp_mac[6];
	uint64_t announces;             /* SEND_RARPs announced (qid 0's worker) */
	struct vring_mem mem;
	uint8_t tx_ready;               /* txq_of and shared are current */
	uint16_t txq_of[VMK_MAX_WORKERS + 1];
	struct vhost_q rx[VHOST_MAX_QP];   /* guest tx vrings (2q + 1) */
	struct vhost_q tx[VHOST_MAX_QP];   /* guest rx vrings (2q) */
};

static struct vmk_mutex reg_lock = VMK_MUTEX_INITIALIZER;
static struct vhost_dev *reg_head VMK_GUARDED_BY(reg_lock);
static struct vhost_dev *reg_vid[RTE_MAX_VHOST_DEVICE] VMK_GUARDED_BY(reg_lock);

static struct vhost_dev *dev_by_path(const char *path) VMK_REQUIRES(reg_lock)
{
	for (struct vhost_dev *d = reg_head; d != NULL; d = d->next)
		if (strcmp(d->path, path) == 0)
			return d;
	return NULL;
}

static struct vhost_dev *dev_by_vid(int vid) VMK_REQUIRES(reg_lock)
{
	return vid >= 0 && vid < RTE_MAX_VHOST_DEVICE ? reg_vid[vid] : NULL;
}

static struct vhost_q *vring_q(struct vhost_dev *d, unsigned int idx)
{
	return idx % 2 ? &d->rx[idx / 2] : &d->tx[idx / 2];
}

/* Every vring stopped: when this returns, no burst is inside one. */
static void dev_quiesce(struct vhost_dev *d)
{
	__atomic_store_n(&d->tx_ready, 0, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 2u * d->nq; i++)
		__atomic_store_n(&vring_q(d, i)->live, 0, __ATOMIC_RELEASE);
	dp_rcu_synchronize(d->dp);
}

/* Stop every vring and give rte_vhost their indexes. */
static void dev_stop_rings(struct vhost_dev *d)
{
	dev_quiesce(d);
	for (unsigned int i = 0; i < 2u * d->nq; i++) {
		const struct vhost_q *q = vring_q(d, i);

		if (d->running && q->vr.desc != NULL)
			rte_vhost_set_vring_base(d->vid, (uint16_t)i, q->vr.last_avail,
						 q->vr.last_used);
	}
}

/* Every vring live that should be, each worker given a live guest rx
 * queue (rings stopped meanwhile). */
static void dev_apply(struct vhost_dev *d)
{
	bool live[2 * VHOST_MAX_QP];
	uint16_t en[VHOST_MAX_QP], n_en = 0;

	dev_quiesce(d);
	for (unsigned int i = 0; i < 2u * d->nq; i++) {
		const struct vhost_q *q = vring_q(d, i);

		live[i] = d->running && !d->paused && d->enabled[i] && q->vr.desc != NULL &&
			  !q->vr.broken;
		if (i % 2 == 0 && live[i])
			en[n_en++] = (uint16_t)(i / 2);
	}
	for (unsigned int q = 0; q < d->nq; q++)
		d->tx[q].shared = false;
	for (unsigned int w = 0; w < d->n_workers; w++) {
		uint16_t q = n_en > 0 ? en[w % n_en] : 0;

		d->txq_of[w] = q;
		if (w >= n_en && n_en > 0)
			d->tx[q].shared = true;      /* a second worker on it */
	}
	for (unsigned int i = 0; i < 2u * d->nq; i++)
		__atomic_store_n(&vring_q(d, i)->live, live[i], __ATOMIC_RELEASE);
	__atomic_store_n(&d->tx_ready, 1, __ATOMIC_RELEASE);
}

/* Read the device as rte_vhost now has it (rings stopped). */
static void dev_refresh(struct vhost_dev *d)
{
	struct rte_vhost_memory *mem = NULL;
	uint64_t features = 0;
	uint16_t hdr_len;

	rte_vhost_get_negotiated_features(d->vid, &features);
	hdr_len = features & ((1ULL << VIRTIO_NET_F_MRG_RXBUF) | (1ULL << VIRTIO_F_VERSION_1)) ?
		12 : 10;
	d->mem.n = 0;
	if (rte_vhost_get_mem_table(d->vid, &mem) == 0) {
		if (mem->nregions <= VRING_MAX_REGIONS) {
			for (uint32_t i = 0; i < mem->nregions; i++) {
				d->mem.r[i].gpa = mem->regions[i].guest_phys_addr;
				d->mem.r[i].size = mem->regions[i].size;
				d->mem.r[i].hva = mem->regions[i].host_user_addr;
			}
			d->mem.n = mem->nregions;
		} else {
			VMK_LOG(ERR, port, "port \"%s\": guest memory in %u regions, at most %u "
				"served", d->p->name, mem->nregions, VRING_MAX_REGIONS);
		}
		free(mem);
	}
	for (unsigned int i = 0; i < 2u * d->nq; i++) {
		struct vqueue *vr = &vring_q(d, i)->vr;
		struct rte_vhost_vring r;
		uint16_t la = 0, lu = 0;

		vr->desc = NULL;
		if (d->mem.n == 0 || rte_vhost_get_vhost_vring(d->vid, (uint16_t)i, &r) != 0 ||
		    r.desc == NULL || r.avail == NULL || r.used == NULL || r.size == 0 ||
		    (r.size & (r.size - 1)) != 0 ||
		    rte_vhost_get_vring_base(d->vid, (uint16_t)i, &la, &lu) != 0)
			continue;
		vr->desc = r.desc;
		vr->avail = r.avail;
		vr->used = r.used;
		vr->size = r.size;
		vr->callfd = r.callfd;
		vr->last_avail = la;
		vr->last_used = lu;
		vr->mem = &d->mem;
		vr->hdr_len = hdr_len;
		vr->mrg_rxbuf = features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
		vr->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
		vr->log = RTE_VHOST_NEED_LOG(features);
		vr->vid = d->vid;
		vr->vring_idx = (uint16_t)i;
		vr->max_frame = VHOST_MAX_FRAME;
		vr->broken = false;
	}
}

/* ---- rte_vhost callbacks (reg_lock held throughout) ---- */

static enum rte_vhost_msg_result vhost_pre_msg(int vid, void *msg) VMK_REQUIRES(!&reg_lock)
{
	struct vu_msg *m = msg;
	struct vhost_dev *d;
	enum rte_vhost_msg_result res = RTE_VHOST_MSG_RESULT_NOT_HANDLED;

	vmk_mutex_lock(&reg_lock);
	d = dev_by_vid(vid);
	if (d == NULL)
		goto out;
	switch (m->request) {
	case VU_GET_QUEUE_NUM:          /* no more queue pairs than served */
		m->u64 = d->nq;
		m->size = sizeof(m->u64);
		res = RTE_VHOST_MSG_RESULT_REPLY;
		break;
	case VU_SEND_RARP:              /* the VM moved here: announce it */
		memcpy(d->rarp_mac, &m->u64, sizeof(d->rarp_mac));
		__atomic_store_n(&d->rarp_pending, 1, __ATOMIC_RELEASE);
		break;
	case VU_GET_FEATURES:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_NET_SET_MTU:
	case VU_GET_CONFIG:
	case VU_SET_STATUS:
	case VU_GET_STATUS:
		break;
	default:
		if (d->running)
			dev_stop_rings(d);
		d->paused = true;
		break;
	}
out:
	vmk_mutex_unlock(&reg_lock);
	return res;
}

static enum rte_vhost_msg_result vhost_post_msg(int vid, void *msg) VMK_REQUIRES(!&reg_lock)
{
	struct vhost_dev *d;

	(void)msg;
	vmk_mutex_lock(&reg_lock);
	d = dev_by_vid(vid);
	if (d != NULL && d->paused) {
		d->paused = false;
		if (d->running)
			dev_refresh(d);
		dev_apply(d);
	}
	vmk_mutex_unlock(&reg_lock);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

/* The port's connection is gone (or replaced): nothing served, its vid
 * forgotten. reg_lock held. */
static void dev_detach(struct vhost_dev *d) VMK_REQUIRES(reg_lock)
{
	d->running = false;
	dev_apply(d);
	reg_vid[d->vid] = NULL;
	d->vid = -1;
}

static const struct rte_vhost_user_extern_ops vhost_extern_ops = {
	.pre_msg_handle = vhost_pre_msg,
	.post_msg_handle = vhost_post_msg,
};

static int vhost_new_connection(int vid) VMK_REQUIRES(!&reg_lock)
{
	char path[VHOST_PATH_MAX];
	struct vhost_dev *d;
	int ret = -1;

	if (vid < 0 || vid >= RTE_MAX_VHOST_DEVICE ||
	    rte_vhost_get_ifname(vid, path, sizeof(path)) != 0)
		return -1;
	vmk_mutex_lock(&reg_lock);
	d = dev_by_path(path);
	if (d != NULL && d->vid >= 0) {
		/* A guest that reconnects at once can be accepted before its old
		 * connection's close is handled: the newest connection owns the
		 * port (the old one's callbacks find nothing from now on). */
		VMK_LOG(NOTICE, port, "port \"%s\": a new connection on %s replaces the "
			"previous one", d->p->name, path);
		dev_detach(d);
	}
	if (d != NULL) {
		d->vid = vid;
		d->running = false;
		d->paused = false;
		memset(d->enabled, 0, sizeof(d->enabled));
		reg_vid[vid] = d;
		ret = rte_vhost_extern_callback_register(vid, &vhost_extern_ops, d);
		if (ret != 0) {
			reg_vid[vid] = NULL;
			d->vid = -1;
		}
	}
	vmk_mutex_unlock(&reg_lock);
	if (ret == 0)
		VMK_LOG(INFO, port, "port \"%s\": guest connected on %s", d->p->name, path);
	return ret;
}

static void vhost_destroy_connection(int vid) VMK_REQUIRES(!&reg_lock)
{
	struct vhost_dev *d;

	vmk_mutex_lock(&reg_lock);
	d = dev_by_vid(vid);
	if (d != NULL) {
		dev_detach(d);
		VMK_LOG(INFO, port, "port \"%s\": guest disconnected", d->p->name);
	}
	vmk_mutex_unlock(&reg_lock);
}

static int vhost_new_device(int vid) VMK_REQUIRES(!&reg_lock)
{
	struct vhost_dev *d;
	uint64_t features = 0;

	vmk_mutex_lock(&reg_lock);
	d = dev_by_vid(vid);
	if (d == NULL) {
		vmk_mutex_unlock(&reg_lock);
		return -1;
	}
	dev_refresh(d);
	for (unsigned int i = 0; i < 2u * d->nq; i++)
		rte_vhost_enable_guest_notification(vid, (uint16_t)i, 0);   /* we poll */
	d->running = true;
	d->paused = false;
	dev_apply(d);
	rte_vhost_get_negotiated_features(vid, &features);
	VMK_LOG(INFO, port, "port \"%s\": guest up (%s%s, %u memory regions)", d->p->name,
		features & (1ULL << VIRTIO_NET_F_MRG_RXBUF) ? "mergeable rx buffers" : "single rx buffers",
		features & (1ULL << VIRTIO_RING_F_EVENT_IDX) ? ", event index" : "", d->mem.n);
	vmk_mutex_unlock(&reg_lock);
	return 0;
}

static void vhost_destroy_device(int vid) VMK_REQUIRES(!&reg_lock)
{
	struct vhost_dev *d;

	vmk_mutex_lock(&reg_lock);
	d = dev_by_vid(vid);
	if (d != NULL && d->running) {
		dev_stop_rings(d);
		d->running = false;
		dev_apply(d);
		VMK_LOG(INFO, port, "port \"%s\": guest down", d->p->name);
	}
	vmk_mutex_unlock(&reg_lock);
}

static int vhost_vring_state_changed(int vid, uint16_t idx, int enable) VMK_REQUIRES(!&reg_lock)
{
	struct vhost_dev *d;

	vmk_mutex_lock(&reg_lock);
	d = dev_by_vid(vid);
	if (d != NULL && idx < 2u * d->nq) {
		d->enabled[idx] = enable != 0;
		dev_apply(d);
	}
	vmk_mutex_unlock(&reg_lock);
	return 0;
}

static const struct rte_vhost_device_ops vhost_dev_ops = {
	.new_device = vhost_new_device,
	.destroy_device = vhost_destroy_device,
	.vring_state_changed = vhost_vring_state_changed,
	.new_connection = vhost_new_connection,
	.destroy_connection = vhost_destroy_connection,
};

/* ---- port ops ---- */

static int vhost_init(struct vs_port *p, const struct vmk_port_params *params)
	VMK_REQUIRES(!&reg_lock)
{
	struct vs_dp *dp = p->vs->dp;
	uint16_t nq = params->n_rxq ? params->n_rxq : 1;
	struct vhost_dev *d;
	uint64_t flags = params->vhost_server ? 0 : RTE_VHOST_USER_CLIENT;
	int ret;

	if (params->vhost_path == NULL || params->vhost_path[0] == '\0' ||
	    strlen(params->vhost_path) >= VHOST_PATH_MAX || nq > VHOST_MAX_QP)
		return vmk_err(-EINVAL, "vhost-user: socket path must be 1..%d bytes and queue "
			       "pairs at most %d", VHOST_PATH_MAX - 1, VHOST_MAX_QP);
	d = rte_zmalloc("vmk_vhost", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (d == NULL)
		return vmk_err(-ENOMEM, "vhost-user: out of memory");
	d->p = p;
	d->dp = dp;
	d->n_workers = RTE_MIN(dp->max_workers, (unsigned int)VMK_MAX_WORKERS);
	d->pool = dp->pool;
	d->nq = nq;
	d->vid = -1;
	snprintf(d->path, sizeof(d->path), "%s", params->vhost_path);
	for (unsigned int q = 0; q < VHOST_MAX_QP; q++)
		rte_spinlock_init(&d->tx[q].lock);

	vmk_mutex_lock(&reg_lock);
	if (dev_by_path(d->path) != NULL) {
		vmk_mutex_unlock(&reg_lock);
		rte_free(d);
		return vmk_err(-EEXIST, "vhost-user socket %s is used by another port",
			       params->vhost_path);
	}
	d->next = reg_head;
	reg_head = d;
	vmk_mutex_unlock(&reg_lock);

	ret = rte_vhost_driver_register(d->path, flags);
	if (ret != 0) {
		ret = vmk_err(-EIO, "vhost-user: cannot register socket %s", d->path);
		goto unlist;
	}
	if (rte_vhost_driver_disable_features(d->path, VHOST_FEATURES_OFF) != 0 ||
	    rte_vhost_driver_callback_register(d->path, &vhost_dev_ops) != 0) {
		ret = vmk_err(-EIO, "vhost-user: cannot set up socket %s", d->path);
		goto unregister;
	}
	p->priv = d;
	p->n_rxq = nq;
	if (rte_vhost_driver_start(d->path) != 0) {
		ret = vmk_err(-EIO, "vhost-user: cannot %s socket %s",
			      params->vhost_server ? "listen on" : "connect to", d->path);
		goto unregister;
	}
	VMK_LOG(INFO, port, "port \"%s\": vhost-user %s %s, %u queue pairs", p->name,
		params->vhost_server ? "server" : "client", d->path, nq);
	return 0;

unregister:
	rte_vhost_driver_unregister(d->path);
unlist:
	VMK_LOG(ERR, port, "port \"%s\": vhost-user socket %s cannot be set up", p->name,
		d->path);
	vmk_mutex_lock(&reg_lock);
	for (struct vhost_dev **pp = &reg_head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	vmk_mutex_unlock(&reg_lock);
	p->priv = NULL;
	rte_free(d);
	return ret;
}

static void vhost_fini(struct vs_port *p) VMK_REQUIRES(!&reg_lock)
{
	struct vhost_dev *d = p->priv;

	if (d == NULL)
		return;
	/* Closes the connection: destroy_device and destroy_connection run
	 * (here or on rte_vhost's thread) before this returns. */
	rte_vhost_driver_unregister(d->path);
	vmk_mutex_lock(&reg_lock);
	for (struct vhost_dev **pp = &reg_head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	if (d->vid >= 0 && reg_vid[d->vid] == d)
		reg_vid[d->vid] = NULL;
	vmk_mutex_unlock(&reg_lock);
	rte_free(d);
	p->priv = NULL;
}

static uint16_t vhost_rx(struct vs_port *p, uint16_t qid, struct rte_mbuf **pkts, uint16_t n)
{
	struct vhost_dev *d = p->priv;
	struct vhost_q *q = &d->rx[qid];

	if (unlikely(qid == 0 && __atomic_load_n(&d->rarp_pending, __ATOMIC_RELAXED)) &&
	    __atomic_exchange_n(&d->rarp_pending, 0, __ATOMIC_ACQUIRE)) {
		pkts[0] = rarp_build(d->pool, d->rarp_mac, 0);
		if (pkts[0] != NULL) {
			__atomic_store_n(&d->announces, d->announces + 1, __ATOMIC_RELAXED);
			return 1;
		}
		q->vr.st.no_mbuf++;              /* the announcement is lost */
	}
	if (!__atomic_load_n(&q->live, __ATOMIC_ACQUIRE))
		return 0;
	return vring_dequeue(&q->vr, d->pool, pkts, n);
}

static uint16_t vhost_tx(struct vs_port *p, unsigned int worker, struct rte_mbuf **pkts,
			 uint16_t n)
{
	struct vhost_dev *d = p->priv;
	struct vhost_q *q;
	uint16_t sent = 0;

	if (unlikely(worker >= d->n_workers))
		return 0;                        /* the control thread's slot */
	if (!__atomic_load_n(&d->tx_ready, __ATOMIC_ACQUIRE))
		return 0;                        /* (then the mapping is read) */
	q = &d->tx[d->txq_of[worker]];
	if (!__atomic_load_n(&q->live, __ATOMIC_ACQUIRE))
		return 0;
	if (unlikely(q->shared))
		rte_spinlock_lock(&q->lock);
	for (unsigned int t = 0; t < VHOST_TX_TRIES && sent < n; t++) {
		uint16_t k = vring_enqueue(&q->vr, pkts + sent, n - sent);

		if (k == 0 && t > 0)
			break;  /* nothing moved twice: the guest is not reading */
		sent = (uint16_t)(sent + k);
	}
	if (unlikely(q->shared))
		rte_spinlock_unlock(&q->lock);
	return sent;
}

static void vhost_get_info(struct vs_port *p, struct vmk_port_info *info)
{
	struct vhost_dev *d = p->priv;

	if (p->has_mac)
		memcpy(info->mac, p->mac, sizeof(info->mac));
	info->link_up = __atomic_load_n(&d->running, __ATOMIC_RELAXED);
	info->link_speed_mbps = info->link_up ? 10000 : 0;
}

static void vhost_add_dev_stats(struct vs_port *p, struct vmk_port_stats *s)
{
	const struct vhost_dev *d = p->priv;

	s->announces += __atomic_load_n(&d->announces, __ATOMIC_RELAXED);
	for (unsigned int q = 0; q < d->nq; q++) {
		const struct vring_stats *r = &d->rx[q].vr.st, *t = &d->tx[q].vr.st;

		s->rx_drops[VMK_DROP_MALFORMED] += __atomic_load_n(&r->malformed, __ATOMIC_RELAXED);
		s->rx_drops[VMK_DROP_NO_MBUF] += __atomic_load_n(&r->no_mbuf, __ATOMIC_RELAXED);
		s->rx_drops[VMK_DROP_MTU] += __atomic_load_n(&r->too_big, __ATOMIC_RELAXED);
		s->tx_drops[VMK_DROP_MALFORMED] += __atomic_load_n(&t->malformed, __ATOMIC_RELAXED);
		s->tx_drops[VMK_DROP_MTU] += __atomic_load_n(&t->too_big, __ATOMIC_RELAXED);
	}
}

/* A guest port has no MTU of its own: frames up to the vSwitch's pass. */
static int vhost_set_mtu(struct vs_port *p, uint32_t mtu)
{
	(void)p;
	(void)mtu;
	return 0;
}

static bool vhost_link_get(struct vs_port *p)
{
	const struct vhost_dev *d = p->priv;

	return __atomic_load_n(&d->running, __ATOMIC_RELAXED);
}

const struct port_ops port_vhost_ops = {
	.kind_name = "vhost-user",
	.init = vhost_init,
	.fini = vhost_fini,
	.rx_burst = vhost_rx,
	.tx_burst = vhost_tx,
	.get_info = vhost_get_info,
	.add_dev_stats = vhost_add_dev_stats,
	.set_mtu = vhost_set_mtu,
	.link_get = vhost_link_get,
};
