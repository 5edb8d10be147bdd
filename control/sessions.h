/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_SESSIONS_H
#define MS_SESSIONS_H

/*
 * The sessions of the configuration file, as installed through the store
 * (control/store.h), where the control protocol sees them too. On reload
 * the new file's sessions are compared with these and only the differences
 * are applied, so untouched calls never notice.
 */

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

/* The file's sessions as installed (in the store, by name), and their configuration. */
struct ms_file_sessions {
	uint32_t nb;
	struct ms_session_cfg *cfg; /* secret memory: holds keys, to compare on reload */
};

/* Installs all of cfg's sessions or none; takes cfg->sessions over. */
int ms_file_sessions_install(struct ms_file_sessions *fs, struct ms_store *st,
			     struct ms_config *cfg, char *err, size_t errlen);

struct ms_reload_result {
	unsigned added, removed, rekeyed, repeered, replaced;
};

/*
 * Applies the sessions of a new configuration: new ones added, missing ones
 * removed, a leg whose mode, suite or keys changed switched in place (its
 * counters and peer stay), a changed peer set; a leg whose local end
 * changed is replaced with its session. Takes cfg->sessions over.
 */
int ms_file_sessions_reload(struct ms_file_sessions *fs, struct ms_store *st,
			    struct ms_config *cfg, struct ms_reload_result *r, char *err,
			    size_t errlen);

/* Wipes and frees what fs remembers (the sessions stay installed). */
void ms_file_sessions_free(struct ms_file_sessions *fs);

#endif
