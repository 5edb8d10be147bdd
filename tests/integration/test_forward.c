/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding through the whole dataplane on ring ports, one worker: every
 * pairing (SRTP->RTP, RTP->SRTP, SRTP->SRTP with different keys and suites,
 * RTP->RTP) in both directions of a session; a session from the
 * configuration file (SDES keys); every suite on many concurrent sessions,
 * interleaved; sequence number wrap and ROC rollover, nonzero initial ROCs;
 * RTCP/SRTCP with rtcp-mux and with separate RTCP ports; IPv4, IPv6, a
 * session with one leg of each, a VLAN-tagged port; several SSRCs on one
 * leg; full-size packets. libsrtp2 protects what the peers send and
 * unprotects what mediasec sends. Every test ends with no drop counted
 * anywhere and no mbuf left in use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "it.h"

enum { PORT_A, PORT_B, PORT_C };

static struct it_session cfg_sess;

/* Worker totals at the start of a test. */
static struct ms_worker_stats t0;
static uint64_t injected0, out0;

static void
begin(const char *name)
{
	it_pcap_case(name);
	it_settle();
	it_total(&t0);
	injected0 = it.injected;
	out0 = it.out_frames;
}

/* Nothing dropped by the workers, everything received, every frame sent counted. */
static void
end_clean(void)
{
	struct ms_worker_stats st;

	it_settle();
	it_total(&st);
	assert_int_equal(st.rx_pkts - t0.rx_pkts, it.injected - injected0);
	assert_int_equal(st.tx_pkts - t0.tx_pkts, it.out_frames - out0);
	for (unsigned d = 0; d < MS_WORKER_DROP_COUNT; d++)
		if (st.drops[d] != t0.drops[d])
			it_fail("worker drops %s: %llu new", ms_worker_drop_str((enum ms_worker_drop)d),
				(unsigned long long)(st.drops[d] - t0.drops[d]));
	for (unsigned d = 0; d < MS_LEG_DROP_COUNT; d++)
		if (st.leg_drops[d] != t0.leg_drops[d])
			it_fail("leg drops %s: %llu new", ms_leg_drop_str((enum ms_leg_drop)d),
				(unsigned long long)(st.leg_drops[d] - t0.leg_drops[d]));
	for (unsigned r = 1; r < MS_SRTP_RESULT_COUNT; r++)
		if (st.xform.in_drops[r] != t0.xform.in_drops[r] ||
		    st.xform.out_drops[r] != t0.xform.out_drops[r])
			it_fail("transform drops %s: %llu in, %llu out",
				ms_srtp_result_str((enum ms_srtp_result)r),
				(unsigned long long)(st.xform.in_drops[r] - t0.xform.in_drops[r]),
				(unsigned long long)(st.xform.out_drops[r] - t0.xform.out_drops[r]));
	it_assert_no_leak();
}

/* A leg's counters agree with the flows through it. */
static void
check_leg_counters(const struct it_session *s)
{
	for (int i = 0; i < 2; i++) {
		const struct it_leg *l = &s->leg[i];
		const struct it_flow *in = &s->flow[i], *out = &s->flow[1 - i];
		struct ms_leg_side_stats rx, tx;

		it_leg_stats(l, &rx, &tx);
		if (rx.pkts != in->next || tx.pkts != out->delivered)
			it_fail("session %s leg %d: rx %llu packets (sent %u), tx %llu (delivered %u)",
				s->name, i, (unsigned long long)rx.pkts, in->next,
				(unsigned long long)tx.pkts, out->delivered);
		if (in->next && rx.bytes == 0)
			it_fail("session %s leg %d: rx bytes 0", s->name, i);
		if (out->delivered && tx.bytes == 0)
			it_fail("session %s leg %d: tx bytes 0", s->name, i);
		for (unsigned r = 1; r < MS_SRTP_RESULT_COUNT; r++)
			if (rx.srtp[r] || tx.srtp[r])
				it_fail("session %s leg %d: %s drops %llu/%llu", s->name, i,
					ms_srtp_result_str((enum ms_srtp_result)r),
					(unsigned long long)rx.srtp[r], (unsigned long long)tx.srtp[r]);
		for (unsigned d = 0; d < MS_LEG_DROP_COUNT; d++)
			if (rx.drops[d] || tx.drops[d])
				it_fail("session %s leg %d: %s drops %llu/%llu", s->name, i,
					ms_leg_drop_str((enum ms_leg_drop)d),
					(unsigned long long)rx.drops[d], (unsigned long long)tx.drops[d]);
	}
}

static void
run_sessions(struct it_session *const *ss, unsigned n, unsigned per_flow)
{
	struct it_flow **flows = calloc(2 * n, sizeof(*flows));

	assert_non_null(flows);
	for (unsigned i = 0; i < n; i++) {
		flows[2 * i] = &ss[i]->flow[0];
		flows[2 * i + 1] = &ss[i]->flow[1];
	}
	it_send_rr(flows, 2 * n, per_flow);
	it_settle();
	it_expect_all(flows, 2 * n);
	for (unsigned i = 0; i < n; i++)
		check_leg_counters(ss[i]);
	free(flows);
}

static struct it_session *
new_session(const char *name, uint32_t cap)
{
	struct it_session *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	snprintf(s->name, sizeof(s->name), "%s", name);
	(void)cap;
	return s;
}

static void
leg(struct it_session *s, int i, unsigned port, uint8_t fam, int suite, bool mux)
{
	it_leg_init(&s->leg[i], port, fam, suite < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED,
		    suite < 0 ? MS_SUITE_AES_CM_128_HMAC_SHA1_80 : (enum ms_srtp_suite)suite,
		    it_rand() % IT_HOSTS, it_next_local_port(), it_next_peer_port(), mux);
}

static void
drop_session(struct it_session *s)
{
	it_session_remove(s);
	it_session_free(s);
	free(s);
}

/* ------------------------------------------------------------------------- */

/* The harness's own checks catch what they are meant to catch. */
static void
test_harness(void **state)
{
	uint8_t f[256], pl[100];
	struct it_parsed p;
	struct it_l4 h = {.vlan = 100, .sport = 1234, .dport = 5678};

	(void)state;
	it_rand_bytes(pl, sizeof(pl));
	for (int fam = 0; fam < 2; fam++) {
		uint8_t family = fam ? AF_INET6 : AF_INET;
		uint16_t l3 = 18 + (fam ? 40 : 20), len;

		h.src = it_host(PORT_A, family, 0);
		h.dst = it_host(PORT_A, family, 1);
		len = it_frame_udp(f, &h, pl, sizeof(pl));
		assert_null(it_frame_check(f, len, &p));
		assert_int_equal(p.vlan, 100);
		assert_int_equal(p.len, sizeof(pl));
		assert_memory_equal(p.payload, pl, sizeof(pl));
		f[len - 1] ^= 1;
		assert_string_equal(it_frame_check(f, len, &p), "bad UDP checksum");
		f[len - 1] ^= 1;
		f[l3 + 6] ^= 0x40; /* the UDP checksum field itself */
		assert_string_equal(it_frame_check(f, len, &p), "bad UDP checksum");
		f[l3 + 6] ^= 0x40;
		if (!fam) {
			f[18 + 8] = 63; /* TTL */
			assert_non_null(it_frame_check(f, len, &p));
			f[18 + 8] = 64;
			f[18 + 10] ^= 1;
			assert_string_equal(it_frame_check(f, len, &p), "bad IPv4 header checksum");
			f[18 + 10] ^= 1;
		}
		assert_non_null(it_frame_check(f, (uint16_t)(len - 1), &p));
		assert_null(it_frame_check(f, len, &p));
	}
	/* libsrtp2 both ways, every suite; a flipped bit fails */
	for (unsigned su = 0; su < MS_SUITE_COUNT; su++) {
		struct ms_srtp_ctx_cfg c;
		uint32_t b[64];
		uint8_t *bb = (uint8_t *)b;
		int len = 12 + 50;

		it_keys(&c, (enum ms_srtp_suite)su);
		srtp_t tx = it_srtp_new(&c, true, 0x1234, 3, 0), rx = it_srtp_new(&c, false, 0x1234, 3, 0);
		memset(b, 0, sizeof(b));
		bb[0] = 0x80;
		bb[11] = 0x34;
		bb[10] = 0x12;
		assert_int_equal(srtp_protect(tx, b, &len), srtp_err_status_ok);
		assert_int_equal(len, 62 + ms_srtp_suite_info((enum ms_srtp_suite)su)->rtp_tag_len);
		/* on a copy: a failed GCM unprotect may leave the buffer changed */
		uint32_t bad[64];
		int blen = len;
		memcpy(bad, b, sizeof(bad));
		((uint8_t *)bad)[20] ^= 1;
		assert_int_equal(srtp_unprotect(rx, bad, &blen), srtp_err_status_auth_fail);
		assert_int_equal(srtp_unprotect(rx, b, &len), srtp_err_status_ok);
		assert_int_equal(len, 62);
		it_srtp_free(tx);
		it_srtp_free(rx);
	}
}

static void
test_config_session(void **state)
{
	struct it_session *s = &cfg_sess;

	(void)state;
	begin("config_session");
	/* the configuration put the peers where the test expects them */
	for (int i = 0; i < 2; i++) {
		const struct ms_leg *l = ms_legtab_get(it.legs, s->leg[i].id);
		struct ms_leg_peer p;

		assert_non_null(l);
		assert_int_equal(l->local_rtcp_port, s->leg[i].lrtcp);
		assert_true(ms_leg_peer_read(l, &p));
		assert_true(p.known);
		assert_true(ms_addr_equal(&p.addr, &s->leg[i].peer));
		assert_int_equal(p.port, s->leg[i].pport);
		assert_int_equal(p.rtcp_port, s->leg[i].prtcp);
		assert_int_equal(l->mode, s->leg[i].mode);
	}
	s->flow[0].rtcp_every = 5;
	s->flow[1].rtcp_every = 7;
	run_sessions((struct it_session *[]){s}, 1, 60);
	printf("# config session: %u + %u packets\n", s->flow[0].delivered, s->flow[1].delivered);
	end_clean();
}

/* The four pairings, each in both directions of a session. */
static void
test_pairings(void **state)
{
	struct it_session *ss[4];

	(void)state;
	begin("pairings");
	/* SRTP <-> RTP: SRTP->RTP one way, RTP->SRTP the other */
	ss[0] = new_session("srtp-rtp", 0);
	leg(ss[0], 0, PORT_A, AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80, true);
	leg(ss[0], 1, PORT_B, AF_INET, -1, false);
	/* RTP <-> SRTP, the other way round, separate RTCP port on the SRTP leg */
	ss[1] = new_session("rtp-srtp", 0);
	leg(ss[1], 0, PORT_A, AF_INET, -1, true);
	leg(ss[1], 1, PORT_B, AF_INET, MS_SUITE_AEAD_AES_128_GCM, false);
	/* SRTP <-> SRTP with different suites and keys on each leg */
	ss[2] = new_session("srtp-srtp", 0);
	leg(ss[2], 0, PORT_A, AF_INET, MS_SUITE_AEAD_AES_256_GCM, false);
	leg(ss[2], 1, PORT_B, AF_INET, MS_SUITE_AES_256_CM_HMAC_SHA1_32, true);
	/* RTP <-> RTP */
	ss[3] = new_session("rtp-rtp", 0);
	leg(ss[3], 0, PORT_A, AF_INET, -1, false);
	leg(ss[3], 1, PORT_B, AF_INET, -1, true);
	for (int i = 0; i < 4; i++) {
		it_session_prepare(ss[i], ss[i]->name, 256);
		ss[i]->flow[0].rtcp_every = 10;
		ss[i]->flow[1].rtcp_every = 9;
		it_session_install(ss[i]);
	}
	/* full-size packets on some flows */
	ss[2]->flow[0].rtp_len = 1400;
	ss[1]->flow[1].rtp_len = 1200;
	run_sessions(ss, 4, 200);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ss[i]->flow[0].delivered, 200);
		assert_int_equal(ss[i]->flow[1].delivered, 200);
		assert_true(ss[i]->flow[0].delivered_rtcp >= 19);
		drop_session(ss[i]);
	}
	end_clean();
}

/* Every suite on both sides, 64 sessions at once, IPv4/IPv6/mixed, VLAN, mux or not. */
#define MANY 64
static void
test_many_suites(void **state)
{
	struct it_session *ss[MANY];
	unsigned used_in[MS_SUITE_COUNT] = {0}, used_out[MS_SUITE_COUNT] = {0};

	(void)state;
	begin("many_suites");
	for (unsigned i = 0; i < MANY; i++) {
		char name[32];
		int sa = (int)(i % MS_SUITE_COUNT);
		/* leg B: another suite, or plain RTP for every fifth session */
		int sb = i % 5 == 4 ? -1 : (int)((i / MS_SUITE_COUNT + i + 3) % MS_SUITE_COUNT);
		uint8_t fa = i % 3 == 1 ? AF_INET6 : AF_INET;
		uint8_t fb = i % 3 == 0 ? AF_INET : AF_INET6;

		snprintf(name, sizeof(name), "many-%u", i);
		ss[i] = new_session(name, 0);
		leg(ss[i], 0, i % 4 == 3 ? PORT_C : PORT_A, fa, sa, i % 2 == 0);
		leg(ss[i], 1, i % 4 == 1 ? PORT_C : PORT_B, fb, sb, i % 4 < 2);
		/* some legs start right below the wrap, some at a nonzero ROC */
		if (i % 6 == 5) {
			ss[i]->leg[0].recv_roc = it_rand() % 1000;
			ss[i]->leg[1].send_roc = it_rand() % 1000;
		}
		it_session_prepare(ss[i], name, 64);
		if (i % 6 == 2 || i % 6 == 5) {
			ss[i]->flow[0].seq0 = (uint16_t)(65535 - i % 20);
			ss[i]->flow[1].seq0 = (uint16_t)(65530 - i % 13);
		}
		ss[i]->flow[0].rtcp_every = (uint16_t)(i % 7 == 0 ? 0 : 4 + i % 5);
		ss[i]->flow[1].rtcp_every = (uint16_t)(i % 7 == 3 ? 0 : 5 + i % 3);
		it_session_install(ss[i]);
		used_in[sa]++;
		if (sb >= 0)
			used_out[sb]++;
	}
	for (unsigned s = 0; s < MS_SUITE_COUNT; s++)
		assert_true(used_in[s] > 0 && used_out[s] > 0);
	run_sessions(ss, MANY, 40);
	printf("# %u sessions, %u flows, %llu packets checked so far\n", MANY, 2 * MANY,
	       (unsigned long long)it.checked);
	for (unsigned i = 0; i < MANY; i++)
		drop_session(ss[i]);
	end_clean();
}

/* Sequence wrap and ROC rollover on both sides; nonzero initial ROCs. */
static void
test_roc(void **state)
{
	struct it_session *ss[3];

	(void)state;
	begin("roc");
	ss[0] = new_session("roc-srtp-srtp", 0);
	leg(ss[0], 0, PORT_A, AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80, true);
	leg(ss[0], 1, PORT_B, AF_INET6, MS_SUITE_AEAD_AES_128_GCM, true);
	ss[0]->leg[0].recv_roc = 7;
	ss[0]->leg[0].send_roc = 0x10000;
	ss[0]->leg[1].recv_roc = 0;
	ss[0]->leg[1].send_roc = 0xfffffffe;
	ss[1] = new_session("roc-srtp-rtp", 0);
	leg(ss[1], 0, PORT_A, AF_INET, MS_SUITE_AES_256_CM_HMAC_SHA1_80, false);
	leg(ss[1], 1, PORT_B, AF_INET, -1, false);
	ss[1]->leg[0].recv_roc = 1;
	ss[1]->leg[0].send_roc = 2;
	ss[2] = new_session("roc-rtp-srtp", 0);
	leg(ss[2], 0, PORT_A, AF_INET, -1, true);
	leg(ss[2], 1, PORT_C, AF_INET, MS_SUITE_NULL_HMAC_SHA1_32, true);
	ss[2]->leg[1].send_roc = 12345;
	ss[2]->leg[1].recv_roc = 3;
	for (int i = 0; i < 3; i++) {
		it_session_prepare(ss[i], ss[i]->name, 1024);
		ss[i]->flow[0].seq0 = (uint16_t)(65536 - 300 - 17 * i);
		ss[i]->flow[1].seq0 = (uint16_t)(65536 - 200 + 3 * i);
		ss[i]->flow[0].rtcp_every = 16;
		it_session_install(ss[i]);
	}
	run_sessions(ss, 3, 700);
	/* the receivers' ROC moved on by one: mediasec wrapped with the sender */
	for (int i = 0; i < 3; i++)
		for (int d = 0; d < 2; d++) {
			const struct it_flow *f = &ss[i]->flow[d];

			if (f->dec[0].s != NULL)
				assert_int_equal(it_srtp_roc(f->dec[0].s, f->ssrc),
						 f->to->send_roc + 1);
			if (f->tx != NULL)
				assert_int_equal(it_srtp_roc(f->tx, f->ssrc),
						 f->from->recv_roc + 1);
		}
	for (int i = 0; i < 3; i++)
		drop_session(ss[i]);
	end_clean();
}

/* IPv6 on both legs, IPv4 <-> IPv6, VLAN: RTCP with mux and apart. */
static void
test_families_vlan(void **state)
{
	struct it_session *ss[4];

	(void)state;
	begin("families_vlan");
	ss[0] = new_session("v6-v6", 0);
	leg(ss[0], 0, PORT_A, AF_INET6, MS_SUITE_AES_CM_128_HMAC_SHA1_32, false);
	leg(ss[0], 1, PORT_B, AF_INET6, MS_SUITE_AEAD_AES_256_GCM, true);
	ss[1] = new_session("v4-v6", 0);
	leg(ss[1], 0, PORT_A, AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80, true);
	leg(ss[1], 1, PORT_C, AF_INET6, MS_SUITE_NULL_HMAC_SHA1_80, false);
	ss[2] = new_session("vlan-v4", 0);
	leg(ss[2], 0, PORT_C, AF_INET, MS_SUITE_AEAD_AES_128_GCM, false);
	leg(ss[2], 1, PORT_C, AF_INET, -1, false);
	ss[3] = new_session("v6-v4-rtp", 0);
	leg(ss[3], 0, PORT_C, AF_INET6, -1, true);
	leg(ss[3], 1, PORT_B, AF_INET, -1, false);
	for (int i = 0; i < 4; i++) {
		it_session_prepare(ss[i], ss[i]->name, 256);
		ss[i]->flow[0].rtcp_every = 3;
		ss[i]->flow[1].rtcp_every = 4;
		it_session_install(ss[i]);
	}
	run_sessions(ss, 4, 150);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ss[i]->flow[0].delivered_rtcp, 50);
		drop_session(ss[i]);
	}
	end_clean();
}

/*
 * Several SSRCs on one leg direction (a peer with two sources, a new source
 * after a transfer): each is decrypted and re-encrypted with its own ROC and
 * replay state, interleaved, one of them starting mid-stream near the wrap.
 */
static void
test_ssrcs(void **state)
{
	struct it_session *ss[2];
	static struct it_flow extra_flows[5];
	struct it_flow *all[9];
	unsigned n = 0;

	(void)state;
	begin("ssrcs");
	ss[0] = new_session("ssrc-srtp-srtp", 0);
	leg(ss[0], 0, PORT_A, AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80, true);
	leg(ss[0], 1, PORT_B, AF_INET6, MS_SUITE_AEAD_AES_256_GCM, false);
	ss[0]->leg[0].recv_roc = 2;
	ss[0]->leg[1].send_roc = 9;
	ss[1] = new_session("ssrc-rtp-srtp", 0);
	leg(ss[1], 0, PORT_C, AF_INET, -1, true);
	leg(ss[1], 1, PORT_A, AF_INET, MS_SUITE_NULL_HMAC_SHA1_80, true);
	for (int i = 0; i < 2; i++) {
		it_session_prepare(ss[i], ss[i]->name, 512);
		ss[i]->flow[0].rtcp_every = 6;
		it_session_install(ss[i]);
		all[n++] = &ss[i]->flow[0];
		all[n++] = &ss[i]->flow[1];
	}
	/* three more sources from A's peer in session 0 (four in all), two more in session 1 */
	for (int k = 0; k < 5; k++) {
		struct it_flow *x = &extra_flows[k];

		it_flow_extra(x, ss[k < 3 ? 0 : 1], 0, it_rand() | 1, 512);
		x->rtcp_every = (uint16_t)(k % 2 ? 5 : 0);
		x->seq0 = (uint16_t)(65530 - 10 * k); /* every one wraps */
		all[n++] = x;
	}
	/* the first sources alone, then all of them interleaved */
	it_send_rr(all, 4, 30);
	it_send_rr(all, n, 120);
	it_settle();
	it_expect_all(all, n);
	/* the wrapped sources' ROCs moved on by one on both sides */
	for (int k = 0; k < 5; k++) {
		struct it_flow *x = &extra_flows[k];

		if (x->tx)
			assert_int_equal(it_srtp_roc(x->tx, x->ssrc), x->from->recv_roc + 1);
		assert_int_equal(it_srtp_roc(x->dec[0].s, x->ssrc), x->to->send_roc + 1);
	}
	for (int i = 0; i < 2; i++) {
		struct ms_leg_side_stats rx, tx;
		unsigned want = 0;

		for (struct it_flow *x = &ss[i]->flow[0]; x != NULL; x = x->alt)
			want += x->next;
		it_leg_stats(&ss[i]->leg[0], &rx, &tx);
		assert_int_equal(rx.pkts, want);
		it_leg_stats(&ss[i]->leg[1], &rx, &tx);
		assert_int_equal(tx.pkts, want);
	}
	for (int i = 0; i < 2; i++)
		drop_session(ss[i]);
	for (int k = 0; k < 5; k++)
		it_flow_extra_free(&extra_flows[k]);
	end_clean();
}

/* ------------------------------------------------------------------------- */

static char extra[8192];

static void
config_session_text(void)
{
	struct it_session *s = &cfg_sess;
	char a[MS_ADDR_STRLEN], p[MS_ADDR_STRLEN], rk[128], sk[128];
	size_t o = 0;

	snprintf(s->name, sizeof(s->name), "from-config");
	it_leg_init(&s->leg[0], PORT_A, AF_INET, MS_LEG_ENCRYPTED, MS_SUITE_AES_CM_128_HMAC_SHA1_80,
		    0, 4000, 5000, true);
	it_leg_init(&s->leg[1], PORT_B, AF_INET6, MS_LEG_RTP, 0, 1, 4002, 5002, false);
	s->leg[0].recv_roc = 5;
	it_sdes(&s->leg[0].recv, rk, sizeof(rk));
	it_sdes(&s->leg[0].send, sk, sizeof(sk));
	o += (size_t)snprintf(extra + o, sizeof(extra) - o,
			      "sessions = (\n\t{\n\t\tname = \"%s\";\n\t\tlegs = (\n", s->name);
	o += (size_t)snprintf(extra + o, sizeof(extra) - o,
			      "\t\t\t{ port = \"a\"; local = \"%s:%u\"; rtcp = \"mux\"; "
			      "peer = \"%s:%u\"; mode = \"encrypted\"; "
			      "suite = \"AES_CM_128_HMAC_SHA1_80\"; recv_key = \"%s\"; "
			      "send_key = \"%s\"; recv_roc = 5; },\n",
			      ms_addr_str(&s->leg[0].local, a, sizeof(a)), s->leg[0].lport,
			      ms_addr_str(&s->leg[0].peer, p, sizeof(p)), s->leg[0].pport, rk, sk);
	o += (size_t)snprintf(extra + o, sizeof(extra) - o,
			      "\t\t\t{ port = \"b\"; local = \"[%s]:%u\"; rtcp = %u; "
			      "peer = \"[%s]:%u\"; mode = \"rtp\"; }\n\t\t);\n\t}\n);\n",
			      ms_addr_str(&s->leg[1].local, a, sizeof(a)), s->leg[1].lport,
			      s->leg[1].lrtcp, ms_addr_str(&s->leg[1].peer, p, sizeof(p)),
			      s->leg[1].pport);
	memset(rk, 0, sizeof(rk));
	memset(sk, 0, sizeof(sk));
}

static int
group_setup(void **state)
{
	(void)state;
	it_layout_one_worker();
	config_session_text();
	it_layout_start("ipsec-mb", extra);
	it_session_prepare(&cfg_sess, cfg_sess.name, 128);
	it_session_register(&cfg_sess);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_harness),
		cmocka_unit_test(test_config_session),
		cmocka_unit_test(test_pairings),
		cmocka_unit_test(test_many_suites),
		cmocka_unit_test(test_roc),
		cmocka_unit_test(test_families_vlan),
		cmocka_unit_test(test_ssrcs),
	};

	it_init("forward", argc, argv);
	return cmocka_run_group_tests_name("integration_forward", tests, group_setup,
					   it_group_teardown);
}
