/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_IT_BYTES_H
#define MS_IT_BYTES_H

/*
 * Network byte order fields and the Internet checksum (RFC 1071), written
 * out by hand so that the frames the tests build and check do not depend on
 * the code under test. Shared by the harness (it.c) and pcap_tool.
 */

#include <stddef.h>
#include <stdint.h>

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Adds the 16-bit big-endian words of p (an odd last byte padded with 0) to sum. */
static inline uint32_t
sum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

/* Folds the carries back in: the one's complement sum. */
static inline uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif
