/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

#include "basic/cpu-set.h"
#include "config/pci-address.h"

/* The host's CPUs as the kernel shows them in /sys/devices/system/cpu and /sys/devices/system/node (through the root
 * prefix, so tests use fake topologies): which CPUs exist and are online, which are SMT siblings of one core, and which
 * NUMA node each belongs to. A kernel without NUMA support (no /sys/devices/system/node) is one node 0. */

typedef struct CpuTopology {
        CpuSet present; /* CPUs that exist (present, online or not) */
        CpuSet online;
        unsigned n_cpus; /* highest present CPU + 1: the size of the arrays below */
        int *core;       /* per online CPU: the lowest CPU of its thread_siblings_list (its core's name); -1 offline */
        int *node;       /* per online CPU: its NUMA node, -1 unknown */
        CpuSet *node_cpus; /* online CPUs of node i, for i < n_nodes; nodes may be sparse (empty sets) */
        unsigned n_nodes;  /* highest node + 1 */
} CpuTopology;

/* Reads the topology. -errno (not logged) when /sys/devices/system/cpu/online cannot be read. */
int cpu_topology_load(CpuTopology **ret);
CpuTopology *cpu_topology_free(CpuTopology *t);
static inline void cpu_topology_freep(CpuTopology **t) {
        cpu_topology_free(*t);
}
#define _cleanup_cpu_topology_free_ __attribute__((cleanup(cpu_topology_freep)))

/* The node of an online CPU, -1 when unknown or offline. */
int cpu_topology_node_of(const CpuTopology *t, unsigned cpu);
/* The online SMT siblings of cpu's core, cpu included (empty when cpu is offline). */
void cpu_topology_core_cpus(const CpuTopology *t, unsigned cpu, CpuSet *ret);
/* Whether node exists with at least one online CPU. */
bool cpu_topology_has_node(const CpuTopology *t, int node);
/* The nodes the CPUs of s are on: -1 when s is empty, spans nodes, or a node is unknown. */
int cpu_topology_single_node(const CpuTopology *t, const CpuSet *s);

/* The NUMA node the kernel reports for a PCI device (/sys/bus/pci/devices/BDF/numa_node): -1 when it says -1 (no
 * affinity, e.g. a single-node machine) or the file is missing. */
int pci_device_numa_node(const PciAddress *a);
/* Whether /sys/devices/system/node/nodeN exists. */
bool numa_node_exists(int node);
