/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eal_args.h"

/* Free 2 MiB pages, from /proc/meminfo; 0 when unknown. */
static unsigned long
hugepages_free_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long free_pages = 0, size_kb = 0, v;
	char line[128];

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "HugePages_Free: %lu", &v) == 1)
			free_pages = v;
		else if (sscanf(line, "Hugepagesize: %lu kB", &v) == 1)
			size_kb = v;
	}
	fclose(f);
	return free_pages * size_kb / 1024;
}

static int
add(struct ms_eal_args *a, const char *s)
{
	if ((size_t)a->argc >= RTE_DIM(a->argv) - 1)
		return -E2BIG;
	a->argv[a->argc] = strdup(s);
	if (a->argv[a->argc] == NULL)
		return -ENOMEM;
	a->argc++;
	return 0;
}

/* What the pool, tables and rings need, roughly, to decide whether the free hugepages suffice. */
static unsigned long
memory_wanted_mb(const struct ms_config *cfg)
{
	unsigned long mbufs = (unsigned long)cfg->mbufs.count * 2560ul;
	unsigned long legs = (unsigned long)cfg->limits.legs * 1536ul;

	return 64 + (mbufs + legs) / (1024 * 1024);
}

int
ms_eal_args_build(const struct ms_config *cfg, const char *prog, struct ms_eal_args *a, char *err,
		  size_t errlen)
{
	char buf[512];
	size_t off;
	bool pci = false, prefix = false, cpus = false;
	int ret = 0;

	memset(a, 0, sizeof(*a));
	ret |= add(a, prog);
	for (unsigned i = 0; i < cfg->nb_workers; i++)
		cpus |= cfg->workers[i].cpu_set;
	if (cfg->eal.main_cpu_set || cpus) {
		/*
		 * lcores on CPUs of other numbers, several on one CPU if asked
		 * (a test or benchmark with more workers than CPUs): lcore@cpu
		 */
		off = (size_t)snprintf(buf, sizeof(buf), "%u@%u", cfg->eal.main_lcore,
				       cfg->eal.main_cpu_set ? cfg->eal.main_cpu : cfg->eal.main_lcore);
		for (unsigned i = 0; i < cfg->nb_workers && off < sizeof(buf); i++) {
			const struct ms_worker_cfg *w = &cfg->workers[i];

			off += (size_t)snprintf(buf + off, sizeof(buf) - off, ",%u@%u", w->lcore,
						w->cpu_set ? w->cpu : w->lcore);
		}
		ret |= add(a, "--lcores");
	} else {
		off = (size_t)snprintf(buf, sizeof(buf), "%u", cfg->eal.main_lcore);
		for (unsigned i = 0; i < cfg->nb_workers && off < sizeof(buf); i++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, ",%u",
						cfg->workers[i].lcore);
		ret |= add(a, "-l");
	}
	ret |= add(a, buf);
	snprintf(buf, sizeof(buf), "%u", cfg->eal.main_lcore);
	ret |= add(a, "--main-lcore");
	ret |= add(a, buf);
	for (unsigned i = 0; i < cfg->nb_ports; i++) {
		if (!cfg->ports[i].pci)
			continue;
		pci = true;
		ret |= add(a, "-a");
		ret |= add(a, cfg->ports[i].device);
	}
	/* never let EAL probe the machine's own NICs behind our back */
	if (!pci)
		ret |= add(a, "--no-pci");

	switch (cfg->eal.hugepages) {
	case MS_HUGEPAGES_YES:
		a->hugepages = true;
		break;
	case MS_HUGEPAGES_NO:
		a->hugepages = false;
		break;
	case MS_HUGEPAGES_AUTO:
	default: {
		unsigned long want = cfg->eal.memory_mb ? cfg->eal.memory_mb : memory_wanted_mb(cfg);

		a->hugepages = hugepages_free_mb() >= want;
		break;
	}
	}
	if (a->hugepages) {
		ret |= add(a, "--in-memory");
		if (cfg->eal.memory_mb) {
			snprintf(buf, sizeof(buf), "%u", cfg->eal.memory_mb);
			ret |= add(a, "-m");
			ret |= add(a, buf);
		}
	} else {
		unsigned long mb = cfg->eal.memory_mb ? cfg->eal.memory_mb : memory_wanted_mb(cfg) + 256;

		snprintf(buf, sizeof(buf), "%lu", mb);
		ret |= add(a, "--no-huge");
		ret |= add(a, "-m");
		ret |= add(a, buf);
		/* as --in-memory does with hugepages: no shared files left behind */
		ret |= add(a, "--no-shconf");
	}
	for (unsigned i = 0; i < cfg->eal.nb_args; i++)
		if (strncmp(cfg->eal.args[i], "--file-prefix", 13) == 0)
			prefix = true;
	if (!prefix) {
		ret |= add(a, "--file-prefix");
		ret |= add(a, "mediasec");
	}
	for (unsigned i = 0; i < cfg->eal.nb_args; i++)
		ret |= add(a, cfg->eal.args[i]);
	if (ret != 0) {
		ms_eal_args_free(a);
		snprintf(err, errlen, "eal.args: too many EAL arguments");
		return -EINVAL;
	}
	return 0;
}

void
ms_eal_args_free(struct ms_eal_args *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	memset(a, 0, sizeof(*a));
}
