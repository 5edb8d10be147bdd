/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_ring.h>

#include "capture.h"

/* One direction's counters: dataplane (its one writer): rw, relaxed stores; ctlplane: ro. */
struct capture_dir_stats {
	uint64_t captured;
	uint64_t dropped;
} __rte_cache_aligned;

struct ms_capture {
	/* filled records: workers enqueue (multi-producer), control dequeues (single consumer) */
	struct rte_ring *ring;
	/* free records: workers dequeue, control gives drained ones back */
	struct rte_ring *free;
	struct ms_capture_rec *recs;
	uint32_t nb_records;
	/* apart: the rx and tx writers are usually two workers */
	struct capture_dir_stats st[MS_CAPTURE_DIRS];
};

/* Rings in plain memory rather than rte_ring_create: no memzone and no name per capture. */
static struct rte_ring *
ring_new(const char *name, uint32_t size, unsigned flags, int socket_id)
{
	ssize_t sz = rte_ring_get_memsize(size);
	struct rte_ring *r;

	if (sz < 0)
		return NULL;
	r = rte_zmalloc_socket(name, (size_t)sz, RTE_CACHE_LINE_SIZE, socket_id);
	if (r != NULL && rte_ring_init(r, name, size, flags) != 0) {
		rte_free(r);
		r = NULL;
	}
	return r;
}

int
ms_capture_create(uint32_t nb_records, int socket_id, struct ms_capture **out)
{
	struct ms_capture *c;
	/* both rings hold every record at once: putting a record on the ring never fails */
	uint32_t size = rte_align32pow2(nb_records + 1);

	*out = NULL;
	if (nb_records == 0 || nb_records > MS_CAPTURE_MAX_RECORDS)
		return -EINVAL;
	c = rte_zmalloc_socket("ms_capture", sizeof(*c), RTE_CACHE_LINE_SIZE, socket_id);
	if (c == NULL)
		return -ENOMEM;
	c->nb_records = nb_records;
	c->ring = ring_new("ms_capture_ring", size, RING_F_SC_DEQ, socket_id);
	c->free = ring_new("ms_capture_free", size, 0, socket_id);
	c->recs = rte_malloc_socket("ms_capture_recs", (size_t)nb_records * sizeof(c->recs[0]),
				    RTE_CACHE_LINE_SIZE, socket_id);
	if (c->ring == NULL || c->free == NULL || c->recs == NULL) {
		ms_capture_free(c);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < nb_records; i++) {
		void *r = &c->recs[i];

		rte_ring_enqueue(c->free, r);
	}
	*out = c;
	return 0;
}

void
ms_capture_free(struct ms_capture *c)
{
	if (c == NULL)
		return;
	/* decrypted media: not left behind in memory the next user of the heap gets */
	if (c->recs != NULL)
		memset(c->recs, 0, (size_t)c->nb_records * sizeof(c->recs[0]));
	rte_free(c->recs);
	rte_free(c->ring);
	rte_free(c->free);
	rte_free(c);
}

static inline void
count(uint64_t *ctr)
{
	/* one writer: a plain increment that control may read at any time */
	__atomic_store_n(ctr, *ctr + 1, __ATOMIC_RELAXED);
}

struct ms_capture_rec *
ms_capture_rec_get(struct ms_capture *c, enum ms_capture_dir dir)
{
	void *r;

	if (unlikely(rte_ring_dequeue(c->free, &r) != 0)) {
		count(&c->st[dir].dropped);
		return NULL;
	}
	((struct ms_capture_rec *)r)->dir = (uint8_t)dir;
	return r;
}

void
ms_capture_rec_put(struct ms_capture *c, struct ms_capture_rec *r)
{
	struct capture_dir_stats *st = &c->st[r->dir];

	/* the ring has room for every record: this fails only if a record was put twice */
	if (unlikely(rte_ring_enqueue(c->ring, r) != 0)) {
		rte_ring_enqueue(c->free, r);
		count(&st->dropped);
		return;
	}
	count(&st->captured);
}

int
ms_capture_drain(struct ms_capture *c, ms_capture_drain_fn fn, void *arg, unsigned max)
{
	void *recs[64];
	unsigned done = 0;
	int ret = 0;

	while (done < max && ret >= 0) {
		unsigned want = RTE_MIN(max - done, (unsigned)RTE_DIM(recs));
		unsigned n = rte_ring_dequeue_burst(c->ring, recs, want, NULL);

		if (n == 0)
			break;
		for (unsigned i = 0; i < n && ret >= 0; i++) {
			ret = fn(recs[i], arg);
			if (ret >= 0)
				done++;
		}
		rte_ring_enqueue_bulk(c->free, recs, n, NULL);
	}
	return ret < 0 ? ret : (int)done;
}

void
ms_capture_stats_read(const struct ms_capture *c, struct ms_capture_stats *st)
{
	for (unsigned d = 0; d < MS_CAPTURE_DIRS; d++) {
		st->captured[d] = __atomic_load_n(&c->st[d].captured, __ATOMIC_RELAXED);
		st->dropped[d] = __atomic_load_n(&c->st[d].dropped, __ATOMIC_RELAXED);
	}
}

unsigned
ms_capture_pending(const struct ms_capture *c)
{
	return rte_ring_count(c->ring);
}
