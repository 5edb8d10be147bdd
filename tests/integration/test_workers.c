/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two workers on many legs. Ports a and b have two rx queues each; worker
 * lcore 1 polls a:0 and b:0, lcore 2 polls a:1 and b:1. Every leg's packets
 * go alternately into both queues, so both workers see every leg: the first
 * to see a leg owns it and the other hands its packets over. Every packet
 * must come out exactly once, decrypt with libsrtp2, and no replay or
 * authentication failure may be counted (one writer per leg direction).
 * The first argument names the crypto engine (default ipsec-mb; the suite
 * runs it again with libsrtp2, whose per-stream sessions live on the owner).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "it.h"

enum { PORT_A, PORT_B };

#define NB_SESS 128

static struct it_session sess[NB_SESS];
static const char *engine = "ipsec-mb"; /* or the first argument: "libsrtp2" */
static struct it_flow *flows[2 * NB_SESS];

static void
check_totals(void)
{
	struct ms_worker_stats st, w[2];

	it_total(&st);
	assert_int_equal(ms_dataplane_nb_workers(it.dp), 2);
	ms_dataplane_worker_stats(it.dp, 0, &w[0]);
	ms_dataplane_worker_stats(it.dp, 1, &w[1]);
	printf("# worker 0: rx %llu tx %llu handed off %llu taken over %llu; "
	       "worker 1: rx %llu tx %llu handed off %llu taken over %llu\n",
	       (unsigned long long)w[0].rx_pkts, (unsigned long long)w[0].tx_pkts,
	       (unsigned long long)w[0].handed_off, (unsigned long long)w[0].taken_over,
	       (unsigned long long)w[1].rx_pkts, (unsigned long long)w[1].tx_pkts,
	       (unsigned long long)w[1].handed_off, (unsigned long long)w[1].taken_over);
	assert_int_equal(st.rx_pkts, it.injected);
	assert_int_equal(st.tx_pkts, it.out_frames);
	assert_true(w[0].rx_pkts > 0 && w[1].rx_pkts > 0);
	assert_true(st.handed_off > 0);
	assert_int_equal(st.handed_off, st.taken_over);
	/* each worker owns legs, so each hands packets to the other */
	assert_true(w[0].handed_off > 0 && w[1].handed_off > 0);
	assert_int_equal(w[0].handed_off, w[1].taken_over);
	for (unsigned r = 1; r < MS_SRTP_RESULT_COUNT; r++) {
		if (st.xform.in_drops[r] || st.xform.out_drops[r])
			it_fail("%s drops: %llu in, %llu out", ms_srtp_result_str((enum ms_srtp_result)r),
				(unsigned long long)st.xform.in_drops[r],
				(unsigned long long)st.xform.out_drops[r]);
	}
	for (unsigned d = 0; d < MS_LEG_DROP_COUNT; d++)
		if (st.leg_drops[d])
			it_fail("leg drops %s: %llu", ms_leg_drop_str((enum ms_leg_drop)d),
				(unsigned long long)st.leg_drops[d]);
	for (unsigned d = 0; d < MS_WORKER_DROP_COUNT; d++)
		if (st.drops[d])
			it_fail("worker drops %s: %llu", ms_worker_drop_str((enum ms_worker_drop)d),
				(unsigned long long)st.drops[d]);
}

static void
check_legs(void)
{
	unsigned owned[3] = {0};

	for (unsigned i = 0; i < NB_SESS; i++)
		for (int j = 0; j < 2; j++) {
			const struct ms_leg *l = ms_legtab_get(it.legs, sess[i].leg[j].id);
			struct ms_leg_side_stats rx, tx;

			assert_non_null(l);
			owned[l->owner <= 2 ? l->owner : 0]++;
			ms_leg_stats_read(l, &rx, &tx);
			if (rx.pkts != sess[i].flow[j].next || tx.pkts != sess[i].flow[1 - j].delivered)
				it_fail("session %u leg %d: rx %llu (sent %u), tx %llu (delivered %u)", i,
					j, (unsigned long long)rx.pkts, sess[i].flow[j].next,
					(unsigned long long)tx.pkts, sess[i].flow[1 - j].delivered);
			for (unsigned r = 1; r < MS_SRTP_RESULT_COUNT; r++)
				if (rx.srtp[r] || tx.srtp[r])
					it_fail("session %u leg %d: %s %llu/%llu", i, j,
						ms_srtp_result_str((enum ms_srtp_result)r),
						(unsigned long long)rx.srtp[r],
						(unsigned long long)tx.srtp[r]);
		}
	printf("# legs owned: worker 1: %u, worker 2: %u, unowned: %u\n", owned[1], owned[2],
	       owned[0]);
	assert_true(owned[1] > 0 && owned[2] > 0);
}

/* Round robin over every flow, each packet to the other queue than the last. */
static void
test_interleaved(void **state)
{
	(void)state;
	it_pcap_case("interleaved");
	/*
	 * The first packet of each flow alone, on the queue of one worker, then
	 * on the other's: both workers run on one CPU, and under a flood the one
	 * the scheduler favours would see (and own) every leg first.
	 */
	for (unsigned q = 0; q < 2; q++) {
		for (unsigned i = 0; i < 2 * NB_SESS; i++)
			if (it_flow_queue(flows[i], 0) == q && flows[i]->next == 0)
				it_flow_send(flows[i], q);
		it_settle();
	}
	it.pace = 256;
	it_send_rr(flows, 2 * NB_SESS, 39);
	it_settle();
	it_expect_all(flows, 2 * NB_SESS);
	it_assert_no_leak();
	check_totals();
	check_legs();
	it_assert_no_leak();
}

/* Bursts of one flow at a time across both queues: handoffs under reordering. */
static void
test_bursts(void **state)
{
	(void)state;
	it_pcap_case("bursts");
	it.pace = 512;
	for (unsigned round = 0; round < 3; round++)
		for (unsigned i = 0; i < 2 * NB_SESS; i += 3)
			it_send_rr(&flows[i], 1, 16);
	it_settle();
	it_expect_all(flows, 2 * NB_SESS);
	check_totals();
	check_legs();
	printf("# %llu media packets decoded and compared\n", (unsigned long long)it.checked);
	it_assert_no_leak();
}

static int
group_setup(void **state)
{
	(void)state;
	printf("# crypto engine %s\n", engine);
	it_layout_two_workers();
	it_layout_start(engine, NULL);
	for (unsigned i = 0; i < NB_SESS; i++) {
		struct it_session *s = &sess[i];
		char name[32];
		int sa = i % 9 == 8 ? -1 : (int)(i % MS_SUITE_COUNT);
		int sb = i % 7 == 6 ? -1 : (int)((i + 5) % MS_SUITE_COUNT);

		snprintf(name, sizeof(name), "w%u", i);
		it_leg_init(&s->leg[0], PORT_A, i % 4 == 1 ? AF_INET6 : AF_INET,
			    sa < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED,
			    sa < 0 ? 0 : (enum ms_srtp_suite)sa, i % IT_HOSTS, it_next_local_port(),
			    it_next_peer_port(), i % 2 == 0);
		it_leg_init(&s->leg[1], PORT_B, i % 4 == 2 ? AF_INET6 : AF_INET,
			    sb < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED,
			    sb < 0 ? 0 : (enum ms_srtp_suite)sb, (i + 3) % IT_HOSTS,
			    it_next_local_port(), it_next_peer_port(), i % 3 != 0);
		it_session_prepare(s, name, 256);
		for (int d = 0; d < 2; d++) {
			s->flow[d].queue_mask = 0x3;
			s->flow[d].rtcp_every = (uint16_t)(i % 5 == 0 ? 0 : 8);
			s->flow[d].rtp_len = 160;
			if (i % 8 == 3)
				s->flow[d].seq0 = (uint16_t)(65530 - d * 40);
			flows[2 * i + d] = &s->flow[d];
		}
		it_session_install(s);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_bursts),
	};

	if (argc > 1)
		engine = argv[1];
	it_init(argc > 1 ? "workers-libsrtp2" : "workers", argc, argv);
	return cmocka_run_group_tests_name("integration_workers", tests, group_setup,
					   it_group_teardown);
}
