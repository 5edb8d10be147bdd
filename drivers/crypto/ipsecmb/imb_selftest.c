/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"
#include "imb.h"
#include "ms_log.h"
#include "secmem.h"

/* Known answers for the primitives, then whole packets through the engine. */

int
imb_kat_kdf(const struct ms_kat_kdf *v)
{
	uint8_t key[32], salt[14], want[128], got[128];
	int klen = ms_hex_decode(v->master_key, key, sizeof(key));
	int slen = ms_hex_decode(v->master_salt, salt, sizeof(salt));
	int wlen = ms_hex_decode(v->expected, want, sizeof(want));
	int ret = -EIO;

	if (klen > 0 && slen > 0 && wlen > 0 &&
	    imb_kdf(key, (unsigned)klen, salt, (unsigned)slen, v->label, got, (unsigned)wlen) == 0 &&
	    memcmp(got, want, (size_t)wlen) == 0)
		ret = 0;
	ms_secure_zero(key, sizeof(key));
	ms_secure_zero(got, sizeof(got));
	return ret;
}

int
imb_kat_keystream(const struct ms_kat_keystream *v)
{
	uint8_t key[32], iv[16], first[48], last[48];
	int klen = ms_hex_decode(v->key, key, sizeof(key));
	size_t len = (size_t)v->nb_blocks * 16;
	uint8_t *ks = malloc(len);
	int ret = -EIO;

	if (ks == NULL)
		return -ENOMEM;
	if (klen > 0 && ms_hex_decode(v->iv, iv, sizeof(iv)) == 16 &&
	    ms_hex_decode(v->first, first, sizeof(first)) == 48 &&
	    ms_hex_decode(v->last, last, sizeof(last)) == 48 &&
	    imb_keystream(key, (unsigned)klen, iv, ks, (unsigned)len) == 0 &&
	    memcmp(ks, first, 48) == 0 && memcmp(ks + len - 48, last, 48) == 0)
		ret = 0;
	free(ks);
	return ret;
}

int
imb_selftest(void)
{
	int failed = 0;

	for (size_t i = 0; i < ms_kat_nb_kdf; i++) {
		if (imb_kat_kdf(&ms_kat_kdf_vectors[i]) < 0) {
			MS_LOG(ERR, crypto, "ipsec-mb: %s: derived key differs", ms_kat_kdf_vectors[i].ref);
			failed++;
		}
	}
	for (size_t i = 0; i < ms_kat_nb_keystream; i++) {
		if (imb_kat_keystream(&ms_kat_keystream_vectors[i]) < 0) {
			MS_LOG(ERR, crypto, "ipsec-mb: %s: keystream differs",
			       ms_kat_keystream_vectors[i].ref);
			failed++;
		}
	}
	if (ms_kat_run_packets(&ms_engine_ipsecmb, imb_ctx_from_session_keys) < 0)
		failed++;
	return failed ? -EIO : 0;
}
