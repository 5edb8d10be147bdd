/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "capture.h"
#include "pkt.h"
#include "worker.h"

/* What a worker keeps about one packet of a burst between the stages. */
struct ms_pkt_state {
	struct ms_pkt_info pi;
	struct ms_leg *leg;
	/* leg->pair, read once: a leg replaced under traffic changes it between packets */
	struct ms_leg *pair;
	uint8_t rtcp;
};

static inline struct ms_dp_port *
dp_port(struct ms_dataplane *dp, uint16_t port)
{
	return &dp->ports[port];
}

static void
tx_flush(struct ms_worker *w, uint16_t port)
{
	struct ms_txbuf *b = &w->tx[port];
	struct ms_dp_port *p = dp_port(w->dp, port);
	uint16_t q = w->txq[port], sent;

	if (b->n == 0)
		return;
	if (w->txq_shared[port]) {
		rte_spinlock_lock(&p->txq_lock[q]);
		sent = rte_eth_tx_burst(p->st.port_id, q, b->pkts, b->n);
		rte_spinlock_unlock(&p->txq_lock[q]);
	} else {
		sent = rte_eth_tx_burst(p->st.port_id, q, b->pkts, b->n);
	}
	for (uint16_t i = 0; i < b->n; i++) {
		struct ms_leg *leg = b->legs[i];

		if (i < sent) {
			w->st.tx_pkts++;
			w->st.tx_bytes += b->pkts[i]->pkt_len;
			if (leg != NULL) {
				leg->tx.pkts++;
				leg->tx.bytes += b->bytes[i];
			}
			continue;
		}
		if (leg != NULL) {
			leg->tx.drops[MS_LEG_DROP_TX_FULL]++;
			w->st.leg_drops[MS_LEG_DROP_TX_FULL]++;
		} else {
			w->st.drops[MS_WORKER_DROP_NEIGH_TX_FULL]++;
		}
		rte_pktmbuf_free(b->pkts[i]);
	}
	b->n = 0;
}

/* leg: the leg the packet counts against on transmit (the pair), NULL for ARP/ND. */
static inline void
tx_enqueue(struct ms_worker *w, uint16_t port, struct rte_mbuf *m, struct ms_leg *leg,
	   uint32_t bytes)
{
	struct ms_txbuf *b = &w->tx[port];

	if (b->n == MS_TX_BUF)
		tx_flush(w, port);
	b->pkts[b->n] = m;
	b->legs[b->n] = leg;
	b->bytes[b->n++] = bytes;
}

static inline void
drop(struct ms_worker *w, struct rte_mbuf *m, enum ms_worker_drop why)
{
	w->st.drops[why]++;
	rte_pktmbuf_free(m);
}

static inline void
leg_drop(struct ms_worker *w, struct rte_mbuf *m, struct ms_leg_side_stats *side,
	 enum ms_leg_drop why)
{
	side->drops[why]++;
	w->st.leg_drops[why]++;
	rte_pktmbuf_free(m);
}

static void
slow_path(struct ms_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct ms_dataplane *dp = w->dp;

	if (ms_neigh_input(dp->neigh, port, &dp_port(dp, port)->l3, m, &w->st.neigh) == 1)
		tx_enqueue(w, port, m, NULL, 0);
	else
		rte_pktmbuf_free(m);
}

/* The owner of a leg, claimed by the first worker that meets it. */
static inline bool
own(struct ms_worker *w, struct ms_leg *leg, uint32_t *owner)
{
	uint32_t me = w->index + 1, o = __atomic_load_n(&leg->owner, __ATOMIC_RELAXED);

	if (o == 0 && __atomic_compare_exchange_n(&leg->owner, &o, me, false, __ATOMIC_RELAXED,
						  __ATOMIC_RELAXED))
		o = me;
	*owner = o;
	return o == me;
}

static inline bool
plain_rtp_ok(const uint8_t *p, uint16_t len, bool rtcp)
{
	return len >= (rtcp ? 8 : 12) && (p[0] >> 6) == 2;
}

/* Learns the peer from a packet that passed the inbound transform. */
static void
learn_peer(struct ms_worker *w, struct ms_leg *leg, const struct ms_pkt_state *ps)
{
	struct ms_leg_peer p;
	bool mux = leg->flags & MS_LEG_F_RTCP_MUX;

	if (!ms_leg_peer_read(leg, &p))
		return;
	if (ps->rtcp && !mux) {
		if (p.rtcp_known == MS_PEER_RTCP_SET)
			return;
		if (p.known && !ms_addr_equal(&p.addr, &ps->pi.src))
			return; /* RTCP from elsewhere than the learned media source */
		p.addr = ps->pi.src;
		p.rtcp_port = ps->pi.src_port;
		p.rtcp_known = MS_PEER_RTCP_SET;
	} else {
		if (p.known)
			return;
		p.addr = ps->pi.src;
		p.port = ps->pi.src_port;
		p.known = 1;
		if (mux) {
			p.rtcp_port = p.port;
			p.rtcp_known = MS_PEER_RTCP_SET;
		} else if (p.rtcp_known != MS_PEER_RTCP_SET) {
			/* RFC 3550 convention until the peer's RTCP shows where it comes from */
			p.rtcp_port = p.port + 1;
			p.rtcp_known = p.port < UINT16_MAX ? MS_PEER_RTCP_ASSUMED : 0;
		}
	}
	if (ms_leg_peer_write(leg, &p))
		ms_neigh_learn(w->dp->neigh, leg->port, &ps->pi.src, &ps->pi.src_mac, &w->st.neigh);
}

/* Strict source: only the peer's address and port may send. */
static inline bool
source_ok(const struct ms_leg *leg, const struct ms_pkt_state *ps)
{
	struct ms_leg_peer p;

	if (!ms_leg_peer_read(leg, &p))
		return false;
	if (ps->rtcp ? !p.rtcp_known : !p.known)
		return true; /* nothing to hold it to yet */
	if (ps->rtcp && p.rtcp_known == MS_PEER_RTCP_ASSUMED)
		return ms_addr_equal(&p.addr, &ps->pi.src); /* its RTCP port is still to be learned */
	return ms_addr_equal(&p.addr, &ps->pi.src) &&
	       (ps->rtcp ? p.rtcp_port : p.port) == ps->pi.src_port;
}

/* Headers toward the paired leg's peer; false when the packet was dropped. */
static bool
egress(struct ms_worker *w, struct rte_mbuf *m, struct ms_leg *out, bool rtcp)
{
	struct ms_dataplane *dp = w->dp;
	struct ms_dp_port *port = dp_port(dp, out->port);
	uint32_t seq = __atomic_load_n(&out->peer_seq, __ATOMIC_ACQUIRE);
	uint32_t version = ms_neigh_version(dp->neigh);
	uint32_t bytes = m->data_len;
	struct ms_leg_peer p;
	struct rte_ether_addr mac;

	if (!ms_leg_peer_read(out, &p) || !(rtcp ? p.rtcp_known : p.known)) {
		leg_drop(w, m, &out->tx, MS_LEG_DROP_NO_PEER);
		return false;
	}
	if (out->tx_mac_version == version && out->tx_mac_seq == seq) {
		mac = out->tx_mac;
	} else {
		const struct ms_addr *hop = ms_port_l3_next_hop(&port->l3, &p.addr);
		struct rte_mbuf *req = NULL;

		if (ms_neigh_resolve(dp->neigh, out->port, &port->l3, hop, &mac, dp->pool, &req,
				     &w->st.neigh) != 0) {
			if (req != NULL)
				tx_enqueue(w, out->port, req, NULL, 0);
			leg_drop(w, m, &out->tx, MS_LEG_DROP_NO_NEIGHBOUR);
			return false;
		}
		out->tx_mac = mac;
		out->tx_mac_seq = seq;
		out->tx_mac_version = version;
	}
	struct ms_pkt_encap e = {
		.src_mac = port->l3.mac,
		.dst_mac = mac,
		.vlan = port->l3.vlan,
		.src = &out->local,
		.dst = &p.addr,
		.src_port = rtcp ? out->local_rtcp_port : out->local_port,
		.dst_port = rtcp ? p.rtcp_port : p.port,
		.ipv4_cksum_offload = port->st.tx_ipv4_cksum,
		.udp_cksum_offload = port->st.tx_udp_cksum,
	};
	if (ms_pkt_encap(m, &e) != 0) {
		drop(w, m, MS_WORKER_DROP_NO_HEADROOM);
		return false;
	}
	tx_enqueue(w, out->port, m, out, bytes);
	return true;
}

/* Copies one packet of a captured leg; the record is dropped (counted) when none is free. */
static void
capture_copy(struct ms_capture *c, enum ms_capture_dir dir, uint64_t tsc, uint32_t leg_id,
	     const struct rte_mbuf *m, uint8_t rtcp, const struct ms_addr *src, uint16_t sport,
	     const struct ms_addr *dst, uint16_t dport)
{
	struct ms_capture_rec *r = ms_capture_rec_get(c, dir);
	uint16_t len = rte_pktmbuf_data_len(m);

	if (r == NULL)
		return;
	r->tsc = tsc;
	r->leg_id = leg_id;
	r->rtcp = rtcp;
	r->orig_len = len;
	r->len = RTE_MIN(len, (uint16_t)MS_CAPTURE_SNAPLEN);
	r->src = *src;
	r->dst = *dst;
	r->sport = sport;
	r->dport = dport;
	/* single segment: parsing refuses chained mbufs */
	rte_memcpy(r->data, rte_pktmbuf_mtod(m, const void *), r->len);
	ms_capture_rec_put(c, r);
}

/*
 * The transform stage's tap (struct ms_xform): the packet is in plaintext,
 * between its inbound and its outbound transform. The capture pointers are
 * read only here, after the flags said a capture is set; control clears a
 * flag and waits for a grace period before it takes the capture away, so
 * what is read in this burst stays valid through it.
 */
static void
capture_tap(void *arg, const struct rte_mbuf *m, const struct ms_xform_meta *meta)
{
	struct ms_worker *w = arg;
	const struct ms_pkt_state *s = &w->tap_ps[meta->user];
	struct ms_capture *c;

	/* one TSC read per burst, only in bursts that capture */
	if (w->tap_tsc == 0)
		w->tap_tsc = rte_rdtsc();
	if (meta->tap & MS_XFORM_TAP_RX) {
		c = __atomic_load_n(&s->leg->capture, __ATOMIC_ACQUIRE);
		if (c != NULL)
			capture_copy(c, MS_CAPTURE_RX, w->tap_tsc, s->leg->id, m, s->rtcp,
				     &s->pi.src, s->pi.src_port, &s->pi.dst, s->pi.dst_port);
	}
	if (meta->tap & MS_XFORM_TAP_TX) {
		const struct ms_leg *out = s->pair;
		struct ms_addr none = {0};
		struct ms_leg_peer p;
		bool known;

		c = __atomic_load_n(&out->capture, __ATOMIC_ACQUIRE);
		if (c == NULL)
			return;
		known = ms_leg_peer_read(out, &p) && (s->rtcp ? p.rtcp_known : p.known);
		capture_copy(c, MS_CAPTURE_TX, w->tap_tsc, out->id, m, s->rtcp, &out->local,
			     s->rtcp ? out->local_rtcp_port : out->local_port,
			     known ? &p.addr : &none, known ? (s->rtcp ? p.rtcp_port : p.port) : 0);
	}
}

/*
 * One burst of at most MS_BURST frames, from a port queue or the handoff
 * ring. Each mbuf's port field says where it came from.
 */
static void
process(struct ms_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct ms_dataplane *dp = w->dp;
	struct ms_pkt_state ps[MS_BURST];
	struct ms_leg_key keys[MS_BURST];
	struct ms_leg *legs[MS_BURST];
	uint8_t rtcp_port[MS_BURST];
	struct rte_mbuf *media[MS_BURST];
	struct ms_xform_meta meta[MS_BURST];
	uint16_t nb = 0, nb_media = 0;

	/* parse; what is not UDP to us leaves here */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t port = m->port < RTE_MAX_ETHPORTS ? dp->port_of_ethdev[m->port] : UINT16_MAX;
		struct ms_pkt_state *s = &ps[nb];

		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		if (port == UINT16_MAX) {
			drop(w, m, MS_WORKER_DROP_NOT_MEDIA);
			continue;
		}
		switch (ms_pkt_parse(m, &dp_port(dp, port)->l3, &s->pi)) {
		case MS_PKT_UDP:
			break;
		case MS_PKT_ARP:
		case MS_PKT_ND:
			slow_path(w, port, m);
			continue;
		case MS_PKT_NOT_MEDIA:
			drop(w, m, MS_WORKER_DROP_NOT_MEDIA);
			continue;
		case MS_PKT_WRONG_VLAN:
			drop(w, m, MS_WORKER_DROP_WRONG_VLAN);
			continue;
		case MS_PKT_FRAGMENT:
			drop(w, m, MS_WORKER_DROP_FRAGMENT);
			continue;
		case MS_PKT_IP_CHECKSUM:
			drop(w, m, MS_WORKER_DROP_IP_CHECKSUM);
			continue;
		case MS_PKT_MALFORMED:
		default:
			drop(w, m, MS_WORKER_DROP_MALFORMED);
			continue;
		}
		struct ms_leg_key *k = &keys[nb];

		k->port = port;
		k->family = s->pi.dst.family;
		k->reserved = 0;
		k->udp_port = s->pi.dst_port;
		k->reserved2 = 0;
		memcpy(k->addr, s->pi.dst.a, sizeof(k->addr));
		pkts[nb++] = m;
	}
	if (nb == 0)
		return;

	ms_legtab_lookup_bulk(dp->legs, keys, nb, legs, rtcp_port);

	for (uint16_t i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i];
		struct ms_leg *leg = legs[i];
		struct ms_pkt_state *s = &ps[i];
		uint32_t owner;

		if (leg == NULL) {
			drop(w, m, MS_WORKER_DROP_UNKNOWN_LEG);
			continue;
		}
		if (!own(w, leg, &owner)) {
			/* one writer per leg direction: its owner does the work */
			if (rte_ring_enqueue(dp->workers[owner - 1]->handoff, m) != 0)
				drop(w, m, MS_WORKER_DROP_HANDOFF_FULL);
			else
				w->st.handed_off++;
			continue;
		}
		s->leg = leg;
		s->pair = __atomic_load_n(&leg->pair, __ATOMIC_ACQUIRE);
		rte_prefetch0(s->pair);
		uint8_t *payload = rte_pktmbuf_mtod_offset(m, uint8_t *, s->pi.payload_off);
		uint32_t flags = __atomic_load_n(&leg->flags, __ATOMIC_ACQUIRE);

		s->rtcp = rtcp_port[i] ||
			  ((flags & MS_LEG_F_RTCP_MUX) && ms_pkt_is_rtcp(payload, s->pi.payload_len));
		if ((flags & MS_LEG_F_STRICT_SOURCE) && !source_ok(leg, s)) {
			leg_drop(w, m, &leg->rx, MS_LEG_DROP_WRONG_SOURCE);
			continue;
		}
		struct ms_srtp_stream *in = __atomic_load_n(&leg->in, __ATOMIC_ACQUIRE);

		if (in == NULL && !plain_rtp_ok(payload, s->pi.payload_len, s->rtcp)) {
			leg_drop(w, m, &leg->rx, MS_LEG_DROP_NOT_RTP);
			continue;
		}
		/* the pair's line 0, already being loaded for its out stream */
		uint32_t pair_flags = __atomic_load_n(&s->pair->flags, __ATOMIC_RELAXED);

		rte_pktmbuf_adj(m, s->pi.payload_off);
		media[nb_media] = m;
		meta[nb_media] = (struct ms_xform_meta){
			.in = in,
			.out = __atomic_load_n(&s->pair->out, __ATOMIC_ACQUIRE),
			.in_drops = leg->rx.srtp,
			.out_drops = s->pair->tx.srtp,
			.user = i,
			.rtcp = s->rtcp,
			.tap = (uint8_t)(((flags & MS_LEG_F_CAPTURE) ? MS_XFORM_TAP_RX : 0) |
					 ((pair_flags & MS_LEG_F_CAPTURE) ? MS_XFORM_TAP_TX : 0)),
		};
		nb_media++;
	}
	if (nb_media == 0)
		return;

	w->tap_ps = ps;
	w->tap_tsc = 0;
	nb_media = ms_xform_burst(&w->xform, media, meta, nb_media);

	for (uint16_t j = 0; j < nb_media; j++) {
		struct ms_pkt_state *s = &ps[meta[j].user];
		struct ms_leg *leg = s->leg;

		leg->rx.pkts++;
		leg->rx.bytes += s->pi.payload_len;
		if (__atomic_load_n(&leg->flags, __ATOMIC_RELAXED) & MS_LEG_F_PEER_LEARN)
			learn_peer(w, leg, s);
		egress(w, media[j], s->pair, s->rtcp);
	}
}

static void
flush_all(struct ms_worker *w)
{
	for (uint16_t p = 0; p < w->dp->nb_ports; p++)
		tx_flush(w, p);
}

int
ms_worker_main(void *arg)
{
	struct ms_worker *w = arg;
	struct ms_dataplane *dp = w->dp;
	struct rte_mbuf *pkts[MS_BURST];

	w->xform.tap = capture_tap;
	w->xform.tap_arg = w;
	rte_rcu_qsbr_thread_register(dp->qsbr, w->index);
	rte_rcu_qsbr_thread_online(dp->qsbr, w->index);
	while (!dp->stop) {
		uint64_t start = rte_rdtsc();
		uint32_t got = 0;

		rte_rcu_qsbr_quiescent(dp->qsbr, w->index);
		for (uint16_t q = 0; q < w->nb_rxq; q++) {
			const struct ms_worker_queue_cfg *rq = &w->rxq[q];
			uint16_t n = rte_eth_rx_burst(dp->ports[rq->port].st.port_id, rq->queue, pkts,
						      MS_BURST);

			if (n == 0)
				continue;
			got += n;
			w->st.rx_pkts += n;
			/* not every PMD fills in the port (net_ring does not); process() relies on it */
			for (uint16_t i = 0; i < n; i++) {
				pkts[i]->port = dp->ports[rq->port].st.port_id;
				w->st.rx_bytes += pkts[i]->pkt_len;
			}
			process(w, pkts, n);
		}
		unsigned handed = rte_ring_dequeue_burst(w->handoff, (void **)pkts, MS_BURST, NULL);
		if (handed > 0) {
			got += handed;
			w->st.taken_over += handed;
			process(w, pkts, (uint16_t)handed);
		}
		flush_all(w);
		w->st.polls++;
		if (got > 0) {
			w->st.busy_cycles += rte_rdtsc() - start;
			w->st.busy_pkts += got;
		}
	}
	flush_all(w);
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->index);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, w->index);
	return 0;
}
