/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ipsec-mb engine against libsrtp2 on random traffic: for every packet,
 * both engines must produce the same protected bytes, libsrtp2 must unprotect
 * ours and we must unprotect libsrtp2's. Legs use every suite, MKIs of 0..4
 * bytes, SRTCP with and without encryption; sequence numbers start just below
 * 65535 so every leg rolls its ROC over; bursts mix legs and suites; packets
 * have 0..1400 bytes of payload, 0..15 CSRCs, header extensions and padding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ms_test.h"

#define NB_LEGS 48
#define BURST 32
#define PKTS_PER_LEG 260

struct side {
	struct ms_srtp_ctx *ctx_tx, *ctx_rx;
	struct ms_srtp_stream *tx, *rx;
};

struct xleg {
	struct ms_srtp_ctx_cfg cfg;
	struct side ours, ref;
	uint32_t ssrc;
	uint16_t seq;
	uint16_t first_seq;
	unsigned sent;
	bool rtcp_to_ref; /* libsrtp 2.5.0 cannot verify SRTCP with MKI on _32 suites */
};

static const struct ms_crypto_engine *ours, *ref;
static struct ms_crypto_lcore *lc_ours, *lc_ref;
static struct xleg legs[NB_LEGS];

static void
side_create(struct side *s, const struct ms_crypto_engine *e, const struct ms_srtp_ctx_cfg *cfg)
{
	struct ms_srtp_stream_cfg tx = {.dir = MS_SRTP_PROTECT};
	struct ms_srtp_stream_cfg rx = {.dir = MS_SRTP_UNPROTECT};

	assert_int_equal(e->ctx_create(cfg, &s->ctx_tx), 0);
	assert_int_equal(e->ctx_create(cfg, &s->ctx_rx), 0);
	assert_int_equal(e->stream_create(&tx, s->ctx_tx, &s->tx), 0);
	assert_int_equal(e->stream_create(&rx, s->ctx_rx, &s->rx), 0);
}

static void
side_free(struct side *s, const struct ms_crypto_engine *e)
{
	e->stream_free(s->tx);
	e->stream_free(s->rx);
	e->ctx_free(s->ctx_tx);
	e->ctx_free(s->ctx_rx);
}

static int
setup(void **state)
{
	(void)state;
	ours = ms_test_engine("ipsec-mb");
	ref = ms_test_engine("libsrtp2");
	assert_int_equal(ours->lcore_create(SOCKET_ID_ANY, &lc_ours), 0);
	assert_int_equal(ref->lcore_create(SOCKET_ID_ANY, &lc_ref), 0);
	for (unsigned i = 0; i < NB_LEGS; i++) {
		struct xleg *l = &legs[i];
		enum ms_srtp_suite suite = (enum ms_srtp_suite)(i % MS_SUITE_COUNT);
		const struct ms_srtp_suite_info *si = ms_srtp_suite_info(suite);

		ms_test_ctx_cfg(&l->cfg, suite, (uint8_t)(i / MS_SUITE_COUNT % 5));
		l->cfg.flags = (i / 2) % 2 ? MS_SRTP_CTX_RTCP_UNENCRYPTED : 0;
		side_create(&l->ours, ours, &l->cfg);
		side_create(&l->ref, ref, &l->cfg);
		l->ssrc = ms_test_rand();
		l->first_seq = l->seq = (uint16_t)(65535 - ms_test_rand_range(0, 200));
		l->rtcp_to_ref = l->cfg.mki_len == 0 || si->rtp_tag_len == si->rtcp_tag_len;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NB_LEGS; i++) {
		side_free(&legs[i].ours, ours);
		side_free(&legs[i].ref, ref);
	}
	ours->lcore_free(lc_ours);
	ref->lcore_free(lc_ref);
	return 0;
}

struct burst {
	unsigned n;
	struct xleg *leg[BURST];
	uint8_t plain[BURST][1600];
	uint16_t plain_len[BURST];
	struct rte_mbuf *a[BURST], *b[BURST];
	struct ms_srtp_stream *sa[BURST], *sb[BURST];
	uint8_t ra[BURST], rb[BURST];
};

static void
expect_all_ok(const uint8_t *res, unsigned n, const char *what, struct burst *bu)
{
	for (unsigned i = 0; i < n; i++)
		if (res[i] != MS_SRTP_OK)
			fail_msg("%s: packet %u (%s, MKI %u): %s", what, i,
				 ms_srtp_suite_info(bu->leg[i]->cfg.suite)->name, bu->leg[i]->cfg.mki_len,
				 ms_srtp_result_str(res[i]));
}

static void
expect_plain(struct burst *bu, struct rte_mbuf **m, const char *what)
{
	for (unsigned i = 0; i < bu->n; i++) {
		if (rte_pktmbuf_data_len(m[i]) != bu->plain_len[i] ||
		    memcmp(rte_pktmbuf_mtod(m[i], uint8_t *), bu->plain[i], bu->plain_len[i]) != 0)
			fail_msg("%s: packet %u (%s) does not decrypt to what was sent", what, i,
				 ms_srtp_suite_info(bu->leg[i]->cfg.suite)->name);
	}
}

/* Same plaintext into both engines; compare; then each unprotects the other's. */
static void
run_burst(struct burst *bu, bool rtcp)
{
	const struct ms_crypto_engine *o = ours, *r = ref;

	for (unsigned i = 0; i < bu->n; i++) {
		bu->a[i] = ms_test_mbuf(bu->plain[i], bu->plain_len[i]);
		bu->b[i] = ms_test_mbuf(bu->plain[i], bu->plain_len[i]);
		bu->sa[i] = bu->leg[i]->ours.tx;
		bu->sb[i] = bu->leg[i]->ref.tx;
	}
	(rtcp ? o->rtcp_protect : o->rtp_protect)(lc_ours, bu->a, bu->sa, (uint16_t)bu->n, bu->ra);
	(rtcp ? r->rtcp_protect : r->rtp_protect)(lc_ref, bu->b, bu->sb, (uint16_t)bu->n, bu->rb);
	expect_all_ok(bu->ra, bu->n, "ipsec-mb protect", bu);
	expect_all_ok(bu->rb, bu->n, "libsrtp2 protect", bu);
	for (unsigned i = 0; i < bu->n; i++) {
		uint16_t la = rte_pktmbuf_data_len(bu->a[i]), lb = rte_pktmbuf_data_len(bu->b[i]);

		if (la != lb || memcmp(rte_pktmbuf_mtod(bu->a[i], uint8_t *),
				       rte_pktmbuf_mtod(bu->b[i], uint8_t *), la) != 0)
			fail_msg("%s %s packet %u (MKI %u, %u bytes): protected bytes differ",
				 ms_srtp_suite_info(bu->leg[i]->cfg.suite)->name, rtcp ? "SRTCP" : "SRTP",
				 i, bu->leg[i]->cfg.mki_len, bu->plain_len[i]);
	}

	/* libsrtp2 unprotects ours (a), we unprotect libsrtp2's (b) */
	for (unsigned i = 0; i < bu->n; i++) {
		bu->sa[i] = bu->leg[i]->ref.rx;
		bu->sb[i] = bu->leg[i]->ours.rx;
	}
	(rtcp ? r->rtcp_unprotect : r->rtp_unprotect)(lc_ref, bu->a, bu->sa, (uint16_t)bu->n, bu->ra);
	(rtcp ? o->rtcp_unprotect : o->rtp_unprotect)(lc_ours, bu->b, bu->sb, (uint16_t)bu->n, bu->rb);
	expect_all_ok(bu->ra, bu->n, "libsrtp2 unprotect of ipsec-mb", bu);
	expect_all_ok(bu->rb, bu->n, "ipsec-mb unprotect of libsrtp2", bu);
	expect_plain(bu, bu->a, "libsrtp2 unprotect of ipsec-mb");
	expect_plain(bu, bu->b, "ipsec-mb unprotect of libsrtp2");
	for (unsigned i = 0; i < bu->n; i++) {
		rte_pktmbuf_free(bu->a[i]);
		rte_pktmbuf_free(bu->b[i]);
	}
}

static void
test_srtp_both_ways(void **state)
{
	static struct burst bu;
	unsigned total = 0, bursts = 0, mixed = 0;

	(void)state;
	while (total < NB_LEGS * PKTS_PER_LEG) {
		unsigned suites_seen = 0;

		bu.n = ms_test_rand_range(1, BURST);
		for (unsigned i = 0; i < bu.n; i++) {
			struct xleg *l = &legs[ms_test_rand() % NB_LEGS];
			struct ms_test_rtp r = {.seq = l->seq++, .ssrc = l->ssrc};

			ms_test_random_rtp(&r, 1400);
			bu.leg[i] = l;
			bu.plain_len[i] = ms_test_build_rtp(bu.plain[i], &r);
			l->sent++;
			suites_seen |= 1u << l->cfg.suite;
		}
		run_burst(&bu, false);
		total += bu.n;
		bursts++;
		mixed += __builtin_popcount(suites_seen) > 1;
	}
	/* every leg sent enough to wrap its sequence number: its ROC is 1 now */
	for (unsigned i = 0; i < NB_LEGS; i++)
		assert_true(legs[i].sent > (unsigned)(65536 - legs[i].first_seq));
	assert_true(mixed > bursts / 2);
	print_message("%u SRTP packets in %u bursts (%u mixing suites), both ways, byte-equal\n",
		      total, bursts, mixed);
}

static void
test_srtcp_both_ways(void **state)
{
	static struct burst bu;
	unsigned total = 0, encrypted = 0;

	(void)state;
	for (unsigned round = 0; round < 100; round++) {
		bu.n = 0;
		for (unsigned k = 0; k < 16; k++) {
			struct xleg *l = &legs[ms_test_rand() % NB_LEGS];

			if (!l->rtcp_to_ref)
				continue;
			bu.leg[bu.n] = l;
			bu.plain_len[bu.n] = ms_test_build_rtcp(bu.plain[bu.n], l->ssrc,
								(uint16_t)ms_test_rand_range(0, 300));
			encrypted += !(l->cfg.flags & MS_SRTP_CTX_RTCP_UNENCRYPTED) &&
				     ms_srtp_suite_info(l->cfg.suite)->cipher != MS_CIPHER_NULL;
			bu.n++;
		}
		if (bu.n > 0)
			run_burst(&bu, true);
		total += bu.n;
	}
	assert_true(encrypted > 0 && encrypted < total);
	print_message("%u SRTCP packets (%u encrypted), both ways, byte-equal\n", total, encrypted);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_srtp_both_ways),
		cmocka_unit_test(test_srtcp_both_ways),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests_name("crosscheck", tests, setup, teardown);
}
