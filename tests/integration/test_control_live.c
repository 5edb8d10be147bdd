/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane live: mediasec's control thread (ms_ctl, in a thread of
 * its own as in mediasecd) serves a Unix socket, and every change reaches
 * the dataplane through the protocol, from a client (control/client.h),
 * while a thread injects traffic on every active flow of two workers:
 * sessions created and deleted, one direction rekeyed make-before-break
 * with MKIs (the peer switches whenever it likes) and without (at the index
 * the rekey names), the older key retired, legs switched SRTP -> RTP -> SRTP
 * (the fallback of a transferred call) and replaced. libsrtp2 is the peers'
 * side: nothing may be mis-decrypted, and nothing may be lost but the
 * packets sent to sessions deleted under traffic (counted as unknown_leg).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "client.h"
#include "ctl.h"
#include "it.h"
#include "jw.h"
#include "secmem.h"

enum { PORT_A, PORT_B };

#define MAX_SESS 64
#define INITIAL 24
#define CAP 20000

static struct it_session sess[MAX_SESS];
static unsigned nb_sess;
static bool hot_deleted[MAX_SESS], clean_deleted[MAX_SESS];
static struct ms_srtp_ctx_cfg mki_next[MAX_SESS]; /* leg A's next recv key (MKI 2), known to its peer */
static uint32_t changes;

static struct ms_ctl *ctl;
static pthread_t ctl_thread;
static int stop_ctl;
static struct ms_client *cli, *watcher;
static char sock_path[108];
static uint64_t security_events;

/* ------------------------------------------------------------------------- */
/* the control thread and the client */

static void *
ctl_loop(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_ctl, __ATOMIC_ACQUIRE))
		ms_ctl_poll(ctl, 20);
	return NULL;
}

/* Sends a request built in w; fails the test unless it succeeds. The result, for the caller to free. */
static cJSON *
call(struct ms_jw *w)
{
	char err[256] = "", why[512];
	cJSON *r;

	assert_false(w->failed);
	r = ms_client_call_text(cli, w->buf, err, sizeof(err));
	if (r == NULL)
		fail_msg("control request failed: %s", err);
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")))
		fail_msg("control request refused: %s (%.200s)", ms_client_error_str(r, why, sizeof(why)),
			 cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "error"),
							  "message")->valuestring);
	cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(r, "result");

	cJSON_Delete(r);
	ms_secure_zero(w->buf, w->len);
	ms_jw_free(w);
	return res;
}

static void
call_free(struct ms_jw *w)
{
	cJSON_Delete(call(w));
}

static void
endpoint(char *buf, size_t len, const struct ms_addr *a, uint16_t port)
{
	char s[MS_ADDR_STRLEN];

	ms_addr_str(a, s, sizeof(s));
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
}

/* "inline:...|MKI:len" for key k of c. */
static void
sdes(const struct ms_srtp_ctx_cfg *c, unsigned k, char *out, size_t len)
{
	struct ms_srtp_ctx_cfg one = *c;
	size_t n;

	one.nb_keys = 1;
	one.keys[0] = c->keys[k];
	it_sdes(&one, out, len);
	n = strlen(out);
	if (c->mki_len > 0)
		snprintf(out + n, len - n, "|%u:%u", c->keys[k].mki[0], c->mki_len);
	ms_secure_zero(&one, sizeof(one));
}

static void
leg_json(struct ms_jw *w, const struct it_leg *l)
{
	char ep[MS_ADDR_STRLEN + 8], key[128];

	ms_jw_obj(w);
	ms_jw_kstr(w, "port", l->port == PORT_A ? "a" : "b");
	endpoint(ep, sizeof(ep), &l->local, l->lport);
	ms_jw_kstr(w, "local", ep);
	if (l->rtcp_mux)
		ms_jw_kstr(w, "rtcp", "mux");
	else
		ms_jw_kuint(w, "rtcp", l->lrtcp);
	endpoint(ep, sizeof(ep), &l->peer, l->pport);
	ms_jw_kstr(w, "peer", ep);
	if (!l->rtcp_mux)
		ms_jw_kuint(w, "peer_rtcp", l->prtcp);
	ms_jw_kstr(w, "mode", ms_leg_mode_str(l->mode));
	if (l->mode != MS_LEG_RTP) {
		ms_jw_kstr(w, "suite", ms_srtp_suite_info(l->recv.suite)->name);
		sdes(&l->recv, 0, key, sizeof(key));
		ms_jw_kstr(w, "recv_key", key);
		sdes(&l->send, 0, key, sizeof(key));
		ms_jw_kstr(w, "send_key", key);
		ms_jw_kuint(w, "recv_roc", l->recv_roc);
		ms_jw_kuint(w, "send_roc", l->send_roc);
		ms_secure_zero(key, sizeof(key));
	}
	ms_jw_end(w);
}

static void
request(struct ms_jw *w, const char *op)
{
	ms_jw_init(w);
	ms_jw_obj(w);
	ms_jw_kstr(w, "op", op);
}

static void
ctl_create(struct it_session *s)
{
	struct ms_jw w;
	cJSON *res;

	request(&w, "session.create");
	ms_jw_kstr(&w, "session", s->name);
	ms_jw_key(&w, "legs");
	ms_jw_arr(&w);
	leg_json(&w, &s->leg[0]);
	leg_json(&w, &s->leg[1]);
	ms_jw_aend(&w);
	ms_jw_end(&w);
	res = call(&w);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(res, "session")->valuestring, s->name);
	cJSON_Delete(res);
	it_session_register(s);
}

static void
ctl_delete(struct it_session *s)
{
	struct ms_jw w;
	uint32_t count = ms_legtab_count(it.legs);

	request(&w, "session.delete");
	ms_jw_kstr(&w, "session", s->name);
	ms_jw_end(&w);
	call_free(&w);
	assert_int_equal(ms_legtab_count(it.legs), count - 2);
	s->installed = false;
}

/* Session i: leg A encrypted (MKI on the even ones), leg B encrypted or plain RTP. */
static void
new_session(unsigned i, uint16_t lport_a, uint16_t lport_b)
{
	static const enum ms_srtp_suite suites[] = {
		MS_SUITE_AES_CM_128_HMAC_SHA1_80, MS_SUITE_AEAD_AES_128_GCM,
		MS_SUITE_AES_256_CM_HMAC_SHA1_80, MS_SUITE_AEAD_AES_256_GCM,
		MS_SUITE_NULL_HMAC_SHA1_80,
	};
	struct it_session *s = &sess[i];
	char name[32];
	enum ms_srtp_suite sa = suites[i % RTE_DIM(suites)];
	int sb = i % 3 == 2 ? -1 : (int)suites[(i + 2) % RTE_DIM(suites)];

	snprintf(name, sizeof(name), "ctl%u", i);
	it_leg_init(&s->leg[0], PORT_A, i % 4 == 1 ? AF_INET6 : AF_INET, MS_LEG_ENCRYPTED, sa,
		    i % IT_HOSTS, lport_a ? lport_a : it_next_local_port(), it_next_peer_port(),
		    i % 2 == 0);
	it_leg_init(&s->leg[1], PORT_B, i % 4 == 2 ? AF_INET6 : AF_INET,
		    sb < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED, sb < 0 ? 0 : (enum ms_srtp_suite)sb,
		    (i + 1) % IT_HOSTS, lport_b ? lport_b : it_next_local_port(),
		    it_next_peer_port(), i % 4 != 1);
	/* MKIs on leg A of every even session: the make-before-break rekeys below use them */
	if (i % 2 == 0) {
		s->leg[0].recv.mki_len = s->leg[0].send.mki_len = 1;
		s->leg[0].recv.keys[0].mki[0] = 1;
		s->leg[0].send.keys[0].mki[0] = 1;
	}
	s->leg[0].send_roc = i % 7 == 3 ? 5 : 0;
	s->leg[1].send_roc = i % 7 == 4 && sb >= 0 ? 77 : 0;
	it_session_prepare(s, name, CAP);
	for (int d = 0; d < 2; d++) {
		s->flow[d].queue_mask = 0x3;
		s->flow[d].seq0 = (uint16_t)(1000 + it_rand() % 20000); /* no wrap during the run */
		/* no RTCP where the index rekey runs: its new key applies to SRTP only */
		s->flow[d].rtcp_every = (uint16_t)(i % 4 <= 1 ? 0 : 6 + i % 5);
	}
	if (i % 2 == 0) {
		/*
		 * Leg A's peer knows the key it moves to later (MKI 2) from the start,
		 * as from an SDP offer with two keys; it protects with MKI 1 until then.
		 */
		struct ms_srtp_ctx_cfg two = s->leg[0].recv;

		it_keys(&mki_next[i], s->leg[0].recv.suite);
		mki_next[i].mki_len = 1;
		mki_next[i].keys[0].mki[0] = 2;
		two.nb_keys = 2;
		two.keys[1] = mki_next[i].keys[0];
		it_srtp_free(s->flow[0].tx);
		s->flow[0].tx = it_srtp_new(&two, true, s->flow[0].ssrc, s->leg[0].recv_roc, 0);
		s->flow[0].tx_mki = true;
		s->flow[0].mki_index = 0;
		ms_secure_zero(&two, sizeof(two));
	}
	/* the leg-B receiver of leg A's MKI packets decodes them by MKI */
	s->flow[1].dec[0].mki = s->leg[0].send.mki_len > 0;
	ctl_create(s);
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

static bool
gone(unsigned i)
{
	return hot_deleted[i] || clean_deleted[i];
}

/* ------------------------------------------------------------------------- */

static void
test_create_delete(void **state)
{
	(void)state;
	it_pcap_case("create_delete");
	it_live_run(200);
	for (int k = 0; k < 12; k++) {
		add_session(0, 0);
		it_live_run(10);
	}
	it_live_run(200);
	/* delete cleanly: the peers stop, everything comes out, then the request */
	for (unsigned i = 0; i < 4; i++) {
		struct it_session *s = &sess[3 + 6 * i];

		it_live_pause_drain(&s->flow[0]);
		it_live_pause_drain(&s->flow[1]);
		it_expect_all((struct it_flow *[]){&s->flow[0], &s->flow[1]}, 2);
		ctl_delete(s);
		clean_deleted[s - sess] = true;
		changes++;
	}
	/* delete under traffic: the peers go on sending into the void */
	for (unsigned i = 0; i < 4; i++) {
		struct it_session *s = &sess[5 + 6 * i];

		ctl_delete(s);
		hot_deleted[s - sess] = true;
		changes++;
		it_live_run(20);
	}
	it_live_run(200);
	for (unsigned i = 0; i < 4; i++) {
		it_live_set(&sess[5 + 6 * i].flow[0], IT_LIVE_OFF);
		it_live_set(&sess[5 + 6 * i].flow[1], IT_LIVE_OFF);
	}
	it_live_sync();
	/* new sessions on the ports of the cleanly deleted ones, with new keys */
	for (unsigned i = 0; i < 4; i++) {
		struct it_session *old = &sess[3 + 6 * i];

		it_session_unregister(old);
		add_session(old->leg[0].lport, old->leg[1].lport);
		changes++;
	}
	it_live_run(300);
	it_assert_clean();
}

/* A rekey request: {"dir":...,"key":...[,"from":N]}. */
static void
rekey(struct it_session *s, int leg, bool send, const struct ms_srtp_ctx_cfg *nk, unsigned k,
      int64_t from)
{
	struct ms_jw w;
	char key[128];

	request(&w, "session.update");
	ms_jw_kstr(&w, "session", s->name);
	ms_jw_kuint(&w, "leg", (unsigned)leg);
	ms_jw_key(&w, "rekey");
	ms_jw_obj(&w);
	ms_jw_kstr(&w, "dir", send ? "send" : "recv");
	sdes(nk, k, key, sizeof(key));
	ms_jw_kstr(&w, "key", key);
	if (from >= 0) {
		ms_jw_kint(&w, "from", from);
		ms_jw_kint(&w, "rtcp_from", 0x7fffffff);
	}
	ms_jw_end(&w);
	ms_jw_end(&w);
	ms_secure_zero(key, sizeof(key));
	call_free(&w);
	changes++;
}

static void
retire(struct it_session *s, int leg, bool send)
{
	struct ms_jw w;

	request(&w, "session.update");
	ms_jw_kstr(&w, "session", s->name);
	ms_jw_kuint(&w, "leg", (unsigned)leg);
	ms_jw_key(&w, "retire");
	ms_jw_obj(&w);
	ms_jw_kstr(&w, "dir", send ? "send" : "recv");
	ms_jw_end(&w);
	ms_jw_end(&w);
	call_free(&w);
	changes++;
}

/* The number of keys of a direction, as session.get reports them. */
static int
nb_keys(struct it_session *s, int leg, const char *dir)
{
	struct ms_jw w;
	cJSON *res;
	int n;

	request(&w, "session.get");
	ms_jw_kstr(&w, "session", s->name);
	ms_jw_end(&w);
	res = call(&w);
	n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "legs"), leg), "keys"),
		dir));
	cJSON_Delete(res);
	return n;
}

static void
test_rekey_mki(void **state)
{
	(void)state;
	it_pcap_case("rekey_mki");
	/*
	 * Receive direction: the peer holds the old and the new key (MKIs 1 and
	 * 2) and moves to the new one a few packets after the rekey is
	 * answered, without pausing; both MKIs verify meanwhile.
	 */
	for (unsigned i = 0; i < 8; i += 2) {
		struct it_session *s = &sess[i];
		struct it_flow *from = &s->flow[0];

		if (gone(i))
			continue;
		assert_int_equal(s->leg[0].recv.mki_len, 1);
		rekey(s, 0, false, &mki_next[i], 0, -1);
		assert_int_equal(nb_keys(s, 0, "recv"), 2);
		it_live_switch_mki(from, it_live_next(from) + 20, 1); /* index 1: MKI 2 */
		s->leg[0].recv = mki_next[i];
		it_live_run(60);
	}
	it_live_run(200);
	for (unsigned i = 0; i < 8; i += 2)
		if (!gone(i)) {
			assert_true(it_live_next(&sess[i].flow[0]) > it_live_switch_at(&sess[i].flow[0]));
			retire(&sess[i], 0, false);
			assert_int_equal(nb_keys(&sess[i], 0, "recv"), 1);
		}
	/*
	 * Send direction: mediasec protects with the new key (MKI 2) from the
	 * answer on. The peer's decoder for what comes after holds only that key.
	 */
	for (unsigned i = 8; i < 16; i += 2) {
		struct it_session *s = &sess[i];
		struct it_leg *l = &s->leg[0];
		struct it_flow *into = &s->flow[1];
		struct ms_srtp_ctx_cfg nk;

		if (gone(i))
			continue;
		it_keys(&nk, l->send.suite);
		nk.mki_len = 1;
		nk.keys[0].mki[0] = 2;
		rekey(s, 0, true, &nk, 0, -1);
		uint32_t after = it_live_next(into);

		it_flow_add_dec(into, it_srtp_new(&nk, false, into->ssrc, l->send_roc, 1024), after);
		into->dec[into->nb_dec - 1].mki = true;
		l->send = nk;
		it_live_run(80);
		retire(s, 0, true);
		assert_int_equal(nb_keys(s, 0, "send"), 1);
	}
	it_live_run(300);
	it_assert_clean();
}

static void
test_rekey_index(void **state)
{
	(void)state;
	it_pcap_case("rekey_index");
	/* no MKI: the new key applies from the packet index the request names, both ways */
	for (unsigned i = 1; i < 12; i += 4) {
		struct it_session *s = &sess[i];
		struct it_leg *l = &s->leg[0];
		struct it_flow *from = &s->flow[0], *into = &s->flow[1];
		struct ms_srtp_ctx_cfg nk, rk;

		if (gone(i) || from->rtcp_every != 0)
			continue;
		assert_int_equal(l->recv.mki_len, 0);
		/* receive: the peer moves at packet x, which the rekey names as its index */
		uint32_t x = it_live_next(from) + 150;

		it_keys(&rk, l->recv.suite);
		rekey(s, 0, false, &rk, 0,
		      (int64_t)((uint64_t)l->recv_roc << 16) + (uint16_t)(from->seq0 + x));
		it_live_switch_key(from, x, &rk);
		l->recv = rk;
		memset(&rk, 0, sizeof(rk));
		/* send: mediasec moves at packet y of what it sends the peer, exactly */
		uint32_t y = it_live_next(into) + 150;

		it_keys(&nk, l->send.suite);
		rekey(s, 0, true, &nk, 0, (int64_t)((uint64_t)l->send_roc << 16) + (uint16_t)(into->seq0 + y));
		it_flow_add_dec(into, it_srtp_new(&nk, false, into->ssrc, l->send_roc, 1024), y);
		into->dec[into->nb_dec - 1].exact = true;
		l->send = nk;
		memset(&nk, 0, sizeof(nk));
	}
	for (uint64_t t0 = it_now_ms(); it_now_ms() - t0 < 20000;) {
		bool done = true;

		it_live_run(50);
		for (unsigned i = 1; i < 12; i += 4)
			if (!gone(i) && sess[i].flow[0].rtcp_every == 0)
				done &= it_live_next(&sess[i].flow[0]) > it_live_switch_at(&sess[i].flow[0]) + 100 &&
					it_live_next(&sess[i].flow[1]) > sess[i].flow[1].dec[sess[i].flow[1].nb_dec - 1].from + 100;
		if (done)
			break;
	}
	it_live_run(200);
	for (unsigned i = 1; i < 12; i += 4)
		if (!gone(i) && sess[i].flow[0].rtcp_every == 0) {
			assert_true(it_live_next(&sess[i].flow[0]) > it_live_switch_at(&sess[i].flow[0]) + 100);
			retire(&sess[i], 0, false);
			retire(&sess[i], 0, true);
		}
	it_live_run(200);
	it_assert_clean();
}

/* A leg's mode and keys through session.update (suite < 0: plain RTP), under traffic. */
static void
switch_leg(unsigned i, int j, int suite, bool replace)
{
	struct it_session *s = &sess[i];
	struct it_leg *l = &s->leg[j];
	struct it_flow *from = &s->flow[j], *into = &s->flow[1 - j];
	enum ms_leg_mode mode = suite < 0 ? MS_LEG_RTP : ms_leg_mode_of_suite((enum ms_srtp_suite)suite);
	struct ms_jw w;
	cJSON *res;

	/* the peer stops between two packets, and starts again in the new mode */
	it_live_pause_drain(from);
	l->mode = mode;
	memset(&l->recv, 0, sizeof(l->recv));
	memset(&l->send, 0, sizeof(l->send));
	l->recv_roc = l->send_roc = 0;
	if (suite >= 0) {
		it_keys(&l->recv, (enum ms_srtp_suite)suite);
		it_keys(&l->send, (enum ms_srtp_suite)suite);
	}
	if (replace) {
		/* a new leg on the same local end: the other leg's packets go to it at once */
		request(&w, "leg.replace");
		ms_jw_kstr(&w, "session", s->name);
		ms_jw_kuint(&w, "leg", (unsigned)j);
		ms_jw_key(&w, "with");
		leg_json(&w, l);
		ms_jw_end(&w);
	} else {
		char key[128];

		request(&w, "session.update");
		ms_jw_kstr(&w, "session", s->name);
		ms_jw_kuint(&w, "leg", (unsigned)j);
		ms_jw_kstr(&w, "mode", ms_leg_mode_str(mode));
		if (suite >= 0) {
			ms_jw_kstr(&w, "suite", ms_srtp_suite_info((enum ms_srtp_suite)suite)->name);
			sdes(&l->recv, 0, key, sizeof(key));
			ms_jw_kstr(&w, "recv_key", key);
			sdes(&l->send, 0, key, sizeof(key));
			ms_jw_kstr(&w, "send_key", key);
			ms_secure_zero(key, sizeof(key));
		}
		ms_jw_end(&w);
	}
	res = call(&w);
	if (replace) {
		const cJSON *legs = cJSON_GetObjectItemCaseSensitive(res, "legs");

		l->id = (uint32_t)cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(legs, j), "id")
				->valuedouble;
	}
	cJSON_Delete(res);
	uint32_t c = it_live_next(into);

	it_flow_add_dec(into, suite < 0 ? NULL : it_srtp_new(&l->send, false, into->ssrc, 0, 1024),
			c);
	it_srtp_free(from->tx);
	from->tx = suite < 0 ? NULL : it_srtp_new(&l->recv, true, l->ssrc, 0, 0);
	from->tx_mki = false;
	changes++;
	it_live_set(from, IT_LIVE_ON);
}

/* Waits for a session.security_changed event of a session; its new level. */
static const char *
security_event(const char *name)
{
	static char level[32];

	for (int tries = 0; tries < 200; tries++) {
		cJSON *ev = ms_client_next_event(watcher, 50);
		const cJSON *d;

		if (ev == NULL)
			continue;
		d = cJSON_GetObjectItemCaseSensitive(ev, "data");
		if (strcmp(cJSON_GetObjectItemCaseSensitive(ev, "event")->valuestring,
			   "session.security_changed") == 0 &&
		    strcmp(cJSON_GetObjectItemCaseSensitive(d, "session")->valuestring, name) == 0) {
			snprintf(level, sizeof(level), "%s",
				 cJSON_GetObjectItemCaseSensitive(d, "security")->valuestring);
			cJSON_Delete(ev);
			security_events++;
			return level;
		}
		cJSON_Delete(ev);
	}
	fail_msg("no session.security_changed event for %s", name);
	return NULL;
}

/* The session's security level: its weakest leg. */
static const char *
level_of(const struct it_session *s)
{
	static const char *const names[] = {"non-secure", "authenticated", "encrypted"};

	return names[RTE_MIN(s->leg[0].mode, s->leg[1].mode)];
}

/* Switches a leg and checks the session.security_changed event, when the level changes. */
static void
switch_and_watch(unsigned i, int j, int suite)
{
	char before[32];

	snprintf(before, sizeof(before), "%s", level_of(&sess[i]));
	switch_leg(i, j, suite, false);
	if (strcmp(before, level_of(&sess[i])) != 0)
		assert_string_equal(security_event(sess[i].name), level_of(&sess[i]));
}

static void
test_fallback(void **state)
{
	bool upgraded = false;

	(void)state;
	it_pcap_case("fallback");
	/* SRTP -> RTP (a transfer to a device without SRTP) and back, with another suite */
	for (unsigned i = 12; i < 20; i += 3) {
		if (gone(i))
			continue;
		switch_and_watch(i, 0, -1);
		assert_string_equal(level_of(&sess[i]), "non-secure");
		it_live_run(100);
		switch_and_watch(i, 0, MS_SUITE_AEAD_AES_256_GCM);
		it_live_run(100);
	}
	/* a plain leg B to SRTP: the session's level rises */
	for (unsigned i = 2; i < nb_sess && !upgraded; i += 3) {
		if (gone(i) || sess[i].leg[1].mode != MS_LEG_RTP)
			continue;
		switch_and_watch(i, 1, MS_SUITE_AES_CM_128_HMAC_SHA1_80);
		assert_string_equal(level_of(&sess[i]), "encrypted");
		upgraded = true;
		it_live_run(100);
	}
	assert_true(upgraded);
	it_live_run(300);
	it_assert_clean();
}

static void
test_replace(void **state)
{
	(void)state;
	it_pcap_case("replace");
	/* leg B replaced on its own local end (the attended transfer of B), new mode and keys */
	for (unsigned i = 20; i < 28 && i < nb_sess; i += 2) {
		if (gone(i))
			continue;
		uint32_t old_id = sess[i].leg[1].id;

		switch_leg(i, 1, i % 4 == 0 ? -1 : MS_SUITE_AES_256_CM_HMAC_SHA1_80, true);
		assert_int_not_equal(sess[i].leg[1].id, old_id);
		it_live_run(100);
	}
	it_live_run(300);
	it_assert_clean();
}

static void
test_verify(void **state)
{
	struct ms_worker_stats st;
	uint64_t lost = 0, sent = 0;
	struct ms_jw w;
	cJSON *res;
	unsigned live = 0;

	(void)state;
	it_pcap_case("verify");
	it_live_run(200);
	it_live_stop();
	it_settle();
	for (unsigned i = 0; i < nb_sess; i++) {
		struct it_session *s = &sess[i];

		live += !gone(i);
		for (int d = 0; d < 2; d++) {
			struct it_flow *f = &s->flow[d];

			sent += f->next;
			if (clean_deleted[i])
				continue;
			if (hot_deleted[i]) {
				if (f->dup || f->bad || f->delivered > f->next)
					it_fail("hot-deleted flow %u: %u dup, %u bad", f->id, f->dup, f->bad);
				lost += f->next - f->delivered;
				continue;
			}
			it_expect_all(&f, 1);
			if (f->nb_dec > 1 && f->cur_dec != f->nb_dec - 1)
				it_fail("flow %u: still on decoder %u of %u", f->id, f->cur_dec, f->nb_dec);
		}
	}
	/* the control plane's view agrees with the dataplane's */
	request(&w, "session.list");
	ms_jw_kuint(&w, "limit", 1000);
	ms_jw_end(&w);
	res = call(&w);
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(res, "total")->valuedouble, (int)live);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "sessions")),
			 (int)live);
	cJSON_Delete(res);
	assert_int_equal(ms_legtab_count(it.legs), 2 * live);

	it_total(&st);
	printf("# %u sessions, %u changes through the control socket, %llu packets sent, %llu "
	       "checked, %llu lost to deleted sessions; %llu security events\n",
	       nb_sess, changes, (unsigned long long)sent, (unsigned long long)it.checked,
	       (unsigned long long)lost, (unsigned long long)security_events);
	assert_true(sent > 10000);
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
	it_assert_clean();
	it_assert_no_leak();
}

static int
group_setup(void **state)
{
	struct ms_client_opts o = {.name = "test_control_live"};
	char extra[1024], err[512];
	cJSON *r;

	(void)state;
	snprintf(sock_path, sizeof(sock_path), "/tmp/mediasec-it-ctl-%d.sock", (int)getpid());
	snprintf(extra, sizeof(extra),
		 "control = {\n"
		 "\tlisteners = ( { transport = \"unix\"; path = \"%s\"; profile = \"local\"; } );\n"
		 "\tprofiles = ( { name = \"local\"; transport = \"unix\"; security_mode = \"non-secure\";\n"
		 "\t\taccept_subscription = true; accept_replacement = true; } );\n"
		 "};\n",
		 sock_path);
	it_layout_two_workers();
	it_layout_start("ipsec-mb", extra);
	if (ms_ctl_create(&it.cfg, it.dp, &ctl, err, sizeof(err)) != 0)
		fail_msg("ms_ctl_create: %s", err);
	assert_int_equal(pthread_create(&ctl_thread, NULL, ctl_loop, NULL), 0);
	o.socket_path = sock_path;
	if (ms_client_connect(&o, &cli, err, sizeof(err)) != 0 ||
	    ms_client_connect(&o, &watcher, err, sizeof(err)) != 0)
		fail_msg("cannot connect: %s", err);
	r = ms_client_call_text(watcher, "{\"op\":\"events.subscribe\",\"events\":[\"session.security_changed\"]}",
				err, sizeof(err));
	assert_non_null(r);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")));
	cJSON_Delete(r);
	it_live_start(sess, MAX_SESS);
	for (unsigned i = 0; i < INITIAL; i++)
		add_session(0, 0);
	return 0;
}

static int
group_teardown(void **state)
{
	it_live_stop();
	ms_client_close(cli);
	ms_client_close(watcher);
	__atomic_store_n(&stop_ctl, 1, __ATOMIC_RELEASE);
	pthread_join(ctl_thread, NULL);
	ms_ctl_free(ctl);
	return it_group_teardown(state);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_delete),
		cmocka_unit_test(test_rekey_mki),
		cmocka_unit_test(test_rekey_index),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_verify),
	};

	signal(SIGPIPE, SIG_IGN);
	it_init("control_live", argc, argv);
	return cmocka_run_group_tests_name("integration_control_live", tests, group_setup,
					   group_teardown);
}
