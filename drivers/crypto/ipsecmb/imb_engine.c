/* SPDX-License-Identifier: BSD-3-Clause */
/* The ipsec-mb engine: per-lcore managers and the engine's operation table. */
#include <errno.h>
#include <stdbool.h>

#include <rte_malloc.h>

#include "engines.h"
#include "imb.h"
#include "ms_log.h"

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
	.ctx_rekey = imb_ctx_rekey,
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
