/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

#include "config/config.h"

/* Reserving exactly the hugepages one guest needs, on the NUMA node its RAM is bound to (its first GPU's), and giving
 * back exactly those.
 *
 * The record (/run/vxm/.state/hugepages/NAME) says which pool, how many pages the guest needs, how many it added
 * and what nr_hugepages was before. All changes to nr_hugepages happen under /run/vxm/.state/hugepages/.lock. */

typedef struct HugepagePool {
        int node;           /* -1: the global pool */
        uint64_t page_size; /* bytes */
} HugepagePool;

/* Pages of page_size needed for memory bytes, rounded up. */
uint64_t hugepages_needed(uint64_t memory, uint64_t page_size);
uint64_t hugepage_size_bytes(HugepageSize size);
/* "/sys/devices/system/node/node0/hugepages/hugepages-2048kB" or "/sys/kernel/mm/hugepages/hugepages-2048kB". */
char *hugepage_pool_dir(const HugepagePool *pool);
/* The pool for the guest: the node its RAM is bound to (placement_memory_node(): [Memory] Node=, by default the
 * numa_node of its first PCI device); -1, the global pool, when it is not bound or the node has no pool of that
 * size. */
int hugepage_pool_for_guest(const Guest *g, HugepagePool *ret);

/* How reserving behaves; the defaults are what the helper uses. */
typedef struct HugepageOptions {
        unsigned compact_retries; /* compaction rounds after a shortfall (default 3) */
        unsigned retry_delay_ms;  /* pause after each compaction (default 200) */
} HugepageOptions;
#define HUGEPAGE_OPTIONS_DEFAULT ((HugepageOptions){ .compact_retries = 3, .retry_delay_ms = 200 })

/* The kernel interface, replaceable by tests that simulate a kernel on a fake tree. Paths are unprefixed. */
typedef struct HugepageKernel {
        int (*write_count)(const char *path, uint64_t count);
        int (*compact)(const char *path);
} HugepageKernel;
void hugepages_set_kernel(const HugepageKernel *k);

/* Both log what they did or why not, and return 0 or a negative errno; the host is unchanged on failure. */
int hugepages_reserve(const Guest *g, const HugepageOptions *opts);
/* Works from the record alone (the config may be gone or changed); no record: nothing to do. */
int hugepages_release(const char *name);
