/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_XFORM_H
#define MS_XFORM_H

/*
 * The transform stage of a worker: for a burst of media packets, each bound
 * to the inbound stream of the leg it arrived on and the outbound stream of
 * the paired leg, run every inbound transform (SRTP -> RTP), then every
 * outbound transform (RTP -> SRTP), as bursts through the crypto engine.
 * A NULL stream means that leg is plain RTP. Dropped packets are freed and
 * counted by reason and direction; survivors stay in order.
 *
 * Between the two passes every packet is in plaintext: that is where the
 * optional tap sees the packets the caller marked (meta.tap), to copy a
 * captured leg's media (dataplane/capture.h). Packets no one marked cost one
 * test of a byte of their meta there.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "srtp.h"

/* Packets gathered for one engine call; a longer burst is taken in chunks. */
#define MS_XFORM_CHUNK 64

/* What the stage needs to know about one packet. */
struct ms_xform_meta {
	struct ms_srtp_stream *in;  /* leg it arrived on; NULL: plain RTP */
	struct ms_srtp_stream *out; /* paired leg it leaves by; NULL: plain RTP */
	/* Per-leg drop counters by ms_srtp_result, or NULL: the legs' own counts. */
	uint64_t *in_drops;
	uint64_t *out_drops;
	uint16_t user; /* the caller's own index, kept with the packet */
	uint8_t rtcp;  /* RTCP (SRTCP) rather than RTP */
	uint8_t tap;   /* MS_XFORM_TAP_*: what the tap copies of it; 0: nothing */
};

#define MS_XFORM_TAP_RX 1 /* copy as received on the leg it arrived on */
#define MS_XFORM_TAP_TX 2 /* copy as sent through the paired leg it leaves by */

/*
 * Called for each packet whose meta.tap is set and whose inbound transform
 * passed, after every inbound transform of its chunk and before any
 * outbound one: m holds the plaintext RTP or RTCP packet, which the tap
 * must not change.
 */
typedef void (*ms_xform_tap_fn)(void *arg, const struct rte_mbuf *m,
				const struct ms_xform_meta *meta);

/* Per-lcore counters: dataplane (owner lcore): rw; ctlplane: ro, relaxed. */
struct ms_xform_stats {
	uint64_t unprotected;
	uint64_t protected;
	uint64_t passed_plain; /* RTP -> RTP: no transform */
	uint64_t in_drops[MS_SRTP_RESULT_COUNT];
	uint64_t out_drops[MS_SRTP_RESULT_COUNT];
};

struct ms_xform {
	struct ms_crypto_lcore *crypto;
	/* set once when the worker starts (NULL: no tap), never per packet */
	ms_xform_tap_fn tap;
	void *tap_arg;
	struct ms_xform_stats stats;
} __rte_cache_aligned;

/* Returns how many packets survive, compacted to the front of pkts and meta. */
uint16_t ms_xform_burst(struct ms_xform *x, struct rte_mbuf **pkts, struct ms_xform_meta *meta,
			uint16_t n);

#endif
