/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ms_log.h"
#include "srtp.h"
#include "engines.h"

static const struct ms_crypto_engine *const engines[] = {
	&ms_engine_ipsecmb,
#ifdef MS_HAVE_LIBSRTP2
	&ms_engine_libsrtp,
#endif
};

/* Result of probe + known-answer tests, per engine: 1 not run, else 0 or -errno. */
static int engine_state[RTE_DIM(engines)] = {[0 ... RTE_DIM(engines) - 1] = 1};
static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;

const struct ms_crypto_engine *
ms_crypto_engine_find(const char *name)
{
	for (unsigned i = 0; i < RTE_DIM(engines); i++)
		if (strcmp(engines[i]->name, name) == 0)
			return engines[i];
	return NULL;
}

const struct ms_crypto_engine *const *
ms_crypto_engine_list(unsigned *count)
{
	*count = RTE_DIM(engines);
	return engines;
}

int
ms_crypto_engine_init(const struct ms_crypto_engine *engine)
{
	unsigned i;
	int ret;

	for (i = 0; i < RTE_DIM(engines); i++)
		if (engines[i] == engine)
			break;
	if (i == RTE_DIM(engines))
		return -ENOENT;

	pthread_mutex_lock(&engine_lock);
	if (engine_state[i] != 1) {
		ret = engine_state[i];
		pthread_mutex_unlock(&engine_lock);
		return ret;
	}
	ret = engine->probe();
	if (ret < 0) {
		MS_LOG(ERR, crypto, "engine %s cannot run on this machine", engine->name);
	} else {
		ret = engine->selftest();
		if (ret < 0)
			MS_LOG(ERR, crypto, "engine %s failed its known-answer tests: refusing to use it",
			       engine->name);
		else
			MS_LOG(INFO, crypto, "engine %s: known-answer tests passed", engine->name);
	}
	engine_state[i] = ret;
	pthread_mutex_unlock(&engine_lock);
	return ret;
}

static int
key_cfg_check(const struct ms_srtp_suite_info *si, const struct ms_srtp_key_cfg *kc,
	      const char **why)
{
	uint8_t acc = 0;

	for (unsigned b = 0; b < si->master_key_len; b++)
		acc |= kc->key[b];
	if (acc == 0) {
		*why = "master key is all zeros";
		return -EINVAL;
	}
	if (kc->rtp_lifetime > MS_SRTP_RTP_LIFETIME_MAX ||
	    kc->rtcp_lifetime > MS_SRTP_RTCP_LIFETIME_MAX - 1) {
		*why = "key lifetime beyond the RFC 3711 limit";
		return -EINVAL;
	}
	return 0;
}

int
ms_srtp_ctx_cfg_check(const struct ms_srtp_ctx_cfg *cfg, const char **why)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(cfg->suite);

	if (si == NULL) {
		*why = "unknown suite";
		return -EINVAL;
	}
	if (cfg->mki_len > MS_SRTP_MAX_MKI_LEN) {
		*why = "MKI longer than 4 bytes";
		return -EINVAL;
	}
	if (cfg->nb_keys < 1 || cfg->nb_keys > MS_SRTP_MAX_KEYS) {
		*why = "a context holds one or two keys";
		return -EINVAL;
	}
	if (cfg->flags & ~MS_SRTP_CTX_RTCP_UNENCRYPTED) {
		*why = "unknown context flag";
		return -EINVAL;
	}
	for (unsigned k = 0; k < cfg->nb_keys; k++)
		if (key_cfg_check(si, &cfg->keys[k], why) < 0)
			return -EINVAL;
	if (cfg->nb_keys == 2 && cfg->keys[0].id != 0 && cfg->keys[0].id == cfg->keys[1].id) {
		*why = "two keys with the same id";
		return -EINVAL;
	}
	if (cfg->nb_keys == 2 && cfg->mki_len > 0 &&
	    memcmp(cfg->keys[0].mki, cfg->keys[1].mki, cfg->mki_len) == 0) {
		*why = "two keys with the same MKI";
		return -EINVAL;
	}
	return 0;
}

int
ms_srtp_stream_cfg_check(const struct ms_srtp_stream_cfg *cfg, const char **why)
{
	if (cfg->dir != MS_SRTP_PROTECT && cfg->dir != MS_SRTP_UNPROTECT) {
		*why = "direction must be protect or unprotect";
		return -EINVAL;
	}
	if (cfg->replay_window != 0 &&
	    (cfg->replay_window < MS_SRTP_REPLAY_WINDOW_MIN ||
	     cfg->replay_window > MS_SRTP_REPLAY_WINDOW_MAX)) {
		*why = "replay window must be 64..8192 packets";
		return -EINVAL;
	}
	return 0;
}

int
ms_srtp_ctx_create_check(const struct ms_srtp_ctx_cfg *cfg)
{
	const char *why;
	int ret = ms_srtp_ctx_cfg_check(cfg, &why);

	if (ret < 0)
		MS_LOG(ERR, crypto, "bad crypto context: %s", why);
	return ret;
}

int
ms_srtp_stream_create_check(const struct ms_srtp_stream_cfg *cfg, const struct ms_srtp_ctx *ctx,
			    const struct ms_crypto_engine *engine)
{
	const char *why = "the context belongs to another engine";
	int ret = ms_srtp_stream_cfg_check(cfg, &why);

	if (ret == 0 && (ctx == NULL || ctx->engine != engine))
		ret = -EINVAL;
	if (ret < 0)
		MS_LOG(ERR, crypto, "bad stream: %s", why);
	return ret;
}

/*
 * Kept keys were checked when old was built; only the slot list and the new
 * key need checking, and the new key against the kept ones.
 */
int
ms_srtp_ctx_rekey(const struct ms_srtp_ctx *old, const uint8_t *keep, unsigned nb_keep,
		  const struct ms_srtp_key_cfg *add, struct ms_srtp_ctx **ctx, const char **why)
{
	unsigned nb_keys = nb_keep + (add != NULL);
	int ret;

	if (nb_keys < 1 || nb_keys > MS_SRTP_MAX_KEYS) {
		*why = "a context holds one or two keys";
		return -EINVAL;
	}
	for (unsigned i = 0; i < nb_keep; i++) {
		if (keep[i] >= old->view.nb_keys) {
			*why = "kept slot not in the old context";
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++) {
			if (keep[j] == keep[i]) {
				*why = "slot kept twice";
				return -EINVAL;
			}
		}
		if (add == NULL)
			continue;
		if (add->id != 0 && add->id == old->key_id[keep[i]]) {
			*why = "two keys with the same id";
			return -EINVAL;
		}
		if (old->view.mki_len > 0 &&
		    memcmp(add->mki, old->mki[keep[i]], old->view.mki_len) == 0) {
			*why = "two keys with the same MKI";
			return -EINVAL;
		}
	}
	if (add != NULL && key_cfg_check(ms_srtp_suite_info(old->suite), add, why) < 0)
		return -EINVAL;
	if (old->engine->ctx_rekey == NULL) {
		*why = "the engine cannot rekey a context";
		return -ENOTSUP;
	}
	ret = old->engine->ctx_rekey(old, keep, nb_keep, add, ctx);
	if (ret < 0)
		*why = ret == -ENOTSUP ? "the engine does not support this key set"
				       : "the engine could not build the context";
	return ret;
}

void
ms_srtp_rekey_cfg(const struct ms_srtp_ctx *old, const uint8_t *keep, unsigned nb_keep,
		  const struct ms_srtp_key_cfg *add, struct ms_srtp_ctx_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->suite = (enum ms_srtp_suite)old->suite;
	cfg->mki_len = old->view.mki_len;
	cfg->nb_keys = (uint8_t)(nb_keep + (add != NULL));
	if (old->view.cipher != MS_CIPHER_NULL && !old->rtcp_encrypt)
		cfg->flags |= MS_SRTP_CTX_RTCP_UNENCRYPTED;
	for (unsigned k = 0; k < nb_keep; k++) {
		struct ms_srtp_key_cfg *kc = &cfg->keys[k];
		unsigned o = keep[k];

		/* a limit is the lifetime it was built from: init_head gives it back */
		kc->id = old->key_id[o];
		memcpy(kc->mki, old->mki[o], old->view.mki_len);
		kc->rtp_from = old->rtp_from[o];
		kc->rtcp_from = old->rtcp_from[o];
		kc->rtp_lifetime = old->rtp_limit[o];
		kc->rtcp_lifetime = old->rtcp_limit[o];
	}
	if (add != NULL) {
		struct ms_srtp_key_cfg *kc = &cfg->keys[nb_keep];

		kc->id = add->id;
		memcpy(kc->mki, add->mki, old->view.mki_len);
		kc->rtp_from = add->rtp_from;
		kc->rtcp_from = add->rtcp_from;
		kc->rtp_lifetime = add->rtp_lifetime;
		kc->rtcp_lifetime = add->rtcp_lifetime;
	}
}

/* Warn well before the hard limit, as libsrtp does with 2^16 packets to spare. */
static uint64_t
soft_limit(uint64_t limit)
{
	uint64_t margin = RTE_MIN(limit / 8, (uint64_t)1 << 16);

	return limit - RTE_MAX(margin, (uint64_t)1);
}

void
ms_srtp_ctx_init_head(struct ms_srtp_ctx *ctx, const struct ms_crypto_engine *engine,
		      const struct ms_srtp_ctx_cfg *cfg)
{
	static uint32_t next_key_id = 1;
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(cfg->suite);

	ctx->engine = engine;
	ctx->suite = (uint8_t)cfg->suite;
	ctx->view.cipher = (uint8_t)si->cipher;
	ctx->view.mki_len = cfg->mki_len;
	ctx->view.nb_keys = cfg->nb_keys;
	ctx->view.rtp_tag_len = si->rtp_tag_len;
	ctx->view.aes_key_len = si->cipher == MS_CIPHER_NULL ? 0 : si->master_key_len;
	ctx->rtcp_tag_len = si->rtcp_tag_len;
	ctx->rtcp_encrypt = si->cipher != MS_CIPHER_NULL &&
			    !(cfg->flags & MS_SRTP_CTX_RTCP_UNENCRYPTED);
	for (unsigned k = 0; k < cfg->nb_keys; k++) {
		const struct ms_srtp_key_cfg *kc = &cfg->keys[k];
		uint64_t rtp = kc->rtp_lifetime ? kc->rtp_lifetime : MS_SRTP_RTP_LIFETIME_MAX;
		uint64_t rtcp = kc->rtcp_lifetime ? kc->rtcp_lifetime : MS_SRTP_RTCP_LIFETIME_MAX - 1;

		ctx->key_id[k] = kc->id ? kc->id : __atomic_fetch_add(&next_key_id, 1, __ATOMIC_RELAXED);
		ctx->rtp_from[k] = kc->rtp_from;
		ctx->rtcp_from[k] = kc->rtcp_from;
		ctx->rtp_limit[k] = rtp;
		ctx->rtp_soft[k] = soft_limit(rtp);
		ctx->rtcp_limit[k] = (uint32_t)rtcp;
		ctx->rtcp_soft[k] = (uint32_t)soft_limit(rtcp);
		memcpy(ctx->mki[k], kc->mki, cfg->mki_len);
		if (rtp != MS_SRTP_RTP_LIFETIME_MAX)
			ctx->view.flags |= MS_SRTP_VIEW_CUSTOM_LIFETIME;
	}
}
