/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_TEST_H
#define MS_TEST_H

/* Helpers shared by the test programs. cmocka must be included first. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "srtp.h"

/* EAL without hugepages, PCI or shared files, so tests run anywhere, in parallel. */
void ms_test_init(int argc, char **argv);

/* Seeded from MS_TEST_SEED, or the clock; printed so a failure can be replayed. */
uint32_t ms_test_rand(void);
void ms_test_rand_bytes(void *p, size_t n);
static inline uint32_t
ms_test_rand_range(uint32_t lo, uint32_t hi)
{
	return lo + ms_test_rand() % (hi - lo + 1);
}

struct rte_mbuf *ms_test_mbuf(const void *data, uint16_t len);
/*
 * The frame in a malloc'ed external buffer of exactly len bytes, attached to
 * an mbuf of the pool: under ASan any read past the frame is caught.
 */
struct rte_mbuf *ms_test_exact_mbuf(const void *data, uint16_t len);
struct rte_mempool *ms_test_pool(void);

struct ms_test_rtp {
	uint16_t seq;
	uint32_t ssrc;
	uint8_t cc;          /* CSRC count */
	uint16_t ext_words;  /* header extension length in 32-bit words */
	bool ext;
	uint16_t payload_len;
	uint8_t pad;         /* RTP padding bytes (count included), 0 for none */
};

/* Writes a valid RTP packet with random content; returns its length. */
uint16_t ms_test_build_rtp(uint8_t *buf, const struct ms_test_rtp *r);
/* A random RTP shape: CSRCs, extension, padding, payload 0..max_payload. */
void ms_test_random_rtp(struct ms_test_rtp *r, uint16_t max_payload);
/* Writes an RTCP compound packet (SR + a random body) of 8 + 4 * words bytes. */
uint16_t ms_test_build_rtcp(uint8_t *buf, uint32_t ssrc, uint16_t words);

/* A context configuration with random keys (and MKIs when mki_len > 0). */
void ms_test_ctx_cfg(struct ms_srtp_ctx_cfg *cfg, enum ms_srtp_suite suite, uint8_t mki_len);

/* Both directions of one call leg, sharing one master key. */
struct ms_test_leg {
	const struct ms_crypto_engine *e;
	struct ms_crypto_lcore *lc;
	struct ms_srtp_ctx *ctx_tx, *ctx_rx;
	struct ms_srtp_stream *tx, *rx;
};

int ms_test_leg_create(struct ms_test_leg *l, const struct ms_crypto_engine *e,
		       const struct ms_srtp_ctx_cfg *cfg, uint16_t window, uint32_t roc);
void ms_test_leg_free(struct ms_test_leg *l);

/* One packet through one burst function; returns the result. */
int ms_test_one(struct ms_crypto_lcore *lc, ms_srtp_burst_fn fn, struct ms_srtp_stream *s,
		struct rte_mbuf *m);

const struct ms_crypto_engine *ms_test_engine(const char *name);

#endif
