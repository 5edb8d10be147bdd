/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen_check: the judge of the pktgen_pcap test (pktgen_pcap.sh), which
 * feeds the files of `mediasec-bench pktgen` to the real mediasecd on
 * net_pcap ports.
 *
 *   pktgen_check [--expect-wraps] DIR OUTDIR [MEDIASECD_STDOUT]
 *
 * DIR holds what the generator wrote (sessions.conf, keys, a.pcap, b.pcap),
 * OUTDIR what mediasecd sent (out_a.pcap out of port a, out_b.pcap out of
 * port b). It knows nothing of the generator's code: sessions, addresses,
 * keys and initial ROCs come from sessions.conf (libconfig), and libsrtp2
 * does the SRTP.
 *
 * - Every key in the key file equals the session file's.
 * - Every input frame belongs to a session's leg (destination = the leg's
 *   local address and port, source = its peer), SRTP input verifies and
 *   decrypts under the leg's recv key from its recv_roc on, and each stream
 *   advances its sequence number by one per packet (with --expect-wraps,
 *   some stream of each direction must cross 65535).
 * - Every output frame goes from the paired leg's local address to its peer
 *   with the MACs of that side, correct IPv4 and UDP checksums, and (SRTP)
 *   verifies under the paired leg's send key from its send_roc on; its
 *   plaintext is the next one that entered the other leg: every packet
 *   arrives once, in order, and nothing else arrives.
 * - mediasecd's counters at exit show no drop of any kind, and rx and tx
 *   equal the frames in and out.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>
#include <pcap/pcap.h>
#include <srtp2/srtp.h>

#include "it_bytes.h"

#define MAX_PKT 2048

static unsigned nb_errors;

static void __attribute__((format(printf, 1, 2)))
mismatch(const char *fmt, ...)
{
	va_list ap;

	if (++nb_errors > 40)
		return;
	fputs("pktgen_check: MISMATCH: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("pktgen_check: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ------------------------------------------------------------- suites */

static const struct suite {
	const char *name;
	unsigned key_len, salt_len;
} suites[] = {
	{"AES_CM_128_HMAC_SHA1_80", 16, 14}, {"AES_CM_128_HMAC_SHA1_32", 16, 14},
	{"AES_256_CM_HMAC_SHA1_80", 32, 14}, {"AES_256_CM_HMAC_SHA1_32", 32, 14},
	{"NULL_HMAC_SHA1_80", 16, 14},       {"NULL_HMAC_SHA1_32", 16, 14},
	{"AEAD_AES_128_GCM", 16, 12},        {"AEAD_AES_256_GCM", 32, 12},
};

static int
suite_find(const char *name)
{
	for (int i = 0; i < (int)(sizeof(suites) / sizeof(suites[0])); i++)
		if (strcmp(suites[i].name, name) == 0)
			return i;
	return -1;
}

static void
suite_policy(int s, srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp)
{
	switch (s) {
	case 0: srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp); break;
	case 1: srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp); break;
	case 2: srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp); break;
	case 3: srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp); break;
	case 4: srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp); break;
	case 5:
		/* no setter in libsrtp2 2.5.0: the _80 policy with a 4-byte tag */
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp);
		rtp->auth_tag_len = 4;
		break;
	case 6: srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp); break;
	case 7: srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp); break;
	default: die("suite %d", s);
	}
	/* RTP only here; RTCP gets the RTP policy's sibling so srtp_create accepts it */
	*rtcp = *rtp;
	if (s == 1 || s == 3 || s == 5)
		rtcp->auth_tag_len = 10;
}

/* ------------------------------------------------------ the session file */

struct leg {
	int fam;
	uint8_t local[16], peer[16];
	uint16_t lport, pport;
	int suite; /* -1: RTP */
	char recv_key[128], send_key[128];
	uint8_t recv_mat[46], send_mat[46];
	uint32_t recv_roc, send_roc;
};

/* What enters one leg and leaves the other. */
struct direction {
	srtp_t in, out;        /* libsrtp2 receivers: entering leg's recv key, leaving leg's send key */
	uint8_t **plain;       /* plaintexts that entered, in order */
	unsigned *plain_len;
	uint64_t nb_in, nb_out, cap;
	bool started;
	uint16_t last_seq;
	uint32_t ssrc, ts_step, last_ts;
	unsigned wraps;
};

struct session {
	char name[48];
	struct leg leg[2];
	struct direction dir[2]; /* dir[e]: entering leg e */
};

static struct session *sessions;
static unsigned nb_sessions;

static void
decode_b64(const char *s, uint8_t *out, size_t want, const char *what)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	size_t n = 0;
	int bits = 0;

	for (; *s && *s != '=' && *s != '|'; s++) {
		const char *p = strchr(tab, *s);

		if (p == NULL)
			die("%s: not base64", what);
		acc = acc << 6 | (uint32_t)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == want)
				die("%s: longer than the suite's key and salt", what);
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (n != want)
		die("%s: %zu bytes, the suite needs %zu", what, n, want);
	if (*s == '|')
		die("%s: lifetimes and MKIs are beyond this checker", what);
}

static void
parse_endpoint(const char *s, int *fam, uint8_t *addr, uint16_t *port, const char *what)
{
	char buf[80];
	const char *colon;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(buf))
			die("%s: bad address %s", what, s);
		memcpy(buf, s + 1, (size_t)(end - s - 1));
		buf[end - s - 1] = '\0';
		colon = end + 1;
		*fam = 6;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(buf))
			die("%s: bad address %s", what, s);
		memcpy(buf, s, (size_t)(colon - s));
		buf[colon - s] = '\0';
		*fam = 4;
	}
	memset(addr, 0, 16);
	if (inet_pton(*fam == 6 ? AF_INET6 : AF_INET, buf, addr) != 1)
		die("%s: bad address %s", what, s);
	*port = (uint16_t)atoi(colon + 1);
}

static uint32_t
get_roc(config_setting_t *leg, const char *name)
{
	long long v = 0;

	config_setting_lookup_int64(leg, name, &v);
	if (v == 0) {
		int i = 0;

		config_setting_lookup_int(leg, name, &i);
		v = i;
	}
	return (uint32_t)v;
}

static void
sessions_load(const char *path)
{
	config_t cfg;
	config_setting_t *list;

	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE)
		die("%s:%d: %s", path, config_error_line(&cfg), config_error_text(&cfg));
	list = config_lookup(&cfg, "sessions");
	if (list == NULL || !config_setting_is_list(list))
		die("%s: no sessions list", path);
	nb_sessions = (unsigned)config_setting_length(list);
	sessions = calloc(nb_sessions, sizeof(*sessions));
	if (sessions == NULL)
		die("out of memory");
	for (unsigned i = 0; i < nb_sessions; i++) {
		config_setting_t *s = config_setting_get_elem(list, i);
		config_setting_t *legs = config_setting_lookup(s, "legs");
		const char *name = NULL;

		if (!config_setting_lookup_string(s, "name", &name) || legs == NULL ||
		    config_setting_length(legs) != 2)
			die("%s: session %u: a name and two legs", path, i);
		snprintf(sessions[i].name, sizeof(sessions[i].name), "%s", name);
		for (unsigned l = 0; l < 2; l++) {
			config_setting_t *lg = config_setting_get_elem(legs, l);
			struct leg *g = &sessions[i].leg[l];
			const char *port, *local, *peer, *mode, *suite, *rk, *sk;
			int fam2;

			if (!config_setting_lookup_string(lg, "port", &port) ||
			    strcmp(port, l ? "b" : "a") != 0)
				die("%s: %s: leg %u is not on port %c", path, name, l, l ? 'b' : 'a');
			if (!config_setting_lookup_string(lg, "local", &local) ||
			    !config_setting_lookup_string(lg, "peer", &peer) ||
			    !config_setting_lookup_string(lg, "mode", &mode))
				die("%s: %s: leg %u: local, peer and mode", path, name, l);
			parse_endpoint(local, &g->fam, g->local, &g->lport, name);
			parse_endpoint(peer, &fam2, g->peer, &g->pport, name);
			if (fam2 != g->fam)
				die("%s: %s: local and peer of two families", path, name);
			g->suite = -1;
			if (strcmp(mode, "rtp") == 0)
				continue;
			if (!config_setting_lookup_string(lg, "suite", &suite) ||
			    (g->suite = suite_find(suite)) < 0 ||
			    !config_setting_lookup_string(lg, "recv_key", &rk) ||
			    !config_setting_lookup_string(lg, "send_key", &sk) ||
			    strncmp(rk, "inline:", 7) != 0 || strncmp(sk, "inline:", 7) != 0)
				die("%s: %s: leg %u: suite and inline keys", path, name, l);
			snprintf(g->recv_key, sizeof(g->recv_key), "%s", rk);
			snprintf(g->send_key, sizeof(g->send_key), "%s", sk);
			size_t want = suites[g->suite].key_len + suites[g->suite].salt_len;
			decode_b64(rk + 7, g->recv_mat, want, name);
			decode_b64(sk + 7, g->send_mat, want, name);
			g->recv_roc = get_roc(lg, "recv_roc");
			g->send_roc = get_roc(lg, "send_roc");
		}
	}
	config_destroy(&cfg);
}

static void
keys_check(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned lines = 0, want = 0;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[64], leg[8], dir[8], key[256];
		const struct leg *g = NULL;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %7s %7s %255s", name, leg, dir, key) != 4)
			die("%s: a line of 4 fields expected", path);
		for (unsigned i = 0; i < nb_sessions && g == NULL; i++)
			if (strcmp(sessions[i].name, name) == 0)
				g = &sessions[i].leg[leg[0] == 'b'];
		if (g == NULL || g->suite < 0) {
			mismatch("keys: %s %s %s: no such SRTP leg in the session file", name, leg, dir);
			continue;
		}
		lines++;
		if (strcmp(key, strcmp(dir, "recv") == 0 ? g->recv_key : g->send_key) != 0)
			mismatch("keys: %s %s %s differs from the session file's", name, leg, dir);
	}
	fclose(f);
	for (unsigned i = 0; i < nb_sessions; i++)
		for (unsigned l = 0; l < 2; l++)
			want += sessions[i].leg[l].suite >= 0 ? 2 : 0;
	if (lines != want)
		mismatch("keys: %u key lines, the session file has %u keys", lines, want);
}

/* ------------------------------------------------------------- frames */

struct frame {
	const uint8_t *dst_mac, *src_mac;
	int fam;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	const uint8_t *udp_payload;
	unsigned udp_payload_len;
};

/* Parses and checks Ethernet/IP/UDP; false (with a mismatch) when it is not well-formed. */
static bool
frame_parse(const uint8_t *p, unsigned len, struct frame *f, const char *where)
{
	unsigned off = 14, l3, udp_len;
	uint16_t et;

	if (len < 14 + 20 + 8) {
		mismatch("%s: a runt of %u bytes", where, len);
		return false;
	}
	f->dst_mac = p;
	f->src_mac = p + 6;
	et = get16(p + 12);
	if (et == 0x0800) {
		const uint8_t *ip = p + off;
		unsigned ihl = (ip[0] & 15u) * 4;

		if (ip[0] >> 4 != 4 || ihl != 20 || ip[9] != 17 || fold(sum16(ip, 20, 0)) != 0xffff) {
			mismatch("%s: not IPv4/UDP with a correct header checksum", where);
			return false;
		}
		if (get16(ip + 2) + off > len) {
			mismatch("%s: IPv4 total length beyond the frame", where);
			return false;
		}
		f->fam = 4;
		f->src = ip + 12;
		f->dst = ip + 16;
		l3 = 20;
	} else if (et == 0x86dd) {
		const uint8_t *ip = p + off;

		if (ip[0] >> 4 != 6 || ip[6] != 17 || len < off + 40 + 8) {
			mismatch("%s: not IPv6/UDP", where);
			return false;
		}
		f->fam = 6;
		f->src = ip + 8;
		f->dst = ip + 24;
		l3 = 40;
	} else {
		mismatch("%s: EtherType %04x", where, et);
		return false;
	}
	const uint8_t *udp = p + off + l3;
	udp_len = get16(udp + 4);
	if (udp_len < 8 || off + l3 + udp_len > len) {
		mismatch("%s: UDP length %u beyond the frame", where, udp_len);
		return false;
	}
	uint16_t ck = get16(udp + 6);
	if (f->fam == 6 && ck == 0) {
		mismatch("%s: IPv6 UDP without a checksum", where);
		return false;
	}
	if (ck != 0) {
		int alen = f->fam == 4 ? 4 : 16;
		uint32_t s = sum16(f->src, (size_t)alen, 0);

		s = sum16(f->dst, (size_t)alen, s) + 17 + udp_len;
		if (fold(sum16(udp, udp_len, s)) != 0xffff) {
			mismatch("%s: bad UDP checksum", where);
			return false;
		}
	}
	f->sport = get16(udp);
	f->dport = get16(udp + 2);
	f->udp_payload = udp + 8;
	f->udp_payload_len = udp_len - 8;
	return true;
}

static struct session *
find_session(const struct frame *f, unsigned side, bool out, unsigned *idx)
{
	/* in: to the leg's local from its peer; out: the other way */
	const uint8_t *local = out ? f->src : f->dst, *peer = out ? f->dst : f->src;
	uint16_t lport = out ? f->sport : f->dport, pport = out ? f->dport : f->sport;
	size_t alen = f->fam == 4 ? 4 : 16;

	for (unsigned i = 0; i < nb_sessions; i++) {
		const struct leg *g = &sessions[i].leg[side];

		if (g->fam == f->fam && g->lport == lport && g->pport == pport &&
		    memcmp(g->local, local, alen) == 0 && memcmp(g->peer, peer, alen) == 0) {
			*idx = i;
			return &sessions[i];
		}
	}
	return NULL;
}

static srtp_t
receiver(int suite, const uint8_t *mat, uint32_t ssrc, uint32_t roc)
{
	srtp_policy_t pol;
	srtp_t s;

	memset(&pol, 0, sizeof(pol));
	suite_policy(suite, &pol.rtp, &pol.rtcp);
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = ssrc;
	pol.key = (unsigned char *)(uintptr_t)mat;
	pol.window_size = 1024;
	if (srtp_create(&s, &pol) != srtp_err_status_ok)
		die("srtp_create (%s)", suites[suite].name);
	if (roc != 0 && srtp_set_stream_roc(s, ssrc, roc) != srtp_err_status_ok)
		die("srtp_set_stream_roc");
	return s;
}

/* mac[side][0]: the appliance's port, [1]: the peer's; learned from the input */
static uint8_t macs[2][2][6];
static bool macs_known[2];
static uint64_t frames_in[2], frames_out[2];

static void
input_frame(unsigned side, const uint8_t *p, unsigned len, uint64_t n)
{
	char where[64];
	struct frame f;
	unsigned idx;
	struct session *s;
	uint8_t buf[MAX_PKT];
	int plen;

	snprintf(where, sizeof(where), "%c.pcap frame %" PRIu64, side ? 'b' : 'a', n);
	frames_in[side]++;
	if (!frame_parse(p, len, &f, where))
		return;
	if (!macs_known[side]) {
		memcpy(macs[side][0], f.dst_mac, 6);
		memcpy(macs[side][1], f.src_mac, 6);
		macs_known[side] = true;
	} else if (memcmp(macs[side][0], f.dst_mac, 6) != 0 || memcmp(macs[side][1], f.src_mac, 6) != 0) {
		mismatch("%s: MAC addresses differ from the file's first frame", where);
	}
	s = find_session(&f, side, false, &idx);
	if (s == NULL) {
		mismatch("%s: to no leg of the session file", where);
		return;
	}
	struct direction *d = &s->dir[side];
	const struct leg *g = &s->leg[side];
	if (f.udp_payload_len < 12 || f.udp_payload_len > sizeof(buf)) {
		mismatch("%s: %u bytes of UDP payload", where, f.udp_payload_len);
		return;
	}
	memcpy(buf, f.udp_payload, f.udp_payload_len);
	plen = (int)f.udp_payload_len;
	uint32_t ssrc = get32(buf + 8);
	if (g->suite >= 0) {
		if (d->in == NULL)
			d->in = receiver(g->suite, g->recv_mat, ssrc, g->recv_roc);
		srtp_err_status_t st = srtp_unprotect(d->in, buf, &plen);
		if (st != srtp_err_status_ok) {
			mismatch("%s (%s): the generator's SRTP does not verify under the recv key "
				 "and recv_roc of the session file (libsrtp2 error %d)",
				 where, s->name, st);
			return;
		}
	}
	uint16_t seq = get16(buf + 2);
	uint32_t ts = get32(buf + 4);
	if ((buf[0] >> 6) != 2) {
		mismatch("%s: RTP version %u", where, buf[0] >> 6);
		return;
	}
	if (d->started) {
		if (ssrc != d->ssrc || seq != (uint16_t)(d->last_seq + 1))
			mismatch("%s (%s): SSRC %08x seq %u after %08x seq %u", where, s->name, ssrc,
				 seq, d->ssrc, d->last_seq);
		if (d->nb_in == 1)
			d->ts_step = ts - d->last_ts;
		else if (ts - d->last_ts != d->ts_step)
			mismatch("%s (%s): timestamp step %u, before %u", where, s->name,
				 ts - d->last_ts, d->ts_step);
		if (seq == 0)
			d->wraps++;
	}
	d->started = true;
	d->ssrc = ssrc;
	d->last_seq = seq;
	d->last_ts = ts;
	if (d->nb_in == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 1024;
		d->plain = realloc(d->plain, d->cap * sizeof(*d->plain));
		d->plain_len = realloc(d->plain_len, d->cap * sizeof(*d->plain_len));
		if (d->plain == NULL || d->plain_len == NULL)
			die("out of memory");
	}
	d->plain[d->nb_in] = malloc((size_t)plen);
	if (d->plain[d->nb_in] == NULL)
		die("out of memory");
	memcpy(d->plain[d->nb_in], buf, (size_t)plen);
	d->plain_len[d->nb_in++] = (unsigned)plen;
}

static void
output_frame(unsigned side, const uint8_t *p, unsigned len, uint64_t n)
{
	char where[64];
	struct frame f;
	unsigned idx, entry = !side;
	struct session *s;
	uint8_t buf[MAX_PKT];
	int plen;

	snprintf(where, sizeof(where), "out_%c.pcap frame %" PRIu64, side ? 'b' : 'a', n);
	frames_out[side]++;
	if (!frame_parse(p, len, &f, where))
		return;
	if (macs_known[side] &&
	    (memcmp(f.src_mac, macs[side][0], 6) != 0 || memcmp(f.dst_mac, macs[side][1], 6) != 0))
		mismatch("%s: MACs are not the port's to the peer's", where);
	s = find_session(&f, side, true, &idx);
	if (s == NULL) {
		mismatch("%s: not from a leg to its peer", where);
		return;
	}
	struct direction *d = &s->dir[entry];
	const struct leg *g = &s->leg[side];
	if (f.udp_payload_len < 12 || f.udp_payload_len > sizeof(buf)) {
		mismatch("%s: %u bytes of UDP payload", where, f.udp_payload_len);
		return;
	}
	memcpy(buf, f.udp_payload, f.udp_payload_len);
	plen = (int)f.udp_payload_len;
	if (g->suite >= 0) {
		if (d->out == NULL)
			d->out = receiver(g->suite, g->send_mat, get32(buf + 8), g->send_roc);
		srtp_err_status_t st = srtp_unprotect(d->out, buf, &plen);
		if (st != srtp_err_status_ok) {
			mismatch("%s (%s): mediasecd's SRTP does not verify under the send key and "
				 "send_roc (libsrtp2 error %d)",
				 where, s->name, st);
			return;
		}
	}
	if (d->nb_out >= d->nb_in) {
		mismatch("%s (%s): more packets out than went in", where, s->name);
		return;
	}
	if ((unsigned)plen != d->plain_len[d->nb_out] ||
	    memcmp(buf, d->plain[d->nb_out], (size_t)plen) != 0)
		mismatch("%s (%s): not packet %" PRIu64 " of the stream that entered leg %c", where,
			 s->name, d->nb_out, entry ? 'B' : 'A');
	d->nb_out++;
}

typedef void (*frame_fn)(unsigned side, const uint8_t *p, unsigned len, uint64_t n);

static void
read_pcap(const char *path, unsigned side, frame_fn fn)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;

	if (pc == NULL)
		die("%s: %s", path, err);
	if (pcap_datalink(pc) != DLT_EN10MB)
		die("%s: not Ethernet", path);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		if (h->caplen != h->len)
			mismatch("%s frame %" PRIu64 ": cut short", path, n);
		fn(side, data, h->caplen, n++);
	}
	pcap_close(pc);
}

/* mediasecd's counters at exit: no drop anywhere, everything in went out. */
static void
counters_check(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	bool at_exit = false, worker = false;
	uint64_t rx = 0, tx = 0;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "counters at exit") != NULL) {
			at_exit = true;
			continue;
		}
		if (!at_exit)
			continue;
		if (strncmp(line, "worker lcore", 12) == 0) {
			uint64_t r, t;

			worker = true;
			if (sscanf(strchr(line, ':') + 1, " rx %" SCNu64 " tx %" SCNu64, &r, &t) != 2)
				die("%s: cannot read: %s", path, line);
			rx += r;
			tx += t;
		}
		/* drops print as name=value; nothing else on these lines has an '=' */
		if ((strncmp(line, "worker lcore", 12) == 0 || strncmp(line, "leg ", 4) == 0) &&
		    strchr(line, '=') != NULL) {
			line[strcspn(line, "\n")] = '\0';
			mismatch("mediasecd counted drops: %s", line);
		}
	}
	fclose(f);
	if (!worker)
		mismatch("%s: no worker counters at exit", path);
	if (rx != frames_in[0] + frames_in[1] || tx != frames_out[0] + frames_out[1])
		mismatch("mediasecd: rx %" PRIu64 " tx %" PRIu64 ", the files: %" PRIu64
			 " in, %" PRIu64 " out",
			 rx, tx, frames_in[0] + frames_in[1], frames_out[0] + frames_out[1]);
}

int
main(int argc, char **argv)
{
	bool expect_wraps = false;
	char path[4096];
	int a = 1;

	if (argc > 1 && strcmp(argv[1], "--expect-wraps") == 0) {
		expect_wraps = true;
		a++;
	}
	if (argc - a < 2 || argc - a > 3) {
		fprintf(stderr, "usage: %s [--expect-wraps] DIR OUTDIR [MEDIASECD_STDOUT]\n", argv[0]);
		return 2;
	}
	if (srtp_init() != srtp_err_status_ok)
		die("srtp_init");
	snprintf(path, sizeof(path), "%s/sessions.conf", argv[a]);
	sessions_load(path);
	snprintf(path, sizeof(path), "%s/keys", argv[a]);
	keys_check(path);
	for (unsigned side = 0; side < 2; side++) {
		snprintf(path, sizeof(path), "%s/%c.pcap", argv[a], side ? 'b' : 'a');
		read_pcap(path, side, input_frame);
	}
	for (unsigned side = 0; side < 2; side++) {
		snprintf(path, sizeof(path), "%s/out_%c.pcap", argv[a + 1], side ? 'b' : 'a');
		read_pcap(path, side, output_frame);
	}
	unsigned wraps[2] = {0, 0};
	for (unsigned i = 0; i < nb_sessions; i++)
		for (unsigned e = 0; e < 2; e++) {
			struct direction *d = &sessions[i].dir[e];

			if (d->nb_out != d->nb_in)
				mismatch("%s: %" PRIu64 " packets entered leg %c, %" PRIu64 " came out",
					 sessions[i].name, d->nb_in, e ? 'B' : 'A', d->nb_out);
			if (d->nb_in == 0)
				mismatch("%s: no packet entered leg %c", sessions[i].name, e ? 'B' : 'A');
			wraps[e] += d->wraps;
		}
	if (expect_wraps && (wraps[0] == 0 || wraps[1] == 0))
		mismatch("no stream crossed sequence number 65535 (A->B %u, B->A %u)", wraps[0],
			 wraps[1]);
	if (argc - a == 3)
		counters_check(argv[a + 2]);
	printf("pktgen_check: %u sessions; A->B %" PRIu64 " in, %" PRIu64 " out; B->A %" PRIu64
	       " in, %" PRIu64 " out; sequence wraps A->B %u, B->A %u: %s\n",
	       nb_sessions, frames_in[0], frames_out[1], frames_in[1], frames_out[0], wraps[0],
	       wraps[1], nb_errors ? "MISMATCH" : "all forwarded, verified and equal");
	return nb_errors ? 1 : 0;
}
