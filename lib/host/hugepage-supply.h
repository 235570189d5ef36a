/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

#include "host/hugepages.h"

/* How many hugepages a pool could give now, for vxm check: the pool's free pages, the free memory that is already
 * in blocks of the page size (/proc/buddyinfo), and the free and reclaimable memory that compaction might turn into
 * such blocks (node meminfo). Reads only. */
typedef struct HugepageSupply {
        uint64_t nr_pages;          /* nr_hugepages of the pool */
        uint64_t free_pages;        /* free_hugepages of the pool */
        uint64_t block_pages;       /* pages of page_size the buddy allocator has free as whole blocks */
        uint64_t free_bytes;        /* MemFree of the node (of the host for the global pool) */
        uint64_t reclaimable_bytes; /* Inactive(file): page cache the kernel drops to make room */
} HugepageSupply;

/* -ENOENT when the pool does not exist (the CPU or kernel has no such page size). */
int hugepage_supply(const HugepagePool *pool, HugepageSupply *ret);
