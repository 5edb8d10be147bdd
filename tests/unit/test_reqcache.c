/* SPDX-License-Identifier: BSD-3-Clause */
/* The remembered answers of mutating requests (control/reqcache.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reqcache.h"

static const char who_a[] = "a", who_b[] = "b";

static enum ms_reqcache_hit
get(struct ms_reqcache *c, const void *who, const char *id, uint64_t fp, const char **res)
{
	size_t len = 0;
	enum ms_reqcache_hit h = ms_reqcache_get(c, who, id, fp, res, &len);

	if (h == MS_RC_SAME)
		assert_int_equal(len, strlen(*res));
	return h;
}

static void
test_same_different_miss(void **state)
{
	struct ms_reqcache *c;
	const char *res;

	(void)state;
	assert_int_equal(ms_reqcache_create(4, &c), 0);
	ms_reqcache_put(c, who_a, "s:1", 11, "{\"x\":1}", 7);
	assert_int_equal(get(c, who_a, "s:1", 11, &res), MS_RC_SAME);
	assert_string_equal(res, "{\"x\":1}");
	assert_int_equal(get(c, who_a, "s:1", 12, &res), MS_RC_DIFFERENT);
	/* another identity's request with the same id is another request */
	assert_int_equal(get(c, who_b, "s:1", 11, &res), MS_RC_MISS);
	assert_int_equal(get(c, who_a, "n:1", 11, &res), MS_RC_MISS);
	/* the same id again: the new answer counts */
	const char *big = "{\"x\":2,\"longer\":\"an answer that needs a bigger buffer than before, "
			  "well past 128 bytes, so that the entry's buffer is replaced, not reused\"}";

	ms_reqcache_put(c, who_a, "s:1", 13, big, strlen(big));
	assert_int_equal(get(c, who_a, "s:1", 13, &res), MS_RC_SAME);
	assert_string_equal(res, big);
	assert_int_equal(ms_reqcache_count(c), 1);
	ms_reqcache_free(c);
}

/* The oldest goes when full; evicted buffers are reused for new answers. */
static void
test_eviction(void **state)
{
	struct ms_reqcache *c;
	const char *res;
	char id[16], ans[64];

	(void)state;
	assert_int_equal(ms_reqcache_create(8, &c), 0);
	for (unsigned i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "n:%u", i);
		snprintf(ans, sizeof(ans), "{\"n\":%u}", i);
		ms_reqcache_put(c, i % 2 ? who_a : who_b, id, i, ans, strlen(ans));
		/* the last 8 are there, in full; the one before them is gone */
		for (unsigned k = i >= 7 ? i - 7 : 0; k <= i; k++) {
			snprintf(id, sizeof(id), "n:%u", k);
			snprintf(ans, sizeof(ans), "{\"n\":%u}", k);
			assert_int_equal(get(c, k % 2 ? who_a : who_b, id, k, &res), MS_RC_SAME);
			assert_string_equal(res, ans);
		}
		if (i >= 8) {
			snprintf(id, sizeof(id), "n:%u", i - 8);
			assert_int_equal(get(c, (i - 8) % 2 ? who_a : who_b, id, i - 8, &res), MS_RC_MISS);
		}
	}
	assert_int_equal(ms_reqcache_count(c), 8);
	ms_reqcache_free(c);
}

static void
test_limits(void **state)
{
	struct ms_reqcache *c;
	const char *res;
	char id[100];

	(void)state;
	/* capacity 0 remembers nothing */
	assert_int_equal(ms_reqcache_create(0, &c), 0);
	ms_reqcache_put(c, who_a, "s:1", 1, "{}", 2);
	assert_int_equal(get(c, who_a, "s:1", 1, &res), MS_RC_MISS);
	ms_reqcache_free(c);
	/* an id longer than any the protocol allows is not remembered */
	assert_int_equal(ms_reqcache_create(2, &c), 0);
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	ms_reqcache_put(c, who_a, id, 1, "{}", 2);
	assert_int_equal(get(c, who_a, id, 1, &res), MS_RC_MISS);
	assert_int_equal(ms_reqcache_count(c), 0);
	/* fingerprints tell a byte apart */
	assert_true(ms_reqcache_fingerprint("{\"a\":1}", 7) != ms_reqcache_fingerprint("{\"a\":2}", 7));
	ms_reqcache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_different_miss),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
