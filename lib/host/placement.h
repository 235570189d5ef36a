/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

#include "basic/cpu-set.h"
#include "config/config.h"
#include "host/cpu-topology.h"

/* Where a guest runs on this host, derived from its placement keys (CPUAffinity=, EmulatorCPUs=, IsolateHost=,
 * [Memory] Node=) and the host's topology. One computation shared by everything that needs it, so that they agree:
 * vxm-guest (the -smp topology and memory binding on QEMU's command line, then the pinning of QEMU's threads),
 * vxm-isolate (the CPUs to keep free of host processes), vxm-hugepages (the node of the pool), vxm show/check/status.
 * It only reads the host; it is deterministic, so vxm-guest run and vxm-guest started compute the same thing. */

typedef struct Placement {
        unsigned n_vcpus;
        int *vcpu_cpu;   /* host CPU of vCPU i, i < n_vcpus; NULL when vCPUs are not pinned */
        CpuSet vcpus;    /* the affinity set: CPUAffinity='s CPUs, or the whole cores auto chose */
        CpuSet emulator; /* CPUs of QEMU's other threads (main loop, I/O); empty: not pinned */
        CpuSet isolated; /* CPUs IsolateHost= keeps free of host processes; empty without it */
        bool smt_pairs;  /* vCPUs 2k and 2k+1 are the two threads of one host core: -smp threads=2 */
        int device_node; /* NUMA node of the guest's first PCI device; -1 unknown or none */
        int vcpu_node;   /* the node all pinned vCPUs are on; -1 when not pinned or spanning nodes */
        int memory_node; /* the node guest RAM is bound to; -1: not bound */
} Placement;

/* Computes the placement of g. Every problem is logged with the file:line of the key at fault (an offline CPU, a list
 * too short for CPUs=, auto without enough whole cores on the GPU's node, a node that does not exist), and so are
 * warnings (listed CPUs on another node than the GPU's, emulator threads sharing the vCPUs' CPUs). Returns 0 or
 * -EINVAL/-errno. The host topology is read only when a placement key needs it. */
int placement_for_guest(const Guest *g, Placement *ret);
/* The same without a message (vxm status, which only says whether the placement is valid). */
int placement_for_guest_quiet(const Guest *g, Placement *ret);
/* The same against a given topology (tests, vxm check); t may be NULL when the guest pins nothing. */
int placement_compute(const Guest *g, const CpuTopology *t, Placement *ret);
void placement_done(Placement *p);

/* Whether anything of QEMU is pinned: vCPUs or emulator threads. */
bool placement_pins_threads(const Placement *p);

/* The whole cores CPUAffinity=auto takes on node (any node when -1: the first that has enough) for n_vcpus vCPUs:
 * cores with the most online threads first (a core with an offline sibling or an efficiency core has fewer), then the
 * highest-numbered, never the core of CPU 0. vCPU i runs on vcpu_cpu[i] (ret_vcpu_cpu: n_vcpus
 * entries, may be NULL). Returns the node used, or -ENOSPC when no node has enough whole cores (*ret_free_cores, if
 * not NULL, says how many the node has). Logs nothing. */
int placement_auto_cores(const CpuTopology *t, int node, unsigned n_vcpus, CpuSet *ret, int *ret_vcpu_cpu,
                         unsigned *ret_free_cores);

/* Without logging, for callers that only need one answer and leave the messages to vxm-guest:
 * - the node guest RAM is bound to (-1: none), which is also the node of its huge page pool;
 * - the NUMA node of the host CPUs the guest's vCPUs are pinned to: -1 when they are not pinned, span nodes, or the
 *   placement is invalid. For choosing a device local to where the guest runs (e.g. an mdev parent or an SR-IOV VF on
 *   the same node). */
int placement_memory_node(const Guest *g);
int placement_vcpu_node(const Guest *g);
