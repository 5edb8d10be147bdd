/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ms_log.h"
#include "secmem.h"
#include "sessions.h"

static void
take_sessions(struct ms_file_sessions *fs, struct ms_config *cfg)
{
	fs->nb = cfg->nb_sessions;
	fs->cfg = cfg->sessions;
	cfg->sessions = NULL;
	cfg->nb_sessions = 0;
}

static int
add(struct ms_store *st, struct ms_session_cfg *sc, uint32_t idx, char *err, size_t errlen)
{
	struct ms_call *c;
	struct ms_jerr e;

	if (ms_store_add(st, sc->name, sc->legs, MS_CALL_CONFIG, NULL, NULL, &c, &e) == 0)
		return 0;
	snprintf(err, errlen, "sessions[%u] (%s)%s%s: %s", idx, sc->name, e.field[0] ? "." : "",
		 e.field, e.msg);
	return e.code == 409 ? -EEXIST : e.code == 507 ? -ENOSPC : -EINVAL;
}

int
ms_file_sessions_install(struct ms_file_sessions *fs, struct ms_store *st, struct ms_config *cfg,
			 char *err, size_t errlen)
{
	uint32_t done;
	int ret = 0;

	memset(fs, 0, sizeof(*fs));
	for (done = 0; done < cfg->nb_sessions; done++) {
		ret = add(st, &cfg->sessions[done], done, err, errlen);
		if (ret < 0)
			break;
	}
	if (ret < 0) {
		while (done-- > 0)
			ms_store_del(st, ms_store_find(st, cfg->sessions[done].name), "config");
		return ret;
	}
	take_sessions(fs, cfg);
	return 0;
}

static const struct ms_session_cfg *
find(const struct ms_session_cfg *s, uint32_t n, const char *name, uint32_t *idx)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0) {
			*idx = i;
			return &s[i];
		}
	return NULL;
}

/* Where the leg is: a change here means a new leg. */
static bool
same_place(const struct ms_leg_cfg *a, const struct ms_leg_cfg *b)
{
	return a->port == b->port && ms_addr_equal(&a->local, &b->local) &&
	       a->local_port == b->local_port && a->rtcp_mux == b->rtcp_mux &&
	       a->local_rtcp_port == b->local_rtcp_port && a->replay_window == b->replay_window;
}

/* Mode, suite and keys; compared in constant time, as keys must be. */
static bool
same_keys(const struct ms_leg_cfg *a, const struct ms_leg_cfg *b)
{
	if (a->mode != b->mode)
		return false;
	if (a->mode == MS_LEG_RTP)
		return true;
	return CRYPTO_memcmp(&a->recv, &b->recv, sizeof(a->recv)) == 0 &&
	       CRYPTO_memcmp(&a->send, &b->send, sizeof(a->send)) == 0;
}

static bool
same_peer(const struct ms_leg_cfg *a, const struct ms_leg_cfg *b)
{
	return a->peer_learn == b->peer_learn && a->strict_source == b->strict_source &&
	       ms_addr_equal(&a->peer, &b->peer) && a->peer_port == b->peer_port &&
	       a->peer_rtcp_port == b->peer_rtcp_port;
}

/* The file's session as installed now, NULL when it is gone (a client deleted it). */
static struct ms_call *
installed(struct ms_store *st, const char *name)
{
	struct ms_call *c = ms_store_find(st, name);

	return c != NULL && c->origin == MS_CALL_CONFIG ? c : NULL;
}

int
ms_file_sessions_reload(struct ms_file_sessions *fs, struct ms_store *st, struct ms_config *cfg,
			struct ms_reload_result *r, char *err, size_t errlen)
{
	bool *kept = calloc(fs->nb ? fs->nb : 1, sizeof(*kept));
	struct ms_jerr e;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (kept == NULL)
		return -ENOMEM;
	/* first what goes away, so that a session may move to another's freed ports */
	for (uint32_t i = 0; i < fs->nb; i++) {
		uint32_t j;
		const struct ms_session_cfg *n = find(cfg->sessions, cfg->nb_sessions, fs->cfg[i].name, &j);
		struct ms_call *c = installed(st, fs->cfg[i].name);

		kept[i] = c != NULL && n != NULL && same_place(&n->legs[0], &fs->cfg[i].legs[0]) &&
			  same_place(&n->legs[1], &fs->cfg[i].legs[1]);
		if (!kept[i] && c != NULL) {
			ms_store_del(st, c, "config");
			if (n == NULL)
				r->removed++;
		}
	}
	for (uint32_t j = 0; j < cfg->nb_sessions && ret == 0; j++) {
		struct ms_session_cfg *n = &cfg->sessions[j];
		uint32_t i;
		const struct ms_session_cfg *o = find(fs->cfg, fs->nb, n->name, &i);
		struct ms_call *c;

		if (o == NULL || !kept[i]) {
			ret = add(st, n, j, err, errlen);
			if (ret == 0 && o == NULL)
				r->added++;
			else if (ret == 0)
				r->replaced++;
			continue;
		}
		c = installed(st, n->name);
		for (unsigned l = 0; l < 2 && ret == 0; l++) {
			const struct ms_leg_cfg *nl = &n->legs[l], *ol = &o->legs[l];

			if (!same_keys(nl, ol)) {
				ret = ms_store_set_keys(st, c, l, (enum ms_leg_mode)nl->mode, &nl->recv,
							&nl->send, &e);
				if (ret == 0) {
					r->rekeyed++;
					ms_store_changed(st, c, l, "mode");
				}
			}
			if (ret == 0 && !same_peer(nl, ol)) {
				ret = ms_store_set_peer(st, c, l, nl->peer_learn ? NULL : &nl->peer,
							nl->peer_port,
							nl->rtcp_mux ? nl->peer_port : nl->peer_rtcp_port,
							nl->peer_learn, nl->strict_source, &e);
				if (ret == 0) {
					r->repeered++;
					ms_store_changed(st, c, l, "peer");
				}
			}
			if (ret < 0)
				snprintf(err, errlen, "sessions[%u] (%s).legs[%u]: %s", j, n->name, l, e.msg);
		}
	}
	/*
	 * A failure halfway leaves the sessions applied so far in place: they
	 * are what the dataplane runs now. Sessions not reached keep running as
	 * they were; the next reload compares against this file.
	 */
	if (ret < 0)
		MS_LOG(ERR, ctl, "reload stopped: %s", err);
	free(kept);
	ms_file_sessions_free(fs);
	take_sessions(fs, cfg);
	return ret;
}

void
ms_file_sessions_free(struct ms_file_sessions *fs)
{
	if (fs->cfg != NULL)
		ms_secmem_free(fs->cfg);
	memset(fs, 0, sizeof(*fs));
}
