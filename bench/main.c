/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "bench.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

uint64_t
bench_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

unsigned
bench_hugepages_free_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long free_pages = 0, size_kb = 0;
	char line[128];

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	return (unsigned)(free_pages * size_kb / 1024);
}

const char *
bench_eal_init(const char *prog, int eal_argc, char **eal_argv, unsigned need_mb)
{
	static char lcore[24], mem[16], desc[96];
	char *args[32];
	int n = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	args[n++] = (char *)(uintptr_t)prog;
	if (eal_argc > 0) {
		for (int i = 0; i < eal_argc && n < 31; i++)
			args[n++] = eal_argv[i];
		snprintf(desc, sizeof(desc), "as given on the command line");
	} else {
		/* the last CPU: the first one takes most interrupts on small machines */
		snprintf(lcore, sizeof(lcore), "%ld", cpus > 1 ? cpus - 1 : 0);
		args[n++] = "--no-pci";
		args[n++] = "--no-telemetry";
		args[n++] = "-l";
		args[n++] = lcore;
		args[n++] = "--log-level=lib.eal:error";
		args[n++] = "--log-level=mediasec.*:warning";
		if (bench_hugepages_free_mb() >= need_mb) {
			args[n++] = "--in-memory";
			snprintf(desc, sizeof(desc), "hugepages (--in-memory), lcore %s", lcore);
		} else {
			snprintf(mem, sizeof(mem), "%u", need_mb);
			args[n++] = "--no-huge";
			args[n++] = "-m";
			args[n++] = mem;
			snprintf(desc, sizeof(desc),
				 "no hugepages free (%u MiB needed): --no-huge, lcore %s", need_mb,
				 lcore);
		}
	}
	args[n] = NULL;
	if (rte_eal_init(n, args) < 0) {
		fprintf(stderr, "%s: cannot initialise EAL\n", prog);
		exit(1);
	}
	return desc;
}

uint64_t
bench_tsc_overhead(void)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 1000; i++) {
		uint64_t a = rte_rdtsc();
		uint64_t b = rte_rdtsc();

		if (b - a < best)
			best = b - a;
	}
	return best;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s <benchmark> [options] [-- EAL options]\n"
		"\n"
		"benchmarks:\n"
		"  crypto   SRTP/SRTCP transform engines: ipsec-mb against libsrtp2, per core\n"
		"  forward  mediasecd under G.711 traffic: no-drop rate and worker cycles per packet\n"
		"  control  mediasecd's control socket: installs/s (Unix, TLS) under traffic, answer ->\n"
		"           first packet, memory per leg with 1,000,000 legs, lookup cost\n"
		"  pktgen   files for a Pktgen-DPDK benchmark of an appliance: pcaps of valid SRTP/RTP\n"
		"           streams, mediasecd's sessions and configuration, keys, Lua scripts\n"
		"\n"
		"%s <benchmark> --help lists the benchmark's options.\n",
		prog, prog);
}

void
bench_json_out(json_t *doc, bool to_stdout, const char *path, const char *who)
{
	if (to_stdout) {
		json_dumpf(doc, stdout, JSON_INDENT(2));
		printf("\n");
	}
	if (path != NULL) {
		FILE *f = fopen(path, "w");

		if (f == NULL) {
			fprintf(stderr, "%s: %s: %s\n", who, path, strerror(errno));
		} else {
			json_dumpf(doc, f, JSON_INDENT(2));
			fprintf(f, "\n");
			fclose(f);
		}
	}
	json_decref(doc);
}

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argv[0]);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "crypto") == 0)
		return bench_crypto(argc - 1, argv + 1);
	if (strcmp(argv[1], "forward") == 0)
		return bench_forward(argc - 1, argv + 1);
	if (strcmp(argv[1], "control") == 0)
		return bench_control(argc - 1, argv + 1);
	if (strcmp(argv[1], "pktgen") == 0)
		return bench_pktgen(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown benchmark '%s'\n", argv[0], argv[1]);
	usage(argv[0]);
	return 2;
}

int
bench_parse_list(const char *s, unsigned *out, unsigned *n, unsigned max, unsigned long limit)
{
	char *copy = strdup(s), *save = NULL;

	*n = 0;
	if (copy == NULL)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v = strtoul(t, &end, 10);

		if (*end != '\0' || v == 0 || v > limit || *n == max) {
			free(copy);
			return -EINVAL;
		}
		out[(*n)++] = (unsigned)v;
	}
	free(copy);
	return *n > 0 ? 0 : -EINVAL;
}
