/* SPDX-License-Identifier: BSD-3-Clause */
/* Stream state: per-SSRC windows and counters, owned by one worker lcore. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_malloc.h>

#include "engines.h"
#include "imb.h"
#include "ms_log.h"
#include "replay.h"

/*
 * Streams come from slabs, one per size (a size per replay window length):
 * rte_zmalloc for each would cost more than the rest of a session install
 * (the heap's lock, a search, a header per block). Control creates and
 * frees streams; the lock is for tests that do it from several threads.
 * Slabs are kept for reuse once allocated.
 */
/*
 * Chunks fill whole hugepages: a 1 MiB chunk and DPDK's header did not fit
 * twice in a 2 MiB page, and half of every page stayed unused.
 */
#define SLAB_CHUNK ((4u << 20) - 4096u)
#define SLAB_CLASSES 16

struct slab_free {
	struct slab_free *next;
};

static struct slab_class {
	size_t size;
	struct slab_free *free;
	uint8_t *bump, *end;
} slabs[SLAB_CLASSES];
static pthread_mutex_t slab_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t
stream_size(uint32_t word_mask)
{
	return RTE_ALIGN_CEIL(sizeof(struct imb_stream) + MS_SRTP_SSRC_SLOTS * imb_ssrc_stride(word_mask) +
				      sizeof(struct imb_stream_cold),
			      RTE_CACHE_LINE_SIZE);
}

static struct slab_class *
slab_of(size_t size)
{
	for (unsigned i = 0; i < SLAB_CLASSES; i++)
		if (slabs[i].size == size || slabs[i].size == 0) {
			slabs[i].size = size;
			return &slabs[i];
		}
	return NULL;
}

static void *
stream_alloc(size_t size)
{
	struct slab_class *c;
	void *p = NULL;

	pthread_mutex_lock(&slab_lock);
	c = slab_of(size);
	if (c != NULL && c->free != NULL) {
		p = c->free;
		c->free = c->free->next;
	} else if (c != NULL) {
		if (c->bump == NULL || c->bump + size > c->end) {
			size_t chunk = RTE_MAX((size_t)SLAB_CHUNK, 16 * size);

			c->bump = rte_malloc("srtp_streams", chunk, RTE_CACHE_LINE_SIZE);
			c->end = c->bump != NULL ? c->bump + chunk : NULL;
		}
		if (c->bump != NULL) {
			p = c->bump;
			c->bump += size;
		}
	}
	pthread_mutex_unlock(&slab_lock);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

static void
stream_release(void *p, size_t size)
{
	struct slab_class *c;

	pthread_mutex_lock(&slab_lock);
	c = slab_of(size);
	((struct slab_free *)p)->next = c->free;
	c->free = p;
	pthread_mutex_unlock(&slab_lock);
}

int
imb_stream_create(const struct ms_srtp_stream_cfg *cfg, struct ms_srtp_ctx *ctx,
		  struct ms_srtp_stream **stream)
{
	int ret = ms_srtp_stream_create_check(cfg, ctx, &ms_engine_ipsecmb);

	if (ret < 0)
		return ret;

	uint32_t window = cfg->replay_window ? cfg->replay_window : MS_SRTP_REPLAY_WINDOW_DEFAULT;
	uint32_t words = ms_replay_nb_words(window);
	struct imb_stream *s = stream_alloc(stream_size(words - 1));

	RTE_BUILD_BUG_ON(sizeof(struct ms_srtp_stream) + 8 > RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(offsetof(struct imb_stream, ssrc_state) != RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(sizeof(struct imb_ssrc) != 32);
	RTE_BUILD_BUG_ON(sizeof(struct imb_gcm_keys) != 1024);
	RTE_BUILD_BUG_ON(offsetof(struct imb_cm_keys, enc_keys) + 11 * 16 > 256);
	RTE_BUILD_BUG_ON(offsetof(struct imb_cm_keys, enc_keys) + 15 * 16 > 320);
	if (s == NULL)
		return -ENOMEM;
	s->head.ctx = ctx;
	s->head.dir = (uint8_t)cfg->dir;
	s->window = (uint16_t)window;
	s->word_mask = (uint16_t)(words - 1);
	imb_stream_cold(s)->initial_roc = cfg->initial_roc;
	*stream = &s->head;
	return 0;
}

void
imb_stream_free(struct ms_srtp_stream *stream)
{
	struct imb_stream *s = (struct imb_stream *)stream;

	if (s != NULL)
		stream_release(s, stream_size(s->word_mask));
}

struct imb_ssrc *
imb_ssrc_add(struct imb_stream *s, uint32_t ssrc)
{
	unsigned i;

	if (s->head.nb_ssrc < MS_SRTP_SSRC_SLOTS) {
		i = s->head.nb_ssrc;
		__atomic_store_n(&s->head.nb_ssrc, (uint8_t)(i + 1), __ATOMIC_RELAXED);
	} else {
		i = 0;
		for (unsigned j = 1; j < MS_SRTP_SSRC_SLOTS; j++)
			if ((int32_t)(imb_ssrc_at(s, j)->last_used - imb_ssrc_at(s, i)->last_used) < 0)
				i = j;
		struct imb_stream_cold *cold = imb_stream_cold(s);

		__atomic_store_n(&cold->ssrc_evictions, cold->ssrc_evictions + 1, __ATOMIC_RELAXED);
	}
	struct imb_ssrc *ss = imb_ssrc_at(s, i);

	memset(ss, 0, imb_ssrc_stride(s->word_mask));
	ss->ssrc = ssrc;
	return ss;
}

void
imb_stream_info(const struct ms_srtp_stream *stream, struct ms_srtp_stream_info *info)
{
	struct imb_stream *s = (struct imb_stream *)(uintptr_t)stream;

	info->nb_ssrc = __atomic_load_n(&s->head.nb_ssrc, __ATOMIC_RELAXED);
	info->ssrc_evictions = __atomic_load_n(&imb_stream_cold(s)->ssrc_evictions,
					       __ATOMIC_RELAXED);
}
