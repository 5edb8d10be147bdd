/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "ms_test.h"

static uint64_t rng_state;
static struct rte_mempool *pool;

void
ms_test_init(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {
		argv[0], "--no-huge", "-m", "512", "--no-pci", "--no-shconf", "--no-telemetry",
		"-l", "0", "--log-level=lib.eal:error", "--log-level=mediasec.*:warning",
		"--file-prefix", prefix,
	};
	const char *seed = getenv("MS_TEST_SEED");

	(void)argc;
	snprintf(prefix, sizeof(prefix), "mstest%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		exit(1);
	}
	rng_state = seed ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	if (rng_state == 0)
		rng_state = 1;
	printf("# MS_TEST_SEED=%llu\n", (unsigned long long)rng_state);
	pool = rte_pktmbuf_pool_create("mstest", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "cannot create the mbuf pool\n");
		exit(1);
	}
}

uint32_t
ms_test_rand(void)
{
	/* xorshift64*: fast, and reproducible from the printed seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

void
ms_test_rand_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)ms_test_rand();
}

struct rte_mempool *
ms_test_pool(void)
{
	return pool;
}

struct rte_mbuf *
ms_test_mbuf(const void *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	char *p = rte_pktmbuf_append(m, len);
	assert_non_null(p);
	memcpy(p, data, len);
	return m;
}

static void
exact_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

struct rte_mbuf *
ms_test_exact_mbuf(const void *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_mbuf_ext_shared_info *shinfo = calloc(1, sizeof(*shinfo));
	void *buf = malloc(len ? len : 1);

	assert_non_null(m);
	assert_non_null(shinfo);
	assert_non_null(buf);
	shinfo->free_cb = exact_free;
	shinfo->fcb_opaque = shinfo;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, 0, len, shinfo);
	memcpy(buf, data, len);
	m->data_len = len;
	m->pkt_len = len;
	return m;
}

uint16_t
ms_test_build_rtp(uint8_t *buf, const struct ms_test_rtp *r)
{
	uint16_t off = 12;

	buf[0] = (uint8_t)(0x80 | (r->pad ? 0x20 : 0) | (r->ext ? 0x10 : 0) | (r->cc & 0x0f));
	buf[1] = (uint8_t)(ms_test_rand() & 0x7f);
	buf[2] = (uint8_t)(r->seq >> 8);
	buf[3] = (uint8_t)r->seq;
	ms_test_rand_bytes(buf + 4, 4);
	buf[8] = (uint8_t)(r->ssrc >> 24);
	buf[9] = (uint8_t)(r->ssrc >> 16);
	buf[10] = (uint8_t)(r->ssrc >> 8);
	buf[11] = (uint8_t)r->ssrc;
	ms_test_rand_bytes(buf + off, 4u * r->cc);
	off += 4u * r->cc;
	if (r->ext) {
		buf[off] = 0xbe;
		buf[off + 1] = 0xde;
		buf[off + 2] = (uint8_t)(r->ext_words >> 8);
		buf[off + 3] = (uint8_t)r->ext_words;
		ms_test_rand_bytes(buf + off + 4, 4u * r->ext_words);
		off += 4 + 4u * r->ext_words;
	}
	ms_test_rand_bytes(buf + off, r->payload_len);
	off += r->payload_len;
	if (r->pad) {
		memset(buf + off, 0, r->pad - 1u);
		buf[off + r->pad - 1] = r->pad;
		off += r->pad;
	}
	return off;
}

void
ms_test_random_rtp(struct ms_test_rtp *r, uint16_t max_payload)
{
	r->cc = (uint8_t)ms_test_rand_range(0, 15);
	r->ext = ms_test_rand() & 1;
	r->ext_words = (uint16_t)ms_test_rand_range(0, 4);
	r->payload_len = (uint16_t)ms_test_rand_range(0, max_payload);
	r->pad = (ms_test_rand() % 4 == 0) ? (uint8_t)ms_test_rand_range(1, 16) : 0;
}

uint16_t
ms_test_build_rtcp(uint8_t *buf, uint32_t ssrc, uint16_t words)
{
	buf[0] = 0x80;
	buf[1] = 200; /* sender report */
	buf[2] = (uint8_t)(words >> 8);
	buf[3] = (uint8_t)words;
	buf[4] = (uint8_t)(ssrc >> 24);
	buf[5] = (uint8_t)(ssrc >> 16);
	buf[6] = (uint8_t)(ssrc >> 8);
	buf[7] = (uint8_t)ssrc;
	ms_test_rand_bytes(buf + 8, 4u * words);
	return (uint16_t)(8 + 4u * words);
}

void
ms_test_ctx_cfg(struct ms_srtp_ctx_cfg *cfg, enum ms_srtp_suite suite, uint8_t mki_len)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->suite = suite;
	cfg->nb_keys = 1;
	cfg->mki_len = mki_len;
	for (unsigned k = 0; k < MS_SRTP_MAX_KEYS; k++) {
		ms_test_rand_bytes(cfg->keys[k].key, sizeof(cfg->keys[k].key));
		ms_test_rand_bytes(cfg->keys[k].salt, sizeof(cfg->keys[k].salt));
		ms_test_rand_bytes(cfg->keys[k].mki, sizeof(cfg->keys[k].mki));
		cfg->keys[k].key[0] |= 1;
	}
	/* two slots must never share an MKI */
	cfg->keys[1].mki[0] = (uint8_t)~cfg->keys[0].mki[0];
}

int
ms_test_leg_create(struct ms_test_leg *l, const struct ms_crypto_engine *e,
		   const struct ms_srtp_ctx_cfg *cfg, uint16_t window, uint32_t roc)
{
	struct ms_srtp_stream_cfg tx = {.dir = MS_SRTP_PROTECT, .replay_window = window,
					.initial_roc = roc};
	struct ms_srtp_stream_cfg rx = {.dir = MS_SRTP_UNPROTECT, .replay_window = window,
					.initial_roc = roc};
	int ret;

	memset(l, 0, sizeof(*l));
	l->e = e;
	ret = e->lcore_create(SOCKET_ID_ANY, &l->lc);
	if (ret == 0)
		ret = e->ctx_create(cfg, &l->ctx_tx);
	if (ret == 0)
		ret = e->ctx_create(cfg, &l->ctx_rx);
	if (ret == 0)
		ret = e->stream_create(&tx, l->ctx_tx, &l->tx);
	if (ret == 0)
		ret = e->stream_create(&rx, l->ctx_rx, &l->rx);
	if (ret < 0)
		ms_test_leg_free(l);
	return ret;
}

/* A stream's context may have been replaced by a rekey: free the one it holds now. */
static void
free_stream(const struct ms_crypto_engine *e, struct ms_srtp_stream *s, struct ms_srtp_ctx *ctx)
{
	if (s != NULL) {
		ctx = ms_srtp_stream_ctx(s);
		e->stream_free(s);
	}
	if (ctx != NULL)
		e->ctx_free(ctx);
}

void
ms_test_leg_free(struct ms_test_leg *l)
{
	free_stream(l->e, l->tx, l->ctx_tx);
	free_stream(l->e, l->rx, l->ctx_rx);
	if (l->lc)
		l->e->lcore_free(l->lc);
	memset(l, 0, sizeof(*l));
}

int
ms_test_one(struct ms_crypto_lcore *lc, ms_srtp_burst_fn fn, struct ms_srtp_stream *s,
	    struct rte_mbuf *m)
{
	uint8_t res = 0xff;

	fn(lc, &m, &s, 1, &res);
	return res;
}

const struct ms_crypto_engine *
ms_test_engine(const char *name)
{
	const struct ms_crypto_engine *e = ms_crypto_engine_find(name);

	assert_non_null(e);
	assert_int_equal(ms_crypto_engine_init(e), 0);
	return e;
}
