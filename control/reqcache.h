/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_REQCACHE_H
#define MS_REQCACHE_H

/*
 * The answers of the last N mutating requests, by (client identity, request
 * id), so that a retry after a lost connection is answered, not done again.
 * A request is "the same" when its text is the same byte for byte (a
 * fingerprint of the line is kept, not the line: it may hold keys).
 */

#include <stddef.h>
#include <stdint.h>

enum ms_reqcache_hit { MS_RC_MISS, MS_RC_SAME, MS_RC_DIFFERENT };

struct ms_reqcache;

/* capacity 0: nothing is remembered. */
int ms_reqcache_create(uint32_t capacity, struct ms_reqcache **out);
void ms_reqcache_free(struct ms_reqcache *c);

/* 64-bit fingerprint of a request line. */
uint64_t ms_reqcache_fingerprint(const char *line, size_t len);

/*
 * who: an interned pointer naming the identity (compared by address).
 * On MS_RC_SAME, result and len point at the remembered result (valid until the
 * next put).
 */
enum ms_reqcache_hit ms_reqcache_get(const struct ms_reqcache *c, const void *who, const char *id,
				     uint64_t fp, const char **result, size_t *len);
/* Remembers a result (the JSON of "result"); the oldest goes when full. */
void ms_reqcache_put(struct ms_reqcache *c, const void *who, const char *id, uint64_t fp,
		     const char *result, size_t len);
uint32_t ms_reqcache_count(const struct ms_reqcache *c);

#endif
