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
take_sessions(struct ms_file_sessions *fs, struct ms_config *cfg, uint32_t (*ids)[2])
{
	fs->nb = cfg->nb_sessions;
	fs->cfg = cfg->sessions;
	fs->leg_ids = ids;
	cfg->sessions = NULL;
	cfg->nb_sessions = 0;
}

int
ms_file_sessions_install(struct ms_file_sessions *fs, struct ms_legtab *t, struct ms_config *cfg,
			 char *err, size_t errlen)
{
	uint32_t (*ids)[2] = calloc(cfg->nb_sessions ? cfg->nb_sessions : 1, sizeof(*ids));
	uint32_t done;
	int ret = 0;

	memset(fs, 0, sizeof(*fs));
	if (ids == NULL)
		return -ENOMEM;
	for (done = 0; done < cfg->nb_sessions; done++) {
		char why[256];

		ret = ms_session_add(t, cfg->sessions[done].legs, ids[done], why, sizeof(why));
		if (ret < 0) {
			snprintf(err, errlen, "sessions[%u] (%s): %s", done, cfg->sessions[done].name,
				 why);
			break;
		}
	}
	if (ret < 0) {
		while (done-- > 0)
			ms_session_del(t, ids[done][0]);
		free(ids);
		return ret;
	}
	take_sessions(fs, cfg, ids);
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

int
ms_file_sessions_reload(struct ms_file_sessions *fs, struct ms_legtab *t, struct ms_config *cfg,
			struct ms_reload_result *r, char *err, size_t errlen)
{
	uint32_t (*ids)[2] = calloc(cfg->nb_sessions ? cfg->nb_sessions : 1, sizeof(*ids));
	bool *kept = calloc(fs->nb ? fs->nb : 1, sizeof(*kept));
	char why[256];
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (ids == NULL || kept == NULL) {
		free(ids);
		free(kept);
		return -ENOMEM;
	}
	for (uint32_t j = 0; j < cfg->nb_sessions; j++)
		ids[j][0] = ids[j][1] = UINT32_MAX;
	/* first what goes away, so that a session may move to another's freed ports */
	for (uint32_t i = 0; i < fs->nb; i++) {
		uint32_t j;
		const struct ms_session_cfg *n = find(cfg->sessions, cfg->nb_sessions, fs->cfg[i].name, &j);

		kept[i] = n != NULL && same_place(&n->legs[0], &fs->cfg[i].legs[0]) &&
			  same_place(&n->legs[1], &fs->cfg[i].legs[1]);
		if (!kept[i]) {
			ms_session_del(t, fs->leg_ids[i][0]);
			if (n == NULL)
				r->removed++;
		}
	}
	for (uint32_t j = 0; j < cfg->nb_sessions; j++) {
		const struct ms_session_cfg *n = &cfg->sessions[j];
		uint32_t i;
		const struct ms_session_cfg *o = find(fs->cfg, fs->nb, n->name, &i);

		if (o == NULL || !kept[i]) {
			ret = ms_session_add(t, n->legs, ids[j], why, sizeof(why));
			if (ret < 0) {
				ids[j][0] = ids[j][1] = UINT32_MAX;
				snprintf(err, errlen, "sessions[%u] (%s): %s", j, n->name, why);
				break;
			}
			if (o == NULL)
				r->added++;
			else
				r->replaced++;
			continue;
		}
		ids[j][0] = fs->leg_ids[i][0];
		ids[j][1] = fs->leg_ids[i][1];
		for (unsigned l = 0; l < 2 && ret == 0; l++) {
			const struct ms_leg_cfg *nl = &n->legs[l], *ol = &o->legs[l];

			if (!same_keys(nl, ol)) {
				ret = ms_leg_set_keys(t, ids[j][l], (enum ms_leg_mode)nl->mode, &nl->recv,
						      &nl->send, why, sizeof(why));
				r->rekeyed += ret == 0;
			}
			if (ret == 0 && !same_peer(nl, ol)) {
				ret = ms_leg_set_peer(t, ids[j][l], nl->peer_learn ? NULL : &nl->peer,
						      nl->peer_port,
						      nl->rtcp_mux ? nl->peer_port : nl->peer_rtcp_port,
						      nl->peer_learn, nl->strict_source, why, sizeof(why));
				r->repeered += ret == 0;
			}
			if (ret < 0)
				snprintf(err, errlen, "sessions[%u] (%s).legs[%u]: %s", j, n->name, l, why);
		}
		if (ret < 0)
			break;
	}
	/*
	 * A failure halfway leaves the sessions applied so far in place: they
	 * are what the dataplane runs now, and what we remember from here on.
	 * Sessions not reached keep running as they were.
	 */
	if (ret < 0) {
		for (uint32_t j = 0; j < cfg->nb_sessions; j++) {
			uint32_t i;

			if (ids[j][0] != UINT32_MAX)
				continue;
			if (find(fs->cfg, fs->nb, cfg->sessions[j].name, &i) != NULL && kept[i]) {
				ids[j][0] = fs->leg_ids[i][0];
				ids[j][1] = fs->leg_ids[i][1];
			}
		}
		MS_LOG(ERR, ctl, "reload stopped: %s", err);
	}
	free(kept);
	ms_file_sessions_free(fs);
	take_sessions(fs, cfg, ids);
	return ret;
}

void
ms_file_sessions_free(struct ms_file_sessions *fs)
{
	if (fs->cfg != NULL)
		ms_secmem_free(fs->cfg);
	free(fs->leg_ids);
	memset(fs, 0, sizeof(*fs));
}
