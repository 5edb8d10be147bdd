/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer vectors, one test each, named after the RFC section (or the
 * libsrtp validation routine) they come from: RFC 3711 B.2 and B.3, RFC 6188
 * 7.1 and 7.2, RFC 7714 16 and 17. Each test also shows the check can fail:
 * a one-character change to the expected value must be reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engines.h"
#include "imb.h"
#include "kat.h"
#include "ms_test.h"

/* A copy of hex text with one digit changed, at a position chosen by the caller. */
static char *
corrupt_hex(const char *hex, size_t at)
{
	char *s = strdup(hex);
	size_t seen = 0;

	assert_non_null(s);
	for (char *c = s; *c != '\0'; c++) {
		if (*c == ' ')
			continue;
		if (seen++ == at) {
			*c = *c == '0' ? '1' : '0';
			return s;
		}
	}
	fail_msg("hex text shorter than %zu digits", at);
	return s;
}

static void
test_kdf(void **state)
{
	const struct ms_kat_kdf *v = *state;
	struct ms_kat_kdf bad = *v;

	assert_int_equal(imb_kat_kdf(v), 0);
	bad.expected = corrupt_hex(v->expected, strlen(v->expected) / 3);
	assert_int_not_equal(imb_kat_kdf(&bad), 0);
	free((void *)bad.expected);
}

static void
test_keystream(void **state)
{
	const struct ms_kat_keystream *v = *state;
	struct ms_kat_keystream bad = *v;

	assert_int_equal(imb_kat_keystream(v), 0);
	bad.last = corrupt_hex(v->last, 90);
	assert_int_not_equal(imb_kat_keystream(&bad), 0);
	free((void *)bad.last);
}

struct packet_case {
	const struct ms_crypto_engine *e;
	const struct ms_kat_packet *v;
};

static void
test_packet(void **state)
{
	const struct packet_case *pc = *state;
	ms_kat_session_ctx_fn session = pc->e == &ms_engine_ipsecmb ? imb_ctx_from_session_keys : NULL;
	struct ms_kat_packet bad = *pc->v;
	const char *why = NULL;

	int ret = ms_kat_check_packet(pc->e, session, pc->v, &why);
	if (ret != 0)
		fail_msg("%s: %s", pc->v->ref, why ? why : "error");

	/* a changed byte in the expected ciphertext (after the 12-byte header) is caught */
	bad.protected = corrupt_hex(pc->v->protected, 30);
	assert_int_equal(ms_kat_check_packet(pc->e, session, &bad, &why), -EIO);
	free((void *)bad.protected);
}

static void
test_engines_pass_selftest(void **state)
{
	unsigned n;
	const struct ms_crypto_engine *const *list = ms_crypto_engine_list(&n);

	(void)state;
	assert_true(n >= 2);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(ms_crypto_engine_init(list[i]), 0);
}

int
main(int argc, char **argv)
{
	size_t max = 1 + ms_kat_nb_kdf + ms_kat_nb_keystream + 2 * ms_kat_nb_packet;
	struct CMUnitTest *tests = calloc(max, sizeof(*tests));
	struct packet_case *cases = calloc(2 * ms_kat_nb_packet, sizeof(*cases));
	const struct ms_crypto_engine *engines[] = {&ms_engine_ipsecmb, &ms_engine_libsrtp};
	size_t nt = 0, nc = 0;

	ms_test_init(argc, argv);
	tests[nt++] = (struct CMUnitTest){"both engines pass their known-answer tests",
					  test_engines_pass_selftest, NULL, NULL, NULL};
	for (size_t i = 0; i < ms_kat_nb_kdf; i++)
		tests[nt++] = (struct CMUnitTest){ms_kat_kdf_vectors[i].ref, test_kdf, NULL, NULL,
						  (void *)&ms_kat_kdf_vectors[i]};
	for (size_t i = 0; i < ms_kat_nb_keystream; i++)
		tests[nt++] = (struct CMUnitTest){ms_kat_keystream_vectors[i].ref, test_keystream,
						  NULL, NULL, (void *)&ms_kat_keystream_vectors[i]};
	for (size_t e = 0; e < RTE_DIM(engines); e++) {
		for (size_t i = 0; i < ms_kat_nb_packet; i++) {
			const struct ms_kat_packet *v = &ms_kat_packet_vectors[i];
			char *name;

			/* libsrtp only takes master keys: RFC 7714 gives session keys */
			if (v->session_keys && engines[e] != &ms_engine_ipsecmb)
				continue;
			if (asprintf(&name, "%s: %s", engines[e]->name, v->ref) < 0)
				return 1;
			cases[nc] = (struct packet_case){engines[e], v};
			tests[nt++] = (struct CMUnitTest){name, test_packet, NULL, NULL, &cases[nc++]};
		}
	}
	return _cmocka_run_group_tests("vectors", tests, nt, NULL, NULL);
}
