/* SPDX-License-Identifier: BSD-3-Clause */
/* Key memory: aligned, zeroed on free, kept out of core dumps and forked children. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ms_test.h"
#include "secmem.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

/* A free block keeps a list link and a double-free mark in its first 16 bytes. */
#define BOOKKEEPING 16

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* The VmFlags line of the mapping that holds addr, from /proc/self/smaps. */
static bool
vm_flags_of(const void *addr, char *flags, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, len, "%s", line + 8);
			fclose(f);
			return true;
		}
	}
	fclose(f);
	return false;
}

static void
test_alloc_free_zeroes(void **state)
{
	struct ms_secmem_stats before, during, after;

	(void)state;
	ms_secmem_get_stats(&before);
	uint8_t *p = ms_secmem_alloc(100);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 64, 0);
	assert_true(all_zero(p, 100));
	memset(p, 0xa5, 100);
	ms_secmem_get_stats(&during);
	assert_true(during.bytes_in_use >= before.bytes_in_use + 100);
	ms_secmem_free(p);
#if defined(__SANITIZE_ADDRESS__)
	/* a use after free of key memory is reported; look anyway, on purpose */
	assert_true(__asan_address_is_poisoned(p + 50));
	ASAN_UNPOISON_MEMORY_REGION(p + BOOKKEEPING, 100 - BOOKKEEPING);
#endif
	/* the block stays mapped in its chunk: what a later reader would find is zeros */
	assert_true(all_zero(p + BOOKKEEPING, 100 - BOOKKEEPING));
#if defined(__SANITIZE_ADDRESS__)
	ASAN_POISON_MEMORY_REGION(p + BOOKKEEPING, 100 - BOOKKEEPING);
#endif
	ms_secmem_get_stats(&after);
	assert_int_equal(after.bytes_in_use, before.bytes_in_use);

	/* the freed block is reused, and handed out zeroed again */
	uint8_t *q = ms_secmem_alloc(100);
	assert_ptr_equal(p, q);
	assert_true(all_zero(q, 100));
	ms_secmem_free(q);
}

static void
test_sizes(void **state)
{
	(void)state;
	for (size_t size = 1; size <= MS_SECMEM_MAX_BLOCK; size = size * 3 + 1) {
		uint8_t *p = ms_secmem_alloc(size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 64, 0);
		memset(p, 0xff, size);
		ms_secmem_free(p);
	}
	/* beyond the classes: a mapping of its own, zeroed, wiped and unmapped on free */
	for (size_t size = MS_SECMEM_MAX_BLOCK + 1; size < 8u * 1024 * 1024; size = size * 5) {
		struct ms_secmem_stats before, during, after;
		uint8_t *p;

		ms_secmem_get_stats(&before);
		p = ms_secmem_alloc(size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 64, 0);
		for (size_t i = 0; i < size; i += 4096)
			assert_int_equal(p[i], 0);
		memset(p, 0xff, size);
		ms_secmem_get_stats(&during);
		assert_true(during.bytes_in_use >= before.bytes_in_use + size);
		ms_secmem_free(p);
		ms_secmem_get_stats(&after);
		assert_int_equal(after.bytes_in_use, before.bytes_in_use);
		assert_int_equal(after.blocks_in_use, before.blocks_in_use);
	}
}

static void
test_excluded_from_dumps(void **state)
{
	char flags[512];
	uint8_t *p = ms_secmem_alloc(64);

	(void)state;
	assert_true(vm_flags_of(p, flags, sizeof(flags)));
	print_message("key memory VmFlags:%s", flags);
	assert_non_null(strstr(flags, " dd"));
#ifdef MADV_WIPEONFORK
	assert_non_null(strstr(flags, " wf"));
#endif
	ms_secmem_free(p);
}

static void
test_child_sees_zeros(void **state)
{
	uint8_t *p = ms_secmem_alloc(64);
	int status;

	(void)state;
	memset(p, 0x5a, 64);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(all_zero(p, 64) ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(p[0], 0x5a); /* the parent keeps its key */
	ms_secmem_free(p);
}

/* Freeing key memory twice would hand one block to two keys: the process stops. */
static void
test_double_free_aborts(void **state)
{
	int status;

	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t *p = ms_secmem_alloc(64);

		ms_secmem_free(p);
		ms_secmem_free(p);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void
test_locked_when_root(void **state)
{
	struct ms_secmem_stats st;

	(void)state;
	ms_secmem_get_stats(&st);
	assert_true(st.bytes_mapped > 0);
	if (geteuid() != 0) {
		print_message("not root: mlock may be refused by RLIMIT_MEMLOCK, not checked\n");
		skip();
	}
	assert_int_equal(st.chunks_unlocked, 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_free_zeroes),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_excluded_from_dumps),
		cmocka_unit_test(test_child_sees_zeros),
		cmocka_unit_test(test_double_free_aborts),
		cmocka_unit_test(test_locked_when_root),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests_name("secmem", tests, NULL, NULL);
}
