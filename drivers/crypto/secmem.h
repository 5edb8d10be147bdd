/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_SECMEM_H
#define MS_SECMEM_H

/*
 * Memory for secrets: master keys, session keys, key schedules.
 *
 * Every block comes from anonymous mappings that are excluded from core dumps
 * (MADV_DONTDUMP), wiped in a forked child (MADV_WIPEONFORK) and locked in RAM
 * when the process may lock memory, so keys never reach swap or a core file.
 * Blocks are cache-line aligned and zeroed both when handed out and when freed.
 *
 * Allocation and free are for the control thread: they take a mutex. Workers
 * only read what was allocated here.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Largest block served from the shared size classes. Larger ones (the
 * sessions of a big configuration file) get a mapping of their own, with the
 * same protections, unmapped when freed.
 */
#define MS_SECMEM_MAX_BLOCK (64u * 1024u)

void *ms_secmem_alloc(size_t size);
void ms_secmem_free(void *p);

struct ms_secmem_stats {
	size_t bytes_mapped;   /* address space mapped for secrets */
	size_t bytes_in_use;   /* handed out and not yet freed */
	size_t blocks_in_use;
	unsigned chunks_unlocked; /* chunks mlock() refused (RLIMIT_MEMLOCK) */
};

void ms_secmem_get_stats(struct ms_secmem_stats *st);

/* Zero memory in a way the compiler cannot drop. */
void ms_secure_zero(void *p, size_t n);

#endif
