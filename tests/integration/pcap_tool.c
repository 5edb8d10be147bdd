/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap_tool: the traffic and the judge of the pcap_daemon test
 * (tests/integration/pcap_daemon.sh), which runs the real mediasecd on two
 * net_pcap ports.
 *
 *   pcap_tool gen DIR FILE_PREFIX [ENGINE]
 *	Writes DIR/in_a.pcap and DIR/in_b.pcap (what the peers behind ports a
 *	and b send), DIR/mediasec.conf (the two ports as net_pcap devices that
 *	read those files and write DIR/out_a.pcap and DIR/out_b.pcap, one
 *	worker, every session with its keys) and DIR/expect.txt (every packet
 *	that must come out, with its plaintext, and every counter mediasecd
 *	must print at exit). ENGINE is the crypto engine mediasecd runs:
 *	ipsec-mb (the default) or libsrtp2, which refuses initial ROCs other
 *	than 0 (a documented limit of that engine): with it every ROC starts
 *	at 0.
 *
 *   pcap_tool check DIR MEDIASECD_STDOUT
 *	Reads DIR/expect.txt, DIR/out_a.pcap, DIR/out_b.pcap and mediasecd's
 *	standard output. Every output frame must carry correct IPv4 and UDP
 *	checksums and go from the paired leg's local address to its peer; SRTP
 *	and SRTCP output is verified and decrypted with libsrtp2 and the keys of
 *	the configuration; every good packet must arrive exactly once with the
 *	plaintext the peer sent, nothing else may arrive, and every counter
 *	mediasecd printed at exit must equal what the traffic calls for. Prints
 *	one line per mismatch and exits 1 when there is any.
 *
 * The traffic: 30 sessions, all eight suites, the four pairings (SRTP to
 * RTP, RTP to SRTP, SRTP to SRTP with different suites on the two legs, RTP
 * to RTP), IPv4, IPv6 and a session with one leg of each, port b on VLAN 42,
 * a hairpin session with both legs on port a, RTCP multiplexed and on its
 * own port, MKIs, key lifetimes, initial ROCs (some above 2^31), sequence
 * numbers crossing 65535, one and two SSRCs per direction, CSRCs, header
 * extensions and padding, peer learning and strict source checks. Each
 * stream has reordering inside the replay window, packets later than the
 * window, duplicates, forged packets (bad tag, bad payload), truncated
 * packets, bad versions and lengths and unknown MKIs; and each port gets
 * frames that are not media for any leg (unknown UDP ports, other
 * addresses, wrong VLAN, bad IPv4 checksum, malformed, fragments) and one
 * ARP request. Every packet of the streams is protected by libsrtp2 in
 * sequence order and then sent in the perturbed order; a model of the
 * replay windows says which copy mediasecd must forward and which counter
 * each drop lands on.
 *
 * libsrtp2 2.5.0 has a crypto policy setter for every suite but
 * NULL_HMAC_SHA1_32: that one is NULL_HMAC_SHA1_80's policy with a 4-byte
 * tag (its SRTCP keeps the 10-byte tag, as RFC 4568 has it). And its
 * srtp_unprotect_rtcp_mki looks for the MKI before a tag of the RTP tag's
 * length (srtp_get_session_keys), so it cannot read SRTCP with an MKI in the
 * _32 suites, whose SRTCP tag is longer: the checker verifies the MKI of
 * those packets itself, takes it out and verifies the rest with a session
 * without MKI (RFC 3711 leaves the MKI outside the authenticated portion).
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
#include <sys/socket.h>

#include <pcap/pcap.h>
#include <srtp2/srtp.h>

#include "it_bytes.h"

#define NB_PORTS 2
#define VLAN_B 42
#define MAX_LEGS 64
#define MAX_SSRC 2
#define MAX_PKT 320   /* one RTP/RTCP packet, protected */
#define MAX_FRAME 400 /* one Ethernet frame */
#define NB_RTP 200    /* RTP packets per SSRC */
#define RTCP_EVERY 30 /* an RTCP packet after every RTCP_EVERY RTP packets */
#define DEFAULT_WINDOW 128
#define CHECK_WINDOW 1024 /* the checker's own replay window */

#define MAGIC_RTP 0x4d535054u  /* "MSPT": RTP payload starts with it, then the id */
#define MAGIC_RTCP 0x4d535043u /* "MSPC": in the SR's NTP timestamp, then the id */

/* ------------------------------------------------------------------ basics */

static unsigned nb_errors;

static void __attribute__((format(printf, 1, 2)))
error(const char *fmt, ...)
{
	va_list ap;

	nb_errors++;
	if (nb_errors > 60)
		return;
	fputs("pcap_tool: MISMATCH: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("pcap_tool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		die("out of memory");
	return p;
}

static uint64_t rng_state = 0x6d65646961736563ull;

static uint64_t
rnd(void)
{
	/* splitmix64: the same traffic on every run */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* Sum of the UDP pseudo header of a datagram of udp_len bytes. */
static uint32_t
pseudo_sum(int fam, const uint8_t *src, const uint8_t *dst, uint16_t udp_len)
{
	uint32_t s = 0;
	int alen = fam == 4 ? 4 : 16;

	s = sum16(src, (size_t)alen, s);
	s = sum16(dst, (size_t)alen, s);
	return s + 17 + udp_len;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

static void
hex_write(FILE *f, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		fputc(digits[p[i] >> 4], f);
		fputc(digits[p[i] & 15], f);
	}
}

static int
hex_read(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1])) {
		unsigned v;

		if (n == max || sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return (int)n;
}

static const char *
addr_str(int fam, const uint8_t *a, char *buf, size_t len)
{
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len);
	return buf;
}

static void
addr_parse(const char *s, int *fam, uint8_t *a)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1)
		*fam = 4;
	else if (inet_pton(AF_INET6, s, a) == 1)
		*fam = 6;
	else
		die("bad address %s", s);
}

static void
mac_parse(const char *s, uint8_t *mac)
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		die("bad MAC %s", s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
}

static const char *
mac_str(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* ------------------------------------------------------------------ suites */

struct suite {
	const char *name;
	uint8_t key_len;
	uint8_t salt_len;
	uint8_t rtp_tag;
	uint8_t rtcp_tag;
	bool aead;
	bool null;
};

static const struct suite suites[] = {
	{"AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, false, false},
	{"AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, false, false},
	{"AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, false, false},
	{"AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10, false, false},
	{"NULL_HMAC_SHA1_80", 16, 14, 10, 10, false, true},
	{"NULL_HMAC_SHA1_32", 16, 14, 4, 10, false, true},
	{"AEAD_AES_128_GCM", 16, 12, 16, 16, true, false},
	{"AEAD_AES_256_GCM", 32, 12, 16, 16, true, false},
};
#define NB_SUITES ((int)(sizeof(suites) / sizeof(suites[0])))

static int
suite_find(const char *name)
{
	for (int i = 0; i < NB_SUITES; i++)
		if (strcmp(suites[i].name, name) == 0)
			return i;
	return -1;
}

static void
suite_policy(int s, srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp)
{
	switch (s) {
	case 0:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		break;
	case 1:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		break;
	case 2:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		break;
	case 3:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		break;
	case 4:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtcp);
		break;
	case 5:
		/* no setter in libsrtp2 2.5.0: the _80 policy with a 4-byte RTP tag */
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp);
		rtp->auth_tag_len = 4;
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtcp);
		break;
	case 6:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
		break;
	case 7:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp);
		break;
	default:
		die("suite %d", s);
	}
}

/* One direction's keys of a leg, as libsrtp2 and the configuration need them. */
struct keys {
	uint8_t material[46]; /* master key || salt */
	uint8_t mki_len;      /* 0: none */
	uint32_t mki;
	uint32_t roc;
	const char *lifetime; /* "" or "|2^n" */
};

/* A libsrtp2 session for one direction: one ssrc_specific stream per SSRC. */
static srtp_t
session_create(int suite, const struct keys *k, const uint32_t *ssrc, int nb_ssrc, bool inbound,
	       unsigned window)
{
	srtp_policy_t pol[MAX_SSRC];
	srtp_master_key_t mk;
	srtp_master_key_t *mkp[1] = {&mk};
	uint8_t mki[4];
	srtp_t s;
	srtp_err_status_t st;

	memset(pol, 0, sizeof(pol));
	memset(&mk, 0, sizeof(mk));
	if (k->mki_len > 0) {
		uint32_t v = k->mki;

		for (int i = k->mki_len - 1; i >= 0; i--, v >>= 8)
			mki[i] = (uint8_t)v;
		mk.key = (unsigned char *)(uintptr_t)k->material;
		mk.mki_id = mki;
		mk.mki_size = k->mki_len;
	}
	for (int i = 0; i < nb_ssrc; i++) {
		suite_policy(suite, &pol[i].rtp, &pol[i].rtcp);
		pol[i].ssrc.type = ssrc_specific;
		pol[i].ssrc.value = ssrc[i];
		if (k->mki_len > 0) {
			pol[i].keys = mkp;
			pol[i].num_master_keys = 1;
		} else {
			pol[i].key = (unsigned char *)(uintptr_t)k->material;
		}
		pol[i].window_size = inbound ? window : 128;
		pol[i].next = i + 1 < nb_ssrc ? &pol[i + 1] : NULL;
	}
	st = srtp_create(&s, pol);
	if (st != srtp_err_status_ok)
		die("srtp_create (%s): error %d", suites[suite].name, st);
	for (int i = 0; i < nb_ssrc; i++)
		if (k->roc != 0 && srtp_set_stream_roc(s, ssrc[i], k->roc) != srtp_err_status_ok)
			die("srtp_set_stream_roc");
	return s;
}

/* ----------------------------------------------------------- the scenario */

/* Drops a leg counts, as mediasecd prints them after "rx_" / "tx_". */
enum cnt {
	C_AUTH_FAIL,
	C_REPLAY,
	C_TOO_OLD,
	C_TOO_SHORT,
	C_BAD_VERSION,
	C_BAD_LENGTH,
	C_UNKNOWN_MKI,
	C_WRONG_SOURCE,
	C_NOT_RTP,
	C_COUNT
};
static const char *const cnt_name[C_COUNT] = {
	"auth_fail", "replay", "too_old", "too_short", "bad_version",
	"bad_length", "unknown_mki", "wrong_source", "not_rtp",
};
/* Crypto results are printed by the worker as in_X / out_X; leg drops as X. */
static bool
cnt_is_srtp(enum cnt c)
{
	return c <= C_UNKNOWN_MKI;
}

struct port {
	const char *name;
	uint8_t mac[6];
	uint16_t vlan;
	uint8_t own4[4], own6[16];
	uint8_t net4; /* 10.<net4>.0.0/24 */
};

struct leg {
	char sess[64];
	int side;
	int pair;
	int port;
	int fam;
	uint8_t local[16], peer[16];
	uint16_t lport, lrtcp, pport, prtcp;
	uint8_t peer_mac[6];
	bool mux, learn, strict;
	int suite; /* -1: rtp */
	unsigned window;
	struct keys recv, send;
	/* expected */
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t rx_cnt[C_COUNT], tx_cnt[C_COUNT];
	/* check */
	srtp_t chk;
	srtp_t chk_rtcp; /* _32 suites with MKI: SRTCP without its MKI (see the top) */
	int nb_ssrc;
	uint32_t ssrc[MAX_SSRC];
};

enum kind {
	K_GOOD,
	K_DUP,      /* an earlier packet again */
	K_FORGED,   /* a copy with a flipped tag byte, before the genuine one */
	K_FORGED2,  /* a copy with a flipped payload byte, before the genuine one */
	K_TRUNC,    /* a copy cut short */
	K_BADVER,   /* a copy with RTP version 1 */
	K_BADLEN,   /* a copy claiming 15 CSRCs */
	K_BADMKI,   /* a copy with another MKI */
	K_WRONGSRC, /* a copy from another source port (strict legs) */
};

struct item {
	uint8_t kind;
	uint8_t rtcp;
	uint16_t j; /* RTP: packet index in the stream; RTCP: RTCP packet index */
	int stream;
};

struct pkt {
	uint32_t id;
	int out_leg;
	int stream;
	uint8_t rtcp;
	uint16_t plen, elen; /* plaintext, as the peer sends it */
	uint16_t out_len;    /* as mediasecd must send it */
	int count;           /* expected arrivals */
	uint8_t plain[MAX_PKT];
	uint8_t enc[MAX_PKT];
};

struct stream {
	int dir;
	uint32_t ssrc;
	uint16_t seq0;
	uint32_t ts0;
	int nb_rtp, nb_rtcp;
	int rtp0, rtcp0; /* first packet in pkts[] */
};

struct dir {
	int in, out; /* legs */
	int nb_streams;
	int stream[MAX_SSRC];
	double start;
	struct item *items;
	int nb_items;
};

struct frame {
	double t;
	uint32_t order;
	uint16_t len;
	uint8_t data[MAX_FRAME];
};

static struct port ports[NB_PORTS];
static struct leg legs[MAX_LEGS];
static int nb_legs;
static struct dir dirs[MAX_LEGS];
static int nb_dirs;
static struct stream streams[MAX_LEGS * MAX_SSRC];
static int nb_streams;
static struct pkt *pkts;
static int nb_pkts, max_pkts;
static struct frame *frames[NB_PORTS];
static int nb_frames[NB_PORTS], max_frames[NB_PORTS];
static uint32_t frame_order;
static bool libsrtp_engine;
/*
 * KNOWN BUG (mediasecd's libsrtp2 engine): it hands SRTCP to
 * srtp_unprotect_rtcp_mki, which cannot find the MKI in the _32 suites (see
 * the top), so every SRTCP packet a peer sends with an MKI on a _32 suite
 * is dropped as unknown_mki. With that engine those keys get no MKI unless
 * MS_PCAP_KNOWN_BUGS=1, which brings the failure back.
 */
static bool known_bugs;

/* What the worker must print. */
static struct {
	uint64_t rx, tx, unprotected, protected, plain, arp_replies;
	uint64_t malformed, ip_checksum, wrong_vlan, fragment, not_media, unknown_leg;
	uint64_t in[C_COUNT], out[C_COUNT], leg[C_COUNT];
} W;

static void
port_init(void)
{
	static const char *const names[NB_PORTS] = {"a", "b"};

	for (int p = 0; p < NB_PORTS; p++) {
		struct port *pt = &ports[p];
		/* net_pcap's MAC: 02:70:63:61:70:<device index>, devices probed in port order */
		static const uint8_t base[6] = {0x02, 0x70, 0x63, 0x61, 0x70, 0x00};

		pt->name = names[p];
		memcpy(pt->mac, base, 6);
		pt->mac[5] = (uint8_t)p;
		pt->vlan = p == 1 ? VLAN_B : 0;
		pt->net4 = (uint8_t)(p + 1);
		uint8_t a4[4] = {10, pt->net4, 0, 1};

		memcpy(pt->own4, a4, 4);
		memset(pt->own6, 0, 16);
		pt->own6[0] = 0xfd;
		pt->own6[2] = 0;
		pt->own6[3] = (uint8_t)(0x0a + p);
		pt->own6[15] = 1;
	}
}

/* Peer host h on a port: 10.<n>.0.(10+h) or fd00:<a|b>::(10+h). */
static void
host_addr(int port, int fam, int h, uint8_t *a, uint8_t *mac)
{
	memset(a, 0, 16);
	if (fam == 4) {
		memcpy(a, ports[port].own4, 4);
		a[3] = (uint8_t)(10 + h);
	} else {
		memcpy(a, ports[port].own6, 16);
		a[15] = (uint8_t)(10 + h);
	}
	uint8_t m[6] = {0x02, 0x00, 0x00, (uint8_t)port, (uint8_t)fam, (uint8_t)h};

	memcpy(mac, m, 6);
}

static void
own_addr(int port, int fam, uint8_t *a)
{
	memset(a, 0, 16);
	memcpy(a, fam == 4 ? ports[port].own4 : ports[port].own6, fam == 4 ? 4 : 16);
}

static void
keys_init(struct keys *k, int suite, int mki_len, uint32_t roc, const char *lifetime)
{
	const struct suite *s = &suites[suite];

	for (int i = 0; i < s->key_len + s->salt_len; i++)
		k->material[i] = (uint8_t)rnd();
	k->material[0] |= 1; /* never a zero key */
	k->mki_len = (uint8_t)mki_len;
	k->mki = mki_len ? (uint32_t)(rnd() & ((mki_len == 4) ? 0xffffffffu
							      : ((1u << (8 * mki_len)) - 1))) : 0;
	k->roc = libsrtp_engine ? 0 : roc;
	k->lifetime = lifetime;
}

struct leg_spec {
	int port, fam, suite;
	bool learn, strict;
	unsigned window;
	uint16_t lport;
};

static void
session_add(const char *name, int k, struct leg_spec a, struct leg_spec b, bool mux)
{
	int first = nb_legs;
	struct leg_spec spec[2] = {a, b};

	for (int side = 0; side < 2; side++) {
		struct leg *l = &legs[nb_legs++];
		const struct leg_spec *s = &spec[side];
		int h = (k + 3 * side) % 8;
		int ks = k + side;

		snprintf(l->sess, sizeof(l->sess), "%s", name);
		l->side = side;
		l->pair = first + 1 - side;
		l->port = s->port;
		l->fam = s->fam;
		own_addr(l->port, l->fam, l->local);
		host_addr(l->port, l->fam, h, l->peer, l->peer_mac);
		l->mux = mux;
		l->lport = s->lport;
		l->lrtcp = mux ? l->lport : (uint16_t)(l->lport + 1);
		l->pport = (uint16_t)(5000 + 8 * k + 4 * side);
		l->prtcp = mux ? l->pport : (uint16_t)(l->pport + 1);
		l->learn = s->learn;
		l->strict = s->strict;
		l->suite = s->suite;
		l->window = s->window;
		if (l->suite >= 0) {
			uint32_t rroc = ks % 4 == 1 ? (uint32_t)(ks * 1000 + 7)
				      : ks % 4 == 2 ? 3000000000u + (uint32_t)ks : 0;
			uint32_t sroc = ks % 5 == 1 ? (uint32_t)(42 + ks)
				      : ks % 5 == 3 ? 2147483647u + (uint32_t)ks : 0;

			int rmki = ks % 6 == 2 ? 1 + ks % 4 : 0;
			const struct suite *su = &suites[l->suite];

			if (rmki && libsrtp_engine && !known_bugs && su->rtp_tag != su->rtcp_tag) {
				printf("pcap_tool gen: KNOWN BUG, left out: the libsrtp2 engine "
				       "drops SRTCP with an MKI in %s as unknown_mki (session "
				       "%s); MS_PCAP_KNOWN_BUGS=1 puts it back\n",
				       su->name, name);
				rmki = 0;
			}
			keys_init(&l->recv, l->suite, rmki, rroc, ks % 7 == 1 ? "|2^31" : "");
			keys_init(&l->send, l->suite, ks % 6 == 4 ? 1 + ks % 4 : 0, sroc,
				  ks % 7 == 4 ? "|2^20" : "");
		}
	}
}

static struct pkt *
pkt_new(void)
{
	if (nb_pkts == max_pkts) {
		max_pkts = max_pkts ? 2 * max_pkts : 4096;
		pkts = realloc(pkts, (size_t)max_pkts * sizeof(*pkts));
		if (pkts == NULL)
			die("out of memory");
	}
	struct pkt *p = &pkts[nb_pkts];

	memset(p, 0, sizeof(*p));
	p->id = (uint32_t)++nb_pkts;
	return p;
}

/* The plaintext RTP packet j of a stream. */
static void
make_rtp(const struct stream *st, int j, struct pkt *p)
{
	uint8_t *b = p->plain;
	int cc = j % 13 == 5 ? 2 : 0;
	bool ext = j % 17 == 7;
	bool pad = j % 19 == 9;
	int payload = j % 7 == 0 ? 40 : j % 11 == 3 ? 24 + (int)rnd_below(200) : 160;
	int off;

	b[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | (pad ? 0x20 : 0) | cc);
	/* PCMU or PCMA, marker now and then: never in RTCP's 192..223 */
	b[1] = (uint8_t)((j % 2 ? 8 : 0) | (j % 23 == 0 ? 0x80 : 0));
	put16(b + 2, (uint16_t)(st->seq0 + j));
	put32(b + 4, st->ts0 + 160u * (uint32_t)j);
	put32(b + 8, st->ssrc);
	off = 12;
	for (int c = 0; c < cc; c++, off += 4)
		put32(b + off, 0x0c5c0000u + (uint32_t)c);
	if (ext) {
		put16(b + off, 0xbede);
		put16(b + off + 2, 2);
		for (int i = 0; i < 8; i++)
			b[off + 4 + i] = (uint8_t)rnd();
		off += 12;
	}
	put32(b + off, MAGIC_RTP);
	put32(b + off + 4, p->id);
	for (int i = 8; i < payload; i++)
		b[off + i] = (uint8_t)rnd();
	off += payload;
	if (pad) {
		memset(b + off, 0, 3);
		b[off + 3] = 4;
		off += 4;
	}
	p->plen = (uint16_t)off;
}

/* The plaintext RTCP packet r of a stream: one sender report. */
static void
make_rtcp(const struct stream *st, int r, struct pkt *p)
{
	uint8_t *b = p->plain;

	b[0] = 0x80;
	b[1] = 200;
	put16(b + 2, 6);
	put32(b + 4, st->ssrc);
	put32(b + 8, MAGIC_RTCP);
	put32(b + 12, p->id);
	put32(b + 16, st->ts0 + 160u * (uint32_t)r * RTCP_EVERY);
	put32(b + 20, (uint32_t)(r * RTCP_EVERY));
	put32(b + 24, (uint32_t)(r * RTCP_EVERY * 160));
	p->plen = 28;
}

static uint16_t
trailer_len(const struct leg *l, bool send, bool rtcp)
{
	const struct suite *s = &suites[l->suite];
	const struct keys *k = send ? &l->send : &l->recv;

	return (uint16_t)(k->mki_len + (rtcp ? s->rtcp_tag + 4 : s->rtp_tag));
}

static void
streams_build(void)
{
	for (int d = 0; d < nb_dirs; d++) {
		struct dir *dr = &dirs[d];
		struct leg *in = &legs[dr->in];
		struct leg *out = &legs[dr->out];
		uint32_t ssrcs[MAX_SSRC];
		srtp_t tx = NULL;

		for (int i = 0; i < dr->nb_streams; i++) {
			struct stream *st = &streams[dr->stream[i]];

			ssrcs[i] = st->ssrc;
			out->ssrc[out->nb_ssrc++] = st->ssrc;
		}
		if (in->suite >= 0)
			tx = session_create(in->suite, &in->recv, ssrcs, dr->nb_streams, false, 0);
		for (int i = 0; i < dr->nb_streams; i++) {
			struct stream *st = &streams[dr->stream[i]];

			st->rtp0 = nb_pkts;
			for (int j = 0; j < st->nb_rtp; j++) {
				struct pkt *p = pkt_new();

				p->stream = dr->stream[i];
				p->out_leg = dr->out;
				make_rtp(st, j, p);
			}
			st->rtcp0 = nb_pkts;
			for (int r = 0; r < st->nb_rtcp; r++) {
				struct pkt *p = pkt_new();

				p->stream = dr->stream[i];
				p->out_leg = dr->out;
				p->rtcp = 1;
				make_rtcp(st, r, p);
			}
		}
		/* protect in sequence order, as a real sender does */
		for (int i = 0; i < dr->nb_streams; i++) {
			struct stream *st = &streams[dr->stream[i]];

			for (int n = st->rtp0; n < st->rtcp0 + st->nb_rtcp; n++) {
				struct pkt *p = &pkts[n];
				int len = p->plen;

				memcpy(p->enc, p->plain, p->plen);
				if (tx != NULL) {
					srtp_err_status_t e;
					unsigned mki = in->recv.mki_len > 0;

					if (p->rtcp)
						e = srtp_protect_rtcp_mki(tx, p->enc, &len, mki, 0);
					else
						e = srtp_protect_mki(tx, p->enc, &len, mki, 0);
					if (e != srtp_err_status_ok)
						die("srtp_protect of packet %u: error %d",
						    p->id, e);
					if (len != p->plen + trailer_len(in, false, p->rtcp))
						die("libsrtp2 protected packet %u to %d bytes",
						    p->id, len);
				}
				p->elen = (uint16_t)len;
				p->out_len = (uint16_t)(p->plen + (out->suite >= 0
							? trailer_len(out, true, p->rtcp) : 0));
			}
		}
		if (tx != NULL)
			srtp_dealloc(tx);
	}
}

/* ------------------------------------------------------- emission order */

static void
items_push(struct dir *dr, int *cap, struct item it)
{
	if (dr->nb_items == *cap) {
		*cap = *cap ? 2 * *cap : 512;
		dr->items = realloc(dr->items, (size_t)*cap * sizeof(*dr->items));
		if (dr->items == NULL)
			die("out of memory");
	}
	dr->items[dr->nb_items++] = it;
}

static int
items_find(const struct item *v, int n, int stream, bool rtcp, int j)
{
	for (int i = 0; i < n; i++)
		if (v[i].stream == stream && v[i].rtcp == rtcp && v[i].j == j &&
		    v[i].kind == K_GOOD)
			return i;
	die("item %d of stream %d not found", j, stream);
}

static void
items_move(struct item *v, int from, int to)
{
	struct item it = v[from];

	if (from < to)
		memmove(v + from, v + from + 1, (size_t)(to - from) * sizeof(*v));
	else
		memmove(v + to + 1, v + to, (size_t)(from - to) * sizeof(*v));
	v[to] = it;
}

/* Inserts an extra copy of packet j at position pos (before the item there). */
static void
items_insert(struct dir *dr, int *cap, int pos, struct item it)
{
	items_push(dr, cap, it);
	items_move(dr->items, dr->nb_items - 1, pos);
}

/* One stream's items: good packets in order, then the perturbations. */
static void
items_stream(struct dir *dr, int *cap, int s)
{
	const struct stream *st = &streams[s];
	const struct leg *in = &legs[dr->in], *out = &legs[dr->out];
	bool srtp_in = in->suite >= 0;
	int base = dr->nb_items;
	struct item *v;
	int n;

	for (int j = 0, r = 0; j < st->nb_rtp; j++) {
		items_push(dr, cap, (struct item){K_GOOD, 0, (uint16_t)j, s});
		if ((j + 1) % RTCP_EVERY == 0 && r < st->nb_rtcp)
			items_push(dr, cap, (struct item){K_GOOD, 1, (uint16_t)r++, s});
	}
#define POS(rtcp, j) (base + items_find(dr->items + base, dr->nb_items - base, s, rtcp, j))
	/* reordering inside the window, across the sequence number wrap too */
	v = dr->items;
	items_move(v, POS(0, 10), POS(0, 11));
	items_move(v, POS(0, 20), POS(0, 22));
	items_move(v, POS(0, 30), POS(0, 34));
	items_move(v, POS(0, 40), POS(0, 41));
	items_move(v, POS(0, 151), POS(0, 148));
	/* late: 196 and 80 packets behind the newest */
	n = dr->nb_items;
	items_move(v, POS(0, 3), n - 1);
	items_move(v, POS(0, 100), POS(0, 180));
	/* duplicates */
	items_insert(dr, cap, POS(0, 55) + 1, (struct item){K_DUP, 0, 50, s});
	items_insert(dr, cap, POS(0, 60) + 1, (struct item){K_DUP, 0, 60, s});
	items_insert(dr, cap, POS(0, 43) + 1, (struct item){K_DUP, 0, 41, s});
	items_insert(dr, cap, POS(1, 2) + 1, (struct item){K_DUP, 1, 2, s});
	/* cut short, wrong version */
	items_insert(dr, cap, POS(0, 80), (struct item){K_TRUNC, 0, 80, s});
	items_insert(dr, cap, POS(0, 90), (struct item){K_BADVER, 0, 90, s});
	if (srtp_in || out->suite >= 0)
		items_insert(dr, cap, POS(0, 84), (struct item){K_BADLEN, 0, 84, s});
	if (srtp_in) {
		items_insert(dr, cap, POS(0, 70), (struct item){K_FORGED, 0, 70, s});
		items_insert(dr, cap, POS(0, 71), (struct item){K_FORGED2, 0, 71, s});
		items_insert(dr, cap, POS(1, 3), (struct item){K_FORGED, 1, 3, s});
		if (in->recv.mki_len > 0)
			items_insert(dr, cap, POS(0, 75), (struct item){K_BADMKI, 0, 75, s});
	}
	if (in->strict) {
		items_insert(dr, cap, POS(0, 95), (struct item){K_WRONGSRC, 0, 95, s});
		items_insert(dr, cap, POS(1, 4), (struct item){K_WRONGSRC, 1, 4, s});
	}
#undef POS
}

static void
items_build(void)
{
	for (int d = 0; d < nb_dirs; d++) {
		struct dir *dr = &dirs[d];
		int cap = 0;

		for (int i = 0; i < dr->nb_streams; i++)
			items_stream(dr, &cap, dr->stream[i]);
		if (dr->nb_streams == 2) {
			/* interleave the two SSRCs, keeping each one's order */
			struct item *a = xcalloc((size_t)dr->nb_items, sizeof(*a));
			int na = 0, ia = 0, ib = 0;

			while (dr->items[ib].stream == dr->stream[0])
				ib++;
			int mid = ib;

			while (ia < mid || ib < dr->nb_items) {
				bool take_a = ib >= dr->nb_items || (ia < mid && rnd_below(2) == 0);

				a[na++] = take_a ? dr->items[ia++] : dr->items[ib++];
			}
			free(dr->items);
			dr->items = a;
		}
	}
}

/* ------------------------------------------------------------- the model */

/* Replay window state over packet offsets in one stream (index - first index). */
struct window {
	bool any;
	int top;
	bool *seen;
};

static enum cnt
window_check(const struct window *w, int idx, unsigned size)
{
	if (!w->any || idx > w->top)
		return C_COUNT;
	if ((unsigned)(w->top - idx) >= size)
		return C_TOO_OLD;
	if (w->seen[idx])
		return C_REPLAY;
	return C_COUNT;
}

static void
window_accept(struct window *w, int idx)
{
	if (!w->any || idx > w->top)
		w->top = idx;
	w->any = true;
	w->seen[idx] = true;
}

/* What mediasecd must do with every item of every direction, in its order. */
static void
model(void)
{
	for (int d = 0; d < nb_dirs; d++) {
		struct dir *dr = &dirs[d];
		struct leg *in = &legs[dr->in], *out = &legs[dr->out];
		struct window win_rtp[MAX_SSRC], win_rtcp[MAX_SSRC], wout_rtp[MAX_SSRC];
		unsigned in_win = in->window ? in->window : DEFAULT_WINDOW;
		unsigned out_win = out->window ? out->window : DEFAULT_WINDOW;

		for (int i = 0; i < dr->nb_streams; i++) {
			win_rtp[i] = (struct window){false, 0, xcalloc(NB_RTP, 1)};
			win_rtcp[i] = (struct window){false, 0, xcalloc(NB_RTP, 1)};
			wout_rtp[i] = (struct window){false, 0, xcalloc(NB_RTP, 1)};
		}
		for (int n = 0; n < dr->nb_items; n++) {
			const struct item *it = &dr->items[n];
			const struct stream *st = &streams[it->stream];
			int si = it->stream == dr->stream[0] ? 0 : 1;
			struct pkt *p = &pkts[(it->rtcp ? st->rtcp0 : st->rtp0) + it->j];
			struct window *wi = it->rtcp ? &win_rtcp[si] : &win_rtp[si];
			enum cnt r = C_COUNT;

			if (it->kind == K_WRONGSRC) {
				in->rx_cnt[C_WRONG_SOURCE]++;
				W.leg[C_WRONG_SOURCE]++;
				continue;
			}
			if (in->suite >= 0) {
				switch (it->kind) {
				case K_TRUNC:
					r = C_TOO_SHORT;
					break;
				case K_BADVER:
					r = C_BAD_VERSION;
					break;
				case K_BADLEN:
					r = C_BAD_LENGTH;
					break;
				case K_BADMKI:
					r = C_UNKNOWN_MKI;
					break;
				default:
					r = window_check(wi, it->j, in_win);
					if (r == C_COUNT &&
					    (it->kind == K_FORGED || it->kind == K_FORGED2))
						r = C_AUTH_FAIL;
				}
				if (r != C_COUNT) {
					in->rx_cnt[r]++;
					W.in[r]++;
					continue;
				}
				window_accept(wi, it->j);
			} else if (it->kind == K_TRUNC || it->kind == K_BADVER) {
				in->rx_cnt[C_NOT_RTP]++;
				W.leg[C_NOT_RTP]++;
				continue;
			}
			if (out->suite >= 0 && !it->rtcp) {
				if (it->kind == K_BADLEN)
					r = C_BAD_LENGTH;
				else
					r = window_check(&wout_rtp[si], it->j, out_win);
				if (r != C_COUNT) {
					out->tx_cnt[r]++;
					W.out[r]++;
					continue;
				}
				window_accept(&wout_rtp[si], it->j);
			}
			if (it->kind != K_GOOD && it->kind != K_DUP)
				die("item kind %u of %s passes: the scenario is wrong", it->kind,
				    in->sess);
			in->rx_pkts++;
			in->rx_bytes += p->elen;
			out->tx_pkts++;
			out->tx_bytes += p->out_len;
			p->count++;
			W.unprotected += in->suite >= 0;
			W.protected += out->suite >= 0;
			W.plain += in->suite < 0 && out->suite < 0;
			W.tx++;
		}
		for (int i = 0; i < dr->nb_streams; i++) {
			free(win_rtp[i].seen);
			free(win_rtcp[i].seen);
			free(wout_rtp[i].seen);
		}
	}
}

/* ---------------------------------------------------------------- frames */

struct frame_spec {
	int port;
	const uint8_t *dst_mac, *src_mac;
	int vlan; /* -1: the port's */
	int fam;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
};

static struct frame *
frame_new(int port, double t)
{
	if (nb_frames[port] == max_frames[port]) {
		max_frames[port] = max_frames[port] ? 2 * max_frames[port] : 4096;
		frames[port] =
			realloc(frames[port], (size_t)max_frames[port] * sizeof(struct frame));
		if (frames[port] == NULL)
			die("out of memory");
	}
	struct frame *f = &frames[port][nb_frames[port]++];

	memset(f, 0, sizeof(*f));
	f->t = t;
	f->order = frame_order++;
	W.rx++;
	return f;
}

/* Ethernet (+ 802.1Q) header; returns its length. */
static int
eth_write(uint8_t *b, const uint8_t *dst, const uint8_t *src, int vlan, uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (vlan > 0) {
		put16(b + 12, 0x8100);
		put16(b + 14, (uint16_t)vlan);
		put16(b + 16, type);
		return 18;
	}
	put16(b + 12, type);
	return 14;
}

/* An IPv4 or IPv6 + UDP frame with correct checksums. */
static struct frame *
udp_frame(const struct frame_spec *fs, double t, const uint8_t *payload, uint16_t len)
{
	struct frame *f = frame_new(fs->port, t);
	uint8_t *b = f->data;
	int vlan = fs->vlan < 0 ? ports[fs->port].vlan : fs->vlan;
	int off = eth_write(b, fs->dst_mac, fs->src_mac, vlan, fs->fam == 4 ? 0x0800 : 0x86dd);
	uint16_t udp_len = (uint16_t)(8 + len);
	uint8_t *udp;

	if (fs->fam == 4) {
		uint8_t *ip = b + off;

		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (uint16_t)(20 + udp_len));
		put16(ip + 4, (uint16_t)f->order);
		put16(ip + 6, 0x4000);
		ip[8] = 63;
		ip[9] = 17;
		put16(ip + 10, 0);
		memcpy(ip + 12, fs->src, 4);
		memcpy(ip + 16, fs->dst, 4);
		put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
		off += 20;
	} else {
		uint8_t *ip = b + off;

		put32(ip, 0x60000000u);
		put16(ip + 4, udp_len);
		ip[6] = 17;
		ip[7] = 63;
		memcpy(ip + 8, fs->src, 16);
		memcpy(ip + 24, fs->dst, 16);
		off += 40;
	}
	udp = b + off;
	put16(udp, fs->sport);
	put16(udp + 2, fs->dport);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	memcpy(udp + 8, payload, len);
	uint16_t ck = (uint16_t)~fold(sum16(udp, udp_len, pseudo_sum(fs->fam, fs->src, fs->dst,
								       udp_len)));
	put16(udp + 6, ck == 0 ? 0xffff : ck);
	f->len = (uint16_t)(off + udp_len);
	return f;
}

/* The bytes of one item, as the leg's peer sends them. */
static uint16_t
item_bytes(const struct dir *dr, const struct item *it, uint8_t *b)
{
	const struct stream *st = &streams[it->stream];
	const struct pkt *p = &pkts[(it->rtcp ? st->rtcp0 : st->rtp0) + it->j];
	const struct leg *in = &legs[dr->in];
	uint16_t len = p->elen;
	uint16_t tag = in->suite >= 0 ? (it->rtcp ? suites[in->suite].rtcp_tag
						  : suites[in->suite].rtp_tag) : 0;
	uint16_t mki = in->suite >= 0 ? in->recv.mki_len : 0;

	memcpy(b, p->enc, len);
	switch (it->kind) {
	case K_FORGED:
		if (it->rtcp)
			b[12] ^= 0x40; /* inside the encrypted part and the tag's coverage */
		else if (suites[in->suite].aead)
			b[len - mki - 1] ^= 0x01; /* AEAD: tag, then MKI */
		else
			b[len - 1] ^= 0x01; /* MKI, then tag */
		break;
	case K_FORGED2:
		b[len - tag - mki - 1] ^= 0x80;
		break;
	case K_TRUNC:
		len = in->suite >= 0 ? (uint16_t)(12 + tag + mki - 1) : 8;
		break;
	case K_BADVER:
		b[0] = (uint8_t)((b[0] & 0x3f) | 0x40);
		break;
	case K_BADLEN:
		b[0] |= 0x0f;
		break;
	case K_BADMKI:
		if (suites[in->suite].aead)
			b[len - mki] ^= 0xff;
		else
			b[len - tag - mki] ^= 0xff;
		break;
	default:
		break;
	}
	return len;
}

static void
frames_media(void)
{
	for (int d = 0; d < nb_dirs; d++) {
		const struct dir *dr = &dirs[d];
		const struct leg *in = &legs[dr->in];

		for (int n = 0; n < dr->nb_items; n++) {
			const struct item *it = &dr->items[n];
			uint8_t b[MAX_PKT];
			uint16_t len = item_bytes(dr, it, b);
			struct frame_spec fs = {
				.port = in->port,
				.dst_mac = ports[in->port].mac,
				.src_mac = in->peer_mac,
				.vlan = -1,
				.fam = in->fam,
				.src = in->peer,
				.dst = in->local,
				.sport = it->rtcp ? in->prtcp : in->pport,
				.dport = it->rtcp ? in->lrtcp : in->lport,
			};

			if (it->kind == K_WRONGSRC)
				fs.sport = (uint16_t)(fs.sport + 2);
			udp_frame(&fs, dr->start + 0.02 * n + 0.00001 * d, b, len);
		}
	}
}

/* Frames that are no leg's media: each lands on one worker counter. */
static void
frames_junk(FILE *exp)
{
	for (int p = 0; p < NB_PORTS; p++) {
		const struct port *pt = &ports[p];
		uint8_t h4[16], h6[16], m4[6], m6[6], own4[16], own6[16], other[16];
		uint8_t payload[64];
		static const uint8_t stranger[6] = {0x02, 0x00, 0x00, 0x99, 0x99, 0x99};
		struct frame *f;

		host_addr(p, 4, 0, h4, m4);
		host_addr(p, 6, 0, h6, m6);
		own_addr(p, 4, own4);
		own_addr(p, 6, own6);
		for (size_t i = 0; i < sizeof(payload); i++)
			payload[i] = (uint8_t)rnd();
		payload[0] = 0x80;
		payload[1] = 0;
#define T (0.1 + 3.5 * (double)rnd_below(1000) / 1000.0)
		struct frame_spec v4 = {p, pt->mac, m4, -1, 4, h4, own4, 5000, 39990};
		struct frame_spec v6 = {p, pt->mac, m6, -1, 6, h6, own6, 5000, 39991};

		/* unknown_leg: our addresses, ports no leg has */
		udp_frame(&v4, T, payload, 40);
		udp_frame(&v4, T, payload, 60);
		udp_frame(&v6, T, payload, 40);
		udp_frame(&v6, T, payload, 60);
		v4.dport = 20000; /* outside media_ports */
		udp_frame(&v4, T, payload, 40);
		W.unknown_leg += 5;
		v4.dport = 39990;

		/* not_media: another address, another MAC, TCP, ICMPv6 echo */
		memcpy(other, own4, 4);
		other[3] = 99;
		v4.dst = other;
		udp_frame(&v4, T, payload, 40);
		v4.dst = own4;
		v4.dst_mac = stranger;
		udp_frame(&v4, T, payload, 40);
		v4.dst_mac = pt->mac;
		f = udp_frame(&v4, T, payload, 40);
		f->data[(pt->vlan ? 18 : 14) + 9] = 6; /* TCP; checksum fixed below */
		{
			uint8_t *ip = f->data + (pt->vlan ? 18 : 14);

			put16(ip + 10, 0);
			put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
		}
		f = udp_frame(&v6, T, payload, 40);
		f->data[(pt->vlan ? 18 : 14) + 6] = 58;
		f->data[(pt->vlan ? 18 : 14) + 40] = 128;
		W.not_media += 4;

		/* wrong_vlan */
		if (pt->vlan) {
			v4.vlan = 0;
			udp_frame(&v4, T, payload, 40);
			v4.vlan = pt->vlan + 1;
			udp_frame(&v4, T, payload, 40);
			W.wrong_vlan += 2;
		} else {
			v4.vlan = 7;
			udp_frame(&v4, T, payload, 40);
			W.wrong_vlan += 1;
		}
		v4.vlan = -1;

		/* ip_checksum */
		f = udp_frame(&v4, T, payload, 40);
		f->data[(pt->vlan ? 18 : 14) + 10] ^= 0x5a;
		W.ip_checksum++;

		/* malformed: IPv4 or UDP longer than what holds it, a runt, IPv6 too long */
		f = udp_frame(&v4, T, payload, 40);
		f->len = (uint16_t)(f->len - 10);
		f = udp_frame(&v4, T, payload, 40);
		{
			uint8_t *udp = f->data + (pt->vlan ? 18 : 14) + 20;

			put16(udp + 4, (uint16_t)(get16(udp + 4) + 20));
		}
		f = udp_frame(&v4, T, payload, 40);
		f->len = 10;
		f = udp_frame(&v6, T, payload, 40);
		f->len = (uint16_t)(f->len - 12);
		W.malformed += 4;

		/* fragment: IPv4 more-fragments, IPv6 fragment header */
		f = udp_frame(&v4, T, payload, 40);
		{
			uint8_t *ip = f->data + (pt->vlan ? 18 : 14);

			put16(ip + 6, 0x2000);
			put16(ip + 10, 0);
			put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
		}
		f = udp_frame(&v6, T, payload, 40);
		f->data[(pt->vlan ? 18 : 14) + 6] = 44;
		W.fragment += 2;

		/* one ARP request for our IPv4 address: one reply */
		f = frame_new(p, T);
		{
			static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
			int off = eth_write(f->data, bcast, m4, pt->vlan, 0x0806);
			uint8_t *a = f->data + off;

			put16(a, 1);
			put16(a + 2, 0x0800);
			a[4] = 6;
			a[5] = 4;
			put16(a + 6, 1);
			memcpy(a + 8, m4, 6);
			memcpy(a + 14, h4, 4);
			memset(a + 18, 0, 6);
			memcpy(a + 24, own4, 4);
			f->len = (uint16_t)(off + 28);
		}
		W.arp_replies++;
		W.tx++;
		char mb[18], ab[64], ob[64];

		fprintf(exp, "A %d %s %s %s\n", p, mac_str(m4, mb), addr_str(4, h4, ab, sizeof(ab)),
			addr_str(4, own4, ob, sizeof(ob)));
#undef T
	}
}

static int
frame_cmp(const void *x, const void *y)
{
	const struct frame *a = x, *b = y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static void
pcap_write(const char *path, struct frame *fr, int n)
{
	pcap_t *pc = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;

	if (pc == NULL)
		die("pcap_open_dead");
	d = pcap_dump_open(pc, path);
	if (d == NULL)
		die("%s: %s", path, pcap_geterr(pc));
	qsort(fr, (size_t)n, sizeof(*fr), frame_cmp);
	for (int i = 0; i < n; i++) {
		struct pcap_pkthdr h;

		h.ts.tv_sec = 1700000000 + (time_t)i / 1000;
		h.ts.tv_usec = (suseconds_t)(i % 1000) * 1000;
		h.caplen = fr[i].len;
		h.len = fr[i].len;
		pcap_dump((u_char *)d, &h, fr[i].data);
	}
	pcap_dump_close(d);
	pcap_close(pc);
}

/* ------------------------------------------------------------ generation */

static void
scenario(void)
{
	int k = 0;
	char name[24];

	port_init();
	/* SRTP <-> SRTP, a different suite on each leg */
	for (int i = 0; i < NB_SUITES; i++, k++) {
		int fam = i % 2 ? 6 : 4;

		snprintf(name, sizeof(name), "ss%d", i);
		session_add(
			name, k,
			(struct leg_spec){0, fam, i, false, false, 0, (uint16_t)(30000 + 4 * k)},
			(struct leg_spec){1, fam, (i + 3) % NB_SUITES, false, false, 0,
					  (uint16_t)(30000 + 4 * k)},
			k % 3 == 0);
	}
	/* SRTP on a <-> RTP on b; sr1 has a wide window, sr2 the narrowest */
	for (int i = 0; i < NB_SUITES; i++, k++) {
		int fam = i % 2 ? 4 : 6;
		unsigned w = i == 1 ? 1024 : i == 2 ? 64 : 0;

		snprintf(name, sizeof(name), "sr%d", i);
		session_add(
			name, k,
			(struct leg_spec){0, fam, i, false, false, w, (uint16_t)(30000 + 4 * k)},
			(struct leg_spec){1, fam, -1, false, false, 0, (uint16_t)(30000 + 4 * k)},
			k % 3 == 0);
	}
	/* RTP on a <-> SRTP on b; rs3's SRTP leg sends with a 64-packet window */
	for (int i = 0; i < NB_SUITES; i++, k++) {
		int fam = i % 2 ? 6 : 4;

		snprintf(name, sizeof(name), "rs%d", i);
		session_add(
			name, k,
			(struct leg_spec){0, fam, -1, false, false, 0, (uint16_t)(30000 + 4 * k)},
			(struct leg_spec){1, fam, i, false, false, i == 3 ? 64 : 0,
					  (uint16_t)(30000 + 4 * k)},
			k % 3 == 0);
	}
	/* RTP <-> RTP */
	for (int i = 0; i < 2; i++, k++) {
		snprintf(name, sizeof(name), "rr%d", i);
		session_add(name, k,
			    (struct leg_spec){0, i ? 6 : 4, -1, false, false, 0,
					      (uint16_t)(30000 + 4 * k)},
			    (struct leg_spec){1, i ? 6 : 4, -1, false, false, 0,
					      (uint16_t)(30000 + 4 * k)},
			    k % 3 == 0);
	}
	/* IPv4 leg <-> IPv6 leg */
	session_add("mix46", k,
		    (struct leg_spec){0, 4, 0, false, false, 0, (uint16_t)(30000 + 4 * k)},
		    (struct leg_spec){1, 6, 6, false, false, 0, (uint16_t)(30000 + 4 * k)},
		    k % 3 == 0);
	k++;
	/* peer learned from the first packet that authenticates, strict source */
	session_add("learn0", k,
		    (struct leg_spec){0, 4, 2, true, true, 0, (uint16_t)(30000 + 4 * k)},
		    (struct leg_spec){1, 4, -1, false, false, 0, (uint16_t)(30000 + 4 * k)}, true);
	k++;
	/* strict source with a configured peer and RTCP on its own port */
	session_add("strict0", k,
		    (struct leg_spec){0, 6, 4, false, true, 0, (uint16_t)(30000 + 4 * k)},
		    (struct leg_spec){1, 6, 1, false, false, 0, (uint16_t)(30000 + 4 * k)}, false);
	k++;
	/* both legs on port a */
	session_add("hair0", k,
		    (struct leg_spec){0, 4, 7, false, false, 0, (uint16_t)(30000 + 4 * k)},
		    (struct leg_spec){0, 6, -1, false, false, 0, (uint16_t)(30000 + 4 * k + 2)},
		    false);
	k++;

	/* directions and their streams */
	for (int l = 0; l < nb_legs; l++) {
		struct dir *dr = &dirs[nb_dirs];
		int sess = l / 2;

		dr->in = l;
		dr->out = legs[l].pair;
		dr->nb_streams = sess % 4 == 3 ? 2 : 1;
		dr->start = 0.0002 * nb_dirs;
		for (int i = 0; i < dr->nb_streams; i++) {
			struct stream *st = &streams[nb_streams];

			dr->stream[i] = nb_streams++;
			st->dir = nb_dirs;
			st->ssrc = (uint32_t)rnd() | 1;
			st->seq0 = (sess + legs[l].side + i) % 2 == 0
					   ? (uint16_t)(65536 - 40)
					   : (uint16_t)(1000 + rnd_below(59000 - NB_RTP));
			st->ts0 = (uint32_t)rnd();
			st->nb_rtp = NB_RTP;
			st->nb_rtcp = NB_RTP / RTCP_EVERY;
		}
		nb_dirs++;
	}
	/*
	 * learn0: its leg A learns its peer from its first packet, which is
	 * therefore the first frame of port a; what goes toward that peer
	 * starts well after the first bursts of port b (the worker polls a
	 * before b).
	 */
	for (int d = 0; d < nb_dirs; d++) {
		if (strcmp(legs[dirs[d].in].sess, "learn0") != 0)
			continue;
		dirs[d].start = legs[dirs[d].in].learn ? -1.0 : 0.5;
	}
}

static const char *
roc_str(uint32_t v, char *buf)
{
	/* libconfig 1.5 needs the L suffix above 2^31 - 1 */
	sprintf(buf, "%" PRIu32 "%s", v, v > 2147483647u ? "L" : "");
	return buf;
}

static void
conf_key(FILE *f, const char *what, const struct leg *l, const struct keys *k)
{
	char b64[80];

	b64_encode(k->material, (size_t)suites[l->suite].key_len + suites[l->suite].salt_len, b64);
	fprintf(f, "\t\t\t\t%s = \"inline:%s%s", what, b64, k->lifetime);
	if (k->mki_len)
		fprintf(f, "|%" PRIu32 ":%u", k->mki, k->mki_len);
	fprintf(f, "\";\n");
}

static void
conf_write(const char *path, const char *dir, const char *prefix, const char *engine)
{
	FILE *f = fopen(path, "w");
	char a[64], b[64], mb[18];

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "# written by pcap_tool gen: the pcap_daemon test (keys are test keys)\n");
	fprintf(f, "eal = {\n\thugepages = \"no\";\n\tmain_lcore = 0;\n"
		   "\targs = [ \"--file-prefix\", \"%s\", \"--log-level=lib.eal:notice\" ];\n};\n",
		prefix);
	fprintf(f, "crypto = { engine = \"%s\"; replay_window = %d; };\n", engine, DEFAULT_WINDOW);
	fprintf(f, "ports = (\n");
	for (int p = 0; p < NB_PORTS; p++) {
		const struct port *pt = &ports[p];

		fprintf(f, "\t{\n\t\tname = \"%s\";\n\t\tdevice = \"net_pcap_%s\";\n", pt->name,
			pt->name);
		fprintf(f, "\t\targs = \"rx_pcap=%s/in_%s.pcap,tx_pcap=%s/out_%s.pcap\";\n", dir,
			pt->name, dir, pt->name);
		fprintf(f, "\t\taddresses = [ \"%s/24\", \"%s/64\" ];\n",
			addr_str(4, pt->own4, a, sizeof(a)), addr_str(6, pt->own6, b, sizeof(b)));
		if (pt->vlan)
			fprintf(f, "\t\tvlan = %u;\n", pt->vlan);
		fprintf(f, "\t\tneighbours = (\n");
		for (int h = 0; h < 8; h++) {
			for (int fam = 4; fam <= 6; fam += 2) {
				uint8_t ad[16], m[6];

				host_addr(p, fam, h, ad, m);
				fprintf(f, "\t\t\t{ address = \"%s\"; mac = \"%s\"; }%s\n",
					addr_str(fam, ad, a, sizeof(a)), mac_str(m, mb),
					h == 7 && fam == 6 ? "" : ",");
			}
		}
		fprintf(f, "\t\t);\n\t}%s\n", p + 1 < NB_PORTS ? "," : "");
	}
	fprintf(f, ");\nworkers = ( { lcore = 1; queues = [ \"a:0\", \"b:0\" ]; } );\n");
	fprintf(f, "sessions = (\n");
	for (int l = 0; l < nb_legs; l += 2) {
		fprintf(f, "\t{\n\t\tname = \"%s\";\n\t\tlegs = (\n", legs[l].sess);
		for (int s = 0; s < 2; s++) {
			const struct leg *lg = &legs[l + s];
			char rb[24];

			fprintf(f, "\t\t\t{\n\t\t\t\tport = \"%s\";\n", ports[lg->port].name);
			if (lg->fam == 4)
				fprintf(f, "\t\t\t\tlocal = \"%s:%u\";\n",
					addr_str(4, lg->local, a, sizeof(a)), lg->lport);
			else
				fprintf(f, "\t\t\t\tlocal = \"[%s]:%u\";\n",
					addr_str(6, lg->local, a, sizeof(a)), lg->lport);
			if (lg->mux)
				fprintf(f, "\t\t\t\trtcp = \"mux\";\n");
			else if (s == 0) /* leg B: the default */
				fprintf(f, "\t\t\t\trtcp = %u;\n", lg->lrtcp);
			if (lg->learn)
				fprintf(f, "\t\t\t\tpeer = \"learn\";\n");
			else if (lg->fam == 4)
				fprintf(f, "\t\t\t\tpeer = \"%s:%u\";\n",
					addr_str(4, lg->peer, a, sizeof(a)), lg->pport);
			else
				fprintf(f, "\t\t\t\tpeer = \"[%s]:%u\";\n",
					addr_str(6, lg->peer, a, sizeof(a)), lg->pport);
			if (lg->strict)
				fprintf(f, "\t\t\t\tstrict_source = true;\n");
			if (lg->window)
				fprintf(f, "\t\t\t\treplay_window = %u;\n", lg->window);
			if (lg->suite < 0) {
				fprintf(f, "\t\t\t\tmode = \"rtp\";\n");
			} else {
				fprintf(f, "\t\t\t\tmode = \"%s\";\n\t\t\t\tsuite = \"%s\";\n",
					suites[lg->suite].null ? "authenticated" : "encrypted",
					suites[lg->suite].name);
				conf_key(f, "recv_key", lg, &lg->recv);
				conf_key(f, "send_key", lg, &lg->send);
				if (lg->recv.roc)
					fprintf(f, "\t\t\t\trecv_roc = %s;\n",
						roc_str(lg->recv.roc, rb));
				if (lg->send.roc)
					fprintf(f, "\t\t\t\tsend_roc = %s;\n",
						roc_str(lg->send.roc, rb));
			}
			fprintf(f, "\t\t\t}%s\n", s == 0 ? "," : "");
		}
		fprintf(f, "\t\t);\n\t}%s\n", l + 2 < nb_legs ? "," : "");
	}
	fprintf(f, ");\n");
	if (fclose(f) != 0)
		die("%s: write error", path);
}

static void
expect_write(FILE *f)
{
	char a[64], b[64], mb[18];

	for (int p = 0; p < NB_PORTS; p++)
		fprintf(f, "T %d %s %s %u\n", p, ports[p].name, mac_str(ports[p].mac, mb),
			ports[p].vlan);
	for (int l = 0; l < nb_legs; l++) {
		const struct leg *lg = &legs[l];

		fprintf(f, "O %d %s %d %d %s %u %u %d %s %u %u %s %s ", l, lg->sess, lg->port,
			lg->fam, addr_str(lg->fam, lg->local, a, sizeof(a)), lg->lport, lg->lrtcp,
			lg->mux, addr_str(lg->fam, lg->peer, b, sizeof(b)), lg->pport, lg->prtcp,
			mac_str(lg->peer_mac, mb), lg->suite >= 0 ? suites[lg->suite].name : "rtp");
		if (lg->suite >= 0)
			hex_write(f, lg->send.material,
				  (size_t)suites[lg->suite].key_len + suites[lg->suite].salt_len);
		else
			fputc('-', f);
		fprintf(f, " %u %" PRIu32 " %" PRIu32 "\n", lg->send.mki_len, lg->send.mki,
			lg->send.roc);
		for (int i = 0; i < lg->nb_ssrc; i++)
			fprintf(f, "S %d %" PRIu32 "\n", l, lg->ssrc[i]);
		fprintf(f, "L %d rx_pkts %" PRIu64 "\nL %d rx_bytes %" PRIu64 "\n", l, lg->rx_pkts,
			l, lg->rx_bytes);
		fprintf(f, "L %d tx_pkts %" PRIu64 "\nL %d tx_bytes %" PRIu64 "\n", l, lg->tx_pkts,
			l, lg->tx_bytes);
		for (int c = 0; c < C_COUNT; c++) {
			if (lg->rx_cnt[c])
				fprintf(f, "L %d rx_%s %" PRIu64 "\n", l, cnt_name[c],
					lg->rx_cnt[c]);
			if (lg->tx_cnt[c])
				fprintf(f, "L %d tx_%s %" PRIu64 "\n", l, cnt_name[c],
					lg->tx_cnt[c]);
		}
	}
	for (int i = 0; i < nb_pkts; i++) {
		const struct pkt *p = &pkts[i];

		fprintf(f, "P %" PRIu32 " %d %u %d %u ", p->id, p->out_leg, p->rtcp, p->count,
			p->out_len);
		hex_write(f, p->plain, p->plen);
		fputc('\n', f);
	}
	fprintf(f, "W rx %" PRIu64 "\nW tx %" PRIu64 "\n", W.rx, W.tx);
	fprintf(f, "W unprotected %" PRIu64 "\nW protected %" PRIu64 "\nW plain %" PRIu64 "\n",
		W.unprotected, W.protected, W.plain);
	fprintf(f, "W handed_off 0\nW taken_over 0\n");
	fprintf(f, "W arp_replies %" PRIu64 "\nW nd_adverts 0\nW neigh_requests 0\n",
		W.arp_replies);
	const struct {
		const char *name;
		uint64_t v;
	} wd[] = {
		{"malformed", W.malformed},     {"ip_checksum", W.ip_checksum},
		{"wrong_vlan", W.wrong_vlan},   {"fragment", W.fragment},
		{"not_media", W.not_media},     {"unknown_leg", W.unknown_leg},
	};
	for (size_t i = 0; i < sizeof(wd) / sizeof(wd[0]); i++)
		if (wd[i].v)
			fprintf(f, "W %s %" PRIu64 "\n", wd[i].name, wd[i].v);
	for (int c = 0; c < C_COUNT; c++) {
		if (cnt_is_srtp(c)) {
			if (W.in[c])
				fprintf(f, "W in_%s %" PRIu64 "\n", cnt_name[c], W.in[c]);
			if (W.out[c])
				fprintf(f, "W out_%s %" PRIu64 "\n", cnt_name[c], W.out[c]);
		} else if (W.leg[c]) {
			fprintf(f, "W %s %" PRIu64 "\n", cnt_name[c], W.leg[c]);
		}
	}
}

static int
cmd_gen(const char *dir, const char *prefix, const char *engine)
{
	char path[4096];
	FILE *exp;
	uint64_t expected_out = 0, drops = 0, wdrops;

	libsrtp_engine = strcmp(engine, "libsrtp2") == 0;
	known_bugs = getenv("MS_PCAP_KNOWN_BUGS") != NULL &&
		     strcmp(getenv("MS_PCAP_KNOWN_BUGS"), "1") == 0;
	if (srtp_init() != srtp_err_status_ok)
		die("srtp_init");
	scenario();
	streams_build();
	items_build();
	model();
	snprintf(path, sizeof(path), "%s/expect.txt", dir);
	exp = fopen(path, "w");
	if (exp == NULL)
		die("%s: %s", path, strerror(errno));
	frames_media();
	frames_junk(exp);
	expect_write(exp);
	if (fclose(exp) != 0)
		die("%s: write error", path);
	for (int p = 0; p < NB_PORTS; p++) {
		snprintf(path, sizeof(path), "%s/in_%s.pcap", dir, ports[p].name);
		pcap_write(path, frames[p], nb_frames[p]);
	}
	snprintf(path, sizeof(path), "%s/mediasec.conf", dir);
	conf_write(path, dir, prefix, engine);
	for (int i = 0; i < nb_pkts; i++)
		expected_out += (uint64_t)pkts[i].count;
	for (int c = 0; c < C_COUNT; c++)
		drops += W.in[c] + W.out[c] + W.leg[c];
	wdrops = W.malformed + W.ip_checksum + W.wrong_vlan + W.fragment + W.not_media +
		 W.unknown_leg;
	printf("pcap_tool gen: %d sessions, %d streams, %d packets (%d RTP + RTCP), %d + %d frames "
	       "in; %" PRIu64 " media frames + %" PRIu64 " ARP replies must come out; %" PRIu64
	       " leg drops, %" PRIu64 " worker drops (engine %s)\n",
	       nb_legs / 2, nb_streams, nb_pkts, nb_streams * NB_RTP, nb_frames[0], nb_frames[1],
	       expected_out, W.arp_replies, drops, wdrops,
	       engine);
	srtp_shutdown();
	return 0;
}

/* ----------------------------------------------------------------- check */

struct exp_pkt {
	int out_leg;
	uint8_t rtcp;
	int count;
	uint16_t out_len;
	uint16_t plen;
	uint8_t *plain;
	int seen;
};

struct exp_leg_cnt {
	char name[64];
	uint64_t v;
};

struct chk_leg {
	struct leg l;
	char local_s[96], peer_s[96];
	struct exp_leg_cnt cnt[32];
	int nb_cnt;
	bool printed;
};

static struct chk_leg cl[MAX_LEGS];
static int nb_cl;
static struct exp_pkt *ep;
static uint32_t nb_ep;
static struct exp_leg_cnt wexp[64];
static int nb_wexp;
static struct {
	int port;
	uint8_t mac[6], ip[16], own[16];
	bool seen;
} arps[NB_PORTS];
static int nb_arps;

static void
expect_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	uint32_t ep_cap = 0;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char s1[64], s2[64], s3[64], s4[64], s5[64], s6[200];
		int p, i, n;
		unsigned u1, u2, u3, u4, u5;
		uint64_t v;

		switch (line[0]) {
		case 'T':
			if (sscanf(line, "T %d %63s %63s %u", &p, s1, s2, &u1) != 4 || p < 0 ||
			    p >= NB_PORTS)
				die("expect: %s", line);
			ports[p].name = strdup(s1);
			mac_parse(s2, ports[p].mac);
			ports[p].vlan = (uint16_t)u1;
			break;
		case 'O': {
			struct chk_leg *c;
			int fam;
			uint32_t mki, roc;

			if (sscanf(line,
				   "O %d %63s %d %d %63s %u %u %u %63s %u %u %63s %63s %199s %u "
				   "%" SCNu32 " %" SCNu32,
				   &i, s1, &p, &fam, s2, &u1, &u2, &u3, s3, &u4, &u5, s4, s5, s6,
				   &n, &mki, &roc) != 17 ||
			    i != nb_cl || i >= MAX_LEGS)
				die("expect: %s", line);
			c = &cl[nb_cl++];
			snprintf(c->l.sess, sizeof(c->l.sess), "%s", s1);
			c->l.port = p;
			addr_parse(s2, &c->l.fam, c->l.local);
			c->l.lport = (uint16_t)u1;
			c->l.lrtcp = (uint16_t)u2;
			c->l.mux = u3 != 0;
			addr_parse(s3, &fam, c->l.peer);
			c->l.pport = (uint16_t)u4;
			c->l.prtcp = (uint16_t)u5;
			mac_parse(s4, c->l.peer_mac);
			c->l.suite = strcmp(s5, "rtp") == 0 ? -1 : suite_find(s5);
			if (c->l.suite < -1 || (c->l.suite >= 0 && s5[0] == '\0'))
				die("expect: suite %s", s5);
			if (c->l.suite >= 0 &&
			    hex_read(s6, c->l.send.material, sizeof(c->l.send.material)) !=
				    suites[c->l.suite].key_len + suites[c->l.suite].salt_len)
				die("expect: key of leg %d", i);
			c->l.send.mki_len = (uint8_t)n;
			c->l.send.mki = mki;
			c->l.send.roc = roc;
			snprintf(c->local_s, sizeof(c->local_s), "%s:%u", s2, u1);
			snprintf(c->peer_s, sizeof(c->peer_s), "%s:%u", s3, u4);
			break;
		}
		case 'S':
			if (sscanf(line, "S %d %u", &i, &u1) != 2 || i < 0 || i >= nb_cl ||
			    cl[i].l.nb_ssrc == MAX_SSRC)
				die("expect: %s", line);
			cl[i].l.ssrc[cl[i].l.nb_ssrc++] = u1;
			break;
		case 'L':
			if (sscanf(line, "L %d %31s %" SCNu64, &i, s1, &v) != 3 || i < 0 ||
			    i >= nb_cl || cl[i].nb_cnt == 32)
				die("expect: %s", line);
			snprintf(cl[i].cnt[cl[i].nb_cnt].name, sizeof(cl[i].cnt[0].name), "%s", s1);
			cl[i].cnt[cl[i].nb_cnt++].v = v;
			break;
		case 'W':
			if (sscanf(line, "W %31s %" SCNu64, s1, &v) != 2 || nb_wexp == 64)
				die("expect: %s", line);
			snprintf(wexp[nb_wexp].name, sizeof(wexp[nb_wexp].name), "%s", s1);
			wexp[nb_wexp++].v = v;
			break;
		case 'A':
			if (sscanf(line, "A %d %63s %63s %63s", &p, s1, s2, s3) != 4 ||
			    nb_arps == NB_PORTS)
				die("expect: %s", line);
			arps[nb_arps].port = p;
			mac_parse(s1, arps[nb_arps].mac);
			addr_parse(s2, &i, arps[nb_arps].ip);
			addr_parse(s3, &i, arps[nb_arps].own);
			nb_arps++;
			break;
		case 'P': {
			uint32_t id;
			int cnt, off = 0;

			if (sscanf(line, "P %" SCNu32 " %d %u %d %u %n", &id, &i, &u1, &cnt, &u2,
				   &off) != 5 ||
			    off == 0 || id != nb_ep + 1)
				die("expect: %.80s", line);
			if (nb_ep == ep_cap) {
				ep_cap = ep_cap ? 2 * ep_cap : 4096;
				ep = realloc(ep, (size_t)ep_cap * sizeof(*ep));
				if (ep == NULL)
					die("out of memory");
			}
			struct exp_pkt *e = &ep[nb_ep++];

			memset(e, 0, sizeof(*e));
			e->out_leg = i;
			e->rtcp = (uint8_t)u1;
			e->count = cnt;
			e->out_len = (uint16_t)u2;
			e->plain = xcalloc(MAX_PKT, 1);
			n = hex_read(line + off, e->plain, MAX_PKT);
			if (n <= 0)
				die("expect: packet %" PRIu32, id);
			e->plen = (uint16_t)n;
			break;
		}
		default:
			die("expect: %s", line);
		}
	}
	free(line);
	fclose(f);
}

static const char *
frame_desc(int port, int n, char *buf, size_t len)
{
	snprintf(buf, len, "out_%s.pcap frame %d", ports[port].name, n + 1);
	return buf;
}

/* The id a plaintext RTP or RTCP packet carries, 0 when none. */
static uint32_t
plain_id(const uint8_t *b, int len, bool rtcp)
{
	int off;

	if (rtcp)
		return len >= 16 && get32(b + 8) == MAGIC_RTCP ? get32(b + 12) : 0;
	if (len < 12)
		return 0;
	off = 12 + 4 * (b[0] & 15);
	if ((b[0] & 0x10) && off + 4 <= len)
		off += 4 + 4 * get16(b + off + 2);
	if (off + 8 > len || get32(b + off) != MAGIC_RTP)
		return 0;
	return get32(b + off + 4);
}

static void
check_arp(int port, int n, const uint8_t *d, int len, int off)
{
	char fd[64];
	const uint8_t *a = d + off;

	frame_desc(port, n, fd, sizeof(fd));
	for (int i = 0; i < nb_arps; i++) {
		if (arps[i].port != port)
			continue;
		if (len - off < 28 || get16(a) != 1 || get16(a + 2) != 0x0800 ||
		    get16(a + 6) != 2 || memcmp(a + 8, ports[port].mac, 6) != 0 ||
		    memcmp(a + 14, arps[i].own, 4) != 0 || memcmp(a + 18, arps[i].mac, 6) != 0 ||
		    memcmp(a + 24, arps[i].ip, 4) != 0 || memcmp(d, arps[i].mac, 6) != 0) {
			error("%s: an ARP frame that is not the reply to our request", fd);
			return;
		}
		if (arps[i].seen)
			error("%s: a second ARP reply", fd);
		arps[i].seen = true;
		return;
	}
	error("%s: an ARP frame on a port that was asked nothing", fd);
}

static void
check_frame(int port, int n, const uint8_t *d, int len)
{
	char fd[64], a1[64], a2[64];
	const struct port *pt = &ports[port];
	int off = 14, fam, l4;
	uint16_t type;
	const uint8_t *src, *dst, *udp;
	uint16_t udp_len, sport, dport;

	frame_desc(port, n, fd, sizeof(fd));
	if (len < 14) {
		error("%s: %d bytes", fd, len);
		return;
	}
	if (memcmp(d + 6, pt->mac, 6) != 0)
		error("%s: source MAC is not port %s's", fd, pt->name);
	type = get16(d + 12);
	if (type == 0x8100) {
		if (len < 18) {
			error("%s: truncated VLAN tag", fd);
			return;
		}
		if ((get16(d + 14) & 0xfff) != pt->vlan)
			error("%s: VLAN %u, port %s has %u", fd, get16(d + 14) & 0xfff, pt->name,
			      pt->vlan);
		type = get16(d + 16);
		off = 18;
	} else if (pt->vlan) {
		error("%s: untagged on port %s (VLAN %u)", fd, pt->name, pt->vlan);
	}
	if (type == 0x0806) {
		check_arp(port, n, d, len, off);
		return;
	}
	if (type == 0x0800) {
		const uint8_t *ip = d + off;

		fam = 4;
		if (len - off < 20 || ip[0] != 0x45) {
			error("%s: IPv4 header missing or with options", fd);
			return;
		}
		if (fold(sum16(ip, 20, 0)) != 0xffff)
			error("%s: IPv4 header checksum wrong", fd);
		if (get16(ip + 2) != len - off)
			error("%s: IPv4 total length %u, %d bytes there", fd, get16(ip + 2),
			      len - off);
		if (ip[9] != 17 || (get16(ip + 6) & 0x3fff) != 0 || ip[8] == 0) {
			error("%s: not an unfragmented UDP datagram with a TTL", fd);
			return;
		}
		src = ip + 12;
		dst = ip + 16;
		l4 = off + 20;
	} else if (type == 0x86dd) {
		const uint8_t *ip = d + off;

		fam = 6;
		if (len - off < 40 || (ip[0] >> 4) != 6) {
			error("%s: IPv6 header missing", fd);
			return;
		}
		if (get16(ip + 4) != len - off - 40)
			error("%s: IPv6 payload length %u, %d bytes there", fd, get16(ip + 4),
			      len - off - 40);
		if (ip[6] != 17 || ip[7] == 0) {
			error("%s: IPv6 next header %u (not UDP) or no hop limit", fd, ip[6]);
			return;
		}
		src = ip + 8;
		dst = ip + 24;
		l4 = off + 40;
	} else {
		error("%s: EtherType 0x%04x", fd, type);
		return;
	}
	udp = d + l4;
	if (len - l4 < 8) {
		error("%s: no UDP header", fd);
		return;
	}
	udp_len = get16(udp + 4);
	if (udp_len != len - l4) {
		error("%s: UDP length %u, %d bytes there", fd, udp_len, len - l4);
		return;
	}
	if (get16(udp + 6) == 0)
		error("%s: no UDP checksum", fd);
	else if (fold(sum16(udp, udp_len, pseudo_sum(fam, src, dst, udp_len))) != 0xffff)
		error("%s: UDP checksum wrong", fd);
	sport = get16(udp);
	dport = get16(udp + 2);

	/* the leg it leaves by: its local address and port are the source */
	struct chk_leg *c = NULL;
	for (int i = 0; i < nb_cl; i++) {
		const struct leg *l = &cl[i].l;

		if (l->port == port && l->fam == fam &&
		    memcmp(l->local, src, fam == 4 ? 4 : 16) == 0 &&
		    (sport == l->lport || sport == l->lrtcp)) {
			c = &cl[i];
			break;
		}
	}
	if (c == NULL) {
		error("%s: from %s port %u, which is no leg's local end on port %s", fd,
		      addr_str(fam, src, a1, sizeof(a1)), sport, pt->name);
		return;
	}
	const uint8_t *payload = udp + 8;
	int plen = udp_len - 8;
	bool rtcp = c->l.mux ? plen >= 2 && payload[1] >= 192 && payload[1] <= 223
			     : sport == c->l.lrtcp;
	int li = (int)(c - cl);

	if (memcmp(dst, c->l.peer, fam == 4 ? 4 : 16) != 0 ||
	    dport != (rtcp ? c->l.prtcp : c->l.pport))
		error("%s: leg %s/%s sends to %s port %u, its peer is %s port %u", fd, c->l.sess,
		      c->local_s, addr_str(fam, dst, a1, sizeof(a1)), dport,
		      addr_str(fam, c->l.peer, a2, sizeof(a2)), rtcp ? c->l.prtcp : c->l.pport);
	if (memcmp(d, c->l.peer_mac, 6) != 0)
		error("%s: destination MAC is not the peer's", fd);

	uint8_t buf[MAX_FRAME];
	int blen = plen;

	if (plen > (int)sizeof(buf)) {
		error("%s: %d bytes of UDP payload", fd, plen);
		return;
	}
	memcpy(buf, payload, (size_t)plen);
	if (c->l.suite >= 0) {
		srtp_err_status_t e;
		unsigned mki = c->l.send.mki_len > 0;

		if (rtcp && c->l.chk_rtcp != NULL) {
			unsigned tag = suites[c->l.suite].rtcp_tag, ml = c->l.send.mki_len;
			uint32_t v = 0;

			for (unsigned i = 0; i < ml && blen >= (int)(tag + ml); i++)
				v = v << 8 | buf[blen - (int)(tag + ml) + (int)i];
			if (blen < (int)(8 + 4 + ml + tag) || v != c->l.send.mki) {
				error("%s: SRTCP toward leg %s/%s does not carry its MKI %" PRIu32
				      " before the tag", fd, c->l.sess, c->local_s, c->l.send.mki);
				return;
			}
			memmove(buf + blen - tag - ml, buf + blen - tag, tag);
			blen -= (int)ml;
			e = srtp_unprotect_rtcp(c->l.chk_rtcp, buf, &blen);
		} else if (rtcp) {
			e = srtp_unprotect_rtcp_mki(c->l.chk, buf, &blen, mki);
		} else
			e = srtp_unprotect_mki(c->l.chk, buf, &blen, mki);
		if (e != srtp_err_status_ok) {
			error("%s: %s toward leg %s/%s (%s%s, SSRC %08" PRIx32 ", seq %u) does not "
			      "unprotect with its send_key: libsrtp2 error %d%s",
			      fd, rtcp ? "SRTCP" : "SRTP", c->l.sess, c->local_s,
			      suites[c->l.suite].name, mki ? " with MKI" : "",
			      plen >= 12 ? get32(payload + (rtcp ? 4 : 8)) : 0,
			      rtcp ? 0 : (plen >= 4 ? get16(payload + 2) : 0), e,
			      e == srtp_err_status_replay_fail ? " (replayed: sent twice)"
			      : e == srtp_err_status_replay_old ? " (index too old)"
							       : "");
			return;
		}
	}
	uint32_t id = plain_id(buf, blen, rtcp);

	if (id == 0 || id > nb_ep) {
		error("%s: %s toward leg %s/%s carries no packet the peers sent", fd,
		      rtcp ? "RTCP" : "RTP", c->l.sess, c->local_s);
		return;
	}
	struct exp_pkt *e = &ep[id - 1];

	e->seen++;
	if (e->out_leg != li || e->rtcp != rtcp) {
		error("%s: packet %" PRIu32 " (%s) left by leg %s/%s, it belongs to leg %s/%s", fd,
		      id, e->rtcp ? "RTCP" : "RTP", c->l.sess, c->local_s, cl[e->out_leg].l.sess,
		      cl[e->out_leg].local_s);
		return;
	}
	if (plen != e->out_len)
		error("%s: packet %" PRIu32 " toward leg %s/%s is %d bytes, %u expected", fd, id,
		      c->l.sess, c->local_s, plen, e->out_len);
	if (blen != e->plen || memcmp(buf, e->plain, (size_t)blen) != 0)
		error("%s: packet %" PRIu32 " toward leg %s/%s: plaintext differs from what "
		      "the peer sent (%d bytes, %u sent)",
		      fd, id, c->l.sess, c->local_s, blen, e->plen);
}

static int
check_pcap(int port, const char *dir)
{
	char path[4096], eb[PCAP_ERRBUF_SIZE];
	pcap_t *pc;
	struct pcap_pkthdr *h;
	const u_char *data;
	int n = 0, r;

	snprintf(path, sizeof(path), "%s/out_%s.pcap", dir, ports[port].name);
	pc = pcap_open_offline(path, eb);
	if (pc == NULL) {
		error("cannot read %s: %s", path, eb);
		return 0;
	}
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		if (h->caplen != h->len)
			error("out_%s.pcap frame %d: captured %u of %u bytes", ports[port].name,
			      n + 1, h->caplen, h->len);
		check_frame(port, n++, data, (int)h->caplen);
	}
	if (r == PCAP_ERROR)
		error("%s: %s", path, pcap_geterr(pc));
	pcap_close(pc);
	return n;
}

/* "name=value" and "name value" pairs of one counter line, from *s on. */
static int
tokens(char *s, struct exp_leg_cnt *out, int max)
{
	int n = 0;
	char *save = NULL, *t = strtok_r(s, " \n", &save);

	while (t != NULL && n < max) {
		char *eq = strchr(t, '=');

		if (eq != NULL) {
			*eq = '\0';
			snprintf(out[n].name, sizeof(out[n].name), "%s", t);
			out[n++].v = strtoull(eq + 1, NULL, 10);
		} else {
			char *next = strtok_r(NULL, " \n", &save);

			if (next == NULL)
				break;
			if (isdigit((unsigned char)next[0])) {
				snprintf(out[n].name, sizeof(out[n].name), "%s", t);
				out[n++].v = strtoull(next, NULL, 10);
			} else {
				t = next;
				continue;
			}
		}
		t = strtok_r(NULL, " \n", &save);
	}
	return n;
}

static void
compare(const char *who, const struct exp_leg_cnt *exp, int nb_exp, const struct exp_leg_cnt *got,
	int nb_got, const char *const *fixed)
{
	for (int i = 0; i < nb_exp; i++) {
		uint64_t v = 0;
		bool found = false;

		for (int j = 0; j < nb_got; j++)
			if (strcmp(got[j].name, exp[i].name) == 0) {
				v += got[j].v;
				found = true;
			}
		if (!found && exp[i].v == 0)
			continue;
		if (v != exp[i].v)
			error("%s: %s=%" PRIu64 ", expected %" PRIu64, who, exp[i].name, v,
			      exp[i].v);
	}
	for (int j = 0; j < nb_got; j++) {
		bool known = false;

		for (int i = 0; i < nb_exp && !known; i++)
			known = strcmp(got[j].name, exp[i].name) == 0;
		for (int i = 0; fixed[i] != NULL && !known; i++)
			known = strcmp(got[j].name, fixed[i]) == 0;
		if (!known && got[j].v != 0)
			error("%s: %s=%" PRIu64 ", expected 0", who, got[j].name, got[j].v);
	}
}

static void
check_stdout(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	bool at_exit = false;
	int workers = 0;
	static const char *const wfixed[] = {"cycles/pkt", NULL};
	static const char *const lfixed[] = {NULL};

	if (f == NULL) {
		error("cannot read mediasecd's output %s: %s", path, strerror(errno));
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		struct exp_leg_cnt got[64];
		char who[256];

		if (strncmp(line, "mediasecd: counters at exit", 27) == 0) {
			at_exit = true;
			continue;
		}
		if (!at_exit)
			continue;
		if (strncmp(line, "worker lcore ", 13) == 0) {
			char *colon = strchr(line, ':');
			int n;

			workers++;
			if (colon == NULL)
				continue;
			n = tokens(colon + 1, got, 64);
			compare("worker counters", wexp, nb_wexp, got, n, wfixed);
			continue;
		}
		if (strncmp(line, "leg ", 4) == 0) {
			unsigned id;
			char sess[64], pname[32], local[80], peer[80], suite[40];
			uint64_t rx_p, rx_b, tx_p, tx_b;
			int off = 0;

			if (sscanf(line,
				   "leg %u (%63[^)]) port %31s %79s <-> %79s %39[^:]: rx %" SCNu64
				   " pkts %" SCNu64 " bytes, tx %" SCNu64 " pkts %" SCNu64
				   " bytes%n",
				   &id, sess, pname, local, peer, suite, &rx_p, &rx_b, &tx_p, &tx_b,
				   &off) != 10 ||
			    off == 0) {
				error("cannot read the leg line: %s", line);
				continue;
			}
			struct chk_leg *c = NULL;

			for (int i = 0; i < nb_cl; i++)
				if (strcmp(cl[i].l.sess, sess) == 0 &&
				    strcmp(ports[cl[i].l.port].name, pname) == 0 &&
				    strcmp(cl[i].local_s, local) == 0)
					c = &cl[i];
			if (c == NULL) {
				error("mediasecd printed a leg the configuration does not have: %s",
				      line);
				continue;
			}
			c->printed = true;
			snprintf(who, sizeof(who), "leg %s/%s (%s)", c->l.sess, c->local_s, suite);
			if (strcmp(peer, c->peer_s) != 0)
				error("%s: peer %s, expected %s", who, peer, c->peer_s);
			int n = 0;

			snprintf(got[n].name, sizeof(got[n].name), "rx_pkts");
			got[n++].v = rx_p;
			snprintf(got[n].name, sizeof(got[n].name), "rx_bytes");
			got[n++].v = rx_b;
			snprintf(got[n].name, sizeof(got[n].name), "tx_pkts");
			got[n++].v = tx_p;
			snprintf(got[n].name, sizeof(got[n].name), "tx_bytes");
			got[n++].v = tx_b;
			n += tokens(line + off, got + n, 64 - n);
			compare(who, c->cnt, c->nb_cnt, got, n, lfixed);
		}
	}
	free(line);
	fclose(f);
	if (!at_exit) {
		error("mediasecd printed no \"counters at exit\"");
		return;
	}
	if (workers != 1)
		error("mediasecd printed %d worker lines, 1 expected", workers);
	for (int i = 0; i < nb_cl; i++)
		if (!cl[i].printed)
			error("mediasecd printed no counters for leg %s/%s", cl[i].l.sess,
			      cl[i].local_s);
}

static int
cmd_check(const char *dir, const char *out)
{
	char path[4096];
	int nb_out[NB_PORTS];
	uint64_t want = 0, got = 0, missing = 0, extra = 0;

	if (srtp_init() != srtp_err_status_ok)
		die("srtp_init");
	snprintf(path, sizeof(path), "%s/expect.txt", dir);
	expect_read(path);
	for (int i = 0; i < nb_cl; i++) {
		struct leg *l = &cl[i].l;

		if (l->suite >= 0 && l->nb_ssrc > 0) {
			const struct suite *su = &suites[l->suite];

			l->chk = session_create(l->suite, &l->send, l->ssrc, l->nb_ssrc, true,
						CHECK_WINDOW);
			if (l->send.mki_len > 0 && !su->aead && su->rtp_tag != su->rtcp_tag) {
				struct keys k = l->send;

				k.mki_len = 0;
				l->chk_rtcp = session_create(l->suite, &k, l->ssrc, l->nb_ssrc,
							     true, CHECK_WINDOW);
			}
		}
	}
	for (int p = 0; p < NB_PORTS; p++)
		nb_out[p] = check_pcap(p, dir);
	for (uint32_t i = 0; i < nb_ep; i++) {
		const struct exp_pkt *e = &ep[i];

		want += (uint64_t)e->count;
		got += (uint64_t)e->seen;
		if (e->seen == e->count)
			continue;
		if (e->seen < e->count)
			missing += (uint64_t)(e->count - e->seen);
		else
			extra += (uint64_t)(e->seen - e->count);
		error("packet %" PRIu32 " (%s toward leg %s/%s, plaintext SSRC %08" PRIx32
		      " seq %u): arrived %d times, expected %d",
		      i + 1, e->rtcp ? "RTCP" : "RTP", cl[e->out_leg].l.sess,
		      cl[e->out_leg].local_s, get32(e->plain + (e->rtcp ? 4 : 8)),
		      e->rtcp ? 0 : get16(e->plain + 2), e->seen, e->count);
	}
	for (int i = 0; i < nb_arps; i++)
		if (!arps[i].seen)
			error("no ARP reply on port %s", ports[arps[i].port].name);
	check_stdout(out);
	printf("pcap_tool check: %d + %d frames out; %" PRIu64 " of %" PRIu64
	       " expected media packets arrived (%" PRIu64 " missing, %" PRIu64
	       " extra); %u mismatches\n",
	       nb_out[0], nb_out[1], got, want, missing, extra, nb_errors);
	for (int i = 0; i < nb_cl; i++) {
		if (cl[i].l.chk != NULL)
			srtp_dealloc(cl[i].l.chk);
		if (cl[i].l.chk_rtcp != NULL)
			srtp_dealloc(cl[i].l.chk_rtcp);
	}
	for (uint32_t i = 0; i < nb_ep; i++)
		free(ep[i].plain);
	free(ep);
	srtp_shutdown();
	return nb_errors ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && argc <= 5 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argv[2], argv[3], argc == 5 ? argv[4] : "ipsec-mb");
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], argv[3]);
	fprintf(stderr, "usage: %s gen DIR FILE_PREFIX [ENGINE]\n"
			"       %s check DIR MEDIASECD_STDOUT\n",
		argv[0], argv[0]);
	return 2;
}
