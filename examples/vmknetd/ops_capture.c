/*
 * Packet capture for pktcap (pktcap-uw): the "capture.*" operations.
 *
 *   capture.start {"target": {"uplink": "vmnic0"} | {"switchport": 16777216} |
 *                            {"vmk": "vmk0"},
 *                  "dir": "in" | "out" | "both",          (default "in", as pktcap-uw)
 *                  "filters": {"mac", "srcmac", "dstmac": "00:00:5e:00:53:01",
 *                              "ip", "srcip", "dstip": "192.0.2.1", "proto": 6,
 *                              "port", "srcport", "dstport": 80, "vlan": 20,
 *                              "ethtype": 2048},           (all optional)
 *                  "count": 1..100000000, "timeout_ms": 1..86400000, (optional:
 *                  without either the capture runs until capture.stop)
 *                  "file": "/abs/path.pcap", "pcapng": false}
 *                 -> {"id": N}
 *   capture.get   {"id": N} -> {"id", "running", "captured", "dropped"}
 *   capture.stop  {"id": N} -> {"written", "captured", "dropped"}
 *   capture.run   the same arguments as start, count and/or timeout_ms (up to
 *                 60 s) required: start, wait, stop in one request (it blocks
 *                 the daemon's other requests while it runs; kept for scripts)
 *
 * A started capture writes its file on a thread of its own, so vmknetd
 * serves other requests meanwhile; up to CAPTURE_JOBS at once (one per
 * port). Its client holds a lease: a capture nobody asked about
 * (capture.get) for CAPTURE_LEASE_MS is stopped (a pktcap killed with
 * SIGKILL leaves no capture running), and so is one whose vSwitch a
 * change is about to remove (vmknetd_capture_before_commit).
 *
 * A switch port is named by vmktop's PORT-ID, (vSwitch index + 1) << 24 |
 * port id (ops_port.c).
 *
 * Thread: the main lcore under the daemon's lock; the job threads only
 * write files (the worker lcore copies the frames into the ring).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vmknet/capture.h>

#include "vmknetd/ops.h"

#define CAPTURE_RUN_COUNT_MAX   100000u
#define CAPTURE_RUN_TIMEOUT_MAX 60000u          /* ms: capture.run blocks the daemon */
#define CAPTURE_COUNT_MAX       100000000u
#define CAPTURE_TIMEOUT_MAX     86400000u       /* ms */
#define CAPTURE_JOBS            8
#define CAPTURE_LEASE_MS        10000u

/* What a capture request asks for. */
struct capture_spec {
	struct vmk_vswitch *vs;
	uint32_t port_id;
	enum vmk_capture_dir dir;
	struct vmk_capture_filter filt;
	uint32_t count, timeout_ms;             /* 0: none */
	char file[PATH_MAX];
	bool pcapng;
};

/* A started capture (capture.start) and its writer thread. */
struct capture_job {
	bool used;
	uint32_t id;
	char vswitch[VMK_NAME_MAX];
	struct vmk_capture *cap;
	struct capture_spec spec;
	pthread_t thread;
	volatile bool stop;                     /* set by the main thread */
	bool done;                              /* atomic: the writer returned */
	long written;                           /* the writer's result, once done */
	uint64_t lease_ms;                      /* the last capture.get or start */
};

static struct capture_job jobs[CAPTURE_JOBS];
static uint32_t next_job_id = 1;

/* The vSwitch and port the target names; 0 or -EINVAL/-ENOENT with err. */
static int resolve_target(struct daemon *d, const cJSON *target, struct vmk_vswitch **vs,
			  uint32_t *port_id, char *err, size_t err_size)
{
	const char *name;
	uint32_t id;
	int n_set = (cJSON_GetObjectItemCaseSensitive(target, "uplink") != NULL) +
		    (cJSON_GetObjectItemCaseSensitive(target, "switchport") != NULL) +
		    (cJSON_GetObjectItemCaseSensitive(target, "vmk") != NULL);

	if (!cJSON_IsObject(target) || n_set != 1) {
		op_errf(err, err_size, "argument \"target\" must be an object with exactly one of "
			"\"uplink\", \"switchport\" or \"vmk\"");
		return -EINVAL;
	}
	if (arg_str(target, "uplink", false, &name, err, err_size) == 0) {
		if (nic_find(d, name) == NULL) {
			op_errf(err, err_size, "no uplink \"%s\": see `vmkcli network nic list`",
				name);
			return -ENOENT;
		}
		for (unsigned int i = 0; i < d->cfg->n_vswitches; i++) {
			struct vmk_vswitch *v = vmk_vswitch_find(d->host, d->cfg->vswitches[i].name);
			struct vmk_port_info pi;

			if (v != NULL && vmk_port_find(v, name, &id) == 0 &&
			    vmk_port_get_info(v, id, &pi) == 0 && pi.uplink) {
				*vs = v;
				*port_id = id;
				return 0;
			}
		}
		op_errf(err, err_size, "uplink \"%s\" is on no vSwitch: add it with `vmkcli network "
			"vswitch standard uplink add`", name);
		return -ENOENT;
	}
	if (arg_str(target, "vmk", false, &name, err, err_size) == 0) {
		struct vmk_vmknic_info info;

		if (vmk_vmknic_get(d->host, name, &info) < 0 ||
		    (*vs = vmk_vswitch_find(d->host, info.vswitch)) == NULL) {
			op_errf(err, err_size, "no VMkernel interface \"%s\": see `vmkcli network ip "
				"interface list`", name);
			return -ENOENT;
		}
		*port_id = info.port_id;
		return 0;
	}
	if (arg_uint(target, "switchport", true, 0, UINT32_MAX, &id, "switch port", err,
		     err_size) < 0)
		return -EINVAL;
	if ((id >> 24) == 0 || (id >> 24) > d->cfg->n_vswitches ||
	    (*vs = vmk_vswitch_find(d->host, d->cfg->vswitches[(id >> 24) - 1].name)) == NULL ||
	    vmk_port_get_info(*vs, id & 0xffffffu, &(struct vmk_port_info){ 0 }) < 0) {
		op_errf(err, err_size, "no switch port %u: use a PORT-ID that vmktop shows", id);
		return -ENOENT;
	}
	*port_id = id & 0xffffffu;
	return 0;
}

/* An optional integer filter field in lo..hi; absent leaves *out alone. */
static int filter_int(const cJSON *f, const char *key, uint32_t hi, int *out, const char *what,
		      char *err, size_t err_size)
{
	uint32_t v;
	int ret = arg_uint(f, key, false, 0, hi, &v, what, err, err_size);

	if (ret == 0)
		*out = (int)v;
	return ret == -ENOENT ? 0 : ret;
}

/* An optional MAC filter field; absent leaves *has alone. */
static int filter_mac(const cJSON *f, const char *key, uint8_t mac[6], bool *has, char *err,
		      size_t err_size)
{
	const char *s;
	int ret = arg_str(f, key, false, &s, err, err_size);

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	if (parse_mac(s, mac) < 0) {
		op_errf(err, err_size, "MAC address \"%s\" is not valid: use xx:xx:xx:xx:xx:xx", s);
		return -EINVAL;
	}
	*has = true;
	return 0;
}

/* An optional IPv4 filter field; absent leaves *has alone. */
static int filter_ip(const cJSON *f, const char *key, uint32_t *ip, bool *has, char *err,
		     size_t err_size)
{
	int ret = arg_ipv4(f, key, false, ip, "IP address", err, err_size);

	if (ret == 0)
		*has = true;
	return ret == -ENOENT ? 0 : ret;
}

static int parse_filters(const cJSON *f, struct vmk_capture_filter *out, char *err,
			 size_t err_size)
{
	int ret;

	vmk_capture_filter_init(out);
	if (f == NULL)
		return 0;
	if (!cJSON_IsObject(f)) {
		op_errf(err, err_size, "argument \"filters\" must be an object");
		return -EINVAL;
	}
	if ((ret = filter_mac(f, "mac", out->mac, &out->has_mac, err, err_size)) < 0)
		return ret;
	if ((ret = filter_mac(f, "srcmac", out->srcmac, &out->has_srcmac, err, err_size)) < 0 ||
	    (ret = filter_mac(f, "dstmac", out->dstmac, &out->has_dstmac, err, err_size)) < 0 ||
	    (ret = filter_ip(f, "ip", &out->ip, &out->has_ip, err, err_size)) < 0 ||
	    (ret = filter_ip(f, "srcip", &out->srcip, &out->has_srcip, err, err_size)) < 0 ||
	    (ret = filter_ip(f, "dstip", &out->dstip, &out->has_dstip, err, err_size)) < 0)
		return ret;
	if ((ret = filter_int(f, "proto", 255, &out->proto, "IP protocol", err, err_size)) < 0 ||
	    (ret = filter_int(f, "port", 65535, &out->port, "port", err, err_size)) < 0 ||
	    (ret = filter_int(f, "srcport", 65535, &out->srcport, "port", err, err_size)) < 0 ||
	    (ret = filter_int(f, "dstport", 65535, &out->dstport, "port", err, err_size)) < 0 ||
	    (ret = filter_int(f, "vlan", 4094, &out->vlan, "VLAN", err, err_size)) < 0 ||
	    (ret = filter_int(f, "ethtype", 65535, &out->ethtype, "EtherType", err, err_size)) < 0)
		return ret;
	return 0;
}

/* The request's capture: target, direction, filters, end, file. count_max
 * and timeout_max bound count and timeout_ms; `must_end`: one of them is
 * required. */
static int parse_capture(struct daemon *d, const cJSON *args, struct capture_spec *sp,
			 uint32_t count_max, uint32_t timeout_max, bool must_end, char *err,
			 size_t err_size)
{
	const char *dir_s, *file;
	const cJSON *ng;
	int ret;

	memset(sp, 0, sizeof(*sp));
	sp->dir = VMK_CAPTURE_IN;
	ret = resolve_target(d, cJSON_GetObjectItemCaseSensitive(args, "target"), &sp->vs,
			     &sp->port_id, err, err_size);
	if (ret < 0)
		return ret;
	ret = arg_str(args, "dir", false, &dir_s, err, err_size);
	if (ret == 0) {
		if (strcmp(dir_s, "in") == 0)
			sp->dir = VMK_CAPTURE_IN;
		else if (strcmp(dir_s, "out") == 0)
			sp->dir = VMK_CAPTURE_OUT;
		else if (strcmp(dir_s, "both") == 0)
			sp->dir = VMK_CAPTURE_BOTH;
		else {
			op_errf(err, err_size, "direction \"%s\" is not valid: use in, out or both",
				dir_s);
			return -EINVAL;
		}
	} else if (ret != -ENOENT) {
		return ret;
	}
	ret = parse_filters(cJSON_GetObjectItemCaseSensitive(args, "filters"), &sp->filt, err,
			    err_size);
	if (ret < 0)
		return ret;
	ret = arg_uint(args, "count", false, 1, count_max, &sp->count, "count", err, err_size);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = arg_uint(args, "timeout_ms", false, 1, timeout_max, &sp->timeout_ms, "timeout_ms",
		       err, err_size);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (must_end && sp->count == 0 && sp->timeout_ms == 0) {
		op_errf(err, err_size, "give a frame count, a timeout or both: the capture must end");
		return -EINVAL;
	}
	ret = arg_str(args, "file", true, &file, err, err_size);
	if (ret < 0)
		return ret;
	if (file[0] != '/' || strlen(file) >= sizeof(sp->file)) {
		op_errf(err, err_size, "file \"%s\" must be an absolute path (under %zu bytes)",
			file, sizeof(sp->file));
		return -EINVAL;
	}
	strcpy(sp->file, file);
	ng = cJSON_GetObjectItemCaseSensitive(args, "pcapng");
	if (ng != NULL && !cJSON_IsBool(ng)) {
		op_errf(err, err_size, "argument \"pcapng\" must be true or false");
		return -EINVAL;
	}
	sp->pcapng = cJSON_IsTrue(ng);
	return 0;
}

static int start_capture(const struct capture_spec *sp, struct vmk_capture **cap, char *err,
			 size_t err_size)
{
	int ret = vmk_capture_start(sp->vs, sp->port_id, sp->dir, &sp->filt, 0, cap);

	if (ret == -EBUSY)
		op_errf(err, err_size, "that port is already being captured");
	else if (ret < 0)
		op_errf(err, err_size, "cannot start the capture: %s", op_why(ret));
	return ret;
}

static cJSON *capture_result(long written, struct vmk_capture *cap)
{
	uint64_t captured, dropped;
	cJSON *o = cJSON_CreateObject();

	vmk_capture_stats(cap, &captured, &dropped);
	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "written", (double)written);
	cJSON_AddNumberToObject(o, "captured", (double)captured);
	cJSON_AddNumberToObject(o, "dropped", (double)dropped);
	return o;
}

static int capture_run(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		       size_t err_size)
{
	struct capture_spec sp;
	struct vmk_capture *cap;
	long written;
	int ret = parse_capture(d, args, &sp, CAPTURE_RUN_COUNT_MAX, CAPTURE_RUN_TIMEOUT_MAX,
				true, err, err_size);

	if (ret < 0)
		return ret;
	if (sp.timeout_ms == 0)
		sp.timeout_ms = CAPTURE_RUN_TIMEOUT_MAX;
	if ((ret = start_capture(&sp, &cap, err, err_size)) < 0)
		return ret;
	written = vmk_capture_write_file(cap, sp.file, sp.pcapng, sp.count, sp.timeout_ms, NULL);
	*result = written < 0 ? NULL : capture_result(written, cap);
	vmk_capture_stop(cap);
	if (written < 0) {
		op_errf(err, err_size, "cannot write %s: %s", sp.file, op_why((int)written));
		return (int)written;
	}
	return *result != NULL ? 0 : -ENOMEM;
}

/* ---- started captures ------------------------------------------------- */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *job_main(void *arg)
{
	struct capture_job *j = arg;

	j->written = vmk_capture_write_file(j->cap, j->spec.file, j->spec.pcapng, j->spec.count,
					    j->spec.timeout_ms, &j->stop);
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Stop j's writer, free its capture and its slot; its result first. */
static cJSON *job_end(struct capture_job *j, long *written)
{
	cJSON *res;

	j->stop = true;
	pthread_join(j->thread, NULL);
	*written = j->written;
	res = j->written < 0 ? NULL : capture_result(j->written, j->cap);
	vmk_capture_stop(j->cap);
	memset(j, 0, sizeof(*j));
	return res;
}

static struct capture_job *job_find(const cJSON *args, char *err, size_t err_size)
{
	uint32_t id;

	if (arg_uint(args, "id", true, 1, UINT32_MAX, &id, "capture id", err, err_size) < 0)
		return NULL;
	for (unsigned int i = 0; i < CAPTURE_JOBS; i++)
		if (jobs[i].used && jobs[i].id == id)
			return &jobs[i];
	op_errf(err, err_size, "no capture %u: it ended, or vmknetd stopped it (nobody asked "
		"about it for %u s, or its vSwitch was removed; vmknetd's log says which)", id,
		CAPTURE_LEASE_MS / 1000);
	return NULL;
}

static int capture_start_op(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			    size_t err_size)
{
	struct capture_job *j = NULL;
	int ret;

	for (unsigned int i = 0; i < CAPTURE_JOBS && j == NULL; i++)
		if (!jobs[i].used)
			j = &jobs[i];
	if (j == NULL) {
		op_errf(err, err_size, "%u captures are running already: stop one first",
			CAPTURE_JOBS);
		return -EBUSY;
	}
	ret = parse_capture(d, args, &j->spec, CAPTURE_COUNT_MAX, CAPTURE_TIMEOUT_MAX, false,
			    err, err_size);
	if (ret < 0 || (ret = start_capture(&j->spec, &j->cap, err, err_size)) < 0) {
		memset(j, 0, sizeof(*j));
		return ret;
	}
	for (unsigned int k = 0; k < d->cfg->n_vswitches; k++)
		if (vmk_vswitch_find(d->host, d->cfg->vswitches[k].name) == j->spec.vs)
			snprintf(j->vswitch, sizeof(j->vswitch), "%s", d->cfg->vswitches[k].name);
	j->stop = false;
	j->done = false;
	j->lease_ms = mono_ms();
	ret = -pthread_create(&j->thread, NULL, job_main, j);
	if (ret < 0) {
		vmk_capture_stop(j->cap);
		memset(j, 0, sizeof(*j));
		op_errf(err, err_size, "cannot start the capture's writer: %s", op_why(ret));
		return ret;
	}
	j->used = true;
	j->id = next_job_id++;
	if (next_job_id == 0)
		next_job_id = 1;
	*result = cJSON_CreateObject();
	if (*result == NULL || cJSON_AddNumberToObject(*result, "id", j->id) == NULL)
		return -ENOMEM;
	return 0;
}

static int capture_get_op(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			  size_t err_size)
{
	struct capture_job *j = job_find(args, err, err_size);
	uint64_t captured, dropped;

	(void)d;
	if (j == NULL)
		return -ENOENT;
	j->lease_ms = mono_ms();
	vmk_capture_stats(j->cap, &captured, &dropped);
	*result = cJSON_CreateObject();
	if (*result == NULL)
		return -ENOMEM;
	cJSON_AddNumberToObject(*result, "id", j->id);
	cJSON_AddBoolToObject(*result, "running", !__atomic_load_n(&j->done, __ATOMIC_ACQUIRE));
	cJSON_AddNumberToObject(*result, "captured", (double)captured);
	cJSON_AddNumberToObject(*result, "dropped", (double)dropped);
	return 0;
}

static int capture_stop_op(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			   size_t err_size)
{
	struct capture_job *j = job_find(args, err, err_size);
	char file[PATH_MAX];
	long written;

	(void)d;
	if (j == NULL)
		return -ENOENT;
	snprintf(file, sizeof(file), "%s", j->spec.file);
	*result = job_end(j, &written);
	if (written < 0) {
		op_errf(err, err_size, "cannot write %s: %s", file, op_why((int)written));
		return (int)written;
	}
	return *result != NULL ? 0 : -ENOMEM;
}

void vmknetd_capture_tick(struct daemon *d)
{
	uint64_t now = mono_ms();
	long written;

	(void)d;
	for (unsigned int i = 0; i < CAPTURE_JOBS; i++) {
		if (!jobs[i].used || now - jobs[i].lease_ms < CAPTURE_LEASE_MS)
			continue;
		fprintf(stderr, "vmknetd: capture %u to %s stopped: nobody asked about it for "
			"%u s\n", jobs[i].id, jobs[i].spec.file, CAPTURE_LEASE_MS / 1000);
		cJSON_Delete(job_end(&jobs[i], &written));
	}
}

void vmknetd_capture_before_commit(struct daemon *d, const struct vmk_config *next)
{
	long written;

	(void)d;
	for (unsigned int i = 0; i < CAPTURE_JOBS; i++) {
		bool kept = false;

		if (!jobs[i].used)
			continue;
		for (unsigned int k = 0; k < next->n_vswitches && !kept; k++)
			kept = strcmp(next->vswitches[k].name, jobs[i].vswitch) == 0;
		if (kept)
			continue;
		fprintf(stderr, "vmknetd: capture %u to %s stopped: its vSwitch %s is removed\n",
			jobs[i].id, jobs[i].spec.file, jobs[i].vswitch);
		cJSON_Delete(job_end(&jobs[i], &written));
	}
}

void vmknetd_capture_stop_all(struct daemon *d)
{
	long written;

	(void)d;
	for (unsigned int i = 0; i < CAPTURE_JOBS; i++)
		if (jobs[i].used)
			cJSON_Delete(job_end(&jobs[i], &written));
}

const struct op capture_ops[] = {
	{ "capture.run", capture_run, NULL },
	{ "capture.start", capture_start_op, NULL },
	{ "capture.get", capture_get_op, NULL },
	{ "capture.stop", capture_stop_op, NULL },
	{ NULL, NULL, NULL },
};
