/* SPDX-License-Identifier: BSD-3-Clause */
/* Replay window (RFC 3711 3.3.2, RFC 6479 ring) and index estimation (RFC 3711 Appendix A). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ms_test.h"
#include "replay.h"
#include "srtp_proto.h"

#define SPAN 4000000

/* The obvious implementation: every index ever accepted, and the highest. */
struct model {
	uint8_t seen[SPAN];
	uint64_t top;
	bool any;
};

static enum ms_srtp_result
model_check(const struct model *m, uint32_t window, uint64_t idx)
{
	if (!m->any || idx > m->top)
		return MS_SRTP_OK;
	if (m->top - idx >= window)
		return MS_SRTP_TOO_OLD;
	return m->seen[idx] ? MS_SRTP_REPLAY : MS_SRTP_OK;
}

static void
run_against_model(uint32_t window)
{
	static struct model m;
	uint32_t words = ms_replay_nb_words(window);
	uint64_t *bits = calloc(words, sizeof(*bits));
	uint64_t top = 0, next = 1000;
	bool started = false;
	unsigned accepted = 0, replays = 0, old = 0;

	memset(&m, 0, sizeof(m));
	assert_non_null(bits);
	assert_true((words & (words - 1)) == 0);
	assert_true((words - 1) * 64 >= window);
	for (int i = 0; i < 30000; i++) {
		uint64_t idx;
		uint32_t r = ms_test_rand() % 100;

		if (r < 60)
			idx = next++;                                   /* in order */
		else if (r < 80)
			idx = next - 1 - ms_test_rand() % (window + window / 2 + 64); /* late, about the edge */
		else if (r < 90)
			idx = next - 1 - ms_test_rand() % 8;            /* duplicate-ish */
		else if (r < 99)
			idx = next += ms_test_rand() % 300;             /* loss */
		else
			idx = next += window + ms_test_rand() % (3 * window); /* big jump */
		if (next >= SPAN - 1)
			break;
		if (idx >= SPAN)
			continue;

		enum ms_srtp_result want = model_check(&m, window, idx);
		enum ms_srtp_result got = started ? ms_replay_check(top, bits, words - 1, window, idx)
						  : MS_SRTP_OK;
		if (got != want)
			fail_msg("window %u, index %llu after top %llu: got %s, want %s", window,
				 (unsigned long long)idx, (unsigned long long)top,
				 ms_srtp_result_str(got), ms_srtp_result_str(want));
		if (got == MS_SRTP_OK) {
			if (!started) {
				ms_replay_init(&top, bits, words - 1, idx);
				started = true;
			} else {
				ms_replay_accept(&top, bits, words - 1, idx);
			}
			m.seen[idx] = 1;
			m.any = true;
			if (idx > m.top)
				m.top = idx;
			accepted++;
		}
		replays += got == MS_SRTP_REPLAY;
		old += got == MS_SRTP_TOO_OLD;
	}
	print_message("window %u: %u accepted, %u replays, %u too old\n", window, accepted, replays, old);
	/* the sequence must have exercised every outcome */
	assert_true(accepted > 1000 && replays > 100 && old > 100);
	free(bits);
}

static void
test_window_matches_model(void **state)
{
	static const uint32_t windows[] = {64, 100, 128, 129, 1000, 1024, 4096, 8192};

	(void)state;
	for (size_t i = 0; i < RTE_DIM(windows); i++)
		run_against_model(windows[i]);
}

static void
test_window_edges(void **state)
{
	uint32_t window = 128, words = ms_replay_nb_words(window);
	uint64_t bits[8], top;

	(void)state;
	ms_replay_init(&top, bits, words - 1, 1000);
	assert_int_equal(ms_replay_check(top, bits, words - 1, window, 1000), MS_SRTP_REPLAY);
	assert_int_equal(ms_replay_check(top, bits, words - 1, window, 1001), MS_SRTP_OK);
	/* the oldest index still inside the window, and the first one outside */
	assert_int_equal(ms_replay_check(top, bits, words - 1, window, 1000 - 127), MS_SRTP_OK);
	assert_int_equal(ms_replay_check(top, bits, words - 1, window, 1000 - 128), MS_SRTP_TOO_OLD);
	ms_replay_accept(&top, bits, words - 1, 1000 - 127);
	assert_int_equal(ms_replay_check(top, bits, words - 1, window, 1000 - 127), MS_SRTP_REPLAY);
	/* a jump far ahead forgets everything behind the new window */
	ms_replay_accept(&top, bits, words - 1, 1000000);
	assert_int_equal(ms_replay_check(top, bits, words - 1, window, 1000000 - 1), MS_SRTP_OK);
	assert_int_equal(ms_replay_check(top, bits, words - 1, window, 1000), MS_SRTP_TOO_OLD);
	assert_int_equal(ms_replay_check(top, bits, words - 1, window, 1000000), MS_SRTP_REPLAY);
}

static uint64_t
guess(uint32_t roc, uint16_t s_l, uint16_t seq, bool *ok)
{
	uint64_t idx = 0;

	*ok = ms_srtp_guess_index(((uint64_t)roc << 16) | s_l, seq, &idx);
	return idx;
}

static void
test_index_estimation(void **state)
{
	bool ok;

	(void)state;
	/* in order, no wrap */
	assert_int_equal(guess(0, 100, 101, &ok), 101);
	assert_true(ok);
	/* RFC 3711 Appendix A: s_l >= 2^15 and SEQ small: the ROC moved on */
	assert_int_equal(guess(0, 65530, 3, &ok), (1u << 16) | 3);
	assert_int_equal(guess(7, 40000, 7231, &ok), (8ull << 16) | 7231);
	assert_int_equal(guess(7, 40000, 7232, &ok), (7ull << 16) | 7232);
	/* s_l < 2^15 and SEQ large: a late packet from the previous ROC */
	assert_int_equal(guess(1, 5, 65533, &ok), 65533);
	assert_true(ok);
	assert_int_equal(guess(3, 32766, 65535, &ok), (2ull << 16) | 65535);
	assert_int_equal(guess(3, 32767, 65535, &ok), (3ull << 16) | 65535);
	/* the exact boundaries of the pseudocode's comparisons */
	assert_int_equal(guess(3, 32768, 0, &ok), 3ull << 16);
	assert_int_equal(guess(3, 32769, 0, &ok), 4ull << 16);
	/* before ROC 0, or past ROC 2^32 - 1: no index exists */
	guess(0, 5, 65533, &ok);
	assert_false(ok);
	guess(UINT32_MAX, 65535, 1, &ok);
	assert_false(ok);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_matches_model),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_index_estimation),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
