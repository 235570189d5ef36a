/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "host/numa-node.h"

#define NODE_DIR "/sys/devices/system/node"

int sysfs_numa_node(const char *device_dir) {
        _cleanup_free_ char *p = xasprintf("%s/numa_node", device_dir), *s = NULL;
        if (root_read_line(p, &s) < 0)
                return -1;
        char *end;
        long v = strtol(s, &end, 10);
        return end != s && *end == '\0' && v >= 0 && v < 1 << 16 ? (int) v : -1;
}

/* Calls fn for each nodeN directory with its number. */
static void for_each_node(void (*fn)(int node, void *userdata), void *userdata) {
        _cleanup_closedir_ DIR *d = root_opendir(NODE_DIR);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                unsigned long n;
                if (strncmp(de->d_name, "node", 4) == 0 && parse_unsigned(de->d_name + 4, 1 << 16, &n) == 0 &&
                    de->d_name[4] >= '0' && de->d_name[4] <= '9')
                        fn((int) n, userdata);
        }
}

/* Is cpu in a cpulist such as "0-3,8-11"? */
static bool cpulist_has(const char *list, unsigned cpu) {
        for (const char *p = list; *p;) {
                char *end;
                unsigned long a = strtoul(p, &end, 10), b = a;
                if (end == p)
                        return false;
                if (*end == '-') {
                        const char *q = end + 1;
                        b = strtoul(q, &end, 10);
                        if (end == q)
                                return false;
                }
                if (cpu >= a && cpu <= b)
                        return true;
                if (*end != ',')
                        return false;
                p = end + 1;
        }
        return false;
}

typedef struct CpuCount {
        const unsigned *cpus;
        size_t n;
        int best;
        size_t best_count;
} CpuCount;

static void count_cpus(int node, void *userdata) {
        CpuCount *c = userdata;
        _cleanup_free_ char *p = xasprintf(NODE_DIR "/node%d/cpulist", node), *list = NULL;
        if (root_read_line(p, &list) < 0)
                return;
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++)
                k += cpulist_has(list, c->cpus[i]);
        if (k > c->best_count || (k == c->best_count && k > 0 && node < c->best)) {
                c->best = node;
                c->best_count = k;
        }
}

int numa_node_of_cpus(const unsigned *cpus, size_t n) {
        CpuCount c = { .cpus = cpus, .n = n, .best = -1 };
        for_each_node(count_cpus, &c);
        return c.best;
}

typedef struct FreeMemory {
        int best;
        unsigned long long best_kib;
} FreeMemory;

static void compare_free(int node, void *userdata) {
        FreeMemory *f = userdata;
        _cleanup_free_ char *p = xasprintf(NODE_DIR "/node%d/meminfo", node), *text = NULL;
        if (root_read_file(p, &text, NULL) < 0)
                return;
        /* "Node 0 MemFree:         1234567 kB" */
        const char *m = strstr(text, "MemFree:");
        unsigned long long kib;
        if (!m || sscanf(m, "MemFree: %llu", &kib) != 1)
                return;
        if (f->best < 0 || kib > f->best_kib || (kib == f->best_kib && node < f->best)) {
                f->best = node;
                f->best_kib = kib;
        }
}

int numa_node_most_free(void) {
        FreeMemory f = { .best = -1 };
        for_each_node(compare_free, &f);
        return f.best;
}

/* The CPUs the guest's vCPUs are pinned to. [Guest] CPUAffinity= comes with issue 12, which owns that key: until it
 * is merged there are none, and this is the one place to read them from. Returns how many it put in *ret. */
static size_t guest_pinned_cpus(const Guest *g, unsigned **ret) {
        *ret = NULL;
        return 0;
}

int guest_numa_node(const Guest *g) {
        _cleanup_free_ unsigned *cpus = NULL;
        size_t n = guest_pinned_cpus(g, &cpus);
        if (n > 0) {
                int node = numa_node_of_cpus(cpus, n);
                if (node >= 0)
                        return node;
        }
        return numa_node_most_free();
}
