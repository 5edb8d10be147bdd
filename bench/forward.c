/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench forward: mediasecd as a whole, one worker lcore, under
 * G.711 traffic from a DPDK generator in this process.
 *
 * For each mode (what enters leg A, what leaves leg B) and number of
 * concurrent sessions, the benchmark writes a mediasecd configuration with
 * that many sessions, starts mediasecd as a child joined to this process by
 * two memif (or vhost-user) ports, waits for it to say it is ready, sends one
 * packet on every leg, then looks for the highest offered rate that loses
 * less than --loss of the packets (binary search over trials of --trial
 * seconds). Every packet that comes back is checked (decrypted first when it
 * is SRTP); packets that come back wrong count as corrupted or misforwarded,
 * apart from those that never come back.
 *
 * At the rate found it reports mediasecd's own cost per packet from its
 * telemetry: TSC cycles spent in polls that received packets, over those
 * packets (busy_cycles / busy_pkts), read at the start and the end of the
 * trial; and the share of the worker's time that was busy. The generator
 * keeps the same account of itself, so each row says which side was the
 * limit. With --baseline, dpdk-testpmd (io forwarding between the same two
 * ports) stands in for the proxy: the rate the generator and the ports reach
 * without it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "bench.h"
#include "forward.h"

#define MAX_LIST 8
#define MAX_WORKERS FWD_MAX_QUEUES
#define MAX_TRIALS 24
#define LOOP_MARK "testpmd"

struct opts {
	bool modes[FWD_MODE_COUNT];
	unsigned legs[MAX_LIST], nb_legs;
	enum ms_srtp_suite suite; /* the first of suites: the one the targets are read on */
	enum ms_srtp_suite suites[MS_SUITE_COUNT];
	unsigned nb_suites;
	unsigned workers;
	unsigned worker_cpus[MAX_WORKERS]; /* worker k's CPU */
	bool cpus_shared; /* a worker shares its CPU with another or with the generator */
	bool latency;          /* latency trials at 10/50/90% of each row's rate */
	bool latency_baseline; /* and through testpmd at the same rates */
	double cost_pps;       /* the fixed rate of the cost trials (0: none) */
	double cost_s;
	unsigned cost_reps;
	bool again;            /* the smallest legs again after the largest, per mode */
	bool installs;         /* key installs while forwarding */
	double installs_share;
	double trial_s;
	double loss_pct;
	double precision_pct;
	double max_mpps;
	double prime_mpps;
	unsigned burst;
	unsigned max_lag;
	unsigned retries;
	unsigned repeat;
	double max_others;   /* share of a CPU other tasks may take in a trial */
	double max_l3_ratio; /* L3 latency over its best that sets a trial aside */
	unsigned max_waits;  /* trials run again because of them, at most */
	unsigned max_trials;
	unsigned gen_cpu, worker_cpu;
	double start_timeout_s;
	enum fwd_transport transport;
	int baseline; /* -1: when dpdk-testpmd is found */
	bool proxy;   /* run mediasecd rows (--baseline-only clears it) */
	bool keep;
	bool verbose;
	bool quick;
	bool json, markdown;
	bool check_udp_cksum, send_udp_cksum;
	const char *mediasecd;
	const char *testpmd;
	const char *json_file; /* the JSON results there too */
};

/* One trial of the search, for the record. */
struct step {
	double rate_mpps;  /* asked for */
	double offered_mpps;
	double loss_pct;   /* not delivered intact */
	bool pass;
};

struct row {
	enum fwd_mode mode;
	uint32_t legs;
	unsigned rep; /* repetition of the same row, with a fresh proxy */
	bool loop; /* dpdk-testpmd in place of mediasecd */
	bool done;
	char error[256];
	enum ms_srtp_suite suite;
	bool again;      /* a control row: the smallest legs after the largest, cost only */
	double ready_s;  /* start of the proxy until it said ready */
	double setup_s;  /* the generator's per-leg state, configuration written */
	struct fwd_lat lat;
	struct fwd_cost cost;
	struct fwd_mem mem;
	char ctl_socket[160];
	unsigned prime_good, prime_sent;
	unsigned contended_trials; /* run again because other tasks took CPU time */
	unsigned nb_steps;
	struct step steps[MAX_TRIALS];
	bool found;      /* some trial passed */
	struct fwd_trial t; /* the passing trial at the highest rate */
	double mpps;     /* offered in that trial */
	double rx_mpps;
	double max_rx_mpps; /* delivered when offered the most (first trial) */
	bool telemetry;
	double worker_cycles; /* per packet */
	double worker_busy;   /* share of the trial the worker spent on polls with packets */
	double proxy_rx, proxy_tx; /* packets, in the trial */
	double proxy_drops;
	char drops[512]; /* nonzero drop counters, "name=value ..." */
	double gen_cycles; /* generator cycles per packet sent (build, send, receive, check) */
	double gen_busy;
	/* the failing trial at the lowest rate: what its loss was made of */
	bool failed_above;
	double fail_mpps;
	uint64_t fail_requested, fail_overflow, fail_late, fail_inflight;
	double fail_worker_busy, fail_gen_busy;
	int exit_status;
	const char *bound;
};

static struct row *rows;
static unsigned nb_rows;
static struct fwd_installs installs;
static double tsc_hz;
static char memdesc[160];

static void
help(void)
{
	printf("usage: mediasec-bench forward [options] [-- EAL options of the generator]\n"
	       "  --modes LIST        srtp-rtp,rtp-srtp,srtp-srtp,rtp-rtp (default: the first three)\n"
	       "  --legs LIST         concurrent sessions, one stream each (default 1,1000,100000)\n"
	       "  --suite NAME        SRTP suite of the SRTP legs (default AES_CM_128_HMAC_SHA1_80)\n"
	       "  --suites LIST|all   several suites, each a row of its own (RTP->RTP once); the\n"
	       "                      targets are read on the first\n"
	       "  --workers N         mediasecd worker lcores (default 1), each polling its own\n"
	       "                      queue of both memif ports; the generator spreads the legs\n"
	       "                      over the queues as RSS would (leg i on queue i %% N)\n"
	       "  --worker-cpus LIST  their CPUs (default: --worker-cpu, then the CPUs other than\n"
	       "                      --gen-cpu in turn; they may repeat)\n"
	       "  --no-latency        no latency trials (default: at 10%%, 50%% and 90%% of each\n"
	       "                      row's no-drop rate, through mediasecd and through testpmd)\n"
	       "  --no-latency-baseline  the latency trials through mediasecd only\n"
	       "  --cost-rate PPS     the worker's cycles per packet at this fixed rate in every\n"
	       "                      row (default 500000; 0: none)\n"
	       "  --cost-reps N       cost trials per row, the median reported (default 3)\n"
	       "  --no-again          do not measure the smallest legs count again after the\n"
	       "                      largest (the control for the host's drift)\n"
	       "  --installs          key installs/s while forwarding at 80%% of the SRTP->RTP\n"
	       "                      no-drop rate (runs mediasec-bench control)\n"
	       "  --installs-share X  that share (default 0.8)\n"
	       "  --trial SECONDS     length of one trial (default 2.5)\n"
	       "  --loss PERCENT      most loss a passing trial may have (default 0.01)\n"
	       "  --precision PERCENT stop searching when the bounds are this close (default 1)\n"
	       "  --max-mpps X        highest rate tried (default 12)\n"
	       "  --retries N         repeat a failing trial up to N times (default 1): noise\n"
	       "  --repeat N          measure every row N times, each with a fresh proxy, and\n"
	       "                      report the best (default 1; see docs/benchmarks.md)\n"
	       "  --l3-ratio R        a trial is set aside and run again, a second later, when\n"
	       "                      the L3 latency around it is over R times its best in the run\n"
	       "                      (another tenant of the host; default 2, 0: never), or\n"
	       "                      other tasks took more than 5%% of a CPU during it\n"
	       "  --max-waits N       at most N times per trial (default 10)\n"
	       "  --burst N           packets per transmit burst (default 32)\n"
	       "  --max-lag N         packets the generator may fall behind its schedule while\n"
	       "                      the proxy's port refuses them (default 16384); more are lost\n"
	       "  --transport T       memif (default) or vhost (generator vhost-user, proxy\n"
	       "                      virtio_user)\n"
	       "  --baseline          also measure with dpdk-testpmd (io) in place of mediasecd\n"
	       "                      (default when dpdk-testpmd is found)\n"
	       "  --no-baseline       do not\n"
	       "  --baseline-only     only the testpmd loop\n"
	       "  --mediasecd PATH    the daemon (default: <builddir>/mediasecd)\n"
	       "  --testpmd PATH      default dpdk-testpmd\n"
	       "  --gen-cpu N         the generator's CPU (default 0); mediasecd's main lcore too\n"
	       "  --worker-cpu N      mediasecd's worker lcore (default 1)\n"
	       "  --start-timeout S   wait this long for mediasecd to be ready (default 120 + 1 s\n"
	       "                      per 1000 sessions)\n"
	       "  --udp-checksum      send UDP checksums (default 0, as IPv4 allows)\n"
	       "  --no-check-udp      do not verify UDP checksums on what comes back\n"
	       "  --keep              keep the work directory (configurations, logs)\n"
	       "  --quick             short trials, coarser search, legs 1,1000 (a smoke run)\n"
	       "  -v, --verbose       every trial on stderr\n"
	       "  --json              results as JSON on stdout\n"
	       "  --markdown          results as Markdown\n"
	       "  --json-file FILE    the JSON results into FILE as well\n");
}

/* "1,1,2": CPU numbers, 0 allowed. */
static int
parse_cpus(const char *s, unsigned *out, unsigned *n)
{
	const char *p = s;

	*n = 0;
	while (*p != '\0' && *n < MAX_WORKERS) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v > 1023 || (*end != ',' && *end != '\0'))
			return -EINVAL;
		out[(*n)++] = (unsigned)v;
		p = *end == ',' ? end + 1 : end;
	}
	return *n > 0 && *p == '\0' ? 0 : -EINVAL;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_MODES = 256, O_LEGS, O_SUITE, O_TRIAL, O_LOSS, O_PREC, O_MAX, O_RETRIES, O_BURST,
		O_TRANSPORT, O_BASE, O_NOBASE, O_BASEONLY, O_MEDIASECD, O_TESTPMD, O_GENCPU,
		O_WCPU, O_TIMEOUT, O_SENDCK, O_NOCHECK, O_KEEP, O_QUICK, O_JSON, O_MD, O_LAG, O_REPEAT,
		O_WAITS, O_L3, O_JSONFILE, O_SUITES, O_WORKERS, O_WCPUS, O_NOLAT, O_NOLATBASE,
		O_COSTRATE, O_COSTREPS, O_NOAGAIN, O_INSTALLS, O_ISHARE,
	};
	static const struct option longopts[] = {
		{"modes", required_argument, NULL, O_MODES},
		{"legs", required_argument, NULL, O_LEGS},
		{"suite", required_argument, NULL, O_SUITE},
		{"suites", required_argument, NULL, O_SUITES},
		{"workers", required_argument, NULL, O_WORKERS},
		{"worker-cpus", required_argument, NULL, O_WCPUS},
		{"no-latency", no_argument, NULL, O_NOLAT},
		{"no-latency-baseline", no_argument, NULL, O_NOLATBASE},
		{"cost-rate", required_argument, NULL, O_COSTRATE},
		{"cost-reps", required_argument, NULL, O_COSTREPS},
		{"no-again", no_argument, NULL, O_NOAGAIN},
		{"installs", no_argument, NULL, O_INSTALLS},
		{"installs-share", required_argument, NULL, O_ISHARE},
		{"trial", required_argument, NULL, O_TRIAL},
		{"loss", required_argument, NULL, O_LOSS},
		{"precision", required_argument, NULL, O_PREC},
		{"max-mpps", required_argument, NULL, O_MAX},
		{"retries", required_argument, NULL, O_RETRIES},
		{"repeat", required_argument, NULL, O_REPEAT},
		{"max-waits", required_argument, NULL, O_WAITS},
		{"l3-ratio", required_argument, NULL, O_L3},
		{"burst", required_argument, NULL, O_BURST},
		{"max-lag", required_argument, NULL, O_LAG},
		{"transport", required_argument, NULL, O_TRANSPORT},
		{"baseline", no_argument, NULL, O_BASE},
		{"no-baseline", no_argument, NULL, O_NOBASE},
		{"baseline-only", no_argument, NULL, O_BASEONLY},
		{"mediasecd", required_argument, NULL, O_MEDIASECD},
		{"testpmd", required_argument, NULL, O_TESTPMD},
		{"gen-cpu", required_argument, NULL, O_GENCPU},
		{"worker-cpu", required_argument, NULL, O_WCPU},
		{"start-timeout", required_argument, NULL, O_TIMEOUT},
		{"udp-checksum", no_argument, NULL, O_SENDCK},
		{"no-check-udp", no_argument, NULL, O_NOCHECK},
		{"keep", no_argument, NULL, O_KEEP},
		{"quick", no_argument, NULL, O_QUICK},
		{"verbose", no_argument, NULL, 'v'},
		{"json", no_argument, NULL, O_JSON},
		{"markdown", no_argument, NULL, O_MD},
		{"json-file", required_argument, NULL, O_JSONFILE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *modes = "srtp-rtp,rtp-srtp,srtp-srtp";
	bool legs_given = false, trial_given = false, prec_given = false, cpus_given = false;
	const char *suites = NULL;
	int c, s;

	memset(o, 0, sizeof(*o));
	bench_parse_list("1,1000,100000", o->legs, &o->nb_legs, MAX_LIST, FWD_MAX_SESSIONS);
	o->suite = MS_SUITE_AES_CM_128_HMAC_SHA1_80;
	o->trial_s = 2.5;
	o->loss_pct = 0.01;
	o->precision_pct = 1;
	o->max_mpps = 12;
	o->prime_mpps = 0.5;
	o->burst = 32;
	o->max_lag = 16384;
	o->retries = 1;
	o->repeat = 1;
	o->max_others = 0.05;
	o->max_l3_ratio = 2;
	o->max_waits = 10;
	o->max_trials = 14; /* rates tried; retries come on top */
	o->gen_cpu = 0;
	o->worker_cpu = 1;
	o->transport = FWD_MEMIF;
	o->baseline = -1;
	o->proxy = true;
	o->check_udp_cksum = true;
	o->testpmd = "dpdk-testpmd";
	o->workers = 1;
	o->latency = true;
	o->latency_baseline = true;
	o->cost_pps = 500000;
	o->cost_s = 1;
	o->cost_reps = 3;
	o->again = true;
	o->installs_share = 0.8;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODES: modes = optarg; break;
		case O_LEGS:
			if (bench_parse_list(optarg, o->legs, &o->nb_legs,
							MAX_LIST, FWD_MAX_SESSIONS) < 0)
				return -EINVAL;
			legs_given = true;
			break;
		case O_SUITE:
			s = ms_srtp_suite_from_name(optarg);
			if (s < 0) {
				fprintf(stderr, "unknown suite '%s'\n", optarg);
				return -EINVAL;
			}
			o->suite = (enum ms_srtp_suite)s;
			break;
		case O_SUITES: suites = optarg; break;
		case O_WORKERS: o->workers = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_WCPUS: {
			unsigned n;

			if (parse_cpus(optarg, o->worker_cpus, &n) < 0)
				return -EINVAL;
			for (unsigned k = n; k < MAX_WORKERS; k++)
				o->worker_cpus[k] = o->worker_cpus[k % n];
			cpus_given = true;
			break;
		}
		case O_NOLAT: o->latency = false; break;
		case O_NOLATBASE: o->latency_baseline = false; break;
		case O_COSTRATE: o->cost_pps = atof(optarg); break;
		case O_COSTREPS: o->cost_reps = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_NOAGAIN: o->again = false; break;
		case O_INSTALLS: o->installs = true; break;
		case O_ISHARE: o->installs_share = atof(optarg); break;
		case O_TRIAL:
			o->trial_s = atof(optarg);
			trial_given = true;
			break;
		case O_LOSS: o->loss_pct = atof(optarg); break;
		case O_PREC:
			o->precision_pct = atof(optarg);
			prec_given = true;
			break;
		case O_MAX: o->max_mpps = atof(optarg); break;
		case O_RETRIES: o->retries = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_REPEAT: o->repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_WAITS: o->max_waits = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_L3: o->max_l3_ratio = atof(optarg); break;
		case O_BURST: o->burst = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_LAG: o->max_lag = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_TRANSPORT:
			if (strcmp(optarg, "memif") == 0)
				o->transport = FWD_MEMIF;
			else if (strcmp(optarg, "vhost") == 0)
				o->transport = FWD_VHOST;
			else
				return -EINVAL;
			break;
		case O_BASE: o->baseline = 1; break;
		case O_NOBASE: o->baseline = 0; break;
		case O_BASEONLY:
			o->baseline = 1;
			o->proxy = false;
			break;
		case O_MEDIASECD: o->mediasecd = optarg; break;
		case O_TESTPMD: o->testpmd = optarg; break;
		case O_GENCPU: o->gen_cpu = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_WCPU: o->worker_cpu = (unsigned)strtoul(optarg, NULL, 10); break;
		case O_TIMEOUT: o->start_timeout_s = atof(optarg); break;
		case O_SENDCK: o->send_udp_cksum = true; break;
		case O_NOCHECK: o->check_udp_cksum = false; break;
		case O_KEEP: o->keep = true; break;
		case O_QUICK: o->quick = true; break;
		case 'v': o->verbose = true; break;
		case O_JSON: o->json = true; break;
		case O_MD: o->markdown = true; break;
		case O_JSONFILE: o->json_file = optarg; break;
		case 'h': help(); exit(0);
		default: return -EINVAL;
		}
	}
	if (optind < argc)
		return -EINVAL;
	if (o->quick) {
		if (!legs_given)
			bench_parse_list("1,1000", o->legs, &o->nb_legs,
							MAX_LIST, FWD_MAX_SESSIONS);
		if (!trial_given)
			o->trial_s = 0.5;
		if (!prec_given)
			o->precision_pct = 3;
		o->cost_s = 0.5;
	}
	char *copy = strdup(modes), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		int m = fwd_mode_from_name(t);

		if (m < 0) {
			fprintf(stderr, "unknown mode '%s'\n", t);
			free(copy);
			return -EINVAL;
		}
		o->modes[m] = true;
	}
	free(copy);
	o->suites[o->nb_suites++] = o->suite;
	if (suites != NULL) {
		o->nb_suites = 0;
		copy = strdup(suites);
		for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
			bool all = strcmp(t, "all") == 0;

			for (int k = 0; k < MS_SUITE_COUNT; k++) {
				bool dup = false;

				if (!all && k != ms_srtp_suite_from_name(t))
					continue;
				for (unsigned i = 0; i < o->nb_suites; i++)
					dup |= o->suites[i] == (enum ms_srtp_suite)k;
				if (!dup)
					o->suites[o->nb_suites++] = (enum ms_srtp_suite)k;
			}
			if (!all && ms_srtp_suite_from_name(t) < 0) {
				fprintf(stderr, "unknown suite '%s'\n", t);
				free(copy);
				return -EINVAL;
			}
		}
		free(copy);
		if (o->nb_suites == 0)
			return -EINVAL;
		o->suite = o->suites[0];
	}
	if (o->workers == 0 || o->workers > MAX_WORKERS) {
		fprintf(stderr, "--workers: 1 to %u\n", MAX_WORKERS);
		return -EINVAL;
	}
	if (!cpus_given) {
		/* --worker-cpu, then the CPUs other than the generator's in turn */
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		unsigned cand[MAX_WORKERS * 4], nc = 0, first = 0;

		for (unsigned cpu = 0; cpu < (unsigned)cpus && nc < RTE_DIM(cand); cpu++) {
			if (cpu == o->gen_cpu)
				continue;
			if (cpu == o->worker_cpu)
				first = nc;
			cand[nc++] = cpu;
		}
		for (unsigned k = 0; k < o->workers; k++)
			o->worker_cpus[k] = k == 0 || nc == 0 ? o->worker_cpu : cand[(first + k) % nc];
	}
	o->worker_cpu = o->worker_cpus[0];
	for (unsigned k = 0; k < o->workers; k++) {
		o->cpus_shared |= o->worker_cpus[k] == o->gen_cpu;
		for (unsigned i = 0; i < k; i++)
			o->cpus_shared |= o->worker_cpus[i] == o->worker_cpus[k];
	}
	if (o->cost_reps == 0 || o->cost_reps > FWD_COST_MAX_REPS || o->cost_pps < 0 ||
	    o->installs_share <= 0 || o->installs_share > 1)
		return -EINVAL;
	if (o->trial_s < 0.05 || o->loss_pct < 0 || o->precision_pct <= 0 || o->max_mpps <= 0 ||
	    o->burst == 0 || o->burst > FWD_MAX_BURST ||
	    o->repeat == 0 || o->repeat > 9)
		return -EINVAL;
	return 0;
}

/* The generator's EAL: its CPU, two ports, its own file prefix. */
static bool
eal_init(const struct opts *o, struct fwd_setup *s, int extra_argc, char **extra_argv)
{
	/*
	 * Both processes: mbuf pools and memif rings (~200 MiB), and per session
	 * about 2 KiB in mediasecd (two legs, their streams, the hash) and 1 KiB
	 * here; 100,000 sessions used ~400 MiB in all.
	 */
	unsigned need_mb = 512;
	bool huge;

	for (unsigned i = 0; i < o->nb_legs; i++)
		need_mb = RTE_MAX(need_mb, 512 + o->legs[i] / 256);
	huge = fwd_eal_init(s, o->gen_cpu, need_mb, 1024, extra_argc, extra_argv);
	snprintf(memdesc, sizeof(memdesc), "%s",
		 huge ? "hugepages (--in-memory) for both processes"
		      : "no hugepages free: --no-huge for both processes (about half the rate)");
	return huge;
}

static bool
testpmd_found(const char *name)
{
	char cmd[PATH_MAX + 32];

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0;
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/*
 * Loss as the search sees it: what the schedule asked for and did not come
 * back intact, whether it never got into the port (the proxy did not take
 * it in time, or the generator did not build it in time) or got lost after.
 */
static double
loss_pct(const struct fwd_trial *t)
{
	if (t->requested == 0)
		return 100;
	return 100.0 * (double)(t->requested - RTE_MIN(t->good, t->requested)) / (double)t->requested;
}

struct telem {
	bool ok;
	uint64_t tsc; /* when the counters were read */
	struct fwd_counters c;
};

static void
telem_read(const struct fwd_child *ch, struct telem *tm)
{
	json_t *j = ch->telemetry[0] ? fwd_telemetry(ch->telemetry, "/mediasec/stats") : NULL;

	tm->tsc = rte_rdtsc();
	fwd_counters_from_json(&tm->c, j);
	tm->ok = j != NULL;
	json_decref(j);
}

static void
telem_free(struct telem *t)
{
	fwd_counters_free(&t->c);
}

static double
delta(const struct telem *a, const struct telem *b, const char *leaf)
{
	int i = fwd_counters_pick(&b->c, leaf);

	if (i < 0)
		return 0;
	return b->c.value[i] - fwd_counters_get(&a->c, b->c.name[i]);
}

static bool
child_alive(struct fwd_child *ch, struct row *r)
{
	int status;

	if (ch->pid > 0 && waitpid(ch->pid, &status, WNOHANG) == ch->pid) {
		ch->pid = 0;
		snprintf(r->error, sizeof(r->error), "%s died during the run (%s %d)",
			 r->loop ? "testpmd" : "mediasecd", WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return false;
	}
	return true;
}

/*
 * CPU time taken by everything but the two processes under test, from
 * /proc: the generator and the proxy's worker poll without pause, so any
 * other task that runs takes its time from them. Other engineers' tests on a
 * shared machine halve the figures that way without a trace in them.
 */
/* The cache is much slower than at its best: somebody else is using it hard. */
static bool
l3_slow(const struct opts *o, double lat)
{
	return o->max_l3_ratio > 0 && lat > fwd_l3_best() * o->max_l3_ratio;
}

/* One trial with the proxy's counters around it. Returns true when it passed. */
static bool
trial(const struct opts *o, struct fwd_gen *g, struct fwd_child *ch, struct row *r, double rate_pps,
      double seconds, struct fwd_trial *t, struct telem *before, struct telem *after)
{
	struct fwd_cpu_sample c0, c1;
	double others, l3_before, l3_after;

	for (unsigned wait = 0;; wait++) {
		l3_before = fwd_l3_probe();
		if (l3_slow(o, l3_before) && wait < o->max_waits) {
			if (o->verbose)
				fprintf(stderr, "  L3 at %.0f cycles per load (best %.0f): waiting\n",
					l3_before, fwd_l3_best());
			r->contended_trials++;
			sleep(1);
			continue;
		}
		fwd_cpu_sample(ch->pid, &c0);
		telem_read(ch, before);
		fwd_gen_run(g, rate_pps, seconds, 0, 500, t);
		telem_read(ch, after);
		fwd_cpu_sample(ch->pid, &c1);
		others = fwd_cpu_others(&c0, &c1);
		l3_after = fwd_l3_probe();
		if ((others <= o->max_others && !l3_slow(o, l3_after)) || wait >= o->max_waits)
			break;
		/* somebody else ran: this trial says nothing about the proxy; again, later */
		if (o->verbose)
			fprintf(stderr,
				"  trial %.3f Mpps: other tasks took %.0f%% of a CPU, L3 at %.0f cycles "
				"per load after it (best %.0f): again\n",
				rate_pps / 1e6, 100 * others, l3_after, fwd_l3_best());
		telem_free(before);
		telem_free(after);
		r->contended_trials++;
		sleep(1);
	}
	t->others = others;
	t->l3_before = l3_before;
	t->l3_after = l3_after;
	t->disturbed = others > o->max_others || l3_slow(o, l3_before) || l3_slow(o, l3_after);
	/* less than --loss, or none at all */
	bool pass = loss_pct(t) < o->loss_pct || t->good == t->requested;

	if (o->verbose)
		fprintf(stderr,
			"  trial %.3f Mpps: sent %.3f, delivered %.3f, loss %.4f%% (overflow %lu, "
			"generator late %lu, refused at first %lu, corrupted %lu, misforwarded %lu, "
			"dup %lu, stale %lu; others %.0f%%, L3 %.0f/%.0f)%s\n",
			rate_pps / 1e6, (double)t->sent / t->elapsed_s / 1e6,
			(double)t->good / t->elapsed_s / 1e6, loss_pct(t), (unsigned long)t->overflow,
			(unsigned long)t->late, (unsigned long)t->tx_refused,
			(unsigned long)t->corrupted, (unsigned long)t->misforwarded,
			(unsigned long)t->duplicate, (unsigned long)t->stale, 100 * t->others,
			t->l3_before, t->l3_after, pass ? "" : "  FAIL");
	return pass;
}

/*
 * The workers' mean share of the time between two readings: the stats op
 * sums busy_cycles over every worker, so one worker's 100% is the sum's
 * 1/workers.
 */
static double
workers_busy(const struct opts *o, const struct telem *a, const struct telem *b)
{
	return delta(a, b, "busy_cycles") / (double)(b->tsc - a->tsc) / (double)o->workers;
}

static void
record(const struct opts *o, struct row *r, const struct fwd_trial *t, const struct telem *a,
       const struct telem *b)
{
	double cycles = t->elapsed_s * tsc_hz;

	r->found = true;
	r->t = *t;
	r->mpps = (double)t->sent / t->elapsed_s / 1e6;
	r->rx_mpps = (double)t->good / t->elapsed_s / 1e6;
	r->gen_cycles = t->sent ? (double)t->gen_busy_cycles / (double)t->sent : 0;
	r->gen_busy = (double)t->gen_busy_cycles / cycles;
	r->telemetry = a->ok && b->ok && fwd_counters_pick(&b->c, "busy_pkts") >= 0;
	if (r->telemetry) {
		double bc = delta(a, b, "busy_cycles"), bp = delta(a, b, "busy_pkts");

		r->worker_cycles = bp > 0 ? bc / bp : 0;
		r->worker_busy = workers_busy(o, a, b);
		r->proxy_rx = delta(a, b, "rx_pkts");
		r->proxy_tx = delta(a, b, "tx_pkts");
		r->proxy_drops = fwd_counters_drops(&a->c, &b->c, r->drops, sizeof(r->drops));
	}
}

/*
 * The search for the highest rate that loses no more than --loss: first the
 * top rate; what comes back when overloaded is near the limit, so the next
 * trial is just under that, and then bisection between the highest rate that
 * passed and the lowest that failed. A failing trial is repeated up to
 * --retries times before the rate counts as failed (the machine is shared).
 */
static void
search(const struct opts *o, struct fwd_gen *g, struct fwd_child *ch, struct row *r)
{
	double hi = o->max_mpps * 1e6, lo = 0, rate = hi;
	struct fwd_trial *t = malloc(sizeof(*t));
	struct telem a, b;

	for (unsigned rates = 0; rates < o->max_trials && child_alive(ch, r); rates++) {
		bool pass = false;

		/* no retry at the top rate: it is expected to fail */
		for (unsigned attempt = 0; attempt <= (rates ? o->retries : 0) && !pass; attempt++) {
			pass = trial(o, g, ch, r, rate, o->trial_s, t, &a, &b);
			if (r->nb_steps < MAX_TRIALS)
				r->steps[r->nb_steps++] = (struct step){rate / 1e6,
									(double)t->sent / t->elapsed_s / 1e6,
									loss_pct(t), pass};
			if (pass)
				record(o, r, t, &a, &b);
			else if (rates == 0)
				r->max_rx_mpps = (double)t->good / t->elapsed_s / 1e6;
			if (!pass && rate < hi * 1.0001 && (!r->failed_above || rate <= r->fail_mpps * 1e6)) {
				r->failed_above = true;
				r->fail_mpps = rate / 1e6;
				r->fail_requested = t->requested;
				r->fail_overflow = t->overflow;
				r->fail_late = t->late;
				r->fail_inflight = t->sent - RTE_MIN(t->good, t->sent);
				r->fail_gen_busy = (double)t->gen_busy_cycles / (t->elapsed_s * tsc_hz);
				r->fail_worker_busy = a.ok && b.ok ? workers_busy(o, &a, &b) : 0;
			}
			telem_free(&a);
			telem_free(&b);
		}
		if (rates == 0 && pass) {
			/* nothing lost even at the top: the generator's best */
			r->max_rx_mpps = r->rx_mpps;
			break;
		}
		if (pass)
			lo = rate;
		else
			hi = rate;
		if (rates == 0) {
			/* overloaded, it delivered what it can: anything much above cannot pass */
			double cap = r->max_rx_mpps * 1e6;

			hi = RTE_MIN(hi, cap * 1.02);
			rate = cap * 0.97;
		} else if (lo == 0) {
			rate = hi * 0.85; /* still failing: step down until one passes */
		} else {
			rate = (lo + hi) / 2;
		}
		if (lo > 0 && (hi - lo) <= hi * o->precision_pct / 100)
			break;
		if (rate < 1000)
			break;
	}
	free(t);
}

/*
 * Which side set the rate: the failing trial just above it says what its
 * loss was made of (packets the generator could not build in time, packets
 * the proxy's port did not take, packets lost after), and the busy shares
 * say who was saturated.
 */
static void
row_bound(struct row *r)
{
	uint64_t late = r->fail_late, other = r->fail_overflow + r->fail_inflight;

	if (!r->found)
		r->bound = "-";
	else if (!r->failed_above)
		r->bound = "generator"; /* nothing failed: the top rate passed */
	else if (late > other || r->fail_gen_busy >= 0.95)
		r->bound = "generator";
	else if (r->loop)
		r->bound = "loop";
	else if (r->fail_worker_busy >= 0.85 || (r->telemetry && r->worker_busy >= 0.85))
		r->bound = "proxy";
	else
		r->bound = "stalls"; /* loss while neither side was saturated: preemption */
}

/* dpdk-testpmd io between the two ports: the loop that stands in for the proxy. */
static void
loop_argv(const struct opts *o, const struct fwd_setup *s, bool huge, const char *eal_prefix,
	  char arg[][512], char **argv)
{
	int n = 0;

	argv[n++] = (char *)(uintptr_t)o->testpmd;
	snprintf(arg[0], 512, "-l%u,%u", o->gen_cpu,
		 o->worker_cpu != o->gen_cpu ? o->worker_cpu : o->gen_cpu + 1);
	argv[n++] = arg[0];
	snprintf(arg[1], 512, "--main-lcore=%u", o->gen_cpu);
	argv[n++] = arg[1];
	argv[n++] = "--no-pci";
	argv[n++] = huge ? "--in-memory" : "--no-huge";
	if (!huge) {
		argv[n++] = "-m";
		argv[n++] = "1024";
	}
	snprintf(arg[2], 512, "--file-prefix=%s", eal_prefix);
	argv[n++] = arg[2];
	argv[n++] = "--log-level=lib.eal:notice";
	for (unsigned p = 0; p < 2; p++) {
		char mac[24];

		snprintf(mac, sizeof(mac), RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(&s->proxy_mac[p]));
		if (s->transport == FWD_MEMIF)
			snprintf(arg[3] + p * 256, 256,
				 "--vdev=net_memif_%c,role=client,socket=%s/%c.sock,"
				 "socket-abstract=no,id=0,mac=%s",
				 'a' + p, s->dir, 'a' + p, mac);
		else
			snprintf(arg[3] + p * 256, 256,
				 "--vdev=net_virtio_user_%c,path=%s/%c.sock,queues=%u,"
				 "queue_size=1024,mac=%s",
				 'a' + p, s->dir, 'a' + p, o->workers, mac);
		argv[n++] = arg[3] + p * 256;
	}
	if (s->transport == FWD_VHOST)
		argv[n++] = "--single-file-segments";
	argv[n++] = "--";
	argv[n++] = "--forward-mode=io";
	argv[n++] = "--auto-start";
	argv[n++] = "--stats-period=3600";
	argv[n++] = "--rxd=1024";
	argv[n++] = "--txd=1024";
	argv[n++] = "--burst=32";
	/* the generator's queue pairs: one forwarding core serves them all */
	snprintf(arg[4], 512, "--rxq=%u", o->workers);
	argv[n++] = arg[4];
	snprintf(arg[5], 512, "--txq=%u", o->workers);
	argv[n++] = arg[5];
	argv[n] = NULL;
}

/* Starts the child, waits for its ports, flushes, primes every leg (rounds times). */
static bool
child_up(const struct opts *o, struct fwd_gen *g, struct fwd_child *ch, struct row *r, char **argv,
	 const char *log, bool loop, unsigned rounds, struct fwd_trial *t)
{
	double timeout = o->start_timeout_s > 0 ? o->start_timeout_s : 120 + r->legs / 1000.0;
	uint64_t t0 = rte_get_timer_cycles();

	if (fwd_child_start(ch, argv, log, loop ? "forwards packets on" : "mediasecd: ready:", timeout) < 0) {
		snprintf(r->error, sizeof(r->error), "%.60s did not start (log: %.160s)", argv[0], log);
		return false;
	}
	if (!loop)
		r->ready_s = (double)(rte_get_timer_cycles() - t0) / rte_get_timer_hz();
	if (!o->json)
		fprintf(stderr, "  %s ready after %.1f s\n", loop ? "testpmd" : "mediasecd",
			(double)(rte_get_timer_cycles() - t0) / rte_get_timer_hz());
	if (!fwd_gen_link_wait(g, 10000)) {
		snprintf(r->error, sizeof(r->error), "the ports did not come up within 10 s");
		return false;
	}
	fwd_gen_flush(g, 100);
	/* one packet on every leg: measured packets belong to calls in progress */
	for (unsigned round = 0; round < rounds; round++) {
		fwd_gen_run(g, RTE_MIN(o->prime_mpps * 1e6, r->legs * 1000.0), 0, r->legs, 500, t);
		r->prime_sent = (unsigned)t->sent;
		r->prime_good = (unsigned)t->good;
	}
	if (r->prime_good == 0) {
		snprintf(r->error, sizeof(r->error),
			 "nothing came back while priming (%u sent; corrupted %lu, misforwarded %lu, "
			 "not media %lu, refused %lu)",
			 r->prime_sent, (unsigned long)t->corrupted, (unsigned long)t->misforwarded,
			 (unsigned long)t->not_media, (unsigned long)t->tx_refused);
		return false;
	}
	if (!o->json && r->prime_good < r->prime_sent)
		fprintf(stderr, "  priming: %u of %u packets came back (corrupted %lu, misforwarded %lu)\n",
			r->prime_good, r->prime_sent, (unsigned long)t->corrupted,
			(unsigned long)t->misforwarded);
	return true;
}

/*
 * Latency trials at 10/50/90% of the row's rate; with loop_row: through
 * testpmd (running) instead, whose death is reported there, not as the row's.
 */
static void
latency_trials(const struct opts *o, struct fwd_gen *g, struct fwd_child *ch, struct row *r,
	       struct row *loop_row, struct fwd_trial *t)
{
	bool loop = loop_row != NULL;
	struct telem a, b;

	for (unsigned k = 0; k < FWD_LAT_LOADS && child_alive(ch, loop ? loop_row : r); k++) {
		double rate = fwd_lat_loads[k] * r->mpps * 1e6;
		struct fwd_lat_point *p = loop ? &r->lat.loop[k] : &r->lat.proxy[k];

		trial(o, g, ch, r, rate, o->trial_s, t, &a, &b);
		fwd_lat_point_set(p, t, loss_pct(t));
		p->rate_pps = rate; /* as asked: the loop gets the very same */
		p->overloaded = loss_pct(t) >= o->loss_pct && t->good != t->requested;
		telem_free(&a);
		telem_free(&b);
		if (!o->json)
			fprintf(stderr, "  latency at %.0f%% (%.3f Mpps) through %s: p50 %.1f, p99 %.1f, "
					"p99.9 %.1f us, loss %.4f%%\n",
				100 * fwd_lat_loads[k], rate / 1e6, loop ? "testpmd" : "mediasecd", p->p50_us,
				p->p99_us, p->p999_us, p->loss_pct);
	}
}

/* The worker's cycles per packet at the fixed cost rate, cost_reps times. */
static void
cost_trials(const struct opts *o, struct fwd_gen *g, struct fwd_child *ch, struct row *r,
	    struct fwd_trial *t)
{
	struct telem a, b;

	r->cost.rate_pps = o->cost_pps;
	for (unsigned k = 0; k < o->cost_reps && child_alive(ch, r); k++) {
		trial(o, g, ch, r, o->cost_pps, o->cost_s, t, &a, &b);
		if (a.ok && b.ok) {
			double bp = delta(&a, &b, "busy_pkts");

			r->cost.cycles[r->cost.n] = bp > 0 ? delta(&a, &b, "busy_cycles") / bp : 0;
			r->cost.disturbed[r->cost.n] = t->disturbed;
			r->cost.l3_ratio_worst = fmax(r->cost.l3_ratio_worst,
						      fmax(t->l3_before, t->l3_after) / fwd_l3_best());
			r->cost.n++;
		}
		telem_free(&a);
		telem_free(&b);
	}
	fwd_cost_finish(&r->cost);
	if (!o->json)
		fprintf(stderr, "  worker at %.3f Mpps: %.0f cycles/packet (median of %u)\n",
			o->cost_pps / 1e6, r->cost.median, r->cost.n);
}

/* The log of a row: one name per suite, mode, legs, repetition and control row. */
static void
row_log_path(const struct fwd_setup *s, const struct row *r, char *path, size_t n)
{
	snprintf(path, n, "%s/%s-%s-%u-%u-s%u%s.log", s->dir, r->loop ? "testpmd" : "mediasecd",
		 fwd_mode_info(r->mode)->name, r->legs, r->rep, (unsigned)r->suite,
		 r->again ? "-again" : "");
}

static void
run_row(const struct opts *o, const struct fwd_setup *s, bool huge, struct fwd_gen *g,
	struct row *r)
{
	const struct fwd_mode_info *mi = fwd_mode_info(r->mode);
	char conf[256] = "", log[256], eal_prefix[96], arg[6][512];
	char *argv[32];
	struct fwd_child ch;
	struct fwd_trial *t = calloc(1, sizeof(*t));
	uint64_t t0 = rte_get_timer_cycles();
	int ret;

	memset(&ch, 0, sizeof(ch));
	if (!o->json)
		fprintf(stderr, "%s %s%s%s, %u session%s%s: setting up\n", r->loop ? LOOP_MARK : "mediasecd",
			mi->label, mi->srtp_in || mi->srtp_out ? " " : "",
			mi->srtp_in || mi->srtp_out ? ms_srtp_suite_info(r->suite)->name : "", r->legs,
			r->legs == 1 ? "" : "s", r->again ? " (again, the control)" : "");
	ret = fwd_gen_legs(g, r->mode, r->legs, r->loop);
	if (ret < 0) {
		snprintf(r->error, sizeof(r->error), "generator: cannot set up %u legs: %s", r->legs,
			 strerror(-ret));
		free(t);
		return;
	}
	/* one name per row: suite, mode, legs, repetition and the control row apart */
	snprintf(eal_prefix, sizeof(eal_prefix), "%s-%s-%s-%u-%u-s%u%s", s->prefix,
		 r->loop ? "loop" : "proxy", mi->name, r->legs, r->rep, (unsigned)r->suite,
		 r->again ? "-again" : "");
	row_log_path(s, r, log, sizeof(log));
	if (r->loop) {
		loop_argv(o, s, huge, eal_prefix, arg, argv);
	} else {
		struct fwd_sessions_conf sc = {
			.setup = s,
			.mode = r->mode,
			.sessions = r->legs,
			.main_lcore = o->gen_cpu,
			.worker_lcore = o->worker_cpu,
			.nb_workers = o->workers,
			.worker_cpus = o->worker_cpus,
			.control_socket = r->ctl_socket,
			.hugepages = huge,
			/* the generator's rings: a NIC's receive rings hold as many per queue */
			.mbufs = 16383 * o->workers,
		};

		snprintf(r->ctl_socket, sizeof(r->ctl_socket), "%s/ctl.sock", s->dir);
		snprintf(conf, sizeof(conf), "%s/mediasecd-%s-%u-s%u.conf", s->dir, mi->name, r->legs,
			 (unsigned)r->suite);
		ret = fwd_write_config(&sc, conf, eal_prefix);
		if (ret < 0) {
			snprintf(r->error, sizeof(r->error), "cannot write %.160s: %s", conf, strerror(-ret));
			fwd_remove_config(conf); /* what was written of it holds keys */
			free(t);
			return;
		}
		argv[0] = (char *)(uintptr_t)o->mediasecd;
		argv[1] = "-f";
		argv[2] = conf;
		argv[3] = NULL;
		/* where EAL puts its runtime directory */
		if (getuid() == 0)
			snprintf(ch.telemetry, sizeof(ch.telemetry), "/var/run/dpdk/%s/dpdk_telemetry.v2",
				 eal_prefix);
		else
			snprintf(ch.telemetry, sizeof(ch.telemetry), "%s/dpdk/%s/dpdk_telemetry.v2",
				 getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "/tmp",
				 eal_prefix);
	}
	r->setup_s = (double)(rte_get_timer_cycles() - t0) / rte_get_timer_hz();
	if (!child_up(o, g, &ch, r, argv, log, r->loop, 2, t))
		goto out;
	if (r->again) {
		/* the control of the drift: the same fixed-rate trials, no search */
		r->found = false;
	} else {
		search(o, g, &ch, r);
		row_bound(r);
	}
	if (!r->loop && child_alive(&ch, r)) {
		if (o->latency && r->found)
			latency_trials(o, g, &ch, r, NULL, t);
		if (o->cost_pps > 0)
			cost_trials(o, g, &ch, r, t);
		fwd_mem_read(ch.pid, r->ctl_socket, ch.telemetry, &r->mem);
	}
	r->done = r->error[0] == '\0';
	if (!o->json && r->found)
		fprintf(stderr,
			"  %.3f Mpps, loss %.4f%%, %s%.0f cycles/packet in the worker (busy %.0f%%), "
			"generator busy %.0f%%: %s-bound\n",
			r->mpps, loss_pct(&r->t), r->telemetry ? "" : "no telemetry: ",
			r->worker_cycles, 100 * r->worker_busy, 100 * r->gen_busy, r->bound);
out:
	if (ch.pid > 0) {
		r->exit_status = fwd_child_stop(&ch, 60);
		if (!r->loop && r->exit_status != 0 && r->error[0] == '\0')
			snprintf(r->error, sizeof(r->error), "mediasecd exited with status %d",
				 r->exit_status);
	}
	r->done = r->error[0] == '\0';
	if (r->error[0] != '\0') {
		fprintf(stderr, "  %s\n  log %s:\n", r->error, log);
		fwd_child_log_tail(&ch, stderr, 15);
	}
	if (!o->keep && !r->loop)
		fwd_remove_config(conf);

	/* the same rates through the loop, right after: what the generator and memif add */
	if (r->done && !r->loop && o->latency && o->latency_baseline && r->found) {
		struct row lr;

		memset(&ch, 0, sizeof(ch));
		memset(&lr, 0, sizeof(lr));
		lr.mode = r->mode;
		lr.legs = r->legs;
		lr.loop = true;
		ret = fwd_gen_legs(g, r->mode, r->legs, true);
		snprintf(eal_prefix, sizeof(eal_prefix), "%s-lat-%s-%u-%u", s->prefix, mi->name, r->legs,
			 r->rep);
		snprintf(log, sizeof(log), "%s/testpmd-lat-%s-%u-%u.log", s->dir, mi->name, r->legs,
			 r->rep);
		loop_argv(o, s, huge, eal_prefix, arg, argv);
		if (ret < 0)
			snprintf(r->lat.loop_error, sizeof(r->lat.loop_error),
				 "generator: cannot set up %u legs: %s", r->legs, strerror(-ret));
		else if (child_up(o, g, &ch, &lr, argv, log, true, 1, t))
			latency_trials(o, g, &ch, r, &lr, t);
		if (lr.error[0] != '\0')
			snprintf(r->lat.loop_error, sizeof(r->lat.loop_error), "%.150s", lr.error);
		if (ch.pid > 0)
			fwd_child_stop(&ch, 60);
		if (r->lat.loop_error[0] == '\0' && !o->keep)
			unlink(log);
	}
	free(t);
}

/* ---- output ---- */

#define MAX_TARGETS 64

/* "SRTP->RTP", with the suite when the run has several and the mode uses one. */
static const char *
mode_label(const struct opts *o, enum ms_srtp_suite suite, enum fwd_mode m)
{
	static char buf[4][96];
	static unsigned k;
	const struct fwd_mode_info *mi = fwd_mode_info(m);
	char *b = buf[k++ % 4];

	if (o->nb_suites > 1 && (mi->srtp_in || mi->srtp_out))
		snprintf(b, sizeof(buf[0]), "%s %s", mi->label, ms_srtp_suite_info(suite)->name);
	else
		snprintf(b, sizeof(buf[0]), "%s", mi->label);
	return b;
}

/* The control row (the smallest legs measured again) of a suite and mode, or NULL. */
static const struct row *
find_again(enum ms_srtp_suite suite, enum fwd_mode m)
{
	for (unsigned i = 0; i < nb_rows; i++)
		if (rows[i].again && rows[i].mode == m && rows[i].suite == suite && rows[i].done)
			return &rows[i];
	return NULL;
}

/* The repetition of a row with the highest no-drop rate (the first if none passed). */
static const struct row *
find_row(enum ms_srtp_suite suite, enum fwd_mode m, uint32_t legs, bool loop)
{
	const struct row *best = NULL;

	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];

		if (r->mode != m || r->legs != legs || r->loop != loop || r->again || r->suite != suite)
			continue;
		if (best == NULL || (r->found && (!best->found || r->mpps > best->mpps)))
			best = r;
	}
	return best;
}

struct target {
	char what[128];
	double value, limit;
	bool met, known;
	char note[96];
};

static unsigned
check_targets(const struct opts *o, struct target *t)
{
	unsigned n = 0, lo = UINT_MAX, hi = 0;

	memset(t, 0, MAX_TARGETS * sizeof(*t));
	for (unsigned i = 0; i < o->nb_legs; i++) {
		lo = RTE_MIN(lo, o->legs[i]);
		hi = RTE_MAX(hi, o->legs[i]);
	}
	const struct row *r = find_row(o->suite, FWD_SRTP_RTP, lo, false);
	if (r != NULL && r->done && r->telemetry) {
		snprintf(t[n].what, sizeof(t[n].what), "SRTP->RTP %s, %u leg%s: worker us/packet",
			 ms_srtp_suite_info(o->suite)->name, lo, lo == 1 ? "" : "s");
		t[n].value = r->worker_cycles / tsc_hz * 1e6;
		t[n].limit = 0.35;
		t[n].met = t[n].value <= t[n].limit;
		n++;
	}
	for (unsigned m = 0; m < FWD_MODE_COUNT && hi > lo; m++) {
		const struct row *a = find_row(o->suite, m, lo, false), *b = find_row(o->suite, m, hi, false);

		if (a == NULL || b == NULL || !a->done || !b->done || !a->found || !b->found)
			continue;
		snprintf(t[n].what, sizeof(t[n].what), "%s: Mpps at %u leg%s / at %u legs",
			 fwd_mode_info(m)->label, lo, lo == 1 ? "" : "s", hi);
		t[n].value = a->mpps / b->mpps;
		t[n].limit = 1.5;
		t[n].met = t[n].value <= t[n].limit;
		if (strcmp(a->bound, "proxy") != 0 || strcmp(b->bound, "proxy") != 0)
			snprintf(t[n].note, sizeof(t[n].note), "rates %s-bound / %s-bound", a->bound,
				 b->bound);
		n++;
		if (a->telemetry && b->telemetry && a->worker_cycles > 0) {
			snprintf(t[n].what, sizeof(t[n].what), "%s: worker cycles at %u legs / at %u leg%s",
				 fwd_mode_info(m)->label, hi, lo, lo == 1 ? "" : "s");
			t[n].value = b->worker_cycles / a->worker_cycles;
			t[n].limit = 1.5;
			t[n].met = t[n].value <= t[n].limit;
			snprintf(t[n].note, sizeof(t[n].note), "each at its own no-drop rate");
			n++;
		}
	}
	/* the scale target: the same fixed rate, the drift's control beside it */
	for (unsigned m = 0; m < FWD_MODE_COUNT && hi > lo && n < MAX_TARGETS; m++) {
		const struct row *a = find_row(o->suite, m, lo, false), *b = find_row(o->suite, m, hi, false);
		const struct row *ag = find_again(o->suite, m);
		const struct row *base = ag != NULL && ag->cost.median > 0 ? ag : a;

		if (b == NULL || base == NULL || b->cost.median <= 0 || base->cost.median <= 0)
			continue;
		snprintf(t[n].what, sizeof(t[n].what),
			 "%s: worker cycles at %u sessions (%u legs) / at %u, fixed %.2f Mpps",
			 fwd_mode_info(m)->label, hi, 2 * hi, lo, o->cost_pps / 1e6);
		t[n].value = b->cost.median / base->cost.median;
		t[n].limit = 1.5;
		t[n].met = t[n].value <= t[n].limit;
		if (base == ag && a != NULL && a->cost.median > 0)
			snprintf(t[n].note, sizeof(t[n].note),
				 "against the %u-session control run right after; the first: %.2f", lo,
				 b->cost.median / a->cost.median);
		else
			snprintf(t[n].note, sizeof(t[n].note), "against the first %u-session row, no control",
				 lo);
		n++;
	}
	/* latency added at half load: the worst over the legs counts */
	for (unsigned m = 0; m < FWD_MODE_COUNT && n < MAX_TARGETS; m++) {
		double worst = NAN;
		unsigned at = 0, nl = 0;

		for (unsigned i = 0; i < o->nb_legs; i++) {
			const struct row *x = find_row(o->suite, m, o->legs[i], false);
			double v = x != NULL ? fwd_lat_added(&x->lat, 1, 99) : NAN;

			if (isnan(v))
				continue;
			nl++;
			if (isnan(worst) || v > worst) {
				worst = v;
				at = o->legs[i];
			}
		}
		if (isnan(worst))
			continue;
		snprintf(t[n].what, sizeof(t[n].what), "%s: p99 latency added by mediasecd at 50%% load, us",
			 fwd_mode_info(m)->label);
		t[n].value = worst;
		t[n].limit = 50;
		t[n].met = worst <= 50;
		snprintf(t[n].note, sizeof(t[n].note), "the worst of %u legs count%s: at %u session%s", nl,
			 nl == 1 ? "" : "s", at, at == 1 ? "" : "s");
		n++;
	}
	return n;
}

static void
workers_str(const struct opts *o, char *s, size_t n)
{
	size_t off = (size_t)snprintf(s, n, "%u worker%s (CPU%s ", o->workers, o->workers == 1 ? "" : "s",
				      o->workers == 1 ? "" : "s");

	for (unsigned k = 0; k < o->workers && off < n; k++)
		off += (size_t)snprintf(s + off, n - off, "%s%u", k ? "," : "", o->worker_cpus[k]);
	if (off < n)
		snprintf(s + off, n - off, ")");
}

/* mediasecd's rows to show: the best repetition of each, and the control rows. */
static bool
shown(const struct row *r)
{
	return !r->loop && (r->again || find_row(r->suite, r->mode, r->legs, false) == r);
}

static void
print_latency(const struct opts *o)
{
	bool any = false;
	char label[160];

	for (unsigned i = 0; i < nb_rows; i++)
		any |= shown(&rows[i]) && !rows[i].again && rows[i].lat.proxy[0].ok;
	if (!any)
		return;
	printf("\n%sLatency at 10%%, 50%% and 90%% of each row's no-drop rate (us)\n\n",
	       o->markdown ? "#### " : "");
	fwd_lat_print_head(stdout, o->markdown);
	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];

		if (!shown(r) || r->again || !r->lat.proxy[0].ok)
			continue;
		snprintf(label, sizeof(label), o->markdown ? "%s | %u" : "%-21s %6u",
			 mode_label(o, r->suite, r->mode), r->legs);
		fwd_lat_print_row(stdout, o->markdown, label, &r->lat);
	}
	fwd_lat_print_method(stdout, o->markdown);
}

/* Bytes per leg against the smallest row of the same suite and mode (the stats op's total). */
static double
bytes_per_leg(const struct row *r, double *kernel)
{
	const struct row *base = NULL;

	*kernel = NAN;
	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *x = &rows[i];

		if (x->loop || x->mode != r->mode || x->suite != r->suite || !x->mem.kernel_ok)
			continue;
		if (base == NULL || x->legs < base->legs)
			base = x;
	}
	if (base == NULL || base->legs >= r->legs)
		return NAN;
	*kernel = (fwd_mem_kernel_mib(&r->mem) - fwd_mem_kernel_mib(&base->mem)) * 1048576.0 /
		  (2.0 * (r->legs - base->legs));
	if (!r->mem.stats_ok || !base->mem.stats_ok)
		return NAN;
	return (r->mem.total - base->mem.total) / (2.0 * (r->legs - base->legs));
}

static void
print_scale(const struct opts *o)
{
	bool any = false;

	for (unsigned i = 0; i < nb_rows; i++)
		any |= shown(&rows[i]) && (rows[i].cost.n > 0 || rows[i].mem.kernel_ok);
	if (!any)
		return;
	printf("\n%sScale: the worker's cost per packet at a fixed %.3f Mpps, and mediasecd's memory\n\n",
	       o->markdown ? "#### " : "", o->cost_pps / 1e6);
	if (o->markdown)
		printf("| mode | sessions | legs in mediasecd | start s | worker cycles/pkt (median) | "
		       "trials | no-drop Mpps | stats op total MiB | DPDK heap | key memory | control "
		       "heap | kernel: hugetlb MiB | RSS MiB | kernel total MiB | bytes per leg (stats "
		       "/ kernel) |\n"
		       "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	else
		printf("  %-21s %7s %8s %6s %8s %-20s %7s %8s %8s %8s %8s %8s %7s %8s %s\n", "mode",
		       "sess", "legs", "start", "cyc/pkt", "trials", "Mpps", "statsMiB", "dpdk", "keys",
		       "ctlheap", "hugetlb", "rss", "kernMiB", "B/leg stats/kernel");
	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];
		const struct fwd_mem *m = &r->mem;
		char runs[96] = "", legs[48], mpps[24] = "-", bpl[48] = "-";
		double kb, sb;

		if (!shown(r) || (r->cost.n == 0 && !m->kernel_ok))
			continue;
		for (unsigned k = 0, off = 0; k < r->cost.n && off < sizeof(runs); k++)
			off += (unsigned)snprintf(runs + off, sizeof(runs) - off, "%s%.0f%s", k ? ", " : "",
						  r->cost.cycles[k], r->cost.disturbed[k] ? "!" : "");
		snprintf(legs, sizeof(legs), "%s%u", r->again ? "again: " : "", r->legs);
		if (r->found)
			snprintf(mpps, sizeof(mpps), "%.3f", r->mpps);
		sb = bytes_per_leg(r, &kb);
		if (!isnan(kb))
			snprintf(bpl, sizeof(bpl), isnan(sb) ? "- / %.0f" : "%.0f / %.0f", isnan(sb) ? kb : sb,
				 kb);
		if (o->markdown)
			printf("| %s | %s | %u | %.1f | %.0f%s | %s | %s | %.1f | %.1f | %.1f | %.1f | %.0f | "
			       "%.0f | %.0f | %s |\n",
			       mode_label(o, r->suite, r->mode), legs, 2 * r->legs, r->ready_s, r->cost.median,
			       r->cost.nb_disturbed ? " (!)" : "", runs, mpps, m->total / 1048576,
			       m->dpdk_heap / 1048576, m->key_memory / 1048576, m->control_heap / 1048576,
			       m->hugetlb_kb / 1024, (m->rss_anon_kb + m->rss_file_kb + m->rss_shmem_kb) / 1024,
			       fwd_mem_kernel_mib(m), bpl);
		else
			printf("  %-21s %7s %8u %6.1f %7.0f%s %-20s %7s %8.1f %8.1f %8.1f %8.1f %8.0f %7.0f "
			       "%8.0f %s\n",
			       mode_label(o, r->suite, r->mode), legs, 2 * r->legs, r->ready_s, r->cost.median,
			       r->cost.nb_disturbed ? "!" : " ", runs, mpps, m->total / 1048576,
			       m->dpdk_heap / 1048576, m->key_memory / 1048576, m->control_heap / 1048576,
			       m->hugetlb_kb / 1024, (m->rss_anon_kb + m->rss_file_kb + m->rss_shmem_kb) / 1024,
			       fwd_mem_kernel_mib(m), bpl);
	}
	printf("\n%sThe worker's cycles per packet: mediasecd's busy_cycles / busy_pkts over each trial "
	       "of %.1f s at %.3f Mpps (memif receive and transmit, parsing, lookup, crypto, header "
	       "rewrite), the same rate in every row so that rows compare; the median of the trials, "
	       "each listed (! : other tasks took CPU time or the L3 was slow: the host's drift). "
	       "\"again\": the smallest number of sessions measured again right after the largest, "
	       "the control for that drift. Sessions carry one stream each and hold two legs in "
	       "mediasecd. Memory after every leg carried traffic: the stats op over mediasecd's "
	       "control socket (DPDK heap allocated, key memory, C heap), and the kernel's count of "
	       "the process (/proc/PID/status: hugetlb pages mapped, RSS). Bytes per leg: the growth "
	       "over the row with the fewest sessions. \"start\": mediasecd's start until ready, "
	       "its sessions read from its configuration file.\n",
	       o->markdown ? "" : "  ", o->cost_s, o->cost_pps / 1e6);
}

static void
print_projection(const struct opts *o)
{
	bool any = false;

	for (unsigned i = 0; i < nb_rows; i++)
		any |= shown(&rows[i]) && !rows[i].again && rows[i].cost.median > 0;
	if (!any)
		return;
	printf("\n%sProjection (not a measurement): worker cores for G.711 line rate\n\n",
	       o->markdown ? "#### " : "");
	if (o->markdown)
		printf("| mode | sessions | worker cycles/pkt | %s (%.1f Mpps) | %s (%.1f Mpps) | %s (%.1f "
		       "Mpps) |\n|---|---:|---:|---:|---:|---:|\n",
		       fwd_line_rate_name[0], fwd_line_rate_mpps[0], fwd_line_rate_name[1],
		       fwd_line_rate_mpps[1], fwd_line_rate_name[2], fwd_line_rate_mpps[2]);
	else
		printf("  %-21s %8s %8s %9s %9s %9s\n", "mode", "sessions", "cyc/pkt",
		       fwd_line_rate_name[0], fwd_line_rate_name[1], fwd_line_rate_name[2]);
	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];
		double c[FWD_LINE_RATES];

		if (!shown(r) || r->again || r->cost.median <= 0)
			continue;
		for (unsigned k = 0; k < FWD_LINE_RATES; k++)
			c[k] = fwd_cores_needed(r->cost.median, tsc_hz, fwd_line_rate_mpps[k]);
		printf(o->markdown ? "| %s | %u | %.0f | %.1f | %.1f | %.1f |\n"
				   : "  %-21s %8u %8.0f %9.1f %9.1f %9.1f\n",
		       mode_label(o, r->suite, r->mode), r->legs, r->cost.median, c[0], c[1], c[2]);
	}
	printf("\n%sCores = packets per second x the worker's measured cycles per packet / %.2f GHz "
	       "(this machine's TSC; a core is taken to run at that clock). Included: what the worker "
	       "does here per packet, memif's receive and transmit copies among it. Not included: a "
	       "NIC driver's cost in place of memif's (descriptor rings and DMA instead of copies "
	       "through shared memory: different, often lower), RSS imbalance between queues, "
	       "hyper-threads sharing a core, memory bandwidth and NUMA with many workers, the "
	       "control plane. It assumes workers scale linearly, which this 2-vCPU machine cannot "
	       "show.\n",
	       o->markdown ? "" : "  ", tsc_hz / 1e9);
}

static void
print_installs(const struct opts *o)
{
	const struct fwd_installs *x = &installs;

	if (!x->ran)
		return;
	printf("\n%sKey installs while forwarding at %.0f%% of the no-drop rate\n\n",
	       o->markdown ? "#### " : "", 100 * x->share);
	printf("%scommand: `%s`\n", o->markdown ? "- " : "  ", x->command);
	if (!x->ok) {
		printf("%sfailed: %s\n", o->markdown ? "- " : "  ", x->error);
		return;
	}
	printf("%straffic: %u SRTP->RTP sessions at %.0f pps; %lu sent, %lu intact, %lu corrupted, "
	       "%lu misforwarded; mediasecd's drop counters moved by %.0f\n",
	       o->markdown ? "- " : "  ", x->sessions, x->rate_pps, (unsigned long)x->sent,
	       (unsigned long)x->received, (unsigned long)x->corrupted, (unsigned long)x->misforwarded,
	       x->drops);
	printf("%sinstalls/s (median): Unix SRTP->RTP %.0f, SRTP->SRTP %.0f; TLS SRTP->RTP %.0f, "
	       "SRTP->SRTP %.0f; the control thread's CPU per install %.2f us\n",
	       o->markdown ? "- " : "  ", x->unix_rtp, x->unix_srtp, x->tls_rtp, x->tls_srtp,
	       x->daemon_us);
	printf("%son this 2-vCPU machine the generator, the control client and mediasecd's control "
	       "thread share one CPU: the traffic takes CPU time from the installs\n",
	       o->markdown ? "- " : "  ");
}

/*
 * Installs while forwarding: the SRTP->RTP row of the targets' suite whose
 * sessions are nearest 1000 (mediasec-bench control's default traffic, and
 * at most its 40000), at a share of its no-drop rate.
 */
static void
run_installs(const struct opts *o, const struct fwd_setup *s)
{
	const struct row *best = NULL;

	if (o->workers > 1) {
		/* mediasec-bench control runs one worker: a rate of several would overload it */
		installs.ran = true;
		snprintf(installs.error, sizeof(installs.error),
			 "key installs while forwarding are measured with one worker: run --installs "
			 "with --workers 1");
		return;
	}
	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];

		if (r->loop || r->again || !r->found || r->mode != FWD_SRTP_RTP || r->suite != o->suite ||
		    r->legs > 40000)
			continue;
		if (best == NULL || fabs(log((double)r->legs / 1000)) < fabs(log((double)best->legs / 1000)))
			best = r;
	}
	if (best == NULL) {
		installs.ran = true;
		snprintf(installs.error, sizeof(installs.error),
			 "no SRTP->RTP %s row with at most 40000 sessions passed: nothing to take the rate "
			 "from", ms_srtp_suite_info(o->suite)->name);
		return;
	}
	if (o->suite != MS_SUITE_AES_CM_128_HMAC_SHA1_80)
		fprintf(stderr, "key installs: mediasec-bench control sends AES_CM_128_HMAC_SHA1_80 "
				"whatever the suite here\n");
	fwd_installs_run(best->legs, o->installs_share * best->mpps * 1e6, o->installs_share,
			 o->gen_cpu, o->worker_cpu, o->quick, s->dir, &installs);
}

static void
lat_str(const struct row *r, char *s, size_t n)
{
	snprintf(s, n, "%.0f/%.0f", fwd_trial_lat_us(&r->t, 50), fwd_trial_lat_us(&r->t, 99));
}

static void
print_table(const struct opts *o, const struct fwd_setup *s)
{
	struct target t[MAX_TARGETS];
	unsigned nt = check_targets(o, t);
	char lat[32], when[32], wdesc[160];
	time_t now = time(NULL);
	const char *md = o->markdown ? "" : "# ";
	bool any_disturbed = false;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	workers_str(o, wdesc, sizeof(wdesc));
	printf("%smediasec-bench forward: %s%s, %s, %s, generator on CPU %u, TSC %.3f "
	       "GHz\n%s%s, %s\n%strials of %.1f s, pass at < %.3g%% loss, precision %.3g%%, "
	       "%u retr%s, burst %u, max lag %u%s\n",
	       md, ms_srtp_suite_info(s->suite)->name, o->nb_suites > 1 ? " and other suites" : "",
	       s->transport == FWD_MEMIF ? "memif" : "vhost-user/virtio_user", wdesc,
	       o->gen_cpu, tsc_hz / 1e9, md, memdesc, when, md, o->trial_s, o->loss_pct,
	       o->precision_pct, o->retries, o->retries == 1 ? "y" : "ies", o->burst, o->max_lag,
	       o->repeat > 1 ? ", best of the repetitions" : "");
	if (o->cpus_shared)
		printf("%s(!) %s: the workers take turns on a CPU with each other or with the "
		       "generator on this machine; this measures the code path, not the speed of %u "
		       "workers\n",
		       md, wdesc, o->workers);
	if (o->markdown)
		printf("\n| proxy | mode | legs | Mpps | loss %% | proxy drops | corrupted | misfwd | "
		       "worker cycles/pkt | us/pkt | worker busy | generator busy | generator limit "
		       "Mpps (est.) | bound | latency p50/p99 us |\n"
		       "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
	else
		printf("\n  %-9s %-10s %6s %7s %8s %6s %5s %5s %7s %6s %5s %5s %6s %-9s %s\n", "proxy",
		       "mode", "legs", "Mpps", "loss%", "pdrops", "corr", "misf", "cyc/pkt", "us/pkt",
		       "wbusy", "gbusy", "glimit", "bound", "lat p50/p99 us");
	for (unsigned i = 0; i < nb_rows; i++) {
		if (rows[i].rep != 0 || rows[i].again)
			continue;
		const struct row *r = find_row(rows[i].suite, rows[i].mode, rows[i].legs, rows[i].loop);
		const char *proxy = r->loop ? LOOP_MARK : "mediasecd";
		double glimit = r->gen_cycles > 0 ? tsc_hz / r->gen_cycles / 1e6 : 0;

		if (!r->found) {
			printf(o->markdown ? "| %s | %s | %u | failed: %s |\n" : "  %-9s %-10s %6u  FAILED: %s\n",
			       proxy, mode_label(o, r->suite, r->mode), r->legs,
			       r->error[0] ? r->error : "no rate passed");
			continue;
		}
		lat_str(r, lat, sizeof(lat));
		if (o->markdown) {
			printf("| %s | %s | %u | %.3f | %.4f | ", proxy, mode_label(o, r->suite, r->mode),
			       r->legs, r->mpps, loss_pct(&r->t));
			if (r->telemetry)
				printf("%.0f | %lu | %lu | %.0f | %.3f | %.0f%% | ", r->proxy_drops,
				       (unsigned long)r->t.corrupted, (unsigned long)r->t.misforwarded,
				       r->worker_cycles, r->worker_cycles / tsc_hz * 1e6,
				       100 * r->worker_busy);
			else
				printf("- | %lu | %lu | - | - | - | ", (unsigned long)r->t.corrupted,
				       (unsigned long)r->t.misforwarded);
			printf("%.0f%% | %.1f | %s%s | %s |\n", 100 * r->gen_busy, glimit, r->bound,
			       r->t.disturbed ? " (!)" : "", lat);
		} else {
			printf("  %-9s %-10s %6u %7.3f %8.4f ", proxy, mode_label(o, r->suite, r->mode),
			       r->legs, r->mpps, loss_pct(&r->t));
			if (r->telemetry)
				printf("%6.0f %5lu %5lu %7.0f %6.3f %4.0f%% ", r->proxy_drops,
				       (unsigned long)r->t.corrupted, (unsigned long)r->t.misforwarded,
				       r->worker_cycles, r->worker_cycles / tsc_hz * 1e6,
				       100 * r->worker_busy);
			else
				printf("%6s %5lu %5lu %7s %6s %5s ", "-", (unsigned long)r->t.corrupted,
				       (unsigned long)r->t.misforwarded, "-", "-", "-");
			printf("%4.0f%% %6.1f %-9s %s%s\n", 100 * r->gen_busy, glimit, r->bound, lat,
			       r->t.disturbed ? "  (!)" : "");
		}
		any_disturbed |= r->t.disturbed;
	}
	if (any_disturbed)
		printf("\n%s(!) the trial at the rate found ran while other tasks took CPU time or the L3 "
		       "was slow (another tenant of the host): the figure is low\n", o->markdown ? "" : "  ");
	if (o->repeat > 1) {
		printf("\n%sEvery repetition (Mpps / worker cycles per packet); the table shows the "
		       "best:\n\n", o->markdown ? "" : "  ");
		for (unsigned i = 0; i < nb_rows; i++) {
			const struct row *r = &rows[i];

			if (r->rep == 0)
				printf(o->markdown ? "- %s %s, %u legs:" : "  %-9s %-10s %6u legs:",
				       r->loop ? LOOP_MARK : "mediasecd", fwd_mode_info(r->mode)->label,
				       r->legs);
			if (!r->found)
				printf(" failed%s", r->rep + 1 == o->repeat ? "\n" : ",");
			else if (r->telemetry)
				printf(" %.3f / %.0f%s", r->mpps, r->worker_cycles,
				       r->rep + 1 == o->repeat ? "\n" : ",");
			else
				printf(" %.3f%s", r->mpps, r->rep + 1 == o->repeat ? "\n" : ",");
		}
	}
	bool any_drops = false;
	for (unsigned i = 0; i < nb_rows; i++)
		any_drops |= rows[i].rep == 0 &&
			     !rows[i].again &&
			     find_row(rows[i].suite, rows[i].mode, rows[i].legs, rows[i].loop)->drops[0] != '\0';
	if (any_drops) {
		printf("\n%sProxy drop counters that moved in the trial at the rate found:\n\n",
		       o->markdown ? "" : "  ");
		for (unsigned i = 0; i < nb_rows; i++) {
			if (rows[i].again)
				continue;
			const struct row *r = find_row(rows[i].suite, rows[i].mode, rows[i].legs, rows[i].loop);

			if (rows[i].rep == 0 && r->drops[0] != '\0')
				printf(o->markdown ? "- %s, %u legs: %s\n" : "  %-10s %6u legs: %s\n",
				       fwd_mode_info(r->mode)->label, r->legs, r->drops);
		}
	}
	print_latency(o);
	print_scale(o);
	print_projection(o);
	print_installs(o);
	printf("\n%sTargets (this run):\n\n", o->markdown ? "#### " : "");
	for (unsigned i = 0; i < nt; i++)
		printf(o->markdown ? "- %s: %.2f (target <= %.2f): %s%s%s%s\n"
				   : "  %-62s %7.2f  (target <= %.2f)  %s%s%s%s\n",
		       t[i].what, t[i].value, t[i].limit, t[i].met ? "met" : "NOT MET",
		       t[i].note[0] ? " (" : "", t[i].note, t[i].note[0] ? ")" : "");
	if (nt == 0)
		printf("  (none measured)\n");
}

static const char *
hostname(void)
{
	static char h[128];

	if (gethostname(h, sizeof(h) - 1) != 0)
		snprintf(h, sizeof(h), "unknown");
	return h;
}

static json_t *
results_json(const struct opts *o, const struct fwd_setup *s)
{
	json_t *root = json_object(), *arr = json_array(), *targets = json_array();
	struct target t[MAX_TARGETS];
	unsigned nt = check_targets(o, t);
	char date[32];
	time_t now = time(NULL);

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(root, "benchmark", json_string("forward"));
	json_object_set_new(root, "date", json_string(date));
	json_object_set_new(root, "tsc_hz", json_integer((json_int_t)tsc_hz));
	json_object_set_new(root, "memory", json_string(memdesc));
	json_object_set_new(root, "dpdk", json_string(rte_version()));
	json_object_set_new(root, "suite", json_string(ms_srtp_suite_info(s->suite)->name));
	json_object_set_new(root, "transport",
			    json_string(s->transport == FWD_MEMIF ? "memif" : "vhost-user"));
	json_object_set_new(root, "trial_seconds", json_real(o->trial_s));
	json_object_set_new(root, "loss_limit_percent", json_real(o->loss_pct));
	json_object_set_new(root, "precision_percent", json_real(o->precision_pct));
	json_object_set_new(root, "retries", json_integer(o->retries));
	json_object_set_new(root, "repetitions", json_integer(o->repeat));
	json_object_set_new(root, "burst", json_integer(o->burst));
	json_object_set_new(root, "max_lag", json_integer(o->max_lag));
	json_object_set_new(root, "generator_cpu", json_integer(o->gen_cpu));
	json_object_set_new(root, "worker_cpu", json_integer(o->worker_cpu));
	json_object_set_new(root, "workers", json_integer(o->workers));
	json_t *wc = json_array(), *su = json_array(), *proj = json_array(), *lr = json_array();
	for (unsigned k = 0; k < o->workers; k++)
		json_array_append_new(wc, json_integer(o->worker_cpus[k]));
	json_object_set_new(root, "worker_cpus", wc);
	json_object_set_new(root, "cpus_shared", json_boolean(o->cpus_shared));
	for (unsigned k = 0; k < o->nb_suites; k++)
		json_array_append_new(su, json_string(ms_srtp_suite_info(o->suites[k])->name));
	json_object_set_new(root, "suites", su);
	json_object_set_new(root, "cost_rate_pps", json_real(o->cost_pps));
	json_object_set_new(root, "cost_trial_seconds", json_real(o->cost_s));
	json_object_set_new(root, "hostname", json_string(hostname()));
	for (unsigned k = 0; k < FWD_LINE_RATES; k++) {
		json_t *e = json_object();

		json_object_set_new(e, "name", json_string(fwd_line_rate_name[k]));
		json_object_set_new(e, "mpps", json_real(fwd_line_rate_mpps[k]));
		json_array_append_new(lr, e);
	}
	json_object_set_new(root, "line_rates", lr);
	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];
		json_t *e, *c;

		if (!shown(r) || r->again || r->cost.median <= 0)
			continue;
		e = json_object();
		c = json_array();
		json_object_set_new(e, "mode", json_string(fwd_mode_info(r->mode)->name));
		json_object_set_new(e, "suite", json_string(ms_srtp_suite_info(r->suite)->name));
		json_object_set_new(e, "legs", json_integer(r->legs));
		json_object_set_new(e, "cycles_per_packet", json_real(r->cost.median));
		for (unsigned k = 0; k < FWD_LINE_RATES; k++)
			json_array_append_new(c, json_real(fwd_cores_needed(r->cost.median, tsc_hz,
									     fwd_line_rate_mpps[k])));
		json_object_set_new(e, "cores", c);
		json_array_append_new(proj, e);
	}
	json_object_set_new(root, "projection", proj);
	if (installs.ran)
		json_object_set_new(root, "installs_while_forwarding", fwd_installs_json(&installs));
	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];
		json_t *j = json_object(), *steps = json_array();

		json_object_set_new(j, "proxy", json_string(r->loop ? "dpdk-testpmd io" : "mediasecd"));
		json_object_set_new(j, "mode", json_string(fwd_mode_info(r->mode)->name));
		json_object_set_new(j, "suite", json_string(ms_srtp_suite_info(r->suite)->name));
		json_object_set_new(j, "legs", json_integer(r->legs));
		json_object_set_new(j, "mediasecd_legs", json_integer(2 * r->legs));
		json_object_set_new(j, "again", json_boolean(r->again));
		json_object_set_new(j, "setup_seconds", json_real(r->setup_s));
		json_object_set_new(j, "repetition", json_integer(r->rep));
		if (!r->loop && r->lat.proxy[0].ok)
			json_object_set_new(j, "latency", fwd_lat_json(&r->lat));
		if (r->cost.n > 0)
			json_object_set_new(j, "cost", fwd_cost_json(&r->cost));
		if (!r->loop && (r->mem.kernel_ok || r->mem.stats_ok))
			json_object_set_new(j, "memory", fwd_mem_json(&r->mem));
		json_object_set_new(j, "best", json_boolean(!r->again &&
							   find_row(r->suite, r->mode, r->legs, r->loop) == r));
		json_object_set_new(j, "ok", json_boolean(r->done && r->found));
		if (r->error[0])
			json_object_set_new(j, "error", json_string(r->error));
		json_object_set_new(j, "ready_seconds", json_real(r->ready_s));
		json_object_set_new(j, "prime_sent", json_integer(r->prime_sent));
		json_object_set_new(j, "prime_received", json_integer(r->prime_good));
		json_object_set_new(j, "trials_run_again_for_other_tasks",
				    json_integer(r->contended_trials));
		for (unsigned k = 0; k < r->nb_steps; k++) {
			json_t *st = json_object();

			json_object_set_new(st, "rate_mpps", json_real(r->steps[k].rate_mpps));
			json_object_set_new(st, "offered_mpps", json_real(r->steps[k].offered_mpps));
			json_object_set_new(st, "loss_percent", json_real(r->steps[k].loss_pct));
			json_object_set_new(st, "pass", json_boolean(r->steps[k].pass));
			json_array_append_new(steps, st);
		}
		json_object_set_new(j, "trials", steps);
		if (r->found) {
			const struct fwd_trial *tr = &r->t;

			json_object_set_new(j, "mpps", json_real(r->mpps));
			json_object_set_new(j, "delivered_mpps", json_real(r->rx_mpps));
			json_object_set_new(j, "delivered_mpps_overloaded", json_real(r->max_rx_mpps));
			json_object_set_new(j, "seconds", json_real(tr->elapsed_s));
			json_object_set_new(j, "requested", json_integer((json_int_t)tr->requested));
			json_object_set_new(j, "sent", json_integer((json_int_t)tr->sent));
			json_object_set_new(j, "received_intact", json_integer((json_int_t)tr->good));
			json_object_set_new(j, "loss_percent", json_real(loss_pct(tr)));
			json_object_set_new(j, "refused_at_first", json_integer((json_int_t)tr->tx_refused));
			json_object_set_new(j, "overflow", json_integer((json_int_t)tr->overflow));
			json_object_set_new(j, "generator_late", json_integer((json_int_t)tr->late));
			json_object_set_new(j, "corrupted", json_integer((json_int_t)tr->corrupted));
			json_object_set_new(j, "misforwarded", json_integer((json_int_t)tr->misforwarded));
			json_object_set_new(j, "duplicate", json_integer((json_int_t)tr->duplicate));
			json_object_set_new(j, "reordered", json_integer((json_int_t)tr->reordered));
			json_object_set_new(j, "stale", json_integer((json_int_t)tr->stale));
			json_object_set_new(j, "not_media", json_integer((json_int_t)tr->not_media));
			json_object_set_new(j, "generator_errors", json_integer((json_int_t)tr->gen_errors));
			json_object_set_new(j, "other_tasks_cpu_share", json_real(tr->others));
			json_object_set_new(j, "disturbed", json_boolean(tr->disturbed));
			json_object_set_new(j, "l3_latency_cycles_before", json_real(tr->l3_before));
			json_object_set_new(j, "l3_latency_cycles_after", json_real(tr->l3_after));
			json_object_set_new(j, "generator_busy", json_real(r->gen_busy));
			json_object_set_new(j, "generator_cycles_per_packet", json_real(r->gen_cycles));
			json_object_set_new(j, "latency_us_p50", json_real(fwd_trial_lat_us(tr, 50)));
			json_object_set_new(j, "latency_us_p99", json_real(fwd_trial_lat_us(tr, 99)));
			json_object_set_new(j, "latency_us_max",
					    json_real((double)tr->lat_max_cycles / tsc_hz * 1e6));
			json_object_set_new(j, "bound", json_string(r->bound));
			if (r->failed_above) {
				json_t *f = json_object();

				json_object_set_new(f, "rate_mpps", json_real(r->fail_mpps));
				json_object_set_new(f, "requested", json_integer((json_int_t)r->fail_requested));
				json_object_set_new(f, "overflow", json_integer((json_int_t)r->fail_overflow));
				json_object_set_new(f, "generator_late", json_integer((json_int_t)r->fail_late));
				json_object_set_new(f, "lost_after_sending",
						    json_integer((json_int_t)r->fail_inflight));
				json_object_set_new(f, "worker_busy", json_real(r->fail_worker_busy));
				json_object_set_new(f, "generator_busy", json_real(r->fail_gen_busy));
				json_object_set_new(j, "lowest_failing_trial", f);
			}
			if (r->telemetry) {
				json_object_set_new(j, "worker_cycles_per_packet", json_real(r->worker_cycles));
				json_object_set_new(j, "worker_us_per_packet",
						    json_real(r->worker_cycles / tsc_hz * 1e6));
				json_object_set_new(j, "worker_busy", json_real(r->worker_busy));
				json_object_set_new(j, "proxy_rx", json_real(r->proxy_rx));
				json_object_set_new(j, "proxy_tx", json_real(r->proxy_tx));
				json_object_set_new(j, "proxy_drops", json_real(r->proxy_drops));
				json_object_set_new(j, "proxy_drop_counters", json_string(r->drops));
			}
		}
		json_array_append_new(arr, j);
	}
	json_object_set_new(root, "results", arr);
	for (unsigned i = 0; i < nt; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "target", json_string(t[i].what));
		json_object_set_new(j, "value", json_real(t[i].value));
		json_object_set_new(j, "limit", json_real(t[i].limit));
		json_object_set_new(j, "comparison", json_string("<="));
		json_object_set_new(j, "met", json_boolean(t[i].met));
		if (t[i].note[0])
			json_object_set_new(j, "note", json_string(t[i].note));
		json_array_append_new(targets, j);
	}
	json_object_set_new(root, "targets", targets);
	return root;
}

int
bench_forward(int argc, char **argv)
{
	struct opts o;
	struct fwd_setup s;
	struct fwd_gen *g = NULL;
	int dash = argc, failed = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	if (parse_opts(dash, argv, &o) < 0) {
		help();
		return 2;
	}
	if (o.mediasecd == NULL)
		o.mediasecd = fwd_default_mediasecd();
	if (o.baseline < 0)
		o.baseline = testpmd_found(o.testpmd);
	o.latency_baseline &= testpmd_found(o.testpmd);
	if (o.proxy && access(o.mediasecd, X_OK) != 0) {
		fprintf(stderr, "mediasec-bench forward: %s: %s (build it, or --mediasecd PATH, or "
				"--baseline-only)\n", o.mediasecd, strerror(errno));
		return 2;
	}

	memset(&s, 0, sizeof(s));
	s.transport = o.transport;
	s.suite = o.suite;
	s.replay_window = 128;
	snprintf(s.prefix, sizeof(s.prefix), "msfwd%d", (int)getpid());
	snprintf(s.dir, sizeof(s.dir), "/tmp/mediasec-bench-fwd.%d", (int)getpid());
	for (unsigned p = 0; p < 2; p++) {
		s.proxy_mac[p] = (struct rte_ether_addr){{0x02, 0, 0, 0, (uint8_t)(0xa + p), 1}};
		s.gen_mac[p] = (struct rte_ether_addr){{0x02, 0, 0, 0, (uint8_t)(0xa + p), 2}};
	}
	if (mkdir(s.dir, 0700) < 0) {
		fprintf(stderr, "mediasec-bench forward: %s: %s\n", s.dir, strerror(errno));
		return 1;
	}
	bool huge = eal_init(&o, &s, argc - dash - (dash < argc), argv + dash + (dash < argc));
	tsc_hz = (double)rte_get_tsc_hz();

	struct fwd_gen_conf gc = {
		.setup = &s,
		.burst = o.burst,
		.max_lag = o.max_lag,
		.check_udp_cksum = o.check_udp_cksum,
		.send_udp_cksum = o.send_udp_cksum,
		.nb_queues = o.workers,
	};
	for (unsigned p = 0; p < 2; p++) {
		char name[32];

		snprintf(name, sizeof(name), "%s_%c", o.transport == FWD_MEMIF ? "net_memif" : "net_vhost",
			 'a' + p);
		if (rte_eth_dev_get_port_by_name(name, &gc.port_id[p]) != 0) {
			fprintf(stderr, "mediasec-bench forward: no port %s\n", name);
			return 1;
		}
	}
	if (fwd_gen_create(&gc, &g) < 0)
		return 1;
	/* the cache at its best, to tell when others thrash it */
	for (unsigned i = 0; i < 8; i++)
		fwd_l3_probe();

	rows = calloc((size_t)2 * FWD_MODE_COUNT * o.nb_suites * (o.nb_legs + 1) * o.repeat,
		      sizeof(*rows));
	/* the loop returns what it gets: only what the generator sends matters */
	bool loop_fmt[FWD_MODE_COUNT] = {false};
	for (unsigned m = 0; m < FWD_MODE_COUNT; m++)
		if (o.modes[m])
			loop_fmt[fwd_mode_info(m)->srtp_in ? FWD_SRTP_SRTP : FWD_RTP_RTP] = true;
	for (unsigned pass = 0; pass < 2; pass++) {
		bool loop = pass == 0;

		if ((loop && !o.baseline) || (!loop && !o.proxy))
			continue;
		for (unsigned su = 0; su < o.nb_suites; su++)
		for (unsigned m = 0; m < FWD_MODE_COUNT; m++) {
			const struct fwd_mode_info *mi = fwd_mode_info(m);
			unsigned lo = UINT_MAX;

			if (loop ? !loop_fmt[m] : !o.modes[m])
				continue;
			/* plain RTP both ways: the suite plays no part, once is enough */
			if (!mi->srtp_in && !mi->srtp_out && su > 0)
				continue;
			/* the generator and the proxy read the suite from here */
			s.suite = o.suites[su];
			for (unsigned l = 0; l < o.nb_legs; l++) {
				lo = RTE_MIN(lo, o.legs[l]);
				for (unsigned k = 0; k < o.repeat; k++) {
					struct row *r = &rows[nb_rows++];

					r->suite = s.suite;
					r->mode = m;
					r->legs = o.legs[l];
					r->rep = k;
					r->loop = loop;
					run_row(&o, &s, huge, g, r);
					failed += !r->done;
				}
			}
			if (!loop && o.again && o.nb_legs > 1 && o.cost_pps > 0) {
				/* the smallest again, right after the largest: the host's drift */
				struct row *r = &rows[nb_rows++];

				r->suite = s.suite;
				r->mode = m;
				r->legs = lo;
				r->again = true;
				run_row(&o, &s, huge, g, r);
				failed += !r->done;
			}
		}
	}
	s.suite = o.suite;
	if (o.installs)
		run_installs(&o, &s);
	if (!o.json)
		print_table(&o, &s);
	if (o.json || o.json_file != NULL)
		bench_json_out(results_json(&o, &s), o.json, o.json_file, "mediasec-bench forward");
	fwd_gen_free(g);
	rte_eal_cleanup();
	if (!o.keep) {
		char path[256];

		for (unsigned p = 0; p < 2; p++) {
			snprintf(path, sizeof(path), "%s/%c.sock", s.dir, 'a' + p);
			unlink(path);
		}
		for (unsigned i = 0; i < nb_rows; i++) {
			row_log_path(&s, &rows[i], path, sizeof(path));
			if (rows[i].done)
				unlink(path);
		}
		if (rmdir(s.dir) < 0 && !o.json)
			fprintf(stderr, "logs of the failed rows kept in %s\n", s.dir);
	}
	uint64_t bad = 0;
	for (unsigned i = 0; i < nb_rows; i++)
		bad += rows[i].t.corrupted + rows[i].t.misforwarded;
	if (bad)
		fprintf(stderr, "mediasec-bench forward: %lu packets came back corrupted or misforwarded\n",
			(unsigned long)bad);
	return failed || bad ? 1 : 0;
}
