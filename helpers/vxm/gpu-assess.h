/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

#include "host/pci-sysfs.h"

/* Whether vxm-vfio would pass a display controller through, and what a guest must list for it: the rules of
 * lib/host/vfio-check.c, shared by vxm gpus (which explains them) and vxm new (which writes the config). */
typedef struct Gpu {
        const PciDevice *dev;
        int numa_node;       /* -1: none or unknown */
        PciDevice **group;   /* all members, sorted; NULL without an IOMMU */
        char **take;         /* what the guest's [PCI] section lists: the GPU, then every other endpoint of its group */
        char **foreign;      /* of those, the ones in another slot that a host driver uses */
        char **codes, **why; /* why not: machine-readable code and sentence, in parallel; NULL: it can */
} Gpu;

int gpu_assess(Gpu *g, const PciDevice *dev, bool iommu);
void gpu_done(Gpu *g);
/* The GPU or the member of its group with this address; NULL if neither. */
const PciDevice *gpu_member(const Gpu *g, const char *bdf);
