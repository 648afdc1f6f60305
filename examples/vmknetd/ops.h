/*
 * Operations of the control protocol. A read op fills *result; a change op
 * edits `next` (a copy of the running configuration), and the dispatcher
 * validates, applies and saves it (ops.c), so every change takes one path.
 * Both return 0 or a negative errno with a message saying what to fix.
 */
#ifndef VMKNETD_OPS_H
#define VMKNETD_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "vmknetd/vmknetd.h"

#define OP_ERR_SIZE 512

typedef int (*op_read_fn)(struct daemon *d, const cJSON *args, cJSON **result,
			  char *err, size_t err_size);
typedef int (*op_edit_fn)(struct daemon *d, const cJSON *args, struct vmk_config *next,
			  char *err, size_t err_size);

struct op {
	const char *name;
	op_read_fn read;    /* one of read or edit */
	op_edit_fn edit;
};

/* Argument helpers: 0, or -EINVAL with the reason in err. A missing
 * optional argument leaves *out alone and returns -ENOENT. */
int arg_str(const cJSON *args, const char *key, bool required, const char **out,
	    char *err, size_t err_size);
int arg_uint(const cJSON *args, const char *key, bool required, uint32_t lo, uint32_t hi,
	     uint32_t *out, const char *what, char *err, size_t err_size);
/* A boolean argument (opt: the option's name for the message): 0 (set
 * *out), -ENOENT (absent), -EINVAL. */
int arg_bool(const cJSON *args, const char *key, const char *opt, bool *out, char *err,
	     size_t err_size);
/* A name argument: also checks its length and characters. */
int arg_name(const cJSON *args, const char *key, const char *what, const char **out,
	     char *err, size_t err_size);

void op_errf(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Why a library call that returned ret failed: vmk_last_error(), or
 * strerror(-ret) when the library left no reason. */
const char *op_why(int ret);

/* A dotted-quad IPv4 argument (network byte order); -ENOENT when absent
 * and optional. */
int arg_ipv4(const cJSON *args, const char *key, bool required, uint32_t *out, const char *what,
	     char *err, size_t err_size);

/* The vmknic named by "interface_name", or NULL with the reason in err. */
struct vmk_config_vmknic *find_nic(struct vmk_config *cfg, const cJSON *args, char *err,
				   size_t err_size);

/* The port group named by "portgroup_name" (unique on the host) and its
 * vSwitch, checked against "vswitch_name" when given: 0, or -ENOENT /
 * -EINVAL with the reason in err. */
int arg_portgroup(struct vmk_config *cfg, const cJSON *args, const char **pg,
		  struct vmk_config_vswitch **vs, char *err, size_t err_size);

/* "xx:xx:xx:xx:xx:xx" into mac: 0 or -EINVAL. */
int parse_mac(const char *s, uint8_t mac[6]);

/* mac as "xx:xx:xx:xx:xx:xx" (lower case). */
void mac_str(const uint8_t *m, char out[18]);

/* The daemon's NIC named name, or NULL. */
const struct vmk_config_nic *nic_find(const struct daemon *d, const char *name);

/* A port's Port ID on the host, as vmktop, pktcap and `network vm port list`
 * show it: (index of its vSwitch in the configuration + 1) << 24 | port id. */
/* Remove the element elem points at from the array arr of *count elements
 * (a configuration list), keeping the order of the rest. */
#define CFG_LIST_REMOVE(arr, count, elem) do {					\
		unsigned int i_ = (unsigned int)((elem) - (arr));			\
		memmove(&(arr)[i_], &(arr)[i_ + 1], ((count) - i_ - 1) * sizeof((arr)[0])); \
		(count)--;							\
	} while (0)

static inline uint32_t host_port_id(unsigned int vs_idx, uint32_t port_id)
{
	return ((vs_idx + 1u) << 24) | port_id;
}

/* After a change: uplinks of NICs taken down by `nic down` are down
 * again (a NIC removed from a vSwitch and added back stays down). */
void nic_admin_reapply(struct daemon *d);

/* The arguments of a "ping" request (host, interface_name, netstack, count,
 * size, df, interval_ms or interval (seconds), timeout_ms or wait, ttl)
 * into *p, which vmk_ping_params_init filled; checked against the time one
 * request may take. 0 or a negative errno with the reason in err. */
int op_ping_params(struct daemon *d, const cJSON *args, struct vmk_ping_params *p,
		   char *err, size_t err_size);

extern const struct op vswitch_ops[];   /* terminated by a NULL name */
extern const struct op nic_ops[];
extern const struct op policy_ops[];
extern const struct op port_ops[];
extern const struct op ip_ops[];
extern const struct op ip_live_ops[];
extern const struct op capture_ops[];
extern const struct op guest_ops[];
extern const struct op session_ops[];  /* ops_session.c */
extern const struct op firewall_ops[]; /* ops_firewall.c */
extern const struct op diag_ops[];     /* ops_diag.c */
extern const struct op diag_check_ops[]; /* ops_diag_check.c */
extern const struct op nioc_ops[];     /* ops_nioc.c */
extern const struct op dhcp_ops[];     /* ops_dhcp.c */
extern const struct op vmotion_ops[];  /* ops_vmotion.c */

/* The rows of a per-interface read: every interface of the configuration
 * (or only "interface_name" when given) that want (NULL: all) accepts,
 * each an object filled by fill (ops_ip.c). 0, -ENOENT or -ENOMEM. */
int nic_rows(struct daemon *d, const cJSON *args,
	     bool (*want)(struct daemon *, const struct vmk_config_vmknic *),
	     void (*fill)(struct daemon *, const struct vmk_config_vmknic *, cJSON *),
	     cJSON **result, char *err, size_t err_size);

/* The `ipv4 get` fields of an adapter with -t dhcp, from its running
 * client (ops_dhcp.c). */
void dhcp_ipv4_fields(struct daemon *d, const struct vmk_config_vmknic *c, cJSON *o);

#endif
