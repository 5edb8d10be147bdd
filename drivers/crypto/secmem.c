/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_debug.h>
#include <rte_log.h>

#include "ms_log.h"
#include "secmem.h"

/*
 * Under AddressSanitizer, blocks are poisoned while free and past the size
 * asked for, so a use after free of a key or a read beyond it is reported.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/*
 * Chunks are 2 MiB aligned so a block finds its chunk by masking its address,
 * and so transparent huge pages can back them: 100,000 legs of keys should not
 * cost a TLB miss each. Each chunk serves one block size; its first cache line
 * holds the (non-secret) chunk descriptor.
 */
#define CHUNK_SIZE (2u * 1024u * 1024u)
#define CHUNK_MAGIC 0x6d73736563636b31ull /* "mssecck1" */

/* 64-byte steps to 1 KiB, 256-byte steps to 4 KiB: contexts of every suite fit snugly. */
static const uint32_t class_sizes[] = {
	64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768, 832, 896, 960, 1024,
	1280, 1536, 1792, 2048, 2304, 2560, 2816, 3072, 3328, 3584, 3840, 4096,
	6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536,
};
#define NB_CLASSES RTE_DIM(class_sizes)

struct chunk_desc {
	uint64_t magic;
	uint32_t class_idx; /* LARGE_CLASS: one block of its own mapping */
	uint32_t locked;
	size_t large_len;   /* bytes mapped for a large block */
};

#define LARGE_CLASS UINT32_MAX

/* A free block: zeroed but for its list link and a mark that catches double frees. */
#define FREE_MARK 0x6d7366726565644bull /* "mKdeerfsm" */

struct free_block {
	struct free_block *next;
	uint64_t mark;
};

struct size_class {
	struct free_block *free_list;
	uint8_t *bump;     /* next never-used block in the newest chunk */
	uint8_t *bump_end;
};

static pthread_mutex_t secmem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct size_class classes[NB_CLASSES];
static struct ms_secmem_stats stats;
static bool warned_unlocked;

void
ms_secure_zero(void *p, size_t n)
{
	explicit_bzero(p, n);
}

static int
class_of(size_t size)
{
	for (unsigned i = 0; i < NB_CLASSES; i++)
		if (size <= class_sizes[i])
			return (int)i;
	return -1;
}

/* Map len bytes (a multiple of 2 MiB), 2 MiB-aligned, and mark them as secret memory. */
static uint8_t *
secret_map(uint32_t class_idx, size_t len)
{
	size_t span = len + (size_t)CHUNK_SIZE;
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;

	uint8_t *base = RTE_PTR_ALIGN_CEIL(raw, CHUNK_SIZE);
	if (base > raw)
		munmap(raw, (size_t)(base - raw));
	uint8_t *end = base + len;
	if (raw + span > end)
		munmap(end, (size_t)(raw + span - end));

	/* A failed DONTDUMP would let keys reach a core file: refuse the chunk. */
	if (madvise(base, len, MADV_DONTDUMP) != 0) {
		munmap(base, len);
		return NULL;
	}
#ifdef MADV_WIPEONFORK
	(void)madvise(base, len, MADV_WIPEONFORK);
#endif
	(void)madvise(base, len, MADV_HUGEPAGE);

	struct chunk_desc *d = (struct chunk_desc *)base;
	d->magic = CHUNK_MAGIC;
	d->class_idx = class_idx;
	d->large_len = class_idx == LARGE_CLASS ? len : 0;
	d->locked = mlock(base, len) == 0;
	if (!d->locked) {
		stats.chunks_unlocked++;
		if (!warned_unlocked) {
			MS_LOG(WARNING, crypto,
			       "cannot lock key memory in RAM (%s): raise RLIMIT_MEMLOCK so keys cannot reach swap",
			       strerror(errno));
			warned_unlocked = true;
		}
	}
	stats.bytes_mapped += len;
	return base;
}

static uint8_t *
chunk_map(uint32_t class_idx)
{
	return secret_map(class_idx, CHUNK_SIZE);
}

/* Beyond the largest class (the sessions of a big configuration): a mapping of its own. */
static void *
large_alloc(size_t size)
{
	size_t len = RTE_ALIGN_CEIL(size + RTE_CACHE_LINE_SIZE, (size_t)CHUNK_SIZE);
	uint8_t *base;

	pthread_mutex_lock(&secmem_lock);
	base = secret_map(LARGE_CLASS, len);
	if (base != NULL) {
		stats.bytes_in_use += len;
		stats.blocks_in_use++;
	}
	pthread_mutex_unlock(&secmem_lock);
	if (base == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return base + RTE_CACHE_LINE_SIZE;
}

static void
large_free(struct chunk_desc *d, void *p)
{
	size_t len = d->large_len;

	ms_secure_zero(p, len - RTE_CACHE_LINE_SIZE);
	pthread_mutex_lock(&secmem_lock);
	stats.bytes_in_use -= len;
	stats.blocks_in_use--;
	stats.bytes_mapped -= len;
	pthread_mutex_unlock(&secmem_lock);
	ms_secure_zero(d, sizeof(*d));
	munmap(d, len);
}

void *
ms_secmem_alloc(size_t size)
{
	if (size > MS_SECMEM_MAX_BLOCK)
		return large_alloc(size);
	int ci = class_of(size == 0 ? 1 : size);
	if (ci < 0) {
		errno = EINVAL;
		return NULL;
	}
	uint32_t bsize = class_sizes[ci];
	struct size_class *sc = &classes[ci];
	uint8_t *block;

	pthread_mutex_lock(&secmem_lock);
	if (sc->free_list != NULL) {
		block = (uint8_t *)sc->free_list;
		UNPOISON(block, sizeof(struct free_block));
		sc->free_list = sc->free_list->next;
		((struct free_block *)block)->mark = 0;
	} else {
		if (sc->bump == NULL || sc->bump + bsize > sc->bump_end) {
			uint8_t *base = chunk_map((uint32_t)ci);
			if (base == NULL) {
				pthread_mutex_unlock(&secmem_lock);
				errno = ENOMEM;
				return NULL;
			}
			/* The first block starts after the descriptor line. */
			sc->bump = base + RTE_CACHE_LINE_SIZE;
			sc->bump_end = base + CHUNK_SIZE;
		}
		block = sc->bump;
		sc->bump += bsize;
	}
	stats.bytes_in_use += bsize;
	stats.blocks_in_use++;
	pthread_mutex_unlock(&secmem_lock);

	UNPOISON(block, size);
	POISON(block + size, bsize - size);
	memset(block, 0, RTE_MIN(size, sizeof(struct free_block)));
	return block;
}

void
ms_secmem_free(void *p)
{
	if (p == NULL)
		return;
	struct chunk_desc *d = (struct chunk_desc *)RTE_PTR_ALIGN_FLOOR(p, CHUNK_SIZE);
	RTE_VERIFY(d->magic == CHUNK_MAGIC);
	if (d->class_idx == LARGE_CLASS) {
		RTE_VERIFY(p == (uint8_t *)d + RTE_CACHE_LINE_SIZE); /* a large block's own start */
		large_free(d, p);
		return;
	}
	RTE_VERIFY(d->class_idx < NB_CLASSES);
	uint32_t bsize = class_sizes[d->class_idx];

	UNPOISON(p, bsize);
	struct free_block *fb = p;

	RTE_VERIFY(fb->mark != FREE_MARK); /* a double free of key memory */
	ms_secure_zero(p, bsize);

	pthread_mutex_lock(&secmem_lock);
	fb->mark = FREE_MARK;
	fb->next = classes[d->class_idx].free_list;
	classes[d->class_idx].free_list = fb;
	POISON(p, bsize);
	stats.bytes_in_use -= bsize;
	stats.blocks_in_use--;
	pthread_mutex_unlock(&secmem_lock);
}

void
ms_secmem_get_stats(struct ms_secmem_stats *st)
{
	pthread_mutex_lock(&secmem_lock);
	*st = stats;
	pthread_mutex_unlock(&secmem_lock);
}
