/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_IMB_H
#define MS_IMB_H

/*
 * The ipsec-mb engine's internal layout.
 *
 * A burst is transformed in passes: parse and build every packet's jobs, run
 * all AES-CTR jobs as synchronous cipher bursts (VAES), run all HMAC-SHA1 jobs
 * as one hash burst (16 AVX-512 lanes, or SHA-NI when the burst is too small
 * to fill lanes), then commit stream state in packet order. AES-GCM goes
 * straight to ipsec-mb's direct GCM functions, which need no lanes.
 */

#include <intel-ipsec-mb.h>

#include "kat.h"
#include "replay.h"
#include "srtp.h"
#include "srtp_proto.h"

/*
 * A burst is processed in sub-batches of this many packets, a full set of
 * AVX-512 SHA-1 lanes. While one sub-batch is hashed, the key contexts of the
 * next and the stream state of the one after are on their way from memory.
 */
#define IMB_SUB_BATCH 16

/* Below this many HMACs the SHA-NI manager beats half-empty AVX-512 lanes. */
#define IMB_SHANI_MAX_HASHES 12

/* HMAC-SHA1 output ipsec-mb writes: it refuses 10, so ask for 12 and keep 10 or 4. */
#define IMB_HMAC_SHA1_OUT 12

/*
 * Session keys of one packet kind (SRTP or SRTCP) for AES-CM or NULL +
 * HMAC-SHA1: 256 bytes with AES-128 and the NULL cipher (11 round keys),
 * 320 with AES-256 (15). A million legs of keys is where the 64 bytes
 * AES-128 never reads would add up.
 */
struct imb_cm_keys {
	uint8_t salt[16];   /* session salt, already shifted: bytes 14-15 are zero */
	uint8_t ipad[32];   /* SHA-1 state after hashing (auth key ^ ipad) */
	uint8_t opad[32];   /* SHA-1 state after hashing (auth key ^ opad) */
	uint8_t enc_keys[]; /* AES round keys: 176 or 240 bytes */
};

static inline size_t
imb_cm_keys_size(unsigned aes_key_len)
{
	return aes_key_len == 32 ? 320 : 256;
}

/*
 * The salt takes the free end of the key data's last line, which holds the
 * hash keys of the lowest powers: a media packet reads that line anyway.
 */
struct imb_gcm_keys {
	struct gcm_key_data key;
	uint8_t salt[16]; /* 12-byte session salt */
} __rte_cache_aligned;

/* All session material derived from one master key: SRTP's keys, then SRTCP's. */
struct imb_gcm_slot {
	struct imb_gcm_keys rtp;
	struct imb_gcm_keys rtcp;
};

struct imb_ctx {
	struct ms_srtp_ctx head;
	/* nb_keys slots: struct imb_gcm_slot for AES-GCM, else two struct imb_cm_keys */
	uint8_t slots[] __rte_cache_aligned;
};

static inline size_t
imb_slot_size(enum ms_srtp_cipher cipher, unsigned aes_key_len)
{
	return cipher == MS_CIPHER_AES_GCM ? sizeof(struct imb_gcm_slot)
					   : 2 * imb_cm_keys_size(aes_key_len);
}

static inline struct imb_cm_keys *
imb_cm_keys_at(uint8_t *slots, unsigned aes_key_len, unsigned slot, bool rtcp)
{
	return (struct imb_cm_keys *)(void *)(slots + (2 * slot + rtcp) * imb_cm_keys_size(aes_key_len));
}

/* The SRTP (or SRTCP) keys of a slot of an AES-CM or NULL context. */
static inline const struct imb_cm_keys *
imb_cm_keys(const struct imb_ctx *c, unsigned slot, bool rtcp)
{
	return imb_cm_keys_at((uint8_t *)(uintptr_t)c->slots, c->head.view.aes_key_len, slot, rtcp);
}

static inline const struct imb_gcm_slot *
imb_gcm_slot(const struct imb_ctx *c, unsigned slot)
{
	return (const struct imb_gcm_slot *)c->slots + slot;
}

/*
 * State of one SSRC within a stream: 32 bytes, then its replay windows, first
 * SRTP, then SRTCP, word_mask + 1 words each. With the default 128-packet
 * window the header and the SRTP window fill exactly one cache line: the
 * first SSRC's, the one every packet of a one-source stream reads. Slots
 * follow each other on 32-byte boundaries, not lines: a second SSRC may
 * straddle two lines, and a million streams save a quarter of their memory.
 */
struct imb_ssrc {
	uint32_t ssrc;
	uint32_t last_used; /* stream tick of its last packet, for LRU eviction */
	uint64_t rtp_top;   /* highest SRTP index: ROC << 16 | s_l */
	uint64_t rtcp_top;  /* inbound: highest SRTCP index; outbound: last one sent */
	uint8_t rtp_seen;   /* the SRTP window holds at least one index */
	uint8_t rtcp_seen;  /* an SRTCP packet was accepted (inbound) or sent (outbound) */
	uint8_t reserved[6];
	uint64_t bits[];
};

static inline uint64_t *
imb_ssrc_rtp_bits(struct imb_ssrc *ss)
{
	return ss->bits;
}

/*
 * Everything but the head's ctx pointer belongs to the owner lcore. Line 0
 * is the head and the window parameters; line 1 the first SSRC: a packet of
 * a leg with one SSRC touches two lines of its stream. What only a new SSRC
 * or control needs follows the SSRC slots.
 */
struct imb_stream {
	struct ms_srtp_stream head;
	uint32_t tick;
	uint16_t window;
	uint16_t word_mask;
	uint8_t ssrc_state[] __rte_cache_aligned;
} __rte_cache_aligned;

struct imb_stream_cold {
	uint32_t initial_roc;    /* set at creation, read-only after */
	uint32_t ssrc_evictions; /* owner lcore: rw; ctlplane: ro, relaxed */
};

static inline size_t
imb_ssrc_stride(uint32_t word_mask)
{
	return RTE_ALIGN_CEIL(sizeof(struct imb_ssrc) + 2 * (word_mask + 1) * sizeof(uint64_t), 32);
}

static inline struct imb_ssrc *
imb_ssrc_at(struct imb_stream *s, unsigned i)
{
	return (struct imb_ssrc *)(s->ssrc_state + i * imb_ssrc_stride(s->word_mask));
}

static inline struct imb_stream_cold *
imb_stream_cold(struct imb_stream *s)
{
	return (struct imb_stream_cold *)(s->ssrc_state +
					  MS_SRTP_SSRC_SLOTS * imb_ssrc_stride(s->word_mask));
}

static inline uint64_t *
imb_ssrc_rtcp_bits(const struct imb_stream *s, struct imb_ssrc *ss)
{
	return ss->bits + s->word_mask + 1;
}

static inline struct imb_ssrc *
imb_ssrc_find(struct imb_stream *s, uint32_t ssrc)
{
	for (unsigned i = 0; i < s->head.nb_ssrc; i++) {
		struct imb_ssrc *ss = imb_ssrc_at(s, i);

		if (ss->ssrc == ssrc)
			return ss;
	}
	return NULL;
}

/* Takes a free SSRC slot, or the least recently used one. Owner lcore only. */
struct imb_ssrc *imb_ssrc_add(struct imb_stream *s, uint32_t ssrc);

static inline void
imb_ssrc_touch(struct imb_stream *s, struct imb_ssrc *ss)
{
	ss->last_used = ++s->tick;
}

/*
 * Records a packet index an SSRC sent (outbound) or authenticated (inbound):
 * refuses an index seen before or left of the window, counts the packet
 * against its key, then starts or advances the SRTP or SRTCP window. Nothing
 * changes when it refuses. ss is where the SSRC was before this burst, or NULL.
 */
static inline enum ms_srtp_result
imb_ssrc_record(struct imb_stream *s, const struct ms_srtp_ctx *c, struct imb_ssrc *ss,
		uint32_t ssrc, bool rtcp, uint64_t index, unsigned slot)
{
	enum ms_srtp_result r;

	/* an earlier packet of this burst may have opened, or evicted, the SSRC */
	if (ss == NULL || ss->ssrc != ssrc)
		ss = imb_ssrc_find(s, ssrc);
	bool seen = ss != NULL && (rtcp ? ss->rtcp_seen : ss->rtp_seen);

	if (seen) {
		r = ms_replay_check(rtcp ? ss->rtcp_top : ss->rtp_top,
				    rtcp ? imb_ssrc_rtcp_bits(s, ss) : imb_ssrc_rtp_bits(ss),
				    s->word_mask, s->window, index);
		if (r != MS_SRTP_OK)
			return r;
	}
	r = rtcp ? ms_srtp_key_count_rtcp(&s->head, c, slot)
		 : ms_srtp_key_count_rtp(&s->head, c, slot);
	if (r != MS_SRTP_OK)
		return r;
	if (ss == NULL)
		ss = imb_ssrc_add(s, ssrc);

	uint64_t *top = rtcp ? &ss->rtcp_top : &ss->rtp_top;
	uint64_t *bits = rtcp ? imb_ssrc_rtcp_bits(s, ss) : imb_ssrc_rtp_bits(ss);

	if (seen) {
		ms_replay_accept(top, bits, s->word_mask, index);
	} else {
		ms_replay_init(top, bits, s->word_mask, index);
		if (rtcp)
			ss->rtcp_seen = 1;
		else
			ss->rtp_seen = 1;
	}
	imb_ssrc_touch(s, ss);
	return MS_SRTP_OK;
}

/* Per-packet scratch of one burst. */
struct imb_op {
	const struct imb_ctx *ctx; /* read once per packet: a rekey may publish mid-burst */
	struct imb_ssrc *ss;       /* NULL: first packet of an SSRC in this stream */
	uint64_t index;            /* SRTP packet index or SRTCP index */
	uint32_t ssrc;
	uint16_t hdr_len;          /* start of the encrypted part */
	uint16_t body_len;         /* end of it; MKI and tag (SRTCP: E/index word) follow */
	uint8_t slot;
	uint8_t hashed;            /* has an HMAC job */
	uint8_t encrypted;         /* AES-CM part to decrypt once authenticated */
	uint8_t tag_len;
	uint8_t mki_len;
	uint8_t iv[16];
	uint8_t tag_rx[16];        /* tag copied out of a received packet */
	uint8_t tag[20];           /* tag computed by ipsec-mb (HMAC writes 12) */
	uint8_t aad[12];           /* SRTCP GCM associated data: header + E/index word */
};

struct imb_lcore {
	struct ms_crypto_lcore head;
	IMB_MGR *mgr;       /* best architecture: VAES, 16 AVX-512 SHA-1 lanes */
	IMB_MGR *mgr_shani; /* SSE with SHA-NI, for small hash bursts; NULL without SHA-NI */
	struct gcm_context_data gcm_ctx;
	/* AES-128 jobs fill from the front, AES-256 jobs from the back */
	IMB_JOB cipher_jobs[IMB_SUB_BATCH];
	IMB_JOB hash_jobs[IMB_SUB_BATCH];
	uint8_t hash_op[IMB_SUB_BATCH]; /* packet of each hash job */
	struct imb_op ops[IMB_SUB_BATCH];
};

/* Collects one burst's AES-CTR and HMAC-SHA1 jobs. */
struct imb_batch {
	struct imb_lcore *lc;
	uint16_t nb_cm128;
	uint16_t nb_cm256;
	uint16_t nb_hash;
};

static inline void
imb_batch_init(struct imb_batch *b, struct imb_lcore *lc)
{
	b->lc = lc;
	b->nb_cm128 = 0;
	b->nb_cm256 = 0;
	b->nb_hash = 0;
}

/* Queues AES-CTR over len bytes at buf + off with a 16-byte counter block. */
static inline void
imb_batch_ctr(struct imb_batch *b, const struct imb_cm_keys *k, unsigned key_len, uint8_t *buf,
	      uint32_t off, uint32_t len, const uint8_t *iv)
{
	IMB_JOB *j = key_len == 16 ? &b->lc->cipher_jobs[b->nb_cm128++]
				   : &b->lc->cipher_jobs[IMB_SUB_BATCH - ++b->nb_cm256];

	j->enc_keys = k->enc_keys;
	j->dec_keys = k->enc_keys;
	j->key_len_in_bytes = key_len;
	j->src = buf;
	j->dst = buf + off;
	j->cipher_start_src_offset_in_bytes = off;
	j->msg_len_to_cipher_in_bytes = len;
	j->iv = iv;
}

/* Queues HMAC-SHA1 over len bytes at buf; 12 bytes of tag go to out. */
static inline void
imb_batch_hmac(struct imb_batch *b, const struct imb_cm_keys *k, const uint8_t *buf,
	       uint32_t len, uint8_t *out, uint8_t op_idx)
{
	IMB_JOB *j = &b->lc->hash_jobs[b->nb_hash];

	b->lc->hash_op[b->nb_hash++] = op_idx;
	j->src = buf;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = len;
	j->auth_tag_output = out;
	j->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
	j->u.HMAC._hashed_auth_key_xor_opad = k->opad;
}

/* Runs the queued cipher jobs; -1 when ipsec-mb refused one (a bug, never input). */
int imb_batch_run_ciphers(struct imb_batch *b);
int imb_batch_run_hashes(struct imb_batch *b);

/*
 * Protect, after the build pass: encrypts, authenticates, and writes the MKI
 * and tag of each hashed packet behind its body. Returns the packets left ok.
 */
uint16_t imb_batch_seal(struct imb_batch *b, struct rte_mbuf **pkts, uint16_t n, uint8_t *res);
/*
 * Unprotect, after the build pass: authenticates, checks each tag in constant
 * time, and decrypts what authenticated, with SRTP or SRTCP session keys.
 */
void imb_batch_open(struct imb_batch *b, struct rte_mbuf **pkts, uint16_t n, uint8_t *res,
		    bool rtcp);

/* Counter blocks (RFC 3711 4.1.1, RFC 7714 8.1 and 9.1) */
static inline void
imb_cm_iv(uint8_t iv[16], const uint8_t salt[16], uint32_t ssrc, uint64_t index)
{
	uint64_t hi, lo;

	memcpy(&hi, salt, 8);
	memcpy(&lo, salt + 8, 8);
	hi ^= rte_cpu_to_be_64((uint64_t)ssrc);
	lo ^= rte_cpu_to_be_64(index << 16);
	memcpy(iv, &hi, 8);
	memcpy(iv + 8, &lo, 8);
}

static inline void
imb_gcm_rtp_iv(uint8_t iv[12], const uint8_t salt[16], uint32_t ssrc, uint64_t index)
{
	uint8_t in[12];
	uint64_t idx_be = rte_cpu_to_be_64(index << 16);
	uint32_t ssrc_be = rte_cpu_to_be_32(ssrc);

	in[0] = 0;
	in[1] = 0;
	memcpy(in + 2, &ssrc_be, 4);
	memcpy(in + 6, &idx_be, 6);
	for (unsigned i = 0; i < 12; i++)
		iv[i] = in[i] ^ salt[i];
}

static inline void
imb_gcm_rtcp_iv(uint8_t iv[12], const uint8_t salt[16], uint32_t ssrc, uint32_t index)
{
	uint8_t in[12] = {0};
	uint32_t ssrc_be = rte_cpu_to_be_32(ssrc);
	uint32_t idx_be = rte_cpu_to_be_32(index);

	memcpy(in + 2, &ssrc_be, 4);
	memcpy(in + 8, &idx_be, 4);
	for (unsigned i = 0; i < 12; i++)
		iv[i] = in[i] ^ salt[i];
}

/* GCM through the lcore's manager, 128- or 256-bit keys. */
static inline void
imb_gcm_enc(struct imb_lcore *lc, const struct imb_gcm_keys *k, unsigned key_len, uint8_t *data,
	    uint64_t len, const uint8_t *iv, const uint8_t *aad, uint64_t aad_len, uint8_t *tag)
{
	if (key_len == 16)
		IMB_AES128_GCM_ENC(lc->mgr, &k->key, &lc->gcm_ctx, data, data, len, iv, aad, aad_len,
				   tag, 16);
	else
		IMB_AES256_GCM_ENC(lc->mgr, &k->key, &lc->gcm_ctx, data, data, len, iv, aad, aad_len,
				   tag, 16);
}

static inline void
imb_gcm_dec(struct imb_lcore *lc, const struct imb_gcm_keys *k, unsigned key_len, uint8_t *data,
	    uint64_t len, const uint8_t *iv, const uint8_t *aad, uint64_t aad_len, uint8_t *tag)
{
	if (key_len == 16)
		IMB_AES128_GCM_DEC(lc->mgr, &k->key, &lc->gcm_ctx, data, data, len, iv, aad, aad_len,
				   tag, 16);
	else
		IMB_AES256_GCM_DEC(lc->mgr, &k->key, &lc->gcm_ctx, data, data, len, iv, aad, aad_len,
				   tag, 16);
}

/*
 * GCM key material fetched ahead: the AES round keys at the front, and at
 * the back the hash keys of the lowest powers with the salt, at least
 * IMB_GCM_TAIL_LINES lines and more for longer packets, up to all of them.
 */
#define IMB_GCM_TAIL_LINES 3
#define IMB_GCM_HASH_KEY_LINES 13 /* from the first hash key to the end */

/* What the sub-batch being processed prefetches for the ones after it. */
struct imb_lookahead {
	struct rte_mbuf **pkts;                /* the next sub-batch */
	struct ms_srtp_stream *const *streams;
	uint16_t nb_ctx;     /* contexts to fetch: the next sub-batch's */
	uint16_t nb_streams; /* streams fetched up to here: the sub-batch after */
	bool rtcp;
};

/* Issued by a sub-batch before its own work, which covers the fetch. */
void imb_prefetch_lookahead(const struct imb_lookahead *la);

typedef uint16_t (*imb_chunk_fn)(struct imb_lcore *lc, struct rte_mbuf **pkts,
				 struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res,
				 const struct imb_lookahead *la);

/* Runs fn over a burst in sub-batches, fetching ahead as described above. */
uint16_t imb_pipeline(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		      struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res, bool rtcp,
		      imb_chunk_fn fn);

/* Contexts and streams (control plane: imb_keys.c, imb_stream.c) */
int imb_ctx_create(const struct ms_srtp_ctx_cfg *cfg, struct ms_srtp_ctx **ctx);
int imb_ctx_rekey(const struct ms_srtp_ctx *old, const uint8_t *keep, unsigned nb_keep,
		  const struct ms_srtp_key_cfg *add, struct ms_srtp_ctx **ctx);
void imb_ctx_free(struct ms_srtp_ctx *ctx);
int imb_stream_create(const struct ms_srtp_stream_cfg *cfg, struct ms_srtp_ctx *ctx,
		      struct ms_srtp_stream **stream);
void imb_stream_free(struct ms_srtp_stream *stream);
void imb_stream_info(const struct ms_srtp_stream *stream, struct ms_srtp_stream_info *info);

/* Key derivation and context building (control plane) */
int imb_kdf(const uint8_t *master_key, unsigned key_len, const uint8_t *master_salt,
	    unsigned salt_len, uint8_t label, uint8_t *out, unsigned out_len);
int imb_cm_keys_init(struct imb_cm_keys *k, const uint8_t *enc_key, unsigned key_len,
		     const uint8_t *salt14, const uint8_t auth_key[20]);
int imb_gcm_keys_init(struct imb_gcm_keys *k, const uint8_t *enc_key, unsigned key_len,
		      const uint8_t salt12[12]);
/* Builds a context from session keys, bypassing the KDF: for RFC 7714 vectors. */
int imb_ctx_from_session_keys(enum ms_srtp_suite suite, uint32_t flags, const uint8_t *enc_key,
			      const uint8_t *salt, const uint8_t *auth_key,
			      struct ms_srtp_ctx **ctx);
/* AES-CTR keystream: for the RFC 3711 B.2 and RFC 6188 7.1 vectors. */
int imb_keystream(const uint8_t *key, unsigned key_len, const uint8_t iv[16], uint8_t *out,
		  unsigned len);

uint16_t imb_rtp_protect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
			 struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res);
uint16_t imb_rtp_unprotect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
			   struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res);
uint16_t imb_rtcp_protect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
			  struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res);
uint16_t imb_rtcp_unprotect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
			    struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res);

int imb_selftest(void);
/* One known-answer check each: 0 when the output matches the vector. */
int imb_kat_kdf(const struct ms_kat_kdf *v);
int imb_kat_keystream(const struct ms_kat_keystream *v);

#endif
