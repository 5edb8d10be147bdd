/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the dataplane must not forward, and that it keeps forwarding the rest:
 * reordering within the replay window (delivered), duplicates (replay),
 * packets left of the window (too_old), forged packets (auth_fail; the
 * stream keeps working and the forged index is not consumed), truncated
 * packets, garbage to a known leg, packets to unknown ports (unknown_leg) and
 * malformed frames (each counted by reason), while valid packets in unusual
 * frames (trailing bytes, IPv4 options) pass; peer learning (a forged packet
 * is never learned; media goes to the first source that authenticates; the
 * peer's RTCP port is learned from its RTCP), with and without strict
 * source; ms_leg_set_peer; strict source (wrong_source); ARP and IPv6
 * neighbour discovery: the dataplane answers for its addresses, asks for an
 * unresolved peer and sends once answered. One worker.
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

static struct ms_worker_stats t0;

static void
begin(const char *name)
{
	it_pcap_case(name);
	it_settle();
	it_total(&t0);
}

static uint64_t
worker_drops(enum ms_worker_drop d)
{
	struct ms_worker_stats st;

	it_total(&st);
	return st.drops[d] - t0.drops[d];
}

static struct it_session *
session(const char *name, unsigned pa, int sa, unsigned pb, int sb)
{
	struct it_session *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	it_leg_init(&s->leg[0], pa, AF_INET, sa < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED,
		    sa < 0 ? 0 : (enum ms_srtp_suite)sa, 0, it_next_local_port(),
		    it_next_peer_port(), true);
	it_leg_init(&s->leg[1], pb, AF_INET, sb < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED,
		    sb < 0 ? 0 : (enum ms_srtp_suite)sb, 1, it_next_local_port(),
		    it_next_peer_port(), true);
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

/* True when packet c of the flow is RTCP. */
static bool
flow_kind(const struct it_flow *f, uint32_t c)
{
	return f->rtcp_every && c % f->rtcp_every == f->rtcp_every - 1u;
}

/* Makes a leg (not installed yet) IPv6, with peer host h of its port. */
static void
leg_v6(struct it_leg *l, unsigned h)
{
	l->family = AF_INET6;
	l->local = it.ports[l->port].addr6;
	l->local.prefix_len = 0;
	l->peer = *it_host(l->port, AF_INET6, h);
	it_host_mac(&l->peer, &l->peer_mac);
}

static void
install(struct it_session *s, uint32_t cap)
{
	it_session_prepare(s, s->name, cap);
	it_session_install(s);
}

static void
drop_session(struct it_session *s)
{
	it_session_remove(s);
	it_session_free(s);
	free(s);
}

/* A flow's wire packets, protected in order now, to be injected in any order. */
struct held {
	uint32_t buf[IT_MAX_FRAME / 4];
	uint16_t len;
	bool rtcp;
};

static struct held *
hold(struct it_flow *f, uint32_t n)
{
	struct held *h = calloc(n, sizeof(*h));

	assert_non_null(h);
	for (uint32_t c = 0; c < n; c++)
		h[c].len = it_flow_wire(f, c, (uint8_t *)h[c].buf, &h[c].rtcp);
	f->next = n;
	return h;
}

static void
inject_held(const struct it_flow *f, const struct held *h)
{
	uint8_t frame[IT_MAX_FRAME];
	uint16_t flen = it_flow_frame(f, frame, h->buf, h->len, h->rtcp, NULL, 0);

	it_inject(f->from->port, 0, frame, flen);
}

/* Counts packets of a flow that must not come out (so that expect_all can still be used). */
static void
mark_lost(struct it_flow *f, uint32_t c)
{
	/* a packet that must not be delivered: count it as delivered for the totals */
	assert_int_equal(f->seen[c], 0);
	f->seen[c] = 0xff; /* a second delivery shows as a failure */
	f->delivered++;
}

/* Sends the next n packets of a flow, which must not come out, and settles. */
static void
send_lost(struct it_flow *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		it_flow_send(f, 0);
		mark_lost(f, f->next - 1);
	}
	it_settle();
}

/* A drop reason summed over both legs of a session. */
static uint64_t
session_drops(const struct it_session *s, enum ms_leg_drop d)
{
	return it_leg_drops(&s->leg[0], d) + it_leg_drops(&s->leg[1], d);
}

/* ------------------------------------------------------------------------- */

/*
 * Reordering within the window is delivered; duplicates are replays; what
 * falls left of the window is too old. SRTP -> RTP, and SRTCP among them.
 */
static void
test_replay(void **state)
{
	struct it_session *s = session("replay", PORT_A, MS_SUITE_AES_CM_128_HMAC_SHA1_80, PORT_B,
				       MS_SUITE_AEAD_AES_128_GCM);
	struct it_flow *f = &s->flow[0];
	/* held back: 60..64 (sent 330+ behind), 300..302 (sent about 97 behind) */
	const uint32_t n = 400, late0 = 60, nb_late0 = 5, late1 = 300, nb_late1 = 3;
	unsigned dups = 0, dups_rtcp = 0;
	struct held *h;

	(void)state;
	begin("replay");
	s->leg[0].window = 64; /* the leg's own window, below the default 128 */
	install(s, n);
	f->rtcp_every = 0;
	f->seq0 = 65500; /* the window crosses the wrap */
	h = hold(f, n);
	/* in order by blocks of 16, each block sent backwards: reordering of up to 15 */
	for (uint32_t b = 0; b < n; b += 16)
		for (uint32_t i = 16; i-- > 0;) {
			uint32_t c = b + i;

			if (c >= n || (c >= late0 && c < late0 + nb_late0) ||
			    (c >= late1 && c < late1 + nb_late1))
				continue;
			inject_held(f, &h[c]);
			/* every 37th packet twice more, right away and a while later */
			if (c % 37 == 0) {
				inject_held(f, &h[c]);
				dups++;
			}
			/* up to 45 behind the highest: inside the window of 64 */
			if (c % 41 == 0 && c > 60 && (c - 30 < late1 || c - 30 >= late1 + nb_late1)) {
				inject_held(f, &h[c - 30]);
				dups++;
			}
		}
	it_settle();
	/* now the late ones: left of the window of 64 (each would fit in 128) */
	for (uint32_t c = late0; c < late0 + nb_late0; c++) {
		inject_held(f, &h[c]);
		mark_lost(f, c);
	}
	for (uint32_t c = late1; c < late1 + nb_late1; c++) {
		inject_held(f, &h[c]);
		mark_lost(f, c);
	}
	it_settle();
	it_expect_all(&f, 1);
	assert_int_equal(it_leg_srtp_drops(&s->leg[0], MS_SRTP_REPLAY), dups);
	assert_int_equal(it_leg_srtp_drops(&s->leg[0], MS_SRTP_TOO_OLD), nb_late0 + nb_late1);
	assert_int_equal(it_leg_srtp_drops(&s->leg[0], MS_SRTP_AUTH_FAIL), 0);
	{
		struct ms_leg_side_stats rx, tx;

		it_leg_stats(&s->leg[0], &rx, &tx);
		printf("# replay: leg rx %llu pkts, %u dups, %u late\n", (unsigned long long)rx.pkts,
		       dups, nb_late0 + nb_late1);
		assert_int_equal(rx.srtp[MS_SRTP_REPLAY], dups);
		assert_int_equal(rx.srtp[MS_SRTP_TOO_OLD], nb_late0 + nb_late1);
		assert_int_equal(rx.pkts, n - nb_late0 - nb_late1);
	}
	free(h);

	/* SRTCP replays on the other direction (RTCP only) */
	struct it_flow *g = &s->flow[1];
	g->rtcp_every = 1;
	h = hold(g, 40);
	for (uint32_t c = 0; c < 40; c++) {
		inject_held(g, &h[c]);
		if (c % 8 == 3) {
			inject_held(g, &h[c]);
			dups_rtcp++;
		}
	}
	it_settle();
	it_expect_all(&g, 1);
	assert_int_equal(g->delivered_rtcp, 40);
	assert_int_equal(it_leg_srtp_drops(&s->leg[1], MS_SRTP_REPLAY), dups_rtcp);
	free(h);
	assert_int_equal(worker_drops(MS_WORKER_DROP_UNKNOWN_LEG), 0);
	it_assert_no_leak();
	drop_session(s);
}

/*
 * Forged packets (a bit of the tag, of the payload, of the header flipped;
 * another key) are dropped as auth_fail; the genuine packet with the same
 * index is delivered afterwards and the stream keeps working. Each suite.
 */
static void
test_forged(void **state)
{
	struct it_session *ss[MS_SUITE_COUNT];
	unsigned forged[MS_SUITE_COUNT] = {0};

	(void)state;
	begin("forged");
	for (unsigned i = 0; i < MS_SUITE_COUNT; i++) {
		char name[32];

		snprintf(name, sizeof(name), "forged-%u", i);
		ss[i] = session(name, PORT_A, (int)i, PORT_B, i % 2 ? -1 : (int)((i + 1) % 8));
		ss[i]->leg[0].rtcp_mux = i % 3 != 0;
		ss[i]->leg[0].lrtcp = ss[i]->leg[0].rtcp_mux ? ss[i]->leg[0].lport
							     : (uint16_t)(ss[i]->leg[0].lport + 1);
		ss[i]->leg[0].prtcp = ss[i]->leg[0].rtcp_mux ? ss[i]->leg[0].pport
							     : (uint16_t)(ss[i]->leg[0].pport + 1);
		install(ss[i], 128);
		ss[i]->flow[0].rtcp_every = 4;
	}
	for (uint32_t c = 0; c < 100; c++)
		for (unsigned i = 0; i < MS_SUITE_COUNT; i++) {
			struct it_flow *f = &ss[i]->flow[0];
			struct held h;

			h.len = it_flow_wire(f, c, (uint8_t *)h.buf, &h.rtcp);
			f->next = c + 1;
			if (c % 10 == 7) {
				struct held bad = h;
				uint8_t *b = (uint8_t *)bad.buf;
				const struct ms_srtp_suite_info *si = ms_srtp_suite_info((enum ms_srtp_suite)i);
				uint16_t tag = h.rtcp ? si->rtcp_tag_len : si->rtp_tag_len;

				/* every kind of damage on RTP and on RTCP packets */
				switch ((c / 10 + c / 20) % 4) {
				case 0: /* the last byte of the tag */
					b[bad.len - 1] ^= 0x01;
					break;
				case 1: /* the first byte of the tag */
					b[bad.len - tag] ^= 0x80;
					break;
				case 2: /* payload (or, for SRTCP, the body) */
					b[h.rtcp ? 9 : 13] ^= 0x04;
					break;
				default:
					/*
					 * the SSRC stays, the sequence number or the SRTCP
					 * index moves to the next one, not seen yet (an
					 * index already seen may be dropped as a replay
					 * before the tag is checked)
					 */
					if (h.rtcp) {
						uint8_t *ix = b + bad.len - tag - 4;
						uint32_t v = ((uint32_t)ix[0] << 24 | (uint32_t)ix[1] << 16 |
							      (uint32_t)ix[2] << 8 | ix[3]) + 1;

						ix[0] = (uint8_t)(v >> 24);
						ix[1] = (uint8_t)(v >> 16);
						ix[2] = (uint8_t)(v >> 8);
						ix[3] = (uint8_t)v;
					} else {
						uint16_t sq = (uint16_t)((b[2] << 8 | b[3]) + 1);

						b[2] = (uint8_t)(sq >> 8);
						b[3] = (uint8_t)sq;
					}
					break;
				}
				inject_held(f, &bad);
				forged[i]++;
			}
			inject_held(f, &h);
			if (c % 64 == 0)
				it_collect();
		}
	/* another key altogether: a packet from an attacker who knows the SSRC */
	for (unsigned i = 0; i < MS_SUITE_COUNT; i++) {
		struct it_flow *f = &ss[i]->flow[0];
		struct ms_srtp_ctx_cfg other;
		uint32_t buf[IT_MAX_FRAME / 4];
		uint8_t frame[IT_MAX_FRAME];
		bool rtcp;
		int len;

		it_keys(&other, (enum ms_srtp_suite)i);
		srtp_t atk = it_srtp_new(&other, true, f->ssrc, f->from->recv_roc, 0);
		/* index 100 with the attacker's key, then the genuine 100 */
		len = it_flow_plain(f, 100, (uint8_t *)buf, &rtcp);
		assert_int_equal(rtcp ? srtp_protect_rtcp(atk, buf, &len) : srtp_protect(atk, buf, &len),
				 srtp_err_status_ok);
		it_inject(f->from->port, 0, frame,
			  it_flow_frame(f, frame, buf, (uint16_t)len, rtcp, NULL, 0));
		forged[i]++;
		it_srtp_free(atk);
		it_flow_send(f, 0);
		for (int k = 0; k < 20; k++)
			it_flow_send(f, 0);
	}
	it_settle();
	for (unsigned i = 0; i < MS_SUITE_COUNT; i++) {
		struct it_flow *f = &ss[i]->flow[0];

		it_expect_all(&f, 1);
		assert_int_equal(f->delivered, 121);
		if (it_leg_srtp_drops(&ss[i]->leg[0], MS_SRTP_AUTH_FAIL) != forged[i])
			it_fail("suite %s: auth_fail %llu, forged %u",
				ms_srtp_suite_info((enum ms_srtp_suite)i)->name,
				(unsigned long long)it_leg_srtp_drops(&ss[i]->leg[0], MS_SRTP_AUTH_FAIL),
				forged[i]);
		assert_int_equal(it_leg_srtp_drops(&ss[i]->leg[0], MS_SRTP_REPLAY), 0);
	}
	it_assert_no_leak();
	for (unsigned i = 0; i < MS_SUITE_COUNT; i++)
		drop_session(ss[i]);
}

/*
 * Truncated and garbage packets to known legs, packets to unknown ports and
 * addresses, malformed frames: each dropped and counted; the legs go on.
 */
static void
test_malformed(void **state)
{
	struct it_session *s = session("malformed", PORT_A, MS_SUITE_AES_CM_128_HMAC_SHA1_80,
				       PORT_C, -1);
	struct it_flow *f = &s->flow[0], *g = &s->flow[1];
	uint8_t frame[IT_MAX_FRAME];
	uint32_t buf[IT_MAX_FRAME / 4];
	uint16_t flen;
	bool rtcp;
	int len;
	unsigned srtp_bad = 0, rtp_bad = 0;

	(void)state;
	begin("malformed");
	leg_v6(&s->leg[1], 1); /* the plain leg on the VLAN port: IPv6 */
	install(s, 256);
	it_send_rr((struct it_flow *[]){f, g}, 2, 10);
	it_settle();

	/* SRTP truncated below header + tag: too_short */
	len = it_flow_wire(f, f->next, (uint8_t *)buf, &rtcp);
	mark_lost(f, f->next++);
	for (uint16_t cut = 0; cut < 22; cut += 3) {
		it_inject(PORT_A, 0, frame, it_flow_frame(f, frame, buf, cut, false, NULL, 0));
		srtp_bad++;
	}
	/* SRTP missing its last byte: the tag does not verify */
	it_inject(PORT_A, 0, frame, it_flow_frame(f, frame, buf, (uint16_t)(len - 1), false, NULL, 0));
	srtp_bad++;
	/* SRTP with extra bytes after the tag */
	memset((uint8_t *)buf + len, 0xa5, 7);
	it_inject(PORT_A, 0, frame, it_flow_frame(f, frame, buf, (uint16_t)(len + 7), false, NULL, 0));
	srtp_bad++;
	/* garbage: random bytes (version forced to 0 or 1, then 2 with random content) */
	for (int i = 0; i < 12; i++) {
		uint16_t gl = (uint16_t)(1 + it_rand() % 300);

		it_rand_bytes(buf, gl);
		((uint8_t *)buf)[0] = (uint8_t)((i % 3) << 6 | (((uint8_t *)buf)[0] & 0x3f));
		if (((uint8_t *)buf)[1] >= 192 && ((uint8_t *)buf)[1] <= 223 && gl < 8)
			((uint8_t *)buf)[1] = 0; /* keep it RTP-shaped */
		it_inject(PORT_A, 0, frame, it_flow_frame(f, frame, buf, gl, false, NULL, 0));
		srtp_bad++;
	}
	/* SRTCP too short for its index and tag */
	len = it_flow_plain(f, 3, (uint8_t *)buf, &rtcp);
	((uint8_t *)buf)[1] = 200;
	it_inject(PORT_A, 0, frame, it_flow_frame(f, frame, buf, 12, true, NULL, 0));
	srtp_bad++;

	/* to the plain leg: not RTP (version 0, 1, 3) or shorter than an RTP header */
	for (int i = 0; i < 6; i++) {
		uint16_t gl = (uint16_t)(i < 3 ? 40 : 3 + i);

		it_rand_bytes(buf, gl);
		((uint8_t *)buf)[0] = (uint8_t)((i == 1 ? 0 : i == 2 ? 1 : i == 0 ? 3 : 2) << 6);
		((uint8_t *)buf)[1] = 0;
		it_inject(PORT_C, 0, frame, it_flow_frame(g, frame, buf, gl, false, NULL, 0));
		rtp_bad++;
	}
	it_settle();
	uint64_t sd = 0;
	for (unsigned r = 1; r < MS_SRTP_RESULT_COUNT; r++)
		sd += it_leg_srtp_drops(&s->leg[0], (enum ms_srtp_result)r);
	sd += it_leg_drops(&s->leg[0], MS_LEG_DROP_NOT_RTP);
	struct ms_leg_side_stats rx, tx;
	it_leg_stats(&s->leg[0], &rx, &tx);
	printf("# SRTP leg drops: too_short %llu auth_fail %llu bad_version %llu bad_length %llu\n",
	       (unsigned long long)rx.srtp[MS_SRTP_TOO_SHORT],
	       (unsigned long long)rx.srtp[MS_SRTP_AUTH_FAIL],
	       (unsigned long long)rx.srtp[MS_SRTP_BAD_VERSION],
	       (unsigned long long)rx.srtp[MS_SRTP_BAD_LENGTH]);
	assert_int_equal(sd, srtp_bad);
	assert_true(rx.srtp[MS_SRTP_TOO_SHORT] >= 7);
	assert_true(rx.srtp[MS_SRTP_AUTH_FAIL] >= 2);
	assert_int_equal(it_leg_drops(&s->leg[1], MS_LEG_DROP_NOT_RTP), rtp_bad);

	/* to our address, no leg on that port: unknown_leg, both families, both ports */
	struct it_l4 h = {.vlan = 0, .sport = 5004, .dport = 9};
	const struct it_port *pa = &it.ports[PORT_A], *pc = &it.ports[PORT_C];
	it_host_mac(it_host(PORT_A, AF_INET, 0), &h.src_mac);
	h.dst_mac = pa->mac;
	h.src = it_host(PORT_A, AF_INET, 0);
	h.dst = &pa->addr4;
	memset(buf, 0x80, 64);
	for (uint16_t p = 0; p < 5; p++) {
		h.dport = (uint16_t)(s->leg[0].lport + 200 + p);
		it_inject(PORT_A, 0, frame, it_frame_udp(frame, &h, buf, 64));
	}
	h.src = it_host(PORT_A, AF_INET6, 0);
	h.dst = &pa->addr6;
	it_inject(PORT_A, 0, frame, it_frame_udp(frame, &h, buf, 64));
	/* the leg's port on another port of the dataplane (leg A lives on port a) */
	h.vlan = pc->vlan;
	h.dst_mac = pc->mac;
	h.src = it_host(PORT_C, AF_INET, 0);
	h.dst = &pc->addr4;
	h.dport = s->leg[0].lport;
	it_inject(PORT_C, 0, frame, it_frame_udp(frame, &h, buf, 64));
	it_settle();
	assert_int_equal(worker_drops(MS_WORKER_DROP_UNKNOWN_LEG), 7);

	/* not for us: another IP address on the port's subnet */
	h.vlan = 0;
	h.dst_mac = pa->mac;
	h.src = it_host(PORT_A, AF_INET, 0);
	h.dst = it_host(PORT_A, AF_INET, 1);
	h.dport = s->leg[0].lport;
	it_inject(PORT_A, 0, frame, it_frame_udp(frame, &h, buf, 64));
	it_settle();
	assert_int_equal(worker_drops(MS_WORKER_DROP_NOT_MEDIA), 1);

	/* the genuine next packet, framed, then broken in the frame */
	len = it_flow_wire(f, f->next, (uint8_t *)buf, &rtcp);
	flen = it_flow_frame(f, frame, buf, (uint16_t)len, rtcp, NULL, 0);
	uint8_t bad[IT_MAX_FRAME];
	/* IPv4 header checksum wrong */
	memcpy(bad, frame, flen);
	bad[14 + 10] ^= 0x11;
	it_inject(PORT_A, 0, bad, flen);
	/* a fragment (more fragments set) */
	memcpy(bad, frame, flen);
	bad[14 + 6] |= 0x20;
	bad[14 + 10] = bad[14 + 11] = 0;
	{
		uint32_t sum = 0;
		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)bad[14 + i] << 8 | bad[14 + i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		bad[14 + 10] = (uint8_t)(~sum >> 8);
		bad[14 + 11] = (uint8_t)~sum;
	}
	it_inject(PORT_A, 0, bad, flen);
	/* truncated inside the UDP header / IP header, and an IP length beyond the frame */
	it_inject(PORT_A, 0, frame, 14 + 20 + 4);
	it_inject(PORT_A, 0, frame, 14 + 10);
	memcpy(bad, frame, flen);
	it_inject(PORT_A, 0, bad, (uint16_t)(flen - 30));
	/* tagged frame on the untagged port, untagged frame on the VLAN port */
	{
		uint8_t tagged[IT_MAX_FRAME];

		memcpy(tagged, frame, 12);
		tagged[12] = 0x81;
		tagged[13] = 0x00;
		tagged[14] = 0;
		tagged[15] = 100;
		memcpy(tagged + 16, frame + 12, flen - 12u);
		it_inject(PORT_A, 0, tagged, (uint16_t)(flen + 4));
		uint32_t pb[IT_MAX_FRAME / 4];
		int pl = it_flow_plain(g, g->next, (uint8_t *)pb, &rtcp);
		uint16_t gl = it_flow_frame(g, tagged, pb, (uint16_t)pl, rtcp, NULL, 0);
		/* strip the tag */
		memmove(tagged + 12, tagged + 16, gl - 16u);
		it_inject(PORT_C, 0, tagged, (uint16_t)(gl - 4));
		/* and another VLAN id on the VLAN port */
		gl = it_flow_frame(g, tagged, pb, (uint16_t)pl, rtcp, NULL, 0);
		tagged[15] = 101;
		it_inject(PORT_C, 0, tagged, gl);
	}
	it_settle();
	assert_int_equal(worker_drops(MS_WORKER_DROP_IP_CHECKSUM), 1);
	assert_int_equal(worker_drops(MS_WORKER_DROP_FRAGMENT), 1);
	assert_int_equal(worker_drops(MS_WORKER_DROP_MALFORMED), 3);
	assert_int_equal(worker_drops(MS_WORKER_DROP_WRONG_VLAN), 3);
	/* nothing went out */
	it_expect_all((struct it_flow *[]){f, g}, 2);

	/* and the legs go on: the genuine packet that was framed above, then more */
	it_inject(PORT_A, 0, frame, flen);
	f->next++;
	it_send_rr((struct it_flow *[]){f, g}, 2, 20);
	it_settle();
	it_expect_all((struct it_flow *[]){f, g}, 2);
	assert_int_equal(f->delivered, 32); /* 31 and the truncated one */
	assert_int_equal(g->delivered, 30);

	/*
	 * Valid packets in unusual frames, all delivered: bytes after the IP
	 * datagram (IPv4, and IPv6 on the VLAN port), IPv4 header options.
	 */
	for (int k = 0; k < 3; k++) {
		struct it_flow *x = k == 1 ? g : f;
		uint32_t c = x->next++;

		len = it_flow_wire(x, c, (uint8_t *)buf, &rtcp);
		flen = it_flow_frame(x, frame, buf, (uint16_t)len, rtcp, NULL, 0);
		if (k < 2) {
			/* trailing garbage, as some NICs leave */
			memset(frame + flen, 0x5a, 13);
			flen = (uint16_t)(flen + 13);
		} else {
			/* IHL 6: four NOP options; the UDP checksum does not cover them */
			uint8_t *ip = frame + 14;
			uint32_t sum = 0;

			memmove(ip + 24, ip + 20, flen - 34u);
			memset(ip + 20, 1, 4);
			ip[0] = 0x46;
			uint16_t tot = (uint16_t)((ip[2] << 8 | ip[3]) + 4);
			ip[2] = (uint8_t)(tot >> 8);
			ip[3] = (uint8_t)tot;
			ip[10] = ip[11] = 0;
			for (int i = 0; i < 24; i += 2)
				sum += (uint32_t)ip[i] << 8 | ip[i + 1];
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			ip[10] = (uint8_t)(~sum >> 8);
			ip[11] = (uint8_t)~sum;
			flen = (uint16_t)(flen + 4);
		}
		it_inject(x->from->port, 0, frame, flen);
	}
	it_settle();
	it_expect_all((struct it_flow *[]){f, g}, 2);
	it_assert_no_leak();
	drop_session(s);
}

/*
 * Peer learning: nothing is sent before the peer is known; a forged packet
 * from elsewhere is not learned; the first packet that authenticates is.
 */
static void
test_learn(void **state)
{
	struct it_session *s = session("learn", PORT_A, MS_SUITE_AEAD_AES_256_GCM, PORT_B, -1);
	struct it_flow *in = &s->flow[0], *out = &s->flow[1];
	uint32_t buf[IT_MAX_FRAME / 4];
	uint8_t frame[IT_MAX_FRAME];
	bool rtcp;
	int len;

	(void)state;
	begin("learn");
	s->leg[0].learn = true;
	s->leg[0].peer = *it_host(PORT_A, AF_INET, 3);
	it_host_mac(&s->leg[0].peer, &s->leg[0].peer_mac);
	s->leg[0].pport = 41000;
	s->leg[0].prtcp = 41000;
	install(s, 256);

	/* B -> A before A's peer is known: not sent (no_peer) */
	send_lost(out, 4);
	assert_int_equal(session_drops(s, MS_LEG_DROP_NO_PEER), 4);

	/* a forged packet from host 5 (wrong key): auth_fail, not learned */
	struct ms_srtp_ctx_cfg other;
	it_keys(&other, MS_SUITE_AEAD_AES_256_GCM);
	srtp_t atk = it_srtp_new(&other, true, s->leg[0].ssrc, 0, 0);
	len = it_flow_plain(in, 0, (uint8_t *)buf, &rtcp);
	assert_int_equal(srtp_protect(atk, buf, &len), srtp_err_status_ok);
	it_srtp_free(atk);
	it_inject(PORT_A, 0, frame,
		  it_flow_frame(in, frame, buf, (uint16_t)len, false, it_host(PORT_A, AF_INET, 5),
				42000));
	/* and a replayed-looking garbage packet from host 6 */
	it_rand_bytes(buf, 100);
	((uint8_t *)buf)[0] = 0x80;
	((uint8_t *)buf)[1] = 0;
	it_inject(PORT_A, 0, frame,
		  it_flow_frame(in, frame, buf, 100, false, it_host(PORT_A, AF_INET, 6), 42002));
	it_settle();
	assert_int_equal(it_leg_srtp_drops(&s->leg[0], MS_SRTP_AUTH_FAIL), 2);
	{
		struct ms_leg_peer p;
		const struct ms_leg *l = ms_legtab_get(it.legs, s->leg[0].id);

		assert_true(ms_leg_peer_read(l, &p));
		assert_false(p.known);
	}
	/* B -> A still goes nowhere */
	send_lost(out, 1);
	assert_int_equal(session_drops(s, MS_LEG_DROP_NO_PEER), 5);

	/* the genuine peer (host 3, port 41000) sends: learned */
	it_flow_send(in, 0);
	it_settle();
	{
		struct ms_leg_peer p;
		const struct ms_leg *l = ms_legtab_get(it.legs, s->leg[0].id);

		assert_true(ms_leg_peer_read(l, &p));
		assert_true(p.known);
		assert_true(ms_addr_equal(&p.addr, &s->leg[0].peer));
		assert_int_equal(p.port, 41000);
	}
	/* media both ways; B -> A to host 3, port 41000 (checked by the harness) */
	it_send_rr((struct it_flow *[]){in, out}, 2, 50);
	/* forged packets from elsewhere after learning change nothing */
	atk = it_srtp_new(&other, true, s->leg[0].ssrc, 0, 0);
	len = it_flow_plain(in, in->next + 5, (uint8_t *)buf, &rtcp);
	assert_int_equal(srtp_protect(atk, buf, &len), srtp_err_status_ok);
	it_srtp_free(atk);
	it_inject(PORT_A, 0, frame,
		  it_flow_frame(in, frame, buf, (uint16_t)len, false, it_host(PORT_A, AF_INET, 5),
				42000));
	it_send_rr((struct it_flow *[]){in, out}, 2, 50);
	it_settle();
	it_expect_all((struct it_flow *[]){in, out}, 2);
	assert_int_equal(it_leg_srtp_drops(&s->leg[0], MS_SRTP_AUTH_FAIL), 3);
	it_assert_no_leak();
	drop_session(s);
}

/*
 * Learning on a leg with its own RTCP port: the peer's RTP comes first, its
 * RTCP from another port than RTP + 1. RTCP toward the peer must go where
 * the peer's (authenticated) RTCP came from.
 */
static void
learn_rtcp(const char *name, bool strict)
{
	struct it_session *s = session(name, PORT_A, MS_SUITE_AEAD_AES_128_GCM, PORT_B, -1);
	struct it_flow *in = &s->flow[0], *out = &s->flow[1];
	struct it_leg *l = &s->leg[0];
	uint32_t buf[IT_MAX_FRAME / 4];
	uint8_t frame[IT_MAX_FRAME];
	bool rtcp;

	begin(name);
	l->learn = true;
	l->strict = strict;
	l->rtcp_mux = false;
	l->lrtcp = (uint16_t)(l->lport + 1);
	l->peer = *it_host(PORT_A, AF_INET, 4);
	it_host_mac(&l->peer, &l->peer_mac);
	l->pport = 43000;
	l->prtcp = 43007; /* not RTP + 1: behind a NAT, say */
	install(s, 256);
	in->rtcp_every = 4; /* packets 0, 1, 2 RTP, 3 RTCP, ... */
	out->rtcp_every = 3;

	/* the peer's first RTP: media learned, RTCP port assumed to be 43001 */
	it_flow_send(in, 0);
	it_settle();
	/* then its RTCP, from 43007 */
	for (int i = 0; i < 3; i++)
		it_flow_send(in, 0);
	it_settle();
	{
		struct ms_leg_peer p;

		memset(&p, 0, sizeof(p));
		assert_true(ms_leg_peer_read(ms_legtab_get(it.legs, l->id), &p));
		assert_true(p.known);
		assert_int_equal(p.port, 43000);
		if (!p.rtcp_known || p.rtcp_port != 43007)
			it_fail("learned RTCP port %u (known %u), the peer's RTCP comes from 43007",
				p.rtcp_port, p.rtcp_known);
	}
	/* RTCP toward the peer goes to 43007 (checked by the harness) */
	it_send_rr((struct it_flow *[]){in, out}, 2, 30);
	it_settle();
	if (strict) {
		/* now held to both ports: RTCP from 43009 and RTP from 43002 are dropped */
		for (int k = 0; k < 2; k++) {
			/* the next packet of the kind wanted (RTCP, then RTP) goes wrong */
			while (flow_kind(in, in->next) != (k == 0))
				it_flow_send(in, 0);
			uint32_t c = in->next++;
			int len = it_flow_wire(in, c, (uint8_t *)buf, &rtcp);
			mark_lost(in, c);
			it_inject(PORT_A, 0, frame,
				  it_flow_frame(in, frame, buf, (uint16_t)len, rtcp, NULL,
						k == 0 ? 43009 : 43002));
		}
		it_send_rr((struct it_flow *[]){in, out}, 2, 10);
		it_settle();
		assert_int_equal(it_leg_drops(l, MS_LEG_DROP_WRONG_SOURCE), 2);
	}
	it_expect_all((struct it_flow *[]){in, out}, 2);
	assert_true(out->delivered_rtcp >= 10);
	assert_int_equal(it_leg_srtp_drops(l, MS_SRTP_AUTH_FAIL), 0);
	it_assert_no_leak();
	drop_session(s);
}

static void
test_learn_rtcp(void **state)
{
	(void)state;
	learn_rtcp("learn_rtcp", false);
}

/* The same with strict source: the peer's RTCP is let in until its port is learned. */
static void
test_learn_rtcp_strict(void **state)
{
	(void)state;
	learn_rtcp("learn_rtcp_strict", true);
}

/*
 * ms_leg_set_peer: media goes to the new peer once it returns; set to learn
 * again, the leg takes the next source that authenticates.
 */
static void
test_set_peer(void **state)
{
	struct it_session *s = session("set-peer", PORT_A, MS_SUITE_AES_256_CM_HMAC_SHA1_80, PORT_C,
				       -1);
	struct it_flow *ab = &s->flow[0], *ba = &s->flow[1];
	char err[256] = "";

	(void)state;
	begin("set_peer");
	/* leg B with its own RTCP ports */
	s->leg[1].rtcp_mux = false;
	s->leg[1].lrtcp = (uint16_t)(s->leg[1].lport + 1);
	s->leg[1].prtcp = (uint16_t)(s->leg[1].pport + 1);
	install(s, 512);
	ab->rtcp_every = 5;
	ba->rtcp_every = 7;
	it_send_rr((struct it_flow *[]){ab, ba}, 2, 20);
	it_settle();

	/* B's peer moves (a transfer): host 6, port 47000, RTCP on 47005 */
	struct it_leg *b = &s->leg[1];
	b->peer = *it_host(PORT_C, AF_INET, 6);
	it_host_mac(&b->peer, &b->peer_mac);
	b->pport = 47000;
	b->prtcp = 47005;
	assert_int_equal(ms_leg_set_peer(it.legs, b->id, &b->peer, 47000, 47005, false, false, err,
					 sizeof(err)),
			 0);
	it_send_rr((struct it_flow *[]){ab, ba}, 2, 20);
	it_settle();
	it_expect_all((struct it_flow *[]){ab, ba}, 2);

	/* A learns again; its peer now sends from host 7, port 48000 */
	struct it_leg *a = &s->leg[0];
	assert_int_equal(ms_leg_set_peer(it.legs, a->id, NULL, 0, 0, true, false, err, sizeof(err)),
			 0);
	a->peer = *it_host(PORT_A, AF_INET, 7);
	it_host_mac(&a->peer, &a->peer_mac);
	a->pport = 48000;
	a->prtcp = 48000;
	it_flow_send(ab, 0);
	it_settle();
	it_send_rr((struct it_flow *[]){ab, ba}, 2, 20);
	it_settle();
	it_expect_all((struct it_flow *[]){ab, ba}, 2);
	it_assert_no_leak();
	drop_session(s);
}

/* Strict source: packets from anything but the peer's address and port are dropped. */
static void
test_strict(void **state)
{
	struct it_session *s = session("strict", PORT_A, MS_SUITE_AES_CM_128_HMAC_SHA1_32, PORT_B,
				       -1);
	struct it_flow *in = &s->flow[0], *plain = &s->flow[1];
	uint32_t buf[IT_MAX_FRAME / 4];
	uint8_t frame[IT_MAX_FRAME];
	bool rtcp;
	unsigned wrong = 0;

	(void)state;
	begin("strict");
	s->leg[0].strict = true;
	s->leg[1].strict = true;
	/* leg B with its own RTCP port: RTCP must come from the peer's RTCP port */
	s->leg[1].rtcp_mux = false;
	s->leg[1].lrtcp = (uint16_t)(s->leg[1].lport + 1);
	s->leg[1].prtcp = (uint16_t)(s->leg[1].pport + 1);
	install(s, 256);
	plain->rtcp_every = 4;
	in->rtcp_every = 5;
	it_send_rr((struct it_flow *[]){in, plain}, 2, 20);
	/* valid packets, from another host and from another port of the peer */
	for (int i = 0; i < 6; i++) {
		uint32_t c = in->next;
		int len = it_flow_wire(in, c, (uint8_t *)buf, &rtcp);

		in->next++;
		mark_lost(in, c);
		it_inject(PORT_A, 0, frame,
			  it_flow_frame(in, frame, buf, (uint16_t)len, rtcp,
					i % 2 ? it_host(PORT_A, AF_INET, 4) : NULL,
					(uint16_t)(i % 2 ? s->leg[0].pport : s->leg[0].pport + 10)));
		wrong++;
		c = plain->next;
		len = it_flow_wire(plain, c, (uint8_t *)buf, &rtcp);
		plain->next++;
		mark_lost(plain, c);
		it_inject(PORT_B, 0, frame,
			  it_flow_frame(plain, frame, buf, (uint16_t)len, rtcp,
					it_host(PORT_B, AF_INET, 5), 0));
		wrong++;
	}
	/* RTCP from the peer's address but its RTP port */
	while (!it_flow_plain(plain, plain->next, (uint8_t *)buf, &rtcp) || !rtcp) {
		it_flow_send(plain, 0);
	}
	{
		uint32_t c = plain->next++;
		int len = it_flow_wire(plain, c, (uint8_t *)buf, &rtcp);

		mark_lost(plain, c);
		it_inject(PORT_B, 0, frame,
			  it_flow_frame(plain, frame, buf, (uint16_t)len, rtcp, NULL,
					s->leg[1].pport));
		wrong++;
	}
	it_send_rr((struct it_flow *[]){in, plain}, 2, 20);
	it_settle();
	it_expect_all((struct it_flow *[]){in, plain}, 2);
	assert_true(plain->delivered_rtcp >= 8);
	assert_int_equal(session_drops(s, MS_LEG_DROP_WRONG_SOURCE), wrong);
	assert_int_equal(it_leg_drops(&s->leg[0], MS_LEG_DROP_WRONG_SOURCE), 6);
	it_assert_no_leak();
	drop_session(s);
}

/*
 * ARP: the dataplane answers requests for its address (and not for others);
 * a peer without a static neighbour entry is asked for, its media waits
 * (no_neighbour) until the answer comes, then flows to the answered MAC.
 */
static void
test_arp(void **state)
{
	struct it_port *pa = &it.ports[PORT_A], *pc = &it.ports[PORT_C];
	uint8_t frame[128];
	struct rte_ether_addr hmac;
	uint64_t replies0, req0;

	(void)state;
	begin("arp");
	it.arp_auto = false;
	replies0 = it.arp_replies;
	it_host_mac(it_host(PORT_A, AF_INET, 0), &hmac);
	it_inject(PORT_A, 0, frame,
		  it_frame_arp(frame, PORT_A, 1, &hmac, it_host(PORT_A, AF_INET, 0), NULL, &pa->addr4));
	/* for an address that is not ours: no answer */
	it_inject(PORT_A, 0, frame,
		  it_frame_arp(frame, PORT_A, 1, &hmac, it_host(PORT_A, AF_INET, 0), NULL,
			       it_host(PORT_A, AF_INET, 1)));
	/* on the VLAN port */
	it_host_mac(it_host(PORT_C, AF_INET, 2), &hmac);
	it_inject(PORT_C, 0, frame,
		  it_frame_arp(frame, PORT_C, 1, &hmac, it_host(PORT_C, AF_INET, 2), NULL, &pc->addr4));
	it_settle();
	assert_int_equal(it.arp_replies - replies0, 2);

	/* a session whose B peer (host IT_HOSTS + 3) has no static entry */
	struct it_session *s = session("arp", PORT_A, -1, PORT_C, MS_SUITE_AES_CM_128_HMAC_SHA1_80);
	s->leg[1].peer = *it_host(PORT_C, AF_INET, IT_HOSTS + 3);
	it_host_mac(&s->leg[1].peer, &s->leg[1].peer_mac);
	install(s, 256);
	req0 = it.arp_requests;
	struct it_flow *f = &s->flow[0];
	send_lost(f, 3);
	assert_int_equal(it.arp_requests - req0, 1); /* at most one a second */
	assert_int_equal(session_drops(s, MS_LEG_DROP_NO_NEIGHBOUR), 3);
	/* the answer */
	it_host_mac(&s->leg[1].peer, &hmac);
	it_inject(PORT_C, 0, frame,
		  it_frame_arp(frame, PORT_C, 2, &hmac, &s->leg[1].peer, &pc->mac, &pc->addr4));
	it_settle();
	it_send_rr(&f, 1, 30);
	it_settle();
	it_expect_all(&f, 1);
	it.arp_auto = true;
	it_assert_no_leak();
	drop_session(s);
}

/*
 * IPv6 neighbour discovery: solicitations for the port's address are
 * answered (also on the VLAN port), others are not; an IPv6 peer without a
 * static entry is solicited, its media waits until the advertisement comes.
 */
static void
test_nd(void **state)
{
	struct it_port *pa = &it.ports[PORT_A], *pc = &it.ports[PORT_C];
	uint8_t frame[256];
	struct rte_ether_addr hmac, snm_mac = {{0x33, 0x33, 0xff, 0, 0, 0}};
	struct ms_addr snm;
	uint64_t adv0, sol0;
	const struct ms_addr *h;

	(void)state;
	begin("nd");
	it.arp_auto = false;
	adv0 = it.nd_adverts;
	/* to the solicited-node address of fd00:1::1 */
	memset(&snm, 0, sizeof(snm));
	snm.family = AF_INET6;
	snm.a[0] = 0xff;
	snm.a[1] = 0x02;
	snm.a[11] = 0x01;
	snm.a[12] = 0xff;
	memcpy(snm.a + 13, pa->addr6.a + 13, 3);
	memcpy(snm_mac.addr_bytes + 3, pa->addr6.a + 13, 3);
	h = it_host(PORT_A, AF_INET6, 0);
	it_host_mac(h, &hmac);
	it_inject(PORT_A, 0, frame,
		  it_frame_nd(frame, PORT_A, 135, &hmac, &snm_mac, h, &snm, &pa->addr6, 0));
	/* unicast to the port, as a refresh */
	it_inject(PORT_A, 0, frame,
		  it_frame_nd(frame, PORT_A, 135, &hmac, &pa->mac, h, &pa->addr6, &pa->addr6, 0));
	/* for another host's address: no answer */
	it_inject(PORT_A, 0, frame,
		  it_frame_nd(frame, PORT_A, 135, &hmac, &pa->mac, h, &pa->addr6,
			      it_host(PORT_A, AF_INET6, 1), 0));
	/* on the VLAN port */
	h = it_host(PORT_C, AF_INET6, 2);
	it_host_mac(h, &hmac);
	it_inject(PORT_C, 0, frame,
		  it_frame_nd(frame, PORT_C, 135, &hmac, &pc->mac, h, &pc->addr6, &pc->addr6, 0));
	it_settle();
	assert_int_equal(it.nd_adverts - adv0, 3);

	/* an IPv6 session whose B peer (host IT_HOSTS + 4) has no static entry */
	struct it_session *s = session("nd", PORT_A, MS_SUITE_AEAD_AES_128_GCM, PORT_C, -1);
	leg_v6(&s->leg[0], 2);
	leg_v6(&s->leg[1], IT_HOSTS + 4);
	install(s, 256);
	sol0 = it.nd_solicits;
	struct it_flow *f = &s->flow[0];
	send_lost(f, 3);
	assert_int_equal(it.nd_solicits - sol0, 1);
	assert_int_equal(session_drops(s, MS_LEG_DROP_NO_NEIGHBOUR), 3);
	/* the advertisement (solicited, override) */
	it_host_mac(&s->leg[1].peer, &hmac);
	it_inject(PORT_C, 0, frame,
		  it_frame_nd(frame, PORT_C, 136, &hmac, &pc->mac, &s->leg[1].peer, &pc->addr6,
			      &s->leg[1].peer, 0x60));
	it_settle();
	it_send_rr((struct it_flow *[]){f, &s->flow[1]}, 2, 30);
	it_settle();
	it_expect_all((struct it_flow *[]){f, &s->flow[1]}, 2);
	it.arp_auto = true;
	it_assert_no_leak();
	drop_session(s);
}

/* ------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	it_layout_one_worker();
	it_layout_start("ipsec-mb", NULL);
	it.arp_auto = true;
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_learn_rtcp),
		cmocka_unit_test(test_learn_rtcp_strict),
		cmocka_unit_test(test_set_peer),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_nd),
	};

	it_init("drops", argc, argv);
	return cmocka_run_group_tests_name("integration_drops", tests, group_setup,
					   it_group_teardown);
}
