/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "imb.h"

/*
 * SRTP (RFC 3711, 6188, 7714) over a burst. Protect: validate, take the next
 * index, encrypt (cipher burst), authenticate (hash burst), write MKI + tag.
 * Unprotect: validate, estimate the index, pre-check replay, authenticate
 * (hash burst), decrypt what passed (cipher burst), then commit replay state
 * in packet order so a duplicate within one burst is still caught.
 */

/* Sender side: the index of an outgoing packet, refusing to reuse one. */
static enum ms_srtp_result
tx_index(struct imb_stream *s, const struct ms_srtp_ctx *c, const struct ms_rtp_view *v,
	 struct imb_op *op)
{
	struct imb_ssrc *ss = imb_ssrc_find(s, v->ssrc);
	uint64_t index;

	if (ss == NULL || !ss->rtp_seen)
		index = ((uint64_t)imb_stream_cold(s)->initial_roc << 16) | v->seq;
	else if (!ms_srtp_guess_index(ss->rtp_top, v->seq, &index))
		return MS_SRTP_TOO_OLD;

	unsigned slot = ms_srtp_slot_by_rtp_index(&s->head, c, index);
	enum ms_srtp_result r = imb_ssrc_record(s, c, ss, v->ssrc, false, index, slot);

	if (r != MS_SRTP_OK)
		return r;
	op->index = index;
	op->slot = (uint8_t)slot;
	op->ssrc = v->ssrc;
	return MS_SRTP_OK;
}

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
		const struct ms_srtp_ctx_view *vw = &s->head.view;
		struct imb_op *op = &lc->ops[i];
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		unsigned trailer = vw->mki_len + vw->rtp_tag_len;
		struct ms_rtp_view v;
		enum ms_srtp_result r;

		op->hashed = 0;
		r = ms_rtp_parse(p, rte_pktmbuf_data_len(m), 0, true, &v);
		if (r == MS_SRTP_OK && !ms_srtp_has_room(m, trailer))
			r = MS_SRTP_NO_ROOM;
		if (r == MS_SRTP_OK)
			r = tx_index(s, &c->head, &v, op);
		res[i] = (uint8_t)r;
		if (r != MS_SRTP_OK)
			continue;

		rte_pktmbuf_append(m, (uint16_t)trailer);
		uint32_t payload = v.rtp_len - v.hdr_len;

		if (vw->cipher == MS_CIPHER_AES_GCM) {
			const struct imb_gcm_keys *k = &imb_gcm_slot(c, op->slot)->rtp;

			/* RFC 7714: header is AAD; the tag follows the ciphertext, then the MKI */
			imb_gcm_rtp_iv(op->iv, k->salt, v.ssrc, op->index);
			imb_gcm_enc(lc, k, vw->aes_key_len, p + v.hdr_len, payload, op->iv, p,
				    v.hdr_len, p + v.rtp_len);
			if (vw->mki_len > 0)
				memcpy(p + v.rtp_len + 16, c->head.mki[op->slot], vw->mki_len);
			continue;
		}

		const struct imb_cm_keys *k = imb_cm_keys(c, op->slot, false);

		if (vw->aes_key_len != 0 && payload > 0) {
			imb_cm_iv(op->iv, k->salt, v.ssrc, op->index);
			imb_batch_ctr(&b, k, vw->aes_key_len, p, v.hdr_len, payload, op->iv);
		}
		/*
		 * RFC 3711 4.2: the tag covers header, payload and ROC. ipsec-mb hashes
		 * contiguous data only, so the ROC goes where MKI and tag will be.
		 */
		ms_store_be32(p + v.rtp_len, (uint32_t)(op->index >> 16));
		imb_batch_hmac(&b, k, p, v.rtp_len + 4u, op->tag, (uint8_t)i);
		op->hashed = 1;
		op->ctx = c;
		op->body_len = v.rtp_len;
		op->mki_len = vw->mki_len;
		op->tag_len = vw->rtp_tag_len;
	}

	return imb_batch_seal(&b, pkts, n, res);
}

/* Receiver side, before authentication: estimate the index, reject replays early. */
static enum ms_srtp_result
rx_index(struct imb_lcore *lc, struct imb_stream *s, struct ms_srtp_stream *const *streams,
	 const uint8_t *res, uint16_t i, const struct ms_rtp_view *v, struct imb_op *op)
{
	struct imb_ssrc *ss = imb_ssrc_find(s, v->ssrc);
	uint64_t index;

	op->ssrc = v->ssrc;
	if (ss != NULL && ss->rtp_seen) {
		if (!ms_srtp_guess_index(ss->rtp_top, v->seq, &index))
			return MS_SRTP_TOO_OLD;
		enum ms_srtp_result r = ms_replay_check(ss->rtp_top, imb_ssrc_rtp_bits(ss),
							s->word_mask, s->window, index);
		if (r != MS_SRTP_OK)
			return r;
		op->ss = ss;
		op->index = index;
		return MS_SRTP_OK;
	}

	/*
	 * A new SSRC starts at the signalled ROC. Its state is only created once a
	 * packet authenticates, so a later packet of the same new SSRC in this
	 * burst estimates its index from the earlier one.
	 */
	op->ss = NULL;
	index = ((uint64_t)imb_stream_cold(s)->initial_roc << 16) | v->seq;
	for (uint16_t j = i; j-- > 0;) {
		const struct imb_op *prev = &lc->ops[j];

		if (res[j] == MS_SRTP_OK && streams[j] == &s->head && prev->ss == NULL &&
		    prev->ssrc == v->ssrc) {
			if (!ms_srtp_guess_index(prev->index, v->seq, &index))
				return MS_SRTP_TOO_OLD;
			break;
		}
	}
	op->index = index;
	return MS_SRTP_OK;
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
		const struct ms_srtp_ctx_view *vw = &s->head.view;
		struct imb_op *op = &lc->ops[i];
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		unsigned tag_len = vw->rtp_tag_len, mki_len = vw->mki_len;
		bool gcm = vw->cipher == MS_CIPHER_AES_GCM;
		struct ms_rtp_view v;
		enum ms_srtp_result r;
		int slot = -1;

		op->hashed = 0;
		op->encrypted = 0;
		op->ctx = c;
		res[i] = MS_SRTP_NO_ROOM;
		if (unlikely(!rte_pktmbuf_is_contiguous(m)))
			continue;
		r = ms_rtp_parse(p, rte_pktmbuf_data_len(m), mki_len + tag_len, false, &v);
		if (r == MS_SRTP_OK && mki_len > 0) {
			/* CM suites: MKI then tag; AEAD suites: tag then MKI (as libsrtp) */
			slot = ms_srtp_slot_by_mki(&c->head, p + v.rtp_len + (gcm ? tag_len : 0));
			if (slot < 0)
				r = MS_SRTP_UNKNOWN_MKI;
		}
		if (r == MS_SRTP_OK)
			r = rx_index(lc, s, streams, res, i, &v, op);
		if (r == MS_SRTP_OK) {
			if (slot < 0)
				slot = (int)ms_srtp_slot_by_rtp_index(&s->head, &c->head, op->index);
			if (ms_srtp_key_rtp_expired(&s->head, &c->head, (unsigned)slot))
				r = MS_SRTP_KEY_EXPIRED;
		}
		res[i] = (uint8_t)r;
		if (r != MS_SRTP_OK)
			continue;

		op->slot = (uint8_t)slot;
		op->hdr_len = v.hdr_len;
		op->body_len = v.rtp_len;
		op->tag_len = (uint8_t)tag_len;

		if (gcm) {
			const struct imb_gcm_keys *k = &imb_gcm_slot(c, op->slot)->rtp;

			imb_gcm_rtp_iv(op->iv, k->salt, v.ssrc, op->index);
			imb_gcm_dec(lc, k, vw->aes_key_len, p + v.hdr_len, v.rtp_len - v.hdr_len,
				    op->iv, p, v.hdr_len, op->tag);
			if (!ms_ct_equal(op->tag, p + v.rtp_len, 16))
				res[i] = MS_SRTP_AUTH_FAIL;
			continue;
		}

		const struct imb_cm_keys *k = imb_cm_keys(c, op->slot, false);

		/* The received tag leaves; the ROC takes its place for the hash. */
		memcpy(op->tag_rx, p + v.rtp_len + mki_len, tag_len);
		ms_store_be32(p + v.rtp_len, (uint32_t)(op->index >> 16));
		imb_batch_hmac(&b, k, p, v.rtp_len + 4u, op->tag, (uint8_t)i);
		op->hashed = 1;
		op->encrypted = vw->aes_key_len != 0 && v.rtp_len > v.hdr_len;
	}

	imb_batch_open(&b, pkts, n, res, false);

	for (uint16_t i = 0; i < n; i++) {
		struct imb_op *op = &lc->ops[i];
		struct rte_mbuf *m = pkts[i];
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

		if (res[i] != MS_SRTP_OK)
			continue;
		/* The padding count is readable only now, in plaintext. */
		if (p[0] & 0x20) {
			uint8_t pad = p[op->body_len - 1];

			if (pad == 0 || pad > op->body_len - op->hdr_len) {
				res[i] = MS_SRTP_BAD_LENGTH;
				continue;
			}
		}
		/* genuine: record it */
		enum ms_srtp_result r = imb_ssrc_record((struct imb_stream *)streams[i],
							&op->ctx->head, op->ss, op->ssrc, false,
							op->index, op->slot);
		if (r != MS_SRTP_OK) {
			res[i] = (uint8_t)r;
			continue;
		}
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - op->body_len));
		nb_ok++;
	}
	return nb_ok;
}

uint16_t
imb_rtp_protect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
	 struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	return imb_pipeline(lc, pkts, streams, n, res, false, protect_chunk);
}

uint16_t
imb_rtp_unprotect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
	 struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	return imb_pipeline(lc, pkts, streams, n, res, false, unprotect_chunk);
}
