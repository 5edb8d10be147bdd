/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_BENCH_FORWARD_H
#define MS_BENCH_FORWARD_H

/*
 * mediasec-bench forward: the pieces shared by its files.
 *
 * forward.c       options, the search for the no-drop rate, output
 * forward_gen.c   the generator: ports, per-leg SRTP/RTP state, one trial
 * forward_proc.c  the proxy under test as a child process: its
 *                 configuration, start, readiness, telemetry, stop
 *
 * Address plan (IPv4). Session i has leg A on port a and leg B on port b.
 * Its local addresses are 10.10.0.H (a) and 10.20.0.H (b), its peers (the
 * generator) 10.10.1.H and 10.20.1.H, with H = 1 + i / FWD_PORTS_PER_ADDR,
 * all on UDP port FWD_UDP_BASE + i % FWD_PORTS_PER_ADDR. Traffic flows from
 * leg A's peer to leg A, and out of leg B to leg B's peer, so the receiver
 * finds the session from the destination address and port alone.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_ether.h>

#include "srtp.h"

/* 8 x 62,500 = 500,000 sessions: 1,000,000 legs in mediasecd, the most its 8 addresses per port hold */
#define FWD_PORTS_PER_ADDR 62500u
#define FWD_UDP_BASE 2000u
#define FWD_MAX_ADDRS 8 /* per port: a port holds 8 addresses in mediasecd */
#define FWD_MAX_SESSIONS (FWD_PORTS_PER_ADDR * FWD_MAX_ADDRS)
#define FWD_PAYLOAD 160 /* G.711, 20 ms */
#define FWD_RTP_HDR 12
#define FWD_HDRS (RTE_ETHER_HDR_LEN + 20 + 8)
#define FWD_MAX_BURST 64
#define FWD_MAX_QUEUES 16 /* queue pairs per port: one per mediasecd worker */

enum fwd_side { FWD_A, FWD_B };

/* How sessions are set up: what enters leg A and what leaves leg B. */
enum fwd_mode { FWD_SRTP_RTP, FWD_RTP_SRTP, FWD_SRTP_SRTP, FWD_RTP_RTP, FWD_MODE_COUNT };

struct fwd_mode_info {
	const char *name;  /* option value: "srtp-rtp" */
	const char *label; /* "SRTP->RTP" */
	bool srtp_in;      /* leg A (what the generator sends) is SRTP */
	bool srtp_out;     /* leg B (what the generator receives) is SRTP */
};

const struct fwd_mode_info *fwd_mode_info(enum fwd_mode m);
int fwd_mode_from_name(const char *name);

enum fwd_transport { FWD_MEMIF, FWD_VHOST };

/* What the two processes need to agree on. */
struct fwd_setup {
	enum fwd_transport transport;
	char dir[96];      /* work directory: sockets, configuration, logs */
	char prefix[48];   /* our run's name: EAL file prefixes derive from it */
	struct rte_ether_addr proxy_mac[2]; /* set on the proxy's ports through their devargs */
	struct rte_ether_addr gen_mac[2];   /* what the generator writes as its source */
	enum ms_srtp_suite suite;
	uint32_t replay_window;
};

/* Addresses of session i (host order). */
static inline uint32_t
fwd_addr(enum fwd_side side, bool peer, uint32_t session)
{
	return (10u << 24) | ((side == FWD_A ? 10u : 20u) << 16) | ((peer ? 1u : 0u) << 8) |
	       (1u + session / FWD_PORTS_PER_ADDR);
}

static inline uint16_t
fwd_udp_port(uint32_t session)
{
	return (uint16_t)(FWD_UDP_BASE + session % FWD_PORTS_PER_ADDR);
}

/*
 * Master key and salt of one direction, derived from the session number:
 * k 0: what leg A's peer sends (A recv), 1: A send, 2: B recv, 3: what the
 * proxy sends to leg B's peer (B send).
 */
void fwd_session_key(enum ms_srtp_suite suite, uint32_t session, unsigned k, uint8_t *key,
		     uint8_t *salt);

/* ---- the generator (forward_gen.c) ---- */

/* The RTP sequence number of the first packet the generator sends on session i. */
uint16_t fwd_gen_seq0(uint32_t session);

struct fwd_gen;

struct fwd_gen_conf {
	const struct fwd_setup *setup;
	uint16_t port_id[2]; /* ethdev ports a and b */
	unsigned burst;      /* packets per transmit burst */
	unsigned max_lag;    /* packets the generator may fall behind its schedule */
	bool check_udp_cksum;
	bool send_udp_cksum;
	/*
	 * Optional (zero by default). idle_sleep_us > 0: when the next burst is
	 * due more than this far ahead and nothing came in, fwd_gen_run sleeps
	 * (at most 1 ms at a time) instead of spinning, for a generator that
	 * shares its CPU with others; 0: it spins.
	 */
	unsigned idle_sleep_us;
	/* Per leg (as many as set up), the TSC of its first intact packet received; 0 before. */
	uint64_t *first_rx_tsc;
	/* fwd_gen_run ends early once *stop is nonzero (another thread sets it). */
	const int *stop;
	/*
	 * Queue pairs per port (0: one): leg i goes out on queue i % nb_queues,
	 * as RSS would spread them; every queue is received.
	 */
	unsigned nb_queues;
};

/*
 * Latency histogram of TSC cycles: exact below FWD_LAT_SUB cycles, then
 * FWD_LAT_SUB buckets per power of two (each under 0.8% wide), so that
 * p99.9 can be stated; min and max are kept exactly.
 */
#define FWD_LAT_SUB_BITS 7
#define FWD_LAT_SUB (1u << FWD_LAT_SUB_BITS)
#define FWD_LAT_BUCKETS ((64 - FWD_LAT_SUB_BITS + 1) * FWD_LAT_SUB)

struct fwd_trial {
	/* asked for */
	double rate_pps;
	double seconds;
	/* what happened */
	double elapsed_s;   /* sending time */
	uint64_t requested; /* packets the rate asked for in the time */
	uint64_t built;     /* packets built */
	uint64_t sent;      /* taken by the port */
	uint64_t tx_refused;/* refused by the port at first (ring full): they wait and go later */
	uint64_t skipped;   /* not built: more than max_lag behind the schedule (lost) */
	uint64_t overflow;  /* of which while the port refused: the proxy did not take them */
	uint64_t late;      /* of which while the generator itself was behind */
	uint64_t gen_errors;/* the generator's own protect failed (never expected) */
	uint64_t received;  /* every frame read, this trial's or not */
	uint64_t good;      /* this trial's, intact, first copy */
	uint64_t stale;     /* intact, from an earlier trial */
	uint64_t duplicate; /* a sequence number of its leg seen already, or replayed */
	uint64_t reordered; /* older than one already received on its leg, not seen before */
	uint64_t corrupted; /* failed authentication, wrong header or payload content */
	uint64_t misforwarded; /* to no leg, or to another leg than its own */
	uint64_t not_media; /* ARP and the like */
	uint64_t gen_busy_cycles; /* generator cycles spent building, sending, receiving */
	double others;            /* share of a CPU that other tasks took meanwhile */
	double l3_before, l3_after; /* L3 latency, cycles per load, around the trial */
	bool disturbed; /* other tasks ran, or the L3 was slow: the figures are low */
	uint64_t lat_count;
	double lat_sum_cycles;
	uint64_t lat_min_cycles, lat_max_cycles;
	uint32_t lat_hist[FWD_LAT_BUCKETS];
};

int fwd_gen_create(const struct fwd_gen_conf *c, struct fwd_gen **gp);
void fwd_gen_free(struct fwd_gen *g);
/*
 * Sets up n sessions in a mode: per-leg sequence numbers, SSRCs and the
 * generator's own SRTP streams (protect what it sends, unprotect what it
 * receives). loop: the proxy is a loop that returns what it gets, so the
 * receiver expects leg A's packets back as they were sent.
 */
int fwd_gen_legs(struct fwd_gen *g, enum fwd_mode mode, uint32_t n, bool loop);
/*
 * Sends only on legs first .. first + n - 1 from the next burst on (all legs
 * still receive); any thread may call it, also while fwd_gen_run runs.
 * fwd_gen_legs sends on every leg.
 */
void fwd_gen_send_range(struct fwd_gen *g, uint32_t first, uint32_t n);
/* Between runs: packets per burst and the idle sleep threshold (see fwd_gen_conf). */
void fwd_gen_pacing(struct fwd_gen *g, unsigned burst, unsigned idle_sleep_us);
/* True when both ports report link up; waits up to timeout_ms. */
bool fwd_gen_link_wait(struct fwd_gen *g, unsigned timeout_ms);
/* Sends at rate_pps for seconds (0 < count: only count packets), then drains. */
void fwd_gen_run(struct fwd_gen *g, double rate_pps, double seconds, uint64_t count,
		 unsigned drain_ms, struct fwd_trial *t);
/* Reads and drops whatever arrives for ms milliseconds. */
void fwd_gen_flush(struct fwd_gen *g, unsigned ms);
/*
 * The generator's EAL: lcore gen_cpu, the two ports (servers on sockets in
 * s->dir), its own file prefix; hugepages (--in-memory) when need_mb are
 * free, else --no-huge -m nohuge_mb. Exits when EAL cannot start. Returns
 * whether hugepages are used.
 */
bool fwd_eal_init(const struct fwd_setup *s, unsigned gen_cpu, unsigned need_mb,
		  unsigned nohuge_mb, int extra_argc, char **extra_argv);
/*
 * L3 latency in TSC cycles per load (a pointer chase through 4 MiB on this
 * CPU): other tenants of the host that thrash the shared cache show up here.
 * fwd_l3_best(): the fastest seen so far in this run.
 */
double fwd_l3_probe(void);
double fwd_l3_best(void);

/* The latency below which pct percent of the trial's packets came back (nearest rank), us. */
double fwd_trial_lat_us(const struct fwd_trial *t, double pct);

/* ---- the proxy as a child process (forward_proc.c) ---- */

struct fwd_child {
	int pid;
	char log[160];
	char telemetry[160]; /* its telemetry socket, "" for none */
};

struct fwd_sessions_conf {
	const struct fwd_setup *setup;
	enum fwd_mode mode;
	uint32_t sessions;
	unsigned main_lcore;
	unsigned worker_lcore;
	/*
	 * Optional: more than one worker (nb_workers > 1), worker k on CPU
	 * worker_cpus[k] polling queue k of both ports; lcores are then numbered
	 * 0 (main, on CPU main_lcore) to nb_workers and mapped to their CPUs,
	 * which may repeat.
	 */
	unsigned nb_workers;
	const unsigned *worker_cpus;
	const char *control_socket; /* a Unix control listener there (the stats op), or NULL */
	bool hugepages;
	uint32_t mbufs;
	/* optional (0, NULL: what the sessions need), for mediasec-bench control */
	uint32_t min_addrs;          /* addresses per port, at least (at most FWD_MAX_ADDRS) */
	uint16_t media_lo, media_hi; /* media_ports of both ports */
	uint32_t legs;               /* limits.legs */
	unsigned memory_mb;          /* eal.memory_mb without hugepages (default 1024) */
	const char *extra;           /* appended to the file (a control section) */
};

/* Writes a mediasecd configuration; 0 or -errno. */
int fwd_write_config(const struct fwd_sessions_conf *c, const char *path, const char *eal_prefix);
/* Removes a configuration and the session files it includes. */
void fwd_remove_config(const char *path);
/* Base64 (RFC 4648, with padding) of n bytes into out (4 * ceil(n / 3) + 1 bytes). */
void fwd_base64(const uint8_t *in, size_t n, char *out);
/* The SDES key "inline:<base64>" of direction k of session (see fwd_session_key). */
void fwd_inline_key(const struct fwd_setup *s, uint32_t session, unsigned k, char *out);
/* <builddir>/mediasecd, next to this program's directory. */
const char *fwd_default_mediasecd(void);

/*
 * Starts argv[0] with output to log; pattern: the line that says it is
 * ready, waited for up to timeout_s. Returns 0, or -1 with the reason
 * written to stderr (and the log's tail).
 */
int fwd_child_start(struct fwd_child *ch, char *const argv[], const char *log,
		    const char *ready_pattern, double timeout_s);
/* SIGTERM, then SIGKILL after timeout_s. Returns the exit status or -1. */
int fwd_child_stop(struct fwd_child *ch, double timeout_s);
void fwd_child_log_tail(const struct fwd_child *ch, FILE *out, unsigned lines);

/*
 * Runs a DPDK telemetry command on a socket; returns the reply's value
 * (owned by the caller), or NULL.
 */
json_t *fwd_telemetry(const char *socket_path, const char *cmd);

/* Numeric leaves of a JSON value as "a.b.c" -> value, for deltas. */
struct fwd_counters {
	unsigned n, cap;
	char **name;
	double *value;
};

void fwd_counters_from_json(struct fwd_counters *c, const json_t *j);
double fwd_counters_get(const struct fwd_counters *c, const char *name);
/* Sum of the leaves whose last name component is leaf. */
double fwd_counters_sum_leaf(const struct fwd_counters *c, const char *leaf);
void fwd_counters_free(struct fwd_counters *c);
/* Index of the counter named leaf nearest the top (totals before per-worker figures); -1. */
int fwd_counters_pick(const struct fwd_counters *c, const char *leaf);
/*
 * Drop counters that moved from a to b: those beside the busy_cycles that is
 * picked (the totals), named drop_<reason>. Their sum; "name=value ..." in out.
 */
double fwd_counters_drops(const struct fwd_counters *a, const struct fwd_counters *b, char *out,
			  size_t len);

/*
 * CPU time taken by everything but this process and its child, from /proc:
 * other tenants of a shared machine take it from a measurement without a
 * trace in the figures.
 */
struct fwd_cpu_sample {
	uint64_t all;  /* busy clock ticks of every CPU */
	uint64_t ours; /* of which this process's and child's */
	uint64_t tsc;
};

/* child: another process to count as ours (0: none). */
void fwd_cpu_sample(int child, struct fwd_cpu_sample *c);
/* Share of one CPU that other tasks took between two samples. */
double fwd_cpu_others(const struct fwd_cpu_sample *a, const struct fwd_cpu_sample *b);

/* ---- latency at fractions of the no-drop rate (forward_latency.c) ---- */

#define FWD_LAT_LOADS 3
/* 10%, 50% and 90% of the no-drop rate, as RFC 2544 asks for more than one load */
extern const double fwd_lat_loads[FWD_LAT_LOADS];

/* One latency trial: what the generator's payload timestamps say. */
struct fwd_lat_point {
	bool ok;
	double rate_pps; /* offered */
	double loss_pct;
	uint64_t samples; /* packets that came back intact, each timed */
	double min_us, p50_us, p99_us, p999_us, max_us;
	double gen_busy; /* the generator's busy share: near 1, it adds its own queueing */
	double others;   /* share of a CPU other tasks took */
	bool disturbed;
	bool overloaded; /* lost more than the search allows: its queues were full, not a baseline */
	uint64_t corrupted, misforwarded;
};

/* A row's latency: through mediasecd, and through the testpmd loop at the same rates. */
struct fwd_lat {
	struct fwd_lat_point proxy[FWD_LAT_LOADS];
	struct fwd_lat_point loop[FWD_LAT_LOADS];
	char loop_error[160];
};

void fwd_lat_point_set(struct fwd_lat_point *p, const struct fwd_trial *t, double loss_pct);
/* mediasecd minus the loop at one load, for p50 (pct 50) or p99 (99); NAN when unknown. */
double fwd_lat_added(const struct fwd_lat *l, unsigned load, double pct);
/* The table: a header, then per row its lines (label: "SRTP->RTP | 1"). */
void fwd_lat_print_head(FILE *out, bool md);
void fwd_lat_print_row(FILE *out, bool md, const char *label, const struct fwd_lat *l);
void fwd_lat_print_method(FILE *out, bool md);
json_t *fwd_lat_json(const struct fwd_lat *l);

/* ---- worker cost and memory as legs grow (forward_scale.c) ---- */

#define FWD_COST_MAX_REPS 9

/* The worker's cycles per packet at one fixed rate, whatever the row's no-drop rate. */
struct fwd_cost {
	unsigned n;
	double rate_pps;
	double cycles[FWD_COST_MAX_REPS]; /* busy_cycles / busy_pkts of each trial */
	bool disturbed[FWD_COST_MAX_REPS];
	double median;
	unsigned nb_disturbed;
	double l3_ratio_worst; /* L3 latency over its best in the run, the worst trial */
};

void fwd_cost_finish(struct fwd_cost *c);

/* mediasecd's memory: its stats op (what it allocated) and the kernel's count. */
/* A process's memory as the kernel counts it (/proc/PID/status), kB. */
struct fwd_proc_mem {
	double vm_rss_kb, rss_anon_kb, rss_file_kb, rss_shmem_kb, hugetlb_kb;
};

/* Reads it; all zero and false when the file cannot be read or has no HugetlbPages line. */
bool fwd_proc_mem(int pid, struct fwd_proc_mem *m);

struct fwd_mem {
	bool stats_ok;
	double dpdk_heap, key_memory, control_heap, total; /* bytes, the stats op */
	double legs;                                         /* installed, the stats op */
	bool heap_ok;
	double heap_mapped; /* bytes, the DPDK heap's size (telemetry /eal/heap_info) */
	bool kernel_ok;
	double rss_anon_kb, rss_file_kb, rss_shmem_kb, hugetlb_kb;
};

/* ctl_socket: mediasecd's Unix control socket (NULL: none); telemetry: its telemetry socket. */
void fwd_mem_read(int pid, const char *ctl_socket, const char *telemetry, struct fwd_mem *m);
/* The kernel's count: RSS + hugetlb, MiB. */
double fwd_mem_kernel_mib(const struct fwd_mem *m);
json_t *fwd_mem_json(const struct fwd_mem *m);
json_t *fwd_cost_json(const struct fwd_cost *c);

/*
 * Worker cores a line rate of G.711 SRTP would take at a measured cost:
 * 10, 25 and 100 GbE (5.0, 12.6, 50.4 Mpps), cycles at tsc_hz per core.
 */
#define FWD_LINE_RATES 3
extern const double fwd_line_rate_mpps[FWD_LINE_RATES];
extern const char *const fwd_line_rate_name[FWD_LINE_RATES];
double fwd_cores_needed(double cycles_per_pkt, double tsc_hz, double mpps);

/* ---- key installs while forwarding (forward_installs.c) ---- */

struct fwd_installs {
	bool ran, ok;
	char error[256];
	char command[512];
	unsigned sessions;       /* carrying traffic meanwhile */
	double rate_pps;         /* their rate: a share of the no-drop rate found */
	double share;            /* that share */
	double unix_rtp, unix_srtp, tls_rtp, tls_srtp; /* installs/s, medians; 0: not run */
	double daemon_us;        /* control thread's CPU per install, Unix SRTP->RTP */
	uint64_t sent, received, corrupted, misforwarded;
	double drops;            /* mediasecd's drop counters meanwhile */
	double seconds;
};

/*
 * Runs `mediasec-bench control` (this program) as a child: session installs
 * over the control socket while its generator sends `sessions` SRTP->RTP
 * streams at rate_pps; reads its JSON. dir: where its files go.
 */
int fwd_installs_run(unsigned sessions, double rate_pps, double share, unsigned gen_cpu,
		     unsigned worker_cpu, bool quick, const char *dir, struct fwd_installs *r);
json_t *fwd_installs_json(const struct fwd_installs *r);

#endif
