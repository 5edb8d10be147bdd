/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "leg.h"
#include "ms_err.h"
#include "ms_log.h"

struct ms_legtab {
	struct ms_legtab_params p;
	struct ms_leg *legs;
	struct rte_hash *hash;
	uint32_t *free_ids; /* stack of unused ids */
	uint32_t nb_free;
	uint32_t count;
	struct ms_leg *retired_head, *retired_tail; /* removed, oldest first */
	uint32_t nb_retired;
};

static const char *const mode_names[] = {
	[MS_LEG_RTP] = "rtp",
	[MS_LEG_AUTHENTICATED] = "authenticated",
	[MS_LEG_ENCRYPTED] = "encrypted",
};

const char *
ms_leg_mode_str(enum ms_leg_mode m)
{
	return (unsigned)m < RTE_DIM(mode_names) ? mode_names[m] : "?";
}

int
ms_leg_mode_from_str(const char *s)
{
	for (unsigned i = 0; i < RTE_DIM(mode_names); i++)
		if (strcmp(s, mode_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

enum ms_leg_mode
ms_leg_mode_of_suite(enum ms_srtp_suite suite)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(suite);

	return si != NULL && si->cipher == MS_CIPHER_NULL ? MS_LEG_AUTHENTICATED : MS_LEG_ENCRYPTED;
}

const char *
ms_leg_drop_str(enum ms_leg_drop d)
{
	static const char *const names[] = {
#define MS_LEG_DROP_NAME(id, str) str,
		MS_LEG_DROPS(MS_LEG_DROP_NAME)
#undef MS_LEG_DROP_NAME
	};

	return (unsigned)d < RTE_DIM(names) ? names[d] : "?";
}

bool
ms_leg_peer_write(struct ms_leg *leg, const struct ms_leg_peer *p)
{
	uint32_t s = __atomic_load_n(&leg->peer_seq, __ATOMIC_RELAXED);

	if ((s & 1) || !__atomic_compare_exchange_n(&leg->peer_seq, &s, s + 1, false,
						    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	leg->peer = *p;
	__atomic_store_n(&leg->peer_seq, s + 2, __ATOMIC_RELEASE);
	return true;
}

/* Control: the peer write never gives up; the only other writer is the leg's owner, briefly. */
static void
peer_write_wait(struct ms_leg *leg, const struct ms_leg_peer *p)
{
	while (!ms_leg_peer_write(leg, p))
		rte_pause();
}

struct ms_legtab *
ms_legtab_create(const struct ms_legtab_params *p)
{
	static unsigned instance;
	char name[RTE_HASH_NAMESIZE];
	struct ms_legtab *t;

	if (p->max_legs < 2 || p->engine == NULL || p->qsbr == NULL)
		return NULL;
	t = rte_zmalloc_socket("ms_legtab", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t == NULL)
		return NULL;
	t->p = *p;
	t->legs = rte_zmalloc_socket("ms_legs", (size_t)p->max_legs * sizeof(struct ms_leg),
				     RTE_CACHE_LINE_SIZE, p->socket_id);
	t->free_ids = rte_malloc_socket("ms_leg_ids", (size_t)p->max_legs * sizeof(uint32_t), 0,
					p->socket_id);
	snprintf(name, sizeof(name), "ms_legs_%u", __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED));
	struct rte_hash_parameters hp = {
		.name = name,
		/* an RTP and an RTCP port per leg, and room so the cuckoo hash stays fast */
		.entries = RTE_MAX(p->max_legs * 2u + p->max_legs / 2u, 64u),
		.key_len = sizeof(struct ms_leg_key),
		.hash_func = rte_jhash,
		.socket_id = p->socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	t->hash = rte_hash_create(&hp);
	if (t->legs == NULL || t->free_ids == NULL || t->hash == NULL) {
		MS_LOG(ERR, dp, "cannot allocate a table of %u legs: %s", p->max_legs,
		       rte_strerror(rte_errno));
		ms_legtab_free(t);
		return NULL;
	}
	for (uint32_t i = 0; i < p->max_legs; i++)
		t->free_ids[i] = p->max_legs - 1 - i; /* id 0 is handed out first */
	t->nb_free = p->max_legs;
	return t;
}

static bool
leg_active(const struct ms_leg *leg)
{
	return (__atomic_load_n(&leg->flags, __ATOMIC_RELAXED) & MS_LEG_F_ACTIVE) != 0;
}

static void
leg_key(const struct ms_leg *leg, bool rtcp, struct ms_leg_key *k)
{
	memset(k, 0, sizeof(*k));
	k->port = leg->port;
	k->family = leg->local.family;
	k->udp_port = rtcp ? leg->local_rtcp_port : leg->local_port;
	memcpy(k->addr, leg->local.a, sizeof(k->addr));
}

static bool
leg_has_rtcp_key(const struct ms_leg *leg)
{
	return !(leg->flags & MS_LEG_F_RTCP_MUX) && leg->local_rtcp_port != leg->local_port;
}

/* A stream and its context, or NULL for a plain leg. */
static int
stream_build(const struct ms_legtab *t, enum ms_srtp_dir dir, const struct ms_leg_keys *k,
	     uint16_t window, struct ms_srtp_stream **out)
{
	const struct ms_crypto_engine *e = t->p.engine;
	struct ms_srtp_stream_cfg sc = {
		.dir = dir,
		.replay_window = window ? window : t->p.replay_window,
		.initial_roc = k->initial_roc,
	};
	struct ms_srtp_ctx *ctx;
	int ret;

	ret = e->ctx_create(&k->ctx, &ctx);
	if (ret < 0)
		return ret;
	ret = e->stream_create(&sc, ctx, out);
	if (ret < 0) {
		e->ctx_free(ctx);
		return ret;
	}
	return 0;
}

/* After the grace period: the stream, its context and the keys in it go. */
static void
stream_destroy(const struct ms_legtab *t, struct ms_srtp_stream *s)
{
	if (s == NULL)
		return;
	ms_srtp_stream_retire(s, ms_srtp_stream_ctx(s));
	t->p.engine->stream_free(s);
}

static void
grace_period(const struct ms_legtab *t)
{
	rte_rcu_qsbr_synchronize(t->p.qsbr, RTE_QSBR_THRID_INVALID);
}

/* what: the key's member ("recv_key"); i: the leg, or -1 for none */
static int
check_keys(int i, const char *what, const struct ms_leg_keys *k, enum ms_leg_mode mode, char *err,
	   size_t errlen)
{
	static const char *const at[] = {"", "legs[0].", "legs[1]."};
	const char *why = NULL;
	unsigned a = i >= 0 && i < 2 ? (unsigned)i + 1 : 0;

	if (mode == MS_LEG_RTP)
		return 0;
	if (ms_srtp_ctx_cfg_check(&k->ctx, &why) < 0)
		return ms_err(-EINVAL, err, errlen, "%s%s: %s", at[a], what,
			      why ? why : "invalid key configuration");
	if (ms_leg_mode_of_suite(k->ctx.suite) != mode)
		return ms_err(-EINVAL, err, errlen, "%s%s: suite %s does not give a leg of mode %s",
			      at[a], what, ms_srtp_suite_info(k->ctx.suite)->name, ms_leg_mode_str(mode));
	return 0;
}

static int
check_leg_cfg(const struct ms_legtab *t, const struct ms_leg_cfg *c, unsigned i, char *err,
	      size_t errlen)
{

	if (c->port >= t->p.nb_ports)
		return ms_err(-EINVAL, err, errlen, "legs[%u].port: no port %u", i, c->port);
	if (c->mode > MS_LEG_ENCRYPTED)
		return ms_err(-EINVAL, err, errlen, "legs[%u].mode: unknown mode %u", i, c->mode);
	if (c->local.family != AF_INET && c->local.family != AF_INET6)
		return ms_err(-EINVAL, err, errlen, "legs[%u].local: no address", i);
	if (c->local_port == 0)
		return ms_err(-EINVAL, err, errlen, "legs[%u].local: UDP port 0", i);
	if (!c->rtcp_mux && (c->local_rtcp_port == 0 || c->local_rtcp_port == c->local_port))
		return ms_err(-EINVAL, err, errlen, "legs[%u].rtcp: needs a port of its own without rtcp-mux", i);
	if (!c->peer_learn) {
		if (c->peer.family != c->local.family)
			return ms_err(-EINVAL, err, errlen, "legs[%u].peer: not of the local address's family", i);
		if (c->peer_port == 0)
			return ms_err(-EINVAL, err, errlen, "legs[%u].peer: UDP port 0", i);
	}
	if (c->replay_window != 0 && (c->replay_window < MS_SRTP_REPLAY_WINDOW_MIN ||
				      c->replay_window > MS_SRTP_REPLAY_WINDOW_MAX))
		return ms_err(-EINVAL, err, errlen, "legs[%u].replay_window: %u is outside %d..%d", i,
			    c->replay_window, MS_SRTP_REPLAY_WINDOW_MIN, MS_SRTP_REPLAY_WINDOW_MAX);
	if (check_keys((int)i, "recv_key", &c->recv, c->mode, err, errlen) < 0)
		return -EINVAL;
	return check_keys((int)i, "send_key", &c->send, c->mode, err, errlen);
}

static void
peer_from_cfg(const struct ms_leg_cfg *c, struct ms_leg_peer *p)
{
	memset(p, 0, sizeof(*p));
	if (c->peer_learn && !ms_addr_is_set(&c->peer))
		return;
	p->addr = c->peer;
	p->addr.prefix_len = 0;
	p->port = c->peer_port;
	p->rtcp_port = c->rtcp_mux ? c->peer_port : c->peer_rtcp_port;
	p->known = c->peer_port != 0;
	p->rtcp_known = p->rtcp_port != 0 ? MS_PEER_RTCP_SET : 0;
}

/* The lookup keys of a leg's local end: its RTP port, and its RTCP port unless muxed. */
static unsigned
cfg_keys(const struct ms_leg_cfg *c, struct ms_leg_key keys[2], uint8_t rtcp[2])
{
	struct ms_leg tmp = {
		.port = c->port,
		.local = c->local,
		.local_port = c->local_port,
		.local_rtcp_port = c->rtcp_mux ? c->local_port : c->local_rtcp_port,
		.flags = c->rtcp_mux ? MS_LEG_F_RTCP_MUX : 0,
	};
	unsigned n = 0;

	rtcp[n] = 0;
	leg_key(&tmp, false, &keys[n++]);
	if (leg_has_rtcp_key(&tmp)) {
		rtcp[n] = 1;
		leg_key(&tmp, true, &keys[n++]);
	}
	return n;
}

/* Inbound and outbound streams of an SRTP leg; NULL for a plain one. */
static int
streams_build(const struct ms_legtab *t, const struct ms_leg_cfg *c, struct ms_srtp_stream **in,
	      struct ms_srtp_stream **out)
{
	int ret;

	*in = *out = NULL;
	if (c->mode == MS_LEG_RTP)
		return 0;
	ret = stream_build(t, MS_SRTP_UNPROTECT, &c->recv, c->replay_window, in);
	if (ret == 0)
		ret = stream_build(t, MS_SRTP_PROTECT, &c->send, c->replay_window, out);
	if (ret < 0) {
		stream_destroy(t, *in);
		*in = NULL;
	}
	return ret;
}

/* A free slot of the table, filled from cfg; published by the caller. */
static struct ms_leg *
leg_take(struct ms_legtab *t, const struct ms_leg_cfg *c, struct ms_srtp_stream *in,
	 struct ms_srtp_stream *out)
{
	uint32_t id = t->free_ids[--t->nb_free];
	struct ms_leg *leg = &t->legs[id];

	memset(leg, 0, sizeof(*leg));
	leg->id = id;
	leg->in = in;
	leg->out = out;
	leg->port = c->port;
	leg->local = c->local;
	leg->local.prefix_len = 0;
	leg->local_port = c->local_port;
	leg->local_rtcp_port = c->rtcp_mux ? c->local_port : c->local_rtcp_port;
	leg->mode = c->mode;
	leg->flags = MS_LEG_F_ACTIVE | (c->rtcp_mux ? MS_LEG_F_RTCP_MUX : 0) |
		     (c->strict_source ? MS_LEG_F_STRICT_SOURCE : 0) |
		     (c->peer_learn ? MS_LEG_F_PEER_LEARN : 0);
	peer_from_cfg(c, &leg->peer);
	leg->replay_window = c->replay_window ? c->replay_window : t->p.replay_window;
	leg->suite = c->mode == MS_LEG_RTP ? 0 : (uint8_t)c->send.ctx.suite;
	leg->has_keys = c->mode != MS_LEG_RTP;
	memcpy(leg->session, c->session, sizeof(leg->session));
	leg->session[sizeof(leg->session) - 1] = '\0';
	return leg;
}

static void
leg_give_back(struct ms_legtab *t, struct ms_leg *leg)
{
	uint32_t id = leg->id;

	memset(leg, 0, sizeof(*leg));
	t->free_ids[t->nb_free++] = id;
}

static int
key_in_use(const struct ms_leg_cfg *c, const struct ms_leg_key *k, const char *what, uint8_t rtcp,
	   char *err, size_t errlen)
{
	char a[MS_ADDR_STRLEN];

	return ms_err(-EEXIST, err, errlen, "%s.%s: %s port %u is already in use", what,
		      rtcp ? "rtcp" : "local", ms_addr_str(&c->local, a, sizeof(a)), k->udp_port);
}

int
ms_session_add(struct ms_legtab *t, const struct ms_leg_cfg cfg[2], uint32_t leg_ids[2], char *err,
	       size_t errlen)
{
	struct ms_srtp_stream *in[2] = {NULL, NULL}, *out[2] = {NULL, NULL};
	struct ms_leg_key keys[4];
	uint8_t key_leg[4], key_rtcp[4];
	int32_t pos[4];
	unsigned nb_keys = 0, added = 0;
	struct ms_leg *legs[2];
	int ret;

	for (unsigned i = 0; i < 2; i++) {
		ret = check_leg_cfg(t, &cfg[i], i, err, errlen);
		if (ret < 0)
			return ret;
	}
	if (t->nb_free < 2 && t->nb_retired > 0)
		ms_legtab_reclaim(t, true);
	if (t->nb_free < 2)
		return ms_err(-ENOSPC, err, errlen, "leg table full (%u legs)", t->p.max_legs);

	/* the local ends must be free, and distinct within the session */
	for (unsigned i = 0; i < 2; i++) {
		unsigned n = cfg_keys(&cfg[i], &keys[nb_keys], &key_rtcp[nb_keys]);

		for (unsigned k = 0; k < n; k++)
			key_leg[nb_keys + k] = (uint8_t)i;
		nb_keys += n;
	}
	for (unsigned k = 0; k < nb_keys; k++) {
		char what[16];
		bool dup = rte_hash_lookup(t->hash, &keys[k]) >= 0;

		for (unsigned j = 0; j < k && !dup; j++)
			dup = memcmp(&keys[j], &keys[k], sizeof(keys[k])) == 0;
		snprintf(what, sizeof(what), "legs[%u]", key_leg[k]);
		if (dup)
			return key_in_use(&cfg[key_leg[k]], &keys[k], what, key_rtcp[k], err, errlen);
	}

	for (unsigned i = 0; i < 2; i++) {
		ret = streams_build(t, &cfg[i], &in[i], &out[i]);
		if (ret < 0) {
			ms_err(0, err, errlen, "legs[%u]: cannot create its crypto contexts: %s", i,
			       strerror(-ret));
			goto undo_streams;
		}
	}

	for (unsigned i = 0; i < 2; i++)
		legs[i] = leg_take(t, &cfg[i], in[i], out[i]);
	legs[0]->pair = legs[1];
	legs[1]->pair = legs[0];

	/* the hash publishes the legs: a worker finds them only from here on */
	for (added = 0; added < nb_keys; added++) {
		void *data = (void *)((uintptr_t)legs[key_leg[added]] | key_rtcp[added]);

		pos[added] = rte_hash_add_key_data(t->hash, &keys[added], data);
		/* removed keys keep their places until reclaimed: free them and try once more */
		if (pos[added] < 0 && ms_legtab_reclaim(t, true) > 0)
			pos[added] = rte_hash_add_key_data(t->hash, &keys[added], data);
		if (pos[added] < 0) {
			ms_err(0, err, errlen, "lookup table full");
			ret = -ENOSPC;
			goto undo_keys;
		}
	}
	leg_ids[0] = legs[0]->id;
	leg_ids[1] = legs[1]->id;
	t->count += 2;
	return 0;

undo_keys:
	for (unsigned k = 0; k < added; k++)
		pos[k] = rte_hash_del_key(t->hash, &keys[k]);
	grace_period(t);
	for (unsigned k = 0; k < added; k++)
		if (pos[k] >= 0)
			rte_hash_free_key_with_position(t->hash, pos[k]);
	for (unsigned i = 2; i-- > 0;)
		leg_give_back(t, legs[i]);
undo_streams:
	for (unsigned i = 0; i < 2; i++) {
		stream_destroy(t, in[i]);
		stream_destroy(t, out[i]);
	}
	return ret;
}

int
ms_leg_replace(struct ms_legtab *t, uint32_t leg_id, const struct ms_leg_cfg *cfg,
	       uint32_t *new_id, char *err, size_t errlen)
{
	struct ms_leg_key nk[2], ok[2];
	uint8_t nrtcp[2];
	bool shared_new[2] = {false, false}, shared_old[2] = {false, false};
	int32_t pos_new[2] = {-1, -1}, pos_old[2] = {-1, -1};
	struct ms_srtp_stream *in, *out;
	struct ms_leg *old, *kept, *leg;
	unsigned nn, no, k;
	int ret;

	if (leg_id >= t->p.max_legs || !leg_active(&t->legs[leg_id]))
		return ms_err(-ENOENT, err, errlen, "no leg %u", leg_id);
	old = &t->legs[leg_id];
	kept = old->pair;
	ret = check_leg_cfg(t, cfg, 0, err, errlen);
	if (ret < 0)
		return ret;
	if (t->nb_free < 1 && t->nb_retired > 0)
		ms_legtab_reclaim(t, true);
	if (t->nb_free < 1)
		return ms_err(-ENOSPC, err, errlen, "leg table full (%u legs)", t->p.max_legs);

	/* a local end the old leg has passes to the new one; any other must be free */
	nn = cfg_keys(cfg, nk, nrtcp);
	no = 0;
	leg_key(old, false, &ok[no++]);
	if (leg_has_rtcp_key(old))
		leg_key(old, true, &ok[no++]);
	for (k = 0; k < nn; k++) {
		for (unsigned j = 0; j < no; j++)
			if (memcmp(&nk[k], &ok[j], sizeof(nk[k])) == 0)
				shared_new[k] = shared_old[j] = true;
		if (!shared_new[k] && rte_hash_lookup(t->hash, &nk[k]) >= 0)
			return key_in_use(cfg, &nk[k], "leg", nrtcp[k], err, errlen);
	}
	ret = streams_build(t, cfg, &in, &out);
	if (ret < 0)
		return ms_err(ret, err, errlen, "cannot create the leg's crypto contexts: %s",
			      strerror(-ret));
	leg = leg_take(t, cfg, in, out);
	leg->pair = kept;

	/* publish: the new leg's own ends first, so that a failure leaves everything as it was */
	for (k = 0; k < nn; k++) {
		if (shared_new[k])
			continue;
		pos_new[k] = rte_hash_add_key_data(t->hash, &nk[k],
						   (void *)((uintptr_t)leg | nrtcp[k]));
		if (pos_new[k] < 0) {
			for (unsigned j = 0; j < k; j++)
				if (!shared_new[j])
					pos_new[j] = rte_hash_del_key(t->hash, &nk[j]);
			grace_period(t);
			for (unsigned j = 0; j < k; j++)
				if (!shared_new[j] && pos_new[j] >= 0)
					rte_hash_free_key_with_position(t->hash, pos_new[j]);
			leg_give_back(t, leg);
			stream_destroy(t, in);
			stream_destroy(t, out);
			return ms_err(-ENOSPC, err, errlen, "lookup table full");
		}
	}
	/* an end both legs have changes hands in place: an update of the key's data */
	for (k = 0; k < nn; k++)
		if (shared_new[k])
			rte_hash_add_key_data(t->hash, &nk[k], (void *)((uintptr_t)leg | nrtcp[k]));
	__atomic_store_n(&kept->pair, leg, __ATOMIC_RELEASE);
	for (unsigned j = 0; j < no; j++)
		if (!shared_old[j])
			pos_old[j] = rte_hash_del_key(t->hash, &ok[j]);
	__atomic_fetch_and(&old->flags, ~MS_LEG_F_ACTIVE, __ATOMIC_RELEASE);

	/* workers may still hold the old leg until they pass a quiescent state */
	grace_period(t);
	for (unsigned j = 0; j < no; j++)
		if (pos_old[j] >= 0)
			rte_hash_free_key_with_position(t->hash, pos_old[j]);
	stream_destroy(t, old->in);
	stream_destroy(t, old->out);
	leg_give_back(t, old);
	*new_id = leg->id;
	return 0;
}

int
ms_session_del(struct ms_legtab *t, uint32_t leg_id)
{
	struct ms_leg *legs[2];
	uint64_t token;

	if (leg_id >= t->p.max_legs || !leg_active(&t->legs[leg_id]))
		return -ENOENT;
	legs[0] = &t->legs[leg_id];
	legs[1] = legs[0]->pair;
	for (unsigned i = 0; i < 2; i++) {
		struct ms_leg *leg = legs[i];
		struct ms_leg_key k;
		int32_t pos[2] = {-1, -1};

		leg_key(leg, false, &k);
		pos[0] = rte_hash_del_key(t->hash, &k);
		if (leg_has_rtcp_key(leg)) {
			leg_key(leg, true, &k);
			pos[1] = rte_hash_del_key(t->hash, &k);
		}
		__atomic_fetch_and(&leg->flags, ~MS_LEG_F_ACTIVE, __ATOMIC_RELEASE);
		leg->retired.pos[0] = pos[0];
		leg->retired.pos[1] = pos[1];
	}
	/* workers may still hold the legs from an earlier lookup until they pass a quiescent state */
	token = rte_rcu_qsbr_start(t->p.qsbr);
	for (unsigned i = 0; i < 2; i++) {
		legs[i]->retired.token = token;
		legs[i]->retired.next = NULL;
		if (t->retired_tail != NULL)
			t->retired_tail->retired.next = legs[i];
		else
			t->retired_head = legs[i];
		t->retired_tail = legs[i];
	}
	t->nb_retired += 2;
	t->count -= 2;
	ms_legtab_reclaim(t, false);
	return 0;
}

unsigned
ms_legtab_reclaim(struct ms_legtab *t, bool wait)
{
	unsigned freed = 0;

	while (t->retired_head != NULL) {
		struct ms_leg *leg = t->retired_head;

		/* tokens only grow: the first one not done ends the pass */
		if (rte_rcu_qsbr_check(t->p.qsbr, leg->retired.token, wait) != 1)
			break;
		t->retired_head = leg->retired.next;
		if (t->retired_head == NULL)
			t->retired_tail = NULL;
		for (unsigned k = 0; k < 2; k++)
			if (leg->retired.pos[k] >= 0)
				rte_hash_free_key_with_position(t->hash, leg->retired.pos[k]);
		stream_destroy(t, leg->in);
		stream_destroy(t, leg->out);
		leg_give_back(t, leg);
		t->nb_retired--;
		freed++;
	}
	return freed;
}

unsigned
ms_legtab_pending(const struct ms_legtab *t)
{
	return t->nb_retired;
}

int
ms_leg_set_keys(struct ms_legtab *t, uint32_t leg_id, enum ms_leg_mode mode,
		const struct ms_leg_keys *recv, const struct ms_leg_keys *send, char *err, size_t errlen)
{
	struct ms_srtp_stream *in = NULL, *out = NULL, *old_in, *old_out;
	struct ms_leg *leg;
	int ret;

	if (leg_id >= t->p.max_legs || !leg_active(&t->legs[leg_id]))
		return ms_err(-ENOENT, err, errlen, "no leg %u", leg_id);
	if (mode > MS_LEG_ENCRYPTED)
		return ms_err(-EINVAL, err, errlen, "mode: unknown mode %d", (int)mode);
	leg = &t->legs[leg_id];
	if (mode != MS_LEG_RTP) {
		if (recv == NULL || send == NULL)
			return ms_err(-EINVAL, err, errlen, "keys: an SRTP leg needs both keys");
		if (check_keys(-1, "recv_key", recv, mode, err, errlen) < 0 ||
		    check_keys(-1, "send_key", send, mode, err, errlen) < 0)
			return -EINVAL;
		ret = stream_build(t, MS_SRTP_UNPROTECT, recv, leg->replay_window, &in);
		if (ret == 0)
			ret = stream_build(t, MS_SRTP_PROTECT, send, leg->replay_window, &out);
		if (ret < 0) {
			stream_destroy(t, in);
			return ms_err(ret, err, errlen, "cannot create the crypto contexts: %s",
				    strerror(-ret));
		}
	}
	old_in = __atomic_exchange_n(&leg->in, in, __ATOMIC_RELEASE);
	old_out = __atomic_exchange_n(&leg->out, out, __ATOMIC_RELEASE);
	leg->mode = (uint8_t)mode;
	leg->suite = mode == MS_LEG_RTP ? 0 : (uint8_t)send->ctx.suite;
	leg->has_keys = mode != MS_LEG_RTP;
	grace_period(t);
	stream_destroy(t, old_in);
	stream_destroy(t, old_out);
	return 0;
}

int
ms_leg_rekey(struct ms_legtab *t, uint32_t leg_id, bool send, const struct ms_srtp_ctx_cfg *cfg,
	     char *err, size_t errlen)
{
	struct ms_srtp_ctx *ctx, *old;
	struct ms_srtp_stream *s;
	struct ms_leg *leg;
	const char *why = NULL;
	int ret;

	if (leg_id >= t->p.max_legs || !leg_active(&t->legs[leg_id]))
		return ms_err(-ENOENT, err, errlen, "no leg %u", leg_id);
	leg = &t->legs[leg_id];
	s = send ? leg->out : leg->in;
	if (s == NULL)
		return ms_err(-EINVAL, err, errlen,
			      "leg %u is plain RTP: switch it with new keys instead", leg_id);
	if (ms_srtp_ctx_cfg_check(cfg, &why) < 0)
		return ms_err(-EINVAL, err, errlen, "%s: %s", send ? "send_key" : "recv_key", why);
	if (ms_leg_mode_of_suite(cfg->suite) != leg->mode)
		return ms_err(-EINVAL, err, errlen, "suite: %s does not suit a leg of mode %s",
			    ms_srtp_suite_info(cfg->suite)->name, ms_leg_mode_str(leg->mode));
	ret = t->p.engine->ctx_create(cfg, &ctx);
	if (ret < 0)
		return ms_err(ret, err, errlen, "cannot create the crypto context: %s", strerror(-ret));
	old = ms_srtp_stream_publish(s, ctx);
	if (send)
		leg->suite = (uint8_t)cfg->suite;
	grace_period(t);
	ms_srtp_stream_retire(s, old);
	return 0;
}

int
ms_leg_rekey_keep(struct ms_legtab *t, uint32_t leg_id, bool send, const uint8_t *keep,
		  unsigned nb_keep, const struct ms_srtp_key_cfg *add, char *err, size_t errlen)
{
	struct ms_srtp_ctx *ctx, *old;
	struct ms_srtp_stream *s;
	const char *why = NULL;
	int ret;

	if (leg_id >= t->p.max_legs || !leg_active(&t->legs[leg_id]))
		return ms_err(-ENOENT, err, errlen, "no leg %u", leg_id);
	s = send ? t->legs[leg_id].out : t->legs[leg_id].in;
	if (s == NULL)
		return ms_err(-EINVAL, err, errlen,
			      "leg %u is plain RTP: switch it with new keys instead", leg_id);
	old = ms_srtp_stream_ctx(s);
	ret = ms_srtp_ctx_rekey(old, keep, nb_keep, add, &ctx, &why);
	if (ret < 0)
		return ms_err(ret, err, errlen, "%s: %s", send ? "send_key" : "recv_key",
			      why != NULL ? why : strerror(-ret));
	old = ms_srtp_stream_publish(s, ctx);
	grace_period(t);
	ms_srtp_stream_retire(s, old);
	return 0;
}

int
ms_leg_set_capture(struct ms_legtab *t, uint32_t leg_id, struct ms_capture *c)
{
	struct ms_leg *leg;

	if (leg_id >= t->p.max_legs || !leg_active(&t->legs[leg_id]))
		return -ENOENT;
	leg = &t->legs[leg_id];
	if (c != NULL) {
		/* replacing one capture by another would need the grace period of a stop first */
		if (leg->capture != NULL)
			return -EBUSY;
		/* the pointer first: a worker that sees the flag finds the capture */
		__atomic_store_n(&leg->capture, c, __ATOMIC_RELEASE);
		__atomic_fetch_or(&leg->flags, MS_LEG_F_CAPTURE, __ATOMIC_RELEASE);
		return 0;
	}
	__atomic_fetch_and(&leg->flags, ~MS_LEG_F_CAPTURE, __ATOMIC_RELEASE);
	/* after this no worker writes into the old capture: it may be drained and freed */
	grace_period(t);
	__atomic_store_n(&leg->capture, NULL, __ATOMIC_RELEASE);
	return 0;
}

int
ms_leg_set_peer(struct ms_legtab *t, uint32_t leg_id, const struct ms_addr *addr, uint16_t port,
		uint16_t rtcp_port, bool learn, bool strict_source, char *err, size_t errlen)
{
	struct ms_leg_peer p;
	struct ms_leg *leg;
	uint32_t flags;

	if (leg_id >= t->p.max_legs || !leg_active(&t->legs[leg_id]))
		return ms_err(-ENOENT, err, errlen, "no leg %u", leg_id);
	leg = &t->legs[leg_id];
	memset(&p, 0, sizeof(p));
	if (addr != NULL && ms_addr_is_set(addr)) {
		if (addr->family != leg->local.family)
			return ms_err(-EINVAL, err, errlen, "peer: not of the local address's family");
		if (port == 0)
			return ms_err(-EINVAL, err, errlen, "peer: UDP port 0");
		p.addr = *addr;
		p.addr.prefix_len = 0;
		p.port = port;
		if (!(leg->flags & MS_LEG_F_RTCP_MUX) && rtcp_port == 0 && port == UINT16_MAX)
			return ms_err(-EINVAL, err, errlen, "peer_rtcp: port 65535 has no port + 1 for RTCP");
		p.rtcp_port = (leg->flags & MS_LEG_F_RTCP_MUX) ? port
							       : (rtcp_port ? rtcp_port : (uint16_t)(port + 1));
		p.known = 1;
		p.rtcp_known = MS_PEER_RTCP_SET;
	} else if (!learn) {
		return ms_err(-EINVAL, err, errlen, "peer: an address, or learn");
	}
	flags = __atomic_load_n(&leg->flags, __ATOMIC_RELAXED);
	flags &= ~(MS_LEG_F_PEER_LEARN | MS_LEG_F_STRICT_SOURCE);
	flags |= (learn ? MS_LEG_F_PEER_LEARN : 0) | (strict_source ? MS_LEG_F_STRICT_SOURCE : 0);
	peer_write_wait(leg, &p);
	__atomic_store_n(&leg->flags, flags, __ATOMIC_RELEASE);
	return 0;
}

void
ms_legtab_lookup_bulk(const struct ms_legtab *t, const struct ms_leg_key *keys, uint32_t n,
		      struct ms_leg **legs, uint8_t *is_rtcp_port)
{
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;

	RTE_ASSERT(n <= RTE_HASH_LOOKUP_BULK_MAX);
	for (uint32_t i = 0; i < n; i++)
		kp[i] = &keys[i];
	if (n > 0)
		rte_hash_lookup_bulk_data(t->hash, kp, n, &hits, data);
	for (uint32_t i = 0; i < n; i++) {
		if (hits & (1ull << i)) {
			uintptr_t v = (uintptr_t)data[i];

			legs[i] = (struct ms_leg *)(v & ~(uintptr_t)1);
			is_rtcp_port[i] = (uint8_t)(v & 1);
		} else {
			legs[i] = NULL;
			is_rtcp_port[i] = 0;
		}
	}
}

bool
ms_legtab_in_use(const struct ms_legtab *t, uint16_t port, const struct ms_addr *local,
		 uint16_t udp_port)
{
	struct ms_leg_key k;

	memset(&k, 0, sizeof(k));
	k.port = port;
	k.family = local->family;
	k.udp_port = udp_port;
	memcpy(k.addr, local->a, sizeof(k.addr));
	return rte_hash_lookup(t->hash, &k) >= 0;
}

const struct ms_leg *
ms_legtab_get(const struct ms_legtab *t, uint32_t leg_id)
{
	if (leg_id >= t->p.max_legs || !leg_active(&t->legs[leg_id]))
		return NULL;
	return &t->legs[leg_id];
}

uint32_t
ms_legtab_next(const struct ms_legtab *t, uint32_t after)
{
	for (uint32_t i = after == UINT32_MAX ? 0 : after + 1; i < t->p.max_legs; i++)
		if (leg_active(&t->legs[i]))
			return i;
	return UINT32_MAX;
}

uint32_t
ms_legtab_count(const struct ms_legtab *t)
{
	return t->count;
}

uint32_t
ms_legtab_capacity(const struct ms_legtab *t)
{
	return t->p.max_legs;
}

static void
side_read(const struct ms_leg_side_stats *s, struct ms_leg_side_stats *d)
{
	const uint64_t *src = (const uint64_t *)s;
	uint64_t *dst = (uint64_t *)d;

	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void
ms_leg_stats_read(const struct ms_leg *leg, struct ms_leg_side_stats *rx,
		  struct ms_leg_side_stats *tx)
{
	if (rx != NULL)
		side_read(&leg->rx, rx);
	if (tx != NULL)
		side_read(&leg->tx, tx);
}

void
ms_legtab_free(struct ms_legtab *t)
{
	if (t == NULL)
		return;
	if (t->legs != NULL && t->hash != NULL) {
		for (uint32_t id = ms_legtab_next(t, UINT32_MAX); id != UINT32_MAX;
		     id = ms_legtab_next(t, id))
			ms_session_del(t, id);
		ms_legtab_reclaim(t, true);
	}
	rte_hash_free(t->hash);
	rte_free(t->legs);
	rte_free(t->free_ids);
	rte_free(t);
}
