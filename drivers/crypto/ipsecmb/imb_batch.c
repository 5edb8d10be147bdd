/* SPDX-License-Identifier: BSD-3-Clause */
/* A burst's crypto: look-ahead, sub-batch pipeline, cipher and hash bursts. */
#include <string.h>

#include <rte_prefetch.h>

#include "imb.h"
#include "srtp_proto.h"

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

uint16_t
imb_batch_seal(struct imb_batch *b, struct rte_mbuf **pkts, uint16_t n, uint8_t *res)
{
	struct imb_lcore *lc = b->lc;
	bool failed = imb_batch_run_ciphers(b) < 0 || imb_batch_run_hashes(b) < 0;
	uint16_t nb_ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct imb_op *op = &lc->ops[i];

		if (res[i] != MS_SRTP_OK)
			continue;
		if (op->hashed) {
			uint8_t *p = rte_pktmbuf_mtod(pkts[i], uint8_t *);

			if (unlikely(failed)) {
				res[i] = MS_SRTP_CRYPTO_ERROR;
				continue;
			}
			if (op->mki_len > 0)
				memcpy(p + op->body_len, op->ctx->head.mki[op->slot], op->mki_len);
			memcpy(p + op->body_len + op->mki_len, op->tag, op->tag_len);
		}
		nb_ok++;
	}
	return nb_ok;
}

void
imb_batch_open(struct imb_batch *b, struct rte_mbuf **pkts, uint16_t n, uint8_t *res, bool rtcp)
{
	struct imb_lcore *lc = b->lc;

	if (imb_batch_run_hashes(b) < 0) {
		for (uint16_t i = 0; i < n; i++)
			if (lc->ops[i].hashed)
				res[i] = MS_SRTP_CRYPTO_ERROR;
	}
	/* Decrypt only what authenticated. */
	for (uint16_t i = 0; i < n; i++) {
		struct imb_op *op = &lc->ops[i];

		if (res[i] != MS_SRTP_OK || !op->hashed)
			continue;
		if (!ms_ct_equal(op->tag, op->tag_rx, op->tag_len)) {
			res[i] = MS_SRTP_AUTH_FAIL;
			continue;
		}
		if (op->encrypted) {
			const struct imb_cm_keys *k = imb_cm_keys(op->ctx, op->slot, rtcp);
			uint8_t *p = rte_pktmbuf_mtod(pkts[i], uint8_t *);

			imb_cm_iv(op->iv, k->salt, op->ssrc, op->index);
			imb_batch_ctr(b, k, op->ctx->head.view.aes_key_len, p, op->hdr_len,
				      op->body_len - op->hdr_len, op->iv);
		}
	}
	if (imb_batch_run_ciphers(b) < 0) {
		for (uint16_t i = 0; i < n; i++)
			if (res[i] == MS_SRTP_OK && lc->ops[i].encrypted)
				res[i] = MS_SRTP_CRYPTO_ERROR;
	}
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
		if (ms_srtp_stream_bound(st) != &c->head) {
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
			k += rtcp ? imb_cm_keys_size(vw->aes_key_len) : 0;
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
