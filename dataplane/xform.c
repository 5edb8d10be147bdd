/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "xform.h"

/* Packets of one kind that need one transform, gathered for one engine call. */
struct gather {
	struct rte_mbuf *pkts[MS_XFORM_CHUNK];
	struct ms_srtp_stream *streams[MS_XFORM_CHUNK];
	uint8_t res[MS_XFORM_CHUNK];
	uint16_t idx[MS_XFORM_CHUNK];
	uint16_t n;
};

static void
run(struct ms_crypto_lcore *lc, ms_srtp_burst_fn fn, struct gather *g, uint8_t *res)
{
	if (g->n == 0)
		return;
	fn(lc, g->pkts, g->streams, g->n, g->res);
	for (uint16_t j = 0; j < g->n; j++)
		res[g->idx[j]] = g->res[j];
}

/* One direction: every packet with a stream on that side goes through the engine. */
static void
transform(struct ms_crypto_lcore *lc, struct rte_mbuf **pkts, const struct ms_xform_meta *meta,
	  uint16_t n, bool inbound, uint8_t *res)
{
	struct gather rtp, rtcp;
	const struct ms_crypto_engine *e = lc->engine;

	rtp.n = 0;
	rtcp.n = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct ms_srtp_stream *s = inbound ? meta[i].in : meta[i].out;

		if (s == NULL || res[i] != MS_SRTP_OK)
			continue;
		struct gather *g = meta[i].rtcp ? &rtcp : &rtp;

		g->pkts[g->n] = pkts[i];
		g->streams[g->n] = s;
		g->idx[g->n++] = i;
	}
	run(lc, inbound ? e->rtp_unprotect : e->rtp_protect, &rtp, res);
	run(lc, inbound ? e->rtcp_unprotect : e->rtcp_protect, &rtcp, res);
}

/* The plaintext of the packets marked for the tap, between the passes. */
static void
tap(const struct ms_xform *x, struct rte_mbuf *const *pkts, const struct ms_xform_meta *meta,
    uint16_t n, const uint8_t *res)
{
	for (uint16_t i = 0; i < n; i++)
		if (unlikely(meta[i].tap != 0) && res[i] == MS_SRTP_OK)
			x->tap(x->tap_arg, pkts[i], &meta[i]);
}

static uint16_t
xform_chunk(struct ms_xform *x, struct rte_mbuf **pkts, struct ms_xform_meta *meta, uint16_t n)
{
	uint8_t in_res[MS_XFORM_CHUNK], res[MS_XFORM_CHUNK];
	struct ms_xform_stats *st = &x->stats;
	uint16_t kept = 0;

	memset(res, MS_SRTP_OK, n);
	transform(x->crypto, pkts, meta, n, true, res);
	if (x->tap != NULL)
		tap(x, pkts, meta, n, res);
	memcpy(in_res, res, n);
	transform(x->crypto, pkts, meta, n, false, res);

	for (uint16_t i = 0; i < n; i++) {
		if (res[i] != MS_SRTP_OK) {
			/* a packet that failed inbound never reached the outbound transform */
			if (in_res[i] != MS_SRTP_OK) {
				st->in_drops[in_res[i]]++;
				if (meta[i].in_drops != NULL)
					meta[i].in_drops[in_res[i]]++;
			} else {
				st->out_drops[res[i]]++;
				if (meta[i].out_drops != NULL)
					meta[i].out_drops[res[i]]++;
			}
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		st->unprotected += meta[i].in != NULL;
		st->protected += meta[i].out != NULL;
		st->passed_plain += meta[i].in == NULL && meta[i].out == NULL;
		pkts[kept] = pkts[i];
		meta[kept++] = meta[i];
	}
	return kept;
}

uint16_t
ms_xform_burst(struct ms_xform *x, struct rte_mbuf **pkts, struct ms_xform_meta *meta, uint16_t n)
{
	uint16_t kept = 0;

	for (uint16_t done = 0; done < n; done += MS_XFORM_CHUNK) {
		uint16_t c = RTE_MIN(n - done, MS_XFORM_CHUNK);
		uint16_t k = xform_chunk(x, pkts + done, meta + done, c);

		memmove(pkts + kept, pkts + done, k * sizeof(*pkts));
		memmove(meta + kept, meta + done, k * sizeof(*meta));
		kept += k;
	}
	return kept;
}
