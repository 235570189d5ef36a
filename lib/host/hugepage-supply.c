/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/hugepage-supply.h"

#define BASE_PAGE_SHIFT 12 /* x86-64: the buddy allocator's order 0 is 4 KiB */

static int read_u64(const char *dir, const char *attr, uint64_t *ret) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, attr), *s = NULL;
        unsigned long long v;
        int r = root_read_line(path, &s);
        if (r < 0)
                return r;
        if (sscanf(s, "%llu", &v) != 1)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* Free blocks of at least 2^order base pages on node (-1: all nodes), counted in blocks of 2^order. */
static uint64_t buddy_blocks(int node, unsigned order) {
        _cleanup_free_ char *text = NULL;
        if (root_read_file("/proc/buddyinfo", &text, NULL) < 0)
                return 0;
        uint64_t blocks = 0;
        char *save = NULL;
        /* "Node 0, zone   Normal   10  4  ...": one count per order, from order 0. */
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                int n, used;
                char zone[32];
                if (sscanf(line, "Node %d, zone %31s%n", &n, zone, &used) != 2 || (node >= 0 && n != node))
                        continue;
                const char *p = line + used;
                unsigned long long count;
                int k;
                for (unsigned o = 0; sscanf(p, "%llu%n", &count, &k) == 1; o++, p += k)
                        if (o >= order)
                                blocks += count << (o - order);
        }
        return blocks;
}

static uint64_t meminfo_bytes(const char *text, const char *key) {
        const char *p = text;
        size_t n = strlen(key);
        while ((p = strstr(p, key))) {
                /* "MemFree:" at a line start, or "Node 0 MemFree:" in a node's meminfo */
                if (p[n] == ':' && (p == text || p[-1] == '\n' || p[-1] == ' ')) {
                        unsigned long long kb;
                        if (sscanf(p + n + 1, "%llu", &kb) == 1)
                                return kb << 10;
                }
                p += n;
        }
        return 0;
}

int hugepage_supply(const HugepagePool *pool, HugepageSupply *ret) {
        _cleanup_free_ char *dir = hugepage_pool_dir(pool);
        HugepageSupply s = {};
        int r = read_u64(dir, "nr_hugepages", &s.nr_pages);
        if (r < 0)
                return r;
        r = read_u64(dir, "free_hugepages", &s.free_pages);
        if (r < 0)
                return r;

        unsigned order = 0;
        while ((1ULL << (order + BASE_PAGE_SHIFT)) < pool->page_size)
                order++;
        s.block_pages = buddy_blocks(pool->node, order);

        _cleanup_free_ char *meminfo = pool->node < 0
                                               ? xstrdup("/proc/meminfo")
                                               : xasprintf("/sys/devices/system/node/node%d/meminfo", pool->node);
        _cleanup_free_ char *text = NULL;
        if (root_read_file(meminfo, &text, NULL) >= 0) {
                s.free_bytes = meminfo_bytes(text, "MemFree");
                s.reclaimable_bytes = meminfo_bytes(text, "Inactive(file)");
        }
        *ret = s;
        return 0;
}
