/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "reqcache.h"

#define ID_MAX 72 /* "s:" or "n:" and up to 64 characters */
#define NONE UINT32_MAX

struct entry {
	const void *who;
	uint64_t fp;
	uint32_t next; /* bucket chain */
	uint32_t hash; /* key_hash(who, id) */
	uint32_t len;
	uint32_t cap; /* result's size: an evicted entry's buffer is reused when big enough */
	char *result;
	char id[ID_MAX];
};

struct ms_reqcache {
	uint32_t capacity, count, oldest; /* entries form a ring: oldest is overwritten next */
	uint32_t mask;
	uint32_t *buckets;
	struct entry *e;
};

static uint32_t
key_hash(const void *who, const char *id)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)who;

	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 1099511628211ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* CRC32-C, 8 bytes a step with SSE 4.2; the line may start anywhere: no aligned loads. */
static uint32_t
crc(const char *p, size_t n, uint32_t c)
{
	uint64_t v;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		c = rte_hash_crc_8byte(v, c);
	}
	for (; n > 0; p++, n--)
		c = rte_hash_crc_1byte((uint8_t)*p, c);
	return c;
}

uint64_t
ms_reqcache_fingerprint(const char *line, size_t len)
{
	/* two CRCs make 64 bits: a retry is told from a new request */
	return (uint64_t)crc(line, len, 0x85ebca6bu) << 32 | crc(line, len, 0x9e3779b9u);
}

int
ms_reqcache_create(uint32_t capacity, struct ms_reqcache **out)
{
	struct ms_reqcache *c = calloc(1, sizeof(*c));
	uint32_t nb = 16;

	if (c == NULL)
		return -ENOMEM;
	c->capacity = capacity;
	while (nb < 2 * capacity)
		nb <<= 1;
	c->mask = nb - 1;
	c->buckets = malloc(nb * sizeof(*c->buckets));
	c->e = calloc(capacity ? capacity : 1, sizeof(*c->e));
	if (c->buckets == NULL || c->e == NULL) {
		ms_reqcache_free(c);
		return -ENOMEM;
	}
	memset(c->buckets, 0xff, nb * sizeof(*c->buckets));
	*out = c;
	return 0;
}

void
ms_reqcache_free(struct ms_reqcache *c)
{
	if (c == NULL)
		return;
	if (c->e != NULL)
		for (uint32_t i = 0; i < c->count; i++)
			free(c->e[i].result);
	free(c->e);
	free(c->buckets);
	free(c);
}

static uint32_t
find(const struct ms_reqcache *c, const void *who, const char *id, uint32_t h)
{
	for (uint32_t i = c->buckets[h & c->mask]; i != NONE; i = c->e[i].next)
		if (c->e[i].hash == h && c->e[i].who == who && strcmp(c->e[i].id, id) == 0)
			return i;
	return NONE;
}

enum ms_reqcache_hit
ms_reqcache_get(const struct ms_reqcache *c, const void *who, const char *id, uint64_t fp,
		const char **result, size_t *len)
{
	uint32_t i;

	if (c->capacity == 0 || strlen(id) >= ID_MAX)
		return MS_RC_MISS;
	i = find(c, who, id, key_hash(who, id));
	if (i == NONE)
		return MS_RC_MISS;
	if (c->e[i].fp != fp)
		return MS_RC_DIFFERENT;
	*result = c->e[i].result;
	*len = c->e[i].len;
	return MS_RC_SAME;
}

static void
unlink_entry(struct ms_reqcache *c, uint32_t i)
{
	uint32_t *pp = &c->buckets[c->e[i].hash & c->mask];

	while (*pp != NONE && *pp != i)
		pp = &c->e[*pp].next;
	if (*pp == i)
		*pp = c->e[i].next;
}

/* Copies result into entry i, reusing its buffer when it is big enough. */
static int
store_result(struct entry *e, const char *result, size_t len)
{
	if (e->result == NULL || e->cap < len + 1) {
		/* round up so that answers of about the same size fit each other's buffers */
		size_t cap = (len + 1 + 127) & ~(size_t)127;
		char *copy = malloc(cap);

		if (copy == NULL)
			return -1;
		free(e->result);
		e->result = copy;
		e->cap = (uint32_t)cap;
	}
	memcpy(e->result, result, len);
	e->result[len] = '\0';
	e->len = (uint32_t)len;
	return 0;
}

void
ms_reqcache_put(struct ms_reqcache *c, const void *who, const char *id, uint64_t fp,
		const char *result, size_t len)
{
	uint32_t i, h;

	if (c->capacity == 0 || strlen(id) >= ID_MAX || len >= UINT32_MAX)
		return;
	h = key_hash(who, id);
	i = find(c, who, id, h);
	if (i != NONE) {
		/* the same id again (after a failed attempt): the new answer counts */
		if (store_result(&c->e[i], result, len) == 0)
			c->e[i].fp = fp;
		return;
	}
	if (c->count < c->capacity) {
		i = c->count++;
	} else {
		i = c->oldest;
		c->oldest = (c->oldest + 1) % c->capacity;
		unlink_entry(c, i);
	}
	if (store_result(&c->e[i], result, len) < 0) {
		/* no answer to keep: the slot stays empty (unlinked) */
		c->e[i].who = NULL;
		c->e[i].id[0] = '\0';
		return;
	}
	c->e[i].who = who;
	c->e[i].fp = fp;
	c->e[i].hash = h;
	strcpy(c->e[i].id, id);
	c->e[i].next = c->buckets[h & c->mask];
	c->buckets[h & c->mask] = i;
}

uint32_t
ms_reqcache_count(const struct ms_reqcache *c)
{
	return c->count;
}
