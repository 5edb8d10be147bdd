/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_KAT_H
#define MS_KAT_H

/*
 * Known-answer vectors, each citing where it comes from. Engines run them at
 * start and refuse to start if one fails; the `vectors` test suite runs each
 * one separately and reports it by name.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp.h"

/* Session key derivation, RFC 3711 4.3 (AES-CM PRF, key derivation rate 0). */
struct ms_kat_kdf {
	const char *ref;
	const char *master_key;
	const char *master_salt;
	uint8_t label;
	const char *expected;
};

/* AES counter-mode keystream: the first and the last three blocks of a segment. */
struct ms_kat_keystream {
	const char *ref;
	const char *key;
	const char *iv;
	unsigned nb_blocks;
	const char *first;
	const char *last;
};

/* A whole packet, protected and unprotected through an engine. */
struct ms_kat_packet {
	const char *ref;
	enum ms_srtp_suite suite;
	bool rtcp;
	bool session_keys;  /* key/salt are session keys (RFC 7714 section 16-17) */
	bool rtcp_unencrypted;
	const char *key;
	const char *salt;
	uint32_t roc;       /* SRTP: rollover counter of the packet */
	uint32_t rtcp_index; /* SRTCP: index the sender puts on this packet */
	const char *plain;
	const char *protected;
};

extern const struct ms_kat_kdf ms_kat_kdf_vectors[];
extern const size_t ms_kat_nb_kdf;
extern const struct ms_kat_keystream ms_kat_keystream_vectors[];
extern const size_t ms_kat_nb_keystream;
extern const struct ms_kat_packet ms_kat_packet_vectors[];
extern const size_t ms_kat_nb_packet;

/* Decodes hex text, ignoring white space. Returns the byte count or -1. */
int ms_hex_decode(const char *hex, uint8_t *out, size_t max);

/*
 * Protects the vector's plaintext and compares every byte, unprotects the
 * vector's packet and compares, and checks a one-bit change fails
 * authentication. Needs EAL memory (streams and lcores come from rte_malloc).
 * Returns 0, -ENOTSUP when the engine cannot load this vector's keys (session
 * keys on an engine without that entry point), or -EIO with a reason in why.
 */
typedef int (*ms_kat_session_ctx_fn)(enum ms_srtp_suite suite, uint32_t flags,
				     const uint8_t *enc_key, const uint8_t *salt,
				     const uint8_t *auth_key, struct ms_srtp_ctx **ctx);

int ms_kat_check_packet(const struct ms_crypto_engine *e, ms_kat_session_ctx_fn session_ctx,
			const struct ms_kat_packet *v, const char **why);

/* Runs every packet vector the engine can load; logs and counts failures. */
int ms_kat_run_packets(const struct ms_crypto_engine *e, ms_kat_session_ctx_fn session_ctx);

/* A single-segment mbuf over caller memory, for vectors outside any mempool. */
void ms_kat_mbuf_init(struct rte_mbuf *m, uint8_t *buf, uint16_t buf_len, const uint8_t *data,
		      uint16_t len);

#endif
