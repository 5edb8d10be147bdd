/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator of mediasec-bench forward: one lcore that sends G.711 streams
 * round-robin over the legs at a paced rate, and receives and checks what
 * comes back.
 *
 * What it sends on leg A of session i: RTP version 2, payload type 0, a
 * sequence number and timestamp that advance by one packet (160 samples) per
 * packet, an SSRC of the session, and 160 bytes of payload: a magic word with
 * the trial number, the session number, the packet's 64-bit count on its leg,
 * the TSC when it was built, and 136 bytes that are a function of session and
 * count. SRTP legs are protected on the fly with mediasec's own engine, so
 * sequence numbers stay valid however long it runs.
 *
 * What it expects out of leg B: the same RTP packet (SRTP-unprotected first
 * when leg B is SRTP), with addresses of leg B. Every field is checked;
 * failures count as corrupted (bad authentication, header or content) or
 * misforwarded (to no leg, or carrying another leg's packet), apart from
 * loss.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bench.h"
#include "forward.h"
#include "secmem.h"
#include "unaligned.h"

#define MAGIC 0x4d53u /* "MS", then the trial number */
#define POOL_SIZE 16383
#define RX_BURST 64
#define NB_DESC 1024

struct leg_tx {
	struct ms_srtp_stream *stream; /* protect; NULL: plain RTP */
	struct ms_srtp_ctx *ctx;
	uint64_t count; /* packets built on this leg so far */
};

struct leg_rx {
	struct ms_srtp_stream *stream; /* unprotect; NULL: plain RTP */
	struct ms_srtp_ctx *ctx;
	uint64_t next;   /* one past the highest count received */
	uint64_t window; /* bit k: count next - 1 - k was received */
};

struct fwd_gen {
	struct fwd_gen_conf c;
	const struct ms_crypto_engine *engine;
	struct ms_crypto_lcore *lc;
	struct rte_mempool *pool;
	enum fwd_mode mode;
	bool loop;
	bool srtp_tx, srtp_rx;
	uint8_t tag_len;
	uint32_t nb_legs, next_leg;
	uint64_t range; /* legs sent on: first << 32 | count (fwd_gen_send_range) */
	struct leg_tx *tx;
	struct leg_rx *rx;
	uint16_t trial;
	struct fwd_trial *t; /* the trial running */
	/*
	 * Built, not yet taken by the port: one list per transmit queue, as a
	 * NIC's RSS would spread the legs (memif has no RSS: the generator does
	 * it, leg i on queue i % nb_queues).
	 */
	struct {
		struct rte_mbuf *m[FWD_MAX_BURST];
		unsigned n, head;
	} pend[FWD_MAX_QUEUES];
	unsigned nb_pending; /* in all the lists */
	uint16_t nb_queues;
	/* what a received packet must look like */
	enum fwd_side rx_side;
	bool rx_dst_peer;
	uint16_t rx_udp_len;
};

static const struct fwd_mode_info modes[FWD_MODE_COUNT] = {
	[FWD_SRTP_RTP] = {"srtp-rtp", "SRTP->RTP", true, false},
	[FWD_RTP_SRTP] = {"rtp-srtp", "RTP->SRTP", false, true},
	[FWD_SRTP_SRTP] = {"srtp-srtp", "SRTP->SRTP", true, true},
	[FWD_RTP_RTP] = {"rtp-rtp", "RTP->RTP", false, false},
};

const struct fwd_mode_info *
fwd_mode_info(enum fwd_mode m)
{
	return &modes[m];
}

int
fwd_mode_from_name(const char *name)
{
	for (unsigned i = 0; i < FWD_MODE_COUNT; i++)
		if (strcmp(name, modes[i].name) == 0)
			return (int)i;
	return -ENOENT;
}

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
fwd_session_key(enum ms_srtp_suite suite, uint32_t session, unsigned k, uint8_t *key,
		uint8_t *salt)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(suite);
	/* a seed of its own per session and direction: streams never overlap */
	uint64_t state = mix64(((uint64_t)session << 2 | k) + 0x6d65646961736563ull) << 20;

	for (unsigned i = 0; i < si->master_key_len; i++)
		key[i] = (uint8_t)mix64(state += 0x9e3779b97f4a7c15ull);
	for (unsigned i = 0; i < si->master_salt_len; i++)
		salt[i] = (uint8_t)mix64(state += 0x9e3779b97f4a7c15ull);
}

/* The RTP identity of a session's stream: SSRC, first sequence number and timestamp. */
static inline uint32_t
leg_ssrc(uint32_t session)
{
	return (uint32_t)mix64(session + 1);
}

static inline uint16_t
leg_seq0(uint32_t session)
{
	return (uint16_t)(mix64(session + 1) >> 32);
}

uint16_t
fwd_gen_seq0(uint32_t session)
{
	return leg_seq0(session);
}

static inline uint32_t
leg_ts0(uint32_t session)
{
	return (uint32_t)(mix64(session + 1) >> 16);
}

static inline uint64_t
word_of(uint32_t session, uint64_t count, unsigned k)
{
	return (((uint64_t)session << 40 ^ count) + k) * 0x9e3779b97f4a7c15ull;
}

static void
legs_free(struct fwd_gen *g)
{
	for (uint32_t i = 0; i < g->nb_legs; i++) {
		if (g->tx[i].stream)
			g->engine->stream_free(g->tx[i].stream);
		if (g->tx[i].ctx)
			g->engine->ctx_free(g->tx[i].ctx);
		if (g->rx[i].stream)
			g->engine->stream_free(g->rx[i].stream);
		if (g->rx[i].ctx)
			g->engine->ctx_free(g->rx[i].ctx);
	}
	free(g->tx);
	free(g->rx);
	g->tx = NULL;
	g->rx = NULL;
	g->nb_legs = 0;
}

static int
stream_make(struct fwd_gen *g, uint32_t session, unsigned k, enum ms_srtp_dir dir,
	    struct ms_srtp_ctx_cfg *cfg, struct ms_srtp_ctx **ctx, struct ms_srtp_stream **stream)
{
	const struct ms_srtp_stream_cfg scfg = {
		.dir = dir,
		.replay_window = (uint16_t)g->c.setup->replay_window,
	};
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->suite = g->c.setup->suite;
	cfg->nb_keys = 1;
	fwd_session_key(cfg->suite, session, k, cfg->keys[0].key, cfg->keys[0].salt);
	ret = g->engine->ctx_create(cfg, ctx);
	if (ret == 0)
		ret = g->engine->stream_create(&scfg, *ctx, stream);
	return ret;
}

int
fwd_gen_legs(struct fwd_gen *g, enum fwd_mode mode, uint32_t n, bool loop)
{
	const struct fwd_mode_info *mi = fwd_mode_info(mode);
	struct ms_srtp_ctx_cfg *cfg = ms_secmem_alloc(sizeof(*cfg));
	int ret = 0;

	legs_free(g);
	if (cfg == NULL)
		return -ENOMEM;
	g->tx = calloc(n, sizeof(*g->tx));
	g->rx = calloc(n, sizeof(*g->rx));
	if (g->tx == NULL || g->rx == NULL) {
		ms_secmem_free(cfg);
		return -ENOMEM;
	}
	g->nb_legs = n;
	g->next_leg = 0;
	__atomic_store_n(&g->range, (uint64_t)n, __ATOMIC_RELAXED);
	g->mode = mode;
	g->loop = loop;
	g->srtp_tx = mi->srtp_in;
	/* a loop returns what was sent: SRTP comes back under leg A's key */
	g->srtp_rx = loop ? mi->srtp_in : mi->srtp_out;
	g->tag_len = ms_srtp_suite_info(g->c.setup->suite)->rtp_tag_len;
	g->rx_side = loop ? FWD_A : FWD_B;
	g->rx_dst_peer = !loop;
	g->rx_udp_len = (uint16_t)(8 + FWD_RTP_HDR + FWD_PAYLOAD + (g->srtp_rx ? g->tag_len : 0));
	/* all outbound state first, then all inbound (as the crypto benchmark) */
	for (uint32_t i = 0; i < n && ret == 0 && g->srtp_tx; i++)
		ret = stream_make(g, i, 0, MS_SRTP_PROTECT, cfg, &g->tx[i].ctx, &g->tx[i].stream);
	for (uint32_t i = 0; i < n && ret == 0 && g->srtp_rx; i++)
		ret = stream_make(g, i, loop ? 0 : 3, MS_SRTP_UNPROTECT, cfg, &g->rx[i].ctx,
				  &g->rx[i].stream);
	ms_secmem_free(cfg);
	if (ret < 0)
		legs_free(g);
	return ret;
}

void
fwd_gen_send_range(struct fwd_gen *g, uint32_t first, uint32_t n)
{
	if (n == 0 || first >= g->nb_legs)
		return;
	n = RTE_MIN(n, g->nb_legs - first);
	__atomic_store_n(&g->range, (uint64_t)first << 32 | n, __ATOMIC_RELAXED);
}

void
fwd_gen_pacing(struct fwd_gen *g, unsigned burst, unsigned idle_sleep_us)
{
	g->c.burst = burst == 0 ? 1 : burst > FWD_MAX_BURST ? FWD_MAX_BURST : burst;
	g->c.idle_sleep_us = idle_sleep_us;
}

static void
mac_str(const struct rte_ether_addr *m, char *s, size_t n)
{
	snprintf(s, n, RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(m));
}

bool
fwd_eal_init(const struct fwd_setup *s, unsigned gen_cpu, unsigned need_mb, unsigned nohuge_mb,
	     int extra_argc, char **extra_argv)
{
	static char lcore[16], prefix[80], vdev[2][256], mem[16];
	char *args[48], mac[24];
	bool huge = bench_hugepages_free_mb() >= need_mb;
	int n = 0;

	snprintf(lcore, sizeof(lcore), "%u", gen_cpu);
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s-gen", s->prefix);
	args[n++] = "mediasec-bench";
	args[n++] = "-l";
	args[n++] = lcore;
	args[n++] = "--no-pci";
	args[n++] = prefix;
	args[n++] = "--no-telemetry";
	args[n++] = "--log-level=lib.eal:error";
	args[n++] = "--log-level=pmd.net.memif:error";
	args[n++] = "--log-level=pmd.net.vhost:error";
	args[n++] = "--log-level=lib.vhost.config:error";
	args[n++] = "--log-level=mediasec.*:warning";
	if (huge) {
		args[n++] = "--in-memory";
	} else {
		snprintf(mem, sizeof(mem), "%u", nohuge_mb);
		args[n++] = "--no-huge";
		args[n++] = "-m";
		args[n++] = mem;
	}
	for (unsigned p = 0; p < 2; p++) {
		mac_str(&s->gen_mac[p], mac, sizeof(mac));
		if (s->transport == FWD_MEMIF)
			snprintf(vdev[p], sizeof(vdev[p]),
				 "--vdev=net_memif_%c,role=server,socket=%s/%c.sock,socket-abstract=no,"
				 "id=0,mac=%s",
				 'a' + p, s->dir, 'a' + p, mac);
		else
			snprintf(vdev[p], sizeof(vdev[p]), "--vdev=net_vhost_%c,iface=%s/%c.sock,queues=1",
				 'a' + p, s->dir, 'a' + p);
		args[n++] = vdev[p];
	}
	for (int i = 0; i < extra_argc && n < 47; i++)
		args[n++] = extra_argv[i];
	args[n] = NULL;
	if (rte_eal_init(n, args) < 0) {
		fprintf(stderr, "mediasec-bench: cannot initialise EAL\n");
		exit(1);
	}
	return huge;
}

int
fwd_gen_create(const struct fwd_gen_conf *c, struct fwd_gen **gp)
{
	struct fwd_gen *g = calloc(1, sizeof(*g));
	int ret;

	if (g == NULL)
		return -ENOMEM;
	g->c = *c;
	g->nb_queues = c->nb_queues == 0 ? 1 : (uint16_t)RTE_MIN(c->nb_queues, (unsigned)FWD_MAX_QUEUES);
	g->engine = ms_crypto_engine_find("ipsec-mb");
	if (g->engine == NULL || ms_crypto_engine_init(g->engine) < 0) {
		fprintf(stderr, "forward: the ipsec-mb engine cannot run here\n");
		free(g);
		return -ENOTSUP;
	}
	ret = g->engine->lcore_create((int)rte_socket_id(), &g->lc);
	if (ret < 0) {
		free(g);
		return ret;
	}
	g->pool = rte_pktmbuf_pool_create("fwd_gen", POOL_SIZE, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (g->pool == NULL) {
		fprintf(stderr, "forward: no mbuf pool: %s\n", rte_strerror(rte_errno));
		fwd_gen_free(g);
		return -ENOMEM;
	}
	for (unsigned p = 0; p < 2; p++) {
		uint16_t pid = c->port_id[p];
		struct rte_eth_conf conf;

		memset(&conf, 0, sizeof(conf));
		ret = rte_eth_dev_configure(pid, g->nb_queues, g->nb_queues, &conf);
		for (uint16_t q = 0; q < g->nb_queues && ret == 0; q++) {
			ret = rte_eth_rx_queue_setup(pid, q, NB_DESC, rte_eth_dev_socket_id(pid), NULL,
						     g->pool);
			if (ret == 0)
				ret = rte_eth_tx_queue_setup(pid, q, NB_DESC, rte_eth_dev_socket_id(pid),
							     NULL);
		}
		if (ret == 0)
			ret = rte_eth_dev_start(pid);
		if (ret < 0) {
			fprintf(stderr, "forward: port %u: cannot start: %s\n", pid, strerror(-ret));
			fwd_gen_free(g);
			return ret;
		}
		rte_eth_promiscuous_enable(pid);
	}
	*gp = g;
	return 0;
}

void
fwd_gen_free(struct fwd_gen *g)
{
	if (g == NULL)
		return;
	legs_free(g);
	for (unsigned p = 0; p < 2; p++) {
		rte_eth_dev_stop(g->c.port_id[p]);
		rte_eth_dev_close(g->c.port_id[p]);
	}
	if (g->lc)
		g->engine->lcore_free(g->lc);
	rte_mempool_free(g->pool);
	free(g);
}

bool
fwd_gen_link_wait(struct fwd_gen *g, unsigned timeout_ms)
{
	uint64_t end = rte_get_timer_cycles() + (uint64_t)timeout_ms * rte_get_timer_hz() / 1000;

	do {
		unsigned up = 0;

		for (unsigned p = 0; p < 2; p++) {
			struct rte_eth_link link;

			if (rte_eth_link_get_nowait(g->c.port_id[p], &link) == 0 &&
			    link.link_status == RTE_ETH_LINK_UP)
				up++;
		}
		if (up == 2)
			return true;
		rte_delay_ms(10);
	} while (rte_get_timer_cycles() < end);
	return false;
}

/* RTP header and payload of the next packet of session i, at p (172 bytes). */
static inline void
write_rtp(uint8_t *p, uint32_t i, uint64_t count, uint16_t trial, uint64_t tsc)
{
	p[0] = 0x80;
	p[1] = 0;
	*(unaligned_uint16_t *)(p + 2) = rte_cpu_to_be_16((uint16_t)(leg_seq0(i) + count));
	put32(p + 4, rte_cpu_to_be_32((uint32_t)(leg_ts0(i) + count * FWD_PAYLOAD)));
	put32(p + 8, rte_cpu_to_be_32(leg_ssrc(i)));
	p += FWD_RTP_HDR;
	put32(p, MAGIC << 16 | trial);
	put32(p + 4, i);
	put64(p + 8, count);
	put64(p + 16, tsc);
	for (unsigned k = 0; k < (FWD_PAYLOAD - 24) / 8; k++)
		put64(p + 24 + 8 * k, word_of(i, count, k));
}

static inline void
write_headers(struct fwd_gen *g, struct rte_mbuf *m, uint32_t i)
{
	const struct fwd_setup *s = g->c.setup;
	uint16_t udp_len = (uint16_t)(8 + m->data_len);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, FWD_HDRS);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	rte_ether_addr_copy(&s->proxy_mac[FWD_A], &eth->dst_addr);
	rte_ether_addr_copy(&s->gen_mac[FWD_A], &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xb8; /* EF, as phones mark media */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + udp_len));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	ip->src_addr = rte_cpu_to_be_32(fwd_addr(FWD_A, true, i));
	ip->dst_addr = rte_cpu_to_be_32(fwd_addr(FWD_A, false, i));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(fwd_udp_port(i));
	udp->dst_port = udp->src_port;
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;
	if (g->c.send_udp_cksum)
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
}

/*
 * Builds n packets on the next legs into the pending queue (empty when
 * called). Packets the port refuses wait there and go first next time: a
 * refused packet is never dropped, so no leg ever skips sequence numbers (an
 * SRTP receiver loses its rollover counter after 2^15 missing packets, which
 * one leg at millions of packets per second reaches in milliseconds).
 */
static void
build_burst(struct fwd_gen *g, unsigned n)
{
	struct rte_mbuf *m[FWD_MAX_BURST];
	struct ms_srtp_stream *st[FWD_MAX_BURST];
	uint32_t legs[FWD_MAX_BURST];
	uint8_t res[FWD_MAX_BURST];
	uint64_t tsc = rte_rdtsc();
	uint64_t range = __atomic_load_n(&g->range, __ATOMIC_RELAXED);
	uint32_t first = (uint32_t)(range >> 32), end = first + (uint32_t)range;
	unsigned ok = 0;

	if (rte_pktmbuf_alloc_bulk(g->pool, m, n) != 0)
		return;
	if (g->next_leg < first || g->next_leg >= end)
		g->next_leg = first;
	for (unsigned k = 0; k < n; k++) {
		uint32_t i = g->next_leg;
		struct leg_tx *l = &g->tx[i];

		g->next_leg = i + 1 == end ? first : i + 1;
		legs[k] = i;
		st[k] = l->stream;
		m[k]->data_len = FWD_RTP_HDR + FWD_PAYLOAD;
		m[k]->pkt_len = m[k]->data_len;
		write_rtp(rte_pktmbuf_mtod(m[k], uint8_t *), i, l->count++, g->trial, tsc);
	}
	g->t->built += n;
	if (g->srtp_tx) {
		g->engine->rtp_protect(g->lc, m, st, (uint16_t)n, res);
		for (unsigned k = 0; k < n; k++) {
			if (res[k] != MS_SRTP_OK) {
				/* cannot happen with fresh keys and sequence numbers */
				g->t->gen_errors++;
				rte_pktmbuf_free(m[k]);
				continue;
			}
			m[ok] = m[k];
			legs[ok++] = legs[k];
		}
	} else {
		ok = n;
	}
	for (unsigned k = 0; k < ok; k++) {
		unsigned q = g->nb_queues == 1 ? 0 : legs[k] % g->nb_queues;

		write_headers(g, m[k], legs[k]);
		g->pend[q].m[g->pend[q].n++] = m[k];
	}
	g->nb_pending = ok;
}

/* Hands the pending packets to the port; returns how many it took. */
static unsigned
push_pending(struct fwd_gen *g, bool first)
{
	unsigned taken = 0;

	for (uint16_t q = 0; q < g->nb_queues && g->nb_pending > 0; q++) {
		unsigned left = g->pend[q].n - g->pend[q].head, sent;

		if (left == 0)
			continue;
		sent = rte_eth_tx_burst(g->c.port_id[FWD_A], q, g->pend[q].m + g->pend[q].head,
					(uint16_t)left);
		g->pend[q].head += sent;
		if (first && sent < left)
			g->t->tx_refused += left - sent;
		if (g->pend[q].head == g->pend[q].n)
			g->pend[q].n = g->pend[q].head = 0;
		g->nb_pending -= sent;
		taken += sent;
	}
	g->t->sent += taken;
	return taken;
}

/* The port took nothing for a whole drain: what still waits is lost. */
static void
drop_pending(struct fwd_gen *g)
{
	for (uint16_t q = 0; q < g->nb_queues; q++) {
		if (g->pend[q].n > g->pend[q].head)
			rte_pktmbuf_free_bulk(g->pend[q].m + g->pend[q].head,
					      g->pend[q].n - g->pend[q].head);
		g->pend[q].n = g->pend[q].head = 0;
	}
	g->nb_pending = 0;
}

/*
 * Bucket of a latency in cycles: exact below FWD_LAT_SUB cycles, above
 * FWD_LAT_SUB buckets per power of two, each 1/FWD_LAT_SUB of its lower
 * bound wide (under 0.8%: at 20 us, 0.16 us).
 */
static inline unsigned
lat_bucket(uint64_t cycles)
{
	unsigned shift;

	if (cycles < FWD_LAT_SUB)
		return (unsigned)cycles;
	shift = 63u - (unsigned)__builtin_clzll(cycles) - FWD_LAT_SUB_BITS;
	return (shift + 1) * FWD_LAT_SUB + (unsigned)(cycles >> shift) - FWD_LAT_SUB;
}

static inline void
lat_add(struct fwd_trial *t, uint64_t cycles)
{
	t->lat_hist[RTE_MIN(lat_bucket(cycles), FWD_LAT_BUCKETS - 1u)]++;
	if (t->lat_count == 0 || cycles < t->lat_min_cycles)
		t->lat_min_cycles = cycles;
	if (cycles > t->lat_max_cycles)
		t->lat_max_cycles = cycles;
	t->lat_count++;
	t->lat_sum_cycles += (double)cycles;
}

/*
 * Nearest rank: the smallest latency that pct percent of the packets did not
 * exceed, as the middle of its bucket, kept within the exact minimum and
 * maximum.
 */
double
fwd_trial_lat_us(const struct fwd_trial *t, double pct)
{
	double hz = (double)rte_get_tsc_hz();
	uint64_t want, seen = 0;

	if (t->lat_count == 0)
		return 0;
	want = (uint64_t)ceil((double)t->lat_count * pct / 100.0);
	want = RTE_MAX(want, (uint64_t)1);
	for (unsigned b = 0; b < FWD_LAT_BUCKETS; b++) {
		seen += t->lat_hist[b];
		if (seen >= want) {
			double lo, width, v;

			if (b < FWD_LAT_SUB) {
				lo = b;
				width = 1;
			} else {
				unsigned shift = b / FWD_LAT_SUB - 1;

				lo = (double)((uint64_t)(FWD_LAT_SUB + b % FWD_LAT_SUB) << shift);
				width = (double)(1ull << shift);
			}
			v = lo + (width - 1) / 2;
			v = RTE_MAX(v, (double)t->lat_min_cycles);
			v = RTE_MIN(v, (double)t->lat_max_cycles);
			return v / hz * 1e6;
		}
	}
	return (double)t->lat_max_cycles / hz * 1e6;
}

/* Checks a received RTP packet (172 bytes at p) of session i; counts it. */
static inline void
check_rtp(struct fwd_gen *g, const uint8_t *p, uint32_t i, uint64_t now)
{
	struct fwd_trial *t = g->t;
	const uint8_t *pl = p + FWD_RTP_HDR;
	uint32_t magic = get32(pl);
	uint64_t count = get64(pl + 8);
	struct leg_rx *l = &g->rx[i];

	if (get32(pl + 4) != i) {
		/* a well-formed packet of another leg on this one */
		if (magic >> 16 == MAGIC && get32(pl + 4) < g->nb_legs)
			t->misforwarded++;
		else
			t->corrupted++;
		return;
	}
	if (magic >> 16 != MAGIC || p[0] != 0x80 || p[1] != 0 ||
	    get32(p + 8) != rte_cpu_to_be_32(leg_ssrc(i)) ||
	    *(const unaligned_uint16_t *)(p + 2) != rte_cpu_to_be_16((uint16_t)(leg_seq0(i) + count)) ||
	    get32(p + 4) != rte_cpu_to_be_32((uint32_t)(leg_ts0(i) + count * FWD_PAYLOAD))) {
		t->corrupted++;
		return;
	}
	for (unsigned k = 0; k < (FWD_PAYLOAD - 24) / 8; k++)
		if (get64(pl + 24 + 8 * k) != word_of(i, count, k)) {
			t->corrupted++;
			return;
		}
	/* first copy? */
	if (count >= l->next) {
		uint64_t shift = count - l->next + 1;

		l->window = shift >= 64 ? 0 : l->window << shift;
		l->window |= 1;
		l->next = count + 1;
	} else {
		uint64_t back = l->next - 1 - count;

		if (back >= 64 || (l->window >> back & 1)) {
			/* beyond the window it cannot be told apart: call it a duplicate */
			t->duplicate++;
			return;
		}
		l->window |= 1ull << back;
		t->reordered++;
	}
	if ((magic & 0xffff) != g->trial) {
		t->stale++;
		return;
	}
	t->good++;
	if (g->c.first_rx_tsc != NULL && g->c.first_rx_tsc[i] == 0)
		__atomic_store_n(&g->c.first_rx_tsc[i], now, __ATOMIC_RELEASE);
	lat_add(t, now - get64(pl + 16));
}

/* Answers an ARP request for one of the generator's addresses. */
static void
arp_answer(struct fwd_gen *g, unsigned port, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t tip;

	if (m->data_len < sizeof(*eth) + sizeof(*arp) ||
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return;
	tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
	if ((tip & 0xffffff00u) != (fwd_addr(port ? FWD_B : FWD_A, true, 0) & 0xffffff00u))
		return;
	struct rte_mbuf *r = rte_pktmbuf_alloc(g->pool);
	if (r == NULL)
		return;
	struct rte_ether_hdr *re = (struct rte_ether_hdr *)rte_pktmbuf_append(r, sizeof(*re) +
									      sizeof(*arp));
	struct rte_arp_hdr *ra = (struct rte_arp_hdr *)(re + 1);

	rte_ether_addr_copy(&eth->src_addr, &re->dst_addr);
	rte_ether_addr_copy(&g->c.setup->gen_mac[port], &re->src_addr);
	re->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	*ra = *arp;
	ra->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&g->c.setup->gen_mac[port], &ra->arp_data.arp_sha);
	ra->arp_data.arp_sip = arp->arp_data.arp_tip;
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &ra->arp_data.arp_tha);
	ra->arp_data.arp_tip = arp->arp_data.arp_sip;
	if (rte_eth_tx_burst(g->c.port_id[port], 0, &r, 1) == 0)
		rte_pktmbuf_free(r);
}

/*
 * Classifies one frame from port `port`: returns the session it is for and
 * leaves the mbuf at the RTP header, or returns UINT32_MAX when it was
 * counted already (not media, corrupted, misforwarded).
 */
static inline uint32_t
classify(struct fwd_gen *g, unsigned port, struct rte_mbuf *m)
{
	struct fwd_trial *t = g->t;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t dst, src, i;
	uint16_t dport;

	if (m->nb_segs != 1 || m->data_len < RTE_ETHER_HDR_LEN) {
		t->corrupted++;
		return UINT32_MAX;
	}
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
			arp_answer(g, port, m);
		t->not_media++;
		return UINT32_MAX;
	}
	if (m->data_len < FWD_HDRS || ip->version_ihl != RTE_IPV4_VHL_DEF ||
	    ip->next_proto_id != IPPROTO_UDP) {
		t->not_media++;
		return UINT32_MAX;
	}
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff ||
	    rte_be_to_cpu_16(ip->total_length) != 20 + g->rx_udp_len ||
	    rte_be_to_cpu_16(udp->dgram_len) != g->rx_udp_len ||
	    m->data_len < RTE_ETHER_HDR_LEN + 20 + g->rx_udp_len) {
		t->corrupted++;
		return UINT32_MAX;
	}
	dst = rte_be_to_cpu_32(ip->dst_addr);
	dport = rte_be_to_cpu_16(udp->dst_port);
	i = ((dst & 0xff) - 1) * FWD_PORTS_PER_ADDR + (uint32_t)(dport - FWD_UDP_BASE);
	src = rte_be_to_cpu_32(ip->src_addr);
	if (port != FWD_B || (dst & 0xff) == 0 || dport < FWD_UDP_BASE ||
	    dport >= FWD_UDP_BASE + FWD_PORTS_PER_ADDR || i >= g->nb_legs ||
	    dst != fwd_addr(g->rx_side, g->rx_dst_peer, i) ||
	    src != fwd_addr(g->rx_side, !g->rx_dst_peer, i) || udp->src_port != udp->dst_port) {
		t->misforwarded++;
		return UINT32_MAX;
	}
	if (g->c.check_udp_cksum && udp->dgram_cksum != 0) {
		/* pseudo-header + datagram, checksum field included, sums to all ones */
		uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(udp, g->rx_udp_len);

		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		if (sum != 0xffff) {
			t->corrupted++;
			return UINT32_MAX;
		}
	}
	/* Ethernet padding and anything past the datagram go */
	rte_pktmbuf_adj(m, FWD_HDRS);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - (g->rx_udp_len - 8)));
	return i;
}

static void
receive(struct fwd_gen *g, unsigned port, struct rte_mbuf **m, unsigned n)
{
	struct ms_srtp_stream *st[RX_BURST];
	struct rte_mbuf *media[RX_BURST];
	uint32_t legs[RX_BURST];
	uint8_t res[RX_BURST];
	unsigned nm = 0;
	uint64_t now = rte_rdtsc();

	g->t->received += n;
	for (unsigned k = 0; k < n; k++) {
		uint32_t i = classify(g, port, m[k]);

		if (i == UINT32_MAX)
			continue;
		legs[nm] = i;
		st[nm] = g->rx[i].stream;
		media[nm++] = m[k];
	}
	if (g->srtp_rx && nm > 0)
		g->engine->rtp_unprotect(g->lc, media, st, (uint16_t)nm, res);
	for (unsigned k = 0; k < nm; k++) {
		if (g->srtp_rx && res[k] != MS_SRTP_OK) {
			if (res[k] == MS_SRTP_REPLAY || res[k] == MS_SRTP_TOO_OLD)
				g->t->duplicate++;
			else
				g->t->corrupted++;
			continue;
		}
		if (media[k]->data_len != FWD_RTP_HDR + FWD_PAYLOAD) {
			g->t->corrupted++;
			continue;
		}
		check_rtp(g, rte_pktmbuf_mtod(media[k], const uint8_t *), legs[k], now);
	}
	rte_pktmbuf_free_bulk(m, n);
}

static inline unsigned
poll_port(struct fwd_gen *g, unsigned port)
{
	struct rte_mbuf *m[RX_BURST];
	unsigned total = 0;

	for (uint16_t q = 0; q < g->nb_queues; q++) {
		unsigned n = rte_eth_rx_burst(g->c.port_id[port], q, m, RX_BURST);

		if (n > 0)
			receive(g, port, m, n);
		total += n;
	}
	return total;
}

static void
nap(uint64_t cycles, uint64_t hz)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(cycles * 1000000000ull / hz)};

	nanosleep(&ts, NULL);
}

/*
 * Sends at a rate for a time (or a number of packets), receiving all along,
 * then drains. Packets go out in bursts on a schedule; when the port refuses
 * (the proxy's receive ring is full) the burst waits and the schedule runs
 * on. Up to max_lag packets may fall behind the schedule, as a NIC's receive
 * ring would hold them; beyond that the packets the schedule asks for are
 * not built at all and count as lost: as overflow when the port was refusing,
 * as generator lateness when the generator itself could not keep up.
 */
void
fwd_gen_run(struct fwd_gen *g, double rate_pps, double seconds, uint64_t count,
	    unsigned drain_ms, struct fwd_trial *t)
{
	uint64_t hz = rte_get_tsc_hz();
	double per_cycle = rate_pps / (double)hz;
	uint64_t start, end, now, quiet_since, drain_end, busy = 0;
	unsigned burst = g->c.burst, iter = 0;
	uint64_t max_lag = count ? UINT64_MAX : g->c.max_lag;
	uint64_t idle_sleep = (uint64_t)g->c.idle_sleep_us * hz / 1000000;

	memset(t, 0, sizeof(*t));
	t->rate_pps = rate_pps;
	t->seconds = seconds;
	g->t = t;
	g->trial++;
	start = rte_rdtsc();
	/*
	 * A count (priming) has a deadline too: twice its time at the rate and
	 * 5 s more, so that a proxy that stops reading cannot hang the bench.
	 */
	end = start + (uint64_t)((count ? 2.0 * (double)count / rate_pps + 5.0 : seconds) *
				 (double)hz);
	for (now = start; now < end; now = rte_rdtsc()) {
		uint64_t due = (uint64_t)((double)(now - start) * per_cycle);
		uint64_t covered = t->built + t->skipped;
		bool worked = false;

		if (g->c.stop != NULL && __atomic_load_n(g->c.stop, __ATOMIC_ACQUIRE) != 0)
			break;
		if (count) {
			if (t->built >= count && g->nb_pending == 0)
				break;
			due = RTE_MIN(due, count);
		} else if (due > covered + max_lag) {
			uint64_t excess = due - covered - max_lag;

			t->skipped += excess;
			if (g->nb_pending > 0)
				t->overflow += excess;
			else
				t->late += excess;
			covered += excess;
		}
		if (g->nb_pending > 0) {
			worked = push_pending(g, false) > 0;
		} else if (due >= covered + burst || (count && due == count && due > covered)) {
			build_burst(g, (unsigned)RTE_MIN(due - covered, (uint64_t)burst));
			push_pending(g, true);
			worked = true;
		}
		if (poll_port(g, FWD_B) > 0)
			worked = true;
		if ((++iter & 63) == 0 && poll_port(g, FWD_A) > 0)
			worked = true;
		if (worked) {
			busy += rte_rdtsc() - now;
		} else if (idle_sleep > 0 && g->nb_pending == 0) {
			/* ahead of the schedule, nothing came: leave the CPU to the others */
			uint64_t next_pkt = count ? RTE_MIN(covered + burst, count) : covered + burst;
			uint64_t next = start + (uint64_t)((double)next_pkt / per_cycle);

			if (next > now + idle_sleep)
				nap(RTE_MIN(next - now, hz / 1000), hz);
		}
	}
	t->elapsed_s = (double)(now - start) / (double)hz;
	t->gen_busy_cycles = busy;
	if (!count) {
		/*
		 * The backlog at the end (up to max_lag packets behind the schedule,
		 * less the burst still being gathered) is lost like any other
		 * excess: a proxy that runs just under the rate would otherwise pass.
		 */
		uint64_t due = (uint64_t)((double)(now - start) * per_cycle);
		uint64_t covered = t->built + t->skipped;

		if (due > covered + burst) {
			uint64_t excess = due - covered - burst;

			t->skipped += excess;
			if (g->nb_pending > 0)
				t->overflow += excess;
			else
				t->late += excess;
		}
	}
	/* what the schedule asked for, up to its last burst */
	t->requested = t->built + t->skipped;
	quiet_since = rte_rdtsc();
	drain_end = quiet_since + (uint64_t)drain_ms * hz / 1000;
	for (now = quiet_since; now < drain_end; now = rte_rdtsc()) {
		if (g->nb_pending > 0)
			push_pending(g, false);
		/*
		 * In flight: what the proxy still holds comes out within microseconds,
		 * or after a few milliseconds when it was preempted. Done when every
		 * packet sent is accounted for, or nothing came for 50 ms.
		 */
		if (poll_port(g, FWD_B) + poll_port(g, FWD_A) > 0 || g->nb_pending > 0)
			quiet_since = now;
		else if (now - quiet_since > hz / 20 ||
			 t->good + t->corrupted + t->misforwarded + t->duplicate >= t->sent)
			break;
	}
	if (g->nb_pending > 0)
		drop_pending(g);
	g->t = NULL;
}

void
fwd_gen_flush(struct fwd_gen *g, unsigned ms)
{
	struct fwd_trial scratch;

	memset(&scratch, 0, sizeof(scratch));
	g->t = &scratch;
	uint64_t end = rte_rdtsc() + (uint64_t)ms * rte_get_tsc_hz() / 1000;
	while (rte_rdtsc() < end) {
		poll_port(g, FWD_B);
		poll_port(g, FWD_A);
	}
	g->t = NULL;
}

#define PROBE_BYTES (4u << 20)
#define PROBE_STEPS 100000

static volatile uint64_t probe_sink;
static double l3_best = 1e9; /* the fastest seen in this run */

double
fwd_l3_best(void)
{
	return l3_best;
}

/*
 * Latency of the last-level cache, in TSC cycles per load: a pointer chase
 * through 4 MiB (past L2, inside L3) on the generator's CPU. Other tenants of
 * the host that thrash the shared L3 show up here as they show up in a
 * slower proxy and generator: the two processes hand every packet from one
 * core to the other through L3.
 */
double
fwd_l3_probe(void)
{
	static uint64_t *chain;
	size_t n = PROBE_BYTES / 64;
	uint64_t p = 0, t0;
	double lat;

	if (chain == NULL) {
		uint32_t *perm = malloc(n * sizeof(*perm));

		chain = aligned_alloc(64, PROBE_BYTES);
		if (chain == NULL || perm == NULL) {
			free(perm);
			return 0;
		}
		for (uint32_t i = 0; i < n; i++)
			perm[i] = i;
		for (uint32_t i = (uint32_t)n - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(bench_rand() % (i + 1)), x = perm[i];

			perm[i] = perm[j];
			perm[j] = x;
		}
		for (size_t i = 0; i < n; i++)
			chain[(size_t)perm[i] * 8] = (uint64_t)perm[(i + 1) % n] * 8;
		free(perm);
	}
	for (unsigned i = 0; i < PROBE_STEPS; i++) /* into the cache */
		p = chain[p];
	t0 = rte_rdtsc();
	for (unsigned i = 0; i < PROBE_STEPS; i++)
		p = chain[p];
	lat = (double)(rte_rdtsc() - t0) / PROBE_STEPS;
	probe_sink = p;
	if (lat < l3_best)
		l3_best = lat;
	return lat;
}
