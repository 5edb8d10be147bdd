/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The leg table's deferred removal: a deleted session leaves the workers'
 * view at once, but its legs, streams and key slots are freed only once
 * every registered reader has passed a quiescent state. The test thread
 * plays a worker that holds on (reader 0), so the grace period is under
 * its control; where the table must wait, another thread lets go later.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "leg.h"
#include "ms_test.h"

#define MAX_LEGS 4

static struct rte_rcu_qsbr *qsbr;
static struct ms_legtab *legs;

static void
leg_cfg(struct ms_leg_cfg *c, uint8_t host, uint16_t udp_port, bool srtp)
{
	uint8_t a[4] = {10, 0, 0, host}, p[4] = {10, 0, 1, host};

	memset(c, 0, sizeof(*c));
	c->mode = srtp ? MS_LEG_ENCRYPTED : MS_LEG_RTP;
	ms_addr_set_v4(&c->local, a);
	c->local_port = udp_port;
	c->local_rtcp_port = udp_port + 1;
	ms_addr_set_v4(&c->peer, p);
	c->peer_port = 5000;
	c->peer_rtcp_port = 5001;
	if (srtp) {
		ms_test_ctx_cfg(&c->recv.ctx, MS_SUITE_AES_CM_128_HMAC_SHA1_80, 0);
		ms_test_ctx_cfg(&c->send.ctx, MS_SUITE_AES_CM_128_HMAC_SHA1_80, 0);
	}
	snprintf(c->session, sizeof(c->session), "s-%u-%u", host, udp_port);
}

/* A session from 10.0.0.host:port (SRTP) to 10.0.0.host:port+2 (RTP). */
static int
add(uint8_t host, uint16_t udp_port, uint32_t ids[2])
{
	struct ms_leg_cfg cfg[2];
	char err[128];
	int ret;

	leg_cfg(&cfg[0], host, udp_port, true);
	leg_cfg(&cfg[1], host, udp_port + 2, false);
	ret = ms_session_add(legs, cfg, ids, err, sizeof(err));
	if (ret < 0)
		printf("# ms_session_add: %s\n", err);
	return ret;
}

static bool
findable(uint8_t host, uint16_t udp_port)
{
	struct ms_addr a;
	uint8_t b[4] = {10, 0, 0, host};

	ms_addr_set_v4(&a, b);
	return ms_legtab_in_use(legs, 0, &a, udp_port);
}

static int
setup(void **state)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	struct ms_legtab_params p = {
		.max_legs = MAX_LEGS,
		.socket_id = SOCKET_ID_ANY,
		.replay_window = 128,
		.engine = ms_test_engine("ipsec-mb"),
		.nb_ports = 1,
	};

	(void)state;
	qsbr = rte_zmalloc("test_qsbr", sz, RTE_CACHE_LINE_SIZE);
	assert_non_null(qsbr);
	assert_int_equal(rte_rcu_qsbr_init(qsbr, 2), 0);
	assert_int_equal(rte_rcu_qsbr_thread_register(qsbr, 0), 0);
	rte_rcu_qsbr_thread_online(qsbr, 0);
	p.qsbr = qsbr;
	legs = ms_legtab_create(&p);
	assert_non_null(legs);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rte_rcu_qsbr_thread_offline(qsbr, 0);
	ms_legtab_free(legs);
	rte_free(qsbr);
	return 0;
}

/* Gone from lookups at once; freed only after the reader's quiescent state. */
static void
test_delete_waits_for_readers(void **state)
{
	uint32_t ids[2];

	(void)state;
	assert_int_equal(add(1, 2000, ids), 0);
	assert_true(findable(1, 2000) && findable(1, 2001) && findable(1, 2002));
	assert_int_equal(ms_session_del(legs, ids[0]), 0);

	assert_false(findable(1, 2000) || findable(1, 2001) || findable(1, 2002));
	assert_null(ms_legtab_get(legs, ids[0]));
	assert_int_equal(ms_legtab_count(legs), 0);
	assert_int_equal(ms_session_del(legs, ids[0]), -ENOENT);
	/* reader 0 has not passed a quiescent state since: nothing may be freed */
	assert_int_equal(ms_legtab_pending(legs), 2);
	assert_int_equal(ms_legtab_reclaim(legs, false), 0);
	assert_int_equal(ms_legtab_pending(legs), 2);

	/* the same local ends may be installed again before the old ones are freed */
	assert_int_equal(add(1, 2000, ids), 0);
	assert_true(findable(1, 2000));

	rte_rcu_qsbr_quiescent(qsbr, 0);
	assert_int_equal(ms_legtab_reclaim(legs, false), 2);
	assert_int_equal(ms_legtab_pending(legs), 0);
	assert_int_equal(ms_legtab_count(legs), 2);
	assert_true(findable(1, 2000));
	assert_int_equal(ms_session_del(legs, ids[0]), 0);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	assert_int_equal(ms_legtab_reclaim(legs, false), 2);
}

/* Deletes before one grace period share it; the queue frees in order. */
static void
test_deletes_share_a_grace_period(void **state)
{
	uint32_t a[2], b[2];

	(void)state;
	assert_int_equal(add(2, 3000, a), 0);
	assert_int_equal(add(3, 3000, b), 0);
	assert_int_equal(ms_session_del(legs, a[1]), 0);
	assert_int_equal(ms_session_del(legs, b[0]), 0);
	assert_int_equal(ms_legtab_pending(legs), 4);
	assert_int_equal(ms_legtab_reclaim(legs, false), 0);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	assert_int_equal(ms_legtab_reclaim(legs, false), 4);
	assert_int_equal(ms_legtab_pending(legs), 0);
}

static void *
let_go_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	return NULL;
}

/* A full table waits for what removed sessions hold rather than refusing. */
static void
test_full_table_waits_for_the_queue(void **state)
{
	uint32_t a[2], b[2], c[2];
	pthread_t th;

	(void)state;
	assert_int_equal(add(4, 4000, a), 0);
	assert_int_equal(add(5, 4000, b), 0);
	assert_int_equal(add(6, 4000, c), -ENOSPC);
	assert_int_equal(ms_session_del(legs, a[0]), 0);
	assert_int_equal(ms_legtab_pending(legs), 2);

	assert_int_equal(pthread_create(&th, NULL, let_go_later, NULL), 0);
	assert_int_equal(add(6, 4000, c), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(ms_legtab_pending(legs), 0);
	assert_int_equal(ms_legtab_count(legs), 4);
	assert_true(findable(6, 4000) && findable(5, 4000));
	assert_false(findable(4, 4000));

	/* every leg in use and nothing queued: refused, nothing changed */
	assert_int_equal(add(7, 4000, c), -ENOSPC);
	assert_int_equal(ms_legtab_count(legs), 4);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delete_waits_for_readers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deletes_share_a_grace_period, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_table_waits_for_the_queue, setup, teardown),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
