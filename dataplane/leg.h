/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_LEG_H
#define MS_LEG_H

/*
 * Call legs and the table workers find them in.
 *
 * A session is two legs, A and B. A packet that arrives on leg A (its local
 * address and UDP port) is verified and decrypted with A's inbound stream,
 * protected with B's outbound stream, and sent from B's local address to B's
 * peer. So the worker that receives leg A's packets is the only writer of A's
 * inbound stream, of B's outbound stream, of A's peer learning and receive
 * counters, and of B's transmit counters. That worker is the leg's owner: the
 * first worker to see one of its packets claims it, and any other worker that
 * receives one later hands the packet to the owner (see worker.h).
 *
 * Legs live in one preallocated array and are found through a lock-free-read
 * hash on (port, local address, local UDP port). Control builds everything a
 * leg needs, publishes it with single pointer stores, and takes things away
 * only after an RCU grace period (every worker passed a quiescent state);
 * then the old contexts are retired and their keys wiped.
 */

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_rcu_qsbr.h>

#include "addr.h"
#include "srtp.h"

enum ms_leg_mode {
	MS_LEG_RTP,           /* no protection */
	MS_LEG_AUTHENTICATED, /* NULL_HMAC_SHA1_*: authenticated, not encrypted */
	MS_LEG_ENCRYPTED,     /* any other suite */
};

const char *ms_leg_mode_str(enum ms_leg_mode m);
/* "rtp", "authenticated", "encrypted"; -EINVAL otherwise. */
int ms_leg_mode_from_str(const char *s);
/* The mode a suite gives a leg. */
enum ms_leg_mode ms_leg_mode_of_suite(enum ms_srtp_suite suite);

/* One direction's keys: the context and the ROC its first packet starts at. */
struct ms_leg_keys {
	struct ms_srtp_ctx_cfg ctx; /* suite, keys, MKI; ignored for rtp legs */
	uint32_t initial_roc;
};

struct ms_leg_cfg {
	uint16_t port;          /* dataplane port index (configuration order) */
	uint8_t mode;           /* enum ms_leg_mode */
	bool rtcp_mux;          /* RFC 5761: RTCP on the RTP port */
	bool peer_learn;        /* peer from the first packet that authenticates */
	bool strict_source;     /* drop packets from anything but the peer */
	uint16_t replay_window; /* 0: the dataplane's default */
	struct ms_addr local;
	uint16_t local_port;
	uint16_t local_rtcp_port; /* local_port with rtcp_mux; else usually local_port + 1 */
	struct ms_addr peer;      /* unset while peer_learn and not yet learned */
	uint16_t peer_port;
	uint16_t peer_rtcp_port;  /* peer_port with rtcp_mux */
	struct ms_leg_keys recv;  /* what the peer sends us: verify + decrypt */
	struct ms_leg_keys send;  /* what we send the peer: encrypt + tag */
	char session[48];         /* the session's name, for counters and logs */
};

/* Drops that belong to a leg beside the crypto results of ms_srtp_result. */
#define MS_LEG_DROPS(X)                                                         \
	X(WRONG_SOURCE, "wrong_source") /* strict source: not from the peer */   \
	X(NOT_RTP, "not_rtp")           /* plain leg: not RTP v2 or too short */  \
	X(NO_PEER, "no_peer")           /* peer to send to not known yet */       \
	X(NO_NEIGHBOUR, "no_neighbour") /* peer's MAC address not resolved */     \
	X(TX_FULL, "tx_full")           /* the port's transmit queue was full */

enum ms_leg_drop {
#define MS_LEG_DROP_ENUM(id, str) MS_LEG_DROP_##id,
	MS_LEG_DROPS(MS_LEG_DROP_ENUM)
#undef MS_LEG_DROP_ENUM
	MS_LEG_DROP_COUNT
};

const char *ms_leg_drop_str(enum ms_leg_drop d);

/*
 * Counters of one side of a leg; written by one worker, read relaxed by
 * control. Not cache-aligned itself: struct ms_leg places each side on
 * lines of its own and puts control's fields in the rest.
 */
struct ms_leg_side_stats {
	uint64_t pkts;
	uint64_t bytes; /* UDP payload bytes */
	uint64_t srtp[MS_SRTP_RESULT_COUNT]; /* crypto drops by result ([MS_SRTP_OK] unused) */
	uint64_t drops[MS_LEG_DROP_COUNT];
};

#define MS_LEG_F_ACTIVE RTE_BIT32(0)
#define MS_LEG_F_RTCP_MUX RTE_BIT32(1)
#define MS_LEG_F_STRICT_SOURCE RTE_BIT32(2)
#define MS_LEG_F_PEER_LEARN RTE_BIT32(3)
#define MS_LEG_F_CAPTURE RTE_BIT32(4) /* capture is set: copy the leg's plaintext media */

#define MS_PEER_RTCP_SET 1     /* configured, or learned from the peer's RTCP */
#define MS_PEER_RTCP_ASSUMED 2 /* RTP port + 1 (RFC 3550) until the peer's RTCP shows up */

/* Where the leg's media goes. */
struct ms_leg_peer {
	struct ms_addr addr;
	uint16_t port;
	uint16_t rtcp_port;
	uint8_t known;      /* addr and port are valid */
	uint8_t rtcp_known; /* rtcp_port is valid: MS_PEER_RTCP_* */
};

struct ms_leg {
	/* line 0. ctlplane: rw (atomic stores once published); dataplane: ro */
	struct ms_srtp_stream *in;  /* NULL: plain RTP from the peer */
	struct ms_srtp_stream *out; /* NULL: plain RTP to the peer */
	struct ms_leg *pair;
	uint32_t id;
	/* dataplane: claimed with one CAS by the first worker (index + 1); ctlplane: reset */
	uint32_t owner;
	uint32_t flags; /* MS_LEG_F_* */
	uint16_t port;
	uint16_t local_port;
	uint16_t local_rtcp_port;
	uint8_t mode;
	uint8_t reserved;
	struct ms_addr local;

	/*
	 * line 1. The peer, under a sequence count: the owner (learning) and
	 * control write it after taking the count odd with one CAS, so neither
	 * ever waits; the paired leg's owner reads it.
	 */
	uint32_t peer_seq;
	struct ms_leg_peer peer;
	/* dataplane (the pair's owner): rw. MAC of the next hop toward the peer. */
	struct rte_ether_addr tx_mac;
	uint32_t tx_mac_version; /* neighbour table version tx_mac was resolved at; 0: none */
	uint32_t tx_mac_seq;     /* peer_seq of the peer tx_mac was resolved for */
	/* ctlplane: rw; dataplane: ro, read only while MS_LEG_F_CAPTURE is set */
	struct ms_capture *capture;

	/*
	 * The two sides' counters start on lines of their own, as different
	 * workers write them; control's own fields fill the rest of their last
	 * lines, so that a leg is 8 lines, not 9 (64 MiB per million legs).
	 */
	/* dataplane (owner): rw */
	struct ms_leg_side_stats rx __rte_cache_aligned;
	/* ctlplane only */
	char session[48];
	/* dataplane (the pair's owner): rw */
	struct ms_leg_side_stats tx __rte_cache_aligned;
	/* ctlplane only */
	uint16_t replay_window;
	uint8_t suite;
	bool has_keys;
	struct { /* removed, waiting for its grace period */
		struct ms_leg *next;
		uint64_t token; /* the RCU token it waits for */
		int32_t pos[2]; /* its lookup keys' positions, to free then (-1: none) */
	} retired;
} __rte_cache_aligned;

static_assert(sizeof(struct ms_leg) == 8 * RTE_CACHE_LINE_SIZE, "a leg is 8 cache lines");
/* no line holds counters of both sides */
static_assert(offsetof(struct ms_leg, tx) >=
		      RTE_ALIGN_CEIL(offsetof(struct ms_leg, rx) + sizeof(struct ms_leg_side_stats),
				     RTE_CACHE_LINE_SIZE),
	      "rx and tx counters share a cache line");

/* The peer as one consistent snapshot; false when it changed too often to read. */
static inline bool
ms_leg_peer_read(const struct ms_leg *leg, struct ms_leg_peer *p)
{
	for (int tries = 0; tries < 16; tries++) {
		uint32_t s = __atomic_load_n(&leg->peer_seq, __ATOMIC_ACQUIRE);

		if (s & 1) {
			rte_pause();
			continue;
		}
		*p = leg->peer;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&leg->peer_seq, __ATOMIC_RELAXED) == s)
			return true;
	}
	return false;
}

/* Writes the peer unless another writer holds it; false then. */
bool ms_leg_peer_write(struct ms_leg *leg, const struct ms_leg_peer *p);

struct ms_capture;

struct ms_legtab_params {
	uint32_t max_legs;
	int socket_id;
	uint16_t replay_window; /* default for legs that name none */
	const struct ms_crypto_engine *engine;
	struct rte_rcu_qsbr *qsbr; /* the workers' quiescent-state variable */
	uint16_t nb_ports;
};

struct ms_legtab;

/*
 * Lookup key: the leg's local end. A hash hit gives the leg, with bit 0 of
 * the data set when the key is the leg's separate RTCP port.
 */
struct ms_leg_key {
	uint16_t port;
	uint8_t family;
	uint8_t reserved;
	uint16_t udp_port; /* host order */
	uint16_t reserved2;
	uint8_t addr[16];
};

struct ms_legtab *ms_legtab_create(const struct ms_legtab_params *p);
/* Removes every session (wiping keys) and frees the table. */
void ms_legtab_free(struct ms_legtab *t);

/* Dataplane: up to 64 keys; leg pointer or NULL per key, rtcp flag per key. */
void ms_legtab_lookup_bulk(const struct ms_legtab *t, const struct ms_leg_key *keys, uint32_t n,
			   struct ms_leg **legs, uint8_t *is_rtcp_port);

/*
 * Control side. Every call is for one control thread at a time and may wait
 * for a grace period; none blocks a worker. Errors return -errno and write
 * the reason (naming the field) into err; on error nothing changed.
 */

/* Installs both legs of a session, or nothing. leg_ids gets their ids. */
int ms_session_add(struct ms_legtab *t, const struct ms_leg_cfg cfg[2], uint32_t leg_ids[2],
		   char *err, size_t errlen);
/*
 * Removes the session that leg_id belongs to: at once from the workers' view
 * (no packet finds it any more), without waiting: its streams, contexts (keys
 * wiped) and slots are freed by ms_legtab_reclaim once every worker has
 * passed a quiescent state, so that many removals share one grace period.
 */
int ms_session_del(struct ms_legtab *t, uint32_t leg_id);
/*
 * Frees what removed sessions left once their grace period is over (wait:
 * until it is). Returns the legs freed. Control calls it every turn of its
 * loop; the table calls it itself when it runs out of room.
 */
unsigned ms_legtab_reclaim(struct ms_legtab *t, bool wait);
/* Removed legs still waiting for their grace period. */
unsigned ms_legtab_pending(const struct ms_legtab *t);

/*
 * Switches a leg between plain RTP and SRTP, or to another suite and keys
 * (the fallback of a transferred call). Both directions of the leg change.
 */
int ms_leg_set_keys(struct ms_legtab *t, uint32_t leg_id, enum ms_leg_mode mode,
		    const struct ms_leg_keys *recv, const struct ms_leg_keys *send, char *err,
		    size_t errlen);
/* Rekeys one direction of an SRTP leg in place: its stream keeps ROC and replay state. */
int ms_leg_rekey(struct ms_legtab *t, uint32_t leg_id, bool send, const struct ms_srtp_ctx_cfg *ctx,
		 char *err, size_t errlen);
/*
 * Rekeys one direction of an SRTP leg make-before-break without master keys
 * kept anywhere: the new context holds the current context's keys of the
 * slots listed in keep, then add (NULL: none); see ms_srtp_ctx_rekey. The
 * stream keeps its ROC, replay state and the usage counts of kept keys.
 */
int ms_leg_rekey_keep(struct ms_legtab *t, uint32_t leg_id, bool send, const uint8_t *keep,
		      unsigned nb_keep, const struct ms_srtp_key_cfg *add, char *err,
		      size_t errlen);
/*
 * Replaces leg_id by a new leg built from cfg (cfg->port .. cfg->send), paired
 * with leg_id's pair: the attended transfer of one end of a call. Local ends
 * the two legs share change hands in place in the lookup table, so packets
 * to them are never unknown; the old leg's streams and keys go after the
 * grace period. new_id gets the new leg's id; on error nothing changed.
 */
int ms_leg_replace(struct ms_legtab *t, uint32_t leg_id, const struct ms_leg_cfg *cfg,
		   uint32_t *new_id, char *err, size_t errlen);
/*
 * Starts (c) or stops (NULL) copying a leg's plaintext media into a capture.
 * Stopping waits for a grace period: after it no worker writes into the
 * capture that was set. -EBUSY when a capture is set already, -ENOENT
 * without such a leg.
 */
int ms_leg_set_capture(struct ms_legtab *t, uint32_t leg_id, struct ms_capture *c);
/* Sets the peer (known) or makes the leg learn it again (learn = true). */
int ms_leg_set_peer(struct ms_legtab *t, uint32_t leg_id, const struct ms_addr *addr, uint16_t port,
		    uint16_t rtcp_port, bool learn, bool strict_source, char *err, size_t errlen);

/* Some installed leg has this local end (RTP or separate RTCP port). Control only. */
bool ms_legtab_in_use(const struct ms_legtab *t, uint16_t port, const struct ms_addr *local,
		      uint16_t udp_port);
/* The leg with this id, NULL when none is installed there. Control only. */
const struct ms_leg *ms_legtab_get(const struct ms_legtab *t, uint32_t leg_id);
/* Ids of installed legs, in order, starting after `after` (UINT32_MAX: from the start). */
uint32_t ms_legtab_next(const struct ms_legtab *t, uint32_t after);
uint32_t ms_legtab_count(const struct ms_legtab *t);
uint32_t ms_legtab_capacity(const struct ms_legtab *t);

/* A leg's counters as one copy (relaxed reads of the workers' counters). */
void ms_leg_stats_read(const struct ms_leg *leg, struct ms_leg_side_stats *rx,
		       struct ms_leg_side_stats *tx);

#endif
