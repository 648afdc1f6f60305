/*
 * The configuration model: one description of a host's network (host name,
 * vSwitches with their port groups and uplinks) with one JSON form. The same
 * document is the saved configuration file and the payload of the control
 * protocol (include/vmknet/ctl.h).
 *
 * A configuration is a plain value: struct vmk_config holds everything in
 * fixed arrays, so it is copied with memcpy or vmk_config_copy and never
 * shares memory with anything. It is large (a few hundred KiB): allocate it
 * with vmk_config_create, not on the stack.
 *
 * The JSON form (schema_version 1):
 *
 *   {
 *     "schema_version": 1,
 *     "host": { "name": "vmknet" },
 *     "vswitches": [
 *       { "name": "vSwitch0", "mtu": 1500, "ports": 512,
 *         "fdb": { "capacity": 65536, "aging_sec": 300 },
 *         "uplinks": [ "vmnic0" ],
 *         "portgroups": [ { "name": "VM Network", "vlan_id": 0 } ] }
 *     ]
 *   }
 *
 * Every field is typed and ranged; unknown fields are refused (so a document
 * written by a newer vmknet is not silently half-read). In a vSwitch, "mtu",
 * "ports", "fdb", "uplinks" and "portgroups" may be left out (defaults as in
 * vmk_vswitch_params_init, empty lists); the emitter always writes them.
 * Port group names are unique on the host (as on ESXi), uplinks belong to
 * at most one vSwitch.
 *
 * Errors are 0 or a negative errno; functions that can refuse a document
 * also write a one-line reason naming the field ("vswitches[0] (vSwitch0).mtu:
 * 100 is out of range 1280..9000") into err (err_size bytes, may be 0).
 *
 * Thread: any; functions on one struct vmk_config are not synchronised.
 * The library never prints: reasons go to err only.
 */
#ifndef VMKNET_CONFIG_H
#define VMKNET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <vmknet/vswitch.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct vmk_host;

#define VMK_CONFIG_SCHEMA_VERSION   1
#define VMK_CONFIG_MAX_PORTGROUPS   512  /* per vSwitch, as the switch holds */
#define VMK_CONFIG_MAX_UPLINKS      32   /* per vSwitch */
#define VMK_CONFIG_FILE_MAX         (4u << 20) /* largest file or document read */
#define VMK_CONFIG_ERR_SIZE         256  /* a comfortable err buffer */

struct vmk_config_portgroup {
	char name[VMK_NAME_MAX];
	uint16_t vlan_id;        /* 0 none, 1..4094 tagged, 4095 trunk */
};

struct vmk_config_vswitch {
	char name[VMK_NAME_MAX];
	uint32_t mtu;            /* VMK_VSWITCH_MTU_MIN..MAX */
	uint32_t n_ports;        /* port slots, 8..VMK_VSWITCH_MAX_PORTS; fixed
	                          * once the vSwitch exists */
	uint32_t fdb_capacity;   /* 16..VMK_FDB_CAPACITY_MAX */
	uint32_t fdb_aging_sec;  /* 1..1000000 */
	unsigned int n_uplinks;
	char uplinks[VMK_CONFIG_MAX_UPLINKS][VMK_NAME_MAX];
	unsigned int n_portgroups;
	struct vmk_config_portgroup portgroups[VMK_CONFIG_MAX_PORTGROUPS];
};

struct vmk_config {
	char host_name[VMK_NAME_MAX];
	unsigned int n_vswitches;
	struct vmk_config_vswitch vswitches[VMK_MAX_VSWITCHES];
};

/*
 * A physical NIC the configuration may name as an uplink: the name the
 * operator uses ("vmnic0") and the probed DPDK ethdev behind it. The caller
 * owns the ethdev; the library only configures and starts it while it is an
 * uplink.
 */
struct vmk_config_nic {
	char name[VMK_NAME_MAX];
	uint16_t ethdev_port;
};

/* Allocate an empty configuration (no vSwitches, host name "vmknet").
 * Returns 0 and sets *out, or -EINVAL, -ENOMEM. Free with vmk_config_destroy. */
int vmk_config_create(struct vmk_config **out);

/* Free a configuration. Accepts NULL. */
void vmk_config_destroy(struct vmk_config *cfg);

/* Reset cfg to the empty configuration. */
void vmk_config_init_empty(struct vmk_config *cfg);

/*
 * Reset cfg to the built-in default of a new host: vSwitch0 (MTU 1500,
 * 512 ports, no uplinks) with port groups "Management Network" and
 * "VM Network", both VLAN 0.
 */
void vmk_config_init_default(struct vmk_config *cfg);

/* Copy src over dst (both allocated). */
void vmk_config_copy(struct vmk_config *dst, const struct vmk_config *src);

/* Fill a vSwitch entry with the defaults of vmk_vswitch_params_init and no
 * uplinks or port groups. name is copied (truncated at VMK_NAME_MAX - 1). */
void vmk_config_vswitch_init(struct vmk_config_vswitch *vs, const char *name);

/* The vSwitch named name, or NULL. */
struct vmk_config_vswitch *vmk_config_find_vswitch(struct vmk_config *cfg, const char *name);

/* The port group named name on any vSwitch, or NULL; *vs_out (may be NULL)
 * gets its vSwitch. */
struct vmk_config_portgroup *vmk_config_find_portgroup(struct vmk_config *cfg, const char *name,
						       struct vmk_config_vswitch **vs_out);

/* The vSwitch an uplink is attached to, or NULL when it is free. */
struct vmk_config_vswitch *vmk_config_find_uplink(struct vmk_config *cfg, const char *name);

/*
 * Check every rule of the model: names (1..31 printable bytes), ranges,
 * counts, unique vSwitch and port group names, an uplink on one vSwitch at
 * most. Returns 0, or -EINVAL with the reason in err.
 */
int vmk_config_validate(const struct vmk_config *cfg, char *err, size_t err_size);

/*
 * Parse and validate a JSON document of len bytes (need not be
 * NUL-terminated). On success fills *out and returns 0; on failure returns
 * -EINVAL (malformed JSON with line and column, wrong type, unknown field,
 * missing field, out of range, duplicate, unsupported schema_version) or
 * -E2BIG (larger than VMK_CONFIG_FILE_MAX) with the reason in err, and *out
 * is unchanged.
 */
int vmk_config_from_json(const char *text, size_t len, struct vmk_config *out,
			 char *err, size_t err_size);

/*
 * The JSON form of cfg, indented, ending with a newline.
 * Returns 0 and sets *text (the caller frees it with free()), or -EINVAL,
 * -ENOMEM.
 */
int vmk_config_to_json(const struct vmk_config *cfg, char **text);

/*
 * Read and validate a configuration file. Returns 0 and fills *out,
 * -ENOENT when the file does not exist (err says so), -EINVAL / -E2BIG for
 * an invalid document (err names the problem), or another negative errno
 * from the file system. *out is unchanged on failure.
 */
int vmk_config_load_file(const char *path, struct vmk_config *out, char *err, size_t err_size);

/*
 * Save cfg atomically: write a temporary file beside path (mode 0600),
 * fsync it, rename it over path, fsync the directory. After a successful
 * return the new content survives a crash; on failure path still holds its
 * old content and the temporary file is gone.
 * Returns 0, -EINVAL (cfg invalid: nothing written), or the file system's
 * negative errno with the step in err.
 */
int vmk_config_save_file(const char *path, const struct vmk_config *cfg,
			 char *err, size_t err_size);

/*
 * Make the host's running state go from configuration `from` (what is
 * applied now; an empty configuration for a new host) to `to`: remove what
 * `to` drops, change what differs, add what is new, in an order that lets an
 * uplink move between vSwitches. Uplinks are resolved by name in nics.
 *
 * Both documents are validated first, and `to` is checked against `from`
 * and nics (an uplink must name a NIC; a vSwitch's ports cannot change) so
 * that a refused change touches nothing. If a step still fails (device
 * error, out of memory, a port group that has ports), the steps already
 * done are undone in reverse and the host is back as `from` described it.
 * The host name is not applied (it has no running counterpart yet).
 *
 * Returns 0, or a negative errno with the reason in err.
 * Thread: control plane (the host lock is taken by each library call).
 */
int vmk_config_apply(struct vmk_host *host, const struct vmk_config *from,
		     const struct vmk_config *to, const struct vmk_config_nic *nics,
		     unsigned int n_nics, char *err, size_t err_size);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
