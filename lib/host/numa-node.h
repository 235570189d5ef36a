/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>

#include "config/config.h"

/* Where a guest should take shared devices from (Mdev=auto's parent): the NUMA node of its pinned CPUs when it pins
 * them, else the node with the most free memory, so that its RAM, its vCPUs and the device doing DMA into that RAM
 * are close. */

/* The numa_node of a PCI device (or any sysfs device directory with that attribute); -1 when unknown. */
int sysfs_numa_node(const char *device_dir);

/* The node that holds most of these CPUs (from /sys/devices/system/node/nodeN/cpulist); -1 when none is known. */
int numa_node_of_cpus(const unsigned *cpus, size_t n);

/* The node with the most free memory (MemFree in /sys/devices/system/node/nodeN/meminfo); -1 without NUMA
 * information (then every device counts as near). */
int numa_node_most_free(void);

/* The guest's node: that of its pinned CPUs, else the node with the most free memory. -1 when unknown. */
int guest_numa_node(const Guest *g);
