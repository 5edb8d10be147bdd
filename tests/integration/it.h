/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_IT_H
#define MS_IT_H

/*
 * Integration test harness: the whole dataplane on ring-backed ethdevs.
 *
 * The test program creates the ports itself (rte_eth_from_rings), writes the
 * frames the peers send with its own builder, puts them on the rx rings,
 * takes what the dataplane sends from the tx rings and checks every frame
 * (Ethernet, 802.1Q, IPv4/IPv6 and UDP checksums, addresses). libsrtp2 is the
 * oracle: it protects what the peers send and unprotects what mediasec sends,
 * independently of mediasec's own engine. Every injected and emitted frame is
 * written to pcap files in the working directory (the test's build
 * directory): <program>.<test>.in.pcap and <program>.<test>.out.pcap; a
 * failing test names them (tshark -r FILE, or wireshark, can decode them).
 * Each program prints MS_TEST_SEED; set it to replay a run's keys and content.
 *
 * cmocka must be included before this header.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <srtp2/srtp.h>

#include "addr.h"
#include "config.h"
#include "dataplane.h"
#include "leg.h"
#include "srtp.h"

#define IT_MAX_PORTS 4
#define IT_MAX_QUEUES 4
#define IT_HOSTS 8          /* peer hosts per port and family, with static neighbours */
#define IT_MAX_EPOCHS 8     /* decoders a flow's receiver goes through (live changes) */
#define IT_MAX_SESSIONS 512
#define IT_MAX_FRAME 2048

/* ------------------------------------------------------------------------- */
/* Random numbers: seeded from MS_TEST_SEED or the clock, printed. */

void it_seed(void);
uint32_t it_rand(void);
void it_rand_bytes(void *p, size_t n);
/* A deterministic 64-bit hash: the content of packets is derived from it. */
uint64_t it_hash(uint64_t a, uint64_t b);

/* ------------------------------------------------------------------------- */
/* Ports and the environment */

struct it_port_spec {
	const char *name;    /* configuration name */
	uint16_t nb_rxq;     /* rx rings */
	uint16_t vlan;       /* 0: untagged */
	uint8_t net;         /* addresses 10.<net>.0.1/24 and fd00:<net>::1/64 */
};

struct it_port {
	char name[16];
	char dev[64];         /* ethdev name */
	uint16_t port_id;
	uint16_t nb_rxq, nb_txq;
	uint16_t vlan;
	uint8_t net;
	struct rte_ring *rx[IT_MAX_QUEUES];
	struct rte_ring *tx[IT_MAX_QUEUES];
	struct rte_ether_addr mac;
	struct ms_addr addr4, addr6;       /* the port's own addresses */
	struct ms_addr host4[IT_HOSTS + 8]; /* peer hosts: static neighbours (first IT_HOSTS) */
	struct ms_addr host6[IT_HOSTS + 8];
};

/* Everything a test program shares. One dataplane per program. */
struct it_env {
	const char *prog;
	struct it_port ports[IT_MAX_PORTS];
	unsigned nb_ports;
	unsigned nb_workers;
	struct ms_config cfg;
	bool cfg_loaded;
	struct ms_dataplane *dp;
	struct ms_legtab *legs;
	struct rte_mempool *pool;
	FILE *pcap_in, *pcap_out;
	char pcap_in_path[256], pcap_out_path[256];
	uint64_t injected;     /* frames put on rx rings (by every thread) */
	uint64_t out_frames;   /* frames taken from tx rings */
	uint64_t out_udp;      /* of those, UDP frames the harness checked */
	uint64_t out_arp;      /* ARP frames */
	uint64_t out_other;
	uint64_t checked;      /* media packets decoded and compared */
	uint64_t errors;       /* failed checks (printed) */
	uint64_t errors_base;  /* errors when the current test case began */
	unsigned pace;         /* it_send_rr: at most this many packets in flight (0: no limit) */
	bool arp_auto;         /* answer the dataplane's ARP requests and NS for known hosts */
	uint64_t arp_requests; /* ARP requests the dataplane sent */
	uint64_t arp_replies;  /* ARP replies it sent (to our requests) */
	uint64_t nd_solicits;  /* neighbour solicitations it sent */
	uint64_t nd_adverts;   /* neighbour advertisements it sent */
};

extern struct it_env it;

/* EAL with lcores 1 and 2 as workers on one CPU, the mbuf pool, srtp_init. */
void it_init(const char *prog, int argc, char **argv);

/* Ring-backed ethdevs for the given ports, nb_txq tx rings each. */
void it_ports_create(const struct it_port_spec *specs, unsigned n, uint16_t nb_txq);

/*
 * Configuration text for the ports created above: addresses, VLAN, media
 * ports and static neighbours for hosts 2..IT_HOSTS+1 of each port, then the
 * workers: each string a worker's queue list ("a:0", "b:0"), lcores 1, 2, ...
 * extra is appended as is (sessions, crypto). Returns the text (static).
 */
const char *it_config_text(const char *engine, const char *const *workers, unsigned nb_workers,
			   const char *extra);

/* Parses text, creates the dataplane, installs the sessions, starts it. */
void it_dataplane_start(const char *text);
void it_dataplane_stop(void);

/*
 * The layouts the programs run on. One worker: ports a and b (nets 1 and 2)
 * and c on VLAN 100 (net 3), one rx and one tx ring each, a single worker
 * on queue 0 of all three. Two workers: ports a and b (nets 1 and 2), two rx
 * and two tx rings each, worker n on queue n of both. Each creates the ports.
 */
void it_layout_one_worker(void);
void it_layout_two_workers(void);
/* Pcap case "setup", then the dataplane on the layout's configuration (it_config_text). */
void it_layout_start(const char *engine, const char *extra);
/* cmocka group teardown: prints what was checked, stops the dataplane. */
int it_group_teardown(void **state);

/* Opens the pcap files for one test case (closing the previous ones). */
void it_pcap_case(const char *name);
void it_pcap_close(void);

/* A peer host on a port: index i (0-based: 10.<net>.0.<i+2>), family. */
const struct ms_addr *it_host(unsigned port, uint8_t family, unsigned i);
/* The MAC of a peer host (derived from its address). */
void it_host_mac(const struct ms_addr *a, struct rte_ether_addr *mac);

/* ------------------------------------------------------------------------- */
/* Frames */

struct it_l4 {
	struct rte_ether_addr src_mac, dst_mac;
	uint16_t vlan; /* 0: none */
	const struct ms_addr *src, *dst;
	uint16_t sport, dport;
};

/* Ethernet [+ 802.1Q] + IPv4/IPv6 + UDP with correct checksums; returns frame length. */
uint16_t it_frame_udp(uint8_t *f, const struct it_l4 *h, const void *payload, uint16_t len);

struct it_parsed {
	struct rte_ether_addr src_mac, dst_mac;
	int vlan; /* -1: untagged */
	uint16_t ethertype;
	struct ms_addr src, dst;
	uint16_t sport, dport;
	const uint8_t *payload;
	uint16_t len;
};

/*
 * Parses a UDP frame and checks it: lengths, IPv4 header checksum, UDP
 * checksum (mandatory, also on IPv4), TTL/hop limit 64, no fragment.
 * Returns NULL when good, else what is wrong. Non-UDP frames: "not udp".
 */
const char *it_frame_check(const uint8_t *f, uint16_t flen, struct it_parsed *p);

/* Puts a copy of the frame on rx ring `queue` of the port (waits while full). */
void it_inject(unsigned port, unsigned queue, const void *frame, uint16_t len);

/* ARP request from a host to the port, and the reply to a request. */
uint16_t it_frame_arp(uint8_t *f, unsigned port, uint16_t op, const struct rte_ether_addr *sha,
		      const struct ms_addr *spa, const struct rte_ether_addr *tha,
		      const struct ms_addr *tpa);

/*
 * ICMPv6 neighbour solicitation (type 135, with a source link-layer option)
 * or advertisement (136, target link-layer option; flags: 0x40 solicited,
 * 0x20 override), hop limit 255, from src_mac; returns the frame length.
 */
uint16_t it_frame_nd(uint8_t *f, unsigned port, uint8_t type, const struct rte_ether_addr *src_mac,
		     const struct rte_ether_addr *dst_mac, const struct ms_addr *src,
		     const struct ms_addr *dst, const struct ms_addr *target, uint8_t flags);

/* ------------------------------------------------------------------------- */
/* libsrtp2: the peers' side */

/*
 * A libsrtp2 session for one SSRC; outbound protects, inbound unprotects.
 * With an MKI length, every key of c goes in (the packet's MKI picks one).
 */
srtp_t it_srtp_new(const struct ms_srtp_ctx_cfg *c, bool outbound, uint32_t ssrc, uint32_t roc,
		   unsigned window);
/* New keys for the session's stream, which keeps its ROC, replay state and SRTCP index. */
void it_srtp_update(srtp_t s, const struct ms_srtp_ctx_cfg *c, uint32_t ssrc);
void it_srtp_free(srtp_t s);
uint32_t it_srtp_roc(srtp_t s, uint32_t ssrc);

/* Random keys for a suite (one key, no MKI). */
void it_keys(struct ms_srtp_ctx_cfg *c, enum ms_srtp_suite suite);
/* "inline:" base64(key || salt) for a configuration file. */
void it_sdes(const struct ms_srtp_ctx_cfg *c, char *out, size_t outlen);

/* ------------------------------------------------------------------------- */
/* Legs, sessions and flows */

struct it_leg {
	uint16_t port;
	uint8_t family;
	enum ms_leg_mode mode;
	bool rtcp_mux, learn, strict;
	uint16_t window;
	struct ms_addr local;
	uint16_t lport, lrtcp;
	/* the peer as it really is: sends from there, expects media there */
	struct ms_addr peer;
	uint16_t pport, prtcp;
	struct rte_ether_addr peer_mac;
	struct ms_srtp_ctx_cfg recv, send; /* recv: what the peer protects with */
	uint32_t recv_roc, send_roc;
	uint32_t ssrc; /* what the peer sends */
	uint32_t id;   /* leg id in the table */
};

/* One decoder of a flow's receiver: plain, or a libsrtp2 inbound session. */
struct it_dec {
	srtp_t s; /* NULL: plain RTP */
	bool mki; /* its keys carry MKIs: the packet's MKI picks the key */
	/* first counter injected after this decoder took over: never decodes with an older one */
	uint32_t from;
	/* the change applies at exactly `from`: no earlier packet may use this decoder */
	bool exact;
};

/* One direction of a session: what from's peer sends, to's peer receives. */
struct it_flow {
	uint32_t id;
	struct it_session *sess;
	struct it_leg *from, *to;
	/* sender: the peer of `from` */
	srtp_t tx;            /* NULL: plain */
	bool tx_mki;          /* tx holds keys with MKIs ... */
	uint32_t mki_index;   /* ... and protects with this one (atomic: the injector reads it) */
	uint32_t next;        /* next packet counter (atomic where a thread injects) */
	uint16_t seq0;
	uint32_t ts0;
	uint16_t rtcp_every;  /* every nth packet is RTCP (0: none) */
	uint16_t rtp_len;     /* RTP payload length (0: varies 20..300) */
	uint16_t queue_mask;  /* rx queues to spread over (bit per queue; 0: queue 0) */
	/* receiver: the peer of `to` */
	struct it_dec dec[IT_MAX_EPOCHS];
	unsigned nb_dec, cur_dec;
	uint8_t *seen;        /* per counter: times delivered */
	uint32_t seen_cap;
	uint32_t delivered, delivered_rtcp;
	uint32_t dup, bad;
	/* another SSRC of the same leg direction (it_flow_extra), or NULL */
	uint32_t ssrc;        /* the SSRC this flow's packets carry */
	struct it_flow *alt;  /* next flow into the same leg, told apart by SSRC */
};

struct it_session {
	char name[48];
	struct it_leg leg[2];
	struct it_flow flow[2]; /* flow[d]: leg[d] -> leg[1 - d] */
	bool installed;
};

/* Fills a leg: keys for the mode (random; suite ignored for rtp), peer host h, ports. */
void it_leg_init(struct it_leg *l, unsigned port, uint8_t family, enum ms_leg_mode mode,
		 enum ms_srtp_suite suite, unsigned host, uint16_t lport, uint16_t pport,
		 bool rtcp_mux);
void it_leg_cfg(const struct it_leg *l, struct ms_leg_cfg *c, const char *session);

/* Prepares flows (libsrtp sessions) of a session; capacity: packets per flow. */
void it_session_prepare(struct it_session *s, const char *name, uint32_t capacity);
/* ms_session_add + register for output checking. */
void it_session_install(struct it_session *s);
/* Registers only (the sessions came from the configuration): finds the leg ids. */
void it_session_register(struct it_session *s);
void it_session_remove(struct it_session *s); /* ms_session_del, then reclaim; stays registered */
void it_session_unregister(struct it_session *s);
void it_session_free(struct it_session *s);   /* libsrtp sessions, bitmaps */

/* Plaintext of packet `counter` of a flow; returns its length; rtcp set. */
uint16_t it_flow_plain(const struct it_flow *f, uint32_t counter, uint8_t *buf, bool *rtcp);
/* Plaintext protected as the peer sends it (libsrtp when the from leg is SRTP). */
uint16_t it_flow_wire(struct it_flow *f, uint32_t counter, uint8_t *buf, bool *rtcp);
/* A frame from the peer to the from leg carrying payload. src: another source (NULL: the peer). */
uint16_t it_flow_frame(const struct it_flow *f, uint8_t *frame, const void *payload, uint16_t len,
		       bool rtcp, const struct ms_addr *src, uint16_t sport);
/* Sends the next packet of the flow (takes a counter); returns the counter. */
uint32_t it_flow_send(struct it_flow *f, unsigned queue);
/*
 * A further flow from s->leg[d] to the other leg with its own SSRC (the
 * peer's second source, or a new one after a transfer), found by SSRC when
 * its packets come out. it_flow_extra_free after the session's last use.
 */
void it_flow_extra(struct it_flow *x, struct it_session *s, int d, uint32_t ssrc,
		   uint32_t capacity);
void it_flow_extra_free(struct it_flow *x);
/* Adds a decoder to the receiver (after a live change). */
void it_flow_add_dec(struct it_flow *f, srtp_t s, uint32_t from);

/* Local UDP ports for new legs (even, from 10000) and peer ports (from 5004). */
uint16_t it_next_local_port(void);
uint16_t it_next_peer_port(void);

/* The rx queue packet c of a flow goes to (spread over queue_mask). */
unsigned it_flow_queue(const struct it_flow *f, uint32_t c);
/* Sends per_flow packets on each flow, round robin (collecting as it goes). */
void it_send_rr(struct it_flow *const *flows, unsigned n, unsigned per_flow);
/* After it_settle: every packet sent on each flow came out exactly once. */
void it_expect_all(struct it_flow *const *flows, unsigned n);

/* ------------------------------------------------------------------------- */
/* Live traffic: a thread sends on every flow set on while the test changes things */

enum it_live_state { IT_LIVE_OFF, IT_LIVE_ON, IT_LIVE_PAUSED };

/*
 * Starts the injector over the flows of sess[0 .. n), n set with
 * it_live_count as sessions are added (at most max). Each round sends one
 * packet on every flow that is on (spread over its queues), then waits until
 * the workers took what it put on the rings.
 */
void it_live_start(struct it_session *sess, unsigned max);
void it_live_count(unsigned n);
void it_live_stop(void);
void it_live_set(struct it_flow *f, enum it_live_state st);
/* Collects output for ms (the main thread is the only one that checks output). */
void it_live_run(unsigned ms);
/* Waits until the injector finished two rounds: a flow set off or paused is left alone. */
void it_live_sync(void);
/* Pauses a flow and waits until everything it sent came out. */
void it_live_pause_drain(struct it_flow *f);
/* The counter of the flow's next packet. */
uint32_t it_live_next(const struct it_flow *f);
/*
 * The peer of f moves, between packets at - 1 and at, to key (its libsrtp2
 * session is updated: same ROC and SRTCP index), or to the key of its session
 * with MKI index mki_index.
 */
void it_live_switch_key(struct it_flow *f, uint32_t at, const struct ms_srtp_ctx_cfg *key);
void it_live_switch_mki(struct it_flow *f, uint32_t at, uint32_t mki_index);
/* Where the flow's pending or last switch is (UINT32_MAX: none). */
uint32_t it_live_switch_at(const struct it_flow *f);

/* ------------------------------------------------------------------------- */
/* Output */

/* Takes every frame from the tx rings and checks it; returns frames taken. */
unsigned it_collect(void);
/* Collects until the workers received everything injected and the output is quiet. */
void it_settle(void);
/* Collects until *counter >= want (or the timeout); false on timeout. */
bool it_wait_count(const volatile uint32_t *counter, uint32_t want, unsigned timeout_ms);

/* Sum of a drop reason over both sides of a leg. */
uint64_t it_leg_srtp_drops(const struct it_leg *l, enum ms_srtp_result r);
uint64_t it_leg_drops(const struct it_leg *l, enum ms_leg_drop d);
void it_leg_stats(const struct it_leg *l, struct ms_leg_side_stats *rx,
		  struct ms_leg_side_stats *tx);
void it_total(struct ms_worker_stats *st);

/* Failure counting: prints (first 50) and counts into it.errors. */
void it_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Asserts no check failed; on failure names the pcap files. */
void it_assert_clean(void);
/* Settles, then asserts that no mbuf of the injection or dataplane pools is in use. */
void it_assert_no_leak(void);

uint64_t it_now_ms(void);
void it_sleep_ms(unsigned ms);

#endif
