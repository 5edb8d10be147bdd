/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_CTL_H
#define MS_CTL_H

/*
 * The control plane of mediasecd: the listeners of the control socket (Unix,
 * TLS 1.3 with client certificates), its connections and protocol
 * (docs/control-protocol.md), security profiles, digest authentication,
 * authorization, the sessions (control/store.h), events and captures. All
 * of it runs on the one control thread, in ms_ctl_poll(); nothing here ever
 * blocks a worker: sessions reach the dataplane through its publish/retire
 * functions.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dataplane.h"
#include "store.h"

struct ms_ctl;

/*
 * Sets up the control plane for a running dataplane: the store of
 * sessions, and the listeners of cfg->control (none: only the file's
 * sessions, timers and signals). cfg's ports and limits are copied; cfg
 * itself may go after this returns.
 */
int ms_ctl_create(const struct ms_config *cfg, struct ms_dataplane *dp, struct ms_ctl **out,
		  char *err, size_t errlen);
/* Closes every connection and listener (the Unix socket files are removed). */
void ms_ctl_free(struct ms_ctl *c);

struct ms_store *ms_ctl_store(struct ms_ctl *c);

/*
 * Serves connections and runs the timers for up to timeout_ms (returns
 * earlier after handling what arrived). 0 or -errno of epoll.
 */
int ms_ctl_poll(struct ms_ctl *c, int timeout_ms);

/* Watches another descriptor (a signalfd): cb runs on the control thread when it is readable. */
int ms_ctl_watch_fd(struct ms_ctl *c, int fd, void (*cb)(void *arg), void *arg);

/*
 * Applies the profiles and clients of a newly loaded configuration, all or
 * nothing: a profile in use (by a listener, a session or a connection) may
 * not disappear or change its transport, and the result must obey every
 * rule between profiles. Profiles added at run time that the file does not
 * name are kept. TLS listeners load their certificates, keys and CAs again
 * (for new connections). Listener addresses, paths and ports need a restart:
 * *restart_needed says they changed.
 */
int ms_ctl_reload(struct ms_ctl *c, const struct ms_config *cfg, bool *restart_needed, char *err,
		  size_t errlen);

/* For mediasecd's start message: "unix /run/mediasec/control.sock, tls 0.0.0.0:5061". */
void ms_ctl_describe(const struct ms_ctl *c, char *buf, size_t len);

#endif
