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
 *         "policy": {
 *           "security": { "allow_promiscuous": false, "allow_mac_changes": true,
 *                         "allow_forged_transmits": true },
 *           "shaping": { "enabled": false, "avg_kbps": 100000,
 *                        "peak_kbps": 100000, "burst_kb": 102400 },
 *           "teaming": { "load_balancing": "portid", "failure_detection": "link",
 *                        "notify_switches": true, "failback": true,
 *                        "active": [ "vmnic0" ], "standby": [] } },
 *         "portgroups": [ { "name": "VM Network", "vlan_id": 0,
 *                           "policy": { "security": { "allow_promiscuous": true } } } ] }
 *     ]
 *   }
 *
 * Policies (include/vmknet/policy.h): a vSwitch's "policy" holds its three
 * policies (each object, and each field in it, may be left out: defaults as
 * on ESXi). A port group's "policy" holds only its overrides, and absent
 * means "inherit the vSwitch's" (esxcli's --use-vswitch): in "security"
 * each field present overrides that field; "shaping" and "teaming", when
 * present, replace the vSwitch's whole (their missing fields take the
 * defaults). Teaming names must be uplinks of the vSwitch, each listed once;
 * an empty active list means every uplink in the order added, and then the
 * standby list must be empty too. Load balancing is "portid", "mac",
 * "iphash" or "explicit"; failure detection is "link" (the only one).
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

#include <vmknet/policy.h>
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

/* Shaping limits of the library (vswitch/policy.c) */
#define VMK_CONFIG_SHAPING_MAX_KBPS  100000000ull   /* 100 Gbit/s */
#define VMK_CONFIG_SHAPING_MAX_KB    (100ull * 1024 * 1024)
#define VMK_CONFIG_SHAPING_MIN_KB    2

struct vmk_config_portgroup {
	char name[VMK_NAME_MAX];
	uint16_t vlan_id;        /* 0 none, 1..4094 tagged, 4095 trunk */
	/* Overrides of the vSwitch's policies; nothing set: inherit. */
	unsigned int security_mask;          /* VMK_SEC_* fields of security that override */
	struct vmk_security_policy security;
	bool has_shaping;                    /* shaping replaces the vSwitch's */
	struct vmk_shaping_policy shaping;
	bool has_teaming;                    /* teaming replaces the vSwitch's */
	struct vmk_teaming_policy teaming;
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
	struct vmk_security_policy security; /* the vSwitch's policies */
	struct vmk_shaping_policy shaping;
	struct vmk_teaming_policy teaming;
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

/* Fill a vSwitch entry with the defaults of vmk_vswitch_params_init, ESXi's
 * default policies and no uplinks or port groups. name is copied (truncated
 * at VMK_NAME_MAX - 1). */
void vmk_config_vswitch_init(struct vmk_config_vswitch *vs, const char *name);

/* Fill a port group entry: name, VLAN 0, no policy override. */
void vmk_config_portgroup_init(struct vmk_config_portgroup *pg, const char *name);

/* ESXi's default policies: security (promiscuous off, MAC changes and
 * forged transmits on), shaping (off; 100000 Kbps average and peak, 102400 KB
 * burst shown) and teaming (port ID, link, notify and failback on, every
 * uplink active). */
void vmk_config_security_default(struct vmk_security_policy *p);
void vmk_config_shaping_default(struct vmk_shaping_policy *p);
void vmk_config_teaming_default(struct vmk_teaming_policy *p);

/* The policies a port group runs with: its overrides over its vSwitch's. */
void vmk_config_portgroup_effective(const struct vmk_config_vswitch *vs,
				    const struct vmk_config_portgroup *pg,
				    struct vmk_security_policy *sec,
				    struct vmk_shaping_policy *shaping,
				    struct vmk_teaming_policy *teaming);

/*
 * Take an uplink out of a vSwitch's teaming policies (its own and its port
 * groups' overrides), as ESXi does when an uplink is removed; a list of
 * active uplinks left empty takes the standby ones.
 */
void vmk_config_teaming_forget_uplink(struct vmk_config_vswitch *vs, const char *uplink);

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
 * most, policies (shaping: average >= 1 and peak >= average when enabled,
 * burst >= 2 KB; teaming: uplinks of the vSwitch, each once). Returns 0, or -EINVAL with the reason in err.
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
