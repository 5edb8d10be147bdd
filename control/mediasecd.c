/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasecd: loads the configuration, starts EAL and the dataplane, installs
 * the configured sessions, and then is the control thread: it waits for
 * signals (SIGINT/SIGTERM stop, SIGHUP reloads the sessions) and prints the
 * counters every stats interval.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "config.h"
#include "dataplane.h"
#include "eal_args.h"
#include "ms_log.h"
#include "sessions.h"

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
		"SIGHUP reads the file again and applies its sessions' differences.\n",
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

static void
reload(const char *path, struct ms_dataplane *dp, struct ms_file_sessions *fs)
{
	struct ms_config cfg;
	struct ms_reload_result r;
	char err[512];
	int ret;

	ret = ms_config_load(path, &cfg, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "mediasecd: reload refused, the running sessions stay: %s\n", err);
		return;
	}
	ret = ms_file_sessions_reload(fs, ms_dataplane_legs(dp), &cfg, &r, err, sizeof(err));
	if (ret < 0)
		fprintf(stderr, "mediasecd: reload failed part way: %s\n", err);
	printf("mediasecd: reloaded %s: %u added, %u removed, %u replaced, %u legs rekeyed, %u peers "
	       "changed (ports, workers and limits need a restart)\n",
	       path ? path : "(built-in)", r.added, r.removed, r.replaced, r.rekeyed, r.repeered);
	fflush(stdout);
	ms_config_free(&cfg);
}

static int
control_loop(const char *path, struct ms_dataplane *dp, struct ms_file_sessions *fs,
	     const sigset_t *sigs, uint32_t stats_ms)
{
	for (;;) {
		struct timespec ts = {
			.tv_sec = stats_ms ? stats_ms / 1000 : 3600,
			.tv_nsec = stats_ms ? (long)(stats_ms % 1000) * 1000000L : 0,
		};
		int sig = sigtimedwait(sigs, NULL, &ts);

		if (sig == SIGINT || sig == SIGTERM) {
			printf("mediasecd: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
			return 0;
		}
		if (sig == SIGHUP) {
			reload(path, dp, fs);
			continue;
		}
		if (sig < 0 && errno == EAGAIN && stats_ms) {
			time_t now = time(NULL);
			char when[32];

			strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
			printf("--- %s\n", when);
			ms_dataplane_print_stats(dp, stdout);
		}
	}
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
	struct ms_file_sessions fs;
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
		printf("mediasecd: %s: configuration is valid (%u ports, %u workers, %u sessions)\n",
		       path ? path : "built-in configuration", cfg.nb_ports, cfg.nb_workers,
		       cfg.nb_sessions);
		ms_config_free(&cfg);
		return 0;
	}
	if (stats_ms < 0)
		stats_ms = cfg.stats_interval_ms;

	/* EAL's threads inherit this mask: the signals come to sigtimedwait here only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

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

	ret = ms_dataplane_create(&cfg, &dp, err, sizeof(err));
	if (ret == 0)
		ret = ms_file_sessions_install(&fs, ms_dataplane_legs(dp), &cfg, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "mediasecd: %s\n", err);
		ms_dataplane_free(dp);
		ms_config_free(&cfg);
		rte_eal_cleanup();
		return 1;
	}
	ms_dataplane_telemetry_register(dp);
	ret = ms_dataplane_start(dp);
	if (ret < 0) {
		fprintf(stderr, "mediasecd: cannot start the workers\n");
	} else {
		printf("mediasecd: ready: %u ports, %u workers, %u sessions, engine %s\n", cfg.nb_ports,
		       cfg.nb_workers, fs.nb, cfg.crypto.engine->name);
		fflush(stdout);
		ret = control_loop(path, dp, &fs, &sigs, (uint32_t)stats_ms);
		ms_dataplane_stop(dp);
		printf("mediasecd: counters at exit\n");
		ms_dataplane_print_stats(dp, stdout);
	}
	ms_dataplane_free(dp);
	ms_file_sessions_free(&fs);
	ms_config_free(&cfg);
	rte_eal_cleanup();
	printf("mediasecd: stopped, keys wiped\n");
	return ret < 0 ? 1 : 0;
}
