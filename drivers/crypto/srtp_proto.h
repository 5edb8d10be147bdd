/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_SRTP_PROTO_H
#define MS_SRTP_PROTO_H

/*
 * Engine-independent pieces of the per-packet path: header parsing, packet
 * index estimation, key choice and key usage accounting. Inline, no locks,
 * no allocation; everything here runs on the lcore that owns the stream.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#include "srtp.h"

#define MS_RTP_HDR_LEN 12
#define MS_RTCP_HDR_LEN 8
#define MS_SRTCP_TRAILER_LEN 4 /* E flag + 31-bit SRTCP index */
#define MS_SRTCP_E_BIT 0x80000000u
#define MS_SRTCP_INDEX_MAX 0x7fffffffu

/* Packet bytes carry no alignment guarantee: load and store through memcpy. */
static inline uint16_t
ms_load_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static inline uint32_t
ms_load_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

static inline void
ms_store_be32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, sizeof(v));
}

/* Constant-time equality of two tags: no early exit on the first difference. */
static inline bool
ms_ct_equal(const uint8_t *a, const uint8_t *b, unsigned n)
{
	uint8_t diff = 0;

	for (unsigned i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* Where the parts of an RTP packet are. */
struct ms_rtp_view {
	uint16_t hdr_len; /* fixed header + CSRCs + extension */
	uint16_t rtp_len; /* header + payload (+ padding), without MKI and tag */
	uint16_t seq;
	uint32_t ssrc;
};

/*
 * Parses the RTP header of a packet of len bytes whose last trailer_len bytes
 * are SRTP trailer (MKI + tag; 0 for plaintext). check_padding verifies the
 * RTP padding count, which is only readable in plaintext.
 */
static inline enum ms_srtp_result
ms_rtp_parse(const uint8_t *p, uint32_t len, uint32_t trailer_len, bool check_padding,
	     struct ms_rtp_view *v)
{
	if (unlikely(len < MS_RTP_HDR_LEN + trailer_len))
		return MS_SRTP_TOO_SHORT;
	if (unlikely((p[0] >> 6) != 2))
		return MS_SRTP_BAD_VERSION;

	uint32_t rtp_len = len - trailer_len;
	uint32_t hdr_len = MS_RTP_HDR_LEN + 4u * (p[0] & 0x0f);

	if (p[0] & 0x10) { /* header extension */
		if (unlikely(hdr_len + 4 > rtp_len))
			return MS_SRTP_BAD_LENGTH;
		hdr_len += 4 + 4u * ms_load_be16(p + hdr_len + 2);
	}
	if (unlikely(hdr_len > rtp_len))
		return MS_SRTP_BAD_LENGTH;
	if (check_padding && (p[0] & 0x20)) {
		uint8_t pad = p[rtp_len - 1];

		if (unlikely(pad == 0 || pad > rtp_len - hdr_len))
			return MS_SRTP_BAD_LENGTH;
	}
	v->hdr_len = (uint16_t)hdr_len;
	v->rtp_len = (uint16_t)rtp_len;
	v->seq = ms_load_be16(p + 2);
	v->ssrc = ms_load_be32(p + 8);
	return MS_SRTP_OK;
}

/* RTCP: version 2 and room for the fixed header plus the SRTCP trailer. */
static inline enum ms_srtp_result
ms_rtcp_check(const uint8_t *p, uint32_t len, uint32_t trailer_len)
{
	if (unlikely(len < MS_RTCP_HDR_LEN + trailer_len))
		return MS_SRTP_TOO_SHORT;
	if (unlikely((p[0] >> 6) != 2))
		return MS_SRTP_BAD_VERSION;
	return MS_SRTP_OK;
}

/*
 * RFC 3711 Appendix A: the packet index of sequence number seq, relative to
 * the highest index seen so far (top = ROC * 2^16 + s_l). Returns false when
 * the guess falls before ROC 0 or past ROC 2^32 - 1: no valid index exists.
 */
static inline bool
ms_srtp_guess_index(uint64_t top, uint16_t seq, uint64_t *index)
{
	int64_t roc = (int64_t)(top >> 16);
	uint32_t s_l = (uint16_t)top;

	if (s_l < 32768) {
		if ((uint32_t)seq > s_l + 32768)
			roc--;
	} else if (s_l - 32768 > (uint32_t)seq) {
		roc++;
	}
	if (unlikely(roc < 0 || roc > UINT32_MAX))
		return false;
	*index = ((uint64_t)roc << 16) | seq;
	return true;
}

void ms_srtp_stream_rebind(struct ms_srtp_stream *s, const struct ms_srtp_ctx *c);

/* The context a stream is bound to; control may clear it (retire) meanwhile. */
static inline const struct ms_srtp_ctx *
ms_srtp_stream_bound(const struct ms_srtp_stream *s)
{
	return __atomic_load_n(&s->bound, __ATOMIC_RELAXED);
}

/*
 * The stream's current context, with the stream's view and key counters
 * bound to it: the first packet after a rekey rebinds them, once.
 */
static inline const struct ms_srtp_ctx *
ms_srtp_stream_bind(struct ms_srtp_stream *s)
{
	const struct ms_srtp_ctx *c = ms_srtp_stream_ctx(s);

	if (unlikely(ms_srtp_stream_bound(s) != c))
		ms_srtp_stream_rebind(s, c);
	return c;
}

/* The key slot that protects (or, without MKI, verifies) a given index. */
static inline unsigned
ms_srtp_slot_by_rtp_index(const struct ms_srtp_stream *s, const struct ms_srtp_ctx *c,
			  uint64_t index)
{
	return s->view.nb_keys > 1 && index >= c->rtp_from[1];
}

static inline unsigned
ms_srtp_slot_by_rtcp_index(const struct ms_srtp_ctx *c, uint32_t index)
{
	return c->view.nb_keys > 1 && index >= c->rtcp_from[1];
}

/* The key slot whose MKI a received packet carries, or -1. */
static inline int
ms_srtp_slot_by_mki(const struct ms_srtp_ctx *c, const uint8_t *mki)
{
	for (unsigned k = 0; k < c->view.nb_keys; k++)
		if (memcmp(c->mki[k], mki, c->view.mki_len) == 0)
			return (int)k;
	return -1;
}

/* Only a key with a custom lifetime sends the packet to the context's header. */
static inline uint64_t
ms_srtp_rtp_limit(const struct ms_srtp_stream *s, const struct ms_srtp_ctx *c, unsigned slot)
{
	if (likely(!(s->view.flags & MS_SRTP_VIEW_CUSTOM_LIFETIME)))
		return MS_SRTP_RTP_LIFETIME_MAX;
	return c->rtp_limit[slot];
}

static inline bool
ms_srtp_key_rtp_expired(const struct ms_srtp_stream *s, const struct ms_srtp_ctx *c, unsigned slot)
{
	return unlikely(s->use[slot].rtp >= ms_srtp_rtp_limit(s, c, slot));
}

static inline bool
ms_srtp_key_rtcp_expired(const struct ms_srtp_stream *s, const struct ms_srtp_ctx *c,
			 unsigned slot)
{
	return unlikely(s->use[slot].rtcp >= c->rtcp_limit[slot]);
}

/*
 * Counts one packet against its key, in a stream bound to c. Control reads
 * the counters with relaxed loads, hence the relaxed stores: plain moves on
 * x86, no lock prefix.
 */
static inline enum ms_srtp_result
ms_srtp_key_count_rtp(struct ms_srtp_stream *s, const struct ms_srtp_ctx *c, unsigned slot)
{
	struct ms_srtp_key_use *u = &s->use[slot];

	if (ms_srtp_key_rtp_expired(s, c, slot))
		return MS_SRTP_KEY_EXPIRED;
	__atomic_store_n(&u->rtp, u->rtp + 1, __ATOMIC_RELAXED);
	return MS_SRTP_OK;
}

static inline enum ms_srtp_result
ms_srtp_key_count_rtcp(struct ms_srtp_stream *s, const struct ms_srtp_ctx *c, unsigned slot)
{
	struct ms_srtp_key_use *u = &s->use[slot];

	if (ms_srtp_key_rtcp_expired(s, c, slot))
		return MS_SRTP_KEY_EXPIRED;
	__atomic_store_n(&u->rtcp, u->rtcp + 1, __ATOMIC_RELAXED);
	return MS_SRTP_OK;
}

/* Whether a protected RTP packet of this context fits its mbuf. */
static inline bool
ms_srtp_has_room(const struct rte_mbuf *m, unsigned trailer)
{
	return likely(rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_tailroom(m) >= trailer);
}

#endif
