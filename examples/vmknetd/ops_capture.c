/*
 * Packet capture for pktcap: the "capture.run" operation.
 *
 *   {"op": "capture.run", "args": {
 *      "target": {"uplink": "vmnic0"} | {"switchport": 16777216} | {"vmk": "vmk0"},
 *      "dir": "in" | "out" | "both",            (default "in", as pktcap-uw)
 *      "filters": {"mac": "00:00:5e:00:53:01", "ip": "192.0.2.1", "proto": 6,
 *                  "port": 80, "vlan": 20, "ethtype": 2048},   (all optional)
 *      "count": 1..100000, "timeout_ms": 1..60000,   (at least one of them)
 *      "file": "/abs/path.pcap", "pcapng": false}}
 *   result: {"written": N, "captured": N, "dropped": N}
 *
 * A switch port is named by vmktop's PORT-ID, (vSwitch index + 1) << 24 |
 * port id (ops_port.c). The daemon serves one request at a time, so a
 * capture blocks every other request until it ends: count and time are
 * bounded, and a count without a timeout stops after 60 s at the latest.
 *
 * Thread: the main lcore (the worker lcore copies the frames into the ring).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vmknet/capture.h>

#include "vmknetd/ops.h"

#define CAPTURE_COUNT_MAX   100000u
#define CAPTURE_TIMEOUT_MAX 60000u      /* ms */

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

static int parse_filters(const cJSON *f, struct vmk_capture_filter *out, char *err,
			 size_t err_size)
{
	const char *s;
	int ret;

	vmk_capture_filter_init(out);
	if (f == NULL)
		return 0;
	if (!cJSON_IsObject(f)) {
		op_errf(err, err_size, "argument \"filters\" must be an object");
		return -EINVAL;
	}
	ret = arg_str(f, "mac", false, &s, err, err_size);
	if (ret == 0) {
		if (parse_mac(s, out->mac) < 0) {
			op_errf(err, err_size, "MAC address \"%s\" is not valid: use "
				"xx:xx:xx:xx:xx:xx", s);
			return -EINVAL;
		}
		out->has_mac = true;
	} else if (ret != -ENOENT) {
		return ret;
	}
	ret = arg_ipv4(f, "ip", false, &out->ip, "IP address", err, err_size);
	if (ret == 0)
		out->has_ip = true;
	else if (ret != -ENOENT)
		return ret;
	if ((ret = filter_int(f, "proto", 255, &out->proto, "IP protocol", err, err_size)) < 0 ||
	    (ret = filter_int(f, "port", 65535, &out->port, "port", err, err_size)) < 0 ||
	    (ret = filter_int(f, "vlan", 4094, &out->vlan, "VLAN", err, err_size)) < 0 ||
	    (ret = filter_int(f, "ethtype", 65535, &out->ethtype, "EtherType", err, err_size)) < 0)
		return ret;
	return 0;
}

static int capture_run(struct daemon *d, const cJSON *args, cJSON **result, char *err,
		       size_t err_size)
{
	struct vmk_capture_filter filt;
	enum vmk_capture_dir dir = VMK_CAPTURE_IN;
	struct vmk_capture *cap;
	struct vmk_vswitch *vs;
	uint32_t port_id, count = 0, timeout_ms = 0;
	uint64_t captured, dropped;
	const char *dir_s, *file;
	const cJSON *ng;
	long written;
	int ret;

	ret = resolve_target(d, cJSON_GetObjectItemCaseSensitive(args, "target"), &vs, &port_id,
			     err, err_size);
	if (ret < 0)
		return ret;
	ret = arg_str(args, "dir", false, &dir_s, err, err_size);
	if (ret == 0) {
		if (strcmp(dir_s, "in") == 0)
			dir = VMK_CAPTURE_IN;
		else if (strcmp(dir_s, "out") == 0)
			dir = VMK_CAPTURE_OUT;
		else if (strcmp(dir_s, "both") == 0)
			dir = VMK_CAPTURE_BOTH;
		else {
			op_errf(err, err_size, "direction \"%s\" is not valid: use in, out or both",
				dir_s);
			return -EINVAL;
		}
	} else if (ret != -ENOENT) {
		return ret;
	}
	ret = parse_filters(cJSON_GetObjectItemCaseSensitive(args, "filters"), &filt, err,
			    err_size);
	if (ret < 0)
		return ret;
	ret = arg_uint(args, "count", false, 1, CAPTURE_COUNT_MAX, &count, "count", err,
		       err_size);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = arg_uint(args, "timeout_ms", false, 1, CAPTURE_TIMEOUT_MAX, &timeout_ms,
		       "timeout_ms", err, err_size);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (count == 0 && timeout_ms == 0) {
		op_errf(err, err_size, "give a frame count, a timeout or both: the capture must end");
		return -EINVAL;
	}
	if (timeout_ms == 0)
		timeout_ms = CAPTURE_TIMEOUT_MAX;
	ret = arg_str(args, "file", true, &file, err, err_size);
	if (ret < 0)
		return ret;
	if (file[0] != '/') {
		op_errf(err, err_size, "file \"%s\" must be an absolute path", file);
		return -EINVAL;
	}
	ng = cJSON_GetObjectItemCaseSensitive(args, "pcapng");
	if (ng != NULL && !cJSON_IsBool(ng)) {
		op_errf(err, err_size, "argument \"pcapng\" must be true or false");
		return -EINVAL;
	}

	ret = vmk_capture_start(vs, port_id, dir, &filt, 0, &cap);
	if (ret < 0) {
		if (ret == -EBUSY)
			op_errf(err, err_size, "that port is already being captured");
		else
			op_errf(err, err_size, "cannot start the capture: %s", op_why(ret));
		return ret;
	}
	written = vmk_capture_write_file(cap, file, cJSON_IsTrue(ng), count, timeout_ms, NULL);
	vmk_capture_stats(cap, &captured, &dropped);
	vmk_capture_stop(cap);
	if (written < 0) {
		op_errf(err, err_size, "cannot write %s: %s", file, op_why((int)written));
		return (int)written;
	}
	*result = cJSON_CreateObject();
	if (*result == NULL)
		return -ENOMEM;
	cJSON_AddNumberToObject(*result, "written", (double)written);
	cJSON_AddNumberToObject(*result, "captured", (double)captured);
	cJSON_AddNumberToObject(*result, "dropped", (double)dropped);
	return 0;
}

const struct op capture_ops[] = {
	{ "capture.run", capture_run, NULL },
	{ NULL, NULL, NULL },
};
