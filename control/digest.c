/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "digest.h"
#include "secmem.h"

static void
hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* SHA-256 over parts joined with ':', as hex. */
static void
sha256_joined(const char *const *parts, unsigned n, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		/* out of memory: an HA1 nobody can match */
		memset(out, 'x', MS_DIGEST_HEX_LEN);
		out[MS_DIGEST_HEX_LEN] = '\0';
		EVP_MD_CTX_free(c);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			EVP_DigestUpdate(c, ":", 1);
		EVP_DigestUpdate(c, parts[i], strlen(parts[i]));
	}
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	hex(md, mdlen, out);
	ms_secure_zero(md, sizeof(md));
}

void
ms_digest_ha1(const char *user, const char *realm, const char *password, char *out)
{
	const char *parts[] = {user, realm, password};

	sha256_joined(parts, 3, out);
}

int
ms_digest_nonce(char *out, size_t len)
{
	unsigned char r[MS_DIGEST_NONCE_LEN / 2];

	if (len < MS_DIGEST_NONCE_LEN + 1 || RAND_bytes(r, sizeof(r)) != 1)
		return -EIO;
	hex(r, sizeof(r), out);
	return 0;
}

void
ms_digest_response(const char *ha1, const char *nonce, const char *nc, const char *cnonce,
		   const char *qop, const char *method, const char *uri, char *out)
{
	char ha2[MS_DIGEST_HEX_LEN + 1];
	const char *a2[] = {method, uri};

	sha256_joined(a2, 2, ha2);
	const char *kd[] = {ha1, nonce, nc, cnonce, qop, ha2};

	sha256_joined(kd, 6, out);
}

bool
ms_digest_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != MS_DIGEST_HEX_LEN || lb != MS_DIGEST_HEX_LEN)
		return false;
	return CRYPTO_memcmp(a, b, MS_DIGEST_HEX_LEN) == 0;
}

bool
ms_digest_hex_ok(const char *s)
{
	if (strlen(s) != MS_DIGEST_HEX_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}
