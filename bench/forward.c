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
#define MAX_TRIALS 24
#define LOOP_MARK "testpmd"

struct opts {
	bool modes[FWD_MODE_COUNT];
	unsigned legs[MAX_LIST], nb_legs;
	enum ms_srtp_suite suite;
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
	double ready_s;  /* start of the proxy until it said ready */
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
static double tsc_hz;
static char memdesc[160];

static void
help(void)
{
	printf("usage: mediasec-bench forward [options] [-- EAL options of the generator]\n"
	       "  --modes LIST        srtp-rtp,rtp-srtp,srtp-srtp,rtp-rtp (default: the first three)\n"
	       "  --legs LIST         concurrent sessions, one stream each (default 1,1000,100000)\n"
	       "  --suite NAME        SRTP suite of the SRTP legs (default AES_CM_128_HMAC_SHA1_80)\n"
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

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_MODES = 256, O_LEGS, O_SUITE, O_TRIAL, O_LOSS, O_PREC, O_MAX, O_RETRIES, O_BURST,
		O_TRANSPORT, O_BASE, O_NOBASE, O_BASEONLY, O_MEDIASECD, O_TESTPMD, O_GENCPU,
		O_WCPU, O_TIMEOUT, O_SENDCK, O_NOCHECK, O_KEEP, O_QUICK, O_JSON, O_MD, O_LAG, O_REPEAT,
		O_WAITS, O_L3, O_JSONFILE,
	};
	static const struct option longopts[] = {
		{"modes", required_argument, NULL, O_MODES},
		{"legs", required_argument, NULL, O_LEGS},
		{"suite", required_argument, NULL, O_SUITE},
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
	bool legs_given = false, trial_given = false, prec_given = false;
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
	if (o->trial_s < 0.05 || o->loss_pct < 0 || o->precision_pct <= 0 || o->max_mpps <= 0 ||
	    o->burst == 0 || o->burst > FWD_MAX_BURST || o->gen_cpu == o->worker_cpu ||
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
      struct fwd_trial *t, struct telem *before, struct telem *after)
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
		fwd_gen_run(g, rate_pps, o->trial_s, 0, 500, t);
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

	if (r->nb_steps < MAX_TRIALS)
		r->steps[r->nb_steps++] = (struct step){rate_pps / 1e6,
							(double)t->sent / t->elapsed_s / 1e6,
							loss_pct(t), pass};
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

static void
record(struct row *r, const struct fwd_trial *t, const struct telem *a, const struct telem *b)
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
		/* the worker's share of the time between the two readings */
		r->worker_busy = bc / (double)(b->tsc - a->tsc);
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
			pass = trial(o, g, ch, r, rate, t, &a, &b);
			if (pass)
				record(r, t, &a, &b);
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
				r->fail_worker_busy = a.ok && b.ok ? delta(&a, &b, "busy_cycles") /
									(double)(b.tsc - a.tsc) : 0;
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

static void
run_row(const struct opts *o, const struct fwd_setup *s, bool huge, struct fwd_gen *g,
	struct row *r)
{
	const struct fwd_mode_info *mi = fwd_mode_info(r->mode);
	char conf[256], log[256], eal_prefix[96], arg[4][512];
	char *argv[24];
	struct fwd_child ch;
	struct fwd_trial *t = calloc(1, sizeof(*t));
	double timeout = o->start_timeout_s > 0 ? o->start_timeout_s : 120 + r->legs / 1000.0;
	uint64_t t0;
	int n = 0, ret;

	memset(&ch, 0, sizeof(ch));
	if (!o->json)
		fprintf(stderr, "%s %s, %u session%s: setting up\n", r->loop ? LOOP_MARK : "mediasecd",
			mi->label, r->legs, r->legs == 1 ? "" : "s");
	ret = fwd_gen_legs(g, r->mode, r->legs, r->loop);
	if (ret < 0) {
		snprintf(r->error, sizeof(r->error), "generator: cannot set up %u legs: %s", r->legs,
			 strerror(-ret));
		free(t);
		return;
	}
	snprintf(eal_prefix, sizeof(eal_prefix), "%s-%s-%s-%u-%u", s->prefix,
		 r->loop ? "loop" : "proxy", mi->name, r->legs, r->rep);
	snprintf(log, sizeof(log), "%s/%s-%s-%u-%u.log", s->dir, r->loop ? "testpmd" : "mediasecd",
		 mi->name, r->legs, r->rep);
	if (r->loop) {
		argv[n++] = (char *)(uintptr_t)o->testpmd;
		snprintf(arg[0], sizeof(arg[0]), "-l%u,%u", o->gen_cpu, o->worker_cpu);
		argv[n++] = arg[0];
		snprintf(arg[1], sizeof(arg[1]), "--main-lcore=%u", o->gen_cpu);
		argv[n++] = arg[1];
		argv[n++] = "--no-pci";
		argv[n++] = huge ? "--in-memory" : "--no-huge";
		if (!huge) {
			argv[n++] = "-m";
			argv[n++] = "1024";
		}
		snprintf(arg[2], sizeof(arg[2]), "--file-prefix=%s", eal_prefix);
		argv[n++] = arg[2];
		argv[n++] = "--log-level=lib.eal:notice";
		for (unsigned p = 0; p < 2; p++) {
			char mac[24];

			snprintf(mac, sizeof(mac), RTE_ETHER_ADDR_PRT_FMT,
				 RTE_ETHER_ADDR_BYTES(&s->proxy_mac[p]));
			if (s->transport == FWD_MEMIF)
				snprintf(arg[3] + p * 256, 256,
					 "--vdev=net_memif_%c,role=client,socket=%s/%c.sock,"
					 "socket-abstract=no,id=0,mac=%s",
					 'a' + p, s->dir, 'a' + p, mac);
			else
				snprintf(arg[3] + p * 256, 256,
					 "--vdev=net_virtio_user_%c,path=%s/%c.sock,queues=1,"
					 "queue_size=1024,mac=%s",
					 'a' + p, s->dir, 'a' + p, mac);
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
		argv[n] = NULL;
	} else {
		struct fwd_sessions_conf sc = {
			.setup = s,
			.mode = r->mode,
			.sessions = r->legs,
			.main_lcore = o->gen_cpu,
			.worker_lcore = o->worker_cpu,
			.hugepages = huge,
			.mbufs = 16383,
		};

		snprintf(conf, sizeof(conf), "%s/mediasecd-%s-%u.conf", s->dir, mi->name, r->legs);
		ret = fwd_write_config(&sc, conf, eal_prefix);
		if (ret < 0) {
			snprintf(r->error, sizeof(r->error), "cannot write %.160s: %s", conf, strerror(-ret));
			free(t);
			return;
		}
		argv[n++] = (char *)(uintptr_t)o->mediasecd;
		argv[n++] = "-f";
		argv[n++] = conf;
		argv[n] = NULL;
		/* where EAL puts its runtime directory */
		if (getuid() == 0)
			snprintf(ch.telemetry, sizeof(ch.telemetry), "/var/run/dpdk/%s/dpdk_telemetry.v2",
				 eal_prefix);
		else
			snprintf(ch.telemetry, sizeof(ch.telemetry), "%s/dpdk/%s/dpdk_telemetry.v2",
				 getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "/tmp",
				 eal_prefix);
	}
	t0 = rte_get_timer_cycles();
		if (fwd_child_start(&ch, argv, log, r->loop ? "forwards packets on" : "ready",
			    timeout) < 0) {
		snprintf(r->error, sizeof(r->error), "%.60s did not start (log: %.160s)", argv[0], log);
		free(t);
		return;
	}
	r->ready_s = (double)(rte_get_timer_cycles() - t0) / rte_get_timer_hz();
	if (!o->json)
		fprintf(stderr, "  %s ready after %.1f s\n", r->loop ? "testpmd" : "mediasecd", r->ready_s);
	if (!fwd_gen_link_wait(g, 10000)) {
		snprintf(r->error, sizeof(r->error), "the ports did not come up within 10 s");
		goto out;
	}
	fwd_gen_flush(g, 100);

	/* one packet on every leg, twice: measured packets belong to calls in progress */
	for (unsigned round = 0; round < 2; round++) {
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
		goto out;
	}
	if (!o->json && r->prime_good < r->prime_sent)
		fprintf(stderr, "  priming: %u of %u packets came back (corrupted %lu, misforwarded %lu)\n",
			r->prime_good, r->prime_sent, (unsigned long)t->corrupted,
			(unsigned long)t->misforwarded);
	search(o, g, &ch, r);
	row_bound(r);
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
	if (r->error[0] != '\0') {
		fprintf(stderr, "  %s\n  log %s:\n", r->error, log);
		fwd_child_log_tail(&ch, stderr, 15);
	}
	if (!o->keep && !r->loop)
		fwd_remove_config(conf);
	free(t);
}

/* ---- output ---- */

/* The repetition of a row with the highest no-drop rate (the first if none passed). */
static const struct row *
find_row(enum fwd_mode m, uint32_t legs, bool loop)
{
	const struct row *best = NULL;

	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];

		if (r->mode != m || r->legs != legs || r->loop != loop)
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

	memset(t, 0, 16 * sizeof(*t));
	for (unsigned i = 0; i < o->nb_legs; i++) {
		lo = RTE_MIN(lo, o->legs[i]);
		hi = RTE_MAX(hi, o->legs[i]);
	}
	const struct row *r = find_row(FWD_SRTP_RTP, lo, false);
	if (r != NULL && r->done && r->telemetry) {
		snprintf(t[n].what, sizeof(t[n].what), "SRTP->RTP %s, %u leg%s: worker us/packet",
			 ms_srtp_suite_info(o->suite)->name, lo, lo == 1 ? "" : "s");
		t[n].value = r->worker_cycles / tsc_hz * 1e6;
		t[n].limit = 0.35;
		t[n].met = t[n].value <= t[n].limit;
		n++;
	}
	for (unsigned m = 0; m < FWD_MODE_COUNT && hi > lo; m++) {
		const struct row *a = find_row(m, lo, false), *b = find_row(m, hi, false);

		if (a == NULL || b == NULL || !a->done || !b->done)
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
			n++;
		}
	}
	return n;
}

static void
lat_str(const struct row *r, char *s, size_t n)
{
	snprintf(s, n, "%.0f/%.0f", fwd_trial_lat_us(&r->t, 50), fwd_trial_lat_us(&r->t, 99));
}

static void
print_table(const struct opts *o, const struct fwd_setup *s)
{
	struct target t[16];
	unsigned nt = check_targets(o, t);
	char lat[32], when[32];
	time_t now = time(NULL);
	const char *md = o->markdown ? "" : "# ";
	bool any_disturbed = false;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	printf("%smediasec-bench forward: %s, %s, one worker (CPU %u), generator on CPU %u, TSC %.3f "
	       "GHz\n%s%s, %s\n%strials of %.1f s, pass at < %.3g%% loss, precision %.3g%%, "
	       "%u retr%s, burst %u, max lag %u%s\n",
	       md, ms_srtp_suite_info(s->suite)->name,
	       s->transport == FWD_MEMIF ? "memif" : "vhost-user/virtio_user", o->worker_cpu,
	       o->gen_cpu, tsc_hz / 1e9, md, memdesc, when, md, o->trial_s, o->loss_pct,
	       o->precision_pct, o->retries, o->retries == 1 ? "y" : "ies", o->burst, o->max_lag,
	       o->repeat > 1 ? ", best of the repetitions" : "");
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
		if (rows[i].rep != 0)
			continue;
		const struct row *r = find_row(rows[i].mode, rows[i].legs, rows[i].loop);
		const char *proxy = r->loop ? LOOP_MARK : "mediasecd";
		double glimit = r->gen_cycles > 0 ? tsc_hz / r->gen_cycles / 1e6 : 0;

		if (!r->found) {
			printf(o->markdown ? "| %s | %s | %u | failed: %s |\n" : "  %-9s %-10s %6u  FAILED: %s\n",
			       proxy, fwd_mode_info(r->mode)->label, r->legs,
			       r->error[0] ? r->error : "no rate passed");
			continue;
		}
		lat_str(r, lat, sizeof(lat));
		if (o->markdown) {
			printf("| %s | %s | %u | %.3f | %.4f | ", proxy, fwd_mode_info(r->mode)->label,
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
			printf("  %-9s %-10s %6u %7.3f %8.4f ", proxy, fwd_mode_info(r->mode)->label,
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
			     find_row(rows[i].mode, rows[i].legs, rows[i].loop)->drops[0] != '\0';
	if (any_drops) {
		printf("\n%sProxy drop counters that moved in the trial at the rate found:\n\n",
		       o->markdown ? "" : "  ");
		for (unsigned i = 0; i < nb_rows; i++) {
			const struct row *r = find_row(rows[i].mode, rows[i].legs, rows[i].loop);

			if (rows[i].rep == 0 && r->drops[0] != '\0')
				printf(o->markdown ? "- %s, %u legs: %s\n" : "  %-10s %6u legs: %s\n",
				       fwd_mode_info(r->mode)->label, r->legs, r->drops);
		}
	}
	printf("\n%sTargets (this run):\n\n", o->markdown ? "#### " : "");
	for (unsigned i = 0; i < nt; i++)
		printf(o->markdown ? "- %s: %.2f (target <= %.2f): %s%s%s%s\n"
				   : "  %-62s %7.2f  (target <= %.2f)  %s%s%s%s\n",
		       t[i].what, t[i].value, t[i].limit, t[i].met ? "met" : "NOT MET",
		       t[i].note[0] ? " (" : "", t[i].note, t[i].note[0] ? ")" : "");
	if (nt == 0)
		printf("  (none measured)\n");
}

static void
print_json(const struct opts *o, const struct fwd_setup *s, FILE *out)
{
	json_t *root = json_object(), *arr = json_array(), *targets = json_array();
	struct target t[16];
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
	for (unsigned i = 0; i < nb_rows; i++) {
		const struct row *r = &rows[i];
		json_t *j = json_object(), *steps = json_array();

		json_object_set_new(j, "proxy", json_string(r->loop ? "dpdk-testpmd io" : "mediasecd"));
		json_object_set_new(j, "mode", json_string(fwd_mode_info(r->mode)->name));
		json_object_set_new(j, "legs", json_integer(r->legs));
		json_object_set_new(j, "repetition", json_integer(r->rep));
		json_object_set_new(j, "best", json_boolean(find_row(r->mode, r->legs, r->loop) == r));
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
	json_dumpf(root, out, JSON_INDENT(2));
	fprintf(out, "\n");
	json_decref(root);
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

	rows = calloc((size_t)2 * FWD_MODE_COUNT * o.nb_legs * o.repeat, sizeof(*rows));
	/* the loop returns what it gets: only what the generator sends matters */
	bool loop_fmt[FWD_MODE_COUNT] = {false};
	for (unsigned m = 0; m < FWD_MODE_COUNT; m++)
		if (o.modes[m])
			loop_fmt[fwd_mode_info(m)->srtp_in ? FWD_SRTP_SRTP : FWD_RTP_RTP] = true;
	for (unsigned pass = 0; pass < 2; pass++) {
		bool loop = pass == 0;

		if ((loop && !o.baseline) || (!loop && !o.proxy))
			continue;
		for (unsigned m = 0; m < FWD_MODE_COUNT; m++) {
			if (loop ? !loop_fmt[m] : !o.modes[m])
				continue;
			for (unsigned l = 0; l < o.nb_legs; l++)
				for (unsigned k = 0; k < o.repeat; k++) {
					struct row *r = &rows[nb_rows++];

					r->mode = m;
					r->legs = o.legs[l];
					r->rep = k;
					r->loop = loop;
					run_row(&o, &s, huge, g, r);
					failed += !r->done;
				}
		}
	}
	if (o.json)
		print_json(&o, &s, stdout);
	else
		print_table(&o, &s);

	if (o.json_file != NULL) {
		FILE *jf = fopen(o.json_file, "w");

		if (jf == NULL) {
			fprintf(stderr, "mediasec-bench forward: %s: %s\n", o.json_file, strerror(errno));
		} else {
			print_json(&o, &s, jf);
			fclose(jf);
		}
	}
	fwd_gen_free(g);
	rte_eal_cleanup();
	if (!o.keep) {
		char path[256];

		for (unsigned p = 0; p < 2; p++) {
			snprintf(path, sizeof(path), "%s/%c.sock", s.dir, 'a' + p);
			unlink(path);
		}
		for (unsigned i = 0; i < nb_rows; i++) {
			snprintf(path, sizeof(path), "%s/%s-%s-%u-%u.log", s.dir,
				 rows[i].loop ? "testpmd" : "mediasecd", fwd_mode_info(rows[i].mode)->name,
				 rows[i].legs, rows[i].rep);
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
