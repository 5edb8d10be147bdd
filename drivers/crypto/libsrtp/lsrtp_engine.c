/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "engines.h"
#include "kat.h"
#include "ms_log.h"
#include "secmem.h"
#include "srtp_proto.h"

/*
 * The reference engine: libsrtp2, one packet at a time, with libsrtp's own
 * index estimation and replay database. It is the oracle for the cross-check
 * tests and the baseline of the benchmark. Validation before libsrtp sees a
 * packet, and key usage accounting, are shared with the fast engine so both
 * report the same results.
 *
 * Limits, refused with -ENOTSUP at context or stream creation: a second key
 * is selected by MKI and used for sending at once (no switch by index), and
 * the initial ROC of new SSRCs is 0. libsrtp keeps the SRTCP replay window at
 * 128 packets whatever the stream's window.
 */

struct lsrtp_ctx {
	struct ms_srtp_ctx head;
	srtp_crypto_policy_t rtp;
	srtp_crypto_policy_t rtcp;
	srtp_master_key_t mkeys[MS_SRTP_MAX_KEYS];
	srtp_master_key_t *mkey_ptrs[MS_SRTP_MAX_KEYS];
	uint8_t material[MS_SRTP_MAX_KEYS][MS_SRTP_MAX_KEY_LEN + MS_SRTP_MAX_SALT_LEN];
	uint8_t mki[MS_SRTP_MAX_KEYS][MS_SRTP_MAX_MKI_LEN];
};

/* Owner lcore: rw, including the libsrtp session, which holds the bound context's keys. */
struct lsrtp_stream {
	struct ms_srtp_stream head;
	srtp_t session;
	uint32_t window;
};

struct lsrtp_lcore {
	struct ms_crypto_lcore head;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status;

static void
lsrtp_init(void)
{
	init_status = srtp_init();
}

static int
lsrtp_probe(void)
{
	pthread_once(&init_once, lsrtp_init);
	if (init_status != srtp_err_status_ok) {
		MS_LOG(ERR, crypto, "libsrtp2 failed to initialise (%d)", init_status);
		return -ENOTSUP;
	}
	return 0;
}

static enum ms_srtp_result
map_status(srtp_err_status_t st, bool unprotect)
{
	switch (st) {
	case srtp_err_status_ok:
		return MS_SRTP_OK;
	case srtp_err_status_auth_fail:
		return MS_SRTP_AUTH_FAIL;
	case srtp_err_status_replay_fail:
		return MS_SRTP_REPLAY;
	case srtp_err_status_replay_old:
	case srtp_err_status_pkt_idx_old:
		return MS_SRTP_TOO_OLD;
	case srtp_err_status_bad_mki:
		return MS_SRTP_UNKNOWN_MKI;
	case srtp_err_status_key_expired:
		return MS_SRTP_KEY_EXPIRED;
	case srtp_err_status_parse_err:
	case srtp_err_status_bad_param:
		return MS_SRTP_BAD_LENGTH;
	case srtp_err_status_cipher_fail:
		/* an AEAD tag that does not verify surfaces as a cipher failure */
		return unprotect ? MS_SRTP_AUTH_FAIL : MS_SRTP_CRYPTO_ERROR;
	default:
		return MS_SRTP_CRYPTO_ERROR;
	}
}

static void
set_policies(struct lsrtp_ctx *c, enum ms_srtp_suite suite, bool rtcp_unencrypted)
{
	switch (suite) {
	case MS_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&c->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&c->rtcp);
		break;
	case MS_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&c->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&c->rtcp);
		break;
	case MS_SUITE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&c->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&c->rtcp);
		break;
	case MS_SUITE_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&c->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&c->rtcp);
		break;
	case MS_SUITE_NULL_HMAC_SHA1_80:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&c->rtp);
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&c->rtcp);
		break;
	case MS_SUITE_NULL_HMAC_SHA1_32:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&c->rtp);
		c->rtp.auth_tag_len = 4;
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&c->rtcp);
		break;
	case MS_SUITE_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&c->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&c->rtcp);
		break;
	case MS_SUITE_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&c->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&c->rtcp);
		break;
	default:
		break;
	}
	if (rtcp_unencrypted)
		c->rtcp.sec_serv = sec_serv_auth;
}

/* libsrtp picks a key by MKI and sends with the last one: no switch by index. */
static int
keys_supported(const struct ms_srtp_ctx_cfg *cfg)
{
	if (cfg->nb_keys > 1 && (cfg->mki_len == 0 || cfg->keys[1].rtp_from != 0 ||
				 cfg->keys[1].rtcp_from != 0)) {
		MS_LOG(ERR, crypto, "libsrtp2 engine: a second key must carry an MKI and apply at once");
		return -ENOTSUP;
	}
	return 0;
}

/* A context with its head and policies set, its key material still to copy. */
static struct lsrtp_ctx *
ctx_alloc(const struct ms_srtp_ctx_cfg *cfg)
{
	struct lsrtp_ctx *c = ms_secmem_alloc(sizeof(*c));

	if (c != NULL) {
		ms_srtp_ctx_init_head(&c->head, &ms_engine_libsrtp, cfg);
		set_policies(c, cfg->suite, cfg->flags & MS_SRTP_CTX_RTCP_UNENCRYPTED);
	}
	return c;
}

/* Points libsrtp's key descriptions at this context's own arrays. */
static void
link_keys(struct lsrtp_ctx *c)
{
	for (unsigned k = 0; k < c->head.view.nb_keys; k++) {
		memcpy(c->mki[k], c->head.mki[k], c->head.view.mki_len);
		c->mkeys[k].key = c->material[k];
		c->mkeys[k].mki_id = c->mki[k];
		c->mkeys[k].mki_size = c->head.view.mki_len;
		c->mkey_ptrs[k] = &c->mkeys[k];
	}
}

static void
set_material(struct lsrtp_ctx *c, unsigned slot, const struct ms_srtp_key_cfg *kc)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(c->head.suite);

	memcpy(c->material[slot], kc->key, si->master_key_len);
	memcpy(c->material[slot] + si->master_key_len, kc->salt, si->master_salt_len);
}

static int
lsrtp_ctx_create(const struct ms_srtp_ctx_cfg *cfg, struct ms_srtp_ctx **ctx)
{
	int ret = ms_srtp_ctx_create_check(cfg);

	if (ret == 0)
		ret = keys_supported(cfg);
	if (ret < 0)
		return ret;
	struct lsrtp_ctx *c = ctx_alloc(cfg);

	if (c == NULL)
		return -ENOMEM;
	for (unsigned k = 0; k < cfg->nb_keys; k++)
		set_material(c, k, &cfg->keys[k]);
	link_keys(c);
	*ctx = &c->head;
	return 0;
}

/* libsrtp derives session keys itself: a kept slot's material is its master key. */
static int
lsrtp_ctx_rekey(const struct ms_srtp_ctx *old, const uint8_t *keep, unsigned nb_keep,
		const struct ms_srtp_key_cfg *add, struct ms_srtp_ctx **ctx)
{
	const struct lsrtp_ctx *o = (const struct lsrtp_ctx *)old;
	struct ms_srtp_ctx_cfg cfg;

	ms_srtp_rekey_cfg(old, keep, nb_keep, add, &cfg);
	int ret = keys_supported(&cfg);

	if (ret < 0)
		return ret;
	struct lsrtp_ctx *c = ctx_alloc(&cfg);

	if (c == NULL)
		return -ENOMEM;
	for (unsigned k = 0; k < nb_keep; k++)
		memcpy(c->material[k], o->material[keep[k]], sizeof(c->material[k]));
	if (add != NULL)
		set_material(c, nb_keep, add);
	link_keys(c);
	*ctx = &c->head;
	return 0;
}

static void
lsrtp_ctx_free(struct ms_srtp_ctx *ctx)
{
	ms_secmem_free(ctx);
}

/* libsrtp copies the keys into its session; the policy only lends them. */
static srtp_err_status_t
apply_ctx(struct lsrtp_stream *s, const struct lsrtp_ctx *c)
{
	srtp_policy_t policy;
	srtp_err_status_t st;

	memset(&policy, 0, sizeof(policy));
	policy.ssrc.type = s->head.dir == MS_SRTP_PROTECT ? ssrc_any_outbound : ssrc_any_inbound;
	policy.rtp = c->rtp;
	policy.rtcp = c->rtcp;
	policy.window_size = s->window;
	if (c->head.view.mki_len > 0) {
		policy.keys = (srtp_master_key_t **)c->mkey_ptrs;
		policy.num_master_keys = c->head.view.nb_keys;
	} else {
		policy.key = (unsigned char *)c->material[0];
	}
	st = s->session == NULL ? srtp_create(&s->session, &policy)
				: srtp_update(s->session, &policy);
	if (st == srtp_err_status_ok)
		ms_srtp_stream_rebind(&s->head, &c->head);
	return st;
}

static int
lsrtp_stream_create(const struct ms_srtp_stream_cfg *cfg, struct ms_srtp_ctx *ctx,
		    struct ms_srtp_stream **stream)
{
	int ret = ms_srtp_stream_create_check(cfg, ctx, &ms_engine_libsrtp);

	if (ret < 0)
		return ret;
	if (cfg->initial_roc != 0) {
		MS_LOG(ERR, crypto, "libsrtp2 engine: streams start at ROC 0");
		return -ENOTSUP;
	}
	struct lsrtp_stream *s = aligned_alloc(RTE_CACHE_LINE_SIZE,
					       RTE_ALIGN_CEIL(sizeof(*s), RTE_CACHE_LINE_SIZE));
	if (s == NULL)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->head.ctx = ctx;
	s->head.dir = (uint8_t)cfg->dir;
	s->window = cfg->replay_window ? cfg->replay_window : MS_SRTP_REPLAY_WINDOW_DEFAULT;
	if (apply_ctx(s, (const struct lsrtp_ctx *)ctx) != srtp_err_status_ok) {
		free(s);
		return -EINVAL;
	}
	*stream = &s->head;
	return 0;
}

static void
lsrtp_stream_free(struct ms_srtp_stream *stream)
{
	struct lsrtp_stream *s = (struct lsrtp_stream *)stream;

	if (s->session != NULL)
		srtp_dealloc(s->session);
	free(s);
}

static int
lsrtp_lcore_create(int socket_id, struct ms_crypto_lcore **lc)
{
	struct lsrtp_lcore *l = calloc(1, sizeof(*l));

	RTE_SET_USED(socket_id);
	if (l == NULL)
		return -ENOMEM;
	l->head.engine = &ms_engine_libsrtp;
	*lc = &l->head;
	return 0;
}

static void
lsrtp_lcore_free(struct ms_crypto_lcore *lc)
{
	free(lc);
}

/*
 * The stream's session follows its published context: the owner applies a
 * new one, and binds the stream to it only once libsrtp took its keys.
 */
static const struct lsrtp_ctx *
current_ctx(struct lsrtp_stream *s)
{
	const struct lsrtp_ctx *c = (const struct lsrtp_ctx *)ms_srtp_stream_ctx(&s->head);

	if (unlikely(ms_srtp_stream_bound(&s->head) != &c->head) &&
	    apply_ctx(s, c) != srtp_err_status_ok)
		return NULL;
	return c;
}

/*
 * One packet through libsrtp. Validation and key accounting are the fast
 * engine's, so both engines report the same result for the same packet.
 */
static enum ms_srtp_result
transform_one(struct lsrtp_stream *s, struct rte_mbuf *m, bool rtcp, bool protect)
{
	const struct lsrtp_ctx *c = current_ctx(s);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	int len = rte_pktmbuf_data_len(m);
	struct ms_rtp_view v = {0};
	enum ms_srtp_result r;
	unsigned slot = 0;

	if (c == NULL)
		return MS_SRTP_CRYPTO_ERROR;

	const struct ms_srtp_ctx_view *vw = &c->head.view;
	unsigned tag_len = rtcp ? c->head.rtcp_tag_len : vw->rtp_tag_len;
	unsigned trailer = (rtcp ? MS_SRTCP_TRAILER_LEN : 0) + vw->mki_len + tag_len;
	bool gcm = vw->cipher == MS_CIPHER_AES_GCM;

	if (protect) {
		/* a second key carries an MKI and is used for sending at once */
		slot = vw->nb_keys - 1u;
		r = rtcp ? ms_rtcp_check(p, (uint32_t)len, 0)
			 : ms_rtp_parse(p, (uint32_t)len, 0, true, &v);
		if (r == MS_SRTP_OK && !ms_srtp_has_room(m, trailer))
			r = MS_SRTP_NO_ROOM;
	} else {
		r = rte_pktmbuf_is_contiguous(m) ? MS_SRTP_OK : MS_SRTP_NO_ROOM;
		if (r == MS_SRTP_OK)
			r = rtcp ? ms_rtcp_check(p, (uint32_t)len, trailer)
				 : ms_rtp_parse(p, (uint32_t)len, trailer, false, &v);
		if (r == MS_SRTP_OK && vw->mki_len > 0) {
			/* SRTP: MKI before the tag (AEAD: after it); SRTCP: last (AEAD) or before the tag */
			const uint8_t *mki = rtcp ? p + len - vw->mki_len - (gcm ? 0 : tag_len)
						  : p + v.rtp_len + (gcm ? tag_len : 0);
			int k = ms_srtp_slot_by_mki(&c->head, mki);

			if (k < 0)
				r = MS_SRTP_UNKNOWN_MKI;
			slot = (unsigned)RTE_MAX(k, 0);
		}
	}
	if (r == MS_SRTP_OK && (rtcp ? ms_srtp_key_rtcp_expired(&s->head, &c->head, slot)
				     : ms_srtp_key_rtp_expired(&s->head, &c->head, slot)))
		r = MS_SRTP_KEY_EXPIRED;
	if (r != MS_SRTP_OK)
		return r;

	bool use_mki = vw->mki_len > 0;
	srtp_err_status_t st;

	if (protect)
		st = rtcp ? srtp_protect_rtcp_mki(s->session, p, &len, use_mki, slot)
			  : srtp_protect_mki(s->session, p, &len, use_mki, slot);
	else
		st = rtcp ? srtp_unprotect_rtcp_mki(s->session, p, &len, use_mki)
			  : srtp_unprotect_mki(s->session, p, &len, use_mki);
	r = map_status(st, !protect);
	/* the RTP padding count is readable only in plaintext */
	if (r == MS_SRTP_OK && !protect && !rtcp && (p[0] & 0x20)) {
		uint8_t pad = p[len - 1];

		if (pad == 0 || pad > len - v.hdr_len)
			r = MS_SRTP_BAD_LENGTH;
	}
	if (r != MS_SRTP_OK)
		return r;
	if (rtcp)
		ms_srtp_key_count_rtcp(&s->head, &c->head, slot);
	else
		ms_srtp_key_count_rtp(&s->head, &c->head, slot);
	if (protect)
		rte_pktmbuf_append(m, (uint16_t)(len - rte_pktmbuf_data_len(m)));
	else
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - len));
	return MS_SRTP_OK;
}

static uint16_t
transform_burst(struct rte_mbuf **pkts, struct ms_srtp_stream *const *streams, uint16_t n,
		uint8_t *res, bool rtcp, bool protect)
{
	uint16_t ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		res[i] = (uint8_t)transform_one((struct lsrtp_stream *)streams[i], pkts[i], rtcp,
						protect);
		ok += res[i] == MS_SRTP_OK;
	}
	return ok;
}

static uint16_t
lsrtp_rtp_protect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		  struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	RTE_SET_USED(lc);
	return transform_burst(pkts, streams, n, res, false, true);
}

static uint16_t
lsrtp_rtp_unprotect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		    struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	RTE_SET_USED(lc);
	return transform_burst(pkts, streams, n, res, false, false);
}

static uint16_t
lsrtp_rtcp_protect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		   struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	RTE_SET_USED(lc);
	return transform_burst(pkts, streams, n, res, true, true);
}

static uint16_t
lsrtp_rtcp_unprotect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		     struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	RTE_SET_USED(lc);
	return transform_burst(pkts, streams, n, res, true, false);
}

/* libsrtp keeps its SSRCs itself, unbounded, and never evicts one. */
static void
lsrtp_stream_info(const struct ms_srtp_stream *stream, struct ms_srtp_stream_info *info)
{
	RTE_SET_USED(stream);
	info->nb_ssrc = 0;
	info->ssrc_evictions = 0;
}

static int
lsrtp_selftest(void)
{
	return ms_kat_run_packets(&ms_engine_libsrtp, NULL);
}

const struct ms_crypto_engine ms_engine_libsrtp = {
	.name = "libsrtp2",
	.description = "libsrtp2 reference engine, one packet at a time",
	.probe = lsrtp_probe,
	.selftest = lsrtp_selftest,
	.lcore_create = lsrtp_lcore_create,
	.lcore_free = lsrtp_lcore_free,
	.ctx_create = lsrtp_ctx_create,
	.ctx_rekey = lsrtp_ctx_rekey,
	.ctx_free = lsrtp_ctx_free,
	.stream_create = lsrtp_stream_create,
	.stream_free = lsrtp_stream_free,
	.hot_ctx_size = NULL,
	.stream_info = lsrtp_stream_info,
	.rtp_protect = lsrtp_rtp_protect,
	.rtp_unprotect = lsrtp_rtp_unprotect,
	.rtcp_protect = lsrtp_rtcp_protect,
	.rtcp_unprotect = lsrtp_rtcp_unprotect,
};
