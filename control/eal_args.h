/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_EAL_ARGS_H
#define MS_EAL_ARGS_H

#include <stdbool.h>

#include "config.h"

/* EAL arguments derived from the configuration; free with ms_eal_args_free. */
struct ms_eal_args {
	int argc;
	char *argv[64 + MS_CFG_MAX_EAL_ARGS];
	bool hugepages; /* --in-memory on hugepages rather than --no-huge */
};

/*
 * Lcores (main + workers), --no-pci or -a per PCI port, hugepages or
 * --no-huge by eal.hugepages and what is free now, a --file-prefix of
 * "mediasec" unless one is given, then eal.args. 0, or -EINVAL and why.
 */
int ms_eal_args_build(const struct ms_config *cfg, const char *prog, struct ms_eal_args *a,
		      char *err, size_t errlen);
void ms_eal_args_free(struct ms_eal_args *a);

#endif
