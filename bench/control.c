/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench control: what mediasecd's control plane sustains, measured
 * through its control socket while the dataplane forwards traffic.
 *
 * One run. mediasecd (a) is started as a child (as mediasec-bench forward
 * does: two memif ports to the generator in this process) with an empty
 * session table sized for the scale phase, a Unix listener and a TLS 1.3
 * listener (test PKI from tests/control/certs.sh), and then:
 *
 *  1. T traffic sessions are installed through the control socket, and the
 *     worker's cycles per packet measured with the table small.
 *  2. Scale: L legs installed (installs/s at that scale too); memory per leg
 *     from the daemon's stats op and from the kernel's count of the
 *     process; the worker's cycles per packet with the table large; the
 *     legs deleted again (deletes/s; what memory stays), and the worker's
 *     cycles with the table small again. Scale comes first so that what it
 *     adds is what its legs take, not what earlier phases left in the slabs.
 *  3. Install rate: while the generator sends G.711 over the T sessions, a
 *     client thread installs N sessions pipelined (W requests in flight)
 *     over the Unix socket, SRTP->RTP and SRTP->SRTP, deletes them again,
 *     then the same over TLS. Every packet of the traffic is checked, and
 *     mediasecd's drop counters are read around the phase.
 *  4. Answer -> first packet: probe sessions the generator already sends
 *     for (mediasecd drops their packets as unknown_leg) are installed one
 *     at a time; for each, the time from reading the answer to receiving the
 *     first packet forwarded with the new key.
 *
 * Then mediasecd (b), fresh: the worker trials again with the table small
 * (a control for the drift of a shared host), and the SRTP->SRTP memory
 * pass. Last, the lookup cost of the leg table itself, in this process:
 * ms_legtab_lookup_bulk of 32 random keys, 1 session against L legs.
 *
 * The machine this was written for has 2 vCPUs: mediasecd's worker
 * busy-polls one (--worker-cpu); mediasecd's control thread, this
 * generator and the control client share the other (--gen-cpu). The
 * generator sleeps whenever it is ahead of its schedule, so that it takes
 * little of that CPU; the client's own CPU time and the daemon control
 * thread's are measured (schedstat) and reported beside the wall-clock rates.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_version.h>

#include "bench.h"
#include "client.h"
#include "forward.h"
#include "leg.h"

#ifndef MS_SOURCE_DIR
#define MS_SOURCE_DIR "."
#endif

#define MEDIA_LO 1024u
#define MEDIA_HI 65535u
#define SLOTS_PER_ADDR (MEDIA_HI - MEDIA_LO + 1u)
#define SLOT_KEY_BASE 0x40000000u /* key numbers of the sessions that carry no traffic */
#define MAX_REPEAT 9
#define MAX_REPS 15
#define REQ_MAX 800 /* bytes of one request line, at most */
#define LOOKUP_BURST 32
#define LOOKUP_BURSTS 8192
#define SEQ_MARGIN 8192 /* a probe's sequence numbers must not wrap before it is installed */
#define MAX_PHASES 12
#define MAX_ERRORS 8

enum transport { TR_UNIX, TR_TLS, TR_COUNT };
static const char *const tr_name[TR_COUNT] = {"Unix socket", "TLS 1.3"};
static const char *const tr_key[TR_COUNT] = {"unix", "tls"};

struct opts {
	uint32_t traffic;
	double traffic_pps;
	uint32_t installs;
	unsigned window;
	unsigned repeat;
	uint32_t probes;
	double probe_pps;
	unsigned probe_sleep_us;
	unsigned idle_sleep_us;
	uint32_t scale_legs;
	uint32_t srtp_sessions;
	double trial_s;
	double trial_pps;
	unsigned trial_reps;
	unsigned lookup_reps;
	unsigned gen_cpu, worker_cpu;
	double max_others;
	double max_l3_ratio;
	unsigned max_waits;
	double start_timeout_s;
	bool tls;
	bool no_huge;
	bool keep, verbose, quick, json, markdown;
	const char *mediasecd;
	const char *json_file;
};

/* One pipelined run: n requests, from the first write to the last answer. */
struct pipe_run {
	uint32_t n;
	uint32_t errors;
	double seconds;
	double daemon_cpu_s;  /* mediasecd's control thread on the CPU */
	double daemon_wait_s; /* mediasecd's control thread runnable, waiting for the CPU */
	double client_cpu_s;  /* the client thread */
	double others;        /* share of a CPU other tasks took meanwhile */
	double worker_wait_s; /* mediasecd's worker runnable, waiting for its CPU */
	char error[256];
};

struct install_row {
	enum transport tr;
	enum fwd_mode mode;
	unsigned runs;
	unsigned rerun; /* runs done again because other tasks took the CPU */
	struct pipe_run create[MAX_REPEAT], del[MAX_REPEAT];
};

/* The daemon's memory, from its stats op and from the kernel. */
struct memsnap {
	bool ok;
	double dpdk, key, heap, total;
	double legs, capacity, sessions;
	double key_mapped;        /* key memory mapped (locked), in use or not */
	double rss_kb, hugetlb_kb;
	double anon_kb, file_kb, shmem_kb; /* RSS: anonymous, file-backed, shared memory */
	double heap_size, heap_free, heap_greatest_free; /* DPDK heap, socket 0 (telemetry) */
	double heap_free_count;
};

/* Worker cycles per packet in short trials. */
struct wtrial {
	const char *table; /* "small", "large", "again" (small after large), "fresh" (a new mediasecd) */
	double table_legs;
	uint32_t traffic;  /* sessions sent on */
	unsigned n;
	double cycles[MAX_REPS];
	double median;
	uint64_t sent, good;
	double others; /* the most other tasks took in one trial, share of a CPU */
	double ctl_share[MAX_REPS]; /* mediasecd's control thread on the CPU, share of the trial */
	double ctl_median;
	double l3_worst; /* the slowest L3 around a trial kept, over the run's best */
	unsigned rerun;
	bool ok;
};

struct lookup_res {
	uint32_t legs;
	unsigned n;
	double cycles[MAX_REPS];
	double median;
	uint64_t misses;
	double fill_s;
	bool ok;
};

struct phase {
	const char *name;
	double s;
};

/* Everything one run measured. */
static struct {
	double tsc_hz;
	char cpu[128];
	long cpus;
	char date[32];
	char command[1024];
	char memdesc[160];
	bool huge;
	uint32_t capacity;
	double ready_s;
	struct memsnap start;
	struct pipe_run traffic_install;
	uint64_t prime_sent, prime_good;
	/* install phase */
	struct install_row rows[TR_COUNT * 2];
	unsigned nb_rows;
	struct fwd_trial traffic;
	double others_install, others_probe; /* share of a CPU other tasks took */
	bool traffic_done;
	bool drops_ok;
	double drops_total;
	char drops[1024];
	/* probes */
	double *ans_first_us, *req_ans_us, *req_first_us;
	uint32_t probes_done, probe_timeouts;
	double probe_interval_us, probe_interval_real_us;
	struct fwd_trial probe_traffic;
	char probe_drops[512];
	/* scale */
	uint32_t scale_sessions, srtp_sessions;
	struct memsnap before_scale, with_scale, after_delete, srtp_start, with_srtp;
	struct pipe_run scale_install, scale_delete, srtp_install;
	/* worker trials and lookups */
	struct wtrial trials[8];
	unsigned nb_trials;
	struct lookup_res lookups[2];
	unsigned nb_lookups;
	/* bookkeeping */
	struct phase phases[MAX_PHASES];
	unsigned nb_phases;
	double total_s;
	char errors[MAX_ERRORS][320];
	unsigned nb_errors;
} R;

static int stop_flag; /* the generator's run ends when set */
static uint32_t gen_sessions; /* traffic and probe sessions: host 1, UDP FWD_UDP_BASE + i */

static void
fail(const char *fmt, ...)
{
	va_list ap;
	char buf[320];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mediasec-bench control: %s\n", buf);
	if (R.nb_errors < MAX_ERRORS)
		snprintf(R.errors[R.nb_errors], sizeof(R.errors[0]), "%s", buf);
	R.nb_errors++;
}

static bool quiet;

static void
progress(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static double
tsc_s(uint64_t cycles)
{
	return (double)cycles / R.tsc_hz;
}

static void
nap_us(unsigned us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------- options */

static void
help(void)
{
	printf("usage: mediasec-bench control [options] [-- EAL options of the generator]\n"
	       "\n"
	       "Sessions installed per second over the control socket (Unix and TLS) while the\n"
	       "dataplane forwards traffic, the time from an answer to the first packet\n"
	       "forwarded with the new key, memory per leg with many legs installed, and the\n"
	       "cost of a leg lookup. mediasecd's worker busy-polls --worker-cpu; its control\n"
	       "thread, this generator and the control client share --gen-cpu.\n"
	       "\n"
	       "  --traffic N          sessions carrying G.711 SRTP->RTP during the install\n"
	       "                       phase (default 1000)\n"
	       "  --traffic-rate PPS   their packets per second, all together (default 50000)\n"
	       "  --installs N         sessions per install run (default 100000)\n"
	       "  --window W           requests in flight on the connection (default 256)\n"
	       "  --repeat N           install runs per transport and mode; the median is\n"
	       "                       reported (default 3)\n"
	       "  --probes N           sessions for answer -> first packet, installed one at a\n"
	       "                       time (default 200)\n"
	       "  --probe-rate PPS     packets per second on the probe session: the probe's\n"
	       "                       resolution is one interval (default 25000: 40 us)\n"
	       "  --probe-sleep-us US  the generator sleeps between probe packets when the next\n"
	       "                       is due more than this ahead (default 10; 0: it spins)\n"
	       "  --idle-sleep-us US   the same during the install phase (default 100)\n"
	       "  --scale-legs N       legs installed in the scale phase, two per session\n"
	       "                       (default 1000000; 0: no scale phase)\n"
	       "  --srtp-sessions N    SRTP->SRTP sessions of the second memory pass\n"
	       "                       (default 200000; 0: none)\n"
	       "  --trial SECONDS      one worker-cycles trial (default 1)\n"
	       "  --trial-rate PPS     its rate (default 500000)\n"
	       "  --trial-reps N       trials per table size and traffic (default 3; median)\n"
	       "  --lookup-reps N      repetitions of the lookup timing (default 7; median)\n"
	       "  --no-tls             the Unix socket only\n"
	       "  --mediasecd PATH     the daemon (default: <builddir>/mediasecd)\n"
	       "  --gen-cpu N          the generator's, the client's and mediasecd's control\n"
	       "                       thread's CPU (default 0)\n"
	       "  --worker-cpu N       mediasecd's worker lcore (default 1)\n"
	       "  --max-others PERCENT an install run or a worker trial during which other tasks\n"
	       "                       took more than this share of a CPU is run again, a second\n"
	       "                       later (default 20; the machine is shared)\n"
	       "  --max-waits N        at most N times each (default 3); then it is kept and\n"
	       "                       marked (!)\n"
	       "  --l3-ratio R         a worker trial is marked (!) when the L3 latency around\n"
	       "                       it was over R times its best in the run: another tenant\n"
	       "                       of the host thrashed the cache (default 2, 0: never)\n"
	       "  --no-hugepages       both processes in ordinary memory (--no-huge), as when\n"
	       "                       too few hugepages are free (default: hugepages if free)\n"
	       "  --start-timeout S    wait this long for mediasecd to be ready (default 120)\n"
	       "  --keep               keep the work directory (configuration, PKI, log)\n"
	       "  --quick              a smoke run: --installs 20000 --repeat 1 --probes 50\n"
	       "                       --scale-legs 100000 --srtp-sessions 20000 --trial 0.5\n"
	       "  -v, --verbose        more progress on stderr\n"
	       "  --json               results as JSON on stdout\n"
	       "  --markdown           results as Markdown\n"
	       "  --json-file FILE     the JSON results into FILE as well\n");
}

static int
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_TRAFFIC = 256, O_TRATE, O_INSTALLS, O_WINDOW, O_REPEAT, O_PROBES, O_PRATE,
		O_PSLEEP, O_ISLEEP, O_SCALE, O_SRTP, O_TRIAL, O_TRIALRATE, O_TRIALREPS, O_LREPS,
		O_NOTLS, O_MEDIASECD, O_GENCPU, O_WCPU, O_OTHERS, O_L3, O_WAITS, O_NOHUGE, O_TIMEOUT, O_KEEP, O_QUICK,
		O_JSON, O_MD, O_JSONFILE,
	};
	static const struct option longopts[] = {
		{"traffic", required_argument, NULL, O_TRAFFIC},
		{"traffic-rate", required_argument, NULL, O_TRATE},
		{"installs", required_argument, NULL, O_INSTALLS},
		{"window", required_argument, NULL, O_WINDOW},
		{"repeat", required_argument, NULL, O_REPEAT},
		{"probes", required_argument, NULL, O_PROBES},
		{"probe-rate", required_argument, NULL, O_PRATE},
		{"probe-sleep-us", required_argument, NULL, O_PSLEEP},
		{"idle-sleep-us", required_argument, NULL, O_ISLEEP},
		{"scale-legs", required_argument, NULL, O_SCALE},
		{"srtp-sessions", required_argument, NULL, O_SRTP},
		{"trial", required_argument, NULL, O_TRIAL},
		{"trial-rate", required_argument, NULL, O_TRIALRATE},
		{"trial-reps", required_argument, NULL, O_TRIALREPS},
		{"lookup-reps", required_argument, NULL, O_LREPS},
		{"no-tls", no_argument, NULL, O_NOTLS},
		{"mediasecd", required_argument, NULL, O_MEDIASECD},
		{"gen-cpu", required_argument, NULL, O_GENCPU},
		{"worker-cpu", required_argument, NULL, O_WCPU},
		{"max-others", required_argument, NULL, O_OTHERS},
		{"max-waits", required_argument, NULL, O_WAITS},
		{"l3-ratio", required_argument, NULL, O_L3},
		{"no-hugepages", no_argument, NULL, O_NOHUGE},
		{"start-timeout", required_argument, NULL, O_TIMEOUT},
		{"keep", no_argument, NULL, O_KEEP},
		{"quick", no_argument, NULL, O_QUICK},
		{"verbose", no_argument, NULL, 'v'},
		{"json", no_argument, NULL, O_JSON},
		{"markdown", no_argument, NULL, O_MD},
		{"json-file", required_argument, NULL, O_JSONFILE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool given[O_JSONFILE + 1] = {false};
	uint32_t v = 0;
	int c, bad = 0;

	memset(o, 0, sizeof(*o));
	o->traffic = 1000;
	o->traffic_pps = 50000;
	o->installs = 100000;
	o->window = 256;
	o->repeat = 3;
	o->probes = 200;
	o->probe_pps = 25000;
	o->probe_sleep_us = 10;
	o->idle_sleep_us = 100;
	o->scale_legs = 1000000;
	o->srtp_sessions = 200000;
	o->trial_s = 1;
	o->trial_pps = 500000;
	o->trial_reps = 3;
	o->lookup_reps = 7;
	o->gen_cpu = 0;
	o->worker_cpu = 1;
	o->max_others = 0.2;
	o->max_l3_ratio = 2;
	o->max_waits = 3;
	o->start_timeout_s = 120;
	o->tls = true;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		if (c >= 256 && c <= O_JSONFILE)
			given[c] = true;
		switch (c) {
		case O_TRAFFIC: bad |= parse_u32(optarg, 40000, &o->traffic); break;
		case O_TRATE: o->traffic_pps = atof(optarg); break;
		case O_INSTALLS: bad |= parse_u32(optarg, 250000, &o->installs); break;
		case O_WINDOW: bad |= parse_u32(optarg, 4096, &v); o->window = v; break;
		case O_REPEAT: bad |= parse_u32(optarg, MAX_REPEAT, &v); o->repeat = v; break;
		case O_PROBES: bad |= parse_u32(optarg, 5000, &o->probes); break;
		case O_PRATE: o->probe_pps = atof(optarg); break;
		case O_PSLEEP: bad |= parse_u32(optarg, 100000, &v); o->probe_sleep_us = v; break;
		case O_ISLEEP: bad |= parse_u32(optarg, 100000, &v); o->idle_sleep_us = v; break;
		case O_SCALE: bad |= parse_u32(optarg, 1030000, &o->scale_legs); break;
		case O_SRTP: bad |= parse_u32(optarg, 515000, &o->srtp_sessions); break;
		case O_TRIAL: o->trial_s = atof(optarg); break;
		case O_TRIALRATE: o->trial_pps = atof(optarg); break;
		case O_TRIALREPS: bad |= parse_u32(optarg, MAX_REPS, &v); o->trial_reps = v; break;
		case O_LREPS: bad |= parse_u32(optarg, MAX_REPS, &v); o->lookup_reps = v; break;
		case O_NOTLS: o->tls = false; break;
		case O_MEDIASECD: o->mediasecd = optarg; break;
		case O_GENCPU: bad |= parse_u32(optarg, 127, &v); o->gen_cpu = v; break;
		case O_WCPU: bad |= parse_u32(optarg, 127, &v); o->worker_cpu = v; break;
		case O_OTHERS: o->max_others = atof(optarg) / 100; break;
		case O_WAITS: bad |= parse_u32(optarg, 100, &v); o->max_waits = v; break;
		case O_L3: o->max_l3_ratio = atof(optarg); break;
		case O_NOHUGE: o->no_huge = true; break;
		case O_TIMEOUT: o->start_timeout_s = atof(optarg); break;
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
	if (bad || optind < argc)
		return -EINVAL;
	if (o->quick) {
		if (!given[O_INSTALLS])
			o->installs = 20000;
		if (!given[O_REPEAT])
			o->repeat = 1;
		if (!given[O_PROBES])
			o->probes = 50;
		if (!given[O_SCALE])
			o->scale_legs = 100000;
		if (!given[O_SRTP])
			o->srtp_sessions = 20000;
		if (!given[O_TRIAL])
			o->trial_s = 0.5;
	}
	o->scale_legs &= ~1u; /* two legs a session */
	if (o->traffic == 0 || o->installs == 0 || o->window == 0 || o->repeat == 0 ||
	    o->trial_reps == 0 || o->lookup_reps == 0 || o->traffic_pps < 1000 ||
	    o->probe_pps < 1000 || o->trial_pps < 1000 || o->trial_s < 0.05 ||
	    o->gen_cpu == o->worker_cpu)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------- addresses and requests */

/* The two legs' ends of one session, and the number its keys derive from. */
struct ends {
	uint32_t a_local, a_peer, b_local, b_peer;
	uint16_t port;
	uint32_t key;
};

/* Session i of the generator: the forward bench's address plan. */
static void
ends_of_gen(uint32_t i, struct ends *e)
{
	e->a_local = fwd_addr(FWD_A, false, i);
	e->a_peer = fwd_addr(FWD_A, true, i);
	e->b_local = fwd_addr(FWD_B, false, i);
	e->b_peer = fwd_addr(FWD_B, true, i);
	e->port = fwd_udp_port(i);
	e->key = i;
}

/*
 * Sessions without traffic: slot s is a local UDP port on one of the 8
 * addresses of each port (media range 1024-65535), skipping the ports the
 * generator's sessions hold on the first address.
 */
static uint32_t
slots_max(void)
{
	return FWD_MAX_ADDRS * SLOTS_PER_ADDR - gen_sessions;
}

static void
ends_of_slot(uint32_t s, struct ends *e)
{
	uint32_t hole = FWD_UDP_BASE - MEDIA_LO;
	uint32_t x = s < hole ? s : s + gen_sessions;
	uint32_t h = 1 + x / SLOTS_PER_ADDR;

	e->a_local = 10u << 24 | 10u << 16 | h;
	e->a_peer = 10u << 24 | 10u << 16 | 1u << 8 | h;
	e->b_local = 10u << 24 | 20u << 16 | h;
	e->b_peer = 10u << 24 | 20u << 16 | 1u << 8 | h;
	e->port = (uint16_t)(MEDIA_LO + x % SLOTS_PER_ADDR);
	e->key = SLOT_KEY_BASE + s;
}

static void
ip_str(uint32_t a, char *s, size_t n)
{
	snprintf(s, n, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

/* session.create of one session, leg A SRTP, leg B SRTP or RTP; the line's length. */
static int
write_create(char *p, size_t len, const struct fwd_setup *s, const char *tag, uint32_t k,
	     const struct ends *e, bool srtp_b)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(s->suite);
	const char *mode = si->cipher == MS_CIPHER_NULL ? "authenticated" : "encrypted";
	char la[16], pa[16], lb[16], pb[16], key[4][96];
	int n;

	ip_str(e->a_local, la, sizeof(la));
	ip_str(e->a_peer, pa, sizeof(pa));
	ip_str(e->b_local, lb, sizeof(lb));
	ip_str(e->b_peer, pb, sizeof(pb));
	for (unsigned d = 0; d < 4; d++)
		fwd_inline_key(s, e->key, d, key[d]);
	n = snprintf(p, len,
		     "{\"id\":\"%s-%u\",\"op\":\"session.create\",\"session\":\"%s-%u\",\"legs\":["
		     "{\"port\":\"a\",\"local\":\"%s:%u\",\"rtcp\":\"mux\",\"peer\":\"%s:%u\","
		     "\"mode\":\"%s\",\"suite\":\"%s\",\"recv_key\":\"%s\",\"send_key\":\"%s\"},",
		     tag, k, tag, k, la, e->port, pa, e->port, mode, si->name, key[0], key[1]);
	if (n < 0 || (size_t)n >= len)
		return n;
	if (srtp_b)
		n += snprintf(p + n, len - (size_t)n,
			      "{\"port\":\"b\",\"local\":\"%s:%u\",\"rtcp\":\"mux\",\"peer\":\"%s:%u\","
			      "\"mode\":\"%s\",\"suite\":\"%s\",\"recv_key\":\"%s\",\"send_key\":\"%s\"}]}\n",
			      lb, e->port, pb, e->port, mode, si->name, key[2], key[3]);
	else
		n += snprintf(p + n, len - (size_t)n,
			      "{\"port\":\"b\",\"local\":\"%s:%u\",\"rtcp\":\"mux\",\"peer\":\"%s:%u\","
			      "\"mode\":\"rtp\"}]}\n",
			      lb, e->port, pb, e->port);
	return n;
}

/* Requests as one text, line k from off[k] to off[k + 1]; answers carry "<tag>-<k>". */
struct reqs {
	char *text;
	size_t *off;
	uint32_t n;
	char tag[24];
};

static void
reqs_free(struct reqs *q)
{
	free(q->text);
	free(q->off);
	memset(q, 0, sizeof(*q));
}

static int
reqs_alloc(struct reqs *q, const char *tag, uint32_t n)
{
	memset(q, 0, sizeof(*q));
	q->text = malloc((size_t)n * REQ_MAX);
	q->off = malloc(((size_t)n + 1) * sizeof(*q->off));
	if (q->text == NULL || q->off == NULL) {
		reqs_free(q);
		return -ENOMEM;
	}
	q->n = n;
	snprintf(q->tag, sizeof(q->tag), "%s", tag);
	q->off[0] = 0;
	return 0;
}

/* n sessions on slots first.. (gen: on the generator's sessions listed in gen_ids). */
static int
reqs_create(struct reqs *q, const struct fwd_setup *s, const char *tag, uint32_t first, uint32_t n,
	    const uint32_t *gen_ids, bool srtp_b)
{
	struct ends e;

	if (reqs_alloc(q, tag, n) < 0)
		return -ENOMEM;
	for (uint32_t k = 0; k < n; k++) {
		if (gen_ids != NULL)
			ends_of_gen(gen_ids[k], &e);
		else
			ends_of_slot(first + k, &e);
		int len = write_create(q->text + q->off[k], REQ_MAX, s, tag, k, &e, srtp_b);

		if (len <= 0 || len >= (int)REQ_MAX) {
			reqs_free(q);
			return -E2BIG;
		}
		q->off[k + 1] = q->off[k] + (size_t)len;
	}
	return 0;
}

static int
reqs_delete(struct reqs *q, const char *tag, const char *of, uint32_t n)
{
	if (reqs_alloc(q, tag, n) < 0)
		return -ENOMEM;
	for (uint32_t k = 0; k < n; k++)
		q->off[k + 1] = q->off[k] +
				(size_t)snprintf(q->text + q->off[k], REQ_MAX,
						 "{\"id\":\"%s-%u\",\"op\":\"session.delete\","
						 "\"session\":\"%s-%u\"}\n",
						 tag, k, of, k);
	return 0;
}

/* The answer to request k: true when it is its success. */
static bool
answer_check(const char *line, const char *tag, uint32_t k, char *err, size_t errlen)
{
	char want[64], buf[256];
	int n = snprintf(want, sizeof(want), "{\"id\":\"%s-%u\",\"ok\":", tag, k);
	cJSON *j;

	if (strncmp(line, want, (size_t)n) == 0 && strncmp(line + n, "true", 4) == 0)
		return true;
	j = cJSON_Parse(line);
	if (j != NULL && cJSON_GetObjectItemCaseSensitive(j, "error") != NULL)
		snprintf(err, errlen, "request %s-%u: %s", tag, k,
			 ms_client_error_str(j, buf, sizeof(buf)));
	else
		snprintf(err, errlen, "request %s-%u: unexpected answer: %.150s", tag, k, line);
	cJSON_Delete(j);
	return false;
}

/* ------------------------------------------------------ CPU time, memory */

/* A thread's time on the CPU and waiting for it (schedstat, ns), in seconds. */
static void
schedstat(int pid, int tid, double *run, double *wait)
{
	char path[96];
	unsigned long long r = 0, w = 0;
	FILE *f;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	f = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%llu %llu", &r, &w) != 2)
			r = w = 0;
		fclose(f);
	}
	*run = (double)r / 1e9;
	*wait = (double)w / 1e9;
}

struct cpu_times {
	double daemon_run, daemon_wait, self_run, self_wait, worker_run, worker_wait;
};

static int worker_tid; /* mediasecd's worker thread */

/* The first thread of pid named rte-worker-*: the worker lcore. */
static int
find_worker_tid(int pid)
{
	char path[96], comm[64];
	int found = 0;

	for (int tid = pid; tid < pid + 64 && !found; tid++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL && strncmp(comm, "rte-worker", 10) == 0)
			found = tid;
		fclose(f);
	}
	return found;
}

static void
cpu_times(int daemon, struct cpu_times *t)
{
	/* mediasecd's control thread is its main thread */
	schedstat(daemon, daemon, &t->daemon_run, &t->daemon_wait);
	schedstat(0, gettid(), &t->self_run, &t->self_wait);
	t->worker_run = t->worker_wait = 0;
	if (worker_tid > 0)
		schedstat(daemon, worker_tid, &t->worker_run, &t->worker_wait);
}

/* The kernel's count of a process: resident memory and hugetlb pages, kB. */
static void
proc_mem(int pid, struct memsnap *m)
{
	struct fwd_proc_mem pm;

	fwd_proc_mem(pid, &pm);
	m->rss_kb = pm.vm_rss_kb;
	m->anon_kb = pm.rss_anon_kb;
	m->file_kb = pm.rss_file_kb;
	m->shmem_kb = pm.rss_shmem_kb;
	m->hugetlb_kb = pm.hugetlb_kb;
}

static double
jnum(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *telemetry_sock; /* mediasecd's, for its heap's layout */

/* The stats op's memory and session counts. */
static bool
mem_read(struct ms_client *c, int pid, struct memsnap *m)
{
	json_t *hi;

	char err[256];
	cJSON *r = ms_client_call_text(c, "{\"op\":\"stats\"}", err, sizeof(err));
	const cJSON *res, *mem, *ses;

	memset(m, 0, sizeof(*m));
	if (r == NULL) {
		fail("stats: %s", err);
		return false;
	}
	res = cJSON_GetObjectItemCaseSensitive(r, "result");
	mem = cJSON_GetObjectItemCaseSensitive(res, "memory");
	ses = cJSON_GetObjectItemCaseSensitive(res, "sessions");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")) || mem == NULL || ses == NULL) {
		fail("stats: no memory or sessions in the answer");
		cJSON_Delete(r);
		return false;
	}
	m->dpdk = jnum(mem, "dpdk_heap_bytes");
	m->key = jnum(mem, "key_memory_bytes");
	m->heap = jnum(mem, "control_heap_bytes");
	m->total = jnum(mem, "total_bytes");
	m->legs = jnum(ses, "legs");
	m->capacity = jnum(ses, "leg_capacity");
	m->sessions = jnum(ses, "total");
	m->key_mapped = jnum(cJSON_GetObjectItemCaseSensitive(res, "key_memory"), "bytes_mapped");
	proc_mem(pid, m);
	hi = telemetry_sock != NULL ? fwd_telemetry(telemetry_sock, "/eal/heap_info,0") : NULL;
	if (hi != NULL) {
		m->heap_size = json_number_value(json_object_get(hi, "Heap_size"));
		m->heap_free = json_number_value(json_object_get(hi, "Free_size"));
		m->heap_greatest_free = json_number_value(json_object_get(hi, "Greatest_free_size"));
		m->heap_free_count = json_number_value(json_object_get(hi, "Free_count"));
		json_decref(hi);
	}
	m->ok = true;
	cJSON_Delete(r);
	return true;
}

/* ------------------------------------------------------------ pipelining */

static double
run_rate(const struct pipe_run *r)
{
	return r->seconds > 0 ? r->n / r->seconds : 0;
}

/*
 * Sends q's requests with up to window in flight, reads and checks every
 * answer. The time is from the first write to the last answer.
 */
static int
pipeline(struct ms_client *c, const struct reqs *q, unsigned window, int daemon, struct pipe_run *r)
{
	uint32_t sent = 0, done = 0, refill = window >= 16 ? window / 8 : 1;
	struct cpu_times a, b;
	char err[256];
	uint64_t t0;

	struct fwd_cpu_sample c0, c1;

	memset(r, 0, sizeof(*r));
	r->n = q->n;
	fwd_cpu_sample(daemon, &c0);
	cpu_times(daemon, &a);
	t0 = rte_rdtsc();
	while (done < q->n) {
		uint32_t inflight = sent - done;
		const char *line;
		int n;

		if (sent < q->n && (inflight == 0 || inflight + refill <= window)) {
			uint32_t k = RTE_MIN(window - inflight, q->n - sent);
			int ret = ms_client_write(c, q->text + q->off[sent],
						  q->off[sent + k] - q->off[sent]);

			if (ret < 0) {
				snprintf(r->error, sizeof(r->error), "%s: cannot send: %s", q->tag,
					 strerror(-ret));
				r->errors++;
				break;
			}
			sent += k;
		}
		n = ms_client_read_line(c, &line, 30000);
		if (n <= 0) {
			snprintf(r->error, sizeof(r->error), "%s: %s after %u of %u answers", q->tag,
				 n == 0 ? "no answer for 30 s" : "the connection failed", done, q->n);
			r->errors++;
			break;
		}
		if (!answer_check(line, q->tag, done, err, sizeof(err))) {
			if (r->errors++ == 0)
				snprintf(r->error, sizeof(r->error), "%s", err);
		}
		done++;
	}
	r->seconds = tsc_s(rte_rdtsc() - t0);
	cpu_times(daemon, &b);
	fwd_cpu_sample(daemon, &c1);
	r->others = fwd_cpu_others(&c0, &c1);
	r->daemon_cpu_s = b.daemon_run - a.daemon_run;
	r->daemon_wait_s = b.daemon_wait - a.daemon_wait;
	r->client_cpu_s = b.self_run - a.self_run;
	r->worker_wait_s = b.worker_wait - a.worker_wait;
	if (done < q->n)
		r->n = done;
	return r->errors ? -1 : 0;
}

/* Builds and runs n creates on slots from first (tag), then, if del, their deletes. */
static int
install_run(struct ms_client *c, const struct fwd_setup *s, const char *tag, uint32_t first,
	    uint32_t n, bool srtp_b, unsigned window, int daemon, struct pipe_run *cr,
	    struct pipe_run *dr)
{
	struct reqs q;
	char dtag[20];
	int ret;

	if (reqs_create(&q, s, tag, first, n, NULL, srtp_b) < 0) {
		fail("%s: cannot build %u requests", tag, n);
		return -ENOMEM;
	}
	ret = pipeline(c, &q, window, daemon, cr);
	reqs_free(&q);
	if (ret < 0)
		fail("%s: %u of %u session.create failed: %s", tag, cr->errors, n, cr->error);
	if (dr == NULL)
		return ret;
	/* deleted whatever happened, so the next run starts from the same state */
	snprintf(dtag, sizeof(dtag), "%sd", tag);
	if (reqs_delete(&q, dtag, tag, n) < 0) {
		fail("%s: out of memory for %u requests", dtag, n);
		return -ENOMEM;
	}
	if (pipeline(c, &q, window, daemon, dr) < 0 && ret == 0) {
		fail("%s: %u of %u session.delete failed: %s", dtag, dr->errors, n, dr->error);
		ret = -1;
	}
	reqs_free(&q);
	return ret;
}

/* ---------------------------------------------------- the client threads */

struct job {
	const struct opts *o;
	const struct fwd_setup *s;
	struct ms_client *c[TR_COUNT];
	int daemon;
	/* probes */
	struct fwd_gen *g;
	const uint32_t *probe_legs;
	uint64_t *first_rx;
	int ret;
};

static void
pin_self(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Install rate: every transport and mode, --repeat times, creates then deletes. */
static void *
install_thread(void *arg)
{
	struct job *j = arg;
	const struct opts *o = j->o;

	pin_self(o->gen_cpu);
	for (unsigned tr = 0; tr < TR_COUNT && j->ret == 0; tr++) {
		if (j->c[tr] == NULL)
			continue;
		for (unsigned m = 0; m < 2 && j->ret == 0; m++) {
			struct install_row *row = &R.rows[R.nb_rows++];

			row->tr = (enum transport)tr;
			row->mode = m == 0 ? FWD_SRTP_RTP : FWD_SRTP_SRTP;
			for (unsigned k = 0; k < o->repeat && j->ret == 0; k++) {
				for (unsigned wait = 0;; wait++) {
					struct pipe_run *c = &row->create[k], *d = &row->del[k];
					char tag[16];

					/* a fresh tag each time: a request id seen before is answered from memory */
					snprintf(tag, sizeof(tag), "%c%c%u.%u", tr == TR_UNIX ? 'u' : 't',
						 m == 0 ? 'r' : 's', k, wait);
					/* TLS on a slot range of its own */
					j->ret = install_run(j->c[tr], j->s, tag, tr * o->installs,
							     o->installs, m == 1, o->window, j->daemon, c, d);
					progress("  %s %s run %u: %.0f installs/s, %.0f deletes/s (others %.0f%%, "
						 "%.0f%% of a CPU)\n", tr_name[tr], fwd_mode_info(row->mode)->label,
						 k + 1, run_rate(c), run_rate(d), 100 * c->others, 100 * d->others);
					if (j->ret != 0 || wait >= o->max_waits ||
					    RTE_MAX(c->others, d->others) <= o->max_others)
						break;
					row->rerun++;
					nap_us(1000000);
				}
				row->runs = k + 1;
			}
		}
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Answer -> first packet: each probe session in turn gets the generator's
 * traffic alone (dropped as unknown_leg), is installed by one request, and
 * is watched for its first forwarded packet.
 */
static void *
probe_thread(void *arg)
{
	struct job *j = arg;
	const struct opts *o = j->o;
	struct ms_client *c = j->c[TR_UNIX];
	struct reqs q;
	char err[256];

	pin_self(o->gen_cpu);
	if (reqs_create(&q, j->s, "p", 0, o->probes, j->probe_legs, false) < 0) {
		j->ret = -ENOMEM;
		goto out;
	}
	for (uint32_t k = 0; k < o->probes; k++) {
		uint32_t leg = j->probe_legs[k];
		uint64_t w, a, f = 0, deadline;
		const char *line;
		int n;

		fwd_gen_send_range(j->g, leg, 1);
		nap_us(2000); /* its packets reach mediasecd, and are dropped as unknown_leg */
		w = rte_rdtsc();
		if (ms_client_write(c, q.text + q.off[k], q.off[k + 1] - q.off[k]) < 0) {
			fail("probe %u: cannot send", k);
			j->ret = -EIO;
			break;
		}
		n = ms_client_read_line(c, &line, 30000);
		a = rte_rdtsc();
		if (n <= 0) {
			fail("probe %u: no answer", k);
			j->ret = -EIO;
			break;
		}
		if (!answer_check(line, q.tag, k, err, sizeof(err))) {
			fail("%s", err);
			j->ret = -EIO;
			break;
		}
		deadline = a + (uint64_t)R.tsc_hz;
		while ((f = __atomic_load_n(&j->first_rx[leg], __ATOMIC_ACQUIRE)) == 0 &&
		       rte_rdtsc() < deadline)
			nap_us(20);
		if (f == 0) {
			R.probe_timeouts++;
			continue;
		}
		R.req_ans_us[R.probes_done] = tsc_s(a - w) * 1e6;
		R.ans_first_us[R.probes_done] = ((double)f - (double)a) / R.tsc_hz * 1e6;
		R.req_first_us[R.probes_done] = ((double)f - (double)w) / R.tsc_hz * 1e6;
		R.probes_done++;
	}
	reqs_free(&q);
out:
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ------------------------------------------------------- telemetry, trials */

struct telem {
	bool ok;
	struct fwd_counters c;
};

static void
telem_read(const char *sock, struct telem *t)
{
	json_t *j = fwd_telemetry(sock, "/mediasec/stats");

	fwd_counters_from_json(&t->c, j);
	t->ok = j != NULL;
	json_decref(j);
}

static double
telem_delta(const struct telem *a, const struct telem *b, const char *leaf)
{
	int i = fwd_counters_pick(&b->c, leaf);

	return i < 0 ? 0 : b->c.value[i] - fwd_counters_get(&a->c, b->c.name[i]);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n values (sorts them). */
static double
pct(double *v, unsigned n, double p)
{
	unsigned i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (unsigned)(p / 100.0 * n + 0.999999);
	return v[i == 0 ? 0 : RTE_MIN(i, n) - 1];
}

static double
median(const double *v, unsigned n)
{
	double tmp[MAX_REPS * 4];

	if (n == 0)
		return 0;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* The worker's cycles per packet with traffic on sessions 0 .. traffic - 1. */
static void
worker_trials(const struct opts *o, struct fwd_gen *g, int daemon, const char *sock,
	      const char *table, double table_legs, uint32_t traffic)
{
	struct wtrial *w = &R.trials[R.nb_trials++];
	struct fwd_trial *t = calloc(1, sizeof(*t));

	memset(w, 0, sizeof(*w));
	__atomic_store_n(&stop_flag, 0, __ATOMIC_RELEASE);
	w->table = table;
	w->table_legs = table_legs;
	w->traffic = traffic;
	if (t == NULL)
		return;
	fwd_gen_pacing(g, 32, 0);
	fwd_gen_send_range(g, 0, traffic);
	for (unsigned k = 0, wait = 0; k < o->trial_reps;) {
		struct telem a, b;
		struct fwd_cpu_sample c0, c1;
		struct cpu_times x0, x1;
		double bc, bp, others, l3a = fwd_l3_probe(), l3b, l3;

		fwd_cpu_sample(daemon, &c0);
		cpu_times(daemon, &x0);
		telem_read(sock, &a);
		fwd_gen_run(g, o->trial_pps, o->trial_s, 0, 200, t);
		telem_read(sock, &b);
		cpu_times(daemon, &x1);
		fwd_cpu_sample(daemon, &c1);
		others = fwd_cpu_others(&c0, &c1);
		l3b = fwd_l3_probe();
		l3 = RTE_MAX(l3a, l3b) / fwd_l3_best();
		bc = telem_delta(&a, &b, "busy_cycles");
		bp = telem_delta(&a, &b, "busy_pkts");
		fwd_counters_free(&a.c);
		fwd_counters_free(&b.c);
		if (o->verbose)
			progress("    trial: %.0f cycles/packet, others %.0f%%, L3 %.0f/%.0f cycles per load "
				 "(best %.0f)\n", bp > 0 ? bc / bp : 0, 100 * others, l3a, l3b,
				 fwd_l3_best());
		if (t->corrupted || t->misforwarded)
			fail("worker trial: %lu corrupted, %lu misforwarded packets",
			     (unsigned long)t->corrupted, (unsigned long)t->misforwarded);
		if (others > o->max_others && wait < o->max_waits) {
			/* somebody else ran: this trial says nothing about mediasecd; again, later */
			wait++;
			w->rerun++;
			nap_us(1000000);
			continue;
		}
		wait = 0;
		k++;
		w->others = RTE_MAX(w->others, others);
		w->l3_worst = RTE_MAX(w->l3_worst, l3);
		w->sent += t->sent;
		w->good += t->good;
		if (a.ok && b.ok && bp > 0) {
			w->ctl_share[w->n] = (x1.daemon_run - x0.daemon_run) / tsc_s(c1.tsc - c0.tsc);
			w->cycles[w->n++] = bc / bp;
		}
	}
	w->ctl_median = median(w->ctl_share, w->n);
	w->median = median(w->cycles, w->n);
	w->ok = w->n > 0;
	if (!w->ok)
		fail("worker trial: no telemetry from mediasecd (%s)", sock);
	progress("  table %s (%.0f legs), traffic on %u session%s: %.0f worker cycles/packet\n", table,
		 table_legs, traffic, traffic == 1 ? "" : "s", w->median);
	free(t);
}

/* ------------------------------------------------------ the lookup itself */

static void
slot_key(uint32_t s, unsigned side, struct ms_leg_key *k)
{
	struct ends e;
	uint32_t be;

	ends_of_slot(s, &e);
	memset(k, 0, sizeof(*k));
	k->port = (uint16_t)side;
	k->family = AF_INET;
	k->udp_port = e.port;
	be = rte_cpu_to_be_32(side ? e.b_local : e.a_local);
	memcpy(k->addr, &be, 4);
}

static int
slot_session(struct ms_legtab *t, uint32_t s)
{
	struct ms_leg_cfg cfg[2];
	uint32_t ids[2];
	struct ends e;
	char err[256];

	ends_of_slot(s, &e);
	memset(cfg, 0, sizeof(cfg));
	for (unsigned i = 0; i < 2; i++) {
		uint32_t local = rte_cpu_to_be_32(i ? e.b_local : e.a_local);
		uint32_t peer = rte_cpu_to_be_32(i ? e.b_peer : e.a_peer);

		cfg[i].port = (uint16_t)i;
		cfg[i].mode = MS_LEG_RTP;
		cfg[i].rtcp_mux = true;
		ms_addr_set_v4(&cfg[i].local, &local);
		cfg[i].local_port = e.port;
		cfg[i].local_rtcp_port = e.port;
		ms_addr_set_v4(&cfg[i].peer, &peer);
		cfg[i].peer_port = e.port;
		cfg[i].peer_rtcp_port = e.port;
		snprintf(cfg[i].session, sizeof(cfg[i].session), "l-%u", s);
	}
	if (ms_session_add(t, cfg, ids, err, sizeof(err)) < 0) {
		fail("lookup table: session %u: %s", s, err);
		return -1;
	}
	return 0;
}

/*
 * ms_legtab_lookup_bulk of bursts of 32 keys of installed legs chosen at
 * random across the table: TSC cycles per lookup, the median of the
 * repetitions.
 */
static void
lookup_bench(const struct opts *o, uint32_t capacity, uint32_t legs)
{
	struct lookup_res *lr = &R.lookups[R.nb_lookups++];
	const struct ms_crypto_engine *eng = ms_crypto_engine_find("ipsec-mb");
	size_t qsz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *qsbr = rte_zmalloc("bench_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	struct ms_leg_key *keys = malloc((size_t)LOOKUP_BURSTS * LOOKUP_BURST * sizeof(*keys));
	uint32_t sessions = legs / 2;
	uint64_t overhead = bench_tsc_overhead(), t0;
	struct ms_legtab *t = NULL;

	memset(lr, 0, sizeof(*lr));
	lr->legs = legs;
	if (eng == NULL || qsbr == NULL || keys == NULL || rte_rcu_qsbr_init(qsbr, 1) != 0) {
		fail("lookup table: no memory or engine");
		goto out;
	}
	struct ms_legtab_params p = {
		.max_legs = capacity,
		.socket_id = (int)rte_socket_id(),
		.replay_window = 128,
		.engine = eng,
		.qsbr = qsbr,
		.nb_ports = 2,
	};
	t = ms_legtab_create(&p);
	if (t == NULL) {
		fail("lookup table: cannot create a table of %u legs (%s)", capacity,
		     rte_strerror(rte_errno));
		goto out;
	}
	t0 = rte_rdtsc();
	for (uint32_t s = 0; s < sessions; s++)
		if (slot_session(t, s) < 0)
			goto out;
	lr->fill_s = tsc_s(rte_rdtsc() - t0);
	for (unsigned rep = 0; rep < o->lookup_reps; rep++) {
		struct ms_leg *found[LOOKUP_BURST];
		uint8_t rtcp[LOOKUP_BURST];
		uint64_t cycles = 0;

		for (uint32_t i = 0; i < LOOKUP_BURSTS * LOOKUP_BURST; i++) {
			uint64_t r = bench_rand();

			slot_key((uint32_t)(r % sessions), (unsigned)(r >> 63), &keys[i]);
		}
		for (uint32_t b = 0; b < LOOKUP_BURSTS; b++) {
			uint64_t a = rte_rdtsc();

			ms_legtab_lookup_bulk(t, &keys[b * LOOKUP_BURST], LOOKUP_BURST, found, rtcp);
			cycles += rte_rdtsc() - a - overhead;
			for (unsigned k = 0; k < LOOKUP_BURST; k++)
				lr->misses += found[k] == NULL;
		}
		lr->cycles[lr->n++] = (double)cycles / (LOOKUP_BURSTS * LOOKUP_BURST);
	}
	lr->median = median(lr->cycles, lr->n);
	lr->ok = lr->misses == 0;
	if (lr->misses)
		fail("lookup table: %lu keys of installed legs not found", (unsigned long)lr->misses);
	progress("  %u legs in a table of %u: %.1f cycles per lookup (filled in %.1f s)\n", legs,
		 capacity, lr->median, lr->fill_s);
out:
	if (t != NULL)
		ms_legtab_free(t);
	rte_free(qsbr);
	free(keys);
}

/* ------------------------------------------------------------- helpers */

static void
phase_end(const char *name, uint64_t t0)
{
	if (R.nb_phases < MAX_PHASES)
		R.phases[R.nb_phases++] = (struct phase){name, tsc_s(rte_rdtsc() - t0)};
}

static int
free_tcp_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port < 1024 ? -1 : port;
}

static void
read_machine(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	time_t now = time(NULL);

	snprintf(R.cpu, sizeof(R.cpu), "unknown CPU");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *p = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && p != NULL) {
			p += 2;
			p[strcspn(p, "\n")] = '\0';
			snprintf(R.cpu, sizeof(R.cpu), "%s", p);
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	R.cpus = sysconf(_SC_NPROCESSORS_ONLN);
	strftime(R.date, sizeof(R.date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	/* the command as run */
	f = fopen("/proc/self/cmdline", "r");
	if (f != NULL) {
		size_t n = fread(line, 1, sizeof(line) - 1, f), used = 0;

		fclose(f);
		line[n] = '\0';
		for (size_t i = 0; i < n; i += strlen(line + i) + 1) {
			const char *a = line + i;
			bool quote = a[0] == '\0' || strpbrk(a, " \t\"'$") != NULL;

			used += (size_t)snprintf(R.command + used, sizeof(R.command) - used,
						 quote ? "%s'%s'" : "%s%s", used ? " " : "", a);
			if (used >= sizeof(R.command))
				break;
		}
	}
}

static bool
daemon_alive(struct fwd_child *ch)
{
	int status;

	if (ch->pid > 0 && waitpid(ch->pid, &status, WNOHANG) == ch->pid) {
		ch->pid = 0;
		fail("mediasecd died (%s %d); its log:", WIFEXITED(status) ? "exit" : "signal",
		     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		fwd_child_log_tail(ch, stderr, 20);
		return false;
	}
	return ch->pid > 0;
}

static struct ms_client *
connect_client(const char *dir, const char *sock, int tls_port, bool tls)
{
	struct ms_client_opts co;
	struct ms_client *c = NULL;
	char err[384];

	memset(&co, 0, sizeof(co));
	co.name = "mediasec-bench";
	co.timeout_ms = 30000;
	if (tls) {
		co.host = "127.0.0.1";
		co.port = (uint16_t)tls_port;
		snprintf(co.tls.certificate, sizeof(co.tls.certificate), "%s/pki/client1.pem", dir);
		snprintf(co.tls.key, sizeof(co.tls.key), "%s/pki/client1.key", dir);
		snprintf(co.tls.ca_file, sizeof(co.tls.ca_file), "%s/pki/ca.pem", dir);
	} else {
		co.socket_path = sock;
	}
	if (ms_client_connect(&co, &c, err, sizeof(err)) < 0) {
		fail("cannot connect over %s: %s", tls ? "TLS" : "the Unix socket", err);
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------------- output */

struct rate_stats {
	double med, lo, hi;
	double daemon_us, client_us, wait_share;
	double others; /* the most other tasks took in one run */
	double worker_wait; /* median share of a run the worker waited for its CPU */
	uint32_t errors;
};

/* Median, range of the rates; median CPU per request. */
static void
rate_stats(const struct pipe_run *runs, unsigned n, struct rate_stats *st)
{
	double v[MAX_REPEAT], d[MAX_REPEAT], c[MAX_REPEAT], w[MAX_REPEAT], ww[MAX_REPEAT];

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < n; i++) {
		v[i] = run_rate(&runs[i]);
		d[i] = runs[i].n ? runs[i].daemon_cpu_s / runs[i].n * 1e6 : 0;
		c[i] = runs[i].n ? runs[i].client_cpu_s / runs[i].n * 1e6 : 0;
		w[i] = runs[i].seconds > 0 ? runs[i].daemon_wait_s / runs[i].seconds : 0;
		ww[i] = runs[i].seconds > 0 ? runs[i].worker_wait_s / runs[i].seconds : 0;
		st->errors += runs[i].errors;
		st->others = RTE_MAX(st->others, runs[i].others);
	}
	st->med = median(v, n);
	st->daemon_us = median(d, n);
	st->client_us = median(c, n);
	st->wait_share = median(w, n);
	st->worker_wait = median(ww, n);
	qsort(v, n, sizeof(*v), cmp_double);
	st->lo = n ? v[0] : 0;
	st->hi = n ? v[n - 1] : 0;
}

struct target {
	char what[160];
	double value, limit;
	bool ge; /* value >= limit; else <= */
	bool met, known;
	char note[1200];
};

static unsigned
targets(const struct opts *o, struct target *t)
{
	unsigned n = 0;
	struct rate_stats st;

	memset(t, 0, 3 * sizeof(*t));
	if (R.nb_rows > 0 && R.rows[0].runs > 0) {
		rate_stats(R.rows[0].create, R.rows[0].runs, &st);
		snprintf(t[n].what, sizeof(t[n].what),
			 "session installs/s over the Unix socket (SRTP->RTP, median of %u), with no "
			 "packet lost by the dataplane", R.rows[0].runs);
		t[n].value = st.med;
		t[n].limit = 100000;
		t[n].ge = true;
		t[n].known = true;
		bool loss = !R.traffic_done || !R.drops_ok || R.drops_total > 0 ||
			    R.traffic.good < R.traffic.sent || R.traffic.corrupted || R.traffic.misforwarded;
		t[n].met = st.med >= t[n].limit && !loss;
		if (loss)
			snprintf(t[n].note, sizeof(t[n].note), "dataplane: %lu of %lu packets not delivered "
				 "intact, drop counters: %s", (unsigned long)(R.traffic.sent - R.traffic.good),
				 (unsigned long)R.traffic.sent, R.drops_ok ? (R.drops[0] ? R.drops : "none")
									   : "unread");
		else
			snprintf(t[n].note, sizeof(t[n].note), "dataplane: %lu packets, none lost, no drop "
				 "counter moved", (unsigned long)R.traffic.sent);
		n++;
	}
	if (R.with_scale.ok && R.before_scale.ok && R.scale_install.n > 0) {
		double legs = 2.0 * R.scale_install.n;
		double per_leg = (R.with_scale.total - R.before_scale.total) / legs;
		double kernel = (R.with_scale.rss_kb + R.with_scale.hugetlb_kb) * 1024;

		snprintf(t[n].what, sizeof(t[n].what), "mediasecd's memory with 1,000,000 legs installed, GiB");
		t[n].limit = 2;
		if (R.with_scale.legs >= 1000000) {
			t[n].value = R.with_scale.total / (1 << 30);
			t[n].known = true;
			t[n].met = t[n].value <= t[n].limit;
			snprintf(t[n].note, sizeof(t[n].note),
				 "measured with %.0f legs installed (SRTP->RTP sessions), the stats op's total",
				 R.with_scale.legs);
			n++;
			snprintf(t[n].what, sizeof(t[n].what),
				 "the same by the kernel's count of the process (RSS + hugetlb pages), GiB");
			t[n].limit = 2;
			t[n].value = kernel / (1 << 30);
			t[n].known = true;
			t[n].met = t[n].value <= t[n].limit;
			snprintf(t[n].note, sizeof(t[n].note),
				 "of which DPDK heap mapped %.0f MiB for %.0f MiB allocated (%.0f MiB free in "
				 "%.0f pieces, the largest %.1f MiB)", R.with_scale.heap_size / 1048576,
				 R.with_scale.dpdk / 1048576, R.with_scale.heap_free / 1048576,
				 R.with_scale.heap_free_count, R.with_scale.heap_greatest_free / 1048576);
		} else {
			t[n].value = (R.before_scale.total + per_leg * (1000000 - R.before_scale.legs)) /
				     (1 << 30);
			snprintf(t[n].note, sizeof(t[n].note),
				 "not measured at that scale: extrapolated linearly from %.0f legs, with this "
				 "run's leg table of %u legs (a table for 1,000,000 legs preallocates more); "
				 "run with --scale-legs 1000000", R.with_scale.legs, R.capacity);
		}
		n++;
	}
	(void)o;
	return n;
}

static void
print_text(const struct opts *o, const struct fwd_setup *s)
{
	bool md = o->markdown;
	const char *h = md ? "### " : "## ";
	struct target t[3];
	unsigned nt = targets(o, t);
	struct rate_stats st, sd;

	printf("%smediasec-bench control: mediasecd's control plane under load\n\n", md ? "## " : "# ");
	printf("%smachine: %s, %ld vCPUs, TSC %.3f GHz; %s\n", md ? "- " : "", R.cpu, R.cpus,
	       R.tsc_hz / 1e9, R.date);
	printf("%smemory: %s\n", md ? "- " : "", R.memdesc);
	printf("%sCPUs: mediasecd's worker busy-polls CPU %u; mediasecd's control thread, this "
	       "generator and its control client share CPU %u\n", md ? "- " : "", o->worker_cpu,
	       o->gen_cpu);
	printf("%scommand: %s%s%s\n", md ? "- " : "", md ? "`" : "", R.command, md ? "`" : "");
	printf("%sdataplane: %s, memif, G.711 (12 + 160 bytes), AES_CM keys per session and direction; "
	       "mediasecd %s, leg table of %u legs preallocated, %s\n",
	       md ? "- " : "", ms_srtp_suite_info(s->suite)->name, o->mediasecd, R.capacity,
	       rte_version());

	/* start */
	printf("\n%sStart\n\n", h);
	printf("mediasecd ready after %.1f s; %u traffic sessions installed through the Unix socket "
	       "(%.0f/s), %lu of %lu priming packets came back.\n",
	       R.ready_s, o->traffic, run_rate(&R.traffic_install), (unsigned long)R.prime_good,
	       (unsigned long)R.prime_sent);

	/* install rates */
	printf("\n%sInstall rate (%u sessions per run, %u requests in flight, %u run%s each; "
	       "traffic meanwhile, below)\n\n", h, o->installs, o->window, o->repeat,
	       o->repeat == 1 ? "" : "s");
	if (md)
		printf("| transport | mode | installs/s (median) | range | deletes/s (median) | range | "
		       "daemon CPU us/install | us/delete | daemon waited for its CPU | worker waited "
		       "(deletes) | client CPU us/install | others, most | runs again | errors |\n"
		       "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	else
		printf("  %-11s %-10s %10s %15s %9s %15s %8s %8s %6s %6s %8s %6s %5s %6s\n",
		       "transport", "mode", "installs/s", "range", "deletes/s", "range", "dCPU/ins",
		       "dCPU/del", "dwait", "wwait", "cCPU/ins", "others", "again", "errors");
	for (unsigned i = 0; i < R.nb_rows; i++) {
		const struct install_row *r = &R.rows[i];
		char a[40], b[40];

		rate_stats(r->create, r->runs, &st);
		rate_stats(r->del, r->runs, &sd);
		snprintf(a, sizeof(a), "%.0f-%.0f", st.lo, st.hi);
		snprintf(b, sizeof(b), "%.0f-%.0f", sd.lo, sd.hi);
		if (md)
			printf("| %s | %s | %.0f | %s | %.0f | %s | %.2f | %.2f | %.0f%% | %.0f%% | %.2f | "
			       "%.0f%%%s | %u | %u |\n",
			       tr_name[r->tr], fwd_mode_info(r->mode)->label, st.med, a, sd.med, b,
			       st.daemon_us, sd.daemon_us, 100 * st.wait_share, 100 * sd.worker_wait,
			       st.client_us,
			       100 * RTE_MAX(st.others, sd.others),
			       RTE_MAX(st.others, sd.others) > o->max_others ? " (!)" : "", r->rerun,
			       st.errors + sd.errors);
		else
			printf("  %-11s %-10s %10.0f %15s %9.0f %15s %8.2f %8.2f %5.0f%% %5.0f%% %8.2f %5.0f%% "
			       "%5u %6u%s\n",
			       tr_name[r->tr], fwd_mode_info(r->mode)->label, st.med, a, sd.med, b,
			       st.daemon_us, sd.daemon_us, 100 * st.wait_share, 100 * sd.worker_wait,
			       st.client_us,
			       100 * RTE_MAX(st.others, sd.others), r->rerun, st.errors + sd.errors,
			       RTE_MAX(st.others, sd.others) > o->max_others ? "  (!)" : "");
	}
	printf("\n%sWall clock from the first write to the last answer. \"daemon CPU\" is mediasecd's "
	       "control thread's own time on the CPU per request (schedstat); 1e6 / that is what it "
	       "would sustain with a CPU to itself (the client here shares it). \"waited\": the share of "
	       "the run the control thread was runnable but the CPU was taken (by the client, the "
	       "generator or others). \"worker waited\": the same for mediasecd's worker during "
	       "the deletes: a delete waits for an RCU grace period, which lasts until the worker "
	       "has run. \"others\": the most CPU other tasks on the machine took "
	       "during a run kept, as a share of one CPU; a run where they took more than %.0f%% was "
	       "run again, up to %u times, and is marked (!) if kept so.\n", md ? "" : "  ",
	       100 * o->max_others, o->max_waits);

	/* traffic */
	printf("\n%sTraffic during the install phase (%.1f s)\n\n", h, R.traffic.elapsed_s);
	if (R.traffic_done) {
		const struct fwd_trial *tr = &R.traffic;
		uint64_t lost = tr->sent - RTE_MIN(tr->sent, tr->good + tr->corrupted + tr->misforwarded);

		if (md)
			printf("| sessions | rate pps | sent | received intact | lost | corrupted | "
			       "misforwarded | not sent (generator late) | mediasecd drop counters |\n"
			       "|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
			       "| %u | %.0f | %lu | %lu | %lu | %lu | %lu | %lu | %s |\n",
			       o->traffic, o->traffic_pps, (unsigned long)tr->sent,
			       (unsigned long)tr->good, (unsigned long)lost, (unsigned long)tr->corrupted,
			       (unsigned long)tr->misforwarded, (unsigned long)tr->skipped,
			       !R.drops_ok ? "not read" : R.drops[0] ? R.drops : "all 0");
		else
			printf("  sessions %u, %.0f pps: sent %lu, received intact %lu, lost %lu, corrupted "
			       "%lu, misforwarded %lu, not sent (generator late) %lu\n"
			       "  mediasecd drop counters over the phase: %s\n",
			       o->traffic, o->traffic_pps, (unsigned long)tr->sent,
			       (unsigned long)tr->good, (unsigned long)lost, (unsigned long)tr->corrupted,
			       (unsigned long)tr->misforwarded, (unsigned long)tr->skipped,
			       !R.drops_ok ? "not read" : R.drops[0] ? R.drops : "all 0");
		printf("%sThe generator sent in bursts of 32 and slept whenever the next burst was due "
		       "more than %u us ahead: busy %.1f%% of the phase. Other tasks on the machine took "
		       "%.0f%% of a CPU meanwhile.\n", md ? "\n" : "  ",
		       o->idle_sleep_us, tr->elapsed_s > 0 ? 100.0 * tsc_s(tr->gen_busy_cycles) /
							   tr->elapsed_s : 0, 100 * R.others_install);
	} else {
		printf("  not run\n");
	}

	/* probes */
	printf("\n%sAnswer -> first packet forwarded with the new key (create only)\n\n", h);
	if (R.probes_done > 0) {
		double *v[3] = {R.ans_first_us, R.req_ans_us, R.req_first_us};
		const char *names[3] = {"answer read -> first packet received",
					"request written -> answer read",
					"request written -> first packet received"};

		if (md)
			printf("| us, %u probes | min | median | p99 | max |\n|---|---:|---:|---:|---:|\n",
			       R.probes_done);
		else
			printf("  %-42s %8s %8s %8s %8s   (us, %u probes)\n", "", "min", "median", "p99",
			       "max", R.probes_done);
		for (unsigned k = 0; k < 3; k++) {
			double mn = pct(v[k], R.probes_done, 0), me = pct(v[k], R.probes_done, 50);
			double p99 = pct(v[k], R.probes_done, 99), mx = pct(v[k], R.probes_done, 100);

			printf(md ? "| %s | %.1f | %.1f | %.1f | %.1f |\n" : "  %-42s %8.1f %8.1f %8.1f %8.1f\n",
			       names[k], mn, me, p99, mx);
		}
		printf("\n%sOne probe session at a time receives the generator's packets, one every %.1f us "
		       "(asked %.1f us): mediasecd drops them as unknown_leg until the session exists. "
		       "The session is then installed by one request; the first packet forwarded comes "
		       "back at most one interval plus the round trip after the leg became visible, "
		       "which bounds the resolution. Negative: the packet was forwarded before the "
		       "client had read the answer. %u probe%s saw no packet within 1 s. Other tasks "
		       "took %.0f%% of a CPU meanwhile.\n",
		       md ? "" : "  ", R.probe_interval_real_us, R.probe_interval_us, R.probe_timeouts,
		       R.probe_timeouts == 1 ? "" : "s", 100 * R.others_probe);
		if (o->verbose)
			printf("%smediasecd drop counters over the probes: %s\n", md ? "" : "  ",
			       R.probe_drops[0] ? R.probe_drops : "all 0");
	} else {
		printf("  not run\n");
	}

	/* scale */
	printf("\n%sScale: memory with many legs (mediasecd's stats op; RSS + hugetlb: the kernel's "
	       "count of the process)\n\n", h);
	if (R.with_scale.ok || R.with_srtp.ok) {
		const struct memsnap *m[6] = {&R.start, &R.before_scale, &R.with_scale, &R.after_delete,
					      &R.srtp_start, &R.with_srtp};
		char names[6][96];

		snprintf(names[0], sizeof(names[0]), "mediasecd (a): after start, table empty");
		snprintf(names[1], sizeof(names[1]), "(a): %u traffic sessions", o->traffic);
		snprintf(names[2], sizeof(names[2]), "(a): + %u SRTP->RTP sessions", R.scale_install.n);
		snprintf(names[3], sizeof(names[3]), "(a): after deleting them");
		snprintf(names[4], sizeof(names[4]), "mediasecd (b), fresh: %u traffic sessions",
			 o->traffic);
		snprintf(names[5], sizeof(names[5]), "(b): + %u SRTP->SRTP sessions", R.srtp_install.n);
		if (md)
			printf("| state | legs | DPDK heap MiB | key memory MiB | control heap MiB | "
			       "total MiB | DPDK heap mapped MiB (free, pieces) | kernel: hugetlb MiB | RSS "
			       "anon MiB | RSS file+shmem MiB | kernel total MiB |\n"
			       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		else
			printf("  %-36s %8s %7s %7s %7s %7s | %20s | %7s %7s %8s %7s\n", "state (MiB)",
			       "legs", "DPDK", "keys", "heap", "total", "DPDK mapped (free)", "hugetlb",
			       "anon", "file+shm", "kernel");
		for (unsigned k = 0; k < 6; k++) {
			char mapped[48];

			if (!m[k]->ok)
				continue;
			snprintf(mapped, sizeof(mapped), "%.1f (%.1f, %.0f)", m[k]->heap_size / 1048576,
				 m[k]->heap_free / 1048576, m[k]->heap_free_count);
			printf(md ? "| %s | %.0f | %.1f | %.1f | %.1f | %.1f | %s | %.1f | %.1f | %.1f | %.1f |\n"
				  : "  %-36s %8.0f %7.1f %7.1f %7.1f %7.1f | %20s | %7.1f %7.1f %8.1f %7.1f\n",
			       names[k], m[k]->legs, m[k]->dpdk / 1048576, m[k]->key / 1048576,
			       m[k]->heap / 1048576, m[k]->total / 1048576, mapped, m[k]->hugetlb_kb / 1024,
			       m[k]->anon_kb / 1024, (m[k]->file_kb + m[k]->shmem_kb) / 1024,
			       (m[k]->rss_kb + m[k]->hugetlb_kb) / 1024);
		}
		printf("\n%sThe first columns are the stats op's memory object: DPDK heap allocated, key "
		       "memory in use, C heap in use (mallinfo2), and their total. \"DPDK mapped\": the "
		       "heap's size, its free bytes and free pieces (telemetry /eal/heap_info). The "
		       "kernel's columns (/proc/PID/status) count what the process holds: hugepages "
		       "mapped by DPDK (in use or not), anonymous memory (key memory is mapped and locked "
		       "in 2 MiB chunks, the C heap), files and shared memory (the program, libraries, "
		       "memif regions).\n", md ? "" : "  ");
		printf("%sThe leg table (%u legs, struct ms_leg %zu bytes, and its hash) is allocated at "
		       "start: %.1f MiB of DPDK heap before any session.\n", md ? "" : "  ", R.capacity,
		       sizeof(struct ms_leg), R.start.dpdk / 1048576);
	}
	if (R.with_scale.ok) {
		double legs = 2.0 * R.scale_install.n;
		const struct memsnap *a = &R.before_scale, *b = &R.with_scale;

		printf("%sSRTP->RTP sessions (per session: one SRTP leg, two key contexts and two streams; "
		       "one plain RTP leg): %u installed at %.0f/s, deleted at %.0f/s. Per leg: %.0f bytes "
		       "(DPDK heap %.0f, key memory %.0f, control heap %.0f); the kernel's count: %.0f "
		       "bytes per leg.\n",
		       md ? "" : "  ", R.scale_install.n, run_rate(&R.scale_install),
		       run_rate(&R.scale_delete), (b->total - a->total) / legs, (b->dpdk - a->dpdk) / legs,
		       (b->key - a->key) / legs, (b->heap - a->heap) / legs,
		       (b->rss_kb + b->hugetlb_kb - a->rss_kb - a->hugetlb_kb) * 1024 / legs);
		if (R.after_delete.ok)
			printf("%sAfter deleting them: %+.1f MiB against before (streams stay in their "
			       "slabs for reuse, the heaps keep what they grew to).\n", md ? "" : "  ",
			       (R.after_delete.total - a->total) / 1048576);
	}
	if (R.with_srtp.ok && R.srtp_install.n > 0) {
		double l2 = 2.0 * R.srtp_install.n;
		const struct memsnap *a = &R.srtp_start, *b = &R.with_srtp;
		double per = (b->total - a->total) / l2;

		printf("%sSRTP->SRTP sessions (both legs SRTP: four key contexts and four streams per "
		       "session), on a second mediasecd started afresh: %u installed at %.0f/s. Per leg: "
		       "%.0f bytes (DPDK heap %.0f, key memory %.0f, control heap %.0f); 1,000,000 such "
		       "legs: %.2f GiB in all (extrapolated linearly from %.0f legs).\n",
		       md ? "" : "  ", R.srtp_install.n, run_rate(&R.srtp_install), per,
		       (b->dpdk - a->dpdk) / l2, (b->key - a->key) / l2, (b->heap - a->heap) / l2,
		       (a->total + per * 1e6) / (1 << 30), l2);
	}
	if (!R.with_scale.ok && !R.with_srtp.ok)
		printf("  not run\n");

	/* lookup cost */
	printf("\n%sLookup cost\n\n", h);
	if (R.nb_trials > 0) {
		if (md)
			printf("| mediasecd worker, table | legs installed | traffic on | cycles/packet "
			       "(median) | runs | mediasecd's control thread busy | other tasks, most in a "
			       "run | L3 latency, worst / best | trials run again |\n"
			       "|---|---:|---:|---:|---|---:|---:|---:|---:|\n");
		else
			printf("  mediasecd's worker, cycles per packet (busy_cycles / busy_pkts), median of "
			       "%u trials of %.1f s at %.0f pps:\n", o->trial_reps, o->trial_s,
			       o->trial_pps);
		for (unsigned i = 0; i < R.nb_trials; i++) {
			const struct wtrial *w = &R.trials[i];
			char runs[160];
			size_t u = 0;

			runs[0] = '\0';
			for (unsigned k = 0; k < w->n && u < sizeof(runs); k++)
				u += (size_t)snprintf(runs + u, sizeof(runs) - u, "%s%.0f", k ? ", " : "",
						      w->cycles[k]);
			bool bad = w->others > o->max_others ||
				   (o->max_l3_ratio > 0 && w->l3_worst > o->max_l3_ratio);

			printf(md ? "| %s | %.0f | %u session%s | %.0f | %s | %.0f%% | %.0f%% | %.2f | %u%s |\n"
				  : "    table %-5s %8.0f legs, traffic on %4u session%s: %5.0f  (%s; control "
				    "thread %.0f%%, others %.0f%% of a CPU, L3 %.2fx its best, %u again)%s\n",
			       w->table, w->table_legs, w->traffic, w->traffic == 1 ? "" : "s", w->median,
			       runs, 100 * w->ctl_median, 100 * w->others, w->l3_worst, w->rerun,
			       bad ? " (!)" : "");
		}
		printf("\n%sTables: \"small\", the traffic sessions only; \"large\", with the scale "
		       "phase's sessions installed too; \"again\", after deleting those (the table small, "
		       "the heaps and slabs as grown); \"fresh\", a second mediasecd started at the end "
		       "with the traffic sessions only (the same table as \"small\", measured last). The "
		       "traffic is the same in each: G.711 SRTP->RTP, "
		       "%.0f pps, on 1 session or on the %u traffic sessions; the worker's cost per "
		       "packet includes memif receive and transmit, parsing, the lookup, the crypto and "
		       "the header rewrite. (!): other tasks took more than %.0f%% of a CPU, or the L3 "
		       "latency was over %.1fx its best in the run (another tenant of the host): on this "
		       "shared host the absolute cycles drift by up to 2x from one moment to the next: "
		       "\"fresh\" tells the table's effect from the drift.\n", md ? "" : "  ",
		       o->trial_pps, o->traffic, 100 * o->max_others, o->max_l3_ratio);
		for (unsigned tr = 0; tr < 2; tr++) {
			const struct wtrial *a = NULL, *b = NULL, *c = NULL, *f = NULL;

			for (unsigned i = 0; i < R.nb_trials; i++) {
				const struct wtrial *w = &R.trials[i];

				if ((w->traffic == 1) != (tr == 0) || !w->ok)
					continue;
				if (strcmp(w->table, "small") == 0)
					a = w;
				else if (strcmp(w->table, "large") == 0)
					b = w;
				else if (strcmp(w->table, "again") == 0)
					c = w;
				else
					f = w;
			}
			if (a == NULL || b == NULL)
				continue;
			printf("%sTraffic on %u session%s: large / small table: %.2fx", md ? "- " : "  ",
			       a->traffic, a->traffic == 1 ? "" : "s", b->median / a->median);
			if (c != NULL)
				printf(", again / small: %.2fx", c->median / a->median);
			if (f != NULL)
				printf(", fresh / small: %.2fx; large / fresh: %.2fx", f->median / a->median,
				       b->median / f->median);
			printf("\n");
		}
	}
	if (R.nb_lookups > 0) {
		printf(md ? "\n| ms_legtab_lookup_bulk, bursts of 32 random keys | cycles/lookup | "
			    "ns/lookup |\n|---|---:|---:|\n"
			  : "\n  ms_legtab_lookup_bulk in this process, bursts of 32 keys of installed legs "
			    "at random (median of %u x %u lookups):\n", o->lookup_reps,
		       LOOKUP_BURSTS * LOOKUP_BURST);
		for (unsigned i = 0; i < R.nb_lookups; i++) {
			const struct lookup_res *l = &R.lookups[i];

			printf(md ? "| %u legs in a table of %u | %.1f | %.1f |\n"
				  : "    %8u legs in a table of %u: %6.1f cycles, %5.1f ns per lookup\n",
			       l->legs, R.capacity, l->median, l->median / R.tsc_hz * 1e9);
		}
		printf("\n%s(the same capacity as mediasecd's; one hash key per leg with rtcp \"mux\"; "
		       "with many legs the table is far larger than the caches: the lookups are cold)\n",
		       md ? "" : "  ");
	}

	/* targets */
	printf("\n%sTargets (this run)\n\n", h);
	for (unsigned i = 0; i < nt; i++)
		printf(md ? "- %s: %.*f (target %s %.0f): %s (%s)\n"
			  : "  %s: %.*f (target %s %.0f): %s\n    (%s)\n",
		       t[i].what, t[i].ge ? 0 : 2, t[i].value, t[i].ge ? ">=" : "<=", t[i].limit,
		       !t[i].known ? "not measured" : t[i].met ? "met" : "NOT MET", t[i].note);
	if (nt == 0)
		printf("  (none measured)\n");

	/* phases */
	printf("\n%sTime taken\n\n", h);
	for (unsigned i = 0; i < R.nb_phases; i++)
		printf("%s%-36s %7.1f s\n", md ? "- " : "  ", R.phases[i].name, R.phases[i].s);
	printf("%s%-36s %7.1f s\n", md ? "- " : "  ", "total", R.total_s);
	if (R.nb_errors > 0) {
		printf("\n%sErrors (%u)\n\n", h, R.nb_errors);
		for (unsigned i = 0; i < R.nb_errors && i < MAX_ERRORS; i++)
			printf("%s%s\n", md ? "- " : "  ", R.errors[i]);
	}
}

static json_t *
j_run(const struct pipe_run *r)
{
	json_t *j = json_object();

	json_object_set_new(j, "requests", json_integer(r->n));
	json_object_set_new(j, "seconds", json_real(r->seconds));
	json_object_set_new(j, "per_second", json_real(run_rate(r)));
	json_object_set_new(j, "daemon_cpu_seconds", json_real(r->daemon_cpu_s));
	json_object_set_new(j, "daemon_waited_seconds", json_real(r->daemon_wait_s));
	json_object_set_new(j, "client_cpu_seconds", json_real(r->client_cpu_s));
	json_object_set_new(j, "errors", json_integer(r->errors));
	json_object_set_new(j, "other_tasks_cpu_share", json_real(r->others));
	json_object_set_new(j, "worker_waited_seconds", json_real(r->worker_wait_s));
	if (r->error[0])
		json_object_set_new(j, "error", json_string(r->error));
	return j;
}

static json_t *
j_mem(const struct memsnap *m)
{
	json_t *j = json_object();

	json_object_set_new(j, "legs", json_real(m->legs));
	json_object_set_new(j, "sessions", json_real(m->sessions));
	json_object_set_new(j, "leg_capacity", json_real(m->capacity));
	json_object_set_new(j, "dpdk_heap_bytes", json_real(m->dpdk));
	json_object_set_new(j, "key_memory_bytes", json_real(m->key));
	json_object_set_new(j, "control_heap_bytes", json_real(m->heap));
	json_object_set_new(j, "total_bytes", json_real(m->total));
	json_object_set_new(j, "process_rss_bytes", json_real(m->rss_kb * 1024));
	json_object_set_new(j, "process_hugetlb_bytes", json_real(m->hugetlb_kb * 1024));
	json_object_set_new(j, "process_rss_anon_bytes", json_real(m->anon_kb * 1024));
	json_object_set_new(j, "process_rss_file_bytes", json_real(m->file_kb * 1024));
	json_object_set_new(j, "process_rss_shmem_bytes", json_real(m->shmem_kb * 1024));
	json_object_set_new(j, "key_memory_mapped_bytes", json_real(m->key_mapped));
	json_object_set_new(j, "dpdk_heap_size_bytes", json_real(m->heap_size));
	json_object_set_new(j, "dpdk_heap_free_bytes", json_real(m->heap_free));
	json_object_set_new(j, "dpdk_heap_greatest_free_bytes", json_real(m->heap_greatest_free));
	json_object_set_new(j, "dpdk_heap_free_elements", json_real(m->heap_free_count));
	return j;
}

static json_t *
j_stats(double *v, unsigned n)
{
	json_t *j = json_object();

	json_object_set_new(j, "min", json_real(pct(v, n, 0)));
	json_object_set_new(j, "median", json_real(pct(v, n, 50)));
	json_object_set_new(j, "p99", json_real(pct(v, n, 99)));
	json_object_set_new(j, "max", json_real(pct(v, n, 100)));
	return j;
}

static json_t *
results_json(const struct opts *o, const struct fwd_setup *s)
{
	json_t *root = json_object(), *a, *j;
	struct target t[3];
	unsigned nt = targets(o, t);

	json_object_set_new(root, "benchmark", json_string("control"));
	json_object_set_new(root, "date", json_string(R.date));
	json_object_set_new(root, "command", json_string(R.command));
	json_object_set_new(root, "cpu", json_string(R.cpu));
	json_object_set_new(root, "vcpus", json_integer(R.cpus));
	json_object_set_new(root, "tsc_hz", json_integer((json_int_t)R.tsc_hz));
	json_object_set_new(root, "memory_mode", json_string(R.memdesc));
	json_object_set_new(root, "hugepages", json_boolean(R.huge));
	json_object_set_new(root, "dpdk", json_string(rte_version()));
	json_object_set_new(root, "suite", json_string(ms_srtp_suite_info(s->suite)->name));
	json_object_set_new(root, "generator_cpu", json_integer(o->gen_cpu));
	json_object_set_new(root, "worker_cpu", json_integer(o->worker_cpu));
	json_object_set_new(root, "cpu_note", json_string("mediasecd's worker busy-polls worker_cpu; "
							  "mediasecd's control thread, the generator and the control client share generator_cpu"));
	json_object_set_new(root, "leg_capacity", json_integer(R.capacity));
	json_object_set_new(root, "ready_seconds", json_real(R.ready_s));
	json_object_set_new(root, "memory_at_start", j_mem(&R.start));

	j = json_object();
	json_object_set_new(j, "sessions_per_run", json_integer(o->installs));
	json_object_set_new(j, "window", json_integer(o->window));
	json_object_set_new(j, "runs", json_integer(o->repeat));
	a = json_array();
	for (unsigned i = 0; i < R.nb_rows; i++) {
		const struct install_row *r = &R.rows[i];
		json_t *row = json_object(), *c = json_array(), *d = json_array();
		struct rate_stats st, sd;

		rate_stats(r->create, r->runs, &st);
		rate_stats(r->del, r->runs, &sd);
		json_object_set_new(row, "transport", json_string(tr_key[r->tr]));
		json_object_set_new(row, "mode", json_string(fwd_mode_info(r->mode)->name));
		json_object_set_new(row, "installs_per_second_median", json_real(st.med));
		json_object_set_new(row, "deletes_per_second_median", json_real(sd.med));
		json_object_set_new(row, "daemon_cpu_us_per_install", json_real(st.daemon_us));
		json_object_set_new(row, "daemon_cpu_us_per_delete", json_real(sd.daemon_us));
		json_object_set_new(row, "runs_done_again", json_integer(r->rerun));
		for (unsigned k = 0; k < r->runs; k++) {
			json_array_append_new(c, j_run(&r->create[k]));
			json_array_append_new(d, j_run(&r->del[k]));
		}
		json_object_set_new(row, "creates", c);
		json_object_set_new(row, "deletes", d);
		json_array_append_new(a, row);
	}
	json_object_set_new(j, "rows", a);
	if (R.traffic_done) {
		json_t *tj = json_object();

		json_object_set_new(tj, "sessions", json_integer(o->traffic));
		json_object_set_new(tj, "rate_pps", json_real(o->traffic_pps));
		json_object_set_new(tj, "seconds", json_real(R.traffic.elapsed_s));
		json_object_set_new(tj, "sent", json_integer((json_int_t)R.traffic.sent));
		json_object_set_new(tj, "received_intact", json_integer((json_int_t)R.traffic.good));
		json_object_set_new(tj, "corrupted", json_integer((json_int_t)R.traffic.corrupted));
		json_object_set_new(tj, "misforwarded", json_integer((json_int_t)R.traffic.misforwarded));
		json_object_set_new(tj, "generator_late", json_integer((json_int_t)R.traffic.skipped));
		json_object_set_new(tj, "drop_counters_read", json_boolean(R.drops_ok));
		json_object_set_new(tj, "drops", json_real(R.drops_total));
		json_object_set_new(tj, "drop_counters", json_string(R.drops));
		json_object_set_new(tj, "other_tasks_cpu_share", json_real(R.others_install));
		json_object_set_new(j, "traffic", tj);
	}
	json_object_set_new(root, "install", j);

	j = json_object();
	json_object_set_new(j, "probes", json_integer(R.probes_done));
	json_object_set_new(j, "timeouts", json_integer(R.probe_timeouts));
	json_object_set_new(j, "packet_interval_us", json_real(R.probe_interval_real_us));
	json_object_set_new(j, "packet_interval_us_asked", json_real(R.probe_interval_us));
	if (R.probes_done > 0) {
		json_object_set_new(j, "answer_to_first_packet_us", j_stats(R.ans_first_us, R.probes_done));
		json_object_set_new(j, "request_to_answer_us", j_stats(R.req_ans_us, R.probes_done));
		json_object_set_new(j, "request_to_first_packet_us",
				    j_stats(R.req_first_us, R.probes_done));
	}
	json_object_set_new(j, "rekey", json_string("not measured (create only)"));
	json_object_set_new(root, "first_packet", j);

	j = json_object();
	json_object_set_new(j, "before", j_mem(&R.before_scale));
	json_object_set_new(j, "with_legs", j_mem(&R.with_scale));
	json_object_set_new(j, "after_delete", j_mem(&R.after_delete));
	json_object_set_new(j, "install", j_run(&R.scale_install));
	json_object_set_new(j, "delete", j_run(&R.scale_delete));
	if (R.scale_install.n > 0)
		json_object_set_new(j, "bytes_per_leg_srtp_rtp",
				    json_real((R.with_scale.total - R.before_scale.total) /
					      (2.0 * R.scale_install.n)));
	if (R.with_srtp.ok && R.srtp_install.n > 0) {
		json_object_set_new(j, "srtp_srtp_daemon_start", j_mem(&R.srtp_start));
		json_object_set_new(j, "with_srtp_srtp", j_mem(&R.with_srtp));
		json_object_set_new(j, "srtp_srtp_install", j_run(&R.srtp_install));
		json_object_set_new(j, "bytes_per_leg_srtp_srtp",
				    json_real((R.with_srtp.total - R.srtp_start.total) /
					      (2.0 * R.srtp_install.n)));
	}
	json_object_set_new(root, "scale", j);

	a = json_array();
	for (unsigned i = 0; i < R.nb_trials; i++) {
		const struct wtrial *w = &R.trials[i];
		json_t *wj = json_object(), *c = json_array();

		json_object_set_new(wj, "table", json_string(w->table));
		json_object_set_new(wj, "legs_installed", json_real(w->table_legs));
		json_object_set_new(wj, "traffic_sessions", json_integer(w->traffic));
		json_object_set_new(wj, "worker_cycles_per_packet", json_real(w->median));
		json_object_set_new(wj, "other_tasks_cpu_share_max", json_real(w->others));
		json_object_set_new(wj, "trials_run_again", json_integer(w->rerun));
		json_object_set_new(wj, "daemon_control_thread_cpu_share", json_real(w->ctl_median));
		json_object_set_new(wj, "l3_latency_worst_over_best", json_real(w->l3_worst));
		for (unsigned k = 0; k < w->n; k++)
			json_array_append_new(c, json_real(w->cycles[k]));
		json_object_set_new(wj, "runs", c);
		json_array_append_new(a, wj);
	}
	json_object_set_new(root, "worker_trials", a);
	a = json_array();
	for (unsigned i = 0; i < R.nb_lookups; i++) {
		json_t *lj = json_object();

		json_object_set_new(lj, "legs", json_integer(R.lookups[i].legs));
		json_object_set_new(lj, "table_capacity", json_integer(R.capacity));
		json_object_set_new(lj, "cycles_per_lookup", json_real(R.lookups[i].median));
		json_object_set_new(lj, "ns_per_lookup", json_real(R.lookups[i].median / R.tsc_hz * 1e9));
		json_object_set_new(lj, "misses", json_integer((json_int_t)R.lookups[i].misses));
		json_array_append_new(a, lj);
	}
	json_object_set_new(root, "lookups", a);

	a = json_array();
	for (unsigned i = 0; i < nt; i++) {
		json_t *tj = json_object();

		json_object_set_new(tj, "target", json_string(t[i].what));
		json_object_set_new(tj, "value", json_real(t[i].value));
		json_object_set_new(tj, "limit", json_real(t[i].limit));
		json_object_set_new(tj, "comparison", json_string(t[i].ge ? ">=" : "<="));
		json_object_set_new(tj, "measured", json_boolean(t[i].known));
		json_object_set_new(tj, "met", t[i].known ? json_boolean(t[i].met) : json_null());
		json_object_set_new(tj, "note", json_string(t[i].note));
		json_array_append_new(a, tj);
	}
	json_object_set_new(root, "targets", a);
	j = json_object();
	for (unsigned i = 0; i < R.nb_phases; i++)
		json_object_set_new(j, R.phases[i].name, json_real(R.phases[i].s));
	json_object_set_new(j, "total", json_real(R.total_s));
	json_object_set_new(root, "seconds", j);
	a = json_array();
	for (unsigned i = 0; i < R.nb_errors && i < MAX_ERRORS; i++)
		json_array_append_new(a, json_string(R.errors[i]));
	json_object_set_new(root, "errors", a);
	return root;
}

/* ------------------------------------------------------------- the run */

static const char *
control_section(const char *dir, const char *sock, int tls_port, bool tls)
{
	static char buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "control = {\n"
		     "\tcapture_dir = \"%s\";\n"
		     "\tlisteners = (\n"
		     "\t\t{ transport = \"unix\"; path = \"%s\"; mode = \"0600\"; profile = \"bench-unix\"; }",
		     dir, sock);
	if (tls)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      ",\n\t\t{ transport = \"tls\"; address = \"127.0.0.1\"; port = %d;\n"
			      "\t\t  certificate = \"%s/pki/server.pem\"; key = \"%s/pki/server.key\";\n"
			      "\t\t  ca_file = \"%s/pki/ca.pem\"; }",
			      tls_port, dir, dir, dir);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n,
		      "\n\t);\n\tprofiles = (\n"
		      "\t\t{ name = \"bench-unix\"; transport = \"unix\"; security_mode = \"non-secure\"; }");
	if (tls)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      ",\n\t\t{ name = \"bench-tls\"; transport = \"tls\"; security_mode = \"non-secure\";\n"
			      "\t\t  x509_subjects = \"callctl-1\"; incoming_port = %d;\n"
			      "\t\t  digest_authentication = false; }",
			      tls_port);
	snprintf(buf + n, sizeof(buf) - (size_t)n, "\n\t);\n};\n");
	return buf;
}

/*
 * The traffic sessions 0 .. T - 1, installed through the socket, and one
 * packet on each, twice: measured packets belong to calls in progress.
 */
static int
traffic_setup(const struct opts *o, const struct fwd_setup *s, struct fwd_gen *g,
	      struct ms_client *c, int daemon, struct pipe_run *r, uint64_t *sent, uint64_t *good)
{
	uint32_t *ids = malloc(o->traffic * sizeof(*ids));
	struct fwd_trial *t = calloc(1, sizeof(*t));
	struct reqs q;
	int ret = -1;

	if (ids == NULL || t == NULL)
		goto out;
	for (uint32_t i = 0; i < o->traffic; i++)
		ids[i] = i;
	if (reqs_create(&q, s, "traffic", 0, o->traffic, ids, false) < 0)
		goto out;
	if (pipeline(c, &q, o->window, daemon, r) < 0)
		fail("installing the traffic sessions: %s", r->error);
	reqs_free(&q);
	if (r->errors)
		goto out;
	fwd_gen_send_range(g, 0, o->traffic);
	for (unsigned round = 0; round < 2; round++) {
		fwd_gen_run(g, 100000, 0, o->traffic, 300, t);
		*sent = t->sent;
		*good = t->good;
	}
	if (*good < *sent)
		fail("priming: %lu of %lu packets came back (corrupted %lu, misforwarded %lu)",
		     (unsigned long)*good, (unsigned long)*sent, (unsigned long)t->corrupted,
		     (unsigned long)t->misforwarded);
	ret = *good > 0 ? 0 : -1;
out:
	free(ids);
	free(t);
	return ret;
}

/* One mediasecd: its files, its control endpoints. */
struct daemon {
	struct fwd_child ch;
	char conf[256], log[256], eal_prefix[96], sock[160];
	int tls_port;
};

/*
 * Writes the configuration of mediasecd `which` ('a', 'b'), starts it and
 * waits for it to be ready and for the memif ports to come up.
 */
static int
daemon_start(const struct opts *o, const struct fwd_setup *s, struct fwd_gen *g, bool huge,
	     unsigned memory_mb, char which, struct daemon *d)
{
	char *argv[4];
	uint64_t t0;

	memset(d, 0, sizeof(*d));
	d->tls_port = -1;
	if (o->tls && (d->tls_port = free_tcp_port()) < 0) {
		fail("no free TCP port for the TLS listener");
		return -1;
	}
	snprintf(d->sock, sizeof(d->sock), "%s/control-%c.sock", s->dir, which);
	snprintf(d->eal_prefix, sizeof(d->eal_prefix), "%s-proxy-%c", s->prefix, which);
	snprintf(d->conf, sizeof(d->conf), "%s/mediasecd-%c.conf", s->dir, which);
	snprintf(d->log, sizeof(d->log), "%s/mediasecd-%c.log", s->dir, which);
	struct fwd_sessions_conf sc = {
		.setup = s,
		.mode = FWD_SRTP_RTP,
		.sessions = 0,
		.main_lcore = o->gen_cpu,
		.worker_lcore = o->worker_cpu,
		.hugepages = huge,
		.mbufs = 16383,
		.min_addrs = FWD_MAX_ADDRS,
		.media_lo = MEDIA_LO,
		.media_hi = MEDIA_HI,
		.legs = R.capacity,
		.memory_mb = memory_mb,
		.extra = control_section(s->dir, d->sock, d->tls_port, o->tls),
	};
	if (fwd_write_config(&sc, d->conf, d->eal_prefix) < 0) {
		fail("cannot write %s", d->conf);
		return -1;
	}
	argv[0] = (char *)(uintptr_t)o->mediasecd;
	argv[1] = "-f";
	argv[2] = d->conf;
	argv[3] = NULL;
	/* where EAL puts its runtime directory */
	if (getuid() == 0)
		snprintf(d->ch.telemetry, sizeof(d->ch.telemetry), "/var/run/dpdk/%s/dpdk_telemetry.v2",
			 d->eal_prefix);
	else
		snprintf(d->ch.telemetry, sizeof(d->ch.telemetry), "%s/dpdk/%s/dpdk_telemetry.v2",
			 getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "/tmp", d->eal_prefix);
	progress("mediasecd (%c): leg table of %u legs, %s\n", which, R.capacity,
		 huge ? "hugepages" : "--no-huge");
	t0 = rte_rdtsc();
	if (fwd_child_start(&d->ch, argv, d->log, "mediasecd: ready:", o->start_timeout_s) < 0) {
		fail("mediasecd did not start (log: %s)", d->log);
		return -1;
	}
	if (which == 'a')
		R.ready_s = tsc_s(rte_rdtsc() - t0);
	worker_tid = find_worker_tid(d->ch.pid);
	telemetry_sock = d->ch.telemetry;
	progress("  ready after %.1f s\n", tsc_s(rte_rdtsc() - t0));
	if (!fwd_gen_link_wait(g, 10000)) {
		fail("the memif ports did not come up within 10 s");
		return -1;
	}
	fwd_gen_flush(g, 100);
	return 0;
}

/*
 * EAL's runtime directory of one of our file prefixes, once its process is
 * gone: empty with --in-memory; without hugepages it keeps EAL's
 * configuration and memory maps.
 */
static void
runtime_dir_remove(const char *prefix)
{
	char path[512], file[800];
	struct dirent *e;
	DIR *dir;

	if (getuid() == 0)
		snprintf(path, sizeof(path), "/var/run/dpdk/%.128s", prefix);
	else
		snprintf(path, sizeof(path), "%.256s/dpdk/%.128s",
			 getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "/tmp", prefix);
	dir = opendir(path);
	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_type != DT_REG)
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		unlink(file);
	}
	closedir(dir);
	rmdir(path);
}

static void
daemon_stop(struct daemon *d)
{
	int status;

	if (d->ch.pid <= 0)
		return;
	status = fwd_child_stop(&d->ch, 120);
	if (status != 0) {
		fail("mediasecd exited with status %d; its log:", status);
		fwd_child_log_tail(&d->ch, stderr, 15);
	}
	runtime_dir_remove(d->eal_prefix);
}

/* The memory pass, the install rate, the probes: against mediasecd (a). */
static void
measure(const struct opts *o, const struct fwd_setup *s, struct fwd_gen *g, struct daemon *d,
	const uint32_t *probe_legs, uint64_t *first_rx)
{
	struct fwd_child *ch = &d->ch;
	struct ms_client *cm = NULL;
	struct job job;
	struct telem ta, tb;
	struct fwd_cpu_sample c0, c1;
	pthread_t th;
	uint64_t t0;
	struct reqs q;

	memset(&job, 0, sizeof(job));
	job.o = o;
	job.s = s;
	job.daemon = ch->pid;
	job.g = g;
	job.probe_legs = probe_legs;
	job.first_rx = first_rx;
	cm = connect_client(s->dir, d->sock, d->tls_port, false);
	job.c[TR_UNIX] = connect_client(s->dir, d->sock, d->tls_port, false);
	if (o->tls)
		job.c[TR_TLS] = connect_client(s->dir, d->sock, d->tls_port, true);
	if (cm == NULL || job.c[TR_UNIX] == NULL || (o->tls && job.c[TR_TLS] == NULL))
		goto out;
	mem_read(cm, ch->pid, &R.start);

	/* the traffic sessions, through the socket */
	t0 = rte_rdtsc();
	if (traffic_setup(o, s, g, cm, ch->pid, &R.traffic_install, &R.prime_sent, &R.prime_good) < 0)
		goto out;
	phase_end("traffic sessions, priming", t0);

	/* worker cycles with the table small */
	t0 = rte_rdtsc();
	progress("worker cycles per packet, small table\n");
	worker_trials(o, g, ch->pid, ch->telemetry, "small", 2.0 * o->traffic, 1);
	worker_trials(o, g, ch->pid, ch->telemetry, "small", 2.0 * o->traffic, o->traffic);
	phase_end("worker trials, small table", t0);

	/*
	 * Scale, first: the memory it adds is then what its legs take, not
	 * what earlier phases left in the slabs and heaps.
	 */
	if (o->scale_legs > 0) {
		t0 = rte_rdtsc();
		R.scale_sessions = o->scale_legs / 2;
		progress("scale: %u sessions SRTP->RTP (%u legs)\n", R.scale_sessions, o->scale_legs);
		mem_read(cm, ch->pid, &R.before_scale);
		if (install_run(cm, s, "L", 0, R.scale_sessions, false, o->window, ch->pid,
				&R.scale_install, NULL) < 0)
			goto out;
		progress("  installed at %.0f/s\n", run_rate(&R.scale_install));
		mem_read(cm, ch->pid, &R.with_scale);
		phase_end("scale: install", t0);
		t0 = rte_rdtsc();
		progress("worker cycles per packet, large table\n");
		worker_trials(o, g, ch->pid, ch->telemetry, "large", R.with_scale.legs, 1);
		worker_trials(o, g, ch->pid, ch->telemetry, "large", R.with_scale.legs, o->traffic);
		phase_end("worker trials, large table", t0);
		t0 = rte_rdtsc();
		if (reqs_delete(&q, "Ld", "L", R.scale_sessions) < 0)
			goto out;
		if (pipeline(cm, &q, o->window, ch->pid, &R.scale_delete) < 0)
			fail("scale: deleting: %s", R.scale_delete.error);
		reqs_free(&q);
		progress("  deleted at %.0f/s\n", run_rate(&R.scale_delete));
		mem_read(cm, ch->pid, &R.after_delete);
		phase_end("scale: delete", t0);
		/* the table small again, but the heaps grown: which of the two costs the worker */
		t0 = rte_rdtsc();
		progress("worker cycles per packet, table small again\n");
		worker_trials(o, g, ch->pid, ch->telemetry, "again", R.after_delete.legs, 1);
		worker_trials(o, g, ch->pid, ch->telemetry, "again", R.after_delete.legs, o->traffic);
		phase_end("worker trials, table small again", t0);
		if (R.scale_delete.errors || !daemon_alive(ch))
			goto out;
	}

	/* install rate, traffic meanwhile */
	t0 = rte_rdtsc();
	progress("install rate: %u sessions per run, %u in flight, traffic %.0f pps over %u "
		 "sessions meanwhile\n", o->installs, o->window, o->traffic_pps, o->traffic);
	fwd_gen_pacing(g, 32, o->idle_sleep_us);
	fwd_gen_send_range(g, 0, o->traffic);
	telem_read(ch->telemetry, &ta);
	fwd_cpu_sample(ch->pid, &c0);
	__atomic_store_n(&stop_flag, 0, __ATOMIC_RELEASE);
	if (pthread_create(&th, NULL, install_thread, &job) != 0) {
		fail("cannot start the client thread");
		goto out;
	}
	fwd_gen_run(g, o->traffic_pps, 1e6, 0, 500, &R.traffic);
	pthread_join(th, NULL);
	fwd_cpu_sample(ch->pid, &c1);
	R.others_install = fwd_cpu_others(&c0, &c1);
	__atomic_store_n(&stop_flag, 0, __ATOMIC_RELEASE);
	telem_read(ch->telemetry, &tb);
	R.traffic_done = true;
	R.drops_ok = ta.ok && tb.ok;
	R.drops_total = fwd_counters_drops(&ta.c, &tb.c, R.drops, sizeof(R.drops));
	fwd_counters_free(&ta.c);
	fwd_counters_free(&tb.c);
	if (R.traffic.corrupted || R.traffic.misforwarded)
		fail("traffic: %lu corrupted, %lu misforwarded packets", (unsigned long)R.traffic.corrupted,
		     (unsigned long)R.traffic.misforwarded);
	progress("  traffic: sent %lu, received intact %lu; drops: %s\n", (unsigned long)R.traffic.sent,
		 (unsigned long)R.traffic.good, R.drops[0] ? R.drops : "none");
	phase_end("install rate (with traffic)", t0);
	if (job.ret != 0 || !daemon_alive(ch))
		goto out;

	/* answer -> first packet */
	if (o->probes == 0)
		goto out;
	t0 = rte_rdtsc();
	progress("answer -> first packet: %u probes\n", o->probes);
	memset(first_rx, 0, gen_sessions * sizeof(*first_rx));
	fwd_gen_pacing(g, 1, o->probe_sleep_us);
	fwd_gen_send_range(g, probe_legs[0], 1);
	telem_read(ch->telemetry, &ta);
	fwd_cpu_sample(ch->pid, &c0);
	if (pthread_create(&th, NULL, probe_thread, &job) != 0) {
		fail("cannot start the client thread");
		goto out;
	}
	fwd_gen_run(g, o->probe_pps, 1e6, 0, 100, &R.probe_traffic);
	pthread_join(th, NULL);
	fwd_cpu_sample(ch->pid, &c1);
	R.others_probe = fwd_cpu_others(&c0, &c1);
	__atomic_store_n(&stop_flag, 0, __ATOMIC_RELEASE);
	fwd_gen_pacing(g, 32, 0);
	telem_read(ch->telemetry, &tb);
	fwd_counters_drops(&ta.c, &tb.c, R.probe_drops, sizeof(R.probe_drops));
	fwd_counters_free(&ta.c);
	fwd_counters_free(&tb.c);
	R.probe_interval_us = 1e6 / o->probe_pps;
	R.probe_interval_real_us = R.probe_traffic.sent ? R.probe_traffic.elapsed_s * 1e6 /
							   (double)R.probe_traffic.sent : 0;
	if (R.probe_timeouts)
		fail("%u probe sessions forwarded nothing within 1 s of their answer", R.probe_timeouts);
	progress("  %u probes, packet interval %.1f us\n", R.probes_done, R.probe_interval_real_us);
	phase_end("answer -> first packet", t0);
out:
	if (!daemon_alive(ch) && R.nb_errors == 0)
		fail("mediasecd is gone");
	ms_client_close(cm);
	ms_client_close(job.c[TR_UNIX]);
	ms_client_close(job.c[TR_TLS]);
}

/* The SRTP->SRTP memory pass, against a fresh mediasecd (b). */
static void
measure_fresh(const struct opts *o, const struct fwd_setup *s, struct fwd_gen *g,
	      struct daemon *d)
{
	struct ms_client *c = connect_client(s->dir, d->sock, d->tls_port, false);
	struct pipe_run tr;
	uint64_t t0 = rte_rdtsc(), sent, good;

	if (c == NULL)
		return;
	/*
	 * A control for the worker trials: the same traffic against a process
	 * that never held more than the traffic sessions, measured last. The
	 * generator's streams start afresh, as the new mediasecd's do.
	 */
	if (fwd_gen_legs(g, FWD_SRTP_RTP, gen_sessions, false) < 0 ||
	    traffic_setup(o, s, g, c, d->ch.pid, &tr, &sent, &good) < 0)
		goto out;
	progress("worker cycles per packet, a fresh mediasecd\n");
	worker_trials(o, g, d->ch.pid, d->ch.telemetry, "fresh", 2.0 * o->traffic, 1);
	worker_trials(o, g, d->ch.pid, d->ch.telemetry, "fresh", 2.0 * o->traffic, o->traffic);
	phase_end("worker trials, fresh mediasecd", t0);
	if (o->srtp_sessions == 0)
		goto out;
	t0 = rte_rdtsc();
	R.srtp_sessions = o->srtp_sessions;
	progress("scale: %u sessions SRTP->SRTP\n", R.srtp_sessions);
	if (mem_read(c, d->ch.pid, &R.srtp_start) &&
	    install_run(c, s, "S", 0, R.srtp_sessions, true, o->window, d->ch.pid, &R.srtp_install,
			NULL) == 0) {
		mem_read(c, d->ch.pid, &R.with_srtp);
		progress("  installed at %.0f/s\n", run_rate(&R.srtp_install));
	}
	phase_end("scale: SRTP->SRTP", t0);
out:
	ms_client_close(c);
}

int
bench_control(int argc, char **argv)
{
	struct opts o;
	struct fwd_setup s;
	struct fwd_gen *g = NULL;
	struct daemon d;
	char cmd[1024];
	uint32_t *probe_legs = NULL;
	uint64_t *first_rx = NULL;
	uint64_t t_all, t0;
	int dash = argc;
	bool huge;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	if (parse_opts(dash, argv, &o) < 0) {
		help();
		return 2;
	}
	quiet = o.json;
	if (o.mediasecd == NULL)
		o.mediasecd = fwd_default_mediasecd();
	if (access(o.mediasecd, X_OK) != 0) {
		fprintf(stderr, "mediasec-bench control: %s: %s (build it, or --mediasecd PATH)\n",
			o.mediasecd, strerror(errno));
		return 2;
	}
	/* control/tls.h: a peer that goes away must not kill us */
	signal(SIGPIPE, SIG_IGN);
	/* 1 us timer slack: the generator's naps end when it asked */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	read_machine();
	memset(&d, 0, sizeof(d));

	/* the generator's sessions: traffic, then probes whose sequence numbers will not wrap */
	probe_legs = calloc(o.probes ? o.probes : 1, sizeof(*probe_legs));
	R.ans_first_us = calloc(o.probes ? o.probes : 1, sizeof(double));
	R.req_ans_us = calloc(o.probes ? o.probes : 1, sizeof(double));
	R.req_first_us = calloc(o.probes ? o.probes : 1, sizeof(double));
	if (probe_legs == NULL || R.ans_first_us == NULL || R.req_ans_us == NULL ||
	    R.req_first_us == NULL)
		return 1;
	gen_sessions = o.traffic;
	for (uint32_t k = 0; k < o.probes; gen_sessions++)
		if (fwd_gen_seq0(gen_sessions) <= 65535 - SEQ_MARGIN)
			probe_legs[k++] = gen_sessions;
	if (o.scale_legs / 2 > slots_max() || o.srtp_sessions > slots_max() ||
	    (o.tls ? 2 : 1) * o.installs > slots_max()) {
		fprintf(stderr, "mediasec-bench control: at most %u sessions fit on the ports' addresses\n",
			slots_max());
		return 2;
	}
	{
		uint64_t need = RTE_MAX((uint64_t)o.scale_legs, 2ull * o.srtp_sessions);

		need = RTE_MAX(need, 2ull * o.installs * (o.tls ? 2 : 1));
		need += 2ull * gen_sessions;
		R.capacity = RTE_MAX(4096u, rte_align32pow2((uint32_t)need));
	}

	memset(&s, 0, sizeof(s));
	s.transport = FWD_MEMIF;
	s.suite = MS_SUITE_AES_CM_128_HMAC_SHA1_80;
	s.replay_window = 128;
	snprintf(s.prefix, sizeof(s.prefix), "msctl%d", (int)getpid());
	snprintf(s.dir, sizeof(s.dir), "/tmp/mediasec-bench-ctl.%d", (int)getpid());
	for (unsigned p = 0; p < 2; p++) {
		s.proxy_mac[p] = (struct rte_ether_addr){{0x02, 0, 0, 0, (uint8_t)(0xa + p), 1}};
		s.gen_mac[p] = (struct rte_ether_addr){{0x02, 0, 0, 0, (uint8_t)(0xa + p), 2}};
	}
	if (mkdir(s.dir, 0700) < 0) {
		fprintf(stderr, "mediasec-bench control: %s: %s\n", s.dir, strerror(errno));
		return 1;
	}
	/*
	 * Memory: a leg is 576 bytes and the lookup hash about 150 bytes per
	 * leg of capacity; mediasecd's sessions add their streams on top (key
	 * contexts are in key memory, not DPDK's). The lookup table of this
	 * process is built after mediasecd has gone.
	 */
	unsigned table_mb = (unsigned)((uint64_t)R.capacity * 800 >> 20);
	unsigned daemon_mb = 512 + table_mb + (unsigned)((uint64_t)R.capacity * 600 >> 20);
	unsigned gen_mb = 256 + table_mb;

	huge = fwd_eal_init(&s, o.gen_cpu, o.no_huge ? UINT_MAX : 256 + daemon_mb + gen_mb, gen_mb,
			    argc - dash - (dash < argc), argv + dash + (dash < argc));
	R.huge = huge;
	R.tsc_hz = (double)rte_get_tsc_hz();
	t_all = rte_rdtsc();
	/* the cache at its best, to tell when others thrash it */
	for (unsigned i = 0; i < 8; i++)
		fwd_l3_probe();
	snprintf(R.memdesc, sizeof(R.memdesc), "%s",
		 huge ? "hugepages (--in-memory) for both processes"
		 : o.no_huge ? "--no-huge for both processes (--no-hugepages; slower dataplane)"
			     : "no hugepages free: --no-huge for both processes (slower dataplane)");

	/* the PKI, the generator */
	t0 = rte_rdtsc();
	if (o.tls) {
		snprintf(cmd, sizeof(cmd), "bash '%s/tests/control/certs.sh' '%s/pki'", MS_SOURCE_DIR,
			 s.dir);
		if (system(cmd) != 0) {
			fail("cannot make the test PKI: %s", cmd);
			goto done;
		}
	}
	first_rx = calloc(gen_sessions, sizeof(*first_rx));
	struct fwd_gen_conf gc = {
		.setup = &s,
		.burst = 32,
		.max_lag = 16384,
		.check_udp_cksum = true,
		.first_rx_tsc = first_rx,
		.stop = &stop_flag,
	};
	for (unsigned p = 0; p < 2; p++) {
		char name[32];

		snprintf(name, sizeof(name), "net_memif_%c", 'a' + p);
		if (rte_eth_dev_get_port_by_name(name, &gc.port_id[p]) != 0) {
			fail("no port %s", name);
			goto done;
		}
	}
	if (first_rx == NULL || fwd_gen_create(&gc, &g) < 0 ||
	    fwd_gen_legs(g, FWD_SRTP_RTP, gen_sessions, false) < 0) {
		fail("cannot set up the generator");
		goto done;
	}
	if (daemon_start(&o, &s, g, huge, daemon_mb, 'a', &d) < 0)
		goto done;
	phase_end("start (PKI, generator, mediasecd)", t0);

	measure(&o, &s, g, &d, probe_legs, first_rx);
	daemon_stop(&d);

	/* a second mediasecd: the control trials, the SRTP->SRTP memory pass */
	if (R.nb_errors == 0) {
		if (daemon_start(&o, &s, g, huge, daemon_mb, 'b', &d) == 0)
			measure_fresh(&o, &s, g, &d);
		daemon_stop(&d);
	}

	/* the table's lookup cost, in this process */
	if (o.scale_legs > 0 && R.nb_errors == 0) {
		t0 = rte_rdtsc();
		progress("lookup cost in this process\n");
		lookup_bench(&o, R.capacity, 2);
		lookup_bench(&o, R.capacity, o.scale_legs);
		phase_end("lookup cost (in this process)", t0);
	}
done:
	daemon_stop(&d);
	R.total_s = tsc_s(rte_rdtsc() - t_all);

	if (!o.json)
		print_text(&o, &s);
	fflush(stdout);
	if (o.json || o.json_file != NULL)
		bench_json_out(results_json(&o, &s), o.json, o.json_file, "mediasec-bench control");
	fwd_gen_free(g);
	rte_eal_cleanup();
	{
		char prefix[96];

		snprintf(prefix, sizeof(prefix), "%s-gen", s.prefix);
		runtime_dir_remove(prefix);
	}
	if (!o.keep && R.nb_errors == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "mediasec-bench control: cannot remove %s\n", s.dir);
	} else {
		fprintf(stderr, "work directory (configuration, PKI, mediasecd's log) kept in %s\n", s.dir);
	}
	free(R.ans_first_us);
	free(R.req_ans_us);
	free(R.req_first_us);
	free(probe_legs);
	free(first_rx);
	return R.nb_errors > 0 ? 1 : 0;
}
