/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench crypto: the transform engines on one core.
 *
 * For each suite, engine, payload size, burst size and number of legs, RTP
 * packets (12-byte header + payload) go through protect, then unprotect, of
 * legs chosen at random per packet, so with many legs the contexts are cold
 * in cache as on a busy proxy. Each call is timed with the TSC; the rest
 * (writing headers, checking every decrypted payload) is not. The figure is
 * the median over repetitions. Both engines run in the same process, so the
 * ratio between them is free of machine drift.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "bench.h"
#include "config.h"
#include "secmem.h"
#include "srtp.h"

#define MAX_ENGINES 2
#define MAX_LIST 8
#define RING 1024 /* packets in flight: cycled so packet data is not always in L1 */
#define MAX_PAYLOAD 1400

struct opts {
	const struct ms_crypto_engine *engines[MAX_ENGINES];
	unsigned nb_engines;
	bool suites[MS_SUITE_COUNT];
	unsigned payloads[MAX_LIST], nb_payloads;
	unsigned bursts[MAX_LIST], nb_bursts;
	unsigned legs[MAX_LIST], nb_legs;
	unsigned packets;     /* per repetition for the fast engine */
	unsigned ref_divisor; /* the reference engine runs packets / ref_divisor */
	unsigned ref_max_legs; /* legs the reference engine is measured with at most */
	unsigned reps;
	bool json, markdown;
	const char *config;
};

struct leg {
	struct ms_srtp_ctx *ctx_tx, *ctx_rx;
	struct ms_srtp_stream *tx, *rx;
	uint32_t ssrc;
	uint16_t seq;
};

struct result {
	const struct ms_crypto_engine *e;
	enum ms_srtp_suite suite;
	unsigned payload, burst, legs;
	unsigned legs_measured; /* fewer than legs when the reference engine was capped */
	double cycles[2]; /* per packet, median: [0] protect, [1] unprotect */
	uint64_t packets;
	uint64_t errors;
};

static struct result *results;
static unsigned nb_results;
static double tsc_ghz;

static void
help(void)
{
	printf("usage: mediasec-bench crypto [options] [-- EAL options]\n"
	       "  --engines LIST   ipsec-mb,libsrtp2 (default: both)\n"
	       "  --suites LIST    SDES suite names, or all (default)\n"
	       "  --payloads LIST  payload bytes after the 12-byte header (default 160,1200)\n"
	       "  --bursts LIST    packets per engine call (default 1,8,32,64)\n"
	       "  --legs LIST      concurrent legs, chosen at random per packet (default 1,100000)\n"
	       "  --packets N      packets per repetition, fast engine (default 65536)\n"
	       "  --reps N         repetitions; the median is reported (default 5)\n"
	       "  --ref-max-legs N legs libsrtp2 is measured with at most (default 2000): its\n"
	       "                   cost grows with every live leg, its set-up faster still\n"
	       "  --quick          fewer packets and repetitions (a smoke run)\n"
	       "  --json           results as JSON on stdout\n"
	       "  --markdown       results as Markdown tables\n"
	       "  -f FILE          configuration (default: built in); its engine is measured first\n");
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"engines", required_argument, NULL, 'e'}, {"suites", required_argument, NULL, 's'},
		{"payloads", required_argument, NULL, 'p'}, {"bursts", required_argument, NULL, 'b'},
		{"legs", required_argument, NULL, 'l'},     {"packets", required_argument, NULL, 'n'},
		{"reps", required_argument, NULL, 'r'},     {"quick", no_argument, NULL, 'q'},
		{"ref-max-legs", required_argument, NULL, 'x'},
		{"json", no_argument, NULL, 'j'},           {"markdown", no_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	const char *engines = NULL, *suites = "all";
	int c;

	memset(o, 0, sizeof(*o));
	bench_parse_list("160,1200", o->payloads, &o->nb_payloads, MAX_LIST, UINT_MAX);
	bench_parse_list("1,8,32,64", o->bursts, &o->nb_bursts, MAX_LIST, UINT_MAX);
	bench_parse_list("1,100000", o->legs, &o->nb_legs, MAX_LIST, UINT_MAX);
	o->packets = 65536;
	o->ref_divisor = 16;
	o->ref_max_legs = 2000;
	o->reps = 5;
	while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': engines = optarg; break;
		case 's': suites = optarg; break;
		case 'p':
			if (bench_parse_list(optarg, o->payloads, &o->nb_payloads,
							MAX_LIST, UINT_MAX) < 0)
				return -EINVAL;
			for (unsigned i = 0; i < o->nb_payloads; i++)
				if (o->payloads[i] > MAX_PAYLOAD)
					return -EINVAL;
			break;
		case 'b':
			if (bench_parse_list(optarg, o->bursts, &o->nb_bursts,
							MAX_LIST, UINT_MAX) < 0)
				return -EINVAL;
			for (unsigned i = 0; i < o->nb_bursts; i++)
				if (o->bursts[i] > 256)
					return -EINVAL;
			break;
		case 'l':
			if (bench_parse_list(optarg, o->legs, &o->nb_legs, MAX_LIST, UINT_MAX) < 0)
				return -EINVAL;
			break;
		case 'n': o->packets = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': o->reps = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'x': o->ref_max_legs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'q':
			o->packets = 16384;
			o->reps = 3;
			break;
		case 'j': o->json = true; break;
		case 'm': o->markdown = true; break;
		case 'f': o->config = optarg; break;
		case 'h': help(); exit(0);
		default: return -EINVAL;
		}
	}
	if (o->packets < 256 || o->reps == 0 || o->ref_max_legs == 0)
		return -EINVAL;

	char *copy = strdup(engines ? engines : "ipsec-mb,libsrtp2"), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		const struct ms_crypto_engine *e = ms_crypto_engine_find(t);

		if (e == NULL || o->nb_engines == MAX_ENGINES) {
			fprintf(stderr, "unknown engine '%s'\n", t);
			free(copy);
			return -EINVAL;
		}
		o->engines[o->nb_engines++] = e;
	}
	free(copy);

	copy = strdup(suites);
	save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "all") == 0) {
			for (unsigned s = 0; s < MS_SUITE_COUNT; s++)
				o->suites[s] = true;
			continue;
		}
		int s = ms_srtp_suite_from_name(t);
		if (s < 0) {
			fprintf(stderr, "unknown suite '%s'\n", t);
			free(copy);
			return -EINVAL;
		}
		o->suites[s] = true;
	}
	free(copy);
	return 0;
}

static void
random_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)bench_rand();
}

static void
splitmix_bytes(uint64_t *state, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		p[i] = (uint8_t)(z ^ (z >> 31));
	}
}

/* Key material of one leg, the same for both its directions: derived from its number. */
static void
leg_keys(struct ms_srtp_ctx_cfg *cfg, enum ms_srtp_suite suite, unsigned leg)
{
	uint64_t state = leg;

	memset(cfg, 0, sizeof(*cfg));
	cfg->suite = suite;
	cfg->nb_keys = 1;
	splitmix_bytes(&state, cfg->keys[0].key, sizeof(cfg->keys[0].key));
	splitmix_bytes(&state, cfg->keys[0].salt, sizeof(cfg->keys[0].salt));
}

/*
 * All outbound contexts and streams first, then all inbound ones. With a
 * leg's two directions side by side in memory, protect (timed first) seemed
 * to pay for neighbouring lines the hardware prefetcher brought in, which
 * unprotect of the same legs then found: at 100,000 legs that made protect look about
 * 10 % dearer and unprotect 5 % cheaper than with the two apart.
 */
static int
legs_create(const struct ms_crypto_engine *e, enum ms_srtp_suite suite, struct leg *legs,
	    unsigned n, uint16_t window)
{
	struct ms_srtp_ctx_cfg *cfg = ms_secmem_alloc(sizeof(*cfg));
	const struct ms_srtp_stream_cfg stream_cfg[2] = {
		{.dir = MS_SRTP_PROTECT, .replay_window = window},
		{.dir = MS_SRTP_UNPROTECT, .replay_window = window},
	};
	int ret = 0;

	if (cfg == NULL)
		return -ENOMEM;
	memset(legs, 0, n * sizeof(*legs));
	for (unsigned d = 0; d < 2; d++) {
		for (unsigned i = 0; i < n && ret == 0; i++) {
			struct leg *l = &legs[i];
			struct ms_srtp_ctx **ctx = d == 0 ? &l->ctx_tx : &l->ctx_rx;
			struct ms_srtp_stream **stream = d == 0 ? &l->tx : &l->rx;

			leg_keys(cfg, suite, i);
			ret = e->ctx_create(cfg, ctx);
			if (ret == 0)
				ret = e->stream_create(&stream_cfg[d], *ctx, stream);
			if (d == 0) {
				l->ssrc = (uint32_t)bench_rand();
				l->seq = (uint16_t)bench_rand();
			}
		}
	}
	ms_secmem_free(cfg);
	return ret;
}

static void
legs_free(const struct ms_crypto_engine *e, struct leg *legs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (legs[i].tx)
			e->stream_free(legs[i].tx);
		if (legs[i].rx)
			e->stream_free(legs[i].rx);
		if (legs[i].ctx_tx)
			e->ctx_free(legs[i].ctx_tx);
		if (legs[i].ctx_rx)
			e->ctx_free(legs[i].ctx_rx);
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct ring {
	struct rte_mbuf *m[RING];
	uint8_t payload[MAX_PAYLOAD];
};

/*
 * Protect then unprotect `packets` packets in bursts; returns cycles of each.
 * Legs are chosen at random per packet, or in order from *cursor if given.
 */
static void
run_rep(const struct ms_crypto_engine *e, struct ms_crypto_lcore *lc, struct ring *ring,
	struct leg *legs, unsigned nb_legs, unsigned payload, unsigned burst, unsigned packets,
	uint64_t overhead, uint64_t cyc[2], uint64_t *errors, unsigned *cursor)
{
	struct rte_mbuf *pkts[256];
	struct ms_srtp_stream *tx[256], *rx[256];
	uint8_t res[256];
	unsigned next = 0;
	uint16_t len = (uint16_t)(12 + payload);

	cyc[0] = cyc[1] = 0;
	for (unsigned done = 0; done < packets; done += burst) {
		for (unsigned i = 0; i < burst; i++) {
			struct rte_mbuf *m = ring->m[next];
			unsigned li = cursor ? (*cursor)++ % nb_legs : (unsigned)(bench_rand() % nb_legs);
			struct leg *l = &legs[li];
			uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
			uint16_t seq = l->seq++;
			uint32_t ssrc = rte_cpu_to_be_32(l->ssrc);

			next = (next + 1) % RING;
			m->data_len = len;
			m->pkt_len = len;
			/* a tag appended by an earlier, shorter packet may lie in this payload */
			memcpy(p + 12, ring->payload, payload);
			p[0] = 0x80;
			p[1] = 0;
			p[2] = (uint8_t)(seq >> 8);
			p[3] = (uint8_t)seq;
			memcpy(p + 8, &ssrc, 4);
			pkts[i] = m;
			tx[i] = l->tx;
			rx[i] = l->rx;
		}
		uint64_t t0 = rte_rdtsc();
		e->rtp_protect(lc, pkts, tx, (uint16_t)burst, res);
		uint64_t t1 = rte_rdtsc();
		for (unsigned i = 0; i < burst; i++)
			*errors += res[i] != MS_SRTP_OK;
		uint64_t t2 = rte_rdtsc();
		e->rtp_unprotect(lc, pkts, rx, (uint16_t)burst, res);
		uint64_t t3 = rte_rdtsc();
		cyc[0] += t1 - t0 - overhead;
		cyc[1] += t3 - t2 - overhead;
		/* every packet must come back as it was sent */
		for (unsigned i = 0; i < burst; i++)
			*errors += res[i] != MS_SRTP_OK || pkts[i]->data_len != len ||
				   memcmp(rte_pktmbuf_mtod(pkts[i], uint8_t *) + 12, ring->payload,
					  payload) != 0;
	}
}

static bool
is_reference(const struct ms_crypto_engine *e)
{
	return strcmp(e->name, "libsrtp2") == 0;
}

static void
measure(const struct opts *o, const struct ms_crypto_engine *e, struct ms_crypto_lcore *lc,
	struct ring *ring, enum ms_srtp_suite suite, struct leg *legs, unsigned nb_legs,
	unsigned row_legs, unsigned payload, unsigned burst, uint64_t overhead)
{
	struct result *r = &results[nb_results++];
	/* the reference is ~20x slower, and far slower again with many legs */
	unsigned packets = !is_reference(e) ? o->packets
			   : o->packets / (nb_legs > 1 ? 4 * o->ref_divisor : o->ref_divisor);
	double per[2][64];
	uint64_t cyc[2];

	packets = RTE_MAX(packets - packets % burst, burst);
	memset(r, 0, sizeof(*r));
	r->e = e;
	r->suite = suite;
	r->payload = payload;
	r->burst = burst;
	r->legs = row_legs;
	r->legs_measured = nb_legs;
	run_rep(e, lc, ring, legs, nb_legs, payload, burst, RTE_MIN(packets, 4096u), overhead, cyc,
		&r->errors, NULL);
	for (unsigned rep = 0; rep < o->reps && rep < 64; rep++) {
		run_rep(e, lc, ring, legs, nb_legs, payload, burst, packets, overhead, cyc, &r->errors,
			NULL);
		per[0][rep] = (double)cyc[0] / packets;
		per[1][rep] = (double)cyc[1] / packets;
		r->packets += packets;
	}
	r->cycles[0] = median(per[0], RTE_MIN(o->reps, 64u));
	r->cycles[1] = median(per[1], RTE_MIN(o->reps, 64u));
}

static const struct result *
find(const struct ms_crypto_engine *e, enum ms_srtp_suite suite, unsigned payload, unsigned burst,
     unsigned legs)
{
	for (unsigned i = 0; i < nb_results; i++)
		if (results[i].e == e && results[i].suite == suite && results[i].payload == payload &&
		    results[i].burst == burst && results[i].legs == legs)
			return &results[i];
	return NULL;
}

static double
ns_of(double cycles)
{
	return cycles / tsc_ghz;
}

/* The targets of the engine issue, checked on this run's figures. */
struct target {
	const char *what;
	double value;
	double limit;
	bool below; /* value must be <= limit, else >= */
	bool met;
};

static unsigned
check_targets(const struct opts *o, struct target *t)
{
	const struct ms_crypto_engine *fast = o->engines[0];
	const struct ms_crypto_engine *ref = o->nb_engines > 1 ? o->engines[1] : NULL;
	static char names[12][112];
	unsigned n = 0;
	static const struct {
		enum ms_srtp_suite suite;
		double max_ns;
	} per_suite[] = {
		{MS_SUITE_AES_CM_128_HMAC_SHA1_80, 250},
		{MS_SUITE_AEAD_AES_128_GCM, 160},
	};

	for (unsigned s = 0; s < RTE_DIM(per_suite); s++) {
		const struct result *r1 = find(fast, per_suite[s].suite, 160, 32, 1);
		const struct result *rr = ref ? find(ref, per_suite[s].suite, 160, 32, 1) : NULL;
		const struct result *rc = NULL;
		const char *name = ms_srtp_suite_info(per_suite[s].suite)->name;

		for (unsigned i = 0; i < o->nb_legs; i++)
			if (o->legs[i] >= 100000)
				rc = find(fast, per_suite[s].suite, 160, 32, o->legs[i]);
		for (unsigned op = 0; op < 2 && r1; op++) {
			const char *opn = op ? "unprotect" : "protect";

			snprintf(names[n], sizeof(names[n]), "%s %s, 160 B, burst 32, 1 leg: ns/packet",
				 name, opn);
			t[n] = (struct target){names[n], ns_of(r1->cycles[op]), per_suite[s].max_ns, true,
					       false};
			n++;
			if (rr) {
				snprintf(names[n], sizeof(names[n]), "%s %s: times faster than %s", name,
					 opn, ref->name);
				t[n] = (struct target){names[n], rr->cycles[op] / r1->cycles[op], 10, false,
						       false};
				n++;
			}
			if (rc) {
				snprintf(names[n], sizeof(names[n]), "%s %s: %u legs / 1 leg cost", name,
					 opn, rc->legs);
				t[n] = (struct target){names[n], rc->cycles[op] / r1->cycles[op], 1.5, true,
						       false};
				n++;
			}
		}
	}
	for (unsigned i = 0; i < n; i++)
		t[i].met = t[i].below ? t[i].value <= t[i].limit : t[i].value >= t[i].limit;
	return n;
}

static void
print_table(const struct opts *o, const char *memdesc)
{
	struct target t[12];
	unsigned nt = check_targets(o, t);
	unsigned capped = 0;

	printf("%smediasec-bench crypto: TSC %.3f GHz, %s\n", o->markdown ? "" : "# ", tsc_ghz,
	       memdesc);
	for (unsigned s = 0; s < MS_SUITE_COUNT; s++) {
		if (!o->suites[s])
			continue;
		const struct ms_srtp_suite_info *si = ms_srtp_suite_info(s);
		size_t hot = o->engines[0]->hot_ctx_size ? o->engines[0]->hot_ctx_size(s) : 0;

		printf("\n%s%s (%s: %zu bytes of key context per packet)\n\n",
		       o->markdown ? "#### " : "", si->name, o->engines[0]->name, hot);
		if (o->markdown) {
			printf("| op | payload | burst | legs |");
			for (unsigned e = 0; e < o->nb_engines; e++)
				printf(" %s Mpps | ns/pkt | cycles/pkt |", o->engines[e]->name);
			printf("%s\n|---|---:|---:|---:|", o->nb_engines > 1 ? " ratio |" : "");
			for (unsigned e = 0; e < o->nb_engines; e++)
				printf("---:|---:|---:|");
			printf("%s\n", o->nb_engines > 1 ? "---:|" : "");
		} else {
			printf("  %-9s %7s %5s %6s", "op", "payload", "burst", "legs");
			for (unsigned e = 0; e < o->nb_engines; e++)
				printf(" | %-9s %6s %8s %8s", o->engines[e]->name, "Mpps", "ns/pkt", "cyc/pkt");
			printf("%s\n", o->nb_engines > 1 ? " |  ratio" : "");
		}
		for (unsigned op = 0; op < 2; op++)
			for (unsigned p = 0; p < o->nb_payloads; p++)
				for (unsigned l = 0; l < o->nb_legs; l++)
					for (unsigned b = 0; b < o->nb_bursts; b++) {
						const struct result *r[MAX_ENGINES];

						printf(o->markdown ? "| %s | %u | %u | %u |" : "  %-9s %7u %5u %6u",
						       op ? "unprotect" : "protect", o->payloads[p], o->bursts[b],
						       o->legs[l]);
						for (unsigned e = 0; e < o->nb_engines; e++) {
							r[e] = find(o->engines[e], s, o->payloads[p], o->bursts[b],
								    o->legs[l]);
							double ns = ns_of(r[e]->cycles[op]);
							const char *mark = "";

							if (r[e]->legs_measured != r[e]->legs) {
								mark = "*";
								capped = r[e]->legs_measured;
							}
							if (o->markdown)
								printf(" %.2f%s | %.0f | %.0f |", 1e3 / ns, mark, ns,
								       r[e]->cycles[op]);
							else
								printf(" | %9s %6.2f %8.0f %8.0f%s", "", 1e3 / ns, ns,
								       r[e]->cycles[op], mark);
							if (r[e]->errors)
								printf(" (%lu ERRORS)", (unsigned long)r[e]->errors);
						}
						if (o->nb_engines > 1)
							printf(o->markdown ? " %s%.1fx |" : " | %s%5.1fx",
							       r[1]->legs_measured != r[1]->legs ? ">" : "",
							       r[1]->cycles[op] / r[0]->cycles[op]);
						printf("\n");
					}
	}
	if (capped)
		printf("\n* %s measured with %u legs, not more: Debian's libsrtp2 works through NSS,\n"
		       "  whose cost per packet grows with every live key (19.5 us at 1000 legs, 100 us at\n"
		       "  4000 here) and whose set-up time grows faster than quadratically. Its figure at\n"
		       "  %u legs is faster than it would be with more, so the ratio shown (>) is a\n"
		       "  lower bound.\n",
		       o->engines[1]->name, capped, capped);
	printf("\n%sTargets (this run):\n\n", o->markdown ? "#### " : "");
	for (unsigned i = 0; i < nt; i++)
		printf(o->markdown ? "- %s: %.2f (target %s %.2f): %s\n"
				   : "  %-72s %8.2f  (target %s %.2f)  %s\n",
		       t[i].what, t[i].value, t[i].below ? "<=" : ">=", t[i].limit,
		       t[i].met ? "met" : "NOT MET");
}

static json_t *
results_json(const struct opts *o, const char *memdesc)
{
	json_t *root = json_object(), *arr = json_array(), *targets = json_array(), *hot = json_object();
	struct target t[12];
	unsigned nt = check_targets(o, t);
	char date[32];
	time_t now = time(NULL);

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(root, "benchmark", json_string("crypto"));
	json_object_set_new(root, "date", json_string(date));
	json_object_set_new(root, "tsc_hz", json_integer((json_int_t)rte_get_tsc_hz()));
	json_object_set_new(root, "memory", json_string(memdesc));
	json_object_set_new(root, "dpdk", json_string(rte_version()));
	json_object_set_new(root, "repetitions", json_integer(o->reps));
	for (unsigned s = 0; s < MS_SUITE_COUNT; s++)
		if (o->suites[s] && o->engines[0]->hot_ctx_size)
			json_object_set_new(hot, ms_srtp_suite_info(s)->name,
					    json_integer((json_int_t)o->engines[0]->hot_ctx_size(s)));
	json_object_set_new(root, "hot_context_bytes", hot);
	for (unsigned i = 0; i < nb_results; i++) {
		const struct result *r = &results[i];

		for (unsigned op = 0; op < 2; op++) {
			json_t *j = json_object();
			const struct result *base = o->nb_engines > 1 ? find(o->engines[0], r->suite, r->payload,
									     r->burst, r->legs) : NULL;

			json_object_set_new(j, "engine", json_string(r->e->name));
			json_object_set_new(j, "suite", json_string(ms_srtp_suite_info(r->suite)->name));
			json_object_set_new(j, "op", json_string(op ? "unprotect" : "protect"));
			json_object_set_new(j, "payload", json_integer(r->payload));
			json_object_set_new(j, "burst", json_integer(r->burst));
			json_object_set_new(j, "legs", json_integer(r->legs));
			json_object_set_new(j, "legs_measured", json_integer(r->legs_measured));
			json_object_set_new(j, "cycles_per_packet", json_real(r->cycles[op]));
			json_object_set_new(j, "ns_per_packet", json_real(ns_of(r->cycles[op])));
			json_object_set_new(j, "mpps", json_real(1e3 / ns_of(r->cycles[op])));
			json_object_set_new(j, "packets", json_integer((json_int_t)r->packets));
			json_object_set_new(j, "errors", json_integer((json_int_t)r->errors));
			if (base && base != r)
				json_object_set_new(j, "slower_than_first_engine",
						    json_real(r->cycles[op] / base->cycles[op]));
			json_array_append_new(arr, j);
		}
	}
	json_object_set_new(root, "results", arr);
	for (unsigned i = 0; i < nt; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "target", json_string(t[i].what));
		json_object_set_new(j, "value", json_real(t[i].value));
		json_object_set_new(j, "limit", json_real(t[i].limit));
		json_object_set_new(j, "comparison", json_string(t[i].below ? "<=" : ">="));
		json_object_set_new(j, "met", json_boolean(t[i].met));
		json_array_append_new(targets, j);
	}
	json_object_set_new(root, "targets", targets);
	return root;
}

int
bench_crypto(int argc, char **argv)
{
	struct opts o;
	struct ms_config cfg;
	char err[256];
	int dash = argc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	if (parse_opts(dash, argv, &o) < 0) {
		help();
		return 2;
	}
	if (ms_config_load(o.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mediasec-bench: %s\n", err);
		return 2;
	}
	/* the configured engine is measured first, and the others against it */
	for (unsigned i = 1; i < o.nb_engines; i++)
		if (o.engines[i] == cfg.crypto.engine) {
			o.engines[i] = o.engines[0];
			o.engines[0] = cfg.crypto.engine;
		}
	ms_config_free(&cfg); /* only the engine was wanted; its sessions' keys go now */

	unsigned max_legs = 0;
	for (unsigned i = 0; i < o.nb_legs; i++)
		max_legs = RTE_MAX(max_legs, o.legs[i]);
	unsigned need_mb = 512 + max_legs / 512;
	const char *memdesc = bench_eal_init("mediasec-bench", argc - dash - (dash < argc),
					     argv + dash + (dash < argc), need_mb);
	tsc_ghz = (double)rte_get_tsc_hz() / 1e9;

	for (unsigned e = 0; e < o.nb_engines; e++) {
		if (ms_crypto_engine_init(o.engines[e]) < 0) {
			fprintf(stderr, "mediasec-bench: engine %s refused to start\n", o.engines[e]->name);
			return 1;
		}
	}
	struct rte_mempool *mp = rte_pktmbuf_pool_create("bench", RING * 2 - 1, 0, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	struct ring *ring = rte_zmalloc("ring", sizeof(*ring), RTE_CACHE_LINE_SIZE);
	struct leg *legs = calloc(max_legs, sizeof(*legs));

	if (mp == NULL || ring == NULL || legs == NULL) {
		fprintf(stderr, "mediasec-bench: out of memory\n");
		return 1;
	}
	/* every packet carries the same payload, checked after each round trip */
	random_bytes(ring->payload, sizeof(ring->payload));
	for (unsigned i = 0; i < RING; i++)
		ring->m[i] = rte_pktmbuf_alloc(mp);
	results = calloc((size_t)MS_SUITE_COUNT * o.nb_engines * o.nb_payloads * o.nb_bursts * o.nb_legs,
			 sizeof(*results));
	uint64_t overhead = bench_tsc_overhead();

	for (unsigned s = 0; s < MS_SUITE_COUNT; s++) {
		if (!o.suites[s])
			continue;
		for (unsigned e = 0; e < o.nb_engines; e++) {
			const struct ms_crypto_engine *eng = o.engines[e];
			struct ms_crypto_lcore *lc;

			if (eng->lcore_create((int)rte_socket_id(), &lc) < 0)
				return 1;
			for (unsigned l = 0; l < o.nb_legs; l++) {
				uint64_t t0 = rte_rdtsc();
				unsigned nb = o.legs[l];

				if (is_reference(eng) && nb > o.ref_max_legs)
					nb = o.ref_max_legs;
				if (legs_create(eng, s, legs, nb, (uint16_t)cfg.crypto.replay_window) < 0) {
					fprintf(stderr, "mediasec-bench: cannot create %u legs\n", nb);
					return 1;
				}
				/*
				 * One packet through every leg first: measured packets belong to
				 * calls in progress, not to the first packet of a stream.
				 */
				uint64_t prime_errors = 0, cyc[2];
				unsigned cursor = 0;

				run_rep(eng, lc, ring, legs, nb, 160, RTE_MIN(nb, 32u), nb, 0, cyc,
					&prime_errors, &cursor);
				if (prime_errors) {
					fprintf(stderr, "mediasec-bench: %lu packets failed while priming legs\n",
						(unsigned long)prime_errors);
					return 1;
				}
				if (!o.json && !o.markdown)
					fprintf(stderr, "%s %s: %u legs set up and primed in %.2f s\n", eng->name,
						ms_srtp_suite_info(s)->name, nb,
						(double)(rte_rdtsc() - t0) / rte_get_tsc_hz());
				for (unsigned p = 0; p < o.nb_payloads; p++)
					for (unsigned b = 0; b < o.nb_bursts; b++)
						measure(&o, eng, lc, ring, s, legs, nb, o.legs[l], o.payloads[p],
							o.bursts[b], overhead);
				legs_free(eng, legs, nb);
			}
			eng->lcore_free(lc);
		}
	}
	if (o.json)
		bench_json_out(results_json(&o, memdesc), true, NULL, "mediasec-bench crypto");
	else
		print_table(&o, memdesc);

	uint64_t errors = 0;
	for (unsigned i = 0; i < nb_results; i++)
		errors += results[i].errors;
	if (errors)
		fprintf(stderr, "mediasec-bench: %lu packets did not come back intact\n",
			(unsigned long)errors);
	return errors ? 1 : 0;
}
