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
#include "host/placement.h"

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

/* The node of the CPUs its vCPUs are pinned to (CPUAffinity=), else the node its RAM is bound to ([Memory] Node=, by
 * default its GPU's): one computation with vxm-guest and vxm-isolate (placement.c). */
int guest_numa_node(const Guest *g) {
        int node = placement_vcpu_node(g);
        if (node < 0)
                node = placement_memory_node(g);
        return node >= 0 ? node : numa_node_most_free();
}
