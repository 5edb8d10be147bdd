/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "imb.h"

/*
 * SRTCP (RFC 3711 section 3.4, RFC 7714 section 9). Layouts:
 *   AES-CM / NULL: header | payload | E+index | MKI | tag
 *   AES-GCM:       header | payload | tag | E+index | MKI
 * The sender numbers packets per SSRC from 1 (as libsrtp does) up to 2^31 - 1.
 */

static uint16_t
protect_chunk(struct imb_lcore *lc, struct rte_mbuf **pkts, struct ms_srtp_stream *const *streams,
	      uint16_t n, uint8_t *res, const struct imb_lookahead *la)
{
	struct imb_batch b;

	imb_batch_init(&b, lc);
	imb_prefetch_lookahead(la);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct imb_stream *s = (struct imb_stream *)streams[i];
		const struct imb_ctx *c = (const struct imb_ctx *)ms_srtp_stream_bind(&s->head);
		struct imb_op *op = &lc->ops[i];
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		uint32_t len = rte_pktmbuf_data_len(m);
		unsigned mki_len = c->head.view.mki_len, tag_len = c->head.rtcp_tag_len;
		unsigned trailer = MS_SRTCP_TRAILER_LEN + mki_len + tag_len;
		enum ms_srtp_result r;

		op->hashed = 0;
		r = ms_rtcp_check(p, len, 0);
		if (r == MS_SRTP_OK && !ms_srtp_has_room(m, trailer))
			r = MS_SRTP_NO_ROOM;
		res[i] = (uint8_t)r;
		if (r != MS_SRTP_OK)
			continue;

		uint32_t ssrc = ms_load_be32(p + 4);
		struct imb_ssrc *ss = imb_ssrc_find(s, ssrc);
		uint32_t index = ss != NULL && ss->rtcp_seen ? (uint32_t)ss->rtcp_top + 1 : 1;
		unsigned slot = ms_srtp_slot_by_rtcp_index(&c->head, index);

		r = index > MS_SRTCP_INDEX_MAX ? MS_SRTP_KEY_EXPIRED
					       : ms_srtp_key_count_rtcp(&s->head, &c->head, slot);
		res[i] = (uint8_t)r;
		if (r != MS_SRTP_OK)
			continue;
		if (ss == NULL)
			ss = imb_ssrc_add(s, ssrc);
		ss->rtcp_top = index;
		ss->rtcp_seen = 1;
		imb_ssrc_touch(s, ss);

		rte_pktmbuf_append(m, (uint16_t)trailer);
		bool encrypt = c->head.rtcp_encrypt && len > MS_RTCP_HDR_LEN;
		uint32_t word = (c->head.rtcp_encrypt ? MS_SRTCP_E_BIT : 0) | index;

		if (c->head.view.cipher == MS_CIPHER_AES_GCM) {
			const struct imb_gcm_keys *k = &imb_gcm_slot(c, slot)->rtcp;

			imb_gcm_rtcp_iv(op->iv, k->salt, ssrc, index);
			if (c->head.rtcp_encrypt) {
				/* AAD: the 8-byte header and the E+index word */
				memcpy(op->aad, p, MS_RTCP_HDR_LEN);
				ms_store_be32(op->aad + MS_RTCP_HDR_LEN, word);
				imb_gcm_enc(lc, k, c->head.view.aes_key_len, p + MS_RTCP_HDR_LEN,
					    len - MS_RTCP_HDR_LEN, op->iv, op->aad, sizeof(op->aad),
					    p + len);
			} else {
				/* RFC 7714 9.3: AAD is the whole packet then the word; put
				 * the word where the tag goes so the AAD is contiguous. */
				ms_store_be32(p + len, word);
				imb_gcm_enc(lc, k, c->head.view.aes_key_len, p + len, 0, op->iv, p,
					    len + 4u, op->tag);
				memcpy(p + len, op->tag, 16);
			}
			ms_store_be32(p + len + 16, word);
			memcpy(p + len + 16 + 4, c->head.mki[slot], mki_len);
			continue;
		}

		const struct imb_cm_keys *k = imb_cm_keys(c, slot, true);

		if (encrypt && c->head.view.aes_key_len != 0) {
			imb_cm_iv(op->iv, k->salt, ssrc, index);
			imb_batch_ctr(&b, k, c->head.view.aes_key_len, p, MS_RTCP_HDR_LEN,
				      len - MS_RTCP_HDR_LEN, op->iv);
		}
		ms_store_be32(p + len, word);
		imb_batch_hmac(&b, k, p, len + 4u, op->tag, (uint8_t)i);
		op->hashed = 1;
		op->ctx = c;
		op->slot = (uint8_t)slot;
		op->body_len = (uint16_t)(len + 4u);
		op->mki_len = (uint8_t)mki_len;
		op->tag_len = (uint8_t)tag_len;
	}

	return imb_batch_seal(&b, pkts, n, res);
}

static uint16_t
unprotect_chunk(struct imb_lcore *lc, struct rte_mbuf **pkts,
		struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res,
		const struct imb_lookahead *la)
{
	struct imb_batch b;
	uint16_t nb_ok = 0;

	imb_batch_init(&b, lc);
	imb_prefetch_lookahead(la);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct imb_stream *s = (struct imb_stream *)streams[i];
		const struct imb_ctx *c = (const struct imb_ctx *)ms_srtp_stream_bind(&s->head);
		struct imb_op *op = &lc->ops[i];
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		uint32_t len = rte_pktmbuf_data_len(m);
		unsigned mki_len = c->head.view.mki_len, tag_len = c->head.rtcp_tag_len;
		bool gcm = c->head.view.cipher == MS_CIPHER_AES_GCM;
		enum ms_srtp_result r;

		op->hashed = 0;
		op->encrypted = 0;
		op->ctx = c;
		res[i] = MS_SRTP_NO_ROOM;
		if (unlikely(!rte_pktmbuf_is_contiguous(m)))
			continue;
		r = ms_rtcp_check(p, len, MS_SRTCP_TRAILER_LEN + mki_len + tag_len);
		res[i] = (uint8_t)r;
		if (r != MS_SRTP_OK)
			continue;

		uint32_t body = len - MS_SRTCP_TRAILER_LEN - mki_len - tag_len;
		uint8_t *word_p = gcm ? p + body + tag_len : p + body;
		uint8_t *mki = word_p + MS_SRTCP_TRAILER_LEN;
		uint8_t *tag = gcm ? p + body : mki + mki_len;
		uint32_t word = ms_load_be32(word_p);
		int slot = -1;

		op->ssrc = ms_load_be32(p + 4);
		op->index = word & MS_SRTCP_INDEX_MAX;
		if (mki_len > 0) {
			slot = ms_srtp_slot_by_mki(&c->head, mki);
			if (slot < 0) {
				res[i] = MS_SRTP_UNKNOWN_MKI;
				continue;
			}
		} else {
			slot = (int)ms_srtp_slot_by_rtcp_index(&c->head, (uint32_t)op->index);
		}
		op->ss = imb_ssrc_find(s, op->ssrc);
		if (op->ss != NULL && op->ss->rtcp_seen) {
			r = ms_replay_check(op->ss->rtcp_top, imb_ssrc_rtcp_bits(s, op->ss),
					    s->word_mask, s->window, op->index);
			if (r != MS_SRTP_OK) {
				res[i] = (uint8_t)r;
				continue;
			}
		}
		if (ms_srtp_key_rtcp_expired(&s->head, &c->head, (unsigned)slot)) {
			res[i] = MS_SRTP_KEY_EXPIRED;
			continue;
		}
		op->slot = (uint8_t)slot;
		op->hdr_len = MS_RTCP_HDR_LEN;
		op->body_len = (uint16_t)body;
		op->tag_len = (uint8_t)tag_len;
		bool e_flag = (word & MS_SRTCP_E_BIT) != 0;

		if (gcm) {
			const struct imb_gcm_keys *k = &imb_gcm_slot(c, op->slot)->rtcp;

			imb_gcm_rtcp_iv(op->iv, k->salt, op->ssrc, (uint32_t)op->index);
			memcpy(op->tag_rx, tag, 16);
			if (e_flag) {
				memcpy(op->aad, p, MS_RTCP_HDR_LEN);
				memcpy(op->aad + MS_RTCP_HDR_LEN, word_p, 4);
				imb_gcm_dec(lc, k, c->head.view.aes_key_len, p + MS_RTCP_HDR_LEN,
					    body - MS_RTCP_HDR_LEN, op->iv, op->aad, sizeof(op->aad),
					    op->tag);
			} else {
				/* Whole packet + word as AAD: move the word next to it. */
				memmove(p + body, word_p, 4);
				imb_gcm_enc(lc, k, c->head.view.aes_key_len, p + body, 0, op->iv, p,
					    body + 4u, op->tag);
			}
			if (!ms_ct_equal(op->tag, op->tag_rx, 16))
				res[i] = MS_SRTP_AUTH_FAIL;
			continue;
		}

		const struct imb_cm_keys *k = imb_cm_keys(c, op->slot, true);

		/* Authenticated portion: header, payload and the word, contiguous. */
		memcpy(op->tag_rx, tag, tag_len);
		imb_batch_hmac(&b, k, p, body + 4u, op->tag, (uint8_t)i);
		op->hashed = 1;
		op->encrypted = e_flag && c->head.view.aes_key_len != 0 && body > MS_RTCP_HDR_LEN;
	}

	imb_batch_open(&b, pkts, n, res, true);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (res[i] != MS_SRTP_OK)
			continue;
		const struct imb_op *op = &lc->ops[i];
		enum ms_srtp_result r = imb_ssrc_record((struct imb_stream *)streams[i],
							&op->ctx->head, op->ss, op->ssrc, true,
							op->index, op->slot);
		if (r != MS_SRTP_OK) {
			res[i] = (uint8_t)r;
			continue;
		}
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - lc->ops[i].body_len));
		nb_ok++;
	}
	return nb_ok;
}

uint16_t
imb_rtcp_protect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
	 struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	return imb_pipeline(lc, pkts, streams, n, res, true, protect_chunk);
}

uint16_t
imb_rtcp_unprotect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
	 struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	return imb_pipeline(lc, pkts, streams, n, res, true, unprotect_chunk);
}
