/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/cpu-topology.h"
#include "host/numa-node.h"

#define SYS_CPU "/sys/devices/system/cpu"
#define SYS_NODE "/sys/devices/system/node"

static int read_cpu_list(const char *path, CpuSet *ret) {
        _cleanup_free_ char *line = NULL;
        int r = root_read_line(path, &line);
        if (r < 0)
                return r;
        return cpu_set_parse(line, ret, NULL) < 0 ? -EBADMSG : 0;
}

CpuTopology *cpu_topology_free(CpuTopology *t) {
        if (!t)
                return NULL;
        cpu_set_done(&t->present);
        cpu_set_done(&t->online);
        free(t->core);
        free(t->node);
        for (unsigned i = 0; i < t->n_nodes; i++)
                cpu_set_done(&t->node_cpus[i]);
        free(t->node_cpus);
        free(t);
        return NULL;
}

/* An offline CPU has no topology directory, and an online one without it (old or odd kernels) is its own core. */
static void load_cores(CpuTopology *t) {
        for (int c = cpu_set_next(&t->online, 0); c >= 0; c = cpu_set_next(&t->online, (unsigned) c + 1)) {
                _cleanup_free_ char *p = xasprintf(SYS_CPU "/cpu%d/topology/thread_siblings_list", c);
                _cleanup_cpu_set_ CpuSet siblings = {};
                t->core[c] = c;
                if (read_cpu_list(p, &siblings) < 0)
                        continue;
                cpu_set_intersect(&siblings, &t->online);
                int first = cpu_set_next(&siblings, 0);
                if (first >= 0 && cpu_set_has(&siblings, (unsigned) c))
                        t->core[c] = first;
        }
}

static void set_node(CpuTopology *t, unsigned node, const CpuSet *cpus) {
        if (node >= t->n_nodes) {
                t->node_cpus = xrealloc(t->node_cpus, (node + 1) * sizeof *t->node_cpus);
                memset(t->node_cpus + t->n_nodes, 0, (node + 1 - t->n_nodes) * sizeof *t->node_cpus);
                t->n_nodes = node + 1;
        }
        cpu_set_copy(&t->node_cpus[node], cpus);
        cpu_set_intersect(&t->node_cpus[node], &t->online);
        for (int c = cpu_set_next(&t->node_cpus[node], 0); c >= 0;
             c = cpu_set_next(&t->node_cpus[node], (unsigned) c + 1))
                t->node[c] = (int) node;
}

static void load_nodes(CpuTopology *t) {
        _cleanup_closedir_ DIR *d = root_opendir(SYS_NODE);
        if (!d) {
                /* No NUMA in this kernel: one node. */
                set_node(t, 0, &t->online);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                unsigned node;
                int end = 0;
                if (sscanf(de->d_name, "node%u%n", &node, &end) != 1 || de->d_name[end] != '\0' || node >= 4096)
                        continue;
                _cleanup_free_ char *p = xasprintf(SYS_NODE "/node%u/cpulist", node);
                _cleanup_cpu_set_ CpuSet cpus = {};
                if (read_cpu_list(p, &cpus) < 0)
                        log_debug("Cannot read %s, ignoring node %u.", p, node);
                set_node(t, node, &cpus);
        }
}

/* Without the present file (old kernels, fake trees): every cpuN directory is a CPU that exists. */
static void present_from_dirs(CpuSet *ret) {
        _cleanup_closedir_ DIR *d = root_opendir(SYS_CPU);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                unsigned cpu;
                int end = 0;
                if (sscanf(de->d_name, "cpu%u%n", &cpu, &end) == 1 && de->d_name[end] == '\0' && cpu < CPU_SET_MAX)
                        cpu_set_add(ret, cpu);
        }
}

int cpu_topology_load(CpuTopology **ret) {
        CpuTopology *t = xmalloc(sizeof *t);
        int r = read_cpu_list(SYS_CPU "/online", &t->online);
        if (r < 0) {
                cpu_topology_free(t);
                return r;
        }
        if (read_cpu_list(SYS_CPU "/present", &t->present) < 0)
                present_from_dirs(&t->present);
        cpu_set_add_all(&t->present, &t->online);

        for (int c = cpu_set_next(&t->present, 0); c >= 0; c = cpu_set_next(&t->present, (unsigned) c + 1))
                t->n_cpus = (unsigned) c + 1;
        t->core = xmalloc((t->n_cpus + 1) * sizeof *t->core);
        t->node = xmalloc((t->n_cpus + 1) * sizeof *t->node);
        for (unsigned c = 0; c < t->n_cpus; c++)
                t->core[c] = t->node[c] = -1;

        load_cores(t);
        load_nodes(t);
        *ret = t;
        return 0;
}

int cpu_topology_node_of(const CpuTopology *t, unsigned cpu) {
        return cpu < t->n_cpus ? t->node[cpu] : -1;
}

void cpu_topology_core_cpus(const CpuTopology *t, unsigned cpu, CpuSet *ret) {
        cpu_set_done(ret);
        if (cpu >= t->n_cpus || t->core[cpu] < 0)
                return;
        for (unsigned c = 0; c < t->n_cpus; c++)
                if (t->core[c] == t->core[cpu])
                        cpu_set_add(ret, c);
}

bool cpu_topology_has_node(const CpuTopology *t, int node) {
        return node >= 0 && (unsigned) node < t->n_nodes && !cpu_set_is_empty(&t->node_cpus[node]);
}

int cpu_topology_single_node(const CpuTopology *t, const CpuSet *s) {
        int node = -1;
        for (int c = cpu_set_next(s, 0); c >= 0; c = cpu_set_next(s, (unsigned) c + 1)) {
                int n = cpu_topology_node_of(t, (unsigned) c);
                if (n < 0 || (node >= 0 && n != node))
                        return -1;
                node = n;
        }
        return node;
}

int pci_device_numa_node(const PciAddress *a) {
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(a, bdf);
        _cleanup_free_ char *dir = xasprintf("/sys/bus/pci/devices/%s", bdf);
        return sysfs_numa_node(dir);
}

bool numa_node_exists(int node) {
        if (node < 0)
                return false;
        _cleanup_free_ char *p = xasprintf(SYS_NODE "/node%d", node);
        return root_exists(p);
}
