/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture of a leg's decrypted media to pcap, through the whole dataplane on
 * ring ports, one worker. A capture on an SRTP leg paired with a plain one,
 * and on an SRTP leg (IPv6) paired with another suite, holds exactly the
 * plaintext of every packet received on the leg (from its peer to its local
 * end) and of every packet sent through it (from its local end to its
 * peer), in order, as IPv4/IPv6 + UDP records with correct checksums and
 * wall-clock timestamps; the file is read back with libpcap. Capturing
 * changes nothing for the packets: every one is delivered and decrypts with
 * libsrtp2. A tiny ring that nobody drains drops copies (counted), never
 * packets; after a stop nothing more is written; limits end a capture; a
 * removed leg ends it and stopping it then leaves the leg that reuses the
 * id alone; bad file names, existing files and links are refused.
 *
 * With the argument "two", the same on two workers, every flow spread over
 * both rx queues: a leg's received packets and the packets sent through it
 * are then copied by two workers (the owners of the leg and of its pair)
 * into one capture. A leg's packets then reach its owner in another order
 * than they were sent (those from the other worker's queue come through
 * its handoff ring): records follow the order the owner processed them in,
 * so only their timestamps are checked for order, per direction.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "it.h"
#include "it_bytes.h"
/* control's capture.h (the dataplane has a header of the same name) */
#include "capture_file.h"

enum { PORT_A, PORT_B };

static char dir_path[64];
static int dir_fd = -1;
static bool two_workers;

/* ------------------------------------------------------------------------- */
/* Sessions */

static struct it_session *
session(const char *name, uint8_t fam_a, int suite_a, bool mux_a, uint8_t fam_b, int suite_b,
	bool mux_b, uint32_t cap)
{
	struct it_session *s = calloc(1, sizeof(*s));
	int suites[2] = {suite_a, suite_b};
	uint8_t fams[2] = {fam_a, fam_b};
	bool mux[2] = {mux_a, mux_b};

	assert_non_null(s);
	for (int i = 0; i < 2; i++)
		it_leg_init(&s->leg[i], i == 0 ? PORT_A : PORT_B, fams[i],
			    suites[i] < 0 ? MS_LEG_RTP : MS_LEG_ENCRYPTED,
			    suites[i] < 0 ? MS_SUITE_AES_CM_128_HMAC_SHA1_80
					  : (enum ms_srtp_suite)suites[i],
			    it_rand() % IT_HOSTS, it_next_local_port(), it_next_peer_port(),
			    mux[i]);
	it_session_prepare(s, name, cap);
	if (two_workers)
		s->flow[0].queue_mask = s->flow[1].queue_mask = 3;
	it_session_install(s);
	return s;
}

static void
session_drop(struct it_session *s)
{
	if (s->installed)
		it_session_remove(s);
	it_session_free(s);
	free(s);
}

static struct it_flow *const *
flows_of(struct it_session *s)
{
	static struct it_flow *f[2];

	f[0] = &s->flow[0];
	f[1] = &s->flow[1];
	return f;
}

/* ------------------------------------------------------------------------- */
/* Captures */

static const char *
path_of(const char *name)
{
	static char p[160];

	snprintf(p, sizeof(p), "%s/%s", dir_path, name);
	return p;
}

static struct ms_ctl_capture *
start(const struct it_leg *l, const char *name, const struct ms_ctl_capture_limits *lim)
{
	struct ms_ctl_capture *c = NULL;
	char err[256] = "";
	int ret = ms_ctl_capture_start(it.legs, l->id, dir_fd, name, lim, &c, err, sizeof(err));

	if (ret != 0)
		printf("# ms_ctl_capture_start %s: %d %s\n", name, ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(c);
	return c;
}

/* A refusal: the error, a message, no capture, and no file made. */
static void
refused(const struct it_leg *l, const char *name, int want)
{
	struct ms_ctl_capture *c = (void *)1;
	char err[256] = "";
	int ret = ms_ctl_capture_start(it.legs, l->id, dir_fd, name, NULL, &c, err, sizeof(err));

	printf("# refused \"%s\": %d %s\n", name, ret, err);
	assert_int_equal(ret, want);
	assert_null(c);
	assert_true(strlen(err) > 10);
}

static void
stop(struct ms_ctl_capture *c, struct ms_ctl_capture_info *info)
{
	ms_ctl_capture_stop(c, info);
	printf("# capture of leg %u: %s after %.3f s, %llu records (%llu bytes), copies rx %llu "
	       "tx %llu, dropped rx %llu tx %llu, discarded %llu\n",
	       info->leg_id, ms_ctl_capture_end_str(info->end), info->seconds,
	       (unsigned long long)info->packets, (unsigned long long)info->bytes,
	       (unsigned long long)info->captured_rx, (unsigned long long)info->captured_tx,
	       (unsigned long long)info->dropped_rx, (unsigned long long)info->dropped_tx,
	       (unsigned long long)info->discarded);
}

static void
poll_ok(struct ms_ctl_capture *c)
{
	assert_int_equal(ms_ctl_capture_poll(c), 0);
}

/* ------------------------------------------------------------------------- */
/* Reading a capture back */

struct rec {
	struct timeval ts;
	struct ms_addr src, dst;
	uint16_t sport, dport;
	uint16_t len;
	uint8_t payload[IT_MAX_FRAME];
};

static struct rec *recs;
static unsigned nb_recs, cap_recs;

/* One LINKTYPE_RAW record: IPv4 or IPv6 + UDP, every length and checksum right. */
static const char *
parse_raw(const uint8_t *d, uint32_t caplen, uint32_t len, struct rec *r)
{
	const uint8_t *udp;
	uint16_t ulen;

	if (caplen != len)
		return "record cut short";
	if (caplen < 28)
		return "shorter than IPv4 + UDP";
	if ((d[0] >> 4) == 4) {
		if (d[0] != 0x45)
			return "IPv4 version/IHL is not 0x45";
		if (get16(d + 2) != caplen)
			return "IPv4 total length is not the record's";
		if (fold(sum16(d, 20, 0)) != 0xffff)
			return "bad IPv4 header checksum";
		if ((get16(d + 6) & 0x3fff) != 0)
			return "IPv4 fragment";
		if (d[9] != 17)
			return "IPv4: not UDP";
		ms_addr_set_v4(&r->src, d + 12);
		ms_addr_set_v4(&r->dst, d + 16);
		udp = d + 20;
		ulen = (uint16_t)(caplen - 20);
	} else if ((d[0] >> 4) == 6) {
		if (caplen < 48)
			return "shorter than IPv6 + UDP";
		if (get16(d + 4) + 40u != caplen)
			return "IPv6 payload length is not the record's";
		if (d[6] != 17)
			return "IPv6: not UDP";
		ms_addr_set_v6(&r->src, d + 8);
		ms_addr_set_v6(&r->dst, d + 24);
		udp = d + 40;
		ulen = (uint16_t)(caplen - 40);
	} else {
		return "not IPv4 or IPv6";
	}
	if (get16(udp + 4) != ulen)
		return "UDP length disagrees with the IP length";
	if (get16(udp + 6) == 0)
		return "UDP checksum missing";
	size_t alen = r->src.family == AF_INET ? 4 : 16;
	if (fold(sum16(r->src.a, alen, sum16(r->dst.a, alen, sum16(udp, ulen, 17u + ulen)))) !=
	    0xffff)
		return "bad UDP checksum";
	r->sport = get16(udp);
	r->dport = get16(udp + 2);
	r->len = (uint16_t)(ulen - 8);
	if (r->len > sizeof(r->payload))
		return "payload too long";
	memcpy(r->payload, udp + 8, r->len);
	return NULL;
}

static void
read_capture(const char *name)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	uint8_t raw[24];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int fd, ret;

	/* the header by hand: LINKTYPE_RAW (101), classic microsecond format */
	fd = open(path_of(name), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, raw, sizeof(raw)), sizeof(raw));
	close(fd);
	uint32_t magic, linktype;
	memcpy(&magic, raw, 4);
	memcpy(&linktype, raw + 20, 4);
	assert_int_equal(magic, 0xa1b2c3d4);
	assert_int_equal(linktype, 101);

	p = pcap_open_offline(path_of(name), errbuf);
	if (p == NULL)
		fail_msg("libpcap cannot read %s: %s", name, errbuf);
	assert_int_equal(pcap_datalink(p), DLT_RAW);
	nb_recs = 0;
	while ((ret = pcap_next_ex(p, &h, &d)) == 1) {
		const char *why;

		if (nb_recs == cap_recs) {
			cap_recs = cap_recs ? 2 * cap_recs : 256;
			recs = realloc(recs, cap_recs * sizeof(*recs));
			assert_non_null(recs);
		}
		why = parse_raw(d, h->caplen, h->len, &recs[nb_recs]);
		if (why != NULL)
			it_fail("%s: record %u: %s", name, nb_recs, why);
		recs[nb_recs].ts = h->ts;
		nb_recs++;
	}
	assert_int_equal(ret, PCAP_ERROR_BREAK); /* the end, not a truncated record */
	pcap_close(p);
}

static bool
is_rtcp(const uint8_t *b, uint16_t len)
{
	return len >= 2 && b[1] >= 192 && b[1] <= 223;
}

/* The counter of a packet of flow f, when the bytes are exactly its plaintext. */
static bool
plain_of(const struct it_flow *f, const struct rec *r, uint32_t *c)
{
	uint8_t exp[IT_MAX_FRAME];
	bool rtcp = is_rtcp(r->payload, r->len), prtcp;
	uint16_t off = rtcp ? 8 : 12;

	if (r->len < off + 8 || get32(r->payload + off) != f->id)
		return false;
	*c = get32(r->payload + off + 4);
	return *c < f->next && it_flow_plain(f, *c, exp, &prtcp) == r->len && prtcp == rtcp &&
	       memcmp(exp, r->payload, r->len) == 0;
}

static int
tv_cmp(const struct timeval *a, const struct timeval *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_usec < b->tv_usec ? -1 : a->tv_usec > b->tv_usec;
}

/*
 * The capture of leg l that read_capture loaded: packets from the peer to
 * the leg (flow rxf's plaintexts) and from the leg to the peer (txf's), each
 * at most once, in order; with `all`, every packet of both flows. Timestamps
 * never go back (in each direction: two workers' records interleave) and
 * lie in [lo, hi]. Returns the records of each direction.
 */
static void
check_capture(const struct it_leg *l, const struct it_flow *rxf, const struct it_flow *txf,
	      bool all, const struct timeval *lo, const struct timeval *hi, unsigned *nrx,
	      unsigned *ntx)
{
	uint8_t *seen_rx = calloc(rxf->next + 1, 1), *seen_tx = calloc(txf->next + 1, 1);
	int64_t last_rx = -1, last_tx = -1;
	struct timeval ts_rx = {0}, ts_tx = {0};

	assert_true(seen_rx != NULL && seen_tx != NULL);
	*nrx = *ntx = 0;
	for (unsigned i = 0; i < nb_recs; i++) {
		const struct rec *r = &recs[i];
		bool rtcp = is_rtcp(r->payload, r->len);
		uint16_t lport = rtcp ? l->lrtcp : l->lport, pport = rtcp ? l->prtcp : l->pport;
		uint32_t c;

		if (!two_workers && i > 0 && tv_cmp(&r->ts, &recs[i - 1].ts) < 0)
			it_fail("record %u: timestamp goes back", i);
		if (tv_cmp(&r->ts, lo) < 0 || tv_cmp(&r->ts, hi) > 0)
			it_fail("record %u: timestamp %ld.%06ld outside the test's %ld.%06ld .. "
				"%ld.%06ld",
				i, (long)r->ts.tv_sec, (long)r->ts.tv_usec, (long)lo->tv_sec,
				(long)lo->tv_usec, (long)hi->tv_sec, (long)hi->tv_usec);
		if (ms_addr_equal(&r->src, &l->peer) && r->sport == pport &&
		    ms_addr_equal(&r->dst, &l->local) && r->dport == lport) {
			if (!plain_of(rxf, r, &c)) {
				it_fail("record %u (rx): not the plaintext of a packet sent", i);
				continue;
			}
			if (seen_rx[c]++ || (!two_workers && (int64_t)c <= last_rx))
				it_fail("record %u (rx): packet %u twice or out of order", i, c);
			if (tv_cmp(&r->ts, &ts_rx) < 0)
				it_fail("record %u (rx): timestamp goes back", i);
			last_rx = c;
			ts_rx = r->ts;
			(*nrx)++;
		} else if (ms_addr_equal(&r->src, &l->local) && r->sport == lport &&
			   ms_addr_equal(&r->dst, &l->peer) && r->dport == pport) {
			if (!plain_of(txf, r, &c)) {
				it_fail("record %u (tx): not the plaintext of a packet sent", i);
				continue;
			}
			if (seen_tx[c]++ || (!two_workers && (int64_t)c <= last_tx))
				it_fail("record %u (tx): packet %u twice or out of order", i, c);
			if (tv_cmp(&r->ts, &ts_tx) < 0)
				it_fail("record %u (tx): timestamp goes back", i);
			last_tx = c;
			ts_tx = r->ts;
			(*ntx)++;
		} else {
			char a[MS_ADDR_STRLEN], b[MS_ADDR_STRLEN];

			it_fail("record %u: %s:%u -> %s:%u is neither way between leg and peer", i,
				ms_addr_str(&r->src, a, sizeof(a)), r->sport,
				ms_addr_str(&r->dst, b, sizeof(b)), r->dport);
		}
	}
	if (all && (*nrx != rxf->next || *ntx != txf->next))
		it_fail("capture: %u rx records of %u packets, %u tx of %u", *nrx, rxf->next, *ntx,
			txf->next);
	free(seen_rx);
	free(seen_tx);
}

static off_t
file_size(const char *name)
{
	struct stat st;

	assert_int_equal(stat(path_of(name), &st), 0);
	return st.st_size;
}

/* The window a record's timestamp may lie in: from before the start to a little after the stop. */
static void
window_end(struct timeval *hi)
{
	gettimeofday(hi, NULL);
	hi->tv_usec += 100000; /* the TSC clock and the wall clock may disagree a little */
	if (hi->tv_usec >= 1000000) {
		hi->tv_sec++;
		hi->tv_usec -= 1000000;
	}
}

/* Forwarding as if no capture were there: all delivered, no drop, no leak. */
static void
forwarded_all(struct it_session *s)
{
	struct ms_worker_stats st;

	it_expect_all(flows_of(s), 2);
	it_total(&st);
	for (unsigned r = 1; r < MS_SRTP_RESULT_COUNT; r++)
		if (st.xform.in_drops[r] || st.xform.out_drops[r])
			it_fail("transform drops %s", ms_srtp_result_str((enum ms_srtp_result)r));
	for (unsigned d = 0; d < MS_LEG_DROP_COUNT; d++)
		if (st.leg_drops[d])
			it_fail("leg drops %s", ms_leg_drop_str((enum ms_leg_drop)d));
	it_assert_clean();
}

/* ------------------------------------------------------------------------- */

/* A capture of the whole exchange on one leg of a session. */
static void
capture_session(struct it_session *s, int li, const char *name, unsigned n)
{
	const struct it_leg *l = &s->leg[li];
	struct ms_ctl_capture_info info;
	struct ms_worker_stats w0, w1;
	struct ms_ctl_capture *c;
	struct timeval lo, hi;
	unsigned nrx, ntx;
	struct stat st;

	it_total(&w0);
	gettimeofday(&lo, NULL);
	c = start(l, name, NULL);
	/* the pcap header is there from the start */
	assert_int_equal(file_size(name), 24);
	assert_int_equal(stat(path_of(name), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	poll_ok(c);
	if (two_workers) {
		/* each leg's first packet alone, on a queue of its own: a worker owns each leg */
		for (unsigned q = 0; q < 2; q++) {
			it_flow_send(&s->flow[q], q);
			it_settle();
		}
		n--;
	}
	it_send_rr(flows_of(s), 2, n / 2);
	poll_ok(c); /* while packets flow */
	it_settle(); /* it_send_rr's pacing counts from a quiet start */
	it_send_rr(flows_of(s), 2, n - n / 2);
	it_settle();
	poll_ok(c);
	n = s->flow[0].next;
	assert_int_equal(s->flow[1].next, n);
	ms_ctl_capture_info(c, &info);
	assert_int_equal(info.end, MS_CTL_CAPTURE_RUNNING);
	assert_int_equal(info.packets, 2 * n);
	stop(c, &info);
	window_end(&hi);
	assert_int_equal(info.end, MS_CTL_CAPTURE_STOPPED);
	assert_int_equal(info.packets, 2 * n);
	assert_int_equal(info.captured_rx, n);
	assert_int_equal(info.captured_tx, n);
	assert_int_equal(info.dropped_rx + info.dropped_tx + info.discarded, 0);
	assert_int_equal(info.bytes, file_size(name));
	/* no capture left on the leg */
	const struct ms_leg *leg = ms_legtab_get(it.legs, l->id);
	assert_non_null(leg);
	assert_int_equal(leg->flags & MS_LEG_F_CAPTURE, 0);
	assert_null(leg->capture);

	read_capture(name);
	assert_int_equal(nb_recs, 2 * n);
	check_capture(l, &s->flow[li], &s->flow[1 - li], true, &lo, &hi, &nrx, &ntx);
	assert_int_equal(nrx, n);
	assert_int_equal(ntx, n);
	forwarded_all(s);
	it_total(&w1);
	printf("# owners: leg %u worker %u, its pair worker %u; %llu packets handed off\n", l->id,
	       ms_legtab_get(it.legs, l->id)->owner - 1,
	       ms_legtab_get(it.legs, s->leg[1 - li].id)->owner - 1,
	       (unsigned long long)(w1.handed_off - w0.handed_off));
	if (two_workers) {
		/* the two directions were copied by two workers */
		assert_true(w1.handed_off > w0.handed_off);
		assert_int_equal(ms_legtab_get(it.legs, s->leg[0].id)->owner, 1);
		assert_int_equal(ms_legtab_get(it.legs, s->leg[1].id)->owner, 2);
	}
}

/* SRTP leg A (AES_CM_128_HMAC_SHA1_80, RTCP on its own port), plain RTP leg B. */
static void
test_srtp_rtp(void **state)
{
	struct it_session *s;

	(void)state;
	it_pcap_case("srtp_rtp");
	s = session("cap-srtp-rtp", AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80, false, AF_INET, -1,
		    true, 256);
	s->flow[0].rtcp_every = 5;
	s->flow[1].rtcp_every = 7;
	capture_session(s, 0, "srtp_rtp.pcap", 100);
	session_drop(s);
	it_assert_no_leak();
}

/* SRTP <-> SRTP with other suites; the captured leg on IPv6 with rtcp-mux. */
static void
test_srtp_srtp(void **state)
{
	struct it_session *s;

	(void)state;
	it_pcap_case("srtp_srtp");
	s = session("cap-srtp-srtp", AF_INET, MS_SUITE_AEAD_AES_128_GCM, false, AF_INET6,
		    MS_SUITE_AES_256_CM_HMAC_SHA1_32, true, 256);
	s->flow[0].rtcp_every = 6;
	s->flow[1].rtcp_every = 4;
	s->flow[0].rtp_len = 1200;
	capture_session(s, 1, "srtp_srtp.pcap", 80);
	session_drop(s);
	it_assert_no_leak();
}

/* A ring of 8 records nobody drains: copies are dropped and counted, packets never. */
static void
test_ring_full(void **state)
{
	struct ms_ctl_capture_limits lim = {.nb_records = 8};
	struct ms_ctl_capture_info info;
	struct ms_ctl_capture *c;
	struct it_session *s;
	struct timeval lo, hi;
	unsigned nrx, ntx;

	(void)state;
	it_pcap_case("ring_full");
	s = session("cap-ring-full", AF_INET, MS_SUITE_AES_256_CM_HMAC_SHA1_80, true, AF_INET, -1,
		    false, 512);
	s->flow[0].rtcp_every = 9;
	gettimeofday(&lo, NULL);
	c = start(&s->leg[0], "ring_full.pcap", &lim);
	it_send_rr(flows_of(s), 2, 200);
	it_settle();
	ms_ctl_capture_info(c, &info);
	assert_int_equal(info.captured_rx + info.captured_tx, 8);
	assert_int_equal(info.captured_rx + info.dropped_rx, 200);
	assert_int_equal(info.captured_tx + info.dropped_tx, 200);
	assert_int_equal(info.packets, 0);
	forwarded_all(s);
	/* drained, the ring takes copies again */
	poll_ok(c);
	it_send_rr(flows_of(s), 2, 2);
	it_settle();
	stop(c, &info);
	window_end(&hi);
	assert_int_equal(info.packets, 12);
	assert_int_equal(info.dropped_rx + info.dropped_tx, 400 - 8);
	read_capture("ring_full.pcap");
	assert_int_equal(nb_recs, 12);
	check_capture(&s->leg[0], &s->flow[0], &s->flow[1], false, &lo, &hi, &nrx, &ntx);
	assert_int_equal(nrx + ntx, 12);
	forwarded_all(s);
	session_drop(s);
	it_assert_no_leak();
}

/* After a stop nothing more is written and the leg forwards as before. */
static void
test_after_stop(void **state)
{
	struct ms_ctl_capture_info info;
	struct ms_ctl_capture *c;
	struct it_session *s;
	uint8_t before[65536], after[65536];
	ssize_t nb, na;
	int fd;

	(void)state;
	it_pcap_case("after_stop");
	s = session("cap-after-stop", AF_INET6, MS_SUITE_AEAD_AES_256_GCM, true, AF_INET, -1, false,
		    256);
	s->flow[1].rtcp_every = 3;
	c = start(&s->leg[0], "after_stop.pcap", NULL);
	it_send_rr(flows_of(s), 2, 20);
	it_settle();
	stop(c, &info);
	assert_int_equal(info.packets, 40);
	fd = open(path_of("after_stop.pcap"), O_RDONLY);
	assert_true(fd >= 0);
	nb = read(fd, before, sizeof(before));
	close(fd);
	assert_int_equal(nb, (ssize_t)info.bytes);

	it_send_rr(flows_of(s), 2, 50);
	it_settle();
	forwarded_all(s);
	fd = open(path_of("after_stop.pcap"), O_RDONLY);
	assert_true(fd >= 0);
	na = read(fd, after, sizeof(after));
	close(fd);
	assert_int_equal(na, nb);
	assert_memory_equal(before, after, (size_t)nb);

	/* a capture can start again on the leg, into another file */
	c = start(&s->leg[0], "after_stop2.pcap", NULL);
	it_send_rr(flows_of(s), 2, 5);
	it_settle();
	stop(c, &info);
	assert_int_equal(info.packets, 10);
	forwarded_all(s);

	/* no leg there */
	assert_int_equal(ms_leg_set_capture(it.legs, ms_legtab_capacity(it.legs) - 1, NULL),
			 -ENOENT);
	assert_int_equal(ms_leg_set_capture(it.legs, ms_legtab_capacity(it.legs), NULL), -ENOENT);
	assert_int_equal(ms_leg_set_capture(it.legs, UINT32_MAX, NULL), -ENOENT);
	session_drop(s);
	it_assert_no_leak();
}

/* Limits end a capture: the caller hears it from poll. */
static void
test_limits(void **state)
{
	struct ms_ctl_capture_limits lim = {.max_packets = 10};
	struct ms_ctl_capture_info info;
	struct ms_ctl_capture *c;
	struct it_session *s;

	(void)state;
	it_pcap_case("limits");
	s = session("cap-limits", AF_INET, MS_SUITE_NULL_HMAC_SHA1_80, true, AF_INET,
		    MS_SUITE_AES_CM_128_HMAC_SHA1_32, true, 256);
	c = start(&s->leg[1], "limit_packets.pcap", &lim);
	it_send_rr(flows_of(s), 2, 30);
	it_settle();
	assert_int_equal(ms_ctl_capture_poll(c), 1);
	stop(c, &info);
	assert_int_equal(info.end, MS_CTL_CAPTURE_MAX_PACKETS);
	assert_int_equal(info.packets, 10);
	assert_int_equal(info.discarded, 50);
	read_capture("limit_packets.pcap");
	assert_int_equal(nb_recs, 10);

	lim = (struct ms_ctl_capture_limits){.max_bytes = 1000};
	c = start(&s->leg[1], "limit_bytes.pcap", &lim);
	it_send_rr(flows_of(s), 2, 30);
	it_settle();
	assert_int_equal(ms_ctl_capture_poll(c), 1);
	stop(c, &info);
	assert_int_equal(info.end, MS_CTL_CAPTURE_MAX_BYTES);
	assert_true(info.packets > 0 && info.packets < 60);
	assert_true(info.bytes <= 1000);
	assert_int_equal(file_size("limit_bytes.pcap"), info.bytes);
	read_capture("limit_bytes.pcap");
	assert_int_equal(nb_recs, info.packets);

	lim = (struct ms_ctl_capture_limits){.max_seconds = 1};
	c = start(&s->leg[1], "limit_seconds.pcap", &lim);
	poll_ok(c);
	it_sleep_ms(1100);
	assert_int_equal(ms_ctl_capture_poll(c), 1);
	stop(c, &info);
	assert_int_equal(info.end, MS_CTL_CAPTURE_MAX_SECONDS);
	assert_true(info.seconds >= 1.0);
	forwarded_all(s);
	session_drop(s);
	it_assert_no_leak();
}

/*
 * The captured leg goes with its session: poll says so, and the stop leaves
 * the new leg that took the id (with a capture of its own) alone.
 */
static void
test_leg_gone(void **state)
{
	struct ms_ctl_capture_info info;
	struct ms_ctl_capture *c, *c2;
	struct it_session *s, *s2;
	uint32_t id;

	(void)state;
	it_pcap_case("leg_gone");
	s = session("cap-gone", AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80, true, AF_INET, -1, true,
		    128);
	id = s->leg[0].id;
	c = start(&s->leg[0], "gone.pcap", NULL);
	it_send_rr(flows_of(s), 2, 10);
	it_settle();
	poll_ok(c);
	forwarded_all(s);
	it_session_remove(s);
	assert_int_equal(ms_ctl_capture_poll(c), 1);
	ms_ctl_capture_info(c, &info);
	assert_int_equal(info.end, MS_CTL_CAPTURE_LEG_GONE);

	/* freed ids are handed out again, last freed first */
	s2 = session("cap-gone-2", AF_INET, -1, true, AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80,
		     true, 128);
	assert_true(s2->leg[0].id == id || s2->leg[1].id == id);
	const struct it_leg *l2 = s2->leg[0].id == id ? &s2->leg[0] : &s2->leg[1];
	c2 = start(l2, "gone2.pcap", NULL);
	stop(c, &info);
	assert_int_equal(info.end, MS_CTL_CAPTURE_LEG_GONE);
	assert_int_equal(info.packets, 20);
	/* the new leg's capture is still attached and works */
	assert_true(ms_legtab_get(it.legs, id)->flags & MS_LEG_F_CAPTURE);
	it_send_rr(flows_of(s2), 2, 10);
	it_settle();
	stop(c2, &info);
	assert_int_equal(info.end, MS_CTL_CAPTURE_STOPPED);
	assert_int_equal(info.packets, 20);
	forwarded_all(s2);
	session_drop(s);
	session_drop(s2);
	it_assert_no_leak();
}

/* Payloads longer than the snap length are cut, and the record says how long they were. */
static void
test_snaplen(void **state)
{
	struct ms_ctl_capture_info info;
	struct ms_ctl_capture *c;
	struct it_session *s;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned n = 0;
	pcap_t *p;

	(void)state;
	it_pcap_case("snaplen");
	s = session("cap-snaplen", AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80, true, AF_INET, -1,
		    true, 64);
	s->flow[0].rtp_len = 1700;
	c = start(&s->leg[0], "snaplen.pcap", NULL);
	it_send_rr(flows_of(s), 1, 4);
	it_settle();
	stop(c, &info);
	assert_int_equal(info.packets, 4); /* received on the leg; nothing went the other way */
	forwarded_all(s);

	p = pcap_open_offline(path_of("snaplen.pcap"), errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_snapshot(p), 40 + 8 + 1500);
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint8_t exp[IT_MAX_FRAME];
		bool rtcp;
		uint16_t len;

		/* the flow and counter the plaintext carries (two workers may reorder) */
		assert_true(h->caplen >= 28 + 20);
		assert_int_equal(get32(d + 28 + 12), s->flow[0].id);
		len = it_flow_plain(&s->flow[0], get32(d + 28 + 16), exp, &rtcp);

		/* IPv4 + UDP in front of the first 1500 bytes; the lengths of the whole */
		assert_int_equal(len, 1712);
		assert_int_equal(h->caplen, 28 + 1500);
		assert_int_equal(h->len, 28 + len);
		assert_int_equal(get16(d + 2), 28 + len);
		assert_int_equal(fold(sum16(d, 20, 0)), 0xffff);
		assert_int_equal(get16(d + 24), 8 + len);
		assert_int_equal(get16(d + 26), 0); /* no UDP checksum over bytes not kept */
		assert_memory_equal(d + 28, exp, 1500);
		n++;
	}
	pcap_close(p);
	assert_int_equal(n, 4);
	session_drop(s);
	it_assert_no_leak();
}

/* File names that are not plain .pcap names, files that exist, links; no leg; a second capture. */
static void
test_refusals(void **state)
{
	struct ms_ctl_capture_info info;
	struct ms_ctl_capture *c;
	struct it_session *s;
	struct it_leg nowhere;
	char name65[80];
	struct stat st;
	int fd;

	(void)state;
	it_pcap_case("refusals");
	s = session("cap-refusals", AF_INET, MS_SUITE_AES_CM_128_HMAC_SHA1_80, true, AF_INET, -1,
		    true, 64);
	refused(&s->leg[0], "../x.pcap", -EINVAL);
	refused(&s->leg[0], "sub/x.pcap", -EINVAL);
	refused(&s->leg[0], "/tmp/x.pcap", -EINVAL);
	refused(&s->leg[0], ".hidden.pcap", -EINVAL);
	refused(&s->leg[0], "a.txt", -EINVAL);
	refused(&s->leg[0], "a.pcap.txt", -EINVAL);
	refused(&s->leg[0], ".pcap", -EINVAL);
	refused(&s->leg[0], "", -EINVAL);
	refused(&s->leg[0], "sp ace.pcap", -EINVAL);
	memset(name65, 'a', 60);
	memcpy(name65 + 60, ".pcap", 6); /* 65 characters */
	refused(&s->leg[0], name65, -EINVAL);
	name65[59] = '\0';
	strcat(name65, ".pcap"); /* 64: fine */
	c = start(&s->leg[0], name65, NULL);
	/* one capture per leg */
	refused(&s->leg[0], "second.pcap", -EBUSY);
	stop(c, &info);
	/* the file exists now */
	refused(&s->leg[0], name65, -EEXIST);
	/* a file of someone else's stays as it was */
	fd = openat(dir_fd, "exists.pcap", O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	refused(&s->leg[0], "exists.pcap", -EEXIST);
	assert_int_equal(file_size("exists.pcap"), 4);
	/* a link is never followed, even to a file that does not exist */
	assert_int_equal(symlinkat("target.pcap", dir_fd, "link.pcap"), 0);
	refused(&s->leg[0], "link.pcap", -EEXIST);
	assert_int_equal(fstatat(dir_fd, "target.pcap", &st, 0), -1);
	/* no such leg; nothing was created for any refusal */
	nowhere = s->leg[0];
	nowhere.id = ms_legtab_capacity(it.legs) - 1;
	refused(&nowhere, "nowhere.pcap", -ENOENT);
	nowhere.id = UINT32_MAX;
	refused(&nowhere, "nowhere.pcap", -ENOENT);
	assert_int_equal(fstatat(dir_fd, "nowhere.pcap", &st, 0), -1);
	assert_int_equal(fstatat(dir_fd, "second.pcap", &st, 0), -1);
	assert_int_equal(fstatat(dir_fd, "a.txt", &st, 0), -1);
	/* the leg kept forwarding through all this */
	it_send_rr(flows_of(s), 2, 10);
	it_settle();
	forwarded_all(s);
	session_drop(s);
	it_assert_no_leak();
}

/* ------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	snprintf(dir_path, sizeof(dir_path), "/tmp/ms_capture_XXXXXX");
	assert_non_null(mkdtemp(dir_path));
	dir_fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir_fd >= 0);
	printf("# captures in %s\n", dir_path);
	if (two_workers)
		it_layout_two_workers();
	else
		it_layout_one_worker();
	it_layout_start("ipsec-mb", NULL);
	/*
	 * Both workers share a CPU: without a bound on the packets in flight
	 * one of them may sit on its queue longer than the replay window.
	 */
	if (two_workers)
		it.pace = 64;
	return 0;
}

static int
group_teardown(void **state)
{
	DIR *d = fdopendir(dup(dir_fd));
	struct dirent *e;

	/* the captures hold media in plaintext: nothing is left behind */
	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(dir_fd, e->d_name, 0);
		closedir(d);
	}
	close(dir_fd);
	rmdir(dir_path);
	free(recs);
	return it_group_teardown(state);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_srtp_rtp),
		cmocka_unit_test(test_srtp_srtp),
		cmocka_unit_test(test_ring_full),
		cmocka_unit_test(test_after_stop),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_leg_gone),
		cmocka_unit_test(test_snaplen),
		cmocka_unit_test(test_refusals),
	};

	two_workers = argc > 1 && strcmp(argv[1], "two") == 0;
	it_init(two_workers ? "capture_two" : "capture", argc, argv);
	return cmocka_run_group_tests_name("integration_capture", tests, group_setup,
					   group_teardown);
}
