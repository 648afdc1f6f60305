/*
 * vmknetd's shared state: the host it runs, the configuration that is
 * applied and saved, and the physical NICs (every ethdev EAL probed, named
 * vmnic0, vmnic1, ... in port order).
 *
 * Thread: the main lcore handles requests one at a time, under `lock`;
 * DPDK's telemetry thread reads the vSwitches under it too.
 */
#ifndef VMKNETD_H
#define VMKNETD_H

#include <pthread.h>
#include <stdint.h>

#include <rte_ethdev.h>

#include <vmknet/vmknet.h>

struct vmks_server;
struct vmotion;

struct daemon {
	pthread_mutex_t lock;       /* requests vs the DPDK telemetry thread */
	struct vmk_host *host;
	struct vmk_config *cfg;     /* what runs and what the file holds */
	struct vmks_server *sessions; /* programs attached (sockets/server.h) */
	struct vmotion *vmotion;    /* the vMotion transfer, NULL before the first */
	const char *config_path;
	uint16_t mbuf_size;         /* packet buffer data room (--mbuf-size) */
	unsigned int n_nics;
	struct vmk_config_nic nics[RTE_MAX_ETHPORTS];
};

/* The control-protocol handler (vmk_ctl_handler_fn); arg is the daemon. */
char *vmknetd_handle(const char *request, size_t len, void *arg);

/* Write the MACs the host generated for cfg's vmknics that had none into
 * cfg, and give guest ports without one a generated MAC (their ports are
 * added again with it), so a restart keeps them; cfg is what runs. Returns
 * how many it filled (ops.c). */
unsigned int vmknetd_fill_generated(struct daemon *d, struct vmk_config *cfg);

/* Stop a vMotion transfer still running (its thread joined) and free its
 * state; before the host is destroyed (ops_vmotion.c). */
void vmknetd_vmotion_stop(struct daemon *d);

/* Started captures (ops_capture.c), all on the main thread: stop those
 * nobody asked about for the lease time (call at least once a second);
 * stop those whose vSwitch next no longer has (before applying it); stop
 * every one (at exit). */
void vmknetd_capture_tick(struct daemon *d);
void vmknetd_capture_before_commit(struct daemon *d, const struct vmk_config *next);
void vmknetd_capture_stop_all(struct daemon *d);
/* On a fatal signal, write the signal, the lcore and a backtrace to
 * stderr, then die of it (crash.c). Call once, early, from main. */
void vmknetd_crash_report_install(void);
/* Register /vmknet/ports and /vmknet/port with DPDK telemetry (ops_port.c). */
void vmknetd_telemetry_register(struct daemon *d);

#endif
