/* SPDX-License-Identifier: BSD-3-Clause */
/* Session keys (RFC 3711 4.3 KDF), key schedules and crypto contexts: control plane. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <immintrin.h>

#include "engines.h"
#include "imb.h"
#include "ms_log.h"
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

/* Takes the control lock and returns its manager; NULL, unlocked, when none can be made. */
static IMB_MGR *
ctl_mgr_lock(void)
{
	pthread_mutex_lock(&ctl_lock);
	if (ctl_mgr == NULL) {
		IMB_ARCH arch;

		ctl_mgr = alloc_mb_mgr(0);
		if (ctl_mgr != NULL)
			init_mb_mgr_auto(ctl_mgr, &arch);
	}
	IMB_MGR *mgr = ctl_mgr;

	if (mgr == NULL)
		pthread_mutex_unlock(&ctl_lock);
	return mgr;
}

static void
ctl_mgr_unlock(void)
{
	pthread_mutex_unlock(&ctl_lock);
}

/* AES-CTR keystream with an expanded key, through the control manager's jobs. */
static int
keystream_expanded(IMB_MGR *mgr, const uint8_t *enc, const uint8_t *dec, unsigned key_len,
		   const uint8_t iv[16], uint8_t *out, unsigned len)
{
	IMB_JOB *job;
	int ret = 0;

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
	return ret;
}

static int
expand_locked(IMB_MGR *mgr, const uint8_t *key, unsigned key_len, uint8_t *enc, uint8_t *dec)
{
	if (key_len == 16)
		IMB_AES_KEYEXP_128(mgr, key, enc, dec);
	else if (key_len == 32)
		IMB_AES_KEYEXP_256(mgr, key, enc, dec);
	else
		return -EINVAL;
	return 0;
}

static int
keystream_locked(IMB_MGR *mgr, const uint8_t *key, unsigned key_len, const uint8_t iv[16],
		 uint8_t *out, unsigned len)
{
	uint8_t enc[15 * 16] __rte_aligned(16), dec[15 * 16] __rte_aligned(16);
	int ret = expand_locked(mgr, key, key_len, enc, dec);

	if (ret == 0)
		ret = keystream_expanded(mgr, enc, dec, key_len, iv, out, len);
	ms_secure_zero(enc, sizeof(enc));
	ms_secure_zero(dec, sizeof(dec));
	return ret;
}

int
imb_keystream(const uint8_t *key, unsigned key_len, const uint8_t iv[16], uint8_t *out,
	      unsigned len)
{
	IMB_MGR *mgr = ctl_mgr_lock();

	if (mgr == NULL)
		return -ENOMEM;
	int ret = keystream_locked(mgr, key, key_len, iv, out, len);

	ctl_mgr_unlock();
	return ret;
}

/*
 * The KDF's few AES blocks per label with AES-NI straight from the expanded
 * master key: a job through the multi-buffer manager costs more than the
 * blocks, and installing sessions is a rate users measure.
 */
__attribute__((target("aes,sse2"))) static void
aesni_ctr(const uint8_t *enc, unsigned key_len, const uint8_t iv[16], uint8_t *out, unsigned len)
{
	unsigned rounds = key_len == 16 ? 10 : 14;
	const __m128i *rk = (const __m128i *)(const void *)enc;
	uint8_t ctr[16], ks[16];

	memcpy(ctr, iv, 16);
	for (unsigned off = 0; off < len; off += 16) {
		__m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)ctr), rk[0]);

		for (unsigned r = 1; r < rounds; r++)
			b = _mm_aesenc_si128(b, rk[r]);
		b = _mm_aesenclast_si128(b, rk[rounds]);
		_mm_storeu_si128((__m128i *)(void *)ks, b);
		memcpy(out + off, ks, RTE_MIN(16u, len - off));
		/* the counter is the last 16 bits (RFC 3711 4.1.1) */
		if (++ctr[15] == 0)
			ctr[14]++;
	}
	ms_secure_zero(ks, sizeof(ks));
}

/* A master key expanded once for all the labels of a context. */
struct kdf_key {
	uint8_t enc[15 * 16] __rte_aligned(16);
	uint8_t dec[15 * 16] __rte_aligned(16);
	unsigned len;
};

static int
kdf_expand(const uint8_t *key, unsigned key_len, struct kdf_key *k)
{
	IMB_MGR *mgr = ctl_mgr_lock();
	int ret;

	if (mgr == NULL)
		return -ENOMEM;
	ret = expand_locked(mgr, key, key_len, k->enc, k->dec);
	ctl_mgr_unlock();
	k->len = key_len;
	return ret;
}

/*
 * RFC 3711 section 4.3.1 with key derivation rate 0: x = (label << 48) XOR
 * master salt, the keystream of AES-CM under the master key at x * 2^16 is
 * the session key. A 12-byte AEAD salt is zero-padded to 14 bytes first
 * (RFC 7714 section 11, as libsrtp does).
 */
static int
kdf_label(const struct kdf_key *k, const uint8_t *master_salt, unsigned salt_len, uint8_t label,
	  uint8_t *out, unsigned out_len)
{
	static int aesni = -1;
	uint8_t x[16] = {0};
	int ret = 0;

	if (salt_len > 14)
		return -EINVAL;
	if (aesni < 0)
		aesni = __builtin_cpu_supports("aes") ? 1 : 0;
	memcpy(x, master_salt, salt_len);
	x[7] ^= label;
	if (aesni) {
		aesni_ctr(k->enc, k->len, x, out, out_len);
	} else {
		IMB_MGR *mgr = ctl_mgr_lock();

		if (mgr == NULL)
			return -ENOMEM;
		ret = keystream_expanded(mgr, k->enc, k->dec, k->len, x, out, out_len);
		ctl_mgr_unlock();
	}
	ms_secure_zero(x, sizeof(x));
	return ret;
}

int
imb_kdf(const uint8_t *master_key, unsigned key_len, const uint8_t *master_salt,
	unsigned salt_len, uint8_t label, uint8_t *out, unsigned out_len)
{
	struct kdf_key k;
	int ret = kdf_expand(master_key, key_len, &k);

	if (ret == 0)
		ret = kdf_label(&k, master_salt, salt_len, label, out, out_len);
	ms_secure_zero(&k, sizeof(k));
	return ret;
}

/*
 * SHA-1 of one block from the initial state with the SHA extensions: the
 * HMAC pads of a context are four such blocks, about a tenth of the control
 * thread's time per session install in a profile. ipsec-mb's one-block
 * function does not use SHA-NI; this is ~150 cycles less per context (1,717
 * against 1,863 to create one, hot, in process). The state is stored as
 * IMB_SHA1_ONE_BLOCK stores it: H0..H4 as host-order words.
 */
#define SHA1_ROUNDS4(abcd, e, f)                                                \
	do {                                                                    \
		switch (f) {                                                    \
		case 0: abcd = _mm_sha1rnds4_epu32(abcd, e, 0); break;          \
		case 1: abcd = _mm_sha1rnds4_epu32(abcd, e, 1); break;          \
		case 2: abcd = _mm_sha1rnds4_epu32(abcd, e, 2); break;          \
		default: abcd = _mm_sha1rnds4_epu32(abcd, e, 3); break;         \
		}                                                               \
	} while (0)

__attribute__((target("sha,ssse3,sse4.1"))) static void
sha1_ni_one_block(const uint8_t block[SHA1_BLOCK], uint8_t *out)
{
	static const uint32_t h0[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	const __m128i bswap = _mm_set_epi64x(0x0001020304050607ll, 0x08090a0b0c0d0e0fll);
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)h0), 0x1b);
	__m128i e0 = _mm_set_epi32((int)h0[4], 0, 0, 0), e1;
	const __m128i abcd0 = abcd, e_init = e0;
	__m128i w[4];
	uint32_t state[5];

	for (unsigned i = 0; i < 4; i++)
		w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(block + 16 * i)),
					bswap);
	/* rounds 0-3; then each group of four takes E from the group before last */
	e0 = _mm_add_epi32(e0, w[0]);
	e1 = abcd;
	abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
	for (unsigned g = 1; g < 20; g++) {
		__m128i m = w[g & 3];

		if (g >= 4) {
			/* W[t] = rol1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]), four at a time */
			m = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w[g & 3], w[(g + 1) & 3]),
							     w[(g + 2) & 3]),
					       w[(g + 3) & 3]);
			w[g & 3] = m;
		}
		if (g & 1) {
			e1 = _mm_sha1nexte_epu32(e1, m);
			e0 = abcd;
			SHA1_ROUNDS4(abcd, e1, g / 5);
		} else {
			e0 = _mm_sha1nexte_epu32(e0, m);
			e1 = abcd;
			SHA1_ROUNDS4(abcd, e0, g / 5);
		}
	}
	e0 = _mm_sha1nexte_epu32(e0, e_init);
	abcd = _mm_add_epi32(abcd, abcd0);
	_mm_storeu_si128((__m128i *)(void *)state, _mm_shuffle_epi32(abcd, 0x1b));
	state[4] = (uint32_t)_mm_extract_epi32(e0, 3);
	memcpy(out, state, sizeof(state));
	ms_secure_zero(state, sizeof(state));
}

/* Whether sha1_ni_one_block may be used: the CPU has it and it agrees with ipsec-mb. */
static bool
sha1_ni_usable(IMB_MGR *mgr)
{
	static int usable = -1;

	if (usable < 0) {
		uint8_t block[SHA1_BLOCK], a[20], b[20];

		usable = 0;
		if (__builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1")) {
			for (unsigned i = 0; i < sizeof(block); i++)
				block[i] = (uint8_t)(i * 37 + 11);
			IMB_SHA1_ONE_BLOCK(mgr, block, a);
			sha1_ni_one_block(block, b);
			usable = memcmp(a, b, sizeof(a)) == 0;
			if (!usable)
				MS_LOG(WARNING, crypto, "SHA-NI one-block SHA-1 disagrees with ipsec-mb: not used");
		}
	}
	return usable == 1;
}

static void
hmac_precompute(IMB_MGR *mgr, const uint8_t key[HMAC_SHA1_KEY_LEN], uint8_t pad_byte,
		uint8_t *state)
{
	uint8_t block[SHA1_BLOCK] __rte_aligned(16);

	memset(block, pad_byte, sizeof(block));
	for (unsigned i = 0; i < HMAC_SHA1_KEY_LEN; i++)
		block[i] ^= key[i];
	if (sha1_ni_usable(mgr))
		sha1_ni_one_block(block, state);
	else
		IMB_SHA1_ONE_BLOCK(mgr, block, state);
	ms_secure_zero(block, sizeof(block));
}

int
imb_cm_keys_init(struct imb_cm_keys *k, const uint8_t *enc_key, unsigned key_len,
		 const uint8_t *salt14, const uint8_t auth_key[20])
{
	uint8_t dec[15 * 16] __rte_aligned(16);
	IMB_MGR *mgr = ctl_mgr_lock();
	int ret = 0;

	if (mgr == NULL)
		return -ENOMEM;
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
	ctl_mgr_unlock();
	return ret;
}

int
imb_gcm_keys_init(struct imb_gcm_keys *k, const uint8_t *enc_key, unsigned key_len,
		  const uint8_t salt12[12])
{
	IMB_MGR *mgr = ctl_mgr_lock();
	int ret = 0;

	if (mgr == NULL)
		return -ENOMEM;
	memset(k->salt, 0, sizeof(k->salt));
	memcpy(k->salt, salt12, 12);
	if (key_len == 16)
		IMB_AES128_GCM_PRE(mgr, enc_key, &k->key);
	else if (key_len == 32)
		IMB_AES256_GCM_PRE(mgr, enc_key, &k->key);
	else
		ret = -EINVAL;
	ctl_mgr_unlock();
	return ret;
}

/* Session keys of one packet kind, derived from one master key. */
struct session_keys {
	uint8_t enc[32];
	uint8_t salt[14];
	uint8_t auth[HMAC_SHA1_KEY_LEN];
};

static int
derive(const struct ms_srtp_suite_info *si, const struct kdf_key *mk,
       const struct ms_srtp_key_cfg *kc, bool rtcp, struct session_keys *sk)
{
	unsigned klen = si->master_key_len, slen = si->master_salt_len;
	uint8_t base = rtcp ? LABEL_RTCP_ENC : LABEL_RTP_ENC;
	int ret = 0;

	if (si->cipher != MS_CIPHER_NULL) {
		ret = kdf_label(mk, kc->salt, slen, base, sk->enc, klen);
		if (ret == 0)
			ret = kdf_label(mk, kc->salt, slen, base + 2, sk->salt, slen);
	}
	if (ret == 0 && si->cipher != MS_CIPHER_AES_GCM)
		ret = kdf_label(mk, kc->salt, slen, base + 1, sk->auth, sizeof(sk->auth));
	return ret;
}

static int
slot_init(struct imb_ctx *c, unsigned slot, const struct ms_srtp_suite_info *si,
	  const struct ms_srtp_key_cfg *kc)
{
	struct session_keys sk;
	struct kdf_key mk;
	int ret = kdf_expand(kc->key, si->master_key_len, &mk);

	for (unsigned rtcp = 0; rtcp <= 1 && ret == 0; rtcp++) {
		memset(&sk, 0, sizeof(sk));
		ret = derive(si, &mk, kc, rtcp, &sk);
		if (ret != 0)
			break;
		if (si->cipher == MS_CIPHER_AES_GCM) {
			struct imb_gcm_slot *gs = (struct imb_gcm_slot *)c->slots + slot;

			ret = imb_gcm_keys_init(rtcp ? &gs->rtcp : &gs->rtp, sk.enc,
						si->master_key_len, sk.salt);
		} else {
			unsigned klen = si->cipher == MS_CIPHER_NULL ? 0 : si->master_key_len;

			ret = imb_cm_keys_init(imb_cm_keys_at(c->slots, klen, slot, rtcp), sk.enc, klen,
					       sk.salt, sk.auth);
		}
	}
	ms_secure_zero(&sk, sizeof(sk));
	ms_secure_zero(&mk, sizeof(mk));
	return ret;
}

static struct imb_ctx *
ctx_alloc(const struct ms_srtp_ctx_cfg *cfg)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(cfg->suite);
	size_t size = sizeof(struct imb_ctx) +
		      cfg->nb_keys * imb_slot_size(si->cipher, si->cipher == MS_CIPHER_NULL ? 0 : si->master_key_len);
	struct imb_ctx *c = ms_secmem_alloc(size);

	if (c != NULL)
		ms_srtp_ctx_init_head(&c->head, &ms_engine_ipsecmb, cfg);
	return c;
}

void
imb_ctx_free(struct ms_srtp_ctx *ctx)
{
	ms_secmem_free(ctx);
}

int
imb_ctx_create(const struct ms_srtp_ctx_cfg *cfg, struct ms_srtp_ctx **ctx)
{
	int ret = ms_srtp_ctx_create_check(cfg);

	if (ret < 0)
		return ret;
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

/*
 * Kept slots are copied: their session keys are all there is, the master keys
 * are gone. Only the added key goes through the KDF.
 */
int
imb_ctx_rekey(const struct ms_srtp_ctx *old, const uint8_t *keep, unsigned nb_keep,
	      const struct ms_srtp_key_cfg *add, struct ms_srtp_ctx **ctx)
{
	const struct imb_ctx *o = (const struct imb_ctx *)old;
	size_t slot_size = imb_slot_size(old->view.cipher, old->view.aes_key_len);
	struct ms_srtp_ctx_cfg cfg;
	int ret = 0;

	ms_srtp_rekey_cfg(old, keep, nb_keep, add, &cfg);
	struct imb_ctx *c = ctx_alloc(&cfg);
	if (c == NULL)
		return -ENOMEM;
	for (unsigned k = 0; k < nb_keep; k++)
		memcpy(c->slots + k * slot_size, o->slots + keep[k] * slot_size, slot_size);
	if (add != NULL)
		ret = slot_init(c, nb_keep, ms_srtp_suite_info(cfg.suite), add);
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
			unsigned klen = si->cipher == MS_CIPHER_NULL ? 0 : si->master_key_len;

			ret = imb_cm_keys_init(imb_cm_keys_at(c->slots, klen, 0, rtcp), enc_key, klen,
					       salt, auth_key);
		}
		if (ret < 0) {
			ms_secmem_free(c);
			return ret;
		}
	}
	*ctx = &c->head;
	return 0;
}
