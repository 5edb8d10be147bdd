/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's transform stage: SRTP->SRTP (another key and suite), SRTP->RTP,
 * RTP->SRTP and RTP->RTP in one burst, RTCP among them, bad packets dropped
 * and counted, survivors in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ms_test.h"
#include "xform.h"

enum pairing { SRTP_SRTP, SRTP_RTP, RTP_SRTP, RTP_RTP };

struct sent {
	uint8_t plain[256];
	uint16_t len;
	enum pairing pairing;
	bool rtcp;
	bool bad;
};

static void
test_four_pairings(void **state)
{
	const struct ms_crypto_engine *e = ms_test_engine("ipsec-mb");
	struct ms_srtp_ctx_cfg cfg;
	struct ms_test_leg a, b; /* A: AES-CM leg, B: AES-GCM leg; the RTP legs need none */
	static struct sent sent[150];
	struct rte_mbuf *pkts[150];
	struct ms_xform_meta meta[150];
	struct ms_xform x = {0};
	unsigned n = 150, bad = 0, want_in = 0, want_out = 0, want_plain = 0;
	uint16_t seq = 60000;

	(void)state;
	memset(meta, 0, sizeof(meta));
	ms_test_ctx_cfg(&cfg, MS_SUITE_AES_CM_128_HMAC_SHA1_80, 0);
	assert_int_equal(ms_test_leg_create(&a, e, &cfg, 0, 0), 0);
	ms_test_ctx_cfg(&cfg, MS_SUITE_AEAD_AES_256_GCM, 2);
	assert_int_equal(ms_test_leg_create(&b, e, &cfg, 0, 0), 0);
	x.crypto = a.lc;

	for (unsigned i = 0; i < n; i++) {
		struct sent *s = &sent[i];

		s->pairing = (enum pairing)(i % 4);
		s->rtcp = i % 7 == 3;
		if (s->rtcp)
			s->len = ms_test_build_rtcp(s->plain, 0xa, 6);
		else {
			struct ms_test_rtp r = {.seq = seq++, .ssrc = 0xa, .payload_len = 100};
			s->len = ms_test_build_rtp(s->plain, &r);
		}
		/* what the peer of leg A sends: SRTP when A is the inbound SRTP leg */
		struct rte_mbuf *m = ms_test_mbuf(s->plain, s->len);
		if (s->pairing == SRTP_SRTP || s->pairing == SRTP_RTP) {
			ms_srtp_burst_fn fn = s->rtcp ? e->rtcp_protect : e->rtp_protect;
			assert_int_equal(ms_test_one(a.lc, fn, a.tx, m), MS_SRTP_OK);
			meta[i].in = a.rx;
		} else {
			meta[i].in = NULL;
		}
		meta[i].out = s->pairing == SRTP_SRTP || s->pairing == RTP_SRTP ? b.tx : NULL;
		meta[i].rtcp = s->rtcp;
		/* a few forged packets: the inbound transform must drop them */
		if (meta[i].in != NULL && i % 11 == 0) {
			uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

			p[rte_pktmbuf_data_len(m) - 1] ^= 0x10;
			s->bad = true;
			bad++;
		}
		if (!s->bad) {
			want_in += meta[i].in != NULL;
			want_out += meta[i].out != NULL;
			want_plain += meta[i].in == NULL && meta[i].out == NULL;
		}
		pkts[i] = m;
	}

	uint16_t kept = ms_xform_burst(&x, pkts, meta, (uint16_t)n);
	assert_int_equal(kept, n - bad);
	assert_int_equal(x.stats.in_drops[MS_SRTP_AUTH_FAIL], bad);

	/* survivors, in order: what leg B's peer (or the RTP peer) receives */
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		if (sent[i].bad)
			continue;
		struct rte_mbuf *m = pkts[k];

		assert_int_equal(meta[k].rtcp, sent[i].rtcp);
		if (meta[k].out != NULL) {
			ms_srtp_burst_fn fn = sent[i].rtcp ? e->rtcp_unprotect : e->rtp_unprotect;
			assert_int_equal(ms_test_one(b.lc, fn, b.rx, m), MS_SRTP_OK);
		}
		assert_int_equal(rte_pktmbuf_data_len(m), sent[i].len);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), sent[i].plain, sent[i].len);
		rte_pktmbuf_free(m);
		k++;
	}
	assert_int_equal(k, kept);
	assert_int_equal(x.stats.unprotected, want_in);
	assert_int_equal(x.stats.protected, want_out);
	assert_int_equal(x.stats.passed_plain, want_plain);
	assert_true(want_in > 0 && want_out > 0 && want_plain > 0 && bad > 0);
	ms_test_leg_free(&a);
	ms_test_leg_free(&b);
}

/* An outbound failure (no tailroom) is counted on the outbound side. */
static void
test_outbound_drop(void **state)
{
	const struct ms_crypto_engine *e = ms_test_engine("ipsec-mb");
	struct ms_srtp_ctx_cfg cfg;
	struct ms_test_leg b;
	struct ms_xform x = {0};
	struct ms_test_rtp r = {.seq = 1, .ssrc = 9, .payload_len = 40};
	uint8_t plain[64];

	(void)state;
	ms_test_ctx_cfg(&cfg, MS_SUITE_AES_CM_128_HMAC_SHA1_80, 0);
	assert_int_equal(ms_test_leg_create(&b, e, &cfg, 0, 0), 0);
	x.crypto = b.lc;
	uint16_t len = ms_test_build_rtp(plain, &r);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ms_test_pool());
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, rte_pktmbuf_tailroom(m));
	memcpy(p, plain, len);
	p[0] &= (uint8_t)~0x20;
	struct ms_xform_meta meta = {.in = NULL, .out = b.tx};

	assert_int_equal(ms_xform_burst(&x, &m, &meta, 1), 0);
	assert_int_equal(x.stats.out_drops[MS_SRTP_NO_ROOM], 1);
	assert_int_equal(x.stats.in_drops[MS_SRTP_NO_ROOM], 0);
	ms_test_leg_free(&b);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_pairings),
		cmocka_unit_test(test_outbound_drop),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests_name("xform", tests, NULL, NULL);
}
