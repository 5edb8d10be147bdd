/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <rte_lcore.h>

#include "kat.h"
#include "ms_log.h"
#include "secmem.h"

#define KAT_BUF 1024

int
ms_hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (const char *c = hex; *c != '\0'; c++) {
		int v;

		if (isspace((unsigned char)*c))
			continue;
		if (!isxdigit((unsigned char)*c))
			return -1;
		v = isdigit((unsigned char)*c) ? *c - '0' : (tolower((unsigned char)*c) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}

void
ms_kat_mbuf_init(struct rte_mbuf *m, uint8_t *buf, uint16_t buf_len, const uint8_t *data,
		 uint16_t len)
{
	memset(m, 0, sizeof(*m));
	m->buf_addr = buf;
	m->buf_len = buf_len;
	m->data_off = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, buf_len);
	m->nb_segs = 1;
	m->port = RTE_MBUF_PORT_INVALID;
	rte_mbuf_refcnt_set(m, 1);
	memcpy(buf + m->data_off, data, len);
	m->data_len = len;
	m->pkt_len = len;
}

struct kat_run {
	const struct ms_crypto_engine *e;
	struct ms_crypto_lcore *lc;
	struct ms_srtp_ctx *ctx_tx, *ctx_rx;
	struct ms_srtp_stream *tx, *rx, *rx_fresh;
};

static void
kat_run_free(struct kat_run *r)
{
	if (r->tx)
		r->e->stream_free(r->tx);
	if (r->rx)
		r->e->stream_free(r->rx);
	if (r->rx_fresh)
		r->e->stream_free(r->rx_fresh);
	if (r->ctx_tx)
		r->e->ctx_free(r->ctx_tx);
	if (r->ctx_rx)
		r->e->ctx_free(r->ctx_rx);
	if (r->lc)
		r->e->lcore_free(r->lc);
}

/* One packet through one burst function; returns its result. */
static int
kat_one(struct kat_run *r, ms_srtp_burst_fn fn, struct ms_srtp_stream *s, const uint8_t *in,
	unsigned in_len, uint8_t *out, unsigned *out_len)
{
	static uint8_t buf[KAT_BUF];
	struct rte_mbuf m;
	struct rte_mbuf *pkt = &m;
	uint8_t res;

	ms_kat_mbuf_init(&m, buf, sizeof(buf), in, (uint16_t)in_len);
	fn(r->lc, &pkt, &s, 1, &res);
	*out_len = rte_pktmbuf_data_len(&m);
	memcpy(out, rte_pktmbuf_mtod(&m, uint8_t *), *out_len);
	return res;
}

static int
kat_setup(struct kat_run *r, ms_kat_session_ctx_fn session_ctx, const struct ms_kat_packet *v,
	  const char **why)
{
	uint32_t flags = v->rtcp_unencrypted ? MS_SRTP_CTX_RTCP_UNENCRYPTED : 0;
	struct ms_srtp_ctx_cfg *cfg = ms_secmem_alloc(sizeof(*cfg));
	int ret;

	if (cfg == NULL)
		return -ENOMEM;
	if (ms_hex_decode(v->key, cfg->keys[0].key, sizeof(cfg->keys[0].key)) < 0 ||
	    ms_hex_decode(v->salt, cfg->keys[0].salt, sizeof(cfg->keys[0].salt)) < 0) {
		*why = "vector key does not decode";
		ret = -EINVAL;
		goto out;
	}
	if (v->session_keys) {
		ret = session_ctx(v->suite, flags, cfg->keys[0].key, cfg->keys[0].salt, NULL,
				  &r->ctx_tx);
		if (ret == 0)
			ret = session_ctx(v->suite, flags, cfg->keys[0].key, cfg->keys[0].salt, NULL,
					  &r->ctx_rx);
	} else {
		cfg->suite = v->suite;
		cfg->nb_keys = 1;
		cfg->flags = flags;
		ret = r->e->ctx_create(cfg, &r->ctx_tx);
		if (ret == 0)
			ret = r->e->ctx_create(cfg, &r->ctx_rx);
	}
	if (ret < 0) {
		*why = "cannot build the crypto context";
		goto out;
	}
	struct ms_srtp_stream_cfg tx = {.dir = MS_SRTP_PROTECT, .initial_roc = v->roc};
	struct ms_srtp_stream_cfg rx = {.dir = MS_SRTP_UNPROTECT, .initial_roc = v->roc};

	ret = r->e->lcore_create((int)SOCKET_ID_ANY, &r->lc);
	if (ret == 0)
		ret = r->e->stream_create(&tx, r->ctx_tx, &r->tx);
	if (ret == 0)
		ret = r->e->stream_create(&rx, r->ctx_rx, &r->rx);
	if (ret == 0)
		ret = r->e->stream_create(&rx, r->ctx_rx, &r->rx_fresh);
	if (ret < 0)
		*why = "cannot create lcore state or streams (is EAL initialised?)";
out:
	ms_secmem_free(cfg);
	return ret;
}

int
ms_kat_check_packet(const struct ms_crypto_engine *e, ms_kat_session_ctx_fn session_ctx,
		    const struct ms_kat_packet *v, const char **why)
{
	static uint8_t plain[KAT_BUF], prot[KAT_BUF], out[KAT_BUF];
	struct kat_run r = {.e = e};
	unsigned out_len;
	int plen, qlen, res, ret = -EIO;

	if (v->session_keys && session_ctx == NULL)
		return -ENOTSUP;
	plen = ms_hex_decode(v->plain, plain, sizeof(plain));
	qlen = ms_hex_decode(v->protected, prot, sizeof(prot));
	if (plen < 0 || qlen < 0) {
		*why = "vector packet does not decode";
		return -EINVAL;
	}
	ret = kat_setup(&r, session_ctx, v, why);
	if (ret < 0)
		goto out;
	ret = -EIO;

	ms_srtp_burst_fn protect = v->rtcp ? e->rtcp_protect : e->rtp_protect;
	ms_srtp_burst_fn unprotect = v->rtcp ? e->rtcp_unprotect : e->rtp_unprotect;

	/* The sender numbers SRTCP packets itself: send the ones before this index. */
	for (uint32_t i = 1; v->rtcp && i < v->rtcp_index; i++) {
		if (kat_one(&r, protect, r.tx, plain, (unsigned)plen, out, &out_len) != MS_SRTP_OK) {
			*why = "protecting the packets before the vector's index failed";
			goto out;
		}
	}
	res = kat_one(&r, protect, r.tx, plain, (unsigned)plen, out, &out_len);
	if (res != MS_SRTP_OK) {
		*why = "protect did not return ok";
		goto out;
	}
	if (out_len != (unsigned)qlen || memcmp(out, prot, out_len) != 0) {
		*why = "protected packet differs from the vector";
		goto out;
	}
	res = kat_one(&r, unprotect, r.rx, prot, (unsigned)qlen, out, &out_len);
	if (res != MS_SRTP_OK) {
		*why = "unprotect of the vector did not return ok";
		goto out;
	}
	if (out_len != (unsigned)plen || memcmp(out, plain, out_len) != 0) {
		*why = "unprotected packet differs from the vector's plaintext";
		goto out;
	}
	prot[qlen - 1] ^= 0x01;
	res = kat_one(&r, unprotect, r.rx_fresh, prot, (unsigned)qlen, out, &out_len);
	if (res != MS_SRTP_AUTH_FAIL) {
		*why = "a packet with a changed tag was not refused";
		goto out;
	}
	ret = 0;
out:
	kat_run_free(&r);
	return ret;
}

int
ms_kat_run_packets(const struct ms_crypto_engine *e, ms_kat_session_ctx_fn session_ctx)
{
	int failed = 0;

	for (size_t i = 0; i < ms_kat_nb_packet; i++) {
		const char *why = NULL;
		int ret = ms_kat_check_packet(e, session_ctx, &ms_kat_packet_vectors[i], &why);

		if (ret == -ENOTSUP)
			continue;
		if (ret < 0) {
			MS_LOG(ERR, crypto, "%s: %s: %s", e->name, ms_kat_packet_vectors[i].ref,
			       why ? why : strerror(-ret));
			failed++;
		}
	}
	return failed ? -EIO : 0;
}
