/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_DIGEST_H
#define MS_DIGEST_H

/*
 * Digest authentication of control clients, RFC 7616 with SHA-256 and
 * qop=auth. The server keeps only HA1 = SHA-256(user:realm:password), never
 * the password; a response is compared in constant time.
 */

#include <stdbool.h>
#include <stddef.h>

#define MS_DIGEST_HEX_LEN 64 /* a SHA-256 value in lowercase hex */
#define MS_DIGEST_NONCE_LEN 32
#define MS_DIGEST_URI "mediasec:control"
#define MS_DIGEST_METHOD "AUTH"
#define MS_DIGEST_QOP "auth"
#define MS_DIGEST_ALGORITHM "SHA-256"

/* out: MS_DIGEST_HEX_LEN + 1 bytes. */
void ms_digest_ha1(const char *user, const char *realm, const char *password, char *out);
/* A fresh server nonce, MS_DIGEST_NONCE_LEN hex characters (128 random bits). 0 or -EIO. */
int ms_digest_nonce(char *out, size_t len);
/* The response a client computes; out: MS_DIGEST_HEX_LEN + 1 bytes. */
void ms_digest_response(const char *ha1, const char *nonce, const char *nc, const char *cnonce,
			const char *qop, const char *method, const char *uri, char *out);
/* Two hex values equal, in time independent of where they differ. */
bool ms_digest_equal(const char *a, const char *b);
/* 64 lowercase hex characters: what a stored HA1 must look like. */
bool ms_digest_hex_ok(const char *s);

#endif
