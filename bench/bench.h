/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_BENCH_H
#define MS_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Starts EAL for a benchmark: the given EAL arguments if any, else hugepage
 * memory when enough is free (--in-memory), else --no-huge (slower: said so).
 * Returns a description of the memory used.
 */
const char *bench_eal_init(const char *prog, int eal_argc, char **eal_argv, unsigned need_mb);

/* Cycles one rte_rdtsc() pair costs, to take out of short measurements. */
uint64_t bench_tsc_overhead(void);

/*
 * "1,8,32": at most max numbers, each 1..limit, into out; *n gets how many.
 * 0, or -EINVAL for anything else (then out holds nothing valid).
 */
int bench_parse_list(const char *s, unsigned *out, unsigned *n, unsigned max, unsigned long limit);

/* A reproducible PRNG for choosing legs and filling keys. */
uint64_t bench_rand(void);
/* Free hugepage memory in MiB, from /proc/meminfo. */
unsigned bench_hugepages_free_mb(void);

/*
 * A benchmark's JSON results: on stdout when to_stdout, into the file path
 * when not NULL (a message names who could not write it); then freed.
 */
void bench_json_out(json_t *doc, bool to_stdout, const char *path, const char *who);

int bench_crypto(int argc, char **argv);
int bench_forward(int argc, char **argv);
int bench_control(int argc, char **argv);
int bench_pktgen(int argc, char **argv);

#endif
