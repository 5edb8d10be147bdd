/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasecd: loads the configuration, starts EAL and the dataplane, installs
 * the configured sessions, and then is the control thread: it serves the
 * control socket (call control installs sessions through it), takes signals
 * (SIGINT/SIGTERM stop, SIGHUP reloads profiles, clients and sessions) and
 * prints the counters every stats interval.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "config.h"
#include "ctl.h"
#include "dataplane.h"
#include "eal_args.h"
#include "ms_log.h"
#include "sessions.h"
#include "tls.h"

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-f FILE] [--stats MS] [--check]\n"
		"  -f, --config FILE  configuration (libconfig; default: the built-in one,\n"
		"                     conf/mediasec.conf of the source tree)\n"
		"  -s, --stats MS     print every worker's and leg's counters every MS ms\n"
		"  -c, --check        load and check the configuration, then exit\n"
		"  -h, --help\n"
		"Signals: SIGINT/SIGTERM stop (counters are printed, keys wiped);\n"
		"SIGHUP reads the file again: profiles, clients and TLS certificates are\n"
		"replaced (all or nothing), then its sessions' differences applied.\n",
		prog);
}

/* No core file, no ptrace by other users, and room to lock key memory. */
static void
harden(void)
{
	struct rlimit none = {0, 0}, unlimited = {RLIM_INFINITY, RLIM_INFINITY};

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &none);
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0) {
		struct rlimit cur;

		if (getrlimit(RLIMIT_MEMLOCK, &cur) == 0) {
			cur.rlim_cur = cur.rlim_max;
			setrlimit(RLIMIT_MEMLOCK, &cur);
		}
	}
}

/* What the control thread keeps between signals. */
struct daemon {
	const char *path;
	struct ms_dataplane *dp;
	struct ms_ctl *ctl;
	struct ms_file_sessions *fs;
	int sigfd;
	bool stop;
};

/*
 * SIGHUP: the file again. Profiles, clients and TLS certificates first, all
 * or nothing; then the differences of its sessions.
 */
static void
reload(struct daemon *d)
{
	struct ms_config cfg;
	struct ms_reload_result r;
	bool restart = false;
	char err[512];
	int ret;

	ret = ms_config_load(d->path, &cfg, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "mediasecd: reload refused, the running configuration stays: %s\n", err);
		return;
	}
	ret = ms_ctl_reload(d->ctl, &cfg, &restart, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "mediasecd: reload refused, the running configuration stays: %s\n", err);
		ms_config_free(&cfg);
		return;
	}
	ret = ms_file_sessions_reload(d->fs, ms_ctl_store(d->ctl), &cfg, &r, err, sizeof(err));
	if (ret < 0)
		fprintf(stderr, "mediasecd: reload failed part way: %s\n", err);
	printf("mediasecd: reloaded %s: profiles and clients applied; sessions: %u added, %u removed, "
	       "%u replaced, %u legs rekeyed, %u peers changed%s\n",
	       d->path ? d->path : "(built-in)", r.added, r.removed, r.replaced, r.rekeyed,
	       r.repeered,
	       restart ? "; listeners changed: restart to apply (ports, workers and limits too)"
		       : " (ports, workers, limits and listeners need a restart)");
	fflush(stdout);
	ms_config_free(&cfg);
}

static void
on_signal(void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
			printf("mediasecd: %s, stopping\n", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			d->stop = true;
		} else if (si.ssi_signo == SIGHUP) {
			reload(d);
		}
	}
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The control thread: the control socket, signals, timers, counters. */
static int
control_loop(struct daemon *d, uint32_t stats_ms)
{
	uint64_t next = stats_ms ? mono_ms() + stats_ms : UINT64_MAX;

	while (!d->stop) {
		uint64_t now = mono_ms();
		int wait = next == UINT64_MAX ? 1000 : (int)(next > now ? next - now : 0);
		int ret = ms_ctl_poll(d->ctl, wait);

		if (ret < 0) {
			fprintf(stderr, "mediasecd: control loop: %s\n", strerror(-ret));
			return ret;
		}
		if (mono_ms() >= next) {
			time_t t = time(NULL);
			char when[32];

			strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
			printf("--- %s\n", when);
			ms_dataplane_print_stats(d->dp, stdout);
			fflush(stdout);
			next = mono_ms() + stats_ms;
		}
	}
	return 0;
}

/* --check: the TLS files of the listeners load too. */
static int
check_tls(const struct ms_config *cfg)
{
	for (unsigned i = 0; i < cfg->control.nb_listeners; i++) {
		const struct ms_listener_cfg *l = &cfg->control.listeners[i];
		struct ms_tls_files f;
		struct ms_tls_server *s;
		char err[384];

		if (l->transport != MS_TRANSPORT_TLS)
			continue;
		memset(&f, 0, sizeof(f));
		snprintf(f.certificate, sizeof(f.certificate), "%s", l->certificate);
		snprintf(f.key, sizeof(f.key), "%s", l->key);
		snprintf(f.ca_file, sizeof(f.ca_file), "%s", l->ca_file);
		snprintf(f.ca_path, sizeof(f.ca_path), "%s", l->ca_path);
		if (ms_tls_server_create(&f, &s, err, sizeof(err)) < 0) {
			fprintf(stderr, "mediasecd: control.listeners[%u]: %s\n", i, err);
			return -1;
		}
		ms_tls_server_free(s);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'f'},
		{"stats", required_argument, NULL, 's'},
		{"check", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	long stats_ms = -1;
	bool check = false;
	struct ms_config cfg;
	struct ms_eal_args eal;
	struct ms_dataplane *dp = NULL;
	struct ms_ctl *ctl = NULL;
	struct ms_file_sessions fs;
	struct daemon d;
	char *eal_argv[RTE_DIM(eal.argv)];
	char err[512];
	sigset_t sigs;
	int c, ret;

	while ((c = getopt_long(argc, argv, "f:s:ch", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 's': {
			char *end;

			stats_ms = strtol(optarg, &end, 10);
			if (*end != '\0' || stats_ms < 0 || stats_ms > 3600000) {
				fprintf(stderr, "mediasecd: --stats: %s is not 0..3600000 ms\n", optarg);
				return 2;
			}
			break;
		}
		case 'c':
			check = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}

	harden();
	if (ms_config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mediasecd: %s\n", err);
		return 1;
	}
	if (check) {
		ret = check_tls(&cfg);
		if (ret == 0)
			printf("mediasecd: %s: configuration is valid (%u ports, %u workers, %u sessions, "
			       "%u control listeners, %u profiles, %u clients)\n",
			       path ? path : "built-in configuration", cfg.nb_ports, cfg.nb_workers,
			       cfg.nb_sessions, cfg.control.nb_listeners, cfg.control.nb_profiles,
			       cfg.control.nb_clients);
		ms_config_free(&cfg);
		return ret < 0 ? 1 : 0;
	}
	if (stats_ms < 0)
		stats_ms = cfg.stats_interval_ms;

	/* EAL's threads inherit this mask: the signals come to sigtimedwait here only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	/* a control client that goes away must not take the daemon with it */
	signal(SIGPIPE, SIG_IGN);

	if (ms_eal_args_build(&cfg, argv[0], &eal, err, sizeof(err)) < 0) {
		fprintf(stderr, "mediasecd: %s\n", err);
		ms_config_free(&cfg);
		return 1;
	}
	memcpy(eal_argv, eal.argv, sizeof(eal_argv));
	if (rte_eal_init(eal.argc, eal_argv) < 0) {
		fprintf(stderr, "mediasecd: cannot initialise DPDK EAL: %s (lcores %u + workers; "
				"eal.args)\n",
			rte_strerror(rte_errno), cfg.eal.main_lcore);
		ms_eal_args_free(&eal);
		ms_config_free(&cfg);
		return 1;
	}
	printf("mediasecd: EAL on %s\n",
	       eal.hugepages ? "hugepages (--in-memory)" : "ordinary memory (--no-huge: slower)");
	ms_eal_args_free(&eal);

	memset(&fs, 0, sizeof(fs));
	ret = ms_dataplane_create(&cfg, &dp, err, sizeof(err));
	if (ret == 0)
		ret = ms_ctl_create(&cfg, dp, &ctl, err, sizeof(err));
	if (ret == 0)
		ret = ms_file_sessions_install(&fs, ms_ctl_store(ctl), &cfg, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "mediasecd: %s\n", err);
		ms_ctl_free(ctl);
		ms_dataplane_free(dp);
		ms_config_free(&cfg);
		rte_eal_cleanup();
		return 1;
	}
	d = (struct daemon){.path = path, .dp = dp, .ctl = ctl, .fs = &fs};
	d.sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d.sigfd < 0 || ms_ctl_watch_fd(ctl, d.sigfd, on_signal, &d) < 0) {
		fprintf(stderr, "mediasecd: cannot take signals: %s\n", strerror(errno));
		ret = -1;
	}
	ms_dataplane_telemetry_register(dp);
	if (ret == 0)
		ret = ms_dataplane_start(dp);
	if (ret < 0) {
		fprintf(stderr, "mediasecd: cannot start the workers\n");
	} else {
		char listeners[512];

		ms_ctl_describe(ctl, listeners, sizeof(listeners));
		printf("mediasecd: control: %s\n", listeners);
		printf("mediasecd: ready: %u ports, %u workers, %u sessions, engine %s\n", cfg.nb_ports,
		       cfg.nb_workers, fs.nb, cfg.crypto.engine->name);
		fflush(stdout);
		ret = control_loop(&d, (uint32_t)stats_ms);
		ms_dataplane_stop(dp);
		printf("mediasecd: counters at exit\n");
		ms_dataplane_print_stats(dp, stdout);
	}
	/* the control plane first: its captures and records refer to legs */
	ms_ctl_free(ctl);
	if (d.sigfd >= 0)
		close(d.sigfd);
	ms_dataplane_free(dp);
	ms_file_sessions_free(&fs);
	ms_config_free(&cfg);
	rte_eal_cleanup();
	printf("mediasecd: stopped, keys wiped\n");
	return ret < 0 ? 1 : 0;
}
