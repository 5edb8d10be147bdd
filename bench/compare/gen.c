/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-compare-gen: the traffic generator of bench/compare for proxies
 * that sit behind kernel sockets (rtpengine, the libsrtp2 relay, mediasecd
 * on af_packet). One thread, pinned to one CPU, sends G.711 SRTP round-robin
 * over the calls of a calls file (calls.h) with sendmmsg at a paced rate, and
 * receives and checks what comes back with recvmmsg on one socket.
 *
 * The SRTP is made with mediasec's own ipsec-mb engine (the same code as
 * mediasec-bench forward), so the generator stays far cheaper per packet
 * than the proxies it measures; it prints its own busy share so every figure
 * says whether the generator was the limit.
 *
 * What call i's packet number n carries: RTP version 2, payload type 0
 * (PCMU), sequence number seq0(i) + n (it wraps: proxies must track the
 * rollover counter), timestamp advancing 160 per packet, the call's SSRC,
 * and 160 bytes of payload: a magic word, the call, n, the trial, the TSC
 * when it was sent, and 132 bytes that are a function of (call, n).
 *
 * A packet counts as delivered when it comes back intact within
 * --max-latency-ms of being sent (default 50 ms, what a jitter buffer
 * forgives): a proxy that cannot keep up queues packets in its socket
 * buffers and would otherwise pass a short trial by delivering them late.
 *
 * What it expects back, from the call's B address:
 *   --expect rtp   the same RTP packet, decrypted (SRTP->RTP proxies);
 *   --expect srtp  the SRTP packet exactly as sent (a trivial forwarder that
 *                  measures the generator's and the kernel's own ceiling).
 * A packet that fails a check is corrupted; an intact packet of another call
 * than the one whose B address sent it, or from an address of no call, is
 * misforwarded; both are counted apart from loss. A packet older than what
 * the generator remembers of its call (more than 64 packets behind the
 * call's newest, so no duplicate check; or, --expect srtp, its hash slot
 * already reused by a later packet) is too_old: not delivered, so counted
 * as lost, never as good.
 *
 * Control: it prints one JSON line when ready, then reads commands on stdin,
 * one per line, and answers each with one JSON line:
 *   trial RATE SECONDS   send at RATE packets/s for SECONDS, drain, report
 *   quit
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "calls.h"
#include "secmem.h"
#include "srtp.h"
#include "../unaligned.h"

#define RTP_HDR 12
#define PAYLOAD 160
#define SRTP_TAG 10
#define MAGIC 0x4d434d50u /* "MCMP" */
#define MAX_BURST 64
#define RX_BURST 64
#define POOL_SIZE 4095
#define RX_BUF 2048
#define RCVBUF_BYTES (16 << 20)
#define DRAIN_IDLE_MS 200
#define FILLER 132
#define LAT_BUCKETS (48 * 8) /* 8 per power of two of nanoseconds */

enum expect { EXPECT_RTP, EXPECT_SRTP };

struct call_tx {
	struct ms_srtp_stream *stream;
	struct ms_srtp_ctx *ctx;
	uint64_t count; /* packets built so far */
	uint16_t seq0;
	uint32_t ts0;
};

struct call_rx {
	uint64_t next;   /* one past the highest packet number received */
	uint64_t window; /* bit k: packet next - 1 - k received */
	uint64_t trial_first; /* the first packet number of the current trial */
};

struct counts {
	uint64_t sent, send_errors;
	uint64_t good, stale, duplicate, reordered, late, too_old;
	uint64_t corrupted, misforwarded, unknown_source, not_ours;
};

struct gen {
	struct mcmp_call *calls;
	unsigned nb_calls;
	struct call_tx *tx;
	struct call_rx *rx;
	int32_t *call_of_port;   /* B port -> call; -1: none */
	uint32_t *ssrc_slots;    /* open addressing: call + 1, 0 empty */
	uint32_t ssrc_mask;
	uint64_t *hashes;        /* --expect srtp: hash of each sent packet */
	uint64_t *sent_tsc;      /* --expect srtp: when it was sent (the payload is encrypted) */
	uint64_t *sent_n;        /* --expect srtp: the packet number that slot holds */
	uint32_t hash_slots;     /* per call, a power of two */
	enum expect expect;
	unsigned burst;
	int tx_fd, rx_fd;
	uint16_t tx_port, rx_port;
	uint64_t max_latency_cycles;
	uint32_t lat_hist[LAT_BUCKETS];
	int proxy_pid;
	int proxy_cpu;
	uint32_t trial;
	const struct ms_crypto_engine *engine;
	struct ms_crypto_lcore *lc;
	struct rte_mempool *pool;
	uint32_t next_call;
	/* built but not yet taken by the kernel: they go first, never dropped */
	struct rte_mbuf *pending[MAX_BURST];
	uint32_t pending_call[MAX_BURST];
	unsigned nb_pending, pending_head;
	struct counts c;
	uint64_t busy_cycles;
};

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The FILLER bytes of (call, n): cheap to make and to check. */
static inline void
filler(uint8_t *p, uint32_t call, uint64_t n)
{
	uint64_t x = mix64((uint64_t)call << 40 ^ n ^ 0x9e3779b97f4a7c15ull);

	for (unsigned k = 0; k < FILLER / 8; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		put64(p + 8 * k, x);
	}
	put32(p + FILLER - 4, (uint32_t)x);
}

static uint64_t
hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t k = 0; k + 8 <= n; k += 8)
		h = mix64(h ^ get64(p + k));
	for (size_t k = n & ~(size_t)7; k < n; k++)
		h = (h ^ p[k]) * 0x100000001b3ull;
	return h;
}

static void
write_rtp(const struct gen *g, uint8_t *p, uint32_t i, uint64_t n, uint64_t tsc)
{
	const struct call_tx *t = &g->tx[i];
	uint16_t seq = (uint16_t)(t->seq0 + n);
	uint32_t ts = (uint32_t)(t->ts0 + n * PAYLOAD);

	p[0] = 0x80;
	p[1] = 0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	put32(p + 4, htonl(ts));
	put32(p + 8, htonl(g->calls[i].ssrc));
	p += RTP_HDR;
	put32(p, MAGIC);
	put32(p + 4, i);
	put64(p + 8, n);
	put32(p + 16, g->trial);
	put64(p + 20, tsc);
	filler(p + 28, i, n);
}

static int
ssrc_call(const struct gen *g, uint32_t ssrc)
{
	for (uint32_t h = (uint32_t)mix64(ssrc) & g->ssrc_mask;; h = (h + 1) & g->ssrc_mask) {
		uint32_t v = g->ssrc_slots[h];

		if (v == 0)
			return -1;
		if (g->calls[v - 1].ssrc == ssrc)
			return (int)(v - 1);
	}
}

/* ---- set-up ---- */

static int
open_udp(const struct sockaddr_in *bind_to, bool rx)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1, size = RCVBUF_BYTES;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rx && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (!rx && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(fd, (const struct sockaddr *)bind_to, sizeof(*bind_to)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int
streams_create(struct gen *g)
{
	struct ms_srtp_ctx_cfg *cfg = ms_secmem_alloc(sizeof(*cfg));
	const struct ms_srtp_stream_cfg scfg = {.dir = MS_SRTP_PROTECT};
	int ret = 0;

	if (cfg == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < g->nb_calls && ret == 0; i++) {
		memset(cfg, 0, sizeof(*cfg));
		cfg->suite = MS_SUITE_AES_CM_128_HMAC_SHA1_80;
		cfg->nb_keys = 1;
		memcpy(cfg->keys[0].key, g->calls[i].key, MCMP_KEY_LEN);
		memcpy(cfg->keys[0].salt, g->calls[i].key + MCMP_KEY_LEN, MCMP_SALT_LEN);
		ret = g->engine->ctx_create(cfg, &g->tx[i].ctx);
		if (ret == 0)
			ret = g->engine->stream_create(&scfg, g->tx[i].ctx, &g->tx[i].stream);
		/*
		 * Sequence numbers start close to the wrap, so every proxy has
		 * to carry a rollover counter within the first few hundred packets
		 * of each call.
		 */
		g->tx[i].seq0 = (uint16_t)(65536 - 200 - (i * 7919u) % 400);
		g->tx[i].ts0 = (uint32_t)mix64(i);
	}
	ms_secmem_free(cfg);
	/* the streams hold what they need: the file's copy of the keys goes */
	for (unsigned i = 0; i < g->nb_calls; i++)
		mcmp_wipe(g->calls[i].key, sizeof(g->calls[i].key));
	return ret;
}

static int
gen_setup(struct gen *g)
{
	uint32_t slots = 1;

	g->tx = calloc(g->nb_calls, sizeof(*g->tx));
	g->rx = calloc(g->nb_calls, sizeof(*g->rx));
	g->call_of_port = malloc(65536 * sizeof(*g->call_of_port));
	while (slots < 2 * g->nb_calls)
		slots <<= 1;
	g->ssrc_slots = calloc(slots, sizeof(*g->ssrc_slots));
	g->ssrc_mask = slots - 1;
	if (g->tx == NULL || g->rx == NULL || g->call_of_port == NULL || g->ssrc_slots == NULL)
		return -ENOMEM;
	for (unsigned p = 0; p < 65536; p++)
		g->call_of_port[p] = -1;
	for (unsigned i = 0; i < g->nb_calls; i++) {
		uint16_t bp = ntohs(g->calls[i].b.sin_port);
		uint32_t h;

		if (g->call_of_port[bp] >= 0) {
			fprintf(stderr, "gen: calls %d and %u share B port %u\n", g->call_of_port[bp],
				i, bp);
			return -EINVAL;
		}
		g->call_of_port[bp] = (int32_t)i;
		if (ssrc_call(g, g->calls[i].ssrc) >= 0) {
			fprintf(stderr, "gen: two calls have SSRC %08x\n", g->calls[i].ssrc);
			return -EINVAL;
		}
		for (h = (uint32_t)mix64(g->calls[i].ssrc) & g->ssrc_mask; g->ssrc_slots[h];
		     h = (h + 1) & g->ssrc_mask)
			;
		g->ssrc_slots[h] = i + 1;
	}
	if (g->expect == EXPECT_SRTP) {
		/* enough history per call for what sockets can hold in flight */
		g->hash_slots = 256;
		while (g->hash_slots < 65536 && (uint64_t)g->hash_slots * 2 * g->nb_calls <= 1u << 21)
			g->hash_slots <<= 1;
		g->hashes = calloc((size_t)g->hash_slots * g->nb_calls, sizeof(*g->hashes));
		g->sent_tsc = calloc((size_t)g->hash_slots * g->nb_calls, sizeof(*g->sent_tsc));
		g->sent_n = calloc((size_t)g->hash_slots * g->nb_calls, sizeof(*g->sent_n));
		if (g->hashes == NULL || g->sent_tsc == NULL || g->sent_n == NULL)
			return -ENOMEM;
	}
	g->engine = ms_crypto_engine_find("ipsec-mb");
	if (g->engine == NULL || ms_crypto_engine_init(g->engine) < 0) {
		fprintf(stderr, "gen: mediasec's ipsec-mb engine cannot run here\n");
		return -ENOTSUP;
	}
	if (g->engine->lcore_create((int)rte_socket_id(), &g->lc) < 0)
		return -ENOMEM;
	g->pool = rte_pktmbuf_pool_create("mcmp_gen", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (g->pool == NULL) {
		fprintf(stderr, "gen: no mbuf pool: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return streams_create(g);
}

/* ---- sending ---- */

/* Builds n packets into the pending queue (empty when called); false if no mbufs. */
static bool
build_burst(struct gen *g, unsigned n)
{
	struct ms_srtp_stream *st[MAX_BURST];
	uint64_t pn[MAX_BURST];
	uint8_t res[MAX_BURST];
	struct rte_mbuf **m = g->pending;
	uint64_t tsc = rte_rdtsc();
	unsigned ok = 0;

	if (rte_pktmbuf_alloc_bulk(g->pool, m, n) != 0)
		return false;
	for (unsigned k = 0; k < n; k++) {
		uint32_t i = g->next_call;

		g->next_call = i + 1 == g->nb_calls ? 0 : i + 1;
		g->pending_call[k] = i;
		st[k] = g->tx[i].stream;
		pn[k] = g->tx[i].count++;
		m[k]->data_len = RTP_HDR + PAYLOAD;
		m[k]->pkt_len = m[k]->data_len;
		write_rtp(g, rte_pktmbuf_mtod(m[k], uint8_t *), i, pn[k], tsc);
	}
	g->engine->rtp_protect(g->lc, m, st, (uint16_t)n, res);
	for (unsigned k = 0; k < n; k++) {
		uint32_t i = g->pending_call[k];

		if (res[k] != MS_SRTP_OK) {
			/* cannot happen with fresh keys and sequence numbers */
			g->c.send_errors++;
			rte_pktmbuf_free(m[k]);
			continue;
		}
		if (g->hashes != NULL) {
			size_t slot = (size_t)i * g->hash_slots + (pn[k] & (g->hash_slots - 1));

			g->hashes[slot] =
				hash_bytes(rte_pktmbuf_mtod(m[k], const uint8_t *), m[k]->data_len);
			g->sent_tsc[slot] = tsc;
			g->sent_n[slot] = pn[k];
		}
		m[ok] = m[k];
		g->pending_call[ok++] = i;
	}
	g->nb_pending = ok;
	g->pending_head = 0;
	return true;
}

/* Hands the pending packets to the kernel; returns how many it took. */
static unsigned
send_pending(struct gen *g)
{
	struct mmsghdr msg[MAX_BURST];
	struct iovec iov[MAX_BURST];
	unsigned n = g->nb_pending - g->pending_head;
	int sent;

	for (unsigned k = 0; k < n; k++) {
		struct rte_mbuf *m = g->pending[g->pending_head + k];

		iov[k].iov_base = rte_pktmbuf_mtod(m, void *);
		iov[k].iov_len = m->data_len;
		memset(&msg[k].msg_hdr, 0, sizeof(msg[k].msg_hdr));
		msg[k].msg_hdr.msg_name = &g->calls[g->pending_call[g->pending_head + k]].a;
		msg[k].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(g->tx_fd, msg, n, MSG_DONTWAIT);
	if (sent < 0) {
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
			return 0;
		/* the first packet cannot go at all: count it and move on */
		g->c.send_errors++;
		sent = 1;
	} else {
		g->c.sent += (unsigned)sent;
	}
	for (int k = 0; k < sent; k++)
		rte_pktmbuf_free(g->pending[g->pending_head + k]);
	g->pending_head += (unsigned)sent;
	if (g->pending_head == g->nb_pending)
		g->nb_pending = g->pending_head = 0;
	return (unsigned)sent;
}

/* ---- receiving and checking ---- */

static void
latency_add(struct gen *g, uint64_t cycles)
{
	double ns = (double)cycles * 1e9 / (double)rte_get_tsc_hz();
	unsigned b = ns < 1 ? 0 : (unsigned)(log2(ns) * 8);

	g->lat_hist[b < LAT_BUCKETS ? b : LAT_BUCKETS - 1]++;
}

static double
latency_pct(const struct gen *g, double pct)
{
	uint64_t total = 0, acc = 0;

	for (unsigned b = 0; b < LAT_BUCKETS; b++)
		total += g->lat_hist[b];
	if (total == 0)
		return 0;
	for (unsigned b = 0; b < LAT_BUCKETS; b++) {
		acc += g->lat_hist[b];
		if ((double)acc >= pct / 100.0 * (double)total)
			return exp2((b + 1) / 8.0) / 1000.0; /* the bucket's upper edge, us */
	}
	return 0;
}

/*
 * Bookkeeping of a packet found intact, sent at sent_tsc: good, late,
 * duplicate or stale.
 */
static void
account(struct gen *g, uint32_t i, uint64_t n, uint64_t sent_tsc)
{
	struct call_rx *r = &g->rx[i];
	uint64_t now = rte_rdtsc();

	if (n < r->trial_first) {
		g->c.stale++;
		return;
	}
	if (now - sent_tsc > g->max_latency_cycles) {
		g->c.late++;
		return;
	}
	latency_add(g, now - sent_tsc);
	if (n >= r->next) {
		uint64_t shift = n - r->next + 1;

		r->window = shift >= 64 ? 0 : r->window << shift;
		r->window |= 1;
		r->next = n + 1;
		g->c.good++;
		return;
	}
	uint64_t back = r->next - 1 - n;

	if (back >= 64) {
		/* older than the window: a duplicate cannot be told, so not delivered */
		g->c.too_old++;
		return;
	}
	if (r->window & (1ull << back)) {
		g->c.duplicate++;
		return;
	}
	r->window |= 1ull << back;
	g->c.reordered++;
	g->c.good++;
}

static void
check_rtp(struct gen *g, int src_call, const uint8_t *p, size_t len)
{
	const uint8_t *pl = p + RTP_HDR;
	uint8_t want[FILLER];
	uint32_t j;
	uint64_t n;

	if (len != RTP_HDR + PAYLOAD || get32(pl) != MAGIC) {
		g->c.corrupted++;
		return;
	}
	j = get32(pl + 4);
	if (j >= g->nb_calls) {
		g->c.corrupted++;
		return;
	}
	n = get64(pl + 8);
	filler(want, j, n);
	if (p[0] != 0x80 || (p[1] & 0x7f) != 0 || get32(p + 8) != htonl(g->calls[j].ssrc) ||
	    (uint16_t)(p[2] << 8 | p[3]) != (uint16_t)(g->tx[j].seq0 + n) || n >= g->tx[j].count ||
	    memcmp(pl + 28, want, sizeof(want)) != 0) {
		g->c.corrupted++;
		return;
	}
	if ((uint32_t)src_call != j) {
		g->c.misforwarded++;
		return;
	}
	account(g, j, n, get64(pl + 20));
}

static void
check_srtp(struct gen *g, int src_call, const uint8_t *p, size_t len)
{
	int j;
	uint16_t seq;
	uint32_t d;
	uint64_t n, back;
	const struct call_tx *t;

	if (len != RTP_HDR + PAYLOAD + SRTP_TAG || p[0] != 0x80) {
		g->c.corrupted++;
		return;
	}
	j = ssrc_call(g, ntohl(get32(p + 8)));
	if (j < 0) {
		g->c.corrupted++;
		return;
	}
	t = &g->tx[j];
	/*
	 * The packet number from the RTP timestamp, which SRTP leaves in clear:
	 * ts0 + 160 n (mod 2^32) gives n modulo 2^27 (160 = 32 * 5; 80530637 is
	 * 1/5 modulo 2^27). The most recent packet number with that residue.
	 */
	d = ntohl(get32(p + 4)) - t->ts0;
	if (t->count == 0 || d % 32 != 0) {
		g->c.corrupted++;
		return;
	}
	back = (t->count - 1 - (uint64_t)(d / 32) * 80530637u) & ((1u << 27) - 1);
	if (back >= t->count) {
		g->c.corrupted++;
		return;
	}
	n = t->count - 1 - back;
	seq = (uint16_t)(p[2] << 8 | p[3]);
	if (seq != (uint16_t)(t->seq0 + n)) {
		g->c.corrupted++;
		return;
	}
	size_t slot = (size_t)j * g->hash_slots + (n & (g->hash_slots - 1));
	if (g->sent_n[slot] != n) {
		/* a later packet has its slot: older than the history kept, cannot be checked */
		g->c.too_old++;
		return;
	}
	if (g->hashes[slot] != hash_bytes(p, len)) {
		g->c.corrupted++;
		return;
	}
	if (src_call != j) {
		g->c.misforwarded++;
		return;
	}
	account(g, (uint32_t)j, n, g->sent_tsc[slot]);
}

/* Reads what is there (up to a few bursts); returns packets read. */
static unsigned
receive(struct gen *g)
{
	static uint8_t bufs[RX_BURST][RX_BUF];
	struct mmsghdr msg[RX_BURST];
	struct iovec iov[RX_BURST];
	struct sockaddr_in from[RX_BURST];
	unsigned total = 0;

	for (unsigned round = 0; round < 4; round++) {
		int got;

		for (unsigned k = 0; k < RX_BURST; k++) {
			iov[k].iov_base = bufs[k];
			iov[k].iov_len = RX_BUF;
			memset(&msg[k].msg_hdr, 0, sizeof(msg[k].msg_hdr));
			msg[k].msg_hdr.msg_name = &from[k];
			msg[k].msg_hdr.msg_namelen = sizeof(from[k]);
			msg[k].msg_hdr.msg_iov = &iov[k];
			msg[k].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(g->rx_fd, msg, RX_BURST, MSG_DONTWAIT, NULL);
		if (got <= 0)
			break;
		for (int k = 0; k < got; k++) {
			const struct sockaddr_in *sa = &from[k];
			int src_call = -1;
			size_t len = msg[k].msg_len;

			if (msg[k].msg_hdr.msg_namelen == sizeof(*sa) && sa->sin_family == AF_INET) {
				src_call = g->call_of_port[ntohs(sa->sin_port)];
				if (src_call >= 0 &&
				    g->calls[src_call].b.sin_addr.s_addr != sa->sin_addr.s_addr)
					src_call = -1;
			}
			if (src_call < 0) {
				g->c.unknown_source++;
				continue;
			}
			if (msg[k].msg_hdr.msg_flags & MSG_TRUNC) {
				g->c.corrupted++;
				continue;
			}
			if (g->expect == EXPECT_RTP)
				check_rtp(g, src_call, bufs[k], len);
			else
				check_srtp(g, src_call, bufs[k], len);
		}
		total += (unsigned)got;
		if (got < RX_BURST)
			break;
	}
	return total;
}

/* ---- what the kernel and the proxy say ---- */

/* Sum of the drops column of /proc/net/udp: (our receive socket, all the others). */
static void
udp_drops(const struct gen *g, uint64_t *ours, uint64_t *others)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512];

	*ours = *others = 0;
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		/* sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ref pointer drops */
		char *tok[13], *save = NULL, *p = line;
		unsigned nt = 0, port;
		unsigned long long drops;

		while (nt < 13 && (tok[nt] = strtok_r(p, " \t\n", &save)) != NULL) {
			p = NULL;
			nt++;
		}
		if (nt < 13 || sscanf(tok[1], "%*x:%x", &port) != 1)
			continue;
		drops = strtoull(tok[12], NULL, 10);
		if (port == g->rx_port)
			*ours += drops;
		else if (port != g->tx_port)
			*others += drops;
	}
	fclose(f);
}

/* CPU time of every thread of pid, in seconds (schedstat: nanoseconds on a CPU). */
static double
proc_cpu_s(int pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	double sum = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char p[300];
		unsigned long long ns;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", pid, e->d_name);
		f = fopen(p, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += (double)ns * 1e-9;
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* Busy time of one CPU from /proc/stat (all but idle, iowait and steal), in seconds. */
static double
cpu_busy_s(int cpu)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512], name[16];
	double s = -1;

	if (f == NULL || cpu < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long v[8] = {0};

		if (strncmp(line, name, strlen(name)) != 0)
			continue;
		if (sscanf(line + strlen(name), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 7)
			s = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / (double)sysconf(_SC_CLK_TCK);
		break;
	}
	fclose(f);
	return s;
}

/* RcvbufErrors of /proc/net/snmp (this namespace): datagrams a full socket buffer refused. */
static uint64_t
udp_rcvbuf_errors(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	char names[1024], values[1024];
	uint64_t v = 0;

	if (f == NULL)
		return 0;
	while (fgets(names, sizeof(names), f) != NULL && fgets(values, sizeof(values), f) != NULL) {
		char *ns = NULL, *vs = NULL, *n, *x;

		if (strncmp(names, "Udp:", 4) != 0)
			continue;
		n = strtok_r(names, " \n", &ns);
		x = strtok_r(values, " \n", &vs);
		while (n != NULL && x != NULL) {
			if (strcmp(n, "RcvbufErrors") == 0)
				v = strtoull(x, NULL, 10);
			n = strtok_r(NULL, " \n", &ns);
			x = strtok_r(NULL, " \n", &vs);
		}
		break;
	}
	fclose(f);
	return v;
}

/* ---- one trial ---- */

static void
trial(struct gen *g, double rate, double seconds)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t drop_ours0, drop_others0, drop_ours1, drop_others1, rcvbuf0, rcvbuf1;
	double pcpu0, pcpu1, cpu0, cpu1;
	uint64_t start, end_send, now, last_rx, due, cyc_per_pkt, drain_max;
	uint64_t built = 0, requested;
	struct counts c0;

	g->trial++;
	for (unsigned i = 0; i < g->nb_calls; i++)
		g->rx[i].trial_first = g->tx[i].count;
	/* what is still in the sockets is an earlier trial's */
	memset(&g->c, 0, sizeof(g->c));
	while (receive(g) > 0)
		;
	c0 = g->c;
	memset(&g->c, 0, sizeof(g->c));
	memset(g->lat_hist, 0, sizeof(g->lat_hist));
	g->busy_cycles = 0;
	udp_drops(g, &drop_ours0, &drop_others0);
	rcvbuf0 = udp_rcvbuf_errors();
	pcpu0 = proc_cpu_s(g->proxy_pid);
	cpu0 = cpu_busy_s(g->proxy_cpu);

	requested = (uint64_t)(rate * seconds + 0.5);
	cyc_per_pkt = (uint64_t)((double)hz / rate);
	start = rte_rdtsc();
	end_send = start + (uint64_t)(seconds * (double)hz);
	now = start;
	while (built < requested || g->nb_pending) {
		uint64_t t0 = now;
		bool work = false;

		due = (now - start) / cyc_per_pkt + 1;
		if (due > requested)
			due = requested;
		if (g->nb_pending == 0 && built < due &&
		    (due - built >= g->burst || due == requested)) {
			unsigned n = (unsigned)RTE_MIN((uint64_t)g->burst, due - built);

			if (build_burst(g, n)) {
				built += n;
				work = true;
			}
		}
		if (g->nb_pending)
			work |= send_pending(g) > 0;
		work |= receive(g) > 0;
		now = rte_rdtsc();
		if (work)
			g->busy_cycles += now - t0;
	}
	double send_s = (double)(now - start) / (double)hz;

	end_send = now;
	/*
	 * Drain: until every packet is back, or nothing came for a while, or
	 * the latency bound has passed (what comes later is late anyway).
	 */
	last_rx = now;
	drain_max = g->max_latency_cycles + (uint64_t)DRAIN_IDLE_MS * hz / 1000;
	while (g->c.good + g->c.late + g->c.corrupted + g->c.misforwarded < g->c.sent &&
	       now - last_rx < (uint64_t)DRAIN_IDLE_MS * hz / 1000 && now - end_send < drain_max) {
		uint64_t t0 = now;

		if (receive(g) > 0) {
			last_rx = rte_rdtsc();
			g->busy_cycles += last_rx - t0;
		}
		now = rte_rdtsc();
	}
	pcpu1 = proc_cpu_s(g->proxy_pid);
	cpu1 = cpu_busy_s(g->proxy_cpu);
	udp_drops(g, &drop_ours1, &drop_others1);
	rcvbuf1 = udp_rcvbuf_errors();

	double window_s = (double)(now - start) / (double)hz;
	uint64_t lost = g->c.sent > g->c.good ? g->c.sent - g->c.good : 0;

	printf("{\"trial\": %u, \"rate_pps\": %.1f, \"seconds\": %.3f, \"send_seconds\": %.4f, "
	       "\"window_seconds\": %.4f, \"offered_pps\": %.1f, \"sent\": %" PRIu64
	       ", \"send_errors\": %" PRIu64 ", \"good\": %" PRIu64 ", \"lost\": %" PRIu64
	       ", \"loss_pct\": %.5f, \"late\": %" PRIu64 ", \"corrupted\": %" PRIu64
	       ", \"misforwarded\": %" PRIu64 ", \"unknown_source\": %" PRIu64
	       ", \"stale\": %" PRIu64 ", \"before_trial\": %" PRIu64 ", \"duplicate\": %" PRIu64
	       ", \"reordered\": %" PRIu64 ", \"too_old\": %" PRIu64 ", \"latency_p50_us\": %.1f, \"latency_p99_us\": %.1f, "
	       "\"gen_busy\": %.4f, \"gen_rx_drops\": %" PRIu64 ", \"other_udp_drops\": %" PRIu64
	       ", \"udp_rcvbuf_errors\": %" PRIu64 ", \"proxy_cpu_s\": %.6f, "
	       "\"proxy_core_busy_s\": %.4f}\n",
	       g->trial, rate, seconds, send_s, window_s, (double)g->c.sent / send_s, g->c.sent,
	       g->c.send_errors, g->c.good, lost,
	       g->c.sent ? 100.0 * (double)lost / (double)g->c.sent : 0.0, g->c.late,
	       g->c.corrupted, g->c.misforwarded, g->c.unknown_source, g->c.stale,
	       c0.good + c0.stale + c0.late + c0.corrupted + c0.misforwarded + c0.unknown_source,
	       g->c.duplicate, g->c.reordered, g->c.too_old, latency_pct(g, 50), latency_pct(g, 99),
	       (double)g->busy_cycles / (double)(now - start), drop_ours1 - drop_ours0,
	       drop_others1 - drop_others0, rcvbuf1 - rcvbuf0,
	       g->proxy_pid > 0 && pcpu0 >= 0 && pcpu1 >= 0 ? pcpu1 - pcpu0 : -1.0,
	       cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1.0);
	fflush(stdout);
}

/* ---- main ---- */

static void
usage(void)
{
	fprintf(stderr,
		"usage: mediasec-compare-gen --calls FILE --tx IP:PORT --rx IP:PORT [options]\n"
		"  --calls FILE      calls (bench/compare/calls.h); holds keys: mode 0600\n"
		"  --tx IP:PORT      where the generator sends from\n"
		"  --rx IP:PORT      where the proxy sends the calls' packets to\n"
		"  --expect rtp|srtp decrypted RTP back (default), or the SRTP as sent (a loop)\n"
		"  --cpu N           the generator's CPU (default 0)\n"
		"  --burst N         packets per sendmmsg (default 32)\n"
		"  --proxy-pid PID   report this process's CPU time per trial\n"
		"  --proxy-cpu N     report this CPU's busy time per trial\n"
		"  --max-latency-ms X  a packet back later than this counts as late, not\n"
		"                    delivered (default 50)\n"
		"then commands on stdin: 'trial RATE SECONDS', 'quit'\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"calls", required_argument, NULL, 'c'},   {"tx", required_argument, NULL, 't'},
		{"rx", required_argument, NULL, 'r'},      {"expect", required_argument, NULL, 'e'},
		{"cpu", required_argument, NULL, 'C'},     {"burst", required_argument, NULL, 'b'},
		{"proxy-pid", required_argument, NULL, 'p'}, {"proxy-cpu", required_argument, NULL, 'P'},
		{"max-latency-ms", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	struct gen g = {.burst = 32, .proxy_cpu = -1, .expect = EXPECT_RTP};
	struct sockaddr_in tx_addr, rx_addr;
	const char *calls_path = NULL;
	unsigned cpu = 0;
	double max_latency_ms = 50;
	bool have_tx = false, have_rx = false;
	char cpu_arg[16], prefix[48], line[128];
	int opt, n;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			calls_path = optarg;
			break;
		case 't':
			have_tx = mcmp_parse_addr(optarg, &tx_addr) == 0;
			break;
		case 'r':
			have_rx = mcmp_parse_addr(optarg, &rx_addr) == 0;
			break;
		case 'e':
			if (strcmp(optarg, "rtp") == 0)
				g.expect = EXPECT_RTP;
			else if (strcmp(optarg, "srtp") == 0)
				g.expect = EXPECT_SRTP;
			else {
				usage();
				return 2;
			}
			break;
		case 'C':
			cpu = (unsigned)atoi(optarg);
			break;
		case 'b':
			g.burst = (unsigned)atoi(optarg);
			break;
		case 'p':
			g.proxy_pid = atoi(optarg);
			break;
		case 'P':
			g.proxy_cpu = atoi(optarg);
			break;
		case 'L':
			max_latency_ms = atof(optarg);
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (calls_path == NULL || !have_tx || !have_rx || g.burst == 0 || g.burst > MAX_BURST ||
	    !(max_latency_ms > 0 && max_latency_ms <= 10000)) {
		usage();
		return 2;
	}

	/* EAL only for mbufs and the engine's memory: no device, no hugepage, one lcore */
	snprintf(cpu_arg, sizeof(cpu_arg), "%u", cpu);
	snprintf(prefix, sizeof(prefix), "--file-prefix=mcmp-gen-%d", (int)getpid());
	char *eal[] = {argv[0], "-l", cpu_arg, "--no-huge", "-m", "64", "--no-pci",
		       "--no-telemetry", "--no-shconf", "--log-level=lib.eal:error", prefix, NULL};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "gen: cannot initialise EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}

	g.max_latency_cycles = (uint64_t)(max_latency_ms * 1e-3 * (double)rte_get_tsc_hz());
	n = mcmp_calls_read(calls_path, &g.calls);
	if (n < 0)
		return 1;
	g.nb_calls = (unsigned)n;
	if (gen_setup(&g) < 0) {
		fprintf(stderr, "gen: set-up failed\n");
		return 1;
	}
	g.tx_fd = open_udp(&tx_addr, false);
	g.rx_fd = open_udp(&rx_addr, true);
	if (g.tx_fd < 0 || g.rx_fd < 0) {
		fprintf(stderr, "gen: cannot bind its sockets: %s\n",
			strerror(-(g.tx_fd < 0 ? g.tx_fd : g.rx_fd)));
		return 1;
	}
	g.tx_port = ntohs(tx_addr.sin_port);
	g.rx_port = ntohs(rx_addr.sin_port);

	printf("{\"ready\": true, \"calls\": %u, \"tsc_hz\": %" PRIu64 ", \"cpu\": %u}\n",
	       g.nb_calls, rte_get_tsc_hz(), cpu);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		double rate, seconds;

		if (strncmp(line, "quit", 4) == 0)
			break;
		if (sscanf(line, "trial %lf %lf", &rate, &seconds) == 2 && rate >= 1 &&
		    rate <= 1e8 && seconds > 0 && seconds <= 600) {
			trial(&g, rate, seconds);
			continue;
		}
		printf("{\"error\": \"unknown command\"}\n");
		fflush(stdout);
	}
	close(g.tx_fd);
	close(g.rx_fd);
	for (unsigned i = 0; i < g.nb_calls; i++) {
		if (g.tx[i].stream)
			g.engine->stream_free(g.tx[i].stream);
		if (g.tx[i].ctx)
			g.engine->ctx_free(g.tx[i].ctx);
	}
	mcmp_calls_free(g.calls, g.nb_calls);
	rte_eal_cleanup();
	return 0;
}
