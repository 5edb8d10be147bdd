/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_BENCH_UNALIGNED_H
#define MS_BENCH_UNALIGNED_H

/*
 * Host-order words at any byte offset of a packet (the generators' payload
 * fields: stream, sequence, TSC), without alignment faults or aliasing.
 */

#include <stdint.h>
#include <string.h>

static inline void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static inline uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline void
put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static inline uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

#endif
