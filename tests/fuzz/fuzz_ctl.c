/*
 * libFuzzer harness: the control-socket request parser and dispatcher,
 * vmknetd_handle (examples/vmknetd/ops*.c), on a real host with two ring
 * NICs (vmnic0, vmnic1), exactly as vmknetd's control loop calls it: one
 * request per line, NUL-terminated where the line ends (the framing of
 * lib/ctl_server.c). An input holds several lines, handled in order, so a
 * change can be followed by one that depends on it; after the input the
 * host is put back to the default configuration.
 *
 * Not driven: capture.run and capture.start (block up to a minute or start
 * a thread, and write a file anywhere the input names)
 * and guest ports (vm.port.add, guest_ports in config.set: vhost-user
 * sockets at paths the input names); fuzz_vhost and the unit tests cover
 * those paths.
 *
 * Invariants checked: every request gets a reply that is a JSON object with
 * a boolean "ok" (and a reason when false); the running configuration is
 * always valid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <rte_eth_ring.h>
#include <rte_ring.h>

#include <vmknet/vmknet.h>

#include "common.h"
#include "vmknetd/vmknetd.h"

#define LINE_MAX_LEN 65536

static struct daemon d;
static struct vmk_config *dflt;
static char path[256];

static void nic_add(const char *name)
{
	struct rte_ring *rx, *tx;
	char rn[RTE_RING_NAMESIZE];
	int port;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	rx = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	tx = rte_ring_create(rn, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rx == NULL || tx == NULL)
		abort();
	port = rte_eth_from_rings(name, &rx, 1, &tx, 1, SOCKET_ID_ANY);
	if (port < 0)
		abort();
	snprintf(d.nics[d.n_nics].name, sizeof(d.nics[0].name), "vmnic%u", d.n_nics);
	d.nics[d.n_nics++].ethdev_port = (uint16_t)port;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmk_host_params hp;
	char err[VMK_CONFIG_ERR_SIZE];

	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_ctl");
	snprintf(path, sizeof(path), "%s/config.json", fuzz_tmpdir());
	d.config_path = path;
	d.mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	pthread_mutex_init(&d.lock, NULL);
	nic_add("fzr0");
	nic_add("fzr1");
	vmk_host_params_init(&hp);
	hp.n_mbufs = 2047;
	hp.max_workers = 1;
	if (vmk_host_create(&hp, &d.host) < 0 || vmk_config_create(&d.cfg) < 0 ||
	    vmk_config_create(&dflt) < 0)
		abort();
	vmk_config_init_empty(d.cfg);
	vmk_config_init_default(dflt);
	if (vmk_config_apply(d.host, d.cfg, dflt, d.nics, d.n_nics, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_ctl: default configuration not applied: %s\n", err);
		abort();
	}
	vmknetd_fill_generated(&d, dflt);
	vmk_config_copy(d.cfg, dflt);
	return 0;
}

/* Requests the harness does not hand over (see the top of the file). */
static bool refused_here(const char *line, size_t len)
{
	cJSON *req = cJSON_ParseWithLength(line, len);
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req, "args");
	bool refuse = false;

	if (cJSON_IsString(op)) {
		refuse = strcmp(op->valuestring, "capture.run") == 0 ||
			 strcmp(op->valuestring, "capture.start") == 0 ||
			 strcmp(op->valuestring, "vm.port.add") == 0;
		if (strcmp(op->valuestring, "config.set") == 0) {
			const cJSON *doc = cJSON_GetObjectItemCaseSensitive(args, "config"), *c;

			cJSON_ArrayForEach(c, doc)
				if (c->string != NULL && strcmp(c->string, "guest_ports") == 0 &&
				    cJSON_GetArraySize(c) > 0)
					refuse = true;
		}
	}
	cJSON_Delete(req);
	return refuse;
}

static void check_reply(const char *reply)
{
	cJSON *r;
	const cJSON *ok;

	FUZZ_CHECK(reply != NULL);
	r = cJSON_Parse(reply);
	FUZZ_CHECK(cJSON_IsObject(r));
	ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
	FUZZ_CHECK(cJSON_IsBool(ok));
	if (cJSON_IsFalse(ok))
		FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "error")));
	cJSON_Delete(r);
}

static void back_to_default(void)
{
	char err[VMK_CONFIG_ERR_SIZE];

	if (memcmp(d.cfg, dflt, sizeof(*dflt)) == 0)
		return;
	if (vmk_config_apply(d.host, d.cfg, dflt, d.nics, d.n_nics, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_ctl: cannot go back to the default: %s\n", err);
		abort();
	}
	vmk_config_copy(d.cfg, dflt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[LINE_MAX_LEN + 1];
	char err[VMK_CONFIG_ERR_SIZE];
	size_t off = 0;

	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t end = nl != NULL ? (size_t)(nl - data) : size;
		size_t len = RTE_MIN(end - off, (size_t)LINE_MAX_LEN);
		char *reply;

		memcpy(line, data + off, len);
		line[len] = '\0';
		off = nl != NULL ? end + 1 : size;
		if (len == 0 || refused_here(line, len))
			continue;
		reply = vmknetd_handle(line, len, &d);
		check_reply(reply);
		free(reply);
		FUZZ_CHECK(vmk_config_validate(d.cfg, err, sizeof(err)) == 0);
	}
	back_to_default();
	return 0;
}
