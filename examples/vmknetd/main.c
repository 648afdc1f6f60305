/*
 * vmknetd: the host daemon. It embeds libvmknet, runs the host's network
 * from a configuration file, and serves the control socket that vmkcli
 * talks to.
 *
 *   vmknetd [EAL options] -- [--config FILE] [--control SOCKET]
 *                             [--mbuf-size BYTES]
 *
 * Every ethdev EAL probed (a PCI NIC, or a --vdev such as net_tap0,
 * net_af_packet0,iface=eth1, net_null0, net_ring0) is a physical NIC named
 * vmnic0, vmnic1, ... in port order. Without a configuration file the host
 * starts from the built-in default (vSwitch0 with "Management Network" and
 * "VM Network", vmk0 on "Management Network" tagged Management with
 * 192.0.2.10/24) and saves it. A file that is corrupt or invalid is refused
 * with the reason and left untouched (exit status 1). Every accepted change
 * is saved (atomically, fsync'd) before it is acknowledged, so SIGKILL
 * loses nothing acknowledged; SIGTERM and SIGINT stop it cleanly.
 *
 * With two or more lcores (-l 0-1) one worker lcore polls the switch;
 * with one, nothing forwards (a control-plane-only host, as in tests).
 *
 * Packet buffers hold 2 KB (RTE_MBUF_DEFAULT_BUF_SIZE); jumbo frames are
 * chained on PMDs that scatter. net_af_packet cannot: for jumbo frames on
 * an af_packet uplink give --mbuf-size at least its framesz (e.g.
 * --vdev net_af_packet0,iface=eth1,framesz=10240,blocksz=20480 with
 * --mbuf-size 10368) and set the kernel interface's MTU.
 *
 * Thread: the main lcore runs the control loop; requests are handled one at
 * a time, so changes are serialised. Between requests it runs the
 * adapters' DHCP clients (vmk_dhcp_poll), at least once a second and when
 * one is due.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "sockets/server.h"
#include "vmknetd/vmknetd.h"

#define DEFAULT_CONFIG "/var/lib/vmknet/config.json"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmknetd [EAL options] -- [--config FILE] [--control SOCKET]\n"
		"                                 [--mbuf-size BYTES]\n"
		"\n"
		"  --config FILE     configuration file (default %s)\n"
		"  --control SOCKET  control socket for vmkcli (default %s)\n"
		"  --mbuf-size BYTES packet buffer data room, headroom included (default %u;\n"
		"                    jumbo frames on net_af_packet need its framesz + 128)\n"
		"  --help            this text\n"
		"\n"
		"Every ethdev EAL probes (PCI NICs, --vdev net_tap0, net_af_packet0,iface=IF,\n"
		"net_null0, ...) becomes a NIC named vmnic0, vmnic1, ... in port order.\n",
		DEFAULT_CONFIG, VMK_CTL_DEFAULT_SOCKET, (unsigned int)RTE_MBUF_DEFAULT_BUF_SIZE);
}

struct options {
	const char *config;
	const char *control;
	unsigned int mbuf_size;     /* data room of a packet buffer, headroom included */
};

#define MBUF_SIZE_MAX 65535u        /* rte_pktmbuf_pool_create takes a uint16_t */

/* Parse the options after "--". 0, 1 (help shown) or -1 (bad usage). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "control", required_argument, NULL, 's' },
		{ "mbuf-size", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = DEFAULT_CONFIG;
	o->control = VMK_CTL_DEFAULT_SOCKET;
	o->mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->control = optarg;
			break;
		case 'm': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < RTE_MBUF_DEFAULT_BUF_SIZE ||
			    v > MBUF_SIZE_MAX) {
				fprintf(stderr, "vmknetd: --mbuf-size must be a number of bytes "
					"from %u to %u, not \"%s\"\n",
					(unsigned int)RTE_MBUF_DEFAULT_BUF_SIZE, MBUF_SIZE_MAX, optarg);
				return -1;
			}
			o->mbuf_size = (unsigned int)v;
			break;
		}
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmknetd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* mkdir -p of path's directory (mode 0700 for what we create). */
static int make_parent_dir(const char *path)
{
	char dir[PATH_MAX], *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;   /* the current directory or / */
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;

			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	return 0;
}

static void nics_discover(struct daemon *d)
{
	uint16_t port;

	d->n_nics = 0;
	RTE_ETH_FOREACH_DEV(port) {
		struct vmk_config_nic *nic = &d->nics[d->n_nics++];

		snprintf(nic->name, sizeof(nic->name), "vmnic%u", d->n_nics - 1);
		nic->ethdev_port = port;
	}
}

/* Load the file, or start from the default and save it. 0 or -1 (said why). */
static int config_load(struct daemon *d)
{
	char err[VMK_CONFIG_ERR_SIZE];
	int ret = vmk_config_load_file(d->config_path, d->cfg, err, sizeof(err));

	if (ret == -ENOENT) {
		vmk_config_init_default(d->cfg);
		ret = make_parent_dir(d->config_path);
		if (ret < 0) {
			fprintf(stderr, "vmknetd: %s: cannot create its directory: %s\n",
				d->config_path, strerror(-ret));
			return -1;
		}
		ret = vmk_config_save_file(d->config_path, d->cfg, err, sizeof(err));
		if (ret < 0) {
			fprintf(stderr, "vmknetd: cannot save the default configuration: %s\n", err);
			return -1;
		}
		fprintf(stderr, "vmknetd: no configuration file: started from the built-in "
			"default, saved to %s\n", d->config_path);
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, "vmknetd: refusing the configuration file: %s\n"
			"vmknetd: the file was left as it is; fix it, or move it away to start "
			"from the default configuration\n", err);
		return -1;
	}
	return 0;
}

static int host_bring_up(struct daemon *d)
{
	struct vmk_host_params hp;
	struct vmk_config *empty;
	char err[VMK_CONFIG_ERR_SIZE];
	unsigned int worker;
	int ret;

	vmk_host_params_init(&hp);
	hp.name = d->cfg->host_name;
	hp.max_workers = 1;
	hp.n_mbufs = 16383;
	hp.mbuf_data_size = d->mbuf_size;
	ret = vmk_host_create(&hp, &d->host);
	if (ret < 0) {
		fprintf(stderr, "vmknetd: cannot create the host: %s: %s\n", strerror(-ret),
			vmk_last_error());
		return -1;
	}
	if (vmk_config_create(&empty) < 0)
		return -1;
	ret = vmk_config_apply(d->host, empty, d->cfg, d->nics, d->n_nics, err, sizeof(err));
	vmk_config_destroy(empty);
	if (ret < 0) {
		fprintf(stderr, "vmknetd: cannot apply %s: %s\n"
			"vmknetd: the file was left as it is\n", d->config_path, err);
		return -1;
	}
	/* MACs the host generated are saved, so a restart keeps them. */
	if (vmknetd_fill_generated(d, d->cfg) > 0 &&
	    vmk_config_save_file(d->config_path, d->cfg, err, sizeof(err)) < 0)
		fprintf(stderr, "vmknetd: cannot save the generated MAC addresses: %s\n", err);
	worker = rte_get_next_lcore(-1, 1, 0);
	if (worker < RTE_MAX_LCORE) {
		ret = vmk_host_start(d->host, &worker, 1);
		if (ret < 0) {
			fprintf(stderr, "vmknetd: cannot start the worker on lcore %u: %s: %s\n",
				worker, strerror(-ret), vmk_last_error());
			return -1;
		}
	}
	fprintf(stderr, "vmknetd: %u NIC(s), %u vSwitch(es), %s\n", d->n_nics,
		d->cfg->n_vswitches, worker < RTE_MAX_LCORE ? "one worker lcore" :
		"no worker lcore (nothing forwards)");
	return 0;
}

static void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: poll() returns at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	vmknetd_crash_report_install();
}

/* The control server's takeover: "session.attach" becomes a session of
 * the socket layer (sockets/server.h); anything else is a request. */
static int take_session(int fd, const char *request, size_t len, void *arg)
{
	struct daemon *d = arg;
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = vmks_server_attach(d->sessions, fd, request, len);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int serve(struct daemon *d, const char *control)
{
	struct vmk_ctl_server *srv;
	int ret = make_parent_dir(control);

	if (ret == 0)
		ret = vmk_ctl_server_create(control, vmknetd_handle, d, &srv);
	if (ret == 0)
		vmk_ctl_server_set_takeover(srv, take_session, d);
	if (ret < 0) {
		fprintf(stderr, "vmknetd: control socket %s: %s%s\n", control, strerror(-ret),
			ret == -EADDRINUSE ? " (another vmknetd serves it)" : "");
		return -1;
	}
	fprintf(stderr, "vmknetd: ready, control socket %s\n", control);
	while (!stop_requested) {
		unsigned int next_ms = 1000;

		/* The adapters' DHCP clients run between requests, under the lock
		 * requests take (the telemetry thread reads the host too). */
		pthread_mutex_lock(&d->lock);
		vmk_dhcp_poll(d->host, &next_ms);
		vmknetd_capture_tick(d);
		pthread_mutex_unlock(&d->lock);
		ret = vmk_ctl_server_poll(srv, (int)(next_ms < 20 ? 20 : next_ms));
		if (ret < 0) {
			fprintf(stderr, "vmknetd: control socket failed: %s\n", strerror(-ret));
			break;
		}
	}
	vmk_ctl_server_destroy(srv);
	return ret < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	struct options o;
	int eal_argc = argc, ret, status = 1;

	/* Our options follow "--"; EAL gets what comes before. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			eal_argc = i;
			break;
		}
	}
	ret = eal_argc < argc ? parse_options(argc - eal_argc, argv + eal_argc, &o) :
		parse_options(1, argv, &o);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	d.config_path = o.config;
	d.mbuf_size = (uint16_t)o.mbuf_size;
	signals_install();
	ret = vmk_eal_init(eal_argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vmknetd: EAL initialisation failed: %s\n", strerror(-ret));
		return 1;
	}
	if (vmk_config_create(&d.cfg) < 0)
		goto cleanup_eal;
	nics_discover(&d);
	if (config_load(&d) < 0 || host_bring_up(&d) < 0)
		goto destroy_host;
	pthread_mutex_init(&d.lock, NULL);
	ret = vmks_server_create(d.host, &d.sessions);
	if (ret < 0) {
		fprintf(stderr, "vmknetd: cannot start the session server: %s\n", strerror(-ret));
		goto destroy_host;
	}
	vmknetd_telemetry_register(&d);
	if (serve(&d, o.control) == 0)
		status = 0;
	fprintf(stderr, "vmknetd: stopping\n");
	vmknetd_vmotion_stop(&d);
	vmknetd_capture_stop_all(&d);
	vmks_server_destroy(d.sessions);
destroy_host:
	vmk_host_destroy(d.host);
	vmk_config_destroy(d.cfg);
cleanup_eal:
	vmk_eal_cleanup();
	return status;
}
