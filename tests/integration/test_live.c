/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live changes while traffic flows: a thread keeps injecting on every active
 * flow (alternately into both rx queues of two workers) while the control
 * side adds and deletes sessions, rekeys one direction of legs with
 * ms_leg_rekey, and switches legs SRTP -> RTP -> SRTP (and SRTP -> SRTP with
 * another suite) with ms_leg_set_keys. No packet may be mis-decrypted; every
 * packet injected after a change returned must use the new keys or mode;
 * nothing is lost except the packets sent to a session deleted under traffic
 * (counted as unknown_leg).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "it.h"

enum { PORT_A, PORT_B };

#define MAX_SESS 96
#define INITIAL 40
#define CAP 20000

static struct it_session sess[MAX_SESS];
static unsigned nb_sess;
static bool hot_deleted[MAX_SESS];
static bool clean_deleted[MAX_SESS];
static uint32_t changes;

static void
new_session(unsigned i, uint16_t lport_a, uint16_t lport_b)
{
	struct it_session *s = &sess[i];
	char name[32];
	int sa = i % 6 == 5 ? -1 : (int)(i % MS_SUITE_COUNT);
	int sb = i % 5 == 4 ? -1 : (int)((i + 3) % MS_SUITE_COUNT);

	snprintf(name, sizeof(name), "live%u", i);
	it_leg_init(&s->leg[0], PORT_A, i % 3 == 1 ? AF_INET6 : AF_INET,
		    sa < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED, sa < 0 ? 0 : (enum ms_srtp_suite)sa,
		    i % IT_HOSTS, lport_a ? lport_a : it_next_local_port(), it_next_peer_port(),
		    i % 2 == 0);
	it_leg_init(&s->leg[1], PORT_B, i % 3 == 2 ? AF_INET6 : AF_INET,
		    sb < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED, sb < 0 ? 0 : (enum ms_srtp_suite)sb,
		    (i + 1) % IT_HOSTS, lport_b ? lport_b : it_next_local_port(),
		    it_next_peer_port(), i % 4 != 1);
	s->leg[0].send_roc = i % 7 == 3 ? 5 : 0;
	s->leg[1].send_roc = i % 7 == 4 ? 77 : 0;
	s->leg[0].recv_roc = i % 7 == 5 ? 3 : 0;
	it_session_prepare(s, name, CAP);
	for (int d = 0; d < 2; d++) {
		s->flow[d].queue_mask = 0x3;
		s->flow[d].seq0 = (uint16_t)(1000 + it_rand() % 20000); /* no wrap during the run */
		s->flow[d].rtcp_every = (uint16_t)(i % 4 == 0 ? 0 : 6 + i % 5);
	}
	it_session_install(s);
	hot_deleted[i] = clean_deleted[i] = false;
	it_live_set(&s->flow[0], IT_LIVE_ON);
	it_live_set(&s->flow[1], IT_LIVE_ON);
}

static unsigned
add_session(uint16_t lport_a, uint16_t lport_b)
{
	unsigned i = nb_sess;

	assert_true(i < MAX_SESS);
	new_session(i, lport_a, lport_b);
	nb_sess = i + 1;
	it_live_count(nb_sess);
	return i;
}

/* ------------------------------------------------------------------------- */

static void
test_add_delete(void **state)
{
	(void)state;
	it_pcap_case("add_delete");
	it_live_run(300);
	/* add sessions one by one under traffic */
	for (int k = 0; k < 24; k++) {
		add_session(0, 0);
		it_live_run(10);
	}
	it_live_run(200);

	/* delete cleanly: stop the peers, let everything out, remove */
	for (unsigned i = 0; i < 6; i++) {
		struct it_session *s = &sess[3 + 5 * i];

		it_live_pause_drain(&s->flow[0]);
		it_live_pause_drain(&s->flow[1]);
		it_expect_all((struct it_flow *[]){&s->flow[0], &s->flow[1]}, 2);
		it_session_remove(s);
		clean_deleted[s - sess] = true;
		changes++;
	}
	/* delete under traffic: the peers go on sending into the void */
	for (unsigned i = 0; i < 6; i++) {
		struct it_session *s = &sess[4 + 5 * i];

		it_session_remove(s);
		hot_deleted[s - sess] = true;
		changes++;
		it_live_run(20);
	}
	it_live_run(200);
	for (unsigned i = 0; i < 6; i++) {
		struct it_session *s = &sess[4 + 5 * i];

		it_live_set(&s->flow[0], IT_LIVE_OFF);
		it_live_set(&s->flow[1], IT_LIVE_OFF);
	}
	it_live_sync();
	/* sessions again on the ports of the cleanly deleted ones, with new keys */
	for (unsigned i = 0; i < 6; i++) {
		struct it_session *old = &sess[3 + 5 * i];

		it_session_unregister(old);
		add_session(old->leg[0].lport, old->leg[1].lport);
		changes++;
	}
	it_live_run(300);
	it_assert_clean();
}

static void
test_rekey(void **state)
{
	char err[256];

	(void)state;
	it_pcap_case("rekey");
	/* the send direction: what mediasec sends the leg's peer changes key at once */
	for (unsigned i = 0; i < 8; i++) {
		struct it_session *s = &sess[i];
		int j = i % 2;
		struct it_leg *l = &s->leg[j];
		struct it_flow *into = &s->flow[1 - j];
		struct ms_srtp_ctx_cfg nk;

		if (l->mode == MS_LEG_RTP || hot_deleted[i] || clean_deleted[i])
			continue;
		it_keys(&nk, l->send.suite);
		int ret = ms_leg_rekey(it.legs, l->id, true, &nk, err, sizeof(err));
		if (ret != 0)
			fail_msg("ms_leg_rekey(send) %s leg %d: %d %s", s->name, j, ret, err);
		uint32_t from = it_live_next(into);
		/* the stream keeps its ROC: the new key goes on from the same index */
		it_flow_add_dec(into, it_srtp_new(&nk, false, into->ssrc, l->send_roc, 1024),
				from);
		l->send = nk;
		changes++;
		it_live_run(50);
	}
	it_live_run(200);
	/* the receive direction: the peer changes key (between two packets) */
	for (unsigned i = 8; i < 16; i++) {
		struct it_session *s = &sess[i];
		int j = i % 2;
		struct it_leg *l = &s->leg[j];
		struct it_flow *from = &s->flow[j];
		struct ms_srtp_ctx_cfg nk;

		if (l->mode == MS_LEG_RTP || hot_deleted[i] || clean_deleted[i])
			continue;
		it_live_pause_drain(from);
		it_keys(&nk, l->recv.suite);
		int ret = ms_leg_rekey(it.legs, l->id, false, &nk, err, sizeof(err));
		if (ret != 0)
			fail_msg("ms_leg_rekey(recv) %s leg %d: %d %s", s->name, j, ret, err);
		/* the peer's stream goes on with the new key: same ROC and SRTCP index */
		it_srtp_update(from->tx, &nk, l->ssrc);
		l->recv = nk;
		changes++;
		it_live_set(from, IT_LIVE_ON);
		it_live_run(50);
	}
	it_live_run(200);

	/*
	 * Make-before-break, no pause: the new key goes into slot 1 from a
	 * packet index ahead of the traffic, the old one stays in slot 0.
	 * Receive direction (leg A of session 16): the peer moves at that
	 * packet; nothing may be lost or fail. Send direction (leg B of
	 * session 32): mediasec moves at that packet, exactly.
	 */
	{
		struct it_session *s = &sess[16];
		struct it_leg *l = &s->leg[0];
		struct it_flow *from = &s->flow[0];
		struct ms_srtp_ctx_cfg two, nk;

		assert_int_not_equal(l->mode, MS_LEG_RTP);
		assert_int_equal(from->rtcp_every, 0);
		uint32_t x = it_live_next(from) + 150;
		two = l->recv;
		two.nb_keys = 2;
		it_keys(&nk, l->recv.suite);
		two.keys[1] = nk.keys[0];
		two.keys[1].rtp_from = ((uint64_t)l->recv_roc << 16) + (uint16_t)(from->seq0 + x);
		two.keys[1].rtcp_from = 0x7fffffff;
		int ret = ms_leg_rekey(it.legs, l->id, false, &two, err, sizeof(err));
		if (ret != 0)
			fail_msg("ms_leg_rekey(recv, two keys): %d %s", ret, err);
		it_live_switch_key(from, x, &nk);
		l->recv = nk;
		memset(&two, 0, sizeof(two));
		memset(&nk, 0, sizeof(nk));
		changes++;
	}
	{
		struct it_session *s = &sess[32];
		struct it_leg *l = &s->leg[1];
		struct it_flow *into = &s->flow[0];
		struct ms_srtp_ctx_cfg two, nk;

		assert_int_not_equal(l->mode, MS_LEG_RTP);
		assert_int_equal(into->rtcp_every, 0);
		uint32_t x = it_live_next(into) + 150;
		it_keys(&nk, l->send.suite);
		two = l->send;
		two.nb_keys = 2;
		two.keys[1] = nk.keys[0];
		two.keys[1].rtp_from = ((uint64_t)l->send_roc << 16) + (uint16_t)(into->seq0 + x);
		two.keys[1].rtcp_from = 0x7fffffff;
		int ret = ms_leg_rekey(it.legs, l->id, true, &two, err, sizeof(err));
		if (ret != 0)
			fail_msg("ms_leg_rekey(send, two keys): %d %s", ret, err);
		it_flow_add_dec(into, it_srtp_new(&nk, false, into->ssrc, l->send_roc, 1024), x);
		into->dec[into->nb_dec - 1].exact = true;
		l->send = nk;
		memset(&two, 0, sizeof(two));
		changes++;
	}
	/* until both flows are well past the switch */
	for (uint64_t t0 = it_now_ms(); it_now_ms() - t0 < 20000;) {
		it_live_run(50);
		if (it_live_next(&sess[16].flow[0]) > it_live_switch_at(&sess[16].flow[0]) + 100 &&
		    sess[32].flow[0].cur_dec == sess[32].flow[0].nb_dec - 1 &&
		    sess[32].flow[0].delivered > sess[32].flow[0].dec[sess[32].flow[0].nb_dec - 1].from + 100)
			break;
	}
	assert_true(it_live_next(&sess[16].flow[0]) > it_live_switch_at(&sess[16].flow[0]) + 100);
	assert_int_equal(sess[32].flow[0].cur_dec, sess[32].flow[0].nb_dec - 1);
	it_assert_clean();
}

/* Switches leg j of session i to mode/suite (RTP when suite < 0), under traffic. */
static void
switch_leg(unsigned i, int j, int suite, uint32_t roc_in, uint32_t roc_out)
{
	struct it_session *s = &sess[i];
	struct it_leg *l = &s->leg[j];
	struct it_flow *from = &s->flow[j], *into = &s->flow[1 - j];
	struct ms_leg_keys recv, send;
	char err[256] = "";
	enum ms_leg_mode mode = suite < 0 ? MS_LEG_RTP : ms_leg_mode_of_suite((enum ms_srtp_suite)suite);
	int ret;

	memset(&recv, 0, sizeof(recv));
	memset(&send, 0, sizeof(send));
	if (suite >= 0) {
		it_keys(&recv.ctx, (enum ms_srtp_suite)suite);
		it_keys(&send.ctx, (enum ms_srtp_suite)suite);
		recv.initial_roc = roc_in;
		send.initial_roc = roc_out;
	}
	/* the peer stops between two packets, and starts again in the new mode */
	it_live_pause_drain(from);
	ret = ms_leg_set_keys(it.legs, l->id, mode, suite < 0 ? NULL : &recv,
			      suite < 0 ? NULL : &send, err, sizeof(err));
	if (ret != 0)
		fail_msg("ms_leg_set_keys %s leg %d -> %s: %d %s", s->name, j,
			 suite < 0 ? "rtp" : ms_srtp_suite_info((enum ms_srtp_suite)suite)->name, ret,
			 err);
	uint32_t c = it_live_next(into);
	it_flow_add_dec(into,
			suite < 0 ? NULL
				  : it_srtp_new(&send.ctx, false, into->ssrc, roc_out, 1024),
			c);
	it_srtp_free(from->tx);
	from->tx = suite < 0 ? NULL : it_srtp_new(&recv.ctx, true, l->ssrc, roc_in, 0);
	l->mode = mode;
	l->recv = recv.ctx;
	l->send = send.ctx;
	l->recv_roc = roc_in;
	l->send_roc = roc_out;
	memset(&recv, 0, sizeof(recv));
	memset(&send, 0, sizeof(send));
	changes++;
	it_live_set(from, IT_LIVE_ON);
}

static void
test_switch(void **state)
{
	static const unsigned which[] = {17, 20, 22, 25};

	(void)state;
	it_pcap_case("switch");
	/* SRTP -> RTP -> SRTP (another suite, other keys and ROCs) */
	for (unsigned k = 0; k < RTE_DIM(which); k++) {
		unsigned i = which[k];
		int j = (int)(k % 2);

		assert_false(hot_deleted[i] || clean_deleted[i]);
		if (sess[i].leg[j].mode == MS_LEG_RTP)
			j = 1 - j;
		assert_int_not_equal(sess[i].leg[j].mode, MS_LEG_RTP);
		switch_leg(i, j, -1, 0, 0);
		it_live_run(150);
		switch_leg(i, j, (int)((i + k + 1) % MS_SUITE_COUNT), 0, 0);
		it_live_run(150);
	}
	/* SRTP -> SRTP with another suite, RTP -> SRTP, with nonzero ROCs */
	switch_leg(26, 0, MS_SUITE_AEAD_AES_256_GCM, 11, 12);
	it_live_run(100);
	switch_leg(27, 1, MS_SUITE_NULL_HMAC_SHA1_32, 0, 3);
	it_live_run(100);
	assert_int_equal(sess[35].leg[0].mode, MS_LEG_RTP);
	switch_leg(35, 0, MS_SUITE_AES_256_CM_HMAC_SHA1_32, 2, 0);
	it_live_run(300);
	it_assert_clean();
}

static void
test_verify(void **state)
{
	struct ms_worker_stats st;
	uint64_t lost = 0, sent = 0;

	(void)state;
	it_pcap_case("verify");
	it_live_run(200);
	it_live_stop();
	it_settle();
	for (unsigned i = 0; i < nb_sess; i++) {
		struct it_session *s = &sess[i];

		for (int d = 0; d < 2; d++) {
			struct it_flow *f = &s->flow[d];

			sent += f->next;
			if (clean_deleted[i])
				continue;
			if (hot_deleted[i]) {
				if (f->dup || f->bad || f->delivered > f->next)
					it_fail("hot-deleted flow %u: %u dup, %u bad", f->id, f->dup,
						f->bad);
				lost += f->next - f->delivered;
				continue;
			}
			it_expect_all(&f, 1);
			if (f->nb_dec > 1 && f->cur_dec != f->nb_dec - 1)
				it_fail("flow %u: still on decoder %u of %u", f->id, f->cur_dec,
					f->nb_dec);
		}
	}
	it_total(&st);
	printf("# %u sessions, %u changes, %llu packets sent, %llu checked, %llu lost to deleted "
	       "sessions; handed off %llu\n",
	       nb_sess, changes, (unsigned long long)sent, (unsigned long long)it.checked,
	       (unsigned long long)lost, (unsigned long long)st.handed_off);
	assert_true(sent > 10000);
	assert_true(st.handed_off > 0);
	assert_int_equal(st.rx_pkts, it.injected);
	assert_int_equal(st.drops[MS_WORKER_DROP_UNKNOWN_LEG], lost);
	for (unsigned d = 0; d < MS_WORKER_DROP_COUNT; d++)
		if (d != MS_WORKER_DROP_UNKNOWN_LEG && st.drops[d])
			it_fail("worker drops %s: %llu", ms_worker_drop_str((enum ms_worker_drop)d),
				(unsigned long long)st.drops[d]);
	for (unsigned d = 0; d < MS_LEG_DROP_COUNT; d++)
		if (st.leg_drops[d])
			it_fail("leg drops %s: %llu", ms_leg_drop_str((enum ms_leg_drop)d),
				(unsigned long long)st.leg_drops[d]);
	for (unsigned r = 1; r < MS_SRTP_RESULT_COUNT; r++)
		if (st.xform.in_drops[r] || st.xform.out_drops[r])
			it_fail("%s drops: %llu in, %llu out", ms_srtp_result_str((enum ms_srtp_result)r),
				(unsigned long long)st.xform.in_drops[r],
				(unsigned long long)st.xform.out_drops[r]);
	it_assert_no_leak();
}

static int
group_setup(void **state)
{
	(void)state;
	it_layout_two_workers();
	it_layout_start("ipsec-mb", NULL);
	it_live_start(sess, MAX_SESS);
	for (unsigned i = 0; i < INITIAL; i++)
		add_session(0, 0);
	return 0;
}

static int
group_teardown(void **state)
{
	it_live_stop();
	return it_group_teardown(state);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_delete),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_switch),
		cmocka_unit_test(test_verify),
	};

	it_init("live", argc, argv);
	return cmocka_run_group_tests_name("integration_live", tests, group_setup, group_teardown);
}
