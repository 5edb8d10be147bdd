/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_REPLAY_H
#define MS_REPLAY_H

/*
 * Replay window over packet indices (RFC 3711 section 3.3.2), kept as a ring
 * of 64-bit words (RFC 6479) so that advancing the window clears words instead
 * of shifting a bit vector: the cost does not grow with the window size.
 *
 * The ring has one word more than the window needs, rounded up to a power of
 * two, so the word holding the newest index never aliases one still in the
 * window. "top" is the highest index accepted so far.
 */

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "srtp.h"

static inline uint32_t
ms_replay_nb_words(uint32_t window)
{
	return rte_align32pow2((window + 63) / 64 + 1);
}

static inline enum ms_srtp_result
ms_replay_check(uint64_t top, const uint64_t *bits, uint32_t word_mask, uint32_t window,
		uint64_t index)
{
	if (index > top)
		return MS_SRTP_OK;
	if (unlikely(top - index >= window))
		return MS_SRTP_TOO_OLD;
	if (bits[(index >> 6) & word_mask] & (UINT64_C(1) << (index & 63)))
		return MS_SRTP_REPLAY;
	return MS_SRTP_OK;
}

/* Records an index that passed ms_replay_check (and, inbound, authentication). */
static inline void
ms_replay_accept(uint64_t *top, uint64_t *bits, uint32_t word_mask, uint64_t index)
{
	if (index > *top) {
		uint64_t from = *top >> 6;
		uint64_t steps = RTE_MIN((index >> 6) - from, (uint64_t)word_mask + 1);

		for (uint64_t w = 1; w <= steps; w++)
			bits[(from + w) & word_mask] = 0;
		*top = index;
	}
	bits[(index >> 6) & word_mask] |= UINT64_C(1) << (index & 63);
}

/* Starts a window whose first packet has this index. */
static inline void
ms_replay_init(uint64_t *top, uint64_t *bits, uint32_t word_mask, uint64_t index)
{
	for (uint32_t w = 0; w <= word_mask; w++)
		bits[w] = 0;
	*top = index;
	bits[(index >> 6) & word_mask] = UINT64_C(1) << (index & 63);
}

#endif
