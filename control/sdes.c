/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES key parameters (RFC 4568 section 6.1):
 *
 *	"inline:" base64(master key || master salt) ["|" lifetime] ["|" MKI ":" length]
 *
 * lifetime is decimal or "2^n"; MKI is a decimal value and its length in
 * bytes (1..4). Nothing here writes key material anywhere but into the key
 * it fills: the reasons are static strings, and every buffer that held key
 * bytes (base64 or binary) is wiped before returning.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "config.h"
#include "secmem.h"

#define SDES_PREFIX "inline:"
/* base64 of the longest master key || salt (32 + 14 bytes), padded */
#define SDES_B64_MAX (((MS_SRTP_MAX_KEY_LEN + MS_SRTP_MAX_SALT_LEN + 2) / 3) * 4)

static bool
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/*
 * Decodes len characters of base64 into key and salt. EVP_DecodeBlock trims
 * white space, accepts no unpadded input and returns a length rounded up to
 * a multiple of 3, so the text is checked here first: only the base64
 * alphabet, '=' only at the end and only as much as the length calls for;
 * padding is added when the text has none, and the length that counts is
 * computed from the characters, not taken from EVP_DecodeBlock.
 */
static int
decode_key_salt(const char *s, size_t len, const struct ms_srtp_suite_info *si,
		struct ms_srtp_key_cfg *key, const char **why)
{
	char in[SDES_B64_MAX + 1];
	unsigned char out[SDES_B64_MAX / 4 * 3];
	size_t want = (size_t)si->master_key_len + si->master_salt_len;
	size_t data = len, padded, n;
	int got, ret = 0;

	if (len == 0) {
		*why = "no key after \"inline:\"";
		return -EINVAL;
	}
	while (data > 0 && s[data - 1] == '=')
		data--;
	for (size_t i = 0; i < data; i++)
		if (!b64_char(s[i])) {
			*why = "the key is not base64 (a character outside A-Z a-z 0-9 + /)";
			return -EINVAL;
		}
	if (data % 4 == 1 || len - data > 2 || (len != data && len % 4 != 0)) {
		*why = "the key is not base64 (truncated, or wrong padding)";
		return -EINVAL;
	}
	n = data / 4 * 3 + (data % 4 == 0 ? 0 : data % 4 - 1);
	if (n != want) {
		*why = "the key has the wrong length for the suite (master key || salt)";
		return -EINVAL;
	}
	/* n == want <= 46 bytes, so the padded text fits in SDES_B64_MAX */
	padded = (data + 3) / 4 * 4;
	memcpy(in, s, data);
	memset(in + data, '=', padded - data);
	in[padded] = '\0';
	got = EVP_DecodeBlock(out, (const unsigned char *)in, (int)padded);
	if (got < 0 || (size_t)got != padded / 4 * 3) {
		*why = "the key is not base64";
		ret = -EINVAL;
	} else {
		memcpy(key->key, out, si->master_key_len);
		memcpy(key->salt, out + si->master_key_len, si->master_salt_len);
	}
	ms_secure_zero(in, sizeof(in));
	ms_secure_zero(out, sizeof(out));
	return ret;
}

/* Decimal digits only (no sign, no blanks), at most max. */
static bool
parse_dec(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static int
parse_lifetime(const char *s, size_t len, struct ms_srtp_key_cfg *key, const char **why)
{
	uint64_t v;

	if (len > 2 && s[0] == '2' && s[1] == '^') {
		uint64_t e;

		if (!parse_dec(s + 2, len - 2, 63, &e)) {
			*why = "the key lifetime is not a decimal number or 2^n";
			return -EINVAL;
		}
		if (e > 48) {
			*why = "the key lifetime is above 2^48 packets (RFC 3711 limit)";
			return -EINVAL;
		}
		v = 1ull << e;
	} else if (!parse_dec(s, len, UINT64_MAX, &v)) {
		*why = "the key lifetime is not a decimal number or 2^n";
		return -EINVAL;
	}
	if (v == 0) {
		*why = "the key lifetime is 0 packets";
		return -EINVAL;
	}
	if (v > MS_SRTP_RTP_LIFETIME_MAX) {
		*why = "the key lifetime is above 2^48 packets (RFC 3711 limit)";
		return -EINVAL;
	}
	/* RFC 4568: the lifetime counts SRTP and SRTCP packets alike */
	key->rtp_lifetime = v;
	key->rtcp_lifetime = v < MS_SRTP_RTCP_LIFETIME_MAX - 1 ? (uint32_t)v : 0;
	return 0;
}

static int
parse_mki(const char *s, size_t len, struct ms_srtp_key_cfg *key, uint8_t *mki_len,
	  const char **why)
{
	const char *colon = memchr(s, ':', len);
	uint64_t v, l;

	if (colon == NULL || !parse_dec(s, (size_t)(colon - s), UINT32_MAX, &v) ||
	    !parse_dec(colon + 1, len - (size_t)(colon - s) - 1, 255, &l)) {
		*why = "the MKI is not \"value:length\" in decimal";
		return -EINVAL;
	}
	if (l < 1 || l > MS_SRTP_MAX_MKI_LEN) {
		*why = "the MKI length must be 1 to 4 bytes";
		return -EINVAL;
	}
	if (l < 4 && v >> (8 * l) != 0) {
		*why = "the MKI value does not fit in its length";
		return -EINVAL;
	}
	/* the MKI goes into packets in network order */
	for (unsigned i = 0; i < l; i++)
		key->mki[i] = (uint8_t)(v >> (8 * (l - 1 - i)));
	*mki_len = (uint8_t)l;
	return 0;
}

int
ms_sdes_parse(const char *s, enum ms_srtp_suite suite, struct ms_srtp_key_cfg *key,
	      uint8_t *mki_len, const char **why)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(suite);
	const char *p, *bar, *bar2 = NULL;
	size_t plen = sizeof(SDES_PREFIX) - 1;
	int ret;

	memset(key, 0, sizeof(*key));
	*mki_len = 0;
	if (si == NULL) {
		*why = "unknown suite";
		return -EINVAL;
	}
	if (s == NULL || strncmp(s, SDES_PREFIX, plen) != 0) {
		*why = "an SDES key starts with \"inline:\"";
		return -EINVAL;
	}
	p = s + plen;
	bar = strchr(p, '|');
	ret = decode_key_salt(p, bar ? (size_t)(bar - p) : strlen(p), si, key, why);
	if (ret == 0 && bar != NULL) {
		/* "|lifetime", "|MKI:len" or "|lifetime|MKI:len", in that order */
		const char *first = bar + 1;
		size_t flen;

		bar2 = strchr(first, '|');
		flen = bar2 ? (size_t)(bar2 - first) : strlen(first);
		if (bar2 == NULL && memchr(first, ':', flen) != NULL) {
			ret = parse_mki(first, flen, key, mki_len, why);
		} else {
			ret = parse_lifetime(first, flen, key, why);
			if (ret == 0 && bar2 != NULL) {
				if (strchr(bar2 + 1, '|') != NULL) {
					*why = "an SDES key has at most a lifetime and an MKI after it";
					ret = -EINVAL;
				} else {
					ret = parse_mki(bar2 + 1, strlen(bar2 + 1), key, mki_len, why);
				}
			}
		}
	}
	if (ret < 0) {
		ms_secure_zero(key, sizeof(*key));
		*mki_len = 0;
	}
	return ret;
}
