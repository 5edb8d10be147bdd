/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_SRTP_H
#define MS_SRTP_H

/*
 * The SRTP/SRTCP transform engine interface.
 *
 * Two objects describe one direction of a call leg:
 *
 * - struct ms_srtp_ctx: the crypto context. Suite, master keys (one or two
 *   key slots for make-before-break rekeying), derived session keys and key
 *   schedules. Built by the control thread, immutable once published, freed
 *   only after an RCU grace period. Lives in secret memory (secmem.h).
 *
 * - struct ms_srtp_stream: the stream state of that direction. Per-SSRC
 *   rollover counter, highest index and replay window, SRTCP index, key usage
 *   counters. Written only by the one worker lcore that processes this
 *   direction's packets; created with the leg and freed with it. It points at
 *   the current crypto context; rekeying publishes a new context into the
 *   same stream with one pointer store.
 *
 * Packets travel in bursts of rte_mbufs whose data starts at the RTP (or
 * RTCP) header. Transforms work in place; protect appends MKI and tag into
 * the tailroom, unprotect trims them. Each packet gets an explicit result.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#define MS_SRTP_REPLAY_WINDOW_DEFAULT 128
#define MS_SRTP_REPLAY_WINDOW_MIN 64
#define MS_SRTP_REPLAY_WINDOW_MAX 8192

/* SSRCs one stream tracks at once before the least recently used is evicted. */
#define MS_SRTP_SSRC_SLOTS 4

#define MS_SRTP_MAX_MKI_LEN 4
#define MS_SRTP_MAX_KEY_LEN 32
#define MS_SRTP_MAX_SALT_LEN 14
#define MS_SRTP_MAX_KEYS 2

/* RFC 3711 section 9.2: at most 2^48 SRTP and 2^31 SRTCP packets per master key. */
#define MS_SRTP_RTP_LIFETIME_MAX (1ull << 48)
#define MS_SRTP_RTCP_LIFETIME_MAX (1ull << 31)

/* name, SDES suite string, cipher, master key, master salt, RTP tag, RTCP tag */
#define MS_SRTP_SUITES(X)                                                        \
	X(AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", AES_CM, 16, 14, 10, 10) \
	X(AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", AES_CM, 16, 14, 4, 10)  \
	X(AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80", AES_CM, 32, 14, 10, 10) \
	X(AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32", AES_CM, 32, 14, 4, 10)  \
	X(NULL_HMAC_SHA1_80, "NULL_HMAC_SHA1_80", NULL, 16, 14, 10, 10)               \
	X(NULL_HMAC_SHA1_32, "NULL_HMAC_SHA1_32", NULL, 16, 14, 4, 10)                \
	X(AEAD_AES_128_GCM, "AEAD_AES_128_GCM", AES_GCM, 16, 12, 16, 16)              \
	X(AEAD_AES_256_GCM, "AEAD_AES_256_GCM", AES_GCM, 32, 12, 16, 16)

enum ms_srtp_suite {
#define MS_SUITE_ENUM(id, name, cipher, klen, slen, tag, rtcp_tag) MS_SUITE_##id,
	MS_SRTP_SUITES(MS_SUITE_ENUM)
#undef MS_SUITE_ENUM
	MS_SUITE_COUNT
};

enum ms_srtp_cipher {
	MS_CIPHER_NULL,   /* "authenticated" legs: HMAC-SHA1, no encryption */
	MS_CIPHER_AES_CM, /* RFC 3711 / 6188 AES counter mode + HMAC-SHA1 */
	MS_CIPHER_AES_GCM /* RFC 7714 AEAD */
};

struct ms_srtp_suite_info {
	const char *name;
	enum ms_srtp_cipher cipher;
	uint8_t master_key_len;
	uint8_t master_salt_len;
	uint8_t rtp_tag_len;
	uint8_t rtcp_tag_len;
};

const struct ms_srtp_suite_info *ms_srtp_suite_info(enum ms_srtp_suite suite);
/* Returns the suite for an SDES name (case-sensitive, as RFC 4568 writes them), or -ENOENT. */
int ms_srtp_suite_from_name(const char *name);

/* Per-packet results. Every one but OK means the packet was dropped. */
#define MS_SRTP_RESULTS(X)                                                      \
	X(OK, "ok")                                                             \
	X(AUTH_FAIL, "auth_fail")       /* tag did not verify */                 \
	X(REPLAY, "replay")             /* index already seen (or already sent) */ \
	X(TOO_OLD, "too_old")           /* index left of the replay window */    \
	X(TOO_SHORT, "too_short")       /* shorter than header + trailer */      \
	X(BAD_VERSION, "bad_version")   /* RTP/RTCP version is not 2 */         \
	X(BAD_LENGTH, "bad_length")     /* CSRC/extension/padding overrun */     \
	X(UNKNOWN_MKI, "unknown_mki")   /* MKI matches no installed key */       \
	X(KEY_EXPIRED, "key_expired")   /* key lifetime or SRTCP index used up */ \
	X(NO_ROOM, "no_room")           /* no tailroom for the tag, or chained mbuf */ \
	X(CRYPTO_ERROR, "crypto_error") /* the crypto library refused the job */

enum ms_srtp_result {
#define MS_RESULT_ENUM(id, str) MS_SRTP_##id,
	MS_SRTP_RESULTS(MS_RESULT_ENUM)
#undef MS_RESULT_ENUM
	MS_SRTP_RESULT_COUNT
};

const char *ms_srtp_result_str(enum ms_srtp_result r);

enum ms_srtp_dir {
	MS_SRTP_PROTECT,   /* outbound: RTP -> SRTP */
	MS_SRTP_UNPROTECT, /* inbound: SRTP -> RTP */
};

/* One master key. Copied into secret memory by ctx_create; wipe yours after. */
struct ms_srtp_key_cfg {
	/*
	 * 0 for a key new to the stream. When a rekey installs a key again in a
	 * new context, pass the key_id it had in the old one: its usage counts
	 * (and lifetime) carry over.
	 */
	uint32_t id;
	uint8_t key[MS_SRTP_MAX_KEY_LEN];
	uint8_t salt[MS_SRTP_MAX_SALT_LEN];
	uint8_t mki[MS_SRTP_MAX_MKI_LEN];
	/*
	 * First SRTP index / SRTCP index this key applies to when the key is
	 * chosen by index (no MKI on inbound, and always on outbound). The key of
	 * slot 1 takes over from slot 0 at these indices; 0 means at once.
	 */
	uint64_t rtp_from;
	uint32_t rtcp_from;
	/* Packets this key may protect or verify; 0 = RFC 3711 maximum. */
	uint64_t rtp_lifetime;
	uint32_t rtcp_lifetime;
};

#define MS_SRTP_CTX_RTCP_UNENCRYPTED RTE_BIT32(0) /* send SRTCP with E=0 */

struct ms_srtp_ctx_cfg {
	enum ms_srtp_suite suite;
	uint8_t mki_len;  /* 0: no MKI; 1..4 */
	uint8_t nb_keys;  /* 1 or 2 */
	uint32_t flags;   /* MS_SRTP_CTX_* */
	struct ms_srtp_key_cfg keys[MS_SRTP_MAX_KEYS];
};

struct ms_srtp_stream_cfg {
	enum ms_srtp_dir dir;
	uint16_t replay_window; /* 0: MS_SRTP_REPLAY_WINDOW_DEFAULT */
	uint32_t initial_roc;   /* ROC of the first packet of each new SSRC */
};

struct ms_crypto_engine;

#define MS_SRTP_VIEW_CUSTOM_LIFETIME RTE_BIT32(0) /* a key has a lifetime below the RFC maximum */

/*
 * What every SRTP packet needs to know of its context. The owner lcore copies
 * it into the stream's first cache line when it meets a newly published
 * context, so a packet does not read the context's own header.
 */
struct ms_srtp_ctx_view {
	uint8_t cipher;
	uint8_t rtp_tag_len;
	uint8_t mki_len;
	uint8_t nb_keys;
	uint8_t aes_key_len; /* 16 or 32; 0 for the NULL cipher */
	uint8_t flags;       /* MS_SRTP_VIEW_* */
};

/*
 * Head of every engine's crypto context. Immutable once published. A context
 * serves one stream (one direction of one leg): that stream's retire frees it.
 */
struct ms_srtp_ctx {
	struct ms_srtp_ctx_view view;
	uint8_t suite;
	uint8_t rtcp_tag_len;
	uint8_t rtcp_encrypt;
	uint8_t reserved[7];
	/* Unique per installed key: usage counters follow the key, not the slot. */
	uint32_t key_id[MS_SRTP_MAX_KEYS];
	uint64_t rtp_from[MS_SRTP_MAX_KEYS];
	uint64_t rtp_limit[MS_SRTP_MAX_KEYS];
	uint64_t rtp_soft[MS_SRTP_MAX_KEYS];
	uint8_t mki[MS_SRTP_MAX_KEYS][MS_SRTP_MAX_MKI_LEN];
	uint32_t rtcp_from[MS_SRTP_MAX_KEYS];
	uint32_t rtcp_limit[MS_SRTP_MAX_KEYS];
	uint32_t rtcp_soft[MS_SRTP_MAX_KEYS];
	const struct ms_crypto_engine *engine;
} __rte_cache_aligned;

/* How much one key has been used, in one stream. */
struct ms_srtp_key_use {
	uint32_t key_id;
	uint32_t rtcp;
	uint64_t rtp;
};

/*
 * Head of every engine's stream state: 56 bytes, so an engine's own
 * per-packet fields share its first cache line.
 */
struct ms_srtp_stream {
	/* ctlplane: rw (ms_srtp_stream_publish), dataplane: ro (acquire load) */
	struct ms_srtp_ctx *ctx;
	/*
	 * The context view and use describe. Compared, never dereferenced.
	 * dataplane (owner lcore): rw; ctlplane: cleared by ms_srtp_stream_retire.
	 */
	const struct ms_srtp_ctx *bound;
	/* dataplane (owner lcore): rw; ctlplane: ro, relaxed loads */
	struct ms_srtp_key_use use[MS_SRTP_MAX_KEYS];
	struct ms_srtp_ctx_view view;
	/* set at creation, read-only after */
	uint8_t dir;
	/* dataplane (owner lcore): rw */
	uint8_t nb_ssrc; /* SSRCs the stream tracks now */
};

/* Per-stream figures for control and counters. */
struct ms_srtp_stream_info {
	uint32_t nb_ssrc;
	uint32_t ssrc_evictions; /* SSRCs dropped to make room for a new one */
};

/* Usage of the key in one slot of a stream's current context, for control. */
struct ms_srtp_key_status {
	uint32_t key_id;
	uint64_t rtp_used;
	uint64_t rtp_limit;
	uint32_t rtcp_used;
	uint32_t rtcp_limit;
	bool rekey_needed; /* past the soft limit: install a new key soon */
	bool expired;      /* hard limit reached: packets are dropped as key_expired */
};

/* Control side: reads the owner lcore's counters with relaxed loads. */
int ms_srtp_stream_key_status(const struct ms_srtp_stream *s, unsigned slot,
			      struct ms_srtp_key_status *st);
/* True when any key of the stream's current context passed its soft limit. */
bool ms_srtp_stream_rekey_needed(const struct ms_srtp_stream *s);

/* Per-lcore engine state (crypto managers, job arrays, scratch). */
struct ms_crypto_lcore {
	const struct ms_crypto_engine *engine;
};

typedef uint16_t (*ms_srtp_burst_fn)(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
				     struct ms_srtp_stream *const *streams, uint16_t nb_pkts,
				     uint8_t *results);

struct ms_crypto_engine {
	const char *name;
	const char *description;
	/* 0 when the engine can run on this machine, else -ENOTSUP. */
	int (*probe)(void);
	/* Known-answer tests. 0 when all pass; the engine must not be used otherwise. */
	int (*selftest)(void);
	int (*lcore_create)(int socket_id, struct ms_crypto_lcore **lc);
	void (*lcore_free)(struct ms_crypto_lcore *lc);
	int (*ctx_create)(const struct ms_srtp_ctx_cfg *cfg, struct ms_srtp_ctx **ctx);
	/*
	 * A new context built from old: the keys of old's slots listed in keep
	 * (in the new context's slot order), then add (NULL: none). Kept keys
	 * keep id, MKI, start indices, lifetimes and their derived session
	 * material; add takes old's suite, MKI length and flags. Called through
	 * ms_srtp_ctx_rekey, which checks the arguments first.
	 */
	int (*ctx_rekey)(const struct ms_srtp_ctx *old, const uint8_t *keep, unsigned nb_keep,
			 const struct ms_srtp_key_cfg *add, struct ms_srtp_ctx **ctx);
	void (*ctx_free)(struct ms_srtp_ctx *ctx);
	int (*stream_create)(const struct ms_srtp_stream_cfg *cfg, struct ms_srtp_ctx *ctx,
			     struct ms_srtp_stream **stream);
	void (*stream_free)(struct ms_srtp_stream *stream);
	/* Size in bytes of the key material one packet of this suite touches. */
	size_t (*hot_ctx_size)(enum ms_srtp_suite suite);
	/* Control side: relaxed reads of the owner lcore's figures. */
	void (*stream_info)(const struct ms_srtp_stream *stream, struct ms_srtp_stream_info *info);
	ms_srtp_burst_fn rtp_protect;
	ms_srtp_burst_fn rtp_unprotect;
	ms_srtp_burst_fn rtcp_protect;
	ms_srtp_burst_fn rtcp_unprotect;
};

/* Engines by name: "ipsec-mb" (fast path), "libsrtp2" (reference). */
const struct ms_crypto_engine *ms_crypto_engine_find(const char *name);
const struct ms_crypto_engine *const *ms_crypto_engine_list(unsigned *count);

/*
 * Probes the engine and runs its known-answer tests once; the result is
 * remembered. Returns 0 when the engine may be used, -ENOTSUP when it cannot
 * run here, -EIO when a known-answer test failed.
 */
int ms_crypto_engine_init(const struct ms_crypto_engine *engine);

/* Validates a context configuration against a suite; -EINVAL and a reason. */
int ms_srtp_ctx_cfg_check(const struct ms_srtp_ctx_cfg *cfg, const char **why);
int ms_srtp_stream_cfg_check(const struct ms_srtp_stream_cfg *cfg, const char **why);

/* The checks engines run on creation: as above, logging the reason. */
int ms_srtp_ctx_create_check(const struct ms_srtp_ctx_cfg *cfg);
int ms_srtp_stream_create_check(const struct ms_srtp_stream_cfg *cfg,
				const struct ms_srtp_ctx *ctx, const struct ms_crypto_engine *engine);

/*
 * Make-before-break rekey without master keys kept anywhere: a context for
 * the same stream as old holding old's keys in the slots listed in keep (in
 * that order), then add when not NULL (a new key, for old's suite and MKI
 * length, with a unique MKI when MKIs are used). Returns -EINVAL with why set
 * when the result would not be a valid context (no key, more than
 * MS_SRTP_MAX_KEYS, a slot old does not have or listed twice, two keys with
 * one MKI, a zero key, a lifetime beyond RFC 3711's), -ENOTSUP when the
 * engine cannot build it, else what the engine's ctx_rekey returns; why is
 * set on every failure.
 */
int ms_srtp_ctx_rekey(const struct ms_srtp_ctx *old, const uint8_t *keep, unsigned nb_keep,
		      const struct ms_srtp_key_cfg *add, struct ms_srtp_ctx **ctx, const char **why);

/* Fills the engine-independent head of a new context from its configuration. */
void ms_srtp_ctx_init_head(struct ms_srtp_ctx *ctx, const struct ms_crypto_engine *engine,
			   const struct ms_srtp_ctx_cfg *cfg);

/*
 * For ctx_rekey: the configuration of the new context, without key bytes.
 * Kept slots are described from old (id, MKI, start indices, lifetimes), add's
 * slot from add; the engine copies or derives each slot's material itself.
 */
void ms_srtp_rekey_cfg(const struct ms_srtp_ctx *old, const uint8_t *keep, unsigned nb_keep,
		       const struct ms_srtp_key_cfg *add, struct ms_srtp_ctx_cfg *cfg);

/*
 * Installs a new crypto context into a live stream (rekey, suite change).
 * Returns the previous one, for ms_srtp_stream_retire once every worker has
 * passed a quiescent state.
 */
static inline struct ms_srtp_ctx *
ms_srtp_stream_publish(struct ms_srtp_stream *s, struct ms_srtp_ctx *ctx)
{
	return __atomic_exchange_n(&s->ctx, ctx, __ATOMIC_RELEASE);
}

/*
 * Frees a context published out of a stream, after the grace period. The
 * stream forgets it was bound to it first: a context allocated later at the
 * same address must never be taken for this one.
 */
void ms_srtp_stream_retire(struct ms_srtp_stream *s, struct ms_srtp_ctx *old);

static inline struct ms_srtp_ctx *
ms_srtp_stream_ctx(const struct ms_srtp_stream *s)
{
	return __atomic_load_n(&s->ctx, __ATOMIC_ACQUIRE);
}

static inline uint16_t
ms_srtp_rtp_protect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		    struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	return lc->engine->rtp_protect(lc, pkts, streams, n, res);
}

static inline uint16_t
ms_srtp_rtp_unprotect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		      struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	return lc->engine->rtp_unprotect(lc, pkts, streams, n, res);
}

static inline uint16_t
ms_srtp_rtcp_protect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		     struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	return lc->engine->rtcp_protect(lc, pkts, streams, n, res);
}

static inline uint16_t
ms_srtp_rtcp_unprotect(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts,
		       struct ms_srtp_stream *const *streams, uint16_t n, uint8_t *res)
{
	return lc->engine->rtcp_unprotect(lc, pkts, streams, n, res);
}

#endif
