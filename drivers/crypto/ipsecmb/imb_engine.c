/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "engines.h"
#include "imb.h"
#include "ms_log.h"
#include "replay.h"
#include "secmem.h"

/* RFC 3711 section 4.3.2 and RFC 7714 section 11: KDF labels */
enum {
	LABEL_RTP_ENC = 0x00,
	LABEL_RTP_AUTH = 0x01,
	LABEL_RTP_SALT = 0x02,
	LABEL_RTCP_ENC = 0x03,
	LABEL_RTCP_AUTH = 0x04,
	LABEL_RTCP_SALT = 0x05,
};

#define HMAC_SHA1_KEY_LEN 20
#define SHA1_BLOCK 64

/*
 * The control thread derives keys with its own manager: an IMB_MGR is not
 * thread-safe, and the workers' managers belong to the workers.
 */
static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static IMB_MGR *ctl_mgr;

static IMB_MGR *
ctl_mgr_get(void)
{
	if (ctl_mgr == NULL) {
		IMB_ARCH arch;

		ctl_mgr = alloc_mb_mgr(0);
		if (ctl_mgr != NULL)
			init_mb_mgr_auto(ctl_mgr, &arch);
	}
	return ctl_mgr;
}

static int
keystream_locked(IMB_MGR *mgr, const uint8_t *key, unsigned key_len, const uint8_t iv[16],
		 uint8_t *out, unsigned len)
{
	uint8_t enc[15 * 16] __rte_aligned(16), dec[15 * 16] __rte_aligned(16);
	IMB_JOB *job;
	int ret = 0;

	if (key_len == 16)
		IMB_AES_KEYEXP_128(mgr, key, enc, dec);
	else if (key_len == 32)
		IMB_AES_KEYEXP_256(mgr, key, enc, dec);
	else
		return -EINVAL;

	memset(out, 0, len);
	job = IMB_GET_NEXT_JOB(mgr);
	job->cipher_mode = IMB_CIPHER_CNTR;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = enc;
	job->dec_keys = dec;
	job->key_len_in_bytes = key_len;
	job->src = out;
	job->dst = out;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->iv = iv;
	job->iv_len_in_bytes = 16;
	job = IMB_SUBMIT_JOB(mgr);
	if (job == NULL)
		job = IMB_FLUSH_JOB(mgr);
	if (job == NULL || job->status != IMB_STATUS_COMPLETED)
		ret = -EIO;
	while (IMB_FLUSH_JOB(mgr) != NULL)
		;
	ms_secure_zero(enc, sizeof(enc));
	ms_secure_zero(dec, sizeof(dec));
	return ret;
}

int
imb_keystream(const uint8_t *key, unsigned key_len, const uint8_t iv[16], uint8_t *out,
	      unsigned len)
{
	int ret = -ENOMEM;

	pthread_mutex_lock(&ctl_lock);
	IMB_MGR *mgr = ctl_mgr_get();
	if (mgr != NULL)
		ret = keystream_locked(mgr, key, key_len, iv, out, len);
	pthread_mutex_unlock(&ctl_lock);
	return ret;
}

/*
 * RFC 3711 section 4.3.1 with key derivation rate 0: x = (label << 48) XOR
 * master salt, the keystream of AES-CM under the master key at x * 2^16 is
 * the session key. A 12-byte AEAD salt is zero-padded to 14 bytes first
 * (RFC 7714 section 11, as libsrtp does).
 */
int
imb_kdf(const uint8_t *master_key, unsigned key_len, const uint8_t *master_salt,
	unsigned salt_len, uint8_t label, uint8_t *out, unsigned out_len)
{
	uint8_t x[16] = {0};

	if (salt_len > 14)
		return -EINVAL;
	memcpy(x, master_salt, salt_len);
	x[7] ^= label;
	int ret = imb_keystream(master_key, key_len, x, out, out_len);
	ms_secure_zero(x, sizeof(x));
	return ret;
}

static void
hmac_precompute(IMB_MGR *mgr, const uint8_t key[HMAC_SHA1_KEY_LEN], uint8_t pad_byte,
		uint8_t *state)
{
	uint8_t block[SHA1_BLOCK] __rte_aligned(16);

	memset(block, pad_byte, sizeof(block));
	for (unsigned i = 0; i < HMAC_SHA1_KEY_LEN; i++)
		block[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(mgr, block, state);
	ms_secure_zero(block, sizeof(block));
}

int
imb_cm_keys_init(struct imb_cm_keys *k, const uint8_t *enc_key, unsigned key_len,
		 const uint8_t *salt14, const uint8_t auth_key[20])
{
	uint8_t dec[15 * 16] __rte_aligned(16);
	int ret = 0;

	pthread_mutex_lock(&ctl_lock);
	IMB_MGR *mgr = ctl_mgr_get();
	if (mgr == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	memset(k->salt, 0, sizeof(k->salt));
	if (salt14 != NULL)
		memcpy(k->salt, salt14, 14);
	if (key_len == 16)
		IMB_AES_KEYEXP_128(mgr, enc_key, k->enc_keys, dec);
	else if (key_len == 32)
		IMB_AES_KEYEXP_256(mgr, enc_key, k->enc_keys, dec);
	else if (key_len != 0)
		ret = -EINVAL;
	hmac_precompute(mgr, auth_key, 0x36, k->ipad);
	hmac_precompute(mgr, auth_key, 0x5c, k->opad);
	ms_secure_zero(dec, sizeof(dec));
out:
	pthread_mutex_unlock(&ctl_lock);
	return ret;
}

int
imb_gcm_keys_init(struct imb_gcm_keys *k, const uint8_t *enc_key, unsigned key_len,
		  const uint8_t salt12[12])
{
	int ret = 0;

	pthread_mutex_lock(&ctl_lock);
	IMB_MGR *mgr = ctl_mgr_get();
	if (mgr == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	memset(k->salt, 0, sizeof(k->salt));
	memcpy(k->salt, salt12, 12);
	if (key_len == 16)
		IMB_AES128_GCM_PRE(mgr, enc_key, &k->key);
	else if (key_len == 32)
		IMB_AES256_GCM_PRE(mgr, enc_key, &k->key);
	else
		ret = -EINVAL;
out:
	pthread_mutex_unlock(&ctl_lock);
	return ret;
}

/* Session keys of one packet kind, derived from one master key. */
struct session_keys {
	uint8_t enc[32];
	uint8_t salt[14];
	uint8_t auth[HMAC_SHA1_KEY_LEN];
};

static int
derive(const struct ms_srtp_suite_info *si, const struct ms_srtp_key_cfg *kc, bool rtcp,
       struct session_keys *sk)
{
	unsigned klen = si->master_key_len, slen = si->master_salt_len;
	uint8_t base = rtcp ? LABEL_RTCP_ENC : LABEL_RTP_ENC;
	int ret = 0;

	if (si->cipher != MS_CIPHER_NULL) {
		ret = imb_kdf(kc->key, klen, kc->salt, slen, base, sk->enc, klen);
		if (ret == 0)
			ret = imb_kdf(kc->key, klen, kc->salt, slen, base + 2, sk->salt, slen);
	}
	if (ret == 0 && si->cipher != MS_CIPHER_AES_GCM)
		ret = imb_kdf(kc->key, klen, kc->salt, slen, base + 1, sk->auth, sizeof(sk->auth));
	return ret;
}

static int
slot_init(struct imb_ctx *c, unsigned slot, const struct ms_srtp_suite_info *si,
	  const struct ms_srtp_key_cfg *kc)
{
	struct session_keys sk;
	int ret = 0;

	for (unsigned rtcp = 0; rtcp <= 1 && ret == 0; rtcp++) {
		memset(&sk, 0, sizeof(sk));
		ret = derive(si, kc, rtcp, &sk);
		if (ret != 0)
			break;
		if (si->cipher == MS_CIPHER_AES_GCM) {
			struct imb_gcm_slot *gs = (struct imb_gcm_slot *)c->slots + slot;

			ret = imb_gcm_keys_init(rtcp ? &gs->rtcp : &gs->rtp, sk.enc,
						si->master_key_len, sk.salt);
		} else {
			struct imb_cm_slot *cs = (struct imb_cm_slot *)c->slots + slot;
			unsigned klen = si->cipher == MS_CIPHER_NULL ? 0 : si->master_key_len;

			ret = imb_cm_keys_init(rtcp ? &cs->rtcp : &cs->rtp, sk.enc, klen, sk.salt,
					       sk.auth);
		}
	}
	ms_secure_zero(&sk, sizeof(sk));
	return ret;
}

static struct imb_ctx *
ctx_alloc(const struct ms_srtp_ctx_cfg *cfg)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(cfg->suite);
	size_t size = sizeof(struct imb_ctx) + cfg->nb_keys * imb_slot_size(si->cipher);
	struct imb_ctx *c = ms_secmem_alloc(size);

	if (c != NULL)
		ms_srtp_ctx_init_head(&c->head, &ms_engine_ipsecmb, cfg);
	return c;
}

static void
imb_ctx_free(struct ms_srtp_ctx *ctx)
{
	ms_secmem_free(ctx);
}

static int
imb_ctx_create(const struct ms_srtp_ctx_cfg *cfg, struct ms_srtp_ctx **ctx)
{
	const char *why;
	int ret = ms_srtp_ctx_cfg_check(cfg, &why);

	if (ret < 0) {
		MS_LOG(ERR, crypto, "bad crypto context: %s", why);
		return ret;
	}
	struct imb_ctx *c = ctx_alloc(cfg);
	if (c == NULL)
		return -ENOMEM;
	for (unsigned k = 0; k < cfg->nb_keys && ret == 0; k++)
		ret = slot_init(c, k, ms_srtp_suite_info(cfg->suite), &cfg->keys[k]);
	if (ret < 0) {
		ms_secmem_free(c);
		return ret;
	}
	*ctx = &c->head;
	return 0;
}

int
imb_ctx_from_session_keys(enum ms_srtp_suite suite, uint32_t flags, const uint8_t *enc_key,
			  const uint8_t *salt, const uint8_t *auth_key, struct ms_srtp_ctx **ctx)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(suite);
	struct ms_srtp_ctx_cfg cfg = {.suite = suite, .nb_keys = 1, .flags = flags};
	int ret;

	if (si == NULL)
		return -EINVAL;
	struct imb_ctx *c = ctx_alloc(&cfg);
	if (c == NULL)
		return -ENOMEM;
	for (unsigned rtcp = 0; rtcp <= 1; rtcp++) {
		if (si->cipher == MS_CIPHER_AES_GCM) {
			struct imb_gcm_slot *gs = (struct imb_gcm_slot *)c->slots;

			ret = imb_gcm_keys_init(rtcp ? &gs->rtcp : &gs->rtp, enc_key,
						si->master_key_len, salt);
		} else {
			struct imb_cm_slot *cs = (struct imb_cm_slot *)c->slots;
			unsigned klen = si->cipher == MS_CIPHER_NULL ? 0 : si->master_key_len;

			ret = imb_cm_keys_init(rtcp ? &cs->rtcp : &cs->rtp, enc_key, klen, salt,
					       auth_key);
		}
		if (ret < 0) {
			ms_secmem_free(c);
			return ret;
		}
	}
	*ctx = &c->head;
	return 0;
}

static int
imb_stream_create(const struct ms_srtp_stream_cfg *cfg, struct ms_srtp_ctx *ctx,
		  struct ms_srtp_stream **stream)
{
	const char *why;
	int ret = ms_srtp_stream_cfg_check(cfg, &why);

	if (ret < 0) {
		MS_LOG(ERR, crypto, "bad stream: %s", why);
		return ret;
	}
	if (ctx == NULL || ctx->engine != &ms_engine_ipsecmb)
		return -EINVAL;

	uint32_t window = cfg->replay_window ? cfg->replay_window : MS_SRTP_REPLAY_WINDOW_DEFAULT;
	uint32_t words = ms_replay_nb_words(window);
	size_t size = sizeof(struct imb_stream) + MS_SRTP_SSRC_SLOTS * imb_ssrc_stride(words - 1) +
		      sizeof(struct imb_stream_cold);
	struct imb_stream *s = rte_zmalloc("srtp_stream", size, RTE_CACHE_LINE_SIZE);

	RTE_BUILD_BUG_ON(sizeof(struct ms_srtp_stream) + 8 > RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(offsetof(struct imb_stream, ssrc_state) != RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(sizeof(struct imb_ssrc) != 32);
	RTE_BUILD_BUG_ON(sizeof(struct imb_gcm_keys) != 1024);
	if (s == NULL)
		return -ENOMEM;
	s->head.ctx = ctx;
	s->head.dir = (uint8_t)cfg->dir;
	s->window = (uint16_t)window;
	s->word_mask = (uint16_t)(words - 1);
	imb_stream_cold(s)->initial_roc = cfg->initial_roc;
	*stream = &s->head;
	return 0;
}

static void
imb_stream_free(struct ms_srtp_stream *stream)
{
	rte_free(stream);
}

struct imb_ssrc *
imb_ssrc_add(struct imb_stream *s, uint32_t ssrc)
{
	unsigned i;

	if (s->head.nb_ssrc < MS_SRTP_SSRC_SLOTS) {
		i = s->head.nb_ssrc;
		__atomic_store_n(&s->head.nb_ssrc, (uint8_t)(i + 1), __ATOMIC_RELAXED);
	} else {
		i = 0;
		for (unsigned j = 1; j < MS_SRTP_SSRC_SLOTS; j++)
			if ((int32_t)(imb_ssrc_at(s, j)->last_used - imb_ssrc_at(s, i)->last_used) < 0)
				i = j;
		struct imb_stream_cold *cold = imb_stream_cold(s);

		__atomic_store_n(&cold->ssrc_evictions, cold->ssrc_evictions + 1, __ATOMIC_RELAXED);
	}
	struct imb_ssrc *ss = imb_ssrc_at(s, i);

	memset(ss, 0, imb_ssrc_stride(s->word_mask));
	ss->ssrc = ssrc;
	return ss;
}

static void
lcore_free(struct ms_crypto_lcore *head)
{
	struct imb_lcore *lc = (struct imb_lcore *)head;

	if (lc == NULL)
		return;
	rte_free(lc->mgr);
	rte_free(lc->mgr_shani);
	rte_free(lc);
}

/* Managers live in memory of the worker's NUMA node. */
static IMB_MGR *
mgr_create(int socket_id, bool sse)
{
	void *mem = rte_zmalloc_socket("imb_mgr", imb_get_mb_mgr_size(), RTE_CACHE_LINE_SIZE,
				       socket_id);
	if (mem == NULL)
		return NULL;
	IMB_MGR *mgr = imb_set_pointers_mb_mgr(mem, 0, 1);
	if (sse) {
		init_mb_mgr_sse(mgr);
	} else {
		IMB_ARCH arch;

		init_mb_mgr_auto(mgr, &arch);
	}
	if (imb_get_errno(mgr) != 0) {
		rte_free(mem);
		return NULL;
	}
	return mgr;
}

static int
lcore_create(int socket_id, struct ms_crypto_lcore **out)
{
	struct imb_lcore *lc = rte_zmalloc_socket("imb_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
						  socket_id);
	if (lc == NULL)
		return -ENOMEM;
	lc->head.engine = &ms_engine_ipsecmb;
	lc->mgr = mgr_create(socket_id, false);
	if (lc->mgr == NULL)
		goto fail;
	if (lc->mgr->features & IMB_FEATURE_SHANI) {
		lc->mgr_shani = mgr_create(socket_id, true);
		if (lc->mgr_shani == NULL)
			goto fail;
	}
	/* Fields no burst changes are set once. */
	for (unsigned i = 0; i < IMB_SUB_BATCH; i++) {
		IMB_JOB *c = &lc->cipher_jobs[i];
		IMB_JOB *h = &lc->hash_jobs[i];

		c->cipher_mode = IMB_CIPHER_CNTR;
		c->cipher_direction = IMB_DIR_ENCRYPT;
		c->chain_order = IMB_ORDER_CIPHER_HASH;
		c->hash_alg = IMB_AUTH_NULL;
		c->iv_len_in_bytes = 16;
		h->cipher_mode = IMB_CIPHER_NULL;
		h->cipher_direction = IMB_DIR_ENCRYPT;
		h->chain_order = IMB_ORDER_HASH_CIPHER;
		h->hash_alg = IMB_AUTH_HMAC_SHA_1;
		h->auth_tag_output_len_in_bytes = IMB_HMAC_SHA1_OUT;
	}
	*out = &lc->head;
	return 0;
fail:
	lcore_free(&lc->head);
	return -ENOMEM;
}

int
imb_batch_run_ciphers(struct imb_batch *b)
{
	struct imb_lcore *lc = b->lc;

	if (b->nb_cm128 > 0 &&
	    IMB_SUBMIT_CIPHER_BURST(lc->mgr, lc->cipher_jobs, b->nb_cm128, IMB_CIPHER_CNTR,
				    IMB_DIR_ENCRYPT, IMB_KEY_128_BYTES) != b->nb_cm128)
		return -1;
	if (b->nb_cm256 > 0 &&
	    IMB_SUBMIT_CIPHER_BURST(lc->mgr, &lc->cipher_jobs[IMB_SUB_BATCH - b->nb_cm256],
				    b->nb_cm256, IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT,
				    IMB_KEY_256_BYTES) != b->nb_cm256)
		return -1;
	return 0;
}

int
imb_batch_run_hashes(struct imb_batch *b)
{
	struct imb_lcore *lc = b->lc;

	if (b->nb_hash == 0)
		return 0;
	IMB_MGR *mgr = b->nb_hash < IMB_SHANI_MAX_HASHES && lc->mgr_shani ? lc->mgr_shani : lc->mgr;


	if (IMB_SUBMIT_HASH_BURST(mgr, lc->hash_jobs, b->nb_hash, IMB_AUTH_HMAC_SHA_1) !=
	    b->nb_hash)
		return -1;
	return 0;
}

/*
 * Look-ahead prefetches go to L2: its miss queue takes a burst's worth of
 * requests, where the L1 miss buffers overflow and silently drop them.
 */
static void
prefetch_streams(struct ms_srtp_stream *const *streams, uint16_t from, uint16_t to, bool rtcp)
{
	for (uint16_t i = from; i < to; i++) {
		const uint8_t *s = (const uint8_t *)streams[i];

		if (i > 0 && streams[i] == streams[i - 1])
			continue;
		rte_prefetch2(s);
		rte_prefetch2(s + RTE_CACHE_LINE_SIZE);
		if (rtcp) /* the SRTCP window of the first SSRC */
			rte_prefetch2(s + 2 * RTE_CACHE_LINE_SIZE);
	}
}

/* The key lines a packet of each stream reads; the streams' first lines must be near. */
static void
prefetch_ctxs(struct rte_mbuf **pkts, struct ms_srtp_stream *const *streams, uint16_t n,
	      bool rtcp)
{
	for (uint16_t i = 0; i < n; i++) {
		if (i > 0 && streams[i] == streams[i - 1])
			continue;
		const struct ms_srtp_stream *st = streams[i];
		const struct imb_ctx *c = (const struct imb_ctx *)ms_srtp_stream_ctx(st);
		const struct ms_srtp_ctx_view *vw = &st->view;
		const uint8_t *k = c->slots;
		unsigned lines;

		/*
		 * A packet reads the context's header only after a rekey, with two
		 * keys, MKI or a custom lifetime, and for SRTCP.
		 */
		if (st->bound != &c->head) {
			rte_prefetch0(c);
			vw = &c->head.view;
		} else if (rtcp || vw->nb_keys > 1 || vw->mki_len > 0 ||
			   (vw->flags & MS_SRTP_VIEW_CUSTOM_LIFETIME)) {
			rte_prefetch2(c);
		}
		if (vw->cipher == MS_CIPHER_AES_GCM) {
			k += rtcp ? sizeof(struct imb_gcm_keys) : 0;
			/*
			 * Hash keys sit at the end of gcm_key_data, lowest powers last,
			 * four to a line: a packet of b blocks reads about b / 4 lines.
			 */
			const uint8_t *end = k + sizeof(struct imb_gcm_keys);
			unsigned tail = rte_pktmbuf_data_len(pkts[i]) / 64u + 1;

			if (tail < IMB_GCM_TAIL_LINES)
				tail = IMB_GCM_TAIL_LINES;
			if (tail > IMB_GCM_HASH_KEY_LINES)
				tail = IMB_GCM_HASH_KEY_LINES;

			for (unsigned l = 1; l <= tail; l++)
				rte_prefetch2(end - l * RTE_CACHE_LINE_SIZE);
			/* AES round keys: 176 or 240 bytes */
			lines = vw->aes_key_len == 16 ? 3 : 4;
		} else {
			k += rtcp ? sizeof(struct imb_cm_keys) : 0;
			lines = vw->aes_key_len == 16 ? 4 : vw->aes_key_len ? 5 : 2;
		}
		for (unsigned l = 0; l < lines; l++)
			rte_prefetch2(k + l * RTE_CACHE_LINE_SIZE);
	}
}

void
imb_prefetch_lookahead(const struct imb_lookahead *la)
{
	/* the next sub-batch's contexts, and the streams of the one after */
	prefetch_ctxs(la->pkts, la->streams, la->nb_ctx, la->rtcp);
	prefetch_streams(la->streams, RTE_MIN(la->nb_streams, (uint16_t)IMB_SUB_BATCH),
			 la->nb_streams, la->rtcp);
}

uint16_t
imb_pipeline(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
	     struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res, bool rtcp,
	     imb_chunk_fn fn)
{
	uint16_t ok = 0;

	prefetch_streams(streams, 0, RTE_MIN(n, (uint16_t)(2 * IMB_SUB_BATCH)), rtcp);
	prefetch_ctxs(pkts, streams, RTE_MIN(n, (uint16_t)IMB_SUB_BATCH), rtcp);
	for (uint16_t base = 0; base < n; base += IMB_SUB_BATCH) {
		uint16_t m = RTE_MIN((uint16_t)(n - base), (uint16_t)IMB_SUB_BATCH);
		uint16_t rest = n - base - m;
		struct imb_lookahead la = {
			.pkts = pkts + base + m,
			.streams = streams + base + m,
			.nb_ctx = RTE_MIN(rest, (uint16_t)IMB_SUB_BATCH),
			.nb_streams = RTE_MIN(rest, (uint16_t)(2 * IMB_SUB_BATCH)),
			.rtcp = rtcp,
		};

		ok += fn((struct imb_lcore *)lc, pkts + base, streams + base, m, res + base, &la);
	}
	return ok;
}

/* Bytes of key material one SRTP packet reads (one key, no MKI, default lifetime). */
static size_t
imb_hot_ctx_size(enum ms_srtp_suite suite)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(suite);
	size_t keys;

	switch (si->cipher) {
	case MS_CIPHER_NULL:
		keys = offsetof(struct imb_cm_keys, enc_keys) - offsetof(struct imb_cm_keys, ipad);
		break;
	case MS_CIPHER_AES_CM:
		keys = offsetof(struct imb_cm_keys, enc_keys) + (si->master_key_len == 16 ? 176 : 240);
		break;
	default: /* round keys, and the lines of the lowest hash-key powers and the salt */
		keys = (si->master_key_len == 16 ? 3 : 4) * RTE_CACHE_LINE_SIZE +
		       IMB_GCM_TAIL_LINES * RTE_CACHE_LINE_SIZE;
		break;
	}
	return keys;
}

static void
imb_stream_info(const struct ms_srtp_stream *stream, struct ms_srtp_stream_info *info)
{
	struct imb_stream *s = (struct imb_stream *)(uintptr_t)stream;

	info->nb_ssrc = __atomic_load_n(&s->head.nb_ssrc, __ATOMIC_RELAXED);
	info->ssrc_evictions = __atomic_load_n(&imb_stream_cold(s)->ssrc_evictions,
					       __ATOMIC_RELAXED);
}

static int
imb_probe(void)
{
	uint64_t f = imb_get_feature_flags();

	if (!(f & IMB_FEATURE_AESNI) || !(f & IMB_FEATURE_PCLMULQDQ)) {
		MS_LOG(ERR, crypto, "ipsec-mb engine needs AES-NI and PCLMULQDQ");
		return -ENOTSUP;
	}
	return 0;
}

const struct ms_crypto_engine ms_engine_ipsecmb = {
	.name = "ipsec-mb",
	.description = "Intel ipsec-mb burst engine (VAES, AVX-512 SHA-1 lanes, SHA-NI)",
	.probe = imb_probe,
	.selftest = imb_selftest,
	.lcore_create = lcore_create,
	.lcore_free = lcore_free,
	.ctx_create = imb_ctx_create,
	.ctx_free = imb_ctx_free,
	.stream_create = imb_stream_create,
	.stream_free = imb_stream_free,
	.hot_ctx_size = imb_hot_ctx_size,
	.stream_info = imb_stream_info,
	.rtp_protect = imb_rtp_protect,
	.rtp_unprotect = imb_rtp_unprotect,
	.rtcp_protect = imb_rtcp_protect,
	.rtcp_unprotect = imb_rtcp_unprotect,
};
