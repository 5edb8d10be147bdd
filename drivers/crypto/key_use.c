/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "srtp_proto.h"

/*
 * A rekey publishes a context whose slots may hold other keys than before.
 * Counters follow keys by id: a key that moved to the other slot keeps its
 * counts, a new key starts from zero.
 */
static void
rebind_slot(struct ms_srtp_stream *s, const struct ms_srtp_ctx *c, unsigned slot)
{
	struct ms_srtp_key_use *mine = &s->use[slot];
	struct ms_srtp_key_use *other = &s->use[slot ^ 1];
	uint32_t id = c->key_id[slot];

	if (other->key_id == id || (c->view.nb_keys > 1 && mine->key_id == c->key_id[slot ^ 1])) {
		struct ms_srtp_key_use tmp = *mine;

		__atomic_store_n(&mine->rtp, other->rtp, __ATOMIC_RELAXED);
		__atomic_store_n(&mine->rtcp, other->rtcp, __ATOMIC_RELAXED);
		__atomic_store_n(&mine->key_id, other->key_id, __ATOMIC_RELAXED);
		__atomic_store_n(&other->rtp, tmp.rtp, __ATOMIC_RELAXED);
		__atomic_store_n(&other->rtcp, tmp.rtcp, __ATOMIC_RELAXED);
		__atomic_store_n(&other->key_id, tmp.key_id, __ATOMIC_RELAXED);
		if (mine->key_id == id)
			return;
	}
	__atomic_store_n(&mine->rtp, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&mine->rtcp, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&mine->key_id, id, __ATOMIC_RELAXED);
}

/* Runs on the owner lcore, on the first packet after a context is published. */
void
ms_srtp_stream_rebind(struct ms_srtp_stream *s, const struct ms_srtp_ctx *c)
{
	for (unsigned k = 0; k < c->view.nb_keys; k++)
		if (s->use[k].key_id != c->key_id[k])
			rebind_slot(s, c, k);
	s->view = c->view;
	__atomic_store_n(&s->bound, c, __ATOMIC_RELAXED);
}

void
ms_srtp_stream_retire(struct ms_srtp_stream *s, struct ms_srtp_ctx *old)
{
	const struct ms_srtp_ctx *expected = old;

	/*
	 * Only a stream still bound to old is cleared: after the grace period
	 * the owner lcore no longer reads old, and a stream bound to the
	 * current context keeps its binding.
	 */
	__atomic_compare_exchange_n(&s->bound, &expected, NULL, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
	old->engine->ctx_free(old);
}

int
ms_srtp_stream_key_status(const struct ms_srtp_stream *s, unsigned slot,
			  struct ms_srtp_key_status *st)
{
	const struct ms_srtp_ctx *c = ms_srtp_stream_ctx(s);

	if (slot >= c->view.nb_keys)
		return -ENOENT;
	st->key_id = c->key_id[slot];
	st->rtp_used = 0;
	st->rtcp_used = 0;
	for (unsigned u = 0; u < MS_SRTP_MAX_KEYS; u++) {
		if (__atomic_load_n(&s->use[u].key_id, __ATOMIC_RELAXED) != st->key_id)
			continue;
		st->rtp_used = __atomic_load_n(&s->use[u].rtp, __ATOMIC_RELAXED);
		st->rtcp_used = __atomic_load_n(&s->use[u].rtcp, __ATOMIC_RELAXED);
	}
	st->rtp_limit = c->rtp_limit[slot];
	st->rtcp_limit = c->rtcp_limit[slot];
	st->expired = st->rtp_used >= st->rtp_limit || st->rtcp_used >= st->rtcp_limit;
	st->rekey_needed = st->expired || st->rtp_used >= c->rtp_soft[slot] ||
			   st->rtcp_used >= c->rtcp_soft[slot];
	return 0;
}

bool
ms_srtp_stream_rekey_needed(const struct ms_srtp_stream *s)
{
	const struct ms_srtp_ctx *c = ms_srtp_stream_ctx(s);
	struct ms_srtp_key_status st;

	for (unsigned k = 0; k < c->view.nb_keys; k++)
		if (ms_srtp_stream_key_status(s, k, &st) == 0 && st.rekey_needed)
			return true;
	return false;
}
