/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "srtp.h"

struct ms_crypto_cfg {
	const struct ms_crypto_engine *engine;
	uint32_t replay_window;
};

struct ms_config {
	struct ms_crypto_cfg crypto;
};

/* conf/mediasec.conf as built into the programs */
extern const char ms_config_default_text[];

/*
 * Loads a configuration file, or the built-in default when path is NULL.
 * On error returns -EINVAL and writes into err which setting is wrong and why.
 */
int ms_config_load(const char *path, struct ms_config *cfg, char *err, size_t errlen);
int ms_config_parse(const char *text, struct ms_config *cfg, char *err, size_t errlen);

#endif
